"""Compile read plans (ir.py) to one SQL statement each, whose single column is the answer's JSON.

The one read compiler of both APIs: GraphQL connections and REST lists share the page of rows
(filter, keyset, offset, limit); records, filters and cursors are built by the same functions.
Statements are SQL fragments (sql.py): values are parameters, names go through ``ident()``, JSON keys
are GraphQL names. Nested selections become correlated subqueries inside the one statement, so a
request costs one round trip whatever its depth. Values are bound as the plan holds them, so the
text depends only on the plan's shape and one prepared statement serves every request of that shape.
"""

from __future__ import annotations

from typing import Any

from .ir import (
    And,
    Cmp,
    CompositeOut,
    ConnectionOut,
    ConnectionSel,
    ConstOut,
    EdgeSel,
    Filter,
    FindOne,
    IsNull,
    ListOut,
    ListSel,
    MatchIds,
    NodeSel,
    Not,
    ObjectOut,
    Or,
    OrderKey,
    Page,
    Read,
    Related,
    ScalarOut,
)
from .sql import FALSE, SQL, TRUE, column, join, json_key, name, raw, sql, value

_MAX_PAIRS = 50  # json_build_object takes at most 100 arguments
_TS_FORMAT = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"
_COMPARE = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


class Ctx:
    """Table aliases of one statement, the workspace schema its tables live in, and its bound operands."""

    __slots__ = ("_aliases", "_operands", "schema", "seen_as")

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self._aliases = 0
        self._operands: dict[int, SQL] = {}
        self.seen_as: dict[str, SQL] = {}  # a table read as something else (a write's answer: as changed)

    def operand(self, cmp: Cmp, cast: str | None = None) -> SQL:
        """The parameter of a comparison's value: one ``$n`` however often the filter is written.

        A list's page and its count both test the filter; its values are bound once.
        """
        bound = self._operands.get(id(cmp))  # the plan outlives the statement: ids are not reused meanwhile
        if bound is None:
            bound = self._operands[id(cmp)] = value(cmp.value, cast)
        return bound

    def alias(self) -> str:
        """A fresh table alias (``t1``, ``t2``…), written by us."""
        self._aliases += 1
        return f"t{self._aliases}"

    def table(self, table: str) -> SQL:
        """The quoted ``schema.table`` (or what the statement reads in its place, see ``seen_as``)."""
        seen = self.seen_as.get(table)
        return name(self.schema, table) if seen is None else seen


def json_object(pairs: list[tuple[str, SQL]]) -> SQL:
    """``json_build_object(key, value, …)`` keeping the keys in order, however many."""
    if not pairs:
        return raw("json_build_object()")
    chunks = [pairs[i:i + _MAX_PAIRS] for i in range(0, len(pairs), _MAX_PAIRS)]
    objects = [sql("json_build_object(", join(sql(json_key(k), ", ", v) for k, v in c), ")") for c in chunks]
    if len(objects) == 1:
        return objects[0]
    # several objects spliced as text ({a…} + {b…} → {a…,b…}): jsonb would merge them but sort the keys,
    # and an answer's keys must keep the order of the selection
    texts = [sql(o, "::text") for o in objects]
    parts = [sql("left(", texts[0], ", -1)")]
    parts.extend(sql("substr(left(", t, ", -1), 2)") for t in texts[1:-1])
    parts.append(sql("substr(", texts[-1], ", 2)"))
    return sql("(", join(parts, " || ',' || "), ")::json")


def _scalar(alias: str, out: ScalarOut) -> SQL:
    col = column(alias, out.column)
    if out.kind == "timestamp":
        return sql("to_char(", col, " AT TIME ZONE 'UTC', ", _TS_FORMAT, ")")
    return col


