"""Batch runs on the SQL adapter: plan, chunks, parking and progress."""

from __future__ import annotations

import contextlib
import enum
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Final

import attrs

from servicedomain._checks import deep_mapping, instance_of, integer, is_id, is_str, port
from servicedomain._enums import StrictEnum
from servicedomain.adapters.clocks import SystemClock
from servicedomain.adapters.sql import ChunkRow, ParkedRow, RunRow, SqlRunLedger, SqlStore
from servicedomain.app import BillingDesk, ServiceDesk
from servicedomain.errors import (
    AlreadyInvoicedError,
    ConcurrencyConflictError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
    TypeMismatchError,
)
from servicedomain.instants import parse_date, require_date
from servicedomain.orders import TransactionType
from servicedomain.periods import DateRange
from servicedomain.ports import Clock

__all__ = [
    "Chunk",
    "ChunkResult",
    "ParkedItem",
    "Run",
    "RunKind",
    "RunProgress",
    "claim_chunk",
    "extend_lease",
    "parked",
    "plan_run",
    "progress",
    "run_all",
    "run_chunk",
]

DEFAULT_CHUNK_SIZE: Final = 1000
"""Items (subscriptions, customers or agreements) per chunk unless the plan says."""
BATCH: Final = 100
"""Items per unit of work inside a chunk."""

_STORE: Final = instance_of(SqlStore)
_PARAMS: Final = deep_mapping(is_str, is_str)
_CHUNK_SIZE: Final = integer(minimum=1)
_NUMBER: Final = integer(minimum=1)
_LEASE: Final = instance_of(timedelta)
_CLOCK: Final = port("now")


class RunKind(StrictEnum, enum.StrEnum):
    """What a run does, and the ids its chunks split.

    * ``FEES``: :meth:`~servicedomain.app.BillingDesk.generate_fees` as of the run's
      date, by subscription.
    * ``INVOICES``: :meth:`~servicedomain.app.BillingDesk.invoice_customers` due by
      and dated the run's date, by **customer** (the customers of the stored
      subscriptions): one customer's documents are never split across chunks, so
      their numbers are those of one run. It invoices the fees due; posted order
      lines are not given to it (yet).
    * ``ACCRUALS``: :meth:`~servicedomain.app.BillingDesk.accrue_revenue` through the
      run's date (posted on ``params["posting_date"]``, default the run's date), by
      subscription.
    * ``ORDERS``: :meth:`~servicedomain.app.ServiceDesk.generate_orders` from the
      run's date through ``params["through"]`` (inclusive), every transaction type,
      by agreement.
    """

    FEES = "fees"
    INVOICES = "invoices"
    ACCRUALS = "accruals"
    ORDERS = "orders"


@attrs.frozen
class Chunk:
    """A chunk of a run: the ids in ``(after_id, last_id]`` (``None``: unbounded).

    Attributes:
        run_id: the run.
        number: the chunk's number, from 1.
        after_id: the chunk holds ids greater than this one (``None``: from the first).
        last_id: the chunk holds ids up to this one (``None``: to the last, ids stored
            after planning included).
    """

    run_id: str
    number: int
    after_id: str | None
    last_id: str | None

    def holds(self, item_id: str) -> bool:
        """Whether ``item_id`` falls in the chunk's range."""
        return (self.after_id is None or item_id > self.after_id) and (
            self.last_id is None or item_id <= self.last_id
        )


@attrs.frozen
class Run:
    """A planned run.

    Attributes:
        id: ``<kind>-<as_of>-<hash>``, the hash of (kind, as_of, params): the same run
            planned again has the same id (law B2).
        kind: what the run does.
        as_of: the run's date.
        params: the run's parameters.
        chunk_size: the ids per chunk when it was planned.
        chunks: its chunks, by number; their ranges tile the key space (law B3).
    """

    id: str
    kind: RunKind
    as_of: date
    params: Mapping[str, str]
    chunk_size: int
    chunks: tuple[Chunk, ...]


