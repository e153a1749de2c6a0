"""The billing desk's runs over the in-memory and the SQL (SQLite) unit of work (catalog 5).

Laws: F4/F5 (catch-up, a second run creates nothing), P1/P3 (concurrent generation:
one winner, the duplicate is a no-op), P4 (an injected failure plus a retry equals one
run; OCA/contract PR #1473), I1 (invoicing twice invoices nothing), C6 (one invoice per
billing day; Lago PRs #879/#1074), F8/F10 (credits), F11 (accruals), and the reversal
modes of ``SMAReverseAccruedOnCredit``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

import attrs
import pytest

import desk_adapters
from billing_fixtures import AT, CLOCK, billing_desk_over
from desk_adapters import (
    RecordingJournal,
    Store,
    Stores,
    UnitOfWork,
    Wrapped,
    journal,
    unit_of_work,
)
from orders_fixtures import AT as ORDER_AT
from orders_fixtures import boiler_order, line, service_desk_over
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryEventPublisher
from servicedomain.app import FeeRunResult
from servicedomain.billing import (
    ACCRUED_REVENUE_ACCOUNT,
    WIP_ACCOUNT,
    AccrualEntry,
    AccrualEntryKind,
    AccrualMethod,
    BillableTransaction,
    DocumentKind,
    FeeKind,
    FeeTransaction,
    Invoice,
    ReversalMode,
    SourceKind,
    Subscription,
    SubscriptionCreated,
    SubscriptionGroup,
    reverse_period,
)
from servicedomain.errors import (
    AlreadyExistsError,
    AlreadyInvoicedError,
    BillingRuleError,
    ConcurrencyConflictError,
    CreditExceededError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
)
from servicedomain.instants import local_date
from servicedomain.money import Money
from servicedomain.orders import JournalEntry, ServiceOrder, TransactionType
from servicedomain.periods import MONTHLY, QUARTERLY, Alignment, DateRange
from servicedomain.ports import BillingUnitOfWork, InvoiceRepository, Repository
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH
from servicedomain.testing.billing_strategies import creation_fields

MONTHLY_GROUP = SubscriptionGroup(id="M", invoicing_period_code=MONTHLY)
QUARTERLY_GROUP = SubscriptionGroup(id="Q", invoicing_period_code=QUARTERLY)
GROUPS = {"M": MONTHLY_GROUP}

stores = desk_adapters.stores  # the fixture: each test on the memory and SQLite adapters
PARIS = ZoneInfo("Europe/Paris")


def money(amount: str | int, currency: str = "EUR") -> Money:
    return Money(Decimal(amount), currency)


def subscription(
    sub_id: str = "S-1",
    *,
    customer: str = "C-1",
    price: str = "100.00",
    start: date = date(2024, 1, 1),
    group: SubscriptionGroup = MONTHLY_GROUP,
    **changes: Any,
) -> Subscription:
    fields: dict[str, Any] = {
        "id": sub_id,
        "group_id": group.id,
        "customer_id": customer,
        "project_id": "P-1",
        "category_id": "FEE",
        "period_code": group.invoicing_period_code,
        "base_price": money(price),
        "start_date": start,
        **changes,
    }
    return Subscription(**fields)


def store_with(
    stores: Stores, *subs: Subscription, group: SubscriptionGroup = MONTHLY_GROUP
) -> Store:
    store = stores.new()
    for sub in subs:
        billing_desk_over(unit_of_work(store), CLOCK, groups=group).create_subscription(
            group_id=group.id, **creation_fields(sub)
        )
    return store


def uow(store: Store) -> UnitOfWork:
    return unit_of_work(store)


def billing(wrapped: Wrapped[UnitOfWork]) -> BillingUnitOfWork:
    """A wrapped unit of work as the billing unit of work it stands for."""
    return cast("BillingUnitOfWork", wrapped)


def all_fees(store: Store) -> dict[str, FeeTransaction]:
    view = uow(store)
    return {
        fee.id: fee
        for sub in view.subscriptions.list()
        for fee in view.fees.for_subscription(sub.id)
    }


def documents(store: Store) -> list[Invoice]:
    return uow(store).invoices.list()


def fee_periods(fees: Iterable[FeeTransaction]) -> list[tuple[str, str]]:
    return [(fee.subscription_id, str(fee.period)) for fee in fees]


def snapshot(store: Store) -> tuple[object, ...]:
    """What the billing store holds: subscriptions, fees, documents and invoiced items."""
    view = uow(store)
    fees = all_fees(store)
    return (
        view.subscriptions.list(),
        sorted(fees),
        [fees[key] for key in sorted(fees)],
        view.invoices.list(),
        view.invoices.invoiced(sorted(fees)),
    )


# ------------------------------------------------------------------ create_subscription


def test_create_subscription_takes_the_groups_id_and_period_and_starts_at_version_1(
    stores: Stores,
) -> None:
    store = stores.new()
    publisher = InMemoryEventPublisher()
    stored = billing_desk_over(
        unit_of_work(store, publisher=publisher), CLOCK, groups=QUARTERLY_GROUP
    ).create_subscription(
        group_id=QUARTERLY_GROUP.id,
        id="S-1",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        base_price=money("100.00"),
        start_date=date(2024, 1, 1),
    )
    assert (stored.group_id, stored.period_code, stored.version) == ("Q", QUARTERLY, 1)
    assert uow(store).subscriptions.get("S-1") == stored
    (event,) = publisher.published
    assert isinstance(event, SubscriptionCreated)
    assert (event.entity_id, event.occurred_at, event.group_id) == ("S-1", AT, "Q")
    with pytest.raises(AlreadyExistsError):
        billing_desk_over(uow(store), CLOCK, groups=MONTHLY_GROUP).create_subscription(
            group_id=MONTHLY_GROUP.id, **creation_fields(subscription(price="5.00"))
        )
    assert publisher.published == (event,), "a refused creation publishes nothing"
    assert uow(store).subscriptions.get("S-1").base_price == money("100.00")


# ------------------------------------------------------------ BillingDesk.generate_fees


def test_F5_generation_catches_up_and_a_second_run_creates_nothing(stores: Stores) -> None:
    store = store_with(stores, subscription("S-1"), subscription("S-2", start=date(2024, 2, 15)))
    result = billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 4, 20))
    assert fee_periods(result.created) == [
        ("S-1", "[2024-01-01, 2024-02-01)"),
        ("S-1", "[2024-02-01, 2024-03-01)"),
        ("S-1", "[2024-03-01, 2024-04-01)"),
        ("S-1", "[2024-04-01, 2024-05-01)"),
        ("S-2", "[2024-02-15, 2024-03-15)"),
        ("S-2", "[2024-03-15, 2024-04-15)"),
        ("S-2", "[2024-04-15, 2024-05-15)"),
    ]
    assert result.not_started == ()
    assert {fee.kind for fee in result.created} == {FeeKind.CHARGE}
    assert set(all_fees(store)) == {fee.id for fee in result.created}
    # Each subscription that got fees is saved with its version raised once (from 1).
    assert [sub.version for sub in uow(store).subscriptions.list()] == [2, 2]
    again = billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 4, 20))
    assert again == FeeRunResult()
    assert [sub.version for sub in uow(store).subscriptions.list()] == [2, 2]


def test_F5_erpnext_46080_a_late_run_equals_daily_runs(stores: Stores) -> None:
    late = store_with(stores, subscription("S-1"), subscription("S-2", start=date(2024, 1, 31)))
    daily = store_with(stores, subscription("S-1"), subscription("S-2", start=date(2024, 1, 31)))
    billing_desk_over(uow(late), CLOCK).generate_fees(as_of=date(2024, 4, 30))
    day = date(2024, 1, 1)
    while day <= date(2024, 4, 30):
        billing_desk_over(uow(daily), CLOCK).generate_fees(as_of=day)
        day = date.fromordinal(day.toordinal() + 1)
    assert all_fees(late) == all_fees(daily)


def test_generation_reports_subscriptions_not_started_yet(stores: Stores) -> None:
    store = store_with(stores, subscription("S-1"), subscription("S-2", start=date(2024, 6, 1)))
    result = billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 5, 31))
    assert result.not_started == ("S-2",)
    assert {fee.subscription_id for fee in result.created} == {"S-1"}
    assert uow(store).fees.for_subscription("S-2") == []
    assert uow(store).subscriptions.get("S-2").version == 1


def test_generation_of_some_subscriptions_or_of_one_group(stores: Stores) -> None:
    quarterly = SubscriptionGroup(id="Q", invoicing_period_code=QUARTERLY)
    store = store_with(stores, subscription("S-1"), subscription("S-2"))
    billing_desk_over(uow(store), CLOCK, groups=quarterly).create_subscription(
        group_id=quarterly.id, **creation_fields(subscription("S-3", group=quarterly))
    )
    only = billing_desk_over(uow(store), CLOCK).generate_fees(
        as_of=date(2024, 1, 1), subscription_ids=["S-2"]
    )
    assert {fee.subscription_id for fee in only.created} == {"S-2"}
    grouped = billing_desk_over(uow(store), CLOCK).generate_fees(
        as_of=date(2024, 1, 1), group_id="Q"
    )
    assert fee_periods(grouped.created) == [("S-3", "[2024-01-01, 2024-04-01)")]
    with pytest.raises(NotFoundError):
        billing_desk_over(uow(store), CLOCK).generate_fees(
            as_of=date(2024, 1, 1), subscription_ids=["S-1", "S-9"]
        )
    assert uow(store).fees.for_subscription("S-1") == []  # nothing of the failed run


class RivalFirst(Wrapped[UnitOfWork]):
    """A unit of work that lets a rival run commit between its reads and its commit."""

    def __init__(self, store: Store, rival: Callable[[], object]) -> None:
        super().__init__(unit_of_work(store))
        self._rival: Callable[[], object] | None = rival

    def commit(self) -> None:
        rival, self._rival = self._rival, None
        if rival is not None:
            rival()
        self.inner.commit()


def test_P1_P3_lago_1086_two_runs_over_one_subscription_from_one_state(stores: Stores) -> None:
    """Lago PRs #1086/#1102/#1868/#2681: the same period generated twice concurrently."""
    store = store_with(stores, subscription())
    outcomes: list[FeeRunResult] = []

    def rival() -> None:
        outcomes.append(billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 2, 1)))

    with pytest.raises(ConcurrencyConflictError) as error:
        billing_desk_over(billing(RivalFirst(store, rival)), CLOCK).generate_fees(
            as_of=date(2024, 2, 1)
        )
    assert (error.value.entity_id, error.value.expected_version) == ("S-1", 1)
    (winner,) = outcomes
    assert len(winner.created) == 2
    assert all_fees(store) == {fee.id: fee for fee in winner.created}
    assert uow(store).subscriptions.get("S-1").version == 2
    retry = billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 2, 1))
    assert retry.created == ()
    assert all_fees(store) == {fee.id: fee for fee in winner.created}


