"""The SQL store, its unit of work and repositories, journals and the outbox.

A unit of work reads without holding a transaction and holds its writes; its commit
opens one short write transaction, checks every held write against the rows (versions,
free ids, fee keys, invoiced sources, journal keys and numbers), applies them with
compare-and-set statements and inserts the events into the outbox, then commits. A
unique key or version check that a concurrent commit beat raises
:class:`~servicedomain.errors.ConcurrencyConflictError`; any driver failure raises
:class:`~servicedomain.errors.StorageError`; either way nothing is written.
"""

from __future__ import annotations

import builtins
import contextlib
import re
from collections import ChainMap
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Generic, NoReturn, Self, TypeVar, cast

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from servicedomain import serialization
from servicedomain._checks import in_, is_id, is_ids, is_optional_id, is_str
from servicedomain.adapters.dispatch_store import (
    StoredDispatchTeams,
    StoredRequirement,
    StoredRequirements,
    StoredTeams,
)
from servicedomain.adapters.memory import (
    _check_accrual,
    _check_limit,
    _check_same_entry,
    _check_version,
)
from servicedomain.adapters.sql import _schema as schema
from servicedomain.adapters.sql._codecs import (
    FEE_COLUMNS,
    Codec,
    codec_of,
    fee_from_row,
    fee_text_rows,
    fee_values,
)
from servicedomain.adapters.sql._engine import WRITE, create_engine, driver_errors
from servicedomain.adapters.template_store import StoredTemplateBom, StoredTemplateBoms
from servicedomain.agreements import ServiceAgreement
from servicedomain.billing import (
    AccrualPeriod,
    FeeTransaction,
    Invoice,
    InvoicedItem,
    Subscription,
    new_fees,
    record_document,
)
from servicedomain.dispatch import Booking, DispatchTeams, Requirement, Technician
from servicedomain.errors import (
    AlreadyExistsError,
    BillingRuleError,
    ConcurrencyConflictError,
    InvalidInputError,
    NotFoundError,
    TypeMismatchError,
)
from servicedomain.events import DomainEvent
from servicedomain.instants import require_date
from servicedomain.orders import ServiceOrder
from servicedomain.ports import Entity, EventPublisher, Journal, KeyedEntry
from servicedomain.repairs import ServiceBom, ServiceObject, TemplateBom
from servicedomain.requests import RequestStatus, ServiceRequest

if TYPE_CHECKING:
    from servicedomain.adapters.sql._dispatch import SqlBookingRepository

__all__ = [
    "SqlAccrualRepository",
    "SqlFeeRepository",
    "SqlInvoiceRepository",
    "SqlJournal",
    "SqlRepository",
    "SqlServiceBomRepository",
    "SqlServiceObjectRepository",
    "SqlServiceOrderRepository",
    "SqlServiceRequestRepository",
    "SqlStore",
    "SqlUnitOfWork",
    "open_store",
]

EntityT = TypeVar("EntityT", bound=Entity)
KeyedT = TypeVar("KeyedT", bound=KeyedEntry)

_CHUNK: Final = 500  # ids per IN (...) list
_NUMBERED: Final = re.compile(r"^(?P<series>.+)-(?P<number>[1-9][0-9]{0,17})$")
_INVOICE: Final = codec_of(Invoice)
_ITEM: Final = codec_of(InvoicedItem)
_PERIOD: Final = codec_of(AccrualPeriod)


def chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


@attrs.frozen
class _Kind:
    """Where one entity type is stored: its table, codec and indexed columns."""

    table: sa.Table
    codec: Codec[Any]
    columns: tuple[str, ...] = ()
    type_name: str | None = None  # the entity_type of the shared ``entities`` table
    derived: Callable[[Any], Mapping[str, Any]] | None = None  # columns computed from it

    def where(self, *clauses: sa.ColumnElement[bool]) -> list[sa.ColumnElement[bool]]:
        if self.type_name is None:
            return list(clauses)
        return [self.table.c.entity_type == self.type_name, *clauses]

    def row(self, entity: Any) -> dict[str, Any]:
        row = {
            "id": entity.id,
            "version": entity.version,
            "schema_version": self.codec.schema_version,
            "body": self.codec.encode(entity),
        }
        for column in self.columns:
            row[column] = getattr(entity, column)
        if self.derived is not None:
            row.update(self.derived(entity))
        if self.type_name is not None:
            row["entity_type"] = self.type_name
        return row


_BUILT_IN: Final[dict[type[Any], tuple[sa.Table, tuple[str, ...]]]] = {
    ServiceAgreement: (schema.agreements, ("customer_id",)),
    ServiceOrder: (schema.service_orders, ("customer_id", "agreement_id", "request_id")),
    ServiceRequest: (schema.service_requests, ("customer_id", "idempotency_key")),
    Subscription: (schema.subscriptions, ("customer_id", "group_id")),
    ServiceObject: (schema.service_objects, ("group_id", "item_id", "serial_number")),
    ServiceBom: (schema.service_boms, ("relation_id", "service_object_id")),
    StoredTemplateBom: (schema.template_boms, ()),
    Technician: (schema.technicians, ("name",)),
    StoredDispatchTeams: (schema.dispatch_teams, ()),
    StoredRequirement: (schema.requirements, ()),
    Booking: (schema.bookings, ()),
}


def _requirement_columns(stored: StoredRequirement) -> dict[str, Any]:
    need = stored.requirement
    return {
        "order_id": need.order_id,
        "window_start": need.window.start,
        "window_end": need.window.end,
    }


def _booking_columns(booking: Booking) -> dict[str, Any]:
    return {
        "technician_id": booking.technician_id,
        "requirement_id": booking.requirement_id,
        "start_at": booking.start,
        "end_at": booking.end,
        "busy_start": booking.busy.start,
        "status": booking.status.value,
    }


_DERIVED: Final[dict[type[Any], Callable[[Any], Mapping[str, Any]]]] = {
    StoredRequirement: _requirement_columns,
    Booking: _booking_columns,
    ServiceRequest: lambda request: {"status": request.status.value},
}
_TEMPLATE_CODEC: Final = Codec(
    StoredTemplateBom,
    lambda stored: serialization.to_dict(stored.template),
    lambda data: StoredTemplateBom(serialization.from_dict(TemplateBom, data)),
    schema_version=serialization.SCHEMA_VERSIONS[TemplateBom],
)
_REQUIREMENT_CODEC: Final = Codec(
    StoredRequirement,
    lambda stored: serialization.to_dict(stored.requirement),
    lambda data: StoredRequirement(serialization.from_dict(Requirement, data)),
    schema_version=serialization.SCHEMA_VERSIONS[Requirement],
)
# The teams' document holds their version: a decoded document is the whole entity.
_TEAMS_CODEC: Final = Codec(
    StoredDispatchTeams,
    lambda stored: {"version": stored.version, "teams": serialization.to_dict(stored.teams)},
    lambda data: StoredDispatchTeams(
        serialization.from_dict(DispatchTeams, data["teams"]), data["version"]
    ),
    schema_version=serialization.SCHEMA_VERSIONS[DispatchTeams],
)
_CODECS: Final[dict[type[Any], Codec[Any]]] = {
    StoredTemplateBom: _TEMPLATE_CODEC,
    StoredRequirement: _REQUIREMENT_CODEC,
    StoredDispatchTeams: _TEAMS_CODEC,
}


