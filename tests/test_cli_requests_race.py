"""Laws Q1 and Q2 as users run them: two OS processes running one ``requests`` command at once.

On SQLite and PostgreSQL, two spawned processes run ``servicedomain requests transfer
ID`` (through :func:`servicedomain.cli.main`, as the console script does) on the same
database at once, several rounds: the database holds exactly one order per request and
both processes print that order; one says it transferred the request, the other that it
was transferred already. Two processes submitting one file at once store one request
and both print it. ``forced``: each command's commit also waits for the other process's
(:mod:`cli_request_workers`), so both read before either commits; else both only start
at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cli_request_workers
from cli_requests_data import invoke, seed, write_submission
from servicedomain.adapters.sql import open_store
from test_sql_concurrency import Workers, workers

__all__ = ["workers"]  # the concurrency module's pool fixture, shared

ROUNDS = 4
FORCED = pytest.mark.parametrize("forced", [True, False], ids=["commits meet", "start at once"])


@pytest.fixture
def seeded(database_url: str, tmp_path: Path) -> str:
    """The database of ``database_url``, upgraded, with the rules, AG-1 and its pump."""
    seed(database_url, tmp_path)
    return database_url


def _orders(url: str) -> dict[str, list[str]]:
    """The stored orders' ids by the request they were transferred from."""
    store = open_store(url)
    try:
        with store.unit_of_work() as uow:
            found: dict[str, list[str]] = {}
            for order in uow.service_orders.list():
                found.setdefault(order.request_id or "", []).append(order.id)
            return found
    finally:
        store.dispose()


@FORCED
def test_Q1_two_processes_running_requests_transfer_at_once_print_the_one_order(
    workers: Workers, seeded: str, tmp_path: Path, forced: bool
) -> None:
    for number in range(ROUNDS):
        file = write_submission(tmp_path / f"{number}.json", idempotency_key=f"portal-{number}")
        request_id = cli_request_workers.request_id(number)
        assert invoke(seeded, "requests", "submit", str(file), "--id", request_id)[0] == 0
        assert invoke(seeded, "requests", "review", request_id, "--by", "W-1")[0] == 0
    results = workers.run(cli_request_workers.transfer_rounds, [(seeded, ROUNDS, forced)] * 2)
    orders = _orders(seeded)
    for number in range(ROUNDS):
        request_id = cli_request_workers.request_id(number)
        assert orders[request_id] == [f"SO-{request_id}"], (number, orders)
        outputs = [results[worker][number] for worker in (0, 1)]
        assert [code for code, _ in outputs] == [0, 0], outputs
        first_lines = {output.splitlines()[0] for _, output in outputs}
        assert len(first_lines) == 1, outputs
        assert first_lines.pop().startswith(f"order SO-{request_id}: origin web, incoming, ")
        assert sorted(output.splitlines()[-1] for _, output in outputs) == [
            f"requests transfer {request_id}: already transferred to SO-{request_id}",
            f"requests transfer {request_id}: transferred to SO-{request_id}",
        ], outputs
    assert sum(len(made) for made in orders.values()) == ROUNDS


@FORCED
def test_Q2_two_processes_running_requests_submit_with_one_file_at_once_store_one_request(
    workers: Workers, seeded: str, tmp_path: Path, forced: bool
) -> None:
    files = [
        str(write_submission(tmp_path / f"{number}.json", idempotency_key=f"portal-{number}"))
        for number in range(ROUNDS)
    ]
    results = workers.run(cli_request_workers.submit_rounds, [(seeded, files, forced)] * 2)
    store = open_store(seeded)
    try:
        with store.unit_of_work() as uow:
            stored = sorted(request.id for request in uow.service_requests.list())
    finally:
        store.dispose()
    assert stored == sorted(f"C-1/portal-{number}" for number in range(ROUNDS))
    for number in range(ROUNDS):
        outputs = [results[worker][number] for worker in (0, 1)]
        assert [code for code, _ in outputs] == [0, 0], outputs
        request_id = f"C-1/portal-{number}"
        assert {output.splitlines()[0] for _, output in outputs} == {
            f"{request_id}: submitted, customer C-1, agreement AG-1 (version 1)"
        }
        assert sorted(output.splitlines()[-1] for _, output in outputs) == [
            f"requests submit {number}.json: submitted {request_id}",
            f"requests submit {number}.json: unchanged, submitted before as {request_id}",
        ], outputs
