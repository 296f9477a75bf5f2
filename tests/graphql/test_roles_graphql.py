"""Roles on /graphql: a key whose role may not do something gets FORBIDDEN, with nothing read or changed."""

from __future__ import annotations

import httpx

from ..conftest import Account, gql
from ..metadata.test_metadata_api import object_ids
from ..metadata.test_roles import READER, data, forbidden, make_key, make_role, upsert


async def test_a_read_only_key_on_graphql(client: httpx.AsyncClient, account: Account) -> None:
    acme = 'mutation { createCompany(data: {name: "Acme"}) { id } }'
    created = await gql(client, account.access_token, acme)
    company_id = data(created.json())["createCompany"]["id"]
    role = await make_role(client, account, READER)
    _, reader = await make_key(client, account, role["id"])
    token = reader.access_token
    listed = "{ companies { edges { node { name } } } }"
    answer = (await gql(client, token, listed)).json()
    assert data(answer)["companies"]["edges"] == [{"node": {"name": "Acme"}}]
    for mutation in ('mutation { createCompany(data: {name: "Globex"}) { id } }',
                     f'mutation {{ updateCompany(id: "{company_id}", data: {{name: "Initech"}}) {{ id }} }}',
                     f'mutation {{ deleteCompany(id: "{company_id}") {{ id }} }}',
                     f'mutation {{ destroyCompany(id: "{company_id}") {{ id }} }}',
                     'mutation { updateCompanies(filter: {name: {eq: "Acme"}}, data: {name: "X"}) { id } }'):
        answer = (await gql(client, token, mutation)).json()
        assert answer["data"] is None, mutation
        assert "Reader" in forbidden(answer)
    everything = "{ companies { edges { node { name deletedAt } } } }"
    after = (await gql(client, account.access_token, everything)).json()
    assert data(after)["companies"]["edges"] == [{"node": {"name": "Acme", "deletedAt": None}}]


async def test_graphql_reads_follow_object_permissions(client: httpx.AsyncClient, account: Account) -> None:
    ids = await object_ids(client, account)
    role = await make_role(client, account, {"label": "No deals", "canReadAllObjectRecords": True})
    data(await upsert(client, account, role["id"], [{"objectMetadataId": ids["opportunity"],
                                                     "canReadObjectRecords": False}]))
    _, holder = await make_key(client, account, role["id"])
    token = holder.access_token
    people = "{ people { edges { node { id } } } }"
    # the owner's answer is kept by body: the same request from the key is still checked
    assert "errors" not in (await gql(client, account.access_token, people)).json()
    assert "errors" not in (await gql(client, token, people)).json()
    forbidden((await gql(client, token, "{ opportunities { totalCount } }")).json())
    nested = "{ people { edges { node { opportunities { edges { node { id } } } } } } }"
    forbidden((await gql(client, token, nested)).json())
    fragment = ("query { ...F } fragment F on Query { people { edges { node { company { opportunities "
                "{ totalCount } } } } } }")
    forbidden((await gql(client, token, fragment)).json())
