"""Round trips through the SQL adapter on SQLite (a file) and PostgreSQL (issue 13).

Every aggregate (agreement, service order, subscription) and every ledger and document
the adapter stores (fees, invoices and credit notes with their invoiced items, accrual
periods, order and accrual journal entries, outbox events) is written through the
adapter's public API and read back: equal, and every Decimal in it (amounts, prices,
quantities, indexes) with the same digits and exponent, so 12.30 stays 12.30 (law M5:
a stored amount keeps its currency's exponent). Money is drawn in the currencies that
break lossy storage: JPY (0 decimals), KWD (3), a host's ``Currency("XBT", 8)`` and one
with 15 decimals whose amounts reach 28 significant digits.

Each test reuses one database for all its examples (tables created once, emptied before
each example: generated ids repeat, and the documents name each other's ids) and runs
fewer examples than the profile's count, so the thorough profile stays within minutes.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from servicedomain.adapters.sql import (
    Codec,
    SqlJournal,
    SqlOutbox,
    SqlStore,
    metadata,
    open_store,
)
from servicedomain.agreements import AgreementGroup, ServiceAgreement
from servicedomain.billing import (
    AccrualEntry,
    AccrualPeriod,
    AccrualPolicy,
    BillableTransaction,
    FeeKind,
    FeeTransaction,
    Invoice,
    InvoicedItem,
    Subscription,
    accrual_periods,
    accrue,
    credit_note,
    document_issued,
    generate_fees,
    propose_invoices,
    record_document,
)
from servicedomain.errors import ServiceDomainError
from servicedomain.events import DomainEvent
from servicedomain.money import Currency, Money
from servicedomain.orders import JournalEntry, PostingPlan, ServiceOrder
from servicedomain.periods import MONTHLY, QUARTERLY, WEEKLY, DateRange
from servicedomain.testing.billing_strategies import subscriptions
from servicedomain.testing.domain_strategies import (
    agreement_events,
    domain_events,
    order_events,
    posting_plans,
    service_agreements,
    service_orders,
)
from servicedomain.testing.strategies import monies

THOROUGH = settings.get_current_profile_name() == "thorough"
EXAMPLES = 40 if THOROUGH else 10

XBT = Currency("XBT", 8)
DIGITS_28 = Currency("XTD", 15)
"""13 integer digits and 15 decimals: 28 significant digits below :data:`HIGHEST`."""
CURRENCIES = (Currency.of("JPY"), Currency.of("KWD"), XBT, DIGITS_28)
HIGHEST = Decimal(10) ** 13
"""The largest price drawn: with quantities up to 10, a 200 % index and a quarter's weekly
fees on one invoice, every amount stays below the supported 10^15."""


def round_trips() -> settings:
    """Few examples (each is a database round trip) on the one database of the test."""
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def prices_in(currency: Currency) -> st.SearchStrategy[Money]:
    """Prices >= 0 in ``currency``, the largest one (all its digits) weighted up."""
    largest = Money(HIGHEST - currency.quantum, currency)
    return st.one_of(
        st.just(largest), monies(currency=currency, min_value=0, max_value=HIGHEST - 1)
    )


def extreme_prices() -> st.SearchStrategy[st.SearchStrategy[Money]]:
    """The price strategy of one of :data:`CURRENCIES` (an aggregate has one currency)."""
    return st.sampled_from(CURRENCIES).map(prices_in)


# --------------------------------------------------------------------------- exactness


def decimals(value: object, path: str = "") -> list[tuple[str, tuple[Any, ...]]]:
    """Every Decimal inside ``value`` with its path, as ``(sign, digits, exponent)``."""
    if isinstance(value, Decimal):
        return [(path, tuple(value.as_tuple()))]
    cls = type(value)
    if attrs.has(cls):
        return [
            found
            for field in attrs.fields(cls)
            if field.init  # a derived field (a currency's quantum) follows the others
            for found in decimals(getattr(value, field.name), f"{path}.{field.name}")
        ]
    if isinstance(value, tuple | list):
        return [found for i, item in enumerate(value) for found in decimals(item, f"{path}[{i}]")]
    if isinstance(value, Mapping):
        return [
            found
            for key in sorted(value, key=repr)
            for found in decimals(value[key], f"{path}[{key!r}]")
        ]
    return []


def assert_exact(back: object, value: object) -> None:
    """``back`` equals ``value``, and each of its Decimals has the same digits and exponent."""
    assert back == value
    assert decimals(back) == decimals(value)


def test_decimals_tells_12_30_from_12_3() -> None:
    """The exactness check can fail: equal amounts with other exponents are told apart."""
    line = Money(Decimal("12.30"), "EUR")
    assert decimals(line) == [(".amount", (0, (1, 2, 3, 0), -2))]
    assert decimals((Decimal("12.3"),)) != decimals((line.amount,))
    assert Decimal("12.3") == line.amount


# ---------------------------------------------------------------------------- databases


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    """One database for all the examples of a test (SQLite file, PostgreSQL database)."""
    made = open_store(database_url, create_tables=True)
    yield made
    made.dispose()


def emptied(store: SqlStore) -> SqlStore:
    """The store with every table emptied, for the next example."""
    with store.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
    return store


# --------------------------------------------------------------------------- aggregates


@round_trips()
@given(agreement=extreme_prices().flatmap(lambda prices: service_agreements(prices=prices)))
def test_M5_a_service_agreement_round_trips_exactly(
    store: SqlStore, agreement: ServiceAgreement
) -> None:
    emptied(store)
    with store.unit_of_work() as uow:
        uow.agreements.add(agreement)
        uow.commit()
    with store.unit_of_work() as uow:
        assert_exact(uow.agreements.get(agreement.id), agreement)
        assert_exact(uow.agreements.list(), [agreement])


@round_trips()
@given(order=extreme_prices().flatmap(lambda prices: service_orders(prices=prices)))
def test_M5_a_service_order_round_trips_exactly(store: SqlStore, order: ServiceOrder) -> None:
    emptied(store)
    with store.unit_of_work() as uow:
        uow.service_orders.add(order)
        uow.commit()
    with store.unit_of_work() as uow:
        assert_exact(uow.service_orders.get(order.id), order)
        assert_exact(uow.service_orders.list(), [order])
        if order.agreement_id is not None:
            assert_exact(uow.service_orders.for_agreement(order.agreement_id), [order])


def extreme_subscriptions(**bounds: Any) -> st.SearchStrategy[Subscription]:
    return subscriptions(currencies=CURRENCIES, max_price=HIGHEST, **bounds)


@round_trips()
@given(subscription=extreme_subscriptions())
def test_M5_a_subscription_round_trips_exactly(store: SqlStore, subscription: Subscription) -> None:
    emptied(store)
    with store.unit_of_work() as uow:
        uow.subscriptions.add(subscription)
        uow.commit()
    with store.unit_of_work() as uow:
        assert_exact(uow.subscriptions.get(subscription.id), subscription)
        assert_exact(uow.subscriptions.list(), [subscription])


# ------------------------------------------------------------------------------- ledgers


def generated_fees(subscription: Subscription) -> tuple[FeeTransaction, ...]:
    return generate_fees(subscription, as_of=subscription.start_date + timedelta(days=100))


#: Subscriptions that bill within 100 days (a quarter's weekly fees at most).
BILLING = extreme_subscriptions(period_codes=(MONTHLY, QUARTERLY, WEEKLY))


def charge(amount: Money, price: Money) -> FeeTransaction:
    """A January charge of ``amount`` out of ``price``."""
    period = DateRange(date(2026, 1, 1), date(2026, 2, 1))
    return FeeTransaction(
        subscription_id="S-1",
        kind=FeeKind.CHARGE,
        period=period,
        billing_period=period,
        amount=amount,
        price=price,
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        due_date=period.start,
    )


@st.composite
def charges(draw: st.DrawFn) -> FeeTransaction:
    """A charge of any amount up to its price, in one of :data:`CURRENCIES`."""
    price = draw(extreme_prices().flatmap(lambda prices: prices))
    units = draw(st.integers(0, price.minor_units))
    return charge(Money.from_minor_units(units, price.currency), price)


def store_fees(store: SqlStore, fees: tuple[FeeTransaction, ...]) -> None:
    """Add ``fees`` in one unit of work and read them back by subscription and as due."""
    emptied(store)
    with store.unit_of_work() as uow:
        assert uow.fees.add_all(fees) == list(fees)
        uow.commit()
    by_subscription: dict[str, list[FeeTransaction]] = {}
    for fee in fees:
        by_subscription.setdefault(fee.subscription_id, []).append(fee)
    with store.unit_of_work() as uow:
        for subscription_id, given_fees in by_subscription.items():
            back = uow.fees.for_subscription(subscription_id)
            assert_exact(sorted(back, key=repr), sorted(given_fees, key=repr))
        due = uow.fees.due(due_by=date.max)
        assert_exact(sorted(due, key=repr), sorted(fees, key=repr))


LARGEST_28 = Money(HIGHEST - DIGITS_28.quantum, DIGITS_28)


@round_trips()
@given(fees=BILLING.map(generated_fees) | charges().map(lambda fee: (fee,)))
@example(fees=(charge(LARGEST_28, LARGEST_28),))
@example(fees=(charge(-LARGEST_28 + LARGEST_28, LARGEST_28),))
def test_M5_fees_round_trip_exactly(store: SqlStore, fees: tuple[FeeTransaction, ...]) -> None:
    store_fees(store, fees)


ISSUE_13_AMOUNT = Decimal("12345678901234.123456")
ISSUE_13_CURRENCY = Currency("XXX", 6)


def test_M5_a_20_digit_fee_comes_back_exact_on_sqlite_where_plain_numeric_loses_it(
    tmp_path: Any,
) -> None:
    """Issue 13: 12345678901234.123456 in a 6-decimal currency, stored on SQLite.

    SQLite's NUMERIC is a float (15-16 digits): SQLAlchemy's plain ``sa.Numeric`` gives
    another number back. The adapter keeps the decimal text, so the fee is exact.
    """
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    plain = sa.Table("plain", sa.MetaData(), sa.Column("amount", sa.Numeric(asdecimal=True)))
    plain.metadata.create_all(engine)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.exc.SAWarning)  # "does not support Decimal"
        with engine.begin() as connection:
            connection.execute(plain.insert(), {"amount": ISSUE_13_AMOUNT})
            lost = connection.execute(sa.select(plain.c.amount)).scalar_one()
    engine.dispose()
    assert lost != ISSUE_13_AMOUNT  # the loss the adapter's column type avoids

    store = open_store(f"sqlite:///{tmp_path / 'store.db'}", create_tables=True)
    amount = Money(ISSUE_13_AMOUNT, ISSUE_13_CURRENCY)
    fee = charge(amount, amount)
    store_fees(store, (fee,))
    with store.unit_of_work() as uow:
        (back,) = uow.fees.for_subscription("S-1")
    store.dispose()
    assert back.amount.amount.as_tuple() == ISSUE_13_AMOUNT.as_tuple()
    assert back.amount.currency == ISSUE_13_CURRENCY
    assert_exact(back, fee)


# ----------------------------------------------------------------- documents, accruals


@attrs.frozen
class Documents:
    """An invoice of fees and order transactions, maybe a credit note, and what follows."""

    fees: tuple[FeeTransaction, ...]
    invoice: Invoice
    credit_note: Invoice | None
    items: dict[str, InvoicedItem]
    periods: tuple[AccrualPeriod, ...]
    entries: tuple[AccrualEntry, ...]


@st.composite
def transactions(draw: st.DrawFn, currency: Currency, customer_id: str) -> BillableTransaction:
    """A posted order line of the customer in ``currency``, its amount rounded once."""
    quantity = Decimal(draw(st.integers(1, 100))).scaleb(-1)
    price = draw(prices_in(currency))
    return BillableTransaction(
        id=f"HOUR-{draw(st.integers(1, 999_999)):06d}",
        customer_id=customer_id,
        order_id=draw(st.sampled_from(("SO-1", "SO-2"))),
        line_number=draw(st.integers(1, 9)),
        transaction_date=date(2026, 1, 5),
        quantity=quantity,
        sales_price=price,
        amount=(price * quantity).round(),
    )


@st.composite
def documents(draw: st.DrawFn) -> Documents:
    """Fees of a subscription and order lines invoiced, credited in part, accrued."""
    subscription = draw(BILLING)
    fees = generated_fees(subscription)
    currency, customer = subscription.base_price.currency, subscription.customer_id
    lines = draw(
        st.lists(transactions(currency, customer), max_size=2, unique_by=lambda line: line.id)
    )
    proposals = propose_invoices(due_by=date.max, fees=fees, transactions=lines)
    if not proposals:
        lines = [draw(transactions(currency, customer))]
        proposals = propose_invoices(due_by=date.max, transactions=lines)
    (proposal,) = proposals
    day = date(2030, 1, 1)
    invoice = proposal.post(invoice_id=f"INV-{draw(st.integers(1, 999))}", invoice_date=day)
    items = dict(record_document({}, invoice))
    sources = sorted(items)
    selected = draw(st.lists(st.sampled_from(sources), unique=True, max_size=len(sources)))
    note: Invoice | None = None
    if selected:
        try:
            note = credit_note(
                credit_note_id=f"CN-{draw(st.integers(1, 999))}",
                credit_date=day,
                invoiced_items=items,
                select=selected,
                fees=fees,
            )
        except ServiceDomainError:
            note = None
    if note is not None:
        items.update(record_document(items, note))
    periods: tuple[AccrualPeriod, ...] = ()
    entries: tuple[AccrualEntry, ...] = ()
    if fees:
        fee = fees[0]
        cut = accrual_periods(
            source_id=fee.id,
            amount=fee.amount,
            service_period=fee.period,
            policy=AccrualPolicy(period_code=MONTHLY),
        )
        periods, entries = accrue(cut, through=cut[0].period.last, posting_date=day)
    return Documents(fees, invoice, note, items, periods, entries)


@round_trips()
@given(made=documents())
def test_M5_an_invoice_its_credit_note_and_invoiced_items_round_trip_exactly(
    store: SqlStore, made: Documents
) -> None:
    emptied(store)
    posted = [made.invoice] if made.credit_note is None else [made.invoice, made.credit_note]
    for document in posted:  # one unit of work each: the credit note credits the invoice
        with store.unit_of_work() as uow:
            uow.fees.add_all(made.fees)
            uow.invoices.add(document)
            uow.commit()
    with store.unit_of_work() as uow:
        for document in posted:
            assert_exact(uow.invoices.get(document.id), document)
        assert_exact(uow.invoices.list(), sorted(posted, key=lambda document: document.id))
        assert_exact(uow.invoices.list(customer_id=made.invoice.customer_id), uow.invoices.list())
        assert_exact(uow.invoices.invoiced(made.items), made.items)


@round_trips()
@given(made=documents().filter(lambda made: bool(made.periods)))
def test_M5_accrual_periods_and_entries_round_trip_exactly(
    store: SqlStore, made: Documents
) -> None:
    emptied(store)
    journal = SqlJournal(store, "ACR", AccrualEntry)
    with store.unit_of_work() as uow:
        uow.accruals.save_all(made.periods)
        ids = uow.enlist(journal).post(made.entries)
        uow.commit()
    with store.unit_of_work() as uow:
        source_id = made.periods[0].source_id
        assert_exact(uow.accruals.for_source(source_id), list(made.periods))
        unposted = [period for period in made.periods if period.posting_date is None]
        assert_exact(uow.accruals.unposted_through(date.max), unposted)
    assert_exact(journal.recorded, tuple(zip(ids, made.entries, strict=True)))


@round_trips()
@given(
    plan=extreme_prices()
    .flatmap(lambda prices: posting_plans(prices=prices))
    .filter(lambda plan: bool(plan.entries))
)
def test_M5_order_journal_entries_round_trip_exactly(store: SqlStore, plan: PostingPlan) -> None:
    emptied(store)
    journal = SqlJournal(store, "HOUR", JournalEntry)
    ids = journal.post(plan.entries)
    assert_exact(journal.recorded, tuple(zip(ids, plan.entries, strict=True)))


# -------------------------------------------------------------------------------- events

AT = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def billing_events() -> st.SearchStrategy[DomainEvent]:
    """The events of posted documents (totals in the extreme currencies)."""
    return documents().map(lambda made: document_issued(made.invoice, at=AT))


def extreme_events() -> st.SearchStrategy[DomainEvent]:
    """Events of orders and agreements priced in :data:`CURRENCIES`, documents, any event."""
    return st.one_of(
        extreme_prices().flatmap(lambda prices: order_events(prices=prices)),
        extreme_prices().flatmap(lambda prices: agreement_events(prices=prices)),
        billing_events(),
        domain_events(),
    )


@round_trips()
@given(events=st.lists(extreme_events(), min_size=1, max_size=4))
def test_M5_outbox_events_round_trip_exactly(store: SqlStore, events: list[DomainEvent]) -> None:
    emptied(store)
    with store.unit_of_work() as uow:
        uow.collect(events)
        uow.commit()
    pending = SqlOutbox(store).pending()
    assert_exact([record.event for record in pending], events)
    positions = [record.position for record in pending]
    assert positions == sorted(positions)
    assert all(record.published_at is None for record in pending)


# --------------------------------------------------------------------------- regressions

#: NUL and lone surrogates, which PostgreSQL's jsonb cannot hold, beside the adapter's
#: escape character.
NUL_TEXT = "pump \x00 \ue000 \ue0000 \x00\ue000"
SURROGATE_TEXT = "pump \ud800 \ue000s\udfff \U0001f527 \udbff\ue000"


@pytest.mark.parametrize("text", [NUL_TEXT, SURROGATE_TEXT], ids=["nul", "surrogate"])
def test_round_trip_a_text_that_jsonb_cannot_hold_on_every_database(
    store: SqlStore, text: str
) -> None:
    """A description may hold any character, NUL and lone surrogates included.

    jsonb refuses ``\\u0000`` and unpaired surrogates: on PostgreSQL the commit failed
    with StorageError ("unsupported Unicode escape sequence", "invalid input syntax for
    type json"), so an agreement and its event in the outbox could not be stored at all.
    """
    agreement, events = ServiceAgreement.create(
        id="SA-1",
        customer_id="C-1",
        group=AgreementGroup("G-1", text),
        start_date=date(2026, 1, 1),
        at=AT,
        description=text,
    )
    plain, _ = ServiceAgreement.create(
        id="SA-2", customer_id="C-1", group=agreement.group, start_date=date(2026, 1, 1), at=AT
    )
    with store.unit_of_work() as uow:
        uow.agreements.add(agreement)
        uow.agreements.add(plain)
        uow.collect(events)
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.agreements.get("SA-1") == agreement
        assert uow.agreements.get("SA-1").description == text
        assert uow.agreements.list() == [agreement, plain]
    assert [record.event for record in SqlOutbox(store).pending()] == list(events)


@attrs.frozen
class Note:
    """An entity of a host's own, whose codec writes the escaped documents' key itself."""

    id: str
    version: int
    text: str


LOOKALIKE = Codec(
    Note,
    lambda note: {"$escaped": attrs.asdict(note)},
    lambda data: Note(**data["$escaped"]),
)


@pytest.mark.parametrize("text", ["plain \ue000", NUL_TEXT, SURROGATE_TEXT])
def test_round_trip_a_host_document_that_looks_escaped(database_url: str, text: str) -> None:
    store = open_store(database_url, codecs=[LOOKALIKE], create_tables=True)
    try:
        note = Note("N-1", 1, text)
        store.repository(Note).add(note)
        assert store.repository(Note).get("N-1") == note
    finally:
        store.dispose()
