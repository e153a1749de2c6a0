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

>>> from datetime import date
>>> monthly = Schedule(MONTHLY, date(2024, 1, 31))
>>> for k in range(4):
...     print(monthly.period(k))
[2024-01-31, 2024-02-29)
[2024-02-29, 2024-03-31)
[2024-03-31, 2024-04-30)
[2024-04-30, 2024-05-31)
"""

from __future__ import annotations

from servicedomain.periods._codes import (
    DAILY,
    HALF_YEARLY,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    PeriodCode,
    PeriodUnit,
)
from servicedomain.periods._range_pool import DateRangePool
from servicedomain.periods._ranges import DateRange
from servicedomain.periods._schedules import Alignment, Schedule

__all__ = [
    "DateRange",
    "DateRangePool",
    "PeriodUnit",
    "PeriodCode",
    "DAILY",
    "WEEKLY",
    "MONTHLY",
    "QUARTERLY",
    "HALF_YEARLY",
    "YEARLY",
    "Alignment",
    "Schedule",
]
