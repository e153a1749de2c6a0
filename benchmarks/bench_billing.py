"""Benchmark of subscription billing: fee generation, invoicing and revenue accrual.

Run: ``python benchmarks/bench_billing.py`` (``--quick`` for a smoke run on smaller
sizes, which never fails on the targets). Prints one JSON line per workload and exits
non-zero when a target is missed.

What users get: every timing runs with the garbage collector **on** (Python's default)
and **keeps** its results (the fees stay alive until the step is timed), both for
generation and for its reference, the minimal loop. A second line, labelled
``collector: off``, repeats the generation step with the collector off, for
comparison only.

The workload of issue 6: 10,000 monthly subscriptions (anchored, billed in advance) of
1,000 customers, drawn from a fixed seed: start dates uniform over 2023-2025, a quarter
of them on days 29-31 (clamped month ends: Jan 31 -> Feb 28/29 -> Mar 31); prices from
a :class:`~servicedomain.billing.PriceTable` of three levels, each with two effective
dates (project; project + category; one subscription in ten its own); generated
through 2027-01-01 (catch-up as of 2026-12-31, about 300,000 fees). Steps, each in fees
(or periods) per second:

* ``generate``: pure generation, ``generate_fees(sub, (), prices, as_of=2026-12-31,
  pool=pool)`` for every subscription (one ``DateRangePool`` for the run, as
  ``BillingDesk`` passes it), the fees kept as returned (a list of the tuples), best of
  ``REPEATS``, collector on;
  ``generate_gc_off``: the same with the collector off (labelled, no target);
* ``generate_scaling``: the same step at 1,000, 10,000 and 100,000 subscriptions
  (``SCALING_SIZES``); the scaling exponent is the least-squares slope of log(seconds)
  on log(subscriptions);
* ``generate_memory``: the 10,000 subscriptions under :mod:`tracemalloc`: the peak
  and the bytes still allocated per kept fee;
* ``generate_run``: :meth:`BillingDesk.generate_fees
  <servicedomain.app.BillingDesk.generate_fees>` over an
  :class:`~servicedomain.adapters.indexed_memory.IndexedUnitOfWork`, the store
  included, in one run (for reference);
* ``invoice`` and ``accrue``: the monthly cycle on the 1st of each month from 2023-02-01
  through 2027-01-01 (48 months): ``BillingDesk.invoice_customers`` (``due_by`` that day;
  two groups accruing revenue monthly, equal parts and per day, half the subscriptions
  each), then ``BillingDesk.accrue_revenue`` through the day before (inclusive) into an
  ``IndexedJournal[AccrualEntry]``. Each step is timed on its own: fees invoiced per
  second, accrual periods posted per second. They run on the subscriptions of the first
  ``SERVICE_CUSTOMERS`` customers (all of them; the JSON lines say how many). Accrual
  periods are counted from the subscription's anchor, so each monthly fee is one
  accrual period (a Jan 31 subscription's Feb 28-Mar 30 fee included): every fee
  invoiced gets one period, and all are posted but those of the last month's fees,
  which end after 2027-01-01 (``periods_open``).

Targets (2-core machine), measured in the same run: step ``generate`` within
``RATIO_TARGET`` (2) times a minimal loop doing only the unavoidable work and keeping
its results, with the collector on as well: for every subscription the anchored period
starts (a month-add from the anchor with the day clamped), and per fee one Decimal
multiplication and quantize (price x 1 to 0.01), kept as a ``(start, amount)`` tuple;
a scaling exponent of at most ``EXPONENT_TARGET`` (1.05); at most
``BYTES_PER_FEE_TARGET`` (160) bytes per kept fee.

The object floor (``object_floor_*``, no target): the minimal loop keeping one plain
twelve-slot object per fee instead of a tuple, the cheapest way Python has to return an
object per fee. CPython's collector stops tracking tuples of dates and decimals but
walks every kept object at each full collection, so the floor's own ratio and exponent
show what keeping objects costs before any domain work: generation is measured against
both.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import time
import tracemalloc
from calendar import monthrange
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from _collector import CollectorTime

from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.indexed_memory import IndexedJournal, IndexedStore, IndexedUnitOfWork
from servicedomain.app import BillingDesk
from servicedomain.billing import (
    AccrualEntry,
    AccrualMethod,
    FeeTransaction,
    PriceEntry,
    PriceTable,
    Subscription,
    SubscriptionGroup,
    generate_fees,
)
from servicedomain.money import Money
from servicedomain.periods import MONTHLY, DateRangePool

SEED = 20230101
ONE_DAY = timedelta(days=1)
COUNT = 10_000
CUSTOMERS = 1_000
PROJECTS = 40
CATEGORIES = ("FEE", "SUPPORT", "HOSTING", "LICENCE")
AS_OF = date(2026, 12, 31)
REPEATS = 3
RATIO_TARGET = 2.0
EXPONENT_TARGET = 1.05
BYTES_PER_FEE_TARGET = 160
SCALING_SIZES = (1_000, 10_000, 100_000)
QUICK_COUNT = 300
QUICK_SCALING_SIZES = (100, 300, 1_000)
# Invoicing and accrual run on the subscriptions of this many customers (of CUSTOMERS).
SERVICE_CUSTOMERS = CUSTOMERS
GROUPS = {
    "M-EQUAL": SubscriptionGroup(
        id="M-EQUAL",
        invoicing_period_code=MONTHLY,
        accrual_period_code=MONTHLY,
        accrue_revenue=True,
    ),
    "M-DAY": SubscriptionGroup(
        id="M-DAY",
        invoicing_period_code=MONTHLY,
        accrual_period_code=MONTHLY,
        accrue_revenue=True,
        accrual_method=AccrualMethod.PER_DAY,
    ),
}
# The 1st of each month, 2023-02-01 through 2027-01-01: invoicing and accrual days.
DUE_DATES = [date(2023 + (index + 1) // 12, (index + 1) % 12 + 1, 1) for index in range(48)]
ONE = Decimal(1)
CENT = Decimal("0.01")
_T = TypeVar("_T")

CLOCK = FixedClock(datetime(2027, 1, 1, 6, 0, tzinfo=UTC))
"""The clock of the desk (the events it collects carry its instant)."""


# ------------------------------------------------------------------------ the workload


def start_date(rng: random.Random) -> date:
    """A start in 2023-2025: one in four on day 29, 30 or 31 of a month that has it."""
    if rng.random() < 0.25:
        day = rng.choice((29, 30, 31))
        while True:
            year, month = rng.randrange(2023, 2026), rng.randrange(1, 13)
            if monthrange(year, month)[1] >= day:
                return date(year, month, day)
    return date(rng.randrange(2023, 2026), rng.randrange(1, 13), rng.randrange(1, 29))


def subscriptions(rng: random.Random, count: int = COUNT) -> list[Subscription]:
    return [
        Subscription(
            id=f"S-{number:05d}",
            group_id="M-EQUAL" if number % 2 else "M-DAY",
            customer_id=f"C-{number % CUSTOMERS:04d}",
            project_id=f"P-{rng.randrange(PROJECTS):02d}",
            category_id=rng.choice(CATEGORIES),
            period_code=MONTHLY,
            base_price=Money(Decimal(rng.randrange(2_000, 50_000)).scaleb(-2), "EUR"),
            start_date=start_date(rng),
        )
        for number in range(count)
    ]


def price_table(rng: random.Random, subs: Sequence[Subscription]) -> PriceTable:
    """Three levels with two effective dates each: project; project + category; own."""

    def entry(day: date, project: str | None, category: str | None, sub: str | None) -> PriceEntry:
        return PriceEntry(
            effective_date=day,
            category_id=category,
            project_id=project,
            subscription_id=sub,
            period_code=MONTHLY,
            price=Money(Decimal(rng.randrange(5_000, 60_000)).scaleb(-2), "EUR"),
        )

    entries = []
    for number in range(PROJECTS):
        project = f"P-{number:02d}"
        entries += [entry(day, project, None, None) for day in (date(2022, 1, 1), date(2025, 1, 1))]
        for category in CATEGORIES[number % 2 :: 2]:  # half of the pairs
            entries += [
                entry(day, project, category, None) for day in (date(2023, 7, 1), date(2026, 1, 1))
            ]
    for sub in subs[::10]:
        entries += [entry(day, None, None, sub.id) for day in (date(2024, 4, 1), date(2026, 4, 15))]
    return PriceTable(tuple(entries))


# ------------------------------------------------------------------------ measurements


def timed(
    work: Callable[[], _T], repeats: int = REPEATS, *, collector: bool = True
) -> tuple[float, _T]:
    """The best wall time of ``repeats`` runs, the result of each kept until it is timed.

    The collector is on while timing (what users run) unless ``collector`` is False.
    """
    best = float("inf")
    result: Any = None
    for _ in range(repeats):
        result = None
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


def add_months(anchor: date, count: int) -> date:
    """``anchor`` plus ``count`` months, the day clamped to the month's last day."""
    year, index = divmod(anchor.year * 12 + anchor.month - 1 + count, 12)
    day = anchor.day
    if day > 28:
        day = min(day, monthrange(year, index + 1)[1])
    return date(year, index + 1, day)


