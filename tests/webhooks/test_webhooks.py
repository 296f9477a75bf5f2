"""Webhooks end to end: a real receiver, signatures, retries, ordering, SSRF refusal, restart resumes."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

import httpx
import pytest
import trio
from prometheus_client import REGISTRY

from twenty_actors.settings import Settings

from ..conftest import Account, Server, gql
from .receiver import open_receiver

CREATE = """mutation($d: CreateWebhookInput!) { createOneWebhook(data: $d) { id targetUrl operation description secret } }"""


@pytest.fixture
def settings(pg_dsn: str) -> Settings:
    return Settings(database_url=pg_dsn, port=0, secret="test-" + uuid.uuid4().hex, webhook_allow_private=True,
                    webhook_backoff_s=0.05, webhook_timeout_s=10.0, webhook_max_attempts=4,
                    rate_limits={"graphql": 100_000, "rest": 100_000, "metadata": 100_000})


async def meta(client: httpx.AsyncClient, account: Account, query: str, variables: dict[str, Any] | None = None
               ) -> dict[str, Any]:
    response = await gql(client, account.access_token, query, variables, path="/metadata")
    return response.json()


async def core(client: httpx.AsyncClient, account: Account, query: str) -> dict[str, Any]:
    return (await gql(client, account.access_token, query)).json()


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    timestamp = headers["x-twenty-webhook-timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["x-twenty-webhook-signature"])


async def test_api_md_webhook_and_signed_payloads(server: Server, client: httpx.AsyncClient, account: Account) -> None:
    async with open_receiver() as receiver:
        api_md = f"""mutation CreateWebhook {{
  createOneWebhook(
    data: {{
      targetUrl: "{receiver.url}"
      operation: "create"
      description: "Company created webhook"
    }}
  ) {{
    id
    targetUrl
    operation
  }}
}}"""
        created = await meta(client, account, api_md)
        assert created["data"]["createOneWebhook"]["operation"] == "create"
        # a second webhook with a known secret to check signatures
        signed = await meta(client, account, CREATE, {"d": {"targetUrl": receiver.url, "operation": "*.*",
                                                             "secret": "s3cret-value"}})
        assert signed["data"]["createOneWebhook"]["secret"] == "s3cret-value"
        company = await core(client, account, 'mutation { createCompany(data: {name: "Hooked"}) { id } }')
        company_id = company["data"]["createCompany"]["id"]
        await core(client, account, f'mutation {{ updateCompany(id: "{company_id}", data: {{employees: 3}}) {{ id }} }}')
        # "create" gets the created event; "*.*" gets both
        await receiver.wait_for(3)
    payloads = [(h, json.loads(b)) for h, b in receiver.requests]
    created_events = [p for _, p in payloads if p["event"] == "company.created"]
    assert len(created_events) == 2
    event = created_events[0]
    # API.md's keys (and eventId), with Twenty's beside them
    assert set(event) == {"event", "workspaceId", "objectName", "recordId", "data", "timestamp", "eventId",
                          "eventName", "record", "objectMetadata", "webhookId", "eventDate", "targetUrl"}
    assert event["workspaceId"] == account.workspace_id and event["recordId"] == company_id
    assert event["data"]["name"] == "Hooked" and event["timestamp"].endswith("Z")
    assert event["event"] == event["eventName"] == "company.created"
    assert event["objectName"] == "company"
    assert created_events[0]["eventId"] == created_events[1]["eventId"]
    updates = [(h, b) for h, b in receiver.requests if json.loads(b)["event"] == "company.updated"]
    assert len(updates) == 1 and verify("s3cret-value", *updates[0])
    assert not verify("wrong-secret", *updates[0])


async def test_retries_until_success_and_records_deliveries(server: Server, client: httpx.AsyncClient,
                                                            account: Account) -> None:
    before = {outcome: _attempts(outcome) for outcome in ("succeeded", "retrying")}
    async with open_receiver(statuses=[500, 503]) as receiver:
        hook = (await meta(client, account, CREATE, {"d": {"targetUrl": receiver.url, "operation": "company.created"}}
                           ))["data"]["createOneWebhook"]
        await core(client, account, 'mutation { createCompany(data: {name: "Flaky"}) { id } }')
        await receiver.wait_for(3)
    bodies = [json.loads(b) for _, b in receiver.requests]
    assert len({b["eventId"] for b in bodies}) == 1  # the same event, three attempts
    deliveries = (await meta(client, account, "query($id: ID!) { webhookDeliveries(webhookId: $id) "
                                              "{ id status attempts lastStatusCode event } }", {"id": hook["id"]}))
    [delivery] = deliveries["data"]["webhookDeliveries"]
    with trio.fail_after(10):  # the success is recorded right after the receiver answered
        while delivery["status"] != "succeeded":
            await trio.sleep(0.02)
            deliveries = await meta(client, account, "query($id: ID!) { webhookDeliveries(webhookId: $id) "
                                                     "{ id status attempts lastStatusCode event } }",
                                    {"id": hook["id"]})
            [delivery] = deliveries["data"]["webhookDeliveries"]
    assert delivery["status"] == "succeeded", delivery
    assert delivery["attempts"] == 3 and delivery["lastStatusCode"] == 200
    # /metrics counts the attempts (the server runs in this process: its registry is this one)
    assert _attempts("retrying") - before["retrying"] >= 2
    assert _attempts("succeeded") - before["succeeded"] >= 1
    assert REGISTRY.get_sample_value("twenty_webhook_delivery_duration_seconds_count") >= 3


def _attempts(outcome: str) -> float:
    return REGISTRY.get_sample_value("twenty_webhook_deliveries_total", {"outcome": outcome}) or 0.0


async def test_gives_up_then_manual_retry(server: Server, client: httpx.AsyncClient, account: Account) -> None:
    async with open_receiver(statuses=[500, 500, 500, 500]) as receiver:
        hook = (await meta(client, account, CREATE, {"d": {"targetUrl": receiver.url, "operation": "*"}}
                           ))["data"]["createOneWebhook"]
        await core(client, account, 'mutation { createCompany(data: {name: "Down"}) { id } }')
        await receiver.wait_for(4)
        query = "query($id: ID!) { webhookDeliveries(webhookId: $id) { id status attempts lastError } }"
        with trio.fail_after(10):
            while True:
                [delivery] = (await meta(client, account, query, {"id": hook["id"]}))["data"]["webhookDeliveries"]
                if delivery["status"] == "failed":
                    break
                await trio.sleep(0.02)
        assert delivery["status"] == "failed" and delivery["attempts"] == 4 and delivery["lastError"] == "HTTP 500"
        retried = await meta(client, account, "mutation($id: ID!) { retryOneWebhookDelivery(id: $id) { status } }",
                             {"id": delivery["id"]})
        assert retried["data"]["retryOneWebhookDelivery"]["status"] == "pending"
        await receiver.wait_for(5)


async def test_events_of_one_record_arrive_in_order(server: Server, client: httpx.AsyncClient,
                                                    account: Account) -> None:
    async with open_receiver(statuses=[500]) as receiver:
        await meta(client, account, CREATE, {"d": {"targetUrl": receiver.url, "operation": "*.*"}})
        company = await core(client, account, 'mutation { createCompany(data: {name: "v0"}) { id } }')
        company_id = company["data"]["createCompany"]["id"]
        for i in range(1, 4):
            await core(client, account, f'mutation {{ updateCompany(id: "{company_id}", data: {{name: "v{i}"}}) '
                                        "{ id } }")
        await receiver.wait_for(5)  # the first attempt fails; nothing overtakes it
    names = [json.loads(b)["data"]["name"] for _, b in receiver.requests]
    assert names == ["v0", "v0", "v1", "v2", "v3"]


async def test_operation_and_url_validation(client: httpx.AsyncClient, account: Account) -> None:
    for bad in ("created", "company.exploded", "Company.created", ""):
        body = await meta(client, account, CREATE, {"d": {"targetUrl": "http://127.0.0.1:9/x", "operation": bad}})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", bad
    for url in ("ftp://example.com/x", "not a url", "http:///nohost"):
        body = await meta(client, account, CREATE, {"d": {"targetUrl": url, "operation": "*"}})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", url
    assert (await meta(client, account, "{ webhooks { id } }"))["data"]["webhooks"] == []
