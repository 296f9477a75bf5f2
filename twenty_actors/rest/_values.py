"""Field paths and values of REST query strings, checked against the workspace's metadata.

A path names a column: ``employees``, ``companyId``, ``company.id`` (the join column),
``name.firstName`` (a composite sub-field), or ``company.name`` (a field of a to-one related
record). Values arrive as text and are parsed by the column's type here, so a bad value is a
400 with details instead of a database error.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import msgspec
from twenty_storage.model import COMPOSITES, Field, Metadata, Object

from ..planning import values as checks
from ..planning.shape import join_columns as join_columns
from ..planning.values import invalid as invalid

# how a column's values are parsed and which operators apply to it
_OPS: dict[str, frozenset[str]] = {
    "uuid": frozenset(["eq", "neq", "in", "is", "gt", "gte", "lt", "lte"]),
    "text": frozenset(["eq", "neq", "in", "is", "gt", "gte", "lt", "lte", "like", "ilike", "startsWith",
                       "endsWith"]),
    "number": frozenset(["eq", "neq", "in", "is", "gt", "gte", "lt", "lte"]),
    "integer": frozenset(["eq", "neq", "in", "is", "gt", "gte", "lt", "lte"]),
    "datetime": frozenset(["eq", "neq", "in", "is", "gt", "gte", "lt", "lte"]),
    "date": frozenset(["eq", "neq", "in", "is", "gt", "gte", "lt", "lte"]),
    "boolean": frozenset(["eq", "neq", "is"]),
    "select": frozenset(["eq", "neq", "in", "is"]),
    "multiselect": frozenset(["containsAny", "is", "isEmptyArray"]),
    "json": frozenset(["is", "like"]),
}
ALL_OPS = frozenset().union(*_OPS.values())

_KIND_BY_TYPE = {"TEXT": "text", "EMAIL": "text", "PHONE": "text", "URL": "text", "NUMBER": "number",
                 "POSITION": "number", "BOOLEAN": "boolean", "DATE_TIME": "datetime", "DATE": "date",
                 "SELECT": "select", "RATING": "select", "MULTI_SELECT": "multiselect", "JSON": "json",
                 "UUID": "uuid"}
_KIND_BY_SQL = {"bigint": "integer", "text": "text", "double precision": "number", "uuid": "uuid",
                "timestamptz": "datetime", "date": "date", "boolean": "boolean", "jsonb": "json"}
_MAX_VALUE = 10_000
_INT64 = checks.INT64


class Column(msgspec.Struct, frozen=True, kw_only=True):
    """A column a REST path names, how its values parse, and the to-one hops that reach it."""

    column: str
    kind: str
    sql_type: str
    options: tuple[str, ...] = ()
    hops: tuple[tuple[str, str], ...] = ()  # (related table, local join column), outermost first

    @property
    def ops(self) -> frozenset[str]:
        """The operators this column accepts."""
        return _OPS[self.kind]


class PathError(Exception):
    """A path or value is not valid; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def option_values(field: Field) -> tuple[str, ...]:
    """The allowed values of a SELECT, MULTI_SELECT or RATING field."""
    if field.type == "RATING" and not field.options:
        return tuple(f"RATING_{i}" for i in range(1, 6))
    return tuple(o.value for o in field.options or [])


def field_column(field: Field) -> Column:
    """The one column of a scalar field."""
    kind = "uuid" if field.name == "id" else _KIND_BY_TYPE[field.type]
    sql = {"uuid": "uuid", "text": "text", "number": "double precision", "boolean": "boolean",
           "datetime": "timestamptz", "date": "date", "select": "text", "multiselect": "text[]",
           "json": "jsonb"}[kind]
    return Column(column=field.name, kind=kind, sql_type=sql, options=option_values(field))


