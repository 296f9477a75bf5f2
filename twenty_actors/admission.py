"""Admission: which requests may compute now, fairly between workspaces.

One server process serves every workspace from one Trio thread, and Trio runs its runnable tasks in
turn: every step of a request (read the socket, authenticate, plan, answer, write) waits for one step of
every other runnable task. A workspace with dozens of requests in progress makes each of those waits
long, for every workspace (measured: the p99 of a quiet neighbour 20-50x its p99 alone).

So a request must hold a *slot* while it computes, and the process has ``slots`` of them. Others wait,
parked and costing nothing, in one line per workspace; a freed slot goes to the next workspace in turn
(round robin). A workspace alone may use every slot (keeping the CPU busy while its queries run); but
while another workspace has been active within ``window_s``, a workspace holds at most ``share`` slots,
so a quiet workspace's request never computes beside more than ``share`` requests of each neighbour.
The share trades the neighbours' latency against a busy workspace's throughput: measured with one
saturating workspace beside a quiet one, a share of 1 kept the quiet one's p50 at 3x its p50 alone
(5x with 2) but halved the busy one's throughput (0.75x with 2). A request lends its slot out while it
waits for a write to commit (the group commit may take a while), and queues again, at the front of its
workspace's line, to finish.

Two caps shed load before it costs anything: a workspace may hold at most ``per_key`` requests (in any
state), and at most ``max_waiting`` requests may wait for a first slot in the process. Both answer 503
with Retry-After.

Fairness is counted in turns, not CPU time: a workspace of heavy queries gets more of the process than
one of light queries at the same request rate.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from typing import final

import trio

from .errors import ServiceUnavailableError


class ShedError(ServiceUnavailableError):
    """A request refused at once to shed load (503 + Retry-After); ``reason`` names the limit, for metrics."""

    def __init__(self, message: str, *, reason: str, retry_after: float = 1) -> None:
        super().__init__(message, retry_after=retry_after)
        self.reason = reason  # one of a few fixed words: "workspace_busy", "server_busy", ...


@final
class _Waiter:
    __slots__ = ("event", "granted")

    def __init__(self) -> None:
        self.event = trio.Event()
        self.granted = False


@final
class FairGate:
    """Admission caps, and at most ``slots`` computing requests, let in round robin by workspace."""

    def __init__(
        self, *, slots: int, per_key: int, max_waiting: int, share: int = 2, window_s: float = 1.0
    ) -> None:
        self.slots = slots
        self.share = share
        self.per_key = per_key
        self.max_waiting = max_waiting
        self.window_s = window_s
        self.running = 0  # slots held (or handed to a waiter that has not resumed yet)
        self.waiting = 0
        self._held: dict[Hashable, int] = {}  # admitted requests of a workspace, whatever they are doing
        self._running: dict[Hashable, int] = {}  # slots of a workspace
        self._queues: dict[Hashable, deque[_Waiter]] = {}  # insertion order is the round-robin order
        self._holders: dict[trio.lowlevel.Task, Hashable] = {}  # tasks holding a slot now
        self._seen: dict[Hashable, float] = {}  # when each workspace last had a request admitted
        self._swept = 0.0

    def in_flight(self, key: Hashable) -> int:
        """Requests of ``key`` admitted and not yet finished."""
        return self._held.get(key, 0)

    async def enter(self, key: Hashable) -> None:
        """Admit one request of ``key`` and wait for its slot; the same task calls :meth:`leave` at its end.

        Raises:
            ShedError: ``key`` holds its share already, or too many requests wait.
        """
        await trio.lowlevel.checkpoint_if_cancelled()
        held = self._held.get(key, 0)
        if held >= self.per_key:
            raise ShedError("This workspace is busy, retry shortly", reason="workspace_busy")
        if self.waiting >= self.max_waiting and not self._may_run_now(key):
            raise ShedError("The server is busy, retry shortly", reason="server_busy")
        self._held[key] = held + 1
        self._seen[key] = trio.current_time()
        entered = False
        try:
            await self._take_slot(key, first=False)
            entered = True
        finally:
            if not entered:
                self._drop(key)

    def leave(self, key: Hashable) -> None:
        """The request of ``key`` admitted by :meth:`enter` in this task has ended."""
        self._drop(key)
        if self._holders.pop(trio.lowlevel.current_task(), None) is not None:
            self._free_slot(key)

    def lend_slot(self) -> Hashable | None:
        """Lend this task's slot to others while it waits on something slow: its key, None if it held none.

        The task takes it back with :meth:`reclaim_slot` (in a ``finally``) before it computes again.
        """
        key = self._holders.pop(trio.lowlevel.current_task(), None)
        if key is not None:
            self._free_slot(key)
        return key

    async def reclaim_slot(self, key: Hashable) -> None:
        """Take a lent slot back: admitted and half done, the task goes first in its workspace's line.

        Raises ``trio.Cancelled`` when cancelled while waiting; the task then holds no slot, which
        :meth:`leave` knows.
        """
        await self._take_slot(key, first=True)

    def _contended(self, key: Hashable) -> bool:
        """Whether a workspace other than ``key`` was active within the window."""
        now = trio.current_time()
        if now - self._swept > self.window_s:
            self._seen = {k: t for k, t in self._seen.items() if now - t <= self.window_s or k in self._held}
            self._swept = now
        return any(k != key for k in self._seen)

    def _eligible(self, key: Hashable) -> bool:
        return self._running.get(key, 0) < self.share or not self._contended(key)

    def _may_run_now(self, key: Hashable) -> bool:
        return self.running < self.slots and not self._queues.get(key) and self._eligible(key)

    async def _take_slot(self, key: Hashable, *, first: bool) -> None:
        task = trio.lowlevel.current_task()
        if self._may_run_now(key):
            # granted at once: no schedule point (enter() checked for cancellation already), so that a
            # request that may run does not wait behind every other runnable task for nothing
            self._grant(key)
            self._holders[task] = key
            return
        waiter = _Waiter()
        queue = self._queues.setdefault(key, deque())
        if first:
            queue.appendleft(waiter)
        else:
            queue.append(waiter)
        self.waiting += 1
        granted = False
        try:
            await waiter.event.wait()
            granted = True
        finally:
            if not granted:  # cancelled while waiting (the client went away, or the server stops)
                self._abandon(key, waiter)
        self._holders[task] = key

    def _grant(self, key: Hashable) -> None:
        self.running += 1
        self._running[key] = self._running.get(key, 0) + 1

    def _free_slot(self, key: Hashable) -> None:
        self.running -= 1
        left = self._running[key] - 1
        if left:
            self._running[key] = left
        else:
            del self._running[key]
        queue = self._queues.pop(key, None)
        if queue is not None:
            self._queues[key] = queue  # its turn just ended: to the back of the round
        self._fill()

    def _fill(self) -> None:
        """Hand free slots to waiting requests, one workspace after the other."""
        while self.running < self.slots and self._queues:
            key = next((k for k in self._queues if self._eligible(k)), None)
            if key is None:
                return  # every waiting workspace holds its share already, and others are active
            queue = self._queues.pop(key)
            waiter = queue.popleft()
            if queue:
                self._queues[key] = queue  # to the back of the round
            self.waiting -= 1
            self._grant(key)
            waiter.granted = True
            waiter.event.set()

    def _abandon(self, key: Hashable, waiter: _Waiter) -> None:
        if waiter.granted:  # the slot was handed over just before the cancellation: pass it on
            self._free_slot(key)
            return
        queue = self._queues[key]
        queue.remove(waiter)
        if not queue:
            del self._queues[key]
        self.waiting -= 1

    def _drop(self, key: Hashable) -> None:
        held = self._held[key] - 1
        if held:
            self._held[key] = held
        else:
            del self._held[key]
