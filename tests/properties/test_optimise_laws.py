"""The law of the dispatch optimiser (D6), as a property.

Scenarios as the auto-dispatch laws draw them, smaller: one to three technicians (the
testing kit's calendars, skills, territories and absences), up to five requirements and
up to three bookings given, on quarter hours of two weeks; the travel estimate is zero
or depends on the technician. Each solve is small (well under a second) and has a
short time limit; the examples are capped so the thorough profile stays under a minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("ortools")

from servicedomain.dispatch import (
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
from servicedomain.dispatch.optimise import optimise_dispatch, plan_objective
from servicedomain.testing.domain_strategies import bookings, requirements, technicians

AT = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
SKILLS = ("S-1", "S-2")
TRAVEL = {"W-1": timedelta(0), "W-2": timedelta(minutes=15), "W-3": timedelta(minutes=45)}
LIMIT = timedelta(seconds=2)


def by_technician(technician: Technician, requirement: Requirement) -> timedelta:
    return TRAVEL[technician.id]


@attrs.frozen
class Scenario:
    needs: list[Requirement]
    people: list[Technician]
    known: list[Booking]
    travel: TravelEstimate


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
            requirements(skill_ids=SKILLS, max_level=2, max_hours=24),
            max_size=5,
            unique_by=lambda need: need.id,
        )
    )
    known = draw(st.lists(bookings(max_hours=4), max_size=3, unique_by=lambda b: b.id))
    travel = draw(st.sampled_from([no_travel, by_technician]))
    return Scenario(needs=needs, people=people, known=known, travel=travel)


def _holds(booking: Booking) -> bool:
    return booking.status in (
        BookingStatus.PROPOSED,
        BookingStatus.COMMITTED,
        BookingStatus.IN_PROGRESS,
    )


@settings(max_examples=60)
@given(scenarios())
def test_D6_the_optimisers_plan_is_valid_and_never_worse_than_the_greedy(
    scenario: Scenario,
) -> None:
    found = optimise_dispatch(
        scenario.needs,
        scenario.people,
        scenario.known,
        at=AT,
        travel=scenario.travel,
        time_limit=LIMIT,
    )
    greedy = auto_dispatch(
        scenario.needs, scenario.people, scenario.known, at=AT, travel=scenario.travel
    )
    plan = found.result
    needs = {need.id: need for need in scenario.needs}
    people = {tech.id: tech for tech in scenario.people}
    # never worse: one objective for both plans
    assert found.greedy_objective == plan_objective(scenario.needs, greedy)
    assert found.objective == plan_objective(scenario.needs, plan)
    assert found.objective <= found.greedy_objective
    assert found.optimised is (plan != greedy)
    # every requirement is proposed, unplaced or booked already: once
    told = [b.requirement_id for b in plan.proposed]
    told += [u.requirement_id for u in plan.unplaced]
    told += list(plan.already_booked)
    assert sorted(told) == sorted(needs)
    live = [b for b in scenario.known if _holds(b)]
    for index, proposal in enumerate(plan.proposed):
        # no double booking, travel included, with the held bookings and the plan's own
        others = live + [p for p in plan.proposed if p.id != proposal.id]
        clashes = [
            b.id
            for b in others
            if b.technician_id == proposal.technician_id and b.busy.overlaps(proposal.busy)
        ]
        assert clashes == [], f"{proposal.id} overlaps {clashes}"
        need, tech = needs[proposal.requirement_id], people[proposal.technician_id]
        # in the window, working time, free of absences, skills met: book accepts it
        assert need.window.contains(proposal.interval)
        assert proposal.end - proposal.start == need.duration
        assert proposal.travel == scenario.travel(tech, need)
        assert availability(tech, scenario.known, proposal.busy) == (proposal.busy,)
        assert all(tech.skills.get(skill, 0) >= level for skill, level in need.skills.items())
        again, _ = book(
            need,
            tech,
            [*scenario.known, *plan.proposed[:index]],
            start=proposal.start,
            travel=proposal.travel,
            id=proposal.id,
            at=AT,
        )
        assert again == proposal
