"""Filters: a where-tree (``{field: {op: value}, and: [...], or: [...], not: {...}}``) → filter IR.

GraphQL filter arguments arrive in this form, values already typed; REST query strings are parsed
into it by the REST front end. Leaves may be slots (see values.py): what a comparison binds is
checked here, once, for both APIs.
"""

from __future__ import annotations

from typing import Any

from twenty_storage.ir import And, Cmp, Filter, IsNull, Not, Or, Related
from twenty_storage.model import COMPOSITES, Metadata, Object

from .values import value, values

_CHECKS = {"uuid": "uuid", "bigint": "integer"}


def comparison(column: str, op: str, operand: Any, check: str = "same", label: str | None = None) -> Filter:
    """``column op operand``; ``check`` names how each operand is checked (uuid, integer, same)."""
    label = label or column
    if op == "is":
        return IsNull(column, operand == "NULL")
    if op in ("in", "containsAny"):
        return Cmp(column, op, values(operand, check, label))
    if op == "startsWith":
        return Cmp(column, op, value(operand, "like_prefix", label))
    return Cmp(column, op, value(operand, check, label))


def mentions(where: Any, name: str) -> bool:
    """Whether a where-tree asks about the field ``name`` of its own object (through and/or/not)."""
    if isinstance(where, dict):
        return any(k == name or (k in ("and", "or", "not") and mentions(v, name)) for k, v in where.items()
                   if v is not None)
    if isinstance(where, list):
        return any(mentions(v, name) for v in where)
    return False


def plan_filter(md: Metadata, obj: Object, where: dict[str, Any] | None, *, top: bool = True) -> Filter:
    """The filter, plus ``deletedAt IS NULL`` at the top unless the filter itself asks about deletedAt."""
    items: list[Filter] = []
    for name, sub in (where or {}).items():
        if sub is None:
            continue
        if name == "and":
            items.append(And([plan_filter(md, obj, v, top=False) for v in sub]))
        elif name == "or":
            items.append(Or([plan_filter(md, obj, v, top=False) for v in sub]))
        elif name == "not":
            items.append(Not(plan_filter(md, obj, sub, top=False)))
        else:
            items.append(_field_filter(md, obj, name, sub))
    if top and not mentions(where, "deletedAt"):
        items.append(IsNull("deletedAt", True))
    return And(items)


def _ops(column: str, ops: dict[str, Any], check: str = "same", label: str | None = None) -> Filter:
    return And([comparison(column, op, operand, check, label) for op, operand in ops.items()
                if operand is not None])


def _field_filter(md: Metadata, obj: Object, name: str, ops: dict[str, Any]) -> Filter:
    field = obj.fields.get(name)
    if field is None:  # a join column: companyId
        return _ops(name, ops, "uuid")
    if field.type == "RELATION":
        rel = field.relation
        assert rel is not None and rel.join_column
        target = md.objects[rel.target]
        return Related(target.table, rel.join_column, plan_filter(md, target, ops, top=False),
                       include_deleted=mentions(ops, "deletedAt"))
    if field.type in COMPOSITES:
        subtypes = {s: t for s, t, _ in COMPOSITES[field.type]}
        return And([_ops(field.sub_column(sub), sub_ops, _CHECKS.get(subtypes[sub], "same"), f"{name}.{sub}")
                    for sub, sub_ops in ops.items() if sub_ops is not None])
    if field.name == "id" or field.type == "UUID":
        return _ops(name, ops, "uuid")
    if field.type == "MULTI_SELECT":
        parts: list[Filter] = []
        for op, operand in ops.items():
            if operand is None:
                continue
            if op == "isEmptyArray":
                parts.append(Cmp(name, "eq", []) if operand else Not(Cmp(name, "eq", [])))
            else:
                parts.append(comparison(name, op, operand))
        return And(parts)
    return _ops(name, ops)
