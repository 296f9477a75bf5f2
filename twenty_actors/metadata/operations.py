"""The metadata operations behind both front ends: GraphQL at ``/metadata`` and REST at ``/rest/metadata``.

Each operation takes plain values (the front end has decoded and checked their shape), plans a change
with ``changes.py``, runs it as one transaction in the workspace actor, and answers the nodes both APIs
show: objects (with their fields), fields, and relations. The front ends differ only in how they read
a request and how they wrap the answer.

A relation is a pair of RELATION fields; it is named by the id of either of its fields, and seen from
that field (``relationType`` as that field's object sees it). A list shows each pair once, from its
"one" side (or the side that holds the join column of a one-to-one). A many-to-many relation is
stored as a junction object with a link to each side (``changes._create_many_to_many``); it is shown as
one MANY_TO_MANY relation between the two objects, and deleting it deletes the junction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, final

from twenty_storage import ddl, metadata_store
from twenty_storage.model import Field, Metadata, Object

from ..errors import NotFoundError, ValidationError
from ..workspace.messages import RunMetadataChange, RunRead
from . import changes
from .paging import connection

if TYPE_CHECKING:
    from ..registry import Registry

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Times = dict[uuid.UUID, tuple[Any, Any]]


def _ref(obj: Object) -> dict[str, Any]:
    return {"id": str(obj.id), "nameSingular": obj.name_singular, "namePlural": obj.name_plural}


def field_out(md: Metadata, obj: Object, field: Field, times: Times) -> dict[str, Any]:
    """A field as the metadata API answers it (a relation field with its other side, as Twenty shows it)."""
    created, updated = times.get(field.id, (_EPOCH, _EPOCH))
    rel = field.relation
    target = md.objects.get(rel.target) if rel else None
    inverse = target.fields.get(rel.inverse) if rel and target else None
    relation = None
    if rel is not None and target is not None:
        relation = {"type": rel.kind, "sourceObjectMetadata": _ref(obj), "targetObjectMetadata": _ref(target),
                    "sourceFieldMetadata": {"id": str(field.id), "name": field.name},
                    "targetFieldMetadata": {"id": str(inverse.id), "name": inverse.name} if inverse else None}
    return {
        "id": str(field.id), "objectMetadataId": str(obj.id), "name": field.name, "label": field.label,
        "type": field.type, "description": field.description, "icon": field.icon, "isCustom": field.is_custom,
        "isActive": field.is_active, "isSystem": field.is_system, "isNullable": field.is_nullable,
        "isUnique": field.is_unique, "defaultValue": field.default_value,
        "options": [{"id": o.id, "value": o.value, "label": o.label, "color": o.color, "position": o.position}
                    for o in field.options] if field.options is not None else None,
        "relationType": rel.kind if rel else None,
        "targetObjectMetadataId": str(target.id) if target else None,
        "targetFieldMetadataName": rel.inverse if rel else None,
        "relation": relation,
        "createdAt": created, "updatedAt": updated,
    }


def object_out(md: Metadata, obj: Object, times: Times) -> dict[str, Any]:
    """An object as the metadata API answers it, with its fields connection."""
    created, updated = times.get(obj.id, (_EPOCH, _EPOCH))
    return {
        "id": str(obj.id), "nameSingular": obj.name_singular, "namePlural": obj.name_plural,
        "labelSingular": obj.label_singular, "labelPlural": obj.label_plural, "description": obj.description,
        "icon": obj.icon, "isActive": obj.is_active, "isCustom": obj.is_custom, "isSystem": obj.is_system,
        "createdAt": created, "updatedAt": updated,
        "fields": connection([field_out(md, obj, f, times) for f in obj.fields.values()]),
    }


# --- relations as pairs of fields ------------------------------------------------------------

def _pascal(name: str) -> str:
    return name[0].upper() + name[1:]


def _junction_side(md: Metadata, obj: Object, field: Field) -> tuple[Object, Field, Object] | None:
    """For the field of a many-to-many relation (its connection to the junction): the other object, its
    field, and the junction. None for any other field."""
    rel = field.relation
    if rel is None or rel.kind != "ONE_TO_MANY":
        return None
    junction = md.objects.get(rel.target)
    link = junction.fields.get(rel.inverse) if junction else None
    if junction is None or link is None or not junction.is_custom:
        return None
    links = [f for f in junction.fields.values() if f.relation and f.relation.kind == "MANY_TO_ONE"]
    if len(links) != 2:
        return None
    other_link = links[0] if links[1].name == link.name else links[1]
    assert other_link.relation is not None
    other = md.objects.get(other_link.relation.target)
    other_field = other.fields.get(other_link.relation.inverse) if other else None
    if other is None or other_field is None:
        return None
    # the junction is named after the side it was made from: <object><Field>Link
    made_from_here = junction.name_singular == obj.name_singular + _pascal(field.name) + "Link"
    made_from_there = junction.name_singular == other.name_singular + _pascal(other_field.name) + "Link"
    return (other, other_field, junction) if made_from_here or made_from_there else None


def relation_out(md: Metadata, obj: Object, field: Field) -> dict[str, Any] | None:
    """The relation a RELATION field belongs to, seen from that field (None: not a relation field)."""
    rel = field.relation
    if rel is None or rel.target not in md.objects:
        return None
    kind = rel.kind
    junction = _junction_side(md, obj, field)
    if junction is not None:
        kind, (target, inverse, _) = "MANY_TO_MANY", junction
    else:
        target = md.objects[rel.target]
        found = target.fields.get(rel.inverse)
        if found is None:
            return None
        inverse = found
    return {"id": str(field.id), "relationType": kind, "fromObjectMetadataId": str(obj.id),
            "toObjectMetadataId": str(target.id), "fromFieldMetadataId": str(field.id),
            "toFieldMetadataId": str(inverse.id), "fromFieldMetadataName": field.name,
            "toFieldMetadataName": inverse.name}


def _listed(md: Metadata, obj: Object, field: Field) -> bool:
    """Whether a relation is listed from this side: each pair once."""
    rel = field.relation
    if rel is None:
        return False
    target = md.objects.get(rel.target)
    if target is None:
        return False
    if _junction_side(md, obj, field) is not None:  # a many-to-many: from the side it was made from
        return target.name_singular == obj.name_singular + _pascal(field.name) + "Link"
    inverse = target.fields.get(rel.inverse)
    if inverse is not None and _junction_side(md, target, inverse) is not None:
        return False  # a junction's link: shown as part of its many-to-many
    if rel.kind == "ONE_TO_ONE":
        return rel.owner
    return rel.kind == "ONE_TO_MANY"


def all_relations(md: Metadata) -> list[dict[str, Any]]:
    """Every relation of the workspace, once each."""
    out = []
    for obj in md.objects.values():
        for field in obj.fields.values():
            if _listed(md, obj, field):
                node = relation_out(md, obj, field)
                if node is not None:
                    out.append(node)
    return out


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", details=[{"field": field, "message": message}])


@final
class MetadataOps:
    """The metadata operations of one workspace, for one request."""

    def __init__(self, registry: Registry, workspace_id: uuid.UUID) -> None:
        self.registry = registry
        self.workspace_id = workspace_id

    async def current(self) -> Metadata:
        """The workspace's metadata as its actor holds it now."""
        handle = await self.registry.handle(self.workspace_id)
        assert handle.state is not None
        metadata: Metadata = handle.state.metadata.metadata
        return metadata

    async def _times(self) -> Times:
        return await metadata_store.object_times(self.registry.db, self.workspace_id)

    async def _apply(self, statements: list[Any]) -> Metadata:
        await self.registry.call(self.workspace_id, RunMetadataChange(statements=statements))
        return await self.current()

    # --- objects ----------------------------------------------------------------------------

    async def objects(self, paging: dict[str, Any] | None = None,
                      filter_: dict[str, Any] | None = None) -> dict[str, Any]:
        """The objects connection, cut by ``paging`` and ``filter_`` (all of them without)."""
        md, times = await self.current(), await self._times()
        return connection([object_out(md, o, times) for o in md.objects.values()], paging, filter_)

    async def object(self, object_id: Any) -> dict[str, Any] | None:
        """One object, or None."""
        md = await self.current()
        try:
            obj = changes.find_object(md, object_id)
        except NotFoundError:
            return None
        return object_out(md, obj, await self._times())

    async def create_object(self, data: dict[str, Any]) -> dict[str, Any]:
        """A new custom object (its table, system fields and ``name``)."""
        statements, obj = changes.create_object(await self.current(), data)
        md = await self._apply(statements)
        return object_out(md, md.objects[obj.name_singular], await self._times())

    async def update_object(self, object_id: uuid.UUID, data: dict[str, Any]) -> dict[str, Any]:
        """Labels, description, icon, isActive."""
        md = await self._apply(changes.update_object(await self.current(), object_id, data))
        return object_out(md, changes.find_object(md, object_id), await self._times())

    async def delete_object(self, object_id: uuid.UUID) -> dict[str, Any]:
        """Drop a custom object; the object as it was."""
        md = await self.current()
        statements, obj = changes.delete_object(md, object_id)
        out = object_out(md, obj, await self._times())
        await self._apply(statements)
        return out

    # --- fields -----------------------------------------------------------------------------

    async def fields(self, paging: dict[str, Any] | None = None,
                     filter_: dict[str, Any] | None = None) -> dict[str, Any]:
        """The fields connection of every object, cut by ``paging`` and ``filter_``."""
        md, times = await self.current(), await self._times()
        nodes = [field_out(md, o, f, times) for o in md.objects.values() for f in o.fields.values()]
        return connection(nodes, paging, filter_)

    async def field(self, field_id: Any) -> dict[str, Any] | None:
        """One field, or None."""
        md = await self.current()
        try:
            obj, field = changes.find_field(md, field_id)
        except NotFoundError:
            return None
        return field_out(md, obj, field, await self._times())

    async def create_field(self, data: dict[str, Any]) -> dict[str, Any]:
        """A new field of any type (a RELATION one through ``relationCreationPayload``)."""
        statements, field = changes.create_field(await self.current(), data)
        md = await self._apply(statements)
        obj, new = changes.find_field(md, field.id)
        return field_out(md, obj, new, await self._times())

    async def update_field(self, field_id: uuid.UUID, data: dict[str, Any]) -> dict[str, Any]:
        """Label, description, icon, isActive, isNullable, isUnique, defaultValue, options.

        Raises:
            ValidationError: the change removes SELECT options that records still use, or makes a field
                unique whose value records (live or deleted) share.
        """
        md = await self.current()
        statements, removed = changes.update_field(md, field_id, data)
        obj, field = changes.find_field(md, field_id)
        if data.get("isUnique") and not field.is_unique:
            sql, params = ddl.column_has_duplicates(md.schema_name, obj, field)
            if await self.registry.call(self.workspace_id, RunRead(sql=sql, params=params)) == b"true":
                message = (f"{obj.name_singular}.{field.name} cannot be unique: records (deleted ones too) "
                           f"share a value; merge or destroy the duplicates first")
                raise ValidationError(message, details=[{"field": "isUnique", "message": message}])
        if removed:
            obj, field = changes.find_field(md, field_id)
            sql, params = ddl.column_uses_values(md.schema_name, obj, field, list(removed))
            in_use = await self.registry.call(self.workspace_id, RunRead(sql=sql, params=params))
            if in_use == b"true":
                raise ValidationError(
                    f"Options {', '.join(removed)} are still used by records; change those records first",
                    details=[{"field": "options", "message": "option in use"}])
        md = await self._apply(statements)
        obj, field = changes.find_field(md, field_id)
        return field_out(md, obj, field, await self._times())

    async def delete_field(self, field_id: uuid.UUID) -> dict[str, Any]:
        """Drop a custom field (both sides of a relation); the field as it was."""
        md = await self.current()
        statements, field = changes.delete_field(md, field_id)
        obj, _ = changes.find_field(md, field.id)
        out = field_out(md, obj, field, await self._times())
        await self._apply(statements)
        return out

    # --- relations --------------------------------------------------------------------------

    async def create_relation(self, data: dict[str, Any]) -> dict[str, Any]:
        """Both fields of a new relation (a junction object for MANY_TO_MANY); the relation."""
        statements, from_field = changes.create_relation(await self.current(), data)
        md = await self._apply(statements)
        source, new_from = changes.find_field(md, from_field.id)
        target = changes.find_object(md, data["toObjectMetadataId"])
        to_field = target.fields[data["toFieldMetadataName"]]
        return {"id": str(new_from.id), "relationType": data["relationType"],
                "fromObjectMetadataId": str(source.id), "toObjectMetadataId": str(target.id),
                "fromFieldMetadataId": str(new_from.id), "toFieldMetadataId": str(to_field.id),
                "fromFieldMetadataName": new_from.name, "toFieldMetadataName": to_field.name}

    async def relations(self, paging: dict[str, Any] | None = None) -> dict[str, Any]:
        """The relations connection: each relation once."""
        return connection(all_relations(await self.current()), paging)

    async def relation(self, field_id: Any) -> dict[str, Any] | None:
        """The relation of a RELATION field, seen from it; None when there is no such field."""
        md = await self.current()
        try:
            obj, field = changes.find_field(md, field_id)
        except NotFoundError:
            return None
        return relation_out(md, obj, field)

    async def delete_relation(self, field_id: uuid.UUID) -> dict[str, Any]:
        """Delete a custom relation: both its fields (and the junction of a many-to-many); the relation."""
        md = await self.current()
        obj, field = changes.find_field(md, field_id)
        out = relation_out(md, obj, field)
        if out is None:
            raise _invalid("id", "is not the id of a relation field")
        junction = _junction_side(md, obj, field)
        if junction is None and field.relation is not None:  # a junction's own link: its many-to-many goes
            inverse = md.objects[field.relation.target].fields.get(field.relation.inverse)
            owner = md.objects[field.relation.target]
            junction = _junction_side(md, owner, inverse) if inverse is not None else None
        if junction is not None:
            statements, _ = changes.delete_object(md, junction[2].id)
        else:
            statements, _ = changes.delete_field(md, field.id)
        await self._apply(statements)
        return out
