"""SLA definitions: allowances, target sets and the service-level agreement itself."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final, TypeVar, cast

import attrs
import pendulum

from servicedomain._checks import (
    Validator,
    and_,
    check_keys,
    deep_mapping,
    in_,
    instance_of,
    integer,
    is_bool,
    is_id,
    is_str,
    optional,
    predicate,
)
from servicedomain._enums import StrictEnum
from servicedomain.calendars import WorkingCalendar
from servicedomain.errors import InvalidDurationError, InvalidInputError, TypeMismatchError

__all__ = [
    "Allowance",
    "MeasurementMode",
    "Priority",
    "ServiceLevelAgreement",
    "SlaTarget",
    "SlaTargets",
]

_T = TypeVar("_T")

MINUTES_PER_DAY: Final = 1440
MAX_ALLOWANCE_MINUTES: Final = 100 * 366 * MINUTES_PER_DAY
"""The longest allowance: about a hundred years, far beyond any service level."""

# The shape of an allowance once pendulum has accepted the text: whole weeks or days,
# then whole hours and minutes. Pendulum normalises what it reads (PT90M is 1 h 30 min),
# so the components are read from the text to keep them as written.
_ALLOWANCE_TEXT: Final = re.compile(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?")


is_strict_id: Final[Validator[str]] = and_(
    is_id,
    predicate(
        lambda text: text == text.strip(),
        "an id is not blank, has no surrounding whitespace or control characters",
    ),
)
"""An id (the shared check) with no surrounding whitespace: SLA, stage and entity ids."""


# ------------------------------------------------------------------------------ enums


class MeasurementMode(StrictEnum):
    """How the SLA clock turns running time into counted time.

    * ``BUSINESS_TIME`` (the default): only working time on the SLA's calendar counts.
      A clock that runs over a weekend counts nothing from Friday's closing to Monday's
      opening.
    * ``DELAYED_START``: AX's documented mode. The calendar only delays when the clock
      starts (an order received on Saturday starts Monday morning); from then on time
      runs on the wall clock, nights and weekends included. Only the first start is
      delayed: a clock stopped and started again counts on the wall clock at once, so a
      zero-length pause changes nothing (law S5).

    Without a calendar both modes count wall-clock time.
    """

    BUSINESS_TIME = "business_time"
    DELAYED_START = "delayed_start"


class Priority(StrictEnum):
    """The priority of a service order (AX High, Normal, Low).

    It picks the SLA's per-priority targets and ranks the order on the dispatch board.
    Defined with the SLA, which keys its targets by it; ``servicedomain.orders``
    re-exports it.
    """

    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class SlaTarget(StrictEnum):
    """Which target an SLA measurement is held against: first response or resolution."""

    RESPONSE = "response"
    RESOLUTION = "resolution"


_TARGET: Final = in_(SlaTarget)

# -------------------------------------------------------------------------- Allowance


_COUNT: Final = integer(
    minimum=0, reason="an allowance is never negative", error=InvalidDurationError
)


def _count() -> Any:
    return attrs.field(default=0, validator=_COUNT)


@attrs.frozen(kw_only=True)
class Allowance:
    """An SLA time allowance in days, hours and minutes (AX ``Days``, ``Hours``, ``Minutes``).

    The limit is ``days x 1440 + hours x 60 + minutes`` minutes, as AX computes it: **a
    day is 24 hours of measured time**, not a working day. Measured in business time on
    a calendar open 9 hours a day, ``Allowance(days=1)`` lasts 24 working hours (about
    2.7 working days); write ``Allowance(hours=9)`` for "one working day".

    The components are kept as given (``Allowance(minutes=90)`` is not
    ``Allowance(hours=1, minutes=30)``, though both last as long: compare
    :attr:`duration` for that).

    Raises:
        TypeMismatchError: a component is not an int (a bool, a float, a str).
        InvalidDurationError: a component is negative; ``field`` names it. All three are
            zero (``field`` is ``"allowance"``), or the allowance exceeds about 100 years.

    >>> Allowance(days=1, hours=4, minutes=30).duration
    datetime.timedelta(days=1, seconds=16200)
    >>> Allowance(hours=8).iso
    'PT8H'
    """

    days: int = _count()
    hours: int = _count()
    minutes: int = _count()

    def __attrs_post_init__(self) -> None:
        total = self.total_minutes
        if total == 0:
            raise InvalidDurationError(
                "allowance", total, "an allowance is longer than zero (days, hours, minutes)"
            )
        if total > MAX_ALLOWANCE_MINUTES:
            raise InvalidDurationError(
                "allowance", total, f"an allowance is at most {MAX_ALLOWANCE_MINUTES} minutes"
            )

    @property
    def total_minutes(self) -> int:
        """The SLA limit in minutes: ``days x 1440 + hours x 60 + minutes``."""
        return self.days * MINUTES_PER_DAY + self.hours * 60 + self.minutes

    @property
    def duration(self) -> timedelta:
        """The allowance as measured time (a ``timedelta``)."""
        return timedelta(minutes=self.total_minutes)

    @property
    def iso(self) -> str:
        """The ISO-8601 duration, with the components as given (:meth:`parse` reads it back).

        >>> Allowance(days=2, minutes=90).iso
        'P2DT90M'
        """
        date_part = f"{self.days}D" if self.days else ""
        time_part = (f"{self.hours}H" if self.hours else "") + (
            f"{self.minutes}M" if self.minutes else ""
        )
        return f"P{date_part}" + (f"T{time_part}" if time_part else "")

    @classmethod
    def parse(cls, text: str) -> Allowance:
        """Read an ISO-8601 duration such as ``"PT8H"`` or ``"P1DT4H30M"``.

        Pendulum decides what ISO-8601 is; an allowance then takes whole weeks (7 days),
        days, hours and minutes. The components are kept as written: ``"PT90M"`` gives
        ``Allowance(minutes=90)`` and ``"PT48H"`` gives ``Allowance(hours=48)``.

        Raises:
            TypeMismatchError: ``text`` is not a str.
            InvalidDurationError: ``field`` is ``"text"``. The text is malformed,
                negative, zero, has seconds or a fraction (AX counts whole minutes), or
                has months or years (their length varies).

        >>> Allowance.parse("P1DT4H30M")
        Allowance(days=1, hours=4, minutes=30)
        >>> Allowance.parse("-PT8H")
        Traceback (most recent call last):
        servicedomain.errors.InvalidDurationError: text='-PT8H': an allowance is never negative
        """
        is_str.check(text, "text")
        if text.startswith("-"):
            raise InvalidDurationError("text", text, "an allowance is never negative")
        try:
            parsed = pendulum.parse(text)
        except (ValueError, TypeError, OverflowError):
            raise InvalidDurationError(
                "text", text, "not an ISO-8601 duration such as 'PT8H' or 'P1DT4H30M'"
            ) from None
        if not isinstance(parsed, pendulum.Duration):
            raise InvalidDurationError(
                "text", text, "a date or a time is not a duration; write e.g. 'PT8H'"
            )
        if parsed.invert:
            raise InvalidDurationError("text", text, "an allowance is never negative")
        if parsed.years or parsed.months:
            raise InvalidDurationError(
                "text", text, "months and years vary in length; use days, hours, minutes"
            )
        time_part = text.partition("T")[2]
        if "S" in time_part or parsed.remaining_seconds or parsed.microseconds:
            raise InvalidDurationError(
                "text", text, "an allowance counts whole minutes; it has no seconds"
            )
        match = _ALLOWANCE_TEXT.fullmatch(text)
        if match is None:  # a fraction (PT1.5H) or another shape pendulum accepts
            raise InvalidDurationError(
                "text", text, "write whole days, hours and minutes (e.g. 'PT1H30M')"
            )
        weeks, days, hours, minutes = (int(group or 0) for group in match.groups())
        try:
            return cls(days=weeks * 7 + days, hours=hours, minutes=minutes)
        except InvalidDurationError as error:
            raise InvalidDurationError("text", text, error.reason) from None


_ALLOWANCE: Final = instance_of(Allowance)


@attrs.frozen(kw_only=True)
class SlaTargets:
    """A set of targets: an optional first-response allowance and a resolution allowance.

    Raises:
        TypeMismatchError: a target is not an :class:`Allowance` (``None`` is fine for
            ``response``: no response target).

    >>> SlaTargets(response=Allowance(hours=1), resolution=Allowance(hours=8)).resolution.iso
    'PT8H'
    """

    response: Allowance | None = attrs.field(default=None, validator=optional(_ALLOWANCE))
    resolution: Allowance = attrs.field(validator=_ALLOWANCE)

    def get(self, target: SlaTarget) -> Allowance | None:
        """The allowance for ``target``; ``None`` when there is no response target."""
        if _TARGET.check(target, "target") is SlaTarget.RESPONSE:
            return self.response
        return self.resolution


_TARGETS: Final = instance_of(SlaTargets)
_CALENDARS: Final = deep_mapping(is_str, instance_of(WorkingCalendar))

# ----------------------------------------------------------------- ServiceLevelAgreement


def _frozen_priorities(value: Mapping[Priority, SlaTargets]) -> Mapping[Priority, SlaTargets]:
    """A read-only copy of the per-priority targets, in priority order (high first)."""
    if not isinstance(value, Mapping):
        raise TypeMismatchError(
            "per_priority", value, "expected a mapping of Priority members to SlaTargets"
        )
    for key, targets in value.items():
        if not isinstance(key, Priority):
            raise TypeMismatchError(
                "per_priority",
                key,
                f"a per-priority key is a Priority member ({_PRIORITY_NAMES}), "
                f"not a {type(key).__name__}",
            )
        _TARGETS.check(targets, f"per_priority.{key.value}")
    return MappingProxyType({key: value[key] for key in Priority if key in value})


_PRIORITY_NAMES: Final = ", ".join(f"Priority.{member.name}" for member in Priority)


_SHARE: Final = and_(
    instance_of(Decimal, reason="expected a Decimal such as Decimal('0.8'), not a float"),
    predicate(
        lambda share: share.is_finite() and Decimal(0) < share < Decimal(1),
        "a share of the allowance is between 0 and 1 (exclusive)",
    ),
)


@attrs.frozen(kw_only=True)
class ServiceLevelAgreement:
    """A service-level agreement (AX ``SMAServiceLevelAgreementTable``).

    An SLA is a value: changing it (or its calendar) changes nothing stored. The clock
    of an order is a log of entries, and :func:`~servicedomain.sla.measure` folds the log
    with whichever SLA it is given, so measuring again gives the new figures.

    Attributes:
        id: the SLA id (``ServiceLevelAgreementId``).
        description: what it promises, for people.
        targets: the default targets: resolution, and optionally first response.
        per_priority: targets by :class:`Priority` (a free string such as ``"High"``
            is refused: it would never match an order's priority); a priority not listed
            uses ``targets``. A priority whose ``response`` is ``None`` uses the default
            response target. Stored read-only, in priority order.
        calendar: the working calendar; ``None`` measures wall-clock time.
        suspended: the SLA is not available (AX ``Suspended``): it measures nothing.
        mode: how the calendar is applied (:class:`MeasurementMode`).
        at_risk_share: the status is ``AT_RISK`` once elapsed time reaches this share of
            the allowance; a Decimal strictly between 0 and 1.

    Raises:
        InvalidInputError: a blank ``id``, a share out of range.
        TypeMismatchError: a field of the wrong type (``at_risk_share`` as a float, a
            ``per_priority`` key that is not a :class:`Priority`).

    >>> sla = ServiceLevelAgreement(
    ...     id="GOLD",
    ...     targets=SlaTargets(response=Allowance(hours=1), resolution=Allowance(hours=8)),
    ...     per_priority={Priority.HIGH: SlaTargets(resolution=Allowance(hours=4))},
    ... )
    >>> high = Priority.HIGH
    >>> sla.allowance(priority=high).iso, sla.allowance(SlaTarget.RESPONSE, high).iso
    ('PT4H', 'PT1H')
    """

    id: str = attrs.field(validator=is_strict_id)
    description: str = attrs.field(default="", validator=is_str)
    targets: SlaTargets = attrs.field(validator=_TARGETS)
    per_priority: Mapping[Priority, SlaTargets] = attrs.field(
        factory=dict, converter=_frozen_priorities, hash=False
    )
    calendar: WorkingCalendar | None = attrs.field(
        default=None, validator=optional(instance_of(WorkingCalendar))
    )
    suspended: bool = attrs.field(default=False, validator=is_bool)
    mode: MeasurementMode = attrs.field(
        default=MeasurementMode.BUSINESS_TIME, validator=in_(MeasurementMode)
    )
    at_risk_share: Decimal = attrs.field(default=Decimal("0.8"), validator=_SHARE)

    def allowance(
        self, target: SlaTarget = SlaTarget.RESOLUTION, priority: Priority | None = None
    ) -> Allowance | None:
        """The allowance for ``target`` at ``priority``; ``None``: no response target.

        A priority listed in :attr:`per_priority` uses its own targets, falling back to
        the default response target when it sets none; any other priority (or ``None``)
        uses :attr:`targets`.

        Raises:
            TypeMismatchError: ``target`` is not an :class:`SlaTarget`, or ``priority``
                not a :class:`Priority` (a string such as ``"high"`` is refused).
        """
        _TARGET.check(target, "target")
        if priority is not None:
            own = self.per_priority.get(in_(Priority).check(priority, "priority"))
            if own is not None:
                allowance = own.get(target)
                if allowance is not None:
                    return allowance
        return self.targets.get(target)

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, object],
        *,
        calendars: Mapping[str, WorkingCalendar] = MappingProxyType({}),
    ) -> ServiceLevelAgreement:
        """Build from a dict such as JSON or TOML gives.

        Keys: ``id`` (required), ``resolution`` (required, ISO-8601 such as ``"PT8H"``),
        and the optional ``description``, ``response``, ``calendar`` (the id of one of
        ``calendars``, or a calendar's own dict for
        :meth:`~servicedomain.calendars.WorkingCalendar.from_dict`), ``per_priority``
        (``{"high": {"resolution": "PT4H", "response": "PT15M"}}``: the keys are the
        values of :class:`Priority`, read strictly, so ``"High"`` is refused; a priority
        without ``resolution`` takes the default one), ``mode`` (``"business_time"`` or
        ``"delayed_start"``), ``at_risk_share`` (a decimal string such as ``"0.8"``) and
        ``suspended`` (a bool). Unknown keys are refused.

        Raises:
            InvalidInputError: ``field`` names the key (dotted inside ``per_priority``);
                an unknown calendar id, key, priority or mode.
            InvalidDurationError: a malformed allowance, e.g. ``field``
                ``"per_priority.high.resolution"``.

        >>> sla = ServiceLevelAgreement.from_dict({"id": "STD", "resolution": "P1DT4H"})
        >>> sla.to_dict()["resolution"], sla.mode.value
        ('P1DT4H', 'business_time')
        """
        check_keys(
            data, kind="ServiceLevelAgreement", required=("id", "resolution"), optional=_SLA_KEYS
        )
        _CALENDARS.check(calendars, "calendars")
        targets = SlaTargets(
            response=_allowance_from(data.get("response"), "response"),
            resolution=cast("Allowance", _allowance_from(data["resolution"], "resolution")),
        )
        priorities = data.get("per_priority", {})
        if not isinstance(priorities, Mapping):
            raise TypeMismatchError(
                "per_priority", priorities, "expected a mapping of priority names to targets"
            )
        return cls(
            id=cast("str", data["id"]),
            description=cast("str", data.get("description", "")),
            targets=targets,
            per_priority=dict(
                _priority_entry_from(name, entry, targets) for name, entry in priorities.items()
            ),
            calendar=_calendar_from(data.get("calendar"), calendars),
            suspended=cast("bool", data.get("suspended", False)),
            mode=_mode_from(data.get("mode", MeasurementMode.BUSINESS_TIME.value)),
            at_risk_share=_share_from(data.get("at_risk_share", "0.8")),
        )

    def to_dict(self) -> dict[str, object]:
        """The SLA as plain data; :meth:`from_dict` reads it back to an equal SLA.

        A calendar with an id is written as its id (pass it in ``calendars`` when reading
        back); one without an id is written inline as its own dict. Keys without a value
        (no response target, no calendar, no per-priority targets) are left out, since
        TOML has no null.
        """
        data: dict[str, object] = {"id": self.id, "description": self.description}
        data.update(_targets_to_dict(self.targets))
        if self.per_priority:
            data["per_priority"] = {
                key.value: _targets_to_dict(targets) for key, targets in self.per_priority.items()
            }
        if self.calendar is not None:
            data["calendar"] = self.calendar.id or self.calendar.to_dict()
        data["mode"] = self.mode.value
        data["at_risk_share"] = str(self.at_risk_share)
        data["suspended"] = self.suspended
        return data


_SLA_KEYS: Final = (  # besides id and resolution
    "description",
    "response",
    "per_priority",
    "calendar",
    "mode",
    "at_risk_share",
    "suspended",
)


def _allowance_from(value: object, field: str) -> Allowance | None:
    if value is None or isinstance(value, Allowance):
        return value
    if not isinstance(value, str):
        raise TypeMismatchError(field, value, "expected an ISO-8601 duration such as 'PT8H'")
    try:
        return Allowance.parse(value)
    except InvalidDurationError as error:
        raise InvalidDurationError(field, value, error.reason) from None


def _priority_from(name: object) -> Priority:
    """The :class:`Priority` whose value is exactly ``name`` (``"high"``, not ``"High"``)."""
    if isinstance(name, Priority):
        return name
    for member in Priority:
        if name == member.value:
            return member
    known = ", ".join(repr(member.value) for member in Priority)
    raise InvalidInputError(
        f"per_priority.{name}", name, f"unknown priority; expected one of {known}"
    )


def _priority_entry_from(
    name: object, entry: object, default: SlaTargets
) -> tuple[Priority, SlaTargets]:
    priority = _priority_from(name)
    return priority, _priority_targets_from(entry, f"per_priority.{priority.value}", default)


def _priority_targets_from(entry: object, path: str, default: SlaTargets) -> SlaTargets:
    if isinstance(entry, SlaTargets):
        return entry
    entry = check_keys(
        entry, kind="SlaTargets", optional=("resolution", "response"), path=f"{path}."
    )
    resolution = _allowance_from(entry.get("resolution"), f"{path}.resolution")
    return SlaTargets(
        response=_allowance_from(entry.get("response"), f"{path}.response"),
        resolution=default.resolution if resolution is None else resolution,
    )


def _targets_to_dict(targets: SlaTargets) -> dict[str, object]:
    data: dict[str, object] = {"resolution": targets.resolution.iso}
    if targets.response is not None:
        data["response"] = targets.response.iso
    return data


def _calendar_from(
    value: object, calendars: Mapping[str, WorkingCalendar]
) -> WorkingCalendar | None:
    if value is None or isinstance(value, WorkingCalendar):
        return value
    if isinstance(value, Mapping):
        return WorkingCalendar.from_dict(value)
    if not isinstance(value, str):
        raise TypeMismatchError("calendar", value, "expected a calendar id or a calendar dict")
    if not isinstance(calendars, Mapping):
        raise TypeMismatchError("calendars", calendars, "expected a mapping of ids to calendars")
    calendar = calendars.get(value)
    if calendar is None:
        known = ", ".join(sorted(calendars)) or "none were given"
        raise InvalidInputError("calendar", value, f"unknown calendar id; known: {known}")
    return calendar


def _mode_from(value: object) -> MeasurementMode:
    if isinstance(value, MeasurementMode):
        return value
    for mode in MeasurementMode:
        if value == mode.value:
            return mode
    raise InvalidInputError("mode", value, "expected 'business_time' or 'delayed_start'")


def _share_from(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        raise TypeMismatchError(
            "at_risk_share", value, "expected a decimal string such as '0.8', not a float"
        )
    try:
        return Decimal(value)
    except ArithmeticError:
        raise InvalidInputError(
            "at_risk_share", value, "expected a decimal string such as '0.8'"
        ) from None
