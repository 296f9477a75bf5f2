"""The ``twenty-actors`` command, run as a real subprocess against the test database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

PASSWORD = "secret123"


def _env() -> dict[str, str]:
    """This environment without TWENTY_* settings, so only the command line configures the server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWENTY_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _twenty(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    with trio.fail_after(60):
        return await trio.run_process([sys.executable, "-m", "twenty_server", *args], cwd=cwd, env=_env(),
                                      capture_stdout=True, capture_stderr=True, check=False)


async def _create_workspace(pg_dsn: str, cwd: Path, email: str) -> subprocess.CompletedProcess[bytes]:
    return await _twenty("workspace", "create", "--name", "CLI Co", "--email", email, "--password", PASSWORD,
                         "--database-url", pg_dsn, cwd=cwd)


async def test_workspace_create_prints_the_signup_json(pg_dsn: str, tmp_path: Path) -> None:
    email = f"cli-{uuid.uuid4().hex[:10]}@example.com"
    created = await _create_workspace(pg_dsn, tmp_path, email)
    assert created.returncode == 0, created.stderr.decode()
    body: dict[str, Any] = json.loads(created.stdout)
    assert set(body) == {"accessToken", "refreshToken", "expiresIn", "workspaceId", "userId"}
    assert body["expiresIn"] == 1800
    assert body["accessToken"].count(".") == 2  # a JWT
    uuid.UUID(body["workspaceId"])
    uuid.UUID(body["userId"])
    assert not (tmp_path / ".twenty").exists()  # --database-url: nothing embedded was started


async def test_workspace_create_refuses_a_taken_email(pg_dsn: str, tmp_path: Path) -> None:
    email = f"cli-{uuid.uuid4().hex[:10]}@example.com"
    assert (await _create_workspace(pg_dsn, tmp_path, email)).returncode == 0
    again = await _create_workspace(pg_dsn, tmp_path, email.upper())
    assert again.returncode == 1
    assert again.stdout == b""
    assert json.loads(again.stderr.decode().strip().splitlines()[-1])["error"]["code"] == "CONFLICT"


async def test_serve_answers_then_drains_on_sigterm(pg_dsn: str, tmp_path: Path) -> None:
    # a workspace made by the command line: its token must work on the server, since both
    # sign with the secret kept in the database
    created = await _create_workspace(pg_dsn, tmp_path, f"serve-{uuid.uuid4().hex[:10]}@example.com")
    assert created.returncode == 0, created.stderr.decode()
    token = json.loads(created.stdout)["accessToken"]

    port = _free_port()
    stderr_path = tmp_path / "serve.log"
    with stderr_path.open("wb") as stderr:
        process = await trio.lowlevel.open_process(
            [sys.executable, "-m", "twenty_server", "serve", "--database-url", pg_dsn, "--port", str(port),
             "--data-dir", str(tmp_path / ".twenty")],
            cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=stderr)
    try:
        assert process.stdout is not None
        output = b""
        with trio.fail_after(30):
            while b"listening on" not in output:
                chunk = await process.stdout.receive_some()
                assert chunk, f"serve exited early: {stderr_path.read_text()}"
                output += chunk
        assert f"http://127.0.0.1:{port}".encode() in output

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            with trio.fail_after(20):
                health = await client.get("/healthz")
                assert health.status_code == 200
                assert health.json() == {"status": "ok"}
                keys = await client.post("/metadata", json={"query": "{ apiKeys { id } }"},
                                         headers={"Authorization": f"Bearer {token}"})
                assert keys.status_code == 200, keys.text
                assert keys.json() == {"data": {"apiKeys": []}}

        process.send_signal(signal.SIGTERM)
        stopping = trio.current_time()
        with trio.fail_after(10):
            await process.wait()
        assert process.returncode == 0, stderr_path.read_text()
        assert trio.current_time() - stopping < 5
    finally:
        if process.returncode is None:
            process.kill()
            with trio.CancelScope(shield=True), trio.move_on_after(5):
                await process.wait()
        if process.stdout is not None:
            await process.stdout.aclose()
