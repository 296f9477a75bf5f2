"""Compile write plans (ir.py) to statements that change rows, log their events and answer their JSON.

Every change and its event rows are one statement (``WITH _changed AS (…), _events AS (…)``), so a
write is atomic with its event log (the transactional outbox) and costs one round trip. Values are
bound as the plan holds them: a create's columns travel as one array parameter each (``unnest``), so
the text depends only on which columns are written, not on how many rows or which values.
"""

from __future__ import annotations

from typing import Any

from .compile import Ctx, filter_sql, node_json
from .ddl import EVENT_TABLE
from .ir import (
    And,
    CompositeOut,
    ConnectionOut,
    DestroyRows,
    Filter,
    InsertRows,
    NodeSel,
    Not,
    ObjectOut,
    Or,
    Related,
    UpdateRows,
    Write,
)
from .sql import SQL, column, join, name, raw, sql, value

_STAMP = {"updated": '"updatedAt" = now()', "deleted": '"deletedAt" = now()', "restored": '"deletedAt" = NULL'}
_ALIVE = {"updated": " IS NULL", "deleted": " IS NULL", "restored": " IS NOT NULL"}
_TARGET = raw("t0")  # the alias of an insert's table (ctx.alias() counts from t1)


def _event_insert(ctx: Ctx, event: str, object_name: str, record: NodeSel, before: bool) -> SQL:
    """Event rows for the rows in ``_changed`` (with their state in ``_old`` as ``before``)."""
    events = ctx.table(EVENT_TABLE)
    a = ctx.alias()
    data = sql(node_json(ctx, record, a), "::jsonb")
    head = sql("INSERT INTO ", events, ' (event, "objectName", "recordId", data', ", before" if before else "",
               ") SELECT ", value(f"{object_name}.{event}", "text"), ", ", value(object_name, "text"), ", ",
               column(a, "id"), ", ", data)
    if not before:
        return sql(head, " FROM _changed ", a, " ORDER BY ", column(a, "id"))
    b = ctx.alias()
    return sql(head, ", ", node_json(ctx, record, b), "::jsonb FROM _changed ", a, " JOIN _old ", b, " ON ",
               column(b, "id"), " = ", column(a, "id"), " ORDER BY ", column(a, "id"))


def _answer(ctx: Ctx, source: SQL, write: Write) -> SQL:
    """The written rows' JSON, in the order the write gave them (an upsert's: its rows' order)."""
    a = ctx.alias()
    body = raw("json_build_object()") if write.node is None else node_json(ctx, write.node, a)
    if write.single:
        return sql("SELECT ", body, "::text FROM ", source, " ", a, " LIMIT 1")
    if isinstance(write, InsertRows) and write.updates is not None and write.rows:
        order = sql("(SELECT n FROM _match WHERE _match.id = ", column(a, "id"), ")")
    else:
        order = sql("array_position(", value(write.ids, "uuid[]"), ", ", column(a, "id"), ")")
    return sql("SELECT coalesce(json_agg(", body, " ORDER BY ", order, "), '[]'::json)::text FROM ", source,
               " ", a)


def _unnest_column(sql_type: str, item: SQL) -> SQL:
    # arrays of arrays cannot be unnested column by column, and asyncpg reads a list inside a jsonb[]
    # parameter as one more dimension: MULTI_SELECT and JSON values travel as JSON text
    if sql_type == "text[]":
        return sql("CASE WHEN ", item, " IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(", item,
                   "::jsonb)) END")
    if sql_type == "jsonb":
        return sql(item, "::jsonb")
    return item


def _insert(ctx: Ctx, write: InsertRows, rows: list[list[Any]]) -> SQL:
    """``INSERT INTO table (columns) SELECT … FROM unnest(…)``: a column's values in one array."""
    u = ctx.alias()
    arrays, selects = [], []
    for i, (_column, sql_type) in enumerate(write.columns):
        items = [row[i] for row in rows]
        array_type = "text[]" if sql_type in ("text[]", "jsonb") else f"{sql_type}[]"
        arrays.append(value(items, array_type))
        selects.append(_unnest_column(sql_type, raw(f"{u}.c_{i}")))
    names = join(raw(f"c_{i}") for i in range(len(write.columns)))
    targets = join(name(c) for c, _ in write.columns)
    return sql("INSERT INTO ", ctx.table(write.table), " (", targets, ") SELECT ", join(selects),
               " FROM unnest(", join(arrays), ") AS ", u, "(", names, ")")


def _group(n: int) -> SQL:
    """The name of the ``n``th group's insert in an upsert (``_u0``, ``_u1``…), written by us."""
    return raw(f"_u{n}")


