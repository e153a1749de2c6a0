"""Billing: revenue accrual of invoiced subscription fees and its reversal (catalog 5)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from servicedomain.billing import (
    ACCRUED_REVENUE_ACCOUNT,
    WIP_ACCOUNT,
    AccrualEntry,
    AccrualEntryKind,
    AccrualMethod,
    AccrualPeriod,
    AccrualPolicy,
    FeeTransaction,
    Invoice,
    ReversalMode,
    RoundingPeriod,
    Subscription,
    accrual_periods,
    accrual_periods_for,
    accrue,
    accrued_total,
    generate_fees,
    propose_invoices,
    reverse_for_credit,
    reverse_period,
)
from servicedomain.errors import (
    BillingRuleError,
    CreditExceededError,
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidInputError,
    InvalidPeriodError,
    ServiceDomainError,
    TypeMismatchError,
)
from servicedomain.money import Money
from servicedomain.periods import (
    DAILY,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    DateRange,
    PeriodCode,
    PeriodUnit,
)
from servicedomain.testing.strategies import date_ranges, monies

FEE = "FEE-1"
Q1_2023 = DateRange(date(2023, 1, 1), date(2023, 4, 1))  # 31 + 28 + 31 = 90 days
Q1_2024 = DateRange(date(2024, 1, 1), date(2024, 4, 1))  # 31 + 29 + 31 = 91 days
PER_DAY = AccrualPolicy(period_code=MONTHLY, method=AccrualMethod.PER_DAY)
ACCRUAL_CODES = (YEARLY, QUARTERLY, MONTHLY, DAILY)


def eur(amount: int | str) -> Money:
    return Money(Decimal(amount), "EUR")


def amounts(periods: Sequence[AccrualPeriod]) -> list[str]:
    return [str(period.amount.amount) for period in periods]


def assert_names_field(error: ServiceDomainError, field: str) -> None:
    assert isinstance(error, ServiceDomainError)
    assert getattr(error, "field", None) == field
    assert field in str(error)


def q1_periods(**policy: Any) -> tuple[AccrualPeriod, ...]:
    """The catalog's quarterly 300.00 EUR fee, per day, over Q1 2023."""
    return accrual_periods(
        source_id=FEE,
        amount=eur(300),
        service_period=Q1_2023,
        policy=AccrualPolicy(period_code=MONTHLY, method=AccrualMethod.PER_DAY, **policy),
    )


def posted_q1() -> tuple[AccrualPeriod, ...]:
    """Q1 2023 with January and February accrued at their month ends."""
    periods, _ = accrue(q1_periods(), through=date(2023, 1, 31), posting_date=date(2023, 1, 31))
    periods, _ = accrue(periods, through=date(2023, 2, 28), posting_date=date(2023, 2, 28))
    return periods


# ---------------------------------------------------------------- cutting a fee (F11)


def test_F11_catalog_example_per_day_rounding_on_the_first_period() -> None:
    periods = q1_periods()
    assert amounts(periods) == ["103.34", "93.33", "103.33"]
    assert [p.period for p in periods] == list(Q1_2023.split_at(date(2023, 2, 1), date(2023, 3, 1)))
    assert [p.key for p in periods] == [(FEE, 0), (FEE, 1), (FEE, 2)]
    assert not any(p.is_posted or p.is_reversed for p in periods)


def test_F11_catalog_example_per_day_rounding_on_the_last_period() -> None:
    periods = q1_periods(rounding_period=RoundingPeriod.LAST)
    assert amounts(periods) == ["103.33", "93.33", "103.34"]


def test_F11_per_day_in_a_leap_year_needs_no_rounding_difference() -> None:
    periods = accrual_periods(
        source_id=FEE, amount=eur(300), service_period=Q1_2024, policy=PER_DAY
    )
    assert amounts(periods) == ["102.20", "95.60", "102.20"]


@pytest.mark.parametrize("service_period", [Q1_2023, Q1_2024])
def test_F11_equal_split_of_a_quarterly_fee(service_period: DateRange) -> None:
    policy = AccrualPolicy(period_code=MONTHLY)
    periods = accrual_periods(
        source_id=FEE, amount=eur(300), service_period=service_period, policy=policy
    )
    assert amounts(periods) == ["100.00", "100.00", "100.00"]


