"""Working calendars: when work happens, and business-time arithmetic on instants.

A :class:`WorkingCalendar` has an IANA zone, weekly :class:`Slot` s (several per day; a
slot may run past midnight), holidays (closed local dates) and exceptions (a date with
its own slots: a Saturday opened, a half day). On aware instants it answers: is this
working time, when does work next resume, when has a business duration elapsed (the
deadline), and how much working time lies between two instants.

The rules (laws S1-S7 of the SLA module):

* Working time is real time. Each slot of a local date becomes an interval of real
  instants; a boundary in a DST gap resolves to the transition, an ambiguous start to
  its first occurrence and an ambiguous end to its last. One business hour across a DST
  change is one real hour (S6).
* A deadline is the **earliest** instant at which the duration has elapsed, so it falls
  in working time or on a closing edge, never on a holiday (S4); a zero duration gives
  the next working instant (S3). ``elapsed`` is its inverse and splits at any point (S2);
  deadlines add up (S1, with 17:00 and the next opening the same point).
* Arithmetic is exact: integer microseconds in per-year tables, built on first use and
  answered by binary search; ``deadlines`` answers many starts at once. Every search
  stops at the calendar's horizon (S7).

A host feeds closed dates through the :class:`HolidayCalendar` port
(:meth:`WorkingCalendar.with_holidays`); :mod:`servicedomain.adapters.holidays` reads
them from the ``holidays`` package. A calendar is a
:class:`ClosedDays` (``is_closed``) for order generation.

>>> from datetime import UTC, date, datetime, timedelta
>>> calendar = WorkingCalendar.standard(
...     "Europe/Stockholm", slots=["08:00-12:00", "13:00-17:00"], holidays=[date(2025, 12, 24)])
>>> created = datetime(2025, 12, 23, 15, 30, tzinfo=calendar.zone)
>>> due = calendar.deadline(created, timedelta(hours=4))
>>> print(due.astimezone(calendar.zone))
2025-12-25 10:30:00+01:00
>>> print(calendar.elapsed(created, due))
4:00:00
"""

from __future__ import annotations

from servicedomain.calendars._calendar import WorkingCalendar
from servicedomain.calendars._protocols import ClosedDays, HolidayCalendar
from servicedomain.calendars._slots import Slot

__all__ = ["ClosedDays", "HolidayCalendar", "Slot", "WorkingCalendar"]
