"""Recurrence rules (RFC 5545 ``RRULE`` values) as the schedule of an agreement line.

A line's recurrence is the text of one ``RRULE`` value, e.g. ``"FREQ=WEEKLY;BYDAY=MO,TH"``
or ``"FREQ=MONTHLY;BYMONTHDAY=-1"``, expanded with :mod:`dateutil.rrule` from the line's
start date (the rule's ``DTSTART``). The rules:

* **Dates, not times.** ``FREQ`` is ``DAILY``, ``WEEKLY``, ``MONTHLY`` or ``YEARLY``;
  ``BYHOUR``, ``BYMINUTE`` and ``BYSECOND`` are refused. The other parts are those of
  RFC 5545 (``INTERVAL``, ``BYDAY``, ``BYMONTHDAY``, ``BYYEARDAY``, ``BYWEEKNO``,
  ``BYMONTH``, ``BYSETPOS``, ``WKST``), each once, with the values RFC 5545 allows (no
  ``BYMONTHDAY=0``, no ``BYMONTH=13``, a numbered ``BYDAY`` only in a monthly or
  yearly rule); dateutil's own extensions (``BYEASTER``) are refused.
* **DTSTART is the line's start date.** The text holds one rule value and nothing else
  (no ``DTSTART``, ``RRULE:`` prefix, ``RDATE`` or ``EXDATE``). As in dateutil, the
  start date is an occurrence only when it matches the rule: a ``BYDAY=TH`` rule from a
  Monday first occurs on the Thursday.
* **UNTIL and COUNT.** ``UNTIL`` is a date (``UNTIL=20261231``, inclusive) or a floating
  date-time, never a UTC one (``...Z``); it cuts the series as the line's end date
  does. ``COUNT`` counts occurrences from the line's start date, whatever the period
  generated. A rule may not have both (RFC 5545).
* **Month ends skip, they do not clamp.** ``FREQ=MONTHLY;BYMONTHDAY=31`` has no
  occurrence in February, April, June, September or November (RFC 5545), where a
  :class:`ServiceInterval` of one month from Jan 31 clamps to Feb 28/29, Apr 30...
  ``BYMONTHDAY=-1`` is the last day of every month.
* **Something to do.** A rule with no occurrence in the 400 years (one whole cycle of
  the Gregorian calendar) from the line's start date is refused, so a rule such as
  ``FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30`` never reaches generation.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Final

from dateutil.rrule import rrule, rrulestr

from servicedomain.errors import InvalidScheduleError, TypeMismatchError

HORIZON_YEARS: Final = 400
"""A rule must occur within this many years of the line's start date (one Gregorian cycle)."""

_CYCLE: Final = 400  # years after which the Gregorian calendar repeats itself exactly
_DATE_FREQUENCIES: Final = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})

_WEEKDAYS: Final = frozenset({"MO", "TU", "WE", "TH", "FR", "SA", "SU"})
_BYDAY: Final = re.compile(r"([+-]?)(\d{1,2})?([A-Z]{2})")
_UNTIL: Final = re.compile(r"\d{8}(T\d{6})?")
_INTEGER: Final = re.compile(r"[+-]?\d{1,4}")

# The integer lists of RFC 5545 (3.3.10): name -> largest absolute value (0 is never valid).
_INTEGER_LISTS: Final = {
    "BYMONTH": 12,
    "BYMONTHDAY": 31,
    "BYYEARDAY": 366,
    "BYWEEKNO": 53,
    "BYSETPOS": 366,
}
_REFUSED_PARTS: Final = {
    "BYHOUR": "a line recurs on dates; BYHOUR has no meaning here",
    "BYMINUTE": "a line recurs on dates; BYMINUTE has no meaning here",
    "BYSECOND": "a line recurs on dates; BYSECOND has no meaning here",
    "DTSTART": "the line's start date is the rule's DTSTART; drop it from the rule",
}
_KNOWN_PARTS: Final = frozenset(
    {"FREQ", "UNTIL", "COUNT", "INTERVAL", "BYDAY", "WKST"} | _INTEGER_LISTS.keys()
)


