"""Relations on /metadata: listed once each, read from either field, deleted whole; a field's relation."""

from __future__ import annotations

import httpx

from ..conftest import Account
from .test_metadata_api import PROPERTY, meta, object_ids

RELATIONS = """{ relations { edges { node { id relationType fromObjectMetadataId toObjectMetadataId
  fromFieldMetadataId toFieldMetadataId fromFieldMetadataName toFieldMetadataName } } totalCount } }"""


async def test_relations_listed_read_and_deleted(client: httpx.AsyncClient, account: Account) -> None:
    ids = await object_ids(client, account)
    listed = await meta(client, account, RELATIONS)
    relations = [e["node"] for e in listed["data"]["relations"]["edges"]]
    assert listed["data"]["relations"]["totalCount"] == len(relations)
    of_company = {(r["fromFieldMetadataName"], r["toFieldMetadataName"]) for r in relations
                  if r["fromObjectMetadataId"] == ids["company"]}
    assert of_company >= {("people", "company"), ("opportunities", "company")}
    assert all(r["relationType"] == "ONE_TO_MANY" for r in relations)

    created = await meta(client, account, "mutation($input: CreateObjectInput!) { "
                                          "createOneObject(data: $input) { id } }", {"input": PROPERTY})
    property_id = created["data"]["createOneObject"]["id"]
    made = await meta(client, account, """mutation($d: CreateRelationInput!) { createOneRelation(data: $d) {
        id relationType toFieldMetadataId } }""", {"d": {
        "relationType": "MANY_TO_ONE", "fromObjectMetadataId": property_id,
        "toObjectMetadataId": ids["company"],
        "fromFieldMetadataName": "owner", "toFieldMetadataName": "ownedProperties"}})
    relation = made["data"]["createOneRelation"]
    assert relation["relationType"] == "MANY_TO_ONE"
    # seen from the company's side, the same relation is one-to-many
    other = await meta(client, account, "query($id: ID!) { relation(id: $id) { relationType "
                                        "fromFieldMetadataName toFieldMetadataId } }",
                       {"id": relation["toFieldMetadataId"]})
    assert other["data"]["relation"] == {"relationType": "ONE_TO_MANY",
                                         "fromFieldMetadataName": "ownedProperties",
                                         "toFieldMetadataId": relation["id"]}
    field = await meta(client, account, """query($id: ID!) { field(id: $id) { name relation { type
        sourceObjectMetadata { nameSingular } targetObjectMetadata { id nameSingular namePlural }
        sourceFieldMetadata { name } targetFieldMetadata { id name } } } }""", {"id": relation["id"]})
    assert field["data"]["field"]["relation"] == {
        "type": "MANY_TO_ONE", "sourceObjectMetadata": {"nameSingular": "property"},
        "targetObjectMetadata": {"id": ids["company"], "nameSingular": "company", "namePlural": "companies"},
        "sourceFieldMetadata": {"name": "owner"},
        "targetFieldMetadata": {"id": relation["toFieldMetadataId"], "name": "ownedProperties"}}
    system = await meta(client, account,
                        "{ fields(filter: {isSystem: {is: true}}) { edges { node { id } } } }")
    plain = await meta(client, account, "query($id: ID!) { field(id: $id) { relation { type } } }",
                       {"id": system["data"]["fields"]["edges"][0]["node"]["id"]})
    assert plain["data"]["field"]["relation"] is None

    deleted = await meta(client, account, "mutation($input: DeleteOneRelationInput!) { "
                                          "deleteOneRelation(input: $input) { id relationType } }",
                         {"input": {"id": relation["toFieldMetadataId"]}})
    assert deleted["data"]["deleteOneRelation"] == {"id": relation["toFieldMetadataId"],
                                                   "relationType": "ONE_TO_MANY"}
    gone = await meta(client, account, "query($id: ID!) { relation(id: $id) { id } }", {"id": relation["id"]})
    assert gone["data"]["relation"] is None
    refused = await meta(client, account, "mutation($id: ID!) { deleteOneRelation(id: $id) { id } }",
                         {"id": relations[0]["id"]})
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
