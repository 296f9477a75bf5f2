"""``POST /metadata``: the metadata API for one authenticated caller."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..auth import Principal
from ..permissions import Role, require_settings
from .endpoint import RejectedRequest, prepare, result_body
from .metadata_api import api_key_handlers
from .metadata_objects import object_handlers
from .metadata_roles import role_handlers
from .metadata_webhooks import webhook_handlers
from .metadata_workspace import workspace_handlers
from .prefetch import Handler, execute_with_handlers

if TYPE_CHECKING:
    from ..services import Services


# what every caller may ask of /metadata; the rest (every mutation; API keys, webhooks and roles) needs a
# role that may update the workspace's settings (Twenty's settings permission guards)
OPEN_TO_ALL = frozenset({"objects", "object", "fields", "field", "relations", "relation", "currentWorkspace",
                         "currentUser"})


def _refused(role: Role) -> Handler:
    async def refuse(_args: dict[str, Any]) -> Any:
        require_settings(role)

    return refuse


async def run_metadata_request(services: Services, principal: Principal, body: bytes) -> tuple[int, bytes]:
    """The HTTP status and body answering one metadata request."""
    cache = services.metadata_documents
    try:
        request, document, op = prepare(cache, body)
    except RejectedRequest as rejected:
        return rejected.status, rejected.body
    handlers = {**api_key_handlers(services.registry, services.auth, principal),
                **role_handlers(services.registry, principal),
                **object_handlers(services.registry, principal),
                **webhook_handlers(services.registry, principal,
                                   allow_private=services.settings.webhook_allow_private),
                **workspace_handlers(services.registry, principal)}
    role = principal.role
    if role is not None and not role.can_update_all_settings:
        # a key whose role may not manage the workspace reads its data model and nothing else here
        handlers = {name: handler if name in OPEN_TO_ALL else _refused(role)
                    for name, handler in handlers.items()}
    result = await execute_with_handlers(cache.schema, document, op, request.operation_name,
                                         request.variables, handlers)
    return 200, result_body(result)
