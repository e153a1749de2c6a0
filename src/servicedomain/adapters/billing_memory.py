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

Accrual periods are replaced by key (the last commit wins).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from servicedomain.adapters.memory import InMemoryRepository, InMemoryStore, InMemoryUnitOfWork
from servicedomain.errors import AlreadyExistsError, NotFoundError, TypeMismatchError
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


class _BillingTables:
    """The committed billing rows of one store."""

    def __init__(self) -> None:
        self.fees: dict[FeeKey, FeeTransaction] = {}
        self.fees_by_subscription: dict[str, dict[FeeKey, FeeTransaction]] = {}
        self.uninvoiced_by_customer: dict[str, dict[str, FeeTransaction]] = {}
        self.documents: dict[str, Invoice] = {}
        self.items: dict[str, InvoicedItem] = {}
        self.accruals: dict[tuple[str, int], AccrualPeriod] = {}


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
    ...     category_id="FEE", period=MONTHLY, base_price=Money(100, "EUR"),
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
        self._staged_documents: dict[str, Invoice] = {}
        self._staged_items: dict[str, InvoicedItem] = {}
        self._staged_accruals: dict[tuple[str, int], AccrualPeriod] = {}

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

    def _take_extra(self) -> Callable[[], Callable[[], None]] | None:
        fees = list(self._staged_fees.values())
        documents = list(self._staged_documents.values())
        accruals = list(self._staged_accruals.values())
        if not (fees or documents or accruals):
            return None
        tables = self._tables

        def check() -> Callable[[], None]:
            from servicedomain.billing import new_fees, record_document  # noqa: PLC0415

            stored = [tables.fees[fee.key] for fee in fees if fee.key in tables.fees]
            fresh = new_fees(stored, fees)
            items: dict[str, InvoicedItem] = {}
            for document in documents:
                if document.id in tables.documents:
                    raise AlreadyExistsError("Invoice", document.id, document.version)
                view = _Overlay(tables.items, items)
                items.update(record_document(view, document))

            def apply() -> None:
                for fee in fresh:
                    tables.fees[fee.key] = fee
                    tables.fees_by_subscription.setdefault(fee.subscription_id, {})[fee.key] = fee
                    if fee.id not in tables.items:
                        by_customer = tables.uninvoiced_by_customer.setdefault(fee.customer_id, {})
                        by_customer[fee.id] = fee
                for document in documents:
                    tables.documents[document.id] = document
                for source_id, item in items.items():
                    tables.items[source_id] = item
                    tables.uninvoiced_by_customer.get(item.customer_id, {}).pop(source_id, None)
                for period in accruals:
                    tables.accruals[period.key] = period

            return apply

        return check


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


class InMemoryFeeRepository:
    """The :class:`~servicedomain.ports.FeeRepository` of an in-memory billing unit of work."""

    def __init__(self, unit_of_work: InMemoryBillingUnitOfWork) -> None:
        self._uow = unit_of_work

    def for_subscription(self, subscription_id: str) -> builtins.list[FeeTransaction]:
        """Every fee of the subscription (committed and staged), in (start, kind) order."""
        if not isinstance(subscription_id, str):
            raise TypeMismatchError("subscription_id", subscription_id, "an id is a str")
        uow = self._uow
        rows = dict(uow._tables.fees_by_subscription.get(subscription_id, {}))
        rows.update(
            (key, fee)
            for key, fee in uow._staged_fees.items()
            if fee.subscription_id == subscription_id
        )
        return sorted(
            rows.values(), key=lambda fee: (fee.period.start, fee.kind.value, fee.period.end)
        )

    def add_all(self, fees: Sequence[FeeTransaction]) -> builtins.list[FeeTransaction]:
        """Stage the fees whose key is new; return those.

        Raises:
            IdempotencyConflictError: a key is stored or staged with another payload.
        """
        from servicedomain.billing import new_fees  # noqa: PLC0415

        uow = self._uow
        given = list(fees)
        stored = []
        for fee in given:
            key = getattr(fee, "key", None)
            known = uow._staged_fees.get(key) if key is not None else None
            if known is None and key is not None:
                known = uow._tables.fees.get(key)
            if known is not None:
                stored.append(known)
        fresh = new_fees(stored, given)
        for fee in fresh:
            uow._staged_fees[fee.key] = fee
        return list(fresh)

    def due(self, *, due_by: date, customer_id: str | None = None) -> builtins.list[FeeTransaction]:
        """The fees due by ``due_by`` on no invoice (committed or staged), in due-date order."""
        uow = self._uow
        tables = uow._tables
        if customer_id is None:
            pools: Iterable[dict[str, FeeTransaction]] = tables.uninvoiced_by_customer.values()
        else:
            pools = [tables.uninvoiced_by_customer.get(customer_id, {})]
        found = {fee.id: fee for pool in pools for fee in pool.values() if fee.due_date <= due_by}
        for fee in uow._staged_fees.values():
            if fee.due_date <= due_by and (customer_id is None or fee.customer_id == customer_id):
                found[fee.id] = fee
        for source_id in uow._staged_items:
            found.pop(source_id, None)
        return sorted(found.values(), key=lambda fee: (fee.due_date, fee.id))


