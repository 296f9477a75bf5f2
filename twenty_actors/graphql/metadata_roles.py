"""Roles on /metadata (Twenty's RBAC): ``roles``/``getRoles``, ``createOneRole``, ``updateOneRole``,
``deleteOneRole``, ``upsertObjectPermissions``; an API key's role: ``assignRoleToApiKey`` and
``updateApiKey``.

Upstream: ``packages/twenty-server/src/engine/metadata-modules/role/role.resolver.ts``,
``.../object-permission/object-permission.service.ts`` and ``core-modules/api-key/api-key.resolver.ts``.

Role rows change through the workspace actor's metadata queue (``RunMetadataChange``): the actor then
reloads its snapshot, keys and roles together, so the very next request of a key is checked against its
new role. Reads answer from that snapshot.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from twenty_storage import roles as role_store

from ..auth import Principal
from ..errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from ..permissions import NO_ROLES, ObjectPermission, Permissions, Role
from ..registry import Registry
from ..workspace.messages import RunMetadataChange
from ..workspace.state import ApiKey, api_key_from_row

# camelCase names of the API → columns (storage/roles.py)
ROLE_FLAGS = {"canUpdateAllSettings": "can_update_all_settings",
              "canReadAllObjectRecords": "can_read_all_object_records",
              "canUpdateAllObjectRecords": "can_update_all_object_records",
              "canSoftDeleteAllObjectRecords": "can_soft_delete_all_object_records",
              "canDestroyAllObjectRecords": "can_destroy_all_object_records"}
OBJECT_FLAGS = {"canReadObjectRecords": "can_read_object_records",
                "canUpdateObjectRecords": "can_update_object_records",
                "canSoftDeleteObjectRecords": "can_soft_delete_object_records",
                "canDestroyObjectRecords": "can_destroy_object_records"}


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", details=[{"field": field, "message": message}])


def _parse_id(given: Any, field: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(str(given))
    except ValueError:
        raise _invalid(field, "must be a UUID") from None


def _text(data: dict[str, Any], key: str, limit: int, *, required: bool = False) -> str | None:
    given = data.get(key)
    if given is None:
        if required:
            raise _invalid(key, "is required")
        return None
    text: str = given.strip()
    if required and not text:
        raise _invalid(key, "must not be empty")
    if len(text) > limit:
        raise _invalid(key, f"at most {limit} characters")
    return text


def admin_role(permissions: Permissions) -> Role | None:
    """The workspace's Admin role: what a key without a role may do."""
    admins = (r for r in permissions.roles.values() if r.standard_id == role_store.ADMIN_STANDARD_ID)
    return next(admins, None)


def role_of(permissions: Permissions, key_id: uuid.UUID) -> Role | None:
    """The role a key answers with: its own, or Admin's for a key without one."""
    return permissions.role_of_key(key_id) or admin_role(permissions)


def role_out(role: Role, permissions: Permissions, keys: dict[uuid.UUID, ApiKey]) -> dict[str, Any]:
    """A role as the metadata API answers it, with the keys that have it."""
    holders = [k for k in keys.values() if getattr(role_of(permissions, k.id), "id", None) == role.id]
    return {
        "id": str(role.id), "label": role.label, "description": role.description, "icon": role.icon,
        "isEditable": role.is_editable, "canUpdateAllSettings": role.can_update_all_settings,
        "canReadAllObjectRecords": role.can_read_all_object_records,
        "canUpdateAllObjectRecords": role.can_update_all_object_records,
        "canSoftDeleteAllObjectRecords": role.can_soft_delete_all_object_records,
        "canDestroyAllObjectRecords": role.can_destroy_all_object_records,
        "objectPermissions": [permission_out(p) for p in role.object_permissions.values()],
        "apiKeys": [{"id": str(k.id), "name": k.name, "expiresAt": k.expires_at, "revokedAt": k.revoked_at}
                    for k in sorted(holders, key=lambda k: (k.created_at, k.id))],
    }


