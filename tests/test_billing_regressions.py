"""Billing regressions of other systems (invariants.md section 2) not pinned elsewhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from billing_fixtures import AT
from servicedomain.billing import (
    FeeKind,
    FeeTransaction,
    Subscription,
    generate_fees,
    prorate,
    reduce_days,
)
from servicedomain.instants import local_date
from servicedomain.money import Money
from servicedomain.periods import MONTHLY, QUARTERLY, DateRange, PeriodCode
from servicedomain.testing.invariants import check_amounts_exact, check_unique_keys


def subscription(start: date, price: int = 100, period: PeriodCode = MONTHLY) -> Subscription:
    return Subscription(
        id="S-1",
        group_id="G",
        customer_id="C",
        project_id="P",
        category_id="FEE",
        period_code=period,
        base_price=Money(price, "EUR"),
        start_date=start,
    )


def net(fees: list[FeeTransaction], billing_start: date) -> Money:
    return Money.total(
        (fee.amount for fee in fees if fee.billing_period.start == billing_start), "EUR"
    )


def test_killbill_1505_full_adjustment_then_cancel_on_the_billing_date() -> None:
    """Every day of February removed, then the subscription cancelled on Feb 1: no crash,
    no zero-amount repair lines, and February nets zero."""
    sub = subscription(date(2024, 1, 1))
    stored = list(generate_fees(sub, as_of=date(2024, 2, 1)))
    february = stored[1]
    stored.append(reduce_days(sub, stored, charge=february, removed=february.period))
    assert net(stored, date(2024, 2, 1)).is_zero
    made = generate_fees(
        sub.cancel(last_day=date(2024, 1, 31), at=AT)[0], stored, as_of=date(2024, 2, 1)
    )
    assert made == ()
    assert all(not fee.amount.is_zero for fee in stored)


def test_killbill_154_an_adjusted_fee_is_not_billed_again_and_a_later_change_is_credited() -> None:
    sub = subscription(date(2024, 1, 1), price=310)
    stored = list(generate_fees(sub, as_of=date(2024, 1, 1)))
    stored.append(
        reduce_days(
            sub, stored, charge=stored[0], removed=DateRange(date(2024, 1, 1), date(2024, 1, 6))
        )
    )
    assert generate_fees(sub, stored, as_of=date(2024, 1, 20)) == ()
    cheaper, _ = sub.change_price(
        effective_date=date(2024, 1, 21), base_price=Money(155, "EUR"), at=AT
    )
    (credit,) = generate_fees(cheaper, stored, as_of=date(2024, 1, 21))
    assert credit.kind is FeeKind.PRICE_CHANGE
    assert credit.amount == Money.of("-55.00", "EUR")  # 11 days of 310 -> 155 over 31 days
    assert credit.revision == 1  # after the reduction, revision 0


def test_killbill_1934_accounts_either_side_of_dst_get_identical_periods() -> None:
    """C4/C5: two customers in Paris sign up an hour after local midnight on either side of
    the spring-forward night; their start dates are the local dates, and their periods
    are whole months counted on dates (March has 31 days though it has 743 hours)."""
    before = local_date(datetime(2024, 3, 30, 23, 0, tzinfo=UTC), "Europe/Paris")  # 00:00+1
    after = local_date(datetime(2024, 3, 31, 22, 0, tzinfo=UTC), "Europe/Paris")  # 00:00+2
    assert (before, after) == (date(2024, 3, 31), date(2024, 4, 1))
    first = generate_fees(subscription(before), as_of=date(2024, 5, 1))
    second = generate_fees(subscription(after), as_of=date(2024, 5, 1))
    assert [fee.period.days for fee in first] == [30, 31]  # Mar 31-Apr 29, Apr 30-May 30
    assert [fee.period.days for fee in second] == [30, 31]
    assert all(fee.amount == Money(100, "EUR") for fee in (*first, *second))


def test_lago_818_a_cancellation_in_new_york_across_a_month_end_credits_local_days() -> None:
    """F7 in a non-UTC zone: cancelled at 03:00 UTC on Feb 1, which is still Jan 31 in New
    York; the customer keeps Jan 1-30 and is credited Jan 31 only."""
    sub = subscription(date(2024, 1, 1), price=310)
    stored = list(generate_fees(sub, as_of=date(2024, 1, 1)))
    cancel_on = local_date(datetime(2024, 2, 1, 3, 0, tzinfo=UTC), "America/New_York")
    assert cancel_on == date(2024, 1, 31)
    (credit,) = generate_fees(
        sub.cancel(last_day=cancel_on - timedelta(days=1), at=AT)[0],
        stored,
        as_of=date(2024, 1, 31),
    )
    assert credit.kind is FeeKind.CANCELLATION
    assert credit.amount == Money.of("-10.00", "EUR")
    january = stored[0].period
    assert stored[0].amount + credit.amount == prorate(
        Money(310, "EUR"), DateRange(date(2024, 1, 1), cancel_on), january
    )


def test_killbill_1124_every_amount_has_the_currency_scale() -> None:
    sub = subscription(date(2024, 1, 17), price=1000, period=QUARTERLY)
    fees = list(generate_fees(sub, as_of=date(2024, 12, 31)))
    fees += generate_fees(
        sub.cancel(last_day=date(2024, 11, 2), at=AT)[0], fees, as_of=date(2024, 12, 31)
    )
    check_amounts_exact(fees)
    check_unique_keys(fees)
    assert all(fee.amount.amount.as_tuple().exponent == -2 for fee in fees)


def test_F7_days_a_price_change_repriced_are_removed_at_their_billed_price() -> None:
    """Found by the lifecycle machine: February billed at 1.00, re-priced to 0.00 from
    Feb 1, cancelled mid-month; removing Feb 1 then credited 0.03 at the old price, and
    February netted -0.03. The removed day is worth what it is billed: 0.00."""
    sub = subscription(date(2024, 1, 1), price=1)
    stored = list(generate_fees(sub, as_of=date(2024, 2, 1)))
    free, _ = sub.change_price(effective_date=date(2024, 2, 1), base_price=Money(0, "EUR"), at=AT)
    stored += generate_fees(free, stored, as_of=date(2024, 2, 1))
    ended, _ = free.cancel(last_day=date(2024, 2, 14), at=AT)
    stored += generate_fees(ended, stored, as_of=date(2024, 2, 1))
    february = next(fee for fee in stored if fee.period.start == date(2024, 2, 1))
    removal = reduce_days(
        ended, stored, charge=february, removed=DateRange(date(2024, 2, 1), date(2024, 2, 2))
    )
    assert removal.amount.is_zero
    assert net([*stored, removal], date(2024, 2, 1)).is_zero


def test_reductions_never_take_a_charge_below_zero() -> None:
    sub = subscription(date(2024, 3, 1), price=100)
    stored = list(generate_fees(sub, as_of=date(2024, 3, 1)))
    for first, last in ((1, 1), (2, 16), (17, 31)):  # 3.23 + 48.39 + 48.39 would be 100.01
        stored.append(
            reduce_days(
                sub,
                stored,
                charge=stored[0],
                removed=DateRange.inclusive(date(2024, 3, first), date(2024, 3, last)),
            )
        )
    assert net(stored, date(2024, 3, 1)).is_zero
