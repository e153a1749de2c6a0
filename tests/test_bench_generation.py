"""A smoke run of benchmarks/bench_generation.py, so the benchmark cannot rot."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench_runs import log_slope, run_benchmark

ROOT = Path(__file__).resolve().parent.parent


def test_the_quick_run_prints_a_collector_on_and_a_collector_off_line_per_workload() -> None:
    lines = run_benchmark("bench_generation.py", "--quick")
    assert set(lines) == {"aligned", "aligned_collector_off", "spread", "spread_collector_off"}
    for shape in ("aligned", "spread"):
        on, off = lines[shape], lines[f"{shape}_collector_off"]
        assert on["collector"] == "on"
        assert off["collector"] == "off"
        assert on["quick"] is True
        assert "results kept" in on["what"]
        assert on["orders"] == off["orders"] > 0
        assert on["lines"] == off["lines"] == on["occurrences"]
        assert on["lines_per_second"] == pytest.approx(on["lines"] / on["seconds"], rel=0.01)
        assert on["collector_on_vs_off"] == pytest.approx(on["seconds"] / off["seconds"], rel=0.01)
        assert on["peak_tracemalloc_mib"] > 0
        assert on["collections"] >= 0
        assert on["scaling_agreement_lines"] == [20, 50, 100]
        assert on["scaling_seconds"][-1] == pytest.approx(on["seconds"], rel=0.01)
        # The exponent is computed in the script from its own timings.
        assert on["scaling_exponent"] == pytest.approx(
            log_slope(on["scaling_agreement_lines"], on["scaling_seconds"]), abs=0.01
        )
        assert on["scaling_exponent_collector_off"] == pytest.approx(
            log_slope(on["scaling_agreement_lines"], on["scaling_seconds_collector_off"]), abs=0.01
        )
        assert on["scaling_seconds_collector_off"][-1] == pytest.approx(off["seconds"], rel=0.01)
        assert on["collector_time"]["young_collections"] > 0
        # The object floor: the run's orders and lines as plain objects, same sizes.
        assert on["object_floor_exponent"] == pytest.approx(
            log_slope(on["scaling_agreement_lines"], on["object_floor_seconds"]), abs=0.01
        )
        assert on["ratio_to_object_floor"] == pytest.approx(
            on["seconds"] / on["object_floor_seconds"][-1], rel=0.01
        )
        assert on["collector_time"]["full_seconds"] >= 0
        assert on["meets_target"] == (
            on["seconds"] < on["seconds_target"]
            and on["expansion_vs_relativedelta_loop"] >= on["expansion_ratio_target"]
            and on["scaling_exponent"] <= on["exponent_target"]
        )
