"""The fast paths of fee generation answer exactly what the plain paths answer."""

from __future__ import annotations

from datetime import date, timedelta

import attrs
from hypothesis import given
from hypothesis import strategies as st

from servicedomain._trusted import positional_builder
from servicedomain.billing import FeeKind, FeeTransaction, PriceTable, Subscription
from servicedomain.billing._fee_generation import _Prices
from servicedomain.money import Money
from servicedomain.periods import (
    HALF_YEARLY,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    Alignment,
    DateRange,
    PeriodCode,
    Schedule,
)
from servicedomain.testing.billing_strategies import (
    anchor_dates,
    price_change_histories,
    price_tables,
    subscriptions,
)


@st.composite
def priced(draw: st.DrawFn) -> tuple[Subscription, PriceTable | None, date]:
    sub = draw(subscriptions())
    sub = attrs.evolve(sub, price_changes=draw(price_change_histories(sub)))
    prices = draw(st.none() | price_tables(subscription=sub))
    day = sub.start_date + timedelta(days=draw(st.integers(0, 3_000)))
    return sub, prices, day


@given(priced())
def test_the_price_steps_answer_what_price_on_answers(
    case: tuple[Subscription, PriceTable | None, date],
) -> None:
    sub, prices, day = case
    lookup = _Prices(sub, prices)
    assert lookup.on(day) == sub.price_on(day, prices)
    if prices is not None:
        assert lookup.steps == sorted(
            set(
                prices.effective_dates(
                    subscription_id=sub.id,
                    project_id=sub.project_id,
                    category_id=sub.category_id,
                    period_code=sub.period_code,
                    currency=sub.currency,
                )
            )
            | {change.effective_date for change in sub.price_changes}
        )


@given(
    st.sampled_from([WEEKLY, MONTHLY, QUARTERLY, HALF_YEARLY, YEARLY, PeriodCode.parse("P10D")]),
    anchor_dates(),
    st.sampled_from(list(Alignment)),
    st.integers(-40, 400),
    st.integers(1, 800),
)
def test_schedule_boundaries_are_the_periods_boundaries(
    code: PeriodCode, anchor: date, alignment: Alignment, offset: int, length: int
) -> None:
    if alignment is Alignment.CALENDAR and code == PeriodCode.parse("P10D"):
        alignment = Alignment.ANCHORED
    schedule = Schedule(code, anchor, alignment)
    within = DateRange(anchor + timedelta(days=offset), anchor + timedelta(days=offset + length))
    periods = list(schedule.periods(within))
    expected = [periods[0].start, *(period.end for period in periods)] if periods else []
    assert schedule.boundaries(within) == expected


def test_the_positional_builder_takes_the_fields_in_declaration_order() -> None:
    period = DateRange(date(2024, 1, 1), date(2024, 2, 1))
    values = {
        "subscription_id": "S-1",
        "kind": FeeKind.CHARGE,
        "period": period,
        "billing_period": period,
        "amount": Money(100, "EUR"),
        "price": Money(100, "EUR"),
        "customer_id": "C",
        "project_id": "P",
        "category_id": "F",
        "due_date": date(2024, 1, 1),
        "adjusts": None,
        "revision": 0,
    }
    assert [field.name for field in attrs.fields(FeeTransaction)] == list(values)
    built = positional_builder(FeeTransaction)(*values.values())
    assert built == FeeTransaction(**values)  # type: ignore[arg-type]
