"""The dispatch desk: stored technicians and teams, requirements from orders, bookings.

A :class:`DispatchDesk` is configured once (how to open a unit of work, the clock, the
skills catalog whose scales levels are checked against, and optionally the SLAs whose
deadlines requirements carry) and offers one typed method per use case: create and
change technicians (skills, territories, absences), set the dispatch teams, make a
requirement from a stored service order, book a technician, reschedule, reassign,
confirm, lock, start work, complete and cancel a booking, auto-dispatch a team's
undispatched work (every proposal stored in one unit of work), plus the reads
(availability, candidates, bookings, undispatched requirements).

Each method opens one unit of work (:class:`~servicedomain.ports.DispatchUnitOfWork`),
loads what the domain (:mod:`servicedomain.dispatch`) needs from the store, lets it
decide, saves with the version it loaded and commits; the events are published only
after the commit. Booking, rescheduling, reassigning and confirming load the
technician's stored bookings around the requirement's window, so the domain's check of
the whole interval (laws D1, D2) runs on stored data; the store's per-technician schedule
compare-and-set (:class:`~servicedomain.ports.BookingRepository`) then makes a rival
that booked the same technician in between a
:class:`~servicedomain.errors.ConcurrencyConflictError`: nothing is stored, and a retry
decides again on the rival's booking (and is refused with
:class:`~servicedomain.errors.BookingConflictError` if the time is gone).

Idempotent, on their natural key: :meth:`~DispatchDesk.create_technician` (the same
technician again returns the stored one), :meth:`~DispatchDesk.require` (an equal
requirement again), :meth:`~DispatchDesk.book` (a booking id that is stored with the
same requirement, technician, time, travel, status and locks returns it; another
booking under that id is refused with :class:`~servicedomain.errors.AlreadyExistsError`),
and every change that changes nothing.

>>> from datetime import UTC, datetime, timedelta
>>> from servicedomain.adapters.clocks import FixedClock
>>> from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from servicedomain.app import ServiceDesk
>>> from servicedomain.calendars import WorkingCalendar
>>> from servicedomain.dispatch import Interval
>>> from servicedomain.stages import EXAMPLE_STAGE_GRAPH
>>> store = InMemoryStore()
>>> clock = FixedClock(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
>>> def unit() -> InMemoryUnitOfWork:
...     return InMemoryUnitOfWork(store)
>>> service = ServiceDesk(unit_of_work=unit, clock=clock, graph=EXAMPLE_STAGE_GRAPH)
>>> order = service.create_order(order_id="SO-1", customer_id="C-1")
>>> desk = DispatchDesk(unit_of_work=unit, clock=clock)
>>> day = WorkingCalendar.standard("UTC", slots=["08:00-17:00"], id="DAY")
>>> tech = desk.create_technician(id="W-1", calendar=day, skills={"HVAC": 3})
>>> window = Interval(clock.now(), clock.now() + timedelta(days=1))
>>> need = desk.require("SO-1", id="RQ-1", window=window, duration=timedelta(hours=2),
...                     skills={"HVAC": 2})
>>> booking = desk.book("RQ-1", "W-1", id="B-1", start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
...                     travel=timedelta(minutes=30))
>>> booking = desk.confirm("B-1")
>>> [f"{free.start:%H:%M}-{free.end:%H:%M}" for free in desk.availability("W-1", window)]
['08:00-08:30', '11:00-17:00']
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Final, cast
from zoneinfo import ZoneInfo

from servicedomain._checks import (
    deep_mapping,
    instance_of,
    is_bool,
    is_callable,
    is_id,
    is_ids,
    is_instant,
    is_optional_id,
    items_of,
    optional,
    port,
)
from servicedomain.app._unit import begin, change_stored
from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import (
    Absence,
    AutoDispatchResult,
    Booking,
    BookingStatus,
    CandidateList,
    DispatchTeam,
    DispatchTeams,
    Interval,
    Requirement,
    Skill,
    Technician,
    TravelEstimate,
    auto_dispatch,
    availability,
    book,
    candidates,
    check_teams,
    confirm,
    no_travel,
    reassign,
    requirement_for,
    reschedule,
    skill_catalog,
)
from servicedomain.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from servicedomain.events import DomainEvent
from servicedomain.ports import Clock, DispatchUnitOfWork, ServiceOrderRepository
from servicedomain.sla import ServiceLevelAgreement

__all__ = ["DispatchDesk"]

_CLOCK: Final = port("now")
_WINDOW: Final = instance_of(Interval)
_ABSENCE: Final = instance_of(Absence)
_TEAMS: Final = items_of(DispatchTeam)
_SLAS: Final = deep_mapping(instance_of(str), instance_of(ServiceLevelAgreement))
_ZERO: Final = timedelta(0)
_TRAVEL: Final = optional(instance_of(timedelta))
_START: Final = optional(is_instant)

TechnicianChange = Callable[[Technician], tuple[Technician, tuple[DomainEvent, ...]]]
BookingChange = Callable[[Booking], tuple[Booking, tuple[DomainEvent, ...]]]


def _orders(uow: DispatchUnitOfWork) -> ServiceOrderRepository:
    """The unit of work's service orders (the memory and SQL units of work have them)."""
    orders = getattr(uow, "service_orders", None)
    if orders is None:
        raise InvalidInputError(
            "unit_of_work",
            type(uow).__name__,
            "a dispatch desk that makes requirements from orders opens units of work with "
            "service_orders (as the memory and SQL units of work are)",
        )
    return cast("ServiceOrderRepository", orders)


