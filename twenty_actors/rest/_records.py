"""What a REST record answers at depth 0 and 1, and the per-version cache of REST plans and documents."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, final

from twenty_storage.ir import CompositeOut, NodeSel, ScalarOut
from twenty_storage.model import COMPOSITES, Metadata, Object, composite_column
from twenty_storage.rest_compile import RecordSel, ToMany, ToOne

from ..graphql.writes import record_node
from ..metadata.model import WorkspaceModel

EMBEDDED_LIMIT = 60  # related records embedded per to-many relation at depth=1 (Twenty's page size)
MAX_PLANS = 128  # compiled reads kept per metadata version, least recently used dropped first

Plan = tuple[str, list[Any]]


def record_fields(obj: Object) -> NodeSel:
    """Every stored field of a record: scalars, composites as objects, join columns (``companyId``)."""
    out: list[Any] = []
    for field in obj.fields.values():
        if not field.is_active:
            continue
        if field.type == "RELATION":
            rel = field.relation
            if rel and rel.join_column and field.columns():
                out.append(ScalarOut(rel.join_column, rel.join_column))
        elif field.type in COMPOSITES:
            subs = [ScalarOut(sub, composite_column(field.name, sub)) for sub, _, _ in COMPOSITES[field.type]]
            out.append(CompositeOut(field.name, NodeSel(subs)))
        else:
            kind = "timestamp" if field.type == "DATE_TIME" else "plain"
            out.append(ScalarOut(field.name, field.name, kind))
    return NodeSel(out)


def record_selection(md: Metadata, obj: Object, depth: int) -> RecordSel:
    """The record's own fields, plus at depth 1 its to-one records and to-many record arrays."""
    own: list[Any] = list(record_fields(obj).fields)
    if depth < 1:
        return RecordSel(own)
    for field in obj.fields.values():
        rel = field.relation
        if field.type != "RELATION" or rel is None or not field.is_active or not rel.join_column:
            continue
        target = md.objects.get(rel.target)
        if target is None or not target.is_active:
            continue
        node = record_fields(target)
        if rel.kind == "ONE_TO_MANY":
            own.append(ToMany(field.name, target.table, "id", rel.join_column, node, EMBEDDED_LIMIT))
        elif rel.kind in ("MANY_TO_ONE", "ONE_TO_ONE"):
            if field.columns():  # this side holds the join column
                own.append(ToOne(field.name, target.table, rel.join_column, "id", node))
            else:
                own.append(ToOne(field.name, target.table, "id", rel.join_column, node))
    return RecordSel(own)


@final
class RestCache:
    """Plans and documents built from one metadata version (dropped with its WorkspaceModel)."""

    def __init__(self, md: Metadata) -> None:
        self.md = md
        self._selections: dict[tuple[str, int], RecordSel] = {}
        self._fields: dict[str, NodeSel] = {}
        self._events: dict[str, NodeSel] = {}
        self.documents: dict[tuple[str, str], bytes] = {}  # (kind, server url) → OpenAPI JSON
        self._plans: OrderedDict[tuple[str, str, bytes], Plan] = OrderedDict()

    def plan(self, key: tuple[str, str, bytes]) -> Plan | None:
        """A compiled read for the same request (same path and query string), if one is kept."""
        plan = self._plans.get(key)
        if plan is not None:
            self._plans.move_to_end(key)
        return plan

    def remember(self, key: tuple[str, str, bytes], plan: Plan) -> None:
        """Keep a compiled read: its SQL and parameters depend only on the key and this metadata version."""
        self._plans[key] = plan
        if len(self._plans) > MAX_PLANS:
            self._plans.popitem(last=False)

    def selection(self, obj: Object, depth: int) -> RecordSel:
        """``record_selection``, built once per object and depth."""
        key = (obj.name_singular, depth)
        if key not in self._selections:
            self._selections[key] = record_selection(self.md, obj, depth)
        return self._selections[key]

    def fields(self, obj: Object) -> NodeSel:
        """``record_fields``, built once per object (writes answer with it)."""
        if obj.name_singular not in self._fields:
            self._fields[obj.name_singular] = record_fields(obj)
        return self._fields[obj.name_singular]


    def events(self, obj: Object) -> NodeSel:
        """What the event rows of the object's changes carry (the same shape GraphQL writes log)."""
        if obj.name_singular not in self._events:
            self._events[obj.name_singular] = record_node(obj)
        return self._events[obj.name_singular]


_ATTRIBUTE = "_rest_cache"


def rest_cache(model: WorkspaceModel) -> RestCache:
    """The REST cache of a workspace model, created on first use (a model is one metadata version)."""
    cache = getattr(model, _ATTRIBUTE, None)
    if cache is None:
        cache = RestCache(model.metadata)
        setattr(model, _ATTRIBUTE, cache)
    return cache
