"""Restart a crashed actor with backoff; give up on a crash loop (OTP's intensity/period)."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import trio

from .observe import ActorCrashed, ActorRestarted, ActorStarted, ActorStopped, observe

log = logging.getLogger("twenty.supervisor")


class RestartPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """At most ``max_restarts`` crashes within ``window_s``; backoff doubles from ``backoff_s``."""

    max_restarts: int = 5
    window_s: float = 10.0
    backoff_s: float = 0.05
    max_backoff_s: float = 2.0


class CrashLoopError(Exception):
    """The actor crashed more often than its policy allows."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is crash-looping")
        self.name = name


ActorFn = Callable[..., Awaitable[None]]


async def supervise(
    actor: ActorFn,
    *args: Any,
    name: str,
    policy: RestartPolicy = RestartPolicy(),  # noqa: B008 - frozen, shared safely
    task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run ``actor(*args, task_status=...)`` until it returns; restart it when it raises.

    The first successful start is reported through ``task_status`` with whatever the
    actor reported. Raises CrashLoopError when crashes exceed the policy.
    """
    crashes: deque[float] = deque()
    while True:
        started = False
        try:
            try:
                async with trio.open_nursery() as nursery:
                    value = await nursery.start(actor, *args)
                    started = True
                    observe(ActorStarted(name=name))
                    task_status.started(value)
                    task_status = trio.TASK_STATUS_IGNORED
            finally:
                if started:  # returned, crashed or cancelled: not running any more
                    observe(ActorStopped(name=name))
            return
        except Exception as exc:  # never BaseException: Cancelled must pass through
            now = trio.current_time()
            crashes.append(now)
            while now - crashes[0] > policy.window_s:
                crashes.popleft()
            observe(ActorCrashed(name=name, crashes=len(crashes)))
            if len(crashes) > policy.max_restarts:
                raise CrashLoopError(name) from exc
            log.warning("%s crashed; restarting", name, exc_info=exc)
            observe(ActorRestarted(name=name, crashes=len(crashes)))
            await trio.sleep(min(policy.max_backoff_s, policy.backoff_s * 2 ** (len(crashes) - 1)))
