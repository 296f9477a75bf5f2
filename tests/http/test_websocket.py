"""The ``/ws`` change feed over real websockets, on both transports (the native server and Hypercorn).

Each test runs once per transport (``settings.server``): the feed is one transport-neutral session
(``http/feeds.py``), so both must speak the same protocol — ``auth`` first (else close 4001), then
``ready``; ``subscribe`` (``id``, ``objects``, ``events``, ``since``) → ``subscribed`` and ``event``s;
``unsubscribe`` → ``unsubscribed``; ``ping`` → ``pong``; ``error`` messages for bad ones; close 1001
when the server stops. The raw-socket tests write the upgrade and the first frames in one ``send``,
as a client that does not wait for the 101 may: the native server must read those frames too.
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import msgspec
import pytest
import trio
from trio_websocket import ConnectionClosed, ConnectionRejected, WebSocketConnection, open_websocket_url
from twenty_http.serve import serve_http
from wsproto import ConnectionType, WSConnection
from wsproto.connection import Connection
from wsproto.events import AcceptConnection, CloseConnection, Event, Message, Request, TextMessage

from twenty_actors.services import open_services

from ..conftest import gql, sign_up

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from twenty_actors.settings import Settings

    from ..conftest import Account, Server

CLOSE_GOING_AWAY = 1001
CLOSE_UNAUTHORIZED = 4001


@pytest.fixture(params=["native", "hypercorn"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Every test here once on each transport."""
    return msgspec.structs.replace(settings, server=request.param)


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1) + "/ws"


async def receive(ws: WebSocketConnection) -> dict[str, Any]:
    with trio.fail_after(5):
        message = json.loads(await ws.get_message())
    assert isinstance(message, dict), message
    return message


async def send(ws: WebSocketConnection, message: dict[str, Any]) -> None:
    await ws.send_message(json.dumps(message))


async def closed_with(ws: WebSocketConnection) -> int | None:
    """The close code the server ends the connection with; fails if it sends another message instead."""
    with trio.fail_after(5):
        try:
            message = await ws.get_message()
        except ConnectionClosed as closed:
            return closed.reason.code if closed.reason is not None else None
    raise AssertionError(f"expected the server to close the connection, got {message!r}")


@pytest.fixture
async def feed(server: Server, account: Account) -> AsyncIterator[WebSocketConnection]:
    """An authenticated feed: ``ready`` has been received."""
    async with open_websocket_url(ws_url(server.url)) as ws:
        await send(ws, {"type": "auth", "token": account.access_token})
        assert await receive(ws) == {"type": "ready"}
        yield ws


async def rest_company(client: httpx.AsyncClient, account: Account, name: str) -> str:
    created = await client.post("/rest/companies", json={"name": name}, headers=account.headers)
    assert created.status_code == 201, created.text
    record_id: str = created.json()["data"]["id"]
    return record_id


async def graphql_company(client: httpx.AsyncClient, account: Account, name: str) -> str:
    created = await gql(client, account.access_token,
                        "mutation($n: String) { createCompany(data: {name: $n}) { id } }", {"n": name})
    assert created.status_code == 200, created.text
    assert "errors" not in created.json(), created.text
    record_id: str = created.json()["data"]["createCompany"]["id"]
    return record_id


# ---------------------------------------------------------------------------------------------------------
# the protocol through trio-websocket


