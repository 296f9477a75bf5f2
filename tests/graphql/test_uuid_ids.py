"""Ids as Twenty's clients declare them: ``UUID`` variables where API.md writes ``ID``, and the reverse."""

from __future__ import annotations

import httpx

from ..conftest import Account, Server
from .conftest import count_rows, create_companies, events, fails, ok

UPDATE_UUID = "mutation($id: UUID!) { updateCompany(id: $id, data: {employees: 7}) { id employees } }"


async def test_a_uuid_variable_in_an_id_argument(client: httpx.AsyncClient, account: Account) -> None:
    [company_id] = await create_companies(client, account, [{"name": "Acme"}])
    updated = await ok(client, account, UPDATE_UUID, {"id": company_id})
    assert updated == {"updateCompany": {"id": company_id, "employees": 7}}
    # the same request as API.md writes it still answers the same
    again = await ok(client, account, "mutation UpdateCompany($id: ID!, $input: CompanyUpdateInput!) {"
                                      " updateCompany(id: $id, data: $input) { id employees } }",
                     {"id": company_id, "input": {"employees": 8}})
    assert again == {"updateCompany": {"id": company_id, "employees": 8}}
    # an uppercase UUID names the same record
    upper = await ok(client, account, UPDATE_UUID, {"id": company_id.upper()})
    assert upper["updateCompany"]["id"] == company_id


async def test_uuid_lists_and_the_other_mutations(client: httpx.AsyncClient, account: Account) -> None:
    ids = await create_companies(client, account, [{"name": "a"}, {"name": "b"}])
    query = "mutation($ids: [UUID!]!) { updateCompanies(ids: $ids, data: {employees: 1}) { id } }"
    many = await ok(client, account, query, {"ids": ids})
    assert [c["id"] for c in many["updateCompanies"]] == ids
    deleted = await ok(client, account, "mutation($id: UUID!) { deleteCompany(id: $id) { id deletedAt } }",
                       {"id": ids[0]})
    assert deleted["deleteCompany"]["id"] == ids[0]
    assert deleted["deleteCompany"]["deletedAt"]
    restored = await ok(client, account, "mutation($ids: [UUID!]!) { restoreCompanies(ids: $ids) { id } }",
                        {"ids": ids})
    assert [c["id"] for c in restored["restoreCompanies"]] == [ids[0]]
    found = await ok(client, account, "query($id: UUID) { company(filter: {id: {eq: $id}}) { name } }",
                     {"id": ids[1]})
    assert found == {"company": {"name": "b"}}
    destroyed = await ok(client, account, "mutation($id: UUID!) { destroyCompany(id: $id) { id } }",
                         {"id": ids[1]})
    assert destroyed["destroyCompany"]["id"] == ids[1]


async def test_an_id_variable_in_a_uuid_position(client: httpx.AsyncClient, account: Account) -> None:
    members = await ok(client, account, "{ workspaceMembers { edges { node { id userId } } } }")
    [member] = [e["node"] for e in members["workspaceMembers"]["edges"]]
    found = await ok(client, account, "query($u: ID!) { workspaceMembers(filter: {userId: {eq: $u}}) "
                                      "{ edges { node { id } } } }", {"u": member["userId"]})
    assert [e["node"]["id"] for e in found["workspaceMembers"]["edges"]] == [member["id"]]
    listed = await ok(client, account, "query($u: [ID!]) { workspaceMembers(filter: {userId: {in: $u}}) "
                                       "{ totalCount } }", {"u": [member["userId"]]})
    assert listed["workspaceMembers"]["totalCount"] == 1
    # an ID that is not a UUID, in a UUID position: a clear error, not a 500
    await fails(client, account, "query($u: ID!) { workspaceMembers(filter: {userId: {eq: $u}})"
                                 " { totalCount } }", {"u": "not-a-uuid"}, code="BAD_USER_INPUT")


async def test_the_uuid_scalar_is_declared(client: httpx.AsyncClient, account: Account) -> None:
    body = await ok(client, account, '{ __type(name: "UUID") { name kind } }')
    assert body == {"__type": {"name": "UUID", "kind": "SCALAR"}}


async def test_invalid_uuids_change_nothing(server: Server, client: httpx.AsyncClient,
                                            account: Account) -> None:
    [company_id] = await create_companies(client, account, [{"name": "Acme"}])
    before = len(await events(server, account))
    for bad in ("not-a-uuid", "", "1234", company_id + "0", 42, None):
        body = await fails(client, account, UPDATE_UUID, {"id": bad}, code="BAD_USER_INPUT", status=400)
        assert body["data"] is None, bad
        assert "$id" in body["errors"][0]["message"], bad
    await fails(client, account, "mutation($ids: [UUID!]!) { deleteCompanies(ids: $ids) { id } }",
                {"ids": [company_id, "nope"]}, code="BAD_USER_INPUT", status=400)
    # a literal that is not a UUID where a UUID is declared fails validation
    await fails(client, account, 'query { workspaceMembers(filter: {userId: {eq: "nope"}}) { totalCount } }',
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    assert len(await events(server, account)) == before
    assert await count_rows(server, account, "company") == 1
    kept = await ok(client, account, "{ companies { edges { node { employees deletedAt } } } }")
    assert kept["companies"]["edges"][0]["node"] == {"employees": None, "deletedAt": None}


async def test_other_types_still_do_not_fit_id_positions(client: httpx.AsyncClient, account: Account) -> None:
    [company_id] = await create_companies(client, account, [{"name": "Acme"}])
    for declared in ("String!", "Int!", "UUID", "[UUID!]!"):
        query = f"mutation($id: {declared}) {{ deleteCompany(id: $id) {{ id }} }}"
        body = await fails(client, account, query, {"id": company_id}, code="GRAPHQL_VALIDATION_FAILED",
                           status=400)
        assert "$id" in body["errors"][0]["message"], declared
