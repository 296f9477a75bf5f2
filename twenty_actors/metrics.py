"""Prometheus metrics of the actors' layer: actors, write queues, group commits, webhook delivery.

Code does not touch these directly: it emits typed events through ``observe()`` (``observe.py``), which
records them here; webhook delivery calls the two functions at the end. No label names a workspace or a
record: every label has a small, fixed set of values. Under ``--workers`` the values live in the files of
``PROMETHEUS_MULTIPROC_DIR``; the gauges count the live processes only.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# the edge calls it before a scrape: storage publishes some values lazily
from twenty_storage.metrics import publish_now as publish_now

ACTOR_STARTS = Counter("twenty_actor_starts_total",
                       "Workspace actors started (a restart after a crash included)")
ACTOR_CRASHES = Counter("twenty_actor_crashes_total", "Workspace actors that crashed")
ACTOR_COOLDOWNS = Counter("twenty_actor_cooldowns_total",
                          "Workspaces that crash-looped and answer 503 for a cool-down")
ACTORS_RUNNING = Gauge("twenty_actors_running", "Workspace actors running now", multiprocess_mode="livesum")

WRITE_QUEUE_DEPTH = Gauge("twenty_write_queue_depth",
                          "Writes waiting in the write queues of all workspaces for their group commit",
                          multiprocess_mode="livesum")
WRITE_QUEUE_FULL = Counter("twenty_write_queue_full_total", "Writes refused with 503 because their "
                           "workspace's write queue was full")
GROUP_COMMIT_SIZE = Histogram("twenty_group_commit_size", "Writes committed together in one transaction",
                              buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256))
GROUP_COMMIT_SECONDS = Histogram("twenty_group_commit_duration_seconds", "Time of one group commit",
                                 buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                                          5.0, 10.0))

_WEBHOOK_DELIVERIES = Counter("twenty_webhook_deliveries_total",
                              "Webhook delivery attempts by outcome: succeeded (a 2xx), retrying (failed, "
                              "another attempt is scheduled), failed (failed for good)", ["outcome"])
_WEBHOOK_OUTCOMES = {outcome: _WEBHOOK_DELIVERIES.labels(outcome)
                     for outcome in ("succeeded", "retrying", "failed")}
_WEBHOOK_SECONDS = Histogram("twenty_webhook_delivery_duration_seconds",
                             "Time of one webhook delivery attempt, until the target answered or it gave up",
                             buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
_WEBHOOK_PENDING = Gauge("twenty_webhook_deliveries_pending",
                         "Webhook deliveries waiting to be sent or being sent, as last counted by a process",
                         multiprocess_mode="livemostrecent")


def webhook_attempted(outcome: str, seconds: float) -> None:
    """Count one delivery attempt that took ``seconds``; ``outcome``: succeeded, retrying or failed.

    Raises:
        KeyError: ``outcome`` is none of the three.
    """
    _WEBHOOK_OUTCOMES[outcome].inc()
    _WEBHOOK_SECONDS.observe(seconds)


def webhook_deliveries_pending(count: int) -> None:
    """Publish how many deliveries the outbox holds that are not done (pending or being sent)."""
    _WEBHOOK_PENDING.set(count)
