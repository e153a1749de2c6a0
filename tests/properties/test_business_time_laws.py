"""Business-time laws S1-S4, S6 and S7 of invariants.md, over random working calendars.

Calendars are random: up to three slots per weekday on a 15-minute grid (so DST edges
such as 02:00, 02:30 and 03:00 come up often), overnight slots, random holidays and a
closed stretch, exceptions, in the zones of :func:`servicedomain.testing.strategies.zones`
(DST both ways, half-hour and 45-minute offsets, negative DST, a skipped day).

The laws are checked against each other and against an oracle written independently of
the calendar's tables: it resolves every slot of every date with ``fold`` and a
minute-by-minute scan through DST gaps, and measures overlaps with plain datetimes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given, reject
from hypothesis import strategies as st

from servicedomain.calendars import Slot, WorkingCalendar
from servicedomain.errors import InvalidCalendarError
from servicedomain.testing.strategies import aware_datetimes, zones

# ---------------------------------------------------------------------- strategies

WINDOW_START = datetime(2024, 6, 1, tzinfo=UTC)
WINDOW_END = datetime(2026, 6, 30, tzinfo=UTC)
GRID = [time(minutes // 60, minutes % 60) for minutes in range(0, 24 * 60, 15)]
NIGHT = [moment for moment in GRID if moment < time(4) or moment >= time(23)]
MIDNIGHT = time(0)
US = timedelta(microseconds=1)
# A calendar and the instants it is asked about share one zone per example.
ZONE = st.shared(zones(), key="calendar zone")


def minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


@st.composite
def day_slots(draw: st.DrawFn, *, earliest: int = 0, overnight: bool = True) -> list[Slot]:
    """Up to three slots in one day from minute ``earliest``; the last may run overnight.

    Boundaries are quarter hours, often at night, where clocks change.
    """
    day = [moment for moment in GRID if minutes(moment) >= earliest]
    night = [moment for moment in NIGHT if minutes(moment) >= earliest]
    cut = st.one_of(st.sampled_from(day), st.sampled_from(night or day))
    count = draw(st.integers(0, 3))
    cuts = sorted(draw(st.lists(cut, min_size=2 * count, max_size=2 * count, unique=True)))
    slots = [Slot(cuts[i], cuts[i + 1]) for i in range(0, 2 * count, 2)]
    if overnight and slots and slots[-1].start > MIDNIGHT and draw(st.booleans()):
        last = slots[-1]
        ends = [m for m in GRID if m < min(time(9), last.start)]
        slots[-1] = Slot(last.start, draw(st.sampled_from(ends)))
    return slots


def spill_minutes(slots: list[Slot]) -> int:
    return minutes(slots[-1].end) if slots and slots[-1].overnight else 0


@st.composite
def weeks(draw: st.DrawFn) -> list[list[Slot]]:
    """Seven days of slots, each day starting after the previous day's overnight spill."""
    days: list[list[Slot]] = []
    spill = 0
    for _ in range(7):
        slots = draw(day_slots(earliest=spill))
        days.append(slots)
        spill = spill_minutes(slots)
    monday_start = minutes(days[0][0].start) if days[0] else 24 * 60
    if spill > monday_start:  # Sunday's overnight slot would run into Monday's first
        days[6][-1] = Slot(days[6][-1].start, MIDNIGHT)
    assume(any(days))
    return days


days_in_window = st.dates(min_value=date(2024, 5, 25), max_value=date(2026, 7, 5))


@st.composite
def calendars(
    draw: st.DrawFn, *, zone: st.SearchStrategy[ZoneInfo] = ZONE, horizon_days: int = 3660
) -> WorkingCalendar:
    """Random valid calendars: weekly slots, holidays, a closed stretch, exceptions."""
    weekly = draw(weeks())
    holidays = set(draw(st.lists(days_in_window, max_size=15)))
    if draw(st.booleans()):  # a closed stretch (a shutdown), up to a whole year
        first = draw(days_in_window)
        holidays |= {first + timedelta(days=i) for i in range(draw(st.integers(1, 400)))}
    latest_spill = max(spill_minutes(day) for day in weekly)
    exceptions = {
        day: draw(day_slots(earliest=latest_spill, overnight=False))
        for day in draw(st.lists(days_in_window, max_size=4, unique=True))
    }
    return WorkingCalendar(
        zone=draw(zone),
        weekly=weekly,
        holidays=holidays,
        exceptions=exceptions,
        horizon_days=horizon_days,
    )


