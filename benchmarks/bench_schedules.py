"""Benchmark of a schedule's dates through the public API, against pandas and a plain loop.

Run: ``python benchmarks/bench_schedules.py`` (``--quick`` for a smoke run). Prints one
JSON line per workload and exits non-zero when a target is missed (never in quick mode).

The month-end workload of issue 14: 10,000 monthly subscriptions drawn from a fixed seed,
anchors uniform over 2023-2025, a quarter of them on days 29-31 (clamped month ends:
Jan 31 -> Feb 29 -> Mar 31 -> Apr 30); for each, the start of every monthly period from
its anchor up to 2027-01-01 (exclusive). Each contender returns one list (or tuple) of
dates per subscription, and every result is kept until the timing ends; the garbage
collector is on (Python's default) in the first line, off in the second (labelled).

* ``ours``: ``Schedule.starts_for(MONTHLY, anchors, DateRange(first anchor, 2027-01-01))``,
  the public bulk API (the argument checks of every anchor included);
* ``pandas``: the pandas list recipe, vectorised over the anchors (the fastest pandas
  form we found): step ``k`` is ``DatetimeIndex(anchors) + pd.DateOffset(months=k)``
  for ``k`` up to the longest run, as ``datetime64[D]``, then per subscription the
  steps before ``until`` as a list of dates (``.tolist()``);
* ``pandas_date_range``: the common idiom, per subscription
  ``pd.date_range(anchor, until, freq=pd.DateOffset(months=1), inclusive="left")
  .date.tolist()`` (for reference). ``date_range`` chains the offset (Jan 31 -> Feb 29
  -> Mar 29), so its month ends drift. Each peer's dates are checked against ours and
  the mismatches reported, not hidden;
* ``naive``: a plain Python loop, per subscription ``anchor + k months`` with the day
  clamped (``calendar.monthrange``) while before ``until``.

For reference, the same line times the per-schedule public forms:
``[p.start for p in Schedule(MONTHLY, a).periods(DateRange(a, until))]`` and
``Schedule(MONTHLY, a).starts(DateRange(a, until))``.

Targets (same-run ratios of subscriptions per second, collector on): ours >= 1.5x the
pandas list recipe and >= 1.2x the naive loop.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from calendar import monthrange
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from servicedomain.periods import MONTHLY, DateRange, Schedule

SEED = 20230101
SUBSCRIPTIONS = 10_000
QUICK_SUBSCRIPTIONS = 500
UNTIL = date(2027, 1, 1)
REPEATS = 5
PANDAS_TARGET = 1.5
NAIVE_TARGET = 1.2

Starts = Sequence[Sequence[date]]


def start_date(rng: random.Random) -> date:
    """A start in 2023-2025: one in four on day 29, 30 or 31 of a month that has it."""
    if rng.random() < 0.25:
        day = rng.choice((29, 30, 31))
        while True:
            year, month = rng.randrange(2023, 2026), rng.randrange(1, 13)
            if monthrange(year, month)[1] >= day:
                return date(year, month, day)
    return date(rng.randrange(2023, 2026), rng.randrange(1, 13), rng.randrange(1, 29))


# ------------------------------------------------------------------------ contenders


def ours(anchors: Sequence[date]) -> Starts:
    return Schedule.starts_for(MONTHLY, anchors, DateRange(min(anchors), UNTIL))


def periods_recipe(anchors: Sequence[date]) -> Starts:
    return [
        [period.start for period in Schedule(MONTHLY, anchor).periods(DateRange(anchor, UNTIL))]
        for anchor in anchors
    ]


def starts_per_schedule(anchors: Sequence[date]) -> Starts:
    return [Schedule(MONTHLY, anchor).starts(DateRange(anchor, UNTIL)) for anchor in anchors]


MONTH = pd.DateOffset(months=1)
UNTIL_DAY = np.datetime64(UNTIL, "D")


def pandas_recipe(anchors: Sequence[date]) -> Starts:
    """Vectorised over the anchors: step ``k`` is ``anchors + DateOffset(months=k)``."""
    index = pd.DatetimeIndex(anchors)
    steps = (UNTIL.year - min(anchors).year) * 12 + UNTIL.month - min(anchors).month + 1
    grid = np.stack(
        [(index + pd.DateOffset(months=k)).values.astype("datetime64[D]") for k in range(steps)],
        axis=1,
    )
    keep = grid < UNTIL_DAY
    return [row[mask].tolist() for row, mask in zip(grid, keep, strict=True)]


def pandas_date_range(anchors: Sequence[date]) -> Starts:
    """The idiom: ``date_range`` with a one-month ``DateOffset``, per subscription."""
    return [
        pd.date_range(anchor, UNTIL, freq=MONTH, inclusive="left").date.tolist()
        for anchor in anchors
    ]


def add_months(anchor: date, count: int) -> date:
    """``anchor`` plus ``count`` months, the day clamped to the month's last day."""
    year, index = divmod(anchor.year * 12 + anchor.month - 1 + count, 12)
    day = anchor.day
    if day > 28:
        day = min(day, monthrange(year, index + 1)[1])
    return date(year, index + 1, day)


