"""What a new workspace is created with: standard objects, their tables, and the owner's member row."""

from __future__ import annotations

import uuid

from twenty_storage import ddl, metadata_store
from twenty_storage.accounts import workspace_schema_name
from twenty_storage.pg import Statement

from .standard import standard_objects


def new_workspace_statements(workspace_id: uuid.UUID, user_id: uuid.UUID | None, email: str | None) -> list[Statement]:
    """Metadata rows, tables and the owner's workspaceMember row, to run with the workspace's creation."""
    schema = workspace_schema_name(workspace_id)
    objects = standard_objects()
    statements: list[Statement] = []
    for obj in objects:
        statements.extend(metadata_store.insert_object_statements(workspace_id, obj))
    statements.extend(ddl.create_objects(schema, objects))
    if user_id is not None:
        statements.append(metadata_store.insert_member_statement(schema, user_id, email))
    return statements
