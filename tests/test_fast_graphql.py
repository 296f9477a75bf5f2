"""The plain ASGI ``POST /graphql`` handler answers exactly as the Quart route it stands in front of.

A ``+json`` content type other than application/json is still JSON to the Quart route but is left to it by
the fast handler, so the same request can be sent down both paths and the answers compared.
"""

from __future__ import annotations

import httpx
import pytest

from .conftest import Account, sign_up

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
    kept = ("x-ratelimit-limit", "x-ratelimit-reset", "retry-after", "content-type")
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
    assert "x-ratelimit-remaining" in fast.headers and "x-ratelimit-remaining" in quart.headers


@pytest.mark.parametrize("authorization", ["Bearer nope", "Basic abc", "Bearer " + "a.b.c"])
async def test_refused_credentials_answer_alike(client: httpx.AsyncClient, authorization: str) -> None:
    body = b'{"query": "{ companies { totalCount } }"}'
    fast, quart = [await client.post("/graphql", content=body,
                                     headers={"Authorization": authorization, "Content-Type": ct})
                   for ct in (FAST, QUART)]
    assert fast.status_code == quart.status_code == 401
    assert fast.json() == quart.json()


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
