"""The dispatch board's data (issue 17, item 7): parameters, the board and its properties.

The worked example: team NORTH holds W-1 and W-2; W-3 works for another team and is
not on the board. One Tuesday in Stockholm, bookings of each priority, a closed one,
a canceled one, and requirements left to dispatch.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import (
    Booking,
    BookingStatus,
    DispatchBoard,
    DispatchParameters,
    DispatchTeam,
    Interval,
    Requirement,
    Technician,
    availability,
    dispatch_board,
)
from servicedomain.errors import InvalidInputError, InvalidRulesError, TypeMismatchError
from servicedomain.rules import dump_rules, load_rules, rules_from_dict
from servicedomain.serialization import SCHEMA_VERSIONS, from_dict, to_dict
from servicedomain.sla import Priority
from servicedomain.testing.domain_strategies import BoardInputs, dispatch_board_inputs

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TUESDAY = date(2026, 3, 3)
CALENDAR = WorkingCalendar.standard("Europe/Stockholm", slots=["08:00-16:00"], id="SE-DAY")
MADE = datetime(2026, 3, 2, 8, 0, tzinfo=STOCKHOLM)
TEAM = DispatchTeam("NORTH", description="North crew", members=["W-2", "W-1"])
PARAMETERS = DispatchParameters(days_before=0, days_after=0)
PERIOD = PARAMETERS.period_around(TUESDAY, STOCKHOLM)
HOUR = timedelta(hours=1)


def at(hour: float, day: date = TUESDAY) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=STOCKHOLM) + timedelta(hours=hour)


def technician(tech_id: str, name: str) -> Technician:
    made, _ = Technician.create(id=tech_id, name=name, calendar=CALENDAR, at=MADE)
    return made


def requirement(req_id: str, order_id: str, priority: Priority, **fields: Any) -> Requirement:
    values: dict[str, Any] = {
        "id": req_id,
        "order_id": order_id,
        "window": Interval(at(0), at(24)),
        "duration": 2 * HOUR,
        "priority": priority,
    }
    return Requirement(**(values | fields))


def booking(  # noqa: PLR0917 (a row of the worked example's bookings)
    booking_id: str,
    req_id: str,
    tech_id: str,
    start: float,
    end: float,
    status: BookingStatus,
    **fields: Any,
) -> Booking:
    return Booking(
        id=booking_id,
        version=1,
        requirement_id=req_id,
        technician_id=tech_id,
        start=at(start),
        end=at(end),
        status=status,
        recorded_at=MADE,
        **fields,
    )


TECHNICIANS = (technician("W-3", "Cleo"), technician("W-2", "Bo"), technician("W-1", "Ada"))
REQUIREMENTS = (
    requirement("RQ-H", "SO-1", Priority.HIGH, sla_deadline=at(12)),
    requirement("RQ-N", "SO-2", Priority.NORMAL),
    requirement("RQ-L", "SO-3", Priority.LOW),
    requirement("RQ-X", "SO-4", Priority.HIGH),  # booked by W-3, outside the team
    requirement("RQ-C", "SO-5", Priority.NORMAL, duration=HOUR),  # done: completed
    requirement("RQ-U1", "SO-6", Priority.LOW, sla_deadline=at(14)),
    requirement("RQ-U2", "SO-7", Priority.HIGH, sla_deadline=at(14)),
    requirement("RQ-U3", "SO-8", Priority.NORMAL),
    requirement("RQ-K", "SO-9", Priority.NORMAL),  # its only booking was canceled
    requirement(  # next week: outside the window
        "RQ-F",
        "SO-10",
        Priority.HIGH,
        window=Interval(at(0, date(2026, 3, 10)), at(24, date(2026, 3, 10))),
    ),
)
BOOKINGS = (
    booking(
        "B-1",
        "RQ-H",
        "W-1",
        9,
        11,
        BookingStatus.COMMITTED,
        travel=timedelta(minutes=30),
        time_locked=True,
    ),
    booking("B-2", "RQ-N", "W-1", 13, 15, BookingStatus.PROPOSED, travel=timedelta(minutes=15)),
    booking("B-3", "RQ-L", "W-2", 8, 10, BookingStatus.IN_PROGRESS, technician_locked=True),
    booking("B-4", "RQ-X", "W-3", 9, 11, BookingStatus.COMMITTED),
    booking("B-5", "RQ-C", "W-2", 11, 12, BookingStatus.COMPLETED),
    booking("B-6", "RQ-K", "W-2", 13, 15, BookingStatus.CANCELED),
)


def worked_board(*, show_closed: bool = False) -> DispatchBoard:
    """The worked example's board: team NORTH on Tuesday 2026-03-03 in Stockholm."""
    return dispatch_board(
        TEAM,
        TECHNICIANS,
        BOOKINGS,
        REQUIREMENTS,
        window=PERIOD,
        parameters=PARAMETERS,
        show_closed=show_closed,
    )


