"""Benchmark of service order generation from agreements, as users run it.

Run: ``python benchmarks/bench_generation.py`` (``--quick`` for a smoke run on a few
agreements). Prints one JSON line per workload and collector setting.

The workload of issue 4: 1,000 agreements x 10 lines (weekly, biweekly, monthly and
every-10-days intervals; one line in four with a week, month or +-days time window),
generated over one year. Two shapes:

* ``aligned``: every line starts with its agreement (agreements start on different
  days of 2025), the usual set-up;
* ``spread``: each line starts on its own day, so almost no two lines share a date and
  nearly every occurrence becomes an order of its own (a stress case: more than twice
  the orders; its line is printed against the same targets, but the exit status
  follows the ``aligned`` workload only).

What users get (issue 14): the garbage collector stays on (Python's default) and the
run's results are kept until the timing ends. A second line per workload, labelled
``"collector": "off"``, is the same run with the collector off, for comparison. Each
line has the items (orders and order lines) per second, the same-run ratio of the
occurrence expansion to its reference (a plain ``relativedelta`` loop), the peak
memory of the kept run (tracemalloc, measured in a separate untimed run), and the
scaling exponent: the slope of log(seconds) over log(agreement lines) from 100, 1,000
and 10,000 agreement lines, computed here (and, labelled, the same with the collector
off). ``collector_time`` is the young and full collections of one more run of the main
workload and their seconds (``benchmarks/_collector.py``): where the collector-on time
goes. The object floor (``object_floor_*``, no target) keeps the run's orders and lines
as plain slotted objects of the same sizes, with the collector on: what keeping that
many objects costs before any domain work, and how it scales.

Targets (2-core machine):

* the whole year, orders built, in under 5 seconds, collector on, results kept;
* expanding the occurrences (the part a hand-written loop does) at least 5 times
  faster than a plain loop that steps ``relativedelta`` from each line's start;
* scaling exponent at most 1.05 (collector on, results kept).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import TypeVar

from _collector import CollectorTime
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
from servicedomain.orders import ServiceTask, TransactionType
from servicedomain.periods import DateRange
from servicedomain.repairs import RelationKind, ServiceObjectRelation
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
EXPONENT_TARGET = 1.05
LINES_PER_AGREEMENT = 10
# Best of: the smaller sizes of the scaling fit run 3 times, the main size twice.
SMALL_REPEATS, MAIN_REPEATS = 3, 2


def agreements(shape: str, count: int = 1_000) -> list[ServiceAgreement]:
    made = []
    for number in range(count):
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
            for index in range(LINES_PER_AGREEMENT)
        ]
        agreement, _ = ServiceAgreement.create(
            id=f"AG-{number:04d}",
            customer_id=f"C-{number}",
            group=AgreementGroup("G"),
            start_date=date(2025, 1, 1),
            at=AT,
            group_by=GroupBy.AGREEMENT,
            object_relations=tuple(
                ServiceObjectRelation(
                    f"R-{number}-{i}", f"O-{i}", RelationKind.AGREEMENT, f"AG-{number:04d}"
                )
                for i in range(3)
            ),
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


def generate(all_agreements: list[ServiceAgreement]) -> Generation:
    return generate_service_orders(
        all_agreements, GRAPH, period=YEAR, types=set(TransactionType), at=AT
    )


class FloorLine:
    """The cheapest object Python has for an order line: twenty plain slots."""

    __slots__ = tuple(f"f{number}" for number in range(20))

    def __init__(self, value: object) -> None:
        self.f0 = self.f1 = self.f2 = self.f3 = self.f4 = self.f5 = self.f6 = value
        self.f7 = self.f8 = self.f9 = self.f10 = self.f11 = self.f12 = self.f13 = value
        self.f14 = self.f15 = self.f16 = self.f17 = self.f18 = self.f19 = value


class FloorOrder:
    """The cheapest object Python has for an order: twenty-three plain slots."""

    __slots__ = tuple(f"f{number}" for number in range(23))

    def __init__(self, lines: tuple[FloorLine, ...]) -> None:
        self.f0 = lines
        self.f1 = self.f2 = self.f3 = self.f4 = self.f5 = self.f6 = self.f7 = None
        self.f8 = self.f9 = self.f10 = self.f11 = self.f12 = self.f13 = self.f14 = None
        self.f15 = self.f16 = self.f17 = self.f18 = self.f19 = self.f20 = self.f21 = None
        self.f22 = None


def object_floor(line_counts: list[int]) -> list[FloorOrder]:
    """The orders of a run as plain objects: what keeping them costs, before any domain work.

    ``line_counts`` is the number of lines of each order of the run (from a generation);
    each order keeps a tuple of its lines, as a generated order does.
    """
    return [FloorOrder(tuple(FloorLine(count) for _ in range(count))) for count in line_counts]


def floor_seconds(all_agreements: list[ServiceAgreement], *, repeats: int) -> float:
    """The best collector-on seconds of :func:`object_floor` on this run's shape."""
    shape = [len(order.lines) for order in generate(all_agreements).orders]
    best = math.inf
    for _ in range(repeats):
        seconds, kept = timed(partial(object_floor, shape))
        best = min(best, seconds)
        del kept
    return best


def collections() -> int:
    """How many collections the garbage collector has run, all generations."""
    return sum(stats["collections"] for stats in gc.get_stats())


def timed(work: Callable[[], _T], *, collector: bool = True) -> tuple[float, _T]:
    """Seconds of ``work()`` and its result, which is kept (alive) until the clock stops."""
    seconds, result, _ = counted(work, collector=collector)
    return seconds, result


