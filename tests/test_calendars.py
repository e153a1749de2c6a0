"""Working calendars: construction, the bad-input rows, pinned response times, regressions.

The response-time table, the regression cases of other business-time libraries and the
DST cases are pinned here with their expected values worked out by hand; the laws over
random calendars are in ``tests/properties/test_business_time_laws.py``.
"""

from __future__ import annotations

import pickle
import random
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import attrs
import pytest

from servicedomain.calendars import ClosedDays, HolidayCalendar, Slot, WorkingCalendar
from servicedomain.errors import (
    InvalidCalendarError,
    InvalidInputError,
    InvalidPeriodError,
    InvalidTimezoneError,
    NaiveDatetimeError,
    ServiceDomainError,
    TypeMismatchError,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
MAY_DAY = date(2025, 5, 1)  # a Thursday: Fete du Travail
H = timedelta(hours=1)
M = timedelta(minutes=1)


def paris(day: int, hour: int, minute: int = 0, month: int = 4) -> datetime:
    """A wall-clock time in Paris in spring 2025 (April by default)."""
    return datetime(2025, month, day, hour, minute, tzinfo=PARIS)


@pytest.fixture(scope="module")
def office() -> WorkingCalendar:
    """Mon-Fri 08:00-17:00 in Paris, closed on May Day (Thu May 1, 2025)."""
    return WorkingCalendar.standard("Europe/Paris", holidays=[MAY_DAY], id="PARIS")


def expect_error(
    kind: type[InvalidInputError], field: str, make: Callable[[], object]
) -> InvalidInputError:
    with pytest.raises(kind) as raised:
        make()
    error = raised.value
    assert isinstance(error, ServiceDomainError)
    assert error.field == field
    assert field in str(error)
    return error


# ------------------------------------------------------------------------ slots


def test_slot_parses_and_prints_its_text() -> None:
    assert Slot.parse("08:00-12:00") == Slot(time(8), time(12))
    assert Slot.parse(" 22:00 - 06:00 ") == Slot(time(22), time(6))
    assert Slot.parse("22:00-24:00") == Slot(time(22), time(0))
    assert Slot.parse("08:00:30.5-09:00") == Slot(time(8, 0, 30, 500_000), time(9))
    assert [str(Slot.parse(text)) for text in ("08:00-12:00", "22:00-24:00", "07:30:15-08:00")] == [
        "08:00-12:00",
        "22:00-24:00",
        "07:30:15-08:00",
    ]
    assert Slot(time(22), time(6)).overnight
    assert Slot(time(22), time(0)).overnight
    assert not Slot(time(8), time(17)).overnight


@pytest.mark.parametrize(
    "text", ["8-12", "08:00", "08:00-25:00", "24:00-08:00", "08:60-09:00", "08:00-08:00", ""]
)
def test_slot_parse_refuses_bad_text(text: str) -> None:
    expect_error(InvalidCalendarError, "slot", lambda: Slot.parse(text))


def test_slot_parse_refuses_a_non_string() -> None:
    expect_error(InvalidCalendarError, "slot", lambda: Slot.parse(800))  # type: ignore[arg-type]


def test_slot_end_equal_to_start_is_refused() -> None:
    expect_error(InvalidCalendarError, "end", lambda: Slot(time(8), time(8)))


def test_slot_times_are_naive_wall_times() -> None:
    expect_error(TypeMismatchError, "start", lambda: Slot(time(8, tzinfo=UTC), time(9)))
    expect_error(TypeMismatchError, "end", lambda: Slot(time(8), time(9, tzinfo=UTC)))
    expect_error(TypeMismatchError, "start", lambda: Slot("08:00", time(9)))  # type: ignore[arg-type]


# ----------------------------------------------------------------- construction


def test_a_calendar_is_a_hashable_value() -> None:
    one = WorkingCalendar.standard("Europe/Paris", holidays=[MAY_DAY])
    two = WorkingCalendar(
        zone=PARIS,
        weekly=[[Slot(time(8), time(17))]] * 5 + [[], []],
        holidays=frozenset([MAY_DAY]),
    )
    assert one == two
    assert hash(one) == hash(two)
    assert one.zone is PARIS
    assert one.deadline(paris(28, 9), H) == two.deadline(paris(28, 9), H)  # caches differ
    assert one != attrs.evolve(one, holidays=frozenset())
    assert pickle.loads(pickle.dumps(one)) == one


def test_slots_of_a_day_are_sorted_and_text_is_accepted() -> None:
    calendar = WorkingCalendar(zone="UTC", weekly=[["13:00-17:00", "08:00-12:00"]] + [[]] * 6)
    assert calendar.weekly[0] == (Slot(time(8), time(12)), Slot(time(13), time(17)))


def test_exceptions_are_an_immutable_hashable_mapping() -> None:
    calendar = WorkingCalendar(
        zone="UTC",
        weekly=[["08:00-17:00"]] * 5 + [[], []],
        exceptions={date(2025, 6, 7): ["09:00-13:00"], date(2025, 6, 2): []},
    )
    assert list(calendar.exceptions) == [date(2025, 6, 2), date(2025, 6, 7)]
    assert calendar.exceptions[date(2025, 6, 7)] == (Slot(time(9), time(13)),)
    assert calendar.exceptions == {
        date(2025, 6, 2): (),
        date(2025, 6, 7): (Slot(time(9), time(13)),),
    }
    assert hash(calendar) == hash(attrs.evolve(calendar))
    with pytest.raises(TypeError):
        calendar.exceptions[date(2025, 6, 3)] = ()  # type: ignore[index]


def test_standard_builds_the_same_slots_on_chosen_days() -> None:
    calendar = WorkingCalendar.standard(
        "Europe/Stockholm", weekdays=[5, 6], slots=["10:00-14:00"], id="WEEKEND"
    )
    assert calendar.id == "WEEKEND"
    assert [bool(day) for day in calendar.weekly] == [False] * 5 + [True, True]
    expect_error(
        InvalidCalendarError, "weekdays", lambda: WorkingCalendar.standard("UTC", weekdays=[7])
    )
    expect_error(
        InvalidCalendarError, "weekdays", lambda: WorkingCalendar.standard("UTC", weekdays=[True])
    )


def test_dict_round_trip() -> None:
    data = {
        "id": "SE-SUPPORT",
        "zone": "Europe/Stockholm",
        "weekly": {
            "mon": ["08:00-12:00", "13:00-17:00"],
            "tue": ["08:00-17:00"],
            "fri": ["22:00-06:00"],
        },
        "holidays": ["2025-12-25", "2025-06-06"],
        "exceptions": {"2025-12-24": ["08:00-12:00"], "2025-06-07": []},
        "horizon_days": 400,
    }
    calendar = WorkingCalendar.from_dict(data)
    assert calendar.weekly[4] == (Slot(time(22), time(6)),)
    assert calendar.holidays == {date(2025, 12, 25), date(2025, 6, 6)}
    assert calendar.exceptions == {
        date(2025, 12, 24): (Slot(time(8), time(12)),),
        date(2025, 6, 7): (),
    }
    written = calendar.to_dict()
    assert written["holidays"] == ["2025-06-06", "2025-12-25"]
    assert written["weekly"] == {
        "mon": ["08:00-12:00", "13:00-17:00"],
        "tue": ["08:00-17:00"],
        "wed": [],
        "thu": [],
        "fri": ["22:00-06:00"],
        "sat": [],
        "sun": [],
    }
    assert WorkingCalendar.from_dict(written) == calendar
    # TOML gives dates as date values
    toml_like = {"zone": "UTC", "weekly": {"mon": ["08:00-09:00"]}, "holidays": [date(2025, 1, 6)]}
    assert WorkingCalendar.from_dict(toml_like).holidays == {date(2025, 1, 6)}


# --------------------------------------------------------- the bad-input table


WEEKDAYS = [["08:00-17:00"]] * 5 + [[], []]


@pytest.mark.parametrize(
    ("kind", "field", "make"),
    [
        # no working time at all
        (InvalidCalendarError, "weekly", lambda: WorkingCalendar(zone="UTC", weekly=[[]] * 7)),
        (
            InvalidCalendarError,
            "weekly",
            lambda: WorkingCalendar.standard("UTC", weekdays=[]),
        ),
        # overlapping slots within a day, and an overnight slot into the next day's
        (
            InvalidCalendarError,
            "weekly[2]",
            lambda: WorkingCalendar(
                zone="UTC", weekly=[[], [], ["08:00-12:00", "11:00-13:00"], [], [], [], []]
            ),
        ),
        (
            InvalidCalendarError,
            "weekly[0]",
            lambda: WorkingCalendar(
                zone="UTC", weekly=[["22:00-06:00"], ["05:00-09:00"]] + [[]] * 5
            ),
        ),
        (
            InvalidCalendarError,
            "weekly[6]",
            lambda: WorkingCalendar(
                zone="UTC", weekly=[["05:00-09:00"]] + [[]] * 5 + [["23:00-06:00"]]
            ),
        ),
        (
            InvalidCalendarError,
            "exceptions[2025-06-03]",
            lambda: WorkingCalendar(
                zone="UTC",
                weekly=[["22:00-06:00"]] + [[]] * 6,
                exceptions={date(2025, 6, 3): ["05:00-07:00"]},  # Mon 2 Jun runs until 06:00
            ),
        ),
        (
            InvalidCalendarError,
            "exceptions[2025-06-08]",
            lambda: WorkingCalendar(
                zone="UTC",
                weekly=[["05:00-09:00"]] + [[]] * 6,
                exceptions={date(2025, 6, 8): ["20:00-06:00"]},  # into Mon 9 Jun's 05:00
            ),
        ),
        # a slot whose end equals its start, in a calendar
        (
            InvalidCalendarError,
            "weekly[0][0]",
            lambda: WorkingCalendar(zone="UTC", weekly=[["08:00-08:00"]] + [[]] * 6),
        ),
        (
            InvalidCalendarError,
            "weekly",
            lambda: WorkingCalendar(zone="UTC", weekly=[["08:00-09:00"]]),
        ),
        (InvalidCalendarError, "weekly", lambda: WorkingCalendar(zone="UTC", weekly="08:00-17:00")),
        (
            InvalidCalendarError,
            "weekly[1]",
            lambda: WorkingCalendar(zone="UTC", weekly=[[], "08:00-17:00"] + [[]] * 5),
        ),
        (
            InvalidCalendarError,
            "weekly[0][0]",
            lambda: WorkingCalendar(zone="UTC", weekly=[[8]] + [[]] * 6),
        ),
        # holidays given as naive datetimes or strings
        (
            InvalidCalendarError,
            "holidays",
            lambda: WorkingCalendar(zone="UTC", weekly=WEEKDAYS, holidays=[datetime(2025, 12, 25)]),  # noqa: DTZ001
        ),
        (
            InvalidCalendarError,
            "holidays",
            lambda: WorkingCalendar(zone="UTC", weekly=WEEKDAYS, holidays=["2025-12-25"]),
        ),
        (
            InvalidCalendarError,
            "holidays",
            lambda: WorkingCalendar(zone="UTC", weekly=WEEKDAYS, holidays="2025-12-25"),
        ),
        (
            InvalidCalendarError,
            "exceptions",
            lambda: WorkingCalendar(
                zone="UTC", weekly=WEEKDAYS, exceptions={"2025-12-24": ["08:00-12:00"]}
            ),
        ),
        # a fixed offset (or an unknown name) where a named zone is needed
        (
            InvalidTimezoneError,
            "zone",
            lambda: WorkingCalendar(zone=timezone(timedelta(hours=1)), weekly=WEEKDAYS),
        ),
        (
            InvalidTimezoneError,
            "zone",
            lambda: WorkingCalendar(zone="Mars/Olympus", weekly=WEEKDAYS),
        ),
        (
            InvalidCalendarError,
            "horizon_days",
            lambda: WorkingCalendar(zone="UTC", weekly=WEEKDAYS, horizon_days=0),
        ),
        (
            TypeMismatchError,
            "horizon_days",
            lambda: WorkingCalendar(zone="UTC", weekly=WEEKDAYS, horizon_days=1.5),  # type: ignore[arg-type]
        ),
        (TypeMismatchError, "id", lambda: WorkingCalendar(id=7, zone="UTC", weekly=WEEKDAYS)),  # type: ignore[arg-type]
    ],
)
def test_calendar_bad_input_rows(
    kind: type[InvalidInputError], field: str, make: Callable[[], object]
) -> None:
    expect_error(kind, field, make)


def test_a_pytz_zone_is_refused() -> None:
    import pytz

    expect_error(
        InvalidTimezoneError,
        "zone",
        lambda: WorkingCalendar(zone=pytz.timezone("Europe/Paris"), weekly=WEEKDAYS),
    )


BASE = {"zone": "Europe/Paris", "weekly": {"mon": ["08:00-17:00"]}}


@pytest.mark.parametrize(
    ("kind", "field", "data"),
    [
        (InvalidCalendarError, "timezone", {**BASE, "timezone": "Europe/Paris"}),
        (InvalidCalendarError, "weekly.monday", {**BASE, "weekly": {"monday": ["08:00-17:00"]}}),
        (InvalidCalendarError, "weekly.mon[0]", {**BASE, "weekly": {"mon": ["8h-17h"]}}),
        (
            InvalidCalendarError,
            "weekly.tue",
            {**BASE, "weekly": {"tue": ["08:00-12:00", "11:00-13:00"]}},
        ),
        (
            InvalidCalendarError,
            "weekly.sun",
            {**BASE, "weekly": {"mon": ["05:00-09:00"], "sun": ["23:00-06:00"]}},
        ),
        (InvalidCalendarError, "weekly", {**BASE, "weekly": {}}),
        (InvalidCalendarError, "weekly", {**BASE, "weekly": [["08:00-17:00"]] * 7}),
        (InvalidCalendarError, "zone", {"weekly": {"mon": ["08:00-17:00"]}}),
        (InvalidCalendarError, "weekly", {"zone": "UTC"}),
        (InvalidCalendarError, "holidays[1]", {**BASE, "holidays": ["2025-12-25", "25/12/2025"]}),
        (InvalidCalendarError, "holidays[0]", {**BASE, "holidays": ["2025-12-25T00:00:00"]}),
        (InvalidCalendarError, "holidays", {**BASE, "holidays": "2025-12-25"}),
        (InvalidCalendarError, "exceptions.2025-13-01", {**BASE, "exceptions": {"2025-13-01": []}}),
        (
            InvalidCalendarError,
            "exceptions.2025-06-07[0]",
            {**BASE, "exceptions": {"2025-06-07": ["9-13"]}},
        ),
        (InvalidCalendarError, "exceptions", {**BASE, "exceptions": ["2025-06-07"]}),
        (InvalidCalendarError, "data", ["zone", "UTC"]),
        (InvalidTimezoneError, "zone", {**BASE, "zone": "+01:00"}),
    ],
)
def test_from_dict_names_the_key_path(
    kind: type[InvalidInputError], field: str, data: object
) -> None:
    expect_error(kind, field, lambda: WorkingCalendar.from_dict(data))  # type: ignore[arg-type]


def test_query_bad_inputs(office: WorkingCalendar) -> None:
    naive = datetime(2025, 4, 28, 9)  # noqa: DTZ001 - the bad input under test
    expect_error(NaiveDatetimeError, "start", lambda: office.deadline(naive, H))
    expect_error(NaiveDatetimeError, "instant", lambda: office.is_working(naive))
    expect_error(NaiveDatetimeError, "instant", lambda: office.next_working_instant(naive))
    expect_error(NaiveDatetimeError, "end", lambda: office.elapsed(paris(28, 9), naive))
    expect_error(
        NaiveDatetimeError, "starts[1]", lambda: office.deadlines([paris(28, 9), naive], H)
    )
    expect_error(TypeMismatchError, "start", lambda: office.deadline(date(2025, 4, 28), H))  # type: ignore[arg-type]
    expect_error(TypeMismatchError, "starts[0]", lambda: office.deadlines([date(2025, 4, 28)], H))  # type: ignore[list-item]
    expect_error(InvalidInputError, "duration", lambda: office.deadline(paris(28, 9), -M))
    expect_error(InvalidInputError, "duration", lambda: office.deadlines([paris(28, 9)], -M))
    expect_error(TypeMismatchError, "duration", lambda: office.deadline(paris(28, 9), 60))  # type: ignore[arg-type]
    expect_error(InvalidPeriodError, "end", lambda: office.elapsed(paris(28, 10), paris(28, 9)))
    expect_error(
        InvalidPeriodError, "end", lambda: office.working_intervals(paris(28, 10), paris(28, 9))
    )
    expect_error(InvalidPeriodError, "end", lambda: office.closures(paris(28, 10), paris(28, 9)))
    expect_error(TypeMismatchError, "day", lambda: office.is_closed(paris(28, 10)))
    far = datetime(9999, 6, 1, tzinfo=UTC)
    expect_error(InvalidInputError, "instant", lambda: office.is_working(far))
    expect_error(InvalidInputError, "start", lambda: office.deadline(far, H))
    expect_error(InvalidInputError, "starts[0]", lambda: office.deadlines([far], H))
    error = expect_error(InvalidInputError, "duration", lambda: office.deadline(paris(28, 9), -M))
    assert not isinstance(error, TypeMismatchError)


# --------------------------------------------------- the response-time table

# Mon-Fri 08:00-17:00 Europe/Paris, May Day (Thu May 1, 2025) closed. The week:
# Mon Apr 28, Tue 29, Wed 30, [Thu May 1 holiday], Fri May 2, weekend, Mon May 5.
RESPONSE_TIMES = [
    # created before working hours
    ("before, same day", paris(28, 6, 30), 2 * H, paris(28, 10)),
    ("before, at closing time", paris(28, 6, 30), 9 * H, paris(28, 17)),
    ("before, next day", paris(28, 6, 30), 12 * H, paris(29, 11)),
    ("before, several days later", paris(28, 6, 30), 27 * H, paris(30, 17)),
    ("before, across the holiday", paris(30, 7), 10 * H, paris(2, 9, month=5)),
    ("before, across the weekend", paris(2, 7, 59, month=5), 12 * H, paris(5, 11, month=5)),
    # created during working hours
    ("during, same day", paris(28, 10, 15), 2 * H, paris(28, 12, 15)),
    ("during, at closing time", paris(28, 10, 15), 6 * H + 45 * M, paris(28, 17)),
    ("during, next day", paris(28, 10, 15), 8 * H, paris(29, 9, 15)),
    ("during, several days and the holiday", paris(28, 10, 15), 30 * H, paris(2, 13, 15, month=5)),
    ("during, the holiday right after", paris(30, 16), 2 * H, paris(2, 9, month=5)),
    ("during, across the weekend", paris(2, 15, month=5), 3 * H, paris(5, 9, month=5)),
    # created after working hours
    ("after, due when work resumes", paris(28, 18), timedelta(0), paris(29, 8)),
    ("after, next day", paris(28, 18), 1 * H, paris(29, 9)),
    ("after, next day's closing", paris(28, 18), 9 * H, paris(29, 17)),
    ("after, across the holiday", paris(28, 18), 20 * H, paris(2, 10, month=5)),
    ("after, at closing time exactly", paris(30, 17), 1 * H, paris(2, 9, month=5)),
    ("after, across the weekend", paris(2, 17, 30, month=5), 4 * H, paris(5, 12, month=5)),
    (
        "on the weekend, due Monday morning",
        paris(3, 11, month=5),
        timedelta(0),
        paris(5, 8, month=5),
    ),
    ("on the holiday", paris(1, 9, month=5), 30 * M, paris(2, 8, 30, month=5)),
]


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [case[1:] for case in RESPONSE_TIMES],
    ids=[case[0] for case in RESPONSE_TIMES],
)
def test_response_time_table(
    office: WorkingCalendar, start: datetime, duration: timedelta, due: datetime
) -> None:
    deadline = office.deadline(start, duration)
    assert deadline == due
    assert deadline.tzinfo is UTC
    assert office.elapsed(start, deadline) == duration


