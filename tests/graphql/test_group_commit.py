"""Concurrent writers: every caller answered, one row and one event per write, a bad write fails alone."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
import trio

from twenty_actors.observe import WriteBatchCommitted

from ..conftest import Account, Server, gql
from .conftest import count_rows, create_companies, events, ok

CREATE = "mutation ($input: CompanyCreateInput!) { createCompany(data: $input) { id name } }"
CREATE_PERSON = "mutation ($input: PersonCreateInput!) { createPerson(data: $input) { id companyId } }"


async def burst(client: httpx.AsyncClient, account: Account,
                requests: list[tuple[str, dict[str, Any]]]) -> list[httpx.Response]:
    """Send every request at once; the responses in request order."""
    responses: list[httpx.Response | None] = [None] * len(requests)

    async def send(i: int, query: str, variables: dict[str, Any]) -> None:
        responses[i] = await gql(client, account.access_token, query, variables)

    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            for i, (query, variables) in enumerate(requests):
                nursery.start_soon(send, i, query, variables)
    assert all(r is not None for r in responses)
    return [r for r in responses if r is not None]


async def test_hundred_concurrent_creates(client: httpx.AsyncClient, account: Account, server: Server,
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="twenty.observe")
    responses = await burst(client, account, [(CREATE, {"input": {"name": f"c{i}", "employees": i}})
                                              for i in range(100)])
    assert [r.status_code for r in responses] == [200] * 100
    bodies = [r.json() for r in responses]
    assert all("errors" not in b for b in bodies)
    assert [b["data"]["createCompany"]["name"] for b in bodies] == [f"c{i}" for i in range(100)]
    ids = {b["data"]["createCompany"]["id"] for b in bodies}
    assert len(ids) == 100
    assert await count_rows(server, account, "company") == 100
    log = await events(server, account)
    assert len(log) == 100
    assert {str(e["recordId"]) for e in log} == ids
    assert all(e["event"] == "company.created" for e in log)
    data = await ok(client, account, "{ companies(first: 200) { totalCount } }")
    assert data["companies"]["totalCount"] == 100
    # writes that waited while a commit ran went into a shared transaction
    batches = [r.args[0] for r in caplog.records if r.name == "twenty.observe" and isinstance(r.args, tuple)]
    sizes = [b.size for b in batches if isinstance(b, WriteBatchCommitted)]
    assert sum(sizes) == 100
    assert len(sizes) < 100


async def test_bad_write_fails_alone(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    [acme] = await create_companies(client, account, [{"name": "acme"}])
    before = len(await events(server, account))
    nowhere = "00000000-0000-4000-8000-000000000000"
    requests: list[tuple[str, dict[str, Any]]] = []
    for i in range(30):
        if i == 7:
            requests.append((CREATE_PERSON, {"input": {"city": "bad", "companyId": nowhere}}))
        elif i == 19:
            requests.append((CREATE_PERSON, {"input": {"city": "bad", "email": "not-an-email"}}))
        else:
            requests.append((CREATE_PERSON, {"input": {"city": f"p{i}", "companyId": acme}}))
    responses = await burst(client, account, requests)
    assert [r.status_code for r in responses] == [200] * 30
    for i, response in enumerate(responses):
        body = response.json()
        if i in (7, 19):
            assert body["data"] == {"createPerson": None}
            [error] = body["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT"
            assert error["path"] == ["createPerson"]
        else:
            assert "errors" not in body
            assert body["data"]["createPerson"]["companyId"] == acme
    assert await count_rows(server, account, "person") == 28
    log = await events(server, account)
    assert len(log) - before == 28
    assert all(e["event"] == "person.created" for e in log[before:])


async def test_concurrent_updates_of_one_record(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    [acme] = await create_companies(client, account, [{"name": "acme"}])
    update = "mutation ($id: ID!, $n: Float) { updateCompany(id: $id, data: {employees: $n}) { id employees } }"
    responses = await burst(client, account, [(update, {"id": acme, "n": i}) for i in range(40)])
    assert all(r.status_code == 200 and "errors" not in r.json() for r in responses)
    log = await events(server, account)
    updates = [e for e in log if e["event"] == "company.updated"]
    assert len(updates) == 40
    # each update's "before" is the previous one's "after": they were applied one at a time
    for previous, current in zip(updates, updates[1:], strict=False):
        assert current["before"]["employees"] == previous["data"]["employees"]
    data = await ok(client, account, "query ($id: ID!) { company(filter: {id: {eq: $id}}) { employees } }",
                    {"id": acme})
    assert data["company"]["employees"] == updates[-1]["data"]["employees"]