def node_json(ctx: Ctx, node: NodeSel, alias: str) -> SQL:
    """The JSON object of one record (row ``alias``) for a selection."""
    pairs: list[tuple[str, SQL]] = []
    for f in node.fields:
        match f:
            case ScalarOut():
                pairs.append((f.key, _scalar(alias, f)))
            case CompositeOut(key=key, node=sub):
                pairs.append((key, node_json(ctx, sub, alias)))
            case ConstOut(key=key, value=text):
                pairs.append((key, value(text, "text")))
            case ObjectOut():
                r = ctx.alias()
                pairs.append((f.key, sql("(SELECT ", node_json(ctx, f.node, r), " FROM ", ctx.table(f.table), " ", r,
                                         " WHERE ", column(r, f.remote_column), " = ", column(alias, f.local_column),
                                         " AND ", _live(r), " LIMIT 1)")))
            case ConnectionOut():
                link = (f.remote_column, column(alias, f.local_column))
                pairs.append((f.key, connection_json(ctx, f.connection, link)))
            case ListOut():
                pairs.append((f.key, _list_json(ctx, f, alias)))
    return json_object(pairs)


def _live(alias: str) -> SQL:
    return sql(column(alias, "deletedAt"), " IS NULL")


def _list_json(ctx: Ctx, f: ListOut, alias: str) -> SQL:
    """Related records as a JSON array, oldest first (REST's embedded to-many relations)."""
    inner, rows = ctx.alias(), ctx.alias()
    return sql("(SELECT coalesce(json_agg(", node_json(ctx, f.node, rows), " ORDER BY ",
               column(rows, "createdAt"), " ASC, ", column(rows, "id"), " ASC), '[]'::json) FROM (SELECT ",
               inner, ".* FROM ", ctx.table(f.table), " ", inner, " WHERE ", column(inner, f.remote_column), " = ",
               column(alias, f.local_column), " AND ", _live(inner), " ORDER BY ", column(inner, "createdAt"),
               " ASC, ", column(inner, "id"), " ASC LIMIT ", value(f.limit, "int"), ") ", rows, ")")


# --- filters ----------------------------------------------------------------------------------

def filter_sql(ctx: Ctx, flt: Filter, alias: str) -> SQL:
    """A boolean SQL expression for a filter over row ``alias``."""
    match flt:
        case And(items=[item]) | Or(items=[item]):
            return filter_sql(ctx, item, alias)
        case And(items=items):
            return sql("(", join((filter_sql(ctx, i, alias) for i in items), " AND "), ")") if items else TRUE
        case Or(items=items):
            return sql("(", join((filter_sql(ctx, i, alias) for i in items), " OR "), ")") if items else FALSE
        case Not(item=item):
            return sql("(NOT coalesce(", filter_sql(ctx, item, alias), ", FALSE))")
        case IsNull(column=col, null=null):
            return sql(column(alias, col), " IS NULL" if null else " IS NOT NULL")
        case Related(table=table, local_column=local, filter=inner, include_deleted=include_deleted):
            r = ctx.alias()
            live = sql() if include_deleted else sql(" AND ", _live(r))
            return sql("EXISTS (SELECT 1 FROM ", ctx.table(table), " ", r, " WHERE ", column(r, "id"), " = ",
                       column(alias, local), live, " AND ", filter_sql(ctx, inner, r), ")")
        case Cmp(column=col, op=op):
            c = column(alias, col)
            if op == "in":
                return sql(c, " = ANY(", ctx.operand(flt), ")")
            if op == "containsAny":
                return sql(c, " && ", ctx.operand(flt, "text[]"))
            if op == "startsWith":  # the operand is the LIKE pattern: escaped prefix then %
                return sql(c, " LIKE ", ctx.operand(flt))
            if op in ("like", "ilike"):
                return sql(c, "::text LIKE " if op == "like" else "::text ILIKE ", ctx.operand(flt, "text"))
            return sql(c, " ", _COMPARE[op], " ", ctx.operand(flt))
    raise AssertionError(f"unknown filter {flt!r}")


# --- cursors and keyset pagination ------------------------------------------------------------

def encode_cursor_sql(order: list[OrderKey], alias: str) -> SQL:
    """SQL for a row's cursor: base64 of the JSON array of its sort-key values."""
    values = join(column(alias, k.column) for k in order)
    return sql("translate(encode(convert_to(json_build_array(", values, ")::text, 'UTF8'), 'base64'), E'\\n', '')")


def _item(cursor: SQL, index: int, key: OrderKey) -> SQL:
    # the cursor is one text[] parameter; its items cast back to the key's type (index: our own int)
    return sql("(", cursor, ")[", str(index + 1), "]::", key.sql_type)


