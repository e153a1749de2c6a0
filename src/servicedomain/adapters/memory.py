"""In-memory adapters: the reference implementation of the repository ports.

* :class:`InMemoryStore` is the "database": committed snapshots, one table per entity
  type, behind a lock, so several threads can share one store.
* :class:`InMemoryUnitOfWork` stages writes and commits them all or none: under the
  store's lock it re-checks every expected version (and that every added id is still
  free) before it applies anything, and if applying fails part-way it puts back what
  it applied (law U1). Events collected in it are published on commit; entries posted
  to the journals it enlists (:meth:`InMemoryUnitOfWork.enlist`) are recorded in the
  same critical section, and only if it commits.
* :class:`InMemoryRepository` implements :class:`~servicedomain.ports.Repository` over
  one table, through a unit of work (writes are staged) or on its own (each write
  commits at once).
* :class:`InMemoryEventPublisher` records the events published to it.
* :class:`InMemoryJournal` records journal entries, idempotent per key: posted on its
  own, or enlisted in a unit of work.

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
from collections.abc import Callable, Hashable, Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, TypeVar, cast

import attrs

from servicedomain._checks import require_id
from servicedomain.errors import (
    AlreadyExistsError,
    ConcurrencyConflictError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
    TypeMismatchError,
)
from servicedomain.events import DomainEvent
from servicedomain.ports import Entity, EventPublisher, Journal, KeyedEntry

if TYPE_CHECKING:
    from servicedomain.agreements import ServiceAgreement
    from servicedomain.orders import ServiceOrder

__all__ = [
    "InMemoryEventPublisher",
    "InMemoryJournal",
    "InMemoryRepository",
    "InMemoryServiceOrderRepository",
    "InMemoryServiceUnitOfWork",
    "InMemoryStore",
    "InMemoryUnitOfWork",
]

EntityT = TypeVar("EntityT", bound=Entity)
KeyedT = TypeVar("KeyedT", bound=KeyedEntry)


def _check_version(field: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeMismatchError(field, value, "a version is an int")


def _check_limit(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeMismatchError("limit", value, "a limit is an int")
    if value < 1:
        raise InvalidInputError("limit", value, "a limit is at least 1")


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


class InMemoryStore:
    """Committed snapshots in memory, one table per entity type.

    Reads and commits hold one lock, so a reader never sees half of a commit and
    concurrent commits are checked and applied one at a time. Share one store between
    threads; give each thread its own :class:`InMemoryUnitOfWork`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[type[Any], dict[str, Entity]] = {}

    def repository(self, entity_type: type[EntityT]) -> InMemoryRepository[EntityT]:
        """A repository of ``entity_type`` whose writes commit at once, one by one."""
        return InMemoryRepository(self, entity_type)

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
            appliers = [step.check() for step in steps]
            log = _UndoLog()
            try:
                for apply in appliers:
                    apply(log)
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


