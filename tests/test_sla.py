"""SLA: allowances, definitions, the clock fold, compliance, timeline, reasons, assignment.

The calendar of most cases is Mon-Fri 08:00-17:00 in Europe/Stockholm (UTC+1 in March
2025), with Good Friday and Easter Monday 2025 as holidays. March 2025: the 3rd is a
Monday, the 7th a Friday, the 10th the next Monday.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from servicedomain.calendars import WorkingCalendar
from servicedomain.errors import (
    InvalidDurationError,
    InvalidInputError,
    InvalidPauseError,
    InvalidPeriodError,
    NaiveDatetimeError,
    ReasonRequiredError,
    RuleViolationError,
    ServiceDomainError,
    TypeMismatchError,
)
from servicedomain.sla import (
    Allowance,
    ClockState,
    MeasurementMode,
    Priority,
    Segment,
    SegmentKind,
    ServiceLevelAgreement,
    SlaEntry,
    SlaEntryKind,
    SlaMeasurement,
    SlaParameters,
    SlaStatus,
    SlaTarget,
    SlaTargets,
    effective_sla_id,
    measure,
    require_reason,
)
from servicedomain.stages import ReasonCode

SE = ZoneInfo("Europe/Stockholm")
GOOD_FRIDAY, EASTER_MONDAY = date(2025, 4, 18), date(2025, 4, 21)
CAL = WorkingCalendar.standard(SE, holidays=[GOOD_FRIDAY, EASTER_MONDAY], id="SE")
WAITING = ReasonCode("WAIT", "Waiting for the customer")
LATE = ReasonCode("LATE", "Parts arrived late")
HOUR = timedelta(hours=1)
HOUR_ALLOWANCE = Allowance(hours=1)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A wall-clock reading in Stockholm, 2025 (never add to it: wall arithmetic)."""
    return datetime(2025, month, day, hour, minute, tzinfo=SE)


def sla_of(
    hours: int = 8,
    *,
    calendar: WorkingCalendar | None = CAL,
    response: Allowance | None = None,
    **changes: Any,
) -> ServiceLevelAgreement:
    return ServiceLevelAgreement(
        id="STD",
        targets=SlaTargets(response=response, resolution=Allowance(hours=hours)),
        calendar=calendar,
        **changes,
    )


def assert_bad_input(error: Exception, cls: type[InvalidInputError], field: str) -> None:
    """The error is exactly ``cls``, in the hierarchy, and names ``field`` in its message."""
    assert type(error) is cls
    assert isinstance(error, ServiceDomainError)
    assert isinstance(error, ValueError)
    assert error.field == field
    assert field in str(error)


def check_tiles(result: SlaMeasurement, first: datetime, last: datetime) -> None:
    """The timeline tiles ``[first, last)`` and its counting segments sum to elapsed."""
    timeline = result.timeline
    assert timeline[0].start == first
    assert timeline[-1].end == last
    for before, after in pairwise(timeline):
        assert before.end == after.start
        assert (before.kind, before.note) != (after.kind, after.note)  # merged
    counted = sum((s.duration for s in timeline if s.kind is SegmentKind.COUNTING), timedelta())
    assert counted == result.elapsed


# -------------------------------------------------------------------------- Allowance


@pytest.mark.parametrize(
    ("text", "expected", "minutes"),
    [
        ("PT8H", Allowance(hours=8), 480),
        ("P1DT4H30M", Allowance(days=1, hours=4, minutes=30), 1710),
        ("PT90M", Allowance(minutes=90), 90),  # kept as written, not 1 h 30 min
        ("PT48H", Allowance(hours=48), 2880),
        ("P2D", Allowance(days=2), 2880),
        ("P1W", Allowance(days=7), 7 * 1440),
        ("PT1M", Allowance(minutes=1), 1),
    ],
)
def test_allowance_parses_iso_durations(text: str, expected: Allowance, minutes: int) -> None:
    parsed = Allowance.parse(text)
    assert parsed == expected
    assert parsed.total_minutes == minutes
    assert parsed.duration == timedelta(minutes=minutes)
    assert Allowance.parse(parsed.iso) == parsed


def test_a_day_of_allowance_is_24_hours_of_measured_time() -> None:
    # AX: limit in minutes = Days x 1440 + Hours x 60 + Minutes
    assert Allowance(days=1).duration == timedelta(hours=24)
    assert Allowance(days=1, hours=2, minutes=3).total_minutes == 1440 + 120 + 3
    assert Allowance(days=2, minutes=90).iso == "P2DT90M"
    assert Allowance(minutes=90) != Allowance(hours=1, minutes=30)
    assert Allowance(minutes=90).duration == Allowance(hours=1, minutes=30).duration


@pytest.mark.parametrize(
    "text",
    [
        "-PT8H",  # negative
        "PT0S",  # zero
        "P0D",
        "PT",
        "PT8H30S",  # seconds
        "PT1M60S",
        "PT0.5M",
        "PT1.5H",  # a fraction
        "P1M",  # months
        "P1Y",  # years
        "P1Y2M3D",
        "garbage",  # malformed
        "",
        "8h",
        "PT8h",
        "2025-01-01",  # a date, not a duration
        "P100000D",  # beyond the longest allowance
    ],
)
def test_allowance_refuses_bad_text(text: str) -> None:
    with pytest.raises(InvalidDurationError) as caught:
        Allowance.parse(text)
    assert_bad_input(caught.value, InvalidDurationError, "text")  # its own argument


@pytest.mark.parametrize(
    ("fields", "cls", "field"),
    [
        ({"days": -1}, InvalidDurationError, "days"),  # negative duration
        ({"hours": -8}, InvalidDurationError, "hours"),
        ({"hours": 8, "minutes": -1}, InvalidDurationError, "minutes"),
        ({}, InvalidDurationError, "allowance"),  # zero
        ({"days": 0, "hours": 0, "minutes": 0}, InvalidDurationError, "allowance"),
        ({"hours": True}, TypeMismatchError, "hours"),
        ({"hours": 1.5}, TypeMismatchError, "hours"),
        ({"minutes": "30"}, TypeMismatchError, "minutes"),
        ({"days": 40_000}, InvalidDurationError, "allowance"),
    ],
)
def test_allowance_refuses_bad_components(
    fields: dict[str, Any], cls: type[InvalidInputError], field: str
) -> None:
    with pytest.raises(cls) as caught:
        Allowance(**fields)
    assert_bad_input(caught.value, cls, field)


def test_allowance_parse_refuses_a_non_string() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        Allowance.parse(8)  # type: ignore[arg-type]
    assert_bad_input(caught.value, TypeMismatchError, "text")


# ------------------------------------------------------------------ the SLA definition