async def test_creates_through_rest_and_graphql_arrive_as_events(
        feed: WebSocketConnection, client: httpx.AsyncClient, account: Account) -> None:
    await send(feed, {"type": "subscribe", "id": "s1", "objects": ["company"], "events": ["created"]})
    subscribed = await receive(feed)
    assert (subscribed["type"], subscribed["id"]) == ("subscribed", "s1"), subscribed
    assert isinstance(subscribed["seq"], int)
    assert subscribed["seq"] >= 0
    over_rest = await rest_company(client, account, "Over REST")
    # neither a person nor an update is asked for: both are filtered out
    person = await gql(client, account.access_token, 'mutation { createPerson(data: {city: "Oslo"}) { id } }')
    assert person.status_code == 200, person.text
    assert "errors" not in person.json(), person.text
    updated = await client.patch(f"/rest/companies/{over_rest}", json={"employees": 3},
                                 headers=account.headers)
    assert updated.status_code == 200, updated.text
    over_graphql = await graphql_company(client, account, "Over GraphQL")
    events = [await receive(feed) for _ in range(2)]
    assert [e["type"] for e in events] == ["event", "event"], events
    assert [e["subscription"] for e in events] == ["s1", "s1"]
    assert [e["event"] for e in events] == ["company.created", "company.created"]
    assert [e["objectName"] for e in events] == ["company", "company"]
    assert [e["recordId"] for e in events] == [over_rest, over_graphql]
    assert [e["data"]["name"] for e in events] == ["Over REST", "Over GraphQL"]
    assert subscribed["seq"] < events[0]["seq"] < events[1]["seq"]
    assert events[0]["timestamp"].endswith("Z")
    # everything the feed had to send has been sent: the answer to a ping comes next
    await send(feed, {"type": "ping"})
    assert await receive(feed) == {"type": "pong"}
    await send(feed, {"type": "unsubscribe", "id": "s1"})
    assert await receive(feed) == {"type": "unsubscribed", "id": "s1"}
    await rest_company(client, account, "Nobody listens")
    await send(feed, {"type": "ping"})
    assert await receive(feed) == {"type": "pong"}


async def test_since_replays_what_was_missed_then_goes_live(
        server: Server, client: httpx.AsyncClient, account: Account) -> None:
    before = [await rest_company(client, account, f"Before {i}") for i in range(3)]
    async with open_websocket_url(ws_url(server.url)) as ws:
        await send(ws, {"type": "auth", "token": account.access_token})
        assert await receive(ws) == {"type": "ready"}
        await send(ws, {"type": "subscribe", "id": "all", "objects": ["company"], "since": 0})
        subscribed = await receive(ws)
        assert (subscribed["type"], subscribed["id"]) == ("subscribed", "all"), subscribed
        replayed = [await receive(ws) for _ in range(3)]
        assert [e["recordId"] for e in replayed] == before
        assert [e["event"] for e in replayed] == ["company.created"] * 3
        assert [e["subscription"] for e in replayed] == ["all"] * 3
        seqs = [e["seq"] for e in replayed]
        assert seqs == sorted(seqs)
        assert len(set(seqs)) == 3
        assert seqs[-1] <= subscribed["seq"]
        await send(ws, {"type": "unsubscribe", "id": "all"})
        assert await receive(ws) == {"type": "unsubscribed", "id": "all"}
        # from the first one's seq: the two after it, then what happens live
        await send(ws, {"type": "subscribe", "id": "tail", "objects": ["company"], "since": seqs[0]})
        assert (await receive(ws))["type"] == "subscribed"
        tail = [await receive(ws) for _ in range(2)]
        assert [e["recordId"] for e in tail] == before[1:]
        live = await graphql_company(client, account, "Live")
        event = await receive(ws)
        assert event["recordId"] == live
        assert event["subscription"] == "tail"
        assert event["seq"] > seqs[-1]


async def test_bad_messages_get_errors_and_the_feed_goes_on(feed: WebSocketConnection) -> None:
    await send(feed, {"type": "subscribe", "id": "s", "objects": ["company"]})
    assert (await receive(feed))["type"] == "subscribed"
    bad: list[tuple[str | dict[str, Any], str]] = [
        ("not json", "VALIDATION_ERROR"),
        ({"type": "nope"}, "VALIDATION_ERROR"),
        ({"type": "subscribe"}, "VALIDATION_ERROR"),  # no id
        ({"type": "subscribe", "id": "s"}, "CONFLICT"),  # taken
        ({"type": "subscribe", "id": "t", "objects": ["nothing"]}, "NOT_FOUND"),
        ({"type": "subscribe", "id": "t", "events": ["exploded"]}, "VALIDATION_ERROR"),
        ({"type": "subscribe", "id": "t", "since": -1}, "VALIDATION_ERROR"),
        ({"type": "unsubscribe", "id": "never"}, "NOT_FOUND"),
    ]
    for message, code in bad:
        await feed.send_message(message if isinstance(message, str) else json.dumps(message))
        error = await receive(feed)
        assert (error["type"], error["code"]) == ("error", code), (message, error)
        assert isinstance(error["message"], str)
        assert error["message"]
    await send(feed, {"type": "ping"})
    assert await receive(feed) == {"type": "pong"}


