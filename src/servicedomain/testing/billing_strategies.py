"""Hypothesis strategies for subscriptions, price tables and billing-run histories.

Strategies are plural nouns with keyword-only bounds. They aim at the dates billing
gets wrong: anchors on the 29th to the 31st and on Feb 29, calendar stubs, price
changes on period boundaries, runs that come late, twice, or out of order. Every
strategy keeps its horizon to a few periods of the subscription, so a generation run
on what they draw stays fast whatever the period code.

>>> from hypothesis import given, settings
>>> from servicedomain.billing import generate_fees
>>> from servicedomain.testing.invariants import check_catch_up
>>> @settings(max_examples=5, database=None)
... @given(st.data())
... def test_catch_up(data: st.DataObject) -> None:
...     sub = data.draw(subscriptions())
...     check_catch_up(sub, None, data.draw(billing_histories(sub)))
>>> test_catch_up()
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from hypothesis import strategies as st

from servicedomain.billing import (
    BillingTiming,
    PriceBasis,
    PriceChange,
    PriceEntry,
    PriceTable,
    Subscription,
)
from servicedomain.money import Currency, Money
from servicedomain.periods import (
    DAILY,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    Alignment,
    DateRange,
    PeriodCode,
    Schedule,
)

__all__ = [
    "BILLING_CURRENCIES",
    "INVOICING_PERIOD_CODES",
    "anchor_dates",
    "billing_histories",
    "billing_run_dates",
    "cancellation_dates",
    "creation_fields",
    "indexes",
    "price_change_histories",
    "price_tables",
    "subscription_prices",
    "subscriptions",
]

BILLING_CURRENCIES: Final[tuple[str, ...]] = ("EUR", "USD", "JPY", "KWD")
"""Currencies with 2, 0 and 3 decimals (law M5)."""

INVOICING_PERIOD_CODES: Final[tuple[PeriodCode, ...]] = (MONTHLY, QUARTERLY, YEARLY, WEEKLY, DAILY)
"""The five invoicing period codes of the catalog."""

_MIN_DATE: Final = date(1999, 1, 1)
_MAX_DATE: Final = date(2101, 12, 31)
_ONE_DAY: Final = timedelta(days=1)
# Day 1 of year 1 is a Monday and a January 1st: a boundary of every calendar grid.
_CALENDAR_ORIGIN: Final = date(1, 1, 1)


@functools.lru_cache(maxsize=256)
def _trap_days(min_value: date, max_value: date) -> tuple[tuple[date, ...], ...]:
    """The trap days within bounds, by kind: month ends (28-31), Feb 29ths, 1sts.

    Listed rather than drawn and filtered, so that a window of a few weeks (as the
    lifecycle machine draws around its current day) rejects nothing.
    """
    ends: list[date] = []
    leap_days: list[date] = []
    firsts: list[date] = []
    year, month = min_value.year, min_value.month
    while (year, month) <= (max_value.year, max_value.month):
        last = calendar.monthrange(year, month)[1]
        days = [date(year, month, day) for day in (1, *range(28, last + 1))]
        firsts += [day for day in days[:1] if min_value <= day <= max_value]
        for day in days[1:]:
            if min_value <= day <= max_value:
                (leap_days if (month, day.day) == (2, 29) else ends).append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(ends), tuple(leap_days), tuple(firsts)


def anchor_dates(
    *, min_value: date = _MIN_DATE, max_value: date = _MAX_DATE
) -> st.SearchStrategy[date]:
    """Start dates, with the traps weighted up: month ends (28-31), Feb 29, 1st of months.

    Args:
        min_value: the earliest date.
        max_value: the latest date.
    """
    ends, leap_days, firsts = _trap_days(min_value, max_value)
    month_ends = [st.sampled_from(days) for days in (ends, leap_days) if days]
    traps = [st.one_of(month_ends)] if month_ends else []
    if firsts:
        traps.append(st.sampled_from(firsts))
    return st.one_of(st.dates(min_value=min_value, max_value=max_value), *traps)


def indexes(
    *, min_value: Decimal = Decimal(50), max_value: Decimal = Decimal(200)
) -> st.SearchStrategy[Decimal]:
    """Subscription indexes with two decimals (100 = the base price as is), 100 weighted up."""
    low = int(min_value * 100)
    high = int(max_value * 100)
    return st.just(Decimal(100)) | st.integers(low, high).map(lambda n: Decimal(n).scaleb(-2))


def subscription_prices(
    currency: Currency | str, *, max_value: Decimal = Decimal(10_000)
) -> st.SearchStrategy[Money]:
    """Prices >= 0 in ``currency``: zero, round amounts, and any amount in minor units."""
    resolved = currency if isinstance(currency, Currency) else Currency.of(currency)
    scale = 10**resolved.minor_units
    highest = int(max_value * scale)
    return st.one_of(
        st.just(Money.zero(resolved)),
        st.integers(1, int(max_value)).map(lambda n: Money(n, resolved)),
        st.integers(0, highest).map(lambda units: Money.from_minor_units(units, resolved)),
    )


@st.composite
def subscriptions(
    draw: st.DrawFn,
    *,
    currencies: Sequence[str | Currency] = BILLING_CURRENCIES,
    start_dates: st.SearchStrategy[date] | None = None,
    period_codes: Sequence[PeriodCode] = INVOICING_PERIOD_CODES,
    alignments: Sequence[Alignment] = tuple(Alignment),
    timings: Sequence[BillingTiming] = tuple(BillingTiming),
    price_bases: Sequence[PriceBasis] = tuple(PriceBasis),
    max_price: Decimal = Decimal(10_000),
    calendar_stubs: bool = True,
    end_dates: bool = False,
    max_periods: int = 12,
) -> Subscription:
    """Valid, active subscriptions with no price change yet.

    Args:
        draw: supplied by Hypothesis (``subscriptions()`` takes only the keywords below).
        currencies: the currencies to draw from (ISO codes, or Currency values of your own).
        start_dates: the start dates (default: :func:`anchor_dates`).
        period_codes: the invoicing period codes.
        alignments: anchored on the start date, calendar-aligned, or both.
        timings: in advance, in arrears, or both.
        price_bases: base price, indexed base price, or both.
        max_price: the largest base price.
        calendar_stubs: when False, a calendar-aligned subscription starts on a
            calendar boundary (no first stub period).
        end_dates: when True, about half the subscriptions get an end date (the last
            day served, inclusive) within their first ``max_periods`` periods.
        max_periods: the horizon for end dates, in periods.
    """
    currency = draw(st.sampled_from(list(currencies)))
    code = draw(st.sampled_from(list(period_codes)))
    alignment = draw(st.sampled_from(list(alignments)))
    start = draw(anchor_dates() if start_dates is None else start_dates)
    if alignment is Alignment.CALENDAR and not calendar_stubs:
        grid = Schedule(code, _CALENDAR_ORIGIN, Alignment.CALENDAR)
        if not grid.is_boundary(start):
            start = grid.period_containing(start).end
    end: date | None = None
    if end_dates and draw(st.booleans()):
        horizon = Schedule(code, start).period(max_periods - 1).end
        end = start + timedelta(days=draw(st.integers(0, (horizon - start).days - 1)))
    return Subscription(
        id=draw(st.sampled_from(("S-1", "S-2", "SUB/00042"))),
        group_id="G",
        customer_id="C-1",
        project_id=draw(st.sampled_from(("P-1", "P-2"))),
        category_id=draw(st.sampled_from(("FEE", "SubCat1", "SubCat2"))),
        period_code=code,
        base_price=draw(subscription_prices(currency, max_value=max_price)),
        index=draw(indexes()),
        price_basis=draw(st.sampled_from(list(price_bases))),
        start_date=start,
        end_date=end,
        timing=draw(st.sampled_from(list(timings))),
        alignment=alignment,
    )


def creation_fields(subscription: Subscription) -> dict[str, Any]:
    """The keywords of ``BillingDesk.create_subscription`` for a drawn subscription.

    Everything the desk takes to create ``subscription`` afresh besides its
    ``group_id``: its period code comes from the desk's group; price changes, the fee
    count and the version are not creation fields (a created subscription has none,
    none and 1).

    >>> from servicedomain.periods import MONTHLY
    >>> sub = Subscription(id="S-1", group_id="G", customer_id="C", project_id="P",
    ...     category_id="FEE", period_code=MONTHLY, base_price=Money(100, "EUR"),
    ...     start_date=date(2024, 1, 1))
    >>> sorted(creation_fields(sub))[:4]
    ['active', 'alignment', 'base_price', 'category_id']
    """
    sub = subscription
    return {
        "id": sub.id,
        "customer_id": sub.customer_id,
        "project_id": sub.project_id,
        "category_id": sub.category_id,
        "base_price": sub.base_price,
        "start_date": sub.start_date,
        "name": sub.name,
        "index": sub.index,
        "price_basis": sub.price_basis,
        "end_date": sub.end_date,
        "active": sub.active,
        "timing": sub.timing,
        "alignment": sub.alignment,
    }


def _horizon(subscription: Subscription, max_periods: int) -> date:
    """The end of the subscription's first ``max_periods`` periods."""
    return subscription.schedule.period(max_periods - 1).end


