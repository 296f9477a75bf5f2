"""Roles on API keys (Twenty's RBAC): the roles of a workspace, keys made with a role, and what each may do.

A key whose role may not do something gets FORBIDDEN in the documented envelope and changes nothing; a
key without a role may do everything, as before roles existed.
"""

from __future__ import annotations

from typing import Any

import httpx

from ..conftest import Account, gql
from ..rest.conftest import call, error
from .test_metadata_api import meta, object_ids

ROLE = """id label description icon isEditable canUpdateAllSettings canReadAllObjectRecords
canUpdateAllObjectRecords canSoftDeleteAllObjectRecords canDestroyAllObjectRecords
objectPermissions { objectMetadataId canReadObjectRecords canUpdateObjectRecords canSoftDeleteObjectRecords
canDestroyObjectRecords } apiKeys { id name }"""
CREATE_ROLE = f"""mutation CreateOneRole($input: CreateRoleInput!) {{
  createOneRole(createRoleInput: $input) {{ {ROLE} }} }}"""
UPDATE_ROLE = f"""mutation UpdateOneRole($input: UpdateRoleInput!) {{
  updateOneRole(updateRoleInput: $input) {{ {ROLE} }} }}"""
CREATE_KEY = """mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { id name token expiresAt role { id label } } }"""
UPDATE_KEY = """mutation UpdateApiKey($input: UpdateApiKeyInput!) {
  updateApiKey(input: $input) { id name expiresAt revokedAt role { label } } }"""
ASSIGN = "mutation($k: UUID!, $r: UUID!) { assignRoleToApiKey(apiKeyId: $k, roleId: $r) }"
DELETE_ROLE = "mutation($r: UUID!) { deleteOneRole(roleId: $r) }"
UPSERT_PERMISSIONS = """mutation UpsertObjectPermissions($input: UpsertObjectPermissionsInput!) {
  upsertObjectPermissions(upsertObjectPermissionsInput: $input) {
    objectMetadataId canReadObjectRecords canUpdateObjectRecords canSoftDeleteObjectRecords
    canDestroyObjectRecords } }"""
READER = {"label": "Reader", "description": "reads records", "canReadAllObjectRecords": True}


class KeyHolder(Account):
    """An API key, used where the tests use an account's access token."""

    def __init__(self, token: str) -> None:
        self.access_token = token


