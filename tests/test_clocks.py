"""Clocks: the system clock and the fixed clock tests move by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from servicedomain.adapters.clocks import FixedClock, SystemClock
from servicedomain.errors import (
    InvalidInputError,
    NaiveDatetimeError,
    ServiceDomainError,
    TypeMismatchError,
)
from servicedomain.ports import Clock

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_system_clock_reads_the_current_instant_in_utc() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)
    assert now.tzinfo is UTC
    assert before <= now <= after
    assert isinstance(SystemClock(), Clock)
    assert repr(SystemClock()) == "SystemClock()"


def test_a_fixed_clock_shows_the_same_instant_until_moved() -> None:
    clock = FixedClock(T0)
    assert clock.now() == T0
    assert clock.now() == T0
    assert isinstance(clock, Clock)
    assert repr(clock) == f"FixedClock({T0!r})"


def test_a_fixed_clock_keeps_its_instant_in_utc() -> None:
    local = datetime(2026, 7, 1, 12, 0, tzinfo=PARIS)
    clock = FixedClock(local)
    assert clock.now() == local
    assert clock.now().tzinfo is UTC
    assert clock.now().hour == 10


def test_advance_adds_elapsed_time_across_a_dst_change() -> None:
    # 01:30 in Paris on 2026-03-29; the clocks jump from 02:00 to 03:00 that night.
    clock = FixedClock(datetime(2026, 3, 29, 1, 30, tzinfo=PARIS))
    before = clock.now()
    clock.advance(timedelta(hours=1))
    assert clock.now() - before == timedelta(hours=1)
    assert clock.now().astimezone(PARIS).hour == 3
    clock.advance(timedelta(0))
    assert clock.now() - before == timedelta(hours=1)


def test_set_moves_the_clock_anywhere() -> None:
    clock = FixedClock(T0)
    clock.set(T0 - timedelta(days=400))
    assert clock.now() == T0 - timedelta(days=400)
    clock.set(datetime(2030, 1, 1, tzinfo=PARIS))
    assert clock.now() == datetime(2029, 12, 31, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (datetime(2026, 3, 2, 9, 0), NaiveDatetimeError),  # noqa: DTZ001 (naive on purpose)
        (date(2026, 3, 2), TypeMismatchError),
        ("2026-03-02T09:00:00Z", TypeMismatchError),
        (1_772_442_000, TypeMismatchError),
    ],
)
def test_a_fixed_clock_needs_an_aware_datetime(
    value: object, error: type[TypeMismatchError]
) -> None:
    with pytest.raises(error) as raised:
        FixedClock(value)  # type: ignore[arg-type]
    assert isinstance(raised.value, ServiceDomainError)
    assert isinstance(raised.value, TypeError)
    assert raised.value.field == "at"

    clock = FixedClock(T0)
    with pytest.raises(error):
        clock.set(value)  # type: ignore[arg-type]
    assert clock.now() == T0


def test_a_naive_datetime_is_not_a_type_mismatch_of_another_kind() -> None:
    with pytest.raises(TypeMismatchError) as raised:
        FixedClock(date(2026, 3, 2))  # type: ignore[arg-type]
    assert not isinstance(raised.value, NaiveDatetimeError)


def test_advance_refuses_going_back_and_non_durations() -> None:
    clock = FixedClock(T0)
    with pytest.raises(InvalidInputError) as raised:
        clock.advance(timedelta(seconds=-1))
    assert raised.value.field == "delta"
    with pytest.raises(TypeMismatchError) as mismatch:
        clock.advance(3600)  # type: ignore[arg-type]
    assert mismatch.value.field == "delta"
    assert clock.now() == T0
