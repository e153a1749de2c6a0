"""Dispatch teams: the workers a dispatcher sees together (AX ``SMADispatchTeamTable``).

A worker is in at most one team (AX's ``SMADispatchWorkerSetup`` keys a worker to one
``DispatchTeamId``); :class:`DispatchTeams` holds a collection of teams and refuses a
worker in two of them, naming both teams and the worker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

import attrs

from servicedomain._checks import first_duplicate, is_id, is_ids, is_str, items_of
from servicedomain.errors import InvalidInputError


def _members(value: object) -> frozenset[str]:
    return frozenset(is_ids.check(value, "members"))


@attrs.frozen
class DispatchTeam:
    """A dispatch team: an id, a description and its members (worker ids).

    >>> DispatchTeam("NORTH", members=["W-1", "W-2"]).members == {"W-1", "W-2"}
    True
    """

    id: str = attrs.field(validator=is_id)
    description: str = attrs.field(default="", validator=is_str, kw_only=True)
    members: frozenset[str] = attrs.field(factory=frozenset, converter=_members, kw_only=True)


_TEAMS: Final = items_of(DispatchTeam)


def _teams(value: object) -> tuple[DispatchTeam, ...]:
    given = _TEAMS.check(value, "teams")
    return tuple(sorted(given, key=lambda team: team.id))


@attrs.frozen
class DispatchTeams:
    """A collection of dispatch teams in which a worker is in at most one team.

    Raises:
        InvalidInputError: a team id twice (field ``"teams"``), or a worker in two teams
            (field ``"teams"``, value the worker; the reason names both teams).

    >>> teams = DispatchTeams([DispatchTeam("N", members=["W-1"]), DispatchTeam("S")])
    >>> teams.team_of("W-1").id, teams.team_of("W-9")
    ('N', None)
    >>> both = [DispatchTeam("N", members=["W-1"]), DispatchTeam("S", members=["W-1"])]
    >>> DispatchTeams(both)
    Traceback (most recent call last):
    servicedomain.errors.InvalidInputError: teams='W-1': worker 'W-1' is in team 'N' and in ...
    """

    teams: tuple[DispatchTeam, ...] = attrs.field(default=(), converter=_teams)
    _by_worker: Mapping[str, str] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        repeated = first_duplicate(team.id for team in self.teams)
        if repeated is not None:
            raise InvalidInputError("teams", repeated, "a team id is given once")
        by_worker: dict[str, str] = {}
        for team in self.teams:
            for worker in sorted(team.members):
                other = by_worker.get(worker)
                if other is not None:
                    raise InvalidInputError(
                        "teams",
                        worker,
                        f"worker {worker!r} is in team {other!r} and in team {team.id!r}; "
                        "a worker is in at most one dispatch team",
                    )
                by_worker[worker] = team.id
        object.__setattr__(self, "_by_worker", MappingProxyType(by_worker))

    def team_of(self, worker_id: str) -> DispatchTeam | None:
        """The team of ``worker_id``, or ``None`` when the worker is in no team."""
        team_id = self._by_worker.get(is_id.check(worker_id, "worker_id"))
        return None if team_id is None else self.team(team_id)

    def team(self, team_id: str) -> DispatchTeam:
        """The team ``team_id``.

        Raises:
            InvalidInputError: no team of this id.
        """
        wanted = is_id.check(team_id, "team_id")
        for team in self.teams:
            if team.id == wanted:
                return team
        raise InvalidInputError("team_id", wanted, "no dispatch team of this id")


def check_teams(teams: Iterable[DispatchTeam]) -> DispatchTeams:
    """The teams as :class:`DispatchTeams`, refusing a worker in two teams.

    Raises:
        InvalidInputError: as :class:`DispatchTeams` does.
    """
    return DispatchTeams(teams)
