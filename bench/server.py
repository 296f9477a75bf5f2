"""The bench's own server: ``python -m twenty_server serve`` on a temp dir and a free port."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trio

from .api import Api, probe
from .http1 import Target

LIFTED = "graphql=1000000000,rest=1000000000,metadata=1000000000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postmaster_pid(data_dir: Path) -> int | None:
    """The pid of the embedded PostgreSQL's postmaster, from its pid file."""
    try:
        return int((data_dir / "pgdata" / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


class OwnServer:
    """A server process started by the bench, with its own embedded PostgreSQL in a temp dir."""

    def __init__(
        self,
        *,
        data_dir: Path | None = None,
        keep: bool = False,
        log_level: str = "warning",
        extra_args: list[str] | None = None,
    ) -> None:
        self.owns_dir = data_dir is None
        self.data_dir = (data_dir or Path(tempfile.mkdtemp(prefix="twenty-bench-"))).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.keep = keep
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.data_dir / "server.log"
        self.log_level = log_level
        self.extra_args = extra_args or []
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def pg_pid(self) -> int | None:
        return postmaster_pid(self.data_dir)

    def start(self) -> None:
        args = [
            sys.executable,
            "-m",
            "twenty_server",
            "serve",
            "--data-dir",
            str(self.data_dir),
            "--port",
            str(self.port),
            "--rate-limits",
            LIFTED,
            "--log-level",
            self.log_level,
            *self.extra_args,
        ]
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        self.process = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        log.close()

    async def wait_ready(self, limit: float = 180) -> None:
        """Poll /healthz until it answers 200; RuntimeError with the log's tail if the process dies."""
        api = Api(Target.parse(self.url), size=1, timeout=5)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log_tail()}")
            if await probe(api, "GET", "/healthz") == 200:
                await api.aclose()
                return
            await trio.sleep(0.2)
        raise RuntimeError(f"the server did not become ready in {limit:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM (the server drains, stops PostgreSQL), SIGKILL after ``timeout``; remove the temp dir."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None:
            try:
                from twenty_storage.embedded import stop_embedded

                stop_embedded(self.data_dir)  # a no-op when the server stopped it
            except Exception:  # noqa: BLE001 - best effort clean-up
                pass
        if self.owns_dir and not self.keep:
            shutil.rmtree(self.data_dir, ignore_errors=True)
