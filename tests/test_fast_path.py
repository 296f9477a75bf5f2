"""The plain ASGI handler of the hot routes answers exactly as the Quart routes it stands in front of.

A ``+json`` content type other than application/json is still JSON to the Quart routes but is left to them
by the fast handler, and so is a GET with a body: the same request can be sent down both paths and the
answers compared.
"""

from __future__ import annotations

import httpx
import pytest
import trio

from .conftest import Account, Server, sign_up

FAST = "application/json"
QUART = "application/vnd.twenty+json"

CASES = [
    ("query", b'{"query": "{ companies(first: 2) { edges { node { name } } } }"}'),
    ("variables",
     b'{"query": "query($n: Int) { companies(first: $n) { totalCount } }", "variables": {"n": 1}}'),
    ("parse error", b'{"query": "{ companies { "}'),
    ("unknown field", b'{"query": "{ nothing }"}'),
    ("not json", b"{nope"),
    ("not an object", b"[1, 2]"),
    ("invalid utf-8", b'{"query": "\xff"}'),
    ("bad argument", b'{"query": "{ companies(first: \\"x\\") { totalCount } }"}'),
    ("subscription", b'{"query": "subscription { x }"}'),
]


def _shape(response: httpx.Response) -> tuple[int, str, dict[str, str]]:
    # X-RateLimit-Reset is a time (whole seconds): two requests a moment apart may straddle a second
    kept = ("x-ratelimit-limit", "retry-after", "content-type")
    headers = {k: v for k, v in response.headers.items() if k in kept}
    return response.status_code, response.text, headers


@pytest.mark.parametrize(("name", "body"), CASES, ids=[c[0] for c in CASES])
async def test_both_paths_answer_alike(
    client: httpx.AsyncClient, account: Account, name: str, body: bytes
) -> None:
    answers = []
    for content_type in (FAST, QUART):
        headers = {**account.headers, "Content-Type": content_type}
        answers.append(await client.post("/graphql", content=body, headers=headers))
    fast, quart = answers
    assert _shape(fast) == _shape(quart), name
    for header in ("x-ratelimit-remaining", "x-ratelimit-reset"):
        assert header in fast.headers and header in quart.headers


@pytest.mark.parametrize("authorization", ["Bearer nope", "Basic abc", "Bearer " + "a.b.c"])
async def test_refused_credentials_answer_alike(client: httpx.AsyncClient, authorization: str) -> None:
    body = b'{"query": "{ companies { totalCount } }"}'
    fast, quart = [await client.post("/graphql", content=body,
                                     headers={"Authorization": authorization, "Content-Type": ct})
                   for ct in (FAST, QUART)]
    assert fast.status_code == quart.status_code == 401
    assert fast.json() == quart.json()
    # refused before the body was read: neither path reads it, and both say the connection is done
    assert fast.headers["connection"] == quart.headers["connection"] == "close"


