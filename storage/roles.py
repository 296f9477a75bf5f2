"""Roles of a workspace (Twenty's RBAC), their per-object permissions, and the role of each API key.

Rows live in ``core.role``, ``core.object_permission`` and ``core.api_key.role_id`` (migration 6). Each
workspace starts with Twenty's two standard roles, Admin and Member; more are created through the
metadata API. A key without a role (every key made before roles existed) keeps full access.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from .pg import Database, Statement
from .sql import SQL, join, json_key, name, raw, sql, value

# Twenty's standardId of its standard roles (workspace-sync-metadata/standard-roles/roles/*.ts)
ADMIN_STANDARD_ID = uuid.UUID("20202020-0001-0001-0001-000000000001")
MEMBER_STANDARD_ID = uuid.UUID("20202020-0001-0001-0001-000000000002")

# every boolean of a role, as a column: the metadata API names them the same, in camelCase
FLAGS = ("can_update_all_settings", "can_read_all_object_records", "can_update_all_object_records",
         "can_soft_delete_all_object_records", "can_destroy_all_object_records")
OBJECT_FLAGS = ("can_read_object_records", "can_update_object_records", "can_soft_delete_object_records",
                "can_destroy_object_records")
ROLE_COLUMNS = ("id", "standard_id", "label", "description", "icon", "is_editable", *FLAGS, "created_at",
                "updated_at")
KEY_COLUMNS = ("id", "name", "expires_at", "revoked_at", "created_at", "updated_at", "role_id")

# (standard id, label, description, icon, editable, flags in FLAGS order): Admin may do everything,
# settings included; Member may do everything to records and nothing to settings
STANDARD_ROLES = (
    (ADMIN_STANDARD_ID, "Admin", "Admin role", "IconUserCog", False, (True, True, True, True, True)),
    (MEMBER_STANDARD_ID, "Member", "Member role", "IconUser", True, (False, True, True, True, True)),
)

_ROLE = name("core", "role")
_KEY = name("core", "api_key")
_PERMISSION = name("core", "object_permission")


def _columns(columns: tuple[str, ...] | list[str], alias: str | None = None) -> SQL:
    return join(sql(alias + ".", name(c)) if alias else name(c) for c in columns)


def _insert(table: SQL, row: dict[str, Any], returning: tuple[str, ...]) -> SQL:
    return sql("INSERT INTO ", table, " (", _columns(list(row)), ") VALUES (",
               join(value(v) for v in row.values()), ") RETURNING ", _columns(returning))


def standard_role_statements(workspace_id: uuid.UUID) -> list[Statement]:
    """Statements that give a new workspace its standard roles."""
    return [
        _insert(_ROLE, {"id": uuid.uuid4(), "workspace_id": workspace_id, "standard_id": standard_id,
                        "label": label, "description": description, "icon": icon, "is_editable": editable,
                        **dict(zip(FLAGS, flags, strict=True))}, ("id",)).compile()
        for standard_id, label, description, icon, editable, flags in STANDARD_ROLES
    ]


async def load_roles(db: Database, workspace_id: uuid.UUID) -> list[Any]:
    """The workspace's roles (standard ones first), each with ``object_permissions``: a JSON array."""
    permission = join(sql(json_key(c), ", p.", name(c)) for c in ("object_metadata_id", *OBJECT_FLAGS))
    text, params = sql(
        "SELECT ", _columns(ROLE_COLUMNS, "r"), ", coalesce((SELECT json_agg(json_build_object(", permission,
        ") ORDER BY p.object_metadata_id) FROM ", _PERMISSION, " p WHERE p.role_id = r.id), '[]') ",
        "AS object_permissions FROM ", _ROLE, " r WHERE r.workspace_id = ", value(workspace_id),
        " ORDER BY r.standard_id NULLS LAST, r.label, r.id").compile()
    return await db.fetch(text, *params)


async def load_key_roles(db: Database, workspace_id: uuid.UUID) -> list[Any]:
    """``(id, role_id)`` of the workspace's keys that have a role."""
    text, params = sql("SELECT id, role_id FROM ", _KEY, " WHERE workspace_id = ", value(workspace_id),
                       " AND role_id IS NOT NULL").compile()
    return await db.fetch(text, *params)


