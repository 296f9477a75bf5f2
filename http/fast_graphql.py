"""``POST /graphql`` answered by a plain ASGI handler in front of Quart, when it needs nothing else.

Quart's request machinery (contexts, hooks, the response adapter) cost about a third of a request's CPU.
The common request (a bearer token, a JSON body with a Content-Length within the limit) is answered here
with the same steps as the Quart route: authenticate, take a rate-limit token, pass the admission gate,
run the request, answer with the same headers and envelopes. Anything else (no token, another content
type, a chunked or oversized body, a server that is stopping) goes to the Quart app unchanged, which owns
every other case and its error handling.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from twenty_storage.errors import StorageError

from twenty_actors.errors import RateLimitedError, TwentyError, ValidationError, from_storage
from twenty_actors.graphql.core_endpoint import run_core_request
from twenty_actors.graphql.response import errors_body, twenty_error
from twenty_actors.services import Services

log = logging.getLogger("twenty.http")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

_JSON = (b"application/json", b"application/graphql-response+json")


class FastGraphql:
    """An ASGI application: the common ``POST /graphql`` here, everything else to ``app``."""

    def __init__(self, app: App, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = self._simple_length(scope) if scope["type"] == "http" else None
        if length is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive, length)
        if body is None:
            return  # the client went away
        headers: list[tuple[bytes, bytes]] = []
        try:
            status, answer = await self._answer(scope, body, headers)
        except TwentyError as exc:
            status, answer = self._error(exc, headers)
        except StorageError as exc:
            status, answer = self._error(from_storage(exc), headers)
        except Exception as exc:  # the same last resort as the Quart app's
            error_id = uuid.uuid4().hex[:12]
            log.error("unexpected error %s on POST /graphql", error_id, exc_info=exc)
            status, answer = self._error(TwentyError(f"Internal server error (error id {error_id})"), headers)
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    def _simple_length(self, scope: Scope) -> int | None:
        """The body's length when this request is one to answer here; None to leave it to Quart."""
        if scope["method"] != "POST" or scope["path"] != "/graphql" or self.services.stopping.is_set():
            return None
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
        if authorization is None or content_type is None or length is None or not length.isdigit():
            return None
        if content_type.split(b";", 1)[0].strip().lower() not in _JSON:
            return None
        size = int(length)
        return size if 0 < size <= self.services.settings.max_body_bytes else None

    async def _answer(
        self, scope: Scope, body: bytes, headers: list[tuple[bytes, bytes]]
    ) -> tuple[int, bytes]:
        services = self.services
        authorization = next(v for k, v in scope["headers"] if k == b"authorization")
        principal = await services.auth.authenticate(authorization.decode("latin-1"))
        handle = await services.registry.handle(principal.workspace_id)
        assert handle.limiter is not None
        decision = handle.limiter.take(principal.rate_key, "graphql")
        headers += [(k.lower().encode(), v.encode()) for k, v in decision.headers().items()]
        if not decision.allowed:
            raise RateLimitedError("Rate limit exceeded", retry_after=decision.retry_after)
        try:
            body.decode()
        except UnicodeDecodeError:
            raise ValidationError("The request body is not valid UTF-8") from None
        await services.admission.enter(principal.workspace_id)
        try:
            return await run_core_request(services.registry, principal, body)
        finally:
            services.admission.leave(principal.workspace_id)

    @staticmethod
    def _error(exc: TwentyError, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
        if exc.retry_after is not None and not any(k == b"retry-after" for k, _ in headers):
            headers.append((b"retry-after", str(max(1, math.ceil(exc.retry_after))).encode()))
        return exc.http_status, errors_body([twenty_error(exc)])


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
