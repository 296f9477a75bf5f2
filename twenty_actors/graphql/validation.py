"""Validation rules of both GraphQL endpoints: the specification's, with ``ID`` and ``UUID`` interchangeable.

Twenty declares record and metadata ids as ``UUID`` (``updateCompany(id: UUID!)``) where API.md declares
``ID`` (``mutation($id: ID!)``), and clients generated from Twenty's schema send ``$id: UUID!``. The
specification's VariablesInAllowedPositionRule compares named types by identity, so a ``UUID!`` variable
in an ``ID!`` argument (or the other way round) would fail validation although both carry the same text.
Here a variable is allowed where its type, with ``UUID`` read as ``ID``, would be allowed; every other
check is the specification's. Values are still checked: a ``UUID`` variable is parsed as a UUID, and an
``ID`` in a record-id position is checked to be one when the request is planned.
"""

from __future__ import annotations

from typing import Any, cast

from graphql import (
    GraphQLError,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLType,
    OperationDefinitionNode,
    ValueNode,
    is_input_object_type,
    is_nullable_type,
)
from graphql.utilities import type_from_ast
from graphql.validation import ASTValidationRule, VariablesInAllowedPositionRule, specified_rules
from graphql.validation.rules.variables_in_allowed_position import allowed_variable_usage

# the named types that carry an id: interchangeable in variable positions
_ID_TYPES = frozenset(["ID", "UUID"])


def _as_id(type_: GraphQLType) -> GraphQLType:
    """``type_`` with every ``UUID`` read as ``ID`` (list and non-null wrappers kept)."""
    if isinstance(type_, GraphQLNonNull):
        return GraphQLNonNull(_as_id(type_.of_type))  # type: ignore[arg-type]
    if isinstance(type_, GraphQLList):
        return GraphQLList(_as_id(type_.of_type))
    if getattr(type_, "name", None) in _ID_TYPES:
        return GraphQLID
    return type_


class IdVariablesInAllowedPositionRule(VariablesInAllowedPositionRule):
    """VariablesInAllowedPositionRule, where ``ID`` and ``UUID`` variables fit each other's positions."""

    def leave_operation_definition(self, operation: OperationDefinitionNode, *_args: Any) -> None:
        """Check every variable usage of the operation (as the specification's rule does)."""
        schema = self.context.schema
        for usage in self.context.get_recursive_variable_usages(operation):
            node, location_type = usage.node, usage.type
            var_name = node.name.value
            var_def = self.var_def_map.get(var_name)
            if not var_def or not location_type:
                continue
            var_type = type_from_ast(schema, var_def.type)
            if var_type and not _allowed(schema, var_type, var_def.default_value, location_type,
                                         usage.default_value):
                self.report_error(GraphQLError(
                    f"Variable '${var_name}' of type '{var_type}' used in position expecting type"
                    f" '{location_type}'.", [var_def, node]))
            parent = usage.parent_type
            if (is_input_object_type(parent) and cast(GraphQLInputObjectType, parent).is_one_of
                    and is_nullable_type(var_type)):
                self.report_error(GraphQLError(
                    f"Variable '${var_name}' is of type '{var_type}' but must be non-nullable to be used for"
                    f" OneOf Input Object '{parent}'.", [var_def, node]))


def _allowed(schema: GraphQLSchema, var_type: GraphQLType, var_default: ValueNode | None,
             location_type: GraphQLType, location_default: Any) -> bool:
    """Whether the variable fits the location as declared, or with UUID read as ID on both sides."""
    return (allowed_variable_usage(schema, var_type, var_default, location_type, location_default)
            or allowed_variable_usage(schema, _as_id(var_type), var_default, _as_id(location_type),
                                      location_default))


VALIDATION_RULES: tuple[type[ASTValidationRule], ...] = tuple(
    IdVariablesInAllowedPositionRule if rule is VariablesInAllowedPositionRule else rule
    for rule in specified_rules)
"""The specification's rules, in order, with the id-tolerant variable-position rule in place of its own."""
