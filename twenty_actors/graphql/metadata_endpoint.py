"""``POST /metadata``: the metadata API for one authenticated caller."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..auth import Principal
from .endpoint import RejectedRequest, prepare, result_body
from .metadata_api import api_key_handlers
from .metadata_objects import object_handlers
from .metadata_webhooks import webhook_handlers
from .metadata_workspace import workspace_handlers
from .prefetch import execute_with_handlers

if TYPE_CHECKING:
    from ..services import Services


async def run_metadata_request(services: Services, principal: Principal, body: bytes) -> tuple[int, bytes]:
    """The HTTP status and body answering one metadata request."""
    cache = services.metadata_documents
    try:
        request, document, op = prepare(cache, body)
    except RejectedRequest as rejected:
        return rejected.status, rejected.body
    handlers = {**api_key_handlers(services.registry, services.auth, principal),
                **object_handlers(services.registry, principal),
                **webhook_handlers(services.registry, principal,
                                   allow_private=services.settings.webhook_allow_private),
                **workspace_handlers(services.registry, principal)}
    result = await execute_with_handlers(cache.schema, document, op, request.operation_name, request.variables,
                                         handlers)
    return 200, result_body(result)
