"""The SQL adapter: every port of :mod:`servicedomain.ports` on SQLite or PostgreSQL.

Needs the ``[sql]`` extra (SQLAlchemy and Alembic); PostgreSQL also needs
``[postgresql]`` (psycopg 3).

* :func:`open_store` opens a :class:`SqlStore` on a URL: ``sqlite:///path.db`` (the
  embedded default: a file, nothing to install) or ``postgresql://...`` (many
  processes on one database).
* :class:`SqlUnitOfWork` is the one unit of work of every aggregate: reads without a
  transaction, writes held until :meth:`~SqlUnitOfWork.commit`, which applies them in
  one short transaction with compare-and-set versions, the natural keys as unique keys,
  the entries of enlisted :class:`SqlJournal` journals and the events (into the
  :class:`SqlOutbox`): all or nothing.
* :class:`Codec` tells the store how to keep an entity type of the host's own.
* :mod:`servicedomain.adapters.sql.migrate` creates and upgrades the schema (Alembic).

Driver errors never escape: a lost race is a
:class:`~servicedomain.errors.ConcurrencyConflictError`, any other failure a
:class:`~servicedomain.errors.StorageError`.
"""

from __future__ import annotations

from servicedomain.adapters.sql._codecs import Codec, codec_of
from servicedomain.adapters.sql._engine import (
    DEFAULT_URL,
    URL_VARIABLE,
    default_url,
    hide_password,
    sqlite_file,
)
from servicedomain.adapters.sql._outbox import OutboxRecord, SqlOutbox
from servicedomain.adapters.sql._runs import ChunkRow, ParkedRow, RunRow, SqlRunLedger
from servicedomain.adapters.sql._schema import metadata
from servicedomain.adapters.sql._store import (
    SqlAccrualRepository,
    SqlFeeRepository,
    SqlInvoiceRepository,
    SqlJournal,
    SqlRepository,
    SqlServiceBomRepository,
    SqlServiceObjectRepository,
    SqlServiceOrderRepository,
    SqlServiceRequestRepository,
    SqlStore,
    SqlUnitOfWork,
    open_store,
)

__all__ = [
    "DEFAULT_URL",
    "URL_VARIABLE",
    "ChunkRow",
    "Codec",
    "OutboxRecord",
    "ParkedRow",
    "RunRow",
    "SqlAccrualRepository",
    "SqlFeeRepository",
    "SqlInvoiceRepository",
    "SqlJournal",
    "SqlOutbox",
    "SqlRepository",
    "SqlRunLedger",
    "SqlServiceBomRepository",
    "SqlServiceObjectRepository",
    "SqlServiceOrderRepository",
    "SqlServiceRequestRepository",
    "SqlStore",
    "SqlUnitOfWork",
    "codec_of",
    "default_url",
    "hide_password",
    "metadata",
    "open_store",
    "sqlite_file",
]
