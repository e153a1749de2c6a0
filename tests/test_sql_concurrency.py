"""Concurrency on the SQL adapter, with processes (not threads): SQLite files and PostgreSQL.

Every race here is run by worker processes of a ``spawn`` pool (:mod:`sql_workers`),
each with its own store on the database, meeting at barriers so that they really race:
all read the same state before any of them commits. The laws:

* P1: N writers saving one aggregate from version v: exactly one wins, the rest get
  :class:`~servicedomain.errors.ConcurrencyConflictError`, nothing is lost; writers on
  different aggregates never conflict.
* P3 / F4 / I1: two fee runs or two invoicing runs over the same subscriptions at once
  store one set (equal to a single run on a fresh database); the loser's retry creates
  nothing; invoice numbers stay gapless per series; 8 identical fee batches added at once
  are stored once.
* Journals: entries posted by N processes at once (standalone and through enlisted
  units of work) are each recorded once, under gapless distinct ids.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from multiprocessing.pool import Pool
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa

import sql_workers
from servicedomain.adapters.sql import SqlJournal, SqlOutbox, SqlStore, metadata, open_store
from servicedomain.app import BillingDesk
from servicedomain.billing import AccrualEntry, FeeKind
from servicedomain.errors import ConcurrencyConflictError
from sql_workers import CODECS, POSTINGS, Posting, Tally

R = TypeVar("R")

ROUNDS = 100
WRITERS = 4
SUBSCRIPTIONS = 50
CUSTOMERS = 10
AS_OF = date(2024, 6, 1)
DUE_DATES = [date(2024, month, 1) for month in range(1, 5)]
INVOICE_DATE = date(2024, 6, 30)
TIMEOUT = 300.0  # seconds the test waits for its workers (they give up at a barrier first)


class Workers:
    """A pool of spawned worker processes and the barriers they share."""

    def __init__(self, pool: Pool, barriers: dict[int, Barrier]) -> None:
        self.pool = pool
        self.barriers = barriers

    def run(self, function: Callable[..., R], calls: Sequence[tuple[Any, ...]]) -> list[R]:
        """Run ``function`` once per argument tuple, each in a worker of its own, at once."""
        for barrier in self.barriers.values():
            barrier.reset()
        pending = [self.pool.apply_async(function, args) for args in calls]
        return [result.get(TIMEOUT) for result in pending]


@pytest.fixture(scope="module")
def workers() -> Iterator[Workers]:
    # spawn: a fresh interpreter per worker (no forked connections or locks); it gets
    # this process's sys.path, tests/ included, so it imports sql_workers by name.
    context = multiprocessing.get_context("spawn")
    barriers = {parties: context.Barrier(parties) for parties in (2, WRITERS, 8)}
    pool = context.Pool(8, initializer=sql_workers.start_worker, initargs=(barriers,))
    try:
        yield Workers(pool, barriers)
    finally:
        pool.terminate()
        pool.join()


@pytest.fixture
def reference_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second fresh database on the backend of ``database_url``, for a one-process run."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'reference.db'}"
    factory: Callable[[], str] = request.getfixturevalue("new_postgresql_url")
    return factory()


@pytest.fixture
def new_store() -> Iterator[Callable[[str], SqlStore]]:
    """Opens stores (creating the tables) on URLs; disposes of them after the test."""
    opened: list[SqlStore] = []

    def new(url: str) -> SqlStore:
        opened.append(open_store(url, codecs=CODECS, create_tables=True))
        return opened[-1]

    yield new
    for store in opened:
        store.dispose()


def stored(store: SqlStore) -> dict[str, Any]:
    """Everything a billing run writes, as comparable values."""
    with store.unit_of_work() as uow:
        subscriptions = uow.subscriptions.list()
        fees = [fee for sub in subscriptions for fee in uow.fees.for_subscription(sub.id)]
        invoices = uow.invoices.list()
        items = uow.invoices.invoiced(fee.id for fee in fees)
        accruals = uow.accruals.unposted_through(date(2100, 1, 1))
    sequences = metadata.tables["servicedomain_number_sequences"]
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(sequences.c.series, sequences.c.last_number))
        numbers = {row.series: row.last_number for row in rows}
    return {
        "subscriptions": subscriptions,
        "fees": fees,
        "invoices": invoices,
        "invoiced": items,
        "accruals": accruals,
        "events": [record.event for record in SqlOutbox(store).pending(limit=100_000)],
        "sequences": numbers,
    }


def fee_rows(store: SqlStore) -> int:
    """The number of rows of the fees table (the natural key makes each fee one row)."""
    with store.engine.connect() as connection:
        count = connection.execute(
            sa.select(sa.func.count()).select_from(metadata.tables["servicedomain_fees"])
        ).scalar_one()
    return int(count)


LOST = ("conflict:ConcurrencyConflictError", "conflict:AlreadyExistsError")


def one_winner(firsts: Sequence[str], created: int) -> None:
    """Of the racers' first attempts, one created ``created`` and the others lost the race."""
    assert len(firsts) > 1
    assert [seen for seen in firsts if seen not in LOST] == [f"created:{created}"], firsts


