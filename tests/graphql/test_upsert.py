"""Upsert on create, as Twenty's clients send it: ``createCompany(data:, upsert: true)`` and the plural."""

from __future__ import annotations

import uuid

import httpx

from ..conftest import Account, Server
from .conftest import count_rows, events, fails, ok

UPSERT_ONE = """mutation ($data: CompanyCreateInput!, $upsert: Boolean) {
  createCompany(data: $data, upsert: $upsert) {
    id name employees industry idealCustomerProfile deletedAt } }"""
UPSERT_MANY = """mutation ($data: [CompanyCreateInput!]!) {
  createCompanies(data: $data, upsert: true) { id name employees industry } }"""


async def test_upsert_updates_the_record_with_that_id(client: httpx.AsyncClient, account: Account,
                                                      server: Server) -> None:
    record_id = str(uuid.uuid4())
    created = await ok(client, account, UPSERT_ONE, {"upsert": True, "data": {
        "id": record_id, "name": "Acme", "employees": 10, "industry": "Tech", "idealCustomerProfile": True}})
    assert created["createCompany"] == {"id": record_id, "name": "Acme", "employees": 10, "industry": "Tech",
                                        "idealCustomerProfile": True, "deletedAt": None}
    # the same id again: an update of the fields given; the others (and the defaults) are left alone
    updated = await ok(client, account, UPSERT_ONE,
                       {"upsert": True, "data": {"id": record_id, "employees": 12}})
    assert updated["createCompany"] == {**created["createCompany"], "employees": 12}
    assert await count_rows(server, account, "company") == 1
    logged = await events(server, account)
    assert [e["event"] for e in logged] == ["company.created", "company.updated"]
    assert logged[1]["before"]["employees"] == 10
    assert logged[1]["data"]["employees"] == 12
    assert logged[0]["before"] is None

    # without upsert the same id is a conflict, and nothing changes
    await fails(client, account, UPSERT_ONE, {"data": {"id": record_id, "name": "Other"}}, code="CONFLICT")
    await fails(client, account, UPSERT_ONE, {"upsert": False, "data": {"id": record_id, "name": "Other"}},
                code="CONFLICT")
    again = await ok(client, account, "query($id: ID!) { company(filter: {id: {eq: $id}}) { "
                                      "name employees } }", {"id": record_id})
    assert again["company"] == {"name": "Acme", "employees": 12}

    # a deleted record is brought back by an upsert of its id, as Twenty does
    await ok(client, account, "mutation($id: ID!) { deleteCompany(id: $id) { id } }", {"id": record_id})
    restored = await ok(client, account, UPSERT_ONE,
                        {"upsert": True, "data": {"id": record_id, "name": "Back"}})
    assert restored["createCompany"]["deletedAt"] is None
    assert restored["createCompany"]["name"] == "Back"
    listed = await ok(client, account, "{ companies { edges { node { id } } } }")
    assert [e["node"]["id"] for e in listed["companies"]["edges"]] == [record_id]

    # a literal in the document works too, and without an id an upsert simply creates
    literal = await ok(client, account,
                       'mutation { createCompany(data: {name: "New"}, upsert: true) { id } }')
    assert literal["createCompany"]["id"] != record_id
    assert await count_rows(server, account, "company") == 2


async def test_upsert_many(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    await ok(client, account, UPSERT_MANY, {"data": [{"id": first, "name": "Acme", "industry": "Tech"}]})
    before = len(await events(server, account))
    answer = await ok(client, account, UPSERT_MANY, {"data": [
        {"id": second, "name": "Globex", "employees": 5},
        {"id": first, "employees": 7},
        {"name": "Initech"},
    ]})
    rows = answer["createCompanies"]
    assert [r["id"] for r in rows[:2]] == [second, first]  # in the order given
    assert rows[0] == {"id": second, "name": "Globex", "employees": 5, "industry": None}
    assert rows[1] == {"id": first, "name": "Acme", "employees": 7, "industry": "Tech"}
    assert rows[2]["name"] == "Initech"
    logged = {e["recordId"]: e["event"] for e in (await events(server, account))[before:]}
    assert logged == {uuid.UUID(second): "company.created", uuid.UUID(first): "company.updated",
                      uuid.UUID(rows[2]["id"]): "company.created"}
    assert await count_rows(server, account, "company") == 3

    # one batch, one outcome: a bad row changes nothing, duplicate ids are refused
    await fails(client, account, UPSERT_MANY,
                {"data": [{"id": first, "name": "x"}, {"id": first, "name": "y"}]}, code="BAD_USER_INPUT")
    await fails(client, account, UPSERT_MANY, {"data": [{"id": first, "name": "z"}, {"id": "nope"}]},
                code="BAD_USER_INPUT")
    await fails(client, account, UPSERT_MANY, {"data": [{"id": first, "employees": "many"}]},
                code="BAD_USER_INPUT", status=400)
    unchanged = await ok(client, account, "query($id: ID!) { company(filter: {id: {eq: $id}}) { name } }",
                         {"id": first})
    assert unchanged["company"]["name"] == "Acme"
    assert await count_rows(server, account, "company") == 3
