"""The billing desk: every subscription-billing use case, one unit of work each.

A :class:`BillingDesk` is configured once (how to open a unit of work, the clock, the
subscription groups, the price table, the accrual journal, the document prefixes) and
offers one typed method per use case of AX's subscription billing: create a
subscription, change its price, the four *Index subscription* moves, cancel,
deactivate and activate, reduction days, generate fees (catch-up, or over a range,
regular or not), invoice customers, credit invoiced sources, accrue revenue and
reverse an accrual period by hand, plus reads. Each method opens one unit of work,
loads, lets the domain (:mod:`servicedomain.billing`) decide, saves with the version it
loaded (a concurrent change raises
:class:`~servicedomain.errors.ConcurrencyConflictError`), collects the events and
commits: all or nothing (law U1), events published only after the commit.

>>> from datetime import UTC, date, datetime
>>> from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork
>>> from servicedomain.adapters.clocks import FixedClock
>>> from servicedomain.adapters.memory import InMemoryStore
>>> from servicedomain.billing import SubscriptionGroup
>>> from servicedomain.money import Money
>>> from servicedomain.periods import MONTHLY
>>> store = InMemoryStore()
>>> desk = BillingDesk(
...     unit_of_work=lambda: InMemoryBillingUnitOfWork(store),
...     clock=FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC)),
...     groups={"M": SubscriptionGroup(id="M", invoicing_period_code=MONTHLY)})
>>> sub = desk.create_subscription(group_id="M", id="S-1", customer_id="C-1",
...     project_id="P-1", category_id="FEE", base_price=Money(100, "EUR"),
...     start_date=date(2026, 3, 1))
>>> [fee.amount for fee in desk.generate_fees(as_of=date(2026, 3, 1)).created]
[Money('100.00', 'EUR')]
>>> [doc.id for doc in desk.invoice_customers(due_by=date(2026, 3, 1),
...     invoice_date=date(2026, 3, 1))]
['INV-C-1-EUR-20260301-1']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Final

import attrs

from servicedomain._checks import (
    deep_iterable,
    deep_mapping,
    instance_of,
    is_bool,
    is_callable,
    is_id,
    is_ids,
    is_optional_id,
    items,
    optional,
    port,
)
from servicedomain.app._unit import begin, change_stored
from servicedomain.billing import (
    AccrualEntry,
    AccrualPeriod,
    AccrualPolicy,
    AccrualReversed,
    BillableTransaction,
    BillingTiming,
    DocumentKind,
    FeeRun,
    FeeTransaction,
    Invoice,
    InvoicedItem,
    PriceBasis,
    PriceTable,
    ReversalMode,
    Subscription,
    SubscriptionGroup,
    accrual_periods_for,
    accrue,
    credit_note,
    document_issued,
    generate_fees,
    next_document_id,
    propose_invoices,
    reduce_days,
    revenue_accrued,
    reverse_for_credit,
    reverse_period,
)
from servicedomain.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from servicedomain.events import DomainEvent
from servicedomain.instants import require_date
from servicedomain.money import Money
from servicedomain.periods import Alignment, DateRange, DateRangePool
from servicedomain.ports import BillingUnitOfWork, Clock, Journal

__all__ = ["BillingDesk", "FeeRunResult"]

Change = Callable[[Subscription], tuple[Subscription, tuple[DomainEvent, ...]]]

_CLOCK: Final = port("now")
_JOURNAL: Final = port("post")
_GROUPS: Final = deep_mapping(instance_of(str), instance_of(SubscriptionGroup))
_PRICES: Final = optional(instance_of(PriceTable))
_DATE_RANGE: Final = instance_of(DateRange)
_FEE_RUN: Final = instance_of(FeeRun)
_TRANSACTIONS: Final = items("BillableTransaction values")
_FEES: Final = deep_iterable(instance_of(FeeTransaction))
_STRS: Final = deep_iterable(instance_of(str))


@attrs.frozen
class FeeRunResult:
    """What a fee generation run did.

    Attributes:
        created: the new fees, subscription by subscription.
        not_started: the subscriptions skipped because they start after ``as_of``.
    """

    created: tuple[FeeTransaction, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(FeeTransaction))
    )
    not_started: tuple[str, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(str))
    )


def _credited(uow: BillingUnitOfWork, stored: Sequence[FeeTransaction]) -> dict[str, Money]:
    """What credit notes took back of each stored fee (the invoiced-item register, F13)."""
    items = uow.invoices.invoiced(fee.id for fee in stored) if stored else {}
    return {source: item.credited for source, item in items.items() if item.credited}


def _refuse_taken(uow: BillingUnitOfWork, document_id: str) -> None:
    """Raise :class:`AlreadyExistsError` if a stored document has ``document_id``."""
    try:
        taken = uow.invoices.get(document_id)
    except NotFoundError:
        return
    raise AlreadyExistsError("Invoice", document_id, taken.version)


class BillingDesk:
    """Subscription billing over the ports: one method per use case, one unit of work each.

    Args:
        unit_of_work: opens a new unit of work on the host's store (called once per
            method call; a unit of work that can be entered again may be returned
            each time).
        clock: where the instant of each event comes from.
        groups: the subscription groups, by id (their invoicing period and accrual
            policy).
        prices: the price table fee generation reads (None: the subscriptions' own
            prices only).
        accrual_journal: where accruals and their reversals post (enlisted in each
            unit of work); needed by :meth:`credit_invoiced` and :meth:`accrue_revenue`.
        invoice_prefix, credit_note_prefix: the series of document ids
            (:func:`~servicedomain.billing.next_document_id`).
        closed: says whether the accounting period of a date is closed (accrual
            reversals on the original posting date then move to the credit date).

    Raises:
        TypeMismatchError, InvalidInputError: an argument, named.
    """

    def __init__(
        self,
        *,
        unit_of_work: Callable[[], BillingUnitOfWork],
        clock: Clock,
        groups: Mapping[str, SubscriptionGroup],
        prices: PriceTable | None = None,
        accrual_journal: Journal[AccrualEntry] | None = None,
        invoice_prefix: str = "INV",
        credit_note_prefix: str = "CN",
        closed: Callable[[date], bool] | None = None,
    ) -> None:
        is_callable.check(unit_of_work, "unit_of_work")
        self._unit_of_work: Callable[[], BillingUnitOfWork] = unit_of_work
        _CLOCK.check(clock, "clock")
        self._clock = clock
        _GROUPS.check(groups, "groups")
        self._groups: dict[str, SubscriptionGroup] = dict(groups)
        for key, group in self._groups.items():
            if key != group.id:
                raise InvalidInputError(f"groups[{key!r}]", group.id, "not the group's id")
        _PRICES.check(prices, "prices")
        self._prices = prices
        if accrual_journal is not None:
            _JOURNAL.check(accrual_journal, "accrual_journal")
        self._journal = accrual_journal
        self._prefixes = {
            DocumentKind.INVOICE: is_id.check(invoice_prefix, "invoice_prefix"),
            DocumentKind.CREDIT_NOTE: is_id.check(credit_note_prefix, "credit_note_prefix"),
        }
        if closed is not None:
            is_callable.check(closed, "closed")
        self._closed: Callable[[date], bool] | None = closed

    # ------------------------------------------------------------------ plumbing

    def _open(self) -> BillingUnitOfWork:
        return begin(self._unit_of_work, "uow")

    def _group(self, group_id: str) -> SubscriptionGroup:
        group = self._groups.get(is_id.check(group_id, "group_id"))
        if group is None:
            raise InvalidInputError("group_id", group_id, "no such subscription group given")
        return group

    def _accrual_journal(self) -> Journal[AccrualEntry]:
        if self._journal is None:
            raise InvalidInputError(
                "accrual_journal", None, "the desk was configured without an accrual journal"
            )
        return self._journal

    def _policies(
        self, uow: BillingUnitOfWork
    ) -> Callable[[str], tuple[AccrualPolicy | None, date]]:
        """Each subscription's accrual policy and anchor, looked up once per subscription."""
        cache: dict[str, tuple[AccrualPolicy | None, date]] = {}
        subscriptions, groups = uow.subscriptions, self._groups

        def policy(subscription_id: str) -> tuple[AccrualPolicy | None, date]:
            found = cache.get(subscription_id)
            if found is None:
                sub = subscriptions.get(subscription_id)
                group = groups.get(sub.group_id)
                if group is None:
                    raise InvalidInputError(
                        "groups", sub.group_id, "no such subscription group given"
                    )
                anchor = sub.billing_period(sub.schedule.period(0)).start
                found = cache[subscription_id] = (group.accrual_policy, anchor)
            return found

        return policy

    def _change(self, subscription_id: str, change: Change) -> Subscription:
        """Load a subscription, apply ``change``, save it with the version loaded, commit."""
        sub_id = is_id.check(subscription_id, "subscription_id")
        return change_stored(self._open(), lambda uow: uow.subscriptions, sub_id, change)

    # ------------------------------------------------------------------ subscriptions

    def create_subscription(
        self,
        *,
        group_id: str,
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
        """Create and store a subscription of the group ``group_id``, invoiced every group period.

        The subscription (:meth:`Subscription.create
        <servicedomain.billing.Subscription.create>`, version 1) takes the group's
        invoicing period code; its :class:`~servicedomain.billing.SubscriptionCreated`
        event is published on commit. ``end_date`` is the last day served (inclusive),
        or None for an open-ended subscription.

        Raises:
            InvalidInputError: (field ``group_id``) not a group of the desk.
            AlreadyExistsError: the id is taken.
            TypeMismatchError, InvalidInputError: a field, as ``Subscription.create`` says.
        """
        group = self._group(group_id)
        subscription, events = Subscription.create(
            id=id,
            group_id=group.id,
            customer_id=customer_id,
            project_id=project_id,
            category_id=category_id,
            period_code=group.invoicing_period_code,
            base_price=base_price,
            start_date=start_date,
            at=self._clock.now(),
            name=name,
            index=index,
            price_basis=price_basis,
            end_date=end_date,
            active=active,
            timing=timing,
            alignment=alignment,
        )
        with self._open() as uow:
            uow.subscriptions.add(subscription)
            uow.collect(events)
            uow.commit()
        return subscription

    def change_price(
        self,
        subscription_id: str,
        *,
        effective_date: date,
        base_price: Money | None = None,
        index: Decimal | int | None = None,
    ) -> Subscription:
        """A new base price and/or index from ``effective_date`` on (AX *Price reduction*).

        The next generation run adjusts the fees already generated for later days.

        Raises:
            NotFoundError: no such subscription.
            InvalidPeriodError: ``effective_date`` not after the start and the latest change.
            CurrencyMismatchError: ``base_price`` in another currency.
        """
        return self._change(
            subscription_id,
            lambda sub: sub.change_price(
                effective_date=effective_date,
                base_price=base_price,
                index=index,
                at=self._clock.now(),
            ),
        )

    def index_by_percent(
        self, subscription_id: str, *, pct: Decimal | int, effective_date: date
    ) -> Subscription:
        """*Index subscription*: the index by a percentage from ``effective_date`` on.

        110 + 10% -> 121.

        Raises:
            NotFoundError: no such subscription.
            InvalidPeriodError: ``effective_date`` not after the start and the latest change.
        """
        return self._change(
            subscription_id,
            lambda sub: sub.index_by_percent(
                pct, effective_date=effective_date, at=self._clock.now()
            ),
        )

    def index_to(
        self, subscription_id: str, *, value: Decimal | int, effective_date: date
    ) -> Subscription:
        """*Index subscription*: the index to a value from ``effective_date`` on.

        Raises:
            NotFoundError: no such subscription.
            InvalidPeriodError: ``effective_date`` not after the start and the latest change.
        """
        return self._change(
            subscription_id,
            lambda sub: sub.index_to(value, effective_date=effective_date, at=self._clock.now()),
        )

    def base_by_percent(
        self, subscription_id: str, *, pct: Decimal | int, effective_date: date
    ) -> Subscription:
        """*Index subscription*: the base price by a percentage from ``effective_date`` on.

        Raises:
            NotFoundError: no such subscription.
            InvalidPeriodError: ``effective_date`` not after the start and the latest change.
        """
        return self._change(
            subscription_id,
            lambda sub: sub.base_by_percent(
                pct, effective_date=effective_date, at=self._clock.now()
            ),
        )

    def base_to(
        self, subscription_id: str, *, base_price: Money, effective_date: date
    ) -> Subscription:
        """*Index subscription*: the base price to a value from ``effective_date`` on.

        The value is in the subscription's currency.

        Raises:
            NotFoundError: no such subscription.
            InvalidPeriodError: ``effective_date`` not after the start and the latest change.
            CurrencyMismatchError: ``base_price`` in another currency.
        """
        return self._change(
            subscription_id,
            lambda sub: sub.base_to(
                base_price, effective_date=effective_date, at=self._clock.now()
            ),
        )

    def cancel(self, subscription_id: str, *, last_day: date) -> Subscription:
        """End a subscription: ``last_day`` is the last day served (inclusive).

        The next generation run credits what was billed for the days after ``last_day``.

        Raises:
            NotFoundError: no such subscription.
            InvalidCancellationError: ``last_day`` before the start, or after an end set.
        """
        return self._change(
            subscription_id, lambda sub: sub.cancel(last_day=last_day, at=self._clock.now())
        )

    def deactivate(self, subscription_id: str) -> Subscription:
        """Clear the *Active* flag: no new fees are generated.

        Raises:
            NotFoundError: no such subscription.
        """
        return self._change(subscription_id, lambda sub: sub.deactivate(at=self._clock.now()))

    def activate(self, subscription_id: str) -> Subscription:
        """Set the *Active* flag again.

        Raises:
            NotFoundError: no such subscription.
        """
        return self._change(subscription_id, lambda sub: sub.activate(at=self._clock.now()))

    # ------------------------------------------------------------------ fees

    def reduce_days(
        self, subscription_id: str, *, charge_id: str, removed: DateRange
    ) -> FeeTransaction:
        """Store a negative fee removing ``removed`` from a stored charge (AX *Reduction days*).

        The fee (:func:`~servicedomain.billing.reduce_days`: never more than the charge
        still bills after credit notes, law F13) is stored and recorded on its
        subscription (:meth:`~servicedomain.billing.Subscription.record_fees`, a
        :class:`~servicedomain.billing.FeesGenerated` event), saved with the version
        loaded, in one unit of work.

        Raises:
            NotFoundError: no such subscription, or no stored fee ``charge_id`` of it.
            InvalidInputError: the fee is not a charge, or ``removed`` shares no day with it.
            BillingRuleError: the days were removed already, or none of them is billed.
        """
        sub_id = is_id.check(subscription_id, "subscription_id")
        fee_id = is_id.check(charge_id, "charge_id")
        with self._open() as uow:
            sub = uow.subscriptions.get(sub_id)
            stored = uow.fees.for_subscription(sub_id)
            charge = next((fee for fee in stored if fee.id == fee_id), None)
            if charge is None:
                raise NotFoundError("FeeTransaction", fee_id)
            fee = reduce_days(
                sub, stored, charge=charge, removed=removed, credited_by_fee=_credited(uow, stored)
            )
            uow.fees.add_all([fee])
            recorded, events = sub.record_fees([fee], at=self._clock.now())
            uow.subscriptions.save(recorded, expected_version=sub.version)
            uow.collect(events)
            uow.commit()
        return fee

    def generate_fees(
        self,
        *,
        as_of: date,
        group_id: str | None = None,
        subscription_ids: Iterable[str] | None = None,
    ) -> FeeRunResult:
        """Generate the fees due by ``as_of`` of a group's, some or all subscriptions, in one go.

        Catch-up generation (:func:`~servicedomain.billing.generate_fees` with
        ``as_of``, the desk's price table): a late run bills every missed period, a run
        again bills nothing (laws F4, F5). Each subscription that gets new fees
        records them (:meth:`~servicedomain.billing.Subscription.record_fees`) and is
        saved with the version it was loaded with, so of two concurrent runs over one
        subscription the second gets
        :class:`~servicedomain.errors.ConcurrencyConflictError` and, run again, creates
        nothing. What credit notes took back of each stored fee goes to generation
        (law F13).

        Raises:
            NotFoundError: an unknown subscription id.
            ConcurrencyConflictError: another run stored fees of a subscription first.
        """
        day = require_date(as_of, "as_of")
        prices, pool = self._prices, DateRangePool()  # equal periods shared in the run
        return self._generate(
            group_id,
            subscription_ids,
            lambda sub: day < sub.start_date,
            lambda sub, stored, credited_by_fee: generate_fees(
                sub, stored, prices, as_of=day, credited_by_fee=credited_by_fee, pool=pool
            ),
        )

    def generate_fees_within(
        self,
        *,
        within: DateRange,
        run: FeeRun = FeeRun.NON_REGULAR,
        continuous: bool = False,
        group_id: str | None = None,
        subscription_ids: Iterable[str] | None = None,
    ) -> FeeRunResult:
        """AX *Create subscription fee* from and to a date, for a group, some or all subscriptions.

        A :attr:`~servicedomain.billing.FeeRun.REGULAR` run bills whole invoicing
        periods (``within`` on the period boundaries), a
        :attr:`~servicedomain.billing.FeeRun.NON_REGULAR` one any range, prorated, and
        fills the gaps between the fees already stored; ``continuous`` creates nothing
        before the latest end date (AX *Continuous*). A subscription that starts on or
        after ``within.end`` is reported in :attr:`FeeRunResult.not_started`. As in
        :meth:`generate_fees`, everything is stored in one unit of work, each
        subscription saved with the version it was loaded with, and a run again
        creates nothing.

        Raises:
            TypeMismatchError: ``within``, ``run`` or ``continuous`` of the wrong type.
            NotFoundError: an unknown subscription id.
            InvalidSubscriptionError: (field ``within``) a regular run off the period
                boundaries of a subscription (nothing is stored).
            ConcurrencyConflictError: another run stored fees of a subscription first.
        """
        _DATE_RANGE.check(within, "within")
        _FEE_RUN.check(run, "run")
        is_bool.check(continuous, "continuous")
        prices, pool = self._prices, DateRangePool()  # equal periods shared in the run
        return self._generate(
            group_id,
            subscription_ids,
            lambda sub: within.end <= sub.start_date,
            lambda sub, stored, credited_by_fee: generate_fees(
                sub,
                stored,
                prices,
                within=within,
                run=run,
                continuous=continuous,
                credited_by_fee=credited_by_fee,
                pool=pool,
            ),
        )

    def _generate(
        self,
        group_id: str | None,
        subscription_ids: Iterable[str] | None,
        not_started: Callable[[Subscription], bool],
        new: Callable[
            [Subscription, Sequence[FeeTransaction], Mapping[str, Money]],
            tuple[FeeTransaction, ...],
        ],
    ) -> FeeRunResult:
        """One unit of work: the fees ``new`` gives each selected subscription, recorded."""
        is_optional_id.check(group_id, "group_id")
        ids = (
            None if subscription_ids is None else is_ids.check(subscription_ids, "subscription_ids")
        )
        with self._open() as uow:
            if ids is not None:
                subscriptions = [uow.subscriptions.get(sub_id) for sub_id in ids]
            else:
                subscriptions = [
                    sub
                    for sub in uow.subscriptions.list()
                    if group_id is None or sub.group_id == group_id
                ]
            created: list[FeeTransaction] = []
            skipped: list[str] = []
            now = self._clock.now()
            for sub in subscriptions:
                if not_started(sub):
                    skipped.append(sub.id)
                    continue
                stored = uow.fees.for_subscription(sub.id)
                fees = new(sub, stored, _credited(uow, stored))
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
        return FeeRunResult(tuple(created), tuple(skipped))

    # ------------------------------------------------------------------ documents

    def invoice_customers(
        self,
        *,
        due_by: date,
        invoice_date: date,
        transactions: Iterable[BillableTransaction] = (),
        customer_id: str | None = None,
    ) -> tuple[Invoice, ...]:
        """Invoice what is due by ``due_by``: one document per customer and currency.

        Gathers the fees due and not invoiced and the given posted order
        ``transactions`` not invoiced yet (:func:`~servicedomain.billing.propose_invoices`),
        posts one document per proposal dated ``invoice_date`` and numbered by
        :func:`~servicedomain.billing.next_document_id` on that date (a negative
        proposal is a credit note, in the credit-note series), and creates the accrual
        periods of its fees (:func:`~servicedomain.billing.accrual_periods_for`). Each
        source is invoiced exactly once (law I1), a run again the same day invoices
        nothing (law C6: give ``due_by`` as the customer's local date). Each document is an
        :class:`~servicedomain.billing.InvoiceIssued` or
        :class:`~servicedomain.billing.CreditNoteIssued` event, published on commit.

        Raises:
            InvalidInputError: a fee's subscription group is not a group of the desk.
            AlreadyInvoicedError: a concurrent run invoiced a source first.
            ConcurrencyConflictError: (:class:`~servicedomain.errors.AlreadyExistsError`
                among them) a concurrent run took the document id or its number first
                (run again).
        """
        given = list(_TRANSACTIONS.check(transactions, "transactions"))
        is_optional_id.check(customer_id, "customer_id")
        day = require_date(due_by, "due_by")
        dated = require_date(invoice_date, "invoice_date")
        with self._open() as uow:
            already = uow.invoices.invoiced(transaction.id for transaction in given)
            fees = uow.fees.due(due_by=day, customer_id=customer_id)
            proposals = propose_invoices(
                due_by=day,
                fees=fees,
                transactions=given,
                invoiced_ids=already,
                customer_id=customer_id,
            )
            by_id = {fee.id: fee for fee in fees}
            policy_of = self._policies(uow)
            documents, accruals = uow.invoices, uow.accruals
            invoices: list[Invoice] = []
            now = self._clock.now()
            for proposal in proposals:
                taken = (doc.id for doc in documents.list(customer_id=proposal.customer_id))
                number = next_document_id(
                    prefix=self._prefixes[proposal.kind],
                    customer_id=proposal.customer_id,
                    currency=proposal.currency,
                    on=dated,
                    taken=taken,
                )
                invoice = proposal.post(invoice_id=number, invoice_date=invoice_date)
                documents.add(invoice)
                invoices.append(invoice)
                uow.collect((document_issued(invoice, at=now),))
                periods = accrual_periods_for(invoice, by_id, policy_of)
                if periods:
                    accruals.save_all(periods)
            uow.commit()
        return tuple(invoices)

    def credit_invoiced(
        self,
        *,
        credit_note_id: str,
        credit_date: date,
        select: Sequence[str],
        amounts: Mapping[str, Money] | None = None,
    ) -> Invoice:
        """Credit invoiced fees or transactions, and reverse their accruals by the group's mode.

        The credit note (:func:`~servicedomain.billing.credit_note`) credits each source
        at most what can still be credited, at the invoiced price. The accrual periods
        of a credited fee are reversed as its group says (manual, on the credit date,
        or on the original posting date unless the desk's ``closed`` says that date's
        period is closed); the reversal entries go to the accrual journal enlisted in
        the unit of work, so the note, the periods and the entries commit together
        (law U1). The note is a :class:`~servicedomain.billing.CreditNoteIssued` event.

        Raises:
            InvalidInputError: (field ``accrual_journal``) the desk has none.
            AlreadyExistsError: a document has the id ``credit_note_id`` (checked first:
                a retry of a note whose commit went through although its caller saw
                a :class:`~servicedomain.errors.StorageError` is refused as done).
            BillingRuleError: a source was never invoiced; manual reversal mode with
                accruals still posted (``accrual.reverse_manually_first``).
            CreditExceededError: a credit above what can still be credited.
        """
        chosen = is_ids.check(select, "select")
        journal = self._accrual_journal()
        is_id.check(credit_note_id, "credit_note_id")
        with self._open() as uow:
            _refuse_taken(uow, credit_note_id)
            invoiced = uow.invoices.invoiced(chosen)
            # F13: the fees of the credited fees' subscriptions, and their invoiced items.
            subs = sorted(
                {i.line.subscription_id for i in invoiced.values() if i.line.subscription_id}
            )
            fees = [fee for sub_id in subs for fee in uow.fees.for_subscription(sub_id)]
            others = uow.invoices.invoiced(fee.id for fee in fees if fee.id not in invoiced)
            invoiced = {**others, **invoiced}
            document = credit_note(
                credit_note_id=credit_note_id,
                credit_date=credit_date,
                invoiced_items=invoiced,
                select=chosen,
                amounts=amounts,
                fees=fees,
            )
            uow.invoices.add(document)
            uow.collect((document_issued(document, at=self._clock.now()),))
            policy_of = self._policies(uow)
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
                    **({"closed": self._closed} if self._closed is not None else {}),
                )
                uow.accruals.save_all(changed)
                entries.extend(reversals)
            if entries:
                uow.enlist(journal).post(entries)
            uow.commit()
        return document

    def accrue_revenue(
        self,
        *,
        through: date,
        posting_date: date,
        subscription_ids: Iterable[str] | None = None,
    ) -> tuple[AccrualEntry, ...]:
        """Post every accrual period whose last day is on or before ``through``, once.

        ``through`` is inclusive (the last day the run covers): ``through`` 2024-01-31
        accrues January. AX's *Accrue subscription revenue* job: each period posts Dr *WIP -
        subscription*, Cr *Accrued revenue - subscription* to the accrual journal on
        ``posting_date``. Run again, it posts nothing. The entries are recorded only
        if the periods are saved as posted (law U1). Each fee accrued is a
        :class:`~servicedomain.billing.RevenueAccrued` event, published on commit.

        With ``subscription_ids``, only the periods of those subscriptions' fees post
        (a batch run's chunk, :mod:`servicedomain.runs`).

        Raises:
            InvalidInputError: (field ``accrual_journal``) the desk has none.
        """
        require_date(through, "through")
        require_date(posting_date, "posting_date")
        ids = (
            None if subscription_ids is None else is_ids.check(subscription_ids, "subscription_ids")
        )
        journal = self._accrual_journal()
        with self._open() as uow:
            accruals = uow.accruals
            fee_ids = (
                None
                if ids is None
                else {fee.id for sub_id in ids for fee in uow.fees.for_subscription(sub_id)}
            )
            by_source: dict[str, list[AccrualPeriod]] = {}
            for period in accruals.unposted_through(through):
                if fee_ids is not None and period.source_id not in fee_ids:
                    continue
                by_source.setdefault(period.source_id, []).append(period)
            # One accrue over every fee's periods, fee by fee.
            periods = [period for group in by_source.values() for period in group]
            changed, entries = accrue(periods, through=through, posting_date=posting_date)
            if changed:
                accruals.save_all(changed)
            if entries:
                uow.enlist(journal).post(entries)
                uow.collect(revenue_accrued(entries, at=self._clock.now()))
            uow.commit()
        return entries

    def reverse_accrual(self, fee_id: str, number: int, *, on: date) -> AccrualEntry:
        """Reverse one posted accrual period of an invoiced fee by hand, on ``on``.

        AX's *Subscription accrue period* form, and the step a group in
        :attr:`~servicedomain.billing.ReversalMode.MANUAL` reversal mode needs before
        a credit note (:func:`~servicedomain.billing.reverse_period`): the REVERSE
        entry, of the period's current amount, goes to the accrual journal enlisted in
        the unit of work, and the period is saved as reversed; both commit together
        (law U1), with an :class:`~servicedomain.billing.AccrualReversed` event.

        Raises:
            InvalidInputError: (field ``accrual_journal``) the desk has none; (field
                ``number``) no such period.
            NotFoundError: the fee ``fee_id`` has no accrual periods.
            BillingRuleError: rule ``accrual.not_posted`` or ``accrual.already_reversed``.
            InvalidPeriodError: (field ``on``) before the period's posting date.
        """
        source_id = is_id.check(fee_id, "fee_id")
        require_date(on, "on")
        journal = self._accrual_journal()
        with self._open() as uow:
            periods = uow.accruals.for_source(source_id)
            if not periods:
                raise NotFoundError("AccrualPeriod", source_id)
            changed, entry = reverse_period(periods, number, on=on)
            uow.accruals.save_all(changed)
            uow.enlist(journal).post([entry])
            uow.collect(
                (
                    AccrualReversed(
                        entity_id=source_id,
                        occurred_at=self._clock.now(),
                        number=entry.number,
                        reversed_on=entry.posting_date,
                        amount=entry.amount,
                    ),
                )
            )
            uow.commit()
        return entry

    # ------------------------------------------------------------------ reads

    def subscription(self, subscription_id: str) -> Subscription:
        """The stored subscription.

        Raises:
            NotFoundError: no such subscription.
        """
        sub_id = is_id.check(subscription_id, "subscription_id")
        with self._open() as uow:
            return uow.subscriptions.get(sub_id)

    def subscriptions(self, *, group_id: str | None = None) -> tuple[Subscription, ...]:
        """The stored subscriptions (of one group), in id order."""
        is_optional_id.check(group_id, "group_id")
        with self._open() as uow:
            return tuple(
                sub
                for sub in uow.subscriptions.list()
                if group_id is None or sub.group_id == group_id
            )

    def invoiced(self, source_ids: Iterable[str]) -> dict[str, InvoicedItem]:
        """The invoiced-item register of those sources that are invoiced (others left out).

        Each :class:`~servicedomain.billing.InvoicedItem` says on which invoice a fee or
        an order transaction was billed, at which amount, and what credit notes took
        back of it (the reports read it).
        """
        ids = is_ids.check(source_ids, "source_ids")
        with self._open() as uow:
            return uow.invoices.invoiced(ids)

    def accrual_periods(self, fee_id: str) -> tuple[AccrualPeriod, ...]:
        """The accrual periods of an invoiced fee, in number order (none: an empty tuple)."""
        source_id = is_id.check(fee_id, "fee_id")
        with self._open() as uow:
            return tuple(uow.accruals.for_source(source_id))

    def fees(self, subscription_id: str) -> tuple[FeeTransaction, ...]:
        """The stored fees of a subscription, in the store's order (none: an empty tuple)."""
        sub_id = is_id.check(subscription_id, "subscription_id")
        with self._open() as uow:
            return tuple(uow.fees.for_subscription(sub_id))

    def documents(self, customer_id: str) -> tuple[Invoice, ...]:
        """The invoices and credit notes posted for a customer."""
        cust_id = is_id.check(customer_id, "customer_id")
        with self._open() as uow:
            return tuple(uow.invoices.list(customer_id=cust_id))
