"""Law U1 All or nothing: a fault at any step of a unit of work, then any retry, is one run.

Every service runs once through :class:`~servicedomain.testing.faults.FaultPlan` to count
its port calls; then, for every step k, a fresh store runs it failing at step k (the
commit included: a lost commit), a retry follows (the same input, a new credit-note id,
the next day, an edited line after reopening), and the end state (store, journals,
published events) must equal one fault-free run of the retry. Sizes n in 1, 2, 5, 20.
"""

# Tests are named after the law they check (test_U1_...), as invariants.md asks.

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

import attrs
import pytest

from billing_fixtures import CLOCK, billing_desk_over
from orders_fixtures import AT, boiler_order, line, pump_agreement, service_desk_over
from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import (
    InMemoryEventPublisher,
    InMemoryJournal,
    InMemoryServiceUnitOfWork,
    InMemoryStore,
)
from servicedomain.agreements import ServiceAgreement
from servicedomain.app import DispatchDesk, RepairDesk
from servicedomain.billing import (
    AccrualEntry,
    ReversalMode,
    Subscription,
    SubscriptionGroup,
)
from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import Absence, BookingStatus, DispatchTeam, Interval
from servicedomain.money import Money
from servicedomain.orders import JournalEntry, ServiceOrder, TransactionType
from servicedomain.periods import MONTHLY, DateRange
from servicedomain.repairs import BomLine, CoverageKind, RelationKind, TemplateBom
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH
from servicedomain.testing.faults import FaultPlan, InjectedFault

SIZES = (1, 2, 5, 20)
MARCH = DateRange(date(2026, 3, 1), date(2026, 4, 1))
ALL_TYPES = frozenset(TransactionType)
KINDS = (TransactionType.HOUR, TransactionType.ITEM, TransactionType.EXPENSE, TransactionType.FEE)

WorldT = TypeVar("WorldT")
Run = Callable[[WorldT, FaultPlan], object]


@attrs.frozen
class Sweep(Generic[WorldT]):
    """A scenario: a store set up, a first run that may fail, a retry, and the state."""

    setup: Callable[[], WorldT]
    first: Run[WorldT]
    retry: Run[WorldT]
    state: Callable[[WorldT], object]
    journals: Callable[[WorldT], Sequence[InMemoryJournal[Any]]]

    def check(self) -> int:
        """For every step k of ``first``: fail at k, retry; the state is one retry's.

        Right after the fault, each journal holds only what it held before and the
        entries of the units of work that committed (none of the failed one).
        Returns the number of steps swept.
        """
        reference = self.setup()
        self.retry(reference, FaultPlan())
        expected = self.state(reference)
        counting, plan = self.setup(), FaultPlan()
        self.first(counting, plan)
        steps = len(plan.calls)
        assert plan.calls, "the first run made no port call"
        assert plan.calls[-1] == "commit", plan.calls
        for k in range(1, steps + 1):
            world, faulty = self.setup(), FaultPlan(fail_at=k)
            before = [_keys(journal) for journal in self.journals(world)]
            with pytest.raises(InjectedFault):
                self.first(world, faulty)
            for journal, held in zip(self.journals(world), before, strict=True):
                committed = {entry.key for entry in faulty.committed_entries(journal)}
                assert _keys(journal) == held | committed, (
                    f"fault at step {k}/{steps}: {journal!r} holds entries of a unit of work "
                    "that never committed"
                )
            self.retry(world, FaultPlan())
            assert self.state(world) == expected, f"fault at step {k}/{steps}: {faulty.calls[-1]}"
        return steps


def _keys(journal: InMemoryJournal[Any]) -> set[object]:
    return {entry.key for _, entry in journal.recorded}


# -------------------------------------------------------------------- service orders


@attrs.define
class OrderWorld:
    store: InMemoryStore = attrs.Factory(InMemoryStore)
    publisher: InMemoryEventPublisher = attrs.Factory(InMemoryEventPublisher)
    journals: dict[TransactionType, InMemoryJournal[JournalEntry]] = attrs.Factory(
        lambda: {kind: InMemoryJournal[JournalEntry](kind.name) for kind in TransactionType}
    )

    def uow(self, plan: FaultPlan) -> InMemoryServiceUnitOfWork:
        return plan.wrap(InMemoryServiceUnitOfWork(self.store, publisher=self.publisher))

    def all_journals(self) -> list[InMemoryJournal[Any]]:
        return list(self.journals.values())

    def state(self) -> object:
        return (
            InMemoryServiceUnitOfWork(self.store).service_orders.list(),
            InMemoryServiceUnitOfWork(self.store).agreements.list(),
            {kind: journal.recorded for kind, journal in self.journals.items()},
            self.publisher.published,
        )


