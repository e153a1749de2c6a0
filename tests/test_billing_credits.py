"""Credits that never stack (F13), accruals in their fee's sign (F14), negative documents
as credit notes, and the documents and lines that cannot be made."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing_fixtures import AT, CLOCK, billing_desk_over
from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork
from servicedomain.adapters.memory import InMemoryJournal, InMemoryStore
from servicedomain.billing import (
    AccrualEntry,
    AccrualMethod,
    AccrualPolicy,
    BillableTransaction,
    DocumentKind,
    FeeKind,
    FeeTransaction,
    Invoice,
    InvoiceLine,
    SourceKind,
    Subscription,
    SubscriptionGroup,
    accrual_periods,
    credit_note,
    generate_fees,
    record_document,
    reduce_days,
)
from servicedomain.errors import (
    CreditBeforeInvoiceError,
    CreditExceededError,
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidInputError,
    InvalidPriceError,
    InvalidQuantityError,
    TypeMismatchError,
)
from servicedomain.money import Money
from servicedomain.periods import DAILY, MONTHLY, DateRange
from servicedomain.ports import BillingUnitOfWork
from servicedomain.testing.billing_strategies import creation_fields
from servicedomain.testing.invariants import (
    LawViolation,
    check_accrual_signs,
    check_billing_laws,
    check_cancellation_credit,
    check_net_per_billed_day,
)

APR_1, APR_5, APR_15, APR_16, APR_20 = (
    date(2026, 4, 1),
    date(2026, 4, 5),
    date(2026, 4, 15),
    date(2026, 4, 16),
    date(2026, 4, 20),
)
GROUP = SubscriptionGroup(id="G", invoicing_period_code=MONTHLY)
GROUPS = {"G": GROUP}


def april_subscription() -> Subscription:
    """A monthly EUR 120.00 subscription from April 1."""
    return Subscription(
        id="S-1",
        group_id="G",
        customer_id="C-1",
        project_id="P",
        category_id="FEE",
        period_code=MONTHLY,
        base_price=Money(120, "EUR"),
        start_date=APR_1,
    )


class Store:
    """One in-memory billing store: April of a monthly EUR 120.00 subscription, invoiced."""

    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.journal = InMemoryJournal[AccrualEntry]("ACR")
        billing_desk_over(self.uow(), CLOCK, groups=GROUP).create_subscription(
            group_id=GROUP.id, **creation_fields(april_subscription())
        )
        (self.april,) = billing_desk_over(self.uow(), CLOCK).generate_fees(as_of=APR_1).created
        (self.invoice,) = self.run_invoicing(APR_1)

    def uow(self) -> BillingUnitOfWork:
        return InMemoryBillingUnitOfWork(self.store)

    def run_invoicing(self, day: date, prefix: str = "CN") -> tuple[Invoice, ...]:
        return billing_desk_over(
            self.uow(), CLOCK, groups=GROUPS, credit_note_prefix=prefix
        ).invoice_customers(due_by=day, invoice_date=day)

    def credit(self, source: str, number: int, day: date, amount: Money | None = None) -> Invoice:
        return billing_desk_over(
            self.uow(), CLOCK, groups=GROUPS, journal=self.journal
        ).credit_invoiced(
            credit_note_id=f"CN-{number}",
            credit_date=day,
            select=[source],
            amounts=None if amount is None else {source: amount},
        )

    def change(self, change: Callable[[Subscription], Subscription]) -> None:
        with self.uow() as uow:
            sub = uow.subscriptions.get("S-1")
            uow.subscriptions.save(change(sub), expected_version=sub.version)
            uow.commit()

    def cancel(self, first_unserved: date) -> None:
        last_day = first_unserved - timedelta(days=1)
        self.change(lambda sub: sub.cancel(last_day=last_day, at=AT)[0])

    def contents(self) -> tuple[list[Invoice], list[FeeTransaction]]:
        with self.uow() as uow:
            return uow.invoices.list(), uow.fees.for_subscription("S-1")

    def april_net(self) -> Money:
        """Invoiced minus credited over every document of April's charge and adjustments."""
        documents, _fees = self.contents()
        lines = [line for document in documents for line in document.lines]
        return Money.total((line.amount for line in lines), "EUR")


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


