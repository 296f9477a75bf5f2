"""The core GraphQL schema of one workspace, generated from its metadata (one builder, no resolvers).

graphql-core only parses, validates and answers introspection against this schema; reads and
writes are planned from the validated document and compiled to SQL (see planner.py).
"""

from __future__ import annotations


from typing import Any

from graphql import (
    EnumValueNode,
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLError,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    StringValueNode,
    ValueNode,
)

from twenty_storage.model import COMPOSITE_TYPE_NAMES, COMPOSITES, Field, Metadata, Object

from .scalars import BigFloatScalar, DateScalar, DateTimeScalar, JSONScalar, UUIDScalar

DIRECTIONS = ("AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast", "Asc", "Desc")


def _enumish_scalar(name: str, allowed: tuple[str, ...], description: str) -> GraphQLScalarType:
    """A scalar that accepts its values as bare enum words or as quoted strings (API.md writes both)."""

    def parse_value(value: Any) -> str:
        if value not in allowed:
            raise GraphQLError(f"{name} must be one of {', '.join(allowed)}")
        return str(value)

    def parse_literal(node: ValueNode, _variables: Any = None) -> str:
        if isinstance(node, EnumValueNode | StringValueNode):
            return parse_value(node.value)
        raise GraphQLError(f"{name} must be one of {', '.join(allowed)}")

    return GraphQLScalarType(name, description=description, serialize=str, parse_value=parse_value,
                             parse_literal=parse_literal)


OrderByDirection = _enumish_scalar("OrderByDirection", DIRECTIONS,
                                   "Asc, Desc, AscNullsFirst, AscNullsLast, DescNullsFirst or DescNullsLast.")
FilterIs = _enumish_scalar("FilterIs", ("NULL", "NOT_NULL"), "NULL or NOT_NULL.")


def pascal(name: str) -> str:
    """``workspaceMember`` → ``WorkspaceMember``."""
    return name[0].upper() + name[1:]


def _filter_type(name: str, scalar: Any, ops: tuple[str, ...]) -> GraphQLInputObjectType:
    fields: dict[str, GraphQLInputField] = {}
    for op in ops:
        if op == "in":
            fields["in"] = GraphQLInputField(GraphQLList(GraphQLNonNull(scalar)))
        elif op == "is":
            fields["is"] = GraphQLInputField(FilterIs)
        else:
            fields[op] = GraphQLInputField(scalar)
    return GraphQLInputObjectType(name, fields)


_CMP = ("eq", "neq", "in", "gt", "gte", "lt", "lte", "is")
_TEXT = ("eq", "neq", "in", "like", "ilike", "startsWith", "gt", "gte", "lt", "lte", "is")


