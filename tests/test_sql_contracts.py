"""Every contract suite of the testing kit, on the SQL adapter: SQLite files and PostgreSQL."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import settings

import sql_databases
from orders_fixtures import boiler_order, pump_agreement, renoted, repaired_order
from repair_hooks import ServiceBomHooks, ServiceObjectHooks
from servicedomain.adapters.sql import Codec, SqlJournal, SqlStore, SqlUnitOfWork, open_store
from servicedomain.agreements import ServiceAgreement
from servicedomain.billing import AccrualEntry
from servicedomain.orders import ServiceOrder
from servicedomain.ports import EventPublisher, Journal, Repository
from servicedomain.repairs import ServiceBom, ServiceObject
from servicedomain.testing.billing_contracts import BillingStoreContract
from servicedomain.testing.contracts import (
    JournalContract,
    JournalUnitOfWorkContract,
    RepositoryContract,
)
from servicedomain.testing.repair_contracts import RepairStoreContract
from test_ports_memory import Entry, Widget

WIDGETS = Codec(Widget, attrs.asdict, lambda data: Widget(**data))
ENTRIES = Codec(Entry, attrs.asdict, lambda data: Entry(**data))
# A new journal is an empty one: each gets a name (and so a table partition) of its own.
JOURNAL_NAMES = (f"J{number}" for number in itertools.count(1))


# The Hypothesis-driven tests of the suites commit to a real database at every step: a
# hundred examples under the thorough profile (the quick one keeps its fifty).
DATABASE_EXAMPLES = min(settings().max_examples, 100)


class DatabaseHypothesisSettings:
    """The suites' Hypothesis settings, with fewer examples: each step is a commit."""

    def state_machine_settings(self) -> settings:
        return settings(max_examples=DATABASE_EXAMPLES, deadline=None, stateful_step_count=20)

    def hypothesis_settings(self) -> settings:
        return settings(max_examples=DATABASE_EXAMPLES, deadline=None)


class SqliteStores(DatabaseHypothesisSettings):
    """Each store a fresh SQLite file in a folder of its own."""

    def make_store(self) -> SqlStore:
        folder = Path(tempfile.mkdtemp(prefix="servicedomain-"))
        return open_store(f"sqlite:///{folder / 'store.db'}", codecs=[WIDGETS], create_tables=True)

    def dispose_store(self, store: SqlStore) -> None:
        database = store.engine.url.database
        store.dispose()
        assert database is not None
        shutil.rmtree(Path(database).parent, ignore_errors=True)

    def new_unit_of_work(self, store: SqlStore) -> SqlUnitOfWork:
        return SqlUnitOfWork(store)


class PostgresqlDatabases(DatabaseHypothesisSettings):
    """Fresh databases on the session's throwaway PostgreSQL server."""

    _server: sql_databases.PostgreSQLServer
    _databases: sql_databases.PostgreSQLDatabases

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def _postgresql(
        cls,
        postgresql_server: sql_databases.PostgreSQLServer,
        postgresql_databases: sql_databases.PostgreSQLDatabases,
    ) -> None:
        # Class scope: set up before the suites' per-test store fixtures, which call make_store.
        cls._server, cls._databases = postgresql_server, postgresql_databases

    def _fresh_store(self) -> SqlStore:
        url = self._server.url(self._databases.create())
        return open_store(url, codecs=[WIDGETS], create_tables=True)

    def _drop_store(self, store: SqlStore) -> None:
        name = store.engine.url.database
        store.dispose()
        assert name is not None
        self._databases.drop(name)


class PostgresqlStores(PostgresqlDatabases):
    """Each store a fresh database on the throwaway PostgreSQL server."""

    def make_store(self) -> SqlStore:
        return self._fresh_store()

    def dispose_store(self, store: SqlStore) -> None:
        self._drop_store(store)

    def new_unit_of_work(self, store: SqlStore) -> SqlUnitOfWork:
        return SqlUnitOfWork(store)


class WidgetHooks:
    def repository(self, uow: SqlUnitOfWork) -> Repository[Widget]:
        return uow.repository(Widget)

    def new_entity(self, entity_id: str) -> Widget:
        return Widget(entity_id, 1, "new")

    def changed(self, entity: Widget) -> Widget:
        return attrs.evolve(entity, version=entity.version + 1, name=entity.name + "+")


