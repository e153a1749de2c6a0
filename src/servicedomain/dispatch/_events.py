"""The events of technicians and bookings (each a frozen DomainEvent)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

import attrs

from servicedomain._checks import (
    deep_iterable,
    fixed_tuple,
    in_,
    instance_of,
    integer,
    is_bool,
    is_id,
    is_instant,
    is_str,
)
from servicedomain.dispatch._intervals import is_travel
from servicedomain.dispatch._statuses import BookingStatus
from servicedomain.events import DomainEvent

_LEVEL: Final = integer(minimum=1)
_SKILL_LEVELS: Final = deep_iterable(fixed_tuple(is_id, _LEVEL))
_IDS: Final = deep_iterable(is_id, instance_of(frozenset))


# ------------------------------------------------------------------ technicians


@attrs.frozen(kw_only=True)
class TechnicianCreated(DomainEvent):
    """A technician (a worker record) was created (version 1).

    ``skills`` are ``(skill id, level)`` pairs in skill-id order.
    """

    technician_name: str = attrs.field(validator=is_str)
    calendar_id: str = attrs.field(validator=is_str)
    skills: tuple[tuple[str, int], ...] = attrs.field(validator=_SKILL_LEVELS)
    territories: frozenset[str] = attrs.field(validator=_IDS)


@attrs.frozen(kw_only=True)
class TechnicianSkillAdded(DomainEvent):
    """The technician has a new skill, at ``level``."""

    skill_id: str = attrs.field(validator=is_id)
    level: int = attrs.field(validator=_LEVEL)


@attrs.frozen(kw_only=True)
class TechnicianSkillLevelChanged(DomainEvent):
    """The level of a skill the technician has changed from ``old_level`` to ``level``."""

    skill_id: str = attrs.field(validator=is_id)
    old_level: int = attrs.field(validator=_LEVEL)
    level: int = attrs.field(validator=_LEVEL)


@attrs.frozen(kw_only=True)
class TechnicianSkillRemoved(DomainEvent):
    """The technician no longer has the skill ``skill_id``."""

    skill_id: str = attrs.field(validator=is_id)


@attrs.frozen(kw_only=True)
class TechnicianTerritoriesChanged(DomainEvent):
    """The technician's territories are now ``territories``."""

    territories: frozenset[str] = attrs.field(validator=_IDS)


@attrs.frozen(kw_only=True)
class TechnicianAbsenceAdded(DomainEvent):
    """An absence ``[start, end)`` was recorded for the technician."""

    absence_id: str = attrs.field(validator=is_id)
    start: datetime = attrs.field(validator=is_instant)
    end: datetime = attrs.field(validator=is_instant)
    reason: str = attrs.field(validator=is_str)


@attrs.frozen(kw_only=True)
class TechnicianAbsenceRemoved(DomainEvent):
    """The absence ``absence_id`` was removed."""

    absence_id: str = attrs.field(validator=is_id)


# ------------------------------------------------------------------ bookings


@attrs.frozen(kw_only=True)
class BookingCreated(DomainEvent):
    """A booking of a technician for a requirement was made (version 1)."""

    requirement_id: str = attrs.field(validator=is_id)
    technician_id: str = attrs.field(validator=is_id)
    start: datetime = attrs.field(validator=is_instant)
    end: datetime = attrs.field(validator=is_instant)
    travel: timedelta = attrs.field(validator=is_travel)
    status: BookingStatus = attrs.field(validator=in_(BookingStatus))


@attrs.frozen(kw_only=True)
class BookingStatusChanged(DomainEvent):
    """The booking moved from ``from_status`` to ``to_status``."""

    from_status: BookingStatus = attrs.field(validator=in_(BookingStatus))
    to_status: BookingStatus = attrs.field(validator=in_(BookingStatus))


@attrs.frozen(kw_only=True)
class BookingRescheduled(DomainEvent):
    """The booking's time changed (same technician): now ``[start, end)`` after ``travel``."""

    start: datetime = attrs.field(validator=is_instant)
    end: datetime = attrs.field(validator=is_instant)
    travel: timedelta = attrs.field(validator=is_travel)


@attrs.frozen(kw_only=True)
class BookingReassigned(DomainEvent):
    """The booking moved to technician ``technician_id`` (its time as given)."""

    from_technician_id: str = attrs.field(validator=is_id)
    technician_id: str = attrs.field(validator=is_id)
    start: datetime = attrs.field(validator=is_instant)
    end: datetime = attrs.field(validator=is_instant)
    travel: timedelta = attrs.field(validator=is_travel)


@attrs.frozen(kw_only=True)
class BookingLocksChanged(DomainEvent):
    """The booking's locks are now as given (a locked time or technician is kept)."""

    time_locked: bool = attrs.field(validator=is_bool)
    technician_locked: bool = attrs.field(validator=is_bool)


TECHNICIAN_EVENTS: Final = (
    TechnicianCreated,
    TechnicianSkillAdded,
    TechnicianSkillLevelChanged,
    TechnicianSkillRemoved,
    TechnicianTerritoriesChanged,
    TechnicianAbsenceAdded,
    TechnicianAbsenceRemoved,
)
BOOKING_EVENTS: Final = (
    BookingCreated,
    BookingStatusChanged,
    BookingRescheduled,
    BookingReassigned,
    BookingLocksChanged,
)
