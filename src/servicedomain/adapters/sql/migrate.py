"""Create or upgrade the tables of the SQL adapter, with the Alembic migrations it ships.

The migrations live in the package (``servicedomain/adapters/sql/migrations``), so a
host needs no ``alembic.ini``: :func:`upgrade` runs them on a URL or an engine. They keep
their own history in the table ``servicedomain_alembic_version``
(:data:`VERSION_TABLE`), so they sit beside a host's own Alembic history
(``alembic_version``) in one database without touching it.

>>> import tempfile
>>> from pathlib import Path
>>> url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'desk.db'}"
>>> current_revision(url) is None
True
>>> upgrade(url)
>>> current_revision(url) == head_revision()
True
>>> upgrade(url)  # already at the head: nothing to do
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal, cast

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.dialects import postgresql

from servicedomain.adapters.sql._engine import WRITE, create_engine, driver_errors, sqlite_file
from servicedomain.adapters.sql._schema import (
    PREFIX,
    Document,
    ExactDecimal,
    FreeText,
    UtcInstant,
    metadata,
)
from servicedomain.errors import InvalidInputError, TypeMismatchError

__all__ = ["VERSION_TABLE", "current_revision", "head_revision", "upgrade"]

VERSION_TABLE: Final = "servicedomain_alembic_version"
"""The table that holds the database's servicedomain revision (not ``alembic_version``)."""

_MIGRATIONS: Final = Path(__file__).with_name("migrations")

# Alembic runs a migration environment through module-level proxies (``alembic.context``,
# ``alembic.op``), one per process: two threads that upgrade at once would share them.
_ONE_AT_A_TIME: Final = threading.Lock()

# The plain storage types of the adapter's custom column types, as a migration writes
# them: a migration describes what is stored on each engine, and stays valid whatever
# later becomes of the Python types in ``_schema``.
_RENDERED_TYPES: Final[dict[type[sa.types.TypeEngine[Any]], str]] = {
    ExactDecimal: 'sa.String().with_variant(sa.Numeric(), "postgresql")',
    UtcInstant: 'sa.String().with_variant(sa.DateTime(timezone=True), "postgresql")',
}


def upgrade(url_or_engine: str | sa.URL | sa.Engine, revision: str = "head") -> None:
    """Create the adapter's tables, or bring them up to ``revision`` (the newest by default).

    Idempotent: a database already at ``revision`` is left as it is, so a host may call
    it at every start. The database's revision is kept in :data:`VERSION_TABLE`; the
    host's own tables and its own ``alembic_version`` are not touched. Threads of one
    process upgrade one at a time; on PostgreSQL the whole upgrade is one transaction,
    under an advisory lock, so processes upgrading one database at once do it once. On
    SQLite, run one process's upgrade at a time.

    Args:
        url_or_engine: a database URL (``sqlite:///desk.db``,
            ``postgresql://user:password@host/db``, reached through psycopg 3) or an
            engine; an engine is used as given and not disposed.
        revision: ``"head"`` or a revision id this package ships.

    Raises:
        InvalidInputError: the URL is malformed, not SQLite or PostgreSQL, or its driver
            is not installed (the URLs :func:`~servicedomain.adapters.sql.open_store`
            takes); the database is at a revision this version of servicedomain does
            not know (a newer one upgraded it); ``revision`` is not one of the
            package's revisions.
        StorageError: the database cannot be reached, or refuses the migration (say,
            tables made by ``metadata.create_all()`` are in its way); nothing of the
            failed migration is written.
        TypeMismatchError: ``url_or_engine`` is not a string, a URL or an engine, or
            ``revision`` is not a string.

    Errors show the URL with its password hidden.
    """
    if not isinstance(revision, str):
        raise TypeMismatchError("revision", revision, "a revision is a string, such as 'head'")
    known = _known_revisions()
    if revision not in {"head", *known}:
        raise InvalidInputError(
            "revision", revision, f"not a servicedomain revision; the known ones are {known}"
        )
    with _connection(url_or_engine, "upgrade") as (connection, shown):
        _check_known(connection, shown)
        connection.commit()
        # On SQLite the migration takes the write lock when it begins (BEGIN IMMEDIATE),
        # waiting out the busy timeout, instead of failing "database is locked" when a
        # read transaction would turn into a write.
        connection.execution_options(**{WRITE: True})
        config = _config()
        config.attributes["connection"] = connection
        try:
            with _ONE_AT_A_TIME:
                command.upgrade(config, revision)
        except CommandError as error:
            raise InvalidInputError("revision", revision, str(error)) from error


