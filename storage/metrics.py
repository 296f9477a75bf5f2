"""Prometheus metrics of the storage layer: calls to PostgreSQL, the pool, the watchdog.

Each metric is created once, at import; a call touches only children bound here in advance (``.labels``
is looked up once per operation, not per call). The edge exposes them with the rest at ``GET /metrics``.
Under ``--workers`` the values live in the files of ``PROMETHEUS_MULTIPROC_DIR``; the gauges count the
live processes only.
"""

from __future__ import annotations

import time
import weakref
from typing import Protocol, final

from prometheus_client import Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_CALLS = Counter("twenty_db_calls_total", "Calls to PostgreSQL by operation and outcome "
                 "(ok, error: PostgreSQL refused it or the connection failed, timeout: no answer within "
                 "--db-timeout, refused: failed at once while the watchdog finds PostgreSQL unresponsive)",
                 ["operation", "outcome"])
_SECONDS = Histogram("twenty_db_call_duration_seconds", "Time of the calls to PostgreSQL that got an answer "
                     "(ok or error), waiting for a pooled connection included", ["operation"],
                     buckets=_LATENCY_BUCKETS)
_POOL = Gauge("twenty_db_pool_connections",
              "Connections of the pool, in use (a recovering one included) or idle", ["state"],
              multiprocess_mode="livesum")
UNRESPONSIVE = Gauge("twenty_db_unresponsive", "1 while the watchdog gets no answer from PostgreSQL "
                     "(every call is refused at once), else 0", multiprocess_mode="livemax")
POOL_IN_USE = _POOL.labels("in_use")
POOL_IDLE = _POOL.labels("idle")

# Values too busy to publish on every change (a pool's use changes twice a statement): each publishes
# itself a second at a time, and every one of them right before this process is scraped.
_PUBLISHERS: weakref.WeakSet[_Publisher] = weakref.WeakSet()


class _Publisher(Protocol):
    def publish(self) -> None: ...


def publish_later(publisher: _Publisher) -> None:
    """``publisher.publish()`` from now on before each scrape (until ``publisher`` is gone)."""
    _PUBLISHERS.add(publisher)


def publish_now() -> None:
    """Bring every value published later up to date (before a scrape)."""
    for publisher in list(_PUBLISHERS):
        publisher.publish()


@final
class CallMetrics:
    """The pre-bound series of one kind of call (``fetch``, ``batch``, ...)."""

    __slots__ = ("_error", "_ok", "_refused", "_seconds", "timeout")

    def __init__(self, operation: str) -> None:
        self._ok = _CALLS.labels(operation, "ok")
        self._error = _CALLS.labels(operation, "error")
        self.timeout = _CALLS.labels(operation, "timeout")
        self._refused = _CALLS.labels(operation, "refused")
        self._seconds = _SECONDS.labels(operation)

    def answered(self, started: float, *, ok: bool) -> None:
        """A call that began at ``started`` (``time.perf_counter()``) got its answer."""
        self._seconds.observe(time.perf_counter() - started)
        (self._ok if ok else self._error).inc()

    def refused(self) -> None:
        """A call failed at once: PostgreSQL is known to be unresponsive."""
        self._refused.inc()


FETCH = CallMetrics("fetch")
FETCHROW = CallMetrics("fetchrow")
FETCHVAL = CallMetrics("fetchval")
EXECUTE = CallMetrics("execute")
FETCH_JSON = CallMetrics("fetch_json")
TRANSACTION = CallMetrics("transaction")
BATCH = CallMetrics("batch")
CONNECTION = CallMetrics("connection")
