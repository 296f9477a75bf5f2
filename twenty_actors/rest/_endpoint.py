"""The REST operations: plan against the workspace's metadata (_plans.py), bind, run.

Reads go to the workspace actor as one ``RunRead`` each and come back as the JSON bytes of the
whole answer; writes go through its write queue as one ``RunWrite`` each (a batch create is one
statement, so it commits or fails as a whole).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from ..errors import NotFoundError
from ..permissions import VERB_ACTIONS, related
from ._grammar import decode_query
from ._plans import (
    RestPlan,
    create_many_plan,
    create_plan,
    delete_plan,
    get_plan,
    list_plan,
    restore_plan,
    update_plan,
    write_many_plan,
)

if TYPE_CHECKING:
    from ..caller import Caller

_encode = msgspec.json.Encoder().encode


def _not_found(planned: RestPlan) -> NotFoundError:
    return NotFoundError(f"{planned.obj.label_singular} {planned.record_id} not found")


def _pascal(name: str) -> str:
    return name[0].upper() + name[1:]


def _data(answer: str, key: str | None = None) -> bytes:
    """``{"data": …}`` around a record's (or records') JSON as PostgreSQL built it; with ``key``, Twenty's
    envelope: ``{"data": {key: …}}``."""
    if key is None:
        return b'{"data":' + answer.encode() + b"}"
    return b'{"data":{' + _encode(key) + b":" + answer.encode() + b"}}"


def _depth(query_string: bytes) -> int:
    """The ``depth`` a read asks for (the planner has checked it already)."""
    return max((int(v) for k, v in decode_query(query_string) if k == "depth" and v.isdigit()), default=0)


async def _read(caller: Caller, planned: RestPlan, query_string: bytes) -> bytes:
    if caller.role is not None:
        caller.authorize(planned.obj, "read")
        if _depth(query_string) > 0:  # the records its relations lead to are read too
            for target in related(caller.model.metadata, planned.obj):
                caller.authorize(target, "read")
    return await caller.read(planned.plan, planned.variables)


async def _write(caller: Caller, planned: RestPlan) -> str | None:
    caller.authorize(planned.obj, VERB_ACTIONS[planned.verb])
    rows = await caller.write(planned.plan, planned.variables, match=planned.match, verb=planned.verb,
                              label=planned.obj.label_singular)
    answer: str | None = rows[0][0][0] if rows and rows[0] else None
    return answer


async def list_records(caller: Caller, plural: str, query_string: bytes, *, twenty: bool = False) -> bytes:
    """``GET /rest/{plural}``: ``{"data": [...], "meta": {...}}`` (Twenty's: ``{"data": {plural: […]}}``)."""
    return await _read(caller, list_plan(caller.model, plural, query_string, twenty=twenty), query_string)


async def get_record(caller: Caller, plural: str, raw_id: str, query_string: bytes, *,
                     twenty: bool = False) -> bytes:
    """``GET /rest/{plural}/{id}``: ``{"data": {...}}``; 404 when there is no such live record."""
    planned = get_plan(caller.model, plural, raw_id, query_string, twenty=twenty)
    body = await _read(caller, planned, query_string)
    if body == b"null":
        raise _not_found(planned)
    return body


async def create_record(caller: Caller, plural: str, body: bytes, query_string: bytes = b"", *,
                        twenty: bool = False) -> bytes:
    """``POST /rest/{plural}``: ``{"data": {...}}`` of the record created (or updated: ``upsert=true``)."""
    planned = create_plan(caller.model, plural, body, query_string)
    answer = await _write(caller, planned)
    assert answer is not None
    return _data(answer, f"create{_pascal(planned.obj.name_singular)}" if twenty else None)


async def create_records(caller: Caller, plural: str, body: bytes, query_string: bytes = b"", *,
                         twenty: bool = False) -> bytes:
    """``POST /rest/batch/{plural}``: all records or none, ``{"data": [...]}`` in the order given."""
    planned = create_many_plan(caller.model, plural, body, query_string)
    answer = await _write(caller, planned)
    return _data(answer or "[]", f"create{_pascal(planned.obj.name_plural)}" if twenty else None)


async def update_record(caller: Caller, plural: str, raw_id: str, body: bytes, *,
                        twenty: bool = False) -> bytes:
    """``PATCH /rest/{plural}/{id}``: ``{"data": {...}}`` after the change; 404 without such a record."""
    planned = update_plan(caller.model, plural, raw_id, body)
    answer = await _write(caller, planned)
    if answer is None:
        raise _not_found(planned)
    return _data(answer, f"update{_pascal(planned.obj.name_singular)}" if twenty else None)


async def delete_record(caller: Caller, plural: str, raw_id: str, query_string: bytes = b"", *,
                        twenty: bool = False) -> dict[str, Any]:
    """``DELETE /rest/{plural}/{id}``: ``{"data": {"id", "deleted": true}}`` (``twenty``:
    ``{"data": {"deleteCompany": {"id"}}}``).

    The delete is soft (``deletedAt`` is set; ``filter[deletedAt][is]=NOT_NULL`` still lists the
    record); ``?soft_delete=false`` removes it for good, as Twenty's REST API allows.
    """
    planned = delete_plan(caller.model, plural, raw_id, query_string)
    if await _write(caller, planned) is None:
        raise _not_found(planned)
    if twenty:
        return {"data": {f"delete{_pascal(planned.obj.name_singular)}": {"id": planned.record_id}}}
    return {"data": {"id": planned.record_id, "deleted": True}}


async def restore_record(caller: Caller, plural: str, raw_id: str, query_string: bytes = b"", *,
                         twenty: bool = False) -> bytes:
    """``PATCH /rest/restore/{plural}/{id}``: ``{"data": {...}}`` of the restored record, or 404."""
    planned = restore_plan(caller.model, plural, raw_id, query_string)
    answer = await _write(caller, planned)
    if answer is None:
        raise _not_found(planned)
    return _data(answer, f"restore{_pascal(planned.obj.name_singular)}" if twenty else None)


async def write_records(caller: Caller, plural: str, verb: str, query_string: bytes,
                        body: bytes | None = None, *, twenty: bool = False) -> bytes:
    """``PATCH``/``DELETE /rest/{plural}?filter=…`` and ``PATCH /rest/restore/{plural}?filter=…``: the records
    changed, ``{"data": [...]}`` (at most 500: a filter matching more is refused and changes nothing);
    ``twenty``: ``{"data": {"updateCompanies": [...]}}``, ``deleteCompanies``, ``restoreCompanies``."""
    planned = write_many_plan(caller.model, plural, verb, query_string, body)
    key = f"{verb}{_pascal(planned.obj.name_plural)}" if twenty else None
    return _data(await _write(caller, planned) or "[]", key)
