"""Auto-dispatch: a deterministic greedy heuristic that proposes bookings (private).

The heuristic of issue 17 item 8 (D.3 item 4): requirements in EDF order, each placed
at the earliest feasible slot of its best candidate, every placement made by
:func:`~servicedomain.dispatch.book`. It reuses the assessment of :func:`candidates`
for who may do the work and when (its arguments checked once, for the whole run, not
once per requirement); it checks nothing of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

import attrs

from servicedomain._checks import (
    deep_iterable,
    first_duplicate,
    instance_of,
    is_callable,
    is_id,
    items_of,
    optional,
)
from servicedomain.dispatch._availability import Held, WorkingTime, check_bookings
from servicedomain.dispatch._booking import book
from servicedomain.dispatch._bookings import Booking
from servicedomain.dispatch._candidates import Free, assess, held_of
from servicedomain.dispatch._checking import catalog_of
from servicedomain.dispatch._intervals import is_travel
from servicedomain.dispatch._reasons import Exclusion, Reason, ReasonKind
from servicedomain.dispatch._requirements import Requirement
from servicedomain.dispatch._skills import Skill
from servicedomain.dispatch._statuses import BookingStatus
from servicedomain.dispatch._technicians import Technician
from servicedomain.errors import InvalidInputError
from servicedomain.events import DomainEvent
from servicedomain.instants import require_instant
from servicedomain.sla import Priority

_ZERO: Final = timedelta(0)
_REQUIREMENTS: Final = items_of(Requirement)
_TECHNICIANS: Final = items_of(Technician)
_IDS: Final = optional(is_callable)
_TECHNICIAN: Final = instance_of(Technician)
_REQUIREMENT: Final = instance_of(Requirement)
_RANK: Final = {priority: rank for rank, priority in enumerate(Priority)}


class TravelEstimate(Protocol):
    """How long ``technician`` travels to ``requirement`` (a timedelta >= 0)."""

    def __call__(self, technician: Technician, requirement: Requirement, /) -> timedelta:
        """The travel time before the work."""


def no_travel(technician: Technician, requirement: Requirement, /) -> timedelta:
    """The default travel estimate: zero.

    A straight-line estimate needs locations, and neither a :class:`Requirement` nor a
    :class:`Technician` has one; a host that knows them passes its own estimate.

    Raises:
        TypeMismatchError: ``technician`` or ``requirement`` of the wrong type.
    """
    _TECHNICIAN.check(technician, "technician")
    _REQUIREMENT.check(requirement, "requirement")
    return _ZERO


@attrs.frozen(kw_only=True)
class Unplaced:
    """A requirement :func:`auto_dispatch` could not place, and why.

    Attributes:
        requirement_id: the requirement.
        exclusions: every technician's :class:`Exclusion` from
            :func:`~servicedomain.dispatch.candidates`, in technician-id order; a
            technician who was free before the run and whose every feasible slot the
            run's own proposals took also has a ``taken_by_run`` reason.
    """

    requirement_id: str = attrs.field(validator=is_id)
    exclusions: tuple[Exclusion, ...] = attrs.field(validator=deep_iterable(instance_of(Exclusion)))

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """Every reason of every technician, in technician-id order."""
        return tuple(reason for exclusion in self.exclusions for reason in exclusion.reasons)

    def __str__(self) -> str:
        told = "; ".join(f"[{exclusion}]" for exclusion in self.exclusions)
        return f"{self.requirement_id}: {told or 'no technicians'}"


@attrs.frozen(kw_only=True)
class AutoDispatchResult:
    """What :func:`auto_dispatch` proposes.

    Attributes:
        proposed: the new ``proposed`` bookings, in the order they were placed (the
            EDF order), each made by :func:`~servicedomain.dispatch.book`.
        events: their :class:`~servicedomain.dispatch.BookingCreated` events.
        unplaced: the requirements not placed, with their reasons, in EDF order.
        already_booked: the ids of the requirements skipped because a booking of them
            is proposed, committed, in progress or completed, in id order.
    """

    proposed: tuple[Booking, ...] = attrs.field(validator=deep_iterable(instance_of(Booking)))
    events: tuple[DomainEvent, ...] = attrs.field(validator=deep_iterable(instance_of(DomainEvent)))
    unplaced: tuple[Unplaced, ...] = attrs.field(validator=deep_iterable(instance_of(Unplaced)))
    already_booked: tuple[str, ...] = attrs.field(validator=deep_iterable(is_id))


def _urgency(requirement: Requirement) -> tuple[bool, datetime | None, int, str]:
    """The order :func:`auto_dispatch` places requirements in (smaller first).

    The earliest SLA deadline first (none last), then priority (high first), then id.
    """
    deadline = requirement.sla_deadline
    return (deadline is None, deadline, _RANK[requirement.priority], requirement.id)


def _holding(booking: Booking) -> Booking:
    """``booking`` as the run sees it: a proposal holds time (as if committed)."""
    if booking.status is BookingStatus.PROPOSED:
        return attrs.evolve(booking, status=BookingStatus.COMMITTED)
    return booking


def _slack(requirement: Requirement, free: Free) -> timedelta:
    if requirement.sla_deadline is None:
        return _ZERO
    return requirement.sla_deadline - (free.start + requirement.duration)


@attrs.frozen
class _Rules:
    """The run's travel estimate and skill catalog, checked once."""

    travel: TravelEstimate
    skills: Mapping[str, Skill] | None


