"""The repair history of a service object: its repair lines and BOM changes, by date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from servicedomain._checks import (
    deep_iterable,
    in_,
    instance_of,
    is_date,
    is_id,
    is_line_number,
    is_optional_id,
    is_str,
    items_of,
    optional,
)
from servicedomain._enums import StrictEnum
from servicedomain.errors import InvalidInputError, TypeMismatchError
from servicedomain.instants import local_datetime, named_zone
from servicedomain.orders import ServiceOrder
from servicedomain.repairs import (
    BomChange,
    BomLineDeleted,
    BomLineInserted,
    BomLineReplaced,
    BomQuantityReplaced,
    BomQuantityUpdated,
    RepairLine,
    ServiceBom,
    ServiceObject,
)
from servicedomain.reports._labels import label
from servicedomain.reports._orders import _pair
from servicedomain.reports._views import Cell, Renders, ReportColumn, ReportTable, ReportView

__all__ = ["RepairHistory", "RepairHistoryAction", "RepairHistoryEntry", "repair_history"]


class RepairHistoryAction(StrictEnum):
    """What an entry of a repair history records: a repair step or a BOM change action."""

    REPAIR = "repair"
    """A repair line of a service order (one step of a repair)."""
    INSERTED = "inserted"
    DELETED = "deleted"
    REPLACED = "replaced"
    QUANTITY_UPDATED = "quantity_updated"
    QUANTITY_REPLACED = "quantity_replaced"


# The order of the actions on one day: the repair steps, then the BOM changes.
_RANK: Final = {action: rank for rank, action in enumerate(RepairHistoryAction)}
_ACTION_LABELS: Final = {
    RepairHistoryAction.REPAIR: label("Repair step"),
    RepairHistoryAction.INSERTED: label("Line inserted"),
    RepairHistoryAction.DELETED: label("Line deleted"),
    RepairHistoryAction.REPLACED: label("Part replaced"),
    RepairHistoryAction.QUANTITY_UPDATED: label("Quantity updated"),
    RepairHistoryAction.QUANTITY_REPLACED: label("Quantity replaced"),
}
_DECIMAL: Final = optional(instance_of(Decimal))


def _check_zone(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    """The zone's name: a str naming an IANA zone."""
    is_str.check(value, attribute.name)
    named_zone(value, attribute.name)


@attrs.frozen(kw_only=True)
class RepairHistoryEntry:
    """One entry of a repair history: a repair step, or a change of a service BOM line.

    Attributes:
        on: the day: a repair line's creation day (in the report's zone), a BOM
            change's day.
        action: a repair step, or the BOM change action.
        order_id: the service order it happened on.
        number: the repair line's number on its order, or the BOM history line number.
        relation_id: the object relation of the repair line, or of the service BOM.
        symptom_area_id, symptom_code_id, condition_id: the fault (repair steps).
        diagnosis_area_id, diagnosis_code_id, resolution_id: the diagnosis and how it
            was resolved (repair steps).
        stage_id, technician_id: the repair stage and the worker (repair steps).
        description: what the repair step is (empty for a BOM change).
        finished_at: when the repair step entered a Finished stage, or ``None``.
        bom_id, line_id, item_id: the service BOM, its line and the line's item after
            the change (BOM changes; the deleted line's item for a deletion).
        old_item_id: the item taken out by a replacement.
        quantity: the line's quantity after the change (the deleted line's before).
        change: what a quantity update added (signed), or what a quantity replacement
            changed; ``None`` for the other actions.
        old_serial_number, new_serial_number: the serial numbers of the parts taken out
            and put in by a replacement.

    Raises:
        TypeMismatchError: a field of the wrong type (named).
        InvalidInputError: a blank id, a number below 1.
    """

    on: date = attrs.field(validator=is_date)
    action: RepairHistoryAction = attrs.field(validator=in_(RepairHistoryAction))
    order_id: str = attrs.field(validator=is_id)
    number: int = attrs.field(validator=is_line_number)
    relation_id: str = attrs.field(validator=is_id)
    symptom_area_id: str | None = attrs.field(default=None, validator=is_optional_id)
    symptom_code_id: str | None = attrs.field(default=None, validator=is_optional_id)
    condition_id: str | None = attrs.field(default=None, validator=is_optional_id)
    diagnosis_area_id: str | None = attrs.field(default=None, validator=is_optional_id)
    diagnosis_code_id: str | None = attrs.field(default=None, validator=is_optional_id)
    resolution_id: str | None = attrs.field(default=None, validator=is_optional_id)
    stage_id: str | None = attrs.field(default=None, validator=is_optional_id)
    technician_id: str | None = attrs.field(default=None, validator=is_optional_id)
    description: str = attrs.field(default="", validator=is_str)
    finished_at: datetime | None = attrs.field(
        default=None, validator=optional(instance_of(datetime))
    )
    bom_id: str | None = attrs.field(default=None, validator=is_optional_id)
    line_id: str | None = attrs.field(default=None, validator=is_optional_id)
    item_id: str | None = attrs.field(default=None, validator=is_optional_id)
    old_item_id: str | None = attrs.field(default=None, validator=is_optional_id)
    quantity: Decimal | None = attrs.field(default=None, validator=_DECIMAL)
    change: Decimal | None = attrs.field(default=None, validator=_DECIMAL)
    old_serial_number: str | None = attrs.field(default=None, validator=is_optional_id)
    new_serial_number: str | None = attrs.field(default=None, validator=is_optional_id)

    @property
    def sort_key(self) -> tuple[date, int, str, str, int]:
        """The report's order: by day, repair steps before BOM changes, then order, number."""
        return (self.on, _RANK[self.action], self.order_id, self.bom_id or "", self.number)