@st.composite
def price_tables(
    draw: st.DrawFn,
    *,
    subscription: Subscription | None = None,
    max_entries: int = 6,
    max_periods: int = 12,
    distractors: bool = True,
    max_price: Decimal = Decimal(10_000),
) -> PriceTable:
    """Price tables whose entries hit a subscription at random priority levels.

    Each entry sets each of the subscription's keys (category, project, subscription)
    or leaves it blank, so it lands on one of the 8 levels, and takes effect on a
    random day from a few periods before the start to ``max_periods`` periods after.
    No two entries share keys, period, currency and effective date (the table refuses
    that). Distractors (another period code, another currency, another project) must
    never apply.

    Args:
        draw: supplied by Hypothesis.
        subscription: the subscription priced (default: a drawn one).
        max_entries: the most entries that can apply.
        max_periods: the horizon of effective dates, in periods.
        distractors: whether to add entries that must not apply.
        max_price: the largest price.
    """
    sub = draw(subscriptions()) if subscription is None else subscription
    first = sub.start_date - timedelta(days=draw(st.integers(0, 60)))
    last = _horizon(sub, max_periods)
    keys = st.tuples(
        st.sampled_from((None, sub.category_id)),
        st.sampled_from((None, sub.project_id)),
        st.sampled_from((None, sub.id)),
        st.dates(min_value=first, max_value=last),
    )
    slots = draw(st.lists(keys, max_size=max_entries, unique=True))
    entries = [
        PriceEntry(
            effective_date=day,
            category_id=category,
            project_id=project,
            subscription_id=subscription_id,
            period_code=sub.period_code,
            price=draw(subscription_prices(sub.currency, max_value=max_price)),
        )
        for category, project, subscription_id, day in slots
    ]
    if distractors:
        other_code = MONTHLY if sub.period_code != MONTHLY else QUARTERLY
        other_currency = "CHF" if sub.currency.code != "CHF" else "EUR"
        big = Money(99_999, sub.currency)
        entries += [
            PriceEntry(
                effective_date=first,
                category_id=None,
                project_id=None,
                subscription_id=None,
                period_code=other_code,
                price=big,
            ),
            PriceEntry(
                effective_date=first,
                category_id=None,
                project_id=None,
                subscription_id=None,
                period_code=sub.period_code,
                price=Money(99_999, other_currency),
            ),
            PriceEntry(
                effective_date=first,
                category_id=sub.category_id,
                project_id=f"{sub.project_id}-OTHER",
                subscription_id=sub.id,
                period_code=sub.period_code,
                price=big,
            ),
        ]
    return PriceTable(tuple(draw(st.permutations(entries))))


