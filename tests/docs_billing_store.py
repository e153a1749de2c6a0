"""A billing store written from scratch on the ports (docs: implement-the-billing-ports).

It keeps the committed state in plain dicts and runs each unit of work as a log of
operations: every write is checked and applied at once to the unit of work's own copy
(so errors show where the write is made), and ``commit`` replays the log, under a lock,
on a copy of what is committed *now*, then swaps it in. A write that no longer holds
(a version another unit of work raised, a source it invoiced first, a journal id it
took) raises there and nothing is written: all or nothing (laws P2, U1). The checks
are the domain's own (:func:`~servicedomain.billing.new_fees`,
:func:`~servicedomain.billing.record_document`), so the store only keeps rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date
from types import TracebackType
from typing import Self, TypeVar

import attrs

from servicedomain.billing import (
    AccrualPeriod,
    FeeKey,
    FeeTransaction,
    Invoice,
    InvoicedItem,
    Subscription,
    new_fees,
    record_document,
)
from servicedomain.errors import (
    AlreadyExistsError,
    ConcurrencyConflictError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
    TypeMismatchError,
)
from servicedomain.events import DomainEvent
from servicedomain.ports import EventPublisher, Journal, KeyedEntry

EntryT = TypeVar("EntryT", bound=KeyedEntry)


@attrs.define
class State:
    """Every table of the store. Rows are frozen values, so a copy copies the dicts only."""

    subscriptions: dict[str, Subscription] = attrs.Factory(dict)
    fees: dict[FeeKey, FeeTransaction] = attrs.Factory(dict)
    documents: dict[str, Invoice] = attrs.Factory(dict)
    invoiced: dict[str, InvoicedItem] = attrs.Factory(dict)
    accruals: dict[tuple[str, int], AccrualPeriod] = attrs.Factory(dict)
    journals: dict[str, dict[Hashable, tuple[str, KeyedEntry]]] = attrs.Factory(dict)

    def copy(self) -> State:
        """A copy whose tables can change without touching this one."""
        return State(
            dict(self.subscriptions),
            dict(self.fees),
            dict(self.documents),
            dict(self.invoiced),
            dict(self.accruals),
            {name: dict(rows) for name, rows in self.journals.items()},
        )


Operation = Callable[[State], object]


class BillingStore:
    """The committed state and the lock commits take."""

    def __init__(self) -> None:
        self.state = State()
        self.lock = threading.Lock()

    def journal(self, prefix: str) -> StoreJournal:
        """The journal ``prefix`` kept in this store (ids ``<prefix>-000001``, ...)."""
        return StoreJournal(self, prefix)


def _post(prefix: str, entries: Sequence[KeyedEntry]) -> Callable[[State], list[str]]:
    """Record entries in journal ``prefix``: idempotent per key, all or none."""

    def operation(state: State) -> list[str]:
        rows = state.journals.setdefault(prefix, {})
        staged: dict[Hashable, tuple[str, KeyedEntry]] = {}
        ids = []
        for entry in entries:
            known = rows.get(entry.key) or staged.get(entry.key)
            if known is None:
                known = staged[entry.key] = (f"{prefix}-{len(rows) + len(staged) + 1:06d}", entry)
            elif known[1] != entry:
                raise IdempotencyConflictError(entry.key, "entry", known[1], entry)
            ids.append(known[0])
        rows.update(staged)
        return ids

    return operation


class StoreJournal:
    """A journal whose rows live in the store, so a unit of work can enlist it."""

    def __init__(self, store: BillingStore, prefix: str) -> None:
        self.store, self.prefix = store, prefix

    def post(self, entries: Sequence[KeyedEntry]) -> list[str]:
        """Record at once (outside a unit of work)."""
        with self.store.lock:
            return _post(self.prefix, entries)(self.store.state)

    def recorded(self) -> dict[str, KeyedEntry]:
        """Every entry by its transaction id."""
        return dict(self.store.state.journals.get(self.prefix, {}).values())


class EnlistedJournal:
    """A journal as a unit of work sees it: its entries are recorded when it commits."""

    def __init__(self, uow: BillingUnitOfWork, prefix: str) -> None:
        self.uow, self.prefix = uow, prefix

    def post(self, entries: Sequence[KeyedEntry]) -> list[str]:
        """The ids the entries will have; recorded only if the unit of work commits."""
        return self.uow._post(self.prefix, entries)


class BillingUnitOfWork:
    """A :class:`~servicedomain.ports.BillingUnitOfWork` over a :class:`BillingStore`."""

    def __init__(self, store: BillingStore, *, publisher: EventPublisher | None = None) -> None:
        self._store, self._publisher = store, publisher
        self._work: State | None = None
        self._log: list[Operation] = []
        self._events: list[DomainEvent] = []

    # ---------------------------------------------------------------- the unit of work

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()

    def rollback(self) -> None:
        """Forget every write and event not committed."""
        self._work, self._log, self._events = None, [], []

    def collect(self, events: Iterable[DomainEvent]) -> None:
        """Publish these events once this unit of work commits."""
        self._events.extend(events)

    def commit(self) -> None:
        """Replay the writes on what is committed now; swap it in; then publish."""
        log, events = self._log, self._events
        self.rollback()
        with self._store.lock:
            fresh = self._store.state.copy()
            for operation in log:
                operation(fresh)  # a write that no longer holds raises: nothing changes
            self._store.state = fresh
        if events and self._publisher is not None:
            self._publisher.publish(tuple(events))

    def enlist(self, journal: Journal[EntryT]) -> Journal[EntryT]:
        """A view of a journal of this store whose posts commit with this unit of work."""
        if not isinstance(journal, StoreJournal) or journal.store is not self._store:
            raise TypeMismatchError("journal", journal, "a journal of this unit of work's store")
        return EnlistedJournal(self, journal.prefix)

    def _post(self, prefix: str, entries: Sequence[KeyedEntry]) -> list[str]:
        """Post to journal ``prefix`` in this unit of work; the commit must give the same ids."""
        ids = _post(prefix, entries)(self._state())

        def same_ids(state: State) -> None:
            if _post(prefix, entries)(state) != ids:  # another commit took them first
                raise ConcurrencyConflictError("Journal", prefix, None, None)

        self._log.append(same_ids)
        return ids

    def _state(self) -> State:
        """What this unit of work sees: the committed state when it began, and its writes."""
        if self._work is None:
            with self._store.lock:
                self._work = self._store.state.copy()
        return self._work

    def _apply(self, operation: Operation) -> object:
        """Check and apply a write to this unit of work's state, and log it for the commit."""
        result = operation(self._state())
        self._log.append(operation)
        return result

    # ---------------------------------------------------------------- the repositories

    @property
    def subscriptions(self) -> Subscriptions:
        """The subscriptions."""
        return Subscriptions(self)

    @property
    def fees(self) -> Fees:
        """The fee transactions."""
        return Fees(self)

    @property
    def invoices(self) -> Invoices:
        """The invoices, credit notes and invoiced items."""
        return Invoices(self)

    @property
    def accruals(self) -> Accruals:
        """The accrual periods."""
        return Accruals(self)


