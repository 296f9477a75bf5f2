"""Helpers for the core GraphQL tests: run a request, expect success, read the event log."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from twenty_storage.accounts import workspace_schema_name
from twenty_storage.sql import ident

from ..conftest import Account, Server, gql


async def ok(client: httpx.AsyncClient, account: Account, query: str,
             variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``data`` of a request that must succeed (HTTP 200, no errors)."""
    response = await gql(client, account.access_token, query, variables)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def fails(client: httpx.AsyncClient, account: Account, query: str, variables: dict[str, Any] | None = None,
                *, code: str, status: int = 200) -> dict[str, Any]:
    """The body of a request that must fail with ``code`` (and HTTP ``status``)."""
    response = await gql(client, account.access_token, query, variables)
    assert response.status_code == status, response.text
    body = response.json()
    assert body.get("errors"), body
    assert body["errors"][0]["extensions"]["code"] == code, body
    assert isinstance(body["errors"][0]["message"], str)
    result: dict[str, Any] = body
    return result


def schema_of(account: Account) -> str:
    """The PostgreSQL schema of the account's workspace."""
    return workspace_schema_name(uuid.UUID(account.workspace_id))


async def events(server: Server, account: Account) -> list[dict[str, Any]]:
    """Every event row of the account's workspace, in order."""
    table = ident(schema_of(account), "_event")  # names checked by ident(); no values in the text
    rows = await server.services.db.fetch(
        f'SELECT seq, event, "objectName", "recordId", data, before FROM {table} ORDER BY seq')  # noqa: S608
    return [dict(r) for r in rows]


async def count_rows(server: Server, account: Account, table: str) -> int:
    """Rows in one table of the account's workspace, soft-deleted ones included."""
    name = ident(schema_of(account), table)
    count: int = await server.services.db.fetchval(f"SELECT count(*) FROM {name}")  # noqa: S608
    return count


COMPANIES = "mutation ($data: [CompanyCreateInput!]!) { createCompanies(data: $data) { id name } }"


async def create_companies(client: httpx.AsyncClient, account: Account, data: list[dict[str, Any]]) -> list[str]:
    """Create companies in one batch; their ids in order."""
    created = (await ok(client, account, COMPANIES, {"data": data}))["createCompanies"]
    assert [c["name"] for c in created] == [d.get("name") for d in data]
    return [c["id"] for c in created]
