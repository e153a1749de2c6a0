"""The dispatch optimiser (issue 17, item 9): worked examples."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

pytest.importorskip("ortools")

from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import (
    AutoDispatchResult,
    Booking,
    BookingStatus,
    Interval,
    ReasonKind,
    Requirement,
    Technician,
    auto_dispatch,
    book,
)
from servicedomain.dispatch.optimise import (
    WEIGHTS,
    OptimisedDispatch,
    optimise_dispatch,
    plan_objective,
)
from servicedomain.errors import (
    InvalidDurationError,
    InvalidInputError,
    NaiveDatetimeError,
    TypeMismatchError,
)
from servicedomain.sla import Priority

MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
MORNING_9_13 = WorkingCalendar.standard("UTC", slots=["09:00-13:00"], id="MORNING")
MORNING = Interval(MONDAY + 9 * HOUR, MONDAY + 13 * HOUR)


def at(hour: float) -> datetime:
    return MONDAY + timedelta(hours=hour)


def tech(tech_id: str, **fields: Any) -> Technician:
    fields.setdefault("calendar", MORNING_9_13)
    made, _ = Technician.create(id=tech_id, at=MONDAY, **fields)
    return made


def need(need_id: str, **fields: Any) -> Requirement:
    values: dict[str, Any] = {
        "id": need_id,
        "order_id": f"SO-{need_id}",
        "window": MORNING,
        "duration": 4 * HOUR,
    }
    return Requirement(**(values | fields))


EXPERT = tech("W-1", skills={"HVAC": 3})
JUNIOR = tech("W-2", skills={"HVAC": 1})
# The urgent job anyone can do; the hard one only the expert. Both fill the morning.
URGENT = need("RQ-1", skills={"HVAC": 1}, sla_deadline=at(13))
HARD = need("RQ-2", skills={"HVAC": 3}, sla_deadline=at(14))


def test_the_greedy_gives_the_experts_morning_to_the_urgent_job_the_optimiser_places_both() -> None:
    greedy = auto_dispatch([URGENT, HARD], [EXPERT, JUNIOR], [], at=MONDAY)
    assert [(b.requirement_id, b.technician_id) for b in greedy.proposed] == [("RQ-1", "W-1")]
    assert [u.requirement_id for u in greedy.unplaced] == ["RQ-2"]

    found = optimise_dispatch([URGENT, HARD], [EXPERT, JUNIOR], [], at=MONDAY)

    placed = {(b.requirement_id, b.technician_id, b.start) for b in found.result.proposed}
    assert placed == {("RQ-1", "W-2", at(9)), ("RQ-2", "W-1", at(9))}
    assert [b.id for b in found.result.proposed] == ["RQ-1-1", "RQ-2-1"]
    assert found.result.unplaced == ()
    assert [e.entity_id for e in found.result.events] == ["RQ-1-1", "RQ-2-1"]
    assert all(b.status is BookingStatus.PROPOSED for b in found.result.proposed)
    assert found.optimised is True
    assert found.status == "OPTIMAL"
    # the greedy left a normal-priority job out; the optimiser's cost is one technician's
    # four hours of work (load balance)
    assert found.greedy_objective == WEIGHTS["unplaced_normal"] + 4 * 3600
    assert found.objective == 4 * 3600
    assert found.objective == plan_objective([URGENT, HARD], found.result)
    assert found.greedy_objective == plan_objective([URGENT, HARD], greedy)


def test_without_the_hint_and_with_another_seed_it_finds_the_same_plan() -> None:
    first = optimise_dispatch([URGENT, HARD], [EXPERT, JUNIOR], [], at=MONDAY)
    again = optimise_dispatch([URGENT, HARD], [EXPERT, JUNIOR], [], at=MONDAY, hint=False, seed=7)
    assert again == first


def test_where_the_greedy_is_optimal_the_result_is_the_greedy_plan() -> None:
    alone = need("RQ-1", skills={"HVAC": 1}, duration=2 * HOUR)
    greedy = auto_dispatch([alone], [EXPERT, JUNIOR], [], at=MONDAY)
    found = optimise_dispatch([alone], [EXPERT, JUNIOR], [], at=MONDAY)
    assert found.result == greedy
    assert found.optimised is False
    assert found.objective == found.greedy_objective == 2 * 3600


def test_a_requirement_booked_already_is_skipped_and_nothing_is_solved() -> None:
    held, _ = book(URGENT, JUNIOR, [], start=at(9), id="B-1", at=MONDAY)
    found = optimise_dispatch([URGENT], [EXPERT, JUNIOR], [held], at=MONDAY)
    assert found.result == AutoDispatchResult(
        proposed=(), events=(), unplaced=(), already_booked=("RQ-1",)
    )
    assert found.objective == found.greedy_objective == 0


def test_what_cannot_be_placed_keeps_the_greedys_reasons() -> None:
    hard_too = need("RQ-3", skills={"HVAC": 3}, sla_deadline=at(15))
    found = optimise_dispatch([URGENT, HARD, hard_too], [EXPERT, JUNIOR], [], at=MONDAY)
    assert {b.requirement_id for b in found.result.proposed} == {"RQ-1", "RQ-2"}
    (left,) = found.result.unplaced
    assert left.requirement_id == "RQ-3"
    by_tech = {e.technician_id: {r.kind for r in e.reasons} for e in left.exclusions}
    # as the greedy says it: no free slot left, and the run's own proposals took it
    assert by_tech == {
        "W-1": {ReasonKind.NO_FREE_SLOT, ReasonKind.TAKEN_BY_RUN},
        "W-2": {ReasonKind.MISSING_SKILL, ReasonKind.NO_FREE_SLOT},
    }


def test_a_held_booking_and_travel_are_respected() -> None:
    # the expert is held 09:00-10:00; the hard job then fits only 10:00-13:00 with no
    # travel; a travel of 30 minutes pushes it to 10:30
    short = need("RQ-2", skills={"HVAC": 3}, duration=2 * HOUR + 30 * timedelta(minutes=1))
    held = Booking(
        id="B-0",
        version=1,
        requirement_id="RQ-OLD",
        technician_id="W-1",
        start=at(9),
        end=at(10),
        status=BookingStatus.COMMITTED,
    )

    def half_hour(technician: Technician, requirement: Requirement) -> timedelta:
        return timedelta(minutes=30)

    found = optimise_dispatch([short], [EXPERT, JUNIOR], [held], at=MONDAY, travel=half_hour)
    (booking,) = found.result.proposed
    assert (booking.technician_id, booking.start, booking.travel) == (
        "W-1",
        at(10.5),
        timedelta(minutes=30),
    )
    assert not booking.busy.overlaps(held.busy)


def _week(people: int, count: int) -> tuple[list[Requirement], list[Technician]]:
    calendar = WorkingCalendar.standard("UTC", slots=["08:00-12:00", "13:00-17:00"], id="WEEK")
    techs = [
        tech(f"W-{n:02d}", calendar=calendar, skills={"HVAC": 1 + n % 3}) for n in range(people)
    ]
    needs = [
        need(
            f"RQ-{n:03d}",
            window=Interval(at(24 * (n % 5) + 8), at(24 * (n % 5) + 8 + 48)),
            duration=(1 + n % 4) * HOUR,
            skills={"HVAC": 1 + n % 3},
            priority=list(Priority)[n % 3],
            sla_deadline=at(24 * (n % 5) + 12 + n % 24),
        )
        for n in range(count)
    ]
    return needs, techs


def test_the_time_limit_is_respected() -> None:
    needs, techs = _week(8, 80)
    began = time.perf_counter()
    found = optimise_dispatch(needs, techs, [], at=MONDAY, time_limit=timedelta(seconds=0.5))
    spent = time.perf_counter() - began
    # the solve stops at the limit; the rest is the greedy run, the model and the booking
    assert spent < 0.5 + 5
    assert found.objective <= found.greedy_objective
    # on a loaded machine the limit may come before the solver's first plan: then the
    # result is the greedy plan
    assert found.status in ("OPTIMAL", "FEASIBLE", "UNKNOWN")
    if found.status == "UNKNOWN":
        assert found.result == auto_dispatch(needs, techs, [], at=MONDAY)
        assert found.optimised is False


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"time_limit": 1.5}, TypeMismatchError, "time_limit"),
        ({"time_limit": timedelta(0)}, InvalidDurationError, "time_limit"),
        ({"hint": "yes"}, TypeMismatchError, "hint"),
        ({"seed": -1}, InvalidInputError, "seed"),
        ({"seed": 1.0}, TypeMismatchError, "seed"),
        ({"at": datetime(2026, 3, 2)}, NaiveDatetimeError, "at"),  # noqa: DTZ001
    ],
)
def test_bad_arguments_are_refused_by_name(
    changes: dict[str, Any], error: type[Exception], field: str
) -> None:
    arguments: dict[str, Any] = {"at": MONDAY} | changes
    with pytest.raises(error) as caught:
        optimise_dispatch([URGENT], [EXPERT], [], **arguments)
    assert getattr(caught.value, "field", None) == field


def test_the_objective_refuses_a_proposal_of_a_requirement_not_given() -> None:
    greedy = auto_dispatch([URGENT], [EXPERT], [], at=MONDAY)
    with pytest.raises(InvalidInputError, match="not given"):
        plan_objective([HARD], greedy)


def test_the_objective_weighs_lateness_preference_and_travel() -> None:
    late = need("RQ-1", duration=2 * HOUR, sla_deadline=at(10), preferred_technician_id="W-2")
    booking, _ = book(
        late, EXPERT, [], start=at(9.5), travel=timedelta(minutes=15), id="B-1", at=MONDAY
    )
    plan = AutoDispatchResult(proposed=(booking,), events=(), unplaced=(), already_booked=())
    # ends 11:30, 1.5 h after the deadline; not the preferred technician; 15 min travel
    assert plan_objective([late], plan) == (
        WEIGHTS["late_second"] * 5400
        + WEIGHTS["not_preferred"]
        + WEIGHTS["travel_second"] * 900
        + WEIGHTS["max_load_second"] * 7200
    )
    empty = attrs.evolve(plan, proposed=())
    assert plan_objective([late, need("RQ-2", priority=Priority.HIGH)], empty) == (
        WEIGHTS["unplaced_normal"] + WEIGHTS["unplaced_high"]
    )


def test_a_result_worse_than_the_greedy_is_refused() -> None:
    plan = AutoDispatchResult(proposed=(), events=(), unplaced=(), already_booked=())
    with pytest.raises(InvalidInputError) as caught:
        OptimisedDispatch(
            result=plan, objective=2, greedy_objective=1, status="OPTIMAL", optimised=True
        )
    assert caught.value.field == "objective"
    with pytest.raises(InvalidInputError):
        OptimisedDispatch(
            result=plan, objective=1, greedy_objective=1, status="DONE", optimised=False
        )


def test_the_dispatch_package_does_not_import_ortools() -> None:
    code = (
        "import sys, servicedomain, servicedomain.dispatch; "
        "print(sorted(m for m in sys.modules if m.startswith(('ortools', "
        "'servicedomain.dispatch.optimise'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_without_ortools_the_optimiser_says_which_extra_to_install() -> None:
    code = """
import sys
sys.modules["ortools"] = None
from datetime import UTC, datetime
from servicedomain.dispatch.optimise import optimise_dispatch
from servicedomain.errors import MissingExtraError
try:
    optimise_dispatch([], [], [], at=datetime(2026, 3, 2, tzinfo=UTC))
except MissingExtraError as error:
    assert isinstance(error, ImportError)
    print(error.package, error.extra, error)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == (
        "ortools optimize Optimised dispatch plans need the 'ortools' package: "
        "pip install 'servicedomain[optimize]'"
    )
