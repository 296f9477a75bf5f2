"""What a workspace actor knows, published as one immutable snapshot that readers share."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec


class ApiKey(msgspec.Struct, frozen=True, kw_only=True):
    """An API key as the actor caches it: enough to decide validity without a query."""

    id: uuid.UUID
    name: str
    expires_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime
    updated_at: datetime

    def is_valid(self, now: datetime) -> bool:
        """Not revoked and not expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def api_key_from_row(row: Any) -> ApiKey:
    """An ApiKey from a core.api_key row."""
    return ApiKey(
        id=row["id"],
        name=row["name"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class WorkspaceState(msgspec.Struct, frozen=True, kw_only=True):
    """A snapshot of a workspace: its schema name, metadata version, metadata and API keys."""

    workspace_id: uuid.UUID
    name: str
    schema_name: str
    metadata_version: int
    api_keys: dict[uuid.UUID, ApiKey]
    user_ids: frozenset[uuid.UUID] = frozenset()  # live users: a deleted user's access token is refused
    webhook_count: int = 0
    metadata: Any = None  # twenty_actors.metadata.Metadata, with its caches
