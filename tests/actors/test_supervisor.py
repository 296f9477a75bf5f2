"""supervise(): restart with backoff, give up on a crash loop, let cancellation through (virtual time)."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
import trio

from twenty_actors.supervisor import CrashLoopError, RestartPolicy, supervise


class Bug(Exception):
    """What a buggy actor raises."""


class Fatal(BaseException):
    """Not an Exception: the supervisor must not catch it."""


class Actor:
    """A test actor: records each start; run ``n`` crashes when ``crash(n)`` says so."""

    def __init__(self, crash: Any, *, run_for: float = 0.0, crash_before_start: bool = False) -> None:
        self.crash = crash
        self.run_for = run_for
        self.crash_before_start = crash_before_start
        self.starts: list[float] = []
        self.stop = trio.Event()
        self._start_events: dict[int, trio.Event] = {}

    async def wait_for_start(self, run: int) -> None:
        """Wait until run number ``run`` has started."""
        if len(self.starts) < run:
            await self._start_events.setdefault(run, trio.Event()).wait()

    async def __call__(self, *, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
        self.starts.append(trio.current_time())
        run = len(self.starts)
        if run in self._start_events:
            self._start_events[run].set()
        if self.crash_before_start and self.crash(run):
            raise Bug(f"run {run} failed to start")
        task_status.started(run)
        await trio.sleep(self.run_for)
        if self.crash(run):
            raise Bug(f"run {run} crashed")
        await self.stop.wait()

    def gaps(self) -> list[float]:
        return [b - a for a, b in zip(self.starts, self.starts[1:], strict=False)]


def _contains(exc: BaseException | None, kind: type[BaseException]) -> bool:
    if isinstance(exc, BaseExceptionGroup):
        return exc.subgroup(kind) is not None
    return isinstance(exc, kind)


async def test_restarts_after_crashes_with_doubling_capped_backoff(autojump_clock: trio.abc.Clock) -> None:
    actor = Actor(lambda run: run <= 4, run_for=1.0)
    policy = RestartPolicy(max_restarts=5, window_s=100, backoff_s=0.5, max_backoff_s=1.5)
    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            first = await nursery.start(partial(supervise, actor, name="flaky", policy=policy))
            assert first == 1  # the first start is reported, restarts are not
            await actor.wait_for_start(5)
            actor.stop.set()  # the fifth run returns: a clean exit ends supervise
    # each run lives 1 s, then the backoff: 0.5, 1.0, 1.5 (capped from 2.0), 1.5
    assert actor.gaps() == pytest.approx([1.5, 2.0, 2.5, 2.5])


async def test_crash_loop_raises_after_max_restarts(autojump_clock: trio.abc.Clock) -> None:
    actor = Actor(lambda run: True)
    policy = RestartPolicy(max_restarts=3, window_s=10, backoff_s=0.1, max_backoff_s=1)
    started = trio.current_time()
    with trio.fail_after(60), pytest.raises(CrashLoopError) as info:
        await supervise(actor, name="looping", policy=policy)
    assert info.value.name == "looping"
    assert _contains(info.value.__cause__, Bug)
    assert len(actor.starts) == 4  # the first run and three restarts; the fourth crash gives up
    assert trio.current_time() - started == pytest.approx(0.1 + 0.2 + 0.4)


async def test_crashes_outside_the_window_do_not_add_up(autojump_clock: trio.abc.Clock) -> None:
    actor = Actor(lambda run: run <= 8, run_for=6.0)
    policy = RestartPolicy(max_restarts=2, window_s=5, backoff_s=0.25)
    with trio.fail_after(120):
        async with trio.open_nursery() as nursery:
            await nursery.start(partial(supervise, actor, name="rarely", policy=policy))
            await actor.wait_for_start(9)
            actor.stop.set()
    # every crash is alone in its window: never a crash loop, and the backoff never grows
    assert actor.gaps() == pytest.approx([6.25] * 8)


async def test_start_failure_is_restarted_and_the_next_start_reported(autojump_clock: trio.abc.Clock) -> None:
    actor = Actor(lambda run: run == 1, crash_before_start=True)
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            assert await nursery.start(partial(supervise, actor, name="slow-start")) == 2
            actor.stop.set()
    assert len(actor.starts) == 2


async def test_cancellation_passes_through_a_running_actor(autojump_clock: trio.abc.Clock) -> None:
    actor = Actor(lambda run: False)
    with trio.fail_after(10), trio.CancelScope() as scope:
        async with trio.open_nursery() as nursery:
            await nursery.start(partial(supervise, actor, name="cancelled"))
            scope.cancel()
    assert scope.cancelled_caught
    assert len(actor.starts) == 1  # cancelled, not "crashed" and restarted


async def test_cancellation_during_backoff_is_not_a_restart(autojump_clock: trio.abc.Clock) -> None:
    actor = Actor(lambda run: True)
    policy = RestartPolicy(max_restarts=5, window_s=100, backoff_s=30, max_backoff_s=30)
    started = trio.current_time()
    with trio.fail_after(60):
        with trio.move_on_after(10) as scope:
            await supervise(actor, name="backing-off", policy=policy)
        assert scope.cancelled_caught
    assert len(actor.starts) == 1
    assert trio.current_time() - started == pytest.approx(10)


async def test_base_exceptions_are_not_caught(autojump_clock: trio.abc.Clock) -> None:
    starts = 0

    async def actor(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        nonlocal starts
        starts += 1
        task_status.started()
        raise Fatal()

    with trio.fail_after(10), pytest.raises(BaseException) as info:  # noqa: PT011
        await supervise(actor, name="fatal")
    assert _contains(info.value, Fatal)
    assert not isinstance(info.value, CrashLoopError)
    assert starts == 1
