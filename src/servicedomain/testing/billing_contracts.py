"""The contract suite of the billing ports: fees, invoices and accruals in one unit of work.

A host that implements :class:`~servicedomain.ports.BillingUnitOfWork` over its own
database subclasses :class:`BillingStoreContract`, implements two hooks and runs pytest::

    from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    from servicedomain.testing.billing_contracts import BillingStoreContract

    class TestInMemoryBilling(BillingStoreContract[InMemoryStore, InMemoryUnitOfWork]):
        def make_store(self) -> InMemoryStore:
            return InMemoryStore()

        def new_unit_of_work(self, store: InMemoryStore) -> InMemoryUnitOfWork:
            return InMemoryUnitOfWork(store)

        def publishing_unit_of_work(
            self, store: InMemoryStore, publisher: EventPublisher
        ) -> InMemoryUnitOfWork:
            return InMemoryUnitOfWork(store, publisher=publisher)

The suite checks the laws of ``reference/invariants.md`` that belong to a store:
the fee key is unique and an equal duplicate is a no-op (P3, Lago's duplicated
invoices), a source is invoiced once even by two concurrent runs (I1), credits stay
within what was invoiced (F8), a unit of work commits all or nothing (P2), accrual
entries posted through a journal it enlists included (U1), and a retry after a failure
equals one run (P4), and the events collected in a unit of work reach its publisher
only once it commits: none before, none after a rollback or a failed commit (U1). The
U1 journal tests post to :meth:`BillingStoreContract.new_journal`
(an in-memory journal by default: override it, and :meth:`BillingStoreContract.recorded`,
with the journal your unit of work enlists).

What it requires of an adapter, besides the ports' own rules:

* **Writes are held until the commit**, or at least take no lock that another unit of
  work in the same thread waits for: two tests open two units of work in one thread
  that both add the same fees (P3) or invoice the same fees (I1) before either commits,
  and the atomicity and U1 tests let a rival unit of work save and commit a
  subscription that another, still open, has saved but not committed. An adapter that
  writes at once under row locks would wait for itself there; the suite's deadline
  turns that into a failed test.
* A conflict found at the commit (the fee or document a rival committed first) raises
  there and writes nothing of the unit of work.
* ``new_journal`` gives a journal that the unit of work can :meth:`enlist`; accrual
  entries posted through it are recorded only if the commit succeeds.
* Collected events reach the publisher given to ``publishing_unit_of_work`` only once
  the commit has succeeded.

Every store a test makes (``make_store``) is released through ``dispose_store``
whatever the outcome, and every test fails once it runs past ``timeout_seconds``
(300 by default; override it in the subclass) with a message naming the test and the
limit, instead of hanging.

This module needs pytest (the ``[testing]`` extra).
"""

# Tests are named after the law they check (test_P3_...), as invariants.md asks.
# ruff: noqa: N802, D102

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TypeVar

import attrs
import pytest

from servicedomain.adapters.memory import InMemoryEventPublisher, InMemoryJournal
from servicedomain.billing import (
    AccrualEntry,
    AccrualMethod,
    AccrualPeriod,
    AccrualPolicy,
    FeeTransaction,
    Invoice,
    Subscription,
    accrual_periods,
    accrue,
    credit_note,
    generate_fees,
    propose_invoices,
)
from servicedomain.errors import (
    AlreadyExistsError,
    AlreadyInvoicedError,
    ConcurrencyConflictError,
    CreditExceededError,
    IdempotencyConflictError,
    TypeMismatchError,
)
from servicedomain.events import DomainEvent
from servicedomain.money import Money
from servicedomain.periods import MONTHLY
from servicedomain.ports import BillingUnitOfWork, Journal
from servicedomain.testing import _store_contract

__all__ = ["BillingStoreContract"]

StoreT = TypeVar("StoreT")
UnitOfWorkT = TypeVar("UnitOfWorkT", bound=BillingUnitOfWork)

_START = date(2024, 1, 1)


def _subscription(subscription_id: str = "SUB-C1") -> Subscription:
    return Subscription(
        id=subscription_id,
        group_id="G",
        customer_id="CUST-1",
        project_id="P",
        category_id="FEE",
        period_code=MONTHLY,
        base_price=Money(100, "EUR"),
        start_date=_START,
    )


def _fees(sub: Subscription, as_of: date = date(2024, 3, 1)) -> tuple[FeeTransaction, ...]:
    return generate_fees(sub, as_of=as_of)


