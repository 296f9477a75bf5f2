"""REST writes to many records by filter, and restore, as Twenty's REST API has them."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from ..conftest import Account
from .conftest import batch, call, error

EVERY = "filter[deletedAt][is]=NOT_NULL"


async def _names(client: httpx.AsyncClient, account: Account, query: str = "") -> list[str]:
    page = await call(client, account, "GET", f"/rest/companies?order[name]=asc&limit=100&{query}")
    return [c["name"] for c in page["data"]]


async def test_update_delete_restore_destroy_by_filter(client: httpx.AsyncClient, account: Account) -> None:
    await batch(client, account, "companies", [
        {"name": "a", "industry": "Tech", "employees": 5},
        {"name": "b", "industry": "Tech", "employees": 50},
        {"name": "c", "industry": "Retail", "employees": 50}])

    updated = await call(client, account, "PATCH",
                         "/rest/companies?filter[industry][eq]=Tech&filter[employees][gte]=10",
                         {"employees": 7})
    assert [(c["name"], c["employees"]) for c in updated["data"]] == [("b", 7)]

    # Twenty's filter syntax works as well as API.md's
    deleted = await call(client, account, "DELETE", "/rest/companies?filter=" + quote("industry[eq]:Tech"))
    assert sorted(c["name"] for c in deleted["data"]) == ["a", "b"]
    assert await _names(client, account) == ["c"]
    assert await _names(client, account, EVERY) == ["a", "b"]

    restored = await call(client, account, "PATCH", "/rest/restore/companies?filter[name][eq]=a")
    assert [c["name"] for c in restored["data"]] == ["a"]
    assert await _names(client, account) == ["a", "c"]

    gone = await call(client, account, "DELETE",
                      "/rest/companies?filter[industry][eq]=Tech&soft_delete=false")
    assert sorted(c["name"] for c in gone["data"]) == ["a", "b"]  # destroy takes deleted records too
    assert await _names(client, account, EVERY) == []
    assert await _names(client, account) == ["c"]


async def test_restore_one_record(client: httpx.AsyncClient, account: Account) -> None:
    (acme,) = await batch(client, account, "companies", [{"name": "Acme"}])
    await error(client, account, "PATCH", f"/rest/restore/companies/{acme['id']}", status=404,
                code="NOT_FOUND")
    await call(client, account, "DELETE", f"/rest/companies/{acme['id']}")
    restored = await call(client, account, "PATCH", f"/rest/restore/companies/{acme['id']}")
    assert restored["data"]["id"] == acme["id"]
    assert restored["data"]["deletedAt"] is None
    assert (await call(client, account, "GET", f"/rest/companies/{acme['id']}"))["data"]["name"] == "Acme"


async def test_writes_by_filter_refuse_what_they_cannot_do(client: httpx.AsyncClient,
                                                           account: Account) -> None:
    for prefix, count in (("n", 300), ("m", 201)):
        await batch(client, account, "companies", [{"name": f"{prefix}{i:03}", "employees": 1}
                                                    for i in range(count)])
    too_many = await error(client, account, "PATCH", "/rest/companies?filter[employees][eq]=1",
                           {"employees": 2}, status=400, code="VALIDATION_ERROR")
    assert "more than 500" in too_many["message"]
    no_filter = await error(client, account, "DELETE", "/rest/companies", status=400, code="VALIDATION_ERROR")
    assert no_filter["details"][0]["field"] == "filter"
    unknown = await error(client, account, "DELETE", "/rest/companies?filter[employees][eq]=1&limit=5",
                          status=400, code="VALIDATION_ERROR")
    assert [d["field"] for d in unknown["details"]] == ["limit"]
    bad_body = await error(client, account, "PATCH", "/rest/companies?filter[employees][eq]=1",
                           {"employees": "many"}, status=400, code="VALIDATION_ERROR")
    assert bad_body["details"][0]["field"] == "employees"
    # nothing changed
    page = await call(client, account, "GET", "/rest/companies?filter[employees][eq]=1&limit=1")
    assert page["totalCount"] == 501
