"""A smoke run of benchmarks/bench_suggestions.py, so the benchmark cannot rot."""

from __future__ import annotations

import pytest

from bench_runs import run_benchmark

LINES = 2_000


def test_the_quick_run_prints_one_line_per_workload_and_agrees_with_the_naive_peer() -> None:
    lines = run_benchmark("bench_suggestions.py", "--quick", "--lines", str(LINES))
    assert set(lines) == {"suggest_resolutions", "suggest_resolutions_one_area"}
    for line in lines.values():
        assert line["lines"] == LINES
        assert line["quick"] is True
        assert line["collector"] == "on"
        assert line["agrees"] is True
        assert line["suggestions"] > 10
        assert line["ratio_to_naive"] == pytest.approx(
            line["naive_seconds"] / line["ours_seconds"], rel=0.05, abs=0.01
        )
        assert line["meets_target"] == (line["ours_seconds"] < line["target_seconds"])
    assert lines["suggest_resolutions_one_area"]["lines_in_area"] == LINES
    assert 0 < lines["suggest_resolutions"]["lines_in_area"] < LINES
