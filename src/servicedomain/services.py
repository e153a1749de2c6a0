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

import attrs

from servicedomain._checks import (
    require_callable,
    require_id,
    require_ids,
    require_instance,
    require_items,
    require_mapping,
    require_optional_id,
    require_port,
    v_tuple_of,
)
from servicedomain.agreements import Generation
from servicedomain.app.service_desk import PostingResult, ServiceDesk
from servicedomain.billing import (
    AccrualEntry,
    AccrualPeriod,
    AccrualPolicy,
    BillableTransaction,
    BillingTiming,
    DocumentKind,
    FeeTransaction,
    Invoice,
    PriceBasis,
    PriceTable,
    ReversalMode,
    Subscription,
    SubscriptionGroup,
    accrual_periods,
    accrue,
    credit_note,
    document_issued,
    generate_fees,
    propose_invoices,
    revenue_accrued,
    reverse_for_credit,
)
from servicedomain.calendars import ClosedDays
from servicedomain.errors import InvalidInputError
from servicedomain.instants import require_date
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


def _desk(
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
    return _desk(uow, graph, clock).create_order(
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
    return _desk(uow, graph, clock).change_stage(order_id, to, reason=reason, note=note)


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
    desk = _desk(uow, EXAMPLE_STAGE_GRAPH, clock, slas=slas, sla_parameters=sla_parameters)
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
    return _desk(uow, graph, clock, journals=journals).post_orders(
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
    desk = _desk(uow, graph, clock, closed_days=closed_days, zone=zone)
    return desk.generate_orders(
        agreement_ids=agreement_ids,
        period=period,
        types=types,
        continuous=continuous,
        attach_sla=attach_sla,
    )


# ----------------------------------------------------------------------------- billing


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

    The subscription (:meth:`Subscription.create <servicedomain.billing.Subscription.create>`,
    version 1) takes the group's id and invoicing period code; its
    :class:`~servicedomain.billing.SubscriptionCreated` event is published on commit.

    Raises:
        AlreadyExistsError: the id is taken.
        TypeMismatchError, InvalidInputError: a field, as ``Subscription.create`` says.
    """
    require_port(uow, "uow", "__enter__", "__exit__", "commit", "collect")
    require_instance(group, SubscriptionGroup, "group")
    require_port(clock, "clock", "now")
    subscription, events = Subscription.create(
        id=id,
        group_id=group.id,
        customer_id=customer_id,
        project_id=project_id,
        category_id=category_id,
        period=group.invoicing_period,
        base_price=base_price,
        start_date=start_date,
        at=clock.now(),
        name=name,
        index=index,
        price_basis=price_basis,
        end_date=end_date,
        active=active,
        timing=timing,
        alignment=alignment,
    )
    with uow:
        uow.subscriptions.add(subscription)
        uow.collect(events)
        uow.commit()
    return subscription


@attrs.frozen
class FeeRunResult:
    """What a fee generation run did.

    Attributes:
        created: the new fees, subscription by subscription.
        not_started: the subscriptions skipped because they start after ``as_of``.
    """

    created: tuple[FeeTransaction, ...] = attrs.field(
        default=(), validator=v_tuple_of(FeeTransaction)
    )
    not_started: tuple[str, ...] = attrs.field(default=(), validator=v_tuple_of(str))


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

    Catch-up generation (:func:`~servicedomain.billing.generate_fees` with ``as_of``):
    a late run bills every missed period, a run again bills nothing (laws F4, F5).
    Each subscription that gets new fees records them
    (:meth:`~servicedomain.billing.Subscription.record_fees`, a
    :class:`~servicedomain.billing.FeesGenerated` event) and is saved with the version
    it was loaded with, so two concurrent runs over one subscription cannot both store
    fees: the second gets :class:`~servicedomain.errors.ConcurrencyConflictError` and,
    run again, creates nothing. All or nothing: a failure stores no fee of the run and
    publishes no event. What credit notes
    took back of each stored fee (the invoiced-item register) goes to generation, so
    a cancellation or a lower price credits only what a charge still bills (law F13).

    Raises:
        NotFoundError: an unknown subscription id.
        ConcurrencyConflictError: another run stored fees of a subscription first.
    """
    require_port(uow, "uow", "__enter__", "__exit__", "commit", "collect")
    require_port(clock, "clock", "now")
    require_optional_id(group_id, "group_id")
    if subscription_ids is not None:
        subscription_ids = require_ids(subscription_ids, "subscription_ids")
    day = require_date(as_of, "as_of")
    with uow:
        if subscription_ids is not None:
            subscriptions = [uow.subscriptions.get(sub_id) for sub_id in subscription_ids]
        else:
            subscriptions = [
                sub
                for sub in uow.subscriptions.list()
                if group_id is None or sub.group_id == group_id
            ]
        created: list[FeeTransaction] = []
        not_started: list[str] = []
        now = clock.now()
        for sub in subscriptions:
            if day < sub.start_date:
                not_started.append(sub.id)
                continue
            stored = uow.fees.for_subscription(sub.id)
            items = uow.invoices.invoiced(fee.id for fee in stored) if stored else {}
            credited = {source: item.credited for source, item in items.items() if item.credited}
            fees = generate_fees(sub, stored, prices, as_of=day, credited=credited)
            if not fees:
                continue
            added = uow.fees.add_all(fees)
            if not added:
                continue
            created.extend(added)
            billed, events = sub.record_fees(added, at=now)
            uow.subscriptions.save(billed, expected_version=sub.version)
            uow.collect(events)
        uow.commit()
    return FeeRunResult(tuple(created), tuple(not_started))


def _accrual_policies(
    uow: BillingUnitOfWork, groups: Mapping[str, SubscriptionGroup]
) -> Callable[[str], tuple[AccrualPolicy | None, date]]:
    """Each subscription's accrual policy and anchor, looked up once per subscription."""
    cache: dict[str, tuple[AccrualPolicy | None, date]] = {}
    policies: dict[str, AccrualPolicy | None] = {}
    subscriptions = uow.subscriptions

    def policy(subscription_id: str) -> tuple[AccrualPolicy | None, date]:
        found = cache.get(subscription_id)
        if found is None:
            sub = subscriptions.get(subscription_id)
            if sub.group_id not in policies:
                group = groups.get(sub.group_id)
                if group is None:
                    raise InvalidInputError(
                        "groups", sub.group_id, "no such subscription group given"
                    )
                policies[sub.group_id] = group.accrual_policy
            anchor = sub.billing_period(sub.schedule.period(0)).start
            found = cache[subscription_id] = (policies[sub.group_id], anchor)
        return found

    return policy


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

    Gathers the fees due and not invoiced and the given posted order ``transactions``
    not invoiced yet (:func:`~servicedomain.billing.propose_invoices`), posts one
    document per proposal with the id ``<prefix>-<customer>-<currency>-<due_by>-<n>``,
    and creates the accrual periods of every invoiced fee whose group accrues revenue.
    A proposal with a negative total (a cancellation credit alone, say) is posted as
    a credit note, numbered in its own series with ``credit_note_prefix``; its lines
    bill their sources as an invoice's do.
    All in one unit of work: each source is invoiced exactly once (law I1), and a run
    again the same day invoices nothing (law C6: give ``due_by`` as the customer's
    local date, e.g. ``local_date(clock.now(), zone)``). Each document posted is an
    :class:`~servicedomain.billing.InvoiceIssued` or
    :class:`~servicedomain.billing.CreditNoteIssued` event, published on commit.

    Raises:
        InvalidInputError: a fee's subscription group is not in ``groups``.
        AlreadyInvoicedError: a concurrent run invoiced a source first (nothing stored).
        AlreadyExistsError: a concurrent run with the same ``id_prefix`` took the
            invoice id first (nothing stored; run again).
        InvalidInputError: (field ``id_prefix`` or ``credit_note_prefix``) not a
            non-blank string.
    """
    require_port(uow, "uow", "__enter__", "__exit__", "commit", "collect")
    require_port(clock, "clock", "now")
    require_mapping(groups, "groups", str, SubscriptionGroup)
    transactions = require_items(transactions, "transactions", "BillableTransaction values")
    require_optional_id(customer_id, "customer_id")
    day = require_date(due_by, "due_by")
    prefixes = {
        DocumentKind.INVOICE: require_id(id_prefix, "id_prefix"),
        DocumentKind.CREDIT_NOTE: require_id(credit_note_prefix, "credit_note_prefix"),
    }
    with uow:
        given = list(transactions)
        already = uow.invoices.invoiced(transaction.id for transaction in given)
        fees = uow.fees.due(due_by=day, customer_id=customer_id)
        proposals = propose_invoices(
            due_by=day,
            fees=fees,
            transactions=given,
            invoiced=already,
            customer_id=customer_id,
        )
        by_id = {fee.id: fee for fee in fees}
        policy_of = _accrual_policies(uow, groups)
        documents, accruals = uow.invoices, uow.accruals
        invoices: list[Invoice] = []
        now = clock.now()
        for proposal in proposals:
            prefix = prefixes[proposal.kind]
            stem = f"{prefix}-{proposal.customer_id}-{proposal.currency.code}-{day:%Y%m%d}"
            taken = {doc.id for doc in documents.list(customer_id=proposal.customer_id)}
            number = 1
            while f"{stem}-{number}" in taken:
                number += 1
            invoice = proposal.post(invoice_id=f"{stem}-{number}", invoice_date=invoice_date)
            documents.add(invoice)
            invoices.append(invoice)
            uow.collect((document_issued(invoice, at=now),))
            periods: list[AccrualPeriod] = []
            for line in invoice.lines:
                fee = by_id.get(line.source_id)
                if fee is None or fee.amount.is_zero:
                    continue
                policy, anchor = policy_of(fee.subscription_id)
                if policy is not None:
                    periods.extend(
                        accrual_periods(
                            source_id=line.source_id,
                            amount=fee.amount,
                            service_period=fee.period,
                            policy=policy,
                            anchor=anchor,
                        )
                    )
            if periods:
                accruals.save_all(periods)
        uow.commit()
    return tuple(invoices)


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

    The credit note (:func:`~servicedomain.billing.credit_note`) credits each source at
    most what can still be credited, at the invoiced price. The accrual periods of a
    credited fee are reversed as its group says (manual, on the credit date, or on
    the original posting date unless ``closed`` says that date's period is closed);
    the reversal entries go to ``journal`` enlisted in the unit of work, so the note,
    the periods and the entries commit together or not at all (law U1): a credit whose
    commit is lost can be issued again, under the same or a new credit-note id, and
    reverses the accruals once. The note is a
    :class:`~servicedomain.billing.CreditNoteIssued` event, published on commit.

    Raises:
        BillingRuleError: a source was never invoiced; manual reversal mode with
            accruals still posted (``accrual.reverse_manually_first``).
        CreditExceededError: a credit above what can still be credited.
    """
    require_port(uow, "uow", "__enter__", "__exit__", "commit", "collect")
    require_port(journal, "journal", "post")
    require_port(clock, "clock", "now")
    select = require_ids(select, "select")
    require_mapping(groups, "groups", str, SubscriptionGroup)
    if closed is not None:
        require_callable(closed, "closed")
    with uow:
        invoiced = uow.invoices.invoiced(select)
        # F13: the fees of the credited fees' subscriptions, and their invoiced items.
        subs = sorted({i.line.subscription_id for i in invoiced.values() if i.line.subscription_id})
        fees = [fee for sub_id in subs for fee in uow.fees.for_subscription(sub_id)]
        others = uow.invoices.invoiced(fee.id for fee in fees if fee.id not in invoiced)
        invoiced = {**others, **invoiced}
        document = credit_note(
            credit_note_id=credit_note_id,
            credit_date=credit_date,
            invoiced=invoiced,
            select=select,
            amounts=amounts,
            fees=fees,
        )
        uow.invoices.add(document)
        uow.collect((document_issued(document, at=clock.now()),))
        policy_of = _accrual_policies(uow, groups)
        entries: list[AccrualEntry] = []
        for line in document.lines:
            periods = uow.accruals.for_source(line.source_id)
            if not periods:
                continue
            item = invoiced[line.source_id]
            assert line.subscription_id is not None  # only fees have accrual periods
            policy, _anchor = policy_of(line.subscription_id)
            mode = policy.reversal if policy is not None else ReversalMode.INVOICE_DATE
            changed, reversals = reverse_for_credit(
                periods,
                credit_id=document.id,
                credited=-line.amount,
                invoiced=item.amount,
                credit_date=credit_date,
                mode=mode,
                **({"closed": closed} if closed is not None else {}),
            )
            uow.accruals.save_all(changed)
            entries.extend(reversals)
        if entries:
            uow.enlist(journal).post(entries)
        uow.commit()
    return document


def accrue_subscription_revenue(
    uow: BillingUnitOfWork,
    journal: Journal[AccrualEntry],
    clock: Clock,
    *,
    through: date,
    posting_date: date,
) -> tuple[AccrualEntry, ...]:
    """Post every accrual period that ends by ``through`` and is not posted yet.

    AX's *Accrue subscription revenue* job: each period posts Dr *WIP - subscription*,
    Cr *Accrued revenue - subscription* to ``journal`` on ``posting_date``. Only
    invoiced fees have accrual periods, so nothing is accrued before invoicing. Run
    again, it posts nothing. The entries go to ``journal`` enlisted in the unit of work
    and are recorded only if the periods are saved as posted (law U1): a run whose
    commit is lost leaves nothing behind, and a later run (the next day, say) posts
    the periods as one run would. Each fee accrued is a
    :class:`~servicedomain.billing.RevenueAccrued` event, published on commit.
    """
    require_port(uow, "uow", "__enter__", "__exit__", "commit", "collect")
    require_port(journal, "journal", "post")
    require_port(clock, "clock", "now")
    with uow:
        accruals = uow.accruals
        by_source: dict[str, list[AccrualPeriod]] = {}
        for period in accruals.unposted_through(through):
            by_source.setdefault(period.source_id, []).append(period)
        # One accrue over every fee's periods, fee by fee (accrue takes any fees' periods).
        periods = [period for group in by_source.values() for period in group]
        changed, entries = accrue(periods, through=through, posting_date=posting_date)
        if changed:
            accruals.save_all(changed)
        if entries:
            uow.enlist(journal).post(entries)
            uow.collect(revenue_accrued(entries, at=clock.now()))
        uow.commit()
    return entries
