"""Invoice and credit-note documents: what the customer receives."""

from __future__ import annotations

import attrs

from servicedomain._checks import instance_of
from servicedomain.billing import DocumentKind, Invoice
from servicedomain.errors import TypeMismatchError
from servicedomain.reports._labels import label
from servicedomain.reports._views import Cell, Renders, ReportColumn, ReportTable, ReportView

__all__ = ["InvoiceDocument", "invoice_document"]


@attrs.frozen
class InvoiceDocument(Renders):
    """A posted invoice or credit note as a document (text, CSV, JSON, HTML).

    Lists the lines in the invoice's order with their source, service date, quantity,
    unit price and amount (negative where a credit note takes back), and the total,
    the exact sum of the line amounts (law M7). On a credit note a line that credits
    an invoiced source names the invoice it credits. What a line bills (its source
    kind and id, the subscription) is in the CSV and the JSON, not in what the
    customer reads.
    """

    invoice: Invoice = attrs.field(validator=instance_of(Invoice))

    @property
    def title(self) -> str:
        """``Invoice INV-1`` or ``Credit note CN-1``."""
        if self.invoice.kind is DocumentKind.CREDIT_NOTE:
            return label("Credit note {id}").format(id=self.invoice.id)
        return label("Invoice {id}").format(id=self.invoice.id)

    def view(self) -> ReportView:
        """The document as data: the facts, then the lines with the total as foot."""
        invoice = self.invoice
        code = invoice.currency.code
        crediting = invoice.kind is DocumentKind.CREDIT_NOTE
        columns = (
            ReportColumn("number", label("#"), "number"),
            ReportColumn("source_kind", label("Kind"), shown=False),
            ReportColumn("source_id", label("Source"), shown=False),
            ReportColumn("subscription_id", label("Subscription"), shown=False),
            ReportColumn("description", label("Description")),
            ReportColumn("service_date", label("Service date"), "date"),
            ReportColumn("quantity", label("Quantity"), "number"),
            ReportColumn("currency", label("Currency"), shown=False),
            ReportColumn("unit_price", label("Unit price"), "money"),
            ReportColumn("amount", label("Amount"), "money"),
            ReportColumn("credited_invoice_id", label("Credits invoice"), shown=crediting),
        )
        rows: list[tuple[Cell, ...]] = [
            (
                number,
                line.source_kind.value,
                line.source_id,
                line.subscription_id,
                line.description,
                line.service_date,
                line.quantity,
                code,
                line.unit_price,
                line.amount,
                line.credited_invoice_id,
            )
            for number, line in enumerate(invoice.lines, start=1)
        ]
        total: tuple[Cell, ...] = (
            *(None, None, None, None, label("Total"), None, None),
            code,
            None,
            invoice.total,
            None,
        )
        kind = label("Credit note") if crediting else label("Invoice")
        return ReportView(
            key=invoice.kind.value,
            title=self.title,
            facts=(
                ("id", label("Number"), invoice.id),
                ("kind", label("Document"), kind),
                ("customer_id", label("Customer"), invoice.customer_id),
                ("invoice_date", label("Date"), invoice.invoice_date),
                ("currency", label("Currency"), code),
                ("total", label("Total"), invoice.total),
            ),
            tables=(ReportTable("lines", label("Lines"), columns, rows, [total]),),
        )


def invoice_document(invoice: Invoice) -> InvoiceDocument:
    """The document of a posted invoice or credit note, to print or send.

    Raises:
        TypeMismatchError: ``invoice`` is not an Invoice.
    """
    if not isinstance(invoice, Invoice):
        raise TypeMismatchError("invoice", invoice, "expected an Invoice")
    return InvoiceDocument(invoice)
