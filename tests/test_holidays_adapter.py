"""The ``holidays`` package adapter feeds a working calendar (the test command installs it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from servicedomain.adapters.holidays import HolidaysCalendar
from servicedomain.calendars import HolidayCalendar, WorkingCalendar
from servicedomain.errors import (
    InvalidInputError,
    InvalidPeriodError,
    ServiceDomainError,
    TypeMismatchError,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def test_it_is_a_holiday_calendar() -> None:
    sweden = HolidaysCalendar("SE")
    assert isinstance(sweden, HolidayCalendar)
    assert repr(sweden) == "HolidaysCalendar('SE', None)"


def test_sweden_2025_public_holidays() -> None:
    public = HolidaysCalendar("SE").holidays_between(*YEAR)
    for day in (
        date(2025, 1, 1),  # New Year's Day
        date(2025, 1, 6),  # Epiphany
        date(2025, 4, 18),  # Good Friday
        date(2025, 4, 21),  # Easter Monday
        date(2025, 5, 1),  # May Day
        date(2025, 5, 29),  # Ascension Day
        date(2025, 6, 6),  # National Day
        date(2025, 6, 21),  # Midsummer Day (a Saturday)
        date(2025, 12, 25),  # Christmas Day
        date(2025, 12, 26),  # Second Day of Christmas
    ):
        assert day in public
    assert public == sorted(public)
    assert date(2025, 6, 20) not in public  # Midsummer Eve is a de facto holiday


def test_de_facto_holidays_close_midsummer_eve_and_christmas_eve() -> None:
    sweden = HolidaysCalendar("SE", categories=("public", "de_facto"))
    days = sweden.holidays_between(*YEAR)
    assert {date(2025, 6, 20), date(2025, 12, 24), date(2025, 12, 31)} <= set(days)
    names = sweden.names_between(date(2025, 6, 20), date(2025, 6, 21))
    assert list(names) == [date(2025, 6, 20), date(2025, 6, 21)]
    assert "Midsummer" in names[date(2025, 6, 20)]


def test_the_adapter_feeds_a_working_calendar() -> None:
    sweden = HolidaysCalendar("SE", categories=("public", "de_facto"))
    office = WorkingCalendar.standard("Europe/Stockholm").with_holidays(sweden, *YEAR)
    assert office.is_closed(date(2025, 6, 20))  # Midsummer Eve, a Friday
    assert office.is_closed(date(2025, 12, 24))
    assert not office.is_closed(date(2025, 6, 19))
    # Thursday before Midsummer, 16:00, plus 2 business hours: Monday 09:00
    start = datetime(2025, 6, 19, 16, tzinfo=STOCKHOLM)
    assert office.deadline(start, timedelta(hours=2)) == datetime(2025, 6, 23, 9, tzinfo=STOCKHOLM)
    # only the range read is closed: 2026's Midsummer Eve stays open (a finite list)
    assert not office.is_closed(date(2026, 6, 19))
    assert office.closures(
        datetime(2025, 12, 23, 12, tzinfo=STOCKHOLM), datetime(2025, 12, 29, tzinfo=STOCKHOLM)
    ) == [
        (date(2025, 12, 24), "holiday"),
        (date(2025, 12, 25), "holiday"),
        (date(2025, 12, 26), "holiday"),
        (date(2025, 12, 27), "no slots"),
        (date(2025, 12, 28), "no slots"),
    ]


def test_a_subdivision_and_a_range_across_years() -> None:
    california = HolidaysCalendar("US", "CA")
    days = california.holidays_between(date(2025, 12, 1), date(2026, 1, 31))
    assert date(2025, 12, 25) in days
    assert date(2026, 1, 1) in days
    assert all(date(2025, 12, 1) <= day <= date(2026, 1, 31) for day in days)
    assert date(2025, 3, 31) in california.holidays_between(date(2025, 3, 31), date(2025, 3, 31))


@pytest.mark.parametrize(
    ("kind", "field", "make"),
    [
        (InvalidInputError, "country", lambda: HolidaysCalendar("XX")),
        (InvalidInputError, "subdiv", lambda: HolidaysCalendar("US", "ZZ")),
        (InvalidInputError, "categories", lambda: HolidaysCalendar("SE", categories=["nope"])),
        (TypeMismatchError, "country", lambda: HolidaysCalendar(46)),  # type: ignore[arg-type]
        (TypeMismatchError, "subdiv", lambda: HolidaysCalendar("US", 6)),  # type: ignore[arg-type]
        (TypeMismatchError, "categories", lambda: HolidaysCalendar("SE", categories=[1])),  # type: ignore[list-item]
        (
            InvalidPeriodError,
            "last",
            lambda: HolidaysCalendar("SE").holidays_between(date(2025, 2, 1), date(2025, 1, 1)),
        ),
        (
            TypeMismatchError,
            "first",
            lambda: HolidaysCalendar("SE").holidays_between("2025-01-01", date(2025, 1, 1)),  # type: ignore[arg-type]
        ),
    ],
)
def test_bad_input(kind: type[InvalidInputError], field: str, make: Callable[[], object]) -> None:
    with pytest.raises(kind) as raised:
        make()
    assert isinstance(raised.value, ServiceDomainError)
    assert raised.value.field == field
    assert field in str(raised.value)
