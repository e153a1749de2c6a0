"""The dispatch store contract on memory, SQLite and PostgreSQL; the PostgreSQL exclusion
constraint; two OS processes booking one technician at once."""

from __future__ import annotations

from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from servicedomain.adapters.sql import SqlStore, SqlUnitOfWork
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


def test_the_memory_and_sql_units_of_work_are_dispatch_units_of_work(tmp_path: object) -> None:
    assert isinstance(InMemoryUnitOfWork(InMemoryStore()), DispatchUnitOfWork)
    from servicedomain.adapters.sql import open_store

    store = open_store(f"sqlite:///{tmp_path}/x.db", create_tables=True)
    try:
        assert isinstance(store.unit_of_work(), DispatchUnitOfWork)
    finally:
        store.dispose()