@st.composite
def price_change_histories(
    draw: st.DrawFn,
    subscription: Subscription,
    *,
    max_changes: int = 4,
    within: DateRange | None = None,
    max_periods: int = 12,
    max_price: Decimal = Decimal(10_000),
) -> tuple[PriceChange, ...]:
    """Price changes of ``subscription``, in effective-date order.

    Effective dates are strictly after the start and strictly increasing; each change
    sets a new base price, a new index, or both.

    Apply them in order with ``sub, _ = sub.change_price(effective_date=c.effective_date,
    base_price=c.base_price, index=c.index, at=at)`` (one snapshot each), or all at once with
    ``attrs.evolve(sub, price_changes=changes)`` (the final state).

    Args:
        draw: supplied by Hypothesis.
        subscription: the subscription.
        max_changes: the most changes.
        within: effective dates inside this range only (e.g. one invoicing period,
            for law F9); default: the first ``max_periods`` periods.
        max_periods: the default horizon, in periods.
        max_price: the largest base price.
    """
    sub = subscription
    low = sub.start_date + _ONE_DAY
    high = _horizon(sub, max_periods) - _ONE_DAY
    if within is not None:
        low, high = max(low, within.start), min(high, within.last)
    if high < low:
        return ()
    days = sorted(draw(st.sets(st.dates(min_value=low, max_value=high), max_size=max_changes)))
    changes: list[PriceChange] = []
    base, index = sub.base_price, sub.index
    for day in days:
        what = draw(st.sampled_from(("base", "index", "both")))
        if what != "index":
            base = draw(subscription_prices(sub.currency, max_value=max_price))
        if what != "base":
            index = draw(indexes())
        changes.append(PriceChange(effective_date=day, base_price=base, index=index))
    return tuple(changes)


