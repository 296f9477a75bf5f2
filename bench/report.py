"""Turn recorded samples into rows: requests/s, p50/p95/p99, errors; print them as a table or markdown."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .runner import OpStats, RunResult, percentile


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
    if not scenario.per_op or len(ops) <= 1:
        report.rows.append(row_of(scenario.name, label, total, result.duration))
    else:
        if getattr(scenario, "aggregate_row", True):
            report.rows.append(row_of(scenario.name, label, total, result.duration))
        for op in order:
            if op in ops:
                report.rows.append(row_of(f"{scenario.name}: {op}", label, ops[op], result.duration))
    requests = sum(s.count for s in ops.values())
    if requests:
        report.client_cpu_us_per_request = result.client_cpu_s * 1e6 / requests
    report.notes = scenario.notes(plan, {r.label: asdict(r) for r in report.rows})
    return report


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