@pytest.mark.parametrize(
    ("rounding", "expected_first", "expected_last"),
    [(RoundingPeriod.FIRST, "83.37", "83.33"), (RoundingPeriod.LAST, "83.33", "83.37")],
)
def test_F11_yearly_fee_accrued_monthly(
    rounding: RoundingPeriod, expected_first: str, expected_last: str
) -> None:
    year = DateRange(date(2024, 1, 1), date(2025, 1, 1))
    policy = AccrualPolicy(period_code=MONTHLY, rounding_period=rounding)
    periods = accrual_periods(source_id=FEE, amount=eur(1000), service_period=year, policy=policy)
    assert len(periods) == 12
    assert amounts(periods)[0] == expected_first
    assert amounts(periods)[-1] == expected_last
    assert set(amounts(periods)[1:-1]) == {"83.33"}
    assert Money.total((p.amount for p in periods), "EUR") == eur(1000)


def test_F11_the_last_period_is_clipped_at_the_service_period_end() -> None:
    service = DateRange(date(2024, 1, 31), date(2024, 4, 15))
    periods = accrual_periods(
        source_id=FEE, amount=eur(100), service_period=service, policy=PER_DAY
    )
    assert [str(p.period) for p in periods] == [
        "[2024-01-31, 2024-02-29)",
        "[2024-02-29, 2024-03-31)",
        "[2024-03-31, 2024-04-15)",
    ]
    assert amounts(periods) == ["38.67", "41.33", "20.00"]  # 29, 31, 15 of 75 days


def test_F11_a_negative_fee_is_the_mirror_image_and_a_zero_fee_is_zero() -> None:
    negative = accrual_periods(
        source_id=FEE, amount=eur(-300), service_period=Q1_2023, policy=PER_DAY
    )
    assert amounts(negative) == ["-103.34", "-93.33", "-103.33"]
    zero = accrual_periods(source_id=FEE, amount=eur(0), service_period=Q1_2023, policy=PER_DAY)
    assert amounts(zero) == ["0.00", "0.00", "0.00"]


@given(
    amount=st.sampled_from(["EUR", "JPY", "BHD"]).flatmap(
        lambda code: monies(currency=code, min_value=-(10**9), max_value=10**9)
    ),
    service_period=date_ranges(max_days=400),
    code=st.sampled_from(ACCRUAL_CODES),
    method=st.sampled_from(AccrualMethod),
    rounding=st.sampled_from(RoundingPeriod),
)
def test_F11_accrual_periods_sum_to_the_fee(
    amount: Money,
    service_period: DateRange,
    code: PeriodCode,
    method: AccrualMethod,
    rounding: RoundingPeriod,
) -> None:
    policy = AccrualPolicy(period_code=code, method=method, rounding_period=rounding)
    periods = accrual_periods(
        source_id=FEE, amount=amount, service_period=service_period, policy=policy
    )
    count = len(periods)
    assert Money.total((p.amount for p in periods), amount.currency) == amount
    assert [p.number for p in periods] == list(range(count))
    assert service_period.is_tiled_by(p.period for p in periods)
    assert all(p.period.start == code.step(service_period.start, p.number) for p in periods)
    unit = Fraction(1, 10**amount.currency.minor_units)
    rounded = 0 if rounding is RoundingPeriod.FIRST else count - 1
    exacts = [
        Fraction(amount.amount) / count
        if method is AccrualMethod.EQUAL
        else Fraction(amount.amount) * period.period.days / service_period.days
        for period in periods
    ]
    # AX's rule (each part rounded half away from zero, the difference on the
    # rounding-off period) unless that period would get the fee's opposite sign (F14).
    half_up = [_round_half_away(exact, unit) for exact in exacts]
    difference = Fraction(amount.amount) - sum(half_up)
    ax_rule = (half_up[rounded] + difference) * Fraction(amount.amount) >= 0
    for index, (period, exact) in enumerate(zip(periods, exacts, strict=True)):
        part = Fraction(period.amount.amount)
        assert part * Fraction(amount.amount) >= 0, "F14: a part has the fee's sign"
        error = abs(part - exact)
        if not ax_rule:  # largest remainder: every part within one minor unit
            assert error < unit
        elif index != rounded:
            assert error <= unit / 2
        else:
            assert error <= count * unit


