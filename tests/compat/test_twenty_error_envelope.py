"""``--compat twenty``: errors under /rest in Twenty's shape, ``{statusCode, error, messages, code}``.

The documented envelope stays everywhere else (GraphQL, /auth), and in the default mode (tests/rest).
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from twenty_actors.settings import Settings

from ..conftest import Account, gql


@pytest.fixture
def settings(pg_dsn: str) -> Settings:
    return Settings(database_url=pg_dsn, port=0, secret="test-" + uuid.uuid4().hex, compat="twenty",
                    rate_limits={"graphql": 100_000, "rest": 100_000, "metadata": 100_000}, gc_freeze=False)


async def test_rest_errors_in_twentys_shape(client: httpx.AsyncClient, account: Account) -> None:
    missing = await client.get(f"/rest/companies/{uuid.uuid4()}", headers=account.headers)
    assert missing.status_code == 404
    body = missing.json()
    assert set(body) == {"statusCode", "error", "messages", "code"}
    assert (body["statusCode"], body["error"], body["code"]) == (404, "NotFoundException", "NOT_FOUND")
    assert body["messages"][0].endswith("not found")

    bad = await client.get("/rest/companies?limit=x", headers=account.headers)
    assert bad.status_code == 400
    assert bad.json()["error"] == "BadRequestException"
    assert bad.json()["code"] == "VALIDATION_ERROR"
    assert len(bad.json()["messages"]) >= 1

    anonymous = await client.get("/rest/companies")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "UnauthorizedException"

    refused = await client.delete("/rest/companies", headers=account.headers)  # a bulk delete needs a filter
    assert refused.status_code == 400
    assert refused.json()["statusCode"] == 400

    # the documented envelopes elsewhere: GraphQL's, and API.md's REST one outside /rest
    graphql = (await gql(client, account.access_token, "{ nope }")).json()
    assert graphql["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    login = await client.post("/auth/login", json={"email": account.email, "password": "wrong-password"})
    assert login.status_code == 401
    assert login.json()["error"]["code"] == "UNAUTHORIZED"
