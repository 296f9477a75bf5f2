"""A workspace moved to another worker (``citus_schema_move``) while 16 clients write to it.

No write may fail and none that was acknowledged may be lost; writes may only pause, for a bounded time,
while Citus switches the schema over to its new node. The pause is measured and reported as a
``HARDENING`` line: the longest time no write completed, and the slowest write, during the move.
"""

from __future__ import annotations

import statistics
import uuid

import httpx
import pytest
import trio
from twenty_server.citus import Cluster
from twenty_storage import citus as citus_sql
from twenty_storage.accounts import workspace_schema_name
from twenty_storage.pg import open_storage
from twenty_storage.sql import ident

from twenty_actors.settings import Settings

from ..conftest import Account, Server
from ..hardening._proc import report

CLIENTS = 16
CREATE = "mutation ($d: CompanyCreateInput!) { createCompany(data: $d) { id } }"
MAX_PAUSE_S = 10.0


@pytest.fixture
def settings(pg_dsn: str) -> Settings:
    return Settings(database_url=pg_dsn, port=0, secret="citus-move-" + uuid.uuid4().hex,
                    rate_limits={"graphql": 100_000_000, "rest": 100_000, "metadata": 100_000},
                    max_in_flight_per_workspace=100_000, db_timeout_s=30, gc_freeze=False)


class Writes:
    """Every write: when it started and ended, its record id, and how it was answered."""

    def __init__(self) -> None:
        self.done: list[tuple[float, float, str, bool]] = []
        self.failures: list[str] = []
        self.enough = trio.Event()
        self.wanted = 0

    def record(self, started: float, record_id: str, ok: bool, detail: str) -> None:
        self.done.append((started, trio.current_time(), record_id, ok))
        if not ok:
            self.failures.append(detail)
        if len(self.done) >= self.wanted:
            self.enough.set()


async def _writer(url: str, token: str, writes: Writes) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:  # its own connection
        while True:
            record_id = str(uuid.uuid4())
            started = trio.current_time()
            response = await client.post("/graphql", headers={"Authorization": f"Bearer {token}"},
                                         json={"query": CREATE, "variables": {"d": {"id": record_id,
                                                                                    "name": record_id[:8]}}})
            body = response.json() if response.status_code == 200 else {}
            ok = response.status_code == 200 and "errors" not in body
            writes.record(started, record_id, ok, f"{response.status_code} {response.text[:300]}")


def _longest_gap(ends: list[float], start: float, stop: float) -> float:
    """The longest time within [start, stop] in which no write completed."""
    points = [start, *sorted(t for t in ends if start <= t <= stop), stop]
    return max(b - a for a, b in zip(points, points[1:], strict=False))


async def test_move_a_workspace_while_16_clients_write(server: Server, account: Account,
                                                       citus_cluster: Cluster, pg_dsn: str) -> None:
    schema = workspace_schema_name(uuid.UUID(account.workspace_id))
    writes = Writes()
    async with open_storage(pg_dsn, min_size=1, max_size=2, timeout_s=300) as admin:
        source = (await citus_sql.placements(admin, [schema]))[schema]
        target = next(w for w in citus_cluster.workers if w.port != source.port)
        with trio.fail_after(240):
            async with trio.open_nursery() as nursery:
                for _ in range(CLIENTS):
                    nursery.start_soon(_writer, server.url, account.access_token, writes)
                writes.wanted = 200  # a steady state before the move
                await writes.enough.wait()
                move_started = trio.current_time()
                await citus_sql.move_schema(admin, schema, "127.0.0.1", target.port)
                move_ended = trio.current_time()
                writes.enough = trio.Event()
                writes.wanted = len(writes.done) + 200  # and some more after it, on the new node
                await writes.enough.wait()
                nursery.cancel_scope.cancel()
        after = (await citus_sql.placements(admin, [schema]))[schema]
        # one statement, one snapshot: writes that were in flight when the clients stopped may still commit
        row = await admin.fetchrow(
            f"SELECT (SELECT array_agg(id::text) FROM {ident(schema, 'company')}) AS ids,"  # noqa: S608
            f" (SELECT count(*) FROM {ident(schema, '_event')} WHERE event = 'company.created') AS events")
        assert row is not None
        stored, created_events = set(row["ids"] or ()), row["events"]

    acknowledged = [record_id for _, _, record_id, ok in writes.done if ok]
    before = [end - start for start, end, _, _ in writes.done if end < move_started]
    during = [end - start for start, end, _, _ in writes.done if end >= move_started and start <= move_ended]
    pause = _longest_gap([end for _, end, _, _ in writes.done], move_started, move_ended)
    report("citus_move_under_load", clients=CLIENTS, move_s=round(move_ended - move_started, 2),
           longest_pause_s=round(pause, 3), slowest_write_during_move_s=round(max(during, default=0), 3),
           write_p50_before_ms=round(statistics.median(before) * 1000, 1),
           writes_during_move=len(during), writes=len(writes.done), acknowledged=len(acknowledged),
           failed=len(writes.failures), moved_from=source.port, moved_to=after.port)
    assert after.port == target.port, "the workspace is on the other worker now"
    assert not writes.failures, writes.failures[:3]
    missing = [i for i in acknowledged if i not in stored]
    assert not missing, f"{len(missing)} acknowledged writes lost"
    assert created_events == len(stored)
    assert pause < MAX_PAUSE_S
