"""The caller of one request, resolved once by authentication: who it is and its running workspace.

Every later step of the request (rate limit, admission, planning, the reads and writes) takes what it
needs from here instead of looking the workspace up again.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, final

if TYPE_CHECKING:
    from .auth import Principal
    from .metadata.model import WorkspaceModel
    from .registry import Registry
    from .workspace.actor import WorkspaceHandle
    from .workspace.messages import WorkspaceMsg
    from .workspace.state import WorkspaceState


@final
class Caller:
    """An authenticated principal, its workspace's handle, and the state it was authenticated against."""

    __slots__ = ("handle", "principal", "registry", "state")

    def __init__(self, registry: Registry, principal: Principal, handle: WorkspaceHandle,
                 state: WorkspaceState) -> None:
        self.registry = registry
        self.principal = principal
        self.handle = handle
        self.state = state  # a snapshot: the metadata version this request is planned against

    @property
    def workspace_id(self) -> uuid.UUID:
        return self.principal.workspace_id

    @property
    def model(self) -> WorkspaceModel:
        """The workspace's metadata, schemas and plan caches at this request's version."""
        model: WorkspaceModel = self.state.metadata
        return model

    async def call(self, msg: WorkspaceMsg) -> Any:
        """Send ``msg`` to the workspace (see :meth:`Registry.call`), through the handle already found."""
        return await self.registry.call(self.principal.workspace_id, msg, handle=self.handle)
