"""The model the planning tests compile against is the one a new workspace loads from its rows."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from ..conftest import Account, Server
from .conftest import standard_model


async def test_the_test_model_is_a_new_workspace_model(client: httpx.AsyncClient, server: Server,
                                                       account: Account) -> None:
    """``standard_model()`` (golden SQL, plan caching) has the objects and fields a new workspace loads."""
    handle = await server.services.registry.handle(uuid.UUID(account.workspace_id))
    assert handle.state is not None
    loaded = handle.state.metadata.metadata

    def outline(model_objects: Any) -> list[Any]:
        return [(o.name_singular, o.name_plural, o.is_system,
                 [(f.name, f.type, f.is_system, f.is_nullable, f.default_value, f.relation, f.position)
                  for f in o.fields.values()]) for o in model_objects.values()]

    assert outline(standard_model().metadata.objects) == outline(loaded.objects)
