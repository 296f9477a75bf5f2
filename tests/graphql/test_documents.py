"""The document is honoured as written: aliases, fragments, directives, __typename, several root fields."""

from __future__ import annotations

import httpx

from ..conftest import Account, Server
from .conftest import create_companies, events, fails, ok


async def test_aliases_fragments_directives_typename(client: httpx.AsyncClient, account: Account) -> None:
    [acme] = await create_companies(client, account, [{"name": "acme", "employees": 5,
                                                       "annualRecurringRevenue": {"amountMicros": 9}}])
    query = """
    query Q($withPeople: Boolean!, $skipName: Boolean = false) {
      __typename
      big: companies(filter: {employees: {gte: 5}}) { ...Page }
      small: companies(filter: {employees: {lt: 5}}) { totalCount __typename }
      one: company(filter: {name: {eq: "acme"}}) {
        __typename
        label: name
        ... on Company { employees }
        name @skip(if: $skipName)
        people @include(if: $withPeople) { totalCount }
        annualRecurringRevenue { __typename micros: amountMicros }
      }
      none: company(filter: {name: {eq: "nope"}}) { id }
    }
    fragment Page on CompanyConnection {
      __typename
      edges { __typename node { ...Fields id } cursor @skip(if: true) }
      pageInfo { __typename more: hasNextPage }
    }
    fragment Fields on Company { name name2: name }
    """
    data = await ok(client, account, query, {"withPeople": True})
    assert list(data) == ["__typename", "big", "small", "one", "none"]
    assert data["__typename"] == "Query"
    assert data["big"] == {"__typename": "CompanyConnection",
                           "edges": [{"__typename": "CompanyEdge", "node": {"name": "acme", "name2": "acme",
                                                                            "id": acme}}],
                           "pageInfo": {"__typename": "PageInfo", "more": False}}
    assert data["small"] == {"totalCount": 0, "__typename": "CompanyConnection"}
    assert data["one"] == {"__typename": "Company", "label": "acme", "employees": 5, "name": "acme",
                           "people": {"totalCount": 0},
                           "annualRecurringRevenue": {"__typename": "Currency", "micros": 9}}
    assert data["none"] is None
    data = await ok(client, account, query, {"withPeople": False, "skipName": True})
    assert list(data["one"]) == ["__typename", "label", "employees", "annualRecurringRevenue"]
    # many keys (more than one json_build_object takes) keep the order of the selection
    keys = [f"k{i}" for i in reversed(range(120))]
    fields = " ".join(f"{k}: {'employees' if i % 3 else 'name'}" for i, k in enumerate(keys))
    data = await ok(client, account, f"{{ companies {{ edges {{ node {{ {fields} }} }} }} }}")
    node = data["companies"]["edges"][0]["node"]
    assert list(node) == keys
    assert node["k119"] == "acme" and node["k118"] == 5
    data = await ok(client, account, f'mutation {{ createCompany(data: {{name: "b"}}) {{ {fields} }} }}')
    assert list(data["createCompany"]) == keys


async def test_introspection_beside_data(client: httpx.AsyncClient, account: Account) -> None:
    await create_companies(client, account, [{"name": "acme"}])
    data = await ok(client, account, """{
      companies { totalCount }
      __type(name: "OpportunityStageEnum") { kind enumValues { name } }
      __schema { queryType { name } mutationType { name } }
    }""")
    assert data["companies"] == {"totalCount": 1}
    assert data["__type"]["kind"] == "ENUM"
    assert {"QUALIFICATION", "PROPOSAL"} <= {v["name"] for v in data["__type"]["enumValues"]}
    assert data["__schema"] == {"queryType": {"name": "Query"}, "mutationType": {"name": "Mutation"}}
    task = await ok(client, account, '{ __type(name: "TaskStatusEnum") { enumValues { name } } }')
    assert [v["name"] for v in task["__type"]["enumValues"]] == ["TODO", "IN_PROGRESS", "DONE"]
    order = await ok(client, account, '{ __type(name: "CompanyOrderByInput") { inputFields { name } } }')
    assert {"name", "createdAt", "annualRecurringRevenue", "employees"} <= {
        f["name"] for f in order["__type"]["inputFields"]}


