"""Agreement values: grouping, service intervals, time windows, agreement groups."""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from typing import Any, Final

import attrs

from servicedomain._checks import (
    and_,
    in_,
    instance_of,
    integer,
    is_id,
    is_str,
    optional,
    predicate,
)
from servicedomain._enums import StrictEnum
from servicedomain.errors import (
    InvalidInputError,
    InvalidPeriodError,
    InvalidScheduleError,
)
from servicedomain.instants import require_date
from servicedomain.periods import DateRange, PeriodCode, PeriodUnit

MIN_ORDINAL: Final = date.min.toordinal()
"""The ordinal of the first day of the calendar (1)."""

END_ORDINAL: Final = date.max.toordinal() + 1
"""One past the ordinal of the last day of the calendar: an open end, half-open."""


class GroupBy(StrictEnum):
    """How generation combines agreement lines into orders (AX *Combine service orders*).

    Lines on the same service date share one order when they have the same key: the
    agreement alone (``AGREEMENT``), or also the service task, the worker or the service
    object of the line. A line without that field shares the order of the lines without
    it.
    """

    AGREEMENT = "agreement"
    SERVICE_TASK = "service_task"
    WORKER = "worker"
    SERVICE_OBJECT = "service_object"


class IntervalUnit(StrictEnum):
    """The unit of a :class:`ServiceInterval` (AX interval *Range*)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


_PERIOD_UNIT: Final = {
    IntervalUnit.DAY: PeriodUnit.DAY,
    IntervalUnit.WEEK: PeriodUnit.WEEK,
    IntervalUnit.MONTH: PeriodUnit.MONTH,
    IntervalUnit.YEAR: PeriodUnit.YEAR,
}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_INTERVAL_UNIT: Final = in_(
    IntervalUnit,
    reason="expected an IntervalUnit, e.g. IntervalUnit.WEEK",
    error=InvalidScheduleError,
)
_FREQUENCY: Final = and_(
    predicate(_is_int, "a frequency is an int", error=InvalidScheduleError),
    predicate(lambda frequency: frequency >= 1, "a frequency is >= 1", error=InvalidScheduleError),
)
_RANGE: Final = instance_of(DateRange, reason="expected a DateRange")


@attrs.frozen
class ServiceInterval:
    """How often an agreement line recurs: a unit times a frequency (AX ``SMAAgreementInterval``).

    Weekly x 2 is every two weeks, daily x 10 every ten days. Occurrence *k* (from 0)
    is ``start + k x (unit x frequency)``, computed from the start each time, with the
    day clamped to the month's last day: a monthly line starting Jan 31 recurs on Feb 29
    (or 28), Mar 31, Apr 30. A line without an interval occurs once, on its start date.

    Args:
        unit: day, week, month or year.
        frequency: how many units between two occurrences, an int >= 1.
        id: the host's interval id (``IntervalId``), may be empty.
        description: free text.

    Raises:
        InvalidScheduleError: ``unit`` is not an IntervalUnit (field ``unit``), or
            ``frequency`` is a bool, not an int, or below 1 (field ``frequency``).
        TypeMismatchError: ``id`` or ``description`` is not a str.

    >>> biweekly = ServiceInterval(IntervalUnit.WEEK, 2, id="2W")
    >>> print(biweekly)
    every 2 weeks
    >>> april = DateRange(date(2007, 4, 1), date(2007, 5, 1))
    >>> [d.day for d in biweekly.occurrences(date(2007, 4, 1), april)]
    [1, 15, 29]
    """

    unit: IntervalUnit = attrs.field(validator=_INTERVAL_UNIT)
    frequency: int = attrs.field(validator=_FREQUENCY)
    id: str = attrs.field(default="", validator=is_str)
    description: str = attrs.field(default="", validator=is_str)
    _code: PeriodCode = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_code", PeriodCode(_PERIOD_UNIT[self.unit], self.frequency))

    @property
    def code(self) -> PeriodCode:
        """The interval as a :class:`~servicedomain.periods.PeriodCode` (``P2W``, ``P1M``)."""
        return self._code

    def occurrences(self, start: date, within: DateRange) -> list[date]:
        """The occurrences from ``start`` (``start + k x interval``, k >= 0) in ``within``.

        The first occurrence in ``within`` is found arithmetically, so a range years
        after ``start`` costs no more than one near it.

        Raises:
            TypeMismatchError: ``start`` is not a date or ``within`` not a DateRange.

        >>> monthly = ServiceInterval(IntervalUnit.MONTH, 1)
        >>> spring = DateRange(date(2024, 2, 1), date(2024, 5, 1))
        >>> [str(d) for d in monthly.occurrences(date(2024, 1, 31), spring)]
        ['2024-02-29', '2024-03-31', '2024-04-30']
        """
        first = require_date(start, "start")
        _RANGE.check(within, "within")
        found = occurrence_ordinals(self, first, within.start.toordinal(), within.end.toordinal())
        return [date.fromordinal(ordinal) for ordinal in found]

    def __str__(self) -> str:
        name = self.unit.value
        return f"every {name}" if self.frequency == 1 else f"every {self.frequency} {name}s"


def occurrence_ordinals(
    interval: ServiceInterval | None, start: date, low: int, high: int
) -> list[int]:
    """The ordinals of ``start + k x interval`` (k >= 0) in ``[low, high)``, ascending.

    ``None`` is a one-time line: ``start`` alone. Day-based intervals are pure integer
    arithmetic; month-based ones step with :meth:`PeriodCode.step` from ``start``,
    beginning at the first step estimated from the month difference (no walk from
    ``start``). Occurrences past the end of the calendar are simply not there.
    """
    first = start.toordinal()
    if interval is None:
        return [first] if low <= first < high else []
    code = interval._code
    if not code.is_month_based:
        step = code.days
        if first < low:
            first += -(-(low - first) // step) * step
        return list(range(first, high, step))
    months = code.months
    k = 0
    if first < low:
        floor = date.fromordinal(low)
        k = max(0, ((floor.year - start.year) * 12 + floor.month - start.month) // months)
    found: list[int] = []
    while True:
        try:
            ordinal = code.step(start, k).toordinal()
        except InvalidScheduleError:  # past year 9999
            break
        if ordinal >= high:
            break
        if ordinal >= low:
            found.append(ordinal)
        k += 1
    return found


class WindowKind(StrictEnum):
    """How far a generated line may move from its calculated date (AX *Group within period*).

    ``WEEK``: any day of the same ISO week (Monday to Sunday). ``MONTH``: any day of the
    same calendar month. ``DAYS`` (AX *Manual*): up to ``days_before`` before and
    ``days_after`` after.
    """

    WEEK = "week"
    MONTH = "month"
    DAYS = "days"


_DAY_COUNT: Final = integer(minimum=0, reason="a number of days is >= 0")
_ORDINAL: Final = integer(minimum=MIN_ORDINAL)


def _v_days(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    # A count of days; only a DAYS window has one (a check across two fields).
    _DAY_COUNT.check(value, attribute.name)
    if value and instance.kind is not WindowKind.DAYS:
        raise InvalidInputError(
            attribute.name,
            value,
            f"only a DAYS window counts days; a {instance.kind.name} window is the whole "
            f"{instance.kind.value}",
        )


@attrs.frozen
class TimeWindow:
    """How far a generated line may move from its calculated date (AX ``SMATimeAgreement``).

    Generation moves a line inside its window to a date where other lines of the same
    order group fall, so that as many lines as possible share as few orders as
    possible (see :func:`generate_service_orders`); a line without a window stays on
    its calculated date.

    Args:
        kind: week, month or days.
        days_before: for a ``DAYS`` window, how many days earlier the line may move.
        days_after: for a ``DAYS`` window, how many days later the line may move.
        id: the host's window id (``TimeAgreementId``), may be empty.
        description: free text.

    Raises:
        TypeMismatchError: ``kind`` is not a WindowKind, a day count is not an int.
        InvalidInputError: a negative day count, or a non-zero one on a week or month
            window (the field is named).

    >>> print(TimeWindow(WindowKind.MONTH).bounds(date(2012, 2, 15)))
    [2012-02-01, 2012-03-01)
    >>> print(TimeWindow(WindowKind.DAYS, days_before=2, days_after=3).bounds(date(2012, 2, 15)))
    [2012-02-13, 2012-02-19)
    """

    kind: WindowKind = attrs.field(validator=in_(WindowKind))
    days_before: int = attrs.field(default=0, validator=_v_days)
    days_after: int = attrs.field(default=0, validator=_v_days)
    id: str = attrs.field(default="", validator=is_str)
    description: str = attrs.field(default="", validator=is_str)

    @property
    def reach(self) -> int:
        """The most days the window can reach from a date, before or after (30 for a month)."""
        if self.kind is WindowKind.WEEK:
            return 6
        if self.kind is WindowKind.MONTH:
            return 30
        return max(self.days_before, self.days_after)

    def bounds(self, calculated: date) -> DateRange:
        """The dates a line calculated on ``calculated`` may move to, as a half-open range.

        ``WEEK``: the ISO week (Monday to Sunday) of the date; ``MONTH``: its calendar
        month; ``DAYS``: ``[calculated - days_before, calculated + days_after]``. The
        range is cut at the ends of the calendar.

        Raises:
            TypeMismatchError: ``calculated`` is not a date.
            InvalidPeriodError: ``calculated`` is ``date.max``, which no half-open range
                can hold.

        >>> print(TimeWindow(WindowKind.WEEK).bounds(date(2012, 2, 15)))
        [2012-02-13, 2012-02-20)
        """
        day = require_date(calculated, "calculated")
        if day == date.max:
            raise InvalidPeriodError(
                "calculated", day, "the last day of the calendar has no half-open range"
            )
        low, high = self.ordinal_bounds(day.toordinal())
        return DateRange(date.fromordinal(low), date.fromordinal(min(high, END_ORDINAL - 1)))

    def ordinal_bounds(self, calculated_ordinal: int) -> tuple[int, int]:
        """:meth:`bounds` of the day of ordinal ``calculated_ordinal``, as ordinals.

        ``[low, high)``, cut at the calendar's ends.
        """
        _ORDINAL.check(calculated_ordinal, "calculated_ordinal")
        if calculated_ordinal >= END_ORDINAL:
            raise InvalidInputError(
                "calculated_ordinal", calculated_ordinal, "past the last day ordinal"
            )
        if self.kind is WindowKind.WEEK:
            # Ordinal 1 (0001-01-01) is a Monday.
            low = calculated_ordinal - (calculated_ordinal - 1) % 7
            high = low + 7
        elif self.kind is WindowKind.MONTH:
            day = date.fromordinal(calculated_ordinal)
            low = calculated_ordinal - day.day + 1
            high = low + monthrange(day.year, day.month)[1]
        else:
            low = calculated_ordinal - self.days_before
            high = calculated_ordinal + self.days_after + 1
        return max(low, MIN_ORDINAL), min(high, END_ORDINAL)


@attrs.frozen
class AgreementGroup:
    """An agreement group: sorts and filters agreements and may carry a default SLA.

    Args:
        id: the group id (``AgreementGroupId``).
        description: free text.
        default_sla_id: the SLA an agreement of the group uses when it names none.

    Raises:
        TypeMismatchError: a field of the wrong type.
        InvalidInputError: an empty id.

    >>> AgreementGroup("MAINT", "Maintenance", default_sla_id="SLA-48H").default_sla_id
    'SLA-48H'
    """

    id: str = attrs.field(validator=is_id)
    description: str = attrs.field(default="", validator=is_str)
    default_sla_id: str | None = attrs.field(default=None, validator=optional(is_id))
