"""Batch runs spread over many workers: a run plan, chunks, parking and progress.

A fee, invoicing, accrual or order-generation run over a large store is planned once
(:func:`plan_run`: one run row, its ids split into chunks by keyset ranges) and its
chunks run anywhere, in any order, any number of times (:func:`run_chunk`): the
natural keys of what they store make every pass after the first store nothing twice.
An item a business rule or bad data refuses is parked with its reason
(:func:`parked`), and the chunk goes on; :func:`progress` is a query.

The module drives no workers itself. An engine calls it: a job per chunk
(procrastinate, Celery, a thread pool) calls :func:`run_chunk`; an engine that pulls
work calls :func:`claim_chunk` then :func:`run_chunk`; :func:`run_all` runs every
chunk in this process (the SQLite mode, and the reference a distributed run equals).
The runs live in the SQL adapter's tables (migration 0006).
"""

from __future__ import annotations

from servicedomain.runs._runs import (
    BATCH,
    DEFAULT_CHUNK_SIZE,
    Chunk,
    ChunkResult,
    ParkedItem,
    Run,
    RunKind,
    RunProgress,
    claim_chunk,
    extend_lease,
    parked,
    plan_run,
    progress,
    run_all,
    run_chunk,
)

__all__ = [
    "BATCH",
    "DEFAULT_CHUNK_SIZE",
    "Chunk",
    "ChunkResult",
    "ParkedItem",
    "Run",
    "RunKind",
    "RunProgress",
    "claim_chunk",
    "extend_lease",
    "parked",
    "plan_run",
    "progress",
    "run_all",
    "run_chunk",
]
