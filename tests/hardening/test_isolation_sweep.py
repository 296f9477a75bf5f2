"""Isolation sweep: workspace B's credentials with workspace A's ids and names, on every operation.

Workspace A gets a record of every object (standard and custom, with relations), an API key, a webhook
with a delivery, a custom object, field and relation. Then B tries every root field of its GraphQL
schema (found from the live schema), every metadata operation, every REST route, the websocket feed
and the OpenAPI documents with A's ids and names. Every answer must carry no data of A's (A's text
is marked with a secret that must never appear), every refusal must be one of the expected codes, and
A's whole state (every row of its schema, its core rows, its event log) must be unchanged afterwards.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any

import httpx
import trio
from trio_websocket import open_websocket_url
from twenty_storage.accounts import workspace_schema_name
from twenty_storage.pg import Database
from twenty_storage.sql import ident

from ..conftest import Account, Server, gql, sign_up
from ._proc import free_port, report

REFUSALS = {"NOT_FOUND", "UNAUTHENTICATED", "UNAUTHORIZED", "FORBIDDEN"}
# a link to a record or object that is not in the caller's workspace is invalid input, like any unknown id;
# a name that only exists in another workspace is not in the caller's schema at all
INVALID = {"BAD_USER_INPUT", "VALIDATION_ERROR", "GRAPHQL_VALIDATION_FAILED"}


class Sweep:
    """B's requests, each checked; counts outcomes for the report."""

    def __init__(self, client: httpx.AsyncClient, b: Account, secret: str, a_ids: set[str]) -> None:
        self.client = client
        self.b = b
        self.secret = secret
        self.a_ids = a_ids
        self.outcomes: Counter[str] = Counter()

    def _check(self, surface: str, response: httpx.Response) -> Any:
        assert response.status_code < 500, (surface, response.text)
        assert self.secret not in response.text, (surface, response.text)
        return response.json()

    async def graphql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        path: str = "/graphql",
        expect: set[str] | None = None,
    ) -> dict[str, Any]:
        """A GraphQL request: it fails with a code of ``expect``, or succeeds without any of A's ids."""
        response = await gql(self.client, self.b.access_token, query, variables, path=path)
        body: dict[str, Any] = self._check(path, response)
        if body.get("errors"):
            codes = {e["extensions"]["code"] for e in body["errors"]}
            assert expect is not None and codes <= expect, (query, body)
            self.outcomes[f"{path} {'/'.join(sorted(codes))}"] += 1
        else:
            assert not _ids_in(body["data"]) & self.a_ids, (query, body)
            self.outcomes[f"{path} empty"] += 1
        return body

    async def rest(self, method: str, path: str, body: Any = None, *, expect: set[str]) -> Any:
        """A REST request: refused with a code of ``expect``, or answered without any of A's ids."""
        kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {self.b.access_token}"}}
        if body is not None:
            kwargs["json"] = body
        response = await self.client.request(method, path, **kwargs)
        answer = self._check(f"{method} {path}", response)
        if response.status_code >= 400:
            assert answer["error"]["code"] in expect, (method, path, answer)
            self.outcomes[f"rest {answer['error']['code']}"] += 1
        else:
            assert not _ids_in(answer) & self.a_ids, (method, path, answer)
            self.outcomes["rest empty"] += 1
        return answer


def _links(obj: Any, records: dict[str, str]) -> list[tuple[str, str]]:
    """(relation column, A's record of the target object) for every many-to-one side of ``obj``."""
    return [
        (f.relation.join_column, records[f.relation.target])
        for f in obj.fields.values()
        if f.relation is not None and f.relation.join_column and f.columns() and f.relation.target in records
    ]


