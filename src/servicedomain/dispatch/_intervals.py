"""Half-open intervals of aware instants, and the checks of dispatch durations (private)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Final

import attrs

from servicedomain._checks import is_instant, validator
from servicedomain.errors import InvalidDurationError, InvalidPeriodError, TypeMismatchError

_ZERO: Final = timedelta(0)


def _check_duration(value: object, field: str) -> timedelta:
    if not isinstance(value, timedelta):
        raise TypeMismatchError(
            field, value, f"expected a timedelta, got {type(value).__name__} (no float hours)"
        )
    return value


def _check_positive(value: object, field: str) -> timedelta:
    checked = _check_duration(value, field)
    if checked <= _ZERO:
        raise InvalidDurationError(field, value, "a duration is > 0")
    return checked


def _check_travel(value: object, field: str) -> timedelta:
    checked = _check_duration(value, field)
    if checked < _ZERO:
        raise InvalidDurationError(field, value, "a travel time is >= 0")
    return checked


def _in_utc(value: object, field: str) -> datetime:
    return is_instant.check(value, field).astimezone(UTC)


def utc_start(value: object) -> datetime:
    """The UTC form of the aware instant ``start`` (a naive one refused, naming ``start``).

    Dispatch adds and subtracts durations (travel, work) to instants; Python does that on
    the wall clock of an instant's zone, which is off by the DST change in between. In
    UTC it is real time, so every dispatch instant is kept in UTC.
    """
    return _in_utc(value, "start")


def utc_end(value: object) -> datetime:
    """The UTC form of the aware instant ``end`` (see :func:`utc_start`)."""
    return _in_utc(value, "end")


is_positive_duration: Final = validator(_check_positive, "a timedelta > 0")
"""A timedelta above zero (a float, an int, a negative or zero duration refused)."""
is_travel: Final = validator(_check_travel, "a timedelta >= 0")
"""A timedelta of zero or more (a travel time)."""


@attrs.frozen(order=True)
class Interval:
    """A half-open interval ``[start, end)`` of aware instants, never empty, kept in UTC.

    ``start`` is in it, ``end`` is not, so two intervals that touch (one's end the
    other's start) do not overlap.

    Raises:
        NaiveDatetimeError: ``start`` or ``end`` is naive.
        InvalidPeriodError: ``end`` is not after ``start`` (field ``"end"``).

    >>> from datetime import UTC
    >>> nine = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    >>> morning = Interval(nine, nine + timedelta(hours=3))
    >>> noon = nine + timedelta(hours=3)
    >>> morning.duration, morning.overlaps(Interval(noon, noon + timedelta(hours=1)))
    (datetime.timedelta(seconds=10800), False)
    """

    start: datetime = attrs.field(converter=utc_start)
    end: datetime = attrs.field(converter=utc_end)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidPeriodError(
                "end", self.end, f"an interval [start, end) is not empty: end after {self.start}"
            )

    @property
    def duration(self) -> timedelta:
        """``end - start``: the real time between them, over a DST change too.

        Python subtracts two instants of one zone as wall-clock times; the duration is
        taken in UTC, so a night losing an hour to summer time lasts one hour less.
        """
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    def overlaps(self, other: Interval) -> bool:
        """Whether the two intervals share an instant.

        Raises:
            TypeMismatchError: ``other`` is not an Interval.
        """
        checked = _check_interval(other, "other")
        return self.start < checked.end and checked.start < self.end

    def contains(self, other: Interval) -> bool:
        """Whether ``other`` lies wholly in this interval.

        Raises:
            TypeMismatchError: ``other`` is not an Interval.
        """
        checked = _check_interval(other, "other")
        return self.start <= checked.start and checked.end <= self.end

    def __str__(self) -> str:
        return f"[{self.start.isoformat()}, {self.end.isoformat()})"


def _check_interval(value: object, field: str) -> Interval:
    if not isinstance(value, Interval):
        raise TypeMismatchError(field, value, f"expected an Interval, got {type(value).__name__}")
    return value


def merged(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The union of ``intervals`` (pairs, empty ones dropped), sorted and merged."""
    out: list[list[datetime]] = []
    for start, end in sorted(pair for pair in intervals if pair[0] < pair[1]):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def cut(
    free: list[tuple[datetime, datetime]], busy: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """``free`` minus ``busy``, both sorted and disjoint (``busy`` merged): one sweep.

    What :func:`subtract` returns for merged ``busy``, each busy interval looked at
    from the first free interval it can touch on.
    """
    out: list[tuple[datetime, datetime]] = []
    first, count = 0, len(busy)
    for start, end in free:
        while first < count and busy[first][1] <= start:
            first += 1
        at = start
        index = first
        while index < count and busy[index][0] < end:
            b_start, b_end = busy[index]
            if at < b_start:
                out.append((at, b_start))
            at = max(at, b_end)
            if at >= end:
                break
            index += 1
        if at < end:
            out.append((at, end))
    return out


def subtract(
    free: list[tuple[datetime, datetime]], busy: Iterable[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """``free`` (sorted, disjoint) minus every interval of ``busy``."""
    result = free
    for b_start, b_end in merged(busy):
        pieces: list[tuple[datetime, datetime]] = []
        for start, end in result:
            if b_end <= start or end <= b_start:
                pieces.append((start, end))
                continue
            if start < b_start:
                pieces.append((start, b_start))
            if b_end < end:
                pieces.append((b_end, end))
        result = pieces
    return result