@attrs.frozen
class Subscriptions:
    """``Repository[Subscription]``: compare-and-set on the version."""

    uow: BillingUnitOfWork

    def get(self, entity_id: str) -> Subscription:
        found = self.uow._state().subscriptions.get(entity_id)
        if found is None:
            raise NotFoundError("Subscription", entity_id)
        return found

    def add(self, entity: Subscription) -> None:
        def operation(state: State) -> None:
            if entity.id in state.subscriptions:
                known = state.subscriptions[entity.id]
                raise AlreadyExistsError("Subscription", entity.id, known.version)
            state.subscriptions[entity.id] = entity

        self.uow._apply(operation)

    def save(self, entity: Subscription, *, expected_version: int) -> None:
        if entity.version <= expected_version:
            raise InvalidInputError("version", entity.version, "not above the expected version")
        self._write(entity.id, entity, expected_version)

    def remove(self, entity_id: str, *, expected_version: int) -> None:
        self._write(entity_id, None, expected_version)

    def _write(self, entity_id: str, entity: Subscription | None, expected: int) -> None:
        def operation(state: State) -> None:
            known = state.subscriptions.get(entity_id)
            if known is None:
                raise NotFoundError("Subscription", entity_id)
            if known.version != expected:
                raise ConcurrencyConflictError("Subscription", entity_id, expected, known.version)
            if entity is None:
                del state.subscriptions[entity_id]
            else:
                state.subscriptions[entity_id] = entity

        self.uow._apply(operation)

    def list(self, *, after_id: str | None = None, limit: int | None = None) -> list[Subscription]:
        if limit is not None and limit < 1:
            raise InvalidInputError("limit", limit, "at least 1")
        rows = self.uow._state().subscriptions
        ids = sorted(key for key in rows if after_id is None or key > after_id)
        return [rows[key] for key in ids[:limit]]


