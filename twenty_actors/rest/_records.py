"""The per-version cache of REST plans, record shapes and documents."""

from __future__ import annotations

from typing import final

from twenty_storage.ir import NodeSel
from twenty_storage.model import Metadata, Object

from ..metadata.model import WorkspaceModel
from ..planning import PlanCache, record_selection

MAX_PLANS = 256  # plans kept per metadata version, least recently used dropped first


@final
class RestCache:
    """Plans and documents built from one metadata version (dropped with its WorkspaceModel)."""

    def __init__(self, md: Metadata, records: dict[str, NodeSel]) -> None:
        self.md = md
        self.plans = PlanCache(MAX_PLANS)
        self._selections: dict[tuple[str, int], NodeSel] = {}
        self._records = records
        self.documents: dict[tuple[str, str], bytes] = {}  # (kind, server url) → OpenAPI JSON

    def selection(self, obj: Object, depth: int) -> NodeSel:
        """``record_selection``, built once per object and depth."""
        key = (obj.name_singular, depth)
        if key not in self._selections:
            self._selections[key] = record_selection(self.md, obj, depth)
        return self._selections[key]

    def record(self, obj: Object) -> NodeSel:
        """What writes answer and what their events carry: the core API's ``record_node`` of the object."""
        return self._records[obj.name_singular]


_ATTRIBUTE = "_rest_cache"


def rest_cache(model: WorkspaceModel) -> RestCache:
    """The REST cache of a workspace model, created on first use (a model is one metadata version)."""
    cache = getattr(model, _ATTRIBUTE, None)
    if cache is None:
        cache = RestCache(model.metadata, model.core.records)
        setattr(model, _ATTRIBUTE, cache)
    return cache
