"""The rows of batch runs: runs, chunks and parked items (for :mod:`servicedomain.runs`).

:class:`SqlRunLedger` is the SQL behind :mod:`servicedomain.runs`: it stores what a
run plan says and what its chunks did, and claims chunks for workers that pull work
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's single writer, ``BEGIN
IMMEDIATE``, serializes claims on its own). It knows nothing of fees or orders.
Every driver error becomes a port error (:func:`driver_errors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Final

import attrs
import sqlalchemy as sa

from servicedomain.adapters.sql import _schema as schema
from servicedomain.adapters.sql._store import SqlStore

__all__ = ["ChunkRow", "ParkedRow", "RunRow", "SqlRunLedger"]

READY: Final = "ready"
RUNNING: Final = "running"
DONE: Final = "done"
_IN_BATCH: Final = 500  # ids per IN (...) list, well under the drivers' parameter limits


@attrs.frozen
class RunRow:
    """A stored run: its id, kind, date, parameters (canonical JSON) and chunk size."""

    id: str
    kind: str
    as_of: date
    params: str
    chunk_size: int
    chunks: int


@attrs.frozen
class ChunkRow:
    """A stored chunk: its range ``(after_id, last_id]``, state, owner and counters."""

    run_id: str
    number: int
    after_id: str | None
    last_id: str | None
    state: str
    owner: str | None
    lease_until: datetime | None
    attempts: int
    items: int
    created: int
    parked: int


@attrs.frozen
class ParkedRow:
    """A parked item of a run: its id, chunk, and the error that parked it."""

    run_id: str
    item_id: str
    chunk: int
    error_type: str
    message: str


_CHUNK_COLUMNS: Final = tuple(schema.batch_chunks.c)


def _chunk(row: sa.Row[tuple[object, ...]]) -> ChunkRow:
    return ChunkRow(**row._asdict())


class SqlRunLedger:
    """The runs, chunks and parked items a store holds.

    Args:
        store: the store whose database holds the run tables (migration 0006).
    """

    def __init__(self, store: SqlStore) -> None:
        self._store = store

    @property
    def store(self) -> SqlStore:
        """The store."""
        return self._store

    def add_run(self, run: RunRow, ranges: Sequence[tuple[str | None, str | None]]) -> bool:
        """Store the run and one ready chunk per range, in one transaction.

        Returns:
            ``False`` (and stores nothing) if a run with this id is stored.

        Raises:
            ConcurrencyConflictError: a concurrent call stored the run first.
        """
        runs, chunks = schema.batch_runs, schema.batch_chunks
        with self._store._writing("plan a run") as connection:
            if connection.execute(sa.select(runs.c.id).where(runs.c.id == run.id)).first():
                return False
            connection.execute(runs.insert(), [attrs.asdict(run)])
            connection.execute(
                chunks.insert(),
                [
                    {
                        "run_id": run.id,
                        "number": number,
                        "after_id": after,
                        "last_id": last,
                        "state": READY,
                        "owner": None,
                        "lease_until": None,
                        "attempts": 0,
                        "items": 0,
                        "created": 0,
                        "parked": 0,
                    }
                    for number, (after, last) in enumerate(ranges, start=1)
                ],
            )
        return True

    def run(self, run_id: str) -> RunRow | None:
        """The stored run ``run_id``, or ``None``."""
        runs = schema.batch_runs
        with self._store._reading("read a run") as connection:
            row = connection.execute(sa.select(runs).where(runs.c.id == run_id)).first()
        return None if row is None else RunRow(**row._asdict())

    def chunks(self, run_id: str) -> list[ChunkRow]:
        """The chunks of the run, by number."""
        chunks = schema.batch_chunks
        with self._store._reading("read the chunks of a run") as connection:
            rows = connection.execute(
                sa.select(chunks).where(chunks.c.run_id == run_id).order_by(chunks.c.number)
            ).all()
        return [_chunk(row) for row in rows]

    def chunk(self, run_id: str, number: int) -> ChunkRow | None:
        """The chunk ``number`` of the run, or ``None``."""
        chunks = schema.batch_chunks
        with self._store._reading("read a chunk") as connection:
            row = connection.execute(
                sa.select(chunks).where(chunks.c.run_id == run_id, chunks.c.number == number)
            ).first()
        return None if row is None else _chunk(row)

    def claim(
        self, run_id: str, *, worker: str, now: datetime, lease_until: datetime
    ) -> ChunkRow | None:
        """Take the first ready chunk, or a running one whose lease ended before ``now``.

        The row is locked ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent
        claims take different chunks; on SQLite the write transaction is the lock.

        Returns:
            The chunk, now running, owned by ``worker`` until ``lease_until``, its
            attempts counted; ``None`` when no chunk is free.
        """
        chunks = schema.batch_chunks
        free = sa.or_(
            chunks.c.state == READY,
            sa.and_(chunks.c.state == RUNNING, chunks.c.lease_until < now),
        )
        with self._store._writing("claim a chunk") as connection:
            number = connection.execute(
                sa.select(chunks.c.number)
                .where(chunks.c.run_id == run_id, free)
                .order_by(chunks.c.number)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).scalar_one_or_none()
            if number is None:
                return None
            where = (chunks.c.run_id == run_id, chunks.c.number == number)
            connection.execute(
                chunks.update()
                .where(*where)
                .values(
                    state=RUNNING,
                    owner=worker,
                    lease_until=lease_until,
                    attempts=chunks.c.attempts + 1,
                )
            )
            row = connection.execute(sa.select(chunks).where(*where)).one()
        return _chunk(row)

    def extend(self, run_id: str, number: int, *, worker: str, lease_until: datetime) -> bool:
        """Move the lease of a chunk ``worker`` holds to ``lease_until`` (a heartbeat).

        Returns:
            ``False`` if the chunk is not running under ``worker`` (another took it).
        """
        chunks = schema.batch_chunks
        with self._store._writing("extend a lease") as connection:
            result = connection.execute(
                chunks.update()
                .where(
                    chunks.c.run_id == run_id,
                    chunks.c.number == number,
                    chunks.c.state == RUNNING,
                    chunks.c.owner == worker,
                )
                .values(lease_until=lease_until)
            )
        return bool(result.rowcount)

    def start(self, run_id: str, number: int, *, worker: str) -> None:
        """Mark the chunk running under ``worker`` (unless it is already), an attempt more."""
        chunks = schema.batch_chunks
        with self._store._writing("start a chunk") as connection:
            connection.execute(
                chunks.update()
                .where(
                    chunks.c.run_id == run_id,
                    chunks.c.number == number,
                    sa.or_(
                        chunks.c.state != RUNNING,
                        chunks.c.owner.is_(None),
                        chunks.c.owner != worker,
                    ),
                )
                .values(state=RUNNING, owner=worker, attempts=chunks.c.attempts + 1)
            )

    def release(self, run_id: str, number: int) -> None:
        """Put a chunk that failed back to ready, for any worker to run again."""
        chunks = schema.batch_chunks
        with self._store._writing("release a chunk") as connection:
            connection.execute(
                chunks.update()
                .where(chunks.c.run_id == run_id, chunks.c.number == number)
                .values(state=READY, owner=None, lease_until=None)
            )

    def finish(
        self,
        run_id: str,
        number: int,
        *,
        items: int,
        created: int,
        parked: Sequence[ParkedRow],
        cleared: Sequence[str],
    ) -> None:
        """Mark the chunk done with its counters; store its parked items, clear the others.

        ``items`` is what this pass processed (parked items not counted); ``created``
        is added to what earlier passes created.
        """
        chunks, table = schema.batch_chunks, schema.batch_parked
        with self._store._writing("finish a chunk") as connection:
            for start in range(0, len(cleared), _IN_BATCH):
                connection.execute(
                    table.delete().where(
                        table.c.run_id == run_id,
                        table.c.item_id.in_(cleared[start : start + _IN_BATCH]),
                    )
                )
            for item in parked:
                connection.execute(
                    table.delete().where(table.c.run_id == run_id, table.c.item_id == item.item_id)
                )
            if parked:
                connection.execute(table.insert(), [attrs.asdict(item) for item in parked])
            count = connection.execute(
                sa.select(sa.func.count())
                .select_from(table)
                .where(table.c.run_id == run_id, table.c.chunk == number)
            ).scalar_one()
            connection.execute(
                chunks.update()
                .where(chunks.c.run_id == run_id, chunks.c.number == number)
                .values(
                    state=DONE,
                    owner=None,
                    lease_until=None,
                    items=items,
                    created=chunks.c.created + created,
                    parked=count,
                )
            )

    def counts(self, run_id: str) -> tuple[dict[str, int], int, int, int]:
        """Chunks by state, and the items done, created and parked of the run."""
        chunks, table = schema.batch_chunks, schema.batch_parked
        with self._store._reading("read a run's progress") as connection:
            states: dict[str, int] = {
                state: int(count)
                for state, count in connection.execute(
                    sa.select(chunks.c.state, sa.func.count())
                    .where(chunks.c.run_id == run_id)
                    .group_by(chunks.c.state)
                )
            }
            done, created = connection.execute(
                sa.select(
                    sa.func.coalesce(
                        sa.func.sum(sa.case((chunks.c.state == DONE, chunks.c["items"]), else_=0)),
                        0,
                    ),
                    sa.func.coalesce(sa.func.sum(chunks.c.created), 0),
                ).where(chunks.c.run_id == run_id)
            ).one()
            parked = connection.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.run_id == run_id)
            ).scalar_one()
        return states, int(done), int(created), int(parked)

    def parked(self, run_id: str) -> list[ParkedRow]:
        """The parked items of the run, by item id."""
        table = schema.batch_parked
        with self._store._reading("read parked items") as connection:
            rows = connection.execute(
                sa.select(table).where(table.c.run_id == run_id).order_by(table.c.item_id)
            ).all()
        return [ParkedRow(**row._asdict()) for row in rows]

    def customers(self, *, after_id: str | None, last_id: str | None, limit: int) -> list[str]:
        """The distinct customers of stored subscriptions in ``(after_id, last_id]``, in order."""
        subs = schema.subscriptions
        query = sa.select(subs.c.customer_id).distinct().order_by(subs.c.customer_id).limit(limit)
        if after_id is not None:
            query = query.where(subs.c.customer_id > after_id)
        if last_id is not None:
            query = query.where(subs.c.customer_id <= last_id)
        with self._store._reading("list customers") as connection:
            return list(connection.execute(query).scalars())
