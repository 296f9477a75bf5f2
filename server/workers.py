"""Several server processes on one port (SO_REUSEPORT), supervised by a parent that owns PostgreSQL.

One Python process is bound by the GIL; on a machine with several cores, ``--workers N`` runs N
server processes that share the listening port. The parent starts the embedded PostgreSQL (if
no --database-url), applies migrations once, starts the workers, restarts one that dies (with
backoff), and on SIGINT/SIGTERM asks each to drain, then stops PostgreSQL.

What workers share is in PostgreSQL: metadata (reloaded on NOTIFY), API-key revocations (NOTIFY),
the webhook outbox (SKIP LOCKED), the event log (change feeds are told of other workers' commits by
NOTIFY), write order per workspace (an advisory lock around each group commit), and rate limits
(each worker leases a key's tokens from its bucket row a few at a time; exact within one lease).

Metrics: the parent makes a fresh directory for the run and names it to the workers in
``PROMETHEUS_MULTIPROC_DIR``; each worker keeps its values in files there, and the one that answers
``GET /metrics`` adds up everyone's. A worker that dies is marked dead (its gauges leave the sum; its
counters stay, so totals never go backwards); the directory is removed when the parent stops.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from contextlib import AsyncExitStack

import trio
from prometheus_client.multiprocess import mark_process_dead

from twenty_storage.embedded import open_embedded_postgres
from twenty_storage.migrations import apply_migrations
from twenty_storage.pg import open_storage

from twenty_actors.settings import Settings

log = logging.getLogger("twenty.workers")


def worker_argv(settings: Settings, dsn: str, workers: int) -> list[str]:
    """The command line of one worker process: the same settings, the shared database."""
    argv = [sys.executable, "-m", "twenty_server", "serve", "--database-url", dsn, "--host", settings.host,
            "--port", str(settings.port), "--log-level", settings.log_level, "--max-body-bytes",
            str(settings.max_body_bytes), "--max-in-flight", str(settings.max_in_flight_per_workspace),
            "--max-running", str(settings.max_running), "--max-waiting", str(settings.max_waiting),
            "--db-timeout", str(settings.db_timeout_s), "--server", settings.server, "--log-format",
            settings.log_format,
            "--keep-alive-timeout", str(settings.keep_alive_timeout_s),
            "--max-connections", str(settings.max_connections), "--workspace-share", str(settings.workspace_share),
            "--rate-limits",
            ",".join(f"{k}={v}" for k, v in settings.rate_limits.items()), "--reuse-port-of", str(workers),
            "--workers", "1"]
    if not settings.signup:
        argv.append("--no-signup")
    if settings.webhook_allow_private:
        argv.append("--webhook-allow-private")
    if settings.compat:
        argv += ["--compat", settings.compat]
    return argv


async def _run_worker(index: int, argv: Sequence[str], env: dict[str, str], stopping: trio.Event) -> None:
    """Keep one worker running until the parent stops: restart it with backoff when it dies."""
    backoff = 0.5
    while not stopping.is_set():
        started = trio.current_time()
        process = await trio.lowlevel.open_process(list(argv), env=env)
        try:
            await process.wait()
        finally:
            if process.returncode is None:  # we are being cancelled: drain it, then make sure it is gone
                process.send_signal(signal.SIGTERM)
                with trio.CancelScope(shield=True), trio.move_on_after(30) as scope:
                    await process.wait()
                if scope.cancelled_caught:
                    process.kill()
            mark_process_dead(process.pid, env["PROMETHEUS_MULTIPROC_DIR"])
        if stopping.is_set():
            return
        log.error("worker %d exited with %s; restarting in %.1f s", index, process.returncode, backoff)
        await trio.sleep(backoff)
        backoff = 0.5 if trio.current_time() - started > 60 else min(backoff * 2, 30.0)


async def run_workers(settings: Settings, workers: int) -> None:
    """Run ``workers`` server processes until SIGINT/SIGTERM."""
    async with AsyncExitStack() as stack:
        dsn = settings.database_url
        if dsn is None:
            dsn = await stack.enter_async_context(open_embedded_postgres(settings.data_dir))
        async with open_storage(dsn, min_size=1, max_size=1) as db:
            await apply_migrations(db)  # once, before the workers race for it
        metrics_dir = tempfile.mkdtemp(prefix="twenty-metrics-")  # the workers' metrics, for this run only
        stack.callback(shutil.rmtree, metrics_dir, ignore_errors=True)
        env = {**os.environ, "TWENTY_CROSS_PROCESS_EVENTS": "1", "PROMETHEUS_MULTIPROC_DIR": metrics_dir}
        if settings.secret:
            env["TWENTY_SECRET"] = settings.secret  # not on the command line, where ps would show it
        if settings.metrics_token:
            env["TWENTY_METRICS_TOKEN"] = settings.metrics_token
        argv = worker_argv(settings, dsn, workers)
        stopping = trio.Event()
        async with trio.open_nursery() as nursery:
            for index in range(workers):
                nursery.start_soon(_run_worker, index, argv, env, stopping)
            print(f"twenty-actors listening on http://{settings.host}:{settings.port} ({workers} workers)",
                  flush=True)
            with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                async for _ in signals:
                    break
            log.info("stopping %d workers", workers)
            stopping.set()
            nursery.cancel_scope.cancel()  # each worker task sends SIGTERM and waits for its drain
