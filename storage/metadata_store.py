"""Object and field metadata rows in ``core``, loaded into the model in one query."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from .model import Field, Metadata, Object, Relation, SelectOption, with_twenty
from .pg import Database, Statement
from .sql import SQL, join, name, raw, sql, value

_FIELD_COLUMNS = ("id, workspace_id, object_id, name, label, type, description, icon, is_custom, is_system, "
                  "is_active, is_nullable, is_unique, default_value, options, relation, position")


def _jsonable(value: Any) -> Any:
    return msgspec.to_builtins(value) if value is not None else None


def insert_object_statements(workspace_id: uuid.UUID, obj: Object) -> list[Statement]:
    """Rows for an object and all its fields."""
    statements: list[Statement] = [(
        "INSERT INTO core.object_metadata (id, workspace_id, name_singular, name_plural, label_singular, "
        "label_plural, description, icon, is_custom, is_system, is_active) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        (obj.id, workspace_id, obj.name_singular, obj.name_plural, obj.label_singular, obj.label_plural,
         obj.description, obj.icon, obj.is_custom, obj.is_system, obj.is_active),
    )]
    statements.extend(insert_field_statement(workspace_id, obj.id, f) for f in obj.fields.values())
    return statements


def insert_field_statement(workspace_id: uuid.UUID, object_id: uuid.UUID, field: Field) -> Statement:
    """The row of one field."""
    values = (field.id, workspace_id, object_id, field.name, field.label, field.type, field.description,
              field.icon, field.is_custom, field.is_system, field.is_active, field.is_nullable,
              field.is_unique, _jsonable(field.default_value), _jsonable(field.options), _jsonable(field.relation), field.position)
    return sql("INSERT INTO core.field_metadata (", _FIELD_COLUMNS, ") VALUES (", join(value(v) for v in values),
               ")").compile()


def insert_member_statement(schema: str, user_id: uuid.UUID, email: str | None) -> Statement:
    """The workspaceMember row of a workspace's owner (named after their email's local part)."""
    values = [value(uuid.uuid4()), value((email or "").split("@", 1)[0]), value(""), value(email), value(user_id)]
    columns = join(name(c) for c in ("id", "nameFirstName", "nameLastName", "userEmail", "userId"))
    return sql("INSERT INTO ", name(schema, "workspaceMember"), " (", columns, ") VALUES (", join(values), ")").compile()


def bump_version_statement(workspace_id: uuid.UUID) -> Statement:
    """Increment the workspace's metadata version (every metadata change does, in its transaction)."""
    return ("UPDATE core.workspace SET metadata_version = metadata_version + 1 WHERE id = $1", (workspace_id,))


_LOAD = """
SELECT o.id, o.name_singular, o.name_plural, o.label_singular, o.label_plural, o.description, o.icon,
       o.is_custom, o.is_system, o.is_active,
       coalesce((SELECT json_agg(json_build_object(
                    'id', f.id, 'name', f.name, 'label', f.label, 'type', f.type, 'description', f.description,
                    'icon', f.icon, 'is_custom', f.is_custom, 'is_system', f.is_system, 'is_active', f.is_active,
                    'is_nullable', f.is_nullable, 'is_unique', f.is_unique, 'default_value', f.default_value,
                    'options', f.options,
                    'relation', f.relation, 'position', f.position) ORDER BY f.position, f.created_at, f.name)
                 FROM core.field_metadata f WHERE f.object_id = o.id), '[]'::json) AS fields
FROM core.object_metadata o WHERE o.workspace_id = $1 ORDER BY o.created_at, o.name_singular
"""


def _field(data: dict[str, Any]) -> Field:
    relation = data.get("relation")
    opts = data.get("options")
    return Field(
        id=uuid.UUID(data["id"]), name=data["name"], label=data["label"], type=data["type"],
        description=data.get("description"), icon=data.get("icon"), is_custom=data["is_custom"],
        is_system=data["is_system"], is_active=data["is_active"], is_nullable=data["is_nullable"],
        is_unique=data["is_unique"], default_value=data.get("default_value"),
        options=msgspec.convert(opts, list[SelectOption]) if opts is not None else None,
        relation=msgspec.convert(relation, Relation) if relation is not None else None,
        position=data["position"],
    )


async def load_metadata(db: Database, workspace_id: uuid.UUID, schema_name: str, version: int) -> Metadata:
    """Every object and field of a workspace."""
    rows = await db.fetch(_LOAD, workspace_id)
    objects = {}
    for row in rows:
        fields = [with_twenty(row["name_singular"], _field(f)) for f in row["fields"]]
        objects[row["name_singular"]] = Object(
            id=row["id"], name_singular=row["name_singular"], name_plural=row["name_plural"],
            label_singular=row["label_singular"], label_plural=row["label_plural"], description=row["description"],
            icon=row["icon"], is_custom=row["is_custom"], is_system=row["is_system"], is_active=row["is_active"],
            fields={f.name: f for f in fields},
        )
    return Metadata(workspace_id=workspace_id, schema_name=schema_name, version=version, objects=objects)


def _update_statement(table: SQL, row_id: uuid.UUID, sets: list[tuple[str, Any]]) -> Statement:
    """``UPDATE table SET column = value, …, updated_at = now() WHERE id = …``."""
    key = value(row_id)
    assignments = [sql(name(column), " = ", value(v)) for column, v in sets]
    return sql("UPDATE ", table, " SET ", join([*assignments, raw("updated_at = now()")]), " WHERE id = ",
               key).compile()


def update_object_statement(object_id: uuid.UUID, changes: dict[str, Any]) -> Statement:
    """Update an object's labels, description, icon or active flag (only those columns)."""
    allowed = ("label_singular", "label_plural", "description", "icon", "is_active")
    return _update_statement(name("core", "object_metadata"), object_id,
                             [(c, changes[c]) for c in allowed if c in changes])


def update_field_statement(field_id: uuid.UUID, changes: dict[str, Any]) -> Statement:
    """Update a field's label, description, icon, flags, default or options (only those columns)."""
    allowed = ("label", "description", "icon", "is_active", "is_nullable", "is_unique", "default_value",
               "options")
    return _update_statement(name("core", "field_metadata"), field_id,
                             [(c, _jsonable(changes[c]) if c in ("default_value", "options") else changes[c])
                              for c in allowed if c in changes])


def delete_field_statement(field_id: uuid.UUID) -> Statement:
    """Remove a field's row."""
    return ("DELETE FROM core.field_metadata WHERE id = $1", (field_id,))


def delete_object_statement(object_id: uuid.UUID) -> Statement:
    """Remove an object's row (its fields' rows go with it)."""
    return ("DELETE FROM core.object_metadata WHERE id = $1", (object_id,))


async def object_times(db: Database, workspace_id: uuid.UUID) -> dict[uuid.UUID, tuple[Any, Any]]:
    """created_at and updated_at of every object and field of a workspace, by id."""
    rows = await db.fetch(
        "SELECT id, created_at, updated_at FROM core.object_metadata WHERE workspace_id = $1 "
        "UNION ALL SELECT id, created_at, updated_at FROM core.field_metadata WHERE workspace_id = $1",
        workspace_id,
    )
    return {r["id"]: (r["created_at"], r["updated_at"]) for r in rows}
