"""Half-open date ranges, and the checks the period modules share."""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import pairwise
from typing import Any, Final

import attrs

from servicedomain._checks import instance_of, integer, is_date
from servicedomain._trusted import field_setters
from servicedomain.errors import InvalidPeriodError, TypeMismatchError
from servicedomain.instants import require_date

__all__ = [
    "DateRange",
]

_ONE_DAY: Final = timedelta(days=1)
# Days of each month in a common year (February has 29 in leap years).
_MONTH_DAYS: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


# ----------------------------------------------------------------------------- checks


def _add_months(anchor: date, months: int) -> date:
    """``anchor`` plus ``months`` months, the day clamped to the month's last day.

    The rule of ``dateutil.relativedelta(months=n)``, written out because it is the hot
    path of every schedule and billing run (about 7 times faster).
    """
    year, month_index = divmod(anchor.year * 12 + anchor.month - 1 + months, 12)
    month = month_index + 1
    day = anchor.day
    if day > 28:
        day = min(day, monthrange(year, month)[1])
    return date(year, month, day)


_INT: Final = integer()


# -------------------------------------------------------------------------- DateRange


def _check_end(instance: DateRange, _attribute: attrs.Attribute[Any], value: object) -> None:
    end = require_date(value, "end")
    if end <= instance.start:
        raise InvalidPeriodError(
            "end", end, f"end must be after start {instance.start} (ranges are [start, end))"
        )