# ------------------------------------------------ F13: credits never stack


def test_F13_credit_note_then_cancellation_credits_nothing_more() -> None:
    """Invoice April 120.00, credit it in full, cancel on Apr 16: no further -60.00."""
    store = Store()
    store.credit(store.april.id, 1, APR_5)
    store.cancel(APR_16)
    made = billing_desk_over(store.uow(), CLOCK).generate_fees(as_of=APR_16).created
    assert [(fee.kind, fee.amount) for fee in made] == [(FeeKind.CANCELLATION, eur("0.00"))]
    store.run_invoicing(APR_16)
    assert store.april_net() == eur("0.00")
    documents, fees = store.contents()
    check_billing_laws(documents, fees=fees)


def test_F13_a_partial_credit_note_leaves_the_cancellation_its_days_while_billed() -> None:
    """30.00 of 120.00 credited: the cancellation still credits its 60.00 (90.00 billed)."""
    store = Store()
    store.credit(store.april.id, 1, APR_5, eur("30.00"))
    store.cancel(APR_16)
    (cancellation,) = billing_desk_over(store.uow(), CLOCK).generate_fees(as_of=APR_16).created
    assert cancellation.amount == eur("-60.00")
    store.run_invoicing(APR_16)
    assert store.april_net() == eur("30.00")


def test_F13_a_large_partial_credit_caps_the_cancellation_at_what_is_left() -> None:
    store = Store()
    store.credit(store.april.id, 1, APR_5, eur("100.00"))
    store.cancel(APR_16)
    (cancellation,) = billing_desk_over(store.uow(), CLOCK).generate_fees(as_of=APR_16).created
    assert cancellation.amount == eur("-20.00")
    store.run_invoicing(APR_16)
    assert store.april_net() == eur("0.00")


def test_F13_cancellation_then_credit_note_credits_only_what_is_left() -> None:
    """Cancel first (-60.00 invoiced): crediting April in full credits 60.00, not 120.00."""
    store = Store()
    store.cancel(APR_16)
    billing_desk_over(store.uow(), CLOCK).generate_fees(as_of=APR_16)
    store.run_invoicing(APR_16)
    with pytest.raises(CreditExceededError) as raised:
        store.credit(store.april.id, 1, APR_20, eur("120.00"))
    assert raised.value.available == eur("60.00")
    note = store.credit(store.april.id, 2, APR_20)
    assert note.total == eur("-60.00")
    assert store.april_net() == eur("0.00")
    with pytest.raises(CreditExceededError):
        store.credit(store.april.id, 3, APR_20, eur("0.01"))


def test_F13_a_cancellation_not_yet_invoiced_already_takes_its_days_back() -> None:
    """The cancellation credit is stored but not invoiced: a credit note still leaves it room."""
    store = Store()
    store.cancel(APR_16)
    billing_desk_over(store.uow(), CLOCK).generate_fees(as_of=APR_16)
    note = store.credit(store.april.id, 1, APR_5)
    assert note.total == eur("-60.00")


def test_F13_reduction_days_after_a_full_credit_note_remove_nothing_more() -> None:
    store = Store()
    store.credit(store.april.id, 1, APR_5)
    with store.uow() as uow:
        sub = uow.subscriptions.get("S-1")
        fees = uow.fees.for_subscription("S-1")
        credited = {
            item.source_id: item.credited
            for item in uow.invoices.invoiced([store.april.id]).values()
        }
    removed = DateRange(date(2026, 4, 10), date(2026, 4, 12))
    assert reduce_days(sub, fees, charge=store.april, removed=removed).amount == eur("-8.00")
    reduction = reduce_days(
        sub, fees, charge=store.april, removed=removed, credited_by_fee=credited
    )
    assert reduction.amount == eur("0.00")


