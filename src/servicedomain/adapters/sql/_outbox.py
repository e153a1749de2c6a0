"""The outbox: events committed with the state that caused them, for a relay to publish."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa

from servicedomain import serialization
from servicedomain._checks import is_instant
from servicedomain.adapters.memory import _check_limit
from servicedomain.adapters.sql import _schema as schema
from servicedomain.adapters.sql._store import SqlStore, chunks
from servicedomain.errors import TypeMismatchError
from servicedomain.events import DomainEvent
from servicedomain.ports import EventPublisher

__all__ = ["OutboxRecord", "SqlOutbox"]


@attrs.frozen
class OutboxRecord:
    """An event in the outbox: its position (the order events were committed in)."""

    position: int
    event: DomainEvent
    published_at: datetime | None


class SqlOutbox:
    """The events committed with the state that caused them, for a relay to publish.

    A unit of work writes its events to ``servicedomain_outbox`` in its commit
    transaction, so an event is never lost when the process dies after committing, nor
    sent for a commit that failed. :meth:`relay` hands pending events to a publisher in
    commit order and marks them published; on PostgreSQL, relays on several machines
    claim disjoint rows (``FOR UPDATE SKIP LOCKED``). Delivery is at least once: a relay
    that dies after publishing and before marking sends those events again.
    """

    def __init__(self, store: SqlStore) -> None:
        if not isinstance(store, SqlStore):
            raise TypeMismatchError("store", store, "expected a SqlStore")
        self._store = store

    def pending(self, *, limit: int = 100) -> builtins.list[OutboxRecord]:
        """The oldest events not published yet, at most ``limit``, in commit order."""
        _check_limit(limit)
        table = schema.outbox
        query = (
            sa.select(table)
            .where(table.c.published_at.is_(None))
            .order_by(table.c.position)
            .limit(limit)
        )
        with self._store._reading("read the outbox") as connection:
            return [_record(row) for row in connection.execute(query)]

    def relay(self, publisher: EventPublisher, *, at: datetime, limit: int = 100) -> int:
        """Publish up to ``limit`` pending events in commit order; mark them published ``at``.

        Returns how many were published. If ``publisher`` raises, nothing is marked and
        the error propagates (the events stay pending).

        Raises:
            NaiveDatetimeError: ``at`` is not an aware instant.
        """
        is_instant.check(at, "at")
        _check_limit(limit)
        table = schema.outbox
        with self._store._writing("relay the outbox") as connection:
            query = (
                sa.select(table)
                .where(table.c.published_at.is_(None))
                .order_by(table.c.position)
                .limit(limit)
            )
            if connection.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            records = [_record(row) for row in connection.execute(query)]
            if not records:
                return 0
            publisher.publish(tuple(record.event for record in records))
            positions = [record.position for record in records]
            for chunk in chunks(positions):
                connection.execute(
                    table.update().where(table.c.position.in_(chunk)).values(published_at=at)
                )
        return len(records)


def _record(row: Any) -> OutboxRecord:
    event = serialization.from_dict(DomainEvent, row.body)
    return OutboxRecord(row.position, event, row.published_at)
