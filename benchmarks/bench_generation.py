"""Benchmark of service order generation from agreements.

Run: ``python benchmarks/bench_generation.py``. Prints one JSON line per workload.

The workload of issue 4: 1,000 agreements x 10 lines (weekly, biweekly, monthly and
every-10-days intervals; one line in four with a week, month or +-days time window),
generated over one year. Two shapes:

* ``aligned``: every line starts with its agreement (agreements start on different
  days of 2025), the usual set-up;
* ``spread``: each line starts on its own day, so almost no two lines share a date and
  nearly every occurrence becomes an order of its own (a stress case: more than twice
  the orders; its line is printed against the same targets, but the exit status
  follows the ``aligned`` workload only).

Targets (2-core machine):

* the whole year, orders built, in under 5 seconds;
* expanding the occurrences (the part a hand-written loop does) at least 5 times
  faster than a plain loop that steps ``relativedelta`` from each line's start.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import TypeVar

from dateutil.relativedelta import relativedelta

from servicedomain.agreements import (
    AgreementGroup,
    Generation,
    GroupBy,
    IntervalUnit,
    NewAgreementLine,
    ServiceAgreement,
    ServiceInterval,
    TimeWindow,
    WindowKind,
    generate_service_orders,
)
from servicedomain.agreements._values import occurrence_ordinals
from servicedomain.money import Money
from servicedomain.orders import ServiceObject, ServiceTask, TransactionType
from servicedomain.periods import DateRange
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH

AT = datetime(2026, 1, 1, 6, tzinfo=UTC)
YEAR = DateRange(date(2026, 1, 1), date(2027, 1, 1))
INTERVALS = (
    ServiceInterval(IntervalUnit.WEEK, 1),
    ServiceInterval(IntervalUnit.WEEK, 2),
    ServiceInterval(IntervalUnit.MONTH, 1),
    ServiceInterval(IntervalUnit.DAY, 10),
)
STEPS = (
    relativedelta(weeks=1),
    relativedelta(weeks=2),
    relativedelta(months=1),
    relativedelta(days=10),
)
WINDOWS = (
    TimeWindow(WindowKind.WEEK),
    TimeWindow(WindowKind.MONTH),
    TimeWindow(WindowKind.DAYS, days_before=2, days_after=3),
)
KINDS = tuple(TransactionType)
SECONDS_TARGET = 5.0
_T = TypeVar("_T")
EXPANSION_RATIO_TARGET = 5.0


def agreements(shape: str) -> list[ServiceAgreement]:
    made = []
    for number in range(1_000):
        start = date(2025, 1 + number % 12, 1 + number % 28)
        lines = [
            NewAgreementLine(
                transaction_type=KINDS[index % 4],
                description=f"line {index}",
                quantity=Decimal("1.5"),
                unit="h",
                cost_price=Money(Decimal("40.00"), "EUR"),
                sales_price=Money(Decimal("85.00"), "EUR"),
                worker_id=f"W-{index % 3}",
                service_object_id=f"O-{index % 3}",
                service_task_id=f"T-{index % 2}",
                interval=INTERVALS[index % 4],
                time_window=WINDOWS[(number + index) % 3] if index % 4 == number % 4 else None,
                start_date=start
                if shape == "aligned"
                else date(2025, 1 + (number + index) % 12, 1 + (number * 7 + index * 3) % 28),
            )
            for index in range(10)
        ]
        agreement, _ = ServiceAgreement.create(
            id=f"AG-{number:04d}",
            customer_id=f"C-{number}",
            group=AgreementGroup("G"),
            start_date=date(2025, 1, 1),
            at=AT,
            group_by=GroupBy.AGREEMENT,
            service_objects=tuple(ServiceObject(f"O-{i}") for i in range(3)),
            service_tasks=tuple(ServiceTask(f"T-{i}") for i in range(2)),
            lines=lines,
        )
        made.append(agreement)
    return made


def relativedelta_loop(all_agreements: list[ServiceAgreement]) -> int:
    """The plain loop: step relativedelta from each line's start, keep the year's dates."""
    found = 0
    for agreement in all_agreements:
        for line in agreement.lines:
            step = STEPS[INTERVALS.index(line.interval)] if line.interval else None
            k = 0
            while True:
                day = line.start_date + step * k if step else line.start_date
                if day >= YEAR.end:
                    break
                if day >= YEAR.start:
                    found += 1
                if step is None:
                    break
                k += 1
    return found


def our_expansion(all_agreements: list[ServiceAgreement]) -> int:
    low, high = YEAR.start.toordinal(), YEAR.end.toordinal()
    return sum(
        len(occurrence_ordinals(line.interval, line.start_date, low, high))
        for agreement in all_agreements
        for line in agreement.lines
    )


def timed(work: Callable[[], _T]) -> tuple[float, _T]:
    gc.collect()
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def generate(all_agreements: list[ServiceAgreement]) -> Generation:
    return generate_service_orders(
        all_agreements, GRAPH, period=YEAR, types=set(TransactionType), at=AT
    )


def main() -> int:
    ok = True
    for shape in ("aligned", "spread"):
        all_agreements = agreements(shape)
        loop_seconds, loop_count = timed(partial(relativedelta_loop, all_agreements))
        ours_seconds, ours_count = timed(partial(our_expansion, all_agreements))
        assert loop_count == ours_count, (loop_count, ours_count)
        ratio = loop_seconds / ours_seconds
        seconds, run = timed(partial(generate, all_agreements))
        orders, lines = len(run.orders), run.lines_count
        del run
        meets = seconds < SECONDS_TARGET and ratio >= EXPANSION_RATIO_TARGET
        if shape == "aligned":  # the workload; "spread" is reported as a stress case
            ok = ok and meets
        print(
            json.dumps(
                {
                    "workload": f"generate one year, 1000 agreements x 10 lines ({shape})",
                    "orders": orders,
                    "lines": lines,
                    "seconds": round(seconds, 3),
                    "orders_per_second": round(orders / seconds),
                    "lines_per_second": round(lines / seconds),
                    "seconds_target": SECONDS_TARGET,
                    "occurrences": ours_count,
                    "expansion_vs_relativedelta_loop": round(ratio, 1),
                    "expansion_ratio_target": EXPANSION_RATIO_TARGET,
                    "meets_target": meets,
                }
            )
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