def test_P1_concurrent_threads_generate_one_set_of_fees(stores: Stores) -> None:
    store = store_with(stores, subscription("S-1"), subscription("S-2"))
    barrier = threading.Barrier(4)
    results: list[FeeRunResult | Exception] = []
    lock = threading.Lock()

    class Waiting(Wrapped[UnitOfWork]):
        def commit(self) -> None:
            barrier.wait(timeout=10)
            self.inner.commit()

    def run() -> None:
        try:
            outcome: FeeRunResult | Exception = billing_desk_over(
                billing(Waiting(unit_of_work(store))), CLOCK
            ).generate_fees(as_of=date(2024, 3, 1))
        except ConcurrencyConflictError as error:
            outcome = error
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    winners = [result for result in results if isinstance(result, FeeRunResult)]
    assert len(results) == 4
    assert len(winners) == 1
    assert len(winners[0].created) == 6
    assert len(all_fees(store)) == 6
    assert billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 3, 1)).created == ()


def test_P3_the_fee_port_keeps_one_fee_per_key(stores: Stores) -> None:
    store = store_with(stores, subscription())
    created = billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 1, 1)).created
    (fee,) = created
    with uow(store) as work:
        assert work.fees.add_all([fee]) == []  # equal: already done
        with pytest.raises(IdempotencyConflictError) as error:
            work.fees.add_all([attrs.evolve(fee, amount=money("99.00"))])
        assert error.value.field == "amount"
        work.commit()
    assert all_fees(store) == {fee.id: fee}


