"""Repair management: service objects, fault codes, repair lines, versioned service BOMs.

Versioned service BOMs (AX template BOM and service BOM, ``SMAServiceBOMTable``):

* A :class:`TemplateBom` is a tree of :class:`BomLine` values (item, quantity, unit,
  parent line), made by hand or copied from another BOM, and edited freely.
* :meth:`ServiceBom.attach` copies a template onto an object relation: a service BOM.
  Every change of its lines is an event with the day and the service order it happened
  on, in AX's five change actions (:data:`BomChange`): :class:`BomLineInserted`,
  :class:`BomLineDeleted`, :class:`BomLineReplaced`, :class:`BomQuantityUpdated`,
  :class:`BomQuantityReplaced`. A replacement may carry a :class:`BillableItem` for
  the application to put on the order.
* :meth:`ServiceBom.as_of` rebuilds any day (laws R1, R2), :meth:`ServiceBom.move_to`
  moves the whole history to another relation of the object (R3), and
  :meth:`ServiceBom.to_template` makes a new template of any day's lines.

>>> from datetime import UTC, date, datetime
>>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
>>> template = TemplateBom(id="T-PC", lines=[
...     BomLine(line_id="1", item_id="PC", quantity=1, unit="pcs"),
...     BomLine(line_id="2", item_id="GPU-1", quantity=1, unit="pcs", parent_id="1",
...             serial_number="G-100"),
... ])
>>> bom, _ = ServiceBom.attach(
...     template, id="B-1", relation_id="R-1", service_object_id="OBJ-1",
...     on=date(2026, 3, 1), at=at,
... )
>>> bom, (change,) = bom.replace_item(
...     "2", new_item_id="GPU-2", new_serial_number="G-200",
...     on=date(2026, 3, 5), order_id="SO-7", at=at,
... )
>>> change.old_serial_number, change.line.item_id, change.line.quantity
('G-100', 'GPU-2', Decimal('1'))
>>> [line.item_id for line in bom.as_of(date(2026, 3, 4))]
['PC', 'GPU-1']
"""

from __future__ import annotations

from servicedomain.repairs._bom import ServiceBom, replay_bom
from servicedomain.repairs._bom_events import (
    BOM_CHANGES,
    BillableItem,
    BomChange,
    BomLineDeleted,
    BomLineInserted,
    BomLineReplaced,
    BomQuantityReplaced,
    BomQuantityUpdated,
    ServiceBomAttached,
    ServiceBomMoved,
)
from servicedomain.repairs._bom_lines import BomLine, TemplateBom

__all__ = [
    "BOM_CHANGES",
    "BillableItem",
    "BomChange",
    "BomLine",
    "BomLineDeleted",
    "BomLineInserted",
    "BomLineReplaced",
    "BomQuantityReplaced",
    "BomQuantityUpdated",
    "ServiceBom",
    "ServiceBomAttached",
    "ServiceBomMoved",
    "TemplateBom",
    "replay_bom",
]