# ------------------------------------------------------------------------------ P1


def test_P1_n_processes_saving_one_aggregate_one_winner_per_round_nothing_lost(
    workers: Workers, database_url: str, new_store: Callable[[str], SqlStore]
) -> None:
    store = new_store(database_url)
    store.repository(Tally).add(Tally("T-1", 1))
    results = workers.run(
        sql_workers.save_rounds,
        [(database_url, writer, "T-1", ROUNDS, WRITERS) for writer in range(WRITERS)],
    )
    winners = []
    for number in range(ROUNDS):
        outcomes = [results[writer][number] for writer in range(WRITERS)]
        version = number + 1
        won = [writer for writer, seen in enumerate(outcomes) if seen == f"{version}:won"]
        assert len(won) == 1, (number, outcomes)
        lost = [seen for writer, seen in enumerate(outcomes) if writer not in won]
        assert lost == [f"{version}:conflict:ConcurrencyConflictError"] * (WRITERS - 1)
        winners.append(f"{won[0]}:{number}")
    final = store.repository(Tally).get("T-1")
    assert final.version == 1 + ROUNDS
    assert final.winners == tuple(winners)  # every winner's update is there: none lost


def test_P1_n_processes_saving_their_own_aggregates_never_conflict(
    workers: Workers, database_url: str, new_store: Callable[[str], SqlStore]
) -> None:
    store = new_store(database_url)
    for writer in range(WRITERS):
        store.repository(Tally).add(Tally(f"T-{writer}", 1))
    results = workers.run(
        sql_workers.save_rounds,
        [(database_url, writer, f"T-{writer}", ROUNDS, WRITERS) for writer in range(WRITERS)],
    )
    for writer in range(WRITERS):
        assert results[writer] == [f"{number + 1}:won" for number in range(ROUNDS)]
        final = store.repository(Tally).get(f"T-{writer}")
        assert final.version == 1 + ROUNDS
        assert final.winners == tuple(f"{writer}:{number}" for number in range(ROUNDS))


def test_P1_n_processes_adding_one_id_at_once_one_wins_the_rest_are_told_it_exists(
    workers: Workers, database_url: str, new_store: Callable[[str], SqlStore]
) -> None:
    store = new_store(database_url)
    for tally_id in ("T-1", "T-2", "T-3"):
        results = workers.run(
            sql_workers.add_at_once,
            [(database_url, writer, tally_id, WRITERS) for writer in range(WRITERS)],
        )
        assert sorted(results) == ["conflict:AlreadyExistsError"] * (WRITERS - 1) + ["won"]
        (winner,) = (str(writer) for writer, seen in enumerate(results) if seen == "won")
        assert store.repository(Tally).get(tally_id) == Tally(tally_id, 1, (winner,))


# ------------------------------------------------------------------------- billing


def test_P3_two_fee_runs_at_once_store_one_set_and_the_retry_creates_nothing(
    workers: Workers,
    database_url: str,
    reference_url: str,
    new_store: Callable[[str], SqlStore],
) -> None:
    store, reference = new_store(database_url), new_store(reference_url)
    for each in (store, reference):
        sql_workers.seed(each, SUBSCRIPTIONS, CUSTOMERS)
    single = sql_workers.desk(reference).generate_fees(as_of=AS_OF).created
    assert len(single) == SUBSCRIPTIONS * 6

    results = workers.run(sql_workers.fee_run, [(database_url, AS_OF, 2)] * 2)

    one_winner([attempts[0] for attempts in results], len(single))
    assert sorted(results, key=len)[1][1:] == ["created:0"]  # the loser's retry
    state, expected = stored(store), stored(reference)
    assert state == expected
    assert fee_rows(store) == len(single)
    amounts = Counter((fee.key, fee.amount) for fee in state["fees"])
    assert amounts == Counter((fee.key, fee.amount) for fee in single)
    assert all(fee.kind is FeeKind.CHARGE for fee in state["fees"])