def _round_half_away(value: Fraction, unit: Fraction) -> Fraction:
    units = abs(value) / unit
    whole = int(units + Fraction(1, 2))
    return whole * unit * (1 if value >= 0 else -1)


# ---------------------------------------------------------------------------- accrue


def test_accrue_posts_only_the_periods_that_have_ended() -> None:
    periods = q1_periods()
    same, none = accrue(periods, through=date(2023, 1, 30), posting_date=date(2023, 1, 31))
    assert (same, none) == (periods, ())
    updated, entries = accrue(periods, through=date(2023, 1, 31), posting_date=date(2023, 1, 31))
    assert [p.posting_date for p in updated] == [date(2023, 1, 31), None, None]
    (entry,) = entries
    assert entry == AccrualEntry(
        source_id=FEE,
        number=0,
        kind=AccrualEntryKind.ACCRUE,
        posting_date=date(2023, 1, 31),
        debit_account=WIP_ACCOUNT,
        credit_account=ACCRUED_REVENUE_ACCOUNT,
        amount=eur("103.34"),
    )
    assert entry.key == (FEE, 0, "accrue", "")
    assert accrued_total(updated) == eur("103.34")
    assert accrued_total(()) is None


def test_accrue_through_is_inclusive_the_last_day_of_a_period_ends_it() -> None:
    periods = q1_periods()
    updated, (entry,) = accrue(periods, through=date(2023, 1, 31), posting_date=date(2023, 1, 31))
    assert [p.posting_date for p in updated] == [date(2023, 1, 31), None, None]
    assert entry.number == 0
    assert accrue(periods, through=date(2023, 1, 30), posting_date=date(2023, 1, 30)) == (
        periods,
        (),
    )


def test_F4_accrue_twice_posts_nothing_the_second_time() -> None:
    first, entries = accrue(q1_periods(), through=date(2023, 3, 31), posting_date=date(2023, 4, 1))
    assert len(entries) == 3
    again, none = accrue(first, through=date(2023, 3, 31), posting_date=date(2023, 4, 2))
    assert again == first
    assert none == ()


def test_accrue_never_posts_a_zero_period_and_handles_several_fees() -> None:
    zero = accrual_periods(source_id="FEE-0", amount=eur(0), service_period=Q1_2023, policy=PER_DAY)
    periods, entries = accrue(
        (*zero, *q1_periods()), through=date(2023, 3, 31), posting_date=date(2023, 4, 1)
    )
    assert [p.is_posted for p in periods] == [False] * 3 + [True] * 3
    assert {e.source_id for e in entries} == {FEE}


@given(
    service_period=date_ranges(max_days=400),
    code=st.sampled_from(ACCRUAL_CODES),
    first=st.integers(0, 450),
    second=st.integers(0, 450),
)
def test_F4_F5_accrue_is_idempotent_and_catches_up(
    service_period: DateRange, code: PeriodCode, first: int, second: int
) -> None:
    periods = accrual_periods(
        source_id=FEE,
        amount=eur("1234.56"),
        service_period=service_period,
        policy=AccrualPolicy(period_code=code, method=AccrualMethod.PER_DAY),
    )
    early, late = sorted((first, second))
    t1 = service_period.start + timedelta(days=early)
    t2 = service_period.start + timedelta(days=late)
    step, entries1 = accrue(periods, through=t1, posting_date=t1)
    stepped, entries2 = accrue(step, through=t2, posting_date=t2)
    direct, entries = accrue(periods, through=t2, posting_date=t2)
    assert [p.is_posted for p in stepped] == [p.is_posted for p in direct]
    assert {e.key for e in entries1 + entries2} == {e.key for e in entries}
    assert all(p.is_posted == (p.period.last <= t2) for p in direct)
    assert accrue(direct, through=t2, posting_date=t2) == (direct, ())


# ------------------------------------------------------------------- manual reversal


def test_manual_reversal_swaps_the_accounts() -> None:
    periods = posted_q1()
    updated, entry = reverse_period(periods, 1, on=date(2023, 3, 10))
    assert entry.kind is AccrualEntryKind.REVERSE
    assert (entry.debit_account, entry.credit_account) == (ACCRUED_REVENUE_ACCOUNT, WIP_ACCOUNT)
    assert entry.amount == eur("93.33")
    assert entry.posting_date == date(2023, 3, 10)
    assert entry.key == (FEE, 1, "reverse", "")
    assert updated[1].is_reversed
    assert updated[1].reversed_on == date(2023, 3, 10)
    assert updated[1].amount == eur("93.33")  # a reversal credits nothing
    assert updated[0] == periods[0]
    assert updated[2] == periods[2]
    assert accrued_total(updated) == eur("103.34")


