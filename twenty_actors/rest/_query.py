"""Plan a REST list from its query string: filter, order, page and depth → the storage IR (pure).

Filters from both syntaxes (see _grammar.py) become the same IR the GraphQL planner builds
(``Cmp``/``IsNull``/``And``/``Or``/``Not``/``Related``), so one compiler answers both APIs.
Every problem found is reported at once, as ``details`` of one 400.
"""

from __future__ import annotations

import msgspec
from twenty_storage.ir import And, Cmp, Filter, IsNull, Not, Or, OrderKey, Related
from twenty_storage.model import Metadata, Object

from ..errors import ValidationError
from ..planning import CursorError, comparison, cursor_items, cursor_kinds, order_key, with_tie_break
from ..planning.order import DIRECTIONS, NOT_NULL
from ..planning.reads import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from ..planning.values import escape_like
from ._grammar import (
    Cond,
    GrammarError,
    Junction,
    Tree,
    bracket_key,
    parse_twenty_filter,
    parse_twenty_order,
    split_list,
)
from ._values import ALL_OPS, Column, PathError, invalid, parse_uuid, parse_value, resolve

DEFAULT_LIMIT = DEFAULT_PAGE_SIZE  # Twenty's QUERY_DEFAULT_LIMIT_RECORDS
MAX_LIMIT = MAX_PAGE_SIZE  # Twenty's QUERY_MAX_RECORDS: larger limits are clamped to it
MAX_OFFSET = 2**31 - 1
MAX_CONDITIONS = 100
_DIRECTIONS = {d.lower(): d for d in DIRECTIONS}


class ListQuery(msgspec.Struct, frozen=True, kw_only=True):
    """A planned REST list: which rows, in which order, which page, how deep."""

    filter: Filter
    order: list[OrderKey]
    limit: int
    offset: int
    cursor: list[str | None] | None  # the sort-key values of the cursor's row, as text
    backward: bool
    depth: int


def check_id(raw: str) -> str:
    """A record id from a path: a canonical UUID, or a 400."""
    try:
        return parse_uuid(raw)
    except PathError as exc:
        raise invalid("id", exc.message) from None


# the query parameters each kind of request takes; any other is refused, never ignored (a client that
# sends one expects it to do something: Twenty's ``last_cursor`` once paged nothing here, for one)
LIST_PARAMETERS = frozenset({"filter", "order", "order_by", "limit", "offset", "starting_after",
                             "ending_before", "last_cursor", "depth"})
ONE_PARAMETERS = frozenset({"depth"})
DELETE_PARAMETERS = frozenset({"soft_delete"})
CREATE_PARAMETERS = frozenset({"upsert"})


def unknown_parameters(pairs: list[tuple[str, str]], known: frozenset[str]) -> list[dict[str, str]]:
    """One detail per query parameter outside ``known`` (``filter[…]`` counts as ``filter``)."""
    return [{"field": key[:100], "message": "unknown query parameter"}
            for key, _ in pairs if key.split("[", 1)[0] not in known]


def check_parameters(pairs: list[tuple[str, str]], known: frozenset[str]) -> None:
    """A 400 naming every query parameter outside ``known``."""
    details = unknown_parameters(pairs, known)
    if details:
        raise ValidationError("Invalid query parameters", details=details)


def parse_depth(pairs: list[tuple[str, str]]) -> int:
    """``depth``: 0 (the default: the record's own fields) or 1 (its relations embedded too)."""
    details = unknown_parameters(pairs, ONE_PARAMETERS)
    depth = _depth(pairs, details)
    if details:
        raise ValidationError("Invalid query parameters", details=details)
    return depth


def parse_soft_delete(pairs: list[tuple[str, str]], known: frozenset[str] = DELETE_PARAMETERS) -> bool:
    """``soft_delete``: true (the default) keeps the row with ``deletedAt`` set; false destroys it."""
    check_parameters(pairs, known)
    soft = True
    for key, value in pairs:
        if key == "soft_delete":
            if value.lower() not in ("true", "false"):
                raise invalid("soft_delete", "must be true or false")
            soft = value.lower() == "true"
    return soft


def parse_upsert(pairs: list[tuple[str, str]]) -> bool:
    """``upsert``: false (the default) creates; true updates the records that have the ids or unique field
    values given (as Twenty does)."""
    check_parameters(pairs, CREATE_PARAMETERS)
    upsert = False
    for key, value in pairs:
        if key == "upsert":
            if value.lower() not in ("true", "false"):
                raise invalid("upsert", "must be true or false")
            upsert = value.lower() == "true"
    return upsert


def _depth(pairs: list[tuple[str, str]], details: list[dict[str, str]]) -> int:
    depth = 0
    for key, value in pairs:
        if key == "depth":
            if value not in ("0", "1"):
                details.append({"field": "depth", "message": "must be 0 or 1"})
            else:
                depth = int(value)
    return depth