class SqlStore:
    """A database that holds every port's rows: the SQL adapter's "store".

    Build one with :func:`open_store` (from a URL) or from a SQLAlchemy engine. Share it
    between threads; give each thread (or each request) its own :class:`SqlUnitOfWork`.

    Args:
        engine: the engine (see :func:`open_store` for the settings SQLite needs).
        codecs: a :class:`~servicedomain.adapters.sql.Codec` for each entity type of
            the host's own that the store keeps (the library's types need none).
    """

    def __init__(self, engine: sa.Engine, *, codecs: Iterable[Codec[Any]] = ()) -> None:
        if not isinstance(engine, sa.Engine):
            raise TypeMismatchError("engine", engine, "expected a SQLAlchemy Engine")
        self._engine = engine
        given = list(codecs)
        for index, codec in enumerate(given):
            if not isinstance(codec, Codec):
                raise TypeMismatchError(f"codecs[{index}]", codec, "expected a Codec")
        self._codecs: dict[type[Any], Codec[Any]] = {codec.type: codec for codec in given}
        self._kinds: dict[type[Any], _Kind] = {}

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine."""
        return self._engine

    def create_tables(self) -> None:
        """Create the tables, or upgrade them to this release: the shipped migrations.

        The same as :func:`servicedomain.adapters.sql.migrate.upgrade` on this store's
        engine (it records the revision, so later upgrades go on from it).

        Raises:
            StorageError: the database failed or refused the migration.
        """
        from servicedomain.adapters.sql.migrate import upgrade  # noqa: PLC0415 (Alembic: lazily)

        upgrade(self._engine)

    def dispose(self) -> None:
        """Close the engine's pooled connections."""
        self._engine.dispose()

    def row_counts(self) -> dict[str, int]:
        """How many rows each servicedomain table holds, by table name (in creation order).

        Raises:
            StorageError: the database failed (or has no servicedomain tables).
        """
        with self._reading("count rows") as connection:
            return {
                table.name: connection.execute(
                    sa.select(sa.func.count()).select_from(table)
                ).scalar_one()
                for table in schema.metadata.sorted_tables
            }

    def repository(self, entity_type: type[EntityT]) -> SqlRepository[EntityT]:
        """A repository of ``entity_type`` whose writes commit at once, one by one."""
        return SqlRepository(self, entity_type)

    def unit_of_work(self, *, publisher: EventPublisher | None = None) -> SqlUnitOfWork:
        """A new unit of work over this store."""
        return SqlUnitOfWork(self, publisher=publisher)

    def __repr__(self) -> str:
        return f"SqlStore({self._engine.url.render_as_string(hide_password=True)!r})"

    # ------------------------------------------------------------------ plumbing

    def _kind(self, entity_type: type[Any]) -> _Kind:
        kind = self._kinds.get(entity_type)
        if kind is not None:
            return kind
        codec = self._codecs.get(entity_type)
        built_in = _BUILT_IN.get(entity_type)
        if built_in is not None:
            if codec is None:
                codec = _CODECS.get(entity_type) or codec_of(entity_type)
            kind = _Kind(built_in[0], codec, built_in[1], derived=_DERIVED.get(entity_type))
        else:
            if codec is None:
                if entity_type not in serialization.SCHEMA_VERSIONS:
                    raise TypeMismatchError(
                        "entity_type",
                        entity_type,
                        "the store has no Codec for this type (give one to SqlStore(codecs=...))",
                    )
                codec = codec_of(entity_type)
            kind = _Kind(schema.entities, codec, (), codec.name)
        self._kinds[entity_type] = kind
        return kind

    @contextlib.contextmanager
    def _reading(self, what: str) -> Iterator[sa.Connection]:
        """A connection in a short read transaction."""
        with driver_errors(what), self._engine.connect() as connection:
            yield connection

    @contextlib.contextmanager
    def _writing(self, what: str) -> Iterator[sa.Connection]:
        """A connection in a write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
        with driver_errors(what), self._engine.connect() as connection:
            connection.execution_options(**{WRITE: True})
            with connection.begin():
                yield connection

    def _load(self, connection: sa.Connection, kind: _Kind, entity_id: str) -> Entity | None:
        table = kind.table
        row = connection.execute(
            sa.select(table.c.body).where(*kind.where(table.c.id == entity_id))
        ).first()
        return None if row is None else cast("Entity", kind.codec.decode(row.body))


def open_store(
    url: str | sa.URL, *, codecs: Iterable[Codec[Any]] = (), create_tables: bool = False
) -> SqlStore:
    """A store on the database at ``url``: ``sqlite:///path.db`` or ``postgresql://...``.

    SQLite (the embedded default, nothing to install) runs in WAL mode with a busy
    timeout and takes its write lock when a write transaction begins (``BEGIN
    IMMEDIATE``), so one writer commits at a time and readers never wait.
    PostgreSQL (``pip install 'servicedomain[postgresql]'``) runs under READ COMMITTED;
    many processes may share it.

    The database must have the tables of this release: upgrade it with
    :func:`servicedomain.adapters.sql.migrate.upgrade` (or ``servicedomain db
    upgrade``) when it is installed, or give ``create_tables=True``, which does the
    same when the store opens.

    >>> store = open_store("sqlite://", create_tables=True)
    >>> with store.unit_of_work() as uow:
    ...     uow.invoices.list()
    []

    Raises:
        InvalidInputError: ``url`` is not a SQLite or PostgreSQL URL, or its driver is
            not installed; ``create_tables`` on a database a newer release upgraded.
        StorageError: ``create_tables`` and the database failed.
    """
    store = SqlStore(create_engine(url), codecs=codecs)
    if create_tables:
        store.create_tables()
    return store


@attrs.frozen
class _Write:
    """A held snapshot write: ``expected_version`` is ``None`` for an add."""

    entity_type: type[Any]
    entity: Entity
    expected_version: int | None
    removed: bool = False

    def check(self, current_version: int | None) -> None:
        """Raise unless a row at ``current_version`` (``None``: no row) takes this write."""
        name, entity_id = self.entity_type.__name__, self.entity.id
        if self.expected_version is None:
            if current_version is not None:
                raise AlreadyExistsError(name, entity_id, current_version)
        elif current_version is None:
            raise NotFoundError(name, entity_id)
        elif current_version != self.expected_version:
            raise ConcurrencyConflictError(name, entity_id, self.expected_version, current_version)


class SqlUnitOfWork:
    """The one unit of work of every aggregate on a :class:`SqlStore`: all or nothing.

    Its repositories: :meth:`repository` for any entity type the store knows, and
    :attr:`service_orders`, :attr:`agreements`, :attr:`subscriptions`, :attr:`fees`,
    :attr:`invoices`, :attr:`accruals`, :attr:`service_objects`, :attr:`service_boms`,
    :attr:`template_boms`, :attr:`service_requests`; :class:`SqlJournal` journals of the
    same store take part through :meth:`enlist`. It implements
    :class:`~servicedomain.ports.AgreementUnitOfWork`,
    :class:`~servicedomain.ports.BillingUnitOfWork`,
    :class:`~servicedomain.ports.RepairUnitOfWork` and
    :class:`~servicedomain.ports.RequestUnitOfWork`.

    Reads see the committed rows with this unit of work's own writes on top; writes
    are held until :meth:`commit`, which applies them in one transaction and writes
    the collected events to the outbox in it. Leaving the ``with`` block without a
    commit rolls back; after a commit or rollback the unit of work starts afresh. A
    unit of work belongs to one thread.

    Args:
        store: the store to read from and commit to.
        publisher: where the collected events go after a commit (optional; they are
            in the outbox either way, and in :attr:`published`).
    """

    def __init__(self, store: SqlStore, *, publisher: EventPublisher | None = None) -> None:
        if not isinstance(store, SqlStore):
            raise TypeMismatchError("store", store, "expected a SqlStore")
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
        self._fees: dict[str, FeeTransaction] = {}  # by id: the key as text
        self._documents: dict[str, Invoice] = {}
        self._items: dict[str, InvoicedItem] = {}
        self._accruals: dict[tuple[str, int], AccrualPeriod] = {}
        # The stored accrual periods this unit of work read: saves compare-and-set on them.
        self._accrual_reads: dict[tuple[str, int], AccrualPeriod] = {}
        self._posts: dict[int, tuple[SqlJournal[Any], dict[Hashable, tuple[str, Any]]]] = {}
        self._events: list[tuple[DomainEvent, dict[str, Any]]] = []
        # Dispatch: the schedule versions read, and the technicians whose bookings change.
        self._schedule_reads: dict[str, int] = {}
        self._schedule_writes: set[str] = set()

    # ---------------------------------------------------------------- repositories

    def repository(self, entity_type: type[EntityT]) -> SqlRepository[EntityT]:
        """The repository of ``entity_type`` whose writes this unit of work holds."""
        return SqlRepository(self._store, entity_type, unit_of_work=self)

    @property
    def service_orders(self) -> SqlServiceOrderRepository:
        """The service orders."""
        return SqlServiceOrderRepository(self._store, ServiceOrder, unit_of_work=self)

    @property
    def agreements(self) -> SqlRepository[ServiceAgreement]:
        """The service agreements."""
        return self.repository(ServiceAgreement)

    @property
    def subscriptions(self) -> SqlRepository[Subscription]:
        """The subscriptions."""
        return self.repository(Subscription)

    @property
    def fees(self) -> SqlFeeRepository:
        """The fee transactions."""
        return SqlFeeRepository(self)

    @property
    def invoices(self) -> SqlInvoiceRepository:
        """The invoices and credit notes, and the invoiced items they record."""
        return SqlInvoiceRepository(self)

    @property
    def accruals(self) -> SqlAccrualRepository:
        """The accrual periods."""
        return SqlAccrualRepository(self)

    @property
    def service_objects(self) -> SqlServiceObjectRepository:
        """The service objects."""
        return SqlServiceObjectRepository(self._store, ServiceObject, unit_of_work=self)

    @property
    def service_requests(self) -> SqlServiceRequestRepository:
        """The customer service requests, one per idempotency key of a customer."""
        return SqlServiceRequestRepository(self._store, ServiceRequest, unit_of_work=self)

    @property
    def service_boms(self) -> SqlServiceBomRepository:
        """The service BOMs, each with its history."""
        return SqlServiceBomRepository(self._store, ServiceBom, unit_of_work=self)

    @property
    def template_boms(self) -> StoredTemplateBoms:
        """The template BOMs, by id."""
        return StoredTemplateBoms(self.repository(StoredTemplateBom))

    @property
    def technicians(self) -> SqlRepository[Technician]:
        """The technicians."""
        return self.repository(Technician)

    @property
    def dispatch_teams(self) -> StoredTeams:
        """The dispatch teams, one versioned document."""
        return StoredTeams(self.repository(StoredDispatchTeams))

    @property
    def requirements(self) -> StoredRequirements:
        """The requirements, by id (:meth:`~StoredRequirements.undispatched` in one query)."""
        from servicedomain.adapters.sql._dispatch import SqlRequirements  # noqa: PLC0415

        return SqlRequirements(self.repository(StoredRequirement), self.bookings)

    @property
    def bookings(self) -> SqlBookingRepository:
        """The bookings, with the technicians' schedule versions."""
        from servicedomain.adapters.sql._dispatch import SqlBookingRepository  # noqa: PLC0415

        return SqlBookingRepository(self._store, Booking, unit_of_work=self)

    def enlist(self, journal: Journal[KeyedT]) -> Journal[KeyedT]:
        """A view of ``journal`` whose entries are recorded only if this unit of work commits.

        The view answers at once as the journal would (idempotent per key against what
        is recorded and held here; new entries get ``<prefix>-<recorded + held + 1>``);
        the commit records them in its transaction and checks the numbers are still
        free, so a retry after a failure gets the ids of one fault-free run.

        Raises:
            TypeMismatchError: ``journal`` is not a :class:`SqlJournal` of this store.
        """
        if not isinstance(journal, SqlJournal) or journal._store is not self._store:
            raise TypeMismatchError(
                "journal", journal, "a SQL unit of work enlists SqlJournal journals of its store"
            )
        return _EnlistedJournal(self, journal)

    # ---------------------------------------------------------------------- events

    @property
    def published(self) -> tuple[DomainEvent, ...]:
        """The events this unit of work has committed so far, oldest first."""
        return tuple(self._published)

    def collect(self, events: Iterable[DomainEvent]) -> None:
        """Hold events to write to the outbox (and publish) when this unit of work commits.

        Raises:
            TypeMismatchError: an item is not a :class:`~servicedomain.events.DomainEvent`
                the serialization can write (nothing is held).
        """
        given: list[object] = list(events)
        encoded: list[tuple[DomainEvent, dict[str, Any]]] = []
        for index, event in enumerate(given):
            if (
                not isinstance(event, DomainEvent)
                or type(event) not in serialization.SCHEMA_VERSIONS
            ):
                raise TypeMismatchError(
                    f"events[{index}]", event, "expected a DomainEvent of servicedomain's"
                )
            encoded.append((event, serialization.to_dict(event)))
        self._events.extend(encoded)

    # ---------------------------------------------------------------------- commit

    def commit(self) -> None:
        """Check and apply every held write in one transaction; then publish the events.

        Raises:
            AlreadyExistsError: an added id (entity or document) is taken.
            ConcurrencyConflictError: an entity is no longer at its expected version, a
                unique key, journal number or document number was taken by a
                concurrent commit, a written service object holds a relation id
                another object holds (law R8, the key of migration 0004), or a written
                request holds its customer's idempotency key of another request, or a
                written order the request id of another order (law Q1, migration 0005).
            IdempotencyConflictError: a fee key or journal key is stored with other content.
            AlreadyInvoicedError, CreditExceededError, BillingRuleError: a document no
                longer fits the invoiced items, or breaks its number series.
            StorageError: the database failed; nothing was written (unless the
                connection was lost in the commit's own reply: see StorageError).
        """
        writes, fees, documents = list(self._writes.values()), self._fees, self._documents
        accruals, posts, events = self._accruals, list(self._posts.values()), self._events
        accrual_reads = self._accrual_reads
        schedules = {key: self._schedule_reads[key] for key in sorted(self._schedule_writes)}
        self.rollback()
        if writes or fees or documents or accruals or posts or events or schedules:
            with self._store._writing("commit") as connection:
                _apply_writes(connection, self._store, writes)
                _apply_schedules(connection, schedules)
                _apply_fees(connection, list(fees.values()))
                _apply_documents(connection, list(documents.values()))
                _apply_accruals(connection, accruals, accrual_reads)
                for journal, held in posts:
                    journal._record(connection, held)
                if events:
                    connection.execute(
                        schema.outbox.insert(),
                        [
                            {
                                "entity_id": event.entity_id,
                                "event_type": type(event).__name__,
                                "occurred_at": event.occurred_at,
                                "body": body,
                                "published_at": None,
                            }
                            for event, body in events
                        ],
                    )
        committed = tuple(event for event, _ in events)
        self._published.extend(committed)
        if committed and self._publisher is not None:
            self._publisher.publish(committed)

    # ------------------------------------------------------------- for repositories

    def _get(self, entity_type: type[Any], entity_id: str) -> Entity | None:
        held = self._writes.get((entity_type, entity_id))
        if held is not None:
            return None if held.removed else held.entity
        kind = self._store._kind(entity_type)
        with self._store._reading(f"read {entity_type.__name__}") as connection:
            return self._store._load(connection, kind, entity_id)

    def _held(self, entity_type: type[Any]) -> dict[str, _Write]:
        return {
            entity_id: write
            for (held_type, entity_id), write in self._writes.items()
            if held_type is entity_type
        }

    def _read_schedule(self, technician_id: str) -> None:
        """Remember the technician's schedule version, the first time it is read here."""
        if technician_id in self._schedule_reads:
            return
        table = schema.technician_schedules
        with self._store._reading("read a technician's schedule") as connection:
            found = connection.execute(
                sa.select(table.c.version).where(table.c.technician_id == technician_id)
            ).scalar_one_or_none()
        self._schedule_reads[technician_id] = 0 if found is None else int(found)

    def _touch_schedule(self, technician_id: str) -> None:
        """Mark the technician's schedule changed: the commit compares and bumps it."""
        self._read_schedule(technician_id)
        self._schedule_writes.add(technician_id)

    def _hold(self, write: _Write) -> None:
        """Hold a write; a second write of one entity keeps the first expectation.

        A booking write (through any repository of bookings) marks the schedules it
        changes: its technician's, and the technician it had before.
        """
        if write.entity_type is Booking:
            technicians = {cast("Booking", write.entity).technician_id}
            if write.expected_version is not None:
                before = self._get(Booking, write.entity.id)
                if isinstance(before, Booking):
                    technicians.add(before.technician_id)
            for technician_id in sorted(technicians):
                self._touch_schedule(technician_id)
        key = (write.entity_type, write.entity.id)
        earlier = self._writes.get(key)
        if earlier is not None:
            write = attrs.evolve(write, expected_version=earlier.expected_version)
        self._writes[key] = write


