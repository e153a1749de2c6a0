"""What the billing tests share: the instant of their operations, its clock, a watched
UoW, and a billing desk over one given unit of work."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime

from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryEventPublisher, InMemoryStore
from servicedomain.adapters.sql import SqlStore, SqlUnitOfWork
from servicedomain.app import BillingDesk
from servicedomain.billing import AccrualEntry, PriceTable, SubscriptionGroup
from servicedomain.events import DomainEvent
from servicedomain.ports import BillingUnitOfWork, Clock, Journal

AT = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
"""The instant of every billing operation of the tests (events carry it)."""

CLOCK = FixedClock(AT)
"""A clock at :data:`AT`, for the billing desks (never advanced by a test)."""


def billing_desk_over(
    uow: BillingUnitOfWork,
    clock: Clock = CLOCK,
    *,
    groups: Mapping[str, SubscriptionGroup] | SubscriptionGroup | None = None,
    prices: PriceTable | None = None,
    journal: Journal[AccrualEntry] | None = None,
    invoice_prefix: str = "INV",
    credit_note_prefix: str = "CN",
    closed: Callable[[date], bool] | None = None,
) -> BillingDesk:
    """A :class:`BillingDesk` whose every unit of work is ``uow`` (entered again each time).

    ``groups`` may be one group (the desk then knows that one only).
    """
    if isinstance(groups, SubscriptionGroup):
        groups = {groups.id: groups}
    return BillingDesk(
        unit_of_work=lambda: uow,
        clock=clock,
        groups={} if groups is None else groups,
        prices=prices,
        accrual_journal=journal,
        invoice_prefix=invoice_prefix,
        credit_note_prefix=credit_note_prefix,
        closed=closed,
    )


class _PublishedOnlyAfterCommit:
    """Checks that nothing of this unit of work is published before its commit.

    Mixed in before a unit-of-work class, whose ``collect`` and ``commit`` it watches.
    """

    watched: InMemoryEventPublisher

    def collect(self, events: Iterable[DomainEvent]) -> None:
        staged = list(events)
        super().collect(staged)  # type: ignore[misc]
        published = {id(event) for event in self.watched.published}
        # By identity: a rerun's events may equal those of an earlier commit.
        assert not {id(event) for event in staged} & published, "published before the commit"

    def commit(self) -> None:
        before = self.watched.published
        try:
            super().commit()  # type: ignore[misc]
        except BaseException:
            assert self.watched.published == before, "a failed commit published"
            raise


class PublishedOnlyAfterCommit(_PublishedOnlyAfterCommit, InMemoryBillingUnitOfWork):
    """An in-memory unit of work that checks nothing is published before its commit."""

    def __init__(self, store: InMemoryStore, *, publisher: InMemoryEventPublisher) -> None:
        super().__init__(store, publisher=publisher)
        self.watched = publisher


class SqlPublishedOnlyAfterCommit(_PublishedOnlyAfterCommit, SqlUnitOfWork):
    """A SQL unit of work that checks nothing is published before its commit."""

    def __init__(self, store: SqlStore, *, publisher: InMemoryEventPublisher) -> None:
        super().__init__(store, publisher=publisher)
        self.watched = publisher


def published_only_after_commit(
    store: InMemoryStore | SqlStore, *, publisher: InMemoryEventPublisher
) -> PublishedOnlyAfterCommit | SqlPublishedOnlyAfterCommit:
    """The watched unit of work of ``store``'s adapter."""
    if isinstance(store, InMemoryStore):
        return PublishedOnlyAfterCommit(store, publisher=publisher)
    return SqlPublishedOnlyAfterCommit(store, publisher=publisher)
