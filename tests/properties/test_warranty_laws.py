"""The laws of warranty and service objects (issue 16, item 5), as properties.

* Warranty is membership: a kind covers a day exactly when the day is in its coverage's
  half-open ``[start, end)`` range, and then until the range's last day.
* Warranty is derived: the status depends on the coverage and the day only.
* U2: an operation dated before the object's last one is refused; the object is unchanged.
"""

from __future__ import annotations

from datetime import date, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedomain.errors import InstantOutOfOrderError
from servicedomain.repairs import (
    CoverageKind,
    RelationKind,
    ServiceObject,
    WarrantyCoverage,
    warranty_status,
)
from servicedomain.testing.domain_strategies import (
    ids,
    service_objects,
    warranty_coverages,
)

DAYS = st.dates(date(2019, 1, 1), date(2032, 1, 1))


def _edges(obj: ServiceObject) -> list[date]:
    """The days on and around each coverage's edges, where an off-by-one would show."""
    one = timedelta(days=1)
    return [
        day
        for item in obj.coverage
        for edge in (item.period.start, item.period.end)
        for day in (edge - one, edge, edge + one)
    ]


@st.composite
def objects_and_days(draw: st.DrawFn) -> tuple[ServiceObject, date]:
    obj = draw(service_objects())
    if not obj.coverage:  # most draws get coverage: the law is about its edges
        coverage = draw(st.lists(warranty_coverages(), max_size=2, unique_by=_kind))
        obj = attrs.evolve(obj, coverage=coverage)
    edges = _edges(obj)
    near = draw(st.integers(0, 3)) > 0  # three times in four: on or next to an edge
    if edges and near:
        return obj, draw(st.sampled_from(edges))
    return obj, draw(DAYS)


def _kind(coverage: WarrantyCoverage) -> CoverageKind:
    return coverage.kind


@given(objects_and_days())
def test_warranty_status_on_a_day_is_membership_of_the_day_in_the_coverage(
    drawn: tuple[ServiceObject, date],
) -> None:
    obj, day = drawn
    status = warranty_status(obj, on=day)
    assert status.on == day
    for kind in CoverageKind:
        coverage = obj.coverage_of(kind)
        inside = coverage is not None and coverage.period.start <= day < coverage.period.end
        assert status.covered(kind) is inside
        assert status.of(kind).until == (coverage.last_day if inside and coverage else None)


@given(service_objects(), service_objects(), DAYS)
def test_warranty_status_depends_only_on_the_coverage_and_the_day(
    obj: ServiceObject, other: ServiceObject, day: date
) -> None:
    # Everything but the coverage taken from another object: the same status.
    same_coverage = attrs.evolve(
        other,
        coverage=obj.coverage,
        relations=tuple(attrs.evolve(r, object_id=other.id) for r in other.relations),
    )
    assert warranty_status(same_coverage, on=day) == warranty_status(obj, on=day)
    assert obj.recorded_at is not None
    bare, _ = ServiceObject.create(id="X", group_id="G", at=obj.recorded_at, coverage=obj.coverage)
    assert warranty_status(bare, on=day) == warranty_status(obj, on=day)


@given(service_objects(), st.integers(1, 10_000), ids(prefix="BOM"))
def test_U2_an_operation_before_the_last_instant_is_refused_and_changes_nothing(
    obj: ServiceObject, minutes: int, bom: str
) -> None:
    assert obj.recorded_at is not None
    earlier = obj.recorded_at - timedelta(minutes=minutes)
    before = obj
    with pytest.raises(InstantOutOfOrderError):
        obj.assign_template_bom(bom, at=earlier)
    with pytest.raises(InstantOutOfOrderError):
        obj.relate(relation_id="REL-NEW", kind=RelationKind.ORDER, key="SO-1", at=earlier)
    with pytest.raises(InstantOutOfOrderError):
        obj.change_coverage(CoverageKind.PARTS, None, at=earlier)
    assert obj == before
    # an operation at the last instant itself is fine (time need not move)
    assert obj.assign_template_bom(bom, at=obj.recorded_at)[0].template_bom_id == bom


@given(service_objects())
def test_every_operation_adds_one_to_the_version_or_returns_the_object_and_no_event(
    obj: ServiceObject,
) -> None:
    at = obj.recorded_at
    assert at is not None
    for changed, events in (
        obj.assign_template_bom(obj.template_bom_id, at=at),
        obj.change_coverage(CoverageKind.PARTS, None, at=at),
        obj.relate(relation_id="REL-NEW", kind=RelationKind.AGREEMENT, key="AG-9", at=at),
    ):
        if events:
            assert changed.version == obj.version + 1
            assert all(event.entity_id == obj.id for event in events)
        else:
            assert changed is obj
