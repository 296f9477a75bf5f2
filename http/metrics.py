"""Prometheus metrics of the edge (requests, shed load, change feeds), and the text ``GET /metrics`` answers.

The other layers define their own (``twenty_actors/metrics.py``, ``storage/metrics.py``); all of them are in
prometheus-client's one registry, and :func:`exposition` renders them together. Under ``--workers`` each
worker writes its values to files in ``PROMETHEUS_MULTIPROC_DIR`` (a directory the parent process makes
for the run), and whichever worker answers ``/metrics`` adds up those of every worker.

A request costs one dictionary lookup and two pre-bound series (its count and its latency): the series
of each (route, method, status) are bound on first use and kept. Labels are route patterns
(``/rest/{}/{}``), never paths, and methods outside HTTP's usual ones count as ``OTHER``: every label has
a small, fixed set of values.
"""

from __future__ import annotations

import hmac
import os
from typing import Any, final

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

from twenty_actors.metrics import publish_now

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # the text format every Prometheus reads
MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")  # prometheus-client reads it at import too
UNMATCHED = "<unmatched>"  # the route label of a request no route took (404, or refused before routing)
MALFORMED = "<malformed>"  # ... of one that was not HTTP enough to route (400, 408, 431)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_REQUESTS = Counter("twenty_http_requests_total", "HTTP requests answered, by API (graphql, metadata, rest "
                    "or none), route pattern, method and status", ["api", "route", "method", "status"])
_SECONDS = Histogram("twenty_http_request_duration_seconds", "Time from a request's head to its answer, "
                     "by API, route pattern and method", ["api", "route", "method"],
                     buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
IN_FLIGHT = Gauge("twenty_http_requests_in_flight", "HTTP requests being answered now",
                  multiprocess_mode="livesum")
_SHED = Counter("twenty_http_requests_shed_total", "Requests refused at once to shed load: rate_limit (429), "
                "workspace_busy and server_busy (admission, 503), mailbox_full and write_queue_full "
                "(the workspace actor, 503), stopping (503)", ["reason"])
_SHED_REASONS = {reason: _SHED.labels(reason) for reason in (
    "rate_limit", "workspace_busy", "server_busy", "mailbox_full", "write_queue_full", "stopping")}
FEED_SUBSCRIPTIONS = Gauge("twenty_feed_subscriptions", "Live change-feed subscriptions on /ws",
                           multiprocess_mode="livesum")
FEED_SLOW = Counter("twenty_feed_slow_subscribers_total", "Change-feed subscriptions closed (4008) because "
                    "their subscriber did not keep up with its buffer")


def shed(reason: str) -> None:
    """Count a request refused to shed load; ``reason`` is one of ``twenty_http_requests_shed_total``'s."""
    _SHED_REASONS[reason].inc()


@final
class RequestMetrics:
    """The count and latency series of every (route, method, status) answered so far, bound once each."""

    def __init__(self) -> None:
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def record(self, api: str | None, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        if method not in _METHODS:
            method = "OTHER"
        key = (route, method, status)
        series = self._series.get(key)
        if series is None:
            api_label = api or "none"
            series = self._series[key] = (_REQUESTS.labels(api_label, route, method, str(status)),
                                          _SECONDS.labels(api_label, route, method))
        count, latency = series
        count.inc()
        latency.observe(seconds)


def authorized(authorization: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``token`` as a bearer token (compared in constant time)."""
    if authorization is None:
        return False
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def exposition() -> bytes:
    """Every metric in Prometheus's text format: this process's, or every worker's under ``--workers``."""
    publish_now()
    if MULTIPROCESS_DIR:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, MULTIPROCESS_DIR)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
