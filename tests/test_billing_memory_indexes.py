"""The indexed in-memory store's billing indexes, and the fast paths of invoicing and accrual.

The adapter answers its queries from indexes kept at commit (fees by subscription and
by customer and due date, documents by customer, accrual periods by fee and, unposted,
by end date): each query must answer what a scan of every row answers. The fast paths
(fee lines, invoiced items, one-period accruals, posting) must build exactly what the
validating constructors build.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedomain.adapters.indexed_memory import IndexedStore, IndexedUnitOfWork
from servicedomain.billing import (
    ACCRUED_REVENUE_ACCOUNT,
    WIP_ACCOUNT,
    AccrualEntry,
    AccrualEntryKind,
    AccrualMethod,
    AccrualPeriod,
    AccrualPolicy,
    FeeKey,
    FeeTransaction,
    Invoice,
    InvoicedItem,
    InvoiceLine,
    RoundingPeriod,
    SourceKind,
    Subscription,
    accrual_periods,
    accrue,
    generate_fees,
    propose_invoices,
    record_document,
)
from servicedomain.errors import AlreadyInvoicedError, IdempotencyConflictError
from servicedomain.money import Money, allocate
from servicedomain.periods import DAILY, MONTHLY, QUARTERLY, WEEKLY, YEARLY, DateRange, Schedule
from servicedomain.testing.billing_strategies import subscriptions
from servicedomain.testing.strategies import date_ranges, monies

ACCRUAL_CODES = (YEARLY, QUARTERLY, MONTHLY, DAILY)
PER_DAY = AccrualPolicy(period_code=MONTHLY, method=AccrualMethod.PER_DAY)
DAY = date(2024, 1, 1)


def _fees_of(sub: Subscription, periods: int = 6) -> tuple[FeeTransaction, ...]:
    """The fees of ``sub``'s first periods, built by generation (on its fast path)."""
    return generate_fees(sub, as_of=sub.schedule.period(periods - 1).start)


def _monthly(number: int, customer: str, start: date, price: int = 100) -> Subscription:
    return Subscription(
        id=f"S-{number}",
        group_id="G",
        customer_id=customer,
        project_id="P",
        category_id="FEE",
        period_code=MONTHLY,
        base_price=Money(price, "EUR"),
        start_date=start,
    )


# ----------------------------------------------------------------------- the fee id


@given(subscriptions(end_dates=True))
def test_a_fee_id_is_its_key_as_text_and_no_part_of_its_value(sub: Subscription) -> None:
    assert "id" not in {field.name for field in attrs.fields(FeeTransaction)}
    for fee in _fees_of(sub):
        assert fee.id == str(fee.key)
        assert fee.id is fee.id  # computed once
        twin = attrs.evolve(fee)  # validated, its id not computed yet
        assert fee == twin
        assert hash(fee) == hash(twin)
        assert repr(fee) == repr(twin)
        assert twin.id == fee.id
        other = attrs.evolve(fee, subscription_id=f"{fee.subscription_id}-B")
        assert other.id == str(other.key) != fee.id


# ------------------------------------------------------------------------ invoicing


def _line_checked(fee: FeeTransaction) -> InvoiceLine:
    """The line of ``fee`` built by the validating constructor."""
    label = {
        "charge": "Subscription fee",
        "reduction_days": "Reduction days",
        "price_change": "Price change",
        "cancellation": "Cancellation credit",
    }[fee.kind.value]
    return InvoiceLine(
        source_kind=SourceKind.FEE,
        source_id=str(fee.key),
        description=f"{label} {fee.subscription_id} {fee.period.start} to {fee.period.last}",
        service_date=fee.period.start,
        quantity=Decimal(1),
        unit_price=fee.amount,
        amount=fee.amount,
        subscription_id=fee.subscription_id,
    )


