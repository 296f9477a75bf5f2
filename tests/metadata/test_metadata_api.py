"""The metadata API over real HTTP: API.md's requests verbatim, then custom objects used through GraphQL."""

from __future__ import annotations

from typing import Any

import httpx

from ..conftest import Account, gql

LIST_OBJECTS = """
query ListObjects {
  objects {
    edges {
      node {
        id
        nameSingular
        namePlural
        labelSingular
        labelPlural
        description
        icon
        isActive
        isCustom
        isSystem
        createdAt
        updatedAt
        # Relations
        fields {
          edges {
            node {
              id
              name
              label
              type
              description
              icon
              isCustom
              isActive
              isNullable
              defaultValue
            }
          }
        }
      }
    }
  }
}
"""

CREATE_OBJECT = """
mutation CreateObject($input: CreateObjectInput!) {
  createOneObject(data: $input) {
    id
    nameSingular
    namePlural
    labelSingular
    labelPlural
    icon
  }
}
"""

UPDATE_OBJECT = """
mutation UpdateObject($id: ID!, $input: UpdateObjectInput!) {
  updateOneObject(id: $id, data: $input) {
    id
    labelSingular
    description
    updatedAt
  }
}
"""

DELETE_OBJECT = """
mutation DeleteObject($id: ID!) {
  deleteOneObject(id: $id) {
    id
  }
}
"""

CREATE_FIELD = """
mutation CreateField($input: CreateFieldInput!) {
  createOneField(data: $input) {
    id
    name
    label
    type
    description
  }
}
"""

UPDATE_FIELD = """
mutation UpdateField($id: ID!, $input: UpdateFieldInput!) {
  updateOneField(id: $id, data: $input) {
    id
    label
    description
    updatedAt
  }
}
"""

DELETE_FIELD = """
mutation DeleteField($id: ID!) {
  deleteOneField(id: $id) {
    id
  }
}
"""

CREATE_RELATION = """
mutation CreateRelation($input: CreateRelationInput!) {
  createOneRelation(data: $input) {
    id
    relationType
    fromObjectMetadataId
    toObjectMetadataId
  }
}
"""

GET_PROPERTIES = """
query GetProperties($filter: PropertyFilterInput) {
  properties(filter: $filter) {
    edges {
      node {
        id
        address
        price {
          amountMicros
          currencyCode
        }
        bedrooms
        bathrooms
        squareFeet
        status
        # Custom fields
        parkingSpaces
        hasGarage
        yearBuilt
      }
    }
  }
}
"""

PROPERTY = {"nameSingular": "property", "namePlural": "properties", "labelSingular": "Property",
            "labelPlural": "Properties", "description": "Real estate properties", "icon": "IconBuilding"}


async def meta(client: httpx.AsyncClient, account: Account, query: str, variables: dict[str, Any] | None = None
               ) -> dict[str, Any]:
    response = await gql(client, account.access_token, query, variables, path="/metadata")
    assert response.status_code == 200, response.text
    return response.json()


async def core(client: httpx.AsyncClient, account: Account, query: str, variables: dict[str, Any] | None = None
               ) -> dict[str, Any]:
    response = await gql(client, account.access_token, query, variables)
    return response.json()


async def object_ids(client: httpx.AsyncClient, account: Account) -> dict[str, str]:
    body = await meta(client, account, LIST_OBJECTS)
    return {e["node"]["nameSingular"]: e["node"]["id"] for e in body["data"]["objects"]["edges"]}


async def make_property(client: httpx.AsyncClient, account: Account) -> str:
    created = await meta(client, account, CREATE_OBJECT, {"input": PROPERTY})
    object_id = created["data"]["createOneObject"]["id"]
    price = await meta(client, account, CREATE_FIELD, {"input": {
        "objectMetadataId": object_id, "name": "price", "label": "Price", "type": "CURRENCY",
        "description": "Property listing price", "icon": "IconCurrencyDollar", "isNullable": True,
        "defaultValue": None}})
    assert price["data"]["createOneField"] == {"id": price["data"]["createOneField"]["id"], "name": "price",
                                               "label": "Price", "type": "CURRENCY",
                                               "description": "Property listing price"}
    for name, kind in (("address", "TEXT"), ("bedrooms", "NUMBER"), ("bathrooms", "NUMBER"),
                       ("squareFeet", "NUMBER"), ("parkingSpaces", "NUMBER"), ("hasGarage", "BOOLEAN"),
                       ("yearBuilt", "NUMBER")):
        body = await meta(client, account, CREATE_FIELD, {"input": {"objectMetadataId": object_id, "name": name,
                                                                    "label": name, "type": kind}})
        assert "errors" not in body, body
    status = await meta(client, account, CREATE_FIELD, {"input": {
        "objectMetadataId": object_id, "name": "status", "label": "Status", "type": "SELECT",
        "options": [{"value": "FOR_SALE", "label": "For sale"}, {"value": "SOLD", "label": "Sold"}]}})
    assert "errors" not in status, status
    return object_id


