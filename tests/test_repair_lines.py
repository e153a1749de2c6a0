"""Repair lines on service orders (issue 16, item 3): AX SMARepairLine's rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from servicedomain.errors import (
    InstantOutOfOrderError,
    InvalidInputError,
    NaiveDatetimeError,
    OrderRuleError,
    StageRuleError,
    TypeMismatchError,
    UnknownCodeError,
    UnknownLineError,
)
from servicedomain.orders import (
    RepairLineAdded,
    RepairLineChanged,
    RepairLineDeleted,
    RepairLineStageChanged,
    ServiceOrder,
)
from servicedomain.repairs import (
    FaultTaxonomy,
    RelationKind,
    RepairLine,
    RepairStatus,
    ServiceObjectRelation,
    repair_status,
    suggest_resolutions,
)
from servicedomain.serialization import from_dict, to_dict
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = AT + timedelta(hours=2)
# The catalog's worked example (ax-service-management.md, section 8), with a second
# symptom area so that a code can be looked up in the wrong one.
TAXONOMY = FaultTaxonomy.from_dict(
    {
        "symptom_areas": [{"id": "hard drive"}, {"id": "monitor"}],
        "symptom_codes": [
            {"area": "hard drive", "id": "blue screen"},
            {"area": "monitor", "id": "flicker"},
        ],
        "conditions": [{"id": "fails after extended use"}],
        "diagnosis_areas": [{"id": "defective part"}],
        "diagnosis_codes": [{"area": "defective part", "id": "new video card installed"}],
        "resolutions": [{"id": "repaired"}, {"id": "replaced"}],
        "repair_stages": [
            {"id": "DIAGNOSIS", "name": "Diagnosis"},
            {"id": "REPAIRED", "name": "Repaired", "finished": True},
        ],
    }
)
LAPTOP = ServiceObjectRelation("REL-1", "LAPTOP-1", RelationKind.ORDER, "SO-1")
# The printer is related to agreement AG-1, and so to its orders.
PRINTER = ServiceObjectRelation("REL-AG", "PRINTER-1", RelationKind.AGREEMENT, "AG-1")


def order(*relations: ServiceObjectRelation, stage: str = "IN_PROCESS") -> ServiceOrder:
    made, _ = ServiceOrder.create(
        GRAPH,
        id="SO-1",
        customer_id="C-1",
        agreement_id="AG-1",
        at=AT,
        object_relations=relations or (LAPTOP, PRINTER),
    )
    return attrs.evolve(made, stage_id=stage)


def add(target: ServiceOrder, **fields: Any) -> tuple[ServiceOrder, tuple[Any, ...]]:
    values: dict[str, Any] = {"relation_id": "REL-1", "at": AT}
    values.update(fields)
    return target.add_repair_line(GRAPH, TAXONOMY, **values)


def blue_screen(target: ServiceOrder | None = None, **fields: Any) -> ServiceOrder:
    """The order with the catalog's repair step on the laptop, in diagnosis."""
    values: dict[str, Any] = {
        "symptom_area_id": "hard drive",
        "symptom_code_id": "blue screen",
        "condition_id": "fails after extended use",
        "stage_id": "DIAGNOSIS",
        "technician_id": "W-7",
        "description": "Check the video card",
    }
    values.update(fields)
    made, _ = add(target or order(), **values)
    return made


# ----------------------------------------------------------------- worked examples


def test_a_repair_line_is_created_at_the_given_instant_on_a_relation_of_the_order() -> None:
    before = order()
    after, events = add(
        before,
        symptom_area_id="hard drive",
        symptom_code_id="blue screen",
        condition_id="fails after extended use",
        stage_id="DIAGNOSIS",
        technician_id="W-7",
    )
    line = after.repair_line(1)
    assert line == RepairLine(
        number=1,
        relation_id="REL-1",
        symptom_area_id="hard drive",
        symptom_code_id="blue screen",
        condition_id="fails after extended use",
        stage_id="DIAGNOSIS",
        technician_id="W-7",
        created_at=AT,
    )
    assert (after.version, after.recorded_at) == (before.version + 1, AT)
    assert events == (RepairLineAdded(entity_id="SO-1", occurred_at=AT, line=line),)
    assert after.repair_status is RepairStatus.IN_REPAIR


