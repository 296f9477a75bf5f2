"""A request's variables coerced to their declared types, compiled once per operation.

graphql-core's ``get_variable_values`` walks every field of every input type on each request (a create's
input type has dozens of fields, most of them absent), builds a path object per value and checks each
type's kind again and again: on a by-id request it was ~4% of the server's CPU, on a create ~7%. A
:class:`VariableCoercer` is built once per operation of a cached document and does only what the
values given need: a function per type, found by lookups, no paths.

It is a fast path, never a second set of rules. It accepts a value only where graphql-core would accept
it and produce the same result: leaves through the scalar's own ``parse_value``, input objects with the
same defaults, out names and field order. Anything else — an invalid value, a missing required field,
an unknown one, a ``@oneOf`` input, deep nesting — returns None, and the caller runs graphql-core, which
reports the error in its own words.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Final, final

from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    Undefined,
    VariableDefinitionNode,
    is_input_type,
    is_leaf_type,
)
from graphql.utilities import type_from_ast, value_from_ast

_FAIL: Final = object()  # "not on the fast path": the caller falls back to graphql-core
_MAX_DEPTH = 32  # deeper values go to graphql-core, which has its own nesting limit

_Coerce = Callable[[Any, int], Any]


@final
class VariableCoercer:
    """The variables of one operation: :meth:`coerce` them, or None when graphql-core must."""

    __slots__ = ("_types", "_variables")

    def __init__(self, schema: GraphQLSchema, definitions: Collection[VariableDefinitionNode]) -> None:
        self._types: dict[str, _Coerce] = {}  # input object and leaf coercers by type name (recursive types)
        self._variables: list[tuple[str, Any, VariableDefinitionNode, _Coerce]] | None = []
        for definition in definitions:
            var_type = type_from_ast(schema, definition.type)
            if var_type is None or not is_input_type(var_type):
                self._variables = None  # refused by validation already; graphql-core says so again
                return
            name = definition.variable.name.value
            self._variables.append((name, var_type, definition, self._coercer(var_type)))

    def coerce(self, inputs: dict[str, Any]) -> dict[str, Any] | None:
        """The coerced values of the operation's variables, as graphql-core's would be; None: ask it."""
        if self._variables is None:
            return None
        out: dict[str, Any] = {}
        for name, var_type, definition, coerce in self._variables:
            if name not in inputs:
                if definition.default_value is None:
                    if isinstance(var_type, GraphQLNonNull):
                        return None
                    continue
                out[name] = value_from_ast(definition.default_value, var_type)
                continue
            value = coerce(inputs[name], 0)
            if value is _FAIL:
                return None
            out[name] = value
        return out

    def _coercer(self, type_: GraphQLInputType) -> _Coerce:
        if isinstance(type_, GraphQLNonNull):
            inner = self._coercer(type_.of_type)

            def non_null(value: Any, depth: int) -> Any:
                return _FAIL if value is None else inner(value, depth)

            return non_null
        if isinstance(type_, GraphQLList):
            return self._list(self._coercer(type_.of_type))
        name = type_.name  # type: ignore[union-attr]
        if name not in self._types:
            self._types[name] = _FAIL  # type: ignore[assignment] - being built (a type that contains itself)
            if isinstance(type_, GraphQLInputObjectType):
                self._types[name] = self._input_object(type_)
            else:
                assert is_leaf_type(type_)
                self._types[name] = _leaf(type_.parse_value)  # type: ignore[union-attr]
        types = self._types
        built = types[name]
        if built is not _FAIL:
            return built

        def later(value: Any, depth: int) -> Any:  # a type used inside itself: looked up once built
            return types[name](value, depth)

        return later

    @staticmethod
    def _list(item: _Coerce) -> _Coerce:
        def coerce_list(value: Any, depth: int) -> Any:
            if value is None:
                return None
            if type(value) is list:
                if depth > _MAX_DEPTH:
                    return _FAIL
                out = []
                for element in value:
                    coerced = item(element, depth + 1)
                    if coerced is _FAIL:
                        return _FAIL
                    out.append(coerced)
                return out
            if type(value) in (str, int, float, bool):  # a single value is a list of one
                coerced = item(value, depth)
                return _FAIL if coerced is _FAIL else [coerced]
            return _FAIL

        return coerce_list

    def _input_object(self, type_: GraphQLInputObjectType) -> _Coerce:
        if type_.is_one_of:
            return lambda value, depth: None if value is None else _FAIL
        fields = type_.fields
        order = {name: index for index, name in enumerate(fields)}
        out_names = {name: field.out_name or name for name, field in fields.items()}
        required = frozenset(name for name, field in fields.items()
                             if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined)
        defaults = [(name, field.default_value) for name, field in fields.items()
                    if field.default_value is not Undefined]
        out_type = type_.out_type
        coercers: dict[str, _Coerce] = {}
        for field_name, field in fields.items():
            coercers[field_name] = self._coercer(field.type)

        def coerce_object(value: Any, depth: int) -> Any:
            if value is None:
                return None
            if type(value) is not dict or depth > _MAX_DEPTH:
                return _FAIL
            if required and not required <= value.keys():
                return _FAIL
            coerced: dict[str, Any] = {}
            last = -1
            in_order = True
            for key, given in value.items():
                coerce = coercers.get(key)
                if coerce is None:
                    return _FAIL  # not a field of the type
                result = coerce(given, depth + 1)
                if result is _FAIL:
                    return _FAIL
                coerced[key] = result
                index = order[key]
                in_order = in_order and index > last
                last = index
            for key, default in defaults:
                if key not in coerced:
                    coerced[key] = default
                    in_order = False
            keys = coerced if in_order else sorted(coerced, key=order.__getitem__)
            return out_type({out_names[key]: coerced[key] for key in keys})

        return coerce_object


def _leaf(parse_value: Callable[[Any], Any]) -> _Coerce:
    def coerce_leaf(value: Any, depth: int) -> Any:
        if value is None:
            return None
        try:
            parsed = parse_value(value)
        except Exception:  # noqa: BLE001 - graphql-core turns it into the error the client sees
            return _FAIL
        return _FAIL if parsed is Undefined else parsed

    return coerce_leaf
