"""The metadata model as storage sees it: objects, fields, relations, and how they map to columns."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

# composite field types: sub-field name → (column suffix, SQL type, GraphQL scalar name). Twenty's LINKS,
# EMAILS and PHONES list their primary sub-field first (see PRIMARY); their lists of further links,
# emails and phones are JSON (``[{"url", "label"}]``, ``["a@b.com"]``, ``[{"number", "countryCode",
# "callingCode"}]``)
COMPOSITES: dict[str, list[tuple[str, str, str]]] = {
    "CURRENCY": [("amountMicros", "bigint", "BigFloat"), ("currencyCode", "text", "String")],
    "FULL_NAME": [("firstName", "text", "String"), ("lastName", "text", "String")],
    "LINKS": [("primaryLinkUrl", "text", "String"), ("primaryLinkLabel", "text", "String"),
              ("secondaryLinks", "jsonb", "JSON")],
    "EMAILS": [("primaryEmail", "text", "String"), ("additionalEmails", "jsonb", "JSON")],
    "PHONES": [("primaryPhoneNumber", "text", "String"), ("primaryPhoneCountryCode", "text", "String"),
               ("primaryPhoneCallingCode", "text", "String"), ("additionalPhones", "jsonb", "JSON")],
}
# the GraphQL object type (and OpenAPI schema) of each composite type, as Twenty names them
COMPOSITE_TYPE_NAMES = {"CURRENCY": "Currency", "FULL_NAME": "FullName", "LINKS": "Links", "EMAILS": "Emails",
                        "PHONES": "Phones"}
# the sub-field a plain value stands for (a link's URL, an email address, a phone number)
PRIMARY = {"LINKS": "primaryLinkUrl", "EMAILS": "primaryEmail", "PHONES": "primaryPhoneNumber"}

# The standard objects' plain fields (API.md's) that Twenty has as composite fields: (object, field) →
# (Twenty's field, its type). The plain field's own column holds the composite's primary sub-field, and
# the other sub-fields have columns named after Twenty's field (``emailsAdditionalEmails``): so a
# workspace's rows are the same whichever shape the server answers in (``--compat twenty``).
TWENTY_COMPOSITES: dict[tuple[str, str], tuple[str, str]] = {
    ("company", "domainName"): ("domainName", "LINKS"),
    ("company", "linkedinLink"): ("linkedinLink", "LINKS"),
    ("company", "xLink"): ("xLink", "LINKS"),
    ("person", "email"): ("emails", "EMAILS"),
    ("person", "phone"): ("phones", "PHONES"),
    ("person", "linkedinLink"): ("linkedinLink", "LINKS"),
    ("person", "xLink"): ("xLink", "LINKS"),
}

# scalar field types: SQL column type
SQL_TYPES: dict[str, str] = {
    "TEXT": "text",
    "EMAIL": "text",
    "PHONE": "text",
    "URL": "text",
    "NUMBER": "double precision",
    "BOOLEAN": "boolean",
    "DATE_TIME": "timestamptz",
    "DATE": "date",
    "SELECT": "text",
    "RATING": "text",
    "MULTI_SELECT": "text[]",
    "JSON": "jsonb",
    "UUID": "uuid",
    "POSITION": "double precision",
}

FIELD_TYPES = frozenset([*SQL_TYPES, *COMPOSITES, "RELATION"])
# the field types that may be unique (Twenty's ``isUnique``): one column each, of links, emails and phones
# the primary sub-field's (Twenty's ``isIncludedInUniqueConstraint``)
UNIQUE_TYPES = frozenset(["TEXT", "EMAIL", "PHONE", "URL", "NUMBER", "UUID", "DATE", "DATE_TIME", "SELECT",
                          "LINKS", "EMAILS", "PHONES"])
SYSTEM_FIELDS = ("id", "createdAt", "updatedAt", "deletedAt", "position")
RELATION_KINDS = frozenset(["MANY_TO_ONE", "ONE_TO_MANY", "ONE_TO_ONE", "MANY_TO_MANY"])


class SelectOption(msgspec.Struct, frozen=True, kw_only=True):
    """One choice of a SELECT or MULTI_SELECT field."""

    value: str
    label: str
    color: str | None = None
    position: int = 0
    id: str | None = None


class Relation(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """How a RELATION field links two objects.

    ``kind`` is seen from the field's own object: MANY_TO_ONE (this table holds ``join_column``),
    ONE_TO_MANY (the target's ``join_column`` points here), ONE_TO_ONE (``owner`` says which side
    holds the column), MANY_TO_MANY (through the ``junction`` table).
    """

    kind: str
    target: str
    inverse: str
    join_column: str | None = None
    owner: bool = False
    junction: str | None = None
    junction_self_column: str | None = None
    junction_target_column: str | None = None


class Field(msgspec.Struct, frozen=True, kw_only=True):
    """A field of an object."""

    id: uuid.UUID
    name: str
    label: str
    type: str
    description: str | None = None
    icon: str | None = None
    is_custom: bool = False
    is_system: bool = False
    is_active: bool = True
    is_nullable: bool = True
    # no two records (live or deleted) hold the same value: a unique index (ddl.unique_index), and what an
    # upsert matches records by besides the id; an empty text is no value (NULL and '' may repeat)
    is_unique: bool = False
    default_value: Any = None
    options: list[SelectOption] | None = None
    relation: Relation | None = None
    position: int = 0
    # not stored in the field's row, derived from TWENTY_COMPOSITES as the metadata loads:
    # a plain standard field that Twenty has as a composite field: Twenty's (name, type)
    twenty: tuple[str, str] | None = None
    # that composite field (served in Twenty's shape): the plain field's column, its primary sub-field's
    primary_column: str | None = None

    @property
    def is_composite(self) -> bool:
        """Whether the field is stored as several columns."""
        return self.type in COMPOSITES

    def sub_column(self, sub: str) -> str:
        """The column of one sub-field of a composite field."""
        if self.primary_column is not None and sub == PRIMARY.get(self.type):
            return self.primary_column
        return composite_column(self.name, sub)

    def columns(self) -> list[tuple[str, str]]:
        """(column name, SQL type) of every column this field owns (none for the many sides)."""
        if self.type in COMPOSITES:
            return [(self.sub_column(sub), sql) for sub, sql, _ in COMPOSITES[self.type]]
        if self.twenty is not None:  # its own column, and the columns of Twenty's other sub-fields
            twenty_name, twenty_type = self.twenty
            return [(self.name, SQL_TYPES[self.type]), *((composite_column(twenty_name, sub), sql)
                                                         for sub, sql, _ in COMPOSITES[twenty_type][1:])]
        if self.type == "RELATION":
            rel = self.relation
            if rel and rel.join_column and (rel.kind == "MANY_TO_ONE" or (rel.kind == "ONE_TO_ONE" and rel.owner)):
                return [(rel.join_column, "uuid")]
            return []
        if self.name in ("id",):
            return [("id", "uuid")]
        return [(self.name, system_sql_type(self.name) or SQL_TYPES[self.type])]

    def required_columns(self) -> list[str]:
        """The columns a required field makes NOT NULL (of links, emails and phones only the primary)."""
        if self.type in PRIMARY:
            return [self.sub_column(PRIMARY[self.type])]
        if self.twenty is not None:
            return [self.name]
        return [column for column, _ in self.columns()]

    @property
    def column(self) -> str:
        """The single column of a scalar field."""
        return self.name

    def unique_column(self) -> tuple[str, str] | None:
        """(column, SQL type) holding the field's value when it is unique; None for a type that cannot be."""
        if self.type not in UNIQUE_TYPES:
            return None
        if self.type in PRIMARY:
            return self.sub_column(PRIMARY[self.type]), "text"
        return self.name, SQL_TYPES[self.type]

    @property
    def unique_index(self) -> str:
        """The name of the field's unique index (by its id, so it outlives a change of label)."""
        return f"unique_{self.id.hex}"