def _match(ctx: Ctx, write: InsertRows) -> SQL:
    """``_match (n, id)``: each row (numbered from 1) and the id it is written under.

    That is the id of the one record (live or deleted) that has the row's id or the value the row gives
    of a unique column, else the row's own id (given or made). A row that matches two records fails the
    statement: the scalar subquery returns two rows (SQLSTATE 21000), as Twenty refuses to guess. An
    empty text identifies nothing, as the unique index leaves it out.
    """
    assert write.updates is not None
    index = {c: i for i, (c, _) in enumerate(write.columns)}
    arrays, names = [value(write.ids, "uuid[]")], [raw("id")]
    i, m = ctx.alias(), ctx.alias()
    conditions = [sql(column(m, "id"), " = ", column(i, "id"))]
    for k, (key, sql_type) in enumerate(write.keys):
        items = [row[index[key]] if key in given else None
                 for row, given in zip(write.rows, write.updates, strict=True)]
        if all(item is None for item in items):
            continue  # no row gives this key: it cannot match
        arrays.append(value(items, f"{sql_type}[]"))
        names.append(raw(f"k_{k}"))
        condition = sql(column(m, key), " = ", column(i, f"k_{k}"))
        if sql_type == "text":  # the unique index's own condition, so that the index is used
            condition = sql("(", condition, " AND ", column(m, key), " <> '')")
        conditions.append(condition)
    names.append(raw("n"))
    matched = sql("(SELECT DISTINCT ", column(m, "id"), " FROM ", ctx.table(write.table), " ", m, " WHERE ",
                  join(conditions, " OR "), ")")
    return sql("SELECT ", column(i, "n"), ", coalesce(", matched, ", ", column(i, "id"),
               ") AS id FROM unnest(", join(arrays), ") WITH ORDINALITY AS ", i, "(", join(names), ")")


# fails the statement (SQLSTATE 21000) when two rows of an upsert match one record: it returns a row
# for each ordered pair of them, so two at least; otherwise none (NULL)
_ONE_ROW_EACH = raw("(SELECT 1 FROM _match a JOIN _match b ON a.id = b.id AND a.n <> b.n) IS NULL")


def _upsert(ctx: Ctx, write: InsertRows) -> SQL:
    """``WITH _match, _old, _u0…, _changed, _events``: rows inserted, or updated where they match a record.

    Rows are inserted under the id ``_match`` found for them, in groups of those that give the same
    columns: ``ON CONFLICT (id) DO UPDATE`` sets the columns of its own statement, so a row that leaves
    a field out leaves it as it was. Whether a row was inserted or updated is what PostgreSQL reports
    (``xmax = 0``: inserted), not what ``_old`` saw, so an insert of the same id committed meanwhile by
    another transaction is still an update.
    """
    assert write.updates is not None
    groups: dict[tuple[str, ...], list[int]] = {}
    for n, columns in enumerate(write.updates):
        groups.setdefault(tuple(columns), []).append(n)
    o = ctx.alias()
    old = sql("SELECT * FROM ", ctx.table(write.table), " ", o, " WHERE ", column(o, "id"),
              " IN (SELECT id FROM _match)")
    parts = [sql("_match AS (", _match(ctx, write), ")"), sql("_old AS (", old, ")")]
    for g, (columns, numbers) in enumerate(groups.items()):
        sets = [sql(name(c), " = EXCLUDED.", name(c)) for c in columns]
        sets += [raw('"updatedAt" = now()'), raw('"deletedAt" = NULL')]
        u, m = ctx.alias(), ctx.alias()
        arrays, names, selects = [], [], []
        for i, (col, sql_type) in enumerate(write.columns):
            if col == "id":
                selects.append(column(m, "id"))
                continue
            array_type = "text[]" if sql_type in ("text[]", "jsonb") else f"{sql_type}[]"
            arrays.append(value([write.rows[n][i] for n in numbers], array_type))
            names.append(raw(f"c_{i}"))
            selects.append(_unnest_column(sql_type, raw(f"{u}.c_{i}")))
        arrays.append(value([n + 1 for n in numbers], "bigint[]"))
        names.append(raw("n"))
        insert = sql("INSERT INTO ", ctx.table(write.table), " AS ", _TARGET, " (",
                     join(name(c) for c, _ in write.columns), ") SELECT ", join(selects), " FROM unnest(",
                     join(arrays), ") AS ", u, "(", join(names), ") JOIN _match ", m, " ON ", column(m, "n"),
                     " = ", column(u, "n"), " WHERE ", _ONE_ROW_EACH)
        parts.append(sql(_group(g), " AS (", insert, " ON CONFLICT (id) DO UPDATE SET ", join(sets),
                         " RETURNING ", _TARGET, ".*, (", _TARGET, ".xmax = 0) AS _inserted)"))
    every = join((sql("SELECT * FROM ", _group(g)) for g in range(len(groups))), " UNION ALL ")
    parts.append(sql("_changed AS (", every, ")"))
    a, b = ctx.alias(), ctx.alias()
    name_of = {event: value(f"{write.object_name}.{event}", "text") for event in ("created", "updated")}
    events = sql("INSERT INTO ", ctx.table(EVENT_TABLE), ' (event, "objectName", "recordId", data, before) ',
                 "SELECT CASE WHEN ", column(a, "_inserted"), " THEN ", name_of["created"], " ELSE ",
                 name_of["updated"], " END, ", value(write.object_name, "text"), ", ", column(a, "id"), ", ",
                 node_json(ctx, write.record, a), "::jsonb, CASE WHEN ", column(b, "id"),
                 " IS NULL THEN NULL ELSE ", node_json(ctx, write.record, b), "::jsonb END FROM _changed ", a,
                 " LEFT JOIN _old ", b, " ON ", column(b, "id"), " = ", column(a, "id"), " ORDER BY ",
                 column(a, "id"))
    parts.append(sql("_events AS (", events, ")"))
    return sql("WITH ", join(parts))