def test_the_table_in_one_batch(office: WorkingCalendar) -> None:
    for duration in {case[2] for case in RESPONSE_TIMES}:
        starts = [case[1] for case in RESPONSE_TIMES]
        assert office.deadlines(starts, duration) == [office.deadline(s, duration) for s in starts]


def test_S3_a_ticket_created_after_hours_is_due_the_next_business_day(
    office: WorkingCalendar,
) -> None:
    """ERPNext: a zero response time after hours is due when work resumes, not now."""
    assert office.deadline(paris(28, 21), timedelta(0)) == paris(29, 8)
    assert office.next_working_instant(paris(28, 21)) == paris(29, 8)
    assert office.next_working_instant(paris(30, 17)) == paris(2, 8, month=5)  # skips May Day
    assert office.next_working_instant(paris(28, 12)) == paris(28, 12)
    # AX: a Mon-Fri calendar delays an order received on Saturday to Monday morning
    assert office.next_working_instant(paris(3, 10, month=5)) == paris(5, 8, month=5)


def test_closing_time_deadline_is_closing_time_not_the_next_opening(
    office: WorkingCalendar,
) -> None:
    due = office.deadline(paris(28, 8), 9 * H)
    assert due == paris(28, 17)
    assert not office.is_working(due)
    assert office.is_working(due - timedelta(microseconds=1))
    assert office.next_working_instant(due) == paris(29, 8)
    # but nothing is due "at" closing time with zero left to do: that is the next opening
    assert office.deadline(due, timedelta(0)) == paris(29, 8)