def test_F13_credit_note_after_reduction_days_credits_only_the_rest() -> None:
    store = Store()
    with store.uow() as uow:
        sub = uow.subscriptions.get("S-1")
        fees = uow.fees.for_subscription("S-1")
        reduction = reduce_days(
            sub, fees, charge=store.april, removed=DateRange(date(2026, 4, 1), date(2026, 4, 16))
        )
        uow.fees.add_all([reduction])
        uow.commit()
    assert reduction.amount == eur("-60.00")
    assert store.credit(store.april.id, 1, APR_20).total == eur("-60.00")


def test_F13_check_billing_laws_fails_on_the_stacked_store() -> None:
    """A stacked store: invoice 120.00, credit note -120.00, invoice -60.00."""
    store = Store()
    note = store.credit(store.april.id, 1, APR_5)
    cancelled, _ = april_subscription().cancel(last_day=APR_15, at=AT)
    (stacked,) = generate_fees(cancelled, [store.april], as_of=APR_16)  # blind to the credit
    assert stacked.amount == eur("-60.00")
    late = Invoice(
        id="INV-2",
        kind=DocumentKind.CREDIT_NOTE,
        customer_id="C-1",
        currency=store.invoice.currency,
        invoice_date=APR_16,
        lines=(InvoiceLine.for_fee(stacked),),
    )
    documents = [store.invoice, note, late]
    with pytest.raises(LawViolation) as raised:
        check_billing_laws(documents, fees=[store.april, stacked])
    assert raised.value.law == "F13"
    with pytest.raises(LawViolation):
        check_net_per_billed_day(documents, fees=[store.april, stacked])


def test_F13_generation_is_told_what_was_credited_by_fee_id() -> None:
    sub = april_subscription()
    (april,) = generate_fees(sub, as_of=APR_1)
    cancelled, _ = sub.cancel(last_day=APR_15, at=AT)
    (credit,) = generate_fees(
        cancelled, [april], as_of=APR_16, credited_by_fee={april.id: eur("119.99")}
    )
    assert credit.amount == eur("-0.01")


def _credited_of(store: Store, fees: list[FeeTransaction]) -> dict[str, Money]:
    """What credit notes took back of each invoiced fee (the invoiced-item register)."""
    with store.uow() as uow:
        items = uow.invoices.invoiced([fee.id for fee in fees])
    return {source: item.credited for source, item in items.items() if item.credited}


def _rebilled_cancellation(store: Store, charge: FeeTransaction, day: date, again: date) -> Money:
    """On ``charge`` (EUR 120.00 from ``day``): the F7 machine failure's steps.

    Cancel from day 16 on (a credit ``c``, not invoiced yet), credit the charge in
    full (120.00 + ``c`` is what is left), cancel from ``again`` on (a 0.00 credit:
    nothing is left open), invoice, and credit the cancellation credit in full: the
    customer is billed ``-c`` again. Returns ``c``.
    """
    store.cancel(day + timedelta(days=15))
    (first,) = billing_desk_over(store.uow(), CLOCK).generate_fees(as_of=day).created
    assert first.kind is FeeKind.CANCELLATION
    assert store.credit(charge.id, 1, day).total == -(charge.amount + first.amount)
    store.cancel(again)
    (second,) = billing_desk_over(store.uow(), CLOCK).generate_fees(as_of=day).created
    assert second.amount == eur("0.00")
    store.run_invoicing(day)
    assert store.credit(first.id, 2, day).total == -first.amount
    return first.amount


