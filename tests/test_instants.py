"""Time rules: aware instants, named zones, local dates, DST gaps and overlaps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from servicedomain import ServiceDomainError
from servicedomain.errors import (
    AmbiguousLocalTimeError,
    InvalidInputError,
    InvalidTimezoneError,
    NaiveDatetimeError,
    NonexistentLocalTimeError,
    TypeMismatchError,
)
from servicedomain.instants import (
    LocalTimePolicy,
    local_date,
    local_datetime,
    named_zone,
    parse_date,
    parse_instant,
    require_date,
    require_instant,
    resolve_local,
)


def assert_names_field(error: BaseException, field: str) -> None:
    assert isinstance(error, ServiceDomainError)
    assert getattr(error, "field", None) == field
    assert field in str(error)


class FakePytzZone(tzinfo):
    """Duck-types a pytz zone: pytz zones are the ones with a ``localize`` method."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(minutes=9, seconds=21)  # Paris LMT, what replace() would give

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "LMT"

    def localize(self, dt: datetime) -> datetime:
        return dt.replace(tzinfo=self)


# ----------------------------------------------------------------------------- instants


def test_an_aware_datetime_is_an_instant() -> None:
    instant = datetime(2024, 1, 1, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert require_instant(instant, "opened_at") is instant
    assert require_instant(datetime(2024, 1, 1, tzinfo=UTC), "x").tzinfo is UTC


def test_a_naive_datetime_raises_naive_datetime_naming_the_field() -> None:
    with pytest.raises(NaiveDatetimeError) as caught:
        require_instant(datetime(2024, 1, 1, 9, 0), "opened_at")
    assert_names_field(caught.value, "opened_at")
    assert isinstance(caught.value, TypeError)


@pytest.mark.parametrize("value", [date(2024, 1, 1), "2024-01-01T00:00:00Z", 1_700_000_000, None])
def test_a_non_datetime_instant_raises_type_mismatch(value: Any) -> None:
    with pytest.raises(TypeMismatchError) as caught:
        require_instant(value, "opened_at")
    assert_names_field(caught.value, "opened_at")


def test_a_pytz_zone_attached_with_replace_is_refused() -> None:
    with pytest.raises(InvalidTimezoneError) as caught:
        require_instant(datetime(2024, 1, 1, tzinfo=FakePytzZone()), "opened_at")
    assert_names_field(caught.value, "opened_at")
    assert "pytz" in str(caught.value)


def test_a_date_is_required_where_a_date_is_expected() -> None:
    assert require_date(date(2024, 2, 29), "start") == date(2024, 2, 29)
    with pytest.raises(TypeMismatchError) as caught:
        require_date(datetime(2024, 2, 29, tzinfo=UTC), "start")
    assert_names_field(caught.value, "start")
    with pytest.raises(TypeMismatchError):
        require_date("2024-02-29", "start")


# -------------------------------------------------------------------------------- zones


def test_named_zones() -> None:
    assert named_zone("Europe/Paris") == ZoneInfo("Europe/Paris")
    assert named_zone(ZoneInfo("Asia/Kolkata")).key == "Asia/Kolkata"
    assert named_zone(UTC).key == "UTC"


@pytest.mark.parametrize(
    "zone",
    [
        "Mars/Olympus",
        "",
        "../etc/passwd",
        timezone(timedelta(hours=2)),
        FakePytzZone(),
        7200,
        None,
    ],
)
def test_bad_zones_raise_invalid_timezone(zone: Any) -> None:
    with pytest.raises(InvalidTimezoneError) as caught:
        named_zone(zone, "calendar.zone")
    assert_names_field(caught.value, "calendar.zone")


# -------------------------------------------------------------------------- local dates


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        (datetime(2024, 3, 30, 23, 30, tzinfo=UTC), "Europe/Paris", date(2024, 3, 31)),
        (datetime(2024, 1, 1, 3, 0, tzinfo=UTC), "America/New_York", date(2023, 12, 31)),
        (datetime(2024, 1, 1, 3, 0, tzinfo=UTC), "Asia/Tokyo", date(2024, 1, 1)),
        (datetime(2024, 6, 30, 18, 29, tzinfo=UTC), "Asia/Kolkata", date(2024, 6, 30)),
        (datetime(2024, 6, 30, 18, 30, tzinfo=UTC), "Asia/Kolkata", date(2024, 7, 1)),
        (datetime(2024, 6, 30, 18, 15, tzinfo=UTC), "Asia/Kathmandu", date(2024, 7, 1)),
        # Chatham in summer is +13:45
        (datetime(2024, 12, 31, 10, 14, tzinfo=UTC), "Pacific/Chatham", date(2024, 12, 31)),
        (datetime(2024, 12, 31, 10, 15, tzinfo=UTC), "Pacific/Chatham", date(2025, 1, 1)),
        # Samoa skipped 2011-12-30: the instant after 2011-12-29 23:59 local is Dec 31
        (datetime(2011, 12, 30, 9, 59, tzinfo=UTC), "Pacific/Apia", date(2011, 12, 29)),
        (datetime(2011, 12, 30, 10, 0, tzinfo=UTC), "Pacific/Apia", date(2011, 12, 31)),
        # Feb 29 in 2000 (a leap year) seen from Sydney
        (datetime(2000, 2, 28, 13, 0, tzinfo=UTC), "Australia/Sydney", date(2000, 2, 29)),
    ],
)
def test_local_date_uses_the_offset_at_the_instant(
    instant: datetime, zone: str, expected: date
) -> None:
    assert local_date(instant, zone) == expected
    assert local_datetime(instant, zone).tzinfo == ZoneInfo(zone)