@attrs.frozen(kw_only=True)
class RepairHistory(Renders):
    """The repair history of a service object: every repair step and BOM change, by date.

    Attributes:
        object_id, description, group_id, item_id, serial_number: the service object.
        zone: the zone of the days of the repair steps and of the finish times shown.
        entries: by day, then repair steps before BOM changes, then by order (and BOM)
            and number.

    It renders as text, CSV, JSON and HTML from :meth:`view`.

    Raises:
        TypeMismatchError: a field of the wrong type (named).
        InvalidTimezoneError: (field ``zone``) not the name of an IANA zone.
    """

    object_id: str = attrs.field(validator=is_id)
    description: str = attrs.field(validator=is_str)
    group_id: str = attrs.field(validator=is_id)
    item_id: str | None = attrs.field(validator=is_optional_id)
    serial_number: str | None = attrs.field(validator=is_optional_id)
    zone: str = attrs.field(validator=_check_zone)
    entries: tuple[RepairHistoryEntry, ...] = attrs.field(
        validator=deep_iterable(instance_of(RepairHistoryEntry))
    )

    @property
    def repair_steps(self) -> tuple[RepairHistoryEntry, ...]:
        """The entries that are repair steps."""
        return tuple(e for e in self.entries if e.action is RepairHistoryAction.REPAIR)

    @property
    def bom_changes(self) -> tuple[RepairHistoryEntry, ...]:
        """The entries that are BOM changes."""
        return tuple(e for e in self.entries if e.action is not RepairHistoryAction.REPAIR)

    def view(self) -> ReportView:
        """The report as data: the object's facts and one table of the entries.

        The table (the CSV) holds one row per entry in :attr:`entries` order; the text
        and the HTML show the fault, the diagnosis and the BOM line in words.
        """
        zone = named_zone(self.zone)
        columns = (
            ReportColumn("on", label("Date"), "date"),
            ReportColumn("order_id", label("Order")),
            ReportColumn("action", label("Action"), shown=False),
            ReportColumn("action_label", label("What")),
            ReportColumn("number", label("#"), "number"),
            ReportColumn("relation_id", label("Relation"), shown=False),
            ReportColumn("symptom", label("Symptom")),
            ReportColumn("condition_id", label("Condition")),
            ReportColumn("diagnosis", label("Diagnosis")),
            ReportColumn("resolution_id", label("Resolution")),
            ReportColumn("stage_id", label("Stage")),
            ReportColumn("technician_id", label("Technician")),
            ReportColumn("description", label("Description")),
            ReportColumn("finished_at", label("Finished")),
            ReportColumn("bom_id", label("BOM"), shown=False),
            ReportColumn("line_id", label("Line")),
            ReportColumn("item_id", label("Item")),
            ReportColumn("old_item_id", label("Old item"), shown=False),
            ReportColumn("quantity", label("Quantity"), "number"),
            ReportColumn("change", label("Change"), "number", shown=False),
            ReportColumn("old_serial_number", label("Old serial number")),
            ReportColumn("new_serial_number", label("New serial number")),
        )

        def row(entry: RepairHistoryEntry) -> tuple[Cell, ...]:
            finished = (
                None if entry.finished_at is None else local_datetime(entry.finished_at, zone)
            )
            return (
                entry.on,
                entry.order_id,
                entry.action.value,
                _ACTION_LABELS[entry.action],
                entry.number,
                entry.relation_id,
                _pair(entry.symptom_area_id, entry.symptom_code_id),
                entry.condition_id,
                _pair(entry.diagnosis_area_id, entry.diagnosis_code_id),
                entry.resolution_id,
                entry.stage_id,
                entry.technician_id,
                entry.description,
                finished,
                entry.bom_id,
                entry.line_id,
                entry.item_id,
                entry.old_item_id,
                entry.quantity,
                entry.change,
                entry.old_serial_number,
                entry.new_serial_number,
            )

        return ReportView(
            key="repair_history",
            title=label("Repair history: service object {object_id}").format(
                object_id=self.object_id
            ),
            description=self.description,
            facts=(
                ("group_id", label("Service object group"), self.group_id),
                ("item_id", label("Item"), self.item_id or "-"),
                ("serial_number", label("Serial number"), self.serial_number or "-"),
                ("repair_steps", label("Repair steps"), len(self.repair_steps)),
                ("bom_changes", label("BOM changes"), len(self.bom_changes)),
            ),
            tables=(
                ReportTable(
                    "entries",
                    label("Repairs and BOM changes"),
                    columns,
                    [row(entry) for entry in self.entries],
                ),
            ),
        )


