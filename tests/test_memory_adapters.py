"""The two in-memory adapters: every contract suite, and the indexed store's undo log.

The reference adapter (:mod:`servicedomain.adapters.memory`) runs the suites in
``test_ports_memory.py`` and ``test_billing_contracts.py``; the indexed store
(:mod:`servicedomain.adapters.indexed_memory`) runs them here. The indexed store applies
a commit through an undo log, so a commit that fails while applying (after every check)
must leave the store and the journals as they were (law U1).
"""

# Tests are named after the law they check (test_U1_...), as invariants.md asks.

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

import test_billing_contracts
import test_ports_memory
from orders_fixtures import boiler_order, pump_agreement, renoted, repaired_order
from servicedomain.adapters import indexed_memory
from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork
from servicedomain.adapters.indexed_memory import (
    IndexedJournal,
    IndexedStore,
    IndexedUnitOfWork,
    _BillingTables,
)
from servicedomain.adapters.memory import (
    InMemoryEventPublisher,
    InMemoryServiceUnitOfWork,
    InMemoryStore,
    InMemoryUnitOfWork,
)
from servicedomain.agreements import ServiceAgreement
from servicedomain.billing import (
    AccrualEntry,
    AccrualPolicy,
    Subscription,
    accrual_periods,
    accrue,
    generate_fees,
    propose_invoices,
)
from servicedomain.money import Money
from servicedomain.orders import ServiceOrder
from servicedomain.periods import MONTHLY
from servicedomain.ports import (
    AgreementUnitOfWork,
    BillingUnitOfWork,
    EventPublisher,
    Journal,
    Repository,
)
from servicedomain.testing import billing_contracts, contracts
from servicedomain.testing.billing_contracts import BillingStoreContract
from servicedomain.testing.contracts import (
    JournalContract,
    JournalUnitOfWorkContract,
    RepositoryContract,
)
from servicedomain.testing.faults import InjectedFault
from test_ports_memory import Entry, Widget

AT = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
START = date(2024, 1, 1)

# ------------------------------------------------------------------ contract suites


class TestIndexedRepositoryContract(RepositoryContract[IndexedStore, IndexedUnitOfWork, Widget]):
    def make_store(self) -> IndexedStore:
        return IndexedStore()

    def new_unit_of_work(self, store: IndexedStore) -> IndexedUnitOfWork:
        return IndexedUnitOfWork(store)

    def repository(self, uow: IndexedUnitOfWork) -> indexed_memory.IndexedRepository[Widget]:
        return uow.repository(Widget)

    def new_entity(self, entity_id: str) -> Widget:
        return Widget(entity_id, 1, "new")

    def changed(self, entity: Widget) -> Widget:
        return attrs.evolve(entity, version=entity.version + 1, name=entity.name + "+")


class TestIndexedJournalUnitOfWorkContract(
    JournalUnitOfWorkContract[IndexedStore, IndexedUnitOfWork, Entry]
):
    def make_store(self) -> IndexedStore:
        return IndexedStore()

    def new_unit_of_work(self, store: IndexedStore) -> IndexedUnitOfWork:
        return IndexedUnitOfWork(store)

    def new_journal(self, store: IndexedStore) -> Journal[Entry]:
        return IndexedJournal[Entry]("J")

    def new_entry(self, number: int) -> Entry:
        return Entry(number, "new")

    def changed_entry(self, entry: Entry) -> Entry:
        return attrs.evolve(entry, text=entry.text + "+")

    def recorded(self, store: IndexedStore, journal: Journal[Entry]) -> dict[str, Entry]:
        assert isinstance(journal, IndexedJournal)
        return dict(journal.recorded)


class TestIndexedJournalContract(JournalContract[Entry]):
    def new_journal(self) -> Journal[Entry]:
        return IndexedJournal[Entry]("J")

    def new_entry(self, number: int) -> Entry:
        return Entry(number, "new")

    def changed_entry(self, entry: Entry) -> Entry:
        return attrs.evolve(entry, text=entry.text + "+")

    def recorded(self, journal: Journal[Entry]) -> dict[str, Entry]:
        assert isinstance(journal, IndexedJournal)
        return dict(journal.recorded)


