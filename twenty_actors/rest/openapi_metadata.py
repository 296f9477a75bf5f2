"""The metadata OpenAPI document: the metadata over REST (``/rest/metadata/…``) and GraphQL at ``/metadata``.

Its schemas are made from the ``/metadata`` GraphQL schema's own types (``Object``, ``Field``,
``Relation``, ``CreateObjectInput``, …), the very types the REST front end checks bodies against
(``_metadata.py``), so the document cannot drift from what the server accepts and answers. A connection
inside a node (an object's ``fields``) is an array, as REST answers it.
(Upstream: ``engine/core-modules/open-api/open-api.service.ts``, ``utils/responses.utils.ts``.)
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)
from twenty_storage.model import Metadata

from ..graphql.metadata_api import build_metadata_schema
from ._metadata import INPUT_TYPES, KINDS, MAX_LIMIT
from .openapi import OPENAPI_VERSION, Schema, _errors, _json, _operation, _ref, _shared_components

_SCALARS: dict[str, Schema] = {
    "String": {"type": "string"}, "Int": {"type": "integer"}, "Float": {"type": "number"},
    "Boolean": {"type": "boolean"}, "ID": {"type": "string"}, "UUID": {"type": "string", "format": "uuid"},
    "DateTime": {"type": "string", "format": "date-time"}, "ConnectionCursor": {"type": "string"},
    "JSON": {"description": "Any JSON value."},
}
_NULL = {"type": "object", "nullable": True, "enum": [None]}
_OUTPUTS = {"objects": "Object", "fields": "Field", "relations": "Relation"}
_LIST_PARAMETERS = ("metadataLimit", "metadataStartingAfter", "metadataEndingBefore")


def _pascal(name: str) -> str:
    return name[0].upper() + name[1:]


class _Converter:
    """GraphQL types → OpenAPI 3.0 schemas, each named type once under ``components/schemas``."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.components: dict[str, Schema] = {}

    def ref(self, name: str) -> Schema:
        """A reference to the named type, converted on first use."""
        if name not in self.components:
            self.components[name] = {}  # reserved first: types may refer to themselves
            self.components[name] = self._named(self.schema.type_map[name])
        return _ref(name)

    def _named(self, type_: Any) -> Schema:
        if isinstance(type_, GraphQLEnumType):
            return {"type": "string", "enum": list(type_.values)}
        if isinstance(type_, GraphQLScalarType):
            return dict(_SCALARS.get(type_.name, {"type": "string"}))
        out: Schema = {"type": "object"}
        if type_.description:
            out["description"] = type_.description
        required: list[str] = []
        props: dict[str, Schema] = {}
        for name, field in type_.fields.items():
            if isinstance(field.type, GraphQLNonNull):
                required.append(name)
            props[name] = self.value(field.type)
            if field.description and "$ref" not in props[name] and "anyOf" not in props[name]:
                props[name] = {**props[name], "description": field.description}
        out["properties"] = props
        if isinstance(type_, GraphQLInputObjectType):
            out["additionalProperties"] = False
        if required:
            out["required"] = required
        return out

    def value(self, type_: Any) -> Schema:
        """The schema of a value of ``type_`` (nullable unless non-null)."""
        if isinstance(type_, GraphQLNonNull):
            return self._value(type_.of_type)
        inner = self._value(type_)
        if "$ref" in inner:  # OpenAPI 3.0 ignores `nullable` beside a $ref
            return {"anyOf": [inner, _NULL]}
        return {**inner, "nullable": True}

    def _value(self, type_: Any) -> Schema:
        if isinstance(type_, GraphQLList):
            return {"type": "array", "items": self.value(type_.of_type)}
        if isinstance(type_, GraphQLObjectType) and type_.name.endswith("Connection"):
            edge = type_.fields["edges"].type
            while not isinstance(edge, GraphQLObjectType):
                edge = edge.of_type
            return {"type": "array", "items": self.value(edge.fields["node"].type)}
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType) and type_.name in _SCALARS:
            return dict(_SCALARS[type_.name])
        return self.ref(type_.name)


def _envelope(key: str, schema: Schema, *, listed: bool = False) -> Schema:
    data = {"type": "object", "required": [key], "properties": {key: schema}}
    out: Schema = {"type": "object", "required": ["data"], "properties": {"data": data}}
    if listed:
        out["required"] = ["data", "pageInfo", "totalCount"]
        out["properties"]["pageInfo"] = _ref("PageInfo")
        out["properties"]["totalCount"] = {"type": "integer", "description": "Every item, on every page"}
    return out


