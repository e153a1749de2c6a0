"""Dispatch laws D2, D3 and D5 (issue 17), and their supporting properties.

Over drawn technicians, requirements and bookings: D2 for ``book`` (it accepts exactly
the starts that fit), D3 (availability and the held bookings tile the working time),
D5 (every reason ``candidates`` gives is true); and the properties they rest on:
availability is working time minus held time, candidates partition the technicians,
the ranking does not depend on the input order. D1 and D2 over sequences of operations
are in ``properties/test_dispatch_sequences.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from servicedomain.dispatch import (
    Booking,
    BookingStatus,
    Interval,
    ReasonKind,
    Requirement,
    Technician,
    availability,
    book,
    candidates,
    earliest_start,
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

THOROUGH = settings.get_current_profile_name() == "thorough"


def _bookings_of(technician_ids: tuple[str, ...]) -> st.SearchStrategy[list[Booking]]:
    return st.lists(bookings(technician_ids=technician_ids), max_size=6, unique_by=lambda b: b.id)


def _eligible(requirement: Requirement, technician: Technician) -> bool:
    skills = all(
        technician.skills.get(skill, 0) >= level for skill, level in requirement.skills.items()
    )
    territory = requirement.territory is None or requirement.territory in technician.territories
    return skills and territory and technician.id not in requirement.restricted_technician_ids


@given(technicians(), _bookings_of(("W-1", "W-2")), intervals(max_hours=96), st.data())
def test_availability_is_working_time_minus_held_bookings_and_absences(
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
def test_candidates_partition_the_technicians_and_a_candidates_start_is_bookable(
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
def test_the_ranking_does_not_depend_on_the_order_of_technicians_and_bookings(
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


# ------------------------------------------------------------------ law D3: the tiling

Pairs = list[tuple[datetime, datetime]]


def _union(pairs: Iterable[tuple[datetime, datetime]]) -> Pairs:
    out: Pairs = []
    for start, end in sorted((a.astimezone(UTC), b.astimezone(UTC)) for a, b in pairs):
        if start >= end:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _meet(one: Pairs, other: Pairs) -> Pairs:
    return _union((max(a, c), min(b, d)) for a, b in one for c, d in other if max(a, c) < min(b, d))


def _total(pairs: Pairs) -> timedelta:
    return sum((end - start for start, end in _union(pairs)), timedelta(0))


@st.composite
def _booked_by_book(draw: st.DrawFn, technician: Technician) -> list[Booking]:
    """Committed bookings of ``technician`` each made by ``book`` (so by law D2 and D1)."""
    made: list[Booking] = []
    for n in range(draw(st.integers(0, 5))):
        need = draw(requirements(max_hours=48))
        need = attrs.evolve(need, skills={}, territory=None, restricted_technician_ids=frozenset())
        travel = draw(TRAVEL)
        start = earliest_start(need, technician, made, travel=travel)
        if start is None:
            continue
        start += draw(st.integers(0, 8)) * QUARTER  # not always the first free instant
        try:
            booking, _ = book(
                need,
                technician,
                made,
                start=start,
                id=f"B-{n}",
                at=start,
                travel=travel,
                status=BookingStatus.COMMITTED,
            )
        except BookingConflictError:
            continue
        made.append(booking)
    return made


@settings(max_examples=200 if THOROUGH else 50)
@given(technicians(), intervals(max_hours=96), st.data())
def test_D3_availability_and_the_held_bookings_tile_the_working_time_of_the_window(
    technician: Technician, window: Interval, data: st.DataObject
) -> None:
    # W the technician's working time in the window (its calendar, its zone), F the free
    # time, H the time held by its committed bookings (travel included) clipped to the
    # window, A its absences within W. Then W = F u H u A, pairwise disjoint.
    booked = data.draw(_booked_by_book(technician))
    span = [(window.start, window.end)]
    worked = _meet(_union(technician.calendar.working_intervals(window.start, window.end)), span)
    free = [(f.start, f.end) for f in availability(technician, booked, window)]
    held = _meet(_union((b.start - b.travel, b.end) for b in booked), span)
    away = _meet(_union((a.start, a.end) for a in technician.absences), worked)
    event(f"{len(booked)} bookings, {len(away)} absent pieces")
    assert _union(free + held + away) == worked
    assert _meet(free, held) == []
    assert _meet(free, away) == []
    assert _meet(held, away) == []
    assert _total(free) + _total(held) + _total(away) == _total(worked)
    assert sum((b.busy.duration for b in booked), timedelta(0)) == _total(
        [(b.start - b.travel, b.end) for b in booked]
    )  # the held bookings are pairwise disjoint (law D1)


@settings(max_examples=200 if THOROUGH else 50)
@given(technicians(), _bookings_of(("W-1", "W-2")), intervals(max_hours=96))
def test_D3_free_time_is_the_working_time_not_held_nor_absent_whatever_the_bookings(
    technician: Technician, booked: list[Booking], window: Interval
) -> None:
    # Any bookings (drawn, not made by book: they may overlap each other, an absence or
    # leave working time): free = W minus held minus absent, and W = F u (W n H) u (W n A).
    span = [(window.start, window.end)]
    worked = _meet(_union(technician.calendar.working_intervals(window.start, window.end)), span)
    free = [(f.start, f.end) for f in availability(technician, booked, window)]
    mine = [b for b in booked if b.technician_id == technician.id and b.blocks]
    held = _meet(_union((b.start - b.travel, b.end) for b in mine), worked)
    away = _meet(_union((a.start, a.end) for a in technician.absences), worked)
    assert _union(free + held + away) == worked
    assert _meet(free, held) == []
    assert _meet(free, away) == []


# ------------------------------------------------------------------ law D5: true reasons


@settings(max_examples=200 if THOROUGH else 50)
@given(
    _teams_of_technicians(),
    requirements(max_hours=24),
    _bookings_of(("W-1", "W-2", "W-3")),
    TRAVEL,
)
def test_D5_every_excluded_technician_has_a_reason_and_every_reason_is_true(
    people: list[Technician],
    requirement: Requirement,
    booked: list[Booking],
    travel: timedelta,
) -> None:
    found = candidates(requirement, people, booked, travel=travel)
    by_id = {t.id: t for t in people}
    for exclusion in found.excluded:
        tech = by_id[exclusion.technician_id]
        assert exclusion.reasons
        first = earliest_start(requirement, tech, booked, travel=travel)
        search = Interval(requirement.window.start - travel, requirement.window.end)
        worked = _union(tech.calendar.working_intervals(search.start, search.end))
        away = _union((a.start, a.end) for a in tech.absences)
        for reason in exclusion.reasons:
            event(reason.kind.value)
            kind = reason.kind
            if kind is ReasonKind.MISSING_SKILL:
                assert reason.skill_id is not None
                assert reason.needed == requirement.skills[reason.skill_id]
                assert reason.held == tech.skills.get(reason.skill_id)
                assert reason.held is None or reason.held < reason.needed
            elif kind is ReasonKind.OUTSIDE_TERRITORY:
                assert reason.territory == requirement.territory
                assert reason.territory not in tech.territories
            elif kind is ReasonKind.RESTRICTED:
                assert tech.id in requirement.restricted_technician_ids
            elif kind is ReasonKind.ABSENT:
                assert worked
                assert _meet(worked, away) == worked
                assert first is None
            else:
                assert kind is ReasonKind.NO_FREE_SLOT
                assert first is None
                assert reason.duration == requirement.duration
        # and every reason that applies is given
        kinds = {reason.kind for reason in exclusion.reasons}
        missing = {s for s, level in requirement.skills.items() if tech.skills.get(s, 0) < level}
        assert missing == {
            r.skill_id for r in exclusion.reasons if r.kind is ReasonKind.MISSING_SKILL
        }
        outside = (
            requirement.territory is not None and requirement.territory not in tech.territories
        )
        assert (ReasonKind.OUTSIDE_TERRITORY in kinds) == outside
        assert (ReasonKind.RESTRICTED in kinds) == (
            tech.id in requirement.restricted_technician_ids
        )
        assert bool(kinds & {ReasonKind.ABSENT, ReasonKind.NO_FREE_SLOT}) == (first is None)
        all_away = bool(worked) and _meet(worked, away) == worked
        assert (ReasonKind.ABSENT in kinds) == all_away
    for candidate in found.ranked:  # and a candidate has no reason
        tech = by_id[candidate.technician_id]
        assert _eligible(requirement, tech)
        assert candidate.start == earliest_start(requirement, tech, booked, travel=travel)
