"""kill -9 under write load on a Citus coordinator: nothing acknowledged is lost, events exactly once.

The writers and the trial of tests/hardening/test_kill9.py, against a server whose database is the
coordinator: each write is a distributed transaction (the change on a worker, the advisory lock and
the NOTIFY on the coordinator), and a server killed in the middle of one must leave it whole or absent.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from pathlib import Path

import httpx
from twenty_storage.pg import open_storage
from twenty_storage.sql import ident

from ..hardening._proc import ServerProcess, report, sign_up
from ..hardening.test_kill9 import WRITERS, Ledger, Writer, _replayed_seqs, _trial

TRIALS = 2


async def test_kill9_under_write_load_on_citus(pg_dsn: str, tmp_path: Path) -> None:
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    ledger = Ledger()
    server = ServerProcess(pg_dsn, tmp_path, secret="citus-kill9-" + uuid.uuid4().hex)
    try:
        await server.start()
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
            account = await sign_up(client, "Kill Nine on Citus")
        token = account["accessToken"]
        writers = [Writer(ledger, token, random.Random(rng.random())) for _ in range(WRITERS)]
        for trial in range(TRIALS):
            if trial:
                await server.start()
            await _trial(server, writers, ledger, rng)
        await server.start()  # the feed is replayed through it
        async with open_storage(pg_dsn, min_size=1, max_size=2) as db:
            schema = await db.fetchval("SELECT schema_name FROM core.workspace WHERE id = $1",
                                       uuid.UUID(account["workspaceId"]))
            rows = {str(r["id"]): r for r in await db.fetch(
                f'SELECT id, name, "deletedAt" FROM {ident(schema, "company")}')}  # noqa: S608 - ident()
            events = await db.fetch(
                f"SELECT seq, event, \"recordId\", data->>'name' AS name FROM {ident(schema, '_event')} "  # noqa: S608
                "WHERE \"objectName\" = 'company' ORDER BY seq")
        replayed = await _replayed_seqs(server, account["accessToken"], len(events))
    finally:
        await server.kill()

    acked_creates = [i for i, ok in ledger.created.items() if ok]
    acked_updates = [name for name, (_, ok) in ledger.updates.items() if ok]
    update_events = Counter(e["name"] for e in events if e["event"] == "company.updated")
    created_events = Counter(str(e["recordId"]) for e in events if e["event"] == "company.created")
    report("kill9_citus", trials=TRIALS, seed=seed, writes_attempted=ledger.attempted,
           writes_acknowledged=ledger.acked, records=len(rows), events=len(events), replayed=len(replayed),
           answers=dict(ledger.statuses))
    missing = [i for i in acked_creates if i not in rows]
    assert not missing, f"{len(missing)} acknowledged creates lost (seed {seed})"
    assert set(rows) <= set(ledger.created)
    half = [ids for ids, _ in ledger.batches if 0 < sum(i in rows for i in ids) < len(ids)]
    assert not half, f"half-applied batches: {half[:3]} (seed {seed})"
    assert set(created_events) == set(rows)
    assert set(created_events.values()) == {1}
    assert max(update_events.values(), default=1) == 1
    lost_updates = [name for name in acked_updates if update_events[name] != 1]
    assert not lost_updates, f"{len(lost_updates)} acknowledged updates lost (seed {seed})"
    seqs = [e["seq"] for e in events]
    assert len(set(seqs)) == len(seqs)
    assert replayed == seqs
