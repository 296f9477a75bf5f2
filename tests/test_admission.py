"""Admission control: a workspace holding its limit of requests gets 503 + Retry-After at once, others do not."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import trio

from twenty_actors.settings import Settings
from twenty_actors.workspace.actor import lock_key
from twenty_storage.pg import open_storage

from .conftest import Server, sign_up


@pytest.fixture
def settings(pg_dsn: str) -> Settings:
    return Settings(database_url=pg_dsn, port=0, secret="admission-" + uuid.uuid4().hex,
                    rate_limits={"graphql": 100_000, "rest": 100_000, "metadata": 100_000},
                    max_in_flight_per_workspace=2)


@pytest.fixture
async def http(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        yield c


CREATE = {"query": 'mutation { createCompany(data: {name: "held"}) { id } }'}


async def test_busy_workspace_is_refused_and_others_are_served(server: Server, http: httpx.AsyncClient) -> None:
    busy, other = await sign_up(http), await sign_up(http)
    answers: list[httpx.Response] = []

    async def create() -> None:
        answers.append(await http.post("/graphql", json=CREATE, headers=busy.headers))

    # hold the busy workspace's writer lock on a pool of one connection (a session lock must be
    # released by the connection that took it): its writes wait in flight, holding their admission
    async with open_storage(server.services.db.dsn, min_size=1, max_size=1) as holder:
        key = lock_key(uuid.UUID(busy.workspace_id))
        await holder.execute("SELECT pg_advisory_lock($1)", key)
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(create)
                nursery.start_soon(create)
                admission = server.services.admission
                with trio.fail_after(10):  # both are admitted and waiting for the lock
                    while admission.in_flight(uuid.UUID(busy.workspace_id).int) < 2:  # keyed by the int
                        await trio.sleep(0.01)
                refused = await http.post("/graphql", json=CREATE, headers=busy.headers)
                served = await http.post("/graphql", json=CREATE, headers=other.headers)
                await holder.execute("SELECT pg_advisory_unlock($1)", key)
        finally:
            await holder.execute("SELECT pg_advisory_unlock_all()")
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
    assert refused.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert served.status_code == 200 and "errors" not in served.json()
    assert [a.status_code for a in answers] == [200, 200]  # the held ones finish once released
    after = await http.post("/graphql", json=CREATE, headers=busy.headers)
    assert after.status_code == 200  # admission is released when requests end
