"""DDL for workspace schemas: tables per object, columns per (sub-)field, foreign keys, the event log."""

from __future__ import annotations

from .model import Field, Object
from .pg import Statement
from .sql import ident, name, sql, value

EVENT_TABLE = "_event"


def create_event_table(schema: str) -> list[Statement]:
    """The workspace's event log: one row per change, written in the change's transaction."""
    table = ident(schema, EVENT_TABLE)
    return [
        (f"""CREATE TABLE {table} (
                seq bigserial PRIMARY KEY,
                event text NOT NULL,
                "objectName" text NOT NULL,
                "recordId" uuid NOT NULL,
                data jsonb,
                before jsonb,
                "createdAt" timestamptz NOT NULL DEFAULT now()
            )""", ()),
    ]


def _column_sql(name: str, sql_type: str, *, not_null: bool = False, default: str | None = None) -> str:
    out = f"{ident(name)} {sql_type}"
    if not_null:
        out += " NOT NULL"
    if default:
        out += f" DEFAULT {default}"  # only defaults written in this module's source
    return out


def create_table(schema: str, obj: Object) -> list[Statement]:
    """CREATE TABLE for an object (foreign keys come later, once every table exists)."""
    columns = [
        _column_sql("id", "uuid", not_null=True, default="gen_random_uuid()") + " PRIMARY KEY",
        _column_sql("createdAt", "timestamptz", not_null=True, default="now()"),
        _column_sql("updatedAt", "timestamptz", not_null=True, default="now()"),
        _column_sql("deletedAt", "timestamptz"),
        _column_sql("position", "double precision"),
    ]
    for field in obj.fields.values():
        if field.is_system:
            continue
        columns.extend(_column_sql(name, sql_type) for name, sql_type in field.columns())
    table = ident(schema, obj.table)
    statements: list[Statement] = [(f"CREATE TABLE {table} ({', '.join(columns)})", ())]
    statements.append((f'CREATE INDEX ON {table} ("createdAt", id)', ()))
    return statements


def add_column(schema: str, obj: Object, field: Field) -> list[Statement]:
    """Columns (and a foreign key) for a new field."""
    table = ident(schema, obj.table)
    statements: list[Statement] = [
        (f"ALTER TABLE {table} ADD COLUMN {_column_sql(name, sql_type)}", ()) for name, sql_type in field.columns()
    ]
    statements.extend(foreign_key(schema, obj, field))
    return statements


def foreign_key(schema: str, obj: Object, field: Field) -> list[Statement]:
    """The foreign key (and its index) of a field that holds a join column; nothing otherwise."""
    rel = field.relation
    if rel is None or not rel.join_column or not field.columns():
        return []
    table = ident(schema, obj.table)
    column = ident(rel.join_column)
    unique = rel.kind == "ONE_TO_ONE"
    return [
        (f"ALTER TABLE {table} ADD FOREIGN KEY ({column}) REFERENCES {ident(schema, rel.target)} (id) "
         "ON DELETE SET NULL", ()),
        (f"CREATE {'UNIQUE ' if unique else ''}INDEX ON {table} ({column})", ()),
    ]


def drop_columns(schema: str, obj: Object, field: Field) -> list[Statement]:
    """Drop the columns a field owns."""
    table = ident(schema, obj.table)
    return [(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {ident(name)}", ()) for name, _ in field.columns()]


def drop_table(schema: str, obj: Object) -> list[Statement]:
    """Drop an object's table (foreign keys pointing at it go with it)."""
    return [(f"DROP TABLE IF EXISTS {ident(schema, obj.table)} CASCADE", ())]


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
    table = ident(schema, obj.table)
    verb = "SET" if not_null else "DROP"
    return [(f"ALTER TABLE {table} ALTER COLUMN {ident(name)} {verb} NOT NULL", ()) for name, _ in field.columns()]


def column_uses_values(schema: str, obj: Object, field: Field, values: list[str]) -> Statement:
    """A statement answering 'true'/'false': does any row hold one of ``values``?"""
    values_sql = value(values, "text[]")
    test = sql(" && ", values_sql) if field.type == "MULTI_SELECT" else sql(" = ANY(", values_sql, ")")
    return sql("SELECT (EXISTS (SELECT 1 FROM ", name(schema, obj.table), " WHERE ", name(field.name), test,
               "))::text").compile()


def unique_columns(schema: str, obj: Object, columns: tuple[str, ...]) -> list[Statement]:
    """A unique index over columns of an object's table (a junction's pair of links)."""
    return [(f"CREATE UNIQUE INDEX ON {ident(schema, obj.table)} ({', '.join(ident(c) for c in columns)})", ())]