def test_one_line_per_repair_step_numbered_on_the_order() -> None:
    first = blue_screen()
    second, _ = add(first, relation_id="REL-AG", description="Printer check", at=LATER)
    assert [line.number for line in second.repair_lines] == [1, 2]
    # an agreement relation the order carries serves its repair lines too
    assert second.repair_line(2).relation_id == "REL-AG"


def test_a_repair_line_on_an_object_not_related_to_the_order_is_refused() -> None:
    other_order = ServiceObjectRelation("REL-9", "LAPTOP-1", RelationKind.ORDER, "SO-2")
    target = order()
    for relation_id in ("REL-9", "NO-SUCH"):
        with pytest.raises(OrderRuleError) as caught:
            add(target, relation_id=relation_id)
        assert caught.value.rule == "relation.not_on_order"
        assert repr(relation_id) in str(caught.value)
    assert other_order.key != target.id


def test_a_code_outside_its_area_is_refused_with_the_area_and_the_code() -> None:
    with pytest.raises(UnknownCodeError) as caught:
        add(order(), symptom_area_id="monitor", symptom_code_id="blue screen")
    error = caught.value
    assert (error.field, error.value, error.area_id) == (
        "symptom_code_id",
        "blue screen",
        "monitor",
    )
    assert "'monitor'" in str(error)
    assert "'blue screen'" in str(error)
    assert error.known == ("flicker",)
    for field, value in (
        ("condition_id", "wet"),
        ("resolution_id", "burnt"),
        ("stage_id", "LOST"),
        ("symptom_area_id", "keyboard"),
    ):
        with pytest.raises(UnknownCodeError) as unknown:
            add(order(), **{field: value})
        assert (unknown.value.field, unknown.value.value) == (field, value)
    with pytest.raises(UnknownCodeError) as diagnosis:
        add(order(), diagnosis_area_id="defective part", diagnosis_code_id="blue screen")
    assert diagnosis.value.area_id == "defective part"


def test_a_code_without_its_area_is_refused() -> None:
    with pytest.raises(InvalidInputError) as caught:
        add(order(), symptom_code_id="blue screen")
    assert caught.value.field == "symptom_code_id"
    with pytest.raises(InvalidInputError) as diagnosis:
        add(order(), diagnosis_code_id="new video card installed")
    assert diagnosis.value.field == "diagnosis_code_id"


def test_a_finished_stage_stamps_the_finish_time_and_freezes_the_line() -> None:
    open_line = blue_screen()
    assert open_line.repair_line(1).finished_at is None
    done, events = open_line.move_repair_line(GRAPH, TAXONOMY, 1, "REPAIRED", at=LATER)
    line = done.repair_line(1)
    assert (line.stage_id, line.finished_at, line.finished) == ("REPAIRED", LATER, True)
    assert events == (RepairLineStageChanged(entity_id="SO-1", occurred_at=LATER, line=line),)
    assert done.repair_status is RepairStatus.REPAIRED
    later = LATER + timedelta(hours=1)
    refusals: list[Callable[[], object]] = [
        lambda: done.change_repair_line(GRAPH, TAXONOMY, 1, at=later, resolution_id="replaced"),
        lambda: done.change_repair_line(GRAPH, TAXONOMY, 1, at=later, note="x", description="y"),
        lambda: done.move_repair_line(GRAPH, TAXONOMY, 1, "DIAGNOSIS", at=later),
        lambda: done.delete_repair_line(GRAPH, 1, at=later),
    ]
    for refused in refusals:
        with pytest.raises(OrderRuleError) as caught:
            refused()
        assert caught.value.rule == "repair_line.finished"
    noted, events = done.change_repair_line(GRAPH, TAXONOMY, 1, at=later, note="Customer called")
    assert noted.repair_line(1) == attrs.evolve(line, note="Customer called")
    assert events == (
        RepairLineChanged(
            entity_id="SO-1",
            occurred_at=later,
            line=noted.repair_line(1),
            changed_fields=("note",),
        ),
    )


def test_a_line_added_in_a_finished_stage_is_finished_when_created() -> None:
    done, _ = add(order(), stage_id="REPAIRED", resolution_id="repaired")
    assert done.repair_line(1).finished_at == AT == done.repair_line(1).created_at


