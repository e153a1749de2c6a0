"""A smoke run of benchmarks/bench_persistence.py, so the benchmark cannot rot."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bench_runs import run_benchmark

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIPTIONS, BATCH = 120, 40


def _check_store_line(line: dict[str, Any]) -> None:
    assert line["subscriptions"] == SUBSCRIPTIONS
    assert line["batch_subscriptions"] == BATCH
    assert line["rows"] == line["fees"] + SUBSCRIPTIONS
    assert line["fees"] > 5 * SUBSCRIPTIONS  # about 12.5 monthly fees each
    # The ratios are of the unrounded seconds.
    assert line["ratio"] == pytest.approx(line["seconds"] / line["executemany_seconds"], rel=0.05)
    assert line["meets_target"] == (line["ratio"] <= line["target_ratio"])
    assert "outside the timed part" in line["what"]
    assert line["quick"] is True


def test_the_quick_run_prints_one_line_per_workload_with_its_same_run_ratios() -> None:
    lines = run_benchmark(
        "bench_persistence.py",
        "--quick",
        "--subscriptions",
        str(SUBSCRIPTIONS),
        "--batch",
        str(BATCH),
    )
    assert set(lines) == {"store_sqlite", "store_postgresql", "memory"}
    _check_store_line(lines["store_sqlite"])
    on_postgresql = lines["store_postgresql"]
    if "PGHOST" in os.environ:
        _check_store_line(on_postgresql)
        assert on_postgresql["fees"] == lines["store_sqlite"]["fees"]
        assert on_postgresql["ratio_to_copy"] == pytest.approx(
            on_postgresql["seconds"] / on_postgresql["copy_seconds"], rel=0.05
        )
    else:
        assert "skipped" in on_postgresql
    checkpoints = lines["memory"]["checkpoints"]
    assert [point["at"] for point in checkpoints] == [12, 60, 120]
    assert [point["subscriptions"] for point in checkpoints] == [40, 80, 120]
    assert all(point["peak_rss_mib"] > 0 for point in checkpoints)
