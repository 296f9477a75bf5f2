"""Token buckets under Trio's MockClock: exact counts, refill, separate buckets."""

from __future__ import annotations

import trio
import trio.testing

from twenty_actors.workspace.ratelimit import RateLimiter


async def test_exact_count_at_the_boundary(autojump_clock: trio.testing.MockClock) -> None:
    limiter = RateLimiter({"graphql": 100, "rest": 200, "metadata": 50})
    decisions = [limiter.take("key:a", "graphql") for _ in range(101)]
    assert all(d.allowed for d in decisions[:100])
    assert not decisions[100].allowed
    assert decisions[99].remaining == 0 and decisions[0].remaining == 99
    refused = decisions[100]
    assert refused.headers()["Retry-After"] == "1"  # 100/min refills one token in 0.6 s
    assert refused.headers()["X-RateLimit-Limit"] == "100"


async def test_refill_is_continuous(autojump_clock: trio.testing.MockClock) -> None:
    limiter = RateLimiter({"graphql": 60, "rest": 200, "metadata": 50})
    for _ in range(60):
        assert limiter.take("k", "graphql").allowed
    assert not limiter.take("k", "graphql").allowed
    await trio.sleep(1.0)  # 60/min = one token per second
    assert limiter.take("k", "graphql").allowed
    assert not limiter.take("k", "graphql").allowed
    await trio.sleep(60)
    assert limiter.take("k", "graphql").remaining == 59  # full again, never above the limit


async def test_buckets_are_separate_per_key_and_api(autojump_clock: trio.testing.MockClock) -> None:
    limiter = RateLimiter({"graphql": 2, "rest": 2, "metadata": 2})
    assert limiter.take("a", "graphql").allowed and limiter.take("a", "graphql").allowed
    assert not limiter.take("a", "graphql").allowed
    assert limiter.take("b", "graphql").allowed
    assert limiter.take("a", "rest").allowed
    assert limiter.take("a", "metadata").allowed
