"""The billing desk: every billing use case, one unit of work each (law U1).

Each method is checked on its happy path and its refusals (a refusal stores nothing
and publishes nothing), then swept with :class:`~servicedomain.testing.faults.FaultPlan`:
a fault at every step of its unit of work leaves the store, the journal and the
published events as they were, and a retry equals one fault-free run. Events are
published only after the commit (``PublishedOnlyAfterCommit``).
"""

# Tests are named after the law they check (test_U1_...), as invariants.md asks.

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, cast

import pytest

import desk_adapters
from billing_fixtures import AT, CLOCK, published_only_after_commit
from desk_adapters import Stores, UnitOfWork, Wrapped
from servicedomain import BillingDesk
from servicedomain.adapters.memory import InMemoryEventPublisher
from servicedomain.app import FeeRunResult
from servicedomain.billing import (
    AccrualEntry,
    AccrualEntryKind,
    AccrualMethod,
    AccrualReversed,
    DocumentKind,
    FeeKind,
    FeeRun,
    FeeTransaction,
    Invoice,
    ReversalMode,
    Subscription,
    SubscriptionGroup,
)
from servicedomain.errors import (
    AlreadyExistsError,
    BillingRuleError,
    ConcurrencyConflictError,
    CreditExceededError,
    InvalidCancellationError,
    InvalidInputError,
    InvalidPeriodError,
    InvalidSubscriptionError,
    NotFoundError,
    TypeMismatchError,
)
from servicedomain.money import Money
from servicedomain.periods import MONTHLY, DateRange
from servicedomain.ports import BillingUnitOfWork
from servicedomain.testing.faults import FaultPlan, InjectedFault

GROUP = SubscriptionGroup(
    id="M",
    invoicing_period_code=MONTHLY,
    accrue_revenue=True,
    accrual_period_code=MONTHLY,
    accrual_method=AccrualMethod.EQUAL,
)
GROUPS = {"M": GROUP}

stores = desk_adapters.stores  # the fixture: each test on the memory and SQLite adapters
START = date(2024, 1, 1)


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


class World:
    """One store of an adapter, its publisher and accrual journal, and the desk over them."""

    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        self.store = stores.new()
        self.publisher = InMemoryEventPublisher()
        self.journal = stores.journal(self.store, "ACR", AccrualEntry)

    def uow(self, plan: FaultPlan | None = None) -> BillingUnitOfWork:
        uow: BillingUnitOfWork = published_only_after_commit(self.store, publisher=self.publisher)
        return uow if plan is None else plan.wrap(uow)

    def view(self) -> BillingUnitOfWork:
        """A fresh unit of work over the store, publishing nothing: what is committed."""
        return self.stores.unit_of_work(self.store)

    def desk(self, plan: FaultPlan | None = None, **config: Any) -> BillingDesk:
        return BillingDesk(
            unit_of_work=lambda: self.uow(plan),
            clock=CLOCK,
            groups=GROUPS,
            accrual_journal=self.journal,
            **config,
        )

    def names(self) -> list[str]:
        return [event.name for event in self.publisher.published]

    def charge_id(self) -> str:
        return next(fee.id for fee in self.desk().fees("S-1") if fee.kind is FeeKind.CHARGE)

    def state(self) -> object:
        view = self.view()
        subscriptions = view.subscriptions.list()
        fees = [fee for sub in subscriptions for fee in view.fees.for_subscription(sub.id)]
        ids = [fee.id for fee in fees]
        return (
            subscriptions,
            fees,
            view.invoices.list(),
            view.invoices.invoiced(ids),
            [view.accruals.for_source(fee_id) for fee_id in ids],
            self.journal.recorded,
            self.names(),
        )


Step = Callable[[World, FaultPlan | None], object]


def _create(world: World, plan: FaultPlan | None) -> Subscription:
    return world.desk(plan).create_subscription(
        group_id="M",
        id="S-1",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        base_price=eur("310.00"),
        start_date=START,
    )


