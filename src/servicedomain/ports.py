"""Ports: what servicedomain needs from a host, as :class:`typing.Protocol` classes.

A host implements these with its own storage and infrastructure; its classes need not
inherit from anything here, they only need the right methods. Ports hold only the
shapes of the outside (storage, the clock, journals, the event outbox): the application
services use them, the domain never imports them, and they import no adapter (the
calendar protocols live in :mod:`servicedomain.calendars`, whose calendars implement and
consume them). :mod:`servicedomain.adapters.memory` is the
reference implementation, and :mod:`servicedomain.testing.contracts` holds the pytest
suites that prove an implementation right.

Every protocol is :func:`~typing.runtime_checkable`, so ``isinstance(obj, Repository)``
tells whether ``obj`` has the methods (not whether their signatures are right; mypy
checks that).

Ports raise only servicedomain's errors, never a driver's exception:

* :class:`~servicedomain.errors.NotFoundError`: no entity with this id.
* :class:`~servicedomain.errors.AlreadyExistsError`: ``add`` of an id the store holds.
* :class:`~servicedomain.errors.ConcurrencyConflictError`: the store no longer holds the
  version a writer started from (optimistic concurrency, law P1).
* :class:`~servicedomain.errors.InvalidInputError` (or its subclass
  :class:`~servicedomain.errors.TypeMismatchError`): a bad argument.
"""

from __future__ import annotations

import builtins
from collections.abc import Hashable, Iterable, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, TypeVar, runtime_checkable

from servicedomain.events import DomainEvent

if TYPE_CHECKING:
    from servicedomain.agreements import ServiceAgreement
    from servicedomain.billing import (
        AccrualPeriod,
        FeeTransaction,
        Invoice,
        InvoicedItem,
        Subscription,
    )
    from servicedomain.dispatch import (
        Booking,
        DispatchTeams,
        Interval,
        Requirement,
        Technician,  # noqa: F401 (the base below names it)
    )
    from servicedomain.orders import ServiceOrder
    from servicedomain.repairs import ServiceBom, ServiceObject, TemplateBom
    from servicedomain.requests import RequestStatus, ServiceRequest

__all__ = [
    "AccrualRepository",
    "BillingUnitOfWork",
    "BookingRepository",
    "DispatchTeamRepository",
    "DispatchUnitOfWork",
    "RequirementRepository",
    "TechnicianRepository",
    "FeeRepository",
    "InvoiceRepository",
    "Clock",
    "Entity",
    "EventPublisher",
    "Journal",
    "JournalUnitOfWork",
    "KeyedEntry",
    "AgreementUnitOfWork",
    "RepairUnitOfWork",
    "RequestUnitOfWork",
    "ServiceRequestRepository",
    "Repository",
    "ServiceBomRepository",
    "ServiceObjectRepository",
    "ServiceOrderRepository",
    "ServiceOrderUnitOfWork",
    "TemplateBomRepository",
    "UnitOfWork",
]


@runtime_checkable
class Entity(Protocol):
    """What a repository stores: a frozen snapshot with an id and a version.

    An operation on an entity returns a new snapshot whose ``version`` is higher than
    the old one (by 1 per operation); the repository's ``save`` checks the version the
    writer started from. ``@attrs.frozen`` classes with ``id: str`` and ``version: int``
    fields match this protocol.
    """

    @property
    def id(self) -> str:
        """The entity's id, unique within its type."""
        ...

    @property
    def version(self) -> int:
        """The entity's version: it grows with every change."""
        ...


EntityT = TypeVar("EntityT", bound=Entity)


@runtime_checkable
class Clock(Protocol):
    """The source of the current time. The domain never reads the wall clock itself."""

    def now(self) -> datetime:
        """The current instant: an aware datetime in UTC."""
        ...


