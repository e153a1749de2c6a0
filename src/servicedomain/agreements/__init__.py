"""Service agreements, their lines, templates, and the service orders they generate.

The rules (AX ``SMAAgreementTable`` / ``SMAAgreementLine``):

* A :class:`ServiceAgreement` is an entity: a frozen snapshot with an ``id`` and a
  ``version``. Every operation returns ``(new_agreement, events)`` with
  ``version + 1``; an operation that would change nothing returns the agreement
  itself and no events.
* An :class:`AgreementLine` is an hour, expense, item or fee with a quantity and prices
  (the rules of order lines), a schedule (a :class:`ServiceInterval`, unit x
  frequency, or a ``recurrence``, an RFC 5545 rule such as ``"FREQ=WEEKLY;BYDAY=MO,TH"``
  expanded with ``dateutil.rrule`` from the line's start date; neither = once), a
  :class:`TimeWindow` (how far a generated line may move), inclusive start and end
  dates, and a *stopped* flag. A line references only the service objects and
  tasks related to its agreement.
* A suspended agreement and a stopped line generate nothing; a stopped line is never
  copied (:meth:`ServiceAgreement.copy_lines_from`).
* :func:`generate_service_orders` turns agreements into new service orders for a
  period: occurrences counted from each line's start, clamped to the agreement's and
  the line's dates, moved within time windows, grouped by date and
  :class:`GroupBy` key, and never created twice (its docstring states every rule).
* Templates (:class:`ServiceTemplate`) hold lines to copy into agreements; their
  groups form a hierarchy (:class:`TemplateGroups`).

>>> from datetime import UTC, date, datetime
>>> from decimal import Decimal
>>> from servicedomain.money import Money
>>> from servicedomain.orders import TransactionType
>>> from servicedomain.periods import DateRange
>>> from servicedomain.repairs import RelationKind, ServiceObjectRelation
>>> from servicedomain.stages import EXAMPLE_STAGE_GRAPH as graph
>>> at = datetime(2007, 3, 30, 8, 0, tzinfo=UTC)
>>> def line(interval, obj):
...     return NewAgreementLine(
...         transaction_type=TransactionType.HOUR, quantity=Decimal(1), unit="h",
...         cost_price=Money(40, "EUR"), sales_price=Money(85, "EUR"),
...         interval=interval, service_object_id=obj, start_date=date(2007, 4, 1))
>>> weekly, biweekly = ServiceInterval(IntervalUnit.WEEK, 1), ServiceInterval(IntervalUnit.WEEK, 2)
>>> agreement, _ = ServiceAgreement.create(
...     id="AG-1", customer_id="C-1", group=AgreementGroup("MAINT"), at=at,
...     start_date=date(2007, 4, 1), group_by=GroupBy.SERVICE_OBJECT,
...     object_relations=tuple(
...         ServiceObjectRelation(f"R-{obj}", obj, RelationKind.AGREEMENT, "AG-1")
...         for obj in ("X-1", "X-2")),
...     lines=[line(weekly, "X-1"), line(biweekly, "X-2"), line(weekly, "X-2")])
>>> run = generate_service_orders(
...     [agreement], graph, at=at, types={TransactionType.HOUR},
...     period=DateRange.inclusive(date(2007, 4, 1), date(2007, 4, 30)))
>>> len(run.orders), run.lines_count
(10, 13)
>>> print(run.orders[1].id, [ln.agreement_line.line_number for ln in run.orders[1].lines])
AG-1/2007-04-01/X-2 [2, 3]
"""

from __future__ import annotations

from servicedomain.agreements._agreement import Events, ServiceAgreement
from servicedomain.agreements._events import (
    AgreementCreated,
    AgreementLineAdded,
    AgreementLineChanged,
    AgreementLineRestarted,
    AgreementLineStopped,
    AgreementObjectRelated,
    AgreementResumed,
    AgreementSuspended,
    AgreementTaskRelated,
    LinesCopied,
)
from servicedomain.agreements._lines import (
    CHANGEABLE_FIELDS,
    AgreementLine,
    AgreementLineChanges,
    NewAgreementLine,
)
from servicedomain.agreements._order_generation import (
    GeneratedOrderKey,
    Generation,
    default_order_id,
    generate_service_orders,
)
from servicedomain.agreements._templates import ServiceTemplate, TemplateGroup, TemplateGroups
from servicedomain.agreements._values import (
    AgreementGroup,
    GroupBy,
    IntervalUnit,
    ServiceInterval,
    TimeWindow,
    WindowKind,
)

__all__ = [
    # constants
    "CHANGEABLE_FIELDS",
    # enums
    "GroupBy",
    "IntervalUnit",
    "WindowKind",
    # values
    "AgreementGroup",
    "AgreementLine",
    "AgreementLineChanges",
    "NewAgreementLine",
    "ServiceInterval",
    "TimeWindow",
    # the entity
    "Events",
    "ServiceAgreement",
    # templates
    "ServiceTemplate",
    "TemplateGroup",
    "TemplateGroups",
    # generation
    "GeneratedOrderKey",
    "Generation",
    "default_order_id",
    "generate_service_orders",
    # events
    "AgreementCreated",
    "AgreementLineAdded",
    "AgreementLineChanged",
    "AgreementLineRestarted",
    "AgreementLineStopped",
    "AgreementObjectRelated",
    "AgreementResumed",
    "AgreementSuspended",
    "AgreementTaskRelated",
    "LinesCopied",
]
