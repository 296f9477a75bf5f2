"""The ``twenty-actors`` command: ``serve`` and ``workspace create``."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import warnings
from pathlib import Path
from typing import Any

import msgspec
import trio

from twenty_actors.errors import TwentyError
from twenty_actors.settings import COMPAT_MODES, LOG_FORMATS, SERVERS, Settings, parse_rate_limits

from .logs import configure_logging, default_format

log = logging.getLogger("twenty")


def _env(name: str, default: Any = None) -> Any:
    return os.environ.get("TWENTY_" + name, default)


def _flag(name: str) -> bool:
    return str(_env(name, "")).lower() in ("1", "true", "yes", "on")


def _compat(value: str) -> str | None:
    """A --compat value (also TWENTY_COMPAT, which argparse passes through here too); empty means none."""
    if not value:
        return None
    if value not in COMPAT_MODES:
        modes = ", ".join(COMPAT_MODES)
        raise argparse.ArgumentTypeError(f"unknown compatibility mode {value!r}: use {modes}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface; every option also reads a TWENTY_* variable."""
    parser = argparse.ArgumentParser(prog="twenty-actors", description="Twenty CRM API server on Trio actors")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", default=_env("DATA_DIR", ".twenty"),
                       help="where the embedded PostgreSQL keeps its data (TWENTY_DATA_DIR)")
        p.add_argument("--database-url", default=_env("DATABASE_URL"),
                       help="an external PostgreSQL instead of the embedded one (TWENTY_DATABASE_URL)")
        p.add_argument("--log-level", default=_env("LOG_LEVEL", "info"),
                       help="debug, info (with an access-log line per request), warning or error "
                            "(TWENTY_LOG_LEVEL)")
        p.add_argument("--log-format", choices=LOG_FORMATS, default=_env("LOG_FORMAT"),
                       help="log lines as JSON objects or text; default: text on a terminal, else JSON "
                            "(TWENTY_LOG_FORMAT)")

    serve = sub.add_parser("serve", help="run the server")
    common(serve)
    serve.add_argument("--host", default=_env("HOST", "127.0.0.1"), help="TWENTY_HOST")
    serve.add_argument("--port", type=int, default=int(_env("PORT", "3000")), help="TWENTY_PORT")
    serve.add_argument("--secret", default=_env("SECRET"),
                       help="JWT signing key; default: generated once and kept in the database (TWENTY_SECRET)")
    serve.add_argument("--rate-limits", default=_env("RATE_LIMITS", ""),
                       help="per minute per key, e.g. graphql=100,rest=200,metadata=50 (TWENTY_RATE_LIMITS)")
    serve.add_argument("--no-signup", action="store_true", default=_flag("NO_SIGNUP"),
                       help="refuse POST /auth/signup (TWENTY_NO_SIGNUP=1)")
    serve.add_argument("--webhook-allow-private", action="store_true", default=_flag("WEBHOOK_ALLOW_PRIVATE"),
                       help="allow webhook targets on loopback/private addresses (TWENTY_WEBHOOK_ALLOW_PRIVATE=1)")
    serve.add_argument("--workers", type=int, default=int(_env("WORKERS", "1")),
                       help="server processes sharing the port, one per core is a good start (TWENTY_WORKERS)")
    serve.add_argument("--reuse-port-of", type=int, default=0, help=argparse.SUPPRESS)  # set for workers
    serve.add_argument("--max-in-flight", type=int, default=int(_env("MAX_IN_FLIGHT", "32")),
                       help="concurrent requests per workspace before 503 + Retry-After (TWENTY_MAX_IN_FLIGHT)")
    serve.add_argument("--max-running", type=int, default=int(_env("MAX_RUNNING", "16")),
                       help="requests computing at once per process; the others wait and are let in round robin "
                            "by workspace (TWENTY_MAX_RUNNING)")
    serve.add_argument("--workspace-share", type=int, default=int(_env("WORKSPACE_SHARE", "2")),
                       help="of those, how many one workspace may hold while others are active "
                            "(TWENTY_WORKSPACE_SHARE)")
    serve.add_argument("--max-waiting", type=int, default=int(_env("MAX_WAITING", "256")),
                       help="requests waiting per process before 503 + Retry-After (TWENTY_MAX_WAITING)")
    serve.add_argument("--db-timeout", type=float, default=float(_env("DB_TIMEOUT", "10")),
                       help="seconds to wait for PostgreSQL per statement before answering 503 (TWENTY_DB_TIMEOUT)")
    serve.add_argument("--server", choices=SERVERS, default=_env("SERVER", "native"),
                       help="HTTP transport: our own HTTP/1.1 server, or Hypercorn with the ASGI app (TWENTY_SERVER)")
    serve.add_argument("--keep-alive-timeout", type=float, default=float(_env("KEEP_ALIVE_TIMEOUT", "60")),
                       help="seconds an idle keep-alive connection stays open (TWENTY_KEEP_ALIVE_TIMEOUT)")
    serve.add_argument("--max-connections", type=int, default=int(_env("MAX_CONNECTIONS", "1000")),
                       help="open client connections per process; more wait in the listen backlog "
                            "(TWENTY_MAX_CONNECTIONS)")
    serve.add_argument("--metrics-token", default=_env("METRICS_TOKEN"),
                       help="ask GET /metrics for this bearer token; default: /metrics is open "
                            "(TWENTY_METRICS_TOKEN)")
    serve.add_argument("--max-body-bytes", type=int, default=int(_env("MAX_BODY_BYTES", str(1024 * 1024))),
                       help="largest accepted request body (TWENTY_MAX_BODY_BYTES)")
    serve.add_argument("--compat", type=_compat, default=_env("COMPAT", ""), metavar="twenty",
                       help="answer as Twenty does where its shapes differ from API.md's: REST envelopes, "
                            "webhook timestamps in milliseconds and a nonce header (TWENTY_COMPAT)")

    workspace = sub.add_parser("workspace", help="manage workspaces")
    ws_sub = workspace.add_subparsers(dest="workspace_command", required=True)
    create = ws_sub.add_parser("create", help="create a workspace and its owner; prints the sign-up JSON")
    common(create)
    create.add_argument("--name", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from parsed arguments."""
    extra: dict[str, Any] = {}
    if getattr(args, "host", None) is not None:
        extra.update(host=args.host, port=args.port, secret=args.secret or None,
                     rate_limits=parse_rate_limits(args.rate_limits or ""), signup=not args.no_signup,
                     webhook_allow_private=args.webhook_allow_private, max_body_bytes=args.max_body_bytes,
                     workers=max(1, args.workers), max_in_flight_per_workspace=max(1, args.max_in_flight),
                     max_running=max(1, args.max_running), max_waiting=max(0, args.max_waiting),
                     workspace_share=max(1, args.workspace_share),
                     db_timeout_s=max(0.1, args.db_timeout), server=args.server,
                     keep_alive_timeout_s=max(0.1, args.keep_alive_timeout),
                     max_connections=max(1, args.max_connections),
                     reuse_port=args.reuse_port_of > 1, metrics_token=args.metrics_token or None,
                     compat=args.compat,
                     cross_process_events=args.reuse_port_of > 1 or _flag("CROSS_PROCESS_EVENTS"))
    return Settings(data_dir=Path(args.data_dir), database_url=args.database_url or None, log_level=args.log_level,
                    log_format=args.log_format or default_format(sys.stderr), **extra)


async def serve(settings: Settings, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
    """Run the server until SIGINT/SIGTERM, then drain and stop."""
    from twenty_http.serve import serve_http

    from twenty_actors.services import open_services

    async with open_services(settings) as services, trio.open_nursery() as nursery:
        nursery.start_soon(_wait_for_signal, services.stopping)
        urls = await nursery.start(serve_http, services)
        log.info("twenty-actors (%s server) listening on %s", settings.server, ", ".join(urls))
        print(f"twenty-actors listening on http://{settings.host}:{settings.port}", flush=True)
        task_status.started(urls)
        await services.stopping.wait()
        log.info("stopping: finishing in-flight requests")
    log.info("stopped")


async def _wait_for_signal(stop: trio.Event) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _ in signals:
            stop.set()
            return


async def create_workspace(settings: Settings, name: str, email: str, password: str) -> bytes | TwentyError:
    """Create a workspace and owner; the sign-up JSON, or the error that refused it."""
    from twenty_actors.services import open_services

    async with open_services(settings) as services:
        try:
            result = await services.auth.signup(email, password, name,
                                                extra_statements=services.new_workspace_statements)
        except TwentyError as exc:
            # answered here: raised through the services' nursery it would arrive wrapped in a group
            return exc
    return msgspec.json.encode(result)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    warnings.filterwarnings("ignore", module="platformdirs")
    args = build_parser().parse_args(argv)
    settings = settings_from_args(args)
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "serve":
        if settings.workers > 1:
            from .workers import run_workers

            trio.run(run_workers, settings, settings.workers)
        else:
            trio.run(serve, settings)
        return 0
    out = trio.run(create_workspace, settings, args.name, args.email, args.password)
    if isinstance(out, TwentyError):
        print(msgspec.json.encode({"error": {"message": out.message, "code": out.code,
                                             "details": out.details}}).decode(), file=sys.stderr)
        return 1
    print(out.decode())
    return 0
