"""What the billing tests share: the instant of their operations, its clock, a watched UoW."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryEventPublisher, InMemoryStore
from servicedomain.events import DomainEvent

AT = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
"""The instant of every billing operation of the tests (events carry it)."""

CLOCK = FixedClock(AT)
"""A clock at :data:`AT`, for the billing services (never advanced by a test)."""


class PublishedOnlyAfterCommit(InMemoryBillingUnitOfWork):
    """Checks that nothing of this unit of work is published before its commit."""

    def __init__(self, store: InMemoryStore, *, publisher: InMemoryEventPublisher) -> None:
        super().__init__(store, publisher=publisher)
        self.watched = publisher

    def collect(self, events: Iterable[DomainEvent]) -> None:
        staged = list(events)
        super().collect(staged)
        published = self.watched.published
        assert not set(staged) & set(published), "published before the commit"

    def commit(self) -> None:
        before = self.watched.published
        try:
            super().commit()
        except BaseException:
            assert self.watched.published == before, "a failed commit published"
            raise
