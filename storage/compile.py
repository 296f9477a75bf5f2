"""Compile plans (ir.py) to one SQL statement each, whose single column is the answer's JSON.

Values always become parameters; names go through ``ident()``; JSON keys are GraphQL names
(``[_A-Za-z][_0-9A-Za-z]*``, checked by ``literal_str``). Nested selections become correlated
subqueries inside the one statement, so a request costs one round trip whatever its depth.
"""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime
from typing import Any

import msgspec

from .ddl import EVENT_TABLE
from .ir import (
    And,
    Cmp,
    CompositeOut,
    ConnectionOut,
    ConnectionSel,
    ConstOut,
    DestroyRows,
    EdgeSel,
    Filter,
    FindOne,
    InsertRows,
    IsNull,
    NodeSel,
    Not,
    ObjectOut,
    Or,
    OrderKey,
    Read,
    Related,
    ScalarOut,
    UpdateRows,
    Write,
)
from .sql import Query, ident, literal_str

_MAX_PAIRS = 50  # json_build_object takes at most 100 arguments
_TS_FORMAT = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"


class _Ctx:
    """Parameters and table aliases of one statement."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.q = Query()
        self._aliases = 0

    def alias(self) -> str:
        self._aliases += 1
        return f"t{self._aliases}"

    def table(self, name: str) -> str:
        return ident(self.schema, name)

    def param(self, value: Any, cast: str | None = None) -> str:
        return self.q.param(value, cast)


def _json_object(pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return "json_build_object()"
    if len(pairs) <= _MAX_PAIRS:
        return "json_build_object(" + ", ".join(f"{literal_str(k)}, {v}" for k, v in pairs) + ")"
    # several objects spliced as text ({a…} + {b…} → {a…,b…}): jsonb would merge them but sort the keys,
    # and an answer's keys must keep the order of the selection
    chunks = [pairs[i:i + _MAX_PAIRS] for i in range(0, len(pairs), _MAX_PAIRS)]
    texts = ["json_build_object(" + ", ".join(f"{literal_str(k)}, {v}" for k, v in c) + ")::text" for c in chunks]
    parts = [f"left({texts[0]}, -1)"]
    parts.extend(f"substr(left({t}, -1), 2)" for t in texts[1:-1])
    parts.append(f"substr({texts[-1]}, 2)")
    return "(" + " || ',' || ".join(parts) + ")::json"


def _col(alias: str, column: str) -> str:
    return f"{alias}.{ident(column)}"


def _scalar(alias: str, out: ScalarOut) -> str:
    col = _col(alias, out.column)
    if out.kind == "timestamp":
        return f"to_char({col} AT TIME ZONE 'UTC', {_TS_FORMAT})"
    return col


def node_json(ctx: _Ctx, node: NodeSel, alias: str) -> str:
    """The JSON object of one record (row ``alias``) for a selection."""
    pairs: list[tuple[str, str]] = []
    for f in node.fields:
        match f:
            case ScalarOut():
                pairs.append((f.key, _scalar(alias, f)))
            case CompositeOut(key=key, node=sub):
                pairs.append((key, node_json(ctx, sub, alias)))
            case ConstOut(key=key, value=value):
                pairs.append((key, ctx.param(value, "text")))
            case ObjectOut():
                inner = ctx.alias()
                pairs.append((f.key, f"(SELECT {node_json(ctx, f.node, inner)} FROM {ctx.table(f.table)} {inner} "
                                     f"WHERE {_col(inner, f.remote_column)} = {_col(alias, f.local_column)} "
                                     f'AND {inner}."deletedAt" IS NULL LIMIT 1)'))
            case ConnectionOut():
                link = (f.remote_column, _col(alias, f.local_column))
                pairs.append((f.key, connection_json(ctx, f.connection, link)))
    return _json_object(pairs)


# --- filters ----------------------------------------------------------------------------------

def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_sql(ctx: _Ctx, flt: Filter, alias: str) -> str:
    """A boolean SQL expression for a filter over row ``alias``."""
    match flt:
        case And(items=items):
            return "(" + " AND ".join(filter_sql(ctx, i, alias) for i in items) + ")" if items else "TRUE"
        case Or(items=items):
            return "(" + " OR ".join(filter_sql(ctx, i, alias) for i in items) + ")" if items else "FALSE"
        case Not(item=item):
            return f"(NOT coalesce({filter_sql(ctx, item, alias)}, FALSE))"
        case IsNull(column=column, null=null):
            return f"{_col(alias, column)} IS {'' if null else 'NOT '}NULL"
        case Related(table=table, local_column=local, filter=inner, include_deleted=include_deleted):
            r = ctx.alias()
            live = "" if include_deleted else f'AND {r}."deletedAt" IS NULL '
            return (f"EXISTS (SELECT 1 FROM {ctx.table(table)} {r} WHERE {r}.id = {_col(alias, local)} "
                    f"{live}AND {filter_sql(ctx, inner, r)})")
        case Cmp(column=column, op=op, value=value):
            col = _col(alias, column)
            if op == "in":
                return f"{col} = ANY({ctx.param(list(value))})"
            if op == "containsAny":
                return f"{col} && {ctx.param(list(value), 'text[]')}"
            if op == "startsWith":
                return f"{col} LIKE {ctx.param(_escape_like(value) + '%')}"
            if op == "like":
                return f"{col}::text LIKE {ctx.param(value, 'text')}"
            if op == "ilike":
                return f"{col}::text ILIKE {ctx.param(value, 'text')}"
            sql_op = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
            return f"{col} {sql_op} {ctx.param(value)}"
    raise AssertionError(f"unknown filter {flt!r}")


# --- cursors and keyset pagination ------------------------------------------------------------

def encode_cursor_sql(order: list[OrderKey], alias: str) -> str:
    """SQL for a row's cursor: base64 of the JSON array of its sort-key values."""
    values = ", ".join(_col(alias, k.column) for k in order)
    return f"translate(encode(convert_to(json_build_array({values})::text, 'UTF8'), 'base64'), E'\\n', '')"


