"""The technician entity: a worker who can be dispatched (AX worker record, URS resource).

A technician has a working calendar in its own zone, skills with levels, the
territories it serves and its absences. Every operation returns the new snapshot
(version + 1) and its events; an operation dated before the last one recorded is
refused (law U2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

import attrs

from servicedomain._checks import (
    deep_mapping,
    first_duplicate,
    instance_of,
    integer,
    is_id,
    is_ids,
    is_instant,
    is_str,
    is_version,
    items_of,
    optional,
)
from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch._events import (
    TechnicianAbsenceAdded,
    TechnicianAbsenceRemoved,
    TechnicianCreated,
    TechnicianSkillAdded,
    TechnicianSkillLevelChanged,
    TechnicianSkillRemoved,
    TechnicianTerritoriesChanged,
)
from servicedomain.dispatch._intervals import Interval, utc_end, utc_start
from servicedomain.dispatch._skills import Skill, skill_catalog
from servicedomain.errors import DispatchRuleError, InstantOutOfOrderError, InvalidInputError
from servicedomain.events import DomainEvent
from servicedomain.instants import require_instant

Events = tuple[DomainEvent, ...]

_LEVEL: Final = integer(minimum=1)
_LEVELS: Final = deep_mapping(is_id, _LEVEL, reason="expected a mapping of skill id to level")
_SKILL: Final = optional(instance_of(Skill))


def skill_levels(value: object, field: str = "skills") -> Mapping[str, int]:
    """``{skill id: level}`` checked (ids, ints >= 1), read-only, in skill-id order."""
    checked = _LEVELS.check(value, field)
    return MappingProxyType(dict(sorted(checked.items())))


def _levels(value: object) -> Mapping[str, int]:
    return skill_levels(value, "skills")


def _territories(value: object) -> frozenset[str]:
    return frozenset(is_ids.check(value, "territories"))


@attrs.frozen
class Absence:
    """Time a technician is away: ``[start, end)`` with a reason (vacation, sick, training).

    Raises:
        InvalidInputError: a blank id.
        NaiveDatetimeError: a naive instant.
        InvalidPeriodError: ``end`` not after ``start``.
    """

    id: str = attrs.field(validator=is_id)
    start: datetime = attrs.field(converter=utc_start)
    end: datetime = attrs.field(converter=utc_end)
    reason: str = attrs.field(default="", validator=is_str)

    def __attrs_post_init__(self) -> None:
        Interval(self.start, self.end)  # the same check: a non-empty half-open interval

    @property
    def interval(self) -> Interval:
        """``[start, end)``."""
        return Interval(self.start, self.end)


def _absences(value: object) -> tuple[Absence, ...]:
    given = items_of(Absence).check(value, "absences")
    return tuple(sorted(given, key=lambda a: (a.start, a.end, a.id)))


@attrs.frozen
class Technician:
    """A technician: a worker with a calendar, skills, territories and absences.

    Build one with :meth:`create`; each operation returns ``(new snapshot, events)``.
    A technician's calendar is a :class:`~servicedomain.calendars.WorkingCalendar`
    (rule data) in the technician's own zone. Skill levels are ints >= 1; where the
    :class:`Skill` is given (to :meth:`create`, :meth:`add_skill`,
    :meth:`set_level`), the level is checked against its scale.

    Attributes:
        id: the worker id (AX ``Worker``).
        version: 1 when created, one more per change.
        calendar: the working calendar, in the technician's zone.
        name: the technician's name, for people.
        skills: ``{skill id: level}``, read-only, in skill-id order.
        territories: the territories the technician serves.
        absences: the absences, sorted by start (their ids distinct).
        recorded_at: the instant of the last operation.

    Raises:
        TypeMismatchError: a field of the wrong type (the field is named).
        InvalidInputError: a blank id, a level below 1, two absences of one id.

    >>> from datetime import UTC
    >>> calendar = WorkingCalendar.standard("Europe/Stockholm", id="SE-DAY")
    >>> at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    >>> tech, events = Technician.create(id="W-1", calendar=calendar, skills={"HVAC": 2}, at=at)
    >>> tech, _ = tech.set_level("HVAC", 3, at=at)
    >>> dict(tech.skills), tech.version, [e.name for e in events]
    ({'HVAC': 3}, 2, ['TechnicianCreated'])
    """

    id: str = attrs.field(validator=is_id)
    version: int = attrs.field(validator=is_version)
    calendar: WorkingCalendar = attrs.field(validator=instance_of(WorkingCalendar))
    name: str = attrs.field(default="", validator=is_str)
    skills: Mapping[str, int] = attrs.field(factory=dict, converter=_levels, hash=False)
    territories: frozenset[str] = attrs.field(factory=frozenset, converter=_territories)
    absences: tuple[Absence, ...] = attrs.field(default=(), converter=_absences)
    recorded_at: datetime | None = attrs.field(default=None, validator=optional(is_instant))

    def __attrs_post_init__(self) -> None:
        repeated = first_duplicate(absence.id for absence in self.absences)
        if repeated is not None:
            raise InvalidInputError("absences", repeated, "an absence id is on a technician once")

    # ------------------------------------------------------------------ creation

    @classmethod
    def create(
        cls,
        *,
        id: str,
        calendar: WorkingCalendar,
        at: datetime,
        name: str = "",
        skills: Mapping[str, int] | None = None,
        territories: Iterable[str] = (),
        catalog: Mapping[str, Skill] | Iterable[Skill] = (),
    ) -> tuple[Technician, Events]:
        """A new technician (version 1) with no absences yet.

        ``catalog`` lists the skills whose scales the levels are checked against (a
        skill not in it is taken at any level >= 1).

        Raises:
            NaiveDatetimeError: ``at`` is naive.
            InvalidInputError: a level off its skill's scale (``"skills['X']"``), or what
                the constructor refuses.
        """
        instant = require_instant(at, "at")
        levels = skill_levels({} if skills is None else skills)
        for skill in skill_catalog(catalog, "catalog").values():
            if skill.id in levels:
                skill.check_level(levels[skill.id], f"skills[{skill.id!r}]")
        tech = cls(
            id=id,
            version=1,
            calendar=calendar,
            name=name,
            skills=levels,
            territories=territories,
            recorded_at=instant,
        )
        event = TechnicianCreated(
            entity_id=tech.id,
            occurred_at=instant,
            technician_name=tech.name,
            calendar_id=tech.calendar.id,
            skills=tuple(tech.skills.items()),
            territories=tech.territories,
        )
        return tech, (event,)

    # ------------------------------------------------------------------ helpers

    def _dated(self, at: object) -> datetime:
        instant = require_instant(at, "at")
        if self.recorded_at is not None and instant < self.recorded_at:
            raise InstantOutOfOrderError("at", instant, self.recorded_at)
        return instant

    def _next(self, at: datetime, **changes: Any) -> Technician:
        return attrs.evolve(self, version=self.version + 1, recorded_at=at, **changes)

    def level_of(self, skill_id: str) -> int | None:
        """The technician's level of ``skill_id``, or ``None`` without the skill."""
        return self.skills.get(is_id.check(skill_id, "skill_id"))

    def absence(self, absence_id: str) -> Absence:
        """The absence ``absence_id``.

        Raises:
            InvalidInputError: the technician has no absence of this id.
        """
        wanted = is_id.check(absence_id, "absence_id")
        for absence in self.absences:
            if absence.id == wanted:
                return absence
        raise InvalidInputError("absence_id", wanted, f"no absence of this id on {self.id!r}")

    @staticmethod
    def _level(skill_id: str, level: object, skill: Skill | None) -> int:
        checked_skill = _SKILL.check(skill, "skill")
        if checked_skill is not None:
            if checked_skill.id != skill_id:
                raise InvalidInputError(
                    "skill", checked_skill.id, f"the scale given is not skill {skill_id!r}'s"
                )
            return checked_skill.check_level(level, "level")
        return _LEVEL.check(level, "level")

    # ------------------------------------------------------------------ operations

    def add_skill(
        self, skill_id: str, level: int, *, at: datetime, skill: Skill | None = None
    ) -> tuple[Technician, Events]:
        """Give the technician a skill it does not have, at ``level``.

        Raises:
            DispatchRuleError: the technician has the skill already (rule
                ``technician.skill_held``; use :meth:`set_level`).
            InvalidInputError: a level below 1, or off ``skill``'s scale.
            InstantOutOfOrderError: ``at`` is before :attr:`recorded_at` (law U2).
        """
        instant = self._dated(at)
        checked = is_id.check(skill_id, "skill_id")
        value = self._level(checked, level, skill)
        if checked in self.skills:
            raise DispatchRuleError(
                self.id,
                "technician.skill_held",
                f"skill {checked!r} is held at level {self.skills[checked]}; set its level",
            )
        event = TechnicianSkillAdded(
            entity_id=self.id, occurred_at=instant, skill_id=checked, level=value
        )
        return self._next(instant, skills={**self.skills, checked: value}), (event,)

    def set_level(
        self, skill_id: str, level: int, *, at: datetime, skill: Skill | None = None
    ) -> tuple[Technician, Events]:
        """Change the level of a skill the technician has (the same level: no change).

        Raises:
            DispatchRuleError: the technician lacks the skill (rule
                ``technician.skill_missing``; use :meth:`add_skill`).
            InvalidInputError: a level below 1, or off ``skill``'s scale.
            InstantOutOfOrderError: ``at`` is before :attr:`recorded_at` (law U2).
        """
        instant = self._dated(at)
        checked = is_id.check(skill_id, "skill_id")
        value = self._level(checked, level, skill)
        old = self.skills.get(checked)
        if old is None:
            raise DispatchRuleError(
                self.id, "technician.skill_missing", f"skill {checked!r} is not held; add it"
            )
        if old == value:
            return self, ()
        event = TechnicianSkillLevelChanged(
            entity_id=self.id, occurred_at=instant, skill_id=checked, old_level=old, level=value
        )
        return self._next(instant, skills={**self.skills, checked: value}), (event,)

    def remove_skill(self, skill_id: str, *, at: datetime) -> tuple[Technician, Events]:
        """Take a skill away from the technician.

        Raises:
            DispatchRuleError: the technician lacks the skill (``technician.skill_missing``).
            InstantOutOfOrderError: ``at`` is before :attr:`recorded_at` (law U2).
        """
        instant = self._dated(at)
        checked = is_id.check(skill_id, "skill_id")
        if checked not in self.skills:
            raise DispatchRuleError(
                self.id, "technician.skill_missing", f"skill {checked!r} is not held"
            )
        kept = {key: value for key, value in self.skills.items() if key != checked}
        event = TechnicianSkillRemoved(entity_id=self.id, occurred_at=instant, skill_id=checked)
        return self._next(instant, skills=kept), (event,)

    def set_territories(
        self, territories: Iterable[str], *, at: datetime
    ) -> tuple[Technician, Events]:
        """Make ``territories`` the ones the technician serves (the same: no change).

        Raises:
            InvalidInputError: a blank territory id.
            InstantOutOfOrderError: ``at`` is before :attr:`recorded_at` (law U2).
        """
        instant = self._dated(at)
        checked = _territories(territories)
        if checked == self.territories:
            return self, ()
        event = TechnicianTerritoriesChanged(
            entity_id=self.id, occurred_at=instant, territories=checked
        )
        return self._next(instant, territories=checked), (event,)

    def add_absence(self, absence: Absence, *, at: datetime) -> tuple[Technician, Events]:
        """Record an absence (absences may overlap; the same absence again: no change).

        Raises:
            TypeMismatchError: ``absence`` is not an Absence.
            DispatchRuleError: another absence of the same id is recorded (rule
                ``technician.absence_conflict``).
            InstantOutOfOrderError: ``at`` is before :attr:`recorded_at` (law U2).
        """
        instant = self._dated(at)
        checked = instance_of(Absence).check(absence, "absence")
        existing = next((one for one in self.absences if one.id == checked.id), None)
        if existing == checked:
            return self, ()
        if existing is not None:
            raise DispatchRuleError(
                self.id,
                "technician.absence_conflict",
                f"absence {checked.id!r} is already {existing!r}",
            )
        event = TechnicianAbsenceAdded(
            entity_id=self.id,
            occurred_at=instant,
            absence_id=checked.id,
            start=checked.start,
            end=checked.end,
            reason=checked.reason,
        )
        return self._next(instant, absences=(*self.absences, checked)), (event,)

    def remove_absence(self, absence_id: str, *, at: datetime) -> tuple[Technician, Events]:
        """Remove the absence ``absence_id``.

        Raises:
            InvalidInputError: the technician has no absence of this id.
            InstantOutOfOrderError: ``at`` is before :attr:`recorded_at` (law U2).
        """
        instant = self._dated(at)
        removed = self.absence(absence_id)
        kept = tuple(one for one in self.absences if one.id != removed.id)
        event = TechnicianAbsenceRemoved(
            entity_id=self.id, occurred_at=instant, absence_id=removed.id
        )
        return self._next(instant, absences=kept), (event,)