def test_sub_second_durations_are_exact(office: WorkingCalendar) -> None:
    tiny = timedelta(microseconds=1)
    assert office.deadline(paris(28, 16, 59), 60 * tiny * 1_000_000) == paris(28, 17)
    assert office.deadline(paris(28, 17), tiny) == paris(29, 8) + tiny
    assert office.elapsed(paris(28, 16, 59), paris(28, 17) + H) == timedelta(seconds=60)
    odd = timedelta(hours=3, seconds=7, microseconds=123_457)
    assert office.elapsed(paris(29, 15), office.deadline(paris(29, 15), odd)) == odd


# ------------------------------------------------------- regression cases


def test_businesstime_13_both_times_after_hours_is_zero(office: WorkingCalendar) -> None:
    assert office.elapsed(paris(28, 18), paris(28, 22)) == timedelta(0)
    assert office.elapsed(paris(2, 18, month=5), paris(5, 7, month=5)) == timedelta(0)
    assert office.elapsed(paris(30, 17), paris(2, 8, month=5)) == timedelta(0)  # over May Day


def test_businesstime_3_the_first_instant_of_the_day_is_working(office: WorkingCalendar) -> None:
    opening = paris(28, 8)
    assert office.is_working(opening)
    assert not office.is_working(opening - timedelta(microseconds=1))
    assert office.next_working_instant(opening) == opening
    assert office.elapsed(opening, opening + timedelta(seconds=1)) == timedelta(seconds=1)
    assert office.elapsed(paris(28, 7, 59), opening) == timedelta(0)


