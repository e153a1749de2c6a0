"""Why a technician cannot do a requirement: reasons as data, and the candidates found."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Final

import attrs

from servicedomain._checks import (
    deep_iterable,
    in_,
    instance_of,
    integer,
    is_bool,
    is_id,
    is_instant,
    is_optional_id,
    optional,
)
from servicedomain._enums import StrictEnum
from servicedomain.dispatch._intervals import Interval
from servicedomain.errors import InvalidInputError

_LEVEL: Final = optional(integer(minimum=1))
_INTERVAL: Final = optional(instance_of(Interval))
_DURATION: Final = optional(instance_of(timedelta))


class ReasonKind(StrictEnum):
    """The kind of a reason a technician cannot do a requirement (or a time is refused).

    ``candidates`` gives the first five; ``book`` gives the first nine;
    ``auto_dispatch`` adds ``taken_by_run``.
    """

    MISSING_SKILL = "missing_skill"
    """The technician lacks a skill, or holds it below the level needed."""
    OUTSIDE_TERRITORY = "outside_territory"
    """The technician does not serve the requirement's territory."""
    RESTRICTED = "restricted"
    """The requirement names the technician as restricted."""
    ABSENT = "absent"
    """The technician is absent for all of its working time in the window."""
    NO_FREE_SLOT = "no_free_slot"
    """No free interval in the window holds the duration (and the travel before it)."""
    OUTSIDE_WINDOW = "outside_window"
    """The interval asked for is not inside the requirement's window."""
    OUTSIDE_WORKING_TIME = "outside_working_time"
    """The interval asked for is not wholly in the technician's working time."""
    BOOKING_OVERLAP = "booking_overlap"
    """The interval asked for overlaps a committed or in-progress booking (travel included)."""
    ABSENCE_OVERLAP = "absence_overlap"
    """The interval asked for overlaps an absence of the technician."""
    TAKEN_BY_RUN = "taken_by_run"
    """The technician had a free slot, but an auto-dispatch run's own proposals took each."""


@attrs.frozen(kw_only=True)
class Reason:
    """One reason, as data a board can show; ``str()`` words it for people.

    Attributes:
        kind: what the reason is.
        skill_id: the skill missing (``missing_skill``).
        needed: the level needed (``missing_skill``).
        held: the level the technician holds (``None``: not held).
        territory: the territory (``outside_territory``).
        duration: the duration asked for (``no_free_slot``).
        interval: the window (``no_free_slot``, ``absent``, ``outside_window``,
            ``taken_by_run``) or the
            interval asked for (``outside_working_time``).
        ref_id: the booking or absence overlapped.

    >>> print(Reason(kind=ReasonKind.MISSING_SKILL, skill_id="HVAC", needed=3, held=1))
    missing skill HVAC >= 3 (has 1)
    """

    kind: ReasonKind = attrs.field(validator=in_(ReasonKind))
    skill_id: str | None = attrs.field(default=None, validator=is_optional_id)
    needed: int | None = attrs.field(default=None, validator=_LEVEL)
    held: int | None = attrs.field(default=None, validator=_LEVEL)
    territory: str | None = attrs.field(default=None, validator=is_optional_id)
    duration: timedelta | None = attrs.field(default=None, validator=_DURATION)
    interval: Interval | None = attrs.field(default=None, validator=_INTERVAL)
    ref_id: str | None = attrs.field(default=None, validator=is_optional_id)

    def __str__(self) -> str:  # noqa: PLR0911 (one wording per kind)
        kind = self.kind
        if kind is ReasonKind.MISSING_SKILL:
            has = "none" if self.held is None else str(self.held)
            return f"missing skill {self.skill_id} >= {self.needed} (has {has})"
        if kind is ReasonKind.OUTSIDE_TERRITORY:
            return f"outside territory {self.territory}"
        if kind is ReasonKind.RESTRICTED:
            return "restricted"
        if kind is ReasonKind.ABSENT:
            return f"absent for the whole window {self.interval}"
        if kind is ReasonKind.NO_FREE_SLOT:
            return f"no free slot of {self.duration} in the window {self.interval}"
        if kind is ReasonKind.OUTSIDE_WINDOW:
            return f"outside the window {self.interval}"
        if kind is ReasonKind.OUTSIDE_WORKING_TIME:
            return f"{self.interval} is not wholly in working time"
        if kind is ReasonKind.BOOKING_OVERLAP:
            return f"overlaps booking {self.ref_id}"
        if kind is ReasonKind.ABSENCE_OVERLAP:
            return f"overlaps absence {self.ref_id}"
        return "every feasible slot taken by this run"


