"""Metadata changes: validate names and types, then produce DDL + metadata rows for one transaction.

Every function here is pure: it takes the current Metadata and returns the statements and the
proposed new Metadata. The proposal is checked by building its GraphQL schema before any DDL
runs, so a name that would clash with a generated GraphQL name is refused up front.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import msgspec
from twenty_storage import ddl, metadata_store
from twenty_storage.model import (
    COMPOSITES,
    FIELD_TYPES,
    SYSTEM_FIELDS,
    UNIQUE_TYPES,
    Field,
    Metadata,
    Object,
    Relation,
    SelectOption,
)
from twenty_storage.pg import Statement

from ..errors import NotFoundError, ValidationError
from .standard import relation_pair, system_fields

_NAME = re.compile(r"^[a-z][a-zA-Z0-9]*$")
_OPTION = re.compile(r"^[A-Z][A-Z0-9_]*$")
MAX_NAME = 50  # leaves room for composite suffixes and "Id" within PostgreSQL's 63-byte names
RESERVED = frozenset(["and", "or", "not", "filter", "orderBy", "first", "last", "after", "before", "edges", "node",
                      "cursor", "pageInfo", "totalCount", "type", "object", "objects", "field", "fields", "query",
                      "mutation", "subscription", "schema", "event", "events", "webhook", "webhooks", "apiKey",
                      "apiKeys", "currency", "fullName", "relation", "relations", "metadata", "graphql", "rest",
                      "typename", "null", "true", "false", "data", "ids"])


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", details=[{"field": field, "message": message}])


def check_name(name: Any, field: str) -> str:
    """A camelCase identifier that is not reserved."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise _invalid(field, "must be camelCase letters and digits, starting with a lowercase letter")
    if len(name) > MAX_NAME:
        raise _invalid(field, f"must be at most {MAX_NAME} characters")
    if name in RESERVED or name in SYSTEM_FIELDS:
        raise _invalid(field, f"'{name}' is reserved")
    return name


def check_options(options: Any, field_type: str) -> list[SelectOption] | None:
    """SELECT/MULTI_SELECT options: unique UPPER_SNAKE values, each with a label."""
    if field_type not in ("SELECT", "MULTI_SELECT"):
        if options:
            raise _invalid("options", f"only SELECT and MULTI_SELECT fields have options, not {field_type}")
        return None
    if not isinstance(options, list) or not options:
        raise _invalid("options", "a SELECT field needs at least one option")
    out: list[SelectOption] = []
    seen: set[str] = set()
    for i, option in enumerate(options):
        if not isinstance(option, dict) or not isinstance(option.get("value"), str):
            raise _invalid(f"options.{i}", "each option needs a value")
        value = option["value"]
        if not _OPTION.match(value) or len(value) > 63:
            raise _invalid(f"options.{i}.value", "must be UPPER_SNAKE_CASE (letters, digits, underscores)")
        if value in seen:
            raise _invalid(f"options.{i}.value", f"duplicate option {value}")
        seen.add(value)
        label = option.get("label") or value.replace("_", " ").title()
        position = option.get("position", i)
        out.append(SelectOption(value=value, label=str(label)[:200], color=option.get("color"),
                                position=int(position) if isinstance(position, int | float) else i,
                                id=str(option.get("id") or uuid.uuid4())))
    return out


def name_from_label(label: Any) -> Any:
    """A field name from a label, as Twenty makes one: ``Property Owner`` → ``propertyOwner``.

    Anything that is not a label with a letter or digit is returned as it is (and refused by check_name).
    """
    words = re.findall(r"[A-Za-z0-9]+", label) if isinstance(label, str) else []
    if not words:
        return label
    first = words[0].lower() if words[0].isupper() else words[0][0].lower() + words[0][1:]
    return first + "".join(w[0].upper() + w[1:] for w in words[1:])


def _with(metadata: Metadata, obj: Object) -> Metadata:
    return msgspec.structs.replace(metadata, objects={**metadata.objects, obj.name_singular: obj})


def validate_proposal(metadata: Metadata) -> None:
    """Refuse metadata whose generated GraphQL schema would be invalid (clashing names)."""
    from ..graphql.core_schema import build_core_schema, root_fields

    roots: dict[str, str] = {}
    for name, obj in metadata.objects.items():
        if not obj.is_active:
            continue
        for root in root_fields(msgspec.structs.replace(metadata, objects={name: obj})):
            if root in roots:
                raise _invalid("name", f"'{root}' would be generated for both {roots[root]} and {name}")
            roots[root] = name
    try:
        build_core_schema(metadata).type_map  # noqa: B018 - building resolves every type
    except (TypeError, AssertionError) as exc:
        raise _invalid("name", f"the name clashes with a generated GraphQL name ({exc})") from None