def decode_cursor(cursor: str) -> list[Any]:
    """The sort-key values in a cursor; ValueError when it is not one of ours."""
    try:
        values = msgspec.json.decode(base64.b64decode(cursor.encode(), validate=True))
    except (ValueError, msgspec.DecodeError) as exc:
        raise ValueError("invalid cursor") from exc
    if not isinstance(values, list):
        raise ValueError("invalid cursor")
    return values


def check_cursor(order: list[OrderKey], values: list[Any]) -> None:
    """ValueError unless ``values`` could be a cursor of a row in this ordering (one value per key, of its type).

    Cursors are opaque to clients, but they come back from them: a forged one must be refused
    before PostgreSQL fails to cast it.
    """
    if len(values) != len(order):
        raise ValueError("the cursor does not belong to this ordering")
    for key, value in zip(order, values, strict=True):
        if value is None:
            continue
        kind = key.sql_type
        if kind in ("double precision", "bigint", "integer", "numeric"):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if ok and kind == "bigint":
                ok = isinstance(value, int) or float(value).is_integer()
        elif kind == "boolean":
            ok = isinstance(value, bool)
        elif kind in ("uuid", "timestamptz", "date"):
            ok = isinstance(value, str) and _parses(kind, value)
        else:
            ok = isinstance(value, str)
        if not ok:
            raise ValueError("the cursor does not belong to this ordering")


def _parses(kind: str, text: str) -> bool:
    try:
        if kind == "uuid":
            uuid.UUID(text)
        elif kind == "date":
            date.fromisoformat(text)
        else:
            datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _after(ctx: _Ctx, key: OrderKey, value: Any, alias: str, backward: bool) -> str:
    """Rows strictly after ``value`` on this key, in the scan direction."""
    col = _col(alias, key.column)
    desc, nulls_first = key.desc != backward, key.nulls_first != backward
    if value is None:
        return f"{col} IS NOT NULL" if nulls_first else "FALSE"
    cmp = f"{col} {'<' if desc else '>'} {ctx.param(_text(value), 'text')}::{key.sql_type}"
    return cmp if nulls_first or key.not_null else f"({cmp} OR {col} IS NULL)"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else msgspec.json.encode(value).decode()


def _equal(ctx: _Ctx, key: OrderKey, value: Any, alias: str) -> str:
    col = _col(alias, key.column)
    if value is None:
        return f"{col} IS NULL"
    return f"{col} = {ctx.param(_text(value), 'text')}::{key.sql_type}"


def keyset_sql(ctx: _Ctx, order: list[OrderKey], values: list[Any], alias: str, backward: bool) -> str:
    """Rows after the cursor ``values`` in ``order`` (read backwards for ``before``)."""
    if len(values) != len(order):
        raise ValueError("cursor does not match the ordering")
    if all(k.not_null and k.desc == order[0].desc for k in order) and None not in values:
        # one row comparison: PostgreSQL walks the (createdAt, id) index straight to the cursor,
        # so a page deep in a large table costs what the first page costs
        columns = ", ".join(_col(alias, k.column) for k in order)
        cursor = ", ".join(f"{ctx.param(_text(v), 'text')}::{k.sql_type}" for k, v in zip(order, values, strict=True))
        return f"(({columns}) {'<' if order[0].desc != backward else '>'} ({cursor}))"
    branches = []
    for i, key in enumerate(order):
        parts = [_equal(ctx, order[j], values[j], alias) for j in range(i)]
        parts.append(_after(ctx, key, values[i], alias, backward))
        branches.append("(" + " AND ".join(parts) + ")")
    return "(" + " OR ".join(branches) + ")"


