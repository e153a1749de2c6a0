"""Booking one technician from two OS processes at once (SQLite and PostgreSQL), and the
PostgreSQL exclusion constraint that refuses overlapping held bookings by itself."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

import dispatch_workers
import sql_databases
from servicedomain.adapters.sql import SqlStore, metadata, migrate, open_store
from servicedomain.adapters.sql import _store as sql_store
from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import Booking, BookingStatus, Interval, Requirement, Technician
from servicedomain.errors import ConcurrencyConflictError, StorageError
from test_sql_concurrency import Workers, workers

__all__ = ["workers"]  # the module's pool fixture, shared

AT = dispatch_workers.AT
ROUNDS = 8
DAY = WorkingCalendar.standard("UTC", slots=["08:00-17:00"], id="DAY")


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    opened = open_store(database_url, create_tables=True)
    tech, _ = Technician.create(id="W-1", calendar=DAY, at=AT)
    with opened.unit_of_work() as uow:
        uow.technicians.add(tech)
        for number in range(ROUNDS):
            uow.requirements.add(
                Requirement(
                    id=f"RQ-{number}",
                    order_id="SO-1",
                    window=Interval(AT, AT + timedelta(days=2 * ROUNDS)),
                    duration=timedelta(hours=1),
                )
            )
        uow.commit()
    yield opened
    opened.dispose()


def test_P1_two_processes_booking_overlapping_slots_of_one_technician_store_one(
    workers: Workers, database_url: str, store: SqlStore
) -> None:
    results = workers.run(
        dispatch_workers.book_rounds, [(database_url, worker, ROUNDS, 2) for worker in (0, 1)]
    )
    for number in range(ROUNDS):
        outcomes = sorted(results[worker][number] for worker in (0, 1))
        assert outcomes == ["booked", "conflict"], (number, results)
    window = Interval(AT, AT + timedelta(days=2 * ROUNDS))
    with store.unit_of_work() as uow:
        stored = uow.bookings.for_technician("W-1", window)
    assert len(stored) == ROUNDS
    for first, second in itertools.pairwise(stored):
        assert not first.busy.overlaps(second.busy)


def _booking(booking_id: str, hour: int, status: BookingStatus, minute: int = 0) -> Booking:
    start = AT.replace(hour=hour, minute=minute)
    return Booking(
        id=booking_id,
        version=1,
        requirement_id="RQ-0",
        technician_id="W-1",
        start=start,
        end=start + timedelta(hours=2),
        travel=timedelta(minutes=30),
        status=status,
    )


def _insert(store: SqlStore, booking: Booking) -> None:
    """Insert a booking row directly, around the unit of work and its compare-and-set."""
    row = store._kind(Booking).row(booking)
    with store.engine.begin() as connection:
        connection.execute(sa.insert(metadata.tables["servicedomain_bookings"]).values(row))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_exclusion_constraint_refuses_an_overlapping_held_booking_written_directly(
    store: SqlStore,
) -> None:
    with store.unit_of_work() as uow:
        uow.bookings.add(_booking("B-1", 9, BookingStatus.COMMITTED))
        uow.commit()
    # B-2 holds [10:30, 12:30): it overlaps B-1's [08:30, 11:00) while both are held.
    with pytest.raises(sa.exc.IntegrityError, match="ex_servicedomain_bookings_held_time"):
        _insert(store, _booking("B-2", 11, BookingStatus.IN_PROGRESS))
    _insert(store, _booking("B-3", 11, BookingStatus.PROPOSED))  # a proposal holds nothing
    _insert(store, _booking("B-4", 11, BookingStatus.CANCELED))
    # B-5 holds [11:00, 13:30): it touches B-1's held time, which ends at 11:00.
    _insert(store, _booking("B-5", 11, BookingStatus.COMMITTED, minute=30))
    with store.unit_of_work() as uow:
        assert [b.id for b in uow.bookings.list()] == ["B-1", "B-3", "B-4", "B-5"]


@pytest.mark.postgresql
def test_0003_without_the_right_to_create_btree_gist_fails_with_what_to_install_or_grant(
    postgresql_server: sql_databases.PostgreSQLServer,
    new_postgresql_url: Callable[[], str],
) -> None:
    url = sa.make_url(new_postgresql_url())
    name = url.database
    assert name is not None
    with postgresql_server.connect(name) as admin:
        admin.execute("DROP ROLE IF EXISTS servicedomain_plain")  # from an earlier run
        admin.execute("CREATE ROLE servicedomain_plain LOGIN")
        admin.execute("GRANT CREATE ON SCHEMA public TO servicedomain_plain")
    try:
        plain = url.set(username="servicedomain_plain", password=None)
        with pytest.raises(StorageError, match="btree_gist") as refused:
            migrate.upgrade(plain)
        assert "postgresql-contrib" in str(refused.value)
        # On PostgreSQL the whole upgrade is one transaction: nothing of it is left.
        assert migrate.current_revision(plain) is None
    finally:
        with postgresql_server.connect(name) as admin:
            admin.execute("DROP OWNED BY servicedomain_plain")
            admin.execute("DROP ROLE servicedomain_plain")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_without_the_schedule_compare_and_set_the_constraint_still_refuses_and_maps_to_a_conflict(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql_store, "_apply_schedules", lambda connection, schedules: None)
    first, second = store.unit_of_work(), store.unit_of_work()
    with first, second:
        first.bookings.add(_booking("B-1", 9, BookingStatus.COMMITTED))
        second.bookings.add(_booking("B-2", 10, BookingStatus.COMMITTED))
        first.commit()
        with pytest.raises(ConcurrencyConflictError):
            second.commit()
    with store.unit_of_work() as uow:
        assert [booking.id for booking in uow.bookings.list()] == ["B-1"]
