"""Auto-dispatch (issue 17, item 8): worked examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import (
    Absence,
    Booking,
    BookingCreated,
    BookingStatus,
    Interval,
    ReasonKind,
    Requirement,
    Skill,
    Technician,
    auto_dispatch,
    availability,
    earliest_start,
    no_travel,
)
from servicedomain.errors import (
    InvalidDurationError,
    InvalidInputError,
    NaiveDatetimeError,
    TypeMismatchError,
    UnknownCodeError,
)
from servicedomain.sla import Priority

MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY_9_17 = WorkingCalendar.standard("UTC", slots=["09:00-17:00"], id="DAY")
TODAY = Interval(MONDAY, MONDAY + timedelta(days=1))


def at(hour: float) -> datetime:
    return MONDAY + timedelta(hours=hour)


def tech(tech_id: str = "W-1", **fields: Any) -> Technician:
    fields.setdefault("calendar", DAY_9_17)
    made, _ = Technician.create(id=tech_id, at=MONDAY, **fields)
    return made


def need(need_id: str = "RQ-1", **fields: Any) -> Requirement:
    values: dict[str, Any] = {
        "id": need_id,
        "order_id": f"SO-{need_id}",
        "window": TODAY,
        "duration": 2 * HOUR,
    }
    return Requirement(**(values | fields))


def existing(start: float, end: float, **fields: Any) -> Booking:
    values: dict[str, Any] = {
        "id": "B-1",
        "version": 1,
        "requirement_id": "RQ-0",
        "technician_id": "W-1",
        "start": at(start),
        "end": at(end),
        "status": BookingStatus.COMMITTED,
    }
    return Booking(**(values | fields))


def placed(result: Any) -> dict[str, tuple[str, str]]:
    """``{requirement id: (technician id, "HH:MM")}`` of the proposals."""
    return {b.requirement_id: (b.technician_id, f"{b.start:%H:%M}") for b in result.proposed}


# ---------------------------------------------------------------- the order (EDF)


def test_the_earlier_sla_deadline_beats_a_higher_priority_for_the_one_slot() -> None:
    slot = Interval(at(9), at(11))
    urgent = need("RQ-A", window=slot, priority=Priority.HIGH, sla_deadline=at(15))
    due = need("RQ-B", window=slot, priority=Priority.LOW, sla_deadline=at(12))
    result = auto_dispatch([urgent, due], [tech()], [], at=MONDAY)
    assert placed(result) == {"RQ-B": ("W-1", "09:00")}
    [left] = result.unplaced
    assert left.requirement_id == "RQ-A"
    assert [r.kind for r in left.reasons] == [ReasonKind.NO_FREE_SLOT, ReasonKind.TAKEN_BY_RUN]
    assert str(left).endswith("every feasible slot taken by this run]")


def test_without_deadlines_priority_then_id_decide_and_no_deadline_comes_last() -> None:
    low = need("RQ-1", priority=Priority.LOW)
    high = need("RQ-2", priority=Priority.HIGH)
    normal = need("RQ-3")
    deadline = need("RQ-4", priority=Priority.LOW, sla_deadline=at(40))
    result = auto_dispatch([low, high, normal, deadline], [tech()], [], at=MONDAY)
    assert [b.requirement_id for b in result.proposed] == ["RQ-4", "RQ-2", "RQ-3", "RQ-1"]
    assert [f"{b.start:%H}" for b in result.proposed] == ["09", "11", "13", "15"]


# ---------------------------------------------------------------- the score


def test_a_preferred_technician_wins_a_tie_and_even_a_later_start() -> None:
    result = auto_dispatch(
        [need(preferred_technician_id="W-2")],
        [tech("W-1"), tech("W-2")],
        [existing(9, 12, technician_id="W-2")],
        at=MONDAY,
    )
    assert placed(result) == {"RQ-1": ("W-2", "12:00")}
    tie = auto_dispatch([need()], [tech("W-1"), tech("W-2")], [], at=MONDAY)
    assert placed(tie) == {"RQ-1": ("W-1", "09:00")}  # the id breaks the tie


def test_sla_slack_beats_load_and_load_beats_an_earlier_start_without_a_deadline() -> None:
    people = [tech("W-1"), tech("W-2")]
    known = [
        existing(14, 17, id="B-1", technician_id="W-1"),  # 3 h booked, free at 09:00
        existing(9, 10, id="B-2", technician_id="W-2"),  # 1 h booked, free at 10:00
    ]
    no_deadline = auto_dispatch([need()], people, known, at=MONDAY)
    assert placed(no_deadline) == {"RQ-1": ("W-2", "10:00")}
    with_deadline = auto_dispatch([need(sla_deadline=at(18))], people, known, at=MONDAY)
    assert placed(with_deadline) == {"RQ-1": ("W-1", "09:00")}


def test_the_travel_estimate_is_booked_before_the_work_and_less_travel_wins() -> None:
    far = {"W-1": 2 * HOUR, "W-2": HOUR}

    def travel(technician: Technician, requirement: Requirement) -> timedelta:
        return far[technician.id]

    result = auto_dispatch([need()], [tech("W-1"), tech("W-2")], [], at=MONDAY, travel=travel)
    [booking] = result.proposed
    assert (booking.technician_id, booking.travel, booking.start) == ("W-2", HOUR, at(10))
    assert booking.busy == Interval(at(9), at(12))


def test_the_default_travel_estimate_is_zero() -> None:
    assert no_travel(tech(), need()) == timedelta(0)
    assert placed(auto_dispatch([need()], [tech()], [], at=MONDAY)) == {"RQ-1": ("W-1", "09:00")}


# ---------------------------------------------------------------- competing requirements


def test_two_requirements_for_one_slot_the_earlier_deadline_first_the_other_next_slot() -> None:
    first = need("RQ-B", sla_deadline=at(12))
    second = need("RQ-A", sla_deadline=at(16))
    result = auto_dispatch([second, first], [tech()], [], at=MONDAY)
    assert placed(result) == {"RQ-B": ("W-1", "09:00"), "RQ-A": ("W-1", "11:00")}


def test_two_requirements_for_one_slot_the_other_goes_to_the_next_technician() -> None:
    slot = Interval(at(9), at(11))
    first = need("RQ-B", window=slot, sla_deadline=at(12))
    second = need("RQ-A", window=slot, sla_deadline=at(16))
    result = auto_dispatch([second, first], [tech("W-1"), tech("W-2")], [], at=MONDAY)
    assert placed(result) == {"RQ-B": ("W-1", "09:00"), "RQ-A": ("W-2", "09:00")}
    assert result.unplaced == ()


def test_the_run_counts_its_own_proposals_in_the_load() -> None:
    result = auto_dispatch(
        [need("RQ-1"), need("RQ-2"), need("RQ-3")], [tech("W-1"), tech("W-2")], [], at=MONDAY
    )
    assert placed(result) == {
        "RQ-1": ("W-1", "09:00"),
        "RQ-2": ("W-2", "09:00"),
        "RQ-3": ("W-1", "11:00"),
    }


# ---------------------------------------------------------------- what is kept


def test_a_locked_booking_is_not_moved_and_a_locked_proposal_holds_its_time_for_the_run() -> None:
    locked = existing(9, 11, status=BookingStatus.PROPOSED, time_locked=True)
    pinned = existing(
        9, 13, id="B-2", technician_id="W-2", technician_locked=True, time_locked=True
    )
    known = [locked, pinned]
    result = auto_dispatch(
        [need(preferred_technician_id="W-1", priority=Priority.HIGH)],
        [tech("W-1"), tech("W-2")],
        known,
        at=MONDAY,
    )
    assert placed(result) == {"RQ-1": ("W-1", "11:00")}
    assert known == [locked, pinned]  # nothing given is changed or returned
    assert {b.id for b in result.proposed}.isdisjoint({"B-1", "B-2"})
    # the domain rule is unchanged: a proposal holds no time outside the run
    assert availability(tech("W-1"), [locked], TODAY) == (Interval(at(9), at(17)),)


def test_a_requirement_with_a_live_booking_is_skipped_a_canceled_one_is_not() -> None:
    known = [
        existing(9, 11, requirement_id="RQ-1", status=BookingStatus.PROPOSED),
        existing(12, 14, id="B-2", requirement_id="RQ-2", status=BookingStatus.CANCELED),
        existing(14, 16, id="B-3", requirement_id="RQ-3", status=BookingStatus.COMPLETED),
    ]
    result = auto_dispatch([need("RQ-3"), need("RQ-2"), need("RQ-1")], [tech()], known, at=MONDAY)
    assert result.already_booked == ("RQ-1", "RQ-3")
    assert placed(result) == {"RQ-2": ("W-1", "11:00")}


# ---------------------------------------------------------------- unplaced, with reasons


def test_an_unplaceable_requirement_comes_back_with_every_technicians_reasons() -> None:
    away = Absence("AB-1", at(0), at(24), "vacation")
    people = [
        tech("W-1", skills={"HVAC": 1}, territories={"NORTH"}),
        tech("W-2", skills={"HVAC": 3}),
        tech("W-3", skills={"HVAC": 3}, territories={"NORTH"}).add_absence(away, at=MONDAY)[0],
        tech("W-4", skills={"HVAC": 3}, territories={"NORTH"}),
    ]
    job = need(skills={"HVAC": 2}, territory="NORTH", restricted_technician_ids={"W-4"})
    result = auto_dispatch([job], people, [], at=MONDAY)
    assert result.proposed == ()
    assert result.events == ()
    [left] = result.unplaced
    kinds = {e.technician_id: [r.kind for r in e.reasons] for e in left.exclusions}
    assert kinds == {
        "W-1": [ReasonKind.MISSING_SKILL],
        "W-2": [ReasonKind.OUTSIDE_TERRITORY],
        "W-3": [ReasonKind.ABSENT],
        "W-4": [ReasonKind.RESTRICTED],
    }
    assert str(left).startswith("RQ-1: [W-1: missing skill HVAC >= 2 (has 1)]; [W-2: outside")


def test_with_no_technicians_a_requirement_is_unplaced_with_no_exclusions() -> None:
    result = auto_dispatch([need()], [], [], at=MONDAY)
    assert [(u.requirement_id, u.exclusions) for u in result.unplaced] == [("RQ-1", ())]
    assert str(result.unplaced[0]) == "RQ-1: no technicians"


# ---------------------------------------------------------------- ids and events


def test_booking_ids_come_from_the_requirement_and_skip_ids_taken() -> None:
    taken = existing(16, 17, id="RQ-1-1", requirement_id="RQ-9")
    result = auto_dispatch([need("RQ-1"), need("RQ-2")], [tech()], [taken], at=at(8))
    assert [b.id for b in result.proposed] == ["RQ-1-2", "RQ-2-1"]
    assert all(b.status is BookingStatus.PROPOSED for b in result.proposed)
    assert all(b.recorded_at == at(8) and b.version == 1 for b in result.proposed)
    assert [type(e) for e in result.events] == [BookingCreated, BookingCreated]
    assert [e.entity_id for e in result.events] == ["RQ-1-2", "RQ-2-1"]


def test_a_booking_id_function_names_the_proposals() -> None:
    result = auto_dispatch([need()], [tech()], [], at=MONDAY, ids=lambda r: f"BK-{r.order_id}")
    assert [b.id for b in result.proposed] == ["BK-SO-RQ-1"]


def test_a_booking_id_function_that_repeats_an_id_is_refused_naming_ids() -> None:
    with pytest.raises(InvalidInputError) as caught:
        auto_dispatch([need("RQ-1"), need("RQ-2")], [tech()], [], at=MONDAY, ids=lambda r: "B")
    assert caught.value.field == "ids"


# ---------------------------------------------------------------- bad input


def test_an_id_given_twice_is_refused_naming_the_argument() -> None:
    cases: list[tuple[str, dict[str, Any]]] = [
        ("requirements", {"requirements": [need(), need()]}),
        ("technicians", {"technicians": [tech(), tech()]}),
        ("bookings", {"bookings": [existing(9, 10), existing(11, 12)]}),
    ]
    for field, given in cases:
        arguments: dict[str, Any] = {"requirements": [need()], "technicians": [tech()]}
        arguments["bookings"] = []
        arguments.update(given)
        with pytest.raises(InvalidInputError) as caught:
            auto_dispatch(**arguments, at=MONDAY)
        assert caught.value.field == field


def test_a_travel_estimate_that_is_not_a_timedelta_or_negative_is_refused() -> None:
    def hours(technician: Technician, requirement: Requirement) -> Any:
        return 1.5

    def negative(technician: Technician, requirement: Requirement) -> timedelta:
        return -HOUR

    with pytest.raises(TypeMismatchError) as wrong:
        auto_dispatch([need()], [tech()], [], at=MONDAY, travel=hours)
    assert wrong.value.field == "travel"
    with pytest.raises(InvalidDurationError) as below:
        auto_dispatch([need()], [tech()], [], at=MONDAY, travel=negative)
    assert below.value.field == "travel"


def test_a_naive_instant_and_a_travel_estimate_that_is_not_callable_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        auto_dispatch([need()], [tech()], [], at=datetime(2026, 3, 2))  # noqa: DTZ001
    with pytest.raises(TypeMismatchError) as caught:
        auto_dispatch([need()], [tech()], [], at=MONDAY, travel="straight line")  # type: ignore[arg-type]
    assert caught.value.field == "travel"


def test_the_skill_scales_are_checked() -> None:
    scales = [Skill("HVAC", max_level=3)]
    with pytest.raises(UnknownCodeError):
        auto_dispatch([need(skills={"PLUMB": 1})], [tech()], [], at=MONDAY, skills=scales)
    fine = auto_dispatch(
        [need(skills={"HVAC": 2})], [tech(skills={"HVAC": 3})], [], at=MONDAY, skills=scales
    )
    assert len(fine.proposed) == 1


# ---------------------------------------------------------------- earliest_start's checks


def test_earliest_start_refuses_a_bad_argument_naming_it() -> None:
    # candidates and auto_dispatch check once and search unchecked; the public
    # earliest_start checks its own arguments (it raised AttributeError before)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("requirement", {"requirement": object()}),
        ("technician", {"technician": object()}),
        ("bookings", {"bookings": [object()]}),
        ("travel", {"travel": 0.5}),
    ]
    for field, bad in cases:
        arguments: dict[str, Any] = {"requirement": need(), "technician": tech(), "bookings": []}
        arguments.update(bad)
        with pytest.raises(TypeMismatchError) as caught:
            earliest_start(**arguments)
        assert caught.value.field.startswith(field)
    assert earliest_start(need(), tech(), [existing(9, 10)]) == at(10)