class AgreementHooks:
    def repository(self, uow: SqlUnitOfWork) -> Repository[ServiceAgreement]:
        return uow.agreements

    def new_entity(self, entity_id: str) -> ServiceAgreement:
        return pump_agreement(entity_id)

    def changed(self, entity: ServiceAgreement) -> ServiceAgreement:
        return attrs.evolve(entity, version=entity.version + 1)


class OrderHooks:
    def repository(self, uow: SqlUnitOfWork) -> Repository[ServiceOrder]:
        return uow.service_orders

    def new_entity(self, entity_id: str) -> ServiceOrder:
        return boiler_order(entity_id)

    def changed(self, entity: ServiceOrder) -> ServiceOrder:
        return attrs.evolve(entity, version=entity.version + 1)


class RepairedOrderHooks(OrderHooks):
    """Orders with repair lines (one finished): they are stored in the order's document."""

    def new_entity(self, entity_id: str) -> ServiceOrder:
        return repaired_order(entity_id)

    def changed(self, entity: ServiceOrder) -> ServiceOrder:
        return renoted(entity)


class EntryHooks:
    def new_entry(self, number: int) -> Entry:
        return Entry(number, "new")

    def changed_entry(self, entry: Entry) -> Entry:
        return attrs.evolve(entry, text=entry.text + "+")


class JournalUnitOfWorkHooks(EntryHooks):
    def new_journal(self, store: SqlStore) -> Journal[Entry]:
        return SqlJournal(store, "J", ENTRIES, name=next(JOURNAL_NAMES))

    def recorded(self, store: SqlStore, journal: Journal[Entry]) -> dict[str, Entry]:
        assert isinstance(journal, SqlJournal)
        return dict(journal.recorded)


class BillingHooks:
    def publishing_unit_of_work(self, store: SqlStore, publisher: EventPublisher) -> SqlUnitOfWork:
        return SqlUnitOfWork(store, publisher=publisher)

    def new_journal(self, store: SqlStore) -> Journal[AccrualEntry]:
        return SqlJournal(store, "ACR", AccrualEntry, name=next(JOURNAL_NAMES))

    def recorded(self, store: SqlStore, journal: Journal[AccrualEntry]) -> dict[str, Any]:
        assert isinstance(journal, SqlJournal)
        return dict(journal.recorded)


# ----------------------------------------------------------------------------- SQLite


class TestSqliteWidgets(
    SqliteStores, WidgetHooks, RepositoryContract[SqlStore, SqlUnitOfWork, Widget]
):
    pass


class TestSqliteAgreements(
    SqliteStores, AgreementHooks, RepositoryContract[SqlStore, SqlUnitOfWork, ServiceAgreement]
):
    pass


class TestSqliteServiceOrders(
    SqliteStores, OrderHooks, RepositoryContract[SqlStore, SqlUnitOfWork, ServiceOrder]
):
    pass


class TestSqliteRepairedServiceOrders(
    SqliteStores, RepairedOrderHooks, RepositoryContract[SqlStore, SqlUnitOfWork, ServiceOrder]
):
    pass


class TestSqliteJournalUnitOfWork(
    SqliteStores, JournalUnitOfWorkHooks, JournalUnitOfWorkContract[SqlStore, SqlUnitOfWork, Entry]
):
    pass


class TestSqliteJournal(EntryHooks, JournalContract[Entry]):
    def new_journal(self) -> Journal[Entry]:
        return SqlJournal(SqliteStores().make_store(), "J", ENTRIES)

    def dispose_store(self, journal: Journal[Entry]) -> None:
        assert isinstance(journal, SqlJournal)
        SqliteStores().dispose_store(journal._store)

    def recorded(self, journal: Journal[Entry]) -> dict[str, Entry]:
        assert isinstance(journal, SqlJournal)
        return dict(journal.recorded)


class TestSqliteBillingStore(
    SqliteStores, BillingHooks, BillingStoreContract[SqlStore, SqlUnitOfWork]
):
    pass


