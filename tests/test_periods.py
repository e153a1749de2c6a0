"""Periods: pinned examples (regressions from other billing systems) and bad inputs."""

from __future__ import annotations

import pickle
from datetime import date, datetime
from typing import Any

import pendulum
import pytest
from dateutil.relativedelta import relativedelta

from servicedomain import ServiceDomainError
from servicedomain.errors import InvalidPeriodError, InvalidScheduleError, TypeMismatchError
from servicedomain.periods import (
    DAILY,
    HALF_YEARLY,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    Alignment,
    DateRange,
    PeriodCode,
    PeriodUnit,
    Schedule,
)


def d(text: str) -> date:
    return date.fromisoformat(text)


def r(start: str, end: str) -> DateRange:
    return DateRange(d(start), d(end))


def assert_names_field(error: ServiceDomainError, field: str) -> None:
    assert isinstance(error, ServiceDomainError)
    assert getattr(error, "field", None) == field
    assert field in str(error)


def starts(schedule: Schedule, count: int) -> list[str]:
    return [schedule.period(k).start.isoformat() for k in range(count)]


# -------------------------------------------------------------------------- DateRange


def test_a_range_is_half_open() -> None:
    january = r("2024-01-01", "2024-02-01")
    assert january.days == 31
    assert january.last == d("2024-01-31")
    assert d("2024-01-01") in january
    assert d("2024-01-31") in january
    assert d("2024-02-01") not in january
    assert d("2023-12-31") not in january
    assert str(january) == "[2024-01-01, 2024-02-01)"


def test_inclusive_gives_back_the_dates_people_typed() -> None:
    one_day = DateRange.inclusive(d("2024-02-29"), d("2024-02-29"))
    assert one_day == r("2024-02-29", "2024-03-01")
    assert one_day.days == 1
    assert one_day.last == d("2024-02-29")
    assert DateRange.inclusive(d("2024-01-01"), d("2024-12-31")).days == 366


def test_ranges_are_values() -> None:
    assert r("2024-01-01", "2024-02-01") == r("2024-01-01", "2024-02-01")
    assert len({r("2024-01-01", "2024-02-01"), r("2024-01-01", "2024-02-01")}) == 1
    assert r("2024-01-01", "2024-02-01") != r("2024-01-01", "2024-02-02")
    january = r("2024-01-01", "2024-02-01")
    assert pickle.loads(pickle.dumps(january)) == january


def test_covers_and_overlaps() -> None:
    year = r("2024-01-01", "2025-01-01")
    january = r("2024-01-01", "2024-02-01")
    february = r("2024-02-01", "2024-03-01")
    assert year.covers(january)
    assert year.covers(year)
    assert not january.covers(year)
    assert not year.covers(r("2024-12-01", "2025-01-02"))
    assert not january.overlaps(february)  # touching is not overlapping
    assert not february.overlaps(january)
    assert january.overlaps(r("2024-01-31", "2024-02-02"))
    assert year.overlaps(january)


def test_intersection() -> None:
    january = r("2024-01-01", "2024-02-01")
    assert january.intersection(r("2024-01-20", "2024-03-01")) == r("2024-01-20", "2024-02-01")
    assert january.intersection(r("2023-01-01", "2025-01-01")) == january
    assert january.intersection(r("2024-02-01", "2024-03-01")) is None
    assert january.intersection(r("2024-03-01", "2024-04-01")) is None


def test_split_at_cuts_inside_and_ignores_the_edges_and_repeats() -> None:
    january = r("2024-01-01", "2024-02-01")
    pieces = january.split_at(d("2024-01-20"), d("2024-01-10"), d("2024-01-01"), d("2024-02-01"))
    assert pieces == (
        r("2024-01-01", "2024-01-10"),
        r("2024-01-10", "2024-01-20"),
        r("2024-01-20", "2024-02-01"),
    )
    assert january.split_at(d("2024-01-10"), d("2024-01-10")) == (
        r("2024-01-01", "2024-01-10"),
        r("2024-01-10", "2024-02-01"),
    )
    assert january.split_at() == (january,)
    assert january.split_at(d("2024-01-01")) == (january,)
    assert sum(piece.days for piece in pieces) == january.days


def test_tiling() -> None:
    quarter = r("2024-01-01", "2024-04-01")
    months = [
        r("2024-03-01", "2024-04-01"),
        r("2024-01-01", "2024-02-01"),
        r("2024-02-01", "2024-03-01"),
    ]
    assert quarter.is_tiled_by(months)
    assert quarter.is_tiled_by(iter(months))  # any iterable, consumed once
    quarter.check_tiled_by(months)
    assert quarter.is_tiled_by([quarter])
    assert not quarter.is_tiled_by([])
    assert not quarter.is_tiled_by(months[:2])
    assert not quarter.is_tiled_by([*months, r("2024-02-15", "2024-02-16")])
    assert not quarter.is_tiled_by([*months, r("2024-04-01", "2024-04-02")])


