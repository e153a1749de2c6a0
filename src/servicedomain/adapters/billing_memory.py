"""In-memory billing adapters: fees, invoices and accruals beside the snapshot store.

:class:`InMemoryBillingUnitOfWork` implements :class:`~servicedomain.ports.BillingUnitOfWork`
over an :class:`~servicedomain.adapters.memory.InMemoryStore`: subscriptions are
snapshots in the store; fees, documents and accrual periods live in billing tables
kept with it. Everything staged in one unit of work commits all or none, in the
store's critical section, after these checks against what is committed:

* a fee key stored with another payload: :class:`~servicedomain.errors.IdempotencyConflictError`
  (an equal fee is already done and skipped; law P3);
* a document id taken: :class:`~servicedomain.errors.AlreadyExistsError`; a source
  invoiced twice or over-credited, also by a unit of work that committed first:
  :class:`~servicedomain.errors.AlreadyInvoicedError`,
  :class:`~servicedomain.errors.CreditExceededError` (laws I1, F8).

Accrual periods are replaced by key (the last commit wins). Every check runs before any
row changes, and the rows are applied through the store's undo log: a commit that fails
part-way leaves the tables (and the snapshots and journals of the same commit) as they
were (law U1).

Queries read indexes kept at commit (and beside the staged rows): fees by subscription,
uninvoiced fees by customer and due date, documents by customer, accrual periods by fee
and, unposted, by end date. Each query costs about what it returns, so a monthly
invoicing and accrual cycle grows with the rows it touches, not with the history. A
commit with nothing committed by others since its unit of work first read the tables
takes its staged checks as they are instead of running them again.
"""

from __future__ import annotations

import bisect
import builtins
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Generic, TypeVar

from servicedomain._checks import require_id, require_ids, require_optional_id
from servicedomain.adapters.memory import (
    _MISSING,
    InMemoryRepository,
    InMemoryStore,
    InMemoryUnitOfWork,
    _Step,
    _UndoLog,
)
from servicedomain.errors import AlreadyExistsError, NotFoundError
from servicedomain.instants import require_date
from servicedomain.ports import EventPublisher

if TYPE_CHECKING:
    from servicedomain.billing import (
        AccrualPeriod,
        FeeKey,
        FeeTransaction,
        Invoice,
        InvoicedItem,
        Subscription,
    )

