"""Item requirements on service order item lines (AX: processed through the project)."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

import servicedomain
from servicedomain.errors import (
    InvalidInputError,
    InvalidQuantityError,
    ItemRequirementError,
    OrderRuleError,
    RuleViolationError,
    StageRuleError,
    TypeMismatchError,
)
from servicedomain.money import Money
from servicedomain.orders import (
    ItemRequirement,
    ItemRequirementAdded,
    ItemRequirementRemoved,
    NewLine,
    ServiceOrder,
    ServiceOrderLine,
    TransactionType,
    move_lines,
)
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FILTERS = ItemRequirement(
    id="IR-1",
    item_id="FILTER-20",
    quantity=Decimal(2),
    required_date=date(2026, 3, 4),
    warehouse_id="WH-MAIN",
)


def new_line(kind: TransactionType, item_id: str | None = None) -> NewLine:
    return NewLine(
        transaction_type=kind,
        quantity=Decimal(2),
        cost_price=Money(10, "EUR"),
        sales_price=Money(25, "EUR"),
        item_id=item_id,
    )


def an_order(*, project_id: str | None = "P-1", order_id: str = "SO-1") -> ServiceOrder:
    order, _ = ServiceOrder.create(
        GRAPH,
        id=order_id,
        customer_id="C-1",
        at=AT,
        project_id=project_id,
        agreement_id="AG-1",
        lines=[new_line(TransactionType.ITEM, "FILTER-20"), new_line(TransactionType.HOUR)],
    )
    return order


def with_filters() -> ServiceOrder:
    order, _ = an_order().add_item_requirement(GRAPH, 1, FILTERS, at=AT)
    return order


def test_an_item_line_takes_a_requirement_and_gives_it_back() -> None:
    order = an_order()
    added, events = order.add_item_requirement(GRAPH, 1, FILTERS, at=AT + timedelta(hours=1))
    assert added.version == order.version + 1
    assert added.line(1).item_requirements == (FILTERS,)
    assert added.item_requirements == ((1, FILTERS),)
    assert events == (
        ItemRequirementAdded(
            entity_id="SO-1",
            occurred_at=AT + timedelta(hours=1),
            line_number=1,
            requirement=FILTERS,
        ),
    )
    removed, events = added.remove_item_requirement(GRAPH, 1, "IR-1", at=AT + timedelta(hours=2))
    assert removed.line(1).item_requirements == ()
    assert removed.version == added.version + 1
    assert events == (
        ItemRequirementRemoved(
            entity_id="SO-1",
            occurred_at=AT + timedelta(hours=2),
            line_number=1,
            requirement_id="IR-1",
        ),
    )


def test_the_names_are_public() -> None:
    assert servicedomain.orders.ItemRequirement is ItemRequirement
    assert servicedomain.errors.ItemRequirementError is ItemRequirementError
    assert issubclass(ItemRequirementError, OrderRuleError)
    assert issubclass(ItemRequirementError, RuleViolationError)


def assert_refused(error: ItemRequirementError, rule: str, line: int, requirement: str) -> None:
    """The refusal names the order, the line and the requirement, in fields and in words."""
    assert (error.entity_id, error.rule) == ("SO-1", rule)
    assert (error.line_number, error.requirement_id) == (line, requirement)
    text = str(error)
    assert "SO-1" in text
    assert f"line {line}" in text
    assert repr(requirement) in text
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy)) == (type(error), text)


def test_an_order_with_item_requirements_is_not_canceled_until_they_are_removed() -> None:
    order = with_filters()
    with pytest.raises(ItemRequirementError) as caught:
        order.cancel(GRAPH, at=AT)
    assert_refused(caught.value, "order.has_item_requirements", 1, "IR-1")
    freed, _ = order.remove_item_requirement(GRAPH, 1, "IR-1", at=AT)
    canceled, _ = freed.cancel(GRAPH, at=AT)
    assert canceled.progress.value == "canceled"


def test_an_order_with_item_requirements_is_not_deleted_until_they_are_removed() -> None:
    order = with_filters()
    with pytest.raises(ItemRequirementError) as caught:
        order.delete(GRAPH, at=AT)
    assert_refused(caught.value, "order.has_item_requirements", 1, "IR-1")
    freed, _ = order.remove_item_requirement(GRAPH, 1, "IR-1", at=AT)
    assert [event.name for event in freed.delete(GRAPH, at=AT)] == ["ServiceOrderDeleted"]


@pytest.mark.parametrize("operation", ["remove_line", "cancel_line", "change_type", "change_item"])
def test_a_line_with_a_requirement_is_not_removed_canceled_or_given_another_item(
    operation: str,
) -> None:
    order = with_filters()
    calls: dict[str, Callable[[], object]] = {
        "remove_line": lambda: order.remove_line(GRAPH, 1, at=AT),
        "cancel_line": lambda: order.cancel_line(GRAPH, 1, at=AT),
        "change_type": lambda: order.change_line(
            GRAPH, 1, at=AT, transaction_type=TransactionType.EXPENSE
        ),
        "change_item": lambda: order.change_line(GRAPH, 1, at=AT, item_id="FILTER-30"),
    }
    with pytest.raises(ItemRequirementError) as caught:
        calls[operation]()
    assert_refused(caught.value, "line.has_item_requirements", 1, "IR-1")
    # other changes and other lines are fine
    order.change_line(GRAPH, 1, at=AT, quantity=Decimal(3), item_id="FILTER-20")
    order.remove_line(GRAPH, 2, at=AT)


def test_a_line_with_a_requirement_does_not_move() -> None:
    source = with_filters()
    target = an_order(order_id="SO-2")
    with pytest.raises(ItemRequirementError) as caught:
        move_lines(GRAPH, source, target, [1], at=AT)
    assert_refused(caught.value, "line.has_item_requirements", 1, "IR-1")
    moved = move_lines(GRAPH, source, target, [2], at=AT)
    assert moved.source is not None
    assert moved.source.item_requirements == ((1, FILTERS),)


@pytest.mark.parametrize(
    "kind", [TransactionType.HOUR, TransactionType.EXPENSE, TransactionType.FEE]
)
def test_only_item_lines_carry_requirements(kind: TransactionType) -> None:
    order, _ = an_order().add_line(GRAPH, new_line(kind), at=AT)
    with pytest.raises(ItemRequirementError) as caught:
        order.add_item_requirement(GRAPH, 3, FILTERS, at=AT)
    assert_refused(caught.value, "item_requirement.not_item_line", 3, "IR-1")
    assert kind.value in str(caught.value)
    with pytest.raises(InvalidInputError) as bad:
        attrs.evolve(order.line(3), item_requirements=(FILTERS,))
    assert bad.value.field == "item_requirements"


def test_a_requirement_needs_a_project_the_lines_item_and_a_new_id() -> None:
    with pytest.raises(ItemRequirementError) as caught:
        an_order(project_id=None).add_item_requirement(GRAPH, 1, FILTERS, at=AT)
    assert_refused(caught.value, "item_requirement.no_project", 1, "IR-1")
    other = attrs.evolve(FILTERS, id="IR-2", item_id="PUMP-1")
    with pytest.raises(ItemRequirementError) as caught:
        an_order().add_item_requirement(GRAPH, 1, other, at=AT)
    assert_refused(caught.value, "item_requirement.other_item", 1, "IR-2")
    assert "'PUMP-1'" in str(caught.value)
    with pytest.raises(ItemRequirementError) as caught:
        with_filters().add_item_requirement(GRAPH, 1, FILTERS, at=AT)
    assert_refused(caught.value, "item_requirement.duplicate", 1, "IR-1")
    # a second requirement with its own id is fine
    second = attrs.evolve(FILTERS, id="IR-2", quantity=Decimal("0.5"))
    order, _ = with_filters().add_item_requirement(GRAPH, 1, second, at=AT)
    assert order.line(1).item_requirements == (FILTERS, second)


def test_removing_an_unknown_requirement_is_refused_naming_it() -> None:
    with pytest.raises(ItemRequirementError) as caught:
        with_filters().remove_item_requirement(GRAPH, 1, "IR-404", at=AT)
    assert_refused(caught.value, "item_requirement.unknown", 1, "IR-404")
    assert "'IR-1'" in str(caught.value)  # what the line does have


def test_requirements_follow_the_stage_rules_and_the_line_status() -> None:
    order = with_filters()
    for stage in ("PLANNED", "IN_PROCESS", "COMPLETED"):  # COMPLETED refuses modify
        order, _ = order.change_stage(GRAPH, stage, at=AT)
    with pytest.raises(StageRuleError):
        order.add_item_requirement(GRAPH, 1, attrs.evolve(FILTERS, id="IR-2"), at=AT)
    with pytest.raises(StageRuleError):
        order.remove_item_requirement(GRAPH, 1, "IR-1", at=AT)
    order, _ = order.sign_off(at=AT)
    order, _ = order.mark_posted({1: "JT-1"}, at=AT)
    order, _ = order.change_stage(GRAPH, "IN_PROCESS", at=AT)  # modify again, line posted
    with pytest.raises(OrderRuleError) as caught:
        order.remove_item_requirement(GRAPH, 1, "IR-1", at=AT)
    assert caught.value.rule == "line.posted"


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"quantity": Decimal(0)}, InvalidQuantityError, "quantity"),
        ({"quantity": Decimal(-1)}, InvalidQuantityError, "quantity"),
        ({"quantity": 1.5}, InvalidQuantityError, "quantity"),
        ({"quantity": Decimal("0.0000001")}, InvalidQuantityError, "quantity"),
        ({"id": ""}, InvalidInputError, "id"),
        ({"item_id": None}, TypeMismatchError, "item_id"),
        ({"required_date": "2026-03-04"}, TypeMismatchError, "required_date"),
        ({"warehouse_id": ""}, InvalidInputError, "warehouse_id"),
    ],
)
def test_a_requirement_refuses_bad_fields(
    changes: dict[str, Any], error: type[InvalidInputError], field: str
) -> None:
    with pytest.raises(error) as caught:
        attrs.evolve(FILTERS, **changes)
    assert caught.value.field == field


def test_an_order_holds_a_requirement_id_once() -> None:
    order = with_filters()
    line = order.line(1)
    with pytest.raises(InvalidInputError) as caught:
        attrs.evolve(line, item_requirements=(FILTERS, FILTERS))
    assert caught.value.field == "item_requirements"
    twin = ServiceOrderLine(
        number=3,
        transaction_type=TransactionType.ITEM,
        quantity=Decimal(1),
        cost_price=Money(1, "EUR"),
        sales_price=Money(2, "EUR"),
        item_requirements=(FILTERS,),
    )
    with pytest.raises(InvalidInputError) as caught:
        attrs.evolve(order, lines=(*order.lines, twin))
    assert (caught.value.field, caught.value.value) == ("lines", "IR-1")
