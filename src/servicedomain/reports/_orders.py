"""Reports on service orders: margin, work description and work receipt."""

from __future__ import annotations

import decimal
import html
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import attrs

from servicedomain._checks import (
    deep_iterable,
    instance_of,
    is_bool,
    is_date,
    is_id,
    is_line_number,
    is_str,
    items_of,
    optional,
)
from servicedomain.errors import TypeMismatchError
from servicedomain.instants import local_datetime, named_zone
from servicedomain.money import Currency, Money
from servicedomain.orders import (
    LineStatus,
    ServiceOrder,
    ServiceOrderLine,
    TransactionType,
)

__all__ = [
    "MarginReport",
    "MarginRow",
    "WorkDescription",
    "WorkDocumentLine",
    "WorkReceipt",
    "margin_report",
    "work_description",
    "work_receipt",
]

_PERCENT = Decimal("0.01")
# Ratios are computed in this context, never the caller's ambient one.
_RATIO = decimal.Context(prec=50)
_COUNTED = frozenset({LineStatus.CREATED, LineStatus.POSTED})


def _percent(part: Money, whole: Money) -> Decimal | None:
    """``part / whole x 100`` rounded half-up to 2 decimals; None when ``whole`` is zero."""
    if whole.is_zero:
        return None
    ratio = _RATIO.divide(part.amount * 100, whole.amount)
    return ratio.quantize(_PERCENT, rounding=ROUND_HALF_UP, context=_RATIO)


def _show_percent(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value}%"


# ------------------------------------------------------------------------------ margin


@attrs.frozen
class MarginRow:
    """Revenue, cost and margin of one order (or all orders) for one transaction type.

    ``order_id`` is ``None`` on a total row; ``transaction_type`` is ``None`` on a row
    that sums all types.
    """

    order_id: str | None = attrs.field(validator=optional(instance_of(str)))
    transaction_type: TransactionType | None = attrs.field(
        validator=optional(instance_of(TransactionType))
    )
    revenue: Money = attrs.field(validator=instance_of(Money))
    cost: Money = attrs.field(validator=instance_of(Money))

    @property
    def currency(self) -> Currency:
        """The currency of the amounts."""
        return self.revenue.currency

    @property
    def margin(self) -> Money:
        """Revenue minus cost."""
        return self.revenue - self.cost

    @property
    def margin_percent(self) -> Decimal | None:
        """Margin over revenue x 100, 2 decimals half-up; ``None`` without revenue."""
        return _percent(self.margin, self.revenue)


def _sum_rows(rows: Iterable[MarginRow], order_id: str | None, currency: Currency) -> MarginRow:
    chosen = [row for row in rows if row.currency == currency]
    return MarginRow(
        order_id,
        None,
        Money.total((row.revenue for row in chosen), currency),
        Money.total((row.cost for row in chosen), currency),
    )


@attrs.frozen
class MarginReport:
    """The service order margin report.

    Attributes:
        rows: one row per order, transaction type and currency, in order id then type
            order (types in :class:`~servicedomain.orders.TransactionType` order).
    """

    rows: tuple[MarginRow, ...] = attrs.field(validator=deep_iterable(instance_of(MarginRow)))

    @property
    def order_ids(self) -> tuple[str, ...]:
        """The orders in the report, in the order of the rows."""
        return tuple(dict.fromkeys(row.order_id for row in self.rows if row.order_id))

    def order_totals(self, order_id: str) -> tuple[MarginRow, ...]:
        """One row per currency summing the types of one order."""
        is_id.check(order_id, "order_id")
        rows = [row for row in self.rows if row.order_id == order_id]
        currencies = dict.fromkeys(row.currency for row in rows)
        return tuple(_sum_rows(rows, order_id, currency) for currency in currencies)

    @property
    def totals(self) -> tuple[MarginRow, ...]:
        """One row per currency summing every order and type."""
        currencies = dict.fromkeys(row.currency for row in self.rows)
        return tuple(_sum_rows(self.rows, None, currency) for currency in currencies)

    def render_text(self) -> str:
        """The report as a plain-text table."""
        header = f"{'Order':<12} {'Type':<8} {'Revenue':>16} {'Cost':>16} {'Margin':>16} {'%':>8}"
        lines = ["Service order margin", header, "-" * len(header)]

        def line(label: str, kind: str, row: MarginRow) -> str:
            return (
                f"{label:<12} {kind:<8} {row.revenue!s:>16} {row.cost!s:>16} "
                f"{row.margin!s:>16} {_show_percent(row.margin_percent):>8}"
            )

        for order_id in self.order_ids:
            for row in self.rows:
                if row.order_id == order_id:
                    kind = row.transaction_type.value if row.transaction_type else ""
                    lines.append(line(order_id, kind, row))
            lines.extend(line(order_id, "all", total) for total in self.order_totals(order_id))
        lines.append("-" * len(header))
        lines.extend(line("Total", "", total) for total in self.totals)
        return "\n".join(lines) + "\n"