def test_a_stage_that_is_not_finished_never_stamps_a_finish_time() -> None:
    moved, _ = blue_screen(stage_id=None).move_repair_line(
        GRAPH, TAXONOMY, 1, "DIAGNOSIS", at=LATER
    )
    assert moved.repair_line(1).finished_at is None
    assert moved.move_repair_line(GRAPH, TAXONOMY, 1, "DIAGNOSIS", at=LATER) == (moved, ())


def test_changing_a_line_checks_its_codes_and_relation_again() -> None:
    target = blue_screen()
    changed, events = target.change_repair_line(
        GRAPH,
        TAXONOMY,
        1,
        at=LATER,
        diagnosis_area_id="defective part",
        diagnosis_code_id="new video card installed",
        resolution_id="replaced",
    )
    assert changed.repair_line(1).resolution_id == "replaced"
    assert isinstance(events[0], RepairLineChanged)
    assert events[0].changed_fields == ("diagnosis_area_id", "diagnosis_code_id", "resolution_id")
    assert changed.change_repair_line(GRAPH, TAXONOMY, 1, at=LATER, resolution_id="replaced") == (
        changed,
        (),
    )
    with pytest.raises(UnknownCodeError):
        target.change_repair_line(GRAPH, TAXONOMY, 1, at=LATER, symptom_area_id="monitor")
    with pytest.raises(OrderRuleError) as caught:
        target.change_repair_line(GRAPH, TAXONOMY, 1, at=LATER, relation_id="REL-9")
    assert caught.value.rule == "relation.not_on_order"
    moved, _ = target.change_repair_line(GRAPH, TAXONOMY, 1, at=LATER, relation_id="REL-AG")
    assert moved.repair_line(1).relation_id == "REL-AG"


def test_changes_are_refused_by_the_stage_rules_of_the_order() -> None:
    completed = attrs.evolve(blue_screen(), stage_id="COMPLETED")  # modify not allowed
    for refused in (
        lambda: add(completed),
        lambda: completed.change_repair_line(GRAPH, TAXONOMY, 1, at=LATER, note="n"),
        lambda: completed.move_repair_line(GRAPH, TAXONOMY, 1, "REPAIRED", at=LATER),
        lambda: completed.delete_repair_line(GRAPH, 1, at=LATER),
    ):
        with pytest.raises(StageRuleError) as caught:
            refused()
        assert caught.value.rule == "stage.may_modify"


def test_deleting_a_repair_step_restores_the_order() -> None:
    before = blue_screen()
    with_second, _ = add(before, relation_id="REL-AG", at=LATER)
    after, events = with_second.delete_repair_line(GRAPH, 2, at=LATER)
    assert events == (RepairLineDeleted(entity_id="SO-1", occurred_at=LATER, line_number=2),)
    assert attrs.evolve(after, version=before.version, recorded_at=before.recorded_at) == before
    emptied, _ = after.delete_repair_line(GRAPH, 1, at=LATER)
    assert emptied.repair_status is RepairStatus.NONE


