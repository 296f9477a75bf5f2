"""``--compat twenty``: the standard objects' LINKS, EMAILS and PHONES fields, as Twenty has them.

company ``domainName``, ``linkedinLink`` and ``xLink`` are LINKS; person ``emails`` (EMAILS), ``phones``
(PHONES), ``linkedinLink`` and ``xLink`` (LINKS). They are stored over the columns of API.md's plain
fields (the primary sub-field) plus columns of their own, so one workspace served in either mode holds
the same records: a server in the default mode reads what a compat server wrote, and the other way.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import msgspec
import pytest
import trio
from twenty_storage.migrations import apply_migrations
from twenty_storage.sql import ident

from twenty_actors.settings import Settings

from ..conftest import Account, Server, gql
from ..graphql.conftest import events, schema_of
from ..rest.conftest import call

DOMAIN = {"primaryLinkUrl": "acme.com", "primaryLinkLabel": "Acme",
          "secondaryLinks": [{"url": "acme.org", "label": "Org"}]}
EMAILS = {"primaryEmail": "ada@acme.com", "additionalEmails": ["ada@home.org"]}
PHONES = {"primaryPhoneNumber": "5550123", "primaryPhoneCountryCode": "US", "primaryPhoneCallingCode": "+1",
          "additionalPhones": []}


@pytest.fixture
def settings(pg_dsn: str) -> Settings:
    return Settings(database_url=pg_dsn, port=0, secret="test-" + uuid.uuid4().hex, compat="twenty",
                    rate_limits={"graphql": 100_000, "rest": 100_000, "metadata": 100_000}, gc_freeze=False)


@asynccontextmanager
async def default_mode_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a second server on the same database and secret, in the default mode (API.md's shapes)."""
    from twenty_http.serve import serve_http

    from twenty_actors.services import open_services

    plain = msgspec.structs.replace(settings, compat=None, graceful_timeout_s=2.0)
    async with open_services(plain) as services, trio.open_nursery() as nursery:
        urls = await nursery.start(lambda task_status: serve_http(services, host="127.0.0.1", port=0,
                                                                  task_status=task_status))
        async with httpx.AsyncClient(base_url=urls[0], timeout=30) as client:
            yield client
        services.stopping.set()


async def test_standard_composites_over_rest(server: Server, client: httpx.AsyncClient,
                                             account: Account) -> None:
    company = (await call(client, account, "POST", "/rest/companies", {
        "name": "Acme", "domainName": DOMAIN, "linkedinLink": {"primaryLinkUrl": "linkedin.com/acme"}},
        status=201))["data"]["createCompany"]
    assert company["domainName"] == DOMAIN
    assert company["linkedinLink"] == {"primaryLinkUrl": "linkedin.com/acme", "primaryLinkLabel": None,
                                       "secondaryLinks": None}
    assert company["xLink"] == dict.fromkeys(DOMAIN)
    assert "email" not in company
    await call(client, account, "POST", "/rest/companies",
               {"name": "Globex", "domainName": {"primaryLinkUrl": "globex.io"}}, status=201)
    person = (await call(client, account, "POST", "/rest/people", {
        "name": {"firstName": "Ada"}, "emails": EMAILS, "phones": PHONES, "companyId": company["id"]},
        status=201))["data"]["createPerson"]
    assert (person["emails"], person["phones"]) == (EMAILS, PHONES)
    assert not {"email", "phone"} & set(person)

    async def companies(query: str) -> list[str]:
        listed = await call(client, account, "GET", f"/rest/companies?{query}")
        return [c["name"] for c in listed["data"]["companies"]]

    assert await companies("filter=domainName.primaryLinkUrl[ilike]:%25ACME%25") == ["Acme"]
    assert await companies("order_by=domainName.primaryLinkUrl[DescNullsLast]") == ["Globex", "Acme"]
    people = await call(client, account, "GET", "/rest/people?filter=emails.primaryEmail[eq]:ada@acme.com")
    assert [p["id"] for p in people["data"]["people"]] == [person["id"]]
    by_phone = await call(client, account, "GET", "/rest/people?filter=phones.primaryPhoneNumber[eq]:5550123")
    assert [p["id"] for p in by_phone["data"]["people"]] == [person["id"]]
    deep = await call(client, account, "GET", f"/rest/people/{person['id']}?depth=1")
    assert deep["data"]["person"]["company"]["domainName"] == DOMAIN

    patched = await call(client, account, "PATCH", f"/rest/people/{person['id']}",
                         {"emails": {"additionalEmails": ["ada@work.io"]}})
    assert patched["data"]["updatePerson"]["emails"] == {"primaryEmail": "ada@acme.com",
                                                         "additionalEmails": ["ada@work.io"]}

    # API.md's plain shapes are not Twenty's: refused, as Twenty refuses them
    for path, body in (("/rest/companies", {"domainName": "acme.com"}),
                       ("/rest/people", {"email": "ada@acme.com"})):
        refused = await call(client, account, "POST", path, body, status=400)  # in Twenty's error body
        assert (refused["error"], refused["code"]) == ("BadRequestException", "VALIDATION_ERROR"), refused

    # the event log (webhooks, change feeds) carries Twenty's shape
    created = [e for e in await events(server, account) if e["event"] == "person.created"]
    assert created[0]["data"]["emails"] == EMAILS

    document = (await client.get(f"/rest/open-api/core?token={account.access_token}")).json()
    schemas = document["components"]["schemas"]
    assert schemas["Company"]["properties"]["domainName"] == {"$ref": "#/components/schemas/Links"}
    assert schemas["Person"]["properties"]["emails"] == {"$ref": "#/components/schemas/Emails"}
    assert schemas["Person"]["properties"]["phones"] == {"$ref": "#/components/schemas/Phones"}