@pytest.mark.parametrize(
    ("parts", "field", "value", "words"),
    [
        # a gap in the middle: the uncovered range is named
        (
            [("2024-01-01", "2024-02-01"), ("2024-03-01", "2024-04-01")],
            "parts",
            ("2024-02-01", "2024-03-01"),
            "no part covers [2024-02-01, 2024-03-01)",
        ),
        # a gap at the end
        ([("2024-01-01", "2024-03-15")], "parts", ("2024-03-15", "2024-04-01"), "no part covers"),
        # nothing at all
        ([], "parts", ("2024-01-01", "2024-04-01"), "no part covers [2024-01-01, 2024-04-01)"),
        # the second part given overlaps the first (in date order)
        (
            [("2024-02-01", "2024-04-01"), ("2024-01-01", "2024-02-02")],
            "parts[0]",
            ("2024-02-01", "2024-04-01"),
            "overlaps",
        ),
        # a part sticks out before the start
        (
            [("2023-12-01", "2024-02-01"), ("2024-02-01", "2024-04-01")],
            "parts[0]",
            ("2023-12-01", "2024-02-01"),
            "outside",
        ),
        # a part sticks out after the end
        (
            [("2024-01-01", "2024-02-01"), ("2024-02-01", "2024-04-02")],
            "parts[1]",
            ("2024-02-01", "2024-04-02"),
            "outside",
        ),
    ],
)
def test_check_tiled_by_names_the_first_problem(
    parts: list[tuple[str, str]], field: str, value: tuple[str, str], words: str
) -> None:
    quarter = r("2024-01-01", "2024-04-01")
    ranges = [r(*part) for part in parts]
    with pytest.raises(InvalidPeriodError) as caught:
        quarter.check_tiled_by(ranges)
    assert_names_field(caught.value, field)
    assert caught.value.value == r(*value)
    assert words in caught.value.reason
    assert not quarter.is_tiled_by(ranges)


# ------------------------------------------------------------------------- PeriodCode


@pytest.mark.parametrize(
    ("code", "unit", "count"),
    [
        (PeriodCode(PeriodUnit.MONTH, 3), PeriodUnit.QUARTER, 1),
        (PeriodCode(PeriodUnit.MONTH, 6), PeriodUnit.HALF_YEAR, 1),
        (PeriodCode(PeriodUnit.MONTH, 12), PeriodUnit.YEAR, 1),
        (PeriodCode(PeriodUnit.MONTH, 18), PeriodUnit.HALF_YEAR, 3),
        (PeriodCode(PeriodUnit.MONTH, 9), PeriodUnit.QUARTER, 3),
        (PeriodCode(PeriodUnit.MONTH, 5), PeriodUnit.MONTH, 5),
        (PeriodCode(PeriodUnit.QUARTER, 4), PeriodUnit.YEAR, 1),
        (PeriodCode(PeriodUnit.QUARTER, 2), PeriodUnit.HALF_YEAR, 1),
        (PeriodCode(PeriodUnit.HALF_YEAR, 4), PeriodUnit.YEAR, 2),
        (PeriodCode(PeriodUnit.DAY, 14), PeriodUnit.WEEK, 2),
        (PeriodCode(PeriodUnit.DAY, 10), PeriodUnit.DAY, 10),
        (PeriodCode(PeriodUnit.WEEK, 1), PeriodUnit.WEEK, 1),
    ],
)
def test_codes_are_normalised(code: PeriodCode, unit: PeriodUnit, count: int) -> None:
    assert code.unit is unit
    assert code.count == count
    assert code == PeriodCode(unit, count)
    assert hash(code) == hash(PeriodCode(unit, count))


def test_normalisation_makes_equal_lengths_equal() -> None:
    assert PeriodCode(PeriodUnit.MONTH, 3) == QUARTERLY
    assert PeriodCode(PeriodUnit.MONTH, 12) == YEARLY == PeriodCode(PeriodUnit.QUARTER, 4)
    assert PeriodCode(PeriodUnit.DAY, 7) == WEEKLY
    assert PeriodCode(PeriodUnit.MONTH, 1) != PeriodCode(PeriodUnit.DAY, 30)
    assert PeriodCode(PeriodUnit.YEAR, 1) != PeriodCode(PeriodUnit.DAY, 365)
    assert len({QUARTERLY, PeriodCode(PeriodUnit.MONTH, 3), MONTHLY}) == 2