class _Shared:
    """Types every workspace schema shares (built once per schema: graphql-core types are per schema)."""

    def __init__(self) -> None:
        self.id_filter = _filter_type("IDFilter", GraphQLID, ("eq", "neq", "in", "is"))
        self.uuid_filter = _filter_type("UUIDFilter", UUIDScalar, ("eq", "neq", "in", "is"))
        self.string_filter = _filter_type("StringFilter", GraphQLString, _TEXT)
        self.float_filter = _filter_type("FloatFilter", GraphQLFloat, _CMP)
        self.bigfloat_filter = _filter_type("BigFloatFilter", BigFloatScalar, _CMP)
        self.boolean_filter = _filter_type("BooleanFilter", GraphQLBoolean, ("eq", "neq", "is"))
        self.datetime_filter = _filter_type("DateTimeFilter", DateTimeScalar, _CMP)
        self.date_filter = _filter_type("DateFilter", DateScalar, _CMP)
        self.json_filter = GraphQLInputObjectType("RawJsonFilter", {"like": GraphQLInputField(GraphQLString),
                                                                     "is": GraphQLInputField(FilterIs)})
        # composite types (Currency, FullName, Links, Emails, Phones): the object, its input, filter and
        # order inputs, one field per sub-field (lists of links, emails and phones are not ordered by)
        scalars = {"BigFloat": BigFloatScalar, "String": GraphQLString, "JSON": JSONScalar}
        filters = {"BigFloat": self.bigfloat_filter, "String": self.string_filter, "JSON": self.json_filter}
        self.composite: dict[str, GraphQLObjectType] = {}
        self.composite_input: dict[str, GraphQLInputObjectType] = {}
        self.composite_filter: dict[str, GraphQLInputObjectType] = {}
        self.composite_order: dict[str, GraphQLInputObjectType] = {}
        for kind, subs in COMPOSITES.items():
            name = COMPOSITE_TYPE_NAMES[kind]
            self.composite[kind] = GraphQLObjectType(name, {s: GraphQLField(scalars[g]) for s, _, g in subs})
            self.composite_input[kind] = GraphQLInputObjectType(
                f"{name}Input", {s: GraphQLInputField(scalars[g]) for s, _, g in subs})
            self.composite_filter[kind] = GraphQLInputObjectType(
                f"{name}Filter", {s: GraphQLInputField(filters[g]) for s, _, g in subs})
            orderable = [s for s, _, g in subs if g != "JSON"]
            self.composite_order[kind] = GraphQLInputObjectType(
                f"{name}OrderByInput", {s: GraphQLInputField(OrderByDirection) for s in orderable})
        self.page_info = GraphQLObjectType("PageInfo", {
            "hasNextPage": GraphQLField(GraphQLNonNull(GraphQLBoolean)),
            "hasPreviousPage": GraphQLField(GraphQLNonNull(GraphQLBoolean)),
            "startCursor": GraphQLField(GraphQLString),
            "endCursor": GraphQLField(GraphQLString),
        })

    def scalar_output(self, field: Field) -> Any:
        return {
            "TEXT": GraphQLString, "EMAIL": GraphQLString, "PHONE": GraphQLString, "URL": GraphQLString,
            "NUMBER": GraphQLFloat, "POSITION": GraphQLFloat, "BOOLEAN": GraphQLBoolean, "DATE_TIME": DateTimeScalar,
            "DATE": DateScalar, "JSON": JSONScalar, "UUID": UUIDScalar, **self.composite,
        }[field.type]

    def scalar_filter(self, field: Field) -> GraphQLInputObjectType:
        return {
            "TEXT": self.string_filter, "EMAIL": self.string_filter, "PHONE": self.string_filter,
            "URL": self.string_filter, "NUMBER": self.float_filter, "POSITION": self.float_filter,
            "BOOLEAN": self.boolean_filter, "DATE_TIME": self.datetime_filter, "DATE": self.date_filter,
            "JSON": self.json_filter, "UUID": self.uuid_filter, **self.composite_filter,
        }[field.type]

    def scalar_input(self, field: Field) -> Any:
        return self.composite_input.get(field.type) or self.scalar_output(field)


