"""Service orders: lines, progress, relations, stages, cancel, delete, sign-off, moves."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, get_type_hints

import attrs
import pytest

from servicedomain import orders
from servicedomain.agreements import AgreementLine
from servicedomain.errors import (
    CurrencyMismatchError,
    InvalidInputError,
    InvalidPriceError,
    InvalidQuantityError,
    NaiveDatetimeError,
    OrderRuleError,
    ReasonRequiredError,
    RuleViolationError,
    ServiceDomainError,
    StageRuleError,
    TransitionNotAllowedError,
    TypeMismatchError,
    UnknownLineError,
    UnknownStageError,
)
from servicedomain.events import DomainEvent
from servicedomain.money import Money
from servicedomain.orders import (
    DESCRIPTIVE_FIELDS,
    AgreementLineRef,
    CancelRevoked,
    LineAdded,
    LineCanceled,
    LineCancelRevoked,
    LineChanged,
    LineChanges,
    LineRemoved,
    LinesMoved,
    LinesSignedOff,
    LineStatus,
    NewLine,
    Origin,
    Progress,
    ServiceObjectRelated,
    ServiceOrder,
    ServiceOrderCanceled,
    ServiceOrderCreated,
    ServiceOrderDeleted,
    ServiceOrderLine,
    ServiceOrderSignedOff,
    ServiceTask,
    ServiceTaskRelated,
    StageChanged,
    TransactionType,
    move_lines,
    roll_up,
)
from servicedomain.periods import DateRange
from servicedomain.repairs import RelationKind, ServiceObjectRelation
from servicedomain.stages import EXAMPLE_STAGE_GRAPH, ReasonCode, ReasonType, TransitionKind

GRAPH = EXAMPLE_STAGE_GRAPH
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)
CREATED, POSTED, CANCELED = LineStatus.CREATED, LineStatus.POSTED, LineStatus.CANCELED
HOUR = TransactionType.HOUR
# The pump is related to agreement AGR-1, so to every order of it (generated orders carry it).
PUMP = ServiceObjectRelation("REL-PUMP", "PUMP-1", RelationKind.AGREEMENT, "AGR-1", "BOM-HP")


def order_relation(object_id: str, order_id: str = "SO-1") -> ServiceObjectRelation:
    """An order's own relation of ``object_id``."""
    return ServiceObjectRelation(f"REL-{object_id}", object_id, RelationKind.ORDER, order_id)


FILTER = ServiceTask("FILTER", "Change the filter")
NO_SHOW = ReasonCode("NOSHOW", "Customer not at home")


def eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


def new_line(**fields: Any) -> NewLine:
    values: dict[str, Any] = {
        "transaction_type": HOUR,
        "quantity": Decimal("1.5"),
        "unit": "h",
        "cost_price": eur("50.00"),
        "sales_price": eur("85.00"),
    }
    values.update(fields)
    return NewLine(**values)


def make_line(number: int, status: LineStatus = CREATED, **fields: Any) -> ServiceOrderLine:
    values: dict[str, Any] = {
        "transaction_type": HOUR,
        "quantity": Decimal("2"),
        "unit": "h",
        "cost_price": eur("50.00"),
        "sales_price": eur("85.00"),
        "execution_date": date(2026, 3, 2),
    }
    values.update(fields)
    return ServiceOrderLine(number=number, status=status, **values)


def make_order(
    *lines: ServiceOrderLine,
    stage: str = "CREATED",
    order_id: str = "SO-1",
    agreement_id: str | None = "AGR-1",
    objects: tuple[ServiceObjectRelation, ...] = (PUMP,),
    tasks: tuple[ServiceTask, ...] = (FILTER,),
    version: int = 1,
) -> ServiceOrder:
    return ServiceOrder(
        id=order_id,
        version=version,
        customer_id="C-100",
        agreement_id=agreement_id,
        project_id="PRJ-7",
        stage_id=stage,
        object_relations=objects,
        service_tasks=tasks,
        lines=lines,
    )


def assert_rule(error: BaseException, rule: str) -> None:
    """A refused rule: a RuleViolationError naming the rule in its fields and message."""
    assert isinstance(error, ServiceDomainError)
    assert isinstance(error, RuleViolationError)
    assert error.rule == rule
    assert rule in str(error)


def assert_field(error: BaseException, field: str) -> None:
    """Bad input: an InvalidInputError naming the field in its fields and message."""
    assert isinstance(error, ServiceDomainError)
    assert isinstance(error, InvalidInputError)
    assert error.field == field
    assert field in str(error)


def assert_bumped(old: ServiceOrder, new: ServiceOrder, events: tuple[DomainEvent, ...]) -> None:
    assert new.version == old.version + 1
    assert new.id == old.id
    assert events
    for event in events:
        assert isinstance(event, DomainEvent)
        assert event.occurred_at == AT


# ------------------------------------------------------------------------- public API


def test_every_public_name_imports_and_events_are_domain_events() -> None:
    for name in orders.__all__:
        assert getattr(orders, name) is not None, name
    event_names = [
        "ServiceOrderCreated",
        "LineAdded",
        "LineChanged",
        "LineRemoved",
        "ServiceObjectRelated",
        "ServiceTaskRelated",
        "StageChanged",
        "ServiceOrderCanceled",
        "CancelRevoked",
        "LineCanceled",
        "LineCancelRevoked",
        "ServiceOrderDeleted",
        "LinesSignedOff",
        "ServiceOrderSignedOff",
        "LinesMoved",
        "LinesPosted",
    ]
    for name in event_names:
        assert name in orders.__all__
        assert issubclass(getattr(orders, name), DomainEvent)


def test_line_changes_names_exactly_the_descriptive_fields() -> None:
    assert tuple(get_type_hints(LineChanges)) == DESCRIPTIVE_FIELDS
    assert "number" not in DESCRIPTIVE_FIELDS
    assert "status" not in DESCRIPTIVE_FIELDS
    assert "signed_off" not in DESCRIPTIVE_FIELDS
    assert "journal_transaction_id" not in DESCRIPTIVE_FIELDS


def test_orders_and_lines_are_hashable_values_that_pickle() -> None:
    order = make_order(make_line(1, service_object_id="PUMP-1"))
    assert order == make_order(make_line(1, service_object_id="PUMP-1"))
    assert hash(order) == hash(make_order(make_line(1, service_object_id="PUMP-1")))
    assert pickle.loads(pickle.dumps(order)) == order
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        order.stage_id = "PLANNED"  # type: ignore[misc]


# ---------------------------------------------------------------------- progress table

