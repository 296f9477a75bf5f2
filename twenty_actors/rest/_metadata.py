"""The metadata over REST, as Twenty serves it: ``/rest/metadata/{objects|fields|relations}[/{id}]``.

A second front end of the metadata operations (``metadata/operations.py``), beside GraphQL at
``/metadata``. A body is the metadata API's own input type (``CreateObjectInput``, ``UpdateFieldInput``,
``CreateRelationInput``, …), checked by graphql-core's input coercion against the ``/metadata`` schema, so
both front ends take exactly the same shapes and refuse the same mistakes (unknown fields included).

Answers are Twenty's REST envelopes for its metadata (API.md shows none): a list is
``{"data": {"objects": [...]}, "pageInfo": {...}, "totalCount": N}``, one node ``{"data": {"object": …}}``,
and writes ``{"data": {"createOneObject": …}}``, ``updateOneObject``, ``deleteOneObject: {"id"}`` (likewise
for fields and relations). Connections inside a node (an object's ``fields``) are plain arrays, as
Twenty's REST API flattens them. Lists page by ``limit`` (default and cap 1000), ``starting_after`` and
``ending_before``; a cursor is a node's id.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec
from graphql import GraphQLError, GraphQLNonNull, GraphQLSchema, coerce_input_value

from ..errors import NotFoundError, ValidationError
from ..graphql.scalars import format_datetime
from ..metadata.operations import MetadataOps
from ..permissions import require_settings
from ._body import decode_json
from ._grammar import decode_query
from ._query import check_parameters
from ._values import invalid

if TYPE_CHECKING:
    from ..caller import Caller

KINDS = {"objects": "object", "fields": "field", "relations": "relation"}
# the /metadata input type a body is checked against, by (collection, write)
INPUT_TYPES = {("objects", "create"): "CreateObjectInput", ("objects", "update"): "UpdateObjectInput",
               ("fields", "create"): "CreateFieldInput", ("fields", "update"): "UpdateFieldInput",
               ("relations", "create"): "CreateRelationInput"}
LIST_PARAMETERS = frozenset({"limit", "starting_after", "ending_before"})
MAX_LIMIT = 1000  # Twenty's default page of metadata, and ours the most
_encode = msgspec.json.Encoder().encode
_MEMBER = re.compile(r"^Field '(?P<name>\w+)' (?:of required type '[^']*' (?P<missing>was not provided)"
                     r"|is not defined by type '(?P<type>\w+)')")


def _kind(collection: str) -> str:
    kind = KINDS.get(collection)
    if kind is None:
        raise NotFoundError(f"No metadata named '{collection[:64]}': use objects, fields or relations")
    return kind


def _id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise invalid("id", "must be a UUID") from None


def _pascal(name: str) -> str:
    return name[0].upper() + name[1:]


def plain(value: Any) -> Any:
    """A node as REST answers it: nested connections as arrays of their nodes, times as ISO 8601 text."""
    if isinstance(value, dict):
        if "edges" in value and "pageInfo" in value:
            return [plain(edge["node"]) for edge in value["edges"]]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, datetime):
        return format_datetime(value)
    return value


def check_body(schema: GraphQLSchema, type_name: str, body: bytes) -> dict[str, Any]:
    """A JSON body checked against a ``/metadata`` input type: the value GraphQL would hand its handler.

    Raises:
        ValidationError: the body is not JSON, or does not fit the type (``details`` names each problem).
    """
    details: list[dict[str, str]] = []

    def on_error(path: list[str | int], _value: Any, error: GraphQLError) -> None:
        parts, message = [str(p) for p in path], error.message
        # graphql-core names a missing or unknown member in its message, at the path of its object
        named = _MEMBER.match(message)
        if named:
            parts.append(named["name"])
            message = "is required" if named["missing"] else f"is not a field of {named['type'] or type_name}"
        details.append({"field": ".".join(parts) or "body", "message": message})

    value = coerce_input_value(decode_json(body), GraphQLNonNull(schema.type_map[type_name]), on_error)
    if details:
        raise ValidationError("Validation failed", details=details[:100])
    result: dict[str, Any] = value
    return result


def _paging(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``limit``, ``starting_after`` and ``ending_before`` as the metadata API's ``paging``."""
    check_parameters(pairs, LIST_PARAMETERS)
    given = dict(pairs)
    limit = MAX_LIMIT
    if "limit" in given:
        text = given["limit"]
        if not text.isdigit():
            raise invalid("limit", f"'{text[:32]}' is not a non-negative integer")
        limit = min(int(text), MAX_LIMIT)
    after, before = given.get("starting_after"), given.get("ending_before")
    if after is not None and before is not None:
        raise invalid("ending_before", "give starting_after or ending_before, not both")
    if before is not None:
        return {"last": limit, "before": before}
    return {"first": limit, "after": after}


