"""Recurrence rules (RFC 5545 ``RRULE`` values) as the schedule of an agreement line.

A line's recurrence is the text of one ``RRULE`` value, e.g. ``"FREQ=WEEKLY;BYDAY=MO,TH"``
or ``"FREQ=MONTHLY;BYMONTHDAY=-1"``, expanded with :mod:`dateutil.rrule` from the line's
start date (the rule's ``DTSTART``). The rules:

* **Dates, not times.** ``FREQ`` is ``DAILY``, ``WEEKLY``, ``MONTHLY`` or ``YEARLY``;
  ``BYHOUR``, ``BYMINUTE`` and ``BYSECOND`` are refused.
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

from datetime import date, datetime
from functools import lru_cache
from typing import Final

from dateutil.rrule import rrule, rrulestr

from servicedomain.errors import InvalidScheduleError, TypeMismatchError

HORIZON_YEARS: Final = 400
"""A rule must occur within this many years of the line's start date (one Gregorian cycle)."""

_CYCLE: Final = 400  # years after which the Gregorian calendar repeats itself exactly
_DATE_FREQUENCIES: Final = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})

_REFUSED_PARTS: Final = {
    "BYHOUR": "a line recurs on dates; BYHOUR has no meaning here",
    "BYMINUTE": "a line recurs on dates; BYMINUTE has no meaning here",
    "BYSECOND": "a line recurs on dates; BYSECOND has no meaning here",
    "DTSTART": "the line's start date is the rule's DTSTART; drop it from the rule",
}


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
    if not rule.strip() or any(mark in rule for mark in (":", "\n", "\r")):
        raise InvalidScheduleError(
            field,
            rule,
            "expected one RRULE value such as 'FREQ=WEEKLY;BYDAY=MO' (no DTSTART, RRULE:, "
            "RDATE or EXDATE: the line's start date is DTSTART)",
        )
    parts = [part.partition("=") for part in rule.split(";")]
    names = {name.strip().upper(): value.strip().upper() for name, _, value in parts}
    for name, reason in _REFUSED_PARTS.items():
        if name in names:
            raise InvalidScheduleError(field, rule, reason)
    if {"UNTIL", "COUNT"} <= names.keys():
        raise InvalidScheduleError(field, rule, "a rule has UNTIL or COUNT, not both (RFC 5545)")
    if "UNTIL" in names and names["UNTIL"].endswith("Z"):
        raise InvalidScheduleError(
            field, rule, "UNTIL is a date (UNTIL=20261231) or a floating date-time, not a UTC one"
        )
    dtstart = datetime.fromordinal(start.toordinal())
    parsed = _parse(rule, dtstart, field)
    if names.get("FREQ") not in _DATE_FREQUENCIES:
        raise InvalidScheduleError(
            field, rule, "a line recurs on dates: FREQ is DAILY, WEEKLY, MONTHLY or YEARLY"
        )
    unbounded = ";".join(
        f"{name}={value}" for name, _, value in parts if name.strip().upper() != "UNTIL"
    )
    if not _occurs_within_horizon(unbounded, dtstart, field):
        raise InvalidScheduleError(
            field,
            rule,
            f"the rule has no occurrence in the {HORIZON_YEARS} years from the line's "
            f"start date {start.isoformat()}",
        )
    # The rule without UNTIL occurs within the horizon, so this search ends there.
    if next(iter(parsed), None) is None:
        raise InvalidScheduleError(
            field, rule, f"the rule has no occurrence from {start.isoformat()} up to its UNTIL"
        )
    return parsed


def _parse(rule: str, dtstart: datetime, field: str) -> rrule:
    try:
        parsed = rrulestr(rule, dtstart=dtstart, cache=True)
    except (ValueError, TypeError, IndexError, OverflowError) as error:
        raise InvalidScheduleError(
            field, rule, f"not an RFC 5545 recurrence rule ({error})"
        ) from None
    if not isinstance(parsed, rrule):  # pragma: no cover - rrulestr makes a set only for several
        raise InvalidScheduleError(field, rule, "expected one RRULE value")
    return parsed


def _occurs_within_horizon(rule: str, dtstart: datetime, field: str) -> bool:
    """Whether ``rule`` (without UNTIL) occurs within the horizon of ``dtstart``, in bounded time.

    dateutil looks for a next occurrence up to year 9999, which takes seconds for a
    daily rule that never matches. The Gregorian calendar repeats every 400 years
    (weekdays, leap years, ISO weeks), so the rule is run from the same date moved by
    whole cycles to a year from 9200 to 9599: dateutil then gives up after at most 800
    years, and the first occurrence it finds is the rule's own, moved.
    """
    shift = (9999 - _CYCLE - dtstart.year) // _CYCLE * _CYCLE
    moved_start = dtstart.replace(year=dtstart.year + shift)
    first = next(iter(_parse(rule, moved_start, field)), None)
    return first is not None and first < moved_start.replace(year=moved_start.year + HORIZON_YEARS)
