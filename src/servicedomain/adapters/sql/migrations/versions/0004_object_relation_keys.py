"""The relation keys of the service objects: one row per relation id (law R8).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 18:10:00

Written from ``servicedomain.adapters.sql._schema``, with the plain column types of
0001, so this revision stays what it is whatever later becomes of the Python types.

The service objects keep their cached relations inside their JSON document, so no key
covered the rule "a relation id names one relation of one object": two units of work
relating two objects under one new relation id at once could both commit. The table
``servicedomain_service_object_relations`` holds each relation id once (its primary
key) with the object that holds it; the store writes it in the transaction of every
service object write. The upgrade fills it from the stored objects' documents (their
``relations``, each with its ``id``); it refuses, with a
:class:`~servicedomain.errors.StorageError` naming them, relation ids that two stored
objects already share (the race this key closes): which object keeps the relation is
the owner's decision, so unrelate one of them (``ServiceObject.unrelate``, with its
document) on 0003 and upgrade again. The revision reads the documents as JSON itself
and imports nothing of the domain, so later revisions cannot change what it does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Final

import sqlalchemy as sa
from alembic import op

from servicedomain.errors import StorageError

revision: str = "0004"
down_revision: str | tuple[str, ...] | None = "0003"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

TABLE: Final = "servicedomain_service_object_relations"

_BATCH: Final = 500  # rows read and inserted at a time


#: How 0001's ``Document`` stores on PostgreSQL a document jsonb cannot hold (a NUL or
#: a lone surrogate in free text): ``{"$escaped": <document>}``, its texts escaped. An
#: id has no control, private-use or surrogate characters, so its escaped text is itself.
_ESCAPED: Final = "$escaped"


def _relation_ids(body: Any) -> list[str]:
    """The relation ids of a stored object document (JSON text on SQLite, parsed on PG)."""
    document = json.loads(body) if isinstance(body, str | bytes) else body
    if isinstance(document, dict) and len(document) == 1 and _ESCAPED in document:
        document = document[_ESCAPED]
    relations = document.get("relations") if isinstance(document, dict) else None
    return [relation["id"] for relation in relations or () if isinstance(relation, dict)]


def _stored_keys(bind: sa.Connection) -> Iterator[tuple[str, str]]:
    """(relation id, object id) of every relation of every stored object, by object id."""
    objects = sa.table("servicedomain_service_objects", sa.column("id"), sa.column("body"))
    after: str | None = None
    while True:
        query = sa.select(objects.c.id, objects.c.body).order_by(objects.c.id).limit(_BATCH)
        if after is not None:
            query = query.where(objects.c.id > after)
        rows = bind.execute(query).all()
        if not rows:
            return
        for object_id, body in rows:
            for relation_id in _relation_ids(body):
                yield relation_id, object_id
        after = rows[-1][0]


def upgrade() -> None:
    """Create the relation keys and fill them from the stored service objects."""
    keys = op.create_table(
        TABLE,
        sa.Column("relation_id", sa.String(length=255), nullable=False),
        sa.Column("object_id", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("relation_id", name=op.f(f"pk_{TABLE}")),
    )
    op.create_index(op.f(f"ix_{TABLE}_object_id"), TABLE, ["object_id"])
    bind = op.get_bind()
    owners: dict[str, str] = {}
    shared: dict[str, list[str]] = {}
    for relation_id, object_id in _stored_keys(bind):
        first = owners.setdefault(relation_id, object_id)
        if first != object_id:
            shared.setdefault(relation_id, [first]).append(object_id)
    if shared:
        named = "; ".join(
            f"{relation_id!r} on {', '.join(map(repr, sorted(set(objects))))}"
            for relation_id, objects in sorted(shared.items())
        )
        raise StorageError(
            "upgrade to 0004",
            f"relation ids on more than one service object (law R8): {named}; unrelate "
            "all but one of each (with its document) and upgrade again",
        )
    rows = [{"relation_id": key, "object_id": owner} for key, owner in sorted(owners.items())]
    for start in range(0, len(rows), _BATCH):
        op.bulk_insert(keys, rows[start : start + _BATCH])


def downgrade() -> None:
    """Drop the relation keys (the objects' documents keep their relations)."""
    op.drop_table(TABLE)