class TestIndexedBillingStoreContract(BillingStoreContract[IndexedStore, IndexedUnitOfWork]):
    def make_store(self) -> IndexedStore:
        return IndexedStore()

    def new_unit_of_work(self, store: IndexedStore) -> IndexedUnitOfWork:
        return IndexedUnitOfWork(store)

    def publishing_unit_of_work(
        self, store: IndexedStore, publisher: EventPublisher
    ) -> IndexedUnitOfWork:
        return IndexedUnitOfWork(store, publisher=publisher)

    def new_journal(self, store: IndexedStore) -> Journal[AccrualEntry]:
        return IndexedJournal[AccrualEntry]("ACR")

    def recorded(
        self, store: IndexedStore, journal: Journal[AccrualEntry]
    ) -> dict[str, AccrualEntry]:
        assert isinstance(journal, IndexedJournal)
        return dict(journal.recorded)


class TestInMemoryAgreements(
    RepositoryContract[InMemoryStore, InMemoryUnitOfWork, ServiceAgreement]
):
    def make_store(self) -> InMemoryStore:
        return InMemoryStore()

    def new_unit_of_work(self, store: InMemoryStore) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(store)

    def repository(self, uow: InMemoryUnitOfWork) -> Repository[ServiceAgreement]:
        return uow.agreements

    def new_entity(self, entity_id: str) -> ServiceAgreement:
        return pump_agreement(entity_id)

    def changed(self, entity: ServiceAgreement) -> ServiceAgreement:
        return attrs.evolve(entity, version=entity.version + 1)


class TestIndexedAgreements(RepositoryContract[IndexedStore, IndexedUnitOfWork, ServiceAgreement]):
    def make_store(self) -> IndexedStore:
        return IndexedStore()

    def new_unit_of_work(self, store: IndexedStore) -> IndexedUnitOfWork:
        return IndexedUnitOfWork(store)

    def repository(self, uow: IndexedUnitOfWork) -> Repository[ServiceAgreement]:
        return uow.agreements

    def new_entity(self, entity_id: str) -> ServiceAgreement:
        return pump_agreement(entity_id)

    def changed(self, entity: ServiceAgreement) -> ServiceAgreement:
        return attrs.evolve(entity, version=entity.version + 1)


class TestInMemoryServiceOrders(
    RepositoryContract[InMemoryStore, InMemoryUnitOfWork, ServiceOrder]
):
    def make_store(self) -> InMemoryStore:
        return InMemoryStore()

    def new_unit_of_work(self, store: InMemoryStore) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(store)

    def repository(self, uow: InMemoryUnitOfWork) -> Repository[ServiceOrder]:
        return uow.service_orders

    def new_entity(self, entity_id: str) -> ServiceOrder:
        return boiler_order(entity_id)

    def changed(self, entity: ServiceOrder) -> ServiceOrder:
        return attrs.evolve(entity, version=entity.version + 1)


class TestInMemoryRepairedServiceOrders(TestInMemoryServiceOrders):
    """Orders with repair lines (one finished) through the same contract."""

    def new_entity(self, entity_id: str) -> ServiceOrder:
        return repaired_order(entity_id)

    def changed(self, entity: ServiceOrder) -> ServiceOrder:
        return renoted(entity)


class TestIndexedServiceOrders(RepositoryContract[IndexedStore, IndexedUnitOfWork, ServiceOrder]):
    def make_store(self) -> IndexedStore:
        return IndexedStore()

    def new_unit_of_work(self, store: IndexedStore) -> IndexedUnitOfWork:
        return IndexedUnitOfWork(store)

    def repository(self, uow: IndexedUnitOfWork) -> Repository[ServiceOrder]:
        return uow.service_orders

    def new_entity(self, entity_id: str) -> ServiceOrder:
        return boiler_order(entity_id)

    def changed(self, entity: ServiceOrder) -> ServiceOrder:
        return attrs.evolve(entity, version=entity.version + 1)


def _suites(module: Any) -> list[type]:
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and value.__name__.endswith("Contract")
        and inspect.isabstract(value)
    ]