@pytest.mark.parametrize(
    ("text", "iso", "months", "days"),
    [
        ("P1D", "P1D", 0, 1),
        ("P7D", "P1W", 0, 7),
        ("P2W", "P2W", 0, 14),
        ("P10D", "P10D", 0, 10),
        ("P1M", "P1M", 1, 0),
        ("P3M", "P3M", 3, 0),
        ("P6M", "P6M", 6, 0),
        ("P12M", "P1Y", 12, 0),
        ("P1Y", "P1Y", 12, 0),
        ("P18M", "P18M", 18, 0),
        ("P1Y6M", "P18M", 18, 0),
        ("P2Y", "P2Y", 24, 0),
        ("P1M0D", "P1M", 1, 0),
    ],
)
def test_parse_and_iso(text: str, iso: str, months: int, days: int) -> None:
    code = PeriodCode.parse(text)
    assert code.iso == iso
    assert str(code) == iso
    assert code.months == months
    assert code.days == days
    assert code.is_month_based is (months > 0)
    assert PeriodCode.parse(code.iso) == code


def test_constants_have_their_canonical_iso() -> None:
    codes = [DAILY, WEEKLY, MONTHLY, QUARTERLY, HALF_YEARLY, YEARLY]
    assert [code.iso for code in codes] == ["P1D", "P1W", "P1M", "P3M", "P6M", "P1Y"]
    assert [code.unit.value for code in codes] == [
        "day",
        "week",
        "month",
        "quarter",
        "half_year",
        "year",
    ]


# ------------------------------------------------------------- stepping (laws C1, C3)


def test_killbill_127_billing_day_31_still_bills_april_30() -> None:
    anchor = d("2024-01-31")
    assert [MONTHLY.step(anchor, k).isoformat() for k in range(5)] == [
        "2024-01-31",
        "2024-02-29",
        "2024-03-31",
        "2024-04-30",
        "2024-05-31",
    ]
    assert MONTHLY.step(d("2023-01-31"), 1) == d("2023-02-28")
    assert starts(Schedule(MONTHLY, d("2023-01-31")), 4) == [
        "2023-01-31",
        "2023-02-28",
        "2023-03-31",
        "2023-04-30",
    ]


def test_feb_29_yearly_anchor_clamps_in_common_years_only() -> None:
    anchor = d("2024-02-29")
    assert YEARLY.step(anchor, 1) == d("2025-02-28")
    assert YEARLY.step(anchor, 3) == d("2027-02-28")
    assert YEARLY.step(anchor, 4) == d("2028-02-29")
    assert YEARLY.step(anchor, -24) == d("2000-02-29")  # 2000 was a leap year
    assert YEARLY.step(anchor, -124) == d("1900-02-28")  # 1900 was not
    assert YEARLY.step(d("2096-02-29"), 4) == d("2100-02-28")  # 2100 is not a leap year
    assert YEARLY.step(d("2096-02-29"), 8) == d("2104-02-29")
    assert YEARLY.step(d("1996-02-29"), 4) == d("2000-02-29")


def test_lago_1840_anchor_30_in_a_leap_year() -> None:
    schedule = Schedule(MONTHLY, d("2024-01-30"))
    assert starts(schedule, 4) == ["2024-01-30", "2024-02-29", "2024-03-30", "2024-04-30"]
    assert schedule.period(1) == r("2024-02-29", "2024-03-30")
    assert schedule.period(1).days == 30


def test_dateutil_53_three_months_at_once_is_not_three_single_months() -> None:
    anchor = d("2023-12-31")
    chained = anchor
    for _ in range(3):
        chained = chained + relativedelta(months=1)
    assert chained == d("2024-03-29")  # the bug we must not repeat: the clamp sticks
    assert MONTHLY.step(anchor, 3) == d("2024-03-31")
    assert QUARTERLY.step(anchor, 1) == d("2024-03-31")
    assert MONTHLY.step(d("2022-12-31"), 3) == d("2023-03-31")


def test_steps_go_backwards_from_the_anchor_too() -> None:
    assert MONTHLY.step(d("2024-03-31"), -1) == d("2024-02-29")
    assert MONTHLY.step(d("2024-03-31"), -2) == d("2024-01-31")
    assert WEEKLY.step(d("2024-01-08"), -1) == d("2024-01-01")
    assert PeriodCode(PeriodUnit.DAY, 10).step(d("2024-01-01"), 3) == d("2024-01-31")


def test_stepping_accepts_a_pendulum_date() -> None:
    assert MONTHLY.step(pendulum.date(2024, 1, 31), 1) == d("2024-02-29")


