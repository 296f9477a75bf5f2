"""A custom object with a field of every type and a relation, used through REST as soon as it exists."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from ..conftest import Account, gql
from .conftest import batch, call, error

_FIELDS: list[dict[str, Any]] = [
    {"name": "address", "type": "TEXT"},
    {"name": "contact", "type": "EMAIL"},
    {"name": "bedrooms", "type": "NUMBER"},
    {"name": "hasGarage", "type": "BOOLEAN"},
    {"name": "listedAt", "type": "DATE_TIME"},
    {"name": "builtOn", "type": "DATE"},
    {"name": "price", "type": "CURRENCY"},
    {"name": "owner", "type": "FULL_NAME"},
    {"name": "score", "type": "RATING"},
    {"name": "status", "type": "SELECT",
     "options": [{"value": "FOR_SALE", "label": "For sale"}, {"value": "SOLD", "label": "Sold"}]},
    {"name": "amenities", "type": "MULTI_SELECT",
     "options": [{"value": "POOL", "label": "Pool"}, {"value": "GYM", "label": "Gym"}]},
    {"name": "extra", "type": "JSON"},
    {"name": "externalId", "type": "UUID"},
]


async def _metadata(client: httpx.AsyncClient, account: Account, query: str, variables: dict[str, Any]) -> Any:
    response = await gql(client, account.access_token, query, variables, path="/metadata")
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, response.text
    return body["data"]


async def _property_object(client: httpx.AsyncClient, account: Account) -> None:
    created = await _metadata(client, account, """
        mutation($input: CreateObjectInput!) { createOneObject(data: $input) { id } }""",
                              {"input": {"nameSingular": "property", "namePlural": "properties",
                                         "labelSingular": "Property", "labelPlural": "Properties"}})
    object_id = created["createOneObject"]["id"]
    for field in _FIELDS:
        await _metadata(client, account, """
            mutation($input: CreateFieldInput!) { createOneField(data: $input) { id } }""",
                        {"input": {"objectMetadataId": object_id, "label": field["name"].title(), **field}})
    objects = await _metadata(client, account, "query { objects { edges { node { id nameSingular } } } }", {})
    company_id = next(e["node"]["id"] for e in objects["objects"]["edges"] if e["node"]["nameSingular"] == "company")
    await _metadata(client, account, """
        mutation($input: CreateRelationInput!) { createOneRelation(data: $input) { id } }""",
                    {"input": {"relationType": "ONE_TO_MANY", "fromObjectMetadataId": company_id,
                               "toObjectMetadataId": object_id, "fromFieldMetadataName": "properties",
                               "toFieldMetadataName": "company"}})


async def test_every_field_type_through_rest(client: httpx.AsyncClient, account: Account) -> None:
    await _property_object(client, account)
    [acme] = await batch(client, account, "companies", [{"name": "Acme"}])
    villa = {
        "address": "1 Main St", "contact": "agent@example.com", "bedrooms": 4, "hasGarage": True,
        "listedAt": "2024-05-01T12:30:00+02:00", "builtOn": "1999-12-31",
        "price": {"amountMicros": "450000000000", "currencyCode": "EUR"},
        "owner": {"firstName": "Ada", "lastName": "Lovelace"}, "score": "RATING_4", "status": "FOR_SALE",
        "amenities": ["POOL", "GYM"], "extra": {"floors": [1, 2], "note": None},
        "externalId": "6F9619FF-8B86-D011-B42D-00CF4FC964FF", "companyId": acme["id"],
    }
    made = (await call(client, account, "POST", "/rest/properties", villa, status=201))["data"]
    assert made["listedAt"] == "2024-05-01T10:30:00.000Z"
    assert made["builtOn"] == "1999-12-31"
    assert made["price"] == {"amountMicros": 450000000000, "currencyCode": "EUR"}
    assert made["amenities"] == ["POOL", "GYM"]
    assert made["extra"] == {"floors": [1, 2], "note": None}
    assert made["externalId"] == "6f9619ff-8b86-d011-b42d-00cf4fc964ff"
    assert made["companyId"] == acme["id"]
    await batch(client, account, "properties", [
        {"address": "2 Side St", "bedrooms": 1, "hasGarage": False, "status": "SOLD", "amenities": [],
         "listedAt": "2023-01-01T00:00:00Z"},
        {"address": "3 Empty Rd"},
    ])

    async def addresses(query: str) -> list[str]:
        answer = await call(client, account, "GET", f"/rest/properties?order[address]=asc&{query}")
        return [p["address"] for p in answer["data"]]

    cases = {
        "filter[contact][ilike]=%25EXAMPLE%25": ["1 Main St"],
        "filter[bedrooms][gte]=2": ["1 Main St"],
        "filter[hasGarage][eq]=false": ["2 Side St"],
        "filter[listedAt][gt]=2024-05-01T10:00:00Z": ["1 Main St"],
        "filter[listedAt][lt]=2024-05-01T12:00:00 02:00": ["2 Side St"],  # a "+" sent unencoded
        "filter[builtOn][lte]=2000-01-01": ["1 Main St"],
        "filter[price.amountMicros][gt]=1": ["1 Main St"],
        "filter[owner.lastName][startsWith]=Love": ["1 Main St"],
        "filter[score][in]=RATING_4,RATING_5": ["1 Main St"],
        "filter[status][neq]=SOLD": ["1 Main St"],
        "filter[status][is]=NULL": ["3 Empty Rd"],
        "filter[amenities][containsAny]=GYM": ["1 Main St"],
        "filter[amenities][isEmptyArray]=true": ["2 Side St"],
        "filter[extra][like]=%25floors%25": ["1 Main St"],
        "filter[extra][is]=NULL": ["2 Side St", "3 Empty Rd"],
        "filter[externalId][eq]=6f9619ff-8b86-d011-b42d-00cf4fc964ff": ["1 Main St"],
        f"filter[company.id][eq]={acme['id']}": ["1 Main St"],
        "filter[company.name][eq]=Acme": ["1 Main St"],
        "filter=" + quote("or(bedrooms[lt]:2,amenities[containsAny]:[POOL])"): ["1 Main St", "2 Side St"],
    }
    for query, expected in cases.items():
        assert await addresses(query) == expected, query
    for query in ("filter[score][eq]=RATING_9", "filter[amenities][eq]=POOL", "filter[extra][eq]=1",
                  "filter[builtOn][gt]=yesterday", "order[amenities]=asc"):
        await error(client, account, "GET", f"/rest/properties?{query}", status=400, code="VALIDATION_ERROR")
    for body, field in (({"amenities": ["SAUNA"]}, "amenities"), ({"score": 4}, "score"),
                        ({"price": {"amountMicros": "lots"}}, "price.amountMicros"),
                        ({"externalId": "x"}, "externalId"), ({"listedAt": "soon"}, "listedAt"),
                        ({"company": acme["id"]}, "company")):
        err = await error(client, account, "POST", "/rest/properties", body, status=400, code="VALIDATION_ERROR")
        assert [d["field"] for d in err["details"]] == [field], body
    deep = await call(client, account, "GET", f"/rest/companies/{acme['id']}?depth=1")
    assert [p["address"] for p in deep["data"]["properties"]] == ["1 Main St"]
    owned = await call(client, account, "GET", f"/rest/properties/{made['id']}?depth=1")
    assert owned["data"]["company"]["name"] == "Acme"
    document = (await client.get("/rest/open-api/core", headers=account.headers)).json()
    schema = document["components"]["schemas"]["Property"]["properties"]
    assert schema["amenities"]["items"]["enum"] == ["POOL", "GYM"]
    assert schema["company"]["anyOf"][0] == {"$ref": "#/components/schemas/Company"}
    assert document["components"]["schemas"]["Company"]["properties"]["properties"]["type"] == "array"
