"""The REST operations: plan against the workspace's metadata, compile to one statement, run it.

Reads go to the workspace actor as one ``RunRead`` each and come back as the JSON bytes of the
whole answer; writes go through its write queue as one ``RunWrite`` each (a batch create is one
statement, so it commits or fails as a whole).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twenty_storage.compile import compile_read
from twenty_storage.compile_write import compile_write
from twenty_storage.ir import And, Cmp, FindOne, IsNull, ListSel, NodeSel, Page, ScalarOut
from twenty_storage.model import Object

from ..errors import NotFoundError
from ..metadata.model import WorkspaceModel
from ..planning import Param, Plan, bind, make_plan, plan_create, plan_state_change, plan_update, shape_record
from ..planning.values import MAX_BATCH, value
from ..workspace.messages import RunRead, RunWrite
from ._body import check_record, check_records, decode_json
from ._grammar import decode_query
from ._query import check_id, parse_depth, parse_list_query, parse_soft_delete
from ._records import RestCache, rest_cache

if TYPE_CHECKING:
    from ..auth import Principal
    from ..registry import Registry

_ID_ONLY = NodeSel([ScalarOut("id", "id")])
_ID = Param(("id",))  # the record id of the path, bound per request


class _Target:
    """The workspace model, its REST cache and the object a request names."""

    def __init__(self, model: WorkspaceModel, plural: str) -> None:
        self.model = model
        self.cache: RestCache = rest_cache(model)
        obj = model.metadata.by_plural(plural)
        if obj is None:
            raise NotFoundError(f"Object '{plural[:64]}' not found")
        self.obj: Object = obj
        self.schema = model.metadata.schema_name

    def plan(self, key: tuple[Any, ...], make: Callable[[], Plan]) -> Plan:
        """The plan kept for ``key`` (a request shape of this object), made on first use."""
        key = (self.obj.name_singular, *key)
        plan = self.cache.plans.get(key)
        if plan is None:
            plan = make()
            self.cache.plans.put(key, plan)
        assert isinstance(plan, Plan)
        return plan

    def record(self) -> NodeSel:
        """What a written record answers and what the events of its change carry."""
        return self.cache.record(self.obj)


async def workspace_model(registry: Registry, principal: Principal) -> WorkspaceModel:
    """The caller's workspace at its current metadata version."""
    handle = await registry.handle(principal.workspace_id)
    assert handle.state is not None
    model: WorkspaceModel = handle.state.metadata
    return model


async def _target(registry: Registry, principal: Principal, plural: str) -> _Target:
    return _Target(await workspace_model(registry, principal), plural)


async def _read(registry: Registry, principal: Principal, plan: Plan, variables: dict[str, Any]) -> bytes:
    [(sql, params)] = bind(plan, variables)
    body: bytes = await registry.call(principal.workspace_id, RunRead(sql=sql, params=params))
    return body


async def list_records(registry: Registry, principal: Principal, plural: str, query_string: bytes) -> bytes:
    """``GET /rest/{plural}``: ``{"data": [...], "meta": {...}}``."""
    t = await _target(registry, principal, plural)

    def make() -> Plan:
        query = parse_list_query(t.model.metadata, t.obj, decode_query(query_string))
        page = Page(table=t.obj.table, filter=query.filter, order=query.order, limit=query.limit,
                    offset=query.offset, cursor=query.cursor, backward=query.backward)
        return make_plan([compile_read(t.schema, ListSel(page=page, node=t.cache.selection(t.obj, query.depth)))])

    return await _read(registry, principal, t.plan(("list", query_string), make), {})


async def get_record(registry: Registry, principal: Principal, plural: str, raw_id: str,
                     query_string: bytes) -> bytes:
    """``GET /rest/{plural}/{id}``: ``{"data": {...}}``; 404 when there is no such live record."""
    t = await _target(registry, principal, plural)
    record_id = check_id(raw_id)

    def make() -> Plan:
        depth = parse_depth(decode_query(query_string))
        flt = And([Cmp("id", "eq", value(_ID, "same", "id")), IsNull("deletedAt", True)])
        read = FindOne(table=t.obj.table, filter=flt, node=t.cache.selection(t.obj, depth), envelope="data")
        return make_plan([compile_read(t.schema, read)])

    body = await _read(registry, principal, t.plan(("one", query_string), make), {"id": record_id})
    if body == b"null":
        raise NotFoundError(f"{t.obj.label_singular} {record_id} not found")
    return body


