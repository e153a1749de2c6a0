"""The dispatch desk on the memory and SQLite adapters (PostgreSQL: opt-in, desk_adapters)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import desk_adapters
from desk_adapters import Stores, Wrapped
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryEventPublisher
from servicedomain.app import DispatchDesk, ServiceDesk
from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import (
    Absence,
    BookingStatus,
    DispatchTeam,
    Interval,
    ReasonKind,
    Skill,
)
from servicedomain.errors import (
    AlreadyExistsError,
    BookingConflictError,
    BookingStatusError,
    ConcurrencyConflictError,
    InvalidInputError,
    NotFoundError,
)
from servicedomain.sla import Allowance, Priority, ServiceLevelAgreement, SlaTargets
from servicedomain.stages import EXAMPLE_STAGE_GRAPH

stores = desk_adapters.stores  # the fixture: each test on the memory and SQLite adapters

AT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
DAY = WorkingCalendar.standard("UTC", slots=["08:00-17:00"], id="DAY")
WINDOW = Interval(AT, AT + timedelta(days=1))
HVAC = Skill("HVAC", max_level=3)
SLA = ServiceLevelAgreement(id="SLA-1", targets=SlaTargets(resolution=Allowance(hours=8)))


def at(hour: int, minute: int = 0) -> datetime:
    return AT.replace(hour=hour, minute=minute)


class World:
    """A store with orders SO-1..SO-3 (SO-3 under SLA-1), technicians W-1, W-2, a desk."""

    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        self.store = stores.new()
        self.publisher = InMemoryEventPublisher()
        self.clock = FixedClock(AT)
        service = ServiceDesk(
            unit_of_work=self.open_unit,
            clock=self.clock,
            graph=EXAMPLE_STAGE_GRAPH,
            slas={"SLA-1": SLA},
        )
        service.create_order(order_id="SO-1", customer_id="C-1", priority=Priority.HIGH)
        service.create_order(order_id="SO-2", customer_id="C-1", preferred_technician_id="W-2")
        service.create_order(order_id="SO-3", customer_id="C-1", sla_id="SLA-1")
        self.service = service
        self.desk = self.new_desk()
        self.desk.create_technician(id="W-1", calendar=DAY, skills={"HVAC": 3}, name="Ana")
        self.desk.create_technician(id="W-2", calendar=DAY, skills={"HVAC": 2})
        self.desk.require("SO-1", id="RQ-1", window=WINDOW, duration=2 * HOUR, skills={"HVAC": 2})
        self.desk.require("SO-2", id="RQ-2", window=WINDOW, duration=HOUR)
        self.publisher.published  # noqa: B018 (what setting up published is not looked at)
        self.mark = len(self.publisher.published)

    def open_unit(self) -> Any:
        return self.stores.unit_of_work(self.store, publisher=self.publisher)

    def new_desk(self, wrap: Any = None) -> DispatchDesk:
        def open_unit() -> Any:
            uow = self.open_unit()
            return uow if wrap is None else wrap(uow)

        return DispatchDesk(
            unit_of_work=open_unit, clock=self.clock, skills=[HVAC], slas={"SLA-1": SLA}
        )

    def names(self) -> list[str]:
        return [event.name for event in self.publisher.published[self.mark :]]

    def rows(self) -> tuple[Any, ...]:
        with self.stores.unit_of_work(self.store) as uow:
            return (
                uow.technicians.list(),
                uow.requirements.list(),
                uow.bookings.list(),
                uow.dispatch_teams.get(),
                uow.dispatch_teams.version(),
            )


HOUR = timedelta(hours=1)


@pytest.fixture
def world(stores: Stores) -> World:
    return World(stores)


# ------------------------------------------------------------------ technicians and teams


def test_create_technician_is_idempotent_and_refuses_another_under_its_id(world: World) -> None:
    again = world.desk.create_technician(id="W-1", calendar=DAY, skills={"HVAC": 3}, name="Ana")
    assert again == world.desk.technician("W-1")
    assert world.names() == []
    with pytest.raises(AlreadyExistsError):
        world.desk.create_technician(id="W-1", calendar=DAY, skills={"HVAC": 1})


def test_technician_levels_are_checked_against_the_catalog(world: World) -> None:
    with pytest.raises(InvalidInputError, match="level"):
        world.desk.create_technician(id="W-3", calendar=DAY, skills={"HVAC": 4})
    with pytest.raises(InvalidInputError):
        world.desk.set_level("W-2", "HVAC", 4)
    assert world.desk.technician("W-2").skills == {"HVAC": 2}


def test_technician_changes_are_stored_and_publish_after_commit(world: World) -> None:
    world.desk.set_level("W-2", "HVAC", 3)
    world.desk.add_skill("W-2", "ELEC", 1)
    world.desk.remove_skill("W-2", "ELEC")
    world.desk.set_territories("W-2", ["NORTH"])
    away = Absence("A-1", at(8), at(12), "dentist")
    tech = world.desk.add_absence("W-2", away)
    assert world.desk.technician("W-2") == tech
    assert tech.version == 6
    assert tech.territories == {"NORTH"}
    assert tech.absences == (away,)
    assert world.names() == [
        "TechnicianSkillLevelChanged",
        "TechnicianSkillAdded",
        "TechnicianSkillRemoved",
        "TechnicianTerritoriesChanged",
        "TechnicianAbsenceAdded",
    ]
    assert world.desk.availability("W-2", WINDOW) == (Interval(at(12), at(17)),)
    world.desk.remove_absence("W-2", "A-1")
    assert world.desk.availability("W-2", WINDOW) == (Interval(at(8), at(17)),)


def test_set_teams_refuses_a_worker_in_two_teams_and_an_unknown_member(world: World) -> None:
    with pytest.raises(InvalidInputError, match="in at most one dispatch team"):
        world.desk.set_teams(
            [DispatchTeam("N", members=["W-1"]), DispatchTeam("S", members=["W-1", "W-2"])]
        )
    with pytest.raises(NotFoundError):
        world.desk.set_teams([DispatchTeam("N", members=["W-9"])])
    assert world.desk.teams().teams == ()
    teams = world.desk.set_teams([DispatchTeam("N", members=["W-1"]), DispatchTeam("S")])
    assert world.desk.teams() == teams
    assert world.desk.set_teams(teams.teams) == teams  # the same again: no write
    assert world.rows()[4] == 1


# ------------------------------------------------------------------ requirements


def test_require_builds_the_requirement_from_the_stored_order(world: World) -> None:
    need = world.desk.requirement("RQ-1")
    assert (need.order_id, need.priority, need.sla_deadline) == ("SO-1", Priority.HIGH, None)
    assert world.desk.requirement("RQ-2").preferred_technician_id == "W-2"
    # An equal requirement again is the stored one; another one under the id is refused.
    assert world.desk.require("SO-2", id="RQ-2", window=WINDOW, duration=HOUR) == (
        world.desk.requirement("RQ-2")
    )
    with pytest.raises(AlreadyExistsError):
        world.desk.require("SO-2", id="RQ-2", window=WINDOW, duration=2 * HOUR)
    with pytest.raises(NotFoundError):
        world.desk.require("SO-9", id="RQ-9", window=WINDOW, duration=HOUR)
    with pytest.raises(InvalidInputError, match="catalog"):
        world.desk.require("SO-1", id="RQ-9", window=WINDOW, duration=HOUR, skills={"GAS": 1})


def test_require_carries_the_orders_sla_deadline(world: World) -> None:
    need = world.desk.require("SO-3", id="RQ-3", window=WINDOW, duration=HOUR)
    expected = world.service.measure_sla("SO-3").deadline
    assert expected is not None
    assert need.sla_deadline == expected
    bare = DispatchDesk(unit_of_work=world.open_unit, clock=world.clock)
    assert bare.require("SO-3", id="RQ-4", window=WINDOW, duration=HOUR).sla_deadline is None
    other = DispatchDesk(unit_of_work=world.open_unit, clock=world.clock, slas={})
    with pytest.raises(InvalidInputError, match="SLA"):
        other.require("SO-3", id="RQ-5", window=WINDOW, duration=HOUR)


# ------------------------------------------------------------------ booking


def test_book_checks_the_whole_interval_against_the_stored_bookings(world: World) -> None:
    first = world.desk.book("RQ-1", "W-1", id="B-1", start=at(9), status=BookingStatus.COMMITTED)
    assert world.desk.booking("B-1") == first
    with pytest.raises(BookingConflictError) as overlap:
        world.desk.book("RQ-2", "W-1", id="B-2", start=at(10), status=BookingStatus.COMMITTED)
    assert [r.kind for r in overlap.value.reasons] == [ReasonKind.BOOKING_OVERLAP]
    # Starting when B-1 ends, but with 30 minutes of travel, runs into B-1.
    with pytest.raises(BookingConflictError):
        world.desk.book("RQ-2", "W-1", id="B-2", start=at(11), travel=timedelta(minutes=30))
    # Running past the end of the working day.
    with pytest.raises(BookingConflictError):
        world.desk.book("RQ-2", "W-1", id="B-2", start=at(16, 30))
    second = world.desk.book(
        "RQ-2", "W-1", id="B-2", start=at(11, 30), travel=timedelta(minutes=30)
    )
    assert world.desk.bookings(technician_id="W-1", window=WINDOW) == [first, second]
    assert world.desk.bookings(requirement_id="RQ-2") == [second]
    assert world.names() == ["BookingCreated", "BookingCreated"]
    assert world.desk.undispatched() == []


def test_book_is_idempotent_on_its_id(world: World) -> None:
    made = world.desk.book("RQ-1", "W-1", id="B-1", start=at(9), status=BookingStatus.COMMITTED)
    again = world.desk.book("RQ-1", "W-1", id="B-1", start=at(9), status=BookingStatus.COMMITTED)
    assert again == made
    assert world.names() == ["BookingCreated"]
    with pytest.raises(AlreadyExistsError):
        world.desk.book("RQ-1", "W-1", id="B-1", start=at(13), status=BookingStatus.COMMITTED)
    assert world.desk.bookings(requirement_id="RQ-1") == [made]


class RivalBeforeCommit(Wrapped[Any]):
    """A unit of work whose commit first lets a rival desk call run (once)."""

    def __init__(self, inner: Any, rival: Any) -> None:
        super().__init__(inner)
        self.rival = rival

    def commit(self) -> None:
        rival, self.rival = self.rival, None
        if rival is not None:
            rival()
        self.inner.commit()


def test_a_rival_booking_of_the_technician_in_between_conflicts_and_the_retry_is_refused(
    world: World,
) -> None:
    def rival() -> None:
        world.desk.book("RQ-2", "W-1", id="B-R", start=at(9), status=BookingStatus.COMMITTED)

    racing = world.new_desk(wrap=lambda uow: RivalBeforeCommit(uow, rival))
    with pytest.raises(ConcurrencyConflictError):
        racing.book("RQ-1", "W-1", id="B-1", start=at(9, 30), status=BookingStatus.COMMITTED)
    assert [b.id for b in world.desk.bookings(technician_id="W-1", window=WINDOW)] == ["B-R"]
    # The retry decides on the rival's booking: the time is gone.
    with pytest.raises(BookingConflictError):
        world.desk.book("RQ-1", "W-1", id="B-1", start=at(9, 30), status=BookingStatus.COMMITTED)
    assert world.desk.book("RQ-1", "W-1", id="B-1", start=at(13)).start == at(13)


def test_a_rival_booking_of_another_technician_does_not_conflict(world: World) -> None:
    def rival() -> None:
        world.desk.book("RQ-2", "W-2", id="B-R", start=at(9), status=BookingStatus.COMMITTED)

    racing = world.new_desk(wrap=lambda uow: RivalBeforeCommit(uow, rival))
    racing.book("RQ-1", "W-1", id="B-1", start=at(9), status=BookingStatus.COMMITTED)
    assert [b.id for b in world.desk.bookings(requirement_id="RQ-1")] == ["B-1"]


def test_reschedule_reassign_confirm_and_the_status_moves(world: World) -> None:
    world.desk.book("RQ-1", "W-1", id="B-1", start=at(9), status=BookingStatus.COMMITTED)
    world.desk.book("RQ-2", "W-1", id="B-2", start=at(12))  # a proposal
    with pytest.raises(BookingConflictError):
        world.desk.reschedule("B-2", start=at(10))
    moved = world.desk.reschedule("B-2", start=at(14), travel=timedelta(minutes=15))
    assert (moved.start, moved.travel, moved.version) == (at(14), timedelta(minutes=15), 2)
    given = world.desk.reassign("B-2", "W-2")
    assert given.technician_id == "W-2"
    assert world.desk.bookings(technician_id="W-1", window=WINDOW) == [world.desk.booking("B-1")]
    confirmed = world.desk.confirm("B-2")
    assert confirmed.status is BookingStatus.COMMITTED
    locked = world.desk.lock("B-2", time=True)
    assert locked.time_locked
    started = world.desk.start_work("B-2")
    assert started.status is BookingStatus.IN_PROGRESS
    with pytest.raises(BookingStatusError):
        world.desk.reschedule("B-2", start=at(15))
    assert world.desk.complete("B-2").status is BookingStatus.COMPLETED
    assert world.desk.cancel("B-1").status is BookingStatus.CANCELED
    assert [need.id for need in world.desk.undispatched()] == ["RQ-1", "RQ-2"]
    assert world.desk.availability("W-1", WINDOW) == (Interval(at(8), at(17)),)
    assert world.names() == [
        "BookingCreated",
        "BookingCreated",
        "BookingRescheduled",
        "BookingReassigned",
        "BookingStatusChanged",
        "BookingLocksChanged",
        "BookingStatusChanged",
        "BookingStatusChanged",
        "BookingStatusChanged",
    ]


def test_confirm_checks_again_on_the_stored_bookings(world: World) -> None:
    world.desk.book("RQ-1", "W-1", id="B-1", start=at(9))  # proposals may overlap
    world.desk.book("RQ-2", "W-1", id="B-2", start=at(10))
    world.desk.confirm("B-2")
    with pytest.raises(BookingConflictError):
        world.desk.confirm("B-1")
    assert world.desk.booking("B-1").status is BookingStatus.PROPOSED


def test_candidates_rank_the_stored_technicians_of_a_team(world: World) -> None:
    world.desk.book("RQ-1", "W-1", id="B-1", start=at(8), status=BookingStatus.COMMITTED)
    found = world.desk.candidates("RQ-2")
    assert [c.technician_id for c in found.ranked] == ["W-2", "W-1"]  # W-2 is preferred
    world.desk.set_teams([DispatchTeam("N", members=["W-1"])])
    only = world.desk.candidates("RQ-2", team_id="N")
    assert [(c.technician_id, c.start) for c in only.ranked] == [("W-1", at(10))]
    with pytest.raises(InvalidInputError):
        world.desk.candidates("RQ-2", team_id="S")


def test_bookings_wants_a_technician_with_a_window_or_a_requirement(world: World) -> None:
    with pytest.raises(InvalidInputError):
        world.desk.bookings(technician_id="W-1")
    with pytest.raises(InvalidInputError):
        world.desk.bookings(technician_id="W-1", window=WINDOW, requirement_id="RQ-1")


# ------------------------------------------------------------------ auto-dispatch


def test_D4_auto_dispatch_stores_the_proposals_and_a_run_again_proposes_nothing(
    world: World,
) -> None:
    world.desk.set_teams([DispatchTeam("N", members=["W-1", "W-2"])])
    result = world.desk.auto_dispatch(team_id="N", window=WINDOW)
    assert [(b.id, b.requirement_id, b.status) for b in result.proposed] == [
        ("RQ-1-1", "RQ-1", BookingStatus.PROPOSED),
        ("RQ-2-1", "RQ-2", BookingStatus.PROPOSED),
    ]
    assert [world.desk.booking(b.id) for b in result.proposed] == list(result.proposed)
    assert world.desk.undispatched() == []
    before = world.rows()
    again = world.desk.auto_dispatch(team_id="N", window=WINDOW)
    assert (again.proposed, again.unplaced) == ((), ())
    assert world.rows() == before


def test_auto_dispatch_takes_only_requirements_whose_window_overlaps(world: World) -> None:
    world.desk.set_teams([DispatchTeam("N", members=["W-1", "W-2"])])
    later = Interval(AT + timedelta(days=3), AT + timedelta(days=4))
    result = world.desk.auto_dispatch(team_id="N", window=later)
    assert (result.proposed, result.unplaced) == ((), ())
    assert world.desk.bookings(requirement_id="RQ-1") == []


def test_auto_dispatch_does_not_reuse_the_id_of_a_canceled_booking_of_another_team(
    world: World,
) -> None:
    world.desk.set_teams([DispatchTeam("N", members=["W-2"]), DispatchTeam("S", members=["W-1"])])
    world.desk.book("RQ-1", "W-1", id="RQ-1-1", start=at(9))
    world.desk.cancel("RQ-1-1")
    result = world.desk.auto_dispatch(team_id="N", window=WINDOW)
    assert [(b.id, b.technician_id) for b in result.proposed] == [
        ("RQ-1-2", "W-2"),
        ("RQ-2-1", "W-2"),
    ]


def test_auto_dispatch_refuses_an_unknown_team(world: World) -> None:
    with pytest.raises(InvalidInputError, match="team_id='X'"):
        world.desk.auto_dispatch(team_id="X", window=WINDOW)