def test_stepping_past_year_9999_is_a_schedule_error() -> None:
    with pytest.raises(InvalidScheduleError) as caught:
        YEARLY.step(d("9999-06-01"), 1)
    assert_names_field(caught.value, "k")
    with pytest.raises(InvalidScheduleError) as caught:
        DAILY.step(d("2024-01-01"), 10**30)
    assert_names_field(caught.value, "k")
    with pytest.raises(InvalidScheduleError) as caught:
        Schedule(YEARLY, d("9999-01-01")).period(0)
    assert_names_field(caught.value, "k")
    with pytest.raises(InvalidScheduleError) as caught:
        Schedule(YEARLY, d("9999-06-01"), Alignment.CALENDAR)  # the next Jan 1 is year 10000
    assert_names_field(caught.value, "anchor")


# --------------------------------------------------------------------------- Schedule


def test_anchored_schedule() -> None:
    schedule = Schedule(QUARTERLY, d("2024-01-31"))
    assert schedule.period(0) == r("2024-01-31", "2024-04-30")
    assert schedule.period(1) == r("2024-04-30", "2024-07-31")
    assert schedule.period(4) == r("2025-01-31", "2025-04-30")
    assert schedule.index_of(d("2024-01-31")) == 0
    assert schedule.index_of(d("2024-04-29")) == 0
    assert schedule.index_of(d("2024-04-30")) == 1
    assert schedule.period_containing(d("2024-07-30")) == r("2024-04-30", "2024-07-31")
    assert schedule.is_boundary(d("2024-04-30"))
    assert not schedule.is_boundary(d("2024-05-01"))
    assert not schedule.is_boundary(d("2023-10-31"))  # before the anchor: never


def test_calendar_quarters_with_a_first_stub() -> None:
    schedule = Schedule(QUARTERLY, d("2024-02-15"), Alignment.CALENDAR)
    assert [schedule.period(k) for k in range(4)] == [
        r("2024-02-15", "2024-04-01"),
        r("2024-04-01", "2024-07-01"),
        r("2024-07-01", "2024-10-01"),
        r("2024-10-01", "2025-01-01"),
    ]
    assert schedule.index_of(d("2024-02-15")) == 0
    assert schedule.index_of(d("2024-03-31")) == 0
    assert schedule.index_of(d("2024-04-01")) == 1
    assert schedule.index_of(d("2025-01-01")) == 4
    assert schedule.is_boundary(d("2024-02-15"))
    assert schedule.is_boundary(d("2025-01-01"))
    assert not schedule.is_boundary(d("2024-02-01"))


def test_calendar_schedule_anchored_on_a_boundary_has_no_stub() -> None:
    schedule = Schedule(QUARTERLY, d("2024-04-01"), Alignment.CALENDAR)
    assert schedule.period(0) == r("2024-04-01", "2024-07-01")
    assert schedule.period(1) == r("2024-07-01", "2024-10-01")
    # the 1st of a month that starts no quarter is not a boundary: a stub again
    stub = Schedule(QUARTERLY, d("2024-05-01"), Alignment.CALENDAR)
    assert stub.period(0) == r("2024-05-01", "2024-07-01")


@pytest.mark.parametrize(
    ("code", "anchor", "first", "second"),
    [
        (MONTHLY, "2024-01-31", ("2024-01-31", "2024-02-01"), ("2024-02-01", "2024-03-01")),
        (HALF_YEARLY, "2024-03-10", ("2024-03-10", "2024-07-01"), ("2024-07-01", "2025-01-01")),
        (YEARLY, "2024-02-29", ("2024-02-29", "2025-01-01"), ("2025-01-01", "2026-01-01")),
        (
            PeriodCode(PeriodUnit.MONTH, 2),
            "2024-02-10",
            ("2024-02-10", "2024-03-01"),
            ("2024-03-01", "2024-05-01"),
        ),
        (
            PeriodCode(PeriodUnit.MONTH, 4),
            "2024-06-30",
            ("2024-06-30", "2024-09-01"),
            ("2024-09-01", "2025-01-01"),
        ),
        (DAILY, "2024-02-29", ("2024-02-29", "2024-03-01"), ("2024-03-01", "2024-03-02")),
    ],
)
def test_calendar_alignment_for_each_code(
    code: PeriodCode, anchor: str, first: tuple[str, str], second: tuple[str, str]
) -> None:
    schedule = Schedule(code, d(anchor), Alignment.CALENDAR)
    assert schedule.period(0) == r(*first)
    assert schedule.period(1) == r(*second)


def test_calendar_weeks_are_iso_weeks() -> None:
    # 2024-01-03 is a Wednesday; ISO week 2 of 2024 starts on Monday 2024-01-08
    schedule = Schedule(WEEKLY, d("2024-01-03"), Alignment.CALENDAR)
    assert schedule.period(0) == r("2024-01-03", "2024-01-08")
    assert schedule.period(1) == r("2024-01-08", "2024-01-15")
    assert schedule.period(1).start.isocalendar()[1:] == (2, 1)
    assert schedule.index_of(d("2024-01-14")) == 1
    assert schedule.index_of(d("2024-12-30")) == 52  # Monday of ISO week 1 of 2025
    on_monday = Schedule(WEEKLY, d("2024-01-01"), Alignment.CALENDAR)
    assert on_monday.period(0) == r("2024-01-01", "2024-01-08")
    # an anchored weekly schedule keeps the anchor's weekday
    assert Schedule(WEEKLY, d("2024-01-03")).period(1) == r("2024-01-10", "2024-01-17")