FEB = date(2024, 2, 1)
STEPS: dict[str, Step] = {
    "create": _create,
    "change_price": lambda w, p: w.desk(p).change_price(
        "S-1", effective_date=FEB, base_price=eur("350.00")
    ),
    "index_by_percent": lambda w, p: w.desk(p).index_by_percent("S-1", pct=10, effective_date=FEB),
    "index_to": lambda w, p: w.desk(p).index_to("S-1", value=110, effective_date=FEB),
    "base_by_percent": lambda w, p: w.desk(p).base_by_percent("S-1", pct=10, effective_date=FEB),
    "base_to": lambda w, p: w.desk(p).base_to("S-1", base_price=eur("320.00"), effective_date=FEB),
    "cancel": lambda w, p: w.desk(p).cancel("S-1", last_day=date(2024, 1, 20)),
    "deactivate": lambda w, p: w.desk(p).deactivate("S-1"),
    "activate": lambda w, p: w.desk(p).activate("S-1"),
    "reduce_days": lambda w, p: w.desk(p).reduce_days(
        "S-1",
        charge_id=w.charge_id(),
        removed=DateRange.inclusive(date(2024, 1, 10), date(2024, 1, 11)),
    ),
    "generate": lambda w, p: w.desk(p).generate_fees(as_of=START),
    "generate_within": lambda w, p: w.desk(p).generate_fees_within(
        within=DateRange(START, date(2024, 1, 16))
    ),
    "invoice": lambda w, p: w.desk(p).invoice_customers(due_by=START, invoice_date=START),
    "accrue": lambda w, p: w.desk(p).accrue_revenue(through=FEB, posting_date=FEB),
    "credit": lambda w, p: w.desk(p).credit_invoiced(
        credit_note_id="CN-1", credit_date=date(2024, 2, 2), select=[w.charge_id()]
    ),
    "reverse_accrual": lambda w, p: w.desk(p).reverse_accrual(w.charge_id(), 0, on=FEB),
}
SETUP: dict[str, list[str]] = {
    "create": [],
    "change_price": ["create"],
    "index_by_percent": ["create"],
    "index_to": ["create"],
    "base_by_percent": ["create"],
    "base_to": ["create"],
    "cancel": ["create"],
    "deactivate": ["create"],
    "activate": ["create", "deactivate"],
    "reduce_days": ["create", "generate"],
    "generate": ["create"],
    "generate_within": ["create"],
    "invoice": ["create", "generate"],
    "accrue": ["create", "generate", "invoice"],
    "credit": ["create", "generate", "invoice", "accrue"],
    "reverse_accrual": ["create", "generate", "invoice", "accrue"],
}
EVENTS: dict[str, list[str]] = {
    "create": ["SubscriptionCreated"],
    "change_price": ["SubscriptionPriceChanged"],
    "index_by_percent": ["SubscriptionIndexed"],
    "index_to": ["SubscriptionIndexed"],
    "base_by_percent": ["SubscriptionIndexed"],
    "base_to": ["SubscriptionIndexed"],
    "cancel": ["SubscriptionCanceled"],
    "deactivate": ["SubscriptionDeactivated"],
    "activate": ["SubscriptionActivated"],
    "reduce_days": ["FeesGenerated"],
    "generate": ["FeesGenerated"],
    "generate_within": ["FeesGenerated"],
    "invoice": ["InvoiceIssued"],
    "accrue": ["RevenueAccrued"],
    "credit": ["CreditNoteIssued"],
    "reverse_accrual": ["AccrualReversed"],
}


def world_before(step: str, stores: Stores) -> World:
    world = World(stores)
    for earlier in SETUP[step]:
        STEPS[earlier](world, None)
    return world


# ------------------------------------------------------------------ every method, U1


@pytest.mark.parametrize("step", sorted(STEPS))
def test_each_method_publishes_its_events_after_its_commit(step: str, stores: Stores) -> None:
    world = world_before(step, stores)
    before = world.names()
    STEPS[step](world, None)
    assert world.names() == before + EVENTS[step]
    assert all(event.occurred_at == AT for event in world.publisher.published)


