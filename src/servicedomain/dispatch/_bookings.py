"""The booking entity: a technician's time reserved for a requirement (a URS booking).

A booking is made by :func:`~servicedomain.dispatch.book`, which checks the whole
interval. Its status moves only along :data:`BOOKING_MOVES`; its time and technician
change only through :func:`~servicedomain.dispatch.reschedule` and
:func:`~servicedomain.dispatch.reassign`, which check again, and never while locked.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

import attrs

from servicedomain._checks import in_, is_bool, is_id, is_instant, is_version, optional
from servicedomain.dispatch._events import (
    BookingLocksChanged,
    BookingStatusChanged,
)
from servicedomain.dispatch._intervals import Interval, is_travel, utc_end, utc_start
from servicedomain.dispatch._statuses import BOOKING_MOVES, BookingStatus
from servicedomain.errors import BookingStatusError, InstantOutOfOrderError
from servicedomain.events import DomainEvent
from servicedomain.instants import require_instant

Events = tuple[DomainEvent, ...]

_STATUS: Final = in_(BookingStatus)
_ZERO: Final = timedelta(0)


@attrs.frozen(kw_only=True)
class Booking:
    """A technician booked for a requirement over ``[start, end)``, after ``travel``.

    The technician's time the booking holds is ``[start - travel, end)``: the travel
    before the work and the work itself (:attr:`busy`). Only a ``committed`` or
    ``in_progress`` booking holds it (:attr:`BookingStatus.blocks`).

    Attributes:
        id: the booking's id.
        version: 1 when made, one more per change.
        requirement_id: the requirement booked (a requirement may have several bookings:
            a crew).
        technician_id: the technician booked.
        start: when the work starts (an aware instant).
        end: when it ends (after ``start``).
        travel: the travel time before ``start`` (>= 0).
        status: where the booking stands.
        time_locked: the time is locked: no reschedule.
        technician_locked: the technician is locked: no reassignment.
        recorded_at: the instant of the last operation.

    Raises:
        TypeMismatchError: a field of the wrong type (a float travel included).
        InvalidPeriodError: ``end`` not after ``start``.
        InvalidDurationError: a negative travel.
    """

    id: str = attrs.field(validator=is_id)
    version: int = attrs.field(validator=is_version)
    requirement_id: str = attrs.field(validator=is_id)
    technician_id: str = attrs.field(validator=is_id)
    start: datetime = attrs.field(converter=utc_start)
    end: datetime = attrs.field(converter=utc_end)
    travel: timedelta = attrs.field(default=_ZERO, validator=is_travel)
    status: BookingStatus = attrs.field(default=BookingStatus.PROPOSED, validator=_STATUS)
    time_locked: bool = attrs.field(default=False, validator=is_bool)
    technician_locked: bool = attrs.field(default=False, validator=is_bool)
    recorded_at: datetime | None = attrs.field(default=None, validator=optional(is_instant))

    def __attrs_post_init__(self) -> None:
        Interval(self.start, self.end)  # the same check: a non-empty half-open interval

    @property
    def interval(self) -> Interval:
        """``[start, end)``: the work."""
        return Interval(self.start, self.end)

    @property
    def busy(self) -> Interval:
        """``[start - travel, end)``: the technician's time the booking takes."""
        return Interval(self.start - self.travel, self.end)

    @property
    def blocks(self) -> bool:
        """Whether the booking holds its technician's time (committed or in progress)."""
        return self.status.blocks

    # ------------------------------------------------------------------ helpers

    def _dated(self, at: object) -> datetime:
        instant = require_instant(at, "at")
        if self.recorded_at is not None and instant < self.recorded_at:
            raise InstantOutOfOrderError("at", instant, self.recorded_at)
        return instant

    def _next(self, at: datetime, **changes: Any) -> Booking:
        return attrs.evolve(self, version=self.version + 1, recorded_at=at, **changes)

    def _movable(self, move: str) -> None:
        if not self.status.movable:
            raise BookingStatusError(self.id, self.status.value, move)

    # ------------------------------------------------------------------ operations

    def change_status(self, status: BookingStatus, *, at: datetime) -> tuple[Booking, Events]:
        """Move the booking to ``status`` along :data:`BOOKING_MOVES` (the same: no change).

        Moving a proposal to ``committed`` here does not check the schedule again;
        :func:`~servicedomain.dispatch.commit` does.

        Raises:
            TypeMismatchError: ``status`` is not a BookingStatus.
            BookingStatusError: the move is not allowed (names the status and the move).
            InstantOutOfOrderError: ``at`` is before :attr:`recorded_at` (law U2).

        >>> from datetime import UTC
        >>> at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
        >>> booking = Booking(id="B-1", version=1, requirement_id="RQ-1", technician_id="W-1",
        ...                   start=at, end=at + timedelta(hours=1))
        >>> booking, _ = booking.change_status(BookingStatus.CANCELED, at=at)
        >>> booking.change_status(BookingStatus.COMMITTED, at=at)
        Traceback (most recent call last):
        servicedomain.errors.BookingStatusError: B-1: ... a canceled booking does not allow the ...
        """
        instant = self._dated(at)
        wanted = _STATUS.check(status, "status")
        if wanted is self.status:
            return self, ()
        if wanted not in BOOKING_MOVES[self.status]:
            raise BookingStatusError(self.id, self.status.value, wanted.value)
        event = BookingStatusChanged(
            entity_id=self.id, occurred_at=instant, from_status=self.status, to_status=wanted
        )
        return self._next(instant, status=wanted), (event,)

    def lock(
        self, *, time: bool | None = None, technician: bool | None = None, at: datetime
    ) -> tuple[Booking, Events]:
        """Set the time lock and/or the technician lock (``None``: as it is).

        Raises:
            TypeMismatchError: a lock that is not a bool.
            InstantOutOfOrderError: ``at`` is before :attr:`recorded_at` (law U2).
        """
        instant = self._dated(at)
        time_locked = self.time_locked if time is None else is_bool.check(time, "time")
        tech_locked = (
            self.technician_locked
            if technician is None
            else is_bool.check(technician, "technician")
        )
        if (time_locked, tech_locked) == (self.time_locked, self.technician_locked):
            return self, ()
        event = BookingLocksChanged(
            entity_id=self.id,
            occurred_at=instant,
            time_locked=time_locked,
            technician_locked=tech_locked,
        )
        return self._next(instant, time_locked=time_locked, technician_locked=tech_locked), (event,)
