"""The edge pipeline: one ``handle(request) -> response`` behind every transport, free of I/O.

A transport (the native HTTP/1.1 server in ``native.py``, the ASGI app in ``app.py``) turns bytes into a
:class:`Request` and a :class:`Response` back into bytes; everything between is here, once:

1. a stopping server refuses with 503 + ``Retry-After`` (``/healthz`` answers for itself);
2. the route table picks the handler (404, 405 with ``Allow``; ``HEAD`` is ``GET``, ``OPTIONS`` lists),
   or the page at the path when the client asks for HTML (``Accept``);
3. a ``Content-Length`` over the limit is refused (413) before any of the body is read;
4. an API route authenticates the caller and takes its rate-limit token (401, 429);
5. a JSON route reads its body (415, 413, 408, UTF-8);
6. admission lets the request run now, queues it, or refuses it (503);
7. any exception becomes the documented envelope, GraphQL's on ``/graphql`` and ``/metadata`` and
   REST's elsewhere, with ``Retry-After`` when the error has one;
8. ``Connection: close`` when the body was left unread or the server is stopping;
9. every answer carries ``X-Request-Id`` (the client's, when it sent a fit one), which its error envelope
   names too (``error.requestId``, or ``extensions.requestId`` on each GraphQL error), and which every log
   line of the request carries; each request is counted (``metrics.py``) and logged once (``access_log.py``).

The transport reads the body only when asked (:meth:`Request.read_body`), so a refusal costs no body.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, final
from urllib.parse import parse_qsl

import msgspec

from twenty_actors.admission import ShedError
from twenty_actors.caller import Caller
from twenty_actors.errors import (
    MethodNotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    TwentyError,
    UnsupportedMediaTypeError,
    ValidationError,
    client_error,
)
from twenty_actors.graphql.response import errors_body, twenty_error
from twenty_actors.observe import request_id
from twenty_actors.rest import twenty_error_body
from twenty_actors.services import Services

from . import metrics
from .access_log import ACCESS_LOG

log = logging.getLogger("twenty.http")

BodyReader = Callable[[int], Awaitable[bytes]]
JSON_TYPE = "application/json"
_GRAPHQL_PATHS = ("/graphql", "/metadata")
_encoder = msgspec.json.Encoder()
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_RAW_MEMBERS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ERRORS = msgspec.json.Decoder(list[dict[str, Any]])


@final
class Request:
    """What the pipeline needs of one HTTP request; the body stays with the transport until read."""

    __slots__ = ("_reader", "api", "body_read", "caller", "content_length", "headers", "host", "method",
                 "path", "peer", "query", "request_id", "route", "scheme")

    def __init__(self, method: str, path: str, query: bytes, headers: dict[str, str], *, reader: BodyReader,
                 peer: str | None = None, scheme: str = "http", host: str = "") -> None:
        self.method = method
        self.path = path
        self.query = query  # the raw query string, without "?"
        self.headers = headers  # lower-case names; a repeated header's values joined with ", "
        self.peer = peer  # the client's address (never a forwarded header)
        self.scheme = scheme
        self.host = host  # "host:port" as the client addressed us
        self._reader = reader
        length = headers.get("content-length")
        self.content_length = int(length) if length is not None and length.isdigit() else None
        self.body_read = not self.content_length and "transfer-encoding" not in headers
        # set by the pipeline as it goes: for the answer, the metrics and the access log
        self.request_id = ""
        self.route = metrics.UNMATCHED  # the pattern of the route that took it
        self.api: str | None = None
        self.caller: Caller | None = None

    async def read_body(self, limit: int) -> bytes:
        """The whole body, at most ``limit`` bytes.

        Raises:
            PayloadTooLargeError: the body is longer than ``limit``.
            RequestTimeoutError: the client stopped sending it.
            ValidationError: its framing is broken (a bad chunk).
        """
        if self.body_read:
            return b""
        body = await self._reader(limit)
        self.body_read = True
        return body


@final
class Response:
    """Status, body and the headers particular to this answer (the transport adds length and date)."""

    __slots__ = ("body", "close", "content_type", "headers", "status")

    def __init__(self, status: int, body: bytes = b"", headers: list[tuple[str, str]] | None = None, *,
                 content_type: str | None = JSON_TYPE, close: bool = False) -> None:
        self.status = status
        self.body = body
        self.headers = headers if headers is not None else []
        self.content_type = content_type
        self.close = close  # the connection cannot carry another request after this answer


@final
class Call:
    """One routed request as a handler sees it."""

    __slots__ = ("_caller", "body", "params", "request", "services")

    def __init__(self, services: Services, request: Request, params: tuple[str, ...], caller: Caller | None,
                 body: bytes) -> None:
        self.services = services
        self.request = request
        self.params = params  # the path's variable parts, in order
        self._caller = caller  # on API routes: authenticated, rate limited and admitted
        self.body = body  # the JSON body, read and checked, on routes that take one

    @property
    def caller(self) -> Caller:
        """The authenticated caller of an API route, and its workspace."""
        assert self._caller is not None
        return self._caller


Handler = Callable[[Call], Awaitable[Response]]


class Route(msgspec.Struct, frozen=True):
    """A handler and what the pipeline does before it."""

    handler: Handler
    api: str | None = None  # rate-limited API ("graphql", "rest", "metadata"): authenticate first
    json_body: bool = False  # read a JSON body before the handler
    token_param: bool = False  # the credentials may come as ?token= (the OpenAPI documents, API.md)
    pattern: str = ""  # the path it is served at, "{}" for a variable segment (set by RouteTable.add)


@final
class RouteTable:
    """Exact paths, and ``/rest/…`` patterns whose ``{}`` parts are single path segments."""

    def __init__(self) -> None:
        self._exact: dict[str, dict[str, Route]] = {}
        self._patterns: list[tuple[tuple[str | None, ...], dict[str, Route]]] = []
        self._pages: dict[str, Route] = {}

    def add(self, methods: str, path: str, route: Route) -> None:
        """Serve ``path`` for each of ``methods`` (space separated) with ``route``."""
        route = msgspec.structs.replace(route, pattern=path)
        if "{}" in path:
            parts = tuple(None if p == "{}" else p for p in path.strip("/").split("/"))
            table = next((t for p, t in self._patterns if p == parts), None)
            if table is None:
                table = {}
                self._patterns.append((parts, table))
        else:
            table = self._exact.setdefault(path, {})
        for method in methods.split():
            table[method] = route

    def add_page(self, path: str, route: Route) -> None:
        """Serve ``path`` with ``route`` to a ``GET`` that asks for HTML; other requests get the routes."""
        self._pages[path] = msgspec.structs.replace(route, pattern=path)

    def match(self, method: str, path: str, accept: str | None = None) -> tuple[Route, tuple[str, ...]]:
        """The route and path parameters of a request (``accept``: its ``Accept`` header, for the pages).

        Raises:
            NotFoundError: no route has this path.
            MethodNotAllowedError: routes have this path, but not this method (``details`` lists them).
        """
        want = "GET" if method == "HEAD" else method
        if want == "GET" and path in self._pages and wants_html(accept):
            return self._pages[path], ()
        allowed: list[str] = []
        pattern = path
        table = self._exact.get(path)
        if table is not None:
            if want in table:
                return table[want], ()
            allowed += table
        else:
            segments = path.strip("/").split("/") if path.startswith("/") else []
            for parts, table in self._patterns:
                params = _fit(parts, segments)
                if params is None:
                    continue
                if want in table:
                    return table[want], params
                if not allowed:
                    pattern = next(iter(table.values())).pattern
                allowed += table
        if not allowed:
            raise NotFoundError(f"No route for {method} {path}")
        raise _NotAllowed(method, path, allowed, pattern)


def wants_html(accept: str | None) -> bool:
    """Whether an ``Accept`` header ranks HTML above JSON: a browser's does, ``*/*`` and API clients' not."""
    if not accept:
        return False
    html_q = json_q = 0.0
    for item in accept.split(","):
        media, _, params = item.partition(";")
        media = media.strip().lower()
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:  # NaN too
                    q = 0.0
        if media in ("text/html", "application/xhtml+xml"):
            html_q = max(html_q, q)
        elif media == "application/json" or media.endswith("+json"):
            json_q = max(json_q, q)
    return html_q > json_q


def _fit(parts: tuple[str | None, ...], segments: list[str]) -> tuple[str, ...] | None:
    if len(parts) != len(segments):
        return None
    params = []
    for part, segment in zip(parts, segments, strict=True):
        if part is None:
            if not segment:
                return None
            params.append(segment)
        elif part != segment:
            return None
    return tuple(params)


class _NotAllowed(MethodNotAllowedError):
    def __init__(self, method: str, path: str, allowed: list[str], pattern: str) -> None:
        super().__init__(f"Method {method} is not allowed on {path}")
        self.pattern = pattern  # of the routes at the path
        methods = dict.fromkeys(allowed)
        if "GET" in methods:
            methods["HEAD"] = None
        methods["OPTIONS"] = None
        self.allow = ", ".join(sorted(methods))


@final
class Pipeline:
    """Every HTTP request of one server process goes through :meth:`handle`."""

    def __init__(self, services: Services, routes: RouteTable) -> None:
        self.services = services
        self.routes = routes
        self.max_body = services.settings.max_body_bytes
        self._metrics = metrics.RequestMetrics()

    async def handle(self, request: Request) -> Response:
        """The answer to one request; never raises (but for cancellation)."""
        started = time.perf_counter()
        given = request.headers.get("x-request-id")
        request.request_id = given if given is not None and _REQUEST_ID.fullmatch(given) else new_request_id()
        token = request_id.set(request.request_id)  # for every log line of this request (and its tasks)
        metrics.IN_FLIGHT.inc()
        try:
            response = await self._answer(request)
            self._done(request, response, started)
            return response
        finally:
            metrics.IN_FLIGHT.dec()
            request_id.reset(token)

    def refuse(self, request: Request, error: Exception) -> Response:
        """The answer to a request the transport could not read as HTTP (``error`` says why)."""
        started = time.perf_counter()
        request.request_id = new_request_id()
        request.route = metrics.MALFORMED
        token = request_id.set(request.request_id)
        try:
            response = error_response(request, error)
            self._done(request, response, started)
            return response
        finally:
            request_id.reset(token)

    async def _answer(self, request: Request) -> Response:
        services = self.services
        rate_headers: list[tuple[str, str]] = []
        try:
            if services.stopping.is_set() and request.path != "/healthz":
                # the listener is closing; a request that still reaches us on an open connection is refused
                # cleanly (nothing was done; retry elsewhere or later) instead of being cut off
                raise ShedError("The server is stopping, retry shortly", reason="stopping")
            if request.method == "OPTIONS":
                return self._options(request)
            route, params = self.routes.match(request.method, request.path, request.headers.get("accept"))
            request.route = route.pattern
            request.api = route.api
            if request.content_length is not None and request.content_length > self.max_body:
                raise PayloadTooLargeError(f"Request body is larger than {self.max_body} bytes")
            caller = None
            if route.api is not None:
                caller = request.caller = await self._admit(request, route, rate_headers)
            body = await self._json_body(request) if route.json_body else b""
            call = Call(services, request, params, caller, body)
            if caller is None:
                response = await route.handler(call)
            else:
                # admission: the excess of a busy workspace (or process) is refused here, before it costs
                # anything; the rest wait for a run slot, handed out round robin by workspace
                # keyed by the id's int: the gate looks its key up a dozen times a request, and a UUID's
                # hash is a Python call each time
                key = caller.workspace_id.int
                await services.admission.enter(key)
                try:
                    response = await route.handler(call)
                finally:
                    services.admission.leave(key)
            if request.path in _GRAPHQL_PATHS and response.body.startswith(b'{"errors":'):
                response.body = tag_graphql_errors(response.body, request.request_id)
        except Exception as exc:  # noqa: BLE001 - every failure becomes the documented envelope
            if isinstance(exc, ShedError):
                metrics.shed(exc.reason)
            elif isinstance(exc, RateLimitedError):
                metrics.shed("rate_limit")
            elif isinstance(exc, _NotAllowed):
                request.route = exc.pattern
            response = error_response(request, exc, twenty=services.settings.twenty)
        if rate_headers:
            have = {k.lower() for k, _ in response.headers}
            response.headers[:0] = [(k, v) for k, v in rate_headers if k.lower() not in have]
        if not request.body_read or services.stopping.is_set():
            # refused before its body was read (401, 413, 429, ...): the rest of it is still on the
            # connection, which so cannot carry another request; say so, or the client waits forever
            response.close = True
        return response

    def _done(self, request: Request, response: Response, started: float) -> None:
        """Name the request in its answer, count it, and write its access-log line."""
        response.headers.append(("X-Request-Id", request.request_id))
        seconds = time.perf_counter() - started
        self._metrics.record(request.api, request.route, request.method, response.status, seconds)
        if ACCESS_LOG.enabled:
            workspace_id = api_key_id = None
            if request.caller is not None:
                principal = request.caller.principal
                workspace_id = str(principal.workspace_id)
                if principal.kind == "api_key":
                    api_key_id = str(principal.subject_id)
            ACCESS_LOG.write({
                "method": request.method, "path": request.path, "status": response.status,
                "duration_ms": round(seconds * 1000, 3), "bytes": len(response.body),
                "workspace_id": workspace_id, "api_key_id": api_key_id, "request_id": request.request_id})

    def _options(self, request: Request) -> Response:
        try:
            self.routes.match("_", request.path)
        except _NotAllowed as exc:
            request.route = exc.pattern
            return Response(200, headers=[("Allow", exc.allow)], content_type=None)
        raise AssertionError("no route takes the method '_'")

    async def _admit(self, request: Request, route: Route, rate_headers: list[tuple[str, str]]) -> Caller:
        """Authenticate the caller (once per request) and take its rate-limit token.

        Raises:
            UnauthorizedError: missing, malformed, expired or revoked credentials.
            RateLimitedError: the caller is over its limit for this API.
        """
        assert route.api is not None
        authorization = request.headers.get("authorization")
        if authorization is None and route.token_param:
            authorization = _query_param(request.query, b"token")
        caller = await self.services.auth.caller(authorization)
        limiter = caller.handle.limiter
        assert limiter is not None
        decision = limiter.take(caller.principal.rate_key, route.api)
        rate_headers += decision.headers().items()  # on every answer, the refusal for the limit included
        if not decision.allowed:
            raise RateLimitedError("Rate limit exceeded", retry_after=decision.retry_after)
        return caller

    async def _json_body(self, request: Request) -> bytes:
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type not in (JSON_TYPE, "application/graphql-response+json") and not content_type.endswith("+json"):
            raise UnsupportedMediaTypeError("Content-Type must be application/json")
        body = await request.read_body(self.max_body)
        require_utf8(body)
        return body


def error_response(request: Request, exc: Exception, *, twenty: bool = False) -> Response:
    """The documented envelope of an exception: GraphQL's on the GraphQL paths, REST's elsewhere
    (``twenty``, ``--compat twenty``: Twenty's ``{statusCode, error, messages, code}`` under ``/rest``)."""
    error = client_error(exc)
    if error is None:
        error_id = uuid.uuid4().hex[:12]
        log.error("unexpected error %s on %s %s", error_id, request.method, request.path, exc_info=exc)
        error = TwentyError(f"Internal server error (error id {error_id})")
    if request.path in _GRAPHQL_PATHS:
        entry = twenty_error(error)
        if request.request_id:
            entry["extensions"]["requestId"] = request.request_id
        body = errors_body([entry])
    elif twenty and (request.path == "/rest" or request.path.startswith("/rest/")):
        body = twenty_error_body(error)
    else:
        body = rest_error_body(error, request.request_id)
    headers: list[tuple[str, str]] = []
    if error.retry_after is not None:
        headers.append(("Retry-After", str(max(1, math.ceil(error.retry_after)))))
    if isinstance(error, _NotAllowed):
        headers.append(("Allow", error.allow))
    return Response(error.http_status, body, headers)


def rest_error_body(exc: TwentyError, request_id: str = "") -> bytes:
    """API.md's REST error envelope, encoded (with ``requestId`` when given)."""
    error: dict[str, Any] = {"message": exc.message, "code": exc.code, "statusCode": exc.http_status}
    if exc.details:
        error["details"] = exc.details
    if exc.retry_after is not None:
        error["retryAfter"] = max(1, math.ceil(exc.retry_after))
    if request_id:
        error["requestId"] = request_id
    return _encoder.encode({"error": error})


def tag_graphql_errors(body: bytes, request_id: str) -> bytes:
    """A GraphQL answer with ``extensions.requestId`` on each of its errors; ``data`` passed on as it is."""
    try:
        members = _RAW_MEMBERS.decode(body)
        errors = _ERRORS.decode(members["errors"])
    except (msgspec.DecodeError, KeyError):
        return body
    for error in errors:
        extensions = error.get("extensions")
        if not isinstance(extensions, dict):
            extensions = error["extensions"] = {}
        extensions["requestId"] = request_id
    return _encoder.encode({**members, "errors": errors})


_REQUEST_IDS = itertools.count()
_ID_PREFIX = os.urandom(8).hex()  # this process's: ids stay unique across processes and restarts


def new_request_id() -> str:
    """A request id for a request that brought none (or none fit to use): 32 hex digits, a random prefix
    of this process and a count (a random id per request cost a system call each)."""
    return f"{_ID_PREFIX}{next(_REQUEST_IDS):016x}"


def json_response(value: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
    """A JSON answer of a plain value."""
    return Response(status, _encoder.encode(value), headers)


def require_utf8(body: bytes) -> None:
    """JSON is UTF-8; msgspec checks only the strings it decodes, and skips unknown members unchecked.

    Raises:
        ValidationError: the body is not UTF-8.
    """
    try:
        body.decode()
    except UnicodeDecodeError:
        raise ValidationError("The request body is not valid UTF-8") from None


def add_header(headers: dict[str, str], name: str, value: str) -> None:
    """Add a request header under its lower-case name; a repeated one's values are joined with ", "."""
    key = name.lower()
    headers[key] = f"{headers[key]}, {value}" if key in headers else value


def _query_param(query: bytes, name: bytes) -> str | None:
    value = next((v for k, v in parse_qsl(query, keep_blank_values=True) if k == name), None)
    return None if value is None else value.decode("utf-8", "replace")