@pytest.mark.parametrize("step", sorted(STEPS))
def test_U1_a_desk_method_failing_at_any_step_leaves_nothing_and_a_retry_is_one_run(
    step: str, stores: Stores
) -> None:
    reference = world_before(step, stores)
    STEPS[step](reference, None)
    expected = reference.state()
    counting, plan = world_before(step, stores), FaultPlan()
    STEPS[step](counting, plan)
    assert plan.calls[-1] == "commit", plan.calls
    assert ("collect" in plan.calls) == bool(EVENTS[step]), plan.calls
    for fail_at in range(1, len(plan.calls) + 1):
        world = world_before(step, stores)
        before = world.state()
        with pytest.raises(InjectedFault):
            STEPS[step](world, FaultPlan(fail_at=fail_at))
        assert world.state() == before, (step, fail_at, plan.calls[fail_at - 1])
        STEPS[step](world, None)
        assert world.state() == expected, (step, fail_at, plan.calls[fail_at - 1])


@pytest.mark.parametrize("step", sorted(STEPS))
def test_forgetting_commit_is_impossible_a_fresh_unit_of_work_sees_every_write(
    step: str, stores: Stores
) -> None:
    """Issue 12, item 1: once a write method returns, its change is committed.

    The in-memory unit of work holds its writes (and its journal entries) until
    ``commit``: a method that decided and saved but did not commit leaves a fresh
    unit of work seeing nothing. What the method returns is what is stored.
    """
    world = world_before(step, stores)

    def fresh() -> object:
        view = world.view()
        subscriptions = view.subscriptions.list()
        fees = [fee for sub in subscriptions for fee in view.fees.for_subscription(sub.id)]
        accruals = [view.accruals.for_source(fee.id) for fee in fees]
        return subscriptions, fees, view.invoices.list(), accruals, world.journal.recorded

    before = fresh()
    result = STEPS[step](world, None)
    assert fresh() != before, f"{step}: a fresh unit of work sees no change"
    view = world.view()
    posted = [entry for _, entry in world.journal.recorded]
    match result:
        case Subscription():
            assert view.subscriptions.get(result.id) == result
        case FeeRunResult():
            for fee in result.created:
                assert fee in view.fees.for_subscription(fee.subscription_id)
        case FeeTransaction():
            assert result in view.fees.for_subscription(result.subscription_id)
        case Invoice():
            assert result in view.invoices.list(customer_id=result.customer_id)
        case AccrualEntry():
            assert result in posted
        case tuple():
            for item in result:
                assert item in posted or item in view.invoices.list(customer_id=item.customer_id)
        case _:
            raise AssertionError(f"{step}: an unexpected result {result!r}")


def test_every_write_method_of_the_desk_is_swept_and_none_takes_loose_keywords() -> None:
    reads = {"subscription", "subscriptions", "fees", "documents", "invoiced", "accrual_periods"}
    methods = {
        name: member
        for name, member in inspect.getmembers(BillingDesk, inspect.isfunction)
        if not name.startswith("_")
    }
    swept = {"create": "create_subscription", "generate": "generate_fees"}
    swept |= {"generate_within": "generate_fees_within", "invoice": "invoice_customers"}
    swept |= {"accrue": "accrue_revenue", "credit": "credit_invoiced"}
    assert methods.keys() - reads == {swept.get(step, step) for step in STEPS}
    for name, member in methods.items():
        kinds = {p.kind for p in inspect.signature(member).parameters.values()}
        assert inspect.Parameter.VAR_KEYWORD not in kinds, name


def test_the_desk_opens_one_unit_of_work_per_method_call(stores: Stores) -> None:
    world = World(stores)
    opened: list[BillingUnitOfWork] = []

    def open_one() -> BillingUnitOfWork:
        opened.append(world.uow())
        return opened[-1]

    desk = BillingDesk(unit_of_work=open_one, clock=CLOCK, groups=GROUPS)
    _ = desk.create_subscription(
        group_id="M",
        id="S-1",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        base_price=eur("10.00"),
        start_date=START,
    )
    desk.generate_fees(as_of=START)
    desk.cancel("S-1", last_day=date(2024, 1, 14))
    assert len(opened) == 3
    assert len({id(uow) for uow in opened}) == 3


