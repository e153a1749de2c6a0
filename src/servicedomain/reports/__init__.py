"""Reports: service order margin and work documents, subscriptions, invoices.

Reports are data first: each function returns a frozen value a host can show as it
likes. Each report builds one :class:`ReportView` (title, facts, tables of typed
cells, bar and timeline charts), and every format is a view of it: ``render_text()``
(columns sized to their content), ``render_csv()`` (the main table, plain values),
``render_json()`` (every table, plain values) and ``render_html()`` (a self-contained
page from a Jinja2 template with inline SVG charts; needs the ``[reports]`` extra, the
other formats do not). :func:`render` takes the format by name.

Every renderer takes a ``locale``: ``en`` (the default), ``sv``, ``nl`` or ``lv``,
optionally with a region (``sv_SE``). The text and the HTML translate the labels from
gettext catalogs (``locale/<lang>/LC_MESSAGES/servicedomain.po``) and format amounts,
numbers and dates with Babel (``1 234,50 kr``); the CSV and the JSON are the same in
every locale. Locales other than ``en`` need the ``[reports]`` extra (Babel).

* :func:`margin_report` (AX *Service order margin*): per order and transaction type,
  revenue (quantity x sales price), cost (quantity x cost price), margin and margin %,
  over Created and Posted lines; Canceled lines are left out. Each line amount is
  rounded once, half-up, as on the line itself; sums are exact.
* :func:`work_description` (AX *Work description*): the work to perform, for the
  technician, before the visit.
* :func:`work_receipt` (AX *Work receipt*): the work performed and signed off, for the
  customer.
* :func:`repair_history`: every repair step (repair line) and BOM change of a service
  object, by date (:class:`RepairHistory`).
* :func:`subscription_transactions` (AX *Transaction - subscription*): one row per fee
  transaction, with its invoice, what was credited and what is accrued.
* :func:`subscription_fee_summary` (AX *Subscription fee transactions*): per
  subscription and billing period, the fees, invoiced, credited and accrued amounts.
  Both render through :class:`SubscriptionTransactionsReport` and
  :class:`SubscriptionFeeReport` (and the ``render_subscription_*`` functions).
* :func:`invoice_document`: a posted invoice or credit note, for the customer.
* :func:`dispatch_board_report` (AX *Dispatch board*): a team's bookings as a row per
  bar, the technicians' booked and free hours and the undispatched requirements; the
  HTML draws a Gantt-style board (:class:`GanttChart`): technicians as rows, bars in
  the priority colours, travel before each bar, locked bars marked.
"""

from __future__ import annotations

from servicedomain.reports._board import DispatchBoardReport, dispatch_board_report
from servicedomain.reports._invoices import InvoiceDocument, invoice_document
from servicedomain.reports._orders import (
    MarginReport,
    MarginRow,
    WorkDescription,
    WorkDocumentLine,
    WorkDocumentRepair,
    WorkReceipt,
    margin_report,
    work_description,
    work_receipt,
)
from servicedomain.reports._repairs import (
    RepairHistory,
    RepairHistoryAction,
    RepairHistoryEntry,
    repair_history,
)
from servicedomain.reports._sla import SlaExplanation, sla_explanation
from servicedomain.reports._subscriptions import (
    SubscriptionFeeReport,
    SubscriptionFeeRow,
    SubscriptionTransactionRow,
    SubscriptionTransactionsReport,
    render_subscription_fee_summary_csv,
    render_subscription_fee_summary_html,
    render_subscription_fee_summary_json,
    render_subscription_fee_summary_text,
    render_subscription_transactions_csv,
    render_subscription_transactions_html,
    render_subscription_transactions_json,
    render_subscription_transactions_text,
    subscription_fee_summary,
    subscription_fee_totals,
    subscription_transactions,
)
from servicedomain.reports._views import (
    BarChart,
    Cell,
    GanttBar,
    GanttChart,
    GanttRow,
    ReportColumn,
    ReportFormat,
    ReportTable,
    ReportView,
    TimelineChart,
    TimelineMarker,
    TimelineSpan,
    render,
    render_csv,
    render_html,
    render_json,
    render_text,
)

__all__ = [
    # the reports
    "DispatchBoardReport",
    "InvoiceDocument",
    "MarginReport",
    "MarginRow",
    "RepairHistory",
    "RepairHistoryAction",
    "RepairHistoryEntry",
    "SlaExplanation",
    "SubscriptionFeeReport",
    "SubscriptionFeeRow",
    "SubscriptionTransactionRow",
    "SubscriptionTransactionsReport",
    "WorkDescription",
    "WorkDocumentLine",
    "WorkDocumentRepair",
    "WorkReceipt",
    "dispatch_board_report",
    "invoice_document",
    "margin_report",
    "repair_history",
    "render_subscription_fee_summary_csv",
    "render_subscription_fee_summary_html",
    "render_subscription_fee_summary_json",
    "render_subscription_fee_summary_text",
    "render_subscription_transactions_csv",
    "render_subscription_transactions_html",
    "render_subscription_transactions_json",
    "render_subscription_transactions_text",
    "sla_explanation",
    "subscription_fee_summary",
    "subscription_fee_totals",
    "subscription_transactions",
    "work_description",
    "work_receipt",
    # the data model every report renders from, and its formats
    "BarChart",
    "Cell",
    "GanttBar",
    "GanttChart",
    "GanttRow",
    "ReportColumn",
    "ReportFormat",
    "ReportTable",
    "ReportView",
    "TimelineChart",
    "TimelineMarker",
    "TimelineSpan",
    "render",
    "render_csv",
    "render_html",
    "render_json",
    "render_text",
]
