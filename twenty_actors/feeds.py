"""What a change-feed session asks of its workspace: a live subscription, and pages of past events."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from twenty_storage.events import replay_sql

from .registry import Registry
from .workspace.feed import Subscriber
from .workspace.messages import RunRead, Subscribe

REPLAY_PAGE = 500


async def subscribe(registry: Registry, workspace_id: uuid.UUID, objects: list[str] | None,
                    actions: list[str] | None) -> tuple[Subscriber, int, str]:
    """A live subscription, the sequence number it starts after, and the workspace's schema (for replay)."""
    handle = await registry.handle(workspace_id)
    assert handle.state is not None
    schema = handle.state.metadata.metadata.schema_name
    sub, live_from = await registry.call(workspace_id, Subscribe(objects=objects, actions=actions))
    return sub, live_from, schema


async def object_names(registry: Registry, workspace_id: uuid.UUID) -> frozenset[str]:
    """The names of the workspace's objects, to check a subscription's filter against."""
    handle = await registry.handle(workspace_id)
    assert handle.state is not None
    return frozenset(handle.state.metadata.metadata.objects)


async def replay_page(registry: Registry, workspace_id: uuid.UUID, schema: str, after: int, until: int,
                      objects: list[str] | None, actions: list[str] | None) -> list[dict[str, Any]]:
    """Past events with ``after < seq <= until``, oldest first, at most ``REPLAY_PAGE`` of them."""
    page = await registry.call(workspace_id, RunRead(sql=replay_sql(schema),
                                                     params=[after, until, objects, actions, REPLAY_PAGE]))
    items: list[dict[str, Any]] = msgspec.json.decode(page)
    return items
