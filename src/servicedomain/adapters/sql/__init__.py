"""The SQL adapter: every port of :mod:`servicedomain.ports` on SQLite or PostgreSQL.

Needs the ``[sql]`` extra (SQLAlchemy and Alembic); PostgreSQL also needs
``[postgresql]`` (psycopg 3).
"""

from __future__ import annotations

from servicedomain.adapters.sql._schema import metadata

__all__ = ["metadata"]
