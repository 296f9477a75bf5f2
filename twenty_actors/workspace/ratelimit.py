"""Token buckets per caller and API, refilled continuously (API.md "Rate Limiting")."""

from __future__ import annotations

import math
import time
from typing import final

import msgspec
import trio


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


@final
class RateLimiter:
    """Buckets of one workspace, keyed by (caller, api); time from trio.current_time() (MockClock works)."""

    def __init__(self, limits: dict[str, int], *, max_buckets: int = 10_000) -> None:
        self._limits = limits
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # key → (tokens, at)
        self._max_buckets = max_buckets

    def take(self, caller: str, api: str) -> Decision:
        """Take one token for ``caller`` on ``api`` if one is there."""
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