class InjectedFailureError(Exception):
    """A failure the test injects (the database went away, say)."""


class FailingSubscriptions(Wrapped[Repository[Subscription]]):
    """The subscriptions of a unit of work whose ``fail_at``-th save fails."""

    def __init__(self, work: FailAtSubscription) -> None:
        super().__init__(work.inner.subscriptions)
        self._work = work

    def save(self, entity: Subscription, *, expected_version: int) -> None:
        self._work.saves += 1
        if self._work.saves == self._work.fail_at:
            raise InjectedFailureError(entity.id)
        self.inner.save(entity, expected_version=expected_version)


class FailAtSubscription(Wrapped[UnitOfWork]):
    """A billing unit of work whose ``fail_at``-th subscription save fails."""

    def __init__(self, store: Store, fail_at: int) -> None:
        super().__init__(unit_of_work(store))
        self.fail_at, self.saves = fail_at, 0

    @property
    def subscriptions(self) -> FailingSubscriptions:
        return FailingSubscriptions(self)


SUBSCRIPTIONS = (
    subscription("S-1"),
    subscription("S-2", customer="C-2", start=date(2024, 1, 31)),
    subscription("S-3", price="33.33", start=date(2024, 2, 29)),
    subscription("S-4", customer="C-3", alignment=Alignment.CALENDAR, start=date(2024, 2, 10)),
)


@pytest.mark.parametrize("fail_at", range(1, len(SUBSCRIPTIONS) + 1))
def test_P4_oca_1473_a_failure_at_subscription_k_stores_nothing_and_a_retry_is_one_run(
    fail_at: int, stores: Stores
) -> None:
    reference = store_with(stores, *SUBSCRIPTIONS)
    billing_desk_over(uow(reference), CLOCK).generate_fees(as_of=date(2024, 4, 1))
    store = store_with(stores, *SUBSCRIPTIONS)
    before = snapshot(store)
    with pytest.raises(InjectedFailureError):
        billing_desk_over(billing(FailAtSubscription(store, fail_at)), CLOCK).generate_fees(
            as_of=date(2024, 4, 1)
        )
    assert snapshot(store) == before
    billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 4, 1))
    assert snapshot(store) == snapshot(reference)


@pytest.mark.parametrize("conflict_at", range(len(SUBSCRIPTIONS)))
def test_P4_a_commit_conflict_at_subscription_k_stores_nothing_and_a_retry_is_one_run(
    conflict_at: int, stores: Stores
) -> None:
    """A rival changes subscription k (a rename) while the run is in flight."""
    store = store_with(stores, *SUBSCRIPTIONS)
    renamed = attrs.evolve(SUBSCRIPTIONS[conflict_at], name="renamed", version=2)

    def rival() -> None:
        store.repository(Subscription).save(renamed, expected_version=1)

    before = snapshot(store)
    with pytest.raises(ConcurrencyConflictError):
        billing_desk_over(billing(RivalFirst(store, rival)), CLOCK).generate_fees(
            as_of=date(2024, 4, 1)
        )
    assert snapshot(store)[1:] == before[1:]  # no fee, no document
    billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 4, 1))
    reference = store_with(stores, *SUBSCRIPTIONS)
    reference.repository(Subscription).save(renamed, expected_version=1)
    billing_desk_over(uow(reference), CLOCK).generate_fees(as_of=date(2024, 4, 1))
    assert snapshot(store) == snapshot(reference)


