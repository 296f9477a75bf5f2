"""Metadata API handlers for objects, fields and relations: each change is one actor transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from twenty_storage import ddl, metadata_store
from twenty_storage.model import Field, Metadata, Object

from ..auth import Principal
from ..errors import NotFoundError, ValidationError
from ..metadata import changes
from ..registry import Registry
from ..workspace.messages import RunMetadataChange, RunRead
from .metadata_api import _parse_id, one_of
from .metadata_paging import connection

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def field_out(obj: Object, field: Field, times: dict[uuid.UUID, tuple[Any, Any]]) -> dict[str, Any]:
    """A field as the metadata API answers it."""
    created, updated = times.get(field.id, (_EPOCH, _EPOCH))
    rel = field.relation
    return {
        "id": str(field.id), "objectMetadataId": str(obj.id), "name": field.name, "label": field.label,
        "type": field.type, "description": field.description, "icon": field.icon, "isCustom": field.is_custom,
        "isActive": field.is_active, "isSystem": field.is_system, "isNullable": field.is_nullable,
        "defaultValue": field.default_value,
        "options": [{"id": o.id, "value": o.value, "label": o.label, "color": o.color, "position": o.position}
                    for o in field.options] if field.options is not None else None,
        "relationType": rel.kind if rel else None,
        "targetObjectMetadataId": None, "targetFieldMetadataName": rel.inverse if rel else None,
        "createdAt": created, "updatedAt": updated,
    }


def object_out(metadata: Metadata, obj: Object, times: dict[uuid.UUID, tuple[Any, Any]]) -> dict[str, Any]:
    """An object as the metadata API answers it, with its fields connection."""
    created, updated = times.get(obj.id, (_EPOCH, _EPOCH))
    fields = []
    for field in obj.fields.values():
        out = field_out(obj, field, times)
        if field.relation and field.relation.target in metadata.objects:
            out["targetObjectMetadataId"] = str(metadata.objects[field.relation.target].id)
        fields.append(out)
    return {
        "id": str(obj.id), "nameSingular": obj.name_singular, "namePlural": obj.name_plural,
        "labelSingular": obj.label_singular, "labelPlural": obj.label_plural, "description": obj.description,
        "icon": obj.icon, "isActive": obj.is_active, "isCustom": obj.is_custom, "isSystem": obj.is_system,
        "createdAt": created, "updatedAt": updated, "fields": connection(fields),
    }


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
    wid = principal.workspace_id

    async def current() -> Metadata:
        handle = await registry.handle(wid)
        assert handle.state is not None
        metadata: Metadata = handle.state.metadata.metadata
        return metadata

    async def times() -> dict[uuid.UUID, tuple[Any, Any]]:
        return await metadata_store.object_times(registry.db, wid)

    async def apply(statements: list[Any]) -> Metadata:
        await registry.call(wid, RunMetadataChange(statements=statements))
        return await current()

    async def objects(args: dict[str, Any]) -> dict[str, Any]:
        md, t = await current(), await times()
        return connection([object_out(md, o, t) for o in md.objects.values()], args.get("paging"),
                          args.get("filter"))

    async def one_object(args: dict[str, Any]) -> dict[str, Any] | None:
        md = await current()
        try:
            obj = changes.find_object(md, args["id"])
        except NotFoundError:
            return None
        return object_out(md, obj, await times())

    async def fields(args: dict[str, Any]) -> dict[str, Any]:
        md, t = await current(), await times()
        return connection([field_out(o, f, t) for o in md.objects.values() for f in o.fields.values()],
                          args.get("paging"), args.get("filter"))

    async def one_field(args: dict[str, Any]) -> dict[str, Any] | None:
        md = await current()
        try:
            obj, field = changes.find_field(md, args["id"])
        except NotFoundError:
            return None
        return field_out(obj, field, await times())

    async def create_object(args: dict[str, Any]) -> dict[str, Any]:
        wrapped = one_of(args, ("data",), "input", "createOneObject")
        data = wrapped["object"] if wrapped else args["data"]
        statements, obj = changes.create_object(await current(), data)
        md = await apply(statements)
        return object_out(md, md.objects[obj.name_singular], await times())

    async def update_object(args: dict[str, Any]) -> dict[str, Any]:
        object_id, data = _id_and_changes(args, "updateOneObject")
        md = await apply(changes.update_object(await current(), object_id, data))
        return object_out(md, changes.find_object(md, object_id), await times())

    async def delete_object(args: dict[str, Any]) -> dict[str, Any]:
        md = await current()
        statements, obj = changes.delete_object(md, _id_of(args, "deleteOneObject"))
        out = object_out(md, obj, await times())
        await apply(statements)
        return out

    async def create_field(args: dict[str, Any]) -> dict[str, Any]:
        wrapped = one_of(args, ("data",), "input", "createOneField")
        data = wrapped["field"] if wrapped else args["data"]
        statements, field = changes.create_field(await current(), data)
        md = await apply(statements)
        obj, new = changes.find_field(md, field.id)
        return field_out(obj, new, await times())

    async def update_field(args: dict[str, Any]) -> dict[str, Any]:
        field_id, data = _id_and_changes(args, "updateOneField")
        md = await current()
        statements, removed = changes.update_field(md, field_id, data)
        if removed:
            obj, field = changes.find_field(md, field_id)
            sql, params = ddl.column_uses_values(md.schema_name, obj, field, list(removed))
            in_use = await registry.call(wid, RunRead(sql=sql, params=params))
            if in_use == b"true":
                raise ValidationError(
                    f"Options {', '.join(removed)} are still used by records; change those records first",
                    details=[{"field": "options", "message": "option in use"}])
        md = await apply(statements)
        obj, field = changes.find_field(md, field_id)
        return field_out(obj, field, await times())

    async def delete_field(args: dict[str, Any]) -> dict[str, Any]:
        md = await current()
        statements, field = changes.delete_field(md, _id_of(args, "deleteOneField"))
        obj, _ = changes.find_field(md, field.id)
        out = field_out(obj, field, await times())
        await apply(statements)
        return out

    async def create_relation(args: dict[str, Any]) -> dict[str, Any]:
        md = await current()
        data = args["data"]
        statements, from_field = changes.create_relation(md, data)
        md = await apply(statements)
        source, new_from = changes.find_field(md, from_field.id)
        target = changes.find_object(md, data["toObjectMetadataId"])
        to_field = target.fields[data["toFieldMetadataName"]]
        return {"id": str(new_from.id), "relationType": data["relationType"],
                "fromObjectMetadataId": str(source.id), "toObjectMetadataId": str(target.id),
                "fromFieldMetadataId": str(new_from.id), "toFieldMetadataId": str(to_field.id)}

    return {"objects": objects, "object": one_object, "fields": fields, "field": one_field,
            "createOneObject": create_object, "updateOneObject": update_object,
            "deleteOneObject": delete_object, "createOneField": create_field, "updateOneField": update_field,
            "deleteOneField": delete_field,
            "createOneRelation": create_relation}
