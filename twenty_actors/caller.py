"""The caller of one request, resolved once by authentication: who it is and its running workspace.

Every later step of the request (rate limit, admission, planning, the reads and writes) takes what it
needs from here instead of looking the workspace up again.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, final

from .errors import ForbiddenError
from .permissions import VERB_ACTIONS, Action, Role, require, selected_objects
from .planning import Plan, bind, with_matched
from .workspace.messages import RunRead, RunWrite

if TYPE_CHECKING:
    from twenty_storage.model import Object

    from .auth import Principal
    from .graphql.selection import Operation
    from .metadata.model import WorkspaceModel
    from .registry import Registry
    from .workspace.actor import WorkspaceHandle
    from .workspace.messages import WorkspaceMsg
    from .workspace.state import WorkspaceState


@final
class Caller:
    """An authenticated principal, its workspace's handle, and the state it was authenticated against.

    A caller whose role (an API key's) limits what it may do to records reads and writes them only once
    the request was checked against it (:meth:`authorize`, :meth:`authorize_core`): a path that forgets
    the check is refused, not let through.
    """

    __slots__ = ("_checked", "handle", "principal", "registry", "state")

    def __init__(self, registry: Registry, principal: Principal, handle: WorkspaceHandle,
                 state: WorkspaceState) -> None:
        self.registry = registry
        self.principal = principal
        self.handle = handle
        self.state = state  # a snapshot: the metadata version this request is planned against
        # a role that may do everything to records (Admin's, Member's) has nothing to check them against
        self._checked = principal.role is None or principal.role.all_records

    @property
    def workspace_id(self) -> uuid.UUID:
        return self.principal.workspace_id

    @property
    def unrestricted(self) -> bool:
        """Whether the caller may do everything to every record (no role, or Admin's or Member's)."""
        role = self.principal.role
        return role is None or role.all_records

    @property
    def role(self) -> Role | None:
        """The caller's role (an API key's), or None: it may do everything."""
        return self.principal.role

    def authorize(self, obj: Object, action: Action) -> None:
        """Nothing when the caller may ``action`` the records of ``obj`` (see permissions.py).

        Raises:
            ForbiddenError: its role does not allow it.
        """
        require(self.principal.role, obj, action)
        self._checked = True

    def authorize_core(self, op: Operation) -> None:
        """Nothing when the caller's role allows a whole core GraphQL operation: each root field's read or
        write, and the reads of every object its selections lead to.

        Raises:
            ForbiddenError: its role does not allow one of them (nothing is done).
        """
        role = self.principal.role
        if role is None or role.all_records:
            return
        model = self.model
        md, roots = model.metadata, model.core.roots
        root_type = "Mutation" if op.node.operation.value == "mutation" else "Query"
        for nodes in op.fields(op.node.selection_set, root_type).values():
            root = roots.get(nodes[0].name.value)
            if root is None:  # __typename and introspection read no records
                continue
            kind, obj_name = root
            obj = md.objects[obj_name]
            verb = kind.partition("_")[0]
            require(role, obj, VERB_ACTIONS.get(verb, "read"))
            for node in nodes:
                if node.selection_set is not None:
                    require(role, obj, "read")
                for target in selected_objects(md, obj, node.selection_set, op.fragments):
                    require(role, target, "read")
        self._checked = True

    @property
    def model(self) -> WorkspaceModel:
        """The workspace's metadata, schemas and plan caches at this request's version."""
        model: WorkspaceModel = self.state.metadata
        return model

    async def call(self, msg: WorkspaceMsg) -> Any:
        """Send ``msg`` to the workspace (see :meth:`Registry.call`), through the handle already found.

        Raises:
            ForbiddenError: the caller has a role and the request was not checked against it.
        """
        if not self._checked:
            role = self.principal.role
            assert role is not None
            raise ForbiddenError(f"Permission denied: this request cannot be checked against the role "
                                 f"'{role.label}' of the API key")
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
