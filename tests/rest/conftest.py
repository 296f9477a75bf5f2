"""Helpers for the REST tests: authenticated requests and quick record creation."""

from __future__ import annotations

from typing import Any

import httpx

from ..conftest import Account


async def call(client: httpx.AsyncClient, account: Account, method: str, url: str,
               body: Any = None, *, status: int = 200) -> dict[str, Any]:
    """Send a REST request with the account's token; check the status; the JSON answer."""
    kwargs: dict[str, Any] = {"headers": account.headers}
    if body is not None:
        kwargs["json"] = body
    response = await client.request(method, url, **kwargs)
    assert response.status_code == status, (method, url, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    result: dict[str, Any] = response.json()
    return result


async def error(client: httpx.AsyncClient, account: Account, method: str, url: str, body: Any = None, *,
                status: int, code: str) -> dict[str, Any]:
    """A request that must fail: API.md's error envelope with ``code`` and ``status``; the ``error`` object."""
    answer = await call(client, account, method, url, body, status=status)
    err: dict[str, Any] = answer["error"]
    assert err["code"] == code, answer
    assert err["statusCode"] == status, answer
    assert isinstance(err["message"], str) and err["message"], answer
    return err


async def batch(client: httpx.AsyncClient, account: Account, plural: str,
                records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Create records in one batch request; their answers in order."""
    answer = await call(client, account, "POST", f"/rest/batch/{plural}", records, status=201)
    data: list[dict[str, Any]] = answer["data"]
    assert len(data) == len(records)
    return data