def test_F7_F13_a_rebilled_cancellation_credit_stays_when_an_earlier_charge_is_cancelled() -> None:
    """The lifecycle machine's F7 failure, replayed: April and May billed and invoiced.

    May goes through the steps of :func:`_rebilled_cancellation`; then April is
    credited in full and the subscription cancelled from April 2 on. May's days are
    all cancelled already, so the run credits May nothing: it still nets the 60.00
    its credit notes re-billed (61.94). F7 must not ask for the credit it ruled out when the
    days were cancelled (the law used to net the re-bill against May's own credit
    note, and wanted May at 0.00).
    """
    store = Store()
    (may,) = billing_desk_over(store.uow(), CLOCK).generate_fees(as_of=date(2026, 5, 1)).created
    store.run_invoicing(date(2026, 5, 1))
    rebilled = -_rebilled_cancellation(store, may, date(2026, 5, 1), date(2026, 5, 1))
    assert store.credit(store.april.id, 3, date(2026, 5, 1)).total == eur("-120.00")
    store.cancel(date(2026, 4, 2))
    with store.uow() as uow:
        before = uow.fees.for_subscription("S-1")
        cancelled = uow.subscriptions.get("S-1")
    made = billing_desk_over(store.uow(), CLOCK).generate_fees(as_of=date(2026, 5, 1)).created
    assert [(fee.period, fee.amount) for fee in made] == [
        (DateRange(date(2026, 4, 2), date(2026, 5, 1)), eur("0.00"))
    ]
    may_net = Money.total((fee.amount for fee in before if fee.charge_period == may.period), "EUR")
    assert may_net == may.amount - rebilled  # in fees; what credit notes took back nets 0.00
    check_cancellation_credit(
        cancelled, before, made, as_of=date(2026, 5, 1), credited_by_fee=_credited_of(store, before)
    )


def test_F7_F13_a_cancellation_after_a_rebilled_credit_credits_what_is_open() -> None:
    """After the re-bill, a cancellation from April 2 on credits April 2-4 (12.00).

    Its days are worth 12.00 and the re-bill left 60.00 open, so it credits 12.00:
    the charge nets 48.00 in fees; F7 holds, and fails on a run that drops the credit
    or credits more than the days are worth.
    """
    store = Store()
    assert _rebilled_cancellation(store, store.april, APR_1, APR_5) == eur("-60.00")
    store.cancel(date(2026, 4, 2))
    with store.uow() as uow:
        before = uow.fees.for_subscription("S-1")
        cancelled = uow.subscriptions.get("S-1")
    credited = _credited_of(store, before)
    (made,) = billing_desk_over(store.uow(), CLOCK).generate_fees(as_of=APR_1).created
    assert (made.period, made.amount) == (DateRange(date(2026, 4, 2), APR_5), eur("-12.00"))
    check_cancellation_credit(cancelled, before, [made], as_of=APR_1, credited_by_fee=credited)
    for wrong in (eur("0.00"), eur("-16.00")):
        with pytest.raises(LawViolation, match="F7"):
            check_cancellation_credit(
                cancelled,
                before,
                [attrs.evolve(made, amount=wrong)],
                as_of=APR_1,
                credited_by_fee=credited,
            )


def _cancel_and_check(store: Store, first_unserved: date) -> tuple[FeeTransaction, ...]:
    """Cancel from ``first_unserved`` on, generate, and check F7 on what the run made."""
    store.cancel(first_unserved)
    with store.uow() as uow:
        before = uow.fees.for_subscription("S-1")
        cancelled = uow.subscriptions.get("S-1")
    credited = _credited_of(store, before)
    made = billing_desk_over(store.uow(), CLOCK).generate_fees(as_of=APR_1).created
    check_cancellation_credit(cancelled, before, made, as_of=APR_1, credited_by_fee=credited)
    store.run_invoicing(APR_20)
    return made


