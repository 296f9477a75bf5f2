"""The workspace model of a new workspace, built without a database (planning and compiling are pure)."""

from __future__ import annotations

import uuid

from twenty_storage.accounts import workspace_schema_name
from twenty_storage.model import Metadata, Object

from twenty_actors.metadata.model import WorkspaceModel
from twenty_actors.metadata.standard import standard_objects

WORKSPACE_ID = uuid.UUID(int=1)


def loaded_order(objects: list[Object]) -> dict[str, Object]:
    """Objects and fields in the order ``metadata_store.load_metadata`` reads them back.

    A new workspace's rows are written in one transaction, so they share ``created_at``: objects come by
    name, fields by position, then name.
    """
    out: dict[str, Object] = {}
    for obj in sorted(objects, key=lambda o: o.name_singular):
        fields = sorted(obj.fields.values(), key=lambda f: (f.position, f.name))
        out[obj.name_singular] = Object(
            id=obj.id, name_singular=obj.name_singular, name_plural=obj.name_plural,
            label_singular=obj.label_singular, label_plural=obj.label_plural, description=obj.description,
            icon=obj.icon, is_custom=obj.is_custom, is_system=obj.is_system, is_active=obj.is_active,
            fields={f.name: f for f in fields})
    return out


def standard_model() -> WorkspaceModel:
    """A fresh workspace's model: the standard objects at metadata version 1, a fixed schema name."""
    metadata = Metadata(workspace_id=WORKSPACE_ID, schema_name=workspace_schema_name(WORKSPACE_ID), version=1,
                        objects=loaded_order(standard_objects()))
    return WorkspaceModel(metadata)