def test_periods_within_a_range_are_whole_and_in_order() -> None:
    schedule = Schedule(MONTHLY, d("2024-01-15"))
    within = r("2024-02-01", "2024-03-20")
    assert list(schedule.periods(within)) == [
        r("2024-01-15", "2024-02-15"),
        r("2024-02-15", "2024-03-15"),
        r("2024-03-15", "2024-04-15"),
    ]
    # a range ending on a boundary does not reach into the next period
    assert list(schedule.periods(r("2024-02-15", "2024-03-15"))) == [r("2024-02-15", "2024-03-15")]
    # a range starting before the anchor starts at period 0
    assert next(iter(schedule.periods(r("2023-01-01", "2024-01-16")))) == schedule.period(0)
    # a range wholly before the anchor has no period
    assert list(schedule.periods(r("2023-01-01", "2024-01-15"))) == []


def test_periods_far_from_the_anchor_are_found_directly() -> None:
    schedule = Schedule(DAILY, d("0001-01-01"))
    found = list(schedule.periods(r("9999-12-01", "9999-12-03")))
    assert found == [r("9999-12-01", "9999-12-02"), r("9999-12-02", "9999-12-03")]


@pytest.mark.parametrize(
    "data",
    [
        {"period_code": "P1M", "anchor": "2024-01-31", "alignment": "anchored"},
        {"period_code": "P3M", "anchor": "2024-02-15", "alignment": "calendar"},
        {"period_code": "P1W", "anchor": "2024-01-03", "alignment": "calendar"},
        {"period_code": "P18M", "anchor": "2024-02-29", "alignment": "anchored"},
    ],
)
def test_from_dict_and_to_dict_round_trip(data: dict[str, str]) -> None:
    schedule = Schedule.from_dict(data)
    assert schedule.to_dict() == data
    assert Schedule.from_dict(schedule.to_dict()) == schedule


def test_from_dict_normalises_and_defaults() -> None:
    schedule = Schedule.from_dict({"period_code": "P12M", "anchor": "2024-02-29"})
    assert schedule == Schedule(YEARLY, d("2024-02-29"), Alignment.ANCHORED)
    assert schedule.to_dict() == {
        "period_code": "P1Y",
        "anchor": "2024-02-29",
        "alignment": "anchored",
    }
    # TOML gives dates as dates
    toml_like = Schedule.from_dict({"period_code": "P1M", "anchor": d("2024-01-31")})
    assert toml_like.anchor == d("2024-01-31")


def test_schedules_are_values() -> None:
    first = Schedule(QUARTERLY, d("2024-02-15"), Alignment.CALENDAR)
    second = Schedule(PeriodCode(PeriodUnit.MONTH, 3), d("2024-02-15"), Alignment.CALENDAR)
    assert first == second
    assert hash(first) == hash(second)
    assert first != Schedule(QUARTERLY, d("2024-02-15"))


# ------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (datetime(2024, 1, 1), date(2024, 2, 1), "start"),  # noqa: DTZ001
        (date(2024, 1, 1), datetime(2024, 2, 1), "end"),  # noqa: DTZ001
        ("2024-01-01", date(2024, 2, 1), "start"),
        (date(2024, 1, 1), None, "end"),
    ],
)
def test_a_range_of_non_dates_is_a_type_mismatch(start: Any, end: Any, field: str) -> None:
    with pytest.raises(TypeMismatchError) as caught:
        DateRange(start, end)
    assert_names_field(caught.value, field)
    assert isinstance(caught.value, TypeError)


@pytest.mark.parametrize("end", [date(2024, 1, 1), date(2023, 12, 31)])
def test_an_empty_or_inverted_range_is_refused(end: date) -> None:
    with pytest.raises(InvalidPeriodError) as caught:
        DateRange(date(2024, 1, 1), end)
    assert_names_field(caught.value, "end")
    assert isinstance(caught.value, ValueError)


def test_inclusive_with_last_before_first_is_refused() -> None:
    with pytest.raises(InvalidPeriodError) as caught:
        DateRange.inclusive(d("2024-01-02"), d("2024-01-01"))
    assert_names_field(caught.value, "last")
    with pytest.raises(TypeMismatchError) as type_caught:
        DateRange.inclusive(datetime(2024, 1, 1), d("2024-01-01"))  # noqa: DTZ001
    assert_names_field(type_caught.value, "first")
    with pytest.raises(InvalidPeriodError) as caught:
        DateRange.inclusive(d("9999-12-31"), date.max)
    assert_names_field(caught.value, "last")


