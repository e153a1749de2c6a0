"""Booking a technician, and moving a booking, with the whole interval checked (private).

The lesson of OCA field-service PR #1382: checking only the start lets a booking run
past the end of the day or into an absence. Every check here is over the whole time
the booking takes, ``[start - travel, start + duration)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Final

import attrs

from servicedomain._checks import in_, instance_of, is_bool, is_id, is_instant, is_optional_id
from servicedomain.dispatch._availability import check_bookings
from servicedomain.dispatch._bookings import Booking
from servicedomain.dispatch._checking import (
    catalog_of,
    check_scales,
    eligibility,
    time_conflicts,
)
from servicedomain.dispatch._events import (
    BookingCreated,
    BookingReassigned,
    BookingRescheduled,
    BookingStatusChanged,
)
from servicedomain.dispatch._intervals import is_travel
from servicedomain.dispatch._reasons import Reason
from servicedomain.dispatch._requirements import Requirement
from servicedomain.dispatch._skills import Skill
from servicedomain.dispatch._statuses import BookingStatus
from servicedomain.dispatch._technicians import Technician
from servicedomain.errors import (
    BookingConflictError,
    BookingLockedError,
    BookingStatusError,
    InstantOutOfOrderError,
    InvalidInputError,
)
from servicedomain.events import DomainEvent
from servicedomain.instants import require_instant

Events = tuple[DomainEvent, ...]
SkillsArg = Mapping[str, Skill] | Iterable[Skill] | None

_REQUIREMENT: Final = instance_of(Requirement)
_TECHNICIAN: Final = instance_of(Technician)
_BOOKING: Final = instance_of(Booking)
_NEW_STATUS: Final = in_(
    (BookingStatus.PROPOSED, BookingStatus.COMMITTED),
    reason="a new booking is proposed or committed",
)
_ZERO: Final = timedelta(0)


def conflicts(
    requirement: Requirement,
    technician: Technician,
    bookings: Iterable[Booking],
    *,
    start: datetime,
    travel: timedelta = _ZERO,
    skills: SkillsArg = None,
    ignore: str | None = None,
) -> tuple[Reason, ...]:
    """Every reason ``technician`` may not do ``requirement`` from ``start`` (empty: it may).

    The checks of :func:`book`, without booking: skills and levels, territory,
    restriction, the window, working time, held bookings and absences.
    """
    need = _REQUIREMENT.check(requirement, "requirement")
    tech = _TECHNICIAN.check(technician, "technician")
    given = check_bookings(bookings)
    begin = is_instant.check(start, "start").astimezone(UTC)
    before = is_travel.check(travel, "travel")
    left_out = is_optional_id.check(ignore, "ignore")
    catalog = catalog_of(skills)
    check_scales(need, catalog)
    reasons = eligibility(need, tech, catalog)
    reasons.extend(time_conflicts(need, tech, given, start=begin, travel=before, ignore=left_out))
    return tuple(reasons)


def book(
    requirement: Requirement,
    technician: Technician,
    bookings: Iterable[Booking],
    *,
    start: datetime,
    id: str,
    at: datetime,
    travel: timedelta = _ZERO,
    status: BookingStatus = BookingStatus.PROPOSED,
    skills: SkillsArg = None,
    time_locked: bool = False,
    technician_locked: bool = False,
) -> tuple[Booking, Events]:
    """Book ``technician`` for ``requirement`` from ``start``, after ``travel``.

    The whole interval is checked (laws D1, D2), not just its start:

    * the work ``[start, start + duration)`` lies inside the requirement's window;
    * the time it takes, ``[start - travel, start + duration)``, lies wholly in the
      technician's working time: inside one working interval, where slots that touch
      (``08:00-12:00`` and ``12:00-17:00``) make one; a gap (a lunch break, the night)
      refuses it;
    * that time overlaps no ``committed`` or ``in_progress`` booking of the technician,
      whose own travel counts too (it holds ``[start - travel, end)``), and no absence;
    * the technician holds every skill at the level needed, serves the territory and
      is not restricted.

    Other proposals do not block (see :func:`availability`): two proposals may
    overlap until one is committed (:func:`confirm` checks again).

    Args:
        requirement: what to book.
        technician: who.
        bookings: the bookings known (any technician's; others are ignored).
        start: when the work starts.
        id: the new booking's id (not one of ``bookings``).
        at: when the booking is made.
        travel: the travel time before ``start`` (>= 0).
        status: ``proposed`` (default) or ``committed``.
        skills: the skills with their scales; levels are checked against them and an
            unknown skill is refused (``None``: no scale check).
        time_locked: lock the booking's time.
        technician_locked: lock the booking's technician.

    Returns:
        The booking (version 1) and its :class:`BookingCreated` event.

    Raises:
        BookingConflictError: the technician may not be booked then; ``reasons`` holds
            every reason as :class:`Reason` data (the same as :func:`candidates`).
        NaiveDatetimeError: ``start`` or ``at`` is naive.
        TypeMismatchError: a float travel, an argument of the wrong type.
        InvalidInputError: a status other than proposed or committed, an id already
            booked, an unknown skill or a level off its scale (with ``skills``).
    """
    instant = require_instant(at, "at")
    booking_id = is_id.check(id, "id")
    chosen = _NEW_STATUS.check(status, "status")
    given = check_bookings(bookings)
    if any(b.id == booking_id for b in given):
        raise InvalidInputError("id", booking_id, "a booking of this id is among the bookings")
    reasons = conflicts(requirement, technician, given, start=start, travel=travel, skills=skills)
    if reasons:
        raise BookingConflictError(booking_id, reasons)
    begin = start.astimezone(UTC)  # checked by conflicts; in UTC, + duration is real time
    booking = Booking(
        id=booking_id,
        version=1,
        requirement_id=requirement.id,
        technician_id=technician.id,
        start=begin,
        end=begin + requirement.duration,
        travel=travel,
        status=chosen,
        time_locked=is_bool.check(time_locked, "time_locked"),
        technician_locked=is_bool.check(technician_locked, "technician_locked"),
        recorded_at=instant,
    )
    event = BookingCreated(
        entity_id=booking.id,
        occurred_at=instant,
        requirement_id=booking.requirement_id,
        technician_id=booking.technician_id,
        start=booking.start,
        end=booking.end,
        travel=booking.travel,
        status=booking.status,
    )
    return booking, (event,)


def _dated(booking: Booking, at: object) -> datetime:
    instant = require_instant(at, "at")
    if booking.recorded_at is not None and instant < booking.recorded_at:
        raise InstantOutOfOrderError("at", instant, booking.recorded_at)
    return instant


def _of(booking: object, requirement: object) -> tuple[Booking, Requirement]:
    checked = _BOOKING.check(booking, "booking")
    need = _REQUIREMENT.check(requirement, "requirement")
    if need.id != checked.requirement_id:
        raise InvalidInputError(
            "requirement",
            need.id,
            f"booking {checked.id!r} is of requirement {checked.requirement_id!r}",
        )
    return checked, need


def _refuse_conflicts(
    booking: Booking,
    requirement: Requirement,
    technician: Technician,
    bookings: Iterable[Booking],
    *,
    start: datetime,
    travel: timedelta,
    skills: SkillsArg,
) -> None:
    reasons = conflicts(
        requirement,
        technician,
        bookings,
        start=start,
        travel=travel,
        skills=skills,
        ignore=booking.id,
    )
    if reasons:
        raise BookingConflictError(booking.id, reasons)


def reschedule(
    booking: Booking,
    requirement: Requirement,
    technician: Technician,
    bookings: Iterable[Booking],
    *,
    start: datetime,
    at: datetime,
    travel: timedelta | None = None,
    skills: SkillsArg = None,
) -> tuple[Booking, Events]:
    """Move ``booking`` to ``start`` (same technician), checked as :func:`book` checks.

    ``travel`` ``None`` keeps the booking's travel. The booking itself, if among
    ``bookings``, is left out of the check. The same time again changes nothing.

    Raises:
        BookingStatusError: the booking is not proposed or committed (move
            ``"reschedule"``).
        BookingLockedError: the booking's time is locked.
        BookingConflictError: the new time is not free, with the reasons.
        InvalidInputError: ``requirement`` is not the booking's, or ``technician`` is
            not the booking's technician (use :func:`reassign`).
        InstantOutOfOrderError: ``at`` is before the booking's last operation (law U2).
    """
    checked, need = _of(booking, requirement)
    tech = _TECHNICIAN.check(technician, "technician")
    instant = _dated(checked, at)
    if tech.id != checked.technician_id:
        raise InvalidInputError(
            "technician", tech.id, f"booking {checked.id!r} is of {checked.technician_id!r}"
        )
    if not checked.status.movable:
        raise BookingStatusError(checked.id, checked.status.value, "reschedule")
    begin = is_instant.check(start, "start").astimezone(UTC)
    before = checked.travel if travel is None else is_travel.check(travel, "travel")
    if (begin, before) == (checked.start, checked.travel):
        return checked, ()
    if checked.time_locked:
        raise BookingLockedError(checked.id, "time")
    _refuse_conflicts(checked, need, tech, bookings, start=begin, travel=before, skills=skills)
    end = begin + need.duration
    moved = attrs.evolve(
        checked,
        version=checked.version + 1,
        start=begin,
        end=end,
        travel=before,
        recorded_at=instant,
    )
    event = BookingRescheduled(
        entity_id=checked.id, occurred_at=instant, start=begin, end=end, travel=before
    )
    return moved, (event,)


def reassign(
    booking: Booking,
    requirement: Requirement,
    technician: Technician,
    bookings: Iterable[Booking],
    *,
    at: datetime,
    start: datetime | None = None,
    travel: timedelta | None = None,
    skills: SkillsArg = None,
) -> tuple[Booking, Events]:
    """Give ``booking`` to ``technician``, checked as :func:`book` checks.

    ``start`` and ``travel`` ``None`` keep the booking's. A new start on a booking
    whose time is locked is refused.

    Raises:
        BookingStatusError: the booking is not proposed or committed (move
            ``"reassign"``).
        BookingLockedError: the technician (or, for a new start, the time) is locked.
        BookingConflictError: the technician is not free then, with the reasons.
        InvalidInputError: ``requirement`` is not the booking's; ``technician`` is the
            booking's already (use :func:`reschedule`).
        InstantOutOfOrderError: ``at`` is before the booking's last operation (law U2).
    """
    checked, need = _of(booking, requirement)
    tech = _TECHNICIAN.check(technician, "technician")
    instant = _dated(checked, at)
    if tech.id == checked.technician_id:
        raise InvalidInputError(
            "technician", tech.id, "the booking is this technician's already; reschedule it"
        )
    if not checked.status.movable:
        raise BookingStatusError(checked.id, checked.status.value, "reassign")
    if checked.technician_locked:
        raise BookingLockedError(checked.id, "technician")
    begin = checked.start if start is None else is_instant.check(start, "start").astimezone(UTC)
    before = checked.travel if travel is None else is_travel.check(travel, "travel")
    if begin != checked.start and checked.time_locked:
        raise BookingLockedError(checked.id, "time")
    _refuse_conflicts(checked, need, tech, bookings, start=begin, travel=before, skills=skills)
    end = begin + need.duration
    moved = attrs.evolve(
        checked,
        version=checked.version + 1,
        technician_id=tech.id,
        start=begin,
        end=end,
        travel=before,
        recorded_at=instant,
    )
    event = BookingReassigned(
        entity_id=checked.id,
        occurred_at=instant,
        from_technician_id=checked.technician_id,
        technician_id=tech.id,
        start=begin,
        end=end,
        travel=before,
    )
    return moved, (event,)


def confirm(
    booking: Booking,
    requirement: Requirement,
    technician: Technician,
    bookings: Iterable[Booking],
    *,
    at: datetime,
    skills: SkillsArg = None,
) -> tuple[Booking, Events]:
    """Commit a proposed booking after checking its time again (as :func:`book` does).

    A committed booking is returned as it is.

    Raises:
        BookingStatusError: the booking is neither proposed nor committed.
        BookingConflictError: its time is no longer free (another booking was
            committed over it, an absence was recorded), with the reasons.
        InvalidInputError: ``requirement`` or ``technician`` is not the booking's.
        InstantOutOfOrderError: ``at`` is before the booking's last operation (law U2).
    """
    checked, need = _of(booking, requirement)
    tech = _TECHNICIAN.check(technician, "technician")
    instant = _dated(checked, at)
    if tech.id != checked.technician_id:
        raise InvalidInputError(
            "technician", tech.id, f"booking {checked.id!r} is of {checked.technician_id!r}"
        )
    if checked.status is BookingStatus.COMMITTED:
        return checked, ()
    if checked.status is not BookingStatus.PROPOSED:
        raise BookingStatusError(checked.id, checked.status.value, BookingStatus.COMMITTED.value)
    _refuse_conflicts(
        checked, need, tech, bookings, start=checked.start, travel=checked.travel, skills=skills
    )
    event = BookingStatusChanged(
        entity_id=checked.id,
        occurred_at=instant,
        from_status=checked.status,
        to_status=BookingStatus.COMMITTED,
    )
    committed = attrs.evolve(
        checked,
        version=checked.version + 1,
        status=BookingStatus.COMMITTED,
        recorded_at=instant,
    )
    return committed, (event,)