def counted(work: Callable[[], _T], *, collector: bool = True) -> tuple[float, _T, int]:
    """:func:`timed`, with the number of collections the run caused."""
    gc.collect()
    if not collector:
        gc.disable()
    try:
        before = collections()
        start = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - start
        ran = collections() - before
    finally:
        gc.enable()
    return seconds, result, ran


def best_generation(
    all_agreements: list[ServiceAgreement], *, collector: bool, repeats: int
) -> tuple[float, int, int, int]:
    """The best seconds of ``repeats`` kept runs, the run's orders, order lines, collections."""
    best, orders, lines, ran = math.inf, 0, 0, 0
    for _ in range(repeats):
        seconds, run, ran = counted(partial(generate, all_agreements), collector=collector)
        best = min(best, seconds)
        orders, lines = len(run.orders), run.lines_count
        del run
    return best, orders, lines, ran


def peak_bytes(all_agreements: list[ServiceAgreement]) -> int:
    """The tracemalloc peak of one generation run whose result is kept (untimed)."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        run = generate(all_agreements)
        peak = tracemalloc.get_traced_memory()[1] - base
        del run
    finally:
        tracemalloc.stop()
    return peak


def exponent(points: list[tuple[int, float]]) -> float:
    """The least-squares slope of log(seconds) over log(size)."""
    xs = [math.log(size) for size, _ in points]
    ys = [math.log(seconds) for _, seconds in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run on a few agreements")
    quick = parser.parse_args(argv).quick
    # Agreements (of 10 lines) per size; the largest is the main workload.
    sizes = (2, 5, 10) if quick else (10, 100, 1_000)
    ok = True
    for shape in ("aligned", "spread"):
        all_agreements = agreements(shape, sizes[-1])
        loop_seconds, loop_count = timed(partial(relativedelta_loop, all_agreements))
        ours_seconds, ours_count = timed(partial(our_expansion, all_agreements))
        assert loop_count == ours_count, (loop_count, ours_count)
        ratio = loop_seconds / ours_seconds
        points, off_points, floor_points = [], [], []
        for size in sizes[:-1]:
            small = agreements(shape, size)
            seconds = best_generation(small, collector=True, repeats=SMALL_REPEATS)[0]
            points.append((size * LINES_PER_AGREEMENT, seconds))
            seconds = best_generation(small, collector=False, repeats=SMALL_REPEATS)[0]
            off_points.append((size * LINES_PER_AGREEMENT, seconds))
            floor_points.append(
                (size * LINES_PER_AGREEMENT, floor_seconds(small, repeats=SMALL_REPEATS))
            )
        seconds, orders, lines, ran = best_generation(
            all_agreements, collector=True, repeats=MAIN_REPEATS
        )
        points.append((sizes[-1] * LINES_PER_AGREEMENT, seconds))
        slope = exponent(points)
        off_seconds, *_ = best_generation(all_agreements, collector=False, repeats=MAIN_REPEATS)
        off_points.append((sizes[-1] * LINES_PER_AGREEMENT, off_seconds))
        floor_points.append(
            (sizes[-1] * LINES_PER_AGREEMENT, floor_seconds(all_agreements, repeats=MAIN_REPEATS))
        )
        gc.collect()
        with CollectorTime() as spent:  # where the collector-on time goes (untimed run)
            run = generate(all_agreements)
        del run
        peak = peak_bytes(all_agreements)
        meets = (
            seconds < SECONDS_TARGET
            and ratio >= EXPANSION_RATIO_TARGET
            and slope <= EXPONENT_TARGET
        )
        if shape == "aligned":  # the workload; "spread" is reported as a stress case
            ok = ok and meets
        workload = f"generate one year, {sizes[-1]} agreements x {LINES_PER_AGREEMENT} lines"
        common = {
            "quick": quick,
            "orders": orders,
            "lines": lines,
            "occurrences": ours_count,
            "expansion_vs_relativedelta_loop": round(ratio, 2),
            "expansion_ratio_target": EXPANSION_RATIO_TARGET,
        }
        print(
            json.dumps(
                {
                    "workload": shape,
                    "what": f"{workload} ({shape}), collector on, results kept",
                    "collector": "on",
                    **common,
                    "seconds": round(seconds, 6),
                    "orders_per_second": round(orders / seconds),
                    "lines_per_second": round(lines / seconds),
                    "seconds_target": SECONDS_TARGET,
                    "collector_on_vs_off": round(seconds / off_seconds, 3),
                    "collections": ran,
                    "collector_time": spent.report(),
                    "peak_tracemalloc_mib": round(peak / 2**20, 2),
                    "peak_bytes_per_line": round(peak / lines) if lines else None,
                    "scaling_agreement_lines": [size for size, _ in points],
                    "scaling_seconds": [round(s, 6) for _, s in points],
                    "scaling_exponent": round(slope, 3),
                    "scaling_seconds_collector_off": [round(s, 6) for _, s in off_points],
                    "scaling_exponent_collector_off": round(exponent(off_points), 3),
                    "object_floor_seconds": [round(s, 6) for _, s in floor_points],
                    "object_floor_exponent": round(exponent(floor_points), 3),
                    "ratio_to_object_floor": round(seconds / floor_points[-1][1], 2),
                    "exponent_target": EXPONENT_TARGET,
                    "meets_target": meets,
                }
            )
        )
        print(
            json.dumps(
                {
                    "workload": f"{shape}_collector_off",
                    "what": f"{workload} ({shape}), collector OFF (for comparison), results kept",
                    "collector": "off",
                    **common,
                    "seconds": round(off_seconds, 6),
                    "orders_per_second": round(orders / off_seconds),
                    "lines_per_second": round(lines / off_seconds),
                }
            )
        )
    return 0 if ok or quick else 1


if __name__ == "__main__":
    raise SystemExit(main())
