"""A smoke run of benchmarks/bench_dispatch.py, so the benchmark cannot rot."""

from __future__ import annotations

import pytest

from bench_runs import run_benchmark


def test_the_quick_run_prints_one_line_per_workload_and_agrees_with_the_naive_loop() -> None:
    lines = run_benchmark("bench_dispatch.py", "--quick")
    check_the_optimiser_line(lines.pop("optimise_dispatch"))
    assert set(lines) == {"auto_dispatch", "availability", "candidates"}
    for line in lines.values():
        assert line["quick"] is True
        assert line["collector"] == "on"
        assert line["agrees"] is True
        assert line["technicians"] == 10
        assert line["ratio_to_naive"] == pytest.approx(
            line["naive_seconds"] / line["ours_seconds"], rel=0.05, abs=0.01
        )
    placed = lines["auto_dispatch"]
    assert placed["requirements"] == 60
    assert placed["proposed"] + placed["unplaced"] == 60
    assert placed["proposed"] > 40
    assert lines["candidates"]["candidates"] > 0


def check_the_optimiser_line(line: dict[str, object]) -> None:
    """The optimiser's quick line: small, within its limit, never worse than the greedy."""
    assert line["quick"] is True
    assert (line["technicians"], line["requirements"]) == (4, 16)
    assert line["status"] in ("OPTIMAL", "FEASIBLE", "UNKNOWN")  # UNKNOWN: the greedy plan
    assert isinstance(line["optimiser_objective"], int)
    assert isinstance(line["greedy_objective"], int)
    assert line["optimiser_objective"] <= line["greedy_objective"]
    assert line["agrees"] is True
    assert isinstance(line["optimiser_seconds"], float)
    assert line["optimiser_seconds"] < 30
