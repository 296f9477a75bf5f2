"""Unique fields (Twenty's ``isUnique``): made through the metadata API, enforced by a unique index, and
what an upsert matches records by besides the id."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from twenty_storage.migrations import MIGRATIONS
from twenty_storage.sql import ident

from ..conftest import Account, Server, gql
from ..graphql.conftest import events, ok, schema_of
from ..rest.conftest import call, error

FIELD = "mutation($input: UpdateOneFieldMetadataInput!) { updateOneField(input: $input) { name isUnique } }"


async def _meta(client: httpx.AsyncClient, account: Account, query: str, variables: dict[str, Any]) -> Any:
    response = await gql(client, account.access_token, query, variables, path="/metadata")
    assert response.status_code == 200, response.text
    return response.json()


async def test_standard_unique_fields(client: httpx.AsyncClient, account: Account) -> None:
    fields = await call(client, account, "GET", "/rest/metadata/fields?limit=1000")
    unique = {f["name"] for f in fields["data"]["fields"] if f["isUnique"]}
    assert unique == {"domainName", "email"}


async def test_custom_unique_field(server: Server, client: httpx.AsyncClient, account: Account) -> None:
    made = await call(client, account, "POST", "/rest/metadata/objects", {
        "nameSingular": "property", "namePlural": "properties", "labelSingular": "Property",
        "labelPlural": "Properties"}, status=201)
    object_id = made["data"]["createOneObject"]["id"]
    ref = await call(client, account, "POST", "/rest/metadata/fields", {
        "objectMetadataId": object_id, "name": "ref", "label": "Ref", "type": "TEXT", "isUnique": True},
        status=201)
    assert ref["data"]["createOneField"]["isUnique"] is True
    site = await call(client, account, "POST", "/rest/metadata/fields", {
        "objectMetadataId": object_id, "name": "site", "label": "Site", "type": "LINKS"}, status=201)
    site_id = site["data"]["createOneField"]["id"]
    await error(client, account, "POST", "/rest/metadata/fields", {
        "objectMetadataId": object_id, "name": "flag", "label": "Flag", "type": "BOOLEAN", "isUnique": True},
        status=400, code="VALIDATION_ERROR")

    villa = (await call(client, account, "POST", "/rest/properties", {"name": "Villa", "ref": "V-1"},
                        status=201))["data"]
    await error(client, account, "POST", "/rest/properties", {"name": "Copy", "ref": "V-1"}, status=409,
                code="CONFLICT")
    again = (await call(client, account, "POST", "/rest/properties?upsert=true",
                        {"name": "Villa 2", "ref": "V-1"}, status=201))["data"]
    assert (again["id"], again["name"]) == (villa["id"], "Villa 2")

    # a LINKS field made unique: its URL is the key; records that share one keep it from being unique
    for name in ("A", "B"):
        await call(client, account, "POST", "/rest/properties",
                   {"name": name, "site": {"primaryLinkUrl": "x.io"}}, status=201)
    refused = await _meta(client, account, FIELD, {"input": {"id": site_id, "update": {"isUnique": True}}})
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", refused
    assert "cannot be unique" in refused["errors"][0]["message"]
    listed = await call(client, account, "GET", "/rest/properties?filter=name[eq]:B")
    await call(client, account, "DELETE", f"/rest/properties/{listed['data'][0]['id']}?soft_delete=false")
    made_unique = await _meta(client, account, FIELD,
                              {"input": {"id": site_id, "update": {"isUnique": True}}})
    assert made_unique["data"]["updateOneField"] == {"name": "site", "isUnique": True}, made_unique
    matched = (await call(client, account, "POST", "/rest/properties?upsert=true",
                          {"name": "A2", "site": {"primaryLinkUrl": "x.io"}}, status=201))["data"]
    assert matched["name"] == "A2"
    assert await server.services.db.fetchval("SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND "
                                             "indexname = $2", schema_of(account),
                                             f"unique_{uuid.UUID(site_id).hex}") == 1
    # and back: no longer unique, so an upsert creates and duplicates are allowed
    plain = await _meta(client, account, FIELD, {"input": {"id": site_id, "update": {"isUnique": False}}})
    assert plain["data"]["updateOneField"]["isUnique"] is False
    await call(client, account, "POST", "/rest/properties?upsert=true",
               {"name": "A3", "site": {"primaryLinkUrl": "x.io"}}, status=201)
    shared = await call(client, account, "GET", "/rest/properties?filter=site.primaryLinkUrl[eq]:x.io")
    assert len(shared["data"]) == 2


async def test_migration_makes_standard_fields_unique_where_data_allows(
        server: Server, client: httpx.AsyncClient, account: Account) -> None:
    """Migration 8 on a workspace from before unique fields: indexes made where no records share a value."""
    db = server.services.db
    schema = schema_of(account)
    await ok(client, account, "mutation { a: createCompany(data: {name: \"A\", domainName: \"a.io\"}) { id } "
                              "b: createPerson(data: {email: \"ada@a.io\"}) { id } }")
    # as before the migration: no index, no flag, and two people with one email
    fields = await db.fetch("SELECT f.id, f.name FROM core.field_metadata f JOIN core.object_metadata o "
                            "ON o.id = f.object_id WHERE o.workspace_id = $1 AND f.is_unique",
                            uuid.UUID(account.workspace_id))
    for field in fields:
        await db.execute(f'DROP INDEX {ident(schema, "unique_" + field["id"].hex)}')
    await db.execute("UPDATE core.field_metadata SET is_unique = false WHERE workspace_id = $1",
                     uuid.UUID(account.workspace_id))
    person = ident(schema, "person")  # names checked by ident(); the value is a parameter
    await db.execute(f"INSERT INTO {person} (id, email) VALUES (gen_random_uuid(), $1)", "ada@a.io")  # noqa: S608
    version = await db.fetchval("SELECT metadata_version FROM core.workspace WHERE id = $1",
                                uuid.UUID(account.workspace_id))
    [(number, _, statements)] = [m for m in MIGRATIONS if m[0] == 8]
    await db.execute(statements[1])
    unique = await db.fetch("SELECT f.name FROM core.field_metadata f WHERE f.workspace_id = $1 "
                            "AND f.is_unique", uuid.UUID(account.workspace_id))
    assert [r["name"] for r in unique] == ["domainName"]  # the people's emails are shared: left alone
    assert await db.fetchval("SELECT metadata_version FROM core.workspace WHERE id = $1",
                             uuid.UUID(account.workspace_id)) == version + 1
    assert await db.fetchval("SELECT count(*) FROM pg_indexes WHERE schemaname = $1 "
                             "AND indexname LIKE 'unique_%'", schema) == 1
    assert number == 8
    assert len(await events(server, account)) == 2
