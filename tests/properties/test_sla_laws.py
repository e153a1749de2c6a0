"""SLA clock laws of invariants.md (S2, S3, S5) over a few fixed working calendars.

A *plan* is a clock start and the pauses after it, each pause recorded in one of several
ways: stopped and started by hand, stopped by a stage and restarted by going back, or
stopped by a stage and "stopped" again by a second stopping stage before going back.
The oracles use only the calendar's own arithmetic (``elapsed``, ``deadline``,
``next_working_instant``), never the fold being tested.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import attrs
from hypothesis import example, given
from hypothesis import strategies as st

from servicedomain.calendars import WorkingCalendar
from servicedomain.sla import (
    Allowance,
    ClockState,
    MeasurementMode,
    SegmentKind,
    ServiceLevelAgreement,
    SlaEntry,
    SlaMeasurement,
    SlaTargets,
    measure,
)

# ------------------------------------------------------------------------ calendars

CALENDARS = (
    WorkingCalendar.standard(
        "Europe/Stockholm",
        holidays=[date(2025, 4, 18), date(2025, 4, 21), date(2025, 12, 24), date(2025, 12, 25)],
        id="SE",
    ),
    WorkingCalendar.standard(
        "America/New_York",
        slots=["08:00-12:00", "13:00-17:00"],
        holidays=[date(2025, 7, 4), date(2025, 11, 27), date(2025, 12, 25)],
        id="US",
    ),
    # a half-hour offset, a Sunday-to-Thursday week
    WorkingCalendar.standard("Asia/Kolkata", weekdays=(6, 0, 1, 2, 3), slots=["09:30-18:00"]),
    # a half-hour DST shift, six days a week
    WorkingCalendar.standard(
        "Australia/Lord_Howe", weekdays=(0, 1, 2, 3, 4, 5), slots=["07:00-15:00"]
    ),
    # negative DST, a night shift that runs past midnight
    WorkingCalendar.standard("Europe/Dublin", slots=["22:00-06:00"], holidays=[date(2025, 3, 17)]),
)

calendars = st.sampled_from(CALENDARS)
optional_calendars = st.one_of(st.none(), calendars)
modes = st.sampled_from(list(MeasurementMode))

FIRST = datetime(2025, 1, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
ZERO = timedelta(0)

starts = st.integers(0, 365 * 86_400).map(lambda s: FIRST + s * SECOND)
# run and pause lengths: often zero, often whole minutes, up to four days
lengths = st.one_of(
    st.just(0),
    st.integers(1, 4 * 1440).map(lambda m: m * 60),
    st.integers(1, 4 * 86_400),
).map(lambda s: s * SECOND)


class How(enum.Enum):
    """How a pause is recorded."""

    BY_HAND = "by hand"
    BY_STAGE = "by stage"
    BY_TWO_STAGES = "by two stages"  # a repeated pause: the second changes nothing


@attrs.frozen
class Plan:
    """A clock start, then pauses ``[a, b)`` in time order, each recorded some way."""

    start: datetime
    pauses: tuple[tuple[datetime, datetime, How], ...]

    @property
    def last(self) -> datetime:
        return self.pauses[-1][1] if self.pauses else self.start

    @property
    def runs(self) -> list[tuple[datetime, datetime]]:
        """The running intervals up to :attr:`last` (the clock runs on from there)."""
        edges = [self.start]
        for a, b, _how in self.pauses:
            edges += [a, b]
        return [(edges[i], edges[i + 1]) for i in range(0, len(edges) - 1, 2)]

    def entries(self) -> list[SlaEntry]:
        """The log, with every pause recorded its own way."""
        log = [SlaEntry.start(self.start)]
        for a, b, how in self.pauses:
            if how is How.BY_HAND:
                log += [SlaEntry.stop(a), SlaEntry.start(b)]
                continue
            log.append(SlaEntry.stage(a, "WAIT", stops_clock=True))
            if how is How.BY_TWO_STAGES:
                log.append(SlaEntry.stage(a + (b - a) / 2, "PARTS", stops_clock=True))
            log.append(SlaEntry.stage(b, "WORK", stops_clock=False))
        return log

    def plain_entries(self) -> list[SlaEntry]:
        """The same clock with every pause by hand and zero-length pauses left out."""
        log = [SlaEntry.start(self.start)]
        for a, b, _how in self.pauses:
            if b > a:
                log += [SlaEntry.stop(a), SlaEntry.start(b)]
        return log


@st.composite
def plans(draw: st.DrawFn, max_pauses: int = 4) -> Plan:
    start = draw(starts)
    pauses = []
    cursor = start
    for _ in range(draw(st.integers(0, max_pauses))):
        a = cursor + draw(lengths)
        b = a + draw(lengths)
        pauses.append((a, b, draw(st.sampled_from(list(How)))))
        cursor = b
    return Plan(start, tuple(pauses))


def sla_of(
    calendar: WorkingCalendar | None,
    minutes: int,
    mode: MeasurementMode = MeasurementMode.BUSINESS_TIME,
) -> ServiceLevelAgreement:
    return ServiceLevelAgreement(
        id="LAW",
        targets=SlaTargets(resolution=Allowance(minutes=minutes)),
        calendar=calendar,
        mode=mode,
    )


def counted(
    calendar: WorkingCalendar | None,
    mode: MeasurementMode,
    runs: Sequence[tuple[datetime, datetime]],
) -> timedelta:
    """The oracle of S2: what the running intervals count, per mode."""
    if calendar is None:
        return sum((b - a for a, b in runs), ZERO)
    if mode is MeasurementMode.BUSINESS_TIME:
        return sum((calendar.elapsed(a, b) for a, b in runs), ZERO)
    origin = calendar.next_working_instant(runs[0][0])
    return sum((max(b - max(a, origin), ZERO) for a, b in runs), ZERO)


def figures(result: SlaMeasurement) -> tuple[object, ...]:
    return (result.state, result.elapsed, result.deadline, result.compliance, result.status)


def ceil_minutes(duration: timedelta) -> int:
    return -(-duration // MINUTE)


# ----------------------------------------------------------------------------- laws

SE, US = CALENDARS[0], CALENDARS[1]
_STOCKHOLM_FRIDAY = datetime(2025, 3, 7, 15, 30, tzinfo=UTC)  # 16:30 local


@given(calendars, plans(), st.integers(1, 3 * 1440))
@example(  # a pause over a weekend (16:30 Friday to 09:00 Monday in Stockholm)
    SE,
    Plan(
        datetime(2025, 3, 7, 13, 0, tzinfo=UTC),
        ((_STOCKHOLM_FRIDAY, datetime(2025, 3, 10, 8, 0, tzinfo=UTC), How.BY_HAND),),
    ),
    300,
)
@example(  # repeated pause and resume, a zero-length pause, across Easter
    SE,
    Plan(
        datetime(2025, 4, 16, 7, 0, tzinfo=UTC),
        (
            (
                datetime(2025, 4, 16, 9, 0, tzinfo=UTC),
                datetime(2025, 4, 16, 9, 0, tzinfo=UTC),
                How.BY_HAND,
            ),
            (
                datetime(2025, 4, 16, 10, 0, tzinfo=UTC),
                datetime(2025, 4, 17, 8, 0, tzinfo=UTC),
                How.BY_TWO_STAGES,
            ),
            (
                datetime(2025, 4, 17, 14, 0, tzinfo=UTC),
                datetime(2025, 4, 22, 9, 0, tzinfo=UTC),
                How.BY_STAGE,
            ),
        ),
    ),
    60,
)
def test_S5_pausing_moves_the_deadline_by_the_business_time_of_the_pause(
    calendar: WorkingCalendar, plan: Plan, extra_minutes: int
) -> None:
    # The allowance outlasts what ran before the last resume, so every pause lies
    # before the deadline and the clock runs at ``now``.
    ran = counted(calendar, MeasurementMode.BUSINESS_TIME, plan.runs)
    sla = sla_of(calendar, ceil_minutes(ran) + extra_minutes)
    allowance = sla.targets.resolution.duration
    now = plan.last
    result = measure(sla, plan.entries(), now=now)
    covered = sum((calendar.elapsed(a, b) for a, b, _how in plan.pauses), ZERO)
    assert result.state is ClockState.RUNNING
    assert result.elapsed == ran
    assert result.deadline == calendar.deadline(plan.start, allowance + covered)
    # zero-length pauses and repeated stage stops change nothing
    assert figures(measure(sla, plan.plain_entries(), now=now)) == figures(result)


@given(
    calendar=optional_calendars,
    mode=modes,
    plan=plans(),
    run=lengths,
    later=lengths,
    by_stage=st.booleans(),
)
def test_S5_resolving_while_paused_counts_the_pause(
    *,
    calendar: WorkingCalendar | None,
    mode: MeasurementMode,
    plan: Plan,
    run: timedelta,
    later: timedelta,
    by_stage: bool,
) -> None:
    stop = plan.last + run
    stopping = SlaEntry.stage(stop, "WAIT", stops_clock=True) if by_stage else SlaEntry.stop(stop)
    resolved = stop + later
    entries = [*plan.entries(), stopping, SlaEntry.stage(resolved, "DONE", stops_clock=True)]
    sla = sla_of(calendar, 480, mode)
    expected = counted(calendar, mode, [*plan.runs, (plan.last, stop)])
    for now in (resolved, resolved + later, resolved + 7 * timedelta(days=1)):
        result = measure(sla, entries, now=now)
        assert result.state is ClockState.STOPPED
        assert result.elapsed == expected  # nothing of the pause counts, ever
        assert result.deadline is None


@given(optional_calendars, modes, plans(), lengths)
def test_S2_elapsed_is_the_sum_of_running_intervals(
    calendar: WorkingCalendar | None, mode: MeasurementMode, plan: Plan, tail: timedelta
) -> None:
    now = plan.last + tail
    result = measure(sla_of(calendar, 480, mode), plan.entries(), now=now)
    assert result.elapsed == counted(calendar, mode, [*plan.runs, (plan.last, now)])
    # remaining and overdue split the allowance around elapsed time
    assert result.elapsed + result.remaining - result.overdue == timedelta(hours=8)
    assert min(result.remaining, result.overdue) == ZERO


@given(optional_calendars, modes, plans(), st.integers(1, 5 * 1440))
def test_S2_the_deadline_is_where_elapsed_time_reaches_the_allowance(
    calendar: WorkingCalendar | None, mode: MeasurementMode, plan: Plan, minutes: int
) -> None:
    sla = sla_of(calendar, minutes, mode)
    result = measure(sla, plan.entries(), now=plan.last)
    assert result.deadline is not None
    at_deadline = measure(sla, plan.entries(), now=max(result.deadline, plan.last))
    if result.elapsed <= sla.targets.resolution.duration:
        assert at_deadline.elapsed == sla.targets.resolution.duration
        assert at_deadline.deadline == result.deadline
    else:  # exceeded already: the deadline is the past instant it ran out
        assert result.deadline <= plan.last
        assert at_deadline.deadline == result.deadline


@given(optional_calendars, modes, plans(), st.lists(lengths, min_size=2, max_size=4))
def test_S3_measurements_are_monotonic_in_now(
    calendar: WorkingCalendar | None,
    mode: MeasurementMode,
    plan: Plan,
    steps: list[timedelta],
) -> None:
    sla = sla_of(calendar, 480, mode)
    entries = plan.entries()
    nows = [plan.last]
    for step in steps:
        nows.append(nows[-1] + step)
    results = [measure(sla, entries, now=now) for now in nows]
    for before, after in pairwise(results):
        assert before.elapsed <= after.elapsed
        assert before.compliance <= after.compliance
        assert before.remaining >= after.remaining
        assert before.deadline == after.deadline  # the clock runs: its deadline holds


@given(optional_calendars, modes, plans(), lengths, st.sampled_from(["run", "stop", "cancel"]))
def test_timeline_tiles_the_measured_span(
    calendar: WorkingCalendar | None,
    mode: MeasurementMode,
    plan: Plan,
    tail: timedelta,
    ending: str,
) -> None:
    entries = plan.entries()
    end = now = plan.last + tail
    if ending == "stop":
        entries.append(SlaEntry.stop(plan.last))
    elif ending == "cancel":
        entries.append(SlaEntry.cancel(plan.last))
        end = plan.last
    result = measure(sla_of(calendar, 480, mode), entries, now=now)
    timeline = result.timeline
    if end == plan.start:  # an empty span shows nothing
        assert timeline == ()
        return
    assert timeline[0].start == plan.start
    assert timeline[-1].end == end
    for before, after in pairwise(timeline):
        assert before.end == after.start
        assert (before.kind, before.note) != (after.kind, after.note)

    def total(*kinds: SegmentKind) -> timedelta:
        return sum((s.duration for s in timeline if s.kind in kinds), ZERO)

    assert total(SegmentKind.COUNTING) == result.elapsed
    stopped = end - plan.last if ending == "stop" else ZERO
    assert total(SegmentKind.PAUSED) == sum((b - a for a, b, _ in plan.pauses), stopped)
    if calendar is None:
        assert total(SegmentKind.OUTSIDE_WORKING_HOURS, SegmentKind.HOLIDAY) == ZERO
        return
    business = mode is MeasurementMode.BUSINESS_TIME
    for segment in timeline:
        if segment.kind is SegmentKind.HOLIDAY:  # on a holiday, clipped to the span
            assert segment.start.astimezone(calendar.zone).date() in calendar.holidays
            assert calendar.elapsed(segment.start, segment.end) == ZERO
        elif segment.kind is SegmentKind.OUTSIDE_WORKING_HOURS:
            assert calendar.elapsed(segment.start, segment.end) == ZERO
        elif segment.kind is SegmentKind.COUNTING and business:
            assert calendar.elapsed(segment.start, segment.end) == segment.duration


@given(optional_calendars, modes, plans(), lengths, st.integers(1, 3 * 1440))
def test_S5_a_pause_never_shortens_the_time_left(
    calendar: WorkingCalendar | None,
    mode: MeasurementMode,
    plan: Plan,
    tail: timedelta,
    minutes: int,
) -> None:
    sla = sla_of(calendar, minutes, mode)
    now = plan.last + tail
    paused = measure(sla, plan.entries(), now=now)
    unpaused = measure(sla, [SlaEntry.start(plan.start)], now=now)
    assert paused.elapsed <= unpaused.elapsed
    assert paused.remaining >= unpaused.remaining
    assert paused.compliance <= unpaused.compliance
    assert paused.deadline is not None
    assert unpaused.deadline is not None
    assert paused.deadline >= unpaused.deadline


@given(optional_calendars, modes, plans(), lengths, st.sampled_from(["run", "stop"]))
def test_the_sla_explanation_report_shows_the_timeline_tiled_and_the_deadline(
    calendar: WorkingCalendar | None,
    mode: MeasurementMode,
    plan: Plan,
    tail: timedelta,
    ending: str,
) -> None:
    """The report's table is the measurement's timeline, row for row, then its deadline."""
    import json

    from servicedomain.reports import render_json, sla_explanation

    entries = plan.entries()
    if ending == "stop":
        entries.append(SlaEntry.stop(plan.last))
    now = plan.last + tail
    result = measure(sla_of(calendar, 480, mode), entries, now=now)
    zone = "UTC" if calendar is None else calendar.zone
    report = sla_explanation(order_id="SO-1", sla_id="STD", measurement=result, at=now, zone=zone)
    rows = json.loads(render_json(report.view()))["tables"]["timeline"]["rows"]
    segments = [row for row in rows if row["kind"] != "deadline"]
    assert [row["kind"] for row in segments] == [s.kind.value for s in result.timeline]
    assert sum(row["seconds"] for row in segments) == sum(
        int(s.duration.total_seconds()) for s in result.timeline
    )
    for before, after in pairwise(segments):
        assert before["end_at"] == after["start_at"]
    deadlines = [row for row in rows if row["kind"] == "deadline"]
    if result.deadline is None:
        assert deadlines == []
    else:
        assert rows[-1] == deadlines[0]
        assert datetime.fromisoformat(deadlines[0]["start_at"]) == result.deadline