def _repair_entry(order_id: str, line: RepairLine, zone: ZoneInfo) -> RepairHistoryEntry:
    return RepairHistoryEntry(
        on=local_datetime(line.created_at, zone).date(),
        action=RepairHistoryAction.REPAIR,
        order_id=order_id,
        number=line.number,
        relation_id=line.relation_id,
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


def _bom_entry(bom: ServiceBom, change: BomChange) -> RepairHistoryEntry:
    common: dict[str, Any] = {
        "on": change.on,
        "order_id": change.order_id,
        "number": change.number,
        "relation_id": bom.relation_id,
        "bom_id": bom.id,
    }
    if isinstance(change, BomLineDeleted):
        first = change.lines[0]
        return RepairHistoryEntry(
            action=RepairHistoryAction.DELETED,
            line_id=first.line_id,
            item_id=first.item_id,
            quantity=first.quantity,
            old_serial_number=first.serial_number,
            **common,
        )
    line = change.line
    extra: dict[str, Any] = {}
    if isinstance(change, BomLineInserted):
        action = RepairHistoryAction.INSERTED
        extra["new_serial_number"] = line.serial_number
    elif isinstance(change, BomLineReplaced):
        action = RepairHistoryAction.REPLACED
        extra.update(
            old_item_id=change.old_item_id,
            old_serial_number=change.old_serial_number,
            new_serial_number=change.new_serial_number,
        )
    elif isinstance(change, BomQuantityUpdated):
        action = RepairHistoryAction.QUANTITY_UPDATED
        extra["change"] = change.delta
    else:
        assert isinstance(change, BomQuantityReplaced)
        action = RepairHistoryAction.QUANTITY_REPLACED
        extra["change"] = line.quantity - change.previous
    return RepairHistoryEntry(
        action=action,
        line_id=line.line_id,
        item_id=line.item_id,
        quantity=line.quantity,
        **common,
        **extra,
    )


_ORDERS: Final = items_of(ServiceOrder)
_BOMS: Final = items_of(ServiceBom)


def repair_history(
    service_object: ServiceObject,
    orders: Iterable[ServiceOrder],
    boms: Iterable[ServiceBom] = (),
    *,
    zone: ZoneInfo | str = "UTC",
) -> RepairHistory:
    """The repair history of ``service_object``: every repair step and BOM change.

    A repair step is a repair line, on one of ``orders``, whose relation is a relation
    of the object (orders that relate other objects only add nothing, so a host may
    pass every order). A BOM change is a change event of one of ``boms``, the object's
    service BOMs. Entries are by day (a repair line's creation day in ``zone``), then
    repair steps before BOM changes, then by order (and BOM) and number: the same
    values give the same report whatever order they come in.

    Raises:
        TypeMismatchError: ``service_object`` is not a ServiceObject, an item of
            ``orders`` (``boms``) is not a ServiceOrder (ServiceBom).
        InvalidInputError: (field ``boms``) a service BOM of another object.
        InvalidTimezoneError: (field ``zone``) not a zone name or ZoneInfo.
    """
    if not isinstance(service_object, ServiceObject):
        raise TypeMismatchError("service_object", service_object, "expected a ServiceObject")
    checked_orders = _ORDERS.check(orders, "orders")
    checked_boms = _BOMS.check(boms, "boms")
    shown_zone = named_zone(zone)
    for bom in checked_boms:
        if bom.service_object_id != service_object.id:
            raise InvalidInputError(
                "boms",
                bom.id,
                f"service BOM of object {bom.service_object_id!r}, not of {service_object.id!r}",
            )
    entries: list[RepairHistoryEntry] = []
    for order in {order.id: order for order in checked_orders}.values():
        mine = {r.id for r in order.object_relations if r.object_id == service_object.id}
        entries.extend(
            _repair_entry(order.id, line, shown_zone)
            for line in order.repair_lines
            if line.relation_id in mine
        )
    for bom in {bom.id: bom for bom in checked_boms}.values():
        entries.extend(_bom_entry(bom, change) for change in bom.changes)
    entries.sort(key=lambda entry: entry.sort_key)
    return RepairHistory(
        object_id=service_object.id,
        description=service_object.description,
        group_id=service_object.group_id,
        item_id=service_object.item_id,
        serial_number=service_object.serial_number,
        zone=shown_zone.key,
        entries=tuple(entries),
    )