def test_manual_reversal_refuses_an_unposted_or_reversed_period() -> None:
    periods = posted_q1()
    with pytest.raises(BillingRuleError) as caught:
        reverse_period(periods, 2, on=date(2023, 4, 1))
    assert (caught.value.entity_id, caught.value.rule) == (FEE, "accrual.not_posted")
    reversed_, _ = reverse_period(periods, 0, on=date(2023, 2, 1))
    with pytest.raises(BillingRuleError) as caught:
        reverse_period(reversed_, 0, on=date(2023, 2, 2))
    assert caught.value.rule == "accrual.already_reversed"


def test_manual_reversal_refuses_a_date_before_the_posting_date() -> None:
    with pytest.raises(InvalidPeriodError) as caught:
        reverse_period(posted_q1(), 1, on=date(2023, 2, 27))
    assert_names_field(caught.value, "on")


def test_manual_reversal_refuses_an_unknown_period_and_several_fees() -> None:
    with pytest.raises(InvalidInputError) as caught:
        reverse_period(posted_q1(), 7, on=date(2023, 4, 1))
    assert_names_field(caught.value, "number")
    other = accrual_periods(
        source_id="FEE-2", amount=eur(3), service_period=Q1_2023, policy=PER_DAY
    )
    with pytest.raises(InvalidInputError) as caught:
        reverse_period((*posted_q1(), *other), 0, on=date(2023, 4, 1))
    assert_names_field(caught.value, "periods")


# -------------------------------------------------------------------- credit reversal


def credit(
    periods: Sequence[AccrualPeriod],
    amount: Money,
    mode: ReversalMode,
    *,
    credit_id: str = "CN-1",
    on: date = date(2023, 3, 15),
    closed: Callable[[date], bool] | None = None,
) -> tuple[tuple[AccrualPeriod, ...], tuple[AccrualEntry, ...]]:
    if closed is None:
        return reverse_for_credit(
            periods, credit_id=credit_id, credited=amount, invoiced=eur(300), credit_date=on,
            mode=mode,
        )  # fmt: skip
    return reverse_for_credit(
        periods, credit_id=credit_id, credited=amount, invoiced=eur(300), credit_date=on,
        mode=mode, closed=closed,
    )  # fmt: skip


def test_a_whole_credit_on_the_invoice_date_reverses_posted_and_cancels_unposted() -> None:
    periods, entries = credit(posted_q1(), eur(300), ReversalMode.INVOICE_DATE)
    assert [(e.number, e.posting_date, e.amount) for e in entries] == [
        (0, date(2023, 3, 15), eur("103.34")),
        (1, date(2023, 3, 15), eur("93.33")),
    ]
    assert all(e.kind is AccrualEntryKind.REVERSE and e.reference == "CN-1" for e in entries)
    assert all(e.debit_account == ACCRUED_REVENUE_ACCOUNT for e in entries)
    assert [e.key for e in entries] == [(FEE, 0, "reverse", "CN-1"), (FEE, 1, "reverse", "CN-1")]
    assert [p.reversed_on for p in periods] == [date(2023, 3, 15)] * 2 + [None]
    assert amounts(periods) == ["0.00", "0.00", "0.00"]
    assert accrue(periods, through=date(2023, 3, 31), posting_date=date(2023, 4, 1)) == (
        periods,
        (),
    )


def test_a_credit_on_the_original_posting_date() -> None:
    _, entries = credit(posted_q1(), eur(300), ReversalMode.ORIGINAL_POSTING_DATE)
    assert [e.posting_date for e in entries] == [date(2023, 1, 31), date(2023, 2, 28)]


def test_a_closed_ledger_period_moves_the_reversal_to_the_credit_date() -> None:
    periods, entries = credit(
        posted_q1(),
        eur(300),
        ReversalMode.ORIGINAL_POSTING_DATE,
        closed=lambda day: day < date(2023, 2, 1),
    )
    assert [e.posting_date for e in entries] == [date(2023, 3, 15), date(2023, 2, 28)]
    assert [p.reversed_on for p in periods[:2]] == [date(2023, 3, 15), date(2023, 2, 28)]


