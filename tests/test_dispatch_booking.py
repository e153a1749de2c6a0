"""Availability, candidates and booking (issue 17, items 4-6): worked examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import (
    Absence,
    Booking,
    BookingStatus,
    Interval,
    Reason,
    ReasonKind,
    Requirement,
    Skill,
    Technician,
    availability,
    book,
    candidates,
    confirm,
    reassign,
    reschedule,
)
from servicedomain.errors import (
    BookingConflictError,
    BookingLockedError,
    BookingStatusError,
    DispatchRuleError,
    InstantOutOfOrderError,
    InvalidInputError,
    NaiveDatetimeError,
    TypeMismatchError,
    UnknownCodeError,
)

MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
AT = MONDAY
HOUR = timedelta(hours=1)
HALF = timedelta(minutes=30)
DAY_9_17 = WorkingCalendar.standard("UTC", slots=["09:00-17:00"], id="DAY")
TODAY = Interval(MONDAY, MONDAY + timedelta(days=1))


def at(hour: float) -> datetime:
    return MONDAY + timedelta(hours=hour)


def tech(tech_id: str = "W-1", **fields: Any) -> Technician:
    fields.setdefault("calendar", DAY_9_17)
    made, _ = Technician.create(id=tech_id, at=AT, **fields)
    return made


def need(**fields: Any) -> Requirement:
    values: dict[str, Any] = {
        "id": "RQ-1",
        "order_id": "SO-1",
        "window": TODAY,
        "duration": 2 * HOUR,
    }
    return Requirement(**(values | fields))


def committed(start: float, end: float, *, travel: timedelta = HALF, **fields: Any) -> Booking:
    values: dict[str, Any] = {
        "id": "B-1",
        "version": 1,
        "requirement_id": "RQ-0",
        "technician_id": "W-1",
        "start": at(start),
        "end": at(end),
        "travel": travel,
        "status": BookingStatus.COMMITTED,
    }
    return Booking(**(values | fields))


def hours(intervals: tuple[Interval, ...]) -> list[str]:
    return [f"{i.start:%H:%M}-{i.end:%H:%M}" for i in intervals]


# ------------------------------------------------------------------ availability


def test_a_9_to_17_technician_booked_10_to_12_with_30_minutes_travel() -> None:
    free = availability(tech(), [committed(10, 12)], TODAY)
    assert hours(free) == ["09:00-09:30", "12:00-17:00"]


@pytest.mark.parametrize(
    "status", [BookingStatus.PROPOSED, BookingStatus.CANCELED, BookingStatus.COMPLETED]
)
def test_proposed_canceled_and_completed_bookings_do_not_block(status: BookingStatus) -> None:
    free = availability(tech(), [committed(10, 12, status=status)], TODAY)
    assert hours(free) == ["09:00-17:00"]


def test_in_progress_bookings_block_and_other_technicians_bookings_do_not() -> None:
    running = committed(10, 12, status=BookingStatus.IN_PROGRESS)
    others = committed(13, 14, technician_id="W-2")
    assert hours(availability(tech(), [running, others], TODAY)) == ["09:00-09:30", "12:00-17:00"]


def test_an_absence_over_part_of_the_window_is_not_free() -> None:
    away = Absence("AB-1", at(11), at(14), "dentist")
    free = availability(tech(), [], TODAY)
    assert hours(free) == ["09:00-17:00"]
    technician, _ = tech().add_absence(away, at=AT)
    assert hours(availability(technician, [], TODAY)) == ["09:00-11:00", "14:00-17:00"]


def test_touching_slots_make_one_free_interval_and_the_window_clips() -> None:
    split = WorkingCalendar.standard("UTC", slots=["08:00-12:00", "12:00-17:00"])
    lunch = WorkingCalendar.standard("UTC", slots=["08:00-12:00", "13:00-17:00"])
    window = Interval(at(10), at(15))
    assert hours(availability(tech(calendar=split), [], window)) == ["10:00-15:00"]
    assert hours(availability(tech(calendar=lunch), [], window)) == ["10:00-12:00", "13:00-15:00"]


def test_availability_is_in_the_technicians_own_zone() -> None:
    stockholm = WorkingCalendar.standard("Europe/Stockholm", slots=["09:00-17:00"])
    free = availability(tech(calendar=stockholm), [], TODAY)
    assert hours(free) == ["08:00-16:00"]  # 09:00-17:00 in Stockholm (UTC+1) in March


def test_availability_refuses_bad_input() -> None:
    with pytest.raises(TypeMismatchError, match=r"^technician="):
        availability("W-1", [], TODAY)  # type: ignore[arg-type]
    with pytest.raises(TypeMismatchError, match=r"^window="):
        availability(tech(), [], (at(9), at(17)))  # type: ignore[arg-type]
    with pytest.raises(TypeMismatchError, match=r"^bookings\[0\]="):
        availability(tech(), ["B-1"], TODAY)  # type: ignore[list-item]


# ------------------------------------------------------------------ book


def test_a_booking_that_starts_in_working_time_but_runs_past_17_is_refused() -> None:
    # OCA field-service PR #1382: only the start was checked, not the whole duration.
    with pytest.raises(BookingConflictError) as caught:
        book(need(), tech(), [], start=at(16), id="B-2", at=AT)
    (reason,) = caught.value.reasons
    assert isinstance(reason, Reason)
    assert reason.kind is ReasonKind.OUTSIDE_WORKING_TIME
    assert reason.interval == Interval(at(16), at(18))
    booked, (event,) = book(need(), tech(), [], start=at(15), id="B-2", at=AT)
    assert (booked.start, booked.end, booked.status) == (at(15), at(17), BookingStatus.PROPOSED)
    assert event.name == "BookingCreated"


def test_book_refuses_an_overlap_with_a_committed_booking_travel_included_on_both_sides() -> None:
    existing = committed(10, 12)  # holds 09:30-12:00
    with pytest.raises(BookingConflictError) as caught:
        # the new booking holds [11:30, 14:00): its travel overlaps the work until 12:00
        book(need(), tech(), [existing], start=at(12), travel=HALF, id="B-2", at=AT)
    assert [r.kind for r in caught.value.reasons] == [ReasonKind.BOOKING_OVERLAP]
    assert caught.value.reasons[0].ref_id == "B-1"
    assert str(caught.value.reasons[0]) == "overlaps booking B-1"
    # the other booking's travel: 09:30 is held, so work ending at 09:45 overlaps
    with pytest.raises(BookingConflictError):
        book(need(duration=HALF), tech(), [existing], start=at(9.25), id="B-2", at=AT)
    booked, _ = book(need(), tech(), [existing], start=at(12.5), travel=HALF, id="B-2", at=AT)
    assert booked.busy == Interval(at(12), at(14.5))


def test_book_refuses_an_absence_a_missing_level_and_lists_every_reason() -> None:
    technician, _ = tech(skills={"HVAC": 1}).add_absence(Absence("AB-1", at(11), at(14)), at=AT)
    requirement = need(skills={"HVAC": 3}, territory="N", restricted_technician_ids=["W-1"])
    with pytest.raises(BookingConflictError) as caught:
        book(requirement, technician, [], start=at(10), id="B-2", at=AT)
    assert [str(reason) for reason in caught.value.reasons] == [
        "missing skill HVAC >= 3 (has 1)",
        "outside territory N",
        "restricted",
        "overlaps absence AB-1",
    ]
    assert isinstance(caught.value, DispatchRuleError)
    assert caught.value.rule == "booking.conflict"


def test_book_refuses_a_time_outside_the_window() -> None:
    window = Interval(at(9), at(12))
    with pytest.raises(BookingConflictError) as caught:
        book(need(window=window), tech(), [], start=at(11), id="B-2", at=AT)
    assert [r.kind for r in caught.value.reasons] == [ReasonKind.OUTSIDE_WINDOW]


def test_book_with_skill_scales_refuses_an_unknown_skill_and_an_off_scale_level() -> None:
    scales = [Skill("HVAC", max_level=3)]
    with pytest.raises(UnknownCodeError, match=r"^requirement.skills\['ELEC'\]='ELEC'"):
        book(need(skills={"ELEC": 1}), tech(), [], start=at(9), id="B", at=AT, skills=scales)
    with pytest.raises(InvalidInputError, match=r"^requirement.skills\['HVAC'\]=4"):
        book(need(skills={"HVAC": 4}), tech(), [], start=at(9), id="B", at=AT, skills=scales)


def test_book_refuses_bad_input() -> None:
    with pytest.raises(NaiveDatetimeError, match=r"^start="):
        book(need(), tech(), [], start=datetime(2026, 3, 2, 9), id="B", at=AT)  # noqa: DTZ001
    with pytest.raises(NaiveDatetimeError, match=r"^at="):
        book(need(), tech(), [], start=at(9), id="B", at=datetime(2026, 3, 2))  # noqa: DTZ001
    with pytest.raises(TypeMismatchError, match=r"^travel=0.5"):
        book(need(), tech(), [], start=at(9), id="B", at=AT, travel=0.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"^status="):
        book(need(), tech(), [], start=at(9), id="B", at=AT, status=BookingStatus.COMPLETED)
    with pytest.raises(InvalidInputError, match=r"^id='B-1': a booking of this id"):
        book(need(), tech(), [committed(13, 14)], start=at(9), id="B-1", at=AT)


# ------------------------------------------------------------------ candidates


def test_candidates_rank_and_give_every_excluded_technician_its_reasons() -> None:
    requirement = need(skills={"HVAC": 2}, territory="N", preferred_technician_id="W-4")
    busy = tech("W-1", skills={"HVAC": 3}, territories=["N"])
    free = tech("W-2", skills={"HVAC": 2}, territories=["N"])
    weak = tech("W-3", skills={"HVAC": 1}, territories=["S"])
    preferred = tech("W-4", skills={"HVAC": 5}, territories=["N"])
    away, _ = tech("W-5", skills={"HVAC": 2}, territories=["N"]).add_absence(
        Absence("AB-1", at(0), at(24), "vacation"), at=AT
    )
    full = tech("W-6", skills={"HVAC": 2}, territories=["N"])
    bookings = [
        committed(9, 11, travel=timedelta(0)),  # W-1 free from 11:00
        committed(9, 17, travel=timedelta(0), id="B-2", technician_id="W-4"),
        committed(9, 17, travel=timedelta(0), id="B-3", technician_id="W-6"),
    ]
    found = candidates(requirement, [full, away, preferred, weak, free, busy], bookings)
    assert [(c.technician_id, c.start) for c in found.ranked] == [("W-2", at(9)), ("W-1", at(11))]
    assert found.ranked[1].load == 2 * HOUR
    assert {e.technician_id: [str(r) for r in e.reasons] for e in found.excluded} == {
        "W-3": ["missing skill HVAC >= 2 (has 1)", "outside territory N"],
        "W-4": [f"no free slot of 2:00:00 in the window {TODAY}"],
        "W-5": [f"absent for the whole window {TODAY}"],
        "W-6": [f"no free slot of 2:00:00 in the window {TODAY}"],
    }
    assert [r.kind for r in found.reasons_for("W-5")] == [ReasonKind.ABSENT]
    assert found.reasons_for("W-2") == ()


def test_the_preferred_technician_ranks_first_then_earliest_then_load_then_id() -> None:
    requirement = need(preferred_technician_id="W-3")
    people = [tech("W-1"), tech("W-2"), tech("W-3"), tech("W-4")]
    bookings = [
        committed(9, 10, travel=timedelta(0), technician_id="W-3"),  # preferred, later start
        committed(15, 17, travel=timedelta(0), id="B-2", technician_id="W-1"),  # load 2h
        committed(15, 16, travel=timedelta(0), id="B-3", technician_id="W-2"),  # load 1h
    ]
    found = candidates(requirement, people, bookings)
    # W-3 is preferred though it starts later (10:00); the others start at 09:00, W-4
    # has no load, W-2 one hour, W-1 two hours
    assert [(c.technician_id, c.start) for c in found.ranked] == [
        ("W-3", at(10)),
        ("W-4", at(9)),
        ("W-2", at(9)),
        ("W-1", at(9)),
    ]
    assert [c.load for c in found.ranked] == [HOUR, timedelta(0), HOUR, 2 * HOUR]
    same_start_and_load = candidates(need(), [tech("W-9"), tech("W-8")], [])
    assert [c.technician_id for c in same_start_and_load.ranked] == ["W-8", "W-9"]
    assert [c.preferred for c in found.ranked] == [True, False, False, False]


def test_a_candidates_start_is_bookable_with_travel() -> None:
    requirement = need()
    found = candidates(requirement, [tech()], [committed(10, 12)], travel=HALF)
    (best,) = found.ranked
    assert best.start == at(12.5)  # 12:00 free, then 30 minutes of travel
    book(requirement, tech(), [committed(10, 12)], start=best.start, travel=HALF, id="B", at=AT)


def test_candidates_refuse_a_technician_twice() -> None:
    with pytest.raises(InvalidInputError, match=r"^technicians='W-1'"):
        candidates(need(), [tech(), tech()], [])


# ------------------------------------------------------------------ moving a booking


def test_reschedule_checks_again_and_a_locked_time_is_kept() -> None:
    requirement = need()
    technician = tech()
    booked, _ = book(requirement, technician, [], start=at(9), id="B-2", at=AT)
    moved, (event,) = reschedule(booked, requirement, technician, [booked], start=at(13), at=AT)
    assert (moved.start, moved.end, moved.version) == (at(13), at(15), 2)
    assert event.name == "BookingRescheduled"
    with pytest.raises(BookingConflictError):
        reschedule(booked, requirement, technician, [booked], start=at(16), at=AT)
    with pytest.raises(BookingConflictError) as caught:
        reschedule(booked, requirement, technician, [committed(13, 14)], start=at(13), at=AT)
    assert caught.value.reasons[0].ref_id == "B-1"
    locked, _ = booked.lock(time=True, at=AT)
    with pytest.raises(BookingLockedError, match="time is locked"):
        reschedule(locked, requirement, technician, [], start=at(13), at=AT)
    with pytest.raises(InstantOutOfOrderError):
        reschedule(moved, requirement, technician, [], start=at(9), at=AT - HOUR)


def test_reassign_checks_the_new_technician_and_a_locked_technician_is_kept() -> None:
    requirement = need(skills={"HVAC": 2})
    first = tech("W-1", skills={"HVAC": 2})
    second = tech("W-2", skills={"HVAC": 3})
    novice = tech("W-3", skills={"HVAC": 1})
    booked, _ = book(requirement, first, [], start=at(9), id="B-2", at=AT)
    moved, (event,) = reassign(booked, requirement, second, [booked], at=AT)
    assert (moved.technician_id, moved.start) == ("W-2", at(9))
    assert event.name == "BookingReassigned"
    with pytest.raises(BookingConflictError) as caught:
        reassign(booked, requirement, novice, [], at=AT)
    assert str(caught.value.reasons[0]) == "missing skill HVAC >= 2 (has 1)"
    locked, _ = booked.lock(technician=True, at=AT)
    with pytest.raises(BookingLockedError, match="technician is locked"):
        reassign(locked, requirement, second, [], at=AT)
    time_locked, _ = booked.lock(time=True, at=AT)
    reassign(time_locked, requirement, second, [], at=AT)  # same time: allowed
    with pytest.raises(BookingLockedError, match="time is locked"):
        reassign(time_locked, requirement, second, [], start=at(10), at=AT)
    with pytest.raises(InvalidInputError, match="reschedule it"):
        reassign(booked, requirement, first, [], at=AT)


def test_a_final_booking_is_neither_rescheduled_nor_reassigned() -> None:
    requirement = need()
    technician = tech()
    booked, _ = book(
        requirement, technician, [], start=at(9), id="B-2", at=AT, status=BookingStatus.COMMITTED
    )
    running, _ = booked.change_status(BookingStatus.IN_PROGRESS, at=AT)
    with pytest.raises(BookingStatusError) as caught:
        reschedule(running, requirement, technician, [], start=at(13), at=AT)
    assert (caught.value.status, caught.value.move) == ("in_progress", "reschedule")
    with pytest.raises(BookingStatusError, match="'reassign'"):
        reassign(running, requirement, tech("W-2"), [], at=AT)


def test_confirm_commits_a_proposal_only_if_its_time_is_still_free() -> None:
    requirement = need()
    technician = tech()
    proposal, _ = book(requirement, technician, [], start=at(9), id="B-2", at=AT)
    other = committed(10, 12)  # committed meanwhile over the proposal
    with pytest.raises(BookingConflictError):
        confirm(proposal, requirement, technician, [proposal, other], at=AT)
    done, (event,) = confirm(proposal, requirement, technician, [proposal], at=AT)
    assert done.status is BookingStatus.COMMITTED
    assert event.name == "BookingStatusChanged"
    assert confirm(done, requirement, technician, [], at=AT) == (done, ())


# ------------------------------------------------------------ real time across a DST change

STOCKHOLM = ZoneInfo("Europe/Stockholm")
#: Sunday 29 March 2026: at 02:00 Stockholm's clocks jump to 03:00 (summer time).
SPRING = datetime(2026, 3, 29, tzinfo=STOCKHOLM)
NIGHT_SHIFT = WorkingCalendar.standard(
    "Europe/Stockholm", slots=["00:00-23:59"], weekdays=range(7), id="NIGHT"
)


def test_travel_before_a_zoned_start_is_real_time_across_the_spring_change() -> None:
    start = SPRING.replace(hour=3, minute=30)  # 01:30 UTC
    booking = attrs.evolve(committed(0, 1, travel=HOUR), start=start, end=start + HOUR)
    assert booking.busy.start == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert booking.busy.duration == 2 * HOUR


def test_a_zoned_booking_lasts_the_requirements_real_duration_across_the_spring_change() -> None:
    night = Interval(SPRING, SPRING + timedelta(days=1))
    technician = tech(calendar=NIGHT_SHIFT)
    start = SPRING.replace(hour=1, minute=30)  # 00:30 UTC, half an hour before the jump
    made, _ = book(need(window=night), technician, [], start=start, id="B-9", at=AT)
    assert made.end == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)
    assert made.end.astimezone(STOCKHOLM).hour == 4  # 01:30 + 2 real hours = 04:30 local
