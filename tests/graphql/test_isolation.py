"""Workspaces are apart: one cannot read, change or link to another's records, even knowing their ids."""

from __future__ import annotations

import httpx

from ..conftest import Account, Server, sign_up
from .conftest import create_companies, events, fails, ok

ONE = "query ($id: ID!) { company(filter: {id: {eq: $id}}) { id name } }"
MANY = "query ($ids: [ID!]) { companies(filter: {id: {in: $ids}}) { edges { node { id } } totalCount } }"


async def test_other_workspace_sees_and_changes_nothing(client: httpx.AsyncClient, account: Account,
                                                        server: Server) -> None:
    acme, beta = await create_companies(client, account, [{"name": "acme"}, {"name": "beta"}])
    await ok(client, account, "mutation ($id: ID!) { deleteCompany(id: $id) { id } }", {"id": beta})
    person = (await ok(client, account, "mutation ($c: ID!) { createPerson(data: {city: \"x\", companyId: $c}) "
                                        "{ id } }", {"c": acme}))["createPerson"]["id"]
    before = await events(server, account)
    other = await sign_up(client, "Other")
    assert other.workspace_id != account.workspace_id

    async def not_found(query: str, variables: dict[str, object]) -> None:
        body = await fails(client, other, query, variables, code="NOT_FOUND")
        assert next(iter(body["data"].values())) is None

    assert (await ok(client, other, ONE, {"id": acme})) == {"company": None}
    assert (await ok(client, other, MANY, {"ids": [acme, beta]}))["companies"] == {"edges": [], "totalCount": 0}
    deleted = {"deletedAt": {"is": "NOT_NULL"}, "id": {"eq": beta}}
    assert (await ok(client, other, "query ($f: CompanyFilterInput) { companies(filter: $f) { totalCount } }",
                     {"f": deleted}))["companies"]["totalCount"] == 0
    assert (await ok(client, other, "query ($id: ID!) { people(filter: {companyId: {eq: $id}}) { totalCount } }",
                     {"id": acme}))["people"]["totalCount"] == 0
    await not_found('mutation ($id: ID!) { updateCompany(id: $id, data: {name: "pwned"}) { id } }', {"id": acme})
    await not_found("mutation ($id: ID!) { deleteCompany(id: $id) { id } }", {"id": acme})
    await not_found("mutation ($id: ID!) { destroyCompany(id: $id) { id } }", {"id": acme})
    await not_found("mutation ($id: ID!) { restoreCompany(id: $id) { id } }", {"id": beta})
    await not_found("mutation ($id: ID!) { destroyPerson(id: $id) { id } }", {"id": person})
    for verb in ("update", "delete", "destroy", "restore"):
        args = ', data: {name: "pwned"}' if verb == "update" else ""
        data = await ok(client, other, f"mutation ($ids: [ID!]!) {{ {verb}Companies(ids: $ids{args}) {{ id }} }}",
                        {"ids": [acme, beta]})
        assert data == {f"{verb}Companies": []}
    # linking to another workspace's record is refused like any id that is not there
    await fails(client, other, "mutation ($c: ID!) { createPerson(data: {companyId: $c}) { id } }", {"c": acme},
                code="BAD_USER_INPUT")
    # creating a record with an id the other workspace uses is fine: ids are per workspace
    await ok(client, other, "mutation ($id: ID!) { createCompany(data: {id: $id, name: \"mine\"}) { id } }",
             {"id": acme})

    assert await events(server, account) == before
    assert [e["event"] for e in await events(server, other)] == ["company.created"]
    assert (await ok(client, account, ONE, {"id": acme})) == {"company": {"id": acme, "name": "acme"}}
    restored = await ok(client, account, "mutation ($id: ID!) { restoreCompany(id: $id) { id name } }", {"id": beta})
    assert restored == {"restoreCompany": {"id": beta, "name": "beta"}}
    assert (await ok(client, account, "{ people { edges { node { id companyId } } } }"))["people"]["edges"] == [
        {"node": {"id": person, "companyId": acme}}]
    assert (await ok(client, other, ONE, {"id": acme})) == {"company": {"id": acme, "name": "mine"}}