def margin_report(orders: Iterable[ServiceOrder]) -> MarginReport:
    """The margin of ``orders`` per order and transaction type (AX *Service order margin*).

    Created and Posted lines count; Canceled lines do not. Revenue is quantity x sales
    price and cost quantity x cost price, each rounded once per line (half-up), then
    summed exactly.

    Raises:
        TypeMismatchError: an item of ``orders`` is not a ServiceOrder.
    """
    rows: list[MarginRow] = []
    type_order = list(TransactionType)
    for order in items_of(ServiceOrder).check(orders, "orders"):
        groups: dict[tuple[TransactionType, Currency], list[ServiceOrderLine]] = {}
        for order_line in order.lines:
            if order_line.status in _COUNTED:
                key = (order_line.transaction_type, order_line.currency)
                groups.setdefault(key, []).append(order_line)
        for (kind, currency), group in sorted(
            groups.items(), key=lambda item: (type_order.index(item[0][0]), item[0][1].code)
        ):
            rows.append(
                MarginRow(
                    order.id,
                    kind,
                    Money.total((each.revenue for each in group), currency),
                    Money.total((each.cost for each in group), currency),
                )
            )
    return MarginReport(tuple(rows))


# ---------------------------------------------------------------------- work documents


@attrs.frozen
class WorkDocumentLine:
    """One line of a work description or a work receipt.

    Raises:
        TypeMismatchError: a field of the wrong type (named).
    """

    number: int = attrs.field(validator=is_line_number)
    transaction_type: TransactionType = attrs.field(validator=instance_of(TransactionType))
    description: str = attrs.field(validator=is_str)
    quantity: Decimal = attrs.field(validator=instance_of(Decimal))
    unit: str = attrs.field(validator=is_str)
    service_object_label: str | None = attrs.field(validator=optional(is_str))
    """The service object's id and description (``"PUMP-1 Heat pump"``), or None."""
    service_task_label: str | None = attrs.field(validator=optional(is_str))
    """The service task's id and description, or None."""
    worker_id: str | None = attrs.field(validator=optional(is_str))
    transaction_date: date | None = attrs.field(validator=optional(is_date))
    amount: Money | None = attrs.field(validator=optional(instance_of(Money)))
    """The sales amount (on a receipt); ``None`` on a work description."""


def _label(identifier: str | None, description: str) -> str | None:
    if identifier is None:
        return None
    return f"{identifier} {description}".strip()


def _document_lines(
    order: ServiceOrder, lines: Iterable[ServiceOrderLine], *, priced: bool
) -> tuple[WorkDocumentLine, ...]:
    """The document lines of ``lines``, with the order's objects and tasks described."""
    objects = {obj.id: obj.description for obj in order.service_objects}
    tasks = {task.id: task.description for task in order.service_tasks}
    return tuple(
        WorkDocumentLine(
            number=line.number,
            transaction_type=line.transaction_type,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            service_object_label=_label(
                line.service_object_id, objects.get(line.service_object_id or "", "")
            ),
            service_task_label=_label(
                line.service_task_id, tasks.get(line.service_task_id or "", "")
            ),
            worker_id=line.worker_id,
            transaction_date=line.transaction_date,
            amount=line.revenue if priced else None,
        )
        for line in lines
    )