@runtime_checkable
class Repository(Protocol[EntityT]):
    """The store of one kind of entity (one repository per aggregate).

    The contract (checked by :class:`servicedomain.testing.contracts.RepositoryContract`):

    * ``get(entity_id)`` returns the stored snapshot, equal to the one saved; an unknown
      id raises :class:`~servicedomain.errors.NotFoundError`.
    * ``add(entity)`` stores a new entity; an id the store already holds raises
      :class:`~servicedomain.errors.AlreadyExistsError`.
    * ``save(entity, expected_version=v)`` is a compare-and-set: it succeeds only if the
      stored version is ``v`` and otherwise raises
      :class:`~servicedomain.errors.ConcurrencyConflictError`, changing nothing (law
      P1). Of N writers starting from version ``v``, exactly one wins. An unknown id
      raises :class:`~servicedomain.errors.NotFoundError`. The domain bumps versions,
      so ``entity.version`` must be greater than ``v``; otherwise
      :class:`~servicedomain.errors.InvalidInputError` naming ``"version"``.
    * ``remove(entity_id, expected_version=v)`` deletes the entity with the same
      compare-and-set rule as ``save``; an unknown id raises
      :class:`~servicedomain.errors.NotFoundError`.
    * ``list(after_id=..., limit=...)`` returns entities in id order, those with an id
      greater than ``after_id`` (keyset pagination), at most ``limit`` of them; a
      ``limit`` below 1 raises :class:`~servicedomain.errors.InvalidInputError`.

    Inside a :class:`UnitOfWork`, a conflict may be detected when the write is made or
    when the unit of work commits; either way nothing of the unit of work is written.
    """

    def get(self, entity_id: str) -> EntityT:
        """The stored entity with this id.

        Raises:
            NotFoundError: the store holds no entity with this id.
        """
        ...

    def add(self, entity: EntityT) -> None:
        """Store a new entity.

        Raises:
            AlreadyExistsError: the store already holds an entity with this id.
        """
        ...

    def save(self, entity: EntityT, *, expected_version: int) -> None:
        """Replace the stored entity, if the store still holds ``expected_version``.

        Raises:
            ConcurrencyConflictError: the stored version is not ``expected_version``.
            NotFoundError: the store holds no entity with this id.
            InvalidInputError: ``entity.version`` is not greater than
                ``expected_version`` (the field is ``"version"``).
        """
        ...

    def remove(self, entity_id: str, *, expected_version: int) -> None:
        """Remove the stored entity, if the store still holds ``expected_version``.

        Raises:
            ConcurrencyConflictError: the stored version is not ``expected_version``;
                nothing is removed.
            NotFoundError: the store holds no entity with this id.
        """
        ...

    def list(
        self, *, after_id: str | None = None, limit: int | None = None
    ) -> builtins.list[EntityT]:
        """Entities in id order: those after ``after_id``, at most ``limit`` of them.

        Raises:
            InvalidInputError: ``limit`` is below 1.
        """
        ...


@runtime_checkable
class UnitOfWork(Protocol):
    """A business transaction: the writes made through it are committed all or none.

    Use it as a context manager. ``__enter__`` returns the unit of work itself;
    leaving the ``with`` block without :meth:`commit` (or with an exception, which
    propagates) rolls back whatever was not committed. The same unit of work can be
    entered again, and each ``with`` block starts afresh, so an application service can
    be given one unit of work and use it call after call. A batch with one conflicting
    or failing item writes nothing (law P2), and after a failure a retry gives the same
    store as one successful run (law P4). A commit that fails part-way leaves nothing
    behind (law U1).

    A host's unit of work exposes its repositories (as typed attributes or through an
    accessor); how is the host's choice. Every unit of work collects the events of the
    changes made through it (:meth:`collect`) and publishes them only once they are
    committed: a failed commit or a rollback publishes nothing.
    """

    def __enter__(self) -> Self:
        """Start the unit of work and return it."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed; never swallow an exception."""
        ...

    def commit(self) -> None:
        """Write every change made through this unit of work, or none of them.

        Raises:
            ConcurrencyConflictError: a write conflicts with what another unit of work
                committed first; nothing was written.
        """
        ...

    def rollback(self) -> None:
        """Discard every change not yet committed."""
        ...

    def collect(self, events: Iterable[DomainEvent]) -> None:
        """Stage events to publish when this unit of work commits."""
        ...


