"""kill -9 under write load: nothing acknowledged is lost, no batch is half applied, events exactly once.

A server subprocess on a fresh database takes writes from 16 concurrent writers (single and batch
creates, updates, single and batch deletes, through /graphql and /rest) and is killed with SIGKILL at
a random moment of each trial, then restarted. Afterwards the database is checked directly:

- every write answered 2xx is there, with exactly one event row;
- every batch (answered or not) is there entirely or not at all;
- every record has exactly one ``created`` event, every applied update and delete exactly one event,
  and the row equals what its last event says;
- the change feed replayed with ``since=0`` carries every event exactly once, in seq order;
- the webhook outbox holds exactly one delivery per event.

CI runs 3 trials; TWENTY_HARDENING_FULL=1 runs 20.
"""

from __future__ import annotations

import json
import random
import signal
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
import trio
from trio_websocket import open_websocket_url
from twenty_storage.pg import open_storage
from twenty_storage.sql import ident

from ._proc import ServerProcess, free_port, fresh_database, full, report, sign_up

WRITERS = 16
CREATE_ONE = "mutation($d: CompanyCreateInput!) { createCompany(data: $d) { id } }"
CREATE_MANY = "mutation($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { id } }"
UPDATE_ONE = "mutation($id: ID!, $d: CompanyUpdateInput!) { updateCompany(id: $id, data: $d) { id } }"
DELETE_ONE = "mutation($id: ID!) { deleteCompany(id: $id) { id } }"
DELETE_MANY = "mutation($ids: [ID!]!) { deleteCompanies(ids: $ids) { id } }"


class Ledger:
    """What the writers attempted and what the server acknowledged."""

    def __init__(self) -> None:
        self.created: dict[str, bool] = {}  # record id → acknowledged
        self.batches: list[tuple[list[str], bool]] = []  # every batch create, acknowledged or not
        self.updates: dict[str, tuple[str, bool]] = {}  # new name → (record id, acknowledged)
        self.deletes: dict[str, bool] = {}  # record id → acknowledged
        self.delete_batches: list[tuple[list[str], bool]] = []
        self.acked = 0
        self.attempted = 0
        self.statuses: Counter[str] = Counter()
        self.threshold = 0
        self.enough = trio.Event()

    def answered(self, ok: bool) -> None:
        self.attempted += 1
        if ok:
            self.acked += 1
            if self.acked >= self.threshold:
                self.enough.set()


def _gql_ok(response: httpx.Response, field: str) -> bool:
    if response.status_code != 200:
        return False
    body = response.json()
    return not body.get("errors") and body.get("data", {}).get(field) is not None


