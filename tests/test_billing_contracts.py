"""The in-memory billing adapter passes the billing store contract suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork
from servicedomain.adapters.memory import InMemoryStore
from servicedomain.ports import EventPublisher
from servicedomain.testing.billing_contracts import BillingStoreContract


class TestInMemoryBillingStore(BillingStoreContract[InMemoryStore, InMemoryBillingUnitOfWork]):
    def make_store(self) -> InMemoryStore:
        return InMemoryStore()

    def new_unit_of_work(self, store: InMemoryStore) -> InMemoryBillingUnitOfWork:
        return InMemoryBillingUnitOfWork(store)

    def publishing_unit_of_work(
        self, store: InMemoryStore, publisher: EventPublisher
    ) -> InMemoryBillingUnitOfWork:
        return InMemoryBillingUnitOfWork(store, publisher=publisher)


DISPOSING_SUITE = """
from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork
from servicedomain.adapters.memory import InMemoryStore
from servicedomain.testing.billing_contracts import BillingStoreContract

LOG = {log!r}


def note(word):
    with open(LOG, "a") as log:
        log.write(word + "\\n")


class TestDisposing(BillingStoreContract):
    def make_store(self):
        note("made")
        return InMemoryStore()

    def dispose_store(self, store):
        note("disposed")

    def new_unit_of_work(self, store):
        return InMemoryBillingUnitOfWork(store)

    def publishing_unit_of_work(self, store, publisher):
        return InMemoryBillingUnitOfWork(store, publisher=publisher)
"""


def test_every_store_a_contract_test_makes_is_disposed(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    suite = tmp_path / "test_disposing.py"
    suite.write_text(DISPOSING_SUITE.format(log=str(log)))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    words = log.read_text().split()
    assert words.count("made") > 0
    assert words.count("disposed") == words.count("made")
