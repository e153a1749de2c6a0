"""The in-memory adapter passes the repair store contract and the repository contract on
service objects and service BOMs (SQLite and PostgreSQL: ``test_sql_contracts.py``)."""

from __future__ import annotations

from repair_hooks import ServiceBomHooks, ServiceObjectHooks
from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from servicedomain.ports import EventPublisher, RepairUnitOfWork
from servicedomain.repairs import ServiceBom, ServiceObject
from servicedomain.testing.contracts import RepositoryContract
from servicedomain.testing.repair_contracts import RepairStoreContract


class MemoryStores:
    def make_store(self) -> InMemoryStore:
        return InMemoryStore()

    def new_unit_of_work(self, store: InMemoryStore) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(store)

    def publishing_unit_of_work(
        self, store: InMemoryStore, publisher: EventPublisher
    ) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(store, publisher=publisher)


class TestInMemoryRepairStore(MemoryStores, RepairStoreContract[InMemoryStore, InMemoryUnitOfWork]):
    pass


class TestInMemoryServiceObjects(
    MemoryStores,
    ServiceObjectHooks,
    RepositoryContract[InMemoryStore, InMemoryUnitOfWork, ServiceObject],
):
    pass


class TestInMemoryServiceBoms(
    MemoryStores,
    ServiceBomHooks,
    RepositoryContract[InMemoryStore, InMemoryUnitOfWork, ServiceBom],
):
    pass


def test_the_in_memory_unit_of_work_is_a_repair_unit_of_work() -> None:
    assert isinstance(InMemoryUnitOfWork(InMemoryStore()), RepairUnitOfWork)