def _paths(convert: _Converter) -> dict[str, Any]:
    body_errors = _errors("NotFound", "PayloadTooLarge", "UnsupportedMediaType")
    paths: dict[str, Any] = {}
    for collection, kind in KINDS.items():
        single, label = _pascal(kind), kind
        node = convert.ref(_OUTPUTS[collection])
        listed = _envelope(collection, {"type": "array", "items": node}, listed=True)
        paths[f"/rest/metadata/{collection}"] = {
            "get": _operation(f"findMany{_pascal(collection)}", f"List {collection}", collection,
                              {"200": _json(listed, f"A page of {collection}")},
                              parameters=[_ref(n, "parameters") for n in _LIST_PARAMETERS]),
            "post": _operation(f"createOne{single}", f"Create a {label}", collection,
                               {"201": _json(_envelope(f"createOne{single}", node), f"The created {label}"),
                                **body_errors},
                               body=convert.ref(INPUT_TYPES[collection, "create"])),
        }
        one: dict[str, Any] = {
            "parameters": [_ref("metadataId", "parameters")],
            "get": _operation(f"findOne{single}", f"Get a {label}", collection,
                              {"200": _json(_envelope(kind, node), f"The {label}"), **_errors("NotFound")}),
            "delete": _operation(f"deleteOne{single}", f"Delete a custom {label}", collection,
                                 {"200": _json(_envelope(f"deleteOne{single}", {
                                     "type": "object", "required": ["id"],
                                     "properties": {"id": {"type": "string", "format": "uuid"}}}),
                                     f"The {label} was deleted"), **_errors("NotFound")}),
        }
        if (collection, "update") in INPUT_TYPES:
            updated = _json(_envelope(f"updateOne{single}", node), f"The updated {label}")
            one["patch"] = _operation(f"updateOne{single}", f"Update a {label}", collection,
                                      {"200": updated, **body_errors},
                                      body=convert.ref(INPUT_TYPES[collection, "update"]))
        paths[f"/rest/metadata/{collection}/{{id}}"] = one
    return paths


def metadata_document(md: Metadata, server_url: str) -> dict[str, Any]:
    """The metadata API of a workspace at one metadata version, for OpenAPI tools."""
    shared = _shared_components()
    convert = _Converter(build_metadata_schema())
    paths = _paths(convert)
    request = {"type": "object", "required": ["query"], "properties": {
        "query": {"type": "string", "example": "query { objects { edges { node { id nameSingular } } } }"},
        "variables": {"type": "object", "nullable": True, "additionalProperties": True},
        "operationName": {"type": "string", "nullable": True}}}
    answer = {"type": "object", "properties": {
        "data": {"type": "object", "nullable": True, "additionalProperties": True},
        "errors": {"type": "array", "items": {"type": "object", "additionalProperties": True}}}}
    paths["/metadata"] = {"post": {
        "operationId": "metadata", "summary": "Run a metadata GraphQL operation", "tags": ["graphql"],
        "requestBody": {"required": True, "content": {"application/json": {"schema": request}}},
        "responses": {"200": _json(answer, "The GraphQL answer"), **_errors("UnsupportedMediaType")}}}
    parameters = {
        "metadataId": {"name": "id", "in": "path", "required": True, "description":
                       "The node's id (a relation: the id of either of its fields)",
                       "schema": {"type": "string", "format": "uuid"}},
        "metadataLimit": {"name": "limit", "in": "query", "description":
                          f"Items per page (default {MAX_LIMIT}; larger values are clamped to it)",
                          "schema": {"type": "integer", "minimum": 0, "default": MAX_LIMIT}},
        "metadataStartingAfter": {"name": "starting_after", "in": "query", "description":
                                  "A cursor (pageInfo.endCursor): the page after that item",
                                  "schema": {"type": "string"}},
        "metadataEndingBefore": {"name": "ending_before", "in": "query", "description":
                                 "A cursor (pageInfo.startCursor): the page before that item",
                                 "schema": {"type": "string"}},
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Twenty metadata API", "version": f"1.0.{md.version}",
                 "description": "Objects, fields and relations of the workspace over REST at /rest/metadata "
                                "(Twenty's envelopes: `{\"data\": {\"objects\": [...]}, \"pageInfo\", "
                                "\"totalCount\"}`, `{\"data\": {\"createOneObject\": {...}}}`, ...), and the "
                                "whole metadata API (API keys, webhooks too) through GraphQL at /metadata. "
                                "Errors are `{\"error\": {\"message\", \"code\", \"statusCode\", "
                                "\"details\"}}`."},
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": c, "description": f"The workspace's {c}"} for c in KINDS] +
                [{"name": "graphql", "description": "The whole metadata API, in GraphQL"}],
        "paths": paths,
        "components": {"securitySchemes": shared["securitySchemes"],
                       "schemas": {"Error": shared["schemas"]["Error"],
                                   "PageInfo": shared["schemas"]["PageInfo"], **convert.components},
                       "parameters": parameters,
                       "responses": {k: v for k, v in shared["responses"].items()
                                     if k in ("BadRequest", "Unauthorized", "NotFound", "TooManyRequests",
                                              "PayloadTooLarge", "UnsupportedMediaType")}},
    }
