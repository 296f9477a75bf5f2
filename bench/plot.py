"""PNG charts of bench runs, drawn from the JSON document a run writes (``--json``), so a saved run can be
drawn again later (``twenty-actors-bench plot run.json DIR``).

For each scenario that ran: ``<scenario>-timeline.png`` (requests/s, and p50/p99 latency, per interval
of the measured window, a line per row of the table) and ``<scenario>-latency.png`` (the latency
histogram, as a share of the row's requests, with its p50 and p99 marked); and ``summary.png``, every
row's requests/s, p50 and p99 side by side. ``compare`` draws the same bars for two runs
(``compare.png``).

matplotlib is used through its object API on the Agg canvas only (``Figure``, never ``pyplot``): no
display is needed, and no figure outlives the function that drew it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

WIDTH = 10.0  # inches, at 100 dpi
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def _figure(height: float, width: float = WIDTH) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def save(fig: Any, path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).print_png(str(path))
    return path


def file_name(name: str) -> str:
    """A scenario's name as a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "scenario"


def _short(label: str, scenario: str) -> str:
    """A row's label without its scenario's name ("deep-page: rest offset=0" → "rest offset=0")."""
    prefix = f"{scenario}: "
    return label[len(prefix) :] if label.startswith(prefix) else label


def _ran(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in doc.get("scenarios", []) if not s.get("skipped") and s.get("rows")]


def plot_run(doc: dict[str, Any], out_dir: Path) -> list[Path]:
    """Every chart of one run into ``out_dir`` (made if missing); the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for scenario in _ran(doc):
        base = file_name(scenario["name"])
        if scenario.get("series", {}).get("t_s"):
            written.append(save(timeline(scenario), out_dir / f"{base}-timeline.png"))
        if scenario.get("histograms", {}).get("edges_ms"):
            written.append(save(histogram(scenario), out_dir / f"{base}-latency.png"))
    if _ran(doc):
        written.append(save(bars([("", doc)], "Requests/s and latency by scenario"), out_dir / "summary.png"))
    return written


def timeline(scenario: dict[str, Any]) -> Any:
    """Requests/s (errors/s too, if any) above, p50 (solid) and p99 (dashed) below, over the window."""
    series = scenario["series"]
    interval = series["interval_s"]
    n = len(series["t_s"])
    duration = scenario.get("duration_s") or n * interval
    x = [t + min(interval, duration - t) / 2 for t in series["t_s"]]  # the middle of each interval
    fig = _figure(6.5, 12.0)
    rate_ax, lat_ax = fig.subplots(2, 1, sharex=True)
    lows: list[float] = []
    highs: list[float] = []
    for i, (label, row) in enumerate(series["rows"].items()):
        color = COLORS[i % len(COLORS)]
        name = _short(label, scenario["name"])
        width = 2.0 if label == scenario["name"] else 1.3
        rate_ax.plot(x, row["rps"], color=color, lw=width, marker="." if n <= 60 else None, label=name)
        if any(row["errors"]):
            rate_ax.plot(
                x,
                [e / interval for e in row["errors"]],
                color=color,
                lw=1,
                ls=":",
                label=f"{name}: errors/s",
            )
        p50 = [float("nan") if v is None else v for v in row["p50_ms"]]
        p99 = [float("nan") if v is None else v for v in row["p99_ms"]]
        lat_ax.plot(x, p50, color=color, lw=width, label=f"{name} p50")
        lat_ax.plot(x, p99, color=color, lw=1.0, ls="--", label=f"{name} p99")
        lows += [v for v in row["p50_ms"] if v]
        highs += [v for v in row["p99_ms"] if v]
    rate_ax.set_ylabel("requests/s")
    rate_ax.set_ylim(bottom=0)
    rate_ax.grid(alpha=0.3)
    rate_ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if lows and highs and max(highs) / min(lows) > 50:
        lat_ax.set_yscale("log")
    else:
        lat_ax.set_ylim(bottom=0)
    lat_ax.set_ylabel("latency (ms)")
    lat_ax.set_xlabel(f"seconds into the measured window ({interval:g} s intervals)")
    lat_ax.set_xlim(0, duration)
    lat_ax.grid(alpha=0.3, which="both")
    lat_ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(
        f"{scenario['name']}: throughput and latency over time (concurrency {scenario['concurrency']})"
    )
    return fig


def histogram(scenario: dict[str, Any]) -> Any:
    """Each row's latency distribution (share of its answered requests per bin), p50 and p99 marked."""
    hist = scenario["histograms"]
    edges = hist["edges_ms"]
    fig = _figure(4.5)
    ax = fig.subplots()
    rows = {r["label"]: r for r in scenario["rows"]}
    for i, (label, counts) in enumerate(hist["rows"].items()):
        total = sum(counts)
        if not total:
            continue
        color = COLORS[i % len(COLORS)]
        name = _short(label, scenario["name"])
        share = [100.0 * c / total for c in counts]
        ax.stairs(share, edges, color=color, fill=len(hist["rows"]) == 1, alpha=0.8, label=name)
        row = rows.get(label, {})
        for key, style in (("p50_ms", "-"), ("p99_ms", "--")):
            if row.get(key):
                ax.axvline(row[key], color=color, ls=style, lw=1, label=f"{name} {key[:3]} {row[key]:.3g} ms")
    ax.set_xscale("log")
    ax.set_xlabel("latency (ms, log scale)")
    ax.set_ylabel("% of answered requests")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    fig.suptitle(f"{scenario['name']}: latency histogram")
    return fig