Groups = list[tuple[timedelta, Sequence[Technician]]]
Holding = Mapping[str, Held]


def _groups(
    requirement: Requirement,
    technicians: Sequence[Technician],
    ordered: Sequence[Technician],
    rules: _Rules,
) -> Groups:
    """The technicians by their travel to ``requirement``, each group in id order.

    ``technicians`` as given (the estimate is asked in that order), ``ordered`` the
    same in id order.
    """
    if rules.travel is no_travel:  # zero for every technician (all checked already)
        return [(_ZERO, ordered)]
    by_travel: dict[timedelta, list[Technician]] = {}
    for tech in technicians:
        travel = is_travel.check(rules.travel(tech, requirement), "travel")
        by_travel.setdefault(travel, []).append(tech)
    if len(by_travel) == 1:
        return [(travel, ordered) for travel in by_travel]
    return [(travel, sorted(group, key=lambda one: one.id)) for travel, group in by_travel.items()]


def _found(
    requirement: Requirement,
    groups: Groups,
    holding: Holding,
    rules: _Rules,
    times: WorkingTime,
    *,
    explain: bool,
) -> tuple[list[tuple[Free, timedelta]], list[Exclusion]]:
    """Who is free, with their travel, and (to ``explain``) the exclusions: per travel group.

    What :func:`~servicedomain.dispatch.candidates` finds for each group, unchecked.
    """
    ranked: list[tuple[Free, timedelta]] = []
    excluded: list[Exclusion] = []
    for travel, group in groups:
        free, out = assess(
            requirement,
            group,
            holding,
            travel=travel,
            catalog=rules.skills,
            times=times,
            explain=explain,
        )
        ranked.extend((one, travel) for one in free)
        excluded.extend(out)
    excluded.sort(key=lambda exclusion: exclusion.technician_id)
    return ranked, excluded


def _score(requirement: Requirement, placed: tuple[Free, timedelta]) -> tuple[Any, ...]:
    free, travel = placed
    return (not free.preferred, -_slack(requirement, free), travel, free.load, free.technician_id)


def _unplaced(
    requirement: Requirement,
    groups: Groups,
    holding: Holding,
    before: Holding,
    *,
    rules: _Rules,
    times: WorkingTime,
) -> Unplaced:
    _, excluded = _found(requirement, groups, holding, rules, times, explain=True)
    found_before, _ = _found(requirement, groups, before, rules, times, explain=False)
    free_before = {free.technician_id for free, _ in found_before}
    taken = Reason(kind=ReasonKind.TAKEN_BY_RUN, interval=requirement.window)
    exclusions = tuple(
        Exclusion(technician_id=one.technician_id, reasons=(*one.reasons, taken))
        if one.technician_id in free_before
        else one
        for one in excluded
    )
    return Unplaced(requirement_id=requirement.id, exclusions=exclusions)


def _default_id(requirement: Requirement, taken: set[str]) -> str:
    number = 1
    while f"{requirement.id}-{number}" in taken:
        number += 1
    return f"{requirement.id}-{number}"


def _booking_id(
    requirement: Requirement, ids: Callable[[Requirement], str] | None, taken: set[str]
) -> str:
    if ids is None:
        return _default_id(requirement, taken)
    chosen = is_id.check(ids(requirement), "ids")
    if chosen in taken:
        raise InvalidInputError(
            "ids", chosen, f"the booking id for {requirement.id!r} is a booking's already"
        )
    return chosen


def _once(values: Iterable[str], field: str, what: str) -> None:
    repeated = first_duplicate(values)
    if repeated is not None:
        raise InvalidInputError(field, repeated, f"{what} is given once")


