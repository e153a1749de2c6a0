"""An indexed in-memory store: the reference adapter's ports, with indexes for speed.

:mod:`servicedomain.adapters.memory` is the readable reference; this module keeps the
same rows with the indexes that large data sets need (benchmarks, long simulations). It
passes the same contract suites. The names mirror the reference's: :class:`IndexedStore`,
:class:`IndexedUnitOfWork` (one unit of work for every aggregate), :class:`IndexedJournal`.

* :class:`IndexedStore` is the "database": committed snapshots, one table per entity
  type, and the billing tables with their indexes, behind a lock, so several threads can
  share one store.
* :class:`IndexedUnitOfWork` stages writes and commits them all or none: under the
  store's lock it re-checks every expected version (and that every added id is still
  free) before it applies anything, and if applying fails part-way it puts back what
  it applied (law U1). Events collected in it are published on commit; entries posted
  to the journals it enlists (:meth:`IndexedUnitOfWork.enlist`) are recorded in the
  same critical section, and only if it commits.
* :class:`IndexedJournal` records journal entries, idempotent per key: posted on its
  own, or enlisted in a unit of work.
* A service order's ``request_id`` names one order (law Q1), as the SQL adapter's
  unique index keeps it: a commit that would give one request a second order raises
  :class:`~servicedomain.errors.ConcurrencyConflictError` and writes nothing.

Billing rows (fees, documents, accrual periods) commit in the same critical section,
after these checks against what is committed:

* a fee key stored with another payload: :class:`~servicedomain.errors.IdempotencyConflictError`
  (an equal fee is already done and skipped; law P3);
* a document id taken: :class:`~servicedomain.errors.AlreadyExistsError`; a source
  invoiced twice or over-credited, also by a unit of work that committed first:
  :class:`~servicedomain.errors.AlreadyInvoicedError`,
  :class:`~servicedomain.errors.CreditExceededError` (laws I1, F8).

Accrual periods are replaced by key (the last commit wins). Queries read indexes kept
at commit (and beside the staged rows): fees by subscription, uninvoiced fees by
customer and due date, documents by customer, accrual periods by fee and, unposted, by
end date. Each query costs about what it returns, so a monthly invoicing and accrual
cycle grows with the rows it touches, not with the history. A commit with nothing
committed by others since its unit of work first read the tables takes its staged
checks as they are instead of running them again.

>>> import attrs
>>> @attrs.frozen
... class Widget:
...     id: str
...     version: int
...     name: str
>>> store = IndexedStore()
>>> with IndexedUnitOfWork(store) as uow:
...     uow.repository(Widget).add(Widget("W-1", 1, "pump"))
...     uow.commit()
>>> with IndexedUnitOfWork(store) as uow:
...     uow.repository(Widget).get("W-1").name
'pump'
"""

from __future__ import annotations

import bisect
import builtins
import contextlib
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import date
from operator import attrgetter
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, TypeVar, cast

import attrs

from servicedomain._checks import (
    is_id,
    is_ids,
    is_optional_id,
)
from servicedomain.adapters.memory import (
    InMemoryJournal,
    _check_accrual,
    _check_limit,
    _check_version,
)
from servicedomain.errors import (
    AlreadyExistsError,
    ConcurrencyConflictError,
    InvalidInputError,
    NotFoundError,
    TypeMismatchError,
)
from servicedomain.events import DomainEvent
from servicedomain.instants import require_date
from servicedomain.ports import Entity, EventPublisher, Journal, KeyedEntry

if TYPE_CHECKING:
    from servicedomain.agreements import ServiceAgreement
    from servicedomain.billing import (
        AccrualPeriod,
        FeeKey,
        FeeTransaction,
        Invoice,
        InvoicedItem,
        Subscription,
    )
    from servicedomain.orders import ServiceOrder

__all__ = [
    "IndexedAccrualRepository",
    "IndexedFeeRepository",
    "IndexedInvoiceRepository",
    "IndexedJournal",
    "IndexedRepository",
    "IndexedServiceOrderRepository",
    "IndexedStore",
    "IndexedUnitOfWork",
]

EntityT = TypeVar("EntityT", bound=Entity)
KeyedT = TypeVar("KeyedT", bound=KeyedEntry)


def _check_event(field: str, value: object) -> DomainEvent:
    if not isinstance(value, DomainEvent):
        raise TypeMismatchError(field, value, "expected a DomainEvent")
    return value


# A table is identified by its entity type (the class, not its name: two classes that
# share a name in different modules get two tables).
_Key = tuple[type[Any], str]


@attrs.frozen
class _Write:
    """One staged write: the new snapshot and the version the store must still hold.

    ``expected_version`` is ``None`` for an add: the id must still be free. A removal
    carries the snapshot it removes and ``removed=True``.
    """

    entity_type: type[Any]
    entity: Entity
    expected_version: int | None
    removed: bool = False

    @property
    def key(self) -> _Key:
        return (self.entity_type, self.entity.id)

    def check(self, current: Entity | None) -> None:
        """Raise unless a store holding ``current`` (``None``: no entity) takes this write.

        Raises:
            AlreadyExistsError: an add, and the id is taken.
            NotFoundError: a save, and there is no entity with this id.
            ConcurrencyConflictError: a save, and the entity is at another version.
        """
        name, entity_id = self.entity_type.__name__, self.entity.id
        if self.expected_version is None:
            if current is not None:
                raise AlreadyExistsError(name, entity_id, current.version)
        elif current is None:
            raise NotFoundError(name, entity_id)
        elif current.version != self.expected_version:
            raise ConcurrencyConflictError(name, entity_id, self.expected_version, current.version)