def minimal_loop(subs: Sequence[Subscription]) -> list[tuple[date, Decimal]]:
    """The unavoidable work: period starts from the anchor, one multiply and quantize a fee.

    Each fee's ``(start, amount)`` is kept, as generation keeps its fees.
    """
    kept: list[tuple[date, Decimal]] = []
    append = kept.append
    for sub in subs:
        anchor, price = sub.start_date, sub.base_price.amount
        k = 0
        start = anchor
        while start <= AS_OF:
            append((start, (price * ONE).quantize(CENT)))
            k += 1
            start = add_months(anchor, k)
    return kept


class FloorFee:
    """The cheapest object Python has for a fee: twelve plain slots, no checks, mutable."""

    __slots__ = ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "m")

    def __init__(self, start: date, amount: Decimal, sub_id: str) -> None:
        self.a, self.b, self.c, self.d = sub_id, None, start, start
        self.e, self.f, self.g, self.h = amount, amount, sub_id, sub_id
        self.i, self.j, self.k, self.m = sub_id, start, None, 0


def object_floor_loop(subs: Sequence[Subscription]) -> list[FloorFee]:
    """:func:`minimal_loop` keeping a :class:`FloorFee` per fee instead of a tuple.

    The floor of any generation that returns one Python object per fee: the collector
    stops tracking tuples of dates and decimals, but walks every such object at each
    full collection, so this loop shows what keeping objects alone costs.
    """
    kept: list[FloorFee] = []
    append = kept.append
    for sub in subs:
        anchor, price, sub_id = sub.start_date, sub.base_price.amount, sub.id
        k = 0
        start = anchor
        while start <= AS_OF:
            append(FloorFee(start, (price * ONE).quantize(CENT), sub_id))
            k += 1
            start = add_months(anchor, k)
    return kept


