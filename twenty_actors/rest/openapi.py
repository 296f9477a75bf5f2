"""OpenAPI 3.0 documents generated from a workspace's metadata, cached per metadata version.

The core document has, per active object, a list/create path, a get/update/delete path by id
and a batch-create path; component schemas for the record as answered and for create and update
bodies (composites as nested objects, SELECT values as enums); the query parameters with their
syntax; API.md's error envelope for every error response; and a bearer security scheme.
(Upstream: ``engine/core-modules/open-api/open-api.service.ts``, which emits OpenAPI 3.1.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from twenty_storage.model import COMPOSITE_TYPE_NAMES, COMPOSITES, Field, Metadata, Object

from ..planning.shape import EMBEDDED_LIMIT
from ..planning.values import MAX_BATCH
from ._query import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from ._records import rest_cache
from ._values import join_columns, option_values

if TYPE_CHECKING:
    from ..caller import Caller

OPENAPI_VERSION = "3.0.3"
_MAX_CACHED = 8  # documents kept per metadata version (one per server URL the clients used)
_DIRECTIONS = ["asc", "desc", "Asc", "Desc", "AscNullsFirst", "AscNullsLast", "DescNullsFirst",
               "DescNullsLast"]
_READ_ONLY = ("id", "createdAt", "updatedAt", "deletedAt")
_NULL = {"type": "object", "nullable": True, "enum": [None]}
_TWENTY_ENVELOPES = ("Answers are Twenty's envelopes: `{\"data\": {\"companies\": [...]}, \"pageInfo\", "
                     "\"totalCount\"}`, `{\"data\": {\"company\": {...}}}`, `{\"data\": {\"createCompany\": "
                     "{...}}}`, `updateCompany`, `deleteCompany: {\"id\"}`, `createCompanies`; ")

Schema = dict[str, Any]


def _ref(name: str, kind: str = "schemas") -> Schema:
    return {"$ref": f"#/components/{kind}/{name}"}


def _pascal(name: str) -> str:
    return name[0].upper() + name[1:]


def _nullable(schema: Schema, nullable: bool) -> Schema:
    if nullable:
        schema = {**schema, "nullable": True}
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    return schema


def _scalar_schema(field: Field, *, for_input: bool) -> Schema:
    """The JSON schema of a single-column field's value (not yet nullable)."""
    kind = field.type
    if field.name == "id" or kind == "UUID":
        return {"type": "string", "format": "uuid"}
    if kind == "EMAIL":
        return {"type": "string", "format": "email"} if for_input else {"type": "string"}
    if kind in ("TEXT", "PHONE", "URL"):
        return {"type": "string"}
    if kind in ("NUMBER", "POSITION"):
        return {"type": "number"}
    if kind == "BOOLEAN":
        return {"type": "boolean"}
    if kind == "DATE_TIME":
        return {"type": "string", "format": "date-time"}
    if kind == "DATE":
        return {"type": "string", "format": "date"}
    if kind in ("SELECT", "RATING"):
        return {"type": "string", "enum": list(option_values(field))}
    if kind == "MULTI_SELECT":
        return {"type": "array", "items": {"type": "string", "enum": list(option_values(field))}}
    if kind == "JSON":
        return {"description": "Any JSON value."}
    return {"type": "string"}


_TEXT: Schema = {"type": "string", "nullable": True}
# Twenty's composite types: their list sub-fields' items
_LIST_ITEMS: dict[str, Schema] = {
    "secondaryLinks": {"type": "object", "properties": {"url": _TEXT, "label": _TEXT}},
    "additionalEmails": {"type": "string"},
    "additionalPhones": {"type": "object", "properties": {"number": _TEXT, "countryCode": _TEXT,
                                                          "callingCode": _TEXT}},
}


def _twenty_composites() -> dict[str, Schema]:
    """Links, Emails and Phones (and their inputs): Twenty's composite types, one property per sub-field."""
    out: dict[str, Schema] = {}
    for kind in ("LINKS", "EMAILS", "PHONES"):
        props: dict[str, Schema] = {
            sub: {"type": "array", "nullable": True, "items": _LIST_ITEMS[sub]} if sql == "jsonb" else _TEXT
            for sub, sql, _ in COMPOSITES[kind]}
        out[COMPOSITE_TYPE_NAMES[kind]] = {"type": "object", "properties": props}
        out[COMPOSITE_TYPE_NAMES[kind] + "Input"] = {"type": "object", "additionalProperties": False,
                                                     "properties": props}
    return out


