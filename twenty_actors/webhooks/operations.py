"""Which events a webhook wants: ``create|update|delete|*`` or ``object.action`` forms, one or several.

API.md's ``operation`` is one string; Twenty's ``operations`` is a list (``["*.created", "company.*"]``).
Both are kept as given, and each operation becomes a pattern ``object.action`` (``create`` is
``*.created``, ``*`` is ``*.*``). An event ``company.created`` matches a webhook when one of its
patterns is ``company.created``, ``*.created``, ``company.*`` or ``*.*``, as in Twenty. An ``operation``
string may also name several operations separated by commas: it is how a webhook made with
``operations`` answers its ``operation``.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import ValidationError

_SHORT = {"create": "created", "update": "updated", "delete": "deleted", "destroy": "destroyed",
          "restore": "restored", "*": "*"}
_ACTIONS = frozenset(["created", "updated", "deleted", "destroyed", "restored", "*"])
_OBJECT = re.compile(r"^(\*|[a-z][a-zA-Z0-9]*)$")
MAX_OPERATIONS = 20
_MAX_LENGTH = 200  # one operation's text


def parse_operation(operation: object, field: str = "operation") -> tuple[str, str]:
    """(object pattern, action pattern) of one operation; ValidationError when it is not one."""
    if not isinstance(operation, str) or len(operation) > _MAX_LENGTH:
        raise _invalid(field)
    text = operation.strip()
    if text in _SHORT:
        return "*", _SHORT[text]
    obj, sep, action = text.partition(".")
    if not sep or not _OBJECT.match(obj):
        raise _invalid(field)
    action = _SHORT.get(action, action)
    if action not in _ACTIONS:
        raise _invalid(field)
    return obj, action


def parse_operations(data: dict[str, Any], *, required: bool) -> tuple[list[str], list[str]] | None:
    """(operations as given, their patterns) from ``operation`` or ``operations`` in ``data``.

    None when neither is given and ``required`` is false.

    Raises:
        ValidationError: both are given, neither is (when required), or one operation is invalid.
    """
    one, many = data.get("operation"), data.get("operations")
    if one is not None and many is not None:
        message = "give operation or operations, not both"
        raise ValidationError(message, details=[{"field": "operations", "message": message}])
    if one is None and many is None:
        if not required:
            return None
        message = "operation (or operations) is required"
        raise ValidationError(message, details=[{"field": "operations", "message": message}])
    if many is not None:
        items, field = list(many), "operations"
    else:
        items, field = (one.split(",") if isinstance(one, str) else [one]), "operation"
    if not items or len(items) > MAX_OPERATIONS:
        message = f"give 1 to {MAX_OPERATIONS} operations"
        raise ValidationError(message, details=[{"field": field, "message": message}])
    operations: list[str] = []
    patterns: list[str] = []
    for i, item in enumerate(items):
        obj, action = parse_operation(item, field if field == "operation" else f"operations.{i}")
        operations.append(item.strip())
        pattern = f"{obj}.{action}"
        if pattern not in patterns:
            patterns.append(pattern)
    return operations, patterns


def _invalid(field: str) -> ValidationError:
    message = "operation must be create, update, delete, * or object.action (company.created, *.updated, *.*)"
    return ValidationError(message, details=[{"field": field, "message": message}])