def keyset_sql(order: list[OrderKey], cursor: SQL, alias: str, backward: bool) -> SQL:
    """Rows after the cursor (a ``text[]`` of sort-key values) in ``order`` (read backwards for ``before``).

    Written so that the text does not depend on the cursor's values: a key that may hold NULL tests
    its cursor item for NULL in SQL.
    """
    if all(k.not_null and k.desc == order[0].desc for k in order):
        # one row comparison: PostgreSQL walks the (createdAt, id) index straight to the cursor,
        # so a page deep in a large table costs what the first page costs
        columns = join(column(alias, k.column) for k in order)
        items = join(_item(cursor, i, k) for i, k in enumerate(order))
        return sql("((", columns, ") ", "<" if order[0].desc != backward else ">", " (", items, "))")
    branches = []
    for i, key in enumerate(order):
        parts = [_equal(order[j], _item(cursor, j, order[j]), alias) for j in range(i)]
        parts.append(_after(key, _item(cursor, i, key), alias, backward))
        branches.append(sql("(", join(parts, " AND "), ")"))
    return sql("(", join(branches, " OR "), ")")


def _equal(key: OrderKey, item: SQL, alias: str) -> SQL:
    col = column(alias, key.column)
    if key.not_null:
        return sql(col, " = ", item)
    return sql(col, " IS NOT DISTINCT FROM ", item)


def _after(key: OrderKey, item: SQL, alias: str, backward: bool) -> SQL:
    """Rows strictly after the cursor's item on this key, in the scan direction."""
    col = column(alias, key.column)
    desc, nulls_first = key.desc != backward, key.nulls_first != backward
    cmp = sql(col, " < " if desc else " > ", item)
    if key.not_null:
        return cmp
    if nulls_first:  # after a NULL come all values; after a value, the larger values
        return sql("(", cmp, " OR (", item, " IS NULL AND ", col, " IS NOT NULL))")
    # NULLs come last: after a NULL nothing comes; after a value, larger values then the NULLs
    return sql("(", item, " IS NOT NULL AND (", cmp, " OR ", col, " IS NULL))")


def order_sql(order: list[OrderKey], alias: str, backward: bool) -> SQL:
    """``ORDER BY`` items of a page in its scan direction."""
    items = []
    for k in order:
        desc, nulls_first = k.desc != backward, k.nulls_first != backward
        items.append(sql(column(alias, k.column), " DESC" if desc else " ASC",
                         " NULLS FIRST" if nulls_first else " NULLS LAST"))
    return join(items)


class _Rows:
    """The rows of a page, read once, with what answers need from them.

    ``numbered`` pages (pageInfo, REST's meta) read one row more than the limit, to know whether more
    follow, and number the rows in scan order (``_rn``) to leave that row out of the answer. Other pages
    read exactly their rows: ``SELECT … ORDER BY … LIMIT n``, folded by one ``json_agg``, with no window
    and no filter over its rows.
    """

    def __init__(self, ctx: Ctx, page: Page, link: tuple[str, SQL] | None, *, numbered: bool) -> None:
        inner = ctx.alias()
        self.page = page
        self.limit = value(page.limit, "int")
        where = [filter_sql(ctx, page.filter, inner)]
        if link is not None:
            where.insert(0, sql(column(inner, link[0]), " = ", link[1]))
        if page.cursor is not None:
            where.append(keyset_sql(page.order, value(page.cursor, "text[]"), inner, page.backward))
        if page.bound is not None:  # rows before the bound in the scan direction: after it, scanning back
            where.append(keyset_sql(page.order, value(page.bound, "text[]"), inner, not page.backward))
        self.offset = None if page.offset is None else value(page.offset, "bigint")
        offset = sql() if self.offset is None else sql(" OFFSET ", self.offset)
        scan = sql("SELECT ", inner, ".* FROM ", ctx.table(page.table), " ", inner, " WHERE ",
                   join(where, " AND "), " ORDER BY ", order_sql(page.order, inner, page.backward), offset,
                   " LIMIT ", self.limit)
        if not numbered:
            self.source = sql("(", scan, ")")
            self.r = r = ctx.alias()
            self.cursor = encode_cursor_sql(page.order, r)
            # the answer keeps the order asked for, also when the page was read backwards
            self._agg_order = order_sql(page.order, r, False)
            self._agg_filter = sql()
            return
        numbering = ctx.alias()
        self.source = sql("(SELECT ", numbering, ".*, row_number() OVER (ORDER BY ",
                          order_sql(page.order, numbering, page.backward), ") AS _rn FROM (", scan, " + 1) ",
                          numbering, ")")
        self.r = r = ctx.alias()
        in_page = sql(r, "._rn <= ", self.limit)
        # results are numbered in scan order; backwards pages are answered in the requested order
        self._agg_order = raw(r + "._rn DESC" if page.backward else r + "._rn")
        self._agg_filter = sql(" FILTER (WHERE ", in_page, ")")
        self.more = sql("(count(*) > ", self.limit, ")")
        cursor = encode_cursor_sql(page.order, r)
        first = sql("(array_agg(", cursor, " ORDER BY ", r, "._rn) FILTER (WHERE ", in_page, "))[1]")
        last = sql("(array_agg(", cursor, " ORDER BY ", r, "._rn DESC) FILTER (WHERE ", in_page, "))[1]")
        self.start, self.end = (last, first) if page.backward else (first, last)
        self.cursor = cursor

    def agg(self, record: SQL) -> SQL:
        """The page's records as a JSON array, in the order asked for."""
        return sql("coalesce(json_agg(", record, " ORDER BY ", self._agg_order, ")", self._agg_filter,
                   ", '[]'::json)")