def naive(anchors: Sequence[date]) -> Starts:
    found = []
    for anchor in anchors:
        starts = []
        k = 0
        day = anchor
        while day < UNTIL:
            starts.append(day)
            k += 1
            day = add_months(anchor, k)
        found.append(starts)
    return found


# ------------------------------------------------------------------------ measurements


def timed(work: Callable[[], Starts], repeats: int, collector: bool) -> tuple[float, Starts]:
    """The best wall time of ``repeats`` runs, each result kept until its run is timed."""
    best = float("inf")
    result: Starts = []
    for _ in range(repeats):
        result = []
        gc.collect()
        if not collector:
            gc.disable()
        try:
            began = time.perf_counter()
            result = work()
            best = min(best, time.perf_counter() - began)
        finally:
            gc.enable()
    return best, result


def mismatches(expected: Starts, found: Starts) -> tuple[int, int]:
    """Subscriptions whose dates differ from ours, and dates that differ or are missing."""
    subscriptions = days = 0
    for mine, theirs in zip(expected, found, strict=True):
        if list(mine) != list(theirs):
            subscriptions += 1
            days += sum(a != b for a, b in zip(mine, theirs, strict=False))
            days += abs(len(mine) - len(theirs))
    return subscriptions, days


def measure(anchors: Sequence[date], repeats: int, collector: bool, quick: bool) -> dict[str, Any]:
    count = len(anchors)
    seconds: dict[str, float] = {}
    results: dict[str, Starts] = {}
    for name, work in (
        ("ours", ours),
        ("pandas", pandas_recipe),
        ("pandas_date_range", pandas_date_range),
        ("naive", naive),
        ("periods_recipe", periods_recipe),
        ("starts_per_schedule", starts_per_schedule),
    ):
        seconds[name], results[name] = timed(lambda w=work: w(anchors), repeats, collector)  # type: ignore[misc]
    mine = results["ours"]
    line: dict[str, Any] = {
        "workload": "month_end_starts" if collector else "month_end_starts_collector_off",
        "collector": "on" if collector else "off (for reference, not the target)",
        "operation": "Schedule.starts_for(MONTHLY, anchors, DateRange(first anchor, 2027-01-01))",
        "subscriptions": count,
        "on_days_29_31": sum(anchor.day >= 29 for anchor in anchors),
        "dates": sum(len(starts) for starts in mine),
        "repeats": repeats,
        "what": "best of the repeats; every result kept until its run is timed",
    }
    for name, spent in seconds.items():
        line[f"{name}_seconds"] = round(spent, 6)
        line[f"{name}_subscriptions_per_second"] = round(count / spent)
    for name in ("pandas", "pandas_date_range", "naive", "periods_recipe", "starts_per_schedule"):
        line[f"ratio_to_{name}"] = round(seconds[name] / seconds["ours"], 2)
        wrong, days = mismatches(mine, results[name])
        line[f"{name}_mismatched_subscriptions"] = wrong
        line[f"{name}_mismatched_dates"] = days
    if collector:
        line["target_ratio_to_pandas"] = PANDAS_TARGET
        line["target_ratio_to_naive"] = NAIVE_TARGET
        line["meets_target"] = (
            seconds["pandas"] / seconds["ours"] >= PANDAS_TARGET
            and seconds["naive"] / seconds["ours"] >= NAIVE_TARGET
        )
    line["quick"] = quick
    return line


# -------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer, once")
    parser.add_argument("--subscriptions", type=int, default=None)
    arguments = parser.parse_args()
    quick = bool(arguments.quick)
    count = arguments.subscriptions or (QUICK_SUBSCRIPTIONS if quick else SUBSCRIPTIONS)
    repeats = 1 if quick else REPEATS
    rng = random.Random(SEED)
    anchors = [start_date(rng) for _ in range(count)]
    on = measure(anchors, repeats, collector=True, quick=quick)
    print(json.dumps(on), flush=True)
    print(json.dumps(measure(anchors, repeats, collector=False, quick=quick)), flush=True)
    # The naive loop and the per-schedule public forms must agree with ours exactly.
    agreed = all(
        on[f"{name}_mismatched_subscriptions"] == 0
        for name in ("naive", "periods_recipe", "starts_per_schedule")
    )
    if not agreed:
        return 2
    return 0 if quick or on["meets_target"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
