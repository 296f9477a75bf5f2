"""Test fixtures: one real PostgreSQL per session, a real server on a loopback port per test."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import trio

from twenty_actors.settings import Settings

warnings.filterwarnings("ignore", module="platformdirs")


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """TWENTY_TEST_DATABASE_URL, or an embedded PostgreSQL started once for the session."""
    url = os.environ.get("TWENTY_TEST_DATABASE_URL")
    if url:
        yield url
        return
    from twenty_storage.embedded import start_embedded, stop_embedded

    data_dir = Path(tempfile.mkdtemp(prefix="twenty-test-"))
    dsn, _ = start_embedded(data_dir)
    try:
        yield dsn
    finally:
        stop_embedded(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def settings(pg_dsn: str) -> Settings:
    """Server settings for tests: the session's database, a free port, limits lifted."""
    return Settings(database_url=pg_dsn, port=0, secret="test-secret-" + uuid.uuid4().hex,
                    rate_limits={"graphql": 100_000, "rest": 100_000, "metadata": 100_000},
                    max_in_flight_per_workspace=100_000,
                    gc_freeze=False)  # a full collection per server start would cost the suite ~1 min


class Server:
    """A running server under test: its base URL and its services."""

    def __init__(self, url: str, services: Any) -> None:
        self.url = url
        self.services = services


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[Server]:
    """A real server on a loopback port: the transport ``settings.server`` names (native by default)."""
    from twenty_actors.services import open_services
    from twenty_http.serve import serve_http

    settings = msgspec.structs.replace(settings, graceful_timeout_s=min(settings.graceful_timeout_s, 2.0))
    async with open_services(settings) as services, trio.open_nursery() as nursery:
        urls = await nursery.start(lambda task_status: serve_http(services, host="127.0.0.1", port=0,
                                                                  task_status=task_status))
        yield Server(urls[0], services)
        services.stopping.set()


@pytest.fixture
async def client(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the server under test."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        yield c


class Account:
    """A signed-up user of a fresh workspace."""

    def __init__(self, email: str, password: str, body: dict[str, Any]) -> None:
        self.email = email
        self.password = password
        self.access_token: str = body["accessToken"]
        self.refresh_token: str = body["refreshToken"]
        self.workspace_id: str = body["workspaceId"]
        self.user_id: str = body["userId"]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def sign_up(client: httpx.AsyncClient, name: str = "Acme") -> Account:
    """Sign up a new user with a new workspace."""
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    password = "secret123"
    response = await client.post("/auth/signup", json={"email": email, "password": password, "workspaceName": name})
    assert response.status_code == 201, response.text
    return Account(email, password, response.json())


@pytest.fixture
async def account(client: httpx.AsyncClient) -> Account:
    """A fresh workspace and its owner: each test gets its own."""
    return await sign_up(client)


async def gql(client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any] | None = None,
              *, path: str = "/graphql") -> httpx.Response:
    """POST a GraphQL request with a bearer token."""
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return await client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