def _described(schema: Schema, field: Field) -> Schema:
    text = field.description or field.label
    if "$ref" in schema:
        return schema  # siblings of $ref are ignored in OpenAPI 3.0
    return {**schema, "description": text} if text and "description" not in schema else schema


def _record_schema(md: Metadata, obj: Object) -> Schema:
    """A record as the API answers it (relations appear only with depth=1)."""
    props: dict[str, Schema] = {}
    for field in obj.fields.values():
        if not field.is_active:
            continue
        if field.type == "RELATION":
            rel = field.relation
            target = md.objects.get(rel.target) if rel else None
            if rel is None or target is None or not target.is_active or not rel.join_column:
                continue
            if field.columns():
                props[rel.join_column] = {"type": "string", "format": "uuid", "nullable": True,
                                          "description": f"Id of the related {target.label_singular}"}
            if rel.kind == "ONE_TO_MANY":
                props[field.name] = {"type": "array", "items": _ref(_pascal(target.name_singular)),
                                     "description": f"Related {target.label_plural} (only with depth=1; "
                                                    f"at most {EMBEDDED_LIMIT}, oldest first)"}
            elif rel.kind in ("MANY_TO_ONE", "ONE_TO_ONE"):
                # OpenAPI 3.0 ignores `nullable` beside a $ref: null is spelled as a second choice
                props[field.name] = {"anyOf": [_ref(_pascal(target.name_singular)), _NULL],
                                     "description": f"The related {target.label_singular} "
                                                    "(only with depth=1)"}
            continue
        if field.type in COMPOSITES:
            props[field.name] = _ref(COMPOSITE_TYPE_NAMES[field.type])
            continue
        nullable = field.name not in ("id", "createdAt", "updatedAt")
        props[field.name] = _described(_nullable(_scalar_schema(field, for_input=False), nullable), field)
    return {"type": "object", "description": obj.description or obj.label_singular,
            "required": [n for n in ("id", "createdAt", "updatedAt") if n in props], "properties": props}


def required_fields(obj: Object) -> list[str]:
    """Fields a create body must give (not nullable, no default, not system)."""
    return [f.name for f in obj.fields.values()
            if f.is_active and not f.is_nullable and not f.is_system and f.type != "RELATION"
            and f.default_value is None]


def _write_schema(obj: Object, *, create: bool) -> Schema:
    """A create or update body: every writable field; unknown fields are refused."""
    props: dict[str, Schema] = {}
    if create:
        props["id"] = {"type": "string", "format": "uuid", "description": "Chosen by the server when omitted"}
    for column, field in join_columns(obj).items():
        props[column] = {"type": "string", "format": "uuid", "nullable": True,
                         "description": f"Id of the related record ({field.name})"}
    for field in obj.fields.values():
        if not field.is_active or field.type == "RELATION" or field.name in _READ_ONLY:
            continue
        if field.type in COMPOSITES:
            props[field.name] = _nullable(_ref(COMPOSITE_TYPE_NAMES[field.type] + "Input"), False)
            continue
        value = _nullable(_scalar_schema(field, for_input=True), field.is_nullable)
        props[field.name] = _described(value, field)
    schema: Schema = {"type": "object", "properties": props, "additionalProperties": False}
    required = required_fields(obj) if create else []
    if required:
        schema["required"] = required
    return schema


def _order_parameter(obj: Object) -> Schema:
    names: list[str] = []
    for field in obj.fields.values():
        if not field.is_active or field.type in ("JSON", "MULTI_SELECT"):
            continue
        if field.type == "RELATION":
            continue
        if field.type in COMPOSITES:
            names += [f"{field.name}.{sub}" for sub, sql, _ in COMPOSITES[field.type] if sql != "jsonb"]
        else:
            names.append(field.name)
    names += list(join_columns(obj))
    direction = {"type": "string", "enum": _DIRECTIONS}
    return {
        "name": "order", "in": "query", "style": "deepObject", "explode": True,
        "description": "Sort keys in the order given: `order[createdAt]=desc&order[name]=asc`. "
                       "Directions: asc, desc, AscNullsFirst, AscNullsLast, DescNullsFirst, "
                       "DescNullsLast. Composite parts use a dot (`order[name.firstName]=asc`). "
                       "The id is always the last key.",
        "schema": {"type": "object", "properties": dict.fromkeys(names, direction),
                   "additionalProperties": False},
    }


