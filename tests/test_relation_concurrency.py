"""Law R8 under concurrency: two OS processes relating two different service objects under
one new relation id at once (SQLite and PostgreSQL). The relation ids live inside each
object's document, so only the key table of migration 0004
(``servicedomain_service_object_relations``) sees the two claims: exactly one commits,
the other's commit is a :class:`~servicedomain.errors.ConcurrencyConflictError`, and its
retry is refused by rule ``relation.id_taken``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import relation_workers
from orders_fixtures import pump_agreement
from servicedomain.adapters.sql import SqlStore, open_store
from servicedomain.agreements import ServiceAgreement
from servicedomain.repairs import ServiceObject
from test_sql_concurrency import Workers, workers

__all__ = ["workers"]  # the module's pool fixture, shared

ROUNDS = 6
AT = relation_workers.AT


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    opened = open_store(database_url, create_tables=True)
    with opened.unit_of_work() as uow:
        for worker in (0, 1):
            uow.service_objects.add(
                ServiceObject.create(id=f"OBJ-{worker}", group_id="G", at=AT)[0]
            )
            for number in range(ROUNDS):
                uow.agreements.add(pump_agreement(relation_workers.agreement_id(number, worker)))
        uow.commit()
    yield opened
    opened.dispose()


def test_R8_two_processes_relating_two_objects_under_one_new_relation_id_commit_one(
    workers: Workers, database_url: str, store: SqlStore
) -> None:
    results = workers.run(
        relation_workers.relate_rounds, [(database_url, worker, ROUNDS, 2) for worker in (0, 1)]
    )
    with store.unit_of_work() as uow:
        objects = {obj.id: obj for obj in uow.service_objects.list()}
        agreements: dict[str, ServiceAgreement] = {a.id: a for a in uow.agreements.list()}
    for number in range(ROUNDS):
        outcomes = [results[worker][number] for worker in (0, 1)]
        assert sorted(outcomes) == ["conflict/id_taken", "related"], (number, results)
        winner = outcomes.index("related")
        relation_id = f"R-{number}"
        holders = [
            obj_id
            for obj_id, obj in objects.items()
            if any(relation.id == relation_id for relation in obj.relations)
        ]
        assert holders == [f"OBJ-{winner}"]
        # All or nothing: the loser's agreement does not hold the relation either.
        documents = [
            agreement_id
            for agreement_id, agreement in agreements.items()
            if any(relation.id == relation_id for relation in agreement.object_relations)
        ]
        assert documents == [relation_workers.agreement_id(number, winner)]