# --- objects ----------------------------------------------------------------------------------

def create_object(metadata: Metadata, data: dict[str, Any]) -> tuple[list[Statement], Object]:
    """A custom object with system fields and a `name` field."""
    singular = check_name(data.get("nameSingular"), "nameSingular")
    plural = check_name(data.get("namePlural"), "namePlural")
    if singular == plural:
        raise _invalid("namePlural", "must differ from nameSingular")
    for obj in metadata.objects.values():
        if {singular, plural} & {obj.name_singular, obj.name_plural}:
            raise ValidationError(f"An object named {singular}/{plural} already exists",
                                  details=[{"field": "nameSingular", "message": "already exists"}])
    fields = {f.name: f for f in system_fields()}
    fields["name"] = Field(id=uuid.uuid4(), name="name", label="Name", type="TEXT", is_custom=False)
    obj = Object(id=uuid.uuid4(), name_singular=singular, name_plural=plural,
                 label_singular=_label(data, "labelSingular"), label_plural=_label(data, "labelPlural"),
                 description=data.get("description"), icon=data.get("icon"), is_custom=True, fields=fields)
    validate_proposal(_with(metadata, obj))
    statements = metadata_store.insert_object_statements(metadata.workspace_id, obj)
    statements += ddl.create_table(metadata.schema_name, obj)
    statements.append(metadata_store.bump_version_statement(metadata.workspace_id))
    return statements, obj


