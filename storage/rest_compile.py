"""Compile REST reads to one SQL statement each, whose single column is the whole answer's JSON.

REST lists page by ``OFFSET`` as well as by keyset cursors, answer records as plain objects
(``{"data": [...], "meta": {...}}``) and, at ``depth=1``, embed to-many relations as arrays:
none of which the GraphQL connection compiler does, so this module adds them on top of
compile.py's helpers (filters, keysets, cursors and record JSON are shared, so both APIs agree).
"""

from __future__ import annotations

from typing import Any

import msgspec

from .compile import (
    _col,
    _Ctx,
    _json_object,
    _order_sql,
    _scalar,
    encode_cursor_sql,
    filter_sql,
    keyset_sql,
    node_json,
)
from .ir import CompositeOut, Filter, NodeSel, OrderKey, ScalarOut


class ToOne(msgspec.Struct, frozen=True):
    """The record at the other end of a to-one relation: ``remote.remote_column = local.local_column``."""

    key: str
    table: str
    local_column: str
    remote_column: str
    node: NodeSel


class ToMany(msgspec.Struct, frozen=True):
    """Related records as a JSON array, oldest first, at most ``limit``.

    The link is ``remote.remote_column = local.local_column``.
    """

    key: str
    table: str
    local_column: str
    remote_column: str
    node: NodeSel
    limit: int


class RecordSel(msgspec.Struct, frozen=True):
    """What a REST record answers: its own fields and, at depth 1, its relations."""

    fields: list[ScalarOut | CompositeOut | ToOne | ToMany]


class RestList(msgspec.Struct, frozen=True, kw_only=True):
    """A page of one table's records: filter, order, then cursor, offset and limit."""

    table: str
    filter: Filter
    order: list[OrderKey]
    limit: int
    offset: int = 0
    cursor: list[Any] | None = None  # sort-key values (then id) of the row to start after/before
    backward: bool = False  # ending_before: read the rows before the cursor, answer them in order
    record: RecordSel


class RestOne(msgspec.Struct, frozen=True, kw_only=True):
    """One live (not soft-deleted) record by id."""

    table: str
    id: str
    record: RecordSel


def record_json(ctx: _Ctx, sel: RecordSel, alias: str) -> str:
    """The JSON object of one record (row ``alias``)."""
    pairs: list[tuple[str, str]] = []
    for f in sel.fields:
        match f:
            case ScalarOut():
                pairs.append((f.key, _scalar(alias, f)))
            case CompositeOut(key=key, node=sub):
                pairs.append((key, node_json(ctx, sub, alias)))
            case ToOne():
                inner = ctx.alias()
                record = node_json(ctx, f.node, inner)
                pairs.append((f.key, f"(SELECT {record} FROM {ctx.table(f.table)} {inner} "
                                     f"WHERE {_col(inner, f.remote_column)} = {_col(alias, f.local_column)} "
                                     f'AND {inner}."deletedAt" IS NULL LIMIT 1)'))
            case ToMany():
                inner, rows = ctx.alias(), ctx.alias()
                order = f'{rows}."createdAt" ASC, {rows}.id ASC'
                record = node_json(ctx, f.node, rows)
                pairs.append((f.key, f"(SELECT coalesce(json_agg({record} ORDER BY {order}), "
                                     f"'[]'::json) FROM (SELECT {inner}.* FROM {ctx.table(f.table)} {inner} "
                                     f"WHERE {_col(inner, f.remote_column)} = {_col(alias, f.local_column)} "
                                     f'AND {inner}."deletedAt" IS NULL '
                                     f'ORDER BY {inner}."createdAt" ASC, {inner}.id ASC '
                                     f"LIMIT {ctx.param(f.limit, 'int')}) {rows})"))
    return _json_object(pairs)


def compile_rest_list(schema: str, page: RestList) -> tuple[str, list[Any]]:
    """``{"data": [...], "meta": {"totalCount", "hasMore", "startCursor", "endCursor"}}`` as JSON text.

    ``hasMore`` says whether rows remain beyond this page in the reading direction (after it, or
    before it for ``ending_before``); ``totalCount`` counts every row matching the filter.
    """
    ctx = _Ctx(schema)
    table = ctx.table(page.table)
    inner, scan = ctx.alias(), ctx.alias()
    where = [filter_sql(ctx, page.filter, inner)]
    if page.cursor is not None:
        where.append(keyset_sql(ctx, page.order, page.cursor, inner, page.backward))
    offset = ctx.param(page.offset, "bigint")
    fetch = ctx.param(page.limit + 1, "int")
    size = ctx.param(page.limit, "int")
    numbering = _order_sql(page.order, scan, page.backward)
    rows = (f"(SELECT {scan}.*, row_number() OVER (ORDER BY {numbering}) AS _rn "
            f"FROM (SELECT {inner}.* FROM {table} {inner} WHERE {' AND '.join(where)} "
            f"ORDER BY {_order_sql(page.order, inner, page.backward)} OFFSET {offset} LIMIT {fetch}) {scan})")
    r = ctx.alias()
    in_page = f"{r}._rn <= {size}"
    answer_order = f"{r}._rn DESC" if page.backward else f"{r}._rn"
    data = (f"coalesce(json_agg({record_json(ctx, page.record, r)} ORDER BY {answer_order}) "
            f"FILTER (WHERE {in_page}), '[]'::json)")
    cursor = encode_cursor_sql(page.order, r)
    first = f"(array_agg({cursor} ORDER BY {r}._rn) FILTER (WHERE {in_page}))[1]"
    last = f"(array_agg({cursor} ORDER BY {r}._rn DESC) FILTER (WHERE {in_page}))[1]"
    c = ctx.alias()
    total = f"(SELECT count(*) FROM {table} {c} WHERE {filter_sql(ctx, page.filter, c)})"
    if page.cursor is None:
        # a page that is not full, read from a known offset, ends the list: its rows give the total
        # without the count (CASE runs the subquery only when its branch is taken)
        total = (f"(CASE WHEN count(*) <= {size} AND (count(*) > 0 OR {offset} = 0) "
                 f"THEN {offset} + count(*) ELSE {total} END)")
    meta = _json_object([
        ("totalCount", total),
        ("hasMore", f"(count(*) > {size})"),
        ("startCursor", last if page.backward else first),
        ("endCursor", first if page.backward else last),
    ])
    return f"SELECT {_json_object([('data', data), ('meta', meta)])}::text FROM {rows} {r}", ctx.q.params


def compile_rest_one(schema: str, one: RestOne) -> tuple[str, list[Any]]:
    """``{"data": {...}}`` as JSON text, or no row when the record does not exist (or is deleted)."""
    ctx = _Ctx(schema)
    a = ctx.alias()
    body = _json_object([("data", record_json(ctx, one.record, a))])
    return (f"SELECT {body}::text FROM {ctx.table(one.table)} {a} "
            f'WHERE {a}.id = {ctx.param(one.id, "uuid")} AND {a}."deletedAt" IS NULL'), ctx.q.params