# The catalog's table [S15], every row.
PROGRESS_ROWS = [
    ((), Progress.IN_PROCESS),  # no lines
    ((CREATED,), Progress.IN_PROCESS),  # all lines Created
    ((CREATED, CREATED), Progress.IN_PROCESS),
    ((CREATED, CANCELED), Progress.IN_PROCESS),  # Created mixed with Canceled
    ((CREATED, POSTED), Progress.IN_PROCESS),  # Created mixed with Posted
    ((POSTED, CREATED, CANCELED), Progress.IN_PROCESS),  # Created mixed with both
    ((CANCELED,), Progress.CANCELED),  # all Canceled
    ((CANCELED, CANCELED), Progress.CANCELED),
    ((POSTED,), Progress.POSTED),  # all Posted
    ((POSTED, POSTED), Progress.POSTED),
    ((POSTED, CANCELED), Progress.POSTED),  # Posted + Canceled, none Created
    ((CANCELED, POSTED, CANCELED), Progress.POSTED),
]


@pytest.mark.parametrize(("statuses", "progress"), PROGRESS_ROWS)
def test_progress_rolls_up_the_line_statuses(
    statuses: tuple[LineStatus, ...], progress: Progress
) -> None:
    assert roll_up(statuses) is progress
    order = make_order(*(make_line(n, s) for n, s in enumerate(statuses, 1)))
    assert order.progress is progress


def test_roll_up_refuses_what_is_not_a_status() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        roll_up([CREATED, "posted"])  # type: ignore[list-item]
    assert_field(caught.value, "statuses[1]")


def test_progress_is_derived_never_stored() -> None:
    assert "progress" not in {field.name for field in attrs.fields(ServiceOrder)}


# ------------------------------------------------------------------------------ lines


@pytest.mark.parametrize(
    "quantity",
    [
        -1,
        Decimal("-0.5"),
        0.5,
        True,
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        Decimal("0.0000001"),
        Decimal("1.1234567"),
        Decimal("1E+999999"),
        "1.5",
        None,
    ],
)
@pytest.mark.parametrize("build", [new_line, lambda **f: make_line(1, **f)])
def test_a_bad_quantity_is_refused(quantity: object, build: Any) -> None:
    with pytest.raises(InvalidQuantityError) as caught:
        build(quantity=quantity)
    assert_field(caught.value, "quantity")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (0, Decimal(0)),
        (3, Decimal(3)),
        (Decimal("0.000001"), Decimal("0.000001")),
        (Decimal("1.500000000"), Decimal("1.5")),
    ],
)
def test_good_quantities_are_kept_exactly(given: Decimal | int, stored: Decimal) -> None:
    line = make_line(1, quantity=given)
    assert isinstance(line.quantity, Decimal)
    assert line.quantity == stored


@pytest.mark.parametrize("field", ["cost_price", "sales_price"])
def test_a_negative_price_is_refused(field: str) -> None:
    prices: dict[str, Any] = {
        "cost_price": eur("50.00"),
        "sales_price": eur("85.00"),
        field: eur("-0.01"),
    }
    with pytest.raises(InvalidPriceError) as caught:
        new_line(**prices)
    assert_field(caught.value, field)
    with pytest.raises(InvalidPriceError):
        make_line(1, **prices)


def test_a_price_with_more_decimals_than_its_currency_is_refused() -> None:
    with pytest.raises(InvalidPriceError) as caught:
        make_line(1, sales_price=eur("85.00") * Decimal("0.333"))
    assert_field(caught.value, "sales_price")


def test_prices_in_two_currencies_are_refused_naming_the_sales_price() -> None:
    with pytest.raises(CurrencyMismatchError) as caught:
        make_line(1, cost_price=eur("50.00"), sales_price=Money(Decimal("85.00"), "USD"))
    assert_field(caught.value, "sales_price")
    assert "USD" in str(caught.value)
    assert "EUR" in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("number", 0, InvalidInputError),
        ("number", True, TypeMismatchError),
        ("number", "1", TypeMismatchError),
        ("transaction_type", "hour", TypeMismatchError),
        ("description", None, TypeMismatchError),
        ("unit", 1, TypeMismatchError),
        ("cost_price", Decimal("50.00"), TypeMismatchError),
        ("item_id", "", InvalidInputError),
        ("worker_id", 7, TypeMismatchError),
        ("date_range", (date(2026, 3, 1), date(2026, 3, 2)), TypeMismatchError),
        ("execution_date", datetime(2026, 3, 2, tzinfo=UTC), TypeMismatchError),
        ("calculated_date", "2026-03-02", TypeMismatchError),
        ("status", "created", TypeMismatchError),
        ("signed_off", 1, TypeMismatchError),
        ("agreement_line", ("AGR-1", 1), TypeMismatchError),
        ("journal_transaction_id", "JT-1", InvalidInputError),  # only a posted line has one
    ],
)
def test_line_fields_are_validated_naming_the_field(
    field: str, value: object, error: type[InvalidInputError]
) -> None:
    fields: dict[str, Any] = {"number": 1, field: value}
    number = fields.pop("number")
    with pytest.raises(error) as caught:
        make_line(number, **fields)
    assert_field(caught.value, field)


def test_a_posted_line_carries_its_journal_transaction() -> None:
    line = make_line(1, POSTED, journal_transaction_id="JT-1")
    assert line.journal_transaction_id == "JT-1"


def test_transaction_date_is_execution_then_range_start_then_calculated() -> None:
    march = DateRange(date(2026, 3, 10), date(2026, 3, 12))
    full = make_line(
        1,
        execution_date=date(2026, 3, 11),
        date_range=march,
        calculated_date=date(2026, 3, 9),
    )
    assert full.transaction_date == date(2026, 3, 11)
    no_execution = attrs.evolve(full, execution_date=None)
    assert no_execution.transaction_date == date(2026, 3, 10)
    only_calculated = attrs.evolve(no_execution, date_range=None)
    assert only_calculated.transaction_date == date(2026, 3, 9)
    assert attrs.evolve(only_calculated, calculated_date=None).transaction_date is None


def test_line_amounts_are_rounded_once_half_up() -> None:
    line = make_line(1, quantity=Decimal("0.333"))
    assert line.revenue == eur("28.31")  # 28.305 -> 28.31
    assert line.cost == eur("16.65")  # 16.650
    assert line.currency.code == "EUR"
    yen = make_line(
        1,
        quantity=Decimal("2.5"),
        cost_price=Money(101, "JPY"),
        sales_price=Money(333, "JPY"),
    )
    assert yen.revenue == Money(833, "JPY")  # 832.5 -> 833
    assert yen.cost == Money(253, "JPY")  # 252.5 -> 253


def test_agreement_line_ref_is_validated() -> None:
    assert AgreementLineRef("AGR-1", 3).line_number == 3
    with pytest.raises(InvalidInputError) as caught:
        AgreementLineRef("AGR-1", 0)
    assert_field(caught.value, "line_number")
    with pytest.raises(InvalidInputError) as caught:
        AgreementLineRef("", 1)
    assert_field(caught.value, "agreement_id")