def test_businesstime_7_from_16_01_the_right_remainder(office: WorkingCalendar) -> None:
    assert office.elapsed(paris(28, 16, 1), paris(29, 8)) == 59 * M
    assert office.elapsed(paris(28, 16, 1), paris(28, 17, 30)) == 59 * M
    assert office.deadline(paris(28, 16, 1), H) == paris(29, 8, 1)
    assert office.elapsed(paris(28, 16, 1), paris(29, 9)) == H + 59 * M


def test_pandas_16867_a_holiday_right_after_the_start_is_not_a_day_early(
    office: WorkingCalendar,
) -> None:
    # Wed Apr 30 16:00 + 2h: 1h on Wednesday, Thursday is May Day, 1h on Friday
    assert office.deadline(paris(30, 16), 2 * H) == paris(2, 9, month=5)
    # hours of at least one business day (pandas PR #26381)
    assert office.deadline(paris(30, 16), 10 * H) == paris(2, 17, month=5)
    assert office.deadline(paris(30, 16), 11 * H) == paris(5, 9, month=5)
    assert office.deadline(paris(30, 8), 9 * H) == paris(30, 17)


def test_businesstimedelta_9_a_holiday_and_a_zone_terminate() -> None:
    calendar = WorkingCalendar.standard(
        "America/New_York", holidays=[date(2025, 7, 4)], slots=["09:00-17:00"]
    )
    start = datetime(2025, 7, 3, 20, 0, tzinfo=UTC)  # 16:00 in New York, the eve
    assert calendar.deadline(start, 2 * H) == datetime(2025, 7, 7, 10, tzinfo=NEW_YORK)
    assert calendar.elapsed(start, datetime(2025, 7, 8, tzinfo=UTC)) == 9 * H