@attrs.frozen
class ParkedItem:
    """An item a run could not process, by a business rule or bad data.

    Attributes:
        run_id: the run.
        item_id: the subscription, customer or agreement id.
        chunk: the chunk's number.
        error_type: the error's class name (such as ``InvalidPriceError``).
        message: the error's message.
    """

    run_id: str
    item_id: str
    chunk: int
    error_type: str
    message: str


@attrs.frozen
class ChunkResult:
    """What one pass over a chunk did.

    Attributes:
        run_id: the run.
        chunk: the chunk's number.
        items: the items processed (parked ones not counted).
        created: the rows this pass created (fees, documents, accrual entries or
            orders); a pass again over a finished chunk creates none.
        parked: the items parked in this pass, with their reasons.
    """

    run_id: str
    chunk: int
    items: int
    created: int
    parked: tuple[ParkedItem, ...]


@attrs.frozen
class RunProgress:
    """Where a run stands, read from its chunk rows.

    Attributes:
        run_id: the run.
        chunks: its number of chunks.
        ready: chunks no worker holds (never run, or given back after a failure).
        running: chunks a worker holds (or held, until its lease ends).
        done: chunks finished.
        items_done: the items the finished chunks processed.
        created: the rows every pass created.
        parked: the items parked now.
    """

    run_id: str
    chunks: int
    ready: int
    running: int
    done: int
    items_done: int
    created: int
    parked: int

    @property
    def finished(self) -> bool:
        """Every chunk is done."""
        return self.done == self.chunks


def _params_of(kind: RunKind, params: object) -> dict[str, str]:
    given = dict(_PARAMS.check(params, "params"))
    if kind is RunKind.ORDERS:
        if "through" not in given:
            raise InvalidInputError("params", given, "an orders run needs params['through']")
        parse_date(given["through"], "params['through']")
    if kind is RunKind.ACCRUALS and "posting_date" in given:
        parse_date(given["posting_date"], "params['posting_date']")
    return given


def _run_id(kind: RunKind, as_of: date, params: Mapping[str, str]) -> str:
    text = json.dumps(
        {"kind": kind.value, "as_of": as_of.isoformat(), "params": dict(sorted(params.items()))},
        sort_keys=True,
        separators=(",", ":"),
    )
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{kind.value}-{as_of.isoformat()}-{digest}"


def _run_of(row: RunRow, chunks: Sequence[ChunkRow]) -> Run:
    return Run(
        id=row.id,
        kind=RunKind(row.kind),
        as_of=row.as_of,
        params=json.loads(row.params),
        chunk_size=row.chunk_size,
        chunks=tuple(Chunk(c.run_id, c.number, c.after_id, c.last_id) for c in chunks),
    )


def _pages(
    store: SqlStore,
    kind: RunKind,
    *,
    after_id: str | None,
    last_id: str | None,
    limit: int,
) -> Iterator[list[str]]:
    """The ids in ``(after_id, last_id]`` a run of ``kind`` processes, page by page (keyset)."""
    cursor = after_id
    while True:
        if kind is RunKind.INVOICES:
            page = SqlRunLedger(store).customers(after_id=cursor, last_id=last_id, limit=limit)
        else:
            with store.unit_of_work() as uow:
                repository = uow.agreements if kind is RunKind.ORDERS else uow.subscriptions
                page = [entity.id for entity in repository.list(after_id=cursor, limit=limit)]
            if last_id is not None:
                page = [item for item in page if item <= last_id]
        if not page:
            return
        yield page
        cursor = page[-1]
        if last_id is not None and cursor >= last_id:
            return


