"""The one-unit-of-work step the application objects share: load, decide, save, commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

from servicedomain._checks import (
    port,
)
from servicedomain.events import DomainEvent
from servicedomain.ports import Entity, Repository, UnitOfWork

# What a unit of work made by a host's factory must have.
UOW_METHODS = ("__enter__", "__exit__", "commit", "collect")

_UOW: Final = port(*UOW_METHODS)

UnitOfWorkT = TypeVar("UnitOfWorkT", bound=UnitOfWork)
EntityT = TypeVar("EntityT", bound=Entity)


def begin(factory: Callable[[], UnitOfWorkT], field: str) -> UnitOfWorkT:
    """A new unit of work from the host's ``factory``, checked to be one (``field`` named)."""
    uow = factory()
    _UOW.check(uow, field)
    return uow


def change_stored(
    uow: UnitOfWorkT,
    repository: Callable[[UnitOfWorkT], Repository[EntityT]],
    entity_id: str,
    decide: Callable[[EntityT], tuple[EntityT, tuple[DomainEvent, ...]]],
    also: Callable[[UnitOfWorkT, EntityT, EntityT], object] | None = None,
) -> EntityT:
    """One unit of work: load ``entity_id``, decide, save it with the version loaded, commit.

    A decision with no events changed nothing: nothing is saved and nothing committed.
    ``also(uow, before, after)``, when given, is what else the change writes, in the same
    unit of work before the commit (all or nothing).
    """
    with uow:
        stored = repository(uow)
        current = stored.get(entity_id)
        changed, events = decide(current)
        if events:
            stored.save(changed, expected_version=current.version)
            uow.collect(events)
            if also is not None:
                also(uow, current, changed)
            uow.commit()
    return changed