@pytest.mark.parametrize("day", [datetime(2024, 1, 5), "2024-01-05", None])  # noqa: DTZ001
def test_membership_of_a_non_date_is_a_type_mismatch(day: Any) -> None:
    with pytest.raises(TypeMismatchError) as caught:
        day in r("2024-01-01", "2024-02-01")  # noqa: B015
    assert_names_field(caught.value, "day")


@pytest.mark.parametrize("method", ["covers", "overlaps", "intersection"])
def test_range_operations_on_a_non_range_are_a_type_mismatch(method: str) -> None:
    with pytest.raises(TypeMismatchError) as caught:
        getattr(r("2024-01-01", "2024-02-01"), method)((d("2024-01-01"), d("2024-02-01")))
    assert_names_field(caught.value, "other")


@pytest.mark.parametrize(
    ("days", "field"),
    [
        ((date(2023, 12, 31),), "cuts[0]"),
        ((date(2024, 1, 10), date(2024, 2, 2)), "cuts[1]"),
    ],
)
def test_a_split_point_outside_the_range_is_refused(days: tuple[date, ...], field: str) -> None:
    with pytest.raises(InvalidPeriodError) as caught:
        r("2024-01-01", "2024-02-01").split_at(*days)
    assert_names_field(caught.value, field)


def test_a_split_point_that_is_not_a_date_is_a_type_mismatch() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        r("2024-01-01", "2024-02-01").split_at(datetime(2024, 1, 10))  # noqa: DTZ001
    assert_names_field(caught.value, "cuts[0]")


def test_tiling_with_non_ranges_is_a_type_mismatch() -> None:
    january = r("2024-01-01", "2024-02-01")
    with pytest.raises(TypeMismatchError) as caught:
        january.is_tiled_by([january, "2024-01"])  # type: ignore[list-item]
    assert_names_field(caught.value, "parts[1]")
    with pytest.raises(TypeMismatchError) as caught:
        january.check_tiled_by(42)  # type: ignore[arg-type]
    assert_names_field(caught.value, "parts")


@pytest.mark.parametrize("count", [0, -1, True, False, 1.5, "1", None])
def test_a_bad_count_is_refused(count: Any) -> None:
    with pytest.raises(InvalidScheduleError) as caught:
        PeriodCode(PeriodUnit.MONTH, count)
    assert_names_field(caught.value, "count")
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("unit", ["month", "P1M", 1, None])
def test_a_unit_that_is_not_a_period_unit_is_refused(unit: Any) -> None:
    with pytest.raises(InvalidScheduleError) as caught:
        PeriodCode(unit)
    assert_names_field(caught.value, "unit")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("PT1H", "time part"),
        ("P1DT0H", "time part"),
        ("P1.5D", "time part"),  # 1 day 12 hours
        ("P0M", "zero"),
        ("P0D", "zero"),
        ("P1M15D", "mixes"),
        ("P1Y2D", "mixes"),
        ("1M", "not an ISO-8601 duration"),
        ("P1W3D", "not an ISO-8601 duration"),  # pendulum refuses weeks with days
        ("p1m", "not an ISO-8601 duration"),
        ("-P1M", "not an ISO-8601 duration"),
        ("", "not an ISO-8601 duration"),
        ("2024-01-01", "not a duration"),
        (3, "duration string"),
        (None, "duration string"),
    ],
)
def test_parse_refuses_what_is_not_a_period_code(text: Any, words: str) -> None:
    with pytest.raises(InvalidScheduleError) as caught:
        PeriodCode.parse(text)
    assert_names_field(caught.value, "text")
    assert words in caught.value.reason


@pytest.mark.parametrize("anchor", [datetime(2024, 1, 1), "2024-01-01", None])  # noqa: DTZ001
def test_a_schedule_anchor_must_be_a_date(anchor: Any) -> None:
    with pytest.raises(TypeMismatchError) as caught:
        Schedule(MONTHLY, anchor)
    assert_names_field(caught.value, "anchor")


def test_step_arguments_are_checked() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        MONTHLY.step(datetime(2024, 1, 31), 1)  # noqa: DTZ001
    assert_names_field(caught.value, "anchor")
    for k in (True, 1.0, "1"):
        with pytest.raises(TypeMismatchError) as caught:
            MONTHLY.step(d("2024-01-31"), k)  # type: ignore[arg-type]
        assert_names_field(caught.value, "k")