def step_loop(subs: Sequence[Subscription]) -> list[tuple[date, Decimal]]:
    """:func:`minimal_loop` with the public ``PeriodCode.step`` (argument checks included)."""
    kept: list[tuple[date, Decimal]] = []
    append = kept.append
    for sub in subs:
        anchor, price = sub.start_date, sub.base_price.amount
        k = 0
        start = anchor
        while start <= AS_OF:
            append((start, (price * ONE).quantize(CENT)))
            k += 1
            start = MONTHLY.step(anchor, k)
    return kept


def generate_all(
    subs: Sequence[Subscription], prices: PriceTable
) -> list[tuple[FeeTransaction, ...]]:
    """Every subscription's fees, kept as returned (one tuple a subscription).

    One :class:`~servicedomain.periods.DateRangePool` for the run, as a run over many
    subscriptions (and ``BillingDesk.generate_fees``) passes it.
    """
    pool = DateRangePool()
    return [generate_fees(sub, (), prices, as_of=AS_OF, pool=pool) for sub in subs]


def fee_count(kept: Sequence[tuple[FeeTransaction, ...]]) -> int:
    return sum(map(len, kept))


def workload(count: int) -> tuple[list[Subscription], PriceTable]:
    """``count`` subscriptions and their price table, from the fixed seed."""
    rng = random.Random(SEED)
    subs = subscriptions(rng, count)
    return subs, price_table(rng, subs)


