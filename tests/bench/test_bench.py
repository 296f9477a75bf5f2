"""The bench tool against a real server: every scenario runs about a second on a tiny data set and reports
numbers; errors provoked on purpose are counted by status. No timing assertions."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from bench.__main__ import bench, build_parser
from bench.api import Api
from bench.http1 import Target
from bench.report import ScenarioReport, render_markdown, render_text, scenario_report
from bench.runner import run
from bench.scenarios import ORDER, SCENARIOS, Context, Options, Skip
from bench.seed import SeedSizes, seed_workspace

from ..conftest import Server, sign_up

ROOT = Path(__file__).resolve().parents[2]
TINY = SeedSizes(companies=30, people=60, opportunities=20, tasks=10, notes=10)
OPTIONS = Options(
    concurrency=3, workspaces=2, deep_rows=300, subscribers=3, mw_companies=10, seed_concurrency=2
)


async def _context(server: Server, client: httpx.AsyncClient, *, seed: bool = True) -> Context:
    account = await sign_up(client)
    target = Target.parse(server.url)
    api = Api(target, account.access_token)
    ctx = Context(target, account.access_token, api, OPTIONS, log=lambda _msg: None)
    if seed:
        result = await seed_workspace(api, TINY, concurrency=2)
        ctx.company_ids, ctx.person_ids = result.company_ids, result.person_ids
    return ctx


async def _run(
    ctx: Context, name: str, *, error_every: int = 0, duration: float = 0.5, token: str | None = None
) -> ScenarioReport:
    scenario = SCENARIOS[name]()
    plan = await scenario.setup(ctx)
    if token is not None:
        plan["token"] = token
    result = await run(
        scenario,
        plan,
        target=ctx.target,
        concurrency=OPTIONS.concurrency,
        duration=duration,
        warmup=0.1,
        error_every=error_every,
        server_pid=os.getpid(),
    )
    return scenario_report(scenario, plan, result, OPTIONS.concurrency)


@pytest.mark.parametrize("name", ORDER)
async def test_scenario_runs_and_reports(server: Server, client: httpx.AsyncClient, name: str) -> None:
    ctx = await _context(server, client, seed=SCENARIOS[name].needs_seed)
    report = await _run(ctx, name)
    assert report.rows, report
    for row in report.rows:
        assert row.count > 0, row
        assert row.rps > 0, row
        assert row.p50_ms is not None, row
        assert row.p99_ms is not None, row
        assert row.p50_ms <= row.p95_ms <= row.p99_ms, row  # type: ignore[operator]
        assert row.errors == 0, row
    assert report.cpu["client"] is not None
    assert report.cpu["client"] > 0
    assert report.cpu["server"] is not None  # this test process is the server here
    assert report.client_cpu_us_per_request
    assert report.client_cpu_us_per_request > 0
    labels = [r.label for r in report.rows]
    if name == "deep-page":
        assert any("page 1" in label for label in labels)
        assert any("after row" in label for label in labels)
        assert any("rest offset=0" in label for label in labels)
        # the cursor's depth counts the rows before it in page order, ties on createdAt included
        # (a batch of creates shares its createdAt), so the labels differ and it is near 60%
        assert len(set(labels)) == len(labels) == 4, labels
        depth = int(
            next(label for label in labels if "after row" in label).rsplit(" ", 1)[1].replace(",", "")
        )
        assert 0.5 * OPTIONS.deep_rows <= depth <= 0.7 * OPTIONS.deep_rows, labels
    if name == "metadata-live":
        assert "metadata-live: add field" in labels
        assert "metadata-live: query the new field" in labels
    if name == "ws-fanout":
        assert any("event delivery" in label for label in labels), labels
    text = render_text([report])
    assert report.rows[0].label in text
    assert render_markdown([report]).startswith("| scenario |")
    await ctx.api.aclose()


async def test_broken_requests_are_counted_by_status(server: Server, client: httpx.AsyncClient) -> None:
    ctx = await _context(server, client)
    report = await _run(ctx, "graphql-list", error_every=3)
    row = report.rows[0]
    assert set(row.errors_by_status) == {"400 GRAPHQL_VALIDATION_FAILED"}, row
    # every 3rd request of each of the 3 workers is broken; the window cuts each worker's sequence anywhere
    assert abs(row.errors - row.count / 3) <= OPTIONS.concurrency + 1, row
    rest = await _run(ctx, "rest-list", error_every=2)
    assert set(rest.rows[0].errors_by_status) == {"404 NOT_FOUND"}, rest.rows[0]
    assert rest.rows[0].errors > 0


async def test_bad_token_and_refused_connections_are_errors(
    server: Server, client: httpx.AsyncClient
) -> None:
    ctx = await _context(server, client)
    report = await _run(ctx, "graphql-by-id", token="not-a-token", duration=0.3)
    row = report.rows[0]
    assert row.count > 0, row
    assert row.errors == row.count, row
    assert set(row.errors_by_status) == {"401 UNAUTHENTICATED"}
    # a port nobody listens on: every attempt is a connection error, none is lost
    from bench.server import free_port

    ctx.target = Target("127.0.0.1", free_port())
    report = await _run(ctx, "graphql-create", duration=0.3)
    row = report.rows[0]
    assert row.count > 0, row
    assert row.errors == row.count, row
    assert set(row.errors_by_status) == {"connection error"}
    assert row.p50_ms is None  # no answer, no latency


async def test_ws_fanout_skips_cleanly_without_ws() -> None:
    """A server with no /ws (here: one that answers 404 to everything) gives a clear "not available" row."""

    async def not_found(stream: trio.SocketStream) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = await stream.receive_some(4096)
            if not chunk:
                return
            data += chunk
        await stream.send_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await stream.aclose()

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(functools.partial(trio.serve_tcp, not_found, 0, host="127.0.0.1"))
        port = listeners[0].socket.getsockname()[1]
        target = Target("127.0.0.1", port)
        ctx = Context(target, "token", Api(target), OPTIONS, log=lambda _msg: None)
        with pytest.raises(Skip, match="not available: /ws answered 404"):
            await SCENARIOS["ws-fanout"]().setup(ctx)
        nursery.cancel_scope.cancel()


async def test_command_against_url_with_processes_and_json(
    server: Server, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    account = await sign_up(client)
    out = tmp_path / "bench.json"
    args = build_parser().parse_args(
        [
            "--url",
            server.url,
            "--token",
            account.access_token,
            "--scenario",
            "graphql-list,graphql-by-id",
            "--duration",
            "0.5",
            "--warmup",
            "0.1",
            "--concurrency",
            "4",
            "--processes",
            "2",
            "--companies",
            "20",
            "--people",
            "20",
            "--json",
            str(out),
            "--no-progress",
            "--markdown",
        ]
    )

    class Sink:
        text = ""

        def write(self, s: str) -> None:
            self.text += s

    sink = Sink()
    reports = await bench(args, out=sink)
    assert [r.name for r in reports] == ["graphql-list", "graphql-by-id"]
    assert all(r.rows[0].count > 0 and r.rows[0].errors == 0 for r in reports)
    assert "| graphql-by-id |" in sink.text
    doc: dict[str, Any] = json.loads(out.read_text())
    assert doc["seed"]["counts"]["companies"] == 20
    assert [s["name"] for s in doc["scenarios"]] == ["graphql-list", "graphql-by-id"]
    assert doc["scenarios"][0]["rows"][0]["p99_ms"] > 0
    assert doc["scenarios"][0]["cpu"]["client"] > 0
    for scenario in doc["scenarios"]:  # the time series came back from both load processes
        row = scenario["rows"][0]
        series = scenario["series"]
        assert len(series["t_s"]) == 10
        assert sum(series["rows"][row["label"]]["rps"]) * series["interval_s"] == pytest.approx(
            row["count"], abs=1
        )
        assert sum(scenario["histograms"]["rows"][row["label"]]) == row["count"]


def test_no_arguments_path_starts_its_own_server(tmp_path: Path) -> None:
    """The subprocess path: own server on an embedded PostgreSQL, seeded, measured, stopped."""
    out = tmp_path / "run.json"
    data_dir = tmp_path / "data"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scenario",
            "graphql-list",
            "--duration",
            "0.5",
            "--warmup",
            "0.2",
            "--companies",
            "20",
            "--people",
            "20",
            "--concurrency",
            "2",
            "--json",
            str(out),
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "graphql-list" in done.stdout
    assert "\r" not in done.stderr  # stderr is not a terminal: no progress bars, plain log lines
    doc = json.loads(out.read_text())
    row = doc["scenarios"][0]["rows"][0]
    assert row["count"] > 0
    assert row["errors"] == 0
    cpu = doc["scenarios"][0]["cpu"]
    assert cpu["server"] is not None  # it knows its server's pid
    assert cpu["pg"] is not None  # and PostgreSQL's
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()  # PostgreSQL was stopped