def system_sql_type(name: str) -> str | None:
    """The SQL type of a system field, or None."""
    return {"id": "uuid", "createdAt": "timestamptz", "updatedAt": "timestamptz", "deletedAt": "timestamptz",
            "position": "double precision"}.get(name)


def composite_column(field: str, sub: str) -> str:
    """The column of one sub-field: ``annualRecurringRevenue`` + ``amountMicros`` → ``…AmountMicros``."""
    return field + sub[0].upper() + sub[1:]


def with_twenty(object_name: str, field: Field) -> Field:
    """``field`` marked with Twenty's composite field when it is one of TWENTY_COMPOSITES."""
    twenty = None if field.is_custom else TWENTY_COMPOSITES.get((object_name, field.name))
    return field if twenty is None else msgspec.structs.replace(field, twenty=twenty)


def as_twenty(field: Field) -> Field:
    """A plain standard field as Twenty's composite field over the same columns (``email`` → ``emails``)."""
    assert field.twenty is not None
    twenty_name, twenty_type = field.twenty
    return msgspec.structs.replace(field, name=twenty_name, type=twenty_type, twenty=None,
                                   primary_column=field.name, default_value=None)


class Object(msgspec.Struct, frozen=True, kw_only=True):
    """An object (a table) of a workspace."""

    id: uuid.UUID
    name_singular: str
    name_plural: str
    label_singular: str
    label_plural: str
    description: str | None = None
    icon: str | None = None
    is_custom: bool = False
    is_system: bool = False
    is_active: bool = True
    fields: dict[str, Field]

    @property
    def table(self) -> str:
        """The table name within the workspace schema."""
        return self.name_singular


class Metadata(msgspec.Struct, frozen=True, kw_only=True):
    """Every object of one workspace at one metadata version."""

    workspace_id: uuid.UUID
    schema_name: str
    version: int
    objects: dict[str, Object]

    def by_plural(self, plural: str) -> Object | None:
        """The active object whose plural name is ``plural``."""
        for obj in self.objects.values():
            if obj.name_plural == plural and obj.is_active:
                return obj
        return None
