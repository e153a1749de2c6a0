"""Workers of the SQL concurrency tests: top-level functions a spawned process imports.

Each worker runs in a process of its own (a ``spawn`` pool: no state shared with the
test but the database and the barriers given to every worker when it starts), opens its
own store on the URL it is given and disposes of it before it returns. A worker returns
plain data (outcomes as text); anything unexpected comes back as a :class:`WorkerError`
carrying the worker's traceback, never as a library error the parent would have to
unpickle.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from multiprocessing.synchronize import Barrier
from typing import Any, ParamSpec, TypeVar

import attrs

from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.sql import Codec, SqlJournal, SqlStore, SqlUnitOfWork, open_store
from servicedomain.app import BillingDesk
from servicedomain.billing import (
    AccrualEntry,
    AccrualMethod,
    FeeTransaction,
    Subscription,
    SubscriptionGroup,
    generate_fees,
)
from servicedomain.errors import AlreadyInvoicedError, ConcurrencyConflictError
from servicedomain.money import Money
from servicedomain.periods import MONTHLY

P = ParamSpec("P")
R = TypeVar("R")

WAIT = 120.0
"""Seconds a worker waits at a barrier before giving up (the test then fails)."""

RETRIES = 50
"""Attempts a worker makes at one unit of work that keeps losing races."""

AT = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
GROUP = SubscriptionGroup(
    id="M",
    invoicing_period_code=MONTHLY,
    accrue_revenue=True,
    accrual_period_code=MONTHLY,
    accrual_method=AccrualMethod.EQUAL,
)
START = date(2024, 1, 1)


@attrs.frozen
class Tally:
    """A small aggregate: the names of the writers whose saves won, in order."""

    id: str
    version: int
    winners: tuple[str, ...] = ()

    def won_by(self, writer: str) -> Tally:
        return attrs.evolve(self, version=self.version + 1, winners=(*self.winners, writer))


@attrs.frozen
class Posting:
    """A journal entry of one worker's batch."""

    worker: int
    batch: int
    item: int

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.worker, self.batch, self.item)


def _tally(data: Mapping[str, Any]) -> Tally:
    return Tally(data["id"], data["version"], tuple(data["winners"]))


TALLIES = Codec(
    Tally, lambda tally: {**attrs.asdict(tally), "winners": list(tally.winners)}, _tally
)
POSTINGS = Codec(Posting, attrs.asdict, lambda data: Posting(**data))
CODECS = (TALLIES, POSTINGS)

_barriers: dict[int, Barrier] = {}


class WorkerError(Exception):
    """What went wrong in a worker, as the text of its traceback."""


def start_worker(barriers: Mapping[int, Barrier]) -> None:
    """The pool initializer: keep the barriers (by number of parties) of the tests."""
    _barriers.update(barriers)


def meet(parties: int) -> None:
    """Wait until ``parties`` workers are here."""
    _barriers[parties].wait(WAIT)