def test_two_price_changes_over_a_billed_period_are_both_billed(stores: Stores) -> None:
    """Jan and Feb billed at 100.00; the price goes to 200.00 from Jan 10 (February gets
    a +100.00 price-change fee), then back to 100.00 from Jan 20: February gets a
    -100.00 price-change fee of the same days, revision 1."""
    store = store_with(stores, subscription("S-1"), subscription("S-2", customer="C-2"))
    billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 2, 1))
    for effective_date, price in ((date(2024, 1, 10), "200.00"), (date(2024, 1, 20), "100.00")):
        with uow(store) as work:
            sub = work.subscriptions.get("S-1")
            changed, _ = sub.change_price(
                effective_date=effective_date, base_price=money(price), at=AT
            )
            work.subscriptions.save(changed, expected_version=sub.version)
            work.commit()
        billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 2, 1))
    february = [
        fee.amount
        for fee in uow(store).fees.for_subscription("S-1")
        if fee.billing_period.start == date(2024, 2, 1)
    ]
    assert Money.total(february, "EUR") == money("100.00")


# ----------------------------------------------------------------------- invoicing


def journals(store: Store) -> dict[TransactionType, RecordingJournal[JournalEntry]]:
    return {kind: journal(store, kind.name, JournalEntry) for kind in TransactionType}


def post_order(
    store: Store, books: dict[TransactionType, RecordingJournal[JournalEntry]], order_id: str
) -> None:
    """Store a completed, signed-off order (2 h at 85.00, an item at 15.00) and post it."""
    order = boiler_order(
        order_id,
        line(TransactionType.HOUR, "2", "40.00", "85.00"),
        line(TransactionType.ITEM, "1", "10.00", "15.00"),
    )
    for stage in ("PLANNED", "IN_PROCESS", "COMPLETED"):
        order, _ = order.change_stage(GRAPH, stage, at=ORDER_AT)
    order, _ = order.sign_off(at=ORDER_AT)
    store.repository(ServiceOrder).add(order)
    result = service_desk_over(
        unit_of_work(store), FixedClock(ORDER_AT), journals=books, graph=GRAPH
    ).post_orders(
        order_ids=[order_id],
        period=DateRange(date(2026, 3, 1), date(2026, 4, 1)),
        types=frozenset(TransactionType),
    )
    assert len(result.posted) == 2


def billable(
    books: dict[TransactionType, RecordingJournal[JournalEntry]],
) -> list[BillableTransaction]:
    return [
        BillableTransaction.from_journal(transaction_id, entry)
        for book in books.values()
        for transaction_id, entry in book.recorded
    ]


def test_invoice_customers_bills_fees_and_posted_order_lines_together(stores: Stores) -> None:
    store = store_with(
        stores,
        subscription("S-1", customer="C-100", price="49.00", start=date(2026, 3, 1)),
        subscription("S-2", customer="C-200", price="10.00", start=date(2026, 3, 1)),
    )
    books = journals(store)
    post_order(store, books, "SO-1")
    billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2026, 3, 2))
    day = date(2026, 3, 2)
    invoices = billing_desk_over(uow(store), CLOCK, groups=GROUPS).invoice_customers(
        due_by=day, invoice_date=day, transactions=billable(books)
    )
    assert [(doc.id, doc.customer_id, doc.total) for doc in invoices] == [
        ("INV-C-100-EUR-20260302-1", "C-100", money("234.00")),
        ("INV-C-200-EUR-20260302-1", "C-200", money("10.00")),
    ]
    first = invoices[0]
    assert [(ln.source_kind, ln.source_id, ln.amount) for ln in first.lines] == [
        (SourceKind.FEE, "S-1:2026-03-01:2026-04-01:charge", money("49.00")),
        (SourceKind.ORDER_TRANSACTION, "HOUR-000001", money("170.00")),
        (SourceKind.ORDER_TRANSACTION, "ITEM-000001", money("15.00")),
    ]
    assert first.lines[1].quantity == Decimal(2)
    assert first.lines[1].unit_price == money("85.00")
    assert documents(store) == list(invoices)
    # I1: the same day again (and the same journal read again) invoices nothing.
    again = billing_desk_over(uow(store), CLOCK, groups=GROUPS).invoice_customers(
        due_by=day, invoice_date=day, transactions=billable(books)
    )
    assert again == ()
    # A second order the next day: only its lines, on a new invoice.
    post_order(store, books, "SO-2")
    later = billing_desk_over(uow(store), CLOCK, groups=GROUPS).invoice_customers(
        due_by=date(2026, 3, 3), invoice_date=date(2026, 3, 3), transactions=billable(books)
    )
    assert [(doc.customer_id, [ln.source_id for ln in doc.lines]) for doc in later] == [
        ("C-100", ["HOUR-000002", "ITEM-000002"])
    ]
    invoiced = uow(store).invoices.invoiced(t.id for t in billable(books))
    assert {item.invoice_id for item in invoiced.values()} == {
        "INV-C-100-EUR-20260302-1",
        "INV-C-100-EUR-20260303-1",
    }