def permission_out(permission: ObjectPermission) -> dict[str, Any]:
    """A per-object permission as the metadata API answers it."""
    return {"objectMetadataId": str(permission.object_metadata_id),
            "canReadObjectRecords": permission.can_read_object_records,
            "canUpdateObjectRecords": permission.can_update_object_records,
            "canSoftDeleteObjectRecords": permission.can_soft_delete_object_records,
            "canDestroyObjectRecords": permission.can_destroy_object_records}


def role_handlers(registry: Registry, principal: Principal) -> dict[str, Any]:
    """Root-field handlers for roles and the roles of API keys, bound to one caller."""
    wid = principal.workspace_id

    async def snapshot() -> tuple[Permissions, dict[uuid.UUID, ApiKey], Any]:
        handle = await registry.handle(wid)
        state = handle.state
        assert state is not None
        model = state.metadata
        return (model.permissions if model is not None else NO_ROLES), state.api_keys, model

    async def apply(statement: Any) -> list[Any]:
        outcome: list[list[Any]] = await registry.call(wid, RunMetadataChange(statements=[statement]))
        return outcome[0]

    async def find_role(role_id: Any, field: str) -> Role:
        permissions, _, _ = await snapshot()
        role = permissions.roles.get(_parse_id(role_id, field))
        if role is None:
            raise NotFoundError(f"Role {role_id} not found")
        return role

    async def roles(_args: dict[str, Any]) -> list[dict[str, Any]]:
        permissions, keys, _ = await snapshot()
        return [role_out(r, permissions, keys) for r in permissions.roles.values()]

    async def answer(role_id: uuid.UUID) -> dict[str, Any]:
        permissions, keys, _ = await snapshot()
        return role_out(permissions.roles[role_id], permissions, keys)

    async def create_role(args: dict[str, Any]) -> dict[str, Any]:
        data = args["createRoleInput"]
        label = _text(data, "label", 200, required=True)
        assert label is not None
        flags = {column: bool(data.get(name)) for name, column in ROLE_FLAGS.items()}
        role_id = _parse_id(data["id"]) if data.get("id") is not None else uuid.uuid4()
        try:
            description, icon = _text(data, "description", 1000), _text(data, "icon", 100)
            await apply(role_store.insert_role_statement(wid, role_id, label, description, icon, flags))
        except ConflictError:
            raise ConflictError(f"A role named '{label}' (or with this id) exists already",
                                details=[{"field": "label", "message": "already taken"}]) from None
        return await answer(role_id)

    async def update_role(args: dict[str, Any]) -> dict[str, Any]:
        data = args["updateRoleInput"]
        role = await find_role(data["id"], "id")
        if not role.is_editable:
            raise ForbiddenError(f"The role '{role.label}' cannot be changed")
        update = data["update"]
        changes: dict[str, Any] = {ROLE_FLAGS[n]: v for n, v in update.items() if n in ROLE_FLAGS}
        for key, limit in (("label", 200), ("description", 1000), ("icon", 100)):
            if key in update:
                changes[key] = _text(update, key, limit, required=key == "label")
        if any(v is None for k, v in changes.items() if k in ROLE_FLAGS.values()):
            raise _invalid("update", "a permission flag is true or false, not null")
        if changes:
            try:
                await apply(role_store.update_role_statement(wid, role.id, changes))
            except ConflictError:
                raise ConflictError(f"A role named '{changes.get('label')}' exists already",
                                    details=[{"field": "update.label", "message": "already taken"}]) from None
        return await answer(role.id)

    async def delete_role(args: dict[str, Any]) -> str:
        role = await find_role(args["roleId"], "roleId")
        if role.standard_id is not None:
            raise ForbiddenError(f"The standard role '{role.label}' cannot be deleted")
        holders = await role_store.keys_with_role(registry.db, wid, role.id)
        if holders:
            raise ConflictError(f"The role '{role.label}' is the role of {len(holders)} API key(s): give "
                                "them another role (assignRoleToApiKey) or revoke them first",
                                details=[{"field": "roleId", "message": "in use by API keys"}])
        await apply(role_store.delete_role_statement(wid, role.id))
        return str(role.id)

    async def upsert_object_permissions(args: dict[str, Any]) -> list[dict[str, Any]]:
        data = args["upsertObjectPermissionsInput"]
        role = await find_role(data["roleId"], "roleId")
        if not role.is_editable:
            raise ForbiddenError(f"The role '{role.label}' cannot be changed")
        _, _, model = await snapshot()
        objects = {o.id: o for o in model.metadata.objects.values()} if model is not None else {}
        statements = []
        for i, item in enumerate(data["objectPermissions"]):
            object_id = _parse_id(item["objectMetadataId"], f"objectPermissions.{i}.objectMetadataId")
            if object_id not in objects:
                raise NotFoundError(f"Object {object_id} not found")
            flags = {column: item[name] for name, column in OBJECT_FLAGS.items() if name in item}
            current = role.object_permissions.get(object_id)
            reads = flags.get("can_read_object_records", current.can_read_object_records if current else None)
            if (reads if reads is not None else role.can_read_all_object_records) is False and any(
                    flags.get(c) for c in OBJECT_FLAGS.values() if c != "can_read_object_records"):
                # Twenty's rule: what cannot be read cannot be written either
                raise _invalid(f"objectPermissions.{i}", "a role that cannot read an object cannot change it")
            statements.append(role_store.upsert_object_permission_statement(wid, role.id, object_id, flags))
        outcome: list[list[Any]] = await registry.call(wid, RunMetadataChange(statements=statements))
        return [permission_out(ObjectPermission(object_metadata_id=rows[0]["object_metadata_id"],
                                                **{c: rows[0][c] for c in OBJECT_FLAGS.values()}))
                for rows in outcome]

    async def find_key(key_id: uuid.UUID) -> ApiKey:
        _, keys, _ = await snapshot()
        key = keys.get(key_id)
        if key is None:
            raise NotFoundError(f"API key {key_id} not found")
        return key

    async def assign_role(args: dict[str, Any]) -> bool:
        key = await find_key(_parse_id(args["apiKeyId"], "apiKeyId"))
        role = await find_role(args["roleId"], "roleId")
        await apply(role_store.update_api_key_statement(wid, key.id, {"role_id": role.id}))
        return True

    async def update_key(args: dict[str, Any]) -> dict[str, Any] | None:
        data = args["input"]
        key = await find_key(_parse_id(data["id"]))
        changes: dict[str, Any] = {}
        if "name" in data:
            changes["name"] = _text(data, "name", 200, required=True)
        for name, column in (("expiresAt", "expires_at"), ("revokedAt", "revoked_at")):
            if name in data:
                when: datetime | None = data[name]
                changes[column] = when
        if data.get("roleId") is not None:
            changes["role_id"] = (await find_role(data["roleId"], "roleId")).id
        if changes:
            rows = await apply(role_store.update_api_key_statement(wid, key.id, changes))
            if not rows:
                raise NotFoundError(f"API key {key.id} not found")
            key = api_key_from_row(rows[0])
        permissions, _, _ = await snapshot()
        return key_out(key, permissions)

    return {"roles": roles, "getRoles": roles, "getApiKeyRoles": roles, "createOneRole": create_role,
            "updateOneRole": update_role, "deleteOneRole": delete_role,
            "upsertObjectPermissions": upsert_object_permissions, "assignRoleToApiKey": assign_role,
            "updateApiKey": update_key}


def key_out(key: ApiKey, permissions: Permissions, token: str | None = None) -> dict[str, Any]:
    """An API key as the metadata API answers it, with its role."""
    role = role_of(permissions, key.id)
    return {"id": str(key.id), "name": key.name, "token": token, "expiresAt": key.expires_at,
            "revokedAt": key.revoked_at, "createdAt": key.created_at, "updatedAt": key.updated_at,
            "role": role_out(role, permissions, {}) if role is not None else None}