async def list_metadata(caller: Caller, collection: str, query_string: bytes) -> bytes:
    """``GET /rest/metadata/{collection}``: a page of objects, fields or relations."""
    _kind(collection)
    paging = _paging(decode_query(query_string))
    ops = MetadataOps(caller.registry, caller.workspace_id)
    if collection == "objects":
        page = await ops.objects(paging)
    elif collection == "fields":
        page = await ops.fields(paging)
    else:
        page = await ops.relations(paging)
    return _encode({"data": {collection: plain(page)}, "pageInfo": page["pageInfo"],
                    "totalCount": page["totalCount"]})


async def get_metadata(caller: Caller, collection: str, raw_id: str, query_string: bytes) -> bytes:
    """``GET /rest/metadata/{collection}/{id}``: one node, or 404."""
    kind = _kind(collection)
    node_id = _id(raw_id)
    check_parameters(decode_query(query_string), frozenset())
    ops = MetadataOps(caller.registry, caller.workspace_id)
    if collection == "objects":
        node = await ops.object(node_id)
    elif collection == "fields":
        node = await ops.field(node_id)
    else:
        node = await ops.relation(node_id)
    if node is None:
        raise NotFoundError(f"{_pascal(kind)} {node_id} not found")
    return _encode({"data": {kind: plain(node)}})


async def create_metadata(caller: Caller, schema: GraphQLSchema, collection: str, query_string: bytes,
                          body: bytes) -> bytes:
    """``POST /rest/metadata/{collection}``: a new object, field or relation (201)."""
    require_settings(caller.role)
    kind = _kind(collection)
    check_parameters(decode_query(query_string), frozenset())
    data = check_body(schema, INPUT_TYPES[collection, "create"], body)
    ops = MetadataOps(caller.registry, caller.workspace_id)
    if collection == "objects":
        node = await ops.create_object(data)
    elif collection == "fields":
        node = await ops.create_field(data)
    else:
        node = await ops.create_relation(data)
    return _encode({"data": {f"createOne{_pascal(kind)}": plain(node)}})


async def update_metadata(caller: Caller, schema: GraphQLSchema, collection: str, raw_id: str,
                          query_string: bytes, body: bytes) -> bytes:
    """``PATCH /rest/metadata/{collection}/{id}``: changes to an object or a field."""
    require_settings(caller.role)
    kind = _kind(collection)
    node_id = _id(raw_id)
    check_parameters(decode_query(query_string), frozenset())
    if collection == "relations":
        raise ValidationError("A relation cannot be changed: change its fields (PATCH "
                              "/rest/metadata/fields/{id}), or delete the relation and create another",
                              details=[{"field": "id", "message": "relations cannot be updated"}])
    data = check_body(schema, INPUT_TYPES[collection, "update"], body)
    ops = MetadataOps(caller.registry, caller.workspace_id)
    if collection == "objects":
        node = await ops.update_object(node_id, data)
    else:
        node = await ops.update_field(node_id, data)
    return _encode({"data": {f"updateOne{_pascal(kind)}": plain(node)}})


async def delete_metadata(caller: Caller, collection: str, raw_id: str, query_string: bytes) -> bytes:
    """``DELETE /rest/metadata/{collection}/{id}``: a custom object, field or relation, for good."""
    require_settings(caller.role)
    kind = _kind(collection)
    node_id = _id(raw_id)
    check_parameters(decode_query(query_string), frozenset())
    ops = MetadataOps(caller.registry, caller.workspace_id)
    if collection == "objects":
        await ops.delete_object(node_id)
    elif collection == "fields":
        await ops.delete_field(node_id)
    else:
        await ops.delete_relation(node_id)
    return _encode({"data": {f"deleteOne{_pascal(kind)}": {"id": str(node_id)}}})
