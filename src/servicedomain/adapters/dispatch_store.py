"""Requirements and dispatch teams kept as entities: what lets any repository store them.

A :class:`~servicedomain.dispatch.Requirement` is a value without a version, and the
dispatch teams are one value, :class:`~servicedomain.dispatch.DispatchTeams`. A store
keeps a requirement wrapped in a :class:`StoredRequirement` (version 1, never saved
again: an equal requirement added again is a no-op, another one under a stored id is
refused) and the teams in one :class:`StoredDispatchTeams` document under the id
:data:`TEAMS_ID`, whose version is the teams' version. :class:`StoredRequirements` and
:class:`StoredTeams` give the ports (:class:`~servicedomain.ports.RequirementRepository`,
:class:`~servicedomain.ports.DispatchTeamRepository`) over the
:class:`~servicedomain.ports.Repository` of those; the in-memory and the SQL unit of
work both use them.

Why the teams are one document: a worker is in at most one team, and the rule spans
teams. Stored whole, every write is a :class:`~servicedomain.dispatch.DispatchTeams`
(which refuses a worker in two teams) and two concurrent changes conflict on the one
version, so no interleaving stores a worker in two teams.
"""

from __future__ import annotations

import builtins
from typing import Final

import attrs

from servicedomain._checks import instance_of, integer, is_id, is_version
from servicedomain.adapters._stored_values import StoredValues
from servicedomain.dispatch import BookingStatus, DispatchTeams, Requirement
from servicedomain.errors import AlreadyExistsError, ConcurrencyConflictError, NotFoundError
from servicedomain.ports import BookingRepository, Repository

__all__ = [
    "ACTIVE_STATUSES",
    "TEAMS_ID",
    "StoredDispatchTeams",
    "StoredRequirement",
    "StoredRequirements",
    "StoredTeams",
]

TEAMS_ID: Final = "dispatch-teams"
"""The id of the one document that holds the dispatch teams."""

ACTIVE_STATUSES: Final = frozenset(
    {BookingStatus.PROPOSED, BookingStatus.COMMITTED, BookingStatus.IN_PROGRESS}
)
"""The statuses of a booking that dispatches its requirement (it is not undispatched)."""

_REQUIREMENT: Final = instance_of(Requirement)
_TEAMS: Final = instance_of(DispatchTeams)
_EXPECTED: Final = integer(minimum=0)


@attrs.frozen
class StoredRequirement:
    """A requirement as a store keeps it: its id, version 1 (a requirement is a value).

    Attributes:
        requirement: the requirement.
    """

    requirement: Requirement = attrs.field(validator=_REQUIREMENT)

    @property
    def id(self) -> str:
        """The requirement's id."""
        return self.requirement.id

    @property
    def version(self) -> int:
        """Always 1: a requirement is stored once."""
        return 1


@attrs.frozen
class StoredDispatchTeams:
    """The dispatch teams as a store keeps them: one document, versioned.

    Attributes:
        teams: the teams.
        version: 1 at the first save, one more per save.
    """

    teams: DispatchTeams = attrs.field(validator=_TEAMS)
    version: int = attrs.field(validator=is_version)

    @property
    def id(self) -> str:
        """:data:`TEAMS_ID`: there is one such document."""
        return TEAMS_ID


class StoredRequirements(StoredValues[Requirement, StoredRequirement]):
    """The :class:`~servicedomain.ports.RequirementRepository` over stored requirements.

    ``get(requirement_id)``, ``add(requirement)`` (an equal requirement again: a no-op;
    another under a stored id: :class:`~servicedomain.errors.AlreadyExistsError`),
    ``list()``, and the queries below.

    Args:
        stored: the repository of :class:`StoredRequirement` of a unit of work.
        bookings: the bookings of the same unit of work (for :meth:`undispatched`).
    """

    def __init__(self, stored: Repository[StoredRequirement], bookings: BookingRepository) -> None:
        super().__init__(
            stored,
            noun="Requirement",
            id_field="requirement_id",
            argument="requirement",
            check=_REQUIREMENT,
            wrap=StoredRequirement,
            unwrap=lambda kept: kept.requirement,
        )
        self._bookings = bookings

    def for_order(self, order_id: str) -> builtins.list[Requirement]:
        """The requirements of ``order_id``, in id order.

        Raises:
            InvalidInputError: ``order_id`` is not an id.
        """
        checked = is_id.check(order_id, "order_id")
        return [need for need in self.list() if need.order_id == checked]

    def undispatched(self) -> builtins.list[Requirement]:
        """The requirements without a proposed, committed or in-progress booking, in id order."""
        return [need for need in self.list() if not self._dispatched(need.id)]

    def _dispatched(self, requirement_id: str) -> bool:
        return any(
            booking.status in ACTIVE_STATUSES
            for booking in self._bookings.for_requirement(requirement_id)
        )


class StoredTeams:
    """The :class:`~servicedomain.ports.DispatchTeamRepository` over the one teams document.

    Args:
        stored: the repository of :class:`StoredDispatchTeams` of a unit of work.
    """

    def __init__(self, stored: Repository[StoredDispatchTeams]) -> None:
        self._stored = stored

    def _current(self) -> StoredDispatchTeams | None:
        try:
            return self._stored.get(TEAMS_ID)
        except NotFoundError:
            return None

    def get(self) -> DispatchTeams:
        """The stored teams (no teams before the first save)."""
        current = self._current()
        return DispatchTeams() if current is None else current.teams

    def version(self) -> int:
        """The teams' version: 0 before the first save."""
        current = self._current()
        return 0 if current is None else current.version

    def save(self, teams: DispatchTeams, *, expected_version: int) -> None:
        """Store ``teams``, if the stored ones are at ``expected_version`` (0: none yet).

        Raises:
            ConcurrencyConflictError: the stored teams are at another version (here, or
                on commit when a concurrent unit of work saved first).
            TypeMismatchError: ``teams`` is not a DispatchTeams, or the version not an int.
        """
        checked = _TEAMS.check(teams, "teams")
        expected = _EXPECTED.check(expected_version, "expected_version")
        stored = StoredDispatchTeams(checked, expected + 1)
        if expected == 0:
            try:
                self._stored.add(stored)
            except AlreadyExistsError as error:
                raise ConcurrencyConflictError(
                    "DispatchTeams", TEAMS_ID, expected, error.actual_version
                ) from None
            return
        self._stored.save(stored, expected_version=expected)

    def __repr__(self) -> str:
        return f"StoredTeams({self._stored!r})"
