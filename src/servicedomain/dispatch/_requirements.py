"""Requirements: what an order (or one of its lines) needs dispatched (URS resource requirement)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from servicedomain._checks import (
    in_,
    instance_of,
    is_id,
    is_ids,
    is_instant,
    is_line_number,
    is_optional_id,
    optional,
)
from servicedomain.dispatch._intervals import Interval, is_positive_duration
from servicedomain.dispatch._technicians import skill_levels
from servicedomain.errors import InvalidDurationError, InvalidInputError
from servicedomain.instants import LocalTimePolicy, named_zone, resolve_local
from servicedomain.orders import ServiceOrder
from servicedomain.periods import DateRange
from servicedomain.sla import Priority

_ORDER: Final = instance_of(ServiceOrder)


def _skills(value: object) -> Mapping[str, int]:
    return skill_levels(value, "skills")


def _restricted(value: object) -> frozenset[str]:
    return frozenset(is_ids.check(value, "restricted_technician_ids"))


def _check_duration(instance: Requirement, _attribute: attrs.Attribute[Any], value: object) -> None:
    checked = is_positive_duration.check(value, "duration")
    if checked > instance.window.duration:
        raise InvalidDurationError(
            "duration", value, f"the duration does not fit the window {instance.window}"
        )


@attrs.frozen(kw_only=True)
class Requirement:
    """What is to be dispatched: an order's (or a line's) work in a window, with skills.

    Attributes:
        id: the requirement's id.
        order_id: the service order it comes from.
        line_number: the order line it comes from, or ``None`` for the whole order.
        window: ``[start, end)``: the service is to start and end inside it.
        duration: how long the work takes (> 0, no longer than the window).
        skills: ``{skill id: minimum level}`` a technician must hold.
        territory: the territory the work is in (``None``: anywhere).
        priority: the order's priority (AX High, Normal, Low).
        preferred_technician_id: the technician the agreement or order prefers.
        restricted_technician_ids: technicians who must not do the work.
        sla_deadline: when the order's SLA is due, if it has one (an aware instant the
            host takes from :meth:`~servicedomain.orders.ServiceOrder.measure_sla`).

    Raises:
        TypeMismatchError: a field of the wrong type (a float duration included).
        InvalidDurationError: a duration of zero or less, or longer than the window.
        InvalidInputError: a blank id, a level below 1.
    """

    id: str = attrs.field(validator=is_id)
    order_id: str = attrs.field(validator=is_id)
    window: Interval = attrs.field(validator=instance_of(Interval))
    duration: timedelta = attrs.field(validator=_check_duration)
    line_number: int | None = attrs.field(default=None, validator=optional(is_line_number))
    skills: Mapping[str, int] = attrs.field(factory=dict, converter=_skills, hash=False)
    territory: str | None = attrs.field(default=None, validator=is_optional_id)
    priority: Priority = attrs.field(default=Priority.NORMAL, validator=in_(Priority))
    preferred_technician_id: str | None = attrs.field(default=None, validator=is_optional_id)
    restricted_technician_ids: frozenset[str] = attrs.field(
        factory=frozenset, converter=_restricted
    )
    sla_deadline: datetime | None = attrs.field(default=None, validator=optional(is_instant))


def _planned_days(order: ServiceOrder, line_number: int | None) -> DateRange | None:
    """The dates the order's work is planned for: line ``line_number``'s, else all lines'.

    ``None`` when no line of the order has planned dates.
    """
    if not any(line.date_range is not None for line in order.lines):
        return None
    lines = order.lines if line_number is None else (order.line(line_number),)
    ranges = [line.date_range for line in lines if line.date_range is not None]
    if not ranges:
        return None
    return DateRange(min(r.start for r in ranges), max(r.end for r in ranges))


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant day ``day`` begins in ``zone`` (a midnight in a DST gap: the gap's end)."""
    return resolve_local(
        datetime.combine(day, time()),
        zone,
        nonexistent=LocalTimePolicy.LATER,
        ambiguous=LocalTimePolicy.EARLIER,
    )


def _derived_window(
    order: ServiceOrder, duration: object, line_number: int | None, zone: ZoneInfo | None
) -> Interval:
    """The window of an order's work when none is given (see :func:`requirement_for`)."""
    if order.preferred_service_at is not None:
        start = order.preferred_service_at.astimezone(UTC)  # real time over a DST change
        return Interval(start, start + is_positive_duration.check(duration, "duration"))
    days = _planned_days(
        order, None if line_number is None else is_line_number.check(line_number, "line_number")
    )
    if days is None:
        raise InvalidInputError(
            "window",
            None,
            f"order {order.id!r} has no preferred service time and no planned dates: "
            "pass the window",
        )
    if zone is None:
        raise InvalidInputError(
            "zone", None, "the planned dates of an order are local days: pass the zone"
        )
    return Interval(_local_midnight(days.start, zone), _local_midnight(days.end, zone))


def requirement_for(
    order: ServiceOrder,
    *,
    id: str,
    duration: timedelta,
    window: Interval | None = None,
    line_number: int | None = None,
    skills: Mapping[str, int] | None = None,
    territory: str | None = None,
    restricted_technician_ids: Iterable[str] = (),
    sla_deadline: datetime | None = None,
    zone: ZoneInfo | str | None = None,
) -> Requirement:
    """The requirement of ``order``: its id, priority and preferred technician, and the rest given.

    The window, when none is given: an order with a ``preferred_service_at`` gives the
    fixed appointment ``[preferred_service_at, preferred_service_at + duration)``;
    otherwise the dates its work is planned for (the ``date_range`` of line
    ``line_number``, or the span of all its lines' ranges: a generated order's lines
    carry their service day, moved inside the agreement line's time window), as local
    days in ``zone`` (the technicians' zone: from the first midnight to the last).

    The SLA deadline is an input: the host measures the order's SLA and passes
    ``order.measure_sla(sla, now=...).deadline`` (dispatch computes no SLA).

    Raises:
        TypeMismatchError: ``order`` is not a ServiceOrder, a bad argument.
        InvalidInputError: no ``window``, no ``preferred_service_at`` and no planned
            dates (field ``"window"``); planned dates without a ``zone`` (field
            ``"zone"``); what :class:`Requirement` refuses.
        InvalidTimezoneError: an unknown ``zone``.

    >>> from datetime import UTC
    >>> from servicedomain.stages import EXAMPLE_STAGE_GRAPH
    >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    >>> order, _ = ServiceOrder.create(
    ...     EXAMPLE_STAGE_GRAPH, id="SO-1", customer_id="C-1", at=at,
    ...     preferred_service_at=at, preferred_technician_id="W-7", priority=Priority.HIGH)
    >>> need = requirement_for(order, id="RQ-1", duration=timedelta(hours=2))
    >>> print(need.window, need.priority.value, need.preferred_technician_id)
    [2026-03-02T09:00:00+00:00, 2026-03-02T11:00:00+00:00) high W-7
    """
    checked = _ORDER.check(order, "order")
    local = None if zone is None else named_zone(zone, "zone")
    if window is None:
        window = _derived_window(checked, duration, line_number, local)
    return Requirement(
        id=id,
        order_id=checked.id,
        window=window,
        duration=duration,
        line_number=line_number,
        skills={} if skills is None else skills,
        territory=territory,
        priority=checked.priority,
        preferred_technician_id=checked.preferred_technician_id,
        restricted_technician_ids=restricted_technician_ids,
        sla_deadline=sla_deadline,
    )