def test_invoice_customers_of_one_customer_and_numbering_on_the_same_day(stores: Stores) -> None:
    store = store_with(stores, subscription("S-1"), subscription("S-2", customer="C-2"))
    billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 1, 1))
    (only,) = billing_desk_over(uow(store), CLOCK, groups=GROUPS).invoice_customers(
        due_by=date(2024, 1, 1), invoice_date=date(2024, 1, 1), customer_id="C-2"
    )
    assert only.customer_id == "C-2"
    # The other customer's fee is still due.
    assert [fee.customer_id for fee in uow(store).fees.due(due_by=date(2024, 1, 1))] == ["C-1"]
    # A price change the same day adds a fee due today: a second invoice, numbered 2.
    with uow(store) as work:
        sub = work.subscriptions.get("S-2")
        work.subscriptions.save(
            sub.change_price(effective_date=date(2024, 1, 16), base_price=money("162.00"), at=AT)[
                0
            ],
            expected_version=sub.version,
        )
        work.commit()
    billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 1, 1))
    second = billing_desk_over(uow(store), CLOCK, groups=GROUPS).invoice_customers(
        due_by=date(2024, 1, 1), invoice_date=date(2024, 1, 1)
    )
    assert [(doc.id, doc.total) for doc in second] == [
        ("INV-C-1-EUR-20240101-1", money("100.00")),
        ("INV-C-2-EUR-20240101-2", money("32.00")),  # 62.00 x 16/31 = 32.00
    ]


def test_invoice_customers_needs_the_group_of_every_invoiced_fee(stores: Stores) -> None:
    store = store_with(stores, subscription())
    billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 1, 1))
    with pytest.raises(InvalidInputError) as error:
        billing_desk_over(uow(store), CLOCK, groups={}).invoice_customers(
            due_by=date(2024, 1, 1), invoice_date=date(2024, 1, 1)
        )
    assert error.value.field == "groups"
    assert documents(store) == []


@pytest.mark.parametrize("rival_prefix", ["INV", "RIVAL"])
def test_I1_two_invoice_runs_from_one_state_invoice_each_source_once(
    rival_prefix: str, stores: Stores
) -> None:
    """The rival commits first; the other run stores nothing. With the same id prefix its
    invoice id is taken (AlreadyExistsError); with another, its fee is invoiced already."""
    store = store_with(stores, subscription(), subscription("S-2", customer="C-2"))
    billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 1, 1))
    day = date(2024, 1, 1)
    won: list[tuple[Invoice, ...]] = []

    def rival() -> None:
        won.append(
            billing_desk_over(
                uow(store), CLOCK, groups=GROUPS, invoice_prefix=rival_prefix
            ).invoice_customers(due_by=day, invoice_date=day)
        )

    expected = AlreadyExistsError if rival_prefix == "INV" else AlreadyInvoicedError
    with pytest.raises(expected):
        billing_desk_over(
            billing(RivalFirst(store, rival)), CLOCK, groups=GROUPS
        ).invoice_customers(due_by=day, invoice_date=day)
    (winner,) = won
    assert documents(store) == list(winner)
    assert (
        billing_desk_over(uow(store), CLOCK, groups=GROUPS).invoice_customers(
            due_by=day, invoice_date=day
        )
        == ()
    )
    items = uow(store).invoices.invoiced(all_fees(store))
    assert sorted(item.invoice_id for item in items.values()) == [doc.id for doc in winner]


class FailingInvoices(Wrapped[InvoiceRepository]):
    """The invoices of a unit of work whose ``fail_at``-th added document fails."""

    def __init__(self, work: FailAtInvoice) -> None:
        super().__init__(work.inner.invoices)
        self._work = work

    def add(self, document: Invoice) -> None:
        self._work.adds += 1
        if self._work.adds == self._work.fail_at:
            raise InjectedFailureError(document.id)
        self.inner.add(document)


class FailAtInvoice(Wrapped[UnitOfWork]):
    """A billing unit of work whose ``fail_at``-th invoice fails to be added."""

    def __init__(self, store: Store, fail_at: int) -> None:
        super().__init__(unit_of_work(store))
        self.fail_at, self.adds = fail_at, 0

    @property
    def invoices(self) -> FailingInvoices:
        return FailingInvoices(self)


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_P4_oca_1473_an_invoice_run_failing_at_customer_k_is_relaunched_without_duplicates(
    fail_at: int, stores: Stores
) -> None:
    def prepared() -> Store:
        store = store_with(stores, *SUBSCRIPTIONS[:3])  # customers C-1 (S-1, S-3) and C-2 (S-2)
        billing_desk_over(uow(store), CLOCK, groups=MONTHLY_GROUP).create_subscription(
            group_id=MONTHLY_GROUP.id, **creation_fields(SUBSCRIPTIONS[3])
        )  # C-3
        billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2024, 4, 1))
        return store

    def invoice(unit_of_work: BillingUnitOfWork) -> tuple[Invoice, ...]:
        day = date(2024, 4, 1)
        desk = billing_desk_over(unit_of_work, CLOCK, groups=GROUPS)
        return desk.invoice_customers(due_by=day, invoice_date=day)

    reference = prepared()
    assert len(invoice(uow(reference))) == 3
    store = prepared()
    before = snapshot(store)
    with pytest.raises(InjectedFailureError):
        invoice(billing(FailAtInvoice(store, fail_at)))
    assert snapshot(store) == before
    invoice(uow(store))
    assert snapshot(store) == snapshot(reference)
    assert invoice(uow(store)) == ()


