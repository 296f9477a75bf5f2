"""The metadata API's schema: API.md's shapes, with Twenty's argument shapes beside them.

Each mutation API.md shows keeps its form (``createOneObject(data:)``, ``updateOneObject(id:, data:)``,
…); the same mutation also takes Twenty's ``input`` (``{object}``, ``{field}``, ``{id, update}``,
``{id}``), exactly one of the two. Twenty's own names (``createApiKey``, ``generateApiKeyToken``,
``createWebhook``, ``updateWebhook``, ``deleteWebhook``, ``currentWorkspace``, ``currentUser``) are
added beside ours, and lists take Twenty's ``paging`` and ``filter``.
"""

from __future__ import annotations

SDL = '''
scalar DateTime
scalar JSON
"A UUID as text. A UUID variable fits where an ID is expected, and the other way round."
scalar UUID
"An opaque cursor: the cursor of an edge of the same connection."
scalar ConnectionCursor

type ApiKey {
  id: ID!
  name: String!
  "The token, returned once: by createOneApiKey and createApiKey (generateApiKeyToken makes more)."
  token: String
  expiresAt: DateTime
  revokedAt: DateTime
  createdAt: DateTime!
  updatedAt: DateTime!
  "What the key may do; a key made without a role may do everything, as the Admin role."
  role: Role!
}

"A new API key: createOneApiKey(data:) and createApiKey(input:) both take it."
input CreateApiKeyInput {
  name: String!
  expiresAt: DateTime
  "The key's role (see roles); without one the key may do everything, as the Admin role."
  roleId: UUID
}

input GetApiKeyInput { id: UUID! }
input RevokeApiKeyInput { id: UUID! }
"Changes to an API key: the fields given (revokedAt: null brings a revoked key back)."
input UpdateApiKeyInput {
  id: UUID!
  name: String
  expiresAt: DateTime
  revokedAt: DateTime
  "Another role for the key (as assignRoleToApiKey)."
  roleId: UUID
}

"""What the holders of a role may do: to the records of every object (can*AllObjectRecords), unless an
objectPermission says otherwise for one object, and to the workspace's settings (data model, API keys,
webhooks, roles)."""
type Role {
  id: UUID!
  label: String!
  description: String
  icon: String
  "False for the Admin role, which may always do everything."
  isEditable: Boolean!
  canUpdateAllSettings: Boolean!
  canReadAllObjectRecords: Boolean!
  canUpdateAllObjectRecords: Boolean!
  canSoftDeleteAllObjectRecords: Boolean!
  canDestroyAllObjectRecords: Boolean!
  objectPermissions: [ObjectPermission!]!
  apiKeys: [ApiKeyForRole!]!
}

"A role's permissions on one object; a flag left null follows the role's can*AllObjectRecords."
type ObjectPermission {
  objectMetadataId: UUID!
  canReadObjectRecords: Boolean
  canUpdateObjectRecords: Boolean
  canSoftDeleteObjectRecords: Boolean
  canDestroyObjectRecords: Boolean
}

type ApiKeyForRole {
  id: UUID!
  name: String!
  expiresAt: DateTime
  revokedAt: DateTime
}

input CreateRoleInput {
  id: UUID
  label: String!
  description: String
  icon: String
  canUpdateAllSettings: Boolean
  canReadAllObjectRecords: Boolean
  canUpdateAllObjectRecords: Boolean
  canSoftDeleteAllObjectRecords: Boolean
  canDestroyAllObjectRecords: Boolean
}

input UpdateRolePayload {
  label: String
  description: String
  icon: String
  canUpdateAllSettings: Boolean
  canReadAllObjectRecords: Boolean
  canUpdateAllObjectRecords: Boolean
  canSoftDeleteAllObjectRecords: Boolean
  canDestroyAllObjectRecords: Boolean
}

input UpdateRoleInput {
  "The id of the role to update"
  id: UUID!
  update: UpdateRolePayload!
}

input ObjectPermissionInput {
  objectMetadataId: UUID!
  canReadObjectRecords: Boolean
  canUpdateObjectRecords: Boolean
  canSoftDeleteObjectRecords: Boolean
  canDestroyObjectRecords: Boolean
}

input UpsertObjectPermissionsInput {
  roleId: UUID!
  objectPermissions: [ObjectPermissionInput!]!
}

type ApiKeyToken { token: String! }

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

"Which page of a connection: first or last items, after or before a cursor (all of them when absent)."
input CursorPaging {
  before: ConnectionCursor
  after: ConnectionCursor
  first: Int
  last: Int
}

input UUIDFilterComparison {
  eq: UUID
  neq: UUID
  in: [UUID!]
  notIn: [UUID!]
}

input BooleanFieldComparison {
  is: Boolean
  isNot: Boolean
}

input ObjectFilter {
  and: [ObjectFilter!]
  or: [ObjectFilter!]
  id: UUIDFilterComparison
  isCustom: BooleanFieldComparison
  isActive: BooleanFieldComparison
  isSystem: BooleanFieldComparison
}

input FieldFilter {
  and: [FieldFilter!]
  or: [FieldFilter!]
  id: UUIDFilterComparison
  objectMetadataId: UUIDFilterComparison
  isCustom: BooleanFieldComparison
  isActive: BooleanFieldComparison
  isSystem: BooleanFieldComparison
}

enum FieldMetadataType {
  TEXT NUMBER BOOLEAN DATE_TIME DATE EMAIL PHONE URL CURRENCY FULL_NAME SELECT MULTI_SELECT RELATION RATING
  JSON UUID POSITION LINKS EMAILS PHONES
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
  "No two records hold the same value; upserts match records by it (Twenty's isUnique)."
  isUnique: Boolean!
  defaultValue: JSON
  options: JSON
  relationType: RelationType
  targetObjectMetadataId: ID
  targetFieldMetadataName: String
  "A RELATION field's two sides, as Twenty shows them (null for other fields)."
  relation: FieldRelation
  createdAt: DateTime!
  updatedAt: DateTime!
}

type RelationObjectReference { id: ID! nameSingular: String! namePlural: String! }
type RelationFieldReference { id: ID! name: String! }

type FieldRelation {
  "The relation as the field's own object sees it."
  type: RelationType!
  sourceObjectMetadata: RelationObjectReference!
  targetObjectMetadata: RelationObjectReference!
  sourceFieldMetadata: RelationFieldReference!
  targetFieldMetadata: RelationFieldReference
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
  fields(paging: CursorPaging, filter: FieldFilter): FieldConnection!
}

type ObjectEdge { node: Object! cursor: String! }
type ObjectConnection { edges: [ObjectEdge!]! pageInfo: PageInfo! totalCount: Int! }

"""
A relation: a pair of RELATION fields (a many-to-many one through a junction object). Its id is the id
of the field it is seen from: the from side; either field's id names the relation.
"""
type Relation {
  id: ID!
  relationType: RelationType!
  fromObjectMetadataId: ID!
  toObjectMetadataId: ID!
  fromFieldMetadataId: ID!
  toFieldMetadataId: ID!
  fromFieldMetadataName: String!
  toFieldMetadataName: String!
}

type RelationEdge { node: Relation! cursor: String! }
type RelationConnection { edges: [RelationEdge!]! pageInfo: PageInfo! totalCount: Int! }

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

input CreateOneObjectInput { object: CreateObjectInput! }
input UpdateOneObjectInput { id: UUID! update: UpdateObjectInput! }
input DeleteOneObjectInput { id: UUID! }

input RelationCreationPayload {
  type: RelationType!
  targetObjectMetadataId: ID!
  targetFieldLabel: String
  targetFieldName: String
  targetFieldIcon: String
}

input CreateFieldInput {
  objectMetadataId: ID!
  name: String!
  label: String!
  type: FieldMetadataType!
  description: String
  icon: String
  isNullable: Boolean
  isUnique: Boolean
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
  isUnique: Boolean
  defaultValue: JSON
  options: JSON
}

input CreateOneFieldMetadataInput { field: CreateFieldInput! }
input UpdateOneFieldMetadataInput { id: UUID! update: UpdateFieldInput! }
input DeleteOneFieldInput { id: UUID! }
input DeleteOneRelationInput { id: UUID! }

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
  "The operations, separated by commas when there are several."
  operation: String!
  operations: [String!]!
  description: String
  "The signing secret, returned once: by createOneWebhook and createWebhook."
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

"A new webhook: give operation (API.md) or operations (Twenty), not both."
input CreateWebhookInput {
  "The new webhook's id (one is made when absent)."
  id: UUID
  targetUrl: String!
  operation: String
  operations: [String!]
  description: String
  secret: String
}

input UpdateWebhookInputUpdates {
  targetUrl: String
  operations: [String!]
  description: String
  secret: String
}

"""
Changes to a webhook. updateOneWebhook(id:, data:) takes the changes alone; updateWebhook(input:) takes
the id with the changes, either in update or beside the id.
"""
input UpdateWebhookInput {
  id: UUID
  update: UpdateWebhookInputUpdates
  targetUrl: String
  operation: String
  operations: [String!]
  description: String
  secret: String
}

input GetWebhookInput { id: UUID! }
input DeleteWebhookInput { id: UUID! }

enum WorkspaceActivationStatus { ONGOING_CREATION PENDING_CREATION CREATED ACTIVE INACTIVE SUSPENDED }

type Workspace {
  id: ID!
  displayName: String
  logo: String
  activationStatus: WorkspaceActivationStatus!
  metadataVersion: Float!
  workspaceMembersCount: Float
  allowImpersonation: Boolean!
  isPublicInviteLinkEnabled: Boolean!
  createdAt: DateTime!
  updatedAt: DateTime!
  deletedAt: DateTime
}

type FullName { firstName: String! lastName: String! }

type WorkspaceMember {
  id: ID!
  name: FullName!
  userEmail: String!
}

type User {
  id: ID!
  email: String!
  firstName: String!
  lastName: String!
  isEmailVerified: Boolean!
  createdAt: DateTime!
  updatedAt: DateTime!
  deletedAt: DateTime
  workspaceMember: WorkspaceMember
  currentWorkspace: Workspace
}

type Query {
  "The caller's workspace (an API key's or a user's)."
  currentWorkspace: Workspace!
  "The calling user (an access token's; an API key is not a user)."
  currentUser: User!
  webhooks: [Webhook!]!
  webhook(id: ID, input: GetWebhookInput): Webhook
  webhookDeliveries(webhookId: ID!): [WebhookDelivery!]!
  apiKeys: [ApiKey!]!
  apiKey(id: ID, input: GetApiKeyInput): ApiKey
  "The workspace's roles: Admin and Member first, then its own."
  roles: [Role!]!
  "The workspace's roles (Twenty's name for roles)."
  getRoles: [Role!]!
  "The roles an API key may have: every role."
  getApiKeyRoles: [Role!]!
  objects(paging: CursorPaging, filter: ObjectFilter): ObjectConnection!
  object(id: ID!): Object
  fields(paging: CursorPaging, filter: FieldFilter): FieldConnection!
  field(id: ID!): Field
  "Every relation, once each (from its one side)."
  relations(paging: CursorPaging): RelationConnection!
  "The relation of a RELATION field, seen from that field."
  relation(id: ID!): Relation
}

type Mutation {
  createOneWebhook(data: CreateWebhookInput!): Webhook!
  updateOneWebhook(id: ID!, data: UpdateWebhookInput!): Webhook!
  deleteOneWebhook(id: ID!): Webhook!
  createWebhook(input: CreateWebhookInput!): Webhook!
  updateWebhook(input: UpdateWebhookInput!): Webhook!
  deleteWebhook(id: ID, input: DeleteWebhookInput): Webhook!
  retryOneWebhookDelivery(id: ID!): WebhookDelivery!
  createOneApiKey(data: CreateApiKeyInput!): ApiKey!
  createApiKey(input: CreateApiKeyInput!): ApiKey!
  "A further token for an existing key, expiring at expiresAt (ISO 8601); the key still decides validity."
  generateApiKeyToken(apiKeyId: UUID!, expiresAt: String!): ApiKeyToken!
  revokeOneApiKey(id: ID!): ApiKey!
  revokeApiKey(input: RevokeApiKeyInput!): ApiKey!
  updateApiKey(input: UpdateApiKeyInput!): ApiKey
  assignRoleToApiKey(apiKeyId: UUID!, roleId: UUID!): Boolean!
  createOneRole(createRoleInput: CreateRoleInput!): Role!
  "Change a role; not the Admin role."
  updateOneRole(updateRoleInput: UpdateRoleInput!): Role!
  "Delete a role of the workspace's own (not Admin or Member) that no API key has; answers its id."
  deleteOneRole(roleId: UUID!): String!
  "Set a role's permissions on objects, each flag given (the others keep their value)."
  upsertObjectPermissions(upsertObjectPermissionsInput: UpsertObjectPermissionsInput!): [ObjectPermission!]!
  createOneObject(data: CreateObjectInput, input: CreateOneObjectInput): Object!
  updateOneObject(id: ID, data: UpdateObjectInput, input: UpdateOneObjectInput): Object!
  deleteOneObject(id: ID, input: DeleteOneObjectInput): Object!
  createOneField(data: CreateFieldInput, input: CreateOneFieldMetadataInput): Field!
  updateOneField(id: ID, data: UpdateFieldInput, input: UpdateOneFieldMetadataInput): Field!
  deleteOneField(id: ID, input: DeleteOneFieldInput): Field!
  createOneRelation(data: CreateRelationInput!): Relation!
  "Delete a custom relation: both its fields (a many-to-many one: its junction object)."
  deleteOneRelation(id: ID, input: DeleteOneRelationInput): Relation!
}
'''
