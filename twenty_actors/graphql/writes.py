"""Plan writes: GraphQL inputs (already coerced by type) → checked column values → write IR."""

from __future__ import annotations

import math
import re
import uuid
from typing import Any

from twenty_storage.ir import DestroyRows, InsertRows, NodeSel, ScalarOut, CompositeOut, UpdateRows
from twenty_storage.model import COMPOSITES, Field, Object, composite_column

from ..errors import ValidationError
from .planner import check_integer, check_uuid, sql_type

MAX_TEXT = 100_000
MAX_SHORT_TEXT = 2048
MAX_BATCH = 500
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# a web address with or without its scheme ("acme.com", as API.md writes domain names): a host that has a
# dot (or is localhost), an optional port, then anything but whitespace; only http(s) schemes
_URL = re.compile(r"^(?:https?://)?(?:[^\s/?#@:]+\.[^\s/?#@:]+|localhost)(?::\d{1,5})?(?:[/?#]\S*)?$",
                  re.IGNORECASE)
_READ_ONLY = ("id", "createdAt", "updatedAt", "deletedAt")


def record_node(obj: Object) -> NodeSel:
    """Every stored field of a record, as events and webhooks carry it."""
    out: list[Any] = []
    for field in obj.fields.values():
        if field.type == "RELATION":
            rel = field.relation
            if rel and rel.join_column and field.columns():
                out.append(ScalarOut(rel.join_column, rel.join_column))
        elif field.type in COMPOSITES:
            subs = [ScalarOut(sub, composite_column(field.name, sub)) for sub, _, _ in COMPOSITES[field.type]]
            out.append(CompositeOut(field.name, NodeSel(subs)))
        else:
            out.append(ScalarOut(field.name, field.name, "timestamp" if field.type == "DATE_TIME" else "plain"))
    return NodeSel(out)


