"""Batch runs (``servicedomain.runs``) on SQLite and PostgreSQL: laws B1, B2, B3.

B1: a run in any chunks, in any order, with chunks run twice or cut by a fault mid-chunk
and run again, stores row by row what one single-process desk run stores on another
database. B2: a run planned twice is one run. B3: the chunks tile the key space. Also
the claim of chunks by concurrent workers on PostgreSQL (``SKIP LOCKED``), lease expiry,
parking with reasons, and bad input.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_fixtures import CLOCK
from orders_fixtures import AT as ORDER_AT
from orders_fixtures import pump_agreement
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.sql import SqlJournal, SqlStore, SqlUnitOfWork, metadata, open_store
from servicedomain.app import BillingDesk, ServiceDesk
from servicedomain.billing import AccrualEntry, SubscriptionGroup
from servicedomain.errors import (
    ConcurrencyConflictError,
    InvalidInputError,
    NotFoundError,
    TypeMismatchError,
)
from servicedomain.money import Money
from servicedomain.orders import JournalEntry, TransactionType
from servicedomain.periods import MONTHLY, QUARTERLY, DateRange
from servicedomain.runs import (
    ChunkResult,
    RunKind,
    claim_chunk,
    extend_lease,
    parked,
    plan_run,
    progress,
    run_all,
    run_chunk,
)
from servicedomain.stages import EXAMPLE_STAGE_GRAPH

NewUrl = Callable[[], str]
AS_OF = date(2024, 3, 31)
MONTHLY_GROUP = SubscriptionGroup(
    id="M", invoicing_period_code=MONTHLY, accrual_period_code=MONTHLY, accrue_revenue=True
)
QUARTERLY_GROUP = SubscriptionGroup(
    id="Q", invoicing_period_code=QUARTERLY, accrual_period_code=MONTHLY, accrue_revenue=True
)
GROUPS = {"M": MONTHLY_GROUP, "Q": QUARTERLY_GROUP}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def new_url(request: pytest.FixtureRequest, tmp_path: Path) -> NewUrl:
    """A factory of new, empty databases, on each engine in turn."""
    if request.param == "sqlite":
        numbers = iter(range(10**6))
        return lambda: f"sqlite:///{tmp_path / f'runs{next(numbers)}.db'}"
    new: NewUrl = request.getfixturevalue("new_postgresql_url")
    return new


@pytest.fixture
def stores(new_url: NewUrl) -> Iterator[Callable[[], SqlStore]]:
    """A factory of stores on new databases (migrated), disposed after the test."""
    made: list[SqlStore] = []

    def new() -> SqlStore:
        store = open_store(new_url(), create_tables=True)
        made.append(store)
        return store

    yield new
    for store in made:
        store.dispose()


class _FailingCommit(SqlUnitOfWork):
    def commit(self) -> None:
        self.rollback()
        raise ConcurrencyConflictError("store", "injected fault", None, None)


class Faults:
    """A unit-of-work factory whose ``n``-th unit of work fails at its commit (a fault)."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.left: int | None = None

    def fail_at(self, n: int | None) -> None:
        self.left = n

    def __call__(self) -> SqlUnitOfWork:
        if self.left is not None:
            self.left -= 1
            if self.left == 0:
                self.left = None
                return _FailingCommit(self.store)
        return SqlUnitOfWork(self.store)


def billing_desk(
    store: SqlStore,
    units: Callable[[], SqlUnitOfWork] | None = None,
    groups: dict[str, SubscriptionGroup] | None = None,
) -> BillingDesk:
    return BillingDesk(
        unit_of_work=store.unit_of_work if units is None else units,
        clock=CLOCK,
        groups=GROUPS if groups is None else groups,
        accrual_journal=SqlJournal(store, "ACR", AccrualEntry),
    )


Sub = tuple[int, int, int, str]  # customer, start month, price, group


def seed(store: SqlStore, subs: list[Sub]) -> None:
    desk = billing_desk(store)
    for number, (customer, month, price, group) in enumerate(subs):
        desk.create_subscription(
            group_id=group,
            id=f"S-{number:03}",
            customer_id=f"C-{customer}",
            project_id="P",
            category_id="CAT",
            base_price=Money(Decimal(price), "EUR"),
            start_date=date(2024, month, 1),
        )


