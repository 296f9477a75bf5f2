"""Plan reads from a validated document: selections, filters, ordering and pages → IR (pure)."""

from __future__ import annotations

import uuid
from typing import Any

from graphql import FieldNode, GraphQLObjectType, GraphQLSchema
from graphql.execution.values import get_argument_values

from twenty_storage.compile import check_cursor, decode_cursor
from twenty_storage.ir import (
    And,
    Cmp,
    CompositeOut,
    ConnectionOut,
    ConnectionSel,
    ConstOut,
    EdgeSel,
    Filter,
    FindOne,
    IsNull,
    NodeSel,
    Not,
    ObjectOut,
    Or,
    OrderKey,
    Related,
    ScalarOut,
)
from twenty_storage.model import COMPOSITES, SQL_TYPES, Field, Metadata, Object, composite_column, system_sql_type

from ..errors import ValidationError
from .core_schema import pascal
from .limits import DEFAULT_PAGE_SIZE, MAX_DEPTH, MAX_PAGE_SIZE
from .selection import Operation, subfields

_TIMESTAMP_TYPES = ("DATE_TIME",)


def _invalid(message: str, field: str) -> ValidationError:
    return ValidationError(message, details=[{"field": field, "message": message}])


def check_uuid(value: Any, field: str) -> str:
    """``value`` as a canonical UUID string, or ValidationError."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise _invalid(f"{field} must be a UUID, got {str(value)[:64]!r}", field) from None


def check_integer(value: Any, field: str) -> int:
    """``value`` as an int (BigFloat amounts are whole micros), or ValidationError; an integral float is fine."""
    if isinstance(value, float):
        if not value.is_integer():
            raise _invalid(f"{field} must be a whole number, got {value!r}", field)
        return int(value)
    return int(value)


def sql_type(field: Field) -> str:
    """The SQL type of a single-column field."""
    return system_sql_type(field.name) or SQL_TYPES.get(field.type, "text")


class Planner:
    """Plans the reads of one operation against one workspace's metadata and schema."""

    def __init__(self, metadata: Metadata, schema: GraphQLSchema, op: Operation) -> None:
        self.md = metadata
        self.schema = schema
        self.op = op

    # --- selections ---------------------------------------------------------------------------

    def _type(self, obj: Object) -> GraphQLObjectType:
        t = self.schema.get_type(pascal(obj.name_singular))
        assert isinstance(t, GraphQLObjectType)
        return t

    def node(self, obj: Object, nodes: list[FieldNode], depth: int) -> NodeSel:
        """What to answer for each record of ``obj`` selected by ``nodes``."""
        if depth > MAX_DEPTH:
            raise ValidationError(f"Query is nested deeper than {MAX_DEPTH} levels")
        type_name = pascal(obj.name_singular)
        gql_type = self._type(obj)
        join_columns = {f.relation.join_column: f for f in obj.fields.values()
                        if f.relation and f.relation.join_column and f.columns()}
        out: list[Any] = []
        for key, field_nodes in subfields(self.op, nodes, type_name).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                out.append(ConstOut(key, type_name))
                continue
            field = obj.fields.get(name)
            if field is None:
                if name in join_columns:
                    out.append(ScalarOut(key, name))
                continue
            if field.type == "RELATION":
                out.append(self._relation(obj, field, key, field_nodes, gql_type, depth))
            elif field.type in COMPOSITES:
                subs: list[Any] = []
                composite_type = pascal({"CURRENCY": "currency", "FULL_NAME": "fullName"}[field.type])
                for sub_key, sub_nodes in subfields(self.op, field_nodes).items():
                    sub = sub_nodes[0].name.value
                    if sub == "__typename":
                        subs.append(ConstOut(sub_key, composite_type))
                    else:
                        subs.append(ScalarOut(sub_key, composite_column(field.name, sub)))
                out.append(CompositeOut(key, NodeSel(subs)))
            else:
                kind = "timestamp" if field.type in _TIMESTAMP_TYPES else "plain"
                out.append(ScalarOut(key, field.name, kind))
        return NodeSel(out)

    def _relation(self, obj: Object, field: Field, key: str, nodes: list[FieldNode], gql_type: GraphQLObjectType,
                  depth: int) -> Any:
        rel = field.relation
        assert rel is not None
        target = self.md.objects[rel.target]
        if rel.kind in ("ONE_TO_MANY", "MANY_TO_MANY"):
            args = get_argument_values(gql_type.fields[field.name], nodes[0], self.op.variables)
            conn = self.connection(target, nodes, args, depth + 1)
            return ConnectionOut(key, "id", rel.join_column or "", conn)
        if field.columns():  # this side holds the join column
            return ObjectOut(key, target.table, rel.join_column or "", "id", self.node(target, nodes, depth + 1))
        return ObjectOut(key, target.table, "id", rel.join_column or "", self.node(target, nodes, depth + 1))

    def connection(self, obj: Object, nodes: list[FieldNode], args: dict[str, Any], depth: int) -> ConnectionSel:
        """A page of ``obj`` records and what the connection answers."""
        first, last = args.get("first"), args.get("last")
        after, before = args.get("after"), args.get("before")
        for name, value in (("first", first), ("last", last)):
            if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
                raise _invalid(f"{name} must be between 0 and {MAX_PAGE_SIZE}", name)
        if first is not None and last is not None:
            raise _invalid("first and last cannot be combined", "last")
        # last, or before alone, reads backwards from the end; the other cursor (if any) bounds the scan
        backward = last is not None or (before is not None and first is None and after is None)
        limit = (last if backward else first)
        if limit is None:
            limit = DEFAULT_PAGE_SIZE
        order = self.order(obj, args.get("orderBy"))
        cursor = _cursor(order, before if backward else after, "before" if backward else "after")
        bound = _cursor(order, after if backward else before, "after" if backward else "before")
        parts: list[tuple[str, str, Any]] = []
        name = pascal(obj.name_singular)
        for key, part_nodes in subfields(self.op, nodes).items():
            part = part_nodes[0].name.value
            if part == "edges":
                edge_fields: list[tuple[str, str, Any]] = []
                for ekey, enodes in subfields(self.op, part_nodes).items():
                    ename = enodes[0].name.value
                    if ename == "node":
                        edge_fields.append((ekey, "node", self.node(obj, enodes, depth)))
                    elif ename == "cursor":
                        edge_fields.append((ekey, "cursor", None))
                    else:
                        edge_fields.append((ekey, "const", f"{name}Edge"))
                parts.append((key, "edges", EdgeSel(edge_fields)))
            elif part == "pageInfo":
                info = [(k, n[0].name.value) for k, n in subfields(self.op, part_nodes).items()]
                parts.append((key, "pageInfo", info))
            elif part == "totalCount":
                parts.append((key, "totalCount", None))
            else:
                parts.append((key, "const", f"{name}Connection"))
        return ConnectionSel(table=obj.table, filter=self.filter(obj, args.get("filter")), order=order, limit=limit,
                             backward=backward, cursor=cursor, bound=bound, parts=parts,
                             has_cursor=cursor is not None)

    def find_one(self, obj: Object, nodes: list[FieldNode], args: dict[str, Any]) -> FindOne:
        """The first record matching the filter."""
        return FindOne(table=obj.table, filter=self.filter(obj, args.get("filter")), node=self.node(obj, nodes, 1))

    # --- ordering -----------------------------------------------------------------------------

    def order(self, obj: Object, order_by: list[dict[str, Any]] | None) -> list[OrderKey]:
        """Sort keys in the order given, then id as the tie-break (default: createdAt, id)."""
        keys: list[OrderKey] = []
        if not order_by:
            order_by = [{"createdAt": "Asc"}]
        for item in order_by:
            for name, direction in item.items():
                if direction is None:
                    continue
                field = obj.fields.get(name)
                if isinstance(direction, dict):  # composite: {amountMicros: Desc}
                    if field is None or field.type not in COMPOSITES:
                        raise _invalid(f"Cannot order by {name}", name)
                    subtypes = {s: t for s, t, _ in COMPOSITES[field.type]}
                    for sub, sub_dir in direction.items():
                        if sub_dir is not None:
                            keys.append(_key(composite_column(name, sub), sub_dir, subtypes[sub]))
                    continue
                if field is None:
                    keys.append(_key(name, direction, "uuid"))  # a join column (companyId)
                else:
                    keys.append(_key(name, direction, sql_type(field), not_null=name in _NOT_NULL))
        if not any(k.column == "id" for k in keys):
            # the tie-break follows the last key's direction, so (createdAt DESC, id DESC) is one
            # backward walk of the (createdAt, id) index instead of a sort of the whole table
            desc = keys[-1].desc if keys else False
            keys.append(OrderKey("id", desc=desc, nulls_first=desc, sql_type="uuid", not_null=True))
        return keys

    # --- filters ------------------------------------------------------------------------------

    def filter(self, obj: Object, where: dict[str, Any] | None, *, top: bool = True) -> Filter:
        """The filter, plus ``deletedAt IS NULL`` unless the filter itself asks about deletedAt."""
        items: list[Filter] = []
        mentions_deleted = False
        for name, value in (where or {}).items():
            if value is None:
                continue
            if name == "and":
                items.append(And([self.filter(obj, v, top=False) for v in value]))
            elif name == "or":
                items.append(Or([self.filter(obj, v, top=False) for v in value]))
            elif name == "not":
                items.append(Not(self.filter(obj, value, top=False)))
            else:
                items.append(self._field_filter(obj, name, value))
        if top:
            mentions_deleted = _mentions(where, "deletedAt")
            if not mentions_deleted:
                items.append(IsNull("deletedAt", True))
        return And(items)

    def _field_filter(self, obj: Object, name: str, value: dict[str, Any]) -> Filter:
        field = obj.fields.get(name)
        if field is None:  # a join column: companyId
            return _comparisons(name, value, lambda v: check_uuid(v, name))
        if field.type == "RELATION":
            rel = field.relation
            assert rel is not None and rel.join_column
            target = self.md.objects[rel.target]
            return Related(target.table, rel.join_column, self.filter(target, value, top=False),
                           include_deleted=_mentions(value, "deletedAt"))
        if field.type in COMPOSITES:
            parts: list[Filter] = []
            subtypes = {s: t for s, t, _ in COMPOSITES[field.type]}
            for sub, sub_filter in value.items():
                if sub_filter is not None:
                    path = f"{name}.{sub}"
                    check = (lambda v, path=path: check_integer(v, path)) if subtypes[sub] == "bigint" else None
                    parts.append(_comparisons(composite_column(name, sub), sub_filter, check))
            return And(parts)
        if field.name == "id" or field.type == "UUID":
            return _comparisons(name, value, lambda v: check_uuid(v, name))
        if field.type == "MULTI_SELECT":
            parts = []
            for op, operand in value.items():
                if operand is None:
                    continue
                if op == "containsAny":
                    parts.append(Cmp(name, "containsAny", operand))
                elif op == "isEmptyArray":
                    parts.append(Cmp(name, "eq", []) if operand else Not(Cmp(name, "eq", [])))
                elif op == "is":
                    parts.append(IsNull(name, operand == "NULL"))
            return And(parts)
        if field.type == "JSON":
            parts = []
            for op, operand in value.items():
                if op == "is" and operand is not None:
                    parts.append(IsNull(name, operand == "NULL"))
                elif op == "like" and operand is not None:
                    parts.append(Cmp(name, "like", operand))  # compared to the JSON text
            return And(parts)
        return _comparisons(name, value, None)


