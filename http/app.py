"""The ASGI deployment: a Quart-Trio app that hands every request to the one pipeline.

``twenty-actors serve --server hypercorn`` serves it under Hypercorn; any ASGI server (TLS, HTTP/2 at
the edge) can import it with :func:`create_app`. It answers exactly as the native server does because both
call the same pipeline (``pipeline.py``) and the same change feed (``feeds.py``).
"""

from __future__ import annotations

from typing import Any

from quart import Response as QuartResponse
from quart import has_websocket_context, request, websocket
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException

from twenty_actors.errors import PayloadTooLargeError, RequestTimeoutError, ValidationError
from twenty_actors.services import Services

from .feeds import serve_feed
from .pipeline import Pipeline, Request, add_header
from .routes import build_routes

_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]


class _QuartSocket:
    """Quart's websocket as the change feed wants it."""

    async def receive(self) -> str | bytes:
        message: str | bytes = await websocket.receive()
        return message

    async def send(self, message: str) -> None:
        await websocket.send(message)

    async def close(self, code: int, reason: str) -> None:
        await websocket.close(code, reason)


async def _read_body(limit: int) -> bytes:
    try:
        body: Any = await request.get_data(cache=False)
    except HTTPException as exc:
        if exc.code == 413:
            raise PayloadTooLargeError(f"Request body is larger than {limit} bytes") from None
        if exc.code == 408:
            raise RequestTimeoutError("Timed out reading the request body") from None
        raise ValidationError(exc.description or "Bad request body") from None
    return body if isinstance(body, bytes) else body.encode()


def create_app(services: Services, pipeline: Pipeline | None = None) -> QuartTrio:
    """The ASGI application serving every API of one server process."""
    pipeline = pipeline or Pipeline(services, build_routes())
    app = QuartTrio("twenty_actors")
    app.config["MAX_CONTENT_LENGTH"] = services.settings.max_body_bytes
    app.config["BODY_TIMEOUT"] = services.settings.body_timeout_s
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False

    @app.websocket("/ws")
    async def feed() -> None:
        await websocket.accept()
        await serve_feed(services, _QuartSocket())

    @app.websocket("/<path:path>")
    async def no_feed(path: str) -> QuartResponse:
        # an upgrade anywhere but /ws is refused with the pipeline's answer (404), as the native server does
        return await any_route(path)

    @app.route("/", defaults={"path": ""}, methods=_METHODS)
    @app.route("/<path:path>", methods=_METHODS)
    async def any_route(path: str) -> QuartResponse:
        del path  # the pipeline routes by the request's path
        this = websocket if has_websocket_context() else request
        headers: dict[str, str] = {}
        for name, value in this.headers.items():
            add_header(headers, name, value)
        req = Request(this.method, this.path, this.query_string, headers, reader=_read_body,
                      peer=this.remote_addr, scheme=this.scheme, host=this.host)
        answer = await pipeline.handle(req)
        body = b"" if this.method == "HEAD" else answer.body
        response = QuartResponse(body, status=answer.status, content_type=answer.content_type)
        for name, value in answer.headers:
            response.headers.add(name, value)
        if answer.content_type is None:
            del response.headers["Content-Type"]
        response.headers["Content-Length"] = str(len(answer.body))
        if answer.close:
            response.headers["Connection"] = "close"
        return response

    return app
