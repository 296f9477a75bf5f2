"""SQL fragments: the only way SQL text is put together (in the manner of pg-sql2).

A statement is an immutable tree of fragments, compiled once to ``(text, params)``:

- plain ``str`` parts are trusted text, written in our own source (keywords, operators, casts);
- ``name()`` is an identifier, quoted by ``ident()`` after checking it is a plain name;
- ``value()`` is a value: it always becomes a ``$n`` parameter, never text.

Reusing one ``value()`` fragment in several places of a statement binds it once (one ``$n``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import msgspec

_SAFE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_SAFE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class UnsafeIdentifierError(ValueError):
    """A name is not a valid identifier for our schemas."""


def ident(*parts: str) -> str:
    """Quote a (possibly qualified) identifier: ``ident("ws_1", "company")`` → ``"ws_1"."company"``.

    The one quoting helper: every identifier in our SQL goes through it.
    """
    quoted = []
    for part in parts:
        if not _SAFE_NAME.match(part):
            raise UnsafeIdentifierError(f"unsafe identifier: {part!r}")
        quoted.append('"' + part + '"')
    return ".".join(quoted)


class Value(msgspec.Struct, frozen=True, eq=False):
    """A value bound as a parameter, with an optional cast written in our source."""

    value: Any
    cast: str | None = None


class SQL(msgspec.Struct, frozen=True, eq=False):
    """An immutable piece of SQL: trusted text, quoted names, bound values and other pieces."""

    parts: tuple[Any, ...]  # str (trusted text) | Value | SQL

    def compile(self) -> tuple[str, list[Any]]:
        """The statement text, with ``$1…$n`` in order of first use, and its parameters."""
        out: list[str] = []
        params: list[Any] = []
        numbers: dict[int, str] = {}
        _walk(self, out, params, numbers)
        return "".join(out), params


def _walk(fragment: SQL, out: list[str], params: list[Any], numbers: dict[int, str]) -> None:
    for part in fragment.parts:
        if type(part) is str:
            out.append(part)
        elif type(part) is Value:
            placeholder = numbers.get(id(part))
            if placeholder is None:
                params.append(part.value)
                placeholder = f"${len(params)}" + (f"::{part.cast}" if part.cast else "")
                numbers[id(part)] = placeholder
            out.append(placeholder)
        else:
            _walk(part, out, params, numbers)


def sql(*parts: str | SQL) -> SQL:
    """Trusted text and fragments, in order (strings here are written in our source, never values)."""
    return SQL(parts)


def raw(text: str) -> SQL:
    """Trusted SQL text from our own source."""
    return SQL((text,))


def name(*parts: str) -> SQL:
    """A quoted, checked identifier (``schema.table`` when given two parts)."""
    return SQL((ident(*parts),))


def column(alias: str, col: str) -> SQL:
    """``alias."column"``: a column of a table alias chosen by the compiler."""
    return SQL((alias + "." + ident(col),))


def value(v: Any, cast: str | None = None) -> SQL:
    """A parameter holding ``v``; ``cast`` is a type written in our source (``uuid[]``)."""
    return SQL((Value(v, cast),))


def json_key(text: str) -> SQL:
    """A JSON object key (a GraphQL name or one of ours) as a string literal."""
    if not _SAFE_KEY.match(text):
        raise UnsafeIdentifierError(f"unsafe literal: {text!r}")
    return SQL(("'" + text + "'",))


def join(items: Iterable[SQL], separator: str = ", ") -> SQL:
    """Fragments separated by trusted text."""
    parts: list[Any] = []
    for item in items:
        if parts:
            parts.append(separator)
        parts.append(item)
    return SQL(tuple(parts))


EMPTY = SQL(())
TRUE = raw("TRUE")
FALSE = raw("FALSE")
