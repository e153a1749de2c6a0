"""Reports on service orders: margin, work description and work receipt."""

from __future__ import annotations

import decimal
from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
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
from servicedomain.repairs import RepairLine, ServiceObject
from servicedomain.reports._charts import charts
from servicedomain.reports._labels import label
from servicedomain.reports._locales import DEFAULT_LOCALE
from servicedomain.reports._views import (
    Cell,
    Renders,
    ReportColumn,
    ReportTable,
    ReportView,
    render_csv,
    render_html,
    render_json,
    render_text,
)

__all__ = [
    "MarginReport",
    "MarginRow",
    "WorkDescription",
    "WorkDocumentLine",
    "WorkDocumentRepair",
    "WorkReceipt",
    "margin_report",
    "work_description",
    "work_receipt",
]

_PERCENT = Decimal("0.01")
# Ratios are computed in this context, never the caller's ambient one.
_RATIO = decimal.Context(prec=50)
_COUNTED = frozenset({LineStatus.CREATED, LineStatus.POSTED})
_OBJECTS = items_of(ServiceObject)
# What the text and the HTML call each type (the CSV and the JSON carry the value).
_TYPE_LABELS = {
    TransactionType.HOUR: label("hour"),
    TransactionType.EXPENSE: label("expense"),
    TransactionType.ITEM: label("item"),
    TransactionType.FEE: label("fee"),
}