# ------------------------------------------------------------------ the parameters


def test_the_default_colours_are_red_yellow_and_green_by_priority() -> None:
    parameters = DispatchParameters()
    assert [parameters.color_of(p) for p in Priority] == ["#d32f2f", "#f9a825", "#388e3c"]
    assert (parameters.days_before, parameters.days_after) == (0, 6)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("high_color", "red", InvalidInputError),
        ("normal_color", "#12345", InvalidInputError),
        ("low_color", "#ggg", InvalidInputError),
        ("low_color", " #abc", InvalidInputError),
        ("high_color", 0xFF0000, TypeMismatchError),
        ("days_before", -1, InvalidInputError),
        ("days_after", 367, InvalidInputError),
        ("days_after", 1.5, TypeMismatchError),
        ("days_before", True, TypeMismatchError),
    ],
)
def test_bad_parameters_are_refused_naming_the_field_and_value(
    field: str, value: object, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        DispatchParameters(**{field: value})  # type: ignore[arg-type]
    assert caught.value.field == field  # type: ignore[attr-defined]
    assert caught.value.value == value  # type: ignore[attr-defined]


def test_a_colour_is_three_or_six_hex_digits_in_either_case_kept_as_written() -> None:
    parameters = DispatchParameters(high_color="#F00", normal_color="#FfCc00", low_color="#0a0")
    assert parameters.color_of(Priority.HIGH) == "#F00"
    assert parameters.color_of(Priority.NORMAL) == "#FfCc00"


def test_the_default_period_is_whole_local_days_around_the_day() -> None:
    window = DispatchParameters(days_before=2, days_after=1).period_around(
        date(2026, 3, 30), "Europe/Stockholm"
    )
    # Saturday 28 March 00:00 (CET) to Wednesday 1 April 00:00 (CEST): summer time
    # begins on the Sunday, so the four days last one hour less.
    assert window.start == datetime(2026, 3, 28, tzinfo=STOCKHOLM)
    assert window.end == datetime(2026, 4, 1, tzinfo=STOCKHOLM)
    assert window.duration == timedelta(days=4) - HOUR
    with pytest.raises(TypeMismatchError) as caught:
        DispatchParameters().period_around(at(0), STOCKHOLM)
    assert caught.value.field == "day"


def test_the_parameters_are_a_rules_section_read_and_written_back(tmp_path: Any) -> None:
    rules = rules_from_dict(
        {"dispatch_parameters": {"DEFAULT": {"high_color": "#ff0000", "days_after": 13}}}
    )
    read = rules.dispatch_parameters["DEFAULT"]
    assert read == DispatchParameters(high_color="#ff0000", days_after=13)
    path = tmp_path / "rules.toml"
    dump_rules(rules, path)
    assert load_rules(path) == rules
    with pytest.raises(InvalidRulesError) as caught:
        rules_from_dict({"dispatch_parameters": {"DEFAULT": {"high_colour": "#ff0000"}}})
    assert caught.value.field == "dispatch_parameters.DEFAULT.high_colour"
    with pytest.raises(InvalidRulesError) as refused:
        rules_from_dict({"dispatch_parameters": {"DEFAULT": {"low_color": "lime"}}})
    assert refused.value.field == "dispatch_parameters.DEFAULT.low_color"


# ------------------------------------------------------------------ the worked example


def test_the_board_has_a_row_per_team_member_by_id_and_not_the_other_technician() -> None:
    board = worked_board()
    assert board.team_id == "NORTH"
    assert [(row.technician_id, row.name) for row in board.rows] == [("W-1", "Ada"), ("W-2", "Bo")]
    assert "B-4" not in {bar.booking_id for bar in board.bars}
    with pytest.raises(InvalidInputError) as caught:
        board.row("W-3")
    assert caught.value.field == "technician_id"


def test_each_bar_carries_its_order_priority_colour_status_and_locks() -> None:
    board = worked_board()
    shown = [
        (
            bar.booking_id,
            bar.requirement_id,
            bar.order_id,
            bar.technician_id,
            bar.priority,
            bar.color,
            bar.status,
            bar.travel,
            bar.time_locked,
            bar.technician_locked,
            bar.locked,
        )
        for bar in board.bars
    ]
    m = timedelta(minutes=1)
    high, normal, low = Priority.HIGH, Priority.NORMAL, Priority.LOW
    red, yellow, green = "#d32f2f", "#f9a825", "#388e3c"
    done, asked, busy = BookingStatus.COMMITTED, BookingStatus.PROPOSED, BookingStatus.IN_PROGRESS
    assert shown == [
        ("B-1", "RQ-H", "SO-1", "W-1", high, red, done, 30 * m, True, False, True),
        ("B-2", "RQ-N", "SO-2", "W-1", normal, yellow, asked, 15 * m, False, False, False),
        ("B-3", "RQ-L", "SO-3", "W-2", low, green, busy, 0 * m, False, True, True),
    ]  # fmt: skip
    first = board.bars[0]
    assert (first.start, first.end, first.busy) == (at(9), at(11), Interval(at(8.5), at(11)))


def test_closed_activities_show_only_when_asked() -> None:
    assert [bar.booking_id for bar in worked_board().row("W-2").bars] == ["B-3"]
    closed = worked_board(show_closed=True)
    assert [bar.booking_id for bar in closed.row("W-2").bars] == ["B-3", "B-5", "B-6"]
    assert closed.show_closed


def test_booked_and_free_hours_come_from_held_bookings_and_availability() -> None:
    board = worked_board()
    ada, bo = board.rows
    # W-1 works 08:00-16:00; B-1 holds 08:30-11:00 (travel included); B-2 is a proposal.
    assert (ada.booked, ada.free) == (timedelta(hours=2.5), timedelta(hours=5.5))
    # W-2: B-3 holds 08:00-10:00; B-5 is completed and B-6 canceled: neither holds.
    assert (bo.booked, bo.free) == (2 * HOUR, 6 * HOUR)
    # The closed bookings shown change no hours.
    closed = worked_board(show_closed=True)
    assert [(r.booked, r.free) for r in closed.rows] == [(r.booked, r.free) for r in board.rows]


def test_the_undispatched_list_is_by_sla_deadline_then_priority_then_id() -> None:
    board = worked_board()
    # RQ-U2 and RQ-U1 share a deadline (high first); RQ-K and RQ-U3 have none (by id).
    # RQ-X is booked outside the team, RQ-C done, RQ-F next week: none is undispatched.
    assert [need.id for need in board.undispatched] == ["RQ-U2", "RQ-U1", "RQ-K", "RQ-U3"]


def test_a_booking_partly_in_the_period_is_on_the_board_one_ending_at_its_start_is_not() -> None:
    early = booking("B-7", "RQ-U3", "W-1", -2, 0.5, BookingStatus.COMMITTED)
    before = booking("B-8", "RQ-U1", "W-1", -3, 0, BookingStatus.COMMITTED)
    travel = booking(
        "B-9", "RQ-K", "W-2", 24.25, 25, BookingStatus.PROPOSED, travel=timedelta(minutes=30)
    )
    board = dispatch_board(
        TEAM, TECHNICIANS, (*BOOKINGS, early, before, travel), REQUIREMENTS, window=PERIOD
    )
    assert [bar.booking_id for bar in board.row("W-1").bars] == ["B-7", "B-1", "B-2"]
    assert "B-8" not in {bar.booking_id for bar in board.bars}
    # B-9's work starts after the window, its travel (23:45-00:15) in it: on the board.
    assert [bar.booking_id for bar in board.row("W-2").bars] == ["B-3", "B-9"]


def test_the_board_refuses_inputs_it_cannot_show() -> None:
    with pytest.raises(InvalidInputError) as missing:
        dispatch_board(TEAM, TECHNICIANS[:2], BOOKINGS, REQUIREMENTS, window=PERIOD)
    assert (missing.value.field, missing.value.value) == ("technicians", "W-1")
    with pytest.raises(InvalidInputError) as twice:
        dispatch_board(TEAM, TECHNICIANS, BOOKINGS, REQUIREMENTS * 2, window=PERIOD)
    assert (twice.value.field, twice.value.value) == ("requirements", "RQ-H")
    with pytest.raises(InvalidInputError) as unknown:
        dispatch_board(TEAM, TECHNICIANS, BOOKINGS, REQUIREMENTS[1:], window=PERIOD)
    assert (unknown.value.field, unknown.value.value) == ("requirements", "RQ-H")
    with pytest.raises(InvalidInputError) as technicians_twice:
        dispatch_board(TEAM, TECHNICIANS * 2, BOOKINGS, REQUIREMENTS, window=PERIOD)
    assert technicians_twice.value.field == "technicians"
    with pytest.raises(TypeMismatchError) as window:
        dispatch_board(TEAM, TECHNICIANS, BOOKINGS, REQUIREMENTS, window=(at(0), at(24)))  # type: ignore[arg-type]
    assert window.value.field == "window"
    with pytest.raises(TypeMismatchError) as closed:
        dispatch_board(TEAM, TECHNICIANS, BOOKINGS, REQUIREMENTS, window=PERIOD, show_closed=1)  # type: ignore[arg-type]
    assert closed.value.field == "show_closed"
    with pytest.raises(TypeMismatchError) as parameters:
        dispatch_board(TEAM, TECHNICIANS, BOOKINGS, REQUIREMENTS, window=PERIOD, parameters={})  # type: ignore[arg-type]
    assert parameters.value.field == "parameters"


def test_a_booking_off_the_board_needs_no_requirement() -> None:
    # B-4 is W-3's (not on the board): its requirement may be left out.
    board = dispatch_board(
        TEAM, TECHNICIANS, BOOKINGS, [r for r in REQUIREMENTS if r.id != "RQ-X"], window=PERIOD
    )
    assert len(board.bars) == 3


def test_the_board_serialises_as_version_1_and_reads_back() -> None:
    board = worked_board(show_closed=True)
    document = json.loads(json.dumps(to_dict(board)))
    assert SCHEMA_VERSIONS[DispatchBoard] == 1
    assert from_dict(DispatchBoard, document) == board
    assert document["team_id"] == "NORTH"
    assert document["window"] == {
        "start": "2026-03-02T23:00:00+00:00",
        "end": "2026-03-03T23:00:00+00:00",
    }
    first = document["rows"][0]
    assert (first["technician_id"], first["booked"], first["free"]) == (
        "W-1",
        "P0DT9000.000000S",
        "P0DT19800.000000S",
    )
    bar = first["bars"][0]
    assert bar == {
        "booking_id": "B-1",
        "requirement_id": "RQ-H",
        "order_id": "SO-1",
        "technician_id": "W-1",
        "start": "2026-03-03T08:00:00+00:00",
        "end": "2026-03-03T10:00:00+00:00",
        "travel": "P0DT1800.000000S",
        "status": "committed",
        "priority": "high",
        "color": "#d32f2f",
        "time_locked": True,
        "technician_locked": False,
    }
    assert [need["id"] for need in document["undispatched"]] == ["RQ-U2", "RQ-U1", "RQ-K", "RQ-U3"]
    assert document["parameters"]["high_color"] == "#d32f2f"


# ------------------------------------------------------------------ the board's properties


def _board(given: BoardInputs, order: random.Random | None = None) -> DispatchBoard:
    team, techs, made, needs, window, parameters, show_closed = given
    if order is not None:
        techs = tuple(order.sample(techs, len(techs)))
        made = tuple(order.sample(made, len(made)))
        needs = tuple(order.sample(needs, len(needs)))
    return dispatch_board(
        team, techs, made, needs, window=window, parameters=parameters, show_closed=show_closed
    )


@given(dispatch_board_inputs())
def test_the_board_shows_every_team_booking_once_and_a_requirement_booked_or_undispatched(
    given_inputs: BoardInputs,
) -> None:
    team, techs, made, needs, window, parameters, show_closed = given_inputs
    board = _board(given_inputs)
    # One row per member, by id; nobody else.
    assert [row.technician_id for row in board.rows] == sorted(team.members)
    # Every shown booking of a member in the window: exactly once, on its own row.
    expected = {
        b.id: b
        for b in made
        if b.technician_id in team.members
        and b.busy.overlaps(window)
        and (show_closed or b.status not in (BookingStatus.COMPLETED, BookingStatus.CANCELED))
    }
    counts = Counter(bar.booking_id for bar in board.bars)
    assert counts == Counter(expected.keys())
    for row in board.rows:
        for bar in row.bars:
            assert bar.technician_id == row.technician_id == expected[bar.booking_id].technician_id
        assert [(b.start, b.end, b.booking_id) for b in row.bars] == sorted(
            (b.start, b.end, b.booking_id) for b in row.bars
        )
    held = [
        b for b in made if b.technician_id in team.members and b.blocks and b.busy.overlaps(window)
    ]
    assert all(counts[b.id] == 1 for b in held)  # held bookings show, closed or not asked
    by_id = {n.id: n for n in needs}
    for bar in board.bars:
        assert bar.order_id == by_id[bar.requirement_id].order_id
        assert bar.color == parameters.color_of(by_id[bar.requirement_id].priority)
    # A requirement is either booked (a booking other than a canceled one) or waiting.
    booked = {b.requirement_id for b in made if b.status is not BookingStatus.CANCELED}
    waiting = [n.id for n in board.undispatched]
    assert len(waiting) == len(set(waiting))
    assert not (set(waiting) & booked)
    assert set(waiting) == {n.id for n in needs if n.window.overlaps(window)} - booked
    # Hours: free is the availability, and held plus free time fits in the window.
    for row in board.rows:
        tech = next(t for t in techs if t.id == row.technician_id)
        free = sum((gap.duration for gap in availability(tech, made, window)), timedelta(0))
        assert row.free == free
        assert row.booked + row.free <= window.duration


@given(dispatch_board_inputs(), st.integers(0, 2**32))
def test_the_board_does_not_depend_on_the_order_of_its_inputs(
    given_inputs: BoardInputs, seed: int
) -> None:
    assert _board(given_inputs, random.Random(seed)) == _board(given_inputs)


def test_an_interval_over_a_dst_change_lasts_the_real_time_between_its_ends() -> None:
    # Regression: Python subtracts instants of one zone as wall-clock times, so the
    # night of 29 March 2026 in Stockholm (02:00 -> 03:00) read as 24 hours, not 23.
    night = Interval(
        datetime(2026, 3, 29, tzinfo=STOCKHOLM), datetime(2026, 3, 30, tzinfo=STOCKHOLM)
    )
    assert night.duration == 23 * HOUR


@pytest.mark.parametrize("day", [date(1, 1, 1), date(9999, 12, 31), date(9799, 12, 31)])
def test_a_period_outside_the_supported_instants_is_refused_naming_the_day(day: date) -> None:
    # Regression: the first and the last dates raised a bare OverflowError.
    with pytest.raises(InvalidInputError) as caught:
        DispatchParameters(days_after=2).period_around(day, STOCKHOLM)
    assert (caught.value.field, caught.value.value) == ("day", day)
