"""Connections of the metadata API (objects, fields): Twenty's ``filter`` and ``paging`` over known nodes.

Pure functions over the nodes the metadata API answers (a workspace has tens of objects and hundreds of
fields, all in its metadata snapshot). Without ``paging`` a connection holds every node, as API.md's
``objects { edges { … } }`` shows; with it, ``first``/``last`` and ``after``/``before`` cut the nodes
that match ``filter``. A node's cursor is its id; ``totalCount`` counts every matching node.
"""

from __future__ import annotations

from typing import Any

from ..errors import ValidationError

_UUID_KEYS = frozenset(["id", "objectMetadataId"])


def connection(nodes: list[dict[str, Any]], paging: dict[str, Any] | None = None,
               filter_: dict[str, Any] | None = None) -> dict[str, Any]:
    """The connection of the nodes matching ``filter_``, cut by ``paging``.

    Raises:
        ValidationError: first and last together, a negative count, or a cursor of no matching node.
    """
    matched = nodes if not filter_ else [n for n in nodes if matches(n, filter_)]
    page, has_previous, has_next = _cut(matched, paging or {})
    return {"edges": [{"node": n, "cursor": n["id"]} for n in page], "totalCount": len(matched),
            "pageInfo": {"hasNextPage": has_next, "hasPreviousPage": has_previous,
                         "startCursor": page[0]["id"] if page else None,
                         "endCursor": page[-1]["id"] if page else None}}


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", details=[{"field": field, "message": message}])


def _position(ids: list[str], cursor: Any, field: str) -> int:
    if isinstance(cursor, str) and cursor in ids:
        return ids.index(cursor)
    raise _invalid(field, "invalid cursor: not the cursor of an edge of this connection")


def _cut(nodes: list[dict[str, Any]], paging: dict[str, Any]) -> tuple[list[dict[str, Any]], bool, bool]:
    first, last = paging.get("first"), paging.get("last")
    if first is not None and last is not None:
        raise _invalid("paging", "give first or last, not both")
    for key, count in (("first", first), ("last", last)):
        if count is not None and count < 0:
            raise _invalid(f"paging.{key}", "must not be negative")
    ids = [n["id"] for n in nodes]
    start, end = 0, len(nodes)
    if paging.get("after") is not None:
        start = _position(ids, paging["after"], "paging.after") + 1
    if paging.get("before") is not None:
        end = max(start, _position(ids, paging["before"], "paging.before"))
    has_previous, has_next = start > 0, end < len(nodes)
    window = nodes[start:end]
    if first is not None and len(window) > first:
        window, has_next = window[:first], True
    if last is not None and len(window) > last:
        window, has_previous = window[len(window) - last:], True
    return window, has_previous, has_next


def matches(node: dict[str, Any], filter_: dict[str, Any]) -> bool:
    """Whether a node passes a filter: ``and``/``or`` lists, UUID and boolean comparisons on its keys."""
    for key, condition in filter_.items():
        if condition is None:
            continue
        if key == "and":
            if not all(matches(node, f) for f in condition):
                return False
        elif key == "or":
            if condition and not any(matches(node, f) for f in condition):
                return False
        elif key in _UUID_KEYS:
            if not _uuid_matches(node[key], condition):
                return False
        elif not _boolean_matches(node[key], condition):
            return False
    return True


def _uuid_matches(value: str, condition: dict[str, Any]) -> bool:
    for op, operand in condition.items():
        if op == "eq" and value != _text(operand):
            return False
        if op == "neq" and value == _text(operand):
            return False
        if op == "in" and value not in {_text(v) for v in operand or ()}:
            return False
        if op == "notIn" and value in {_text(v) for v in operand or ()}:
            return False
    return True


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _boolean_matches(value: bool, condition: dict[str, Any]) -> bool:
    # as nestjs-query: `is: true|false|null` is IS TRUE / IS FALSE / IS NULL, `isNot` its negation
    for op, operand in condition.items():
        same = value is operand
        if (op == "is" and not same) or (op == "isNot" and same):
            return False
    return True
