"""Rate limits over real HTTP: headers on every response, 429 with API.md's body, separate APIs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from twenty_actors.settings import Settings

from .conftest import Server, gql, sign_up


@pytest.fixture
def settings(pg_dsn: str) -> Settings:
    return Settings(database_url=pg_dsn, port=0, secret="test-" + uuid.uuid4().hex,
                    rate_limits={"graphql": 5, "rest": 200, "metadata": 3})


@pytest.fixture
async def limited_client(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        yield c


async def test_graphql_limit_and_headers(limited_client: httpx.AsyncClient) -> None:
    account = await sign_up(limited_client)
    answers = [await gql(limited_client, account.access_token, "{ companies { totalCount } }") for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[0].headers["X-RateLimit-Limit"] == "5"
    assert answers[0].headers["X-RateLimit-Remaining"] == "4"
    assert int(answers[0].headers["X-RateLimit-Reset"]) > 0
    refused = answers[5]
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    body = refused.json()
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMIT_EXCEEDED"

    # the metadata API has its own bucket
    meta = await gql(limited_client, account.access_token, "{ apiKeys { id } }", path="/metadata")
    assert meta.status_code == 200 and meta.headers["X-RateLimit-Limit"] == "3"

    # another caller is not affected
    other = await sign_up(limited_client)
    fresh = await gql(limited_client, other.access_token, "{ companies { totalCount } }")
    assert fresh.status_code == 200


async def test_rest_style_429_body(limited_client: httpx.AsyncClient) -> None:
    account = await sign_up(limited_client)
    for _ in range(3):
        await gql(limited_client, account.access_token, "{ apiKeys { id } }", path="/metadata")
    refused = await gql(limited_client, account.access_token, "{ apiKeys { id } }", path="/metadata")
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["retryAfter"] >= 1