@st.composite
def billing_run_dates(
    draw: st.DrawFn,
    start: date,
    *,
    max_runs: int = 6,
    max_days: int = 400,
    boundaries: Sequence[date] = (),
) -> list[date]:
    """The as-of dates of a billing job's runs: late, repeated and out of order.

    Every date is on or after ``start`` and within ``max_days`` of it; some repeat,
    and the list is shuffled (a scheduler that runs twice, or whose runs are replayed
    after a restart). Given ``boundaries`` (period starts), the days on them and just
    before them are weighted up.

    Args:
        draw: supplied by Hypothesis.
        start: the earliest as-of date (the subscription's start).
        max_runs: the most distinct dates.
        max_days: the latest date, in days after ``start``.
        boundaries: dates to weight up, with the day before each.
    """
    last = start + timedelta(days=max_days)
    near = sorted(
        {
            day
            for boundary in boundaries
            for day in (boundary, boundary - _ONE_DAY)
            if start <= day <= last
        }
    )
    days = st.dates(min_value=start, max_value=last)
    if near:
        days = days | st.sampled_from(near)
    chosen = draw(st.lists(days, min_size=1, max_size=max_runs, unique=True))
    repeats = draw(st.lists(st.sampled_from(chosen), max_size=2))
    return list(draw(st.permutations([*chosen, *repeats])))


def billing_histories(
    subscription: Subscription, *, max_runs: int = 6, max_periods: int = 12
) -> st.SearchStrategy[list[date]]:
    """The as-of dates of billing runs for ``subscription``, within its first periods.

    :func:`billing_run_dates` over the subscription's first ``max_periods`` periods,
    with its period boundaries (and the days before them) weighted up.

    Args:
        subscription: the subscription billed.
        max_runs: the most distinct dates.
        max_periods: the horizon, in periods.
    """
    schedule = subscription.schedule
    bounds = [schedule.period(k).start for k in range(1, max_periods + 1)]
    days = (bounds[-1] - subscription.start_date).days
    return billing_run_dates(
        subscription.start_date, max_runs=max_runs, max_days=days, boundaries=bounds
    )


def cancellation_dates(
    subscription: Subscription, *, max_periods: int = 12
) -> st.SearchStrategy[date]:
    """Valid last days served of a cancellation: from the start to an end already set.

    The last days of periods (and the days around them) are weighted up.

    Args:
        subscription: the subscription cancelled.
        max_periods: the horizon, in periods.
    """
    low = subscription.start_date
    high = _horizon(subscription, max_periods) - _ONE_DAY
    if subscription.end_date is not None:
        high = min(high, subscription.end_date)
    bounds = sorted(
        {
            day
            for k in range(1, max_periods + 1)
            for last in (subscription.schedule.period(k).start - _ONE_DAY,)
            for day in (last - _ONE_DAY, last, last + _ONE_DAY)
            if low <= day <= high
        }
    )
    days = st.dates(min_value=low, max_value=high)
    return days | st.sampled_from(bounds) if bounds else days
