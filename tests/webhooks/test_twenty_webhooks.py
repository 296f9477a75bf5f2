"""Webhooks as Twenty's clients manage them: createWebhook(input:) with operations, patterns, payload keys."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from twenty_actors.settings import Settings

from ..conftest import Account, Server
from .receiver import Receiver, open_receiver
from .test_webhooks import core, meta, verify

CREATE = """mutation CreateWebhook($input: CreateWebhookInput!) {
  createWebhook(input: $input) { id targetUrl operation operations description secret } }"""
UPDATE = """mutation UpdateWebhook($input: UpdateWebhookInput!) {
  updateWebhook(input: $input) { id targetUrl operation operations description } }"""
DELIVERIES = "query($id: ID!) { webhookDeliveries(webhookId: $id) { event status } }"


@pytest.fixture
def settings(pg_dsn: str) -> Settings:
    return Settings(database_url=pg_dsn, port=0, secret="test-" + uuid.uuid4().hex, webhook_allow_private=True,
                    webhook_backoff_s=0.05, webhook_timeout_s=10.0, webhook_max_attempts=4,
                    rate_limits={"graphql": 100_000, "rest": 100_000, "metadata": 100_000})


async def create(client: httpx.AsyncClient, account: Account, **data: Any) -> dict[str, Any]:
    body = await meta(client, account, CREATE, {"input": data})
    assert "errors" not in body, body
    hook: dict[str, Any] = body["data"]["createWebhook"]
    return hook


def by_hook(receiver: Receiver) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for _, body in receiver.requests:
        payload = json.loads(body)
        out.setdefault(payload["webhookId"], []).append(payload)
    return out


async def test_operations_patterns_select_events(server: Server, client: httpx.AsyncClient,
                                                 account: Account) -> None:
    async with open_receiver() as receiver:
        url = receiver.url
        created = await create(client, account, targetUrl=url, operations=["*.created"],
                               secret="s3cret-value")
        assert created["operations"] == ["*.created"]
        assert created["operation"] == "*.created"
        assert created["secret"] == "s3cret-value"
        company_any = await create(client, account, targetUrl=url, operations=["company.*"])
        everything = await create(client, account, targetUrl=url, operations=["*.*"])
        two = await create(client, account, targetUrl=url, operations=["person.updated", "company.deleted"],
                           description="two kinds")
        assert two["operation"] == "person.updated,company.deleted"
        nothing = await create(client, account, targetUrl=url, operations=["opportunity.created"])

        company = await core(client, account, 'mutation { createCompany(data: {name: "Hooked"}) { id } }')
        company_id = company["data"]["createCompany"]["id"]
        await core(client, account, f'mutation {{ updateCompany(id: "{company_id}", data: {{employees: 3}}) '
                                    "{ id } }")
        await core(client, account, 'mutation { createPerson(data: {city: "Paris"}) { id } }')
        await core(client, account, f'mutation {{ deleteCompany(id: "{company_id}") {{ id }} }}')
        # *.created: 2; company.*: 3; *.*: 4; person.updated + company.deleted: 1
        await receiver.wait_for(10)
        hooks = by_hook(receiver)
        assert sorted(p["eventName"] for p in hooks[created["id"]]) == ["company.created", "person.created"]
        assert [p["eventName"] for p in hooks[company_any["id"]]] == [
            "company.created", "company.updated", "company.deleted"]
        assert len(hooks[everything["id"]]) == 4
        assert [p["eventName"] for p in hooks[two["id"]]] == ["company.deleted"]
        # the non-matching webhook got no delivery at all (each event batch makes its deliveries at once)
        none = await meta(client, account, DELIVERIES, {"id": nothing["id"]})
        assert none["data"]["webhookDeliveries"] == []
        assert nothing["id"] not in hooks
        # signed with the secret given
        signed = next((h, b) for h, b in receiver.requests if json.loads(b)["webhookId"] == created["id"])
        assert verify("s3cret-value", *signed)


async def test_twenty_payload_keys(server: Server, client: httpx.AsyncClient, account: Account) -> None:
    objects = await meta(client, account, "{ objects { edges { node { id nameSingular } } } }")
    company_meta = next(e["node"]["id"] for e in objects["data"]["objects"]["edges"]
                        if e["node"]["nameSingular"] == "company")
    async with open_receiver() as receiver:
        hook = await create(client, account, targetUrl=receiver.url, operations=["company.*"])
        company = await core(client, account, 'mutation { createCompany(data: {name: "Acme"}) { id } }')
        company_id = company["data"]["createCompany"]["id"]
        await core(client, account, f'mutation {{ updateCompany(id: "{company_id}", data: {{employees: 9, '
                                    'name: "Acme"}) { id } }')
        await core(client, account, f'mutation {{ destroyCompany(id: "{company_id}") {{ id }} }}')
        await receiver.wait_for(3)
    created, updated, destroyed = (json.loads(b) for _, b in receiver.requests)
    for payload in (created, updated, destroyed):
        assert payload["objectMetadata"] == {"id": company_meta, "nameSingular": "company"}
        assert payload["workspaceId"] == account.workspace_id
        assert payload["webhookId"] == hook["id"]
        assert payload["targetUrl"] == receiver.url
        assert payload["eventDate"] == payload["timestamp"]
        assert payload["eventDate"].endswith("Z")
        assert payload["record"] == payload["data"]
        assert payload["record"]["id"] == payload["recordId"] == company_id
        assert payload["eventName"] == payload["event"]
    assert [p["eventName"] for p in (created, updated, destroyed)] == [
        "company.created", "company.updated", "company.destroyed"]
    assert created["record"]["name"] == "Acme"
    # what an update changed (name was given but unchanged; updatedAt always changes)
    assert updated["updatedFields"] == ["employees"]
    assert "updatedFields" not in created
    assert "updatedFields" not in destroyed
    assert destroyed["record"]["employees"] == 9


async def test_update_and_delete_in_both_shapes(server: Server, client: httpx.AsyncClient,
                                                account: Account) -> None:
    hook = await create(client, account, targetUrl="http://127.0.0.1:9/a", operations=["*.created"])
    # Twenty's newest shape: {id, update}
    nested = await meta(client, account, UPDATE, {"input": {"id": hook["id"], "update": {
        "operations": ["company.*", "person.created"], "description": "nested"}}})
    assert nested["data"]["updateWebhook"] == {
        "id": hook["id"], "targetUrl": "http://127.0.0.1:9/a", "operation": "company.*,person.created",
        "operations": ["company.*", "person.created"], "description": "nested"}
    # Twenty's older shape: the changes beside the id
    flat = await meta(client, account, UPDATE, {"input": {"id": hook["id"], "targetUrl": "http://127.0.0.1:9/b"}})
    assert flat["data"]["updateWebhook"]["targetUrl"] == "http://127.0.0.1:9/b"
    assert flat["data"]["updateWebhook"]["operations"] == ["company.*", "person.created"]
    # API.md's own updateOneWebhook with a single operation sets the list to it
    ours = await meta(client, account, "mutation($id: ID!) { updateOneWebhook(id: $id, data: {operation: \"update\"})"
                                       " { operation operations } }", {"id": hook["id"]})
    assert ours["data"]["updateOneWebhook"] == {"operation": "update", "operations": ["update"]}
    listed = await meta(client, account, "{ webhooks { id operation operations } }")
    assert listed["data"]["webhooks"] == [{"id": hook["id"], "operation": "update", "operations": ["update"]}]
    one = await meta(client, account, "query($id: UUID!) { webhook(id: $id) { id } }", {"id": hook["id"]})
    assert one["data"]["webhook"] == {"id": hook["id"]}
    wrapped = await meta(client, account, "query($i: GetWebhookInput!) { webhook(input: $i) { id } }",
                         {"i": {"id": hook["id"]}})
    assert wrapped["data"]["webhook"] == {"id": hook["id"]}

    deleted = await meta(client, account, "mutation($id: UUID!) { deleteWebhook(id: $id) { id operations } }",
                         {"id": hook["id"]})
    assert deleted["data"]["deleteWebhook"] == {"id": hook["id"], "operations": ["update"]}
    other = await create(client, account, targetUrl="http://127.0.0.1:9/c", operations=["*.*"])
    by_input = await meta(client, account, "mutation($i: DeleteWebhookInput!) { deleteWebhook(input: $i) { id } }",
                          {"i": {"id": other["id"]}})
    assert by_input["data"]["deleteWebhook"] == {"id": other["id"]}
    assert (await meta(client, account, "{ webhooks { id } }"))["data"]["webhooks"] == []
    gone = await meta(client, account, "mutation($id: UUID!) { deleteWebhook(id: $id) { id } }", {"id": other["id"]})
    assert gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_client_chosen_id_and_operation_lists_in_api_md_form(client: httpx.AsyncClient,
                                                                   account: Account) -> None:
    chosen = str(uuid.uuid4())
    hook = await create(client, account, id=chosen, targetUrl="http://127.0.0.1:9/a", operations=["*.*"])
    assert hook["id"] == chosen
    again = await meta(client, account, CREATE, {"input": {"id": chosen, "targetUrl": "http://127.0.0.1:9/a",
                                                           "operations": ["*.*"]}})
    assert again["errors"][0]["extensions"]["code"] == "CONFLICT"
    # API.md's createOneWebhook accepts several operations in one string, and Twenty's list
    listed = await meta(client, account, "mutation { createOneWebhook(data: {targetUrl: \"http://127.0.0.1:9/b\", "
                                         "operation: \"create, company.updated\"}) { operation operations } }")
    assert listed["data"]["createOneWebhook"] == {"operation": "create,company.updated",
                                                  "operations": ["create", "company.updated"]}
    twenty = await meta(client, account, "mutation { createOneWebhook(data: {targetUrl: \"http://127.0.0.1:9/c\", "
                                         "operations: [\"*.deleted\"]}) { operation operations } }")
    assert twenty["data"]["createOneWebhook"] == {"operation": "*.deleted", "operations": ["*.deleted"]}


async def test_bad_input_changes_nothing(client: httpx.AsyncClient, account: Account) -> None:
    url = "http://127.0.0.1:9/x"
    for data in ({"targetUrl": url},  # neither operation nor operations
                 {"targetUrl": url, "operation": "*", "operations": ["*.*"]},  # both
                 {"targetUrl": url, "operations": []},
                 {"targetUrl": url, "operations": ["*.*", "company.exploded"]},
                 {"targetUrl": url, "operations": ["created"]},
                 {"targetUrl": url, "operations": ["Company.created"]},
                 {"targetUrl": url, "operations": ["x.created"] * 21},
                 {"targetUrl": url, "operation": "create,,update"},
                 {"targetUrl": "ftp://example.com/x", "operations": ["*.*"]},
                 {"targetUrl": url, "operations": ["*.*"], "secret": "short"}):
        body = await meta(client, account, CREATE, {"input": data})
        assert body["data"] is None, data
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", (data, body)
        assert body["errors"][0]["extensions"]["details"], data
    bad_id = await meta(client, account, CREATE, {"input": {"id": "nope", "targetUrl": url, "operations": ["*.*"]}})
    assert bad_id["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await meta(client, account, "{ webhooks { id } }"))["data"]["webhooks"] == []

    hook = await create(client, account, targetUrl=url, operations=["*.created"])
    for data in ({"id": hook["id"], "update": {"operations": ["nope"]}},
                 {"id": hook["id"], "update": {"targetUrl": "not a url"}},
                 {"id": hook["id"], "update": {"description": "x"}, "targetUrl": url},  # both shapes
                 {"update": {"description": "x"}}):  # no id
        body = await meta(client, account, UPDATE, {"input": data})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", (data, body)
    missing = await meta(client, account, UPDATE, {"input": {"id": str(uuid.uuid4()), "update": {"description": "x"}}})
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    both = await meta(client, account, "mutation($id: UUID!) { deleteWebhook(id: $id, input: {id: $id}) { id } }",
                      {"id": hook["id"]})
    assert both["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    neither = await meta(client, account, "mutation { deleteWebhook { id } }")
    assert neither["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    our_shape = await meta(client, account, "mutation($id: ID!) { updateOneWebhook(id: $id, data: {update: "
                                            "{description: \"x\"}}) { id } }", {"id": hook["id"]})
    assert our_shape["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    [kept] = (await meta(client, account, "{ webhooks { id targetUrl operations description } }"))["data"]["webhooks"]
    assert kept == {"id": hook["id"], "targetUrl": url, "operations": ["*.created"], "description": None}


async def test_changed_operations_apply_to_later_events(server: Server, client: httpx.AsyncClient,
                                                        account: Account) -> None:
    async with open_receiver() as receiver:
        hook = await create(client, account, targetUrl=receiver.url, operations=["person.created"])
        changed = await meta(client, account, UPDATE, {"input": {"id": hook["id"],
                                                                 "update": {"operations": ["company.*"]}}})
        assert changed["data"]["updateWebhook"]["operations"] == ["company.*"]
        await core(client, account, 'mutation { createPerson(data: {city: "Paris"}) { id } }')
        await core(client, account, 'mutation { createCompany(data: {name: "after"}) { id } }')
        await receiver.wait_for(1)
    # events are dispatched in order: once the company's delivery exists, the person's event was read too
    deliveries = await meta(client, account, DELIVERIES, {"id": hook["id"]})
    assert [d["event"] for d in deliveries["data"]["webhookDeliveries"]] == ["company.created"]
    assert [json.loads(b)["data"]["name"] for _, b in receiver.requests] == ["after"]
