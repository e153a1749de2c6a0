"""The contract suite of the dispatch ports: technicians, teams, requirements, bookings.

A host that implements :class:`~servicedomain.ports.DispatchUnitOfWork` over its own
database subclasses :class:`DispatchStoreContract`, implements its hooks and runs
pytest::

    from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    from servicedomain.testing.dispatch_contracts import DispatchStoreContract

    class TestInMemoryDispatch(DispatchStoreContract[InMemoryStore, InMemoryUnitOfWork]):
        def make_store(self) -> InMemoryStore:
            return InMemoryStore()

        def new_unit_of_work(self, store: InMemoryStore) -> InMemoryUnitOfWork:
            return InMemoryUnitOfWork(store)

        def publishing_unit_of_work(
            self, store: InMemoryStore, publisher: EventPublisher
        ) -> InMemoryUnitOfWork:
            return InMemoryUnitOfWork(store, publisher=publisher)

What it checks: a technician, a requirement, the teams and a booking come back equal
(any of them, drawn by Hypothesis); a requirement is stored once under its id; the
teams are one versioned document (a stale save conflicts); a stale booking save
conflicts and changes nothing (P1); ``for_technician`` returns the bookings whose held
time ``[start - travel, end)`` overlaps the window (travel reaching in counts, touching
does not; other technicians' are left out; the unit of work's own writes on top);
``for_requirement`` and ``undispatched``; the schedule compare-and-set: of two units
of work that read one technician's bookings and book it, exactly one commits, while
bookings of two technicians both commit; a booking moved to another technician bumps
both schedules; a unit of work whose commit fails stores nothing and publishes nothing
(P2, U1).

Every store a test makes is released through ``dispose_store``, and every test fails
once it runs past ``timeout_seconds`` (300 by default). This module needs pytest (the
``[testing]`` extra).
"""

# Tests are named after the law they check (test_P1_...), as invariants.md asks.
# ruff: noqa: N802, D102

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import attrs
import pytest
from hypothesis import given, settings

from servicedomain.adapters.memory import InMemoryEventPublisher
from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import (
    Absence,
    Booking,
    BookingStatus,
    DispatchTeam,
    DispatchTeams,
    Interval,
    Requirement,
    Technician,
)
from servicedomain.errors import AlreadyExistsError, ConcurrencyConflictError, NotFoundError
from servicedomain.ports import DispatchUnitOfWork
from servicedomain.testing import _store_contract
from servicedomain.testing.domain_strategies import bookings, requirements, technicians

__all__ = ["DispatchStoreContract"]

StoreT = TypeVar("StoreT")
UnitOfWorkT = TypeVar("UnitOfWorkT", bound=DispatchUnitOfWork)

_AT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
_HOUR = timedelta(hours=1)
_DAY = WorkingCalendar.standard("UTC", slots=["08:00-17:00"], id="DAY")


def _technician(technician_id: str = "W-1") -> Technician:
    tech, _ = Technician.create(
        id=technician_id,
        calendar=_DAY,
        at=_AT,
        name="Ana \u00e9",
        skills={"HVAC": 3, "ELEC": 1},
        territories=["NORTH"],
    )
    absence = Absence("A-1", _AT + timedelta(days=3), _AT + timedelta(days=4), "training")
    tech, _ = tech.add_absence(absence, at=_AT)
    return tech


def _requirement(requirement_id: str = "RQ-1", order_id: str = "SO-1") -> Requirement:
    return Requirement(
        id=requirement_id,
        order_id=order_id,
        window=Interval(_AT, _AT + timedelta(days=1)),
        duration=2 * _HOUR,
        skills={"HVAC": 2},
        territory="NORTH",
    )


def _booking(
    booking_id: str = "B-1",
    *,
    technician_id: str = "W-1",
    requirement_id: str = "RQ-1",
    start: datetime = _AT + 3 * _HOUR,
    hours: int = 2,
    travel: timedelta = timedelta(minutes=30),
    status: BookingStatus = BookingStatus.COMMITTED,
) -> Booking:
    return Booking(
        id=booking_id,
        version=1,
        requirement_id=requirement_id,
        technician_id=technician_id,
        start=start,
        end=start + hours * _HOUR,
        travel=travel,
        status=status,
        recorded_at=_AT,
    )