@given(subscriptions(end_dates=True))
def test_a_fee_line_is_what_the_validating_constructor_builds(sub: Subscription) -> None:
    for fee in _fees_of(sub):
        line = InvoiceLine.for_fee(fee)
        assert type(line) is InvoiceLine
        assert line == _line_checked(fee)
        assert repr(line) == repr(_line_checked(fee))
        assert attrs.evolve(line) == line  # the validators accept it


def test_a_subclass_gets_its_fee_lines_from_its_own_constructor() -> None:
    @attrs.frozen(kw_only=True)
    class TaggedLine(InvoiceLine):
        pass

    (fee, *_) = _fees_of(_monthly(1, "C-1", DAY))
    line = TaggedLine.for_fee(fee)
    assert type(line) is TaggedLine
    assert attrs.asdict(line, recurse=False) == attrs.asdict(_line_checked(fee), recurse=False)


@given(subscriptions(end_dates=True))
def test_invoiced_items_are_what_the_validating_constructor_builds(sub: Subscription) -> None:
    fees = _fees_of(sub)
    for proposal in propose_invoices(due_by=date.max, fees=fees):
        invoice = proposal.post(invoice_id="INV-1", invoice_date=DAY)
        items = record_document({}, invoice)
        assert list(items) == [line.source_id for line in invoice.lines]
        for line in invoice.lines:
            expected = InvoicedItem(
                line=line,
                invoice_id="INV-1",
                customer_id=invoice.customer_id,
                invoice_date=DAY,
                credited=Money.zero(invoice.currency),
            )
            assert items[line.source_id] == expected
            assert repr(items[line.source_id]) == repr(expected)


# ------------------------------------------------------------------------- accruals


def _periods_checked(
    source_id: str,
    amount: Money,
    service_period: DateRange,
    policy: AccrualPolicy,
    anchor: date | None,
) -> tuple[AccrualPeriod, ...]:
    """:func:`accrual_periods` computed the plain way: schedule periods, validated values."""
    start, end = service_period.start, service_period.end
    schedule = Schedule(policy.period_code, start if anchor is None else anchor)
    ranges = [
        DateRange(max(whole.start, start), min(whole.end, end))
        for whole in schedule.periods(service_period)
    ]
    if policy.method is AccrualMethod.EQUAL:
        parts = [amount.divide(len(ranges))] * len(ranges)
    else:
        parts = [(amount * part.days).divide(service_period.days) for part in ranges]
    index = 0 if policy.rounding_period is RoundingPeriod.FIRST else -1
    parts[index] += amount - Money.total(parts, amount.currency)
    if parts[index].amount * amount.amount < 0:  # F14: by largest remainder instead
        weights = [1] * len(ranges) if policy.method is AccrualMethod.EQUAL else None
        parts = list(allocate(amount, weights or [part.days for part in ranges]))
    return tuple(
        AccrualPeriod(source_id=source_id, number=number, period=days, amount=part)
        for number, (days, part) in enumerate(zip(ranges, parts, strict=True))
    )


policies = st.builds(
    AccrualPolicy,
    period_code=st.sampled_from(ACCRUAL_CODES),
    method=st.sampled_from(AccrualMethod),
    rounding_period=st.sampled_from(RoundingPeriod),
)


@given(
    monies(min_value=-100_000, max_value=100_000),
    date_ranges(max_days=400),
    policies,
    st.integers(0, 800) | st.none(),
)
def test_accrual_periods_are_what_the_plain_computation_builds(
    amount: Money, service_period: DateRange, policy: AccrualPolicy, back: int | None
) -> None:
    anchor = None if back is None else service_period.start - timedelta(days=back)
    made = accrual_periods(
        source_id="FEE-1",
        amount=amount,
        service_period=service_period,
        policy=policy,
        anchor=anchor,
    )
    expected = _periods_checked("FEE-1", amount, service_period, policy, anchor)
    assert made == expected
    assert [repr(period) for period in made] == [repr(period) for period in expected]
    assert all(attrs.evolve(period) == period for period in made)