@attrs.frozen(weakref_slot=False)  # no weak references: fast builds
class DateRange:
    """A non-empty, half-open range of dates ``[start, end)``.

    ``start`` is the first day in the range and ``end`` the first day after it, so
    consecutive ranges share a boundary and never a day: ``[Jan 1, Feb 1)`` and
    ``[Feb 1, Mar 1)`` touch and do not overlap. The length is counted on dates.

    Args:
        start: the first day, a :class:`datetime.date`.
        end: the day after the last day; it must be after ``start``.

    Raises:
        TypeMismatchError: ``start`` or ``end`` is not a date, or is a ``datetime``.
        InvalidPeriodError: ``end <= start``; an empty range is refused.

    >>> january = DateRange(date(2024, 1, 1), date(2024, 2, 1))
    >>> print(january, january.days, january.last)
    [2024-01-01, 2024-02-01) 31 2024-01-31
    >>> date(2024, 2, 1) in january
    False
    """

    start: date = attrs.field(validator=is_date)
    end: date = attrs.field(validator=_check_end)

    @classmethod
    def _trusted(cls, start: date, end: date) -> DateRange:
        """Build from dates already known to be valid (``start < end``), skipping checks."""
        made = _new_object(cls)
        _set_start(made, start)
        _set_end(made, end)
        return made

    @classmethod
    def inclusive(cls, first: date, last: date) -> DateRange:
        """The range from ``first`` to ``last``, both included (as people type them).

        A single day is ``inclusive(d, d)``.

        Raises:
            TypeMismatchError: ``first`` or ``last`` is not a date.
            InvalidPeriodError: ``last`` is before ``first``.

        >>> print(DateRange.inclusive(date(2024, 1, 1), date(2024, 1, 31)))
        [2024-01-01, 2024-02-01)
        """
        first = require_date(first, "first")
        last = require_date(last, "last")
        if last < first:
            raise InvalidPeriodError("last", last, f"last must not be before first {first}")
        if last == date.max:
            raise InvalidPeriodError("last", last, "the day after last is past date.max")
        return cls._trusted(first, last + _ONE_DAY)

    @property
    def last(self) -> date:
        """The last day in the range (``end`` minus one day)."""
        return self.end - _ONE_DAY

    @property
    def days(self) -> int:
        """The number of days in the range, counted on dates: ``(end - start).days``."""
        return (self.end - self.start).days

    def __contains__(self, day: object) -> bool:
        """True when ``start <= day < end``; ``day`` must be a date."""
        checked = require_date(day, "day")
        return self.start <= checked < self.end

    def covers(self, other: DateRange) -> bool:
        """True when every day of ``other`` is in this range.

        >>> year = DateRange(date(2024, 1, 1), date(2025, 1, 1))
        >>> year.covers(DateRange(date(2024, 12, 1), date(2025, 1, 1)))
        True
        """
        checked = _RANGE.check(other, "other")
        return self.start <= checked.start and checked.end <= self.end

    def overlaps(self, other: DateRange) -> bool:
        """True when the two ranges share at least one day (touching is not overlapping).

        >>> jan = DateRange(date(2024, 1, 1), date(2024, 2, 1))
        >>> jan.overlaps(DateRange(date(2024, 2, 1), date(2024, 3, 1)))
        False
        """
        checked = _RANGE.check(other, "other")
        return self.start < checked.end and checked.start < self.end

    def intersection(self, other: DateRange) -> DateRange | None:
        """The days in both ranges, or ``None`` when they share no day.

        >>> jan = DateRange(date(2024, 1, 1), date(2024, 2, 1))
        >>> print(jan.intersection(DateRange(date(2024, 1, 20), date(2024, 3, 1))))
        [2024-01-20, 2024-02-01)
        """
        checked = _RANGE.check(other, "other")
        start = max(self.start, checked.start)
        end = min(self.end, checked.end)
        return DateRange._trusted(start, end) if start < end else None

    def split_at(self, *cuts: date) -> tuple[DateRange, ...]:
        """Cut the range at each of the days ``cuts``; the pieces tile it in order.

        A day strictly inside the range starts a new piece. A day equal to ``start`` or
        ``end`` cuts nothing, and repeated days count once, so the result never holds
        an empty piece. The pieces' days add up to this range's days.

        Raises:
            TypeMismatchError: a split day is not a date.
            InvalidPeriodError: a split day lies outside ``[start, end]``.

        >>> jan = DateRange(date(2024, 1, 1), date(2024, 2, 1))
        >>> print(*jan.split_at(date(2024, 1, 15), date(2024, 1, 1)), sep=" ")
        [2024-01-01, 2024-01-15) [2024-01-15, 2024-02-01)
        """
        inside: set[date] = set()
        for index, day in enumerate(cuts):
            checked = require_date(day, f"cuts[{index}]")
            if not self.start <= checked <= self.end:
                raise InvalidPeriodError(f"cuts[{index}]", checked, f"not within {self}")
            if self.start < checked < self.end:
                inside.add(checked)
        bounds = [self.start, *sorted(inside), self.end]
        return tuple(DateRange._trusted(a, b) for a, b in pairwise(bounds))

    def check_tiled_by(self, parts: Iterable[DateRange]) -> None:
        """Check that ``parts``, in any order, cover this range exactly.

        Exactly means: no gap, no two parts sharing a day, no day outside this range.
        The parts are walked in date order and the first problem met is reported.

        Raises:
            TypeMismatchError: ``parts`` is not an iterable of DateRange.
            InvalidPeriodError: the first gap (field ``parts``, the value is the
                uncovered range), overlap or part outside (field ``parts[i]``, the part
                as given at position ``i``).

        >>> jan = DateRange(date(2024, 1, 1), date(2024, 2, 1))
        >>> try:
        ...     jan.check_tiled_by(jan.split_at(date(2024, 1, 10))[:1])
        ... except InvalidPeriodError as error:
        ...     print(error.field, "|", error.reason)
        parts | no part covers [2024-01-10, 2024-02-01) of [2024-01-01, 2024-02-01)
        """
        if not isinstance(parts, Iterable):
            raise TypeMismatchError("parts", parts, "expected an iterable of DateRange")
        given = [_RANGE.check(part, f"parts[{i}]") for i, part in enumerate(parts)]
        order = sorted(range(len(given)), key=lambda i: (given[i].start, given[i].end))
        cursor = self.start
        for index in order:
            part = given[index]
            field = f"parts[{index}]"
            if part.start < self.start or part.end > self.end:
                raise InvalidPeriodError(field, part, f"{part} lies outside {self}")
            if part.start < cursor:
                raise InvalidPeriodError(
                    field, part, f"{part} overlaps another part, which ends {cursor}"
                )
            if part.start > cursor:
                gap = DateRange._trusted(cursor, part.start)
                raise InvalidPeriodError("parts", gap, f"no part covers {gap} of {self}")
            cursor = part.end
        if cursor < self.end:
            gap = DateRange._trusted(cursor, self.end)
            raise InvalidPeriodError("parts", gap, f"no part covers {gap} of {self}")

    def is_tiled_by(self, parts: Iterable[DateRange]) -> bool:
        """True when ``parts``, in any order, cover this range with no gap or overlap.

        See :meth:`check_tiled_by`, which says what is wrong.

        >>> jan = DateRange(date(2024, 1, 1), date(2024, 2, 1))
        >>> jan.is_tiled_by(reversed(jan.split_at(date(2024, 1, 10), date(2024, 1, 20))))
        True
        """
        try:
            self.check_tiled_by(parts)
        except InvalidPeriodError:
            return False
        return True

    def __str__(self) -> str:
        return f"[{self.start.isoformat()}, {self.end.isoformat()})"


# The fast path of DateRange._trusted: the slot descriptors object.__setattr__ ends in
# (validated again in checked mode).
_RANGE: Final = instance_of(DateRange)


_new_object = object.__new__
_set_start, _set_end = field_setters(DateRange, "start", "end")