def test_manual_mode_needs_every_accrual_reversed_first() -> None:
    with pytest.raises(BillingRuleError) as caught:
        credit(posted_q1(), eur(300), ReversalMode.MANUAL)
    assert (caught.value.entity_id, caught.value.rule) == (FEE, "accrual.reverse_manually_first")
    periods, _ = reverse_period(posted_q1(), 0, on=date(2023, 3, 1))
    periods, _ = reverse_period(periods, 1, on=date(2023, 3, 1))
    credited, entries = credit(periods, eur(300), ReversalMode.MANUAL)
    assert entries == ()
    assert amounts(credited) == ["0.00", "0.00", "0.00"]
    assert [p.reversed_on for p in credited] == [date(2023, 3, 1)] * 2 + [None]


def test_manual_mode_with_nothing_posted_only_cancels() -> None:
    periods, entries = credit(q1_periods(), eur(100), ReversalMode.MANUAL)
    assert entries == ()
    assert Money.total((p.amount for p in periods), "EUR") == eur(200)


def test_a_partial_credit_reverses_its_share_and_reduces_the_rest() -> None:
    periods, entries = credit(posted_q1(), eur(150), ReversalMode.INVOICE_DATE)
    # 150 split over 103.34 / 93.33 / 103.33 by largest remainder.
    assert [(e.number, e.amount) for e in entries] == [(0, eur("51.67")), (1, eur("46.67"))]
    assert amounts(periods) == ["51.67", "46.66", "51.67"]
    assert not any(p.is_reversed for p in periods)
    assert accrued_total(periods) == eur("98.33")
    # A second credit gets keys of its own; a manual reversal takes what stays.
    again, more = credit(periods, eur(30), ReversalMode.INVOICE_DATE, credit_id="CN-2")
    assert {e.key for e in more}.isdisjoint({e.key for e in entries})
    assert Money.total((p.amount for p in again), "EUR") == eur(120)
    _, manual = reverse_period(again, 0, on=date(2023, 3, 20))
    assert manual.amount == again[0].amount


def test_a_negative_fee_is_credited_with_a_negative_amount() -> None:
    periods = accrual_periods(
        source_id=FEE, amount=eur(-300), service_period=Q1_2023, policy=PER_DAY
    )
    periods, _ = accrue(periods, through=date(2023, 1, 31), posting_date=date(2023, 2, 1))
    updated, entries = reverse_for_credit(
        periods,
        credit_id="CN-1",
        credited=eur(-100),
        invoiced=eur(-300),
        credit_date=date(2023, 2, 2),
        mode=ReversalMode.INVOICE_DATE,
    )
    assert Money.total((p.amount for p in updated), "EUR") == eur(-200)
    assert entries[0].amount.amount < 0
    with pytest.raises(InvalidAmountError) as caught:
        reverse_for_credit(
            periods,
            credit_id="CN-1",
            credited=eur(100),
            invoiced=eur(-300),
            credit_date=date(2023, 2, 2),
            mode=ReversalMode.INVOICE_DATE,
        )
    assert_names_field(caught.value, "credited")