def test_per_priority_targets_fall_back_to_the_defaults() -> None:
    sla = ServiceLevelAgreement(
        id="GOLD",
        targets=SlaTargets(response=Allowance(hours=2), resolution=Allowance(hours=8)),
        per_priority={
            Priority.LOW: SlaTargets(resolution=Allowance(days=1)),
            Priority.HIGH: SlaTargets(
                response=Allowance(minutes=30), resolution=Allowance(hours=4)
            ),
        },
    )
    resolution, response = SlaTarget.RESOLUTION, SlaTarget.RESPONSE
    assert sla.allowance() == Allowance(hours=8)
    assert list(sla.per_priority) == [Priority.HIGH, Priority.LOW]  # in priority order
    assert sla.allowance(resolution, Priority.HIGH) == Allowance(hours=4)
    assert sla.allowance(response, Priority.HIGH) == Allowance(minutes=30)
    assert sla.allowance(response, Priority.LOW) == Allowance(hours=2)  # no own response
    assert sla.allowance(resolution, Priority.LOW) == Allowance(days=1)
    assert sla.allowance(resolution, Priority.NORMAL) == Allowance(hours=8)  # not listed
    assert sla_of().allowance(response) is None


def test_per_priority_targets_are_stored_read_only() -> None:
    given = {Priority.HIGH: SlaTargets(resolution=Allowance(hours=4))}
    sla = sla_of(per_priority=given)
    given[Priority.LOW] = SlaTargets(resolution=Allowance(hours=16))
    assert list(sla.per_priority) == [Priority.HIGH]
    with pytest.raises(TypeError):
        sla.per_priority[Priority.LOW] = given[Priority.LOW]  # type: ignore[index]
    assert hash(sla) == hash(
        sla_of(per_priority={Priority.HIGH: SlaTargets(resolution=Allowance(hours=4))})
    )


@pytest.mark.parametrize("key", ["high", "High", "", 1, None])
def test_per_priority_keys_are_priority_members(key: object) -> None:
    """Regression: a free string such as "High" was kept and never applied."""
    with pytest.raises(TypeMismatchError) as caught:
        sla_of(per_priority={key: SlaTargets(resolution=Allowance(hours=4))})
    assert_bad_input(caught.value, TypeMismatchError, "per_priority")
    assert repr(key) in str(caught.value)
    assert "Priority.HIGH" in str(caught.value)


def test_a_priority_is_looked_up_as_a_priority_member_only() -> None:
    sla = sla_of(per_priority={Priority.HIGH: SlaTargets(resolution=Allowance(hours=4))})
    with pytest.raises(TypeMismatchError) as caught:
        sla.allowance(SlaTarget.RESOLUTION, "high")  # type: ignore[arg-type]
    assert_bad_input(caught.value, TypeMismatchError, "priority")
    with pytest.raises(TypeMismatchError):
        measure(sla, [], now=at(3, 9), priority="high")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "cls", "field"),
    [
        ({"at_risk_share": 0.8}, TypeMismatchError, "at_risk_share"),  # a float
        ({"at_risk_share": True}, TypeMismatchError, "at_risk_share"),
        ({"at_risk_share": Decimal(1)}, InvalidInputError, "at_risk_share"),
        ({"at_risk_share": Decimal(0)}, InvalidInputError, "at_risk_share"),
        ({"at_risk_share": Decimal("NaN")}, InvalidInputError, "at_risk_share"),
        ({"id": ""}, InvalidInputError, "id"),
        ({"id": " STD"}, InvalidInputError, "id"),
        ({"suspended": 1}, TypeMismatchError, "suspended"),
        ({"mode": "business_time"}, TypeMismatchError, "mode"),
        ({"calendar": "SE"}, TypeMismatchError, "calendar"),
        (
            {"per_priority": {"": SlaTargets(resolution=Allowance(hours=1))}},
            TypeMismatchError,
            "per_priority",
        ),
        (
            {"per_priority": {Priority.HIGH: Allowance(hours=1)}},
            TypeMismatchError,
            "per_priority.high",
        ),
        ({"per_priority": [("high", 1)]}, TypeMismatchError, "per_priority"),
        ({"targets": Allowance(hours=1)}, TypeMismatchError, "targets"),
    ],
)
def test_sla_refuses_bad_fields(
    changes: dict[str, Any], cls: type[InvalidInputError], field: str
) -> None:
    fields: dict[str, Any] = {"id": "STD", "targets": SlaTargets(resolution=Allowance(hours=8))}
    with pytest.raises(cls) as caught:
        ServiceLevelAgreement(**(fields | changes))
    assert_bad_input(caught.value, cls, field)


def test_targets_refuse_what_is_not_an_allowance() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        SlaTargets(resolution="PT8H")  # type: ignore[arg-type]
    assert_bad_input(caught.value, TypeMismatchError, "resolution")
    with pytest.raises(TypeMismatchError) as caught:
        SlaTargets(response=timedelta(hours=1), resolution=Allowance(hours=8))  # type: ignore[arg-type]
    assert_bad_input(caught.value, TypeMismatchError, "response")


# ------------------------------------------------------------------- dict round trips


FULL_DICT: dict[str, object] = {
    "id": "GOLD",
    "description": "Gold support",
    "resolution": "P1DT4H",
    "response": "PT1H",
    "per_priority": {
        "high": {"resolution": "PT4H", "response": "PT15M"},
        "low": {"response": "PT4H"},
    },
    "calendar": "SE",
    "mode": "delayed_start",
    "at_risk_share": "0.75",
    "suspended": True,
}


def test_from_dict_reads_every_key_and_to_dict_writes_it_back() -> None:
    sla = ServiceLevelAgreement.from_dict(FULL_DICT, calendars={"SE": CAL})
    assert sla.targets == SlaTargets(
        response=Allowance(hours=1), resolution=Allowance(days=1, hours=4)
    )
    # a priority without a resolution takes the default one
    assert list(sla.per_priority) == [Priority.HIGH, Priority.LOW]
    assert sla.per_priority[Priority.LOW] == SlaTargets(
        response=Allowance(hours=4), resolution=Allowance(days=1, hours=4)
    )
    assert sla.calendar is CAL
    assert sla.mode is MeasurementMode.DELAYED_START
    assert sla.at_risk_share == Decimal("0.75")
    assert sla.suspended is True
    data = sla.to_dict()
    assert data["calendar"] == "SE"
    assert json.loads(json.dumps(data)) == data  # plain data
    assert ServiceLevelAgreement.from_dict(data, calendars={"SE": CAL}) == sla


