"""The internal fast paths build exactly what the validating constructors build."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest

from servicedomain._trusted import build, replace
from servicedomain.agreements import (
    AgreementGroup,
    GroupBy,
    IntervalUnit,
    NewAgreementLine,
    ServiceAgreement,
    ServiceInterval,
    TimeWindow,
    WindowKind,
    generate_service_orders,
)
from servicedomain.money import Money
from servicedomain.orders import (
    NewLine,
    ServiceObject,
    ServiceOrder,
    ServiceOrderCreated,
    ServiceOrderLine,
    ServiceTask,
    TransactionType,
)
from servicedomain.periods import DateRange
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH

AT = datetime(2026, 1, 1, 6, tzinfo=UTC)


def agreements() -> list[ServiceAgreement]:
    intervals = [
        ServiceInterval(IntervalUnit.WEEK, 1),
        ServiceInterval(IntervalUnit.MONTH, 1),
        ServiceInterval(IntervalUnit.DAY, 10),
        None,
    ]
    made = []
    for number, group_by in enumerate(GroupBy):
        lines = [
            NewAgreementLine(
                transaction_type=list(TransactionType)[index % 4],
                description=f"line {index}",
                quantity=Decimal("0.25") * (index + 1),
                unit="h",
                cost_price=Money(Decimal("40.00"), "EUR"),
                sales_price=Money(Decimal("85.00"), "EUR"),
                worker_id=f"W-{index % 2}",
                service_object_id=f"O-{index % 2}",
                service_task_id=f"T-{index % 2}",
                interval=intervals[index % 4],
                time_window=TimeWindow(WindowKind.MONTH) if index == 1 else None,
                start_date=date(2026, 1, 1 + index * 3),
            )
            for index in range(6)
        ]
        agreement, _ = ServiceAgreement.create(
            id=f"AG-{number}",
            customer_id="C-1",
            group=AgreementGroup("G", default_sla_id="SLA-1"),
            start_date=date(2026, 1, 1),
            at=AT,
            group_by=group_by,
            project_id="P-1",
            responsible_worker_id="W-0",
            service_objects=(ServiceObject("O-0"), ServiceObject("O-1", "pump")),
            service_tasks=(ServiceTask("T-0"), ServiceTask("T-1")),
            lines=lines,
        )
        made.append(agreement)
    return made


def test_generated_orders_are_what_the_validating_constructor_builds() -> None:
    run = generate_service_orders(
        agreements(),
        GRAPH,
        period=DateRange(date(2026, 1, 1), date(2026, 7, 1)),
        types=set(TransactionType),
        at=AT,
        attach_sla=True,
        zone=None,
    )
    assert len(run.orders) > 50
    for order, event in zip(run.orders, run.events, strict=True):
        lines = tuple(ServiceOrderLine(**attrs.asdict(line, recurse=False)) for line in order.lines)
        assert lines == order.lines
        fields = attrs.asdict(order, recurse=False)
        fields["lines"] = lines
        assert ServiceOrder(**fields) == order
        assert ServiceOrderCreated(**attrs.asdict(event, recurse=False)) == event
        assert [line.number for line in order.lines] == list(range(1, len(order.lines) + 1))


def test_numbering_a_new_line_equals_the_validated_line() -> None:
    new_line = NewLine(
        transaction_type=TransactionType.ITEM,
        quantity=Decimal(2),
        cost_price=Money(1, "EUR"),
        sales_price=Money(3, "EUR"),
        execution_date=date(2026, 1, 5),
    )
    numbered = new_line.numbered(7)
    assert numbered == ServiceOrderLine(number=7, **attrs.asdict(new_line, recurse=False))
    copy = replace(numbered, number=8)
    assert copy == attrs.evolve(numbered, number=8)
    assert copy is not numbered


def test_the_fast_path_refuses_classes_it_cannot_build() -> None:
    @attrs.frozen
    class WithFactory:
        items: list[int] = attrs.field(factory=list)

    with pytest.raises(TypeError):
        build(WithFactory)
    with pytest.raises(TypeError):
        build(ServiceObject)  # id has no default and is not given
    assert build(ServiceObject, id="O-1") == ServiceObject("O-1")
