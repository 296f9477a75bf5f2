"""GET /metrics: counts that add up across ``--workers 2``, a worker's death, the token, shed requests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import msgspec
import pytest
import trio
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from twenty_actors.settings import Settings

from ..conftest import Server, sign_up
from ..hardening._proc import REPO, UNLIMITED, free_port

LIST = {"query": "{ companies(first: 5) { edges { node { id name } } } }"}
BROKEN = {"query": "{ companies { edges { node { id } }"}  # does not parse: 400
CREATE = {"query": "mutation($n: String) { createCompany(data: {name: $n}) { id } }"}


def samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    """The samples of metric ``name`` (its full sample name, e.g. ``..._total``) in an exposition."""
    return [(s.labels, s.value) for family in text_string_to_metric_families(text) for s in family.samples
            if s.name == name]


def requests_by_series(text: str) -> Counter[tuple[str, str, str, str]]:
    """twenty_http_requests_total by (api, route, method, status); the scrapes and health checks left out."""
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for labels, value in samples(text, "twenty_http_requests_total"):
        if (labels["route"], labels["method"]) not in (("/metrics", "GET"), ("/healthz", "GET")):
            counts[labels["api"], labels["route"], labels["method"], labels["status"]] += int(value)
    return counts


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _metrics_dir(pid: int) -> Path:
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    (value,) = [v.split(b"=", 1)[1] for v in environ if v.startswith(b"PROMETHEUS_MULTIPROC_DIR=")]
    return Path(value.decode())


def _served_by(directory: Path, pid: int) -> int:
    """The API requests (GraphQL and REST) a worker counted, read from its own file."""
    path = directory / f"counter_{pid}.db"
    total = 0
    for key, value, _timestamp, _pos in MmapedDict.read_all_values_from_file(str(path)):
        metric, _name, labels, _help = json.loads(key)
        if metric == "twenty_http_requests" and labels["route"] in ("/graphql", "/rest/{}"):
            total += int(value)
    return total


class Workers:
    """``twenty-actors serve --workers 2`` as a subprocess: the parent, its log, its port."""

    def __init__(self, process: trio.Process, url: str, log: Path, port: int) -> None:
        self.process = process
        self.url = url
        self.log = log
        self.port = port

    def listening(self) -> int:
        """How many workers have said they listen (a restarted one says it again)."""
        return self.log.read_text(errors="replace").count(f"listening on http://127.0.0.1:{self.port}\n")

    async def wait_listening(self, count: int) -> None:
        with trio.fail_after(60):
            while self.listening() < count:
                assert self.process.returncode is None, self.log.read_text()[-3000:]
                await trio.sleep(0.05)


@asynccontextmanager
async def open_workers(pg_dsn: str, tmp_path: Path, *extra: str) -> AsyncIterator[Workers]:
    port = free_port()
    log = tmp_path / "workers.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWENTY_", "PROMETHEUS_"))}
    env["PYTHONUNBUFFERED"] = "1"
    with log.open("wb") as out:
        process = await trio.lowlevel.open_process(
            [sys.executable, "-m", "twenty_server", "serve", "--workers", "2", "--database-url", pg_dsn,
             "--port", str(port), "--rate-limits", UNLIMITED, "--log-level", "warning", *extra],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    workers = Workers(process, f"http://127.0.0.1:{port}", log, port)
    try:
        await workers.wait_listening(2)
        yield workers
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            with trio.CancelScope(shield=True), trio.move_on_after(30):
                await process.wait()
            if process.returncode is None:
                process.kill()


async def test_two_workers_count_every_request_once(pg_dsn: str, tmp_path: Path) -> None:
    token = "scrape-" + uuid.uuid4().hex
    async with open_workers(pg_dsn, tmp_path, "--metrics-token", token) as workers:
        pids = _children(workers.process.pid)
        assert len(pids) == 2
        (directory,) = {_metrics_dir(pid) for pid in pids}
        assert directory.is_dir()
        async with httpx.AsyncClient(base_url=workers.url, timeout=30) as client:
            account = await sign_up(client, "Metrics")
        auth = account.headers

        async def one_connection(index: int) -> None:
            # a connection of its own: SO_REUSEPORT spreads connections, not requests, over the workers
            async with httpx.AsyncClient(base_url=workers.url, timeout=30, headers=auth) as own:
                for step in range(10):
                    if step < 5:
                        response = await own.post("/graphql", json=LIST)
                        assert response.status_code == 200
                        assert "errors" not in response.json(), response.text
                    elif step < 8:
                        assert (await own.get("/rest/companies?limit=2")).status_code == 200
                    elif step == 8:
                        assert (await own.post("/graphql", json=BROKEN)).status_code == 400
                    else:
                        created = await own.post("/graphql", json={**CREATE, "variables": {"n": f"c{index}"}})
                        assert created.status_code == 200
                        assert "errors" not in created.json(), created.text

        async with trio.open_nursery() as nursery:
            for index in range(30):
                nursery.start_soon(one_connection, index)

        expected = Counter({("none", "/auth/signup", "POST", "201"): 1,
                            ("graphql", "/graphql", "POST", "200"): 180,
                            ("graphql", "/graphql", "POST", "400"): 30,
                            ("rest", "/rest/{}", "GET", "200"): 90})
        served = [_served_by(directory, pid) for pid in pids]
        assert sum(served) == 300
        assert min(served) > 0, served  # both workers took a share

        async with httpx.AsyncClient(base_url=workers.url, timeout=30) as scraper:
            refused = await scraper.get("/metrics")
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "UNAUTHORIZED"
            wrong = await scraper.get("/metrics", headers={"Authorization": "Bearer wrong"})
            assert wrong.status_code == 401
        texts = []
        for _ in range(6):  # new connections: each worker answers some, and every answer has the sum of both
            async with httpx.AsyncClient(base_url=workers.url, timeout=30,
                                         headers={"Authorization": f"Bearer {token}"}) as scraper:
                scraped = await scraper.get("/metrics")
            assert scraped.status_code == 200
            assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
            texts.append(scraped.text)
        for text in texts:
            assert requests_by_series(text) == expected
        text = texts[-1]
        latency = {labels["route"]: value
                   for labels, value in samples(text, "twenty_http_request_duration_seconds_count")
                   if labels["method"] == "POST"}
        assert latency["/graphql"] == 210
        assert account.workspace_id not in text  # no ids as labels
        assert account.user_id not in text
        db_ok = sum(v for labels, v in samples(text, "twenty_db_calls_total") if labels["outcome"] == "ok")
        assert db_ok >= 240  # a statement for each read (150 GraphQL, 90 REST), and the group commits
        assert sum(v for _, v in samples(text, "twenty_db_call_duration_seconds_count")) >= db_ok
        pool = {labels["state"]: v for labels, v in samples(text, "twenty_db_pool_connections")}
        assert pool["in_use"] == 0
        assert pool["idle"] >= 2
        assert samples(text, "twenty_db_unresponsive") == [({}, 0.0)]
        starts = samples(text, "twenty_actor_starts_total")[0][1]
        assert 1 <= starts <= 2  # the workspace's actor, in one worker or in each
        assert samples(text, "twenty_actors_running")[0][1] == starts
        assert samples(text, "twenty_group_commit_size_sum") == [({}, 30.0)]  # every create, committed once
        assert samples(text, "twenty_write_queue_depth") == [({}, 0.0)]
        assert samples(text, "twenty_http_requests_in_flight") == [({}, 1.0)]  # the scrape itself

        # a worker that dies: its counts stay, its gauges go; the parent starts another
        victim = min(pids)
        os.kill(victim, signal.SIGKILL)
        await workers.wait_listening(3)
        assert not (directory / f"gauge_livesum_{victim}.db").exists()
        assert (directory / f"counter_{victim}.db").exists()
        async with httpx.AsyncClient(base_url=workers.url, timeout=30,
                                     headers={"Authorization": f"Bearer {token}"}) as scraper:
            after = (await scraper.get("/metrics")).text
        assert requests_by_series(after) == expected
        assert samples(after, "twenty_actors_running")[0][1] <= samples(text, "twenty_actors_running")[0][1]

        workers.process.send_signal(signal.SIGTERM)
        with trio.fail_after(30):
            await workers.process.wait()
    assert workers.process.returncode == 0, workers.log.read_text()[-3000:]
    assert not directory.exists()  # the run's metrics are gone with it


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, rate_limits={"graphql": 2, "rest": 100_000, "metadata": 100_000})


def _shed(text: str) -> dict[str, float]:
    return {labels["reason"]: value for labels, value in samples(text, "twenty_http_requests_shed_total")}


async def test_shed_requests_and_an_open_endpoint(server: Server, client: httpx.AsyncClient) -> None:
    # in this process metrics are shared with the other tests of the session: compare before and after
    account = await sign_up(client)
    before = (await client.get("/metrics")).text  # open: no --metrics-token
    statuses = [(await client.post("/graphql", json=LIST, headers=account.headers)).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    after = (await client.get("/metrics")).text
    assert _shed(after)["rate_limit"] - _shed(before)["rate_limit"] == 2
    assert set(_shed(after)) == {"rate_limit", "workspace_busy", "server_busy", "mailbox_full",
                                 "write_queue_full", "stopping"}
    grown = requests_by_series(after) - requests_by_series(before)
    assert grown[("graphql", "/graphql", "POST", "429")] == 2
    assert grown[("graphql", "/graphql", "POST", "200")] == 2


async def test_routes_are_labelled_by_pattern(server: Server, client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    before = requests_by_series((await client.get("/metrics")).text)
    record = str(uuid.uuid4())
    assert (await client.get(f"/rest/companies/{record}", headers=account.headers)).status_code == 404
    assert (await client.get("/no/such/path")).status_code == 404
    assert (await client.delete("/healthz")).status_code == 405
    assert (await client.request("OPTIONS", "/rest/companies")).status_code == 200
    assert (await client.request("PROPFIND", "/graphql")).status_code == 405  # a method outside the usual
    after_text = (await client.get("/metrics")).text
    grown = requests_by_series(after_text) - before
    assert grown == Counter({("rest", "/rest/{}/{}", "GET", "404"): 1,
                             ("none", "<unmatched>", "GET", "404"): 1,
                             ("none", "/healthz", "DELETE", "405"): 1,
                             ("none", "/rest/{}", "OPTIONS", "200"): 1,
                             ("none", "/graphql", "OTHER", "405"): 1})
    assert record not in after_text
    assert "/no/such/path" not in after_text


def _labels_of(text: str) -> set[str]:
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            names.update(sample.labels)
    return names


async def test_every_label_is_a_known_one(server: Server, client: httpx.AsyncClient) -> None:
    text = (await client.get("/metrics")).text
    ours = {family.name for family in text_string_to_metric_families(text)
            if family.name.startswith("twenty_")}
    assert {"twenty_http_requests", "twenty_http_request_duration_seconds", "twenty_http_requests_in_flight",
            "twenty_db_calls", "twenty_db_call_duration_seconds", "twenty_db_pool_connections",
            "twenty_db_unresponsive", "twenty_actor_starts", "twenty_actor_crashes", "twenty_actor_cooldowns",
            "twenty_actors_running", "twenty_write_queue_depth", "twenty_group_commit_size",
            "twenty_group_commit_duration_seconds", "twenty_feed_subscriptions",
            "twenty_feed_slow_subscribers", "twenty_webhook_deliveries",
            "twenty_webhook_delivery_duration_seconds", "twenty_webhook_deliveries_pending",
            "twenty_http_requests_shed"} <= ours
    ours_text = "\n".join(line for line in text.splitlines() if "twenty_" in line)
    assert _labels_of(ours_text) <= {"api", "route", "method", "status", "operation", "outcome", "state",
                                     "reason", "le"}
