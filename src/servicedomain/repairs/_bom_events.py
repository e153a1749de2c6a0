"""The events of service BOMs: the five change actions of AX, attachment and moves (private).

A service BOM's history is its change events (each a frozen
:class:`~servicedomain.events.DomainEvent`): :class:`BomLineInserted`,
:class:`BomLineDeleted`, :class:`BomLineReplaced`, :class:`BomQuantityUpdated` and
:class:`BomQuantityReplaced`. Each carries the day it happened (``on``), the service
order it happened on (``order_id``), its history line number (``number``, 1, 2, ...)
and the state of the line after it (AX: "every BOM-line update creates a history line
with the line's current state"). :class:`ServiceBomAttached` and :class:`ServiceBomMoved`
are returned by the operations that make and move a service BOM; they are not history.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

import attrs

from servicedomain._checks import (
    and_,
    deep_iterable,
    instance_of,
    is_date,
    is_id,
    is_line_number,
    is_optional_id,
    is_price,
    is_quantity,
    optional,
    validator,
)
from servicedomain.errors import InvalidBomError, InvalidQuantityError
from servicedomain.events import DomainEvent
from servicedomain.money import Money
from servicedomain.repairs._bom_lines import BomLine

_LINE: Final = instance_of(BomLine)


def _check_delta(value: object, field: str) -> Decimal:
    """A signed quantity: what a quantity update adds (> 0) or subtracts (< 0)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if isinstance(value, Decimal) and value.is_finite() and value < 0:
        is_quantity.check(-value, field)
        return value
    return is_quantity.check(value, field)


is_delta: Final = validator(_check_delta, "a signed quantity")


_DECIMAL_DELTA: Final = and_(instance_of(Decimal), is_delta)
_DECIMAL_QUANTITY: Final = and_(instance_of(Decimal), is_quantity)


def _quantity(value: Decimal | int) -> Decimal:
    return is_quantity.check(value, "quantity")


@attrs.frozen(kw_only=True, weakref_slot=False)
class BillableItem:
    """An item line a replacement asks the application to put on the service order.

    The domain only carries it (AX *Create service order line* on a replacement); the
    application layer turns it into an item line of the order ``order_id`` of the event.

    Attributes:
        item_id: the item to invoice.
        quantity: how many, >= 0 with at most 6 decimals.
        unit: the unit of the quantity.
        sales_price: the price per unit, >= 0 in minor units.
    """

    item_id: str = attrs.field(validator=is_id)
    quantity: Decimal = attrs.field(converter=_quantity)
    sales_price: Money = attrs.field(validator=is_price)
    unit: str = attrs.field(default="", validator=instance_of(str))


@attrs.frozen(kw_only=True, weakref_slot=False)
class _BomChange(DomainEvent):
    """The fields every change of a service BOM records (``entity_id`` is the BOM's id)."""

    on: date = attrs.field(validator=is_date)
    order_id: str = attrs.field(validator=is_id)
    number: int = attrs.field(validator=is_line_number)


@attrs.frozen(kw_only=True, weakref_slot=False)
class BomLineInserted(_BomChange):
    """A line was inserted into the service BOM; ``line`` is the new line."""

    line: BomLine = attrs.field(validator=_LINE)


def _deleted(_: object, attribute: attrs.Attribute[tuple[BomLine, ...]], value: object) -> None:
    deep_iterable(_LINE).check(value, attribute.name)
    if not value:
        raise InvalidBomError(attribute.name, value, "a deletion removes at least one line")


@attrs.frozen(kw_only=True, weakref_slot=False)
class BomLineDeleted(_BomChange):
    """A line and every line under it were deleted.

    Attributes:
        lines: the lines removed as they were, the deleted line first, then the lines
            under it in BOM order.
    """

    lines: tuple[BomLine, ...] = attrs.field(validator=_deleted)

    @property
    def line_id(self) -> str:
        """The id of the line deleted (the lines under it went with it)."""
        return self.lines[0].line_id


@attrs.frozen(kw_only=True, weakref_slot=False)
class BomLineReplaced(_BomChange):
    """The part of a line was replaced (AX replacement on a service BOM line).

    Attributes:
        line: the line after the replacement: its new serial number, its new item if
            one was given, its quantity unchanged unless the replacement set one.
        old_item_id: the item that was in place.
        old_serial_number: the serial number of the part taken out.
        new_serial_number: the serial number of the part put in.
        order_line: the item line to create on the service order for the replacement
            (:attr:`creates_order_line`), or ``None``: history only.
    """

    line: BomLine = attrs.field(validator=_LINE)
    old_item_id: str = attrs.field(validator=is_id)
    old_serial_number: str | None = attrs.field(validator=is_optional_id)
    new_serial_number: str | None = attrs.field(validator=is_optional_id)
    order_line: BillableItem | None = attrs.field(validator=optional(instance_of(BillableItem)))

    @property
    def creates_order_line(self) -> bool:
        """True when the replacement is invoiced through an item line on the order."""
        return self.order_line is not None


@attrs.frozen(kw_only=True, weakref_slot=False)
class BomQuantityUpdated(_BomChange):
    """A line's quantity was added to (``delta`` > 0) or subtracted from (``delta`` < 0).

    Attributes:
        line: the line after the update.
        delta: what was added, signed.
    """

    line: BomLine = attrs.field(validator=_LINE)
    delta: Decimal = attrs.field(validator=_DECIMAL_DELTA)

    def __attrs_post_init__(self) -> None:
        if self.line.quantity - self.delta < 0:
            raise InvalidQuantityError(
                "delta", self.delta, f"line {self.line.line_id!r} would have been below zero"
            )


@attrs.frozen(kw_only=True, weakref_slot=False)
class BomQuantityReplaced(_BomChange):
    """A line's quantity was set to ``line.quantity``; ``previous`` is what it was."""

    line: BomLine = attrs.field(validator=_LINE)
    previous: Decimal = attrs.field(validator=_DECIMAL_QUANTITY)


BomChange = (
    BomLineInserted | BomLineDeleted | BomLineReplaced | BomQuantityUpdated | (BomQuantityReplaced)
)
"""A change of a service BOM line: one of AX's five change actions."""

BOM_CHANGES: Final = (
    BomLineInserted,
    BomLineDeleted,
    BomLineReplaced,
    BomQuantityUpdated,
    BomQuantityReplaced,
)
"""The classes of :data:`BomChange`."""


@attrs.frozen(kw_only=True, weakref_slot=False)
class ServiceBomAttached(DomainEvent):
    """A template BOM was attached to an object relation: a service BOM was made of it.

    Attributes:
        template_id: the template copied.
        relation_id: the object relation the BOM belongs to.
        service_object_id: the service object of the relation.
        on: the day of the attachment (the BOM's history starts then).
    """

    template_id: str = attrs.field(validator=is_id)
    relation_id: str = attrs.field(validator=is_id)
    service_object_id: str = attrs.field(validator=is_id)
    on: date = attrs.field(validator=is_date)


@attrs.frozen(kw_only=True, weakref_slot=False)
class ServiceBomMoved(DomainEvent):
    """A service BOM and its whole history moved to another relation of its object."""

    from_relation_id: str = attrs.field(validator=is_id)
    to_relation_id: str = attrs.field(validator=is_id)
