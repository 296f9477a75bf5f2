"""Run a scenario's load for a fixed window: closed-loop workers, per-request latencies, errors by status.

A run has a warm-up (requests are sent but not recorded) and a measured window. A request is
recorded when it *starts* inside the measured window; its latency is taken with the monotonic
clock around the send and the full read of the answer. Every answered request is a latency
sample (errors included); a request that fails without an answer (connection error, timeout) is
counted as an error and has no latency. Nothing is sampled or dropped: percentiles come from all
samples. Each request also falls in an interval of the window by its start (``sample_interval``: at
most ``MAX_POINTS`` intervals, 1 s for runs of 10 s to 2 min), for the report's time series.
``--processes N`` runs N load processes (``python -m bench.worker``), each with its share of the
connections, all on the same window (CLOCK_MONOTONIC is shared between processes on Linux).
"""

from __future__ import annotations

import math
import struct
import subprocess
import sys
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec
import trio

from .cpu import CpuSampler, self_cpu
from .http1 import Connection, HttpError, Target

REQUEST_TIMEOUT = 60.0
_ERR_KEY = b'"errors":'
MAX_POINTS = 120  # intervals of a run's time series, at most
PROGRESS_EVERY = 0.25  # seconds between progress reports
_NICE = (1.0, 2.0, 5.0)


def sample_interval(duration: float) -> float:
    """The time series' interval for a run of ``duration`` seconds: a 1-2-5 step, about 10 to 120 points.

    1 s from 10 s to 2 min; shorter runs get finer steps (0.5 s → 0.05 s), longer ones coarser.
    """
    want = max(duration / MAX_POINTS, min(1.0, duration / 10), 1e-3)
    exp = math.floor(math.log10(want))
    for step in (*_NICE, 10.0):
        value = step * 10.0**exp
        if value >= want * (1 - 1e-9):
            return round(value, 6)
    return round(10.0 ** (exp + 1), 6)  # not reached


def intervals(duration: float, interval: float) -> int:
    """How many intervals of ``interval`` seconds cover ``duration`` (the last may be partial)."""
    if interval <= 0 or duration <= 0:
        return 1
    return max(1, math.ceil(duration / interval - 1e-9))


def _bump(counts: list[int], i: int, n: int = 1) -> None:
    if i >= len(counts):
        counts.extend([0] * (i + 1 - len(counts)))
    counts[i] += n


class _ErrorBody(msgspec.Struct):
    errors: list[Any] | None = None
    error: Any = None


def error_key(kind: str, status: int, body: bytes) -> str | None:
    """None for a success; otherwise the error's key ("401 UNAUTHENTICATED", "timeout", ...)."""
    if status == -1:
        return "connection error"
    if status == -2:
        return "timeout"
    if kind == "graphql":
        if status == 200 and _ERR_KEY not in body:
            return None
    elif 200 <= status < 300:
        return None
    code = ""
    try:
        decoded = msgspec.json.decode(body, type=_ErrorBody)
        if decoded.errors:
            code = str(((decoded.errors[0] or {}).get("extensions") or {}).get("code") or "")
        elif isinstance(decoded.error, dict):
            code = str(decoded.error.get("code") or "")
    except (msgspec.DecodeError, msgspec.ValidationError, AttributeError, TypeError):
        pass
    return f"{status} {code}".strip()


