"""Ids of created records: UUIDv7, increasing in the order a request creates them."""

from __future__ import annotations

import time
import uuid

from twenty_actors.planning import Binder
from twenty_actors.planning.ids import IdSequence, uuid7
from twenty_actors.planning.values import Slot


def test_uuid7_layout() -> None:
    value = uuid7(0x0123456789AB, 0xCDE, 2**62 - 1)
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert value.hex.startswith("0123456789ab7cde")


def test_a_sequence_increases_and_starts_now() -> None:
    sequence = IdSequence()
    before = time.time_ns() // 1_000_000
    ids = [uuid.UUID(sequence.next()) for _ in range(10_000)]  # past the 12-bit counter: the time moves on
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(i.version == 7 for i in ids)
    assert abs((ids[0].int >> 80) - before) < 10_000


def test_a_binder_gives_each_new_record_its_own_increasing_id() -> None:
    binder = Binder({})
    slots = [Slot("new_uuid", (i,), "id") for i in range(500)]
    ids = [binder.bind(s) for s in slots]
    assert ids == sorted(ids, key=uuid.UUID)
    assert len(set(ids)) == 500
    assert binder.bind(slots[3]) == ids[3]  # one slot, one value