def _moved(booking: Booking, **changes: Any) -> Booking:
    return attrs.evolve(booking, version=booking.version + 1, **changes)


class DispatchStoreContract(_store_contract.StoreContract[StoreT, UnitOfWorkT]):
    """The tests every :class:`~servicedomain.ports.DispatchUnitOfWork` must pass.

    Attributes:
        timeout_seconds: how long one test may run before it fails (300 by default).
    """

    def hypothesis_settings(self) -> settings:
        """The Hypothesis settings of the property tests (override to tune them)."""
        return settings(deadline=None)

    # ------------------------------------------------------------------------- helpers

    def _seeded(self) -> StoreT:
        """A store with technicians W-1 and W-2 and requirements RQ-1 and RQ-2."""
        store = self._new_store()

        def seed(uow: UnitOfWorkT) -> None:
            uow.technicians.add(_technician("W-1"))
            uow.technicians.add(_technician("W-2"))
            uow.requirements.add(_requirement("RQ-1"))
            uow.requirements.add(_requirement("RQ-2", order_id="SO-2"))

        self._save(store, seed)
        return store

    def _ids(self, store: StoreT, technician_id: str, window: Interval) -> list[str]:
        with self.new_unit_of_work(store) as uow:
            return [b.id for b in uow.bookings.for_technician(technician_id, window)]

    # ------------------------------------------------------------------ round trips

    def test_a_technician_round_trips_with_skills_territories_and_absences(self) -> None:
        store, tech = self._new_store(), _technician()
        self._save(store, lambda uow: uow.technicians.add(tech))
        with self.new_unit_of_work(store) as uow:
            assert uow.technicians.get("W-1") == tech
            assert uow.technicians.list() == [tech]
            with pytest.raises(NotFoundError):
                uow.technicians.get("W-9")

    def test_a_technician_named_with_a_nul_and_the_escape_character_round_trips(self) -> None:
        """Free text may hold NUL (PostgreSQL's text types cannot) and the escape character."""
        store = self._new_store()
        tech = attrs.evolve(_technician(), name="A\x00B \ue000 C")
        self._save(store, lambda uow: uow.technicians.add(tech))
        with self.new_unit_of_work(store) as uow:
            assert uow.technicians.get("W-1").name == "A\x00B \ue000 C"

    def test_any_technician_requirement_and_booking_round_trips(self) -> None:
        store = self._new_store()
        numbers = itertools.count(1)

        @self.hypothesis_settings()
        @given(tech=technicians(), need=requirements(), booking=bookings())
        def round_trip(tech: Technician, need: Requirement, booking: Booking) -> None:
            number = next(numbers)
            tech = attrs.evolve(tech, id=f"W-{number}")
            need = attrs.evolve(need, id=f"RQ-{number}")
            booking = attrs.evolve(
                booking, id=f"B-{number}", technician_id=tech.id, requirement_id=need.id
            )

            def write(uow: UnitOfWorkT) -> None:
                uow.technicians.add(tech)
                uow.requirements.add(need)
                uow.bookings.add(booking)

            self._save(store, write)
            with self.new_unit_of_work(store) as uow:
                assert uow.technicians.get(tech.id) == tech
                assert uow.requirements.get(need.id) == need
                assert uow.bookings.get(booking.id) == booking
                assert uow.bookings.for_requirement(need.id) == [booking]
                assert uow.bookings.for_technician(tech.id, booking.busy) == [booking]

        round_trip()

    def test_a_requirement_is_stored_once_under_its_id(self) -> None:
        store, need = self._new_store(), _requirement()
        self._save(store, lambda uow: uow.requirements.add(need))
        self._save(store, lambda uow: uow.requirements.add(need))  # equal: a no-op
        other = attrs.evolve(need, duration=3 * _HOUR)
        with self.new_unit_of_work(store) as uow:
            with pytest.raises(AlreadyExistsError):
                uow.requirements.add(other)
            assert uow.requirements.list() == [need]
            assert uow.requirements.for_order("SO-1") == [need]
            assert uow.requirements.for_order("SO-9") == []
            with pytest.raises(NotFoundError):
                uow.requirements.get("RQ-9")

    def test_a_requirement_a_rival_stored_first_is_refused_on_commit(self) -> None:
        store, need = self._new_store(), _requirement()
        mine = self.new_unit_of_work(store)
        with mine:
            mine.requirements.add(attrs.evolve(need, duration=3 * _HOUR))
            self._save(store, lambda uow: uow.requirements.add(need))
            with pytest.raises(ConcurrencyConflictError):
                mine.commit()
        with self.new_unit_of_work(store) as uow:
            assert uow.requirements.list() == [need]

    def test_the_teams_are_one_versioned_document(self) -> None:
        store = self._new_store()
        with self.new_unit_of_work(store) as uow:
            assert uow.dispatch_teams.get() == DispatchTeams()
            assert uow.dispatch_teams.version() == 0
        teams = DispatchTeams([DispatchTeam("N", members=["W-1"]), DispatchTeam("S")])
        self._save(store, lambda uow: uow.dispatch_teams.save(teams, expected_version=0))
        with self.new_unit_of_work(store) as uow:
            assert uow.dispatch_teams.get() == teams
            assert uow.dispatch_teams.version() == 1
        stale = DispatchTeams()
        with pytest.raises(ConcurrencyConflictError):  # at once, or on commit
            self._save(store, lambda uow: uow.dispatch_teams.save(stale, expected_version=0))
        with self.new_unit_of_work(store) as uow:
            assert uow.dispatch_teams.get() == teams

    def test_P1_two_units_of_work_changing_the_teams_at_once_one_commits(self) -> None:
        # Each would put W-1 in a team of its own: stored, W-1 would be in two teams.
        store = self._new_store()
        first, second = self.new_unit_of_work(store), self.new_unit_of_work(store)
        with first, second:
            for uow, team in ((first, "N"), (second, "S")):
                teams = DispatchTeams([DispatchTeam(team, members=["W-1"])])
                uow.dispatch_teams.save(teams, expected_version=uow.dispatch_teams.version())
            first.commit()
            with pytest.raises(ConcurrencyConflictError):
                second.commit()
        with self.new_unit_of_work(store) as uow:
            stored = uow.dispatch_teams.get()
            assert [team.id for team in stored.teams] == ["N"]
            assert uow.dispatch_teams.version() == 1

    def test_P1_a_stale_booking_save_conflicts_and_changes_nothing(self) -> None:
        store, booking = self._seeded(), _booking()
        self._save(store, lambda uow: uow.bookings.add(booking))
        moved = _moved(booking, start=booking.start + _HOUR, end=booking.end + _HOUR)
        self._save(store, lambda uow: uow.bookings.save(moved, expected_version=1))
        stale = _moved(booking, status=BookingStatus.CANCELED)
        with self.new_unit_of_work(store) as uow, pytest.raises(ConcurrencyConflictError):
            uow.bookings.save(stale, expected_version=1)
        with self.new_unit_of_work(store) as uow:
            assert uow.bookings.get(booking.id) == moved

    # ------------------------------------------------------------------ queries

    def test_for_technician_returns_the_bookings_whose_held_time_overlaps_the_window(
        self,
    ) -> None:
        store = self._seeded()
        # B-1 holds [09:30, 12:00) (30 minutes of travel); B-2 [12:00, 13:00); B-3 is W-2's.
        one = _booking("B-1")
        two = _booking("B-2", start=_AT + 5 * _HOUR, hours=1, travel=timedelta(0))
        three = _booking("B-3", technician_id="W-2")
        canceled = _booking("B-4", start=_AT + 8 * _HOUR, status=BookingStatus.CANCELED)

        def write(uow: UnitOfWorkT) -> None:
            for booking in (one, two, three, canceled):
                uow.bookings.add(booking)

        self._save(store, write)
        at = _AT.replace(hour=0)
        assert self._ids(store, "W-1", Interval(at, at + timedelta(days=1))) == [
            "B-1",
            "B-2",
            "B-4",
        ]
        # The travel reaches into [09:00, 09:45): B-1 is there.
        assert self._ids(
            store, "W-1", Interval(at.replace(hour=9), at.replace(hour=9, minute=45))
        ) == ["B-1"]
        # [08:00, 09:30) only touches B-1's held time: nothing.
        assert (
            self._ids(store, "W-1", Interval(at.replace(hour=8), at.replace(hour=9, minute=30)))
            == []
        )
        assert self._ids(store, "W-2", Interval(at, at + timedelta(days=1))) == ["B-3"]
        assert self._ids(store, "W-9", Interval(at, at + timedelta(days=1))) == []

    def test_the_queries_see_the_unit_of_works_own_writes(self) -> None:
        store, booking = self._seeded(), _booking()
        self._save(store, lambda uow: uow.bookings.add(booking))
        window = Interval(_AT, _AT + timedelta(days=1))
        with self.new_unit_of_work(store) as uow:
            moved = _moved(booking, technician_id="W-2")
            uow.bookings.save(moved, expected_version=1)
            added = _booking("B-2", requirement_id="RQ-2", start=_AT + 6 * _HOUR)
            uow.bookings.add(added)
            assert [b.id for b in uow.bookings.for_technician("W-1", window)] == ["B-2"]
            assert uow.bookings.for_technician("W-2", window) == [moved]
            assert uow.bookings.for_requirement("RQ-1") == [moved]
            assert uow.bookings.for_requirement("RQ-2") == [added]
        assert self._ids(store, "W-1", window) == ["B-1"]  # nothing committed

    def test_undispatched_lists_the_requirements_without_an_active_booking(self) -> None:
        store = self._seeded()
        with self.new_unit_of_work(store) as uow:
            assert [need.id for need in uow.requirements.undispatched()] == ["RQ-1", "RQ-2"]
        proposal = _booking(status=BookingStatus.PROPOSED)
        self._save(store, lambda uow: uow.bookings.add(proposal))
        with self.new_unit_of_work(store) as uow:
            assert [need.id for need in uow.requirements.undispatched()] == ["RQ-2"]
            # The unit of work's own writes on top: RQ-1 canceled, RQ-2 booked, RQ-3 new.
            uow.bookings.save(_moved(proposal, status=BookingStatus.CANCELED), expected_version=1)
            uow.bookings.add(_booking("B-2", requirement_id="RQ-2", start=_AT + 6 * _HOUR))
            uow.requirements.add(_requirement("RQ-3", order_id="SO-3"))
            assert [need.id for need in uow.requirements.undispatched()] == ["RQ-1", "RQ-3"]
        done = _moved(proposal, status=BookingStatus.COMPLETED)
        self._save(store, lambda uow: uow.bookings.save(done, expected_version=1))
        with self.new_unit_of_work(store) as uow:
            assert [need.id for need in uow.requirements.undispatched()] == ["RQ-1", "RQ-2"]

    # ------------------------------------------------------------------ the schedule CAS

    def test_P1_two_units_of_work_booking_one_technician_exactly_one_commits(self) -> None:
        store = self._seeded()
        window = Interval(_AT, _AT + timedelta(days=1))
        first, second = self.new_unit_of_work(store), self.new_unit_of_work(store)
        with first, second:
            # Each reads W-1's bookings (none), then books W-1, at different times even.
            for uow, booking in (
                (first, _booking("B-1")),
                (second, _booking("B-2", requirement_id="RQ-2", start=_AT + 6 * _HOUR)),
            ):
                assert uow.bookings.for_technician("W-1", window) == []
                uow.bookings.add(booking)
            first.commit()
            with pytest.raises(ConcurrencyConflictError):
                second.commit()
        assert self._ids(store, "W-1", window) == ["B-1"]
        # The retry reads the winner's booking and commits.
        with self.new_unit_of_work(store) as uow:
            assert [b.id for b in uow.bookings.for_technician("W-1", window)] == ["B-1"]
            uow.bookings.add(_booking("B-2", requirement_id="RQ-2", start=_AT + 6 * _HOUR))
            uow.commit()
        assert self._ids(store, "W-1", window) == ["B-1", "B-2"]

    def test_bookings_of_two_technicians_at_once_both_commit(self) -> None:
        store = self._seeded()
        window = Interval(_AT, _AT + timedelta(days=1))
        first, second = self.new_unit_of_work(store), self.new_unit_of_work(store)
        with first, second:
            for uow, technician_id in ((first, "W-1"), (second, "W-2")):
                uow.bookings.for_technician(technician_id, window)
                uow.bookings.add(_booking(f"B-{technician_id}", technician_id=technician_id))
            first.commit()
            second.commit()
        assert self._ids(store, "W-1", window) == ["B-W-1"]
        assert self._ids(store, "W-2", window) == ["B-W-2"]

    def test_a_booking_moved_to_another_technician_changes_both_schedules(self) -> None:
        store, booking = self._seeded(), _booking()
        self._save(store, lambda uow: uow.bookings.add(booking))
        window = Interval(_AT, _AT + timedelta(days=1))
        for reader_of in ("W-1", "W-2"):
            reader, mover = self.new_unit_of_work(store), self.new_unit_of_work(store)
            with reader, mover:
                reader.bookings.for_technician(reader_of, window)
                reader.bookings.add(
                    _booking("B-9", technician_id=reader_of, start=_AT + 8 * _HOUR, hours=1)
                )
                current = mover.bookings.get(booking.id)
                other = "W-2" if current.technician_id == "W-1" else "W-1"
                mover.bookings.save(
                    _moved(current, technician_id=other), expected_version=current.version
                )
                mover.commit()
                with pytest.raises(ConcurrencyConflictError):
                    reader.commit()

    def test_P2_U1_a_failed_commit_stores_nothing_and_publishes_nothing(self) -> None:
        store, booking = self._seeded(), _booking()
        self._save(store, lambda uow: uow.bookings.add(booking))
        moved = _moved(booking, start=booking.start + _HOUR, end=booking.end + _HOUR)
        publisher = InMemoryEventPublisher()
        stale, early = self.publishing_unit_of_work(store, publisher), self.new_unit_of_work(store)
        window = Interval(_AT, _AT + timedelta(days=1))
        with stale, early:
            early.bookings.for_technician("W-2", window)  # read before the failed commit
            stale.technicians.add(_technician("W-3"))
            stale.requirements.add(_requirement("RQ-3", order_id="SO-3"))
            stale.bookings.for_technician("W-2", window)
            stale.bookings.add(_booking("B-2", technician_id="W-2", requirement_id="RQ-3"))
            stale.dispatch_teams.save(DispatchTeams([DispatchTeam("N")]), expected_version=0)
            canceled, events = booking.change_status(BookingStatus.CANCELED, at=_AT)
            stale.bookings.save(canceled, expected_version=1)
            stale.collect(events)
            self._save(store, lambda uow: uow.bookings.save(moved, expected_version=1))
            with pytest.raises(ConcurrencyConflictError):
                stale.commit()
            assert publisher.published == ()
            with self.new_unit_of_work(store) as uow:
                assert [t.id for t in uow.technicians.list()] == ["W-1", "W-2"]
                assert [need.id for need in uow.requirements.list()] == ["RQ-1", "RQ-2"]
                assert uow.bookings.for_technician("W-2", window) == []
                assert uow.dispatch_teams.version() == 0
                assert uow.bookings.get(booking.id) == moved
            # The failed commit left W-2's schedule as it was: a unit of work that read
            # it before still commits its booking.
            early.bookings.add(_booking("B-2", technician_id="W-2", requirement_id="RQ-2"))
            early.commit()
        assert self._ids(store, "W-2", window) == ["B-2"]
