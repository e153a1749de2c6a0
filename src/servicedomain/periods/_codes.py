"""Period codes: a unit times a count, normalised (``P1M``, ``P3M``, ``P1Y``, ``P2W``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

import attrs
import pendulum

from servicedomain._checks import and_, in_, integer, predicate
from servicedomain._enums import StrictEnum
from servicedomain.errors import InvalidScheduleError
from servicedomain.instants import require_date
from servicedomain.periods._ranges import _INT, _add_months

__all__ = [
    "PeriodUnit",
    "PeriodCode",
    "DAILY",
    "WEEKLY",
    "MONTHLY",
    "QUARTERLY",
    "HALF_YEARLY",
    "YEARLY",
]

# ------------------------------------------------------------------------- PeriodCode


class PeriodUnit(StrictEnum):
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


_UNIT: Final = in_(
    PeriodUnit,
    reason="expected a PeriodUnit member, e.g. PeriodUnit.MONTH",
    error=InvalidScheduleError,
)
_COUNT: Final = and_(
    predicate(
        lambda count: isinstance(count, int) and not isinstance(count, bool),
        "a period count is an int",
        error=InvalidScheduleError,
    ),
    integer(minimum=1, reason="a period count is >= 1", error=InvalidScheduleError),
)


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

    unit: PeriodUnit = attrs.field(validator=_UNIT)
    count: int = attrs.field(default=1, validator=_COUNT)
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
        return self._step(require_date(anchor, "anchor"), _INT.check(k, "k"))

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