def test_businesstimedelta_10_past_the_last_holiday_no_crash(office: WorkingCalendar) -> None:
    # the holiday list ends in 2025: beyond it, nothing is closed but weekends
    start = datetime(2025, 12, 31, 16, tzinfo=PARIS)
    # Wed 1h, then Jan 1, 2026 is an ordinary Thursday: 11 days of 9h reach 100h
    assert office.deadline(start, 100 * H) == datetime(2026, 1, 15, 17, tzinfo=PARIS)
    years_later = office.deadline(start, 9 * H * 261 * 5)
    assert years_later > datetime(2030, 12, 1, tzinfo=UTC)
    assert office.elapsed(start, years_later) == 9 * H * 261 * 5


def test_businesstimedelta_6_an_overnight_window_is_a_slot_not_an_error() -> None:
    nights = WorkingCalendar(zone="Europe/Paris", weekly=[["22:00-06:00"]] * 5 + [[], []])
    friday_night = paris(2, 23, month=5)
    assert nights.is_working(friday_night)
    assert nights.is_working(paris(3, 5, 59, month=5))  # Saturday morning: Friday's slot
    assert not nights.is_working(paris(3, 6, month=5))
    # 7 hours left of Friday's shift, then Monday night
    assert nights.deadline(friday_night, 8 * H) == paris(5, 23, month=5)
    assert nights.elapsed(paris(3, 0, month=5), paris(6, 0, month=5)) == 6 * H + 2 * H


# ------------------------------------------------------------------------- DST


def round_the_clock(zone: str) -> WorkingCalendar:
    """Always open: two touching slots a day (a slot needs end != start)."""
    return WorkingCalendar(zone=zone, weekly=[["00:00-12:00", "12:00-24:00"]] * 7)


@pytest.mark.parametrize(
    ("zone", "day", "hour_due"),
    [
        # 8 business hours from midnight of a transition day, round the clock
        ("Europe/Paris", date(2025, 3, 30), 9),  # spring: the clock shows 9 hours later
        ("Europe/Paris", date(2025, 10, 26), 7),  # autumn: 7 hours later
        ("America/New_York", date(2025, 3, 9), 9),
        ("America/New_York", date(2025, 11, 2), 7),
    ],
)
def test_moment_business_time_58_eight_business_hours_across_dst_are_eight_real_hours(
    zone: str, day: date, hour_due: int
) -> None:
    calendar = round_the_clock(zone)
    start = datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))
    due = calendar.deadline(start, 8 * H)
    assert due - start == 8 * H  # real time (aware datetimes subtract in UTC)
    assert due == datetime.combine(day, time(hour_due), tzinfo=ZoneInfo(zone))
    assert calendar.elapsed(start, due) == 8 * H


