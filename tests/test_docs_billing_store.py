"""The billing store of docs/how-to/implement-the-billing-ports.md passes the contract suite."""

from __future__ import annotations

from collections.abc import Mapping

from docs_billing_store import BillingStore, BillingUnitOfWork, StoreJournal
from servicedomain.billing import AccrualEntry
from servicedomain.ports import EventPublisher, Journal
from servicedomain.testing.billing_contracts import BillingStoreContract


class TestDocsBillingStore(BillingStoreContract[BillingStore, BillingUnitOfWork]):
    def make_store(self) -> BillingStore:
        return BillingStore()

    def new_unit_of_work(self, store: BillingStore) -> BillingUnitOfWork:
        return BillingUnitOfWork(store)

    def publishing_unit_of_work(
        self, store: BillingStore, publisher: EventPublisher
    ) -> BillingUnitOfWork:
        return BillingUnitOfWork(store, publisher=publisher)

    def new_journal(self, store: BillingStore) -> Journal[AccrualEntry]:
        return store.journal("ACR")

    def recorded(
        self, store: BillingStore, journal: Journal[AccrualEntry]
    ) -> Mapping[str, AccrualEntry]:
        assert isinstance(journal, StoreJournal)
        entries = journal.recorded()
        assert all(isinstance(entry, AccrualEntry) for entry in entries.values())
        return {tid: entry for tid, entry in entries.items() if isinstance(entry, AccrualEntry)}
