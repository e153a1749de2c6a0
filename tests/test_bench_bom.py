"""A smoke run of benchmarks/bench_bom.py, so the benchmark cannot rot."""

from __future__ import annotations

import pytest

from bench_runs import run_benchmark


def test_the_quick_run_times_as_of_against_the_naive_replay_and_agrees_with_it() -> None:
    lines = run_benchmark("bench_bom.py", "--quick")
    assert set(lines) == {
        "as_of",
        "as_of_collector_off",
        "as_of_after_each_change",
        "record_changes",
    }
    on, off = lines["as_of"], lines["as_of_collector_off"]
    assert (on["collector"], off["collector"]) == ("on", "off")
    assert on["quick"] is True
    assert on["changes"] == off["changes"] == lines["record_changes"]["changes"] == 2_000
    assert on["lines_ever"] > on["lines_now"] > 0
    assert on["mismatched_days"] == off["mismatched_days"] == 0
    for line in (on, off):
        assert line["ratio_to_naive_replay"] == pytest.approx(
            line["naive_replay_seconds_per_call"] / line["seconds_per_call"], rel=0.05
        )
    assert on["meets_target"] == (on["seconds_per_call"] < on["target_seconds_per_call"])
    assert "meets_target" not in off
    interleaved = lines["as_of_after_each_change"]
    assert interleaved["changes"] == 2_000 + interleaved["calls"]
    assert interleaved["ratio_to_naive_replay"] == pytest.approx(
        interleaved["naive_replay_seconds_per_call"] / interleaved["seconds_per_call"], rel=0.05
    )
    assert interleaved["meets_target"] == (
        interleaved["seconds_per_call"] < interleaved["target_seconds_per_call"]
    )
    recorded = lines["record_changes"]
    assert recorded["ratio_to_constructor"] == pytest.approx(
        recorded["constructor_seconds"] / recorded["seconds"], rel=0.05, abs=0.002
    )