def reported(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function``; anything it raises comes back as a :class:`WorkerError`."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except BaseException as error:
            raise WorkerError(traceback.format_exc()) from error

    return run


def new_store(url: str) -> SqlStore:
    return open_store(url, codecs=CODECS)


def lost(error: Exception) -> str:
    """What a race lost with ``error`` is reported as."""
    return f"conflict:{type(error).__name__}"


# ------------------------------------------------------------------ compare-and-set


@reported
def save_rounds(url: str, writer: int, tally_id: str, rounds: int, parties: int) -> list[str]:
    """Each round: load ``tally_id`` at v with the others, then ``save(expected_version=v)``.

    Returns ``<v>:won`` or ``<v>:conflict:<error>`` per round.
    """
    store = new_store(url)
    results: list[str] = []
    try:
        for round_number in range(rounds):
            meet(parties)  # the previous round is committed everywhere
            with store.unit_of_work() as uow:
                tallies = uow.repository(Tally)
                current = tallies.get(tally_id)
                meet(parties)  # every writer holds version v
                try:
                    tallies.save(
                        current.won_by(f"{writer}:{round_number}"),
                        expected_version=current.version,
                    )
                    uow.commit()
                except ConcurrencyConflictError as error:
                    results.append(f"{current.version}:{lost(error)}")
                else:
                    results.append(f"{current.version}:won")
    finally:
        store.dispose()
    return results


@reported
def add_at_once(url: str, writer: int, tally_id: str, parties: int) -> str:
    """Add a new ``tally_id`` with the others (all checked it free before any commits)."""
    store = new_store(url)
    try:
        with store.unit_of_work() as uow:
            uow.repository(Tally).add(Tally(tally_id, 1, (f"{writer}",)))
            meet(parties)
            try:
                uow.commit()
            except ConcurrencyConflictError as error:
                return lost(error)
            return "won"
    finally:
        store.dispose()


# ------------------------------------------------------------------------- billing


def subscriptions(count: int, customers: int) -> list[Subscription]:
    """``count`` monthly subscriptions from 2024-01-01, spread over ``customers`` customers."""
    made = []
    for number in range(1, count + 1):
        sub, _events = Subscription.create(
            id=f"S-{number:03d}",
            group_id=GROUP.id,
            customer_id=f"C-{number % customers + 1:02d}",
            project_id="P-1",
            category_id="FEE",
            period_code=GROUP.invoicing_period_code,
            base_price=Money(Decimal(100 + number) + Decimal("0.25"), "EUR"),
            start_date=START,
            at=AT,
        )
        made.append(sub)
    return made


def seed(store: SqlStore, count: int, customers: int) -> None:
    """Store the :func:`subscriptions` in one unit of work."""
    with store.unit_of_work() as uow:
        for sub in subscriptions(count, customers):
            uow.subscriptions.add(sub)
        uow.commit()


def fee_batch(count: int, as_of: date) -> list[FeeTransaction]:
    """The fees of :func:`subscriptions` due by ``as_of``, as one batch."""
    return [fee for sub in subscriptions(count, 1) for fee in generate_fees(sub, as_of=as_of)]


class RacingUnitOfWork(SqlUnitOfWork):
    """A unit of work whose commit first waits for the other racers (if it is to race)."""

    def __init__(self, store: SqlStore, race: Callable[[], object] | None) -> None:
        super().__init__(store)
        self._race = race

    def commit(self) -> None:
        race, self._race = self._race, None
        if race is not None:
            race()
        super().commit()


def desk(store: SqlStore, races: list[Callable[[], object]] | None = None) -> BillingDesk:
    """A desk on ``store`` (its accrual journal ``ACR`` there too).

    While ``races`` holds a callable, the desk's next unit of work takes it and calls it
    just before its commit (to meet the other racers, or to let another run commit).
    """
    pending = [] if races is None else races

    def unit_of_work() -> SqlUnitOfWork:
        return RacingUnitOfWork(store, pending.pop() if pending else None)

    return BillingDesk(
        unit_of_work=unit_of_work,
        clock=FixedClock(AT),
        groups={GROUP.id: GROUP},
        accrual_journal=SqlJournal(store, "ACR", AccrualEntry),
    )


def _attempts(
    run: Callable[[], int], races: tuple[type[Exception], ...] = (ConcurrencyConflictError,)
) -> list[str]:
    """Run until a run does not lose a race (raise one of ``races``): what each did."""
    results: list[str] = []
    for _attempt in range(RETRIES):
        try:
            results.append(f"created:{run()}")
        except races as error:
            results.append(lost(error))
        else:
            return results
    return results


@reported
def fee_run(url: str, as_of: date, parties: int) -> list[str]:
    """Generate the fees of every subscription (racing at the first commit), retrying."""
    store = new_store(url)
    try:
        billing = desk(store, [functools.partial(meet, parties)])
        meet(parties)
        return _attempts(lambda: len(billing.generate_fees(as_of=as_of).created))
    finally:
        store.dispose()


@reported
def invoicing_runs(
    url: str, due_dates: Sequence[date], invoice_date: date, parties: int, paced: bool
) -> list[list[str]]:
    """Per due date: invoice what is due, retrying a run that lost a race.

    ``paced``: the racers start each due date together and meet again at its first
    commit (all have read before any commits); else they start together and go on at
    their own pace, and a run may also lose with ``AlreadyInvoicedError`` (it read a
    fee as due that a concurrent run invoiced before its commit, as
    :meth:`~servicedomain.app.BillingDesk.invoice_customers` says).
    """
    store = new_store(url)
    races: list[Callable[[], object]] = []
    results = []
    billing = desk(store, races)

    lost_races = (
        (ConcurrencyConflictError,) if paced else (ConcurrencyConflictError, AlreadyInvoicedError)
    )

    def invoice(due_by: date) -> int:
        return len(billing.invoice_customers(due_by=due_by, invoice_date=invoice_date))

    try:
        meet(parties)
        for due_by in due_dates:
            if paced:
                meet(parties)
                races.append(functools.partial(meet, parties))
            results.append(_attempts(functools.partial(invoice, due_by), lost_races))
    finally:
        store.dispose()
    return results


@reported
def add_fees(url: str, count: int, as_of: date, parties: int) -> list[str]:
    """Add the :func:`fee_batch` with the others (all read before any commits), retrying."""
    store = new_store(url)
    batch = fee_batch(count, as_of)
    racing = [True]

    def add() -> int:
        with store.unit_of_work() as uow:
            added = uow.fees.add_all(batch)
            if racing[0]:
                racing[0] = False
                meet(parties)
            uow.commit()
        return len(added)

    try:
        meet(parties)
        return _attempts(add)
    finally:
        store.dispose()


# ------------------------------------------------------------------------ journals


@reported
def post_batches(
    url: str, worker: int, batches: int, size: int, parties: int
) -> dict[str, list[Any]]:
    """Post ``batches`` batches of this worker's entries, at once with the others.

    Even batches go through :meth:`SqlJournal.post`, odd ones through a unit of work
    that enlists the journal; a post that loses a race is run again. Returns the
    ``ids`` each entry was given (``[worker, batch, item, id]``) and the ``retries``.
    """
    store = new_store(url)
    journal = SqlJournal(store, "J", POSTINGS)
    ids: list[list[Any]] = []
    retries = 0
    try:
        for batch in range(batches):
            entries = [Posting(worker, batch, item) for item in range(size)]
            meet(parties)
            for _attempt in range(RETRIES):
                try:
                    if batch % 2 == 0:
                        given = journal.post(entries)
                    else:
                        with store.unit_of_work() as uow:
                            given = uow.enlist(journal).post(entries)
                            uow.commit()
                except ConcurrencyConflictError:
                    retries += 1
                else:
                    break
            else:
                raise AssertionError(f"batch {batch} lost {RETRIES} races")
            ids.extend(
                [*entry.key, transaction_id]
                for entry, transaction_id in zip(entries, given, strict=True)
            )
    finally:
        store.dispose()
    return {"ids": ids, "retries": [retries]}
