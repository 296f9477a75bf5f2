"""The Quart-Trio application: routes, body limits, and the error edge."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from quart import Response, g, has_request_context, has_websocket_context, request, websocket
from quart_trio import QuartTrio
from twenty_storage.errors import StorageError
from werkzeug.exceptions import HTTPException

from twenty_actors.errors import (
    MethodNotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    ServiceUnavailableError,
    TwentyError,
    UnsupportedMediaTypeError,
    ValidationError,
    from_storage,
)
from twenty_actors.services import Services

from . import auth_routes, graphql_routes, rest_routes, ws_routes
from .caller import admit_caller, require_utf8
from .errors import graphql_error_response, json_response, rest_error
from .fast_path import FastPath

log = logging.getLogger("twenty.http")

_GRAPHQL_PATHS = ("/graphql", "/metadata")


def _api_of(path: str) -> str | None:
    """Which rate-limited API a path belongs to, if any."""
    if path == "/graphql":
        return "graphql"
    if path == "/metadata":
        return "metadata"
    if path.startswith("/rest/"):
        return "rest"
    return None


def _target() -> tuple[str, str]:
    """Method and path of the current HTTP request or websocket handshake."""
    if has_request_context():
        return request.method, request.path
    if has_websocket_context():
        return "WEBSOCKET", websocket.path
    return "?", "?"


def _has_body() -> bool:
    """Whether the current HTTP request carries a body."""
    headers = request.headers
    return headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in headers


def _is_graphql() -> bool:
    return _target()[1] in _GRAPHQL_PATHS


def _error_response(exc: TwentyError) -> Response:
    return graphql_error_response(exc) if _is_graphql() else rest_error(exc)


def create_app(services: Services) -> FastPath:
    """The ASGI application serving every API of one server process.

    The common requests of the hot routes are answered by a plain ASGI handler (``fast_path.py``); the
    Quart app built here serves everything else.
    """
    app = QuartTrio("twenty_actors")
    app.config["MAX_CONTENT_LENGTH"] = services.settings.max_body_bytes
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = True
    app.extensions["twenty"] = services

    @app.get("/healthz")
    async def healthz() -> Response:
        if services.stopping.is_set():
            return json_response({"status": "stopping"}, 503, {"Retry-After": "1"})
        if await services.healthy():
            return json_response({"status": "ok"})
        return json_response({"status": "unavailable"}, 503, {"Retry-After": "1"})

    @app.before_request
    async def admit() -> None:
        if services.stopping.is_set() and request.path != "/healthz":
            # the listener is closing; a request that still reaches us on an open connection is refused
            # cleanly (nothing was done; retry elsewhere or later) instead of being cut off
            raise ServiceUnavailableError("The server is stopping, retry shortly", retry_after=1)
        api = _api_of(request.path)
        if api is None:
            return
        token = request.headers.get("Authorization")
        if token is None and request.path.startswith("/rest/open-api"):
            token = request.args.get("token")
        g.rate_limit_headers = {}
        principal = await admit_caller(services, token, api, g.rate_limit_headers)
        g.principal = principal  # the routes use it: one authentication per request
        # admission: the excess of a busy workspace (or process) is refused here, before it costs anything;
        # the rest wait for one of the process's run slots, handed out round robin by workspace, so a
        # saturated workspace cannot make its neighbours wait behind its whole backlog
        await services.admission.enter(principal.workspace_id)
        g.admitted = principal.workspace_id

    @app.teardown_request
    async def release(_exc: BaseException | None) -> None:
        workspace_id = g.pop("admitted", None)
        if workspace_id is not None:
            services.admission.leave(workspace_id)

    @app.after_request
    async def rate_limit_headers(response: Response) -> Response:
        headers = getattr(g, "rate_limit_headers", None)
        if headers:
            response.headers.update(headers)
        if services.stopping.is_set() or (_has_body() and not g.get("body_read")):
            # refused before its body was read (401, 429, 415, ...): hypercorn cannot reuse such a
            # connection, and a client that sent its next request on it would wait forever; so say so
            response.headers["Connection"] = "close"
        return response

    ws_routes.register(app, services)
    auth_routes.register(app, services)
    graphql_routes.register(app, services)
    rest_routes.register(app, services)

    @app.errorhandler(TwentyError)
    async def on_twenty_error(exc: TwentyError) -> Response:
        return _error_response(exc)

    @app.errorhandler(StorageError)
    async def on_storage_error(exc: StorageError) -> Response:
        return _error_response(from_storage(exc))

    @app.errorhandler(HTTPException)
    async def on_http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        if status == 413:
            response = _error_response(PayloadTooLargeError(
                f"Request body is larger than {services.settings.max_body_bytes} bytes"))
            # the body was never read: the connection cannot carry another request, so tell the client
            # (without this it would send its next request on it, and wait forever)
            response.headers["Connection"] = "close"
            return response
        if status == 404:
            return _error_response(NotFoundError("No route for {} {}".format(*_target())))
        if status == 415:
            return _error_response(UnsupportedMediaTypeError("Content-Type must be application/json"))
        if status == 405:
            return _error_response(MethodNotAllowedError("Method {} is not allowed on {}".format(*_target())))
        return _error_response(ValidationError(exc.description or "Bad request"))

    @app.errorhandler(Exception)
    async def on_unexpected(exc: Exception) -> Response:
        error_id = uuid.uuid4().hex[:12]
        log.error("unexpected error %s on %s %s", error_id, *_target(), exc_info=exc)
        error = TwentyError(f"Internal server error (error id {error_id})")
        return _error_response(error)

    return FastPath(app, services, body_timeout_s=app.config["BODY_TIMEOUT"])


async def read_json_body() -> bytes:
    """The raw body of a JSON request.

    Raises:
        UnsupportedMediaTypeError: the Content-Type is not JSON.
        ValidationError: the body is not UTF-8.
    """
    content_type = (request.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if content_type not in ("application/json", "application/graphql-response+json") and \
            not content_type.endswith("+json"):
        raise UnsupportedMediaTypeError("Content-Type must be application/json")
    body: Any = await request.get_data(cache=False)
    g.body_read = True
    if not isinstance(body, bytes):
        return body.encode()
    require_utf8(body)
    return body
