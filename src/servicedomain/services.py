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
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from servicedomain._checks import (
    require_id,
    require_ids,
    require_instance,
    require_items,
    require_mapping,
    require_port,
    v_tuple_of,
)
from servicedomain.agreements import Generation, generate_service_orders
from servicedomain.app.billing_desk import BillingDesk, FeeRunResult
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
from servicedomain.errors import InvalidInputError
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
from servicedomain.sla import ServiceLevelAgreement, SlaParameters, effective_sla_id
from servicedomain.stages import Action, ReasonCode, StageGraph

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

    An order created by hand on an agreement is measured: unless ``sla_id`` is given,
    it gets the agreement's SLA, or else the agreement group's default (AX), and its
    SLA clock starts now.

    Args:
        uow: the unit of work to store it through.
        graph: the stage graph; the order starts in its root stage.
        clock: the source of the creation time.
        order_id: the new order's id.
        customer_id: the customer.
        **header: other header fields of :meth:`ServiceOrder.create` (description,
            agreement_id, preferred_service_at, priority, ...).

    Raises:
        AlreadyExistsError: an order with this id exists.
        NotFoundError: ``agreement_id`` names no stored agreement.
    """
    require_port(uow, "uow", "__enter__", "__exit__", "commit")
    require_instance(graph, StageGraph, "graph")
    require_port(clock, "clock", "now")
    require_id(order_id, "order_id")
    require_id(customer_id, "customer_id")
    with uow:
        agreement_id = header.get("agreement_id")
        if agreement_id is not None and header.get("sla_id") is None:
            if not isinstance(uow, AgreementUnitOfWork):
                raise InvalidInputError(
                    "uow", uow, "an order on an agreement needs a unit of work with agreements"
                )
            agreement = uow.agreements.get(agreement_id)
            header["sla_id"] = effective_sla_id(
                agreement_sla_id=agreement.sla_id,
                group_default_sla_id=agreement.group.default_sla_id,
                generated=False,
            )
        order, events = ServiceOrder.create(
            graph, id=order_id, customer_id=customer_id, at=clock.now(), **header
        )
        uow.service_orders.add(order)
        uow.collect(events)
        uow.commit()
    return order


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

    Raises:
        NotFoundError: no order with this id.
        TransitionNotAllowedError: the graph declares no such move.
        ReasonRequiredError: the target stage requires a reason and none was given.
        ConcurrencyConflictError: the order changed since it was loaded; nothing saved.
    """
    require_port(uow, "uow", "__enter__", "__exit__", "commit")
    require_instance(graph, StageGraph, "graph")
    require_port(clock, "clock", "now")
    require_id(order_id, "order_id")
    with uow:
        order = uow.service_orders.get(order_id)
        changed, events = order.change_stage(graph, to, at=clock.now(), reason=reason, note=note)
        uow.service_orders.save(changed, expected_version=order.version)
        uow.collect(events)
        uow.commit()
    return changed


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

    When the order has an SLA found in ``slas`` and ``sla_parameters`` are given, an
    exceeded SLA needs ``reason`` if *Reason code on exceeding time* is set.

    Raises:
        NotFoundError: no order with this id.
        ReasonRequiredError: the SLA parameters require a reason.
        ConcurrencyConflictError: the order changed since it was loaded; nothing saved.
    """
    require_port(uow, "uow", "__enter__", "__exit__", "commit")
    require_port(clock, "clock", "now")
    require_id(order_id, "order_id")
    if slas is not None:
        require_mapping(slas, "slas", str, ServiceLevelAgreement)
    with uow:
        order = uow.service_orders.get(order_id)
        sla = None if order.sla_id is None or slas is None else slas.get(order.sla_id)
        changed, events = order.sign_off(
            at=clock.now(), numbers=numbers, reason=reason, sla=sla, sla_parameters=sla_parameters
        )
        if events:
            uow.service_orders.save(changed, expected_version=order.version)
            uow.collect(events)
            uow.commit()
    return changed


@attrs.frozen
class PostingResult:
    """What a posting run did.

    Attributes:
        posted: (order id, line number, journal transaction id) of every posted line.
        skipped: (order id, line number, why) of every line left unposted.
        refused: (order id, why) of every order whose stage does not allow posting.
    """

    posted: tuple[tuple[str, int, str], ...] = attrs.field(default=(), validator=v_tuple_of(tuple))
    skipped: tuple[tuple[str, int, str], ...] = attrs.field(default=(), validator=v_tuple_of(tuple))
    refused: tuple[tuple[str, str], ...] = attrs.field(default=(), validator=v_tuple_of(tuple))


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

    Each order is posted in its own unit of work: its selected lines go to their
    journals, enlisted in the unit of work (:meth:`~servicedomain.ports.JournalUnitOfWork.enlist`),
    and the order is saved with the lines marked Posted and linked to the transaction
    ids the journals reserved; the entries are recorded only if that unit of work
    commits (law U1). An order whose stage does not allow posting is reported in
    :attr:`PostingResult.refused` and the run goes on. Posting again posts nothing; a
    run that failed (a concurrent change of the order, a lost commit) left nothing of
    the failed order behind, so it can simply be repeated, or the order reopened and
    changed first, and it gets the transaction ids of one fault-free run.

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
    require_port(uow, "uow", "__enter__", "__exit__", "commit")
    require_instance(graph, StageGraph, "graph")
    require_mapping(journals, "journals", TransactionType)
    require_port(clock, "clock", "now")
    order_ids = require_ids(order_ids, "order_ids")
    types = require_items(types, "types", "TransactionType members")
    missing = [kind.value for kind in types if kind not in journals]
    if missing:
        raise InvalidInputError("journals", sorted(missing), "no journal for these types")
    posted: list[tuple[str, int, str]] = []
    skipped: list[tuple[str, int, str]] = []
    refused: list[tuple[str, str]] = []
    for order_id in order_ids:
        with uow:
            order = uow.service_orders.get(order_id)
            decision = graph.decision(order.stage_id)
            if not decision.allows(Action.POST):
                refused.append((order_id, decision.why_not(Action.POST) or "posting refused"))
                continue
            plan = order.plan_posting(
                graph, period=period, types=types, require_sign_off=require_sign_off
            )
            skipped.extend((order_id, number, str(why)) for number, why in plan.skipped)
            transaction_ids: dict[int, str] = {}
            for kind, entries in plan.by_type().items():
                ids = uow.enlist(journals[kind]).post(entries)
                transaction_ids.update(
                    (entry.line_number, transaction_id)
                    for entry, transaction_id in zip(entries, ids, strict=True)
                )
            if not transaction_ids:
                continue
            changed, events = order.mark_posted(transaction_ids, at=clock.now())
            uow.service_orders.save(changed, expected_version=order.version)
            uow.collect(events)
            uow.commit()
            posted.extend(
                (order_id, number, transaction_id)
                for number, transaction_id in sorted(transaction_ids.items())
            )
    return PostingResult(tuple(posted), tuple(skipped), tuple(refused))


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
    require_port(uow, "uow", "__enter__", "__exit__", "commit")
    require_instance(graph, StageGraph, "graph")
    require_port(clock, "clock", "now")
    agreement_ids = require_ids(agreement_ids, "agreement_ids")
    ids = list(dict.fromkeys(agreement_ids))
    with uow:
        agreements = [uow.agreements.get(agreement_id) for agreement_id in ids]
        existing = [
            order
            for agreement_id in ids
            for order in uow.service_orders.for_agreement(agreement_id)
        ]
        generation = generate_service_orders(
            agreements,
            graph,
            period=period,
            types=types,
            at=clock.now(),
            existing=existing,
            continuous=continuous,
            closed_days=closed_days,
            attach_sla=attach_sla,
            zone=zone,
        )
        for order in generation.orders:
            uow.service_orders.add(order)
        uow.collect(generation.events)
        uow.commit()
    return generation


# ----------------------------------------------------------------------------- billing
#
# Kept for compatibility: each billing service below is one call of a
# :class:`~servicedomain.app.billing_desk.BillingDesk` built from its arguments (the
# unit of work given is entered again by the desk). To be removed once the docs and
# the tests use the desk.


def _desk(
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
    <servicedomain.app.billing_desk.BillingDesk.create_subscription>` says the rules.

    Raises:
        AlreadyExistsError: the id is taken.
        TypeMismatchError, InvalidInputError: a field, as ``Subscription.create`` says.
    """
    require_instance(group, SubscriptionGroup, "group")
    return _desk(uow, clock, groups={group.id: group}).create_subscription(
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
    return _desk(uow, clock, groups={}, prices=prices).generate_fees(
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
    return _desk(
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
    return _desk(uow, clock, groups=groups, journal=journal, closed=closed).credit_invoiced(
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
    return _desk(uow, clock, groups={}, journal=journal).accrue_revenue(
        through=through, posting_date=posting_date
    )
