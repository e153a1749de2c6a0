"""Who can do a requirement, ranked, and why every other technician cannot (private)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final, NamedTuple

from servicedomain._checks import first_duplicate, instance_of, items_of
from servicedomain.dispatch._availability import (
    Held,
    WorkingTime,
    absent,
    check_bookings,
    free_pairs,
    held_by,
)
from servicedomain.dispatch._bookings import Booking
from servicedomain.dispatch._checking import catalog_of, check_scales, eligibility, is_eligible
from servicedomain.dispatch._intervals import Interval, is_travel, subtract
from servicedomain.dispatch._reasons import (
    Candidate,
    CandidateList,
    Exclusion,
    Reason,
    absent_for,
    no_free_slot,
)
from servicedomain.dispatch._requirements import Requirement
from servicedomain.dispatch._skills import Skill
from servicedomain.dispatch._technicians import Technician
from servicedomain.errors import InvalidInputError

_REQUIREMENT: Final = instance_of(Requirement)
_TECHNICIAN: Final = instance_of(Technician)
_TECHNICIANS: Final = items_of(Technician)
_ZERO: Final = timedelta(0)


def earliest_start(
    requirement: Requirement,
    technician: Technician,
    bookings: Iterable[Booking],
    *,
    travel: timedelta = _ZERO,
) -> datetime | None:
    """The earliest start at which ``technician`` is free for the work (``None``: none).

    The time the work takes, ``[start - travel, start + duration)``, must lie in one
    free interval of :func:`availability` and the work inside the window. Skills,
    territory and restrictions are not looked at (:func:`candidates` does).

    Raises:
        TypeMismatchError: an argument of the wrong type (a float travel included).
    """
    need = _REQUIREMENT.check(requirement, "requirement")
    tech = _TECHNICIAN.check(technician, "technician")
    held = held_by(tech, check_bookings(bookings))
    return _first_start(need, tech, held, is_travel.check(travel, "travel"))


def _first_start(
    requirement: Requirement,
    technician: Technician,
    held: Sequence[Booking],
    travel: timedelta,
    times: WorkingTime | None = None,
) -> datetime | None:
    """:func:`earliest_start`, unchecked, over the technician's blocking bookings ``held``."""
    window = requirement.window
    search = Interval(window.start - travel, window.end)
    worked = None if times is None else times.of(technician, search)
    return _fit(requirement, free_pairs(technician, held, search, worked), travel)


def _fit(
    requirement: Requirement, free: Iterable[tuple[datetime, datetime]], travel: timedelta
) -> datetime | None:
    """The earliest start in ``free`` (pairs from the window less travel): travel, then work."""
    window = requirement.window
    duration = requirement.duration
    for free_start, free_end in free:
        start = max(free_start + travel, window.start)
        if start + duration <= min(free_end, window.end):
            return start
    return None


def _load(held: Sequence[Booking], window: Interval) -> timedelta:
    total = _ZERO
    for booking in held:
        start, end = max(booking.start, window.start), min(booking.end, window.end)
        if start < end:
            total += end - start
    return total


def _no_slot(
    requirement: Requirement, technician: Technician, search: Interval, times: WorkingTime
) -> Reason:
    """Why no slot: absent for all of the working time in ``search``, or no free slot."""
    window = requirement.window
    worked = times.of(technician, search)
    if worked and not subtract(worked, absent(technician)):
        return absent_for(window)
    return no_free_slot(requirement.duration, window)