class InMemoryUnitOfWork:
    """A unit of work over an :class:`InMemoryStore`: stages writes, commits all or none.

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

    def __init__(self, store: InMemoryStore, *, publisher: EventPublisher | None = None) -> None:
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

    def repository(self, entity_type: type[EntityT]) -> InMemoryRepository[EntityT]:
        """The repository of ``entity_type`` whose writes this unit of work stages."""
        return InMemoryRepository(self._store, entity_type, unit_of_work=self)

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
            TypeMismatchError: ``journal`` is not an :class:`InMemoryJournal` (a journal
                kept elsewhere takes part through that store's own unit of work).
        """
        if not isinstance(journal, InMemoryJournal):
            raise TypeMismatchError(
                "journal", journal, "an in-memory unit of work enlists InMemoryJournal journals"
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

    def _journal_staging(self, journal: InMemoryJournal[Any]) -> _JournalStaging:
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


class InMemoryServiceUnitOfWork(InMemoryUnitOfWork):
    """An :class:`InMemoryUnitOfWork` with the typed repositories the services use.

    It implements :class:`~servicedomain.ports.ServiceOrderUnitOfWork` and
    :class:`~servicedomain.ports.AgreementUnitOfWork`.
    """

    @property
    def service_orders(self) -> InMemoryServiceOrderRepository:
        """The service orders, staged in this unit of work."""
        from servicedomain.orders import ServiceOrder  # noqa: PLC0415 (adapters stay light)

        return InMemoryServiceOrderRepository(self._store, ServiceOrder, unit_of_work=self)

    @property
    def agreements(self) -> InMemoryRepository[ServiceAgreement]:
        """The service agreements, staged in this unit of work."""
        from servicedomain.agreements import ServiceAgreement  # noqa: PLC0415

        return self.repository(ServiceAgreement)


class InMemoryRepository(Generic[EntityT]):
    """A :class:`~servicedomain.ports.Repository` of one entity type, in memory.

    Get one from :meth:`InMemoryUnitOfWork.repository` (writes are staged until the
    unit of work commits) or from :meth:`InMemoryStore.repository` (each write commits
    at once). A write is checked against what the repository sees when it is made, and
    again against the store when it commits.

    Args:
        store: the store the entities live in.
        entity_type: the class of the entities (its instances and its subclasses').
        unit_of_work: the unit of work to stage writes in; ``None`` commits each write.
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
        require_id(entity_id, "entity_id")
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
        require_id(entity_id, "entity_id")
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
            require_id(after_id, "after_id")
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

    def _write(self, entity: object, expected_version: int | None) -> None:
        """Check a write against what this repository sees, then stage it (or commit it)."""
        if not isinstance(entity, self._entity_type):
            raise TypeMismatchError(
                "entity", entity, f"this repository holds {self._entity_type.__name__} values"
            )
        require_id(entity.id, "id")
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
        return f"InMemoryRepository({self._entity_type.__name__}, {mode})"


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
        self._prefix = require_id(prefix, "prefix")
        self._lock = threading.Lock()
        self._by_key: dict[Hashable, tuple[str, KeyedT]] = {}

    @property
    def recorded(self) -> tuple[tuple[str, KeyedT], ...]:
        """Every (transaction id, entry) recorded so far, in posting order."""
        with self._lock:
            return tuple(self._by_key.values())

    def post(self, entries: Sequence[KeyedT]) -> builtins.list[str]:
        """Record ``entries`` and return their transaction ids, in order.

        Raises:
            IdempotencyConflictError: a key is already recorded with other content.
        """
        with self._lock:
            staged: dict[Hashable, tuple[str, KeyedT]] = {}
            ids = self._reserve(entries, staged)
            self._by_key.update(staged)
            return ids

    def _reserve(
        self, entries: Sequence[KeyedT], staged: dict[Hashable, tuple[str, KeyedT]]
    ) -> builtins.list[str]:
        """The ids of ``entries``; new ones go into ``staged`` with the next free ids.

        Call it holding the lock. ``staged`` holds what is reserved but not recorded
        yet; on a conflict it is left as it was.

        Raises:
            IdempotencyConflictError: a key recorded or staged with other content.
        """
        fresh: dict[Hashable, tuple[str, KeyedT]] = {}
        ids: builtins.list[str] = []
        for entry in entries:
            key = entry.key
            known = self._by_key.get(key) or staged.get(key) or fresh.get(key)
            if known is not None:
                _check_same_entry(key, known[1], entry)
                ids.append(known[0])
                continue
            transaction_id = self._transaction_id(len(self._by_key) + len(staged) + len(fresh) + 1)
            fresh[key] = (transaction_id, entry)
            ids.append(transaction_id)
        staged.update(fresh)
        return ids

    def _transaction_id(self, number: int) -> str:
        return f"{self._prefix}-{number:06d}"

    def _commit_step(self, staging: _JournalStaging) -> _Step:
        """The commit step of the entries a unit of work reserved (see ``enlist``)."""
        staged: dict[Hashable, tuple[str, KeyedT]] = staging.entries
        seen = staging.seen

        def check() -> Callable[[_UndoLog], None]:
            recorded = self._by_key
            # Nothing recorded since the entries were reserved (entries are only ever
            # added): every staged key is still new and its id the next one.
            new = staged if seen == len(recorded) else self._still_free(staged)

            def apply(log: _UndoLog) -> None:
                keys = list(new)
                log.on_undo(lambda: _forget(recorded, keys))
                recorded.update(new)

            return apply

        return _Step(check, (self._lock,))

    def _still_free(
        self, staged: dict[Hashable, tuple[str, KeyedT]]
    ) -> dict[Hashable, tuple[str, KeyedT]]:
        """The staged entries not recorded yet, once checked against what is recorded now.

        Raises:
            IdempotencyConflictError: a staged key was recorded with other content.
            ConcurrencyConflictError: a reserved id was given to another entry.
        """
        recorded = self._by_key
        number = len(recorded)
        new: dict[Hashable, tuple[str, KeyedT]] = {}
        for key, (transaction_id, entry) in staged.items():
            known = recorded.get(key)
            if known is not None:
                _check_same_entry(key, known[1], entry)
                if known[0] != transaction_id:
                    raise ConcurrencyConflictError(
                        f"journal {self._prefix}", known[0], None, len(recorded)
                    )
                continue  # recorded by a concurrent commit, as reserved
            number += 1
            if transaction_id != self._transaction_id(number):
                raise ConcurrencyConflictError(
                    f"journal {self._prefix}", transaction_id, number - 1, len(recorded)
                )
            new[key] = (transaction_id, entry)
        return new

    def __repr__(self) -> str:
        return f"InMemoryJournal({self._prefix!r}, {len(self._by_key)} entries)"


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

    def __init__(self, journal: InMemoryJournal[Any]) -> None:
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
    """An :class:`InMemoryJournal` seen through a unit of work: posts are staged in it."""

    def __init__(self, unit_of_work: InMemoryUnitOfWork, journal: InMemoryJournal[KeyedT]) -> None:
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
            staging.saw(len(journal._by_key))
            return journal._reserve(entries, staging.entries)

    def __repr__(self) -> str:
        return f"enlisted {self._journal!r}"


def _check_same_entry(key: object, stored: object, given: object) -> None:
    """Raise IdempotencyConflictError naming the first field where two entries differ."""
    if stored == given:
        return
    for field in attrs.fields(cast("type[attrs.AttrsInstance]", type(stored))):
        stored_value, given_value = getattr(stored, field.name), getattr(given, field.name)
        if stored_value != given_value:
            raise IdempotencyConflictError(key, field.name, stored_value, given_value)
    raise IdempotencyConflictError(key, "entry", stored, given)


class InMemoryServiceOrderRepository(InMemoryRepository["ServiceOrder"]):
    """The in-memory repository of service orders, with the agreement query."""

    def for_agreement(self, agreement_id: str) -> builtins.list[ServiceOrder]:
        """Every order of ``agreement_id``, in id order.

        Raises:
            InvalidInputError: ``agreement_id`` is not an id (blank, control characters, ...).
            TypeMismatchError: ``agreement_id`` is not a str.
        """
        require_id(agreement_id, "agreement_id")
        rows = self._session()._rows(self._entity_type)
        return [
            cast("ServiceOrder", rows[key])
            for key in sorted(rows)
            if cast("ServiceOrder", rows[key]).agreement_id == agreement_id
        ]
