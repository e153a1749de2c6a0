"""Application services: the use cases, over the ports.

Each service is thin: it loads through a repository, calls the domain, saves with the
version it loaded (so a concurrent change raises
:class:`~servicedomain.errors.ConcurrencyConflictError` instead of being lost), hands
the events to the unit of work and commits. Journal entries are posted through journals
enlisted in the unit of work (:meth:`~servicedomain.ports.JournalUnitOfWork.enlist`), so a
unit of work is all or nothing, its entries included (law U1): after a failure at any
step, every retry converges on one fault-free run. Time comes from the
:class:`~servicedomain.ports.Clock` port.

>>> from datetime import UTC, datetime
>>> from servicedomain.adapters.clocks import FixedClock
>>> from servicedomain.adapters.memory import InMemoryServiceUnitOfWork, InMemoryStore
>>> from servicedomain.stages import EXAMPLE_STAGE_GRAPH
>>> store = InMemoryStore()
>>> clock = FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
>>> order = create_service_order(
...     InMemoryServiceUnitOfWork(store), EXAMPLE_STAGE_GRAPH, clock,
...     order_id="SO-1", customer_id="C-100", description="Boiler service")
>>> order.stage_id, order.version
('CREATED', 1)
>>> change_service_order_stage(
...     InMemoryServiceUnitOfWork(store), EXAMPLE_STAGE_GRAPH, clock, "SO-1", "PLANNED"
... ).stage_id
'PLANNED'
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from servicedomain._checks import (
    require_id,
    require_instance,
    require_port,
)
from servicedomain.agreements import Generation
from servicedomain.app.billing_desk import BillingDesk, FeeRunResult
from servicedomain.app.service_desk import PostingResult, ServiceDesk
from servicedomain.billing import (
    AccrualEntry,
    BillableTransaction,
    BillingTiming,
    Invoice,
    PriceBasis,
    PriceTable,
    Subscription,
    SubscriptionGroup,
)
from servicedomain.calendars import ClosedDays
from servicedomain.money import Money
from servicedomain.orders import JournalEntry, ServiceOrder, TransactionType
from servicedomain.periods import Alignment, DateRange
from servicedomain.ports import (
    AgreementUnitOfWork,
    BillingUnitOfWork,
    Clock,
    Journal,
    ServiceOrderUnitOfWork,
)
from servicedomain.sla import ServiceLevelAgreement, SlaParameters
from servicedomain.stages import EXAMPLE_STAGE_GRAPH, ReasonCode, StageGraph

__all__ = [
    "FeeRunResult",
    "PostingResult",
    "accrue_subscription_revenue",
    "create_subscription",
    "credit_invoiced",
    "generate_subscription_fees",
    "invoice_customers",
    "change_service_order_stage",
    "create_service_order",
    "generate_orders_from_agreements",
    "post_service_orders",
    "sign_off_service_order",
]


def _service_desk(
    uow: ServiceOrderUnitOfWork,
    graph: StageGraph,
    clock: Clock,
    **configuration: Any,
) -> ServiceDesk:
    """A desk over ``uow``: each of its units of work enters ``uow`` again."""
    require_port(uow, "uow", "__enter__", "__exit__", "commit")
    return ServiceDesk(
        unit_of_work=lambda: cast("AgreementUnitOfWork", uow),
        clock=clock,
        graph=graph,
        **configuration,
    )


def create_service_order(
    uow: ServiceOrderUnitOfWork,
    graph: StageGraph,
    clock: Clock,
    *,
    order_id: str,
    customer_id: str,
    **header: Any,
) -> ServiceOrder:
    """Create a service order by hand in the graph's initial stage and store it.

    Kept for compatibility: delegates to :meth:`ServiceDesk.create_order
    <servicedomain.app.ServiceDesk.create_order>`, to be removed once the docs and
    tests use the desk. An order created by hand on an agreement is measured: unless
    ``sla_id`` is given, it gets the agreement's SLA, or else the agreement group's
    default (AX), and its SLA clock starts now.

    Args:
        uow: the unit of work to store it through.
        graph: the stage graph; the order starts in its root stage.
        clock: the source of the creation time.
        order_id: the new order's id.
        customer_id: the customer.
        **header: the other header keywords of ``ServiceDesk.create_order``
            (description, agreement_id, preferred_service_at, priority, ...).

    Raises:
        AlreadyExistsError: an order with this id exists.
        NotFoundError: ``agreement_id`` names no stored agreement.
    """
    return _service_desk(uow, graph, clock).create_order(
        order_id=order_id, customer_id=customer_id, **header
    )


def change_service_order_stage(
    uow: ServiceOrderUnitOfWork,
    graph: StageGraph,
    clock: Clock,
    order_id: str,
    to: str,
    *,
    reason: ReasonCode | None = None,
    note: str = "",
) -> ServiceOrder:
    """Move a stored order to the stage ``to`` (a child or the parent of its stage).

    Kept for compatibility: delegates to :meth:`ServiceDesk.change_stage
    <servicedomain.app.ServiceDesk.change_stage>`, to be removed once the docs and
    tests use the desk.

    Raises:
        NotFoundError: no order with this id.
        TransitionNotAllowedError: the graph declares no such move.
        ReasonRequiredError: the target stage requires a reason and none was given.
        ConcurrencyConflictError: the order changed since it was loaded; nothing saved.
    """
    return _service_desk(uow, graph, clock).change_stage(order_id, to, reason=reason, note=note)


def sign_off_service_order(
    uow: ServiceOrderUnitOfWork,
    clock: Clock,
    order_id: str,
    *,
    numbers: Collection[int] | None = None,
    reason: ReasonCode | None = None,
    slas: Mapping[str, ServiceLevelAgreement] | None = None,
    sla_parameters: SlaParameters | None = None,
) -> ServiceOrder:
    """Sign off a stored order (or some of its lines), consulting its SLA clock.

    Kept for compatibility: delegates to :meth:`ServiceDesk.sign_off
    <servicedomain.app.ServiceDesk.sign_off>` (the desk configured with ``slas`` and
    ``sla_parameters``), to be removed once the docs and tests use the desk. When the
    order has an SLA found in ``slas`` and ``sla_parameters`` are given, an exceeded
    SLA needs ``reason`` if *Reason code on exceeding time* is set.

    Raises:
        NotFoundError: no order with this id.
        ReasonRequiredError: the SLA parameters require a reason.
        ConcurrencyConflictError: the order changed since it was loaded; nothing saved.
    """
    # Sign-off consults no stage rule, so any graph configures the desk here.
    desk = _service_desk(uow, EXAMPLE_STAGE_GRAPH, clock, slas=slas, sla_parameters=sla_parameters)
    return desk.sign_off(order_id, numbers=numbers, reason=reason)


def post_service_orders(
    uow: ServiceOrderUnitOfWork,
    graph: StageGraph,
    journals: Mapping[TransactionType, Journal[JournalEntry]],
    clock: Clock,
    *,
    order_ids: Iterable[str],
    period: DateRange,
    types: Collection[TransactionType],
    require_sign_off: bool = True,
) -> PostingResult:
    """Post the lines of many orders, each transaction type to its own journal.

    Kept for compatibility: delegates to :meth:`ServiceDesk.post_orders
    <servicedomain.app.ServiceDesk.post_orders>`, to be removed once the docs and tests
    use the desk. Each order is posted in its own unit of work: its selected lines go
    to their journals, enlisted in the unit of work
    (:meth:`~servicedomain.ports.JournalUnitOfWork.enlist`), and the order is saved with
    the lines marked Posted and linked to the transaction ids the journals reserved;
    the entries are recorded only if that unit of work commits (law U1). An order
    whose stage does not allow posting is reported in :attr:`PostingResult.refused`
    and the run goes on. Posting again posts nothing; a run that failed (a concurrent
    change of the order, a lost commit) left nothing of the failed order behind, so it
    can simply be repeated, or the order reopened and changed first, and it gets the
    transaction ids of one fault-free run.

    Args:
        uow: the unit of work the orders are loaded and saved through.
        graph: the stage graph whose rules decide whether an order may be posted.
        journals: the journal of every selected transaction type.
        clock: the source of the posting time.
        order_ids: the orders to post.
        period: only lines whose transaction date is in this range are posted.
        types: only lines of these types are posted.
        require_sign_off: post only signed-off lines (the default, as in AX).

    Raises:
        InvalidInputError: a selected type has no journal (field ``journals``).
        NotFoundError: an order id is unknown (the orders before it stay posted).
        ConcurrencyConflictError: an order changed while it was being posted, or a
            journal gave its reserved ids to another commit; nothing of that order is
            saved or recorded, and repeating the run posts it once.
    """
    return _service_desk(uow, graph, clock, journals=journals).post_orders(
        order_ids=order_ids, period=period, types=types, require_sign_off=require_sign_off
    )


def generate_orders_from_agreements(
    uow: AgreementUnitOfWork,
    graph: StageGraph,
    clock: Clock,
    *,
    agreement_ids: Iterable[str],
    period: DateRange,
    types: Collection[TransactionType],
    continuous: bool = False,
    closed_days: ClosedDays | None = None,
    attach_sla: bool = False,
    zone: ZoneInfo | str | None = None,
) -> Generation:
    """Generate the service orders of many agreements and store them, all or nothing.

    Kept for compatibility: delegates to :meth:`ServiceDesk.generate_orders
    <servicedomain.app.ServiceDesk.generate_orders>` (the desk configured with
    ``closed_days`` and ``zone``), to be removed once the docs and tests use the desk.
    Loads the agreements and the orders already generated from them, runs
    :func:`~servicedomain.agreements.generate_service_orders` (pure), adds every new
    order in one unit of work and commits it. Running it again for the same period
    creates nothing; a run that fails (a conflict with a concurrent run that stored
    some of the same orders first, say) stores nothing and can simply be repeated.

    Args:
        uow: the unit of work over agreements and service orders.
        graph: the stage graph; new orders start in its root stage.
        clock: the source of the creation time.
        agreement_ids: the agreements to generate for (each loaded once).
        period: the half-open range of service dates; ``DateRange.inclusive(from, to)``
            gives AX's To-inclusive behaviour.
        types: only lines of these transaction types generate order lines.
        continuous: fill what is missing in each series from the line's start.
        closed_days: flags orders on closed dates with a calendar conflict.
        attach_sla: attach the agreement's SLA to the generated orders (AX does not).
        zone: the zone of the lines' preferred service times.

    Raises:
        NotFoundError: an agreement id is unknown (nothing is stored).
        AlreadyExistsError: a new order's id was stored concurrently (nothing is stored).
    """
    desk = _service_desk(uow, graph, clock, closed_days=closed_days, zone=zone)
    return desk.generate_orders(
        agreement_ids=agreement_ids,
        period=period,
        types=types,
        continuous=continuous,
        attach_sla=attach_sla,
    )


# ----------------------------------------------------------------------------- billing
#
# Kept for compatibility: each billing service below is one call of a
# :class:`~servicedomain.app.billing_desk.BillingDesk` built from its arguments (the
# unit of work given is entered again by the desk). To be removed once the docs and
# the tests use the desk.


def _billing_desk(
    uow: BillingUnitOfWork,
    clock: Clock,
    *,
    groups: Mapping[str, SubscriptionGroup],
    journal: Journal[AccrualEntry] | None = None,
    prices: PriceTable | None = None,
    invoice_prefix: str = "INV",
    credit_note_prefix: str = "CN",
    closed: Callable[[date], bool] | None = None,
) -> BillingDesk:
    """A desk over the one unit of work ``uow`` (checked here, under its own name)."""
    require_port(uow, "uow", "__enter__", "__exit__", "commit", "collect")
    if journal is not None:
        require_port(journal, "journal", "post")
    return BillingDesk(
        unit_of_work=lambda: uow,
        clock=clock,
        groups=groups,
        prices=prices,
        accrual_journal=journal,
        invoice_prefix=invoice_prefix,
        credit_note_prefix=credit_note_prefix,
        closed=closed,
    )


def create_subscription(
    uow: BillingUnitOfWork,
    group: SubscriptionGroup,
    clock: Clock,
    *,
    id: str,
    customer_id: str,
    project_id: str,
    category_id: str,
    base_price: Money,
    start_date: date,
    name: str = "",
    index: Decimal | int = Decimal(100),
    price_basis: PriceBasis = PriceBasis.BASE_PRICE,
    end_date: date | None = None,
    active: bool = True,
    timing: BillingTiming = BillingTiming.IN_ADVANCE,
    alignment: Alignment = Alignment.ANCHORED,
) -> Subscription:
    """Create and store a subscription of ``group``, invoiced every ``group``'s period.

    Kept for compatibility, to be removed once docs and tests use the desk:
    :meth:`BillingDesk.create_subscription
    <servicedomain.app.billing_desk.BillingDesk.create_subscription>` says the rules
    (``end_date`` is the last day served, inclusive).

    Raises:
        AlreadyExistsError: the id is taken.
        TypeMismatchError, InvalidInputError: a field, as ``Subscription.create`` says.
    """
    require_instance(group, SubscriptionGroup, "group")
    return _billing_desk(uow, clock, groups={group.id: group}).create_subscription(
        group_id=group.id,
        id=id,
        customer_id=customer_id,
        project_id=project_id,
        category_id=category_id,
        base_price=base_price,
        start_date=start_date,
        name=name,
        index=index,
        price_basis=price_basis,
        end_date=end_date,
        active=active,
        timing=timing,
        alignment=alignment,
    )


def generate_subscription_fees(
    uow: BillingUnitOfWork,
    clock: Clock,
    *,
    as_of: date,
    prices: PriceTable | None = None,
    group_id: str | None = None,
    subscription_ids: Iterable[str] | None = None,
) -> FeeRunResult:
    """Generate the fees due by ``as_of`` of a group's, some or all subscriptions, in one go.

    Kept for compatibility, to be removed once docs and tests use the desk:
    :meth:`BillingDesk.generate_fees
    <servicedomain.app.billing_desk.BillingDesk.generate_fees>` says the rules.

    Raises:
        NotFoundError: an unknown subscription id.
        ConcurrencyConflictError: another run stored fees of a subscription first.
    """
    return _billing_desk(uow, clock, groups={}, prices=prices).generate_fees(
        as_of=as_of, group_id=group_id, subscription_ids=subscription_ids
    )


def invoice_customers(
    uow: BillingUnitOfWork,
    clock: Clock,
    *,
    due_by: date,
    invoice_date: date,
    groups: Mapping[str, SubscriptionGroup],
    transactions: Iterable[BillableTransaction] = (),
    customer_id: str | None = None,
    id_prefix: str = "INV",
    credit_note_prefix: str = "CN",
) -> tuple[Invoice, ...]:
    """Invoice what is due by ``due_by``: one document per customer and currency.

    Kept for compatibility, to be removed once docs and tests use the desk:
    :meth:`BillingDesk.invoice_customers
    <servicedomain.app.billing_desk.BillingDesk.invoice_customers>` says the rules
    (``id_prefix`` is the desk's ``invoice_prefix``).

    Raises:
        InvalidInputError: a fee's subscription group is not in ``groups``.
        AlreadyInvoicedError: a concurrent run invoiced a source first (nothing stored).
        AlreadyExistsError: a concurrent run with the same ``id_prefix`` took the
            invoice id first (nothing stored; run again).
    """
    require_id(id_prefix, "id_prefix")
    return _billing_desk(
        uow,
        clock,
        groups=groups,
        invoice_prefix=id_prefix,
        credit_note_prefix=credit_note_prefix,
    ).invoice_customers(
        due_by=due_by, invoice_date=invoice_date, transactions=transactions, customer_id=customer_id
    )


def credit_invoiced(
    uow: BillingUnitOfWork,
    journal: Journal[AccrualEntry],
    clock: Clock,
    *,
    credit_note_id: str,
    credit_date: date,
    select: Sequence[str],
    groups: Mapping[str, SubscriptionGroup],
    amounts: Mapping[str, Money] | None = None,
    closed: Callable[[date], bool] | None = None,
) -> Invoice:
    """Credit invoiced fees or transactions, and reverse their accruals by the group's mode.

    Kept for compatibility, to be removed once docs and tests use the desk:
    :meth:`BillingDesk.credit_invoiced
    <servicedomain.app.billing_desk.BillingDesk.credit_invoiced>` says the rules.

    Raises:
        BillingRuleError: a source was never invoiced; manual reversal mode with
            accruals still posted (``accrual.reverse_manually_first``).
        CreditExceededError: a credit above what can still be credited.
    """
    return _billing_desk(uow, clock, groups=groups, journal=journal, closed=closed).credit_invoiced(
        credit_note_id=credit_note_id, credit_date=credit_date, select=select, amounts=amounts
    )


def accrue_subscription_revenue(
    uow: BillingUnitOfWork,
    journal: Journal[AccrualEntry],
    clock: Clock,
    *,
    through: date,
    posting_date: date,
) -> tuple[AccrualEntry, ...]:
    """Post every accrual period that ends by ``through`` and is not posted yet.

    Kept for compatibility, to be removed once docs and tests use the desk:
    :meth:`BillingDesk.accrue_revenue
    <servicedomain.app.billing_desk.BillingDesk.accrue_revenue>` says the rules.
    """
    return _billing_desk(uow, clock, groups={}, journal=journal).accrue_revenue(
        through=through, posting_date=posting_date
    )