@st.composite
def credit_runs(draw: st.DrawFn) -> tuple[Money, tuple[AccrualPeriod, ...], list[Any]]:
    invoiced = draw(monies(currency="EUR", min_value=-(10**6), max_value=10**6))
    service_period = draw(date_ranges(max_days=400))
    policy = AccrualPolicy(
        period_code=draw(st.sampled_from(ACCRUAL_CODES)),
        method=draw(st.sampled_from(AccrualMethod)),
        rounding_period=draw(st.sampled_from(RoundingPeriod)),
    )
    periods = accrual_periods(
        source_id=FEE, amount=invoiced, service_period=service_period, policy=policy
    )
    days = service_period.days
    steps = draw(
        st.lists(
            st.tuples(
                st.integers(0, days // 2 + 10),  # days after the previous step
                st.integers(0, 10**6),  # the credit in minor units, capped by what is left
                st.sampled_from([ReversalMode.INVOICE_DATE, ReversalMode.ORIGINAL_POSTING_DATE]),
                st.booleans(),  # the ledger period of every posting date is closed
            ),
            min_size=1,
            max_size=3,
        )
    )
    return invoiced, periods, [(service_period.start, *step) for step in steps]


def always(answer: bool) -> Callable[[date], bool]:
    return lambda _day: answer


@given(run=credit_runs())
def test_F7_partial_credits_conserve_the_fee(
    run: tuple[Money, tuple[AccrualPeriod, ...], list[Any]],
) -> None:
    invoiced, periods, steps = run
    assume(not invoiced.is_zero)
    sign = 1 if invoiced.amount > 0 else -1
    journal: list[AccrualEntry] = []
    credited = Money.zero("EUR")
    day = steps[0][0]
    for index, (_start, offset, units, mode, closed) in enumerate(steps):
        day += timedelta(days=offset)
        periods, entries = accrue(periods, through=day, posting_date=day)
        journal += entries
        left = abs(Money.total((p.amount for p in periods), "EUR").minor_units)
        if not left:
            break
        amount = Money.from_minor_units(sign * (1 + units % left), "EUR")
        periods, entries = reverse_for_credit(
            periods,
            credit_id=f"CN-{index}",
            credited=amount,
            invoiced=invoiced,
            credit_date=day,
            mode=mode,
            closed=always(closed),
        )
        journal += entries
        credited += amount
    keys = [e.key for e in journal]
    assert len(keys) == len(set(keys))
    net: dict[int, Money] = defaultdict(lambda: Money.zero("EUR"))
    for entry in journal:
        net[entry.number] += (
            entry.amount if entry.kind is AccrualEntryKind.ACCRUE else -entry.amount
        )
    unposted = Money.total((p.amount for p in periods if not p.is_posted), "EUR")
    assert Money.total(net.values(), "EUR") + unposted == invoiced - credited
    assert Money.total((p.amount for p in periods), "EUR") == invoiced - credited
    for period in periods:
        held = period.amount if period.is_posted and not period.is_reversed else Money.zero("EUR")
        assert net[period.number] == held


# ------------------------------------------------------------------------- bad inputs


def test_policy_checks_its_fields() -> None:
    with pytest.raises(TypeMismatchError) as wrong_type:
        AccrualPolicy(period_code="P1M")  # type: ignore[arg-type]
    assert_names_field(wrong_type.value, "period_code")
    for code in (WEEKLY, PeriodCode(PeriodUnit.MONTH, 2)):
        with pytest.raises(InvalidInputError) as caught:
            AccrualPolicy(period_code=code)
        assert_names_field(caught.value, "period_code")
    for field in ("method", "rounding_period", "reversal"):
        changes: dict[str, Any] = {field: "equal"}
        with pytest.raises(TypeMismatchError) as wrong_type:
            AccrualPolicy(period_code=MONTHLY, **changes)
        assert_names_field(wrong_type.value, field)


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"source_id": ""}, "source_id", InvalidInputError),
        ({"source_id": 7}, "source_id", TypeMismatchError),
        ({"amount": 300.0}, "amount", TypeMismatchError),
        ({"amount": eur(1) * Decimal("0.125")}, "amount", InvalidAmountError),
        ({"service_period": (date(2023, 1, 1), date(2023, 4, 1))}, "service_period",
         TypeMismatchError),
        ({"policy": MONTHLY}, "policy", TypeMismatchError),
    ],
)  # fmt: skip
def test_accrual_periods_refuses_bad_input(
    changes: dict[str, Any], field: str, error: type[ServiceDomainError]
) -> None:
    arguments: dict[str, Any] = {
        "source_id": FEE,
        "amount": eur(300),
        "service_period": Q1_2023,
        "policy": PER_DAY,
        **changes,
    }
    with pytest.raises(error) as caught:
        accrual_periods(**arguments)
    assert_names_field(caught.value, field)


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"number": -1}, "number", InvalidInputError),
        ({"number": True}, "number", TypeMismatchError),
        ({"period": (date(2023, 1, 1), date(2023, 2, 1))}, "period", TypeMismatchError),
        ({"amount": 1.0}, "amount", TypeMismatchError),
        ({"posting_date": datetime(2023, 2, 1)}, "posting_date", TypeMismatchError),  # noqa: DTZ001
        ({"reversed_on": date(2023, 2, 1)}, "reversed_on", InvalidInputError),
        ({"posting_date": date(2023, 2, 1), "reversed_on": date(2023, 1, 31)}, "reversed_on",
         InvalidPeriodError),
    ],
)  # fmt: skip
def test_accrual_period_checks_its_fields(
    changes: dict[str, Any], field: str, error: type[ServiceDomainError]
) -> None:
    arguments: dict[str, Any] = {
        "source_id": FEE,
        "number": 0,
        "period": DateRange(date(2023, 1, 1), date(2023, 2, 1)),
        "amount": eur(1),
        **changes,
    }
    with pytest.raises(error) as caught:
        AccrualPeriod(**arguments)
    assert_names_field(caught.value, field)


