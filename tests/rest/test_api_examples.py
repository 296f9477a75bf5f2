"""Every REST request of API.md, verbatim, answering in the shape API.md shows."""

from __future__ import annotations

import uuid

import httpx

from ..conftest import Account
from .conftest import batch, call, error

COMPANIES = [
    {"name": "Acme Corp", "domainName": "acme.com", "industry": "Technology", "employees": 500},
    {"name": "Globex", "industry": "Finance", "employees": 90},
    {"name": "Initech", "industry": "Technology", "employees": 50},
    {"name": "Umbrella", "industry": "Health", "employees": 1000},
    {"name": "Acme Labs", "industry": "Technology", "employees": 150},
]


async def test_list_companies_as_api_md_shows(client: httpx.AsyncClient, account: Account) -> None:
    await batch(client, account, "companies", COMPANIES)
    answer = await call(client, account, "GET",
                        "/rest/companies?limit=20&filter[industry][eq]=Technology&order[createdAt]=desc")
    # API.md's data and meta, and Twenty's pageInfo and totalCount beside them
    assert set(answer) == {"data", "meta", "pageInfo", "totalCount"}
    assert {"totalCount", "hasMore"} <= set(answer["meta"])
    assert answer["meta"]["totalCount"] == answer["totalCount"] == 3
    assert answer["meta"]["hasMore"] is False
    assert answer["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False,
                                  "startCursor": answer["meta"]["startCursor"],
                                  "endCursor": answer["meta"]["endCursor"]}
    names = {c["name"] for c in answer["data"]}
    assert names == {"Acme Corp", "Initech", "Acme Labs"}
    first = next(c for c in answer["data"] if c["name"] == "Acme Corp")
    assert uuid.UUID(first["id"])
    assert first["industry"] == "Technology"
    assert first["employees"] == 500
    assert first["createdAt"].endswith("Z")


async def test_get_single_company(client: httpx.AsyncClient, account: Account) -> None:
    [created] = await batch(client, account, "companies", COMPANIES[:1])
    answer = await call(client, account, "GET", f"/rest/companies/{created['id']}")
    assert set(answer) == {"data"}
    data = answer["data"]
    assert data["id"] == created["id"]
    assert (data["name"], data["domainName"], data["industry"], data["employees"]) == (
        "Acme Corp", "acme.com", "Technology", 500)


