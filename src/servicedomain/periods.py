"""Date ranges, period codes and the schedules that cut time into periods.

The rules:

* A :class:`DateRange` is half-open, ``[start, end)``, on :class:`datetime.date`
  (never a ``datetime``), and never empty. :meth:`DateRange.inclusive` builds one from
  the inclusive dates people type and :attr:`DateRange.last` gives them back. Its
  length is counted on dates, ``(end - start).days``, so DST never makes a day 23 or
  25 hours long (law C5).
* A :class:`PeriodCode` is a unit times a count (``P1M``, ``P3M``, ``P1Y``, ``P2W``),
  normalised so that equal lengths compare equal: ``P3M`` is one quarter.
* Recurring dates are computed **from the anchor**, never chained (law C1): boundary
  *k* is ``anchor + k x step``, with the day clamped to the month's last day. So a
  Jan 31 anchor gives Feb 29 (2024) or Feb 28, then Mar 31 and Apr 30, and a Feb 29
  yearly anchor gives Feb 28 in common years and Feb 29 in leap years (law C3).
* A :class:`Schedule` numbers the periods from an anchor, either anchored on it or
  aligned to calendar boundaries after a first stub period; consecutive periods always
  touch (law C2).

>>> monthly = Schedule(MONTHLY, date(2024, 1, 31))
>>> for k in range(4):
...     print(monthly.period(k))
[2024-01-31, 2024-02-29)
[2024-02-29, 2024-03-31)
[2024-03-31, 2024-04-30)
[2024-04-30, 2024-05-31)
"""

from __future__ import annotations

import enum
import re
from calendar import isleap, monthrange
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any, Final

import attrs
import pendulum

from servicedomain.errors import InvalidPeriodError, InvalidScheduleError, TypeMismatchError
from servicedomain.instants import require_date