def test_service_objects_and_tasks_are_validated() -> None:
    with pytest.raises(InvalidInputError) as caught:
        ServiceObjectRelation("", "PUMP-1", RelationKind.ORDER, "SO-1")
    assert_field(caught.value, "id")
    with pytest.raises(TypeMismatchError) as caught:
        ServiceTask("T", None)  # type: ignore[arg-type]
    assert_field(caught.value, "description")


# ----------------------------------------------------------------------- construction


def test_create_starts_in_the_root_stage_at_version_one_with_numbered_lines() -> None:
    order, events = ServiceOrder.create(
        GRAPH,
        id="SO-9",
        customer_id="C-100",
        at=AT,
        agreement_id="AGR-1",
        object_relations=(PUMP,),
        lines=[new_line(), new_line(service_object_id="PUMP-1", quantity=1)],
    )
    assert order.stage_id == GRAPH.root.id == "CREATED"
    assert order.version == 1
    assert order.line_numbers == (1, 2)
    assert all(line.status is CREATED and not line.signed_off for line in order.lines)
    assert order.line(2).service_object_id == "PUMP-1"
    assert events == (
        ServiceOrderCreated(
            entity_id="SO-9",
            occurred_at=AT,
            customer_id="C-100",
            agreement_id="AGR-1",
            stage_id="CREATED",
            line_numbers=(1, 2),
        ),
    )


def test_create_refuses_bad_arguments() -> None:
    naive = datetime(2026, 3, 2)  # noqa: DTZ001
    with pytest.raises(NaiveDatetimeError) as naive_at:
        ServiceOrder.create(GRAPH, id="SO-1", customer_id="C", at=naive)
    assert_field(naive_at.value, "at")
    not_new = [make_line(1)]
    with pytest.raises(TypeMismatchError) as caught:
        ServiceOrder.create(GRAPH, id="SO-1", customer_id="C", at=AT, lines=not_new)  # type: ignore[arg-type]
    assert_field(caught.value, "lines[0]")
    with pytest.raises(TypeMismatchError) as caught:
        ServiceOrder.create("graph", id="SO-1", customer_id="C", at=AT)  # type: ignore[arg-type]
    assert_field(caught.value, "graph")
    with pytest.raises(InvalidInputError) as empty:
        ServiceOrder.create(GRAPH, id="", customer_id="C", at=AT)
    assert_field(empty.value, "id")


def test_lines_are_kept_in_number_order() -> None:
    order = make_order(make_line(3), make_line(1), make_line(2))
    assert order.line_numbers == (1, 2, 3)
    assert order == make_order(make_line(1), make_line(2), make_line(3))


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"version": 0}, "version", InvalidInputError),
        ({"version": True}, "version", TypeMismatchError),
        ({"stage_id": ""}, "stage_id", InvalidInputError),
        ({"customer_id": None}, "customer_id", TypeMismatchError),
        (
            {"preferred_service_at": datetime(2026, 3, 2)},  # noqa: DTZ001
            "preferred_service_at",
            NaiveDatetimeError,
        ),
        ({"signed_off_at": AT}, "signed_off_at", InvalidInputError),
        ({"signed_off": True}, "signed_off_at", InvalidInputError),
        ({"priority": "high"}, "priority", TypeMismatchError),
        ({"origin": 1}, "origin", TypeMismatchError),
        ({"calendar_conflict": "no"}, "calendar_conflict", TypeMismatchError),
        ({"lines": [make_line(1)]}, "lines", TypeMismatchError),
        ({"lines": (make_line(1), make_line(1))}, "lines", InvalidInputError),
        (
            {"lines": (make_line(1, service_object_id="X"),)},
            "lines[0].service_object_id",
            InvalidInputError,
        ),
        (
            {"lines": (make_line(1, service_task_id="X"),)},
            "lines[0].service_task_id",
            InvalidInputError,
        ),
        ({"object_relations": (PUMP, PUMP)}, "object_relations", InvalidInputError),
        (
            {"object_relations": (PUMP, attrs.evolve(PUMP, id="REL-2"))},
            "object_relations",
            InvalidInputError,
        ),
        (
            {"object_relations": (order_relation("BOILER-1", "SO-2"),)},
            "object_relations[0].key",
            InvalidInputError,
        ),
        (
            {"object_relations": (attrs.evolve(PUMP, key="AGR-2"),)},
            "object_relations[0].key",
            InvalidInputError,
        ),
        ({"service_tasks": (FILTER, "T")}, "service_tasks[1]", TypeMismatchError),
    ],
)
def test_order_construction_validates_naming_the_field(
    changes: dict[str, Any], field: str, error: type[InvalidInputError]
) -> None:
    with pytest.raises(error) as caught:
        attrs.evolve(make_order(), **changes)
    assert_field(caught.value, field)


def test_the_reason_log_holds_only_the_orders_own_entries() -> None:
    order, _ = make_order().change_stage(GRAPH, "PLANNED", at=AT)
    with pytest.raises(InvalidInputError) as caught:
        attrs.evolve(order, id="SO-2")
    assert_field(caught.value, "reason_log[0].entity_id")


def test_line_lookup_names_the_number() -> None:
    order = make_order(make_line(1))
    assert order.line(1).number == 1
    with pytest.raises(UnknownLineError) as caught:
        order.line(2)
    assert_field(caught.value, "number")
    with pytest.raises(TypeMismatchError):
        order.line("1")  # type: ignore[arg-type]


def test_decision_is_the_current_stage_decision() -> None:
    assert make_order(stage="COMPLETED").decision(GRAPH) == GRAPH.decision("COMPLETED")
    with pytest.raises(UnknownStageError):
        make_order(stage="NOWHERE").decision(GRAPH)


# ------------------------------------------------------------- add / change / remove


def test_add_line_numbers_one_above_the_highest_number() -> None:
    order = make_order(make_line(1), make_line(5))
    changed, events = order.add_line(GRAPH, new_line(service_task_id="FILTER"), at=AT)
    assert_bumped(order, changed, events)
    assert changed.line_numbers == (1, 5, 6)
    added = changed.line(6)
    assert added.status is CREATED
    assert not added.signed_off
    assert added.journal_transaction_id is None
    assert added.service_task_id == "FILTER"
    assert events == (LineAdded(entity_id="SO-1", occurred_at=AT, line=added),)
    first, _ = make_order().add_line(GRAPH, new_line(), at=AT)
    assert first.line_numbers == (1,)


