"""Laws D1 and D2 (issue 17) over drawn sequences of dispatch operations.

A scenario: two technicians (a day calendar in UTC, a split day in Stockholm, a split
shift 07-11 and 15-19 in New York), up to one absence each, three requirements whose
windows are given in UTC over three days, and a list of operations: book (proposed or
committed), reschedule, reassign, confirm, start work, cancel, and auto-dispatch with
its proposals then confirmed. Each operation is applied through the pure domain
functions, and, in the second test, through :class:`~servicedomain.app.DispatchDesk` on
the in-memory unit of work; a refused operation is ignored (and stores nothing). After
every step:

* D1: no two committed or in-progress bookings of a technician overlap, the time each
  holds counted with its travel, ``[start - travel, end)``;
* D2: every booking lies inside its requirement's window, lasts its duration, takes
  time wholly inside its technician's working time (travel included, no absence), and
  its technician holds the skills at the levels needed, serves the territory and is
  not restricted.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from servicedomain.app import DispatchDesk, ServiceDesk
from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import (
    Absence,
    Booking,
    BookingStatus,
    Interval,
    Requirement,
    Technician,
    auto_dispatch,
    book,
    confirm,
    earliest_start,
    reassign,
    reschedule,
)
from servicedomain.errors import ServiceDomainError
from servicedomain.stages import EXAMPLE_STAGE_GRAPH

AT = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday
QUARTER = timedelta(minutes=15)
DAYS = 3
CALENDARS = (
    WorkingCalendar.standard("UTC", slots=["09:00-17:00"], id="DAY"),
    WorkingCalendar.standard("Europe/Stockholm", slots=["08:00-12:00", "13:00-17:00"], id="SE"),
    WorkingCalendar.standard("America/New_York", slots=["07:00-11:00", "15:00-19:00"], id="NY"),
)
TECHNICIAN_IDS = ("W-1", "W-2")
SKILLS = ("S-1", "S-2")
TERRITORIES = ("NORTH", "SOUTH")
HELD = (BookingStatus.COMMITTED, BookingStatus.IN_PROGRESS)

THOROUGH = settings.get_current_profile_name() == "thorough"


@st.composite
def _technician(draw: st.DrawFn, tech_id: str) -> Technician:
    tech, _ = Technician.create(
        id=tech_id,
        calendar=draw(st.sampled_from(CALENDARS)),
        at=AT,
        skills=draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 2), min_size=1)),
        territories=draw(st.frozensets(st.sampled_from(TERRITORIES), min_size=1)),
    )
    if draw(st.booleans()):
        start = AT + draw(st.integers(0, DAYS * 96)) * QUARTER
        length = draw(st.integers(1, 48)) * QUARTER
        tech, _ = tech.add_absence(Absence(f"AB-{tech_id}", start, start + length), at=AT)
    return tech


@st.composite
def _requirement(draw: st.DrawFn, index: int) -> Requirement:
    start = AT + draw(st.integers(0, (DAYS - 1) * 96)) * QUARTER
    window = Interval(start, start + draw(st.integers(16, 192)) * QUARTER)
    return Requirement(
        id=f"RQ-{index}",
        order_id=f"SO-{index}",
        window=window,
        duration=draw(st.integers(1, 8)) * QUARTER,
        skills=draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 2), max_size=1)),
        territory=draw(st.sampled_from((None, None, *TERRITORIES))),
        preferred_technician_id=draw(st.none() | st.sampled_from(TECHNICIAN_IDS)),
        restricted_technician_ids=draw(st.frozensets(st.sampled_from(TECHNICIAN_IDS), max_size=1)),
    )


#: A start: ``None`` is the earliest start ``earliest_start`` finds; a number, quarters
#: after the requirement's window opens; ``(booking, quarters, after)``, next to a stored
#: booking: the work ending near its start (in its travel), or starting near its end
#: (the new travel over it). Many are refused: the laws hold on refusals too.
STARTS = st.one_of(
    st.none(),
    st.none(),
    st.integers(-4, 100),
    st.tuples(st.integers(0, 30), st.integers(-4, 4), st.booleans()),
)
TRAVELS = st.integers(0, 3).map(lambda n: n * QUARTER)
TARGETS = st.integers(0, 30)  # a booking, by position among the stored ones
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("book"), st.integers(0, 2), st.integers(0, 1), STARTS, TRAVELS, st.booleans()
        ),
        st.tuples(
            st.just("book_next"),
            TARGETS,
            st.integers(-4, 4),
            st.booleans(),
            TRAVELS,
            st.booleans(),
        ),
        st.tuples(st.just("reschedule"), TARGETS, STARTS, TRAVELS),
        st.tuples(st.just("reassign"), TARGETS, STARTS),
        st.tuples(st.just("confirm"), TARGETS),
        st.tuples(st.just("start"), TARGETS),
        st.tuples(st.just("cancel"), TARGETS),
        st.tuples(st.just("auto"), TRAVELS),
    ),
    min_size=1,
    max_size=12,
)


@attrs.frozen
class Scenario:
    people: tuple[Technician, ...]
    needs: tuple[Requirement, ...]
    operations: tuple[tuple[Any, ...], ...]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    people = tuple(draw(_technician(tech_id)) for tech_id in TECHNICIAN_IDS)
    needs = tuple(draw(_requirement(index)) for index in range(3))
    return Scenario(people=people, needs=needs, operations=tuple(draw(OPERATIONS)))


# ------------------------------------------------------------------ the laws, checked


def _merged(pairs: Sequence[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for start, end in sorted((a.astimezone(UTC), b.astimezone(UTC)) for a, b in pairs):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def check_D1_D2(
    bookings: Iterable[Booking], people: Iterable[Technician], needs: Iterable[Requirement]
) -> None:
    """Laws D1 and D2 over ``bookings``, from the data alone (no domain helper)."""
    techs = {tech.id: tech for tech in people}
    reqs = {need.id: need for need in needs}
    held = [b for b in bookings if b.status in HELD]
    for one, other in itertools.combinations(held, 2):  # D1
        if one.technician_id == other.technician_id:
            assert not (
                one.start - one.travel < other.end and other.start - other.travel < one.end
            ), f"D1: {one.id} {one.busy} overlaps {other.id} {other.busy}"
    for booking in bookings:  # D2 (every booking: each was made or moved by the checks)
        tech, need = techs[booking.technician_id], reqs[booking.requirement_id]
        span = (booking.start - booking.travel, booking.end)
        assert need.window.start <= booking.start, f"D2: {booking.id} starts before the window"
        assert booking.end <= need.window.end, f"D2: {booking.id} ends after the window"
        assert booking.end - booking.start == need.duration
        worked = _merged(tech.calendar.working_intervals(*span))
        assert worked == [span], f"D2: {booking.id} {booking.busy} is not all working time"
        assert not any(a.start < span[1] and span[0] < a.end for a in tech.absences)
        for skill_id, level in need.skills.items():
            assert tech.skills.get(skill_id, 0) >= level, f"D2: {booking.id} lacks {skill_id}"
        assert need.territory is None or need.territory in tech.territories
        assert tech.id not in need.restricted_technician_ids


# ------------------------------------------------------------------ pure functions


class PureDispatch:
    """The operations over the pure domain functions; the bookings in a dict by id."""

    def __init__(self, scenario: Scenario) -> None:
        self.techs = {tech.id: tech for tech in scenario.people}
        self.reqs = {need.id: need for need in scenario.needs}
        self.bookings: dict[str, Booking] = {}

    def _start(
        self,
        need: Requirement,
        tech: Technician,
        start: int | tuple[int, int, bool] | None,
        travel: timedelta,
        *,
        ignore: str | None = None,
    ) -> datetime | None:
        if start is not None:
            return self._at(need, start)
        others = [b for b in self.bookings.values() if b.id != ignore]
        return earliest_start(need, tech, others, travel=travel)

    def _at(self, need: Requirement, start: int | tuple[int, int, bool]) -> datetime | None:
        if isinstance(start, int):
            return need.window.start + start * QUARTER
        index, quarters, after = start
        other = self._target(index)
        if other is None:
            return None
        near = other.end if after else other.start - need.duration
        return near + quarters * QUARTER

    def resolve(self, operation: tuple[Any, ...]) -> tuple[Any, ...]:
        """``book_next``: book a stored booking's requirement, on its technician, next to it."""
        if operation[0] != "book_next":
            return operation
        _, index, quarters, after, travel, commit = operation
        other = self._target(index)
        if other is None:
            return ("cancel", index)  # no booking: nothing happens
        req_index = int(other.requirement_id.removeprefix("RQ-"))
        tech_index = TECHNICIAN_IDS.index(other.technician_id)
        return ("book", req_index, tech_index, (index, quarters, after), travel, commit)

    def _target(self, index: int) -> Booking | None:
        stored = sorted(self.bookings.values(), key=lambda b: b.id)
        return stored[index % len(stored)] if stored else None

    def _put(self, booking: Booking) -> None:
        self.bookings[booking.id] = booking

    def apply(self, operation: tuple[Any, ...]) -> None:
        kind, *args = self.resolve(operation)
        known = list(self.bookings.values())
        if kind == "book":
            need = self.reqs[f"RQ-{args[0]}"]
            tech = self.techs[TECHNICIAN_IDS[args[1]]]
            start = self._start(need, tech, args[2], args[3])
            if start is None:
                return
            status = BookingStatus.COMMITTED if args[4] else BookingStatus.PROPOSED
            made, _ = book(
                need,
                tech,
                known,
                start=start,
                id=f"B-{len(known) + 1}",
                at=AT,
                travel=args[3],
                status=status,
            )
            self._put(made)
            return
        if kind == "auto":
            result = auto_dispatch(
                self.reqs.values(),
                self.techs.values(),
                known,
                at=AT,
                travel=lambda tech, need: args[0],
                ids=lambda need: f"A-{len(known) + 1}-{need.id}",
            )
            for proposal in result.proposed:
                self._put(proposal)
            for proposal in result.proposed:
                with contextlib.suppress(ServiceDomainError):  # refused: stays proposed
                    self.apply(("confirm_id", proposal.id))
            return
        target = self.bookings[args[0]] if kind == "confirm_id" else self._target(args[0])
        if target is None:
            return
        need, tech = self.reqs[target.requirement_id], self.techs[target.technician_id]
        if kind in ("confirm", "confirm_id"):
            moved, _ = confirm(target, need, tech, known, at=AT)
        elif kind == "reschedule":
            start = self._start(need, tech, args[1], args[2], ignore=target.id)
            if start is None:
                return
            moved, _ = reschedule(target, need, tech, known, start=start, travel=args[2], at=AT)
        elif kind == "reassign":
            other = self.techs[TECHNICIAN_IDS[1 - TECHNICIAN_IDS.index(tech.id)]]
            start = None if args[1] is None else self._at(need, args[1])
            moved, _ = reassign(target, need, other, known, start=start, at=AT)
        elif kind == "start":
            moved, _ = target.change_status(BookingStatus.IN_PROGRESS, at=AT)
        else:
            moved, _ = target.change_status(BookingStatus.CANCELED, at=AT)
        self._put(moved)