def insert_role_statement(workspace_id: uuid.UUID, role_id: uuid.UUID, label: str, description: str | None,
                          icon: str | None, flags: dict[str, bool]) -> Statement:
    """Create a custom role (editable, with no standard id); answers the row."""
    row = {"id": role_id, "workspace_id": workspace_id, "label": label, "description": description,
           "icon": icon, **{f: bool(flags.get(f, False)) for f in FLAGS}}
    return _insert(_ROLE, row, ROLE_COLUMNS).compile()


def _update(table: SQL, workspace_id: uuid.UUID, row_id: uuid.UUID, sets: list[tuple[str, Any]],
            returning: tuple[str, ...]) -> Statement:
    assignments = [sql(name(c), " = ", value(v)) for c, v in sets]
    return sql("UPDATE ", table, " SET ", join([*assignments, raw("updated_at = now()")]), " WHERE id = ",
               value(row_id), " AND workspace_id = ", value(workspace_id), " RETURNING ",
               _columns(returning)).compile()


def update_role_statement(workspace_id: uuid.UUID, role_id: uuid.UUID, changes: dict[str, Any]) -> Statement:
    """Change a role's label, description, icon or flags (only those given); answers the row."""
    allowed = ("label", "description", "icon", *FLAGS)
    sets = [(c, changes[c]) for c in allowed if c in changes]
    return _update(_ROLE, workspace_id, role_id, sets, ROLE_COLUMNS)


def delete_role_statement(workspace_id: uuid.UUID, role_id: uuid.UUID) -> Statement:
    """Remove a role and its per-object permissions; answers its id."""
    return sql("DELETE FROM ", _ROLE, " WHERE id = ", value(role_id), " AND workspace_id = ",
               value(workspace_id), " RETURNING id").compile()


def upsert_object_permission_statement(workspace_id: uuid.UUID, role_id: uuid.UUID, object_id: uuid.UUID,
                                       flags: dict[str, bool | None]) -> Statement:
    """Set a role's permissions on one object (a flag left out keeps its value); answers the row."""
    given = [f for f in OBJECT_FLAGS if f in flags]
    row: dict[str, Any] = {"role_id": role_id, "object_metadata_id": object_id, "workspace_id": workspace_id,
                           **{f: flags[f] for f in given}}
    updates = join(sql(name(f), " = excluded.", name(f)) for f in given or ["workspace_id"])
    return sql("INSERT INTO ", _PERMISSION, " (", _columns(list(row)), ") VALUES (",
               join(value(v) for v in row.values()),
               ") ON CONFLICT (role_id, object_metadata_id) DO UPDATE SET ", updates,
               " RETURNING ", _columns(("object_metadata_id", *OBJECT_FLAGS))).compile()


def insert_api_key_statement(key_id: uuid.UUID, workspace_id: uuid.UUID, key_name: str,
                             expires_at: datetime | None, role_id: uuid.UUID) -> Statement:
    """Create an API key with a role of its workspace; answers the row (none when there is no such role)."""
    workspace = value(workspace_id)
    return sql("INSERT INTO ", _KEY, " (id, workspace_id, name, expires_at, role_id) SELECT ",
               value(key_id), ", ", workspace, ", ", value(key_name), ", ", value(expires_at, "timestamptz"),
               ", r.id FROM ", _ROLE, " r WHERE r.id = ", value(role_id), " AND r.workspace_id = ", workspace,
               " RETURNING ", _columns(KEY_COLUMNS)).compile()


def update_api_key_statement(workspace_id: uuid.UUID, key_id: uuid.UUID,
                             changes: dict[str, Any]) -> Statement:
    """Change a key's name, expiry, revocation or role (only those given); answers the row, or none."""
    allowed = ("name", "expires_at", "revoked_at", "role_id")
    sets = [(c, changes[c]) for c in allowed if c in changes]
    return _update(_KEY, workspace_id, key_id, sets, KEY_COLUMNS)


async def keys_with_role(db: Database, workspace_id: uuid.UUID, role_id: uuid.UUID) -> list[Any]:
    """The keys of the workspace that have this role."""
    text, params = sql("SELECT ", _columns(KEY_COLUMNS), " FROM ", _KEY, " WHERE workspace_id = ",
                       value(workspace_id), " AND role_id = ", value(role_id),
                       " ORDER BY created_at, id").compile()
    return await db.fetch(text, *params)
