"""The laws of versioned service BOMs (R1-R4), as Hypothesis properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedomain.errors import InvalidQuantityError, RepairRuleError
from servicedomain.repairs import (
    BomLine,
    RelationKind,
    ServiceBom,
    ServiceObjectRelation,
    replay_bom,
)
from servicedomain.serialization import from_dict, to_dict
from servicedomain.testing.domain_strategies import service_boms

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def days_of(bom: ServiceBom, *, after: int = 2) -> list[date]:
    """Every day from the attachment to ``after`` days past the last change."""
    last = bom.last_change_on or bom.attached_on
    count = (last - bom.attached_on).days + after + 1
    return [bom.attached_on + timedelta(days=n) for n in range(count)]


@given(service_boms())
def test_R1_replaying_the_events_from_the_template_gives_the_current_bom(bom: ServiceBom) -> None:
    assert replay_bom(bom.template_lines, bom.changes) == bom.current
    assert bom.as_of(bom.last_change_on or bom.attached_on) == bom.current
    for day in days_of(bom):
        assert bom.as_of(day) == replay_bom(bom.template_lines, bom.changes, through=day)


@given(service_boms())
def test_R1_a_decoded_bom_rebuilds_every_day_as_the_original(bom: ServiceBom) -> None:
    decoded = from_dict(ServiceBom, to_dict(bom))
    assert decoded == bom
    assert [decoded.as_of(day) for day in days_of(bom)] == [bom.as_of(day) for day in days_of(bom)]


@given(service_boms(max_gap_days=4))
def test_R2_every_day_between_two_changes_shows_the_state_after_the_earlier(
    bom: ServiceBom,
) -> None:
    changes = bom.changes
    after = [replay_bom(bom.template_lines, changes[: i + 1]) for i in range(len(changes))]
    first = changes[0].on if changes else bom.attached_on + timedelta(days=3)
    day = bom.attached_on
    while day < first:  # before the first change: the template's lines
        assert bom.as_of(day) == bom.template_lines
        day += timedelta(days=1)
    for i, change in enumerate(changes):
        following = changes[i + 1].on if i + 1 < len(changes) else change.on + timedelta(days=3)
        day = change.on
        if following == change.on:
            continue  # a later change of the same day ends this day
        while day < following:
            assert bom.as_of(day) == after[i]
            day += timedelta(days=1)


@given(service_boms(), st.sampled_from(["R-2", "R-3"]), st.sampled_from(RelationKind))
def test_R3_moving_the_history_conserves_every_event_and_every_day(
    bom: ServiceBom, relation_id: str, kind: RelationKind
) -> None:
    target = ServiceObjectRelation(relation_id, bom.service_object_id, kind, "AG-1")
    moved, (event,) = bom.move_to(target, at=AT)
    assert moved.relation_id == relation_id
    assert event.from_relation_id == "R-1"
    assert event.to_relation_id == relation_id
    assert moved.changes == bom.changes
    assert moved.template_lines == bom.template_lines
    assert moved.current == bom.current
    assert [moved.as_of(day) for day in days_of(bom)] == [bom.as_of(day) for day in days_of(bom)]
    assert replay_bom(moved.template_lines, moved.changes) == moved.current
    home = ServiceObjectRelation("R-1", bom.service_object_id, RelationKind.ORDER, "SO-1")
    back, _ = moved.move_to(home, at=AT)
    assert back.changes == bom.changes
    assert back.relation_id == bom.relation_id


@given(service_boms())
def test_R3_history_moves_only_to_a_relation_of_the_same_object(bom: ServiceBom) -> None:
    other = ServiceObjectRelation("R-2", bom.service_object_id + "X", RelationKind.ORDER, "SO-2")
    with pytest.raises(RepairRuleError) as caught:
        bom.move_to(other, at=AT)
    assert caught.value.rule == "bom.same_object"
    assert caught.value.entity_id == bom.id


@given(service_boms(), st.data())
def test_R4_a_replacement_keeps_the_quantity_unless_it_sets_one(
    bom: ServiceBom, data: st.DataObject
) -> None:
    if not bom.current:
        return
    line = data.draw(st.sampled_from(bom.current))
    on = bom.last_change_on or bom.attached_on
    kept, (change,) = bom.replace_item(
        line.line_id, new_serial_number="SN-NEW", on=on, order_id="SO-9", at=AT
    )
    assert kept.line(line.line_id).quantity == line.quantity
    assert change.line == kept.line(line.line_id)
    assert (change.old_serial_number, change.new_serial_number) == (line.serial_number, "SN-NEW")
    quantity = data.draw(st.integers(0, 99).map(Decimal))
    changed, _ = bom.replace_item(
        line.line_id, new_serial_number=None, quantity=quantity, on=on, order_id="SO-9", at=AT
    )
    assert changed.line(line.line_id).quantity == quantity


@given(service_boms(), st.data())
def test_R4_quantities_never_go_below_zero(bom: ServiceBom, data: st.DataObject) -> None:
    for day in days_of(bom):
        assert all(line.quantity >= 0 for line in bom.as_of(day))
    if not bom.current:
        return
    line: BomLine = data.draw(st.sampled_from(bom.current))
    on = bom.last_change_on or bom.attached_on
    too_much = -(line.quantity + data.draw(st.integers(1, 100).map(lambda n: Decimal(n) / 100)))
    with pytest.raises(InvalidQuantityError) as caught:
        bom.update_quantity(line.line_id, too_much, on=on, order_id="SO-9", at=AT)
    assert caught.value.field == "delta"
    assert caught.value.value == too_much
    emptied, _ = bom.update_quantity(line.line_id, -line.quantity, on=on, order_id="SO-9", at=AT)
    assert emptied.line(line.line_id).quantity == 0
    assert bom.line(line.line_id) == line  # the refused change left the BOM as it was


@given(service_boms(), st.data())
def test_R1_snapshots_branching_after_as_of_each_rebuild_their_own_days(
    bom: ServiceBom, data: st.DataObject
) -> None:
    """The day index is shared along a lineage of snapshots and extended in place: the
    snapshot it was built on, each of two branches from it, and a later change of one
    branch all rebuild every day of their own history."""
    last = bom.last_change_on or bom.attached_on
    bom.as_of(bom.attached_on)  # builds the index (when there are changes)
    later = last + timedelta(days=data.draw(st.integers(0, 2)))
    parent = data.draw(st.sampled_from([None, *[x.line_id for x in bom.current]]))
    left, _ = bom.insert_line(
        BomLine(line_id="X-LEFT", item_id="A", quantity=1, parent_id=parent),
        on=later,
        order_id="SO-8",
        at=AT,
    )
    left.as_of(bom.attached_on)
    right, _ = bom.insert_line(
        BomLine(line_id="X-RIGHT", item_id="B", quantity=2), on=later, order_id="SO-8", at=AT
    )
    after, _ = left.delete_line("X-LEFT", on=later + timedelta(days=1), order_id="SO-8", at=AT)
    for snapshot in (bom, left, right, after):
        for day in days_of(snapshot):
            expected = replay_bom(snapshot.template_lines, snapshot.changes, through=day)
            assert snapshot.as_of(day) == expected, (snapshot.version, day)
