"""The adapters the desk suites run on: in memory, and SQL on SQLite files (issue 13).

A desk test takes the ``stores`` fixture (parametrized ``memory`` and ``sqlite``) and
builds its stores, units of work and journals through it, so one test body checks both
adapters. Each SQLite store is a copy of one empty database made once per process (a
store costs a file copy, not a schema); the fixture closes the engines after the test.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, Generic, TypeAlias, TypeVar

import pytest
import sqlalchemy as sa

import sql_databases
from servicedomain.adapters.memory import InMemoryJournal, InMemoryStore, InMemoryUnitOfWork
from servicedomain.adapters.sql import SqlJournal, SqlStore, SqlUnitOfWork, open_store
from servicedomain.ports import EventPublisher, KeyedEntry

ADAPTERS: Final = ("memory", "sqlite") + (
    ("postgresql",) if os.environ.get("SERVICEDOMAIN_DESKS_ON_POSTGRESQL") else ()
)
"""The adapters of the ``stores`` fixture. PostgreSQL (a schema per store in one database
of the test server) is opt-in: ``SERVICEDOMAIN_DESKS_ON_POSTGRESQL=1``; it is slow."""

Store: TypeAlias = InMemoryStore | SqlStore
UnitOfWork: TypeAlias = InMemoryUnitOfWork | SqlUnitOfWork
_SCHEMAS: Final = itertools.count(1)
EntryT = TypeVar("EntryT", bound=KeyedEntry)
InnerT = TypeVar("InnerT")


@functools.cache
def _empty_sqlite() -> Path:
    """An SQLite file with every table and no rows, removed when the process ends."""
    folder = Path(tempfile.mkdtemp(prefix="servicedomain-desks-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    template = folder / "empty.db"
    store = open_store(f"sqlite:///{template}", create_tables=True)
    store.dispose()  # the last connection checkpoints the WAL into the file
    return template


RecordingJournal: TypeAlias = InMemoryJournal[EntryT] | SqlJournal[EntryT]
"""A journal of either adapter: both tell what they ``recorded``."""


def unit_of_work(store: Store, *, publisher: EventPublisher | None = None) -> UnitOfWork:
    """A new unit of work over ``store``, of its adapter (every port)."""
    if isinstance(store, InMemoryStore):
        return InMemoryUnitOfWork(store, publisher=publisher)
    return SqlUnitOfWork(store, publisher=publisher)


def journal(store: Store, prefix: str, entries: type[EntryT]) -> RecordingJournal[EntryT]:
    """A new empty journal of ``entries`` of the store's adapter (named ``prefix``).

    On SQL, two journals of one store and one prefix are the same journal.
    """
    if isinstance(store, InMemoryStore):
        return InMemoryJournal[EntryT](prefix)
    return SqlJournal(store, prefix, entries)


@functools.cache
def _postgresql_database() -> str:
    """One database of the PGHOST server for the process's stores, dropped at its end."""
    server = sql_databases.server_from_environment(os.environ)
    if server is None:
        raise RuntimeError("SERVICEDOMAIN_DESKS_ON_POSTGRESQL needs a server: set PGHOST")
    databases = sql_databases.PostgreSQLDatabases(server)
    atexit.register(databases.close)
    return server.url(databases.create())


def _postgresql_store(name: str) -> SqlStore:
    """A store in a new schema ``name`` of :func:`_postgresql_database`."""
    url = sa.make_url(_postgresql_database())
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    admin.dispose()
    in_schema = url.update_query_dict({"options": f"-csearch_path={name}"})
    return open_store(in_schema, create_tables=True)


class Stores:
    """The stores, units of work and journals of one adapter, for one test."""

    def __init__(self, adapter: str, folder: Path | None = None) -> None:
        if adapter not in ADAPTERS:
            raise ValueError(f"no such adapter: {adapter!r}")
        self.adapter = adapter
        self._folder = folder
        self._numbers = itertools.count(1)
        self._made: list[SqlStore] = []

    def new(self) -> Store:
        """A new empty store."""
        if self.adapter == "memory":
            return InMemoryStore()
        if self.adapter == "postgresql":
            store = _postgresql_store(f"s{os.getpid()}_{next(_SCHEMAS)}")
            self._made.append(store)
            return store
        assert self._folder is not None, "SQLite stores need a folder"
        path = self._folder / f"store-{next(self._numbers)}.db"
        shutil.copyfile(_empty_sqlite(), path)
        store = open_store(f"sqlite:///{path}")
        self._made.append(store)
        return store

    def unit_of_work(self, store: Store, *, publisher: EventPublisher | None = None) -> UnitOfWork:
        """A new unit of work over ``store`` (every port: orders, agreements, billing)."""
        return unit_of_work(store, publisher=publisher)

    def journal(self, store: Store, prefix: str, entries: type[EntryT]) -> RecordingJournal[EntryT]:
        """A new empty journal of ``entries`` that a unit of work over ``store`` enlists."""
        return journal(store, prefix, entries)

    def close(self) -> None:
        for store in self._made:
            store.dispose()


@pytest.fixture(params=ADAPTERS)
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    """The stores of the in-memory adapter, then of the SQL adapter on SQLite files."""
    made = Stores(request.param, tmp_path)
    yield made
    made.close()


@pytest.fixture
def sqlite_stores(tmp_path: Path) -> Iterator[Stores]:
    """The stores of the SQL adapter on SQLite files."""
    made = Stores("sqlite", tmp_path)
    yield made
    made.close()


class Wrapped(Generic[InnerT]):
    """A unit of work (or a repository) around another, which answers what this one does
    not override."""

    def __init__(self, inner: InnerT) -> None:
        self.inner = inner

    def __enter__(self) -> Any:
        inner: Any = self.inner  # a unit of work (a repository is not entered)
        inner.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        inner: Any = self.inner
        inner.__exit__(*exc_info)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