def _invoice(fees: tuple[FeeTransaction, ...], invoice_id: str = "INV-1") -> Invoice:
    (proposal,) = propose_invoices(due_by=date(2024, 12, 31), fees=fees)
    return proposal.post(invoice_id=invoice_id, invoice_date=date(2024, 3, 1))


def _accruals(fee: FeeTransaction, method: AccrualMethod) -> tuple[AccrualPeriod, ...]:
    """The monthly accrual periods of ``fee`` by ``method``."""
    policy = AccrualPolicy(period_code=MONTHLY, method=method)
    return accrual_periods(
        source_id=fee.id, amount=fee.amount, service_period=fee.period, policy=policy
    )


class BillingStoreContract(_store_contract.StoreContract[StoreT, UnitOfWorkT]):
    """The tests every :class:`~servicedomain.ports.BillingUnitOfWork` must pass.

    See the module's docstring for what it requires of an adapter (writes held until
    the commit, among others).

    Attributes:
        timeout_seconds: how long one test may run before it fails (300 by default).
    """

    def new_journal(self, store: StoreT) -> Journal[AccrualEntry]:
        """A new, empty accrual journal that units of work on ``store`` enlist.

        The default is an :class:`~servicedomain.adapters.memory.InMemoryJournal`;
        override it (and :meth:`recorded`) with the journal your unit of work enlists.
        """
        return InMemoryJournal[AccrualEntry]("ACR")

    def recorded(self, store: StoreT, journal: Journal[AccrualEntry]) -> Mapping[str, AccrualEntry]:
        """What ``journal`` holds, each entry by its transaction id.

        Raises:
            TypeMismatchError: the default reads an in-memory journal only.
        """
        if not isinstance(journal, InMemoryJournal):
            raise TypeMismatchError("journal", journal, "override recorded() for this journal")
        return dict(journal.recorded)

    # ------------------------------------------------------------------------- helpers

    def _lose_commit_to_a_rival(self, store: StoreT, uow: UnitOfWorkT, sub: Subscription) -> None:
        """``uow`` saves ``sub``, a rival saves it first: ``uow``'s commit conflicts."""
        uow.subscriptions.save(_touched(sub), expected_version=sub.version)
        with self.new_unit_of_work(store) as rival:
            rival.subscriptions.save(_touched(sub), expected_version=sub.version)
            rival.commit()
        with pytest.raises(ConcurrencyConflictError):
            uow.commit()

    def _stored(self, store: StoreT, *fees: FeeTransaction) -> None:
        with self.new_unit_of_work(store) as uow:
            uow.fees.add_all(fees)
            uow.commit()

    # --------------------------------------------------------------------------- fees

    def test_fees_round_trip_in_order(self) -> None:
        store, fees = self._new_store(), _fees(_subscription())
        self._stored(store, *reversed(fees))
        with self.new_unit_of_work(store) as uow:
            assert uow.fees.for_subscription("SUB-C1") == list(fees)
            assert uow.fees.for_subscription("UNKNOWN") == []

    def test_P3_an_equal_duplicate_is_a_no_op(self) -> None:
        store, fees = self._new_store(), _fees(_subscription())
        self._stored(store, *fees)
        with self.new_unit_of_work(store) as uow:
            assert uow.fees.add_all(fees) == []
            uow.commit()
        with self.new_unit_of_work(store) as uow:
            assert len(uow.fees.for_subscription("SUB-C1")) == len(fees)

    def test_P3_the_same_key_with_another_amount_conflicts_and_stores_nothing(self) -> None:
        store, fees = self._new_store(), _fees(_subscription())
        self._stored(store, fees[0])
        other = _fees(attrs.evolve(_subscription(), base_price=Money(90, "EUR")))
        with self.new_unit_of_work(store) as uow, pytest.raises(IdempotencyConflictError):
            uow.fees.add_all([fees[1], other[0]])
        with self.new_unit_of_work(store) as uow:
            assert uow.fees.for_subscription("SUB-C1") == [fees[0]]

    def test_P3_two_units_of_work_adding_the_same_fees_store_one_set(self) -> None:
        store, fees = self._new_store(), _fees(_subscription())
        first, second = self.new_unit_of_work(store), self.new_unit_of_work(store)
        with first, second:
            first.fees.add_all(fees)
            second.fees.add_all(fees)
            first.commit()
            second.commit()
        with self.new_unit_of_work(store) as uow:
            assert uow.fees.for_subscription("SUB-C1") == list(fees)

    def test_due_lists_uninvoiced_fees_due_by_the_date(self) -> None:
        store, fees = self._new_store(), _fees(_subscription())
        self._stored(store, *fees)
        with self.new_unit_of_work(store) as uow:
            due = uow.fees.due(due_by=date(2024, 2, 1), customer_id="CUST-1")
            assert due == [fee for fee in fees if fee.due_date <= date(2024, 2, 1)]
            uow.invoices.add(_invoice((fees[0],)))
            uow.commit()
        with self.new_unit_of_work(store) as uow:
            assert uow.fees.due(due_by=date(2024, 12, 31)) == list(fees[1:])
            assert uow.fees.due(due_by=date(2024, 12, 31), customer_id="OTHER") == []

    # ----------------------------------------------------------------------- invoices

    def test_I1_an_invoice_round_trips_and_marks_its_sources(self) -> None:
        store, fees = self._new_store(), _fees(_subscription())
        self._stored(store, *fees)
        invoice = _invoice(fees)
        with self.new_unit_of_work(store) as uow:
            uow.invoices.add(invoice)
            uow.commit()
        with self.new_unit_of_work(store) as uow:
            assert uow.invoices.get("INV-1") == invoice
            assert uow.invoices.list(customer_id="CUST-1") == [invoice]
            items = uow.invoices.invoiced([fee.id for fee in fees] + ["NOT-INVOICED"])
            assert sorted(items) == sorted(fee.id for fee in fees)
            assert {item.invoice_id for item in items.values()} == {"INV-1"}

    def test_I1_a_source_is_invoiced_once(self) -> None:
        store, fees = self._new_store(), _fees(_subscription())
        self._stored(store, *fees)
        with self.new_unit_of_work(store) as uow:
            uow.invoices.add(_invoice(fees))
            uow.commit()
        with self.new_unit_of_work(store) as uow, pytest.raises(AlreadyInvoicedError):
            uow.invoices.add(_invoice(fees[:1], "INV-2"))

    def test_I1_two_concurrent_runs_invoice_a_source_once(self) -> None:
        store, fees = self._new_store(), _fees(_subscription())
        self._stored(store, *fees)
        first, second = self.new_unit_of_work(store), self.new_unit_of_work(store)
        with first, second:
            first.invoices.add(_invoice(fees, "INV-A"))
            second.invoices.add(_invoice(fees, "INV-B"))
            first.commit()
            with pytest.raises((AlreadyInvoicedError, ConcurrencyConflictError)):
                second.commit()
        with self.new_unit_of_work(store) as uow:
            assert [doc.id for doc in uow.invoices.list()] == ["INV-A"]

    def test_an_invoice_id_is_taken_once(self) -> None:
        store, fees = self._new_store(), _fees(_subscription())
        self._stored(store, *fees)
        with self.new_unit_of_work(store) as uow:
            uow.invoices.add(_invoice(fees[:1]))
            uow.commit()
        with self.new_unit_of_work(store) as uow, pytest.raises(AlreadyExistsError):
            uow.invoices.add(_invoice(fees[1:]))

    def test_F8_credits_stay_within_what_was_invoiced(self) -> None:
        store, fees = self._new_store(), _fees(_subscription())
        self._stored(store, *fees)
        with self.new_unit_of_work(store) as uow:
            uow.invoices.add(_invoice(fees))
            uow.commit()
        source = fees[0].id
        with self.new_unit_of_work(store) as uow:
            note = credit_note(
                credit_note_id="CN-1",
                credit_date=date(2024, 3, 2),
                invoiced_items=uow.invoices.invoiced([source]),
                select=[source],
            )
            uow.invoices.add(note)
            uow.commit()
        with self.new_unit_of_work(store) as uow:
            item = uow.invoices.invoiced([source])[source]
            assert item.creditable.is_zero
            assert item.credit_note_ids == ("CN-1",)
            again = attrs.evolve(note, id="CN-2")
            with pytest.raises(CreditExceededError):
                uow.invoices.add(again)

    # ------------------------------------------------------------------------ accruals

    def test_accrual_periods_round_trip_and_replace_by_key(self) -> None:
        store, fees = self._new_store(), _fees(_subscription())
        periods = _accruals(fees[0], AccrualMethod.PER_DAY)
        with self.new_unit_of_work(store) as uow:
            uow.accruals.save_all(periods)
            uow.commit()
        with self.new_unit_of_work(store) as uow:
            assert uow.accruals.for_source(fees[0].id) == list(periods)
            assert uow.accruals.unposted_through(date(2024, 2, 1)) == list(periods)

    def test_unposted_through_includes_the_last_day(self) -> None:
        """``through`` is inclusive: January (ending, exclusive, on Feb 1) by Jan 31."""
        store, fees = self._new_store(), _fees(_subscription())
        (january,) = _accruals(fees[0], AccrualMethod.PER_DAY)
        with self.new_unit_of_work(store) as uow:
            uow.accruals.save_all([january])
            assert uow.accruals.unposted_through(date(2024, 1, 31)) == [january]
            assert uow.accruals.unposted_through(date(2024, 1, 30)) == []
            uow.commit()
        with self.new_unit_of_work(store) as uow:
            assert uow.accruals.unposted_through(date(2024, 1, 31)) == [january]
            assert uow.accruals.unposted_through(date(2024, 1, 30)) == []

    def test_P1_a_period_changed_after_it_was_read_is_not_overwritten(self) -> None:
        """P1: saving a period compares with what was read; a rival's change wins, nothing lost."""
        store, fees = self._new_store(), _fees(_subscription())
        (january,) = _accruals(fees[0], AccrualMethod.PER_DAY)
        with self.new_unit_of_work(store) as uow:
            uow.accruals.save_all([january])
            uow.commit()
        posted = attrs.evolve(january, posting_date=date(2024, 1, 31))
        credited = attrs.evolve(january, amount=Money(0, "EUR"))
        with self.new_unit_of_work(store) as uow:
            assert uow.accruals.for_source(fees[0].id) == [january]
            with self.new_unit_of_work(store) as rival:
                rival.accruals.unposted_through(date(2024, 1, 31))
                rival.accruals.save_all([posted])
                rival.commit()
            uow.accruals.save_all([credited])
            with pytest.raises(ConcurrencyConflictError):
                uow.commit()
        with self.new_unit_of_work(store) as uow:
            assert uow.accruals.for_source(fees[0].id) == [posted]
            # Read again, the change is taken.
            uow.accruals.for_source(fees[0].id)
            uow.accruals.save_all([attrs.evolve(posted, amount=Money(0, "EUR"))])
            uow.commit()

    def test_P1_a_new_period_whose_key_a_rival_stored_first_conflicts(self) -> None:
        store, fees = self._new_store(), _fees(_subscription())
        (january,) = _accruals(fees[0], AccrualMethod.PER_DAY)
        with self.new_unit_of_work(store) as uow:
            uow.accruals.save_all([january])
            with self.new_unit_of_work(store) as rival:
                rival.accruals.save_all([attrs.evolve(january, amount=Money(1, "EUR"))])
                rival.commit()
            with pytest.raises(ConcurrencyConflictError):
                uow.commit()
        with self.new_unit_of_work(store) as uow:
            (stored,) = uow.accruals.for_source(fees[0].id)
            assert stored.amount == Money(1, "EUR")

    def test_unposted_through_the_last_date_there_is_lists_every_unposted_period(self) -> None:
        """``date.max`` is a date like any other: every unposted period has ended by it."""
        store, fees = self._new_store(), _fees(_subscription())
        (january,) = _accruals(fees[0], AccrualMethod.PER_DAY)
        with self.new_unit_of_work(store) as uow:
            uow.accruals.save_all([january])
            assert uow.accruals.unposted_through(date.max) == [january]
            uow.commit()
        with self.new_unit_of_work(store) as uow:
            assert uow.accruals.unposted_through(date.max) == [january]

    # ------------------------------------------------------------------ atomicity (P2/P4)

    def test_P2_a_failing_unit_of_work_stores_nothing(self) -> None:
        store, sub = self._new_store(), _subscription()
        fees = _fees(sub)
        with self.new_unit_of_work(store) as uow:
            uow.subscriptions.add(sub)
            uow.commit()
        with self.new_unit_of_work(store) as uow:
            uow.fees.add_all(fees)
            uow.invoices.add(_invoice(fees))
            self._lose_commit_to_a_rival(store, uow, sub)
        with self.new_unit_of_work(store) as uow:
            assert uow.fees.for_subscription(sub.id) == []
            assert uow.invoices.list() == []

    def test_P4_a_retry_after_a_failure_equals_one_run(self) -> None:
        store, fees = self._new_store(), _fees(_subscription())
        with self.new_unit_of_work(store) as uow:
            uow.fees.add_all(fees)
            uow.rollback()
        self._stored(store, *fees)
        self._stored(store, *fees)
        with self.new_unit_of_work(store) as uow:
            assert uow.fees.for_subscription("SUB-C1") == list(fees)

    # ---------------------------------------------------------- journal entries (U1)

    def _invoiced_with_accruals(self, store: StoreT) -> tuple[Subscription, str]:
        """A stored subscription whose first fee is invoiced, with unposted accruals."""
        sub = _subscription()
        fees = _fees(sub)
        periods = _accruals(fees[0], AccrualMethod.EQUAL)
        with self.new_unit_of_work(store) as uow:
            uow.subscriptions.add(sub)
            uow.fees.add_all(fees)
            uow.invoices.add(_invoice(fees[:1]))
            uow.accruals.save_all(periods)
            uow.commit()
        return sub, fees[0].id

    def _stage_accrual(
        self, uow: UnitOfWorkT, journal: Journal[AccrualEntry], source_id: str
    ) -> tuple[list[str], tuple[AccrualEntry, ...]]:
        periods = uow.accruals.for_source(source_id)
        changed, entries = accrue(periods, through=date(2024, 2, 29), posting_date=date(2024, 3, 1))
        uow.accruals.save_all(changed)
        return uow.enlist(journal).post(entries), entries

    def test_U1_accrual_entries_of_a_failed_commit_are_not_recorded(self) -> None:
        store = self._new_store()
        sub, source_id = self._invoiced_with_accruals(store)
        journal = self.new_journal(store)
        with self.new_unit_of_work(store) as uow:
            self._stage_accrual(uow, journal, source_id)
            self._lose_commit_to_a_rival(store, uow, sub)
        assert self.recorded(store, journal) == {}
        with self.new_unit_of_work(store) as uow:
            assert [p.posting_date for p in uow.accruals.for_source(source_id)] == [None]

    def test_U1_accrual_entries_of_a_rolled_back_unit_of_work_are_not_recorded(self) -> None:
        store = self._new_store()
        _sub, source_id = self._invoiced_with_accruals(store)
        journal = self.new_journal(store)
        with self.new_unit_of_work(store) as uow:
            self._stage_accrual(uow, journal, source_id)
            uow.rollback()
            uow.commit()
        with self.new_unit_of_work(store) as uow:
            self._stage_accrual(uow, journal, source_id)
        assert self.recorded(store, journal) == {}

    def test_U1_a_retry_records_the_accrual_entries_once_with_the_ids_given(self) -> None:
        store = self._new_store()
        _sub, source_id = self._invoiced_with_accruals(store)
        journal = self.new_journal(store)
        with self.new_unit_of_work(store) as uow:
            self._stage_accrual(uow, journal, source_id)
        with self.new_unit_of_work(store) as uow:
            ids, entries = self._stage_accrual(uow, journal, source_id)
            uow.commit()
        assert self.recorded(store, journal) == dict(zip(ids, entries, strict=True))
        with self.new_unit_of_work(store) as uow:
            assert uow.accruals.unposted_through(date(2024, 2, 29)) == []

    # ------------------------------------------------------------------ events (U1)

    def test_U1_collected_events_are_published_when_the_unit_of_work_commits(self) -> None:
        store, sub, publisher = self._new_store(), _subscription(), InMemoryEventPublisher()
        with self.publishing_unit_of_work(store, publisher) as uow:
            uow.subscriptions.add(sub)
            uow.collect(_events(sub))
            assert publisher.published == (), "published before the commit"
            uow.commit()
        assert publisher.published == _events(sub)

    def test_U1_a_failed_or_rolled_back_unit_of_work_publishes_nothing(self) -> None:
        store, sub, publisher = self._new_store(), _subscription(), InMemoryEventPublisher()
        with self.new_unit_of_work(store) as uow:
            uow.subscriptions.add(sub)
            uow.commit()
        with self.publishing_unit_of_work(store, publisher) as uow:
            uow.collect(_events(sub))
            self._lose_commit_to_a_rival(store, uow, sub)
        with self.publishing_unit_of_work(store, publisher) as uow:
            uow.collect(_events(sub))
            uow.rollback()
            uow.commit()
        with self.publishing_unit_of_work(store, publisher) as uow:
            uow.collect(_events(sub))
        assert publisher.published == ()


_AT = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)


def _events(sub: Subscription) -> tuple[DomainEvent, ...]:
    return sub.deactivate(at=_AT)[1]


def _touched(sub: Subscription) -> Subscription:
    return attrs.evolve(sub, version=sub.version + 1)