def resolve(md: Metadata, obj: Object, path: list[str], *, hops: int = 1) -> Column:
    """The column a path names on ``obj``; PathError when there is none."""
    name, rest = path[0], path[1:]
    joins = join_columns(obj)
    if name in joins and not rest:
        return Column(column=name, kind="uuid", sql_type="uuid")
    field = obj.fields.get(name)
    if field is None or not field.is_active:
        raise PathError(f"'{name}' is not a field of {obj.name_singular}")
    if field.type in COMPOSITES:
        subs = {s: t for s, t, _ in COMPOSITES[field.type]}
        if len(rest) != 1 or rest[0] not in subs:
            raise PathError(f"'{name}' is a composite field: name one of its parts ({', '.join(subs)}), "
                            f"as {name}.{next(iter(subs))}")
        sql = subs[rest[0]]
        return Column(column=field.sub_column(rest[0]), kind=_KIND_BY_SQL[sql], sql_type=sql)
    if field.type == "RELATION":
        rel = field.relation
        if rel is None or rel.target not in md.objects or not md.objects[rel.target].is_active:
            raise PathError(f"'{name}' is not a field of {obj.name_singular}")
        if rel.kind in ("ONE_TO_MANY", "MANY_TO_MANY") or not rel.join_column:
            raise PathError(f"'{name}' is a to-many relation; filter on the related object instead")
        if not rest:
            raise PathError(f"'{name}' is a relation: name a field of it, as {name}.id")
        if rest == ["id"] and field.columns():
            return Column(column=rel.join_column, kind="uuid", sql_type="uuid")
        if hops == 0:
            raise PathError("paths may cross one relation at most")
        target = md.objects[rel.target]
        inner = resolve(md, target, rest, hops=hops - 1)
        if field.columns():  # this side holds the join column: remote.id = local.companyId
            hop = (target.table, rel.join_column)
        else:  # the other side of a one-to-one holds it: not expressible as Related(id = local column)
            raise PathError(f"'{name}' can only be filtered from {target.name_singular} ({rel.join_column})")
        return msgspec.structs.replace(inner, hops=(hop, *inner.hops))
    if rest:
        raise PathError(f"'{name}' has no parts")
    return field_column(field)


def parse_value(col: Column, raw: str) -> Any:
    """A query-string value as the column's type; PathError when it is not one."""
    if len(raw) > _MAX_VALUE:
        raise PathError(f"value is longer than {_MAX_VALUE} characters")
    if "\x00" in raw:
        raise PathError("value contains a NUL character")
    kind = col.kind
    if kind in ("text", "json"):
        return raw
    if kind == "uuid":
        return parse_uuid(raw)
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            raise PathError(f"'{raw[:64]}' is not a number") from None
        if not math.isfinite(number):
            raise PathError("must be a finite number")
        return number
    if kind == "integer":
        return parse_integer(raw)
    if kind == "boolean":
        lowered = raw.lower()
        if lowered not in ("true", "false"):
            raise PathError(f"'{raw[:64]}' is not a boolean (true or false)")
        return lowered == "true"
    if kind == "datetime":
        return parse_datetime(raw)
    if kind == "date":
        try:
            return checks.parse_date(raw)
        except ValueError:
            raise PathError(f"'{raw[:64]}' is not a date (YYYY-MM-DD)") from None
    if kind in ("select", "multiselect"):
        if raw not in col.options:
            raise PathError(f"'{raw[:64]}' is not one of {', '.join(col.options)}")
        return raw
    raise AssertionError(kind)


def parse_uuid(raw: str) -> str:
    """A UUID written in a query string or a body, in canonical form."""
    try:
        return checks.canonical_uuid(raw)
    except ValueError:
        raise PathError(f"'{raw[:64]}' is not a UUID") from None


def parse_integer(raw: str) -> int:
    """An integer written as digits (or as a float with no fraction, ``1e6``)."""
    try:
        value = int(raw)
    except ValueError:
        try:
            number = float(raw)
        except ValueError:
            raise PathError(f"'{raw[:64]}' is not an integer") from None
        if not math.isfinite(number) or not number.is_integer():
            raise PathError(f"'{raw[:64]}' is not an integer") from None
        value = int(number)
    if abs(value) > _INT64:
        raise PathError("is out of range")
    return value


def parse_datetime(raw: str) -> datetime:
    """An ISO 8601 timestamp (a date alone means midnight UTC; no zone means UTC)."""
    try:
        return checks.parse_datetime(raw)
    except ValueError:
        raise PathError(f"'{raw[:64]}' is not an ISO 8601 date-time") from None
