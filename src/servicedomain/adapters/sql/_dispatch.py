"""The dispatch repositories of the SQL adapter: bookings by technician and window.

:class:`~servicedomain.adapters.sql.SqlUnitOfWork` exposes them as ``bookings`` and
``requirements`` (with ``technicians`` and ``dispatch_teams``). A booking's held time
``[busy_start, end_at)`` is in columns, indexed by technician, so
:meth:`SqlBookingRepository.for_technician` is one range query; each technician's
schedule version (``servicedomain_technician_schedules``) is read before its bookings
and bumped by the commit with a compare-and-set (``_store._apply_schedules``).
"""

from __future__ import annotations

import builtins
from typing import Final

import sqlalchemy as sa

from servicedomain._checks import instance_of, is_id
from servicedomain.adapters.dispatch_store import (
    ACTIVE_STATUSES,
    StoredRequirement,
    StoredRequirements,
)
from servicedomain.adapters.sql import _schema as schema
from servicedomain.adapters.sql._store import SqlRepository
from servicedomain.dispatch import Booking, Interval, Requirement
from servicedomain.errors import NotFoundError

__all__ = ["SqlBookingRepository", "SqlRequirements"]

_WINDOW: Final = instance_of(Interval)
_ACTIVE: Final = sorted(status.value for status in ACTIVE_STATUSES)


class SqlBookingRepository(SqlRepository[Booking]):
    """The SQL repository of bookings: by technician and window, by requirement."""

    def for_technician(self, technician_id: str, window: Interval) -> builtins.list[Booking]:
        """The bookings of ``technician_id`` whose held time overlaps ``window``, by start.

        The technician's schedule version is read first, then the bookings, so a
        booking another unit of work commits in between makes this unit of work's
        booking write for the technician conflict on commit.

        Raises:
            InvalidInputError: ``technician_id`` is not an id.
            TypeMismatchError: ``window`` is not an Interval.
        """
        checked = is_id.check(technician_id, "technician_id")
        span = _WINDOW.check(window, "window")
        self._session()._read_schedule(checked)
        table = self._kind.table
        found = self._select(
            table.c.technician_id == checked,
            table.c.busy_start < span.end,
            table.c.end_at > span.start,
            held_filter=lambda booking: (
                booking.technician_id == checked and booking.busy.overlaps(span)
            ),
        )
        return sorted(found, key=lambda booking: (booking.start, booking.id))

    def for_requirement(self, requirement_id: str) -> builtins.list[Booking]:
        """Every booking of ``requirement_id``, in id order.

        Raises:
            InvalidInputError: ``requirement_id`` is not an id.
        """
        checked = is_id.check(requirement_id, "requirement_id")
        return self._select(
            self._kind.table.c.requirement_id == checked,
            held_filter=lambda booking: booking.requirement_id == checked,
        )


class SqlRequirements(StoredRequirements):
    """The requirements on a SQL store: :meth:`undispatched` is one query.

    Args:
        stored: the repository of :class:`StoredRequirement` of a unit of work.
        bookings: the bookings of the same unit of work.
    """

    def __init__(
        self, stored: SqlRepository[StoredRequirement], bookings: SqlBookingRepository
    ) -> None:
        super().__init__(stored, bookings)
        self._rows = stored
        self._held_bookings = bookings

    def undispatched(self) -> builtins.list[Requirement]:
        """The requirements without a proposed, committed or in-progress booking, in id order.

        One query over the stored rows (``NOT EXISTS`` an active booking); the
        requirements this unit of work's own writes touch are checked again on top.
        """
        needs, bookings = schema.requirements, schema.bookings
        active = (
            sa.select(bookings.c.id)
            .where(bookings.c.requirement_id == needs.c.id, bookings.c.status.in_(_ACTIVE))
            .exists()
        )
        found = {stored.id: stored.requirement for stored in self._rows._select(~active)}
        session = self._held_bookings._session()
        touched = {
            write.entity.requirement_id
            for write in session._held(Booking).values()
            if isinstance(write.entity, Booking)
        }
        touched |= set(session._held(StoredRequirement))
        for requirement_id in touched:
            found.pop(requirement_id, None)
            try:
                need = self.get(requirement_id)
            except NotFoundError:  # a booking of a requirement not stored: not listed
                continue
            if not self._dispatched(requirement_id):
                found[requirement_id] = need
        return [found[key] for key in sorted(found)]
