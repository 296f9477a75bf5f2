"""REST bodies: JSON values checked against the object's fields and turned into write inputs.

GraphQL coerces inputs by type before planning; REST bodies are plain JSON, so this module does
that coercion (ISO text → dates, amounts → integers, option values checked) and reports every
problem of a body at once. The result goes to writes.py's planners, which apply the remaining
checks (lengths, required fields) exactly as for GraphQL.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
from twenty_storage.model import COMPOSITES, Field, Object

from ..errors import MALFORMED_JSON, ValidationError
from ..planning.values import EMAIL, INT64, parse_date
from ._values import PathError, join_columns, option_values, parse_datetime, parse_uuid

_READ_ONLY = frozenset(["createdAt", "updatedAt", "deletedAt"])


def decode_json(body: bytes) -> Any:
    """The JSON value of a body; 400 when it is not JSON."""
    try:
        return msgspec.json.decode(body)
    except MALFORMED_JSON:
        raise ValidationError("Malformed JSON body",
                              details=[{"field": "body", "message": "the body is not valid JSON"}]) from None


def check_record(obj: Object, data: Any, *, creating: bool, prefix: str = "") -> dict[str, Any]:
    """A body for one record, with values coerced by field type; ValidationError listing every problem."""
    details: list[dict[str, str]] = []
    out = _check(obj, data, creating=creating, prefix=prefix, details=details)
    if details:
        raise ValidationError("Validation failed", details=details)
    return out


def _body_error(message: str) -> ValidationError:
    return ValidationError("Validation failed", details=[{"field": "body", "message": message}])


def check_records(obj: Object, data: Any, *, max_items: int) -> list[dict[str, Any]]:
    """A batch body: a non-empty JSON array of records to create."""
    if not isinstance(data, list):
        raise _body_error("a batch body must be a JSON array of records")
    if not data:
        raise _body_error("the array is empty")
    if len(data) > max_items:
        raise _body_error(f"at most {max_items} records per batch")
    details: list[dict[str, str]] = []
    out = [_check(obj, item, creating=True, prefix=f"{i}.", details=details) for i, item in enumerate(data)]
    if details:
        raise ValidationError("Validation failed", details=details[:100])
    return out


def _check(obj: Object, data: Any, *, creating: bool, prefix: str,
           details: list[dict[str, str]]) -> dict[str, Any]:
    if not isinstance(data, dict):
        details.append({"field": prefix.rstrip(".") or "body", "message": "must be a JSON object"})
        return {}
    joins = join_columns(obj)
    out: dict[str, Any] = {}
    for name, value in data.items():
        path = prefix + name
        try:
            if name == "id":
                if not creating:
                    raise PathError("is read-only")
                out[name] = None if value is None else _uuid(value)
                continue
            if name in joins:
                out[name] = None if value is None else _uuid(value)
                continue
            field = obj.fields.get(name)
            if field is None or not field.is_active:
                raise PathError(f"is not a field of {obj.name_singular}")
            if name in _READ_ONLY:
                raise PathError("is read-only")
            if field.type == "RELATION":
                rel = field.relation
                writable = rel is not None and rel.join_column and field.columns()
                hint = f"; set {rel.join_column} instead" if rel is not None and writable else ""
                raise PathError(f"is a relation and cannot be written here{hint}")
            out[name] = _value(field, value, path, details)
        except PathError as exc:
            details.append({"field": path, "message": exc.message})
    return out


def _uuid(value: Any) -> str:
    if not isinstance(value, str):
        raise PathError("must be a UUID string")
    return parse_uuid(value)


def _value(field: Field, value: Any, path: str, details: list[dict[str, str]]) -> Any:
    """The coerced value of one field; PathError (or details for composite parts) when it is wrong."""
    if value is None:
        return None
    kind = field.type
    if kind in COMPOSITES:
        if not isinstance(value, dict):
            raise PathError(f"must be an object with {', '.join(s for s, _, _ in COMPOSITES[kind])}")
        subs = {s: t for s, t, _ in COMPOSITES[kind]}
        out: dict[str, Any] = {}
        for sub, sub_value in value.items():
            if sub not in subs:
                details.append({"field": f"{path}.{sub}", "message": f"is not a part of {field.name}"})
                continue
            try:
                out[sub] = _sub_value(subs[sub], sub_value)
            except PathError as exc:
                details.append({"field": f"{path}.{sub}", "message": exc.message})
        return out
    if kind in ("TEXT", "EMAIL", "PHONE", "URL"):
        if not isinstance(value, str):
            raise PathError("must be a string")
        if kind == "EMAIL" and value and not EMAIL.match(value):
            raise PathError("Invalid email format")
        return value
    if kind in ("NUMBER", "POSITION"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PathError("must be a number")
        if isinstance(value, int) and abs(value) > 2**53:
            raise PathError("is out of range")
        if not math.isfinite(value):
            raise PathError("must be a finite number")
        return value
    if kind == "BOOLEAN":
        if not isinstance(value, bool):
            raise PathError("must be true or false")
        return value
    if kind == "DATE_TIME":
        if not isinstance(value, str):
            raise PathError("must be an ISO 8601 date-time string")
        return parse_datetime(value)
    if kind == "DATE":
        if not isinstance(value, str):
            raise PathError("must be a YYYY-MM-DD string")
        try:
            return parse_date(value)
        except ValueError:
            raise PathError(f"'{value[:64]}' is not a date (YYYY-MM-DD)") from None
    if kind in ("SELECT", "RATING"):
        allowed = option_values(field)
        if not isinstance(value, str) or value not in allowed:
            raise PathError(f"must be one of {', '.join(allowed)}")
        return value
    if kind == "MULTI_SELECT":
        allowed = option_values(field)
        if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
            raise PathError(f"must be an array of {', '.join(allowed)}")
        return list(value)
    if kind == "UUID":
        return _uuid(value)
    if kind == "JSON":
        return value
    raise PathError("cannot be written")


def _sub_value(sql_type: str, value: Any) -> Any:
    if value is None:
        return None
    if sql_type == "bigint":  # amountMicros: an integer, also accepted as a numeric string (BigFloat)
        if isinstance(value, bool):
            raise PathError("must be an integer")
        if isinstance(value, str):
            try:
                value = int(value)
            except ValueError:
                raise PathError(f"'{value[:64]}' is not an integer") from None
        if isinstance(value, float):
            if not math.isfinite(value) or not value.is_integer():
                raise PathError("must be an integer")
            value = int(value)
        if not isinstance(value, int) or abs(value) > INT64:
            raise PathError("must be an integer within 64 bits")
        return value
    if sql_type == "jsonb":  # secondaryLinks, additionalEmails, additionalPhones
        if not isinstance(value, list):
            raise PathError("must be an array")
        return value
    if not isinstance(value, str):
        raise PathError("must be a string")
    if "\x00" in value:
        raise PathError("contains a NUL character")
    return value