def candidates(
    requirement: Requirement,
    technicians: Iterable[Technician],
    bookings: Iterable[Booking],
    *,
    skills: Mapping[str, Skill] | Iterable[Skill] | None = None,
    travel: timedelta = _ZERO,
) -> CandidateList:
    """The technicians who can do ``requirement``, ranked, and why the others cannot.

    Every technician is either a candidate or excluded with every reason that applies
    (law D5): a missing skill or level, outside the territory, restricted, and, for
    time, absent for all of its working time in the window or no free slot of the
    duration in the window (with ``travel`` before the work, as :func:`book` checks).
    A candidate's start is the earliest at which :func:`book` accepts it.

    The ranking is deterministic and does not depend on the order of the inputs: the
    preferred technician first, then the earliest start, then the smaller load
    (the time of its committed and in-progress bookings inside the window), then the
    technician id.

    Args:
        requirement: the work to dispatch.
        technicians: the technicians to consider (each id once).
        bookings: the bookings known (any technician's).
        skills: the skills with their scales (``None``: no scale check).
        travel: the travel time before the work.

    Raises:
        InvalidInputError: a technician id twice; with ``skills``, a skill the
            requirement names that is not among them (``UnknownCodeError``) or a level
            off its scale.
        TypeMismatchError: an argument of the wrong type (a float travel included).
    """
    need = _REQUIREMENT.check(requirement, "requirement")
    people = _TECHNICIANS.check(technicians, "technicians")
    repeated = first_duplicate(tech.id for tech in people)
    if repeated is not None:
        raise InvalidInputError("technicians", repeated, "a technician is given once")
    given = check_bookings(bookings)
    before = is_travel.check(travel, "travel")
    catalog = catalog_of(skills)
    free, excluded = assess(
        need,
        sorted(people, key=lambda one: one.id),
        held_of(people, given),
        travel=before,
        catalog=catalog,
        times=WorkingTime(),
        explain=True,
    )
    ranked = [
        Candidate(
            technician_id=one.technician_id, start=one.start, preferred=one.preferred, load=one.load
        )
        for one in free
    ]
    ranked.sort(key=lambda candidate: candidate.rank_key)
    return CandidateList(requirement_id=need.id, ranked=tuple(ranked), excluded=tuple(excluded))


class Free(NamedTuple):
    """A technician free for a requirement: a :class:`Candidate`'s fields, not yet built."""

    technician_id: str
    start: datetime
    preferred: bool
    load: timedelta


def held_of(technicians: Iterable[Technician], bookings: Iterable[Booking]) -> dict[str, Held]:
    """Each technician's :class:`Held`: the bookings that hold time (committed, in progress)."""
    holding: dict[str, list[Booking]] = {}
    for booking in bookings:
        if booking.blocks:
            holding.setdefault(booking.technician_id, []).append(booking)
    return {tech.id: Held(tech, holding.get(tech.id, ())) for tech in technicians}


def assess(
    requirement: Requirement,
    technicians: Sequence[Technician],
    holding: Mapping[str, Held],
    *,
    travel: timedelta,
    catalog: Mapping[str, Skill] | None,
    times: WorkingTime,
    explain: bool,
) -> tuple[list[Free], list[Exclusion]]:
    """:func:`candidates` unchecked: who is free (unranked) and, to ``explain``, who is not.

    ``technicians`` in id order, each once; ``holding`` from :func:`held_of`. The
    requirement's levels are checked against ``catalog`` (and so are a technician's,
    as :func:`candidates` does). Without ``explain`` no :class:`Exclusion` is built and
    the free time of a technician who may not do the work is not looked at: what
    ``auto_dispatch`` asks for each requirement, and again with ``explain`` only when
    nobody is free.
    """
    check_scales(requirement, catalog)
    free: list[Free] = []
    excluded: list[Exclusion] = []
    preferred = requirement.preferred_technician_id
    window = requirement.window
    search = Interval(window.start - travel, window.end)
    for tech in technicians:
        if explain:
            reasons = eligibility(requirement, tech, catalog)
        elif not is_eligible(requirement, tech, catalog):
            continue
        else:
            reasons = []
        held = holding[tech.id]
        start = _fit(requirement, held.free(times.of(tech, search)), travel)
        if start is None:
            if explain:
                reasons.append(_no_slot(requirement, tech, search, times))
                excluded.append(Exclusion(technician_id=tech.id, reasons=tuple(reasons)))
            continue
        if reasons:
            excluded.append(Exclusion(technician_id=tech.id, reasons=tuple(reasons)))
            continue
        free.append(Free(tech.id, start, tech.id == preferred, _load(held.bookings, window)))
    return free, excluded
