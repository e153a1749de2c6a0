"""A technician's free time: working time minus held bookings minus absences (private)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final

from servicedomain._checks import instance_of, items_of
from servicedomain.dispatch._bookings import Booking
from servicedomain.dispatch._intervals import Interval, cut, merged, subtract
from servicedomain.dispatch._technicians import Technician

_TECHNICIAN: Final = instance_of(Technician)
_WINDOW: Final = instance_of(Interval)
_BOOKINGS: Final = items_of(Booking)

Pairs = list[tuple[datetime, datetime]]


def check_bookings(bookings: object) -> tuple[Booking, ...]:
    """``bookings`` (any iterable of Booking) as a tuple, each checked."""
    return _BOOKINGS.check(bookings, "bookings")


def _utc(pairs: Iterable[tuple[datetime, datetime]]) -> Pairs:
    return [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in pairs]


def held_by(technician: Technician, bookings: Iterable[Booking]) -> list[Booking]:
    """The bookings of ``technician`` that hold its time (committed, in progress)."""
    return [b for b in bookings if b.technician_id == technician.id and b.blocks]


def working(technician: Technician, window: Interval) -> Pairs:
    """The technician's working intervals in ``window``, merged, in UTC."""
    return merged(_utc(technician.calendar.working_intervals(window.start, window.end)))


def absent(technician: Technician) -> Pairs:
    """The technician's absences as pairs."""
    return [(a.start, a.end) for a in technician.absences]


def availability(
    technician: Technician, bookings: Iterable[Booking], window: Interval
) -> tuple[Interval, ...]:
    """The free intervals of ``technician`` inside ``window`` (law D3).

    Free time is the working time of the technician's calendar (in its zone) inside
    ``window``, minus the time held by its ``committed`` and ``in_progress`` bookings,
    travel included (a booking holds ``[start - travel, end)``), minus its absences.
    A ``proposed`` booking does not block: it is a proposal that a dispatcher may still
    move, and :func:`~servicedomain.dispatch.book` checks again when it is committed;
    ``completed`` and ``canceled`` bookings no longer hold time. Bookings of other
    technicians are ignored.

    Returns:
        Half-open intervals, sorted, disjoint and merged (two that touch are one), in
        UTC.

    Raises:
        TypeMismatchError: ``technician`` is not a Technician, ``window`` not an
            Interval, ``bookings`` not an iterable of Booking.

    >>> from datetime import timedelta
    >>> from servicedomain.calendars import WorkingCalendar
    >>> from servicedomain.dispatch import BookingStatus
    >>> day = WorkingCalendar.standard("UTC", slots=["09:00-17:00"])
    >>> at = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    >>> tech, _ = Technician.create(id="W-1", calendar=day, at=at)
    >>> booked = Booking(id="B-1", version=1, requirement_id="RQ-1", technician_id="W-1",
    ...                  start=at + timedelta(hours=10), end=at + timedelta(hours=12),
    ...                  travel=timedelta(minutes=30), status=BookingStatus.COMMITTED)
    >>> for free in availability(tech, [booked], Interval(at, at + timedelta(days=1))):
    ...     print(f"{free.start:%H:%M}-{free.end:%H:%M}")
    09:00-09:30
    12:00-17:00
    """
    checked = _TECHNICIAN.check(technician, "technician")
    span = _WINDOW.check(window, "window")
    free = free_pairs(checked, held_by(checked, check_bookings(bookings)), span)
    return tuple(Interval(a, b) for a, b in free)


class WorkingTime:
    """The working time of calendars per window, each asked of its calendar once.

    ``candidates`` over a thousand technicians and ``auto_dispatch`` over thousands of
    requirements ask the same few windows of the same few calendars again and again:
    technicians of one calendar share its answer, and a window asked again is read
    back. An answer is :func:`working`'s, so nothing changes but the time it takes.
    Keep one for one call only (a calendar is known by its identity while it lives).
    """

    def __init__(self) -> None:
        self._known: dict[tuple[int, datetime, datetime], Pairs] = {}
        self._calendars: list[object] = []  # held, so that no id is reused meanwhile

    def of(self, technician: Technician, window: Interval) -> Pairs:
        """:func:`working` of ``technician`` in ``window`` (the list is shared: read it only)."""
        calendar = technician.calendar
        key = (id(calendar), window.start, window.end)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = working(technician, window)
            self._calendars.append(calendar)
        return found


def free_pairs(
    technician: Technician,
    held: Iterable[Booking],
    window: Interval,
    worked: Pairs | None = None,
) -> Pairs:
    """:func:`availability` as pairs, unchecked: ``held`` are bookings that hold time.

    For callers that checked their arguments once (``candidates`` over many
    technicians): ``held`` is not filtered again, so pass only the technician's
    blocking bookings; ``worked`` is :func:`working` of the technician in ``window``
    when the caller knows it already (a :class:`WorkingTime`).
    """
    if worked is None:
        worked = working(technician, window)
    if not worked:
        return []
    low, high = worked[0][0], worked[-1][1]
    busy = [
        (a, b)
        for a, b in _utc([(b.start - b.travel, b.end) for b in held] + absent(technician))
        if a < high and low < b
    ]
    return subtract(worked, busy) if busy else list(worked)


class Held:
    """A technician's bookings that hold time, and its busy time as sorted spans.

    The busy time (each held booking's ``[start - travel, end)``, each absence) is kept
    merged, in UTC, so a window's free time bisects to the few spans inside it instead
    of scanning every booking; ``auto_dispatch`` adds its proposals one by one. The
    free time is :func:`free_pairs`'s.
    """

    __slots__ = ("bookings", "ends", "spans", "starts")
    bookings: list[Booking]
    spans: Pairs
    starts: list[datetime]
    ends: list[datetime]

    def __init__(self, technician: Technician, bookings: Iterable[Booking]) -> None:
        self.bookings = list(bookings)
        if not self.bookings and not technician.absences:  # most of a crowd: nothing busy
            self.spans, self.starts, self.ends = [], [], []
            return
        # bookings and absences keep their instants in UTC (their converters)
        busy = [(b.start - b.travel, b.end) for b in self.bookings]
        busy.extend((a.start, a.end) for a in technician.absences)
        self._keep(busy if len(busy) == 1 else merged(busy))

    def _keep(self, spans: Pairs) -> None:
        self.spans = spans
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]

    def add(self, booking: Booking) -> None:
        """Hold ``booking``'s time too (a booking that holds time)."""
        self.bookings.append(booking)
        self._keep(merged([*self.spans, (booking.start - booking.travel, booking.end)]))

    def free(self, worked: Pairs) -> Pairs:
        """``worked`` (:func:`working` in a window) minus the busy time."""
        if not worked:
            return []
        if not self.spans:
            return list(worked)
        first = bisect_right(self.ends, worked[0][0])  # the first span ending after it
        last = bisect_left(self.starts, worked[-1][1])  # past the last starting before
        return cut(worked, self.spans[first:last]) if first < last else list(worked)