def _error(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", details=[{"field": field, "message": message}])


def _check_scalar(field: Field, value: Any, path: str) -> Any:
    if value is None:
        if not field.is_nullable:
            raise _error(path, "cannot be null")
        return None
    kind = field.type
    if kind in ("TEXT", "EMAIL", "URL", "PHONE"):
        limit = MAX_TEXT if kind == "TEXT" else MAX_SHORT_TEXT
        if len(value) > limit:
            raise _error(path, f"is longer than {limit} characters")
        if "\x00" in value:
            raise _error(path, "contains a NUL character")
        if kind == "EMAIL" and value and not _EMAIL.match(value):
            raise _error(path, "Invalid email format")
        if kind == "URL" and value and not _URL.match(value):
            raise _error(path, "Invalid URL format")
    elif kind in ("NUMBER", "POSITION"):
        if not math.isfinite(value):
            raise _error(path, "must be a finite number")
    elif kind == "UUID":
        return check_uuid(value, path)
    elif kind == "JSON":
        return value
    return value


def _columns_of(obj: Object, data: dict[str, Any], *, creating: bool) -> dict[str, tuple[str, Any]]:
    """Column → (SQL type, value) for the given input fields."""
    out: dict[str, tuple[str, Any]] = {}
    join_columns = {f.relation.join_column: f for f in obj.fields.values()
                    if f.relation and f.relation.join_column and f.columns()}
    for name, value in data.items():
        if name == "id":
            if creating and value is not None:
                out["id"] = ("uuid", check_uuid(value, "id"))
            continue
        if name in join_columns:
            out[name] = ("uuid", None if value is None else check_uuid(value, name))
            continue
        field = obj.fields.get(name)
        if field is None or name in _READ_ONLY:
            raise _error(name, "is not a writable field")
        if field.type in COMPOSITES:
            subtypes = {s: t for s, t, _ in COMPOSITES[field.type]}
            for sub, sub_value in (value or {}).items():
                if isinstance(sub_value, str) and len(sub_value) > MAX_SHORT_TEXT:
                    raise _error(f"{name}.{sub}", f"is longer than {MAX_SHORT_TEXT} characters")
                if subtypes[sub] == "bigint" and sub_value is not None:
                    sub_value = check_integer(sub_value, f"{name}.{sub}")
                out[composite_column(name, sub)] = (subtypes[sub], sub_value)
            if value is None:
                for sub, sub_type in subtypes.items():
                    out[composite_column(name, sub)] = (sub_type, None)
            continue
        out[name] = (sql_type(field), _check_scalar(field, value, name))
    return out


def _defaults(obj: Object) -> dict[str, tuple[str, Any]]:
    out: dict[str, tuple[str, Any]] = {}
    for field in obj.fields.values():
        if field.default_value is None or field.is_system or field.type == "RELATION":
            continue
        if field.type in COMPOSITES and isinstance(field.default_value, dict):
            subtypes = {s: t for s, t, _ in COMPOSITES[field.type]}
            for sub, value in field.default_value.items():
                if sub in subtypes:
                    out[composite_column(field.name, sub)] = (subtypes[sub], value)
        elif field.type not in COMPOSITES:
            out[field.name] = (sql_type(field), field.default_value)
    return out


def _required(obj: Object) -> list[str]:
    return [f.name for f in obj.fields.values()
            if not f.is_nullable and not f.is_system and f.type != "RELATION" and f.default_value is None]


def plan_create(obj: Object, items: list[dict[str, Any]], node: NodeSel | None, record: NodeSel,
                *, single: bool) -> InsertRows:
    """Insert rows from create inputs, with defaults applied and every value checked."""
    if len(items) > MAX_BATCH:
        raise ValidationError(f"At most {MAX_BATCH} records per batch")
    defaults = _defaults(obj)
    required = _required(obj)
    rows_by_column: list[dict[str, tuple[str, Any]]] = []
    for index, data in enumerate(items):
        values = {**defaults, **_columns_of(obj, data, creating=True)}
        for name in required:
            if values.get(name, (None, None))[1] is None:
                raise _error(name if single else f"{index}.{name}", "is required")
        values.setdefault("id", ("uuid", str(uuid.uuid4())))
        rows_by_column.append(values)
    columns: dict[str, str] = {}
    for values in rows_by_column:
        for column, (sql, _) in values.items():
            columns.setdefault(column, sql)
    column_list = list(columns.items())
    rows = [[values.get(c, (None, None))[1] for c, _ in column_list] for values in rows_by_column]
    ids = [values["id"][1] for values in rows_by_column]
    if len(set(ids)) != len(ids):
        raise ValidationError("Duplicate ids in batch")
    return InsertRows(table=obj.table, object_name=obj.name_singular, columns=column_list, rows=rows, ids=ids,
                      node=node, record=record, single=single)


def plan_update(obj: Object, ids: list[Any], data: dict[str, Any], node: NodeSel | None, record: NodeSel,
                *, single: bool) -> UpdateRows:
    """Update rows by id with checked values."""
    if len(ids) > MAX_BATCH:
        raise ValidationError(f"At most {MAX_BATCH} records per batch")
    checked = [check_uuid(i, "id") for i in ids]
    values = _columns_of(obj, data, creating=False)
    sets = [(column, sql, value) for column, (sql, value) in values.items()]
    return UpdateRows(table=obj.table, object_name=obj.name_singular, ids=checked, sets=sets, event="updated",
                      node=node, record=record, single=single)


def plan_state_change(obj: Object, ids: list[Any], verb: str, node: NodeSel | None, record: NodeSel,
                      *, single: bool) -> UpdateRows | DestroyRows:
    """Soft delete, restore or destroy rows by id."""
    if len(ids) > MAX_BATCH:
        raise ValidationError(f"At most {MAX_BATCH} records per batch")
    checked = [check_uuid(i, "id") for i in ids]
    if verb == "destroy":
        return DestroyRows(table=obj.table, object_name=obj.name_singular, ids=checked, node=node, record=record,
                           single=single)
    event = {"delete": "deleted", "restore": "restored"}[verb]
    return UpdateRows(table=obj.table, object_name=obj.name_singular, ids=checked, sets=[], event=event, node=node,
                      record=record, single=single)
