"""The contract kit's own promises: tests time out instead of hanging; stores are disposed.

Every contract test times out instead of hanging, with a message naming it and the
limit. The adapters here block for good where a suite expects them not to: a read that waits
for an event nobody sets, a journal whose ``post`` never returns, and a billing unit of
work that writes at once under a row lock (the billing suite requires writes held
until the commit, so a rival unit of work in the same thread waits for itself).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import test_ports_memory
from servicedomain.adapters.memory import (
    InMemoryRepository,
    InMemoryStore,
    InMemoryUnitOfWork,
)
from servicedomain.billing import Subscription
from servicedomain.ports import EventPublisher, Journal
from servicedomain.testing.billing_contracts import BillingStoreContract
from servicedomain.testing.contracts import JournalContract
from test_ports_memory import Entry, Widget

LIMIT = 0.5
# How long a timed-out test may take in all: the limit and the thread's start and stop.
PROMPT = 5.0


@pytest.fixture
def never() -> Iterator[threading.Event]:
    """An event nothing sets during the test; set afterwards, so the blocked thread ends."""
    event = threading.Event()
    yield event
    event.set()


class _BlockingRepository(InMemoryRepository[Any]):
    def __init__(self, uow: InMemoryUnitOfWork, never: threading.Event) -> None:
        super().__init__(uow._store, Widget, unit_of_work=uow)
        self._never = never

    def get(self, entity_id: str) -> Any:
        self._never.wait()
        return super().get(entity_id)


class _BlockingJournal:
    def __init__(self, never: threading.Event) -> None:
        self._never = never

    def post(self, entries: Sequence[Entry]) -> list[str]:
        self._never.wait()
        return []


class _RowLockingUnitOfWork(InMemoryUnitOfWork):
    """Writes a subscription at once under its row lock, held until commit or rollback."""

    def __init__(self, store: InMemoryStore, locks: dict[str, threading.Lock]) -> None:
        self._locks = locks
        self._held: list[threading.Lock] = []
        super().__init__(store)

    @property
    def subscriptions(self) -> InMemoryRepository[Subscription]:
        uow = self

        class Locking(InMemoryRepository[Subscription]):
            def save(self, entity: Subscription, *, expected_version: int) -> None:
                lock = uow._locks.setdefault(entity.id, threading.Lock())
                lock.acquire()  # a rival in this thread waits here for good
                uow._held.append(lock)
                super().save(entity, expected_version=expected_version)

        return Locking(self._store, Subscription, unit_of_work=self)

    def rollback(self) -> None:
        super().rollback()
        while self._held:
            lock = self._held.pop()
            if lock.locked():  # released already if the test let a blocked rival go
                lock.release()


def _timed_out(run: Callable[[], object], test_name: str) -> float:
    """Run a contract test that blocks; check the failure and return how long it took."""
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception) as caught:
        run()
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert test_name in message, message
    assert f"timeout_seconds={LIMIT:g} s" in message, message
    return elapsed


def test_a_repository_contract_test_whose_adapter_blocks_forever_fails_in_time(
    never: threading.Event,
) -> None:
    class Blocking(test_ports_memory.TestInMemoryRepositoryContract):
        timeout_seconds = LIMIT

        def repository(self, uow: InMemoryUnitOfWork) -> InMemoryRepository[Any]:
            return _BlockingRepository(uow, never)

    suite = Blocking()
    suite.store = suite.make_store()
    elapsed = _timed_out(
        suite.test_add_then_get_round_trips, "Blocking.test_add_then_get_round_trips"
    )
    assert LIMIT <= elapsed < PROMPT, elapsed


def test_a_journal_contract_test_whose_journal_blocks_forever_fails_in_time(
    never: threading.Event,
) -> None:
    class Blocking(test_ports_memory.TestInMemoryJournalContract):
        timeout_seconds = LIMIT

        def new_journal(self) -> Journal[Entry]:
            return _BlockingJournal(never)

    suite = Blocking()
    suite.journal = suite.new_journal()
    name = "Blocking.test_one_entry_twice_in_one_call_is_recorded_once"
    elapsed = _timed_out(suite.test_one_entry_twice_in_one_call_is_recorded_once, name)
    assert LIMIT <= elapsed < PROMPT, elapsed


def test_a_billing_store_that_writes_at_once_under_row_locks_times_out() -> None:
    """The billing suite requires writes held until the commit: row locks wait for good."""
    locks: dict[str, threading.Lock] = {}

    class RowLocking(BillingStoreContract[InMemoryStore, InMemoryUnitOfWork]):
        timeout_seconds = LIMIT

        def make_store(self) -> InMemoryStore:
            return InMemoryStore()

        def new_unit_of_work(self, store: InMemoryStore) -> InMemoryUnitOfWork:
            return _RowLockingUnitOfWork(store, locks)

        def publishing_unit_of_work(
            self, store: InMemoryStore, publisher: EventPublisher
        ) -> InMemoryUnitOfWork:
            return InMemoryUnitOfWork(store, publisher=publisher)

    suite = RowLocking()
    suite._made = []
    name = "RowLocking.test_P2_a_failing_unit_of_work_stores_nothing"
    elapsed = _timed_out(suite.test_P2_a_failing_unit_of_work_stores_nothing, name)
    assert LIMIT <= elapsed < PROMPT, elapsed
    for lock in locks.values():  # let the blocked rival go, so its thread ends
        if lock.locked():
            lock.release()


def test_a_suite_may_override_a_test_and_it_is_timed_too(never: threading.Event) -> None:
    class Overriding(test_ports_memory.TestInMemoryJournalContract):
        timeout_seconds = LIMIT

        def test_post_returns_one_distinct_id_per_entry_in_order(self) -> None:
            never.wait()

    elapsed = _timed_out(
        Overriding().test_post_returns_one_distinct_id_per_entry_in_order,
        "Overriding.test_post_returns_one_distinct_id_per_entry_in_order",
    )
    assert elapsed < PROMPT
    assert issubclass(Overriding, JournalContract)


HANGING_SUITE = """
import threading