async def test_standard_composites_in_graphql(client: httpx.AsyncClient, account: Account) -> None:
    async def ok(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = (await gql(client, account.access_token, query, variables)).json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    await ok("""mutation($data: [CompanyCreateInput!]!) { createCompanies(data: $data) { id } }""", {"data": [
        {"name": "Acme", "domainName": DOMAIN},
        {"name": "Globex", "domainName": {"primaryLinkUrl": "globex.io"}}]})
    await ok("""mutation { createPerson(data: {name: {firstName: "Ada"},
        emails: {primaryEmail: "ada@acme.com", additionalEmails: ["ada@home.org"]},
        phones: {primaryPhoneNumber: "5550123", primaryPhoneCallingCode: "+1"}}) { id } }""")

    companies = await ok('{ companies(filter: {domainName: {primaryLinkUrl: {ilike: "%acme%"}}}) '
                         '{ edges { node { name } } } }')
    assert [e["node"]["name"] for e in companies["companies"]["edges"]] == ["Acme"]
    for where in ('{emails: {primaryEmail: {eq: "ada@acme.com"}}}',
                  '{phones: {primaryPhoneNumber: {eq: "5550123"}}}',
                  '{emails: {additionalEmails: {like: "%home.org%"}}}'):
        people = await ok(f"{{ people(filter: {where}) {{ totalCount }} }}")
        assert people["people"]["totalCount"] == 1, where
    refused = await gql(client, account.access_token, '{ people(filter: {email: {eq: "x"}}) { totalCount } }')
    assert refused.status_code == 400


async def test_standard_composites_read_in_graphql(client: httpx.AsyncClient, account: Account) -> None:
    body = (await gql(client, account.access_token, """mutation($data: PersonCreateInput!) {
        createPerson(data: $data) { emails { primaryEmail additionalEmails }
                                    phones { primaryPhoneNumber } } }""",
                      {"data": {"emails": EMAILS, "phones": PHONES}})).json()
    assert body["data"]["createPerson"] == {"emails": EMAILS, "phones": {"primaryPhoneNumber": "5550123"}}
    listed = (await gql(client, account.access_token,
                        "{ people { edges { node { emails { primaryEmail } } } } }")).json()
    assert listed["data"]["people"]["edges"][0]["node"]["emails"] == {"primaryEmail": "ada@acme.com"}
    await gql(client, account.access_token, """mutation { createCompanies(data: [{name: "Acme",
        domainName: {primaryLinkUrl: "acme.com"}},
        {name: "Globex", domainName: {primaryLinkUrl: "globex.io"}}])
        { id } }""")
    ordered = (await gql(client, account.access_token,
                         "{ companies(orderBy: [{domainName: {primaryLinkUrl: DescNullsLast}}]) "
                         "{ edges { node { name } } } }")).json()
    assert [e["node"]["name"] for e in ordered["data"]["companies"]["edges"]] == ["Globex", "Acme"]


async def test_one_workspace_in_both_modes(settings: Settings, client: httpx.AsyncClient,
                                           account: Account) -> None:
    made = (await call(client, account, "POST", "/rest/people", {
        "name": {"firstName": "Ada"}, "emails": EMAILS, "phones": PHONES},
        status=201))["data"]["createPerson"]
    async with default_mode_client(settings) as plain:
        # the default mode answers API.md's plain fields: each the primary sub-field
        got = (await call(plain, account, "GET", f"/rest/people/{made['id']}"))["data"]
        assert (got["email"], got["phone"]) == ("ada@acme.com", "5550123")
        assert "emails" not in got
        company = (await call(plain, account, "POST", "/rest/companies",
                              {"name": "Acme", "domainName": "acme.com", "xLink": "x.com/acme"},
                              status=201))["data"]
        await call(plain, account, "PATCH", f"/rest/people/{made['id']}", {"email": "ada@new.io"})
        fields = await call(plain, account, "GET", "/rest/metadata/fields?limit=500")
        names = {f["name"]: f["type"] for f in fields["data"]["fields"] if f["name"] in ("email", "emails")}
        assert names == {"email": "EMAIL"}
        # a required domainName requires its own column only (Acme has no label nor secondary links)
        domain_id = next(f["id"] for f in fields["data"]["fields"] if f["name"] == "domainName")
        await call(plain, account, "PATCH", f"/rest/metadata/fields/{domain_id}", {"isNullable": False})
    # and the compat server reads what the default mode wrote, the other sub-fields kept
    person = (await call(client, account, "GET", f"/rest/people/{made['id']}"))["data"]["person"]
    assert person["emails"] == {**EMAILS, "primaryEmail": "ada@new.io"}
    assert person["phones"] == PHONES
    acme = (await call(client, account, "GET", f"/rest/companies/{company['id']}"))["data"]["company"]
    assert acme["domainName"] == {**dict.fromkeys(DOMAIN), "primaryLinkUrl": "acme.com"}
    assert acme["xLink"]["primaryLinkUrl"] == "x.com/acme"
    # the other server's metadata change reaches this one by NOTIFY, a moment later
    with trio.fail_after(10):
        while True:
            fields = await call(client, account, "GET", "/rest/metadata/fields?limit=500")
            domain = next(f for f in fields["data"]["fields"] if f["name"] == "domainName")
            if not domain["isNullable"]:
                break
            await trio.sleep(0.05)
    assert domain["type"] == "LINKS"
    person_fields = {f["name"]: f["type"] for f in fields["data"]["fields"]
                     if f["name"] in ("email", "emails", "phone", "phones")}
    assert person_fields == {"emails": "EMAILS", "phones": "PHONES"}


async def test_a_workspace_made_before_the_composites_gains_their_columns(
        server: Server, client: httpx.AsyncClient, account: Account) -> None:
    made = (await call(client, account, "POST", "/rest/people", {"emails": EMAILS, "phones": PHONES},
                       status=201))["data"]["createPerson"]
    db = server.services.db
    # the workspace as an older server made it: API.md's plain columns only
    extra = ["emailsAdditionalEmails", "phonesPrimaryPhoneCountryCode", "phonesPrimaryPhoneCallingCode",
             "phonesAdditionalPhones", "linkedinLinkPrimaryLinkLabel", "linkedinLinkSecondaryLinks",
             "xLinkPrimaryLinkLabel", "xLinkSecondaryLinks"]
    drops = ", ".join(f"DROP COLUMN {ident(c)}" for c in extra)
    await db.execute(f"ALTER TABLE {ident(schema_of(account), 'person')} {drops}")
    await db.execute("DELETE FROM core.migration WHERE version = 7")

    assert 7 in await apply_migrations(db)
    person = (await call(client, account, "GET", f"/rest/people/{made['id']}"))["data"]["person"]
    assert person["emails"] == {"primaryEmail": "ada@acme.com", "additionalEmails": None}
    assert person["phones"] == {**dict.fromkeys(PHONES), "primaryPhoneNumber": "5550123"}
    patched = await call(client, account, "PATCH", f"/rest/people/{made['id']}",
                         {"phones": {"primaryPhoneCallingCode": "+44"}, "xLink": {"primaryLinkLabel": "X"}})
    assert patched["data"]["updatePerson"]["phones"]["primaryPhoneCallingCode"] == "+44"
    assert patched["data"]["updatePerson"]["xLink"]["primaryLinkLabel"] == "X"


async def test_upsert_matches_twenty_unique_composites(client: httpx.AsyncClient, account: Account) -> None:
    """Twenty's own upsert: by domainName.primaryLinkUrl and emails.primaryEmail, over GraphQL and REST."""
    upsert = """mutation($data: CompanyCreateInput!) { createCompany(data: $data, upsert: true) {
        id name domainName { primaryLinkUrl primaryLinkLabel } } }"""

    async def company(data: dict[str, Any]) -> dict[str, Any]:
        body = (await gql(client, account.access_token, upsert, {"data": data})).json()
        assert "errors" not in body, body
        made: dict[str, Any] = body["data"]["createCompany"]
        return made

    acme = await company({"name": "Acme", "domainName": {"primaryLinkUrl": "acme.com"}})
    again = await company({"name": "Acme Inc", "domainName": {"primaryLinkUrl": "acme.com",
                                                              "primaryLinkLabel": "Home"}})
    assert again == {"id": acme["id"], "name": "Acme Inc",
                     "domainName": {"primaryLinkUrl": "acme.com", "primaryLinkLabel": "Home"}}
    ada = (await call(client, account, "POST", "/rest/people?upsert=true",
                      {"emails": {"primaryEmail": "ada@acme.com"}, "city": "London"}, status=201))["data"]
    moved = (await call(client, account, "POST", "/rest/batch/people?upsert=true",
                        [{"emails": {"primaryEmail": "ada@acme.com"}, "city": "Paris"}], status=201))["data"]
    assert moved["createPeople"][0]["id"] == ada["createPerson"]["id"]
    assert moved["createPeople"][0]["city"] == "Paris"
    listed = await call(client, account, "GET", "/rest/people")
    assert listed["totalCount"] == 1