# ------------------------------------------------------------------ construction


def test_the_desk_checks_its_configuration_once(stores: Stores) -> None:
    world = World(stores)
    with pytest.raises(TypeMismatchError, match="unit_of_work"):
        BillingDesk(unit_of_work=world.uow(), clock=CLOCK, groups=GROUPS)  # type: ignore[arg-type]
    with pytest.raises(TypeMismatchError, match="clock"):
        BillingDesk(unit_of_work=world.uow, clock=None, groups=GROUPS)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"groups\['X'\]"):
        BillingDesk(unit_of_work=world.uow, clock=CLOCK, groups={"X": GROUP})
    with pytest.raises(InvalidInputError, match="invoice_prefix"):
        BillingDesk(unit_of_work=world.uow, clock=CLOCK, groups=GROUPS, invoice_prefix=" ")
    with pytest.raises(TypeMismatchError, match="closed"):
        BillingDesk(unit_of_work=world.uow, clock=CLOCK, groups=GROUPS, closed=True)  # type: ignore[arg-type]
    with pytest.raises(TypeMismatchError, match="accrual_journal"):
        BillingDesk(
            unit_of_work=world.uow,
            clock=CLOCK,
            groups=GROUPS,
            accrual_journal=object(),  # type: ignore[arg-type]
        )


def test_a_factory_that_opens_no_unit_of_work_is_named() -> None:
    desk = BillingDesk(unit_of_work=lambda: None, clock=CLOCK, groups=GROUPS)  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeMismatchError, match="uow"):
        desk.subscription("S-1")


# ------------------------------------------------------------------ subscriptions


def test_create_subscription_takes_the_groups_period_and_is_read_back(stores: Stores) -> None:
    world = World(stores)
    sub = _create(world, None)
    assert (sub.group_id, sub.period_code, sub.version) == ("M", MONTHLY, 1)
    assert world.desk().subscription("S-1") == sub


def test_create_subscription_refuses_an_unknown_group_and_a_taken_id(stores: Stores) -> None:
    world = World(stores)
    with pytest.raises(InvalidInputError, match="group_id"):
        world.desk().create_subscription(
            group_id="Q",
            id="S-1",
            customer_id="C-1",
            project_id="P-1",
            category_id="FEE",
            base_price=eur("1.00"),
            start_date=START,
        )
    _create(world, None)
    before = world.state()
    with pytest.raises(AlreadyExistsError):
        _create(world, None)
    assert world.state() == before


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("change_price", (eur("350.00"), Decimal(100))),
        ("index_by_percent", (eur("310.00"), Decimal(110))),
        ("index_to", (eur("310.00"), Decimal(110))),
        ("base_by_percent", (eur("341.00"), Decimal(100))),
        ("base_to", (eur("320.00"), Decimal(100))),
    ],
)
def test_price_moves_store_a_price_change_from_the_effective_day(
    step: str, expected: tuple[Money, Decimal], stores: Stores
) -> None:
    world = world_before(step, stores)
    changed = STEPS[step](world, None)
    assert isinstance(changed, Subscription)
    stored = world.desk().subscription("S-1")
    assert stored == changed
    assert stored.version == 2
    price = stored.indexed_price_on(FEB)
    assert (price.base_price, price.index) == expected
    assert stored.indexed_price_on(START).base_price == eur("310.00")


@pytest.mark.parametrize(
    "move",
    [
        lambda d: d.change_price("S-1", effective_date=START, base_price=eur("1.00")),
        lambda d: d.index_by_percent("S-1", pct=5, effective_date=START),
        lambda d: d.index_to("S-1", value=120, effective_date=START),
        lambda d: d.base_by_percent("S-1", pct=5, effective_date=START),
        lambda d: d.base_to("S-1", base_price=eur("1.00"), effective_date=START),
    ],
)
def test_a_price_move_on_or_before_the_start_is_refused_and_stores_nothing(
    move: Callable[[BillingDesk], object], stores: Stores
) -> None:
    world = world_before("change_price", stores)
    before = world.state()
    with pytest.raises(InvalidPeriodError):
        move(world.desk())
    assert world.state() == before


