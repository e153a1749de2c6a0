"""The dispatch store contract on memory, SQLite and PostgreSQL; the PostgreSQL exclusion
constraint; two OS processes booking one technician at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from servicedomain.adapters.sql import SqlStore, SqlUnitOfWork, open_store
from servicedomain.errors import ConcurrencyConflictError
from servicedomain.ports import DispatchUnitOfWork, EventPublisher
from servicedomain.testing.dispatch_contracts import DispatchStoreContract
from test_sql_contracts import PostgresqlStores, SqliteStores


class MemoryStores:
    def make_store(self) -> InMemoryStore:
        return InMemoryStore()

    def new_unit_of_work(self, store: InMemoryStore) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(store)

    def publishing_unit_of_work(
        self, store: InMemoryStore, publisher: EventPublisher
    ) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(store, publisher=publisher)


class SqlPublishing:
    def publishing_unit_of_work(self, store: SqlStore, publisher: EventPublisher) -> SqlUnitOfWork:
        return SqlUnitOfWork(store, publisher=publisher)


class TestInMemoryDispatchStore(
    MemoryStores, DispatchStoreContract[InMemoryStore, InMemoryUnitOfWork]
):
    pass


class TestSqliteDispatchStore(
    SqliteStores, SqlPublishing, DispatchStoreContract[SqlStore, SqlUnitOfWork]
):
    pass


class TestPostgresqlDispatchStore(
    PostgresqlStores, SqlPublishing, DispatchStoreContract[SqlStore, SqlUnitOfWork]
):
    pass


def test_the_memory_and_sql_units_of_work_are_dispatch_units_of_work(tmp_path: Path) -> None:
    assert isinstance(InMemoryUnitOfWork(InMemoryStore()), DispatchUnitOfWork)
    store = open_store(f"sqlite:///{tmp_path}/x.db", create_tables=True)
    try:
        assert isinstance(store.unit_of_work(), DispatchUnitOfWork)
    finally:
        store.dispose()


def _racing_writes_through_any_repository(new: Callable[[], Any]) -> None:
    """A booking written through the generic repository of bookings bumps the schedule."""
    from datetime import UTC, datetime, timedelta

    from servicedomain.dispatch import Booking, BookingStatus, Interval

    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    booking = Booking(
        id="B-1", version=1, requirement_id="RQ-1", technician_id="W-1", start=at,
        end=at + timedelta(hours=1), status=BookingStatus.COMMITTED,
    )  # fmt: skip
    reader = new()
    with reader:
        reader.bookings.for_technician("W-1", Interval(at, at + timedelta(hours=1)))
        with new() as writer:
            writer.repository(Booking).add(booking)
            writer.commit()
        reader.bookings.add(attrs.evolve(booking, id="B-2"))
        with pytest.raises(ConcurrencyConflictError):
            reader.commit()


def test_a_booking_added_through_the_generic_repository_conflicts_too_in_memory() -> None:
    store = InMemoryStore()
    _racing_writes_through_any_repository(lambda: InMemoryUnitOfWork(store))


def test_a_booking_added_through_the_generic_repository_conflicts_too_on_sqlite(
    tmp_path: Path,
) -> None:
    store = open_store(f"sqlite:///{tmp_path}/x.db", create_tables=True)
    try:
        _racing_writes_through_any_repository(store.unit_of_work)
    finally:
        store.dispose()
