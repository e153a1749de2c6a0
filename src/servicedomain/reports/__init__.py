"""Reports: service order margin and work documents, subscription transactions.

Reports are data first: each function returns a frozen value a host can show as it
likes, and each value renders itself as plain text and as HTML for the common case.

* :func:`margin_report` (AX *Service order margin*): per order and transaction type,
  revenue (quantity x sales price), cost (quantity x cost price), margin and margin %,
  over Created and Posted lines; Canceled lines are left out. Each line amount is
  rounded once, half-up, as on the line itself; sums are exact.
* :func:`work_description` (AX *Work description*): the work to perform, for the
  technician, before the visit.
* :func:`work_receipt` (AX *Work receipt*): the work performed and signed off, for the
  customer.
* :func:`subscription_transactions` (AX *Transaction - subscription*): one row per fee
  transaction, with its invoice, what was credited and what is accrued.
* :func:`subscription_fee_summary` (AX *Subscription fee transactions*): per
  subscription and billing period, the fees, invoiced, credited and accrued amounts.
  The subscription reports render as text and as CSV (module functions).
"""

from __future__ import annotations

from servicedomain.reports._orders import (
    MarginReport,
    MarginRow,
    WorkDescription,
    WorkDocumentLine,
    WorkReceipt,
    margin_report,
    work_description,
    work_receipt,
)
from servicedomain.reports._subscriptions import (
    SubscriptionFeeRow,
    SubscriptionTransactionRow,
    render_subscription_fee_summary_csv,
    render_subscription_fee_summary_text,
    render_subscription_transactions_csv,
    render_subscription_transactions_text,
    subscription_fee_summary,
    subscription_fee_totals,
    subscription_transactions,
)

__all__ = [
    "MarginReport",
    "MarginRow",
    "SubscriptionFeeRow",
    "SubscriptionTransactionRow",
    "WorkDescription",
    "WorkDocumentLine",
    "WorkReceipt",
    "margin_report",
    "render_subscription_fee_summary_csv",
    "render_subscription_fee_summary_text",
    "render_subscription_transactions_csv",
    "render_subscription_transactions_text",
    "subscription_fee_summary",
    "subscription_fee_totals",
    "subscription_transactions",
    "work_description",
    "work_receipt",
]