def test_minimal_dict_and_inline_calendar_round_trip() -> None:
    sla = ServiceLevelAgreement.from_dict({"id": "STD", "resolution": "PT8H"})
    assert sla == sla_of(calendar=None)
    assert sla.to_dict() == {
        "id": "STD",
        "description": "",
        "resolution": "PT8H",
        "mode": "business_time",
        "at_risk_share": "0.8",
        "suspended": False,
    }
    anonymous = WorkingCalendar.standard(SE, slots=["08:00-12:00", "13:00-17:00"])
    inline = sla_of(calendar=anonymous, response=Allowance(minutes=90))
    data = inline.to_dict()
    assert isinstance(data["calendar"], dict)
    assert ServiceLevelAgreement.from_dict(data) == inline


@pytest.mark.parametrize(
    ("changes", "cls", "field"),
    [
        ({"resolution": "-PT8H"}, InvalidDurationError, "resolution"),
        ({"resolution": "P1M"}, InvalidDurationError, "resolution"),
        ({"response": "PT0S"}, InvalidDurationError, "response"),
        ({"resolution": 8}, TypeMismatchError, "resolution"),
        (
            {"per_priority": {"high": {"resolution": "PT4H30S"}}},
            InvalidDurationError,
            "per_priority.high.resolution",
        ),
        (
            {"per_priority": {"high": {"resoltion": "PT4H"}}},
            InvalidInputError,
            "per_priority.high.resoltion",
        ),
        ({"per_priority": {"high": "PT4H"}}, TypeMismatchError, "per_priority.high"),
        ({"per_priority": ["high"]}, TypeMismatchError, "per_priority"),
        # the keys are Priority values, read strictly (regression: "High" never applied)
        (
            {"per_priority": {"High": {"resolution": "PT4H"}}},
            InvalidInputError,
            "per_priority.High",
        ),
        (
            {"per_priority": {"urgent": {"resolution": "PT4H"}}},
            InvalidInputError,
            "per_priority.urgent",
        ),
        ({"calendar": "XX"}, InvalidInputError, "calendar"),
        ({"calendar": 7}, TypeMismatchError, "calendar"),
        ({"mode": "wall_clock"}, InvalidInputError, "mode"),
        ({"at_risk_share": 0.8}, TypeMismatchError, "at_risk_share"),
        ({"at_risk_share": "eighty"}, InvalidInputError, "at_risk_share"),
        ({"at_risk_share": "1.5"}, InvalidInputError, "at_risk_share"),
        ({"suspended": "no"}, TypeMismatchError, "suspended"),
        ({"allowance": "PT8H"}, InvalidInputError, "allowance"),  # unknown key
    ],
)
def test_from_dict_names_the_bad_key(
    changes: dict[str, object], cls: type[InvalidInputError], field: str
) -> None:
    data: dict[str, object] = {"id": "STD", "resolution": "PT8H"} | changes
    with pytest.raises(cls) as caught:
        ServiceLevelAgreement.from_dict(data, calendars={"SE": CAL})
    assert_bad_input(caught.value, cls, field)


@pytest.mark.parametrize("missing", ["id", "resolution"])
def test_from_dict_requires_id_and_resolution(missing: str) -> None:
    data = {"id": "STD", "resolution": "PT8H"}
    del data[missing]
    with pytest.raises(InvalidInputError) as caught:
        ServiceLevelAgreement.from_dict(data)
    assert_bad_input(caught.value, InvalidInputError, missing)


# ---------------------------------------------------------------------------- entries


def test_entries_are_stored_in_utc_and_validated() -> None:
    entry = SlaEntry.stop(at(3, 10), WAITING)
    assert entry.at == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    assert entry.at.tzinfo is UTC
    assert entry.kind is SlaEntryKind.STOP
    stage = SlaEntry.stage(at(3, 10), "DONE", stops_clock=True)
    assert (stage.kind, stage.stage_id, stage.stops_clock) == (SlaEntryKind.STAGE, "DONE", True)


@pytest.mark.parametrize(
    ("fields", "cls", "field"),
    [
        ({"kind": SlaEntryKind.START, "at": datetime(2025, 3, 3, 8)}, NaiveDatetimeError, "at"),  # noqa: DTZ001
        ({"kind": SlaEntryKind.START, "at": date(2025, 3, 3)}, TypeMismatchError, "at"),
        ({"kind": "start", "at": at(3, 8)}, TypeMismatchError, "kind"),
        ({"kind": SlaEntryKind.STAGE, "at": at(3, 8)}, TypeMismatchError, "stage_id"),
        (
            {"kind": SlaEntryKind.STAGE, "at": at(3, 8), "stage_id": ""},
            InvalidInputError,
            "stage_id",
        ),
        (
            {"kind": SlaEntryKind.STOP, "at": at(3, 8), "stage_id": "DONE"},
            InvalidInputError,
            "stage_id",
        ),
        (
            {"kind": SlaEntryKind.STOP, "at": at(3, 8), "stops_clock": True},
            InvalidInputError,
            "stops_clock",
        ),
        (
            {"kind": SlaEntryKind.STAGE, "at": at(3, 8), "stage_id": "X", "stops_clock": 1},
            TypeMismatchError,
            "stops_clock",
        ),
        (
            {"kind": SlaEntryKind.START, "at": at(3, 8), "reason": WAITING},
            InvalidInputError,
            "reason",
        ),
        (
            {"kind": SlaEntryKind.STOP, "at": at(3, 8), "reason": "WAIT"},
            TypeMismatchError,
            "reason",
        ),
    ],
)
def test_entries_refuse_bad_fields(
    fields: dict[str, Any], cls: type[InvalidInputError], field: str
) -> None:
    with pytest.raises(cls) as caught:
        SlaEntry(**fields)
    assert_bad_input(caught.value, cls, field)


def test_segment_is_validated() -> None:
    with pytest.raises(InvalidPeriodError) as caught:
        Segment(at(3, 9), at(3, 9), SegmentKind.COUNTING)
    assert_bad_input(caught.value, InvalidPeriodError, "end")
    with pytest.raises(NaiveDatetimeError) as naive:
        Segment(datetime(2025, 3, 3, 8), at(3, 9), SegmentKind.COUNTING)  # noqa: DTZ001
    assert_bad_input(naive.value, NaiveDatetimeError, "start")
    segment = Segment(at(3, 8), at(3, 9, 30), SegmentKind.PAUSED, "why")
    assert segment.duration == timedelta(minutes=90)
    assert segment.start.tzinfo is UTC


# ------------------------------------------------------------ bad logs (the SLA rows)


START = SlaEntry.start


