"""The dispatch laws D1-D4 (issue 17) as properties over drawn technicians and bookings."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

from servicedomain.dispatch import (
    Booking,
    BookingStatus,
    Interval,
    Requirement,
    Technician,
    availability,
    book,
    candidates,
)
from servicedomain.errors import BookingConflictError
from servicedomain.testing.domain_strategies import (
    bookings,
    intervals,
    requirements,
    technicians,
)

QUARTER = timedelta(minutes=15)
TRAVEL = st.sampled_from([timedelta(0), QUARTER, timedelta(minutes=45)])


def _bookings_of(technician_ids: tuple[str, ...]) -> st.SearchStrategy[list[Booking]]:
    return st.lists(bookings(technician_ids=technician_ids), max_size=6, unique_by=lambda b: b.id)


def _eligible(requirement: Requirement, technician: Technician) -> bool:
    skills = all(
        technician.skills.get(skill, 0) >= level for skill, level in requirement.skills.items()
    )
    territory = requirement.territory is None or requirement.territory in technician.territories
    return skills and territory and technician.id not in requirement.restricted_technician_ids


@given(technicians(), _bookings_of(("W-1", "W-2")), intervals(max_hours=96), st.data())
def test_D1_availability_is_working_time_minus_held_bookings_and_absences(
    technician: Technician, booked: list[Booking], window: Interval, data: st.DataObject
) -> None:
    free = availability(technician, booked, window)
    held = [b.busy for b in booked if b.technician_id == technician.id and b.blocks]
    away = [absence.interval for absence in technician.absences]
    for one in free:
        assert window.contains(one)
        assert technician.calendar.working_intervals(one.start, one.end) == [(one.start, one.end)]
        assert not any(one.overlaps(busy) for busy in held)
        assert not any(one.overlaps(absence) for absence in away)
    for before, after in itertools.pairwise(free):
        assert before.end < after.start  # sorted, disjoint and merged
    # and nothing free is left out: an instant is free iff it is working and not held
    instant = window.start + data.draw(st.integers(0, window.duration // QUARTER - 1)) * QUARTER
    expected = (
        technician.calendar.is_working(instant)
        and not any(busy.start <= instant < busy.end for busy in held)
        and not any(absence.start <= instant < absence.end for absence in away)
    )
    assert any(one.start <= instant < one.end for one in free) == expected


@given(
    technicians(),
    requirements(max_hours=72),
    _bookings_of(("W-1", "W-2", "W-3")),
    TRAVEL,
    st.data(),
)
def test_D2_book_accepts_an_interval_iff_it_lies_in_one_free_interval_and_the_rules_hold(
    technician: Technician,
    requirement: Requirement,
    booked: list[Booking],
    travel: timedelta,
    data: st.DataObject,
) -> None:
    wide = Interval(
        requirement.window.start - timedelta(days=1), requirement.window.end + timedelta(days=1)
    )
    free = availability(technician, booked, wide)
    near = st.integers(-8, requirement.window.duration // QUARTER + 8).map(
        lambda n: requirement.window.start + n * QUARTER
    )
    # the edges of free intervals: a start just after one opens, and work that ends
    # just before, at or after one closes (the start alone in working time: OCA #1382)
    inside = [f for f in free if f.overlaps(requirement.window)]
    edges = [f.start + travel for f in inside]
    edges += [f.end - requirement.duration + n * QUARTER for f in inside for n in range(-1, 3)]
    start = data.draw(st.sampled_from(edges) | near if edges else near)
    if data.draw(st.integers(0, 3)):  # mostly a technician the rules allow, to test the time
        requirement = attrs.evolve(
            requirement, skills={}, territory=None, restricted_technician_ids=frozenset()
        )
    span = Interval(start - travel, start + requirement.duration)
    work = Interval(start, start + requirement.duration)
    expected = (
        any(f.contains(span) for f in free)
        and _eligible(requirement, technician)
        and requirement.window.contains(work)
    )
    arguments: dict[str, Any] = {"start": start, "travel": travel, "id": "NEW", "at": start}
    event("accepted" if expected else "refused")
    if expected:
        made, _ = book(requirement, technician, booked, **arguments)
        assert made.busy == span
        assert made.status is BookingStatus.PROPOSED
    else:
        with pytest.raises(BookingConflictError) as refused:
            book(requirement, technician, booked, **arguments)
        assert refused.value.reasons


@st.composite
def _teams_of_technicians(draw: st.DrawFn) -> list[Technician]:
    return draw(st.lists(technicians(), min_size=1, max_size=3, unique_by=lambda t: t.id))


@given(
    _teams_of_technicians(),
    requirements(max_hours=24),
    _bookings_of(("W-1", "W-2", "W-3")),
    TRAVEL,
)
def test_D3_candidates_partition_the_technicians_and_a_candidates_start_is_bookable(
    people: list[Technician],
    requirement: Requirement,
    booked: list[Booking],
    travel: timedelta,
) -> None:
    found = candidates(requirement, people, booked, travel=travel)
    ranked = {c.technician_id for c in found.ranked}
    excluded = {e.technician_id for e in found.excluded}
    assert ranked | excluded == {t.id for t in people}
    assert not ranked & excluded
    assert len(found.ranked) == len(ranked)
    assert len(found.excluded) == len(excluded)
    assert all(exclusion.reasons for exclusion in found.excluded)
    by_id = {t.id: t for t in people}
    for candidate in found.ranked:
        book(
            requirement,
            by_id[candidate.technician_id],
            booked,
            start=candidate.start,
            travel=travel,
            id="NEW",
            at=candidate.start,
        )
        assert candidate.preferred == (
            candidate.technician_id == requirement.preferred_technician_id
        )


@given(
    _teams_of_technicians(),
    requirements(max_hours=24),
    _bookings_of(("W-1", "W-2", "W-3")),
    st.randoms(use_true_random=False),
)
def test_D4_the_ranking_does_not_depend_on_the_order_of_technicians_and_bookings(
    people: list[Technician], requirement: Requirement, booked: list[Booking], rnd: object
) -> None:
    found = candidates(requirement, people, booked)
    shuffled_people, shuffled_bookings = list(people), list(booked)
    rnd.shuffle(shuffled_people)  # type: ignore[attr-defined]
    rnd.shuffle(shuffled_bookings)  # type: ignore[attr-defined]
    again = candidates(requirement, reversed(shuffled_people), tuple(shuffled_bookings))
    assert again == found
    keys = [c.rank_key for c in found.ranked]
    assert keys == sorted(keys)


@given(
    technicians(),
    requirements(max_hours=72),
    _bookings_of(("W-1", "W-2", "W-3")),
    TRAVEL,
    st.data(),
)
def test_D2_work_that_runs_past_the_end_of_a_free_interval_is_refused_and_inside_it_accepted(
    technician: Technician,
    requirement: Requirement,
    booked: list[Booking],
    travel: timedelta,
    data: st.DataObject,
) -> None:
    # The whole interval is checked, not just its start (OCA field-service PR #1382).
    allowed = attrs.evolve(
        requirement, skills={}, territory=None, restricted_technician_ids=frozenset()
    )
    window = allowed.window
    free = availability(technician, booked, Interval(window.start - travel, window.end))
    fitting = [f for f in free if f.duration >= allowed.duration + travel]
    assume(fitting)
    chosen = data.draw(st.sampled_from(fitting))
    offset = data.draw(st.integers(-2, 3))
    start = chosen.end - allowed.duration + offset * QUARTER  # offset > 0: runs past the end
    arguments: dict[str, Any] = {"start": start, "travel": travel, "id": "NEW", "at": start}
    inside = start - travel >= chosen.start and start + allowed.duration <= window.end
    if offset <= 0 and inside and start >= window.start:
        book(allowed, technician, booked, **arguments)
    elif offset > 0:
        with pytest.raises(BookingConflictError):
            book(allowed, technician, booked, **arguments)
