"""Metadata API handlers for objects, fields and relations: GraphQL's arguments → ``MetadataOps``.

The operations themselves (one actor transaction each) are ``metadata/operations.py``, shared with
the REST front end at ``/rest/metadata``; here are only the two argument shapes each mutation takes
(API.md's ``data``/``id``, or Twenty's ``input``).
"""

from __future__ import annotations

import uuid
from typing import Any

from ..auth import Principal
from ..metadata.operations import MetadataOps
from ..registry import Registry
from .metadata_api import _parse_id, one_of


def _id_of(args: dict[str, Any], field: str) -> uuid.UUID:
    """The id of ``(id:)`` (API.md) or ``(input: {id})`` (Twenty); ValidationError when not a UUID."""
    wrapped = one_of(args, ("id",), "input", field)
    return _parse_id(wrapped["id"] if wrapped else args["id"])


def _id_and_changes(args: dict[str, Any], field: str) -> tuple[uuid.UUID, dict[str, Any]]:
    """The id and changes of ``(id:, data:)`` (API.md) or ``(input: {id, update})`` (Twenty)."""
    wrapped = one_of(args, ("id", "data"), "input", field)
    if wrapped:
        return _parse_id(wrapped["id"]), wrapped["update"]
    return _parse_id(args["id"]), args["data"]


def object_handlers(registry: Registry, principal: Principal) -> dict[str, Any]:
    """Root-field handlers for objects, fields and relations, bound to one caller."""
    ops = MetadataOps(registry, principal.workspace_id)

    async def objects(args: dict[str, Any]) -> dict[str, Any]:
        return await ops.objects(args.get("paging"), args.get("filter"))

    async def one_object(args: dict[str, Any]) -> dict[str, Any] | None:
        return await ops.object(args["id"])

    async def fields(args: dict[str, Any]) -> dict[str, Any]:
        return await ops.fields(args.get("paging"), args.get("filter"))

    async def one_field(args: dict[str, Any]) -> dict[str, Any] | None:
        return await ops.field(args["id"])

    async def create_object(args: dict[str, Any]) -> dict[str, Any]:
        wrapped = one_of(args, ("data",), "input", "createOneObject")
        return await ops.create_object(wrapped["object"] if wrapped else args["data"])

    async def update_object(args: dict[str, Any]) -> dict[str, Any]:
        return await ops.update_object(*_id_and_changes(args, "updateOneObject"))

    async def delete_object(args: dict[str, Any]) -> dict[str, Any]:
        return await ops.delete_object(_id_of(args, "deleteOneObject"))

    async def create_field(args: dict[str, Any]) -> dict[str, Any]:
        wrapped = one_of(args, ("data",), "input", "createOneField")
        return await ops.create_field(wrapped["field"] if wrapped else args["data"])

    async def update_field(args: dict[str, Any]) -> dict[str, Any]:
        return await ops.update_field(*_id_and_changes(args, "updateOneField"))

    async def delete_field(args: dict[str, Any]) -> dict[str, Any]:
        return await ops.delete_field(_id_of(args, "deleteOneField"))

    async def create_relation(args: dict[str, Any]) -> dict[str, Any]:
        return await ops.create_relation(args["data"])

    async def relations(args: dict[str, Any]) -> dict[str, Any]:
        return await ops.relations(args.get("paging"))

    async def one_relation(args: dict[str, Any]) -> dict[str, Any] | None:
        return await ops.relation(args["id"])

    async def delete_relation(args: dict[str, Any]) -> dict[str, Any]:
        return await ops.delete_relation(_id_of(args, "deleteOneRelation"))

    return {"objects": objects, "object": one_object, "fields": fields, "field": one_field,
            "relations": relations, "relation": one_relation,
            "createOneObject": create_object, "updateOneObject": update_object,
            "deleteOneObject": delete_object, "createOneField": create_field, "updateOneField": update_field,
            "deleteOneField": delete_field, "createOneRelation": create_relation,
            "deleteOneRelation": delete_relation}