ORDERS = (OrderWorld.state, OrderWorld.all_journals)


def completed_orders(count: int, lines_per_order: int = 2) -> Callable[[], OrderWorld]:
    def setup() -> OrderWorld:
        world = OrderWorld()
        for number in range(1, count + 1):
            lines = [
                line(KINDS[index % len(KINDS)], str(index + 1), "10.00", "15.00")
                for index in range(lines_per_order)
            ]
            order = boiler_order(f"SO-{number:02d}", *lines)
            for stage in ("PLANNED", "IN_PROCESS", "COMPLETED"):
                order, _ = order.change_stage(GRAPH, stage, at=AT)
            order, _ = order.sign_off(at=AT)
            world.store.repository(ServiceOrder).add(order)
        return world

    return setup


def post_all(count: int, at: datetime = AT) -> Run[OrderWorld]:
    def run(world: OrderWorld, plan: FaultPlan) -> object:
        return service_desk_over(
            world.uow(plan), FixedClock(at), journals=world.journals, graph=GRAPH
        ).post_orders(
            order_ids=[f"SO-{number:02d}" for number in range(1, count + 1)],
            period=MARCH,
            types=ALL_TYPES,
        )

    return run


def reopen_edit_and_post(world: OrderWorld, plan: FaultPlan) -> object:
    """Reopen SO-01, change line 1's quantity, complete and sign off again, post."""
    clock = FixedClock(AT + timedelta(hours=1))
    service_desk_over(world.uow(plan), clock, graph=GRAPH).change_stage("SO-01", "IN_PROCESS")
    service_desk_over(world.uow(plan), clock, graph=GRAPH).change_line(
        "SO-01", 1, quantity=Decimal("7")
    )
    service_desk_over(world.uow(plan), clock, graph=GRAPH).change_stage("SO-01", "COMPLETED")
    service_desk_over(world.uow(plan), clock).sign_off("SO-01")
    return post_all(1, clock.now())(world, plan)


@pytest.mark.parametrize("n", SIZES)
def test_U1_posting_orders_fails_at_any_step_and_a_rerun_is_one_run(n: int) -> None:
    """U1: n orders posted, a fault at step k, the same run again: one run's state."""
    Sweep(
        completed_orders(n), post_all(n), post_all(n), OrderWorld.state, OrderWorld.all_journals
    ).check()


@pytest.mark.parametrize("n", SIZES)
def test_U1_a_posting_whose_commit_is_lost_then_an_edited_line_posts_once(n: int) -> None:
    """U1 regression: posting lost at any step, the order reopened and a line edited.

    Before U1 the journal kept the lines of the lost posting, and the edited line could
    never be posted (IdempotencyConflictError on quantity).
    """
    Sweep(
        completed_orders(1, n),
        post_all(1),
        reopen_edit_and_post,
        OrderWorld.state,
        OrderWorld.all_journals,
    ).check()


def agreements(count: int) -> Callable[[], OrderWorld]:
    def setup() -> OrderWorld:
        world = OrderWorld()
        for number in range(1, count + 1):
            world.store.repository(ServiceAgreement).add(pump_agreement(f"AG-{number:02d}"))
        return world

    return setup


def generate_orders(count: int, last: date) -> Run[OrderWorld]:
    def run(world: OrderWorld, plan: FaultPlan) -> object:
        return service_desk_over(world.uow(plan), FixedClock(AT), graph=GRAPH).generate_orders(
            agreement_ids=[f"AG-{number:02d}" for number in range(1, count + 1)],
            period=DateRange.inclusive(date(2026, 1, 1), last),
            types=ALL_TYPES,
        )

    return run


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("retry_last", [date(2026, 3, 31), date(2026, 4, 30)])
def test_U1_order_generation_fails_at_any_step_and_a_rerun_is_one_run(
    n: int, retry_last: date
) -> None:
    """U1: generation from n agreements fails at step k; rerun (same or a later period)."""
    first, retry = generate_orders(n, date(2026, 3, 31)), generate_orders(n, retry_last)
    Sweep(agreements(n), first, retry, *ORDERS).check()


