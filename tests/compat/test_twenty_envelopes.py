"""``--compat twenty``: Twenty's REST envelopes and webhook headers where they differ from API.md's.

The server under test here runs in compat mode; the rest of the suite runs in the default mode, where
API.md's shapes hold (and each test there checks them).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest

from twenty_actors.settings import Settings

from ..conftest import Account, Server
from ..rest.conftest import call
from ..webhooks.receiver import open_receiver
from ..webhooks.test_webhooks import meta, verify


@pytest.fixture
def settings(pg_dsn: str) -> Settings:
    return Settings(database_url=pg_dsn, port=0, secret="test-" + uuid.uuid4().hex, compat="twenty",
                    webhook_allow_private=True, webhook_backoff_s=0.05, webhook_timeout_s=10.0,
                    rate_limits={"graphql": 100_000, "rest": 100_000, "metadata": 100_000}, gc_freeze=False)


async def test_records_in_twentys_envelopes(client: httpx.AsyncClient, account: Account) -> None:
    created = await call(client, account, "POST", "/rest/companies", {"name": "Acme", "employees": 5},
                         status=201)
    company = created["data"]["createCompany"]
    assert set(created) == {"data"}
    assert set(created["data"]) == {"createCompany"}
    assert (company["name"], company["employees"]) == ("Acme", 5)

    batch = await call(client, account, "POST", "/rest/batch/companies",
                       [{"name": "Globex"}, {"name": "Initech"}], status=201)
    assert [c["name"] for c in batch["data"]["createCompanies"]] == ["Globex", "Initech"]

    listed = await call(client, account, "GET", "/rest/companies?limit=2&order_by=name")
    assert set(listed) == {"data", "pageInfo", "totalCount"}
    assert [c["name"] for c in listed["data"]["companies"]] == ["Acme", "Globex"]
    assert listed["totalCount"] == 3
    assert listed["pageInfo"]["hasNextPage"] is True
    after = listed["pageInfo"]["endCursor"]
    rest = await call(client, account, "GET", f"/rest/companies?limit=2&order_by=name&starting_after={after}")
    assert [c["name"] for c in rest["data"]["companies"]] == ["Initech"]
    assert rest["pageInfo"]["hasNextPage"] is False

    one = await call(client, account, "GET", f"/rest/companies/{company['id']}")
    assert one == {"data": {"company": company}}
    deep = await call(client, account, "GET", f"/rest/companies/{company['id']}?depth=1")
    assert deep["data"]["company"]["people"] == []

    updated = await call(client, account, "PATCH", f"/rest/companies/{company['id']}", {"employees": 6})
    assert updated["data"]["updateCompany"]["employees"] == 6
    upserted = await call(client, account, "POST", "/rest/companies?upsert=true",
                          {"id": company["id"], "employees": 7}, status=201)
    assert upserted["data"]["createCompany"]["employees"] == 7

    deleted = await call(client, account, "DELETE", f"/rest/companies/{company['id']}")
    assert deleted == {"data": {"deleteCompany": {"id": company["id"]}}}
    restored = await call(client, account, "PATCH", f"/rest/restore/companies/{company['id']}")
    assert restored["data"]["restoreCompany"]["id"] == company["id"]

    many = await call(client, account, "PATCH", "/rest/companies?filter=name[in]:[Globex,Initech]",
                      {"industry": "Tech"})
    assert sorted(c["name"] for c in many["data"]["updateCompanies"]) == ["Globex", "Initech"]
    gone = await call(client, account, "DELETE", "/rest/companies?filter=industry[eq]:Tech")
    assert len(gone["data"]["deleteCompanies"]) == 2
    back = await call(client, account, "PATCH", "/rest/restore/companies?filter=industry[eq]:Tech")
    assert len(back["data"]["restoreCompanies"]) == 2
    destroyed = await call(client, account, "DELETE", f"/rest/companies/{company['id']}?soft_delete=false")
    assert destroyed == {"data": {"deleteCompany": {"id": company["id"]}}}

    # a person: plural and singular names differ
    person = await call(client, account, "POST", "/rest/people", {"name": {"firstName": "Ada"}}, status=201)
    person_id = person["data"]["createPerson"]["id"]
    people = await call(client, account, "GET", "/rest/people")
    assert [p["id"] for p in people["data"]["people"]] == [person_id]
    one_person = await call(client, account, "GET", f"/rest/people/{person_id}")
    assert one_person["data"]["person"]["id"] == person_id

    # errors in Twenty's shape (tests/compat/test_twenty_error_envelope.py), and they change nothing
    gone = await call(client, account, "GET", f"/rest/companies/{company['id']}", status=404)
    assert (gone["error"], gone["code"]) == ("NotFoundException", "NOT_FOUND")
    bad = await call(client, account, "POST", "/rest/companies", {"employees": "many"}, status=400)
    assert (bad["error"], bad["code"]) == ("BadRequestException", "VALIDATION_ERROR")
    assert (await call(client, account, "GET", "/rest/companies"))["totalCount"] == 2


async def test_custom_objects_and_metadata(client: httpx.AsyncClient, account: Account) -> None:
    made = await call(client, account, "POST", "/rest/metadata/objects", {
        "nameSingular": "property", "namePlural": "properties", "labelSingular": "Property",
        "labelPlural": "Properties"}, status=201)
    assert made["data"]["createOneObject"]["nameSingular"] == "property"
    created = await call(client, account, "POST", "/rest/properties", {"name": "Villa"}, status=201)
    listed = await call(client, account, "GET", "/rest/properties")
    assert listed["data"]["properties"] == [created["data"]["createProperty"]]


async def test_open_api_describes_twentys_envelopes(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.get(f"/rest/open-api/core?token={account.access_token}")
    document = response.json()
    pytest.importorskip("openapi_spec_validator").validate(document)
    paths = document["paths"]

    def schema(operation: dict[str, Any], status: str) -> dict[str, Any]:
        found: dict[str, Any] = operation["responses"][status]["content"]["application/json"]["schema"]
        return found

    def data_keys(path: str, method: str, status: str = "200") -> set[str]:
        return set(schema(paths[path][method], status)["properties"]["data"]["properties"])

    listed = schema(paths["/companies"]["get"], "200")
    assert set(listed["properties"]) == {"data", "pageInfo", "totalCount"}
    assert data_keys("/companies", "get") == {"companies"}
    assert data_keys("/companies", "post", "201") == {"createCompany"}
    assert data_keys("/companies/{id}", "get") == {"company"}
    assert data_keys("/companies/{id}", "patch") == {"updateCompany"}
    assert data_keys("/companies/{id}", "delete") == {"deleteCompany"}
    assert data_keys("/batch/companies", "post", "201") == {"createCompanies"}


async def test_webhooks_carry_twentys_timestamp_and_nonce(server: Server, client: httpx.AsyncClient,
                                                          account: Account) -> None:
    async with open_receiver() as receiver:
        hook = await meta(client, account, """mutation($input: CreateWebhookInput!) {
            createWebhook(input: $input) { id secret } }""",
                          {"input": {"targetUrl": receiver.url, "operations": ["company.created"],
                                     "secret": "compat-secret"}})
        assert hook["data"]["createWebhook"]["secret"] == "compat-secret"
        before_ms = int(time.time() * 1000)
        await call(client, account, "POST", "/rest/companies", {"name": "Hooked"}, status=201)
        await call(client, account, "POST", "/rest/companies", {"name": "Again"}, status=201)
        await receiver.wait_for(2)
    nonces = set()
    for headers, body in receiver.requests:
        stamp = int(headers["x-twenty-webhook-timestamp"])
        assert before_ms - 5_000 <= stamp <= int(time.time() * 1000)  # milliseconds, as Twenty sends it
        assert verify("compat-secret", headers, body)  # HMAC-SHA256 of "timestamp:body"
        nonce = headers["x-twenty-webhook-nonce"]
        assert len(nonce) == 32
        int(nonce, 16)
        nonces.add(nonce)
        payload = json.loads(body)
        assert payload["eventName"] == "company.created"
    assert len(nonces) == 2