def test_accrue_refuses_bad_input() -> None:
    periods = q1_periods()
    day = date(2023, 4, 1)
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: accrue(periods, through=datetime(2023, 4, 1), posting_date=day), "through"),  # noqa: DTZ001
        (lambda: accrue(periods, through=day, posting_date="2023-04-01"), "posting_date"),  # type: ignore[arg-type]
        (lambda: accrue("periods", through=day, posting_date=day), "periods"),  # type: ignore[arg-type]
        (lambda: accrue([*periods, 1], through=day, posting_date=day), "periods[3]"),  # type: ignore[list-item]
        (lambda: accrue([*periods, periods[0]], through=day, posting_date=day), "periods[3]"),
    ]  # fmt: skip
    for call, field in cases:
        with pytest.raises(InvalidInputError) as caught:
            call()
        assert_names_field(caught.value, field)


def test_a_credit_above_what_can_be_credited_is_refused() -> None:
    with pytest.raises(CreditExceededError) as caught:
        credit(posted_q1(), eur("300.01"), ReversalMode.INVOICE_DATE)
    assert caught.value.rule == "credit.at_most_invoiced"
    assert (caught.value.requested, caught.value.available) == (eur("300.01"), eur(300))
    periods, _ = credit(posted_q1(), eur(200), ReversalMode.INVOICE_DATE)
    with pytest.raises(CreditExceededError) as caught:
        credit(periods, eur("100.01"), ReversalMode.INVOICE_DATE, credit_id="CN-2")
    assert caught.value.available == eur(100)


def test_a_credit_refuses_bad_input() -> None:
    periods = posted_q1()
    good: dict[str, Any] = {
        "credit_id": "CN-1",
        "credited": eur(100),
        "invoiced": eur(300),
        "credit_date": date(2023, 3, 15),
        "mode": ReversalMode.INVOICE_DATE,
    }
    cases: list[tuple[dict[str, Any], str, type[ServiceDomainError]]] = [
        ({"credited": eur(0)}, "credited", InvalidAmountError),
        ({"credited": eur(-1)}, "credited", InvalidAmountError),
        ({"credited": 100.0}, "credited", TypeMismatchError),
        ({"credited": Money(100, "USD")}, "credited", CurrencyMismatchError),
        ({"invoiced": eur(200)}, "invoiced", InvalidInputError),
        ({"invoiced": Money(300, "USD"), "credited": Money(1, "USD")}, "periods[0]",
         CurrencyMismatchError),
        ({"credit_id": ""}, "credit_id", InvalidInputError),
        ({"mode": "invoice_date"}, "mode", TypeMismatchError),
        ({"credit_date": date(2023, 2, 27)}, "credit_date", InvalidPeriodError),
        ({"closed": "no"}, "closed", TypeMismatchError),
        ({"closed": lambda _d: 0, "mode": ReversalMode.ORIGINAL_POSTING_DATE}, "closed",
         TypeMismatchError),
    ]  # fmt: skip
    for changes, field, error in cases:
        with pytest.raises(error) as caught:
            reverse_for_credit(periods, **{**good, **changes})
        assert_names_field(caught.value, field)
    with pytest.raises(InvalidInputError) as caught:
        reverse_for_credit((), **good)
    assert_names_field(caught.value, "periods")


def test_an_entry_checks_its_fields() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        AccrualEntry(
            source_id=FEE,
            number=0,
            kind="accrue",  # type: ignore[arg-type]
            posting_date=date(2023, 1, 31),
            debit_account=WIP_ACCOUNT,
            credit_account=ACCRUED_REVENUE_ACCOUNT,
            amount=eur(1),
        )
    assert_names_field(caught.value, "kind")