@pytest.mark.parametrize(
    ("entries", "field", "words"),
    [
        # pause end < pause start: the resume is recorded before the stop
        (
            [START(at(3, 8)), SlaEntry.stop(at(3, 12)), START(at(3, 11))],
            "entries[2].at",
            "time order",
        ),
        ([START(at(3, 8)), SlaEntry.cancel(at(3, 7))], "entries[1].at", "time order"),
        # resume without a pause
        ([START(at(3, 8)), START(at(3, 9))], "entries[1].kind", "already running"),
        # pausing twice
        (
            [START(at(3, 8)), SlaEntry.stop(at(3, 9)), SlaEntry.stop(at(3, 10))],
            "entries[2].kind",
            "pausing twice",
        ),
        (
            [
                START(at(3, 8)),
                SlaEntry.stage(at(3, 9), "DONE", stops_clock=True),
                SlaEntry.stop(at(3, 10)),
            ],
            "entries[2].kind",
            "pausing twice",
        ),
        ([SlaEntry.stop(at(3, 9))], "entries[0].kind", "never started"),
        # nothing after a cancel
        (
            [START(at(3, 8)), SlaEntry.cancel(at(3, 9)), START(at(3, 10))],
            "entries[2].kind",
            "canceled",
        ),
        ([SlaEntry.cancel(at(3, 9)), SlaEntry.cancel(at(3, 10))], "entries[1].kind", "canceled"),
        # now before the last entry
        ([START(at(3, 8)), SlaEntry.stop(at(3, 14))], "now", "last entry"),
    ],
)
def test_a_log_that_does_not_fit_raises_invalid_pause(
    entries: list[SlaEntry], field: str, words: str
) -> None:
    with pytest.raises(InvalidPauseError) as caught:
        measure(sla_of(), entries, now=at(3, 13))
    assert_bad_input(caught.value, InvalidPauseError, field)
    assert words in str(caught.value)


def test_a_suspended_sla_still_refuses_a_bad_log() -> None:
    with pytest.raises(InvalidPauseError):
        measure(sla_of(suspended=True), [START(at(3, 8)), START(at(3, 9))], now=at(3, 10))


@pytest.mark.parametrize(
    ("arguments", "cls", "field"),
    [
        ({"now": datetime(2025, 3, 3, 9)}, NaiveDatetimeError, "now"),  # noqa: DTZ001
        ({"entries": "start"}, TypeMismatchError, "entries"),
        ({"entries": iter([START(at(3, 8))])}, TypeMismatchError, "entries"),
        ({"entries": [START(at(3, 8)), "stop"]}, TypeMismatchError, "entries[1]"),
        ({"target": "resolution"}, TypeMismatchError, "target"),
        ({"target": SlaTarget.RESPONSE}, InvalidInputError, "target"),  # no response target
        ({"priority": 1}, TypeMismatchError, "priority"),
        ({"sla": "STD"}, TypeMismatchError, "sla"),
    ],
)
def test_measure_refuses_bad_arguments(
    arguments: dict[str, Any], cls: type[InvalidInputError], field: str
) -> None:
    call: dict[str, Any] = {"sla": sla_of(), "entries": [START(at(3, 8))], "now": at(3, 9)}
    call |= arguments
    with pytest.raises(cls) as caught:
        measure(call.pop("sla"), call.pop("entries"), **call)
    assert_bad_input(caught.value, cls, field)


# ------------------------------------------------------------ the fold in business time


def test_created_friday_afternoon_is_due_on_monday() -> None:
    created = at(7, 16)
    result = measure(sla_of(8), [START(created)], now=created)
    assert (result.state, result.elapsed, result.status) == (
        ClockState.RUNNING,
        timedelta(0),
        SlaStatus.WITHIN,
    )
    # 1 h on Friday 16:00-17:00, then 7 h from Monday 08:00
    assert result.deadline == at(10, 15)
    # one working day of 9 hours from Friday 16:00 ends on Monday at 16:00
    assert measure(sla_of(9), [START(created)], now=created).deadline == at(10, 16)
    # a day of allowance is 24 measured hours: 1 + 9 + 9 + 5 -> Wednesday 13:00
    day = ServiceLevelAgreement(
        id="DAY", targets=SlaTargets(resolution=Allowance(days=1)), calendar=CAL
    )
    assert measure(day, [START(created)], now=created).deadline == at(12, 13)


def test_a_pause_over_a_weekend_adds_only_the_business_time_it_covers() -> None:
    # ERPNext added the pause's wall-clock seconds (64.5 h here) to the deadline.
    start, stop, resume = at(7, 14), at(7, 16, 30), at(10, 9)
    paused = [START(start), SlaEntry.stop(stop, WAITING), START(resume)]
    result = measure(sla_of(), paused, now=at(10, 12))
    unpaused = measure(sla_of(), [START(start)], now=at(10, 12))
    covered = CAL.elapsed(stop, resume)
    assert covered == timedelta(minutes=90)  # Fri 16:30-17:00 and Mon 08:00-09:00
    assert result.elapsed == timedelta(hours=5, minutes=30)  # Fri 2.5 h + Mon 3 h
    assert unpaused.elapsed == result.elapsed + covered
    assert unpaused.deadline == at(10, 13)
    assert result.deadline == at(10, 14, 30)
    assert result.deadline == CAL.deadline(start, 8 * HOUR + covered)
    assert result.deadline == CAL.deadline(unpaused.deadline, covered)
    assert result.compliance == Decimal("68.75")
    kinds = [(s.kind, s.start, s.end) for s in result.timeline]
    assert kinds == [
        (SegmentKind.COUNTING, at(7, 14), at(7, 16, 30)),
        (SegmentKind.PAUSED, at(7, 16, 30), at(10, 9)),
        (SegmentKind.COUNTING, at(10, 9), at(10, 12)),
    ]
    assert result.timeline[1].note == "stopped by hand (WAIT)"


def test_resolving_while_paused_counts_the_pause_as_a_pause() -> None:
    # frappe/helpdesk #3776: paused, then resolved in one save, ignored the hold.
    entries = [
        START(at(3, 8)),
        SlaEntry.stop(at(3, 10), WAITING),  # waiting for the customer
        SlaEntry.stage(at(3, 15), "DONE", stops_clock=True),  # resolved while paused
    ]
    for now in (at(3, 15), at(5, 12), at(14, 8)):
        result = measure(sla_of(), entries, now=now)
        assert result.state is ClockState.STOPPED
        assert result.elapsed == 2 * HOUR
        assert result.deadline is None
        assert result.compliance == Decimal("25.00")
        assert result.status is SlaStatus.WITHIN
    notes = [s.note for s in measure(sla_of(), entries, now=at(5, 12)).timeline]
    assert notes == ["", "stopped by hand (WAIT)", "stage DONE stops the clock"]