@pytest.mark.parametrize(
    ("start", "runs", "invoiced_at"),
    [
        pytest.param(
            date(2026, 4, 1),  # CEST, UTC+2: local midnight is 22:00 UTC
            ["2026-03-31T20:00", "2026-03-31T21:00", "2026-03-31T22:10", "2026-04-01T00:10"],
            "2026-03-31T22:10",
            id="summer",
        ),
        pytest.param(
            date(2026, 1, 1),  # CET, UTC+1: local midnight is 23:00 UTC
            ["2025-12-31T20:00", "2025-12-31T21:00", "2025-12-31T22:10", "2026-01-01T00:10"],
            "2026-01-01T00:10",
            id="winter",
        ),
    ],
)
def test_C6_lago_879_1074_one_invoice_per_billing_day_in_paris(
    start: date, runs: Sequence[str], invoiced_at: str, stores: Stores
) -> None:
    """A Europe/Paris customer whose fee is due on the local date; the billing job runs
    at 20:00, 21:00, 22:10 and 00:10 UTC, computing ``due_by`` as the local date."""
    store = store_with(stores, subscription(customer="C-PARIS", start=start))
    made: dict[str, tuple[Invoice, ...]] = {}
    for run in runs:
        instant = datetime.fromisoformat(run).replace(tzinfo=UTC)
        day = local_date(instant, PARIS)
        billing_desk_over(uow(store), CLOCK).generate_fees(as_of=day)
        made[run] = billing_desk_over(uow(store), CLOCK, groups=GROUPS).invoice_customers(
            due_by=day, invoice_date=day
        )
    (only,) = documents(store)
    assert {run: len(invoices) for run, invoices in made.items()} == {
        run: int(run == invoiced_at) for run in runs
    }
    assert only.invoice_date == start
    assert [ln.source_id for ln in only.lines] == [
        f"S-1:{start}:{start.replace(month=start.month + 1)}:charge"
    ]


# --------------------------------------------------------------- credits and accruals

Q1_FEE = "S-1:2023-01-01:2023-04-01:charge"


def quarterly_group(mode: ReversalMode = ReversalMode.INVOICE_DATE) -> SubscriptionGroup:
    return SubscriptionGroup(
        id="Q",
        invoicing_period_code=QUARTERLY,
        accrual_period_code=MONTHLY,
        accrue_revenue=True,
        accrual_method=AccrualMethod.PER_DAY,
        reversal=mode,
    )


def invoiced_quarter(stores: Stores, group: SubscriptionGroup) -> Store:
    """The catalog's quarterly 300.00 EUR fee for Q1 2023, invoiced on Jan 1."""
    store = store_with(
        stores, subscription(price="300.00", start=date(2023, 1, 1), group=group), group=group
    )
    billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2023, 1, 1))
    billing_desk_over(uow(store), CLOCK, groups={"Q": group}).invoice_customers(
        due_by=date(2023, 1, 1), invoice_date=date(2023, 1, 1)
    )
    return store


def accrued_jan_feb(store: Store) -> RecordingJournal[AccrualEntry]:
    """January accrued on Feb 1, February on Mar 1; March not yet."""
    book = journal(store, "ACR", AccrualEntry)
    billing_desk_over(uow(store), CLOCK, journal=book).accrue_revenue(
        through=date(2023, 1, 31), posting_date=date(2023, 2, 1)
    )
    billing_desk_over(uow(store), CLOCK, journal=book).accrue_revenue(
        through=date(2023, 2, 28), posting_date=date(2023, 3, 1)
    )
    return book


def entries(book: RecordingJournal[AccrualEntry]) -> list[tuple[str, int, date, str, str, Money]]:
    return [
        (e.kind.value, e.number, e.posting_date, e.debit_account, e.credit_account, e.amount)
        for _, e in book.recorded
    ]