def _versions(connection: sa.Connection, kind: _Kind, ids: Sequence[str]) -> dict[str, int]:
    table, found = kind.table, {}
    for chunk in chunks(ids):
        query = sa.select(table.c.id, table.c.version).where(*kind.where(table.c.id.in_(chunk)))
        if connection.dialect.name == "postgresql":
            query = query.with_for_update()
        found.update({row.id: row.version for row in connection.execute(query)})
    return found


def _insert_documents(
    connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert document rows (one shape) in one driver ``executemany``, no per-row statement.

    The columns but ``body`` hold what the driver takes as it is (ids, versions); the
    body goes as its JSON text (``jsonb`` on PostgreSQL, text on SQLite), the text
    SQLAlchemy's ``JSON`` type writes.
    """
    columns = list(rows[0])
    body = columns.index("body")
    sqlite_ = connection.dialect.name == "sqlite"
    markers = ["?" if sqlite_ else "%s"] * len(columns)
    if not sqlite_:
        markers[body] = "%s::jsonb"
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(markers)})"
    # Columns of a custom type (instants) are bound as the type binds them.
    binders = {
        index: column.type
        for index, name in enumerate(columns)
        if isinstance((column := table.c[name]).type, sa.TypeDecorator) and index != body
    }
    values = []
    for row in rows:
        given = list(row.values())
        given[body] = schema.document_json(given[body], postgresql=not sqlite_)
        for index, type_ in binders.items():
            given[index] = type_.process_bind_param(given[index], connection.dialect)
        values.append(tuple(given))
    connection.exec_driver_sql(sql, values)


def _apply_writes(connection: sa.Connection, store: SqlStore, writes: Sequence[_Write]) -> None:
    by_type: dict[type[Any], list[_Write]] = {}
    for write in writes:
        by_type.setdefault(write.entity_type, []).append(write)
    for entity_type, group in by_type.items():
        kind = store._kind(entity_type)
        table = kind.table
        current = _versions(connection, kind, [write.entity.id for write in group])
        for write in group:
            write.check(current.get(write.entity.id))
        # Removals and saves first, then the inserts: a unique key (a request's
        # idempotency key, an order's request) that this commit frees is free for its
        # own new entities, as the memory store compares the keys the commit leaves.
        for write in group:
            if write.expected_version is None:
                if write.removed:  # added and removed in this unit of work
                    continue
                continue
            match = kind.where(
                table.c.id == write.entity.id, table.c.version == write.expected_version
            )
            if write.removed:
                result = connection.execute(table.delete().where(*match))
            else:
                row = kind.row(write.entity)
                row.pop("id")
                row.pop("entity_type", None)
                result = connection.execute(table.update().where(*match).values(row))
            if result.rowcount != 1:
                raise ConcurrencyConflictError(
                    entity_type.__name__, write.entity.id, write.expected_version, None
                )
        added = [kind.row(w.entity) for w in group if w.expected_version is None and not w.removed]
        if added:
            _insert_added(connection, kind, entity_type, added)
        if issubclass(entity_type, ServiceObject):
            _apply_relation_keys(connection, group)


def _relation_owners(connection: sa.Connection, column: Any, ids: Iterable[str]) -> dict[str, str]:
    """The stored relation keys whose ``column`` is one of ``ids``: relation id -> object id."""
    table, owners = schema.service_object_relations, {}
    for chunk in chunks(sorted(set(ids))):
        query = sa.select(table.c.relation_id, table.c.object_id).where(column.in_(chunk))
        owners.update({row.relation_id: row.object_id for row in connection.execute(query)})
    return owners


def _apply_relation_keys(connection: sa.Connection, writes: Sequence[_Write]) -> None:
    """Keep one key row per relation id of the written service objects (law R8).

    The rows of a written object become its cached relations: the relation ids it no
    longer holds are deleted (all of them for a removed object), then the new ones
    inserted, so a relation moved between two objects of one commit moves its row. The
    primary key ``relation_id`` refuses a relation id that another object holds; on
    PostgreSQL under READ COMMITTED the insert also meets the row of a concurrent
    commit still running (it waits for it and fails if that commit stored it), so of
    two units of work relating two objects under one new id at once, one commits.

    Raises:
        ConcurrencyConflictError: on the written object (``ServiceObject``, its id and
            expected version) whose relation id another object holds, committed or
            written in this commit. Running the unit of work again reads the other
            object's relation, and the desks then refuse the relation with
            :class:`~servicedomain.errors.RepairRuleError` ``relation.id_taken``.
    """
    table = schema.service_object_relations
    by_id = {write.entity.id: write for write in writes}
    wanted = {
        object_id: set()
        if write.removed
        else {one.id for one in cast("ServiceObject", write.entity).relations}
        for object_id, write in by_id.items()
    }
    held = _relation_owners(connection, table.c.object_id, wanted)
    gone = sorted(
        relation_id for relation_id, owner in held.items() if relation_id not in wanted[owner]
    )
    for chunk in chunks(gone):
        connection.execute(table.delete().where(table.c.relation_id.in_(chunk)))
    claims: dict[str, str] = {}
    for object_id in sorted(wanted):  # the first object in id order keeps a shared id
        for relation_id in sorted(wanted[object_id]):
            first = claims.setdefault(relation_id, object_id)
            if first != object_id:
                _relation_taken(by_id[object_id])
    rows = [
        {"relation_id": relation_id, "object_id": object_id}
        for relation_id, object_id in sorted(claims.items())
        if held.get(relation_id) != object_id
    ]
    if not rows:
        return
    try:
        with connection.begin_nested():
            connection.execute(table.insert(), rows)
    except sa.exc.IntegrityError:
        owners = _relation_owners(
            connection, table.c.relation_id, (row["relation_id"] for row in rows)
        )
        clashes = sorted(
            row["object_id"]
            for row in rows
            if owners.get(row["relation_id"], row["object_id"]) != row["object_id"]
        )
        if not clashes:
            raise
        _relation_taken(by_id[clashes[0]])


def _relation_taken(write: _Write) -> NoReturn:
    raise ConcurrencyConflictError(
        type(write.entity).__name__, write.entity.id, write.expected_version, None
    )


def _apply_schedules(connection: sa.Connection, schedules: Mapping[str, int]) -> None:
    """Bump each technician's schedule version from the one read, or raise.

    A technician without a row (version 0) gets one first (``ON CONFLICT DO NOTHING``:
    a concurrent first booking of the technician may insert it too); then the update
    ``WHERE version = <read>`` must change one row. On PostgreSQL under READ COMMITTED
    the update waits for a concurrent commit that updated the row and re-reads it, so
    of two commits from one version exactly one changes the row.

    Raises:
        ConcurrencyConflictError: another commit changed the technician's bookings since
            this unit of work read them.
    """
    table = schema.technician_schedules
    insert: Any = (
        postgresql.insert(table)
        if connection.dialect.name == "postgresql"
        else sqlite.insert(table)
    )
    for technician_id, read in schedules.items():
        if read == 0:
            connection.execute(
                insert.values(technician_id=technician_id, version=0).on_conflict_do_nothing()
            )
        result = connection.execute(
            table.update()
            .where(table.c.technician_id == technician_id, table.c.version == read)
            .values(version=read + 1)
        )
        if result.rowcount != 1:
            raise ConcurrencyConflictError("TechnicianSchedule", technician_id, read, None)


def _insert_added(
    connection: sa.Connection, kind: _Kind, entity_type: type[Any], rows: list[dict[str, Any]]
) -> None:
    """Insert the rows of added entities.

    Raises:
        AlreadyExistsError: a concurrent commit added one of the ids first. On
            PostgreSQL the version check does not see the rows of a commit still
            running, so the insert meets them (it waits for that commit, then breaks
            the primary key): the insert is rolled back to a savepoint and the ids
            now stored are reported. On SQLite the check under ``BEGIN IMMEDIATE``
            already saw them.
    """
    table = kind.table
    if connection.dialect.name != "postgresql":
        _insert_documents(connection, table, rows)
        return
    try:
        with connection.begin_nested():
            _insert_documents(connection, table, rows)
    except sa.exc.IntegrityError:
        taken = _versions(connection, kind, [row["id"] for row in rows])
        if not taken:
            raise
        entity_id = min(taken)
        raise AlreadyExistsError(entity_type.__name__, entity_id, taken[entity_id]) from None


def _key_of(fee: FeeTransaction) -> tuple[Any, ...]:
    period = fee.period
    return (fee.subscription_id, fee.kind._value_, period.start, period.end, fee.revision)


_FEE_KEY: Final = (
    schema.fees.c.subscription_id,
    schema.fees.c.kind,
    schema.fees.c.period_start,
    schema.fees.c.period_end,
    schema.fees.c.revision,
)


def _stored_fees(connection: sa.Connection, fees: Sequence[FeeTransaction]) -> list[FeeTransaction]:
    """The stored fees with the keys of ``fees``.

    Reads the stored keys of their subscriptions first (one narrow query per chunk),
    then whole rows, decoded, only of the subscriptions where a key is taken: a run of
    new fees decodes nothing.
    """
    wanted: set[tuple[Any, ...]] | None = None  # built once a subscription has stored keys
    table, taken = schema.fees, set[str]()
    for chunk in chunks(sorted({fee.subscription_id for fee in fees})):
        rows = connection.execute(sa.select(*_FEE_KEY).where(table.c.subscription_id.in_(chunk)))
        for row in rows:
            if wanted is None:
                wanted = {_key_of(fee) for fee in fees}
            if tuple(row) in wanted:
                taken.add(row[0])
    if wanted is None:
        return []
    stored = list[FeeTransaction]()
    for chunk in chunks(sorted(taken)):
        rows = connection.execute(sa.select(table).where(table.c.subscription_id.in_(chunk)))
        stored.extend(
            fee_from_row(row._mapping) for row in rows if tuple(row[: len(_FEE_KEY)]) in wanted
        )
    return stored


def _fee_rows(
    connection: sa.Connection, fees: Sequence[FeeTransaction]
) -> tuple[str, list[tuple[Any, ...]]]:
    """The driver's ``INSERT`` of fee rows and the rows of ``fees``, in the dialect's forms."""
    sqlite_ = connection.dialect.name == "sqlite"
    marker = "?" if sqlite_ else "%s"
    sql = (
        f"INSERT INTO {schema.fees.name} ({', '.join(FEE_COLUMNS)}) "
        f"VALUES ({', '.join([marker] * len(FEE_COLUMNS))})"
    )
    return sql, fee_text_rows(fees) if sqlite_ else [fee_values(fee) for fee in fees]


def _apply_fees(connection: sa.Connection, fees: Sequence[FeeTransaction]) -> None:
    """Insert the held fees whose key is still free; an equal stored fee is done.

    The held fees have distinct keys (the repository holds them by id, the key as
    text), so where none is stored all are new. They go to the driver as rows of values in the
    table's stored forms, one ``executemany``, without a per-row statement.

    Raises:
        IdempotencyConflictError: a key was stored meanwhile with another payload.
    """
    if not fees:
        return
    stored = _stored_fees(connection, fees)
    fresh = new_fees(stored, fees) if stored else fees
    if fresh:
        connection.exec_driver_sql(*_fee_rows(connection, fresh))


def _stored_items(
    connection: sa.Connection, source_ids: Sequence[str], *, lock: bool = False
) -> dict[str, InvoicedItem]:
    table, items = schema.invoiced_items, {}
    for chunk in chunks(source_ids):
        query = sa.select(table.c.source_id, table.c.body).where(table.c.source_id.in_(chunk))
        if lock and connection.dialect.name == "postgresql":
            query = query.with_for_update()
        items.update({row.source_id: _ITEM.decode(row.body) for row in connection.execute(query)})
    return items


def _apply_documents(connection: sa.Connection, documents: Sequence[Invoice]) -> None:
    if not documents:
        return
    table = schema.invoices
    ids = [document.id for document in documents]
    for chunk in chunks(ids):
        taken = connection.execute(
            sa.select(table.c.id, table.c.version).where(table.c.id.in_(chunk))
        ).first()
        if taken is not None:
            raise AlreadyExistsError("Invoice", taken.id, taken.version)
    sources = sorted({line.source_id for document in documents for line in document.lines})
    stored = _stored_items(connection, sources, lock=True)
    items: dict[str, InvoicedItem] = {}
    for document in documents:
        items.update(record_document(ChainMap(items, stored), document))
        series, number = _series_of(document.id)
        if series is not None:
            _advance(connection, document.id, series, number)
        connection.execute(
            table.insert(),
            {
                "id": document.id,
                "kind": document.kind.value,
                "customer_id": document.customer_id,
                "invoice_date": document.invoice_date,
                "series": series,
                "number": number,
                "version": document.version,
                "schema_version": _INVOICE.schema_version,
                "body": _INVOICE.encode(document),
            },
        )
    items_table = schema.invoiced_items
    new = [item for source, item in items.items() if source not in stored]
    if new:
        connection.execute(items_table.insert(), [_item_row(item) for item in new])
    for source, item in items.items():
        if source in stored:
            connection.execute(
                items_table.update()
                .where(items_table.c.source_id == source)
                .values(_item_row(item))
            )


def _item_row(item: InvoicedItem) -> dict[str, Any]:
    return {
        "source_id": item.line.source_id,
        "invoice_id": item.invoice_id,
        "schema_version": _ITEM.schema_version,
        "body": _ITEM.encode(item),
    }


def _series_of(document_id: str) -> tuple[str | None, int | None]:
    """The numbering series and number of an id that ends in ``-<n>`` (else none)."""
    found = _NUMBERED.match(document_id)
    if found is None:
        return None, None
    return found["series"], int(found["number"])


def _advance(connection: sa.Connection, document_id: str, series: str, number: int | None) -> None:
    """Take ``number`` in ``series``: the next one (gapless), or the first of a new series.

    Raises:
        ConcurrencyConflictError: a concurrent commit took ``number`` (the series is at
            it or past it): on PostgreSQL the document id looked free before this
            transaction waited for the series row.
        BillingRuleError: (``number.out_of_sequence``) ``number`` skips numbers.
    """
    table = schema.number_sequences
    query = sa.select(table.c.last_number).where(table.c.series == series)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    last = connection.execute(query).scalar()
    if last is None:
        connection.execute(table.insert(), {"series": series, "last_number": number})
        return
    assert number is not None
    if number <= last:
        raise ConcurrencyConflictError("number series", series, number - 1, last)
    if number != last + 1:
        raise BillingRuleError(
            document_id,
            "number.out_of_sequence",
            f"series {series!r} is at {last}: its next number is {last + 1}, not {number}",
        )
    result = connection.execute(
        table.update()
        .where(table.c.series == series, table.c.last_number == last)
        .values(last_number=number)
    )
    if result.rowcount != 1:
        raise ConcurrencyConflictError("number series", series, last, None)


def _period_row(period: AccrualPeriod) -> dict[str, Any]:
    return {
        "source_id": period.source_id,
        "number": period.number,
        "period_end": period.period.end,
        "posting_date": period.posting_date,
        "schema_version": _PERIOD.schema_version,
        "body": _PERIOD.encode(period),
    }


def _apply_accruals(
    connection: sa.Connection,
    periods: Mapping[tuple[str, int], AccrualPeriod],
    reads: Mapping[tuple[str, int], AccrualPeriod],
) -> None:
    """Save the periods by compare-and-set on what was read of them (law P1).

    The stored rows are locked (on PostgreSQL) and compared with what the unit of work
    read (a period it did not read must be new, or stored equal); then the read ones
    are updated and the new ones inserted (a key a concurrent commit took meanwhile
    fails the insert: a conflict).

    Raises:
        ConcurrencyConflictError: another commit changed or stored a period meanwhile.
    """
    if not periods:
        return
    table = schema.accrual_periods
    keys = sorted(periods)
    stored: dict[tuple[str, int], AccrualPeriod] = {}
    for source_ids in chunks(sorted({source_id for source_id, _ in keys})):
        query = sa.select(table.c.source_id, table.c.number, table.c.body).where(
            table.c.source_id.in_(source_ids)
        )
        if connection.dialect.name == "postgresql":
            query = query.with_for_update()
        for row in connection.execute(query):
            key = (row.source_id, row.number)
            if key in periods:
                stored[key] = _PERIOD.decode(row.body)
    new, changed = [], []
    for key in keys:
        period, current = periods[key], stored.get(key)
        _check_accrual(key, current, reads.get(key), period)
        if current is None:
            new.append(_period_row(period))
        elif current != period:
            changed.append(period)
    if new:
        connection.execute(table.insert(), new)
    for period in changed:
        values = _period_row(period)
        del values["source_id"], values["number"]
        connection.execute(
            table.update()
            .where(table.c.source_id == period.source_id, table.c.number == period.number)
            .values(values)
        )


# ------------------------------------------------------------------ repositories


class SqlRepository(Generic[EntityT]):
    """A :class:`~servicedomain.ports.Repository` of one entity type on a :class:`SqlStore`.

    Get one from :meth:`SqlUnitOfWork.repository` (writes held until the unit of work
    commits) or :meth:`SqlStore.repository` (each write commits at once).
    """

    def __init__(
        self,
        store: SqlStore,
        entity_type: type[EntityT],
        *,
        unit_of_work: SqlUnitOfWork | None = None,
    ) -> None:
        self._store = store
        self._entity_type = entity_type
        self._kind = store._kind(entity_type)
        self._unit_of_work = unit_of_work

    @property
    def entity_type(self) -> type[EntityT]:
        """The class of the entities this repository holds."""
        return self._entity_type

    def get(self, entity_id: str) -> EntityT:
        """The stored entity with this id.

        Raises:
            NotFoundError: no entity with this id.
            InvalidInputError: ``entity_id`` is not an id.
        """
        is_id.check(entity_id, "entity_id")
        found = self._session()._get(self._entity_type, entity_id)
        if found is None:
            raise NotFoundError(self._entity_type.__name__, entity_id)
        return cast("EntityT", found)

    def add(self, entity: EntityT) -> None:
        """Store a new entity.

        An id this unit of work holds is refused at once; an id already stored is
        refused by :meth:`SqlUnitOfWork.commit`, which checks every held write in one
        query (nothing is written), so adding many entities costs no read each.

        Raises:
            AlreadyExistsError: an entity with this id exists (stored: on commit).
            TypeMismatchError: ``entity`` is not of this repository's type.
        """
        self._write(entity, None)

    def save(self, entity: EntityT, *, expected_version: int) -> None:
        """Replace the stored entity, if it is still at ``expected_version``.

        Raises:
            ConcurrencyConflictError: the stored version is not ``expected_version``.
            NotFoundError: no entity with this id.
            InvalidInputError: ``entity.version`` is not greater than ``expected_version``.
        """
        _check_version("expected_version", expected_version)
        self._write(entity, expected_version)

    def remove(self, entity_id: str, *, expected_version: int) -> None:
        """Remove the stored entity, if it is still at ``expected_version``.

        Raises:
            ConcurrencyConflictError: the stored version is not ``expected_version``.
            NotFoundError: no entity with this id.
        """
        is_id.check(entity_id, "entity_id")
        _check_version("expected_version", expected_version)
        session = self._session()
        current = session._get(self._entity_type, entity_id)
        if current is None:
            raise NotFoundError(self._entity_type.__name__, entity_id)
        write = _Write(self._entity_type, current, expected_version, removed=True)
        write.check(current.version)
        self._hold(session, write)

    def list(
        self, *, after_id: str | None = None, limit: int | None = None
    ) -> builtins.list[EntityT]:
        """Entities in id order: those with an id after ``after_id``, at most ``limit``.

        Raises:
            InvalidInputError: ``limit`` is below 1, or ``after_id`` is not an id.
        """
        if after_id is not None:
            is_id.check(after_id, "after_id")
        if limit is not None:
            _check_limit(limit)
        return self._select(after_id=after_id, limit=limit)

    def _select(
        self,
        *clauses: sa.ColumnElement[bool],
        after_id: str | None = None,
        limit: int | None = None,
        held_filter: Any = None,
    ) -> builtins.list[EntityT]:
        session = self._session()
        held = session._held(self._entity_type)
        kind, table = self._kind, self._kind.table
        query = sa.select(table.c.id, table.c.body).where(*kind.where(*clauses))
        if after_id is not None:
            query = query.where(table.c.id > after_id)
        query = query.order_by(table.c.id)
        if limit is not None:
            query = query.limit(limit + len(held))
        with self._store._reading(f"list {self._entity_type.__name__}") as connection:
            rows = {
                row.id: cast("EntityT", kind.codec.decode(row.body))
                for row in connection.execute(query)
            }
        for entity_id, write in held.items():
            if write.removed:
                rows.pop(entity_id, None)
            elif (after_id is None or entity_id > after_id) and (
                held_filter is None or held_filter(write.entity)
            ):
                rows[entity_id] = cast("EntityT", write.entity)
            else:
                rows.pop(entity_id, None)
        return [rows[key] for key in sorted(rows)[:limit]]

    def _session(self) -> SqlUnitOfWork:
        if self._unit_of_work is not None:
            return self._unit_of_work
        return SqlUnitOfWork(self._store)

    def _hold(self, session: SqlUnitOfWork, write: _Write) -> None:
        session._hold(write)
        if session is not self._unit_of_work:
            session.commit()

    def _write(self, entity: object, expected_version: int | None) -> None:
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
        if expected_version is None and (self._entity_type, entity.id) not in session._writes:
            # A new id: the commit checks that it is free, with one query for every
            # held write (and the primary key), instead of a read per add.
            self._hold(session, write)
            return
        current = session._get(self._entity_type, entity.id)
        write.check(None if current is None else current.version)
        self._hold(session, write)

    def __repr__(self) -> str:
        mode = "staged" if self._unit_of_work is not None else "autocommit"
        return f"SqlRepository({self._entity_type.__name__}, {mode})"


class SqlServiceOrderRepository(SqlRepository[ServiceOrder]):
    """The SQL repository of service orders, with the agreement query."""

    def for_agreement(self, agreement_id: str) -> builtins.list[ServiceOrder]:
        """Every order of ``agreement_id``, in id order.

        Raises:
            InvalidInputError: ``agreement_id`` is not an id.
        """
        is_id.check(agreement_id, "agreement_id")
        return self._select(
            self._kind.table.c.agreement_id == agreement_id,
            held_filter=lambda order: order.agreement_id == agreement_id,
        )


class SqlServiceRequestRepository(SqlRepository[ServiceRequest]):
    """The SQL repository of customer service requests, by idempotency key and by status.

    The table's unique key ``(customer_id, idempotency_key)`` keeps one request per key
    of a customer, and the orders' unique ``request_id`` one order per request (law Q1):
    a commit that would break either raises
    :class:`~servicedomain.errors.ConcurrencyConflictError` and writes nothing.
    """

    def by_idempotency_key(self, customer_id: str, key: str) -> ServiceRequest | None:
        """The customer's request submitted under ``key``, or ``None``.

        Raises:
            InvalidInputError: ``customer_id`` is not an id.
            TypeMismatchError: ``customer_id`` or ``key`` is not a str.
        """
        is_id.check(customer_id, "customer_id")
        is_str.check(key, "key")
        table = self._kind.table
        found = self._select(
            table.c.customer_id == customer_id,
            table.c.idempotency_key == key,
            held_filter=lambda request: (
                request.customer_id == customer_id and request.idempotency_key == key
            ),
        )
        return found[0] if found else None

    def with_status(self, *statuses: RequestStatus) -> builtins.list[ServiceRequest]:
        """The requests in any of ``statuses`` (none given: every request), in id order.

        Raises:
            TypeMismatchError: a status is not a RequestStatus member (``statuses[i]``).
        """
        member = in_(RequestStatus)
        for index, status in enumerate(statuses):
            member.check(status, f"statuses[{index}]")
        if not statuses:
            return self._select()
        wanted = set(statuses)
        return self._select(
            self._kind.table.c.status.in_(sorted(status.value for status in wanted)),
            held_filter=lambda request: request.status in wanted,
        )


class SqlServiceObjectRepository(SqlRepository[ServiceObject]):
    """The SQL repository of service objects, with the item and group queries."""

    def for_item(
        self, item_id: str, *, serial_number: str | None = None
    ) -> builtins.list[ServiceObject]:
        """The objects of ``item_id`` (with ``serial_number``, if given), in id order.

        Raises:
            InvalidInputError: an argument is not an id.
        """
        is_id.check(item_id, "item_id")
        is_optional_id.check(serial_number, "serial_number")
        table = self._kind.table
        clauses = [table.c.item_id == item_id]
        if serial_number is not None:
            clauses.append(table.c.serial_number == serial_number)
        return self._select(
            *clauses,
            held_filter=lambda obj: (
                obj.item_id == item_id
                and (serial_number is None or obj.serial_number == serial_number)
            ),
        )

    def for_group(self, group_id: str) -> builtins.list[ServiceObject]:
        """The objects of the service object group ``group_id``, in id order.

        Raises:
            InvalidInputError: ``group_id`` is not an id.
        """
        is_id.check(group_id, "group_id")
        return self._select(
            self._kind.table.c.group_id == group_id,
            held_filter=lambda obj: obj.group_id == group_id,
        )


class SqlServiceBomRepository(SqlRepository[ServiceBom]):
    """The SQL repository of service BOMs, by relation (a unique key) and by object."""

    def for_relation(self, relation_id: str) -> ServiceBom | None:
        """The service BOM on ``relation_id``, or ``None``.

        Raises:
            InvalidInputError: ``relation_id`` is not an id.
        """
        is_id.check(relation_id, "relation_id")
        found = self._select(
            self._kind.table.c.relation_id == relation_id,
            held_filter=lambda bom: bom.relation_id == relation_id,
        )
        return found[0] if found else None

    def for_object(self, service_object_id: str) -> builtins.list[ServiceBom]:
        """Every service BOM of ``service_object_id``, in id order.

        Raises:
            InvalidInputError: ``service_object_id`` is not an id.
        """
        is_id.check(service_object_id, "service_object_id")
        return self._select(
            self._kind.table.c.service_object_id == service_object_id,
            held_filter=lambda bom: bom.service_object_id == service_object_id,
        )


class SqlFeeRepository:
    """The :class:`~servicedomain.ports.FeeRepository` of a :class:`SqlUnitOfWork`."""

    def __init__(self, unit_of_work: SqlUnitOfWork) -> None:
        self._uow = unit_of_work

    def for_subscription(self, subscription_id: str) -> builtins.list[FeeTransaction]:
        """Every fee of the subscription, in (period start, kind, period end) order."""
        is_id.check(subscription_id, "subscription_id")
        table = schema.fees
        with self._uow._store._reading("read fees") as connection:
            rows = connection.execute(
                sa.select(table).where(table.c.subscription_id == subscription_id)
            )
            found = {fee.id: fee for fee in map(fee_from_row, (r._mapping for r in rows))}
        found.update(
            (fee_id, fee)
            for fee_id, fee in self._uow._fees.items()
            if fee.subscription_id == subscription_id
        )
        return sorted(
            found.values(), key=lambda fee: (fee.period.start, fee.kind.value, fee.period.end)
        )

    def add_all(self, fees: Sequence[FeeTransaction]) -> builtins.list[FeeTransaction]:
        """Hold the fees whose key is new; return those (an equal fee is already done).

        Raises:
            IdempotencyConflictError: a key is stored or held with another payload.
        """
        items: list[object] = list(fees)
        given = cast("list[FeeTransaction]", items)  # new_fees checks them
        held = self._uow._fees
        known = (
            [held[fee.id] for fee in items if isinstance(fee, FeeTransaction) and fee.id in held]
            if held
            else []
        )
        checked = [fee for fee in items if isinstance(fee, FeeTransaction)]
        if checked:
            with self._uow._store._reading("read fees") as connection:
                known.extend(_stored_fees(connection, checked))
        fresh = new_fees(known, given)
        held.update((fee.id, fee) for fee in fresh)
        return list(fresh)

    def due(self, *, due_by: date, customer_id: str | None = None) -> builtins.list[FeeTransaction]:
        """The fees due by ``due_by`` on no invoice (of one customer), in due-date order."""
        require_date(due_by, "due_by")
        is_optional_id.check(customer_id, "customer_id")
        fees, items = schema.fees, schema.invoiced_items
        query = (
            sa.select(fees)
            .outerjoin(items, items.c.source_id == fees.c.id)
            .where(fees.c.due_date <= due_by, items.c.source_id.is_(None))
        )
        if customer_id is not None:
            query = query.where(fees.c.customer_id == customer_id)
        with self._uow._store._reading("read due fees") as connection:
            found = {
                fee.id: fee
                for fee in map(fee_from_row, (r._mapping for r in connection.execute(query)))
            }
        found.update(
            (fee_id, fee)
            for fee_id, fee in self._uow._fees.items()
            if fee.due_date <= due_by and (customer_id is None or fee.customer_id == customer_id)
        )
        invoiced = self._uow.invoices.invoiced([fee.id for fee in found.values()])
        due = [fee for fee in found.values() if fee.id not in invoiced]
        return sorted(due, key=lambda fee: (fee.due_date, fee.id))


class SqlInvoiceRepository:
    """The :class:`~servicedomain.ports.InvoiceRepository` of a :class:`SqlUnitOfWork`."""

    def __init__(self, unit_of_work: SqlUnitOfWork) -> None:
        self._uow = unit_of_work

    def get(self, invoice_id: str) -> Invoice:
        """The document with this id.

        Raises:
            NotFoundError: no document with this id.
        """
        is_id.check(invoice_id, "invoice_id")
        held = self._uow._documents.get(invoice_id)
        if held is not None:
            return held
        table = schema.invoices
        with self._uow._store._reading("read invoices") as connection:
            body = connection.execute(
                sa.select(table.c.body).where(table.c.id == invoice_id)
            ).scalar()
        if body is None:
            raise NotFoundError("Invoice", invoice_id)
        return _INVOICE.decode(body)

    def add(self, document: Invoice) -> None:
        """Hold a posted invoice or credit note and the invoiced items it changes.

        Raises:
            AlreadyExistsError: the document's id is taken.
            AlreadyInvoicedError, CreditExceededError, BillingRuleError: the document
                does not fit the invoiced items.
        """
        if not isinstance(document, Invoice):
            raise TypeMismatchError("document", document, "expected an Invoice")
        try:
            self.get(document.id)
        except NotFoundError:
            pass
        else:
            raise AlreadyExistsError("Invoice", document.id, document.version)
        items = self.invoiced(line.source_id for line in document.lines)
        changed = record_document(items, document)
        self._uow._documents[document.id] = document
        self._uow._items.update(changed)

    def invoiced(self, source_ids: Iterable[str]) -> dict[str, InvoicedItem]:
        """The invoiced items of those sources that are invoiced."""
        ids = tuple(source_ids) if isinstance(source_ids, Mapping) else source_ids
        wanted = is_ids.check(ids, "source_ids")
        held = self._uow._items
        missing = sorted({source for source in wanted if source not in held})
        stored: dict[str, InvoicedItem] = {}
        if missing:
            with self._uow._store._reading("read invoiced items") as connection:
                stored = _stored_items(connection, missing)
        found = {**stored, **held}
        return {source: found[source] for source in wanted if source in found}

    def list(self, *, customer_id: str | None = None) -> builtins.list[Invoice]:
        """Every document (of one customer), in id order."""
        is_optional_id.check(customer_id, "customer_id")
        table = schema.invoices
        query = sa.select(table.c.id, table.c.body).order_by(table.c.id)
        if customer_id is not None:
            query = query.where(table.c.customer_id == customer_id)
        with self._uow._store._reading("read invoices") as connection:
            documents = {row.id: _INVOICE.decode(row.body) for row in connection.execute(query)}
        documents.update(
            (key, document)
            for key, document in self._uow._documents.items()
            if customer_id is None or document.customer_id == customer_id
        )
        return [documents[key] for key in sorted(documents)]


class SqlAccrualRepository:
    """The :class:`~servicedomain.ports.AccrualRepository` of a :class:`SqlUnitOfWork`."""

    def __init__(self, unit_of_work: SqlUnitOfWork) -> None:
        self._uow = unit_of_work

    def _merged(self, query: sa.Select[Any], keep: Any) -> builtins.list[AccrualPeriod]:
        with self._uow._store._reading("read accrual periods") as connection:
            periods = {
                (period.source_id, period.number): period
                for period in (_PERIOD.decode(row.body) for row in connection.execute(query))
            }
        reads, held = self._uow._accrual_reads, self._uow._accruals
        for key, period in periods.items():
            if key not in held:
                reads.setdefault(key, period)
        for key, period in self._uow._accruals.items():
            if keep(period):
                periods[key] = period
            else:
                periods.pop(key, None)
        return [periods[key] for key in sorted(periods)]

    def for_source(self, source_id: str) -> builtins.list[AccrualPeriod]:
        """The periods of one fee, in number order."""
        is_id.check(source_id, "source_id")
        table = schema.accrual_periods
        return self._merged(
            sa.select(table.c.body).where(table.c.source_id == source_id),
            lambda period: period.source_id == source_id,
        )

    def save_all(self, periods: Sequence[AccrualPeriod]) -> None:
        """Hold the periods, replacing those with the same (source id, number)."""
        given = list(periods)
        for index, period in enumerate(given):
            if not isinstance(period, AccrualPeriod):
                raise TypeMismatchError(f"periods[{index}]", period, "expected an AccrualPeriod")
        for period in given:
            self._uow._accruals[period.source_id, period.number] = period

    def unposted_through(self, through: date) -> builtins.list[AccrualPeriod]:
        """Periods not yet posted whose last day is on or before ``through`` (inclusive)."""
        require_date(through, "through")
        table = schema.accrual_periods
        ended = (  # the last day is on or before ``through``; every period ends by date.max
            [] if through == date.max else [table.c.period_end <= through + timedelta(days=1)]
        )
        return self._merged(
            sa.select(table.c.body).where(table.c.posting_date.is_(None), *ended),
            lambda period: period.posting_date is None and period.period.last <= through,
        )


# ----------------------------------------------------------------------- journals


def _entry_key(key: Hashable) -> str:
    """A natural key as text (its repr: the keys are tuples of str, int and dates)."""
    return repr(key)


class SqlJournal(Generic[KeyedT]):
    """A :class:`~servicedomain.ports.Journal` whose entries are rows of the store.

    ``SqlJournal(store, "HOUR", JournalEntry)`` for order lines,
    ``SqlJournal(store, "ACR", AccrualEntry)`` for revenue accruals; any frozen entry
    with a ``key``, given its :class:`~servicedomain.adapters.sql.Codec` if it is not
    a library type. Transaction ids are ``<prefix>-000001``, ``<prefix>-000002``, ...,
    gapless in recording order (the number is the primary key with the prefix). Posting
    is all or none and idempotent per key; posted through
    :meth:`SqlUnitOfWork.enlist`, entries are recorded in that unit of work's commit.

    Args:
        store: the store whose ``servicedomain_journal_entries`` table holds the entries.
        prefix: the start of every transaction id.
        entries: the entry type, or its codec.
        name: the journal's name in the table (default: ``prefix``); two journals of
            one store with one name are the same journal.
    """

    def __init__(
        self,
        store: SqlStore,
        prefix: str,
        entries: type[KeyedT] | Codec[KeyedT],
        *,
        name: str | None = None,
    ) -> None:
        if not isinstance(store, SqlStore):
            raise TypeMismatchError("store", store, "expected a SqlStore")
        self._store = store
        self._prefix = is_id.check(prefix, "prefix")
        self._name = self._prefix if name is None else is_id.check(name, "name")
        if isinstance(entries, Codec):
            self._codec: Codec[KeyedT] = entries
        elif isinstance(entries, type):
            self._codec = codec_of(entries)
        else:
            raise TypeMismatchError("entries", entries, "expected an entry type or a Codec")

    @property
    def prefix(self) -> str:
        """The start of the journal's transaction ids."""
        return self._prefix

    @property
    def name(self) -> str:
        """The journal's name in the entries table."""
        return self._name

    @property
    def recorded(self) -> tuple[tuple[str, KeyedT], ...]:
        """Every (transaction id, entry) recorded so far, in posting order."""
        table = schema.journal_entries
        with self._store._reading(f"read journal {self._prefix}") as connection:
            rows = connection.execute(
                sa.select(table.c.transaction_id, table.c.body)
                .where(table.c.journal == self._name)
                .order_by(table.c.number)
            )
            return tuple((row.transaction_id, self._codec.decode(row.body)) for row in rows)

    def post(self, entries: Sequence[KeyedT]) -> builtins.list[str]:
        """Record ``entries`` at once and return their transaction ids, in order.

        Raises:
            IdempotencyConflictError: a key is already recorded with other content.
            ConcurrencyConflictError: a concurrent post took the numbers (post again).
        """
        given = self._checked(entries)
        with self._store._writing(f"post to journal {self._prefix}") as connection:
            held: dict[Hashable, tuple[str, KeyedT]] = {}
            ids = self._reserve(connection, given, held)
            self._record(connection, held)
            return ids

    def _checked(self, entries: Sequence[KeyedT]) -> builtins.list[KeyedT]:
        given = list(entries)
        for index, entry in enumerate(given):
            if not isinstance(entry, self._codec.type):
                raise TypeMismatchError(
                    f"entries[{index}]", entry, f"this journal records {self._codec.name} entries"
                )
        return given

    def _known(
        self, connection: sa.Connection, keys: Iterable[Hashable]
    ) -> dict[Hashable, tuple[int, str, KeyedT]]:
        """The recorded (number, transaction id, entry) of these keys."""
        table = schema.journal_entries
        texts = {_entry_key(key): key for key in keys}
        found: dict[Hashable, tuple[int, str, KeyedT]] = {}
        for chunk in chunks(sorted(texts)):
            rows = connection.execute(
                sa.select(
                    table.c.entry_key, table.c.number, table.c.transaction_id, table.c.body
                ).where(table.c.journal == self._name, table.c.entry_key.in_(chunk))
            )
            for row in rows:
                found[texts[row.entry_key]] = (
                    row.number,
                    row.transaction_id,
                    self._codec.decode(row.body),
                )
        return found

    def _count(self, connection: sa.Connection) -> int:
        table = schema.journal_entries
        last = connection.execute(
            sa.select(sa.func.max(table.c.number)).where(table.c.journal == self._name)
        ).scalar()
        return int(last or 0)

    def _reserve(
        self,
        connection: sa.Connection,
        entries: Sequence[KeyedT],
        held: dict[Hashable, tuple[str, KeyedT]],
    ) -> builtins.list[str]:
        """The ids of ``entries``; new ones go into ``held`` with the next free ids."""
        known = self._known(connection, (entry.key for entry in entries))
        count = self._count(connection)
        fresh: dict[Hashable, tuple[str, KeyedT]] = {}
        ids: builtins.list[str] = []
        for entry in entries:
            recorded = known.get(entry.key)
            found = (
                (recorded[1], recorded[2])
                if recorded is not None
                else held.get(entry.key) or fresh.get(entry.key)
            )
            if found is None:
                number = count + len(held) + len(fresh) + 1
                found = fresh[entry.key] = (self._transaction_id(number), entry)
            _check_same_entry(entry.key, found[1], entry)
            ids.append(found[0])
        held.update(fresh)
        return ids

    def _record(
        self, connection: sa.Connection, held: Mapping[Hashable, tuple[str, KeyedT]]
    ) -> None:
        """Insert the held entries not recorded yet, each under the number it was given.

        Raises:
            IdempotencyConflictError: a held key was recorded with other content.
            ConcurrencyConflictError: a reserved number was given to another entry.
        """
        if not held:
            return
        known = self._known(connection, held)
        number = self._count(connection)
        rows = []
        for key, (transaction_id, entry) in held.items():
            recorded = known.get(key)
            if recorded is not None:
                _check_same_entry(key, recorded[2], entry)
                if recorded[1] != transaction_id:
                    raise ConcurrencyConflictError(
                        f"journal {self._prefix}", recorded[1], None, number
                    )
                continue
            number += 1
            if transaction_id != self._transaction_id(number):
                raise ConcurrencyConflictError(
                    f"journal {self._prefix}", transaction_id, number - 1, number - 1
                )
            rows.append(
                {
                    "journal": self._name,
                    "number": number,
                    "transaction_id": transaction_id,
                    "entry_key": _entry_key(key),
                    "entry_type": self._codec.name,
                    "body": self._codec.encode(entry),
                }
            )
        if rows:
            connection.execute(schema.journal_entries.insert(), rows)

    def _transaction_id(self, number: int) -> str:
        return f"{self._prefix}-{number:06d}"

    def __repr__(self) -> str:
        return f"SqlJournal({self._prefix!r}, name={self._name!r})"


class _EnlistedJournal(Generic[KeyedT]):
    """A :class:`SqlJournal` seen through a unit of work: posts are held in it."""

    def __init__(self, unit_of_work: SqlUnitOfWork, journal: SqlJournal[KeyedT]) -> None:
        self._unit_of_work = unit_of_work
        self._journal = journal

    def post(self, entries: Sequence[KeyedT]) -> builtins.list[str]:
        """Hold ``entries`` in the unit of work; return the ids they will have.

        Raises:
            IdempotencyConflictError: a key is recorded or held with other content;
                nothing of this call is held.
        """
        journal = self._journal
        given = journal._checked(entries)
        _, held = self._unit_of_work._posts.setdefault(id(journal), (journal, {}))
        with journal._store._reading(f"read journal {journal.prefix}") as connection:
            return journal._reserve(connection, given, held)

    def __repr__(self) -> str:
        return f"enlisted {self._journal!r}"
