"""Custom scalars shared by the core and metadata schemas."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from graphql import (
    FloatValueNode,
    GraphQLError,
    GraphQLScalarType,
    IntValueNode,
    StringValueNode,
    ValueNode,
)

from ..planning import values


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with a Z, milliseconds precision (as Twenty answers)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_datetime(value: Any) -> datetime:
    """A timezone-aware datetime from ISO 8601 text (a date alone means midnight UTC)."""
    if not isinstance(value, str):
        raise GraphQLError("DateTime must be an ISO 8601 string")
    try:
        return values.parse_datetime(value)
    except ValueError:
        raise GraphQLError(f"Invalid DateTime: {value!r}") from None


def _serialize_datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return format_datetime(value)
    return str(value)


def _literal_datetime(node: ValueNode, _variables: Any = None) -> datetime:
    if not isinstance(node, StringValueNode):
        raise GraphQLError("DateTime must be a string")
    return parse_datetime(node.value)


DateTimeScalar = GraphQLScalarType(
    "DateTime",
    description="An ISO 8601 timestamp, answered in UTC with a Z.",
    serialize=_serialize_datetime,
    parse_value=parse_datetime,
    parse_literal=_literal_datetime,
)


def parse_date(value: Any) -> date:
    """A calendar date from YYYY-MM-DD (a full timestamp is cut to its date)."""
    if not isinstance(value, str):
        raise GraphQLError("Date must be a YYYY-MM-DD string")
    try:
        return values.parse_date(value)
    except ValueError:
        raise GraphQLError(f"Invalid Date: {value!r}") from None


def _literal_date(node: ValueNode, _variables: Any = None) -> date:
    if not isinstance(node, StringValueNode):
        raise GraphQLError("Date must be a string")
    return parse_date(node.value)


DateScalar = GraphQLScalarType(
    "Date",
    description="A calendar date, YYYY-MM-DD.",
    serialize=lambda v: v.isoformat() if isinstance(v, date) else str(v),
    parse_value=parse_date,
    parse_literal=_literal_date,
)


def _parse_bigfloat(value: Any) -> int | float:
    if isinstance(value, bool):
        raise GraphQLError("BigFloat must be a number")
    if isinstance(value, int):
        if abs(value) > 2**63 - 1:
            raise GraphQLError("BigFloat is out of range")
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise GraphQLError("BigFloat must be finite")
        return value
    if isinstance(value, str):
        try:
            return _parse_bigfloat(int(value))
        except ValueError:
            try:
                return _parse_bigfloat(float(value))
            except ValueError:
                raise GraphQLError(f"Invalid BigFloat: {value!r}") from None
    raise GraphQLError("BigFloat must be a number")


def _literal_bigfloat(node: ValueNode, _variables: Any = None) -> int | float:
    if isinstance(node, IntValueNode):
        return _parse_bigfloat(int(node.value))
    if isinstance(node, FloatValueNode | StringValueNode):
        return _parse_bigfloat(node.value)
    raise GraphQLError("BigFloat must be a number")


BigFloatScalar = GraphQLScalarType(
    "BigFloat",
    description="A number beyond 32 bits (amounts in micros).",
    serialize=lambda v: v,
    parse_value=_parse_bigfloat,
    parse_literal=_literal_bigfloat,
)


def _parse_uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise GraphQLError(f"Invalid UUID: {value!r}") from None


def _literal_uuid(node: ValueNode, _variables: Any = None) -> uuid.UUID:
    if not isinstance(node, StringValueNode):
        raise GraphQLError("UUID must be a string")
    return _parse_uuid(node.value)


UUIDScalar = GraphQLScalarType(
    "UUID",
    description="A UUID as text; record and metadata ids. A UUID variable fits where an ID is expected, and"
                " the other way round.",
    serialize=str,
    parse_value=_parse_uuid,
    parse_literal=_literal_uuid,
)


def _literal_json(node: ValueNode, variables: Any = None) -> Any:
    from graphql.utilities import value_from_ast_untyped

    return value_from_ast_untyped(node, variables)


JSONScalar = GraphQLScalarType(
    "JSON",
    description="Any JSON value.",
    serialize=lambda v: v,
    parse_value=lambda v: v,
    parse_literal=_literal_json,
)
