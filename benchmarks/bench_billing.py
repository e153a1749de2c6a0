"""Benchmark of subscription billing: fee generation, invoicing and revenue accrual.

Run: ``python benchmarks/bench_billing.py``. Prints one JSON line per workload and
exits non-zero when the target is missed.

The workload of issue 6: 10,000 monthly subscriptions (anchored, billed in advance) of
1,000 customers, drawn from a fixed seed: start dates uniform over 2023-2025, a quarter
of them on days 29-31 (clamped month ends: Jan 31 -> Feb 28/29 -> Mar 31); prices from
a :class:`~servicedomain.billing.PriceTable` of three levels, each with two effective
dates (project; project + category; one subscription in ten its own); generated
through 2027-01-01 (catch-up as of 2026-12-31, about 300,000 fees). Steps, each in fees
(or periods) per second:

* ``generate``: pure generation, ``generate_fees(sub, (), prices, as_of=2026-12-31)``
  for every subscription, best of ``REPEATS``;
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

Target (2-core machine), measured in the same run: step ``generate`` within
``RATIO_TARGET`` (3) times a minimal loop doing only the unavoidable work: for every
subscription the anchored period starts (a month-add from the anchor with the day
clamped), and per fee one Decimal multiplication and quantize (price x 1 to 0.01).
"""

from __future__ import annotations

import gc
import json
import random
import time
from calendar import monthrange
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.indexed_memory import IndexedJournal, IndexedStore, IndexedUnitOfWork
from servicedomain.app import BillingDesk
from servicedomain.billing import (
    AccrualEntry,
    AccrualMethod,
    PriceEntry,
    PriceTable,
    Subscription,
    SubscriptionGroup,
    generate_fees,
)
from servicedomain.money import Money
from servicedomain.periods import MONTHLY

SEED = 20230101
ONE_DAY = timedelta(days=1)
COUNT = 10_000
CUSTOMERS = 1_000
PROJECTS = 40
CATEGORIES = ("FEE", "SUPPORT", "HOSTING", "LICENCE")
AS_OF = date(2026, 12, 31)
REPEATS = 3
RATIO_TARGET = 3.0
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


def subscriptions(rng: random.Random) -> list[Subscription]:
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
        for number in range(COUNT)
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


def timed(work: Callable[[], _T], repeats: int = REPEATS) -> tuple[float, _T]:
    """The best wall time of ``repeats`` runs (garbage collection off while timing)."""
    best = float("inf")
    result: Any = None
    for _ in range(repeats):
        result = None
        gc.collect()
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


def minimal_loop(subs: Sequence[Subscription]) -> int:
    """The unavoidable work: period starts from the anchor, one multiply and quantize a fee."""
    count = 0
    for sub in subs:
        anchor, price = sub.start_date, sub.base_price.amount
        k = 0
        while add_months(anchor, k) <= AS_OF:
            (price * ONE).quantize(CENT)
            count += 1
            k += 1
    return count


def step_loop(subs: Sequence[Subscription]) -> int:
    """:func:`minimal_loop` with the public ``PeriodCode.step`` (argument checks included)."""
    count = 0
    for sub in subs:
        anchor, price = sub.start_date, sub.base_price.amount
        k = 0
        while MONTHLY.step(anchor, k) <= AS_OF:
            (price * ONE).quantize(CENT)
            count += 1
            k += 1
    return count


def generate_all(subs: Sequence[Subscription], prices: PriceTable) -> int:
    return sum(len(generate_fees(sub, (), prices, as_of=AS_OF)) for sub in subs)


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
    seconds, run = timed(lambda: desk.generate_fees(as_of=AS_OF), repeats=1)
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
    gc.disable()
    try:
        for day in DUE_DATES:
            began = time.perf_counter()
            made = desk.invoice_customers(due_by=day, invoice_date=day)
            invoiced = time.perf_counter()
            posted = desk.accrue_revenue(through=day - ONE_DAY, posting_date=day)
            accrued = time.perf_counter()
            invoice_seconds += invoiced - began
            accrue_seconds += accrued - invoiced
            found["invoices"] += len(made)
            found["fees_invoiced"] += sum(len(invoice.lines) for invoice in made)
            found["periods_posted"] += len(posted)
    finally:
        gc.enable()
    with uow:  # the periods still running after the last day (untimed)
        found["periods_open"] = len(uow.accruals.unposted_through(date.max))
    return {**found, "invoice_seconds": invoice_seconds, "accrue_seconds": accrue_seconds}


# -------------------------------------------------------------------------------- main


def main() -> int:
    rng = random.Random(SEED)
    subs = subscriptions(rng)
    prices = price_table(rng, subs)

    loop_seconds, loop_fees = timed(lambda: minimal_loop(subs))
    step_seconds, step_fees = timed(lambda: step_loop(subs))
    seconds, fees = timed(lambda: generate_all(subs, prices))
    assert fees == loop_fees == step_fees, (fees, loop_fees, step_fees)
    ratio = seconds / loop_seconds
    meets = ratio <= RATIO_TARGET
    print(
        json.dumps(
            {
                "workload": "generate",
                "operation": "generate_fees(sub, (), prices, as_of=2026-12-31) per subscription",
                "subscriptions": len(subs),
                "on_days_29_31": sum(sub.start_date.day >= 29 for sub in subs),
                "price_entries": len(prices.entries),
                "fees": fees,
                "seconds": round(seconds, 3),
                "fees_per_second": round(fees / seconds),
                "minimal_loop_seconds": round(loop_seconds, 3),
                "minimal_loop_fees_per_second": round(loop_fees / loop_seconds),
                "ratio": round(ratio, 2),
                "target_ratio": RATIO_TARGET,
                "period_step_loop_seconds": round(step_seconds, 3),
                "ratio_to_period_step_loop": round(seconds / step_seconds, 2),
                "meets_target": meets,
            }
        ),
        flush=True,
    )

    generated, run_seconds, created = generated_store(subs, prices)
    print(
        json.dumps(
            {
                "workload": "generate_run",
                "operation": "BillingDesk(prices=prices).generate_fees(as_of=2026-12-31)",
                "subscriptions": len(subs),
                "fees": created,
                "seconds": round(run_seconds, 3),
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
                "seconds": round(monthly["invoice_seconds"], 3),
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
                "seconds": round(monthly["accrue_seconds"], 3),
                "periods_per_second": round(monthly["periods_posted"] / monthly["accrue_seconds"]),
            }
        ),
        flush=True,
    )
    return 0 if meets else 1


if __name__ == "__main__":
    raise SystemExit(main())
