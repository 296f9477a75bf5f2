"""Plan REST requests (pure): the request → a plan kept per request shape, and the values to bind to it.

Each function checks what the request sends, finds or makes the plan of its shape in the workspace's
REST cache, and returns it with the request's values. Requests that differ only in values share a
plan: a record by id, a list filtered by other values (its values lifted out, see ``lift_page``),
a create or an update that writes the same fields.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import msgspec
from twenty_storage.compile import compile_read
from twenty_storage.compile_write import compile_write
from twenty_storage.ir import And, Cmp, FindOne, IsNull, ListSel, NodeSel, Page, ScalarOut
from twenty_storage.model import Object

from ..errors import NotFoundError
from ..metadata.model import WorkspaceModel
from ..planning import (
    MATCHED,
    Param,
    Plan,
    make_plan,
    match_filter,
    plan_create,
    plan_match,
    plan_state_change,
    plan_update,
    shape_record,
)
from ..planning.reads import lift_page
from ..planning.values import MAX_BATCH, value
from ._body import check_record, check_records, decode_json
from ._grammar import decode_query
from ._query import (
    DELETE_PARAMETERS,
    check_id,
    check_parameters,
    parse_depth,
    parse_list_query,
    parse_soft_delete,
    parse_upsert,
    parse_write_filter,
)
from ._records import rest_cache

_ID_ONLY = NodeSel([ScalarOut("id", "id")])
_ID = Param(("id",))  # the record id of the path, bound per request


class RestPlan(msgspec.Struct, frozen=True):
    """A request's plan and the values it binds; ``obj`` and ``record_id`` word a 404.

    A write by filter first reads the ids it changes with ``match`` (see ``Caller.write``). ``verb`` names
    a write (create, update, delete, restore, destroy): the permission it needs.
    """

    obj: Object
    plan: Plan
    variables: dict[str, Any]
    record_id: str | None = None
    match: Plan | None = None
    verb: str = ""


class _Target:
    """The workspace model, its REST cache and the object a request names."""

    def __init__(self, model: WorkspaceModel, plural: str) -> None:
        self.cache = rest_cache(model)
        self.md = model.metadata
        obj = self.md.by_plural(plural)
        if obj is None:
            raise NotFoundError(f"Object '{plural[:64]}' not found")
        self.obj: Object = obj
        self.schema = self.md.schema_name

    def plan(self, key: tuple[Hashable, ...], make: Callable[[], Plan]) -> Plan:
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


def list_plan(model: WorkspaceModel, plural: str, query_string: bytes, *, twenty: bool = False) -> RestPlan:
    """``GET /rest/{plural}``: the list the query string asks for (``twenty``: in Twenty's envelope)."""
    t = _Target(model, plural)
    query = parse_list_query(t.md, t.obj, decode_query(query_string))
    page = Page(table=t.obj.table, filter=query.filter, order=query.order, limit=query.limit,
                offset=query.offset, cursor=query.cursor, backward=query.backward)
    template, values = lift_page(page)
    key = ("list", twenty, query.depth, msgspec.json.encode(template))
    plan = t.plan(key, lambda: make_plan([compile_read(t.schema, ListSel(
        page=template, node=t.cache.selection(t.obj, query.depth),
        key=t.obj.name_plural if twenty else None))]))
    return RestPlan(t.obj, plan, {"v": values})


def get_plan(model: WorkspaceModel, plural: str, raw_id: str, query_string: bytes, *,
             twenty: bool = False) -> RestPlan:
    """``GET /rest/{plural}/{id}``: one live record by id (``twenty``: as ``{"data": {"company": …}}``)."""
    t = _Target(model, plural)
    record_id = check_id(raw_id)
    depth = parse_depth(decode_query(query_string))

    def make() -> Plan:
        flt = And([Cmp("id", "eq", value(_ID, "same", "id")), IsNull("deletedAt", True)])
        read = FindOne(table=t.obj.table, filter=flt, node=t.cache.selection(t.obj, depth), envelope="data",
                       key=t.obj.name_singular if twenty else None)
        return make_plan([compile_read(t.schema, read)])

    return RestPlan(t.obj, t.plan(("one", twenty, depth), make), {"id": record_id}, record_id)


def create_plan(model: WorkspaceModel, plural: str, body: bytes, query_string: bytes = b"") -> RestPlan:
    """``POST /rest/{plural}``: one record (``?upsert=true``: or an update of the record with its id)."""
    t = _Target(model, plural)
    upsert = parse_upsert(decode_query(query_string))
    data = check_record(t.obj, decode_json(body), creating=True)
    shaped, shape = shape_record(t.obj, data, ("data",))
    plan = t.plan(("create", upsert, shape), lambda: make_plan([compile_write(
        t.schema, plan_create(t.obj, [shaped], t.record(), t.record(), single=True, upsert=upsert))]))
    return RestPlan(t.obj, plan, {"data": data}, verb="create")


def create_many_plan(model: WorkspaceModel, plural: str, body: bytes, query_string: bytes = b"") -> RestPlan:
    """``POST /rest/batch/{plural}``: records created together, all or none (``?upsert=true`` as above)."""
    t = _Target(model, plural)
    upsert = parse_upsert(decode_query(query_string))
    items = check_records(t.obj, decode_json(body), max_items=MAX_BATCH)
    shaped_items = [shape_record(t.obj, item, ("data", i)) for i, item in enumerate(items)]
    key = ("create_many", upsert, tuple(s for _, s in shaped_items))
    plan = t.plan(key, lambda: make_plan([compile_write(t.schema, plan_create(
        t.obj, [d for d, _ in shaped_items], t.record(), t.record(), single=False, upsert=upsert))]))
    return RestPlan(t.obj, plan, {"data": items}, verb="create")


def update_plan(model: WorkspaceModel, plural: str, raw_id: str, body: bytes) -> RestPlan:
    """``PATCH /rest/{plural}/{id}``: the given fields of one record."""
    t = _Target(model, plural)
    record_id = check_id(raw_id)
    data = check_record(t.obj, decode_json(body), creating=False)
    shaped, shape = shape_record(t.obj, data, ("data",))
    plan = t.plan(("update", shape), lambda: make_plan([compile_write(
        t.schema, plan_update(t.obj, [_ID], shaped, t.record(), t.record(), single=True))]))
    return RestPlan(t.obj, plan, {"id": record_id, "data": data}, record_id, verb="update")


def delete_plan(model: WorkspaceModel, plural: str, raw_id: str, query_string: bytes) -> RestPlan:
    """``DELETE /rest/{plural}/{id}``: soft by default, for good with ``soft_delete=false``."""
    t = _Target(model, plural)
    record_id = check_id(raw_id)
    verb = "destroy" if not parse_soft_delete(decode_query(query_string)) else "delete"
    plan = t.plan((verb,), lambda: make_plan([compile_write(
        t.schema, plan_state_change(t.obj, [_ID], verb, _ID_ONLY, t.record(), single=True))]))
    return RestPlan(t.obj, plan, {"id": record_id}, record_id, verb=verb)


def restore_plan(model: WorkspaceModel, plural: str, raw_id: str, query_string: bytes) -> RestPlan:
    """``PATCH /rest/restore/{plural}/{id}``: a soft-deleted record back to life."""
    t = _Target(model, plural)
    record_id = check_id(raw_id)
    check_parameters(decode_query(query_string), frozenset())
    plan = t.plan(("restore",), lambda: make_plan([compile_write(
        t.schema, plan_state_change(t.obj, [_ID], "restore", t.record(), t.record(), single=True))]))
    return RestPlan(t.obj, plan, {"id": record_id}, record_id, verb="restore")


def write_many_plan(model: WorkspaceModel, plural: str, verb: str, query_string: bytes,
                    body: bytes | None = None) -> RestPlan:
    """``PATCH`` (update, with the body's fields), ``DELETE`` (delete; destroy with ``soft_delete=false``) or
    ``PATCH /rest/restore`` many records by filter: ``/rest/{plural}?filter=…``.

    Filters are written with their values in the statement, so these plans are made per request, not
    kept: a write by filter is rare beside the reads and single writes the cache is for.
    """
    t = _Target(model, plural)
    pairs = decode_query(query_string)
    if verb == "delete":
        verb = "delete" if parse_soft_delete(pairs, DELETE_PARAMETERS | {"filter"}) else "destroy"
        where = parse_write_filter(t.md, t.obj, pairs, DELETE_PARAMETERS)
    else:
        where = parse_write_filter(t.md, t.obj, pairs)
    where = match_filter(where, verb)
    if verb == "update":
        data = check_record(t.obj, decode_json(body or b""), creating=False)
        write: Any = plan_update(t.obj, MATCHED, data, t.record(), t.record(), single=False, where=where)
    else:
        data = {}
        write = plan_state_change(t.obj, MATCHED, verb, t.record(), t.record(), single=False, where=where)
    match = make_plan([compile_read(t.schema, plan_match(t.obj, where))])
    plan = make_plan([compile_write(t.schema, write)])
    return RestPlan(t.obj, plan, {"data": data}, match=match, verb=verb)