def _shared_components() -> dict[str, Any]:
    error = {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["message", "code", "statusCode"],
            "properties": {
                "message": {"type": "string"},
                "code": {"type": "string", "example": "VALIDATION_ERROR"},
                "statusCode": {"type": "integer"},
                "details": {"type": "array", "items": {
                    "type": "object", "required": ["field", "message"],
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
                "retryAfter": {"type": "integer"},
            }}},
    }
    schemas: dict[str, Schema] = {
        "Error": error,
        "PageMeta": {"type": "object", "required": ["totalCount", "hasMore"], "properties": {
            "totalCount": {"type": "integer", "description": "Records matching the filter, on every page"},
            "hasMore": {"type": "boolean", "description": "More records follow in the reading direction"},
            "startCursor": {"type": "string", "nullable": True,
                            "description": "Cursor of the first record: pass as ending_before"},
            "endCursor": {"type": "string", "nullable": True,
                          "description": "Cursor of the last record: pass as starting_after"},
        }},
        "PageInfo": {"type": "object", "description": "The page as Twenty's REST API describes it",
                     "required": ["hasNextPage", "hasPreviousPage"], "properties": {
                         "hasNextPage": {"type": "boolean"},
                         "hasPreviousPage": {"type": "boolean"},
                         "startCursor": {"type": "string", "nullable": True},
                         "endCursor": {"type": "string", "nullable": True}}},
        "Currency": {"type": "object", "properties": {
            "amountMicros": {"type": "integer", "format": "int64", "nullable": True,
                             "description": "The amount times 1,000,000"},
            "currencyCode": {"type": "string", "nullable": True, "example": "USD"}}},
        "FullName": {"type": "object", "properties": {
            "firstName": {"type": "string", "nullable": True},
            "lastName": {"type": "string", "nullable": True}}},
        "CurrencyInput": {"type": "object", "additionalProperties": False, "properties": {
            "amountMicros": {"type": "integer", "format": "int64", "nullable": True,
                             "description": "The amount times 1,000,000 (a string of digits also works)"},
            "currencyCode": {"type": "string", "nullable": True}}},
        "FullNameInput": {"type": "object", "additionalProperties": False, "properties": {
            "firstName": {"type": "string", "nullable": True},
            "lastName": {"type": "string", "nullable": True}}},
        **_twenty_composites(),
        "Deleted": {"type": "object", "required": ["data"], "properties": {"data": {
            "type": "object", "required": ["id", "deleted"],
            "properties": {"id": {"type": "string", "format": "uuid"}, "deleted": {"type": "boolean"}}}}},
    }
    responses = {
        name: {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}
        for name, text in (
            ("BadRequest", "VALIDATION_ERROR: invalid query parameters or body; details name each problem"),
            ("Unauthorized", "UNAUTHORIZED: missing, invalid, expired or revoked token"),
            ("NotFound", "NOT_FOUND: no such object, or no such record in this workspace"),
            ("Conflict", "CONFLICT: a record with this value already exists"),
            ("PayloadTooLarge", "PAYLOAD_TOO_LARGE: the body is over the server's limit"),
            ("UnsupportedMediaType", "UNSUPPORTED_MEDIA_TYPE: the body must be application/json"),
            ("TooManyRequests", "RATE_LIMIT_EXCEEDED: retry after retryAfter seconds"),
        )
    }
    parameters: dict[str, Schema] = {
        "limit": {"name": "limit", "in": "query", "description":
                  f"Records per page (default {DEFAULT_LIMIT}; larger values are clamped to {MAX_LIMIT})",
                  "schema": {"type": "integer", "minimum": 0, "default": DEFAULT_LIMIT}},
        "offset": {"name": "offset", "in": "query", "description": "Records to skip (offset paging)",
                   "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}},
        "filter": {"name": "filter", "in": "query", "description":
                   "Twenty's filter syntax: `field[op]:value` items, comma-separated (ANDed), nested "
                   "with `and(...)`, `or(...)`, `not(...)`; values may be quoted; `in` takes `[a,b]`; `is` "
                   "takes NULL or NOT_NULL. Example: "
                   "`employees[gte]:100,or(industry[eq]:Technology,industry[eq]:Finance)`. "
                   "The bracket syntax works too, as separate parameters: "
                   "`filter[industry][eq]=Technology&filter[employees][gte]=100&"
                   "filter[company.id][eq]=<uuid>&filter[name.firstName][eq]=Ada`. "
                   "Operators: eq, neq, in (comma list), is (NULL|NOT_NULL), gt, gte, lt, lte, like, "
                   "ilike (% wildcards), startsWith, endsWith, containsAny and isEmptyArray (MULTI_SELECT). "
                   "Values are parsed by the field's type. Soft-deleted records are left out unless the "
                   "filter names deletedAt.",
                   "schema": {"type": "string"}},
        "order_by": {"name": "order_by", "in": "query", "description":
                     "Twenty's sort syntax: `createdAt[DescNullsLast],name.firstName[AscNullsFirst]` "
                     "(default direction AscNullsFirst)", "schema": {"type": "string"}},
        "starting_after": {"name": "starting_after", "in": "query",
                           "description": "A cursor (meta.endCursor): the page after that record",
                           "schema": {"type": "string"}},
        "ending_before": {"name": "ending_before", "in": "query",
                          "description": "A cursor (meta.startCursor): the page before that record",
                          "schema": {"type": "string"}},
        "depth": {"name": "depth", "in": "query", "description":
                  "0: the records' own fields; 1: also their to-one related records and arrays of their "
                  f"to-many related records (at most {EMBEDDED_LIMIT} each)",
                  "schema": {"type": "integer", "enum": [0, 1], "default": 0}},
        "soft_delete": {"name": "soft_delete", "in": "query", "description":
                        "true (default): set deletedAt, the record stays listable with a deletedAt filter; "
                        "false: remove the record for good", "schema": {"type": "boolean", "default": True}},
        "id": {"name": "id", "in": "path", "required": True, "description": "The record's id",
               "schema": {"type": "string", "format": "uuid"}},
        "upsert": {"name": "upsert", "in": "query", "description":
                   "true: a record (deleted or not) that has the id given, or the value given of a unique "
                   "field, is updated with the fields given, and brought back if deleted, instead of "
                   "refused as a conflict; values that match two records are refused (400)",
                   "schema": {"type": "boolean", "default": False}},
    }
    return {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                           "description": "An API key or an access token from /auth/login"}},
        "schemas": schemas, "responses": responses, "parameters": parameters,
    }


