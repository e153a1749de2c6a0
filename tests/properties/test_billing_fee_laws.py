"""The laws of fees and proration (F1-F7, F9, F12, M5, P3) of invariants.md, as properties.

The checks are the reusable ones of :mod:`servicedomain.testing.invariants`; the
inputs come from :mod:`servicedomain.testing.billing_strategies`. Generation-heavy
properties run fewer examples than the profile's count, so the thorough profile stays
fast.

The random histories interleave runs, price changes and a cancellation in any order;
a change is not always followed by a run, so one run may meet several changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import example, find, given, settings
from hypothesis import strategies as st

from billing_fixtures import AT
from servicedomain.billing import (
    BillingTiming,
    FeeKind,
    FeeRun,
    FeeTransaction,
    PriceChange,
    PriceTable,
    Subscription,
    generate_fees,
    new_fees,
    prorate,
)
from servicedomain.errors import IdempotencyConflictError
from servicedomain.money import Money
from servicedomain.periods import MONTHLY, QUARTERLY, YEARLY, Alignment, DateRange, PeriodCode
from servicedomain.testing.billing_strategies import (
    anchor_dates,
    billing_histories,
    cancellation_dates,
    price_change_histories,
    price_tables,
    subscription_prices,
    subscriptions,
)
from servicedomain.testing.invariants import (
    LawViolation,
    billing_horizon,
    check_amounts_exact,
    check_cancellation_credit,
    check_catch_up,
    check_fee_laws,
    check_idempotent,
    check_no_gaps_no_overlaps,
    check_proration_bounds,
    check_purity,
    check_same_net,
    check_split_additivity,
    check_time_weighted,
    check_unique_keys,
    check_whole_period,
    check_whole_period_charges,
    invoicing_period,
)
from servicedomain.testing.strategies import monies

THOROUGH = settings.get_current_profile_name() == "thorough"
# Properties that run the generator over a whole history: fewer examples.
HEAVY = settings(max_examples=120 if THOROUGH else 25)
MEDIUM = settings(max_examples=250 if THOROUGH else 40)


def subscription(
    start: date,
    *,
    period: PeriodCode = MONTHLY,
    price: str = "100.00",
    timing: BillingTiming = BillingTiming.IN_ADVANCE,
    alignment: Alignment = Alignment.ANCHORED,
) -> Subscription:
    return Subscription(
        id="S-1",
        group_id="G",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        period_code=period,
        base_price=Money(Decimal(price), "EUR"),
        start_date=start,
        timing=timing,
        alignment=alignment,
    )


def run_all(sub: Subscription, prices: PriceTable | None, runs: list[date]) -> list[FeeTransaction]:
    """The fees of runs at each date, each fed the fees before it."""
    stored: list[FeeTransaction] = []
    for day in runs:
        stored.extend(generate_fees(sub, stored, prices, as_of=day))
    return stored


def with_runs(
    subs: st.SearchStrategy[Subscription],
) -> st.SearchStrategy[tuple[Subscription, list[date]]]:
    return subs.flatmap(lambda sub: st.tuples(st.just(sub), billing_histories(sub)))


def periods_of(sub: Subscription, max_k: int) -> st.SearchStrategy[DateRange]:
    return st.integers(0, max_k).map(sub.schedule.period)


# ------------------------------------------------------------------------- proration


@st.composite
def fees_and_periods(draw: st.DrawFn) -> tuple[Money, DateRange]:
    """A fee of either sign (a credit too) and a period of a drawn subscription."""
    sub = draw(subscriptions())
    period = draw(periods_of(sub, 240 if sub.period_code.is_month_based else 60))
    limit = Decimal(100_000)
    fee = draw(monies(currency=sub.currency, min_value=-limit, max_value=limit))
    return fee, period


def days_in(period: DateRange) -> st.SearchStrategy[date]:
    return st.integers(0, period.days).map(lambda k: period.start + timedelta(days=k))


@given(
    fees_and_periods().flatmap(
        lambda fp: st.tuples(st.just(fp), st.lists(days_in(fp[1]), max_size=8))
    )
)
@example(
    (
        (Money(Decimal("100.00"), "EUR"), DateRange(date(2024, 12, 1), date(2025, 1, 1))),
        [date(2024, 12, 2), date(2024, 12, 17)],
    )
)
@example(((Money(1, "JPY"), DateRange(date(2024, 2, 1), date(2024, 3, 1))), [date(2024, 2, 15)]))
def test_F1_pieces_of_any_split_add_up_to_the_fee(
    case: tuple[tuple[Money, DateRange], list[date]],
) -> None:
    (fee, period), points = case
    check_split_additivity(fee, period, points)


@given(subscriptions(), st.integers(0, 240))
@example(subscription(date(2024, 1, 31)), 1)  # Feb 29
@example(subscription(date(2023, 1, 31)), 1)  # Feb 28
@example(subscription(date(2024, 2, 29), period=YEARLY), 4)  # 2028-02-29
@example(subscription(date(2000, 2, 29), period=YEARLY), 100)  # 2100 is not leap
@example(subscription(date(2024, 1, 15), period=QUARTERLY), 0)  # ERPNext #57768
@example(subscription(date(2024, 2, 15), period=QUARTERLY, alignment=Alignment.CALENDAR), 0)
def test_F2_a_whole_period_costs_the_whole_fee(sub: Subscription, k: int) -> None:
    if not sub.period_code.is_month_based:
        k = min(k, 60)
    period = sub.schedule.period(k)
    check_whole_period(sub.base_price, period)
    fees = generate_fees(sub, within=period, run=FeeRun.REGULAR)
    check_whole_period_charges(fees)
    assert [fee.period for fee in fees] == [period]
    whole = invoicing_period(sub, period.start)
    assert [fee.billing_period for fee in fees] == [whole]
    price = sub.price_on(period.start)
    # A calendar stub is a part of its calendar period; every other period is whole.
    assert [fee.amount for fee in fees] == [prorate(price, period, whole)]
    if period == whole:
        assert fees[0].amount == price


@given(
    fees_and_periods().flatmap(
        lambda fp: st.tuples(
            st.just(fp),
            st.lists(
                st.tuples(days_in(fp[1]), days_in(fp[1]))
                .filter(lambda ab: ab[0] != ab[1])
                .map(lambda ab: DateRange(min(ab), max(ab))),
                max_size=4,
            ),
        )
    )
)
@example(((Money(Decimal("300.00"), "EUR"), DateRange(date(2024, 1, 15), date(2024, 4, 15))), []))
def test_F3_prorate_is_bounded_and_never_shrinks_with_more_days(
    case: tuple[tuple[Money, DateRange], list[DateRange]],
) -> None:
    (fee, period), pieces = case
    check_proration_bounds(fee, period, pieces)


# ------------------------------------------------------------------- generation laws


@HEAVY
@given(st.data())
def test_F4_a_second_run_on_the_stored_fees_makes_nothing(data: st.DataObject) -> None:
    sub = data.draw(subscriptions(end_dates=True))
    sub = attrs.evolve(sub, price_changes=data.draw(price_change_histories(sub)))
    prices = data.draw(st.none() | price_tables(subscription=sub))
    runs = data.draw(billing_histories(sub))
    stored: list[FeeTransaction] = []
    for day in runs:
        check_idempotent(sub, stored, prices, as_of=day)
        stored.extend(generate_fees(sub, stored, prices, as_of=day))
    check_fee_laws(sub, stored, prices, through=billing_horizon(sub, max(runs)), as_of=max(runs))


@HEAVY
@given(with_runs(subscriptions(end_dates=True)), st.data())
@example((subscription(date(2024, 1, 31)), [date(2024, 4, 30), date(2024, 2, 29)]), None)
@example(
    (subscription(date(2024, 1, 31), timing=BillingTiming.IN_ARREARS), [date(2024, 5, 1)] * 2),
    None,
)
def test_F5_runs_at_any_dates_equal_one_run_at_the_last(
    case: tuple[Subscription, list[date]], data: st.DataObject | None
) -> None:
    sub, runs = case
    prices = None if data is None else data.draw(st.none() | price_tables(subscription=sub))
    if data is not None:
        sub = attrs.evolve(sub, price_changes=data.draw(price_change_histories(sub)))
    check_catch_up(sub, prices, runs)


Timeline = tuple[Subscription, PriceTable | None, list[FeeTransaction], date]


@st.composite
def timelines(draw: st.DrawFn, *, cancel: bool = True) -> Timeline:
    """A subscription's life: runs, price changes and a cancellation in a random order.

    Each run, and a last one at the end, generates as of the latest run date and
    stores its fees with ``new_fees``; changes and the cancellation take effect at the
    next run. Returns the final subscription, the prices, every fee stored, and the
    latest as-of date.
    """
    sub = draw(subscriptions())
    prices = draw(st.none() | price_tables(subscription=sub))
    changes = draw(price_change_histories(sub))
    runs = draw(billing_histories(sub))
    events: list[tuple[str, date | PriceChange]] = [("run", day) for day in runs]
    events += [("change", change) for change in changes]
    order = draw(st.permutations(events))
    if cancel and draw(st.booleans()):
        at = draw(st.integers(0, len(order)))
        order.insert(at, ("cancel", draw(cancellation_dates(sub))))
    pending = list(changes)
    stored: list[FeeTransaction] = []
    last = sub.start_date

    def run(current: Subscription, day: date) -> None:
        made = generate_fees(current, stored, prices, as_of=day)
        stored.extend(new_fees(stored, made))  # P3: the store accepts every fee once

    for kind, value in order:
        if kind == "run":
            assert isinstance(value, date)
            last = max(last, value)
            run(sub, last)
        elif kind == "change":
            change = pending.pop(0)
            sub, _ = sub.change_price(
                effective_date=change.effective_date,
                base_price=change.base_price,
                index=change.index,
                at=AT,
            )
        else:
            assert isinstance(value, date)
            sub, _ = sub.cancel(last_day=value, at=AT)
    run(sub, last)
    return sub, prices, stored, last


@HEAVY
@given(timelines())
def test_F5_a_history_of_changes_nets_like_one_run_of_the_final_state(case: Timeline) -> None:
    sub, prices, stored, last = case
    check_idempotent(sub, stored, prices, as_of=last)
    check_same_net(generate_fees(sub, (), prices, as_of=last), stored)


@HEAVY
@given(timelines())
def test_F6_net_billed_days_tile_the_horizon(case: Timeline) -> None:
    sub, prices, stored, last = case
    check_no_gaps_no_overlaps(sub, stored, through=billing_horizon(sub, last))
    check_fee_laws(sub, stored, prices, through=billing_horizon(sub, last), as_of=last)


def test_F6_through_is_the_last_day_billed_inclusive() -> None:
    sub = subscription(date(2024, 1, 1))
    fees = generate_fees(sub, as_of=date(2024, 3, 1))  # January to March
    assert billing_horizon(sub, date(2024, 3, 1)) == date(2024, 3, 31)
    check_no_gaps_no_overlaps(sub, fees, through=date(2024, 3, 31))
    check_fee_laws(sub, fees, through=date(2024, 3, 31))
    with pytest.raises(LawViolation, match="after the horizon"):
        check_no_gaps_no_overlaps(sub, fees, through=date(2024, 3, 30))


def test_F6_the_check_finds_a_gap_and_an_overlap() -> None:
    sub = subscription(date(2024, 1, 1))
    fees = generate_fees(sub, as_of=date(2024, 3, 1))
    with pytest.raises(LawViolation, match="no charge bills"):
        check_no_gaps_no_overlaps(sub, fees[1:], through=date(2024, 3, 31))
    with pytest.raises(LawViolation, match="overlaps"):
        check_no_gaps_no_overlaps(sub, (*fees, fees[0]), through=date(2024, 3, 31))
    with pytest.raises(LawViolation, match="after the horizon"):
        check_no_gaps_no_overlaps(sub, fees, through=date(2024, 1, 31))


@HEAVY
@given(
    with_runs(subscriptions(end_dates=True)).flatmap(
        lambda case: st.tuples(st.just(case), cancellation_dates(case[0]))
    ),
    st.data(),
)
@example(
    ((subscription(date(2024, 3, 1), price="200.00"), [date(2024, 3, 1)]), date(2024, 3, 14)), None
)
@example(
    ((subscription(date(2024, 1, 15), period=QUARTERLY), [date(2024, 8, 1)]), date(2024, 1, 15)),
    None,
)
def test_F7_a_cancellation_credits_exactly_the_billed_days_after_it(
    case: tuple[tuple[Subscription, list[date]], date], data: st.DataObject | None
) -> None:
    (sub, runs), last_day = case
    prices = None if data is None else data.draw(st.none() | price_tables(subscription=sub))
    stored = run_all(sub, prices, runs)
    cancelled, _ = sub.cancel(last_day=last_day, at=AT)
    made = generate_fees(cancelled, stored, prices, as_of=max(runs))
    check_cancellation_credit(cancelled, stored, made, prices, as_of=max(runs))
    everything = [*stored, *made]
    check_fee_laws(
        cancelled,
        everything,
        prices,
        through=billing_horizon(cancelled, max(runs)),
        as_of=max(runs),
    )


Repriced = tuple[Subscription, PriceTable | None, list[FeeTransaction], date, DateRange]


@st.composite
def repriced_periods(draw: st.DrawFn) -> Repriced:
    """Price changes inside one invoicing period, each regenerated after it is known.

    The runs are as of one day that bills the period and no later one: inside it in
    advance, inside the next period in arrears; the period may be billed before the
    first change or not. Returns the final subscription, the prices, every fee stored,
    the as-of date and the period.
    """
    sub = draw(subscriptions())
    k = draw(st.integers(0, 3))
    period = sub.schedule.period(k)
    prices = draw(st.none() | price_tables(subscription=sub))
    changes = draw(price_change_histories(sub, within=period))
    due = period if sub.timing is BillingTiming.IN_ADVANCE else sub.schedule.period(k + 1)
    as_of = draw(st.dates(min_value=due.start, max_value=due.last))
    stored: list[FeeTransaction] = []
    if draw(st.booleans()):
        stored.extend(generate_fees(sub, stored, prices, as_of=as_of))
    for change in changes:
        sub, _ = sub.change_price(
            effective_date=change.effective_date,
            base_price=change.base_price,
            index=change.index,
            at=AT,
        )
        stored.extend(generate_fees(sub, stored, prices, as_of=as_of))
    stored.extend(generate_fees(sub, stored, prices, as_of=as_of))
    return sub, prices, stored, as_of, invoicing_period(sub, period.start)


@MEDIUM
@given(repriced_periods())
def test_F9_price_changes_inside_a_period_net_the_time_weighted_price(case: Repriced) -> None:
    sub, prices, stored, as_of, period = case
    assert any(fee.billing_period == period for fee in stored)
    check_time_weighted(sub, stored, prices, period=period)
    check_idempotent(sub, stored, prices, as_of=as_of)
    check_same_net(generate_fees(sub, (), prices, as_of=as_of), stored)


def test_F9_the_check_finds_a_price_change_left_unbilled() -> None:
    sub = subscription(date(2024, 1, 1))
    fees = generate_fees(sub, as_of=date(2024, 1, 1))
    repriced, _ = sub.change_price(
        effective_date=date(2024, 1, 11), base_price=Money(200, "EUR"), at=AT
    )
    with pytest.raises(LawViolation, match="F9"):
        check_time_weighted(repriced, fees, period=fees[0].billing_period)


@MEDIUM
@given(timelines())
def test_F12_equal_inputs_give_equal_fees(case: Timeline) -> None:
    sub, prices, stored, last = case
    check_purity(sub, stored, prices, as_of=last)
    check_purity(sub, stored[: len(stored) // 2], prices, as_of=last)
    check_purity(
        sub,
        (),
        prices,
        within=DateRange(sub.start_date, billing_horizon(sub, last) + timedelta(days=2)),
    )


# ------------------------------------------------------------------- money and keys


@MEDIUM
@given(
    with_runs(subscriptions(currencies=("JPY", "KWD", "EUR", "USD"), end_dates=True)),
    st.data(),
)
def test_M5_every_fee_amount_is_exact_in_its_currency(
    case: tuple[Subscription, list[date]], data: st.DataObject
) -> None:
    sub, runs = case
    stored = run_all(sub, None, runs)
    changed = attrs.evolve(sub, price_changes=data.draw(price_change_histories(sub)))
    if data.draw(st.booleans()):
        changed, _ = changed.cancel(last_day=data.draw(cancellation_dates(changed)), at=AT)
    stored.extend(generate_fees(changed, stored, as_of=max(runs)))
    check_amounts_exact(stored)
    for fee in stored:
        assert fee.amount.minor_units == int(fee.amount.amount.scaleb(fee.currency.minor_units))


def test_M5_the_check_finds_an_amount_with_extra_decimals() -> None:
    fee = generate_fees(subscription(date(2024, 1, 1)), as_of=date(2024, 1, 1))[0]
    loose = object.__new__(Money)  # what a careless adapter might load: 100.0 EUR
    object.__setattr__(loose, "amount", Decimal("100.0"))
    object.__setattr__(loose, "currency", fee.currency)
    forged = attrs.evolve(fee)
    object.__setattr__(forged, "amount", loose)
    with pytest.raises(LawViolation, match="M5"):
        check_amounts_exact([forged])


@MEDIUM
@given(timelines())
def test_P3_generated_fee_keys_are_unique(case: Timeline) -> None:
    _sub, _prices, stored, _last = case
    check_unique_keys(stored)


Change = Callable[[FeeTransaction], FeeTransaction]
PAYLOAD_CHANGES: dict[str, Change] = {
    # One minor unit more on the price, and one toward it on the amount: a fee that
    # could exist (a charge bills 0 to its price, a credit 0 to minus it).
    "amount": lambda fee: attrs.evolve(
        fee,
        amount=fee.amount
        + Money.from_minor_units(1 if fee.kind is FeeKind.CHARGE else -1, fee.currency),
        price=fee.price + Money.from_minor_units(1, fee.currency),
    ),
    "price": lambda fee: attrs.evolve(
        fee, price=fee.price + Money.from_minor_units(1, fee.currency)
    ),
    "due_date": lambda fee: attrs.evolve(fee, due_date=fee.due_date + timedelta(days=1)),
    "customer_id": lambda fee: attrs.evolve(fee, customer_id="C-OTHER"),
}


@MEDIUM
@given(with_runs(subscriptions()), st.sampled_from(sorted(PAYLOAD_CHANGES)), st.data())
def test_P3_same_key_same_payload_is_a_no_op_another_payload_conflicts(
    case: tuple[Subscription, list[date]], field: str, data: st.DataObject
) -> None:
    sub, runs = case
    stored = run_all(sub, None, runs)
    assert new_fees(stored, stored) == ()
    assert new_fees((), [*stored, *stored]) == tuple(stored)
    if not stored:
        return
    fee = data.draw(st.sampled_from(stored))
    other = PAYLOAD_CHANGES[field](fee)
    assert other.key == fee.key
    with pytest.raises(IdempotencyConflictError) as caught:
        new_fees(stored, [other])
    assert caught.value.field == field
    assert caught.value.key == fee.id
    with pytest.raises(IdempotencyConflictError):
        new_fees((), [fee, other])
    with pytest.raises(LawViolation, match="P3"):
        check_unique_keys([*stored, other])


@MEDIUM
@given(with_runs(subscriptions()), st.data())
def test_fees_take_the_price_table_entry_of_their_period_and_never_a_distractor(
    case: tuple[Subscription, list[date]], data: st.DataObject
) -> None:
    sub, runs = case
    prices = data.draw(price_tables(subscription=sub))
    for fee in run_all(sub, prices, runs):
        priced_on = max(fee.billing_period.start, sub.start_date)
        assert fee.price == sub.price_on(priced_on, prices)
        entry = prices.find(
            subscription_id=sub.id,
            project_id=sub.project_id,
            category_id=sub.category_id,
            period_code=sub.period_code,
            currency=sub.currency,
            on=priced_on,
        )
        if entry is not None:
            assert entry.period_code == sub.period_code
            assert entry.currency == sub.currency
            assert entry.project_id in (None, sub.project_id)


@given(subscription_prices("KWD"), subscription_prices("JPY"))
def test_M5_strategy_prices_are_exact(kwd: Money, jpy: Money) -> None:
    january = DateRange(date(2024, 1, 1), date(2024, 2, 1))
    for price in (kwd, jpy):
        assert price.is_rounded
        assert price.amount >= 0
        check_split_additivity(price, january, [date(2024, 1, 2)])


@given(st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.integers(0, 60), st.data())
def test_anchor_dates_stay_within_any_window_even_a_short_one(
    low: date, days: int, data: st.DataObject
) -> None:
    high = low + timedelta(days=days)
    drawn = data.draw(anchor_dates(min_value=low, max_value=high))
    assert low <= drawn <= high


@pytest.mark.parametrize("trap", [date(2024, 2, 29), date(2024, 3, 1), date(2024, 1, 31)])
def test_anchor_dates_reach_the_traps_of_a_short_window(trap: date) -> None:
    window = anchor_dates(min_value=date(2024, 1, 20), max_value=date(2024, 3, 10))
    assert find(window, lambda day: day == trap) == trap
