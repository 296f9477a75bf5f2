"""The API on a Citus coordinator: workspaces as distributed schemas, and a slice of every API over them.

GraphQL reads and writes, the metadata API's DDL on a distributed schema (custom objects, fields,
relations), REST, change feeds and webhooks, each against a server whose database URL is the coordinator.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
import trio
from trio_websocket import open_websocket_url
from twenty_server.citus import Cluster
from twenty_storage import citus as citus_sql
from twenty_storage.accounts import workspace_schema_name

from twenty_actors.settings import Settings

from ..conftest import Account, Server, gql, sign_up
from ..graphql.conftest import ok
from ..metadata.test_metadata_api import CREATE_RELATION, GET_PROPERTIES, make_property, meta, object_ids
from ..webhooks.receiver import open_receiver


@pytest.fixture
def settings(pg_dsn: str) -> Settings:
    return Settings(database_url=pg_dsn, port=0, secret="citus-" + uuid.uuid4().hex,
                    webhook_allow_private=True, webhook_backoff_s=0.05,
                    rate_limits={"graphql": 100_000, "rest": 100_000, "metadata": 100_000},
                    max_in_flight_per_workspace=100_000, gc_freeze=False)


async def test_workspaces_land_on_different_workers(server: Server, client: httpx.AsyncClient,
                                                    citus_cluster: Cluster) -> None:
    accounts = [await sign_up(client, f"Tenant {i}") for i in range(4)]
    schemas = [workspace_schema_name(uuid.UUID(a.workspace_id)) for a in accounts]
    db = server.services.db
    placed = await citus_sql.placements(db, schemas)
    assert set(placed) == set(schemas), "every workspace schema is a distributed schema"
    workers = {node.port for node in citus_cluster.workers}
    assert {p.port for p in placed.values()} == workers, placed  # new schemas go round robin
    nodes = await citus_sql.nodes(db)
    assert [n.role for n in nodes] == ["coordinator", "worker", "worker"]
    # core stays on the coordinator, as plain tables: nothing of it is distributed
    core_tables = await db.fetchval("SELECT count(*) FROM citus_tables WHERE table_name::text LIKE 'core.%'")
    assert core_tables == 0


async def test_graphql_reads_and_writes(server: Server, client: httpx.AsyncClient, account: Account) -> None:
    rows = [{"name": f"c{i}", "employees": i} for i in range(5)]
    created = (await ok(client, account, """mutation ($d: [CompanyCreateInput!]!) {
        createCompanies(data: $d) { id name } }""", {"d": rows}))["createCompanies"]
    assert [c["name"] for c in created] == [f"c{i}" for i in range(5)]
    acme = created[0]["id"]
    person = await ok(client, account, "mutation ($c: ID!) { createPerson(data: "
                                       '{city: "Paris", companyId: $c}) { id city } }', {"c": acme})
    assert person["createPerson"]["city"] == "Paris"
    await ok(client, account, 'mutation ($id: ID!) { updateCompany(id: $id, data: {name: "acme"}) { id } }',
             {"id": acme})
    await ok(client, account, "mutation ($id: ID!) { deleteCompany(id: $id) { id } }",
             {"id": created[4]["id"]})
    data = await ok(client, account, """{
        companies(filter: {employees: {lte: 3}}, orderBy: [{employees: AscNullsLast}], first: 2) {
          edges { node { name employees people { edges { node { city company { name } } } } } }
          pageInfo { hasNextPage endCursor } totalCount } }""")
    page = data["companies"]
    assert page["totalCount"] == 4
    assert page["pageInfo"]["hasNextPage"]
    assert [e["node"]["name"] for e in page["edges"]] == ["acme", "c1"]
    paris = {"node": {"city": "Paris", "company": {"name": "acme"}}}
    assert page["edges"][0]["node"]["people"]["edges"] == [paris]
    rest = await ok(client, account, """query ($after: String) { companies(filter: {employees: {lte: 3}},
        orderBy: [{employees: AscNullsLast}], first: 5, after: $after) { edges { node { name } } } }""",
                    {"after": page["pageInfo"]["endCursor"]})
    assert [e["node"]["name"] for e in rest["companies"]["edges"]] == ["c2", "c3"]
    people = await ok(client, account, '{ people(filter: {company: {name: {eq: "acme"}}}) { totalCount } }')
    assert people["people"]["totalCount"] == 1


async def test_write_answer_that_reads_the_written_table(client: httpx.AsyncClient, account: Account) -> None:
    [acme] = (await ok(client, account, 'mutation { createCompanies(data: [{name: "acme"}]) { id } }')
              )["createCompanies"]
    data = await ok(client, account, """mutation ($c: ID!) {
        createPerson(data: {city: "Paris", companyId: $c}) { city company { people { totalCount } } } }""",
                    {"c": acme["id"]})
    assert data["createPerson"] == {"city": "Paris", "company": {"people": {"totalCount": 1}}}


async def test_metadata_ddl_on_a_distributed_schema(server: Server, client: httpx.AsyncClient,
                                                    account: Account) -> None:
    object_id = await make_property(client, account)  # CREATE TABLE, then ALTER TABLE … ADD COLUMN per field
    ids = await object_ids(client, account)
    relation = await meta(client, account, CREATE_RELATION, {"input": {
        "relationType": "ONE_TO_MANY", "fromObjectMetadataId": ids["company"],
        "toObjectMetadataId": object_id, "fromFieldMetadataName": "properties",
        "toFieldMetadataName": "company"}})
    assert "errors" not in relation, relation
    company = await ok(client, account, 'mutation { createCompany(data: {name: "Homes"}) { id } }')
    for i, status in enumerate(("FOR_SALE", "SOLD")):
        await ok(client, account, "mutation ($d: PropertyCreateInput!) { createProperty(data: $d) { id } }",
                 {"d": {"address": f"{i} Main St", "bedrooms": i + 1, "status": status,
                        "companyId": company["createCompany"]["id"]}})
    listed = await ok(client, account, GET_PROPERTIES, {"filter": {"status": {"eq": "SOLD"}}})
    assert [e["node"]["address"] for e in listed["properties"]["edges"]] == ["1 Main St"]
    nested = await ok(client, account, "{ companies { edges { node { properties { totalCount } } } } }")
    assert nested["companies"]["edges"] == [{"node": {"properties": {"totalCount": 2}}}]
    # the new table is in the workspace's distributed schema, on the same worker as the others
    schema = workspace_schema_name(uuid.UUID(account.workspace_id))
    rows = await server.services.db.fetch(
        "SELECT DISTINCT s.nodeport FROM citus_shards s JOIN pg_class c ON c.oid = s.table_name "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1", schema)
    assert len(rows) == 1
    assert await server.services.db.fetchval(
        "SELECT count(*) FROM citus_tables WHERE table_name::text = $1", f"{schema}.property") == 1


async def test_rest_on_citus(client: httpx.AsyncClient, account: Account) -> None:
    headers = account.headers
    made = await client.post("/rest/companies", json={"name": "Rest Co", "employees": 12}, headers=headers)
    assert made.status_code == 201, made.text
    company_id = made.json()["data"]["id"]
    batch = await client.post("/rest/batch/companies", json=[{"name": "b1"}, {"name": "b2"}], headers=headers)
    assert batch.status_code == 201, batch.text
    patched = await client.patch(f"/rest/companies/{company_id}", json={"employees": 13}, headers=headers)
    assert patched.status_code == 200, patched.text
    assert patched.json()["data"]["employees"] == 13
    listed = await client.get("/rest/companies?filter[employees][gte]=13", headers=headers)
    assert listed.status_code == 200, listed.text
    assert [c["name"] for c in listed.json()["data"]] == ["Rest Co"]
    deleted = await client.delete(f"/rest/companies/{company_id}", headers=headers)
    assert deleted.json() == {"data": {"id": company_id, "deleted": True}}
    left = await client.get("/rest/companies?order[name]=asc", headers=headers)
    assert [c["name"] for c in left.json()["data"]] == ["b1", "b2"]
    assert left.json()["totalCount"] == 2


async def _receive(ws: Any) -> dict[str, Any]:
    with trio.fail_after(10):
        return json.loads(await ws.get_message())


async def test_change_feed_live_and_replayed(server: Server, client: httpx.AsyncClient,
                                             account: Account) -> None:
    url = server.url.replace("http://", "ws://") + "/ws"
    async with open_websocket_url(url) as ws:
        await ws.send_message(json.dumps({"type": "auth", "token": account.access_token}))
        assert await _receive(ws) == {"type": "ready"}
        await ws.send_message(json.dumps({"type": "subscribe", "id": "s", "objects": ["company"]}))
        assert (await _receive(ws))["type"] == "subscribed"
        for name in ("f1", "f2", "f3"):
            await ok(client, account, "mutation ($n: String) { createCompany(data: {name: $n}) { id } }",
                     {"n": name})
        live = [await _receive(ws) for _ in range(3)]
    assert [e["data"]["name"] for e in live] == ["f1", "f2", "f3"]
    seqs = [e["seq"] for e in live]
    assert seqs == sorted(seqs)
    async with open_websocket_url(url) as ws:
        await ws.send_message(json.dumps({"type": "auth", "token": account.access_token}))
        assert await _receive(ws) == {"type": "ready"}
        await ws.send_message(json.dumps({"type": "subscribe", "id": "r", "objects": ["company"],
                                          "since": seqs[0]}))
        assert (await _receive(ws))["type"] == "subscribed"
        replayed = [await _receive(ws) for _ in range(2)]
    assert [e["seq"] for e in replayed] == seqs[1:]


async def test_webhook_delivered(client: httpx.AsyncClient, account: Account) -> None:
    async with open_receiver() as receiver:
        hook = await gql(client, account.access_token, "mutation ($u: String!) { createOneWebhook(data: "
                         '{targetUrl: $u, operation: "company.created"}) { id } }', {"u": receiver.url},
                         path="/metadata")
        assert "errors" not in hook.json(), hook.text
        await ok(client, account, 'mutation { createCompany(data: {name: "Hooked"}) { id } }')
        await receiver.wait_for(1)
    [(_, body)] = receiver.requests
    assert json.loads(body)["data"]["name"] == "Hooked"