def test_repeated_pause_and_resume_never_double_count_the_hold() -> None:
    # ERPNext PRs #47029, #49414, #52489 (hold time double-counted in review).
    entries = [
        START(at(3, 8)),
        SlaEntry.stop(at(3, 10)),
        START(at(3, 11)),
        SlaEntry.stop(at(3, 13)),
        START(at(4, 9)),
        SlaEntry.stop(at(4, 9)),  # a zero-length pause
        START(at(4, 9)),
        SlaEntry.stage(at(4, 10), "WAIT", stops_clock=True),
        SlaEntry.stage(at(4, 11), "PARTS", stops_clock=True),  # a repeated pause
        SlaEntry.stage(at(4, 12), "WORK", stops_clock=False),
    ]
    sla = sla_of(16)
    first = measure(sla, entries, now=at(4, 13))
    held = CAL.elapsed(at(3, 10), at(3, 11)) + CAL.elapsed(at(3, 13), at(4, 9))
    held += CAL.elapsed(at(4, 10), at(4, 12))
    assert held == 8 * HOUR
    assert first.elapsed == 6 * HOUR
    assert first.deadline == CAL.deadline(at(3, 8), 16 * HOUR + held) == at(5, 14)
    # measuring later while the clock runs moves nothing
    for now in (at(4, 15), at(4, 23), at(5, 9)):
        assert measure(sla, entries, now=now).deadline == first.deadline
    check_tiles(first, at(3, 8), at(4, 13))


@pytest.mark.parametrize(
    ("created", "due"),
    [
        (at(4, 18, 30), at(5, 9)),  # Tuesday evening -> Wednesday 09:00
        (at(4, 17), at(5, 9)),  # at closing time
        (at(4, 7, 59), at(4, 9)),  # before opening
        (at(8, 10), at(10, 9)),  # Saturday -> Monday
        (at(17, 20, month=4), at(22, 9, month=4)),  # Thursday before Easter -> Tuesday
        (at(4, 16, 30), at(5, 8, 30)),  # during hours, the hour runs over the night
    ],
)
def test_a_ticket_created_after_hours_is_due_the_next_business_day(
    created: datetime, due: datetime
) -> None:
    sla = sla_of(response=HOUR_ALLOWANCE)
    result = measure(sla, [START(created)], now=created, target=SlaTarget.RESPONSE)
    assert result.deadline == due
    assert result.allowance == HOUR
    assert result.elapsed == timedelta(0)


def test_a_deadline_is_compared_as_an_aware_instant() -> None:
    # erpnext PR #38745: shown as failed right after creation (naive local times).
    created = datetime(2025, 3, 3, 23, 30, tzinfo=UTC)  # Tuesday 00:30 in Stockholm
    sla = sla_of(response=HOUR_ALLOWANCE)
    result = measure(
        sla, [START(created)], now=created + timedelta(minutes=5), target=SlaTarget.RESPONSE
    )
    assert result.status is SlaStatus.WITHIN
    assert result.elapsed == timedelta(0)
    assert result.deadline == at(4, 9) == datetime(2025, 3, 4, 8, 0, tzinfo=UTC)
    assert result.deadline is not None
    assert result.deadline.astimezone(SE).date() == date(2025, 3, 4)
    # the zone the instants are written in changes nothing
    new_york = ZoneInfo("America/New_York")
    elsewhere = measure(
        sla,
        [START(created.astimezone(new_york))],
        now=(created + timedelta(minutes=5)).astimezone(new_york),
        target=SlaTarget.RESPONSE,
    )
    assert elsewhere == result


# ------------------------------------------------------------------------ stages


def test_a_stage_that_stops_the_clock_stops_it_and_going_back_restarts_it() -> None:
    entries = [
        START(at(3, 8)),
        SlaEntry.stage(at(3, 9), "PLANNED", stops_clock=False),  # running: no change
        SlaEntry.stage(at(3, 10), "DONE", stops_clock=True),
        SlaEntry.stage(at(3, 12), "IN_PROCESS", stops_clock=False),  # back: restarts
    ]
    stopped = measure(sla_of(), entries[:3], now=at(3, 12))
    assert (stopped.state, stopped.elapsed, stopped.deadline) == (
        ClockState.STOPPED,
        2 * HOUR,
        None,
    )
    running = measure(sla_of(), entries, now=at(3, 14))
    assert (running.state, running.elapsed) == (ClockState.RUNNING, 4 * HOUR)
    assert running.deadline == at(3, 18, 0).replace(day=4, hour=9)  # 4 h left: Tue 09:00
    assert [s.kind for s in running.timeline] == [
        SegmentKind.COUNTING,
        SegmentKind.PAUSED,
        SegmentKind.COUNTING,
    ]
    assert running.timeline[1].note == "stage DONE stops the clock"


def test_entering_one_stopping_stage_from_another_changes_no_figure() -> None:
    base = [START(at(3, 8)), SlaEntry.stage(at(3, 10), "DONE", stops_clock=True)]
    again = [*base, SlaEntry.stage(at(3, 11), "CLOSED", stops_clock=True)]
    for now in (at(3, 11), at(3, 16)):
        first, second = measure(sla_of(), base, now=now), measure(sla_of(), again, now=now)
        assert (first.elapsed, first.state, first.deadline) == (
            second.elapsed,
            second.state,
            second.deadline,
        )
    back = [*again, SlaEntry.stage(at(3, 13), "IN_PROCESS", stops_clock=False)]
    assert measure(sla_of(), back, now=at(3, 14)).elapsed == 3 * HOUR


def test_a_clock_stopped_by_hand_stays_stopped_through_stages_that_do_not_stop_it() -> None:
    entries = [
        START(at(3, 8)),
        SlaEntry.stop(at(3, 10), WAITING),
        SlaEntry.stage(at(3, 11), "IN_PROCESS", stops_clock=False),
    ]
    result = measure(sla_of(), entries, now=at(3, 15))
    assert (result.state, result.elapsed) == (ClockState.STOPPED, 2 * HOUR)
    resumed = measure(sla_of(), [*entries, START(at(3, 13))], now=at(3, 15))
    assert (resumed.state, resumed.elapsed) == (ClockState.RUNNING, 4 * HOUR)


def test_a_stopping_stage_takes_over_a_stop_by_hand() -> None:
    # Stopped by hand, then completed (the stage stops the clock), then reopened: AX
    # restarts recording when the order moves back to a stage without the rule.
    entries = [
        START(at(3, 8)),
        SlaEntry.stop(at(3, 10)),
        SlaEntry.stage(at(3, 11), "DONE", stops_clock=True),
        SlaEntry.stage(at(3, 12), "IN_PROCESS", stops_clock=False),
    ]
    result = measure(sla_of(), entries, now=at(3, 15))
    assert (result.state, result.elapsed) == (ClockState.RUNNING, 5 * HOUR)
    notes = [(s.kind, s.note) for s in result.timeline]
    assert notes == [
        (SegmentKind.COUNTING, ""),
        (SegmentKind.PAUSED, "stopped by hand"),
        (SegmentKind.PAUSED, "stage DONE stops the clock"),
        (SegmentKind.COUNTING, ""),
    ]


