"""Skills: characteristics a technician has, each with a rating scale (rule data).

A :class:`Skill` is AX's and URS's characteristic with a rating: an id, a description
and levels ``1..max_level`` (optionally named, ``"junior"``, ``"senior"``). A rules
file holds skills in its ``skills`` section, named by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs

from servicedomain._checks import (
    check_keys,
    deep_iterable,
    first_duplicate,
    instance_of,
    integer,
    is_id,
    is_str,
    items,
)
from servicedomain.errors import InvalidInputError, UnknownCodeError
from servicedomain.instants import require_field_name

MAX_LEVELS: Final = 100
"""The largest rating scale a skill may have."""

_MAX_LEVEL: Final = integer(minimum=1, maximum=MAX_LEVELS)
_LEVEL: Final = integer(minimum=1)
_NAMES: Final = deep_iterable(is_str, items("level names"))


def _level_names(value: object) -> tuple[str, ...]:
    return _NAMES.check(value, "level_names")


def _check_names(instance: Skill, _attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    if value and len(value) != instance.max_level:
        raise InvalidInputError(
            "level_names",
            value,
            f"name every level 1..{instance.max_level} or none ({len(value)} names given)",
        )


@attrs.frozen
class Skill:
    """A skill with a rating scale: levels ``1..max_level`` (AX/URS characteristic + rating).

    Attributes:
        id: the skill's id.
        description: what the skill is, for people.
        max_level: the top of the scale (1 for a plain yes/no skill), at most 100.
        level_names: the name of each level 1..max_level, or none.

    Raises:
        InvalidInputError: a blank id, ``max_level`` out of 1..100, a number of level
            names other than ``max_level``.

    >>> skill = Skill("HVAC", max_level=3, level_names=("junior", "skilled", "expert"))
    >>> skill.check_level(3, "level"), skill.level_name(2)
    (3, 'skilled')
    """

    id: str = attrs.field(validator=is_id)
    description: str = attrs.field(default="", validator=is_str, kw_only=True)
    max_level: int = attrs.field(default=1, validator=_MAX_LEVEL, kw_only=True)
    level_names: tuple[str, ...] = attrs.field(default=(), converter=_level_names, kw_only=True)

    def __attrs_post_init__(self) -> None:
        _check_names(self, attrs.fields(Skill).level_names, self.level_names)

    def check_level(self, level: object, field: str) -> int:
        """``level`` if it is on this skill's scale (an int in ``1..max_level``).

        Raises:
            TypeMismatchError: not an int (a bool or a float included).
            InvalidInputError: outside ``1..max_level`` (the reason names the skill).
        """
        checked = _LEVEL.check(level, require_field_name(field))
        if checked > self.max_level:
            raise InvalidInputError(
                field, level, f"skill {self.id!r} has levels 1..{self.max_level}"
            )
        return checked

    def level_name(self, level: int) -> str:
        """The name of ``level`` (its number as text when the levels have no names)."""
        checked = self.check_level(level, "level")
        return self.level_names[checked - 1] if self.level_names else str(checked)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Skill:
        """Build from a dict (a rules file's ``[skills.ID]`` table).

        Keys: ``id`` (required), ``description``, ``max_level`` (default 1),
        ``level_names`` (a list of strings).

        Raises:
            InvalidInputError: an unknown or missing key, a value of the wrong type.
        """
        optional = ("description", "max_level", "level_names")
        check_keys(data, kind="Skill", required=("id",), optional=optional)
        return cls(
            data["id"],  # type: ignore[arg-type]
            description=data.get("description", ""),  # type: ignore[arg-type]
            max_level=data.get("max_level", 1),  # type: ignore[arg-type]
            level_names=data.get("level_names", ()),
        )

    def to_dict(self) -> dict[str, object]:
        """The skill as plain data; :meth:`from_dict` reads it back to an equal one."""
        data: dict[str, object] = {"id": self.id}
        if self.description:
            data["description"] = self.description
        if self.max_level != 1:
            data["max_level"] = self.max_level
        if self.level_names:
            data["level_names"] = list(self.level_names)
        return data


_SKILL: Final = instance_of(Skill)


def skill_catalog(
    skills: Mapping[str, Skill] | Iterable[Skill], field: str = "skills"
) -> Mapping[str, Skill]:
    """The skills by id, from a mapping by id (a rules file's ``skills``) or an iterable.

    ``field`` names the argument in errors.

    Raises:
        TypeMismatchError: an item that is not a Skill.
        InvalidInputError: a skill id twice, or a mapping key that is not its skill's id.
    """
    name = require_field_name(field)
    if isinstance(skills, Mapping):
        for key, skill in skills.items():
            _SKILL.check(skill, f"{name}[{key!r}]")
            if skill.id != key:
                raise InvalidInputError(f"{name}[{key!r}]", skill.id, "a skill is keyed by its id")
        return MappingProxyType(dict(skills))
    given = deep_iterable(_SKILL, items("Skill values")).check(skills, name)
    repeated = first_duplicate(skill.id for skill in given)
    if repeated is not None:
        raise InvalidInputError(name, repeated, "a skill is given once")
    return MappingProxyType({skill.id: skill for skill in given})


def known_skill(catalog: Mapping[str, Skill], skill_id: str, field: str) -> Skill:
    """The skill ``skill_id`` of ``catalog``.

    Raises:
        UnknownCodeError: the catalog has no skill of this id.
    """
    found = catalog.get(skill_id)
    if found is None:
        raise UnknownCodeError(field, skill_id, kind="skill", known=tuple(sorted(catalog)))
    return found
