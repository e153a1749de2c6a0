"""Calendar laws of invariants.md (C1, C2, C3, C5) and the laws of periods.py's values.

Each oracle is computed independently of servicedomain.periods: month lengths come from
:func:`calendar.monthrange`, day counts from ordinals, boundaries from the rule in words.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from itertools import pairwise

from dateutil.relativedelta import relativedelta
from hypothesis import example, given
from hypothesis import strategies as st

from servicedomain.periods import (
    DAILY,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    Alignment,
    DateRange,
    PeriodCode,
    PeriodUnit,
    Schedule,
)

# ------------------------------------------------------------------- local strategies

MIN_DAY = date(1900, 1, 1)
MAX_DAY = date(2200, 12, 31)

days = st.dates(min_value=MIN_DAY, max_value=MAX_DAY)
# up to 12 years x 300 periods from 2200: far from year 9999
period_codes = st.builds(PeriodCode, st.sampled_from(list(PeriodUnit)), st.integers(1, 12))
calendar_codes = st.sampled_from(
    [PeriodCode(PeriodUnit.MONTH, n) for n in (1, 2, 3, 4, 6, 12)] + [DAILY, WEEKLY]
)
# anchors on the 1st of a month often, where calendar boundaries may or may not fall
anchors = st.one_of(days, days.map(lambda day: day.replace(day=1)))
schedules = st.one_of(
    st.builds(Schedule, period_codes, anchors, st.just(Alignment.ANCHORED)),
    st.builds(Schedule, calendar_codes, anchors, st.just(Alignment.CALENDAR)),
)
leap_years = st.integers(1600, 2396).map(lambda n: n - n % 4).filter(calendar.isleap)


@st.composite
def month_end_anchors(draw: st.DrawFn) -> date:
    """Anchors on day 28 to 31, the days that clamp."""
    year = draw(st.integers(1900, 2200))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(28, calendar.monthrange(year, month)[1]))
    return date(year, month, day)


@st.composite
def date_ranges(draw: st.DrawFn, max_days: int = 800) -> DateRange:
    start = draw(days)
    return DateRange(start, start + timedelta(days=draw(st.integers(1, max_days))))


@st.composite
def ranges_with_days_inside(draw: st.DrawFn) -> tuple[DateRange, list[date]]:
    """A range and split days in ``[start, end]`` (edges and repeats included)."""
    whole = draw(date_ranges(max_days=400))
    offsets = st.integers(0, whole.days)
    cuts = draw(st.lists(offsets.map(lambda i: whole.start + timedelta(days=i)), max_size=8))
    return whole, cuts


# -------------------------------------------------------------------------- oracles


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def days_in_month(index: int) -> int:
    year, month0 = divmod(index, 12)
    return calendar.monthrange(year, month0 + 1)[1]


def clamped(anchor: date, months: int) -> date:
    """``anchor`` moved by ``months``, its day clamped into the target month."""
    index = month_index(anchor) + months
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, min(anchor.day, days_in_month(index)))


def starts_a_period(schedule: Schedule, day: date) -> bool:
    """The boundary rule in words, for a day on or after the anchor."""
    code, anchor = schedule.period_code, schedule.anchor
    if day == anchor:
        return True
    if schedule.alignment is Alignment.CALENDAR:
        if code.is_month_based:
            return day.day == 1 and (day.month - 1) % code.months == 0
        return code.days == 1 or day.isoweekday() == 1
    if code.is_month_based:
        elapsed = month_index(day) - month_index(anchor)
        return elapsed % code.months == 0 and day == clamped(anchor, elapsed)
    return (day - anchor).days % code.days == 0


# ------------------------------------------------------------------------------- laws


@given(
    anchor=month_end_anchors(),
    n=st.integers(0, 240),
    months=st.sampled_from([1, 2, 3, 5, 6, 12, 18]),
)
@example(anchor=date(2023, 12, 31), n=3, months=1)  # dateutil #53: chaining gives Mar 28/29
@example(anchor=date(2024, 1, 31), n=3, months=1)  # killbill #127: Apr 30 is billed
@example(anchor=date(2024, 1, 30), n=1, months=1)  # lago #1840: Feb 29
def test_C1_periods_come_from_the_anchor(anchor: date, n: int, months: int) -> None:
    code = PeriodCode(PeriodUnit.MONTH, months)
    expected = clamped(anchor, n * months)
    assert code.step(anchor, n) == expected
    assert Schedule(code, anchor).period(n).start == expected

    # Chaining one step at a time keeps the smallest day met on the way, which is
    # what stepping from the anchor must not do.
    chained = anchor
    for _ in range(n):
        chained = chained + relativedelta(months=months)
    smallest = min(
        [anchor.day] + [days_in_month(month_index(anchor) + k * months) for k in range(1, n + 1)]
    )
    assert chained == expected.replace(day=smallest)
    assert (chained != expected) == (smallest < expected.day)
    if (anchor, n, months) == (date(2023, 12, 31), 3, 1):
        assert expected == date(2024, 3, 31)
        assert chained != expected


@given(schedule=schedules, k=st.integers(0, 300))
def test_C2_periods_are_contiguous(schedule: Schedule, k: int) -> None:
    current, following = schedule.period(k), schedule.period(k + 1)
    assert current.end == following.start
    assert current.start < current.end
    assert schedule.period(0).start == schedule.anchor
    if k > 0:
        assert schedule.period(k - 1).end == current.start


@given(schedule=schedules, within=date_ranges(max_days=400))
@example(
    schedule=Schedule(QUARTERLY, date(2024, 2, 15), Alignment.CALENDAR),
    within=DateRange(date(2024, 1, 1), date(2025, 1, 1)),
)
@example(
    schedule=Schedule(MONTHLY, date(2024, 1, 31)),
    within=DateRange(date(2024, 2, 29), date(2024, 3, 31)),
)
@example(  # the 1st of a month that starts no quarter: a stub up to Jul 1
    schedule=Schedule(QUARTERLY, date(2024, 5, 1), Alignment.CALENDAR),
    within=DateRange(date(2024, 6, 1), date(2024, 7, 2)),
)
def test_C2_periods_overlapping_a_range_match_an_independent_count(
    schedule: Schedule, within: DateRange
) -> None:
    found = list(schedule.periods(within))
    if within.end <= schedule.anchor:
        expected = 0
    else:
        first = max(within.start, schedule.anchor)
        day_count = (within.end - first).days
        inside = (first + timedelta(days=i) for i in range(1, day_count))
        expected = 1 + sum(1 for day in inside if starts_a_period(schedule, day))
    assert len(found) == expected
    for before, after in pairwise(found):
        assert before.end == after.start
    for period in found:
        assert period.overlaps(within)
        assert period == schedule.period(schedule.index_of(period.start))


@given(year=leap_years, n=st.integers(0, 400))
@example(year=1996, n=4)  # lands on 2000-02-29: 2000 is a leap year
@example(year=2024, n=1)  # 2025-02-28
@example(year=2096, n=4)  # lands on 2100-02-28: 2100 is not a leap year
@example(year=2000, n=100)  # 2100 again, from 2000
def test_C3_leap_years(year: int, n: int) -> None:
    anchor = date(year, 2, 29)
    target = year + n
    expected = date(target, 2, 29 if calendar.isleap(target) else 28)
    assert YEARLY.step(anchor, n) == expected

    # Four periods of one year, walked one after the other, end where four years
    # from the anchor do.
    schedule = Schedule(YEARLY, anchor)
    walked = schedule.period(n).start
    for k in range(n, n + 4):
        period = schedule.period(k)
        assert period.start == walked
        walked = period.end
    four_later = target + 4
    assert walked == date(four_later, 2, 29 if calendar.isleap(four_later) else 28)
    if n == 0:
        assert walked == PeriodCode(PeriodUnit.YEAR, 4).step(anchor, 1)
    assert walked == YEARLY.step(anchor, n + 4)


@given(case=ranges_with_days_inside())
@example(case=(DateRange(date(2024, 3, 30), date(2024, 4, 2)), [date(2024, 3, 31)]))  # DST
@example(case=(DateRange(date(2024, 2, 28), date(2024, 3, 1)), [date(2024, 2, 29)]))
def test_C5_days_counted_on_local_dates(case: tuple[DateRange, list[date]]) -> None:
    whole, cuts = case
    assert whole.days == whole.end.toordinal() - whole.start.toordinal()
    assert whole.days == (whole.end - whole.start).days
    assert whole.last.toordinal() == whole.end.toordinal() - 1
    pieces = whole.split_at(*cuts)
    assert sum(piece.days for piece in pieces) == whole.days
    assert all(piece.days >= 1 for piece in pieces)


# ----------------------------------------------------------------- laws of the values


@given(schedule=schedules, offset=st.integers(0, 3000))
def test_period_containing_contains_the_day(schedule: Schedule, offset: int) -> None:
    day = schedule.anchor + timedelta(days=offset)
    period = schedule.period_containing(day)
    assert day in period
    assert period == schedule.period(schedule.index_of(day))
    assert schedule.is_boundary(day) == (period.start == day)
    assert schedule.is_boundary(day) == starts_a_period(schedule, day)
    assert schedule.is_boundary(period.start)
    assert schedule.is_boundary(period.end)


@given(schedule=schedules, k=st.integers(0, 300))
def test_index_of_inverts_period(schedule: Schedule, k: int) -> None:
    period = schedule.period(k)
    assert schedule.index_of(period.start) == k
    assert schedule.index_of(period.last) == k
    assert schedule.is_boundary(period.start)
    assert period.days == 1 or not schedule.is_boundary(period.start + timedelta(days=1))


@given(case=ranges_with_days_inside())
def test_split_at_tiles_the_range(case: tuple[DateRange, list[date]]) -> None:
    whole, cuts = case
    pieces = whole.split_at(*cuts)
    assert whole.is_tiled_by(pieces)
    assert whole.is_tiled_by(reversed(pieces))
    whole.check_tiled_by(pieces)
    assert pieces[0].start == whole.start
    assert pieces[-1].end == whole.end
    for before, after in pairwise(pieces):
        assert before.end == after.start
    inside = {cut for cut in cuts if whole.start < cut < whole.end}
    assert {piece.start for piece in pieces[1:]} == inside
    if len(pieces) > 1:
        assert not whole.is_tiled_by(pieces[1:])  # a gap
        assert not whole.is_tiled_by([*pieces, pieces[0]])  # an overlap


@given(first=date_ranges(), second=date_ranges())
def test_intersection_is_commutative_and_inside_both(first: DateRange, second: DateRange) -> None:
    common = first.intersection(second)
    assert common == second.intersection(first)
    assert (common is not None) == first.overlaps(second) == second.overlaps(first)
    if common is not None:
        assert first.covers(common)
        assert second.covers(common)
        shared = [day for day in (common.start, common.last) if day in first and day in second]
        assert len(shared) == 2
    else:
        assert first.end <= second.start or second.end <= first.start


@given(code=st.builds(PeriodCode, st.sampled_from(list(PeriodUnit)), st.integers(1, 10_000)))
def test_parse_of_iso_gives_the_code_back(code: PeriodCode) -> None:
    parsed = PeriodCode.parse(code.iso)
    assert parsed == code
    assert parsed.iso == code.iso
    assert (parsed.months, parsed.days) == (code.months, code.days)
    assert (code.months == 0) != (code.days == 0)


@given(unit=st.sampled_from(list(PeriodUnit)), count=st.integers(1, 100))
def test_equal_lengths_are_equal_codes(unit: PeriodUnit, count: int) -> None:
    code = PeriodCode(unit, count)
    same_length = (
        PeriodCode(PeriodUnit.MONTH, code.months)
        if code.is_month_based
        else PeriodCode(PeriodUnit.DAY, code.days)
    )
    assert code == same_length
    assert hash(code) == hash(same_length)
    anchor = date(2024, 1, 31)
    assert code.step(anchor, 3) == same_length.step(anchor, 3)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    st.integers(-1200, 1200),
)
@example(date(2024, 1, 31), 1)
@example(date(2024, 2, 29), -12)
@example(date(2100, 3, 31), -1)
def test_C1_month_steps_follow_relativedelta_clamping(anchor: date, months: int) -> None:
    # dateutil's relativedelta is the reference rule for one move of n months
    assert PeriodCode(PeriodUnit.MONTH, 1).step(anchor, months) == anchor + relativedelta(
        months=months
    )


# ------------------------------------------------- the bulk starts (issue 14, item 1)


@given(schedule=schedules, within=date_ranges(max_days=2000))
@example(
    schedule=Schedule(MONTHLY, date(2024, 1, 31)),
    within=DateRange(date(2024, 2, 29), date(2024, 5, 1)),
)
@example(
    schedule=Schedule(QUARTERLY, date(2024, 2, 15), Alignment.CALENDAR),
    within=DateRange(date(2024, 1, 1), date(2025, 1, 1)),
)
def test_C1_starts_are_the_starts_of_the_periods_within(
    schedule: Schedule, within: DateRange
) -> None:
    assert schedule.starts(within) == tuple(period.start for period in schedule.periods(within))


@st.composite
def anchor_lists(draw: st.DrawFn) -> list[date]:
    """Anchors near one another, a good share of them on the clamping days 28 to 31."""
    return draw(st.lists(st.one_of(anchors, month_end_anchors()), max_size=12))


@given(
    code_and_alignment=st.one_of(
        st.tuples(period_codes, st.just(Alignment.ANCHORED)),
        st.tuples(calendar_codes, st.sampled_from(list(Alignment))),
    ),
    dates=anchor_lists(),
    within=date_ranges(max_days=3000),
)
@example(  # the month-end workload: a Jan 31 and a Feb 29 anchor, the range from earlier
    code_and_alignment=(MONTHLY, Alignment.ANCHORED),
    dates=[date(2024, 1, 31), date(2024, 2, 29), date(2023, 5, 30), date(2026, 12, 31)],
    within=DateRange(date(2023, 1, 1), date(2027, 1, 1)),
)
@example(  # within starting after the anchors: the first period contains within.start
    code_and_alignment=(QUARTERLY, Alignment.ANCHORED),
    dates=[date(2023, 8, 31), date(2023, 11, 30)],
    within=DateRange(date(2024, 2, 29), date(2024, 12, 1)),
)
def test_C1_starts_for_many_anchors_are_each_schedules_starts(
    code_and_alignment: tuple[PeriodCode, Alignment], dates: list[date], within: DateRange
) -> None:
    code, alignment = code_and_alignment
    expected = [
        tuple(period.start for period in Schedule(code, day, alignment).periods(within))
        for day in dates
    ]
    assert Schedule.starts_for(code, dates, within, alignment) == expected
    assert Schedule.starts_for(code, iter(dates), within, alignment) == expected
