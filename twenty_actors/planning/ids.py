"""Ids of new records: time-ordered UUIDv7 (RFC 9562), increasing within one request.

Lists read records in ``(createdAt, id)`` order, and the rows of one batch share ``createdAt`` (the
transaction's time). With random ids (v4), rows next to each other in that order lie on different
heap pages, so a page of 20 records reads about 20 heap pages. Version 7 ids begin with the time, and
the ids of one request count up from a random start (RFC 9562 §6.2, method 1, the counter in
``rand_a``): rows are inserted, stored and listed in the same order, and a page of records reads a
page or two of the heap. The remaining 62 bits stay random, so ids are still not guessable.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import final

_COUNTER_BITS = 12  # rand_a
_COUNTER_START = 1 << 10  # a random start below this leaves 3 * 1024 ids before the counter wraps


def uuid7(unix_ms: int, counter: int, random_bits: int) -> uuid.UUID:
    """The UUIDv7 of a millisecond timestamp, a 12-bit counter and 62 random bits."""
    value = (unix_ms & (2**48 - 1)) << 80
    value |= 0x7 << 76  # version
    value |= (counter & (2**_COUNTER_BITS - 1)) << 64
    value |= 0b10 << 62  # variant
    value |= random_bits & (2**62 - 1)
    return uuid.UUID(int=value)


@final
class IdSequence:
    """UUIDv7 ids for the records of one request, each greater than the one before.

    Owned by the one request that binds a plan (no state is shared between requests). When the
    counter runs out (more than 3,000 ids in one millisecond), the timestamp moves one millisecond on.
    """

    __slots__ = ("_counter", "_ms")

    def __init__(self) -> None:
        self._ms = time.time_ns() // 1_000_000
        self._counter = _random_start()

    def next(self) -> str:
        """The next id, as canonical text."""
        if self._counter >= 2**_COUNTER_BITS:
            self._ms += 1
            self._counter = _random_start()
        new = uuid7(self._ms, self._counter, _random_64())  # 62 of its bits are kept
        self._counter += 1
        return str(new)


_POOL_BYTES = 4096
_pool = memoryview(b"")


def _random_bytes(n: int) -> bytes:
    """``n`` bytes from the system's random source, read 4 KiB at a time (a system call per id cost ~3% of
    a create's CPU). The process is one thread: no two callers take the same bytes."""
    global _pool
    if len(_pool) < n:
        _pool = memoryview(os.urandom(_POOL_BYTES))
    taken, _pool = _pool[:n], _pool[n:]
    return bytes(taken)


def _random_64() -> int:
    return int.from_bytes(_random_bytes(8))


def _random_start() -> int:
    """A counter start below ``_COUNTER_START``, uniformly (65,536 is a multiple of it)."""
    return int.from_bytes(_random_bytes(2)) % _COUNTER_START
