"""The REST operations: plan against the workspace's metadata (_plans.py), bind, run.

Reads go to the workspace actor as one ``RunRead`` each and come back as the JSON bytes of the
whole answer; writes go through its write queue as one ``RunWrite`` each (a batch create is one
statement, so it commits or fails as a whole).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import NotFoundError
from ..metadata.model import WorkspaceModel
from ..planning import bind
from ..workspace.messages import RunRead, RunWrite
from ._plans import (
    RestPlan,
    create_many_plan,
    create_plan,
    delete_plan,
    get_plan,
    list_plan,
    update_plan,
)

if TYPE_CHECKING:
    from ..auth import Principal
    from ..registry import Registry


async def workspace_model(registry: Registry, principal: Principal) -> WorkspaceModel:
    """The caller's workspace at its current metadata version."""
    handle = await registry.handle(principal.workspace_id)
    assert handle.state is not None
    model: WorkspaceModel = handle.state.metadata
    return model


def _not_found(planned: RestPlan) -> NotFoundError:
    return NotFoundError(f"{planned.obj.label_singular} {planned.record_id} not found")


async def _read(registry: Registry, principal: Principal, planned: RestPlan) -> bytes:
    [(sql, params)] = bind(planned.plan, planned.variables)
    body: bytes = await registry.call(principal.workspace_id, RunRead(sql=sql, params=params))
    return body


async def _write(registry: Registry, principal: Principal, planned: RestPlan) -> str | None:
    statements = bind(planned.plan, planned.variables)
    rows = await registry.call(principal.workspace_id, RunWrite(statements=statements))
    answer: str | None = rows[0][0][0] if rows and rows[0] else None
    return answer


async def list_records(registry: Registry, principal: Principal, plural: str, query_string: bytes) -> bytes:
    """``GET /rest/{plural}``: ``{"data": [...], "meta": {...}}``."""
    model = await workspace_model(registry, principal)
    return await _read(registry, principal, list_plan(model, plural, query_string))


async def get_record(registry: Registry, principal: Principal, plural: str, raw_id: str,
                     query_string: bytes) -> bytes:
    """``GET /rest/{plural}/{id}``: ``{"data": {...}}``; 404 when there is no such live record."""
    planned = get_plan(await workspace_model(registry, principal), plural, raw_id, query_string)
    body = await _read(registry, principal, planned)
    if body == b"null":
        raise _not_found(planned)
    return body


async def create_record(registry: Registry, principal: Principal, plural: str, body: bytes) -> bytes:
    """``POST /rest/{plural}``: ``{"data": {...}}`` of the created record."""
    planned = create_plan(await workspace_model(registry, principal), plural, body)
    answer = await _write(registry, principal, planned)
    assert answer is not None
    return b'{"data":' + answer.encode() + b"}"


async def create_records(registry: Registry, principal: Principal, plural: str, body: bytes) -> bytes:
    """``POST /rest/batch/{plural}``: all records or none, ``{"data": [...]}`` in the order given."""
    planned = create_many_plan(await workspace_model(registry, principal), plural, body)
    answer = await _write(registry, principal, planned)
    return b'{"data":' + (answer or "[]").encode() + b"}"


async def update_record(registry: Registry, principal: Principal, plural: str, raw_id: str,
                        body: bytes) -> bytes:
    """``PATCH /rest/{plural}/{id}``: ``{"data": {...}}`` after the change; 404 without such a record."""
    planned = update_plan(await workspace_model(registry, principal), plural, raw_id, body)
    answer = await _write(registry, principal, planned)
    if answer is None:
        raise _not_found(planned)
    return b'{"data":' + answer.encode() + b"}"


async def delete_record(registry: Registry, principal: Principal, plural: str, raw_id: str,
                        query_string: bytes = b"") -> dict[str, Any]:
    """``DELETE /rest/{plural}/{id}``: ``{"data": {"id", "deleted": true}}``.

    The delete is soft (``deletedAt`` is set; ``filter[deletedAt][is]=NOT_NULL`` still lists the
    record); ``?soft_delete=false`` removes it for good, as Twenty's REST API allows.
    """
    planned = delete_plan(await workspace_model(registry, principal), plural, raw_id, query_string)
    if await _write(registry, principal, planned) is None:
        raise _not_found(planned)
    return {"data": {"id": planned.record_id, "deleted": True}}
