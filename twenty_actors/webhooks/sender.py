"""The webhook sender: claims due deliveries, POSTs them signed, records each attempt, retries with backoff.

Deliveries live in PostgreSQL (the outbox), so they survive restarts; several processes share
them with ``FOR UPDATE SKIP LOCKED``. Each delivery runs in its own task with its own timeout,
so one slow endpoint never holds back another (or any API request).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import random
import time
from typing import Any, final

import httpx
import msgspec
import trio
from twenty_storage import webhooks
from twenty_storage.errors import StorageError
from twenty_storage.pg import Database

from .. import metrics
from ..errors import ValidationError
from .ssrf import check_target

log = logging.getLogger("twenty.webhooks")


class SenderSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Timeouts, retry policy and concurrency of webhook delivery."""

    timeout_s: float = 5.0
    max_attempts: int = 6
    backoff_s: float = 2.0
    max_backoff_s: float = 600.0
    concurrency: int = 64
    batch: int = 50
    lease_s: float = 60.0
    poll_s: float = 30.0
    allow_private: bool = False
    # Twenty's headers (--compat twenty): the timestamp in milliseconds, and X-Twenty-Webhook-Nonce
    twenty: bool = False


@final
class Wakeup:
    """A reusable signal: set() wakes whoever waits next."""

    def __init__(self) -> None:
        self._event = trio.Event()

    def set(self) -> None:
        """Wake the waiter (or the next one)."""
        self._event.set()

    async def wait(self, timeout: float) -> None:
        """Wait until set() or ``timeout`` seconds."""
        with trio.move_on_after(timeout):
            await self._event.wait()
        self._event = trio.Event()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``timestamp + ":" + body`` under the webhook's secret."""
    return hmac.new(secret.encode(), timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, twenty: bool = False) -> dict[str, str]:
    """The headers that sign a delivery: the timestamp, and the signature of ``timestamp:body``.

    API.md's timestamp is in seconds; Twenty's is in milliseconds and comes with a nonce (16 random bytes
    in hex) that the signature does not cover, as Twenty sends them.
    """
    now = time.time()
    timestamp = str(int(now * 1000)) if twenty else str(int(now))
    headers = {"X-Twenty-Webhook-Signature": sign(secret, timestamp, body),
               "X-Twenty-Webhook-Timestamp": timestamp}
    if twenty:
        headers["X-Twenty-Webhook-Nonce"] = os.urandom(16).hex()
    return headers


def backoff(settings: SenderSettings, attempts: int) -> float:
    """Exponential backoff with full jitter in its upper half."""
    ceiling = min(settings.max_backoff_s, settings.backoff_s * 2 ** (attempts - 1))
    return ceiling / 2 + random.random() * ceiling / 2  # noqa: S311 - jitter, not security


async def _deliver(db: Database, client: httpx.AsyncClient, settings: SenderSettings, delivery: Any) -> None:
    body: bytes = delivery["body"].encode()
    # until an outcome is known, the attempt counts as interrupted (a stopping server): retry at once
    ok, status_code, error, finished = False, None, "interrupted before an answer", False
    started = trio.current_time()
    try:
        try:
            await check_target(delivery["target_url"], allow_private=settings.allow_private)
            with trio.fail_after(settings.timeout_s):
                response = await client.post(delivery["target_url"], content=body, headers={
                    "Content-Type": "application/json",
                    **signed_headers(delivery["secret"], body, twenty=settings.twenty),
                    "X-Twenty-Webhook-Delivery": str(delivery["id"]),
                })
            status_code = response.status_code
            ok = 200 <= status_code < 300
            error = None if ok else f"HTTP {status_code}"
        except trio.TooSlowError:
            error = f"timed out after {settings.timeout_s:g} s"
        except ValidationError as exc:
            error = exc.message
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        finished = True
    finally:
        attempts = delivery["attempts"]
        if not finished:
            retry: float | None = 0.0
        else:
            retry = None if ok or attempts >= settings.max_attempts else backoff(settings, attempts)
            metrics.webhook_attempted("succeeded" if ok else "failed" if retry is None else "retrying",
                                      trio.current_time() - started)
        with trio.CancelScope(shield=True), trio.move_on_after(5):  # record the attempt, even while stopping
            try:
                await webhooks.finish_delivery(db, delivery["id"], ok=ok, status_code=status_code, error=error,
                                               retry_in_s=retry)
            except StorageError as exc:
                log.warning("could not record delivery %s (%s); its lease will expire and it is retried",
                            delivery["id"], exc)


async def run_webhook_sender(db: Database, wakeup: Wakeup, settings: SenderSettings, *,
                             task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
    """Deliver forever: claim what is due, send each in its own task, sleep until woken or the next poll."""
    limiter = trio.CapacityLimiter(settings.concurrency)
    async with httpx.AsyncClient(follow_redirects=False) as client, trio.open_nursery() as nursery:
        task_status.started()

        async def one(delivery: Any) -> None:
            async with limiter:
                await _deliver(db, client, settings, delivery)
            wakeup.set()  # the loop recomputes when the next attempt is due

        while True:
            free = int(limiter.available_tokens)
            claimed: list[Any] = []
            if free:
                try:
                    claimed = await webhooks.claim_due(db, min(free, settings.batch), settings.lease_s)
                except StorageError as exc:
                    log.warning("cannot claim webhook deliveries: %s", exc)
            for delivery in claimed:
                nursery.start_soon(one, delivery)
            if len(claimed) == settings.batch:
                await trio.lowlevel.checkpoint()
                continue
            # sleep until the next retry is due or an actor made new deliveries; poll_s bounds the
            # wait so deliveries of other processes (and expired leases) are picked up too
            try:
                due, waiting = await webhooks.next_due_in(db)
            except StorageError:
                due = None
            else:
                metrics.webhook_deliveries_pending(waiting)
            await wakeup.wait(settings.poll_s if due is None else min(due + 0.01, settings.poll_s))