class InMemoryInvoiceRepository:
    """The :class:`~servicedomain.ports.InvoiceRepository` of an in-memory billing unit of work."""

    def __init__(self, unit_of_work: InMemoryBillingUnitOfWork) -> None:
        self._uow = unit_of_work

    def get(self, invoice_id: str) -> Invoice:
        """The document with this id (staged or committed)."""
        uow = self._uow
        found = uow._staged_documents.get(invoice_id) or uow._tables.documents.get(invoice_id)
        if found is None:
            raise NotFoundError("Invoice", invoice_id)
        return found

    def add(self, document: Invoice) -> None:
        """Stage a posted invoice or credit note and the invoiced items it changes."""
        from servicedomain.billing import record_document  # noqa: PLC0415

        uow = self._uow
        if document.id in uow._staged_documents or document.id in uow._tables.documents:
            raise AlreadyExistsError("Invoice", document.id, document.version)
        changed = record_document(_Overlay(uow._tables.items, uow._staged_items), document)
        uow._staged_documents[document.id] = document
        uow._staged_items.update(changed)

    def invoiced(self, source_ids: Iterable[str]) -> dict[str, InvoicedItem]:
        """The invoiced items of those sources that are invoiced."""
        uow = self._uow
        found: dict[str, InvoicedItem] = {}
        for source_id in source_ids:
            item = uow._staged_items.get(source_id) or uow._tables.items.get(source_id)
            if item is not None:
                found[source_id] = item
        return found

    def list(self, *, customer_id: str | None = None) -> builtins.list[Invoice]:
        """Every document (of one customer), in id order."""
        uow = self._uow
        rows = {**uow._tables.documents, **uow._staged_documents}
        return [
            rows[key]
            for key in sorted(rows)
            if customer_id is None or rows[key].customer_id == customer_id
        ]


class InMemoryAccrualRepository:
    """The :class:`~servicedomain.ports.AccrualRepository` of an in-memory billing unit of work."""

    def __init__(self, unit_of_work: InMemoryBillingUnitOfWork) -> None:
        self._uow = unit_of_work

    def _rows(self) -> dict[tuple[str, int], AccrualPeriod]:
        uow = self._uow
        return {**uow._tables.accruals, **uow._staged_accruals}

    def for_source(self, source_id: str) -> builtins.list[AccrualPeriod]:
        """The periods of one fee, in number order."""
        rows = self._rows()
        return [rows[key] for key in sorted(rows) if key[0] == source_id]

    def save_all(self, periods: Sequence[AccrualPeriod]) -> None:
        """Stage the periods, replacing those with the same key."""
        for period in periods:
            self._uow._staged_accruals[period.key] = period

    def unposted_through(self, through: date) -> builtins.list[AccrualPeriod]:
        """Periods not yet posted whose end is on or before ``through``, in key order."""
        rows = self._rows()
        return [
            rows[key]
            for key in sorted(rows)
            if rows[key].posting_date is None and rows[key].period.end <= through
        ]