_REASONS: Final = deep_iterable(instance_of(Reason))


def _some_reasons(instance: Exclusion, attribute: attrs.Attribute[Any], value: object) -> None:
    _REASONS(instance, attribute, value)
    if not value:
        raise InvalidInputError("reasons", value, "an excluded technician has a reason")


@attrs.frozen(kw_only=True)
class Exclusion:
    """A technician left out of the candidates, with every reason (at least one).

    >>> excluded = Exclusion(technician_id="W-2", reasons=(Reason(kind=ReasonKind.RESTRICTED),))
    >>> print(excluded)
    W-2: restricted
    """

    technician_id: str = attrs.field(validator=is_id)
    reasons: tuple[Reason, ...] = attrs.field(validator=_some_reasons)

    def __str__(self) -> str:
        return f"{self.technician_id}: " + "; ".join(str(reason) for reason in self.reasons)


# One instance per value: a reason is an immutable value, and the thousand exclusions
# of a crowd for one missing skill, or one window without a slot, say the same few.
_SHARED: Final = 4096


@lru_cache(maxsize=_SHARED)
def missing_skill(skill_id: str, needed: int, held: int | None) -> Reason:
    """The ``missing_skill`` reason (shared)."""
    return Reason(kind=ReasonKind.MISSING_SKILL, skill_id=skill_id, needed=needed, held=held)


@lru_cache(maxsize=_SHARED)
def outside_territory(territory: str) -> Reason:
    """The ``outside_territory`` reason (shared)."""
    return Reason(kind=ReasonKind.OUTSIDE_TERRITORY, territory=territory)


RESTRICTED: Final = Reason(kind=ReasonKind.RESTRICTED)
"""The ``restricted`` reason."""


@lru_cache(maxsize=_SHARED)
def absent_for(window: Interval) -> Reason:
    """The ``absent`` reason of ``window`` (shared)."""
    return Reason(kind=ReasonKind.ABSENT, interval=window)


@lru_cache(maxsize=_SHARED)
def no_free_slot(duration: timedelta, window: Interval) -> Reason:
    """The ``no_free_slot`` reason of ``duration`` in ``window`` (shared)."""
    return Reason(kind=ReasonKind.NO_FREE_SLOT, duration=duration, interval=window)


@attrs.frozen(kw_only=True)
class Candidate:
    """A technician who can do the requirement, with the parts of its rank.

    The ranking compares, in order: preferred first, the earliest start, the smaller
    load, the technician id.

    Attributes:
        technician_id: the technician.
        start: the earliest feasible start (``book`` accepts it).
        preferred: the technician is the requirement's preferred technician.
        load: the time of the technician's committed and in-progress bookings inside
            the window (their work, clipped to the window).
    """

    technician_id: str = attrs.field(validator=is_id)
    start: datetime = attrs.field(validator=is_instant)
    preferred: bool = attrs.field(validator=is_bool)
    load: timedelta = attrs.field(validator=instance_of(timedelta))

    @property
    def rank_key(self) -> tuple[bool, datetime, timedelta, str]:
        """The sort key of the ranking (smaller first)."""
        return (not self.preferred, self.start, self.load, self.technician_id)


@attrs.frozen(kw_only=True)
class CandidateList:
    """What :func:`~servicedomain.dispatch.candidates` finds for a requirement.

    Attributes:
        requirement_id: the requirement.
        ranked: the candidates, best first.
        excluded: every technician left out, with its reasons, in technician-id order.
    """

    requirement_id: str = attrs.field(validator=is_id)
    ranked: tuple[Candidate, ...] = attrs.field(validator=deep_iterable(instance_of(Candidate)))
    excluded: tuple[Exclusion, ...] = attrs.field(validator=deep_iterable(instance_of(Exclusion)))

    @property
    def best(self) -> Candidate | None:
        """The first candidate, or ``None`` when there is none."""
        return self.ranked[0] if self.ranked else None

    def reasons_for(self, technician_id: str) -> tuple[Reason, ...]:
        """The reasons ``technician_id`` is left out (empty for a candidate or a stranger)."""
        wanted = is_id.check(technician_id, "technician_id")
        for exclusion in self.excluded:
            if exclusion.technician_id == wanted:
                return exclusion.reasons
        return ()