def test_stage_entries_never_start_a_clock() -> None:
    entries = [
        SlaEntry.stage(at(3, 8), "DONE", stops_clock=True),
        SlaEntry.stage(at(3, 9), "IN_PROCESS", stops_clock=False),
    ]
    result = measure(sla_of(), entries, now=at(3, 12))
    assert result.state is ClockState.NOT_STARTED
    assert (result.elapsed, result.deadline, result.timeline) == (timedelta(0), None, ())
    assert result.status is SlaStatus.WITHIN
    assert measure(sla_of(), [], now=at(3, 12)).state is ClockState.NOT_STARTED


# ------------------------------------------------------------------------ cancel


def test_cancel_ends_the_recording() -> None:
    entries = [START(at(3, 8)), SlaEntry.cancel(at(3, 11), LATE)]
    result = measure(sla_of(), entries, now=at(5, 12))
    assert (result.state, result.elapsed, result.deadline) == (
        ClockState.CANCELED,
        3 * HOUR,
        None,
    )
    assert result.status is SlaStatus.WITHIN
    check_tiles(result, at(3, 8), at(3, 11))  # the measured span ends at the cancel


def test_cancel_while_stopped_counts_nothing_more() -> None:
    entries = [START(at(3, 8)), SlaEntry.stop(at(3, 9)), SlaEntry.cancel(at(3, 15))]
    result = measure(sla_of(), entries, now=at(4, 12))
    assert (result.state, result.elapsed) == (ClockState.CANCELED, HOUR)
    assert [s.kind for s in result.timeline] == [SegmentKind.COUNTING, SegmentKind.PAUSED]
    assert result.timeline[-1].end == at(3, 15)


def test_canceled_before_any_time_counted_is_not_measured() -> None:
    weekend = [START(at(8, 10)), SlaEntry.cancel(at(9, 10))]  # Saturday to Sunday
    result = measure(sla_of(), weekend, now=at(10, 12))
    assert (result.state, result.status) == (ClockState.CANCELED, SlaStatus.NOT_MEASURED)
    assert (result.elapsed, result.compliance) == (timedelta(0), Decimal("0.00"))
    never = measure(sla_of(), [SlaEntry.cancel(at(3, 9))], now=at(3, 10))
    assert (never.state, never.status, never.timeline) == (
        ClockState.CANCELED,
        SlaStatus.NOT_MEASURED,
        (),
    )


# -------------------------------------------------------------------- modes


def test_delayed_start_only_delays_the_start_then_runs_on_the_wall_clock() -> None:
    sla = sla_of(mode=MeasurementMode.DELAYED_START)
    received = at(8, 10)  # Saturday
    waiting = measure(sla, [START(received)], now=at(9, 12))
    assert waiting.elapsed == timedelta(0)
    assert waiting.deadline == at(10, 16)  # starts Monday 08:00, 8 wall-clock hours
    late = measure(sla, [START(received)], now=at(10, 20))
    assert late.elapsed == 12 * HOUR  # Monday 08:00-20:00, the evening counts
    assert (late.status, late.compliance, late.deadline) == (
        SlaStatus.EXCEEDED,
        Decimal("150.00"),
        at(10, 16),  # the past instant the allowance ran out
    )
    assert late.overdue == 4 * HOUR
    assert [(s.kind, s.start, s.end) for s in late.timeline] == [
        (SegmentKind.OUTSIDE_WORKING_HOURS, at(8, 10), at(10, 8)),
        (SegmentKind.COUNTING, at(10, 8), at(10, 20)),
    ]
    business = measure(sla_of(), [START(received)], now=at(10, 20))
    assert business.elapsed == 9 * HOUR


def test_delayed_start_delays_only_the_first_start() -> None:
    sla = sla_of(80, mode=MeasurementMode.DELAYED_START)
    # started in working time: no delay, and the restart on Friday evening counts at once
    evening = [START(at(7, 15)), SlaEntry.stop(at(7, 18)), START(at(7, 20))]
    result = measure(sla, evening, now=at(10, 10))
    assert result.elapsed == 3 * HOUR + 62 * HOUR
    assert result.deadline == at(10, 10) + 15 * HOUR
    check_tiles(result, at(7, 15), at(10, 10))
    # received on Saturday: nothing counts before Monday 08:00, whatever runs before
    weekend = [START(at(8, 10)), SlaEntry.stop(at(8, 12)), START(at(9, 10))]
    early = measure(sla, weekend, now=at(10, 10))
    assert early.elapsed == 2 * HOUR
    assert [s.kind for s in early.timeline] == [
        SegmentKind.OUTSIDE_WORKING_HOURS,
        SegmentKind.PAUSED,
        SegmentKind.OUTSIDE_WORKING_HOURS,
        SegmentKind.COUNTING,
    ]
    # a zero-length pause changes nothing (law S5)
    blip = [START(at(8, 10)), SlaEntry.stop(at(9, 10)), START(at(9, 10))]
    assert measure(sla, blip, now=at(10, 10)).elapsed == 2 * HOUR


@pytest.mark.parametrize("mode", list(MeasurementMode))
def test_without_a_calendar_time_runs_on_the_wall_clock(mode: MeasurementMode) -> None:
    sla = sla_of(calendar=None, mode=mode)
    result = measure(sla, [START(at(8, 10))], now=at(8, 16))
    assert result.elapsed == 6 * HOUR
    assert result.deadline == at(8, 18)
    assert (result.compliance, result.status) == (Decimal("75.00"), SlaStatus.WITHIN)
    check_tiles(result, at(8, 10), at(8, 16))


# ------------------------------------------------------------ targets and priorities


def test_response_and_resolution_are_measured_against_their_own_allowance() -> None:
    sla = ServiceLevelAgreement(
        id="GOLD",
        targets=SlaTargets(response=Allowance(hours=2), resolution=Allowance(hours=16)),
        per_priority={
            Priority.HIGH: SlaTargets(response=HOUR_ALLOWANCE, resolution=Allowance(hours=4))
        },
        calendar=CAL,
    )
    entries = [START(at(3, 8))]
    now = at(3, 11)
    cases = {
        (SlaTarget.RESOLUTION, None): ("18.75", SlaStatus.WITHIN, at(4, 15)),
        (SlaTarget.RESPONSE, None): ("150.00", SlaStatus.EXCEEDED, at(3, 10)),
        (SlaTarget.RESOLUTION, Priority.HIGH): ("75.00", SlaStatus.WITHIN, at(3, 12)),
        (SlaTarget.RESPONSE, Priority.HIGH): ("300.00", SlaStatus.EXCEEDED, at(3, 9)),
        (SlaTarget.RESOLUTION, Priority.NORMAL): ("18.75", SlaStatus.WITHIN, at(4, 15)),
    }
    for (target, priority), (compliance, status, deadline) in cases.items():
        result = measure(sla, entries, now=now, target=target, priority=priority)
        assert (result.compliance, result.status, result.deadline) == (
            Decimal(compliance),
            status,
            deadline,
        ), (target, priority)