@pytest.mark.parametrize(
    ("zone", "spring", "autumn"),
    [
        ("Europe/Paris", date(2025, 3, 30), date(2025, 10, 26)),
        ("America/New_York", date(2025, 3, 9), date(2025, 11, 2)),
    ],
)
def test_dbt_zendesk_25_night_shift_across_dst(zone: str, spring: date, autumn: date) -> None:
    """A 22:00-06:00 shift: 7 real hours on the spring night, 9 on the autumn night."""
    tz = ZoneInfo(zone)
    shift = WorkingCalendar(zone=zone, weekly=[["22:00-06:00"]] * 7)
    for night, hours in ((spring, 7), (autumn, 9)):
        eve = datetime.combine(night - timedelta(days=1), time(22), tzinfo=tz)
        assert shift.elapsed(eve, eve + 12 * H) == hours * H
        due = shift.deadline(eve, 8 * H)
        spent = sum((b - a for a, b in shift.working_intervals(eve, due)), timedelta(0))
        assert spent == 8 * H
        if hours >= 8:
            assert due - eve == 8 * H


def test_slot_boundaries_in_a_gap_or_an_overlap_cover_the_wall_clock_span() -> None:
    early = WorkingCalendar(zone="Europe/Paris", weekly=[["00:00-04:00"]] * 7)
    for day, hours in ((date(2025, 3, 30), 3), (date(2025, 10, 26), 5), (date(2025, 6, 1), 4)):
        midnight = datetime.combine(day, time(0), tzinfo=PARIS)
        assert early.elapsed(midnight - H, midnight + 6 * H) == hours * H
    # a start in the gap resolves to the transition (03:00 CEST = 01:00 UTC)
    gap = WorkingCalendar(zone="Europe/Paris", weekly=[["02:30-04:00"]] * 7)
    assert gap.working_intervals(
        datetime(2025, 3, 30, tzinfo=UTC), datetime(2025, 3, 31, tzinfo=UTC)
    ) == [(datetime(2025, 3, 30, 1, tzinfo=UTC), datetime(2025, 3, 30, 2, tzinfo=UTC))]
    # an ambiguous start takes its first occurrence, an ambiguous end its last
    autumn = (datetime(2025, 10, 25, 12, tzinfo=UTC), datetime(2025, 10, 26, 12, tzinfo=UTC))
    assert gap.working_intervals(*autumn) == [
        (datetime(2025, 10, 26, 0, 30, tzinfo=UTC), datetime(2025, 10, 26, 3, tzinfo=UTC))
    ]
    ends = WorkingCalendar(zone="Europe/Paris", weekly=[["01:00-02:30"]] * 7)
    assert ends.working_intervals(*autumn) == [
        (datetime(2025, 10, 25, 23, tzinfo=UTC), datetime(2025, 10, 26, 1, 30, tzinfo=UTC))
    ]
    # a slot wholly inside the gap has no working time that night
    lost = WorkingCalendar(zone="Europe/Paris", weekly=[["02:15-02:45"]] * 7)
    assert lost.elapsed(
        datetime(2025, 3, 29, 12, tzinfo=UTC), datetime(2025, 3, 30, 12, tzinfo=UTC)
    ) == timedelta(0)
    assert not lost.is_closed(date(2025, 3, 30))  # closed days follow the rules, not the clock


def test_touching_slots_on_a_fall_back_night_count_their_union_once() -> None:
    calendar = WorkingCalendar(zone="Europe/Paris", weekly=[["00:00-02:30", "02:30-04:00"]] * 7)
    night = (datetime(2025, 10, 25, 12, tzinfo=UTC), datetime(2025, 10, 26, 12, tzinfo=UTC))
    assert calendar.working_intervals(*night) == [
        (datetime(2025, 10, 25, 22, tzinfo=UTC), datetime(2025, 10, 26, 3, tzinfo=UTC))
    ]
    assert calendar.elapsed(*night) == 5 * H


def test_a_skipped_day_has_no_working_time() -> None:
    apia = WorkingCalendar(zone="Pacific/Apia", weekly=[["08:00-17:00"]] * 7)
    tz = ZoneInfo("Pacific/Apia")
    start = datetime(2011, 12, 29, 0, tzinfo=tz)
    end = datetime(2011, 12, 31, 23, tzinfo=tz)
    assert apia.elapsed(start, end) == 18 * H  # Dec 29 and Dec 31; Dec 30 never happened
    assert apia.deadline(datetime(2011, 12, 29, 16, tzinfo=tz), 2 * H) == datetime(
        2011, 12, 31, 9, tzinfo=tz
    )


def test_half_hour_offsets() -> None:
    kolkata = WorkingCalendar.standard("Asia/Kolkata", slots=["09:30-18:00"])
    monday = datetime(2025, 4, 28, 4, tzinfo=UTC)  # 09:30 in Kolkata
    assert kolkata.next_working_instant(monday - H) == monday
    assert kolkata.deadline(monday, 8 * H + 30 * M) == datetime(2025, 4, 28, 12, 30, tzinfo=UTC)


# ------------------------------------------------------ overnight, exceptions


