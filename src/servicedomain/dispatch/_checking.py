"""The checks ``candidates`` and ``book`` share: who may do a requirement, and when (private)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from servicedomain.dispatch._availability import absent, held_by, working
from servicedomain.dispatch._bookings import Booking
from servicedomain.dispatch._intervals import Interval
from servicedomain.dispatch._reasons import (
    RESTRICTED,
    Reason,
    ReasonKind,
    missing_skill,
    outside_territory,
)
from servicedomain.dispatch._requirements import Requirement
from servicedomain.dispatch._skills import Skill, known_skill, skill_catalog
from servicedomain.dispatch._technicians import Technician


def catalog_of(skills: Mapping[str, Skill] | Iterable[Skill] | None) -> Mapping[str, Skill] | None:
    """The skill catalog given (``None``: levels are not checked against scales)."""
    return None if skills is None else skill_catalog(skills)


def check_scales(requirement: Requirement, catalog: Mapping[str, Skill] | None) -> None:
    """Every skill the requirement names is known, at a level on its scale.

    Raises:
        UnknownCodeError: a skill not in the catalog.
        InvalidInputError: a level off the skill's scale.
    """
    if catalog is None:
        return
    for skill_id, needed in requirement.skills.items():
        field = f"requirement.skills[{skill_id!r}]"
        known_skill(catalog, skill_id, field).check_level(needed, field)


def eligibility(
    requirement: Requirement, technician: Technician, catalog: Mapping[str, Skill] | None
) -> list[Reason]:
    """The reasons (skills, territory, restriction) ``technician`` may not do the work."""
    reasons: list[Reason] = []
    for skill_id, needed in requirement.skills.items():
        held = technician.skills.get(skill_id)
        if catalog is not None and held is not None:
            catalog[skill_id].check_level(held, f"technician.skills[{skill_id!r}]")
        if held is None or held < needed:
            reasons.append(missing_skill(skill_id, needed, held))
    territory = requirement.territory
    if territory is not None and territory not in technician.territories:
        reasons.append(outside_territory(territory))
    if technician.id in requirement.restricted_technician_ids:
        reasons.append(RESTRICTED)
    return reasons


def is_eligible(
    requirement: Requirement, technician: Technician, catalog: Mapping[str, Skill] | None
) -> bool:
    """Whether :func:`eligibility` is empty, no reason built (the same level checks)."""
    fit = True
    for skill_id, needed in requirement.skills.items():
        held = technician.skills.get(skill_id)
        if catalog is not None and held is not None:
            catalog[skill_id].check_level(held, f"technician.skills[{skill_id!r}]")
        if held is None or held < needed:
            fit = False
    territory = requirement.territory
    return (
        fit
        and (territory is None or territory in technician.territories)
        and technician.id not in requirement.restricted_technician_ids
    )


def time_conflicts(
    requirement: Requirement,
    technician: Technician,
    bookings: Iterable[Booking],
    *,
    start: datetime,
    travel: timedelta,
    ignore: str | None = None,
) -> list[Reason]:
    """The reasons ``[start - travel, start + duration)`` is not free for ``technician``.

    The work ``[start, end)`` must be inside the requirement's window; the time it
    takes, travel included, must lie wholly in working time (one working interval:
    slots that touch are one) and overlap no held booking (travel included: the other
    booking's ``[start - travel, end)``) and no absence. ``ignore`` is a booking id left
    out (the booking being moved).
    """
    end = start + requirement.duration
    reasons: list[Reason] = []
    if not requirement.window.contains(Interval(start, end)):
        reasons.append(Reason(kind=ReasonKind.OUTSIDE_WINDOW, interval=requirement.window))
    span = Interval(start - travel, end)
    if working(technician, span) != [(span.start, span.end)]:
        reasons.append(Reason(kind=ReasonKind.OUTSIDE_WORKING_TIME, interval=span))
    held = sorted(held_by(technician, bookings), key=lambda b: (b.start, b.id))
    reasons.extend(
        Reason(kind=ReasonKind.BOOKING_OVERLAP, ref_id=b.id)
        for b in held
        if b.id != ignore and b.busy.overlaps(span)
    )
    reasons.extend(
        Reason(kind=ReasonKind.ABSENCE_OVERLAP, ref_id=absence.id)
        for absence, (a, b) in zip(technician.absences, absent(technician), strict=True)
        if a < span.end and span.start < b
    )
    return reasons