@attrs.frozen
class Fees:
    """``FeeRepository``: one fee per natural key; an equal duplicate is already done."""

    uow: BillingUnitOfWork

    def for_subscription(self, subscription_id: str) -> list[FeeTransaction]:
        rows = [f for f in self.uow._state().fees.values() if f.subscription_id == subscription_id]
        return sorted(rows, key=lambda f: (f.period.start, f.kind.value, f.period.end))

    def add_all(self, fees: Sequence[FeeTransaction]) -> list[FeeTransaction]:
        def operation(state: State) -> list[FeeTransaction]:
            fresh = new_fees(state.fees.values(), fees)  # raises on a conflicting payload
            state.fees.update((fee.key, fee) for fee in fresh)
            return list(fresh)

        added = self.uow._apply(operation)
        assert isinstance(added, list)
        return added

    def due(self, *, due_by: date, customer_id: str | None = None) -> list[FeeTransaction]:
        state = self.uow._state()
        rows = [
            fee
            for fee in state.fees.values()
            if fee.due_date <= due_by
            and fee.id not in state.invoiced
            and customer_id in (None, fee.customer_id)
        ]
        return sorted(rows, key=lambda fee: (fee.due_date, fee.id))


@attrs.frozen
class Invoices:
    """``InvoiceRepository``: a document and the invoiced items it changes, together."""

    uow: BillingUnitOfWork

    def get(self, invoice_id: str) -> Invoice:
        found = self.uow._state().documents.get(invoice_id)
        if found is None:
            raise NotFoundError("Invoice", invoice_id)
        return found

    def add(self, document: Invoice) -> None:
        def operation(state: State) -> None:
            if document.id in state.documents:
                raise AlreadyExistsError("Invoice", document.id, 1)
            state.invoiced.update(record_document(state.invoiced, document))  # I1, F8
            state.documents[document.id] = document

        self.uow._apply(operation)

    def invoiced(self, source_ids: Iterable[str]) -> dict[str, InvoicedItem]:
        items = self.uow._state().invoiced
        return {source: items[source] for source in source_ids if source in items}

    def list(self, *, customer_id: str | None = None) -> list[Invoice]:
        rows = self.uow._state().documents
        return [rows[key] for key in sorted(rows) if customer_id in (None, rows[key].customer_id)]


@attrs.frozen
class Accruals:
    """``AccrualRepository``: periods by (fee id, number), saved by compare-and-set."""

    uow: BillingUnitOfWork

    def for_source(self, source_id: str) -> list[AccrualPeriod]:
        rows = self.uow._state().accruals
        return [rows[key] for key in sorted(rows) if key[0] == source_id]

    def save_all(self, periods: Sequence[AccrualPeriod]) -> None:
        # What this unit of work sees of each period now; the replay needs the same.
        seen = {
            (p.source_id, p.number): self.uow._state().accruals.get((p.source_id, p.number))
            for p in periods
        }

        def operation(state: State) -> None:
            for period in periods:
                key = (period.source_id, period.number)
                if state.accruals.get(key) != seen[key]:
                    raise ConcurrencyConflictError(
                        "AccrualPeriod", f"{key[0]}#{key[1]}", None, None
                    )
                state.accruals[key] = period

        self.uow._apply(operation)

    def unposted_through(self, through: date) -> list[AccrualPeriod]:
        rows = self.uow._state().accruals
        return [
            rows[key]
            for key in sorted(rows)
            if rows[key].posting_date is None and rows[key].period.last <= through
        ]
