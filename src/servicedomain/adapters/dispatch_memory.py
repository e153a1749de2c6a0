"""The dispatch repositories of the in-memory reference adapter.

:class:`~servicedomain.adapters.memory.InMemoryUnitOfWork` exposes them as
:attr:`~servicedomain.adapters.memory.InMemoryUnitOfWork.technicians`,
:attr:`~servicedomain.adapters.memory.InMemoryUnitOfWork.dispatch_teams`,
:attr:`~servicedomain.adapters.memory.InMemoryUnitOfWork.requirements` and
:attr:`~servicedomain.adapters.memory.InMemoryUnitOfWork.bookings`, so it implements
:class:`~servicedomain.ports.DispatchUnitOfWork` besides the other ports. The store
keeps a schedule version per technician; the unit of work remembers it when it first
reads a technician's bookings or writes one, and its commit bumps it with a
compare-and-set (see :class:`~servicedomain.ports.BookingRepository`).
"""

from __future__ import annotations

import builtins
from typing import Final

from servicedomain._checks import instance_of, is_id
from servicedomain.adapters.memory import InMemoryRepository
from servicedomain.dispatch import Booking, Interval

__all__ = ["InMemoryBookingRepository"]

_WINDOW: Final = instance_of(Interval)


class InMemoryBookingRepository(InMemoryRepository[Booking]):
    """The in-memory repository of bookings: the schedule queries and the schedule versions."""

    def for_technician(self, technician_id: str, window: Interval) -> builtins.list[Booking]:
        """The bookings of ``technician_id`` whose held time overlaps ``window``.

        Remembers the technician's schedule version first (before the bookings are
        read), so a booking committed by another unit of work after this read makes
        this unit of work's booking write for the technician conflict on commit.

        Raises:
            InvalidInputError: ``technician_id`` is not an id.
            TypeMismatchError: ``window`` is not an Interval.
        """
        checked = is_id.check(technician_id, "technician_id")
        span = _WINDOW.check(window, "window")
        self._session()._read_schedule(checked)
        found = [
            booking
            for booking in self.list()
            if booking.technician_id == checked and booking.busy.overlaps(span)
        ]
        return sorted(found, key=lambda booking: (booking.start, booking.id))

    def for_requirement(self, requirement_id: str) -> builtins.list[Booking]:
        """Every booking of ``requirement_id``, in id order.

        Raises:
            InvalidInputError: ``requirement_id`` is not an id.
        """
        checked = is_id.check(requirement_id, "requirement_id")
        return [booking for booking in self.list() if booking.requirement_id == checked]