# --------------------------------------------------------------------------- billing

GROUP = SubscriptionGroup(
    id="M",
    invoicing_period_code=MONTHLY,
    accrual_period_code=MONTHLY,
    accrue_revenue=True,
    reversal=ReversalMode.INVOICE_DATE,
)
GROUPS = {"M": GROUP}
START = date(2024, 1, 1)


def month(offset: int) -> date:
    """The first of the month ``offset`` months after START."""
    year, index = divmod(START.month - 1 + offset, 12)
    return date(START.year + year, index + 1, 1)


@attrs.define
class BillingWorld:
    store: InMemoryStore = attrs.Factory(InMemoryStore)
    publisher: InMemoryEventPublisher = attrs.Factory(InMemoryEventPublisher)
    book: InMemoryJournal[AccrualEntry] = attrs.Factory(
        lambda: InMemoryJournal[AccrualEntry]("ACR")
    )

    def uow(self, plan: FaultPlan) -> InMemoryBillingUnitOfWork:
        return plan.wrap(InMemoryBillingUnitOfWork(self.store, publisher=self.publisher))

    def all_journals(self) -> list[InMemoryJournal[Any]]:
        return [self.book]

    def state(self) -> object:
        view = InMemoryBillingUnitOfWork(self.store)
        subscriptions = view.subscriptions.list()
        fees = [fee for sub in subscriptions for fee in view.fees.for_subscription(sub.id)]
        ids = [fee.id for fee in fees]
        return (
            subscriptions,
            fees,
            view.invoices.list(),
            view.invoices.invoiced(ids),
            [view.accruals.for_source(fee_id) for fee_id in ids],
            view.fees.due(due_by=date(2099, 1, 1)),
            self.book.recorded,
            self.publisher.published,
        )


BILLING = (BillingWorld.state, BillingWorld.all_journals)


def subscriptions(count: int, *, fees_each: int = 1) -> Callable[[], BillingWorld]:
    """``count`` subscriptions of ``count`` customers, with ``fees_each`` fees generated."""

    def setup() -> BillingWorld:
        world = BillingWorld()
        with InMemoryBillingUnitOfWork(world.store) as uow:
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
        if fees_each:
            billing_desk_over(InMemoryBillingUnitOfWork(world.store), CLOCK).generate_fees(
                as_of=month(fees_each - 1)
            )
        return world

    return setup


def invoiced(count: int, *, accrued: bool) -> Callable[[], BillingWorld]:
    """One subscription with ``count`` monthly fees, invoiced (and their revenue accrued)."""
    base = subscriptions(1, fees_each=count)

    def setup() -> BillingWorld:
        world = base()
        day = month(count - 1)
        billing_desk_over(
            InMemoryBillingUnitOfWork(world.store), CLOCK, groups=GROUPS
        ).invoice_customers(due_by=day, invoice_date=day)
        if accrued:
            billing_desk_over(
                InMemoryBillingUnitOfWork(world.store), CLOCK, journal=world.book
            ).accrue_revenue(through=month(count) - timedelta(days=1), posting_date=month(count))
        return world

    return setup


def credit(count: int, credit_note_id: str) -> Run[BillingWorld]:
    def run(world: BillingWorld, plan: FaultPlan) -> object:
        with InMemoryBillingUnitOfWork(world.store) as view:
            select = [fee.id for fee in view.fees.for_subscription("S-01")]
        assert len(select) == count
        return billing_desk_over(
            world.uow(plan), CLOCK, groups=GROUPS, journal=world.book
        ).credit_invoiced(
            credit_note_id=credit_note_id,
            credit_date=month(count) + timedelta(days=3),
            select=select,
        )

    return run


def accrue_run(count: int, day_offset: int = 0) -> Run[BillingWorld]:
    def run(world: BillingWorld, plan: FaultPlan) -> object:
        day = month(count) + timedelta(days=day_offset)
        return billing_desk_over(world.uow(plan), CLOCK, journal=world.book).accrue_revenue(
            through=day - timedelta(days=1), posting_date=day
        )

    return run


