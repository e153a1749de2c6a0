"""A smoke run of benchmarks/bench_schedules.py, so the benchmark cannot rot."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench_runs import run_benchmark

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIPTIONS = 200
PEERS = ("pandas", "pandas_date_range", "naive", "periods_recipe", "starts_per_schedule")


def test_the_quick_run_prints_the_same_run_ratios_and_checks_every_peers_dates() -> None:
    lines = run_benchmark("bench_schedules.py", "--quick", "--subscriptions", str(SUBSCRIPTIONS))
    assert set(lines) == {"month_end_starts", "month_end_starts_collector_off"}
    on = lines["month_end_starts"]
    assert on["collector"] == "on"
    assert on["subscriptions"] == SUBSCRIPTIONS
    assert on["quick"] is True
    assert 0 < on["on_days_29_31"] < SUBSCRIPTIONS
    assert on["dates"] > 20 * SUBSCRIPTIONS  # 2023-2025 anchors, starts up to 2027
    for name in PEERS:
        assert on[f"ratio_to_{name}"] == pytest.approx(
            on[f"{name}_seconds"] / on["ours_seconds"], rel=0.05, abs=0.01
        )
    # The correct peers agree with ours date for date; the chained idiom drifts.
    for name in ("pandas", "naive", "periods_recipe", "starts_per_schedule"):
        assert on[f"{name}_mismatched_subscriptions"] == 0
    assert on["pandas_date_range_mismatched_subscriptions"] > 0
    assert on["meets_target"] == (
        on["ratio_to_pandas"] >= on["target_ratio_to_pandas"]
        and on["ratio_to_naive"] >= on["target_ratio_to_naive"]
    )
    assert "meets_target" not in lines["month_end_starts_collector_off"]
