"""Workers of the CLI race tests: each round runs one ``servicedomain requests ...`` command.

A top-level module a spawned process imports. The command runs through
:func:`servicedomain.cli.main`, as the console script does, with its output captured.
The workers meet (the barriers of :mod:`sql_workers`) before each round's command, so
both start at once; with ``forced``, every unit of work of the command also waits at
its commit until the other process is at its own, so both have read the request (or
looked the key up) before either commits: the race is certain, not likely.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Sequence
from typing import Any
from unittest import mock

from dispatch_workers import MeetBeforeCommit
from servicedomain.adapters.sql import SqlStore
from servicedomain.cli import main
from sql_workers import meet, reported


def request_id(round_number: int) -> str:
    return f"REQ-{round_number}"


@contextlib.contextmanager
def _commits_meet(parties: int) -> Iterator[None]:
    """While inside: every unit of work of a store commits only with ``parties`` others."""
    opened = SqlStore.unit_of_work

    def meeting(store: SqlStore) -> Any:
        return MeetBeforeCommit(opened(store), parties)

    with mock.patch.object(SqlStore, "unit_of_work", meeting):
        yield


def _run(argv: Sequence[str]) -> tuple[int, str]:
    """Run the command line on ``argv``: its exit code, and stdout then stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


@reported
def transfer_rounds(url: str, rounds: int, forced: bool) -> list[tuple[int, str]]:
    """Each round: ``requests transfer REQ-<round>``, with the other worker at once."""
    outcomes = []
    for number in range(rounds):
        meet(2)
        with _commits_meet(2) if forced else contextlib.nullcontext():
            outcomes.append(_run(["--db", url, "requests", "transfer", request_id(number)]))
    return outcomes


@reported
def submit_rounds(url: str, files: Sequence[str], forced: bool) -> list[tuple[int, str]]:
    """Each round: ``requests submit FILE`` of the round's file, with the other worker."""
    outcomes = []
    for file in files:
        meet(2)
        with _commits_meet(2) if forced else contextlib.nullcontext():
            outcomes.append(_run(["--db", url, "requests", "submit", file]))
    return outcomes