def auto_dispatch(
    requirements: Iterable[Requirement],
    technicians: Iterable[Technician],
    bookings: Iterable[Booking],
    *,
    at: datetime,
    travel: TravelEstimate = no_travel,
    skills: Mapping[str, Skill] | Iterable[Skill] | None = None,
    ids: Callable[[Requirement], str] | None = None,
) -> AutoDispatchResult:
    """Propose a booking for every requirement it can place: a deterministic greedy heuristic.

    The rules:

    * Requirements are placed one by one in EDF order: the earliest
      SLA deadline first (none last), then priority (high first), then id. One that
      already has a booking that is not canceled (proposed, committed, in progress or
      completed) is skipped and listed in ``already_booked``.
    * Each goes to the earliest feasible start (:attr:`Candidate.start`) of its best
      candidate from :func:`~servicedomain.dispatch.candidates`, scored in order: the
      preferred technician; the SLA slack (the deadline minus the booking's end, more
      is better; none without a deadline); less travel (``travel``); the smaller
      load (booked time in the window); the technician id.
    * Each placement is made by :func:`~servicedomain.dispatch.book`, status
      ``proposed``, so the whole interval, travel included, is checked.
    * For the run, proposals hold time: the proposals among ``bookings`` and the
      run's own, as if committed, so the run never double-books a proposal; the domain
      rule for everyone else (only committed and in-progress bookings hold time) does
      not change. No booking given is moved: locked or not, committed or proposed,
      each keeps its time and technician.
    * A requirement it cannot place is in ``unplaced`` with every technician's
      exclusion; a technician who was free before the run and whose slots the run's
      own proposals took has a ``taken_by_run`` reason too.

    The result does not depend on the order of the inputs (law D4), and a second run
    with the proposals added to ``bookings`` proposes nothing (law D4).

    Args:
        requirements: the requirements to place (each id once).
        technicians: the technicians to consider (each id once).
        bookings: the bookings known, any technician's (each id once).
        at: when the proposals are made (their ``recorded_at``).
        travel: the :class:`TravelEstimate` (default :func:`no_travel`): the travel
            before the work, booked and checked with it (the booking holds
            ``[start - travel, end)``) and scored (less is better).
        skills: the skills with their scales, as
            :func:`~servicedomain.dispatch.candidates` takes them (``None``: levels are
            not checked against scales).
        ids: the id of the booking of a requirement; ``None``: ``"<requirement id>-1"``,
            or ``-2``, ``-3``... when that id is a booking's already.

    Returns:
        The proposals, their events, the requirements unplaced and those already
        booked.

    Raises:
        InvalidInputError: a requirement, technician or booking id twice; an ``ids``
            result that is a booking's id already; an unknown skill or a level off its
            scale (with ``skills``).
        TypeMismatchError: an argument of the wrong type, a travel estimate that is
            not a timedelta (field ``"travel"``).
        InvalidDurationError: a negative travel estimate.
        NaiveDatetimeError: ``at`` is naive.
    """
    instant = require_instant(at, "at")
    needs = _REQUIREMENTS.check(requirements, "requirements")
    _once((need.id for need in needs), "requirements", "a requirement")
    people = _TECHNICIANS.check(technicians, "technicians")
    _once((tech.id for tech in people), "technicians", "a technician")
    given = check_bookings(bookings)
    _once((booking.id for booking in given), "bookings", "a booking")
    rules = _Rules(is_callable.check(travel, "travel"), catalog_of(skills))
    naming = _IDS.check(ids, "ids")
    by_id = {tech.id: tech for tech in people}
    ordered = sorted(people, key=lambda one: one.id)
    booked = {b.requirement_id for b in given if b.status is not BookingStatus.CANCELED}
    before = held_of(people, [_holding(booking) for booking in given])
    holding = held_of(people, [_holding(booking) for booking in given])
    times = WorkingTime()
    taken = {booking.id for booking in given}
    proposed: list[Booking] = []
    events: list[DomainEvent] = []
    unplaced: list[Unplaced] = []
    for need in sorted(needs, key=_urgency):
        if need.id in booked:
            continue
        groups = _groups(need, people, ordered, rules)
        ranked, _ = _found(need, groups, holding, rules, times, explain=False)
        if not ranked:
            unplaced.append(_unplaced(need, groups, holding, before, rules=rules, times=times))
            continue
        best, before_work = min(ranked, key=lambda placed: _score(need, placed))
        booking_id = _booking_id(need, naming, taken)
        held = holding[best.technician_id]
        booking, made = book(  # the technician's held bookings: book ignores the others
            need,
            by_id[best.technician_id],
            held.bookings,
            start=best.start,
            id=booking_id,
            at=instant,
            travel=before_work,
            skills=rules.skills,
        )
        proposed.append(booking)
        events.extend(made)
        held.add(_holding(booking))
        taken.add(booking_id)
    return AutoDispatchResult(
        proposed=tuple(proposed),
        events=tuple(events),
        unplaced=tuple(unplaced),
        already_booked=tuple(sorted(need.id for need in needs if need.id in booked)),
    )