def test_F11_accrual_nothing_before_invoicing_then_the_catalog_quarter_once(stores: Stores) -> None:
    group = quarterly_group()
    store = store_with(
        stores, subscription(price="300.00", start=date(2023, 1, 1), group=group), group=group
    )
    billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2023, 1, 1))
    book = journal(store, "ACR", AccrualEntry)
    # Accrual is impossible before the fee is invoiced.
    assert (
        billing_desk_over(uow(store), CLOCK, journal=book).accrue_revenue(
            through=date(2023, 3, 31), posting_date=date(2023, 4, 1)
        )
        == ()
    )
    assert entries(book) == []
    billing_desk_over(uow(store), CLOCK, groups={"Q": group}).invoice_customers(
        due_by=date(2023, 1, 1), invoice_date=date(2023, 1, 1)
    )
    periods = uow(store).accruals.for_source(Q1_FEE)
    assert [(str(p.period), p.amount, p.posting_date) for p in periods] == [
        ("[2023-01-01, 2023-02-01)", money("103.34"), None),  # takes the rounding
        ("[2023-02-01, 2023-03-01)", money("93.33"), None),
        ("[2023-03-01, 2023-04-01)", money("103.33"), None),
    ]
    posted = billing_desk_over(uow(store), CLOCK, journal=book).accrue_revenue(
        through=date(2023, 3, 31), posting_date=date(2023, 4, 1)
    )
    assert [(e.kind, e.number, e.amount) for e in posted] == [
        (AccrualEntryKind.ACCRUE, 0, money("103.34")),
        (AccrualEntryKind.ACCRUE, 1, money("93.33")),
        (AccrualEntryKind.ACCRUE, 2, money("103.33")),
    ]
    assert {(e.debit_account, e.credit_account) for e in posted} == {
        (WIP_ACCOUNT, ACCRUED_REVENUE_ACCOUNT)
    }
    assert (WIP_ACCOUNT, ACCRUED_REVENUE_ACCOUNT) == (
        "WIP - subscription",
        "Accrued revenue - subscription",
    )
    assert Money.total((e.amount for e in posted), "EUR") == money("300.00")
    assert [e for _, e in book.recorded] == list(posted)
    assert (
        billing_desk_over(uow(store), CLOCK, journal=book).accrue_revenue(
            through=date(2023, 3, 31), posting_date=date(2023, 4, 2)
        )
        == ()
    )
    assert len(book.recorded) == 3
    assert all(p.posting_date == date(2023, 4, 1) for p in uow(store).accruals.for_source(Q1_FEE))


def test_accrual_posts_only_the_periods_that_ended(stores: Stores) -> None:
    store = invoiced_quarter(stores, quarterly_group())
    book = accrued_jan_feb(store)
    assert entries(book) == [
        ("accrue", 0, date(2023, 2, 1), WIP_ACCOUNT, ACCRUED_REVENUE_ACCOUNT, money("103.34")),
        ("accrue", 1, date(2023, 3, 1), WIP_ACCOUNT, ACCRUED_REVENUE_ACCOUNT, money("93.33")),
    ]


def test_credit_with_manual_reversal_needs_the_accruals_reversed_by_hand_first(
    stores: Stores,
) -> None:
    group = quarterly_group(ReversalMode.MANUAL)
    store = invoiced_quarter(stores, group)
    book = accrued_jan_feb(store)
    before, recorded = snapshot(store), book.recorded
    periods_before = uow(store).accruals.for_source(Q1_FEE)
    with pytest.raises(BillingRuleError) as error:
        billing_desk_over(uow(store), CLOCK, groups={"Q": group}, journal=book).credit_invoiced(
            credit_note_id="CN-1", credit_date=date(2023, 3, 15), select=[Q1_FEE]
        )
    assert error.value.rule == "accrual.reverse_manually_first"
    assert snapshot(store) == before
    assert uow(store).accruals.for_source(Q1_FEE) == periods_before
    assert book.recorded == recorded
    # Reverse January and February by hand (the Subscription accrue period form) ...
    with uow(store) as work:
        periods = work.accruals.for_source(Q1_FEE)
        manual: list[AccrualEntry] = []
        for number in (0, 1):
            periods_tuple, entry = reverse_period(periods, number, on=date(2023, 3, 10))
            periods = list(periods_tuple)
            manual.append(entry)
        work.accruals.save_all(periods)
        work.enlist(book).post(manual)  # recorded with the periods, or not at all (U1)
        work.commit()
    # ... then the credit goes through and reverses nothing more.
    note = billing_desk_over(uow(store), CLOCK, groups={"Q": group}, journal=book).credit_invoiced(
        credit_note_id="CN-1", credit_date=date(2023, 3, 15), select=[Q1_FEE]
    )
    assert note.total == money("-300.00")
    assert [kind for kind, *_ in entries(book)] == ["accrue", "accrue", "reverse", "reverse"]
    assert [p.amount for p in uow(store).accruals.for_source(Q1_FEE)] == [money(0)] * 3


def test_credit_reverses_accruals_on_the_credit_date(stores: Stores) -> None:
    group = quarterly_group(ReversalMode.INVOICE_DATE)
    store = invoiced_quarter(stores, group)
    book = accrued_jan_feb(store)
    note = billing_desk_over(uow(store), CLOCK, groups={"Q": group}, journal=book).credit_invoiced(
        credit_note_id="CN-1", credit_date=date(2023, 3, 15), select=[Q1_FEE]
    )
    assert note.kind is DocumentKind.CREDIT_NOTE
    assert [(ln.source_id, ln.amount, ln.credited_invoice_id) for ln in note.lines] == [
        (Q1_FEE, money("-300.00"), "INV-C-1-EUR-20230101-1")
    ]
    reversals = [e for _, e in book.recorded if e.kind is AccrualEntryKind.REVERSE]
    assert [(e.number, e.posting_date, e.amount, e.reference) for e in reversals] == [
        (0, date(2023, 3, 15), money("103.34"), "CN-1"),
        (1, date(2023, 3, 15), money("93.33"), "CN-1"),
    ]
    assert {(e.debit_account, e.credit_account) for e in reversals} == {
        (ACCRUED_REVENUE_ACCOUNT, WIP_ACCOUNT)
    }
    periods = uow(store).accruals.for_source(Q1_FEE)
    assert [(p.amount, p.reversed_on) for p in periods] == [
        (money(0), date(2023, 3, 15)),
        (money(0), date(2023, 3, 15)),
        (money(0), None),  # unposted: cancelled, never posted
    ]
    assert (
        billing_desk_over(uow(store), CLOCK, journal=book).accrue_revenue(
            through=date(2023, 3, 31), posting_date=date(2023, 4, 1)
        )
        == ()
    )
    # F8: a second credit of the same fee is refused and changes nothing.
    recorded = book.recorded
    with pytest.raises(CreditExceededError):
        billing_desk_over(uow(store), CLOCK, groups={"Q": group}, journal=book).credit_invoiced(
            credit_note_id="CN-2", credit_date=date(2023, 3, 16), select=[Q1_FEE]
        )
    assert book.recorded == recorded
    assert [doc.id for doc in documents(store)] == ["CN-1", "INV-C-1-EUR-20230101-1"]