@runtime_checkable
class EventPublisher(Protocol):
    """Where domain events go once the state that caused them is committed."""

    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Deliver these events, in order."""
        ...


class KeyedEntry(Protocol):
    """A journal entry: a value with a natural ``key`` the journal is idempotent on."""

    @property
    def key(self) -> Hashable:
        """The natural key: at most one recorded entry per key."""
        ...


EntryT_contra = TypeVar("EntryT_contra", bound=KeyedEntry, contravariant=True)


@runtime_checkable
class Journal(Protocol[EntryT_contra]):
    """Where posted transactions go: ``Journal[JournalEntry]``, ``Journal[AccrualEntry]``.

    In AX each service-order transaction type has its own journal: hours to the project
    hour journal, fees to the project fee journal, expenses to a ledger journal, items
    to an inventory (project consumption) journal; revenue accruals of subscriptions go
    to the ledger (WIP - subscription / accrued revenue). A host implements one
    ``Journal`` per destination over its own ledger or project accounting.

    The contract: :meth:`post` records every entry or none, and is idempotent per
    ``entry.key`` (for order lines: order id, line number), so a retry after a failure
    never posts anything twice: an entry whose key is already recorded with the same
    content gets its existing transaction id back; the same key with different content
    raises :class:`~servicedomain.errors.IdempotencyConflictError`.

    Posted on its own, a journal records at once. The application objects post
    through :meth:`JournalUnitOfWork.enlist` instead, so that entries are recorded
    with the unit of work's other writes, or not at all (law U1).
    """

    def post(self, entries: Sequence[EntryT_contra]) -> builtins.list[str]:
        """Record ``entries``; return one transaction id per entry, in the same order.

        Raises:
            IdempotencyConflictError: a key is recorded with different content; nothing
                of this call is recorded.
        """
        ...


EntryT = TypeVar("EntryT", bound=KeyedEntry)


@runtime_checkable
class JournalUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that journals take part in: all or nothing, entries included (U1).

    The contract (checked by
    :class:`servicedomain.testing.contracts.JournalUnitOfWorkContract`):

    * ``enlist(journal)`` returns a view of ``journal`` (a ``Journal`` itself) whose
      :meth:`~Journal.post` answers at once, as ``journal`` would (idempotent per key
      against what is recorded and what this unit of work posted before), and whose
      entries are recorded when, and only if, this unit of work commits. A rollback,
      leaving the ``with`` block without a commit, or a failed commit records none.
    * The transaction ids returned are those the entries keep once committed. They do
      not depend on an earlier attempt that failed: a retry gets the ids of one
      fault-free run (the in-memory journal reserves ``<prefix>-<recorded + staged +
      1>`` and re-checks at commit that they are still free; if a concurrent commit
      took them, the commit raises
      :class:`~servicedomain.errors.ConcurrencyConflictError` and writes nothing).

    How a host meets it depends on where the journal lives. A journal in the same
    database posts its rows inside the unit of work's transaction (and returns the
    ids it inserts). A journal kept elsewhere (an ERP, a ledger service) is fed
    through an outbox: the view writes the entries to an outbox table in the
    transaction, and a relay posts them to the journal after the commit, idempotent
    per key; its ids must then be fixed before the commit (derived from the key, or
    reserved), never assigned by the remote side.
    """

    def enlist(self, journal: Journal[EntryT]) -> Journal[EntryT]:
        """``journal`` as seen from this unit of work: its posts commit with it.

        Raises:
            TypeMismatchError: this unit of work cannot take part with ``journal``
                (e.g. a journal kept in another store).
        """
        ...