class TestSqliteRepairStore(
    SqliteStores, BillingHooks, RepairStoreContract[SqlStore, SqlUnitOfWork]
):
    pass


class TestSqliteServiceObjects(
    SqliteStores,
    ServiceObjectHooks,
    RepositoryContract[SqlStore, SqlUnitOfWork, ServiceObject],
):
    pass


class TestSqliteServiceBoms(
    SqliteStores, ServiceBomHooks, RepositoryContract[SqlStore, SqlUnitOfWork, ServiceBom]
):
    pass


# ------------------------------------------------------------------------- PostgreSQL


@pytest.mark.postgresql
class TestPostgresqlWidgets(
    PostgresqlStores, WidgetHooks, RepositoryContract[SqlStore, SqlUnitOfWork, Widget]
):
    pass


@pytest.mark.postgresql
class TestPostgresqlAgreements(
    PostgresqlStores, AgreementHooks, RepositoryContract[SqlStore, SqlUnitOfWork, ServiceAgreement]
):
    pass


@pytest.mark.postgresql
class TestPostgresqlServiceOrders(
    PostgresqlStores, OrderHooks, RepositoryContract[SqlStore, SqlUnitOfWork, ServiceOrder]
):
    pass


@pytest.mark.postgresql
class TestPostgresqlRepairedServiceOrders(
    PostgresqlStores, RepairedOrderHooks, RepositoryContract[SqlStore, SqlUnitOfWork, ServiceOrder]
):
    pass


@pytest.mark.postgresql
class TestPostgresqlJournalUnitOfWork(
    PostgresqlStores,
    JournalUnitOfWorkHooks,
    JournalUnitOfWorkContract[SqlStore, SqlUnitOfWork, Entry],
):
    pass


@pytest.mark.postgresql
class TestPostgresqlJournal(PostgresqlDatabases, EntryHooks, JournalContract[Entry]):
    def new_journal(self) -> Journal[Entry]:
        return SqlJournal(self._fresh_store(), "J", ENTRIES)

    def dispose_store(self, journal: Journal[Entry]) -> None:
        assert isinstance(journal, SqlJournal)
        self._drop_store(journal._store)

    def recorded(self, journal: Journal[Entry]) -> dict[str, Entry]:
        assert isinstance(journal, SqlJournal)
        return dict(journal.recorded)


@pytest.mark.postgresql
class TestPostgresqlBillingStore(
    PostgresqlStores, BillingHooks, BillingStoreContract[SqlStore, SqlUnitOfWork]
):
    pass


@pytest.mark.postgresql
class TestPostgresqlRepairStore(
    PostgresqlStores, BillingHooks, RepairStoreContract[SqlStore, SqlUnitOfWork]
):
    pass


@pytest.mark.postgresql
class TestPostgresqlServiceObjects(
    PostgresqlStores,
    ServiceObjectHooks,
    RepositoryContract[SqlStore, SqlUnitOfWork, ServiceObject],
):
    pass


@pytest.mark.postgresql
class TestPostgresqlServiceBoms(
    PostgresqlStores, ServiceBomHooks, RepositoryContract[SqlStore, SqlUnitOfWork, ServiceBom]
):
    pass


def test_both_databases_run_every_contract_suite_of_the_kit() -> None:
    """Each abstract suite of the testing kit has a test class here on SQLite and on PostgreSQL."""
    import inspect
    import sys

    from servicedomain.testing import billing_contracts, contracts, repair_contracts

    suites = [
        value
        for module in (contracts, billing_contracts, repair_contracts)
        for value in vars(module).values()
        if inspect.isclass(value)
        and value.__name__.endswith("Contract")
        and inspect.isabstract(value)
    ]
    assert len(suites) == 5, suites
    here = [
        value
        for value in vars(sys.modules[__name__]).values()
        if inspect.isclass(value) and value.__name__.startswith("Test")
    ]
    for database in ("Sqlite", "Postgresql"):
        run = {
            suite
            for cls in here
            if database in cls.__name__
            for suite in suites
            if issubclass(cls, suite)
        }
        assert sorted(suite.__name__ for suite in suites if suite not in run) == [], database
