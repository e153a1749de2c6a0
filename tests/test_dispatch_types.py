"""Dispatch types (issue 17, items 1-3): skills, technicians, teams, requirements, bookings."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import (
    BOOKING_MOVES,
    Absence,
    Booking,
    BookingStatus,
    BookingStatusChanged,
    DispatchTeam,
    DispatchTeams,
    Exclusion,
    Interval,
    Reason,
    ReasonKind,
    Requirement,
    Skill,
    Technician,
    TechnicianSkillLevelChanged,
    check_teams,
    requirement_for,
    skill_catalog,
)
from servicedomain.errors import (
    BookingStatusError,
    DispatchRuleError,
    InstantOutOfOrderError,
    InvalidDurationError,
    InvalidInputError,
    InvalidPeriodError,
    InvalidRulesError,
    InvalidTimezoneError,
    NaiveDatetimeError,
    RuleViolationError,
    TypeMismatchError,
)
from servicedomain.money import Money
from servicedomain.orders import NewLine, Priority, ServiceOrder, TransactionType
from servicedomain.periods import DateRange
from servicedomain.rules import format_rules, parse_rules, rules_from_dict
from servicedomain.serialization import dumps, from_dict, loads, to_dict
from servicedomain.stages import EXAMPLE_STAGE_GRAPH
from servicedomain.testing.domain_strategies import bookings, requirements, skills, technicians

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
DAY = WorkingCalendar.standard("UTC", slots=["09:00-17:00"], id="DAY")
HOUR = timedelta(hours=1)


def tech(**changes: Any) -> Technician:
    made, _ = Technician.create(id="W-1", calendar=DAY, at=AT, **changes)
    return made


# ------------------------------------------------------------------------ skills


def test_a_skill_has_a_rating_scale_and_refuses_a_level_off_it() -> None:
    skill = Skill("HVAC", max_level=3, level_names=("junior", "skilled", "expert"))
    assert skill.check_level(1, "level") == 1
    assert skill.level_name(3) == "expert"
    with pytest.raises(InvalidInputError, match=r"^level=4: skill 'HVAC' has levels 1..3"):
        skill.check_level(4, "level")
    with pytest.raises(InvalidInputError, match=r"^level=0"):
        skill.check_level(0, "level")
    with pytest.raises(TypeMismatchError):
        skill.check_level(2.0, "level")
    with pytest.raises(TypeMismatchError):
        skill.check_level(True, "level")
    with pytest.raises(InvalidInputError, match=r"name every level 1..3 or none"):
        Skill("HVAC", max_level=3, level_names=("junior",))
    with pytest.raises(InvalidInputError, match=r"^max_level=0"):
        Skill("HVAC", max_level=0)


def test_skills_are_a_rules_section_named_by_id() -> None:
    text = '[skills.HVAC]\nmax_level = 3\nlevel_names = ["a", "b", "c"]\n[skills.ELEC]\n'
    rules = parse_rules(text, format="toml", source="skills.toml")
    assert rules.skills["HVAC"] == Skill("HVAC", max_level=3, level_names=("a", "b", "c"))
    assert rules.skills["ELEC"] == Skill("ELEC")
    again = parse_rules(format_rules(rules, format="toml"), format="toml")
    assert again.skills == rules.skills
    with pytest.raises(InvalidRulesError, match=r"skills.HVAC.levels=3: unknown key of Skill"):
        rules_from_dict({"skills": {"HVAC": {"levels": 3}}}, source="skills.toml")
    with pytest.raises(InvalidRulesError, match=r"skills.HVAC.id='X'"):
        rules_from_dict({"skills": {"HVAC": {"id": "X"}}})


@given(skills())
def test_a_skill_reads_back_its_dict(skill: Skill) -> None:
    assert Skill.from_dict(skill.to_dict()) == skill


def test_a_skill_catalog_is_keyed_by_id() -> None:
    catalog = skill_catalog([Skill("A"), Skill("B", max_level=2)])
    assert sorted(catalog) == ["A", "B"]
    with pytest.raises(InvalidInputError, match="a skill is given once"):
        skill_catalog([Skill("A"), Skill("A")])
    with pytest.raises(InvalidInputError, match="a skill is keyed by its id"):
        skill_catalog({"B": Skill("A")})


# ------------------------------------------------------------------------ technicians


def test_a_technician_records_skills_territories_and_absences_as_events() -> None:
    hvac = Skill("HVAC", max_level=3)
    technician, events = Technician.create(
        id="W-1", calendar=DAY, at=AT, skills={"HVAC": 1}, territories=["N"], catalog=[hvac]
    )
    assert [event.name for event in events] == ["TechnicianCreated"]
    technician, (added,) = technician.add_skill("ELEC", 2, at=AT)
    technician, (changed,) = technician.set_level("HVAC", 3, at=AT, skill=hvac)
    assert isinstance(changed, TechnicianSkillLevelChanged)
    assert (changed.old_level, changed.level) == (1, 3)
    assert technician.set_level("HVAC", 3, at=AT) == (technician, ())
    absence = Absence("AB-1", AT, AT + HOUR, "sick")
    technician, (recorded,) = technician.add_absence(absence, at=AT)
    assert technician.add_absence(absence, at=AT) == (technician, ())
    technician, (territories,) = technician.set_territories(["N", "S"], at=AT)
    technician, (removed,) = technician.remove_absence("AB-1", at=AT)
    technician, (dropped,) = technician.remove_skill("ELEC", at=AT)
    assert dict(technician.skills) == {"HVAC": 3}
    assert technician.territories == {"N", "S"}
    assert technician.absences == ()
    assert technician.version == 7
    assert [e.name for e in (added, changed, recorded, territories, removed, dropped)] == [
        "TechnicianSkillAdded",
        "TechnicianSkillLevelChanged",
        "TechnicianAbsenceAdded",
        "TechnicianTerritoriesChanged",
        "TechnicianAbsenceRemoved",
        "TechnicianSkillRemoved",
    ]


def test_a_technician_refuses_bad_levels_and_bad_moves() -> None:
    hvac = Skill("HVAC", max_level=3)
    with pytest.raises(InvalidInputError, match=r"^skills\['HVAC'\]=4: skill 'HVAC' has levels"):
        Technician.create(id="W-1", calendar=DAY, at=AT, skills={"HVAC": 4}, catalog=[hvac])
    with pytest.raises(InvalidInputError, match=r"^skills\['HVAC'\]=0"):
        tech(skills={"HVAC": 0})
    with pytest.raises(TypeMismatchError, match=r"^skills\['HVAC'\]=1.5"):
        tech(skills={"HVAC": 1.5})
    technician = tech(skills={"HVAC": 1})
    with pytest.raises(DispatchRuleError, match=r"technician.skill_held"):
        technician.add_skill("HVAC", 2, at=AT)
    with pytest.raises(DispatchRuleError, match=r"technician.skill_missing"):
        technician.set_level("ELEC", 2, at=AT)
    with pytest.raises(InvalidInputError, match=r"^level=5: skill 'HVAC'"):
        technician.set_level("HVAC", 5, at=AT, skill=hvac)
    with pytest.raises(InvalidInputError, match=r"^skill='HVAC'"):
        technician.set_level("ELEC", 1, at=AT, skill=hvac)
    with pytest.raises(InstantOutOfOrderError):
        technician.add_skill("ELEC", 1, at=AT - HOUR)
    with pytest.raises(NaiveDatetimeError):
        technician.add_skill("ELEC", 1, at=datetime(2026, 3, 2, 9, 0))  # noqa: DTZ001
    with pytest.raises(InvalidInputError, match="no absence of this id"):
        technician.remove_absence("AB-9", at=AT)
    technician, _ = technician.add_absence(Absence("AB-1", AT, AT + HOUR), at=AT)
    with pytest.raises(DispatchRuleError, match=r"technician.absence_conflict"):
        technician.add_absence(Absence("AB-1", AT, AT + 2 * HOUR), at=AT)


def test_an_absence_is_a_non_empty_interval_of_aware_instants() -> None:
    with pytest.raises(NaiveDatetimeError):
        Absence("AB-1", datetime(2026, 3, 2, 9), AT)  # noqa: DTZ001
    with pytest.raises(InvalidPeriodError, match=r"^end="):
        Absence("AB-1", AT, AT)
    with pytest.raises(InvalidPeriodError):
        Interval(AT, AT - HOUR)


# ------------------------------------------------------------------------ teams


def test_a_worker_in_two_teams_is_refused_naming_both_teams_and_the_worker() -> None:
    north = DispatchTeam("NORTH", members=["W-1", "W-2"])
    south = DispatchTeam("SOUTH", members=["W-2"])
    with pytest.raises(InvalidInputError) as caught:
        check_teams([south, north])
    assert caught.value.field == "teams"
    assert caught.value.value == "W-2"
    assert "'NORTH'" in str(caught.value)
    assert "'SOUTH'" in str(caught.value)
    teams = check_teams([north, DispatchTeam("SOUTH", members=["W-3"])])
    assert teams.team_of("W-2") == north
    assert teams.team_of("W-9") is None
    with pytest.raises(InvalidInputError, match="a team id is given once"):
        DispatchTeams([north, north])


# ------------------------------------------------------------------------ requirements


def order(**fields: Any) -> ServiceOrder:
    made, _ = ServiceOrder.create(
        EXAMPLE_STAGE_GRAPH, id="SO-1", customer_id="C-1", at=AT, **fields
    )
    return made


def test_a_requirement_takes_the_orders_priority_and_preferred_technician() -> None:
    window = Interval(AT, AT + timedelta(days=2))
    need = requirement_for(
        order(priority=Priority.HIGH, preferred_technician_id="W-2"),
        id="RQ-1",
        window=window,
        duration=2 * HOUR,
        skills={"HVAC": 2},
        territory="N",
        restricted_technician_ids=["W-3"],
    )
    assert (need.order_id, need.priority, need.preferred_technician_id) == (
        "SO-1",
        Priority.HIGH,
        "W-2",
    )
    assert need.window == window
    assert need.restricted_technician_ids == {"W-3"}
    fixed = requirement_for(order(preferred_service_at=AT + HOUR), id="RQ-2", duration=HOUR)
    assert fixed.window == Interval(AT + HOUR, AT + 2 * HOUR)
    with pytest.raises(InvalidInputError, match=r"^window=None: order 'SO-1' has no preferred"):
        requirement_for(order(), id="RQ-3", duration=HOUR)


def _planned(*days: tuple[date, date]) -> ServiceOrder:
    """An order with one hour line per planned date range (as generation makes them)."""
    made = order()
    for first, end in days:
        made, _ = made.add_line(
            EXAMPLE_STAGE_GRAPH,
            NewLine(
                transaction_type=TransactionType.HOUR,
                quantity=1,
                cost_price=Money(1, "EUR"),
                sales_price=Money(2, "EUR"),
                date_range=DateRange(first, end),
            ),
            at=AT,
        )
    return made


def test_without_a_window_the_planned_dates_are_local_days_in_the_zone() -> None:
    planned = _planned(
        (date(2026, 3, 28), date(2026, 3, 29)),  # Saturday
        (date(2026, 3, 29), date(2026, 3, 30)),  # Sunday: Stockholm's spring-forward night
    )
    need = requirement_for(planned, id="RQ-1", duration=HOUR, zone="Europe/Stockholm")
    assert need.window == Interval(
        datetime(2026, 3, 27, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    )  # from Saturday's midnight (CET) to Monday's (CEST): 47 real hours
    assert need.window.duration == timedelta(hours=47)
    only = requirement_for(planned, id="RQ-2", duration=HOUR, line_number=2, zone="UTC")
    assert only.window == Interval(
        datetime(2026, 3, 29, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC)
    )
    with pytest.raises(InvalidInputError, match=r"^zone=None: the planned dates"):
        requirement_for(planned, id="RQ-3", duration=HOUR)
    with pytest.raises(InvalidTimezoneError):
        requirement_for(planned, id="RQ-3", duration=HOUR, zone="Mars/Olympus")


def test_a_requirement_gets_the_sla_deadline_from_the_order_s_sla() -> None:
    from servicedomain.sla import Allowance, ServiceLevelAgreement, SlaTargets

    sla = ServiceLevelAgreement(
        id="STD", targets=SlaTargets(resolution=Allowance(hours=8)), calendar=DAY
    )
    the_order = order(sla_id="STD")
    deadline = the_order.measure_sla(sla, now=AT).deadline
    assert deadline == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # 8 business hours, 09-17
    need = requirement_for(
        the_order,
        id="RQ-1",
        window=Interval(AT, AT + timedelta(days=2)),
        duration=HOUR,
        sla_deadline=deadline,
    )
    assert need.sla_deadline == deadline


def test_a_requirement_refuses_bad_durations() -> None:
    window = Interval(AT, AT + 2 * HOUR)
    base: dict[str, Any] = {"id": "RQ-1", "order_id": "SO-1", "window": window}
    with pytest.raises(TypeMismatchError, match=r"^duration=1.5: expected a timedelta"):
        Requirement(**base, duration=1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidDurationError, match=r"^duration=.*a duration is > 0"):
        Requirement(**base, duration=timedelta(0))
    with pytest.raises(InvalidDurationError, match="does not fit the window"):
        Requirement(**base, duration=3 * HOUR)
    with pytest.raises(InvalidInputError, match=r"^skills\['X'\]=0"):
        Requirement(**base, duration=HOUR, skills={"X": 0})
    with pytest.raises(NaiveDatetimeError):
        Requirement(**base, duration=HOUR, sla_deadline=datetime(2026, 3, 2))  # noqa: DTZ001


# ------------------------------------------------------------------------ bookings


def booking(**changes: Any) -> Booking:
    fields: dict[str, Any] = {
        "id": "B-1",
        "version": 1,
        "requirement_id": "RQ-1",
        "technician_id": "W-1",
        "start": AT + 2 * HOUR,
        "end": AT + 4 * HOUR,
        "travel": timedelta(minutes=30),
    }
    return Booking(**(fields | changes))


@pytest.mark.parametrize("status", list(BookingStatus))
@pytest.mark.parametrize("target", list(BookingStatus))
def test_a_booking_moves_only_along_the_documented_moves(
    status: BookingStatus, target: BookingStatus
) -> None:
    start = booking(status=status)
    if target is status:
        assert start.change_status(target, at=AT) == (start, ())
    elif target in BOOKING_MOVES[status]:
        moved, (event,) = start.change_status(target, at=AT)
        assert (moved.status, moved.version) == (target, 2)
        assert isinstance(event, BookingStatusChanged)
        assert (event.from_status, event.to_status) == (status, target)
    else:
        with pytest.raises(BookingStatusError) as caught:
            start.change_status(target, at=AT)
        assert isinstance(caught.value, RuleViolationError)
        assert (caught.value.status, caught.value.move) == (status.value, target.value)
        assert status.value in str(caught.value)
        assert target.value in str(caught.value)


def test_the_documented_moves() -> None:
    assert BOOKING_MOVES[BookingStatus.PROPOSED] == {
        BookingStatus.COMMITTED,
        BookingStatus.CANCELED,
    }
    assert BOOKING_MOVES[BookingStatus.COMPLETED] == frozenset()
    assert BOOKING_MOVES[BookingStatus.CANCELED] == frozenset()
    blocking = {status for status in BookingStatus if status.blocks}
    assert blocking == {BookingStatus.COMMITTED, BookingStatus.IN_PROGRESS}


def test_a_booking_holds_its_travel_before_the_work() -> None:
    made = booking()
    assert made.busy == Interval(AT + timedelta(minutes=90), AT + 4 * HOUR)
    assert made.interval == Interval(AT + 2 * HOUR, AT + 4 * HOUR)
    locked, (event,) = made.lock(time=True, at=AT)
    assert (locked.time_locked, locked.technician_locked) == (True, False)
    assert event.name == "BookingLocksChanged"
    assert locked.lock(time=True, at=AT) == (locked, ())


def test_a_booking_refuses_bad_input() -> None:
    with pytest.raises(TypeMismatchError, match=r"^travel=0.5"):
        booking(travel=0.5)
    with pytest.raises(InvalidDurationError, match=r"^travel=.*>= 0"):
        booking(travel=-HOUR)
    with pytest.raises(InvalidPeriodError):
        booking(end=AT + 2 * HOUR)
    with pytest.raises(NaiveDatetimeError):
        booking(start=datetime(2026, 3, 2, 10))  # noqa: DTZ001
    with pytest.raises(TypeMismatchError):
        booking(status="committed")
    with pytest.raises(TypeMismatchError):
        booking().lock(time=1, at=AT)  # type: ignore[arg-type]


def test_reasons_read_as_people_say_them() -> None:
    window = Interval(AT, AT + 8 * HOUR)
    assert str(Reason(kind=ReasonKind.MISSING_SKILL, skill_id="X", needed=3, held=1)) == (
        "missing skill X >= 3 (has 1)"
    )
    assert str(Reason(kind=ReasonKind.MISSING_SKILL, skill_id="X", needed=3)) == (
        "missing skill X >= 3 (has none)"
    )
    assert str(Reason(kind=ReasonKind.OUTSIDE_TERRITORY, territory="N")) == "outside territory N"
    assert str(Reason(kind=ReasonKind.RESTRICTED)) == "restricted"
    assert str(Reason(kind=ReasonKind.NO_FREE_SLOT, duration=HOUR, interval=window)).startswith(
        "no free slot of 1:00:00 in the window [2026-03-02T08:00:00+00:00"
    )
    with pytest.raises(InvalidInputError, match="an excluded technician has a reason"):
        Exclusion(technician_id="W-1", reasons=())


# ------------------------------------------------------------------------ codecs


@given(st.one_of(technicians(), requirements(), bookings()))
def test_dispatch_entities_round_trip_through_json(value: Any) -> None:
    cls = type(value)
    assert from_dict(cls, to_dict(value)) == value
    assert loads(cls, dumps(value)) == value
    assert to_dict(value)["$version"] == 1


def test_a_technician_document_names_a_bad_level() -> None:
    document = to_dict(tech(skills={"HVAC": 2}))
    document["skills"] = {"HVAC": "2"}
    with pytest.raises(InvalidInputError, match=r"skills"):
        from_dict(Technician, document)


def test_dispatch_errors_pickle() -> None:
    error = BookingStatusError("B-1", "completed", "reschedule")
    again = pickle.loads(pickle.dumps(error))
    assert (again.status, again.move, str(again)) == (error.status, error.move, str(error))