def data(answer: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in answer, answer
    result: dict[str, Any] = answer["data"]
    return result


def forbidden(answer: dict[str, Any]) -> str:
    """The message of the one FORBIDDEN error of a GraphQL answer."""
    (err,) = answer["errors"]
    assert err["extensions"]["code"] == "FORBIDDEN", answer
    message: str = err["message"]
    return message


async def make_role(client: httpx.AsyncClient, account: Account, role: dict[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = data(await meta(client, account, CREATE_ROLE, {"input": role}))["createOneRole"]
    return created


async def make_key(client: httpx.AsyncClient, account: Account, role_id: str | None = None,
                   name: str = "integration") -> tuple[dict[str, Any], KeyHolder]:
    given: dict[str, Any] = {"name": name, "expiresAt": "2099-01-01T00:00:00Z"}
    if role_id is not None:
        given["roleId"] = role_id
    key: dict[str, Any] = data(await meta(client, account, CREATE_KEY, {"input": given}))["createApiKey"]
    return key, KeyHolder(key["token"])


async def upsert(client: httpx.AsyncClient, account: Account, role_id: str,
                 permissions: list[dict[str, Any]]) -> dict[str, Any]:
    return await meta(client, account, UPSERT_PERMISSIONS,
                      {"input": {"roleId": role_id, "objectPermissions": permissions}})


async def deny(client: httpx.AsyncClient, holder: Account, method: str, url: str,
               body: Any = None) -> dict[str, Any]:
    """A REST request the holder's role refuses: 403 FORBIDDEN in the documented envelope."""
    return await error(client, holder, method, url, body, status=403, code="FORBIDDEN")


async def count(client: httpx.AsyncClient, account: Account, plural: str) -> int:
    listed = await call(client, account, "GET", f"/rest/{plural}")
    total: int = listed["totalCount"]
    return total


async def test_every_workspace_has_admin_and_member(client: httpx.AsyncClient, account: Account) -> None:
    roles = data(await meta(client, account, f"{{ roles {{ {ROLE} }} getRoles {{ id }} }}"))
    admin, member = roles["roles"]
    assert [r["id"] for r in roles["getRoles"]] == [admin["id"], member["id"]]
    assert (admin["label"], admin["isEditable"]) == ("Admin", False)
    flags = ("canUpdateAllSettings", "canReadAllObjectRecords", "canUpdateAllObjectRecords",
             "canSoftDeleteAllObjectRecords", "canDestroyAllObjectRecords")
    assert all(admin[f] for f in flags)
    assert (member["label"], member["isEditable"], member["canUpdateAllSettings"]) == ("Member", True, False)
    assert all(member[f] for f in flags[1:])
    # a key made without a role may do everything: it answers as the Admin role
    key, holder = await make_key(client, account)
    assert key["role"] == {"id": admin["id"], "label": "Admin"}
    await call(client, holder, "POST", "/rest/companies", {"name": "Acme"}, status=201)
    keys = data(await meta(client, account, "{ apiKeys { id role { label } } }"))["apiKeys"]
    assert keys == [{"id": key["id"], "role": {"label": "Admin"}}]


async def test_a_read_only_key_reads_and_changes_nothing(client: httpx.AsyncClient, account: Account) -> None:
    company = (await call(client, account, "POST", "/rest/companies", {"name": "Acme"}, status=201))["data"]
    role = await make_role(client, account, READER)
    assert (role["canReadAllObjectRecords"], role["canUpdateAllObjectRecords"]) == (True, False)
    key, reader = await make_key(client, account, role["id"])
    assert key["role"] == {"id": role["id"], "label": "Reader"}

    assert (await call(client, reader, "GET", "/rest/companies"))["data"][0]["name"] == "Acme"
    await call(client, reader, "GET", f"/rest/companies/{company['id']}?depth=1")
    err = await deny(client, reader, "POST", "/rest/companies", {"name": "Globex"})
    assert "Reader" in err["message"]
    await deny(client, reader, "POST", "/rest/batch/companies", [{"name": "Globex"}])
    await deny(client, reader, "PATCH", f"/rest/companies/{company['id']}", {"name": "Initech"})
    await deny(client, reader, "PATCH", "/rest/companies?filter=name[eq]:Acme", {"name": "Initech"})
    await deny(client, reader, "DELETE", f"/rest/companies/{company['id']}")
    await deny(client, reader, "DELETE", f"/rest/companies/{company['id']}?soft_delete=false")
    await deny(client, reader, "PATCH", f"/rest/restore/companies/{company['id']}")
    await deny(client, reader, "POST", "/rest/metadata/objects",
                {"nameSingular": "rocket", "namePlural": "rockets", "labelSingular": "Rocket",
                 "labelPlural": "Rockets"})
    # nothing changed
    listed = await call(client, account, "GET", "/rest/companies")
    assert [(c["id"], c["name"], c["deletedAt"]) for c in listed["data"]] == [(company["id"], "Acme", None)]

    # on /metadata it reads the data model, and manages nothing: no keys, webhooks or roles
    assert data(await meta(client, reader, "{ objects { totalCount } }"))["objects"]["totalCount"] > 0
    assert "Reader" in forbidden(await meta(client, reader, CREATE_KEY, {"input": {"name": "escalate",
                                                                                  "roleId": role["id"]}}))
    forbidden(await meta(client, reader, "{ apiKeys { id } }"))
    root = {"label": "Root", "canUpdateAllSettings": True}
    forbidden(await meta(client, reader, CREATE_ROLE, {"input": root}))
    keys = data(await meta(client, account, "{ apiKeys { id } }"))["apiKeys"]
    assert [k["id"] for k in keys] == [key["id"]]


async def test_object_permissions_override_the_role(client: httpx.AsyncClient, account: Account) -> None:
    ids = await object_ids(client, account)
    role = await make_role(client, account, {"label": "Sales", "canReadAllObjectRecords": True,
                                             "canUpdateAllObjectRecords": True,
                                             "canSoftDeleteAllObjectRecords": True})
    upserted = data(await upsert(client, account, role["id"], [
        {"objectMetadataId": ids["company"], "canUpdateObjectRecords": False},
        {"objectMetadataId": ids["opportunity"], "canReadObjectRecords": False,
         "canUpdateObjectRecords": False, "canSoftDeleteObjectRecords": False}]))["upsertObjectPermissions"]
    assert upserted[0] == {"objectMetadataId": ids["company"], "canReadObjectRecords": None,
                           "canUpdateObjectRecords": False, "canSoftDeleteObjectRecords": None,
                           "canDestroyObjectRecords": None}
    _, sales = await make_key(client, account, role["id"])

    ada = {"name": {"firstName": "Ada"}}
    person = (await call(client, sales, "POST", "/rest/people", ada, status=201))["data"]
    await deny(client, sales, "POST", "/rest/companies", {"name": "Acme"})
    await call(client, sales, "GET", "/rest/companies")
    await deny(client, sales, "GET", "/rest/opportunities")
    # depth=1 reads the records its relations lead to: a person's opportunities are among them
    await call(client, sales, "GET", f"/rest/people/{person['id']}")
    await deny(client, sales, "GET", f"/rest/people/{person['id']}?depth=1")
    await call(client, sales, "DELETE", f"/rest/people/{person['id']}")
    # destroying follows the role (false) where the object says nothing
    await deny(client, sales, "DELETE", f"/rest/people/{person['id']}?soft_delete=false")
    assert await count(client, account, "companies") == 0

    # what cannot be read cannot be changed either
    refused = await upsert(client, account, role["id"],
                           [{"objectMetadataId": ids["opportunity"], "canUpdateObjectRecords": True}])
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # a later upsert changes the flags it names and keeps the others
    again = data(await upsert(client, account, role["id"], [
        {"objectMetadataId": ids["company"], "canDestroyObjectRecords": True}]))["upsertObjectPermissions"]
    assert (again[0]["canUpdateObjectRecords"], again[0]["canDestroyObjectRecords"]) == (False, True)
    listed = data(await meta(client, account, f"{{ roles {{ {ROLE} }} }}"))["roles"]
    sales_role = next(r for r in listed if r["label"] == "Sales")
    objects = {p["objectMetadataId"] for p in sales_role["objectPermissions"]}
    assert objects == {ids["company"], ids["opportunity"]}
    assert len(sales_role["apiKeys"]) == 1


async def test_update_api_key_and_its_role(client: httpx.AsyncClient, account: Account) -> None:
    roles = data(await meta(client, account, "{ getApiKeyRoles { id label } }"))["getApiKeyRoles"]
    member = next(r for r in roles if r["label"] == "Member")
    reader = await make_role(client, account, READER)
    key, holder = await make_key(client, account, member["id"])
    await call(client, holder, "POST", "/rest/companies", {"name": "Acme"}, status=201)

    updated = data(await meta(client, account, UPDATE_KEY, {"input": {
        "id": key["id"], "name": "renamed", "expiresAt": "2098-05-01T00:00:00Z"}}))["updateApiKey"]
    assert updated == {"id": key["id"], "name": "renamed", "expiresAt": "2098-05-01T00:00:00.000Z",
                       "revokedAt": None, "role": {"label": "Member"}}
    # a new role holds from the key's very next request
    assigned = await meta(client, account, ASSIGN, {"k": key["id"], "r": reader["id"]})
    assert data(assigned) == {"assignRoleToApiKey": True}
    await deny(client, holder, "POST", "/rest/companies", {"name": "Globex"})
    back = data(await meta(client, account, UPDATE_KEY, {"input": {"id": key["id"], "roleId": member["id"]}}))
    assert back["updateApiKey"]["role"] == {"label": "Member"}
    await call(client, holder, "POST", "/rest/companies", {"name": "Globex"}, status=201)
    # revoked through updateApiKey: refused; and back again with revokedAt: null, as Twenty allows
    revoked = data(await meta(client, account, UPDATE_KEY, {"input": {"id": key["id"],
                                                                      "revokedAt": "2020-01-01T00:00:00Z"}}))
    assert revoked["updateApiKey"]["revokedAt"] == "2020-01-01T00:00:00.000Z"
    response = await client.get("/rest/companies", headers=holder.headers)
    assert response.status_code == 401
    data(await meta(client, account, UPDATE_KEY, {"input": {"id": key["id"], "revokedAt": None}}))
    await call(client, holder, "GET", "/rest/companies")

    missing = await meta(client, account, UPDATE_KEY, {"input": {"id": member["id"], "name": "x"}})
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    empty = await meta(client, account, UPDATE_KEY, {"input": {"id": key["id"], "name": "  "}})
    assert empty["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_role_changes_and_their_limits(client: httpx.AsyncClient, account: Account) -> None:
    admin, member = data(await meta(client, account, "{ roles { id label } }"))["roles"]
    role = await make_role(client, account, READER)
    duplicate = await meta(client, account, CREATE_ROLE, {"input": READER})
    assert duplicate["errors"][0]["extensions"]["code"] == "CONFLICT"
    changed = data(await meta(client, account, UPDATE_ROLE, {"input": {"id": role["id"], "update": {
        "label": "Auditor", "canSoftDeleteAllObjectRecords": True}}}))["updateOneRole"]
    assert (changed["label"], changed["description"], changed["canSoftDeleteAllObjectRecords"]) == \
        ("Auditor", "reads records", True)
    assert changed["canReadAllObjectRecords"] is True
    # Admin may always do everything; the standard roles stay
    forbidden(await meta(client, account, UPDATE_ROLE, {"input": {"id": admin["id"], "update": {
        "canDestroyAllObjectRecords": False}}}))
    forbidden(await meta(client, account, DELETE_ROLE, {"r": member["id"]}))
    no_such_role = admin["id"][:-4] + "0000"
    unknown = await meta(client, account, CREATE_KEY, {"input": {"name": "k", "roleId": no_such_role}})
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    # a role some key has cannot be deleted: the key would be left with full access
    key, _ = await make_key(client, account, role["id"])
    in_use = await meta(client, account, DELETE_ROLE, {"r": role["id"]})
    assert in_use["errors"][0]["extensions"]["code"] == "CONFLICT"
    await meta(client, account, ASSIGN, {"k": key["id"], "r": member["id"]})
    deleted = data(await meta(client, account, DELETE_ROLE, {"r": role["id"]}))
    assert deleted == {"deleteOneRole": role["id"]}
    assert [r["label"] for r in data(await meta(client, account, "{ roles { label } }"))["roles"]] == \
        ["Admin", "Member"]


async def test_user_tokens_are_not_limited_by_roles(client: httpx.AsyncClient, account: Account) -> None:
    # roles are an API key's: the workspace's users may do everything, as before
    await make_role(client, account, READER)
    create = 'mutation { createCompany(data: {name: "Acme"}) { id } }'
    response = await gql(client, account.access_token, create)
    assert "errors" not in response.json()


async def test_graphql_writes_of_a_read_only_key_are_refused(client: httpx.AsyncClient,
                                                             account: Account) -> None:
    role = await make_role(client, account, READER)
    _, reader = await make_key(client, account, role["id"])
    for mutation in ('mutation { createCompany(data: {name: "Globex"}) { id } }',
                     'mutation { createCompanies(data: [{name: "Globex"}]) { id } }',
                     'mutation { updateCompanies(filter: {name: {eq: "Acme"}}, data: {name: "X"}) { id } }',
                     'mutation { deleteCompanies(filter: {name: {eq: "Acme"}}) { id } }'):
        answer = (await gql(client, reader.access_token, mutation)).json()
        assert [e["extensions"]["code"] for e in answer["errors"]] == ["FORBIDDEN"], mutation
    assert await count(client, account, "companies") == 0


async def test_admin_and_member_keys_work_on_graphql(client: httpx.AsyncClient, account: Account) -> None:
    # Twenty's clients make their keys with a role: Admin's and Member's allow every record
    for role in data(await meta(client, account, "{ getApiKeyRoles { id label } }"))["getApiKeyRoles"]:
        _, holder = await make_key(client, account, role["id"], name=role["label"])
        create = f'mutation {{ createCompany(data: {{name: "{role["label"]}"}}) {{ name }} }}'
        assert data((await gql(client, holder.access_token, create)).json()) == \
            {"createCompany": {"name": role["label"]}}
        listed = (await gql(client, holder.access_token, "{ companies { totalCount } }")).json()
        assert "errors" not in listed
    assert await count(client, account, "companies") == 2
