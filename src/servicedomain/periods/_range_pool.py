"""A pool of shared date ranges: one object for equal ranges across a run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from servicedomain.errors import TypeMismatchError
from servicedomain.periods._ranges import DateRange

__all__ = ["DateRangePool"]

_NONE: dict[date, DateRange] = {}  # the ends of a start the pool has not seen (never written)


class DateRangePool:
    """Equal date ranges as one shared :class:`DateRange`, for a run that makes many.

    A fee run gives every fee its period, and subscriptions with the same anchor (or
    the same month ends) have equal periods. Taken from one pool, equal ranges are one
    object, and so are their dates: a run keeps one range per distinct period instead
    of one per fee. Ranges are immutable, so sharing them changes no result.

    A pool holds every distinct range it was asked for: make one for a run (or a batch)
    and drop it with the run. It is not thread-safe; give each thread its own.

    >>> pool = DateRangePool()
    >>> first = pool.get(date(2024, 1, 31), date(2024, 2, 29))
    >>> first is pool.get(date(2024, 1, 31), date(2024, 2, 29))
    True
    >>> [str(r) for r in pool.consecutive([date(2024, 1, 31), date(2024, 2, 29),
    ...     date(2024, 3, 31)])]
    ['[2024-01-31, 2024-02-29)', '[2024-02-29, 2024-03-31)']
    >>> pool.consecutive([date(2024, 1, 31), date(2024, 2, 29)])[0] is first, len(pool)
    (True, 2)
    """

    __slots__ = ("_by_start", "_count")

    def __init__(self) -> None:
        self._by_start: dict[date, dict[date, DateRange]] = {}
        self._count = 0

    def __len__(self) -> int:
        """The number of distinct ranges in the pool."""
        return self._count

    def __repr__(self) -> str:
        return f"DateRangePool({self._count} ranges)"

    def get(self, start: date, end: date) -> DateRange:
        """The shared range ``[start, end)``.

        Raises:
            TypeMismatchError: ``start`` or ``end`` is not a date (or is a ``datetime``).
            InvalidPeriodError: ``end <= start``.
        """
        try:
            found = self._by_start.get(start, _NONE).get(end)
        except TypeError:  # an unhashable bound: the constructor names it
            found = None
        return self._add(start, end) if found is None else found

    def consecutive(self, bounds: Sequence[date]) -> list[DateRange]:
        """The shared ranges ``[bounds[0], bounds[1])``, ``[bounds[1], bounds[2])``, ...

        ``bounds`` are increasing dates, such as a schedule's
        :meth:`~servicedomain.periods.Schedule.boundaries`; fewer than two give no range.

        Raises:
            TypeMismatchError: ``bounds`` is not a sequence; a bound is not a date (or is
                a ``datetime``).
            InvalidPeriodError: a bound is not after the one before it.
        """
        if not isinstance(bounds, list | tuple | Sequence):
            raise TypeMismatchError("bounds", bounds, "expected a sequence of dates")
        if len(bounds) < 2:
            return []
        lookup, add = self._by_start.get, self._add
        made: list[DateRange] = []
        append = made.append
        start = bounds[0]
        try:
            for end in bounds[1:]:
                found = lookup(start, _NONE).get(end)
                append(add(start, end) if found is None else found)
                start = end
        except TypeError:  # an unhashable bound: the constructor names it
            DateRange(start, end)
            raise
        return made

    def _add(self, start: date, end: date) -> DateRange:
        """A new range in the pool: checked unless both are plain dates in order."""
        if type(start) is date and type(end) is date and start < end:
            made = DateRange._trusted(start, end)
        else:
            made = DateRange(start, end)  # the constructor's errors name the bad bound
        ends = self._by_start.get(made.start)
        if ends is None:
            ends = self._by_start[made.start] = {}
        ends[made.end] = made
        self._count += 1
        return made