@pytest.mark.parametrize("amount", ["0.00", "-0.00", "-12.34", "0.01"])
@pytest.mark.parametrize("policy", [AccrualPolicy(period_code=MONTHLY), PER_DAY])
def test_one_period_fees_to_the_digit(amount: str, policy: AccrualPolicy) -> None:
    money, january = Money(Decimal(amount), "EUR"), DateRange(DAY, date(2024, 2, 1))
    made = accrual_periods(source_id="F", amount=money, service_period=january, policy=policy)
    expected = _periods_checked("F", money, january, policy, None)
    assert [repr(period) for period in made] == [repr(period) for period in expected]


@given(subscriptions(period_codes=(MONTHLY, QUARTERLY, YEARLY)), st.sampled_from(AccrualMethod))
def test_a_fee_of_one_accrual_period_is_that_period(
    sub: Subscription, method: AccrualMethod
) -> None:
    # Accrued by its own period from the subscription's anchor: one period a fee.
    anchor = sub.billing_period(sub.schedule.period(0)).start
    policy = AccrualPolicy(period_code=sub.period_code, method=method)
    for fee in _fees_of(sub):
        if fee.kind.value != "charge" or fee.period != fee.billing_period:
            continue
        made = accrual_periods(
            source_id=fee.id,
            amount=fee.amount,
            service_period=fee.period,
            policy=policy,
            anchor=anchor,
        )
        assert made == _periods_checked(fee.id, fee.amount, fee.period, policy, anchor)
        assert [(part.period, part.amount) for part in made] == [(fee.period, fee.amount)]


def _accrued_checked(
    periods: Iterable[AccrualPeriod], through: date, day: date
) -> tuple[list[AccrualPeriod], list[AccrualEntry]]:
    updated, entries = [], []
    for period in periods:
        if period.posting_date is None and period.period.last <= through and period.amount:
            updated.append(attrs.evolve(period, posting_date=day))
            entries.append(
                AccrualEntry(
                    source_id=period.source_id,
                    number=period.number,
                    kind=AccrualEntryKind.ACCRUE,
                    posting_date=day,
                    debit_account=WIP_ACCOUNT,
                    credit_account=ACCRUED_REVENUE_ACCOUNT,
                    amount=period.amount,
                )
            )
        else:
            updated.append(period)
    return updated, entries


@given(
    monies(currency="EUR", min_value=-1_000, max_value=1_000),
    date_ranges(min_value=date(2020, 1, 1), max_value=date(2022, 1, 1), max_days=200),
    policies,
    st.integers(0, 300),
    st.integers(0, 10),
)
def test_accrue_posts_what_the_validating_constructors_build(
    amount: Money, service_period: DateRange, policy: AccrualPolicy, days: int, posted: int
) -> None:
    periods = list(
        accrual_periods(
            source_id="FEE-1", amount=amount, service_period=service_period, policy=policy
        )
    )
    day = service_period.start + timedelta(days=days)
    # Some periods posted already, on their end date.
    for index in range(min(posted, len(periods))):
        periods[index] = attrs.evolve(periods[index], posting_date=periods[index].period.end)
    updated, entries = accrue(periods, through=day, posting_date=day)
    expected_updated, expected_entries = _accrued_checked(periods, day, day)
    assert list(updated) == expected_updated
    assert list(entries) == expected_entries
    assert all(attrs.evolve(period) == period for period in updated)
    assert all(attrs.evolve(entry) == entry for entry in entries)


# ------------------------------------------------------------------ adapter indexes