def scaling_exponent(sizes: Sequence[int], seconds: Sequence[float]) -> float:
    """The least-squares slope of log(seconds) on log(size): 1.0 is linear."""
    xs = [math.log(size) for size in sizes]
    ys = [math.log(value) for value in seconds]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return slope / sum((x - mean_x) ** 2 for x in xs)


def kept_memory(subs: Sequence[Subscription], prices: PriceTable) -> tuple[int, int, int]:
    """Under tracemalloc: (fees, peak bytes, bytes still held by the kept fees)."""
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        fees = generate_all(subs, prices)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return fee_count(fees), peak - before, current - before


def generated_store(
    subs: Sequence[Subscription], prices: PriceTable
) -> tuple[IndexedStore, float, int]:
    """A store holding ``subs``, then the desk's run generating their fees (timed)."""
    store = IndexedStore()
    with IndexedUnitOfWork(store) as uow:
        for sub in subs:
            uow.subscriptions.add(sub)
        uow.commit()
    uow = IndexedUnitOfWork(store)
    desk = BillingDesk(unit_of_work=lambda: uow, clock=CLOCK, groups={}, prices=prices)
    seconds, run = timed(lambda: desk.generate_fees(as_of=AS_OF), repeats=1)  # collector on
    return store, seconds, len(run.created)


def invoice_and_accrue(store: IndexedStore) -> dict[str, Any]:
    """Invoice, then accrue, on the 1st of every month; each step timed on its own."""
    uow = IndexedUnitOfWork(store)
    journal: IndexedJournal[AccrualEntry] = IndexedJournal("ACR")
    desk = BillingDesk(
        unit_of_work=lambda: uow, clock=CLOCK, groups=GROUPS, accrual_journal=journal
    )
    found = dict.fromkeys(("invoices", "fees_invoiced", "periods_posted"), 0)
    invoice_seconds = accrue_seconds = 0.0
    gc.collect()
    kept: list[Any] = []  # the invoices and postings stay alive (collector on)
    for day in DUE_DATES:
        began = time.perf_counter()
        made = desk.invoice_customers(due_by=day, invoice_date=day)
        invoiced = time.perf_counter()
        posted = desk.accrue_revenue(through=day - ONE_DAY, posting_date=day)
        accrued = time.perf_counter()
        kept += (made, posted)
        invoice_seconds += invoiced - began
        accrue_seconds += accrued - invoiced
        found["invoices"] += len(made)
        found["fees_invoiced"] += sum(len(invoice.lines) for invoice in made)
        found["periods_posted"] += len(posted)
    with uow:  # the periods still running after the last day (untimed)
        found["periods_open"] = len(uow.accruals.unposted_through(date.max))
    return {**found, "invoice_seconds": invoice_seconds, "accrue_seconds": accrue_seconds}


# -------------------------------------------------------------------------------- main


def _targets(line: dict[str, Any], value: float, target: float) -> dict[str, Any]:
    return {**line, "target": target, "meets_target": value <= target}