async def test_list_objects_verbatim(client: httpx.AsyncClient, account: Account) -> None:
    body = await meta(client, account, LIST_OBJECTS)
    nodes = {e["node"]["nameSingular"]: e["node"] for e in body["data"]["objects"]["edges"]}
    assert {"company", "person", "opportunity", "task", "note", "workspaceMember"} <= set(nodes)
    company = nodes["company"]
    assert company["namePlural"] == "companies" and company["isCustom"] is False and company["isActive"] is True
    fields = {e["node"]["name"]: e["node"] for e in company["fields"]["edges"]}
    assert fields["industry"]["type"] == "TEXT"
    assert fields["annualRecurringRevenue"]["type"] == "CURRENCY"
    assert fields["people"]["type"] == "RELATION"
    assert company["createdAt"].endswith("Z")


async def test_custom_object_end_to_end(client: httpx.AsyncClient, account: Account) -> None:
    object_id = await make_property(client, account)
    ids = await object_ids(client, account)
    relation = await meta(client, account, CREATE_RELATION, {"input": {
        "relationType": "ONE_TO_MANY", "fromObjectMetadataId": ids["company"], "toObjectMetadataId": object_id,
        "fromFieldMetadataName": "properties", "toFieldMetadataName": "company"}})
    rel = relation["data"]["createOneRelation"]
    assert rel["relationType"] == "ONE_TO_MANY"
    assert rel["fromObjectMetadataId"] == ids["company"] and rel["toObjectMetadataId"] == object_id

    company = await core(client, account, 'mutation { createCompany(data: {name: "Homes Inc", employees: 5}) { id } }')
    company_id = company["data"]["createCompany"]["id"]
    for i, status in enumerate(("FOR_SALE", "SOLD", "FOR_SALE")):
        body = await core(client, account, """mutation($d: PropertyCreateInput!) { createProperty(data: $d) { id } }""",
                          {"d": {"address": f"{i} Main St", "bedrooms": i + 1, "status": status, "hasGarage": i == 1,
                                 "price": {"amountMicros": (i + 1) * 100_000_000_000, "currencyCode": "USD"},
                                 "companyId": company_id}})
        assert "errors" not in body, body

    listed = await core(client, account, GET_PROPERTIES)
    nodes = [e["node"] for e in listed["data"]["properties"]["edges"]]
    assert len(nodes) == 3
    assert set(nodes[0]) == {"id", "address", "price", "bedrooms", "bathrooms", "squareFeet", "status",
                             "parkingSpaces", "hasGarage", "yearBuilt"}
    assert nodes[0]["price"] == {"amountMicros": 100_000_000_000, "currencyCode": "USD"}

    filtered = await core(client, account, GET_PROPERTIES, {"filter": {"status": {"eq": "FOR_SALE"},
                                                                        "bedrooms": {"gte": 2}}})
    assert [e["node"]["address"] for e in filtered["data"]["properties"]["edges"]] == ["2 Main St"]

    ordered = await core(client, account, '{ properties(orderBy: [{bedrooms: "DescNullsLast"}], first: 2) '
                                          "{ edges { node { bedrooms } } pageInfo { hasNextPage } } }")
    assert [e["node"]["bedrooms"] for e in ordered["data"]["properties"]["edges"]] == [3, 2]
    assert ordered["data"]["properties"]["pageInfo"]["hasNextPage"] is True

    both_ways = await core(client, account, """{ companies { edges { node { name properties { totalCount
        edges { node { address company { name } } } } } } } }""")
    node = both_ways["data"]["companies"]["edges"][0]["node"]
    assert node["properties"]["totalCount"] == 3
    assert {e["node"]["company"]["name"] for e in node["properties"]["edges"]} == {"Homes Inc"}