def _cursor(order: list[OrderKey], text: str | None, argument: str) -> list[Any] | None:
    """The sort-key values of a cursor argument, checked against the ordering."""
    if text is None:
        return None
    try:
        values = decode_cursor(text)
    except ValueError:
        raise _invalid("Invalid cursor", argument) from None
    try:
        check_cursor(order, values)
    except ValueError:
        raise _invalid("The cursor does not belong to this ordering", argument) from None
    return values


_NOT_NULL = frozenset(["id", "createdAt", "updatedAt"])


def _key(column: str, direction: str, sql: str, *, not_null: bool = False) -> OrderKey:
    desc = direction.startswith("Desc")
    if not_null:
        # NULLS FIRST/LAST mean nothing here; PostgreSQL's default placement lets an index serve the order
        return OrderKey(column, desc=desc, nulls_first=desc, sql_type=sql, not_null=True)
    if direction.endswith("NullsFirst"):
        nulls_first = True
    elif direction.endswith("NullsLast"):
        nulls_first = False
    else:
        nulls_first = desc  # PostgreSQL's default: NULLs are largest
    return OrderKey(column, desc=desc, nulls_first=nulls_first, sql_type=sql)


def _comparisons(column: str, value: dict[str, Any], check: Any) -> Filter:
    parts: list[Filter] = []
    for op, operand in value.items():
        if operand is None:
            continue
        if op == "is":
            parts.append(IsNull(column, operand == "NULL"))
            continue
        if check is not None:
            operand = [check(v) for v in operand] if op == "in" else check(operand)
        parts.append(Cmp(column, op, operand))
    return And(parts)


def _mentions(where: Any, name: str) -> bool:
    """Whether a filter asks about the field ``name`` of its own object (through and/or/not, not relations)."""
    if isinstance(where, dict):
        return any(k == name or (k in ("and", "or", "not") and _mentions(v, name)) for k, v in where.items()
                   if v is not None)
    if isinstance(where, list):
        return any(_mentions(v, name) for v in where)
    return False