@runtime_checkable
class ServiceOrderRepository(Repository["ServiceOrder"], Protocol):
    """The repository of service orders, with the query order generation needs."""

    def for_agreement(self, agreement_id: str) -> builtins.list[ServiceOrder]:
        """Every stored order of this agreement, in id order (none: an empty list)."""
        ...


@runtime_checkable
class ServiceOrderUnitOfWork(JournalUnitOfWork, Protocol):
    """A unit of work that holds service orders and collects the events to publish.

    The application objects (:mod:`servicedomain.app`) load and save service orders
    through :attr:`service_orders`, hand the events of each operation to
    :meth:`~UnitOfWork.collect` and post order lines through journals enlisted in it
    (:meth:`~JournalUnitOfWork.enlist`); the events are published and the entries
    recorded only if the unit of work commits.
    """

    @property
    def service_orders(self) -> ServiceOrderRepository:
        """The repository of service orders, staged in this unit of work."""
        ...


@runtime_checkable
class AgreementUnitOfWork(ServiceOrderUnitOfWork, Protocol):
    """A unit of work over service agreements and the service orders made from them."""

    @property
    def agreements(self) -> Repository[ServiceAgreement]:
        """The repository of service agreements, staged in this unit of work."""
        ...


# ----------------------------------------------------------------------------- billing


@runtime_checkable
class FeeRepository(Protocol):
    """The fee transactions of subscriptions, unique by natural key (law P3).

    :meth:`add_all` is the idempotent add: a fee whose key is stored with an equal
    payload is already done; with another payload it raises
    :class:`~servicedomain.errors.IdempotencyConflictError` and nothing of the call is
    stored. A relational adapter keeps a unique index on (subscription, period start,
    period end, kind).
    """

    def for_subscription(self, subscription_id: str) -> builtins.list[FeeTransaction]:
        """Every stored fee of the subscription, in (period start, kind) order."""
        ...

    def add_all(self, fees: Sequence[FeeTransaction]) -> builtins.list[FeeTransaction]:
        """Store the fees whose key is new; return those, in the given order.

        Raises:
            IdempotencyConflictError: a key is stored (or given twice) with another
                payload; nothing is stored.
        """
        ...

    def due(self, *, due_by: date, customer_id: str | None = None) -> builtins.list[FeeTransaction]:
        """The stored fees due by ``due_by`` that are on no invoice yet (one customer's)."""
        ...


@runtime_checkable
class InvoiceRepository(Protocol):
    """Posted invoices and credit notes, and what each source has been invoiced.

    :meth:`add` records a document and updates the invoiced items it touches, all or
    none, with the checks of :func:`~servicedomain.billing.record_document`: no source
    is invoiced twice (law I1), no credit exceeds what can still be credited (F8).
    """

    def get(self, invoice_id: str) -> Invoice:
        """The document with this id.

        Raises:
            NotFoundError: no such document.
        """
        ...

    def add(self, document: Invoice) -> None:
        """Record a posted invoice or credit note.

        Raises:
            AlreadyExistsError: the id is taken.
            AlreadyInvoicedError: a source is invoiced already.
            CreditExceededError: a credit above what is still creditable.
            BillingRuleError: a credited source is not invoiced.
        """
        ...

    def invoiced(self, source_ids: Iterable[str]) -> dict[str, InvoicedItem]:
        """The invoiced items of those sources that are invoiced (others are left out)."""
        ...

    def list(self, *, customer_id: str | None = None) -> builtins.list[Invoice]:
        """Every document (of one customer), in id order."""
        ...


