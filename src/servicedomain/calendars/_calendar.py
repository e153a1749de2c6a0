"""The working calendar: weekly slots, holidays and exceptions in an IANA zone."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from itertools import repeat
from operator import sub
from typing import Final, cast
from zoneinfo import ZoneInfo

import attrs

from servicedomain._checks import check_keys, is_str, items, port
from servicedomain.calendars._checks import (
    FAST_ZONES,
    HORIZON,
    SlotsByDate,
    dates_from,
    exceptions_from,
    instant_deltas,
    require_duration_us,
    require_instant_us,
    to_exceptions,
    to_holidays,
    to_weekly,
    to_zone,
)
from servicedomain.calendars._protocols import HolidayCalendar
from servicedomain.calendars._slots import (
    DAY_NAMES,
    Slot,
    check_spill,
    slot_tuple,
    spans_of,
)
from servicedomain.calendars._tables import (
    EPOCH,
    MAX_US,
    MAX_YEAR,
    MIN_US,
    MIN_YEAR,
    YearTable,
    build_year,
    from_us,
    td_us,
    year_bound,
)
from servicedomain.errors import InvalidCalendarError, InvalidInputError, InvalidPeriodError
from servicedomain.instants import require_date

__all__ = ["WorkingCalendar"]

_ONE_DAY: Final = timedelta(days=1)
_DAY_US: Final = 86_400_000_000
_AVERAGE_YEAR_US: Final = 31_556_952_000_000  # 365.2425 days
_OPTIONAL_KEYS: Final = ("id", "holidays", "exceptions", "horizon_days")


class _Cache:
    """What a calendar computes once: slot spans and, lazily, year bounds and tables.

    Filling it is idempotent (two threads may compute the same year; both get equal
    tables) and ``last`` is only a hint that is checked before use, so it needs no lock.
    """

    __slots__ = ("bounds", "exception_spans", "last", "tables", "weekly_spans")

    def __init__(
        self,
        weekly_spans: tuple[tuple[tuple[int, int], ...], ...],
        exception_spans: dict[date, tuple[tuple[int, int], ...]],
    ) -> None:
        self.weekly_spans = weekly_spans
        self.exception_spans = exception_spans
        self.bounds: dict[int, int] = {}
        self.tables: dict[int, YearTable] = {}
        self.last = YearTable(0, 0, 0, [])  # the table used last: a fast path for queries


# ------------------------------------------------------------------ the calendar


_HOLIDAY_SOURCE: Final = port("holidays_between")


@attrs.frozen(kw_only=True)
class WorkingCalendar:
    """When work happens: weekly slots, holidays and exceptions in an IANA zone.

    The rules:

    * **Working time is made of real instants.** Each slot of a local date becomes one
      interval ``[start instant, end instant)``. A boundary in a DST gap resolves to the
      transition (the first instant whose wall clock reads at or after it); an
      ambiguous start takes its first occurrence and an ambiguous end its last, so a
      slot covers its whole wall-clock span: ``00:00-04:00`` is 5 real hours on a
      fall-back night and 3 on a spring-forward night. Durations are real time, so one
      business hour across a DST change is one real hour (law S6).
    * **Dates are local.** Holidays and exceptions are dates of the calendar's zone. An
      exception replaces that date's weekly slots (no slots: closed). A holiday closes
      the slots that start on it; an overnight slot belongs to the date it starts on.
    * **A finite list of holidays** closes those dates and nothing else: past its last
      date the weekly slots apply, never an error.
    * **Every search finishes** (law S7). A calendar needs working time in its week;
      a deadline or a next working instant further than ``horizon_days`` after the
      start raises :class:`~servicedomain.errors.InvalidCalendarError` (field
      ``"horizon"``).

    Queries take aware datetimes (naive ones raise
    :class:`~servicedomain.errors.NaiveDatetimeError`) and return aware datetimes in
    UTC. Arithmetic is exact to the microsecond: working time is kept as integer
    microseconds in per-year tables built on first use and answered by binary search.

    Args:
        id: the calendar's id (free text; AX ``CalendarId``).
        zone: an IANA zone name or :class:`~zoneinfo.ZoneInfo`.
        weekly: seven entries, Monday to Sunday, each the slots of that weekday
            (:class:`Slot` or text such as ``"08:00-12:00"``). Slots of a day must not
            overlap, and an overnight slot must not run into the next day's slots.
        holidays: closed local dates.
        exceptions: dates with their own slots (an empty list closes the date).
        horizon_days: how far, in days of 24 hours, a search goes before it gives up.

    Raises:
        InvalidCalendarError: no working time in the week, overlapping or bad slots
            (``field`` is ``"weekly[i]"`` or ``"exceptions[YYYY-MM-DD]"``), holidays that
            are datetimes or text (``"holidays"``), a horizon below 1.
        InvalidTimezoneError: an unknown zone, a fixed UTC offset or a pytz zone.

    >>> office = WorkingCalendar.standard("Europe/Paris", holidays=[date(2025, 5, 1)])
    >>> friday_evening = datetime(2025, 4, 25, 16, 0, tzinfo=office.zone)
    >>> print(office.deadline(friday_evening, timedelta(hours=2)))
    2025-04-28 07:00:00+00:00
    >>> print(office.elapsed(friday_evening, datetime(2025, 4, 28, 9, 0, tzinfo=office.zone)))
    2:00:00
    """

    id: str = attrs.field(default="", validator=is_str)
    zone: ZoneInfo = attrs.field(converter=to_zone)
    weekly: tuple[tuple[Slot, ...], ...] = attrs.field(converter=to_weekly)
    holidays: frozenset[date] = attrs.field(default=frozenset(), converter=to_holidays)
    exceptions: Mapping[date, tuple[Slot, ...]] = attrs.field(factory=dict, converter=to_exceptions)
    horizon_days: int = attrs.field(default=3660, validator=HORIZON)
    _cache: _Cache = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        exceptions = cast("SlotsByDate", self.exceptions)
        for day, slots in exceptions.items():
            field = f"exceptions[{day.isoformat()}]"
            check_spill(self.slots_on(day - _ONE_DAY), slots, field)
            check_spill(slots, self.slots_on(day + _ONE_DAY), field)
        object.__setattr__(
            self,
            "_cache",
            _Cache(
                tuple(spans_of(day) for day in self.weekly),
                {day: spans_of(slots) for day, slots in exceptions.items()},
            ),
        )

    # -------------------------------------------------------------- constructors

    @classmethod
    def standard(
        cls,
        zone: ZoneInfo | str,
        *,
        weekdays: Iterable[int] = (0, 1, 2, 3, 4),
        slots: Iterable[Slot | str] = ("08:00-17:00",),
        holidays: Iterable[date] = (),
        id: str = "",
    ) -> WorkingCalendar:
        """The same slots on some weekdays (default Monday to Friday, 08:00-17:00).

        Args:
            zone: an IANA zone name or :class:`~zoneinfo.ZoneInfo`.
            weekdays: the working weekdays, 0 (Monday) to 6 (Sunday).
            slots: the slots of each working day.
            holidays: closed local dates.
            id: the calendar's id.

        Raises:
            InvalidCalendarError: a weekday outside 0-6 (field ``"weekdays"``), or what the
                constructor refuses.

        >>> calendar = WorkingCalendar.standard("Europe/Stockholm", weekdays=[0, 2])
        >>> [len(day) for day in calendar.weekly]
        [1, 0, 1, 0, 0, 0, 0]
        """
        chosen = set()
        for day in items("weekdays").check(weekdays, "weekdays"):
            if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
                raise InvalidCalendarError("weekdays", day, "expected weekdays 0 (Monday) to 6")
            chosen.add(day)
        day_slots = slot_tuple(slots, "slots")
        weekly = [day_slots if day in chosen else () for day in range(7)]
        return cls(id=id, zone=zone, weekly=weekly, holidays=holidays)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> WorkingCalendar:
        """Build from a dict such as JSON or TOML gives.

        The shape: ``{"id": "SE", "zone": "Europe/Stockholm", "weekly": {"mon":
        ["08:00-12:00", "13:00-17:00"], ...}, "holidays": ["2025-12-25"], "exceptions":
        {"2025-12-24": ["08:00-12:00"], "2025-06-07": []}, "horizon_days": 3660}``.
        ``zone`` and ``weekly`` are required; a weekday left out has no slots. Dates
        are ISO-8601 text (or ``date`` values, as TOML gives). Unknown keys are refused.

        Raises:
            InvalidCalendarError: ``field`` is the culprit's path, such as
                ``"weekly.fri"``, ``"holidays[2]"`` or ``"exceptions.2025-12-24"``.
            InvalidTimezoneError: the zone is not an IANA zone name.

        >>> data = {"zone": "Europe/Paris", "weekly": {"mon": ["08:00-12:00"]}}
        >>> WorkingCalendar.from_dict(data).to_dict()["weekly"]["mon"]
        ['08:00-12:00']
        """
        check_keys(
            data,
            kind="WorkingCalendar",
            required=("zone", "weekly"),
            optional=_OPTIONAL_KEYS,
            error=InvalidCalendarError,
        )
        weekly_data = check_keys(
            data["weekly"],
            kind="WorkingCalendar.weekly",
            optional=DAY_NAMES,
            path="weekly.",
            error=InvalidCalendarError,
        )
        weekly = [slot_tuple(weekly_data.get(name, ()), f"weekly.{name}") for name in DAY_NAMES]
        holidays = dates_from(data.get("holidays", ()))
        exceptions = exceptions_from(data.get("exceptions", {}))
        try:
            return cls(
                id=cast("str", data.get("id", "")),
                zone=cast("str", data["zone"]),
                weekly=weekly,
                holidays=holidays,
                exceptions=exceptions,
                horizon_days=cast("int", data.get("horizon_days", 3660)),
            )
        except InvalidCalendarError as error:  # name the dict's keys
            field = error.field
            for i, name in enumerate(DAY_NAMES):
                field = field.replace(f"weekly[{i}]", f"weekly.{name}")
            if field.startswith("exceptions["):
                field = "exceptions." + field[len("exceptions[") : -1]
            raise InvalidCalendarError(field, error.value, error.reason) from None

    def to_dict(self) -> dict[str, object]:
        """The calendar as plain data; :meth:`from_dict` reads it back to an equal one.

        Every weekday is written out (``[]`` for none); dates and slots are text.
        """
        return {
            "id": self.id,
            "zone": self.zone.key,
            "weekly": {
                name: [str(slot) for slot in day]
                for name, day in zip(DAY_NAMES, self.weekly, strict=True)
            },
            "holidays": [day.isoformat() for day in sorted(self.holidays)],
            "exceptions": {
                day.isoformat(): [str(slot) for slot in slots]
                for day, slots in self.exceptions.items()
            },
            "horizon_days": self.horizon_days,
        }

    def with_holidays(self, source: HolidayCalendar, first: date, last: date) -> WorkingCalendar:
        """This calendar with the closed dates ``source`` gives from ``first`` to ``last``.

        Dates the source gives outside ``[first, last]`` are ignored; dates outside the
        range stay open (a finite list of holidays closes nothing beyond it).

        Raises:
            TypeMismatchError: ``first`` or ``last`` is not a date.
            InvalidPeriodError: ``last`` is before ``first``.
            InvalidCalendarError: the source gave something that is not a date.
        """
        _HOLIDAY_SOURCE.check(source, "source")
        require_date(first, "first")
        require_date(last, "last")
        if last < first:
            raise InvalidPeriodError("last", last, f"last must not be before first {first}")
        given = to_holidays(source.holidays_between(first, last))
        added = {day for day in given if first <= day <= last}
        return attrs.evolve(self, holidays=self.holidays | added)

    # ------------------------------------------------------------------ dates

    def slots_on(self, day: date) -> tuple[Slot, ...]:
        """The slots that start on a local date (none on a holiday).

        >>> [str(slot) for slot in WorkingCalendar.standard("UTC").slots_on(date(2025, 1, 6))]
        ['08:00-17:00']
        """
        require_date(day, "day")
        if day in self.holidays:
            return ()
        slots = self.exceptions.get(day)
        return self.weekly[day.weekday()] if slots is None else slots

    def is_closed(self, day: date) -> bool:
        """True when no slot starts on that local date.

        That is a holiday, an exception with no slots, or a weekday without slots. This
        implements :class:`servicedomain.calendars.ClosedDays`.

        >>> WorkingCalendar.standard("UTC").is_closed(date(2025, 1, 4))  # a Saturday
        True
        """
        return not self.slots_on(day)

    def closures(self, start: datetime, end: datetime) -> list[tuple[date, str]]:
        """The closed local dates that ``[start, end)`` touches, with why.

        The reason is ``"holiday"``, ``"exception"`` (an exception with no slots) or
        ``"no slots"`` (a weekday without slots).

        Raises:
            InvalidPeriodError: ``end`` is before ``start``.

        >>> calendar = WorkingCalendar.standard("UTC", holidays=[date(2025, 1, 6)])
        >>> saturday = datetime(2025, 1, 4, tzinfo=calendar.zone)
        >>> calendar.closures(saturday, saturday + timedelta(days=3))
        [(datetime.date(2025, 1, 4), 'no slots'), (datetime.date(2025, 1, 5), 'no slots'),
         (datetime.date(2025, 1, 6), 'holiday')]
        """
        start_us, end_us = self._period_us(start, end)
        if start_us == end_us:
            return []
        zone = self.zone
        day = from_us(start_us).astimezone(zone).date()
        last = from_us(end_us - 1).astimezone(zone).date()
        found = []
        while day <= last:
            if day in self.holidays:
                found.append((day, "holiday"))
            elif day in self.exceptions:
                if not self.exceptions[day]:
                    found.append((day, "exception"))
            elif not self.weekly[day.weekday()]:
                found.append((day, "no slots"))
            day += _ONE_DAY
        return found

    # --------------------------------------------------------------- instants

    def is_working(self, instant: datetime) -> bool:
        """True when ``instant`` lies in working time (a slot's start is in, its end out).

        >>> calendar = WorkingCalendar.standard("Europe/Paris")
        >>> calendar.is_working(datetime(2025, 1, 6, 17, 0, tzinfo=calendar.zone))
        False
        """
        us = require_instant_us(instant, "instant")
        table = self._table_at(us)
        i = bisect_right(table.starts, us) - 1
        return i >= 0 and us < table.ends[i]

    def next_working_instant(self, instant: datetime) -> datetime:
        """``instant`` itself if it is working time, else the start of the next slot.

        Raises:
            InvalidCalendarError: no working time within ``horizon_days`` (field
                ``"horizon"``).

        >>> calendar = WorkingCalendar.standard("Europe/Paris")
        >>> print(calendar.next_working_instant(datetime(2025, 1, 4, 12, 0, tzinfo=calendar.zone)))
        2025-01-06 07:00:00+00:00
        """
        return from_us(self._next_working_us(require_instant_us(instant, "instant")))

    def deadline(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which ``duration`` of working time has elapsed since ``start``.

        A deadline that falls at a closing time is that closing time, not the next
        opening. A zero duration gives :meth:`next_working_instant` (law S3: a ticket
        created after hours is due when work resumes). Sub-second durations are exact.

        Raises:
            InvalidInputError: a negative ``duration``.
            TypeMismatchError: ``duration`` is not a timedelta.
            InvalidCalendarError: the deadline is more than ``horizon_days`` after
                ``start`` (field ``"horizon"``).

        >>> calendar = WorkingCalendar.standard("Europe/Paris")
        >>> monday = datetime(2025, 1, 6, 8, 0, tzinfo=calendar.zone)
        >>> print(calendar.deadline(monday, timedelta(hours=9)))  # closing time
        2025-01-06 16:00:00+00:00
        """
        if type(start) is datetime and type(start.tzinfo) in FAST_ZONES:
            delta = start - EPOCH
            start_us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        else:
            start_us = require_instant_us(start, "start")
        duration_us = require_duration_us(duration)
        table = self._cache.last
        if not table.lo <= start_us < table.hi:
            table = self._locate(start_us, start, "start")
        if not duration_us:
            return from_us(self._next_working_us(start_us))
        starts = table.starts
        i = bisect_right(starts, start_us) - 1
        if i < 0:
            target = duration_us
        else:
            end = table.ends[i]
            target = table.cum[i] + (start_us if start_us < end else end) - starts[i] + duration_us
        if target > table.total:
            return from_us(self._chain(start_us, table, target))
        k = bisect_left(table.cum, target) - 1
        found = starts[k] + target - table.cum[k]
        if found - start_us > self.horizon_days * _DAY_US:
            raise self._horizon_error(start_us)
        return EPOCH + timedelta(0, 0, found)

    def deadlines(self, starts: Sequence[datetime], duration: timedelta) -> list[datetime]:
        """:meth:`deadline` for many starts and one duration, in the order of ``starts``.

        For hosts that recompute thousands of orders: the starts are checked and
        converted in bulk, each year's table is looked up once (starts over several years
        are sorted once and cut into one run per year), the binary searches run over the
        whole list at once, and starts with the same working-time target (all those in
        one closed stretch) share one computation. About twice as fast as one call per
        start, with the same results.

        Raises:
            NaiveDatetimeError: a start is naive (field ``"starts[i]"``).
            InvalidInputError: a negative ``duration``.
            InvalidCalendarError: a deadline beyond the horizon.

        >>> calendar = WorkingCalendar.standard("UTC")
        >>> monday = datetime(2025, 1, 6, 16, 0, tzinfo=calendar.zone)
        >>> [str(d) for d in calendar.deadlines([monday, monday - timedelta(days=3)],
        ...                                      timedelta(hours=1))]
        ['2025-01-06 17:00:00+00:00', '2025-01-03 17:00:00+00:00']
        """
        duration_us = require_duration_us(duration)
        deltas, low, high = instant_deltas(starts)
        count = len(deltas)
        if not count:
            return []
        if not duration_us:
            return [from_us(self._next_working_us(td_us(delta))) for delta in deltas]
        table = self._locate(td_us(low), None, "starts")
        if td_us(high) < table.hi:  # one year: no need to sort
            return self._deadlines_in(table, deltas, duration, low, high)
        order = sorted(range(count), key=deltas.__getitem__)  # sort once, a run per year
        ordered = [deltas[i] for i in order]
        found = [EPOCH] * count
        first = 0
        while first < count:
            table = self._table_at(td_us(ordered[first]))
            past = bisect_left(ordered, timedelta(0, 0, table.hi), first)
            part = ordered[first:past]
            run = self._deadlines_in(table, part, duration, part[0], part[-1])
            for index, deadline in zip(order[first:past], run, strict=True):
                found[index] = deadline
            first = past
        return found

    def _deadlines_in(
        self,
        table: YearTable,
        deltas: list[timedelta],
        duration: timedelta,
        low: timedelta,
        high: timedelta,
    ) -> list[datetime]:
        """Deadlines of starts (timedeltas since the epoch) that lie in ``table``'s year.

        Each step runs over the whole list at once (``map``), and equal working-time
        targets (every start in the same closed stretch has the same one) are resolved
        once: the deadline is ``target + offsets[bisect_left(cum, target)]``. ``low``
        and ``high`` are the earliest and the latest start.
        """
        count = len(deltas)
        cum, offsets = table.td_cum, table.td_offsets
        due_cum = [done + duration for done in cum]
        due_offsets = [offset - duration for offset in offsets]
        positions = map(bisect_right, repeat(table.td_starts, count), deltas)
        positions_list = list(positions)
        targets = list(
            map(
                min,
                map(sub, deltas, map(due_offsets.__getitem__, positions_list)),
                map(due_cum.__getitem__, positions_list),
            )
        )
        shown: dict[timedelta, datetime] = dict.fromkeys(targets, EPOCH)
        total = cum[-1]
        for target in shown:
            if target <= total:
                shown[target] = EPOCH + (target + offsets[bisect_left(cum, target)])
            else:  # past the year: chain the next years' tables
                shown[target] = from_us(self._chain(td_us(high), table, td_us(target)))
        horizon = timedelta(days=self.horizon_days)
        if shown[max(shown)] - EPOCH - low > horizon:
            for delta, target in zip(deltas, targets, strict=True):
                if shown[target] - EPOCH - delta > horizon:
                    raise self._horizon_error(td_us(delta))
        return list(map(shown.__getitem__, targets))

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """The working time in ``[start, end)``.

        It splits (law S2): ``elapsed(a, c) == elapsed(a, b) + elapsed(b, c)`` for any
        ``a <= b <= c``, and ``elapsed(s, deadline(s, d)) == d``.

        Raises:
            InvalidPeriodError: ``end`` is before ``start``.

        >>> calendar = WorkingCalendar.standard("Europe/Paris")
        >>> friday = datetime(2025, 1, 3, 16, 30, tzinfo=calendar.zone)
        >>> print(calendar.elapsed(friday, friday + timedelta(days=3)))
        9:00:00
        """
        if (
            type(start) is datetime
            and type(end) is datetime
            and type(start.tzinfo) in FAST_ZONES
            and type(end.tzinfo) in FAST_ZONES
        ):
            # The fast path: both instants in the year last used, as timedeltas since the
            # epoch (exact integer arithmetic). The working time before an instant ``t``
            # is ``min(t - offsets[p], cum[p])`` with ``p = bisect_right(starts, t)``.
            low = start - EPOCH
            high = end - EPOCH
            table = self._cache.last
            if table.td_lo <= low <= high < table.td_hi:
                starts, offsets, cum = table.td_starts, table.td_offsets, table.td_cum
                p = bisect_right(starts, high)
                done, cap = high - offsets[p], cum[p]
                q = bisect_right(starts, low)
                before, low_cap = low - offsets[q], cum[q]
                return (done if done < cap else cap) - (before if before < low_cap else low_cap)
        start_us, end_us = self._period_us(start, end)
        return timedelta(microseconds=self._elapsed_us(start_us, end_us))

    def working_intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The working intervals clipped to ``[start, end)``, in order, as UTC instants.

        Intervals that touch are one interval (a slot ending at 12:00 and one starting
        at 12:00 make one), so the list alternates with the gaps of non-working time:
        what an SLA's explanation timeline shows.

        Raises:
            InvalidPeriodError: ``end`` is before ``start``.

        >>> calendar = WorkingCalendar.standard("UTC", slots=["08:00-12:00", "13:00-17:00"])
        >>> day = datetime(2025, 1, 6, 10, 0, tzinfo=calendar.zone)
        >>> [(f"{a:%H:%M}", f"{b:%H:%M}") for a, b in
        ...  calendar.working_intervals(day, day + timedelta(hours=5))]
        [('10:00', '12:00'), ('13:00', '15:00')]
        """
        start_us, end_us = self._period_us(start, end)
        pieces: list[list[int]] = []
        if start_us == end_us:
            return []
        year = self._year_of(start_us)
        last_year = self._year_of(end_us - 1)
        while year <= last_year:
            table = self._table(year)
            i = bisect_right(table.ends, start_us)
            while i < len(table.starts) and table.starts[i] < end_us:
                a = max(table.starts[i], start_us)
                b = min(table.ends[i], end_us)
                if pieces and pieces[-1][1] == a:
                    pieces[-1][1] = b
                else:
                    pieces.append([a, b])
                i += 1
            year += 1
        return [(from_us(a), from_us(b)) for a, b in pieces]

    # -------------------------------------------------------------- internals

    @property
    def _horizon_us(self) -> int:
        return self.horizon_days * _DAY_US

    def _horizon_error(self, start_us: int) -> InvalidCalendarError:
        return InvalidCalendarError(
            "horizon",
            self.horizon_days,
            f"calendar {self.id!r} has no working time to reach within {self.horizon_days} "
            f"days after {from_us(start_us).isoformat()}",
        )

    def _period_us(self, start: datetime, end: datetime) -> tuple[int, int]:
        start_us = require_instant_us(start, "start")
        end_us = require_instant_us(end, "end")
        if end_us < start_us:
            raise InvalidPeriodError("end", end, f"end must not be before start {start}")
        return start_us, end_us

    def _locate(self, us: int, value: object, field: str) -> YearTable:
        """The table of the year holding instant ``us``, remembered as the last one."""
        if not MIN_US <= us < MAX_US:
            raise InvalidInputError(
                field,
                us if value is None else value,
                f"outside the years {MIN_YEAR + 1}-{MAX_YEAR - 1} a calendar computes",
            )
        table = self._table(self._year_of(us))
        self._cache.last = table
        return table

    def _table_at(self, us: int) -> YearTable:
        """The table of the year holding instant ``us`` (already checked to be in range)."""
        table = self._cache.last
        if table.lo <= us < table.hi:
            return table
        return self._locate(us, None, "instant")

    def _bound(self, year: int) -> int:
        bounds = self._cache.bounds
        found = bounds.get(year)
        if found is None:
            found = bounds[year] = year_bound(year, self.zone)
        return found

    def _year_of(self, us: int) -> int:
        """The local year of an instant (within the supported years)."""
        year = 1970 + us // _AVERAGE_YEAR_US
        while us < self._bound(year):
            year -= 1
        while us >= self._bound(year + 1):
            year += 1
        return year

    def _table(self, year: int) -> YearTable:
        tables = self._cache.tables
        table = tables.get(year)
        if table is None:
            table = tables[year] = build_year(
                year, self.zone, self._spans_on, self._bound(year), self._bound(year + 1)
            )
        return table

    def _spans_on(self, day: date) -> tuple[tuple[int, int], ...]:
        if day in self.holidays:
            return ()
        cache = self._cache
        spans = cache.exception_spans.get(day)
        return cache.weekly_spans[day.weekday()] if spans is None else spans

    def _next_table(self, table: YearTable, limit: int, start_us: int) -> YearTable:
        """The table of the year after ``table``, if it starts before ``limit``."""
        year = table.year + 1
        if year > MAX_YEAR or self._bound(year) > limit:
            raise self._horizon_error(start_us)
        return self._table(year)

    def _next_working_us(self, start_us: int) -> int:
        limit = start_us + self._horizon_us
        table = self._table_at(start_us)
        i = bisect_right(table.starts, start_us) - 1
        if i >= 0 and start_us < table.ends[i]:
            return start_us
        i += 1
        while i >= len(table.starts):
            table = self._next_table(table, limit, start_us)
            i = 0
        found = table.starts[i]
        if found > limit:
            raise self._horizon_error(start_us)
        return found

    def _chain(self, start_us: int, table: YearTable, target: int) -> int:
        """The deadline when ``target`` (working time since ``table.lo``) is past the year."""
        limit = start_us + self._horizon_us
        while target > table.total:
            target -= table.total
            table = self._next_table(table, limit, start_us)
        k = bisect_left(table.cum, target) - 1
        found = table.starts[k] + target - table.cum[k]
        if found > limit:
            raise self._horizon_error(start_us)
        return found

    def _elapsed_us(self, start_us: int, end_us: int) -> int:
        table = self._table_at(start_us)
        if end_us < table.hi:  # the common case: one year
            return table.worked_before(end_us) - table.worked_before(start_us)
        total = table.total - table.worked_before(start_us)
        last = self._year_of(end_us)
        for year in range(table.year + 1, last):
            total += self._table(year).total
        return total + self._table(last).worked_before(end_us)