@given(
    days=st.lists(st.integers(1, 29), min_size=2, max_size=3, unique=True),
    rebill_first=st.booleans(),
    data=st.data(),
)
def test_F7_F13_cancellations_around_a_rebilled_cancellation_credit(
    days: list[int], rebill_first: bool, data: st.DataObject
) -> None:
    """Cancel, credit April (all or part), re-bill the cancellation credit before or
    after a second cancellation, maybe cancel again: F7 after every run, F13 at the end."""
    first, *later = sorted(days, reverse=True)
    store = Store()
    (credit,) = _cancel_and_check(store, APR_1 + timedelta(days=first))
    left = store.april.amount + credit.amount
    if left.minor_units:
        whole = st.just(left.minor_units)
        units = data.draw(whole | st.integers(1, left.minor_units), label="credited of April")
        store.credit(store.april.id, 1, APR_20, Money.from_minor_units(units, "EUR"))
    if rebill_first and credit.amount.minor_units:
        store.credit(credit.id, 2, APR_20)
    _cancel_and_check(store, APR_1 + timedelta(days=later[0]))
    if not rebill_first and credit.amount.minor_units:
        store.credit(credit.id, 2, APR_20)
    for day in later[1:]:
        _cancel_and_check(store, APR_1 + timedelta(days=day))
    documents, fees = store.contents()
    check_net_per_billed_day(documents, fees=fees)


# ------------------------------------------ F14: accruals in their fee's sign


def test_F14_daily_accruals_of_a_small_fee_are_never_negative() -> None:
    parts = accrual_periods(
        source_id="F-1",
        amount=eur("0.14"),
        service_period=DateRange(date(2000, 1, 1), date(2000, 1, 29)),
        policy=AccrualPolicy(period_code=DAILY),
    )
    amounts = [part.amount for part in parts]
    assert all(amount >= eur("0") for amount in amounts), amounts
    assert Money.total(amounts, "EUR") == eur("0.14")
    assert all(amount <= eur("0.01") for amount in amounts)
    check_accrual_signs(parts, {"F-1": eur("0.14")})


def test_F14_a_negative_fee_accrues_negative_parts_only() -> None:
    parts = accrual_periods(
        source_id="F-1",
        amount=eur("-0.14"),
        service_period=DateRange(date(2000, 1, 1), date(2000, 1, 29)),
        policy=AccrualPolicy(period_code=DAILY, method=AccrualMethod.PER_DAY),
    )
    assert all(part.amount <= eur("0") for part in parts)
    assert Money.total((part.amount for part in parts), "EUR") == eur("-0.14")


def test_F14_a_yearly_fee_accrued_daily_keeps_the_rounding_off_rule_when_signs_allow() -> None:
    parts = accrual_periods(
        source_id="F-1",
        amount=eur("499.00"),
        service_period=DateRange(date(2025, 1, 1), date(2026, 1, 1)),
        policy=AccrualPolicy(period_code=DAILY, method=AccrualMethod.PER_DAY),
    )
    amounts = [part.amount for part in parts]
    assert all(amount > eur("0") for amount in amounts)
    assert Money.total(amounts, "EUR") == eur("499.00")
    # 499 / 365 = 1.367... rounds to 1.37; the first day takes the difference.
    assert amounts[1:] == [eur("1.37")] * 364
    assert amounts[0] == eur("499.00") - eur("1.37") * 364


def test_F14_equal_parts_of_a_tiny_fee_spread_by_largest_remainder() -> None:
    parts = accrual_periods(
        source_id="F-1",
        amount=eur("0.05"),
        service_period=DateRange(date(2025, 1, 1), date(2025, 11, 1)),
        policy=AccrualPolicy(period_code=MONTHLY),
    )
    assert [str(part.amount.amount) for part in parts] == ["0.01"] * 5 + ["0.00"] * 5


