"""What a record answers when no selection says: its stored fields (REST, events), and REST's depth 1."""

from __future__ import annotations

from typing import Any

from twenty_storage.ir import CompositeOut, ListOut, NodeSel, ObjectOut, ScalarOut
from twenty_storage.model import COMPOSITES, SQL_TYPES, Field, Metadata, Object, system_sql_type

EMBEDDED_LIMIT = 60  # related records embedded per to-many relation at depth=1 (Twenty's page size)


def sql_type(field: Field) -> str:
    """The SQL type of a single-column field."""
    return system_sql_type(field.name) or SQL_TYPES.get(field.type, "text")


def scalar_out(key: str, field: Field) -> ScalarOut:
    """A single-column field as a JSON value (timestamps as ISO text with Z)."""
    return ScalarOut(key, field.name, "timestamp" if field.type == "DATE_TIME" else "plain")


def join_columns(obj: Object) -> dict[str, Field]:
    """Join column (``companyId``) → its relation field, for relations whose column this object holds."""
    return {f.relation.join_column: f for f in obj.fields.values()
            if f.is_active and f.relation and f.relation.join_column and f.columns()}


def record_node(obj: Object) -> NodeSel:
    """Every stored, active field of a record: scalars, composites as objects, join columns (``companyId``).

    What REST answers at depth 0, and what event rows and webhooks carry.
    """
    out: list[Any] = []
    for field in obj.fields.values():
        if not field.is_active:
            continue
        if field.type == "RELATION":
            rel = field.relation
            if rel and rel.join_column and field.columns():
                out.append(ScalarOut(rel.join_column, rel.join_column))
        elif field.type in COMPOSITES:
            subs = [ScalarOut(sub, field.sub_column(sub)) for sub, _, _ in COMPOSITES[field.type]]
            out.append(CompositeOut(field.name, NodeSel(subs)))
        else:
            out.append(scalar_out(field.name, field))
    return NodeSel(out)


def record_selection(md: Metadata, obj: Object, depth: int) -> NodeSel:
    """The record's own fields, plus at depth 1 its to-one records and arrays of its to-many records."""
    own: list[Any] = list(record_node(obj).fields)
    if depth < 1:
        return NodeSel(own)
    for field in obj.fields.values():
        rel = field.relation
        if field.type != "RELATION" or rel is None or not field.is_active or not rel.join_column:
            continue
        target = md.objects.get(rel.target)
        if target is None or not target.is_active:
            continue
        node = record_node(target)
        if rel.kind == "ONE_TO_MANY":
            own.append(ListOut(field.name, target.table, "id", rel.join_column, node, EMBEDDED_LIMIT))
        elif rel.kind in ("MANY_TO_ONE", "ONE_TO_ONE"):
            if field.columns():  # this side holds the join column
                own.append(ObjectOut(field.name, target.table, rel.join_column, "id", node))
            else:
                own.append(ObjectOut(field.name, target.table, "id", rel.join_column, node))
    return NodeSel(own)
