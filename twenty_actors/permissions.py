"""Roles and what they allow (Twenty's RBAC), loaded with a workspace's metadata and checked per request.

A role allows reading, updating (which creating needs too), soft-deleting (and restoring) and destroying
the records of every object (``can*AllObjectRecords``), unless a per-object permission says otherwise
for one object (a flag left unset there follows the role). ``canUpdateAllSettings`` allows managing the
workspace: its data model, API keys, webhooks and roles.

Upstream: ``packages/twenty-server/src/engine/metadata-modules/role/utils/
compute-object-record-permissions.util.ts`` and ``build-roles-permissions.util.ts``.

A request's role comes with its API key (``Auth.caller``), from the snapshot the workspace actor keeps:
checking it costs a few dict lookups, never a query. A key without a role, and every user, may do
everything (keys made before roles existed keep the full access they had).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Literal

import msgspec
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode
from twenty_storage import roles as role_store
from twenty_storage.model import Metadata, Object
from twenty_storage.pg import Database

from .errors import ForbiddenError

Action = Literal["read", "update", "soft_delete", "destroy"]

# the permission a write needs, by its verb (Twenty: create and upsert are updates, restore undoes a soft
# delete)
VERB_ACTIONS: dict[str, Action] = {"create": "update", "update": "update", "delete": "soft_delete",
                                   "restore": "soft_delete", "destroy": "destroy"}
_WORDS = {"read": "read", "update": "create or update", "soft_delete": "delete or restore",
          "destroy": "destroy"}


class ObjectPermission(msgspec.Struct, frozen=True, kw_only=True):
    """A role's permissions on one object; None follows the role's own flag."""

    object_metadata_id: uuid.UUID
    can_read_object_records: bool | None = None
    can_update_object_records: bool | None = None
    can_soft_delete_object_records: bool | None = None
    can_destroy_object_records: bool | None = None

    def flag(self, action: Action) -> bool | None:
        """This object's own answer for ``action``, or None."""
        match action:
            case "read":
                return self.can_read_object_records
            case "update":
                return self.can_update_object_records
            case "soft_delete":
                return self.can_soft_delete_object_records
            case "destroy":
                return self.can_destroy_object_records


class Role(msgspec.Struct, frozen=True, kw_only=True):
    """A role of a workspace, with its per-object permissions."""

    id: uuid.UUID
    standard_id: uuid.UUID | None
    label: str
    description: str | None
    icon: str | None
    is_editable: bool
    can_update_all_settings: bool
    can_read_all_object_records: bool
    can_update_all_object_records: bool
    can_soft_delete_all_object_records: bool
    can_destroy_all_object_records: bool
    created_at: datetime
    updated_at: datetime
    object_permissions: dict[uuid.UUID, ObjectPermission] = msgspec.field(default_factory=dict)

    def flag(self, action: Action) -> bool:
        """The role's answer for ``action`` on objects it says nothing particular about."""
        match action:
            case "read":
                return self.can_read_all_object_records
            case "update":
                return self.can_update_all_object_records
            case "soft_delete":
                return self.can_soft_delete_all_object_records
            case "destroy":
                return self.can_destroy_all_object_records

    @property
    def all_records(self) -> bool:
        """Whether the role may do everything to every object's records (Admin and Member may)."""
        return (self.can_read_all_object_records and self.can_update_all_object_records
                and self.can_soft_delete_all_object_records and self.can_destroy_all_object_records
                and not any(p.flag(a) is False for p in self.object_permissions.values()
                            for a in ("read", "update", "soft_delete", "destroy")))

    def allows(self, object_id: uuid.UUID, action: Action) -> bool:
        """Whether the role may ``action`` the records of the object ``object_id``."""
        override = self.object_permissions.get(object_id)
        flag = override.flag(action) if override is not None else None
        return self.flag(action) if flag is None else flag


