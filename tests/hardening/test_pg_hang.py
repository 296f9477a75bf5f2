"""PostgreSQL stops answering (every process of it frozen with SIGSTOP, as in a network partition).

Unlike a stopped server, a frozen one refuses nothing: connections and statements just wait. Every request
must still be answered 503 SERVICE_UNAVAILABLE with Retry-After within the database timeout (1 s here),
and at once after the first timeouts (the storage watchdog knows PostgreSQL is not answering); once it
thaws, service resumes by itself, and what was acknowledged before is there.
"""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

import httpx
import trio
from twenty_storage.embedded import start_embedded, stop_embedded

from twenty_actors.settings import Settings

from ._proc import open_inprocess_server, report, sign_up
from .test_pg_restart import UNLIMITED, _assert_unavailable, _bearer, _requests, _wait_until

DB_TIMEOUT_S = 1.0


def _postgres_pids(data_dir: Path) -> list[int]:
    """The postmaster of the embedded server and all its children."""
    postmaster = int((data_dir / "pgdata" / "postmaster.pid").read_text().split("\n", 1)[0])
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        if int(fields[1]) == postmaster:  # the parent pid
            children.append(int(entry))
    return [postmaster, *children]


def _signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


async def test_postgres_stops_answering_and_thaws(tmp_path: Path) -> None:
    data_dir = tmp_path / "pg"
    dsn, _ = await trio.to_thread.run_sync(start_embedded, data_dir)
    settings = Settings(database_url=dsn, port=0, secret="pg-hang-" + uuid.uuid4().hex, rate_limits=UNLIMITED,
                        db_timeout_s=DB_TIMEOUT_S)
    frozen: list[int] = []
    try:
        async with open_inprocess_server(settings) as server, \
                httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            warm = await sign_up(client, "Warm")
            cold = await sign_up(client, "Cold")  # its actor never ran before the freeze
            created = await client.post("/rest/companies", json={"name": "before the freeze"},
                                        headers=_bearer(warm["accessToken"]))
            assert created.status_code == 201, created.text
            kept_id = created.json()["data"]["id"]

            frozen = _postgres_pids(data_dir)
            _signal_all(frozen, signal.SIGSTOP)
            rounds: list[float] = []
            answers = 0
            for _ in range(3):
                slowest = 0.0
                for account in (warm, cold):
                    for name, response, seconds in await _requests(client, account["accessToken"],
                                                                   account["email"]):
                        _assert_unavailable(name, response)
                        answers += 1
                        slowest = max(slowest, seconds)
                rounds.append(slowest)
            # the first statements wait out the timeout; once the watchdog knows, nothing waits
            assert rounds[0] < DB_TIMEOUT_S * 3, rounds
            assert max(rounds[1:]) < DB_TIMEOUT_S / 2, rounds

            _signal_all(frozen, signal.SIGCONT)
            frozen = []

            async def serves() -> bool:
                response = await client.get("/rest/companies", headers=_bearer(cold["accessToken"]))
                assert response.status_code in (200, 503), response.text
                return response.status_code == 200

            resumed_s = await _wait_until(serves, 15)
            for name, response, _ in await _requests(client, warm["accessToken"], warm["email"]):
                assert response.status_code in (200, 201), (name, response.text)
            kept = await client.get(f"/rest/companies/{kept_id}", headers=_bearer(warm["accessToken"]))
            assert kept.status_code == 200, kept.text
    finally:
        _signal_all(frozen, signal.SIGCONT)
        await trio.to_thread.run_sync(stop_embedded, data_dir)
    report(
        "postgres_hang",
        db_timeout_s=DB_TIMEOUT_S,
        answers_while_frozen=answers,
        slowest_first_round_s=round(rounds[0], 2),
        slowest_later_rounds_s=round(max(rounds[1:]), 3),
        resumed_after_thaw_s=round(resumed_s, 2),
    )