def _ids_in(value: Any) -> set[str]:
    """Every string in a JSON value (ids included)."""
    if isinstance(value, dict):
        return set().union(*(_ids_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_ids_in(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) else set()


async def _ok(
    client: httpx.AsyncClient,
    account: Account,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    path: str = "/graphql",
) -> dict[str, Any]:
    response = await gql(client, account.access_token, query, variables, path=path)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def _snapshot(db: Database, workspace_id: str) -> dict[str, Any]:
    """Everything of workspace A that B could have changed."""
    wid = uuid.UUID(workspace_id)
    schema = workspace_schema_name(wid)
    tables = [
        r["table_name"]
        for r in await db.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1", schema
        )
    ]
    out: dict[str, Any] = {}
    for table in tables:
        out[table] = await db.fetchval(
            f"SELECT coalesce(json_agg(t ORDER BY t::text), '[]') FROM {ident(schema, table)} t"  # noqa: S608 - names through ident()
        )
    core = {
        "workspace": "SELECT json_agg(t) FROM core.workspace t WHERE id = $1",
        "api_key": "SELECT json_agg(t ORDER BY id) FROM core.api_key t WHERE workspace_id = $1",
        "webhook": "SELECT json_agg(t ORDER BY id) FROM core.webhook t WHERE workspace_id = $1",
        "delivery": "SELECT json_agg(json_build_array(id, webhook_id, event_seq) ORDER BY id) "
        "FROM core.webhook_delivery WHERE workspace_id = $1",
        "object_metadata": "SELECT json_agg(t ORDER BY id) FROM core.object_metadata t "
        "WHERE workspace_id = $1",
        "field_metadata": "SELECT json_agg(t ORDER BY id) FROM core.field_metadata t WHERE workspace_id = $1",
    }
    for name, sql in core.items():
        out[name] = await db.fetchval(sql, wid)
    return out


async def _seed_a(client: httpx.AsyncClient, a: Account, secret: str) -> dict[str, Any]:
    """Workspace A: a custom object with a relation, a record of every object, a key, a webhook."""
    objects = await _ok(
        client,
        a,
        "{ objects { edges { node { id nameSingular fields { edges { node { id name } } } } } } }",
        path="/metadata",
    )
    object_ids = {e["node"]["nameSingular"]: e["node"]["id"] for e in objects["objects"]["edges"]}
    gadget = (
        await _ok(
            client,
            a,
            "mutation($d: CreateObjectInput!) { createOneObject(data: $d) { id } }",
            {
                "d": {
                    "nameSingular": "gadget",
                    "namePlural": "gadgets",
                    "labelSingular": "Gadget",
                    "labelPlural": "Gadgets",
                    "description": secret,
                }
            },
            path="/metadata",
        )
    )["createOneObject"]["id"]
    field = (
        await _ok(
            client,
            a,
            "mutation($d: CreateFieldInput!) { createOneField(data: $d) { id } }",
            {
                "d": {
                    "objectMetadataId": gadget,
                    "name": "codeName",
                    "label": "Code name",
                    "type": "TEXT",
                    "description": secret,
                }
            },
            path="/metadata",
        )
    )["createOneField"]["id"]
    relation = await _ok(
        client,
        a,
        "mutation($d: CreateRelationInput!) { createOneRelation(data: $d) { id } }",
        {
            "d": {
                "relationType": "ONE_TO_MANY",
                "fromObjectMetadataId": object_ids["company"],
                "toObjectMetadataId": gadget,
                "fromFieldMetadataName": "gadgets",
                "toFieldMetadataName": "company",
            }
        },
        path="/metadata",
    )
    records: dict[str, str] = {}

    async def create(name: str, data: dict[str, Any], key: str | None = None) -> None:
        pascal = name[0].upper() + name[1:]
        created = await _ok(
            client,
            a,
            f"mutation($d: {pascal}CreateInput!) {{ create{pascal}(data: $d) {{ id }} }}",
            {"d": data},
        )
        records[key or name] = created[f"create{pascal}"]["id"]

    await create("company", {"name": secret})
    await create("person", {"city": secret, "companyId": records["company"]})
    await create(
        "opportunity",
        {"name": secret, "companyId": records["company"], "pointOfContactId": records["person"]},
    )
    await create("task", {"title": secret})
    await create("note", {"title": secret})
    await create("taskTarget", {"taskId": records["task"], "companyId": records["company"]})
    await create("noteTarget", {"noteId": records["note"], "personId": records["person"]})
    await create("gadget", {"codeName": secret, "companyId": records["company"]})
    members = await _ok(client, a, "{ workspaceMembers { edges { node { id } } } }")
    records["workspaceMember"] = members["workspaceMembers"]["edges"][0]["node"]["id"]
    key = (
        await _ok(
            client,
            a,
            'mutation { createOneApiKey(data: {name: "a-key", expiresAt: "2099-01-01T00:00:00Z"})'
            " { id token } }",
            path="/metadata",
        )
    )["createOneApiKey"]
    hook = (
        await _ok(
            client,
            a,
            "mutation($d: CreateWebhookInput!) { createOneWebhook(data: $d) { id } }",
            {
                "d": {
                    "targetUrl": f"http://127.0.0.1:{free_port()}/hook",
                    "operation": "*.*",
                    "description": secret,
                }
            },
            path="/metadata",
        )
    )["createOneWebhook"]["id"]
    await create("company", {"name": secret + "-2"}, "company2")  # an event after the webhook: a delivery
    return {
        "objects": object_ids,
        "gadget": gadget,
        "field": field,
        "relation": relation,
        "records": records,
        "key": key,
        "webhook": hook,
    }


async def test_isolation_sweep(server: Server, client: httpx.AsyncClient) -> None:
    secret = f"SECRET{uuid.uuid4().hex[:12]}"
    a = await sign_up(client, "Alpha " + secret)
    b = await sign_up(client, "Beta")
    seed = await _seed_a(client, a, secret)
    records: dict[str, str] = seed["records"]
    db = server.services.db
    with trio.fail_after(10):  # the webhook's delivery row exists (the sender keeps failing to deliver it)
        while not await db.fetchval(
            "SELECT count(*) FROM core.webhook_delivery WHERE webhook_id = $1", uuid.UUID(seed["webhook"])
        ):
            await trio.sleep(0.02)
    delivery = str(
        await db.fetchval(
            "SELECT id FROM core.webhook_delivery WHERE webhook_id = $1 LIMIT 1", uuid.UUID(seed["webhook"])
        )
    )
    meta_ids = {
        seed["gadget"],
        seed["field"],
        seed["key"]["id"],
        seed["webhook"],
        delivery,
        *seed["objects"].values(),
    }
    a_ids = set(records.values()) | meta_ids | {a.workspace_id, a.user_id}
    before = await _snapshot(db, a.workspace_id)
    sweep = Sweep(client, b, secret, a_ids - set(seed["objects"].values()))  # standard objects differ anyway

    # --- core GraphQL: every root field of B's live schema, with A's ids ----------------------------------
    handle = await server.services.registry.handle(uuid.UUID(b.workspace_id))
    assert handle.state is not None
    core = handle.state.metadata.core
    all_ids = sorted(set(records.values()))
    core_plural = {obj: field for field, (kind, obj) in core.roots.items() if kind == "find_many"}
    for field, (kind, obj_name) in sorted(core.roots.items()):
        mine = records.get(obj_name)
        pascal = obj_name[0].upper() + obj_name[1:]
        target = mine or all_ids[0]
        if kind == "find_one":
            body = await sweep.graphql(
                f"query($id: ID!) {{ {field}(filter: {{id: {{eq: $id}}}}) {{ id }} }}", {"id": target}
            )
            assert body["data"] == {field: None}
        elif kind == "find_many":
            body = await sweep.graphql(
                f"query($ids: [ID!]) {{ {field}(filter: {{id: {{in: $ids}}}}) "
                "{ edges { node { id } } totalCount } }",
                {"ids": all_ids},
            )
            assert body["data"][field] == {"edges": [], "totalCount": 0}
            await sweep.graphql(
                f"{{ {field}(filter: {{deletedAt: {{is: NOT_NULL}}}}) {{ edges {{ node {{ id }} }} }} }}"
            )
            await sweep.graphql(f"{{ {field} {{ edges {{ node {{ id }} }} }} }}")
        elif kind in ("update_one", "delete_one", "destroy_one", "restore_one"):
            args = ", data: {position: 5}" if kind == "update_one" else ""
            body = await sweep.graphql(
                f"mutation($id: ID!) {{ {field}(id: $id{args}) {{ id }} }}",
                {"id": target},
                expect={"NOT_FOUND"},
            )
            assert body["data"] == {field: None}
        elif kind in ("update_many", "delete_many", "destroy_many", "restore_many"):
            args = ", data: {position: 5}" if kind == "update_many" else ""
            body = await sweep.graphql(
                f"mutation($ids: [ID!]!) {{ {field}(ids: $ids{args}) {{ id }} }}", {"ids": all_ids}
            )
            assert body["data"] == {field: []}
        elif kind in ("create_one", "create_many"):
            # a link to A's record through every relation column of the object: refused
            for column, record_id in _links(handle.state.metadata.metadata.objects[obj_name], records):
                data: Any = {column: record_id}
                query = (
                    f"mutation($d: {pascal}CreateInput!) {{ {field}(data: $d) {{ id }} }}"
                    if kind == "create_one"
                    else f"mutation($d: [{pascal}CreateInput!]!) {{ {field}(data: $d) {{ id }} }}"
                )
                body = await sweep.graphql(
                    query, {"d": data if kind == "create_one" else [data]}, expect={"BAD_USER_INPUT"}
                )
                assert body["data"] == {field: None}
                filtered = await sweep.graphql(
                    f"query($id: ID!) {{ {core_plural[obj_name]}(filter: {{{column}: {{eq: $id}}}}) "
                    "{ totalCount } }",
                    {"id": record_id},
                )
                assert filtered["data"][core_plural[obj_name]] == {"totalCount": 0}
        else:
            raise AssertionError(f"root field {field} of an unknown kind {kind}")
    # A's custom object does not exist for B
    for query in (
        "{ gadgets { edges { node { id codeName } } } }",
        'mutation { createGadget(data: {codeName: "x"}) { id } }',
        "query($id: ID!) { gadget(filter: {id: {eq: $id}}) { id } }",
    ):
        await sweep.graphql(
            query, {"id": records["gadget"]} if "$id" in query else None, expect={"GRAPHQL_VALIDATION_FAILED"}
        )
    await sweep.graphql(
        "query($id: ID!) { companies(filter: {id: {eq: $id}}) { edges { node { gadgets "
        "{ edges { node { id } } } } } } }",
        {"id": records["company"]},
        expect={"GRAPHQL_VALIDATION_FAILED"},
    )

    # --- metadata: every operation that takes an id, with A's ------------------------------------------
    by_id = {
        "webhook": seed["webhook"],
        "apiKey": seed["key"]["id"],
        "object": seed["gadget"],
        "field": seed["field"],
    }
    for name, target in by_id.items():
        body = await sweep.graphql(
            f"query($id: ID!) {{ {name}(id: $id) {{ id }} }}",
            {"id": target},
            path="/metadata",
            expect=REFUSALS,
        )
        assert body["data"] in ({name: None}, None)
    for query, variables in [
        ("query($id: ID!) { webhookDeliveries(webhookId: $id) { id } }", {"id": seed["webhook"]}),
        (
            'mutation($id: ID!) { updateOneWebhook(id: $id, data: {description: "x"}) { id } }',
            {"id": seed["webhook"]},
        ),
        ("mutation($id: ID!) { deleteOneWebhook(id: $id) { id } }", {"id": seed["webhook"]}),
        ("mutation($id: ID!) { retryOneWebhookDelivery(id: $id) { id } }", {"id": delivery}),
        ("mutation($id: ID!) { revokeOneApiKey(id: $id) { id } }", {"id": seed["key"]["id"]}),
        (
            'mutation($id: ID!) { updateOneObject(id: $id, data: {labelSingular: "x"}) { id } }',
            {"id": seed["gadget"]},
        ),
        ("mutation($id: ID!) { deleteOneObject(id: $id) { id } }", {"id": seed["gadget"]}),
        ('mutation($id: ID!) { updateOneField(id: $id, data: {label: "x"}) { id } }', {"id": seed["field"]}),
        ("mutation($id: ID!) { deleteOneField(id: $id) { id } }", {"id": seed["field"]}),
        (
            'mutation($id: ID!) { createOneField(data: {objectMetadataId: $id, name: "x", label: "x", '
            "type: TEXT}) "
            "{ id } }",
            {"id": seed["gadget"]},
        ),
    ]:
        body = await sweep.graphql(query, variables, path="/metadata", expect=REFUSALS)
        assert body.get("errors") or next(iter(body["data"].values())) in (None, []), body
    b_objects = await _ok(client, b, "{ objects { edges { node { id nameSingular } } } }", path="/metadata")
    b_company = next(
        e["node"]["id"] for e in b_objects["objects"]["edges"] if e["node"]["nameSingular"] == "company"
    )
    for query, variables in [
        (
            "mutation($f: ID!, $t: ID!) { createOneRelation(data: {relationType: ONE_TO_MANY, "
            'fromObjectMetadataId: $f, toObjectMetadataId: $t, fromFieldMetadataName: "stolen", '
            'toFieldMetadataName: "owner"}) { id } }',
            {"f": b_company, "t": seed["gadget"]},
        ),
        (
            'mutation($o: ID!, $t: ID!) { createOneField(data: {objectMetadataId: $o, name: "stolen", '
            'label: "s", '
            "type: RELATION, relationCreationPayload: {type: ONE_TO_MANY, targetObjectMetadataId: $t, "
            'targetFieldName: "owner", targetFieldLabel: "o"}}) { id } }',
            {"o": b_company, "t": seed["gadget"]},
        ),
    ]:
        await sweep.graphql(query, variables, path="/metadata", expect=REFUSALS | {"BAD_USER_INPUT"})
    for query in (
        "{ webhooks { id description } }",
        "{ apiKeys { id name } }",
        "{ objects { edges { node { id nameSingular description } } } }",
        "{ fields { edges { node { id name description } } } }",
    ):
        await sweep.graphql(query, path="/metadata")

    # --- REST: every route of every object, with A's ids -------------------------------------------------
    plurals = {o.name_singular: o.name_plural for o in handle.state.metadata.metadata.objects.values()}
    for obj_name, plural in sorted(plurals.items()):
        target = records.get(obj_name, all_ids[0])
        listed = await sweep.rest("GET", f"/rest/{plural}?filter[id][in]=[{','.join(all_ids)}]", expect=set())
        assert listed["data"] == []
        await sweep.rest("GET", f"/rest/{plural}", expect=set())
        await sweep.rest("GET", f"/rest/{plural}/{target}", expect={"NOT_FOUND"})
        await sweep.rest("PATCH", f"/rest/{plural}/{target}", {"position": 5}, expect={"NOT_FOUND"})
        await sweep.rest("PUT", f"/rest/{plural}/{target}", {"position": 5}, expect={"NOT_FOUND"})
        await sweep.rest("DELETE", f"/rest/{plural}/{target}", expect={"NOT_FOUND"})
        await sweep.rest("DELETE", f"/rest/{plural}/{target}?soft_delete=false", expect={"NOT_FOUND"})
        for column, record_id in _links(handle.state.metadata.metadata.objects[obj_name], records):
            await sweep.rest("POST", f"/rest/{plural}", {column: record_id}, expect={"VALIDATION_ERROR"})
            await sweep.rest(
                "POST", f"/rest/batch/{plural}", [{column: record_id}], expect={"VALIDATION_ERROR"}
            )
            await sweep.rest("GET", f"/rest/{plural}?filter[{column}][eq]={record_id}", expect=set())
    for method, body in (("GET", None), ("POST", {"codeName": "x"})):
        await sweep.rest(method, "/rest/gadgets", body, expect={"NOT_FOUND"})
    await sweep.rest("GET", f"/rest/gadgets/{records['gadget']}", expect={"NOT_FOUND"})
    await sweep.rest("POST", "/rest/batch/gadgets", [{"codeName": "x"}], expect={"NOT_FOUND"})
    for document in ("core", "metadata"):
        response = await client.get(
            f"/rest/open-api/{document}", headers={"Authorization": f"Bearer {b.access_token}"}
        )
        assert response.status_code == 200 and secret not in response.text
        assert "gadget" not in response.text.lower()
        sweep.outcomes["openapi clean"] += 1

    # nothing of A changed
    after = await _snapshot(db, a.workspace_id)
    assert [k for k in before if before[k] != after[k]] == []

    # --- the change feed: B never hears of A's events, replayed or live ------------------------------------
    url = server.url.replace("http://", "ws://") + "/ws"
    async with open_websocket_url(url) as ws:
        with trio.fail_after(10):
            await ws.send_message(json.dumps({"type": "auth", "token": b.access_token}))
            assert json.loads(await ws.get_message()) == {"type": "ready"}
            await ws.send_message(
                json.dumps({"type": "subscribe", "id": "g", "objects": ["gadget"], "since": 0})
            )
            refused = json.loads(await ws.get_message())
            assert (
                refused["type"] == "error"
                and refused["code"] == "NOT_FOUND"
                and secret not in json.dumps(refused)
            )
            await ws.send_message(json.dumps({"type": "subscribe", "id": "all", "since": 0}))
            assert json.loads(await ws.get_message())["type"] == "subscribed"
            await _ok(
                client, a, "mutation($n: String) { createCompany(data: {name: $n}) { id } }", {"n": secret}
            )
            mine = await _ok(client, b, 'mutation { createCompany(data: {name: "b-own"}) { id } }')
            while True:  # B's replay (its workspace member's events, if any) and then its own company
                message = json.loads(await ws.get_message())
                assert secret not in json.dumps(message) and message["recordId"] not in a_ids, message
                if message["recordId"] == mine["createCompany"]["id"]:
                    break
        sweep.outcomes["ws clean"] += 1
    # the token of A's API key never works as B's, and vice versa: it names A's workspace
    listed = await client.get("/rest/companies", headers={"Authorization": f"Bearer {seed['key']['token']}"})
    assert listed.status_code == 200 and secret in listed.text  # A's key sees A, the control case

    report(
        "isolation_sweep",
        requests=sum(sweep.outcomes.values()),
        outcomes=dict(sorted(sweep.outcomes.items())),
        a_state_changed_by_b=False,
    )
