"""Law U1 on the SQL adapter: the connection lost at any statement of a run, then a retry.

A fee run, an invoicing run (with accrual periods), an accrual run and a credit note
(their entries posted to an enlisted :class:`~servicedomain.adapters.sql.SqlJournal`)
a posting run (service orders to a journal per transaction type), the repair and
dispatch desks' runs, and a customer request submitted and transferred (the request
saved and its order added in one unit of work), on a SQLite file and on PostgreSQL; and
the outbox relay.
:class:`~servicedomain.testing.sql_faults.SqlFaultPlan` counts the n steps (statements
and commits) of a fault-free run on a fresh database; then, for every k in 1..n, the
run loses its connection at step k:

* the call raises :class:`~servicedomain.errors.StorageError` (nothing else), caused by
  the injected fault;
* every table holds what it held before the run, row for row, or, for the posting run
  (one unit of work per order), what it held after the orders whose commit came before
  the fault; the publisher got nothing of the failed unit of work;
* the same call again ends, row for row and event for event, as one fault-free run on a
  fresh database; so does another retry (the run the next day, the credit note under a
  new id) as one fault-free run of that retry.

Each sweep runs twice: the fault loses the connection (SQLAlchemy discards it, the
database rolls back), or the database refuses the statement and the connection goes
back to the pool (no connection may be left in a half-open transaction). The set-up
runs once for real; its rows are put back before each attempt.

What is compared: every row of every table of the adapter, in primary-key order, with
one exception: the outbox ``position`` (an autoincrement key) is compared by rank, not
value. PostgreSQL spends sequence values in transactions that roll back, so after a
failure the positions of the retry's events skip numbers; their order (the order a relay
publishes in) is compared. SQLite reuses the rowids of a rolled-back insert, so there the
raw positions are compared too.

Each COMMIT step is also swept with its reply lost (``after=True``): the commit is
durable although the caller saw StorageError; the state is then the run's, and the retry
adds nothing. Under the thorough Hypothesis profile (CI) every step is swept so too.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import settings

import requests_fixtures
from billing_fixtures import CLOCK
from orders_fixtures import AT, boiler_order, line, pump_agreement
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryEventPublisher
from servicedomain.adapters.sql import SqlJournal, SqlOutbox, SqlStore, metadata, open_store
from servicedomain.agreements import ServiceAgreement
from servicedomain.app import BillingDesk, DispatchDesk, RepairDesk, ServiceDesk
from servicedomain.billing import AccrualEntry, ReversalMode, Subscription, SubscriptionGroup
from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import BookingStatus, DispatchTeam, Interval
from servicedomain.errors import (
    AlreadyExistsError,
    InvalidBomError,
    InvalidInputError,
    StorageError,
    TypeMismatchError,
)
from servicedomain.events import DomainEvent
from servicedomain.money import Money
from servicedomain.orders import JournalEntry, ServiceOrder, TransactionType
from servicedomain.periods import MONTHLY, DateRange
from servicedomain.repairs import (
    BomLine,
    CoverageKind,
    RelationKind,
    TemplateBom,
    WarrantyCoverage,
)
from servicedomain.requests import RequestStatus, ServiceRequest
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH
from servicedomain.testing.faults import InjectedFault
from servicedomain.testing.sql_faults import SqlFaultPlan, injected_fault, table_rows

GROUP = SubscriptionGroup(
    id="M",
    invoicing_period_code=MONTHLY,
    accrual_period_code=MONTHLY,
    accrue_revenue=True,
    reversal=ReversalMode.INVOICE_DATE,
)
START = date(2024, 1, 1)
MARCH = DateRange(date(2026, 3, 1), date(2026, 4, 1))
KINDS = (TransactionType.HOUR, TransactionType.ITEM, TransactionType.EXPENSE)
Rows = dict[str, list[tuple[Any, ...]]]
THOROUGH = settings.get_current_profile_name() == "thorough"


def month(offset: int) -> date:
    """The first of the month ``offset`` months after START."""
    year, index = divmod(START.month - 1 + offset, 12)
    return date(START.year + year, index + 1, 1)


@attrs.define
class World:
    """A store, the publisher of its units of work, and the desks over them."""

    store: SqlStore
    publisher: InMemoryEventPublisher = attrs.Factory(InMemoryEventPublisher)
    later: timedelta = timedelta(0)  # how much later than planned the runs run

    def billing(self) -> BillingDesk:
        return BillingDesk(
            unit_of_work=lambda: self.store.unit_of_work(publisher=self.publisher),
            clock=CLOCK,
            groups={"M": GROUP},
            accrual_journal=SqlJournal(self.store, "ACR", AccrualEntry),
        )

    def repairs(self) -> RepairDesk:
        return RepairDesk(
            unit_of_work=lambda: self.store.unit_of_work(publisher=self.publisher),
            clock=FixedClock(AT),
            graph=GRAPH,
        )

    def dispatch(self) -> DispatchDesk:
        return DispatchDesk(
            unit_of_work=lambda: self.store.unit_of_work(publisher=self.publisher),
            clock=FixedClock(DISPATCH_AT),
        )

    def service(self) -> ServiceDesk:
        return ServiceDesk(
            unit_of_work=lambda: self.store.unit_of_work(publisher=self.publisher),
            clock=FixedClock(AT),
            graph=GRAPH,
            journals={kind: SqlJournal(self.store, kind.name, JournalEntry) for kind in KINDS},
        )


@attrs.frozen
class Scenario:
    """A store set up, then a run, and its retry (the same call, or ``retry``).

    ``units`` are the units of work of the run, as calls of ``run`` over a part of it:
    ``part(world, j)`` runs the first j of them (for the expected state after a fault
    that came after j commits); a one-unit run needs none.
    """

    setup: Callable[[World], None]
    run: Callable[[World], object]
    part: Callable[[World, int], object] | None = None
    units: int = 1
    retry_refused: tuple[type[Exception], ...] = ()
    retry: Callable[[World], object] | None = None  # another retry than ``run`` again


# --------------------------------------------------------------------------- set-ups


def add_subscriptions(world: World, count: int) -> None:
    with world.store.unit_of_work() as uow:
        for number in range(1, count + 1):
            uow.subscriptions.add(
                Subscription(
                    id=f"S-{number:02d}",
                    group_id="M",
                    customer_id=f"C-{number:02d}",
                    project_id="P-1",
                    category_id="FEE",
                    period_code=MONTHLY,
                    base_price=Money(Decimal("201.00"), "EUR"),
                    start_date=START,
                )
            )
        uow.commit()


def fee_run_setup(world: World) -> None:
    add_subscriptions(world, 5)


def fee_run(world: World) -> object:
    return world.billing().generate_fees(as_of=month(2) + world.later)


def invoicing_setup(world: World) -> None:
    add_subscriptions(world, 3)
    world.billing().generate_fees(as_of=month(1))


def invoicing_run(world: World) -> object:
    day = month(1) + world.later
    return world.billing().invoice_customers(due_by=day, invoice_date=day)


def accrual_setup(world: World) -> None:
    invoicing_setup(world)
    invoicing_run(world)


def accrual_run(world: World) -> object:
    day = month(2) + world.later
    return world.billing().accrue_revenue(through=day - timedelta(days=1), posting_date=day)


def credit_setup(world: World) -> None:
    add_subscriptions(world, 2)
    desk = world.billing()
    desk.generate_fees(as_of=month(1))
    desk.invoice_customers(due_by=month(1), invoice_date=month(1))
    desk.accrue_revenue(through=month(2) - timedelta(days=1), posting_date=month(2))


def credit_run(world: World) -> object:
    desk = world.billing()
    fees = [fee.id for fee in desk.fees("S-01")]
    return desk.credit_invoiced(
        credit_note_id="CN-1", credit_date=month(2) + timedelta(days=3), select=fees
    )


ORDERS = ("SO-01", "SO-02", "SO-03")


def posting_setup(world: World) -> None:
    orders = world.store.repository(ServiceOrder)
    for number, order_id in enumerate(ORDERS, start=1):
        lines = [
            line(KINDS[index % len(KINDS)], str(index + 1), "10.00", "15.00")
            for index in range(number)
        ]
        order = boiler_order(order_id, *lines)
        for stage in ("PLANNED", "IN_PROCESS", "COMPLETED"):
            order, _ = order.change_stage(GRAPH, stage, at=AT)
        order, _ = order.sign_off(at=AT)
        orders.add(order)


def posting_part(world: World, count: int) -> object:
    return world.service().post_orders(
        order_ids=ORDERS[:count], period=MARCH, types=frozenset(KINDS)
    )


def posting_run(world: World) -> object:
    return posting_part(world, len(ORDERS))


REPAIR_TEMPLATE = TemplateBom(
    id="T-PC",
    lines=(
        BomLine(line_id="1", item_id="PC", quantity=1, unit="pcs"),
        BomLine(line_id="2", item_id="GPU-1", quantity=1, parent_id="1", serial_number="G-1"),
    ),
)


def template_setup(world: World) -> None:
    world.repairs().store_template(REPAIR_TEMPLATE)


def create_object_run(world: World) -> object:
    return world.repairs().create_object(
        id="OBJ-1",
        group_id="PCS",
        item_id="PC",
        serial_number="S-1",
        template_bom_id="T-PC",
        coverage=[
            WarrantyCoverage.inclusive(CoverageKind.PARTS, date(2026, 1, 1), date(2026, 12, 31))
        ],
    )


def object_setup(world: World) -> None:
    """The template, the object and the documents it is related to (they own relations)."""
    template_setup(world)
    create_object_run(world)
    world.store.repository(ServiceOrder).add(boiler_order("SO-1"))
    world.store.repository(ServiceAgreement).add(pump_agreement("AG-1"))


def relate_run(world: World) -> object:
    return world.repairs().relate("OBJ-1", relation_id="R-1", kind=RelationKind.ORDER, key="SO-1")


def related_setup(world: World) -> None:
    object_setup(world)
    relate_run(world)
    world.repairs().relate("OBJ-1", relation_id="R-2", kind=RelationKind.AGREEMENT, key="AG-1")


def attach_run(world: World) -> object:
    return world.repairs().attach_template("OBJ-1", "R-1", bom_id="B-1", on=date(2026, 3, 1))


def attached_setup(world: World) -> None:
    related_setup(world)
    attach_run(world)


def replace_quantity_run(world: World) -> object:
    return world.repairs().replace_bom_quantity("B-1", "1", 3, on=date(2026, 3, 2), order_id="SO-1")


def insert_line_run(world: World) -> object:
    line = BomLine(line_id="3", item_id="FAN", quantity=2, parent_id="1")
    return world.repairs().insert_bom_line("B-1", line, on=date(2026, 3, 2), order_id="SO-1")


def move_run(world: World) -> object:
    return world.repairs().move_bom("B-1", "R-2")


DISPATCH_AT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
DISPATCH_DAY = WorkingCalendar.standard("UTC", slots=["08:00-17:00"], id="DAY")


def second_object_setup(world: World) -> None:
    """OBJ-1 related under R-1 and R-2, and a second object, OBJ-2, related to nothing."""
    related_setup(world)
    world.repairs().create_object(id="OBJ-2", group_id="PCS", item_id="PC", serial_number="S-2")


def move_relation_run(world: World) -> object:
    """R-2 leaves OBJ-1 for OBJ-2 in one unit of work, through the port (the objects
    only: the store's side of law R8, its key row deleted, then inserted for OBJ-2);
    done already, it changes nothing."""
    with world.store.unit_of_work(publisher=world.publisher) as uow:
        one, two = uow.service_objects.get("OBJ-1"), uow.service_objects.get("OBJ-2")
        held = any(relation.id == "R-2" for relation in one.relations)
        given_up, left = one.unrelate("R-2", at=AT) if held else (one, ())
        taken, joined = two.relate(
            relation_id="R-2", kind=RelationKind.AGREEMENT, key="AG-1", at=AT
        )
        for before, after in ((one, given_up), (two, taken)):
            if after is not before:
                uow.service_objects.save(after, expected_version=before.version)
        uow.collect((*left, *joined))
        uow.commit()
    return given_up, taken


def dispatch_setup(world: World) -> None:
    world.service().create_order(order_id="SO-D", customer_id="C-1")
    desk = world.dispatch()
    desk.create_technician(id="W-1", calendar=DISPATCH_DAY, skills={"HVAC": 2})
    desk.create_technician(id="W-2", calendar=DISPATCH_DAY)
    window = Interval(DISPATCH_AT, DISPATCH_AT + timedelta(days=1))
    desk.require("SO-D", id="RQ-1", window=window, duration=timedelta(hours=2))


def book_run(world: World) -> object:
    nine = DISPATCH_AT.replace(hour=9)
    return world.dispatch().book(
        "RQ-1", "W-1", id="B-1", start=nine, status=BookingStatus.COMMITTED
    )


def booked_setup(world: World) -> None:
    dispatch_setup(world)
    book_run(world)


def reschedule_run(world: World) -> object:
    return world.dispatch().reschedule("B-1", start=DISPATCH_AT.replace(hour=13))


def reassign_run(world: World) -> object:
    return world.dispatch().reassign("B-1", "W-2")


def teams_run(world: World) -> object:
    return world.dispatch().set_teams([DispatchTeam("N", members=["W-1", "W-2"])])


def submit_run(world: World) -> object:
    """Submit REQ-1 (idempotent: a retry finds it under its key and stores nothing)."""
    with world.store.unit_of_work(publisher=world.publisher) as uow:
        known = uow.service_requests.by_idempotency_key("C-1", "portal-42")
        if known is not None:
            return known
        request, events = ServiceRequest.submit(
            requests_fixtures.submission(),
            id="REQ-1",
            at=requests_fixtures.SUBMITTED,
            agreement=requests_fixtures.agreement(),
            relations=requests_fixtures.RELATIONS,
            taxonomy=requests_fixtures.TAXONOMY,
        )
        uow.service_requests.add(request)
        uow.collect(events)
        uow.commit()
    return request


def reviewed_request_setup(world: World) -> None:
    with world.store.unit_of_work() as uow:
        uow.service_requests.add(requests_fixtures.under_review())
        uow.commit()


def transfer_run(world: World) -> object:
    """Transfer REQ-1 to SO-R1: the request saved and its order added in one unit of work."""
    with world.store.unit_of_work(publisher=world.publisher) as uow:
        request = uow.service_requests.get("REQ-1")
        if request.status is RequestStatus.TRANSFERRED:  # a retry: done already
            return request
        moved, order, events = request.transfer(
            GRAPH,
            order_id="SO-R1",
            at=requests_fixtures.TRANSFERRED,
            agreement=requests_fixtures.agreement(),
            relations=requests_fixtures.RELATIONS,
            taxonomy=requests_fixtures.TAXONOMY,
        )
        assert order is not None
        uow.service_requests.save(moved, expected_version=request.version)
        uow.service_orders.add(order)
        uow.collect(events)
        uow.commit()
    return moved


SCENARIOS = {
    "requests: submit a request": Scenario(lambda world: None, submit_run),
    "requests: transfer a request to an order": Scenario(reviewed_request_setup, transfer_run),
    "dispatch: book a technician": Scenario(dispatch_setup, book_run),
    "dispatch: reschedule a booking": Scenario(booked_setup, reschedule_run),
    # A reassignment committed (its reply lost) cannot be made again: it is W-2's.
    "dispatch: reassign a booking": Scenario(
        booked_setup, reassign_run, retry_refused=(InvalidInputError,)
    ),
    "dispatch: set the teams": Scenario(dispatch_setup, teams_run),
    "repair: create a service object": Scenario(template_setup, create_object_run),
    "repair: relate an object to an order": Scenario(object_setup, relate_run),
    "repair: attach a template": Scenario(related_setup, attach_run),
    "repair: replace a BOM quantity": Scenario(attached_setup, replace_quantity_run),
    # An inserted line committed (its reply lost) cannot be inserted again: its id is used.
    "repair: insert a BOM line": Scenario(
        attached_setup, insert_line_run, retry_refused=(InvalidBomError,)
    ),
    "repair: move a BOM": Scenario(attached_setup, move_run),
    "repair: move a relation to another object": Scenario(second_object_setup, move_relation_run),
    "fee run": Scenario(fee_run_setup, fee_run),
    "invoicing run": Scenario(invoicing_setup, invoicing_run),
    "accrual run": Scenario(accrual_setup, accrual_run),
    # A credit note committed (its reply lost) cannot be issued again under its id.
    "credit note": Scenario(credit_setup, credit_run, retry_refused=(AlreadyExistsError,)),
    "posting run": Scenario(posting_setup, posting_run, posting_part, len(ORDERS)),
}


def next_day(run: Callable[[World], object]) -> Callable[[World], object]:
    """``run`` as the next day's run (the clock and the run dates one day on)."""

    def rerun(world: World) -> object:
        return run(attrs.evolve(world, later=timedelta(days=1)))

    return rerun


def credit_reissued(world: World) -> object:
    desk = world.billing()
    fees = [fee.id for fee in desk.fees("S-01")]
    return desk.credit_invoiced(
        credit_note_id="CN-2", credit_date=month(2) + timedelta(days=3), select=fees
    )


# Other retries than the same call (the retries of the in-memory U1 sweeps): the end
# state is one fault-free run of the retry.
RETRIES = {
    "fee run, rerun the next day": Scenario(fee_run_setup, fee_run, retry=next_day(fee_run)),
    "invoicing run, rerun the next day": Scenario(
        invoicing_setup, invoicing_run, retry=next_day(invoicing_run)
    ),
    "accrual run, run the next day": Scenario(
        accrual_setup, accrual_run, retry=next_day(accrual_run)
    ),
    "credit note, reissued as CN-2": Scenario(credit_setup, credit_run, retry=credit_reissued),
}


# ---------------------------------------------------------------------------- sweep


def reset(store: SqlStore) -> None:
    """Empty every table (cheaper than a new database per step)."""
    with store.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


def raw_positions(store: SqlStore) -> list[int]:
    table = metadata.tables["servicedomain_outbox"]
    with store.engine.connect() as connection:
        return list(connection.scalars(sa.select(table.c.position).order_by(table.c.position)))


@attrs.define
class Sweep:
    """One scenario swept over one backend."""

    scenario: Scenario
    store: SqlStore
    reference: SqlStore
    steps: list[str] = attrs.Factory(list)
    one_run: Rows = attrs.Factory(dict)
    one_run_events: tuple[DomainEvent, ...] = ()
    prefixes: list[Rows] = attrs.Factory(list)
    prefix_events: list[tuple[DomainEvent, ...]] = attrs.Factory(list)
    retried: tuple[Rows, tuple[DomainEvent, ...], list[int]] = ({}, (), [])
    disconnect: bool = True
    set_up: Rows = attrs.Factory(dict)  # the raw rows after the set-up
    positions: list[int] = attrs.Factory(list)  # the raw outbox positions of one run

    def prepare(self) -> None:
        """Count the steps of one fault-free run on a fresh database; the states between."""
        scenario = self.scenario
        world = World(self.reference)
        scenario.setup(world)
        world.publisher = InMemoryEventPublisher()  # the run's events only
        with SqlFaultPlan(self.reference) as counting:
            scenario.run(world)
        self.steps = counting.steps
        self.one_run = table_rows(self.reference)
        self.one_run_events = world.publisher.published
        self.positions = raw_positions(self.reference)
        assert self.steps[-1] == "COMMIT", self.steps
        assert self.steps.count("COMMIT") == scenario.units, self.steps
        # The set-up once for real, then its rows restored before every attempt.
        reset(self.store)
        self.scenario.setup(World(self.store))
        self.set_up = table_rows(self.store, renumber=False)
        # The states (and the events published) after the first j units of work of the
        # run (j = 0: before the run).
        world = self.fresh()
        self.prefixes = [table_rows(self.store)]
        self.prefix_events = [world.publisher.published]
        for units in range(1, scenario.units):
            assert scenario.part is not None
            scenario.part(world, units)
            self.prefixes.append(table_rows(self.store))
            self.prefix_events.append(world.publisher.published)
        self.prefixes.append(self.one_run)
        self.prefix_events.append(self.one_run_events)
        self.retried = (self.one_run, self.one_run_events, self.positions)
        if scenario.retry is not None:  # one fault-free run of the retry, on a fresh store
            reset(self.reference)
            world = World(self.reference)
            scenario.setup(world)
            world.publisher = InMemoryEventPublisher()
            scenario.retry(world)
            rows, events = table_rows(self.reference), world.publisher.published
            self.retried = (rows, events, raw_positions(self.reference))

    def fresh(self) -> World:
        """The store as the set-up left it (its rows put back: faster than running it)."""
        reset(self.store)
        with self.store.engine.begin() as connection:
            for table in metadata.sorted_tables:
                rows = self.set_up[table.name]
                if rows:
                    names = table.columns.keys()
                    given = [dict(zip(names, row, strict=True)) for row in rows]
                    connection.execute(table.insert(), given)
        return World(self.store)

    def attempt(self, k: int, *, after: bool = False) -> None:
        """Fail at step k (``after``: once it ran); check what is visible; retry; check."""
        scenario, where = self.scenario, f"step {k}/{len(self.steps)} {self.steps[k - 1]}"
        world = self.fresh()
        faults = SqlFaultPlan(self.store, fail_at=k, after=after, disconnect=self.disconnect)
        with faults as plan, pytest.raises(StorageError) as raised:
            scenario.run(world)
        assert type(raised.value) is StorageError, where
        assert injected_fault(raised.value) is plan.fault, where
        # After a refused statement the adapter may roll back to its savepoint (an
        # insert of new entities on PostgreSQL): only ROLLBACKs may follow the fault.
        assert plan.steps[:k] == self.steps[:k], f"{where}: the run took another path"
        assert set(plan.steps[k:]) <= {"ROLLBACK"}, f"{where}: the run went on after the fault"
        assert table_rows(self.store) == self.prefixes[plan.commits], (
            f"{where}: a partial unit of work is visible"
        )
        # What was published: the events of the units of work that committed, but
        # for a lost commit reply (durable: its events are in the outbox only).
        durable = after and self.steps[k - 1] == "COMMIT"
        published = self.prefix_events[plan.commits - (1 if durable else 0)]
        assert world.publisher.published == published, f"{where}: a failed commit published"
        try:
            (scenario.retry or scenario.run)(world)
        except scenario.retry_refused:
            assert durable, f"{where}: the retry was refused"
        rows, events, positions = self.retried
        assert table_rows(self.store) == rows, f"{where}: the retry did not converge"
        lost = len(self.prefix_events[plan.commits]) - len(published) if durable else 0
        rest = events[len(published) + lost :]
        assert world.publisher.published == (*published, *rest), f"{where}: events of the retry"
        if self.store.engine.dialect.name == "sqlite":  # rowids of a rollback are reused
            assert raw_positions(self.store) == positions, where

    def check(self, *, after_every_step: bool = False) -> int:
        """Fail at every step; then after each COMMIT ran (its reply lost), or every step."""
        self.prepare()
        for k in range(1, len(self.steps) + 1):
            self.attempt(k)
        if self.scenario.retry is not None:  # a durable commit, then another call
            return len(self.steps)
        for k, step in enumerate(self.steps, start=1):
            if after_every_step or step == "COMMIT":
                self.attempt(k, after=True)
        return len(self.steps)


@pytest.fixture
def stores(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[SqlStore, SqlStore]]:
    """A store at ``database_url`` and a fresh one of the same backend, for the reference."""
    if database_url.startswith("sqlite"):
        other = f"sqlite:///{tmp_path / 'reference.db'}"
    else:
        factory: Callable[[], str] = request.getfixturevalue("new_postgresql_url")
        other = factory()
    store, reference = (
        open_store(database_url, create_tables=True),
        open_store(other, create_tables=True),
    )
    yield store, reference
    store.dispose()
    reference.dispose()


@pytest.mark.parametrize("name", list(RETRIES))
def test_U1_a_run_failing_at_any_statement_then_another_retry_is_one_run_of_the_retry(
    name: str, stores: tuple[SqlStore, SqlStore]
) -> None:
    """U1: the connection lost at step k, then another retry (the next day, a new id)."""
    assert Sweep(RETRIES[name], *stores).check() >= 5


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("disconnect", [True, False], ids=["lost connection", "refused"])
def test_U1_a_run_failing_at_any_statement_leaves_nothing_and_a_retry_is_one_run(
    name: str, disconnect: bool, stores: tuple[SqlStore, SqlStore]
) -> None:
    """U1: for every step k of the run, a fault at k; then the same run again.

    The fault loses the connection (SQLAlchemy discards it), or the database refuses
    the statement and the connection goes back to the pool for the retry to use. The
    fault after the step ran is swept at every COMMIT (its reply lost), and under the
    thorough Hypothesis profile (CI) after every step.
    """
    started = time.perf_counter()
    sweep = Sweep(SCENARIOS[name], *stores, disconnect=disconnect)
    steps = sweep.check(after_every_step=THOROUGH)
    assert steps >= 5
    print(f"{name}: n={steps} swept in {time.perf_counter() - started:.1f} s")


def test_U1_an_outbox_relay_failing_at_any_statement_marks_nothing_and_a_retry_relays_all(
    stores: tuple[SqlStore, SqlStore],
) -> None:
    """U1 for the relay: a fault at step k marks nothing published; the relay again does.

    Delivery is at least once: a relay that failed after handing the events to the
    publisher (at its UPDATE or COMMIT) hands them over again.
    """
    store, reference = stores
    world = World(reference)
    fee_run_setup(world)
    fee_run(world)
    events = world.publisher.published
    with SqlFaultPlan(reference) as counting:
        assert SqlOutbox(reference).relay(InMemoryEventPublisher(), at=AT) == len(events)
    one_relay = table_rows(reference)
    assert counting.steps[-1] == "COMMIT"
    sweep = [(k, False) for k in range(1, len(counting.steps) + 1)]
    for k, after in [*sweep, (len(counting.steps), True)]:
        reset(store)
        fee_run_setup(World(store))
        fee_run(World(store))
        before, relayed = table_rows(store), InMemoryEventPublisher()
        with SqlFaultPlan(store, fail_at=k, after=after) as plan, pytest.raises(StorageError):
            SqlOutbox(store).relay(relayed, at=AT)
        assert plan.failed
        assert table_rows(store) == (one_relay if after else before), f"step {k}"
        assert relayed.published in ((), events), f"step {k}"
        again = InMemoryEventPublisher()
        relayed_again = SqlOutbox(store).relay(again, at=AT)
        assert again.published == (() if after else events), f"step {k}"
        assert relayed_again == len(again.published)
        assert table_rows(store) == one_relay, f"step {k}"


def test_U1_a_credit_note_retried_after_its_commit_reply_was_lost_is_refused_as_existing(
    tmp_path: Path,
) -> None:
    """U1 regression: the commit of CN-1 is durable but its reply is lost; CN-1 again.

    Before the fix the retry was refused with CreditExceededError ("a credit of 201.00
    EUR exceeds the 0.00 EUR that can still be credited"), as if the caller had asked
    for too much, instead of saying that CN-1 exists.
    """
    counting_store = open_store(f"sqlite:///{tmp_path / 'counting.db'}", create_tables=True)
    credit_setup(World(counting_store))
    with SqlFaultPlan(counting_store) as counting:
        credit_run(World(counting_store))
    store = open_store(f"sqlite:///{tmp_path / 'credit.db'}", create_tables=True)
    world = World(store)
    credit_setup(world)
    lost = SqlFaultPlan(store, fail_at=len(counting.steps), after=True)
    with lost, pytest.raises(StorageError):
        credit_run(world)
    assert lost.steps[-1] == "COMMIT"
    assert table_rows(store) == table_rows(counting_store), "the lost reply's commit is durable"
    with pytest.raises(AlreadyExistsError) as refused:
        credit_run(world)
    assert refused.value.entity_id == "CN-1"
    assert table_rows(store) == table_rows(counting_store)


@pytest.mark.postgresql
def test_outbox_positions_skip_after_a_rolled_back_commit_on_postgresql_but_keep_their_order(
    new_postgresql_url: Callable[[], str],
) -> None:
    """Why the sweeps compare outbox positions by rank: PostgreSQL spends them on rollback."""
    reference, store = (open_store(new_postgresql_url(), create_tables=True) for _ in range(2))
    for each in (reference, store):
        fee_run_setup(World(each))
    with SqlFaultPlan(reference) as counting:
        fee_run(World(reference))
    assert counting.steps[-2:] == ["INSERT servicedomain_outbox", "COMMIT"]
    world = World(store)
    with SqlFaultPlan(store, fail_at=len(counting.steps)), pytest.raises(StorageError):
        fee_run(world)  # the outbox rows were inserted, then the commit lost
    fee_run(world)
    assert table_rows(store) == table_rows(reference)
    positions, first = raw_positions(store), raw_positions(reference)
    assert positions == sorted(positions)
    assert len(positions) == len(first)
    assert positions != first, "PostgreSQL gave the rolled-back positions back"
    store.dispose()
    reference.dispose()


# ------------------------------------------------------------------ the plan itself


def test_the_plan_counts_statements_and_commits_and_fails_the_one_asked(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'plan.db'}", create_tables=True)
    world = World(store)
    fee_run_setup(world)
    with SqlFaultPlan(store) as counting:
        fee_run(world)
    assert counting.steps[:2] == ["BEGIN", "SELECT servicedomain_subscriptions"]
    assert counting.steps[-4:] == [
        "SELECT servicedomain_fees",
        "INSERT servicedomain_fees",
        "INSERT servicedomain_outbox",
        "COMMIT",
    ]
    assert counting.commits == 1
    assert not counting.failed
    reset(store)
    fee_run_setup(world)
    with SqlFaultPlan(store, fail_at=len(counting.steps)) as lost, pytest.raises(StorageError):
        fee_run(world)
    assert lost.failed
    assert lost.commits == 0
    assert isinstance(lost.fault, InjectedFault)
    assert (lost.fault.step, lost.fault.call) == (len(counting.steps), "COMMIT")
    assert isinstance(lost.fault, store.engine.dialect.loaded_dbapi.OperationalError)
    # The listeners are gone: the same run now completes.
    fee_run(world)
    assert len(world.billing().fees("S-01")) == 3


def test_a_connection_lost_after_a_statement_holds_no_sqlite_write_lock(tmp_path: Path) -> None:
    """Regression (the plan): SQLAlchemy leaves a lost connection's cursor open, and a
    SQLite connection closed with a statement still prepared stays open, in its write
    transaction, until the cursor is collected; the plan closes it, as a lost
    connection holds nothing. Before, every retry waited out the busy timeout."""
    path = tmp_path / "lock.db"
    store = open_store(f"sqlite:///{path}", create_tables=True)
    world = World(store)
    fee_run_setup(world)
    with SqlFaultPlan(store) as counting:
        fee_run(world)
    reset(store)
    fee_run_setup(world)
    write = len(counting.steps) - counting.steps[::-1].index("BEGIN")  # BEGIN IMMEDIATE
    assert counting.steps[write] == "SELECT servicedomain_subscriptions"
    lost = SqlFaultPlan(store, fail_at=write + 1, after=True)
    with lost, pytest.raises(StorageError) as raised:
        fee_run(world)
    assert injected_fault(raised.value) is lost.fault  # the traceback (and cursor) live on
    probe = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    probe.execute("BEGIN IMMEDIATE")  # "database is locked" while the lost one holds it
    probe.execute("ROLLBACK")
    probe.close()


def test_a_plan_refuses_bad_arguments_and_a_second_plan_on_one_engine(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'plan.db'}", create_tables=True)
    with pytest.raises(TypeMismatchError, match="engine"):
        SqlFaultPlan("sqlite://")  # type: ignore[arg-type]
    with pytest.raises(TypeMismatchError, match="fail_at"):
        SqlFaultPlan(store, fail_at=True)
    with pytest.raises(InvalidInputError, match="fail_at"):
        SqlFaultPlan(store, fail_at=0)
    with pytest.raises(TypeMismatchError, match="after"):
        SqlFaultPlan(store, after=1)  # type: ignore[arg-type]
    with SqlFaultPlan(store), pytest.raises(InvalidInputError, match="engine"):  # noqa: SIM117
        with SqlFaultPlan(store):
            pass
    with SqlFaultPlan(store) as again:  # the first one left
        store.unit_of_work().invoices.list()
    assert again.steps == ["BEGIN", "SELECT servicedomain_invoices"]


def test_injected_fault_finds_the_fault_behind_an_error_or_none() -> None:
    fault = InjectedFault(3, "COMMIT")

    def wrapped() -> None:
        try:
            raise fault
        except InjectedFault as error:
            raise StorageError("commit", str(error)) from error

    with pytest.raises(StorageError) as raised:
        wrapped()
    assert injected_fault(raised.value) is fault
    assert injected_fault(StorageError("commit", "disk full")) is None