# ------------------------------------------------------------ compliance and status


@pytest.mark.parametrize(
    ("elapsed", "compliance", "status"),
    [
        (timedelta(0), "0.00", SlaStatus.WITHIN),
        (timedelta(seconds=3555, microseconds=360_000), "12.35", SlaStatus.WITHIN),  # 12.345
        (timedelta(seconds=3553, microseconds=920_000), "12.34", SlaStatus.WITHIN),  # 12.34
        (timedelta(hours=6, minutes=24) - timedelta(microseconds=1), "80.00", SlaStatus.WITHIN),
        (timedelta(hours=6, minutes=24), "80.00", SlaStatus.AT_RISK),  # the share: 0.8
        (timedelta(hours=8), "100.00", SlaStatus.AT_RISK),  # used up, not exceeded
        (timedelta(hours=8, microseconds=1), "100.00", SlaStatus.EXCEEDED),  # over 100
        (timedelta(hours=8, seconds=2), "100.01", SlaStatus.EXCEEDED),  # 100.0069 -> 100.01
        (timedelta(hours=9), "112.50", SlaStatus.EXCEEDED),
        (timedelta(hours=24), "300.00", SlaStatus.EXCEEDED),
    ],
)
def test_compliance_is_rounded_half_up_and_status_compares_exact_time(
    elapsed: timedelta, compliance: str, status: SlaStatus
) -> None:
    start = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    result = measure(sla_of(calendar=None), [START(start)], now=start + elapsed)
    assert result.elapsed == elapsed
    assert result.compliance == Decimal(compliance)
    assert str(result.compliance) == compliance  # always 2 decimals
    assert result.status is status
    assert result.remaining == max(8 * HOUR - elapsed, timedelta(0))
    assert result.overdue == max(elapsed - 8 * HOUR, timedelta(0))
    assert result.deadline == start + 8 * HOUR  # in the future or the past


def test_the_at_risk_share_is_configurable() -> None:
    start = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    sla = sla_of(calendar=None, at_risk_share=Decimal("0.5"))
    assert measure(sla, [START(start)], now=start + 4 * HOUR).status is SlaStatus.AT_RISK
    assert measure(sla, [START(start)], now=start + 3 * HOUR).status is SlaStatus.WITHIN


def test_a_suspended_sla_is_not_measured() -> None:
    result = measure(sla_of(suspended=True), [START(at(3, 8))], now=at(5, 8))
    assert result.state is ClockState.RUNNING
    assert result.status is SlaStatus.NOT_MEASURED
    assert (result.elapsed, result.remaining, result.overdue) == (
        timedelta(0),
        8 * HOUR,
        timedelta(0),
    )
    assert (result.deadline, result.compliance, result.timeline) == (None, Decimal("0.00"), ())


# ------------------------------------------------------------------------ timeline


def test_the_timeline_names_holidays_and_tiles_the_span() -> None:
    entries = [
        START(at(16, 15, month=4)),
        SlaEntry.stage(at(17, 9, month=4), "WAIT", stops_clock=True, reason=WAITING),
        SlaEntry.stage(at(17, 12, month=4), "WORK", stops_clock=False),
    ]
    now = at(23, 9, month=4)
    result = measure(sla_of(), entries, now=now)
    check_tiles(result, at(16, 15, month=4), now)
    holidays = [s for s in result.timeline if s.kind is SegmentKind.HOLIDAY]
    assert [(s.start, s.end, s.note) for s in holidays] == [
        (at(18, 0, month=4), at(19, 0, month=4), "2025-04-18 holiday"),
        (at(21, 0, month=4), at(22, 0, month=4), "2025-04-21 holiday"),
    ]
    assert result.elapsed == (2 + 1 + 5 + 9 + 1) * HOUR
    assert result.explain(SE).splitlines()[:4] == [
        "Wed 2025-04-16 15:00 - 17:00                counting                2:00",
        "Wed 2025-04-16 17:00 - Thu 2025-04-17 08:00 outside_working_hours  15:00",
        "Thu 2025-04-17 08:00 - 09:00                counting                1:00",
        (
            "Thu 2025-04-17 09:00 - 12:00                paused                  3:00"
            "  stage WAIT stops the clock (WAIT)"
        ),
    ]
    assert "holiday                24:00  2025-04-18 holiday" in result.explain(SE)


def test_a_day_closed_by_an_exception_shows_as_a_holiday() -> None:
    closed = WorkingCalendar.from_dict(CAL.to_dict() | {"id": "", "exceptions": {"2025-03-05": []}})
    result = measure(sla_of(calendar=closed), [START(at(4, 16))], now=at(6, 9))
    kinds = [(s.kind, s.note) for s in result.timeline]
    assert (SegmentKind.HOLIDAY, "2025-03-05 exception") in kinds
    assert result.elapsed == 2 * HOUR
    check_tiles(result, at(4, 16), at(6, 9))


# ---------------------------------------------------------------- changed definitions


def test_changing_the_sla_or_its_calendar_changes_the_figures_on_the_next_measure() -> None:
    entries = [START(at(16, 15, month=4))]
    now = at(22, 10, month=4)
    before = measure(sla_of(), entries, now=now)
    assert before.elapsed == (2 + 9 + 2) * HOUR  # Wed, Thu, Tue (Easter in between)
    longer = attrs.evolve(sla_of(), targets=SlaTargets(resolution=Allowance(hours=26)))
    after = measure(longer, entries, now=now)
    assert after.elapsed == before.elapsed
    assert (before.compliance, after.compliance) == (Decimal("162.50"), Decimal("50.00"))
    open_easter = attrs.evolve(sla_of(), calendar=WorkingCalendar.standard(SE))
    assert measure(open_easter, entries, now=now).elapsed == (2 + 9 + 9 + 9 + 2) * HOUR
    assert measure(sla_of(), entries, now=now) == before  # nothing was stored


# ------------------------------------------------------------------ reason codes


def measurement(status: SlaStatus) -> SlaMeasurement:
    over = status is SlaStatus.EXCEEDED
    return SlaMeasurement(
        state=ClockState.RUNNING,
        allowance=8 * HOUR,
        elapsed=9 * HOUR if over else HOUR,
        remaining=timedelta(0) if over else 7 * HOUR,
        overdue=HOUR if over else timedelta(0),
        deadline=None,
        compliance=Decimal("112.50") if over else Decimal("12.50"),
        status=status,
        timeline=(),
    )


