"""The calendar protocols: what a calendar offers, and what feeds one.

:class:`ClosedDays` is what order generation asks of a calendar; a
:class:`~servicedomain.calendars.WorkingCalendar` implements it, and so can any host
calendar. :class:`HolidayCalendar` is what a holiday source offers
:meth:`~servicedomain.calendars.WorkingCalendar.with_holidays`. They live with the
calendars (not in :mod:`servicedomain.ports`) because they are shapes of the calendar
concept, which the domain itself consumes: the domain never imports the ports.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol, runtime_checkable

__all__ = ["ClosedDays", "HolidayCalendar"]


@runtime_checkable
class ClosedDays(Protocol):
    """Says whether a date is closed (a holiday, a weekend) in a host's calendar.

    Order generation flags an order that falls on a closed date with a calendar
    conflict (AX ``CalendarConflict``); the order is still created. The working
    calendars of the SLA module implement this port; so can any host calendar.
    """

    def is_closed(self, day: date) -> bool:
        """True when ``day`` is closed."""


@runtime_checkable
class HolidayCalendar(Protocol):
    """A port a host implements to feed closed dates (public holidays, company closures).

    :meth:`servicedomain.calendars.WorkingCalendar.with_holidays` reads it once, for a
    range of dates, and keeps the dates: a calendar stays a value, and a finite list of
    holidays means nothing is closed outside it.
    :class:`servicedomain.adapters.holidays.HolidaysCalendar` reads them from the
    ``holidays`` package.
    """

    def holidays_between(self, first: date, last: date) -> Iterable[date]:
        """The closed local dates from ``first`` to ``last``, both included."""
