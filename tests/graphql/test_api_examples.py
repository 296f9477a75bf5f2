"""Every core GraphQL request of API.md, sent verbatim, answers in the shape API.md shows."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

import httpx

from ..conftest import Account, Server
from .conftest import events, ok

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

# --- API.md "GraphQL Core API" (query text copied exactly) ---------------------------------------

INTROSPECT = """
query IntrospectSchema {
  __schema {
    types {
      name
      kind
      description
      fields {
        name
        type {
          name
          kind
        }
      }
    }
  }
}
"""

GET_COMPANIES = """
query GetCompanies(
  $filter: CompanyFilterInput
  $orderBy: [CompanyOrderByInput!]
  $limit: Int
  $after: String
) {
  companies(
    filter: $filter
    orderBy: $orderBy
    first: $limit
    after: $after
  ) {
    edges {
      node {
        id
        name
        domainName
        address
        employees
        industry
        linkedinLink
        xLink
        annualRecurringRevenue {
          amountMicros
          currencyCode
        }
        idealCustomerProfile
        createdAt
        updatedAt
        # Relations
        people {
          edges {
            node {
              id
              name {
                firstName
                lastName
              }
              email
              phone
            }
          }
        }
        opportunities {
          edges {
            node {
              id
              name
              amount {
                amountMicros
                currencyCode
              }
              stage
              closeDate
            }
          }
        }
      }
      cursor
    }
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
    totalCount
  }
}
"""

GET_COMPANIES_VARIABLES = {
    "filter": {
        "industry": {"eq": "Technology"},
        "employees": {"gte": 100},
    },
    "orderBy": [
        {"createdAt": "DescNullsLast"},
    ],
    "limit": 20,
}

CREATE_COMPANY = """
mutation CreateCompany($input: CompanyCreateInput!) {
  createCompany(data: $input) {
    id
    name
    domainName
    industry
    createdAt
  }
}
"""

CREATE_COMPANY_VARIABLES = {
    "input": {
        "name": "Acme Corporation",
        "domainName": "acme.com",
        "industry": "Technology",
        "employees": 500,
        "address": "123 Main St, San Francisco, CA",
        "idealCustomerProfile": True,
    }
}

UPDATE_COMPANY = """
mutation UpdateCompany($id: ID!, $input: CompanyUpdateInput!) {
  updateCompany(id: $id, data: $input) {
    id
    name
    employees
    updatedAt
  }
}
"""

DELETE_COMPANY = """
mutation DeleteCompany($id: ID!) {
  deleteCompany(id: $id) {
    id
  }
}
"""

GET_PEOPLE = """
query GetPeople($filter: PersonFilterInput, $limit: Int) {
  people(filter: $filter, first: $limit) {
    edges {
      node {
        id
        name {
          firstName
          lastName
        }
        email
        phone
        city
        jobTitle
        linkedinLink
        xLink
        avatarUrl
        position
        createdAt
        updatedAt
        # Relations
        company {
          id
          name
        }
        opportunities {
          edges {
            node {
              id
              name
              stage
            }
          }
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
"""

CREATE_PERSON = """
mutation CreatePerson($input: PersonCreateInput!) {
  createPerson(data: $input) {
    id
    name {
      firstName
      lastName
    }
    email
    phone
    createdAt
  }
}
"""

GET_OPPORTUNITIES = """
query GetOpportunities($filter: OpportunityFilterInput) {
  opportunities(filter: $filter) {
    edges {
      node {
        id
        name
        amount {
          amountMicros
          currencyCode
        }
        stage
        probability
        closeDate
        createdAt
        # Relations
        company {
          id
          name
        }
        pointOfContact {
          id
          name {
            firstName
            lastName
          }
        }
      }
    }
  }
}
"""

CREATE_OPPORTUNITY = """
mutation CreateOpportunity($input: OpportunityCreateInput!) {
  createOpportunity(data: $input) {
    id
    name
    amount {
      amountMicros
      currencyCode
    }
    stage
    probability
  }
}
"""

GET_TASKS = """
query GetTasks($filter: TaskFilterInput) {
  tasks(filter: $filter, orderBy: [{ dueAt: "AscNullsLast" }]) {
    edges {
      node {
        id
        title
        body
        status
        dueAt
        createdAt
        # Relations
        assignee {
          id
          name {
            firstName
            lastName
          }
        }
      }
    }
  }
}
"""

CREATE_TASK = """
mutation CreateTask($input: TaskCreateInput!) {
  createTask(data: $input) {
    id
    title
    body
    status
    dueAt
  }
}
"""

GET_NOTES = """
query GetNotes($filter: NoteFilterInput) {
  notes(filter: $filter, orderBy: [{ createdAt: "DescNullsLast" }]) {
    edges {
      node {
        id
        title
        body
        position
        createdAt
        updatedAt
      }
    }
  }
}
"""

BATCH_CREATE = """
mutation BatchCreateCompanies($inputs: [CompanyCreateInput!]!) {
  createCompanies(data: $inputs) {
    id
    name
  }
}
"""

BATCH_UPDATE = """
mutation BatchUpdateCompanies($ids: [ID!]!, $input: CompanyUpdateInput!) {
  updateCompanies(ids: $ids, data: $input) {
    id
    updatedAt
  }
}
"""

BATCH_DELETE = """
mutation BatchDeleteCompanies($ids: [ID!]!) {
  deleteCompanies(ids: $ids) {
    id
  }
}
"""

# --- API.md "Pagination" and "Filtering & Sorting" -----------------------------------------------

PAGINATION = """
query GetCompanies($after: String, $limit: Int!) {
  companies(first: $limit, after: $after) {
    edges {
      node { id name }
      cursor
    }
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
    totalCount
  }
}
"""

COMPLEX_FILTER = """
query GetCompanies {
  companies(
    filter: {
      and: [
        { industry: { eq: "Technology" } }
        { or: [
          { employees: { gte: 100 } }
          { annualRecurringRevenue: { amountMicros: { gte: 1000000000000 } } }
        ]}
      ]
    }
  ) {
    edges { node { id name } }
  }
}
"""

SORTING = """
query GetCompanies {
  companies(
    orderBy: [
      { createdAt: "DescNullsLast" }
      { name: "AscNullsFirst" }
    ]
  ) {
    edges { node { id name createdAt } }
  }
}
"""


def is_uuid(value: Any) -> bool:
    try:
        return str(uuid.UUID(value)) == str(value)
    except (TypeError, ValueError):
        return False


async def create_company(client: httpx.AsyncClient, account: Account, **fields: Any) -> dict[str, Any]:
    data = await ok(client, account, CREATE_COMPANY, {"input": fields})
    company: dict[str, Any] = data["createCompany"]
    return company


async def test_introspect_schema(client: httpx.AsyncClient, account: Account) -> None:
    data = await ok(client, account, INTROSPECT)
    types = {t["name"]: t for t in data["__schema"]["types"]}
    for name in ("Company", "Person", "Opportunity", "Task", "Note", "WorkspaceMember", "TaskTarget", "NoteTarget",
                 "CompanyFilterInput", "CompanyOrderByInput", "CompanyCreateInput", "CompanyUpdateInput",
                 "CompanyConnection", "CompanyEdge", "PageInfo", "Query", "Mutation"):
        assert name in types, name
    company = types["Company"]
    assert company["kind"] == "OBJECT"
    fields = {f["name"]: f["type"] for f in company["fields"]}
    for name in ("id", "name", "domainName", "address", "employees", "industry", "linkedinLink", "xLink",
                 "annualRecurringRevenue", "idealCustomerProfile", "createdAt", "updatedAt", "deletedAt",
                 "position", "people", "opportunities"):
        assert name in fields, name
    assert fields["name"] == {"name": "String", "kind": "SCALAR"}
    assert fields["annualRecurringRevenue"] == {"name": "Currency", "kind": "OBJECT"}
    assert fields["id"] == {"name": None, "kind": "NON_NULL"}
    assert types["CompanyFilterInput"]["kind"] == "INPUT_OBJECT"
    assert types["CompanyFilterInput"]["fields"] is None  # input fields are not `fields`
    person = {f["name"] for f in types["Person"]["fields"]}
    assert {"name", "email", "phone", "city", "jobTitle", "avatarUrl", "company", "companyId",
            "opportunities"} <= person
    opportunity = {f["name"] for f in types["Opportunity"]["fields"]}
    assert {"amount", "stage", "probability", "closeDate", "company", "pointOfContact"} <= opportunity
    task = {f["name"] for f in types["Task"]["fields"]}
    assert {"title", "body", "status", "dueAt", "assignee"} <= task
    query = {f["name"] for f in types["Query"]["fields"]}
    assert {"companies", "company", "people", "person", "opportunities", "tasks", "notes"} <= query
    mutation = {f["name"] for f in types["Mutation"]["fields"]}
    for verb in ("create", "update", "delete", "destroy", "restore"):
        assert {f"{verb}Company", f"{verb}Companies", f"{verb}Person", f"{verb}People"} <= mutation


async def test_company_lifecycle(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    created = (await ok(client, account, CREATE_COMPANY, CREATE_COMPANY_VARIABLES))["createCompany"]
    assert list(created) == ["id", "name", "domainName", "industry", "createdAt"]
    assert is_uuid(created["id"])
    assert created["name"] == "Acme Corporation"
    assert created["domainName"] == "acme.com"
    assert created["industry"] == "Technology"
    assert ISO.match(created["createdAt"])
    company_id = created["id"]

    updated = (await ok(client, account, UPDATE_COMPANY, {
        "id": company_id,
        "input": {
            "employees": 600,
            "linkedinLink": "https://linkedin.com/company/acme",
        },
    }))["updateCompany"]
    assert list(updated) == ["id", "name", "employees", "updatedAt"]
    assert updated["id"] == company_id
    assert updated["name"] == "Acme Corporation"
    assert updated["employees"] == 600
    assert ISO.match(updated["updatedAt"]) and updated["updatedAt"] >= created["createdAt"]

    page = (await ok(client, account, GET_COMPANIES, GET_COMPANIES_VARIABLES))["companies"]
    assert list(page) == ["edges", "pageInfo", "totalCount"]
    assert page["totalCount"] == 1
    [edge] = page["edges"]
    assert list(edge) == ["node", "cursor"]
    node = edge["node"]
    assert list(node) == ["id", "name", "domainName", "address", "employees", "industry", "linkedinLink", "xLink",
                          "annualRecurringRevenue", "idealCustomerProfile", "createdAt", "updatedAt", "people",
                          "opportunities"]
    assert node["linkedinLink"] == "https://linkedin.com/company/acme"
    assert node["address"] == "123 Main St, San Francisco, CA"
    assert node["xLink"] is None
    assert node["annualRecurringRevenue"] == {"amountMicros": None, "currencyCode": None}
    assert node["idealCustomerProfile"] is True
    assert node["people"] == {"edges": []}
    assert node["opportunities"] == {"edges": []}
    assert page["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False,
                                "startCursor": edge["cursor"], "endCursor": edge["cursor"]}

    deleted = (await ok(client, account, DELETE_COMPANY, {"id": company_id}))["deleteCompany"]
    assert deleted == {"id": company_id}
    page = (await ok(client, account, GET_COMPANIES, GET_COMPANIES_VARIABLES))["companies"]
    assert page["edges"] == [] and page["totalCount"] == 0
    assert page["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None,
                                "endCursor": None}
    assert [e["event"] for e in await events(server, account)] == [
        "company.created", "company.updated", "company.deleted"]


async def test_get_companies_filters_orders_and_nests(client: httpx.AsyncClient, account: Account) -> None:
    tech = await create_company(client, account, name="Tech big", industry="Technology", employees=150,
                                annualRecurringRevenue={"amountMicros": 5_000_000, "currencyCode": "EUR"})
    later = await create_company(client, account, name="Tech later", industry="Technology", employees=100)
    await create_company(client, account, name="Tech small", industry="Technology", employees=99)
    await create_company(client, account, name="Retail big", industry="Retail", employees=1000)
    person = (await ok(client, account, CREATE_PERSON, {"input": {
        "name": {"firstName": "John", "lastName": "Doe"}, "email": "john.doe@example.com", "phone": "+1-555-0123",
        "jobTitle": "CTO", "companyId": tech["id"], "city": "San Francisco"}}))["createPerson"]
    opportunity = (await ok(client, account, CREATE_OPPORTUNITY, {"input": {
        "name": "Enterprise License", "amount": {"amountMicros": 50000000000, "currencyCode": "USD"},
        "stage": "QUALIFICATION", "probability": 25, "closeDate": "2024-12-31", "companyId": tech["id"],
        "pointOfContactId": person["id"]}}))["createOpportunity"]

    page = (await ok(client, account, GET_COMPANIES, GET_COMPANIES_VARIABLES))["companies"]
    assert page["totalCount"] == 2
    nodes = [e["node"] for e in page["edges"]]
    assert [n["name"] for n in nodes] == ["Tech later", "Tech big"]  # createdAt DescNullsLast
    assert nodes[0]["id"] == later["id"]
    big = nodes[1]
    assert big["employees"] == 150
    assert big["annualRecurringRevenue"] == {"amountMicros": 5_000_000, "currencyCode": "EUR"}
    assert big["idealCustomerProfile"] is False  # the field's default
    assert big["people"] == {"edges": [{"node": {"id": person["id"],
                                                 "name": {"firstName": "John", "lastName": "Doe"},
                                                 "email": "john.doe@example.com", "phone": "+1-555-0123"}}]}
    assert big["opportunities"] == {"edges": [{"node": {
        "id": opportunity["id"], "name": "Enterprise License",
        "amount": {"amountMicros": 50000000000, "currencyCode": "USD"}, "stage": "QUALIFICATION",
        "closeDate": "2024-12-31"}}]}
    assert nodes[0]["people"] == {"edges": []}
    assert page["pageInfo"]["hasNextPage"] is False
    assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
    assert page["pageInfo"]["endCursor"] == page["edges"][1]["cursor"]


async def test_people(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    company = await create_company(client, account, name="Acme Corporation")
    created = (await ok(client, account, CREATE_PERSON, {"input": {
        "name": {
            "firstName": "John",
            "lastName": "Doe",
        },
        "email": "john.doe@example.com",
        "phone": "+1-555-0123",
        "jobTitle": "CTO",
        "companyId": company["id"],
        "city": "San Francisco",
    }}))["createPerson"]
    assert list(created) == ["id", "name", "email", "phone", "createdAt"]
    assert is_uuid(created["id"])
    assert created["name"] == {"firstName": "John", "lastName": "Doe"}
    assert created["email"] == "john.doe@example.com"
    assert created["phone"] == "+1-555-0123"
    assert ISO.match(created["createdAt"])
    opportunity = (await ok(client, account, CREATE_OPPORTUNITY, {"input": {
        "name": "Deal", "stage": "PROPOSAL", "pointOfContactId": created["id"]}}))["createOpportunity"]

    data = await ok(client, account, GET_PEOPLE, {"filter": {"city": {"eq": "San Francisco"}}, "limit": 10})
    people = data["people"]
    assert list(people) == ["edges", "pageInfo"]
    assert people["pageInfo"]["hasNextPage"] is False
    assert isinstance(people["pageInfo"]["endCursor"], str)
    [edge] = people["edges"]
    node = edge["node"]
    assert list(node) == ["id", "name", "email", "phone", "city", "jobTitle", "linkedinLink", "xLink", "avatarUrl",
                          "position", "createdAt", "updatedAt", "company", "opportunities"]
    assert node["city"] == "San Francisco" and node["jobTitle"] == "CTO"
    assert node["linkedinLink"] is None and node["avatarUrl"] is None
    assert node["position"] is None or isinstance(node["position"], int | float)
    assert node["company"] == {"id": company["id"], "name": "Acme Corporation"}
    assert node["opportunities"] == {"edges": [{"node": {"id": opportunity["id"], "name": "Deal",
                                                         "stage": "PROPOSAL"}}]}
    none = await ok(client, account, GET_PEOPLE, {"filter": {"city": {"eq": "Paris"}}, "limit": 10})
    assert none["people"] == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
    # without variables at all
    assert len((await ok(client, account, GET_PEOPLE))["people"]["edges"]) == 1


async def test_opportunities(client: httpx.AsyncClient, account: Account) -> None:
    company = await create_company(client, account, name="Acme Corporation")
    person = (await ok(client, account, CREATE_PERSON, {"input": {
        "name": {"firstName": "John", "lastName": "Doe"}, "companyId": company["id"]}}))["createPerson"]
    created = (await ok(client, account, CREATE_OPPORTUNITY, {"input": {
        "name": "Enterprise License",
        "amount": {
            "amountMicros": 50000000000,
            "currencyCode": "USD",
        },
        "stage": "QUALIFICATION",
        "probability": 25,
        "closeDate": "2024-12-31",
        "companyId": company["id"],
        "pointOfContactId": person["id"],
    }}))["createOpportunity"]
    assert list(created) == ["id", "name", "amount", "stage", "probability"]
    assert created["name"] == "Enterprise License"
    assert created["amount"] == {"amountMicros": 50000000000, "currencyCode": "USD"}
    assert created["stage"] == "QUALIFICATION"
    assert created["probability"] == 25

    data = await ok(client, account, GET_OPPORTUNITIES, {"filter": {"stage": {"eq": "QUALIFICATION"}}})
    [edge] = data["opportunities"]["edges"]
    assert list(data["opportunities"]) == ["edges"]
    node = edge["node"]
    assert list(node) == ["id", "name", "amount", "stage", "probability", "closeDate", "createdAt", "company",
                          "pointOfContact"]
    assert node["closeDate"] == "2024-12-31"
    assert ISO.match(node["createdAt"])
    assert node["company"] == {"id": company["id"], "name": "Acme Corporation"}
    assert node["pointOfContact"] == {"id": person["id"], "name": {"firstName": "John", "lastName": "Doe"}}
    assert (await ok(client, account, GET_OPPORTUNITIES, {"filter": {"stage": {"eq": "PROPOSAL"}}})) == {
        "opportunities": {"edges": []}}


async def test_tasks(client: httpx.AsyncClient, account: Account) -> None:
    members = await ok(client, account, "{ workspaceMembers { edges { node { id name { firstName lastName } } } } }")
    [member] = [e["node"] for e in members["workspaceMembers"]["edges"]]
    later = (await ok(client, account, CREATE_TASK, {"input": {
        "title": "Call back", "body": "About the renewal", "status": "IN_PROGRESS", "dueAt": "2025-03-02T10:00:00Z",
        "assigneeId": member["id"]}}))["createTask"]
    assert list(later) == ["id", "title", "body", "status", "dueAt"]
    assert later["status"] == "IN_PROGRESS"
    assert later["dueAt"] == "2025-03-02T10:00:00.000Z"
    undated = (await ok(client, account, CREATE_TASK, {"input": {"title": "Someday"}}))["createTask"]
    assert undated["status"] == "TODO" and undated["dueAt"] is None and undated["body"] is None
    sooner = (await ok(client, account, CREATE_TASK, {"input": {
        "title": "Send the quote", "dueAt": "2025-03-01T09:30:00+01:00"}}))["createTask"]
    assert sooner["dueAt"] == "2025-03-01T08:30:00.000Z"

    data = await ok(client, account, GET_TASKS)
    nodes = [e["node"] for e in data["tasks"]["edges"]]
    assert [n["id"] for n in nodes] == [sooner["id"], later["id"], undated["id"]]  # dueAt AscNullsLast
    assert list(nodes[0]) == ["id", "title", "body", "status", "dueAt", "createdAt", "assignee"]
    assert nodes[1]["assignee"] == member
    assert nodes[0]["assignee"] is None
    done = await ok(client, account, GET_TASKS, {"filter": {"status": {"eq": "IN_PROGRESS"}}})
    assert [e["node"]["id"] for e in done["tasks"]["edges"]] == [later["id"]]


async def test_notes(client: httpx.AsyncClient, account: Account) -> None:
    mutation = "mutation ($input: NoteCreateInput!) { createNote(data: $input) { id } }"
    first = (await ok(client, account, mutation, {"input": {"title": "First", "body": "one"}}))["createNote"]
    second = (await ok(client, account, mutation, {"input": {"title": "Second", "position": 2}}))["createNote"]
    data = await ok(client, account, GET_NOTES)
    nodes = [e["node"] for e in data["notes"]["edges"]]
    assert [n["id"] for n in nodes] == [second["id"], first["id"]]  # createdAt DescNullsLast
    assert list(nodes[0]) == ["id", "title", "body", "position", "createdAt", "updatedAt"]
    assert nodes[0]["position"] == 2 and nodes[0]["body"] is None
    assert nodes[1]["title"] == "First" and nodes[1]["body"] == "one"
    filtered = await ok(client, account, GET_NOTES, {"filter": {"title": {"like": "%irs%"}}})
    assert [e["node"]["id"] for e in filtered["notes"]["edges"]] == [first["id"]]


async def test_batch_operations(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    names = ["Alpha", "Beta", "Gamma"]
    created = (await ok(client, account, BATCH_CREATE, {"inputs": [{"name": n} for n in names]}))["createCompanies"]
    assert [c["name"] for c in created] == names
    assert all(list(c) == ["id", "name"] and is_uuid(c["id"]) for c in created)
    ids = [c["id"] for c in created]

    updated = (await ok(client, account, BATCH_UPDATE, {"ids": ids[:2], "input": {"employees": 42}}))
    assert [u["id"] for u in updated["updateCompanies"]] == ids[:2]
    assert all(list(u) == ["id", "updatedAt"] and ISO.match(u["updatedAt"]) for u in updated["updateCompanies"])
    listed = await ok(client, account, "{ companies(orderBy: [{name: AscNullsFirst}]) { edges { node { name employees } } } }")
    assert [e["node"] for e in listed["companies"]["edges"]] == [
        {"name": "Alpha", "employees": 42}, {"name": "Beta", "employees": 42}, {"name": "Gamma", "employees": None}]

    deleted = await ok(client, account, BATCH_DELETE, {"ids": [ids[2], ids[0]]})
    assert deleted["deleteCompanies"] == [{"id": ids[2]}, {"id": ids[0]}]  # in the order asked
    listed = await ok(client, account, "{ companies { edges { node { id } } } }")
    assert [e["node"]["id"] for e in listed["companies"]["edges"]] == [ids[1]]
    kinds = [e["event"] for e in await events(server, account)]
    assert kinds == ["company.created"] * 3 + ["company.updated"] * 2 + ["company.deleted"] * 2


async def test_cursor_pagination(client: httpx.AsyncClient, account: Account) -> None:
    ids = [(await ok(client, account, BATCH_CREATE, {"inputs": [{"name": f"C{i:02d}"} for i in range(25)]}))]
    created = [c["id"] for c in ids[0]["createCompanies"]]
    first = (await ok(client, account, PAGINATION, {"limit": 20}))["companies"]
    assert list(first) == ["edges", "pageInfo", "totalCount"]
    assert first["totalCount"] == 25
    assert len(first["edges"]) == 20
    assert all(list(e) == ["node", "cursor"] and list(e["node"]) == ["id", "name"] for e in first["edges"])
    info = first["pageInfo"]
    assert info["hasNextPage"] is True and info["hasPreviousPage"] is False
    assert info["startCursor"] == first["edges"][0]["cursor"]
    assert info["endCursor"] == first["edges"][-1]["cursor"]
    base64.b64decode(info["endCursor"], validate=True)  # opaque, but base64

    second = (await ok(client, account, PAGINATION, {"after": info["endCursor"], "limit": 20}))["companies"]
    assert len(second["edges"]) == 5 and second["totalCount"] == 25
    assert second["pageInfo"]["hasNextPage"] is False and second["pageInfo"]["hasPreviousPage"] is True
    seen = [e["node"]["id"] for e in first["edges"] + second["edges"]]
    assert seen == sorted(created)  # default order: createdAt then id; one batch shares its createdAt
    assert len(set(seen)) == 25


async def test_complex_filter(client: httpx.AsyncClient, account: Account) -> None:
    await create_company(client, account, name="tech big", industry="Technology", employees=100)
    await create_company(client, account, name="tech rich", industry="Technology", employees=5,
                         annualRecurringRevenue={"amountMicros": 1000000000000, "currencyCode": "USD"})
    await create_company(client, account, name="tech small", industry="Technology", employees=99,
                         annualRecurringRevenue={"amountMicros": 999999999999, "currencyCode": "USD"})
    await create_company(client, account, name="tech unknown", industry="Technology")
    await create_company(client, account, name="retail big", industry="Retail", employees=1000)
    data = await ok(client, account, COMPLEX_FILTER)
    assert sorted(e["node"]["name"] for e in data["companies"]["edges"]) == ["tech big", "tech rich"]
    assert all(list(e) == ["node"] and list(e["node"]) == ["id", "name"] for e in data["companies"]["edges"])


async def test_sorting(client: httpx.AsyncClient, account: Account) -> None:
    await ok(client, account, BATCH_CREATE, {"inputs": [{"name": "b"}, {"name": None}, {"name": "a"}]})
    await create_company(client, account, name="z")
    data = await ok(client, account, SORTING)
    nodes = [e["node"] for e in data["companies"]["edges"]]
    assert [n["name"] for n in nodes] == ["z", None, "a", "b"]
    assert all(list(n) == ["id", "name", "createdAt"] and ISO.match(n["createdAt"]) for n in nodes)