class Writer:
    """One of the concurrent writers; it only updates and deletes records it created itself."""

    def __init__(self, ledger: Ledger, token: str, rng: random.Random) -> None:
        self.ledger = ledger
        self.headers = {"Authorization": f"Bearer {token}"}
        self.rng = rng
        self.live: list[str] = []  # acknowledged creations not yet deleted

    async def run(self, client: httpx.AsyncClient) -> None:
        while True:
            roll = self.rng.random()
            try:
                if roll < 0.3 or len(self.live) < 2:
                    await self.create_one(client)
                elif roll < 0.5:
                    await self.create_many(client)
                elif roll < 0.8:
                    await self.update(client)
                elif roll < 0.92:
                    await self.delete_one(client)
                else:
                    await self.delete_many(client)
            except httpx.TransportError as exc:
                self.ledger.statuses[type(exc).__name__] += 1
                self.ledger.answered(False)
                if isinstance(exc, httpx.ConnectError):
                    return  # nothing listens any more: this trial is over for us

    def _count(self, response: httpx.Response) -> None:
        self.ledger.statuses[str(response.status_code)] += 1
        assert response.status_code < 500 or response.status_code == 503, response.text

    async def create_one(self, client: httpx.AsyncClient) -> None:
        record_id = str(uuid.uuid4())
        self.ledger.created[record_id] = False
        data = {"id": record_id, "name": f"c-{record_id[:8]}"}
        if self.rng.random() < 0.5:
            response = await client.post(
                "/graphql", json={"query": CREATE_ONE, "variables": {"d": data}}, headers=self.headers
            )
            ok = _gql_ok(response, "createCompany")
        else:
            response = await client.post("/rest/companies", json=data, headers=self.headers)
            ok = response.status_code == 201
        self._count(response)
        if ok:
            self.ledger.created[record_id] = True
            self.live.append(record_id)
        self.ledger.answered(ok)

    async def create_many(self, client: httpx.AsyncClient) -> None:
        ids = [str(uuid.uuid4()) for _ in range(self.rng.randint(2, 6))]
        for record_id in ids:
            self.ledger.created[record_id] = False
        batch = (ids, False)
        self.ledger.batches.append(batch)
        data = [{"id": i, "name": f"b-{i[:8]}"} for i in ids]
        if self.rng.random() < 0.5:
            response = await client.post(
                "/graphql", json={"query": CREATE_MANY, "variables": {"d": data}}, headers=self.headers
            )
            ok = _gql_ok(response, "createCompanies")
        else:
            response = await client.post("/rest/batch/companies", json=data, headers=self.headers)
            ok = response.status_code == 201
        self._count(response)
        if ok:
            self.ledger.batches[self.ledger.batches.index(batch)] = (ids, True)
            for record_id in ids:
                self.ledger.created[record_id] = True
            self.live.extend(ids)
        self.ledger.answered(ok)

    async def update(self, client: httpx.AsyncClient) -> None:
        record_id = self.rng.choice(self.live)
        name = f"u-{uuid.uuid4().hex}"
        self.ledger.updates[name] = (record_id, False)
        if self.rng.random() < 0.5:
            response = await client.post(
                "/graphql",
                json={"query": UPDATE_ONE, "variables": {"id": record_id, "d": {"name": name}}},
                headers=self.headers,
            )
            ok = _gql_ok(response, "updateCompany")
        else:
            response = await client.patch(
                f"/rest/companies/{record_id}", json={"name": name}, headers=self.headers
            )
            ok = response.status_code == 200
        self._count(response)
        if ok:
            self.ledger.updates[name] = (record_id, True)
        self.ledger.answered(ok)

    async def delete_one(self, client: httpx.AsyncClient) -> None:
        record_id = self.live.pop(self.rng.randrange(len(self.live)))
        self.ledger.deletes[record_id] = False
        if self.rng.random() < 0.5:
            response = await client.post(
                "/graphql", json={"query": DELETE_ONE, "variables": {"id": record_id}}, headers=self.headers
            )
            ok = _gql_ok(response, "deleteCompany")
        else:
            response = await client.delete(f"/rest/companies/{record_id}", headers=self.headers)
            ok = response.status_code == 200
        self._count(response)
        if ok:
            self.ledger.deletes[record_id] = True
        self.ledger.answered(ok)

    async def delete_many(self, client: httpx.AsyncClient) -> None:
        ids = [self.live.pop(self.rng.randrange(len(self.live))) for _ in range(2)]
        for record_id in ids:
            self.ledger.deletes[record_id] = False
        response = await client.post(
            "/graphql", json={"query": DELETE_MANY, "variables": {"ids": ids}}, headers=self.headers
        )
        ok = _gql_ok(response, "deleteCompanies") and len(response.json()["data"]["deleteCompanies"]) == 2
        self._count(response)
        self.ledger.delete_batches.append((ids, ok))
        if ok:
            for record_id in ids:
                self.ledger.deletes[record_id] = True
        self.ledger.answered(ok)


async def _trial(server: ServerProcess, writers: list[Writer], ledger: Ledger, rng: random.Random) -> None:
    """Write until a random number of writes were acknowledged, then SIGKILL the server mid-load."""
    ledger.threshold = ledger.acked + rng.randint(20, 150)
    ledger.enough = trio.Event()
    limits = httpx.Limits(max_connections=WRITERS, max_keepalive_connections=WRITERS)
    async with httpx.AsyncClient(base_url=server.url, timeout=20, limits=limits) as client:
        async with trio.open_nursery() as nursery:
            for writer in writers:
                nursery.start_soon(writer.run, client)
            with trio.fail_after(60):
                await ledger.enough.wait()
            # a little more load, so the kill lands at a random point of a commit cycle
            await trio.sleep(rng.uniform(0, 0.05))
            server.signal(signal.SIGKILL)
            await server.wait()
            nursery.cancel_scope.cancel()


