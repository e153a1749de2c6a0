"""Hypothesis strategies for servicedomain's values.

Strategies are plural nouns with keyword-only bounds, as in Hypothesis itself. They are
also registered for their types through Hypothesis's entry point, so
``st.from_type(Money)`` works as soon as servicedomain is installed. The billing
strategies (subscriptions, price tables, histories of billing runs) live in
:mod:`servicedomain.testing.billing_strategies` and are importable from here too.

>>> from hypothesis import given
>>> @given(monies(currency="EUR", min_value=Decimal("0.00"), max_value=Decimal("100.00")))
... def test_fee_is_in_bounds(fee: Money) -> None:
...     assert Money(0, "EUR") <= fee <= Money(100, "EUR")
>>> test_fee_is_in_bounds()
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from servicedomain.money import ISO_4217, Currency, CurrencyTable, Money
from servicedomain.periods import DateRange, PeriodCode, PeriodUnit
from servicedomain.stages import MAX_STAGE_ID_LENGTH, Stage, StageGraph, StageRules
from servicedomain.testing.billing_strategies import (
    BILLING_CURRENCIES,
    INVOICING_PERIOD_CODES,
    anchor_dates,
    billing_histories,
    billing_run_dates,
    cancellation_dates,
    indexes,
    price_change_histories,
    price_tables,
    subscription_prices,
    subscriptions,
)

__all__ = [
    "DEFAULT_ZONES",
    "aware_datetimes",
    "currencies",
    "date_ranges",
    "monies",
    "period_codes",
    "stage_graphs",
    "stage_ids",
    "stage_rules",
    "zones",
    # billing, from servicedomain.testing.billing_strategies
    "BILLING_CURRENCIES",
    "INVOICING_PERIOD_CODES",
    "anchor_dates",
    "billing_histories",
    "billing_run_dates",
    "cancellation_dates",
    "indexes",
    "price_change_histories",
    "price_tables",
    "subscription_prices",
    "subscriptions",
]

DEFAULT_ZONES: tuple[str, ...] = (
    "UTC",
    "Europe/Paris",  # DST, +01:00/+02:00
    "Europe/London",  # DST at 01:00 UTC, +00:00 in winter
    "America/New_York",  # DST, negative offsets
    "America/Sao_Paulo",  # southern hemisphere, DST abolished in 2019
    "Australia/Sydney",  # southern hemisphere DST
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kolkata",  # a half-hour offset
    "Asia/Kathmandu",  # a 45-minute offset
    "Pacific/Chatham",  # +12:45/+13:45 with DST
    "Pacific/Apia",  # skipped 2011-12-30 entirely
    "Europe/Dublin",  # negative DST (winter time is the "summer" offset in the tz data)
    "Africa/Casablanca",  # DST suspended during Ramadan
    "Asia/Tokyo",  # no DST
)
"""Zones chosen for their traps: DST both ways, half-hour and 45-minute offsets,
negative DST, a skipped day."""

_MAX_AMOUNT = Decimal("1e12")


def currencies(
    *, codes: Sequence[str] | None = None, table: CurrencyTable = ISO_4217
) -> st.SearchStrategy[Currency]:
    """Currencies from ``table`` (default: every active ISO 4217 currency).

    Args:
        codes: only these codes (each must be in ``table``).
        table: where to look the codes up.
    """
    chosen = sorted(table) if codes is None else [table.get(code).code for code in codes]
    return st.sampled_from([table.get(code) for code in chosen])


def monies(
    *,
    currency: Currency | str | None = None,
    min_value: Decimal | int | None = None,
    max_value: Decimal | int | None = None,
) -> st.SearchStrategy[Money]:
    """Exact amounts, rounded to their currency's minor units.

    Args:
        currency: one currency (a Currency or an ISO code); default: any ISO currency.
        min_value: the smallest amount (default -10^12).
        max_value: the largest amount (default 10^12).
    """
    low = Decimal(-_MAX_AMOUNT if min_value is None else min_value)
    high = Decimal(_MAX_AMOUNT if max_value is None else max_value)
    chosen = (
        currencies()
        if currency is None
        else st.just(currency if isinstance(currency, Currency) else Currency.of(currency))
    )

    def amounts(money_currency: Currency) -> st.SearchStrategy[Money]:
        scale = 10**money_currency.minor_units
        lowest = int((low * scale).to_integral_value(rounding="ROUND_CEILING"))
        highest = int((high * scale).to_integral_value(rounding="ROUND_FLOOR"))
        return st.integers(lowest, highest).map(
            lambda units: Money.from_minor_units(units, money_currency)
        )

    return chosen.flatmap(amounts)


def date_ranges(
    *,
    min_value: date = date(1999, 1, 1),
    max_value: date = date(2101, 12, 31),
    max_days: int = 800,
) -> st.SearchStrategy[DateRange]:
    """Non-empty half-open date ranges inside ``[min_value, max_value]``.

    Args:
        min_value: the earliest start.
        max_value: the latest end (exclusive end of the range may equal it).
        max_days: the longest range in days.
    """
    starts = st.dates(min_value=min_value, max_value=max_value - timedelta(days=1))
    return starts.flatmap(
        lambda start: st.integers(1, min(max_days, (max_value - start).days)).map(
            lambda days: DateRange(start, start + timedelta(days=days))
        )
    )


def period_codes(
    *, period_units: Sequence[PeriodUnit] | None = None, max_count: int = 4
) -> st.SearchStrategy[PeriodCode]:
    """Period codes: a unit (day, week, month, quarter, half-year, year) times 1..max_count.

    ``period_units`` limits the units drawn (all of them by default).
    """
    chosen = list(PeriodUnit) if period_units is None else list(period_units)
    return st.builds(PeriodCode, st.sampled_from(chosen), st.integers(1, max_count))


def zones(*, names: Sequence[str] = DEFAULT_ZONES) -> st.SearchStrategy[ZoneInfo]:
    """IANA zones (default: :data:`DEFAULT_ZONES`, picked for their DST traps)."""
    return st.sampled_from([ZoneInfo(name) for name in names])


def aware_datetimes(
    *,
    min_value: datetime = datetime(2000, 1, 1, tzinfo=UTC),
    max_value: datetime = datetime(2040, 12, 31, tzinfo=UTC),
    timezones: st.SearchStrategy[ZoneInfo] | None = None,
) -> st.SearchStrategy[datetime]:
    """Aware instants between two instants, expressed in zones from ``timezones``.

    Every value is an existing, unambiguous reading of its zone's clock: it is built
    from a UTC instant and converted, so DST gaps and overlaps are crossed correctly.
    """
    span = int((max_value - min_value).total_seconds())
    instants = st.integers(0, span).map(lambda seconds: min_value + timedelta(seconds=seconds))
    return st.tuples(instants, zones() if timezones is None else timezones).map(
        lambda pair: pair[0].astimezone(pair[1])
    )


def stage_ids() -> st.SearchStrategy[str]:
    """Valid stage ids: printable, no surrounding whitespace, with awkward characters.

    Quotes, ``#`` and ``<>`` are included on purpose: they are what a Mermaid diagram
    or a ``repr`` must escape.
    """
    return st.text(
        st.characters(exclude_categories=("C", "Z"), include_characters=' "#<>'),
        min_size=1,
        max_size=MAX_STAGE_ID_LENGTH,
    ).filter(lambda text: text == text.strip())


def stage_rules() -> st.SearchStrategy[StageRules]:
    """Any combination of stage rules."""
    return st.builds(
        StageRules,
        may_modify=st.booleans(),
        may_delete=st.booleans(),
        may_cancel=st.booleans(),
        may_post=st.booleans(),
        requires_reason=st.booleans(),
        stops_sla_clock=st.booleans(),
    )


@st.composite
def stage_graphs(
    draw: st.DrawFn,
    *,
    max_stages: int = 12,
    ids: st.SearchStrategy[str] | None = None,
    rules: st.SearchStrategy[StageRules] | None = None,
) -> StageGraph:
    """Random valid stage graphs: a random tree, declared in a random order.

    Stage ``k`` picks its parent among stages ``0 .. k-1``, so the result is a tree
    rooted at stage 0; the stages are then shuffled, so parents need not come first.

    Args:
        draw: supplied by Hypothesis (``stage_graphs()`` takes only the keywords below).
        max_stages: the most stages a graph has (at least 1).
        ids: the strategy for stage ids (default: :func:`stage_ids`).
        rules: the strategy for each stage's rules (default: :func:`stage_rules`).
    """
    size = draw(st.integers(1, max_stages))
    chosen = draw(
        st.lists(stage_ids() if ids is None else ids, min_size=size, max_size=size, unique=True)
    )
    parents = [None] + [chosen[draw(st.integers(0, k - 1))] for k in range(1, len(chosen))]
    stage_rule = stage_rules() if rules is None else rules
    stages = [
        Stage(stage_id, draw(st.text(max_size=30)), parent, draw(stage_rule))
        for stage_id, parent in zip(chosen, parents, strict=True)
    ]
    return StageGraph(tuple(draw(st.permutations(stages))))
