"""Walking a validated document: operations, fields with fragments and @skip/@include applied."""

from __future__ import annotations

from typing import Any, final

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLError,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.execution.values import get_variable_values
from graphql.utilities import value_from_ast

from .variables import VariableCoercer

_BOOL = GraphQLNonNull(GraphQLBoolean)


class Operation:
    """One operation of a document with its fragments and coerced variables."""

    __slots__ = ("fragments", "node", "variables")

    def __init__(self, node: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode],
                 variables: dict[str, Any]) -> None:
        self.node = node
        self.fragments = fragments
        self.variables = variables

    def fields(self, selection_set: SelectionSetNode | None, type_name: str | None = None) -> dict[str, list[FieldNode]]:
        """Response key → the field nodes selected under it (fragments expanded, skips applied)."""
        out: dict[str, list[FieldNode]] = {}
        if selection_set is not None:
            self._collect(selection_set, type_name, out, set())
        return out

    def _collect(self, selection_set: SelectionSetNode, type_name: str | None, out: dict[str, list[FieldNode]],
                 seen: set[str]) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                out.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                cond = selection.type_condition
                if cond is None or type_name is None or cond.name.value == type_name:
                    self._collect(selection.selection_set, type_name, out, seen)
            elif isinstance(selection, FragmentSpreadNode):
                # as the spec's CollectFields: a fragment spread again under the same response keys adds
                # nothing, so each is expanded once per collection (not once per path, which is 2**n)
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                seen.add(name)
                if type_name is None or fragment.type_condition.name.value == type_name:
                    self._collect(fragment.selection_set, type_name, out, seen)

    def _included(self, node: Any) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            arg = next((a for a in directive.arguments if a.name.value == "if"), None)
            value = bool(value_from_ast(arg.value, _BOOL, self.variables)) if arg else False
            if (name == "skip" and value) or (name == "include" and not value):
                return False
        return True


def subfields(op: Operation, nodes: list[FieldNode], type_name: str | None = None) -> dict[str, list[FieldNode]]:
    """The merged sub-selection of every node selected under one response key."""
    out: dict[str, list[FieldNode]] = {}
    seen: set[str] = set()
    for node in nodes:
        if node.selection_set is not None:
            op._collect(node.selection_set, type_name, out, seen)
    return out


@final
class PreparedOperation:
    """An operation of a valid document, picked once: its node, the document's fragments, its coercer."""

    __slots__ = ("coercer", "fragments", "node")

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> None:
        """Pick the operation named ``operation_name`` (or the only one).

        Raises:
            GraphQLError: no such operation, or an ambiguous one.
        """
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name is None:
            if len(operations) != 1:
                raise GraphQLError("Must provide operation name if query contains multiple operations.")
            node = operations[0]
        else:
            found = [o for o in operations if o.name and o.name.value == operation_name]
            if not found:
                raise GraphQLError(f"Unknown operation named '{operation_name}'.")
            node = found[0]
        self.node = node
        definitions = document.definitions
        self.fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
        self.coercer = VariableCoercer(schema, node.variable_definitions or ())

    def with_variables(self, schema: GraphQLSchema, raw_variables: dict[str, Any] | None) -> Operation:
        """The operation with a request's variables coerced (the fast path, else graphql-core's).

        Raises:
            GraphQLError: invalid variables (the first error).
        """
        variables = raw_variables or {}
        coerced = self.coercer.coerce(variables)
        if coerced is None:
            definitions = self.node.variable_definitions or ()
            checked = get_variable_values(schema, definitions, variables, max_errors=10)
            if isinstance(checked, list):
                raise checked[0]
            coerced = checked
        return Operation(self.node, self.fragments, coerced)
