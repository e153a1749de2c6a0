"""Working time as integer microseconds: wall times resolved to instants, year tables.

Everything here works on integer epoch microseconds (UTC), so sums and differences are
exact. A :class:`YearTable` holds the working intervals of one local year as two sorted
lists (starts, ends) and a prefix sum of working microseconds, so "how much working time
before ``t``" and "when has ``n`` microseconds of working time elapsed" are one binary
search each.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Final, cast
from zoneinfo import ZoneInfo

from servicedomain.calendars._slots import DAY_US

__all__ = [
    "EPOCH",
    "MAX_US",
    "MAX_YEAR",
    "MIN_US",
    "MIN_YEAR",
    "YearTable",
    "build_year",
    "from_us",
    "instant_us",
    "resolve_wall",
    "td_us",
]

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH: Final = datetime(1970, 1, 1)  # noqa: DTZ001 - wall-clock arithmetic
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_ONE_DAY: Final = timedelta(days=1)
MIN_YEAR: Final = 2
"""The first local year a calendar computes (year 1 has no room for UTC offsets)."""
MAX_YEAR: Final = 9998
"""The last local year a calendar computes (a slot may run into the next year)."""


def instant_us(instant: datetime) -> int:
    """Epoch microseconds of an aware datetime (exact; no float)."""
    delta = instant - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


MIN_US: Final = instant_us(datetime(MIN_YEAR, 1, 2, tzinfo=UTC))
"""The earliest instant a calendar takes (its local year is at least ``MIN_YEAR``)."""
MAX_US: Final = instant_us(datetime(MAX_YEAR, 12, 30, tzinfo=UTC))
"""The first instant a calendar refuses (its local year could be past ``MAX_YEAR``)."""


def td_us(delta: timedelta) -> int:
    """Microseconds of a timedelta (exact)."""
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    """The aware UTC datetime of epoch microseconds."""
    return EPOCH + timedelta(0, 0, us)


def _offset_us(given: timedelta | None) -> int:
    offset = cast("timedelta", given)  # a ZoneInfo always gives an offset
    return (offset.days * 86_400 + offset.seconds) * 1_000_000 + offset.microseconds


def _reading_us(us: int, zone: ZoneInfo) -> int:
    """The wall-clock reading in ``zone`` at instant ``us``, as wall microseconds."""
    return us + _offset_us(from_us(us).astimezone(zone).utcoffset())


def resolve_wall(day: date, wall_time_us: int, zone: ZoneInfo, *, last: bool) -> int:
    """The instant (epoch microseconds) at which ``zone``'s clock reads a wall time.

    The wall time is ``wall_time_us`` microseconds after midnight of ``day`` (it may be
    on the next day for the end of an overnight slot). The policy of working calendars:

    * a wall time in a DST gap resolves to the transition instant: the first instant
      whose wall clock reads at or after it;
    * an ambiguous wall time resolves to its first occurrence, or to its last one when
      ``last`` is true (the end of a slot), so a slot covers the whole wall-clock span.
    """
    wall_us = (day.toordinal() - _EPOCH_ORDINAL) * DAY_US + wall_time_us
    wall = _NAIVE_EPOCH + timedelta(microseconds=wall_us)
    before = wall_us - _offset_us(zone.utcoffset(wall))
    after = wall_us - _offset_us(zone.utcoffset(wall.replace(fold=1)))
    if before == after:
        return before
    low, high = (before, after) if before < after else (after, before)
    if _reading_us(low, zone) == wall_us:  # the wall time occurs twice
        return high if last else low
    # A gap: readings jump over wall_us between low and high; find the first instant
    # whose reading is at or after it (the transition), by bisection on microseconds.
    while low + 1 < high:
        middle = (low + high) // 2
        if _reading_us(middle, zone) >= wall_us:
            high = middle
        else:
            low = middle
    return high


def year_bound(year: int, zone: ZoneInfo) -> int:
    """The first instant of a local year: when the clock first reads Jan 1, 00:00."""
    return resolve_wall(date(year, 1, 1), 0, zone, last=False)


class YearTable:
    """The working intervals of one local year, clipped to the year's real-time span.

    The spans of consecutive years touch (``hi`` of one is ``lo`` of the next), so the
    tables cut the time line into pieces with no gap and no overlap; an interval that
    runs over New Year's midnight is split in two touching pieces.

    Attributes:
        year: the local year.
        lo: the first instant of the year (epoch microseconds).
        hi: the first instant of the next year.
        starts: the interval starts, sorted.
        ends: the interval ends; ``starts[i] < ends[i] < starts[i + 1]`` (touching
            intervals are merged).
        cum: ``cum[i]`` is the working time before ``starts[i]`` within the year;
            ``cum[-1]`` (one more entry than intervals) is the year's total.
        total: the year's working time.
        td_starts, td_cum, td_offsets: the same integers as :class:`~datetime.timedelta`
            (since the epoch, or durations), for the batch form, which bisects on the
            timedeltas of its inputs without converting each to an int (timedelta
            arithmetic is integer arithmetic: still exact). ``td_offsets[p]`` is
            ``starts[p - 1] - cum[p - 1]`` (``lo`` for ``p == 0``), so the working time
            before an instant ``t`` with ``p = bisect_right(starts, t)`` is
            ``min(t - offsets[p], cum[p])`` and the instant at which the working time
            reaches ``w > 0`` is ``w + offsets[bisect_left(cum, w)]``.
        td_lo, td_hi: the instants of the year a query may take without further checks,
            as timedeltas since the epoch: ``[lo, hi)`` clipped to ``[MIN_US, MAX_US)``
            (empty for the placeholder table of a new calendar), for the fast path of
            ``elapsed``.
    """

    __slots__ = (
        "cum",
        "ends",
        "hi",
        "lo",
        "starts",
        "td_cum",
        "td_hi",
        "td_lo",
        "td_offsets",
        "td_starts",
        "total",
        "year",
    )

    def __init__(self, year: int, lo: int, hi: int, pieces: list[tuple[int, int]]) -> None:
        self.year = year
        self.lo = lo
        self.hi = hi
        starts: list[int] = []
        ends: list[int] = []
        for start, end in sorted(pieces):
            if ends and start <= ends[-1]:  # touching or overlapping: one interval
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        cum = [0]
        running = 0
        for start, end in zip(starts, ends, strict=True):
            running += end - start
            cum.append(running)
        self.starts = starts
        self.ends = ends
        self.cum = cum
        self.total = running
        self.td_lo = timedelta(0, 0, max(lo, MIN_US))
        self.td_hi = timedelta(0, 0, min(hi, MAX_US))
        self.td_starts = [timedelta(0, 0, start) for start in starts]
        self.td_cum = [timedelta(0, 0, done) for done in cum]
        self.td_offsets = [timedelta(0, 0, lo)] + [
            timedelta(0, 0, start - done) for start, done in zip(starts, cum, strict=False)
        ]

    def worked_before(self, us: int) -> int:
        """The working time in ``[lo, us)`` (``us`` within ``[lo, hi]``)."""
        i = bisect_right(self.starts, us) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.cum[i] + (us if us < end else end) - self.starts[i]


SpansOf = Callable[[date], tuple[tuple[int, int], ...]]
"""The slots that start on a local date, as wall microseconds from its midnight."""


def build_year(year: int, zone: ZoneInfo, spans_of: SpansOf, lo: int, hi: int) -> YearTable:
    """The working intervals of a local year, from the slots of each of its dates.

    The slots of Dec 31 of the year before are included for the part of an overnight
    slot that runs into Jan 1. A wall time whose two readings (``fold`` 0 and 1) agree
    is the common case and is resolved inline; the others go through
    :func:`resolve_wall`.
    """
    pieces: list[tuple[int, int]] = []
    offsets: dict[timedelta | None, int] = {}
    day = date(year - 1, 12, 31)
    last = date(year, 12, 31)
    while day <= last:
        spans = spans_of(day)
        if spans:
            midnight = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - a wall time
            base = (day.toordinal() - _EPOCH_ORDINAL) * DAY_US
            for span in spans:
                ends = []
                for wall_us, is_end in ((span[0], False), (span[1], True)):
                    wall = midnight + timedelta(0, 0, wall_us)
                    offset = zone.utcoffset(wall)
                    if offset == zone.utcoffset(wall.replace(fold=1)):
                        offset_us = offsets.get(offset)
                        if offset_us is None:
                            offset_us = offsets[offset] = _offset_us(offset)
                        ends.append(base + wall_us - offset_us)
                    else:  # a gap or a repeated hour
                        ends.append(resolve_wall(day, wall_us, zone, last=is_end))
                start = max(ends[0], lo)
                end = min(ends[1], hi)
                if start < end:
                    pieces.append((start, end))
        day += _ONE_DAY
    return YearTable(year, lo, hi, pieces)