__all__ = [
    "InMemoryAccrualRepository",
    "InMemoryBillingUnitOfWork",
    "InMemoryFeeRepository",
    "InMemoryInvoiceRepository",
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
        # The unposted accrual periods, by end date.
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
            self.unposted.discard(before.period.end, key, log)
        log.put(self.accruals, key, period)
        rows = self.accruals_by_source.get(period.source_id)
        if rows is None:
            rows = {}
            log.put(self.accruals_by_source, period.source_id, rows)
        log.put(rows, period.number, period)
        if period.posting_date is None:
            self.unposted.add(period.period.end, key, period, log)

    def raise_version(self, log: _UndoLog) -> None:
        before = self.version
        log.on_undo(lambda: setattr(self, "version", before))
        self.version = before + 1


def _tables(store: InMemoryStore) -> _BillingTables:
    tables: _BillingTables | None = getattr(store, "_billing_tables", None)
    if tables is None:
        tables = _BillingTables()
        store._billing_tables = tables  # type: ignore[attr-defined]
    return tables


class InMemoryBillingUnitOfWork(InMemoryUnitOfWork):
    """A unit of work over subscriptions, fees, invoices and accrual periods, in memory.

    >>> from datetime import date
    >>> from servicedomain.billing import Subscription, generate_fees
    >>> from servicedomain.money import Money
    >>> from servicedomain.periods import MONTHLY
    >>> store = InMemoryStore()
    >>> sub = Subscription(id="S-1", group_id="G", customer_id="C", project_id="P",
    ...     category_id="FEE", period_code=MONTHLY, base_price=Money(100, "EUR"),
    ...     start_date=date(2024, 1, 1))
    >>> with InMemoryBillingUnitOfWork(store) as uow:
    ...     uow.subscriptions.add(sub)
    ...     added = uow.fees.add_all(generate_fees(sub, as_of=date(2024, 2, 1)))
    ...     uow.commit()
    >>> len(InMemoryBillingUnitOfWork(store).fees.for_subscription("S-1"))
    2
    """

    def __init__(self, store: InMemoryStore, *, publisher: EventPublisher | None = None) -> None:
        super().__init__(store, publisher=publisher)
        self._tables = _tables(store)
        self._clear()

    def _clear(self) -> None:
        self._staged_fees: dict[FeeKey, FeeTransaction] = {}
        self._staged_fees_by_subscription: dict[str, dict[FeeKey, FeeTransaction]] = {}
        self._staged_documents: dict[str, Invoice] = {}
        self._staged_documents_by_customer: dict[str, dict[str, Invoice]] = {}
        self._staged_items: dict[str, InvoicedItem] = {}
        self._staged_accruals: dict[tuple[str, int], AccrualPeriod] = {}
        self._staged_accruals_by_source: dict[str, dict[int, AccrualPeriod]] = {}
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
    def subscriptions(self) -> InMemoryRepository[Subscription]:
        """The subscriptions, staged in this unit of work."""
        from servicedomain.billing import Subscription  # noqa: PLC0415 (adapters stay light)

        return self.repository(Subscription)

    @property
    def fees(self) -> InMemoryFeeRepository:
        """The fee transactions, staged in this unit of work."""
        return InMemoryFeeRepository(self)

    @property
    def invoices(self) -> InMemoryInvoiceRepository:
        """The invoices and credit notes, staged in this unit of work."""
        return InMemoryInvoiceRepository(self)

    @property
    def accruals(self) -> InMemoryAccrualRepository:
        """The accrual periods, staged in this unit of work."""
        return InMemoryAccrualRepository(self)

    def _take_steps(self) -> list[_Step]:
        """The journals' steps, and the staged billing rows as one step."""
        steps = super()._take_steps()
        staged_fees = self._staged_fees
        documents = list(self._staged_documents.values())
        staged_items = self._staged_items
        accruals = self._staged_accruals
        if not (staged_fees or documents or accruals):
            return steps
        tables, read_version = self._tables, self._read_version

        def check() -> Callable[[_UndoLog], None]:
            from servicedomain.billing import new_fees, record_document  # noqa: PLC0415

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


class InMemoryFeeRepository:
    """The :class:`~servicedomain.ports.FeeRepository` of an in-memory billing unit of work."""

    def __init__(self, unit_of_work: InMemoryBillingUnitOfWork) -> None:
        self._uow = unit_of_work

    def for_subscription(self, subscription_id: str) -> builtins.list[FeeTransaction]:
        """Every fee of the subscription (committed and staged), in (start, kind) order."""
        require_id(subscription_id, "subscription_id")
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
        require_optional_id(customer_id, "customer_id")
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


class InMemoryInvoiceRepository:
    """The :class:`~servicedomain.ports.InvoiceRepository` of an in-memory billing unit of work."""

    def __init__(self, unit_of_work: InMemoryBillingUnitOfWork) -> None:
        self._uow = unit_of_work

    def get(self, invoice_id: str) -> Invoice:
        """The document with this id (staged or committed)."""
        require_id(invoice_id, "invoice_id")
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
        for source_id in require_ids(ids, "source_ids"):
            item = uow._staged_items.get(source_id) or uow._tables.items.get(source_id)
            if item is not None:
                found[source_id] = item
        return found

    def list(self, *, customer_id: str | None = None) -> builtins.list[Invoice]:
        """Every document (of one customer), in id order."""
        require_optional_id(customer_id, "customer_id")
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


class InMemoryAccrualRepository:
    """The :class:`~servicedomain.ports.AccrualRepository` of an in-memory billing unit of work."""

    def __init__(self, unit_of_work: InMemoryBillingUnitOfWork) -> None:
        self._uow = unit_of_work

    def for_source(self, source_id: str) -> builtins.list[AccrualPeriod]:
        """The periods of one fee, in number order."""
        require_id(source_id, "source_id")
        uow = self._uow
        with uow._store._lock:
            committed = uow._tables.accruals_by_source.get(source_id)
            rows = dict(committed) if committed else {}
        staged = uow._staged_accruals_by_source.get(source_id)
        if staged:
            rows.update(staged)
        return [rows[number] for number in sorted(rows)]

    def save_all(self, periods: Sequence[AccrualPeriod]) -> None:
        """Stage the periods, replacing those with the same key."""
        uow = self._uow
        staged, by_source = uow._staged_accruals, uow._staged_accruals_by_source
        for period in periods:
            staged[period.source_id, period.number] = period
            rows = by_source.get(period.source_id)
            if rows is None:
                rows = by_source[period.source_id] = {}
            rows[period.number] = period

    def unposted_through(self, through: date) -> builtins.list[AccrualPeriod]:
        """Periods not yet posted whose end is on or before ``through``, in key order."""
        require_date(through, "through")
        uow = self._uow
        staged = uow._staged_accruals
        with uow._store._lock:
            committed = uow._tables.unposted.through(through)
        if staged:
            rows = [period for period in committed if _by_key(period) not in staged]
            rows.extend(
                period
                for period in staged.values()
                if period.posting_date is None and period.period.end <= through
            )
        else:
            rows = committed
        rows.sort(key=_by_key)
        return rows
