"""The caller of one request, resolved once by authentication: who it is and its running workspace.

Every later step of the request (rate limit, admission, planning, the reads and writes) takes what it
needs from here instead of looking the workspace up again.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, final

from .planning import Plan, bind, with_matched
from .workspace.messages import RunRead, RunWrite

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

    async def read(self, plan: Plan, variables: dict[str, Any]) -> bytes:
        """A planned read (one statement answering JSON), bound to this request's values: the JSON bytes."""
        ((text, params),) = bind(plan, variables)
        answer: bytes = await self.call(RunRead(sql=text, params=params))
        return answer

    async def write(self, plan: Plan, variables: dict[str, Any], *, match: Plan | None = None, verb: str = "",
                    label: str = "") -> list[Any]:
        """A planned write through the workspace's write queue (group commit): the rows of each statement.

        A write by filter first reads the ids its filter matches (``match``, see ``planning.plan_match``)
        and is refused when they are more than one write may change.
        """
        if match is not None:
            variables = with_matched(variables, await self.read(match, variables), verb, label)
        rows: list[Any] = await self.call(RunWrite(statements=bind(plan, variables)))
        return rows
