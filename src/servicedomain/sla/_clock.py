"""The SLA clock: recorded entries, the fold that measures them, and its explanation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

import attrs

from servicedomain._checks import (
    deep_iterable,
    in_,
    instance_of,
    is_bool,
    is_str,
    items,
    optional,
)
from servicedomain._enums import StrictEnum
from servicedomain.calendars import WorkingCalendar
from servicedomain.errors import (
    InvalidInputError,
    InvalidPauseError,
    InvalidPeriodError,
    TypeMismatchError,
)
from servicedomain.instants import LocalTimePolicy, named_zone, require_instant, resolve_local
from servicedomain.sla._definitions import (
    MeasurementMode,
    Priority,
    ServiceLevelAgreement,
    SlaTarget,
    is_strict_id,
)
from servicedomain.stages import ReasonCode

__all__ = [
    "ClockState",
    "Segment",
    "SegmentKind",
    "SlaEntry",
    "SlaEntryKind",
    "SlaMeasurement",
    "SlaStatus",
    "measure",
]

_ZERO: Final = timedelta(0)
_ONE_US: Final = timedelta(microseconds=1)
_ONE_DAY: Final = timedelta(days=1)
_CLOSED_DAY_KINDS: Final = frozenset({"holiday", "exception"})  # closures shown as HOLIDAY


def _utc_instant(value: object, field: str) -> datetime:
    return require_instant(value, field).astimezone(UTC)


def _at(value: datetime) -> datetime:
    return _utc_instant(value, "at")


def _start(value: datetime) -> datetime:
    return _utc_instant(value, "start")


def _end(value: datetime) -> datetime:
    return _utc_instant(value, "end")


# ---------------------------------------------------------------------------- entries


class SlaEntryKind(StrictEnum):
    """What an entry of the SLA time recording did (AX Start, Stop, Cancel, stage change)."""

    START = "start"
    STOP = "stop"
    CANCEL = "cancel"
    STAGE = "stage"


def _check_stage_id(instance: SlaEntry, _attribute: attrs.Attribute[Any], value: object) -> None:
    if instance.kind is SlaEntryKind.STAGE:
        is_strict_id.check(value, "stage_id")
    elif value is not None:
        raise InvalidInputError("stage_id", value, f"a {instance.kind.value} entry has no stage")


def _check_stops_clock(instance: SlaEntry, _attribute: attrs.Attribute[Any], value: object) -> None:
    if is_bool.check(value, "stops_clock") and instance.kind is not SlaEntryKind.STAGE:
        raise InvalidInputError(
            "stops_clock", value, "only a stage entry says whether its stage stops the clock"
        )


def _check_reason(instance: SlaEntry, _attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    instance_of(ReasonCode).check(value, "reason")
    if instance.kind is SlaEntryKind.START:
        raise InvalidInputError("reason", value, "a start entry carries no reason code")


@attrs.frozen(kw_only=True)
class SlaEntry:
    """One entry of an order's SLA time recording (AX ``SMAServiceLevelAgreementLog``).

    The host appends entries as things happen and keeps them with the order;
    :func:`measure` folds them. Build them with :meth:`start`, :meth:`stop`,
    :meth:`cancel` and :meth:`stage`.

    Attributes:
        kind: what happened.
        at: when; an aware datetime, stored in UTC.
        reason: the reason code given (stop, cancel, stage); a start has none.
        stage_id: the stage entered; required on a ``STAGE`` entry, refused elsewhere.
        stops_clock: the stage entered stops SLA time recording (AX
            ``StageCloseTimeLog``); only a ``STAGE`` entry may set it.

    Raises:
        NaiveDatetimeError: ``at`` is naive.
        TypeMismatchError: a field of the wrong type.
        InvalidInputError: a stage entry without a stage id, a stage id or
            ``stops_clock`` on another kind, a reason on a start.

    >>> SlaEntry.stage(datetime(2025, 3, 3, 9, 0, tzinfo=UTC), "DONE", stops_clock=True)
    SlaEntry(kind=<SlaEntryKind.STAGE: 'stage'>, at=datetime.datetime(2025, 3, 3, 9, 0, ...
    """

    kind: SlaEntryKind = attrs.field(validator=in_(SlaEntryKind))
    at: datetime = attrs.field(converter=_at)
    reason: ReasonCode | None = attrs.field(default=None, validator=_check_reason)
    stage_id: str | None = attrs.field(default=None, validator=_check_stage_id)
    stops_clock: bool = attrs.field(default=False, validator=_check_stops_clock)

    @classmethod
    def start(cls, at: datetime) -> SlaEntry:
        """The clock starts (or resumes after a stop) at ``at``."""
        return cls(kind=SlaEntryKind.START, at=at)

    @classmethod
    def stop(cls, at: datetime, reason: ReasonCode | None = None) -> SlaEntry:
        """The clock is stopped by hand at ``at``, with an optional reason."""
        return cls(kind=SlaEntryKind.STOP, at=at, reason=reason)

    @classmethod
    def cancel(cls, at: datetime, reason: ReasonCode | None = None) -> SlaEntry:
        """The SLA is canceled on the order at ``at``: nothing is recorded after it."""
        return cls(kind=SlaEntryKind.CANCEL, at=at, reason=reason)

    @classmethod
    def stage(
        cls,
        at: datetime,
        stage_id: str,
        *,
        stops_clock: bool,
        reason: ReasonCode | None = None,
    ) -> SlaEntry:
        """The order entered stage ``stage_id`` at ``at``; ``stops_clock`` is its rule."""
        return cls(
            kind=SlaEntryKind.STAGE,
            at=at,
            stage_id=stage_id,
            stops_clock=stops_clock,
            reason=reason,
        )


# ----------------------------------------------------------------------- measurements


class ClockState(StrictEnum):
    """Where the clock stands after the last entry."""

    NOT_STARTED = "not_started"
    RUNNING = "running"
    STOPPED = "stopped"
    CANCELED = "canceled"


class SlaStatus(StrictEnum):
    """How the measured time stands against the allowance.

    * ``WITHIN``: elapsed time is below the at-risk share of the allowance.
    * ``AT_RISK``: elapsed time reached the at-risk share but not more than the allowance.
    * ``EXCEEDED``: elapsed time is greater than the allowance (compliance over 100).
    * ``NOT_MEASURED``: the SLA is suspended, it was canceled before any time counted,
      or the order measured has no SLA (``ServiceOrder.measure_sla``).
    """

    WITHIN = "within"
    AT_RISK = "at_risk"
    EXCEEDED = "exceeded"
    NOT_MEASURED = "not_measured"


class SegmentKind(StrictEnum):
    """What a stretch of the measured span was.

    ``COUNTING``: the clock ran and the time counts. ``PAUSED``: the clock was stopped
    (by hand or by a stage). ``OUTSIDE_WORKING_HOURS``: the clock ran but the calendar
    was closed (nights, weekends, days without slots). ``HOLIDAY``: the clock ran on a
    holiday or on a day closed by an exception.
    """

    COUNTING = "counting"
    PAUSED = "paused"
    OUTSIDE_WORKING_HOURS = "outside_working_hours"
    HOLIDAY = "holiday"


def _check_segment_end(
    instance: Segment, _attribute: attrs.Attribute[Any], value: datetime
) -> None:
    if value <= instance.start:
        raise InvalidPeriodError("end", value, f"a segment ends after its start {instance.start}")


@attrs.frozen
class Segment:
    """One stretch of the explanation timeline: ``[start, end)`` in UTC, and what it was.

    Attributes:
        start: the first instant, in UTC.
        end: the instant after the last, in UTC; after ``start``.
        kind: what the stretch was.
        note: why, in words: the stage or the reason that stopped the clock, or the
            closed date (``"2025-12-25 holiday"``).

    Raises:
        NaiveDatetimeError: a naive ``start`` or ``end``.
        InvalidPeriodError: ``end <= start``.
    """

    start: datetime = attrs.field(converter=_start)
    end: datetime = attrs.field(converter=_end, validator=_check_segment_end)
    kind: SegmentKind = attrs.field(validator=in_(SegmentKind))
    note: str = attrs.field(default="", validator=is_str)

    @property
    def duration(self) -> timedelta:
        """How long the stretch lasted (real time)."""
        return self.end - self.start


@attrs.frozen(kw_only=True)
class SlaMeasurement:
    """The SLA clock of an order at one instant: what :func:`measure` returns.

    Attributes:
        state: where the clock stands.
        allowance: the allowance measured against.
        elapsed: the time counted (business time, or wall-clock time per the mode).
        remaining: ``allowance - elapsed``, never below zero.
        overdue: ``elapsed - allowance``, never below zero.
        deadline: while the clock runs, the instant the allowance is used up if it keeps
            running (an instant in the past once it is exceeded); ``None`` when the clock
            is stopped, canceled or not started, and for a suspended SLA.
        compliance: ``elapsed / allowance x 100``, rounded half up to 2 decimals; over
            100 means exceeded (AX). The status compares the exact durations, so one
            second over an 8-hour allowance is ``EXCEEDED`` though it shows ``100.00``.
        status: how elapsed time stands against the allowance.
        timeline: the explanation: segments that tile the measured span (from the first
            start to ``now``, or to the cancel) with no gap and no overlap; adjacent
            segments of one kind and note are merged.
    """

    state: ClockState = attrs.field(validator=instance_of(ClockState))
    allowance: timedelta = attrs.field(validator=instance_of(timedelta))
    elapsed: timedelta = attrs.field(validator=instance_of(timedelta))
    remaining: timedelta = attrs.field(validator=instance_of(timedelta))
    overdue: timedelta = attrs.field(validator=instance_of(timedelta))
    deadline: datetime | None = attrs.field(validator=optional(instance_of(datetime)))
    compliance: Decimal = attrs.field(validator=instance_of(Decimal))
    status: SlaStatus = attrs.field(validator=instance_of(SlaStatus))
    timeline: tuple[Segment, ...] = attrs.field(validator=deep_iterable(instance_of(Segment)))

    @classmethod
    def not_measured(
        cls,
        allowance: timedelta,
        state: ClockState = ClockState.NOT_STARTED,
        timeline: tuple[Segment, ...] = (),
    ) -> SlaMeasurement:
        """A measurement that measured nothing: status ``NOT_MEASURED``, zero elapsed.

        What a suspended SLA, an SLA canceled before any time counted, and an order
        without an SLA measure as: no deadline, compliance 0.00, all of ``allowance``
        remaining.
        """
        return cls(
            state=state,
            allowance=allowance,
            elapsed=_ZERO,
            remaining=allowance,
            overdue=_ZERO,
            deadline=None,
            compliance=Decimal("0.00"),
            status=SlaStatus.NOT_MEASURED,
            timeline=timeline,
        )

    def explain(self, zone: ZoneInfo | str = "UTC") -> str:
        """The timeline as text, one segment a line, with wall times in ``zone``.

        Each line shows the local start and end (the end's date when it differs), the
        kind, the real duration in hours and minutes, and the note.
        """
        local = named_zone(zone)
        lines = []
        for segment in self.timeline:
            start = segment.start.astimezone(local)
            end = segment.end.astimezone(local)
            until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %Y-%m-%d %H:%M}"
            line = (
                f"{start:%a %Y-%m-%d %H:%M} - {until:<20} {segment.kind.value:<21}"
                f" {_hours(segment.duration):>6}  {segment.note}"
            )
            lines.append(line.rstrip())
        return "\n".join(lines)


def _hours(duration: timedelta) -> str:
    minutes, seconds = divmod(int(duration.total_seconds()), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


# ------------------------------------------------------------------------------ fold


@attrs.frozen
class _Fold:
    """What the entries say, before any calendar: running and paused intervals (UTC)."""

    state: ClockState
    runs: tuple[tuple[datetime, datetime], ...]
    pauses: tuple[tuple[datetime, datetime, str], ...]


def _pause_note(entry: SlaEntry) -> str:
    reason = "" if entry.reason is None else f" ({entry.reason.code})"
    if entry.kind is SlaEntryKind.STAGE:
        return f"stage {entry.stage_id} stops the clock{reason}"
    return f"stopped by hand{reason}"


_NEVER: Final = datetime.min.replace(tzinfo=UTC)


class _Replay:
    """Replays entries one by one: the state, and the closed runs and pauses so far."""

    def __init__(self) -> None:
        self.state = ClockState.NOT_STARTED
        self.stopped_by_stage = False
        self.runs: list[tuple[datetime, datetime]] = []
        self.pauses: list[tuple[datetime, datetime, str]] = []
        self.since = _NEVER  # the start of the open run or pause
        self.note = ""  # the open pause's note

    def run(self, at: datetime) -> None:
        if self.state is ClockState.STOPPED:
            self.pauses.append((self.since, at, self.note))
        self.state, self.since = ClockState.RUNNING, at

    def pause(self, entry: SlaEntry, *, by_stage: bool) -> None:
        self.runs.append((self.since, entry.at))
        self.state, self.since, self.note = ClockState.STOPPED, entry.at, _pause_note(entry)
        self.stopped_by_stage = by_stage

    def close(self, at: datetime, state: ClockState) -> None:
        if self.state is ClockState.RUNNING:
            self.runs.append((self.since, at))
        elif self.state is ClockState.STOPPED:
            self.pauses.append((self.since, at, self.note))
        self.state = state

    def apply(self, entry: SlaEntry, field: str) -> None:
        kind, state = entry.kind, self.state
        if state is ClockState.CANCELED:
            raise InvalidPauseError(
                field, kind.value, "the SLA was canceled; no entry follows a cancel"
            )
        if kind is SlaEntryKind.START:
            if state is ClockState.RUNNING:
                raise InvalidPauseError(
                    field, kind.value, "the clock is already running; a start resumes a stop"
                )
            self.run(entry.at)
        elif kind is SlaEntryKind.STOP:
            if state is not ClockState.RUNNING:
                why = (
                    "pausing twice: the clock is already stopped"
                    if state is ClockState.STOPPED
                    else "the clock never started; a stop needs a running clock"
                )
                raise InvalidPauseError(field, kind.value, why)
            self.pause(entry, by_stage=False)
        elif kind is SlaEntryKind.CANCEL:
            self.close(entry.at, ClockState.CANCELED)
        elif entry.stops_clock:
            if state is ClockState.RUNNING:
                self.pause(entry, by_stage=True)
            elif state is ClockState.STOPPED:  # the stage takes the stop over
                self.pauses.append((self.since, entry.at, self.note))
                self.since, self.note, self.stopped_by_stage = entry.at, _pause_note(entry), True
        elif state is ClockState.STOPPED and self.stopped_by_stage:
            self.run(entry.at)


def _fold(entries: Sequence[SlaEntry], now: datetime) -> _Fold:
    """Replay the entries up to ``now``; refuse a log that does not make sense."""
    given: object = entries
    if isinstance(given, str | bytes) or not isinstance(given, Sequence):
        raise TypeMismatchError("entries", given, "expected a sequence of SlaEntry")
    replay = _Replay()
    previous: datetime | None = None
    for i, entry in enumerate(given):
        if not isinstance(entry, SlaEntry):
            raise TypeMismatchError(f"entries[{i}]", entry, "expected an SlaEntry")
        if previous is not None and entry.at < previous:
            raise InvalidPauseError(
                f"entries[{i}].at",
                entry.at,
                f"earlier than entries[{i - 1}].at={previous.isoformat()}; "
                "entries are recorded in time order",
            )
        previous = entry.at
        replay.apply(entry, f"entries[{i}].kind")
    if previous is not None and now < previous:
        raise InvalidPauseError(
            "now", now, f"earlier than the last entry at {previous.isoformat()}"
        )
    state = replay.state
    replay.close(now, state)
    return _Fold(state, tuple(replay.runs), tuple(replay.pauses))


def clock_state(entries: Sequence[SlaEntry]) -> ClockState:
    """The state an SLA time recording leaves the clock in (no calendar needed).

    Raises:
        InvalidPauseError: the log does not make sense (see :func:`measure`).

    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    >>> clock_state([SlaEntry.start(at), SlaEntry.stop(at)])
    <ClockState.STOPPED: 'stopped'>
    """
    last = _NEVER
    items("SlaEntry values").check(entries, "entries")
    for entry in entries:
        if isinstance(cast("object", entry), SlaEntry) and entry.at > last:
            last = entry.at
    return _fold(entries, last).state


# ---------------------------------------------------------------------- measuring


class _Meter:
    """Counts running intervals per the SLA's mode and calendar.

    In ``DELAYED_START`` mode counting begins at ``origin``, the first working instant
    at or after the clock's first start; from there every running instant counts.
    """

    def __init__(
        self, sla: ServiceLevelAgreement, runs: Sequence[tuple[datetime, datetime]]
    ) -> None:
        self.calendar: WorkingCalendar | None = sla.calendar
        self.business = self.calendar is not None and sla.mode is MeasurementMode.BUSINESS_TIME
        self.origin: datetime | None = None
        if self.calendar is not None and not self.business and runs:
            self.origin = self.calendar.next_working_instant(runs[0][0])

    def counting_from(self, start: datetime) -> datetime:
        """Where counting may begin in a run that starts at ``start``."""
        return start if self.origin is None else max(start, self.origin)

    def counted(self, start: datetime, end: datetime) -> timedelta:
        """The time a run ``[start, end)`` counts."""
        if self.business:
            return cast("WorkingCalendar", self.calendar).elapsed(start, end)
        return max(end - self.counting_from(start), _ZERO)

    def advance(self, since: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` more has counted after ``since``, running."""
        if self.business:
            return cast("WorkingCalendar", self.calendar).deadline(since, duration)
        return self.counting_from(since) + duration


def _used_up_at(
    meter: _Meter,
    runs: Sequence[tuple[datetime, datetime]],
    counted: Sequence[timedelta],
    allowance: timedelta,
) -> datetime:
    """The instant the counted time reached ``allowance`` (it did, in one of the runs)."""
    left = allowance
    for (start, _end), time in zip(runs, counted, strict=True):
        if time >= left:
            return meter.advance(start, left)
        left -= time
    msg = "the allowance was not used up"  # pragma: no cover - called only when it was
    raise AssertionError(msg)  # pragma: no cover


def _compliance(elapsed: timedelta, allowance: timedelta) -> Decimal:
    """``elapsed / allowance x 100`` rounded half up to 2 decimals, exactly."""
    hundredths, rest = divmod((elapsed // _ONE_US) * 10_000, allowance // _ONE_US)
    if 2 * rest >= allowance // _ONE_US:
        hundredths += 1
    return Decimal(hundredths).scaleb(-2)


def measure(
    sla: ServiceLevelAgreement,
    entries: Sequence[SlaEntry],
    *,
    now: datetime,
    target: SlaTarget = SlaTarget.RESOLUTION,
    priority: Priority | None = None,
) -> SlaMeasurement:
    """Fold an order's SLA time recording into the clock's figures at ``now``.

    The rules of the fold:

    * Entries are in time order (equal instants are fine); ``now`` is not before the
      last one.
    * ``START`` starts the clock, or resumes it after any stop; a start while it runs is
      refused. ``STOP`` stops a running clock by hand; stopping a clock that is not
      running is refused ("pausing twice").
    * A ``STAGE`` entry whose stage stops the clock stops a running clock, and changes
      no figure when the clock is already stopped (entering one stopping stage from
      another moves nothing, law S5): the stage takes the stop over. A ``STAGE`` entry
      whose stage does not stop the clock restarts a clock that a stage stopped (AX:
      moving back to a stage without the rule restarts recording). A clock stopped **by
      hand** in a stage that does not stop it stays stopped through such stage entries
      until a ``START``. Stage entries never start a clock that has not started.
    * ``CANCEL`` ends the recording in any state; nothing may follow it.
    * Elapsed time is the time counted in the running intervals: business time on the
      calendar (``BUSINESS_TIME``), wall-clock time from the first working instant at
      or after the first start (``DELAYED_START``), or wall-clock time without a
      calendar. A pause never counts, and a clock stopped or canceled counts up to its
      stop (resolving while paused counts nothing of the pause, law S5).
    * A suspended SLA is ``NOT_MEASURED``: zero elapsed, no deadline, no timeline. So is
      one canceled before any time counted.

    Nothing is stored: measuring the same entries with a changed SLA or calendar gives
    the new figures.

    Args:
        sla: the agreement measured against.
        entries: the order's recorded entries, oldest first.
        now: the instant of the measurement (an aware datetime; the library reads no
            clock).
        target: the target measured (resolution by default).
        priority: the order's :class:`~servicedomain.sla.Priority`, for the SLA's
            per-priority targets.

    Returns:
        The :class:`SlaMeasurement` at ``now``.

    Raises:
        InvalidPauseError: an entry out of order (``field`` ``"entries[i].at"``), a start
            while running, a stop while not running, an entry after a cancel
            (``"entries[i].kind"``), or ``now`` before the last entry (``"now"``).
        InvalidInputError: the SLA defines no target ``target`` (``field`` ``"target"``).
        NaiveDatetimeError: a naive ``now``.
        TypeMismatchError: an argument of the wrong type.
        InvalidCalendarError: the calendar has no working time within its horizon.

    >>> from servicedomain.sla import Allowance, SlaTargets
    >>> sla = ServiceLevelAgreement(id="24x7", targets=SlaTargets(resolution=Allowance(hours=4)))
    >>> t = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    >>> log = [SlaEntry.start(t), SlaEntry.stop(t + timedelta(hours=1))]
    >>> log.append(SlaEntry.start(t + timedelta(hours=2)))
    >>> result = measure(sla, log, now=t + timedelta(hours=4))
    >>> print(result.state.value, result.elapsed, result.compliance, result.deadline)
    running 3:00:00 75.00 2025-03-03 14:00:00+00:00
    """
    instance_of(ServiceLevelAgreement).check(sla, "sla")
    instant = _utc_instant(now, "now")
    in_(SlaTarget).check(target, "target")
    chosen = sla.allowance(target, priority)
    if chosen is None:
        raise InvalidInputError(
            "target", target.value, f"SLA {sla.id!r} defines no {target.value} target"
        )
    allowance = chosen.duration
    fold = _fold(entries, instant)
    if sla.suspended:
        return SlaMeasurement.not_measured(allowance, fold.state)
    meter = _Meter(sla, fold.runs)
    counted = [meter.counted(start, end) for start, end in fold.runs]
    elapsed = sum(counted, _ZERO)
    if fold.state is ClockState.CANCELED and elapsed == _ZERO:
        return SlaMeasurement.not_measured(allowance, fold.state, _timeline(sla, meter, fold))
    deadline: datetime | None = None
    if fold.state is ClockState.RUNNING:
        if elapsed < allowance:
            deadline = meter.advance(instant, allowance - elapsed)
        else:
            deadline = _used_up_at(meter, fold.runs, counted, allowance)
    return SlaMeasurement(
        state=fold.state,
        allowance=allowance,
        elapsed=elapsed,
        remaining=max(allowance - elapsed, _ZERO),
        overdue=max(elapsed - allowance, _ZERO),
        deadline=deadline,
        compliance=_compliance(elapsed, allowance),
        status=_status(elapsed, allowance, sla.at_risk_share),
        timeline=_timeline(sla, meter, fold),
    )


def _status(elapsed: timedelta, allowance: timedelta, share: Decimal) -> SlaStatus:
    if elapsed > allowance:
        return SlaStatus.EXCEEDED
    if Fraction(elapsed // _ONE_US, allowance // _ONE_US) >= Fraction(share):
        return SlaStatus.AT_RISK
    return SlaStatus.WITHIN


# -------------------------------------------------------------------------- timeline


def _timeline(sla: ServiceLevelAgreement, meter: _Meter, fold: _Fold) -> tuple[Segment, ...]:
    pieces: list[tuple[datetime, datetime, SegmentKind, str]] = [
        (start, end, SegmentKind.PAUSED, note) for start, end, note in fold.pauses
    ]
    calendar = sla.calendar
    for start, end in fold.runs:
        if calendar is None:
            pieces.append((start, end, SegmentKind.COUNTING, ""))
        elif meter.business:
            cursor = start
            for open_, close in calendar.working_intervals(start, end):
                pieces.extend(_closed_pieces(calendar, cursor, open_))
                pieces.append((open_, close, SegmentKind.COUNTING, ""))
                cursor = close
            pieces.extend(_closed_pieces(calendar, cursor, end))
        else:
            counting = min(meter.counting_from(start), end)
            pieces.extend(_closed_pieces(calendar, start, counting))
            pieces.append((counting, end, SegmentKind.COUNTING, ""))
    pieces.sort(key=lambda piece: piece[0])
    merged: list[tuple[datetime, datetime, SegmentKind, str]] = []
    for piece in pieces:
        if piece[1] <= piece[0]:
            continue
        if merged and merged[-1][2:] == piece[2:] and merged[-1][1] == piece[0]:
            merged[-1] = (merged[-1][0], piece[1], piece[2], piece[3])
        else:
            merged.append(piece)
    return tuple(Segment(*piece) for piece in merged)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    wall = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - a wall-clock reading
    return resolve_local(
        wall, zone, nonexistent=LocalTimePolicy.LATER, ambiguous=LocalTimePolicy.EARLIER
    )


def _closed_pieces(
    calendar: WorkingCalendar, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, SegmentKind, str]]:
    """Split a closed stretch ``[start, end)`` into holidays and other closed time."""
    if end <= start:
        return []
    zone = calendar.zone
    pieces = []
    cursor = start
    for day, why in sorted(calendar.closures(start, end)):
        if why not in _CLOSED_DAY_KINDS:
            continue
        day_start = max(_local_midnight(day, zone), start)
        day_end = min(_local_midnight(day + _ONE_DAY, zone), end)
        if day_end <= day_start:
            continue
        pieces.append((cursor, day_start, SegmentKind.OUTSIDE_WORKING_HOURS, ""))
        pieces.append((day_start, day_end, SegmentKind.HOLIDAY, f"{day.isoformat()} {why}"))
        cursor = day_end
    pieces.append((cursor, end, SegmentKind.OUTSIDE_WORKING_HOURS, ""))
    return pieces