async def test_a_mutation_then_a_read_through_the_fast_path(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    create = 'mutation { createCompany(data: {name: "fast"}) { id name } }'
    created = await client.post("/graphql", headers=account.headers, json={"query": create})
    assert created.status_code == 200, created.text
    company = created.json()["data"]["createCompany"]
    read = await client.post("/graphql", headers=account.headers,
                             json={"query": "query($id: ID!) { company(filter: {id: {eq: $id}}) { name } }",
                                   "variables": {"id": company["id"]}})
    assert read.json() == {"data": {"company": {"name": "fast"}}}, read.text


REST_READS = [
    "/rest/companies?limit=2",
    "/rest/companies?limit=2&order_by=name[AscNullsFirst]",
    "/rest/companies?filter=name[eq]:%22Acme%22",
    "/rest/companies?filter=name[nope]:1",
    "/rest/companies?limit=-1",
    "/rest/nothings",
    "/rest/companies/not-a-uuid",
    "/rest/companies/00000000-0000-4000-8000-000000000000",
]


async def test_rest_reads_answer_alike(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    created = await client.post("/rest/companies", headers=account.headers,
                                json={"name": "Acme", "employees": 5})
    assert created.status_code == 201, created.text
    paths = [*REST_READS, f"/rest/companies/{created.json()['data']['id']}"]
    for path in paths:
        fast = await client.get(path, headers=account.headers)
        quart = await client.request("GET", path, content=b"{}",
                                     headers={**account.headers, "Content-Type": QUART})
        assert _shape(fast) == _shape(quart), path
    refused = [await client.request("GET", "/rest/companies", content=body,
                                    headers={"Authorization": "Bearer x", "Content-Type": ct})
               for ct, body in ((FAST, b""), (QUART, b"{}"))]
    assert refused[0].status_code == refused[1].status_code == 401
    assert refused[0].json() == refused[1].json()


REST_CREATES = [
    b'{"name": "Made", "employees": 3}',
    b'{"name": "Made", "nope": 1}',
    b'{"employees": "many"}',
    b"[1]",
    b"{nope",
    rb'{"name": "\u0000"}',
]


@pytest.mark.parametrize("body", REST_CREATES)
async def test_rest_creates_answer_alike(client: httpx.AsyncClient, account: Account, body: bytes) -> None:
    fast, quart = [await client.post("/rest/companies", content=body,
                                     headers={**account.headers, "Content-Type": ct}) for ct in (FAST, QUART)]
    assert fast.status_code == quart.status_code
    one, other = fast.json(), quart.json()
    if fast.status_code == 201:
        for volatile in ("id", "createdAt", "updatedAt"):
            assert one["data"].pop(volatile) != other["data"].pop(volatile) or volatile != "id"
    assert one == other
    assert fast.headers["x-ratelimit-limit"] == quart.headers["x-ratelimit-limit"]


async def test_a_body_sent_too_slowly_is_cut_off(server: Server, account: Account) -> None:
    server.app.body_timeout_s = 0.5  # Quart's BODY_TIMEOUT is 60 s; the same answer, sooner
    host, port = server.url.removeprefix("http://").split(":")
    stream = await trio.open_tcp_stream(host, int(port))
    async with stream:
        head = (f"POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {account.access_token}\r\n"
                "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        await stream.send_all(head.encode())  # and never the rest
        answer = b""
        with trio.fail_after(10):
            while b"Timed out" not in answer:
                chunk = await stream.receive_some()
                assert chunk, answer
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 400"), answer
    assert b"connection: close" in answer.lower()
    assert b'"code":"BAD_USER_INPUT"' in answer


async def test_rest_updates_and_deletes_answer_alike(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    ids = []
    for name in ("one", "two"):
        created = await client.post("/rest/companies", json={"name": name}, headers=account.headers)
        ids.append(created.json()["data"]["id"])
    # the same change to each record, one down each path
    for body in (b'{"employees": 7}', b'{"employees": "many"}', b'{"nope": 1}', b"{bad"):
        fast, quart = [await client.request(method, f"/rest/companies/{record_id}", content=body,
                                            headers={**account.headers, "Content-Type": ct})
                       for method, record_id, ct in (("PATCH", ids[0], FAST), ("PUT", ids[1], QUART))]
        assert fast.status_code == quart.status_code, body
        one, other = fast.json(), quart.json()
        if fast.status_code == 200:
            for volatile in ("id", "name", "createdAt", "updatedAt"):
                one["data"].pop(volatile), other["data"].pop(volatile)
        assert one == other, body
    missing = "00000000-0000-4000-8000-000000000000"
    for path in (f"/rest/companies/{missing}", "/rest/companies/not-a-uuid", "/rest/nothings/" + missing):
        fast = await client.delete(path, headers=account.headers)
        quart = await client.request("DELETE", path, content=b"{}",
                                     headers={**account.headers, "Content-Type": QUART})
        assert _shape(fast) == _shape(quart), path
    fast = await client.delete(f"/rest/companies/{ids[0]}", headers=account.headers)
    quart = await client.request("DELETE", f"/rest/companies/{ids[1]}", content=b"{}",
                                 headers={**account.headers, "Content-Type": QUART})
    assert fast.status_code == quart.status_code == 200
    assert fast.json() == {"data": {"id": ids[0], "deleted": True}}, fast.text
    assert quart.json() == {"data": {"id": ids[1], "deleted": True}}, quart.text
    gone = await client.get(f"/rest/companies/{ids[0]}", headers=account.headers)
    assert gone.status_code == 404
