"""Clients hammering one workspace over keep-alive connections, in this process or in a process of their own.

A load measured beside another must not share its event loop with it: 64 clients in the loop of the one
quiet client that measures its latency make that client wait behind their own parsing, and the figure
measures the load generator, not the server. ``python -m tests.hardening._load`` runs a :class:`Load` in
a process of its own (see :func:`load_elsewhere`).
"""

from __future__ import annotations

import json
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import trio

from bench.http1 import Connection, HttpError, RequestTemplate, Target

ROOT = Path(__file__).resolve().parents[2]

READ = {"query": "{ companies(first: 10) { edges { node { id name employees } } } }"}
WRITE = "mutation($n: String) { createCompany(data: {name: $n}) { id } }"


def _p(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Load:
    """Clients hammering one workspace until cancelled: latencies of answered requests, and the statuses.

    Each client is one keep-alive connection of bench's raw HTTP/1.1 client: httpx's pool costs several
    milliseconds of CPU per request at this concurrency, so it would measure itself, not the server.
    """

    def __init__(self, clients: int = 0) -> None:
        self.latencies: list[float] = []
        self.statuses: Counter[str] = Counter()
        self.all_answered = trio.Event()  # set once ``clients`` clients have each had an answer
        self._waiting_for_first = clients

    async def client(self, url: str, token: str, *, write: bool = False) -> None:
        target = Target.parse(url)
        template = RequestTemplate(
            target,
            "POST",
            "/graphql",
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        read = template.with_body(json.dumps(READ).encode())
        connection = Connection(target)
        answered = False
        try:
            while True:
                raw = (
                    template.with_body(
                        json.dumps({"query": WRITE, "variables": {"n": uuid.uuid4().hex}}).encode()
                    )
                    if write
                    else read
                )
                started = trio.current_time()
                try:
                    status, body = await connection.request(raw)
                except HttpError as exc:
                    self.statuses[type(exc).__name__] += 1
                    continue
                self.statuses[str(status)] += 1
                if not answered:
                    answered = True
                    self._waiting_for_first -= 1
                    if self._waiting_for_first == 0:
                        self.all_answered.set()
                assert status < 500 or status == 503, body
                if status in (429, 503):
                    assert b"retryAfter" in body, body
                    await trio.sleep(1)  # as a polite client does with Retry-After
                else:
                    self.latencies.append(trio.current_time() - started)
        finally:
            await connection.aclose()

    def figures(self, seconds: float) -> dict[str, Any]:
        answered = len(self.latencies)
        return {
            "req_per_s": round(answered / seconds),
            "p50_ms": round(_p(self.latencies, 0.5) * 1000, 1),
            "p99_ms": round(_p(self.latencies, 0.99) * 1000, 1),
            "statuses": dict(self.statuses),
        }


@asynccontextmanager
async def load_elsewhere(url: str, token: str, count: int, *, write: bool = False,
                         seconds: float) -> AsyncIterator[dict[str, Any]]:
    """``count`` clients of a :class:`Load` running in a process of their own for ``seconds``.

    The block runs once they have all sent a first request; on exit it waits for the process and the
    dict it yielded holds the load's figures (as :meth:`Load.figures`).
    """
    figures: dict[str, Any] = {}
    config = json.dumps({"url": url, "token": token, "count": count, "write": write, "seconds": seconds})
    process = await trio.lowlevel.open_process([sys.executable, "-m", "tests.hardening._load", config],
                                               cwd=ROOT, stdout=-1)
    try:
        assert process.stdout is not None
        lines = _lines(process.stdout)
        assert await anext(lines) == "ready"
        yield figures
        figures.update(json.loads(await anext(lines)))
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _lines(stream: trio.abc.ReceiveStream) -> AsyncIterator[str]:
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line.decode()
        chunk = await stream.receive_some()
        if not chunk:
            return
        buffer += chunk


async def _main(config: dict[str, Any]) -> None:
    load = Load(config["count"])
    async with trio.open_nursery() as nursery:
        for _ in range(config["count"]):
            nursery.start_soon(partial(load.client, config["url"], config["token"], write=config["write"]))
        await load.all_answered.wait()
        load.latencies.clear()
        load.statuses.clear()
        print("ready", flush=True)
        await trio.sleep(config["seconds"])
        nursery.cancel_scope.cancel()
    print(json.dumps(load.figures(config["seconds"])), flush=True)


if __name__ == "__main__":
    trio.run(_main, json.loads(sys.argv[1]))
