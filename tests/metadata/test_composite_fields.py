"""Twenty's composite field types LINKS, EMAILS and PHONES as custom fields, in the default mode.

A field made through the metadata API (REST or GraphQL) gets one column per sub-field, named as
Twenty names them (``websitePrimaryLinkUrl``), its lists as jsonb; records carry it as an object over
REST, in GraphQL and in the event log; filters and ordering name its sub-fields.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ..conftest import Account, Server, gql
from ..graphql.conftest import events, fails, ok, schema_of
from ..rest.conftest import call, error

LINKS = {"primaryLinkUrl": "https://acme.com", "primaryLinkLabel": "Acme",
         "secondaryLinks": [{"url": "https://acme.org", "label": "Org"}]}
EMAILS = {"primaryEmail": "ada@acme.com", "additionalEmails": ["ada@home.org"]}
PHONES = {"primaryPhoneNumber": "5550123", "primaryPhoneCountryCode": "US", "primaryPhoneCallingCode": "+1",
          "additionalPhones": [{"number": "5550199", "countryCode": "US", "callingCode": "+1"}]}


async def _property_object(client: httpx.AsyncClient, account: Account) -> str:
    """A custom object ``property`` with a LINKS ``website`` (REST metadata), EMAILS ``contacts`` and PHONES
    ``lines`` (GraphQL metadata); its id."""
    made = await call(client, account, "POST", "/rest/metadata/objects", {
        "nameSingular": "property", "namePlural": "properties", "labelSingular": "Property",
        "labelPlural": "Properties"}, status=201)
    object_id: str = made["data"]["createOneObject"]["id"]
    field = await call(client, account, "POST", "/rest/metadata/fields", {
        "objectMetadataId": object_id, "name": "website", "label": "Website", "type": "LINKS"}, status=201)
    assert field["data"]["createOneField"]["type"] == "LINKS"
    for name, kind in (("contacts", "EMAILS"), ("lines", "PHONES")):
        response = await gql(client, account.access_token, """mutation($input: CreateOneFieldMetadataInput!) {
            createOneField(input: $input) { name type } }""",
                             {"input": {"field": {"objectMetadataId": object_id, "name": name,
                                                  "label": name.title(), "type": kind}}}, path="/metadata")
        assert response.json()["data"]["createOneField"] == {"name": name, "type": kind}, response.text
    return object_id


async def test_custom_composite_fields_over_rest(server: Server, client: httpx.AsyncClient,
                                                 account: Account) -> None:
    await _property_object(client, account)
    columns = {r["column_name"]: r["data_type"] for r in await server.services.db.fetch(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 "
        "AND table_name = 'property'", schema_of(account))}
    expected = {
        "websitePrimaryLinkUrl": "text", "websitePrimaryLinkLabel": "text", "websiteSecondaryLinks": "jsonb",
        "contactsPrimaryEmail": "text", "contactsAdditionalEmails": "jsonb",
        "linesPrimaryPhoneNumber": "text", "linesPrimaryPhoneCountryCode": "text",
        "linesPrimaryPhoneCallingCode": "text", "linesAdditionalPhones": "jsonb"}
    assert {c: columns.get(c) for c in expected} == expected

    villa = (await call(client, account, "POST", "/rest/properties", {
        "name": "Villa", "website": LINKS, "contacts": EMAILS, "lines": PHONES}, status=201))["data"]
    assert (villa["website"], villa["contacts"], villa["lines"]) == (LINKS, EMAILS, PHONES)
    batch = (await call(client, account, "POST", "/rest/batch/properties", [
        {"name": "Barn", "website": {"primaryLinkUrl": "https://barn.io"}},
        {"name": "Shed", "contacts": {"primaryEmail": "bob@shed.io", "additionalEmails": []}}],
        status=201))["data"]
    assert batch[0]["website"] == {"primaryLinkUrl": "https://barn.io", "primaryLinkLabel": None,
                                   "secondaryLinks": None}
    assert batch[1]["contacts"] == {"primaryEmail": "bob@shed.io", "additionalEmails": []}

    got = (await call(client, account, "GET", f"/rest/properties/{villa['id']}"))["data"]
    assert got["website"] == LINKS

    async def names(query: str) -> list[str]:
        return [r["name"] for r in (await call(client, account, "GET", f"/rest/properties?{query}"))["data"]]

    assert await names("filter=contacts.primaryEmail[eq]:ada@acme.com") == ["Villa"]
    assert await names("filter=website.primaryLinkUrl[ilike]:%25BARN%25") == ["Barn"]
    assert await names("filter=lines.primaryPhoneNumber[eq]:5550123") == ["Villa"]
    assert await names("filter=contacts.additionalEmails[like]:%25home.org%25") == ["Villa"]
    assert await names("filter=website.primaryLinkUrl[is]:NULL&order_by=name") == ["Shed"]
    assert await names("order_by=website.primaryLinkUrl[AscNullsLast]") == ["Villa", "Barn", "Shed"]

    patched = (await call(client, account, "PATCH", f"/rest/properties/{villa['id']}", {
        "website": {"primaryLinkLabel": "Acme Inc"}, "contacts": {"additionalEmails": ["a@b.co", "c@d.co"]}}))
    assert patched["data"]["website"] == {**LINKS, "primaryLinkLabel": "Acme Inc"}
    assert patched["data"]["contacts"] == {**EMAILS, "additionalEmails": ["a@b.co", "c@d.co"]}
    cleared = await call(client, account, "PATCH", f"/rest/properties/{villa['id']}", {"lines": None})
    assert cleared["data"]["lines"] == dict.fromkeys(PHONES)

    # the event log (webhooks and change feeds) carries the composite as an object
    created = [e for e in await events(server, account) if e["event"] == "property.created"]
    assert created[0]["data"]["website"] == LINKS

    await error(client, account, "POST", "/rest/properties", {"website": "https://acme.com"}, status=400,
                code="VALIDATION_ERROR")
    await error(client, account, "POST", "/rest/properties", {"contacts": {"additionalEmails": "a@b.co"}},
                status=400, code="VALIDATION_ERROR")
    await error(client, account, "POST", "/rest/properties", {"website": {"url": "x"}}, status=400,
                code="VALIDATION_ERROR")
    await error(client, account, "GET", "/rest/properties?filter=website[eq]:x", status=400,
                code="VALIDATION_ERROR")
    await error(client, account, "GET", "/rest/properties?order_by=website.secondaryLinks", status=400,
                code="VALIDATION_ERROR")

    document = (await client.get(f"/rest/open-api/core?token={account.access_token}")).json()
    pytest.importorskip("openapi_spec_validator").validate(document)
    props = document["components"]["schemas"]["Property"]["properties"]
    assert (props["website"], props["contacts"], props["lines"]) == (
        {"$ref": "#/components/schemas/Links"}, {"$ref": "#/components/schemas/Emails"},
        {"$ref": "#/components/schemas/Phones"})
    assert set(document["components"]["schemas"]["Links"]["properties"]) == set(LINKS)


async def test_custom_composite_fields_filter_in_graphql(client: httpx.AsyncClient, account: Account) -> None:
    await _property_object(client, account)
    created = await ok(client, account, """mutation($data: [PropertyCreateInput!]!) {
        createProperties(data: $data) { id name } }""", {"data": [
        {"name": "Villa", "website": LINKS, "contacts": EMAILS, "lines": PHONES},
        {"name": "Barn", "website": {"primaryLinkUrl": "https://barn.io"}}]})
    villa_id = created["createProperties"][0]["id"]

    async def names(where: str) -> list[str]:
        data = await ok(client, account, f"{{ properties(filter: {where}, orderBy: [{{name: AscNullsFirst}}])"
                                         " { edges { node { name } } } }")
        return [e["node"]["name"] for e in data["properties"]["edges"]]

    assert await names('{contacts: {primaryEmail: {eq: "ada@acme.com"}}}') == ["Villa"]
    assert await names('{website: {primaryLinkUrl: {ilike: "%BARN%"}}}') == ["Barn"]
    assert await names('{lines: {primaryPhoneNumber: {eq: "5550123"}}}') == ["Villa"]
    assert await names('{website: {secondaryLinks: {like: "%acme.org%"}}}') == ["Villa"]
    assert await names('{contacts: {primaryEmail: {is: NULL}}}') == ["Barn"]
    ordered = await ok(client, account, "{ properties(orderBy: [{website: {primaryLinkUrl: DescNullsLast}}]) "
                                        "{ edges { node { name } } } }")
    assert [e["node"]["name"] for e in ordered["properties"]["edges"]] == ["Barn", "Villa"]

    await ok(client, account, """mutation($id: ID!) { updateProperty(id: $id, data: {
        contacts: {additionalEmails: ["x@y.co"]}}) { id } }""", {"id": villa_id})
    assert await names('{contacts: {additionalEmails: {like: "%x@y.co%"}}}') == ["Villa"]
    await fails(client, account, '{ properties(filter: {website: {eq: "x"}}) { totalCount } }',
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, 'mutation { createProperty(data: {contacts: {additionalEmails: "a@b.co"}}) '
                                 '{ id } }', code="BAD_USER_INPUT")


async def test_custom_composite_fields_read_in_graphql(client: httpx.AsyncClient, account: Account) -> None:
    await _property_object(client, account)
    selection = """id website { primaryLinkUrl primaryLinkLabel secondaryLinks __typename }
        contacts { primaryEmail additionalEmails } lines { primaryPhoneNumber primaryPhoneCountryCode
        primaryPhoneCallingCode additionalPhones }"""
    created: dict[str, Any] = (await ok(client, account, f"""mutation($data: PropertyCreateInput!) {{
        createProperty(data: $data) {{ {selection} }} }}""", {"data": {
        "name": "Villa", "website": LINKS, "contacts": EMAILS, "lines": PHONES}}))["createProperty"]
    assert created["website"] == {**LINKS, "__typename": "Links"}
    assert (created["contacts"], created["lines"]) == (EMAILS, PHONES)
    listed = await ok(client, account, f"{{ properties {{ edges {{ node {{ {selection} }} }} }} }}")
    assert listed["properties"]["edges"][0]["node"] == created
