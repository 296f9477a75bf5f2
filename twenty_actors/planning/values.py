"""Values: how both APIs check and convert what clients send, once for each kind of value.

A planned value is either concrete (checked and converted while planning: literals in a document,
REST query strings) or a ``Slot``: a placeholder for a value the request supplies (a GraphQL
variable), checked and converted by the same function when the plan is bound to a request. So a
plan is shared by every request of its shape, and a bad value is refused alike on a plan's first
use and on its thousandth.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import msgspec

from ..errors import ValidationError
from .ids import IdSequence

MAX_TEXT = 100_000
MAX_SHORT_TEXT = 2048
MAX_BATCH = 500
INT64 = 2**63 - 1
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# a web address with or without its scheme ("acme.com", as API.md writes domain names): a host that has a
# dot (or is localhost), an optional port, then anything but whitespace; only http(s) schemes
URL = re.compile(r"^(?:https?://)?(?:[^\s/?#@:]+\.[^\s/?#@:]+|localhost)(?::\d{1,5})?(?:[/?#]\S*)?$",
                 re.IGNORECASE)
_PLUS_AS_SPACE = re.compile(r"(\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d(?::?\d\d)?)$")


# Param and Slot are not tracked by the cyclic garbage collector (gc=False: they hold only strings,
# numbers and tuples of them, or of each other, so they cannot be part of a cycle). A cached plan of a
# batch create holds a slot per value (250 records x 5 fields: 1,250 of them); tracked, the plans cached
# while a workspace was seeded made every full collection walk 280,000 slots, 200 ms during which every
# request of the process waited.
class Param(msgspec.Struct, frozen=True, gc=False):
    """Stands for a request's value while a plan is made: the path to it in the request's variables."""

    path: tuple[str | int, ...]


class Slot(msgspec.Struct, frozen=True, gc=False):
    """A value of a plan bound per request: the value at ``path``, checked by ``coerce`` (a name in COERCE)."""

    coerce: str
    path: tuple[str | int, ...]
    label: str
    args: tuple[Any, ...] = ()


# --- checks shared by both APIs ---------------------------------------------------------------

def invalid(field: str, message: str) -> ValidationError:
    """A 400 naming one field."""
    return ValidationError(f"{field}: {message}", details=[{"field": field, "message": message}])


def escape_like(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 timestamp (a date alone means midnight UTC; no zone means UTC); ValueError otherwise."""
    text = _PLUS_AS_SPACE.sub(r"\1+\2", text)  # an offset's "+" arrives as a space when not percent-encoded
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(text: str) -> date:
    """A calendar date from YYYY-MM-DD (a full timestamp is cut to its date); ValueError otherwise."""
    return date.fromisoformat(text[:10] if len(text) >= 10 else text)


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def canonical_uuid(text: str) -> str:
    """A UUID in its canonical form (lowercase, hyphenated); ValueError when ``text`` is not one."""
    if _CANONICAL_UUID.fullmatch(text):  # already canonical, as clients send them: no parse and print
        return text
    return str(uuid.UUID(text))


def check_uuid(value: Any, field: str) -> str:
    """``value`` as a canonical UUID string, or ValidationError."""
    try:
        return canonical_uuid(str(value))
    except ValueError:
        message = f"{field} must be a UUID, got {str(value)[:64]!r}"
        raise ValidationError(message, details=[{"field": field, "message": message}]) from None


def check_integer(value: Any, field: str) -> int:
    """``value`` as an int (BigFloat amounts are whole micros), or ValidationError; an integral float is fine."""
    if isinstance(value, float):
        if not value.is_integer():
            message = f"{field} must be a whole number, got {value!r}"
            raise ValidationError(message, details=[{"field": field, "message": message}])
        return int(value)
    return int(value)


def check_scalar(kind: str, nullable: bool, value: Any, path: str) -> Any:
    """A written value of a single-column field, checked by its field type."""
    if value is None:
        if not nullable:
            raise invalid(path, "cannot be null")
        return None
    if kind in ("TEXT", "EMAIL", "URL", "PHONE"):
        limit = MAX_TEXT if kind == "TEXT" else MAX_SHORT_TEXT
        if len(value) > limit:
            raise invalid(path, f"is longer than {limit} characters")
        if "\x00" in value:
            raise invalid(path, "contains a NUL character")
        if kind == "EMAIL" and value and not EMAIL.match(value):
            raise invalid(path, "Invalid email format")
        if kind == "URL" and value and not URL.match(value):
            raise invalid(path, "Invalid URL format")
    elif kind in ("NUMBER", "POSITION"):
        if not math.isfinite(value):
            raise invalid(path, "must be a finite number")
    elif kind == "UUID":
        return check_uuid(value, path)
    return value