@functools.cache
def transitions(zone: ZoneInfo) -> tuple[datetime, ...]:
    """The instants in the window at which ``zone``'s UTC offset changes."""
    found = []
    moment = WINDOW_START
    offset = moment.astimezone(zone).utcoffset()
    while moment < WINDOW_END:
        later = moment + timedelta(hours=1)
        if later.astimezone(zone).utcoffset() != offset:
            while moment.astimezone(zone).utcoffset() == offset:
                moment += timedelta(minutes=1)
            found.append(moment)
            offset = moment.astimezone(zone).utcoffset()
            later = moment + timedelta(hours=1)
        moment = later
    return tuple(found)


def on_the_quarter(instant: datetime) -> datetime:
    """The instant whose wall clock reads ``instant``'s, cut to the quarter hour (in UTC)."""
    wall = instant.replace(minute=instant.minute // 15 * 15, second=0, microsecond=0)
    return wall.astimezone(UTC)


def instants_in(zone: ZoneInfo) -> st.SearchStrategy[datetime]:
    """Instants in the window: anywhere, on quarter hours, and near the zone's DST changes."""
    anywhere = aware_datetimes(
        min_value=WINDOW_START, max_value=WINDOW_END, timezones=st.just(zone)
    )
    options = [anywhere, anywhere.map(on_the_quarter)]
    if transitions(zone):
        near = st.builds(
            lambda change, seconds: (change + timedelta(seconds=seconds)).astimezone(zone),
            st.sampled_from(transitions(zone)),
            st.integers(-36 * 3600, 36 * 3600),
        )
        options += [near, near.map(on_the_quarter)]
    return st.one_of(options)


def instants(zone: st.SearchStrategy[ZoneInfo] = ZONE) -> st.SearchStrategy[datetime]:
    return zone.flatmap(instants_in)


def weekly_minutes(calendar: WorkingCalendar) -> int:
    total = 0
    for day in calendar.weekly:
        for slot in day:
            total += (minutes(slot.end) - minutes(slot.start)) % (24 * 60) or 24 * 60
    return total


@st.composite
def durations(draw: st.DrawFn, calendar: WorkingCalendar, *, weeks_of_work: int = 3) -> timedelta:
    """Durations from 0 to a few weeks of the calendar's working time, to the microsecond."""
    seconds = draw(st.integers(0, weekly_minutes(calendar) * 60 * weeks_of_work))
    micro = draw(st.sampled_from([0, 0, 1, 999_999]))
    return timedelta(seconds=seconds, microseconds=micro if seconds else 0)


def reachable(calendar: WorkingCalendar, start: datetime, duration: timedelta) -> datetime:
    """The deadline, or a rejected example when it lies past the horizon (law S7 below)."""
    try:
        return calendar.deadline(start, duration)
    except InvalidCalendarError as error:
        if error.field != "horizon":
            raise
    return reject()


# ---------------------------------------------------------------------- the oracle


def oracle_instant(wall: datetime, zone: ZoneInfo, *, last: bool) -> datetime:
    """When the clock reads ``wall``: first (or last) occurrence; in a gap, the transition."""
    candidates = {wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)}
    real = [c for c in candidates if c.astimezone(zone).replace(tzinfo=None) == wall]
    if real:
        return max(real) if last else min(real)
    moment = min(candidates)  # before the gap; transitions fall on whole minutes
    while moment.astimezone(zone).replace(tzinfo=None) < wall:
        moment += timedelta(minutes=1)
    return moment


def oracle_intervals(
    calendar: WorkingCalendar, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, date]]:
    """Every slot's interval that meets ``[start, end]``, with the date it belongs to."""
    zone = calendar.zone
    found = []
    day = start.astimezone(zone).date() - timedelta(days=2)
    while day <= end.astimezone(zone).date() + timedelta(days=1):
        if day in calendar.holidays:
            slots: tuple[Slot, ...] = ()
        else:
            slots = calendar.exceptions.get(day, calendar.weekly[day.weekday()])
        for slot in slots:
            end_day = day + timedelta(days=1) if slot.overnight else day
            opens = oracle_instant(datetime.combine(day, slot.start), zone, last=False)
            closes = oracle_instant(datetime.combine(end_day, slot.end), zone, last=True)
            if opens < closes and opens <= end and closes >= start:
                found.append((opens, closes, day))
        day += timedelta(days=1)
    return sorted(found)


def union(intervals: list[tuple[datetime, datetime, date]]) -> Iterator[tuple[datetime, datetime]]:
    merged: list[list[datetime]] = []
    for opens, closes, _ in intervals:
        if merged and opens <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], closes)
        else:
            merged.append([opens, closes])
    return ((a, b) for a, b in merged)


