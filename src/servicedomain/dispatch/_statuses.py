"""The status of a booking and the moves between statuses (private)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from servicedomain._enums import StrictEnum


class BookingStatus(StrictEnum):
    """Where a booking stands (URS's base statuses with its field statuses).

    The allowed moves (:data:`BOOKING_MOVES`):

    * ``proposed`` -> ``committed`` or ``canceled``;
    * ``committed`` -> ``proposed`` (back to a proposal), ``in_progress`` or ``canceled``;
    * ``in_progress`` -> ``completed`` or ``canceled``;
    * ``completed`` and ``canceled`` are final: no move leaves them.

    Only ``committed`` and ``in_progress`` bookings hold the technician's time (they
    block availability); a proposal does not, nor does a final booking.
    """

    PROPOSED = "proposed"
    COMMITTED = "committed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELED = "canceled"

    @property
    def blocks(self) -> bool:
        """Whether a booking in this status holds the technician's time."""
        return self in _BLOCKING

    @property
    def movable(self) -> bool:
        """Whether a booking in this status may be rescheduled or reassigned."""
        return self in (BookingStatus.PROPOSED, BookingStatus.COMMITTED)


_BLOCKING: Final = frozenset({BookingStatus.COMMITTED, BookingStatus.IN_PROGRESS})

BOOKING_MOVES: Final[Mapping[BookingStatus, frozenset[BookingStatus]]] = MappingProxyType(
    {
        BookingStatus.PROPOSED: frozenset({BookingStatus.COMMITTED, BookingStatus.CANCELED}),
        BookingStatus.COMMITTED: frozenset(
            {BookingStatus.PROPOSED, BookingStatus.IN_PROGRESS, BookingStatus.CANCELED}
        ),
        BookingStatus.IN_PROGRESS: frozenset({BookingStatus.COMPLETED, BookingStatus.CANCELED}),
        BookingStatus.COMPLETED: frozenset(),
        BookingStatus.CANCELED: frozenset(),
    }
)
"""The statuses each status may move to."""
