"""The dispatch tables: technicians, teams, requirements, bookings, technician schedules.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 15:10:00

Written from ``servicedomain.adapters.sql._schema``, with the plain column types of
0001, so this revision stays what it is whatever later becomes of the Python types.

On PostgreSQL the bookings also get an exclusion constraint: no two ``committed`` or
``in_progress`` bookings of one technician hold overlapping time
``[busy_start, end_at)`` (the bookings that hold time in the domain). It needs the
``btree_gist`` extension (for ``technician_id WITH =`` in a GiST index); the migration
creates it if it is missing, and fails with a
:class:`~servicedomain.errors.StorageError` saying what to install or grant when the
database refuses.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from servicedomain.errors import StorageError

revision: str = "0003"
down_revision: str | tuple[str, ...] | None = "0002"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

#: ``Document``: a JSON document, ``jsonb`` on PostgreSQL.
DOCUMENT: Final = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(), "postgresql")
#: ``UtcInstant``: ISO 8601 UTC text, ``timestamptz`` on PostgreSQL.
INSTANT: Final = sa.String().with_variant(sa.DateTime(timezone=True), "postgresql")

TABLES: Final = (
    "servicedomain_technicians",
    "servicedomain_dispatch_teams",
    "servicedomain_requirements",
    "servicedomain_bookings",
    "servicedomain_technician_schedules",
)

#: The exclusion constraint of the bookings on PostgreSQL.
EXCLUSION: Final = "ex_servicedomain_bookings_held_time"

_NO_EXTENSION: Final = (
    "the dispatch tables need the PostgreSQL extension btree_gist, and the database "
    "refused CREATE EXTENSION IF NOT EXISTS btree_gist ({reason}); install the server's "
    "contrib modules (Debian and Ubuntu: the postgresql-contrib package, part of "
    "postgresql since 10) and create it as a superuser or the database owner "
    "(CREATE EXTENSION btree_gist; in this database, or in template1 for new ones), "
    "or grant this role CREATE on the database (btree_gist is a trusted extension "
    "since PostgreSQL 13), then upgrade again"
)


def _document_table(name: str, *items: sa.Column[object] | sa.Index | sa.Constraint) -> None:
    """An aggregate table: id, version, the document's schema version, the document."""
    op.create_table(
        name,
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("body", DOCUMENT, nullable=False),
        *items,
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )


def _create_btree_gist() -> None:
    """Create btree_gist if missing; a refusal is a StorageError that says what to do."""
    bind = op.get_bind()
    installed = bind.execute(
        sa.text("SELECT 1 FROM pg_extension WHERE extname = 'btree_gist'")
    ).first()
    if installed is not None:
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS btree_gist"))
    except sa.exc.DBAPIError as error:
        reason = str(error.orig if error.orig is not None else error).strip().splitlines()
        raise StorageError(
            "upgrade to 0003", _NO_EXTENSION.format(reason=reason[0] if reason else "refused")
        ) from error


def upgrade() -> None:
    """Create the dispatch tables (and, on PostgreSQL, the bookings' exclusion constraint)."""
    _document_table(
        "servicedomain_technicians",
        sa.Column("name", sa.String(length=1000), nullable=False),
    )
    _document_table("servicedomain_dispatch_teams")
    _document_table(
        "servicedomain_requirements",
        sa.Column("order_id", sa.String(length=255), nullable=False),
        sa.Column("window_start", INSTANT, nullable=False),
        sa.Column("window_end", INSTANT, nullable=False),
        sa.Index(op.f("ix_servicedomain_requirements_order_id"), "order_id"),
    )
    _document_table(
        "servicedomain_bookings",
        sa.Column("technician_id", sa.String(length=255), nullable=False),
        sa.Column("requirement_id", sa.String(length=255), nullable=False),
        sa.Column("start_at", INSTANT, nullable=False),
        sa.Column("end_at", INSTANT, nullable=False),
        sa.Column("busy_start", INSTANT, nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Index(op.f("ix_servicedomain_bookings_requirement_id"), "requirement_id"),
        sa.Index(
            op.f("ix_servicedomain_bookings_technician_id_busy_start"),
            "technician_id",
            "busy_start",
        ),
    )
    op.create_table(
        "servicedomain_technician_schedules",
        sa.Column("technician_id", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "technician_id", name=op.f("pk_servicedomain_technician_schedules")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        _create_btree_gist()
        op.execute(
            f"ALTER TABLE servicedomain_bookings ADD CONSTRAINT {EXCLUSION} "
            "EXCLUDE USING gist (technician_id WITH =, tstzrange(busy_start, end_at) WITH &&) "
            "WHERE (status IN ('committed', 'in_progress'))"
        )


def downgrade() -> None:
    """Drop the dispatch tables (their indexes and constraint go with them).

    The btree_gist extension stays: other tables of the database may use it.
    """
    for name in reversed(TABLES):
        op.drop_table(name)
