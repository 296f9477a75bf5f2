"""Plan keys of GraphQL requests: an operation's variables reduced to their shape.

A plan depends on the document, the operation and which variables (and which of their input
fields) are given — not on their values. ``shape_variables`` replaces every value that is bound as a
parameter with a ``Param`` naming where it is, and returns the rest as the shape: input-object
keys, list lengths of input objects, nulls, and the few values that change the SQL itself
(booleans, order directions, ``is: NULL``). Lists of plain values are one parameter; so are SELECT
options (enums), which are values like any other.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    OperationDefinitionNode,
    get_named_type,
)
from graphql.utilities import type_from_ast

from ..planning import Param

_SHAPE_SCALARS = frozenset(["Boolean", "OrderByDirection", "FilterIs"])


def _is_shape(named: Any) -> bool:
    return getattr(named, "name", None) in _SHAPE_SCALARS


def _shape(type_: Any, value: Any, path: tuple[str | int, ...]) -> tuple[Any, Hashable]:
    if value is None:
        return None, None
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        inner = type_.of_type
        named = get_named_type(inner)
        if isinstance(named, GraphQLInputObjectType) or _is_shape(named):
            items = [_shape(inner, item, (*path, i)) for i, item in enumerate(value)]
            return [v for v, _ in items], ("[", *(s for _, s in items))
        return Param(path), "$[]"
    if isinstance(type_, GraphQLInputObjectType):
        shaped: dict[str, Any] = {}
        sig: list[tuple[str, Hashable]] = []
        for name, item in value.items():
            field = type_.fields.get(name)
            if field is None:  # not a declared field (cannot pass validation): keep as is
                shaped[name], s = item, repr(item)
            else:
                shaped[name], s = _shape(field.type, item, (*path, name))
            sig.append((name, s))
        return shaped, tuple(sig)
    if _is_shape(type_):
        return value, value
    return Param(path), "$"


def shape_variables(schema: GraphQLSchema, node: OperationDefinitionNode,
                    variables: dict[str, Any]) -> tuple[dict[str, Any], Hashable]:
    """The variables with params in place of bound values, and their shape (part of a plan's key)."""
    shaped: dict[str, Any] = {}
    sig: list[tuple[str, Hashable]] = []
    for definition in node.variable_definitions or ():
        name = definition.variable.name.value
        if name not in variables:
            sig.append((name, "-"))
            continue
        type_ = type_from_ast(schema, definition.type)
        shaped[name], s = _shape(type_, variables[name], (name,))
        sig.append((name, s))
    return shaped, tuple(sig)
