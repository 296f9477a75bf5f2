"""SQL fragments: the only way SQL text is put together.

``ident()`` quotes names (schemas, tables, columns) that were checked against metadata;
``Query.param()`` turns values into ``$n`` placeholders. Values never enter SQL text.
"""

from __future__ import annotations

import re

_SAFE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_SAFE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class UnsafeIdentifierError(ValueError):
    """A name is not a valid identifier for our schemas."""


def ident(*parts: str) -> str:
    """Quote a (possibly qualified) identifier: ``ident("ws_1", "company")`` → ``"ws_1"."company"``."""
    quoted = []
    for part in parts:
        if not _SAFE_NAME.match(part):
            raise UnsafeIdentifierError(f"unsafe identifier: {part!r}")
        quoted.append('"' + part + '"')
    return ".".join(quoted)


def literal_str(text: str) -> str:
    """A SQL string literal for text written in our own source (JSON keys); never for user values."""
    if not _SAFE_KEY.match(text):
        raise UnsafeIdentifierError(f"unsafe literal: {text!r}")
    return "'" + text + "'"


class Query:
    """Collects parameters while SQL text is assembled from trusted fragments."""

    __slots__ = ("params",)

    def __init__(self) -> None:
        self.params: list[object] = []

    def param(self, value: object, cast: str | None = None) -> str:
        """A placeholder for ``value``, with an optional type cast written in our source."""
        self.params.append(value)
        placeholder = f"${len(self.params)}"
        return f"{placeholder}::{cast}" if cast else placeholder