def _count(ctx: Ctx, page: Page, link: tuple[str, SQL] | None) -> SQL:
    c = ctx.alias()
    where = filter_sql(ctx, page.filter, c)
    if link is not None:
        where = sql(column(c, link[0]), " = ", link[1], " AND ", where)
    return sql("(SELECT count(*) FROM ", ctx.table(page.table), " ", c, " WHERE ", where, ")")


def connection_json(ctx: Ctx, conn: ConnectionSel, link: tuple[str, SQL] | None = None) -> SQL:
    """A scalar subquery answering a connection (edges, pageInfo, totalCount) as JSON."""
    page = conn.page
    # only edges and pageInfo read the page: without them no aggregate would fold its rows into one;
    # only pageInfo needs to know whether more rows follow
    kinds = {kind for _, kind, _ in conn.parts}
    rows = _Rows(ctx, page, link, numbered="pageInfo" in kinds) if kinds & {"edges", "pageInfo"} else None
    pairs: list[tuple[str, SQL]] = []
    for key, kind, sel in conn.parts:
        if kind == "edges":
            assert isinstance(sel, EdgeSel) and rows is not None
            edge: list[tuple[str, SQL]] = []
            for ekey, ekind, esel in sel.fields:
                if ekind == "node":
                    edge.append((ekey, node_json(ctx, esel, rows.r)))
                elif ekind == "cursor":
                    edge.append((ekey, rows.cursor))
                else:
                    edge.append((ekey, value(esel, "text")))
            pairs.append((key, rows.agg(json_object(edge))))
        elif kind == "pageInfo":
            assert rows is not None
            given = TRUE if page.cursor is not None else FALSE
            values = {"hasNextPage": given if page.backward else rows.more,
                      "hasPreviousPage": rows.more if page.backward else given,
                      "startCursor": rows.start, "endCursor": rows.end}
            pairs.append((key, json_object([(k, values[n] if n in values else value("PageInfo", "text"))
                                            for k, n in sel])))
        elif kind == "totalCount":
            pairs.append((key, _count(ctx, page, link)))
        else:
            pairs.append((key, value(sel, "text")))
    if rows is None:
        return sql("(SELECT ", json_object(pairs), ")")
    return sql("(SELECT ", json_object(pairs), " FROM ", rows.source, " ", rows.r, ")")


