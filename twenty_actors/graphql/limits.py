"""Limits that keep abusive GraphQL documents away from the database."""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)

MAX_QUERY_LENGTH = 100_000
MAX_DEPTH = 12


class depth_limit_rule(ValidationRule):  # noqa: N801 - graphql-core names rules this way
    """Refuse operations whose selections nest deeper than MAX_DEPTH fields, fragments expanded.

    Introspection fields do not count: their depth is bounded by the schema.
    """

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        # (fragment, depth) → answer: a fragment spread many times is walked once per depth, not
        # once per path (fragments spreading others twice would otherwise cost 2**n)
        self._memo: dict[tuple[str, int], FieldNode | None] = {}

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        deep = self._too_deep(node.selection_set, 0, frozenset())
        if deep is not None:
            self.report_error(GraphQLError(f"Query is nested deeper than {MAX_DEPTH} levels", deep))

    def _too_deep(self, selection_set: SelectionSetNode | None, depth: int,
                  fragments: frozenset[str]) -> FieldNode | None:
        """The first field that is nested too deep, or None."""
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue
                if depth + 1 > MAX_DEPTH:
                    return selection
                found = self._too_deep(selection.selection_set, depth + 1, fragments)
            elif isinstance(selection, InlineFragmentNode):
                found = self._too_deep(selection.selection_set, depth, fragments)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.context.get_fragment(name)
                if fragment is None or name in fragments:  # unknown or cyclic: other rules report those
                    continue
                if (name, depth) not in self._memo:
                    self._memo[name, depth] = self._too_deep(fragment.selection_set, depth, fragments | {name})
                found = self._memo[name, depth]
            else:
                continue
            if found is not None:
                return found
        return None
