"""A server run as a real subprocess (``python -m twenty_server serve``), and scratch databases for it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import trio

from ..storage.databases import fresh_database as fresh_database

REPO = Path(__file__).resolve().parents[2]
UNLIMITED = "graphql=100000000,rest=100000000,metadata=100000000"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWENTY_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


class ServerProcess:
    """One ``twenty-actors serve`` process; start() again after it exits to restart it on the same port."""

    def __init__(self, dsn: str, workdir: Path, *, secret: str, extra: list[str] | None = None) -> None:
        self.dsn = dsn
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret = secret
        self.extra = extra or []
        self.process: trio.Process | None = None
        self.starts = 0
        self.log_path = workdir / f"serve-{self.port}.log"

    async def start(self, *, timeout: float = 30) -> None:
        """Start the process and wait until it prints that it listens."""
        assert self.process is None or self.process.returncode is not None
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts} ---\n".encode())
            log.flush()
            self.process = await trio.lowlevel.open_process(
                [
                    sys.executable,
                    "-m",
                    "twenty_server",
                    "serve",
                    "--database-url",
                    self.dsn,
                    "--port",
                    str(self.port),
                    "--secret",
                    self.secret,
                    "--rate-limits",
                    UNLIMITED,
                    "--data-dir",
                    str(self.workdir / ".twenty"),
                    "--log-level",
                    "warning",
                    *self.extra,
                ],
                cwd=REPO,
                env=_env(),
                stdout=subprocess.PIPE,
                stderr=log,
            )
        assert self.process.stdout is not None
        output = b""
        with trio.fail_after(timeout):
            while b"listening on" not in output:
                chunk = await self.process.stdout.receive_some()
                assert chunk, f"serve exited early:\n{self.log()}"
                output += chunk

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    async def wait(self, timeout: float = 30) -> int:
        """Wait for the process to exit; its return code."""
        assert self.process is not None
        with trio.fail_after(timeout):
            code = await self.process.wait()
        if self.process.stdout is not None:
            await self.process.stdout.aclose()
        return code

    async def kill(self) -> None:
        """SIGKILL, and reap it."""
        if self.process is not None and self.process.returncode is None:
            self.signal(signal.SIGKILL)
            with trio.CancelScope(shield=True):
                await self.wait()

    async def wait_refusing(self, timeout: float = 10) -> None:
        """Wait until nothing listens on the port any more."""
        with trio.fail_after(timeout):
            while True:
                try:
                    stream = await trio.open_tcp_stream("127.0.0.1", self.port)
                except OSError:
                    return
                await stream.aclose()
                await trio.sleep(0.02)


@asynccontextmanager
async def open_server_process(dsn: str, workdir: Path, **kwargs: Any) -> AsyncIterator[ServerProcess]:
    """A started server process, killed at the end whatever happened."""
    server = ServerProcess(
        dsn, workdir, secret=kwargs.pop("secret", "hardening-" + uuid.uuid4().hex), **kwargs
    )
    try:
        await server.start()
        yield server
    finally:
        await server.kill()


async def sign_up(client: httpx.AsyncClient, name: str = "Hardening") -> dict[str, Any]:
    """A new workspace and owner through POST /auth/signup; the answer plus the credentials."""
    email = f"hard-{uuid.uuid4().hex[:10]}@example.com"
    response = await client.post(
        "/auth/signup", json={"email": email, "password": "secret123", "workspaceName": name}
    )
    assert response.status_code == 201, response.text
    return {**response.json(), "email": email, "password": "secret123"}


def report(name: str, **figures: Any) -> None:
    """Print a test's figures (``pytest -s`` shows them); also append them to $TWENTY_HARDENING_REPORT."""
    line = json.dumps({"test": name, **figures}, sort_keys=False)
    print(f"\nHARDENING {line}")
    path = os.environ.get("TWENTY_HARDENING_REPORT")
    if path:
        with open(path, "a") as out:
            out.write(line + "\n")


def full() -> bool:
    """Whether to run the full trial counts (TWENTY_HARDENING_FULL=1) instead of CI's small ones."""
    return os.environ.get("TWENTY_HARDENING_FULL", "").lower() in ("1", "true", "yes", "on")


class InProcessServer:
    """A server run in this process (the real HTTP server on a loopback port), for tests that look inside it."""

    def __init__(self, url: str, services: Any) -> None:
        self.url = url
        self.services = services


@asynccontextmanager
async def open_inprocess_server(settings: Any) -> AsyncIterator[InProcessServer]:
    """open_services + the HTTP server, as ``twenty-actors serve`` runs them; stopped at the end of the block."""
    from twenty_http.serve import serve_http

    from twenty_actors.services import open_services

    async with open_services(settings) as services, trio.open_nursery() as nursery:
        urls = await nursery.start(lambda task_status: serve_http(services, host="127.0.0.1", port=0,
                                                                  task_status=task_status))
        yield InProcessServer(urls[0], services)
        services.stopping.set()