def _when(instant: datetime | None, zone: ZoneInfo | None) -> str:
    if instant is None:
        return "-"
    shown = instant if zone is None else local_datetime(instant, zone)
    return shown.isoformat(sep=" ", timespec="minutes")


def _line_text(line: WorkDocumentLine) -> str:
    parts = [
        f"{line.number:>3}. {line.transaction_type.value:<7} {line.quantity} {line.unit}".rstrip(),
        line.description,
    ]
    if line.service_object_label:
        parts.append(f"object {line.service_object_label}")
    if line.service_task_label:
        parts.append(f"task {line.service_task_label}")
    if line.amount is not None:
        parts.append(str(line.amount))
    return " | ".join(part for part in parts if part)


def _table_html(lines: tuple[WorkDocumentLine, ...], *, priced: bool) -> str:
    head = ["#", "Type", "Description", "Quantity", "Unit", "Object", "Task"]
    if priced:
        head.append("Amount")
    rows = []
    for line in lines:
        cells = [
            str(line.number),
            line.transaction_type.value,
            line.description,
            str(line.quantity),
            line.unit,
            line.service_object_label or "",
            line.service_task_label or "",
        ]
        if priced:
            cells.append(str(line.amount))
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    header = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"
    return f"<table>\n<thead>{header}</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"


@attrs.frozen(kw_only=True)
class WorkDescription:
    """The work to perform on a service order, for the technician (AX *Work description*).

    Lists the order's Created lines: the work not yet done.
    """

    order_id: str = attrs.field(validator=is_id)
    description: str = attrs.field(validator=is_str)
    customer_id: str = attrs.field(validator=is_id)
    service_address: str | None = attrs.field(validator=optional(is_str))
    preferred_service_at: datetime | None = attrs.field(validator=optional(instance_of(datetime)))
    preferred_technician_id: str | None = attrs.field(validator=optional(is_str))
    responsible_worker_id: str | None = attrs.field(validator=optional(is_str))
    stage_id: str = attrs.field(validator=is_id)
    lines: tuple[WorkDocumentLine, ...] = attrs.field(
        validator=deep_iterable(instance_of(WorkDocumentLine))
    )

    def _facts(self, zone: ZoneInfo | None) -> list[tuple[str, str]]:
        return [
            ("Customer", self.customer_id),
            ("Address", self.service_address or "-"),
            ("Preferred service time", _when(self.preferred_service_at, zone)),
            ("Technician", self.preferred_technician_id or "-"),
            ("Responsible", self.responsible_worker_id or "-"),
            ("Stage", self.stage_id),
        ]

    def render_text(self, zone: ZoneInfo | str | None = None) -> str:
        """Plain text; times in ``zone`` (default: as stored)."""
        shown_zone = None if zone is None else named_zone(zone)
        title = f"Work description: service order {self.order_id}"
        out = [title, "=" * len(title)]
        if self.description:
            out.append(self.description)
        out.extend(f"{label}: {value}" for label, value in self._facts(shown_zone))
        out.append("Work to perform:")
        out.extend(f"  {_line_text(line)}" for line in self.lines)
        if not self.lines:
            out.append("  (nothing)")
        return "\n".join(out) + "\n"

    def render_html(self, zone: ZoneInfo | str | None = None) -> str:
        """An HTML fragment (every value escaped); times in ``zone``."""
        shown_zone = None if zone is None else named_zone(zone)
        facts = "".join(
            f"<dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd>"
            for label, value in self._facts(shown_zone)
        )
        return (
            f'<section class="work-description">\n'
            f"<h1>Work description: service order {html.escape(self.order_id)}</h1>\n"
            f"<p>{html.escape(self.description)}</p>\n<dl>{facts}</dl>\n"
            f"{_table_html(self.lines, priced=False)}\n</section>\n"
        )