def scaling_line(sizes: Sequence[int], label: dict[str, Any]) -> dict[str, Any]:
    """Step ``generate`` at each of ``sizes`` subscriptions, and the scaling exponents.

    The target is on the collector-on exponent; the collector-off one (labelled) and the
    full collections of each point's collector-on run show how much of the curve is the
    collector walking the fees kept so far.
    """
    points = []
    for size in sizes:
        sized_subs, sized_prices = workload(size)
        repeats = 1 if size >= 100_000 else REPEATS
        sized_seconds, sized_kept = timed(
            lambda s=sized_subs, p=sized_prices: generate_all(s, p),  # type: ignore[misc]
            repeats=repeats,
        )
        fees = fee_count(sized_kept)
        del sized_kept
        off_seconds, sized_kept = timed(
            lambda s=sized_subs, p=sized_prices: generate_all(s, p),  # type: ignore[misc]
            repeats=repeats,
            collector=False,
        )
        del sized_kept
        floor_seconds, floor_kept = timed(
            lambda s=sized_subs: object_floor_loop(s),  # type: ignore[misc]
            repeats=repeats,
        )
        del floor_kept
        gc.collect()
        with CollectorTime() as spent:
            sized_kept = generate_all(sized_subs, sized_prices)
        del sized_kept
        points.append(
            {
                "subscriptions": size,
                "fees": fees,
                "seconds": round(sized_seconds, 6),
                "us_per_subscription": round(sized_seconds / size * 1e6, 1),
                "collector_off_seconds": round(off_seconds, 6),
                "object_floor_seconds": round(floor_seconds, 6),
                "collector_time": spent.report(),
            }
        )
        del sized_subs, sized_prices
    exponent = scaling_exponent(sizes, [point["seconds"] for point in points])
    off_exponent = scaling_exponent(sizes, [point["collector_off_seconds"] for point in points])
    floor_exponent = scaling_exponent(sizes, [point["object_floor_seconds"] for point in points])
    line: dict[str, Any] = _targets(
        {
            "workload": "generate_scaling",
            "operation": "generate, kept, collector on, at each size",
            "collector": "on",
            "results": "kept",
            **label,
            "points": points,
            "exponent": round(exponent, 3),
            "exponent_collector_off": round(off_exponent, 3),
            "object_floor_exponent": round(floor_exponent, 3),
        },
        exponent,
        EXPONENT_TARGET,
    )
    return line


def memory_line(
    subs: Sequence[Subscription], prices: PriceTable, label: dict[str, Any]
) -> dict[str, Any]:
    """Step ``generate`` under tracemalloc: the peak and the bytes per kept fee."""
    memory_fees, peak, held = kept_memory(subs, prices)
    per_fee = held / memory_fees
    line: dict[str, Any] = _targets(
        {
            "workload": "generate_memory",
            "operation": "generate, kept, under tracemalloc",
            "results": "kept",
            **label,
            "subscriptions": len(subs),
            "fees": memory_fees,
            "peak_mib": round(peak / 2**20, 2),
            "kept_mib": round(held / 2**20, 2),
            "bytes_per_fee": round(per_fee, 1),
        },
        per_fee,
        BYTES_PER_FEE_TARGET,
    )
    return line


