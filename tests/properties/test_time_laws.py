"""Time laws of invariants.md: local dates across DST (C4) and wall-time resolution."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from servicedomain.errors import AmbiguousLocalTimeError
from servicedomain.instants import LocalTimePolicy, local_date, local_datetime, resolve_local
from servicedomain.periods import MONTHLY, DateRange, Schedule
from servicedomain.testing.strategies import aware_datetimes, zones

PARIS = ZoneInfo("Europe/Paris")


@given(aware_datetimes(), zones())
@example(datetime(2024, 3, 30, 23, 30, tzinfo=UTC), PARIS)
@example(datetime(2024, 10, 26, 22, 30, tzinfo=UTC), PARIS)
@example(datetime(2011, 12, 30, 10, 0, tzinfo=UTC), ZoneInfo("Pacific/Apia"))
def test_C4_local_dates_use_the_offset_at_the_instant(instant: datetime, zone: ZoneInfo) -> None:
    expected = pendulum.instance(instant).in_timezone(zone.key).date()
    assert local_date(instant, zone) == date(expected.year, expected.month, expected.day)
    # the same instant expressed in any other zone gives the same local date
    assert local_date(instant.astimezone(UTC), zone) == local_date(instant, zone)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # either side of Paris's spring-forward night, the same local date
        (datetime(2024, 3, 31, 0, 30, tzinfo=UTC), datetime(2024, 3, 31, 3, 0, tzinfo=UTC)),
        # either side of the fall-back night
        (datetime(2024, 10, 26, 22, 30, tzinfo=UTC), datetime(2024, 10, 27, 2, 0, tzinfo=UTC)),
    ],
)
def test_C4_accounts_created_either_side_of_a_dst_change_get_identical_periods(
    before: datetime, after: datetime
) -> None:
    first = Schedule(MONTHLY, local_date(before, PARIS))
    second = Schedule(MONTHLY, local_date(after, PARIS))
    within = DateRange(date(2024, 1, 1), date(2026, 1, 1))
    assert list(first.periods(within)) == list(second.periods(within))


@given(aware_datetimes(), zones())
def test_C4_a_wall_time_read_off_an_instant_resolves_back_to_it(
    instant: datetime, zone: ZoneInfo
) -> None:
    wall = local_datetime(instant, zone).replace(tzinfo=None)
    earlier = resolve_local(wall, zone, ambiguous=LocalTimePolicy.EARLIER)
    later = resolve_local(wall, zone, ambiguous=LocalTimePolicy.LATER)
    assert instant in (earlier, later)
    assert earlier <= later
    try:
        assert resolve_local(wall, zone) == instant
    except AmbiguousLocalTimeError:
        assert later - earlier > timedelta(0)


@given(aware_datetimes(), zones(), st.sampled_from(list(LocalTimePolicy)[1:]))
def test_C4_every_resolution_is_an_existing_reading_of_the_clock(
    instant: datetime, zone: ZoneInfo, policy: LocalTimePolicy
) -> None:
    # shift the wall time by a few minutes: some land in gaps, some in overlaps
    wall = local_datetime(instant, zone).replace(tzinfo=None) + timedelta(minutes=17)
    resolved = resolve_local(wall, zone, nonexistent=policy, ambiguous=policy)
    assert resolved.tzinfo is UTC
    shown = local_datetime(resolved, zone).replace(tzinfo=None)
    assert abs(shown - wall) <= timedelta(days=1)  # Samoa's skipped day is the worst case
    again = resolve_local(shown, zone, ambiguous=policy)
    assert local_datetime(again, zone).replace(tzinfo=None) == shown