def check_recurrence(rule: object, start: date, field: str) -> str:
    """Check ``rule`` as the recurrence of a line starting on ``start``; return it.

    Raises:
        TypeMismatchError: ``rule`` is not a str.
        InvalidScheduleError: the rule does not parse, is not a single date-based
            ``RRULE`` value, has both ``UNTIL`` and ``COUNT``, or has no occurrence in
            the :data:`HORIZON_YEARS` from ``start`` (``field`` and the rule are named).
    """
    if not isinstance(rule, str):
        raise TypeMismatchError(
            field, rule, f"expected an RRULE value as a str, got {type(rule).__name__}"
        )
    _checked(rule, start, field)
    return rule


def recurrence_ordinals(rule: str, start: date, low: int, high: int) -> list[int]:
    """The ordinals of the occurrences of a checked ``rule`` from ``start`` in ``[low, high)``.

    Occurrences past the end of the calendar are simply not there.
    """
    expanded = _checked(rule, start, "recurrence")
    floor = max(low, start.toordinal())
    if floor >= high:
        return []
    found: list[int] = []
    for moment in expanded.xafter(datetime.fromordinal(floor), inc=True):
        ordinal = moment.toordinal()
        if ordinal >= high:
            break
        found.append(ordinal)
    return found


@lru_cache(maxsize=4096)
def _checked(rule: str, start: date, field: str) -> rrule:
    """The rule expanded from ``start`` (caching its occurrences), after every check."""
    names = _parts(rule, field)
    dtstart = datetime.fromordinal(start.toordinal())
    parsed = _parse(rule, dtstart, rule, field)
    unbounded = ";".join(f"{name}={value}" for name, value in names.items() if name != "UNTIL")
    if not _occurs_within_horizon(unbounded, dtstart, rule, field):
        raise InvalidScheduleError(
            field,
            rule,
            f"the rule has no occurrence in the {HORIZON_YEARS} years from the line's "
            f"start date {start.isoformat()}",
        )
    # The rule without UNTIL occurs within the horizon, so this search ends there.
    if _first(parsed, rule, field) is None:
        raise InvalidScheduleError(
            field,
            rule,
            f"the rule has no occurrence from {start.isoformat()} up to its UNTIL or the "
            "end of the calendar",
        )
    return parsed


def _parts(rule: str, field: str) -> dict[str, str]:
    """The parts of one RRULE value, upper-cased, after the checks of RFC 5545 for dates."""
    if not rule.strip() or any(mark in rule for mark in (":", "\n", "\r")):
        raise InvalidScheduleError(
            field,
            rule,
            "expected one RRULE value such as 'FREQ=WEEKLY;BYDAY=MO' (no DTSTART, RRULE:, "
            "RDATE or EXDATE: the line's start date is DTSTART)",
        )
    names: dict[str, str] = {}
    for part in rule.split(";"):
        name, equals, value = (piece.strip().upper() for piece in part.partition("="))
        if not equals or not name or not value:
            raise InvalidScheduleError(field, rule, f"expected NAME=VALUE parts, got {part!r}")
        if name in _REFUSED_PARTS:
            raise InvalidScheduleError(field, rule, _REFUSED_PARTS[name])
        if name not in _KNOWN_PARTS:
            raise InvalidScheduleError(
                field, rule, f"{name} is not a part of an RFC 5545 rule on dates"
            )
        if name in names:
            raise InvalidScheduleError(field, rule, f"{name} is given twice")
        names[name] = value
    _check_values(names, rule, field)
    return names