@pytest.mark.parametrize(
    "code",
    [
        PeriodCode(PeriodUnit.MONTH, 5),
        PeriodCode(PeriodUnit.WEEK, 2),
        PeriodCode(PeriodUnit.MONTH, 18),
        PeriodCode(PeriodUnit.YEAR, 2),
        PeriodCode(PeriodUnit.DAY, 3),
    ],
)
def test_calendar_alignment_needs_calendar_boundaries(code: PeriodCode) -> None:
    with pytest.raises(InvalidScheduleError) as caught:
        Schedule(code, d("2024-01-01"), Alignment.CALENDAR)
    assert_names_field(caught.value, "alignment")
    assert Schedule(code, d("2024-01-01")).period(0).start == d("2024-01-01")  # anchored is fine


@pytest.mark.parametrize(
    ("field", "code", "alignment"),
    [
        ("alignment", MONTHLY, "calendar"),
        ("period_code", "P1M", Alignment.ANCHORED),
    ],
)
def test_schedule_parts_of_the_wrong_kind_are_refused(
    field: str, code: Any, alignment: Any
) -> None:
    with pytest.raises(InvalidScheduleError) as caught:
        Schedule(code, d("2024-01-01"), alignment)
    assert_names_field(caught.value, field)


@pytest.mark.parametrize("k", [-1, -100])
def test_a_negative_period_number_is_refused(k: int) -> None:
    with pytest.raises(InvalidScheduleError) as caught:
        Schedule(MONTHLY, d("2024-01-31")).period(k)
    assert_names_field(caught.value, "k")


def test_index_of_a_day_before_the_anchor_is_refused() -> None:
    schedule = Schedule(MONTHLY, d("2024-01-31"))
    with pytest.raises(InvalidPeriodError) as caught:
        schedule.index_of(d("2024-01-30"))
    assert_names_field(caught.value, "day")
    with pytest.raises(InvalidPeriodError) as caught:
        schedule.period_containing(d("2023-12-31"))
    assert_names_field(caught.value, "day")
    with pytest.raises(TypeMismatchError) as type_caught:
        schedule.index_of(datetime(2024, 2, 1))  # noqa: DTZ001
    assert_names_field(type_caught.value, "day")


def test_periods_within_a_non_range_is_a_type_mismatch() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        Schedule(MONTHLY, d("2024-01-31")).periods((d("2024-01-01"), d("2024-02-01")))  # type: ignore[arg-type]
    assert_names_field(caught.value, "within")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"period_code": "P1M", "anchor": "2024-02-30"}, "anchor"),
        ({"period_code": "P1M", "anchor": "2024-01-32"}, "anchor"),
        ({"period_code": "P1M", "anchor": "2024-13-01"}, "anchor"),
        ({"period_code": "P1M", "anchor": "20240131"}, "anchor"),
        ({"period_code": "P1M", "anchor": "2024-01-31T00:00:00"}, "anchor"),
        ({"period_code": "P1M", "anchor": 20240131}, "anchor"),
        ({"period_code": "P1M", "anchor": datetime(2024, 1, 31)}, "anchor"),  # noqa: DTZ001
        ({"period_code": "P1M"}, "anchor"),
        ({"anchor": "2024-01-31"}, "period_code"),
        ({"period_code": "P1M15D", "anchor": "2024-01-31"}, "period_code"),
        ({"period_code": 1, "anchor": "2024-01-31"}, "period_code"),
        ({"period_code": "P1M", "anchor": "2024-01-31", "alignment": "monthly"}, "alignment"),
        ({"period_code": "P1M", "anchor": "2024-01-31", "alignment": None}, "alignment"),
        ({"period_code": "P5M", "anchor": "2024-01-31", "alignment": "calendar"}, "alignment"),
        ({"period_code": "P1M", "anchor": "2024-01-31", "alignement": "calendar"}, "alignement"),
    ],
)
def test_from_dict_names_the_bad_key(data: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidScheduleError) as caught:
        Schedule.from_dict(data)
    assert_names_field(caught.value, field)


def test_from_dict_of_a_non_mapping_is_refused() -> None:
    with pytest.raises(InvalidScheduleError) as caught:
        Schedule.from_dict([("period_code", "P1M")])  # type: ignore[arg-type]
    assert_names_field(caught.value, "data")


def test_errors_survive_pickling() -> None:
    with pytest.raises(InvalidPeriodError) as caught:
        r("2024-01-02", "2024-01-01")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.field, copy.value, copy.reason) == ("end", d("2024-01-01"), caught.value.reason)


# --------------------------------------------------- the bulk and whole-period APIs


def test_schedule_boundaries_are_the_bounds_of_the_periods_within() -> None:
    months = Schedule(MONTHLY, d("2024-01-31"))
    assert months.boundaries(r("2024-02-01", "2024-04-01")) == [
        d("2024-01-31"),
        d("2024-02-29"),
        d("2024-03-31"),
        d("2024-04-30"),
    ]
    assert months.boundaries(r("2023-01-01", "2024-01-31")) == []


