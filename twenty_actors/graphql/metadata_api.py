"""The metadata API at /metadata: its schema and API keys (objects, fields, relations, webhooks join it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema, build_schema
from twenty_storage.roles import insert_api_key_statement

from ..auth import Auth, Principal
from ..errors import NotFoundError, TwentyError, ValidationError
from ..metadata.paging import connection
from ..permissions import NO_ROLES, Permissions
from ..registry import Registry
from ..workspace.messages import CreateApiKey, ListApiKeys, RevokeApiKey, RunMetadataChange
from ..workspace.state import ApiKey, api_key_from_row
from .metadata_roles import key_out
from .metadata_sdl import SDL
from .response import as_graphql_error
from .scalars import DateTimeScalar, JSONScalar, UUIDScalar, parse_datetime


def build_metadata_schema() -> GraphQLSchema:
    """The metadata schema, with our scalars' behaviour and the paged fields of an object attached."""
    schema = build_schema(SDL)
    for scalar in (DateTimeScalar, JSONScalar, UUIDScalar):
        target = schema.type_map[scalar.name]
        target.serialize = scalar.serialize  # type: ignore[attr-defined]
        target.parse_value = scalar.parse_value  # type: ignore[attr-defined]
        target.parse_literal = scalar.parse_literal  # type: ignore[attr-defined]
    object_type = schema.type_map["Object"]
    assert isinstance(object_type, GraphQLObjectType)
    object_type.fields["fields"].resolve = _object_fields
    return schema


def _object_fields(source: dict[str, Any], _info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    """``Object.fields(paging:, filter:)``: the object's fields connection (all of them without arguments)."""
    every: dict[str, Any] = source["fields"]
    if args.get("paging") is None and args.get("filter") is None:
        return every
    try:
        return connection([edge["node"] for edge in every["edges"]], args.get("paging"), args.get("filter"))
    except TwentyError as exc:
        raise as_graphql_error(exc) from None


def one_of(args: dict[str, Any], ours: tuple[str, ...], twenty: str, field: str) -> dict[str, Any] | None:
    """Twenty's ``input`` when it is given (and none of our arguments ``ours`` is), else None.

    Raises:
        ValidationError: both shapes are given, or neither is.
    """
    given = [name for name in ours if args.get(name) is not None]
    wrapped = args.get(twenty)
    if wrapped is not None and given:
        message = f"give {' and '.join(ours)} or {twenty}, not both"
        raise ValidationError(f"{field}: {message}", details=[{"field": twenty, "message": message}])
    if wrapped is not None:
        result: dict[str, Any] = wrapped
        return result
    missing = [name for name in ours if args.get(name) is None]
    if missing:
        message = f"{' and '.join(ours)} (or {twenty}) are required" if len(ours) > 1 else \
            f"{ours[0]} (or {twenty}) is required"
        raise ValidationError(f"{field}: {message}", details=[{"field": missing[0], "message": message}])
    return None


def _parse_id(value: Any, field: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError(f"{field} must be a UUID",
                              details=[{"field": field, "message": "must be a UUID"}]) from None


def api_key_handlers(registry: Registry, auth: Auth, principal: Principal) -> dict[str, Any]:
    """Root-field handlers for API keys, bound to one caller."""
    wid = principal.workspace_id

    async def permissions() -> Permissions:
        handle = await registry.handle(wid)
        assert handle.state is not None
        model = handle.state.metadata
        return model.permissions if model is not None else NO_ROLES

    async def find(key_id: uuid.UUID) -> ApiKey | None:
        keys: list[ApiKey] = await registry.call(wid, ListApiKeys())
        return next((k for k in keys if k.id == key_id), None)

    async def api_keys(_args: dict[str, Any]) -> list[dict[str, Any]]:
        keys: list[ApiKey] = await registry.call(wid, ListApiKeys())
        roles = await permissions()
        return [key_out(k, roles) for k in keys]

    async def api_key(args: dict[str, Any]) -> dict[str, Any] | None:
        wrapped = one_of(args, ("id",), "input", "apiKey")
        key = await find(_parse_id(wrapped["id"] if wrapped else args["id"]))
        return key_out(key, await permissions()) if key else None

    async def create(args: dict[str, Any]) -> dict[str, Any]:
        data = args["data"] if "data" in args else args["input"]
        name = data["name"].strip()
        if not name or len(name) > 200:
            raise ValidationError("name must be 1 to 200 characters",
                                  details=[{"field": "name", "message": "must be 1 to 200 characters"}])
        # a past expiresAt is accepted (API.md's own example is one): the key is simply expired
        expires_at: datetime | None = data.get("expiresAt")
        if data.get("roleId") is None:  # no role: the key may do everything, as the Admin role
            key: ApiKey = await registry.call(wid, CreateApiKey(name=name, expires_at=expires_at))
        else:
            # with its role, through the metadata queue: the actor reloads keys and roles together, so
            # the key is never seen without its role
            role_id = _parse_id(data["roleId"], "roleId")
            if role_id not in (await permissions()).roles:
                raise NotFoundError(f"Role {role_id} not found")
            statement = insert_api_key_statement(uuid.uuid4(), wid, name, expires_at, role_id)
            rows = (await registry.call(wid, RunMetadataChange(statements=[statement])))[0]
            if not rows:  # the role was deleted meanwhile
                raise NotFoundError(f"Role {role_id} not found")
            key = api_key_from_row(rows[0])
        return key_out(key, await permissions(), auth.api_key_token(wid, key))

    async def generate_token(args: dict[str, Any]) -> dict[str, Any]:
        try:
            expires_at = parse_datetime(args["expiresAt"])
        except GraphQLError:
            message = "must be an ISO 8601 date and time"
            raise ValidationError(f"expiresAt: {message}",
                                  details=[{"field": "expiresAt", "message": message}]) from None
        key = await find(_parse_id(args["apiKeyId"], "apiKeyId"))
        if key is None:
            raise NotFoundError("API key not found")
        if key.revoked_at is not None:
            message = "the API key is revoked"
            raise ValidationError(message, details=[{"field": "apiKeyId", "message": message}])
        # the token names the key; the key row still decides whether it is honoured (revoked, expired)
        return {"token": auth.api_key_token(wid, msgspec.structs.replace(key, expires_at=expires_at))}

    async def revoke(args: dict[str, Any]) -> dict[str, Any]:
        key_id = args["input"]["id"] if "input" in args else args["id"]
        key: ApiKey = await registry.call(wid, RevokeApiKey(key_id=_parse_id(key_id)))
        return key_out(key, await permissions())

    return {"apiKeys": api_keys, "apiKey": api_key, "createOneApiKey": create, "createApiKey": create,
            "generateApiKeyToken": generate_token, "revokeOneApiKey": revoke, "revokeApiKey": revoke}
