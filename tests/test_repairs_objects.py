"""Service objects (issue 16, items 1 and 5): the entity, its relations, its warranty."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import pytest

from servicedomain.errors import (
    InstantOutOfOrderError,
    InvalidDocumentError,
    InvalidInputError,
    InvalidPeriodError,
    NaiveDatetimeError,
    RepairRuleError,
    TypeMismatchError,
)
from servicedomain.periods import DateRange
from servicedomain.repairs import (
    CoverageKind,
    CoverageStatus,
    RelationKind,
    ServiceObject,
    ServiceObjectCreated,
    ServiceObjectRelation,
    ServiceObjectRelationAdded,
    ServiceObjectRelationRemoved,
    TemplateBomAssigned,
    WarrantyCoverage,
    WarrantyCoverageChanged,
    WarrantyStatus,
    warranty_status,
)
from servicedomain.serialization import from_dict, to_dict

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = AT + timedelta(hours=1)
PARTS_2026 = WarrantyCoverage.inclusive(CoverageKind.PARTS, date(2026, 1, 1), date(2026, 12, 31))


def laptop(**fields: Any) -> ServiceObject:
    values: dict[str, Any] = {"id": "OBJ-1", "group_id": "LAPTOPS", "at": AT, **fields}
    obj, _ = ServiceObject.create(**values)
    return obj


# ------------------------------------------------------------------ the entity


def test_create_gives_version_1_and_the_created_event_then_one_per_coverage() -> None:
    obj, events = ServiceObject.create(
        id="OBJ-1",
        group_id="LAPTOPS",
        at=AT,
        description="Laptop",
        item_id="IT-7",
        serial_number="SN-42",
        template_bom_id="BOM-1",
        coverage=[PARTS_2026],
    )
    assert (obj.version, obj.recorded_at, obj.relations) == (1, AT, ())
    assert obj.coverage == (PARTS_2026,)
    assert events == (
        ServiceObjectCreated(
            entity_id="OBJ-1",
            occurred_at=AT,
            group_id="LAPTOPS",
            item_id="IT-7",
            serial_number="SN-42",
            template_bom_id="BOM-1",
        ),
        WarrantyCoverageChanged(
            entity_id="OBJ-1", occurred_at=AT, kind=CoverageKind.PARTS, period=PARTS_2026.period
        ),
    )


def test_coverage_is_kept_in_coverage_kind_order() -> None:
    labour = WarrantyCoverage.inclusive(CoverageKind.LABOUR, date(2026, 1, 1), date(2026, 6, 30))
    assert laptop(coverage=[labour, PARTS_2026]).coverage == (PARTS_2026, labour)


def test_relate_attaches_the_object_to_an_order_once() -> None:
    obj = laptop()
    related, events = obj.relate(
        relation_id="REL-1", kind=RelationKind.ORDER, key="SO-1", at=LATER, template_bom_id="B"
    )
    relation = ServiceObjectRelation("REL-1", "OBJ-1", RelationKind.ORDER, "SO-1", "B")
    assert related.relations == (relation,)
    assert (related.version, related.recorded_at) == (2, LATER)
    assert events == (
        ServiceObjectRelationAdded(entity_id="OBJ-1", occurred_at=LATER, relation=relation),
    )
    assert related.relation("REL-1") == relation
    again = related.relate(
        relation_id="REL-1", kind=RelationKind.ORDER, key="SO-1", at=LATER, template_bom_id="B"
    )
    assert again == (related, ())


def test_another_relation_of_the_same_id_is_refused_by_rule() -> None:
    obj, _ = laptop().relate(relation_id="REL-1", kind=RelationKind.ORDER, key="SO-1", at=AT)
    with pytest.raises(RepairRuleError) as caught:
        obj.relate(relation_id="REL-1", kind=RelationKind.AGREEMENT, key="AG-1", at=AT)
    assert (caught.value.entity_id, caught.value.rule) == ("OBJ-1", "relation.conflict")


def test_an_agreement_and_an_order_relation_live_side_by_side() -> None:
    obj, _ = laptop().relate(relation_id="REL-1", kind=RelationKind.AGREEMENT, key="AG-1", at=AT)
    obj, _ = obj.relate(relation_id="REL-2", kind=RelationKind.ORDER, key="SO-1", at=AT)
    assert [(r.kind, r.key) for r in obj.relations] == [
        (RelationKind.AGREEMENT, "AG-1"),
        (RelationKind.ORDER, "SO-1"),
    ]


def test_unrelate_removes_the_relation_and_refuses_an_unknown_one() -> None:
    obj, _ = laptop().relate(relation_id="REL-1", kind=RelationKind.ORDER, key="SO-1", at=AT)
    removed, events = obj.unrelate("REL-1", at=LATER)
    assert removed.relations == ()
    assert events == (
        ServiceObjectRelationRemoved(entity_id="OBJ-1", occurred_at=LATER, relation_id="REL-1"),
    )
    with pytest.raises(InvalidInputError) as caught:
        removed.unrelate("REL-1", at=LATER)
    assert (caught.value.field, caught.value.value) == ("relation_id", "REL-1")


def test_an_object_has_at_most_one_template_bom() -> None:
    obj = laptop(template_bom_id="BOM-1")
    replaced, events = obj.assign_template_bom("BOM-2", at=LATER)
    assert replaced.template_bom_id == "BOM-2"
    assert events == (
        TemplateBomAssigned(entity_id="OBJ-1", occurred_at=LATER, template_bom_id="BOM-2"),
    )
    assert replaced.assign_template_bom("BOM-2", at=LATER) == (replaced, ())
    cleared, _ = replaced.assign_template_bom(None, at=LATER)
    assert cleared.template_bom_id is None


def test_change_coverage_sets_replaces_and_removes_one_kind() -> None:
    obj = laptop(coverage=[PARTS_2026])
    labour = DateRange.inclusive(date(2026, 3, 1), date(2027, 2, 28))
    obj, events = obj.change_coverage(CoverageKind.LABOUR, labour, at=LATER)
    assert obj.coverage_of(CoverageKind.LABOUR) == WarrantyCoverage(CoverageKind.LABOUR, labour)
    assert obj.coverage_of(CoverageKind.PARTS) == PARTS_2026
    assert events == (
        WarrantyCoverageChanged(
            entity_id="OBJ-1", occurred_at=LATER, kind=CoverageKind.LABOUR, period=labour
        ),
    )
    assert obj.change_coverage(CoverageKind.LABOUR, labour, at=LATER) == (obj, ())
    obj, events = obj.change_coverage(CoverageKind.PARTS, None, at=LATER)
    assert obj.coverage_of(CoverageKind.PARTS) is None
    assert events[0].period is None  # type: ignore[attr-defined]
    assert obj.version == 3


def test_U2_an_operation_before_the_last_recorded_instant_is_refused_and_the_object_is_usable() -> (
    None
):
    obj, _ = laptop().relate(relation_id="REL-1", kind=RelationKind.ORDER, key="SO-1", at=LATER)
    with pytest.raises(InstantOutOfOrderError) as caught:
        obj.assign_template_bom("BOM-1", at=AT)
    assert (caught.value.field, caught.value.value, caught.value.last) == ("at", AT, LATER)
    assert obj.assign_template_bom("BOM-1", at=LATER)[0].template_bom_id == "BOM-1"


def test_a_service_object_with_relations_round_trips_through_its_document() -> None:
    obj, _ = laptop(coverage=[PARTS_2026], serial_number="SN-1").relate(
        relation_id="REL-1", kind=RelationKind.AGREEMENT, key="AG-1", at=AT
    )
    document = to_dict(obj)
    assert document["relations"] == [
        {
            "id": "REL-1",
            "object_id": "OBJ-1",
            "kind": "agreement",
            "key": "AG-1",
            "template_bom_id": None,
        }
    ]
    assert document["coverage"] == [
        {"kind": "parts", "period": {"start": "2026-01-01", "end": "2027-01-01"}}
    ]
    assert from_dict(ServiceObject, document) == obj


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("field", ["id", "group_id", "item_id", "serial_number", "template_bom_id"])
@pytest.mark.parametrize("blank", ["", "  "])
def test_blank_ids_are_refused_naming_the_field(field: str, blank: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        laptop(**{field: blank})
    assert caught.value.field == field


def test_the_group_is_required() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        laptop(group_id=None)
    assert caught.value.field == "group_id"


def test_a_float_is_refused_naming_the_field() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        laptop(serial_number=4.2)
    assert caught.value.field == "serial_number"
    with pytest.raises(TypeMismatchError) as caught:
        WarrantyCoverage.inclusive(CoverageKind.PARTS, 2026.1, date(2026, 12, 31))  # type: ignore[arg-type]
    assert caught.value.field == "first"
    with pytest.raises(InvalidDocumentError) as document:
        from_dict(ServiceObject, {**to_dict(laptop()), "version": 1.0})
    assert document.value.field == "version"


def test_a_naive_datetime_is_refused_where_an_instant_is_expected() -> None:
    naive = datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 (the point of the test)
    with pytest.raises(NaiveDatetimeError) as caught:
        laptop(at=naive)
    assert caught.value.field == "at"
    with pytest.raises(NaiveDatetimeError) as caught:
        laptop().relate(relation_id="R", kind=RelationKind.ORDER, key="SO-1", at=naive)
    assert caught.value.field == "at"
    document = {**to_dict(laptop()), "recorded_at": "2026-03-02T09:00:00"}
    with pytest.raises(InvalidDocumentError) as refused:
        from_dict(ServiceObject, document)
    assert refused.value.field == "recorded_at"


def test_coverage_to_before_from_is_refused() -> None:
    with pytest.raises(InvalidPeriodError) as caught:
        WarrantyCoverage.inclusive(CoverageKind.PARTS, date(2026, 12, 31), date(2026, 1, 1))
    assert (caught.value.field, caught.value.value) == ("last", date(2026, 1, 1))
    with pytest.raises(InvalidPeriodError):
        WarrantyCoverage(CoverageKind.PARTS, DateRange(date(2026, 2, 1), date(2026, 1, 1)))
    # a single day is a coverage: first == last
    one_day = WarrantyCoverage.inclusive(CoverageKind.PARTS, date(2026, 1, 1), date(2026, 1, 1))
    assert one_day.period.days == 1


def test_two_coverages_of_one_kind_are_refused() -> None:
    again = WarrantyCoverage.inclusive(CoverageKind.PARTS, date(2027, 1, 1), date(2027, 12, 31))
    with pytest.raises(InvalidInputError) as caught:
        laptop(coverage=[PARTS_2026, again])
    assert (caught.value.field, caught.value.value) == ("coverage", CoverageKind.PARTS)


def test_a_relation_of_another_object_is_refused() -> None:
    other = ServiceObjectRelation("REL-1", "OBJ-2", RelationKind.ORDER, "SO-1")
    with pytest.raises(InvalidInputError) as caught:
        attrs.evolve(laptop(), relations=(other,))
    assert caught.value.field == "relations[0].object_id"
    twice = ServiceObjectRelation("REL-1", "OBJ-1", RelationKind.ORDER, "SO-1")
    with pytest.raises(InvalidInputError, match="a relation id is on an object once"):
        attrs.evolve(laptop(), relations=(twice, attrs.evolve(twice, key="SO-2")))


def test_a_relation_kind_is_an_enum_member() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        laptop().relate(relation_id="R", kind="order", key="SO-1", at=AT)  # type: ignore[arg-type]
    assert caught.value.field == "kind"


# ------------------------------------------------------------------ warranty


def test_coverage_covers_its_first_and_last_day_and_not_the_days_around() -> None:
    obj = laptop(coverage=[PARTS_2026])
    expected = {
        date(2025, 12, 31): False,
        date(2026, 1, 1): True,
        date(2026, 6, 15): True,
        date(2026, 12, 31): True,  # the last day printed on the card is covered
        date(2027, 1, 1): False,  # period.end, the first day no longer covered
    }
    for day, covered in expected.items():
        status = warranty_status(obj, on=day)
        assert status.covered(CoverageKind.PARTS) is covered, day
        assert status.of(CoverageKind.PARTS).until == (date(2026, 12, 31) if covered else None)
        assert not status.covered(CoverageKind.LABOUR)


def test_warranty_status_lists_every_kind_and_says_until_when() -> None:
    labour = WarrantyCoverage.inclusive(CoverageKind.LABOUR, date(2026, 1, 1), date(2026, 3, 31))
    status = warranty_status(laptop(coverage=[PARTS_2026, labour]), on=date(2026, 3, 2))
    assert status == WarrantyStatus(
        date(2026, 3, 2),
        (
            CoverageStatus(CoverageKind.PARTS, True, date(2026, 12, 31)),
            CoverageStatus(CoverageKind.LABOUR, True, date(2026, 3, 31)),
        ),
    )
    assert status.covered_kinds == (CoverageKind.PARTS, CoverageKind.LABOUR)
    assert warranty_status(laptop(), on=date(2026, 3, 2)).covered_kinds == ()


def test_warranty_follows_a_coverage_change_with_no_stored_flag() -> None:
    obj = laptop(coverage=[PARTS_2026])
    day = date(2026, 6, 1)
    assert warranty_status(obj, on=day).covered(CoverageKind.PARTS)
    removed, _ = obj.change_coverage(CoverageKind.PARTS, None, at=LATER)
    assert not warranty_status(removed, on=day).covered(CoverageKind.PARTS)
    assert "warranty" not in {a.name for a in attrs.fields(ServiceObject)}


def test_warranty_status_refuses_a_datetime_and_a_non_object() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        warranty_status(laptop(), on=AT)
    assert caught.value.field == "on"
    with pytest.raises(TypeMismatchError) as caught:
        warranty_status(PARTS_2026, on=date(2026, 1, 1))  # type: ignore[arg-type]
    assert caught.value.field == "obj"


def test_an_inconsistent_status_is_refused() -> None:
    with pytest.raises(InvalidInputError) as caught:
        CoverageStatus(CoverageKind.PARTS, False, date(2026, 1, 1))
    assert caught.value.field == "until"
    with pytest.raises(InvalidInputError) as caught:
        WarrantyStatus(date(2026, 1, 1), (CoverageStatus(CoverageKind.PARTS, False, None),))
    assert caught.value.field == "coverage"
    early = CoverageStatus(CoverageKind.PARTS, True, date(2025, 1, 1))
    labour = CoverageStatus(CoverageKind.LABOUR, False, None)
    with pytest.raises(InvalidInputError) as caught:
        WarrantyStatus(date(2026, 1, 1), (early, labour))
    assert caught.value.field == "coverage[0].until"
