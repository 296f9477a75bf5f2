"""The pages a browser gets: the index at ``/``, GraphiQL on ``/graphql`` and ``/metadata``, the API docs.

A page answers only a ``GET`` whose ``Accept`` ranks HTML above JSON (a browser's); every other client
gets the API's own answer at the same URL, as before (``RouteTable.add_page``). The pages work offline:
GraphiQL 3.9.0, React 18.3.1 and Swagger UI are shipped in ``static/`` beside their licences and served
from ``/assets/``, never from a CDN, and the pages' Content-Security-Policy lets them load from and talk
to this server only.

Each page has a token field: the access token or API key pasted there is kept in the browser's local
storage and sent as ``Authorization: Bearer …`` with every request the page makes (``static/pages/``).
"""

from __future__ import annotations

import hashlib
import html
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import final

from twenty_actors.errors import NotFoundError

from .pipeline import Call, Response, json_response

STATIC_ROOT = Path(__file__).resolve().parent / "static"
GRAPHIQL = "graphiql-3.9.0"
REACT = "react-18.3.1"
REACT_DOM = "react-dom-18.3.1"
SWAGGER_UI = "swagger-ui-dist-5.35.0"

HTML_TYPE = "text/html; charset=utf-8"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".txt": "text/plain; charset=utf-8", "": "text/plain; charset=utf-8"}  # "": LICENSE, NOTICE
# scripts and styles of this server only, requests to this server only: nothing on a page leaves it
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'none'")
_PAGE_HEADERS = (("Cache-Control", "no-cache"), ("Vary", "Accept"), ("Content-Security-Policy", CSP),
                 ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
_IMMUTABLE = "public, max-age=31536000, immutable"
_OWN = "pages"  # our own scripts and styles; the vendors' folders carry their versions in their names


@final
class StaticFiles:
    """The files of ``static/``, two levels deep (``folder/name``), each read on first use and kept.

    What a URL names never changes, so a browser may keep it for a year: a vendor's folder is named with
    its version (``react-18.3.1``), and the pages link our own files with a hash of their content
    (``?v=…``). Asked for without that hash (or with an old one), our own files are ``no-cache``.
    """

    def __init__(self, root: Path = STATIC_ROOT) -> None:
        self._paths = {f"{p.parent.name}/{p.name}": p for p in sorted(root.glob("*/*")) if p.is_file()}
        self._bodies: dict[str, bytes] = {}  # at most one per shipped file
        self.versions = {name: hashlib.sha256(path.read_bytes()).hexdigest()[:16]
                         for name, path in self._paths.items() if name.startswith(f"{_OWN}/")}

    @property
    def names(self) -> list[str]:
        """Every shipped file, as ``folder/name``."""
        return list(self._paths)

    def url(self, name: str) -> str:
        """The URL of a shipped file: its vendor's version is in its folder, ours carry a content hash."""
        if name not in self._paths:
            raise KeyError(name)
        version = self.versions.get(name)
        return f"/assets/{name}" if version is None else f"/assets/{name}?v={version}"

    def response(self, name: str, query: bytes) -> Response:
        """The answer to ``GET /assets/{name}?{query}``.

        Raises:
            NotFoundError: no such file is shipped.
        """
        path = self._paths.get(name)
        if path is None:
            raise NotFoundError(f"No file /assets/{name}")
        body = self._bodies.get(name)
        if body is None:
            body = self._bodies[name] = path.read_bytes()
        version = self.versions.get(name)
        cache = _IMMUTABLE if version is None or query == f"v={version}".encode() else "no-cache"
        headers = [("Cache-Control", cache), ("X-Content-Type-Options", "nosniff")]
        return Response(200, body, headers, content_type=_TYPES.get(path.suffix, "application/octet-stream"))


def html_response(body: bytes) -> Response:
    """A page: HTML revalidated on each visit, under the pages' Content-Security-Policy."""
    return Response(200, body, list(_PAGE_HEADERS), content_type=HTML_TYPE)


def _version() -> str:
    try:
        return version("twenty-actors")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


def _page(title: str, head: str, body: str, body_class: str = "") -> bytes:
    return ('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<link rel="icon" href="data:,">\n'  # no favicon to fetch
            f"<title>{html.escape(title)}</title>\n{head}</head>\n"
            f'<body class="{body_class}">\n{body}</body>\n</html>\n').encode()


_NAV = ('<nav><a href="/graphql">GraphQL</a><a href="/metadata">Metadata</a>'
        '<a href="/rest/docs">REST docs</a></nav>')


def _token_bar(title: str) -> str:
    """The top bar of GraphiQL and the docs: the token field (``static/pages/token.js``) and links."""
    return ('<header class="bar"><a class="home" href="/">twenty-actors</a>'
            f'<span class="title">{html.escape(title)}</span>\n'
            '<form class="token" id="token-form" autocomplete="off">'
            '<label for="token">Access token or API key</label>'
            '<input id="token" name="token" type="password" spellcheck="false" placeholder="eyJ…">'
            '<button type="submit" id="token-use">Use</button>'
            '<button type="button" id="token-forget">Forget</button>'
            f'<span id="token-state" class="state"></span></form>\n{_NAV}</header>\n')


_INDEX_ROWS = (
    ("/graphql", "GraphiQL on the core GraphQL API: the workspace's objects and records"),
    ("/metadata", "GraphiQL on the metadata API: objects, fields, relations, API keys, webhooks"),
    ("/rest/docs", "the REST API's documentation (Swagger UI), with “Try it out” against this server"),
    ("/healthz", "health: whether this server is up and reaches its database"),
    ("/metrics", "metrics in the Prometheus text format"),
)


@final
class Pages:
    """The pages, built once per route table, their handlers, and the shipped files they load."""

    def __init__(self, static: StaticFiles | None = None) -> None:
        self.static = static = static or StaticFiles()
        self.version = _version()
        css = f'<link rel="stylesheet" href="{static.url("pages/pages.css")}">\n'

        def scripts(*names: str) -> str:
            # deferred: they run in order once the page is parsed, so each finds the elements it fills
            return "".join(f'<script src="{static.url(name)}" defer></script>\n' for name in names)

        items = "".join(f'<li><a href="{url}"><code>{url}</code></a> — {html.escape(text)}</li>\n'
                        for url, text in _INDEX_ROWS)
        self.index_html = _page("twenty-actors", css, (
            '<main class="index">\n<h1>twenty-actors</h1>\n'
            "<p>A Twenty CRM compatible API server. Its pages:</p>\n"
            f"<ul>\n{items}</ul>\n"
            "<p>GraphiQL and the docs ask for an access token (the <code>accessToken</code> of "
            "<code>POST /auth/login</code>) or an API key, keep it in this browser's local storage and send "
            "it as <code>Authorization: Bearer …</code>.</p>\n"
            f'<p class="version">version {html.escape(self.version)}</p>\n</main>\n'))
        graphiql_head = (f'<link rel="stylesheet" href="{static.url(f"{GRAPHIQL}/graphiql.min.css")}">\n{css}'
                         + scripts(f"{REACT}/react.production.min.js",
                                   f"{REACT_DOM}/react-dom.production.min.js", f"{GRAPHIQL}/graphiql.min.js",
                                   "pages/token.js", "pages/graphiql.js"))
        self.graphiql_html = {
            path: _page(f"{title} · twenty-actors", graphiql_head, _token_bar(title)
                        + f'<main id="graphiql" class="graphiql" data-endpoint="{path}"></main>\n', "fill")
            for path, title in (("/graphql", "GraphQL"), ("/metadata", "Metadata API"))}
        docs_head = (f'<link rel="stylesheet" href="{static.url(f"{SWAGGER_UI}/swagger-ui.css")}">\n{css}'
                     + scripts(f"{SWAGGER_UI}/swagger-ui-bundle.js", "pages/token.js", "pages/docs.js"))
        self.docs_html = _page("REST API docs · twenty-actors", docs_head, _token_bar("REST API") + (
            '<main class="docs"><p id="docs-hint" class="hint"></p>'
            '<div id="swagger-ui" data-spec="/rest/open-api/core"></div></main>\n'))

    async def index(self, call: Call) -> Response:
        """``GET /`` for JSON clients: where each API and page is."""
        del call
        links = {"graphql": "/graphql", "metadata": "/metadata", "rest": "/rest/{plural}",
                 "openApi": "/rest/open-api/core", "openApiMetadata": "/rest/open-api/metadata",
                 "restDocs": "/rest/docs", "websocket": "/ws", "health": "/healthz", "metrics": "/metrics",
                 "signup": "/auth/signup", "login": "/auth/login", "refresh": "/auth/refresh"}
        return json_response({"name": "twenty-actors", "version": self.version, "links": links},
                             headers=[("Vary", "Accept")])

    async def index_page(self, call: Call) -> Response:
        """``GET /`` for a browser: links to the pages."""
        del call
        return html_response(self.index_html)

    async def graphiql_page(self, call: Call) -> Response:
        """``GET /graphql`` and ``GET /metadata`` for a browser: GraphiQL on that endpoint."""
        return html_response(self.graphiql_html[call.request.path])

    async def docs_page(self, call: Call) -> Response:
        """``GET /rest/docs`` for a browser: Swagger UI over the workspace's OpenAPI document."""
        del call
        return html_response(self.docs_html)

    async def static_file(self, call: Call) -> Response:
        """``GET /assets/{folder}/{name}``: a shipped file."""
        folder, name = call.params
        return self.static.response(f"{folder}/{name}", call.request.query)