async def _write(registry: Registry, principal: Principal, plan: Plan, variables: dict[str, Any]) -> str | None:
    statements = bind(plan, variables)
    rows = await registry.call(principal.workspace_id, RunWrite(statements=statements))
    answer: str | None = rows[0][0][0] if rows and rows[0] else None
    return answer


async def create_record(registry: Registry, principal: Principal, plural: str, body: bytes) -> bytes:
    """``POST /rest/{plural}``: ``{"data": {...}}`` of the created record."""
    t = await _target(registry, principal, plural)
    data = check_record(t.obj, decode_json(body), creating=True)
    shaped, shape = shape_record(t.obj, data, ("data",))
    plan = t.plan(("create", shape), lambda: make_plan([compile_write(
        t.schema, plan_create(t.obj, [shaped], t.record(), t.record(), single=True))]))
    answer = await _write(registry, principal, plan, {"data": data})
    assert answer is not None
    return b'{"data":' + answer.encode() + b"}"


async def create_records(registry: Registry, principal: Principal, plural: str, body: bytes) -> bytes:
    """``POST /rest/batch/{plural}``: all records or none, ``{"data": [...]}`` in the order given."""
    t = await _target(registry, principal, plural)
    items = check_records(t.obj, decode_json(body), max_items=MAX_BATCH)
    shaped_items = [shape_record(t.obj, item, ("data", i)) for i, item in enumerate(items)]
    plan = t.plan(("create_many", tuple(s for _, s in shaped_items)), lambda: make_plan([compile_write(
        t.schema, plan_create(t.obj, [d for d, _ in shaped_items], t.record(), t.record(), single=False))]))
    answer = await _write(registry, principal, plan, {"data": items})
    return b'{"data":' + (answer or "[]").encode() + b"}"


async def update_record(registry: Registry, principal: Principal, plural: str, raw_id: str,
                        body: bytes) -> bytes:
    """``PATCH /rest/{plural}/{id}``: ``{"data": {...}}`` after the change; 404 without such a record."""
    t = await _target(registry, principal, plural)
    record_id = check_id(raw_id)
    data = check_record(t.obj, decode_json(body), creating=False)
    shaped, shape = shape_record(t.obj, data, ("data",))
    plan = t.plan(("update", shape), lambda: make_plan([compile_write(
        t.schema, plan_update(t.obj, [_ID], shaped, t.record(), t.record(), single=True))]))
    answer = await _write(registry, principal, plan, {"id": record_id, "data": data})
    if answer is None:
        raise NotFoundError(f"{t.obj.label_singular} {record_id} not found")
    return b'{"data":' + answer.encode() + b"}"


async def delete_record(registry: Registry, principal: Principal, plural: str, raw_id: str,
                        query_string: bytes = b"") -> dict[str, Any]:
    """``DELETE /rest/{plural}/{id}``: ``{"data": {"id", "deleted": true}}``.

    The delete is soft (``deletedAt`` is set; ``filter[deletedAt][is]=NOT_NULL`` still lists the
    record); ``?soft_delete=false`` removes it for good, as Twenty's REST API allows.
    """
    t = await _target(registry, principal, plural)
    record_id = check_id(raw_id)
    verb = "destroy" if not parse_soft_delete(decode_query(query_string)) else "delete"
    plan = t.plan((verb,), lambda: make_plan([compile_write(
        t.schema, plan_state_change(t.obj, [_ID], verb, _ID_ONLY, t.record(), single=True))]))
    if await _write(registry, principal, plan, {"id": record_id}) is None:
        raise NotFoundError(f"{t.obj.label_singular} {record_id} not found")
    return {"data": {"id": record_id, "deleted": True}}