def _errors(*names: str) -> dict[str, Schema]:
    codes = {"BadRequest": "400", "Unauthorized": "401", "NotFound": "404", "Conflict": "409",
             "PayloadTooLarge": "413", "UnsupportedMediaType": "415", "TooManyRequests": "429"}
    return {codes[n]: _ref(n, "responses") for n in ("BadRequest", "Unauthorized", "TooManyRequests", *names)}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(operation_id: str, summary: str, tag: str, responses: dict[str, Any], *,
               parameters: list[Schema] | None = None, body: Schema | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": operation_id, "summary": summary, "tags": [tag]}
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    op["responses"] = responses
    return op


def _data(value: Schema, key: str | None) -> Schema:
    """``{"data": value}``, or Twenty's ``{"data": {key: value}}``."""
    if key is not None:
        value = {"type": "object", "required": [key], "properties": {key: value}}
    return {"type": "object", "required": ["data"], "properties": {"data": value}}


def _paths(obj: Object, twenty: bool = False) -> dict[str, Any]:
    single, plural = _pascal(obj.name_singular), _pascal(obj.name_plural)
    one_label, many_label, tag = obj.label_singular, obj.label_plural, obj.name_plural
    record, create, update = _ref(single), _ref(f"{single}ForCreate"), _ref(f"{single}ForUpdate")
    records: Schema = {"type": "array", "items": record}
    one = _data(record, obj.name_singular if twenty else None)
    created = _data(record, f"create{single}" if twenty else None)
    updated = _data(record, f"update{single}" if twenty else None)
    many = _data(records, f"create{plural}" if twenty else None)
    only_id = {"type": "object", "required": ["id"],
               "properties": {"id": {"type": "string", "format": "uuid"}}}
    deleted = _data(only_id, f"delete{single}") if twenty else _ref("Deleted")
    if twenty:
        page = {**_data(records, obj.name_plural), "required": ["data", "pageInfo", "totalCount"]}
        page["properties"] = {**page["properties"], "pageInfo": _ref("PageInfo"),
                              "totalCount": {"type": "integer", "description": "Records matching the filter"}}
    else:
        page = {"type": "object", "required": ["data", "meta", "pageInfo", "totalCount"],
                "properties": {"data": records, "meta": _ref("PageMeta"), "pageInfo": _ref("PageInfo"),
                               "totalCount": {"type": "integer", "description": "As meta.totalCount"}}}
    params = [_ref(n, "parameters") for n in ("limit", "offset", "filter", "order_by", "starting_after",
                                               "ending_before", "depth")]
    batch = {"type": "array", "items": create, "minItems": 1, "maxItems": MAX_BATCH}
    body_errors = _errors("NotFound", "Conflict", "PayloadTooLarge", "UnsupportedMediaType")
    return {
        f"/{obj.name_plural}": {
            "get": _operation(f"findMany{plural}", f"List {many_label}", tag,
                              {"200": _json(page, f"A page of {many_label}"), **_errors("NotFound")},
                              parameters=[*params[:3], _order_parameter(obj), *params[3:]]),
            "post": _operation(f"createOne{single}", f"Create a {one_label}", tag,
                               {"201": _json(created, f"The created {one_label}"), **body_errors},
                               body=create,
                               parameters=[_ref("upsert", "parameters")]),
        },
        f"/{obj.name_plural}/{{id}}": {
            "parameters": [_ref("id", "parameters")],
            "get": _operation(f"findOne{single}", f"Get a {one_label}", tag,
                              {"200": _json(one, f"The {one_label}"), **_errors("NotFound")},
                              parameters=[_ref("depth", "parameters")]),
            "patch": _operation(f"updateOne{single}", f"Update a {one_label}", tag,
                                {"200": _json(updated, f"The updated {one_label}"), **body_errors},
                                body=update),
            "delete": _operation(f"deleteOne{single}", f"Delete a {one_label} (soft by default)", tag,
                                 {"200": _json(deleted, "The record was deleted"),
                                  **_errors("NotFound")},
                                 parameters=[_ref("soft_delete", "parameters")]),
        },
        f"/batch/{obj.name_plural}": {
            "post": _operation(f"createMany{plural}", f"Create {many_label} (all or none)", tag,
                               {"201": _json(many, f"The created {many_label}, in the order given"),
                                **body_errors}, body=batch, parameters=[_ref("upsert", "parameters")]),
        },
    }


def build_core_document(md: Metadata, server_url: str, twenty: bool = False) -> dict[str, Any]:
    """The core REST API of a workspace at one metadata version (``twenty``: with Twenty's envelopes)."""
    components = _shared_components()
    paths: dict[str, Any] = {}
    tags = []
    for obj in sorted(md.objects.values(), key=lambda o: o.name_plural):
        if not obj.is_active:
            continue
        single = _pascal(obj.name_singular)
        components["schemas"][single] = _record_schema(md, obj)
        components["schemas"][f"{single}ForCreate"] = _write_schema(obj, create=True)
        components["schemas"][f"{single}ForUpdate"] = _write_schema(obj, create=False)
        paths.update(_paths(obj, twenty))
        tags.append({"name": obj.name_plural, "description": obj.description or obj.label_plural})
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Twenty core REST API", "version": f"1.0.{md.version}",
                 "description": "Records of every active object of this workspace. " + (
                     _TWENTY_ENVELOPES if twenty else "Lists answer `{\"data\": [...], \"meta\": {...}}`, "
                                                      "records `{\"data\": {...}}`, ") +
                                "errors `{\"error\": {\"message\", \"code\", \"statusCode\", "
                                "\"details\"}}`."},
        "servers": [{"url": f"{server_url}/rest"}],
        "security": [{"bearerAuth": []}],
        "tags": tags,
        "paths": paths,
        "components": components,
    }


def build_metadata_document(md: Metadata, server_url: str) -> dict[str, Any]:
    """The metadata API (REST at /rest/metadata, GraphQL at /metadata), described for OpenAPI tools."""
    from .openapi_metadata import metadata_document  # it builds on this module's parts

    return metadata_document(md, server_url)


def _document(caller: Caller, kind: str, server_url: str, twenty: bool = False) -> bytes:
    model = caller.model
    documents = rest_cache(model).documents
    key = (kind + ("/twenty" if twenty else ""), server_url)
    if key not in documents:
        if len(documents) >= _MAX_CACHED:
            documents.clear()
        if kind == "core":
            document = build_core_document(model.metadata, server_url, twenty)
        else:
            document = build_metadata_document(model.metadata, server_url)
        documents[key] = msgspec.json.encode(document)
    return documents[key]


def core_document(caller: Caller, server_url: str, *, twenty: bool = False) -> bytes:
    """``GET /rest/open-api/core``: the workspace's core OpenAPI document (JSON)."""
    return _document(caller, "core", server_url, twenty)


def metadata_document(caller: Caller, server_url: str) -> bytes:
    """``GET /rest/open-api/metadata``: the metadata API's OpenAPI document (JSON)."""
    return _document(caller, "metadata", server_url)