def test_I1_two_invoicing_runs_at_once_invoice_each_source_once_with_gapless_numbers(
    workers: Workers,
    database_url: str,
    reference_url: str,
    new_store: Callable[[str], SqlStore],
) -> None:
    store, reference = new_store(database_url), new_store(reference_url)
    for each in (store, reference):
        sql_workers.seed(each, SUBSCRIPTIONS, CUSTOMERS)
        sql_workers.desk(each).generate_fees(as_of=DUE_DATES[-1])
    single = sql_workers.desk(reference)
    for due_by in DUE_DATES:
        assert len(single.invoice_customers(due_by=due_by, invoice_date=INVOICE_DATE)) == CUSTOMERS

    results = workers.run(
        sql_workers.invoicing_runs, [(database_url, DUE_DATES, INVOICE_DATE, 2, True)] * 2
    )

    for number in range(len(DUE_DATES)):
        rounds = [results[racer][number] for racer in range(2)]
        one_winner([attempts[0] for attempts in rounds], CUSTOMERS)
        assert sorted(rounds, key=len)[1][1:] == ["created:0"]  # the loser's retry
    state = stored(store)
    assert state == stored(reference)
    sources = [line.source_id for invoice in state["invoices"] for line in invoice.lines]
    assert sorted(sources) == sorted(fee.id for fee in state["fees"])  # each fee once
    series: dict[str, list[int]] = {}
    for invoice in state["invoices"]:
        stem, _, number = invoice.id.rpartition("-")
        series.setdefault(stem, []).append(int(number))
    assert len(series) == CUSTOMERS
    assert all(
        sorted(numbers) == list(range(1, len(DUE_DATES) + 1)) for numbers in series.values()
    ), series
    assert state["sequences"] == dict.fromkeys(series, len(DUE_DATES))


def test_I1_four_invoicing_runs_at_their_own_pace_invoice_each_source_once_gapless(
    workers: Workers, database_url: str, new_store: Callable[[str], SqlStore]
) -> None:
    store = new_store(database_url)
    sql_workers.seed(store, 20, 5)
    sql_workers.desk(store).generate_fees(as_of=DUE_DATES[-1])

    results = workers.run(
        sql_workers.invoicing_runs,
        [(database_url, DUE_DATES, INVOICE_DATE, WRITERS, False)] * WRITERS,
    )

    created = 0
    for run in (attempts for racer in results for attempts in racer):
        assert run[-1].startswith("created:"), run  # every run ended with a commit
        assert all(seen.startswith("conflict:") for seen in run[:-1]), run
        created += int(run[-1].removeprefix("created:"))
    state = stored(store)
    assert len(state["fees"]) == 20 * len(DUE_DATES)
    assert len(state["invoices"]) == created
    sources = [line.source_id for invoice in state["invoices"] for line in invoice.lines]
    assert sorted(sources) == sorted(fee.id for fee in state["fees"])  # each fee once
    assert sorted(state["invoiced"]) == sorted(sources)
    assert {period.source_id for period in state["accruals"]} == set(sources)
    series: dict[str, list[int]] = {}
    for invoice in state["invoices"]:
        stem, _, number = invoice.id.rpartition("-")
        series.setdefault(stem, []).append(int(number))
    assert len(series) == 5
    assert all(sorted(numbers) == list(range(1, len(numbers) + 1)) for numbers in series.values())
    assert state["sequences"] == {stem: len(numbers) for stem, numbers in series.items()}


def test_P3_eight_processes_adding_one_fee_batch_at_once_store_it_once(
    workers: Workers, database_url: str, new_store: Callable[[str], SqlStore]
) -> None:
    store = new_store(database_url)
    batch = sql_workers.fee_batch(10, AS_OF)
    results = workers.run(sql_workers.add_fees, [(database_url, 10, AS_OF, 8)] * 8)
    for attempts in results:  # each ended with a commit that did not lose a race
        assert attempts[-1] in (f"created:{len(batch)}", "created:0"), attempts
        assert all(seen == "conflict:ConcurrencyConflictError" for seen in attempts[:-1])
    with store.unit_of_work() as uow:
        fees = [
            fee for number in range(1, 11) for fee in uow.fees.for_subscription(f"S-{number:03d}")
        ]
    assert sorted(fees, key=lambda fee: fee.id) == sorted(batch, key=lambda fee: fee.id)
    assert fee_rows(store) == len(batch) == 60


# ------------------------------------------------------------------------ journals