def _still(ctx: Ctx, where: Filter | None, alias: str) -> SQL:
    """`` AND <filter>`` for a write by filter: a row changed since its id was read must still match."""
    return raw("") if where is None else sql(" AND ", filter_sql(ctx, where, alias))


def _changes(ctx: Ctx, write: Write) -> SQL:
    """``WITH _changed AS (…), _events AS (…)``: the change and its event rows; ``_changed`` holds the rows."""
    table = ctx.table(write.table)
    match write:
        case InsertRows() if not write.rows:  # createCompanies(data: []): nothing to insert, nothing to log
            return sql("WITH _changed AS (SELECT * FROM ", table, " WHERE FALSE)")
        case InsertRows() if write.updates is not None:
            return _upsert(ctx, write)
        case InsertRows():
            source = sql(_insert(ctx, write, write.rows), " RETURNING *")
            events = _event_insert(ctx, "created", write.object_name, write.record, before=False)
            return sql("WITH _changed AS (", source, "), _events AS (", events, ")")
        case UpdateRows():
            o, t = ctx.alias(), ctx.alias()
            sets = [sql(name(c), " = ", value(v, sql_type)) for c, sql_type, v in write.sets]
            sets.append(raw(_STAMP[write.event]))
            old = sql("SELECT * FROM ", table, " ", o, " WHERE ", column(o, "id"), " = ANY(", value(write.ids, "uuid[]"),
                      ") AND ", column(o, "deletedAt"), _ALIVE[write.event], _still(ctx, write.where, o),
                      " ORDER BY ", column(o, "id"), " FOR UPDATE")
            changed = sql("UPDATE ", table, " ", t, " SET ", join(sets), " FROM _old WHERE ", column(t, "id"),
                          " = _old.id RETURNING ", t, ".*")
            events = _event_insert(ctx, write.event, write.object_name, write.record, before=write.event == "updated")
            return sql("WITH _old AS (", old, "), _changed AS (", changed, "), _events AS (", events, ")")
        case DestroyRows():
            d = ctx.alias()
            source = sql("DELETE FROM ", table, " ", d, " WHERE ", column(d, "id"), " = ANY(",
                         value(write.ids, "uuid[]"), ")", _still(ctx, write.where, d), " RETURNING ", d, ".*")
            events = _event_insert(ctx, "destroyed", write.object_name, write.record, before=False)
            return sql("WITH _changed AS (", source, "), _events AS (", events, ")")
    raise AssertionError(f"unknown write {write!r}")


def compile_write(schema: str, write: Write) -> tuple[str, list[Any]]:
    """One statement that changes rows, logs their events, and answers their JSON.

    The answer is built from the rows the statement returns; relations in it are read as they were
    before the statement (see ``compile_write_statements``).
    """
    ctx = Ctx(schema)
    return sql(_changes(ctx, write), " ", _answer(ctx, raw("_changed"), write)).compile()


def compile_write_statements(schema: str, write: Write) -> list[tuple[str, list[Any]]]:
    """The statement that changes rows, logs their events and answers their JSON (a list, for the plan).

    A statement does not see its own changes, so when the answer's relations lead back to the written
    table (``updateCompany { people { edges { node { company { name } } } } }``) the answer reads that
    table as changed: ``_now``, its rows not in ``_changed`` and the rows of ``_changed``. (Handing the
    written ids to a second statement through a transaction-local setting does not work on Citus, where
    the second statement runs on a worker that never saw the setting.) Destroyed rows are gone: they are
    always answered as they were.
    """
    if write.node is None or isinstance(write, DestroyRows) or not _revisits(write.node, write.table):
        return [compile_write(schema, write)]
    ctx = Ctx(schema)
    changes = _changes(ctx, write)  # before the table is seen as _now: this writes the table itself
    table = ctx.table(write.table)
    c, r = ctx.alias(), ctx.alias()
    # _changed's rows as rows of the table (an upsert's carry one more column, _inserted)
    now = sql(", _now AS NOT MATERIALIZED (SELECT * FROM ", table, " WHERE id <> ALL(ARRAY(SELECT id FROM _changed))"
              " UNION ALL SELECT ", r, ".* FROM _changed ", c, ", jsonb_populate_record(NULL::", table,
              ", to_jsonb(", c, ")) ", r, ")")
    ctx.seen_as[write.table] = raw("_now")
    answer = _answer(ctx, raw("_changed"), write)
    return [sql(changes, now, " ", answer).compile()]


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
                if conn.page.table == table or _filter_reads(conn.page.filter, table):
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


