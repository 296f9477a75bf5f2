"""Where the machine's CPU went during a measured window: the client, the server, PostgreSQL, the rest.

Linux only (``/proc``); elsewhere every figure is None. Percentages are of one core, so a 2-core
machine has 200%. The server is a process and its descendants; PostgreSQL is the postmaster and
its backends (children of the postmaster, which ``pg_ctl`` detaches from the server). The client's
own CPU comes from ``getrusage`` in each load process (see ``runner``), not from here.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass, field

_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float] | None:
    """(ppid, CPU seconds) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(b")") + 2 :].split()
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / _TCK


def _all() -> dict[int, tuple[int, float]]:
    out: dict[int, tuple[int, float]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for name in names:
        if name.isdigit():
            st = _stat(int(name))
            if st is not None:
                out[int(name)] = st
    return out


def _tree(procs: dict[int, tuple[int, float]], root: int) -> dict[int, float]:
    if root not in procs:
        return {}
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    out: dict[int, float] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        out[pid] = procs[pid][1]
        todo.extend(children.get(pid, ()))
    return out


def _machine() -> tuple[float, float] | None:
    """(busy, idle) CPU seconds of the whole machine."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    idle = v[3] + v[4]
    return (sum(v[:8]) - idle) / _TCK, idle / _TCK


def self_cpu() -> float:
    """CPU seconds used by this process so far (all threads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


@dataclass
class CpuSampler:
    """Samples the server's and PostgreSQL's process trees: ``start``, ``sample`` now and then, ``stop``."""

    server_pid: int | None = None
    pg_pid: int | None = None
    first: dict[str, dict[int, float]] = field(default_factory=dict)
    last: dict[str, dict[int, float]] = field(default_factory=dict)
    t0: float = 0.0
    t1: float = 0.0
    m0: tuple[float, float] | None = None
    m1: tuple[float, float] | None = None
    own_cpu: float = 0.0  # CPU seconds this sampler spent reading /proc (taken off the client's figure)

    def _groups(self) -> dict[str, dict[int, float]]:
        if not self.server_pid and not self.pg_pid:
            return {}
        t0 = time.process_time()
        try:
            return self._read()
        finally:
            self.own_cpu += time.process_time() - t0

    def _read(self) -> dict[str, dict[int, float]]:
        procs = _all()
        out = {}
        if self.server_pid:
            out["server"] = _tree(procs, self.server_pid)
        if self.pg_pid:
            out["pg"] = _tree(procs, self.pg_pid)
        return out

    def start(self) -> None:
        self.first = self._groups()
        self.last = {g: dict(d) for g, d in self.first.items()}
        self.t0 = time.monotonic()
        self.m0 = _machine()

    def sample(self) -> None:
        """Remember the latest CPU time of each process, so one that exits before the end still counts."""
        for group, pids in self._groups().items():
            self.last.setdefault(group, {}).update(pids)

    def stop(self) -> None:
        self.sample()
        self.t1 = time.monotonic()
        self.m1 = _machine()

    def result(self) -> dict[str, float | None]:
        """CPU % of one core per group over the window, plus the machine's idle %."""
        wall = max(self.t1 - self.t0, 1e-9)
        out: dict[str, float | None] = {"server": None, "pg": None, "idle": None, "busy": None}
        for group in ("server", "pg"):
            if group in self.last:
                first = self.first.get(group, {})
                used = sum(v - first.get(pid, 0.0) for pid, v in self.last[group].items())
                out[group] = 100.0 * used / wall
        if self.m0 and self.m1:
            out["busy"] = 100.0 * (self.m1[0] - self.m0[0]) / wall
            out["idle"] = 100.0 * (self.m1[1] - self.m0[1]) / wall
        return out
