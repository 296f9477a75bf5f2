"""``twenty-actors-bench compare a.json b.json``: two runs' rows side by side, with b/a ratios.

Rows are matched by label (the table's first column), in a's order, then the rows only b has. A ratio
above 1 means b has more requests/s, or a longer p50 or p99, than a. Settings that differ between
the runs (duration, concurrency, ...) are listed under the table, since they change the figures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HEADER = [
    "scenario",
    "req/s a",
    "req/s b",
    "b/a",
    "p50 a",
    "p50 b",
    "b/a",
    "p99 a",
    "p99 b",
    "b/a",
    "errors a",
    "errors b",
]
#: settings that describe how a run was made, not what it measured
_IGNORED = {
    "json",
    "plot",
    "markdown",
    "no_progress",
    "token",
    "url",
    "data_dir",
    "keep_data",
    "server_pid",
    "pg_pid",
}


def load(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"cannot read {path}: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("scenarios"), list):
        raise SystemExit(f"{path} is not the JSON of a bench run (--json)")
    return doc


def _rows(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """label → row; a skipped scenario is one row that says why."""
    out: dict[str, dict[str, Any]] = {}
    for scenario in doc["scenarios"]:
        if scenario.get("skipped"):
            out[scenario["name"]] = {"skipped": scenario["skipped"]}
            continue
        for row in scenario.get("rows", []):
            out[row["label"]] = row
    return out


def _num(v: float | None) -> str:
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or a == 0:
        return "-"
    return f"{b / a:.2f}"


def compare_rows(a: dict[str, Any], b: dict[str, Any]) -> list[list[str]]:
    """The table's rows (without the header), as text cells."""
    rows_a, rows_b = _rows(a), _rows(b)
    labels = list(rows_a) + [label for label in rows_b if label not in rows_a]
    out = []
    for label in labels:
        ra, rb = rows_a.get(label, {}), rows_b.get(label, {})
        cells = [label]
        for key in ("rps", "p50_ms", "p99_ms"):
            va, vb = ra.get(key), rb.get(key)
            cells += [_num(va), _num(vb), _ratio(va, vb)]
        cells += [_errors(ra), _errors(rb)]
        out.append(cells)
    return out


def _errors(row: dict[str, Any]) -> str:
    if not row:
        return "(not run)"
    if row.get("skipped"):
        return "skipped"
    return f"{row.get('errors', 0):,}"


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The settings the two runs were made with that differ, as "name: a → b"."""
    sa, sb = a.get("settings") or {}, b.get("settings") or {}
    keys = [k for k in sa if k not in _IGNORED] + [k for k in sb if k not in sa and k not in _IGNORED]
    return [f"{k}: {sa.get(k)!r} → {sb.get(k)!r}" for k in keys if sa.get(k) != sb.get(k)]


def render(a: dict[str, Any], b: dict[str, Any], name_a: str, name_b: str, *, markdown: bool = False) -> str:
    rows = compare_rows(a, b)
    lines = [
        f"a: {name_a} ({a.get('finished', '?')}, {a.get('url', '?')})",
        f"b: {name_b} ({b.get('finished', '?')}, {b.get('url', '?')})",
        "",
    ]
    if markdown:
        lines.append("| " + " | ".join(HEADER) + " |")
        lines.append("|---|" + "---:|" * (len(HEADER) - 1))
        lines += ["| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in rows]
    else:
        table = [HEADER, *rows]
        widths = [max(len(r[i]) for r in table) for i in range(len(HEADER))]
        for n, r in enumerate(table):
            cells = [c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)]
            lines.append("  ".join(cells).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.append("b/a: above 1 means b has more req/s, or longer latencies (ms), than a.")
    diff = differences(a, b)
    if diff:
        lines.append("Settings that differ: " + "; ".join(diff) + ".")
    return "\n".join(lines)
