"""Pages: which rows a list answers (filter, order, cursors, limit, offset), for both APIs."""

from __future__ import annotations

from typing import Any

from twenty_storage.ir import Filter, OrderKey, Page

from ..errors import ValidationError
from .order import cursor_kinds
from .values import register, value

MAX_PAGE_SIZE = 200  # GraphQL `first`/`last` above this are refused; REST limits are clamped to it
DEFAULT_PAGE_SIZE = 60  # Twenty's default page size


def _invalid(message: str, field: str) -> ValidationError:
    return ValidationError(message, details=[{"field": field, "message": message}])


def _page_size(size: Any, label: str) -> int:
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise _invalid(f"{label} must be between 0 and {MAX_PAGE_SIZE}", label)
    return int(size)


register("page_size", _page_size)


def connection_page(table: str, flt: Filter, order: list[OrderKey], *, first: Any = None, last: Any = None,
                    after: Any = None, before: Any = None) -> Page:
    """A GraphQL connection's page: ``first``/``after`` read forwards, ``last``/``before`` backwards.

    ``last``, or ``before`` alone, reads backwards from the end; the other cursor (if any) bounds the scan.
    """
    if first is not None and last is not None:
        raise _invalid("first and last cannot be combined", "last")
    first = None if first is None else value(first, "page_size", "first")
    last = None if last is None else value(last, "page_size", "last")
    backward = last is not None or (before is not None and first is None and after is None)
    limit = last if backward else first
    kinds = cursor_kinds(order)
    start, stop = (before, after) if backward else (after, before)
    start_name, stop_name = ("before", "after") if backward else ("after", "before")
    return Page(table=table, filter=flt, order=order, limit=DEFAULT_PAGE_SIZE if limit is None else limit,
                backward=backward,
                cursor=None if start is None else value(start, "cursor", start_name, kinds),
                bound=None if stop is None else value(stop, "cursor", stop_name, kinds))
