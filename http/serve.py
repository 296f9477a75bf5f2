"""Serve HTTP with the transport the settings name: the native server (default) or Hypercorn + Quart-Trio."""

from __future__ import annotations

import logging

import trio

from twenty_actors.services import Services
from twenty_actors.settings import SERVERS

from .access_log import ACCESS_LOG
from .native import serve_native
from .pipeline import Pipeline
from .routes import build_routes

log = logging.getLogger("twenty.http")


async def serve_http(services: Services, *, server: str | None = None, host: str | None = None,
                     port: int | None = None, task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED,
                     ) -> None:
    """Serve every route until ``services.stopping`` is set, then drain; started with the listening URLs."""
    settings = services.settings
    server = server or settings.server
    host = settings.host if host is None else host
    port = settings.port if port is None else port
    if server not in SERVERS:
        raise ValueError(f"unknown server {server!r}: choose one of {', '.join(SERVERS)}")
    pipeline = Pipeline(services, build_routes())
    serve = serve_native if server == "native" else _serve_hypercorn
    async with trio.open_nursery() as nursery:
        nursery.start_soon(ACCESS_LOG.run)  # writes the access lines in batches, the last ones when cancelled
        await serve(services, pipeline, host, port, task_status=task_status)
        nursery.cancel_scope.cancel()


async def _serve_hypercorn(services: Services, pipeline: Pipeline, host: str, port: int, *,
                           task_status: trio.TaskStatus[list[str]]) -> None:
    from hypercorn.config import Config
    from hypercorn.trio import serve

    from .app import create_app

    settings = services.settings
    config = Config()
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.graceful_timeout = settings.graceful_timeout_s
    config.keep_alive_timeout = settings.keep_alive_timeout_s
    config.h11_max_incomplete_size = 32 * 1024
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    if settings.reuse_port:
        config.workers = 2  # makes Hypercorn set SO_REUSEPORT; the processes are ours, not Hypercorn's
    app = create_app(services, pipeline)
    await serve(app, config, shutdown_trigger=services.stopping.wait, task_status=task_status)