def _order_sql(order: list[OrderKey], alias: str, backward: bool) -> str:
    items = []
    for k in order:
        desc, nulls_first = k.desc != backward, k.nulls_first != backward
        items.append(f"{_col(alias, k.column)} {'DESC' if desc else 'ASC'} NULLS {'FIRST' if nulls_first else 'LAST'}")
    return ", ".join(items)


def connection_json(ctx: _Ctx, conn: ConnectionSel, link: tuple[str, str] | None = None) -> str:
    """A scalar subquery answering a connection (edges, pageInfo, totalCount) as JSON."""
    inner, page = ctx.alias(), ctx.alias()
    table = ctx.table(conn.table)
    # only edges and pageInfo read the page; a parameter that no SQL text mentions has no type, and
    # PostgreSQL refuses the statement, so the page's parameters exist only when the page is read
    reads_page = any(kind in ("edges", "pageInfo") for _, kind, _ in conn.parts)
    rows = n = ""
    if reads_page:
        where = [filter_sql(ctx, conn.filter, inner)]
        if link is not None:
            where.insert(0, f"{_col(inner, link[0])} = {link[1]}")
        if conn.cursor is not None:
            where.append(keyset_sql(ctx, conn.order, conn.cursor, inner, conn.backward))
        if conn.bound is not None:  # rows before the bound in the scan direction: after it, scanning back
            where.append(keyset_sql(ctx, conn.order, conn.bound, inner, not conn.backward))
        limit = ctx.param(conn.limit + 1, "int")
        n = ctx.param(conn.limit, "int")
        rows = (f"(SELECT {page}.*, row_number() OVER (ORDER BY {_order_sql(conn.order, page, conn.backward)}) "
                f"AS _rn FROM (SELECT {inner}.* FROM {table} {inner} WHERE {' AND '.join(where)} "
                f"ORDER BY {_order_sql(conn.order, inner, conn.backward)} LIMIT {limit}) {page})")
    r = ctx.alias()
    in_page = f"{r}._rn <= {n}"
    # results are numbered in scan order; backwards pages are answered in the requested order
    answer_order = f"{r}._rn DESC" if conn.backward else f"{r}._rn"
    cursor = encode_cursor_sql(conn.order, r)
    pairs: list[tuple[str, str]] = []
    for key, kind, sel in conn.parts:
        if kind == "edges":
            assert isinstance(sel, EdgeSel)
            edge_pairs = []
            for ekey, ekind, esel in sel.fields:
                if ekind == "node":
                    edge_pairs.append((ekey, node_json(ctx, esel, r)))
                elif ekind == "cursor":
                    edge_pairs.append((ekey, cursor))
                else:
                    edge_pairs.append((ekey, ctx.param(esel, "text")))
            pairs.append((key, f"coalesce(json_agg({_json_object(edge_pairs)} ORDER BY {answer_order}) "
                               f"FILTER (WHERE {in_page}), '[]'::json)"))
        elif kind == "pageInfo":
            more = f"(count(*) > {n})"
            given = "TRUE" if conn.has_cursor else "FALSE"
            first = f"(array_agg({cursor} ORDER BY {r}._rn) FILTER (WHERE {in_page}))"
            last = f"(array_agg({cursor} ORDER BY {r}._rn DESC) FILTER (WHERE {in_page}))"
            values = {
                "hasNextPage": given if conn.backward else more,
                "hasPreviousPage": more if conn.backward else given,
                "startCursor": f"{last}[1]" if conn.backward else f"{first}[1]",
                "endCursor": f"{first}[1]" if conn.backward else f"{last}[1]",
            }
            info = [(k, values[name] if name in values else ctx.param("PageInfo", "text")) for k, name in sel]
            pairs.append((key, _json_object(info)))
        elif kind == "totalCount":
            c = ctx.alias()
            count_where = filter_sql(ctx, conn.filter, c)
            if link is not None:
                count_where = f"{_col(c, link[0])} = {link[1]} AND {count_where}"
            pairs.append((key, f"(SELECT count(*) FROM {table} {c} WHERE {count_where})"))
        else:
            pairs.append((key, ctx.param(sel, "text")))
    if not reads_page:  # no aggregate would fold the page's rows into one: read no page at all
        return f"(SELECT {_json_object(pairs)})"
    return f"(SELECT {_json_object(pairs)} FROM {rows} {r})"