def test_local_date_of_a_naive_datetime_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError) as caught:
        local_date(datetime(2024, 1, 1), "Europe/Paris")
    assert_names_field(caught.value, "instant")


# ------------------------------------------------------------------ gaps and overlaps

# (zone, wall time in the gap, the earlier and later resolutions as UTC instants)
GAPS = [
    ("Europe/Paris", datetime(2024, 3, 31, 2, 30), "2024-03-31T00:30", "2024-03-31T01:30"),
    ("Europe/London", datetime(2024, 3, 31, 1, 30), "2024-03-31T00:30", "2024-03-31T01:30"),
    ("America/New_York", datetime(2024, 3, 10, 2, 30), "2024-03-10T06:30", "2024-03-10T07:30"),
    ("Australia/Sydney", datetime(2024, 10, 6, 2, 30), "2024-10-05T15:30", "2024-10-05T16:30"),
    # Lord Howe moves its clocks by 30 minutes only
    ("Australia/Lord_Howe", datetime(2024, 10, 6, 2, 15), "2024-10-05T15:15", "2024-10-05T15:45"),
    ("Pacific/Chatham", datetime(2024, 9, 29, 3, 0), "2024-09-28T13:15", "2024-09-28T14:15"),
    # a whole skipped day: 2011-12-30 never happened in Samoa
    ("Pacific/Apia", datetime(2011, 12, 30, 12, 0), "2011-12-29T22:00", "2011-12-30T22:00"),
]

OVERLAPS = [
    ("Europe/Paris", datetime(2024, 10, 27, 2, 30), "2024-10-27T00:30", "2024-10-27T01:30"),
    ("America/New_York", datetime(2024, 11, 3, 1, 30), "2024-11-03T05:30", "2024-11-03T06:30"),
    ("Australia/Sydney", datetime(2024, 4, 7, 2, 30), "2024-04-06T15:30", "2024-04-06T16:30"),
    ("Australia/Lord_Howe", datetime(2024, 4, 7, 1, 45), "2024-04-06T14:45", "2024-04-06T15:15"),
    # Dublin's "negative DST": winter time is flagged as the DST period in the tz data
    ("Europe/Dublin", datetime(2024, 10, 27, 1, 30), "2024-10-27T00:30", "2024-10-27T01:30"),
]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("zone", "wall", "earlier", "later"), GAPS)
def test_a_time_in_a_dst_gap(zone: str, wall: datetime, earlier: str, later: str) -> None:
    with pytest.raises(NonexistentLocalTimeError) as caught:
        resolve_local(wall, zone)
    assert_names_field(caught.value, "wall_time")
    first = resolve_local(wall, zone, nonexistent=LocalTimePolicy.EARLIER)
    second = resolve_local(wall, zone, nonexistent=LocalTimePolicy.LATER)
    assert first == utc(earlier)
    assert second == utc(later)
    # the resolution is a time that exists: it reads back as itself
    for instant in (first, second):
        wall_clock = instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        assert resolve_local(wall_clock, zone, ambiguous=LocalTimePolicy.EARLIER) == instant
    # an ambiguity policy does not silence a gap
    with pytest.raises(NonexistentLocalTimeError):
        resolve_local(wall, zone, ambiguous=LocalTimePolicy.LATER)


