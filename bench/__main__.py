"""``twenty-actors-bench`` / ``python -m bench``: load-test a twenty-actors server.

With no arguments it starts its own server (embedded PostgreSQL in a temp dir, rate limits lifted,
a free port), seeds a workspace through the API, runs every scenario for ``--duration`` seconds
and prints a table. ``--url`` (with ``--token``, or a fresh sign-up) measures a running server.
``--json FILE`` keeps the results, ``--plot DIR`` draws them as PNG charts.

Two more commands work on saved runs:
  twenty-actors-bench compare a.json b.json [--plot DIR] [--markdown]   two runs side by side
  twenty-actors-bench plot run.json DIR                                 the charts of a saved run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import trio

from . import report as rpt
from .api import Api, ApiError, sign_up
from .http1 import Target
from .progress import Bars
from .runner import run
from .scenarios import ORDER, SCENARIOS, Context, Options, Skip
from .seed import SeedSizes, count, existing_ids, seed_workspace, total_rows
from .server import OwnServer


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="twenty-actors-bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--url", help="a running server (default: start one on an embedded PostgreSQL in a temp dir)"
    )
    p.add_argument(
        "--token",
        help="bearer token (access token or API key) of the workspace to use with --url; "
        "default: sign up a new workspace",
    )
    p.add_argument(
        "--scenario",
        action="append",
        default=None,
        help=f"scenario(s) to run, comma-separated or repeated (default: all): {', '.join(ORDER)}",
    )
    p.add_argument("--duration", type=float, default=10.0, help="measured seconds per scenario (default 10)")
    p.add_argument("--warmup", type=float, default=2.0, help="unrecorded seconds before each (default 2)")
    p.add_argument("--concurrency", type=int, default=16, help="closed-loop connections (default 16)")
    p.add_argument("--processes", type=int, default=1, help="load processes to spread the connections over")
    p.add_argument("--workspaces", type=int, default=4, help="workspaces for multi-workspace (default 4)")
    p.add_argument(
        "--subscribers", type=int, default=20, help="websocket subscribers for ws-fanout (default 20)"
    )
    p.add_argument("--companies", type=int, default=10_000, help="companies to seed (default 10,000)")
    p.add_argument("--people", type=int, default=50_000, help="people to seed (default 50,000)")
    p.add_argument("--opportunities", type=int, default=None, help="default: 2 per company")
    p.add_argument("--tasks", type=int, default=None, help="default: 1 per company")
    p.add_argument("--notes", type=int, default=None, help="default: 1 per company")
    p.add_argument(
        "--deep-rows",
        type=int,
        default=20_000,
        help="rows of the deep-page object (default 20,000; the reference run uses 1,000,000)",
    )
    p.add_argument(
        "--mw-companies", type=int, default=200, help="companies seeded in each multi-workspace workspace"
    )
    p.add_argument("--seed-concurrency", type=int, default=4, help="batch mutations in flight while seeding")
    p.add_argument(
        "--no-seed", action="store_true", help="do not seed (with --url: use what the workspace has)"
    )
    p.add_argument("--json", metavar="FILE", help="write the results as JSON")
    p.add_argument(
        "--plot",
        metavar="DIR",
        help="write PNG charts into DIR: per scenario, throughput and p50/p99 over time and a latency "
        "histogram; a summary of all",
    )
    p.add_argument("--markdown", action="store_true", help="print the table as markdown too")
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bars (they go to stderr, and only when it is a terminal)",
    )
    p.add_argument("--server-pid", type=int, help="with --url: the server's pid, to report its CPU")
    p.add_argument("--pg-pid", type=int, help="with --url: PostgreSQL's postmaster pid, to report its CPU")
    p.add_argument(
        "--data-dir", help="data dir for the bench's own server (default: a new temp dir, removed after)"
    )
    p.add_argument("--keep-data", action="store_true", help="keep the own server's temp dir")
    p.add_argument(
        "--server-arg",
        action="append",
        default=[],
        help="extra argument for the own server's `serve` (repeat)",
    )
    p.add_argument(
        "--error-every",
        type=int,
        default=0,
        help="send every Nth request broken on purpose, to check error accounting (default: never)",
    )
    return p


def _scenarios(selected: list[str] | None) -> list[str]:
    if not selected:
        return list(ORDER)
    names = [n.strip() for item in selected for n in item.split(",") if n.strip()]
    if names == ["all"]:
        return list(ORDER)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; choose from {', '.join(ORDER)}")
    return [n for n in ORDER if n in names]


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["memory_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    return info


async def bench(args: argparse.Namespace, out: Any = None) -> list[rpt.ScenarioReport]:
    """Everything: server, seed, scenarios, table. Returns the reports (the tests use this)."""
    out = out or sys.stdout

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    names = _scenarios(args.scenario)
    server: OwnServer | None = None
    server_pid, pg_pid = args.server_pid, args.pg_pid
    reports: list[rpt.ScenarioReport] = []
    seed_info: dict[str, Any] = {}
    try:
        if args.url:
            url = args.url
        else:
            server = OwnServer(
                data_dir=Path(args.data_dir) if args.data_dir else None,
                keep=args.keep_data,
                extra_args=args.server_arg,
            )
            log(f"starting a server: {server.url} (data in {server.data_dir})")
            server.start()
            await server.wait_ready()
            url, server_pid, pg_pid = server.url, server.pid, server.pg_pid
        target = Target.parse(url)
        api = Api(target, size=max(8, args.seed_concurrency * 2))
        token = args.token
        if not token:
            answer = await sign_up(
                api, f"bench-{uuid.uuid4().hex[:10]}@example.com", "bench-password", "Bench"
            )
            token = answer["accessToken"]
        api.token = token
        options = Options(
            concurrency=args.concurrency,
            workspaces=args.workspaces,
            deep_rows=args.deep_rows,
            subscribers=args.subscribers,
            mw_companies=args.mw_companies,
            seed_concurrency=args.seed_concurrency,
        )
        bars = Bars.for_terminal(args.no_progress)
        ctx = Context(target, token, api, options, log=log, bars=bars)
        if any(SCENARIOS[n].needs_seed for n in names):
            seed_info = await _seed(args, ctx, log)
        for name in names:
            scenario = SCENARIOS[name]()
            try:
                plan = await scenario.setup(ctx)
            except Skip as exc:
                reports.append(
                    rpt.ScenarioReport(name, scenario.description, args.concurrency, 0, skipped=str(exc))
                )
                log(f"{name}: skipped: {exc}")
                continue
            except ApiError as exc:
                reports.append(
                    rpt.ScenarioReport(
                        name, scenario.description, args.concurrency, 0, skipped=f"set-up failed: {exc}"[:300]
                    )
                )
                log(f"{name}: set-up failed: {exc}")
                continue
            bar = bars.run(name, args.warmup, args.duration)
            try:
                result = await run(
                    scenario,
                    plan,
                    target=target,
                    concurrency=args.concurrency,
                    duration=args.duration,
                    warmup=args.warmup,
                    processes=args.processes,
                    error_every=args.error_every,
                    server_pid=server_pid,
                    pg_pid=pg_pid,
                    progress=bar.update,
                )
            finally:
                bar.close()
            conc = str(args.concurrency)
            if name == "ws-fanout":
                conc = f"{args.concurrency}w+{plan['subscribers']}s"
            report = rpt.scenario_report(scenario, plan, result, args.concurrency, conc)
            reports.append(report)
            first = report.rows[0] if report.rows else None
            if first:
                log(
                    f"{name}: {first.rps:,.0f} req/s, p50 {rpt._fmt_ms(first.p50_ms)} ms, "
                    f"p99 {rpt._fmt_ms(first.p99_ms)} ms, errors {first.errors}"
                )
        await api.aclose()
    finally:
        if server is not None:
            log("stopping the server")
            await trio.to_thread.run_sync(server.stop)
    print(rpt.render_text(reports), file=out)
    if args.markdown:
        print("", file=out)
        print(rpt.render_markdown(reports), file=out)
    doc = {
        "command": sys.argv,
        "url": url,
        "machine": machine_info(),
        "settings": {k: v for k, v in vars(args).items() if k not in ("token",)},
        "seed": seed_info,
        "scenarios": [r.to_json() for r in reports],
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=2))  # noqa: ASYNC240 - once, at the end
    if args.plot:
        _plot(doc, Path(args.plot), log)
    return reports


def _plot(doc: dict[str, Any], out_dir: Path, log: Any) -> None:
    try:
        from .plot import plot_run
    except ImportError as exc:  # matplotlib is in the bench extra
        raise RuntimeError(f"--plot needs matplotlib (pip install -e '.[bench]'): {exc}") from None
    written = plot_run(doc, out_dir)
    log(f"wrote {len(written)} chart(s) to {out_dir}")


async def _seed(args: argparse.Namespace, ctx: Context, log: Any) -> dict[str, Any]:
    sizes = SeedSizes(args.companies, args.people, args.opportunities, args.tasks, args.notes)
    have = await count(ctx.api, "companies")
    if args.no_seed or (args.url and have >= args.companies):
        log(f"not seeding: the workspace has {have:,} companies")
        ctx.company_ids = await existing_ids(ctx.api, "companies")
        ctx.person_ids = await existing_ids(ctx.api, "people")
        return {"skipped": True, "companies": have}
    total = total_rows(sizes)
    log(f"seeding {total:,} records through the batch mutations ({sizes.resolved()})")
    bar = ctx.bars.counter("seed", total)
    try:
        result = await seed_workspace(ctx.api, sizes, concurrency=args.seed_concurrency, on_rows=bar.update)
    finally:
        bar.close()
    ctx.company_ids, ctx.person_ids = result.company_ids, result.person_ids
    log(f"seeded {result.rows:,} records in {result.seconds:.1f} s ({result.rows / result.seconds:,.0f}/s)")
    return {"counts": result.counts, "seconds": round(result.seconds, 2), "rows": result.rows}


def compare_main(argv: list[str]) -> int:
    """``compare a.json b.json``: the table of two runs side by side; ``--plot DIR`` draws compare.png."""
    from .compare import load, render

    p = argparse.ArgumentParser(
        prog="twenty-actors-bench compare",
        description="Two runs (their --json files) side by side: req/s, p50, p99 and errors per row, "
        "with b/a ratios.",
    )
    p.add_argument("a", type=Path, help="the first run's JSON")
    p.add_argument("b", type=Path, help="the second run's JSON")
    p.add_argument(
        "--plot", metavar="DIR", help="also write DIR/compare.png, the two runs' bars side by side"
    )
    p.add_argument("--markdown", action="store_true", help="print the table as markdown")
    args = p.parse_args(argv)
    a, b = load(args.a), load(args.b)
    print(render(a, b, str(args.a), str(args.b), markdown=args.markdown))
    if args.plot:
        try:
            from .plot import bars, save
        except ImportError as exc:
            raise SystemExit(f"--plot needs matplotlib (pip install -e '.[bench]'): {exc}") from None
        out_dir = Path(args.plot)
        out_dir.mkdir(parents=True, exist_ok=True)
        fig = bars(
            [(f"a: {args.a.name}", a), (f"b: {args.b.name}", b)], f"{args.a.name} (a) and {args.b.name} (b)"
        )
        path = save(fig, out_dir / "compare.png")
        print(f"wrote {path}", file=sys.stderr)
    return 0


def plot_main(argv: list[str]) -> int:
    """``plot run.json DIR``: the charts of a saved run, as ``--plot DIR`` draws them."""
    from .compare import load

    p = argparse.ArgumentParser(prog="twenty-actors-bench plot", description="The charts of a saved run.")
    p.add_argument("run", type=Path, help="a run's JSON (--json)")
    p.add_argument("dir", type=Path, help="where to write the PNG files")
    args = p.parse_args(argv)
    try:
        _plot(load(args.run), args.dir, lambda msg: print(msg, file=sys.stderr))
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from None
    return 0


COMMANDS = {"compare": compare_main, "plot": plot_main}


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", module="platformdirs")
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    args = build_parser().parse_args(argv)

    def on_term(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt  # unwinds through the finally that stops the bench's own server

    signal.signal(signal.SIGTERM, on_term)
    try:
        trio.run(bench, args)
    except KeyboardInterrupt:
        return 130
    except (ApiError, RuntimeError) as exc:
        print(f"twenty-actors-bench: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