def test_F14_the_check_fails_on_a_negative_part_of_a_positive_fee() -> None:
    parts = accrual_periods(
        source_id="F-1",
        amount=eur("300.00"),
        service_period=DateRange(date(2023, 1, 1), date(2023, 4, 1)),
        policy=AccrualPolicy(period_code=MONTHLY, method=AccrualMethod.PER_DAY),
    )
    assert [str(part.amount) for part in parts] == ["103.34 EUR", "93.33 EUR", "103.33 EUR"]
    broken = (
        attrs.evolve(parts[0], amount=eur("303.34")),
        parts[1],
        attrs.evolve(parts[2], amount=eur("-96.67")),
    )
    with pytest.raises(LawViolation) as raised:
        check_accrual_signs(broken, {"F-1": eur("300.00")})
    assert raised.value.law == "F14"


def test_F14_yearly_fees_accrued_daily_never_book_negative_revenue() -> None:
    """Yearly fees from 0.01 to 500.00 EUR (every cent to 5.00, then a sample), daily."""
    year = DateRange(date(2025, 1, 1), date(2026, 1, 1))
    policy = AccrualPolicy(period_code=DAILY, method=AccrualMethod.PER_DAY)
    for cents in [*range(1, 501), *range(501, 50_000, 997)]:
        fee = Money.from_minor_units(cents, "EUR")
        parts = accrual_periods(source_id="F", amount=fee, service_period=year, policy=policy)
        check_accrual_signs(parts, {"F": fee})


# ------------------------------------------------ negative documents


def test_a_negative_document_is_a_credit_note_numbered_in_its_own_series() -> None:
    store = Store()
    store.cancel(APR_16)
    billing_desk_over(store.uow(), CLOCK).generate_fees(as_of=APR_16)
    (document,) = store.run_invoicing(APR_16)
    assert document.kind is DocumentKind.CREDIT_NOTE
    assert document.id == "CN-C-1-EUR-20260416-1"
    assert document.total == eur("-60.00")
    (line,) = document.lines
    assert line.credited_invoice_id is None  # it bills the cancellation credit itself
    assert store.run_invoicing(APR_16) == ()  # the credit is invoiced once (I1)
    with store.uow() as uow:
        (item,) = uow.invoices.invoiced([line.source_id]).values()
    assert item.invoice_id == document.id
    documents, fees = store.contents()
    check_billing_laws(documents, fees=fees)


def test_the_credit_note_prefix_is_a_parameter() -> None:
    store = Store()
    store.cancel(APR_16)
    billing_desk_over(store.uow(), CLOCK).generate_fees(as_of=APR_16)
    (document,) = store.run_invoicing(APR_16, prefix="CR")
    assert document.id == "CR-C-1-EUR-20260416-1"


def test_a_zero_or_positive_document_stays_an_invoice() -> None:
    store = Store()
    assert store.invoice.kind is DocumentKind.INVOICE
    assert store.invoice.id == "INV-C-1-EUR-20260401-1"


# ---------------------------------------------- impossible documents


def test_a_credit_note_dated_before_its_invoice_is_refused() -> None:
    store = Store()
    with store.uow() as uow:
        items = uow.invoices.invoiced([store.april.id])
    with pytest.raises(CreditBeforeInvoiceError) as raised:
        credit_note(
            credit_note_id="CN-1",
            credit_date=date(2026, 3, 31),
            invoiced_items=items,
            select=[store.april.id],
        )
    assert raised.value.field == "credit_date"
    assert raised.value.value == date(2026, 3, 31)
    assert "INV-C-1-EUR-20260401-1" in str(raised.value)
    on_time = credit_note(
        credit_note_id="CN-1", credit_date=APR_1, invoiced_items=items, select=[store.april.id]
    )
    backdated = attrs.evolve(on_time, invoice_date=date(2026, 3, 31))
    with pytest.raises(CreditBeforeInvoiceError):
        record_document(items, backdated)