def test_overnight_slots_belong_to_the_date_they_start_on() -> None:
    nights = WorkingCalendar(
        zone="Europe/Paris",
        weekly=[["22:00-06:00"]] * 5 + [[], []],
        holidays=[date(2025, 5, 2), date(2025, 5, 10)],  # a Friday, and a Saturday
    )
    # Fri May 2 is a holiday: the shift that starts on it is closed, also on Saturday morning
    assert not nights.is_working(paris(2, 23, month=5))
    assert not nights.is_working(paris(3, 2, month=5))
    # Thursday's shift still runs into the holiday's morning
    assert nights.is_working(paris(2, 5, month=5))
    # Fri May 9's shift runs into the Saturday holiday: that holiday closes nothing
    assert nights.is_working(paris(10, 3, month=5))
    assert nights.closures(paris(9, 12, month=5), paris(11, 12, month=5)) == [
        (date(2025, 5, 10), "holiday"),
        (date(2025, 5, 11), "no slots"),
    ]


def test_exceptions_open_a_saturday_and_make_a_half_day() -> None:
    calendar = WorkingCalendar(
        zone="Europe/Paris",
        weekly=[["08:00-12:00", "13:00-17:00"]] * 5 + [[], []],
        exceptions={
            date(2025, 12, 20): ["09:00-13:00"],  # a Saturday opened
            date(2025, 12, 24): ["08:00-12:00"],  # Christmas Eve, a half day
            date(2025, 12, 26): [],  # a Friday closed by exception
        },
        holidays=[date(2025, 12, 25)],
    )
    tz = PARIS
    friday = datetime(2025, 12, 19, 16, tzinfo=tz)
    assert calendar.deadline(friday, 3 * H) == datetime(2025, 12, 20, 11, tzinfo=tz)
    assert (
        calendar.elapsed(datetime(2025, 12, 24, tzinfo=tz), datetime(2025, 12, 29, tzinfo=tz))
        == 4 * H
    )
    assert calendar.deadline(datetime(2025, 12, 24, 11, tzinfo=tz), 2 * H) == datetime(
        2025, 12, 29, 9, tzinfo=tz
    )
    assert calendar.slots_on(date(2025, 12, 24)) == (Slot(time(8), time(12)),)
    assert calendar.closures(
        datetime(2025, 12, 20, tzinfo=tz), datetime(2025, 12, 28, tzinfo=tz)
    ) == [
        (date(2025, 12, 21), "no slots"),
        (date(2025, 12, 25), "holiday"),
        (date(2025, 12, 26), "exception"),
        (date(2025, 12, 27), "no slots"),
    ]


# --------------------------------------------------------------- other queries


def test_working_intervals_clip_merge_and_are_utc() -> None:
    split = WorkingCalendar.standard(
        "Europe/Paris", slots=["08:00-12:00", "12:00-13:00", "14:00-17:00"]
    )
    found = split.working_intervals(paris(28, 9), paris(29, 9))
    assert found == [
        (paris(28, 9), paris(28, 13)),
        (paris(28, 14), paris(28, 17)),
        (paris(29, 8), paris(29, 9)),
    ]
    assert all(a.tzinfo is UTC and b.tzinfo is UTC for a, b in found)
    assert split.working_intervals(paris(28, 9), paris(28, 9)) == []
    assert split.working_intervals(paris(28, 18), paris(29, 7)) == []


def test_working_intervals_across_new_year_are_one_interval() -> None:
    always = round_the_clock("Europe/Paris")
    start = datetime(2025, 12, 31, 20, tzinfo=PARIS)
    assert always.working_intervals(start, start + 8 * H) == [(start, start + 8 * H)]
    assert always.deadline(start, 8 * H) == start + 8 * H
    assert always.elapsed(start - 48 * H, start + 48 * H) == 96 * H


def test_an_overnight_slot_runs_into_the_new_year() -> None:
    nights = WorkingCalendar(zone="Europe/Paris", weekly=[["22:00-06:00"]] * 5 + [[], []])
    eve = datetime(2025, 12, 31, 22, tzinfo=PARIS)  # a Wednesday
    assert nights.is_working(datetime(2026, 1, 1, 3, tzinfo=PARIS))
    assert nights.elapsed(eve, eve + 12 * H) == 8 * H
    assert nights.deadline(eve, 7 * H) == datetime(2026, 1, 1, 5, tzinfo=PARIS)
    assert nights.working_intervals(eve, eve + 12 * H) == [(eve, eve + 8 * H)]


def test_a_deadline_on_the_last_closing_time_of_a_year(office: WorkingCalendar) -> None:
    start = datetime(2024, 12, 31, 8, tzinfo=PARIS)
    last_closing = datetime(2025, 12, 31, 17, tzinfo=PARIS)
    whole = office.elapsed(start, last_closing)
    assert whole == 9 * H * (1 + 261 - 1)  # Dec 31, 2024, then 2025's weekdays but May Day
    assert office.deadline(start, whole) == last_closing
    assert office.deadlines([start], whole) == [last_closing]
    assert office.deadline(start, whole + timedelta(microseconds=1)) == datetime(
        2026, 1, 1, 8, tzinfo=PARIS
    ) + timedelta(microseconds=1)


def test_closures_name_why(office: WorkingCalendar) -> None:
    assert office.closures(paris(28, 12), paris(5, 12, month=5)) == [
        (date(2025, 5, 1), "holiday"),
        (date(2025, 5, 3), "no slots"),
        (date(2025, 5, 4), "no slots"),
    ]
    assert office.closures(paris(3, 12, month=5), paris(3, 12, month=5)) == []
    assert office.closures(paris(3, 12, month=5), paris(4, 0, month=5)) == [
        (date(2025, 5, 3), "no slots")
    ]