@pytest.mark.parametrize(
    ("closed", "dates"),
    [
        (None, [date(2023, 2, 1), date(2023, 3, 1)]),
        # February's ledger period is closed: January's reversal moves to the credit date.
        (lambda day: day < date(2023, 3, 1), [date(2023, 3, 15), date(2023, 3, 1)]),
    ],
    ids=["open", "february-closed"],
)
def test_credit_reverses_accruals_on_their_original_posting_dates(
    closed: Callable[[date], bool] | None, dates: list[date], stores: Stores
) -> None:
    group = quarterly_group(ReversalMode.ORIGINAL_POSTING_DATE)
    store = invoiced_quarter(stores, group)
    book = accrued_jan_feb(store)
    billing_desk_over(
        uow(store), CLOCK, groups={"Q": group}, closed=closed, journal=book
    ).credit_invoiced(credit_note_id="CN-1", credit_date=date(2023, 3, 15), select=[Q1_FEE])
    reversals = [e for _, e in book.recorded if e.kind is AccrualEntryKind.REVERSE]
    assert [(e.number, e.posting_date, e.amount) for e in reversals] == [
        (0, dates[0], money("103.34")),
        (1, dates[1], money("93.33")),
    ]


def test_F11_a_partial_credit_leaves_the_periods_summing_to_what_remains(stores: Stores) -> None:
    group = quarterly_group()
    store = invoiced_quarter(stores, group)
    book = accrued_jan_feb(store)
    billing_desk_over(uow(store), CLOCK, groups={"Q": group}, journal=book).credit_invoiced(
        credit_note_id="CN-1",
        credit_date=date(2023, 3, 15),
        select=[Q1_FEE],
        amounts={Q1_FEE: money("90.00")},
    )
    periods = uow(store).accruals.for_source(Q1_FEE)
    assert Money.total((p.amount for p in periods), "EUR") == money("210.00")
    (item,) = uow(store).invoices.invoiced([Q1_FEE]).values()
    assert (item.credited, item.creditable) == (money("90.00"), money("210.00"))
    billing_desk_over(uow(store), CLOCK, journal=book).accrue_revenue(
        through=date(2023, 3, 31), posting_date=date(2023, 4, 1)
    )
    net = sum(
        (e.amount.minor_units if e.kind is AccrualEntryKind.ACCRUE else -e.amount.minor_units)
        for _, e in book.recorded
    )
    assert net == 21000  # what stays invoiced is what stays accrued


def test_F8_lago_1755_the_desk_credit_refuses_a_source_never_invoiced(stores: Stores) -> None:
    group = quarterly_group()
    store = store_with(
        stores, subscription(price="300.00", start=date(2023, 1, 1), group=group), group=group
    )
    billing_desk_over(uow(store), CLOCK).generate_fees(as_of=date(2023, 1, 1))
    book = journal(store, "ACR", AccrualEntry)
    before = snapshot(store)
    with pytest.raises(BillingRuleError) as error:
        billing_desk_over(uow(store), CLOCK, groups={"Q": group}, journal=book).credit_invoiced(
            credit_note_id="CN-1", credit_date=date(2023, 1, 2), select=[Q1_FEE]
        )
    assert error.value.rule == "credit.not_invoiced"
    assert snapshot(store) == before
    assert entries(book) == []


def test_crediting_an_order_line_posts_no_accrual_entry(stores: Stores) -> None:
    store = store_with(stores, subscription("S-1", customer="C-100", start=date(2026, 3, 1)))
    books = journals(store)
    post_order(store, books, "SO-1")
    billing_desk_over(uow(store), CLOCK, groups=GROUPS).invoice_customers(
        due_by=date(2026, 3, 2), invoice_date=date(2026, 3, 2), transactions=billable(books)
    )
    accruals = journal(store, "ACR", AccrualEntry)
    note = billing_desk_over(uow(store), CLOCK, groups=GROUPS, journal=accruals).credit_invoiced(
        credit_note_id="CN-1",
        credit_date=date(2026, 3, 5),
        select=["HOUR-000001"],
        amounts={"HOUR-000001": money("85.00")},
    )
    assert [(ln.source_kind, ln.amount, ln.unit_price) for ln in note.lines] == [
        (SourceKind.ORDER_TRANSACTION, money("-85.00"), money("85.00"))
    ]
    assert accruals.recorded == ()
    (item,) = uow(store).invoices.invoiced(["HOUR-000001"]).values()
    assert item.creditable == money("85.00")