def test_an_unknown_repair_line_is_refused_naming_the_number() -> None:
    target = blue_screen()
    for refused in (
        lambda: target.repair_line(7),
        lambda: target.change_repair_line(GRAPH, TAXONOMY, 7, at=LATER, note="n"),
        lambda: target.move_repair_line(GRAPH, TAXONOMY, 7, "REPAIRED", at=LATER),
        lambda: target.delete_repair_line(GRAPH, 7, at=LATER),
    ):
        with pytest.raises(UnknownLineError) as caught:
            refused()
        assert (caught.value.field, caught.value.value) == ("number", 7)


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"relation_id": ""}, InvalidInputError, "relation_id"),
        ({"relation_id": "  "}, InvalidInputError, "relation_id"),
        ({"technician_id": ""}, InvalidInputError, "technician_id"),
        ({"symptom_area_id": "\t"}, InvalidInputError, "symptom_area_id"),
        ({"stage_id": 7}, TypeMismatchError, "stage_id"),
        ({"description": 1.5}, TypeMismatchError, "description"),
        ({"note": None}, TypeMismatchError, "note"),
        ({"at": AT.replace(tzinfo=None)}, NaiveDatetimeError, "at"),
        ({"at": 1.5}, TypeMismatchError, "at"),
        ({"at": AT - timedelta(seconds=1)}, InstantOutOfOrderError, "at"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(
    fields: dict[str, Any], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as caught:
        add(order(), **fields)
    assert isinstance(caught.value, ValueError | TypeError)
    assert getattr(caught.value, "field", None) == field


def test_bad_arguments_of_the_other_operations_are_named() -> None:
    target = blue_screen()
    with pytest.raises(TypeMismatchError) as caught:
        target.add_repair_line(GRAPH, "taxonomy", relation_id="REL-1", at=AT)  # type: ignore[arg-type]
    assert caught.value.field == "taxonomy"
    with pytest.raises(TypeMismatchError) as number:
        target.delete_repair_line(GRAPH, 1.0, at=LATER)  # type: ignore[arg-type]
    assert number.value.field == "number"
    with pytest.raises(InvalidInputError) as nothing:
        target.change_repair_line(GRAPH, TAXONOMY, 1, at=LATER)
    assert nothing.value.field == "changes"
    with pytest.raises(InvalidInputError) as stamp:
        target.change_repair_line(GRAPH, TAXONOMY, 1, at=LATER, finished_at=LATER)  # type: ignore[call-arg]
    assert stamp.value.field == "finished_at"
    with pytest.raises(InvalidInputError) as blank:
        target.move_repair_line(GRAPH, TAXONOMY, 1, "", at=LATER)
    assert blank.value.field == "stage_id"


def test_a_repair_line_value_refuses_what_cannot_be() -> None:
    with pytest.raises(InvalidInputError) as early:
        RepairLine(number=1, relation_id="R", created_at=LATER, finished_at=AT)
    assert early.value.field == "finished_at"
    with pytest.raises(NaiveDatetimeError):
        RepairLine(number=1, relation_id="R", created_at=AT.replace(tzinfo=None))
    with pytest.raises(InvalidInputError) as zero:
        RepairLine(number=0, relation_id="R", created_at=AT)
    assert zero.value.field == "number"


def test_an_order_holds_repair_lines_of_its_relations_only() -> None:
    line = RepairLine(number=1, relation_id="REL-9", created_at=AT)
    with pytest.raises(InvalidInputError) as caught:
        attrs.evolve(order(), repair_lines=(line,))
    assert caught.value.field == "repair_lines[0].relation_id"
    mine = attrs.evolve(line, relation_id="REL-1")
    with pytest.raises(InvalidInputError) as twice:
        attrs.evolve(order(), repair_lines=(mine, mine))
    assert twice.value.field == "repair_lines"
    two = attrs.evolve(mine, number=2)
    assert attrs.evolve(order(), repair_lines=(two, mine)).repair_lines == (mine, two)


def test_repair_status_is_derived_from_the_lines() -> None:
    open_line = RepairLine(number=1, relation_id="R", created_at=AT)
    done = attrs.evolve(open_line, number=2, finished_at=LATER)
    assert repair_status([]) is RepairStatus.NONE
    assert repair_status([open_line, done]) is RepairStatus.IN_REPAIR
    assert repair_status([done]) is RepairStatus.REPAIRED


def test_an_order_with_repair_lines_round_trips_through_the_codec() -> None:
    done = blue_screen()
    done, _ = done.move_repair_line(GRAPH, TAXONOMY, 1, "REPAIRED", at=LATER)
    document = to_dict(done)
    assert document["$version"] == 3  # 3: incoming and request_id
    assert document["repair_lines"][0]["finished_at"] == LATER.isoformat()
    assert from_dict(ServiceOrder, document) == done


def test_the_finished_repair_lines_of_orders_feed_the_suggested_resolutions() -> None:
    done = blue_screen(resolution_id="replaced")
    done, _ = done.change_repair_line(
        GRAPH,
        TAXONOMY,
        1,
        at=LATER,
        diagnosis_area_id="defective part",
        diagnosis_code_id="new video card installed",
    )
    open_only = suggest_resolutions(
        done.repair_lines, symptom_area_id="hard drive", symptom_code_id="blue screen"
    )
    assert open_only == ()  # an open line is no past repair yet
    done, _ = done.move_repair_line(GRAPH, TAXONOMY, 1, "REPAIRED", at=LATER)
    (best,) = suggest_resolutions(
        done.repair_lines,
        symptom_area_id="hard drive",
        symptom_code_id="blue screen",
        condition_id="fails after extended use",
    )
    assert (best.diagnosis_code_id, best.resolution_id) == ("new video card installed", "replaced")