_MISSING: Any = object()
"""Marks a key that was absent before a change (so undoing it removes the key)."""


class _UndoLog:
    """The inverse of every change a commit applies, to put everything back on a failure.

    A commit checks everything first and then applies its changes through this log
    (:meth:`put`, :meth:`add`, :meth:`pop`, :meth:`note`, :meth:`on_undo`); should
    applying fail part-way, :meth:`undo` restores what was applied, newest first, so no
    commit is ever half-applied. A change costs three list appends (target, key, old
    value), no allocation the garbage collector tracks.
    """

    __slots__ = ("_keys", "_olds", "_targets")

    def __init__(self) -> None:
        self._targets: list[Any] = []
        self._keys: list[Any] = []
        self._olds: list[Any] = []

    def put(self, table: dict[Any, Any], key: Any, value: object) -> None:
        """``table[key] = value``, undone by restoring the old value (or removing the key)."""
        self._targets.append(table)
        self._keys.append(key)
        self._olds.append(table.get(key, _MISSING))
        table[key] = value

    def add(self, table: dict[Any, Any], key: Any, value: object) -> None:
        """``table[key] = value`` for a key the commit checked is absent: undone by removal.

        It saves :meth:`put`'s lookup of the old value (a key may be costly to hash).
        """
        self._targets.append(table)
        self._keys.append(key)
        self._olds.append(_MISSING)
        table[key] = value

    def pop(self, table: dict[Any, Any], key: Any) -> None:
        """Remove ``table[key]`` if present, undone by putting it back."""
        old = table.pop(key, _MISSING)
        if old is not _MISSING:
            self.note(table, key, old)

    def note(self, target: _Restorable | dict[Any, Any], key: Any, old: object) -> None:
        """Note that ``target``'s ``key`` held ``old`` (or ``_MISSING``) before a change."""
        self._targets.append(target)
        self._keys.append(key)
        self._olds.append(old)

    def on_undo(self, action: Callable[[], None]) -> None:
        """Register the inverse of a change about to be made some other way."""
        self.note(None, action, None)  # type: ignore[arg-type]

    def undo(self) -> None:
        """Undo every change logged, newest first."""
        targets, keys, olds = self._targets, self._keys, self._olds
        while targets:
            target, key, old = targets.pop(), keys.pop(), olds.pop()
            if target is None:
                key()
            elif isinstance(target, dict):
                if old is _MISSING:
                    target.pop(key, None)
                else:
                    target[key] = old
            else:
                target.restore(key, old)


class _Restorable(Protocol):
    """A structure other than a dict whose changes an :class:`_UndoLog` can undo."""

    def restore(self, key: Any, old: Any) -> None:
        """Put ``key`` back to ``old`` (``_MISSING``: remove it)."""


@attrs.frozen
class _Step:
    """Staged changes other than snapshots, committed in the store's critical section.

    ``check`` runs with the store's lock and ``locks`` held: it raises if the committed
    state no longer takes the changes (changing nothing), else returns the function
    that applies them through an :class:`_UndoLog`.
    """

    check: Callable[[], Callable[[_UndoLog], None]]
    locks: tuple[Any, ...] = ()