def find_one_json(ctx: _Ctx, find: FindOne) -> str:
    """A scalar subquery answering one record (or null)."""
    a = ctx.alias()
    return (f"(SELECT {node_json(ctx, find.node, a)} FROM {ctx.table(find.table)} {a} "
            f"WHERE {filter_sql(ctx, find.filter, a)} ORDER BY {a}.id LIMIT 1)")


def compile_reads(schema: str, reads: list[tuple[str, Read]]) -> tuple[str, list[Any]]:
    """One statement answering several root fields: ``{"key": …, …}`` as JSON text."""
    ctx = _Ctx(schema)
    pairs = []
    for key, read in reads:
        pairs.append((key, connection_json(ctx, read) if isinstance(read, ConnectionSel) else find_one_json(ctx, read)))
    return f"SELECT {_json_object(pairs)}::text", ctx.q.params


# --- writes -----------------------------------------------------------------------------------

def _event_insert(ctx: _Ctx, source: str, event: str, object_name: str, record: NodeSel,
                  before: str | None = None) -> str:
    events = ctx.table(EVENT_TABLE)
    a = ctx.alias()
    data = f"{node_json(ctx, record, a)}::jsonb"
    if before is None:
        return (f'INSERT INTO {events} (event, "objectName", "recordId", data) '
                f"SELECT {ctx.param(f'{object_name}.{event}', 'text')}, {ctx.param(object_name, 'text')}, {a}.id, "
                f"{data} FROM {source} {a} ORDER BY {a}.id")
    b = ctx.alias()
    return (f'INSERT INTO {events} (event, "objectName", "recordId", data, before) '
            f"SELECT {ctx.param(f'{object_name}.{event}', 'text')}, {ctx.param(object_name, 'text')}, {a}.id, "
            f"{data}, {node_json(ctx, record, b)}::jsonb FROM {source} {a} JOIN {before} {b} ON {b}.id = {a}.id "
            f"ORDER BY {a}.id")


def _answer(ctx: _Ctx, source: str, node: NodeSel | None, ids: list[str], single: bool) -> str:
    a = ctx.alias()
    if node is None:
        body = "json_build_object()"
    else:
        body = node_json(ctx, node, a)
    if single:
        return f"SELECT {body}::text FROM {source} {a} LIMIT 1"
    order = ctx.param(ids, "uuid[]")
    return (f"SELECT coalesce(json_agg({body} ORDER BY array_position({order}, {a}.id)), '[]'::json)::text "
            f"FROM {source} {a}")


def _unnest_column(sql_type: str, value: str) -> str:
    # arrays of arrays cannot be unnested column by column, and asyncpg reads a list inside a jsonb[]
    # parameter as one more dimension: MULTI_SELECT and JSON values travel as JSON text
    if sql_type == "text[]":
        return f"CASE WHEN {value} IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text({value}::jsonb)) END"
    if sql_type == "jsonb":
        return f"{value}::jsonb"
    return value


def _json_text(value: Any) -> str | None:
    return None if value is None else msgspec.json.encode(value).decode()


