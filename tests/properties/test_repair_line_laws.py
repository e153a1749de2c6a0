"""Laws R5 and R6 of repair lines (issue 16), as properties."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from servicedomain.errors import ServiceDomainError
from servicedomain.orders import ServiceOrder
from servicedomain.repairs import FaultTaxonomy, RelationKind, ServiceObjectRelation
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH
from servicedomain.stages import Action
from servicedomain.testing.domain_strategies import ids, service_orders

TAXONOMY = FaultTaxonomy.from_dict(
    {
        "symptom_areas": [{"id": "hard drive"}, {"id": "monitor"}],
        "symptom_codes": [
            {"area": "hard drive", "id": "blue screen"},
            {"area": "monitor", "id": "flicker"},
        ],
        "conditions": [{"id": "hot"}],
        "diagnosis_areas": [{"id": "part"}],
        "diagnosis_codes": [{"area": "part", "id": "card"}],
        "resolutions": [{"id": "repaired"}, {"id": "replaced"}],
        "repair_stages": [
            {"id": "OPEN"},
            {"id": "WAITING"},
            {"id": "DONE", "finished": True},
            {"id": "CLOSED", "finished": True},
        ],
    }
)
_START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FINISHED = {stage.id for stage in TAXONOMY.repair_stages if stage.finished}
STAGES = st.sampled_from([stage.id for stage in TAXONOMY.repair_stages])
# Codes in and out of their areas: a step the order refuses is not taken.
SYMPTOMS = st.sampled_from(
    [
        (None, None),
        ("hard drive", "blue screen"),
        ("monitor", "flicker"),
        (None, None),
        ("monitor", "blue screen"),  # outside its area: refused
    ]
)
TEXTS = st.text(max_size=8)


def repair_fields(draw: Any) -> dict[str, Any]:
    area, code = draw(SYMPTOMS)
    return {
        "symptom_area_id": area,
        "symptom_code_id": code,
        "condition_id": draw(st.sampled_from([None, "hot"])),
        "diagnosis_area_id": "part",
        "diagnosis_code_id": draw(st.sampled_from([None, "card"])),
        "resolution_id": draw(st.sampled_from([None, "repaired", "replaced"])),
        "technician_id": draw(st.none() | ids(prefix="W")),
        "description": draw(TEXTS),
    }


@st.composite
def repaired_orders(draw: st.DrawFn) -> tuple[ServiceOrder, list[ServiceOrder]]:
    """An order with two relations, and the snapshots of a random history of repair steps."""
    made, _ = ServiceOrder.create(
        GRAPH,
        id="SO-1",
        customer_id="C-1",
        at=_START,
        object_relations=(
            ServiceObjectRelation("REL-1", "OBJ-1", RelationKind.ORDER, "SO-1"),
            ServiceObjectRelation("REL-2", "OBJ-2", RelationKind.ORDER, "SO-1"),
        ),
    )
    order, at, history = made, _START, [made]
    for _ in range(draw(st.integers(1, 16))):
        at += timedelta(minutes=draw(st.integers(0, 90)))
        numbers = [line.number for line in order.repair_lines] or [1]
        step = draw(st.sampled_from(["add", "move", "change", "add", "move", "note", "delete"]))
        try:
            if step == "add":
                order, _ = order.add_repair_line(
                    GRAPH,
                    TAXONOMY,
                    relation_id=draw(st.sampled_from(["REL-1", "REL-2", "REL-1", "REL-X"])),
                    stage_id=draw(st.none() | STAGES),
                    at=at,
                    **repair_fields(draw),
                )
            elif step == "change":
                fields = repair_fields(draw)
                chosen = draw(st.sets(st.sampled_from(sorted(fields)), min_size=1))
                order, _ = order.change_repair_line(
                    GRAPH,
                    TAXONOMY,
                    draw(st.sampled_from(numbers)),
                    at=at,
                    **{name: fields[name] for name in chosen},
                )
            elif step == "note":
                order, _ = order.change_repair_line(
                    GRAPH, TAXONOMY, draw(st.sampled_from(numbers)), at=at, note=draw(TEXTS)
                )
            elif step == "move":
                order, _ = order.move_repair_line(
                    GRAPH, TAXONOMY, draw(st.sampled_from(numbers)), draw(STAGES), at=at
                )
            else:
                order, _ = order.delete_repair_line(GRAPH, draw(st.sampled_from(numbers)), at=at)
        except ServiceDomainError:  # refused in this state: the step is not taken
            continue
        history.append(order)
    return made, history


@given(repaired_orders())
def test_R5_a_finished_repair_line_never_changes_again_except_its_note(
    drawn: tuple[ServiceOrder, list[ServiceOrder]],
) -> None:
    _, history = drawn
    for before, after in itertools.pairwise(history):
        now = {line.number: line for line in after.repair_lines}
        for line in before.repair_lines:
            if line.finished:
                assert line.number in now, "a finished repair line is never deleted"
                assert attrs.evolve(now[line.number], note=line.note) == line
    for order in history:
        for line in order.repair_lines:
            # a stage that is not Finished never stamps a finish time, a Finished one does
            assert (line.finished_at is not None) == (line.stage_id in FINISHED), line
            assert line.finished_at is None or line.finished_at >= line.created_at


@given(
    service_orders().filter(
        lambda order: bool(order.object_relations) and order.decision(GRAPH).allows(Action.MODIFY)
    ),
    st.data(),
)
def test_R6_adding_then_deleting_a_repair_step_restores_every_derived_status(
    order: ServiceOrder, data: st.DataObject
) -> None:
    at = (order.last_recorded_at or _START) + timedelta(minutes=data.draw(st.integers(0, 60)))
    relation = data.draw(st.sampled_from(order.object_relations))
    fields = repair_fields(data.draw)
    fields["symptom_area_id"], fields["symptom_code_id"] = "hard drive", "blue screen"
    stage = data.draw(st.none() | st.sampled_from(["OPEN", "WAITING"]))
    added, _ = order.add_repair_line(
        GRAPH, TAXONOMY, relation_id=relation.id, stage_id=stage, at=at, **fields
    )
    number = added.repair_lines[-1].number
    if data.draw(st.booleans()):  # a note on the step first changes nothing of it
        added, _ = added.change_repair_line(GRAPH, TAXONOMY, number, at=at, note="noted")
    undone, _ = added.delete_repair_line(GRAPH, number, at=at)
    assert undone.repair_status is order.repair_status
    assert undone.progress is order.progress
    assert undone.decision(GRAPH) == order.decision(GRAPH)
    assert [line.status for line in undone.lines] == [line.status for line in order.lines]
    assert attrs.evolve(undone, version=order.version, recorded_at=order.recorded_at) == order
