"""Engines for SQLite and PostgreSQL, and the mapping of driver errors to the port errors.

SQLite: WAL (a file), a busy timeout, foreign keys on, and every write transaction
under ``BEGIN IMMEDIATE`` (the write lock is taken when the transaction starts, so a
compare-and-set never meets a stale snapshot); reads run in short deferred
transactions. PostgreSQL: psycopg 3 under READ COMMITTED, where the version check of
each ``UPDATE`` (and the unique keys) make writers safe.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.pool import StaticPool

from servicedomain.errors import (
    ConcurrencyConflictError,
    InvalidInputError,
    ServiceDomainError,
    StorageError,
    TypeMismatchError,
)

WRITE: Final = "servicedomain_write"
"""The execution option that makes a SQLite transaction ``BEGIN IMMEDIATE``."""

_SQLITE_BUSY_MS: Final = 30_000
# PostgreSQL SQLSTATEs of a lost race: serialization failure, deadlock, lock timeout.
_RACE_STATES: Final = frozenset({"40001", "40P01", "55P03"})


def make_url(url: object) -> sa.URL:
    """The SQLAlchemy URL of ``url`` (``postgresql://`` means psycopg 3).

    Raises:
        TypeMismatchError: ``url`` is not a str or a SQLAlchemy URL.
        InvalidInputError: ``url`` is not a database URL, or not SQLite or PostgreSQL;
            the error shows the URL with its password hidden.
    """
    if isinstance(url, sa.URL):
        parsed = url
    elif isinstance(url, str):
        try:
            parsed = sa.make_url(url)
        except (exc.ArgumentError, ValueError) as error:  # ValueError: a port not a number
            raise InvalidInputError(
                "url", hide_password(url), f"not a database URL: {error}"
            ) from None
    else:
        raise TypeMismatchError("url", url, "expected a database URL (str)")
    shown = parsed.render_as_string(hide_password=True)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.get_driver_name() != "psycopg":
            raise InvalidInputError(
                "url", shown, "PostgreSQL is reached through psycopg 3 (postgresql+psycopg://)"
            )
    elif backend != "sqlite":
        raise InvalidInputError("url", shown, "servicedomain stores on sqlite:// or postgresql://")
    return parsed


URL_VARIABLE: Final = "SERVICEDOMAIN_DB_URL"
"""The environment variable that names the database when a command is given none."""

DEFAULT_URL: Final = "sqlite:///servicedomain.db"
"""The embedded default: a SQLite file in the working folder."""


def sqlite_file(url: object) -> Path | None:
    """The file a SQLite URL stores in; None for an in-memory database or PostgreSQL.

    A URI filename (``?uri=true``) is None too: only SQLite reads it.

    Raises:
        InvalidInputError, TypeMismatchError: as :func:`make_url`.
    """
    parsed = make_url(url)
    database = parsed.database
    if (
        parsed.get_backend_name() != "sqlite"
        or not database
        or database == ":memory:"
        or parsed.query.get("uri") == "true"
    ):
        return None
    return Path(database)


def default_url(environ: Mapping[str, str]) -> str:
    """The database URL to use when none is given: ``$SERVICEDOMAIN_DB_URL``, else a SQLite file.

    >>> default_url({})
    'sqlite:///servicedomain.db'
    >>> default_url({"SERVICEDOMAIN_DB_URL": "postgresql://desk@db/service"})
    'postgresql://desk@db/service'
    """
    return environ.get(URL_VARIABLE) or DEFAULT_URL


def hide_password(url: str) -> str:
    """``url`` with its password, if it has one, shown as ``***`` (as SQLAlchemy shows it).

    For messages that name a database: a URL's text, parsed or not.

    >>> hide_password("postgresql+psycopg://app:secret@db.example/service")
    'postgresql+psycopg://app:***@db.example/service'
    """
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def create_engine(url: object, **options: Any) -> sa.Engine:
    """An engine for ``url`` set up as the adapter needs it.

    Raises:
        InvalidInputError: as :func:`make_url`; ``"url"`` also when the driver is not
            installed (install ``servicedomain[postgresql]``).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **options)
    try:
        return sa.create_engine(
            parsed, isolation_level="READ COMMITTED", pool_pre_ping=True, **options
        )
    except ModuleNotFoundError as error:
        raise InvalidInputError(
            "url",
            parsed.render_as_string(hide_password=True),
            f"{error.name} is not installed: pip install 'servicedomain[postgresql]'",
        ) from None


def _sqlite_engine(url: sa.URL, **options: Any) -> sa.Engine:
    in_memory = url.database in (None, "", ":memory:")
    if in_memory:  # one shared connection, or every connection would see its own database
        options.setdefault("poolclass", StaticPool)
    options.setdefault(
        "connect_args", {"check_same_thread": False, "timeout": _SQLITE_BUSY_MS / 1000}
    )
    engine = sa.create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
        if not in_memory:
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        immediate = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _use_wal(cursor: Any) -> None:
    """Switch the database file to WAL, waiting (up to the busy timeout) for other openers.

    Connections opening a new file at once race to switch it, and SQLite answers the
    losers "database is locked" at once, without its busy handler: try again shortly.
    """
    deadline = time.monotonic() + _SQLITE_BUSY_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)
        else:
            return


@contextlib.contextmanager
def driver_errors(operation: str) -> Iterator[None]:
    """Turn a driver's exception raised inside into the port error it means.

    A lost race (a unique key taken by a concurrent commit, a serialization failure, a
    deadlock) is a :class:`~servicedomain.errors.ConcurrencyConflictError`: running the
    unit of work again converges. Anything else the driver raises is a
    :class:`~servicedomain.errors.StorageError`. The library's own errors pass through.
    """
    try:
        yield
    except ServiceDomainError:
        raise
    except exc.IntegrityError as error:
        raise ConcurrencyConflictError("store", _constraint(error), None, None) from error
    except exc.DBAPIError as error:
        if _sqlstate(error) in _RACE_STATES:
            raise ConcurrencyConflictError("store", _reason(error), None, None) from error
        raise StorageError(operation, _reason(error)) from error
    except exc.SQLAlchemyError as error:
        raise StorageError(operation, _reason(error)) from error


def _sqlstate(error: exc.DBAPIError) -> str | None:
    state = getattr(error.orig, "sqlstate", None)
    return state if isinstance(state, str) else None


def _reason(error: BaseException) -> str:
    orig = getattr(error, "orig", None)
    text = str(orig if orig is not None else error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _constraint(error: exc.IntegrityError) -> str:
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return f"unique key {name}" if isinstance(name, str) else _reason(error)
