"""``POST /rest/{plural}?upsert=true`` and ``POST /rest/batch/{plural}?upsert=true``, as in Twenty."""

from __future__ import annotations

import uuid

import httpx

from ..conftest import Account, Server
from ..graphql.conftest import count_rows, events
from .conftest import call, error


async def test_upsert_one(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    record_id = str(uuid.uuid4())
    body = {"id": record_id, "name": "Acme", "employees": 10, "industry": "Tech"}
    created = await call(client, account, "POST", "/rest/companies?upsert=true", body, status=201)
    assert created["data"]["employees"] == 10
    updated = await call(client, account, "POST", "/rest/companies?upsert=true",
                         {"id": record_id, "employees": 11}, status=201)
    assert updated["data"]["id"] == record_id
    assert (updated["data"]["name"], updated["data"]["employees"], updated["data"]["industry"]) == \
        ("Acme", 11, "Tech")
    assert updated["data"]["updatedAt"] >= created["data"]["updatedAt"]
    assert await count_rows(server, account, "company") == 1
    assert [e["event"] for e in await events(server, account)] == ["company.created", "company.updated"]

    # upsert=false (or none) creates, so the same id is a conflict that changes nothing
    await error(client, account, "POST", "/rest/companies", {"id": record_id, "name": "x"}, status=409,
                code="CONFLICT")
    await error(client, account, "POST", "/rest/companies?upsert=false", {"id": record_id, "name": "x"},
                status=409, code="CONFLICT")
    for bad in ("upsert=yes", "upsert=", "depth=1", "upsert=true&soft_delete=false"):
        err = await error(client, account, "POST", f"/rest/companies?{bad}", {"id": record_id, "name": "x"},
                          status=400, code="VALIDATION_ERROR")
        assert err["details"][0]["field"] in ("upsert", "depth", "soft_delete")
    got = await call(client, account, "GET", f"/rest/companies/{record_id}")
    assert got["data"]["name"] == "Acme"
    assert len(await events(server, account)) == 2


async def test_upsert_batch(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    first = (await call(client, account, "POST", "/rest/companies", {"name": "Acme", "employees": 1},
                        status=201))["data"]
    deleted = (await call(client, account, "POST", "/rest/companies", {"name": "Gone"}, status=201))["data"]
    await call(client, account, "DELETE", f"/rest/companies/{deleted['id']}")
    new_id = str(uuid.uuid4())
    answer = await call(client, account, "POST", "/rest/batch/companies?upsert=true", [
        {"id": first["id"], "employees": 2},
        {"id": new_id, "name": "Globex"},
        {"id": deleted["id"], "name": "Back"},
    ], status=201)
    rows = answer["data"]
    assert [r["id"] for r in rows] == [first["id"], new_id, deleted["id"]]
    assert (rows[0]["name"], rows[0]["employees"]) == ("Acme", 2)
    assert rows[1]["name"] == "Globex"
    assert (rows[2]["name"], rows[2]["deletedAt"]) == ("Back", None)
    listed = await call(client, account, "GET", "/rest/companies")
    assert {r["id"] for r in listed["data"]} == {first["id"], new_id, deleted["id"]}
    logged = [e["event"] for e in await events(server, account)][3:]
    assert sorted(logged) == ["company.created", "company.updated", "company.updated"]

    # all or none
    await error(client, account, "POST", "/rest/batch/companies?upsert=true",
                [{"id": first["id"], "employees": 3}, {"id": first["id"], "employees": 4}],
                status=400, code="VALIDATION_ERROR")
    await error(client, account, "POST", "/rest/batch/companies?upsert=true",
                [{"id": first["id"], "employees": 3}, {"name": 5}], status=400, code="VALIDATION_ERROR")
    await error(client, account, "POST", "/rest/batch/companies?upsert=1", [{"name": "x"}], status=400,
                code="VALIDATION_ERROR")
    got = await call(client, account, "GET", f"/rest/companies/{first['id']}")
    assert got["data"]["employees"] == 2
    assert await count_rows(server, account, "company") == 3


async def test_upsert_matches_unique_fields(client: httpx.AsyncClient, account: Account,
                                            server: Server) -> None:
    acme = (await call(client, account, "POST", "/rest/companies?upsert=true",
                       {"name": "Acme", "domainName": "acme.com", "employees": 10}, status=201))["data"]
    same = (await call(client, account, "POST", "/rest/companies?upsert=true",
                       {"domainName": "acme.com", "employees": 12}, status=201))["data"]
    assert (same["id"], same["name"], same["employees"]) == (acme["id"], "Acme", 12)
    ada = (await call(client, account, "POST", "/rest/people",
                      {"email": "ada@acme.com", "city": "London"}, status=201))["data"]
    rows = (await call(client, account, "POST", "/rest/batch/people?upsert=true", [
        {"email": "alan@acme.com", "city": "Manchester"},
        {"email": "ada@acme.com", "city": "Paris"},
    ], status=201))["data"]
    assert [r["email"] for r in rows] == ["alan@acme.com", "ada@acme.com"]
    assert (rows[1]["id"], rows[1]["city"]) == (ada["id"], "Paris")
    assert await count_rows(server, account, "company") == 1
    assert await count_rows(server, account, "person") == 2
    logged = [(e["event"], str(e["recordId"])) for e in await events(server, account)]
    assert logged[:3] == [("company.created", acme["id"]), ("company.updated", acme["id"]),
                          ("person.created", ada["id"])]
    assert sorted(logged[3:]) == [("person.created", rows[0]["id"]), ("person.updated", ada["id"])]

    # a row matching two records (Ada's id, Alan's email) changes nothing: 400, as in Twenty
    before = len(await events(server, account))
    err = await error(client, account, "POST", "/rest/people?upsert=true",
                      {"id": ada["id"], "email": "alan@acme.com", "city": "Rome"}, status=400,
                      code="VALIDATION_ERROR")
    assert "Cannot determine which record to update" in err["message"]
    await error(client, account, "POST", "/rest/batch/people?upsert=true",
                [{"email": "new@acme.com"}, {"id": ada["id"], "email": "alan@acme.com"}], status=400,
                code="VALIDATION_ERROR")
    assert len(await events(server, account)) == before
    assert await count_rows(server, account, "person") == 2
    got = await call(client, account, "GET", f"/rest/people/{ada['id']}")
    assert (got["data"]["email"], got["data"]["city"]) == ("ada@acme.com", "Paris")
    # without upsert a taken email is a conflict
    await error(client, account, "POST", "/rest/people", {"email": "ada@acme.com"}, status=409,
                code="CONFLICT")
