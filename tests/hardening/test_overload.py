"""Overload and noisy neighbours: measured, not asserted on timing (a shared CI machine is too noisy).

One server process on a fresh database. First a baseline: 8 concurrent readers of one workspace. Then
10x that concurrency (80 readers and 16 writers): does /healthz still answer, what happens to latency,
is anything shed (429/503 with Retry-After), how big does the process get? Then a noisy neighbour:
workspace A saturated by 64 clients (in processes of their own, see _load.py) while workspace B's single
client measures its own latency, compared with B alone; and a crash-looping neighbour: workspace C, whose metadata is corrupt, hammered by 16
clients beside B. CI runs each phase for 2 s and checks only behaviour (no 5xx but 503 with Retry-After,
/healthz answers); TWENTY_HARDENING_FULL=1 runs 10 s phases and the figures go to the README.
TWENTY_HARDENING_SERVE_ARGS passes options to the server (e.g. "--workspace-share 1").
"""

from __future__ import annotations

import os
import statistics
import uuid
from pathlib import Path
from typing import Any

import httpx
import trio
from twenty_storage.pg import open_storage

from ._load import Load, load_elsewhere
from ._proc import ServerProcess, fresh_database, full, report, sign_up


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def _run(seconds: float, starts: list[Any], pid: int, health_url: str) -> dict[str, Any]:
    """Run the load for ``seconds`` while sampling the server's memory and /healthz latency."""
    rss: list[float] = []
    health: list[float] = []
    async with httpx.AsyncClient(base_url=health_url, timeout=30) as probe, trio.open_nursery() as nursery:
        for start in starts:
            nursery.start_soon(start)
        deadline = trio.current_time() + seconds
        while trio.current_time() < deadline:
            rss.append(_rss_mb(pid))
            started = trio.current_time()
            with trio.fail_after(10):  # /healthz must keep answering under any load
                answer = await probe.get("/healthz")
            assert answer.status_code == 200, answer.text
            health.append(trio.current_time() - started)
            await trio.sleep(0.2)  # the sampling period
        nursery.cancel_scope.cancel()
    return {
        "rss_mb_max": round(max(rss), 1),
        "healthz_p50_ms": round(statistics.median(health) * 1000, 1),
        "healthz_max_ms": round(max(health) * 1000, 1),
    }


async def test_overload_and_noisy_neighbour(pg_dsn: str, tmp_path: Path) -> None:
    seconds = 10.0 if full() else 2.0
    async with fresh_database(pg_dsn) as dsn:
        # TWENTY_HARDENING_SERVE_ARGS="--max-running 4" measures other admission settings
        extra = os.environ.get("TWENTY_HARDENING_SERVE_ARGS", "").split()
        server = ServerProcess(dsn, tmp_path, secret="overload-" + uuid.uuid4().hex, extra=extra)
        try:
            await server.start()
            assert server.process is not None
            pid = server.process.pid
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
            async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as http:
                a, b = await sign_up(http, "Noisy"), await sign_up(http, "Quiet")
                for account in (a, b):
                    seeded = await http.post(
                        "/graphql",
                        headers={"Authorization": f"Bearer {account['accessToken']}"},
                        json={
                            "query": "mutation($d: [CompanyCreateInput!]!) { createCompanies("
                            "data: $d) { id } }",
                            "variables": {"d": [{"name": f"c{i}"} for i in range(50)]},
                        },
                    )
                    assert seeded.status_code == 200 and "errors" not in seeded.json()
                idle_rss = _rss_mb(pid)

                def readers(load: Load, token: str, count: int, *, write: bool = False) -> list[Any]:
                    return [lambda: load.client(server.url, token, write=write) for _ in range(count)]

                baseline = Load()
                base_probe = await _run(seconds, readers(baseline, a["accessToken"], 8), pid, server.url)
                overload, overload_writes = Load(), Load()
                over_probe = await _run(
                    seconds,
                    readers(overload, a["accessToken"], 80)
                    + readers(overload_writes, a["accessToken"], 16, write=True),
                    pid,
                    server.url,
                )
                alone = Load()
                await _run(seconds, readers(alone, b["accessToken"], 1), pid, server.url)
                # the neighbour's 64 clients in processes of their own: in this one, the quiet client
                # would wait behind their parsing in its own event loop (measuring the load generator)
                quiet = Load()
                async with load_elsewhere(server.url, a["accessToken"], 48, seconds=seconds) as noisy_reads, \
                        load_elsewhere(server.url, a["accessToken"], 16, write=True, seconds=seconds) as noisy_writes:
                    await _run(seconds, readers(quiet, b["accessToken"], 1), pid, server.url)
                # a crash-looping neighbour: C's metadata is corrupt (a field of an unknown type), so its
                # actor crashes as it starts, is restarted with backoff, then cools down; its 16 clients
                # get 503s meanwhile, while B measures its latency again
                c = await sign_up(http, "Crashing")
                async with open_storage(dsn, min_size=1, max_size=1) as db:
                    await db.execute("UPDATE core.field_metadata SET type = 'NOT_A_TYPE' WHERE workspace_id = $1",
                                     uuid.UUID(c["workspaceId"]))
                crashing, quiet_crashing = Load(), Load()
                await _run(
                    seconds,
                    readers(crashing, c["accessToken"], 16) + readers(quiet_crashing, b["accessToken"], 1),
                    pid,
                    server.url,
                )
        finally:
            await server.kill()
    shed = sum(load.statuses[code] for load in (overload, overload_writes) for code in ("429", "503"))
    offered = sum(overload.statuses.values()) + sum(overload_writes.statuses.values())
    quiet_alone, quiet_noisy = alone.figures(seconds), quiet.figures(seconds)
    report(
        "overload",
        seconds_per_phase=seconds,
        idle_rss_mb=round(idle_rss, 1),
        baseline_8_readers={**baseline.figures(seconds), **base_probe},
        overload_80_readers_16_writers={
            "reads": overload.figures(seconds),
            "writes": overload_writes.figures(seconds),
            **over_probe,
            "shed": shed,
            "shed_rate": round(shed / max(1, offered), 3),
        },
    )
    report(
        "noisy_neighbour",
        seconds_per_phase=seconds,
        quiet_alone=quiet_alone,
        quiet_beside_noisy=quiet_noisy,
        noisy={"reads": noisy_reads, "writes": noisy_writes},
        p99_factor=round(quiet_noisy["p99_ms"] / max(0.1, quiet_alone["p99_ms"]), 1),
        p50_factor=round(quiet_noisy["p50_ms"] / max(0.1, quiet_alone["p50_ms"]), 1),
    )
    quiet_crash = quiet_crashing.figures(seconds)
    report(
        "crash_loop_neighbour",
        seconds_per_phase=seconds,
        quiet_beside_crashing=quiet_crash,
        crashing=crashing.figures(seconds),
        p99_factor=round(quiet_crash["p99_ms"] / max(0.1, quiet_alone["p99_ms"]), 1),
        p50_factor=round(quiet_crash["p50_ms"] / max(0.1, quiet_alone["p50_ms"]), 1),
    )
    assert baseline.latencies and overload.latencies and quiet.latencies and quiet_crashing.latencies
    assert not crashing.latencies and crashing.statuses["503"], crashing.statuses  # refused, never served