def test_is_closed_implements_the_closed_days_port(office: WorkingCalendar) -> None:
    assert isinstance(office, ClosedDays)
    port: ClosedDays = office
    assert port.is_closed(MAY_DAY)
    assert port.is_closed(date(2025, 5, 3))
    assert not port.is_closed(date(2025, 5, 2))


class ListedHolidays:
    """A host's holiday source: a plain list, returned whole (out-of-range dates too)."""

    def __init__(self, days: Iterable[date]) -> None:
        self.days = list(days)
        self.asked: list[tuple[date, date]] = []

    def holidays_between(self, first: date, last: date) -> list[date]:
        self.asked.append((first, last))
        return self.days


def test_with_holidays_reads_a_host_source_once(office: WorkingCalendar) -> None:
    source = ListedHolidays([date(2025, 5, 8), date(2025, 5, 29), date(2026, 1, 1)])
    assert isinstance(source, HolidayCalendar)
    fed = office.with_holidays(source, date(2025, 1, 1), date(2025, 12, 31))
    assert source.asked == [(date(2025, 1, 1), date(2025, 12, 31))]
    assert fed.holidays == {MAY_DAY, date(2025, 5, 8), date(2025, 5, 29)}
    assert office.holidays == {MAY_DAY}  # a new value; the old one is unchanged
    assert fed.deadline(paris(7, 16, month=5), 2 * H) == paris(9, 9, month=5)
    expect_error(
        InvalidPeriodError,
        "last",
        lambda: office.with_holidays(source, date(2025, 2, 1), date(2025, 1, 1)),
    )
    expect_error(
        TypeMismatchError,
        "first",
        lambda: office.with_holidays(source, "2025-01-01", date(2025, 1, 1)),  # type: ignore[arg-type]
    )
    bad = ListedHolidays(["2025-05-08"])  # type: ignore[list-item]
    expect_error(
        InvalidCalendarError,
        "holidays",
        lambda: office.with_holidays(bad, date(2025, 1, 1), date(2025, 12, 31)),
    )


# ---------------------------------------------------------------- termination


def test_S7_a_search_past_the_horizon_raises() -> None:
    closed = {date(2025, 1, 1) + timedelta(days=i) for i in range(800)}
    shut = WorkingCalendar.standard("Europe/Paris", holidays=closed, id="SHUT")
    start = datetime(2025, 1, 1, tzinfo=PARIS)
    # 800 closed days (2 whole years with no working time) are crossed quickly ...
    assert shut.next_working_instant(start) == datetime(2027, 3, 12, 8, tzinfo=PARIS)
    # ... but not past a shorter horizon
    short = attrs.evolve(shut, horizon_days=365)
    for query in (
        lambda: short.deadline(start, H),
        lambda: short.deadline(start, timedelta(0)),
        lambda: short.next_working_instant(start),
        lambda: short.deadlines([start], H),
    ):
        error = expect_error(InvalidCalendarError, "horizon", query)
        assert error.value == 365
        assert "SHUT" in str(error)
    # a deadline just beyond the horizon, with working time in between
    office = attrs.evolve(WorkingCalendar.standard("Europe/Paris"), horizon_days=7)
    assert office.deadline(paris(28, 8), 45 * H) == paris(2, 17, month=5)
    expect_error(InvalidCalendarError, "horizon", lambda: office.deadline(paris(28, 8), 46 * H))
    expect_error(InvalidCalendarError, "horizon", lambda: office.deadlines([paris(28, 8)], 46 * H))


def test_S7_the_last_supported_year_is_a_horizon_not_a_crash() -> None:
    office = attrs.evolve(WorkingCalendar.standard("UTC"), horizon_days=10_000)
    start = datetime(9998, 12, 1, tzinfo=UTC)
    expect_error(InvalidCalendarError, "horizon", lambda: office.deadline(start, 500 * H))


# --------------------------------------------------------------- batch form


def test_batch_deadlines_equal_one_at_a_time_over_several_years(office: WorkingCalendar) -> None:
    rng = random.Random(5)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    starts = [
        (base + timedelta(seconds=rng.randrange(3 * 365 * 86400))).astimezone(PARIS)
        for _ in range(2000)
    ]
    starts += [paris(30, 17), paris(28, 8), datetime(2025, 12, 31, 23, tzinfo=PARIS)]
    for duration in (timedelta(0), timedelta(microseconds=1), 8 * H, 200 * H):
        assert office.deadlines(starts, duration) == [office.deadline(s, duration) for s in starts]
    assert office.deadlines([], H) == []
    # any iterable of instants, in zones other than the calendar's
    utc_starts = (s.astimezone(UTC) for s in starts[:50])
    assert office.deadlines(list(utc_starts), H) == [office.deadline(s, H) for s in starts[:50]]


def test_elapsed_on_the_first_year_table_refuses_instants_before_the_first_day() -> None:
    # The fast path of elapsed answers from the year table last used; the table of the
    # first year starts before the first instant a calendar takes, which stays refused.
    calendar = WorkingCalendar.standard("UTC", weekdays=range(7))
    assert calendar.is_working(datetime(2, 1, 3, 9, tzinfo=UTC))
    early = datetime(2, 1, 1, 12, tzinfo=UTC)
    expect_error(
        InvalidInputError, "start", lambda: calendar.elapsed(early, datetime(2, 1, 3, tzinfo=UTC))
    )
    assert calendar.elapsed(datetime(2, 1, 3, tzinfo=UTC), datetime(2, 1, 4, tzinfo=UTC)) == (
        timedelta(hours=9)
    )
