"""Customer service requests, and the request an order was transferred from (law Q1).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 19:00:00

Written from ``servicedomain.adapters.sql._schema``, with the plain column types of
0001, so this revision stays what it is whatever later becomes of the Python types.

It creates ``servicedomain_service_requests`` (the versioned documents, with the
customer, the client's idempotency key and the status in columns; a unique key on
``(customer_id, idempotency_key)``: one request per key of a customer; an index on the
status for the dispatcher's queue) and adds to ``servicedomain_service_orders`` the
nullable column ``request_id`` with a unique index (one order per request; NULL, an
order no request made, any number of times on SQLite and PostgreSQL). The upgrade fills
the column from the stored order documents (their ``request_id``; documents written
before it have none and stay NULL); it refuses, with a
:class:`~servicedomain.errors.StorageError` naming them, a request id that two stored
orders share, before the index is made. The revision reads the documents as JSON itself
and imports nothing of the domain, so later revisions cannot change what it does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Final

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from servicedomain.errors import StorageError

revision: str = "0005"
down_revision: str | tuple[str, ...] | None = "0004"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

REQUESTS: Final = "servicedomain_service_requests"
ORDERS: Final = "servicedomain_service_orders"

#: ``Document``: a JSON document, ``jsonb`` on PostgreSQL.
DOCUMENT: Final = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(), "postgresql")

_BATCH: Final = 500  # rows read at a time

#: How 0001's ``Document`` stores on PostgreSQL a document jsonb cannot hold (a NUL or
#: a lone surrogate in free text): ``{"$escaped": <document>}``, its texts escaped. An
#: id has no control, private-use or surrogate characters, so its escaped text is itself.
_ESCAPED: Final = "$escaped"


def _request_id(body: Any) -> str | None:
    """The request id of a stored order document (JSON text on SQLite, parsed on PG)."""
    document = json.loads(body) if isinstance(body, str | bytes) else body
    if isinstance(document, dict) and len(document) == 1 and _ESCAPED in document:
        document = document[_ESCAPED]
    found = document.get("request_id") if isinstance(document, dict) else None
    return found if isinstance(found, str) else None


def _stored_request_ids(bind: sa.Connection) -> Iterator[tuple[str, str]]:
    """(order id, request id) of every stored order that names a request, by order id."""
    orders = sa.table(ORDERS, sa.column("id"), sa.column("body"))
    after: str | None = None
    while True:
        query = sa.select(orders.c.id, orders.c.body).order_by(orders.c.id).limit(_BATCH)
        if after is not None:
            query = query.where(orders.c.id > after)
        rows = bind.execute(query).all()
        if not rows:
            return
        for order_id, body in rows:
            request_id = _request_id(body)
            if request_id is not None:
                yield order_id, request_id
        after = rows[-1][0]


def upgrade() -> None:
    """Create the requests' table; add, fill and key the orders' ``request_id``."""
    op.create_table(
        REQUESTS,
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("body", DOCUMENT, nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{REQUESTS}")),
        sa.UniqueConstraint(
            "customer_id",
            "idempotency_key",
            name=op.f(f"uq_{REQUESTS}_customer_id_idempotency_key"),
        ),
    )
    op.create_index(op.f(f"ix_{REQUESTS}_status"), REQUESTS, ["status"])
    op.add_column(ORDERS, sa.Column("request_id", sa.String(length=255), nullable=True))
    bind = op.get_bind()
    found = list(_stored_request_ids(bind))
    orders_of: dict[str, list[str]] = {}
    for order_id, request_id in found:
        orders_of.setdefault(request_id, []).append(order_id)
    shared = {key: orders for key, orders in orders_of.items() if len(orders) > 1}
    if shared:
        named = "; ".join(
            f"{request_id!r} on {', '.join(map(repr, sorted(orders)))}"
            for request_id, orders in sorted(shared.items())
        )
        raise StorageError(
            "upgrade to 0005",
            f"service orders made from one customer request (law Q1): {named}; keep one "
            "order per request (with its document) and upgrade again",
        )
    orders = sa.table(ORDERS, sa.column("id"), sa.column("request_id"))
    update = (
        orders.update()
        .where(orders.c.id == sa.bindparam("order_id"))
        .values(request_id=sa.bindparam("value"))
    )
    for start in range(0, len(found), _BATCH):
        rows = [{"order_id": o, "value": r} for o, r in found[start : start + _BATCH]]
        bind.execute(update, rows)
    op.create_index(op.f(f"ix_{ORDERS}_request_id"), ORDERS, ["request_id"], unique=True)


def downgrade() -> None:
    """Drop the requests' table and the orders' ``request_id`` (their documents keep it)."""
    op.drop_index(op.f(f"ix_{ORDERS}_request_id"), table_name=ORDERS)
    with op.batch_alter_table(ORDERS) as batch:
        batch.drop_column("request_id")
    op.drop_index(op.f(f"ix_{REQUESTS}_status"), table_name=REQUESTS)
    op.drop_table(REQUESTS)
