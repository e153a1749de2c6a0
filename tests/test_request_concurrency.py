"""Laws Q1 and Q2 under concurrency, on SQLite and PostgreSQL, with two OS processes.

Two processes transferring one under-review request at once, each to an order of its
own, meet before their commits: exactly one commits, the other's commit is a
:class:`~servicedomain.errors.ConcurrencyConflictError`, and the database holds one
order for the request (law Q1). When both also save the request, its version alone
decides; when they add only their orders, the unique index on the orders' ``request_id``
(migration 0005) decides. Two processes submitting two requests under one customer's
idempotency key: one request is stored, and the other's retry finds it (law Q2).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import request_workers
from servicedomain.adapters.sql import SqlStore, open_store
from servicedomain.requests import RequestStatus
from test_sql_concurrency import Workers, workers

__all__ = ["workers"]  # the module's pool fixture, shared

ROUNDS = 6


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    opened = open_store(database_url, create_tables=True)
    yield opened
    opened.dispose()


def _seed_reviewed(store: SqlStore) -> None:
    with store.unit_of_work() as uow:
        for number in range(ROUNDS):
            uow.service_requests.add(request_workers.under_review(number))
        uow.commit()


@pytest.mark.parametrize("save", [True, False], ids=["request saved", "order only"])
def test_Q1_two_processes_transferring_one_request_at_once_make_one_order(
    workers: Workers, database_url: str, store: SqlStore, save: bool
) -> None:
    _seed_reviewed(store)
    results = workers.run(
        request_workers.transfer_rounds,
        [(database_url, worker, ROUNDS, 2, save) for worker in (0, 1)],
    )
    with store.unit_of_work() as uow:
        orders = uow.service_orders.list()
        requests = {request.id: request for request in uow.service_requests.list()}
    for number in range(ROUNDS):
        outcomes = [results[worker][number] for worker in (0, 1)]
        assert sorted(outcomes) == ["conflict", "transferred"], (number, results)
        winner = outcomes.index("transferred")
        request_id = request_workers.request_id(number)
        made = [order.id for order in orders if order.request_id == request_id]
        assert made == [request_workers.order_id(number, winner)]
        request = requests[request_id]
        if save:
            assert request.status is RequestStatus.TRANSFERRED
            assert request.order_id == made[0]
        else:
            assert request.status is RequestStatus.UNDER_REVIEW
    assert len(orders) == ROUNDS


def test_Q2_two_processes_submitting_under_one_idempotency_key_store_one_request(
    workers: Workers, database_url: str, store: SqlStore
) -> None:
    results = workers.run(
        request_workers.submit_rounds, [(database_url, worker, ROUNDS, 2) for worker in (0, 1)]
    )
    with store.unit_of_work() as uow:
        stored = uow.service_requests.list()
    for number in range(ROUNDS):
        outcomes = [results[worker][number] for worker in (0, 1)]
        winner = outcomes.index("stored")
        winner_id = f"{request_workers.request_id(number)}-{winner}"
        assert sorted(outcomes) == [f"conflict/{winner_id}", "stored"], (number, results)
        with_key = [r.id for r in stored if r.idempotency_key == request_workers.key(number)]
        assert with_key == [winner_id]
    assert len(stored) == ROUNDS
