"""The in-memory reference adapter: every port of :mod:`servicedomain.ports` over plain dicts.

Read it as the model of an adapter; it is also what tests, docs and small tools use.
:mod:`servicedomain.adapters.indexed_memory` does the same with indexes, for large
stores (benchmarks); both pass every contract suite of :mod:`servicedomain.testing`.

* :class:`InMemoryStore` is the "database": the committed rows in plain dicts behind one
  lock. Snapshots (orders, agreements, subscriptions, any frozen entity) by entity type
  and id; fees by key; invoices and credit notes by id; invoiced items by source id;
  accrual periods by (source id, number).
* :class:`InMemoryUnitOfWork` is the one unit of work for every aggregate: it holds
  every write until :meth:`~InMemoryUnitOfWork.commit`, then checks all of them against
  the committed rows and applies them, all or nothing. Reads see the committed rows with
  the unit of work's own writes on top. Events it collects are published once it has
  committed; entries posted through the journals it enlists are recorded in the same
  commit.
* :class:`InMemoryJournal` records journal entries, idempotent per key.
* :class:`InMemoryEventPublisher` records the events published to it.

Snapshots are frozen values, so they are stored as they are, without copies.

>>> import attrs
>>> @attrs.frozen
... class Widget:
...     id: str
...     version: int
...     name: str
>>> store = InMemoryStore()
>>> with InMemoryUnitOfWork(store) as uow:
...     uow.repository(Widget).add(Widget("W-1", 1, "pump"))
...     uow.commit()
>>> widgets = store.repository(Widget)
>>> widgets.save(Widget("W-1", 2, "valve"), expected_version=1)
>>> widgets.get("W-1")
Widget(id='W-1', version=2, name='valve')
>>> widgets.save(Widget("W-1", 2, "gauge"), expected_version=1)
Traceback (most recent call last):
servicedomain.errors.ConcurrencyConflictError: Widget id='W-1': expected_version=1 but ... 2
"""

from __future__ import annotations

import builtins
import contextlib
import threading
from collections import ChainMap
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import date
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, cast

import attrs

