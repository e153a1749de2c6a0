"""Clocks: implementations of the :class:`~servicedomain.ports.Clock` port.

:class:`SystemClock` reads the wall clock; it is the only code in servicedomain that
does. :class:`FixedClock` is a clock a test sets and moves by hand:

>>> from datetime import UTC, datetime, timedelta
>>> clock = FixedClock(datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
>>> clock.advance(timedelta(hours=1))
>>> clock.now()
datetime.datetime(2026, 2, 1, 0, 30, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from servicedomain.errors import InvalidInputError, TypeMismatchError
from servicedomain.instants import require_instant

__all__ = ["FixedClock", "SystemClock"]


class SystemClock:
    """The wall clock: :meth:`now` is the current instant in UTC."""

    def now(self) -> datetime:
        """The current instant, an aware datetime in UTC."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that shows the instant it was set to, until it is moved.

    The instant is kept in UTC, so :meth:`advance` adds exact elapsed time (one hour
    across a DST change is one real hour).

    Args:
        at: the instant the clock shows, an aware datetime (converted to UTC).

    Raises:
        TypeMismatchError: ``at`` is not a datetime (a ``date`` included).
        NaiveDatetimeError: ``at`` is a naive datetime.
        InvalidTimezoneError: ``at`` has a pytz zone attached with ``replace()``.
    """

    def __init__(self, at: datetime) -> None:
        self._at = require_instant(at, "at").astimezone(UTC)

    def now(self) -> datetime:
        """The instant the clock was set to, an aware datetime in UTC."""
        return self._at

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``.

        Raises:
            TypeMismatchError: ``delta`` is not a timedelta.
            InvalidInputError: ``delta`` is negative (use :meth:`set` to go back).
        """
        if not isinstance(delta, timedelta):
            raise TypeMismatchError("delta", delta, "expected a timedelta")
        if delta < timedelta(0):
            raise InvalidInputError(
                "delta", delta, "a clock only advances; use set() to move it back"
            )
        self._at += delta

    def set(self, at: datetime) -> None:
        """Set the clock to the instant ``at`` (converted to UTC).

        Raises:
            TypeMismatchError: ``at`` is not a datetime (a ``date`` included).
            NaiveDatetimeError: ``at`` is a naive datetime.
            InvalidTimezoneError: ``at`` has a pytz zone attached with ``replace()``.
        """
        self._at = require_instant(at, "at").astimezone(UTC)

    def __repr__(self) -> str:
        return f"FixedClock({self._at!r})"
