"""What the billing tests share: the instant their operations happen at, and its clock."""

from __future__ import annotations

from datetime import UTC, datetime

from servicedomain.adapters.clocks import FixedClock

AT = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
"""The instant of every billing operation of the tests (events carry it)."""

CLOCK = FixedClock(AT)
"""A clock at :data:`AT`, for the billing services (never advanced by a test)."""
