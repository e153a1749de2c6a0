"""The fast paths of dispatch agree with a straightforward recomputation (issue 17 speed).

``candidates`` and ``auto_dispatch`` read each calendar's working time once per window
(:class:`WorkingTime`), keep each technician's busy time merged and bisect it
(:class:`Held`, updated as the run places proposals), and build reasons only to explain.
Each property here recomputes the same answer the plain way, through the public
functions, and asks for equality.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from bench_runs import run_benchmark
from servicedomain.dispatch import (
    AutoDispatchResult,
    Booking,
    BookingStatus,
    Candidate,
    Exclusion,
    Interval,
    Reason,
    ReasonKind,
    Requirement,
    Technician,
    TravelEstimate,
    Unplaced,
    auto_dispatch,
    availability,
    book,
    candidates,
    no_travel,
)
from servicedomain.dispatch._availability import Held, WorkingTime, free_pairs, held_by, working
from servicedomain.dispatch._candidates import assess, held_of
from servicedomain.sla import Priority
from servicedomain.testing.domain_strategies import (
    bookings,
    intervals,
    requirements,
    technicians,
)

AT = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
SKILLS = ("S-1", "S-2")
TRAVEL = {"W-1": timedelta(0), "W-2": timedelta(minutes=15), "W-3": timedelta(minutes=45)}
RANK = {priority: rank for rank, priority in enumerate(Priority)}


def by_technician(technician: Technician, requirement: Requirement) -> timedelta:
    return TRAVEL.get(technician.id, timedelta(minutes=30))


PEOPLE = st.lists(
    technicians(skill_ids=SKILLS, max_level=2, max_absences=2),
    min_size=1,
    max_size=3,
    unique_by=lambda tech: tech.id,
)
KNOWN = st.lists(bookings(max_hours=4), max_size=6, unique_by=lambda b: b.id)


@given(technicians(), KNOWN, intervals(max_hours=72), KNOWN)
def test_held_free_time_is_availability_before_and_after_adding_bookings(
    tech: Technician, known: list[Booking], window: Interval, added: list[Booking]
) -> None:
    held = Held(tech, held_by(tech, known))
    expected = [(one.start, one.end) for one in availability(tech, known, window)]
    assert held.free(working(tech, window)) == expected
    assert free_pairs(tech, held_by(tech, known), window) == expected
    so_far = list(known)
    for booking in added:
        mine = attrs.evolve(booking, technician_id=tech.id, status=BookingStatus.COMMITTED)
        held.add(mine)
        so_far.append(mine)
        again = [(one.start, one.end) for one in availability(tech, so_far, window)]
        assert held.free(working(tech, window)) == again


@given(PEOPLE, st.lists(intervals(max_hours=72), min_size=1, max_size=3))
def test_working_time_is_asked_once_and_is_the_calendars(
    people: list[Technician], windows: list[Interval]
) -> None:
    times = WorkingTime()
    for _ in range(2):  # the second round is read back
        for window in windows:
            for tech in people:
                assert times.of(tech, window) == working(tech, window)


@given(requirements(skill_ids=SKILLS, max_level=2), PEOPLE, KNOWN, st.sampled_from([0, 15, 45]))
def test_the_unexplained_assessment_finds_the_same_free_technicians(
    need: Requirement, people: list[Technician], known: list[Booking], minutes: int
) -> None:
    ordered = sorted(people, key=lambda one: one.id)
    travel = timedelta(minutes=minutes)
    asked: dict[str, Any] = {"travel": travel, "catalog": None, "times": WorkingTime()}
    quick, none = assess(need, ordered, held_of(people, known), explain=False, **asked)
    full, excluded = assess(need, ordered, held_of(people, known), explain=True, **asked)
    assert quick == full
    assert none == []
    listed = candidates(need, people, known, travel=travel)
    assert sorted((c.technician_id, c.start, c.preferred, c.load) for c in listed.ranked) == sorted(
        quick
    )
    assert tuple(excluded) == listed.excluded


# ------------------------------------------------------- auto_dispatch, the plain way


def _holding(booking: Booking) -> Booking:
    if booking.status is BookingStatus.PROPOSED:
        return attrs.evolve(booking, status=BookingStatus.COMMITTED)
    return booking


def _found(
    need: Requirement,
    people: Sequence[Technician],
    known: Sequence[Booking],
    travel: TravelEstimate,
) -> tuple[list[tuple[Candidate, timedelta]], list[Exclusion]]:
    """One public ``candidates`` call per travel, over every booking."""
    by_travel: dict[timedelta, list[Technician]] = {}
    for tech in people:
        by_travel.setdefault(travel(tech, need), []).append(tech)
    ranked: list[tuple[Candidate, timedelta]] = []
    excluded: list[Exclusion] = []
    for before, group in by_travel.items():
        found = candidates(need, group, known, travel=before)
        ranked.extend((one, before) for one in found.ranked)
        excluded.extend(found.excluded)
    return ranked, sorted(excluded, key=lambda one: one.technician_id)


def straightforward(
    needs: list[Requirement],
    people: list[Technician],
    known: list[Booking],
    travel: TravelEstimate,
) -> AutoDispatchResult:
    """The rules of ``auto_dispatch`` through the public functions, everything rescanned."""
    booked = {b.requirement_id for b in known if b.status is not BookingStatus.CANCELED}
    before = [_holding(b) for b in known]
    holding = list(before)
    taken = {b.id for b in known}
    proposed: list[Booking] = []
    events: list[Any] = []
    unplaced: list[Unplaced] = []
    by_id = {tech.id: tech for tech in people}

    def urgency(need: Requirement) -> tuple[Any, ...]:
        return (need.sla_deadline is None, need.sla_deadline, RANK[need.priority], need.id)

    for need in sorted(needs, key=urgency):
        if need.id in booked:
            continue
        ranked, excluded = _found(need, people, holding, travel)
        if not ranked:
            free_before = {c.technician_id for c, _ in _found(need, people, before, travel)[0]}
            late = Reason(kind=ReasonKind.TAKEN_BY_RUN, interval=need.window)
            told = tuple(
                attrs.evolve(one, reasons=(*one.reasons, late))
                if one.technician_id in free_before
                else one
                for one in excluded
            )
            unplaced.append(Unplaced(requirement_id=need.id, exclusions=told))
            continue

        def score(placed: tuple[Candidate, timedelta], need: Requirement = need) -> Any:
            one, before_work = placed
            slack = (
                timedelta(0)
                if need.sla_deadline is None
                else need.sla_deadline - (one.start + need.duration)
            )
            return (not one.preferred, -slack, before_work, one.load, one.technician_id)

        best, before_work = min(ranked, key=score)
        number = 1
        while f"{need.id}-{number}" in taken:
            number += 1
        booking, made = book(
            need,
            by_id[best.technician_id],
            holding,
            start=best.start,
            id=f"{need.id}-{number}",
            at=AT,
            travel=before_work,
        )
        proposed.append(booking)
        events.extend(made)
        holding.append(_holding(booking))
        taken.add(booking.id)
    return AutoDispatchResult(
        proposed=tuple(proposed),
        events=tuple(events),
        unplaced=tuple(unplaced),
        already_booked=tuple(sorted(need.id for need in needs if need.id in booked)),
    )


@st.composite
def crowded(draw: st.DrawFn) -> list[Requirement]:
    """Requirements, most often all in the first one's window: they compete for time."""
    needs = draw(
        st.lists(
            requirements(skill_ids=SKILLS, max_level=2, max_hours=48),
            max_size=8,
            unique_by=lambda need: need.id,
        )
    )
    if not needs or not draw(st.booleans()):
        return needs
    window = needs[0].window
    return [
        attrs.evolve(need, window=window, duration=min(need.duration, window.duration))
        for need in needs
    ]


@given(crowded(), PEOPLE, KNOWN, st.sampled_from([no_travel, by_technician]))
def test_auto_dispatch_is_the_straightforward_loop_over_public_candidates_and_book(
    needs: list[Requirement],
    people: list[Technician],
    known: list[Booking],
    travel: TravelEstimate,
) -> None:
    fast = auto_dispatch(needs, people, known, at=AT, travel=travel)
    assert fast == straightforward(needs, people, known, travel)


def test_the_quick_bench_reports_the_issue_targets() -> None:
    lines = run_benchmark("bench_dispatch.py", "--quick")
    assert lines["auto_dispatch"]["target_seconds"] == 5.0
    assert lines["candidates"]["target_seconds"] == 0.02
    for name in ("auto_dispatch", "candidates"):
        line = lines[name]
        assert line["meets_target"] is (line["ours_seconds"] < line["target_seconds"])
