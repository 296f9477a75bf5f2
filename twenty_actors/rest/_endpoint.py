"""The REST operations: plan against the workspace's metadata, compile to one statement, run it.

Reads go to the workspace actor as one ``RunRead`` each and come back as the JSON bytes of the
whole answer; writes go through its write queue as one ``RunWrite`` each (a batch create is one
statement, so it commits or fails as a whole).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twenty_storage.compile import compile_write
from twenty_storage.ir import NodeSel, ScalarOut
from twenty_storage.model import Object
from twenty_storage.rest_compile import RestList, RestOne, compile_rest_list, compile_rest_one

from ..errors import NotFoundError
from ..graphql.writes import MAX_BATCH, plan_create, plan_state_change, plan_update
from ..metadata.model import WorkspaceModel
from ..workspace.messages import RunRead, RunWrite
from ._body import check_record, check_records, decode_json
from ._grammar import decode_query
from ._query import check_id, parse_depth, parse_list_query, parse_soft_delete
from ._records import RestCache, rest_cache

if TYPE_CHECKING:
    from ..auth import Principal
    from ..registry import Registry

_ID_ONLY = NodeSel([ScalarOut("id", "id")])


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

    def events(self) -> NodeSel:
        """What the event rows of this object's changes carry."""
        return self.cache.events(self.obj)


async def workspace_model(registry: Registry, principal: Principal) -> WorkspaceModel:
    """The caller's workspace at its current metadata version."""
    handle = await registry.handle(principal.workspace_id)
    assert handle.state is not None
    model: WorkspaceModel = handle.state.metadata
    return model


async def _target(registry: Registry, principal: Principal, plural: str) -> _Target:
    return _Target(await workspace_model(registry, principal), plural)


async def list_records(registry: Registry, principal: Principal, plural: str, query_string: bytes) -> bytes:
    """``GET /rest/{plural}``: ``{"data": [...], "meta": {...}}``."""
    t = await _target(registry, principal, plural)
    key = (plural, "", query_string)
    plan = t.cache.plan(key)
    if plan is None:
        query = parse_list_query(t.model.metadata, t.obj, decode_query(query_string))
        page = RestList(table=t.obj.table, filter=query.filter, order=query.order, limit=query.limit,
                        offset=query.offset, cursor=query.cursor, backward=query.backward,
                        record=t.cache.selection(t.obj, query.depth))
        plan = compile_rest_list(t.schema, page)
        t.cache.remember(key, plan)
    sql, params = plan
    body: bytes = await registry.call(principal.workspace_id, RunRead(sql=sql, params=params))
    return body


async def get_record(registry: Registry, principal: Principal, plural: str, raw_id: str,
                     query_string: bytes) -> bytes:
    """``GET /rest/{plural}/{id}``: ``{"data": {...}}``; 404 when there is no such live record."""
    t = await _target(registry, principal, plural)
    record_id = check_id(raw_id)
    key = (plural, record_id, query_string)
    plan = t.cache.plan(key)
    if plan is None:
        depth = parse_depth(decode_query(query_string))
        plan = compile_rest_one(t.schema, RestOne(table=t.obj.table, id=record_id,
                                                  record=t.cache.selection(t.obj, depth)))
        t.cache.remember(key, plan)
    sql, params = plan
    body: bytes = await registry.call(principal.workspace_id, RunRead(sql=sql, params=params))
    if body == b"null":
        raise NotFoundError(f"{t.obj.label_singular} {record_id} not found")
    return body


async def _write(registry: Registry, principal: Principal, write: Any, schema: str) -> str | None:
    sql, params = compile_write(schema, write)
    rows = await registry.call(principal.workspace_id, RunWrite(statements=[(sql, params)]))
    value: str | None = rows[0][0][0] if rows and rows[0] else None
    return value


async def create_record(registry: Registry, principal: Principal, plural: str, body: bytes) -> bytes:
    """``POST /rest/{plural}``: ``{"data": {...}}`` of the created record."""
    t = await _target(registry, principal, plural)
    data = check_record(t.obj, decode_json(body), creating=True)
    write = plan_create(t.obj, [data], t.cache.fields(t.obj), t.events(), single=True)
    value = await _write(registry, principal, write, t.schema)
    assert value is not None
    return b'{"data":' + value.encode() + b"}"


async def create_records(registry: Registry, principal: Principal, plural: str, body: bytes) -> bytes:
    """``POST /rest/batch/{plural}``: all records or none, ``{"data": [...]}`` in the order given."""
    t = await _target(registry, principal, plural)
    items = check_records(t.obj, decode_json(body), max_items=MAX_BATCH)
    write = plan_create(t.obj, items, t.cache.fields(t.obj), t.events(), single=False)
    value = await _write(registry, principal, write, t.schema)
    return b'{"data":' + (value or "[]").encode() + b"}"


async def update_record(registry: Registry, principal: Principal, plural: str, raw_id: str,
                        body: bytes) -> bytes:
    """``PATCH /rest/{plural}/{id}``: ``{"data": {...}}`` after the change; 404 without such a record."""
    t = await _target(registry, principal, plural)
    record_id = check_id(raw_id)
    data = check_record(t.obj, decode_json(body), creating=False)
    write = plan_update(t.obj, [record_id], data, t.cache.fields(t.obj), t.events(), single=True)
    value = await _write(registry, principal, write, t.schema)
    if value is None:
        raise NotFoundError(f"{t.obj.label_singular} {record_id} not found")
    return b'{"data":' + value.encode() + b"}"


async def delete_record(registry: Registry, principal: Principal, plural: str, raw_id: str,
                        query_string: bytes = b"") -> dict[str, Any]:
    """``DELETE /rest/{plural}/{id}``: ``{"data": {"id", "deleted": true}}``.

    The delete is soft (``deletedAt`` is set; ``filter[deletedAt][is]=NOT_NULL`` still lists the
    record); ``?soft_delete=false`` removes it for good, as Twenty's REST API allows.
    """
    t = await _target(registry, principal, plural)
    record_id = check_id(raw_id)
    verb = "destroy" if not parse_soft_delete(decode_query(query_string)) else "delete"
    write = plan_state_change(t.obj, [record_id], verb, _ID_ONLY, t.events(), single=True)
    if await _write(registry, principal, write, t.schema) is None:
        raise NotFoundError(f"{t.obj.label_singular} {record_id} not found")
    return {"data": {"id": record_id, "deleted": True}}