def test_journal_posts_from_n_processes_are_recorded_once_under_gapless_ids(
    workers: Workers, database_url: str, new_store: Callable[[str], SqlStore]
) -> None:
    store = new_store(database_url)
    batches, size = 10, 5
    results = workers.run(
        sql_workers.post_batches,
        [(database_url, writer, batches, size, WRITERS) for writer in range(WRITERS)],
    )
    recorded = SqlJournal(store, "J", POSTINGS).recorded
    total = WRITERS * batches * size
    assert [transaction_id for transaction_id, _ in recorded] == [
        f"J-{number:06d}" for number in range(1, total + 1)
    ]
    assert {entry.key for _, entry in recorded} == {
        (writer, batch, item)
        for writer in range(WRITERS)
        for batch in range(batches)
        for item in range(size)
    }
    given = {
        Posting(worker, batch, item): transaction_id
        for result in results
        for worker, batch, item, transaction_id in result["ids"]
    }
    assert given == {entry: transaction_id for transaction_id, entry in recorded}


def test_I1_a_number_a_concurrent_commit_took_is_a_lost_race_not_a_broken_series(
    database_url: str, new_store: Callable[[str], SqlStore]
) -> None:
    # PostgreSQL, READ COMMITTED: a commit finds INV-...-2 free, then waits for the
    # series row a concurrent commit holds; when it gets it, the series is at 2 (the
    # other's INV-...-2 just committed). Here that view is set up by hand: the series
    # advanced, the document not seen. It is a lost race: run again, not a rule broken.
    store = new_store(database_url)
    sql_workers.seed(store, 1, 1)
    billing = sql_workers.desk(store)
    billing.generate_fees(as_of=date(2024, 2, 1))
    (first,) = billing.invoice_customers(due_by=DUE_DATES[0], invoice_date=INVOICE_DATE)
    sequences = metadata.tables["servicedomain_number_sequences"]
    with store.engine.begin() as connection:
        connection.execute(sequences.update().values(last_number=2))
    before = stored(store)
    with pytest.raises(ConcurrencyConflictError) as raised:
        billing.invoice_customers(due_by=DUE_DATES[1], invoice_date=INVOICE_DATE)
    assert (raised.value.entity_id, raised.value.expected_version) == (first.id[:-2], 1)
    assert raised.value.actual_version == 2
    assert stored(store) == before


def books(store: SqlStore, fee_id: str) -> tuple[object, ...]:
    """A fee's accrual periods, the accrual journal, the customer's documents, the events."""
    billing = sql_workers.desk(store)
    journal = SqlJournal(store, "ACR", AccrualEntry).recorded
    events = [record.event for record in SqlOutbox(store).pending(limit=1000)]
    return billing.accrual_periods(fee_id), journal, billing.documents("C-01"), events


@pytest.mark.parametrize(
    ("first", "other"), [("credit", "accrue"), ("accrue", "credit"), ("accrue", "accrue")]
)
def test_P4_an_accrual_run_racing_a_credit_note_or_another_run_loses_no_update(
    first: str,
    other: str,
    database_url: str,
    reference_url: str,
    new_store: Callable[[str], SqlStore],
) -> None:
    # ``other`` reads the fee's period; ``first`` runs whole and commits; then ``other``
    # commits (or loses the race and runs again). The books must be those of the two
    # runs one after the other. Two accrual runs: one entry, but two RevenueAccrued.
    store, reference = new_store(database_url), new_store(reference_url)
    fee_ids = []
    for each in (store, reference):
        sql_workers.seed(each, 1, 1)
        billing = sql_workers.desk(each)
        billing.generate_fees(as_of=DUE_DATES[0])
        (invoice,) = billing.invoice_customers(due_by=DUE_DATES[0], invoice_date=DUE_DATES[0])
        fee_ids.append(invoice.lines[0].source_id)
    fee_id = fee_ids[0]

    def run(billing: BillingDesk, which: str) -> object:
        if which == "credit":
            return billing.credit_invoiced(
                credit_note_id="CN-1", credit_date=date(2024, 2, 2), select=[fee_id]
            )
        return billing.accrue_revenue(through=date(2024, 1, 31), posting_date=date(2024, 1, 31))

    plain = sql_workers.desk(store)
    racing = sql_workers.desk(store, [lambda: run(plain, first)])
    try:
        run(racing, other)
    except ConcurrencyConflictError:
        run(plain, other)
    serial = sql_workers.desk(reference)
    run(serial, first)
    run(serial, other)
    assert books(store, fee_id) == books(reference, fee_id)
