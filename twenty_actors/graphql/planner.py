"""The GraphQL front end of the planner: a validated document's selections and arguments → plan IR.

Only what is GraphQL's own lives here (walking selections, connections' edges and pageInfo, the
shape of filter and orderBy arguments); filters, ordering, pages and values are planned by
twenty_actors.planning, as for REST. Arguments may hold params (see plans.py): the plan then binds
the request's values when it runs, and serves every request of the same shape.
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, GraphQLObjectType, GraphQLSchema
from graphql.execution.values import get_argument_values
from twenty_storage.ir import (
    CompositeOut,
    ConnectionOut,
    ConnectionSel,
    ConstOut,
    EdgeSel,
    Filter,
    FindOne,
    NodeSel,
    ObjectOut,
    OrderKey,
    ScalarOut,
)
from twenty_storage.model import COMPOSITE_TYPE_NAMES, COMPOSITES, Field, Metadata, Object

from ..errors import ValidationError
from ..planning import connection_page, order_key, plan_filter, sql_type, with_tie_break
from ..planning.order import NOT_NULL
from ..planning.shape import scalar_out
from .core_schema import pascal
from .limits import MAX_DEPTH
from .selection import Operation, subfields


def _invalid(message: str, field: str) -> ValidationError:
    return ValidationError(message, details=[{"field": field, "message": message}])


class Planner:
    """Plans the reads of one operation against one workspace's metadata and schema."""

    def __init__(self, metadata: Metadata, schema: GraphQLSchema, op: Operation,
                 variables: dict[str, Any] | None = None) -> None:
        self.md = metadata
        self.schema = schema
        self.op = op
        self.variables = op.variables if variables is None else variables  # may hold params

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
        join_columns = {f.relation.join_column for f in obj.fields.values()
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
                out.append(self._relation(obj, field, key, field_nodes, depth))
            elif field.type in COMPOSITES:
                subs: list[Any] = []
                composite_type = COMPOSITE_TYPE_NAMES[field.type]
                for sub_key, sub_nodes in subfields(self.op, field_nodes).items():
                    sub = sub_nodes[0].name.value
                    if sub == "__typename":
                        subs.append(ConstOut(sub_key, composite_type))
                    else:
                        subs.append(ScalarOut(sub_key, field.sub_column(sub)))
                out.append(CompositeOut(key, NodeSel(subs)))
            else:
                out.append(scalar_out(key, field))
        return NodeSel(out)

    def _relation(self, obj: Object, field: Field, key: str, nodes: list[FieldNode], depth: int) -> Any:
        rel = field.relation
        assert rel is not None
        target = self.md.objects[rel.target]
        if rel.kind in ("ONE_TO_MANY", "MANY_TO_MANY"):
            args = get_argument_values(self._type(obj).fields[field.name], nodes[0], self.variables)
            conn = self.connection(target, nodes, args, depth + 1)
            return ConnectionOut(key, "id", rel.join_column or "", conn)
        if field.columns():  # this side holds the join column
            return ObjectOut(key, target.table, rel.join_column or "", "id", self.node(target, nodes, depth + 1))
        return ObjectOut(key, target.table, "id", rel.join_column or "", self.node(target, nodes, depth + 1))

    def connection(self, obj: Object, nodes: list[FieldNode], args: dict[str, Any], depth: int) -> ConnectionSel:
        """A page of ``obj`` records and what the connection answers."""
        order = self.order(obj, args.get("orderBy"))
        page = connection_page(obj.table, self.filter(obj, args.get("filter")), order, first=args.get("first"),
                               last=args.get("last"), after=args.get("after"), before=args.get("before"))
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
        return ConnectionSel(page=page, parts=parts)

    def find_one(self, obj: Object, nodes: list[FieldNode], args: dict[str, Any]) -> FindOne:
        """The first record matching the filter."""
        return FindOne(table=obj.table, filter=self.filter(obj, args.get("filter")), node=self.node(obj, nodes, 1))

    # --- ordering and filters -----------------------------------------------------------------

    def order(self, obj: Object, order_by: list[dict[str, Any]] | None) -> list[OrderKey]:
        """Sort keys in the order given, then id as the tie-break (default: createdAt, id)."""
        keys: list[OrderKey] = []
        for item in order_by or []:
            for name, direction in item.items():
                if direction is None:
                    continue
                field = obj.fields.get(name)
                if isinstance(direction, dict):  # composite: {amountMicros: Desc}
                    if field is None or field.type not in COMPOSITES:
                        raise _invalid(f"Cannot order by {name}", name)
                    subtypes = {s: t for s, t, _ in COMPOSITES[field.type]}
                    keys.extend(order_key(field.sub_column(sub), sub_dir, subtypes[sub])
                                for sub, sub_dir in direction.items() if sub_dir is not None)
                elif field is None:
                    keys.append(order_key(name, direction, "uuid"))  # a join column (companyId)
                else:
                    keys.append(order_key(name, direction, sql_type(field), not_null=name in NOT_NULL))
        return with_tie_break(keys)

    def filter(self, obj: Object, where: dict[str, Any] | None) -> Filter:
        """The filter, plus ``deletedAt IS NULL`` unless the filter itself asks about deletedAt."""
        return plan_filter(self.md, obj, where)
