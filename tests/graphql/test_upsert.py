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


UPSERT_PERSON = """mutation ($data: PersonCreateInput!) {
  createPerson(data: $data, upsert: true) { id email city deletedAt } }"""


async def test_upsert_matches_a_unique_field(client: httpx.AsyncClient, account: Account,
                                             server: Server) -> None:
    acme = (await ok(client, account, UPSERT_ONE, {"upsert": True, "data": {
        "name": "Acme", "domainName": "acme.com", "employees": 10}}))["createCompany"]
    # no id, the same domainName: Acme is updated (the fields given), not a second company made
    again = await ok(client, account, UPSERT_ONE, {"upsert": True, "data": {
        "name": "Acme Inc", "domainName": "acme.com"}})
    assert again["createCompany"] == {**acme, "name": "Acme Inc"}
    assert await count_rows(server, account, "company") == 1
    logged = await events(server, account)
    assert [e["event"] for e in logged] == ["company.created", "company.updated"]
    assert logged[1]["before"]["name"] == "Acme"
    assert logged[1]["data"]["name"] == "Acme Inc"
    # an id nobody has and a domain Acme has: Acme (the id given is not taken up)
    other_id = str(uuid.uuid4())
    by_domain = await ok(client, account, UPSERT_ONE, {"upsert": True, "data": {
        "id": other_id, "domainName": "acme.com", "employees": 11}})
    assert by_domain["createCompany"]["id"] == acme["id"]
    # a deleted record matches too, and comes back
    await ok(client, account, "mutation($id: ID!) { deleteCompany(id: $id) { id } }", {"id": acme["id"]})
    back = await ok(client, account, UPSERT_ONE, {"upsert": True, "data": {"domainName": "acme.com"}})
    assert back["createCompany"]["id"] == acme["id"]
    assert back["createCompany"]["deletedAt"] is None
    # an empty domain identifies nothing: these are new companies, and may share it
    for _ in range(2):
        await ok(client, account, UPSERT_ONE, {"upsert": True, "data": {"name": "Blank", "domainName": ""}})
    assert await count_rows(server, account, "company") == 3

    # people are matched by their email
    ada = (await ok(client, account, UPSERT_PERSON, {"data": {"email": "ada@acme.com", "city": "London"}}))
    moved = await ok(client, account, UPSERT_PERSON, {"data": {"email": "ada@acme.com", "city": "Paris"}})
    assert moved["createPerson"] == {**ada["createPerson"], "city": "Paris"}
    assert await count_rows(server, account, "person") == 1
    # the match is exact, as in Twenty
    await ok(client, account, UPSERT_PERSON, {"data": {"email": "ADA@acme.com"}})
    assert await count_rows(server, account, "person") == 2

    # without upsert a taken domain is a conflict, as a taken id is
    await fails(client, account, UPSERT_ONE, {"data": {"name": "Copy", "domainName": "acme.com"}},
                code="CONFLICT")


async def test_upsert_refuses_a_row_that_matches_two_records(client: httpx.AsyncClient, account: Account,
                                                             server: Server) -> None:
    acme = (await ok(client, account, UPSERT_ONE, {"data": {"name": "Acme", "domainName": "acme.com"}}))
    globex = (await ok(client, account, UPSERT_ONE, {"data": {"name": "Globex", "domainName": "globex.io"}}))
    before = await events(server, account)
    # Acme's id with Globex's domain: which record is meant cannot be told, so nothing changes
    body = await fails(client, account, UPSERT_ONE, {"upsert": True, "data": {
        "id": acme["createCompany"]["id"], "domainName": "globex.io", "name": "Which"}},
        code="BAD_USER_INPUT")
    assert "Multiple records found with the same unique field values" in body["errors"][0]["message"]
    # in a batch the other rows are not written either; two rows matching one record are refused alike
    for rows in ([{"name": "New", "domainName": "new.io"}, {"id": acme["createCompany"]["id"],
                                                           "domainName": "globex.io"}],
                 [{"domainName": "acme.com", "employees": 1}, {"domainName": "acme.com", "employees": 2}]):
        await fails(client, account, UPSERT_MANY, {"data": rows}, code="BAD_USER_INPUT")
    assert await events(server, account) == before
    names = await ok(client, account, "{ companies(orderBy: [{name: AscNullsFirst}]) { edges { node { name "
                                      "domainName employees } } } }")
    assert [e["node"] for e in names["companies"]["edges"]] == [
        {"name": "Acme", "domainName": "acme.com", "employees": None},
        {"name": "Globex", "domainName": "globex.io", "employees": None}]
    assert globex["createCompany"]["name"] == "Globex"


async def test_upsert_many_matches_unique_fields(client: httpx.AsyncClient, account: Account,
                                                 server: Server) -> None:
    [acme] = (await ok(client, account, UPSERT_MANY, {"data": [{"name": "Acme", "domainName": "acme.com",
                                                                 "industry": "Tech"}]}))["createCompanies"]
    before = len(await events(server, account))
    rows = (await ok(client, account, UPSERT_MANY, {"data": [
        {"name": "Globex", "domainName": "globex.io"},
        {"domainName": "acme.com", "employees": 7},
        {"name": "Initech"},
    ]}))["createCompanies"]
    # in the order given
    assert rows[1] == {"id": acme["id"], "name": "Acme", "employees": 7, "industry": "Tech"}
    assert [r["name"] for r in rows] == ["Globex", "Acme", "Initech"]
    logged = {e["recordId"]: e["event"] for e in (await events(server, account))[before:]}
    assert logged == {uuid.UUID(rows[0]["id"]): "company.created", uuid.UUID(acme["id"]): "company.updated",
                      uuid.UUID(rows[2]["id"]): "company.created"}
    assert await count_rows(server, account, "company") == 3
    # two new rows with one domain: the second is a duplicate of the first (a conflict), nothing is made
    await fails(client, account, UPSERT_MANY, {"data": [{"name": "A", "domainName": "same.io"},
                                                        {"name": "B", "domainName": "same.io"}]},
                code="CONFLICT")
    assert await count_rows(server, account, "company") == 3
