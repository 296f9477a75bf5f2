"""Plan writes: inputs (typed by GraphQL, or checked REST bodies) → checked column values → write IR.

Values may be slots (values.py): a create planned once serves every create that writes the same
fields, its values checked and bound per request, and an id generated per row when none is given.
"""

from __future__ import annotations

from typing import Any

import msgspec

from twenty_storage.ir import And, DestroyRows, Filter, InsertRows, IsNull, MatchIds, NodeSel, UpdateRows
from twenty_storage.model import COMPOSITES, Object

from ..errors import ValidationError
from .shape import join_columns, sql_type
from .values import MAX_BATCH, Param, Slot, invalid, json_text, value

_READ_ONLY = ("id", "createdAt", "updatedAt", "deletedAt")
# where a write by filter finds the ids it matched (read first, see plan_match): a path no variable has
MATCHED = Param(("\x00matched",))
_AS_JSON = ("jsonb", "text[]")  # created values of these columns travel as JSON text
_SUB_CHECKS = {"bigint": "integer", "jsonb": "sub_json"}  # how a composite's sub-field value is checked


def _columns_of(obj: Object, data: dict[str, Any], *, creating: bool, prefix: str = "") -> dict[str, tuple[str, Any]]:
    """Column → (SQL type, value) for the given input fields."""
    out: dict[str, tuple[str, Any]] = {}
    joins = join_columns(obj)
    for name, given in data.items():
        path = prefix + name
        if name == "id":
            if creating and given is not None:
                out["id"] = ("uuid", value(given, "uuid", "id"))
            continue
        if name in joins:
            out[name] = ("uuid", None if given is None else value(given, "uuid", name))
            continue
        field = obj.fields.get(name)
        if field is None or name in _READ_ONLY:
            raise invalid(name, "is not a writable field")
        if field.type in COMPOSITES:
            subtypes = {s: t for s, t, _ in COMPOSITES[field.type]}
            for sub, sub_value in (given or {}).items():
                check = _SUB_CHECKS.get(subtypes[sub], "sub_text")
                args = (creating,) if check == "sub_json" else ()
                bound = None if sub_value is None else value(sub_value, check, f"{name}.{sub}", *args)
                out[field.sub_column(sub)] = (subtypes[sub], bound)
            if given is None:
                for sub, sub_type in subtypes.items():
                    out[field.sub_column(sub)] = (sub_type, None)
            continue
        column_type = sql_type(field)
        as_json = creating and column_type in _AS_JSON
        out[name] = (column_type, value(given, "scalar", path, field.type, field.is_nullable, as_json))
    return out


def _defaults(obj: Object) -> dict[str, tuple[str, Any]]:
    out: dict[str, tuple[str, Any]] = {}
    for field in obj.fields.values():
        if field.default_value is None or field.is_system or field.type == "RELATION":
            continue
        if field.type in COMPOSITES and isinstance(field.default_value, dict):
            subtypes = {s: t for s, t, _ in COMPOSITES[field.type]}
            for sub, default in field.default_value.items():
                if sub in subtypes:
                    as_json = subtypes[sub] in _AS_JSON and default is not None
                    out[field.sub_column(sub)] = (subtypes[sub], json_text(default) if as_json else default)
        elif field.type not in COMPOSITES:
            column_type = sql_type(field)
            default = json_text(field.default_value) if column_type in _AS_JSON else field.default_value
            out[field.name] = (column_type, default)
    return out


def _required(obj: Object) -> list[str]:
    return [f.name for f in obj.fields.values()
            if not f.is_nullable and not f.is_system and f.type != "RELATION" and f.default_value is None]