@runtime_checkable
class AccrualRepository(Protocol):
    """The accrual periods of invoiced fees, by key (fee id, number)."""

    def for_source(self, source_id: str) -> builtins.list[AccrualPeriod]:
        """The periods of one fee, in number order."""
        ...

    def save_all(self, periods: Sequence[AccrualPeriod]) -> None:
        """Store the periods, replacing those with the same key, by compare-and-set.

        A period is replaced only if the store still holds what this unit of work read
        of it (:meth:`for_source`, :meth:`unposted_through`); one it did not read is
        stored only where the key is free. Otherwise the
        commit raises :class:`~servicedomain.errors.ConcurrencyConflictError` and
        writes nothing (law P1: an accrual run and a credit note never overwrite each
        other's periods).
        """
        ...

    def unposted_through(self, through: date) -> builtins.list[AccrualPeriod]:
        """Periods not yet posted whose last day is on or before ``through`` (inclusive).

        A period ``[2024-01-01, 2024-02-01)`` is returned for ``through`` 2024-01-31,
        not for 2024-01-30.
        """
        ...


@runtime_checkable
class BillingUnitOfWork(JournalUnitOfWork, Protocol):
    """A unit of work over subscriptions, their fees, invoices and accruals.

    Accrual entries and their reversals are posted through journals enlisted in it
    (:meth:`~JournalUnitOfWork.enlist`), so they are recorded only if it commits. The
    billing desk hands it the events of what it stores (subscription created, fees
    generated, invoice or credit note issued, revenue accrued) through
    :meth:`~UnitOfWork.collect`; they are published only once committed.
    """

    @property
    def subscriptions(self) -> Repository[Subscription]:
        """The subscriptions, staged in this unit of work."""
        ...

    @property
    def fees(self) -> FeeRepository:
        """The fee transactions, staged in this unit of work."""
        ...

    @property
    def invoices(self) -> InvoiceRepository:
        """The invoices and credit notes, staged in this unit of work."""
        ...

    @property
    def accruals(self) -> AccrualRepository:
        """The accrual periods, staged in this unit of work."""
        ...


# ----------------------------------------------------------------------------- repairs


@runtime_checkable
class ServiceObjectRepository(Repository["ServiceObject"], Protocol):
    """The repository of service objects, with the queries a repair desk needs.

    The store does not decide whether two objects may share an item and serial number:
    AX's parameter *Allow one item on multiple service objects* is a rule of the
    application (:class:`servicedomain.app.RepairDesk` checks it with
    :meth:`for_item` before it adds an object), so one store serves hosts with either
    setting.
    """

    def for_item(
        self, item_id: str, *, serial_number: str | None = None
    ) -> builtins.list[ServiceObject]:
        """The objects of this item (with this serial number, if given), in id order."""
        ...

    def for_group(self, group_id: str) -> builtins.list[ServiceObject]:
        """The objects of this service object group, in id order."""
        ...


@runtime_checkable
class ServiceBomRepository(Repository["ServiceBom"], Protocol):
    """The repository of service BOMs (each with its whole history), by relation and object."""

    def for_relation(self, relation_id: str) -> ServiceBom | None:
        """The service BOM on this object relation, or ``None``.

        A relation has at most one service BOM: the repair desk checks it, and the
        store refuses a second one committed concurrently (the commit raises
        :class:`~servicedomain.errors.ConcurrencyConflictError`; the SQL adapter keeps
        a unique key on the relation).
        """
        ...

    def for_object(self, service_object_id: str) -> builtins.list[ServiceBom]:
        """Every service BOM of this service object, in id order."""
        ...


@runtime_checkable
class TemplateBomRepository(Protocol):
    """Template BOMs by id: values, stored once under their id (idempotent on content).

    A template is a value: changing one makes a new template under a new id (a service
    BOM copies the lines it was attached from, so it never depends on the stored
    template). The contract (checked by
    :class:`servicedomain.testing.repair_contracts.RepairStoreContract`):

    * ``get(template_id)`` returns the stored template; an unknown id raises
      :class:`~servicedomain.errors.NotFoundError`.
    * ``add(template)`` stores it; adding an equal template again changes nothing (the
      id is the natural key), another template under a stored id raises
      :class:`~servicedomain.errors.AlreadyExistsError` (at once or on commit).
    * ``list()`` returns every template in id order.
    """

    def get(self, template_id: str) -> TemplateBom:
        """The template with this id.

        Raises:
            NotFoundError: no template with this id.
        """
        ...

    def add(self, template: TemplateBom) -> None:
        """Store a template; an equal one already stored is a no-op.

        Raises:
            AlreadyExistsError: another template is stored under this id.
        """
        ...

    def list(self) -> builtins.list[TemplateBom]:
        """Every stored template, in id order."""
        ...