def invoice(count: int, day_offset: int = 0) -> Run[BillingWorld]:
    def run(world: BillingWorld, plan: FaultPlan) -> object:
        day = month(1) + timedelta(days=day_offset)
        return billing_desk_over(world.uow(plan), CLOCK, groups=GROUPS).invoice_customers(
            due_by=day, invoice_date=day
        )

    return run


def fees(day_offset: int = 0) -> Run[BillingWorld]:
    def run(world: BillingWorld, plan: FaultPlan) -> object:
        return billing_desk_over(world.uow(plan), CLOCK).generate_fees(
            as_of=month(2) + timedelta(days=day_offset)
        )

    return run


@pytest.mark.parametrize("n", SIZES)
def test_U1_a_credit_fails_at_any_step_and_the_same_credit_again_is_one_run(n: int) -> None:
    """U1: crediting n accrued fees fails at step k; the same credit note again."""
    Sweep(invoiced(n, accrued=True), credit(n, "CN-1"), credit(n, "CN-1"), *BILLING).check()


@pytest.mark.parametrize("n", SIZES)
def test_U1_a_lost_credit_reissued_under_a_new_id_reverses_the_accruals_once(n: int) -> None:
    """U1 regression: a credit lost at any step, reissued as CN-2, reverses once.

    Before U1 the journal kept CN-1's reversals, and CN-2 reversed the accruals again
    (402.00 EUR reversed against 201.00 EUR accrued).
    """
    Sweep(invoiced(n, accrued=True), credit(n, "CN-1"), credit(n, "CN-2"), *BILLING).check()


@pytest.mark.parametrize("n", SIZES)
def test_U1_an_accrual_run_fails_at_any_step_and_the_same_run_again_is_one_run(n: int) -> None:
    """U1: accruing n invoiced fees fails at step k; the same run again."""
    Sweep(
        invoiced(n, accrued=False),
        accrue_run(n),
        accrue_run(n),
        BillingWorld.state,
        BillingWorld.all_journals,
    ).check()


@pytest.mark.parametrize("n", SIZES)
def test_U1_an_accrual_run_whose_commit_is_lost_is_run_the_next_day(n: int) -> None:
    """U1 regression: an accrual run lost at any step, run the next day, is one run.

    Before U1 the journal kept the lost run's entries and every later day failed with
    IdempotencyConflictError(posting_date).
    """
    Sweep(
        invoiced(n, accrued=False),
        accrue_run(n),
        accrue_run(n, 1),
        BillingWorld.state,
        BillingWorld.all_journals,
    ).check()


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("retry_offset", [0, 1])
def test_U1_an_invoice_run_fails_at_any_step_and_a_rerun_is_one_run(
    n: int, retry_offset: int
) -> None:
    """U1: invoicing n customers fails at step k; rerun the same day or the next."""
    first, retry = invoice(n), invoice(n, retry_offset)
    Sweep(
        subscriptions(n, fees_each=2), first, retry, BillingWorld.state, BillingWorld.all_journals
    ).check()


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("retry_offset", [0, 1])
def test_U1_a_fee_run_fails_at_any_step_and_a_rerun_is_one_run(n: int, retry_offset: int) -> None:
    """U1: generating the fees of n subscriptions fails at step k; rerun (same or next day)."""
    Sweep(
        subscriptions(n, fees_each=0),
        fees(),
        fees(retry_offset),
        BillingWorld.state,
        BillingWorld.all_journals,
    ).check()


# -------------------------------------------------------------------- repairs


@attrs.define
class RepairWorld:
    store: InMemoryStore = attrs.Factory(InMemoryStore)
    publisher: InMemoryEventPublisher = attrs.Factory(InMemoryEventPublisher)

    def __attrs_post_init__(self) -> None:
        # The documents the object is related to: the document owns the relation.
        self.store.repository(ServiceOrder).add(boiler_order("SO-1"))
        self.store.repository(ServiceAgreement).add(pump_agreement("AG-1"))

    def desk(self, plan: FaultPlan) -> RepairDesk:
        return RepairDesk(
            unit_of_work=lambda: plan.wrap(
                InMemoryServiceUnitOfWork(self.store, publisher=self.publisher)
            ),
            clock=FixedClock(AT),
            graph=GRAPH,
        )

    def state(self) -> object:
        uow = InMemoryServiceUnitOfWork(self.store)
        return (
            uow.service_orders.list(),
            uow.agreements.list(),
            uow.service_objects.list(),
            uow.service_boms.list(),
            uow.template_boms.list(),
            self.publisher.published,
        )

    def no_journals(self) -> Sequence[InMemoryJournal[Any]]:
        return ()