def list_json(ctx: Ctx, lst: ListSel) -> SQL:
    """``{"data": [...], "meta": {"totalCount", "hasMore", "startCursor", "endCursor"}}`` of a REST list.

    ``hasMore`` says whether rows remain beyond this page in the reading direction (after it, or
    before it for ``ending_before``); ``totalCount`` counts every row matching the filter.
    """
    page = lst.page
    rows = _Rows(ctx, page, None, numbered=True)
    total = _count(ctx, page, None)
    if page.cursor is None and rows.offset is not None:
        # a page that is not full, read from a known offset, ends the list: its rows give the total
        # without the count (CASE runs the subquery only when its branch is taken)
        offset = rows.offset
        total = sql("(CASE WHEN count(*) <= ", rows.limit, " AND (count(*) > 0 OR ", offset, " = 0) THEN ", offset,
                    " + count(*) ELSE ", total, " END)")
    meta = json_object([("totalCount", total), ("hasMore", rows.more), ("startCursor", rows.start),
                        ("endCursor", rows.end)])
    page_of = sql("SELECT ", rows.agg(node_json(ctx, lst.node, rows.r)), " AS data, ", meta, " AS meta FROM ",
                  rows.source, " ", rows.r)
    # Twenty's keys beside API.md's meta: pageInfo (in the reading direction) and totalCount
    x = ctx.alias()
    m = sql(x, ".meta")
    more = sql("(", m, "->'hasMore')")
    if page.backward:
        has_next, has_previous = TRUE, more
    else:
        has_next = more
        has_previous = TRUE if page.cursor is not None else FALSE if rows.offset is None else \
            sql("(", rows.offset, " > 0)")
    page_info = json_object([("hasNextPage", has_next), ("hasPreviousPage", has_previous),
                             ("startCursor", sql(m, "->'startCursor'")), ("endCursor", sql(m, "->'endCursor'"))])
    if lst.key is None:
        body = json_object([("data", sql(x, ".data")), ("meta", m), ("pageInfo", page_info),
                            ("totalCount", sql(m, "->'totalCount'"))])
    else:  # Twenty's envelope
        body = json_object([("data", json_object([(lst.key, sql(x, ".data"))])), ("pageInfo", page_info),
                            ("totalCount", sql(m, "->'totalCount'"))])
    return sql("(SELECT ", body, " FROM (", page_of, ") ", x, ")")


def find_one_json(ctx: Ctx, find: FindOne) -> SQL:
    """A scalar subquery answering one record (or null)."""
    a = ctx.alias()
    record = node_json(ctx, find.node, a)
    if find.key is not None:
        record = json_object([(find.key, record)])
    if find.envelope is not None:
        record = json_object([(find.envelope, record)])
    return sql("(SELECT ", record, " FROM ", ctx.table(find.table), " ", a, " WHERE ", filter_sql(ctx, find.filter, a),
               " ORDER BY ", column(a, "id"), " LIMIT 1)")


def match_ids_json(ctx: Ctx, match: MatchIds) -> SQL:
    """A scalar subquery answering the JSON array of the ids matching a filter, ascending."""
    a, m = ctx.alias(), ctx.alias()
    ids = sql("SELECT ", column(a, "id"), " FROM ", ctx.table(match.table), " ", a, " WHERE ",
              filter_sql(ctx, match.filter, a), " ORDER BY ", column(a, "id"), " LIMIT ", value(match.limit, "int"))
    return sql("(SELECT coalesce(json_agg(", column(m, "id"), " ORDER BY ", column(m, "id"), "), '[]'::json) FROM (",
               ids, ") ", m, ")")


def read_json(ctx: Ctx, read: Read) -> SQL:
    """A scalar subquery answering one read."""
    match read:
        case ConnectionSel():
            return connection_json(ctx, read)
        case ListSel():
            return list_json(ctx, read)
        case FindOne():
            return find_one_json(ctx, read)
        case MatchIds():
            return match_ids_json(ctx, read)
    raise AssertionError(f"unknown read {read!r}")


def compile_reads(schema: str, reads: list[tuple[str, Read]]) -> tuple[str, list[Any]]:
    """One statement answering several root fields: ``{"key": …, …}`` as JSON text."""
    ctx = Ctx(schema)
    pairs = [(key, read_json(ctx, read)) for key, read in reads]
    return sql("SELECT ", json_object(pairs), "::text").compile()


def compile_read(schema: str, read: Read) -> tuple[str, list[Any]]:
    """One statement answering one read as JSON text (NULL when a record is not found)."""
    return sql("SELECT ", read_json(Ctx(schema), read), "::text").compile()
