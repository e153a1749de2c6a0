"""Service orders: one visit to a customer, its lines, and everything done to them.

The rules (AX ``SMAServiceOrderTable`` / ``SMAServiceOrderLine``):

* A :class:`ServiceOrder` is an entity: a frozen snapshot with an ``id`` and a
  ``version``. Every operation returns ``(new_order, events)`` with ``version + 1``;
  an operation that would change nothing returns the order itself and no events.
* A line is an hour, expense, item or fee (:class:`TransactionType`) with an exact
  quantity (at most 6 decimals, never negative), a cost and a sales price (one
  currency, never negative). Its ``revenue`` and ``cost`` are rounded once, per line,
  half up (0.333 h x 85.00 = 28.31).
* A line is Created, Posted or Canceled; the order's :attr:`~ServiceOrder.progress`
  rolls the statuses up (:func:`roll_up`) and is never stored. A posted line never
  changes, never goes away and is never posted twice (law I1).
* What may be done depends on the order's stage (``servicedomain.stages``): modify
  (lines and relations), cancel, delete and post each need the current stage's rule;
  the stage itself changes only through :meth:`~ServiceOrder.change_stage`, which logs
  the reason.
* Lines reference only service objects and tasks related to the order (an object by an
  object relation, :class:`~servicedomain.repairs.ServiceObjectRelation`: the order's
  own or its agreement's); lines move only between orders of one agreement
  (:func:`move_lines`).
* Repair lines (:class:`~servicedomain.repairs.RepairLine`, one per step of a repair)
  name an object relation of the order and codes of a fault taxonomy:
  :meth:`~ServiceOrder.add_repair_line`, :meth:`~ServiceOrder.change_repair_line`,
  :meth:`~ServiceOrder.move_repair_line` (a Finished stage stamps the finish time and
  freezes the line but for its note) and :meth:`~ServiceOrder.delete_repair_line`,
  under the stage's modify rule like order lines.
* Item lines may carry :class:`ItemRequirement` values (AX item requirements,
  processed through the order's project):
  :meth:`~ServiceOrder.add_item_requirement` and
  :meth:`~ServiceOrder.remove_item_requirement`. While an order has one it is neither
  canceled nor deleted, and the line is neither removed, canceled nor moved.
* Time moves forward (law U2): every dated operation refuses an instant before
  :attr:`~ServiceOrder.last_recorded_at`; once the order's SLA is canceled its clock
  records nothing more (law S8).
* Posting is planned purely (:meth:`~ServiceOrder.plan_posting` gives the
  :class:`JournalEntry` values per type, filtered by a half-open date range, the types
  and sign-off) and recorded with :meth:`~ServiceOrder.mark_posted` once the journals
  took the entries.
* Warranty pricing is the host's rule (:data:`WarrantyPricing`): a line naming a
  service object under warranty may be priced lower, never higher, its cost kept;
  :func:`free_under_warranty` prices covered parts (item lines) and labour (hour
  lines) at zero, :func:`no_warranty_pricing` changes nothing.

>>> from datetime import UTC, date, datetime
>>> from decimal import Decimal
>>> from servicedomain.money import Money
>>> from servicedomain.periods import DateRange
>>> from servicedomain.stages import EXAMPLE_STAGE_GRAPH as graph
>>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
>>> hours = NewLine(
...     transaction_type=TransactionType.HOUR, quantity=Decimal("0.333"), unit="h",
...     cost_price=Money(50, "EUR"), sales_price=Money(85, "EUR"),
...     execution_date=date(2026, 3, 2),
... )
>>> order, _ = ServiceOrder.create(graph, id="SO-1", customer_id="C-1", at=at, lines=[hours])
>>> for stage in ("PLANNED", "IN_PROCESS", "COMPLETED"):
...     order, _ = order.change_stage(graph, stage, at=at)
>>> order, _ = order.sign_off(at=at)
>>> plan = order.plan_posting(
...     graph, period=DateRange(date(2026, 3, 1), date(2026, 4, 1)), types=set(TransactionType)
... )
>>> [(entry.key, entry.revenue) for entry in plan.entries]
[(('SO-1', 1), Money('28.31', 'EUR'))]
>>> order, events = order.mark_posted({1: "JT-0001"}, at=at)
>>> order.progress, order.version, [e.name for e in events]
(<Progress.POSTED: 'posted'>, 6, ['LinesPosted'])
"""

from __future__ import annotations

from servicedomain._checks import QUANTITY_PLACES
from servicedomain.orders._events import (
    CancelRevoked,
    ItemRequirementAdded,
    ItemRequirementRemoved,
    LineAdded,
    LineCanceled,
    LineCancelRevoked,
    LineChanged,
    LineRemoved,
    LinesMoved,
    LinesPosted,
    LinesSignedOff,
    RepairLineAdded,
    RepairLineChanged,
    RepairLineDeleted,
    RepairLineStageChanged,
    ServiceObjectRelated,
    ServiceOrderCanceled,
    ServiceOrderCreated,
    ServiceOrderDeleted,
    ServiceOrderSignedOff,
    ServiceTaskRelated,
    SlaTimeRecorded,
    StageChanged,
)
from servicedomain.orders._lines import (
    DESCRIPTIVE_FIELDS,
    SERVICE_LINE_FIELDS,
    AgreementLineRef,
    ItemRequirement,
    LineChanges,
    LineStatus,
    NewLine,
    Origin,
    Progress,
    ServiceLine,
    ServiceOrderLine,
    ServiceTask,
    TransactionType,
    roll_up,
)
from servicedomain.orders._moves import MovedLines, move_lines
from servicedomain.orders._order import Events, ServiceOrder
from servicedomain.orders._posting import JournalEntry, PostingPlan, SkipReason
from servicedomain.orders._warranty_pricing import (
    WarrantyPricing,
    free_under_warranty,
    no_warranty_pricing,
    priced_under_warranty,
    warranty_day,
)
from servicedomain.sla import Priority

__all__ = [
    # constants
    "DESCRIPTIVE_FIELDS",
    "QUANTITY_PLACES",
    "SERVICE_LINE_FIELDS",
    # enums
    "LineStatus",
    "Origin",
    "Priority",
    "Progress",
    "TransactionType",
    # values
    "AgreementLineRef",
    "ItemRequirement",
    "LineChanges",
    "NewLine",
    "ServiceLine",
    "ServiceOrderLine",
    "ServiceTask",
    # the entity and its functions
    "Events",
    "MovedLines",
    "ServiceOrder",
    "move_lines",
    "roll_up",
    "WarrantyPricing",
    "free_under_warranty",
    "no_warranty_pricing",
    "priced_under_warranty",
    "warranty_day",
    # posting
    "JournalEntry",
    "PostingPlan",
    "SkipReason",
    # events
    "CancelRevoked",
    "ItemRequirementAdded",
    "ItemRequirementRemoved",
    "LineAdded",
    "LineCancelRevoked",
    "LineCanceled",
    "LineChanged",
    "LineRemoved",
    "LinesMoved",
    "LinesPosted",
    "LinesSignedOff",
    "RepairLineAdded",
    "RepairLineChanged",
    "RepairLineDeleted",
    "RepairLineStageChanged",
    "ServiceObjectRelated",
    "ServiceOrderCanceled",
    "ServiceOrderCreated",
    "ServiceOrderDeleted",
    "ServiceOrderSignedOff",
    "ServiceTaskRelated",
    "SlaTimeRecorded",
    "StageChanged",
]
