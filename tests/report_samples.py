"""One of every report, with amounts over a thousand, for the language tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from orders_fixtures import AT, boiler_order, line
from servicedomain.billing import DocumentKind, FeeKind, Invoice, InvoiceLine, SourceKind
from servicedomain.money import Money
from servicedomain.orders import ServiceOrder, TransactionType
from servicedomain.reports import (
    InvoiceDocument,
    MarginReport,
    SubscriptionFeeReport,
    SubscriptionFeeRow,
    SubscriptionTransactionRow,
    SubscriptionTransactionsReport,
    WorkDescription,
    WorkReceipt,
    invoice_document,
    margin_report,
    work_description,
    work_receipt,
)
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH

HOUR, ITEM, FEE = TransactionType.HOUR, TransactionType.ITEM, TransactionType.FEE
ZONE = ZoneInfo("Europe/Stockholm")

Report = (
    MarginReport
    | WorkDescription
    | WorkReceipt
    | InvoiceDocument
    | SubscriptionTransactionsReport
    | SubscriptionFeeReport
)


def order() -> ServiceOrder:
    """A signed-off order: 2.5 hours at 493.80 EUR (1,234.50), an item, a canceled fee."""
    made = boiler_order(
        "SO-1",
        line(HOUR, "2.5", "40.00", "493.80", description="Service", service_object_id="BOILER-1"),
        line(ITEM, "1", "10.00", "15.00", description="Gasket", service_task_id="INSPECT"),
        line(FEE, "1", "0.00", "25.00", description="Call-out"),
    )
    made, _ = made.cancel_line(GRAPH, 3, at=AT)
    made, _ = made.sign_off(at=AT)
    return made


def open_order() -> ServiceOrder:
    """An order with its lines still to do (for the work description)."""
    return boiler_order(
        "SO-2",
        line(HOUR, "2.5", "40.00", "493.80", description="Service", service_object_id="BOILER-1"),
    )


def invoice(kind: DocumentKind = DocumentKind.INVOICE) -> Invoice:
    """An invoice of 1,234.50 EUR (or a credit note taking 1,234.50 back)."""
    sign = -1 if kind is DocumentKind.CREDIT_NOTE else 1
    return Invoice(
        id="CN-1" if sign < 0 else "INV-1",
        kind=kind,
        customer_id="C-1",
        currency=Money.zero("EUR").currency,
        invoice_date=date(2026, 3, 31),
        lines=(
            InvoiceLine(
                source_kind=SourceKind.FEE,
                source_id="S-1:2026-03-01:2026-04-01:charge",
                description="Monthly fee",
                service_date=date(2026, 3, 1),
                quantity=Decimal(1),
                unit_price=Money.of("1234.50", "EUR"),
                amount=Money.of("1234.50", "EUR") * sign,
                subscription_id="S-1",
                credited_invoice_id="INV-1" if sign < 0 else None,
            ),
        ),
    )


def transaction_rows() -> tuple[SubscriptionTransactionRow, ...]:
    """A charge of 1,234.50 SEK, invoiced, half accrued."""
    return (
        SubscriptionTransactionRow(
            subscription_id="S-1",
            fee_id="S-1:2026-03-01:2026-04-01:charge",
            kind=FeeKind.CHARGE,
            first_day=date(2026, 3, 1),
            last_day=date(2026, 3, 31),
            amount=Money.of("1234.50", "SEK"),
            due_date=date(2026, 3, 1),
            invoice_id="INV-1",
            credited=Money.zero("SEK"),
            accrued=Money.of("617.25", "SEK"),
        ),
    )


def fee_rows() -> tuple[SubscriptionFeeRow, ...]:
    """One billing period of 1,234.50 EUR, invoiced and accrued."""
    amount = Money.of("1234.50", "EUR")
    return (
        SubscriptionFeeRow(
            subscription_id="S-1",
            first_day=date(2026, 3, 1),
            last_day=date(2026, 3, 31),
            fee=amount,
            invoiced=amount,
            credited=Money.zero("EUR"),
            accrued=amount,
        ),
    )


def every_report() -> dict[str, Report]:
    """Every report, by name."""
    return {
        "margin": margin_report([order(), open_order()]),
        "work_description": work_description(open_order()),
        "work_receipt": work_receipt(order()),
        "invoice": invoice_document(invoice()),
        "credit_note": invoice_document(invoice(DocumentKind.CREDIT_NOTE)),
        "subscription_transactions": SubscriptionTransactionsReport(transaction_rows()),
        "subscription_fees": SubscriptionFeeReport(fee_rows()),
    }