@attrs.define
class _Model:
    """Every row the adapter should see, kept by plain dicts; queries scan them all."""

    fees: dict[FeeKey, FeeTransaction] = attrs.Factory(dict)
    documents: dict[str, Invoice] = attrs.Factory(dict)
    invoiced: set[str] = attrs.Factory(set)
    periods: dict[tuple[str, int], AccrualPeriod] = attrs.Factory(dict)

    def due(self, due_by: date, customer_id: str | None) -> list[FeeTransaction]:
        return sorted(
            (
                fee
                for fee in self.fees.values()
                if fee.due_date <= due_by
                and fee.id not in self.invoiced
                and customer_id in (None, fee.customer_id)
            ),
            key=lambda fee: (fee.due_date, fee.id),
        )

    def for_subscription(self, subscription_id: str) -> list[FeeTransaction]:
        return sorted(
            (fee for fee in self.fees.values() if fee.subscription_id == subscription_id),
            key=lambda fee: (fee.period.start, fee.kind.value, fee.period.end),
        )

    def documents_of(self, customer_id: str | None) -> list[Invoice]:
        return [
            self.documents[key]
            for key in sorted(self.documents)
            if customer_id in (None, self.documents[key].customer_id)
        ]

    def for_source(self, source_id: str) -> list[AccrualPeriod]:
        return [self.periods[key] for key in sorted(self.periods) if key[0] == source_id]

    def unposted_through(self, through: date) -> list[AccrualPeriod]:
        return [
            self.periods[key]
            for key in sorted(self.periods)
            if self.periods[key].posting_date is None and self.periods[key].period.last <= through
        ]