def bars(runs: list[tuple[str, dict[str, Any]]], title: str) -> Any:
    """Requests/s, p50 and p99 of every row of one or more runs, as grouped horizontal bars."""
    labels: list[str] = []
    values: list[dict[str, dict[str, Any]]] = []
    for _name, doc in runs:
        by_label: dict[str, dict[str, Any]] = {}
        for scenario in _ran(doc):
            for row in scenario["rows"]:
                by_label[row["label"]] = row
                if row["label"] not in labels:
                    labels.append(row["label"])
        values.append(by_label)
    fig = _figure(1.2 + 0.32 * max(1, len(labels)) * max(1, len(runs)) ** 0.5, 12.0)
    axes = fig.subplots(1, 3, sharey=True)
    height = 0.8 / len(runs)
    ys = list(range(len(labels)))
    for k, ((name, _doc), by_label) in enumerate(zip(runs, values, strict=True)):
        offsets = [y - 0.4 + height * (k + 0.5) for y in ys]
        for ax, key in zip(axes, ("rps", "p50_ms", "p99_ms"), strict=True):
            data = [(by_label.get(label) or {}).get(key) or 0.0 for label in labels]
            drawn = ax.barh(offsets, data, height=height, color=COLORS[k % len(COLORS)], label=name or None)
            if k == 1 and len(runs) == 2:  # b's bars carry b/a
                first = [(values[0].get(label) or {}).get(key) for label in labels]
                ratios = [f" ×{b / a:.2f}" if a and b else "" for a, b in zip(first, data, strict=True)]
                ax.bar_label(drawn, ratios, fontsize="x-small")
    headings = ("requests/s (more is better)", "p50 ms (less is better)", "p99 ms (less is better)")
    for ax, heading in zip(axes, headings, strict=True):
        ax.set_title(heading, fontsize="medium")
        ax.grid(alpha=0.3, axis="x")
        ax.margins(x=0.15 if len(runs) == 2 else 0.05)  # room for the ratios
    axes[0].set_yticks(ys, labels, fontsize="small")
    axes[0].invert_yaxis()
    if len(runs) > 1:
        axes[0].legend(fontsize="small")
    fig.suptitle(title)
    return fig
