"""Auto-dispatch under laws D1, D2 and D4 (issue 17), as properties.

Scenarios: one to three technicians (the testing kit's calendars, skills, territories
and absences), up to six requirements and up to four bookings given, on quarter hours
of two weeks; skills from a small alphabet at low levels, so that most requirements can
be placed and technicians compete for time. The travel estimate is zero or depends on
the technician.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from servicedomain.dispatch import (
    AutoDispatchResult,
    Booking,
    BookingStatus,
    Requirement,
    Technician,
    TravelEstimate,
    auto_dispatch,
    availability,
    book,
    no_travel,
)
from servicedomain.testing.domain_strategies import bookings, requirements, technicians

AT = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
SKILLS = ("S-1", "S-2")
TRAVEL = {"W-1": timedelta(0), "W-2": timedelta(minutes=15), "W-3": timedelta(minutes=45)}

THOROUGH = settings.get_current_profile_name() == "thorough"


def by_technician(technician: Technician, requirement: Requirement) -> timedelta:
    return TRAVEL[technician.id]


ESTIMATES = st.sampled_from([no_travel, by_technician])


@attrs.frozen
class Scenario:
    needs: list[Requirement]
    people: list[Technician]
    known: list[Booking]
    travel: TravelEstimate

    def run(self, **changes: Any) -> AutoDispatchResult:
        given_now = attrs.evolve(self, **changes)
        return auto_dispatch(
            given_now.needs, given_now.people, given_now.known, at=AT, travel=self.travel
        )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    people = draw(
        st.lists(
            technicians(skill_ids=SKILLS, max_level=2, max_absences=1),
            min_size=1,
            max_size=3,
            unique_by=lambda tech: tech.id,
        )
    )
    needs = draw(
        st.lists(
            requirements(skill_ids=SKILLS, max_level=2, max_hours=48),
            max_size=6,
            unique_by=lambda need: need.id,
        )
    )
    known = draw(st.lists(bookings(max_hours=4), max_size=4, unique_by=lambda b: b.id))
    if needs and known and draw(st.booleans()):  # a booking of a requirement given
        booked = draw(st.sampled_from(needs)).id
        known[0] = attrs.evolve(known[0], requirement_id=booked)
    return Scenario(needs=needs, people=people, known=known, travel=draw(ESTIMATES))


def _live(booking: Booking) -> bool:
    return booking.status in (
        BookingStatus.PROPOSED,
        BookingStatus.COMMITTED,
        BookingStatus.IN_PROGRESS,
    )


@settings(max_examples=250 if THOROUGH else 50)
@given(scenarios())
def test_D1_auto_dispatch_never_double_books_and_every_proposal_passes_book(
    scenario: Scenario,
) -> None:
    result = scenario.run()
    needs = {need.id: need for need in scenario.needs}
    people = {tech.id: tech for tech in scenario.people}
    live = [b for b in scenario.known if _live(b)]
    for index, proposal in enumerate(result.proposed):
        others = live + [p for p in result.proposed if p.id != proposal.id]
        clashes = [
            b.id
            for b in others
            if b.technician_id == proposal.technician_id and b.busy.overlaps(proposal.busy)
        ]
        assert clashes == [], f"{proposal.id} overlaps {clashes}"
        again, _ = book(
            needs[proposal.requirement_id],
            people[proposal.technician_id],
            [*scenario.known, *result.proposed[:index]],
            start=proposal.start,
            travel=proposal.travel,
            id=proposal.id,
            at=AT,
        )
        assert again == proposal
        assert proposal.status is BookingStatus.PROPOSED


@settings(max_examples=250 if THOROUGH else 50)
@given(scenarios())
def test_D2_auto_dispatch_never_places_outside_working_time_absences_or_the_window(
    scenario: Scenario,
) -> None:
    result = scenario.run()
    needs = {need.id: need for need in scenario.needs}
    people = {tech.id: tech for tech in scenario.people}
    for proposal in result.proposed:
        need, tech = needs[proposal.requirement_id], people[proposal.technician_id]
        assert need.window.contains(proposal.interval)
        assert proposal.end - proposal.start == need.duration
        assert proposal.travel == scenario.travel(tech, need)
        # wholly free working time: availability over the booking's time is all of it
        assert availability(tech, scenario.known, proposal.busy) == (proposal.busy,)
        assert not any(absence.interval.overlaps(proposal.busy) for absence in tech.absences)
        working = tech.calendar.working_intervals(proposal.busy.start, proposal.busy.end)
        covered = sum((end - start for start, end in working), timedelta(0))
        assert covered == proposal.busy.duration


@settings(max_examples=250 if THOROUGH else 50)
@given(scenarios(), st.randoms(use_true_random=False))
def test_D4_auto_dispatch_does_not_depend_on_the_order_of_the_inputs(
    scenario: Scenario, rng: Any
) -> None:
    result = scenario.run()
    shuffled = [list(items) for items in (scenario.needs, scenario.people, scenario.known)]
    for items in shuffled:
        rng.shuffle(items)
    again = scenario.run(needs=shuffled[0], people=shuffled[1], known=shuffled[2])
    assert set(again.proposed) == set(result.proposed)
    assert set(again.unplaced) == set(result.unplaced)
    assert set(again.already_booked) == set(result.already_booked)
    assert again == result  # and, the placement order being EDF, as tuples too


@settings(max_examples=250 if THOROUGH else 50)
@given(scenarios())
def test_D4_running_auto_dispatch_again_with_its_proposals_booked_proposes_nothing(
    scenario: Scenario,
) -> None:
    first = scenario.run()
    second = scenario.run(known=[*scenario.known, *first.proposed])
    assert second.proposed == ()
    placed = {proposal.requirement_id for proposal in first.proposed}
    assert placed <= set(second.already_booked)
    assert set(second.already_booked) == placed | set(first.already_booked)
    assert [u.requirement_id for u in second.unplaced] == [u.requirement_id for u in first.unplaced]


@settings(max_examples=250 if THOROUGH else 50)
@given(scenarios())
def test_every_requirement_is_proposed_once_unplaced_with_a_reason_or_already_booked(
    scenario: Scenario,
) -> None:
    result = scenario.run()
    proposed = Counter(proposal.requirement_id for proposal in result.proposed)
    unplaced = [u.requirement_id for u in result.unplaced]
    assert all(count == 1 for count in proposed.values())
    assert len(unplaced) == len(set(unplaced))
    assert sorted([*proposed, *unplaced, *result.already_booked]) == sorted(
        need.id for need in scenario.needs
    )
    technician_ids = sorted(tech.id for tech in scenario.people)
    for left in result.unplaced:
        assert left.reasons
        assert [e.technician_id for e in left.exclusions] == technician_ids
    live = {b.requirement_id for b in scenario.known if b.status is not BookingStatus.CANCELED}
    assert set(result.already_booked) == live & {need.id for need in scenario.needs}
