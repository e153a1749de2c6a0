"""The repair tables: service objects, service BOMs (with their history) and template BOMs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 12:10:00

Written from ``servicedomain.adapters.sql._schema``, with the plain column types of
0001, so this revision stays what it is whatever later becomes of the Python types.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | tuple[str, ...] | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

#: ``Document``: a JSON document, ``jsonb`` on PostgreSQL.
DOCUMENT: Final = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(), "postgresql")

TABLES: Final = (
    "servicedomain_service_objects",
    "servicedomain_service_boms",
    "servicedomain_template_boms",
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


def upgrade() -> None:
    """Create the repair tables."""
    _document_table(
        "servicedomain_service_objects",
        sa.Column("group_id", sa.String(length=255), nullable=False),
        sa.Column("item_id", sa.String(length=255), nullable=True),
        sa.Column("serial_number", sa.String(length=255), nullable=True),
        sa.Index(op.f("ix_servicedomain_service_objects_group_id"), "group_id"),
        sa.Index(
            op.f("ix_servicedomain_service_objects_item_id_serial_number"),
            "item_id",
            "serial_number",
        ),
    )
    _document_table(
        "servicedomain_service_boms",
        sa.Column("relation_id", sa.String(length=255), nullable=False),
        sa.Column("service_object_id", sa.String(length=255), nullable=False),
        sa.UniqueConstraint("relation_id", name=op.f("uq_servicedomain_service_boms_relation_id")),
        sa.Index(op.f("ix_servicedomain_service_boms_service_object_id"), "service_object_id"),
    )
    _document_table("servicedomain_template_boms")


def downgrade() -> None:
    """Drop the repair tables (their indexes go with them); 0001's tables stay."""
    for name in reversed(TABLES):
        op.drop_table(name)
