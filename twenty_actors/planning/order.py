"""Ordering and cursors, the same for both APIs: sort keys, the id tie-break, and cursor checks."""

from __future__ import annotations

import base64
from typing import Any

import msgspec
from twenty_storage.ir import OrderKey

from ..errors import ValidationError
from .values import INT64, canonical_uuid, parse_date, parse_datetime, register

NOT_NULL = frozenset(["id", "createdAt", "updatedAt"])
DIRECTIONS = ("Asc", "Desc", "AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast")


def order_key(column: str, direction: str, sql_type: str, *, not_null: bool = False) -> OrderKey:
    """One sort key from a direction (``Asc``, ``DescNullsLast``…); NULLs sort as the largest by default."""
    desc = direction.startswith("Desc")
    if not_null:
        # NULLS FIRST/LAST mean nothing here; PostgreSQL's default placement lets an index serve the order
        return OrderKey(column, desc=desc, nulls_first=desc, sql_type=sql_type, not_null=True)
    if direction.endswith("NullsFirst"):
        nulls_first = True
    elif direction.endswith("NullsLast"):
        nulls_first = False
    else:
        nulls_first = desc  # PostgreSQL's default: NULLs are largest
    return OrderKey(column, desc=desc, nulls_first=nulls_first, sql_type=sql_type)


def with_tie_break(keys: list[OrderKey]) -> list[OrderKey]:
    """The keys, then id (unless ordered by already); no keys means createdAt, id.

    The tie-break follows the last key's direction, so (createdAt DESC, id DESC) is one backward
    walk of the (createdAt, id) index instead of a sort of the whole table.
    """
    if not keys:
        keys = [order_key("createdAt", "Asc", "timestamptz", not_null=True)]
    if any(k.column == "id" for k in keys):
        return keys
    desc = keys[-1].desc
    return [*keys, OrderKey("id", desc=desc, nulls_first=desc, sql_type="uuid", not_null=True)]


class CursorError(ValueError):
    """A cursor that is not ours (``foreign``) or not of this ordering."""

    def __init__(self, foreign: bool) -> None:
        super().__init__("invalid cursor" if foreign else "the cursor does not belong to this ordering")
        self.foreign = foreign


def cursor_items(kinds: tuple[tuple[str, bool], ...], text: str) -> list[str | None]:
    """The sort-key values of a cursor as text (bound as one ``text[]``); CursorError when it does not fit.

    Cursors are opaque to clients, but they come back from them: a forged one must be refused
    before PostgreSQL fails to cast it.
    """
    try:
        values = msgspec.json.decode(base64.b64decode(text.encode(), validate=True))
    except (ValueError, msgspec.DecodeError):
        raise CursorError(True) from None
    if not isinstance(values, list):
        raise CursorError(True)
    if len(values) != len(kinds):
        raise CursorError(False)
    out: list[str | None] = []
    for (sql_type, not_null), v in zip(kinds, values, strict=True):
        if v is None:
            if not_null:
                raise CursorError(False)
            out.append(None)
            continue
        if not _fits(sql_type, v):
            raise CursorError(False)
        out.append(v if isinstance(v, str) else msgspec.json.encode(v).decode())
    return out


def _fits(sql_type: str, value: Any) -> bool:
    """Whether a cursor value can be cast back to its sort key's type (no database error on bad cursors)."""
    if sql_type in ("double precision", "bigint", "integer", "numeric"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if sql_type == "bigint":
            return (isinstance(value, int) or float(value).is_integer()) and abs(value) <= INT64
        return True
    if sql_type == "boolean":
        return isinstance(value, bool)
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        if sql_type == "uuid":
            canonical_uuid(value)
        elif sql_type == "date":
            parse_date(value)
        elif sql_type == "timestamptz":
            parse_datetime(value)
    except ValueError:
        return False
    return True


def _graphql_cursor(value: Any, label: str, kinds: tuple[tuple[str, bool], ...]) -> list[str | None]:
    try:
        return cursor_items(kinds, value)
    except CursorError as exc:
        message = "Invalid cursor" if exc.foreign else "The cursor does not belong to this ordering"
        raise ValidationError(message, details=[{"field": label, "message": message}]) from None


register("cursor", _graphql_cursor)


def cursor_kinds(order: list[OrderKey]) -> tuple[tuple[str, bool], ...]:
    """What a cursor slot checks its items against."""
    return tuple((k.sql_type, k.not_null) for k in order)
