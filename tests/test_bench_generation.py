"""A smoke run of benchmarks/bench_generation.py, so the benchmark cannot rot."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run() -> dict[str, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_generation.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=os.environ.copy(),
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    return {line["workload"]: line for line in lines}


def _slope(sizes: list[int], seconds: list[float]) -> float:
    xs, ys = [math.log(s) for s in sizes], [math.log(s) for s in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def test_the_quick_run_prints_a_collector_on_and_a_collector_off_line_per_workload() -> None:
    lines = _run()
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
            _slope(on["scaling_agreement_lines"], on["scaling_seconds"]), abs=0.01
        )
        assert on["scaling_exponent_collector_off"] == pytest.approx(
            _slope(on["scaling_agreement_lines"], on["scaling_seconds_collector_off"]), abs=0.01
        )
        assert on["scaling_seconds_collector_off"][-1] == pytest.approx(off["seconds"], rel=0.01)
        assert on["collector_time"]["young_collections"] > 0
        assert on["collector_time"]["full_seconds"] >= 0
        assert on["meets_target"] == (
            on["seconds"] < on["seconds_target"]
            and on["expansion_vs_relativedelta_loop"] >= on["expansion_ratio_target"]
            and on["scaling_exponent"] <= on["exponent_target"]
        )
