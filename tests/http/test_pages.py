"""The pages over HTTP, on both transports: content negotiation, the shipped files, their headers, licences.

A browser (``Accept: text/html…``) gets the index at ``/``, GraphiQL at ``/graphql`` and ``/metadata`` and
Swagger UI at ``/rest/docs``; every other client gets what it got before at those URLs. The pages load
only files of this server, each answered with its type and caching headers. The browser test
(``tests/browser/``) uses the pages.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import msgspec
import pytest
from twenty_http.pages import STATIC_ROOT, StaticFiles
from twenty_http.pipeline import wants_html

from tests.conftest import Account
from twenty_actors.settings import Settings

ROOT = Path(__file__).resolve().parent.parent.parent
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
IMMUTABLE = "public, max-age=31536000, immutable"
VENDORS = {"graphiql-3.9.0": "MIT License", "react-18.3.1": "MIT License", "react-dom-18.3.1": "MIT License",
           "swagger-ui-dist-5.35.0": "Apache License"}


@pytest.fixture(params=["native", "hypercorn"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Every test here once on each transport."""
    return msgspec.structs.replace(settings, server=request.param)


def page_urls(html: str) -> list[str]:
    """Every URL a page loads or links."""
    return re.findall(r'(?:src|href)="([^"]*)"', html)


@pytest.mark.parametrize(("accept", "html"), [
    (BROWSER, True),
    ("text/html", True),
    ("application/xhtml+xml", True),
    (None, False),
    ("", False),
    ("*/*", False),
    ("application/json", False),
    ("application/json, text/html", False),  # a tie goes to JSON: API clients' answers never change
    ("text/html;q=0.5, application/json", False),
    ("application/json;q=0.2, text/html", True),
    ("application/graphql-response+json, text/html;q=0.9", False),
    ("text/html;q=0", False),
    ("text/html;q=nan", False),
    ("text/html;q=oops", False),
    ("TEXT/HTML", True),
])
def test_html_is_served_only_when_ranked_above_json(accept: str | None, html: bool) -> None:
    assert wants_html(accept) is html


async def test_api_clients_get_what_they_got_before(client: httpx.AsyncClient, account: Account) -> None:
    for accept in (None, "*/*", "application/json"):
        headers = {**account.headers, **({"Accept": accept} if accept else {})}
        for path in ("/graphql", "/metadata"):
            refused = await client.get(path, headers=headers)
            assert refused.status_code == 405, (path, accept, refused.text)
            assert refused.json()["errors"][0]["extensions"]["code"]
            assert {m.strip() for m in refused.headers["allow"].split(",")} == {"OPTIONS", "POST"}
        # /rest/docs is also the list of an object whose plural is "docs": an API client never gets a page
        unknown = await client.get("/rest/docs", headers=headers)
        assert unknown.status_code == 404, unknown.text
        assert unknown.json()["error"]["code"] == "NOT_FOUND"
    anonymous = await client.get("/rest/docs")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "UNAUTHORIZED"
    options = await client.options("/graphql")
    assert {m.strip() for m in options.headers["allow"].split(",")} == {"OPTIONS", "POST"}
    posted = await client.post("/graphql", json={"query": "{ companies { totalCount } }"},
                               headers=account.headers)
    assert posted.json() == {"data": {"companies": {"totalCount": 0}}}


async def test_the_index_answers_json_or_a_page(client: httpx.AsyncClient) -> None:
    index = await client.get("/")
    assert index.status_code == 200
    assert index.headers["content-type"] == "application/json"
    assert index.headers["vary"] == "Accept"
    body = index.json()
    assert body["name"] == "twenty-actors"
    assert body["links"]["graphql"] == "/graphql"
    assert body["links"]["restDocs"] == "/rest/docs"
    assert body["links"]["metrics"] == "/metrics"

    page = await client.get("/", headers={"Accept": BROWSER})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    links = set(page_urls(page.text))
    assert {"/graphql", "/metadata", "/rest/docs", "/healthz", "/metrics"} <= links
    head = await client.head("/", headers={"Accept": BROWSER})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(page.content))
    refused = await client.post("/", json={})
    assert refused.status_code == 405