def generate_line(
    subs: Sequence[Subscription], prices: PriceTable, label: dict[str, Any]
) -> dict[str, Any]:
    """Step ``generate`` against the minimal loops (printed, with the collector-off line)."""
    loop_seconds, loop_kept = timed(lambda: minimal_loop(subs))
    loop_fees = len(loop_kept)
    del loop_kept
    step_seconds, step_kept = timed(lambda: step_loop(subs))
    step_fees = len(step_kept)
    del step_kept
    floor_seconds, floor_kept = timed(lambda: object_floor_loop(subs))
    del floor_kept
    seconds, kept = timed(lambda: generate_all(subs, prices))
    fees = fee_count(kept)
    del kept
    off_seconds, kept = timed(lambda: generate_all(subs, prices), collector=False)
    del kept
    # Where the collector-on time goes (one more run of each, untimed for the ratio).
    gc.collect()
    with CollectorTime() as spent:
        kept = generate_all(subs, prices)
    del kept
    gc.collect()
    with CollectorTime() as loop_spent:
        loop_kept = minimal_loop(subs)
    del loop_kept
    assert fees == loop_fees == step_fees, (fees, loop_fees, step_fees)
    ratio = seconds / loop_seconds
    line = _targets(
        {
            "workload": "generate",
            "operation": "generate_fees(sub, (), prices, as_of=2026-12-31, pool=pool) each",
            "collector": "on",
            "results": "kept",
            **label,
            "subscriptions": len(subs),
            "on_days_29_31": sum(sub.start_date.day >= 29 for sub in subs),
            "price_entries": len(prices.entries),
            "fees": fees,
            "seconds": round(seconds, 6),
            "fees_per_second": round(fees / seconds),
            "subscriptions_per_second": round(len(subs) / seconds),
            "minimal_loop_seconds": round(loop_seconds, 6),
            "minimal_loop_fees_per_second": round(loop_fees / loop_seconds),
            "ratio": round(ratio, 2),
            "period_step_loop_seconds": round(step_seconds, 6),
            "ratio_to_period_step_loop": round(seconds / step_seconds, 2),
            "object_floor_seconds": round(floor_seconds, 6),
            "object_floor_ratio": round(floor_seconds / loop_seconds, 2),
            "ratio_to_object_floor": round(seconds / floor_seconds, 2),
            "collector_time": spent.report(),
            "minimal_loop_collector_time": loop_spent.report(),
        },
        ratio,
        RATIO_TARGET,
    )
    print(json.dumps(line), flush=True)
    print(
        json.dumps(
            {
                "workload": "generate_gc_off",
                "operation": "as generate, with the collector off (for comparison, no target)",
                "collector": "off",
                "results": "kept",
                **label,
                "subscriptions": len(subs),
                "fees": fees,
                "seconds": round(off_seconds, 6),
                "fees_per_second": round(fees / off_seconds),
                "ratio_collector_on_to_off": round(seconds / off_seconds, 2),
            }
        ),
        flush=True,
    )

    return line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run on small sizes (never fails)"
    )
    parser.add_argument(
        "--generation",
        action="store_true",
        help="only the generation workloads (not the desk's run, invoicing and accrual)",
    )
    args = parser.parse_args(argv)
    quick: bool = args.quick
    count = QUICK_COUNT if quick else COUNT
    sizes = QUICK_SCALING_SIZES if quick else SCALING_SIZES
    label: dict[str, Any] = {"quick": True} if quick else {}
    subs, prices = workload(count)
    results = [generate_line(subs, prices, label)]
    results.append(scaling_line(sizes, label))
    print(json.dumps(results[-1]), flush=True)
    results.append(memory_line(subs, prices, label))
    print(json.dumps(results[-1]), flush=True)
    meets = all(line["meets_target"] for line in results)
    if args.generation:
        return 0 if meets or quick else 1

    generated, run_seconds, created = generated_store(subs, prices)
    print(
        json.dumps(
            {
                "workload": "generate_run",
                "operation": "BillingDesk(prices=prices).generate_fees(as_of=2026-12-31)",
                "subscriptions": len(subs),
                "fees": created,
                "collector": "on",
                **label,
                "seconds": round(run_seconds, 6),
                "fees_per_second": round(created / run_seconds),
            }
        ),
        flush=True,
    )

    served = [sub for sub in subs if int(sub.customer_id[2:]) < SERVICE_CUSTOMERS]
    store = generated if len(served) == len(subs) else generated_store(served, prices)[0]
    monthly = invoice_and_accrue(store)
    # One accrual period per monthly fee (counted from the subscription's anchor).
    periods = monthly["periods_posted"] + monthly["periods_open"]
    assert periods == monthly["fees_invoiced"], (periods, monthly["fees_invoiced"])
    scope: dict[str, Any] = {"customers": SERVICE_CUSTOMERS, "subscriptions": len(served)}
    if len(served) < len(subs):
        scope["subset"] = (
            f"the subscriptions of the first {SERVICE_CUSTOMERS} of {CUSTOMERS} customers"
        )
    months_run = {"months": len(DUE_DATES), "first": str(DUE_DATES[0]), "last": str(DUE_DATES[-1])}
    print(
        json.dumps(
            {
                "workload": "invoice",
                "operation": "BillingDesk(groups).invoice_customers(due_by=the 1st of each month)",
                **scope,
                **months_run,
                "invoices": monthly["invoices"],
                "fees_invoiced": monthly["fees_invoiced"],
                "collector": "on",
                **label,
                "seconds": round(monthly["invoice_seconds"], 6),
                "fees_per_second": round(monthly["fees_invoiced"] / monthly["invoice_seconds"]),
            }
        ),
        flush=True,
    )
    print(
        json.dumps(
            {
                "workload": "accrue",
                "operation": "BillingDesk(accrual_journal).accrue_revenue(through=the month end)",
                **scope,
                **months_run,
                "periods_posted": monthly["periods_posted"],
                "periods_open": monthly["periods_open"],
                "collector": "on",
                **label,
                "seconds": round(monthly["accrue_seconds"], 6),
                "periods_per_second": round(monthly["periods_posted"] / monthly["accrue_seconds"]),
            }
        ),
        flush=True,
    )
    return 0 if meets or quick else 1


if __name__ == "__main__":
    raise SystemExit(main())
