"""Databases for the SQL adapter's tests (a stand-in until the throwaway-cluster harness lands).

Fixtures (registered in ``conftest.py``):

* ``new_postgresql_url``: a factory of fresh, empty PostgreSQL databases (URLs), on the
  server the ``PG*`` variables name (run the tests under ``pg_virtualenv``); the tests
  that use it skip where none is set.
* ``database_url``: parametrized ``sqlite`` (a file in ``tmp_path``) and ``postgresql``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_names = (f"servicedomain_test_{number}" for number in itertools.count(1))


def _server_url(database: str) -> str:
    user = os.environ.get("PGUSER", "postgres")
    password = os.environ.get("PGPASSWORD")
    auth = user if password is None else f"{user}:{password}"
    host, port = os.environ.get("PGHOST", "localhost"), os.environ.get("PGPORT", "5432")
    if host.startswith("/"):
        return f"postgresql+psycopg://{auth}@/{database}?host={host}&port={port}"
    return f"postgresql+psycopg://{auth}@{host}:{port}/{database}"


@pytest.fixture
def new_postgresql_url() -> Iterator[Callable[[], str]]:
    if "PGHOST" not in os.environ:
        pytest.skip("no PostgreSQL server: run under pg_virtualenv")
    import sqlalchemy as sa

    admin = sa.create_engine(_server_url("postgres"), isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def new() -> str:
        name = f"{next(_names)}_{os.getpid()}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        made.append(name)
        return _server_url(name)

    yield new
    with admin.connect() as connection:
        for name in made:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    factory: Callable[[], str] = request.getfixturevalue("new_postgresql_url")
    return factory()


def fresh_postgresql_url() -> str:
    """A new empty database on the test server (skips the test where there is none)."""
    if "PGHOST" not in os.environ:
        pytest.skip("no PostgreSQL server: run under pg_virtualenv")
    import sqlalchemy as sa

    admin = sa.create_engine(_server_url("postgres"), isolation_level="AUTOCOMMIT")
    name = f"{next(_names)}_{os.getpid()}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return _server_url(name)


def drop_postgresql_database(url: str) -> None:
    """Drop a database :func:`fresh_postgresql_url` made."""
    import sqlalchemy as sa

    name = sa.make_url(url).database
    admin = sa.create_engine(_server_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()
