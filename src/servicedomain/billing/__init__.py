"""Service subscriptions and billing (AX section 5), pure and exact.

* Set-up: :class:`SubscriptionGroup` (invoicing and accrual period codes, accrual policy),
  :class:`Subscription` (the entity; price changes, indexing, cancellation), the
  :class:`PriceTable` with its 8-level priority, :class:`IndexedPrice`.
* Fees: :func:`generate_fees` (catch-up, regular, non-regular, continuous; price-change
  and cancellation adjustments), :func:`reduce_days`, :func:`prorate`; every
  :class:`FeeTransaction` has a natural key, and :func:`new_fees` is a store's
  idempotent add.
* Invoicing: :func:`propose_invoices`, :class:`Invoice`, :func:`credit_note`,
  :func:`record_document` (each source invoiced once, credits within what was
  invoiced, at the invoiced price; a negative document is a credit note). Credit notes
  and cancellation or reduction credits never stack: generation is told what credit
  notes took back (``generate_fees(..., credited_by_fee=...)``), and a credit note what the
  charge still bills (``credit_note(..., fees=...)``), law F13.
* Events: a :class:`Subscription`'s operations return ``(new_subscription, events)``;
  :func:`document_issued` and :func:`revenue_accrued` state a posted document and an
  accrual run as events (:class:`InvoiceIssued`, :class:`CreditNoteIssued`,
  :class:`RevenueAccrued`); the billing desk collects them all.
* Revenue accrual: :func:`accrual_periods`, :func:`accrue`, :func:`reverse_period`,
  :func:`reverse_for_credit`, with :class:`AccrualEntry` for the ``Journal`` port.

Invoicing numbers each document (:func:`next_document_id`) and creates the accrual
periods of its fees (:func:`accrual_periods_for`). The use cases over the ports are
the methods of :class:`servicedomain.app.billing_desk.BillingDesk`.

>>> from datetime import date
>>> from servicedomain.money import Money
>>> from servicedomain.periods import MONTHLY
>>> table = PriceTable((PriceEntry(effective_date=date(2024, 1, 1), category_id=None,
...     project_id=None, subscription_id="S-1", period_code=MONTHLY, price=Money(90, "EUR")),))
>>> table.price(subscription_id="S-1", project_id="P-1", category_id="FEE",
...     period_code=MONTHLY, currency="EUR", on=date(2024, 3, 1))
Money('90.00', 'EUR')
"""

from __future__ import annotations

from servicedomain.billing._accruals import (
    ACCRUED_REVENUE_ACCOUNT,
    WIP_ACCOUNT,
    AccrualEntry,
    AccrualEntryKind,
    AccrualMethod,
    AccrualPeriod,
    AccrualPolicy,
    ReversalMode,
    RoundingPeriod,
    accrual_periods,
    accrual_periods_for,
    accrue,
    accrued_total,
    reverse_for_credit,
    reverse_period,
)
from servicedomain.billing._events import (
    AccrualReversed,
    CreditNoteIssued,
    FeesGenerated,
    InvoiceIssued,
    RevenueAccrued,
    SubscriptionActivated,
    SubscriptionCanceled,
    SubscriptionCreated,
    SubscriptionDeactivated,
    SubscriptionIndexed,
    SubscriptionPriceChanged,
    document_issued,
    revenue_accrued,
)
from servicedomain.billing._fee_generation import FeeRun, generate_fees, reduce_days
from servicedomain.billing._fees import FeeKey, FeeKind, FeeTransaction, latest_end, new_fees
from servicedomain.billing._invoicing import (
    BillableTransaction,
    DocumentKind,
    Invoice,
    InvoicedItem,
    InvoiceLine,
    InvoiceProposal,
    SourceKind,
    credit_note,
    next_document_id,
    propose_invoices,
    record_document,
)
from servicedomain.billing._pricing import IndexedPrice, PriceEntry, PriceTable
from servicedomain.billing._proration import days_share, prorate
from servicedomain.billing._subscriptions import (
    BillingTiming,
    PriceBasis,
    PriceChange,
    Subscription,
    SubscriptionGroup,
    allowed_accrual_period_codes,
)

__all__ = [
    "ACCRUED_REVENUE_ACCOUNT",
    "WIP_ACCOUNT",
    "AccrualEntry",
    "AccrualEntryKind",
    "AccrualMethod",
    "AccrualPeriod",
    "AccrualPolicy",
    "AccrualReversed",
    "BillableTransaction",
    "DocumentKind",
    "Invoice",
    "InvoiceLine",
    "InvoiceProposal",
    "InvoicedItem",
    "ReversalMode",
    "RoundingPeriod",
    "SourceKind",
    "accrual_periods",
    "accrual_periods_for",
    "accrue",
    "accrued_total",
    "credit_note",
    "next_document_id",
    "propose_invoices",
    "record_document",
    "reverse_for_credit",
    "reverse_period",
    "BillingTiming",
    "FeeKey",
    "FeeKind",
    "FeeRun",
    "FeeTransaction",
    "PriceBasis",
    "PriceChange",
    "Subscription",
    "days_share",
    "generate_fees",
    "latest_end",
    "new_fees",
    "prorate",
    "reduce_days",
    "IndexedPrice",
    "PriceEntry",
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
    "PriceTable",
    "SubscriptionGroup",
    "allowed_accrual_period_codes",
]
