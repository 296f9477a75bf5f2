"""The metadata over REST, as Twenty serves it: /rest/metadata/objects, fields and relations."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from ..conftest import Account, gql
from .conftest import call, error

PROPERTY = {"nameSingular": "property", "namePlural": "properties", "labelSingular": "Property",
            "labelPlural": "Properties", "description": "Real estate", "icon": "IconBuilding"}


async def _object_id(client: httpx.AsyncClient, account: Account, name: str) -> str:
    listed = await call(client, account, "GET", "/rest/metadata/objects")
    return next(o["id"] for o in listed["data"]["objects"] if o["nameSingular"] == name)


async def test_objects_listed_and_read_in_twentys_envelopes(client: httpx.AsyncClient,
                                                             account: Account) -> None:
    listed = await call(client, account, "GET", "/rest/metadata/objects")
    objects = listed["data"]["objects"]
    names = {o["nameSingular"] for o in objects}
    assert {"company", "person", "opportunity", "task", "note"} <= names
    assert listed["totalCount"] == len(objects)
    assert listed["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False,
                                  "startCursor": objects[0]["id"], "endCursor": objects[-1]["id"]}
    company = next(o for o in objects if o["nameSingular"] == "company")
    assert company["namePlural"] == "companies"
    assert company["createdAt"].endswith("Z")
    # an object's fields connection is a plain array over REST
    assert isinstance(company["fields"], list)
    people = next(f for f in company["fields"] if f["name"] == "people")
    assert people["type"] == "RELATION"
    assert people["relation"]["type"] == "ONE_TO_MANY"
    assert people["relation"]["targetObjectMetadata"]["nameSingular"] == "person"
    assert people["relation"]["targetFieldMetadata"]["name"] == "company"

    one = await call(client, account, "GET", f"/rest/metadata/objects/{company['id']}")
    assert one == {"data": {"object": company}}
    # the same answer as GraphQL's, field for field
    graphql = (await gql(client, account.access_token, "query($id: ID!) { object(id: $id) { id nameSingular "
                         "labelPlural isCustom fields { edges { node { id name type } } } } }",
                         {"id": company["id"]}, path="/metadata")).json()["data"]["object"]
    assert graphql["labelPlural"] == company["labelPlural"]
    assert [e["node"]["id"] for e in graphql["fields"]["edges"]] == [f["id"] for f in company["fields"]]


async def test_lists_page_by_limit_and_cursors(client: httpx.AsyncClient, account: Account) -> None:
    every = (await call(client, account, "GET", "/rest/metadata/objects"))["data"]["objects"]
    first = await call(client, account, "GET", "/rest/metadata/objects?limit=3")
    assert [o["id"] for o in first["data"]["objects"]] == [o["id"] for o in every[:3]]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["totalCount"] == len(every)
    after = first["pageInfo"]["endCursor"]
    second = await call(client, account, "GET", f"/rest/metadata/objects?limit=3&starting_after={after}")
    assert [o["id"] for o in second["data"]["objects"]] == [o["id"] for o in every[3:6]]
    assert second["pageInfo"]["hasPreviousPage"] is True
    back = await call(client, account, "GET",
                      f"/rest/metadata/objects?limit=2&ending_before={second['pageInfo']['startCursor']}")
    assert [o["id"] for o in back["data"]["objects"]] == [o["id"] for o in every[1:3]]
    fields = await call(client, account, "GET", "/rest/metadata/fields?limit=5")
    assert len(fields["data"]["fields"]) == 5
    assert fields["totalCount"] > 5

    for bad in ("limit=-1", "limit=x", "sort=name", "starting_after=a&ending_before=b",
                "starting_after=nope"):
        await error(client, account, "GET", f"/rest/metadata/objects?{bad}", status=400,
                    code="VALIDATION_ERROR")


async def test_create_update_and_delete_an_object_and_its_fields(client: httpx.AsyncClient,
                                                                  account: Account) -> None:
    created = await call(client, account, "POST", "/rest/metadata/objects", PROPERTY, status=201)
    obj = created["data"]["createOneObject"]
    assert obj["nameSingular"] == "property"
    assert obj["isCustom"] is True
    assert {f["name"] for f in obj["fields"]} >= {"id", "name", "createdAt"}
    # the new object is served at once by the core REST API
    await call(client, account, "POST", "/rest/properties", {"name": "Villa"}, status=201)

    field = (await call(client, account, "POST", "/rest/metadata/fields", {
        "objectMetadataId": obj["id"], "name": "price", "label": "Price", "type": "CURRENCY"},
        status=201))["data"]["createOneField"]
    assert (field["name"], field["type"], field["objectMetadataId"]) == ("price", "CURRENCY", obj["id"])
    stage = (await call(client, account, "POST", "/rest/metadata/fields", {
        "objectMetadataId": obj["id"], "name": "stage", "label": "Stage", "type": "SELECT",
        "options": [{"value": "LISTED", "label": "Listed"}, {"value": "SOLD", "label": "Sold"}]},
        status=201))["data"]["createOneField"]
    assert [o["value"] for o in stage["options"]] == ["LISTED", "SOLD"]

    updated = await call(client, account, "PATCH", f"/rest/metadata/fields/{field['id']}",
                         {"label": "Asking price", "description": "In the listing"})
    assert updated["data"]["updateOneField"]["label"] == "Asking price"
    got = await call(client, account, "GET", f"/rest/metadata/fields/{field['id']}")
    assert got["data"]["field"]["description"] == "In the listing"
    renamed = await call(client, account, "PUT", f"/rest/metadata/objects/{obj['id']}",
                         {"labelPlural": "Homes"})
    assert renamed["data"]["updateOneObject"]["labelPlural"] == "Homes"

    record = await call(client, account, "POST", "/rest/properties",
                        {"name": "Loft", "price": {"amountMicros": 5, "currencyCode": "EUR"}}, status=201)
    assert record["data"]["price"] == {"amountMicros": 5, "currencyCode": "EUR"}

    deleted = await call(client, account, "DELETE", f"/rest/metadata/fields/{field['id']}")
    assert deleted == {"data": {"deleteOneField": {"id": field["id"]}}}
    await error(client, account, "GET", f"/rest/metadata/fields/{field['id']}", status=404, code="NOT_FOUND")
    gone = await call(client, account, "DELETE", f"/rest/metadata/objects/{obj['id']}")
    assert gone == {"data": {"deleteOneObject": {"id": obj["id"]}}}
    await error(client, account, "GET", "/rest/properties", status=404, code="NOT_FOUND")


async def test_relations(client: httpx.AsyncClient, account: Account) -> None:
    listed = await call(client, account, "GET", "/rest/metadata/relations")
    relations = listed["data"]["relations"]
    company_id = await _object_id(client, account, "company")
    person_id = await _object_id(client, account, "person")
    people = next(r for r in relations if r["fromFieldMetadataName"] == "people"
                  and r["fromObjectMetadataId"] == company_id)
    assert (people["relationType"], people["toObjectMetadataId"], people["toFieldMetadataName"]) == \
        ("ONE_TO_MANY", person_id, "company")
    # each pair once: the person side is not listed again, but its id names the same relation
    assert not [r for r in relations if r["fromFieldMetadataId"] == people["toFieldMetadataId"]]
    seen_from_person = await call(client, account, "GET",
                                  f"/rest/metadata/relations/{people['toFieldMetadataId']}")
    assert seen_from_person["data"]["relation"]["relationType"] == "MANY_TO_ONE"
    assert seen_from_person["data"]["relation"]["toFieldMetadataId"] == people["id"]

    obj = (await call(client, account, "POST", "/rest/metadata/objects", PROPERTY, status=201))["data"][
        "createOneObject"]
    created = (await call(client, account, "POST", "/rest/metadata/relations", {
        "relationType": "ONE_TO_MANY", "fromObjectMetadataId": company_id, "toObjectMetadataId": obj["id"],
        "fromFieldMetadataName": "properties", "toFieldMetadataName": "company"}, status=201))["data"][
        "createOneRelation"]
    assert created["relationType"] == "ONE_TO_MANY"
    assert (created["fromObjectMetadataId"], created["toObjectMetadataId"]) == (company_id, obj["id"])
    company = await call(client, account, "POST", "/rest/companies", {"name": "Acme"}, status=201)
    await call(client, account, "POST", "/rest/properties",
               {"name": "Villa", "companyId": company["data"]["id"]}, status=201)
    got = await call(client, account, "GET", f"/rest/metadata/relations/{created['id']}")
    assert got["data"]["relation"] == created

    tags = (await call(client, account, "POST", "/rest/metadata/objects", {
        "nameSingular": "tag", "namePlural": "tags", "labelSingular": "Tag", "labelPlural": "Tags"},
        status=201))["data"]["createOneObject"]
    many = (await call(client, account, "POST", "/rest/metadata/relations", {
        "relationType": "MANY_TO_MANY", "fromObjectMetadataId": company_id, "toObjectMetadataId": tags["id"],
        "fromFieldMetadataName": "tags", "toFieldMetadataName": "companies"}, status=201))["data"][
        "createOneRelation"]
    listed = (await call(client, account, "GET", "/rest/metadata/relations"))["data"]["relations"]
    shown = [r for r in listed if r["id"] == many["id"]]
    assert len(shown) == 1
    assert (shown[0]["relationType"], shown[0]["toObjectMetadataId"], shown[0]["toFieldMetadataName"]) == \
        ("MANY_TO_MANY", tags["id"], "companies")
    # the junction's own links are part of it, not relations of their own
    assert not [r for r in listed
                if r["toFieldMetadataId"] == many["toFieldMetadataId"] and r["id"] != many["id"]]

    assert await call(client, account, "DELETE", f"/rest/metadata/relations/{many['id']}") == \
        {"data": {"deleteOneRelation": {"id": many["id"]}}}
    objects = (await call(client, account, "GET", "/rest/metadata/objects"))["data"]["objects"]
    assert "companyTagsLink" not in {o["nameSingular"] for o in objects}
    # named by a junction's own link, a many-to-many goes whole too
    await call(client, account, "POST", "/rest/metadata/relations", {
        "relationType": "MANY_TO_MANY", "fromObjectMetadataId": company_id, "toObjectMetadataId": tags["id"],
        "fromFieldMetadataName": "labels", "toFieldMetadataName": "labelled"}, status=201)
    objects = (await call(client, account, "GET", "/rest/metadata/objects"))["data"]["objects"]
    junction = next(o for o in objects if o["nameSingular"] == "companyLabelsLink")
    link = next(f for f in junction["fields"] if f["name"] == "company")
    seen = await call(client, account, "GET", f"/rest/metadata/relations/{link['id']}")
    assert seen["data"]["relation"]["relationType"] == "MANY_TO_ONE"
    await call(client, account, "DELETE", f"/rest/metadata/relations/{link['id']}")
    objects = (await call(client, account, "GET", "/rest/metadata/objects"))["data"]["objects"]
    assert "companyLabelsLink" not in {o["nameSingular"] for o in objects}
    company_fields = next(o for o in objects if o["id"] == company_id)["fields"]
    assert "labels" not in {f["name"] for f in company_fields}
    await call(client, account, "DELETE", f"/rest/metadata/relations/{created['id']}")
    await error(client, account, "POST", "/rest/properties",
                {"name": "x", "companyId": company["data"]["id"]}, status=400, code="VALIDATION_ERROR")
    # a standard relation stays
    await error(client, account, "DELETE", f"/rest/metadata/relations/{people['id']}", status=400,
                code="VALIDATION_ERROR")
    await error(client, account, "PATCH", f"/rest/metadata/relations/{people['id']}", {}, status=400,
                code="VALIDATION_ERROR")


async def test_bad_requests_change_nothing(client: httpx.AsyncClient, account: Account) -> None:
    before = await call(client, account, "GET", "/rest/metadata/objects")
    cases: list[tuple[str, str, Any, int, str]] = [
        ("GET", "/rest/metadata/views", None, 404, "NOT_FOUND"),
        ("GET", "/rest/metadata/objects/not-a-uuid", None, 400, "VALIDATION_ERROR"),
        ("GET", f"/rest/metadata/objects/{uuid.uuid4()}", None, 404, "NOT_FOUND"),
        ("GET", f"/rest/metadata/fields/{uuid.uuid4()}?depth=1", None, 400, "VALIDATION_ERROR"),
        ("POST", "/rest/metadata/objects", {**PROPERTY, "color": "red"}, 400, "VALIDATION_ERROR"),
        ("POST", "/rest/metadata/objects", {"nameSingular": "thing"}, 400, "VALIDATION_ERROR"),
        ("POST", "/rest/metadata/objects", [PROPERTY], 400, "VALIDATION_ERROR"),
        ("POST", "/rest/metadata/objects", {**PROPERTY, "nameSingular": 7}, 400, "VALIDATION_ERROR"),
        ("POST", "/rest/metadata/objects", {**PROPERTY, "nameSingular": "Not Camel"}, 400,
         "VALIDATION_ERROR"),
        ("POST", "/rest/metadata/objects", {**PROPERTY, "nameSingular": "company", "namePlural": "companies"},
         400, "VALIDATION_ERROR"),
        ("POST", "/rest/metadata/objects?upsert=true", PROPERTY, 400, "VALIDATION_ERROR"),
        ("POST", "/rest/metadata/fields", {"objectMetadataId": str(uuid.uuid4()), "name": "x", "label": "X",
                                           "type": "TEXT"}, 404, "NOT_FOUND"),
        ("POST", "/rest/metadata/fields", {"name": "x", "label": "X", "type": "NOPE"}, 400,
         "VALIDATION_ERROR"),
        ("PATCH", "/rest/metadata/objects", {"labelSingular": "X"}, 400, "VALIDATION_ERROR"),
        ("DELETE", "/rest/metadata/fields", None, 400, "VALIDATION_ERROR"),
        ("PATCH", f"/rest/metadata/objects/{uuid.uuid4()}", {"labelSingular": "X"}, 404, "NOT_FOUND"),
        ("DELETE", f"/rest/metadata/objects/{uuid.uuid4()}", None, 404, "NOT_FOUND"),
    ]
    for method, url, body, status, code in cases:
        err = await error(client, account, method, url, body, status=status, code=code)
        if isinstance(body, dict) and "color" in body:  # an unknown member is named
            assert err["details"] == [{"field": "color", "message": "is not a field of CreateObjectInput"}]
        if body == {"nameSingular": "thing"}:
            assert {d["field"] for d in err["details"]} == {"namePlural", "labelSingular", "labelPlural"}
    company_id = await _object_id(client, account, "company")
    await error(client, account, "DELETE", f"/rest/metadata/objects/{company_id}", status=400,
                code="VALIDATION_ERROR")
    response = await client.post("/rest/metadata/objects", content=b"{", headers={
        **account.headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    response = await client.post("/rest/metadata/objects", content=b"{}", headers={
        **account.headers, "Content-Type": "text/plain"})
    assert response.status_code == 415
    unauthenticated = await client.get("/rest/metadata/objects")
    assert unauthenticated.status_code == 401
    assert await call(client, account, "GET", "/rest/metadata/objects") == before


async def test_open_api_metadata_describes_the_rest_paths(client: httpx.AsyncClient,
                                                          account: Account) -> None:
    response = await client.get(f"/rest/open-api/metadata?token={account.access_token}")
    assert response.status_code == 200
    document = response.json()
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document)
    paths = document["paths"]
    for collection in ("objects", "fields", "relations"):
        assert set(paths[f"/rest/metadata/{collection}"]) == {"get", "post"}
        assert {"get", "delete"} <= set(paths[f"/rest/metadata/{collection}/{{id}}"])
    assert "patch" in paths["/rest/metadata/objects/{id}"]
    assert "patch" not in paths["/rest/metadata/relations/{id}"]
    assert "/metadata" in paths
    schemas = document["components"]["schemas"]
    # what the server answers is what the document describes, key for key
    listed = await call(client, account, "GET", "/rest/metadata/objects?limit=1")
    obj = listed["data"]["objects"][0]
    assert set(obj) <= set(schemas["Object"]["properties"])
    assert set(schemas["Object"]["required"]) <= set(obj)
    assert set(obj["fields"][0]) <= set(schemas["Field"]["properties"])
    relations = await call(client, account, "GET", "/rest/metadata/relations?limit=1")
    relation = relations["data"]["relations"][0]
    assert set(relation) == set(schemas["Relation"]["properties"])
    body = paths["/rest/metadata/objects"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CreateObjectInput"}
    create = schemas["CreateObjectInput"]
    assert create["additionalProperties"] is False
    assert set(create["required"]) == {"nameSingular", "namePlural", "labelSingular", "labelPlural"}
    created = paths["/rest/metadata/objects"]["post"]["responses"]["201"]["content"]["application/json"]
    assert created["schema"]["properties"]["data"]["properties"] == {
        "createOneObject": {"$ref": "#/components/schemas/Object"}}
