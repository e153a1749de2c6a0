"""Workers of the request concurrency tests: top-level functions a spawned process imports.

They use the barriers of :mod:`sql_workers` (its pool initializer keeps them).
"""

from __future__ import annotations

from datetime import timedelta

import requests_fixtures
from dispatch_workers import MeetBeforeCommit
from servicedomain.adapters.sql import open_store
from servicedomain.errors import ConcurrencyConflictError
from servicedomain.requests import ServiceRequest
from servicedomain.stages import EXAMPLE_STAGE_GRAPH
from sql_workers import reported


def request_id(round_number: int) -> str:
    return f"REQ-{round_number}"


def key(round_number: int) -> str:
    return f"portal-{round_number}"


def order_id(round_number: int, worker: int) -> str:
    return f"SO-{round_number}-{worker}"


def submitted(round_number: int, worker: int | None = None) -> ServiceRequest:
    """Customer C-1's request of a round under the round's key (``worker``: its own id)."""
    request, _ = ServiceRequest.submit(
        requests_fixtures.submission(idempotency_key=key(round_number)),
        id=request_id(round_number) + ("" if worker is None else f"-{worker}"),
        at=requests_fixtures.SUBMITTED,
        agreement=requests_fixtures.agreement(),
        relations=requests_fixtures.RELATIONS,
        taxonomy=requests_fixtures.TAXONOMY,
    )
    return request


def under_review(round_number: int) -> ServiceRequest:
    request, _ = submitted(round_number).start_review(at=requests_fixtures.REVIEWED, by="W-1")
    return request


@reported
def transfer_rounds(url: str, worker: int, rounds: int, parties: int, save: bool) -> list[str]:
    """Each round: load REQ-<round> (under review), transfer it to SO-<round>-<worker>, add
    the order (and, with ``save``, save the request), and commit with the others.

    Returns per round ``transferred`` or ``conflict``.
    """
    store = open_store(url)
    try:
        outcomes = []
        for number in range(rounds):
            with MeetBeforeCommit(store.unit_of_work(), parties) as uow:
                request = uow.service_requests.get(request_id(number))
                moved, order, events = request.transfer(
                    EXAMPLE_STAGE_GRAPH,
                    order_id=order_id(number, worker),
                    at=requests_fixtures.TRANSFERRED + timedelta(minutes=worker),
                    agreement=requests_fixtures.agreement(),
                    relations=requests_fixtures.RELATIONS,
                    taxonomy=requests_fixtures.TAXONOMY,
                )
                assert order is not None
                uow.service_orders.add(order)
                if save:
                    uow.service_requests.save(moved, expected_version=request.version)
                uow.collect(events)
                try:
                    uow.commit()
                except ConcurrencyConflictError:
                    outcomes.append("conflict")
                else:
                    outcomes.append("transferred")
        return outcomes
    finally:
        store.dispose()


@reported
def submit_rounds(url: str, worker: int, rounds: int, parties: int) -> list[str]:
    """Each round: add request REQ-<round>-<worker> under customer C-1's key of the round,
    committing with the others; a conflict is retried alone by looking the key up.

    Returns per round ``stored``, or ``conflict/`` and the id the key names then.
    """
    store = open_store(url)
    try:
        outcomes = []
        for number in range(rounds):
            with MeetBeforeCommit(store.unit_of_work(), parties) as uow:
                uow.service_requests.add(submitted(number, worker))
                try:
                    uow.commit()
                except ConcurrencyConflictError:
                    with store.unit_of_work() as again:
                        found = again.service_requests.by_idempotency_key("C-1", key(number))
                    outcomes.append(f"conflict/{None if found is None else found.id}")
                else:
                    outcomes.append("stored")
        return outcomes
    finally:
        store.dispose()
