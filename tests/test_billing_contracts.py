"""The in-memory billing adapter passes the billing store contract suite."""

from __future__ import annotations

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