@pytest.mark.parametrize("path", ["/graphql", "/metadata", "/rest/docs"])
async def test_each_page_loads_only_files_of_this_server(client: httpx.AsyncClient, path: str) -> None:
    page = await client.get(path, headers={"Accept": BROWSER})
    assert page.status_code == 200, page.text
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    assert page.headers["vary"] == "Accept"
    assert page.headers["x-content-type-options"] == "nosniff"
    csp = page.headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "connect-src 'self'"):
        assert directive in csp
    assert "<script>" not in page.text  # no inline script: the policy allows none
    assert 'id="token"' in page.text  # the token field
    urls = page_urls(page.text)
    assert urls, page.text
    loaded = [url for url in urls if url.startswith("/assets/")]
    assert len(loaded) >= 4
    for url in urls:
        assert url.startswith("/") or url.startswith("data:"), f"{path} links outside this server: {url}"
    for url in loaded:
        answer = await client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["cache-control"] == IMMUTABLE, url
        assert answer.headers["x-content-type-options"] == "nosniff"
        kind = answer.headers["content-type"]
        assert kind == ("text/css; charset=utf-8" if url.split("?")[0].endswith(".css")
                        else "text/javascript; charset=utf-8"), (url, kind)
        assert not re.search(rb"""(?:src|href)\s*=\s*["']https?://""", answer.content), url
    if path != "/rest/docs":
        assert f'data-endpoint="{path}"' in page.text
        assert any("/assets/graphiql-3.9.0/graphiql.min.js" in url for url in loaded)
        assert any("/assets/react-18.3.1/react.production.min.js" in url for url in loaded)
    else:
        assert 'data-spec="/rest/open-api/core"' in page.text
        assert any("/assets/swagger-ui-dist-5.35.0/swagger-ui-bundle.js" in url for url in loaded)


async def test_shipped_files_have_their_type_and_caching(client: httpx.AsyncClient) -> None:
    static = StaticFiles()
    for name in static.names:
        answer = await client.get(f"/assets/{name}")
        assert answer.status_code == 200, name
        assert answer.content == (STATIC_ROOT / name).read_bytes(), name
        suffix = Path(name).suffix
        expected = {".js": "text/javascript", ".css": "text/css"}.get(suffix, "text/plain")
        assert answer.headers["content-type"] == f"{expected}; charset=utf-8", name
        # our own files without their content hash may change under the same URL: revalidate them
        mutable = name.startswith("pages/")
        assert answer.headers["cache-control"] == ("no-cache" if mutable else IMMUTABLE)
    own = "pages/token.js"
    assert static.url(own) == f"/assets/{own}?v={static.versions[own]}"
    hashed = await client.get(static.url(own))
    assert hashed.headers["cache-control"] == IMMUTABLE
    stale = await client.get(f"/assets/{own}?v=0000")
    assert stale.headers["cache-control"] == "no-cache"
    head = await client.head(f"/assets/{own}")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(hashed.content))
    for missing in ("/assets/pages/nothing.js", "/assets/pages", "/assets/pages/a/b", "/assets/pages/",
                    "/assets/../pyproject.toml", "/assets/pages/..%2F..%2Fpyproject.toml",
                    "/assets/%2E%2E/LICENSE"):
        refused = await client.get(missing)
        assert refused.status_code == 404, (missing, refused.status_code)
        assert refused.json()["error"]["code"] == "NOT_FOUND"


def test_shipped_files_keep_their_licences() -> None:
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License\n\nCopyright (c) 2026 twenty-actors contributors\n")
    folders = {p.name for p in STATIC_ROOT.iterdir() if p.is_dir()}
    assert folders == {*VENDORS, "pages"}
    for folder, licence in VENDORS.items():
        assert (STATIC_ROOT / folder / "LICENSE").read_text().lstrip().startswith(licence), folder
    assert "SmartBear" in (STATIC_ROOT / "swagger-ui-dist-5.35.0" / "NOTICE").read_text()
    for path in (STATIC_ROOT / "pages").iterdir():
        assert "twenty-actors, MIT" in path.read_text().splitlines()[0], path.name


def test_a_built_wheel_carries_the_files_and_the_licence(tmp_path: Path) -> None:
    """What a non-editable install gets: the static files as package data, the licence in the metadata."""
    source = tmp_path / "source"  # a copy, so that the build leaves nothing in the work tree
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("twenty_actors", "http", "storage", "server", "bench"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "wheel"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)]
    built = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert built.returncode == 0, built.stderr
    (wheel,) = out.glob("twenty_actors-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(archive.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
        licences = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert len(licences) == 1
        assert archive.read(licences[0]) == (ROOT / "LICENSE").read_bytes()
    shipped = {f"twenty_http/static/{p.relative_to(STATIC_ROOT).as_posix()}"
               for p in STATIC_ROOT.rglob("*") if p.is_file()}
    assert shipped
    assert shipped <= names, sorted(shipped - names)
    assert "twenty_http/pages.py" in names
    assert "License-Expression: MIT" in metadata.splitlines()