def test_the_anchor_keeps_a_month_end_fee_in_one_accrual_period() -> None:
    """A Jan 31 monthly subscription bills Feb 29-Mar 30; counted from Jan 31 it is one
    month of accrual, counted from its own start it would be Feb 29-Mar 28 and a stub."""
    fee = DateRange(date(2024, 2, 29), date(2024, 3, 31))
    policy = AccrualPolicy(period_code=MONTHLY, method=AccrualMethod.EQUAL)
    anchored = accrual_periods(
        source_id="F",
        amount=Money(310, "EUR"),
        service_period=fee,
        policy=policy,
        anchor=date(2024, 1, 31),
    )
    assert [(part.period, part.amount) for part in anchored] == [(fee, Money(310, "EUR"))]
    unanchored = accrual_periods(
        source_id="F", amount=Money(310, "EUR"), service_period=fee, policy=policy
    )
    assert [part.period.end for part in unanchored] == [date(2024, 3, 29), date(2024, 3, 31)]


def test_an_anchor_after_the_fee_start_is_refused() -> None:
    with pytest.raises(InvalidPeriodError) as caught:
        accrual_periods(
            source_id="F",
            amount=Money(1, "EUR"),
            service_period=DateRange(date(2024, 3, 1), date(2024, 4, 1)),
            policy=AccrualPolicy(period_code=MONTHLY),
            anchor=date(2024, 3, 2),
        )
    assert caught.value.field == "anchor"


def _subscription(sub_id: str, price: str) -> Subscription:
    return Subscription(
        id=sub_id,
        group_id="G",
        customer_id="C",
        project_id="P",
        category_id="FEE",
        period_code=QUARTERLY,
        base_price=Money(Decimal(price), "EUR"),
        start_date=date(2024, 1, 31),
    )


def _invoiced_fees() -> tuple[Invoice, list[FeeTransaction]]:
    """One invoice of three quarterly fees from Jan 31: S-1 300.00, S-2 0.00, S-3 90.00."""
    subs = (_subscription("S-1", "300.00"), _subscription("S-2", "0.00"))
    fees = [
        fee
        for sub in (*subs, _subscription("S-3", "90.00"))
        for fee in generate_fees(sub, as_of=date(2024, 1, 31))
    ]
    (proposal,) = propose_invoices(due_by=date(2024, 1, 31), fees=fees)
    return proposal.post(invoice_id="INV-1", invoice_date=date(2024, 1, 31)), fees


def test_accrual_periods_for_cuts_each_invoiced_fee_of_a_group_that_accrues() -> None:
    """Fee lines whose policy accrues get periods from their anchor; zero fees, fees of
    groups that do not accrue and lines of no given fee get none."""
    invoice, fees = _invoiced_fees()
    policy = AccrualPolicy(period_code=MONTHLY)
    end_of_january = date(2024, 1, 31)
    policies = {
        "S-1": (policy, end_of_january),
        "S-2": (policy, end_of_january),
        "S-3": (None, end_of_january),
    }
    periods = accrual_periods_for(invoice, {fee.id: fee for fee in fees}, policies.__getitem__)
    (charge,) = [fee for fee in fees if fee.subscription_id == "S-1"]
    assert periods == accrual_periods(
        source_id=charge.id,
        amount=charge.amount,
        service_period=charge.period,
        policy=policy,
        anchor=end_of_january,
    )
    assert [period.period.start for period in periods] == [
        end_of_january,
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]
    assert accrual_periods_for(invoice, {}, policies.__getitem__) == ()


def test_accrual_periods_for_refuses_bad_input_naming_it() -> None:
    invoice, _fees = _invoiced_fees()
    with pytest.raises(TypeMismatchError, match="invoice"):
        accrual_periods_for(None, {}, lambda _id: (None, date(2024, 1, 1)))  # type: ignore[arg-type]
    with pytest.raises(TypeMismatchError, match="fees"):
        accrual_periods_for(
            invoice,
            {invoice.lines[0].source_id: 1},  # type: ignore[dict-item]
            lambda _id: (None, date(2024, 1, 1)),
        )
    with pytest.raises(TypeMismatchError, match="policy_of"):
        accrual_periods_for(invoice, {}, None)  # type: ignore[arg-type]
