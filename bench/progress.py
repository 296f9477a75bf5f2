"""Progress bars on stderr (tqdm): records seeded of the total, and each run's elapsed seconds with the
live rate. ``Bars(False)`` hands out bars that do nothing, so callers never check; the command turns
them off with ``--no-progress`` and whenever stderr is not a terminal (``--json`` runs, CI logs).
"""

from __future__ import annotations

import sys
from collections import deque
from typing import Any, TextIO

RATE_WINDOW = 1.0  # seconds the live rate is averaged over


class Counter:
    """A bar of things done out of a total (records seeded)."""

    def __init__(self, bar: Any = None) -> None:
        self.bar = bar

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class RunBar:
    """A scenario's run: seconds since its load started out of warm-up + duration, the rate in the postfix.

    ``update`` is ``bench.runner.run``'s ``progress`` callback: (seconds elapsed, requests recorded).
    During the warm-up nothing is recorded and the postfix says so; then it shows the requests per
    second over the last ``RATE_WINDOW`` and the requests so far.
    """

    def __init__(self, bar: Any = None, warmup: float = 0.0) -> None:
        self.bar = bar
        self.warmup = warmup
        self.points: deque[tuple[float, int]] = deque()

    def rate(self, elapsed: float, requests: int) -> float | None:
        """Requests per second over the last ``RATE_WINDOW`` seconds of the measured window (None before)."""
        if elapsed < self.warmup:
            return None
        if not self.points:
            self.points.append((self.warmup, 0))  # recording starts from nothing
        self.points.append((elapsed, requests))
        while len(self.points) > 2 and elapsed - self.points[1][0] >= RATE_WINDOW:
            self.points.popleft()
        t0, n0 = self.points[0]
        return (requests - n0) / (elapsed - t0) if elapsed > t0 else None

    def update(self, elapsed: float, requests: int) -> None:
        if self.bar is None:
            return
        rate = self.rate(elapsed, requests)
        self.bar.n = min(round(elapsed, 1), self.bar.total)
        if elapsed < self.warmup:
            self.bar.set_postfix_str("warm-up", refresh=False)
        elif rate is not None:
            self.bar.set_postfix_str(f"{rate:,.0f} req/s, {requests:,} requests", refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Bars:
    """Makes the bars, or bars that do nothing when off (or when tqdm is not installed)."""

    def __init__(self, enabled: bool, file: TextIO | None = None) -> None:
        self.file = file or sys.stderr
        self.tqdm: Any = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            self.tqdm = tqdm

    @classmethod
    def for_terminal(cls, no_progress: bool) -> Bars:
        """On unless ``--no-progress``, and only when stderr is a terminal."""
        return cls(not no_progress and sys.stderr.isatty())

    @property
    def enabled(self) -> bool:
        return self.tqdm is not None

    def counter(self, desc: str, total: int, unit: str = " records") -> Counter:
        if self.tqdm is None:
            return Counter()
        bar = self.tqdm(
            total=total, desc=desc, unit=unit, unit_scale=total >= 10_000, leave=False, file=self.file
        )
        return Counter(bar)

    def run(self, name: str, warmup: float, duration: float) -> RunBar:
        if self.tqdm is None:
            return RunBar(None, warmup)
        bar = self.tqdm(
            total=round(warmup + duration, 1),
            desc=f"{name:<22}",
            unit="s",
            leave=False,
            file=self.file,
            bar_format="{desc} {bar} {n:.1f}/{total:.1f} s{postfix}",
        )
        return RunBar(bar, warmup)
