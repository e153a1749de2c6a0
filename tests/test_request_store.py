"""The request store contract on memory, SQLite and PostgreSQL (law Q1: one order per
request; Q2: one request per idempotency key of a customer)."""

from __future__ import annotations

from pathlib import Path

from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from servicedomain.adapters.sql import SqlStore, SqlUnitOfWork, open_store
from servicedomain.ports import EventPublisher, RequestUnitOfWork
from servicedomain.testing.request_contracts import RequestStoreContract
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


class TestInMemoryRequestStore(
    MemoryStores, RequestStoreContract[InMemoryStore, InMemoryUnitOfWork]
):
    pass


class TestSqliteRequestStore(
    SqliteStores, SqlPublishing, RequestStoreContract[SqlStore, SqlUnitOfWork]
):
    pass


class TestPostgresqlRequestStore(
    PostgresqlStores, SqlPublishing, RequestStoreContract[SqlStore, SqlUnitOfWork]
):
    pass


def test_the_memory_and_sql_units_of_work_are_request_units_of_work(tmp_path: Path) -> None:
    assert isinstance(InMemoryUnitOfWork(InMemoryStore()), RequestUnitOfWork)
    store = open_store(f"sqlite:///{tmp_path}/x.db", create_tables=True)
    try:
        assert isinstance(store.unit_of_work(), RequestUnitOfWork)
    finally:
        store.dispose()


def test_memory_sqlite_and_postgresql_run_every_suite_of_the_request_contracts() -> None:
    import inspect
    import sys

    from servicedomain.testing import request_contracts

    suites = [
        value
        for value in vars(request_contracts).values()
        if inspect.isclass(value) and value.__name__.endswith("Contract")
    ]
    assert suites == [RequestStoreContract]
    here = [
        value
        for value in vars(sys.modules[__name__]).values()
        if inspect.isclass(value) and value.__name__.startswith("Test")
    ]
    for store in ("InMemory", "Sqlite", "Postgresql"):
        assert any(issubclass(cls, RequestStoreContract) for cls in here if store in cls.__name__)
