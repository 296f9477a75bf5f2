"""SIGTERM: in-flight requests and queued writes finish, the process exits 0, nothing acknowledged is lost.

The deterministic test holds the workspace's writer lock (the advisory lock every commit takes) from
the test, so writes are provably in flight when SIGTERM arrives; the load test stops the server at a
random moment under 16 writers.
"""

from __future__ import annotations

import json
import random
import signal
import uuid
from pathlib import Path
from typing import Any

import h11
import httpx
import trio
from trio_websocket import ConnectionClosed, open_websocket_url
from twenty_storage.pg import Database, open_storage
from twenty_storage.sql import ident

from twenty_actors.workspace.actor import lock_key

from ._proc import ServerProcess, fresh_database, full, report, sign_up
from .test_kill9 import CREATE_MANY, CREATE_ONE, WRITERS, Ledger, Writer

GRACEFUL_TIMEOUT_S = 10  # Settings.graceful_timeout_s


class RawRequest:
    """An HTTP/1.1 request written to its own connection; its answer is read later."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.conn = h11.Connection(h11.CLIENT)

    @classmethod
    async def send(cls, port: int, method: str, path: str, token: str, body: Any) -> RawRequest:
        stream = await trio.open_tcp_stream("127.0.0.1", port)
        raw = cls(stream)
        data = json.dumps(body).encode()
        await stream.send_all(
            raw.conn.send(
                h11.Request(
                    method=method,
                    target=path,
                    headers=[
                        ("host", f"127.0.0.1:{port}"),
                        ("content-type", "application/json"),
                        ("authorization", f"Bearer {token}"),
                        ("content-length", str(len(data))),
                    ],
                )
            )
        )
        await stream.send_all(raw.conn.send(h11.Data(data=data)) + raw.conn.send(h11.EndOfMessage()))
        return raw

    async def answer(self) -> tuple[int, bytes]:
        status, body = 0, b""
        async with self.stream:
            while True:
                event = self.conn.next_event()
                if event is h11.NEED_DATA:
                    self.conn.receive_data(await self.stream.receive_some(65536))
                elif isinstance(event, h11.Response):
                    status = event.status_code
                elif isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    return status, body
                elif isinstance(event, h11.ConnectionClosed):
                    raise AssertionError("connection closed without an answer")


async def _company_ids(db: Database, workspace_id: str) -> set[str]:
    schema = await db.fetchval(
        "SELECT schema_name FROM core.workspace WHERE id = $1", uuid.UUID(workspace_id)
    )
    rows = await db.fetch(
        f"SELECT c.id, (SELECT count(*) FROM {ident(schema, '_event')} e "  # noqa: S608 - names through ident()
        f"WHERE e.\"recordId\" = c.id AND e.event = 'company.created') AS events "
        f"FROM {ident(schema, 'company')} c"
    )
    assert all(r["events"] == 1 for r in rows)
    return {str(r["id"]) for r in rows}


async def test_sigterm_finishes_in_flight_writes(pg_dsn: str, tmp_path: Path) -> None:
    async with fresh_database(pg_dsn) as dsn, open_storage(dsn, min_size=1, max_size=1) as db:
        server = ServerProcess(dsn, tmp_path, secret="term-" + uuid.uuid4().hex)
        try:
            await server.start()
            async with httpx.AsyncClient(base_url=server.url, timeout=20) as idle:
                account = await sign_up(idle, "Graceful")
                token, wid = account["accessToken"], account["workspaceId"]
                ws_url = server.url.replace("http://", "ws://") + "/ws"
                async with open_websocket_url(ws_url) as ws:
                    await ws.send_message(json.dumps({"type": "auth", "token": token}))
                    await ws.send_message(
                        json.dumps({"type": "subscribe", "id": "s", "objects": ["company"]})
                    )
                    with trio.fail_after(10):
                        assert json.loads(await ws.get_message())["type"] == "ready"
                        assert json.loads(await ws.get_message())["type"] == "subscribed"
                    # hold the workspace's writer lock: every commit now waits for us
                    await db.execute("SELECT pg_advisory_lock($1)", lock_key(uuid.UUID(wid)))
                    # single creates (REST, GraphQL) and batches of 2 or 3 (REST, GraphQL), in turn
                    ids = [
                        [str(uuid.uuid4()) for _ in range(1 if i % 2 == 0 else 2 + i // 2 % 2)]
                        for i in range(WRITERS)
                    ]
                    requests = []
                    for i, batch in enumerate(ids):
                        data = [{"id": rid, "name": f"term-{rid[:8]}"} for rid in batch]
                        if i % 4 == 0:
                            raw = await RawRequest.send(
                                server.port, "POST", "/rest/companies", token, data[0]
                            )
                        elif i % 4 == 1:
                            raw = await RawRequest.send(
                                server.port, "POST", "/rest/batch/companies", token, data
                            )
                        elif i % 4 == 2:
                            raw = await RawRequest.send(
                                server.port,
                                "POST",
                                "/graphql",
                                token,
                                {"query": CREATE_ONE, "variables": {"d": data[0]}},
                            )
                        else:
                            raw = await RawRequest.send(
                                server.port,
                                "POST",
                                "/graphql",
                                token,
                                {"query": CREATE_MANY, "variables": {"d": data}},
                            )
                        requests.append(raw)
                    with trio.fail_after(10):  # the first commit is waiting for the lock
                        while not await db.fetchval(
                            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                        ):
                            await trio.sleep(0.01)
                    # a read answers meanwhile (reads do not queue behind writes); by the time it has, the
                    # server has long read the requests sent before it
                    listed = await idle.get("/rest/companies", headers={"Authorization": f"Bearer {token}"})
                    assert listed.status_code == 200 and listed.json()["data"] == []

                    server.signal(signal.SIGTERM)
                    with trio.fail_after(5):  # the websocket is closed at once, cleanly
                        while True:
                            try:
                                await ws.get_message()
                            except ConnectionClosed as closed:
                                assert closed.reason is not None and closed.reason.code == 1001, closed.reason
                                break
                    await server.wait_refusing()
                    with trio.fail_after(5):
                        try:
                            late = await idle.get("/healthz")
                        except httpx.TransportError:
                            pass  # refused, or the idle connection was closed: both fine
                        else:  # reached us before the connection closed: a clean refusal
                            assert late.status_code == 503 and late.headers["Retry-After"]
                    assert server.process is not None and server.process.returncode is None  # still draining

                    released = trio.current_time()
                    await db.execute("SELECT pg_advisory_unlock($1)", lock_key(uuid.UUID(wid)))
                    with trio.fail_after(GRACEFUL_TIMEOUT_S):
                        answers = [await raw.answer() for raw in requests]
            code = await server.wait(GRACEFUL_TIMEOUT_S)
            exit_s = trio.current_time() - released
        finally:
            await server.kill()
        found = await _company_ids(db, wid)

    assert code == 0, server.log()
    assert [status for status, _ in answers] == [201, 201, 200, 200] * (WRITERS // 4), answers
    assert all(b"errors" not in body for _, body in answers)
    assert {rid for batch in ids for rid in batch} == found
    report(
        "graceful_in_flight",
        in_flight=len(requests),
        answered_2xx=len(answers),
        records_found=len(found),
        exit_code=code,
        exit_seconds_after_release=round(exit_s, 2),
    )


async def test_sigterm_under_load(pg_dsn: str, tmp_path: Path) -> None:
    trials = 5 if full() else 1
    rng = random.Random()
    figures: list[dict[str, Any]] = []
    async with fresh_database(pg_dsn) as dsn:
        server = ServerProcess(dsn, tmp_path, secret="term-" + uuid.uuid4().hex)
        try:
            await server.start()
            async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
                account = await sign_up(client, "Graceful load")
            for trial in range(trials):
                if trial:
                    await server.start()
                ledger = Ledger()
                ledger.threshold = rng.randint(20, 150)
                writers = [
                    Writer(ledger, account["accessToken"], random.Random(rng.random()))
                    for _ in range(WRITERS)
                ]
                limits = httpx.Limits(max_connections=WRITERS, max_keepalive_connections=WRITERS)
                async with httpx.AsyncClient(base_url=server.url, timeout=20, limits=limits) as client:
                    async with trio.open_nursery() as nursery:
                        for writer in writers:
                            nursery.start_soon(writer.run, client)
                        with trio.fail_after(60):
                            await ledger.enough.wait()
                        server.signal(signal.SIGTERM)
                        stopping = trio.current_time()
                        code = await server.wait(GRACEFUL_TIMEOUT_S + 5)
                        exit_s = trio.current_time() - stopping
                        nursery.cancel_scope.cancel()
                assert code == 0, server.log()
                async with open_storage(dsn, min_size=1, max_size=1) as db:
                    found = await _company_ids(db, account["workspaceId"])
                acked = {i for i, ok in ledger.created.items() if ok}
                assert acked <= found, f"{len(acked - found)} acknowledged creates lost"
                # nothing was cut off half-way: a create the client saw fail (503, or a connection closed
                # before it was read) never happened
                assert found & set(ledger.created) == acked, "a create the client saw fail was applied"
                refused_503 = ledger.statuses["503"]
                figures.append(
                    {
                        "acknowledged": ledger.acked,
                        "attempted": ledger.attempted,
                        "exit_s": round(exit_s, 2),
                        "answers": dict(ledger.statuses),
                        "refused_503": refused_503,
                    }
                )
        finally:
            await server.kill()
    report("graceful_load", trials=trials, runs=figures)
