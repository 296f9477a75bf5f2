"""``/ws``: live change feeds over a websocket (DESIGN.md "Change feeds (websocket)").

The session is written against :class:`FeedSocket`, so that the native server (trio-websocket) and the
ASGI app (Quart's websocket) serve the very same protocol.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import msgspec
import trio

from twenty_actors import feeds
from twenty_actors.auth import Principal
from twenty_actors.errors import MALFORMED_JSON, ForbiddenError, NotFoundError, TwentyError
from twenty_actors.services import Services
from twenty_actors.workspace.feed import Subscriber

from . import metrics

log = logging.getLogger("twenty.ws")

CLOSE_GOING_AWAY = 1001
CLOSE_UNAUTHORIZED = 4001
CLOSE_SLOW = 4008
CLOSE_STOPPED = 4009
AUTH_TIMEOUT_S = 10.0
MAX_SUBSCRIPTIONS = 20
_encoder = msgspec.json.Encoder()
_ACTIONS = frozenset(["created", "updated", "deleted", "destroyed", "restored"])


class FeedSocket(Protocol):
    """An accepted websocket, as the feed needs it; ``receive`` raises when the peer has gone."""

    async def receive(self) -> str | bytes: ...

    async def send(self, message: str) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...


async def serve_feed(services: Services, socket: FeedSocket) -> None:
    """One websocket session until it closes; a stopping server closes it with 1001 (resume with since)."""
    with trio.CancelScope() as serving:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_cancel_when_stopping, services, serving)
            await _serve(services, socket)
            nursery.cancel_scope.cancel()
    if serving.cancelled_caught:
        await socket.close(CLOSE_GOING_AWAY, "server is stopping; reconnect and resume with since")


def _error(code: str, message: str, **extra: Any) -> bytes:
    return _encoder.encode({"type": "error", "code": code, "message": message, **extra})


def _event_message(subscription: str, body: bytes) -> bytes:
    # the event's JSON comes from PostgreSQL; splice the envelope around it without re-encoding
    return b'{"type":"event","subscription":' + _encoder.encode(subscription) + b"," + body[1:]


class _Close(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _Session:
    """One websocket connection: its subscriptions and its single writer."""

    def __init__(self, services: Services, principal: Principal, outbox: trio.MemorySendChannel[bytes]) -> None:
        self.services = services
        self.principal = principal
        self.outbox = outbox
        self.subscriptions: dict[str, tuple[Subscriber, trio.CancelScope]] = {}

    async def subscribe(self, nursery: trio.Nursery, message: dict[str, Any]) -> None:
        sid = message.get("id")
        if not isinstance(sid, str) or not sid or len(sid) > 100:
            await self.outbox.send(_error("VALIDATION_ERROR", "subscribe needs an id (a string)"))
            return
        if sid in self.subscriptions:
            await self.outbox.send(_error("CONFLICT", f"subscription {sid} already exists", subscription=sid))
            return
        if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            await self.outbox.send(_error("VALIDATION_ERROR", f"at most {MAX_SUBSCRIPTIONS} subscriptions"))
            return
        objects, actions, since = message.get("objects"), message.get("events"), message.get("since")
        if objects is not None and (not isinstance(objects, list) or not all(isinstance(o, str) for o in objects)):
            await self.outbox.send(_error("VALIDATION_ERROR", "objects must be a list of object names", subscription=sid))
            return
        if actions is not None and (not isinstance(actions, list) or not set(actions) <= _ACTIONS):
            await self.outbox.send(_error("VALIDATION_ERROR", f"events must be a list of {sorted(_ACTIONS)}",
                                          subscription=sid))
            return
        if since is not None and (not isinstance(since, int) or isinstance(since, bool) or since < 0):
            await self.outbox.send(_error("VALIDATION_ERROR", "since must be a non-negative integer",
                                          subscription=sid))
            return
        try:
            sub, live_from, schema = await feeds.subscribe(self.services.registry, self.principal.workspace_id,
                                                           objects, actions, role=self.principal.role)
        except (NotFoundError, ForbiddenError) as exc:
            await self.outbox.send(_error(exc.code, exc.message, subscription=sid))
            return
        scope = trio.CancelScope()
        self.subscriptions[sid] = (sub, scope)
        metrics.FEED_SUBSCRIPTIONS.inc()  # here: counted by the time it is confirmed (_forward takes it off)
        nursery.start_soon(self._forward, sid, sub, scope, since, live_from, schema, objects, actions)
        await self.outbox.send(_encoder.encode({"type": "subscribed", "id": sid, "seq": live_from}))

    async def _forward(self, sid: str, sub: Subscriber, scope: trio.CancelScope, since: int | None, live_from: int,
                       schema: str, objects: list[str] | None, actions: list[str] | None) -> None:
        try:
            await self._forward_events(sid, sub, scope, since, live_from, schema, objects, actions)
        finally:
            metrics.FEED_SUBSCRIPTIONS.dec()

    async def _forward_events(self, sid: str, sub: Subscriber, scope: trio.CancelScope, since: int | None,
                              live_from: int, schema: str, objects: list[str] | None,
                              actions: list[str] | None) -> None:
        with scope:
            if since is not None:
                after = since
                while after < live_from:
                    items = await feeds.replay_page(self.services.registry, self.principal.workspace_id, schema,
                                                    after, live_from, objects, actions)
                    for item in items:
                        await self.outbox.send(_event_message(sid, _encoder.encode(item)))
                    if len(items) < feeds.REPLAY_PAGE:
                        break
                    after = items[-1]["seq"]
            async for _seq, body in sub.receive:
                await self.outbox.send(_event_message(sid, body))
            reason = sub.close_reason or "closed"
            if reason == "slow":
                metrics.FEED_SLOW.inc()
                await self.outbox.send(_error("SLOW_SUBSCRIBER", "subscriber too slow; resubscribe with since",
                                              subscription=sid))
                raise _Close(CLOSE_SLOW, "subscriber too slow; reconnect and resume with since")
            if reason != "unsubscribed":
                raise _Close(CLOSE_STOPPED, "workspace restarted; reconnect and resume with since")

    def unsubscribe(self, sid: Any) -> bool:
        entry = self.subscriptions.pop(sid, None) if isinstance(sid, str) else None
        if entry is None:
            return False
        sub, scope = entry
        sub.close("unsubscribed")
        scope.cancel()
        return True

    def close_all(self) -> None:
        for sid in list(self.subscriptions):
            self.unsubscribe(sid)


async def _serve(services: Services, socket: FeedSocket) -> None:
    """Authenticate, then serve subscribe/unsubscribe until the socket closes."""
    principal = await _authenticate(services, socket)
    if principal is None:
        return
    outbox_tx, outbox_rx = trio.open_memory_channel[bytes](256)
    session = _Session(services, principal, outbox_tx)
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_write, socket, outbox_rx)
            await outbox_tx.send(b'{"type":"ready"}')
            await _read(session, socket, nursery)
            nursery.cancel_scope.cancel()
    except* _Close as group:
        close = group.exceptions[0]
        assert isinstance(close, _Close)
        await socket.close(close.code, close.reason)
    finally:
        session.close_all()


async def _cancel_when_stopping(services: Services, scope: trio.CancelScope) -> None:
    await services.stopping.wait()
    scope.cancel()


async def _authenticate(services: Services, socket: FeedSocket) -> Principal | None:
    with trio.move_on_after(AUTH_TIMEOUT_S):
        raw = await socket.receive()
        try:
            message = msgspec.json.decode(raw)
            if not isinstance(message, dict) or message.get("type") != "auth":
                raise ValueError
            token = message.get("token")
            if not isinstance(token, str):
                raise ValueError
        except (ValueError, *MALFORMED_JSON):
            await socket.send(_error("UNAUTHORIZED", 'first message must be {"type":"auth","token":…}').decode())
            await socket.close(CLOSE_UNAUTHORIZED, "unauthorized")
            return None
        try:
            return await services.auth.authenticate("Bearer " + token)
        except TwentyError as exc:
            await socket.send(_error(exc.code, exc.message).decode())
            await socket.close(CLOSE_UNAUTHORIZED, "unauthorized")
            return None
    await socket.close(CLOSE_UNAUTHORIZED, "authentication timed out")
    return None


async def _write(socket: FeedSocket, outbox: trio.MemoryReceiveChannel[bytes]) -> None:
    async for message in outbox:
        await socket.send(message.decode())


async def _read(session: _Session, socket: FeedSocket, nursery: trio.Nursery) -> None:
    while True:
        raw = await socket.receive()
        try:
            message = msgspec.json.decode(raw)
        except MALFORMED_JSON:
            await session.outbox.send(_error("VALIDATION_ERROR", "messages must be JSON objects"))
            continue
        kind = message.get("type") if isinstance(message, dict) else None
        try:
            if kind == "subscribe":
                await session.subscribe(nursery, message)
            elif kind == "unsubscribe":
                if session.unsubscribe(message.get("id")):
                    await session.outbox.send(_encoder.encode({"type": "unsubscribed", "id": message.get("id")}))
                else:
                    await session.outbox.send(_error("NOT_FOUND", "no such subscription"))
            elif kind == "ping":
                await session.outbox.send(b'{"type":"pong"}')
            else:
                await session.outbox.send(_error("VALIDATION_ERROR", f"unknown message type {kind!r}"))
        except TwentyError as exc:
            await session.outbox.send(_error(exc.code, exc.message))
