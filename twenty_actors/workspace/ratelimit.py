"""Token buckets per caller and API, refilled continuously (API.md "Rate Limiting").

Alone, a process keeps its buckets in memory. With :class:`SharedBuckets` (what a server opens), each
bucket lives in PostgreSQL for the whole deployment (``core.rate_bucket``), and each process *leases* a
few tokens from it at a time, with one round trip per lease, never one per request:

- a request takes a leased token when the process holds one (no waiting, no round trip); when it takes
  the process's stock down to half a lease, the next lease is asked for in the background;
- with no token in hand, a request may go on *credit* while the bucket is believed to hold tokens (as it
  is believed full the first time a caller is seen), up to one lease's worth or 8 tokens, whichever is
  more, so that a fresh caller's burst is not refused while the first lease is on its way; the next
  lease pays the debt, driving the shared bucket below zero if others emptied it meanwhile, so the debt
  is paid by waiting;
- once a lease found the bucket empty, requests are refused until it has refilled a whole token.

So the limit holds for the deployment within one lease (at least 8) per process: a process may admit up
to its credit more than the shared bucket allowed (credit taken on a stale view), and tokens leased but
not yet used are lost to the other processes until the bucket refills. A lease is a twentieth of the
limit (1 to 1000 tokens).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import final

import msgspec
import trio
from twenty_storage import accounts
from twenty_storage.accounts import Lease
from twenty_storage.errors import StorageError
from twenty_storage.pg import Database

log = logging.getLogger("twenty.ratelimit")

LeaseFn = Callable[[str, int, int, int], Awaitable[Lease]]  # (bucket, per minute, wanted, owed) → Lease


class Decision(msgspec.Struct, frozen=True):
    """The outcome of taking one token: whether it was allowed, and the header values."""

    allowed: bool
    limit: int
    remaining: int
    reset_epoch: int  # when the bucket is full again, in Unix seconds
    retry_after: float  # seconds until one token is available (0 when allowed)

    def headers(self) -> dict[str, str]:
        """X-RateLimit-* headers (and Retry-After when refused)."""
        out = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
               "X-RateLimit-Reset": str(self.reset_epoch)}
        if not self.allowed:
            out["Retry-After"] = str(max(1, math.ceil(self.retry_after)))
        return out


def lease_size(limit: int) -> int:
    """How many tokens a process leases at a time for a bucket of ``limit`` per minute."""
    # at most 1000: a busy process (thousands of requests a second under a generous limit) leases a few
    # times a second, not dozens (each lease is a task and a round trip; at 100 it was ~1.5% of the CPU)
    return max(1, min(1000, limit // 20))


def credit(limit: int) -> int:
    """How many tokens a process may use on credit, before a lease pays for them."""
    return min(limit, max(8, lease_size(limit)))


class _Held:
    """A bucket as one process sees it: tokens in hand or on their way, tokens owed, the shared state."""

    __slots__ = ("held", "leasing", "owed", "pending", "shared", "shared_at")

    def __init__(self) -> None:
        self.held = 0  # leased tokens not used yet; below zero: used before the lease asked for them arrived
        self.leasing = False  # a lease is on its way …
        self.pending = 0  # … asking for this many tokens (that the shared bucket is believed to hold)
        self.owed = 0  # tokens used on credit, to be paid by the next lease
        self.shared = 0.0  # the shared bucket's tokens after the last lease …
        self.shared_at: float | None = None  # … and when (trio time); None: never leased (believed full)

    def unclaimed(self, limit: int, now: float) -> float:
        """Tokens in the shared bucket now that this process has not claimed, as far as it knows."""
        if self.shared_at is None:
            shared = float(limit)
        else:
            shared = min(float(limit), self.shared + (now - self.shared_at) * limit / 60.0)
        return shared - self.owed - self.pending

    def leased(self, granted: int) -> None:
        """The lease on its way answered (``granted`` 0 if it failed); tokens used ahead of it become debt."""
        self.held += granted
        self.pending = 0
        self.leasing = False
        if self.held < 0:
            self.owed -= self.held
            self.held = 0


@final
class SharedBuckets:
    """Leases tokens from the deployment-wide buckets in PostgreSQL for every limiter of this process.

    Leases run as tasks of the nursery this object is opened with (:func:`open_shared_buckets`), at most
    one at a time per bucket of a limiter.
    """

    def __init__(self, lease: LeaseFn, nursery: trio.Nursery) -> None:
        self._lease = lease
        self._nursery = nursery
        self.leases = 0  # round trips made (for tests and metrics)

    def lease_soon(self, bucket: str, limit: int, held: _Held, wanted: int) -> None:
        """Lease ``wanted`` tokens for ``bucket`` in the background; the lease also pays what is owed."""
        held.leasing = True
        held.pending = wanted
        self._nursery.start_soon(self._run_lease, bucket, limit, held, held.pending, held.owed)

    async def _run_lease(self, bucket: str, limit: int, held: _Held, wanted: int, owed: int) -> None:
        try:
            lease = await self._lease(bucket, limit, wanted, owed)
        except StorageError as exc:
            # the request that wanted it was answered already; the next one asks again
            log.warning("could not lease rate-limit tokens for %s: %s", bucket, exc)
            held.leased(0)
            return
        self.leases += 1
        held.owed -= owed
        held.shared = lease.remaining
        held.shared_at = trio.current_time()
        held.leased(lease.granted)


@asynccontextmanager
async def open_shared_buckets(db: Database, *, prune_every_s: float = 600.0) -> AsyncIterator[SharedBuckets]:
    """Shared buckets on ``db`` for the duration of the block; idle buckets are deleted now and then."""

    async def lease(bucket: str, limit: int, wanted: int, owed: int) -> Lease:
        return await accounts.lease_rate_tokens(db, bucket, limit, wanted, owed)

    async def prune() -> None:
        while True:
            await trio.sleep(prune_every_s)
            try:
                await accounts.forget_rate_buckets(db, prune_every_s)
            except StorageError as exc:
                log.warning("could not delete idle rate-limit buckets: %s", exc)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(prune)
        yield SharedBuckets(lease, nursery)
        nursery.cancel_scope.cancel()


class RateLimits(dict[str, int]):
    """Requests per minute per API, and the shared buckets they are kept in (None: in this process only).

    It is the ``rate_limits`` of the actors' settings, so that the buckets reach each workspace's limiter.
    """

    def __init__(self, limits: Mapping[str, int], shared: SharedBuckets | None = None) -> None:
        super().__init__(limits)
        self.shared = shared


@final
class RateLimiter:
    """Buckets of one workspace, keyed by (caller, api); time from trio.current_time() (MockClock works).

    Given ``RateLimits`` with shared buckets, the buckets are the deployment's (see the module's doc).
    """

    def __init__(self, limits: dict[str, int], *, max_buckets: int = 10_000) -> None:
        self._limits = limits
        self._shared = getattr(limits, "shared", None)
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # key → (tokens, at)
        self._held: dict[tuple[str, str], _Held] = {}
        self._max_buckets = max_buckets

    def take(self, caller: str, api: str) -> Decision:
        """Take one token for ``caller`` on ``api`` if one is there."""
        if self._shared is not None:
            return self._take_leased(self._shared, caller, api)
        limit = self._limits[api]
        rate = limit / 60.0
        now = trio.current_time()
        key = (caller, api)
        tokens, at = self._buckets.get(key, (float(limit), now))
        tokens = min(float(limit), tokens + (now - at) * rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        if len(self._buckets) >= self._max_buckets and key not in self._buckets:
            self._buckets.clear()  # bounded memory: forgetting buckets only ever lets callers in early
        self._buckets[key] = (tokens, now)
        full_in = (limit - tokens) / rate
        retry_after = 0.0 if allowed else (1.0 - tokens) / rate
        return Decision(allowed=allowed, limit=limit, remaining=int(tokens),
                        reset_epoch=math.ceil(time.time() + full_in), retry_after=retry_after)

    def _take_leased(self, shared: SharedBuckets, caller: str, api: str) -> Decision:
        limit = self._limits[api]
        rate = limit / 60.0
        now = trio.current_time()
        key = (caller, api)
        held = self._held.get(key)
        if held is None:
            if len(self._held) >= self._max_buckets:
                self._held.clear()  # bounded memory: what was held is lost to everyone, never granted twice
            held = self._held[key] = _Held()
        unclaimed = held.unclaimed(limit, now)
        if held.held + held.pending >= 1:  # in hand, or on its way
            held.held -= 1
            allowed = True
        elif unclaimed >= 1 and held.owed < credit(limit):
            held.owed += 1
            unclaimed -= 1
            allowed = True
        else:
            allowed = False
        size = lease_size(limit)
        if not held.leasing and held.held <= size // 2:
            # top up to one lease, with the tokens the shared bucket is believed to hold
            wanted = max(0, min(size - held.held, math.floor(unclaimed)))
            if wanted or held.owed:
                shared.lease_soon(f"{caller}:{api}", limit, held, wanted)
                unclaimed -= wanted
        remaining = min(limit, max(0, held.held + held.pending) + max(0, math.floor(unclaimed)))
        retry_after = 0.0 if allowed else max(0.0, 1.0 - unclaimed) / rate
        return Decision(allowed=allowed, limit=limit, remaining=remaining,
                        reset_epoch=math.ceil(time.time() + (limit - remaining) / rate),
                        retry_after=retry_after)
