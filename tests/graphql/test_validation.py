"""Bad input of every kind is answered with a GraphQL error and a stable code, and writes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import trio

from ..conftest import Account, Server, gql
from .conftest import count_rows, create_companies, events, fails, ok

CREATE_COMPANY = "mutation ($input: CompanyCreateInput!) { createCompany(data: $input) { id } }"
CREATE_PERSON = "mutation ($input: PersonCreateInput!) { createPerson(data: $input) { id } }"
CREATE_OPPORTUNITY = "mutation ($input: OpportunityCreateInput!) { createOpportunity(data: $input) { id } }"
UPDATE_PERSON = "mutation ($id: ID!, $input: PersonUpdateInput!) { updatePerson(id: $id, data: $input) { id } }"
NOWHERE = "00000000-0000-4000-8000-000000000000"


async def unchanged(server: Server, account: Account, counts: dict[str, int], event_count: int) -> None:
    for table, count in counts.items():
        assert await count_rows(server, account, table) == count, table
    assert len(await events(server, account)) == event_count


async def snapshot(server: Server, account: Account) -> tuple[dict[str, int], int]:
    tables = ("company", "person", "opportunity", "task")
    return {t: await count_rows(server, account, t) for t in tables}, len(await events(server, account))


async def test_document_errors(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    await create_companies(client, account, [{"name": "acme"}])
    state = await snapshot(server, account)
    body = await fails(client, account, "query GetCompanies { companies { edges { node { id unknownField } } } }",
                       code="GRAPHQL_VALIDATION_FAILED", status=400)
    [error] = body["errors"]
    assert "unknownField" in error["message"] and "Company" in error["message"]
    assert error["locations"] == [{"line": 1, "column": 52}]
    assert body["data"] is None
    # wrong literal types
    await fails(client, account, 'mutation { createCompany(data: {employees: "many"}) { id } }',
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, "mutation { createCompany(data: {name: 12}) { id } }",
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, 'mutation { createCompany(data: {idealCustomerProfile: "yes"}) { id } }',
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, "mutation { createCompany(data: {unknownField: 1}) { id } }",
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, 'mutation { createCompany(data: {createdAt: "2020-01-01T00:00:00Z"}) { id } }',
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, 'mutation { createOpportunity(data: {stage: LOST}) { id } }',
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, 'mutation { createOpportunity(data: {closeDate: "someday"}) { id } }',
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, "mutation { createCompany { id } }", code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, "{ companies(first: 1.5) { totalCount } }",
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, "{ companies(filter: {name: {like: 3}}) { totalCount } }",
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, "{ companies { edges { node { name { firstName } } } } }",
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, "{ companies { edges { node { people } } } }",
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, "{ companies { edges { node { id } } ", code="GRAPHQL_PARSE_FAILED", status=400)
    # wrong variable values
    await fails(client, account, CREATE_COMPANY, {"input": {"employees": "many"}}, code="BAD_USER_INPUT", status=400)
    await fails(client, account, CREATE_COMPANY, {"input": {"nope": 1}}, code="BAD_USER_INPUT", status=400)
    await fails(client, account, CREATE_COMPANY, {}, code="BAD_USER_INPUT", status=400)
    await fails(client, account, CREATE_OPPORTUNITY, {"input": {"stage": "LOST"}}, code="BAD_USER_INPUT", status=400)
    await fails(client, account, CREATE_COMPANY, {"input": {"annualRecurringRevenue": {"amountMicros": 2**64}}},
                code="BAD_USER_INPUT", status=400)
    await fails(client, account, CREATE_COMPANY, {"input": {"annualRecurringRevenue": {"amountMicros": "lots"}}},
                code="BAD_USER_INPUT", status=400)
    await unchanged(server, account, *state)


async def test_value_errors(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    [acme] = await create_companies(client, account, [{"name": "acme"}])
    person = (await ok(client, account, CREATE_PERSON, {"input": {"city": "Paris"}}))["createPerson"]["id"]
    state = await snapshot(server, account)

    async def bad(query: str, variables: dict[str, Any], field: str) -> None:
        body = await fails(client, account, query, variables, code="BAD_USER_INPUT")
        [error] = body["errors"]
        assert len(body["data"]) == 1 and next(iter(body["data"].values())) is None, body
        assert error["path"] == list(body["data"]), body
        assert any(field in d["field"] for d in error["extensions"].get("details", [])), body

    await bad(CREATE_PERSON, {"input": {"email": "not-an-email"}}, "email")
    await bad(CREATE_PERSON, {"input": {"email": "two@@example.com"}}, "email")
    await bad(UPDATE_PERSON, {"id": person, "input": {"email": "a b@example.com"}}, "email")
    await bad(CREATE_COMPANY, {"input": {"domainName": "not a url"}}, "domainName")
    await bad(CREATE_COMPANY, {"input": {"linkedinLink": "javascript:alert(1)"}}, "linkedinLink")
    await bad(CREATE_COMPANY, {"input": {"name": "x" * 100_001}}, "name")
    await bad(CREATE_COMPANY, {"input": {"domainName": "a.com/" + "x" * 3000}}, "domainName")
    await bad(CREATE_COMPANY, {"input": {"annualRecurringRevenue": {"currencyCode": "x" * 3000}}},
              "annualRecurringRevenue")
    await bad(CREATE_COMPANY, {"input": {"name": "nul\x00byte"}}, "name")
    await bad(CREATE_COMPANY, {"input": {"annualRecurringRevenue": {"amountMicros": 1.5}}}, "annualRecurringRevenue")
    await bad(CREATE_COMPANY, {"input": {"id": "not-a-uuid"}}, "id")
    # relation ids: malformed, or pointing at no record of this workspace
    await bad(CREATE_PERSON, {"input": {"companyId": "nope"}}, "companyId")
    await bad(CREATE_PERSON, {"input": {"companyId": NOWHERE}}, "companyId")
    await bad(UPDATE_PERSON, {"id": person, "input": {"companyId": NOWHERE}}, "companyId")
    await bad(CREATE_OPPORTUNITY, {"input": {"companyId": acme, "pointOfContactId": acme}}, "pointOfContactId")
    await bad("mutation ($d: [PersonCreateInput!]!) { createPeople(data: $d) { id } }",
              {"d": [{"companyId": acme}, {"companyId": NOWHERE}]}, "companyId")
    await bad("mutation ($d: TaskCreateInput!) { createTask(data: $d) { id } }",
              {"d": {"title": "t", "assigneeId": NOWHERE}}, "assigneeId")
    await bad("mutation ($id: ID!) { updateCompany(id: $id, data: {name: \"x\"}) { id } }", {"id": "nope"}, "id")
    await bad("mutation ($id: ID!) { deleteCompany(id: $id) { id } }", {"id": "nope"}, "id")
    # a duplicate id is a conflict
    body = await fails(client, account, CREATE_COMPANY, {"input": {"id": acme}}, code="CONFLICT")
    assert body["data"] == {"createCompany": None}
    body = await fails(client, account, "mutation ($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { id } }",
                       {"d": [{"id": NOWHERE}, {"id": NOWHERE}]}, code="BAD_USER_INPUT")
    await fails(client, account, "{ companies(filter: {annualRecurringRevenue: {amountMicros: {gt: 0.5}}}) "
                                 "{ totalCount } }", code="BAD_USER_INPUT")
    await unchanged(server, account, *state)
    # what did pass: a domain without a scheme (API.md's "acme.com"), a soft-deleted company's id is still an id
    await ok(client, account, CREATE_COMPANY, {"input": {
        "domainName": "acme.com", "linkedinLink": "https://x.co/a%20b",
        "annualRecurringRevenue": {"amountMicros": 5e10}}})  # a whole number written as a float
    data = await ok(client, account, "{ companies(filter: {annualRecurringRevenue: {amountMicros: {eq: 5e10}}}) "
                                     "{ edges { node { annualRecurringRevenue { amountMicros } } } } }")
    assert data["companies"]["edges"] == [{"node": {"annualRecurringRevenue": {"amountMicros": 50000000000}}}]


async def test_limits(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    state = await snapshot(server, account)
    body = await fails(client, account, "{ companies(first: 201) { totalCount } }", code="BAD_USER_INPUT")
    assert "200" in body["errors"][0]["message"]
    await fails(client, account, "{ companies(last: 1000) { totalCount } }", code="BAD_USER_INPUT")
    await fails(client, account, "{ companies(first: -1) { totalCount } }", code="BAD_USER_INPUT")
    await fails(client, account, "{ companies { edges { node { people(first: 500) { totalCount } } } } }",
                code="BAD_USER_INPUT")
    assert (await ok(client, account, "{ companies(first: 200) { totalCount } }"))["companies"]["totalCount"] == 0
    deep = "{ companies { edges { node { people { edges { node { company { people { edges { node { company { " \
           "people { edges { node { id } } } } } } } } } } } } } } }"
    body = await fails(client, account, deep, code="GRAPHQL_VALIDATION_FAILED", status=400)
    assert "deeper" in body["errors"][0]["message"]
    # a deep chain through fragments is refused as well
    fragments = "".join(f"fragment F{i} on Company {{ people {{ edges {{ node {{ company {{ ...F{i + 1} }} }} }} }} }}"
                        for i in range(10)) + "fragment F10 on Company { id }"
    body = await fails(client, account, "{ companies { edges { node { ...F0 } } } }" + fragments,
                       code="GRAPHQL_VALIDATION_FAILED", status=400)
    # fragments that spread the next one twice, forty deep (2**40 paths), are answered at once
    laughs = "".join(f"fragment L{i} on Company {{ ...L{i + 1} ...L{i + 1} }}" for i in range(40))
    with trio.fail_after(5):
        data = await ok(client, account, "{ companies { edges { node { ...L0 } } } }" + laughs +
                        "fragment L40 on Company { id name }")
    assert data == {"companies": {"edges": []}}
    # a cycle of fragments is a validation error, not a hang
    await fails(client, account, "{ companies { edges { node { ...A } } } } fragment A on Company { ...B } "
                                 "fragment B on Company { ...A }", code="GRAPHQL_VALIDATION_FAILED", status=400)
    # too many records in one batch
    await fails(client, account, "mutation ($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { id } }",
                {"d": [{"name": "x"}] * 501}, code="BAD_USER_INPUT")
    await unchanged(server, account, *state)


async def test_request_errors(client: httpx.AsyncClient, account: Account) -> None:
    headers = {"Authorization": f"Bearer {account.access_token}", "Content-Type": "application/json"}
    response = await client.post("/graphql", content=b"{not json", headers=headers)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    response = await client.post("/graphql", json={"variables": {}}, headers=headers)
    assert response.status_code == 400
    response = await client.post("/graphql", json={"query": "query A { companies { totalCount } } "
                                                            "query B { people { totalCount } }"}, headers=headers)
    assert response.status_code == 400
    response = await client.post("/graphql", json={"query": "query A { companies { totalCount } } "
                                                            "query B { people { totalCount } }",
                                                   "operationName": "B"}, headers=headers)
    assert response.status_code == 200 and response.json() == {"data": {"people": {"totalCount": 0}}}
    response = await gql(client, "not-a-token", "{ companies { totalCount } }")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_multi_select_and_json_values_are_written_and_read(client, account) -> None:  # type: ignore[no-untyped-def]
    from ..conftest import gql

    ids = {e["node"]["nameSingular"]: e["node"]["id"] for e in (await gql(
        client, account.access_token, "{ objects { edges { node { id nameSingular } } } }", path="/metadata"
    )).json()["data"]["objects"]["edges"]}
    for field in ({"name": "tags", "label": "Tags", "type": "MULTI_SELECT",
                   "options": [{"value": "HOT"}, {"value": "COLD"}, {"value": "B2B"}]},
                  {"name": "extra", "label": "Extra", "type": "JSON"}):
        made = await gql(client, account.access_token, "mutation($d: CreateFieldInput!) { createOneField(data: $d) "
                                                       "{ id } }", {"d": {"objectMetadataId": ids["company"], **field}},
                         path="/metadata")
        assert "errors" not in made.json(), made.text
    created = await gql(client, account.access_token, """mutation($d: [CompanyCreateInput!]!) {
        createCompanies(data: $d) { name tags extra } }""", {"d": [
        {"name": "a", "tags": ["HOT", "B2B"], "extra": [1, {"k": "v"}]},
        {"name": "b", "tags": [], "extra": {"nested": [True, None]}},
        {"name": "c"}]})
    assert created.json()["data"]["createCompanies"] == [
        {"name": "a", "tags": ["HOT", "B2B"], "extra": [1, {"k": "v"}]},
        {"name": "b", "tags": [], "extra": {"nested": [True, None]}},
        {"name": "c", "tags": None, "extra": None}]
    found = await gql(client, account.access_token, '{ companies(filter: {tags: {containsAny: [B2B]}}) '
                                                    "{ edges { node { name } } } }")
    assert [e["node"]["name"] for e in found.json()["data"]["companies"]["edges"]] == ["a"]