def plan_create(obj: Object, items: list[dict[str, Any]], node: NodeSel | None, record: NodeSel,
                *, single: bool, upsert: bool = False) -> InsertRows:
    """Insert rows from create inputs, with defaults applied and every value checked.

    ``upsert``: a row that matches a record (deleted or not) updates that record instead, with the
    fields the row gives (not the defaults), and brings it back if it was deleted, as Twenty does. A row
    matches by its id, or by the value it gives of a unique field (company ``domainName``, person
    ``email``, a custom field with ``isUnique``; see ``InsertRows``).
    """
    if len(items) > MAX_BATCH:
        raise ValidationError(f"At most {MAX_BATCH} records per batch")
    defaults = _defaults(obj)
    required = _required(obj)
    rows_by_column: list[dict[str, tuple[str, Any]]] = []
    written: list[list[str]] = []  # per row, the columns it gives: what an upsert updates
    for index, data in enumerate(items):
        own = _columns_of(obj, data, creating=True)
        written.append([c for c in own if c != "id"])
        given = {**defaults, **own}
        for name in required:
            if given.get(name, (None, None))[1] is None:
                raise invalid(name if single else f"{index}.{name}", "is required")
        given.setdefault("id", ("uuid", Slot("new_uuid", (index,), "id")))
        rows_by_column.append(given)
    columns: dict[str, str] = {}
    for given in rows_by_column:
        for column, (column_type, _) in given.items():
            columns.setdefault(column, column_type)
    column_list = list(columns.items())
    rows = [[given.get(c, (None, None))[1] for c, _ in column_list] for given in rows_by_column]
    updates = [[c for c, _ in column_list if c in row] for row in written] if upsert else None
    ids: list[Any] = [given["id"][1] for given in rows_by_column]
    if any(isinstance(i, Slot) for i in ids):
        ids_value: Any = Slot("distinct", (), "id", tuple(ids))  # checked when bound
    elif len(set(ids)) != len(ids):
        raise ValidationError("Duplicate ids in batch")
    else:
        ids_value = ids
    keys = tuple(dict.fromkeys(key for f in obj.fields.values()
                               if f.is_unique and (key := f.unique_column()) is not None))
    return InsertRows(table=obj.table, object_name=obj.name_singular, columns=column_list, rows=rows,
                      ids=ids_value, node=node, record=record, single=single, updates=updates,
                      keys=keys if upsert else ())


def _ids(ids: Any) -> Any:
    if type(ids) is Param:
        return value(ids, "ids", "id")
    if len(ids) > MAX_BATCH:
        raise ValidationError(f"At most {MAX_BATCH} records per batch")
    return [value(i, "uuid", "id") for i in ids]


def plan_update(obj: Object, ids: Any, data: dict[str, Any], node: NodeSel | None, record: NodeSel,
                *, single: bool, where: Filter | None = None) -> UpdateRows:
    """Update rows by id with checked values (``where``: by filter, the ids being ``MATCHED``)."""
    checked = _ids(ids)
    sets = [(column, column_type, v) for column, (column_type, v) in
            _columns_of(obj, data, creating=False).items()]
    return UpdateRows(table=obj.table, object_name=obj.name_singular, ids=checked, sets=sets, event="updated",
                      node=node, record=record, single=single, where=where)


def plan_state_change(obj: Object, ids: Any, verb: str, node: NodeSel | None, record: NodeSel,
                      *, single: bool, where: Filter | None = None) -> UpdateRows | DestroyRows:
    """Soft delete, restore or destroy rows by id (``where``: by filter, the ids being ``MATCHED``)."""
    checked = _ids(ids)
    if verb == "destroy":
        return DestroyRows(table=obj.table, object_name=obj.name_singular, ids=checked, node=node, record=record,
                           single=single, where=where)
    event = {"delete": "deleted", "restore": "restored"}[verb]
    return UpdateRows(table=obj.table, object_name=obj.name_singular, ids=checked, sets=[], event=event, node=node,
                      record=record, single=single, where=where)


def match_filter(where: Filter, verb: str) -> Filter:
    """The filter a write by filter applies: update and delete change live records, restore deleted ones,
    destroy either (``where`` is planned without the usual ``deletedAt IS NULL``)."""
    if verb in ("update", "delete"):
        return And([where, IsNull("deletedAt", True)])
    if verb == "restore":
        return And([where, IsNull("deletedAt", False)])
    return where


def plan_match(obj: Object, where: Filter) -> MatchIds:
    """The read that finds the ids a write by filter changes: one more than the cap, to tell when it is past."""
    return MatchIds(table=obj.table, filter=where, limit=MAX_BATCH + 1)


def with_matched(variables: dict[str, Any], matched_json: bytes, verb: str, label: str) -> dict[str, Any]:
    """The request's variables and the ids ``plan_match`` read (``MATCHED``), for binding the write.

    Raises:
        ValidationError: the filter matches more records than one write may change.
    """
    ids = msgspec.json.decode(matched_json) or []
    if len(ids) > MAX_BATCH:
        message = (f"The filter matches more than {MAX_BATCH} {label} records; {verb} at most {MAX_BATCH} "
                   f"at a time (narrow the filter, or give ids)")
        raise ValidationError(message, details=[{"field": "filter", "message": message}])
    return {**variables, MATCHED.path[0]: ids}
