"""Schedules: numbered periods from an anchor, anchored or calendar-aligned."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from calendar import isleap
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Final

import attrs

from servicedomain._checks import check_keys, deep_iterable, in_, instance_of, is_date, items
from servicedomain._enums import StrictEnum
from servicedomain.errors import InvalidPeriodError, InvalidScheduleError
from servicedomain.instants import require_date
from servicedomain.periods._codes import (  # the doctests name the codes
    MONTHLY,  # noqa: F401
    QUARTERLY,  # noqa: F401
    WEEKLY,  # noqa: F401
    YEARLY,  # noqa: F401
    PeriodCode,
)
from servicedomain.periods._ranges import (
    _INT,
    _ISO_DATE,
    _MONTH_DAYS,
    _RANGE,
    DateRange,
)

__all__ = [
    "Alignment",
    "Schedule",
]

# --------------------------------------------------------------------------- Schedule


class Alignment(StrictEnum):
    """Where a :class:`Schedule`'s periods start.

    ``ANCHORED``: on the anchor and every step from it. ``CALENDAR``: on calendar
    boundaries (the 1st of a month, quarter, half-year or year; an ISO week's Monday),
    after a first stub period when the anchor is not on one.
    """

    ANCHORED = "anchored"
    CALENDAR = "calendar"


_CODE: Final = instance_of(
    PeriodCode,
    reason="expected a PeriodCode; use PeriodCode.parse('P1M') for text",
    error=InvalidScheduleError,
)
_ALIGNMENT: Final = in_(
    Alignment,
    reason="expected an Alignment member, e.g. Alignment.CALENDAR",
    error=InvalidScheduleError,
)
_ANCHORS: Final = deep_iterable(is_date, items("dates"))
# The last month a date can fall in, counted as year * 12 + month - 1.
_LAST_MONTH: Final = 9999 * 12 + 11
# starts_for cuts month-based starts from shared columns up to this many months long.
_COLUMN_MONTHS: Final = 1200


def _has_calendar_boundaries(code: PeriodCode) -> bool:
    """True when the code's periods can start on calendar boundaries."""
    if code.is_month_based:
        return 12 % code.months == 0
    return code.days in (1, 7)


def _check_can_align(code: PeriodCode, alignment: Alignment) -> None:
    """Refuse calendar alignment for a code without calendar boundaries."""
    if alignment is Alignment.CALENDAR and not _has_calendar_boundaries(code):
        raise InvalidScheduleError(
            "alignment",
            alignment,
            f"{code} has no calendar boundaries; calendar alignment needs "
            "1, 2, 3, 4, 6 or 12 months, one week or one day",
        )


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

    * ``ANCHORED``: period *k* is ``[period_code.step(anchor, k), period_code.step(anchor,
      k + 1))``,
      each boundary computed from the anchor (Jan 31 monthly: Feb 29, Mar 31, Apr 30).
    * ``CALENDAR``: periods start on calendar boundaries: the 1st of months aligned
      to January (quarters Jan/Apr/Jul/Oct, half-years Jan/Jul, years Jan 1), ISO
      weeks on Mondays, days trivially. When the anchor is not on a boundary, period 0
      is the stub ``[anchor, next boundary)``. Only codes whose length divides a year
      of months (1, 2, 3, 4, 6, 12) or that are one week or one day can align.

    Periods are contiguous: ``period(k).end == period(k + 1).start``.

    Args:
        period_code: the length of a period.
        anchor: the first day of period 0.
        alignment: anchored (the default) or calendar.

    Raises:
        InvalidScheduleError: ``period_code`` is not a PeriodCode, ``alignment`` is not an
            Alignment, or the code has no calendar boundaries (5 months, 2 weeks).
        TypeMismatchError: ``anchor`` is not a date, or is a datetime.

    >>> quarters = Schedule(QUARTERLY, date(2024, 2, 15), Alignment.CALENDAR)
    >>> print(quarters.period(0), quarters.period(1), quarters.index_of(date(2024, 8, 1)))
    [2024-02-15, 2024-04-01) [2024-04-01, 2024-07-01) 2
    """

    period_code: PeriodCode = attrs.field(validator=_CODE)
    anchor: date = attrs.field(validator=is_date)
    alignment: Alignment = attrs.field(default=Alignment.ANCHORED, validator=_ALIGNMENT)
    # The periods after the stub are period_code.step(_grid, j); period k is step
    # j = k - _offset.
    _grid: date = attrs.field(init=False, eq=False, repr=False)
    _offset: int = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        grid = self.anchor
        _check_can_align(self.period_code, self.alignment)
        if self.alignment is Alignment.CALENDAR:
            try:
                grid = _first_calendar_boundary(self.period_code, self.anchor)
            except (ValueError, OverflowError):
                raise InvalidScheduleError(
                    "anchor",
                    self.anchor,
                    f"the first {self.period_code} period ends after year 9999",
                ) from None
        object.__setattr__(self, "_grid", grid)
        object.__setattr__(self, "_offset", 0 if grid == self.anchor else 1)

    def _boundary(self, k: int) -> date:
        """The start of period ``k`` (k >= 0), or the end of period ``k - 1``."""
        if k == 0:
            return self.anchor
        return self.period_code._step(self._grid, k - self._offset)

    def period(self, k: int) -> DateRange:
        """Period number ``k``, counted from 0.

        Raises:
            TypeMismatchError: ``k`` is not an int.
            InvalidScheduleError: ``k`` is negative, or the period ends after year 9999.

        >>> print(Schedule(YEARLY, date(2024, 2, 29)).period(3))
        [2027-02-28, 2028-02-29)
        """
        index = _INT.check(k, "k")
        if index < 0:
            raise InvalidScheduleError("k", k, "period numbers start at 0")
        try:
            return DateRange._trusted(self._boundary(index), self._boundary(index + 1))
        except InvalidScheduleError:
            raise InvalidScheduleError(
                "k", k, f"period {k} of this schedule ends after year 9999"
            ) from None

    @property
    def has_stub(self) -> bool:
        """True when period 0 is a stub: calendar-aligned, the anchor between boundaries.

        >>> Schedule(QUARTERLY, date(2024, 2, 15), Alignment.CALENDAR).has_stub
        True
        >>> Schedule(QUARTERLY, date(2024, 2, 15)).has_stub
        False
        """
        return self._offset == 1

    def whole_period(self, k: int) -> DateRange:
        """Period ``k`` whole: the calendar period a stub is the end of, else :meth:`period`.

        Period 0 of a calendar-aligned schedule whose anchor falls between two
        boundaries is a stub, ``[anchor, first boundary)``; its whole period is the one
        calendar period that ends on that boundary (a subscription starting Feb 15 on
        calendar quarters is billed the Jan 1-Mar 31 quarter, prorated). Every other
        period is whole already.

        Raises:
            TypeMismatchError: ``k`` is not an int.
            InvalidScheduleError: ``k`` is negative, or the period is outside years 1
                to 9999.

        >>> quarters = Schedule(QUARTERLY, date(2024, 2, 15), Alignment.CALENDAR)
        >>> print(quarters.period(0), quarters.whole_period(0), quarters.whole_period(1))
        [2024-02-15, 2024-04-01) [2024-01-01, 2024-04-01) [2024-04-01, 2024-07-01)
        """
        index = _INT.check(k, "k")
        if index == 0 and self._offset:
            grid = self._grid
            return DateRange._trusted(self.period_code._step(grid, -1), grid)
        return self.period(index)

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
        code = self.period_code
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
        checked = _RANGE.check(within, "within")
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

    def boundaries(self, within: DateRange) -> list[date]:
        """The boundaries of :meth:`periods` (``within``), as one list of dates.

        ``[b0, b1, ..., bn]``: the periods that share a day with ``within`` are
        ``[b0, b1)``, ..., ``[bn-1, bn)``, whole (not clipped); empty when ``within``
        ends on or before the anchor. The bulk form of :meth:`periods` for hot loops
        (fee generation builds a fee per period from it): the boundaries are computed
        from the anchor in one loop, with no generator and no range objects.

        Raises:
            TypeMismatchError: ``within`` is not a DateRange.
            InvalidScheduleError: a period ends after year 9999 (field ``within``).

        >>> months = Schedule(MONTHLY, date(2024, 1, 31))
        >>> [str(day) for day in months.boundaries(DateRange(date(2024, 2, 1), date(2024, 4, 1)))]
        ['2024-01-31', '2024-02-29', '2024-03-31', '2024-04-30']
        """
        return self._boundaries(_RANGE.check(within, "within"))

    def _boundaries(self, within: DateRange) -> list[date]:
        """:meth:`boundaries` for a ``within`` already checked."""
        if within.end <= self.anchor:
            return []
        k = self.index_of(max(within.start, self.anchor))
        first = self._boundary(k)
        bounds = [first]
        months = self.period_code._months
        end = within.end
        if months and k >= self._offset:
            grid, anchor_day = self._grid, self._grid.day
            year0, month0 = grid.year, grid.month - 1
            j = k - self._offset
            boundary = first
            append = bounds.append
            try:
                if anchor_day <= 28 and months < 12:
                    # Step the month counter: no division, no clamp (the common case).
                    year, month_index = divmod(year0 * 12 + month0 + j * months, 12)
                    while boundary < end:
                        month_index += months
                        if month_index >= 12:
                            month_index -= 12
                            year += 1
                        boundary = date(year, month_index + 1, anchor_day)
                        append(boundary)
                    return bounds
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
                    append(boundary)
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

    def starts(self, within: DateRange) -> tuple[date, ...]:
        """The start of every period of :meth:`periods` (``within``), as one tuple.

        Exactly ``tuple(p.start for p in self.periods(within))``, computed in one loop
        from the anchor like :meth:`boundaries` (month ends clamp: a Jan 31 monthly
        anchor gives Feb 29, Mar 31, Apr 30); empty when ``within`` ends on or before
        the anchor.

        Raises:
            TypeMismatchError: ``within`` is not a DateRange.
            InvalidScheduleError: a period ends after year 9999 (field ``within``).

        >>> months = Schedule(MONTHLY, date(2024, 1, 31))
        >>> [str(day) for day in months.starts(DateRange(date(2024, 2, 1), date(2024, 4, 1)))]
        ['2024-01-31', '2024-02-29', '2024-03-31']
        """
        return self._starts(_RANGE.check(within, "within"))

    def _starts(self, within: DateRange) -> tuple[date, ...]:
        bounds = self._boundaries(within)
        return tuple(bounds[:-1])

    @classmethod
    def starts_for(
        cls,
        period_code: PeriodCode,
        anchors: Iterable[date],
        within: DateRange,
        alignment: Alignment = Alignment.ANCHORED,
    ) -> list[tuple[date, ...]]:
        """:meth:`starts` (``within``) of the schedule of each anchor, in the anchors' order.

        Item *i* is exactly ``Schedule(period_code, anchors[i], alignment).starts(within)``:
        the starts of the periods that share a day with ``within``, so an anchor after
        ``within.start`` starts on itself and one on or after ``within.end`` has none.
        The bulk form for many subscriptions: anchored month-based schedules are cut
        from one column of dates per day of the month, shared by every anchor on that
        day (the tuples share their date objects).

        Args:
            period_code: the length of a period.
            anchors: the first day of period 0 of each schedule (a list, tuple or
                generator of dates).
            within: the range whose periods are wanted, the same for every anchor.
            alignment: anchored (the default) or calendar.

        Raises:
            TypeMismatchError: ``anchors`` is not an iterable of dates (naming
                ``anchors[i]``), or ``within`` is not a DateRange.
            InvalidScheduleError: ``period_code`` or ``alignment`` is bad (as for
                :class:`Schedule`), or a period ends after year 9999.

        >>> anchors = [date(2024, 1, 31), date(2024, 2, 15)]
        >>> for starts in Schedule.starts_for(
        ...     MONTHLY, anchors, DateRange(date(2024, 1, 1), date(2024, 4, 1))):
        ...     print(*starts)
        2024-01-31 2024-02-29 2024-03-31
        2024-02-15 2024-03-15
        """
        code: PeriodCode = _CODE.check(period_code, "period_code")
        chosen: Alignment = _ALIGNMENT.check(alignment, "alignment")
        _check_can_align(code, chosen)
        days: tuple[date, ...] = _ANCHORS.check(anchors, "anchors")
        checked = _RANGE.check(within, "within")
        if not days:
            return []
        months = code._months
        end = checked.end
        first = min(days)
        first_month = first.year * 12 + first.month - 1
        last_month = end.year * 12 + end.month - 1
        if (
            chosen is Alignment.ANCHORED
            and months
            and last_month + months <= _LAST_MONTH  # no period can end after 9999
            and last_month - first_month <= _COLUMN_MONTHS
        ):
            return _month_starts(days, months, checked, first_month, last_month)
        return [cls(code, day, chosen)._starts(checked) for day in days]

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Schedule:
        """Build from a dict such as JSON or TOML gives.

        Keys: ``period_code`` (an ISO-8601 period code, e.g. ``"P1M"``), ``anchor`` (an ISO
        date ``"YYYY-MM-DD"``, or a ``date`` as TOML gives), and the optional
        ``alignment`` (``"anchored"``, the default, or ``"calendar"``). Other keys are
        refused, so a typo is not silently ignored.

        Raises:
            InvalidScheduleError: naming the missing, unknown or bad key.

        >>> schedule = Schedule.from_dict({"period_code": "P3M", "anchor": "2024-01-31"})
        >>> print(schedule.period(1))
        [2024-04-30, 2024-07-31)
        >>> schedule.to_dict()
        {'period_code': 'P3M', 'anchor': '2024-01-31', 'alignment': 'anchored'}
        """
        check_keys(
            data,
            kind="Schedule",
            required=("period_code", "anchor"),
            optional=("alignment",),
            error=InvalidScheduleError,
        )
        return cls(
            _code_from(data["period_code"]),
            _anchor_from(data["anchor"]),
            _alignment_from(data.get("alignment", Alignment.ANCHORED.value)),
        )

    def to_dict(self) -> dict[str, str]:
        """The schedule as plain strings; :meth:`from_dict` reads it back."""
        return {
            "period_code": self.period_code.iso,
            "anchor": self.anchor.isoformat(),
            "alignment": self.alignment.value,
        }


def _month_column(day: int, first_month: int, last_month: int) -> list[date]:
    """Day ``day`` of each month from ``first_month`` to ``last_month``, clamped."""
    column = []
    for index in range(first_month, last_month + 1):
        year, month0 = divmod(index, 12)
        found = day
        if found > 28:
            last = _MONTH_DAYS[month0]
            if month0 == 1 and isleap(year):
                last = 29
            found = min(found, last)
        column.append(date(year, month0 + 1, found))
    return column


def _month_starts(
    anchors: tuple[date, ...], months: int, within: DateRange, first_month: int, last_month: int
) -> list[tuple[date, ...]]:
    """:meth:`Schedule.starts_for` of anchored month-based schedules (law C1).

    Period *k* of an anchor starts on its day of the month ``k x months`` after it,
    clamped: position ``p0 + k x months`` of the column of its day, ``p0`` the anchor's
    own month. The column rises strictly, so bisection finds the first and last start.
    """
    start, end = within.start, within.end
    columns: dict[int, list[date]] = {}
    found: list[tuple[date, ...]] = []
    for anchor in anchors:
        if end <= anchor:
            found.append(())
            continue
        day = anchor.day
        column = columns.get(day)
        if column is None:
            column = columns[day] = _month_column(day, first_month, last_month)
        position = anchor.year * 12 + anchor.month - 1 - first_month
        if start > anchor:  # the period containing start: the last step on or before it
            last_before = bisect_right(column, start) - 1
            position += (last_before - position) // months * months
        found.append(tuple(column[position : bisect_left(column, end) : months]))
    return found


def _code_from(value: object) -> PeriodCode:
    if isinstance(value, PeriodCode):
        return value
    if not isinstance(value, str):
        raise InvalidScheduleError(
            "period_code", value, "expected an ISO-8601 period code like 'P1M'"
        )
    try:
        return PeriodCode.parse(value)
    except InvalidScheduleError as error:
        raise InvalidScheduleError("period_code", value, error.reason) from None


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