def parse_list_query(md: Metadata, obj: Object, pairs: list[tuple[str, str]]) -> ListQuery:
    """The list a query string asks for; ValidationError listing every problem otherwise."""
    details = unknown_parameters(pairs, LIST_PARAMETERS)
    conditions: list[Tree] = []
    order_items: list[tuple[str, str, str]] = []  # (path, direction, how the client wrote it)
    limit, offset = DEFAULT_LIMIT, 0
    after: str | None = None
    before: str | None = None
    for key, value in pairs:
        if _filter_condition(key, value, conditions, details):
            continue
        bracketed = _bracketed(key)
        if bracketed is not None:
            head, parts = bracketed
            if head == "order":
                order_items.append((".".join(parts), value, ".".join(parts)))
            continue
        if key == "order_by":
            try:
                order_items.extend((path, direction, path) for path, direction in parse_twenty_order(value))
            except GrammarError as exc:
                details.append({"field": "order_by", "message": exc.message})
        elif key == "limit":
            limit = _count(value, "limit", details, DEFAULT_LIMIT)
            limit = min(limit, MAX_LIMIT)
        elif key == "offset":
            offset = _count(value, "offset", details, 0)
            if offset > MAX_OFFSET:
                details.append({"field": "offset", "message": f"must be at most {MAX_OFFSET}"})
        elif key in ("starting_after", "last_cursor"):  # last_cursor: Twenty's older name
            after = value
        elif key == "ending_before":
            before = value
    depth = _depth(pairs, details)
    tree = Junction("and", conditions)
    flt = _tree_filter(md, obj, tree, details)
    if not _mentions_deleted(tree):
        flt = And([flt, IsNull("deletedAt", True)])
    order = _order(md, obj, order_items, details)
    cursor, backward = None, False
    if after is not None and before is not None:
        details.append({"field": "ending_before",
                        "message": "give starting_after or ending_before, not both"})
    elif after is not None or before is not None:
        backward = before is not None
        name = "ending_before" if backward else "starting_after"
        cursor = _cursor(after if after is not None else before or "", order, name, details)
    if details:
        raise ValidationError("Invalid query parameters", details=details)
    return ListQuery(filter=flt, order=order, limit=limit, offset=offset, cursor=cursor, backward=backward,
                     depth=depth)


def parse_write_filter(md: Metadata, obj: Object, pairs: list[tuple[str, str]],
                       known: frozenset[str] = frozenset()) -> Filter:
    """The filter of a write by filter (``PATCH``/``DELETE /rest/{plural}?filter=…``), as written: without
    the ``deletedAt IS NULL`` a list adds (the verb decides which records it changes). A filter must be
    given; query parameters other than it and ``known`` are refused."""
    details = unknown_parameters(pairs, known | {"filter"})
    conditions: list[Tree] = []
    for key, value in pairs:
        _filter_condition(key, value, conditions, details)
    if not conditions and not details:
        details.append({"field": "filter", "message": "a write to many records needs a filter (or use the "
                                                      "record's own path)"})
    flt = _tree_filter(md, obj, Junction("and", conditions), details)
    if details:
        raise ValidationError("Invalid query parameters", details=details)
    return flt


def _bracketed(key: str) -> tuple[str, list[str]] | None:
    try:
        return bracket_key(key)
    except GrammarError:
        return None  # reported by _filter_condition


def _filter_condition(key: str, value: str, conditions: list[Tree], details: list[dict[str, str]]) -> bool:
    """Take ``filter=…`` (Twenty's syntax) or ``filter[path][op]=…`` (API.md's) into ``conditions``; whether
    ``key`` was a filter (or malformed: then a detail says so)."""
    try:
        bracketed = bracket_key(key)
    except GrammarError as exc:
        details.append({"field": key[:100], "message": exc.message})
        return True
    if bracketed is not None:
        head, parts = bracketed
        if head != "filter":
            return False
        if len(parts) == 1:
            path, op = parts[0], "eq"
        else:
            path, op = ".".join(parts[:-1]), parts[-1]
        if not path:
            details.append({"field": key[:100], "message": "name a field, as filter[field][op]=value"})
        else:
            conditions.append(Cond(path.split("."), op, value, path))
        return True
    if key != "filter":
        return False
    try:
        conditions.append(parse_twenty_filter(value))
    except GrammarError as exc:
        details.append({"field": "filter", "message": exc.message})
    return True


def _tree_filter(md: Metadata, obj: Object, tree: Junction, details: list[dict[str, str]]) -> Filter:
    if _count_conditions(tree) > MAX_CONDITIONS:
        details.append({"field": "filter", "message": f"at most {MAX_CONDITIONS} conditions"})
        return And([])
    return _filter(md, obj, tree, details)