def current_revision(url_or_engine: str | sa.URL | sa.Engine) -> str | None:
    """The servicedomain revision the database is at; None before the first :func:`upgrade`.

    The revision is read as stored, so a database upgraded by a newer servicedomain gives
    a revision :func:`head_revision` does not know (and :func:`upgrade` refuses it).
    Reading creates nothing: a SQLite file that does not exist (in a folder that does)
    is at no revision (None) and is left uncreated; only :func:`upgrade` creates it.

    Raises:
        InvalidInputError: the URL is malformed, not SQLite or PostgreSQL, or its driver
            is not installed; the database holds more than one servicedomain revision.
        StorageError: the database cannot be reached.
        TypeMismatchError: ``url_or_engine`` is not a string, a URL or an engine.
    """
    if isinstance(url_or_engine, str | sa.URL):
        file = sqlite_file(url_or_engine)
        if file is not None and file.parent.is_dir() and not file.exists():
            return None  # connecting would create the file: nothing is stored there yet
    with _connection(url_or_engine, "read the servicedomain revision of") as (connection, shown):
        return _stored_revision(connection, shown)


def head_revision() -> str:
    """The newest revision this version of servicedomain ships (what :func:`upgrade` reaches)."""
    head = _script().get_current_head()
    assert head is not None, "the shipped migrations have one head"
    return head


# ---------------------------------------------------------------- the environment
# env.py (which Alembic runs) configures its migration context with these.


def _environment_options() -> dict[str, Any]:
    """The options of the migration context, for upgrades and for autogenerate alike.

    Batch mode (``render_as_batch``) on every engine: one script runs on SQLite, which
    alters a table by copying it, and on PostgreSQL, where batch operations are plain
    ``ALTER`` statements.
    """
    return {
        "target_metadata": metadata,
        "version_table": VERSION_TABLE,
        "render_as_batch": True,
        "compare_type": True,
        "include_name": _include_name,
        "render_item": _render_item,
    }


def _include_name(
    name: str | None,
    type_: Literal[
        "schema",
        "table",
        "column",
        "index",
        "unique_constraint",
        "foreign_key_constraint",
    ],
    parent_names: Any,
) -> bool:
    """Only the adapter's tables take part in autogenerate: a host's tables are its own."""
    return type_ != "table" or (name is not None and name.startswith(PREFIX))


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render a column type importably in a migration (False: as Alembic renders it).

    A custom type becomes its plain storage types; ``JSONB`` (a variant, which Alembic
    renders with the repr of its default ``astext_type``, an undefined ``Text()``) becomes
    ``postgresql.JSONB()``.
    """
    if type_ != "type":
        return False
    if isinstance(obj, postgresql.JSONB) and type(obj.astext_type) is sa.Text:
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "postgresql.JSONB()"
    if isinstance(obj, Document):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return 'sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(), "postgresql")'
    if isinstance(obj, FreeText):  # its escaping is the adapter's; the column is a varchar
        return f"sa.String(length={cast('sa.String', obj.impl_instance).length})"
    for kind, text in _RENDERED_TYPES.items():
        if isinstance(obj, kind):
            return text
    return False


# ---------------------------------------------------------------------- helpers


def _config() -> Config:
    """An Alembic configuration for the shipped migrations, without any ini file."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


@cache
def _known_revisions() -> tuple[str, ...]:
    """The revisions the package ships, oldest first."""
    return tuple(reversed([script.revision for script in _script().walk_revisions()]))


def _check_known(connection: sa.Connection, shown: str) -> None:
    """Refuse a database at a revision the package does not ship (a newer servicedomain's)."""
    stored = _stored_revision(connection, shown)
    if stored is not None and stored not in _known_revisions():
        raise InvalidInputError(
            "url",
            shown,
            f"the database is at servicedomain revision {stored!r}, which this version of "
            f"servicedomain does not know (its newest is {head_revision()!r}): a newer "
            "servicedomain upgraded it; install that version",
        )


def _stored_revision(connection: sa.Connection, shown: str) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    heads: Sequence[str] = context.get_current_heads()
    if len(heads) > 1:
        raise InvalidInputError(
            "url", shown, f"{VERSION_TABLE} holds several revisions {tuple(heads)}; it holds one"
        )
    return heads[0] if heads else None


@contextmanager
def _connection(url_or_engine: object, operation: str) -> Iterator[tuple[sa.Connection, str]]:
    """A connection to the database, and its URL as errors show it (password hidden).

    A URL gets the engine the store would open on it (disposed at the end); an engine
    is used as given. A driver's error inside is the port error it means, naming
    ``operation`` and the URL.
    """
    if isinstance(url_or_engine, sa.Engine):
        engine, own = url_or_engine, False
    elif isinstance(url_or_engine, str | sa.URL):
        engine, own = create_engine(url_or_engine), True
    else:
        raise TypeMismatchError(
            "url", url_or_engine, "a database is a URL (a string or sqlalchemy.URL) or an engine"
        )
    shown = engine.url.render_as_string(hide_password=True)
    try:
        with driver_errors(f"{operation} {shown}"), engine.connect() as connection:
            yield connection, shown
    finally:
        if own:
            engine.dispose()
