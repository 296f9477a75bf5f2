"""The metadata API at /metadata: API keys (objects, fields, relations and webhooks join it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from graphql import GraphQLSchema, build_schema

from ..auth import Auth, Principal
from ..errors import ValidationError
from ..registry import Registry
from ..workspace.messages import CreateApiKey, ListApiKeys, RevokeApiKey
from ..workspace.state import ApiKey
from .scalars import DateTimeScalar, JSONScalar

SDL = '''
scalar DateTime
scalar JSON

type ApiKey {
  id: ID!
  name: String!
  "The token, returned once: by createOneApiKey."
  token: String
  expiresAt: DateTime
  revokedAt: DateTime
  createdAt: DateTime!
  updatedAt: DateTime!
}

input CreateApiKeyInput {
  name: String!
  expiresAt: DateTime
}

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

enum FieldMetadataType {
  TEXT NUMBER BOOLEAN DATE_TIME DATE EMAIL PHONE URL CURRENCY FULL_NAME SELECT MULTI_SELECT RELATION RATING
  JSON UUID POSITION
}

enum RelationType { ONE_TO_MANY MANY_TO_ONE ONE_TO_ONE MANY_TO_MANY }

type Field {
  id: ID!
  objectMetadataId: ID!
  name: String!
  label: String!
  type: FieldMetadataType!
  description: String
  icon: String
  isCustom: Boolean!
  isActive: Boolean!
  isSystem: Boolean!
  isNullable: Boolean!
  defaultValue: JSON
  options: JSON
  relationType: RelationType
  targetObjectMetadataId: ID
  targetFieldMetadataName: String
  createdAt: DateTime!
  updatedAt: DateTime!
}

type FieldEdge { node: Field! cursor: String! }
type FieldConnection { edges: [FieldEdge!]! pageInfo: PageInfo! totalCount: Int! }

type Object {
  id: ID!
  nameSingular: String!
  namePlural: String!
  labelSingular: String!
  labelPlural: String!
  description: String
  icon: String
  isActive: Boolean!
  isCustom: Boolean!
  isSystem: Boolean!
  createdAt: DateTime!
  updatedAt: DateTime!
  fields: FieldConnection!
}

type ObjectEdge { node: Object! cursor: String! }
type ObjectConnection { edges: [ObjectEdge!]! pageInfo: PageInfo! totalCount: Int! }

type Relation {
  id: ID!
  relationType: RelationType!
  fromObjectMetadataId: ID!
  toObjectMetadataId: ID!
  fromFieldMetadataId: ID!
  toFieldMetadataId: ID!
}

input CreateObjectInput {
  nameSingular: String!
  namePlural: String!
  labelSingular: String!
  labelPlural: String!
  description: String
  icon: String
}

input UpdateObjectInput {
  nameSingular: String
  namePlural: String
  labelSingular: String
  labelPlural: String
  description: String
  icon: String
  isActive: Boolean
}

input RelationCreationPayload {
  type: RelationType!
  targetObjectMetadataId: ID!
  targetFieldLabel: String
  targetFieldName: String
}

input CreateFieldInput {
  objectMetadataId: ID!
  name: String!
  label: String!
  type: FieldMetadataType!
  description: String
  icon: String
  isNullable: Boolean
  defaultValue: JSON
  options: JSON
  relationCreationPayload: RelationCreationPayload
}

input UpdateFieldInput {
  name: String
  label: String
  description: String
  icon: String
  isActive: Boolean
  isNullable: Boolean
  defaultValue: JSON
  options: JSON
}

input CreateRelationInput {
  relationType: RelationType!
  fromObjectMetadataId: ID!
  toObjectMetadataId: ID!
  fromFieldMetadataName: String!
  toFieldMetadataName: String!
  fromFieldMetadataLabel: String
  toFieldMetadataLabel: String
}

type Webhook {
  id: ID!
  targetUrl: String!
  operation: String!
  description: String
  "The signing secret, returned once: by createOneWebhook."
  secret: String
  createdAt: DateTime!
  updatedAt: DateTime!
}

type WebhookDelivery {
  id: ID!
  webhookId: ID!
  eventId: String!
  event: String!
  recordId: ID
  "pending, sending, succeeded or failed"
  status: String!
  attempts: Int!
  lastError: String
  lastStatusCode: Int
  nextAttemptAt: DateTime
  createdAt: DateTime!
  updatedAt: DateTime!
}

input CreateWebhookInput {
  targetUrl: String!
  operation: String!
  description: String
  secret: String
}

input UpdateWebhookInput {
  targetUrl: String
  operation: String
  description: String
  secret: String
}

type Query {
  webhooks: [Webhook!]!
  webhook(id: ID!): Webhook
  webhookDeliveries(webhookId: ID!): [WebhookDelivery!]!
  apiKeys: [ApiKey!]!
  apiKey(id: ID!): ApiKey
  objects: ObjectConnection!
  object(id: ID!): Object
  fields: FieldConnection!
  field(id: ID!): Field
}

type Mutation {
  createOneWebhook(data: CreateWebhookInput!): Webhook!
  updateOneWebhook(id: ID!, data: UpdateWebhookInput!): Webhook!
  deleteOneWebhook(id: ID!): Webhook!
  retryOneWebhookDelivery(id: ID!): WebhookDelivery!
  createOneApiKey(data: CreateApiKeyInput!): ApiKey!
  revokeOneApiKey(id: ID!): ApiKey!
  createOneObject(data: CreateObjectInput!): Object!
  updateOneObject(id: ID!, data: UpdateObjectInput!): Object!
  deleteOneObject(id: ID!): Object!
  createOneField(data: CreateFieldInput!): Field!
  updateOneField(id: ID!, data: UpdateFieldInput!): Field!
  deleteOneField(id: ID!): Field!
  createOneRelation(data: CreateRelationInput!): Relation!
}
'''


def build_metadata_schema() -> GraphQLSchema:
    """The metadata schema, with our scalars' behaviour attached."""
    schema = build_schema(SDL)
    for scalar in (DateTimeScalar, JSONScalar):
        target = schema.type_map[scalar.name]
        target.serialize = scalar.serialize  # type: ignore[attr-defined]
        target.parse_value = scalar.parse_value  # type: ignore[attr-defined]
        target.parse_literal = scalar.parse_literal  # type: ignore[attr-defined]
    return schema


