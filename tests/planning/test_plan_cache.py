"""Plans are kept per request shape: requests that differ only in values hit the cache, others miss.

A shape is the metadata version (each WorkspaceModel has its own caches), the document, the operation
and which arguments and variables are given (plus the few values that change the SQL: booleans, order
directions, ``is: NULL``). Counted with ``PlanCache.hits`` and ``misses``.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import msgspec

from twenty_actors import rest
from twenty_actors.graphql.core_endpoint import plan_core_request
from twenty_actors.metadata.model import WorkspaceModel
from twenty_actors.planning import PlanCache, bind
from twenty_actors.rest._records import rest_cache

from ..conftest import Account, Server
from ..graphql.conftest import ok
from ..rest.conftest import call
from .conftest import standard_model

A, B = str(uuid.uuid4()), str(uuid.uuid4())


def _counts(cache: PlanCache) -> tuple[int, int]:
    return cache.misses, cache.hits


def _graphql(model: WorkspaceModel, query: str, variables: dict[str, Any] | None = None,
             operation: str | None = None) -> list[str]:
    """Plan one request; the SQL text of its statements (bound, so that binding is exercised too)."""
    body: dict[str, Any] = {"query": query, "variables": variables, "operationName": operation}
    planned = plan_core_request(model, msgspec.json.encode(body))
    plans = [planned.query.plan] if planned.query is not None else [s.plan for s in planned.steps or []]
    return [text for plan in plans if plan is not None for text, _ in bind(plan, planned.op.variables)]


BY_ID = "query ($id: ID!) { company(filter: {id: {eq: $id}}) { id name } }"
FILTERED = """query ($industry: String, $min: Float, $stages: [OpportunityStageEnum!]) {
  companies(filter: {industry: {eq: $industry}, employees: {gte: $min}}) { edges { node { id } } }
  opportunities(filter: {stage: {in: $stages}}) { totalCount }
}"""
CREATE = "mutation ($data: CompanyCreateInput!) { createCompany(data: $data) { id name } }"
CREATE_MANY = "mutation ($data: [CompanyCreateInput!]!) { createCompanies(data: $data) { id } }"


def test_graphql_by_id_shares_one_plan() -> None:
    model = standard_model()
    texts = {tuple(_graphql(model, BY_ID, {"id": i})) for i in (A, B, str(uuid.uuid4()))}
    assert len(texts) == 1
    assert _counts(model.core.plans) == (1, 2)


def test_graphql_filters_by_value_share_one_plan() -> None:
    model = standard_model()
    _graphql(model, FILTERED, {"industry": "Technology", "min": 100, "stages": ["NEW"]})
    _graphql(model, FILTERED, {"industry": "Finance", "min": 5000, "stages": ["MEETING", "CUSTOMER"]})
    assert _counts(model.core.plans) == (1, 1)
    # a variable left out, or null, is another shape
    _graphql(model, FILTERED, {"industry": "Finance", "stages": ["NEW"]})
    _graphql(model, FILTERED, {"industry": "Finance", "min": None, "stages": ["NEW"]})
    assert _counts(model.core.plans) == (3, 1)


def test_graphql_values_that_change_the_sql_are_part_of_the_shape() -> None:
    model = standard_model()
    query = "query ($f: CompanyFilterInput) { companies(filter: $f) { edges { node { id } } } }"
    _graphql(model, query, {"f": {"address": {"is": "NULL"}}})
    _graphql(model, query, {"f": {"address": {"is": "NOT_NULL"}}})
    _graphql(model, query, {"f": {"address": {"eq": "x"}}})
    _graphql(model, query, {"f": {"address": {"eq": "y"}}})
    assert _counts(model.core.plans) == (3, 1)


def test_graphql_document_and_operation_are_part_of_the_key() -> None:
    model = standard_model()
    two = "query A { companies { totalCount } } query B { people { totalCount } }"
    _graphql(model, two, operation="A")
    _graphql(model, two, operation="B")
    _graphql(model, two, operation="A")
    _graphql(model, "query A { companies { totalCount } }")
    assert _counts(model.core.plans) == (3, 1)


def test_graphql_creates_share_one_plan() -> None:
    model = standard_model()
    _graphql(model, CREATE, {"data": {"name": "Acme", "employees": 1}})
    _graphql(model, CREATE, {"data": {"name": "Globex", "employees": 2}})
    assert _counts(model.core.plans) == (1, 1)
    _graphql(model, CREATE, {"data": {"name": "Acme"}})  # other fields: another statement
    _graphql(model, CREATE, {"data": {"id": A, "name": "Acme"}})  # the id given, not generated
    assert _counts(model.core.plans) == (3, 1)
    _graphql(model, CREATE_MANY, {"data": [{"name": "a"}, {"name": "b"}]})
    _graphql(model, CREATE_MANY, {"data": [{"name": "c"}, {"name": "d"}]})
    assert _counts(model.core.plans) == (4, 2)


def test_each_metadata_version_has_its_own_plans() -> None:
    first, second = standard_model(), standard_model()
    _graphql(first, BY_ID, {"id": A})
    _graphql(second, BY_ID, {"id": A})
    assert _counts(first.core.plans) == _counts(second.core.plans) == (1, 0)


def test_rest_requests_that_differ_in_values_share_plans() -> None:
    model = standard_model()
    cache = rest_cache(model).plans
    rest.get_plan(model, "companies", A, b"")
    rest.get_plan(model, "companies", B, b"")
    assert _counts(cache) == (1, 1)
    rest.list_plan(model, "companies", b"filter=industry[eq]:Technology&limit=5")
    rest.list_plan(model, "companies", b"filter=industry[eq]:Finance&limit=50&offset=10")
    rest.list_plan(model, "companies", b"filter[industry][eq]=Media")  # the same filter, bracket syntax
    assert _counts(cache) == (2, 3)
    rest.list_plan(model, "companies", b"filter=industry[neq]:Media")  # another operator
    rest.list_plan(model, "companies", b"filter=industry[eq]:Media&depth=1")  # relations embedded
    assert _counts(cache) == (4, 3)
    rest.create_plan(model, "companies", b'{"name": "Acme", "employees": 3}')
    rest.create_plan(model, "companies", b'{"name": "Globex", "employees": 4}')
    rest.create_many_plan(model, "people", b'[{"city": "Paris"}, {"city": "Oslo"}]')
    rest.create_many_plan(model, "people", b'[{"city": "Rome"}, {"city": "Lima"}]')
    rest.update_plan(model, "companies", A, b'{"name": "x"}')
    rest.update_plan(model, "companies", B, b'{"name": "y"}')
    rest.delete_plan(model, "companies", A, b"")
    rest.delete_plan(model, "companies", B, b"")
    assert _counts(cache) == (8, 7)


async def test_the_server_plans_once_per_shape(client: httpx.AsyncClient, server: Server,
                                               account: Account) -> None:
    """Through HTTP: by id, filters and creates with other values hit the workspace's plan caches."""
    for name in ("Acme", "Globex", "Initech"):
        created = await ok(client, account, CREATE, {"data": {"name": name}})
        await ok(client, account, BY_ID, {"id": created["createCompany"]["id"]})
        await ok(client, account, FILTERED, {"industry": name, "min": 1, "stages": ["NEW"]})
        await call(client, account, "GET", f"/rest/companies?filter=name[eq]:{name}")
        await call(client, account, "GET", f"/rest/companies/{created['createCompany']['id']}")
    handle = await server.services.registry.handle(uuid.UUID(account.workspace_id))
    assert handle.state is not None
    model: WorkspaceModel = handle.state.metadata
    assert _counts(model.core.plans) == (3, 6)  # create, by id, filtered: each planned once
    assert _counts(rest_cache(model).plans) == (2, 4)  # list and get