def line(**changes: object) -> InvoiceLine:
    fields: dict[str, object] = {
        "source_kind": SourceKind.ORDER_TRANSACTION,
        "source_id": "T-1",
        "service_date": APR_1,
        "quantity": Decimal(2),
        "unit_price": eur("10.00"),
        "amount": eur("20.00"),
    }
    fields.update(changes)
    return InvoiceLine(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"quantity": Decimal(-2), "amount": eur("20.00")}, InvalidQuantityError, "quantity"),
        ({"unit_price": eur("-10.00"), "amount": eur("20.00")}, InvalidPriceError, "unit_price"),
        ({"unit_price": Money(10, "USD")}, CurrencyMismatchError, "unit_price"),
        ({"amount": eur("20.01")}, InvalidAmountError, "amount"),
        ({"quantity": Decimal(-2), "unit_price": eur("-10.00")}, InvalidQuantityError, "quantity"),
        ({"amount": eur("-20.01"), "quantity": Decimal(-2)}, InvalidAmountError, "amount"),
        ({"amount": eur("-5.00")}, InvalidAmountError, "amount"),
    ],
)
def test_impossible_invoice_lines_are_refused(
    changes: dict[str, object], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as raised:
        line(**changes)
    assert getattr(raised.value, "field", None) == field


def test_explicit_credit_lines_may_be_negative() -> None:
    assert line(quantity=Decimal(-2), amount=eur("-20.00")).amount == eur("-20.00")
    assert line(unit_price=eur("-10.00"), amount=eur("-20.00")).amount == eur("-20.00")
    assert line(amount=eur("15.00")).amount == eur("15.00")  # a discount stays possible
    credit = line(amount=eur("-20.00"), credited_invoice_id="INV-1")
    assert credit.amount == eur("-20.00")
    with pytest.raises(InvalidAmountError):
        line(amount=eur("-20.01"), credited_invoice_id="INV-1")


def transaction(**changes: object) -> BillableTransaction:
    fields: dict[str, object] = {
        "id": "T-1",
        "customer_id": "C-1",
        "order_id": "SO-1",
        "line_number": 1,
        "transaction_date": APR_1,
        "quantity": Decimal("1.5"),
        "sales_price": eur("0.99"),
        "amount": eur("1.49"),
    }
    fields.update(changes)
    return BillableTransaction(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"quantity": Decimal("-1.5"), "amount": eur("-1.49")}, InvalidQuantityError, "quantity"),
        ({"sales_price": eur("-0.99"), "amount": eur("-1.49")}, InvalidPriceError, "sales_price"),
        ({"amount": eur("-1.49")}, InvalidAmountError, "amount"),
        ({"sales_price": Money(1, "USD")}, CurrencyMismatchError, "sales_price"),
        ({"amount": eur("1.50")}, InvalidAmountError, "amount"),
    ],
)
def test_impossible_billable_transactions_are_refused(
    changes: dict[str, object], error: type[Exception], field: str
) -> None:
    assert transaction().amount == eur("1.49")  # 1.5 x 0.99 = 1.485, rounded once
    with pytest.raises(error) as raised:
        transaction(**changes)
    assert getattr(raised.value, "field", None) == field


def fee(**changes: object) -> FeeTransaction:
    fields: dict[str, object] = {
        "subscription_id": "S-1",
        "kind": FeeKind.CHARGE,
        "period": DateRange(APR_1, date(2026, 5, 1)),
        "billing_period": DateRange(APR_1, date(2026, 5, 1)),
        "amount": eur("120.00"),
        "price": eur("120.00"),
        "customer_id": "C-1",
        "project_id": "P",
        "category_id": "FEE",
        "due_date": APR_1,
    }
    fields.update(changes)
    return FeeTransaction(**fields)  # type: ignore[arg-type]


