"""Compiled plans, kept per request shape, and bound to each request's values.

A plan is the SQL text of its statements with parameter templates: concrete values, or slots filled
from the request (values.py). Requests that differ only in values (a company by id, a filter's
value, a create's fields) share one plan — planning and compiling run once per shape, and every
request of the shape sends the same text, so PostgreSQL prepares it once per connection.
The cache belongs to one metadata version (it is dropped with the WorkspaceModel built from it).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, final

import msgspec
from twenty_storage.model import COMPOSITES, Object

from .values import Binder, Param, has_slots

Statement = tuple[str, list[Any]]


class Plan(msgspec.Struct, frozen=True):
    """Compiled statements whose parameters may hold slots; ``dynamic`` lists (statement, param) to bind."""

    statements: list[Statement]
    dynamic: tuple[tuple[int, int], ...] = ()


def make_plan(statements: list[Statement]) -> Plan:
    """A plan from compiled statements, noting which parameters are bound per request.

    Lists of slots are kept as tuples: holding nothing the cyclic garbage collector tracks, a tuple drops
    out of its sight, and a cached batch plan's thousands of slots cost its full collections nothing.
    """
    dynamic = tuple((s, p) for s, (_, params) in enumerate(statements) for p, v in enumerate(params) if has_slots(v))
    for s, p in dynamic:
        statements[s][1][p] = _as_tuples(statements[s][1][p])
    return Plan(statements, dynamic)


def _as_tuples(template: Any) -> Any:
    return tuple(_as_tuples(t) for t in template) if type(template) is list else template


def bind(plan: Plan, variables: dict[str, Any], binder: Binder | None = None) -> list[Statement]:
    """The plan's statements with this request's values.

    Raises:
        ValidationError: a value of the request does not pass its check.
    """
    if not plan.dynamic:
        return plan.statements
    binder = binder or Binder(variables)
    out = [(text, list(params)) for text, params in plan.statements]
    for s, p in plan.dynamic:
        out[s][1][p] = binder.bind(out[s][1][p])
    return out


def shape_record(obj: Object, data: dict[str, Any], path: tuple[str | int, ...]) -> tuple[Any, Hashable]:
    """A checked record body with its values as params, and its shape (which fields, nulls, booleans).

    Composite fields keep their parts (each part is a value); any other field's value is one param.
    """
    shaped: dict[str, Any] = {}
    keys: list[tuple[str, Hashable]] = []
    for name, given in data.items():
        field = obj.fields.get(name)
        if given is None or isinstance(given, bool):
            shaped[name], sig = given, given
        elif field is not None and field.type in COMPOSITES and isinstance(given, dict):
            shaped[name] = {sub: v if v is None else Param((*path, name, sub)) for sub, v in given.items()}
            sig = tuple((sub, v is None) for sub, v in given.items())
        else:
            shaped[name], sig = Param((*path, name)), "$"
        keys.append((name, sig))
    return shaped, tuple(keys)


@final
class PlanCache:
    """Plans by shape key, least recently used dropped first (bounded: one per workspace version)."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._plans: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any:
        """The plan kept under ``key``, or None."""
        plan = self._plans.get(key)
        if plan is None:
            self.misses += 1
            return None
        self.hits += 1
        self._plans.move_to_end(key)
        return plan

    def put(self, key: Hashable, plan: Any) -> None:
        """Keep a plan (only plans that depend on nothing but the key and this metadata version)."""
        self._plans[key] = plan
        if len(self._plans) > self._size:
            self._plans.popitem(last=False)