@pytest.mark.parametrize("first", [
    "not json",
    '{"type": "subscribe", "id": "s"}',
    '{"type": "auth"}',
    '{"type": "auth", "token": 7}',
    '{"type": "auth", "token": "not-a-token"}',
], ids=["not-json", "subscribe-first", "no-token", "token-not-a-string", "invalid-token"])
async def test_a_bad_first_message_closes_with_4001(server: Server, first: str) -> None:
    async with open_websocket_url(ws_url(server.url)) as ws:
        await ws.send_message(first)
        error = await receive(ws)
        assert (error["type"], error["code"]) == ("error", "UNAUTHORIZED"), error
        assert await closed_with(ws) == CLOSE_UNAUTHORIZED


async def test_a_token_of_another_kind_closes_with_4001(server: Server, account: Account) -> None:
    async with open_websocket_url(ws_url(server.url)) as ws:
        await send(ws, {"type": "auth", "token": account.refresh_token})  # a refresh token is no access token
        error = await receive(ws)
        assert (error["type"], error["code"]) == ("error", "UNAUTHORIZED"), error
        assert await closed_with(ws) == CLOSE_UNAUTHORIZED


async def test_an_unknown_path_refuses_the_upgrade(server: Server) -> None:
    with trio.fail_after(5):
        with pytest.raises(ConnectionRejected) as refused:
            async with open_websocket_url(server.url.replace("http://", "ws://", 1) + "/nothing/ws"):
                pass
    assert refused.value.status_code == 404


async def test_get_ws_without_upgrade_gets_a_json_error(client: httpx.AsyncClient) -> None:
    answer = await client.get("/ws")
    assert answer.status_code == 426, answer.text
    assert answer.headers["content-type"] == "application/json"
    error = answer.json()["error"]
    assert error["statusCode"] == 426
    assert isinstance(error["code"], str)
    assert error["message"]
    assert "date" in answer.headers
    # RFC 9110 (15.5.22): "The server MUST send an Upgrade header field in a 426 response"
    assert answer.headers.get("upgrade", "").lower() == "websocket", answer.headers


# ---------------------------------------------------------------------------------------------------------
# the upgrade and the first frames in one send, over a raw socket
#
# RFC 6455 (4.1) has a client wait for the 101 before it sends frames, and Hypercorn holds it to that: a
# frame before the handshake is accepted gets 400 (hypercorn/protocol/ws_stream.py). The native server is
# lenient, as a public server should be with a client that pipelines: it reads the frames that came with
# the request head. So these run on the native server only.

native_only = pytest.mark.parametrize("settings", ["native"], indirect=True)


class RawFeed:
    """A websocket client on a raw socket: wsproto for the bytes, nothing else in between."""

    def __init__(self, stream: trio.SocketStream, ws: WSConnection) -> None:
        self.stream = stream
        self.ws = ws
        self.events: deque[Event] = deque()

    async def event(self) -> Event:
        with trio.fail_after(5):
            while not self.events:
                data = await self.stream.receive_some(65536)
                assert data, "the server closed the connection"
                self.ws.receive_data(data)
                self.events.extend(self.ws.events())
        return self.events.popleft()

    async def accepted(self) -> None:
        event = await self.event()
        assert isinstance(event, AcceptConnection), event

    async def message(self) -> dict[str, Any]:
        text = ""
        while True:
            event = await self.event()
            assert isinstance(event, TextMessage), event
            text += event.data
            if event.message_finished:
                return json.loads(text)  # type: ignore[no-any-return]

    async def send(self, message: dict[str, Any]) -> None:
        await self.stream.send_all(self.ws.send(Message(data=json.dumps(message))))

    async def close(self) -> None:
        await self.stream.send_all(self.ws.send(CloseConnection(code=1000)))
        event = await self.event()
        assert isinstance(event, CloseConnection), event
        assert event.code == 1000, event


