"""Turn recorded samples into rows: requests/s, p50/p95/p99, errors; print them as a table or markdown.

Each row also gets a time series (requests/s, p50, p99 and errors per interval of the measured window)
and a latency histogram (log-spaced bins, ``BINS_PER_DECADE`` to a decade), both bounded in size, for
the JSON output and the charts.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from .runner import OpStats, RunResult, intervals, percentile

BINS_PER_DECADE = 10
MIN_BIN = -6 * BINS_PER_DECADE  # 1 µs: shorter latencies (a clock's 0) fall in the first bin
MAX_BIN = 2 * BINS_PER_DECADE  # 100 s: longer ones fall in the last


@dataclass
class Row:
    label: str
    concurrency: str
    count: int
    rps: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    errors: int
    errors_by_status: dict[str, int] = field(default_factory=dict)


@dataclass
class ScenarioReport:
    name: str
    description: str
    concurrency: int
    duration_s: float
    rows: list[Row] = field(default_factory=list)
    cpu: dict[str, float | None] = field(default_factory=dict)
    client_cpu_us_per_request: float | None = None
    notes: str = ""
    skipped: str = ""
    #: {"interval_s", "t_s": [start of each interval], "rows": {label: {"rps", "p50_ms", "p99_ms", "errors"}}}
    series: dict[str, Any] = field(default_factory=dict)
    #: {"edges_ms": [n + 1 bin edges], "rows": {label: [n counts]}}
    histograms: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def row_of(label: str, concurrency: str, stats: OpStats, duration: float) -> Row:
    lat = sorted(stats.latencies)

    def ms(p: float) -> float | None:
        v = percentile(lat, p)
        return None if v is None else v * 1000.0

    errors = sum(stats.errors.values())
    return Row(
        label,
        concurrency,
        stats.count,
        stats.count / duration if duration > 0 else 0.0,
        ms(50),
        ms(95),
        ms(99),
        errors,
        dict(sorted(stats.errors.items())),
    )


def scenario_report(
    scenario: Any, plan: dict[str, Any], result: RunResult, concurrency: int, conc_label: str | None = None
) -> ScenarioReport:
    rec = result.rec
    label = conc_label or str(concurrency)
    report = ScenarioReport(scenario.name, scenario.description, concurrency, result.duration, cpu=result.cpu)
    ops = rec.ops
    total = OpStats()
    for stats in ops.values():
        total.merge(stats)
    order = list(plan.get("ops") or ops.keys())
    order += [op for op in ops if op not in order]
    shown: list[tuple[str, OpStats]] = []
    if not scenario.per_op or len(ops) <= 1:
        shown.append((scenario.name, total))
    else:
        if getattr(scenario, "aggregate_row", True):
            shown.append((scenario.name, total))
        shown += [(f"{scenario.name}: {op}", ops[op]) for op in order if op in ops]
    report.rows = [row_of(name, label, stats, result.duration) for name, stats in shown]
    report.series = series_of(shown, result.duration, result.interval)
    report.histograms = histograms_of(shown)
    requests = sum(s.count for s in ops.values())
    if requests:
        report.client_cpu_us_per_request = result.client_cpu_s * 1e6 / requests
    report.notes = scenario.notes(plan, {r.label: asdict(r) for r in report.rows})
    return report


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000.0, 3)


def series_of(shown: list[tuple[str, OpStats]], duration: float, interval: float) -> dict[str, Any]:
    """Per interval of the measured window, for each row: requests/s, p50 and p99 (ms), errors.

    A request counts in the interval it started in; p50 and p99 are over the answered ones (null when
    there are none). The last interval may be shorter than the others; its rate is over its own length.
    """
    if interval <= 0:
        interval = duration
    n = intervals(duration, interval)
    starts = [i * interval for i in range(n)]
    lengths = [max(min(interval, duration - t), 1e-9) for t in starts]
    rows: dict[str, Any] = {}
    for name, stats in shown:
        groups: list[list[float]] = [[] for _ in range(n)]
        for latency, i in zip(stats.latencies, stats.at, strict=True):
            groups[min(i, n - 1)].append(latency)
        per = _fold(stats.per, n)
        p50, p99 = [], []
        for group in groups:
            group.sort()
            p50.append(_ms(percentile(group, 50)))
            p99.append(_ms(percentile(group, 99)))
        rows[name] = {
            "rps": [round(c / length, 2) for c, length in zip(per, lengths, strict=True)],
            "p50_ms": p50,
            "p99_ms": p99,
            "errors": _fold(stats.errs, n),
        }
    return {"interval_s": interval, "t_s": [round(t, 6) for t in starts], "rows": rows}


def _fold(counts: list[int], n: int) -> list[int]:
    """``counts`` as exactly ``n`` intervals (anything past the last is added to it)."""
    out = list(counts[:n]) + [0] * max(0, n - len(counts))
    out[-1] += sum(counts[n:])
    return out


def histograms_of(shown: list[tuple[str, OpStats]]) -> dict[str, Any]:
    """Latency histograms of the rows on shared log-spaced bins, trimmed to the bins in use."""
    counts: dict[str, Counter[int]] = {}
    log10 = math.log10
    for name, stats in shown:
        c: Counter[int] = Counter()
        for latency in stats.latencies:
            b = math.floor(log10(latency) * BINS_PER_DECADE) if latency > 0 else MIN_BIN
            c[min(max(b, MIN_BIN), MAX_BIN)] += 1
        counts[name] = c
    used = [b for c in counts.values() for b in c]
    if not used:
        return {"edges_ms": [], "rows": {name: [] for name, _ in shown}}
    lo, hi = min(used), max(used)
    edges = [round(10 ** (b / BINS_PER_DECADE) * 1000.0, 6) for b in range(lo, hi + 2)]
    return {
        "edges_ms": edges,
        "rows": {name: [c.get(b, 0) for b in range(lo, hi + 1)] for name, c in counts.items()},
    }


def _fmt_ms(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


def _fmt_pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}%"


def _errors(row: Row) -> str:
    if not row.errors:
        return "0"
    detail = ", ".join(f"{k}: {v}" for k, v in row.errors_by_status.items())
    return f"{row.errors} ({detail})"


HEADER = [
    "scenario",
    "conc",
    "req/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "errors",
    "client CPU",
    "server CPU",
    "pg CPU",
    "other",
    "idle",
]


def table_rows(reports: list[ScenarioReport]) -> list[list[str]]:
    out = []
    for rep in reports:
        if rep.skipped:
            out.append(
                [rep.name, str(rep.concurrency), "-", "-", "-", "-", rep.skipped, "-", "-", "-", "-", "-"]
            )
            continue
        for i, row in enumerate(rep.rows):
            cpu = rep.cpu if i == 0 else {}
            out.append(
                [
                    row.label,
                    row.concurrency,
                    f"{row.rps:,.0f}" if row.rps >= 10 else f"{row.rps:.1f}",
                    _fmt_ms(row.p50_ms),
                    _fmt_ms(row.p95_ms),
                    _fmt_ms(row.p99_ms),
                    _errors(row),
                    _fmt_pct(cpu.get("client")),
                    _fmt_pct(cpu.get("server")),
                    _fmt_pct(cpu.get("pg")),
                    _fmt_pct(cpu.get("other")),
                    _fmt_pct(cpu.get("idle")),
                ]
            )
    return out


def render_text(reports: list[ScenarioReport]) -> str:
    rows = [HEADER] + table_rows(reports)
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(len(HEADER))]
    lines = []
    for n, r in enumerate(rows):
        cells = [c.ljust(widths[i]) if i in (0, 6) else c.rjust(widths[i]) for i, c in enumerate(r)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"{r.name}: {r.notes}" for r in reports if r.notes and not r.skipped]
    if notes:
        lines.append("")
        lines += notes
    lines.append(
        "CPU columns: % of one core during the measured window (the machine has "
        f"{_cores()} cores = {100 * _cores()}%)."
    )
    return "\n".join(lines)


def render_markdown(reports: list[ScenarioReport]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in table_rows(reports):
        lines.append("| " + " | ".join(c.replace("|", "/") for c in r) + " |")
    return "\n".join(lines)


def _cores() -> int:
    import os

    return os.cpu_count() or 1
