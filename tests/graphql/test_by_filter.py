"""Update, delete, restore and destroy many records by filter, as Twenty's clients do, beside by ids."""

from __future__ import annotations

import httpx

from ..conftest import Account, Server
from .conftest import count_rows, create_companies, events, fails, ok

NAMES = "query ($f: CompanyFilterInput) { companies(filter: $f, orderBy: [{name: AscNullsFirst}]) " \
        "{ edges { node { name employees deletedAt } } } }"
EVERY = {"or": [{"deletedAt": {"is": "NULL"}}, {"deletedAt": {"is": "NOT_NULL"}}]}


async def rows(client: httpx.AsyncClient, account: Account, where: dict[str, object] | None = None) -> list[tuple]:
    edges = (await ok(client, account, NAMES, {"f": where or EVERY}))["companies"]["edges"]
    return [(e["node"]["name"], e["node"]["employees"], e["node"]["deletedAt"] is not None) for e in edges]


async def test_each_verb_by_filter(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    await create_companies(client, account, [
        {"name": "a", "industry": "Tech", "employees": 5}, {"name": "b", "industry": "Tech", "employees": 50},
        {"name": "c", "industry": "Retail", "employees": 50}, {"name": "d", "industry": "Tech", "employees": 500}])
    before = len(await events(server, account))

    updated = (await ok(client, account, """mutation ($min: Float) {
        updateCompanies(filter: {industry: {eq: "Tech"}, employees: {gte: $min}}, data: {employees: 7})
        { name employees } }""", {"min": 50}))["updateCompanies"]
    assert sorted(c["name"] for c in updated) == ["b", "d"]
    assert all(c["employees"] == 7 for c in updated)
    assert await rows(client, account) == [("a", 5, False), ("b", 7, False), ("c", 50, False), ("d", 7, False)]

    deleted = (await ok(client, account, 'mutation { deleteCompanies(filter: {employees: {eq: 7}}) { name } }')
               )["deleteCompanies"]
    assert sorted(c["name"] for c in deleted) == ["b", "d"]
    # update and delete change live records only: the deleted ones are not matched again
    again = await ok(client, account, 'mutation { deleteCompanies(filter: {employees: {eq: 7}}) { name } '
                                      'updateCompanies(filter: {name: {eq: "b"}}, data: {employees: 1}) { name } }')
    assert again == {"deleteCompanies": [], "updateCompanies": []}

    # restore matches deleted records only
    restored = (await ok(client, account, 'mutation { restoreCompanies(filter: {name: {in: ["b", "c"]}}) { name } }')
                )["restoreCompanies"]
    assert [c["name"] for c in restored] == ["b"]
    assert await rows(client, account) == [("a", 5, False), ("b", 7, False), ("c", 50, False), ("d", 7, True)]

    # destroy matches live and deleted records alike
    destroyed = (await ok(client, account, 'mutation { destroyCompanies(filter: {employees: {eq: 7}}) { name } }')
                 )["destroyCompanies"]
    assert sorted(c["name"] for c in destroyed) == ["b", "d"]
    assert await count_rows(server, account, "company") == 2

    logged = [e["event"] for e in (await events(server, account))[before:]]
    assert logged == ["company.updated"] * 2 + ["company.deleted"] * 2 + ["company.restored"] + \
        ["company.destroyed"] * 2


async def test_filter_through_a_relation(client: httpx.AsyncClient, account: Account) -> None:
    acme, beta = await create_companies(client, account, [{"name": "acme"}, {"name": "beta"}])
    await ok(client, account, """mutation ($a: ID!, $b: ID!) { createPeople(data: [
        {name: {firstName: "Ann"}, companyId: $a}, {name: {firstName: "Bob"}, companyId: $b},
        {name: {firstName: "Cid"}, companyId: $a}]) { id } }""", {"a": acme, "b": beta})
    moved = (await ok(client, account, """mutation ($b: ID!) {
        updatePeople(filter: {company: {name: {eq: "acme"}}}, data: {companyId: $b}) { name { firstName } } }""",
                      {"b": beta}))["updatePeople"]
    assert sorted(p["name"]["firstName"] for p in moved) == ["Ann", "Cid"]
    left = await ok(client, account, 'query { people(filter: {company: {name: {eq: "acme"}}}) { totalCount } }')
    assert left["people"]["totalCount"] == 0


async def test_ids_or_filter_and_never_both(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    (acme,) = await create_companies(client, account, [{"name": "acme"}])
    body = await fails(client, account, 'mutation ($ids: [ID!]) { deleteCompanies(ids: $ids, filter: '
                                        '{name: {eq: "acme"}}) { id } }', {"ids": [acme]}, code="BAD_USER_INPUT")
    assert "either ids or filter" in body["errors"][0]["message"]
    await fails(client, account, "mutation { updateCompanies(data: {employees: 1}) { id } }", code="BAD_USER_INPUT")
    # a bad value in the filter is refused before anything is read or written
    await fails(client, account, 'mutation { deleteCompanies(filter: {id: {eq: "not-a-uuid"}}) { id } }',
                code="BAD_USER_INPUT")
    assert await rows(client, account) == [("acme", None, False)]
    assert [e["event"] for e in await events(server, account)] == ["company.created"]


async def test_more_matches_than_one_write_may_change_changes_nothing(
        client: httpx.AsyncClient, account: Account, server: Server) -> None:
    for start in (0, 300):
        await create_companies(client, account, [{"name": f"c{i:03}", "employees": 1}
                                                 for i in range(start, start + 300)])
    body = await fails(client, account, "mutation { updateCompanies(filter: {employees: {eq: 1}}, "
                                        "data: {employees: 2}) { id } }", code="BAD_USER_INPUT")
    assert "more than 500" in body["errors"][0]["message"]
    assert len(await events(server, account)) == 600  # the creates only
    # narrowed under the cap, it goes through
    changed = (await ok(client, account, 'mutation { updateCompanies(filter: {name: {like: "c1%"}}, '
                                         'data: {employees: 2}) { id } }'))["updateCompanies"]
    assert len(changed) == 100