async def test_mutations_in_order_with_nested_answers(client: httpx.AsyncClient, account: Account) -> None:
    [acme] = await create_companies(client, account, [{"name": "acme"}])
    data = await ok(client, account, """
    mutation ($c: ID!) {
      __typename
      first: createPerson(data: {city: "Paris", companyId: $c}) { city company { name people { totalCount } } }
      second: createPerson(data: {city: "Oslo", companyId: $c}) { ...P }
      renamed: updateCompany(id: $c, data: {name: "acme inc"}) {
        __typename name people(orderBy: {city: AscNullsLast}) { edges { node { city } } totalCount }
      }
    }
    fragment P on Person { city company { name people { totalCount } } }
    """, {"c": acme})
    assert list(data) == ["__typename", "first", "second", "renamed"]
    assert data["__typename"] == "Mutation"
    # each root field runs after the previous one committed, and sees it
    assert data["first"] == {"city": "Paris", "company": {"name": "acme", "people": {"totalCount": 1}}}
    assert data["second"] == {"city": "Oslo", "company": {"name": "acme", "people": {"totalCount": 2}}}
    assert data["renamed"] == {"__typename": "Company", "name": "acme inc", "people": {
        "edges": [{"node": {"city": "Oslo"}}, {"node": {"city": "Paris"}}], "totalCount": 2}}


async def test_mutation_answers_show_the_change_everywhere(client: httpx.AsyncClient, account: Account,
                                                           server: Server) -> None:
    # relations in a mutation's answer that lead back to the changed records show them as changed
    [acme] = await create_companies(client, account, [{"name": "acme"}])
    await ok(client, account, 'mutation ($c: ID!) { createPeople(data: [{city: "a", companyId: $c}]) { id } }',
             {"c": acme})
    data = await ok(client, account, """mutation ($c: ID!) {
      updateCompany(id: $c, data: {name: "renamed"}) {
        name people { edges { node { city company { name } } } }
        again: people(filter: {company: {name: {eq: "renamed"}}}) { totalCount }
      } }""", {"c": acme})
    assert data["updateCompany"] == {"name": "renamed", "people": {"edges": [
        {"node": {"city": "a", "company": {"name": "renamed"}}}]}, "again": {"totalCount": 1}}
    data = await ok(client, account, """mutation ($c: ID!) {
      createPeople(data: [{city: "b", companyId: $c}, {city: "c", companyId: $c}]) {
        city company { people(orderBy: {city: AscNullsLast}) { edges { node { city } } } } } }""", {"c": acme})
    cities = [{"node": {"city": c}} for c in "abc"]
    assert data["createPeople"] == [{"city": "b", "company": {"people": {"edges": cities}}},
                                    {"city": "c", "company": {"people": {"edges": cities}}}]
    data = await ok(client, account, """mutation ($c: ID!) {
      deleteCompany(id: $c) { name deletedAt people { edges { node { company { name } } } } } }""", {"c": acme})
    assert data["deleteCompany"]["deletedAt"] is not None
    # the deleted company is no longer anyone's company
    assert data["deleteCompany"]["people"]["edges"][0] == {"node": {"company": None}}
    data = await ok(client, account, """mutation ($c: ID!) {
      restoreCompany(id: $c) { people { totalCount edges { node { company { name } } } } } }""", {"c": acme})
    assert data["restoreCompany"]["people"]["totalCount"] == 3
    assert data["restoreCompany"]["people"]["edges"][0] == {"node": {"company": {"name": "renamed"}}}
    # a batch whose ids include one that is not changed answers only the changed ones
    data = await ok(client, account, """mutation ($ids: [ID!]!) {
      updateCompanies(ids: $ids, data: {employees: 3}) { id people { edges { node { company { employees } } } } }
    }""", {"ids": ["00000000-0000-4000-8000-000000000000", acme]})
    assert data["updateCompanies"] == [{"id": acme, "people": {"edges": [
        {"node": {"company": {"employees": 3}}}] * 3}}]
    # answering in a second statement logs nothing more: one event per changed record
    assert [e["event"] for e in await events(server, account)] == [
        "company.created", "person.created", "company.updated", "person.created", "person.created",
        "company.deleted", "company.restored", "company.updated"]


async def test_errors_of_one_root_field_leave_the_others(client: httpx.AsyncClient, account: Account) -> None:
    body = await fails(client, account, """
    mutation {
      good: createCompany(data: {name: "good"}) { name }
      bad: createPerson(data: {email: "nope"}) { id }
      after: createCompany(data: {name: "after"}) { name }
    }""", code="BAD_USER_INPUT")
    assert body["data"] == {"good": {"name": "good"}, "bad": None, "after": {"name": "after"}}
    assert [e["path"] for e in body["errors"]] == [["bad"]]
    names = await ok(client, account, "{ companies(orderBy: {name: AscNullsLast}) { edges { node { name } } } }")
    assert [e["node"]["name"] for e in names["companies"]["edges"]] == ["after", "good"]


async def test_subscriptions_are_not_served_here(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.post("/graphql", json={"query": "subscription { companies { totalCount } }"},
                                 headers=account.headers)
    assert response.status_code == 400
