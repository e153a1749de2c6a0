"""The events of billing: past-tense facts, each a frozen DomainEvent.

Who emits which:

* A :class:`~servicedomain.billing.Subscription`'s operations return theirs with the new
  snapshot: :class:`SubscriptionCreated`, :class:`SubscriptionPriceChanged`,
  :class:`SubscriptionIndexed`, :class:`SubscriptionCanceled`,
  :class:`SubscriptionDeactivated`, :class:`SubscriptionActivated`, and
  :class:`FeesGenerated` (:meth:`~servicedomain.billing.Subscription.record_fees`, the
  subscription taking note of the fees a run stored for it).
* A posted document is a fact of its own: :func:`document_issued` turns it into
  :class:`InvoiceIssued` or :class:`CreditNoteIssued`, and :func:`revenue_accrued` turns
  the accrual entries of one run into a :class:`RevenueAccrued` per fee. The
  billing desk builds them from what it stores, with the clock's instant: the
  pure functions that decide invoices, credits and accruals stay free of time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Final

import attrs

from servicedomain import _trusted
from servicedomain._checks import (
    deep_iterable,
    instance_of,
    is_count,
    is_date,
    is_id,
    is_instant,
    is_money,
    is_str,
    items_of,
)
from servicedomain.billing._accruals import AccrualEntry
from servicedomain.billing._invoicing import DocumentKind, Invoice
from servicedomain.billing._pricing import _INDEX, _PRICE
from servicedomain.events import DomainEvent
from servicedomain.money import Currency, Money

__all__ = [
    "AccrualReversed",
    "CreditNoteIssued",
    "FeesGenerated",
    "InvoiceIssued",
    "RevenueAccrued",
    "SubscriptionActivated",
    "SubscriptionCanceled",
    "SubscriptionCreated",
    "SubscriptionDeactivated",
    "SubscriptionIndexed",
    "SubscriptionPriceChanged",
    "document_issued",
    "revenue_accrued",
]


# Each field of an event is checked as the field it records is (ids, prices, dates ...).
_IDS: Final = deep_iterable(is_id)
_NUMBERS: Final = deep_iterable(is_count)
_CURRENCY: Final = instance_of(Currency)


@attrs.frozen(kw_only=True)
class SubscriptionCreated(DomainEvent):
    """A subscription was created (version 1): who is billed, from when, at which price."""

    group_id: str = attrs.field(validator=is_id)
    customer_id: str = attrs.field(validator=is_id)
    start_date: date = attrs.field(validator=is_date)
    base_price: Money = attrs.field(validator=_PRICE)
    index: Decimal = attrs.field(validator=_INDEX)


@attrs.frozen(kw_only=True)
class SubscriptionPriceChanged(DomainEvent):
    """A new base price and index take effect on ``effective_date`` (AX *Price reduction*)."""

    effective_date: date = attrs.field(validator=is_date)
    base_price: Money = attrs.field(validator=_PRICE)
    index: Decimal = attrs.field(validator=_INDEX)


@attrs.frozen(kw_only=True)
class SubscriptionIndexed(DomainEvent):
    """An *Index subscription* move takes effect on ``effective_date``.

    ``move`` names it: ``"index_by_percent"``, ``"index_to"``, ``"base_by_percent"`` or
    ``"base_to"``; ``base_price`` and ``index`` are the result.
    """

    move: str = attrs.field(validator=is_str)
    effective_date: date = attrs.field(validator=is_date)
    base_price: Money = attrs.field(validator=_PRICE)
    index: Decimal = attrs.field(validator=_INDEX)


@attrs.frozen(kw_only=True)
class SubscriptionCanceled(DomainEvent):
    """The subscription was canceled: ``end_date`` is the last day served (inclusive)."""

    end_date: date = attrs.field(validator=is_date)


@attrs.frozen(kw_only=True)
class SubscriptionDeactivated(DomainEvent):
    """The *Active* flag was cleared: no new fees are generated."""


@attrs.frozen(kw_only=True)
class SubscriptionActivated(DomainEvent):
    """The *Active* flag was set again."""


@attrs.frozen(kw_only=True)
class FeesGenerated(DomainEvent):
    """These new fees of the subscription (``entity_id``) were stored.

    ``amount`` is their sum (adjustments are negative).
    """

    fee_ids: tuple[str, ...] = attrs.field(validator=_IDS)
    amount: Money = attrs.field(validator=is_money)


@attrs.frozen(kw_only=True)
class InvoiceIssued(DomainEvent):
    """An invoice was posted (``entity_id`` is its id): these sources are billed."""

    customer_id: str = attrs.field(validator=is_id)
    currency: Currency = attrs.field(validator=_CURRENCY)
    invoice_date: date = attrs.field(validator=is_date)
    total: Money = attrs.field(validator=is_money)
    source_ids: tuple[str, ...] = attrs.field(validator=_IDS)


@attrs.frozen(kw_only=True)
class CreditNoteIssued(DomainEvent):
    """A credit note was posted (``entity_id`` is its id); ``total`` is negative."""

    customer_id: str = attrs.field(validator=is_id)
    currency: Currency = attrs.field(validator=_CURRENCY)
    invoice_date: date = attrs.field(validator=is_date)
    total: Money = attrs.field(validator=is_money)
    source_ids: tuple[str, ...] = attrs.field(validator=_IDS)


@attrs.frozen(kw_only=True, weakref_slot=False)  # no weak references: fast builds
class RevenueAccrued(DomainEvent):
    """Accrual periods of one invoiced fee (``entity_id``) were posted to the journal."""

    numbers: tuple[int, ...] = attrs.field(validator=_NUMBERS)
    posting_date: date = attrs.field(validator=is_date)
    amount: Money = attrs.field(validator=is_money)


@attrs.frozen(kw_only=True)
class AccrualReversed(DomainEvent):
    """Accrual period ``number`` of one invoiced fee (``entity_id``) was reversed by hand.

    ``amount`` is the reversing entry's amount (the period's, sign reversed) and
    ``reversed_on`` its posting date (AX *Subscription accrue period*, manual reversal).
    """

    number: int = attrs.field(validator=is_count)
    reversed_on: date = attrs.field(validator=is_date)
    amount: Money = attrs.field(validator=is_money)


def document_issued(document: Invoice, *, at: datetime) -> InvoiceIssued | CreditNoteIssued:
    """The fact that ``document`` was posted at ``at``: an invoice or a credit note issued.

    Raises:
        TypeMismatchError: ``document`` is not an Invoice, or ``at`` not a datetime.

    >>> from datetime import UTC
    >>> from servicedomain.billing import Subscription, generate_fees, propose_invoices
    >>> from servicedomain.periods import MONTHLY
    >>> sub = Subscription(id="S-1", group_id="G", customer_id="C", project_id="P",
    ...     category_id="FEE", period_code=MONTHLY, base_price=Money(100, "EUR"),
    ...     start_date=date(2024, 1, 1))
    >>> fees = generate_fees(sub, as_of=date(2024, 1, 1))
    >>> (proposal,) = propose_invoices(due_by=date(2024, 1, 1), fees=fees)
    >>> invoice = proposal.post(invoice_id="INV-1", invoice_date=date(2024, 1, 1))
    >>> event = document_issued(invoice, at=datetime(2024, 1, 31, tzinfo=UTC))
    >>> event.name, event.entity_id, event.total
    ('InvoiceIssued', 'INV-1', Money('100.00', 'EUR'))
    """
    instance_of(Invoice).check(document, "document")
    instant = is_instant.check(at, "at")
    kind = InvoiceIssued if document.kind is DocumentKind.INVOICE else CreditNoteIssued
    return kind(
        entity_id=document.id,
        occurred_at=instant,
        customer_id=document.customer_id,
        currency=document.currency,
        invoice_date=document.invoice_date,
        total=document.total,
        source_ids=tuple(line.source_id for line in document.lines),
    )


def revenue_accrued(entries: Iterable[AccrualEntry], *, at: datetime) -> tuple[RevenueAccrued, ...]:
    """One :class:`RevenueAccrued` per fee whose accrual ``entries`` were posted at ``at``.

    The events come in the order each fee first appears; ``amount`` is the sum of the
    fee's entries and ``posting_date`` the first entry's.

    Raises:
        TypeMismatchError: ``entries`` is not an iterable of AccrualEntry (the culprit
            named by its position, ``entries[2]``), or ``at`` is not a datetime.
    """
    posted_entries = items_of(AccrualEntry).check(entries, "entries")
    instant = is_instant.check(at, "at")
    by_source: dict[str, list[AccrualEntry]] = {}
    for entry in posted_entries:
        by_source.setdefault(entry.source_id, []).append(entry)
    # The fields come from checked entries (and ``at``, checked above): the events are
    # built without their validators, one per fee of a run (checked mode runs them).
    build = _trusted.builder(RevenueAccrued)
    return tuple(
        build(
            entity_id=source_id,
            occurred_at=instant,
            numbers=tuple(entry.number for entry in posted),
            posting_date=posted[0].posting_date,
            amount=sum((entry.amount for entry in posted[1:]), posted[0].amount),
        )
        for source_id, posted in by_source.items()
    )