def _key_out(key: ApiKey, token: str | None = None) -> dict[str, Any]:
    return {"id": str(key.id), "name": key.name, "token": token, "expiresAt": key.expires_at,
            "revokedAt": key.revoked_at, "createdAt": key.created_at, "updatedAt": key.updated_at}


def _parse_id(value: Any, field: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError(f"{field} must be a UUID", details=[{"field": field, "message": "must be a UUID"}]) \
            from None


def api_key_handlers(registry: Registry, auth: Auth, principal: Principal) -> dict[str, Any]:
    """Root-field handlers for API keys, bound to one caller."""
    wid = principal.workspace_id

    async def api_keys(_args: dict[str, Any]) -> list[dict[str, Any]]:
        return [_key_out(k) for k in await registry.call(wid, ListApiKeys())]

    async def api_key(args: dict[str, Any]) -> dict[str, Any] | None:
        key_id = _parse_id(args["id"])
        keys: list[ApiKey] = await registry.call(wid, ListApiKeys())
        return next((_key_out(k) for k in keys if k.id == key_id), None)

    async def create(args: dict[str, Any]) -> dict[str, Any]:
        data = args["data"]
        name = data["name"].strip()
        if not name or len(name) > 200:
            raise ValidationError("name must be 1 to 200 characters",
                                  details=[{"field": "name", "message": "must be 1 to 200 characters"}])
        # a past expiresAt is accepted (API.md's own example is one): the key is simply expired
        expires_at: datetime | None = data.get("expiresAt")
        key: ApiKey = await registry.call(wid, CreateApiKey(name=name, expires_at=expires_at))
        return _key_out(key, auth.api_key_token(wid, key))

    async def revoke(args: dict[str, Any]) -> dict[str, Any]:
        key: ApiKey = await registry.call(wid, RevokeApiKey(key_id=_parse_id(args["id"])))
        return _key_out(key)

    return {"apiKeys": api_keys, "apiKey": api_key, "createOneApiKey": create, "revokeOneApiKey": revoke}
