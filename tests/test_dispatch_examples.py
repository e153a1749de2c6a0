"""Worked examples of the dispatch laws (issue 17): a split shift in another zone, the
preferred technician outside the team.

The other worked examples the issue asks for are in ``test_dispatch_booking.py``: work
that starts in working time but runs past its end
(``test_a_booking_that_starts_in_working_time_but_runs_past_17_is_refused``), travel
making two bookings conflict
(``test_book_refuses_an_overlap_with_a_committed_booking_travel_included_on_both_sides``)
and an absent technician (``test_candidates_rank_and_give_every_excluded_technician_its_reasons``,
W-5; ``test_book_refuses_an_absence_a_missing_level_and_lists_every_reason``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from servicedomain.app import DispatchDesk, ServiceDesk
from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import (
    BookingStatus,
    DispatchTeam,
    Interval,
    ReasonKind,
    Requirement,
    Technician,
    availability,
    book,
    candidates,
    dispatch_board,
    earliest_start,
)
from servicedomain.errors import BookingConflictError
from servicedomain.stages import EXAMPLE_STAGE_GRAPH

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # New York is on EST (UTC-5) until March 8
HOUR = timedelta(hours=1)
#: A split shift, 07:00-11:00 and 15:00-19:00 in New York: 12:00-16:00 and 20:00-24:00 UTC.
SPLIT = WorkingCalendar.standard("America/New_York", slots=["07:00-11:00", "15:00-19:00"])
UTC_DAY = Interval(MONDAY, MONDAY + timedelta(days=1))  # the window, written in UTC


def utc(hour: float) -> datetime:
    return MONDAY + timedelta(hours=hour)


def split_technician() -> Technician:
    made, _ = Technician.create(id="W-NY", calendar=SPLIT, at=MONDAY)
    return made


def work(hours: float) -> Requirement:
    return Requirement(id="RQ-1", order_id="SO-1", window=UTC_DAY, duration=hours * HOUR)


# ------------------------------------------------------------------ a split shift, zoned


def test_a_split_shift_in_new_york_is_free_in_two_slots_of_a_window_given_in_utc() -> None:
    free = availability(split_technician(), [], UTC_DAY)
    assert free == (Interval(utc(12), utc(16)), Interval(utc(20), utc(24)))
    assert [(f.start.astimezone(NEW_YORK).hour, f.end.astimezone(NEW_YORK).hour) for f in free] == [
        (7, 11),
        (15, 19),
    ]


def test_a_booking_across_the_break_of_a_split_shift_is_refused() -> None:
    # 10:00-13:00 New York (15:00-18:00 UTC): starts in the morning slot, ends after it
    with pytest.raises(BookingConflictError) as refused:
        book(work(3), split_technician(), [], start=utc(15), id="B-1", at=MONDAY)
    assert [r.kind for r in refused.value.reasons] == [ReasonKind.OUTSIDE_WORKING_TIME]
    # travel before the afternoon slot opens is refused too: 14:30-15:00 is the break
    with pytest.raises(BookingConflictError):
        book(work(1), split_technician(), [], start=utc(20), travel=HOUR / 2, id="B-1", at=MONDAY)
    # wholly inside one slot it is booked
    booked, _ = book(work(3), split_technician(), [], start=utc(20), id="B-1", at=MONDAY)
    assert booked.start.astimezone(NEW_YORK).hour == 15
    assert booked.end == utc(23)


def test_work_longer_than_either_slot_has_no_free_slot_though_the_day_has_eight_hours() -> None:
    tech = split_technician()
    assert earliest_start(work(4), tech, []) == utc(12)
    assert earliest_start(work(5), tech, []) is None
    (exclusion,) = candidates(work(5), [tech], []).excluded
    assert [r.kind for r in exclusion.reasons] == [ReasonKind.NO_FREE_SLOT]


# ------------------------------------------------------------------ preferred, outside the team

AT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
DAY = WorkingCalendar.standard("UTC", slots=["08:00-17:00"], id="DAY")
WINDOW = Interval(AT, AT + timedelta(days=1))


@pytest.fixture
def desk() -> DispatchDesk:
    """Team NORTH holds W-1 and W-2; the order prefers W-9, a worker of no team."""
    store = InMemoryStore()

    def open_unit() -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(store)

    clock = FixedClock(AT)
    service = ServiceDesk(unit_of_work=open_unit, clock=clock, graph=EXAMPLE_STAGE_GRAPH)
    service.create_order(order_id="SO-1", customer_id="C-1", preferred_technician_id="W-9")
    made = DispatchDesk(unit_of_work=open_unit, clock=clock)
    for worker in ("W-1", "W-2", "W-9"):
        made.create_technician(id=worker, calendar=DAY)
    made.set_teams([DispatchTeam("NORTH", members=["W-1", "W-2"])])
    made.require("SO-1", id="RQ-1", window=WINDOW, duration=2 * HOUR)
    return made


def test_a_preferred_technician_outside_the_team_is_not_among_the_teams_candidates(
    desk: DispatchDesk,
) -> None:
    # AX: a preferred technician can be any worker; the team's candidates are its members
    assert desk.requirement("RQ-1").preferred_technician_id == "W-9"
    team = desk.candidates("RQ-1", team_id="NORTH")
    assert [c.technician_id for c in team.ranked] == ["W-1", "W-2"]
    assert not any(c.preferred for c in team.ranked)
    assert team.excluded == ()
    everyone = desk.candidates("RQ-1")
    assert [(c.technician_id, c.preferred) for c in everyone.ranked] == [
        ("W-9", True),
        ("W-1", False),
        ("W-2", False),
    ]


def test_the_board_does_not_show_a_preferred_technician_outside_the_team(
    desk: DispatchDesk,
) -> None:
    booking = desk.book("RQ-1", "W-9", id="B-1", start=AT + 2 * HOUR)
    assert booking.status is BookingStatus.PROPOSED
    techs = [desk.technician(worker) for worker in ("W-1", "W-2", "W-9")]
    board = dispatch_board(
        desk.teams().team("NORTH"), techs, [booking], [desk.requirement("RQ-1")], window=WINDOW
    )
    assert [row.technician_id for row in board.rows] == ["W-1", "W-2"]
    assert all(row.bars == () for row in board.rows)
    assert board.undispatched == ()  # booked outside the team: dispatched, not on a row