@pytest.mark.parametrize(
    ("adapter", "modules"),
    [
        ("reference", (test_ports_memory, test_billing_contracts)),
        ("indexed", (sys.modules[__name__],)),
    ],
)
def test_each_adapter_runs_every_contract_suite_of_the_kit(
    adapter: str, modules: tuple[Any, ...]
) -> None:
    suites = _suites(contracts) + _suites(billing_contracts)
    assert len(suites) == 4, suites
    run = {
        suite
        for module in modules
        for value in vars(module).values()
        if inspect.isclass(value) and value.__name__.startswith("Test")
        for suite in suites
        if issubclass(value, suite)
    }
    assert sorted(suite.__name__ for suite in suites if suite not in run) == [], adapter


@pytest.mark.parametrize(
    ("store", "unit_of_work"),
    [(InMemoryStore, InMemoryUnitOfWork), (IndexedStore, IndexedUnitOfWork)],
)
def test_one_unit_of_work_serves_every_aggregate(
    store: Callable[[], Any], unit_of_work: Callable[[Any], Any]
) -> None:
    uow = unit_of_work(store())
    assert isinstance(uow, AgreementUnitOfWork)
    assert isinstance(uow, BillingUnitOfWork)
    assert InMemoryServiceUnitOfWork is InMemoryBillingUnitOfWork is InMemoryUnitOfWork


@pytest.mark.parametrize(
    ("store", "unit_of_work"),
    [(InMemoryStore, InMemoryUnitOfWork), (IndexedStore, IndexedUnitOfWork)],
)
def test_an_entity_added_and_removed_in_one_unit_of_work_commits_as_nothing(
    store: Callable[[], Any], unit_of_work: Callable[[Any], Any]
) -> None:
    shared = store()
    with unit_of_work(shared) as uow:
        widgets = uow.repository(Widget)
        widgets.add(Widget("w-1", 1, "new"))
        widgets.remove("w-1", expected_version=1)
        widgets.add(Widget("w-2", 1, "kept"))
        uow.commit()
    assert shared.repository(Widget).list() == [Widget("w-2", 1, "kept")]


# --------------------------------------------------- the commit's undo log (law U1)

POLICY = AccrualPolicy(period_code=MONTHLY)


def month(offset: int) -> date:
    """The first of the month ``offset`` months after START."""
    year, index = divmod(START.month - 1 + offset, 12)
    return date(START.year + year, index + 1, 1)


@attrs.define
class World:
    """An indexed store with one subscription and its first two fees, and a journal."""

    store: IndexedStore = attrs.Factory(IndexedStore)
    publisher: InMemoryEventPublisher = attrs.Factory(InMemoryEventPublisher)
    book: IndexedJournal[AccrualEntry] = attrs.Factory(lambda: IndexedJournal[AccrualEntry]("ACR"))

    def __attrs_post_init__(self) -> None:
        sub = Subscription(
            id="S-01",
            group_id="M",
            customer_id="C-01",
            project_id="P-1",
            category_id="FEE",
            period_code=MONTHLY,
            base_price=Money(Decimal("201.00"), "EUR"),
            start_date=START,
        )
        fees = generate_fees(sub, as_of=month(1))
        billed, _ = sub.record_fees(fees, at=AT)
        with IndexedUnitOfWork(self.store) as uow:
            uow.subscriptions.add(billed)
            uow.fees.add_all(fees)
            uow.commit()

    def state(self) -> object:
        view = IndexedUnitOfWork(self.store)
        subscriptions = view.subscriptions.list()
        fees = [fee for sub in subscriptions for fee in view.fees.for_subscription(sub.id)]
        ids = [fee.id for fee in fees]
        return (
            subscriptions,
            fees,
            view.invoices.list(),
            view.invoices.invoiced(ids),
            [view.accruals.for_source(fee_id) for fee_id in ids],
            view.fees.due(due_by=date(2099, 1, 1)),
            view.accruals.unposted_through(month(9)),
            self.book.recorded,
            self.publisher.published,
        )

    def stage_a_bit_of_everything(self, uow: IndexedUnitOfWork, *, journal: bool = True) -> None:
        """One unit of work touching every table: snapshot, fees, invoice, accruals, journal."""
        sub = uow.subscriptions.get("S-01")
        generated = generate_fees(sub, uow.fees.for_subscription("S-01"), as_of=month(4))
        uow.fees.add_all(generated)
        billed, _ = sub.record_fees(generated, at=AT)
        uow.subscriptions.save(billed, expected_version=sub.version)
        due = uow.fees.due(due_by=month(1))
        (proposal,) = propose_invoices(due_by=month(1), fees=due)
        uow.invoices.add(proposal.post(invoice_id="INV-X", invoice_date=month(1)))
        periods = [
            period
            for fee in due
            for period in accrual_periods(
                source_id=fee.id, amount=fee.amount, service_period=fee.period, policy=POLICY
            )
        ]
        changed, entries = accrue(
            periods, through=month(1) - timedelta(days=1), posting_date=month(1)
        )
        uow.accruals.save_all([*periods, *changed])
        if journal:
            uow.enlist(self.book).post(entries)

    def commit_a_bit_of_everything(self, *, journal: bool = True) -> None:
        with IndexedUnitOfWork(self.store, publisher=self.publisher) as uow:
            self.stage_a_bit_of_everything(uow, journal=journal)
            uow.commit()