def test_add_line_needs_a_stage_that_allows_modify() -> None:
    order = make_order(stage="COMPLETED")
    with pytest.raises(StageRuleError) as caught:
        order.add_line(GRAPH, new_line(), at=AT)
    assert_rule(caught.value, "stage.may_modify")
    assert caught.value.stage_id == "COMPLETED"


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"service_object_id": "BOILER-9"}, "line.object_not_related"),
        ({"service_task_id": "PAINT"}, "line.task_not_related"),
    ],
)
def test_lines_reference_only_related_objects_and_tasks(fields: dict[str, str], rule: str) -> None:
    order = make_order(make_line(1))
    with pytest.raises(OrderRuleError) as caught:
        order.add_line(GRAPH, new_line(**fields), at=AT)
    assert_rule(caught.value, rule)
    assert caught.value.entity_id == "SO-1"
    with pytest.raises(OrderRuleError) as caught:
        order.change_line(GRAPH, 1, at=AT, **fields)  # type: ignore[arg-type]
    assert_rule(caught.value, rule)


def test_add_line_refuses_what_is_not_a_new_line() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        make_order().add_line(GRAPH, make_line(1), at=AT)  # type: ignore[arg-type]
    assert_field(caught.value, "new_line")


def test_change_line_changes_descriptive_fields_and_names_them() -> None:
    order = make_order(make_line(1, signed_off=True), make_line(2))
    changed, events = order.change_line(
        GRAPH, 1, at=AT, quantity=Decimal("3.25"), description="Replaced the pump"
    )
    assert_bumped(order, changed, events)
    line = changed.line(1)
    assert line.quantity == Decimal("3.25")
    assert line.description == "Replaced the pump"
    assert line.number == 1
    assert line.signed_off
    assert changed.line(2) == order.line(2)
    assert events == (
        LineChanged(
            entity_id="SO-1",
            occurred_at=AT,
            line=line,
            changed_fields=("description", "quantity"),
        ),
    )


