"""Typed events that code emits; formatting and metrics live at the edge."""

from __future__ import annotations

import logging
import msgspec

log = logging.getLogger("twenty.observe")


class Observation(msgspec.Struct, frozen=True, kw_only=True):
    """Something worth recording."""


class ActorRestarted(Observation, frozen=True):
    """An actor crashed and was restarted."""

    name: str
    crashes: int


class WorkspaceCoolingDown(Observation, frozen=True):
    """A workspace crash-looped and answers 503 until its cool-down ends."""

    workspace_id: str
    seconds: float


class WriteBatchCommitted(Observation, frozen=True):
    """The writer committed a group of writes in one transaction."""

    workspace_id: str
    size: int
    seconds: float


def observe(event: Observation) -> None:
    """Record ``event`` (a debug log line for now; metrics exporters hook in here)."""
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%r", event)
