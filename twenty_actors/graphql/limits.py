"""Limits that keep abusive GraphQL documents away from the database."""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, GraphQLError, ValidationRule

MAX_QUERY_LENGTH = 100_000
MAX_DEPTH = 12
MAX_PAGE_SIZE = 200  # `first`/`last` above this are refused
DEFAULT_PAGE_SIZE = 60  # Twenty's default page size


class depth_limit_rule(ValidationRule):  # noqa: N801 - graphql-core names rules this way
    """Refuse selections nested deeper than MAX_DEPTH fields (introspection excluded)."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self._depth = 0
        self._reported = False

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value.startswith("__"):
            return
        self._depth += 1
        if self._depth > MAX_DEPTH and not self._reported:
            self._reported = True
            self.report_error(GraphQLError(f"Query is nested deeper than {MAX_DEPTH} levels", node))

    def leave_field(self, node: FieldNode, *_args: Any) -> None:
        if not node.name.value.startswith("__"):
            self._depth -= 1
