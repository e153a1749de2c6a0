"""Checks and conversions of a working calendar's inputs: instants, slots, dates, dicts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from itertools import repeat
from operator import attrgetter, sub
from typing import Final, cast
from zoneinfo import ZoneInfo

from servicedomain._checks import instance_of, integer, items
from servicedomain.calendars._slots import Slot, check_spill, slot_tuple
from servicedomain.calendars._tables import EPOCH, MAX_US, MAX_YEAR, MIN_US, MIN_YEAR, instant_us
from servicedomain.errors import (
    InvalidCalendarError,
    InvalidDurationError,
    InvalidInputError,
)
from servicedomain.instants import named_zone, parse_date, require_instant

MIN_DELTA: Final = timedelta(0, 0, MIN_US)
MAX_DELTA: Final = timedelta(0, 0, MAX_US)
FAST_ZONES: Final = (ZoneInfo, timezone)
"""The zone types whose aware datetimes need no further check to be instants."""
_FAST_ZONE_TYPES: Final = frozenset(FAST_ZONES)
_TZINFO: Final = attrgetter("tzinfo")


def require_instant_us(value: object, field: str) -> int:
    """Epoch microseconds of an instant; a naive datetime or a non-datetime is refused."""
    if type(value) is datetime and type(value.tzinfo) in FAST_ZONES:
        us = instant_us(value)
    else:
        us = instant_us(require_instant(value, field))
    if not MIN_US <= us < MAX_US:
        raise InvalidInputError(
            field, value, f"outside the years {MIN_YEAR + 1}-{MAX_YEAR - 1} a calendar computes"
        )
    return us


_INSTANTS: Final = items("instants")


def instant_deltas(values: Iterable[object]) -> tuple[list[timedelta], timedelta, timedelta]:
    """Many instants as timedeltas since the epoch, checked in bulk, with the extremes.

    Plain datetimes with a :class:`~zoneinfo.ZoneInfo` or a fixed offset take a fast
    path; anything else is checked one by one, and the first bad one is named
    (``"starts[i]"``). Returns the deltas, their minimum and their maximum (both zero
    when there are none).
    """
    given = values if type(values) is list else list(_INSTANTS.check(values, "starts"))
    if set(map(type, given)) <= {datetime}:
        instants = cast("list[datetime]", given)
        if set(map(type, map(_TZINFO, instants))) <= _FAST_ZONE_TYPES:
            deltas = list(map(sub, instants, repeat(EPOCH, len(instants))))
            if not deltas:
                return deltas, timedelta(0), timedelta(0)
            low, high = min(deltas), max(deltas)
            if low >= MIN_DELTA and high < MAX_DELTA:
                return deltas, low, high
    checked = [
        timedelta(0, 0, require_instant_us(item, f"starts[{i}]")) for i, item in enumerate(given)
    ]
    return checked, min(checked, default=timedelta(0)), max(checked, default=timedelta(0))


_DURATION: Final = instance_of(timedelta)


def require_duration_us(given: object) -> int:
    """Microseconds of a business duration: a timedelta, never negative."""
    value = _DURATION.check(given, "duration")
    us = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    if us < 0:
        raise InvalidDurationError(
            "duration", value, "a duration of working time cannot be negative"
        )
    return us


def to_zone(value: object) -> ZoneInfo:
    """The calendar's zone: a named IANA zone (``zone`` names the culprit)."""
    return named_zone(value, "zone")


def to_weekly(value: object) -> tuple[tuple[Slot, ...], ...]:
    """Seven days of slots, Monday first, with some working time in the week."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        raise InvalidCalendarError("weekly", value, "expected 7 lists of slots, Monday to Sunday")
    if len(value) != 7:
        raise InvalidCalendarError(
            "weekly", value, f"expected 7 days (Monday to Sunday), got {len(value)}"
        )
    days = tuple(slot_tuple(day, f"weekly[{i}]") for i, day in enumerate(value))
    for i, day in enumerate(days):
        check_spill(day, days[(i + 1) % 7], f"weekly[{i}]")
    if not any(days):
        raise InvalidCalendarError(
            "weekly", value, "no working time at all: every weekday has no slots"
        )
    return days


def to_date(value: object, field: str) -> date:
    """A local date; a datetime (also a ``date``) or text is refused."""
    if isinstance(value, datetime):
        raise InvalidCalendarError(
            field, value, "a datetime is not a date; closed days are local dates"
        )
    if not isinstance(value, date):
        raise InvalidCalendarError(
            field, value, f"expected a datetime.date, got {type(value).__name__}"
        )
    return value


def to_holidays(value: object) -> frozenset[date]:
    """Closed local dates from a collection of dates."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidCalendarError(
            "holidays", value, "expected a collection of dates (parse text with from_dict)"
        )
    return frozenset(to_date(day, "holidays") for day in value)


class SlotsByDate(Mapping[date, tuple[Slot, ...]]):
    """An immutable, hashable mapping of dates to their slots, in date order."""

    __slots__ = ("_items", "_map")

    def __init__(self, items: Iterable[tuple[date, tuple[Slot, ...]]]) -> None:
        self._map = dict(sorted(items))
        self._items = tuple(self._map.items())

    def __getitem__(self, key: date) -> tuple[Slot, ...]:
        return self._map[key]

    def __iter__(self) -> Iterator[date]:
        return iter(self._map)

    def __len__(self) -> int:
        return len(self._map)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SlotsByDate):
            return self._items == other._items
        return isinstance(other, Mapping) and self._map == dict(other.items())

    def __repr__(self) -> str:
        return repr(self._map)


def to_exceptions(value: object) -> SlotsByDate:
    """Dates with their own slots, as an immutable mapping."""
    if isinstance(value, SlotsByDate):
        return value
    if not isinstance(value, Mapping):
        raise InvalidCalendarError(
            "exceptions", value, "expected a mapping of dates to their slots"
        )
    items = []
    for key, slots in value.items():
        day = to_date(key, "exceptions")
        items.append((day, slot_tuple(slots, f"exceptions[{day.isoformat()}]")))
    return SlotsByDate(items)


HORIZON: Final = integer(
    minimum=1, reason="the horizon is at least 1 day", error=InvalidCalendarError
)
"""The horizon is a whole number of days, at least 1."""


# ---------------------------------------------------------------- dict helpers


def date_from(value: object, field: str) -> date:
    """A date from ISO text (or a date, as TOML gives)."""
    if isinstance(value, str):
        try:
            return parse_date(value, field)
        except InvalidInputError as error:
            raise InvalidCalendarError(field, value, error.reason) from None
    return to_date(value, field)


def dates_from(value: object) -> list[date]:
    """The holidays of a dict: a list of ISO dates."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidCalendarError("holidays", value, "expected a list of ISO dates")
    return [date_from(item, f"holidays[{i}]") for i, item in enumerate(value)]


def exceptions_from(value: object) -> dict[date, tuple[Slot, ...]]:
    """The exceptions of a dict: ISO dates to lists of slot texts."""
    if not isinstance(value, Mapping):
        raise InvalidCalendarError(
            "exceptions", value, "expected a mapping of ISO dates to lists of slots"
        )
    found = {}
    for key, slots in value.items():
        path = f"exceptions.{key.isoformat() if isinstance(key, date) else key}"
        found[date_from(key, path)] = slot_tuple(slots, path)
    return found
