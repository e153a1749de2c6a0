"""Benchmarks of the foundation's hot paths: allocation, money sums, period stepping.

Run: ``python benchmarks/bench_foundation.py``. Prints one JSON line per workload with the
operations per second and the target it must meet on a 2-core machine. Billing builds
proration and accruals on ``allocate`` and fee generation on ``Schedule``, so these are
the floors everything above them stands on.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from servicedomain import MONTHLY, Money, Schedule, allocate


def measure(name: str, operations: int, target_per_second: float, work: Callable[[], None]) -> bool:
    """Time ``work`` (which performs ``operations`` operations) and print one JSON line."""
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    rate = operations / seconds
    ok = rate >= target_per_second
    print(
        json.dumps(
            {
                "workload": name,
                "operations": operations,
                "seconds": round(seconds, 4),
                "per_second": round(rate),
                "target_per_second": target_per_second,
                "meets_target": ok,
            }
        )
    )
    return ok


def main() -> int:
    rng = random.Random(7)
    totals = [Money.from_minor_units(rng.randint(-(10**9), 10**9), "EUR") for _ in range(100_000)]
    weights3 = [1, 1, 1]
    weights12 = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    def allocate3() -> None:
        for total in totals:
            allocate(total, weights3)

    def allocate12() -> None:
        for total in totals[:20_000]:
            allocate(total, weights12)

    amounts = [Money(Decimal(rng.randint(0, 10**6)) / 100, "EUR") for _ in range(200_000)]

    def total() -> None:
        Money.total(amounts, "EUR")

    schedule = Schedule(MONTHLY, date(2024, 1, 31))
    days = [date(2024, 1, 31) + timedelta(days=rng.randint(0, 20 * 365)) for _ in range(100_000)]

    def index_of() -> None:
        for day in days:
            schedule.period_containing(day)

    def periods() -> None:
        for k in range(100_000):
            schedule.period(k % 2400)

    results = [
        measure("allocate 3 parts", len(totals), 100_000, allocate3),
        measure("allocate 12 parts", 20_000, 30_000, allocate12),
        measure("Money.total", len(amounts), 500_000, total),
        measure("Schedule.period_containing (monthly)", len(days), 100_000, index_of),
        measure("Schedule.period (monthly)", 100_000, 100_000, periods),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