def _check_queries(uow: IndexedUnitOfWork, model: _Model, subs: list[Subscription]) -> None:
    customers = [*sorted({sub.customer_id for sub in subs}), "NOBODY"]
    days = sorted({fee.due_date for fee in model.fees.values()})
    days += [period.period.end for period in model.periods.values()]
    days = sorted({*days, date(2000, 1, 1), date(2100, 1, 1)})
    for day in days[:: max(1, len(days) // 12)] + days[-1:]:
        for customer in [None, *customers]:
            assert uow.fees.due(due_by=day, customer_id=customer) == model.due(day, customer)
        assert uow.accruals.unposted_through(day) == model.unposted_through(day)
    for sub in subs:
        assert uow.fees.for_subscription(sub.id) == model.for_subscription(sub.id)
    for customer in [None, *customers]:
        assert uow.invoices.list(customer_id=customer) == model.documents_of(customer)
    for source in {key[0] for key in model.periods} | {"NONE"}:
        assert uow.accruals.for_source(source) == model.for_source(source)


def _invoice(
    uow: IndexedUnitOfWork,
    model: _Model,
    *,
    due_by: date,
    customer_id: str | None,
    policy: AccrualPolicy,
    prefix: str,
) -> None:
    """Invoice what is due (as the service does), with the accrual periods of each fee."""
    fees = uow.fees.due(due_by=due_by, customer_id=customer_id)
    for number, proposal in enumerate(propose_invoices(due_by=due_by, fees=fees)):
        invoice = proposal.post(invoice_id=f"{prefix}-{number}", invoice_date=due_by)
        uow.invoices.add(invoice)
        model.documents[invoice.id] = invoice
        model.invoiced.update(line.source_id for line in invoice.lines)
        by_id = {fee.id: fee for fee in fees}
        for line in invoice.lines:
            fee = by_id[line.source_id]
            periods = accrual_periods(
                source_id=fee.id, amount=fee.amount, service_period=fee.period, policy=policy
            )
            uow.accruals.save_all(periods)
            model.periods.update((period.key, period) for period in periods)


def _accrue(uow: IndexedUnitOfWork, model: _Model, through: date) -> None:
    changed, _entries = accrue(
        uow.accruals.unposted_through(through), through=through, posting_date=through
    )
    uow.accruals.save_all(changed)
    model.periods.update((period.key, period) for period in changed)


@st.composite
def billing_plans(draw: st.DrawFn) -> tuple[list[Subscription], list[date], AccrualPolicy]:
    count = draw(st.integers(1, 5))
    subs = []
    for number in range(count):
        sub = draw(subscriptions(start_dates=st.dates(date(2024, 1, 1), date(2024, 6, 30))))
        subs.append(attrs.evolve(sub, id=f"S-{number}", customer_id=f"C-{draw(st.integers(0, 2))}"))
    days = sorted(
        draw(st.lists(st.dates(date(2024, 1, 1), date(2025, 6, 30)), min_size=6, max_size=6))
    )
    policy = draw(policies.filter(lambda policy: policy.period_code is not DAILY))
    return subs, days, policy


@given(billing_plans())
def test_the_queries_answer_what_a_scan_of_every_row_answers(
    plan: tuple[list[Subscription], list[date], AccrualPolicy],
) -> None:
    subs, days, policy = plan
    store, model = IndexedStore(), _Model()
    # Committed: fees through days[0], invoiced through days[1], accrued through days[2].
    with IndexedUnitOfWork(store) as uow:
        for sub in subs:
            fees = generate_fees(sub, as_of=max(days[0], sub.start_date))
            uow.fees.add_all(fees)
            model.fees.update((fee.key, fee) for fee in fees)
        _check_queries(uow, model, subs)
        uow.commit()
    with IndexedUnitOfWork(store) as uow:
        _invoice(uow, model, due_by=days[1], customer_id=None, policy=policy, prefix="INV-A")
        _check_queries(uow, model, subs)
        uow.commit()
    with IndexedUnitOfWork(store) as uow:
        _accrue(uow, model, days[2])
        uow.commit()
    # Staged on top: more fees, one customer's invoices, more accruals.
    uow = IndexedUnitOfWork(store)
    with uow:
        _check_queries(uow, model, subs)
        for sub in subs:
            fees = generate_fees(
                sub, uow.fees.for_subscription(sub.id), as_of=max(days[3], sub.start_date)
            )
            added = uow.fees.add_all(fees)
            model.fees.update((fee.key, fee) for fee in added)
        _invoice(uow, model, due_by=days[4], customer_id="C-1", policy=policy, prefix="INV-B")
        _accrue(uow, model, days[5])
        _check_queries(uow, model, subs)
        uow.commit()
    with IndexedUnitOfWork(store) as uow:
        _check_queries(uow, model, subs)
        _invoice(uow, model, due_by=date(2030, 1, 1), customer_id=None, policy=policy, prefix="C")
        _accrue(uow, model, date(2030, 1, 1))
        uow.commit()
    with IndexedUnitOfWork(store) as uow:
        _check_queries(uow, model, subs)
        assert uow.accruals.unposted_through(date.max) == model.unposted_through(date.max)


def test_fees_committed_by_another_unit_of_work_meanwhile_are_stored_once() -> None:
    store, sub = IndexedStore(), _monthly(1, "C-1", DAY)
    fees = _fees_of(sub)
    first, second = IndexedUnitOfWork(store), IndexedUnitOfWork(store)
    with first, second:
        first.fees.add_all(fees)
        second.fees.add_all(fees)
        second.commit()
        first.commit()  # checked again: equal fees are already done
    with IndexedUnitOfWork(store) as uow:
        assert uow.fees.for_subscription(sub.id) == list(fees)
        assert uow.fees.due(due_by=date.max) == list(fees)
        assert uow.fees.due(due_by=date.max, customer_id="C-1") == list(fees)


def test_a_fee_committed_meanwhile_with_another_amount_conflicts_at_commit() -> None:
    store, sub = IndexedStore(), _monthly(1, "C-1", DAY)
    fees, dearer = _fees_of(sub), _fees_of(attrs.evolve(sub, base_price=Money(200, "EUR")))
    first, second = IndexedUnitOfWork(store), IndexedUnitOfWork(store)
    with first, second:
        first.fees.add_all(fees)
        second.fees.add_all(dearer)
        second.commit()
        with pytest.raises(IdempotencyConflictError):
            first.commit()
    with IndexedUnitOfWork(store) as uow:
        assert uow.fees.for_subscription(sub.id) == list(dearer)


def test_a_source_invoiced_meanwhile_is_refused_at_commit_and_stays_invoiced_once() -> None:
    store, sub = IndexedStore(), _monthly(1, "C-1", DAY)
    fees = _fees_of(sub)
    with IndexedUnitOfWork(store) as uow:
        uow.fees.add_all(fees)
        uow.commit()
    first, second = IndexedUnitOfWork(store), IndexedUnitOfWork(store)
    with first, second:
        (proposal,) = propose_invoices(due_by=date.max, fees=fees)
        first.invoices.add(proposal.post(invoice_id="INV-A", invoice_date=DAY))
        second.invoices.add(proposal.post(invoice_id="INV-B", invoice_date=DAY))
        second.commit()
        with pytest.raises(AlreadyInvoicedError):
            first.commit()
    with IndexedUnitOfWork(store) as uow:
        assert [doc.id for doc in uow.invoices.list(customer_id="C-1")] == ["INV-B"]
        assert uow.fees.due(due_by=date.max) == []


def test_a_fee_on_another_customers_invoice_is_no_longer_due() -> None:
    store = IndexedStore()
    fees = _fees_of(_monthly(1, "C-1", DAY), periods=2)
    with IndexedUnitOfWork(store) as uow:
        uow.fees.add_all(fees)
        uow.commit()
    lines = tuple(InvoiceLine.for_fee(fee) for fee in fees[:1])
    invoice = Invoice(
        id="INV-1", customer_id="C-2", currency=fees[0].currency, invoice_date=DAY, lines=lines
    )
    with IndexedUnitOfWork(store) as uow:
        uow.invoices.add(invoice)
        uow.commit()
    with IndexedUnitOfWork(store) as uow:
        assert uow.fees.due(due_by=date.max, customer_id="C-1") == list(fees[1:])
        assert uow.invoices.list(customer_id="C-2") == [invoice]
        assert uow.invoices.list(customer_id="C-1") == []


def test_a_period_saved_again_moves_in_the_unposted_index() -> None:
    store = IndexedStore()
    policy = AccrualPolicy(period_code=MONTHLY)
    periods = accrual_periods(
        source_id="FEE-1",
        amount=Money(300, "EUR"),
        service_period=DateRange(date(2024, 1, 1), date(2024, 4, 1)),
        policy=policy,
    )
    with IndexedUnitOfWork(store) as uow:
        uow.accruals.save_all(periods)
        uow.commit()
    posted, _ = accrue(periods, through=date(2024, 1, 31), posting_date=date(2024, 2, 1))
    with IndexedUnitOfWork(store) as uow:
        assert uow.accruals.for_source("FEE-1") == list(periods)  # read: saved by compare-and-set
        uow.accruals.save_all(posted)
        assert uow.accruals.unposted_through(date(2024, 3, 31)) == list(periods[1:])
        uow.commit()
    with IndexedUnitOfWork(store) as uow:
        assert uow.accruals.unposted_through(date(2024, 3, 31)) == list(periods[1:])
        assert uow.accruals.for_source("FEE-1") == list(posted)
        # Back to unposted (a period replaced by key is taken as given).
        uow.accruals.save_all(periods[:1])
        uow.commit()
    with IndexedUnitOfWork(store) as uow:
        assert uow.accruals.unposted_through(date(2024, 3, 31)) == list(periods)
        assert uow.accruals.unposted_through(date(2024, 1, 31)) == list(periods[:1])
        assert uow.accruals.unposted_through(date(2024, 1, 30)) == []


def test_weekly_fees_of_many_customers_are_due_in_due_date_order() -> None:
    store = IndexedStore()
    subs = [
        attrs.evolve(
            _monthly(number, f"C-{number % 3}", DAY + timedelta(days=number)), period_code=WEEKLY
        )
        for number in range(7)
    ]
    model = _Model()
    with IndexedUnitOfWork(store) as uow:
        for sub in subs:
            fees = _fees_of(sub, periods=5)
            uow.fees.add_all(fees)
            model.fees.update((fee.key, fee) for fee in fees)
        uow.commit()
    with IndexedUnitOfWork(store) as uow:
        _check_queries(uow, model, subs)
