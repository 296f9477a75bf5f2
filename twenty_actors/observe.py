"""Typed events that code emits, recorded in one place; and the id of the request being served.

Code says what happened (``observe(WriteBatchCommitted(...))``); :func:`observe` turns it into metrics
(``metrics.py``) and, at debug level, a log line. Formatting lives at the edge.

:data:`request_id` holds the id of the HTTP request a task serves: the edge sets it for each request, and
every log line emitted meanwhile carries it. Trio tasks start with a copy of their spawner's context, so
the tasks a request starts carry it too; a long-lived task started on behalf of a request (a workspace
actor) clears it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import msgspec

from . import metrics

log = logging.getLogger("twenty.observe")

request_id: ContextVar[str | None] = ContextVar("twenty_request_id", default=None)


class Observation(msgspec.Struct, frozen=True, kw_only=True):
    """Something worth recording."""


class ActorStarted(Observation, frozen=True):
    """A supervised actor started (again, after a crash)."""

    name: str


class ActorStopped(Observation, frozen=True):
    """A supervised actor stopped: it returned, crashed, or was cancelled."""

    name: str


class ActorCrashed(Observation, frozen=True):
    """An actor raised; ``crashes``: within the supervisor's window, this one included."""

    name: str
    crashes: int


class ActorRestarted(Observation, frozen=True):
    """An actor crashed and was restarted."""

    name: str
    crashes: int


class WorkspaceCoolingDown(Observation, frozen=True):
    """A workspace crash-looped and answers 503 until its cool-down ends."""

    workspace_id: str
    seconds: float


class WriteQueueChanged(Observation, frozen=True):
    """Writes joined (``delta`` > 0) or left (< 0) a workspace's write queue."""

    delta: int


class WriteQueueFull(Observation, frozen=True):
    """A write was refused: its workspace's write queue was full."""


class WriteBatchCommitted(Observation, frozen=True):
    """The writer committed a group of writes in one transaction."""

    workspace_id: str
    size: int
    seconds: float


WRITE_QUEUED = WriteQueueChanged(delta=1)  # the event of every queued write: built once


def _actor_started(_event: ActorStarted) -> None:
    metrics.ACTOR_STARTS.inc()
    metrics.ACTORS_RUNNING.inc()


def _batch_committed(event: WriteBatchCommitted) -> None:
    metrics.GROUP_COMMIT_SIZE.observe(event.size)
    metrics.GROUP_COMMIT_SECONDS.observe(event.seconds)


_RECORD: dict[type[Observation], Callable[[Any], None]] = {
    ActorStarted: _actor_started,
    ActorStopped: lambda _: metrics.ACTORS_RUNNING.dec(),
    ActorCrashed: lambda _: metrics.ACTOR_CRASHES.inc(),
    WorkspaceCoolingDown: lambda _: metrics.ACTOR_COOLDOWNS.inc(),
    WriteQueueChanged: lambda event: metrics.WRITE_QUEUE_DEPTH.inc(event.delta),
    WriteQueueFull: lambda _: metrics.WRITE_QUEUE_FULL.inc(),
    WriteBatchCommitted: _batch_committed,
}


def observe(event: Observation) -> None:
    """Record ``event``: its metrics, and a debug log line."""
    record = _RECORD.get(type(event))
    if record is not None:
        record(event)
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%r", event)