_COMPARED = (
    "servicedomain_subscriptions",
    "servicedomain_fees",
    "servicedomain_invoices",
    "servicedomain_invoiced_items",
    "servicedomain_accrual_periods",
    "servicedomain_number_sequences",
)


def rows(store: SqlStore) -> dict[str, list[tuple[Any, ...]]]:
    """The stored billing rows, sorted; journal entries without their (order-given) number."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as connection:
        for name in _COMPARED:
            table = metadata.tables[name]
            found[name] = sorted(
                (tuple(row) for row in connection.execute(sa.select(table))), key=repr
            )
        journal = metadata.tables["servicedomain_journal_entries"]
        found["journal"] = sorted(
            (
                tuple(row)
                for row in connection.execute(
                    sa.select(journal.c.journal, journal.c.entry_key, journal.c.body)
                )
            ),
            key=repr,
        )
    return found


def one_run(store: SqlStore) -> None:
    """The reference: one single-process desk run of fees, invoices and accruals."""
    desk = billing_desk(store)
    desk.generate_fees(as_of=AS_OF)
    desk.invoice_customers(due_by=AS_OF, invoice_date=AS_OF)
    desk.accrue_revenue(through=AS_OF, posting_date=AS_OF)


SUBS = st.lists(
    st.tuples(
        st.integers(1, 4), st.integers(1, 4), st.integers(1, 500), st.sampled_from(["M", "Q"])
    ),
    max_size=9,
).map(lambda subs: [(1, 1, 100, "M"), *subs])  # one bills for sure


@st.composite
def schedules(draw: st.DrawFn) -> dict[str, Any]:
    """Per run kind: chunk size, batch size, the order chunks run in, repeats and a fault."""
    return {
        kind: {
            "chunk_size": draw(st.integers(1, 5)),
            "batch_size": draw(st.integers(1, 3)),
            "order": draw(st.randoms(use_true_random=False)),
            "repeat": draw(st.lists(st.integers(1, 12), max_size=3)),
            "fault": draw(st.none() | st.tuples(st.integers(1, 12), st.integers(1, 3))),
        }
        for kind in (RunKind.FEES, RunKind.INVOICES, RunKind.ACCRUALS)
    }


def chunked_run(store: SqlStore, schedule: dict[str, Any]) -> None:
    faults = Faults(store)
    desk = billing_desk(store, faults)
    for kind in (RunKind.FEES, RunKind.INVOICES, RunKind.ACCRUALS):
        plan = schedule[kind]
        run = plan_run(store, kind, as_of=AS_OF, chunk_size=plan["chunk_size"])
        numbers = [chunk.number for chunk in run.chunks]
        plan["order"].shuffle(numbers)
        numbers += [n for n in plan["repeat"] if n <= len(numbers)]
        for number in numbers:
            fault = plan["fault"]
            faulty = fault is not None and fault[0] == number
            faults.fail_at(fault[1] if faulty else None)
            try:
                run_chunk(store, run.id, number, desk=desk, batch_size=plan["batch_size"])
            except ConcurrencyConflictError:
                assert faulty
                plan["fault"] = None  # the chunk runs again later, in run_all
            faults.fail_at(None)
        run_all(store, run.id, desk=desk, batch_size=plan["batch_size"])
        assert progress(store, run.id).finished


def _check_B1(new_url: NewUrl, subs: list[Sub], schedule: dict[str, Any]) -> None:
    reference = open_store(new_url(), create_tables=True)
    chunked = open_store(new_url(), create_tables=True)
    try:
        seed(reference, subs)
        seed(chunked, subs)
        one_run(reference)
        chunked_run(chunked, schedule)
        expected, got = rows(reference), rows(chunked)
    finally:
        reference.dispose()
        chunked.dispose()
    assert expected["servicedomain_fees"], "the scenario bills something"
    for name in expected:
        assert got[name] == expected[name], name


@pytest.mark.parametrize(
    "new_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
def test_B1_a_run_in_any_chunks_in_any_order_with_repeats_equals_one_sequential_run(
    request: pytest.FixtureRequest, new_url: NewUrl
) -> None:
    examples = 8 if "sqlite" in request.node.name else 3

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(subs=SUBS, schedule=schedules())
    def check(subs: list[Sub], schedule: dict[str, Any]) -> None:
        _check_B1(new_url, subs, schedule)

    check()


def test_B1_an_orders_run_in_chunks_equals_one_generate_orders(
    stores: Callable[[], SqlStore],
) -> None:
    period = DateRange.inclusive(date(2026, 3, 1), date(2026, 6, 30))

    def service_desk(store: SqlStore) -> ServiceDesk:
        return ServiceDesk(
            unit_of_work=store.unit_of_work,
            clock=FixedClock(ORDER_AT),
            graph=EXAMPLE_STAGE_GRAPH,
            journals={kind: SqlJournal(store, kind.name, JournalEntry) for kind in TransactionType},
        )

    reference, chunked = stores(), stores()
    for store in (reference, chunked):
        with store.unit_of_work() as uow:
            for number in range(7):
                uow.agreements.add(pump_agreement(f"SA-{number}"))
            uow.commit()
    service_desk(reference).generate_orders(
        agreement_ids=[f"SA-{n}" for n in range(7)], period=period, types=set(TransactionType)
    )
    run = plan_run(
        chunked, RunKind.ORDERS, as_of=period.start, params={"through": "2026-06-30"}, chunk_size=3
    )
    assert len(run.chunks) == 3
    desk = service_desk(chunked)
    for number in (3, 1, 2, 1):
        run_chunk(chunked, run.id, number, desk=desk, batch_size=2)
    orders = metadata.tables["servicedomain_service_orders"]
    with reference.engine.connect() as one, chunked.engine.connect() as other:
        expected = sorted(tuple(row) for row in one.execute(sa.select(orders)))
        assert expected
        assert sorted(tuple(row) for row in other.execute(sa.select(orders))) == expected
    assert progress(chunked, run.id).created == len(expected)


def test_B2_a_run_planned_twice_is_one_run(stores: Callable[[], SqlStore]) -> None:
    store = stores()
    seed(store, [(1, 1, 10, "M"), (2, 1, 20, "M"), (3, 2, 30, "Q")])
    first = plan_run(store, RunKind.FEES, as_of=AS_OF, chunk_size=2)
    seed_more = billing_desk(store)
    seed_more.create_subscription(
        group_id="M", id="S-100", customer_id="C-9", project_id="P", category_id="CAT",
        base_price=Money(5, "EUR"), start_date=date(2024, 1, 1),
    )  # fmt: skip
    again = plan_run(store, RunKind.FEES, as_of=AS_OF, chunk_size=1)
    assert again == first
    assert len(first.chunks) == 2
    other = plan_run(store, RunKind.FEES, as_of=AS_OF, params={"prices": "P2"})
    assert other.id != first.id
    assert plan_run(store, RunKind.FEES, as_of=date(2024, 4, 30)).id != first.id
    with store.engine.connect() as connection:
        count = connection.execute(
            sa.select(sa.func.count()).select_from(metadata.tables["servicedomain_batch_runs"])
        ).scalar_one()
    assert count == 3


@settings(max_examples=10, deadline=None)
@given(
    ids=st.sets(st.from_regex(r"[A-Z]-[0-9a-z]{1,4}", fullmatch=True), max_size=25),
    size=st.integers(1, 6),
    probes=st.lists(st.from_regex(r"[A-Z]-[0-9a-z]{0,5}", fullmatch=True), max_size=10),
)
def test_B3_the_chunks_tile_the_key_space(
    tmp_path_factory: pytest.TempPathFactory, ids: set[str], size: int, probes: list[str]
) -> None:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('b3') / 'b3.db'}", create_tables=True)
    try:
        with store.unit_of_work() as uow:
            for agreement_id in ids:
                uow.agreements.add(pump_agreement(agreement_id))
            uow.commit()
        run = plan_run(
            store, RunKind.ORDERS, as_of=AS_OF, params={"through": "2024-04-30"}, chunk_size=size
        )
        assert len(run.chunks) == max(1, -(-len(ids) // size))
        assert [chunk.number for chunk in run.chunks] == list(range(1, len(run.chunks) + 1))
        for item in [*ids, *probes]:  # stored ids, and ids stored after planning
            assert sum(chunk.holds(item) for chunk in run.chunks) == 1, item
        assert all(sum(chunk.holds(item) for item in ids) <= size for chunk in run.chunks)
    finally:
        store.dispose()


@pytest.mark.postgresql
def test_B3_the_chunks_tile_the_key_space_on_postgresql(new_postgresql_url: NewUrl) -> None:
    store = open_store(new_postgresql_url(), create_tables=True)
    try:
        subs = [(n % 3, 1, 10, "M") for n in range(11)]
        seed(store, subs)
        for kind, expected in ((RunKind.FEES, 3), (RunKind.INVOICES, 1)):
            run = plan_run(store, kind, as_of=AS_OF, chunk_size=5)
            assert len(run.chunks) == expected
            items = [f"S-{n:03}" for n in range(11)] if kind is RunKind.FEES else ["C-0", "C-1"]
            for item in items:
                assert sum(chunk.holds(item) for chunk in run.chunks) == 1
    finally:
        store.dispose()


# ------------------------------------------------------------------ claims and leases


def _claims(store: SqlStore, run_id: str, worker: str, taken: list[tuple[str, int]]) -> None:
    while True:
        chunk = claim_chunk(store, run_id, worker=worker, lease=timedelta(minutes=5))
        if chunk is None:
            return
        taken.append((worker, chunk.number))


@pytest.mark.postgresql
def test_threads_claiming_chunks_at_once_on_postgresql_never_claim_the_same_chunk(
    new_postgresql_url: NewUrl,
) -> None:
    store = open_store(new_postgresql_url(), create_tables=True)
    try:
        with store.unit_of_work() as uow:
            for number in range(40):
                uow.agreements.add(pump_agreement(f"SA-{number:02}"))
            uow.commit()
        run = plan_run(
            store, RunKind.ORDERS, as_of=AS_OF, params={"through": "2024-04-30"}, chunk_size=1
        )
        taken: list[tuple[str, int]] = []
        threads = [
            threading.Thread(target=_claims, args=(store, run.id, f"w{n}", taken)) for n in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        numbers = [number for _, number in taken]
        assert sorted(numbers) == list(range(1, 41))
        assert progress(store, run.id).running == 40
    finally:
        store.dispose()


def test_an_expired_lease_is_reclaimed_by_any_worker(stores: Callable[[], SqlStore]) -> None:
    store = stores()
    seed(store, [(1, 1, 10, "M"), (2, 1, 20, "M")])
    run = plan_run(store, RunKind.FEES, as_of=AS_OF, chunk_size=1)
    clock = FixedClock(datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    lease = timedelta(minutes=1)
    first = claim_chunk(store, run.id, worker="a", lease=lease, clock=clock)
    second = claim_chunk(store, run.id, worker="b", lease=lease, clock=clock)
    assert (first and first.number, second and second.number) == (1, 2)
    assert claim_chunk(store, run.id, worker="c", lease=lease, clock=clock) is None
    clock.advance(timedelta(seconds=30))
    assert extend_lease(store, run.id, 2, worker="b", lease=lease, clock=clock)
    clock.advance(timedelta(seconds=31))  # a's lease ended (b's was extended)
    again = claim_chunk(store, run.id, worker="a", lease=lease, clock=clock)
    assert again is not None
    assert again.number == 1
    assert not extend_lease(store, run.id, 2, worker="a", lease=lease, clock=clock)
    run_chunk(store, run.id, 1, desk=billing_desk(store), worker="a")
    state = progress(store, run.id)
    assert (state.done, state.running, state.ready) == (1, 1, 0)


# ------------------------------------------------------------------ parking


def test_parked_items_have_reasons_and_a_run_again_after_the_fix_bills_them_once(
    stores: Callable[[], SqlStore],
) -> None:
    store = stores()
    seed(store, [(1, 1, 10, "M"), (2, 1, 20, "Q"), (3, 1, 30, "M"), (2, 2, 5, "Q")])
    desk = billing_desk(store)
    desk.generate_fees(as_of=AS_OF)
    run = plan_run(store, RunKind.INVOICES, as_of=AS_OF, chunk_size=2)
    lacking = billing_desk(store, groups={"M": MONTHLY_GROUP})  # it lacks group Q: bad data
    results = run_all(store, run.id, desk=lacking)
    assert sum(result.created for result in results) == 2
    (item,) = parked(store, run.id)
    assert (item.item_id, item.chunk, item.error_type) == ("C-2", 1, "InvalidInputError")
    assert "Q" in item.message
    state = progress(store, run.id)
    assert (state.done, state.items_done, state.created, state.parked) == (2, 2, 2, 1)
    again = run_all(store, run.id, desk=desk)  # the fix: a desk that knows group Q
    assert [result.chunk for result in again] == [1]
    assert again[0] == ChunkResult(run.id, 1, 2, 1, ())
    assert parked(store, run.id) == ()
    assert run_all(store, run.id, desk=desk) == ()
    documents = desk.documents("C-2")
    assert len(documents) == 1
    assert len(documents[0].lines) == 2
    state = progress(store, run.id)
    assert (state.items_done, state.created, state.parked) == (3, 3, 0)


def test_a_storage_conflict_is_not_parked_and_the_chunk_is_ready_again(
    stores: Callable[[], SqlStore],
) -> None:
    store = stores()
    seed(store, [(1, 1, 10, "M"), (2, 1, 20, "M")])
    run = plan_run(store, RunKind.FEES, as_of=AS_OF)
    faults = Faults(store)
    faults.fail_at(1)
    with pytest.raises(ConcurrencyConflictError):
        run_chunk(store, run.id, 1, desk=billing_desk(store, faults))
    assert parked(store, run.id) == ()
    assert progress(store, run.id).ready == 1
    assert run_all(store, run.id, desk=billing_desk(store))[0].created == 6


# ------------------------------------------------------------------ bad input


def test_bad_input_is_refused_with_clear_errors(stores: Callable[[], SqlStore]) -> None:
    store = stores()
    run = plan_run(store, RunKind.FEES, as_of=AS_OF)
    with pytest.raises(TypeMismatchError, match="kind"):
        plan_run(store, "fees", as_of=AS_OF)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="as_of"):
        plan_run(store, RunKind.FEES, as_of=datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidInputError, match="chunk_size"):
        plan_run(store, RunKind.FEES, as_of=AS_OF, chunk_size=0)
    with pytest.raises(InvalidInputError, match="through"):
        plan_run(store, RunKind.ORDERS, as_of=AS_OF)
    with pytest.raises(InvalidInputError, match="through"):
        plan_run(store, RunKind.ORDERS, as_of=AS_OF, params={"through": "soon"})
    with pytest.raises(InvalidInputError, match="params"):
        plan_run(store, RunKind.FEES, as_of=AS_OF, params={"n": 1})  # type: ignore[dict-item]
    with pytest.raises(TypeMismatchError, match="store"):
        plan_run("sqlite://", RunKind.FEES, as_of=AS_OF)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="run"):
        progress(store, "fees-2024-03-31-0000")
    with pytest.raises(NotFoundError, match="chunk"):
        run_chunk(store, run.id, 9, desk=billing_desk(store))
    with pytest.raises(InvalidInputError, match="chunk_id"):
        run_chunk(store, run.id, 0, desk=billing_desk(store))
    with pytest.raises(TypeMismatchError, match="desk"):
        run_chunk(store, run.id, 1, desk=object())  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="lease"):
        claim_chunk(store, run.id, worker="w", lease=timedelta(0))
    with pytest.raises(InvalidInputError, match="worker"):
        claim_chunk(store, run.id, worker="", lease=timedelta(1))


def test_accrue_revenue_of_some_subscriptions_posts_only_their_fees_periods(
    stores: Callable[[], SqlStore],
) -> None:
    store = stores()
    seed(store, [(1, 1, 10, "M"), (2, 1, 20, "M"), (3, 1, 30, "M")])
    desk = billing_desk(store)
    desk.generate_fees(as_of=AS_OF)
    desk.invoice_customers(due_by=AS_OF, invoice_date=AS_OF)
    some = desk.accrue_revenue(through=AS_OF, posting_date=AS_OF, subscription_ids=["S-001"])
    assert some
    assert {entry.source_id.split(":")[0] for entry in some} == {"S-001"}
    rest = desk.accrue_revenue(through=AS_OF, posting_date=AS_OF)
    assert {entry.source_id.split(":")[0] for entry in rest} == {"S-000", "S-002"}
    with pytest.raises(InvalidInputError, match="subscription_ids"):
        desk.accrue_revenue(through=AS_OF, posting_date=AS_OF, subscription_ids=[""])


def test_a_database_without_the_run_tables_is_a_storage_error_not_a_driver_error(
    new_url: NewUrl,
) -> None:
    from servicedomain.adapters.sql import migrate
    from servicedomain.errors import StorageError

    url = new_url()
    migrate.upgrade(url, "0005")
    store = open_store(url)
    try:
        with pytest.raises(StorageError, match="servicedomain_batch_runs"):
            plan_run(store, RunKind.FEES, as_of=AS_OF)
        with pytest.raises(StorageError):
            progress(store, "fees-2024-03-31-0000")
    finally:
        store.dispose()