class IndexedStore:
    """Committed snapshots, one table per entity type, and the indexed billing tables.

    Reads and commits hold one lock, so a reader never sees half of a commit and
    concurrent commits are checked and applied one at a time. Share one store between
    threads; give each thread its own :class:`IndexedUnitOfWork`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[type[Any], dict[str, Entity]] = {}
        self._billing = _BillingTables()
        # the order of each customer request (law Q1): request id -> order id
        self._order_requests: dict[str, str] = {}

    def repository(self, entity_type: type[EntityT]) -> IndexedRepository[EntityT]:
        """A repository of ``entity_type`` whose writes commit at once, one by one."""
        return IndexedRepository(self, entity_type)

    def _get(self, entity_type: type[Any], entity_id: str) -> Entity | None:
        with self._lock:
            return self._tables.get(entity_type, {}).get(entity_id)

    def _rows(self, entity_type: type[Any]) -> dict[str, Entity]:
        with self._lock:
            return dict(self._tables.get(entity_type, {}))

    def _apply(self, writes: Sequence[_Write], steps: Sequence[_Step] = ()) -> None:
        """Apply every write and step, or none if one no longer matches the committed state.

        ``steps`` let a unit of work commit more than snapshots (billing rows, journal
        entries) in the same critical section. Every check runs before anything is
        changed; if applying then fails part-way, what was applied is undone and the
        error propagates, so the store and the journals are as before.

        Raises:
            AlreadyExistsError: an added id is no longer free.
            ConcurrencyConflictError: a saved entity is no longer at its expected version.
        """
        locks = {id(lock): lock for step in steps for lock in step.locks}
        with self._lock, contextlib.ExitStack() as held:
            for key in sorted(locks):  # one order for every commit: no deadlock
                held.enter_context(locks[key])
            tables = self._tables
            for write in writes:
                write.check(tables.get(write.entity_type, {}).get(write.entity.id))
            claims = _order_request_claims(self._order_requests, tables, writes)
            appliers = [step.check() for step in steps]
            log = _UndoLog()
            try:
                for apply in appliers:
                    apply(log)
                for request_id, order_id in claims.items():
                    if order_id is None:
                        log.pop(self._order_requests, request_id)
                    else:
                        log.put(self._order_requests, request_id, order_id)
                for write in writes:
                    table = tables.get(write.entity_type)
                    if table is None:
                        table = {}
                        log.put(tables, write.entity_type, table)
                    if write.removed:
                        log.pop(table, write.entity.id)
                    else:
                        log.put(table, write.entity.id, write.entity)
            except BaseException:
                log.undo()
                raise


def _order_request_claims(
    held: Mapping[str, str],
    tables: Mapping[type[Any], Mapping[str, Entity]],
    writes: Sequence[_Write],
) -> dict[str, str | None]:
    """The changes the writes make to the one order of each request (``None``: released).

    A service order's ``request_id`` names one order (law Q1), as the SQL adapter's unique
    index keeps it: the request ids the written orders give up are released first, then
    each written order claims its own.

    Raises:
        ConcurrencyConflictError: a written order claims a request another order holds.
    """
    from servicedomain.orders import ServiceOrder  # noqa: PLC0415 (adapters stay light)

    orders = [write for write in writes if write.entity_type is ServiceOrder]
    if not orders:
        return {}
    stored = tables.get(ServiceOrder, {})
    owners = dict(held)
    changes: dict[str, str | None] = {}
    for write in orders:
        before = cast("ServiceOrder | None", stored.get(write.entity.id))
        released = None if before is None else before.request_id
        if released is not None and owners.get(released) == write.entity.id:
            del owners[released]
            changes[released] = None
    for write in orders:
        request_id = None if write.removed else cast("ServiceOrder", write.entity).request_id
        if request_id is None:
            continue
        owner = owners.get(request_id)
        if owner is not None and owner != write.entity.id:
            raise ConcurrencyConflictError(
                "ServiceOrder", write.entity.id, write.expected_version, None
            )
        owners[request_id] = write.entity.id
        changes[request_id] = write.entity.id
    return changes


class _SnapshotUnitOfWork:
    """The snapshot and journal part of :class:`IndexedUnitOfWork`.

    Reads through :meth:`repository` see the committed data plus this unit of work's
    own staged writes; other units of work see the writes only once committed. Leaving
    the ``with`` block without :meth:`commit` (or with an exception) rolls back. After a
    commit or a rollback, successful or not, the unit of work starts afresh and can be
    used again. A unit of work belongs to one thread.

    Journals take part through :meth:`enlist`: what is posted through the enlisted view
    is recorded in the journal when, and only if, this unit of work commits.

    Args:
        store: the store to read from and commit to.
        publisher: where the collected events go on commit (optional; they are also
            kept in :attr:`published`).
    """

    def __init__(self, store: IndexedStore, *, publisher: EventPublisher | None = None) -> None:
        self._store = store
        self._publisher = publisher
        self._staged: dict[_Key, _Write] = {}
        self._events: list[DomainEvent] = []
        self._published: list[DomainEvent] = []
        self._journals: dict[int, _JournalStaging] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()

    @property
    def published(self) -> tuple[DomainEvent, ...]:
        """The events this unit of work has committed so far, oldest first."""
        return tuple(self._published)

    def repository(self, entity_type: type[EntityT]) -> IndexedRepository[EntityT]:
        """The repository of ``entity_type`` whose writes this unit of work stages."""
        return IndexedRepository(self._store, entity_type, unit_of_work=self)

    def collect(self, events: Iterable[DomainEvent]) -> None:
        """Stage events to publish when this unit of work commits.

        Raises:
            TypeMismatchError: an item is not a :class:`~servicedomain.events.DomainEvent`
                (nothing is staged).
        """
        self._events.extend(
            [_check_event(f"events[{index}]", event) for index, event in enumerate(events)]
        )

    def enlist(self, journal: Journal[KeyedT]) -> Journal[KeyedT]:
        """A view of ``journal`` whose entries are recorded only if this unit of work commits.

        The view's ``post`` answers at once, as the journal would: an entry whose key
        is recorded (or posted earlier in this unit of work) with the same content
        gets its transaction id back, and one with other content raises
        :class:`~servicedomain.errors.IdempotencyConflictError` (nothing of the call
        is staged). A new entry gets the id the journal gives next
        (``<prefix>-<recorded + staged + 1>``), so a retry after a failed commit gets
        the ids of one fault-free run. The entries are recorded in the commit's
        critical section, with the snapshots; a rollback or a failed commit records
        none of them.

        Raises:
            TypeMismatchError: ``journal`` is not an :class:`IndexedJournal` (a journal
                kept elsewhere takes part through that store's own unit of work).
        """
        if not isinstance(journal, IndexedJournal):
            raise TypeMismatchError(
                "journal", journal, "an in-memory unit of work enlists IndexedJournal journals"
            )
        return _EnlistedJournal(self, journal)

    def commit(self) -> None:
        """Apply every staged write and journal entry, or none; then publish the events.

        The staging is cleared whatever happens. Events are published only after the
        writes are committed; an error from the publisher propagates, and the writes
        stay committed.

        Raises:
            AlreadyExistsError: another unit of work committed an id this one adds.
            ConcurrencyConflictError: another unit of work committed a new version of an
                entity this one saves, or took a transaction id this one reserved.
                Nothing was written and nothing is published.
            IdempotencyConflictError: another unit of work recorded a journal key this
                one posts, with other content (nothing written).
        """
        writes, events = list(self._staged.values()), self._events
        steps = self._take_steps()
        self.rollback()
        self._store._apply(writes, steps)
        self._published.extend(events)
        if events and self._publisher is not None:
            self._publisher.publish(tuple(events))

    def rollback(self) -> None:
        """Discard the staged writes, journal entries and events."""
        self._staged = {}
        self._events = []
        self._journals = {}

    def _take_steps(self) -> list[_Step]:
        """Staged changes other than snapshots, as check-then-apply steps: the journals'."""
        return [staging.step() for staging in self._journals.values() if staging.entries]

    def _journal_staging(self, journal: IndexedJournal[Any]) -> _JournalStaging:
        staging = self._journals.get(id(journal))
        if staging is None:
            staging = self._journals[id(journal)] = _JournalStaging(journal)
        return staging

    def _get(self, entity_type: type[Any], entity_id: str) -> Entity | None:
        staged = self._staged.get((entity_type, entity_id))
        if staged is None:
            return self._store._get(entity_type, entity_id)
        return None if staged.removed else staged.entity

    def _rows(self, entity_type: type[Any]) -> dict[str, Entity]:
        rows = self._store._rows(entity_type)
        for write in self._staged.values():
            if write.entity_type is not entity_type:
                continue
            if write.removed:
                rows.pop(write.entity.id, None)
            else:
                rows[write.entity.id] = write.entity
        return rows

    def _stage(self, write: _Write) -> None:
        """Stage a write; a second write of the same entity keeps the first expectation.

        The commit checks the store against what this unit of work started from: an add
        followed by saves stays an add, and repeated saves keep the first version.
        """
        earlier = self._staged.get(write.key)
        if earlier is not None:
            write = attrs.evolve(write, expected_version=earlier.expected_version)
        self._staged[write.key] = write


class IndexedRepository(Generic[EntityT]):
    """A :class:`~servicedomain.ports.Repository` of one entity type, in memory.

    Get one from :meth:`IndexedUnitOfWork.repository` (writes are staged until the
    unit of work commits) or from :meth:`IndexedStore.repository` (each write commits
    at once). A write is checked against what the repository sees when it is made, and
    again against the store when it commits.

    Args:
        store: the store the entities live in.
        entity_type: the class of the entities (its instances and its subclasses').
        unit_of_work: the unit of work to stage writes in; ``None`` commits each write.
    """

    def __init__(
        self,
        store: IndexedStore,
        entity_type: type[EntityT],
        *,
        unit_of_work: _SnapshotUnitOfWork | None = None,
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
            InvalidInputError: the entity's id is not an id (blank, control characters,
                over 255 characters).
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
            InvalidInputError: ``entity_id`` is not an id (blank, control characters, ...).
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
        session._stage(write)
        if session is not self._unit_of_work:
            session.commit()

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

    def _session(self) -> _SnapshotUnitOfWork:
        """The unit of work to go through: this repository's, or one for a single write."""
        if self._unit_of_work is not None:
            return self._unit_of_work
        return _SnapshotUnitOfWork(self._store)

    def _write(self, entity: object, expected_version: int | None) -> None:
        """Check a write against what this repository sees, then stage it (or commit it)."""
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
        session._stage(write)
        if session is not self._unit_of_work:
            session.commit()

    def __repr__(self) -> str:
        mode = "staged" if self._unit_of_work is not None else "autocommit"
        return f"IndexedRepository({self._entity_type.__name__}, {mode})"


class IndexedJournal(InMemoryJournal[KeyedT]):
    """The reference journal, taking part in an :class:`IndexedUnitOfWork`'s commit.

    It is :class:`~servicedomain.adapters.memory.InMemoryJournal` with one more step: the
    commit of what a unit of work reserved, undone through the commit's undo log.

    ``IndexedJournal[JournalEntry]("HOUR")`` for order lines,
    ``IndexedJournal[AccrualEntry]("ACR")`` for revenue accruals. Ids, idempotency per
    key and thread safety are the reference journal's; posted through
    :meth:`IndexedUnitOfWork.enlist`, entries are recorded when that unit of work
    commits, and never if it does not (law U1).

    Args:
        prefix: the start of every transaction id, e.g. ``"HOUR"``.
    """

    def _commit_step(self, staging: _JournalStaging) -> _Step:
        """The commit step of the entries a unit of work reserved (see ``enlist``)."""
        staged: dict[Hashable, tuple[str, KeyedT]] = staging.entries
        seen = staging.seen

        def check() -> Callable[[_UndoLog], None]:
            recorded = self._entries
            # Nothing recorded since the entries were reserved (entries are only ever
            # added): every staged key is still new and its id the next one.
            new = staged if seen == len(recorded) else self._still_new(staged)

            def apply(log: _UndoLog) -> None:
                keys = list(new)
                log.on_undo(lambda: _forget(recorded, keys))
                recorded.update(new)

            return apply

        return _Step(check, (self._lock,))

    def __repr__(self) -> str:
        return f"IndexedJournal({self._prefix!r}, {len(self._entries)} entries)"


def _forget(table: dict[Hashable, Any], keys: Iterable[Hashable]) -> None:
    for key in keys:
        table.pop(key, None)


class _JournalStaging:
    """The entries a unit of work posted to one journal, with their reserved ids.

    ``seen`` is how many entries the journal held at every reservation (``-1`` once
    that changed between two of them): while the journal still holds that many at
    the commit, the reservations need no second check.
    """

    __slots__ = ("entries", "journal", "seen")

    def __init__(self, journal: IndexedJournal[Any]) -> None:
        self.journal = journal
        self.entries: dict[Hashable, tuple[str, Any]] = {}
        self.seen: int | None = None

    def saw(self, count: int) -> None:
        """Note the journal's size at a reservation (call it holding the journal's lock)."""
        if self.seen is None:
            self.seen = count
        elif self.seen != count:
            self.seen = -1

    def step(self) -> _Step:
        return self.journal._commit_step(self)


class _EnlistedJournal(Generic[KeyedT]):
    """An :class:`IndexedJournal` seen through a unit of work: posts are staged in it."""

    def __init__(self, unit_of_work: _SnapshotUnitOfWork, journal: IndexedJournal[KeyedT]) -> None:
        self._unit_of_work = unit_of_work
        self._journal = journal

    def post(self, entries: Sequence[KeyedT]) -> builtins.list[str]:
        """Stage ``entries`` in the unit of work; return the ids they will have.

        Raises:
            IdempotencyConflictError: a key is recorded or staged with other content;
                nothing of this call is staged.
        """
        journal = self._journal
        staging = self._unit_of_work._journal_staging(journal)
        with journal._lock:
            staging.saw(len(journal._entries))
            return journal._reserve(entries, staging.entries)

    def __repr__(self) -> str:
        return f"enlisted {self._journal!r}"


class IndexedServiceOrderRepository(IndexedRepository["ServiceOrder"]):
    """The in-memory repository of service orders, with the agreement query."""

    def for_agreement(self, agreement_id: str) -> builtins.list[ServiceOrder]:
        """Every order of ``agreement_id``, in id order.

        Raises:
            InvalidInputError: ``agreement_id`` is not an id (blank, control characters, ...).
            TypeMismatchError: ``agreement_id`` is not a str.
        """
        is_id.check(agreement_id, "agreement_id")
        rows = self._session()._rows(self._entity_type)
        return [
            cast("ServiceOrder", rows[key])
            for key in sorted(rows)
            if cast("ServiceOrder", rows[key]).agreement_id == agreement_id
        ]


_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


class _ByDate(Generic[_K, _V]):
    """Rows in buckets by a date, the dates kept sorted: the rows up to a day, cheaply."""

    __slots__ = ("_buckets", "_dates")

    def __init__(self) -> None:
        self._buckets: dict[date, dict[_K, _V]] = {}
        self._dates: builtins.list[date] = []

    def add(self, day: date, key: _K, row: _V, log: _UndoLog | None = None) -> None:
        bucket = self._buckets.get(day)
        if log is not None:
            log.note(self, (day, key), _MISSING if bucket is None else bucket.get(key, _MISSING))
        if bucket is None:
            bisect.insort(self._dates, day)
            bucket = self._buckets[day] = {}
        bucket[key] = row

    def discard(self, day: date, key: _K, log: _UndoLog | None = None) -> None:
        bucket = self._buckets.get(day)
        if log is not None and bucket is not None and key in bucket:
            log.note(self, (day, key), bucket[key])
        if bucket is None or bucket.pop(key, None) is None or bucket:
            return
        del self._buckets[day]
        del self._dates[bisect.bisect_left(self._dates, day)]

    def restore(self, day_and_key: tuple[date, _K], old: _V) -> None:
        """Undo a change: put the row of (day, key) back to ``old`` (``_MISSING``: none)."""
        day, key = day_and_key
        if old is _MISSING:
            self.discard(day, key)
        else:
            self.add(day, key, old)

    def through(self, day: date) -> builtins.list[_V]:
        """The rows of every date on or before ``day``, in date order."""
        buckets = self._buckets
        return [
            row
            for key in self._dates[: bisect.bisect_right(self._dates, day)]
            for row in buckets[key].values()
        ]


class _BillingTables:
    """The committed billing rows of one store, with the indexes the queries use.

    Each index is kept by :meth:`add_fee`, :meth:`add_document`, :meth:`invoice` and
    :meth:`save_accrual` (called only in the store's critical section, after every check,
    each change logged in the commit's undo log), so every query costs what it returns,
    not what the store holds.
    """

    def __init__(self) -> None:
        # Raised by every commit, before it changes anything (in the critical section).
        self.version = 0
        self.fees: dict[FeeKey, FeeTransaction] = {}
        self.fees_by_subscription: dict[str, dict[FeeKey, FeeTransaction]] = {}
        # The fees on no invoice: by id, and per customer by due date.
        self.uninvoiced: dict[str, FeeTransaction] = {}
        self.uninvoiced_by_customer: dict[str, _ByDate[str, FeeTransaction]] = {}
        self.documents: dict[str, Invoice] = {}
        self.documents_by_customer: dict[str, dict[str, Invoice]] = {}
        self.items: dict[str, InvoicedItem] = {}
        self.accruals: dict[tuple[str, int], AccrualPeriod] = {}
        self.accruals_by_source: dict[str, dict[int, AccrualPeriod]] = {}
        # The unposted accrual periods, by last day (so ``through`` is inclusive).
        self.unposted: _ByDate[tuple[str, int], AccrualPeriod] = _ByDate()

    def add_fee(self, key: FeeKey, fee: FeeTransaction, log: _UndoLog) -> None:
        """Store a fee whose key the commit checked is new (so is its id)."""
        log.add(self.fees, key, fee)
        rows = self.fees_by_subscription.get(fee.subscription_id)
        if rows is None:
            rows = {}
            log.add(self.fees_by_subscription, fee.subscription_id, rows)
        log.add(rows, key, fee)
        fee_id = fee.id
        if fee_id not in self.items:
            log.add(self.uninvoiced, fee_id, fee)
            by_customer = self.uninvoiced_by_customer.get(fee.customer_id)
            if by_customer is None:
                by_customer = _ByDate()
                log.add(self.uninvoiced_by_customer, fee.customer_id, by_customer)
            by_customer.add(fee.due_date, fee_id, fee, log)

    def add_document(self, document: Invoice, log: _UndoLog) -> None:
        """Store a document whose id the commit checked is free."""
        log.add(self.documents, document.id, document)
        rows = self.documents_by_customer.get(document.customer_id)
        if rows is None:
            rows = {}
            log.add(self.documents_by_customer, document.customer_id, rows)
        log.add(rows, document.id, document)

    def invoice(self, source_id: str, item: InvoicedItem, log: _UndoLog) -> None:
        log.put(self.items, source_id, item)
        fee = self.uninvoiced.get(source_id)
        if fee is not None:
            log.pop(self.uninvoiced, source_id)
            self.uninvoiced_by_customer[fee.customer_id].discard(fee.due_date, source_id, log)

    def save_accrual(self, key: tuple[str, int], period: AccrualPeriod, log: _UndoLog) -> None:
        before = self.accruals.get(key)
        if before is not None and before.posting_date is None:
            self.unposted.discard(before.period.last, key, log)
        log.put(self.accruals, key, period)
        rows = self.accruals_by_source.get(period.source_id)
        if rows is None:
            rows = {}
            log.put(self.accruals_by_source, period.source_id, rows)
        log.put(rows, period.number, period)
        if period.posting_date is None:
            self.unposted.add(period.period.last, key, period, log)

    def raise_version(self, log: _UndoLog) -> None:
        before = self.version
        log.on_undo(lambda: setattr(self, "version", before))
        self.version = before + 1


class IndexedUnitOfWork(_SnapshotUnitOfWork):
    """The one unit of work of every aggregate over an :class:`IndexedStore`.

    Its repositories: :meth:`repository` for any entity type, and :attr:`service_orders`,
    :attr:`agreements`, :attr:`subscriptions`, :attr:`fees`, :attr:`invoices`,
    :attr:`accruals`; journals (:class:`IndexedJournal`) take part through
    :meth:`enlist`. It implements :class:`~servicedomain.ports.AgreementUnitOfWork` and
    :class:`~servicedomain.ports.BillingUnitOfWork`, and behaves as
    :class:`~servicedomain.adapters.memory.InMemoryUnitOfWork` does: reads see the
    committed data plus this unit of work's own staged writes; leaving the ``with``
    block without :meth:`commit` rolls back; it can be used again after a commit or a
    rollback; it belongs to one thread.

    >>> from datetime import date
    >>> from servicedomain.billing import Subscription, generate_fees
    >>> from servicedomain.money import Money
    >>> from servicedomain.periods import MONTHLY
    >>> store = IndexedStore()
    >>> sub = Subscription(id="S-1", group_id="G", customer_id="C", project_id="P",
    ...     category_id="FEE", period_code=MONTHLY, base_price=Money(100, "EUR"),
    ...     start_date=date(2024, 1, 1))
    >>> with IndexedUnitOfWork(store) as uow:
    ...     uow.subscriptions.add(sub)
    ...     added = uow.fees.add_all(generate_fees(sub, as_of=date(2024, 2, 1)))
    ...     uow.commit()
    >>> len(IndexedUnitOfWork(store).fees.for_subscription("S-1"))
    2
    """

    def __init__(self, store: IndexedStore, *, publisher: EventPublisher | None = None) -> None:
        super().__init__(store, publisher=publisher)
        self._tables = store._billing
        self._clear()

    def _clear(self) -> None:
        self._staged_fees: dict[FeeKey, FeeTransaction] = {}
        self._staged_fees_by_subscription: dict[str, dict[FeeKey, FeeTransaction]] = {}
        self._staged_documents: dict[str, Invoice] = {}
        self._staged_documents_by_customer: dict[str, dict[str, Invoice]] = {}
        self._staged_items: dict[str, InvoicedItem] = {}
        self._staged_accruals: dict[tuple[str, int], AccrualPeriod] = {}
        self._staged_accruals_by_source: dict[str, dict[int, AccrualPeriod]] = {}
        # The committed accrual periods read: saves compare-and-set on them.
        self._accrual_reads: dict[tuple[str, int], AccrualPeriod] = {}
        # The tables' version when this unit of work first read them to stage a fee or
        # a document: while no commit has raised it, what was checked then still holds.
        self._read_version: int | None = None

    def _reading(self) -> None:
        """Note the tables' version before the first read that stages a fee or document."""
        if self._read_version is None:
            with self._store._lock:  # no commit half applied
                self._read_version = self._tables.version

    def rollback(self) -> None:
        """Discard every staged change."""
        super().rollback()
        self._clear()

    @property
    def service_orders(self) -> IndexedServiceOrderRepository:
        """The service orders, staged in this unit of work."""
        from servicedomain.orders import ServiceOrder  # noqa: PLC0415 (adapters stay light)

        return IndexedServiceOrderRepository(self._store, ServiceOrder, unit_of_work=self)

    @property
    def agreements(self) -> IndexedRepository[ServiceAgreement]:
        """The service agreements, staged in this unit of work."""
        from servicedomain.agreements import ServiceAgreement  # noqa: PLC0415

        return self.repository(ServiceAgreement)

    @property
    def subscriptions(self) -> IndexedRepository[Subscription]:
        """The subscriptions, staged in this unit of work."""
        from servicedomain.billing import Subscription  # noqa: PLC0415 (adapters stay light)

        return self.repository(Subscription)

    @property
    def fees(self) -> IndexedFeeRepository:
        """The fee transactions, staged in this unit of work."""
        return IndexedFeeRepository(self)

    @property
    def invoices(self) -> IndexedInvoiceRepository:
        """The invoices and credit notes, staged in this unit of work."""
        return IndexedInvoiceRepository(self)

    @property
    def accruals(self) -> IndexedAccrualRepository:
        """The accrual periods, staged in this unit of work."""
        return IndexedAccrualRepository(self)

    def _take_steps(self) -> list[_Step]:
        """The journals' steps, and the staged billing rows as one step."""
        steps = super()._take_steps()
        staged_fees = self._staged_fees
        documents = list(self._staged_documents.values())
        staged_items = self._staged_items
        accruals, accrual_reads = self._staged_accruals, self._accrual_reads
        if not (staged_fees or documents or accruals):
            return steps
        tables, read_version = self._tables, self._read_version

        def check() -> Callable[[_UndoLog], None]:
            from servicedomain.billing import new_fees, record_document  # noqa: PLC0415

            for key, period in accruals.items():
                _check_accrual(key, tables.accruals.get(key), accrual_reads.get(key), period)
            if read_version == tables.version:
                # Nothing committed since the staged fees and documents were checked
                # against the tables: the fees are all new, the items as staged.
                fresh: Iterable[tuple[FeeKey, FeeTransaction]] = staged_fees.items()
                items = staged_items
            else:
                fees = list(staged_fees.values())
                stored = [tables.fees[fee.key] for fee in fees if fee.key in tables.fees]
                fresh = [(fee.key, fee) for fee in new_fees(stored, fees)]
                items = {}
                for document in documents:
                    if document.id in tables.documents:
                        raise AlreadyExistsError("Invoice", document.id, document.version)
                    view = _Overlay(tables.items, items)
                    items.update(record_document(view, document))

            def apply(log: _UndoLog) -> None:
                tables.raise_version(log)
                for key, fee in fresh:
                    tables.add_fee(key, fee, log)
                for document in documents:
                    tables.add_document(document, log)
                for source_id, item in items.items():
                    tables.invoice(source_id, item, log)
                for period_key, period in accruals.items():
                    tables.save_accrual(period_key, period, log)

            return apply

        steps.append(_Step(check))
        return steps


class _Overlay(dict[str, "InvoicedItem"]):
    """Committed invoiced items with staged ones on top (read-only use)."""

    def __init__(self, base: dict[str, InvoicedItem], top: dict[str, InvoicedItem]) -> None:
        super().__init__()
        self._base, self._top = base, top

    def get(self, key: str, default: InvoicedItem | None = None) -> InvoicedItem | None:  # type: ignore[override]
        found = self._top.get(key)
        if found is None:
            found = self._base.get(key, default)
        return found


def _by_start(fee: FeeTransaction) -> tuple[date, str, date]:
    period = fee.period
    return (period.start, fee.kind.value, period.end)


def _by_due(fee: FeeTransaction) -> tuple[date, str]:
    return (fee.due_date, fee.id)


_by_key = attrgetter("source_id", "number")


class IndexedFeeRepository:
    """The :class:`~servicedomain.ports.FeeRepository` of an in-memory billing unit of work."""

    def __init__(self, unit_of_work: IndexedUnitOfWork) -> None:
        self._uow = unit_of_work

    def for_subscription(self, subscription_id: str) -> builtins.list[FeeTransaction]:
        """Every fee of the subscription (committed and staged), in (start, kind) order."""
        is_id.check(subscription_id, "subscription_id")
        uow = self._uow
        with uow._store._lock:
            committed = uow._tables.fees_by_subscription.get(subscription_id)
            rows = dict(committed) if committed else {}
        staged = uow._staged_fees_by_subscription.get(subscription_id)
        if staged:
            rows.update(staged)
        return sorted(rows.values(), key=_by_start)

    def add_all(self, fees: Sequence[FeeTransaction]) -> builtins.list[FeeTransaction]:
        """Stage the fees whose key is new; return those.

        Raises:
            IdempotencyConflictError: a key is stored or staged with another payload.
        """
        from servicedomain.billing import new_fees  # noqa: PLC0415

        uow = self._uow
        uow._reading()
        given = list(fees)
        staged, committed = uow._staged_fees, uow._tables.fees
        stored = []
        for fee in given:
            key = getattr(fee, "key", None)
            known = staged.get(key) if key is not None else None
            if known is None and key is not None:
                known = committed.get(key)
            if known is not None:
                stored.append(known)
        fresh = new_fees(stored, given)
        by_subscription = uow._staged_fees_by_subscription
        for fee in fresh:
            key = fee.key
            staged[key] = fee
            rows = by_subscription.get(fee.subscription_id)
            if rows is None:
                rows = by_subscription[fee.subscription_id] = {}
            rows[key] = fee
        return list(fresh)

    def due(self, *, due_by: date, customer_id: str | None = None) -> builtins.list[FeeTransaction]:
        """The fees due by ``due_by`` on no invoice (committed or staged), in due-date order."""
        require_date(due_by, "due_by")
        is_optional_id.check(customer_id, "customer_id")
        uow = self._uow
        tables = uow._tables
        found: dict[str, FeeTransaction] = {}
        with uow._store._lock:
            if customer_id is None:
                indexes: Iterable[_ByDate[str, FeeTransaction]] = list(
                    tables.uninvoiced_by_customer.values()
                )
            else:
                one = tables.uninvoiced_by_customer.get(customer_id)
                indexes = [one] if one is not None else []
            for index in indexes:
                for fee in index.through(due_by):
                    found[fee.id] = fee
        for fee in uow._staged_fees.values():
            if fee.due_date <= due_by and (customer_id is None or fee.customer_id == customer_id):
                found[fee.id] = fee
        staged_items = uow._staged_items
        rows = [fee for fee_id, fee in found.items() if fee_id not in staged_items]
        rows.sort(key=_by_due)
        return rows


class IndexedInvoiceRepository:
    """The :class:`~servicedomain.ports.InvoiceRepository` of an in-memory billing unit of work."""

    def __init__(self, unit_of_work: IndexedUnitOfWork) -> None:
        self._uow = unit_of_work

    def get(self, invoice_id: str) -> Invoice:
        """The document with this id (staged or committed)."""
        is_id.check(invoice_id, "invoice_id")
        uow = self._uow
        found = uow._staged_documents.get(invoice_id) or uow._tables.documents.get(invoice_id)
        if found is None:
            raise NotFoundError("Invoice", invoice_id)
        return found

    def add(self, document: Invoice) -> None:
        """Stage a posted invoice or credit note and the invoiced items it changes."""
        from servicedomain.billing import record_document  # noqa: PLC0415

        uow = self._uow
        uow._reading()
        if document.id in uow._staged_documents or document.id in uow._tables.documents:
            raise AlreadyExistsError("Invoice", document.id, document.version)
        changed = record_document(_Overlay(uow._tables.items, uow._staged_items), document)
        uow._staged_documents[document.id] = document
        uow._staged_documents_by_customer.setdefault(document.customer_id, {})[document.id] = (
            document
        )
        uow._staged_items.update(changed)

    def invoiced(self, source_ids: Iterable[str]) -> dict[str, InvoicedItem]:
        """The invoiced items of those sources that are invoiced.

        ``source_ids`` is any iterable of ids (a mapping by source id gives its keys, as
        iterating it does), never one id read as its characters.
        """
        uow = self._uow
        found: dict[str, InvoicedItem] = {}
        ids = tuple(source_ids) if isinstance(source_ids, Mapping) else source_ids
        for source_id in is_ids.check(ids, "source_ids"):
            item = uow._staged_items.get(source_id) or uow._tables.items.get(source_id)
            if item is not None:
                found[source_id] = item
        return found

    def list(self, *, customer_id: str | None = None) -> builtins.list[Invoice]:
        """Every document (of one customer), in id order."""
        is_optional_id.check(customer_id, "customer_id")
        uow = self._uow
        tables = uow._tables
        if customer_id is None:
            with uow._store._lock:
                rows = dict(tables.documents)
            rows.update(uow._staged_documents)
        else:
            with uow._store._lock:
                committed = tables.documents_by_customer.get(customer_id)
                rows = dict(committed) if committed else {}
            staged = uow._staged_documents_by_customer.get(customer_id)
            if staged:
                rows.update(staged)
        return [rows[key] for key in sorted(rows)]


class IndexedAccrualRepository:
    """The :class:`~servicedomain.ports.AccrualRepository` of an in-memory billing unit of work."""

    def __init__(self, unit_of_work: IndexedUnitOfWork) -> None:
        self._uow = unit_of_work

    def for_source(self, source_id: str) -> builtins.list[AccrualPeriod]:
        """The periods of one fee, in number order."""
        is_id.check(source_id, "source_id")
        uow = self._uow
        with uow._store._lock:
            committed = uow._tables.accruals_by_source.get(source_id)
            rows = dict(committed) if committed else {}
        staged = uow._staged_accruals_by_source.get(source_id)
        for number, period in rows.items():
            if not staged or number not in staged:
                uow._accrual_reads.setdefault((source_id, number), period)
        if staged:
            rows.update(staged)
        return [rows[number] for number in sorted(rows)]

    def save_all(self, periods: Sequence[AccrualPeriod]) -> None:
        """Stage the periods, replacing those with the same key (compare-and-set on what was read).

        As :meth:`servicedomain.adapters.memory.InMemoryAccrualRepository.save_all`.
        """
        uow = self._uow
        staged, by_source = uow._staged_accruals, uow._staged_accruals_by_source
        for period in periods:
            staged[period.source_id, period.number] = period
            rows = by_source.get(period.source_id)
            if rows is None:
                rows = by_source[period.source_id] = {}
            rows[period.number] = period

    def unposted_through(self, through: date) -> builtins.list[AccrualPeriod]:
        """Periods not yet posted whose last day is on or before ``through`` (inclusive)."""
        require_date(through, "through")
        uow = self._uow
        staged = uow._staged_accruals
        with uow._store._lock:
            committed = uow._tables.unposted.through(through)
        reads = uow._accrual_reads
        for period in committed:
            key = _by_key(period)
            if key not in staged:
                reads.setdefault(key, period)
        if staged:
            rows = [period for period in committed if _by_key(period) not in staged]
            rows.extend(
                period
                for period in staged.values()
                if period.posting_date is None and period.period.last <= through
            )
        else:
            rows = committed
        rows.sort(key=_by_key)
        return rows