def _percent(part: Money, whole: Money) -> Decimal | None:
    """``part / whole x 100`` rounded half-up to 2 decimals; None when ``whole`` is zero."""
    if whole.is_zero:
        return None
    ratio = _RATIO.divide(part.amount * 100, whole.amount)
    return ratio.quantize(_PERCENT, rounding=ROUND_HALF_UP, context=_RATIO)


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
class MarginReport(Renders):
    """The service order margin report.

    Attributes:
        rows: one row per order, transaction type and currency, in order id then type
            order (types in :class:`~servicedomain.orders.TransactionType` order).

    It renders as text, CSV, JSON and HTML from :meth:`view` (``render_text()``,
    ``render_csv()``, ``render_json()``, ``render_html()``).
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

    @property
    def type_totals(self) -> tuple[MarginRow, ...]:
        """One row per transaction type and currency summing every order (type order)."""
        keys = dict.fromkeys((row.transaction_type, row.currency) for row in self.rows)
        type_order = list(TransactionType)
        totals = []
        for kind, currency in sorted(
            keys, key=lambda key: (type_order.index(key[0]) if key[0] else -1, key[1].code)
        ):
            mine = [row for row in self.rows if row.transaction_type is kind]
            total = _sum_rows(mine, None, currency)
            totals.append(attrs.evolve(total, transaction_type=kind))
        return tuple(totals)

    def view(self) -> ReportView:
        """The report as data: by order and type, by order (with totals), by type.

        The first table (the CSV) holds :attr:`rows`; the charts show the margin by
        order and by transaction type, one chart per currency.
        """
        amounts = (
            ReportColumn("currency", label("Currency"), shown=False),
            ReportColumn("revenue", label("Revenue"), "money"),
            ReportColumn("cost", label("Cost"), "money"),
            ReportColumn("margin", label("Margin"), "money"),
            ReportColumn("margin_percent", label("%"), "percent"),
        )
        order = ReportColumn("order_id", label("Order"), missing=label("Total"))
        kind = ReportColumn("transaction_type", label("Type"))

        def figures(row: MarginRow) -> tuple[Cell, ...]:
            return (row.currency.code, row.revenue, row.cost, row.margin, row.margin_percent)

        def kind_of(row: MarginRow) -> str | None:
            return _TYPE_LABELS[row.transaction_type] if row.transaction_type else None

        order_totals = [total for id_ in self.order_ids for total in self.order_totals(id_)]
        return ReportView(
            key="margin",
            title=label("Service order margin"),
            tables=(
                ReportTable(
                    "rows",
                    label("By order and type"),
                    (order, kind, *amounts),
                    [(row.order_id, kind_of(row), *figures(row)) for row in self.rows],
                ),
                ReportTable(
                    "orders",
                    label("By order"),
                    (order, *amounts),
                    [(row.order_id, *figures(row)) for row in order_totals],
                    [(None, *figures(row)) for row in self.totals],
                ),
                ReportTable(
                    "types",
                    label("By transaction type"),
                    (kind, *amounts),
                    [(kind_of(row), *figures(row)) for row in self.type_totals],
                ),
            ),
            charts=(
                *charts(
                    "margin_by_order",
                    label("Margin by order"),
                    [(row.order_id or "", row.margin) for row in order_totals],
                ),
                *charts(
                    "margin_by_type",
                    label("Margin by transaction type"),
                    [(kind_of(row) or "", row.margin) for row in self.type_totals],
                ),
            ),
        )


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


def _object_descriptions(objects: Iterable[ServiceObject]) -> dict[str, str]:
    """The description of each service object, by id (the labels' second part)."""
    checked = _OBJECTS.check(objects, "objects")
    return {obj.id: obj.description for obj in checked}


def _document_lines(
    order: ServiceOrder,
    lines: Iterable[ServiceOrderLine],
    *,
    priced: bool,
    objects: Mapping[str, str],
) -> tuple[WorkDocumentLine, ...]:
    """The document lines of ``lines``, with the order's objects and tasks described.

    An order relates objects by id (its object relations); their descriptions come
    from ``objects``, and an object not in it is labelled with its id alone.
    """
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


@attrs.frozen(kw_only=True)
class WorkDocumentRepair:
    """One repair line of a service order as a work document shows it.

    The work description shows the reported fault (symptom and condition) per object,
    the work receipt the diagnosis, the resolution and the finish time.

    Raises:
        TypeMismatchError: a field of the wrong type (named).
    """

    number: int = attrs.field(validator=is_line_number)
    service_object_label: str = attrs.field(validator=is_str)
    """The object of the repair line's relation: its id and description."""
    symptom_area_id: str | None = attrs.field(default=None, validator=optional(is_str))
    symptom_code_id: str | None = attrs.field(default=None, validator=optional(is_str))
    condition_id: str | None = attrs.field(default=None, validator=optional(is_str))
    diagnosis_area_id: str | None = attrs.field(default=None, validator=optional(is_str))
    diagnosis_code_id: str | None = attrs.field(default=None, validator=optional(is_str))
    resolution_id: str | None = attrs.field(default=None, validator=optional(is_str))
    stage_id: str | None = attrs.field(default=None, validator=optional(is_str))
    technician_id: str | None = attrs.field(default=None, validator=optional(is_str))
    description: str = attrs.field(default="", validator=is_str)
    finished_at: datetime | None = attrs.field(
        default=None, validator=optional(instance_of(datetime))
    )


def _document_repairs(
    order: ServiceOrder, objects: Mapping[str, str]
) -> tuple[WorkDocumentRepair, ...]:
    """The repair lines of ``order``, each with the object of its relation described."""
    relations = {relation.id: relation.object_id for relation in order.object_relations}

    def described(line: RepairLine) -> str:
        object_id = relations.get(line.relation_id, line.relation_id)
        return _label(object_id, objects.get(object_id, "")) or object_id

    return tuple(
        WorkDocumentRepair(
            number=line.number,
            service_object_label=described(line),
            symptom_area_id=line.symptom_area_id,
            symptom_code_id=line.symptom_code_id,
            condition_id=line.condition_id,
            diagnosis_area_id=line.diagnosis_area_id,
            diagnosis_code_id=line.diagnosis_code_id,
            resolution_id=line.resolution_id,
            stage_id=line.stage_id,
            technician_id=line.technician_id,
            description=line.description,
            finished_at=line.finished_at,
        )
        for line in order.repair_lines
    )


def _pair(area: str | None, code: str | None) -> str | None:
    """An area and its code as people read them (``hard drive / blue screen``)."""
    if area is None:
        return None
    return area if code is None else f"{area} / {code}"


def _faults_table(repairs: Sequence[WorkDocumentRepair]) -> ReportTable:
    """The reported fault of each repair line, for the technician."""
    columns = (
        ReportColumn("number", label("#"), "number"),
        ReportColumn("service_object", label("Object")),
        ReportColumn("symptom", label("Symptom"), missing="-"),
        ReportColumn("condition_id", label("Condition"), missing="-"),
        ReportColumn("stage_id", label("Stage"), missing="-"),
        ReportColumn("technician_id", label("Technician"), missing="-"),
        ReportColumn("description", label("Description")),
    )
    rows = [
        (
            repair.number,
            repair.service_object_label,
            _pair(repair.symptom_area_id, repair.symptom_code_id),
            repair.condition_id,
            repair.stage_id,
            repair.technician_id,
            repair.description,
        )
        for repair in repairs
    ]
    return ReportTable("repairs", label("Reported faults"), columns, rows)


def _repairs_table(repairs: Sequence[WorkDocumentRepair], zone: ZoneInfo | None) -> ReportTable:
    """The diagnosis, resolution and finish time of each repair line, for the customer."""
    columns = (
        ReportColumn("number", label("#"), "number"),
        ReportColumn("service_object", label("Object")),
        ReportColumn("symptom", label("Symptom"), missing="-"),
        ReportColumn("diagnosis", label("Diagnosis"), missing="-"),
        ReportColumn("resolution_id", label("Resolution"), missing="-"),
        ReportColumn("finished_at", label("Finished"), missing="-"),
    )
    rows = [
        (
            repair.number,
            repair.service_object_label,
            _pair(repair.symptom_area_id, repair.symptom_code_id),
            _pair(repair.diagnosis_area_id, repair.diagnosis_code_id),
            repair.resolution_id,
            None
            if repair.finished_at is None
            else repair.finished_at
            if zone is None
            else local_datetime(repair.finished_at, zone),
        )
        for repair in repairs
    ]
    return ReportTable("repairs", label("Repairs"), columns, rows)


def _when(instant: datetime | None, zone: ZoneInfo | None) -> datetime | str:
    if instant is None:
        return "-"
    return instant if zone is None else local_datetime(instant, zone)


def _lines_table(title: str, lines: Sequence[WorkDocumentLine], *, priced: bool) -> ReportTable:
    """The lines of a work document; a receipt adds the amounts and a total per currency."""
    columns = [
        ReportColumn("number", label("#"), "number"),
        ReportColumn("transaction_type", label("Type")),
        ReportColumn("description", label("Description")),
        ReportColumn("quantity", label("Quantity"), "number"),
        ReportColumn("unit", label("Unit")),
        ReportColumn("service_object", label("Object")),
        ReportColumn("service_task", label("Task")),
        ReportColumn("worker_id", label("Worker"), shown=False),
        ReportColumn("transaction_date", label("Date"), "date", shown=False),
    ]
    rows: list[tuple[Cell, ...]] = [
        (
            line.number,
            _TYPE_LABELS[line.transaction_type],
            line.description,
            line.quantity,
            line.unit,
            line.service_object_label,
            line.service_task_label,
            line.worker_id,
            line.transaction_date,
        )
        for line in lines
    ]
    totals: list[tuple[Cell, ...]] = []
    if priced:
        columns += [
            ReportColumn("currency", label("Currency"), shown=False),
            ReportColumn("amount", label("Amount"), "money"),
        ]
        rows = [
            (*row, None if line.amount is None else line.amount.currency.code, line.amount)
            for row, line in zip(rows, lines, strict=True)
        ]
        totals = [
            (None, None, label("Total"), *([None] * 6), total.currency.code, total)
            for total in _totals(lines)
        ]
    return ReportTable("lines", title, columns, rows, totals)


def _totals(lines: Sequence[WorkDocumentLine]) -> tuple[Money, ...]:
    amounts = [line.amount for line in lines if line.amount is not None]
    currencies = dict.fromkeys(amount.currency for amount in amounts)
    return tuple(
        Money.total((a for a in amounts if a.currency == currency), currency)
        for currency in currencies
    )


class _WorkDocument(Renders):
    """The render methods of a work document: each takes the ``zone`` its times show in."""

    @abstractmethod
    def view(self, zone: ZoneInfo | str | None = None) -> ReportView:
        """The document as data; times in ``zone``."""

    def render_text(
        self, zone: ZoneInfo | str | None = None, *, locale: str = DEFAULT_LOCALE
    ) -> str:
        """Plain text in ``locale``, columns sized to their content; times in ``zone``."""
        return render_text(self.view(zone), locale=locale)

    def render_csv(
        self, zone: ZoneInfo | str | None = None, *, locale: str = DEFAULT_LOCALE
    ) -> str:
        """The lines as CSV (see :func:`~servicedomain.reports.render_csv`)."""
        return render_csv(self.view(zone), locale=locale)

    def render_json(
        self, zone: ZoneInfo | str | None = None, *, locale: str = DEFAULT_LOCALE
    ) -> str:
        """Facts, lines (and totals, on a receipt) as JSON; times in ``zone``."""
        return render_json(self.view(zone), locale=locale)

    def render_html(
        self, zone: ZoneInfo | str | None = None, *, locale: str = DEFAULT_LOCALE
    ) -> str:
        """A self-contained HTML page in ``locale`` (values escaped); times in ``zone``.

        Raises:
            MissingExtraError: Jinja2 is not installed (``servicedomain[reports]``).
        """
        return render_html(self.view(zone), locale=locale)


@attrs.frozen(kw_only=True)
class WorkDescription(_WorkDocument):
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
    repairs: tuple[WorkDocumentRepair, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(WorkDocumentRepair))
    )
    """The order's repair lines: the reported fault per object (a second table)."""

    def view(self, zone: ZoneInfo | str | None = None) -> ReportView:
        """The document as data; times in ``zone`` (default: as stored)."""
        shown_zone = None if zone is None else named_zone(zone)
        return ReportView(
            key="work_description",
            title=label("Work description: service order {order_id}").format(
                order_id=self.order_id
            ),
            description=self.description,
            facts=(
                ("customer_id", label("Customer"), self.customer_id),
                ("service_address", label("Address"), self.service_address or "-"),
                (
                    "preferred_service_at",
                    label("Preferred service time"),
                    _when(self.preferred_service_at, shown_zone),
                ),
                (
                    "preferred_technician_id",
                    label("Technician"),
                    self.preferred_technician_id or "-",
                ),
                ("responsible_worker_id", label("Responsible"), self.responsible_worker_id or "-"),
                ("stage_id", label("Stage"), self.stage_id),
            ),
            tables=(
                _lines_table(label("Work to perform"), self.lines, priced=False),
                *((_faults_table(self.repairs),) if self.repairs else ()),
            ),
        )


