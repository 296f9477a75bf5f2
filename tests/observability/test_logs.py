"""Structured logs: a real server's JSON log has one access line per request, and its request ids."""

from __future__ import annotations

import io
import json
import logging
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from prometheus_client.parser import text_string_to_metric_families
from twenty_server.logs import configure_logging
from twenty_storage.driver import Connection, conninfo
from twenty_storage.sql import ident

from twenty_actors.observe import request_id

from ..hardening._proc import open_server_process, sign_up

LIST = {"query": "{ companies(first: 3) { edges { node { id } } } }"}


def read_log(path: Path) -> list[dict[str, Any]]:
    """Every line the server logged, each a JSON object (the test's own markers left out)."""
    lines = []
    for line in path.read_text().splitlines():
        if line.startswith("--- start"):
            continue
        entry = json.loads(line)  # every line is JSON: tracebacks included
        assert {"event", "level", "logger", "timestamp"} <= set(entry), entry
        lines.append(entry)
    return lines


async def test_an_access_line_per_request_and_request_ids_elsewhere(pg_dsn: str, tmp_path: Path) -> None:
    extra = ["--log-level", "info", "--log-format", "json", "--db-timeout", "1"]
    async with open_server_process(pg_dsn, tmp_path, extra=extra) as server:
        answered: list[httpx.Response] = []
        async with httpx.AsyncClient(base_url=server.url, timeout=30,
                                     event_hooks={"response": [_keep(answered)]}) as client:
            account = await sign_up(client, "Logs")
            user = {"Authorization": f"Bearer {account['accessToken']}"}
            created = await client.post("/metadata", headers=user, json={"query": (
                'mutation { createOneApiKey(data: {name: "logs", expiresAt: "2030-12-31T23:59:59Z"}) '
                '{ id token } }')})
            key = created.json()["data"]["createOneApiKey"]
            by_key = {"Authorization": f"Bearer {key['token']}"}
            for _ in range(3):
                assert (await client.post("/graphql", json=LIST, headers=by_key)).status_code == 200
            mine = await client.get("/rest/companies", headers={**user, "X-Request-Id": "mine-1"})
            assert mine.status_code == 200
            refused = await client.get("/rest/companies", headers={"X-Request-Id": "no good"})
            assert refused.status_code == 401
            assert (await client.get("/no/such/route")).status_code == 404

            # a request whose statement waits for a lock past --db-timeout: besides its access line, the
            # storage layer's warning about the timeout names the request
            schema = await _schema_of(pg_dsn, account["workspaceId"])
            blocker = await Connection.connect(conninfo(pg_dsn), timeout_s=10)
            try:
                await blocker.execute("BEGIN")
                await blocker.execute(f"LOCK TABLE {ident(schema)}.company IN ACCESS EXCLUSIVE MODE")
                stuck = await client.post("/graphql", json=LIST, headers=user)
                await blocker.execute("ROLLBACK")
            finally:
                blocker.close()
            assert stuck.status_code == 503
            scraped = (await client.get("/metrics")).text
            timeouts = [s.value for family in text_string_to_metric_families(scraped) for s in family.samples
                        if s.name == "twenty_db_calls_total" and s.labels["outcome"] == "timeout"]
            assert sum(timeouts) == 1
        server.signal(signal.SIGTERM)
        assert await server.wait() == 0, server.log()

    lines = read_log(server.log_path)
    access = [line for line in lines if line["logger"] == "twenty.access"]
    ids = Counter(line["request_id"] for line in access)
    assert ids == Counter(response.headers["x-request-id"] for response in answered)  # one line each
    assert len(answered) == 10
    assert "mine-1" in ids
    assert "no good" not in ids
    for response in answered:
        (line,) = [a for a in access if a["request_id"] == response.headers["x-request-id"]]
        assert line["event"] == "request"
        assert line["level"] == "info"
        assert line["method"] == response.request.method
        assert line["path"] == response.request.url.path
        assert line["status"] == response.status_code
        assert line["bytes"] == len(response.content)
        assert line["duration_ms"] >= 0
    keyed = [a for a in access if a["api_key_id"] is not None]
    assert len(keyed) == 3
    assert {a["api_key_id"] for a in keyed} == {key["id"]}
    assert {a["workspace_id"] for a in keyed} == {account["workspaceId"]}
    unauthenticated = next(a for a in access if a["status"] == 401)
    assert unauthenticated["workspace_id"] is None

    stuck_id = stuck.headers["x-request-id"]
    others = [line for line in lines if line["logger"] != "twenty.access"]
    timeout = [line for line in others if line.get("request_id") == stuck_id]
    assert timeout, others
    assert timeout[0]["level"] == "warning"
    assert "did not answer" in timeout[0]["event"]
    # lines of no request carry no request id (start-up, the actor, stopping)
    started = next(line for line in lines if "listening on" in line["event"])
    assert "request_id" not in started


async def _schema_of(dsn: str, workspace_id: str) -> str:
    conn = await Connection.connect(conninfo(dsn), timeout_s=10)
    try:
        schema: str = await conn.fetchval("SELECT schema_name FROM core.workspace WHERE id = $1",
                                          workspace_id)
    finally:
        conn.close()
    return schema


def _keep(answered: list[httpx.Response]) -> Any:
    async def hook(response: httpx.Response) -> None:
        await response.aread()
        answered.append(response)

    return hook


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging() changes the root logger of this process: put it back for the other tests."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    flags = {name: getattr(logging, name) for name in ("_srcfile", "logThreads", "logProcesses",
                                                         "logMultiprocessing")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, flag in flags.items():
        setattr(logging, name, flag)
    structlog.reset_defaults()


@pytest.mark.usefixtures("restore_logging")
def test_json_and_text_lines_carry_the_request_id() -> None:
    out = io.StringIO()
    configure_logging("info", "json", out)
    log = logging.getLogger("twenty.test")
    token = request_id.set("req-42")
    try:
        log.warning("inside %s", "a request", extra={"size": 3})
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("failed")
        structlog.get_logger("twenty.test").info("structured", n=1)
    finally:
        request_id.reset(token)
    log.debug("below the level")
    log.info("outside")
    inside, failed, structured, outside = (json.loads(line) for line in out.getvalue().splitlines())
    assert inside["event"] == "inside a request"
    assert inside["request_id"] == "req-42"
    assert inside["size"] == 3
    assert inside["level"] == "warning"
    assert inside["logger"] == "twenty.test"
    assert inside["timestamp"].endswith("Z")
    assert failed["request_id"] == "req-42"
    assert "ValueError: boom" in failed["exception"]
    assert structured["event"] == "structured"
    assert structured["n"] == 1
    assert structured["request_id"] == "req-42"
    assert "request_id" not in outside

    text = io.StringIO()
    configure_logging("warning", "text", text)
    token = request_id.set("req-43")
    try:
        log.warning("plain words")
    finally:
        request_id.reset(token)
    log.info("below the level")
    (line,) = text.getvalue().splitlines()
    assert "plain words" in line
    assert "request_id=req-43" in line
    assert not line.startswith("{")