@runtime_checkable
class RepairUnitOfWork(UnitOfWork, Protocol):
    """A unit of work over service objects, service BOMs and template BOMs.

    The repair desk (:class:`servicedomain.app.RepairDesk`) loads and saves through it
    and hands it the events of each operation (:meth:`~UnitOfWork.collect`); they are
    published only once committed, with the writes, all or nothing (law U1).
    """

    @property
    def service_objects(self) -> ServiceObjectRepository:
        """The service objects, staged in this unit of work."""
        ...

    @property
    def service_boms(self) -> ServiceBomRepository:
        """The service BOMs, staged in this unit of work."""
        ...

    @property
    def template_boms(self) -> TemplateBomRepository:
        """The template BOMs, staged in this unit of work."""
        ...


# ----------------------------------------------------------------------------- dispatch


@runtime_checkable
class TechnicianRepository(Repository["Technician"], Protocol):
    """The repository of technicians (workers): get, add, save, list as every repository."""


@runtime_checkable
class DispatchTeamRepository(Protocol):
    """The dispatch teams, stored together as one versioned document.

    The teams are values; the store keeps the whole :class:`~servicedomain.dispatch.DispatchTeams`
    under one version, so a worker in two teams is impossible in storage too: every
    write is a whole ``DispatchTeams`` (whose constructor refuses a worker in two
    teams), and two units of work that change the teams at once conflict on the one
    version (the second commit raises
    :class:`~servicedomain.errors.ConcurrencyConflictError`) instead of each adding the
    worker to a team of its own.
    """

    def get(self) -> DispatchTeams:
        """The stored teams (no teams when none were ever saved)."""
        ...

    def version(self) -> int:
        """The version of the stored teams: 0 before the first save, one more per save."""
        ...

    def save(self, teams: DispatchTeams, *, expected_version: int) -> None:
        """Store ``teams`` in place of the stored ones, if they are at ``expected_version``.

        Raises:
            ConcurrencyConflictError: the stored teams are at another version (here or
                on commit).
            TypeMismatchError: ``teams`` is not a DispatchTeams.
        """
        ...


@runtime_checkable
class RequirementRepository(Protocol):
    """Requirements by id: values, stored once under their id (idempotent on content).

    * ``get(requirement_id)`` returns the stored requirement; an unknown id raises
      :class:`~servicedomain.errors.NotFoundError`.
    * ``add(requirement)`` stores it; an equal requirement again changes nothing,
      another one under a stored id raises
      :class:`~servicedomain.errors.AlreadyExistsError` (at once or on commit).
    * ``list()`` and ``for_order(order_id)``: in id order.
    * ``undispatched()``: the requirements no ``proposed``, ``committed`` or
      ``in_progress`` booking is for (those with only completed or canceled bookings, or
      none), in id order: what a dispatch board still has to book.
    """

    def get(self, requirement_id: str) -> Requirement:
        """The requirement with this id.

        Raises:
            NotFoundError: no requirement with this id.
        """
        ...

    def add(self, requirement: Requirement) -> None:
        """Store a requirement; an equal one already stored is a no-op.

        Raises:
            AlreadyExistsError: another requirement is stored under this id.
        """
        ...

    def list(self) -> builtins.list[Requirement]:
        """Every stored requirement, in id order."""
        ...

    def for_order(self, order_id: str) -> builtins.list[Requirement]:
        """The requirements of the service order ``order_id``, in id order."""
        ...

    def undispatched(self) -> builtins.list[Requirement]:
        """The requirements without a proposed, committed or in-progress booking, in id order."""
        ...


