"""Which events a webhook wants: ``create|update|delete|*`` or ``object.action`` forms."""

from __future__ import annotations

import re

from ..errors import ValidationError

_SHORT = {"create": "created", "update": "updated", "delete": "deleted", "destroy": "destroyed",
          "restore": "restored", "*": "*"}
_ACTIONS = frozenset(["created", "updated", "deleted", "destroyed", "restored", "*"])
_OBJECT = re.compile(r"^(\*|[a-z][a-zA-Z0-9]*)$")


def parse_operation(operation: object) -> tuple[str, str]:
    """(object pattern, action pattern) of an operation; ValidationError when it is not one."""
    if not isinstance(operation, str):
        raise _invalid()
    text = operation.strip()
    if text in _SHORT:
        return "*", _SHORT[text]
    obj, sep, action = text.partition(".")
    if not sep or not _OBJECT.match(obj):
        raise _invalid()
    action = _SHORT.get(action, action)
    if action not in _ACTIONS:
        raise _invalid()
    return obj, action


def _invalid() -> ValidationError:
    message = "operation must be create, update, delete, * or object.action (company.created, *.updated, *.*)"
    return ValidationError(message, details=[{"field": "operation", "message": message}])