@dataclass
class OpStats:
    """One operation's samples: latencies (seconds) of answered requests, the count, errors by key.

    For the time series: ``at`` holds the interval of each latency (same order), ``per`` the requests
    and ``errs`` the errors of each interval.
    """

    latencies: array = field(default_factory=lambda: array("d"))
    count: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    extra: dict[str, float] = field(default_factory=dict)
    at: array = field(default_factory=lambda: array("H"))
    per: list[int] = field(default_factory=list)
    errs: list[int] = field(default_factory=list)

    def merge(self, other: OpStats) -> None:
        self.latencies.extend(other.latencies)
        self.at.extend(other.at)
        self.count += other.count
        for k, v in other.errors.items():
            self.errors[k] = self.errors.get(k, 0) + v
        for k, v in other.extra.items():
            self.extra[k] = self.extra.get(k, 0) + v
        for i, n in enumerate(other.per):
            _bump(self.per, i, n)
        for i, n in enumerate(other.errs):
            _bump(self.errs, i, n)

    def to_wire(self) -> dict[str, Any]:
        return {
            "lat": self.latencies.tobytes(),
            "n": self.count,
            "errors": self.errors,
            "extra": self.extra,
            "at": self.at.tobytes(),
            "per": self.per,
            "errs": self.errs,
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> OpStats:
        lat = array("d")
        lat.frombytes(data["lat"])
        at = array("H")
        at.frombytes(data["at"])
        return cls(lat, data["n"], dict(data["errors"]), dict(data["extra"]), at, data["per"], data["errs"])


class Recorder:
    """All samples of one part of a run, by operation, each in its interval of ``window``."""

    def __init__(self, window: Window | None = None, interval: float = 0.0) -> None:
        self.ops: dict[str, OpStats] = {}
        self.total = 0  # every recorded request, for the progress bar
        self.window = window
        self.interval = interval

    def op(self, name: str) -> OpStats:
        stats = self.ops.get(name)
        if stats is None:
            stats = self.ops[name] = OpStats()
        return stats

    def bucket(self, t: float | None = None) -> int:
        """The interval ``t`` (default: now) falls in; before the window is the first, after it the last."""
        window = self.window
        if window is None or self.interval <= 0:
            return 0
        if t is None:
            t = time.monotonic()
        i = int((t - window.measure) / self.interval)
        if i <= 0:
            return 0
        return min(i, intervals(window.end - window.measure, self.interval) - 1)

    def record(
        self, op: str, kind: str, status: int, body: bytes, latency: float, started: float | None = None
    ) -> bool:
        """Count one request (in the interval of ``started``, default now); True when it succeeded."""
        stats = self.op(op)
        b = self.bucket(started)
        stats.count += 1
        self.total += 1
        _bump(stats.per, b)
        if status > 0:
            stats.latencies.append(latency)
            stats.at.append(b)
        key = error_key(kind, status, body)
        if key is None:
            return True
        stats.errors[key] = stats.errors.get(key, 0) + 1
        _bump(stats.errs, b)
        return False

    def sample(self, op: str, latency: float) -> None:
        """A latency that is not a request's (e.g. an event's commit-to-receipt time), taken now."""
        stats = self.op(op)
        b = self.bucket()
        stats.count += 1
        self.total += 1
        _bump(stats.per, b)
        stats.latencies.append(latency)
        stats.at.append(b)

    def error(self, op: str, key: str, n: int = 1) -> None:
        stats = self.op(op)
        stats.errors[key] = stats.errors.get(key, 0) + n
        _bump(stats.errs, self.bucket(), n)

    def merge(self, other: Recorder) -> None:
        for name, stats in other.ops.items():
            self.op(name).merge(stats)
        self.total += other.total


@dataclass
class Window:
    """Monotonic times: load starts at ``start``, recording at ``measure``, everything stops at ``end``."""

    start: float
    measure: float
    end: float

    @classmethod
    def make(cls, start: float, warmup: float, duration: float) -> Window:
        return cls(start, start + warmup, start + warmup + duration)

    def recording(self, t: float) -> bool:
        return self.measure <= t < self.end


@dataclass
class Part:
    """One load process's share of a run."""

    index: int
    count: int
    concurrency: int  # this part's closed-loop workers
    first_worker: int  # global index of its first worker
    total_concurrency: int
    window: Window
    target: Target
    error_every: int = 0  # send every Nth request broken on purpose (0: never)
    options: dict[str, Any] = field(default_factory=dict)
    interval: float = 0.0  # of the time series (0: one interval)

    def share(self, n: int) -> tuple[int, int]:
        """This part's share of ``n`` things: (how many, index of the first)."""
        base, extra = divmod(n, self.count)
        first = self.index * base + min(self.index, extra)
        return base + (1 if self.index < extra else 0), first


class Source(Protocol):
    """What a worker sends: ``next`` gives (operation, request, kind); ``done`` sees the answer."""

    def next(self) -> tuple[str, bytes, str]: ...

    def done(self, op: str, status: int, body: bytes) -> None: ...


async def closed_loop(
    part: Part,
    rec: Recorder,
    make_source: Callable[[int], Source],
    broken: bytes | None = None,
    workers: int | None = None,
) -> None:
    """``workers`` connections (default: the part's); each sends a request when its last is answered."""
    async with trio.open_nursery() as nursery:
        for w in range(part.concurrency if workers is None else workers):
            nursery.start_soon(_loop, part, rec, make_source(part.first_worker + w), broken)


async def _loop(part: Part, rec: Recorder, source: Source, broken: bytes | None) -> None:
    conn = Connection(part.target)
    window = part.window
    clock = time.monotonic
    every = part.error_every
    n = 0
    await trio.sleep_until(window.start)
    try:
        while True:
            t0 = clock()
            if t0 >= window.end:
                break
            op, raw, kind = source.next()
            n += 1
            if every and broken is not None and n % every == 0:
                raw = broken
            try:
                with trio.fail_after(REQUEST_TIMEOUT):
                    status, body = await conn.request(raw)
            except HttpError:
                status, body = -1, b""
                await trio.sleep(0.05)  # no hot loop against a closed port
            except trio.TooSlowError:
                status, body = -2, b""
            t1 = clock()
            if t0 >= window.measure:
                rec.record(op, kind, status, body, t1 - t0, t0)
            source.done(op, status, body)
    finally:
        await conn.aclose()


# --- running a scenario in this process or in several ------------------------------------------


@dataclass
class RunResult:
    """The merged samples of a run and the CPU split of its measured window."""

    rec: Recorder
    duration: float
    cpu: dict[str, float | None]
    client_cpu_s: float
    interval: float = 0.0  # of the time series in ``rec``


async def _cpu_window(window: Window, sampler: CpuSampler, out: dict[str, float]) -> None:
    await trio.sleep_until(window.measure)
    out["c0"] = self_cpu()
    sampler.start()
    while True:
        left = window.end - time.monotonic()
        if left <= 0:
            break
        await trio.sleep(min(1.0, left))
        sampler.sample()
    out["c1"] = self_cpu()
    sampler.stop()


async def run_part_here(
    scenario: Any, plan: dict[str, Any], part: Part, report: Callable[[int], None] | None = None
) -> tuple[Recorder, float]:
    """Run one part in this process; its recorder and the CPU seconds this process used in the window.

    ``report``, when given, gets the requests recorded so far four times a second (for a progress bar).
    """
    rec = Recorder(part.window, part.interval)
    marks: dict[str, float] = {}

    async def own_cpu() -> None:
        await trio.sleep_until(part.window.measure)
        marks["c0"] = self_cpu()
        await trio.sleep_until(part.window.end)
        marks["c1"] = self_cpu()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(own_cpu)
        if report is not None:
            nursery.start_soon(_report_until, part.window, lambda: rec.total, report)
        await scenario.run_part(plan, part, rec)
        nursery.cancel_scope.cancel()  # the reporter, if the load ended early
    return rec, marks.get("c1", self_cpu()) - marks.get("c0", self_cpu())


async def _report_until(window: Window, count: Callable[[], int], report: Callable[[int], None]) -> None:
    while time.monotonic() < window.end:
        await trio.sleep(PROGRESS_EVERY)
        report(count())


async def run(
    scenario: Any,
    plan: dict[str, Any],
    *,
    target: Target,
    concurrency: int,
    duration: float,
    warmup: float,
    processes: int = 1,
    error_every: int = 0,
    server_pid: int | None = None,
    pg_pid: int | None = None,
    options: dict[str, Any] | None = None,
    progress: Callable[[float, int], None] | None = None,
) -> RunResult:
    """Run a scenario's load and merge what every part recorded.

    ``progress`` gets (seconds since the load started, requests recorded so far) four times a second.
    """
    options = options or {}
    sampler = CpuSampler(server_pid, pg_pid)
    cpu_marks: dict[str, float] = {}
    processes = max(1, min(processes, concurrency))
    interval = sample_interval(duration)
    parts = []
    first = 0
    window = Window(0.0, 0.0, 0.0)  # set once every load process is ready
    for i in range(processes):
        share = concurrency // processes + (1 if i < concurrency % processes else 0)
        parts.append(
            Part(i, processes, share, first, concurrency, window, target, error_every, options, interval)
        )
        first += share
    merged = Recorder(window, interval)
    client_cpu = 0.0

    def tick(count: Callable[[], int]) -> Callable[[], Any]:
        async def ticking() -> None:
            if progress is not None:
                await _report_until(window, count, lambda n: progress(time.monotonic() - window.start, n))

        return ticking

    def open_window() -> None:
        start = time.monotonic() + 0.05
        window.start, window.measure, window.end = start, start + warmup, start + warmup + duration

    if processes == 1:
        open_window()
        rec = Recorder(window, interval)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_cpu_window, window, sampler, cpu_marks)
            nursery.start_soon(tick(lambda: rec.total))
            await scenario.run_part(plan, parts[0], rec)
        merged.merge(rec)
        client_cpu = cpu_marks.get("c1", self_cpu()) - cpu_marks.get("c0", self_cpu())
    else:
        async with _Workers(scenario.name, plan, parts) as workers:
            open_window()
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_cpu_window, window, sampler, cpu_marks)
                nursery.start_soon(tick(lambda: sum(workers.live)))
                results = await workers.go(window)
        for result in results:
            merged.merge(recorder_from_wire(result["ops"]))
            client_cpu += result["cpu"]
        client_cpu += cpu_marks.get("c1", 0.0) - cpu_marks.get("c0", 0.0)
    cpu = sampler.result()
    client_cpu = max(0.0, client_cpu - sampler.own_cpu)
    cpu["client"] = 100.0 * client_cpu / max(window.end - window.measure, 1e-9)
    if cpu.get("busy") is not None:
        # busy time outside the three groups: other processes, kernel softirq for loopback TCP
        cpu["other"] = max(0.0, cpu["busy"] - cpu["client"] - (cpu.get("server") or 0) - (cpu.get("pg") or 0))
    return RunResult(merged, window.end - window.measure, cpu, client_cpu, interval)