class CoreSchemaBuilder:
    """Builds the GraphQL types of every active object of a workspace."""

    def __init__(self, metadata: Metadata) -> None:
        self.metadata = metadata
        self.shared = _Shared()
        self.objects = {n: o for n, o in metadata.objects.items() if o.is_active}
        self.types: dict[str, GraphQLObjectType] = {}
        self.connections: dict[str, GraphQLObjectType] = {}
        self.filters: dict[str, GraphQLInputObjectType] = {}
        self.orders: dict[str, GraphQLInputObjectType] = {}
        self.enums: dict[tuple[str, str], GraphQLEnumType] = {}
        self.select_filters: dict[tuple[str, str], GraphQLInputObjectType] = {}

    def enum(self, obj: Object, field: Field) -> GraphQLEnumType:
        key = (obj.name_singular, field.name)
        if key not in self.enums:
            if field.type == "RATING" and not field.options:
                values = [f"RATING_{i}" for i in range(1, 6)]
            else:
                values = [o.value for o in field.options or []]
            self.enums[key] = GraphQLEnumType(
                f"{pascal(obj.name_singular)}{pascal(field.name)}Enum",
                {v: GraphQLEnumValue(v) for v in values} or {"NONE": GraphQLEnumValue("NONE")},
            )
        return self.enums[key]

    def _select_filter(self, obj: Object, field: Field) -> GraphQLInputObjectType:
        key = (obj.name_singular, field.name)
        if key not in self.select_filters:
            enum = self.enum(obj, field)
            name = f"{pascal(obj.name_singular)}{pascal(field.name)}Filter"
            if field.type == "MULTI_SELECT":
                fields = {"containsAny": GraphQLInputField(GraphQLList(GraphQLNonNull(enum))),
                          "is": GraphQLInputField(FilterIs), "isEmptyArray": GraphQLInputField(GraphQLBoolean)}
            else:
                fields = {"eq": GraphQLInputField(enum), "neq": GraphQLInputField(enum),
                          "in": GraphQLInputField(GraphQLList(GraphQLNonNull(enum))),
                          "is": GraphQLInputField(FilterIs)}
            self.select_filters[key] = GraphQLInputObjectType(name, fields)
        return self.select_filters[key]

    def _field_output(self, obj: Object, field: Field) -> Any:
        if field.type in ("SELECT", "RATING"):
            return self.enum(obj, field)
        if field.type == "MULTI_SELECT":
            return GraphQLList(GraphQLNonNull(self.enum(obj, field)))
        if field.name == "id":
            return GraphQLNonNull(GraphQLID)
        out = self.shared.scalar_output(field)
        if field.name in ("createdAt", "updatedAt"):
            return GraphQLNonNull(out)
        return out

    def _field_filter(self, obj: Object, field: Field) -> Any:
        if field.type in ("SELECT", "RATING", "MULTI_SELECT"):
            return self._select_filter(obj, field)
        if field.name == "id":
            return self.shared.id_filter
        return self.shared.scalar_filter(field)

    def connection_args(self, target: str) -> dict[str, GraphQLArgument]:
        return {
            "filter": GraphQLArgument(self.filter(target)),
            "orderBy": GraphQLArgument(GraphQLList(GraphQLNonNull(self.order(target)))),
            "first": GraphQLArgument(GraphQLInt),
            "after": GraphQLArgument(GraphQLString),
            "last": GraphQLArgument(GraphQLInt),
            "before": GraphQLArgument(GraphQLString),
        }

    def object_type(self, name: str) -> GraphQLObjectType:
        if name in self.types:
            return self.types[name]
        obj = self.objects[name]

        def fields() -> dict[str, GraphQLField]:
            out: dict[str, GraphQLField] = {}
            for field in obj.fields.values():
                if not field.is_active:
                    continue
                if field.type == "RELATION":
                    rel = field.relation
                    if rel is None or rel.target not in self.objects:
                        continue
                    if rel.kind in ("ONE_TO_MANY", "MANY_TO_MANY"):
                        out[field.name] = GraphQLField(GraphQLNonNull(self.connection(rel.target)),
                                                       args=self.connection_args(rel.target),
                                                       description=field.description)
                    else:
                        out[field.name] = GraphQLField(self.object_type(rel.target), description=field.description)
                        if field.columns():
                            out[rel.join_column or field.name + "Id"] = GraphQLField(GraphQLID)
                    continue
                out[field.name] = GraphQLField(self._field_output(obj, field), description=field.description)
            return out

        self.types[name] = GraphQLObjectType(pascal(name), fields, description=obj.description)
        return self.types[name]

    def connection(self, name: str) -> GraphQLObjectType:
        if name not in self.connections:
            node = self.object_type(name)
            edge = GraphQLObjectType(f"{node.name}Edge", {"node": GraphQLField(GraphQLNonNull(node)),
                                                          "cursor": GraphQLField(GraphQLNonNull(GraphQLString))})
            self.connections[name] = GraphQLObjectType(f"{node.name}Connection", {
                "edges": GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(edge)))),
                "pageInfo": GraphQLField(GraphQLNonNull(self.shared.page_info)),
                "totalCount": GraphQLField(GraphQLNonNull(GraphQLInt)),
            })
        return self.connections[name]

    def filter(self, name: str) -> GraphQLInputObjectType:
        if name in self.filters:
            return self.filters[name]
        obj = self.objects[name]

        def fields() -> dict[str, GraphQLInputField]:
            me = self.filters[name]
            out: dict[str, GraphQLInputField] = {
                "and": GraphQLInputField(GraphQLList(GraphQLNonNull(me))),
                "or": GraphQLInputField(GraphQLList(GraphQLNonNull(me))),
                "not": GraphQLInputField(me),
            }
            for field in obj.fields.values():
                if not field.is_active:
                    continue
                if field.type == "RELATION":
                    rel = field.relation
                    if rel and rel.target in self.objects and field.columns():
                        out[field.name] = GraphQLInputField(self.filter(rel.target))
                        out[rel.join_column or field.name + "Id"] = GraphQLInputField(self.shared.id_filter)
                    continue
                out[field.name] = GraphQLInputField(self._field_filter(obj, field))
            return out

        self.filters[name] = GraphQLInputObjectType(f"{pascal(name)}FilterInput", fields)
        return self.filters[name]

    def order(self, name: str) -> GraphQLInputObjectType:
        if name in self.orders:
            return self.orders[name]
        obj = self.objects[name]

        def fields() -> dict[str, GraphQLInputField]:
            out: dict[str, GraphQLInputField] = {}
            for field in obj.fields.values():
                if not field.is_active or field.type in ("JSON", "MULTI_SELECT"):
                    continue
                if field.type == "RELATION":
                    rel = field.relation
                    if rel and field.columns():
                        out[rel.join_column or field.name + "Id"] = GraphQLInputField(OrderByDirection)
                    continue
                if field.type in COMPOSITES:
                    out[field.name] = GraphQLInputField(self.shared.composite_order[field.type])
                else:
                    out[field.name] = GraphQLInputField(OrderByDirection)
            return out

        self.orders[name] = GraphQLInputObjectType(f"{pascal(name)}OrderByInput", fields)
        return self.orders[name]

    def write_input(self, name: str, *, create: bool) -> GraphQLInputObjectType:
        obj = self.objects[name]
        fields: dict[str, GraphQLInputField] = {}
        if create:
            fields["id"] = GraphQLInputField(GraphQLID)
        for field in obj.fields.values():
            if not field.is_active or field.name in ("id", "createdAt", "updatedAt", "deletedAt"):
                continue
            if field.type == "RELATION":
                rel = field.relation
                if rel and field.columns():
                    fields[rel.join_column or field.name + "Id"] = GraphQLInputField(GraphQLID)
                continue
            if field.type in ("SELECT", "RATING"):
                gql_type: Any = self.enum(obj, field)
            elif field.type == "MULTI_SELECT":
                gql_type = GraphQLList(GraphQLNonNull(self.enum(obj, field)))
            else:
                gql_type = self.shared.scalar_input(field)
            fields[field.name] = GraphQLInputField(gql_type)
        suffix = "CreateInput" if create else "UpdateInput"
        return GraphQLInputObjectType(f"{pascal(name)}{suffix}", fields)

    def build(self) -> GraphQLSchema:
        query: dict[str, GraphQLField] = {}
        mutation: dict[str, GraphQLField] = {}
        for name, obj in self.objects.items():
            node = self.object_type(name)
            single, plural = pascal(obj.name_singular), pascal(obj.name_plural)
            create_input = GraphQLNonNull(self.write_input(name, create=True))
            update_input = GraphQLNonNull(self.write_input(name, create=False))
            # many by ids or by filter (one of the two: checked when planned)
            ids = GraphQLArgument(GraphQLList(GraphQLNonNull(GraphQLID)))
            by_filter = GraphQLArgument(self.filter(name))
            one_id = GraphQLArgument(GraphQLNonNull(GraphQLID))
            many = GraphQLNonNull(GraphQLList(GraphQLNonNull(node)))
            query[obj.name_plural] = GraphQLField(GraphQLNonNull(self.connection(name)), args=self.connection_args(name))
            query[obj.name_singular] = GraphQLField(node, args={"filter": GraphQLArgument(self.filter(name))})
            # upsert (Twenty's): a record that has the id or a unique field's value given is updated instead
            upsert = GraphQLArgument(GraphQLBoolean, description="Update the record that has the given id or "
                                                                 "value of a unique field, if there is one "
                                                                 "(restoring it if deleted)")
            mutation[f"create{single}"] = GraphQLField(node, args={"data": GraphQLArgument(create_input),
                                                                   "upsert": upsert})
            create_many = GraphQLArgument(GraphQLNonNull(GraphQLList(create_input)))
            mutation[f"create{plural}"] = GraphQLField(many, args={"data": create_many, "upsert": upsert})
            mutation[f"update{single}"] = GraphQLField(node, args={"id": one_id,
                                                                   "data": GraphQLArgument(update_input)})
            mutation[f"update{plural}"] = GraphQLField(many, args={"ids": ids, "filter": by_filter,
                                                                   "data": GraphQLArgument(update_input)})
            for verb in ("delete", "destroy", "restore"):
                mutation[f"{verb}{single}"] = GraphQLField(node, args={"id": one_id})
                mutation[f"{verb}{plural}"] = GraphQLField(many, args={"ids": ids, "filter": by_filter})
        if not query:  # every object is inactive: GraphQL still needs a query field
            query["_empty"] = GraphQLField(GraphQLBoolean, description="Always null: this workspace has no "
                                                                       "active objects.")
        return GraphQLSchema(
            query=GraphQLObjectType("Query", query),
            mutation=GraphQLObjectType("Mutation", mutation) if mutation else None,
            # always declared, used by a UUID field or not: clients generated from Twenty's schema declare
            # their id variables as UUID (see validation.py: UUID and ID variables fit each other's places)
            types=[UUIDScalar],
        )


def build_core_schema(metadata: Metadata) -> GraphQLSchema:
    """The workspace's core GraphQL schema."""
    return CoreSchemaBuilder(metadata).build()


RootField = tuple[str, str]  # (operation kind, object name)


def root_fields(metadata: Metadata) -> dict[str, RootField]:
    """Root field name → (kind, object): how the planner dispatches each root field."""
    out: dict[str, RootField] = {}
    for name, obj in metadata.objects.items():
        if not obj.is_active:
            continue
        single, plural = pascal(obj.name_singular), pascal(obj.name_plural)
        out[obj.name_plural] = ("find_many", name)
        out[obj.name_singular] = ("find_one", name)
        for verb in ("create", "update", "delete", "destroy", "restore"):
            out[f"{verb}{single}"] = (f"{verb}_one", name)
            out[f"{verb}{plural}"] = (f"{verb}_many", name)
    return out