def upgrade_and_frames(server: Server, *messages: dict[str, Any]) -> tuple[WSConnection, bytes, bytes]:
    """A client's handshake, and its first frames encoded before any answer came."""
    parts = urlsplit(server.url)
    ws = WSConnection(ConnectionType.CLIENT)
    head = ws.send(Request(host=parts.netloc, target="/ws"))
    # the connection a client has once the handshake is done: it masks its frames as clients must
    early = Connection(ConnectionType.CLIENT)
    frames = b"".join(early.send(Message(data=json.dumps(m))) for m in messages)
    return ws, head, frames


async def open_raw(server: Server) -> trio.SocketStream:
    parts = urlsplit(server.url)
    assert parts.hostname
    assert parts.port
    return await trio.open_tcp_stream(parts.hostname, parts.port)


@native_only
async def test_frames_sent_with_the_upgrade_are_read(
        server: Server, client: httpx.AsyncClient, account: Account) -> None:
    ws, head, frames = upgrade_and_frames(
        server, {"type": "auth", "token": account.access_token},
        {"type": "subscribe", "id": "raw", "objects": ["company"]})
    async with await open_raw(server) as stream:
        await stream.send_all(head + frames)  # one send: the server reads the frames with the request head
        feed = RawFeed(stream, ws)
        await feed.accepted()
        assert await feed.message() == {"type": "ready"}
        subscribed = await feed.message()
        assert (subscribed["type"], subscribed["id"]) == ("subscribed", "raw"), subscribed
        created = await rest_company(client, account, "Raw")
        event = await feed.message()
        assert event["type"] == "event"
        assert event["subscription"] == "raw"
        assert event["recordId"] == created
        await feed.send({"type": "ping"})
        assert await feed.message() == {"type": "pong"}
        await feed.close()


@native_only
async def test_a_frame_split_across_the_upgrade_is_read(server: Server, account: Account) -> None:
    ws, head, frames = upgrade_and_frames(server, {"type": "auth", "token": account.access_token})
    async with await open_raw(server) as stream:
        cut = len(frames) // 2
        await stream.send_all(head + frames[:cut])  # the frame's header and half its payload
        feed = RawFeed(stream, ws)
        await feed.accepted()  # the server has read the head, and holds the start of the frame
        await stream.send_all(frames[cut:])
        assert await feed.message() == {"type": "ready"}
        await feed.send({"type": "ping"})
        assert await feed.message() == {"type": "pong"}
        await feed.close()


@native_only
async def test_a_bad_frame_sent_with_the_upgrade_closes_with_4001(server: Server) -> None:
    ws, head, frames = upgrade_and_frames(server, {"type": "auth", "token": "not-a-token"})
    async with await open_raw(server) as stream:
        await stream.send_all(head + frames)
        feed = RawFeed(stream, ws)
        await feed.accepted()
        error = await feed.message()
        assert (error["type"], error["code"]) == ("error", "UNAUTHORIZED"), error
        event = await feed.event()
        assert isinstance(event, CloseConnection), event
        assert event.code == CLOSE_UNAUTHORIZED, event


# ---------------------------------------------------------------------------------------------------------
# graceful stop


async def test_a_stopping_server_closes_open_feeds_with_1001(settings: Settings) -> None:
    async with open_services(settings) as services:
        with trio.fail_after(settings.graceful_timeout_s + 10):
            async with trio.open_nursery() as nursery:
                urls = await nursery.start(partial(serve_http, services, port=0))
                async with httpx.AsyncClient(base_url=urls[0], timeout=5) as client:
                    account = await sign_up(client, "Stopping " + uuid.uuid4().hex[:6])
                async with open_websocket_url(ws_url(urls[0])) as ws:
                    await send(ws, {"type": "auth", "token": account.access_token})
                    assert await receive(ws) == {"type": "ready"}
                    await send(ws, {"type": "subscribe", "id": "s", "objects": ["company"]})
                    assert (await receive(ws))["type"] == "subscribed"
                    services.stopping.set()
                    stopped_at = trio.current_time()
                    assert await closed_with(ws) == CLOSE_GOING_AWAY
            # serve_http has returned: nothing was left to drain, so it did not wait out its graceful timeout
            assert trio.current_time() - stopped_at < settings.graceful_timeout_s