def _changes(ctx: _Ctx, write: Write) -> str:
    """``WITH _changed AS (…), _events AS (…)``: the change and its event rows; ``_changed`` holds the rows."""
    table = ctx.table(write.table)
    ids = write.ids
    match write:
        case InsertRows() if not write.rows:  # createCompanies(data: []): nothing to insert, nothing to log
            return f"WITH _changed AS (SELECT * FROM {table} WHERE FALSE)"
        case InsertRows():
            arrays, names, selects = [], [], []
            u = ctx.alias()
            for i, (_column, sql_type) in enumerate(write.columns):
                values = [row[i] for row in write.rows]
                if sql_type in ("text[]", "jsonb"):
                    arrays.append(ctx.param([_json_text(v) for v in values], "text[]"))
                else:
                    arrays.append(ctx.param(values, f"{sql_type}[]"))
                names.append(f"c_{i}")
                selects.append(_unnest_column(sql_type, f"{u}.c_{i}"))
            cols = ", ".join(ident(c) for c, _ in write.columns)
            source = (f"INSERT INTO {table} ({cols}) SELECT {', '.join(selects)} "
                      f"FROM unnest({', '.join(arrays)}) AS {u}({', '.join(names)}) RETURNING *")
            events = _event_insert(ctx, "_changed", "created", write.object_name, write.record)
            return f"WITH _changed AS ({source}), _events AS ({events})"
        case UpdateRows():
            o = ctx.alias()
            sets = [f"{ident(c)} = {ctx.param(v, t)}" for c, t, v in write.sets]
            alive = {"updated": "IS NULL", "deleted": "IS NULL", "restored": "IS NOT NULL"}[write.event]
            sets.append({"updated": '"updatedAt" = now()', "deleted": '"deletedAt" = now()',
                         "restored": '"deletedAt" = NULL'}[write.event])
            old = (f"SELECT * FROM {table} {o} WHERE {o}.id = ANY({ctx.param(ids, 'uuid[]')}) "
                   f'AND {o}."deletedAt" {alive} ORDER BY {o}.id FOR UPDATE')
            t = ctx.alias()
            changed = f"UPDATE {table} {t} SET {', '.join(sets)} FROM _old WHERE {t}.id = _old.id RETURNING {t}.*"
            events = _event_insert(ctx, "_changed", write.event, write.object_name, write.record,
                                   before="_old" if write.event == "updated" else None)
            return f"WITH _old AS ({old}), _changed AS ({changed}), _events AS ({events})"
        case DestroyRows():
            source = f"DELETE FROM {table} WHERE id = ANY({ctx.param(ids, 'uuid[]')}) RETURNING *"
            events = _event_insert(ctx, "_changed", "destroyed", write.object_name, write.record)
            return f"WITH _changed AS ({source}), _events AS ({events})"
    raise AssertionError(f"unknown write {write!r}")


def compile_write(schema: str, write: Write) -> tuple[str, list[Any]]:
    """One statement that changes rows, logs their events, and answers their JSON.

    The answer is built from the rows the statement returns; relations in it are read as they were
    before the statement (see ``compile_write_statements``).
    """
    ctx = _Ctx(schema)
    changes = _changes(ctx, write)
    return f"{changes} {_answer(ctx, '_changed', write.node, write.ids, write.single)}", ctx.q.params


_WRITTEN = "'twenty.written_ids'"  # a transaction-local setting: the ids the last change touched


def compile_write_statements(schema: str, write: Write) -> list[tuple[str, list[Any]]]:
    """Statements, run in order in one transaction, that change rows, log their events and answer their JSON.

    The last statement answers. One statement where it can be: a statement does not see its own
    changes, so when the answer's relations lead back to the written table (``updateCompany { people
    { edges { node { company { name } } } } }``) one statement would answer the old values. Then the
    change records the ids it touched in a transaction-local setting, and a second statement answers
    from the table as changed. Destroyed rows are gone: they are always answered as they were.
    """
    if write.node is None or isinstance(write, DestroyRows) or not _revisits(write.node, write.table):
        return [compile_write(schema, write)]
    ctx = _Ctx(schema)
    change = (f"{_changes(ctx, write)} SELECT set_config({_WRITTEN}, coalesce(array_agg(id)::text, '{{}}'), true) "
              "FROM _changed")
    answer_ctx = _Ctx(schema)
    t = answer_ctx.alias()
    source = (f"(SELECT * FROM {answer_ctx.table(write.table)} {t} "
              f"WHERE {t}.id = ANY(coalesce(current_setting({_WRITTEN}, true), '{{}}')::uuid[]))")
    answer = _answer(answer_ctx, source, write.node, write.ids, write.single)
    return [(change, ctx.q.params), (answer, answer_ctx.q.params)]


def _revisits(node: NodeSel, table: str) -> bool:
    """Whether answering ``node`` reads ``table`` through a relation (a record, a connection or a filter)."""
    for f in node.fields:
        match f:
            case CompositeOut(node=sub):
                if _revisits(sub, table):
                    return True
            case ObjectOut():
                if f.table == table or _revisits(f.node, table):
                    return True
            case ConnectionOut(connection=conn):
                if conn.table == table or _filter_reads(conn.filter, table):
                    return True
                for _key, kind, sel in conn.parts:
                    if kind == "edges" and any(ek == "node" and _revisits(es, table) for _, ek, es in sel.fields):
                        return True
    return False


def _filter_reads(flt: Filter, table: str) -> bool:
    match flt:
        case And(items=items) | Or(items=items):
            return any(_filter_reads(i, table) for i in items)
        case Not(item=item):
            return _filter_reads(item, table)
        case Related(table=related, filter=inner):
            return related == table or _filter_reads(inner, table)
    return False
