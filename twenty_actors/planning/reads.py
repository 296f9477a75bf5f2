"""Pages: which rows a list answers (filter, order, cursors, limit, offset), for both APIs."""

from __future__ import annotations

from typing import Any

import msgspec
from twenty_storage.ir import And, Cmp, Filter, Not, Or, OrderKey, Page, Related

from ..errors import ValidationError
from .order import cursor_kinds
from .values import Slot, register, value

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


def lift_page(page: Page) -> tuple[Page, list[Any]]:
    """The page with a slot for each value (operands, limit, offset, cursors), and the values in slot order.

    For a front end that checks values as it parses them (REST query strings): the page without its
    values keys the plan, so requests that differ only in values share one plan and one statement.
    Nested ``and``s (and ``or``s) are flattened, so that filters written in either REST syntax key alike.
    """
    values: list[Any] = []

    def slot(v: Any, label: str) -> Any:
        if v is None:
            return None
        values.append(v)
        return Slot("same", ("v", len(values) - 1), label)

    def walk(flt: Filter) -> Filter:
        match flt:
            case Cmp():
                return Cmp(flt.column, flt.op, slot(flt.value, flt.column))
            case And(items=items):
                return _flat(And, [walk(i) for i in items])
            case Or(items=items):
                return _flat(Or, [walk(i) for i in items])
            case Not(item=item):
                return Not(walk(item))
            case Related():
                return msgspec.structs.replace(flt, filter=walk(flt.filter))
        return flt

    template = msgspec.structs.replace(page, filter=walk(page.filter), limit=slot(page.limit, "limit"),
                                       offset=slot(page.offset, "offset"), cursor=slot(page.cursor, "cursor"),
                                       bound=slot(page.bound, "bound"))
    return template, values


def _flat(kind: type[And] | type[Or], items: list[Filter]) -> Filter:
    """``kind(items)`` with items of the same kind spliced in; a single item stands alone."""
    flat: list[Filter] = []
    for item in items:
        flat.extend(item.items if isinstance(item, kind) else [item])
    return flat[0] if len(flat) == 1 else kind(flat)