def test_change_line_to_the_values_it_has_changes_nothing() -> None:
    order = make_order(make_line(1))
    same, events = order.change_line(GRAPH, 1, at=AT, quantity=Decimal("2.00"))
    assert same is order
    assert events == ()


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", POSTED), ("signed_off", True), ("journal_transaction_id", "JT-1")],
)
def test_change_line_never_changes_status_sign_off_or_journal(field: str, value: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        make_order(make_line(1)).change_line(GRAPH, 1, at=AT, **{field: value})  # type: ignore[arg-type]
    assert_field(caught.value, field)


def test_change_line_validates_the_new_values() -> None:
    order = make_order(make_line(1))
    with pytest.raises(InvalidQuantityError) as caught:
        order.change_line(GRAPH, 1, at=AT, quantity=-1)
    assert_field(caught.value, "quantity")
    with pytest.raises(InvalidInputError) as nothing:
        order.change_line(GRAPH, 1, at=AT)
    assert_field(nothing.value, "changes")


@pytest.mark.parametrize(("status", "rule"), [(POSTED, "line.posted"), (CANCELED, "line.canceled")])
def test_posted_and_canceled_lines_neither_change_nor_go_away(
    status: LineStatus, rule: str
) -> None:
    extra = {"journal_transaction_id": "JT-1"} if status is POSTED else {}
    order = make_order(make_line(1, status, **extra), make_line(2))
    with pytest.raises(OrderRuleError) as caught:
        order.change_line(GRAPH, 1, at=AT, quantity=5)
    assert_rule(caught.value, rule)
    with pytest.raises(OrderRuleError) as caught:
        order.remove_line(GRAPH, 1, at=AT)
    assert_rule(caught.value, rule)


def test_remove_line_removes_a_created_line() -> None:
    order = make_order(make_line(1), make_line(2))
    changed, events = order.remove_line(GRAPH, 1, at=AT)
    assert_bumped(order, changed, events)
    assert changed.line_numbers == (2,)
    assert events == (LineRemoved(entity_id="SO-1", occurred_at=AT, line_number=1),)
    with pytest.raises(UnknownLineError) as caught:
        changed.remove_line(GRAPH, 1, at=AT)
    assert_field(caught.value, "number")
    with pytest.raises(StageRuleError) as stage_refusal:
        attrs.evolve(order, stage_id="COMPLETED").remove_line(GRAPH, 1, at=AT)
    assert_rule(stage_refusal.value, "stage.may_modify")


# ------------------------------------------------------------------------- relations


def test_relate_object_and_task_let_lines_reference_them() -> None:
    order = make_order(objects=(), tasks=())
    boiler = order_relation("BOILER-1")
    bleed = ServiceTask("BLEED", "Bleed the radiators")
    with_object, events = order.relate_object(GRAPH, boiler, at=AT)
    assert_bumped(order, with_object, events)
    assert events == (ServiceObjectRelated(entity_id="SO-1", occurred_at=AT, relation=boiler),)
    with_task, events = with_object.relate_task(GRAPH, bleed, at=AT)
    assert_bumped(with_object, with_task, events)
    assert events == (ServiceTaskRelated(entity_id="SO-1", occurred_at=AT, service_task=bleed),)
    added, _ = with_task.add_line(
        GRAPH, new_line(service_object_id="BOILER-1", service_task_id="BLEED"), at=AT
    )
    assert added.line(1).service_object_id == "BOILER-1"


def test_relating_again_with_the_same_value_changes_nothing() -> None:
    order = make_order()
    assert order.relate_object(GRAPH, PUMP, at=AT) == (order, ())
    assert order.relate_task(GRAPH, FILTER, at=AT) == (order, ())


def test_relating_another_value_under_a_related_id_is_refused() -> None:
    order = make_order()
    with pytest.raises(OrderRuleError) as caught:
        order.relate_object(GRAPH, attrs.evolve(order_relation("X"), id=PUMP.id), at=AT)
    assert_rule(caught.value, "object.conflict")
    with pytest.raises(OrderRuleError) as caught:
        order.relate_object(GRAPH, order_relation("PUMP-1"), at=AT)
    assert_rule(caught.value, "object.related")
    assert "'REL-PUMP'" in str(caught.value)
    with pytest.raises(OrderRuleError) as caught:
        order.relate_task(GRAPH, ServiceTask("FILTER", "Other"), at=AT)
    assert_rule(caught.value, "task.conflict")


def test_relating_needs_a_stage_that_allows_modify() -> None:
    order = make_order(stage="CANCELED")
    with pytest.raises(StageRuleError) as caught:
        order.relate_object(GRAPH, order_relation("NEW"), at=AT)
    assert_rule(caught.value, "stage.may_modify")
    with pytest.raises(StageRuleError):
        order.relate_task(GRAPH, ServiceTask("NEW"), at=AT)
    with pytest.raises(TypeMismatchError) as bad:
        make_order().relate_object(GRAPH, "PUMP-2", at=AT)  # type: ignore[arg-type]
    assert_field(bad.value, "relation")


def test_an_order_relates_only_its_own_relations() -> None:
    order = make_order(objects=())
    for bad, field in (
        (PUMP, "relation.kind"),  # an agreement relation comes with the agreement
        (order_relation("BOILER-1", "SO-2"), "relation.key"),
    ):
        with pytest.raises(InvalidInputError) as caught:
            order.relate_object(GRAPH, bad, at=AT)
        assert_field(caught.value, field)
    order = make_order()
    assert order.relation("REL-PUMP") is PUMP
    assert order.relation_of("PUMP-1") is PUMP
    assert order.relation_of("BOILER-1") is None
    with pytest.raises(OrderRuleError) as missing:
        order.relation("REL-NONE")
    assert_rule(missing.value, "relation.not_on_order")


# ----------------------------------------------------------------------------- stages


def test_change_stage_moves_logs_and_reports_the_change() -> None:
    order = make_order()
    planned, events = order.change_stage(GRAPH, "PLANNED", at=AT, note="booked")
    assert_bumped(order, planned, events)
    assert planned.stage_id == "PLANNED"
    assert [(e.type, e.from_stage_id, e.stage_id) for e in planned.reason_log] == [
        (ReasonType.STAGE_CHANGE, "CREATED", "PLANNED")
    ]
    assert events == (
        StageChanged(
            entity_id="SO-1",
            occurred_at=AT,
            from_stage="CREATED",
            to_stage="PLANNED",
            kind=TransitionKind.NEXT,
            reason_code=None,
            note="booked",
        ),
    )
    back, events = planned.change_stage(GRAPH, "CREATED", at=LATER)
    assert back.stage_id == "CREATED"
    assert back.version == order.version + 2
    assert isinstance(events[0], StageChanged)
    assert events[0].kind is TransitionKind.PREVIOUS
    assert len(back.reason_log) == 2


def test_entering_a_stage_that_requires_a_reason_logs_the_reason() -> None:
    planned, _ = make_order().change_stage(GRAPH, "PLANNED", at=AT)
    with pytest.raises(ReasonRequiredError) as caught:
        planned.change_stage(GRAPH, "CANCELED", at=LATER)
    assert_rule(caught.value, "stage.requires_reason")
    canceled, events = planned.change_stage(
        GRAPH, "CANCELED", at=LATER, reason=NO_SHOW, note="Nobody home"
    )
    assert canceled.stage_id == "CANCELED"
    assert canceled.version == planned.version + 1
    new_entries = canceled.reason_log[len(planned.reason_log) :]
    assert [entry.type for entry in new_entries] == [ReasonType.STAGE_CHANGE, ReasonType.CLOSE]
    assert all(entry.reason == NO_SHOW for entry in new_entries)
    assert new_entries[0].note == "Nobody home"
    assert new_entries[0].at == LATER
    assert isinstance(events[0], StageChanged)
    assert events[0].reason_code == "NOSHOW"


def test_undeclared_transitions_and_unknown_stages_are_refused() -> None:
    order = make_order()
    with pytest.raises(TransitionNotAllowedError) as caught:
        order.change_stage(GRAPH, "COMPLETED", at=AT)
    assert_rule(caught.value, "stage.transition")
    with pytest.raises(TransitionNotAllowedError):
        make_order(stage="COMPLETED").change_stage(GRAPH, "CANCELED", at=AT, reason=NO_SHOW)
    with pytest.raises(UnknownStageError):
        order.change_stage(GRAPH, "NOWHERE", at=AT)
    with pytest.raises(NaiveDatetimeError) as naive:
        order.change_stage(GRAPH, "PLANNED", at=datetime(2026, 3, 2))  # noqa: DTZ001
    assert_field(naive.value, "at")


# ----------------------------------------------------------------------------- cancel


def test_cancel_cancels_every_created_line_and_logs_the_reason() -> None:
    order = make_order(
        make_line(1),
        make_line(2, POSTED, journal_transaction_id="JT-2"),
        make_line(3, signed_off=True),
        stage="PLANNED",
    )
    canceled, events = order.cancel(GRAPH, at=AT, reason=NO_SHOW, note="No access")
    assert_bumped(order, canceled, events)
    assert [line.status for line in canceled.lines] == [CANCELED, POSTED, CANCELED]
    assert canceled.progress is Progress.POSTED
    assert events == (
        ServiceOrderCanceled(
            entity_id="SO-1", occurred_at=AT, line_numbers=(1, 3), reason_code="NOSHOW"
        ),
    )
    (entry,) = canceled.reason_log
    assert (entry.type, entry.stage_id, entry.reason, entry.note, entry.at) == (
        ReasonType.CANCEL,
        "PLANNED",
        NO_SHOW,
        "No access",
        AT,
    )
    quiet, _ = order.cancel(GRAPH, at=AT)
    assert quiet.reason_log == ()


def test_a_posted_order_cannot_be_canceled() -> None:
    for lines in (
        (make_line(1, POSTED, journal_transaction_id="JT-1"),),
        (make_line(1, POSTED, journal_transaction_id="JT-1"), make_line(2, CANCELED)),
    ):
        order = make_order(*lines)
        assert order.progress is Progress.POSTED
        with pytest.raises(OrderRuleError) as caught:
            order.cancel(GRAPH, at=AT)
        assert_rule(caught.value, "order.posted")


def test_cancel_needs_a_created_line_and_a_stage_that_allows_it() -> None:
    for order in (make_order(), make_order(make_line(1, CANCELED))):
        with pytest.raises(OrderRuleError) as caught:
            order.cancel(GRAPH, at=AT)
        assert_rule(caught.value, "order.nothing_to_cancel")
    with pytest.raises(StageRuleError) as refused:
        make_order(make_line(1), stage="COMPLETED").cancel(GRAPH, at=AT)
    assert_rule(refused.value, "stage.may_cancel")


def test_cancel_can_require_a_reason() -> None:
    order = make_order(make_line(1))
    with pytest.raises(ReasonRequiredError) as caught:
        order.cancel(GRAPH, at=AT, reason_required=True)
    assert_rule(caught.value, "order.cancel_reason")
    canceled, _ = order.cancel(GRAPH, at=AT, reason=NO_SHOW, reason_required=True)
    assert canceled.progress is Progress.CANCELED


def test_revoke_cancel_brings_the_lines_back() -> None:
    order = make_order(make_line(1), make_line(2, signed_off=True), stage="PLANNED")
    canceled, _ = order.cancel(GRAPH, at=AT)
    assert canceled.progress is Progress.CANCELED
    revoked, events = canceled.revoke_cancel(GRAPH, at=AT)
    assert_bumped(canceled, revoked, events)
    assert revoked.lines == order.lines
    assert revoked.progress is Progress.IN_PROCESS
    assert events == (CancelRevoked(entity_id="SO-1", occurred_at=AT, line_numbers=(1, 2)),)
    with pytest.raises(OrderRuleError) as caught:
        revoked.revoke_cancel(GRAPH, at=AT)
    assert_rule(caught.value, "order.nothing_canceled")
    with pytest.raises(StageRuleError) as refused:
        attrs.evolve(canceled, stage_id="COMPLETED").revoke_cancel(GRAPH, at=AT)
    assert_rule(refused.value, "stage.may_cancel")


def test_cancel_line_and_revoke_line_cancel() -> None:
    order = make_order(make_line(1), make_line(2, POSTED, journal_transaction_id="JT-2"))
    canceled, events = order.cancel_line(GRAPH, 1, at=AT)
    assert_bumped(order, canceled, events)
    assert canceled.line(1).status is CANCELED
    assert events == (LineCanceled(entity_id="SO-1", occurred_at=AT, line_number=1),)
    with pytest.raises(OrderRuleError) as caught:
        canceled.cancel_line(GRAPH, 1, at=AT)
    assert_rule(caught.value, "line.canceled")
    with pytest.raises(OrderRuleError) as caught:
        order.cancel_line(GRAPH, 2, at=AT)
    assert_rule(caught.value, "line.posted")
    revoked, events = canceled.revoke_line_cancel(GRAPH, 1, at=AT)
    assert_bumped(canceled, revoked, events)
    assert revoked.line(1) == order.line(1)
    assert events == (LineCancelRevoked(entity_id="SO-1", occurred_at=AT, line_number=1),)
    with pytest.raises(OrderRuleError) as caught:
        revoked.revoke_line_cancel(GRAPH, 1, at=AT)
    assert_rule(caught.value, "line.not_canceled")
    with pytest.raises(StageRuleError):
        attrs.evolve(order, stage_id="COMPLETED").cancel_line(GRAPH, 1, at=AT)
    with pytest.raises(UnknownLineError):
        order.cancel_line(GRAPH, 9, at=AT)


# ----------------------------------------------------------------------------- delete


def test_delete_returns_the_event_in_a_stage_that_allows_it() -> None:
    order = make_order(make_line(1), make_line(2, CANCELED))
    assert order.delete(GRAPH, at=AT) == (
        ServiceOrderDeleted(
            entity_id="SO-1", occurred_at=AT, customer_id="C-100", agreement_id="AGR-1"
        ),
    )


def test_delete_is_refused_with_posted_lines_or_in_a_stage_without_delete() -> None:
    posted = make_order(make_line(1), make_line(2, POSTED, journal_transaction_id="JT-2"))
    with pytest.raises(OrderRuleError) as caught:
        posted.delete(GRAPH, at=AT)
    assert_rule(caught.value, "order.has_posted_lines")
    for stage in ("PLANNED", "IN_PROCESS", "COMPLETED", "CANCELED"):
        with pytest.raises(StageRuleError) as refused:
            make_order(stage=stage).delete(GRAPH, at=AT)
        assert_rule(refused.value, "stage.may_delete")


# --------------------------------------------------------------------------- sign-off


def test_sign_off_signs_every_created_line_and_the_header() -> None:
    order = make_order(
        make_line(1),
        make_line(2, POSTED, journal_transaction_id="JT-2"),
        make_line(3, CANCELED),
        stage="COMPLETED",  # no stage rule is needed
    )
    signed, events = order.sign_off(at=AT)
    assert_bumped(order, signed, events)
    # the posted line never changes; it counts as done for the header
    assert [line.signed_off for line in signed.lines] == [True, False, False]
    assert signed.line(2) == order.line(2)
    assert signed.signed_off
    assert signed.signed_off_at == AT
    assert events == (
        LinesSignedOff(entity_id="SO-1", occurred_at=AT, line_numbers=(1,)),
        ServiceOrderSignedOff(entity_id="SO-1", occurred_at=AT),
    )
    assert signed.sign_off(at=LATER) == (signed, ())


def test_a_posted_line_that_is_not_signed_off_cannot_be_signed_off_afterwards() -> None:
    order = make_order(make_line(1), make_line(2, POSTED, journal_transaction_id="JT-2"))
    with pytest.raises(OrderRuleError) as caught:
        order.sign_off(at=AT, numbers=[2])
    assert caught.value.rule == "line.posted"
    only_posted = make_order(make_line(1, POSTED, journal_transaction_id="JT-1"))
    signed, events = only_posted.sign_off(at=AT)
    assert signed.lines == only_posted.lines
    assert signed.signed_off
    assert events == (ServiceOrderSignedOff(entity_id="SO-1", occurred_at=AT),)


def test_the_header_is_signed_off_once_the_last_open_line_is() -> None:
    order = make_order(make_line(1), make_line(2))
    first, events = order.sign_off(at=AT, numbers=[2])
    assert_bumped(order, first, events)
    assert events == (LinesSignedOff(entity_id="SO-1", occurred_at=AT, line_numbers=(2,)),)
    assert not first.signed_off
    assert first.signed_off_at is None
    second, events = first.sign_off(at=LATER, numbers={1, 2})
    assert second.version == first.version + 1
    assert second.signed_off
    assert second.signed_off_at == LATER
    assert [event.name for event in events] == ["LinesSignedOff", "ServiceOrderSignedOff"]


def test_sign_off_refuses_canceled_lines_and_empty_orders() -> None:
    order = make_order(make_line(1), make_line(2, CANCELED))
    with pytest.raises(OrderRuleError) as caught:
        order.sign_off(at=AT, numbers=[2])
    assert_rule(caught.value, "line.canceled")
    for nothing in (make_order(), make_order(make_line(1, CANCELED))):
        with pytest.raises(OrderRuleError) as caught:
            nothing.sign_off(at=AT)
        assert_rule(caught.value, "order.nothing_to_sign_off")
    with pytest.raises(InvalidInputError) as bad:
        order.sign_off(at=AT, numbers=[])
    assert_field(bad.value, "numbers")
    with pytest.raises(InvalidInputError) as bad:
        order.sign_off(at=AT, numbers=[1, 1])
    assert_field(bad.value, "numbers")
    with pytest.raises(UnknownLineError):
        order.sign_off(at=AT, numbers=[7])


# ------------------------------------------------------------------------------ moves


def two_orders(
    source_stage: str = "CREATED", target_stage: str = "CREATED"
) -> tuple[ServiceOrder, ServiceOrder]:
    source = make_order(
        make_line(1, service_object_id="PUMP-1", signed_off=True),
        make_line(2),
        make_line(3, service_task_id="FILTER"),
        stage=source_stage,
    )
    target = make_order(
        make_line(1), make_line(4), order_id="SO-2", objects=(), tasks=(), stage=target_stage
    )
    return source, target


def test_move_lines_renumbers_in_the_target_and_relates_what_they_reference() -> None:
    source, target = two_orders()
    new_target, new_source, events = move_lines(GRAPH, source, target, [3, 1], at=AT)
    assert new_source is not None
    assert new_source.version == source.version + 1
    assert new_target.version == target.version + 1
    assert new_source.line_numbers == (2,)
    assert new_target.line_numbers == (1, 4, 5, 6)
    assert new_target.line(5) == attrs.evolve(source.line(1), number=5)
    assert new_target.line(6) == attrs.evolve(source.line(3), number=6)
    assert new_target.object_relations == (PUMP,)
    assert new_target.service_tasks == (FILTER,)
    moved: dict[str, Any] = {
        "source_order_id": "SO-1",
        "target_order_id": "SO-2",
        "moved": ((1, 5), (3, 6)),
    }
    assert events == (
        LinesMoved(entity_id="SO-1", occurred_at=AT, **moved),
        ServiceObjectRelated(entity_id="SO-2", occurred_at=AT, relation=PUMP),
        ServiceTaskRelated(entity_id="SO-2", occurred_at=AT, service_task=FILTER),
        LinesMoved(entity_id="SO-2", occurred_at=AT, **moved),
    )


def test_move_lines_only_within_one_agreement() -> None:
    source, target = two_orders()
    for other in (
        attrs.evolve(target, agreement_id="AGR-2"),
        attrs.evolve(target, agreement_id=None),
    ):
        with pytest.raises(OrderRuleError) as caught:
            move_lines(GRAPH, source, other, [1], at=AT)
        assert_rule(caught.value, "move.same_agreement")
    without = make_order(make_line(1), agreement_id=None, objects=())
    with pytest.raises(OrderRuleError) as caught:
        move_lines(GRAPH, without, attrs.evolve(target, agreement_id=None), [1], at=AT)
    assert_rule(caught.value, "move.same_agreement")
    with pytest.raises(OrderRuleError) as caught:
        move_lines(GRAPH, source, source, [1], at=AT)
    assert_rule(caught.value, "move.same_order")


def test_move_lines_needs_modify_on_both_stages() -> None:
    for source_stage, target_stage in (("COMPLETED", "CREATED"), ("CREATED", "COMPLETED")):
        source, target = two_orders(source_stage, target_stage)
        with pytest.raises(StageRuleError) as caught:
            move_lines(GRAPH, source, target, [2], at=AT)
        assert_rule(caught.value, "stage.may_modify")
        assert caught.value.stage_id == "COMPLETED"


def test_only_created_lines_move() -> None:
    source, target = two_orders()
    for status in (POSTED, CANCELED):
        extra = {"journal_transaction_id": "JT-2"} if status is POSTED else {}
        changed = attrs.evolve(
            source, lines=(source.line(1), make_line(2, status, **extra), source.line(3))
        )
        with pytest.raises(OrderRuleError) as caught:
            move_lines(GRAPH, changed, target, [1, 2], at=AT)
        assert_rule(caught.value, "move.line_not_created")
    with pytest.raises(UnknownLineError):
        move_lines(GRAPH, source, target, [9], at=AT)
    with pytest.raises(InvalidInputError) as bad:
        move_lines(GRAPH, source, target, [], at=AT)
    assert_field(bad.value, "numbers")


def test_drop_empty_source_deletes_a_source_left_without_lines() -> None:
    source, target = two_orders()
    new_target, new_source, events = move_lines(
        GRAPH, source, target, [1, 2, 3], at=AT, drop_empty_source=True
    )
    assert new_source is None
    assert new_target.line_numbers == (1, 4, 5, 6, 7)
    assert (
        ServiceOrderDeleted(
            entity_id="SO-1", occurred_at=AT, customer_id="C-100", agreement_id="AGR-1"
        )
        in events
    )
    _, kept_source, events = move_lines(GRAPH, source, target, [1], at=AT, drop_empty_source=True)
    assert kept_source is not None
    assert kept_source.line_numbers == (2, 3)
    assert not any(isinstance(event, ServiceOrderDeleted) for event in events)
    empty_kept = move_lines(GRAPH, source, target, [1, 2, 3], at=AT).source
    assert empty_kept is not None
    assert empty_kept.lines == ()


def test_drop_empty_source_needs_a_source_stage_that_allows_delete() -> None:
    source, target = two_orders(source_stage="PLANNED")
    with pytest.raises(StageRuleError) as caught:
        move_lines(GRAPH, source, target, [1, 2, 3], at=AT, drop_empty_source=True)
    assert_rule(caught.value, "stage.may_delete")
    result = move_lines(GRAPH, source, target, [1, 2, 3], at=AT)
    assert result.source is not None


def test_moving_a_line_whose_relation_id_the_target_holds_differently_is_refused() -> None:
    source, target = two_orders()
    target = attrs.evolve(
        target, object_relations=(attrs.evolve(order_relation("X", "SO-2"), id=PUMP.id),)
    )
    with pytest.raises(OrderRuleError) as caught:
        move_lines(GRAPH, source, target, [1], at=AT)
    assert_rule(caught.value, "object.conflict")


def test_a_moving_line_keeps_the_relation_the_target_has_of_its_object() -> None:
    source, target = two_orders()
    own = order_relation("PUMP-1", "SO-2")
    new_target, _, events = move_lines(
        GRAPH, source, attrs.evolve(target, object_relations=(own,)), [1], at=AT
    )
    assert new_target.object_relations == (own,)
    assert not any(isinstance(event, ServiceObjectRelated) for event in events)


def test_a_moving_line_on_an_object_related_to_the_source_order_only_is_refused() -> None:
    source, target = two_orders()
    own = order_relation("PUMP-1")
    source = attrs.evolve(source, object_relations=(own,))
    with pytest.raises(OrderRuleError) as caught:
        move_lines(GRAPH, source, target, [1], at=AT)
    assert_rule(caught.value, "move.object_not_related")
    assert "'REL-PUMP-1'" in str(caught.value)


# ---------------------------------------------------------------- versions and inputs


def test_every_operation_increments_the_version_by_exactly_one() -> None:
    order = make_order(make_line(1), make_line(2), make_line(3), version=7)
    operations: list[Callable[[ServiceOrder], tuple[ServiceOrder, tuple[DomainEvent, ...]]]] = [
        lambda o: o.add_line(GRAPH, new_line(), at=AT),
        lambda o: o.change_line(GRAPH, 1, at=AT, unit="hrs"),
        lambda o: o.remove_line(GRAPH, 2, at=AT),
        lambda o: o.relate_object(GRAPH, order_relation("NEW"), at=AT),
        lambda o: o.relate_task(GRAPH, ServiceTask("NEW"), at=AT),
        lambda o: o.change_stage(GRAPH, "PLANNED", at=AT),
        lambda o: o.cancel(GRAPH, at=AT),
        lambda o: o.cancel_line(GRAPH, 3, at=AT),
        lambda o: o.sign_off(at=AT),
        lambda o: o.sign_off(at=AT, numbers=[1]),
    ]
    for operation in operations:
        changed, events = operation(order)
        assert_bumped(order, changed, events)
    canceled, _ = order.cancel(GRAPH, at=AT)
    for revoked, events in (
        canceled.revoke_cancel(GRAPH, at=AT),
        canceled.revoke_line_cancel(GRAPH, 1, at=AT),
    ):
        assert_bumped(canceled, revoked, events)


@pytest.mark.parametrize(
    "operation",
    [
        lambda o, at: o.add_line(GRAPH, new_line(), at=at),
        lambda o, at: o.change_line(GRAPH, 1, at=at, unit="x"),
        lambda o, at: o.remove_line(GRAPH, 1, at=at),
        lambda o, at: o.relate_object(GRAPH, PUMP, at=at),
        lambda o, at: o.cancel(GRAPH, at=at),
        lambda o, at: o.cancel_line(GRAPH, 1, at=at),
        lambda o, at: o.delete(GRAPH, at=at),
        lambda o, at: o.sign_off(at=at),
        lambda o, at: o.mark_posted({1: "JT-1"}, at=at),
    ],
)
def test_operations_refuse_a_naive_instant(operation: Any) -> None:
    with pytest.raises(NaiveDatetimeError) as caught:
        operation(make_order(make_line(1)), datetime(2026, 3, 2, 9, 0))  # noqa: DTZ001
    assert_field(caught.value, "at")


def test_an_operation_never_changes_the_order_it_was_called_on() -> None:
    order = make_order(make_line(1), make_line(2))
    before = pickle.dumps(order)
    order.add_line(GRAPH, new_line(), at=AT)
    order.cancel(GRAPH, at=AT)
    order.sign_off(at=AT)
    order.change_stage(GRAPH, "PLANNED", at=AT)
    assert pickle.dumps(order) == before


# ------------------------------------------------------- generated orders (fast path)


def _generated_values(**changes: Any) -> dict[str, Any]:
    order, _ = ServiceOrder.create(
        GRAPH,
        id="SO-9",
        customer_id="C-1",
        at=AT,
        agreement_id="AGR-1",
        object_relations=(PUMP,),
        lines=[
            new_line(service_object_id=PUMP.object_id),
            new_line(transaction_type=TransactionType.FEE),
        ],
    )
    values: dict[str, Any] = {
        "id": order.id,
        "customer_id": order.customer_id,
        "at": AT,
        "stage_id": GRAPH.root.id,
        "description": "Quarterly visit",
        "agreement_id": "AGR-1",
        "project_id": "P-1",
        "preferred_service_at": AT,
        "responsible_worker_id": "W-1",
        "preferred_technician_id": "T-1",
        "sla_id": "SLA-1",
        "calendar_conflict": True,
        "object_relations": order.object_relations,
        "service_tasks": (),
        "lines": order.lines,
    }
    values.update(changes)
    return values


def test_a_generated_order_is_the_order_create_makes_with_origin_system() -> None:
    values = _generated_values()
    generated, events = ServiceOrder.generated(**values)
    lines = [
        new_line(service_object_id=PUMP.object_id),
        new_line(transaction_type=TransactionType.FEE),
    ]
    created, created_events = ServiceOrder.create(
        GRAPH,
        **{k: v for k, v in values.items() if k not in ("stage_id", "lines")},
        origin=Origin.SYSTEM,
        lines=lines,
    )
    assert generated == created
    assert events == created_events


@pytest.mark.parametrize(
    ("argument", "bad", "error"),
    [
        ("id", None, TypeMismatchError),
        ("id", "", InvalidInputError),
        ("at", AT.replace(tzinfo=None), NaiveDatetimeError),
        ("at", "2026-03-02T09:00Z", TypeMismatchError),
        ("agreement_id", None, TypeMismatchError),
        ("project_id", 7, TypeMismatchError),
        ("preferred_service_at", AT.replace(tzinfo=None), NaiveDatetimeError),
        ("calendar_conflict", 1, TypeMismatchError),
        ("object_relations", [PUMP], TypeMismatchError),
        ("lines", [], TypeMismatchError),
        ("lines", "SO-1", TypeMismatchError),
    ],
)
def test_generated_refuses_an_argument_of_the_wrong_type_naming_it(
    argument: str, bad: object, error: type[ServiceDomainError]
) -> None:
    with pytest.raises(error) as caught:
        ServiceOrder.generated(**_generated_values(**{argument: bad}))
    assert argument in str(caught.value)


# ------------------------------------------------ the fields order and agreement lines share


def test_order_and_agreement_lines_are_service_lines_declaring_the_shared_fields_once() -> None:
    shared = orders.SERVICE_LINE_FIELDS
    assert shared == tuple(field.name for field in attrs.fields(orders.ServiceLine))
    assert {"transaction_type", "quantity", "cost_price", "sales_price"} <= set(shared)
    for line_class in (NewLine, ServiceOrderLine, AgreementLine):
        assert issubclass(line_class, orders.ServiceLine)
        names = [field.name for field in attrs.fields(line_class)]
        assert tuple(names[: len(shared)]) == shared
        # declared on the base only, not again on the line
        assert not set(shared) & set(vars(line_class).get("__annotations__", {}))
    assert DESCRIPTIVE_FIELDS[: len(shared)] == shared


@pytest.mark.parametrize(
    ("field", "bad", "error"),
    [
        ("quantity", Decimal("-1"), InvalidQuantityError),
        ("quantity", 1.5, InvalidQuantityError),
        ("cost_price", Money(Decimal("-0.01"), "EUR"), InvalidPriceError),
        ("sales_price", Money(1, "USD"), CurrencyMismatchError),
        ("transaction_type", "hour", TypeMismatchError),
        ("worker_id", "", InvalidInputError),
    ],
)
def test_order_and_agreement_lines_refuse_a_bad_shared_field_alike(
    field: str, bad: object, error: type[ServiceDomainError]
) -> None:
    shared: dict[str, Any] = {
        "transaction_type": HOUR,
        "quantity": Decimal(1),
        "cost_price": eur("40.00"),
        "sales_price": eur("85.00"),
        field: bad,
    }
    makers: list[Callable[[], object]] = [
        lambda: NewLine(**shared),
        lambda: ServiceOrderLine(number=1, **shared),
        lambda: AgreementLine(number=1, start_date=date(2026, 1, 5), **shared),
    ]
    messages = set()
    for make in makers:
        with pytest.raises(error) as caught:
            make()
        assert field in str(caught.value)
        messages.add(str(caught.value))
    assert len(messages) == 1  # one rule, one message