def _count(raw: str, name: str, details: list[dict[str, str]], default: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        details.append({"field": name, "message": f"'{raw[:64]}' is not an integer"})
        return default
    if value < 0:
        details.append({"field": name, "message": "must not be negative"})
        return default
    return value


# --- filters ----------------------------------------------------------------------------------

def _count_conditions(tree: Tree) -> int:
    if isinstance(tree, Cond):
        return 1
    return sum(_count_conditions(t) for t in tree.items)


def _mentions_deleted(tree: Tree) -> bool:
    if isinstance(tree, Cond):
        return tree.path[0] == "deletedAt"
    return any(_mentions_deleted(t) for t in tree.items)


def _filter(md: Metadata, obj: Object, tree: Tree, details: list[dict[str, str]]) -> Filter:
    if isinstance(tree, Cond):
        return _condition(md, obj, tree, details)
    items = [_filter(md, obj, t, details) for t in tree.items]
    if tree.kind == "or":
        return Or(items)
    if tree.kind == "not":
        return Not(And(items))
    return And(items)


def _condition(md: Metadata, obj: Object, cond: Cond, details: list[dict[str, str]]) -> Filter:
    try:
        col = resolve(md, obj, cond.path)
        leaf = _leaf(col, cond)
    except PathError as exc:
        details.append({"field": cond.source[:100], "message": exc.message})
        return And([])
    for table, local in reversed(col.hops):
        leaf = Related(table, local, leaf)
    return leaf


def _leaf(col: Column, cond: Cond) -> Filter:
    op, value = cond.op, cond.value
    if op not in ALL_OPS:
        raise PathError(f"unknown operator '{op[:32]}' (one of {', '.join(sorted(ALL_OPS))})")
    if op not in col.ops:
        allowed = ", ".join(sorted(col.ops))
        raise PathError(f"operator '{op}' does not apply to this field (use one of {allowed})")
    if op in ("in", "containsAny"):
        items = value if isinstance(value, list) else split_list(value)
        if not items:
            raise PathError(f"'{op}' needs at least one value")
        if len(items) > 500:
            raise PathError(f"'{op}' takes at most 500 values")
        return Cmp(col.column, op, [parse_value(col, item) for item in items])
    if isinstance(value, list):
        raise PathError(f"'{op}' takes one value, not a list")
    if op == "is":
        if value.upper() not in ("NULL", "NOT_NULL"):
            raise PathError("'is' takes NULL or NOT_NULL")
        return IsNull(col.column, value.upper() == "NULL")
    if op == "isEmptyArray":
        empty = parse_value(Column(column=col.column, kind="boolean", sql_type="boolean"), value)
        return Cmp(col.column, "eq", []) if empty else Not(Cmp(col.column, "eq", []))
    if op in ("like", "ilike", "startsWith", "endsWith"):
        if len(value) > 10_000:
            raise PathError("value is longer than 10000 characters")
        if "\x00" in value:
            raise PathError("value contains a NUL character")
        if op == "endsWith":
            return Cmp(col.column, "like", "%" + escape_like(value))
        return comparison(col.column, op, value)
    return Cmp(col.column, op, parse_value(col, value))


# --- order and cursors ------------------------------------------------------------------------

def _order(md: Metadata, obj: Object, items: list[tuple[str, str, str]],
           details: list[dict[str, str]]) -> list[OrderKey]:
    keys: list[OrderKey] = []
    for path, raw_direction, source in items:
        direction = _DIRECTIONS.get(raw_direction.strip().lower())
        if direction is None:
            details.append({"field": f"order[{source[:100]}]",
                            "message": f"'{raw_direction[:32]}' is not a direction (asc, desc, "
                                       "AscNullsFirst, "
                                       "AscNullsLast, DescNullsFirst, DescNullsLast)"})
            continue
        try:
            col = resolve(md, obj, path.split("."), hops=0) if path else None
        except PathError as exc:
            details.append({"field": f"order[{source[:100]}]", "message": exc.message})
            continue
        if col is None or col.kind in ("multiselect", "json"):
            details.append({"field": f"order[{source[:100]}]", "message": "cannot order by this field"})
            continue
        if any(k.column == col.column for k in keys):
            continue
        keys.append(order_key(col.column, direction, col.sql_type, not_null=col.column in NOT_NULL))
    return with_tie_break(keys)


def _cursor(text: str, order: list[OrderKey], name: str, details: list[dict[str, str]]) -> list[str | None] | None:
    try:
        return cursor_items(cursor_kinds(order), text)
    except CursorError as exc:
        message = "Invalid cursor" if exc.foreign else "Invalid cursor: it does not belong to this ordering"
        details.append({"field": name, "message": message})
        return None
