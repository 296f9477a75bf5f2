"""Twenty's own client, ``twenty-client-sdk`` from the npm registry, against this server in compat mode.

Its metadata client (genql, generated from Twenty's real schema) manages API keys, objects, fields and
webhooks; a core client that the SDK's own generator makes from this server's ``/graphql`` schema writes
and reads records; its REST client does the same over ``/rest`` and ``/rest/metadata``. The driver is
``sdk/drive.mjs``. The SDK is installed once per test session into a temporary folder (``npm install``,
pinned); the test needs ``node`` and ``npm`` and is skipped without them unless ``CI`` is set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from twenty_actors.settings import Settings

from ..conftest import Account, Server
from ..webhooks.receiver import open_receiver
from ..webhooks.test_webhooks import verify

SDK = "twenty-client-sdk@2.43.0"
DRIVER = Path(__file__).parent / "sdk" / "drive.mjs"


@pytest.fixture(scope="session")
def sdk_modules() -> Iterator[Path]:
    """A folder whose node_modules holds the pinned SDK (and its dependencies)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if os.environ.get("CI"):
            pytest.fail("node and npm are needed for the twenty-client-sdk test")
        pytest.skip("node and npm are not installed")
    folder = Path(tempfile.mkdtemp(prefix="twenty-sdk-"))
    (folder / "package.json").write_text('{"name": "twenty-sdk-test", "private": true}')
    result = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--save-exact", SDK], cwd=folder,
                            capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"npm install {SDK} failed:\n{result.stderr[-4000:]}")
        pytest.skip(f"npm install {SDK} failed (no registry?): {result.stderr[-500:]}")
    try:
        yield folder / "node_modules"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def settings(pg_dsn: str) -> Settings:
    return Settings(database_url=pg_dsn, port=0, secret="test-" + uuid.uuid4().hex, compat="twenty",
                    webhook_allow_private=True, webhook_backoff_s=0.05, webhook_timeout_s=10.0,
                    rate_limits={"graphql": 100_000, "rest": 100_000, "metadata": 100_000}, gc_freeze=False)


async def test_twenty_client_sdk(sdk_modules: Path, server: Server, account: Account, tmp_path: Path) -> None:
    async with open_receiver() as receiver:
        with trio.fail_after(300):
            ran = await trio.run_process(
                ["node", str(DRIVER), str(sdk_modules), server.url, account.access_token, receiver.url,
                 str(tmp_path)], capture_stdout=True, capture_stderr=True, check=False)
        assert ran.returncode == 0, ran.stderr.decode()[-4000:]
        out = json.loads(ran.stdout.decode().strip().splitlines()[-1])
        await receiver.wait_for(3)  # Acme, Globex and Initech were created

    assert out["currentWorkspace"] == {"id": account.workspace_id, "displayName": "Acme"}
    assert out["apiKey"] == {"name": "SDK key", "token": True}
    assert out["keyWorkspace"] == account.workspace_id

    meta = out["metadata"]
    assert meta["rocket"] == "rocket"
    assert meta["fuel"] == ["fuel", "NUMBER"]
    assert meta["renamed"] == "Spaceships"
    assert {"company", "person", "rocket"} <= set(meta["objects"])
    assert meta["totalCount"] == len(meta["objects"])
    assert out["webhook"] == {"operations": ["company.created"], "targetUrl": receiver.url}

    core = out["core"]
    assert core["created"] == ["Acme", 10]
    assert core["updated"] == 12
    assert core["upserted"] == [[True, "Acme Corp", 12], [False, "Globex", None]]
    assert core["listed"] == ["Acme Corp"]
    assert core["totalCount"] == 1
    assert core["hasNextPage"] is False
    assert core["rocket"] == ["Falcon", 90]
    assert core["rockets"] == [{"name": "Falcon", "fuel": 90}]
    assert core["byFilter"] == [{"name": "Globex", "employees": 3}]
    assert core["deleted"] is True
    assert core["byDomain"] == ["Acme"]

    rest = out["rest"]
    assert rest["created"] == "Initech"
    assert rest["got"] is True
    assert rest["patched"] == 8
    assert rest["page"] == {"names": ["Globex", "Initech"], "totalCount": 2, "hasNextPage": False}
    assert rest["batch"] == [["Soyuz", None], ["Ariane", 50]]
    assert rest["upsert"] == [True, "Initrode", 8]
    assert rest["removed"] is True
    assert rest["missing"] == {"status": 404, "error": "NotFoundException", "code": "NOT_FOUND"}
    emails = {"primaryEmail": "ada@initech.com", "additionalEmails": ["ada@home.org"]}
    assert rest["person"] == {"emails": emails, "phone": "5550123", "found": [True]}
    assert rest["metadataObjects"]["count"] == 3
    assert rest["metadataObjects"]["totalCount"] == len(meta["objects"])

    assert out["webhooks"] == {"changed": ["note.created", "note.updated"], "deleted": True, "left": [True],
                               "listed": [["company.created"], ["note.created", "note.updated"]]}
    assert out["notFound"] == "NOT_FOUND"

    # the webhook got the companies created, signed as Twenty signs them
    names = set()
    for headers, body in receiver.requests:
        assert verify("sdk-secret", headers, body)
        assert len(headers["x-twenty-webhook-timestamp"]) >= 13  # milliseconds
        assert len(headers["x-twenty-webhook-nonce"]) == 32
        payload = json.loads(body)
        assert payload["eventName"] == "company.created"
        names.add(payload["record"]["name"])
        if payload["record"]["name"] == "Acme":  # Twenty's LINKS field, as Twenty's webhooks carry it
            domain = payload["record"]["domainName"]
            assert domain == {"primaryLinkUrl": "acme.com", "primaryLinkLabel": "Acme",
                              "secondaryLinks": None}
    assert names == {"Acme", "Globex", "Initech"}
