"""Batch runs: runs, their chunks and their parked items (``servicedomain.runs``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 20:00:00

Written from ``servicedomain.adapters.sql._schema``, with the plain column types of
0001, so this revision stays what it is whatever later becomes of the Python types.

It creates ``servicedomain_batch_runs`` (one row per planned run; its id is a hash of
the run's kind, date and parameters), ``servicedomain_batch_chunks`` (the keyset range,
state, owner, lease, attempts and counters of each chunk of a run; indexed by run and
state for the claim query) and ``servicedomain_batch_parked`` (one row per run and
parked item, with the error's type and message). It touches no existing table; the
downgrade drops the three tables.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | tuple[str, ...] | None = "0005"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

RUNS: Final = "servicedomain_batch_runs"
CHUNKS: Final = "servicedomain_batch_chunks"
PARKED: Final = "servicedomain_batch_parked"

#: ``UtcInstant``: ``timestamptz`` on PostgreSQL, ISO 8601 UTC text on SQLite.
UTC_INSTANT: Final = sa.String().with_variant(sa.DateTime(timezone=True), "postgresql")


def upgrade() -> None:
    """Create the runs', chunks' and parked items' tables."""
    op.create_table(
        RUNS,
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{RUNS}")),
    )
    op.create_table(
        CHUNKS,
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("after_id", sa.String(length=255), nullable=True),
        sa.Column("last_id", sa.String(length=255), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("lease_until", UTC_INSTANT, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("parked", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "number", name=op.f(f"pk_{CHUNKS}")),
    )
    op.create_index(op.f(f"ix_{CHUNKS}_run_id_state"), CHUNKS, ["run_id", "state"])
    op.create_table(
        PARKED,
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=255), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("error_type", sa.String(length=255), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "item_id", name=op.f(f"pk_{PARKED}")),
    )


def downgrade() -> None:
    """Drop the three tables (runs planned before are forgotten)."""
    op.drop_table(PARKED)
    op.drop_index(op.f(f"ix_{CHUNKS}_run_id_state"), table_name=CHUNKS)
    op.drop_table(CHUNKS)
    op.drop_table(RUNS)