from servicedomain._checks import (
    in_,
    is_id,
    is_ids,
    is_optional_id,
    is_str,
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
from servicedomain.instants import require_date
from servicedomain.ports import Entity, EventPublisher, Journal, KeyedEntry

if TYPE_CHECKING:
    from servicedomain.adapters.dispatch_memory import InMemoryBookingRepository
    from servicedomain.adapters.dispatch_store import StoredRequirements, StoredTeams
    from servicedomain.adapters.repairs_memory import (
        InMemoryServiceBomRepository,
        InMemoryServiceObjectRepository,
    )
    from servicedomain.adapters.template_store import StoredTemplateBoms
    from servicedomain.agreements import ServiceAgreement
    from servicedomain.billing import (
        AccrualPeriod,
        FeeKey,
        FeeTransaction,
        Invoice,
        InvoicedItem,
        Subscription,
    )
    from servicedomain.dispatch import Technician
    from servicedomain.orders import ServiceOrder
    from servicedomain.requests import RequestStatus, ServiceRequest

__all__ = [
    "InMemoryAccrualRepository",
    "InMemoryEventPublisher",
    "InMemoryFeeRepository",
    "InMemoryInvoiceRepository",
    "InMemoryJournal",
    "InMemoryRepository",
    "InMemoryServiceOrderRepository",
    "InMemoryServiceRequestRepository",
    "InMemoryServiceUnitOfWork",
    "InMemoryStore",
    "InMemoryUnitOfWork",
]

EntityT = TypeVar("EntityT", bound=Entity)
KeyedT = TypeVar("KeyedT", bound=KeyedEntry)
_Row = TypeVar("_Row")


class InMemoryStore:
    """The committed rows, in plain dicts, behind one lock.

    Reads and commits hold the lock, so a reader never sees half of a commit and
    commits are checked and applied one at a time. Share one store between threads;
    give each thread its own :class:`InMemoryUnitOfWork`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # A table per entity type (the class, not its name: two classes that share a
        # name in different modules get two tables).
        self._snapshots: dict[type[Any], dict[str, Entity]] = {}
        self._fees: dict[FeeKey, FeeTransaction] = {}
        self._documents: dict[str, Invoice] = {}
        self._items: dict[str, InvoicedItem] = {}
        self._accruals: dict[tuple[str, int], AccrualPeriod] = {}
        # The schedule version of each technician (dispatch): absent is 0.
        self._schedules: dict[str, int] = {}

    def repository(self, entity_type: type[EntityT]) -> InMemoryRepository[EntityT]:
        """A repository of ``entity_type`` whose writes commit at once, one by one."""
        return InMemoryRepository(self, entity_type)

    def _read(self, table: dict[Any, _Row]) -> dict[Any, _Row]:
        """A copy of a committed table, taken between two commits."""
        with self._lock:
            return dict(table)

    def _table(self, entity_type: type[Any]) -> dict[str, Entity]:
        with self._lock:
            return dict(self._snapshots.get(entity_type, {}))


@attrs.frozen
class _Write:
    """A held snapshot write: ``expected_version`` is ``None`` for an add (the id is free)."""

    entity_type: type[Any]
    entity: Entity
    expected_version: int | None
    removed: bool = False

    def check(self, current: Entity | None) -> None:
        """Raise unless a table holding ``current`` (``None``: no entity) takes this write.

        Raises:
            AlreadyExistsError: an add, and the id is taken.
            NotFoundError: a save or removal, and there is no entity with this id.
            ConcurrencyConflictError: a save or removal, and the entity is at another
                version.
        """
        name, entity_id = self.entity_type.__name__, self.entity.id
        if self.expected_version is None:
            if current is not None:
                raise AlreadyExistsError(name, entity_id, current.version)
        elif current is None:
            raise NotFoundError(name, entity_id)
        elif current.version != self.expected_version:
            raise ConcurrencyConflictError(name, entity_id, self.expected_version, current.version)


class InMemoryUnitOfWork:
    """The one unit of work of every aggregate: holds every write, commits all or none.

    Its repositories: :meth:`repository` for any entity type, and :attr:`service_orders`,
    :attr:`agreements`, :attr:`subscriptions`, :attr:`fees`, :attr:`invoices`,
    :attr:`accruals`, and the repair repositories :attr:`service_objects`,
    :attr:`service_boms` and :attr:`template_boms`, and the dispatch repositories
    :attr:`technicians`, :attr:`dispatch_teams`, :attr:`requirements` and
    :attr:`bookings`; journals take part through :meth:`enlist`. It implements
    :class:`~servicedomain.ports.AgreementUnitOfWork`,
    :class:`~servicedomain.ports.BillingUnitOfWork`,
    :class:`~servicedomain.ports.RepairUnitOfWork` and
    :class:`~servicedomain.ports.DispatchUnitOfWork`.

    A write is checked when it is made and held here; other units of work see it only
    once committed. Leaving the ``with`` block without :meth:`commit` (or with an
    exception) rolls back. After a commit or a rollback, successful or not, the unit of
    work starts afresh and can be used again. A unit of work belongs to one thread.

    >>> from servicedomain.billing import Subscription, generate_fees
    >>> from servicedomain.money import Money
    >>> from servicedomain.periods import MONTHLY
    >>> store = InMemoryStore()
    >>> sub = Subscription(id="S-1", group_id="G", customer_id="C", project_id="P",
    ...     category_id="FEE", period_code=MONTHLY, base_price=Money(100, "EUR"),
    ...     start_date=date(2024, 1, 1))
    >>> with InMemoryUnitOfWork(store) as uow:
    ...     uow.subscriptions.add(sub)
    ...     added = uow.fees.add_all(generate_fees(sub, as_of=date(2024, 2, 1)))
    ...     uow.commit()
    >>> len(InMemoryUnitOfWork(store).fees.for_subscription("S-1"))
    2

    Args:
        store: the store to read from and commit to.
        publisher: where the collected events go on commit (optional; they are also
            kept in :attr:`published`).
    """

    def __init__(self, store: InMemoryStore, *, publisher: EventPublisher | None = None) -> None:
        self._store = store
        self._publisher = publisher
        self._published: list[DomainEvent] = []
        self.rollback()

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
        """Discard every held write, journal entry and event."""
        self._writes: dict[tuple[type[Any], str], _Write] = {}
        self._fees: dict[FeeKey, FeeTransaction] = {}
        self._documents: dict[str, Invoice] = {}
        self._items: dict[str, InvoicedItem] = {}
        self._accruals: dict[tuple[str, int], AccrualPeriod] = {}
        # The committed accrual periods this unit of work read: saves compare-and-set on them.
        self._accrual_reads: dict[tuple[str, int], AccrualPeriod] = {}
        self._posts: dict[int, tuple[InMemoryJournal[Any], dict[Hashable, tuple[str, Any]]]] = {}
        self._events: list[DomainEvent] = []
        # Dispatch: the schedule versions read, and the technicians whose bookings change.
        self._schedule_reads: dict[str, int] = {}
        self._schedule_writes: set[str] = set()

    # ---------------------------------------------------------------- repositories

    def repository(self, entity_type: type[EntityT]) -> InMemoryRepository[EntityT]:
        """The repository of ``entity_type`` whose writes this unit of work holds."""
        return InMemoryRepository(self._store, entity_type, unit_of_work=self)

    @property
    def service_orders(self) -> InMemoryServiceOrderRepository:
        """The service orders."""
        from servicedomain.orders import ServiceOrder  # noqa: PLC0415 (adapters stay light)

        return InMemoryServiceOrderRepository(self._store, ServiceOrder, unit_of_work=self)

    @property
    def agreements(self) -> InMemoryRepository[ServiceAgreement]:
        """The service agreements."""
        from servicedomain.agreements import ServiceAgreement  # noqa: PLC0415

        return self.repository(ServiceAgreement)

    @property
    def subscriptions(self) -> InMemoryRepository[Subscription]:
        """The subscriptions."""
        from servicedomain.billing import Subscription  # noqa: PLC0415

        return self.repository(Subscription)

    @property
    def fees(self) -> InMemoryFeeRepository:
        """The fee transactions."""
        return InMemoryFeeRepository(self)

    @property
    def invoices(self) -> InMemoryInvoiceRepository:
        """The invoices and credit notes, and the invoiced items they record."""
        return InMemoryInvoiceRepository(self)

    @property
    def accruals(self) -> InMemoryAccrualRepository:
        """The accrual periods."""
        return InMemoryAccrualRepository(self)

    @property
    def service_objects(self) -> InMemoryServiceObjectRepository:
        """The service objects."""
        from servicedomain.adapters.repairs_memory import (  # noqa: PLC0415
            InMemoryServiceObjectRepository,
        )
        from servicedomain.repairs import ServiceObject  # noqa: PLC0415

        return InMemoryServiceObjectRepository(self._store, ServiceObject, unit_of_work=self)

    @property
    def service_boms(self) -> InMemoryServiceBomRepository:
        """The service BOMs, each with its history."""
        from servicedomain.adapters.repairs_memory import (  # noqa: PLC0415
            InMemoryServiceBomRepository,
        )
        from servicedomain.repairs import ServiceBom  # noqa: PLC0415

        return InMemoryServiceBomRepository(self._store, ServiceBom, unit_of_work=self)

    @property
    def template_boms(self) -> StoredTemplateBoms:
        """The template BOMs, by id."""
        from servicedomain.adapters.template_store import (  # noqa: PLC0415
            StoredTemplateBom,
            StoredTemplateBoms,
        )

        return StoredTemplateBoms(self.repository(StoredTemplateBom))

    @property
    def service_requests(self) -> InMemoryServiceRequestRepository:
        """The customer service requests."""
        from servicedomain.requests import ServiceRequest  # noqa: PLC0415

        return InMemoryServiceRequestRepository(self._store, ServiceRequest, unit_of_work=self)

    @property
    def technicians(self) -> InMemoryRepository[Technician]:
        """The technicians."""
        from servicedomain.dispatch import Technician  # noqa: PLC0415

        return self.repository(Technician)

    @property
    def dispatch_teams(self) -> StoredTeams:
        """The dispatch teams, one versioned document."""
        from servicedomain.adapters.dispatch_store import (  # noqa: PLC0415
            StoredDispatchTeams,
            StoredTeams,
        )

        return StoredTeams(self.repository(StoredDispatchTeams))

    @property
    def requirements(self) -> StoredRequirements:
        """The requirements, by id."""
        from servicedomain.adapters.dispatch_store import (  # noqa: PLC0415
            StoredRequirement,
            StoredRequirements,
        )

        return StoredRequirements(self.repository(StoredRequirement), self.bookings)

    @property
    def bookings(self) -> InMemoryBookingRepository:
        """The bookings, with the technicians' schedule versions."""
        from servicedomain.adapters.dispatch_memory import (  # noqa: PLC0415
            InMemoryBookingRepository,
        )
        from servicedomain.dispatch import Booking  # noqa: PLC0415

        return InMemoryBookingRepository(self._store, Booking, unit_of_work=self)

    def enlist(self, journal: Journal[KeyedT]) -> Journal[KeyedT]:
        """A view of ``journal`` whose entries are recorded only if this unit of work commits.

        The view's ``post`` answers at once, as the journal would: an entry whose key is
        recorded (or posted earlier in this unit of work) with the same content gets its
        transaction id back, one with other content raises
        :class:`~servicedomain.errors.IdempotencyConflictError` (nothing of the call is
        held), and a new entry gets the id the journal gives next
        (``<prefix>-<recorded + held + 1>``), so a retry after a failed commit gets the
        ids of one fault-free run.

        Raises:
            TypeMismatchError: ``journal`` is not an :class:`InMemoryJournal` (a journal
                kept elsewhere takes part through that store's own unit of work).
        """
        if not isinstance(journal, InMemoryJournal):
            raise TypeMismatchError(
                "journal", journal, "an in-memory unit of work enlists InMemoryJournal journals"
            )
        return _EnlistedJournal(self, journal)

    # ---------------------------------------------------------------------- events

    @property
    def published(self) -> tuple[DomainEvent, ...]:
        """The events this unit of work has committed so far, oldest first."""
        return tuple(self._published)

    def collect(self, events: Iterable[DomainEvent]) -> None:
        """Hold events to publish when this unit of work commits.

        Raises:
            TypeMismatchError: an item is not a :class:`~servicedomain.events.DomainEvent`
                (nothing is held).
        """
        given = list(events)
        for index, event in enumerate(given):
            if not isinstance(event, DomainEvent):
                raise TypeMismatchError(f"events[{index}]", event, "expected a DomainEvent")
        self._events.extend(given)

    # ---------------------------------------------------------------------- commit

    def commit(self) -> None:
        """Check every held write against the store, then apply them all; then publish.

        Everything is checked first, under the store's lock and the enlisted journals'
        locks: snapshot versions, free ids, fee keys, invoiced sources and credits (the
        invoiced items are computed again from the committed ones), journal keys and
        ids. Only then is anything changed, by plain dict assignment of checked values,
        which cannot fail part-way. The held writes are cleared whatever happens.
        Events are published after the writes are committed; an error from the
        publisher propagates, and the writes stay committed.

        Raises:
            AlreadyExistsError: an added id (entity or document) is taken.
            ConcurrencyConflictError: an entity is no longer at its expected version, a
                journal id reserved here was given to another entry, a service BOM
                would share its relation with another (one BOM per relation), or a
                service object would hold a relation id another object holds (law R8);
                as the SQL adapter's unique keys keep them.
            IdempotencyConflictError: a fee key or journal key was stored with other
                content.
            AlreadyInvoicedError, CreditExceededError, BillingRuleError: a document no
                longer fits the invoiced items.
        """
        from servicedomain.billing import new_fees, record_document  # noqa: PLC0415

        store = self._store
        writes, fees, documents = list(self._writes.values()), self._fees, self._documents
        accruals, posts, events = self._accruals, list(self._posts.values()), self._events
        accrual_reads = self._accrual_reads
        schedules = {key: self._schedule_reads[key] for key in sorted(self._schedule_writes)}
        self.rollback()
        journal_locks = sorted({id(journal): journal._lock for journal, _ in posts}.items())
        with store._lock, contextlib.ExitStack() as held:
            for _, lock in journal_locks:  # one order for every commit: no deadlock
                held.enter_context(lock)
            # 1. Check everything; nothing is changed yet.
            for write in writes:
                write.check(store._snapshots.get(write.entity_type, {}).get(write.entity.id))
            _check_unique_keys(store, writes)
            stored = [store._fees[key] for key in fees if key in store._fees]
            new = {fee.key: fee for fee in new_fees(stored, fees.values())}
            items: dict[str, InvoicedItem] = {}
            for document in documents.values():
                if document.id in store._documents:
                    raise AlreadyExistsError("Invoice", document.id, document.version)
                items.update(record_document(ChainMap(items, store._items), document))
            for key, period in accruals.items():
                _check_accrual(key, store._accruals.get(key), accrual_reads.get(key), period)
            entries = [(journal, journal._still_new(staged)) for journal, staged in posts]
            _check_schedules(store, schedules)
            # 2. Apply everything.
            for write in writes:
                table = store._snapshots.setdefault(write.entity_type, {})
                if write.removed:
                    table.pop(write.entity.id, None)  # None: added and removed here
                else:
                    table[write.entity.id] = write.entity
            store._fees.update(new)
            store._documents.update(documents)
            store._items.update(items)
            store._accruals.update(accruals)
            for technician_id, read in schedules.items():
                store._schedules[technician_id] = read + 1
            for journal, fresh in entries:
                journal._entries.update(fresh)
        self._published.extend(events)
        if events and self._publisher is not None:
            self._publisher.publish(tuple(events))

    # ------------------------------------------------------------- for repositories

    def _get(self, entity_type: type[Any], entity_id: str) -> Entity | None:
        held = self._writes.get((entity_type, entity_id))
        if held is None:
            with self._store._lock:
                return self._store._snapshots.get(entity_type, {}).get(entity_id)
        return None if held.removed else held.entity

    def _rows(self, entity_type: type[Any]) -> dict[str, Entity]:
        rows = self._store._table(entity_type)
        for (held_type, entity_id), write in self._writes.items():
            if held_type is entity_type:
                if write.removed:
                    rows.pop(entity_id, None)
                else:
                    rows[entity_id] = write.entity
        return rows

    def _read_schedule(self, technician_id: str) -> None:
        """Remember the technician's schedule version, the first time it is read here."""
        if technician_id not in self._schedule_reads:
            with self._store._lock:
                self._schedule_reads[technician_id] = self._store._schedules.get(technician_id, 0)

    def _touch_schedule(self, technician_id: str) -> None:
        """Mark the technician's schedule changed: the commit compares and bumps it."""
        self._read_schedule(technician_id)
        self._schedule_writes.add(technician_id)

    def _hold(self, write: _Write) -> None:
        """Hold a write; a second write of one entity keeps the first expectation.

        The commit checks the store against what this unit of work started from: an add
        followed by saves stays an add, and repeated saves keep the first version.
        """
        from servicedomain.dispatch import Booking  # noqa: PLC0415 (adapters stay light)

        if write.entity_type is Booking:
            _touch_schedules(self, write)
        key = (write.entity_type, write.entity.id)
        earlier = self._writes.get(key)
        if earlier is not None:
            write = attrs.evolve(write, expected_version=earlier.expected_version)
        self._writes[key] = write


def _touch_schedules(uow: InMemoryUnitOfWork, write: _Write) -> None:
    """Mark the schedules a booking write changes: its technician's, and the one before."""
    before = uow._get(write.entity_type, write.entity.id)
    technicians = {getattr(write.entity, "technician_id", None)}
    technicians.add(getattr(before, "technician_id", None))
    for technician_id in sorted(t for t in technicians if t is not None):
        uow._touch_schedule(technician_id)


def _check_schedules(store: InMemoryStore, schedules: Mapping[str, int]) -> None:
    """Raise unless each technician's schedule is still at the version read.

    Raises:
        ConcurrencyConflictError: another commit changed the technician's bookings since
            this unit of work read them (the schedule compare-and-set).
    """
    for technician_id, read in schedules.items():
        current = store._schedules.get(technician_id, 0)
        if current != read:
            raise ConcurrencyConflictError("TechnicianSchedule", technician_id, read, current)


def _unique_keys() -> dict[type[Any], Callable[[Any], Iterable[Hashable]]]:
    """The entity types with unique keys besides the id: what SQL keeps unique too."""
    from servicedomain.orders import ServiceOrder  # noqa: PLC0415 (adapters stay light)
    from servicedomain.repairs import ServiceBom, ServiceObject  # noqa: PLC0415
    from servicedomain.requests import ServiceRequest  # noqa: PLC0415

    return {
        ServiceBom: lambda bom: (bom.relation_id,),  # one service BOM per relation
        # one request per idempotency key of a customer
        ServiceRequest: lambda request: ((request.customer_id, request.idempotency_key),),
        # one order per customer request (law Q1)
        ServiceOrder: lambda order: () if order.request_id is None else (order.request_id,),
        # a relation id names one relation of one object (law R8)
        ServiceObject: lambda obj: tuple(relation.id for relation in obj.relations),
    }


def _check_unique_keys(store: InMemoryStore, writes: Sequence[_Write]) -> None:
    """Raise if the writes would leave two entities of a type with one unique key.

    The stored entities hold unique keys already; a key two entities would hold after
    the writes is refused to this unit of work, whatever the ids (as a relational
    adapter's unique index refuses the second insert, not the row stored first). A key
    the writes release (a removed entity, or one that gives the key up) is free for
    another entity of the same writes.

    Raises:
        ConcurrencyConflictError: a written entity's key is another stored or written
            entity's.
    """
    for entity_type, keys_of in _unique_keys().items():
        held = [write for write in writes if write.entity_type is entity_type]
        if not held:
            continue
        rows = dict(store._snapshots.get(entity_type, {}))
        for write in held:
            if write.removed:
                rows.pop(write.entity.id, None)
            else:
                rows[write.entity.id] = write.entity
        owners: dict[Hashable, set[str]] = {}
        for entity_id, entity in rows.items():
            for key in keys_of(entity):
                owners.setdefault(key, set()).add(entity_id)
        for write in held:
            if not write.removed and any(len(owners[key]) > 1 for key in keys_of(write.entity)):
                raise ConcurrencyConflictError(
                    entity_type.__name__, write.entity.id, write.expected_version, None
                )


def _check_version(field: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeMismatchError(field, value, "a version is an int")


def _check_limit(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeMismatchError("limit", value, "a limit is an int")
    if value < 1:
        raise InvalidInputError("limit", value, "a limit is at least 1")


class InMemoryRepository(Generic[EntityT]):
    """A :class:`~servicedomain.ports.Repository` of one entity type, in memory.

    Get one from :meth:`InMemoryUnitOfWork.repository` (writes are held until the unit
    of work commits) or from :meth:`InMemoryStore.repository` (each write commits at
    once). A write is checked against what the repository sees when it is made, and
    again against the store when it commits.

    Args:
        store: the store the entities live in.
        entity_type: the class of the entities (its instances and its subclasses').
        unit_of_work: the unit of work that holds the writes; ``None`` commits each one.
    """

    def __init__(
        self,
        store: InMemoryStore,
        entity_type: type[EntityT],
        *,
        unit_of_work: InMemoryUnitOfWork | None = None,
    ) -> None:
        self._store = store
        self._entity_type = entity_type
        self._unit_of_work = unit_of_work

    @property
    def entity_type(self) -> type[EntityT]:
        """The class of the entities this repository holds."""
        return self._entity_type

    def get(self, entity_id: str) -> EntityT:
        """The stored entity with this id.

        Raises:
            NotFoundError: no entity with this id.
            InvalidInputError: ``entity_id`` is not an id (blank, control characters,
                over 255 characters).
            TypeMismatchError: ``entity_id`` is not a str.
        """
        is_id.check(entity_id, "entity_id")
        found = self._session()._get(self._entity_type, entity_id)
        if found is None:
            raise NotFoundError(self._entity_type.__name__, entity_id)
        return cast("EntityT", found)

    def add(self, entity: EntityT) -> None:
        """Store a new entity.

        Raises:
            AlreadyExistsError: an entity with this id exists.
            InvalidInputError: the entity's id is not an id.
            TypeMismatchError: ``entity`` is not of this repository's type, or its id is
                not a str, or its version not an int.
        """
        self._write(entity, None)

    def save(self, entity: EntityT, *, expected_version: int) -> None:
        """Replace the stored entity, if it is still at ``expected_version``.

        Raises:
            ConcurrencyConflictError: the stored version is not ``expected_version``.
            NotFoundError: no entity with this id.
            InvalidInputError: ``entity.version`` is not greater than ``expected_version``.
            TypeMismatchError: ``entity`` is not of this repository's type, or
                ``expected_version`` is not an int.
        """
        _check_version("expected_version", expected_version)
        self._write(entity, expected_version)

    def remove(self, entity_id: str, *, expected_version: int) -> None:
        """Remove the stored entity, if it is still at ``expected_version``.

        Raises:
            ConcurrencyConflictError: the stored version is not ``expected_version``.
            NotFoundError: no entity with this id.
            InvalidInputError: ``entity_id`` is not an id.
            TypeMismatchError: ``entity_id`` is not a str or ``expected_version`` not an int.
        """
        is_id.check(entity_id, "entity_id")
        _check_version("expected_version", expected_version)
        session = self._session()
        current = session._get(self._entity_type, entity_id)
        if current is None:
            raise NotFoundError(self._entity_type.__name__, entity_id)
        write = _Write(self._entity_type, current, expected_version, removed=True)
        write.check(current)
        self._hold(session, write)

    def list(
        self, *, after_id: str | None = None, limit: int | None = None
    ) -> builtins.list[EntityT]:
        """Entities in id order: those with an id after ``after_id``, at most ``limit``.

        Raises:
            InvalidInputError: ``limit`` is below 1, or ``after_id`` is not an id.
            TypeMismatchError: ``limit`` is not an int or ``after_id`` not a str.
        """
        if after_id is not None:
            is_id.check(after_id, "after_id")
        if limit is not None:
            _check_limit(limit)
        rows = self._session()._rows(self._entity_type)
        ids = sorted(key for key in rows if after_id is None or key > after_id)
        return [cast("EntityT", rows[key]) for key in ids[:limit]]

    def _session(self) -> InMemoryUnitOfWork:
        """The unit of work to go through: this repository's, or one for a single write."""
        if self._unit_of_work is not None:
            return self._unit_of_work
        return InMemoryUnitOfWork(self._store)

    def _hold(self, session: InMemoryUnitOfWork, write: _Write) -> None:
        session._hold(write)
        if session is not self._unit_of_work:
            session.commit()

    def _write(self, entity: object, expected_version: int | None) -> None:
        """Check a write against what this repository sees, then hold it (or commit it)."""
        if not isinstance(entity, self._entity_type):
            raise TypeMismatchError(
                "entity", entity, f"this repository holds {self._entity_type.__name__} values"
            )
        is_id.check(entity.id, "id")
        _check_version("version", entity.version)
        if expected_version is not None and entity.version <= expected_version:
            raise InvalidInputError(
                "version",
                entity.version,
                f"a saved entity's version must be greater than "
                f"expected_version={expected_version}",
            )
        write = _Write(self._entity_type, entity, expected_version)
        session = self._session()
        write.check(session._get(self._entity_type, entity.id))
        self._hold(session, write)

    def __repr__(self) -> str:
        mode = "staged" if self._unit_of_work is not None else "autocommit"
        return f"InMemoryRepository({self._entity_type.__name__}, {mode})"


class InMemoryServiceOrderRepository(InMemoryRepository["ServiceOrder"]):
    """The in-memory repository of service orders, with the agreement query."""

    def for_agreement(self, agreement_id: str) -> builtins.list[ServiceOrder]:
        """Every order of ``agreement_id``, in id order.

        Raises:
            InvalidInputError: ``agreement_id`` is not an id (blank, control characters, ...).
            TypeMismatchError: ``agreement_id`` is not a str.
        """
        is_id.check(agreement_id, "agreement_id")
        return [order for order in self.list() if order.agreement_id == agreement_id]


class InMemoryServiceRequestRepository(InMemoryRepository["ServiceRequest"]):
    """The in-memory repository of customer service requests, with their key queries."""

    def by_idempotency_key(self, customer_id: str, key: str) -> ServiceRequest | None:
        """The customer's request submitted under ``key``, or ``None``.

        Raises:
            InvalidInputError: ``customer_id`` is not an id.
            TypeMismatchError: ``customer_id`` or ``key`` is not a str.
        """
        is_id.check(customer_id, "customer_id")
        is_str.check(key, "key")
        for request in self.list():
            if request.customer_id == customer_id and request.idempotency_key == key:
                return request
        return None

    def with_status(self, *statuses: RequestStatus) -> builtins.list[ServiceRequest]:
        """The requests in any of ``statuses`` (none given: every request), in id order.

        Raises:
            TypeMismatchError: a status is not a RequestStatus member (``statuses[i]``).
        """
        from servicedomain.requests import RequestStatus  # noqa: PLC0415

        member = in_(RequestStatus)
        for index, status in enumerate(statuses):
            member.check(status, f"statuses[{index}]")
        wanted = set(statuses)
        return [r for r in self.list() if not wanted or r.status in wanted]


class InMemoryFeeRepository:
    """The :class:`~servicedomain.ports.FeeRepository` of an :class:`InMemoryUnitOfWork`."""

    def __init__(self, unit_of_work: InMemoryUnitOfWork) -> None:
        self._uow = unit_of_work

    def _all(self) -> dict[FeeKey, FeeTransaction]:
        uow = self._uow
        return uow._store._read(uow._store._fees) | uow._fees

    def for_subscription(self, subscription_id: str) -> builtins.list[FeeTransaction]:
        """Every fee of the subscription, in (period start, kind, period end) order."""
        is_id.check(subscription_id, "subscription_id")
        fees = [fee for fee in self._all().values() if fee.subscription_id == subscription_id]
        return sorted(fees, key=lambda fee: (fee.period.start, fee.kind.value, fee.period.end))

    def add_all(self, fees: Sequence[FeeTransaction]) -> builtins.list[FeeTransaction]:
        """Hold the fees whose key is new; return those (an equal fee is already done).

        Raises:
            IdempotencyConflictError: a key is stored or held with another payload.
        """
        from servicedomain.billing import new_fees  # noqa: PLC0415

        given, known = list(fees), self._all()
        stored = [known[key] for fee in given if (key := getattr(fee, "key", None)) in known]
        fresh = new_fees(stored, given)
        self._uow._fees.update((fee.key, fee) for fee in fresh)
        return list(fresh)

    def due(self, *, due_by: date, customer_id: str | None = None) -> builtins.list[FeeTransaction]:
        """The fees due by ``due_by`` on no invoice (of one customer), in due-date order."""
        require_date(due_by, "due_by")
        is_optional_id.check(customer_id, "customer_id")
        invoiced = self._uow.invoices._items()
        due = [
            fee
            for fee in self._all().values()
            if fee.due_date <= due_by
            and fee.id not in invoiced
            and (customer_id is None or fee.customer_id == customer_id)
        ]
        return sorted(due, key=lambda fee: (fee.due_date, fee.id))


class InMemoryInvoiceRepository:
    """The :class:`~servicedomain.ports.InvoiceRepository` of an :class:`InMemoryUnitOfWork`."""

    def __init__(self, unit_of_work: InMemoryUnitOfWork) -> None:
        self._uow = unit_of_work

    def _documents(self) -> dict[str, Invoice]:
        uow = self._uow
        return uow._store._read(uow._store._documents) | uow._documents

    def _items(self) -> dict[str, InvoicedItem]:
        uow = self._uow
        return uow._store._read(uow._store._items) | uow._items

    def get(self, invoice_id: str) -> Invoice:
        """The document with this id.

        Raises:
            NotFoundError: no document with this id.
        """
        is_id.check(invoice_id, "invoice_id")
        found = self._documents().get(invoice_id)
        if found is None:
            raise NotFoundError("Invoice", invoice_id)
        return found

    def add(self, document: Invoice) -> None:
        """Hold a posted invoice or credit note and the invoiced items it changes.

        Raises:
            AlreadyExistsError: the document's id is taken.
            AlreadyInvoicedError, CreditExceededError, BillingRuleError: the document
                does not fit the invoiced items.
        """
        from servicedomain.billing import record_document  # noqa: PLC0415

        if document.id in self._documents():
            raise AlreadyExistsError("Invoice", document.id, document.version)
        changed = record_document(self._items(), document)
        self._uow._documents[document.id] = document
        self._uow._items.update(changed)

    def invoiced(self, source_ids: Iterable[str]) -> dict[str, InvoicedItem]:
        """The invoiced items of those sources that are invoiced.

        ``source_ids`` is any iterable of ids (a mapping by source id gives its keys, as
        iterating it does), never one id read as its characters.
        """
        ids = tuple(source_ids) if isinstance(source_ids, Mapping) else source_ids
        wanted, items = is_ids.check(ids, "source_ids"), self._items()
        return {source_id: items[source_id] for source_id in wanted if source_id in items}

    def list(self, *, customer_id: str | None = None) -> builtins.list[Invoice]:
        """Every document (of one customer), in id order."""
        is_optional_id.check(customer_id, "customer_id")
        documents = self._documents()
        return [
            documents[key]
            for key in sorted(documents)
            if customer_id is None or documents[key].customer_id == customer_id
        ]


class InMemoryAccrualRepository:
    """The :class:`~servicedomain.ports.AccrualRepository` of an :class:`InMemoryUnitOfWork`."""

    def __init__(self, unit_of_work: InMemoryUnitOfWork) -> None:
        self._uow = unit_of_work

    def _all(self) -> dict[tuple[str, int], AccrualPeriod]:
        uow = self._uow
        return uow._store._read(uow._store._accruals) | uow._accruals

    def _read(self, periods: builtins.list[AccrualPeriod]) -> builtins.list[AccrualPeriod]:
        """Note the committed periods read (saving them later compares against them)."""
        uow = self._uow
        for period in periods:
            key = (period.source_id, period.number)
            if key not in uow._accruals:
                uow._accrual_reads.setdefault(key, period)
        return periods

    def for_source(self, source_id: str) -> builtins.list[AccrualPeriod]:
        """The periods of one fee, in number order."""
        is_id.check(source_id, "source_id")
        periods = self._all()
        return self._read([periods[key] for key in sorted(periods) if key[0] == source_id])

    def save_all(self, periods: Sequence[AccrualPeriod]) -> None:
        """Hold the periods, replacing those with the same (source id, number).

        A compare-and-set, checked at commit: a period this unit of work read is
        replaced only if the store still holds what was read, a period it did not read
        is stored only where its key is free; otherwise the commit raises
        :class:`~servicedomain.errors.ConcurrencyConflictError`.
        """
        for period in periods:
            self._uow._accruals[period.source_id, period.number] = period

    def unposted_through(self, through: date) -> builtins.list[AccrualPeriod]:
        """Periods not yet posted whose last day is on or before ``through`` (inclusive)."""
        require_date(through, "through")
        periods = self._all()
        return self._read(
            [
                periods[key]
                for key in sorted(periods)
                if periods[key].posting_date is None and periods[key].period.last <= through
            ]
        )


class InMemoryEventPublisher:
    """An event publisher that records what it is given, in order (thread-safe).

    >>> from datetime import UTC, datetime
    >>> publisher = InMemoryEventPublisher()
    >>> event = DomainEvent(entity_id="SO-1", occurred_at=datetime(2026, 1, 1, tzinfo=UTC))
    >>> publisher.publish([event])
    >>> [event.entity_id for event in publisher.published]
    ['SO-1']
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._published: list[DomainEvent] = []

    @property
    def published(self) -> tuple[DomainEvent, ...]:
        """Every event published so far, oldest first."""
        with self._lock:
            return tuple(self._published)

    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Record ``events`` after those published before."""
        with self._lock:
            self._published.extend(events)


class InMemoryJournal(Generic[KeyedT]):
    """A :class:`~servicedomain.ports.Journal` that records entries in memory.

    ``InMemoryJournal[JournalEntry]("HOUR")`` for order lines,
    ``InMemoryJournal[AccrualEntry]("ACR")`` for revenue accruals: any frozen entry
    with a ``key``.

    Transaction ids are ``<prefix>-000001``, ``<prefix>-000002``, ... in recording order.
    Posting is all or none and idempotent per entry key: an entry already recorded with
    the same content gets its transaction id back, and with other content raises
    :class:`~servicedomain.errors.IdempotencyConflictError` (nothing of the call is
    recorded). :meth:`post` records at once; posted through
    :meth:`InMemoryUnitOfWork.enlist`, entries are recorded when that unit of work
    commits, and never if it does not (law U1). Thread-safe.

    Args:
        prefix: the start of every transaction id, e.g. ``"HOUR"``.
    """

    def __init__(self, prefix: str) -> None:
        self._prefix = is_id.check(prefix, "prefix")
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[str, KeyedT]] = {}

    @property
    def recorded(self) -> tuple[tuple[str, KeyedT], ...]:
        """Every (transaction id, entry) recorded so far, in posting order."""
        with self._lock:
            return tuple(self._entries.values())

    def post(self, entries: Sequence[KeyedT]) -> builtins.list[str]:
        """Record ``entries`` and return their transaction ids, in order.

        Raises:
            IdempotencyConflictError: a key is already recorded with other content.
        """
        with self._lock:
            held: dict[Hashable, tuple[str, KeyedT]] = {}
            ids = self._reserve(entries, held)
            self._entries.update(held)
            return ids

    def _reserve(
        self, entries: Sequence[KeyedT], held: dict[Hashable, tuple[str, KeyedT]]
    ) -> builtins.list[str]:
        """The ids of ``entries``; new ones go into ``held`` with the next free ids.

        Call it holding the lock. ``held`` is what a unit of work reserved but has not
        recorded yet; on a conflict it is left as it was.

        Raises:
            IdempotencyConflictError: a key recorded or held with other content.
        """
        fresh: dict[Hashable, tuple[str, KeyedT]] = {}
        ids: builtins.list[str] = []
        for entry in entries:
            known = self._entries.get(entry.key) or held.get(entry.key) or fresh.get(entry.key)
            if known is None:
                number = len(self._entries) + len(held) + len(fresh) + 1
                known = fresh[entry.key] = (self._transaction_id(number), entry)
            _check_same_entry(entry.key, known[1], entry)
            ids.append(known[0])
        held.update(fresh)
        return ids

    def _still_new(
        self, held: dict[Hashable, tuple[str, KeyedT]]
    ) -> dict[Hashable, tuple[str, KeyedT]]:
        """The held entries not recorded yet, checked against what is recorded now.

        Call it holding the lock. An entry recorded meanwhile under its reserved id and
        content is left out; every other one must still get the id it was given.

        Raises:
            IdempotencyConflictError: a held key was recorded with other content.
            ConcurrencyConflictError: a reserved id was given to another entry.
        """
        recorded, number = self._entries, len(self._entries)
        new: dict[Hashable, tuple[str, KeyedT]] = {}
        for key, (transaction_id, entry) in held.items():
            known = recorded.get(key)
            if known is not None:
                _check_same_entry(key, known[1], entry)
                if known[0] != transaction_id:
                    raise ConcurrencyConflictError(
                        f"journal {self._prefix}", known[0], None, len(recorded)
                    )
                continue
            number += 1
            if transaction_id != self._transaction_id(number):
                raise ConcurrencyConflictError(
                    f"journal {self._prefix}", transaction_id, number - 1, len(recorded)
                )
            new[key] = (transaction_id, entry)
        return new

    def _transaction_id(self, number: int) -> str:
        return f"{self._prefix}-{number:06d}"

    def __repr__(self) -> str:
        return f"InMemoryJournal({self._prefix!r}, {len(self._entries)} entries)"


class _EnlistedJournal(Generic[KeyedT]):
    """An :class:`InMemoryJournal` seen through a unit of work: posts are held in it."""

    def __init__(self, unit_of_work: InMemoryUnitOfWork, journal: InMemoryJournal[KeyedT]) -> None:
        self._unit_of_work = unit_of_work
        self._journal = journal

    def post(self, entries: Sequence[KeyedT]) -> builtins.list[str]:
        """Hold ``entries`` in the unit of work; return the ids they will have.

        Raises:
            IdempotencyConflictError: a key is recorded or held with other content;
                nothing of this call is held.
        """
        journal = self._journal
        _, held = self._unit_of_work._posts.setdefault(id(journal), (journal, {}))
        with journal._lock:
            return journal._reserve(entries, held)

    def __repr__(self) -> str:
        return f"enlisted {self._journal!r}"


def _check_accrual(
    key: tuple[str, int],
    current: AccrualPeriod | None,
    read: AccrualPeriod | None,
    saved: AccrualPeriod,
) -> None:
    """Raise unless a store holding ``current`` takes ``saved``: compare-and-set on ``read``.

    An accrual period is saved only if the store still holds what the unit of work read
    of it (``read`` is ``None`` when it read nothing: the key must then be free). Even a
    rival that stored the very same period first wins alone, so its events are the only
    ones published (a retry reads again, and then finds nothing left to do).

    Raises:
        ConcurrencyConflictError: another commit changed or stored the period meanwhile.
    """
    if current == read:
        return
    raise ConcurrencyConflictError("AccrualPeriod", f"{key[0]}#{key[1]}", None, None)


def _check_same_entry(key: object, stored: object, given: object) -> None:
    """Raise IdempotencyConflictError naming the first field where two entries differ."""
    if stored == given:
        return
    for field in attrs.fields(cast("type[attrs.AttrsInstance]", type(stored))):
        stored_value, given_value = getattr(stored, field.name), getattr(given, field.name)
        if stored_value != given_value:
            raise IdempotencyConflictError(key, field.name, stored_value, given_value)
    raise IdempotencyConflictError(key, "entry", stored, given)


InMemoryServiceUnitOfWork = InMemoryUnitOfWork
"""The name the service desk's examples use: the same class as :class:`InMemoryUnitOfWork`."""
