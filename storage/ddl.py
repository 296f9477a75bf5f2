"""DDL for workspace schemas: tables per object, columns per (sub-)field, foreign keys, the event log."""

from __future__ import annotations

from .model import Field, Object
from .pg import Statement
from .sql import SQL, join, name, sql, value

EVENT_TABLE = "_event"


def create_event_table(schema: str) -> list[Statement]:
    """The workspace's event log: one row per change, written in the change's transaction."""
    return [sql("CREATE TABLE ", name(schema, EVENT_TABLE), """ (
                seq bigserial PRIMARY KEY,
                event text NOT NULL,
                "objectName" text NOT NULL,
                "recordId" uuid NOT NULL,
                data jsonb,
                before jsonb,
                "createdAt" timestamptz NOT NULL DEFAULT now()
            )""").compile()]


def _column_sql(column: str, sql_type: str, *, not_null: bool = False, default: str | None = None) -> SQL:
    # types and defaults are written in our source (the metadata model's SQL types, the defaults below)
    out = sql(name(column), " ", sql_type, " NOT NULL" if not_null else "")
    return sql(out, " DEFAULT ", default) if default else out


def create_table(schema: str, obj: Object) -> list[Statement]:
    """CREATE TABLE for an object (foreign keys come later, once every table exists)."""
    columns = [
        sql(_column_sql("id", "uuid", not_null=True, default="gen_random_uuid()"), " PRIMARY KEY"),
        _column_sql("createdAt", "timestamptz", not_null=True, default="now()"),
        _column_sql("updatedAt", "timestamptz", not_null=True, default="now()"),
        _column_sql("deletedAt", "timestamptz"),
        _column_sql("position", "double precision"),
    ]
    for field in obj.fields.values():
        if field.is_system:
            continue
        columns.extend(_column_sql(column, sql_type) for column, sql_type in field.columns())
    table = name(schema, obj.table)
    statements = [sql("CREATE TABLE ", table, " (", join(columns), ")").compile(),
                  sql("CREATE INDEX ON ", table, ' ("createdAt", id)').compile()]
    for field in obj.fields.values():
        if field.is_unique:
            statements.extend(unique_index(schema, obj, field))
    return statements


def add_column(schema: str, obj: Object, field: Field) -> list[Statement]:
    """Columns (and a foreign key) for a new field."""
    table = name(schema, obj.table)
    statements: list[Statement] = [
        sql("ALTER TABLE ", table, " ADD COLUMN ", _column_sql(column, sql_type)).compile()
        for column, sql_type in field.columns()
    ]
    statements.extend(foreign_key(schema, obj, field))
    if field.is_unique:
        statements.extend(unique_index(schema, obj, field))
    return statements


def _unique_key(field: Field) -> tuple[SQL, SQL]:
    """The column of a unique field and the condition of the rows it is unique among (a text: not empty)."""
    unique = field.unique_column()
    assert unique is not None, f"{field.name} cannot be unique"
    column, sql_type = unique
    return name(column), sql(name(column), " <> ''" if sql_type == "text" else " IS NOT NULL")


def unique_index(schema: str, obj: Object, field: Field) -> list[Statement]:
    """The unique index of a unique field: over live and deleted records alike, as in Twenty (an upsert
    brings a deleted record back rather than create another); NULL and the empty text may repeat.

    Fails with a unique violation when records hold the same value already (see ``column_has_duplicates``).
    """
    column, where = _unique_key(field)
    return [sql("CREATE UNIQUE INDEX ", name(field.unique_index), " ON ", name(schema, obj.table), " (",
                column, ") WHERE ", where).compile()]


def drop_unique_index(schema: str, field: Field) -> list[Statement]:
    """Drop a field's unique index (the field is no longer unique)."""
    return [sql("DROP INDEX IF EXISTS ", name(schema, field.unique_index)).compile()]


def column_has_duplicates(schema: str, obj: Object, field: Field) -> Statement:
    """A statement answering 'true'/'false': do two records (live or deleted) hold the same value?"""
    column, where = _unique_key(field)
    return sql("SELECT (EXISTS (SELECT 1 FROM ", name(schema, obj.table), " WHERE ", where, " GROUP BY ",
               column, " HAVING count(*) > 1))::text").compile()


def foreign_key(schema: str, obj: Object, field: Field) -> list[Statement]:
    """The foreign key (and its index) of a field that holds a join column; nothing otherwise."""
    rel = field.relation
    if rel is None or not rel.join_column or not field.columns():
        return []
    table = name(schema, obj.table)
    column = name(rel.join_column)
    unique = rel.kind == "ONE_TO_ONE"
    return [
        sql("ALTER TABLE ", table, " ADD FOREIGN KEY (", column, ") REFERENCES ", name(schema, rel.target),
            " (id) ON DELETE SET NULL").compile(),
        sql("CREATE UNIQUE INDEX ON " if unique else "CREATE INDEX ON ", table, " (", column, ")").compile(),
    ]


def drop_columns(schema: str, obj: Object, field: Field) -> list[Statement]:
    """Drop the columns a field owns."""
    table = name(schema, obj.table)
    return [sql("ALTER TABLE ", table, " DROP COLUMN IF EXISTS ", name(column)).compile()
            for column, _ in field.columns()]


def drop_table(schema: str, obj: Object) -> list[Statement]:
    """Drop an object's table (foreign keys pointing at it go with it)."""
    return [sql("DROP TABLE IF EXISTS ", name(schema, obj.table), " CASCADE").compile()]


def create_objects(schema: str, objects: list[Object]) -> list[Statement]:
    """Tables, foreign keys and the event log for a set of objects created together."""
    statements: list[Statement] = []
    for obj in objects:
        statements.extend(create_table(schema, obj))
    for obj in objects:
        for field in obj.fields.values():
            statements.extend(foreign_key(schema, obj, field))
    statements.extend(create_event_table(schema))
    return statements


def set_not_null(schema: str, obj: Object, field: Field, not_null: bool) -> list[Statement]:
    """Make a field's columns required or optional (fails if rows hold NULLs)."""
    table = name(schema, obj.table)
    verb = " SET NOT NULL" if not_null else " DROP NOT NULL"
    return [sql("ALTER TABLE ", table, " ALTER COLUMN ", name(column), verb).compile()
            for column in field.required_columns()]


def column_uses_values(schema: str, obj: Object, field: Field, values: list[str]) -> Statement:
    """A statement answering 'true'/'false': does any row hold one of ``values``?"""
    values_sql = value(values, "text[]")
    test = sql(" && ", values_sql) if field.type == "MULTI_SELECT" else sql(" = ANY(", values_sql, ")")
    return sql("SELECT (EXISTS (SELECT 1 FROM ", name(schema, obj.table), " WHERE ", name(field.name), test,
               "))::text").compile()


def unique_columns(schema: str, obj: Object, columns: tuple[str, ...]) -> list[Statement]:
    """A unique index over columns of an object's table (a junction's pair of links)."""
    return [sql("CREATE UNIQUE INDEX ON ", name(schema, obj.table), " (", join(name(c) for c in columns),
                ")").compile()]