def everything_committed(*, journal: bool = True) -> object:
    world = World()
    world.commit_a_bit_of_everything(journal=journal)
    return world.state()


@pytest.mark.parametrize(("method", "fail_at_call"), [("invoice", 2), ("save_accrual", 1)])
def test_U1_a_commit_failing_inside_apply_leaves_the_billing_tables_as_they_were(
    monkeypatch: pytest.MonkeyPatch, method: str, fail_at_call: int
) -> None:
    """U1 regression: applying a billing commit fails part-way; nothing is left applied.

    Before U1 the fees and documents applied before the failure stayed, and the
    subscription snapshot of the same commit did not.
    """
    world = World()
    before = world.state()
    original = getattr(_BillingTables, method)
    calls: list[int] = []

    def failing(self: _BillingTables, *args: Any) -> None:
        calls.append(1)
        if len(calls) == fail_at_call:
            raise InjectedFault(len(calls), method)
        original(self, *args)

    monkeypatch.setattr(_BillingTables, method, failing)
    with pytest.raises(InjectedFault):
        world.commit_a_bit_of_everything(journal=False)
    monkeypatch.setattr(_BillingTables, method, original)
    assert world.state() == before
    world.commit_a_bit_of_everything(journal=False)
    assert world.state() == everything_committed(journal=False)


def test_U1_a_commit_failing_at_any_change_it_applies_is_undone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """U1: for every change k a commit applies (rows, indexes, snapshots, journal), fail at k.

    The store and the journal are then as before, and a retry equals one commit.
    """
    calls: list[int] = []
    plan = {"fail_at": 0}

    def counted(name: str) -> Callable[..., None]:
        original = getattr(indexed_memory._UndoLog, name)

        def counting(
            self: indexed_memory._UndoLog, table: dict[Any, Any], key: Any, value: object
        ) -> None:
            calls.append(1)
            if len(calls) == plan["fail_at"]:
                raise InjectedFault(len(calls), name)
            original(self, table, key, value)

        return counting

    for name in ("put", "add"):
        monkeypatch.setattr(indexed_memory._UndoLog, name, counted(name))
    expected = everything_committed()
    world = World()
    calls.clear()
    world.commit_a_bit_of_everything()
    changes = len(calls)
    assert changes >= 15, changes
    for fail_at in range(1, changes + 1):
        world = World()
        before = world.state()
        calls.clear()
        plan["fail_at"] = fail_at
        with pytest.raises(InjectedFault):
            world.commit_a_bit_of_everything()
        plan["fail_at"] = 0
        assert world.state() == before, f"change {fail_at} of {changes} left a half-applied commit"
        world.commit_a_bit_of_everything()
        assert world.state() == expected, f"change {fail_at}: the retry differs from one commit"
