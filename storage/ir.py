"""The plan IR: what to read or write, in terms of tables and columns; compiled to SQL by compile.py.

Both APIs plan into it (twenty_actors.planning). Values in it are bound as parameters as they are;
the planner may leave a placeholder for a value bound later, so one compiled plan serves many requests.
"""

from __future__ import annotations

from typing import Any

import msgspec

# --- what a node (a record) answers -----------------------------------------------------------


class ScalarOut(msgspec.Struct, frozen=True):
    """A column as a JSON value; ``kind`` says how: plain, timestamp (ISO with Z) or text array."""

    key: str
    column: str
    kind: str = "plain"


class CompositeOut(msgspec.Struct, frozen=True):
    """Several columns of the same row as one JSON object (a composite field: CURRENCY, FULL_NAME, LINKS…)."""

    key: str
    node: NodeSel


class ConstOut(msgspec.Struct, frozen=True):
    """A constant string (``__typename``)."""

    key: str
    value: str


class ObjectOut(msgspec.Struct, frozen=True):
    """The record on the other end of a to-one relation: ``remote.remote_column = local.local_column``."""

    key: str
    table: str
    local_column: str
    remote_column: str
    node: NodeSel


class ConnectionOut(msgspec.Struct, frozen=True):
    """Related records as a connection: ``remote.remote_column = local.local_column``."""

    key: str
    local_column: str
    remote_column: str
    connection: ConnectionSel


class ListOut(msgspec.Struct, frozen=True):
    """Related records as a plain JSON array, oldest first, at most ``limit``: ``remote.remote_column = local.local_column``."""

    key: str
    table: str
    local_column: str
    remote_column: str
    node: NodeSel
    limit: int


class NodeSel(msgspec.Struct, frozen=True):
    """The answer for one record: its fields in response order."""

    fields: list[ScalarOut | CompositeOut | ConstOut | ObjectOut | ConnectionOut | ListOut]


# --- filters ----------------------------------------------------------------------------------


class Cmp(msgspec.Struct, frozen=True):
    """``column op value``; op is one of eq neq in gt gte lt lte like ilike startsWith containsAny.

    ``startsWith`` holds its LIKE pattern (escaped, ``%`` added) and ``in``/``containsAny`` a list: the
    compiler binds values as they are.
    """

    column: str
    op: str
    value: Any


class IsNull(msgspec.Struct, frozen=True):
    """``column IS [NOT] NULL``."""

    column: str
    null: bool


class And(msgspec.Struct, frozen=True):
    """All of the items hold (an empty And is true)."""

    items: list[Filter]


class Or(msgspec.Struct, frozen=True):
    """Any of the items holds (an empty Or is false)."""

    items: list[Filter]


class Not(msgspec.Struct, frozen=True):
    """The item does not hold."""

    item: Filter


class Related(msgspec.Struct, frozen=True):
    """A related record (to-one) matches: ``EXISTS (remote WHERE remote.id = local.column AND filter)``.

    Soft-deleted related records do not count, unless ``include_deleted`` (the filter asks about them).
    """

    table: str
    local_column: str
    filter: Filter
    include_deleted: bool = False


Filter = Cmp | IsNull | And | Or | Not | Related


# --- reads ------------------------------------------------------------------------------------


class OrderKey(msgspec.Struct, frozen=True):
    """One sort key."""

    column: str
    desc: bool = False
    nulls_first: bool = False
    sql_type: str = "text"
    not_null: bool = False  # the column never holds NULL: keyset conditions can use a row comparison


class Page(msgspec.Struct, frozen=True, kw_only=True):
    """Which rows of one table a read answers: filter, order, then cursor, offset and limit.

    ``cursor`` and ``bound`` hold the sort-key values of a row as text (or null), one per key, bound
    as one ``text[]`` parameter: rows start after ``cursor`` and stop before ``bound`` in the reading
    direction. ``backward`` reads from the end (``last``, ``ending_before``); the answer keeps the order.
    Values (limit, offset, cursors) are bound as parameters, so the SQL text depends only on which are given.
    """

    table: str
    filter: Filter
    order: list[OrderKey]
    limit: Any
    offset: Any = None
    backward: bool = False
    cursor: Any = None
    bound: Any = None