async def test_create_company(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.post("/rest/companies", headers={**account.headers, "Content-Type": "application/json"},
                                 content=b'{\n  "name": "New Company",\n  "industry": "Technology",\n'
                                         b'  "employees": 100\n}')
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert uuid.UUID(data["id"])
    assert (data["name"], data["industry"], data["employees"]) == ("New Company", "Technology", 100)
    assert data["createdAt"].endswith("Z")
    again = await call(client, account, "GET", f"/rest/companies/{data['id']}")
    assert again["data"] == data


async def test_update_company(client: httpx.AsyncClient, account: Account) -> None:
    [created] = await batch(client, account, "companies", [{"name": "New Co", "employees": 100}])
    answer = await call(client, account, "PATCH", f"/rest/companies/{created['id']}",
                        {"employees": 150, "linkedinLink": "https://linkedin.com/company/new-co"})
    data = answer["data"]
    assert data["id"] == created["id"]
    assert data["employees"] == 150
    assert data["linkedinLink"] == "https://linkedin.com/company/new-co"
    assert data["updatedAt"] >= created["updatedAt"]
    assert data["name"] == "New Co"


async def test_delete_company_is_soft(client: httpx.AsyncClient, account: Account) -> None:
    [created] = await batch(client, account, "companies", [{"name": "Doomed"}])
    answer = await call(client, account, "DELETE", f"/rest/companies/{created['id']}")
    assert answer == {"data": {"id": created["id"], "deleted": True}}
    await error(client, account, "GET", f"/rest/companies/{created['id']}", status=404, code="NOT_FOUND")
    listed = await call(client, account, "GET", "/rest/companies")
    assert created["id"] not in {c["id"] for c in listed["data"]}
    deleted = await call(client, account, "GET", "/rest/companies?filter[deletedAt][is]=NOT_NULL")
    assert [c["id"] for c in deleted["data"]] == [created["id"]]
    await error(client, account, "DELETE", f"/rest/companies/{created['id']}", status=404, code="NOT_FOUND")


async def test_people_by_company_and_create_person(client: httpx.AsyncClient, account: Account) -> None:
    acme, globex = await batch(client, account, "companies", [{"name": "Acme"}, {"name": "Globex"}])
    response = await call(client, account, "POST", "/rest/people", {
        "name": {"firstName": "Jane", "lastName": "Smith"},
        "email": "jane.smith@example.com",
        "companyId": acme["id"],
    }, status=201)
    jane = response["data"]
    assert jane["name"] == {"firstName": "Jane", "lastName": "Smith"}
    assert jane["email"] == "jane.smith@example.com"
    assert jane["companyId"] == acme["id"]
    await batch(client, account, "people", [{"name": {"firstName": "Bob"}, "companyId": globex["id"]},
                                            {"name": {"firstName": "Ann"}}])
    listed = await call(client, account, "GET", f"/rest/people?limit=50&filter[company.id][eq]={acme['id']}")
    assert [p["id"] for p in listed["data"]] == [jane["id"]]
    assert listed["meta"]["totalCount"] == 1


async def test_opportunities_by_stage(client: httpx.AsyncClient, account: Account) -> None:
    await batch(client, account, "opportunities", [
        {"name": "Big deal", "stage": "PROPOSAL", "amount": {"amountMicros": 50000000000, "currencyCode": "USD"},
         "closeDate": "2024-12-31"},
        {"name": "Small deal", "stage": "QUALIFICATION"},
        {"name": "Default stage"},
    ])
    listed = await call(client, account, "GET", "/rest/opportunities?filter[stage][eq]=PROPOSAL")
    assert [o["name"] for o in listed["data"]] == ["Big deal"]
    deal = listed["data"][0]
    assert deal["amount"] == {"amountMicros": 50000000000, "currencyCode": "USD"}
    assert deal["closeDate"] == "2024-12-31"
    everything = await call(client, account, "GET", "/rest/opportunities?order[name]=asc")
    assert [o["stage"] for o in everything["data"]] == ["PROPOSAL", "NEW", "QUALIFICATION"]


async def test_offset_pagination(client: httpx.AsyncClient, account: Account) -> None:
    await batch(client, account, "companies", [{"name": f"Company {i:02d}", "employees": i} for i in range(45)])
    seen: list[str] = []
    for offset, size, more in ((0, 20, True), (20, 20, True), (40, 5, False)):
        page = await call(client, account, "GET", f"/rest/companies?limit=20&offset={offset}")
        assert len(page["data"]) == size
        assert page["meta"]["totalCount"] == 45
        assert page["meta"]["hasMore"] is more
        seen += [c["id"] for c in page["data"]]
    assert len(set(seen)) == 45


async def test_filter_examples(client: httpx.AsyncClient, account: Account) -> None:
    await batch(client, account, "companies", COMPANIES)

    async def names(url: str) -> set[str]:
        answer = await call(client, account, "GET", url)
        assert answer["meta"]["totalCount"] == len(answer["data"])
        return {c["name"] for c in answer["data"]}

    assert await names("/rest/companies?filter[industry][eq]=Technology") == {"Acme Corp", "Initech", "Acme Labs"}
    assert await names("/rest/companies?filter[employees][gt]=100") == {"Acme Corp", "Umbrella", "Acme Labs"}
    assert await names("/rest/companies?filter[industry][in]=Technology,Finance") == {
        "Acme Corp", "Globex", "Initech", "Acme Labs"}
    assert await names("/rest/companies?filter[name][like]=%Acme%") == {"Acme Corp", "Acme Labs"}
    assert await names("/rest/companies?filter[industry][eq]=Technology&filter[employees][gte]=100") == {
        "Acme Corp", "Acme Labs"}


async def test_sorting_example(client: httpx.AsyncClient, account: Account) -> None:
    await batch(client, account, "companies", [{"name": "B"}, {"name": "A"}])
    await batch(client, account, "companies", [{"name": "C"}])
    answer = await call(client, account, "GET", "/rest/companies?order[createdAt]=desc&order[name]=asc")
    assert [c["name"] for c in answer["data"]] == ["C", "A", "B"]


async def test_custom_object_paths(client: httpx.AsyncClient, account: Account) -> None:
    from ..conftest import gql

    created = await gql(client, account.access_token, """
        mutation CreateObject($input: CreateObjectInput!) { createOneObject(data: $input) { id } }""",
                        {"input": {"nameSingular": "property", "namePlural": "properties", "labelSingular": "Property",
                                   "labelPlural": "Properties", "description": "Real estate properties",
                                   "icon": "IconBuilding"}}, path="/metadata")
    assert created.status_code == 200 and "errors" not in created.json(), created.text
    object_id = created.json()["data"]["createOneObject"]["id"]
    for field in ({"name": "address", "label": "Address", "type": "TEXT"},
                  {"name": "bedrooms", "label": "Bedrooms", "type": "NUMBER"},
                  {"name": "price", "label": "Price", "type": "CURRENCY"}):
        added = await gql(client, account.access_token, """
            mutation CreateField($input: CreateFieldInput!) { createOneField(data: $input) { id } }""",
                          {"input": {"objectMetadataId": object_id, **field}}, path="/metadata")
        assert added.status_code == 200 and "errors" not in added.json(), added.text
    made = await call(client, account, "POST", "/rest/properties",
                      {"address": "1 Main St", "bedrooms": 3, "price": {"amountMicros": 5, "currencyCode": "EUR"}},
                      status=201)
    record_id = made["data"]["id"]
    listed = await call(client, account, "GET", "/rest/properties?limit=10")
    assert [p["address"] for p in listed["data"]] == ["1 Main St"]
    patched = await call(client, account, "PATCH", f"/rest/properties/{record_id}", {"bedrooms": 4})
    assert patched["data"]["bedrooms"] == 4
    assert (await call(client, account, "DELETE", f"/rest/properties/{record_id}"))["data"]["deleted"] is True
    document = (await client.get(f"/rest/open-api/core?token={account.access_token}")).json()
    assert "/properties" in document["paths"]
    assert "Property" in document["components"]["schemas"]


async def test_open_api_with_token_parameter(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.get(f"/rest/open-api/core?token={account.access_token}")
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["openapi"].startswith("3.0.")
    assert "/companies" in document["paths"]
    unauthenticated = await client.get("/rest/open-api/core")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"]["code"] == "UNAUTHORIZED"