class _Workers:
    """Load processes (``python -m bench.worker``): started and ready (imports done) before the window is set.

    Protocol on the pipes: the parent writes a 4-byte length and the msgpack job; the worker answers one
    byte when it is ready, then reads the window (3 doubles) and runs. While it runs it writes ``P`` and
    its count of recorded requests (8 bytes) four times a second; at the end ``D``, a 4-byte length and
    its msgpack result.
    """

    def __init__(self, name: str, plan: dict[str, Any], parts: list[Part]) -> None:
        self.jobs = [
            msgspec.msgpack.encode({"scenario": name, "plan": plan, "part": _part_wire(p)}) for p in parts
        ]
        self.procs: list[trio.Process] = []
        self.live = [0] * len(parts)  # requests recorded so far, by process, for the progress bar

    async def __aenter__(self) -> _Workers:
        for job in self.jobs:
            proc = await trio.lowlevel.open_process(
                [sys.executable, "-m", "bench.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
            self.procs.append(proc)
            assert proc.stdin is not None
            await proc.stdin.send_all(struct.pack("<I", len(job)) + job)
        for i, proc in enumerate(self.procs):
            assert proc.stdout is not None
            if await proc.stdout.receive_some(1) != b"R":
                raise RuntimeError(f"load process {i} did not start (exit code {await proc.wait()})")
        return self

    async def go(self, window: Window) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = [{} for _ in self.procs]

        async def collect(i: int, proc: trio.Process) -> None:
            assert proc.stdin is not None
            assert proc.stdout is not None
            await proc.stdin.send_all(struct.pack("<3d", window.start, window.measure, window.end))
            data = bytearray()
            result: bytes | None = None
            while chunk := await proc.stdout.receive_some(1 << 16):
                data += chunk
                while result is None and data:
                    if data[:1] == b"P" and len(data) >= 9:
                        (self.live[i],) = struct.unpack_from("<Q", data, 1)
                        del data[:9]
                    elif data[:1] == b"D" and len(data) >= 5:
                        (size,) = struct.unpack_from("<I", data, 1)
                        if len(data) < 5 + size:
                            break
                        result = bytes(data[5 : 5 + size])
                    elif data[:1] not in (b"P", b"D"):
                        raise RuntimeError(f"load process {i} wrote {bytes(data[:20])!r}")
                    else:
                        break
            if await proc.wait() != 0 or result is None:
                raise RuntimeError(f"load process {i} failed with exit code {proc.returncode}")
            results[i] = msgspec.msgpack.decode(result)

        async with trio.open_nursery() as nursery:
            for i, proc in enumerate(self.procs):
                nursery.start_soon(collect, i, proc)
        return results

    async def __aexit__(self, *exc: object) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                proc.kill()
                with trio.CancelScope(shield=True):
                    await proc.wait()


def _part_wire(part: Part) -> dict[str, Any]:
    return {
        "index": part.index,
        "count": part.count,
        "concurrency": part.concurrency,
        "first_worker": part.first_worker,
        "total_concurrency": part.total_concurrency,
        "window": [part.window.start, part.window.measure, part.window.end],
        "target": [part.target.host, part.target.port, part.target.base_path],
        "error_every": part.error_every,
        "options": part.options,
        "interval": part.interval,
    }


def part_from_wire(data: dict[str, Any]) -> Part:
    return Part(
        data["index"],
        data["count"],
        data["concurrency"],
        data["first_worker"],
        data["total_concurrency"],
        Window(*data["window"]),
        Target(*data["target"]),
        data["error_every"],
        data["options"],
        data["interval"],
    )


def recorder_to_wire(rec: Recorder) -> dict[str, Any]:
    return {name: stats.to_wire() for name, stats in rec.ops.items()}


def recorder_from_wire(data: dict[str, Any]) -> Recorder:
    """The samples of a load process (its window and interval are the parent's)."""
    rec = Recorder()
    for name, stats in data.items():
        rec.ops[name] = OpStats.from_wire(stats)
        rec.total += rec.ops[name].count
    return rec


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]
