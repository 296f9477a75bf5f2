"""--workers: several server processes on one port, sharing PostgreSQL; change feeds cross processes."""

from __future__ import annotations

import json
import signal
import socket
import sys
import uuid
from pathlib import Path

import httpx
import trio
from trio_websocket import open_websocket_url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_two_workers_share_port_and_events(pg_dsn: str, tmp_path: Path) -> None:
    port = _free_port()
    log = (tmp_path / "workers.log").open("wb")
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", "twenty_server", "serve", "--workers", "2", "--database-url", pg_dsn,
         "--port", str(port), "--rate-limits", "graphql=100000,rest=100000,metadata=100000"],
        stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            with trio.fail_after(60):
                while True:
                    try:
                        if (await client.get("/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        await trio.sleep(0.1)  # the workers are starting
            email = f"w-{uuid.uuid4().hex[:8]}@example.com"
            signup = (await client.post("/auth/signup", json={"email": email, "password": "secret123",
                                                              "workspaceName": "W"})).json()
            headers = {"Authorization": f"Bearer {signup['accessToken']}"}
            # a subscriber on one connection, writers on many: with SO_REUSEPORT the connections
            # land on both workers, and every committed event must reach the subscriber
            async with open_websocket_url(base.replace("http", "ws") + "/ws") as ws:
                await ws.send_message(json.dumps({"type": "auth", "token": signup["accessToken"]}))
                assert json.loads(await ws.get_message())["type"] == "ready"
                await ws.send_message(json.dumps({"type": "subscribe", "id": "s", "objects": ["company"]}))
                assert json.loads(await ws.get_message())["type"] == "subscribed"
                names = [f"c{i}" for i in range(12)]

                async def create(name: str) -> None:
                    async with httpx.AsyncClient(base_url=base, timeout=30) as own:  # its own connection
                        response = await own.post("/graphql", headers=headers, json={
                            "query": "mutation($n: String) { createCompany(data: {name: $n}) { id } }",
                            "variables": {"n": name}})
                        assert response.status_code == 200 and "errors" not in response.json()

                async with trio.open_nursery() as nursery:
                    for name in names:
                        nursery.start_soon(create, name)
                got = set()
                with trio.fail_after(20):
                    while len(got) < len(names):
                        got.add(json.loads(await ws.get_message())["data"]["name"])
                assert got == set(names)
            pids = (tmp_path / "workers.log").read_bytes()
            assert b"(2 workers)" in pids
    finally:
        process.send_signal(signal.SIGTERM)
        with trio.fail_after(30):
            await process.wait()
        log.close()
    assert process.returncode == 0, (tmp_path / "workers.log").read_text()[-2000:]


async def test_change_feed_hears_commits_of_another_process(pg_dsn: str) -> None:
    # two servers on one database, each with its own actors: a subscriber on A, writes on B
    from contextlib import AsyncExitStack

    from twenty_actors.services import open_services
    from twenty_actors.settings import Settings
    from twenty_http.serve import serve_http

    settings = Settings(database_url=pg_dsn, port=0, secret="shared-" + uuid.uuid4().hex, graceful_timeout_s=2,
                        cross_process_events=True)
    async with AsyncExitStack() as stack:
        nursery = await stack.enter_async_context(trio.open_nursery())
        urls = []
        for _ in range(2):
            services = await stack.enter_async_context(open_services(settings))
            stack.callback(services.stopping.set)
            binds = await nursery.start(lambda task_status, s=services: serve_http(
                s, host="127.0.0.1", port=0, task_status=task_status))
            urls.append(binds[0])
        a, b = urls
        async with httpx.AsyncClient(timeout=30) as client:
            signup = (await client.post(f"{b}/auth/signup", json={
                "email": f"x-{uuid.uuid4().hex[:8]}@example.com", "password": "secret123",
                "workspaceName": "X"})).json()
            async with open_websocket_url(a.replace("http", "ws") + "/ws") as ws:
                await ws.send_message(json.dumps({"type": "auth", "token": signup["accessToken"]}))
                assert json.loads(await ws.get_message())["type"] == "ready"
                await ws.send_message(json.dumps({"type": "subscribe", "id": "s"}))
                assert json.loads(await ws.get_message())["type"] == "subscribed"
                response = await client.post(f"{b}/graphql", headers={
                    "Authorization": f"Bearer {signup['accessToken']}"},
                    json={"query": 'mutation { createCompany(data: {name: "from B"}) { id } }'})
                assert "errors" not in response.json()
                with trio.fail_after(10):
                    event = json.loads(await ws.get_message())
        assert event["event"] == "company.created" and event["data"]["name"] == "from B"
        nursery.cancel_scope.cancel()