async def _replayed_seqs(server: ServerProcess, token: str, expected: int) -> list[int]:
    """Every company event's seq, as the change feed replays them from since=0."""
    url = server.url.replace("http://", "ws://") + "/ws"
    seqs: list[int] = []
    async with open_websocket_url(url) as ws:
        with trio.fail_after(30):
            await ws.send_message(json.dumps({"type": "auth", "token": token}))
            assert json.loads(await ws.get_message()) == {"type": "ready"}
            await ws.send_message(
                json.dumps({"type": "subscribe", "id": "all", "objects": ["company"], "since": 0})
            )
            subscribed = json.loads(await ws.get_message())
            assert subscribed["type"] == "subscribed", subscribed
            while len(seqs) < expected:
                message = json.loads(await ws.get_message())
                assert message["type"] == "event", message
                seqs.append(message["seq"])
    return seqs


async def _wait_for_deliveries(db: Any, webhook_id: uuid.UUID, expected: int) -> None:
    with trio.fail_after(30):
        while (
            await db.fetchval("SELECT count(*) FROM core.webhook_delivery WHERE webhook_id = $1", webhook_id)
            < expected
        ):
            await trio.sleep(0.05)


async def test_kill9_under_write_load(pg_dsn: str, tmp_path: Path) -> None:
    trials = 20 if full() else 3
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    ledger = Ledger()
    async with fresh_database(pg_dsn) as dsn:
        server = ServerProcess(
            dsn, tmp_path, secret="kill9-" + uuid.uuid4().hex, extra=["--webhook-allow-private"]
        )
        try:
            await server.start()
            async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
                account = await sign_up(client, "Kill Nine")
                token = account["accessToken"]
                # a webhook for every event, aimed at a closed port: its outbox rows are what we check
                hook = await client.post(
                    "/metadata",
                    headers={"Authorization": f"Bearer {token}"},
                    json={
                        "query": "mutation($u: String!) { createOneWebhook(data: {targetUrl: $u, "
                        'operation: "*.*"}) '
                        "{ id } }",
                        "variables": {"u": f"http://127.0.0.1:{free_port()}/hook"},
                    },
                )
                assert hook.status_code == 200 and "errors" not in hook.json(), hook.text
                webhook_id = uuid.UUID(hook.json()["data"]["createOneWebhook"]["id"])
            writers = [Writer(ledger, token, random.Random(rng.random())) for _ in range(WRITERS)]
            started = trio.current_time()
            for trial in range(trials):
                if trial:
                    await server.start()
                await _trial(server, writers, ledger, rng)
            elapsed = trio.current_time() - started
            await server.start()  # a last time: the feed and the outbox are read through it
            workspace_id = uuid.UUID(account["workspaceId"])
            async with open_storage(dsn, min_size=1, max_size=2) as db:
                schema = await db.fetchval(
                    "SELECT schema_name FROM core.workspace WHERE id = $1", workspace_id
                )
                rows = {
                    str(r["id"]): r
                    for r in await db.fetch(f'SELECT id, name, "deletedAt" FROM {ident(schema, "company")}')  # noqa: S608 - names through ident()
                }
                events = await db.fetch(
                    f"SELECT seq, event, \"recordId\", data->>'name' AS name, data->>'deletedAt' AS deleted "  # noqa: S608 - names through ident()
                    f"FROM {ident(schema, '_event')} WHERE \"objectName\" = 'company' ORDER BY seq"
                )
                replayed = await _replayed_seqs(server, token, len(events))
                await _wait_for_deliveries(db, webhook_id, len(events))
                deliveries = await db.fetch(
                    "SELECT event_seq, event_id FROM core.webhook_delivery WHERE webhook_id = $1", webhook_id
                )
        finally:
            await server.kill()

    acked_creates = [i for i, ok in ledger.created.items() if ok]
    acked_updates = {name: rid for name, (rid, ok) in ledger.updates.items() if ok}
    acked_deletes = [i for i, ok in ledger.deletes.items() if ok]
    by_record: dict[str, list[Any]] = defaultdict(list)
    for e in events:
        by_record[str(e["recordId"])].append(e)

    update_events = Counter(e["name"] for e in events if e["event"] == "company.updated")
    deleted_events = Counter(str(e["recordId"]) for e in events if e["event"] == "company.deleted")
    found = {
        "creates": sum(i in rows for i in acked_creates),
        "updates": sum(update_events[name] == 1 for name in acked_updates),
        "deletes": sum(
            deleted_events[i] == 1 and i in rows and rows[i]["deletedAt"] is not None for i in acked_deletes
        ),
    }
    report(
        "kill9",
        trials=trials,
        seed=seed,
        seconds=round(elapsed, 1),
        writes_attempted=ledger.attempted,
        writes_acknowledged=ledger.acked,
        unanswered=ledger.attempted - ledger.acked,
        acknowledged={
            "creates": len(acked_creates),
            "updates": len(acked_updates),
            "deletes": len(acked_deletes),
        },
        found=found,
        records=len(rows),
        batches=len(ledger.batches),
        events=len(events),
        replayed=len(replayed),
        deliveries=len(deliveries),
        answers=dict(ledger.statuses),
    )

    # every acknowledged create is there; nothing appears that nobody attempted
    missing = [i for i in acked_creates if i not in rows]
    assert not missing, f"{len(missing)} acknowledged creates lost (seed {seed})"
    assert set(rows) <= set(ledger.created), "records that no writer created"
    # batches: all or nothing, acknowledged or not
    half = [(ids, ok) for ids, ok in ledger.batches if 0 < sum(i in rows for i in ids) < len(ids)]
    assert not half, f"half-applied batches: {half[:3]} (seed {seed})"
    half_deletes = [
        ids
        for ids, _ in ledger.delete_batches
        if sum(any(e["event"] == "company.deleted" for e in by_record[i]) for i in ids) == 1
    ]
    assert not half_deletes, f"half-applied batch deletes: {half_deletes[:3]}"
    # exactly one created event per record, and none for records that are not there
    created_events = Counter(str(e["recordId"]) for e in events if e["event"] == "company.created")
    assert set(created_events) == set(rows) and set(created_events.values()) == {1}
    # every update applied at most once; every acknowledged one exactly once
    assert max(update_events.values(), default=1) == 1
    assert set(update_events) <= set(ledger.updates)
    lost_updates = [name for name in acked_updates if update_events[name] != 1]
    assert not lost_updates, f"{len(lost_updates)} acknowledged updates lost (seed {seed})"
    for e in events:
        if e["event"] == "company.updated":
            assert str(e["recordId"]) == ledger.updates[e["name"]][0]
    # deletes: each acknowledged one applied, with one event; at most one deleted event per record
    assert max(deleted_events.values(), default=1) == 1
    assert set(deleted_events) <= set(ledger.deletes)
    lost_deletes = [i for i in acked_deletes if deleted_events[i] != 1 or rows[i]["deletedAt"] is None]
    assert not lost_deletes, f"{len(lost_deletes)} acknowledged deletes lost (seed {seed})"
    # each row is what its last event says
    for record_id, row in rows.items():
        last = by_record[record_id][-1]
        assert row["name"] == last["name"], (record_id, row["name"], last["name"])
        assert (row["deletedAt"] is not None) == (last["event"] == "company.deleted")
    # the change feed replays every event once, in order; the outbox holds one delivery per event
    seqs = [e["seq"] for e in events]
    assert replayed == seqs
    assert sorted(d["event_seq"] for d in deliveries) == seqs
    assert len({d["event_id"] for d in deliveries}) == len(deliveries)
