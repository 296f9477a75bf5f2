"""What a change-feed session asks of its workspace: a live subscription, and pages of past events."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from twenty_storage.events import replay_sql

from .errors import NotFoundError
from .permissions import Role, require
from .registry import Registry
from .workspace.feed import Subscriber
from .workspace.messages import RunRead, Subscribe

REPLAY_PAGE = 500


async def subscribe(registry: Registry, workspace_id: uuid.UUID, objects: list[str] | None,
                    actions: list[str] | None, role: Role | None = None) -> tuple[Subscriber, int, str]:
    """A live subscription, the sequence number it starts after, and the workspace's schema (for replay).

    Raises:
        NotFoundError: ``objects`` names objects the workspace does not have.
        ForbiddenError: ``role`` (an API key's) may not read the records of one of ``objects`` (of every
            object, when ``objects`` is None).
    """
    handle = await registry.handle(workspace_id)
    assert handle.state is not None
    metadata = handle.state.metadata.metadata
    unknown = [o for o in objects or [] if o not in metadata.objects]
    if unknown:
        raise NotFoundError(f"unknown objects: {', '.join(unknown)}")
    for name in objects if objects is not None else list(metadata.objects):
        require(role, metadata.objects[name], "read")
    sub, live_from = await registry.call(workspace_id, Subscribe(objects=objects, actions=actions), handle=handle)
    return sub, live_from, metadata.schema_name


async def replay_page(registry: Registry, workspace_id: uuid.UUID, schema: str, after: int, until: int,
                      objects: list[str] | None, actions: list[str] | None) -> list[dict[str, Any]]:
    """Past events with ``after < seq <= until``, oldest first, at most ``REPLAY_PAGE`` of them."""
    page = await registry.call(workspace_id, RunRead(sql=replay_sql(schema),
                                                     params=[after, until, objects, actions, REPLAY_PAGE]))
    items: list[dict[str, Any]] = msgspec.json.decode(page)
    return items