BOTH = SlaParameters(reason_on_exceeding=True, reason_on_canceling=True)
NEITHER = SlaParameters()


@pytest.mark.parametrize(
    ("parameters", "action", "status", "rule"),
    [
        (BOTH, "sign_off", SlaStatus.EXCEEDED, "sla.reason_on_exceeding"),
        (BOTH, "stop", SlaStatus.EXCEEDED, "sla.reason_on_exceeding"),
        (BOTH, "stage_stop", SlaStatus.EXCEEDED, "sla.reason_on_exceeding"),
        (BOTH, "cancel", SlaStatus.WITHIN, "sla.reason_on_canceling"),
        (BOTH, "cancel", SlaStatus.EXCEEDED, "sla.reason_on_canceling"),
        (
            SlaParameters(reason_on_canceling=True),
            "cancel",
            SlaStatus.NOT_MEASURED,
            "sla.reason_on_canceling",
        ),
        (BOTH, "sign_off", SlaStatus.WITHIN, None),
        (BOTH, "stop", SlaStatus.AT_RISK, None),
        (BOTH, "stage_stop", SlaStatus.NOT_MEASURED, None),
        (NEITHER, "sign_off", SlaStatus.EXCEEDED, None),
        (NEITHER, "cancel", SlaStatus.WITHIN, None),
        (SlaParameters(reason_on_canceling=True), "sign_off", SlaStatus.EXCEEDED, None),
        (SlaParameters(reason_on_exceeding=True), "cancel", SlaStatus.EXCEEDED, None),
    ],
)
def test_require_reason(
    parameters: SlaParameters, action: str, status: SlaStatus, rule: str | None
) -> None:
    taken = measurement(status)
    # with a reason, nothing is ever refused
    require_reason(parameters, taken, action=action, reason=LATE, entity_id="SO-1")
    if rule is None:
        require_reason(parameters, taken, action=action, reason=None, entity_id="SO-1")
        return
    with pytest.raises(ReasonRequiredError) as caught:
        require_reason(parameters, taken, action=action, reason=None, entity_id="SO-1")
    error = caught.value
    assert isinstance(error, RuleViolationError)
    assert isinstance(error, ServiceDomainError)
    assert (error.entity_id, error.rule) == ("SO-1", rule)
    assert rule in str(error)
    if rule == "sla.reason_on_exceeding":
        assert "exceeded (compliance 112.50 %)" in error.context


@pytest.mark.parametrize(
    ("arguments", "cls", "field"),
    [
        ({"action": "post"}, InvalidInputError, "action"),
        ({"action": "Sign_off"}, InvalidInputError, "action"),
        ({"reason": "LATE"}, TypeMismatchError, "reason"),
        ({"entity_id": ""}, InvalidInputError, "entity_id"),
        ({"parameters": {"reason_on_exceeding": True}}, TypeMismatchError, "parameters"),
        ({"measurement": None}, TypeMismatchError, "measurement"),
    ],
)
def test_require_reason_refuses_bad_arguments(
    arguments: dict[str, Any], cls: type[InvalidInputError], field: str
) -> None:
    call: dict[str, Any] = {
        "parameters": BOTH,
        "measurement": measurement(SlaStatus.EXCEEDED),
        "action": "stop",
        "reason": LATE,
        "entity_id": "SO-1",
    } | arguments
    with pytest.raises(cls) as caught:
        require_reason(call.pop("parameters"), call.pop("measurement"), **call)
    assert_bad_input(caught.value, cls, field)


def test_parameters_are_real_bools() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        SlaParameters(reason_on_exceeding=1)  # type: ignore[arg-type]
    assert_bad_input(caught.value, TypeMismatchError, "reason_on_exceeding")


def test_measured_figures_drive_require_reason() -> None:
    late = measure(sla_of(), [START(at(3, 8))], now=at(4, 8))  # 9 h of 8
    assert late.status is SlaStatus.EXCEEDED
    with pytest.raises(ReasonRequiredError):
        require_reason(BOTH, late, action="sign_off", reason=None, entity_id="SO-7")


# ------------------------------------------------------------------ assignment


@pytest.mark.parametrize(
    ("agreement", "group", "generated", "measure_generated", "expected"),
    [
        ("GOLD", "STD", False, False, "GOLD"),  # the agreement's own SLA wins
        (None, "STD", False, False, "STD"),  # else the group's default
        (None, None, False, False, None),  # no SLA at all
        ("GOLD", None, False, False, "GOLD"),
        ("GOLD", "STD", True, False, None),  # generated orders are not measured
        (None, "STD", True, False, None),
        ("GOLD", "STD", True, True, "GOLD"),  # unless the host asks for it
        (None, "STD", True, True, "STD"),
        (None, None, True, True, None),
        ("GOLD", None, False, True, "GOLD"),
    ],
)
def test_effective_sla_id(
    agreement: str | None,
    group: str | None,
    generated: bool,
    measure_generated: bool,
    expected: str | None,
) -> None:
    assert (
        effective_sla_id(
            agreement_sla_id=agreement,
            group_default_sla_id=group,
            generated=generated,
            measure_generated=measure_generated,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("arguments", "cls", "field"),
    [
        ({"agreement_sla_id": ""}, InvalidInputError, "agreement_sla_id"),
        ({"group_default_sla_id": 7}, TypeMismatchError, "group_default_sla_id"),
        ({"generated": "no"}, TypeMismatchError, "generated"),
        ({"measure_generated": 0}, TypeMismatchError, "measure_generated"),
    ],
)
def test_effective_sla_id_refuses_bad_arguments(
    arguments: dict[str, Any], cls: type[InvalidInputError], field: str
) -> None:
    call: dict[str, Any] = {
        "agreement_sla_id": "GOLD",
        "group_default_sla_id": None,
        "generated": False,
    } | arguments
    with pytest.raises(cls) as caught:
        effective_sla_id(**call)
    assert_bad_input(caught.value, cls, field)


# ------------------------------------------------------------------ negative durations


@pytest.mark.parametrize("hours", [-1, -8])
def test_a_negative_sla_duration_is_an_invalid_duration(hours: int) -> None:
    """Regression: a negative business-time duration raised a plain InvalidInputError."""
    with pytest.raises(InvalidDurationError) as caught:
        CAL.deadline(at(3, 9), timedelta(hours=hours))
    assert_bad_input(caught.value, InvalidDurationError, "duration")
    with pytest.raises(InvalidDurationError) as caught:
        Allowance(hours=hours)
    assert_bad_input(caught.value, InvalidDurationError, "hours")