def _check_values(names: dict[str, str], rule: str, field: str) -> None:
    frequency = names.get("FREQ", "")
    if frequency not in _DATE_FREQUENCIES:
        raise InvalidScheduleError(
            field, rule, "a line recurs on dates: FREQ is DAILY, WEEKLY, MONTHLY or YEARLY"
        )
    if {"UNTIL", "COUNT"} <= names.keys():
        raise InvalidScheduleError(field, rule, "a rule has UNTIL or COUNT, not both (RFC 5545)")
    until = names.get("UNTIL")
    if until is not None and not _UNTIL.fullmatch(until):
        raise InvalidScheduleError(
            field,
            rule,
            "UNTIL is a date (UNTIL=20261231) or a floating date-time (UNTIL=20261231T235959), "
            "not a UTC one",
        )
    for name in ("COUNT", "INTERVAL"):
        if name in names and not (names[name].isdigit() and int(names[name]) >= 1):
            raise InvalidScheduleError(field, rule, f"{name} is an integer >= 1")
    for name, largest in _INTEGER_LISTS.items():
        for item in names.get(name, "").split(",") if name in names else ():
            if not _INTEGER.fullmatch(item) or not 1 <= abs(int(item)) <= largest:
                raise InvalidScheduleError(
                    field, rule, f"{name} holds integers from 1 to {largest} or -{largest} to -1"
                )
    if "BYDAY" in names:
        _check_byday(names["BYDAY"], frequency, rule, field)


def _check_byday(value: str, frequency: str, rule: str, field: str) -> None:
    # A numbered weekday (1MO, -1FR) is the n-th of the month or the year (RFC 5545).
    largest = {"MONTHLY": 5, "YEARLY": 53}.get(frequency, 0)
    for item in value.split(","):
        match = _BYDAY.fullmatch(item)
        if match is None or match.group(3) not in _WEEKDAYS:
            raise InvalidScheduleError(
                field, rule, f"BYDAY holds weekdays such as MO or 1MO or -1FR, got {item!r}"
            )
        if match.group(2) is not None and not 1 <= int(match.group(2)) <= largest:
            reason = (
                f"a numbered BYDAY is from 1 to {largest} in a {frequency} rule"
                if largest
                else f"a numbered BYDAY needs FREQ=MONTHLY or YEARLY, not {frequency}"
            )
            raise InvalidScheduleError(field, rule, reason)


def _first(parsed: rrule, rule: str, field: str) -> datetime | None:
    try:
        return next(iter(parsed), None)
    except (ValueError, IndexError, OverflowError) as error:  # pragma: no cover - checked
        raise InvalidScheduleError(
            field, rule, f"not an RFC 5545 recurrence rule ({error})"
        ) from None


def _parse(text: str, dtstart: datetime, rule: str, field: str) -> rrule:
    try:
        parsed = rrulestr(text, dtstart=dtstart, cache=True)
    except (ValueError, TypeError, IndexError, OverflowError) as error:
        raise InvalidScheduleError(
            field, rule, f"not an RFC 5545 recurrence rule ({error})"
        ) from None
    if not isinstance(parsed, rrule):  # pragma: no cover - rrulestr makes a set only for several
        raise InvalidScheduleError(field, rule, "expected one RRULE value")
    return parsed


def _occurs_within_horizon(unbounded: str, dtstart: datetime, rule: str, field: str) -> bool:
    """Whether the ``unbounded`` rule occurs within the horizon of ``dtstart``, in bounded time.

    dateutil looks for a next occurrence up to year 9999, which takes seconds for a
    daily rule that never matches. The Gregorian calendar repeats every 400 years
    (weekdays, leap years, ISO weeks), so the rule is run from the same date moved by
    whole cycles to a year from 9200 to 9599: dateutil then gives up after at most 800
    years, and the first occurrence it finds is the rule's own, moved.
    """
    shift = (9999 - _CYCLE - dtstart.year) // _CYCLE * _CYCLE
    moved_start = dtstart.replace(year=dtstart.year + shift)
    first = _first(_parse(unbounded, moved_start, rule, field), rule, field)
    return first is not None and first < moved_start.replace(year=moved_start.year + HORIZON_YEARS)
