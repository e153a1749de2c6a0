"""Billing's entity convention and events.

A subscription is created by ``Subscription.create`` (version 1) and every operation
returns ``(new_subscription, events)`` with ``version + 1`` (law T1); the billing
desk collects the events of what they store, and the unit of work publishes them
only once committed, never after a failed commit (law U1).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing_fixtures import AT, CLOCK, PublishedOnlyAfterCommit, billing_desk_over
from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork
from servicedomain.adapters.memory import (
    InMemoryEventPublisher,
    InMemoryJournal,
    InMemoryStore,
)
from servicedomain.billing import (
    AccrualEntry,
    AccrualMethod,
    CreditNoteIssued,
    FeesGenerated,
    InvoiceIssued,
    Subscription,
    SubscriptionActivated,
    SubscriptionCanceled,
    SubscriptionCreated,
    SubscriptionDeactivated,
    SubscriptionGroup,
    SubscriptionIndexed,
    SubscriptionPriceChanged,
    document_issued,
    generate_fees,
    revenue_accrued,
)
from servicedomain.errors import (
    ConcurrencyConflictError,
    InvalidCancellationError,
    InvalidInputError,
    NaiveDatetimeError,
    TypeMismatchError,
)
from servicedomain.events import DomainEvent
from servicedomain.money import Money
from servicedomain.periods import MONTHLY, QUARTERLY
from servicedomain.ports import BillingUnitOfWork, ServiceOrderUnitOfWork, UnitOfWork
from servicedomain.testing.billing_strategies import cancellation_dates, subscriptions
from servicedomain.testing.faults import FaultPlan, InjectedFault

GROUP = SubscriptionGroup(
    id="Q",
    invoicing_period_code=QUARTERLY,
    accrue_revenue=True,
    accrual_period_code=MONTHLY,
    accrual_method=AccrualMethod.EQUAL,
)
GROUPS = {"Q": GROUP}
START = date(2024, 1, 1)


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def created() -> Subscription:
    sub, _ = Subscription.create(
        id="S-1",
        group_id="Q",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        period_code=QUARTERLY,
        base_price=eur("300.00"),
        start_date=START,
        at=AT,
    )
    return sub


# ------------------------------------------------------------------ the entity


def test_T1_create_makes_version_1_with_its_event() -> None:
    sub, events = Subscription.create(
        id="S-1",
        group_id="Q",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        period_code=QUARTERLY,
        base_price=eur("300.00"),
        start_date=START,
        at=AT,
        index=110,
    )
    assert (sub.version, sub.fee_count, len(sub.price_changes)) == (1, 0, 0)
    assert sub.index == Decimal(110)
    assert events == (
        SubscriptionCreated(
            entity_id="S-1",
            occurred_at=AT,
            group_id="Q",
            customer_id="C-1",
            start_date=START,
            base_price=eur("300.00"),
            index=Decimal(110),
        ),
    )


def test_a_stored_snapshot_below_version_1_is_refused() -> None:
    with pytest.raises(InvalidInputError) as caught:
        Subscription(
            id="S-1",
            group_id="Q",
            customer_id="C-1",
            project_id="P-1",
            category_id="FEE",
            period_code=QUARTERLY,
            base_price=eur("300.00"),
            start_date=START,
            version=0,
        )
    assert caught.value.field == "version"


OPERATIONS: dict[str, tuple[Callable[[Subscription], Any], DomainEvent]] = {
    "change_price": (
        lambda sub: sub.change_price(effective_date=date(2024, 2, 1), base_price=eur("330"), at=AT),
        SubscriptionPriceChanged(
            entity_id="S-1",
            occurred_at=AT,
            effective_date=date(2024, 2, 1),
            base_price=eur("330"),
            index=Decimal(100),
        ),
    ),
    "index_by_percent": (
        lambda sub: sub.index_by_percent(10, effective_date=date(2024, 2, 1), at=AT),
        SubscriptionIndexed(
            entity_id="S-1",
            occurred_at=AT,
            move="index_by_percent",
            effective_date=date(2024, 2, 1),
            base_price=eur("300"),
            index=Decimal(110),
        ),
    ),
    "index_to": (
        lambda sub: sub.index_to(120, effective_date=date(2024, 2, 1), at=AT),
        SubscriptionIndexed(
            entity_id="S-1",
            occurred_at=AT,
            move="index_to",
            effective_date=date(2024, 2, 1),
            base_price=eur("300"),
            index=Decimal(120),
        ),
    ),
    "base_by_percent": (
        lambda sub: sub.base_by_percent(10, effective_date=date(2024, 2, 1), at=AT),
        SubscriptionIndexed(
            entity_id="S-1",
            occurred_at=AT,
            move="base_by_percent",
            effective_date=date(2024, 2, 1),
            base_price=eur("330"),
            index=Decimal(100),
        ),
    ),
    "base_to": (
        lambda sub: sub.base_to(eur("250"), effective_date=date(2024, 2, 1), at=AT),
        SubscriptionIndexed(
            entity_id="S-1",
            occurred_at=AT,
            move="base_to",
            effective_date=date(2024, 2, 1),
            base_price=eur("250"),
            index=Decimal(100),
        ),
    ),
    "cancel": (
        lambda sub: sub.cancel(last_day=date(2024, 1, 31), at=AT),
        SubscriptionCanceled(entity_id="S-1", occurred_at=AT, end_date=date(2024, 1, 31)),
    ),
    "deactivate": (
        lambda sub: sub.deactivate(at=AT),
        SubscriptionDeactivated(entity_id="S-1", occurred_at=AT),
    ),
    "activate": (
        lambda sub: sub.activate(at=AT),
        SubscriptionActivated(entity_id="S-1", occurred_at=AT),
    ),
}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_T1_each_operation_returns_the_next_version_and_its_event(name: str) -> None:
    operation, expected = OPERATIONS[name]
    sub = created()
    changed, events = operation(sub)
    assert isinstance(changed, Subscription)
    assert changed.version == sub.version + 1
    assert events == (expected,)
    assert sub.version == 1, "the snapshot operated on is unchanged"


@pytest.mark.parametrize("name", ["cancel", "deactivate", "change_price"])
def test_an_operation_needs_an_aware_instant(name: str) -> None:
    sub = created()
    naive = AT.replace(tzinfo=None)
    calls: dict[str, Callable[[], object]] = {
        "cancel": lambda: sub.cancel(last_day=date(2024, 1, 31), at=naive),
        "deactivate": lambda: sub.deactivate(at=naive),
        "change_price": lambda: sub.change_price(
            effective_date=date(2024, 2, 1), base_price=eur("1"), at=naive
        ),
    }
    with pytest.raises(NaiveDatetimeError) as caught:
        calls[name]()
    assert caught.value.field == "at"


@given(sub=subscriptions(end_dates=True), data=st.data())
def test_T1_a_cancellation_is_one_version_and_one_event_or_a_refusal(
    sub: Subscription, data: st.DataObject
) -> None:
    day = data.draw(cancellation_dates(sub) | st.just(sub.start_date - timedelta(days=1)))
    try:
        ended, events = sub.cancel(last_day=day, at=AT)
    except InvalidCancellationError:
        assert day < sub.start_date
        return
    assert ended.version == sub.version + 1
    assert events == (SubscriptionCanceled(entity_id=sub.id, occurred_at=AT, end_date=day),)


def test_record_fees_counts_the_fees_and_states_them() -> None:
    sub = created()
    fees = generate_fees(sub, as_of=date(2024, 4, 1))
    billed, events = sub.record_fees(fees, at=AT)
    assert (billed.version, billed.fee_count) == (2, 2)
    assert events == (
        FeesGenerated(
            entity_id="S-1",
            occurred_at=AT,
            fee_ids=tuple(fee.id for fee in fees),
            amount=eur("600.00"),
        ),
    )


def test_record_fees_refuses_no_fee_a_fee_of_another_subscription_and_a_non_fee() -> None:
    sub = created()
    with pytest.raises(InvalidInputError) as empty:
        sub.record_fees([], at=AT)
    assert empty.value.field == "fees"
    other, _ = Subscription.create(
        id="S-2",
        group_id="Q",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        period_code=QUARTERLY,
        base_price=eur("300.00"),
        start_date=START,
        at=AT,
    )
    (foreign,) = generate_fees(other, as_of=START)
    with pytest.raises(InvalidInputError) as wrong:
        sub.record_fees([foreign], at=AT)
    assert wrong.value.field == "fees[0]"
    with pytest.raises(TypeMismatchError) as not_a_fee:
        sub.record_fees(["F-1"], at=AT)  # type: ignore[list-item]
    assert not_a_fee.value.field == "fees[0]"


def test_document_issued_tells_an_invoice_from_a_credit_note_and_revenue_accrued_groups() -> None:
    store = InMemoryStore()
    billing_desk_over(InMemoryBillingUnitOfWork(store), CLOCK, groups=GROUP).create_subscription(
        group_id=GROUP.id,
        id="S-1",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        base_price=eur("300.00"),
        start_date=START,
    )
    (fee,) = (
        billing_desk_over(InMemoryBillingUnitOfWork(store), CLOCK)
        .generate_fees(as_of=START)
        .created
    )
    (invoice,) = billing_desk_over(
        InMemoryBillingUnitOfWork(store), CLOCK, groups=GROUPS
    ).invoice_customers(due_by=START, invoice_date=START)
    issued = document_issued(invoice, at=AT)
    assert isinstance(issued, InvoiceIssued)
    assert (issued.entity_id, issued.total, issued.source_ids) == (
        invoice.id,
        eur("300.00"),
        (fee.id,),
    )
    journal = InMemoryJournal[AccrualEntry]("ACR")
    entries = billing_desk_over(
        InMemoryBillingUnitOfWork(store), CLOCK, journal=journal
    ).accrue_revenue(through=date(2024, 3, 31), posting_date=date(2024, 4, 1))
    (accrued,) = revenue_accrued(entries, at=AT)
    assert (accrued.entity_id, accrued.numbers, accrued.amount) == (
        fee.id,
        (0, 1, 2),
        eur("300.00"),
    )
    note = billing_desk_over(
        InMemoryBillingUnitOfWork(store), CLOCK, groups=GROUPS, journal=journal
    ).credit_invoiced(credit_note_id="CN-1", credit_date=date(2024, 4, 2), select=[fee.id])
    assert isinstance(document_issued(note, at=AT), CreditNoteIssued)


# ------------------------------------------------------------------ the desk


def test_every_unit_of_work_protocol_has_collect() -> None:
    for protocol in (UnitOfWork, BillingUnitOfWork, ServiceOrderUnitOfWork):
        assert callable(getattr(protocol, "collect", None)), protocol
    assert isinstance(InMemoryBillingUnitOfWork(InMemoryStore()), BillingUnitOfWork)


class Billing:
    """One store, its publisher, and every billing service once over it."""

    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.publisher = InMemoryEventPublisher()
        self.journal = InMemoryJournal[AccrualEntry]("ACR")

    def uow(self, plan: FaultPlan | None = None) -> BillingUnitOfWork:
        uow = PublishedOnlyAfterCommit(self.store, publisher=self.publisher)
        return uow if plan is None else plan.wrap(uow)

    def names(self) -> list[str]:
        return [event.name for event in self.publisher.published]

    def fee_id(self) -> str:
        (fee,) = InMemoryBillingUnitOfWork(self.store).fees.for_subscription("S-1")
        return fee.id


STEPS: dict[str, Callable[[Billing, FaultPlan | None], object]] = {
    "create": lambda world, plan: billing_desk_over(
        world.uow(plan), CLOCK, groups=GROUP
    ).create_subscription(
        group_id=GROUP.id,
        id="S-1",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        base_price=eur("300.00"),
        start_date=START,
    ),
    "generate": lambda world, plan: billing_desk_over(world.uow(plan), CLOCK).generate_fees(
        as_of=START
    ),
    "invoice": lambda world, plan: billing_desk_over(
        world.uow(plan), CLOCK, groups=GROUPS
    ).invoice_customers(due_by=START, invoice_date=START),
    "accrue": lambda world, plan: billing_desk_over(
        world.uow(plan), CLOCK, journal=world.journal
    ).accrue_revenue(through=date(2024, 3, 31), posting_date=date(2024, 4, 1)),
    "credit": lambda world, plan: billing_desk_over(
        world.uow(plan), CLOCK, groups=GROUPS, journal=world.journal
    ).credit_invoiced(credit_note_id="CN-1", credit_date=date(2024, 4, 2), select=[world.fee_id()]),
}
ORDER = ["create", "generate", "invoice", "accrue", "credit"]
EVENT_OF = {
    "create": ["SubscriptionCreated"],
    "generate": ["FeesGenerated"],
    "invoice": ["InvoiceIssued"],
    "accrue": ["RevenueAccrued"],
    "credit": ["CreditNoteIssued"],
}


def test_each_billing_service_publishes_its_events_after_its_commit() -> None:
    world = Billing()
    expected: list[str] = []
    for step in ORDER:
        STEPS[step](world, None)
        expected += EVENT_OF[step]
        assert world.names() == expected, step
    for event in world.publisher.published:
        assert event.occurred_at == CLOCK.now()
    issued = world.publisher.published[2]
    assert isinstance(issued, InvoiceIssued)
    assert issued.entity_id == "INV-C-1-EUR-20240101-1"
    generated = world.publisher.published[1]
    assert isinstance(generated, FeesGenerated)
    assert generated.fee_ids == (world.fee_id(),)


@pytest.mark.parametrize("step", ORDER)
def test_U1_a_billing_service_failing_at_any_step_publishes_nothing(step: str) -> None:
    counting = Billing()
    for earlier in ORDER[: ORDER.index(step)]:
        STEPS[earlier](counting, None)
    plan = FaultPlan()
    STEPS[step](counting, plan)
    assert "collect" in plan.calls, plan.calls
    assert plan.calls[-1] == "commit", plan.calls
    for fail_at in range(1, len(plan.calls) + 1):
        world = Billing()
        for earlier in ORDER[: ORDER.index(step)]:
            STEPS[earlier](world, None)
        before = world.names()
        with contextlib.suppress(InjectedFault):
            STEPS[step](world, FaultPlan(fail_at=fail_at))
        assert world.names() == before, (step, fail_at, plan.calls[fail_at - 1])
        STEPS[step](world, None)  # the retry publishes what one run does
        assert world.names() == before + EVENT_OF[step]


def test_P1_two_concurrent_runs_store_fees_and_publish_once() -> None:
    world = Billing()
    STEPS["create"](world, None)
    first, second = world.uow(), world.uow()
    day = START + timedelta(days=100)
    with first, second:
        for uow in (first, second):
            sub = uow.subscriptions.get("S-1")
            fees = generate_fees(sub, uow.fees.for_subscription("S-1"), as_of=day)
            uow.fees.add_all(fees)
            billed, events = sub.record_fees(fees, at=AT)
            uow.subscriptions.save(billed, expected_version=sub.version)
            uow.collect(events)
        first.commit()
        with pytest.raises(ConcurrencyConflictError):
            second.commit()
    assert world.names() == ["SubscriptionCreated", "FeesGenerated"]
    stored = InMemoryBillingUnitOfWork(world.store)
    assert stored.subscriptions.get("S-1").fee_count == len(stored.fees.for_subscription("S-1"))
