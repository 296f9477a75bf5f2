"""A workspace's metadata at one version, with what is built from it (kept until the version changes)."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import Any, final

import msgspec
from twenty_storage import metadata_store
from twenty_storage.ir import NodeSel
from twenty_storage.model import Metadata, Object, as_twenty
from twenty_storage.pg import Database

from ..permissions import NO_ROLES, Permissions, load_permissions


@final
class CoreApi:
    """The core GraphQL schema, its document cache, root-field dispatch and event shapes."""

    def __init__(self, metadata: Metadata) -> None:
        from ..graphql.core_schema import build_core_schema, root_fields
        from ..graphql.request import DocumentCache
        from ..planning import PlanCache, record_node

        self.schema = build_core_schema(metadata)
        self.documents = DocumentCache(self.schema)
        self.roots = root_fields(metadata)
        self.records: dict[str, NodeSel] = {name: record_node(obj) for name, obj in metadata.objects.items()}
        # plans by request shape (document, operation, which variables are given), bound per request
        self.plans = PlanCache()
        # bound reads by exact request body: a repeated query skips decoding and binding too
        self.compiled_reads: OrderedDict[bytes, tuple[str, list[Any]]] = OrderedDict()


@final
class WorkspaceModel:
    """Metadata of one workspace version, and the core API built from it.

    Built as the actor loads it, not on first use: metadata the server cannot build an API from (a
    corrupt row) then crashes the actor as it starts, and its supervisor restarts it with backoff and
    cools the workspace down (503) instead of every request trying the build again and failing with 500.
    """

    def __init__(self, metadata: Metadata, *, twenty: bool = False,
                 permissions: Permissions = NO_ROLES) -> None:
        self.metadata = twenty_shapes(metadata) if twenty else metadata
        self.core = CoreApi(self.metadata)
        # the roles and the role of each key, loaded with the metadata: a request's role costs no query
        self.permissions = permissions


def _twenty_object(obj: Object) -> Object:
    fields = {}
    for name, field in obj.fields.items():
        # a custom field that took Twenty's name already (``emails``) keeps it: the plain field stays
        if field.twenty is not None and (field.twenty[0] == name or field.twenty[0] not in obj.fields):
            field = as_twenty(field)
        fields[field.name] = field
    return msgspec.structs.replace(obj, fields=fields)


def twenty_shapes(metadata: Metadata) -> Metadata:
    """The metadata as Twenty has it (``--compat twenty``): the standard objects' plain fields that are
    composite fields in Twenty (company ``domainName``, person ``email`` → ``emails``…) as those, over the
    same columns (see twenty_storage.model.TWENTY_COMPOSITES)."""
    objects = {name: _twenty_object(obj) if any(f.twenty for f in obj.fields.values()) else obj
               for name, obj in metadata.objects.items()}
    return msgspec.structs.replace(metadata, objects=objects)


async def load_workspace_model(db: Database, row: Any, *, twenty: bool = False) -> WorkspaceModel:
    """Load the metadata of a workspace row (the actor's LoadMetadata), with its roles; ``twenty``: in
    Twenty's shapes."""
    workspace_id: uuid.UUID = row["id"]
    metadata = await metadata_store.load_metadata(db, workspace_id, row["schema_name"], row["metadata_version"])
    return WorkspaceModel(metadata, twenty=twenty, permissions=await load_permissions(db, workspace_id))