class EdgeSel(msgspec.Struct, frozen=True):
    """What each edge answers: node, cursor, __typename under their response keys."""

    fields: list[tuple[str, str, Any]]  # (key, "node"|"cursor"|"const", NodeSel|None|str)


class ConnectionSel(msgspec.Struct, frozen=True, kw_only=True):
    """A page of records as a GraphQL connection: edges, pageInfo, totalCount."""

    page: Page
    parts: list[tuple[str, str, Any]] = msgspec.field(default_factory=list)
    # parts: (key, "edges", EdgeSel) | (key, "pageInfo", [(key, name)]) | (key, "totalCount", None)
    #        | (key, "const", str)


class ListSel(msgspec.Struct, frozen=True, kw_only=True):
    """A page of records as a REST list: ``{"data": [...], "meta": {totalCount, hasMore, cursors}}``, and
    Twenty's ``pageInfo`` and ``totalCount`` beside ``meta``.

    With ``key``, Twenty's own envelope instead: ``{"data": {key: [...]}, "pageInfo", "totalCount"}``.
    """

    page: Page
    node: NodeSel
    key: str | None = None


class FindOne(msgspec.Struct, frozen=True, kw_only=True):
    """The first record of a table matching a filter, or null; ``envelope`` wraps it (``{"data": …}``), and
    ``key`` inside that (``{"data": {"company": …}}``, Twenty's envelope)."""

    table: str
    filter: Filter
    node: NodeSel
    envelope: str | None = None
    key: str | None = None


class MatchIds(msgspec.Struct, frozen=True, kw_only=True):
    """The ids of the records matching a filter, ascending, at most ``limit`` (read by a write by filter)."""

    table: str
    filter: Filter
    limit: Any


Read = ConnectionSel | ListSel | FindOne | MatchIds


# --- writes -----------------------------------------------------------------------------------


class InsertRows(msgspec.Struct, frozen=True):
    """Insert rows (ids chosen by the caller) and answer them in the given order.

    With ``updates`` (an upsert), a row that matches a record already updates that record instead: the
    columns ``updates`` names for the row, ``updatedAt``, and ``deletedAt`` cleared; its event is
    ``updated`` (with the record before), a new row's ``created``. A row matches the record (live or
    deleted) whose id it gives, or whose value of one of the ``keys`` (the unique fields' columns) it
    gives; a row that matches two records, or two rows that match one, change nothing (an error).
    """

    table: str
    object_name: str
    columns: list[tuple[str, str]]  # (column, SQL type)
    rows: list[list[Any]]  # values as bound: jsonb and text[] columns hold JSON text
    ids: Any  # the rows' ids in the order of the answer
    node: NodeSel | None
    record: NodeSel  # the record as events carry it
    single: bool
    updates: list[list[str]] | None = None  # per row, the columns an existing record takes (an upsert)
    keys: tuple[tuple[str, str], ...] = ()  # (column, SQL type) an upsert also matches records by


class UpdateRows(msgspec.Struct, frozen=True):
    """Update (or soft-delete/restore) rows by id, logging an event per row."""

    table: str
    object_name: str
    ids: Any  # a list of ids, bound as one uuid[] parameter
    sets: list[tuple[str, str, Any]]  # (column, SQL type, value)
    event: str  # updated | deleted | restored
    node: NodeSel | None
    record: NodeSel
    single: bool
    where: Filter | None = None  # by filter: the ids matched it when read; only those that still match change


class DestroyRows(msgspec.Struct, frozen=True):
    """Delete rows for good, logging an event per row."""

    table: str
    object_name: str
    ids: Any
    node: NodeSel | None
    record: NodeSel
    single: bool
    where: Filter | None = None  # as UpdateRows.where


Write = InsertRows | UpdateRows | DestroyRows