@pytest.mark.parametrize(("zone", "wall", "earlier", "later"), OVERLAPS)
def test_a_time_in_a_dst_overlap(zone: str, wall: datetime, earlier: str, later: str) -> None:
    with pytest.raises(AmbiguousLocalTimeError) as caught:
        resolve_local(wall, zone)
    assert_names_field(caught.value, "wall_time")
    first = resolve_local(wall, zone, ambiguous=LocalTimePolicy.EARLIER)
    second = resolve_local(wall, zone, ambiguous=LocalTimePolicy.LATER)
    assert first == utc(earlier)
    assert second == utc(later)
    assert first.tzinfo is UTC
    assert second.tzinfo is UTC
    # both read back as the same wall time: they are its two occurrences
    for instant in (first, second):
        assert local_datetime(instant, zone).replace(tzinfo=None) == wall
    with pytest.raises(AmbiguousLocalTimeError):
        resolve_local(wall, zone, nonexistent=LocalTimePolicy.LATER)


def test_fold_zero_and_one_give_different_instants_in_an_overlap() -> None:
    # pendulum #100 / #853: a library must let the caller choose the side of the overlap
    paris = ZoneInfo("Europe/Paris")
    fold0 = datetime(2024, 10, 27, 2, 30, tzinfo=paris, fold=0)
    fold1 = datetime(2024, 10, 27, 2, 30, tzinfo=paris, fold=1)
    assert fold1.astimezone(UTC) - fold0.astimezone(UTC) == timedelta(hours=1)


def test_an_ordinary_wall_time_resolves_without_a_policy() -> None:
    instant = resolve_local(datetime(2024, 7, 1, 9, 0), "Europe/Paris")
    assert instant == datetime(2024, 7, 1, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("wall", "field"),
    [
        (datetime(2024, 7, 1, 9, 0, tzinfo=UTC), "wall_time"),
        (date(2024, 7, 1), "wall_time"),
    ],
)
def test_resolve_local_wants_a_naive_wall_time(wall: Any, field: str) -> None:
    with pytest.raises(TypeMismatchError) as caught:
        resolve_local(wall, "Europe/Paris")
    assert_names_field(caught.value, field)


def test_resolve_local_wants_a_policy_member() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        resolve_local(datetime(2024, 7, 1), "Europe/Paris", nonexistent="later")  # type: ignore[arg-type]
    assert_names_field(caught.value, "nonexistent")


# ------------------------------------------------------------------------------ parsing


def test_parse_instant_and_date() -> None:
    assert parse_instant("2024-03-31T08:00:00+02:00", "at") == datetime(2024, 3, 31, 6, tzinfo=UTC)
    assert parse_instant("2024-03-31T08:00:00Z", "at").tzinfo is UTC
    assert parse_date("2024-02-29", "start") == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("2024-03-31T08:00:00", NaiveDatetimeError),
        ("2024-03-31", TypeMismatchError),
        ("yesterday", InvalidInputError),
        (20240331, TypeMismatchError),
    ],
)
def test_parse_instant_refusals(text: Any, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        parse_instant(text, "opened_at")
    assert_names_field(caught.value, "opened_at")


@pytest.mark.parametrize("text", ["2024-02-30", "2023-02-29", "2024-13-01", "2024-03-31T08:00Z"])
def test_parse_date_refusals(text: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_date(text, "start")
    assert_names_field(caught.value, "start")