def json_text(value: Any) -> str | None:
    """JSON and MULTI_SELECT values travel to a create as JSON text (see compile_write._unnest_column)."""
    return None if value is None else msgspec.json.encode(value).decode()


# --- binding ----------------------------------------------------------------------------------

def _scalar(value: Any, label: str, kind: str, nullable: bool, as_json: bool) -> Any:
    checked = check_scalar(kind, nullable, value, label)
    return json_text(checked) if as_json else checked


def _sub_text(value: Any, label: str) -> Any:
    if isinstance(value, str) and len(value) > MAX_SHORT_TEXT:
        raise invalid(label, f"is longer than {MAX_SHORT_TEXT} characters")
    return value


def _sub_json(value: Any, label: str, creating: bool) -> Any:
    """A list sub-field (secondaryLinks, additionalEmails, additionalPhones); JSON text when created."""
    if not isinstance(value, list):
        raise invalid(label, "must be an array")
    return json_text(value) if creating else value


def _each(value: Any, label: str, inner: str, *args: Any) -> list[Any]:
    fn = COERCE[inner]
    return [fn(v, label, *args) for v in value]


def _ids(value: Any, label: str) -> list[str]:
    if len(value) > MAX_BATCH:
        raise ValidationError(f"At most {MAX_BATCH} records per batch")
    return [check_uuid(v, label) for v in value]


COERCE: dict[str, Callable[..., Any]] = {
    "same": lambda value, _label: value,
    "uuid": check_uuid,
    "integer": check_integer,
    "like_prefix": lambda value, _label: escape_like(value) + "%",
    "scalar": _scalar,
    "sub_text": _sub_text,
    "sub_json": _sub_json,
    "each": _each,
    "ids": _ids,
}


def register(name: str, fn: Callable[..., Any]) -> None:
    """Add a check used by slots (modules that own a kind of value register it at import)."""
    COERCE[name] = fn


def value(v: Any, coerce: str, label: str, *args: Any) -> Any:
    """``v`` checked now, or a slot that checks the request's value when the plan is bound."""
    if type(v) is Param:
        return Slot(coerce, v.path, label, args)
    return COERCE[coerce](v, label, *args)


def values(v: Any, coerce: str, label: str, *args: Any) -> Any:
    """A list of values each checked by ``coerce`` (now, or per request when the list is a variable)."""
    if type(v) is Param:
        return Slot("each", v.path, label, (coerce, *args))
    return [value(item, coerce, label, *args) for item in v]


def has_slots(template: Any) -> bool:
    """Whether a parameter holds slots (directly or inside lists)."""
    if type(template) is Slot:
        return True
    if type(template) is list or type(template) is tuple:
        return any(has_slots(t) for t in template)
    return False


class Binder:
    """Binds slots to one request's variables; one slot gets one value however often it is used.

    ``new_id`` makes the ids of created records that the request does not give (default: UUIDv7 ids
    that increase in the order of the records, see ids.py).
    """

    __slots__ = ("_memo", "_new_id", "variables")

    def __init__(self, variables: dict[str, Any], new_id: Callable[[], str] | None = None) -> None:
        self.variables = variables
        self._memo: dict[Slot, Any] = {}
        self._new_id = new_id

    def bind(self, template: Any) -> Any:
        """The value of a parameter template (slots replaced, lists walked; a plan keeps them as tuples)."""
        if type(template) is list or type(template) is tuple:
            return [self.bind(t) for t in template]
        if type(template) is not Slot:
            return template
        if template in self._memo:
            return self._memo[template]
        if template.coerce == "new_uuid":
            if self._new_id is None:
                self._new_id = IdSequence().next
            bound: Any = self._new_id()
        elif template.coerce == "distinct":
            bound = [self.bind(t) for t in template.args]
            if len(set(bound)) != len(bound):
                raise ValidationError("Duplicate ids in batch")
        else:
            raw: Any = self.variables
            for step in template.path:
                raw = raw[step]
            bound = COERCE[template.coerce](raw, template.label, *template.args)
        self._memo[template] = bound
        return bound