REPAIR_TEMPLATE = TemplateBom(
    id="T-PC",
    lines=(
        BomLine(line_id="1", item_id="PC", quantity=1),
        BomLine(line_id="2", item_id="GPU-1", quantity=1, parent_id="1", serial_number="G-1"),
    ),
)
REPAIR_DAY = date(2026, 3, 2)


def repair_world(step: str) -> Callable[[], RepairWorld]:
    """A world set up for ``step``: everything the steps before it did, fault-free."""

    def setup() -> RepairWorld:
        world = RepairWorld()
        for done in list(REPAIR_STEPS.values())[: list(REPAIR_STEPS).index(step)]:
            done(world.desk(FaultPlan()))
        return world

    return setup


REPAIR_STEPS: dict[str, Callable[[RepairDesk], object]] = {
    "store_template": lambda desk: desk.store_template(REPAIR_TEMPLATE),
    "create_object": lambda desk: desk.create_object(
        id="OBJ-1", group_id="PCS", item_id="PC", serial_number="S-1"
    ),
    "change_warranty": lambda desk: desk.change_warranty(
        "OBJ-1", CoverageKind.PARTS, DateRange(date(2026, 1, 1), date(2027, 1, 1))
    ),
    "relate": lambda desk: desk.relate(
        "OBJ-1", relation_id="R-1", kind=RelationKind.ORDER, key="SO-1"
    ),
    "relate_agreement": lambda desk: desk.relate(
        "OBJ-1", relation_id="R-2", kind=RelationKind.AGREEMENT, key="AG-1"
    ),
    "assign_template_bom": lambda desk: desk.assign_template_bom("OBJ-1", "T-PC"),
    "attach_template": lambda desk: desk.attach_template(
        "OBJ-1", "R-1", bom_id="B-1", on=REPAIR_DAY
    ),
    "insert_bom_line": lambda desk: desk.insert_bom_line(
        "B-1",
        BomLine(line_id="3", item_id="FAN", quantity=2, parent_id="1"),
        on=REPAIR_DAY,
        order_id="SO-1",
    ),
    "update_bom_quantity": lambda desk: desk.update_bom_quantity(
        "B-1", "3", -1, on=REPAIR_DAY, order_id="SO-1"
    ),
    "replace_bom_item": lambda desk: desk.replace_bom_item(
        "B-1", "2", new_serial_number="G-2", on=REPAIR_DAY, order_id="SO-1"
    ),
    "replace_bom_quantity": lambda desk: desk.replace_bom_quantity(
        "B-1", "1", 2, on=REPAIR_DAY, order_id="SO-1"
    ),
    "delete_bom_line": lambda desk: desk.delete_bom_line(
        "B-1", "3", on=REPAIR_DAY, order_id="SO-1"
    ),
    "move_bom": lambda desk: desk.move_bom("B-1", "R-2"),
    "template_from_bom": lambda desk: desk.template_from_bom("B-1", template_id="T-COPY"),
}


@pytest.mark.parametrize("step", list(REPAIR_STEPS))
def test_U1_each_repair_desk_method_fails_at_any_step_and_a_rerun_is_one_run(step: str) -> None:
    """U1: each repair use case failing at every port call, then the same call again."""

    def run(world: RepairWorld, plan: FaultPlan) -> object:
        return REPAIR_STEPS[step](world.desk(plan))

    steps = Sweep(repair_world(step), run, run, RepairWorld.state, RepairWorld.no_journals).check()
    assert steps >= 2


# -------------------------------------------------------------------- dispatch


