"""What people look at: the time series and histograms in the JSON, the PNG charts of ``--plot``, the
``compare`` table and chart, and the progress bars (on a terminal only). One short real run against a
real server, and the rest on what it wrote."""

from __future__ import annotations

import io
import json
import math
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.__main__ import bench, build_parser, main
from bench.progress import Bars, RunBar
from bench.report import histograms_of, series_of
from bench.runner import MAX_POINTS, OpStats, Recorder, Window, intervals, sample_interval

from ..conftest import Server, sign_up

PNG = b"\x89PNG\r\n\x1a\n"
SCENARIOS = ["graphql-list", "multi-workspace"]


class FakeTerminal(io.StringIO):
    """stderr as if it were a terminal, so that the bars are drawn (into this buffer)."""

    def isatty(self) -> bool:
        return True


def _check_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG, path
    assert len(data) > 10_000, (path, len(data))  # axes, lines and text, not an empty canvas


def _read_image(path: Path) -> tuple[int, ...]:
    from matplotlib.image import imread

    pixels = imread(path)
    try:
        from PIL import Image

        with Image.open(path) as image:
            image.verify()
    except ImportError:
        pass
    return tuple(pixels.shape)


async def test_run_json_series_plot_and_compare(
    server: Server,
    client: httpx.AsyncClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    account = await sign_up(client)
    run_json, charts = tmp_path / "a.json", tmp_path / "charts"
    args = build_parser().parse_args(
        [
            "--url",
            server.url,
            "--token",
            account.access_token,
            "--scenario",
            ",".join(SCENARIOS),
            "--duration",
            "1",
            "--warmup",
            "0.3",
            "--concurrency",
            "3",
            "--companies",
            "20",
            "--people",
            "20",
            "--workspaces",
            "2",
            "--mw-companies",
            "5",
            "--json",
            str(run_json),
            "--plot",
            str(charts),
        ]
    )
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    reports = await bench(args, out=io.StringIO())
    monkeypatch.undo()
    assert [r.name for r in reports] == SCENARIOS

    # the bars were drawn on the "terminal": seeding, then each run with its live rate
    drawn = terminal.getvalue()
    assert "seed:" in drawn
    assert "records" in drawn
    assert "graphql-list" in drawn
    assert "warm-up" in drawn
    assert " req/s, " in drawn

    # the JSON has each row's time series and histogram, consistent with the row
    doc: dict[str, Any] = json.loads(run_json.read_text())
    for scenario in doc["scenarios"]:
        series, hist = scenario["series"], scenario["histograms"]
        assert series["interval_s"] == pytest.approx(0.1)
        assert len(series["t_s"]) == 10
        assert series["t_s"][:3] == pytest.approx([0.0, 0.1, 0.2])
        assert len(hist["edges_ms"]) <= 81
        for row in scenario["rows"]:
            points = series["rows"][row["label"]]
            assert set(points) == {"rps", "p50_ms", "p99_ms", "errors"}
            assert all(len(points[k]) == 10 for k in points)
            assert sum(points["rps"]) * series["interval_s"] == pytest.approx(row["count"], abs=1)
            assert sum(points["errors"]) == row["errors"] == 0
            assert any(v is not None and v > 0 for v in points["p50_ms"])
            assert all(
                p50 <= p99
                for p50, p99 in zip(points["p50_ms"], points["p99_ms"], strict=True)
                if p50 is not None
            )
            counts = hist["rows"][row["label"]]
            assert len(counts) == len(hist["edges_ms"]) - 1
            assert sum(counts) == row["count"]  # every request was answered
        assert len(series["rows"]) == len(scenario["rows"])
    assert len(doc["scenarios"][1]["rows"]) == 3  # multi-workspace: all, reads, writes

    # --plot: a timeline and a histogram per scenario, and a summary, all real PNG files
    names = sorted(p.name for p in charts.iterdir())
    assert names == sorted(
        [f"{s}-{kind}.png" for s in SCENARIOS for kind in ("timeline", "latency")] + ["summary.png"]
    )
    for name in names:
        _check_png(charts / name)
    height, width, *_ = _read_image(charts / "graphql-list-timeline.png")
    assert (width, height) == (1200, 650)

    # compare: this run against a copy that is twice as fast with half the tail and a few errors
    other = json.loads(run_json.read_text())
    for scenario in other["scenarios"]:
        for row in scenario["rows"]:
            row["rps"] *= 2
            row["p99_ms"] /= 2
    other["scenarios"][0]["rows"][0]["errors"] = 7
    other["settings"]["concurrency"] = 6
    b_json = tmp_path / "b.json"
    b_json.write_text(json.dumps(other))
    capsys.readouterr()
    assert main(["compare", str(run_json), str(b_json), "--plot", str(tmp_path / "cmp")]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith(f"a: {run_json} (")
    assert printed[1].startswith(f"b: {b_json} (")
    header = printed[3].split()
    assert header[:4] == ["scenario", "req/s", "a", "req/s"]
    rows = {line.split()[0]: line.split() for line in printed[5:] if line.startswith(("graphql", "multi"))}
    first = doc["scenarios"][0]["rows"][0]
    list_row = rows["graphql-list"]
    # scenario, req/s a, req/s b, b/a, p50 a, p50 b, b/a, p99 a, p99 b, b/a, errors a, errors b
    assert list_row[3] == "2.00"
    assert list_row[6] == "1.00"
    assert list_row[9] == "0.50"
    assert list_row[10:] == ["0", "7"]
    assert float(list_row[1].replace(",", "")) == pytest.approx(first["rps"], rel=0.01, abs=0.01)
    labels = [r["label"] for s in doc["scenarios"] for r in s["rows"]]
    for label, line in zip(labels, printed[5:], strict=False):
        assert line.startswith(f"{label} "), (label, line)
    assert any(line.startswith("Settings that differ: concurrency: 3 → 6") for line in printed)
    _check_png(tmp_path / "cmp" / "compare.png")
    _read_image(tmp_path / "cmp" / "compare.png")

    # plot: the same charts again from the saved run
    assert main(["plot", str(run_json), str(tmp_path / "again")]) == 0
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == names


def test_compare_refuses_a_file_that_is_not_a_run(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(SystemExit, match="not the JSON of a bench run"):
        main(["compare", str(bad), str(bad)])


@pytest.mark.parametrize("duration", [0.2, 0.5, 1, 3, 10, 45, 120, 121, 600, 3600, 86_400])
def test_sample_interval_keeps_the_series_bounded(duration: float) -> None:
    interval = sample_interval(duration)
    n = intervals(duration, interval)
    assert n <= MAX_POINTS
    assert n >= min(10, math.ceil(duration / 1.0))
    if 10 <= duration <= MAX_POINTS:
        assert interval == 1.0


def test_recorder_intervals_survive_merge_and_the_wire() -> None:
    window = Window(0.0, 10.0, 12.0)  # 2 s measured, 0.5 s intervals
    a, b = Recorder(window, 0.5), Recorder(window, 0.5)
    for i in range(40):  # 10 requests in each interval but the third, every 4th an error with an answer
        if not 20 <= i < 30:
            a.record("op", "rest", 500 if i % 4 == 0 else 200, b"", 0.001 * (i % 10 + 1), 10.01 + i * 0.05)
    b.record("op", "rest", -1, b"", 0.0, 11.9)  # a connection error: no latency
    b.record("op", "rest", 200, b"", 0.5, 99.0)  # after the window: the last interval
    b.error("op", "missed events", 3)  # now, long after the window: the last interval
    from bench.runner import recorder_from_wire, recorder_to_wire

    merged = Recorder(window, 0.5)
    merged.merge(a)
    merged.merge(recorder_from_wire(recorder_to_wire(b)))
    stats = merged.ops["op"]
    assert stats.count == 32
    assert stats.per == [10, 10, 0, 12]
    assert stats.errs == [3, 2, 0, 6]
    assert len(stats.at) == len(stats.latencies) == 31
    series = series_of([("op", stats)], 2.0, 0.5)
    assert series["t_s"] == [0.0, 0.5, 1.0, 1.5]
    row = series["rows"]["op"]
    assert row["rps"] == [20.0, 20.0, 0.0, 24.0]
    assert row["errors"] == [3, 2, 0, 6]
    assert row["p50_ms"][0] == pytest.approx(5.0)  # 1..10 ms: nearest-rank p50 is the 5th
    assert row["p99_ms"][0] == pytest.approx(10.0)
    assert row["p50_ms"][2] is None
    hist = histograms_of([("op", stats)])
    assert sum(hist["rows"]["op"]) == 31
    assert hist["edges_ms"][0] <= 1.0 <= hist["edges_ms"][1]  # the 1 ms sample's bin comes first
    assert hist["edges_ms"][-1] >= 500.0


def test_series_of_an_empty_op_is_all_zero() -> None:
    series = series_of([("op", OpStats())], 1.0, 0.1)
    assert series["rows"]["op"]["rps"] == [0.0] * 10
    assert histograms_of([("op", OpStats())]) == {"edges_ms": [], "rows": {"op": []}}


def test_run_bar_rate_and_terminal_only() -> None:
    rate = RunBar(None, warmup=1.0)
    assert rate.rate(0.5, 0) is None  # warm-up: nothing recorded yet
    assert rate.rate(1.5, 500) == pytest.approx(1000.0)
    assert rate.rate(2.0, 1000) == pytest.approx(1000.0)
    assert rate.rate(3.0, 1500) == pytest.approx(500.0)  # the last second only
    # off: nothing is drawn, and nothing needs checking by the caller
    assert not Bars(False).enabled
    off = Bars(False).run("x", 0.1, 1)
    off.update(0.5, 10)
    off.close()
    # on (here into a buffer): the run bar shows elapsed / total and the rate
    out = io.StringIO()
    bar = Bars(True, file=out).run("graphql-list", 1.0, 2.0)
    bar.update(0.5, 0)
    bar.update(2.0, 1234)
    bar.close()
    text = out.getvalue()
    assert "0.5/3.0 s, warm-up" in text
    assert "2.0/3.0 s, 1,234 req/s, 1,234 requests" in text
    # under pytest stderr is not a terminal: the command's bars are off even without --no-progress
    assert not sys.stderr.isatty()
    assert not Bars.for_terminal(no_progress=False).enabled
