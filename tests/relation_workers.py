"""Workers of the relation-key concurrency test: top-level functions a spawned process imports.

They use the barriers of :mod:`sql_workers` (its pool initializer keeps them).
"""

from __future__ import annotations

from datetime import UTC, datetime

from dispatch_workers import MeetBeforeCommit
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.sql import open_store
from servicedomain.app import RepairDesk
from servicedomain.errors import ConcurrencyConflictError, RepairRuleError
from servicedomain.repairs import RelationKind
from sql_workers import reported

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def agreement_id(round_number: int, worker: int) -> str:
    return f"AG-{round_number}-{worker}"


@reported
def relate_rounds(url: str, worker: int, rounds: int, parties: int) -> list[str]:
    """Each round: relate OBJ-<worker> under R-<round> to its own agreement, committing
    with the others; a unit of work that conflicts is run again once, alone.

    Returns per round ``related``, or ``conflict`` followed by the retry's outcome
    (``conflict/id_taken`` when the retry is refused by rule ``relation.id_taken``).
    """
    store = open_store(url)
    try:
        racing = RepairDesk(
            unit_of_work=lambda: MeetBeforeCommit(store.unit_of_work(), parties),
            clock=FixedClock(AT),
        )
        alone = RepairDesk(unit_of_work=store.unit_of_work, clock=FixedClock(AT))
        outcomes = []
        for number in range(rounds):

            def relate(desk: RepairDesk, number: int = number) -> None:
                desk.relate(
                    f"OBJ-{worker}",
                    relation_id=f"R-{number}",
                    kind=RelationKind.AGREEMENT,
                    key=agreement_id(number, worker),
                )

            try:
                relate(racing)
            except ConcurrencyConflictError:
                try:
                    relate(alone)
                except RepairRuleError as error:
                    outcomes.append(f"conflict/{error.rule.removeprefix('relation.')}")
                else:
                    outcomes.append("conflict/related")
            else:
                outcomes.append("related")
        return outcomes
    finally:
        store.dispose()
