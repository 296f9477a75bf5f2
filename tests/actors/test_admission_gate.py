"""The fair gate under Trio's MockClock: slots, round robin between workspaces, caps, cancellation."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from twenty_actors.admission import FairGate
from twenty_actors.errors import ServiceUnavailableError


class Requests:
    """Requests that enter the gate, record when they got their slot, and leave when told to."""

    def __init__(self, gate: FairGate, nursery: trio.Nursery) -> None:
        self.gate = gate
        self.nursery = nursery
        self.order: list[str] = []
        self._done: dict[str, trio.Event] = {}

    def start(self, key: str, name: str, *, lend: trio.Event | None = None) -> None:
        self._done[name] = trio.Event()

        async def run() -> None:
            await self.gate.enter(key)
            try:
                self.order.append(name)
                if lend is not None:
                    lent = self.gate.lend_slot()
                    try:
                        await lend.wait()
                    finally:
                        if lent is not None:
                            await self.gate.reclaim_slot(lent)
                    self.order.append(name + " back")
                await self._done[name].wait()
            finally:
                self.gate.leave(key)

        self.nursery.start_soon(run)

    def finish(self, name: str) -> None:
        self._done[name].set()


async def test_a_workspace_alone_uses_every_slot_and_no_more(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gate = FairGate(slots=2, per_key=10, max_waiting=10)
    async with trio.open_nursery() as nursery:
        reqs = Requests(gate, nursery)
        for name in ("a1", "a2", "a3"):
            reqs.start("A", name)
            await trio.sleep(0.01)
        assert reqs.order == ["a1", "a2"] and gate.waiting == 1
        reqs.finish("a1")
        await trio.sleep(1)
        assert reqs.order == ["a1", "a2", "a3"]
        reqs.finish("a2")
        reqs.finish("a3")
    assert gate.running == 0 and gate.waiting == 0 and gate.in_flight("A") == 0


async def test_a_quiet_workspace_goes_next_not_behind_the_backlog(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gate = FairGate(slots=1, per_key=10, max_waiting=10)
    async with trio.open_nursery() as nursery:
        reqs = Requests(gate, nursery)
        for name in ("a1", "a2", "a3", "a4"):
            reqs.start("A", name)
            await trio.sleep(0.01)
        reqs.start("B", "b1")
        await trio.sleep(0.01)
        reqs.start("B", "b2")
        await trio.sleep(0.01)
        for name in ("a1", "b1", "a2", "b2", "a3", "a4"):
            reqs.finish(name)
            await trio.sleep(0.01)
    # one turn each: B's first request ran right after the request that was running when it came
    assert reqs.order == ["a1", "b1", "a2", "b2", "a3", "a4"]


async def test_sharing_the_process_a_workspace_gets_one_slot_at_a_time(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gate = FairGate(slots=8, per_key=10, max_waiting=10, share=1, window_s=1.0)
    async with trio.open_nursery() as nursery:
        reqs = Requests(gate, nursery)
        reqs.start("B", "b1")
        await trio.sleep(0.01)
        reqs.finish("b1")
        await trio.sleep(0.01)
        reqs.start("A", "a1")
        await trio.sleep(0.01)
        reqs.start("A", "a2")  # B was active 0.01 s ago: A's second request waits though slots are free
        await trio.sleep(0.01)
        assert reqs.order == ["b1", "a1"] and gate.running == 1
        reqs.start("B", "b2")  # B is not held back by A's waiting request
        await trio.sleep(0.01)
        assert reqs.order == ["b1", "a1", "b2"]
        reqs.finish("b2")
        await trio.sleep(2)  # B quiet for longer than the window: A may use the process alone again
        reqs.start("A", "a3")
        reqs.finish("a1")
        await trio.sleep(0.01)
        assert sorted(reqs.order[3:]) == ["a2", "a3"] and gate.running == 2
        reqs.finish("a2")
        reqs.finish("a3")


async def test_caps_refuse_at_once(autojump_clock: trio.testing.MockClock) -> None:
    gate = FairGate(slots=1, per_key=2, max_waiting=2)
    async with trio.open_nursery() as nursery:
        reqs = Requests(gate, nursery)
        reqs.start("A", "a1")
        await trio.sleep(0.01)
        reqs.start("A", "a2")
        await trio.sleep(0.01)
        with pytest.raises(ServiceUnavailableError) as busy:
            await gate.enter("A")  # A holds its two
        assert busy.value.retry_after == 1 and "workspace" in busy.value.message
        reqs.start("B", "b1")
        await trio.sleep(0.01)
        assert gate.waiting == 2
        with pytest.raises(ServiceUnavailableError) as full:
            await gate.enter("C")  # two wait already
        assert "server" in full.value.message
        for name in ("a1", "a2", "b1"):
            reqs.finish(name)
    assert gate.running == 0 and gate.waiting == 0


async def test_cancelled_waiters_leave_no_trace(autojump_clock: trio.testing.MockClock) -> None:
    gate = FairGate(slots=1, per_key=10, max_waiting=10)
    async with trio.open_nursery() as nursery:
        reqs = Requests(gate, nursery)
        reqs.start("A", "a1")
        await trio.sleep(0.01)
        with trio.move_on_after(1):
            await gate.enter("B")  # waits, then its client goes away
        assert gate.waiting == 0 and gate.in_flight("B") == 0
        reqs.start("C", "c1")
        await trio.sleep(0.01)

        # a waiter cancelled in the same moment its slot was handed to it passes the slot on
        async def doomed() -> None:
            with trio.CancelScope() as scope:
                cancel_scopes.append(scope)
                await gate.enter("D")
                raise AssertionError("never resumes")

        cancel_scopes: list[trio.CancelScope] = []
        nursery.start_soon(doomed)
        await trio.sleep(0.01)
        reqs.finish("a1")  # the slot goes to C (round robin), D still waits
        await trio.sleep(0.01)
        reqs.finish("c1")
        cancel_scopes[0].cancel()  # D is granted the slot and cancelled before it resumes
        await trio.sleep(0.01)
    assert gate.running == 0 and gate.waiting == 0 and gate.in_flight("D") == 0
    assert reqs.order == ["a1", "c1"]


async def test_a_lent_slot_serves_others_and_the_lender_comes_back_first(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gate = FairGate(slots=1, per_key=10, max_waiting=10)
    committed = trio.Event()
    async with trio.open_nursery() as nursery:
        reqs = Requests(gate, nursery)
        reqs.start("A", "a1", lend=committed)  # a write: lends its slot while its commit runs
        await trio.sleep(0.01)
        reqs.start("A", "a2")
        await trio.sleep(0.01)
        assert reqs.order == ["a1", "a2"]  # a2 computes while a1 waits for its commit
        reqs.start("A", "a3")
        committed.set()
        await trio.sleep(0.01)
        reqs.finish("a2")
        await trio.sleep(0.01)
        assert reqs.order == ["a1", "a2", "a1 back"]  # before a3, which came earlier than a1's return
        reqs.finish("a1")
        await trio.sleep(0.01)
        reqs.finish("a3")
    assert reqs.order[-1] == "a3" and gate.running == 0