def oracle_elapsed(calendar: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    total = timedelta(0)
    for opens, closes in union(oracle_intervals(calendar, start, end)):
        total += max(timedelta(0), min(closes, end) - max(opens, start))
    return total


def oracle_is_working(calendar: WorkingCalendar, instant: datetime) -> bool:
    return any(a <= instant < b for a, b, _ in oracle_intervals(calendar, instant, instant))


# --------------------------------------------------------------- pinned DST examples


def night_shift(zone: str) -> WorkingCalendar:
    """22:00 to 04:00 every night: the slots touch at midnight and cover DST changes."""
    return WorkingCalendar(zone=zone, weekly=[["00:00-04:00", "22:00-24:00"]] * 7)


def quarter_past(zone: str) -> WorkingCalendar:
    """Half-hour slots from a quarter past each night hour: a boundary falls in every gap
    and every repeated hour (even Lord Howe's 30-minute ones), so the resolution rules
    of gap and overlap boundaries are pinned."""
    hours = [0, 1, 2, 3, 23]
    return WorkingCalendar(zone=zone, weekly=[[f"{h:02}:15-{h:02}:45" for h in hours]] * 7)


PINNED = (night_shift, quarter_past)


TestFunction = TypeVar("TestFunction", bound=Callable[..., None])


# (zone, the eve of a DST change at night, the local hour to start): at least 8 zones.
DST_NIGHTS = [
    ("Europe/Paris", date(2025, 3, 29), 23),  # spring forward 02:00 -> 03:00
    ("Europe/Paris", date(2025, 10, 25), 23),  # fall back 03:00 -> 02:00
    ("America/New_York", date(2025, 3, 8), 23),  # 02:00 -> 03:00
    ("America/New_York", date(2025, 11, 1), 23),  # 02:00 -> 01:00
    ("Europe/London", date(2025, 3, 29), 23),  # 01:00 -> 02:00
    ("Europe/Dublin", date(2025, 10, 25), 23),  # negative DST in the tz data: back to GMT
    ("Europe/Dublin", date(2025, 3, 29), 23),
    ("Australia/Sydney", date(2025, 4, 5), 23),  # 03:00 -> 02:00, southern autumn
    ("Australia/Lord_Howe", date(2025, 4, 5), 23),  # a 30-minute change: 02:00 -> 01:30
    ("Australia/Lord_Howe", date(2025, 10, 4), 23),  # 02:00 -> 02:30
    ("Pacific/Chatham", date(2025, 4, 5), 23),  # +13:45 -> +12:45 at 03:45
    ("America/Sao_Paulo", date(2018, 11, 3), 23),  # DST began at midnight: 00:00 -> 01:00
    ("America/Sao_Paulo", date(2019, 2, 16), 22),  # ended at midnight: 24:00 -> 23:00
    ("Asia/Kolkata", date(2025, 3, 29), 23),  # a half-hour offset, no DST
    ("Pacific/Apia", date(2011, 12, 29), 22),  # Dec 30, 2011 never happened
    ("Africa/Casablanca", date(2025, 2, 22), 23),  # DST suspended for Ramadan
]


def dst_examples(test: TestFunction) -> TestFunction:
    """Pin each DST night as @examples: 1, 3 and 6 business hours from the eve."""
    for zone, eve, hour in DST_NIGHTS:
        start = datetime.combine(eve, time(hour), tzinfo=ZoneInfo(zone))
        for make in PINNED:
            for hours in (1, 3, 6):
                duration = timedelta(hours=hours)
                test = example(calendar=make(zone), start=start, duration=duration)(test)
    return test


# --------------------------------------------------------------------------- laws

DST_ZONES = st.shared(
    zones(
        names=[
            "Europe/Paris",
            "America/New_York",
            "Australia/Lord_Howe",
            "Europe/Dublin",
            "Pacific/Chatham",
            "America/Sao_Paulo",
            "Africa/Casablanca",
        ]
    ),
    key="DST zone",
)


@given(st.data(), calendars(), instants())
def test_S1_deadlines_add_up(
    data: st.DataObject, calendar: WorkingCalendar, start: datetime
) -> None:
    first = data.draw(durations(calendar))
    second = data.draw(durations(calendar))
    whole = reachable(calendar, start, first + second)
    middle = reachable(calendar, start, first)
    chained = reachable(calendar, middle, second)
    # 17:00 and the next opening are the same point: normalise the closing edge
    assert calendar.next_working_instant(whole) == calendar.next_working_instant(chained)
    if second:  # with second > 0, the earliest instant is the same instant
        assert whole == chained
    assert calendar.elapsed(start, whole) == calendar.elapsed(start, chained) == first + second


@given(st.data(), calendars(), instants())
def test_S2_elapsed_inverts_deadline_and_splits(
    data: st.DataObject, calendar: WorkingCalendar, start: datetime
) -> None:
    duration = data.draw(durations(calendar))
    due = reachable(calendar, start, duration)
    assert calendar.elapsed(start, due) == duration
    cut = data.draw(
        st.datetimes(
            min_value=start.astimezone(UTC).replace(tzinfo=None),
            max_value=due.replace(tzinfo=None),
            timezones=st.just(UTC),
        )
    )
    assert calendar.elapsed(start, cut) + calendar.elapsed(cut, due) == duration


@given(calendars(), instants(), instants(), instants())
@example(
    calendar=WorkingCalendar.standard("Europe/Paris", weekdays=(6,), slots=("00:00-04:00",)),
    one=datetime(2024, 10, 27, 2, 59, 59, tzinfo=ZoneInfo("Europe/Paris")),
    two=datetime(2024, 10, 27, 2, 30, tzinfo=ZoneInfo("Europe/Paris")),
    three=datetime(2024, 10, 27, 2, 0, fold=1, tzinfo=ZoneInfo("Europe/Paris")),
)
def test_S2_elapsed_splits_at_any_instant(
    calendar: WorkingCalendar, one: datetime, two: datetime, three: datetime
) -> None:
    # over two years of instants, so a range often spans a whole year in its middle
    first, middle, last = sorted([one, two, three], key=lambda instant: instant.astimezone(UTC))
    whole = calendar.elapsed(first, last)
    assert whole == calendar.elapsed(first, middle) + calendar.elapsed(middle, last)
    # real time between the instants: subtract in UTC (same-zone subtraction is wall-clock)
    assert timedelta(0) <= whole <= last.astimezone(UTC) - first.astimezone(UTC)


def dst_oracle_examples(test: TestFunction) -> TestFunction:
    """Pin each DST night for the oracle: 12 hours from the eve, across the change."""
    for zone, eve, hour in DST_NIGHTS:
        start = datetime.combine(eve, time(hour), tzinfo=ZoneInfo(zone))
        for make in PINNED:
            test = example(calendar=make(zone), start=start, seconds=12 * 3600)(test)
    return test


@dst_oracle_examples
@given(
    calendar=calendars(),
    start=instants(),
    seconds=st.one_of(st.integers(0, 20 * 24 * 3600), st.integers(0, 800 * 24 * 3600)),
)
def test_S2_elapsed_matches_an_independent_oracle(
    calendar: WorkingCalendar, start: datetime, seconds: int
) -> None:
    # Python adds a timedelta to a zoned datetime on the wall clock, and compares two
    # datetimes of one zone by their wall clocks (PEP 495): the oracle works in UTC.
    utc = start.astimezone(UTC)
    end = utc + timedelta(seconds=seconds)
    assert calendar.elapsed(start, end) == oracle_elapsed(calendar, utc, end)
    assert calendar.is_working(start) == oracle_is_working(calendar, utc)
    clipped = [(max(a, utc), min(b, end)) for a, b in union(oracle_intervals(calendar, utc, end))]
    assert calendar.working_intervals(start, end) == [(a, b) for a, b in clipped if a < b]


@given(st.data(), calendars(), instants(), instants())
def test_S3_deadlines_never_decrease_and_zero_is_the_next_working_instant(
    data: st.DataObject, calendar: WorkingCalendar, one: datetime, other: datetime
) -> None:
    early, late = sorted([one, other], key=lambda instant: instant.astimezone(UTC))
    small, large = sorted([data.draw(durations(calendar)), data.draw(durations(calendar))])
    assert reachable(calendar, early, small) <= reachable(calendar, late, small)
    assert reachable(calendar, early, small) <= reachable(calendar, early, large)
    resumes = reachable(calendar, early, timedelta(0))
    assert resumes == calendar.next_working_instant(early)
    assert calendar.is_working(resumes)
    assert calendar.elapsed(early, resumes) == timedelta(0)
    assert resumes == early.astimezone(UTC) or not calendar.is_working(early)


@given(st.data(), calendars(), instants())
def test_S4_deadlines_fall_in_working_time_never_on_a_holiday(
    data: st.DataObject, calendar: WorkingCalendar, start: datetime
) -> None:
    duration = data.draw(durations(calendar))
    due = reachable(calendar, start, duration)
    if duration:  # inside a working interval or on its closing edge
        assert calendar.is_working(due - US)
        holding = [i for i in oracle_intervals(calendar, due - US, due) if i[0] < due <= i[1]]
    else:
        assert calendar.is_working(due)
        holding = [i for i in oracle_intervals(calendar, due, due) if i[0] <= due < i[1]]
    assert holding
    assert all(day not in calendar.holidays for _, _, day in holding)
    assert not all(calendar.is_closed(day) for _, _, day in holding)


@dst_examples
@given(
    calendar=calendars(zone=DST_ZONES),
    start=instants(DST_ZONES),
    duration=st.integers(1, 6 * 3600).map(lambda seconds: timedelta(seconds=seconds)),
)
def test_S6_a_business_hour_across_dst_is_a_real_hour(
    calendar: WorkingCalendar, start: datetime, duration: timedelta
) -> None:
    opens = calendar.next_working_instant(start)
    due = reachable(calendar, opens, duration)
    # the real time spent inside working intervals is the business duration
    spent = sum((b - a for a, b in calendar.working_intervals(opens, due)), timedelta(0))
    assert spent == duration
    # within one working interval, business time is real (UTC) time, whatever the clock says
    first_end = calendar.working_intervals(opens, opens + timedelta(days=2))[0][1]
    if duration <= first_end - opens:
        assert due - opens == duration


@given(calendars(horizon_days=60), instants(), st.integers(0, 400))
def test_S7_an_all_holiday_stretch_past_the_horizon_raises(
    calendar: WorkingCalendar, start: datetime, extra_days: int
) -> None:
    first = start.astimezone(calendar.zone).date() - timedelta(days=1)
    closed = {first + timedelta(days=i) for i in range(60 + 2 + extra_days)}
    shut = WorkingCalendar(
        zone=calendar.zone,
        weekly=calendar.weekly,
        horizon_days=60,
        holidays=calendar.holidays | closed,
    )
    queries: list[Callable[[], object]] = [
        lambda: shut.deadline(start, timedelta(hours=1)),
        lambda: shut.next_working_instant(start),
        lambda: shut.deadline(start, US),
        lambda: shut.deadlines([start], US),
    ]
    for query in queries:
        with pytest.raises(InvalidCalendarError) as raised:
            query()
        assert raised.value.field == "horizon"


@given(st.data(), calendars(horizon_days=400), instants())
def test_S7_every_query_terminates_with_a_result_or_a_horizon_error(
    data: st.DataObject, calendar: WorkingCalendar, start: datetime
) -> None:
    duration = data.draw(durations(calendar, weeks_of_work=60))
    field = ""
    try:
        due = calendar.deadline(start, duration)
    except InvalidCalendarError as error:
        field = error.field
    if field:
        assert field == "horizon"
        # beyond the horizon: the working time within it is less than the duration
        horizon_end = start.astimezone(UTC) + timedelta(days=calendar.horizon_days)
        assert calendar.elapsed(start, horizon_end) < duration
    else:
        assert due - start <= timedelta(days=calendar.horizon_days)
        assert calendar.elapsed(start, due) == duration


@given(st.data(), calendars(), st.lists(instants(), max_size=30))
def test_batch_deadlines_equal_one_at_a_time(
    data: st.DataObject, calendar: WorkingCalendar, starts: list[datetime]
) -> None:
    duration = data.draw(durations(calendar))
    try:
        expected = [calendar.deadline(start, duration) for start in starts]
    except InvalidCalendarError:
        with pytest.raises(InvalidCalendarError) as raised:
            calendar.deadlines(starts, duration)
        assert raised.value.field == "horizon"
    else:
        assert calendar.deadlines(starts, duration) == expected


@given(calendar=calendars(), start=instants(), seconds=st.integers(0, 20 * 24 * 3600))
def test_S2_elapsed_on_the_table_last_used_matches_the_oracle(
    calendar: WorkingCalendar, start: datetime, seconds: int
) -> None:
    # is_working loads the table of start's year first, so elapsed takes its fast path
    # (both instants in the year last used) whenever the range stays in that year
    utc = start.astimezone(UTC)
    end = utc + timedelta(seconds=seconds)
    calendar.is_working(start)
    assert calendar.elapsed(start, end) == oracle_elapsed(calendar, utc, end)
    assert calendar.elapsed(end, end) == timedelta(0)