import attrs

from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from servicedomain.testing.contracts import RepositoryContract

NEVER = threading.Event()


@attrs.frozen
class Widget:
    id: str
    version: int


class Hanging:
    def __init__(self, uow):
        self.uow = uow

    def get(self, entity_id):
        NEVER.wait()

    def __getattr__(self, name):
        return getattr(self.uow.repository(Widget), name)


class TestHanging(RepositoryContract):
    timeout_seconds = 1

    def make_store(self):
        return InMemoryStore()

    def new_unit_of_work(self, store):
        return InMemoryUnitOfWork(store)

    def repository(self, uow):
        return Hanging(uow)

    def new_entity(self, entity_id):
        return Widget(entity_id, 1)

    def changed(self, entity):
        return Widget(entity.id, entity.version + 1)
"""


def test_pytest_reports_a_hanging_contract_test_as_failed_and_goes_on(tmp_path: Path) -> None:
    suite = tmp_path / "test_hanging.py"
    suite.write_text(HANGING_SUITE)
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            str(suite),
            "-k",
            "test_get_of_an_unknown_id_raises_not_found or test_list_of_an_empty_store_is_empty",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=120,
    )
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "1 failed, 1 passed" in output, output
    assert (
        "TestHanging.test_get_of_an_unknown_id_raises_not_found did not finish within "
        "timeout_seconds=1 s"
    ) in output, output
    assert elapsed < 60, elapsed


DISPOSING_SUITES = """
import attrs
from hypothesis import settings

from servicedomain.adapters.memory import InMemoryJournal, InMemoryStore, InMemoryUnitOfWork
from servicedomain.testing.contracts import (
    JournalContract,
    JournalUnitOfWorkContract,
    RepositoryContract,
)

LOG = {log!r}
settings.register_profile("few", max_examples=5, deadline=None)
settings.load_profile("few")


def note(word):
    with open(LOG, "a") as log:
        log.write(word + "\\n")


@attrs.frozen
class Widget:
    id: str
    version: int


@attrs.frozen
class Entry:
    number: int
    text: str

    @property
    def key(self):
        return self.number


class Disposing:
    def make_store(self):
        note("made " + type(self).__name__)
        return InMemoryStore()

    def dispose_store(self, store):
        note("disposed " + type(self).__name__)

    def new_unit_of_work(self, store):
        return InMemoryUnitOfWork(store)

    def new_entry(self, number):
        return Entry(number, "new")

    def changed_entry(self, entry):
        return Entry(entry.number, entry.text + "+")


class TestRepository(Disposing, RepositoryContract):
    def repository(self, uow):
        return uow.repository(Widget)

    def new_entity(self, entity_id):
        return Widget(entity_id, 1)

    def changed(self, entity):
        return Widget(entity.id, entity.version + 1)


class TestJournalUnitOfWork(Disposing, JournalUnitOfWorkContract):
    def new_journal(self, store):
        return InMemoryJournal("J")

    def recorded(self, store, journal):
        return dict(journal.recorded)


class TestJournal(Disposing, JournalContract):
    def new_journal(self):
        note("made TestJournal")
        return InMemoryJournal("J")

    def recorded(self, journal):
        return dict(journal.recorded)
"""


def test_every_store_a_contract_test_of_each_suite_makes_is_disposed(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    suite = tmp_path / "test_disposing.py"
    suite.write_text(DISPOSING_SUITES.format(log=str(log)))
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)),
            # A plain test, a failing one, a Hypothesis test and a state machine per suite.
            *("-k", "round_trips or raises_not_found or random or distinct_id or with_their_ids"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 passed" in result.stdout, result.stdout
    notes = log.read_text().splitlines()
    for suite_name in ("TestRepository", "TestJournalUnitOfWork", "TestJournal"):
        made = notes.count(f"made {suite_name}")
        assert made > 0, suite_name
        assert notes.count(f"disposed {suite_name}") == made, suite_name