@attrs.define
class DispatchWorld:
    store: InMemoryStore = attrs.Factory(InMemoryStore)
    publisher: InMemoryEventPublisher = attrs.Factory(InMemoryEventPublisher)

    def __attrs_post_init__(self) -> None:
        self.store.repository(ServiceOrder).add(boiler_order("SO-1"))

    def desk(self, plan: FaultPlan) -> DispatchDesk:
        return DispatchDesk(
            unit_of_work=lambda: plan.wrap(
                InMemoryServiceUnitOfWork(self.store, publisher=self.publisher)
            ),
            clock=FixedClock(DISPATCH_AT),
        )

    def state(self) -> object:
        uow = InMemoryServiceUnitOfWork(self.store)
        return (
            uow.technicians.list(),
            uow.dispatch_teams.get(),
            uow.dispatch_teams.version(),
            uow.requirements.list(),
            uow.bookings.list(),
            dict(self.store._schedules),
            self.publisher.published,
        )

    def no_journals(self) -> Sequence[InMemoryJournal[Any]]:
        return ()


DISPATCH_AT = datetime(2026, 3, 2, 7, 0, tzinfo=AT.tzinfo)
DISPATCH_DAY = WorkingCalendar.standard("UTC", slots=["08:00-17:00"], id="DAY")
DISPATCH_WINDOW = Interval(DISPATCH_AT, DISPATCH_AT + timedelta(days=1))


def _at(hour: int) -> datetime:
    return DISPATCH_AT.replace(hour=hour)


def dispatch_world(step: str) -> Callable[[], DispatchWorld]:
    """A world set up for ``step``: everything the steps before it did, fault-free."""

    def setup() -> DispatchWorld:
        world = DispatchWorld()
        for done in list(DISPATCH_STEPS.values())[: list(DISPATCH_STEPS).index(step)]:
            done(world.desk(FaultPlan()))
        return world

    return setup


DISPATCH_STEPS: dict[str, Callable[[DispatchDesk], object]] = {
    "create_technician": lambda desk: desk.create_technician(
        id="W-1", calendar=DISPATCH_DAY, skills={"HVAC": 2}
    ),
    "create_another": lambda desk: desk.create_technician(id="W-2", calendar=DISPATCH_DAY),
    "add_skill": lambda desk: desk.add_skill("W-2", "HVAC", 3),
    "set_territories": lambda desk: desk.set_territories("W-2", ["NORTH"]),
    "add_absence": lambda desk: desk.add_absence("W-2", Absence("A-1", _at(16), _at(17))),
    "set_teams": lambda desk: desk.set_teams([DispatchTeam("N", members=["W-1", "W-2"])]),
    "require": lambda desk: desk.require(
        "SO-1", id="RQ-1", window=DISPATCH_WINDOW, duration=timedelta(hours=2)
    ),
    "require_another": lambda desk: desk.require(
        "SO-1", id="RQ-2", window=DISPATCH_WINDOW, duration=timedelta(hours=1)
    ),
    "book": lambda desk: desk.book("RQ-1", "W-1", id="B-1", start=_at(9)),
    "book_committed": lambda desk: desk.book(
        "RQ-2", "W-1", id="B-2", start=_at(12), status=BookingStatus.COMMITTED
    ),
    "reschedule": lambda desk: desk.reschedule("B-1", start=_at(14)),
    "reassign": lambda desk: desk.reassign("B-1", "W-2", start=_at(9)),
    "confirm": lambda desk: desk.confirm("B-1"),
    "lock": lambda desk: desk.lock("B-1", time=True),
    "start_work": lambda desk: desk.start_work("B-2"),
    "complete": lambda desk: desk.complete("B-2"),
    "cancel": lambda desk: desk.cancel("B-1"),
    "require_third": lambda desk: desk.require(
        "SO-1", id="RQ-3", window=DISPATCH_WINDOW, duration=timedelta(hours=1)
    ),
    "auto_dispatch": lambda desk: desk.auto_dispatch(team_id="N", window=DISPATCH_WINDOW),
}


@pytest.mark.parametrize("step", list(DISPATCH_STEPS))
def test_U1_each_dispatch_desk_method_fails_at_any_step_and_a_rerun_is_one_run(step: str) -> None:
    """U1: each dispatch use case failing at every port call, then the same call again."""

    def run(world: DispatchWorld, plan: FaultPlan) -> object:
        return DISPATCH_STEPS[step](world.desk(plan))

    steps = Sweep(
        dispatch_world(step), run, run, DispatchWorld.state, DispatchWorld.no_journals
    ).check()
    assert steps >= 2