def test_schedule_boundaries_refuse_what_is_not_a_date_range() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        Schedule(MONTHLY, d("2024-01-31")).boundaries((d("2024-02-01"), d("2024-03-01")))  # type: ignore[arg-type]
    assert_names_field(caught.value, "within")


def test_schedule_starts_are_the_starts_of_the_periods_within() -> None:
    months = Schedule(MONTHLY, d("2024-01-31"))
    assert months.starts(r("2024-02-01", "2024-04-01")) == (
        d("2024-01-31"),
        d("2024-02-29"),
        d("2024-03-31"),
    )
    assert months.starts(r("2023-01-01", "2024-01-31")) == ()


def test_starts_for_gives_each_anchor_its_own_starts_month_ends_clamped() -> None:
    found = Schedule.starts_for(
        MONTHLY,
        [d("2024-01-31"), d("2024-03-15"), d("2024-05-01")],
        r("2024-02-10", "2024-05-01"),
    )
    assert found == [
        (d("2024-01-31"), d("2024-02-29"), d("2024-03-31"), d("2024-04-30")),
        (d("2024-03-15"), d("2024-04-15")),
        (),  # anchored on within.end: no period shares a day with within
    ]
    assert Schedule.starts_for(MONTHLY, [], r("2024-01-01", "2024-02-01")) == []


def test_starts_for_refuses_bad_anchors_naming_the_item() -> None:
    within = r("2024-01-01", "2024-02-01")
    with pytest.raises(TypeMismatchError) as caught:
        Schedule.starts_for(MONTHLY, [d("2024-01-31"), "2024-02-01"], within)  # type: ignore[list-item]
    assert_names_field(caught.value, "anchors[1]")
    with pytest.raises(TypeMismatchError) as caught:
        Schedule.starts_for(MONTHLY, "2024-01-31", within)  # type: ignore[arg-type]
    assert_names_field(caught.value, "anchors")
    with pytest.raises(InvalidScheduleError) as refused:
        Schedule.starts_for(PeriodCode(PeriodUnit.MONTH, 5), [], within, Alignment.CALENDAR)
    assert_names_field(refused.value, "alignment")


def test_starts_for_refuses_a_period_that_ends_after_year_9999() -> None:
    last = r("9999-12-01", "9999-12-31")
    with pytest.raises(InvalidScheduleError):
        list(Schedule(MONTHLY, d("9999-12-01")).periods(last))
    with pytest.raises(InvalidScheduleError) as caught:
        Schedule.starts_for(MONTHLY, [d("9999-12-01")], last)
    assert_names_field(caught.value, "within")


def test_the_whole_period_of_a_calendar_stub_is_the_calendar_period_it_ends() -> None:
    quarters = Schedule(QUARTERLY, d("2024-02-15"), Alignment.CALENDAR)
    assert quarters.period(0) == r("2024-02-15", "2024-04-01")
    assert quarters.whole_period(0) == r("2024-01-01", "2024-04-01")
    assert quarters.whole_period(1) == quarters.period(1)
    assert quarters.has_stub
    weeks = Schedule(WEEKLY, d("2024-01-03"), Alignment.CALENDAR)  # a Wednesday
    assert weeks.whole_period(0) == r("2024-01-01", "2024-01-08")


@pytest.mark.parametrize(
    ("schedule", "k"),
    [
        (Schedule(MONTHLY, d("2024-01-31")), 0),
        (Schedule(QUARTERLY, d("2024-01-01"), Alignment.CALENDAR), 0),  # on a boundary
        (Schedule(YEARLY, d("2024-02-29"), Alignment.CALENDAR), 3),
        (Schedule(DAILY, d("2024-02-29"), Alignment.CALENDAR), 0),
    ],
)
def test_every_other_period_is_whole_already(schedule: Schedule, k: int) -> None:
    assert schedule.whole_period(k) == schedule.period(k)
    assert k or not schedule.has_stub


@pytest.mark.parametrize(("k", "error"), [(-1, InvalidScheduleError), ("0", TypeMismatchError)])
def test_whole_period_refuses_a_bad_period_number(k: object, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        Schedule(MONTHLY, d("2024-01-31")).whole_period(k)  # type: ignore[arg-type]
    assert getattr(caught.value, "field", None) == "k"


def test_the_whole_period_of_a_stub_in_year_1_starts_on_its_first_day() -> None:
    # The whole calendar period holds the anchor, so it never starts before year 1.
    weeks = Schedule(WEEKLY, d("0001-01-03"), Alignment.CALENDAR)  # 0001-01-01 is a Monday
    assert weeks.whole_period(0) == r("0001-01-01", "0001-01-08")
