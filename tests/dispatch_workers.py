"""Workers of the dispatch concurrency tests: top-level functions a spawned process imports.

They use the barriers of :mod:`sql_workers` (its pool initializer keeps them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.sql import SqlUnitOfWork, open_store
from servicedomain.app import DispatchDesk
from servicedomain.dispatch import BookingStatus
from servicedomain.errors import BookingConflictError, ConcurrencyConflictError
from sql_workers import meet, reported

AT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


class MeetBeforeCommit:
    """A unit of work whose commit waits until every racer has decided."""

    def __init__(self, inner: SqlUnitOfWork, parties: int) -> None:
        self.inner = inner
        self.parties = parties

    def __enter__(self) -> MeetBeforeCommit:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.inner.__exit__(*exc_info)

    def commit(self) -> None:
        meet(self.parties)
        self.inner.commit()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def slot(round_number: int, worker: int) -> datetime:
    """Working day ``round_number`` (Monday 2 March 2026 on, weekends skipped): worker 0
    at 09:00, worker 1 at 09:30 (overlapping hours)."""
    weeks, day = divmod(round_number, 5)
    return AT + timedelta(days=7 * weeks + day, hours=2, minutes=30 * worker)


@reported
def book_rounds(url: str, worker: int, rounds: int, parties: int) -> list[str]:
    """Each round: book W-1 for RQ-<round> at the worker's slot, committing with the others.

    Returns ``booked``, ``conflict`` or ``refused`` per round.
    """
    store = open_store(url)
    try:
        desk = DispatchDesk(
            unit_of_work=lambda: MeetBeforeCommit(store.unit_of_work(), parties),
            clock=FixedClock(AT),
        )
        outcomes = []
        for number in range(rounds):
            try:
                desk.book(
                    f"RQ-{number}",
                    "W-1",
                    id=f"B-{number}-{worker}",
                    start=slot(number, worker),
                    status=BookingStatus.COMMITTED,
                )
            except ConcurrencyConflictError:
                outcomes.append("conflict")
            except BookingConflictError:
                outcomes.append("refused")
            else:
                outcomes.append("booked")
        return outcomes
    finally:
        store.dispose()