__all__ = [
    # date ranges
    "DateRange",
    # period codes
    "PeriodUnit",
    "PeriodCode",
    "DAILY",
    "WEEKLY",
    "MONTHLY",
    "QUARTERLY",
    "HALF_YEARLY",
    "YEARLY",
    # schedules
    "Alignment",
    "Schedule",
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


def _require_int(value: object, field: str) -> int:
    """``value`` if it is an int and not a bool."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeMismatchError(field, value, f"expected an int, got {type(value).__name__}")
    return value


def _require_range(value: object, field: str) -> DateRange:
    """``value`` if it is a :class:`DateRange`."""
    if not isinstance(value, DateRange):
        raise TypeMismatchError(field, value, f"expected a DateRange, got {type(value).__name__}")
    return value


def _check_date_field(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_date(value, attribute.name)


# -------------------------------------------------------------------------- DateRange


def _check_end(instance: DateRange, _attribute: attrs.Attribute[Any], value: object) -> None:
    end = require_date(value, "end")
    if end <= instance.start:
        raise InvalidPeriodError(
            "end", end, f"end must be after start {instance.start} (ranges are [start, end))"
        )


@attrs.frozen
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

    start: date = attrs.field(validator=_check_date_field)
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
        checked = _require_range(other, "other")
        return self.start <= checked.start and checked.end <= self.end

    def overlaps(self, other: DateRange) -> bool:
        """True when the two ranges share at least one day (touching is not overlapping).

        >>> jan = DateRange(date(2024, 1, 1), date(2024, 2, 1))
        >>> jan.overlaps(DateRange(date(2024, 2, 1), date(2024, 3, 1)))
        False
        """
        checked = _require_range(other, "other")
        return self.start < checked.end and checked.start < self.end

    def intersection(self, other: DateRange) -> DateRange | None:
        """The days in both ranges, or ``None`` when they share no day.

        >>> jan = DateRange(date(2024, 1, 1), date(2024, 2, 1))
        >>> print(jan.intersection(DateRange(date(2024, 1, 20), date(2024, 3, 1))))
        [2024-01-20, 2024-02-01)
        """
        checked = _require_range(other, "other")
        start = max(self.start, checked.start)
        end = min(self.end, checked.end)
        return DateRange._trusted(start, end) if start < end else None

    def split_at(self, *days: date) -> tuple[DateRange, ...]:
        """Cut the range at each of ``days``; the pieces tile it in order.

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
        cuts: set[date] = set()
        for index, day in enumerate(days):
            checked = require_date(day, f"days[{index}]")
            if not self.start <= checked <= self.end:
                raise InvalidPeriodError(f"days[{index}]", checked, f"not within {self}")
            if self.start < checked < self.end:
                cuts.add(checked)
        bounds = [self.start, *sorted(cuts), self.end]
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
        given = [_require_range(part, f"parts[{i}]") for i, part in enumerate(parts)]
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


# ------------------------------------------------------------------------- PeriodCode


# The fast path of DateRange._trusted: the slot descriptors object.__setattr__ ends in.
_new_object = object.__new__
_set_start = DateRange.start.__set__  # type: ignore[attr-defined]
_set_end = DateRange.end.__set__  # type: ignore[attr-defined]


class PeriodUnit(enum.Enum):
    """The unit of a :class:`PeriodCode`."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"


_MONTHS_PER_UNIT: Final = {
    PeriodUnit.MONTH: 1,
    PeriodUnit.QUARTER: 3,
    PeriodUnit.HALF_YEAR: 6,
    PeriodUnit.YEAR: 12,
}
_DAYS_PER_UNIT: Final = {PeriodUnit.DAY: 1, PeriodUnit.WEEK: 7}


def _check_unit(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, PeriodUnit):
        raise InvalidScheduleError(
            "unit", value, "expected a PeriodUnit member, e.g. PeriodUnit.MONTH"
        )


def _check_count(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidScheduleError("count", value, "a period count is an int")
    if value < 1:
        raise InvalidScheduleError("count", value, "a period count is >= 1")


_LARGEST_MONTH_UNITS_FIRST: Final = (
    (PeriodUnit.YEAR, 12),
    (PeriodUnit.HALF_YEAR, 6),
    (PeriodUnit.QUARTER, 3),
)


def _normal_form(months: int, days: int) -> tuple[PeriodUnit, int]:
    """The largest unit that divides the length, and the count of it."""
    if months:
        for unit, size in _LARGEST_MONTH_UNITS_FIRST:
            if months % size == 0:
                return unit, months // size
        return PeriodUnit.MONTH, months
    if days % 7 == 0:
        return PeriodUnit.WEEK, days // 7
    return PeriodUnit.DAY, days


def _refuse_text(text: object, reason: str) -> InvalidScheduleError:
    return InvalidScheduleError("text", text, reason)


@attrs.frozen(cache_hash=True)
class PeriodCode:
    """A length of time used to cut periods: a unit times a count.

    Codes are normalised so that equal lengths are equal codes: a month-based code
    becomes years when its months divide by 12, else half-years (by 6), else quarters
    (by 3), else months; a day-based code becomes weeks when its days divide by 7.
    A month-based length is a number of calendar months, never a number of days.

    Args:
        unit: a :class:`PeriodUnit`.
        count: how many units, an int >= 1.

    Raises:
        InvalidScheduleError: ``unit`` is not a PeriodUnit, or ``count`` is not an int
            >= 1 (a bool is not a count).

    >>> PeriodCode(PeriodUnit.MONTH, 3) == QUARTERLY
    True
    >>> print(PeriodCode(PeriodUnit.MONTH, 3).unit, PeriodCode(PeriodUnit.DAY, 14))
    PeriodUnit.QUARTER P2W
    """

    unit: PeriodUnit = attrs.field(validator=_check_unit)
    count: int = attrs.field(default=1, validator=_check_count)
    # The length, kept for the hot path of schedules (derived from unit and count).
    _months: int = attrs.field(init=False, eq=False, repr=False)
    _days: int = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        months = _MONTHS_PER_UNIT.get(self.unit, 0) * self.count
        days = _DAYS_PER_UNIT.get(self.unit, 0) * self.count
        unit, count = _normal_form(months, days)
        object.__setattr__(self, "unit", unit)
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "_months", months)
        object.__setattr__(self, "_days", days)

    @classmethod
    def parse(cls, text: str) -> PeriodCode:
        """Read an ISO-8601 duration of whole days, weeks, months or years.

        Years and months mix (``P1Y6M`` is 18 months); weeks and days give a number of
        days (``P10D``). A code is either month-based or day-based, so ``P1M15D`` is
        refused: its length in days depends on the month. ``P1W3D`` is refused as
        unparsable (ISO 8601 does not combine weeks with other parts); write ``P10D``.

        Raises:
            InvalidScheduleError: (field ``text``) not a string, unparsable, a time part
                (``PT1H``, even ``P1DT0H``), a zero length (``P0M``), or a mix of
                month-based and day-based parts.

        >>> print(PeriodCode.parse("P1Y6M"), PeriodCode.parse("P14D"), PeriodCode.parse("P12M"))
        P18M P2W P1Y
        """
        if not isinstance(text, str):
            raise _refuse_text(text, "a period code is an ISO-8601 duration string like 'P1M'")
        if "T" in text:
            raise _refuse_text(text, "a period code has no time part (hours, minutes, seconds)")
        try:
            parsed = pendulum.parse(text)
        except (ValueError, TypeError, OverflowError):
            raise _refuse_text(text, "not an ISO-8601 duration such as 'P1M' or 'P2W'") from None
        if not isinstance(parsed, pendulum.Duration):
            raise _refuse_text(text, "a date or a time is not a duration; write e.g. 'P1M'")
        return cls._from_duration(text, parsed)

    @classmethod
    def _from_duration(cls, text: str, duration: pendulum.Duration) -> PeriodCode:
        """The code for a parsed duration; ``text`` is only used in error messages."""
        if duration.hours or duration.minutes or duration.remaining_seconds:
            raise _refuse_text(text, "a period code has no time part (hours, minutes, seconds)")
        if duration.microseconds:
            raise _refuse_text(text, "a period code has no time part (hours, minutes, seconds)")
        months = duration.years * 12 + duration.months
        days = duration.weeks * 7 + duration.remaining_days
        if months and days:
            raise _refuse_text(
                text, "mixes months or years with weeks or days; a period is one or the other"
            )
        if months < 0 or days < 0 or duration.invert:
            raise _refuse_text(text, "a period code is a positive length")
        if not months and not days:
            raise _refuse_text(text, "a period code is a positive length, not zero")
        if months:
            return cls(PeriodUnit.MONTH, months)
        return cls(PeriodUnit.DAY, days)

    @property
    def months(self) -> int:
        """The length in months; 0 for a day-based code."""
        return self._months

    @property
    def days(self) -> int:
        """The length in days; 0 for a month-based code."""
        return self._days

    @property
    def is_month_based(self) -> bool:
        """True for months, quarters, half-years and years; False for days and weeks."""
        return self._months > 0

    @property
    def iso(self) -> str:
        """The canonical ISO-8601 text: ``P1D``, ``P2W``, ``P3M``, ``P18M``, ``P1Y``.

        >>> print(QUARTERLY.iso, HALF_YEARLY.iso, YEARLY.iso, WEEKLY.iso)
        P3M P6M P1Y P1W
        """
        months = self.months
        if months:
            return f"P{months // 12}Y" if months % 12 == 0 else f"P{months}M"
        days = self.days
        return f"P{days // 7}W" if days % 7 == 0 else f"P{days}D"

    def step(self, anchor: date, k: int) -> date:
        """The ``k``-th boundary from ``anchor`` (``k`` may be negative).

        It is always computed from the anchor in one move, never by chaining steps:
        ``anchor + k x months`` with the day clamped to the month's last day, or
        ``anchor + k x days``. So a Jan 31 monthly anchor gives Feb 29 (or 28), Mar 31,
        Apr 30, and three months after Dec 31 is Mar 31, not Mar 28 (dateutil #53).

        Raises:
            TypeMismatchError: ``anchor`` is not a date or ``k`` is not an int.
            InvalidScheduleError: (field ``k``) the boundary is outside years 1 to 9999.

        >>> print(*(MONTHLY.step(date(2024, 1, 31), k) for k in range(4)))
        2024-01-31 2024-02-29 2024-03-31 2024-04-30
        >>> print(YEARLY.step(date(2024, 2, 29), 1), YEARLY.step(date(2024, 2, 29), 4))
        2025-02-28 2028-02-29
        """
        return self._step(require_date(anchor, "anchor"), _require_int(k, "k"))

    def _step(self, anchor: date, k: int) -> date:
        """:meth:`step` for arguments already checked (the hot path of schedules)."""
        try:
            months = self._months
            if months:
                return _add_months(anchor, k * months)
            return anchor + timedelta(days=k * self._days)
        except (ValueError, OverflowError):
            raise InvalidScheduleError(
                "k", k, f"{self} x {k} from {anchor} falls outside years 1 to 9999"
            ) from None

    def __str__(self) -> str:
        return self.iso


DAILY: Final = PeriodCode(PeriodUnit.DAY)
WEEKLY: Final = PeriodCode(PeriodUnit.WEEK)
MONTHLY: Final = PeriodCode(PeriodUnit.MONTH)
QUARTERLY: Final = PeriodCode(PeriodUnit.QUARTER)
HALF_YEARLY: Final = PeriodCode(PeriodUnit.HALF_YEAR)
YEARLY: Final = PeriodCode(PeriodUnit.YEAR)


# --------------------------------------------------------------------------- Schedule


class Alignment(enum.Enum):
    """Where a :class:`Schedule`'s periods start.

    ``ANCHORED``: on the anchor and every step from it. ``CALENDAR``: on calendar
    boundaries (the 1st of a month, quarter, half-year or year; an ISO week's Monday),
    after a first stub period when the anchor is not on one.
    """

    ANCHORED = "anchored"
    CALENDAR = "calendar"


def _check_code(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, PeriodCode):
        raise InvalidScheduleError(
            "code", value, "expected a PeriodCode; use PeriodCode.parse('P1M') for text"
        )


def _check_alignment(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Alignment):
        raise InvalidScheduleError(
            "alignment", value, "expected an Alignment member, e.g. Alignment.CALENDAR"
        )


def _has_calendar_boundaries(code: PeriodCode) -> bool:
    """True when the code's periods can start on calendar boundaries."""
    if code.is_month_based:
        return 12 % code.months == 0
    return code.days in (1, 7)


def _first_calendar_boundary(code: PeriodCode, anchor: date) -> date:
    """The first calendar boundary of ``code`` on or after ``anchor``."""
    if code.is_month_based:
        index = anchor.year * 12 + anchor.month - 1
        if anchor.day == 1 and index % code.months == 0:
            return anchor
        year, month0 = divmod((index // code.months + 1) * code.months, 12)
        return date(year, month0 + 1, 1)
    return anchor + timedelta(days=-anchor.weekday() % code.days)


@attrs.frozen
class Schedule:
    """Numbered periods of one length from an anchor date; period 0 starts on the anchor.

    * ``ANCHORED``: period *k* is ``[code.step(anchor, k), code.step(anchor, k + 1))``,
      each boundary computed from the anchor (Jan 31 monthly: Feb 29, Mar 31, Apr 30).
    * ``CALENDAR``: periods start on calendar boundaries: the 1st of months aligned
      to January (quarters Jan/Apr/Jul/Oct, half-years Jan/Jul, years Jan 1), ISO
      weeks on Mondays, days trivially. When the anchor is not on a boundary, period 0
      is the stub ``[anchor, next boundary)``. Only codes whose length divides a year
      of months (1, 2, 3, 4, 6, 12) or that are one week or one day can align.

    Periods are contiguous: ``period(k).end == period(k + 1).start``.

    Args:
        code: the length of a period.
        anchor: the first day of period 0.
        alignment: anchored (the default) or calendar.

    Raises:
        InvalidScheduleError: ``code`` is not a PeriodCode, ``alignment`` is not an
            Alignment, or the code has no calendar boundaries (5 months, 2 weeks).
        TypeMismatchError: ``anchor`` is not a date, or is a datetime.

    >>> quarters = Schedule(QUARTERLY, date(2024, 2, 15), Alignment.CALENDAR)
    >>> print(quarters.period(0), quarters.period(1), quarters.index_of(date(2024, 8, 1)))
    [2024-02-15, 2024-04-01) [2024-04-01, 2024-07-01) 2
    """

    code: PeriodCode = attrs.field(validator=_check_code)
    anchor: date = attrs.field(validator=_check_date_field)
    alignment: Alignment = attrs.field(default=Alignment.ANCHORED, validator=_check_alignment)
    # The periods after the stub are code.step(_grid, j); period k is step j = k - _offset.
    _grid: date = attrs.field(init=False, eq=False, repr=False)
    _offset: int = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        grid = self.anchor
        if self.alignment is Alignment.CALENDAR:
            if not _has_calendar_boundaries(self.code):
                raise InvalidScheduleError(
                    "alignment",
                    self.alignment,
                    f"{self.code} has no calendar boundaries; calendar alignment needs "
                    "1, 2, 3, 4, 6 or 12 months, one week or one day",
                )
            try:
                grid = _first_calendar_boundary(self.code, self.anchor)
            except (ValueError, OverflowError):
                raise InvalidScheduleError(
                    "anchor", self.anchor, f"the first {self.code} period ends after year 9999"
                ) from None
        object.__setattr__(self, "_grid", grid)
        object.__setattr__(self, "_offset", 0 if grid == self.anchor else 1)

    def _boundary(self, k: int) -> date:
        """The start of period ``k`` (k >= 0), or the end of period ``k - 1``."""
        if k == 0:
            return self.anchor
        return self.code._step(self._grid, k - self._offset)

    def period(self, k: int) -> DateRange:
        """Period number ``k``, counted from 0.

        Raises:
            TypeMismatchError: ``k`` is not an int.
            InvalidScheduleError: ``k`` is negative, or the period ends after year 9999.

        >>> print(Schedule(YEARLY, date(2024, 2, 29)).period(3))
        [2027-02-28, 2028-02-29)
        """
        index = _require_int(k, "k")
        if index < 0:
            raise InvalidScheduleError("k", k, "period numbers start at 0")
        try:
            return DateRange._trusted(self._boundary(index), self._boundary(index + 1))
        except InvalidScheduleError:
            raise InvalidScheduleError(
                "k", k, f"period {k} of this schedule ends after year 9999"
            ) from None

    def index_of(self, day: date) -> int:
        """The number of the period that contains ``day``, computed without a loop.

        The index is estimated from the difference in months (or days) between ``day``
        and the first aligned boundary, then corrected once for a clamped month end.

        Raises:
            TypeMismatchError: ``day`` is not a date.
            InvalidPeriodError: ``day`` is before the anchor.

        >>> Schedule(MONTHLY, date(2024, 1, 31)).index_of(date(2024, 2, 29))
        1
        """
        checked = require_date(day, "day")
        if checked < self.anchor:
            raise InvalidPeriodError("day", checked, f"before the schedule's anchor {self.anchor}")
        grid = self._grid
        if checked < grid:
            return 0
        code = self.code
        if code.is_month_based:
            elapsed = (checked.year - grid.year) * 12 + checked.month - grid.month
            j = elapsed // code.months
            if code._step(grid, j) > checked:
                j -= 1
        else:
            j = (checked - grid).days // code.days
        return j + self._offset

    def period_containing(self, day: date) -> DateRange:
        """The period that contains ``day``.

        Raises:
            TypeMismatchError: ``day`` is not a date.
            InvalidPeriodError: ``day`` is before the anchor.

        >>> print(Schedule(WEEKLY, date(2024, 1, 3), Alignment.CALENDAR).period_containing(
        ...     date(2024, 1, 10)))
        [2024-01-08, 2024-01-15)
        """
        return self.period(self.index_of(day))

    def is_boundary(self, day: date) -> bool:
        """True when a period starts on ``day`` (a day before the anchor is never one).

        >>> Schedule(QUARTERLY, date(2024, 2, 15), Alignment.CALENDAR).is_boundary(
        ...     date(2024, 4, 1))
        True
        """
        checked = require_date(day, "day")
        if checked < self.anchor:
            return False
        return self._boundary(self.index_of(checked)) == checked

    def periods(self, within: DateRange) -> Iterator[DateRange]:
        """Every period that shares a day with ``within``, in order and whole (not clipped).

        Starts at the period containing ``within.start`` (or period 0 when ``within``
        starts before the anchor), without walking the earlier periods.

        Raises:
            TypeMismatchError: ``within`` is not a DateRange.

        >>> months = Schedule(MONTHLY, date(2024, 1, 15))
        >>> print(*months.periods(DateRange(date(2024, 2, 1), date(2024, 3, 20))), sep=" ")
        [2024-01-15, 2024-02-15) [2024-02-15, 2024-03-15) [2024-03-15, 2024-04-15)
        """
        checked = _require_range(within, "within")
        return self._periods(checked)

    def _periods(self, within: DateRange) -> Iterator[DateRange]:
        if within.end <= self.anchor:
            return
        k = self.index_of(max(within.start, self.anchor))
        start = self._boundary(k)
        while start < within.end:
            end = self._boundary(k + 1)
            yield DateRange._trusted(start, end)
            k, start = k + 1, end

    def _boundaries(self, within: DateRange) -> list[date]:
        """The boundaries of :meth:`periods` (``within``), as one list of dates.

        ``[b0, b1, ..., bn]``: the periods are ``[b0, b1)``, ..., ``[bn-1, bn)``. The
        hot path of fee generation: the boundaries are computed from the grid in one
        loop, with no generator and no range objects.
        """
        if within.end <= self.anchor:
            return []
        k = self.index_of(max(within.start, self.anchor))
        first = self._boundary(k)
        bounds = [first]
        months = self.code._months
        end = within.end
        if months and k >= self._offset:
            grid, anchor_day = self._grid, self._grid.day
            year0, month0 = grid.year, grid.month - 1
            j = k - self._offset
            boundary = first
            try:
                while boundary < end:
                    j += 1
                    year, month_index = divmod(year0 * 12 + month0 + j * months, 12)
                    day = anchor_day
                    if day > 28:
                        last = _MONTH_DAYS[month_index]
                        if month_index == 1 and isleap(year):
                            last = 29
                        day = min(day, last)
                    boundary = date(year, month_index + 1, day)
                    bounds.append(boundary)
            except (ValueError, OverflowError):
                raise InvalidScheduleError(
                    "within", within, "a period of this schedule ends after year 9999"
                ) from None
            return bounds
        boundary = first
        while boundary < end:
            k += 1
            boundary = self._boundary(k)
            bounds.append(boundary)
        return bounds

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Schedule:
        """Build from a dict such as JSON or TOML gives.

        Keys: ``code`` (an ISO-8601 period code, e.g. ``"P1M"``), ``anchor`` (an ISO
        date ``"YYYY-MM-DD"``, or a ``date`` as TOML gives), and the optional
        ``alignment`` (``"anchored"``, the default, or ``"calendar"``). Other keys are
        refused, so a typo is not silently ignored.

        Raises:
            InvalidScheduleError: naming the missing, unknown or bad key.

        >>> schedule = Schedule.from_dict({"code": "P3M", "anchor": "2024-01-31"})
        >>> print(schedule.period(1))
        [2024-04-30, 2024-07-31)
        >>> schedule.to_dict()
        {'code': 'P3M', 'anchor': '2024-01-31', 'alignment': 'anchored'}
        """
        if not isinstance(data, Mapping):
            raise InvalidScheduleError("data", data, "expected a mapping of code/anchor/alignment")
        for key in data:
            if key not in ("code", "anchor", "alignment"):
                raise InvalidScheduleError(
                    str(key), data[key], "unknown key; expected code, anchor, alignment"
                )
        for key in ("code", "anchor"):
            if key not in data:
                raise InvalidScheduleError(key, None, "this key is required")
        return cls(
            _code_from(data["code"]),
            _anchor_from(data["anchor"]),
            _alignment_from(data.get("alignment", Alignment.ANCHORED.value)),
        )

    def to_dict(self) -> dict[str, str]:
        """The schedule as plain strings; :meth:`from_dict` reads it back."""
        return {
            "code": self.code.iso,
            "anchor": self.anchor.isoformat(),
            "alignment": self.alignment.value,
        }


def _code_from(value: object) -> PeriodCode:
    if isinstance(value, PeriodCode):
        return value
    if not isinstance(value, str):
        raise InvalidScheduleError("code", value, "expected an ISO-8601 period code like 'P1M'")
    try:
        return PeriodCode.parse(value)
    except InvalidScheduleError as error:
        raise InvalidScheduleError("code", value, error.reason) from None


def _anchor_from(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or _ISO_DATE.fullmatch(value) is None:
        raise InvalidScheduleError("anchor", value, "expected an ISO date such as '2024-01-31'")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidScheduleError("anchor", value, "no such date in the calendar") from None


def _alignment_from(value: object) -> Alignment:
    if isinstance(value, Alignment):
        return value
    for alignment in Alignment:
        if value == alignment.value:
            return alignment
    raise InvalidScheduleError("alignment", value, "expected 'anchored' or 'calendar'")