def work_description(order: ServiceOrder) -> WorkDescription:
    """The work description of ``order``: its Created lines, with objects and tasks."""
    if not isinstance(order, ServiceOrder):
        raise TypeMismatchError("order", order, "expected a ServiceOrder")
    return WorkDescription(
        order_id=order.id,
        description=order.description,
        customer_id=order.customer_id,
        service_address=order.service_address,
        preferred_service_at=order.preferred_service_at,
        preferred_technician_id=order.preferred_technician_id,
        responsible_worker_id=order.responsible_worker_id,
        stage_id=order.stage_id,
        lines=_document_lines(
            order,
            (line for line in order.lines if line.status is LineStatus.CREATED),
            priced=False,
        ),
    )


@attrs.frozen(kw_only=True)
class WorkReceipt:
    """The work performed, for the customer to keep (AX *Work receipt*).

    Lists the signed-off lines that are Created or Posted, with their sales amounts,
    and the totals per currency.
    """

    order_id: str = attrs.field(validator=is_id)
    description: str = attrs.field(validator=is_str)
    customer_id: str = attrs.field(validator=is_id)
    service_address: str | None = attrs.field(validator=optional(is_str))
    signed_off: bool = attrs.field(validator=is_bool)
    signed_off_at: datetime | None = attrs.field(validator=optional(instance_of(datetime)))
    lines: tuple[WorkDocumentLine, ...] = attrs.field(
        validator=deep_iterable(instance_of(WorkDocumentLine))
    )

    @property
    def totals(self) -> tuple[Money, ...]:
        """The sum of the line amounts, one per currency."""
        amounts = [line.amount for line in self.lines if line.amount is not None]
        currencies = dict.fromkeys(amount.currency for amount in amounts)
        return tuple(
            Money.total((a for a in amounts if a.currency == currency), currency)
            for currency in currencies
        )

    def render_text(self, zone: ZoneInfo | str | None = None) -> str:
        """Plain text; times in ``zone`` (default: as stored)."""
        shown_zone = None if zone is None else named_zone(zone)
        title = f"Work receipt: service order {self.order_id}"
        out = [title, "=" * len(title)]
        if self.description:
            out.append(self.description)
        out.append(f"Customer: {self.customer_id}")
        out.append(f"Address: {self.service_address or '-'}")
        signed = _when(self.signed_off_at, shown_zone) if self.signed_off else "not signed off"
        out.append(f"Signed off: {signed}")
        out.append("Work performed:")
        out.extend(f"  {_line_text(line)}" for line in self.lines)
        if not self.lines:
            out.append("  (nothing)")
        out.extend(f"Total: {total}" for total in self.totals)
        return "\n".join(out) + "\n"

    def render_html(self, zone: ZoneInfo | str | None = None) -> str:
        """An HTML fragment (every value escaped); times in ``zone``."""
        shown_zone = None if zone is None else named_zone(zone)
        signed = _when(self.signed_off_at, shown_zone) if self.signed_off else "not signed off"
        totals = "".join(f"<p>Total: {html.escape(str(total))}</p>" for total in self.totals)
        return (
            f'<section class="work-receipt">\n'
            f"<h1>Work receipt: service order {html.escape(self.order_id)}</h1>\n"
            f"<p>{html.escape(self.description)}</p>\n"
            f"<dl><dt>Customer</dt><dd>{html.escape(self.customer_id)}</dd>"
            f"<dt>Address</dt><dd>{html.escape(self.service_address or '-')}</dd>"
            f"<dt>Signed off</dt><dd>{html.escape(signed)}</dd></dl>\n"
            f"{_table_html(self.lines, priced=True)}\n{totals}\n</section>\n"
        )


def work_receipt(order: ServiceOrder) -> WorkReceipt:
    """The work receipt of ``order``: its signed-off Created and Posted lines."""
    if not isinstance(order, ServiceOrder):
        raise TypeMismatchError("order", order, "expected a ServiceOrder")
    return WorkReceipt(
        order_id=order.id,
        description=order.description,
        customer_id=order.customer_id,
        service_address=order.service_address,
        signed_off=order.signed_off,
        signed_off_at=order.signed_off_at,
        lines=_document_lines(
            order,
            (line for line in order.lines if line.signed_off and line.status in _COUNTED),
            priced=True,
        ),
    )
