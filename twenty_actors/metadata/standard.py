"""The standard objects every new workspace starts with (API.md's fields, Twenty's names)."""

from __future__ import annotations

import uuid
from typing import Any

from twenty_storage.model import Field, Object, Relation, SelectOption, with_twenty

_COLORS = ["red", "purple", "sky", "turquoise", "yellow", "green", "blue", "orange"]


def options(*values: str) -> list[SelectOption]:
    """SELECT options with labels made from their values."""
    return [SelectOption(value=v, label=v.replace("_", " ").title(), color=_COLORS[i % len(_COLORS)], position=i,
                         id=str(uuid.uuid4())) for i, v in enumerate(values)]


# object name → (plural, labels, icon, [(field, label, type, extra)])
_OBJECTS: dict[str, tuple[str, str, str, str, list[tuple[str, str, str, dict[str, Any]]]]] = {
    "company": ("companies", "Company", "Companies", "IconBuildingSkyscraper", [
        ("name", "Name", "TEXT", {}),
        ("domainName", "Domain Name", "URL", {"is_unique": True}),  # unique, as in Twenty
        ("address", "Address", "TEXT", {}),
        ("employees", "Employees", "NUMBER", {}),
        ("industry", "Industry", "TEXT", {}),
        ("linkedinLink", "Linkedin", "URL", {}),
        ("xLink", "X", "URL", {}),
        ("annualRecurringRevenue", "ARR", "CURRENCY", {}),
        ("idealCustomerProfile", "ICP", "BOOLEAN", {"default_value": False}),
    ]),
    "person": ("people", "Person", "People", "IconUser", [
        ("name", "Name", "FULL_NAME", {}),
        ("email", "Email", "EMAIL", {"is_unique": True}),  # unique, as Twenty's emails
        ("phone", "Phone", "PHONE", {}),
        ("city", "City", "TEXT", {}),
        ("jobTitle", "Job Title", "TEXT", {}),
        ("linkedinLink", "Linkedin", "URL", {}),
        ("xLink", "X", "URL", {}),
        ("avatarUrl", "Avatar", "URL", {}),
    ]),
    "opportunity": ("opportunities", "Opportunity", "Opportunities", "IconTargetArrow", [
        ("name", "Name", "TEXT", {}),
        ("amount", "Amount", "CURRENCY", {}),
        ("stage", "Stage", "SELECT",
         {"options": options("NEW", "SCREENING", "QUALIFICATION", "PROPOSAL", "MEETING", "CUSTOMER"),
          "default_value": "NEW"}),
        ("probability", "Probability", "NUMBER", {}),
        ("closeDate", "Close Date", "DATE", {}),
    ]),
    "task": ("tasks", "Task", "Tasks", "IconCheckbox", [
        ("title", "Title", "TEXT", {}),
        ("body", "Body", "TEXT", {}),
        ("status", "Status", "SELECT", {"options": options("TODO", "IN_PROGRESS", "DONE"), "default_value": "TODO"}),
        ("dueAt", "Due Date", "DATE_TIME", {}),
    ]),
    "note": ("notes", "Note", "Notes", "IconNotes", [
        ("title", "Title", "TEXT", {}),
        ("body", "Body", "TEXT", {}),
    ]),
    "workspaceMember": ("workspaceMembers", "Workspace Member", "Workspace Members", "IconUserCircle", [
        ("name", "Name", "FULL_NAME", {}),
        ("userEmail", "User Email", "EMAIL", {}),
        ("userId", "User Id", "UUID", {}),
    ]),
    "taskTarget": ("taskTargets", "Task Target", "Task Targets", "IconCheckbox", []),
    "noteTarget": ("noteTargets", "Note Target", "Note Targets", "IconNotes", []),
}

# (one side object, its field, many side object, its field): one-to-many relations
_RELATIONS = [
    ("company", "people", "person", "company"),
    ("company", "opportunities", "opportunity", "company"),
    ("person", "opportunities", "opportunity", "pointOfContact"),
    ("workspaceMember", "assignedTasks", "task", "assignee"),
    ("task", "taskTargets", "taskTarget", "task"),
    ("company", "taskTargets", "taskTarget", "company"),
    ("person", "taskTargets", "taskTarget", "person"),
    ("opportunity", "taskTargets", "taskTarget", "opportunity"),
    ("note", "noteTargets", "noteTarget", "note"),
    ("company", "noteTargets", "noteTarget", "company"),
    ("person", "noteTargets", "noteTarget", "person"),
    ("opportunity", "noteTargets", "noteTarget", "opportunity"),
]

_LABELS = {"people": "People", "company": "Company", "opportunities": "Opportunities",
           "pointOfContact": "Point of Contact", "assignedTasks": "Assigned Tasks", "assignee": "Assignee"}


def system_fields() -> list[Field]:
    """id, createdAt, updatedAt, deletedAt and position: every object has them."""
    return [
        Field(id=uuid.uuid4(), name="id", label="Id", type="UUID", is_system=True, is_nullable=False, position=-5),
        Field(id=uuid.uuid4(), name="createdAt", label="Creation date", type="DATE_TIME", is_system=True,
              is_nullable=False, position=-4),
        Field(id=uuid.uuid4(), name="updatedAt", label="Last update", type="DATE_TIME", is_system=True,
              is_nullable=False, position=-3),
        Field(id=uuid.uuid4(), name="deletedAt", label="Deleted at", type="DATE_TIME", is_system=True, position=-2),
        Field(id=uuid.uuid4(), name="position", label="Position", type="POSITION", is_system=True, position=-1),
    ]


def relation_pair(one: str, one_field: str, many: str, many_field: str, *, custom: bool,
                  one_label: str | None = None, many_label: str | None = None) -> tuple[Field, Field]:
    """The two fields of a one-to-many relation: the connection on ``one``, the link on ``many``."""
    join_column = many_field + "Id"
    one_side = Field(id=uuid.uuid4(), name=one_field, label=one_label or _LABELS.get(one_field, one_field.title()),
                     type="RELATION", is_custom=custom,
                     relation=Relation(kind="ONE_TO_MANY", target=many, inverse=many_field, join_column=join_column))
    many_side = Field(id=uuid.uuid4(), name=many_field,
                      label=many_label or _LABELS.get(many_field, many_field[0].upper() + many_field[1:]),
                      type="RELATION", is_custom=custom,
                      relation=Relation(kind="MANY_TO_ONE", target=one, inverse=one_field, join_column=join_column))
    return one_side, many_side


def standard_objects() -> list[Object]:
    """Fresh standard objects (new ids) with their relations."""
    fields: dict[str, dict[str, Field]] = {}
    for name, (_plural, _ls, _lp, _icon, specs) in _OBJECTS.items():
        own = {f.name: f for f in system_fields()}
        for position, (fname, label, ftype, extra) in enumerate(specs):
            own[fname] = with_twenty(name, Field(id=uuid.uuid4(), name=fname, label=label, type=ftype,
                                                 position=position, **extra))
        fields[name] = own
    for one, one_field, many, many_field in _RELATIONS:
        one_side, many_side = relation_pair(one, one_field, many, many_field, custom=False)
        fields[one][one_field] = one_side
        fields[many][many_field] = many_side
    return [
        Object(id=uuid.uuid4(), name_singular=name, name_plural=plural, label_singular=ls, label_plural=lp, icon=icon,
               is_system=name in ("workspaceMember", "taskTarget", "noteTarget"), fields=fields[name])
        for name, (plural, ls, lp, icon, _specs) in _OBJECTS.items()
    ]