async def test_update_and_delete_fields_and_objects(client: httpx.AsyncClient, account: Account) -> None:
    object_id = await make_property(client, account)
    updated = await meta(client, account, UPDATE_OBJECT, {"id": object_id, "input": {
        "labelSingular": "Listing", "description": "Homes for sale"}})
    assert updated["data"]["updateOneObject"]["labelSingular"] == "Listing"
    assert updated["data"]["updateOneObject"]["description"] == "Homes for sale"

    fields = await meta(client, account, "query($id: ID!) { object(id: $id) { fields { edges { node { id name } } } } }",
                        {"id": object_id})
    by_name = {e["node"]["name"]: e["node"]["id"] for e in fields["data"]["object"]["fields"]["edges"]}
    renamed = await meta(client, account, UPDATE_FIELD, {"id": by_name["yearBuilt"], "input": {
        "label": "Year built", "description": "Construction year"}})
    assert renamed["data"]["updateOneField"]["label"] == "Year built"

    # the next request sees the field gone
    deleted = await meta(client, account, DELETE_FIELD, {"id": by_name["yearBuilt"]})
    assert deleted["data"]["deleteOneField"]["id"] == by_name["yearBuilt"]
    gone = await gql(client, account.access_token, "{ properties { edges { node { yearBuilt } } } }")
    assert gone.status_code == 400
    assert gone.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"

    system = await meta(client, account, DELETE_FIELD, {"id": by_name["id"]})
    assert system["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    dropped = await meta(client, account, DELETE_OBJECT, {"id": object_id})
    assert dropped["data"]["deleteOneObject"]["id"] == object_id
    missing = await gql(client, account.access_token, "{ properties { edges { node { id } } } }")
    assert missing.status_code == 400

    ids = await object_ids(client, account)
    standard = await meta(client, account, DELETE_OBJECT, {"id": ids["company"]})
    assert standard["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_names_are_validated_before_any_ddl(client: httpx.AsyncClient, account: Account) -> None:
    ids = await object_ids(client, account)
    for bad in ({**PROPERTY, "nameSingular": "Property"}, {**PROPERTY, "nameSingular": "company"},
                {**PROPERTY, "namePlural": "property"}, {**PROPERTY, "nameSingular": "x; DROP TABLE"},
                {**PROPERTY, "nameSingular": "people", "namePlural": "peoples"}):
        body = await meta(client, account, CREATE_OBJECT, {"input": bad})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", bad
    for name in ("name", "createdAt", "id", "and", "Bad Name", "companyId"):
        body = await meta(client, account, CREATE_FIELD, {"input": {"objectMetadataId": ids["person"], "name": name,
                                                                    "label": "X", "type": "TEXT"}})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", name
    # nothing changed
    assert await object_ids(client, account) == ids


async def test_select_option_in_use_cannot_be_removed(client: httpx.AsyncClient, account: Account) -> None:
    object_id = await make_property(client, account)
    await core(client, account, 'mutation { createProperty(data: {status: SOLD}) { id } }')
    fields = await meta(client, account, "query($id: ID!) { object(id: $id) { fields { edges { node { id name } } } } }",
                        {"id": object_id})
    status_id = next(e["node"]["id"] for e in fields["data"]["object"]["fields"]["edges"]
                     if e["node"]["name"] == "status")
    refused = await meta(client, account, "mutation($id: ID!, $o: JSON) { updateOneField(id: $id, data: {options: $o})"
                                          " { id options } }",
                         {"id": status_id, "o": [{"value": "FOR_SALE", "label": "For sale"}]})
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    added = await meta(client, account, "mutation($id: ID!, $o: JSON) { updateOneField(id: $id, data: {options: $o})"
                                        " { id options } }",
                       {"id": status_id, "o": [{"value": "FOR_SALE", "label": "On the market"},
                                               {"value": "SOLD", "label": "Sold"}, {"value": "RENTED"}]})
    assert [o["value"] for o in added["data"]["updateOneField"]["options"]] == ["FOR_SALE", "SOLD", "RENTED"]
    rented = await core(client, account, 'mutation { createProperty(data: {status: RENTED}) { status } }')
    assert rented["data"]["createProperty"]["status"] == "RENTED"


async def test_metadata_is_per_workspace(client: httpx.AsyncClient, account: Account) -> None:
    from ..conftest import sign_up

    object_id = await make_property(client, account)
    other = await sign_up(client)
    assert "property" not in await object_ids(client, other)
    foreign = await meta(client, other, DELETE_OBJECT, {"id": object_id})
    assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "property" in await object_ids(client, account)


async def test_a_workspace_with_every_object_inactive_still_answers(client: httpx.AsyncClient,
                                                                    account: Account) -> None:
    ids = await object_ids(client, account)
    for object_id in ids.values():
        body = await meta(client, account, UPDATE_OBJECT, {"id": object_id, "input": {"isActive": False}})
        assert "errors" not in body, body
    empty = await gql(client, account.access_token, "{ __typename _empty }")
    assert empty.status_code == 200 and empty.json() == {"data": {"__typename": "Query", "_empty": None}}
    hidden = await gql(client, account.access_token, "{ companies { totalCount } }")
    assert hidden.status_code == 400
    await meta(client, account, UPDATE_OBJECT, {"id": ids["company"], "input": {"isActive": True}})
    back = await gql(client, account.access_token, "{ companies { totalCount } }")
    assert back.json() == {"data": {"companies": {"totalCount": 0}}}


async def test_many_to_many_through_a_junction_object(client: httpx.AsyncClient, account: Account) -> None:
    tag = await meta(client, account, CREATE_OBJECT, {"input": {
        "nameSingular": "tag", "namePlural": "tags", "labelSingular": "Tag", "labelPlural": "Tags"}})
    tag_id = tag["data"]["createOneObject"]["id"]
    ids = await object_ids(client, account)
    relation = await meta(client, account, CREATE_RELATION, {"input": {
        "relationType": "MANY_TO_MANY", "fromObjectMetadataId": ids["company"], "toObjectMetadataId": tag_id,
        "fromFieldMetadataName": "tags", "toFieldMetadataName": "companies"}})
    rel = relation["data"]["createOneRelation"]
    assert rel["relationType"] == "MANY_TO_MANY" and rel["toObjectMetadataId"] == tag_id
    assert "companyTagsLink" in await object_ids(client, account)

    made = await core(client, account, """mutation {
        a: createCompany(data: {name: "Acme"}) { id }
        b: createCompany(data: {name: "Beta"}) { id }
        hot: createTag(data: {name: "hot"}) { id }
        b2b: createTag(data: {name: "b2b"}) { id } }""")
    a, b, hot, b2b = (made["data"][k]["id"] for k in ("a", "b", "hot", "b2b"))
    links = await core(client, account, """mutation($d: [CompanyTagsLinkCreateInput!]!) {
        createCompanyTagsLinks(data: $d) { id } }""", {"d": [
        {"companyId": a, "tagId": hot}, {"companyId": a, "tagId": b2b}, {"companyId": b, "tagId": hot}]})
    assert "errors" not in links, links
    duplicate = await core(client, account, """mutation($d: CompanyTagsLinkCreateInput!) {
        createCompanyTagsLink(data: $d) { id } }""", {"d": {"companyId": a, "tagId": hot}})
    assert duplicate["errors"][0]["extensions"]["code"] == "CONFLICT"

    both_ways = await core(client, account, """{
        companies(orderBy: [{name: Asc}]) { edges { node { name tags { edges { node { tag { name } } } } } } }
        tags(filter: {name: {eq: "hot"}}) { edges { node { companies { totalCount edges { node { company { name } } } } } } } }""")
    companies = both_ways["data"]["companies"]["edges"]
    assert sorted(e["node"]["tag"]["name"] for e in companies[0]["node"]["tags"]["edges"]) == ["b2b", "hot"]
    assert [e["node"]["tag"]["name"] for e in companies[1]["node"]["tags"]["edges"]] == ["hot"]
    hot_companies = both_ways["data"]["tags"]["edges"][0]["node"]["companies"]
    assert hot_companies["totalCount"] == 2
    assert {e["node"]["company"]["name"] for e in hot_companies["edges"]} == {"Acme", "Beta"}
