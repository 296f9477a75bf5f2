"""The hot routes answered by a plain ASGI handler in front of Quart, when they need nothing else.

Quart's request machinery (contexts, hooks, the response adapter) cost about a third of a request's CPU.
The common requests (a bearer token; for POST, PATCH and PUT a JSON body with a Content-Length within
the limit) of ``POST /graphql``, ``GET``/``POST /rest/{plural}`` and ``GET``/``PATCH``/``PUT``/``DELETE
/rest/{plural}/{id}`` are answered here with the same steps as the Quart routes: authenticate, take a
rate-limit token, pass the admission gate, run the request, answer with the same headers and envelopes.
Anything else (no token, another content type, a chunked or oversized body, a server that is stopping,
any other route) goes to the Quart app unchanged, which owns every other case and its error handling.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import msgspec
import trio
from twenty_storage.errors import StorageError

from twenty_actors import rest
from twenty_actors.auth import Principal
from twenty_actors.errors import TwentyError, ValidationError, from_storage
from twenty_actors.graphql.core_endpoint import run_core_request
from twenty_actors.graphql.response import errors_body, twenty_error
from twenty_actors.registry import Registry
from twenty_actors.services import Services

from .caller import admit_caller, require_utf8
from .errors import rest_error_body

log = logging.getLogger("twenty.http")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
Handler = Callable[[Registry, Principal, bytes], Awaitable[tuple[int, bytes]]]

_JSON = (b"application/json", b"application/graphql-response+json")
_encode = msgspec.json.Encoder().encode
_NOT_PLURALS = ("open-api", "batch")  # /rest/open-api/… and /rest/batch/… are other routes


class FastPath:
    """An ASGI application: the common requests of the hot routes here, everything else to ``app``."""

    def __init__(self, app: App, services: Services, *, body_timeout_s: float) -> None:
        self.app = app
        self.services = services
        self.body_timeout_s = body_timeout_s  # Quart's BODY_TIMEOUT, for the bodies read here

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._route(scope) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        api, handler, length, authorization = found
        headers: list[tuple[bytes, bytes]] = []
        try:
            principal = await self._admit(authorization, api, headers)
        except Exception as exc:  # refused before the body is read (401, 429, ...), like the Quart app
            status, answer = _failure(api, scope, exc, headers)
            if length:  # the unread body stays on the connection, which so cannot carry another request
                headers.append((b"connection", b"close"))
            await _respond(send, status, headers, answer)
            return
        body: bytes | None = b""
        if length:
            with trio.move_on_after(self.body_timeout_s) as reading:
                body = await _read_body(receive, length)
            if reading.cancelled_caught:  # a client this slow is cut off, with the answer Quart gives
                status, answer = _error(api, ValidationError("Timed out reading the request body"), headers)
                await _respond(send, status, [*headers, (b"connection", b"close")], answer)
                return
            if body is None:
                return  # the client went away
        try:
            status, answer = await self._run(principal, handler, body)
        except Exception as exc:
            status, answer = _failure(api, scope, exc, headers)
        await _respond(send, status, headers, answer)

    def _route(self, scope: Scope) -> tuple[str, Handler, int, str] | None:
        """The API, handler, body length and credentials of a request to answer here; None: Quart's."""
        if self.services.stopping.is_set():
            return None
        method, path = scope["method"], scope["path"]
        handler: Handler
        if path == "/graphql":
            if method != "POST":
                return None
            api, handler = "graphql", run_core_request
        elif path.startswith("/rest/"):
            api = "rest"
            parts = path[6:].split("/")
            if not all(parts) or len(parts) > 2 or parts[0] in _NOT_PLURALS:
                return None
            query = scope["query_string"]
            plural = parts[0]
            if len(parts) == 2:
                record_id = parts[1]
                if method == "GET":
                    async def handler(registry: Registry, who: Principal, _body: bytes) -> tuple[int, bytes]:
                        return 200, await rest.get_record(registry, who, plural, record_id, query)
                elif method in ("PATCH", "PUT"):
                    async def handler(registry: Registry, who: Principal, body: bytes) -> tuple[int, bytes]:
                        return 200, await rest.update_record(registry, who, plural, record_id, body)
                elif method == "DELETE":
                    async def handler(registry: Registry, who: Principal, _body: bytes) -> tuple[int, bytes]:
                        return 200, _encode(await rest.delete_record(registry, who, plural, record_id, query))
                else:
                    return None
            elif method == "GET":
                async def handler(registry: Registry, who: Principal, _body: bytes) -> tuple[int, bytes]:
                    return 200, await rest.list_records(registry, who, plural, query)
            elif method == "POST":
                async def handler(registry: Registry, who: Principal, body: bytes) -> tuple[int, bytes]:
                    return 201, await rest.create_record(registry, who, plural, body)
            else:
                return None
        else:
            return None
        plain = self._plain_headers(scope, needs_body=method in ("POST", "PATCH", "PUT"))
        return None if plain is None else (api, handler, *plain)

    def _plain_headers(self, scope: Scope, *, needs_body: bool) -> tuple[int, str] | None:
        """The body length this path can take (0: none) and the Authorization header; None: Quart's."""
        length = authorization = content_type = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"authorization":
                authorization = value
            elif name == b"content-type":
                content_type = value
            elif name == b"transfer-encoding":
                return None
        if authorization is None:
            return None
        credentials = authorization.decode("latin-1")
        if not needs_body:
            return (0, credentials) if length in (None, b"0") else None
        if content_type is None or length is None or not length.isdigit():
            return None
        if content_type.split(b";", 1)[0].strip().lower() not in _JSON:
            return None
        size = int(length)
        return (size, credentials) if 0 < size <= self.services.settings.max_body_bytes else None

    async def _admit(self, authorization: str, api: str, headers: list[tuple[bytes, bytes]]) -> Principal:
        """The Quart app's before_request: authenticate, take the rate-limit token."""
        rate_headers: dict[str, str] = {}
        try:
            return await admit_caller(self.services, authorization, api, rate_headers)
        finally:
            headers += [(k.lower().encode(), v.encode()) for k, v in rate_headers.items()]

    async def _run(self, principal: Principal, handler: Handler, body: bytes) -> tuple[int, bytes]:
        """Pass the admission gate and answer."""
        require_utf8(body)
        admission = self.services.admission
        await admission.enter(principal.workspace_id)
        try:
            return await handler(self.services.registry, principal, body)
        finally:
            admission.leave(principal.workspace_id)


def _failure(api: str, scope: Scope, exc: Exception, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """The answer to an exception, as the Quart app's error handlers give it."""
    if isinstance(exc, TwentyError):
        return _error(api, exc, headers)
    if isinstance(exc, StorageError):
        return _error(api, from_storage(exc), headers)
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error %s on %s %s", error_id, scope["method"], scope["path"], exc_info=exc)
    return _error(api, TwentyError(f"Internal server error (error id {error_id})"), headers)


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _error(api: str, exc: TwentyError, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    if exc.retry_after is not None and not any(k == b"retry-after" for k, _ in headers):
        headers.append((b"retry-after", str(max(1, math.ceil(exc.retry_after))).encode()))
    body = errors_body([twenty_error(exc)]) if api == "graphql" else rest_error_body(exc)
    return exc.http_status, body


async def _read_body(receive: Receive, length: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > length:
            break  # more than announced: stop reading; what was read is not valid JSON anyway
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