def _label(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise _invalid(key, "must be 1 to 200 characters")
    return value.strip()


def find_object(metadata: Metadata, object_id: Any) -> Object:
    """The object with this id, or NotFoundError."""
    for obj in metadata.objects.values():
        if str(obj.id) == str(object_id):
            return obj
    raise NotFoundError(f"Object {object_id} not found")


def find_field(metadata: Metadata, field_id: Any) -> tuple[Object, Field]:
    """The field with this id and its object, or NotFoundError."""
    for obj in metadata.objects.values():
        for field in obj.fields.values():
            if str(field.id) == str(field_id):
                return obj, field
    raise NotFoundError(f"Field {field_id} not found")


def update_object(metadata: Metadata, object_id: Any, data: dict[str, Any]) -> list[Statement]:
    """Labels, description, icon and isActive (standard objects included)."""
    obj = find_object(metadata, object_id)
    changes: dict[str, Any] = {}
    for key, column in (("labelSingular", "label_singular"), ("labelPlural", "label_plural")):
        if key in data and data[key] is not None:
            changes[column] = _label(data, key)
    for key, column in (("description", "description"), ("icon", "icon")):
        if key in data:
            changes[column] = data[key]
    if data.get("isActive") is not None:
        changes["is_active"] = bool(data["isActive"])
    for key in ("nameSingular", "namePlural"):
        if data.get(key) is not None and data[key] != getattr(obj, "name_singular" if key == "nameSingular"
                                                                else "name_plural"):
            raise _invalid(key, "object names cannot be changed; change the labels instead")
    return [metadata_store.update_object_statement(obj.id, changes),
            metadata_store.bump_version_statement(metadata.workspace_id)]


def delete_object(metadata: Metadata, object_id: Any) -> tuple[list[Statement], Object]:
    """Drop a custom object's table and every relation field pointing at it."""
    obj = find_object(metadata, object_id)
    if not obj.is_custom:
        raise ValidationError("Standard objects cannot be deleted; set isActive to false to hide one",
                              details=[{"field": "id", "message": "standard object"}])
    statements: list[Statement] = []
    for other in metadata.objects.values():
        if other.name_singular == obj.name_singular:
            continue
        for field in other.fields.values():
            if field.relation and field.relation.target == obj.name_singular:
                statements += ddl.drop_columns(metadata.schema_name, other, field)
                statements.append(metadata_store.delete_field_statement(field.id))
    statements += ddl.drop_table(metadata.schema_name, obj)
    statements.append(metadata_store.delete_object_statement(obj.id))
    statements.append(metadata_store.bump_version_statement(metadata.workspace_id))
    return statements, obj


# --- fields -----------------------------------------------------------------------------------

def _taken(obj: Object, name: str) -> bool:
    join_columns = {f.relation.join_column for f in obj.fields.values() if f.relation and f.relation.join_column}
    return name in obj.fields or name in join_columns or any(
        c == name for f in obj.fields.values() for c, _ in f.columns())


def create_field(metadata: Metadata, data: dict[str, Any]) -> tuple[list[Statement], Field]:
    """A new field (any type; RELATION through relationCreationPayload)."""
    obj = find_object(metadata, data.get("objectMetadataId"))
    field_type = data.get("type")
    if field_type not in FIELD_TYPES:
        raise _invalid("type", f"unknown field type {field_type!r}")
    if field_type == "RELATION":
        payload = data.get("relationCreationPayload") or {}
        target_label = payload.get("targetFieldLabel")
        # Twenty's payload names the other side by its label only: its name is the label in camelCase
        return create_relation(metadata, {
            "relationType": payload.get("type") or payload.get("relationType") or "ONE_TO_MANY",
            "fromObjectMetadataId": str(obj.id),
            "toObjectMetadataId": payload.get("targetObjectMetadataId"),
            "fromFieldMetadataName": data.get("name"),
            "toFieldMetadataName": payload.get("targetFieldName") or name_from_label(target_label),
            "fromFieldMetadataLabel": data.get("label"),
            "toFieldMetadataLabel": target_label,
            "fromFieldMetadataIcon": data.get("icon"),
            "toFieldMetadataIcon": payload.get("targetFieldIcon"),
        })
    name = check_name(data.get("name"), "name")
    if _taken(obj, name) or any(_taken(obj, name + s[0].upper() + s[1:]) for s, _, _ in COMPOSITES.get(field_type, [])):
        raise ValidationError(f"{obj.name_singular} already has a field named {name}",
                              details=[{"field": "name", "message": "already exists"}])
    is_nullable = data.get("isNullable")
    default = data.get("defaultValue")
    if is_nullable is False and default is None:
        raise _invalid("isNullable", "a required field needs a defaultValue (existing rows get it)")
    field = Field(id=uuid.uuid4(), name=name, label=_label(data, "label"), type=field_type,
                  description=data.get("description"), icon=data.get("icon"), is_custom=True,
                  is_nullable=is_nullable is not False, is_unique=_unique(field_type, data.get("isUnique")),
                  default_value=default,
                  options=check_options(data.get("options"), field_type),
                  position=max((f.position for f in obj.fields.values()), default=0) + 1)
    if default is not None and field.options and field_type == "SELECT" and default not in {
            o.value for o in field.options}:
        raise _invalid("defaultValue", "must be one of the options")
    new_obj = msgspec.structs.replace(obj, fields={**obj.fields, name: field})
    validate_proposal(_with(metadata, new_obj))
    statements = [metadata_store.insert_field_statement(metadata.workspace_id, obj.id, field)]
    statements += ddl.add_column(metadata.schema_name, obj, field)
    statements.append(metadata_store.bump_version_statement(metadata.workspace_id))
    return statements, field


def _unique(field_type: str, is_unique: Any) -> bool:
    """``isUnique`` as given, refused for a type that cannot be unique."""
    if not is_unique:
        return False
    if field_type not in UNIQUE_TYPES:
        raise _invalid("isUnique", f"a {field_type} field cannot be unique")
    return True


def update_field(metadata: Metadata, field_id: Any, data: dict[str, Any]) -> tuple[list[Statement], list[str]]:
    """Label, description, icon, isActive, isNullable, isUnique, defaultValue, options.

    Returns the statements and the option values being removed (the caller refuses the change
    when rows still use them: removing an option in use is refused, never silently migrated).
    """
    obj, field = find_field(metadata, field_id)
    if field.is_system:
        raise ValidationError("System fields cannot be changed", details=[{"field": "id", "message": "system field"}])
    if data.get("name") is not None and data["name"] != field.name:
        raise _invalid("name", "field names cannot be changed; change the label instead")
    changes: dict[str, Any] = {}
    statements: list[Statement] = []
    if data.get("label") is not None:
        changes["label"] = _label(data, "label")
    for key, column in (("description", "description"), ("icon", "icon"), ("defaultValue", "default_value")):
        if key in data:
            changes[column] = data[key]
    if data.get("isActive") is not None:
        changes["is_active"] = bool(data["isActive"])
    if data.get("isNullable") is not None and bool(data["isNullable"]) != field.is_nullable:
        changes["is_nullable"] = bool(data["isNullable"])
        statements += ddl.set_not_null(metadata.schema_name, obj, field, not data["isNullable"])
    if data.get("isUnique") is not None and bool(data["isUnique"]) != field.is_unique:
        changes["is_unique"] = _unique(field.type, data["isUnique"])
        statements += (ddl.unique_index(metadata.schema_name, obj, field) if changes["is_unique"]
                       else ddl.drop_unique_index(metadata.schema_name, field))
    removed: list[str] = []
    if data.get("options") is not None:
        options = check_options(data["options"], field.type)
        assert options is not None
        changes["options"] = options
        removed = sorted({o.value for o in field.options or []} - {o.value for o in options})
    new_field = msgspec.structs.replace(field, **{
        k: v for k, v in {"label": changes.get("label"), "options": changes.get("options")}.items() if v is not None})
    validate_proposal(_with(metadata, msgspec.structs.replace(obj, fields={**obj.fields, field.name: new_field})))
    statements.insert(0, metadata_store.update_field_statement(field.id, changes))
    statements.append(metadata_store.bump_version_statement(metadata.workspace_id))
    return statements, removed


def delete_field(metadata: Metadata, field_id: Any) -> tuple[list[Statement], Field]:
    """Drop a custom field's columns (both sides of a relation)."""
    obj, field = find_field(metadata, field_id)
    if field.is_system or not field.is_custom:
        raise ValidationError("Only custom fields can be deleted", details=[{"field": "id", "message": "not custom"}])
    statements: list[Statement] = []
    if field.relation is not None:
        target = metadata.objects.get(field.relation.target)
        inverse = target.fields.get(field.relation.inverse) if target else None
        if target is not None and inverse is not None:
            statements += ddl.drop_columns(metadata.schema_name, target, inverse)
            statements.append(metadata_store.delete_field_statement(inverse.id))
    statements += ddl.drop_columns(metadata.schema_name, obj, field)
    statements.append(metadata_store.delete_field_statement(field.id))
    statements.append(metadata_store.bump_version_statement(metadata.workspace_id))
    return statements, field


# --- relations --------------------------------------------------------------------------------

def create_relation(metadata: Metadata, data: dict[str, Any]) -> tuple[list[Statement], Field]:
    """Both fields of a relation (and the join column); returns the `from` side's field."""
    kind = data.get("relationType")
    if kind not in ("ONE_TO_MANY", "MANY_TO_ONE", "ONE_TO_ONE", "MANY_TO_MANY"):
        raise _invalid("relationType", "must be ONE_TO_MANY, MANY_TO_ONE, ONE_TO_ONE or MANY_TO_MANY")
    if kind == "MANY_TO_MANY":
        return _create_many_to_many(metadata, data)
    source = find_object(metadata, data.get("fromObjectMetadataId"))
    target = find_object(metadata, data.get("toObjectMetadataId"))
    from_name = check_name(data.get("fromFieldMetadataName"), "fromFieldMetadataName")
    to_name = check_name(data.get("toFieldMetadataName"), "toFieldMetadataName")
    join_owner, join_name = (source, from_name) if kind in ("MANY_TO_ONE", "ONE_TO_ONE") else (target, to_name)
    for obj, name, key in ((source, from_name, "fromFieldMetadataName"), (target, to_name, "toFieldMetadataName"),
                           (join_owner, join_name + "Id", "toFieldMetadataName")):
        if _taken(obj, name):
            raise ValidationError(f"{obj.name_singular} already has a field named {name}",
                                  details=[{"field": key, "message": "already exists"}])
    if source.name_singular == target.name_singular and from_name == to_name:
        raise _invalid("toFieldMetadataName", "must differ from fromFieldMetadataName on a self relation")
    from_label = data.get("fromFieldMetadataLabel") or from_name[0].upper() + from_name[1:]
    to_label = data.get("toFieldMetadataLabel") or to_name[0].upper() + to_name[1:]
    if kind == "ONE_TO_MANY":
        from_field, to_field = relation_pair(source.name_singular, from_name, target.name_singular, to_name,
                                             custom=True, one_label=from_label, many_label=to_label)
    elif kind == "MANY_TO_ONE":
        to_field, from_field = relation_pair(target.name_singular, to_name, source.name_singular, from_name,
                                             custom=True, one_label=to_label, many_label=from_label)
    else:  # ONE_TO_ONE: the `from` side holds a unique join column
        join = from_name + "Id"
        from_field = Field(id=uuid.uuid4(), name=from_name, label=from_label, type="RELATION", is_custom=True,
                           relation=Relation(kind="ONE_TO_ONE", target=target.name_singular, inverse=to_name,
                                             join_column=join, owner=True))
        to_field = Field(id=uuid.uuid4(), name=to_name, label=to_label, type="RELATION", is_custom=True,
                         relation=Relation(kind="ONE_TO_ONE", target=source.name_singular, inverse=from_name,
                                           join_column=join, owner=False))
    if data.get("fromFieldMetadataIcon") is not None:
        from_field = msgspec.structs.replace(from_field, icon=str(data["fromFieldMetadataIcon"])[:200])
    if data.get("toFieldMetadataIcon") is not None:
        to_field = msgspec.structs.replace(to_field, icon=str(data["toFieldMetadataIcon"])[:200])
    proposal = metadata
    proposal = _with(proposal, msgspec.structs.replace(proposal.objects[source.name_singular], fields={
        **proposal.objects[source.name_singular].fields, from_name: from_field}))
    proposal = _with(proposal, msgspec.structs.replace(proposal.objects[target.name_singular], fields={
        **proposal.objects[target.name_singular].fields, to_name: to_field}))
    validate_proposal(proposal)
    statements: list[Statement] = [
        metadata_store.insert_field_statement(metadata.workspace_id, source.id, from_field),
        metadata_store.insert_field_statement(metadata.workspace_id, target.id, to_field),
    ]
    statements += ddl.add_column(metadata.schema_name, source, from_field)
    statements += ddl.add_column(metadata.schema_name, target, to_field)
    statements.append(metadata_store.bump_version_statement(metadata.workspace_id))
    return statements, from_field


def _create_many_to_many(metadata: Metadata, data: dict[str, Any]) -> tuple[list[Statement], Field]:
    """A junction object with a link to each side, and a connection to it on both sides.

    As Twenty does with taskTarget/noteTarget: ``company.tags`` lists the junction records, each
    with its ``tag``; creating or deleting a junction record links or unlinks the pair (each pair at
    most once). Returns the `from` side's connection field.
    """
    source = find_object(metadata, data.get("fromObjectMetadataId"))
    target = find_object(metadata, data.get("toObjectMetadataId"))
    from_name = check_name(data.get("fromFieldMetadataName"), "fromFieldMetadataName")
    to_name = check_name(data.get("toFieldMetadataName"), "toFieldMetadataName")
    same = source.name_singular == target.name_singular
    if same and from_name == to_name:
        raise _invalid("toFieldMetadataName", "must differ from fromFieldMetadataName on a self relation")
    for obj, name, key in ((source, from_name, "fromFieldMetadataName"), (target, to_name, "toFieldMetadataName")):
        if _taken(obj, name):
            raise ValidationError(f"{obj.name_singular} already has a field named {name}",
                                  details=[{"field": key, "message": "already exists"}])
    source_link, target_link = ("source", "target") if same else (source.name_singular, target.name_singular)
    singular = source.name_singular + from_name[0].upper() + from_name[1:] + "Link"
    statements, junction = create_object(metadata, {
        "nameSingular": singular, "namePlural": singular + "s",
        "labelSingular": f"{source.label_singular} {from_name} link",
        "labelPlural": f"{source.label_singular} {from_name} links",
        "description": f"Links between {source.label_plural} and {target.label_plural}"})
    from_field, to_source = relation_pair(source.name_singular, from_name, singular, source_link, custom=True,
                                          one_label=data.get("fromFieldMetadataLabel"))
    to_field, to_target = relation_pair(target.name_singular, to_name, singular, target_link, custom=True,
                                        one_label=data.get("toFieldMetadataLabel"))
    junction = msgspec.structs.replace(junction, fields={**junction.fields, source_link: to_source,
                                                         target_link: to_target})
    proposal = _with(metadata, junction)
    new_source = msgspec.structs.replace(source, fields={**source.fields, from_name: from_field})
    proposal = _with(proposal, new_source)
    base_target = new_source if same else target
    proposal = _with(proposal, msgspec.structs.replace(base_target, fields={**base_target.fields,
                                                                            to_name: to_field}))
    validate_proposal(proposal)
    wid, schema = metadata.workspace_id, metadata.schema_name
    for owner, field in ((source, from_field), (target, to_field), (junction, to_source), (junction, to_target)):
        statements.append(metadata_store.insert_field_statement(wid, owner.id, field))
        statements += ddl.add_column(schema, owner, field)
    statements += ddl.unique_columns(schema, junction, (f"{source_link}Id", f"{target_link}Id"))
    return statements, from_field