@runtime_checkable
class BookingRepository(Repository["Booking"], Protocol):
    """The repository of bookings, with the schedule queries, and a per-technician schedule.

    Besides the compare-and-set on each booking's version, a store keeps one *schedule
    version* per technician: a unit of work remembers the version of a technician's
    schedule when it first reads that technician's bookings (:meth:`for_technician`) or
    writes one of them, and its commit bumps it with a compare-and-set. So of two units
    of work that book one technician at once, each deciding on the bookings it read,
    exactly one commits; the other raises
    :class:`~servicedomain.errors.ConcurrencyConflictError` and stores nothing, and its
    retry reads the winner's booking. A booking moved to another technician bumps both
    schedules.
    """

    def for_technician(self, technician_id: str, window: Interval) -> builtins.list[Booking]:
        """The technician's bookings (any status) whose held time overlaps ``window``.

        A booking's held time is ``[start - travel, end)``
        (:attr:`~servicedomain.dispatch.Booking.busy`), so a booking whose travel
        reaches into the window is among them; one that only touches it is not. In
        (start, id) order.
        """
        ...

    def for_requirement(self, requirement_id: str) -> builtins.list[Booking]:
        """Every booking of the requirement ``requirement_id`` (any status), in id order."""
        ...


@runtime_checkable
class DispatchUnitOfWork(UnitOfWork, Protocol):
    """A unit of work over technicians, dispatch teams, requirements and bookings.

    The dispatch desk (:class:`servicedomain.app.DispatchDesk`) loads and saves through
    it; its commit checks every booking's version and every touched technician's
    schedule version (see :class:`BookingRepository`), all or nothing (law U1).
    """

    @property
    def technicians(self) -> TechnicianRepository:
        """The technicians, staged in this unit of work."""
        ...

    @property
    def dispatch_teams(self) -> DispatchTeamRepository:
        """The dispatch teams, staged in this unit of work."""
        ...

    @property
    def requirements(self) -> RequirementRepository:
        """The requirements, staged in this unit of work."""
        ...

    @property
    def bookings(self) -> BookingRepository:
        """The bookings, staged in this unit of work."""
        ...


# ----------------------------------------------------------------------------- requests


@runtime_checkable
class ServiceRequestRepository(Repository["ServiceRequest"], Protocol):
    """The repository of customer service requests, with their two natural keys.

    A store keeps both keys unique, as a relational adapter's unique indexes do:

    * ``(customer_id, idempotency_key)``: one request per key of a customer. A second
      request under a key the store holds raises
      :class:`~servicedomain.errors.ConcurrencyConflictError` (at the latest on commit),
      so of two submits with one key at once exactly one stores a request; the other's
      retry finds it with :meth:`by_idempotency_key`.
    * the order a request was transferred to is one order: the store of service orders
      in the same unit of work keeps :attr:`~servicedomain.orders.ServiceOrder.request_id`
      unique, so a second order for one request raises
      :class:`~servicedomain.errors.ConcurrencyConflictError` (law Q1).
    """

    def by_idempotency_key(self, customer_id: str, key: str) -> ServiceRequest | None:
        """The customer's request submitted under ``key``, or ``None``."""
        ...

    def with_status(self, *statuses: RequestStatus) -> builtins.list[ServiceRequest]:
        """The requests in any of ``statuses`` (none given: every request), in id order."""
        ...


@runtime_checkable
class RequestUnitOfWork(ServiceOrderUnitOfWork, Protocol):
    """A unit of work over customer service requests and the service orders made from them.

    The request desk (:class:`servicedomain.app.RequestDesk`) loads and saves through
    it: a transfer saves the request and adds its order in one commit, all or nothing.
    """

    @property
    def service_requests(self) -> ServiceRequestRepository:
        """The customer service requests, staged in this unit of work."""
        ...