def adjustment_from_apr_16(kind: FeeKind, amount: Money) -> dict[str, object]:
    """The changes that make :func:`fee` an adjustment of April's charge from April 16."""
    return {
        "kind": kind,
        "period": DateRange(APR_16, date(2026, 5, 1)),
        "adjusts": DateRange(APR_1, date(2026, 5, 1)),
        "amount": amount,
    }


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"price": eur("-120.00"), "amount": eur("-120.00")}, InvalidPriceError, "price"),
        ({"amount": eur("-1.00")}, InvalidAmountError, "amount"),
        ({"amount": eur("120.01")}, InvalidAmountError, "amount"),
        ({"price": Money(120, "USD")}, CurrencyMismatchError, "price"),
        (adjustment_from_apr_16(FeeKind.CANCELLATION, eur("60.00")), InvalidAmountError, "amount"),
        (
            adjustment_from_apr_16(FeeKind.CANCELLATION, eur("-120.01")),
            InvalidAmountError,
            "amount",
        ),
        (adjustment_from_apr_16(FeeKind.REDUCTION_DAYS, eur("1.00")), InvalidAmountError, "amount"),
    ],
)
def test_impossible_fee_transactions_are_refused(
    changes: dict[str, object], error: type[Exception], field: str
) -> None:
    assert fee().amount == eur("120.00")
    with pytest.raises(error) as raised:
        fee(**changes)
    assert getattr(raised.value, "field", None) == field


def test_yearly_subscription_fee_accrual_example_still_holds() -> None:
    """The catalog: quarterly EUR 300 accrued monthly gives 3 x 100."""
    parts = accrual_periods(
        source_id="F-1",
        amount=eur("300.00"),
        service_period=DateRange(date(2024, 1, 1), date(2024, 4, 1)),
        policy=AccrualPolicy(period_code=MONTHLY),
    )
    assert [part.amount for part in parts] == [eur("100.00")] * 3


# ------------------------------------------------------------- the new arguments


def test_the_new_arguments_are_checked() -> None:
    store = Store()
    with store.uow() as uow:
        items = uow.invoices.invoiced([store.april.id])
        sub = uow.subscriptions.get("S-1")
    with pytest.raises(TypeMismatchError) as no_fees:
        credit_note(
            credit_note_id="CN-1",
            credit_date=APR_5,
            invoiced_items=items,
            select=[store.april.id],
            fees=None,  # type: ignore[arg-type]
        )
    assert no_fees.value.field == "fees"
    with pytest.raises(TypeMismatchError) as prefix:
        billing_desk_over(
            store.uow(),
            CLOCK,
            groups=GROUPS,
            credit_note_prefix=7,  # type: ignore[arg-type]
        ).invoice_customers(due_by=APR_5, invoice_date=APR_5)
    assert prefix.value.field == "credit_note_prefix"
    for credited, field in (
        ([("x", eur("1.00"))], "credited_by_fee"),
        ({1: eur("1.00")}, "credited_by_fee[1]"),
        ({store.april.id: Decimal(1)}, f"credited_by_fee[{store.april.id!r}]"),
        ({store.april.id: Money(1, "USD")}, f"credited_by_fee[{store.april.id!r}]"),
    ):
        with pytest.raises(InvalidInputError) as bad:
            generate_fees(sub, [store.april], as_of=APR_5, credited_by_fee=credited)  # type: ignore[arg-type]
        assert bad.value.field == field


def test_F13_a_lower_price_after_a_full_credit_note_credits_nothing_more() -> None:
    store = Store()
    store.credit(store.april.id, 1, APR_5)
    store.change(
        lambda sub: sub.change_price(effective_date=APR_16, base_price=Money(60, "EUR"), at=AT)[0]
    )
    (change,) = billing_desk_over(store.uow(), CLOCK).generate_fees(as_of=APR_16).created
    assert (change.kind, change.amount) == (FeeKind.PRICE_CHANGE, eur("0.00"))
    store.run_invoicing(APR_16)
    assert store.april_net() == eur("0.00")
    documents, fees = store.contents()
    check_billing_laws(documents, fees=fees)