@settings(max_examples=300 if THOROUGH else 60)  # sequences: each example is many steps
@given(scenarios())
def test_D1_D2_no_overlap_and_every_booking_fits_after_every_operation_pure(
    scenario: Scenario,
) -> None:
    model = PureDispatch(scenario)
    for operation in scenario.operations:
        before = dict(model.bookings)
        try:
            model.apply(operation)
        except ServiceDomainError:
            assert model.bookings == before  # a refused operation changes nothing
        check_D1_D2(list(model.bookings.values()), scenario.people, scenario.needs)


# ------------------------------------------------------------------ through the desk


class DeskDispatch(PureDispatch):
    """The same operations through :class:`DispatchDesk` on the in-memory unit of work."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__(scenario)
        self.store = InMemoryStore()
        clock = FixedClock(AT)
        service = ServiceDesk(unit_of_work=self.open, clock=clock, graph=EXAMPLE_STAGE_GRAPH)
        self.desk = DispatchDesk(unit_of_work=self.open, clock=clock)
        for tech in scenario.people:
            self.desk.create_technician(
                id=tech.id, calendar=tech.calendar, skills=tech.skills, territories=tech.territories
            )
            for absence in tech.absences:
                self.desk.add_absence(tech.id, absence)
        for need in scenario.needs:
            service.create_order(
                order_id=need.order_id,
                customer_id="C-1",
                preferred_technician_id=need.preferred_technician_id,
            )
            self.desk.require(
                need.order_id,
                id=need.id,
                window=need.window,
                duration=need.duration,
                skills=need.skills,
                territory=need.territory,
                restricted_technician_ids=need.restricted_technician_ids,
            )
        self.refresh()

    def open(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store)

    def refresh(self) -> None:
        """The model's view: the stored technicians, requirements and bookings."""
        with self.open() as uow:
            self.techs = {tech.id: tech for tech in uow.technicians.list()}
            self.reqs = {need.id: need for need in uow.requirements.list()}
            self.bookings = {b.id: b for b in uow.bookings.list()}

    def apply(self, operation: tuple[Any, ...]) -> None:
        try:
            self._apply(operation)
        finally:
            self.refresh()

    def _apply(self, operation: tuple[Any, ...]) -> None:
        kind, *args = self.resolve(operation)
        known = list(self.bookings.values())
        desk = self.desk
        if kind == "book":
            need = self.reqs[f"RQ-{args[0]}"]
            tech = self.techs[TECHNICIAN_IDS[args[1]]]
            start = self._start(need, tech, args[2], args[3])
            if start is None:
                return
            status = BookingStatus.COMMITTED if args[4] else BookingStatus.PROPOSED
            booking_id = f"B-{len(known) + 1}"
            desk.book(need.id, tech.id, id=booking_id, start=start, travel=args[3], status=status)
            return
        if kind == "auto":
            result = auto_dispatch(
                self.reqs.values(),
                self.techs.values(),
                known,
                at=AT,
                travel=lambda tech, need: args[0],
                ids=lambda need: f"A-{len(known) + 1}-{need.id}",
            )
            for p in result.proposed:
                desk.book(
                    p.requirement_id, p.technician_id, id=p.id, start=p.start, travel=p.travel
                )
            for p in result.proposed:
                with contextlib.suppress(ServiceDomainError):  # refused: stays proposed
                    desk.confirm(p.id)
            return
        target = self._target(args[0])
        if target is None:
            return
        need, tech = self.reqs[target.requirement_id], self.techs[target.technician_id]
        if kind == "confirm":
            desk.confirm(target.id)
        elif kind == "reschedule":
            start = self._start(need, tech, args[1], args[2], ignore=target.id)
            if start is not None:
                desk.reschedule(target.id, start=start, travel=args[2])
        elif kind == "reassign":
            other = TECHNICIAN_IDS[1 - TECHNICIAN_IDS.index(tech.id)]
            start = None if args[1] is None else self._at(need, args[1])
            desk.reassign(target.id, other, start=start)
        elif kind == "start":
            desk.start_work(target.id)
        else:
            desk.cancel(target.id)


@settings(max_examples=120 if THOROUGH else 25)  # through the desk: a unit of work per step
@given(scenarios())
def test_D1_D2_no_overlap_and_every_booking_fits_after_every_operation_on_the_desk(
    scenario: Scenario,
) -> None:
    desk, pure = DeskDispatch(scenario), PureDispatch(scenario)
    for operation in scenario.operations:
        before = dict(desk.bookings)
        try:
            desk.apply(operation)
        except ServiceDomainError:
            assert desk.bookings == before  # a refused operation stores nothing
        check_D1_D2(list(desk.bookings.values()), list(desk.techs.values()), desk.reqs.values())
        with contextlib.suppress(ServiceDomainError):
            pure.apply(operation)
        # the desk decides as the pure functions do, on the stored data
        assert _decided(desk.bookings) == _decided(pure.bookings)


def _decided(bookings: dict[str, Booking]) -> dict[str, tuple[Any, ...]]:
    return {
        b.id: (b.technician_id, b.requirement_id, b.start, b.end, b.travel, b.status)
        for b in bookings.values()
    }
