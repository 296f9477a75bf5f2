"""The metadata API as Twenty's clients call it: paging and filters, ``input`` shapes, UUID ids."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from ..conftest import Account, Server, gql
from .test_metadata_api import LIST_OBJECTS, PROPERTY, core, meta, object_ids

# as Twenty's generated clients send them: the argument types are Twenty's
OBJECTS = """query Objects($paging: CursorPaging!, $filter: ObjectFilter!) {
  objects(paging: $paging, filter: $filter) {
    edges { node { id nameSingular isCustom } cursor }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}"""
CREATE_OBJECT = """mutation CreateOneObject($input: CreateOneObjectInput!) {
  createOneObject(input: $input) { id nameSingular labelSingular } }"""
UPDATE_OBJECT = """mutation UpdateOneObject($input: UpdateOneObjectInput!) {
  updateOneObject(input: $input) { id labelSingular description isActive } }"""
DELETE_OBJECT = """mutation DeleteOneObject($input: DeleteOneObjectInput!) { deleteOneObject(input: $input) { id } }"""
CREATE_FIELD = """mutation CreateOneField($input: CreateOneFieldMetadataInput!) {
  createOneField(input: $input) { id name label type icon } }"""
UPDATE_FIELD = """mutation UpdateOneField($input: UpdateOneFieldMetadataInput!) {
  updateOneField(input: $input) { id label description } }"""
DELETE_FIELD = """mutation DeleteOneField($input: DeleteOneFieldInput!) { deleteOneField(input: $input) { id } }"""


def nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


async def test_current_workspace_and_user(client: httpx.AsyncClient, account: Account) -> None:
    # Twenty's CLI checks its credentials with this very query
    checked = await meta(client, account, "query CurrentWorkspace {\n  currentWorkspace {\n    id\n  }\n}")
    assert checked == {"data": {"currentWorkspace": {"id": account.workspace_id}}}
    workspace = await meta(client, account, "{ currentWorkspace { id displayName activationStatus "
                                            "workspaceMembersCount metadataVersion createdAt logo } }")
    current = workspace["data"]["currentWorkspace"]
    assert current["displayName"] == "Acme"
    assert current["activationStatus"] == "ACTIVE"
    assert current["workspaceMembersCount"] == 1
    assert current["metadataVersion"] >= 1
    assert current["createdAt"].endswith("Z")
    assert current["logo"] is None
    user = await meta(client, account, "{ currentUser { id email firstName lastName "
                                       "workspaceMember { id name { firstName lastName } userEmail } "
                                       "currentWorkspace { id } } }")
    me = user["data"]["currentUser"]
    assert me["id"] == account.user_id
    assert me["email"] == account.email
    local_part = account.email.split("@")[0]
    assert (me["firstName"], me["lastName"]) == (local_part, "")
    assert me["workspaceMember"]["name"] == {"firstName": local_part, "lastName": ""}
    assert me["workspaceMember"]["userEmail"] == account.email
    assert me["currentWorkspace"] == {"id": account.workspace_id}
    # the member is the record the core API knows
    members = await core(client, account, "{ workspaceMembers { edges { node { id } } } }")
    assert [n["id"] for n in nodes(members["data"]["workspaceMembers"])] == [me["workspaceMember"]["id"]]


async def test_an_api_key_has_a_workspace_but_is_not_a_user(client: httpx.AsyncClient, account: Account) -> None:
    created = await meta(client, account, 'mutation { createOneApiKey(data: {name: "k"}) { token } }')
    token = created["data"]["createOneApiKey"]["token"]
    checked = await gql(client, token, "{ currentWorkspace { id displayName } }", path="/metadata")
    assert checked.json() == {"data": {"currentWorkspace": {"id": account.workspace_id, "displayName": "Acme"}}}
    refused = (await gql(client, token, "{ currentUser { id } }", path="/metadata")).json()
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_objects_paged_and_filtered(client: httpx.AsyncClient, account: Account) -> None:
    every = await meta(client, account, OBJECTS, {"paging": {}, "filter": {}})
    all_nodes = nodes(every["data"]["objects"])
    assert every["data"]["objects"]["totalCount"] == len(all_nodes) >= 8
    # API.md's unpaged form answers the same objects in the same order
    unpaged = await meta(client, account, LIST_OBJECTS)
    assert [n["id"] for n in nodes(unpaged["data"]["objects"])] == [n["id"] for n in all_nodes]

    seen: list[str] = []
    after = None
    while True:
        page = await meta(client, account, OBJECTS, {"paging": {"first": 3, "after": after}, "filter": {}})
        connection = page["data"]["objects"]
        seen += [n["id"] for n in nodes(connection)]
        assert connection["totalCount"] == len(all_nodes)
        assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
        assert after == connection["edges"][-1]["cursor"]
    assert seen == [n["id"] for n in all_nodes]
    last = await meta(client, account, OBJECTS, {"paging": {"last": 2, "before": all_nodes[-1]["id"]}, "filter": {}})
    assert [n["id"] for n in nodes(last["data"]["objects"])] == [n["id"] for n in all_nodes[-3:-1]]
    assert last["data"]["objects"]["pageInfo"] == {
        "hasNextPage": True, "hasPreviousPage": True, "startCursor": all_nodes[-3]["id"],
        "endCursor": all_nodes[-2]["id"]}

    await meta(client, account, "mutation($d: CreateObjectInput!) { createOneObject(data: $d) { id } }",
               {"d": PROPERTY})
    custom = await meta(client, account, OBJECTS, {"paging": {"first": 10},
                                                   "filter": {"isCustom": {"is": True}}})
    assert [n["nameSingular"] for n in nodes(custom["data"]["objects"])] == ["property"]
    ids = await object_ids(client, account)
    picked = await meta(client, account, OBJECTS, {"paging": {}, "filter": {"or": [
        {"id": {"eq": ids["company"]}}, {"id": {"in": [ids["person"], ids["note"]]}}], "isSystem": {"isNot": True}}})
    assert sorted(n["nameSingular"] for n in nodes(picked["data"]["objects"])) == ["company", "note", "person"]
    none = await meta(client, account, OBJECTS, {"paging": {}, "filter": {"and": [
        {"id": {"eq": ids["company"]}}, {"id": {"neq": ids["company"]}}]}})
    assert none["data"]["objects"] == {"edges": [], "totalCount": 0, "pageInfo": {
        "hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None}}


async def test_fields_paged_and_filtered(client: httpx.AsyncClient, account: Account) -> None:
    ids = await object_ids(client, account)
    query = """query Fields($paging: CursorPaging!, $filter: FieldFilter!) {
      fields(paging: $paging, filter: $filter) { edges { node { name objectMetadataId } } totalCount } }"""
    company = await meta(client, account, query, {"paging": {"first": 500},
                                                  "filter": {"objectMetadataId": {"eq": ids["company"]}}})
    names = [n["name"] for n in nodes(company["data"]["fields"])]
    assert {"name", "employees", "people"} <= set(names)
    assert {n["objectMetadataId"] for n in nodes(company["data"]["fields"])} == {ids["company"]}
    # an object's own fields, paged and filtered the same way
    nested = await meta(client, account, """query($id: UUID!, $p: CursorPaging!, $f: FieldFilter!) {
      object(id: $id) { fields(paging: $p, filter: $f) { edges { node { name } } totalCount
                                                         pageInfo { hasNextPage } } } }""",
                        {"id": ids["company"], "p": {"first": 2}, "f": {"isSystem": {"is": False}}})
    connection = nested["data"]["object"]["fields"]
    assert len(connection["edges"]) == 2
    assert connection["pageInfo"]["hasNextPage"] is True
    assert connection["totalCount"] == len([n for n in names if n not in ("id", "createdAt", "updatedAt",
                                                                             "deletedAt", "position")])
    # without arguments an object's fields are all there, as API.md shows
    plain = await meta(client, account, "query($id: ID!) { object(id: $id) { fields { totalCount } } }",
                       {"id": ids["company"]})
    assert plain["data"]["object"]["fields"]["totalCount"] == len(names)


async def test_bad_paging_and_filters_are_refused(client: httpx.AsyncClient, account: Account) -> None:
    for paging in ({"first": 1, "last": 1}, {"first": -1}, {"last": -2}, {"after": "nope"},
                   {"before": str(uuid.uuid4())}):
        body = await meta(client, account, OBJECTS, {"paging": paging, "filter": {}})
        assert body["data"] is None, paging
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", paging
        assert body["errors"][0]["extensions"]["details"][0]["field"].startswith("paging"), paging
    nested = await meta(client, account, "{ objects { edges { node { fields(paging: {first: 1, last: 1}) "
                                         "{ totalCount } } } } }")
    assert nested["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    for bad in ({"paging": {}, "filter": {"id": {"eq": "not-a-uuid"}}},
                {"paging": {}, "filter": {"isCustom": {"eq": True}}},
                {"paging": {"first": "ten"}, "filter": {}}):
        response = await gql(client, account.access_token, OBJECTS, bad, path="/metadata")
        assert response.status_code == 400, bad
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", bad
    literal = await gql(client, account.access_token, '{ objects(filter: {id: {eq: "x"}}) { totalCount } }',
                        path="/metadata")
    assert literal.status_code == 400
    assert literal.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_objects_and_fields_through_input(server: Server, client: httpx.AsyncClient,
                                                account: Account) -> None:
    created = await meta(client, account, CREATE_OBJECT, {"input": {"object": PROPERTY}})
    object_id = created["data"]["createOneObject"]["id"]
    assert created["data"]["createOneObject"]["nameSingular"] == "property"
    field = await meta(client, account, CREATE_FIELD, {"input": {"field": {
        "objectMetadataId": object_id, "name": "bedrooms", "label": "Bedrooms", "type": "NUMBER",
        "icon": "IconBed"}}})
    field_id = field["data"]["createOneField"]["id"]
    assert field["data"]["createOneField"]["icon"] == "IconBed"
    made = await core(client, account, "mutation { createProperty(data: {name: \"Villa\", bedrooms: 4}) "
                                       "{ bedrooms } }")
    assert made == {"data": {"createProperty": {"bedrooms": 4}}}

    updated = await meta(client, account, UPDATE_OBJECT, {"input": {"id": object_id, "update": {
        "labelSingular": "Listing", "description": "Homes"}}})
    assert updated["data"]["updateOneObject"] == {"id": object_id, "labelSingular": "Listing",
                                                  "description": "Homes", "isActive": True}
    renamed = await meta(client, account, UPDATE_FIELD, {"input": {"id": field_id, "update": {
        "label": "Rooms", "description": "Bedrooms only"}}})
    assert renamed["data"]["updateOneField"] == {"id": field_id, "label": "Rooms", "description": "Bedrooms only"}

    deleted_field = await meta(client, account, DELETE_FIELD, {"input": {"id": field_id}})
    assert deleted_field["data"]["deleteOneField"] == {"id": field_id}
    gone = await gql(client, account.access_token, "{ properties { edges { node { bedrooms } } } }")
    assert gone.status_code == 400
    deleted = await meta(client, account, DELETE_OBJECT, {"input": {"id": object_id}})
    assert deleted["data"]["deleteOneObject"] == {"id": object_id}
    assert "property" not in await object_ids(client, account)


async def test_a_relation_field_as_twenty_creates_it(client: httpx.AsyncClient, account: Account) -> None:
    created = await meta(client, account, CREATE_OBJECT, {"input": {"object": PROPERTY}})
    object_id = created["data"]["createOneObject"]["id"]
    ids = await object_ids(client, account)
    # Twenty's payload names the other side by its label (and icon) only
    relation = await meta(client, account, CREATE_FIELD, {"input": {"field": {
        "objectMetadataId": object_id, "name": "owner", "label": "Owner", "type": "RELATION",
        "icon": "IconBuilding", "relationCreationPayload": {
            "type": "MANY_TO_ONE", "targetObjectMetadataId": ids["company"], "targetFieldLabel": "Owned Properties",
            "targetFieldIcon": "IconHome"}}}})
    assert relation["data"]["createOneField"]["name"] == "owner"
    company_fields = await meta(client, account, """query($id: UUID!) { object(id: $id) {
        fields(filter: {isCustom: {is: true}}) { edges { node { name label icon type } } } } }""",
                                {"id": ids["company"]})
    assert nodes(company_fields["data"]["object"]["fields"]) == [
        {"name": "ownedProperties", "label": "Owned Properties", "icon": "IconHome", "type": "RELATION"}]
    company = await core(client, account, 'mutation { createCompany(data: {name: "Homes Inc"}) { id } }')
    company_id = company["data"]["createCompany"]["id"]
    await core(client, account, f'mutation {{ createProperty(data: {{name: "Villa", ownerId: "{company_id}"}}) '
                                "{ id } }")
    both = await core(client, account, "{ companies { edges { node { ownedProperties { edges { node { name "
                                        "owner { name } } } } } } } }")
    [node] = nodes(both["data"]["companies"])
    assert nodes(node["ownedProperties"]) == [{"name": "Villa", "owner": {"name": "Homes Inc"}}]


async def test_uuid_and_id_variables_on_the_metadata_api(client: httpx.AsyncClient, account: Account) -> None:
    ids = await object_ids(client, account)
    by_uuid = await meta(client, account, "query($id: UUID!) { object(id: $id) { nameSingular } }",
                         {"id": ids["company"]})
    assert by_uuid["data"]["object"] == {"nameSingular": "company"}
    created = await meta(client, account, CREATE_OBJECT, {"input": {"object": PROPERTY}})
    object_id = created["data"]["createOneObject"]["id"]
    # an ID variable inside Twenty's input, whose id is a UUID
    by_id = await meta(client, account, "mutation($id: ID!) { deleteOneObject(input: {id: $id}) { id } }",
                       {"id": object_id})
    assert by_id["data"]["deleteOneObject"] == {"id": object_id}
    bad = await gql(client, account.access_token, "query($id: UUID!) { object(id: $id) { id } }",
                    {"id": "company"}, path="/metadata")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    literal = await gql(client, account.access_token, 'mutation { deleteOneObject(input: {id: "nope"}) { id } }',
                        path="/metadata")
    assert literal.status_code == 400
    assert literal.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    id_in_input = await meta(client, account, "mutation($id: ID!) { deleteOneObject(input: {id: $id}) { id } }",
                             {"id": "nope"})
    assert id_in_input["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_both_shapes_or_neither_change_nothing(client: httpx.AsyncClient, account: Account) -> None:
    before = await meta(client, account, LIST_OBJECTS)
    ids = await object_ids(client, account)
    refused = [
        ("mutation($d: CreateObjectInput!, $i: CreateOneObjectInput!) { createOneObject(data: $d, input: $i) "
         "{ id } }", {"d": PROPERTY, "i": {"object": PROPERTY}}),
        ("mutation { createOneObject { id } }", None),
        ("mutation($i: UpdateOneObjectInput!, $id: ID!) { updateOneObject(id: $id, input: $i) { id } }",
         {"id": ids["company"], "i": {"id": ids["company"], "update": {"labelSingular": "X"}}}),
        ("mutation($id: ID!) { updateOneObject(id: $id) { id } }", {"id": ids["company"]}),
        ("mutation { updateOneObject(data: {labelSingular: \"X\"}) { id } }", None),
        ("mutation($id: ID!) { deleteOneObject(id: $id, input: {id: $id}) { id } }", {"id": ids["company"]}),
        ("mutation { deleteOneObject { id } }", None),
        ("mutation { createOneField { id } }", None),
        ("mutation($id: ID!) { deleteOneField(id: $id, input: {id: $id}) { id } }", {"id": ids["company"]}),
        ("mutation { updateOneField(input: {id: \"00000000-0000-4000-8000-000000000000\", "
         "update: {label: \"X\"}}) { id } }", None),
        ("mutation($i: UpdateOneObjectInput!) { updateOneObject(input: $i) { id } }",
         {"i": {"id": ids["company"], "update": {"nameSingular": "firm"}}}),
    ]
    for query, variables in refused:
        response = await gql(client, account.access_token, query, variables, path="/metadata")
        assert response.status_code == 200, query
        body = response.json()
        assert body["data"] is None, query
        error = body["errors"][0]
        assert error["extensions"]["code"] == ("NOT_FOUND" if "0000-4000" in query else "BAD_USER_INPUT"), body
        assert error["extensions"].get("details") or error["extensions"]["code"] == "NOT_FOUND", body
    assert await meta(client, account, LIST_OBJECTS) == before


async def test_api_keys_as_twenty_creates_them(client: httpx.AsyncClient, account: Account) -> None:
    # Twenty's settings page offers the roles a key may have, then creates the key with one
    roles = (await meta(client, account, "{ getApiKeyRoles { id label } }"))["data"]["getApiKeyRoles"]
    admin = next(r for r in roles if r["label"] == "Admin")
    created = await meta(client, account, """mutation CreateApiKey($input: CreateApiKeyInput!) {
      createApiKey(input: $input) { id name expiresAt revokedAt token role { id } } }""", {"input": {
        "name": "Zapier", "expiresAt": "2099-01-01T00:00:00.000Z", "roleId": admin["id"]}})
    key = created["data"]["createApiKey"]
    assert key["role"] == {"id": admin["id"]}
    assert key["name"] == "Zapier"
    assert key["expiresAt"] == "2099-01-01T00:00:00.000Z"
    assert key["revokedAt"] is None
    generated = await meta(client, account, """mutation($id: UUID!, $at: String!) {
      generateApiKeyToken(apiKeyId: $id, expiresAt: $at) { token } }""", {"id": key["id"],
                                                                           "at": "2098-06-01T00:00:00Z"})
    token = generated["data"]["generateApiKeyToken"]["token"]
    assert token != key["token"]
    for bearer in (token, key["token"]):
        listed = await gql(client, bearer, "{ companies { totalCount } }")
        assert listed.json() == {"data": {"companies": {"totalCount": 0}}}
    one = await meta(client, account, "query($i: GetApiKeyInput!) { apiKey(input: $i) { id name } }",
                     {"i": {"id": key["id"]}})
    assert one["data"]["apiKey"] == {"id": key["id"], "name": "Zapier"}
    by_id = await meta(client, account, "query($id: UUID!) { apiKey(id: $id) { name } }", {"id": key["id"]})
    assert by_id["data"]["apiKey"] == {"name": "Zapier"}

    revoked = await meta(client, account, """mutation($i: RevokeApiKeyInput!) {
      revokeApiKey(input: $i) { id revokedAt } }""", {"i": {"id": key["id"]}})
    assert revoked["data"]["revokeApiKey"]["revokedAt"] is not None
    for bearer in (token, key["token"]):
        refused = await gql(client, bearer, "{ companies { totalCount } }")
        assert refused.status_code == 401
    again = await meta(client, account, """mutation($id: UUID!) {
      generateApiKeyToken(apiKeyId: $id, expiresAt: "2098-01-01T00:00:00Z") { token } }""", {"id": key["id"]})
    assert again["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_generated_tokens_expire_and_bad_input_is_refused(client: httpx.AsyncClient, account: Account) -> None:
    created = await meta(client, account, 'mutation { createApiKey(input: {name: "k", expiresAt: '
                                          '"2099-01-01T00:00:00Z"}) { id } }')
    key_id = created["data"]["createApiKey"]["id"]
    expired = await meta(client, account, """mutation($id: UUID!) {
      generateApiKeyToken(apiKeyId: $id, expiresAt: "2001-01-01T00:00:00Z") { token } }""", {"id": key_id})
    token = expired["data"]["generateApiKeyToken"]["token"]
    assert (await gql(client, token, "{ companies { totalCount } }")).status_code == 401
    for at in ("soon", "", "2099-13-45"):
        bad = await meta(client, account, """mutation($id: UUID!, $at: String!) {
          generateApiKeyToken(apiKeyId: $id, expiresAt: $at) { token } }""", {"id": key_id, "at": at})
        assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", at
        assert bad["errors"][0]["extensions"]["details"][0]["field"] == "expiresAt", at
    missing = await meta(client, account, """mutation($id: UUID!) {
      generateApiKeyToken(apiKeyId: $id, expiresAt: "2099-01-01T00:00:00Z") { token } }""", {"id": str(uuid.uuid4())})
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    for data in ({"name": "", "expiresAt": "2099-01-01T00:00:00Z"},
                 {"name": "k", "expiresAt": "2099-01-01T00:00:00Z", "roleId": "admin"}):
        response = await gql(client, account.access_token, "mutation($i: CreateApiKeyInput!) { createApiKey("
                                                           "input: $i) { id } }", {"i": data}, path="/metadata")
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", data
    keys = await meta(client, account, "{ apiKeys { id } }")
    assert [k["id"] for k in keys["data"]["apiKeys"]] == [key_id]
    # another workspace cannot mint tokens for this key
    from ..conftest import sign_up

    other = await sign_up(client)
    foreign = await meta(client, other, """mutation($id: UUID!) {
      generateApiKeyToken(apiKeyId: $id, expiresAt: "2099-01-01T00:00:00Z") { token } }""", {"id": key_id})
    assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"