def work_description(
    order: ServiceOrder, *, objects: Iterable[ServiceObject] = ()
) -> WorkDescription:
    """The work description of ``order``: its Created lines, with objects and tasks.

    A line's object is labelled with its id and, when ``objects`` holds the service
    object, its description. The order's repair lines, when it has any, show the
    reported fault (symptom and condition) per object in a second table.
    """
    if not isinstance(order, ServiceOrder):
        raise TypeMismatchError("order", order, "expected a ServiceOrder")
    described = _object_descriptions(objects)
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
            objects=described,
        ),
        repairs=_document_repairs(order, described),
    )


@attrs.frozen(kw_only=True)
class WorkReceipt(_WorkDocument):
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
    repairs: tuple[WorkDocumentRepair, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(WorkDocumentRepair))
    )
    """The order's repair lines: diagnosis, resolution and finish time (a second table)."""

    @property
    def totals(self) -> tuple[Money, ...]:
        """The sum of the line amounts, one per currency."""
        return _totals(self.lines)

    def view(self, zone: ZoneInfo | str | None = None) -> ReportView:
        """The document as data; times in ``zone`` (default: as stored)."""
        shown_zone = None if zone is None else named_zone(zone)
        signed = (
            _when(self.signed_off_at, shown_zone) if self.signed_off else label("not signed off")
        )
        return ReportView(
            key="work_receipt",
            title=label("Work receipt: service order {order_id}").format(order_id=self.order_id),
            description=self.description,
            facts=(
                ("customer_id", label("Customer"), self.customer_id),
                ("service_address", label("Address"), self.service_address or "-"),
                ("signed_off_at", label("Signed off"), signed),
            ),
            tables=(
                _lines_table(label("Work performed"), self.lines, priced=True),
                *((_repairs_table(self.repairs, shown_zone),) if self.repairs else ()),
            ),
        )


def work_receipt(order: ServiceOrder, *, objects: Iterable[ServiceObject] = ()) -> WorkReceipt:
    """The work receipt of ``order``: its signed-off Created and Posted lines.

    A line's object is labelled as on :func:`work_description`. The order's repair
    lines, when it has any, show their diagnosis, resolution and finish time in a
    second table.
    """
    if not isinstance(order, ServiceOrder):
        raise TypeMismatchError("order", order, "expected a ServiceOrder")
    described = _object_descriptions(objects)
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
            objects=described,
        ),
        repairs=_document_repairs(order, described),
    )
