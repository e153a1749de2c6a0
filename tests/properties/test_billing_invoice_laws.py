"""The invoicing laws as properties: I1, M7, F8, F10, F11 and C6.

Each property runs the real billing desk over the in-memory billing unit of work (or the
pure domain functions) on small random subscriptions, so it stays fast under the
thorough profile too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from hypothesis import example, given
from hypothesis import strategies as st

from billing_fixtures import AT, CLOCK, billing_desk_over
from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork
from servicedomain.adapters.memory import InMemoryJournal, InMemoryStore
from servicedomain.billing import (
    AccrualEntry,
    AccrualEntryKind,
    AccrualMethod,
    BillableTransaction,
    BillingTiming,
    DocumentKind,
    FeeKind,
    FeeTransaction,
    Invoice,
    InvoicedItem,
    ReversalMode,
    RoundingPeriod,
    Subscription,
    SubscriptionGroup,
    allowed_accrual_period_codes,
    credit_note,
    generate_fees,
    propose_invoices,
    prorate,
    record_document,
)
from servicedomain.errors import BillingRuleError, InvalidInputError
from servicedomain.instants import local_date
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
)
from servicedomain.testing.billing_strategies import creation_fields

ORIGIN = date(2024, 1, 1)
CURRENCIES = ("EUR", "USD", "JPY", "KWD")
CUSTOMERS = ("C-1", "C-2")
GROUPS = {
    "D": SubscriptionGroup(id="D", invoicing_period_code=DAILY),
    "W": SubscriptionGroup(id="W", invoicing_period_code=WEEKLY),
    "M": SubscriptionGroup(id="M", invoicing_period_code=MONTHLY),
    "Q": SubscriptionGroup(id="Q", invoicing_period_code=QUARTERLY),
    "Y": SubscriptionGroup(id="Y", invoicing_period_code=YEARLY),
}
GROUP_OF = {group.invoicing_period_code: group for group in GROUPS.values()}
# Eight zones, with half-hour (Kolkata, Adelaide, St John's), 45-minute (Kathmandu,
# Chatham) and extreme (Kiritimati +14, Pago Pago -11) offsets; several with DST.
ZONES = (
    "Europe/Paris",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Adelaide",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
)


def uow(store: InMemoryStore) -> InMemoryBillingUnitOfWork:
    return InMemoryBillingUnitOfWork(store)


def days(low: int, high: int) -> st.SearchStrategy[date]:
    return st.integers(low, high).map(lambda offset: ORIGIN + timedelta(days=offset))


def monies(currency: str, low: int, high: int) -> st.SearchStrategy[Money]:
    return st.integers(low, high).map(lambda units: Money.from_minor_units(units, currency))


@st.composite
def subscriptions(
    draw: st.DrawFn,
    sub_id: str,
    *,
    periods: Sequence[PeriodCode] = (WEEKLY, MONTHLY, QUARTERLY),
    currencies: Sequence[str] = CURRENCIES,
    customers: Sequence[str] = CUSTOMERS,
) -> Subscription:
    period = draw(st.sampled_from(periods))
    currency = draw(st.sampled_from(currencies))
    return Subscription(
        id=sub_id,
        group_id=GROUP_OF[period].id,
        customer_id=draw(st.sampled_from(customers)),
        project_id="P-1",
        category_id="FEE",
        period_code=period,
        base_price=draw(monies(currency, 0, 50_000)),
        start_date=draw(days(0, 90)),
        timing=draw(st.sampled_from(BillingTiming)),
        alignment=draw(st.sampled_from(Alignment)),
    )


def transactions_of(
    ids: Sequence[str], customers: Sequence[str], currencies: Sequence[str]
) -> st.SearchStrategy[list[BillableTransaction]]:
    def build(drawn: tuple[str, str, date, int, int]) -> BillableTransaction:
        customer, currency, day, quantity, units = drawn
        price = Money.from_minor_units(units, currency)
        return BillableTransaction(
            id="T-0",  # replaced below
            customer_id=customer,
            order_id="SO-1",
            line_number=1,
            transaction_date=day,
            quantity=Decimal(quantity),
            sales_price=price,
            amount=price * quantity,
        )

    one = st.tuples(
        st.sampled_from(customers),
        st.sampled_from(currencies),
        days(0, 200),
        st.integers(1, 5),
        st.integers(0, 20_000),
    ).map(build)
    return st.lists(one, max_size=len(ids)).map(
        lambda found: [
            attrs.evolve(transaction, id=ids[index], line_number=index + 1)
            for index, transaction in enumerate(found)
        ]
    )


def store_of(subs: Sequence[Subscription]) -> InMemoryStore:
    store = InMemoryStore()
    for sub in subs:
        billing_desk_over(uow(store), CLOCK, groups=GROUP_OF[sub.period_code]).create_subscription(
            group_id=GROUP_OF[sub.period_code].id, **creation_fields(sub)
        )
    return store


def stored_fees(store: InMemoryStore) -> dict[str, FeeTransaction]:
    view = uow(store)
    return {
        fee.id: fee
        for sub in view.subscriptions.list()
        for fee in view.fees.for_subscription(sub.id)
    }


def invoices_of(store: InMemoryStore) -> list[Invoice]:
    """The documents that bill sources: invoices, and credit notes of credits alone."""
    return [
        doc
        for doc in uow(store).invoices.list()
        if doc.kind is DocumentKind.INVOICE or any(line.bills for line in doc.lines)
    ]


# ------------------------------------------------------------------------------- I1

operations = st.one_of(
    st.tuples(st.just("generate"), days(0, 240)),
    st.tuples(st.just("invoice"), days(0, 240)),
    st.tuples(st.just("price"), st.integers(0, 2), days(1, 240), st.integers(0, 50_000)),
    st.tuples(st.just("cancel"), st.integers(0, 2), days(1, 240)),
)


def apply_change(store: InMemoryStore, operation: tuple[Any, ...]) -> None:
    """A price change or a cancellation, skipped when the domain refuses it."""
    kind, index, day = operation[0], operation[1], operation[2]
    with uow(store) as work:
        subs = work.subscriptions.list()
        sub = subs[index % len(subs)]
        try:
            if kind == "price":
                units = operation[3]
                changed, _ = sub.change_price(
                    effective_date=day,
                    base_price=Money.from_minor_units(units, sub.currency),
                    at=AT,
                )
            else:
                changed, _ = sub.cancel(last_day=day - timedelta(days=1), at=AT)
        except InvalidInputError:
            return
        work.subscriptions.save(changed, expected_version=sub.version)
        work.commit()


def check_I1(store: InMemoryStore, transactions: Sequence[BillableTransaction]) -> None:
    known = set(stored_fees(store)) | {transaction.id for transaction in transactions}
    invoiced = uow(store).invoices.invoiced(known)
    seen: Counter[str] = Counter()
    for document in invoices_of(store):
        assert {line.amount.currency for line in document.lines} == {document.currency}
        assert document.lines
        for line in document.lines:
            if not line.bills:
                continue
            seen[line.source_id] += 1
            assert line.source_id in known
            assert invoiced[line.source_id].invoice_id == document.id
    assert all(count == 1 for count in seen.values()), seen.most_common(3)
    assert set(seen) == set(invoiced)


@given(
    subs=st.tuples(subscriptions("S-1"), subscriptions("S-2"), subscriptions("S-3")).map(list),
    transactions=transactions_of(["T-1", "T-2", "T-3"], CUSTOMERS, CURRENCIES),
    ops=st.lists(operations, min_size=1, max_size=10),
)
def test_I1_no_fee_is_invoiced_twice(
    subs: list[Subscription], transactions: list[BillableTransaction], ops: list[tuple[Any, ...]]
) -> None:
    store = store_of(subs)
    for operation in ops:
        if operation[0] == "generate":
            billing_desk_over(uow(store), CLOCK).generate_fees(as_of=operation[1])
        elif operation[0] == "invoice":
            day = operation[1]
            billing_desk_over(uow(store), CLOCK, groups=GROUPS).invoice_customers(
                due_by=day, invoice_date=day, transactions=transactions
            )
        else:
            apply_change(store, operation)
        check_I1(store, transactions)
    # A last run bills everything due, once; a run again the same day bills nothing.
    last = date(2024, 12, 31)
    billing_desk_over(uow(store), CLOCK).generate_fees(as_of=last)
    billing_desk_over(uow(store), CLOCK, groups=GROUPS).invoice_customers(
        due_by=last, invoice_date=last, transactions=transactions
    )
    check_I1(store, transactions)
    again = billing_desk_over(uow(store), CLOCK, groups=GROUPS).invoice_customers(
        due_by=last, invoice_date=last, transactions=transactions
    )
    assert again == ()
    fees = stored_fees(store)
    due = {fee_id for fee_id, fee in fees.items() if fee.due_date <= last}
    due |= {transaction.id for transaction in transactions}
    assert set(uow(store).invoices.invoiced(set(fees) | due)) == due


# ------------------------------------------------------------------------------- M7


@st.composite
def prorated_fees(draw: st.DrawFn, currency: str) -> list[FeeTransaction]:
    """Fees of a few subscriptions of one customer, each over a random part of a period."""
    fees: list[FeeTransaction] = []
    for index in range(draw(st.integers(1, 4))):
        sub = draw(
            subscriptions(
                f"S-{index}",
                periods=(MONTHLY, QUARTERLY, YEARLY),
                currencies=(currency,),
                customers=("C-1",),
            )
        )
        period = sub.schedule.period(draw(st.integers(0, 2)))
        start = period.start + timedelta(days=draw(st.integers(0, period.days - 1)))
        end = start + timedelta(days=draw(st.integers(1, (period.end - start).days)))
        fees.extend(generate_fees(sub, within=DateRange(start, end)))
    return fees


@given(
    data=st.data(),
    currency=st.sampled_from(CURRENCIES),
)
def test_M7_invoice_total_is_the_exact_sum_of_lines_rounded_once_each(
    data: st.DataObject, currency: str
) -> None:
    fees = data.draw(prorated_fees(currency))
    transactions = data.draw(transactions_of(["T-1", "T-2", "T-3"], ("C-1",), (currency,)))
    (proposal,) = propose_invoices(due_by=date(2099, 1, 1), fees=fees, transactions=transactions)
    document = proposal.post(invoice_id="INV-1", invoice_date=date(2099, 1, 1))
    assert document.total.is_rounded
    assert document.total.minor_units == sum(line.amount.minor_units for line in document.lines)
    assert document.total == proposal.total
    # Each fee line is its days' share of the period price, rounded when the fee is made
    # (a piece is the rounded share of its end minus that of its start, so within one
    # minor unit of the exact share); the invoice adds no rounding of its own.
    by_id = {fee.id: fee for fee in fees}
    exact_total = Decimal(0)
    for line in document.lines:
        fee = by_id.get(line.source_id)
        if fee is None:
            exact_total += line.amount.amount
            continue
        assert line.amount == prorate(fee.price, fee.period, fee.billing_period)
        exact = fee.price.amount * fee.period.days / fee.billing_period.days
        assert abs(line.amount.amount - exact) <= Currency.of(currency).quantum
        exact_total += exact
    # Summing rounded lines drifts from the exact sum by at most a unit per line.
    drift = abs(document.total.amount - exact_total)
    assert drift <= Currency.of(currency).quantum * len(document.lines)


# ------------------------------------------------------------------------------- F8


@st.composite
def invoiced_items(draw: st.DrawFn) -> dict[str, InvoicedItem]:
    """A few invoiced sources of one customer: positive and negative lines."""
    fees: list[FeeTransaction] = []
    for index in range(draw(st.integers(1, 3))):
        sub = draw(subscriptions(f"S-{index}", currencies=("EUR",), customers=("C-1",)))
        as_of = sub.schedule.period(0).end  # in advance or in arrears, period 0 is due
        charge = generate_fees(sub, as_of=as_of)[0]
        fees.append(charge)
        if draw(st.booleans()) and charge.period.days > 1:
            cancelled, _ = sub.cancel(last_day=charge.period.start, at=AT)
            fees.extend(generate_fees(cancelled, [charge], as_of=as_of))
    (proposal,) = propose_invoices(due_by=date(2099, 1, 1), fees=fees)
    return record_document({}, proposal.post(invoice_id="INV-1", invoice_date=ORIGIN))


def credited_by(
    select: Sequence[str],
    amounts: Mapping[str, Money],
    invoiced: Mapping[str, int],
    credited: Mapping[str, int],
) -> dict[str, int] | None:
    """The model: what each selected source is credited (minor units), or None if refused.

    A credit of a source never invoiced is refused; each credit has the invoiced sign,
    is not zero, and stays within what is still creditable; without an amount it takes
    all that is left.
    """
    if "NEVER" in select:
        return None
    taken: dict[str, int] = {}
    for source in select:
        units = invoiced[source]
        left = units - credited[source]
        wanted = amounts[source].minor_units if source in amounts else left
        sign = -1 if units < 0 else 1
        if wanted == 0 or wanted * sign < 0 or wanted * sign > left * sign:
            return None
        taken[source] = wanted
    return taken


def attempt_credit(
    items: dict[str, InvoicedItem],
    credit_note_id: str,
    select: Sequence[str],
    amounts: Mapping[str, Money],
) -> str:
    """Credit ``select`` and record the note: "ok", or the rule of the refusal."""
    try:
        document = credit_note(
            credit_note_id=credit_note_id,
            credit_date=ORIGIN,
            invoiced_items=items,
            select=select,
            amounts=amounts,
        )
        items.update(record_document(items, document))
    except BillingRuleError as error:  # CreditExceededError included
        return error.rule
    return "ok"


@given(data=st.data(), items=invoiced_items())
def test_F8_credits_never_exceed_what_was_invoiced_nor_repeat(
    data: st.DataObject, items: dict[str, InvoicedItem]
) -> None:
    sources = sorted(items)
    invoiced = {source: items[source].amount.minor_units for source in sources}
    credited = dict.fromkeys(sources, 0)  # the model, in minor units
    for number in range(data.draw(st.integers(1, 8))):
        select = data.draw(
            st.lists(st.sampled_from([*sources, "NEVER"]), min_size=1, max_size=3, unique=True)
        )
        amounts: dict[str, Money] = {}
        for source in select:
            if source != "NEVER" and data.draw(st.booleans()):
                bound = abs(invoiced[source]) + 2
                amounts[source] = data.draw(monies("EUR", -bound, bound))
        expected = credited_by(select, amounts, invoiced, credited)
        outcome = attempt_credit(items, f"CN-{number}", select, amounts)
        if expected is not None:
            assert outcome == "ok", (select, amounts, credited)
            for source, units in expected.items():
                credited[source] += units
        elif "NEVER" in select and outcome != "credit.at_most_invoiced":
            assert outcome == "credit.not_invoiced"  # Lago PR #1755
        else:
            assert outcome == "credit.at_most_invoiced"  # Lago PR #738
        for source in sources:
            item = items[source]
            assert item.credited.minor_units == credited[source]
            assert abs(item.credited.minor_units) <= abs(item.amount.minor_units)
            assert item.credited.minor_units * item.amount.minor_units >= 0
            assert item.creditable == item.amount - item.credited
    # A source fully credited is never credited again.
    for source in sources:
        if items[source].creditable.is_zero:
            assert attempt_credit(items, "CN-AGAIN", [source], {}) == "credit.at_most_invoiced"


# ------------------------------------------------------------------------------ F10


@given(
    sub=subscriptions("S-1", currencies=("EUR", "JPY")),
    as_of_offset=st.integers(0, 120),
    new_price=st.integers(0, 90_000),
    change_offset=st.integers(1, 200),
    cancel_offset=st.integers(1, 200),
)
@example(  # Lago PR #1776: the price rose before the termination
    sub=Subscription(
        id="S-1",
        group_id="M",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        period_code=MONTHLY,
        base_price=Money(100, "EUR"),
        start_date=date(2024, 1, 1),
    ),
    as_of_offset=60,
    new_price=15_000,
    change_offset=91,
    cancel_offset=76,
)
def test_F10_credits_use_the_billed_price_not_the_current_one(
    sub: Subscription, as_of_offset: int, new_price: int, change_offset: int, cancel_offset: int
) -> None:
    as_of = sub.schedule.period(0).end + timedelta(days=as_of_offset)  # something is due
    fees = generate_fees(sub, as_of=as_of)
    (proposal,) = propose_invoices(due_by=date(2099, 1, 1), fees=fees)
    items = record_document({}, proposal.post(invoice_id="INV-1", invoice_date=ORIGIN))
    # The price changes, and the subscription ends before the change takes effect.
    change_day = sub.start_date + timedelta(days=change_offset)
    cancel_day = sub.start_date + timedelta(days=min(cancel_offset, change_offset))
    new = Money.from_minor_units(new_price, sub.currency)
    ended, _ = sub.change_price(effective_date=change_day, base_price=new, at=AT)[0].cancel(
        last_day=cancel_day - timedelta(days=1), at=AT
    )
    assert ended.price_on(change_day) == new
    creditable = sorted(source for source, item in items.items() if item.amount)
    if creditable:
        note = credit_note(
            credit_note_id="CN-1", credit_date=ORIGIN, invoiced_items=items, select=creditable
        )
        assert [line.source_id for line in note.lines] == creditable
        for credit_line in note.lines:
            billed = items[credit_line.source_id].line
            assert credit_line.unit_price == billed.unit_price
            assert credit_line.amount == -billed.amount
            assert attrs.evolve(credit_line, amount=billed.amount, credited_invoice_id=None) == (
                billed
            )
    # The cancellation credit is of the billed price, over the days no longer served; a
    # last piece billed in arrears up to the end is at the old price too.
    by_charge = {fee.period: fee for fee in fees}
    for made in generate_fees(ended, fees, as_of=as_of):
        if made.kind is FeeKind.CHARGE:
            assert sub.timing is BillingTiming.IN_ARREARS
            assert made.period.end == cancel_day
            assert made.price == sub.base_price
            continue
        assert made.kind is FeeKind.CANCELLATION
        assert made.adjusts is not None
        charge = by_charge[made.adjusts]
        assert made.price == charge.price
        credited_days = DateRange(max(cancel_day, charge.period.start), charge.period.end)
        assert made.amount == -prorate(charge.price, credited_days, charge.billing_period)


# ------------------------------------------------------------------------------ F11


@st.composite
def accruing_groups(draw: st.DrawFn) -> SubscriptionGroup:
    invoicing = draw(st.sampled_from((WEEKLY, MONTHLY, QUARTERLY, YEARLY)))
    accrual = draw(st.sampled_from(allowed_accrual_period_codes(invoicing)))
    return SubscriptionGroup(
        id="A",
        invoicing_period_code=invoicing,
        accrual_period_code=accrual,
        accrue_revenue=True,
        accrual_method=draw(st.sampled_from(AccrualMethod)),
        rounding_period=draw(st.sampled_from(RoundingPeriod)),
    )


def invoiced_accruing_fees(
    data: st.DataObject, group: SubscriptionGroup, currency: str
) -> tuple[InMemoryStore, date]:
    """A subscription of ``group`` whose fees due by a random day are invoiced (and, at
    random, cancelled with its cancellation credit invoiced too)."""
    sub = Subscription(
        id="S-1",
        group_id="A",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        period_code=group.invoicing_period_code,
        base_price=data.draw(monies(currency, 0, 1_000_000)),
        start_date=data.draw(days(0, 60)),
        alignment=data.draw(st.sampled_from(Alignment)),
    )
    store = InMemoryStore()
    billing_desk_over(uow(store), CLOCK, groups=group).create_subscription(
        group_id=group.id, **creation_fields(sub)
    )
    groups: Mapping[str, SubscriptionGroup] = {"A": group}
    first = sub.start_date + timedelta(days=data.draw(st.integers(0, 100)))
    billing_desk_over(uow(store), CLOCK).generate_fees(as_of=first)
    billing_desk_over(uow(store), CLOCK, groups=groups).invoice_customers(
        due_by=first, invoice_date=first
    )
    if data.draw(st.booleans()):  # a cancellation credit (a negative fee) invoiced too
        with uow(store) as work:
            current = work.subscriptions.get("S-1")
            end = sub.start_date + timedelta(days=data.draw(st.integers(1, 100)))
            work.subscriptions.save(
                current.cancel(last_day=end - timedelta(days=1), at=AT)[0],
                expected_version=current.version,
            )
            work.commit()
        billing_desk_over(uow(store), CLOCK).generate_fees(as_of=first)
        billing_desk_over(uow(store), CLOCK, groups=groups).invoice_customers(
            due_by=first, invoice_date=first
        )
    return store, first


@given(
    data=st.data(),
    group=accruing_groups(),
    currency=st.sampled_from(CURRENCIES),
)
def test_F11_accrual_periods_of_every_invoiced_fee_sum_to_the_fee(
    data: st.DataObject, group: SubscriptionGroup, currency: str
) -> None:
    store, _ = invoiced_accruing_fees(data, group, currency)
    fees = stored_fees(store)
    invoiced = uow(store).invoices.invoiced(fees)
    expected_total = 0
    for fee_id, item in invoiced.items():
        fee = fees[fee_id]
        periods = uow(store).accruals.for_source(fee_id)
        if fee.amount.is_zero:
            assert periods == []
            continue
        assert (
            sum(p.amount.minor_units for p in periods)
            == fee.amount.minor_units
            == (item.amount.minor_units)
        )
        assert [p.number for p in periods] == list(range(len(periods)))
        assert fee.period.is_tiled_by(p.period for p in periods)
        expected_total += fee.amount.minor_units
    book = InMemoryJournal[AccrualEntry]("ACR")
    far = date(2099, 1, 1)
    posted = billing_desk_over(uow(store), CLOCK, journal=book).accrue_revenue(
        through=far, posting_date=far
    )
    assert all(entry.kind is AccrualEntryKind.ACCRUE for entry in posted)
    assert sum(entry.amount.minor_units for entry in posted) == expected_total
    assert (
        billing_desk_over(uow(store), CLOCK, journal=book).accrue_revenue(
            through=far, posting_date=far
        )
        == ()
    )


@given(
    data=st.data(),
    group=accruing_groups(),
    currency=st.sampled_from(CURRENCIES),
    mode=st.sampled_from(ReversalMode),
)
def test_F11_after_a_credit_the_accruals_carry_what_stays_invoiced(
    data: st.DataObject, group: SubscriptionGroup, currency: str, mode: ReversalMode
) -> None:
    group = attrs.evolve(group, reversal=mode)
    store, first = invoiced_accruing_fees(data, group, currency)
    groups = {"A": group}
    book = InMemoryJournal[AccrualEntry]("ACR")
    accrued_on = first + timedelta(days=data.draw(st.integers(0, 120)))
    billing_desk_over(uow(store), CLOCK, journal=book).accrue_revenue(
        through=accrued_on, posting_date=accrued_on
    )
    fees = stored_fees(store)
    items = uow(store).invoices.invoiced(fees)
    creditable = sorted(fee_id for fee_id, item in items.items() if item.amount)
    if creditable:
        source = data.draw(st.sampled_from(creditable))
        item = items[source]
        units = abs(item.amount.minor_units)
        amount = Money.from_minor_units(
            data.draw(st.integers(1, units)) * (1 if item.amount.amount > 0 else -1), currency
        )
        periods = uow(store).accruals.for_source(source)
        held = [p for p in periods if p.is_posted and not p.is_reversed and p.amount]
        credit_day = accrued_on + timedelta(days=data.draw(st.integers(0, 30)))
        try:
            billing_desk_over(uow(store), CLOCK, groups=groups, journal=book).credit_invoiced(
                credit_note_id="CN-1",
                credit_date=credit_day,
                select=[source],
                amounts={source: amount},
            )
        except BillingRuleError as error:
            refused = error.rule
        else:
            refused = ""
        # F13: a credit of a charge stays within what the charge still bills after its
        # cancellation credit (its family: the charge and its adjustments).
        charge_days = fees[source].charge_period
        still_billed = sum(
            other.amount.minor_units
            for other in fees.values()
            if other.charge_period == charge_days
        )
        capped = amount.amount > 0 and amount.minor_units > still_billed
        if capped:
            assert refused == "credit.at_most_invoiced"
        else:
            assert refused == (
                "accrual.reverse_manually_first" if mode is ReversalMode.MANUAL and held else ""
            )
    far = date(2099, 1, 1)
    billing_desk_over(uow(store), CLOCK, journal=book).accrue_revenue(through=far, posting_date=far)
    net: Counter[str] = Counter()
    for _, entry in book.recorded:
        sign = 1 if entry.kind is AccrualEntryKind.ACCRUE else -1
        net[entry.source_id] += sign * entry.amount.minor_units
        if entry.kind is AccrualEntryKind.REVERSE:
            assert entry.reference == "CN-1"
            assert entry.posting_date >= first
    for fee_id, item in uow(store).invoices.invoiced(fees).items():
        periods = uow(store).accruals.for_source(fee_id)
        remaining = (item.amount - item.credited).minor_units
        assert sum(p.amount.minor_units for p in periods) == remaining
        assert net[fee_id] == remaining  # what stays invoiced is what stays accrued


# ------------------------------------------------------------------------------- C6


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def due_by_run(sub: Subscription, day: date) -> frozenset[str]:
    """The fees due by ``day`` (an independent reading of the generator)."""
    if day < sub.start_date:
        return frozenset()
    return frozenset(fee.id for fee in generate_fees(sub, as_of=day) if fee.due_date <= day)


@given(
    zone=st.sampled_from([ZoneInfo(name) for name in ZONES]),
    start=st.one_of(
        days(0, 365),
        # DST changes of the zones above (2024), and a month end.
        st.sampled_from(
            [
                date(2024, 3, 10),
                date(2024, 3, 31),
                date(2024, 4, 7),
                date(2024, 10, 6),
                date(2024, 10, 27),
                date(2024, 11, 3),
                date(2024, 9, 29),
                date(2024, 1, 31),
            ]
        ),
    ),
    period=st.sampled_from((DAILY, MONTHLY)),
    offsets=st.lists(st.tuples(st.integers(-1, 2), st.integers(-300, 300)), min_size=1, max_size=8),
)
@example(  # Lago PRs #879/#1074: Paris, jobs at 20:00, 21:00, 22:10 and 00:10 UTC
    zone=ZoneInfo("Europe/Paris"),
    start=date(2024, 4, 1),
    period=MONTHLY,
    offsets=[(0, -120), (0, -60), (0, 10), (0, 130)],
)
def test_C6_one_invoice_per_billing_day(
    zone: ZoneInfo, start: date, period: PeriodCode, offsets: list[tuple[int, int]]
) -> None:
    sub = Subscription(
        id="S-1",
        group_id=GROUP_OF[period].id,
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        period_code=period,
        base_price=Money(100, "EUR"),
        start_date=start,
    )
    store = store_of([sub])
    runs = sorted(
        local_midnight(start + timedelta(days=day), zone) + timedelta(minutes=minutes)
        for day, minutes in offsets
    )
    expected = 0
    previous: frozenset[str] = frozenset()
    for instant in runs:
        day = local_date(instant, zone)
        billing_desk_over(uow(store), CLOCK).generate_fees(as_of=day)
        made = billing_desk_over(uow(store), CLOCK, groups=GROUPS).invoice_customers(
            due_by=day, invoice_date=day
        )
        due = due_by_run(sub, day)
        new = due - previous
        expected += 1 if new else 0
        previous = previous | due
        assert len(made) == (1 if new else 0)
        assert {line.source_id for doc in made for line in doc.lines} == new
    invoices = invoices_of(store)
    assert len(invoices) == expected
    dates = [doc.invoice_date for doc in invoices]
    assert len(dates) == len(set(dates))  # at most one invoice per billing day


@given(zone=st.sampled_from([ZoneInfo(name) for name in ZONES]), start=days(0, 365))
def test_C6_hourly_jobs_across_local_midnight_make_exactly_one_invoice(
    zone: ZoneInfo, start: date
) -> None:
    sub = Subscription(
        id="S-1",
        group_id="M",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        period_code=MONTHLY,
        base_price=Money(100, "EUR"),
        start_date=start,
    )
    store = store_of([sub])
    midnight = local_midnight(start, zone)
    first = midnight.replace(minute=0) - timedelta(hours=14)
    for hour in range(29):  # every UTC hour from 14 h before to 14 h after
        instant = first + timedelta(hours=hour)
        day = local_date(instant, zone)
        billing_desk_over(uow(store), CLOCK).generate_fees(as_of=day)
        billing_desk_over(uow(store), CLOCK, groups=GROUPS).invoice_customers(
            due_by=day, invoice_date=day
        )
    (only,) = invoices_of(store)
    assert only.invoice_date == start
    assert [line.service_date for line in only.lines] == [start]
