"""Soft delete, restore and destroy; every change writes exactly one event in its own transaction."""

from __future__ import annotations

import httpx

from ..conftest import Account, Server
from .conftest import count_rows, create_companies, events, fails, ok

LIST = "query ($f: CompanyFilterInput) { companies(filter: $f) { edges { node { id name deletedAt } } totalCount } }"
ONE = "query ($id: ID!) { company(filter: {id: {eq: $id}}) { id name deletedAt } }"


async def listed(client: httpx.AsyncClient, account: Account, where: dict[str, object] | None = None) -> list[str]:
    data = (await ok(client, account, LIST, {"f": where}))["companies"]
    assert data["totalCount"] == len(data["edges"])
    return sorted(e["node"]["name"] for e in data["edges"])


async def test_delete_restore_destroy(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    acme, beta, gamma = await create_companies(client, account, [{"name": "acme"}, {"name": "beta"},
                                                                 {"name": "gamma"}])
    assert len(await events(server, account)) == 3

    deleted = (await ok(client, account, "mutation ($id: ID!) { deleteCompany(id: $id) { id name deletedAt } }",
                        {"id": acme}))["deleteCompany"]
    assert deleted["id"] == acme and deleted["name"] == "acme" and deleted["deletedAt"].endswith("Z")
    assert await listed(client, account) == ["beta", "gamma"]
    assert (await ok(client, account, ONE, {"id": acme}))["company"] is None
    # a filter on deletedAt asks for deleted records
    assert await listed(client, account, {"deletedAt": {"is": "NOT_NULL"}}) == ["acme"]
    assert await listed(client, account, {"or": [{"deletedAt": {"is": "NULL"}}, {"deletedAt": {"is": "NOT_NULL"}}]}) \
        == ["acme", "beta", "gamma"]
    assert await listed(client, account, {"deletedAt": {"gt": "2000-01-01T00:00:00Z"}}) == ["acme"]
    found = (await ok(client, account, "query ($id: ID!) { company(filter: {id: {eq: $id}, deletedAt: {is: NOT_NULL}}) "
                                       "{ id } }", {"id": acme}))["company"]
    assert found == {"id": acme}

    # deleting twice: the record is not there to delete
    await fails(client, account, "mutation ($id: ID!) { deleteCompany(id: $id) { id } }", {"id": acme},
                code="NOT_FOUND")
    # updating a deleted record: not found either
    await fails(client, account, 'mutation ($id: ID!) { updateCompany(id: $id, data: {name: "x"}) { id } }',
                {"id": acme}, code="NOT_FOUND")
    # restoring a live one: not found (nothing to restore)
    await fails(client, account, "mutation ($id: ID!) { restoreCompany(id: $id) { id } }", {"id": beta},
                code="NOT_FOUND")
    assert [e["event"] for e in await events(server, account)] == ["company.created"] * 3 + ["company.deleted"]

    restored = (await ok(client, account, "mutation ($id: ID!) { restoreCompany(id: $id) { id name deletedAt } }",
                         {"id": acme}))["restoreCompany"]
    assert restored == {"id": acme, "name": "acme", "deletedAt": None}
    assert await listed(client, account) == ["acme", "beta", "gamma"]

    # destroy works on live and on deleted records, and removes the row
    await ok(client, account, "mutation ($ids: [ID!]!) { deleteCompanies(ids: $ids) { id } }", {"ids": [gamma]})
    gone = (await ok(client, account, "mutation ($ids: [ID!]!) { destroyCompanies(ids: $ids) { id name } }",
                     {"ids": [beta, gamma]}))["destroyCompanies"]
    assert gone == [{"id": beta, "name": "beta"}, {"id": gamma, "name": "gamma"}]
    assert await listed(client, account, {"or": [{"deletedAt": {"is": "NULL"}}, {"deletedAt": {"is": "NOT_NULL"}}]}) \
        == ["acme"]
    assert await count_rows(server, account, "company") == 1
    await fails(client, account, "mutation ($id: ID!) { destroyCompany(id: $id) { id } }", {"id": beta},
                code="NOT_FOUND")
    await fails(client, account, "mutation ($id: ID!) { restoreCompany(id: $id) { id } }", {"id": beta},
                code="NOT_FOUND")

    log = await events(server, account)
    assert [e["event"] for e in log] == ["company.created"] * 3 + [
        "company.deleted", "company.restored", "company.deleted", "company.destroyed", "company.destroyed"]
    assert [e["seq"] for e in log] == sorted(e["seq"] for e in log)
    assert all(e["objectName"] == "company" for e in log)
    assert [str(e["recordId"]) for e in log[3:6]] == [acme, acme, gamma]
    assert sorted(str(e["recordId"]) for e in log[6:]) == sorted([beta, gamma])  # one batch: in id order
    assert log[3]["data"]["deletedAt"] is not None and log[4]["data"]["deletedAt"] is None
    destroyed = {e["data"]["name"]: e["data"] for e in log[6:]}  # the records as they were when destroyed
    assert destroyed["beta"]["deletedAt"] is None and destroyed["gamma"]["deletedAt"] is not None


async def test_update_event_has_before_and_after(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    [acme] = await create_companies(client, account, [{"name": "acme", "employees": 1}])
    await ok(client, account, "mutation ($id: ID!) { updateCompany(id: $id, data: {employees: 2, "
                              'annualRecurringRevenue: {amountMicros: 5, currencyCode: "USD"}}) { id } }',
             {"id": acme})
    created, updated = await events(server, account)
    assert created["event"] == "company.created" and created["before"] is None
    assert created["data"]["name"] == "acme" and created["data"]["employees"] == 1
    assert created["data"]["id"] == acme
    assert updated["event"] == "company.updated"
    assert updated["before"]["employees"] == 1 and updated["data"]["employees"] == 2
    assert updated["data"]["annualRecurringRevenue"] == {"amountMicros": 5, "currencyCode": "USD"}
    assert updated["data"]["name"] == "acme"
    assert updated["data"]["updatedAt"] >= updated["before"]["updatedAt"]


async def test_batch_state_changes_skip_missing(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    acme, beta = await create_companies(client, account, [{"name": "acme"}, {"name": "beta"}])
    missing = "00000000-0000-4000-8000-000000000000"
    # batches answer the records they changed; ids that are not there are left out
    deleted = (await ok(client, account, "mutation ($ids: [ID!]!) { deleteCompanies(ids: $ids) { id } }",
                        {"ids": [acme, missing]}))["deleteCompanies"]
    assert deleted == [{"id": acme}]
    restored = (await ok(client, account, "mutation ($ids: [ID!]!) { restoreCompanies(ids: $ids) { id } }",
                         {"ids": [beta, acme]}))["restoreCompanies"]
    assert restored == [{"id": acme}]
    updated = (await ok(client, account, 'mutation ($ids: [ID!]!) { updateCompanies(ids: $ids, data: {name: "z"}) '
                                         "{ id name } }", {"ids": [missing]}))["updateCompanies"]
    assert updated == []
    kinds = [e["event"] for e in await events(server, account)]
    assert kinds == ["company.created", "company.created", "company.deleted", "company.restored"]


async def test_deleted_related_records_are_left_out(client: httpx.AsyncClient, account: Account) -> None:
    [acme] = await create_companies(client, account, [{"name": "acme"}])
    people = (await ok(client, account, "mutation ($d: [PersonCreateInput!]!) { createPeople(data: $d) { id } }",
                       {"d": [{"city": "a", "companyId": acme}, {"city": "b", "companyId": acme}]}))["createPeople"]
    await ok(client, account, "mutation ($id: ID!) { deletePerson(id: $id) { id } }", {"id": people[0]["id"]})
    data = await ok(client, account, "{ companies { edges { node { people { edges { node { city } } totalCount } } } } }")
    assert data["companies"]["edges"][0]["node"]["people"] == {"edges": [{"node": {"city": "b"}}], "totalCount": 1}
    # nested connections honour a deletedAt filter too
    data = await ok(client, account, "{ companies { edges { node { people(filter: {deletedAt: {is: NOT_NULL}}) "
                                     "{ edges { node { city } } } } } } }")
    assert data["companies"]["edges"][0]["node"]["people"] == {"edges": [{"node": {"city": "a"}}]}
    # a deleted company is not answered as a person's company
    await ok(client, account, "mutation ($id: ID!) { deleteCompany(id: $id) { id } }", {"id": acme})
    data = await ok(client, account, "{ people { edges { node { city companyId company { id } } } } }")
    assert data["people"]["edges"] == [{"node": {"city": "b", "companyId": acme, "company": None}}]