def _hull(*intervals: Interval) -> Interval:
    """The smallest interval that holds every one of ``intervals``."""
    return Interval(min(i.start for i in intervals), max(i.end for i in intervals))


def _reach(travel: object) -> timedelta:
    """How far before the start a booking's time reaches (the domain checks ``travel``)."""
    return travel if isinstance(travel, timedelta) and travel > _ZERO else _ZERO


def _same_creation(stored: Technician, made: Technician) -> bool:
    """Whether ``stored`` is what creating ``made`` stored (its creation fields equal)."""
    fields = ("calendar", "name", "skills", "territories")
    return all(getattr(stored, name) == getattr(made, name) for name in fields)


_BOOKING_FIELDS: Final = (
    "requirement_id",
    "technician_id",
    "start",
    "end",
    "travel",
    "status",
    "time_locked",
    "technician_locked",
)


class DispatchDesk:
    """Dispatch over the ports: one method per use case, one unit of work each.

    Args:
        unit_of_work: opens a new :class:`~servicedomain.ports.DispatchUnitOfWork` on
            the host's store (called once per method call); :meth:`require` also needs
            its ``service_orders`` (the memory and SQL units of work have them).
        clock: where the instant of each operation comes from.
        skills: the skills catalog (:class:`~servicedomain.dispatch.Skill` values, or a
            rules file's ``skills`` mapping): technicians' levels and requirements'
            minimum levels are checked against their scales, and a booking of a
            requirement naming a skill not in it is refused. Empty: no scale check.
        slas: the SLAs by id; a requirement made from an order with an SLA carries the
            SLA's deadline as measured now (``None`` while its clock does not run). An
            order whose SLA is not among them is refused; without ``slas`` no deadline
            is set.

    Raises:
        TypeMismatchError, InvalidInputError: an argument, named.
    """

    def __init__(
        self,
        *,
        unit_of_work: Callable[[], DispatchUnitOfWork],
        clock: Clock,
        skills: Mapping[str, Skill] | Iterable[Skill] = (),
        slas: Mapping[str, ServiceLevelAgreement] | None = None,
    ) -> None:
        is_callable.check(unit_of_work, "unit_of_work")
        self._unit_of_work: Callable[[], DispatchUnitOfWork] = unit_of_work
        _CLOCK.check(clock, "clock")
        self._clock = clock
        self._skills: Mapping[str, Skill] = skill_catalog(skills)
        if slas is not None:
            _SLAS.check(slas, "slas")
        self._slas: dict[str, ServiceLevelAgreement] | None = None if slas is None else dict(slas)

    # ------------------------------------------------------------------ plumbing

    def _open(self) -> DispatchUnitOfWork:
        return begin(self._unit_of_work, "uow")

    def _catalog(self) -> Mapping[str, Skill] | None:
        return self._skills or None

    def _change_technician(self, technician_id: str, decide: TechnicianChange) -> Technician:
        is_id.check(technician_id, "technician_id")
        return change_stored(self._open(), lambda uow: uow.technicians, technician_id, decide)

    def _change_booking(self, booking_id: str, decide: BookingChange) -> Booking:
        is_id.check(booking_id, "booking_id")
        return change_stored(self._open(), lambda uow: uow.bookings, booking_id, decide)

    def _skill(self, skill_id: str) -> Skill | None:
        return self._skills.get(skill_id)

    # ------------------------------------------------------------------ technicians

    def create_technician(
        self,
        *,
        id: str,
        calendar: WorkingCalendar,
        name: str = "",
        skills: Mapping[str, int] | None = None,
        territories: Iterable[str] = (),
    ) -> Technician:
        """Create and store a technician (version 1); its event publishes on commit.

        Levels are checked against the desk's skills catalog. Idempotent on the id: a
        stored technician with the same calendar, name, skills and territories is
        returned and nothing is written.

        Raises:
            AlreadyExistsError: another technician of this id is stored.
            InvalidInputError, TypeMismatchError: as :meth:`Technician.create
                <servicedomain.dispatch.Technician.create>` says.
        """
        made, events = Technician.create(
            id=id,
            calendar=calendar,
            at=self._clock.now(),
            name=name,
            skills=skills,
            territories=territories,
            catalog=self._skills,
        )
        with self._open() as uow:
            try:
                stored = uow.technicians.get(made.id)
            except NotFoundError:
                uow.technicians.add(made)
                uow.collect(events)
                uow.commit()
                return made
            if _same_creation(stored, made):
                return stored
            raise AlreadyExistsError("Technician", made.id, stored.version)

    def add_skill(self, technician_id: str, skill_id: str, level: int) -> Technician:
        """Give a stored technician a skill at ``level`` (checked against the catalog).

        Raises:
            NotFoundError: no such technician.
            DispatchRuleError: the technician has the skill (``technician.skill_held``).
        """
        at = self._clock.now()
        return self._change_technician(
            technician_id,
            lambda tech: tech.add_skill(skill_id, level, at=at, skill=self._skill(skill_id)),
        )

    def set_level(self, technician_id: str, skill_id: str, level: int) -> Technician:
        """Change the level of a skill the stored technician has.

        Raises:
            NotFoundError: no such technician.
            DispatchRuleError: the technician lacks the skill (``technician.skill_missing``).
        """
        at = self._clock.now()
        return self._change_technician(
            technician_id,
            lambda tech: tech.set_level(skill_id, level, at=at, skill=self._skill(skill_id)),
        )

    def remove_skill(self, technician_id: str, skill_id: str) -> Technician:
        """Take a skill away from a stored technician.

        Raises:
            NotFoundError: no such technician.
            DispatchRuleError: the technician lacks the skill.
        """
        at = self._clock.now()
        return self._change_technician(
            technician_id, lambda tech: tech.remove_skill(skill_id, at=at)
        )

    def set_territories(self, technician_id: str, territories: Iterable[str]) -> Technician:
        """Make ``territories`` the ones the stored technician serves.

        Raises:
            NotFoundError: no such technician.
        """
        at = self._clock.now()
        given = is_ids.check(territories, "territories")
        return self._change_technician(
            technician_id, lambda tech: tech.set_territories(given, at=at)
        )

    def add_absence(self, technician_id: str, absence: Absence) -> Technician:
        """Record an absence of a stored technician (the same absence again: no change).

        Bookings already made are not moved: :meth:`confirm` and the reads see the
        absence from now on.

        Raises:
            NotFoundError: no such technician.
            DispatchRuleError: another absence of this id is recorded.
        """
        checked = _ABSENCE.check(absence, "absence")
        at = self._clock.now()
        return self._change_technician(technician_id, lambda tech: tech.add_absence(checked, at=at))

    def remove_absence(self, technician_id: str, absence_id: str) -> Technician:
        """Remove an absence of a stored technician.

        Raises:
            NotFoundError: no such technician.
            InvalidInputError: the technician has no absence of this id.
        """
        at = self._clock.now()
        return self._change_technician(
            technician_id, lambda tech: tech.remove_absence(absence_id, at=at)
        )

    def technician(self, technician_id: str) -> Technician:
        """The stored technician ``technician_id``.

        Raises:
            NotFoundError: no such technician.
        """
        is_id.check(technician_id, "technician_id")
        with self._open() as uow:
            return uow.technicians.get(technician_id)

    # ------------------------------------------------------------------ teams

    def set_teams(self, teams: Iterable[DispatchTeam]) -> DispatchTeams:
        """Make ``teams`` the dispatch teams (all of them, replacing the stored ones).

        A worker is in at most one team; every member is a stored technician. The teams
        are saved with the version loaded, so two concurrent changes conflict instead
        of putting a worker in two teams.

        Raises:
            InvalidInputError: a worker in two teams, a team id twice.
            NotFoundError: a member who is no stored technician.
            ConcurrencyConflictError: the teams changed since they were loaded.
        """
        checked = check_teams(_TEAMS.check(teams, "teams"))
        with self._open() as uow:
            for worker in sorted({m for team in checked.teams for m in team.members}):
                uow.technicians.get(worker)
            stored = uow.dispatch_teams
            if stored.get() == checked:
                return checked
            stored.save(checked, expected_version=stored.version())
            uow.commit()
        return checked

    def teams(self) -> DispatchTeams:
        """The stored dispatch teams."""
        with self._open() as uow:
            return uow.dispatch_teams.get()

    # ------------------------------------------------------------------ requirements

    def require(
        self,
        order_id: str,
        *,
        id: str,
        duration: timedelta,
        window: Interval | None = None,
        line_number: int | None = None,
        skills: Mapping[str, int] | None = None,
        territory: str | None = None,
        restricted_technician_ids: Iterable[str] = (),
        zone: ZoneInfo | str | None = None,
    ) -> Requirement:
        """Make and store the requirement of the stored order ``order_id``.

        Built by :func:`~servicedomain.dispatch.requirement_for` (the order's priority
        and preferred technician, the window given, else the order's preferred service
        time, else its planned dates as local days in ``zone``). When the order has an
        SLA and the desk was given ``slas``, the requirement's ``sla_deadline`` is the
        SLA's deadline measured now. Skill levels
        are checked against the catalog. Idempotent: an equal requirement again
        returns the stored one.

        Raises:
            NotFoundError: no such order.
            AlreadyExistsError: another requirement of this id is stored.
            InvalidInputError: the order's SLA is not among the desk's ``slas``; a
                skill not in the catalog or a level off its scale; what
                :func:`~servicedomain.dispatch.requirement_for` refuses.
        """
        is_id.check(order_id, "order_id")
        now = self._clock.now()
        with self._open() as uow:
            order = _orders(uow).get(order_id)
            deadline: datetime | None = None
            if order.sla_id is not None and self._slas is not None:
                sla = self._slas.get(order.sla_id)
                if sla is None:
                    raise InvalidInputError(
                        "slas", order.sla_id, "the order's SLA is not among the desk's slas"
                    )
                deadline = order.measure_sla(sla, now=now).deadline
            need = requirement_for(
                order,
                id=id,
                duration=duration,
                window=window,
                line_number=line_number,
                skills=skills,
                territory=territory,
                restricted_technician_ids=restricted_technician_ids,
                sla_deadline=deadline,
                zone=zone,
            )
            self._check_skills(need)
            uow.requirements.add(need)
            uow.commit()
        return need

    def _check_skills(self, need: Requirement) -> None:
        if not self._skills:
            return
        for skill_id, level in need.skills.items():
            skill = self._skills.get(skill_id)
            if skill is None:
                raise InvalidInputError(
                    f"skills[{skill_id!r}]", skill_id, "not a skill of the desk's catalog"
                )
            skill.check_level(level, f"skills[{skill_id!r}]")

    def requirement(self, requirement_id: str) -> Requirement:
        """The stored requirement ``requirement_id``.

        Raises:
            NotFoundError: no such requirement.
        """
        is_id.check(requirement_id, "requirement_id")
        with self._open() as uow:
            return uow.requirements.get(requirement_id)

    def undispatched(self) -> builtins.list[Requirement]:
        """The stored requirements without a proposed, committed or in-progress booking."""
        with self._open() as uow:
            return uow.requirements.undispatched()

    # ------------------------------------------------------------------ bookings

    def book(
        self,
        requirement_id: str,
        technician_id: str,
        *,
        id: str,
        start: datetime,
        travel: timedelta = _ZERO,
        status: BookingStatus = BookingStatus.PROPOSED,
        time_locked: bool = False,
        technician_locked: bool = False,
    ) -> Booking:
        """Book a stored technician for a stored requirement from ``start``.

        Loads the technician's stored bookings around the requirement's window and the
        new booking's time, and lets :func:`~servicedomain.dispatch.book` check the
        whole interval (travel included) against them; the commit compares and bumps
        the technician's schedule version.

        Raises:
            NotFoundError: no such requirement or technician.
            BookingConflictError: the technician may not be booked then (the reasons).
            AlreadyExistsError: another booking is stored under ``id`` (an equal one is
                returned: a retry after a lost reply).
            ConcurrencyConflictError: another unit of work booked the technician in
                between; nothing was stored (retry).
        """
        is_id.check(requirement_id, "requirement_id")
        is_id.check(technician_id, "technician_id")
        booking_id = is_id.check(id, "id")
        begin_at = is_instant.check(start, "start")
        now = self._clock.now()
        with self._open() as uow:
            need = uow.requirements.get(requirement_id)
            tech = uow.technicians.get(technician_id)
            try:
                stored = uow.bookings.get(booking_id)
            except NotFoundError:
                pass
            else:
                wanted = (need.id, tech.id, begin_at, begin_at + need.duration, travel, status)
                given = (*wanted, time_locked, technician_locked)
                if tuple(getattr(stored, name) for name in _BOOKING_FIELDS) == given:
                    return stored
                raise AlreadyExistsError("Booking", booking_id, stored.version)
            reach = _reach(travel)
            around = _hull(need.window, Interval(begin_at - reach, begin_at + need.duration))
            made, events = book(
                need,
                tech,
                uow.bookings.for_technician(tech.id, around),
                start=begin_at,
                id=booking_id,
                at=now,
                travel=travel,
                status=status,
                skills=self._catalog(),
                time_locked=time_locked,
                technician_locked=technician_locked,
            )
            uow.bookings.add(made)
            uow.collect(events)
            uow.commit()
        return made

    def _moved(
        self,
        booking_id: str,
        move: Callable[
            [DispatchUnitOfWork, Booking, Requirement], tuple[Booking, tuple[DomainEvent, ...]]
        ],
    ) -> Booking:
        is_id.check(booking_id, "booking_id")
        with self._open() as uow:
            current = uow.bookings.get(booking_id)
            need = uow.requirements.get(current.requirement_id)
            changed, events = move(uow, current, need)
            if events:
                uow.bookings.save(changed, expected_version=current.version)
                uow.collect(events)
                uow.commit()
        return changed

    def _around(
        self, uow: DispatchUnitOfWork, technician_id: str, need: Requirement, *busy: Interval
    ) -> list[Booking]:
        return uow.bookings.for_technician(technician_id, _hull(need.window, *busy))

    def reschedule(
        self, booking_id: str, *, start: datetime, travel: timedelta | None = None
    ) -> Booking:
        """Move a stored booking to ``start`` (same technician), checked on stored data.

        Raises:
            NotFoundError: no such booking.
            BookingStatusError, BookingLockedError, BookingConflictError: as
                :func:`~servicedomain.dispatch.reschedule` says.
            ConcurrencyConflictError: the booking or the technician's schedule changed
                in between; nothing was stored.
        """
        begin_at = is_instant.check(start, "start")
        _TRAVEL.check(travel, "travel")
        now = self._clock.now()

        def move(
            uow: DispatchUnitOfWork, current: Booking, need: Requirement
        ) -> tuple[Booking, tuple[DomainEvent, ...]]:
            tech = uow.technicians.get(current.technician_id)
            before = current.travel if travel is None else travel
            span = Interval(begin_at - before, begin_at + need.duration)
            known = self._around(uow, tech.id, need, span, current.busy)
            return reschedule(
                current, need, tech, known, start=begin_at, at=now, travel=travel,
                skills=self._catalog(),
            )  # fmt: skip

        return self._moved(booking_id, move)

    def reassign(
        self,
        booking_id: str,
        technician_id: str,
        *,
        start: datetime | None = None,
        travel: timedelta | None = None,
    ) -> Booking:
        """Give a stored booking to the stored technician ``technician_id``.

        The new technician's stored bookings are loaded and checked; both technicians'
        schedules are bumped on commit.

        Raises:
            NotFoundError: no such booking or technician.
            BookingStatusError, BookingLockedError, BookingConflictError,
                InvalidInputError: as :func:`~servicedomain.dispatch.reassign` says.
            ConcurrencyConflictError: the booking or a schedule changed in between.
        """
        is_id.check(technician_id, "technician_id")
        _START.check(start, "start")
        _TRAVEL.check(travel, "travel")
        now = self._clock.now()

        def move(
            uow: DispatchUnitOfWork, current: Booking, need: Requirement
        ) -> tuple[Booking, tuple[DomainEvent, ...]]:
            tech = uow.technicians.get(technician_id)
            begin_at = current.start if start is None else start
            before = current.travel if travel is None else travel
            span = Interval(begin_at - before, begin_at + need.duration)
            known = self._around(uow, tech.id, need, span)
            return reassign(
                current, need, tech, known, at=now, start=start, travel=travel,
                skills=self._catalog(),
            )  # fmt: skip

        return self._moved(booking_id, move)

    def confirm(self, booking_id: str) -> Booking:
        """Commit a stored proposal after checking its time again on stored data.

        Raises:
            NotFoundError: no such booking.
            BookingStatusError, BookingConflictError: as
                :func:`~servicedomain.dispatch.confirm` says.
            ConcurrencyConflictError: the booking or the schedule changed in between.
        """
        now = self._clock.now()

        def move(
            uow: DispatchUnitOfWork, current: Booking, need: Requirement
        ) -> tuple[Booking, tuple[DomainEvent, ...]]:
            tech = uow.technicians.get(current.technician_id)
            known = self._around(uow, tech.id, need, current.busy)
            return confirm(current, need, tech, known, at=now, skills=self._catalog())

        return self._moved(booking_id, move)

    def lock(
        self, booking_id: str, *, time: bool | None = None, technician: bool | None = None
    ) -> Booking:
        """Set the time lock and/or the technician lock of a stored booking.

        Raises:
            NotFoundError: no such booking.
        """
        if time is not None:
            is_bool.check(time, "time")
        if technician is not None:
            is_bool.check(technician, "technician")
        at = self._clock.now()
        return self._change_booking(
            booking_id, lambda b: b.lock(time=time, technician=technician, at=at)
        )

    def _status(self, booking_id: str, status: BookingStatus) -> Booking:
        at = self._clock.now()
        return self._change_booking(booking_id, lambda b: b.change_status(status, at=at))

    def start_work(self, booking_id: str) -> Booking:
        """Move a committed booking to ``in_progress``.

        Raises:
            NotFoundError: no such booking.
            BookingStatusError: the booking is not committed.
        """
        return self._status(booking_id, BookingStatus.IN_PROGRESS)

    def complete(self, booking_id: str) -> Booking:
        """Move an in-progress booking to ``completed`` (it no longer holds time).

        Raises:
            NotFoundError: no such booking.
            BookingStatusError: the booking is not in progress.
        """
        return self._status(booking_id, BookingStatus.COMPLETED)

    def cancel(self, booking_id: str) -> Booking:
        """Cancel a booking (it no longer holds time; its requirement is undispatched).

        Raises:
            NotFoundError: no such booking.
            BookingStatusError: the booking is completed or canceled already.
        """
        return self._status(booking_id, BookingStatus.CANCELED)

    # ------------------------------------------------------------------ reads

    def booking(self, booking_id: str) -> Booking:
        """The stored booking ``booking_id``.

        Raises:
            NotFoundError: no such booking.
        """
        is_id.check(booking_id, "booking_id")
        with self._open() as uow:
            return uow.bookings.get(booking_id)

    def bookings(
        self,
        *,
        technician_id: str | None = None,
        window: Interval | None = None,
        requirement_id: str | None = None,
    ) -> builtins.list[Booking]:
        """Stored bookings: of a technician over a window (both given), or of a requirement.

        Raises:
            InvalidInputError: neither ``requirement_id`` nor ``technician_id`` given,
                or both.
            TypeMismatchError: ``technician_id`` without a ``window``.
        """
        is_optional_id.check(technician_id, "technician_id")
        is_optional_id.check(requirement_id, "requirement_id")
        if requirement_id is not None:
            if technician_id is not None or window is not None:
                raise InvalidInputError(
                    "requirement_id",
                    requirement_id,
                    "give requirement_id alone, or technician_id with window",
                )
            with self._open() as uow:
                return uow.bookings.for_requirement(requirement_id)
        if technician_id is None:
            raise InvalidInputError(
                "technician_id", None, "give technician_id with window, or requirement_id"
            )
        span = _WINDOW.check(window, "window")
        with self._open() as uow:
            return uow.bookings.for_technician(technician_id, span)

    def availability(self, technician_id: str, window: Interval) -> tuple[Interval, ...]:
        """The stored technician's free time in ``window`` (law D3), from stored bookings.

        Raises:
            NotFoundError: no such technician.
        """
        is_id.check(technician_id, "technician_id")
        span = _WINDOW.check(window, "window")
        with self._open() as uow:
            tech = uow.technicians.get(technician_id)
            return availability(tech, uow.bookings.for_technician(tech.id, span), span)

    def candidates(self, requirement_id: str, *, team_id: str | None = None) -> CandidateList:
        """Who can do the stored requirement, ranked, and why the others cannot.

        The technicians considered: the members of the dispatch team ``team_id``, or
        every stored technician; their stored bookings in the requirement's window.

        Raises:
            NotFoundError: no such requirement, or a team member who is not stored.
            InvalidInputError: no team of this id.
        """
        is_id.check(requirement_id, "requirement_id")
        is_optional_id.check(team_id, "team_id")
        with self._open() as uow:
            need = uow.requirements.get(requirement_id)
            if team_id is None:
                techs = uow.technicians.list()
            else:
                team = uow.dispatch_teams.get().team(team_id)
                techs = [uow.technicians.get(worker) for worker in sorted(team.members)]
            known = [b for t in techs for b in uow.bookings.for_technician(t.id, need.window)]
            return candidates(need, techs, known, skills=self._catalog())

    # ------------------------------------------------------------------ many at once

    def auto_dispatch(
        self, *, team_id: str, window: Interval, travel: TravelEstimate = no_travel
    ) -> AutoDispatchResult:
        """Propose bookings for the undispatched work in ``window`` and store them.

        The requirements: the stored undispatched ones whose window overlaps
        ``window``; the technicians: the members of the dispatch team ``team_id``;
        the bookings: theirs over the requirements' windows and every booking of the
        requirements (so a canceled one's id is not used again).
        :func:`~servicedomain.dispatch.auto_dispatch` decides, and every proposal is
        stored in one unit of work, all or nothing, with the technicians' schedules
        bumped. A run again proposes nothing new (law D4): the requirements proposed
        are no longer undispatched.

        Raises:
            InvalidInputError: no team of this id; what
                :func:`~servicedomain.dispatch.auto_dispatch` refuses.
            NotFoundError: a team member who is not stored.
            ConcurrencyConflictError: another unit of work booked one of the
                technicians in between; nothing was stored (run again).
        """
        is_id.check(team_id, "team_id")
        span = _WINDOW.check(window, "window")
        is_callable.check(travel, "travel")
        now = self._clock.now()
        with self._open() as uow:
            team = uow.dispatch_teams.get().team(team_id)
            techs = [uow.technicians.get(worker) for worker in sorted(team.members)]
            needs = sorted(
                (need for need in uow.requirements.undispatched() if need.window.overlaps(span)),
                key=lambda need: need.id,
            )
            known: dict[str, Booking] = {}
            if needs:
                around = _hull(*(need.window for need in needs))
                for tech in techs:
                    known.update((b.id, b) for b in uow.bookings.for_technician(tech.id, around))
                for need in needs:
                    known.update((b.id, b) for b in uow.bookings.for_requirement(need.id))
            result = auto_dispatch(
                needs, techs, known.values(), at=now, travel=travel, skills=self._catalog()
            )
            if result.proposed:
                for proposal in result.proposed:
                    uow.bookings.add(proposal)
                uow.collect(result.events)
                uow.commit()
        return result