class Permissions(msgspec.Struct, frozen=True, kw_only=True):
    """The roles of a workspace and the role of each API key that has one."""

    roles: dict[uuid.UUID, Role] = msgspec.field(default_factory=dict)
    key_roles: dict[uuid.UUID, uuid.UUID] = msgspec.field(default_factory=dict)

    def role_of_key(self, key_id: uuid.UUID) -> Role | None:
        """The key's role, or None: the key may do everything."""
        role_id = self.key_roles.get(key_id)
        return None if role_id is None else self.roles.get(role_id)


NO_ROLES = Permissions()
_PERMISSIONS = msgspec.json.Decoder(list[ObjectPermission])


def role_from_row(row: Any) -> Role:
    """A Role from a ``core.role`` row with its ``object_permissions`` JSON (storage/roles.py)."""
    raw = row["object_permissions"]
    permissions = _PERMISSIONS.decode(raw if isinstance(raw, bytes | str) else msgspec.json.encode(raw))
    return Role(id=row["id"], standard_id=row["standard_id"], label=row["label"],
                description=row["description"], icon=row["icon"], is_editable=row["is_editable"],
                can_update_all_settings=row["can_update_all_settings"],
                can_read_all_object_records=row["can_read_all_object_records"],
                can_update_all_object_records=row["can_update_all_object_records"],
                can_soft_delete_all_object_records=row["can_soft_delete_all_object_records"],
                can_destroy_all_object_records=row["can_destroy_all_object_records"],
                created_at=row["created_at"], updated_at=row["updated_at"],
                object_permissions={p.object_metadata_id: p for p in permissions})


async def load_permissions(db: Database, workspace_id: uuid.UUID) -> Permissions:
    """Every role of a workspace, and the role of each of its keys."""
    roles = {r.id: r for r in map(role_from_row, await role_store.load_roles(db, workspace_id))}
    keys = {row["id"]: row["role_id"] for row in await role_store.load_key_roles(db, workspace_id)}
    return Permissions(roles=roles, key_roles=keys)


def require(role: Role | None, obj: Object, action: Action) -> None:
    """Nothing when ``role`` may ``action`` the records of ``obj``.

    Raises:
        ForbiddenError: it may not.
    """
    if role is not None and not role.allows(obj.id, action):
        raise ForbiddenError(f"Permission denied: the role '{role.label}' cannot {_WORDS[action]} "
                             f"{obj.label_plural.lower()} records")


def require_settings(role: Role | None) -> None:
    """Nothing when ``role`` may manage the workspace (data model, API keys, webhooks, roles).

    Raises:
        ForbiddenError: it may not.
    """
    if role is not None and not role.can_update_all_settings:
        raise ForbiddenError(f"Permission denied: the role '{role.label}' cannot change the workspace's "
                             "settings")


def related(md: Metadata, obj: Object) -> Iterator[Object]:
    """The objects ``obj``'s relation fields lead to (read along when a REST read has ``depth=1``)."""
    for field in obj.fields.values():
        if field.relation is not None and field.relation.target in md.objects:
            yield md.objects[field.relation.target]


def selected_objects(md: Metadata, obj: Object, selection: SelectionSetNode | None,
                     fragments: dict[str, Any]) -> Iterator[Object]:
    """Every object a GraphQL selection on ``obj`` (a record, or a connection of records) reads through
    its relation fields, at any depth; @skip and @include are not looked at (more is checked, not less)."""
    for node in _fields(selection, fragments):
        if node.name.value in ("edges", "node"):  # a connection's records are under edges.node
            yield from selected_objects(md, obj, node.selection_set, fragments)
            continue
        field = obj.fields.get(node.name.value)
        if field is not None and field.relation is not None and field.relation.target in md.objects:
            target = md.objects[field.relation.target]
            yield target
            yield from selected_objects(md, target, node.selection_set, fragments)


def _fields(selection: SelectionSetNode | None, fragments: dict[str, Any]) -> Iterable[FieldNode]:
    if selection is None:
        return
    for node in selection.selections:
        if isinstance(node, FieldNode):
            yield node
        elif isinstance(node, InlineFragmentNode):
            yield from _fields(node.selection_set, fragments)
        elif isinstance(node, FragmentSpreadNode) and node.name.value in fragments:
            yield from _fields(fragments[node.name.value].selection_set, fragments)