def test_cancel_deactivate_activate(stores: Stores) -> None:
    world = world_before("cancel", stores)
    desk = world.desk()
    assert desk.cancel("S-1", last_day=date(2024, 2, 29)).end_date == date(2024, 2, 29)
    assert desk.deactivate("S-1").active is False
    assert desk.activate("S-1").active is True
    assert desk.subscription("S-1").version == 4
    before = world.state()
    with pytest.raises(InvalidCancellationError):
        desk.cancel("S-1", last_day=date(2023, 12, 31))
    with pytest.raises(InvalidCancellationError):
        desk.cancel("S-1", last_day=date(2024, 3, 31))
    assert world.state() == before


def test_an_unknown_subscription_is_not_found(stores: Stores) -> None:
    desk = World(stores).desk()
    for call in (
        lambda: desk.subscription("S-9"),
        lambda: desk.cancel("S-9", last_day=FEB),
        lambda: desk.deactivate("S-9"),
        lambda: desk.generate_fees(as_of=START, subscription_ids=["S-9"]),
        lambda: desk.reduce_days("S-9", charge_id="F", removed=DateRange(START, FEB)),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert desk.fees("S-9") == ()
    assert desk.documents("C-9") == ()


# ------------------------------------------------------------------ fees


def test_reduce_days_stores_the_reduction_and_records_it_on_the_subscription(
    stores: Stores,
) -> None:
    world = world_before("reduce_days", stores)
    desk = world.desk()
    charge = world.charge_id()
    removed = DateRange.inclusive(date(2024, 1, 10), date(2024, 1, 11))
    fee = desk.reduce_days("S-1", charge_id=charge, removed=removed)
    assert fee.kind is FeeKind.REDUCTION_DAYS
    assert fee.amount == eur("-20.00")  # 310.00 / 31 days x 2
    assert fee in desk.fees("S-1")
    sub = desk.subscription("S-1")
    assert sub.fee_count == len(desk.fees("S-1")) == 2
    before = world.state()
    with pytest.raises(BillingRuleError) as refused:
        desk.reduce_days("S-1", charge_id=charge, removed=removed)
    assert refused.value.rule == "fee.reduction_overlaps"
    with pytest.raises(NotFoundError):
        desk.reduce_days("S-1", charge_id="no-such-fee", removed=removed)
    assert world.state() == before


def test_F13_reduce_days_after_a_full_credit_removes_nothing_more(stores: Stores) -> None:
    world = world_before("credit", stores)
    STEPS["credit"](world, None)
    fee = world.desk().reduce_days(
        "S-1",
        charge_id=world.charge_id(),
        removed=DateRange.inclusive(date(2024, 1, 10), date(2024, 1, 11)),
    )
    assert fee.amount == eur("0.00")


def test_F4_generate_fees_bills_each_period_once_and_reports_the_not_started(
    stores: Stores,
) -> None:
    world = world_before("generate", stores)
    desk = world.desk()
    first = desk.generate_fees(as_of=date(2024, 3, 1))
    assert [fee.period.start for fee in first.created] == [START, FEB, date(2024, 3, 1)]
    assert desk.generate_fees(as_of=date(2024, 3, 1)) == FeeRunResult()
    assert desk.generate_fees(as_of=date(2023, 12, 1)) == FeeRunResult(not_started=("S-1",))
    assert desk.generate_fees(as_of=date(2024, 4, 1), group_id="Q") == FeeRunResult()
    assert desk.subscription("S-1").fee_count == 3


def test_generate_fees_reads_the_desks_price_table(stores: Stores) -> None:
    from servicedomain.billing import PriceEntry, PriceTable

    table = PriceTable(
        (
            PriceEntry(
                effective_date=START,
                category_id="FEE",
                project_id=None,
                subscription_id=None,
                period_code=MONTHLY,
                price=eur("99.00"),
            ),
        )
    )
    world = world_before("generate", stores)
    (fee,) = world.desk(prices=table).generate_fees(as_of=START).created
    assert fee.amount == eur("99.00")


def test_generate_fees_within_bills_a_range_regular_or_not_and_a_rerun_bills_nothing(
    stores: Stores,
) -> None:
    world = world_before("generate_within", stores)
    desk = world.desk()
    half = DateRange(START, date(2024, 1, 16))
    (stub,) = desk.generate_fees_within(within=half).created
    assert (stub.period, stub.amount) == (half, eur("150.00"))  # 310.00 x 15 / 31
    assert desk.generate_fees_within(within=half) == FeeRunResult()
    before = world.state()
    with pytest.raises(InvalidSubscriptionError) as caught:
        desk.generate_fees_within(within=DateRange(FEB, date(2024, 2, 10)), run=FeeRun.REGULAR)
    assert caught.value.field == "within"
    assert world.state() == before
    regular = desk.generate_fees_within(within=DateRange(FEB, date(2024, 4, 1)), run=FeeRun.REGULAR)
    assert [fee.period.start for fee in regular.created] == [FEB, date(2024, 3, 1)]
    # the gap [Jan 16, Feb 1) is filled, except by a continuous run (nothing before the end)
    gap = DateRange(START, FEB)
    assert desk.generate_fees_within(within=gap, continuous=True) == FeeRunResult()
    (filled,) = desk.generate_fees_within(within=gap).created
    assert filled.period == DateRange(date(2024, 1, 16), FEB)
    early = DateRange(date(2023, 11, 1), date(2023, 12, 1))
    assert desk.generate_fees_within(within=early) == FeeRunResult(not_started=("S-1",))
    assert desk.subscription("S-1").fee_count == 4
    with pytest.raises(TypeMismatchError, match="within"):
        desk.generate_fees_within(within=START)  # type: ignore[arg-type]
    with pytest.raises(TypeMismatchError, match="run"):
        desk.generate_fees_within(within=half, run="regular")  # type: ignore[arg-type]


# ------------------------------------------------------------------ documents


def test_I1_C6_invoice_customers_numbers_documents_and_creates_accrual_periods(
    stores: Stores,
) -> None:
    world = world_before("invoice", stores)
    desk = world.desk(invoice_prefix="F")
    (invoice,) = desk.invoice_customers(due_by=START, invoice_date=START)
    assert invoice.id == "F-C-1-EUR-20240101-1"
    assert invoice.kind is DocumentKind.INVOICE
    assert desk.documents("C-1") == (invoice,)
    periods = world.view().accruals.for_source(world.charge_id())
    assert [period.amount for period in periods] == [eur("310.00")]
    assert desk.invoice_customers(due_by=START, invoice_date=START) == ()
    with pytest.raises(InvalidInputError, match="invoice_date"):
        desk.invoice_customers(due_by=START, invoice_date=None)  # type: ignore[arg-type]


def test_a_document_is_numbered_on_its_invoice_date_not_on_its_due_by_date(stores: Stores) -> None:
    """Regression: the number carried the ``due_by`` day, unlike the document's date."""
    world = world_before("invoice", stores)
    (invoice,) = world.desk().invoice_customers(due_by=START, invoice_date=date(2024, 1, 3))
    assert invoice.invoice_date == date(2024, 1, 3)
    assert invoice.id == "INV-C-1-EUR-20240103-1"


def test_a_negative_proposal_is_a_credit_note_of_its_own_series(stores: Stores) -> None:
    world = world_before("invoice", stores)
    desk = world.desk(credit_note_prefix="CR")
    desk.invoice_customers(due_by=START, invoice_date=START)
    desk.cancel("S-1", last_day=date(2024, 1, 20))
    desk.generate_fees(as_of=date(2024, 1, 1))
    (note,) = desk.invoice_customers(due_by=START, invoice_date=START)
    assert note.id == "CR-C-1-EUR-20240101-1"
    assert note.kind is DocumentKind.CREDIT_NOTE


def test_an_invoiced_fee_of_a_group_the_desk_does_not_know_is_refused(stores: Stores) -> None:
    world = world_before("invoice", stores)
    other = BillingDesk(unit_of_work=world.uow, clock=CLOCK, groups={})
    before = world.state()
    with pytest.raises(InvalidInputError, match="groups"):
        other.invoice_customers(due_by=START, invoice_date=START)
    assert world.state() == before


def test_F8_credit_invoiced_credits_at_most_what_is_left_and_reverses_accruals(
    stores: Stores,
) -> None:
    world = world_before("credit", stores)
    desk = world.desk()
    charge = world.charge_id()
    note = desk.credit_invoiced(
        credit_note_id="CN-1",
        credit_date=date(2024, 2, 2),
        select=[charge],
        amounts={charge: eur("10.00")},
    )
    assert note.total == eur("-10.00")
    assert len(world.journal.recorded) == 2  # the accrual, then its partial reversal
    before = world.state()
    with pytest.raises(CreditExceededError):
        desk.credit_invoiced(
            credit_note_id="CN-2",
            credit_date=date(2024, 2, 2),
            select=[charge],
            amounts={charge: eur("301.00")},
        )
    with pytest.raises(BillingRuleError):
        desk.credit_invoiced(credit_note_id="CN-3", credit_date=FEB, select=["never-invoiced"])
    assert world.state() == before


def test_the_reads_give_the_subscriptions_the_invoiced_items_and_the_accrual_periods(
    stores: Stores,
) -> None:
    world = world_before("credit", stores)
    desk = world.desk()
    charge = world.charge_id()
    assert [sub.id for sub in desk.subscriptions()] == ["S-1"]
    assert desk.subscriptions(group_id="Q") == ()
    (item,) = desk.invoiced([charge, "never-invoiced"]).values()
    assert (item.source_id, item.amount, item.credited) == (charge, eur("310.00"), eur("0.00"))
    (period,) = desk.accrual_periods(charge)
    assert (period.number, period.amount, period.is_posted) == (0, eur("310.00"), True)
    assert desk.accrual_periods("never-invoiced") == ()
    with pytest.raises(TypeMismatchError, match="source_ids"):
        desk.invoiced(charge)


def test_credit_and_accrue_need_an_accrual_journal(stores: Stores) -> None:
    world = world_before("credit", stores)
    desk = BillingDesk(unit_of_work=world.uow, clock=CLOCK, groups=GROUPS)
    with pytest.raises(InvalidInputError, match="accrual_journal"):
        desk.accrue_revenue(through=FEB, posting_date=FEB)
    with pytest.raises(InvalidInputError, match="accrual_journal"):
        desk.credit_invoiced(credit_note_id="CN-1", credit_date=FEB, select=[world.charge_id()])


def test_accrue_revenue_posts_each_period_once(stores: Stores) -> None:
    world = world_before("accrue", stores)
    desk = world.desk()
    (entry,) = desk.accrue_revenue(through=FEB, posting_date=FEB)
    assert entry.amount == eur("310.00")
    assert desk.accrue_revenue(through=FEB, posting_date=FEB) == ()
    with pytest.raises(TypeMismatchError, match="through"):
        desk.accrue_revenue(through=None, posting_date=FEB)  # type: ignore[arg-type]
    assert len(world.journal.recorded) == 1


def test_accrue_revenue_through_is_inclusive(stores: Stores) -> None:
    world = world_before("accrue", stores)
    desk = world.desk()
    assert desk.accrue_revenue(through=date(2024, 1, 30), posting_date=FEB) == ()
    (entry,) = desk.accrue_revenue(through=date(2024, 1, 31), posting_date=FEB)
    assert (entry.number, entry.amount) == (0, eur("310.00"))


def test_reverse_accrual_by_hand_lets_a_manual_group_credit_and_is_done_once(
    stores: Stores,
) -> None:
    manual = SubscriptionGroup(
        id="M",
        invoicing_period_code=MONTHLY,
        accrue_revenue=True,
        accrual_period_code=MONTHLY,
        reversal=ReversalMode.MANUAL,
    )
    world = World(stores)
    desk = BillingDesk(
        unit_of_work=world.uow, clock=CLOCK, groups={"M": manual}, accrual_journal=world.journal
    )
    for step in ("create", "generate", "invoice"):
        STEPS[step](world, None)
    desk.accrue_revenue(through=FEB, posting_date=FEB)
    charge = world.charge_id()
    with pytest.raises(BillingRuleError, match="reverse_manually_first"):
        desk.credit_invoiced(credit_note_id="CN-1", credit_date=FEB, select=[charge])
    entry = desk.reverse_accrual(charge, 0, on=FEB)
    (event,) = [e for e in world.publisher.published if isinstance(e, AccrualReversed)]
    assert (event.entity_id, event.number, event.reversed_on, event.amount) == (
        charge,
        0,
        FEB,
        entry.amount,
    )
    assert (entry.kind, entry.amount, entry.reference) == (
        AccrualEntryKind.REVERSE,
        eur("310.00"),
        "",
    )
    assert [recorded.kind for _, recorded in world.journal.recorded] == [
        AccrualEntryKind.ACCRUE,
        AccrualEntryKind.REVERSE,
    ]
    before = world.state()
    with pytest.raises(BillingRuleError, match="already_reversed"):
        desk.reverse_accrual(charge, 0, on=FEB)
    with pytest.raises(InvalidInputError) as no_period:
        desk.reverse_accrual(charge, 9, on=FEB)
    assert no_period.value.field == "number"
    with pytest.raises(NotFoundError):
        desk.reverse_accrual("no-such-fee", 0, on=FEB)
    assert world.state() == before
    note = desk.credit_invoiced(credit_note_id="CN-1", credit_date=FEB, select=[charge])
    assert note.total == eur("-310.00")
    with pytest.raises(InvalidInputError, match="accrual_journal"):
        BillingDesk(unit_of_work=world.uow, clock=CLOCK, groups=GROUPS).reverse_accrual(
            charge, 0, on=FEB
        )


# ------------------------------------------------------------------ concurrency


class _RacedUnitOfWork(Wrapped[UnitOfWork]):
    """A unit of work of the world whose commit lets another desk call commit first (once)."""

    def __init__(self, world: World, race: Callable[[], object]) -> None:
        super().__init__(cast("UnitOfWork", world.uow()))
        self.race = race

    def commit(self) -> None:
        race, self.race = self.race, lambda: None
        race()
        self.inner.commit()


@pytest.mark.parametrize(
    "move",
    [
        lambda d: d.cancel("S-1", last_day=date(2024, 2, 29)),
        lambda d: d.change_price("S-1", effective_date=FEB, base_price=eur("1.00")),
        lambda d: d.generate_fees(as_of=date(2024, 3, 1)),
        lambda d: d.reduce_days(
            "S-1",
            charge_id=next(iter(d.fees("S-1"))).id,
            removed=DateRange.inclusive(date(2024, 1, 3), date(2024, 1, 4)),
        ),
    ],
)
def test_T1_a_change_saved_over_a_concurrent_one_conflicts_and_publishes_nothing(
    move: Callable[[BillingDesk], object], stores: Stores
) -> None:
    """Each method saves with the version it loaded: the later of two concurrent writers
    gets ConcurrencyConflictError, and only the first one's change is stored."""
    world = world_before("generate", stores)
    STEPS["generate"](world, None)
    other = world.desk()
    raced = BillingDesk(
        unit_of_work=lambda: cast(
            "BillingUnitOfWork", _RacedUnitOfWork(world, lambda: other.deactivate("S-1"))
        ),
        clock=CLOCK,
        groups=GROUPS,
    )
    before = world.names()
    fees_before = other.fees("S-1")
    with pytest.raises(ConcurrencyConflictError):
        move(raced)
    assert world.names() == [*before, "SubscriptionDeactivated"]
    stored = other.subscription("S-1")
    assert stored.active is False
    assert stored.end_date is None
    assert stored.price_changes == ()
    assert other.fees("S-1") == fees_before
