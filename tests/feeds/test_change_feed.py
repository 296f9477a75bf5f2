"""Change feeds over a real websocket: auth, live events in commit order, filters, replay with since."""

from __future__ import annotations

import json
from typing import Any

import httpx
import trio
from trio_websocket import ConnectionClosed, WebSocketConnection, open_websocket_url

from ..conftest import Account, Server, gql


def ws_url(server: Server) -> str:
    return server.url.replace("http://", "ws://") + "/ws"


async def receive(ws: WebSocketConnection) -> dict[str, Any]:
    with trio.fail_after(10):
        return json.loads(await ws.get_message())


async def connect(ws: WebSocketConnection, token: str) -> None:
    await ws.send_message(json.dumps({"type": "auth", "token": token}))
    assert await receive(ws) == {"type": "ready"}


async def create_company(client: httpx.AsyncClient, account: Account, name: str) -> str:
    body = (await gql(client, account.access_token, "mutation($n: String) { createCompany(data: {name: $n}) { id } }",
                      {"n": name})).json()
    return body["data"]["createCompany"]["id"]


async def test_live_events_in_commit_order(server: Server, client: httpx.AsyncClient, account: Account) -> None:
    async with open_websocket_url(ws_url(server)) as ws:
        await connect(ws, account.access_token)
        await ws.send_message(json.dumps({"type": "subscribe", "id": "s1", "objects": ["company"]}))
        subscribed = await receive(ws)
        assert subscribed["type"] == "subscribed" and subscribed["id"] == "s1"
        ids = [await create_company(client, account, f"Feed {i}") for i in range(3)]
        company_id = ids[0]
        await gql(client, account.access_token, f'mutation {{ updateCompany(id: "{company_id}", data: {{employees: 7}}) '
                                                "{ id } }")
        await gql(client, account.access_token, 'mutation { createPerson(data: {city: "Paris"}) { id } }')
        await gql(client, account.access_token, f'mutation {{ deleteCompany(id: "{company_id}") {{ id }} }}')
        events = [await receive(ws) for _ in range(5)]
    assert [e["event"] for e in events] == ["company.created"] * 3 + ["company.updated", "company.deleted"]
    assert [e["recordId"] for e in events[:3]] == ids
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    first = events[0]
    assert first["type"] == "event" and first["subscription"] == "s1" and first["objectName"] == "company"
    assert first["data"]["name"] == "Feed 0" and first["timestamp"].endswith("Z")
    assert events[3]["data"]["employees"] == 7


async def test_since_replays_what_was_missed(server: Server, client: httpx.AsyncClient, account: Account) -> None:
    first_id = await create_company(client, account, "Before")
    async with open_websocket_url(ws_url(server)) as ws:
        await connect(ws, account.access_token)
        await ws.send_message(json.dumps({"type": "subscribe", "id": "all", "since": 0}))
        assert (await receive(ws))["type"] == "subscribed"
        replayed = await receive(ws)
        assert replayed["recordId"] == first_id and replayed["event"] == "company.created"
        last_seq = replayed["seq"]
    # disconnected: these happen while nobody listens
    missed = [await create_company(client, account, f"Missed {i}") for i in range(2)]
    async with open_websocket_url(ws_url(server)) as ws:
        await connect(ws, account.access_token)
        await ws.send_message(json.dumps({"type": "subscribe", "id": "again", "since": last_seq,
                                          "events": ["created"]}))
        assert (await receive(ws))["type"] == "subscribed"
        got = [await receive(ws) for _ in range(2)]
        live = await create_company(client, account, "Live")
        got.append(await receive(ws))
    assert [e["recordId"] for e in got] == [*missed, live]


async def test_filters_and_unsubscribe(server: Server, client: httpx.AsyncClient, account: Account) -> None:
    async with open_websocket_url(ws_url(server)) as ws:
        await connect(ws, account.access_token)
        await ws.send_message(json.dumps({"type": "subscribe", "id": "people", "objects": ["person"],
                                          "events": ["created"]}))
        assert (await receive(ws))["type"] == "subscribed"
        await create_company(client, account, "Not for you")
        await gql(client, account.access_token, 'mutation { createPerson(data: {city: "Oslo"}) { id } }')
        event = await receive(ws)
        assert event["event"] == "person.created" and event["data"]["city"] == "Oslo"
        await ws.send_message(json.dumps({"type": "unsubscribe", "id": "people"}))
        assert await receive(ws) == {"type": "unsubscribed", "id": "people"}
        await ws.send_message(json.dumps({"type": "subscribe", "id": "x", "objects": ["nothing"]}))
        assert (await receive(ws))["code"] == "NOT_FOUND"
        await ws.send_message("not json")
        assert (await receive(ws))["code"] == "VALIDATION_ERROR"


async def test_bad_auth_closes(server: Server) -> None:
    async with open_websocket_url(ws_url(server)) as ws:
        await ws.send_message(json.dumps({"type": "auth", "token": "nope"}))
        error = await receive(ws)
        assert error["type"] == "error" and error["code"] == "UNAUTHORIZED"
        with trio.fail_after(10):
            try:
                await ws.get_message()
            except ConnectionClosed as closed:
                assert closed.reason.code == 4001
            else:
                raise AssertionError("the server should close the connection")


async def test_other_workspace_sees_nothing(server: Server, client: httpx.AsyncClient, account: Account) -> None:
    from ..conftest import sign_up

    other = await sign_up(client)
    async with open_websocket_url(ws_url(server)) as ws:
        await connect(ws, other.access_token)
        await ws.send_message(json.dumps({"type": "subscribe", "id": "s", "since": 0}))
        assert (await receive(ws))["type"] == "subscribed"
        await create_company(client, account, "Secret")
        await gql(client, other.access_token, 'mutation { createCompany(data: {name: "Mine"}) { id } }')
        event = await receive(ws)
    assert event["data"]["name"] == "Mine"


async def test_unknown_websocket_path_is_refused_cleanly(server: Server) -> None:
    from trio_websocket import HandshakeError

    try:
        async with open_websocket_url(server.url.replace("http://", "ws://") + "/nothing-here/ws"):
            raise AssertionError("the handshake should be refused")
    except HandshakeError as exc:
        assert getattr(exc, "status_code", 404) == 404
