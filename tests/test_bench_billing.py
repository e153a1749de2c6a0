"""A smoke run of benchmarks/bench_billing.py, so the benchmark cannot rot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench_runs import log_slope, run_benchmark

ROOT = Path(__file__).resolve().parent.parent


def _slope(points: list[dict[str, Any]], key: str = "seconds") -> float:
    return log_slope([point["subscriptions"] for point in points], [point[key] for point in points])


def test_the_quick_run_prints_one_line_per_workload_with_its_same_run_ratios() -> None:
    lines = run_benchmark("bench_billing.py", "--quick")
    assert set(lines) == {
        "generate",
        "generate_gc_off",
        "generate_scaling",
        "generate_memory",
        "generate_run",
        "invoice",
        "accrue",
    }
    assert all(line["quick"] is True for line in lines.values())
    generate = lines["generate"]
    assert generate["collector"] == "on"
    assert generate["results"] == "kept"
    assert generate["fees"] > 20 * generate["subscriptions"]  # about 30 monthly fees each
    assert generate["ratio"] == pytest.approx(
        generate["seconds"] / generate["minimal_loop_seconds"], rel=0.05
    )
    assert generate["meets_target"] == (generate["ratio"] <= generate["target"])
    off = lines["generate_gc_off"]
    assert off["collector"] == "off"
    assert off["fees"] == generate["fees"]
    scaling = lines["generate_scaling"]
    assert [point["subscriptions"] for point in scaling["points"]] == [100, 300, 1_000]
    assert scaling["exponent"] == pytest.approx(_slope(scaling["points"]), abs=0.01)
    assert scaling["meets_target"] == (scaling["exponent"] <= scaling["target"])
    assert scaling["exponent_collector_off"] == pytest.approx(
        _slope(scaling["points"], "collector_off_seconds"), abs=0.01
    )
    # The collector's share of each run: young collections ran (and took time).
    for spent in (
        generate["collector_time"],
        *(point["collector_time"] for point in scaling["points"]),
    ):
        assert spent["young_collections"] > 0
        assert spent["young_seconds"] > 0
        assert spent["full_seconds"] >= 0
    assert generate["minimal_loop_collector_time"]["young_collections"] > 0
    # The object floor: the minimal loop keeping an object per fee, in the same run.
    assert generate["object_floor_ratio"] == pytest.approx(
        generate["object_floor_seconds"] / generate["minimal_loop_seconds"], rel=0.05
    )
    assert generate["ratio_to_object_floor"] == pytest.approx(
        generate["seconds"] / generate["object_floor_seconds"], rel=0.05
    )
    assert scaling["object_floor_exponent"] == pytest.approx(
        _slope(scaling["points"], "object_floor_seconds"), abs=0.01
    )
    memory = lines["generate_memory"]
    assert memory["fees"] == generate["fees"]
    assert memory["peak_mib"] >= memory["kept_mib"] > 0
    assert memory["bytes_per_fee"] == pytest.approx(
        memory["kept_mib"] * 2**20 / memory["fees"], rel=0.05
    )
    assert memory["meets_target"] == (memory["bytes_per_fee"] <= memory["target"])
    assert lines["generate_run"]["fees"] == generate["fees"]