def plan_run(
    store: SqlStore,
    kind: RunKind,
    *,
    as_of: date,
    params: Mapping[str, str] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Run:
    """Record a run and split its ids into chunks of ``chunk_size`` (keyset ranges).

    The run's id is a hash of (``kind``, ``as_of``, ``params``): planning the same
    run again stores nothing and returns the stored run, its chunks as first planned
    (law B2; ``chunk_size`` is then ignored). The ranges come from the repositories'
    ``list(after_id=, limit=)`` (customers: the distinct customer ids of the stored
    subscriptions), no offset scans; the first range is open below, the last open
    above, so the chunks tile the whole key space (law B3) and an id stored after
    planning falls in exactly one chunk too.

    Args:
        store: the store (tables at migration 0006 or later).
        kind: what the run does (:class:`RunKind`).
        as_of: the run's date.
        params: text parameters; ``through`` (ISO date) is required for ``ORDERS``,
            ``posting_date`` is read by ``ACCRUALS``; every key is part of the run's id
            (name the price table or stage graph your desks use there, if you like).
        chunk_size: ids per chunk, at least 1.

    Raises:
        InvalidInputError: a bad argument (named, with its value).
        StorageError: the database failed.
    """
    _STORE.check(store, "store")
    if not isinstance(kind, RunKind):
        raise TypeMismatchError("kind", kind, "expected a RunKind")
    run_kind = kind
    day = require_date(as_of, "as_of")
    given = _params_of(run_kind, {} if params is None else params)
    size = _CHUNK_SIZE.check(chunk_size, "chunk_size")
    ledger = SqlRunLedger(store)
    run_id = _run_id(run_kind, day, given)
    stored = ledger.run(run_id)
    if stored is None:
        lasts = [
            page[-1] for page in _pages(store, run_kind, after_id=None, last_id=None, limit=size)
        ]
        bounds: list[str | None] = [*lasts[:-1], None]
        ranges = list(zip([None, *lasts[:-1]], bounds, strict=True))
        row = RunRow(
            id=run_id,
            kind=run_kind.value,
            as_of=day,
            params=json.dumps(given, sort_keys=True),
            chunk_size=size,
            chunks=len(ranges),
        )
        with contextlib.suppress(ConcurrencyConflictError):  # a concurrent planner won
            ledger.add_run(row, ranges)
        stored = ledger.run(run_id)
    if stored is None:  # pragma: no cover - stored above or by the concurrent planner
        raise NotFoundError("run", run_id)
    return _run_of(stored, ledger.chunks(run_id))


def _stored_run(store: SqlStore, run_id: object) -> RunRow:
    _STORE.check(store, "store")
    checked = is_id.check(run_id, "run_id")
    row = SqlRunLedger(store).run(checked)
    if row is None:
        raise NotFoundError("run", checked)
    return row


def _stored_chunk(store: SqlStore, run: RunRow, chunk_id: object) -> ChunkRow:
    number = _NUMBER.check(chunk_id, "chunk_id")
    row = SqlRunLedger(store).chunk(run.id, number)
    if row is None:
        raise NotFoundError("chunk", f"{run.id}#{number}")
    return row


def _parkable(error: Exception) -> bool:
    """A business rule or bad data, not a lost race (an invoice another run took first)."""
    if isinstance(error, AlreadyInvoicedError):
        return False
    return isinstance(error, RuleViolationError | InvalidInputError)


_Step = Callable[[list[str]], int]


def _step(run: RunRow, desk: BillingDesk | ServiceDesk) -> _Step:
    """What one unit of work does with a batch of ids: the rows it created."""
    kind = RunKind(run.kind)
    params: dict[str, str] = json.loads(run.params)
    day = run.as_of
    if kind is RunKind.ORDERS:
        if not isinstance(desk, ServiceDesk):
            raise TypeMismatchError("desk", desk, "an orders run needs a ServiceDesk")
        period = DateRange.inclusive(day, parse_date(params["through"], "params['through']"))
        service = desk
        return lambda ids: len(
            service.generate_orders(
                agreement_ids=ids, period=period, types=set(TransactionType)
            ).orders
        )
    if not isinstance(desk, BillingDesk):
        raise TypeMismatchError("desk", desk, f"a {kind.value} run needs a BillingDesk")
    billing = desk
    if kind is RunKind.FEES:
        return lambda ids: len(billing.generate_fees(as_of=day, subscription_ids=ids).created)
    if kind is RunKind.ACCRUALS:
        posting = parse_date(params.get("posting_date", day.isoformat()), "posting_date")
        return lambda ids: len(
            billing.accrue_revenue(through=day, posting_date=posting, subscription_ids=ids)
        )
    return lambda ids: sum(
        len(billing.invoice_customers(due_by=day, invoice_date=day, customer_id=customer))
        for customer in ids
    )


def run_chunk(
    store: SqlStore,
    run_id: str,
    chunk_id: int,
    *,
    desk: BillingDesk | ServiceDesk,
    worker: str = "local",
    batch_size: int = BATCH,
) -> ChunkResult:
    """Process one chunk through ``desk``, batch by batch; park what a rule refuses.

    The ids of the chunk's range are read at run time, ``batch_size`` at a time; each
    batch goes through the desk in one unit of work (an invoices run: one unit of work
    per customer, as the desk invoices one customer at a time). If a batch fails by a business
    rule or bad data (:class:`~servicedomain.errors.RuleViolationError` or
    :class:`~servicedomain.errors.InvalidInputError`), nothing of it is stored and its
    items run again one by one: an item that fails alone is **parked** (its id, the
    error's type and message) and the chunk goes on. An item processed later (after a
    fix) is taken off the parked list. The natural keys (laws P3, I1, F4/F5) make the
    chunk idempotent: a pass again over a finished or half-finished chunk stores
    nothing twice. The chunk ends ``done`` with its counters.

    Any other failure (a storage conflict, the database gone) is not parked: the chunk
    goes back to ``ready`` and the error propagates, for the engine to retry the chunk.
    It does not check leases: a chunk run twice at once stores nothing twice either
    (the natural keys, and the version checks of the desks' saves).

    Args:
        store: the store the run is planned in.
        run_id: the run.
        chunk_id: the chunk's number.
        desk: the desk on ``store`` to run it with, configured as the host configures
            its runs (its price table, groups, accrual journal, stage graph...): a
            :class:`~servicedomain.app.BillingDesk` for fees, invoices and accruals, a
            :class:`~servicedomain.app.ServiceDesk` for orders.
        worker: who runs it (recorded as the chunk's owner).
        batch_size: the ids per unit of work, at least 1.

    Raises:
        NotFoundError: no such run or chunk.
        TypeMismatchError: the desk does not run this kind.
        ConcurrencyConflictError: a concurrent writer won a race (run the chunk again).
        StorageError: the database failed.
    """
    run = _stored_run(store, run_id)
    chunk = _stored_chunk(store, run, chunk_id)
    who = is_id.check(worker, "worker")
    size = _CHUNK_SIZE.check(batch_size, "batch_size")
    step = _step(run, desk)
    ledger = SqlRunLedger(store)
    ledger.start(run.id, chunk.number, worker=who)
    items = created = 0
    done: list[str] = []
    parked_now: list[ParkedItem] = []
    try:
        for page in _pages(
            store, RunKind(run.kind), after_id=chunk.after_id, last_id=chunk.last_id, limit=size
        ):
            if RunKind(run.kind) is not RunKind.INVOICES:  # invoices: a unit per customer
                try:
                    created += step(page)
                    done.extend(page)
                    items += len(page)
                    continue
                except (RuleViolationError, InvalidInputError) as error:
                    if not _parkable(error):
                        raise
            for item in page:  # per-item retry: park the items that fail alone
                try:
                    created += step([item])
                except (RuleViolationError, InvalidInputError) as error:
                    if not _parkable(error):
                        raise
                    parked_now.append(
                        ParkedItem(run.id, item, chunk.number, type(error).__name__, str(error))
                    )
                else:
                    done.append(item)
                    items += 1
    except BaseException:
        ledger.release(run.id, chunk.number)
        raise
    ledger.finish(
        run.id,
        chunk.number,
        items=items,
        created=created,
        parked=[ParkedRow(**attrs.asdict(item)) for item in parked_now],
        cleared=done,
    )
    return ChunkResult(run.id, chunk.number, items, created, tuple(parked_now))


def claim_chunk(
    store: SqlStore,
    run_id: str,
    *,
    worker: str,
    lease: timedelta,
    clock: Clock | None = None,
) -> Chunk | None:
    """Claim the next free chunk of a run for ``worker``, for ``lease``: for pulling engines.

    A chunk is free when it is ready or when the lease of the worker that holds it ended
    (a worker that died): any worker, the same one included, reclaims it. On
    PostgreSQL the chunk row is locked ``FOR UPDATE SKIP LOCKED``, so workers claiming
    at once never get the same chunk; on SQLite, the single writer serializes claims.
    Run the chunk with :func:`run_chunk` (with the same ``worker``) and, for a long
    chunk, extend the lease with :func:`extend_lease`.

    Args:
        store: the store.
        run_id: the run.
        worker: the claiming worker's name.
        lease: how long the claim holds without a heartbeat (positive).
        clock: the clock of lease times (default: the system clock, UTC).

    Returns:
        The claimed chunk, or ``None`` when every chunk is done or held.

    Raises:
        NotFoundError: no such run.
        InvalidInputError: a bad argument (named, with its value).
    """
    run = _stored_run(store, run_id)
    who = is_id.check(worker, "worker")
    span = _LEASE.check(lease, "lease")
    if span <= timedelta(0):
        raise InvalidInputError("lease", span, "a lease is a positive duration")
    now = (SystemClock() if clock is None else _CLOCK.check(clock, "clock")).now()
    row = SqlRunLedger(store).claim(run.id, worker=who, now=now, lease_until=now + span)
    return None if row is None else Chunk(row.run_id, row.number, row.after_id, row.last_id)


def extend_lease(
    store: SqlStore,
    run_id: str,
    chunk_id: int,
    *,
    worker: str,
    lease: timedelta,
    clock: Clock | None = None,
) -> bool:
    """Extend ``worker``'s lease on a chunk to ``lease`` from now (a heartbeat).

    Returns:
        ``False`` when the worker no longer holds the chunk (its lease ended and another
        worker reclaimed it, or it is done): stop, the other worker runs it.
    """
    run = _stored_run(store, run_id)
    chunk = _stored_chunk(store, run, chunk_id)
    who = is_id.check(worker, "worker")
    span = _LEASE.check(lease, "lease")
    if span <= timedelta(0):
        raise InvalidInputError("lease", span, "a lease is a positive duration")
    now = (SystemClock() if clock is None else _CLOCK.check(clock, "clock")).now()
    return SqlRunLedger(store).extend(run.id, chunk.number, worker=who, lease_until=now + span)


def progress(store: SqlStore, run_id: str) -> RunProgress:
    """Where the run stands: chunks by state, items done, rows created, items parked.

    Raises:
        NotFoundError: no such run.
    """
    run = _stored_run(store, run_id)
    states, done, created, parked_count = SqlRunLedger(store).counts(run.id)
    return RunProgress(
        run_id=run.id,
        chunks=run.chunks,
        ready=states.get("ready", 0),
        running=states.get("running", 0),
        done=states.get("done", 0),
        items_done=done,
        created=created,
        parked=parked_count,
    )


def parked(store: SqlStore, run_id: str) -> tuple[ParkedItem, ...]:
    """The run's parked items with their reasons, by item id.

    Raises:
        NotFoundError: no such run.
    """
    run = _stored_run(store, run_id)
    return tuple(
        ParkedItem(row.run_id, row.item_id, row.chunk, row.error_type, row.message)
        for row in SqlRunLedger(store).parked(run.id)
    )


def run_all(
    store: SqlStore,
    run_id: str,
    *,
    desk: BillingDesk | ServiceDesk,
    worker: str = "local",
    batch_size: int = BATCH,
) -> tuple[ChunkResult, ...]:
    """Run, in this process and in order, every chunk not done or holding parked items.

    Each chunk runs as :func:`run_chunk` runs it (with the same ``desk``, ``worker``
    and ``batch_size``).

    SQLite's mode, and the reference a distributed run must equal (law B1). Run it
    again after fixing parked items: it runs their chunks again, bills them once and
    takes them off the parked list.

    Raises:
        NotFoundError: no such run.
        ConcurrencyConflictError: a concurrent writer won a race (run again).
        StorageError: the database failed.
    """
    run = _stored_run(store, run_id)
    return tuple(
        run_chunk(store, run.id, chunk.number, desk=desk, worker=worker, batch_size=batch_size)
        for chunk in SqlRunLedger(store).chunks(run.id)
        if chunk.state != "done" or chunk.parked
    )
