"""A Hypothesis state machine over the whole life of subscriptions: run it on your setup.

:class:`BillingLifecycleMachine` drives random histories through a
:class:`~servicedomain.app.billing_desk.BillingDesk`, over a
:class:`~servicedomain.ports.BillingUnitOfWork`: create subscriptions,
change their price, index them, remove days from a stored charge, cancel them, move
the date forward and generate the fees due, run the same generation again, invoice,
invoice again, credit an invoiced fee (all or part of it) and accrue the revenue. It
keeps its own model of what the store must hold (subscriptions and their versions,
fees, documents, what is invoiced and credited), predicts every refusal, and after
every step checks the laws of ``invariants.md`` through
:mod:`servicedomain.testing.invariants`:

* the fee laws of every subscription billed since its last change: F2, F3, F4, F6,
  M5, P3 (:func:`~servicedomain.testing.invariants.check_fee_laws`, up to
  :func:`~servicedomain.testing.invariants.billing_horizon`) and F9 (time-weighted
  prices, where no days were removed), and F7 right after a cancellation is billed;
* the invoicing laws: M7, I1, F8, F10, C6, and F11 against the accrual periods and
  the journal; F13 (no day of a charge nets below zero or above its price: credit
  notes and cancellation or reduction credits never stack) and F14 (every accrual
  part has its fee's sign);
* T1 and P4: every change raised the subscription's version by exactly one, and the
  store holds exactly what the model says (nothing lost, nothing extra).

A host runs it against its own configuration by subclassing: its subscription groups,
its price table, its subscriptions, its own unit of work and journal::

    from servicedomain.testing.billing_machine import (
        BillingLifecycleMachine, billing_machine_settings)

    class MyBilling(BillingLifecycleMachine):
        groups = MY_GROUPS
        prices = MY_PRICE_TABLE

        def unit_of_work_factory(self):
            database = make_empty_test_database()
            return lambda: MyBillingUnitOfWork(database)

    TestMyBilling = MyBilling.TestCase
    TestMyBilling.settings = billing_machine_settings()

or calls :func:`run_billing_machine` from a test function. This module needs
Hypothesis (the ``[testing]`` extra).

>>> run_billing_machine(settings=billing_machine_settings(
...     max_examples=2, stateful_step_count=5, database=None))
"""

# Invariants are named after the law they check (F6_..., M7_...), as invariants.md asks.
# ruff: noqa: N802

from __future__ import annotations

import calendar
import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar

import attrs
import hypothesis
from hypothesis import HealthCheck
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from servicedomain import billing
from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryJournal, InMemoryStore
from servicedomain.app.billing_desk import BillingDesk
from servicedomain.billing import (
    AccrualEntry,
    AccrualEntryKind,
    AccrualMethod,
    AccrualPeriod,
    FeeKind,
    FeeTransaction,
    Invoice,
    PriceChange,
    PriceEntry,
    PriceTable,
    ReversalMode,
    Subscription,
    SubscriptionGroup,
    accrued_total,
)
from servicedomain.errors import (
    BillingRuleError,
    CreditExceededError,
    InvalidCancellationError,
    InvalidPeriodError,
)
from servicedomain.money import Money
from servicedomain.periods import MONTHLY, QUARTERLY, DateRange
from servicedomain.ports import BillingUnitOfWork, Journal
from servicedomain.testing.billing_strategies import (
    anchor_dates,
    creation_fields,
    subscription_prices,
    subscriptions,
)
from servicedomain.testing.faults import FaultPlan
from servicedomain.testing.invariants import (
    LawViolation,
    billing_horizon,
    check_accrual_signs,
    check_accruals_sum_to_fee,
    check_amounts_exact,
    check_cancellation_credit,
    check_credit_at_invoiced_price,
    check_credits_within_invoiced,
    check_fee_laws,
    check_invoice_totals,
    check_invoiced_once,
    check_net_per_billed_day,
    check_one_invoice_per_billing_day,
    check_time_weighted,
    check_unique_keys,
    check_whole_period_charges,
)

__all__ = [
    "DEFAULT_GROUPS",
    "DEFAULT_PRICES",
    "BillingLifecycleMachine",
    "billing_machine_settings",
    "run_billing_machine",
]

DEFAULT_GROUPS: Mapping[str, SubscriptionGroup] = MappingProxyType(
    {
        "MONTHLY": SubscriptionGroup(
            id="MONTHLY",
            invoicing_period_code=MONTHLY,
            accrual_period_code=MONTHLY,
            accrue_revenue=True,
            accrual_method=AccrualMethod.PER_DAY,
        ),
        "QUARTERLY": SubscriptionGroup(
            id="QUARTERLY",
            invoicing_period_code=QUARTERLY,
            accrual_period_code=MONTHLY,
            accrue_revenue=True,
            accrual_method=AccrualMethod.PER_DAY,
        ),
    }
)
"""A monthly and a quarterly group, both accruing by month, per day."""

DEFAULT_PRICES: PriceTable = PriceTable(
    (
        PriceEntry(
            effective_date=date(2024, 3, 1),
            category_id=None,
            project_id="P-2",
            subscription_id=None,
            period_code=MONTHLY,
            price=Money(80, "EUR"),
        ),
        PriceEntry(
            effective_date=date(2024, 2, 15),
            category_id="SubCat1",
            project_id=None,
            subscription_id=None,
            period_code=QUARTERLY,
            price=Money(250, "EUR"),
        ),
        PriceEntry(
            effective_date=date(2024, 1, 1),
            category_id=None,
            project_id=None,
            subscription_id="S-2",
            period_code=MONTHLY,
            price=Money(12_000, "JPY"),
        ),
    )
)
"""A project price, a category price and a subscription's own price, from 2024 on.

They apply to some of the subscriptions the default strategy draws (projects P-1 and
P-2, categories FEE, SubCat1 and SubCat2, ids S-1, S-2, ...).
"""

_MANUAL_FIRST = "accrual.reverse_manually_first"
_NOTHING_LEFT = "credit.at_most_invoiced"
_NINE_UTC = time(9, tzinfo=UTC)
_DAY = timedelta(days=1)
_START_WINDOW = timedelta(days=45)  # new subscriptions start this close to today


def billing_machine_settings(**changes: Any) -> hypothesis.settings:
    """The default settings of the machine: 30 steps a history, no deadline.

    Built when called, on the active profile (its ``max_examples`` and database are
    kept); ``changes`` override any setting. The ``too_slow`` health check is
    suppressed: a history of billing runs takes a while to draw.

    >>> billing_machine_settings(max_examples=10).stateful_step_count
    30
    """
    suppressed = {*hypothesis.settings().suppress_health_check, HealthCheck.too_slow}
    chosen: dict[str, Any] = {
        "deadline": None,
        "stateful_step_count": 30,
        "suppress_health_check": sorted(suppressed, key=lambda check: check.value),
    }
    chosen.update(changes)
    return hypothesis.settings(**chosen)


def run_billing_machine(
    machine_class: type[BillingLifecycleMachine] | None = None,
    *,
    settings: hypothesis.settings | None = None,
) -> None:
    """Run random histories of ``machine_class`` (default: the machine as it comes).

    Returns when every history keeps the laws; otherwise raises the first failure
    (a :class:`~servicedomain.testing.invariants.LawViolation` or an
    ``AssertionError``), after Hypothesis has shrunk the history and printed its steps.

    Args:
        machine_class: :class:`BillingLifecycleMachine` or a subclass of it.
        settings: Hypothesis settings (default: :func:`billing_machine_settings`).
    """
    chosen = BillingLifecycleMachine if machine_class is None else machine_class
    run_state_machine_as_test(
        chosen, settings=billing_machine_settings() if settings is None else settings
    )


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


class BillingLifecycleMachine(RuleBasedStateMachine):
    """Random billing histories through a billing desk, the laws checked after every step.

    Configure it by subclassing. Class attributes:

    Attributes:
        groups: the subscription groups, by id; each new subscription belongs to one.
        prices: the price table every generation run uses (``None``: the
            subscriptions' own prices only).
        first_day: the date the history starts on; it only moves forward.
        customers: the customers the default subscriptions bill.
        currencies: the currencies of the default subscriptions.
        max_subscriptions: how many subscriptions a history creates at most.
        max_step_days: the most days one step moves the date forward.

    Overridable methods: :meth:`unit_of_work_factory` (your store),
    :meth:`new_journal` (your accrual journal) and :meth:`subscriptions_of` (your
    subscriptions). Override ``teardown`` to release a store.
    """

    groups: ClassVar[Mapping[str, SubscriptionGroup]] = DEFAULT_GROUPS
    prices: ClassVar[PriceTable | None] = DEFAULT_PRICES
    first_day: ClassVar[date] = date(2024, 1, 1)
    customers: ClassVar[tuple[str, ...]] = ("C-1", "C-2")
    currencies: ClassVar[tuple[str, ...]] = ("EUR", "JPY", "KWD")
    max_subscriptions: ClassVar[int] = 3
    max_step_days: ClassVar[int] = 62

    # ------------------------------------------------------------------------ hooks

    def unit_of_work_factory(self) -> Callable[[], BillingUnitOfWork]:
        """Called once per history: a function that opens a unit of work on a new store.

        Every unit of work the history opens comes from the returned function, on the
        same store, which must be empty at first. Default: an
        :class:`~servicedomain.adapters.memory.InMemoryStore` and
        :class:`~servicedomain.adapters.billing_memory.InMemoryBillingUnitOfWork`.
        """
        store = InMemoryStore()
        return lambda: InMemoryBillingUnitOfWork(store)

    def new_journal(self) -> Journal[AccrualEntry]:
        """Called once per history: the journal accruals and their reversals post to.

        The desk posts to it through ``uow.enlist(journal)``, so it must be a journal
        the units of work of :meth:`unit_of_work_factory` can enlist.
        """
        return InMemoryJournal[AccrualEntry]("ACR")

    def subscriptions_of(
        self, group: SubscriptionGroup, today: date
    ) -> st.SearchStrategy[Subscription]:
        """The subscriptions the history may create in ``group`` on ``today``.

        The machine then sets each one's ``id`` (``S-1``, ``S-2``, ...) and
        ``group_id``; everything else is yours (price changes and an end date
        included). Default:
        :func:`~servicedomain.testing.billing_strategies.subscriptions` with the
        group's period, any timing, alignment and price basis, the class's currencies
        and customers, and a start within 45 days of ``today`` from
        :func:`~servicedomain.testing.billing_strategies.anchor_dates` (month ends, Feb 29
        and 1sts weighted up).
        """
        starts = anchor_dates(min_value=today - _START_WINDOW, max_value=today + _START_WINDOW)
        drawn = subscriptions(
            currencies=self.currencies,
            period_codes=(group.invoicing_period_code,),
            start_dates=starts,
            max_price=Decimal(5_000),
        )
        return st.tuples(drawn, st.sampled_from(self.customers)).map(
            lambda pair: attrs.evolve(pair[0], customer_id=pair[1])
        )

    # ------------------------------------------------------------------------ state

    def __init__(self) -> None:
        super().__init__()
        # Every unit of work goes through a plan that injects no fault: it remembers
        # the entries posted to the journal by the units of work that committed.
        self.watch = FaultPlan()
        new_uow = self.unit_of_work_factory()
        self.new_uow: Callable[[], BillingUnitOfWork] = lambda: self.watch.wrap(new_uow())
        self.journal = self.new_journal()
        self.today = self.first_day
        self.clock = FixedClock(self._now())
        self.desk = BillingDesk(
            unit_of_work=self.new_uow,
            clock=self.clock,
            groups=self.groups,
            prices=self.prices,
            accrual_journal=self.journal,
        )
        self.step = 0
        # The model: what the store must hold.
        self.subs: dict[str, Subscription] = {}
        self.fees: dict[str, FeeTransaction] = {}
        self.created_at: dict[str, int] = {}  # fee id -> the step that made it
        self.documents: list[Invoice] = []  # in posting order
        self.invoice_of: dict[str, str] = {}  # source id -> its invoice
        self.invoiced: dict[str, Money] = {}
        self.credited: dict[str, Money] = {}
        self.first_invoice_at: dict[tuple[str, str, date], int] = {}
        # Bookkeeping: which subscriptions are billed up to date, and as of when.
        self.billed_as_of: dict[str, date] = {}
        self.cancelled: set[str] = set()  # cancelled since their last generation
        self.changed_since_generation = True
        self.credit_notes = 0

    def _group_of(self, subscription_id: str) -> SubscriptionGroup:
        return self.groups[self.subs[subscription_id].group_id]

    def _fees_of(self, subscription_id: str) -> list[FeeTransaction]:
        return [fee for fee in self.fees.values() if fee.subscription_id == subscription_id]

    def _add_fees(self, fees: Sequence[FeeTransaction]) -> None:
        for fee in fees:
            if fee.id in self.fees:
                raise LawViolation("P3", f"the fee {fee.id} was made again", [fee])
            self.fees[fee.id] = fee
            self.created_at[fee.id] = self.step

    def _pick(self, data: st.DataObject, items: Sequence[str], label: str) -> str:
        return data.draw(st.sampled_from(sorted(items)), label=label)

    def _change(self, subscription_id: str, change: Callable[[BillingDesk], Subscription]) -> None:
        """Make ``change`` through the desk (raises what it raises); the model follows."""
        current = self.subs[subscription_id]
        changed = change(self._desk())
        assert changed.id == subscription_id, changed
        assert changed.version == current.version + 1, "T1: a change adds 1 to the version"
        self.subs[subscription_id] = changed
        self.billed_as_of.pop(subscription_id, None)
        self.changed_since_generation = True

    def _begin(self) -> None:
        self.step += 1

    def _now(self) -> datetime:
        """The instant of the step: 09:00 UTC on today."""
        return datetime.combine(self.today, _NINE_UTC)

    def _desk(self) -> BillingDesk:
        """The desk, its clock set to :meth:`_now`."""
        self.clock.set(self._now())
        return self.desk

    # ------------------------------------------------------------------------ rules

    @precondition(lambda self: len(self.subs) < self.max_subscriptions)
    @rule(data=st.data())
    def create(self, data: st.DataObject) -> None:
        """Create a subscription of a random group (``BillingDesk.create_subscription``)."""
        self._begin()
        group = self.groups[self._pick(data, list(self.groups), "group")]
        drawn = data.draw(self.subscriptions_of(group, self.today), label="subscription")
        sub = attrs.evolve(drawn, id=f"S-{len(self.subs) + 1}", group_id=group.id)
        fields = creation_fields(sub)
        stored = self._desk().create_subscription(group_id=group.id, **fields)
        model, _ = Subscription.create(
            group_id=group.id,
            period_code=group.invoicing_period_code,
            at=self.clock.now(),
            **fields,
        )
        assert stored == model, "T1: a new subscription is version 1, as created"
        self.subs[sub.id] = stored
        self.changed_since_generation = True
        for change in drawn.price_changes:  # the drawn price changes, one by one
            self._change(sub.id, functools.partial(self._price_change, sub.id, change))

    def _price_change(self, sub_id: str, change: PriceChange, desk: BillingDesk) -> Subscription:
        return desk.change_price(
            sub_id,
            effective_date=change.effective_date,
            base_price=change.base_price,
            index=change.index,
        )

    def _effective(self, data: st.DataObject) -> tuple[str, date, bool]:
        """A subscription, a day around today, and whether a change on it is refused."""
        sub_id = self._pick(data, list(self.subs), "subscription")
        sub = self.subs[sub_id]
        day = self.today + timedelta(days=data.draw(st.integers(-60, 90), label="offset"))
        latest = sub.price_changes[-1].effective_date if sub.price_changes else sub.start_date
        return sub_id, day, day <= latest

    @precondition(lambda self: bool(self.subs))
    @rule(data=st.data())
    def change_price(self, data: st.DataObject) -> None:
        """A new base price from a day on; refused on or before the latest change."""
        self._begin()
        sub_id, day, refused = self._effective(data)
        price = data.draw(subscription_prices(self.subs[sub_id].currency), label="price")
        try:
            self._change(
                sub_id,
                lambda desk: desk.change_price(sub_id, effective_date=day, base_price=price),
            )
        except InvalidPeriodError:
            assert refused, f"change_price on {day} refused"
            return
        assert not refused, f"change_price on {day} accepted"

    @precondition(lambda self: bool(self.subs))
    @rule(data=st.data(), pct=st.integers(-30, 50))
    def index(self, data: st.DataObject, pct: int) -> None:
        """*Index subscription* by a percentage from a day on."""
        self._begin()
        sub_id, day, refused = self._effective(data)
        try:
            self._change(
                sub_id, lambda desk: desk.index_by_percent(sub_id, pct=pct, effective_date=day)
            )
        except InvalidPeriodError:
            assert refused, f"index on {day} refused"
            return
        assert not refused, f"index on {day} accepted"

    @precondition(lambda self: bool(self.subs))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        """Cancel with a last day around today; refused before the start, or after the end."""
        self._begin()
        sub_id = self._pick(data, list(self.subs), "subscription")
        sub = self.subs[sub_id]
        offset = data.draw(st.integers(-60, 120), label="offset")
        last = self.today + timedelta(days=offset) - _DAY
        refused = last < sub.start_date or (sub.end_date is not None and last > sub.end_date)
        try:
            self._change(sub_id, lambda desk: desk.cancel(sub_id, last_day=last))
        except InvalidCancellationError:
            assert refused, f"cancel with last day {last} refused"
            return
        assert not refused, f"cancel with last day {last} accepted"
        self.cancelled.add(sub_id)

    @precondition(lambda self: any(fee.kind is FeeKind.CHARGE for fee in self.fees.values()))
    @rule(data=st.data())
    def reduce_days(self, data: st.DataObject) -> None:
        """Remove days from a stored charge (*Reduction days*); skipped when refused."""
        self._begin()
        charges = [fee.id for fee in self.fees.values() if fee.kind is FeeKind.CHARGE]
        charge = self.fees[self._pick(data, charges, "charge")]
        period = charge.period
        first = period.start + timedelta(days=data.draw(st.integers(-3, period.days - 1)))
        low = max(first, period.start) + _DAY
        end = low + timedelta(days=data.draw(st.integers(0, (period.end - low).days + 3)))
        self._reduce(charge, DateRange(first, end))

    def _reduce(self, charge: FeeTransaction, removed: DateRange) -> FeeTransaction | None:
        """Store the reduction days removing ``removed`` from ``charge``, or None if refused.

        A refusal must be an overlap or nothing to remove; what is stored is a reduction
        of the charge, and the model follows it.
        """
        sub_id = charge.subscription_id
        refusal: BillingRuleError | None = None
        try:
            fee = self._desk().reduce_days(sub_id, charge_id=charge.id, removed=removed)
        except BillingRuleError as error:
            refusal = error
        if refusal is not None:
            assert refusal.rule in {"fee.reduction_overlaps", "fee.nothing_to_remove"}, refusal
            return None
        assert fee.kind is FeeKind.REDUCTION_DAYS, fee
        assert fee.adjusts == charge.period, fee
        # The model: the same reduction, from the model's fees and credits (F13).
        expected = billing.reduce_days(
            self.subs[sub_id],
            self._fees_of(sub_id),
            charge=charge,
            removed=removed,
            credited_by_fee=self._credited_of(sub_id),
        )
        assert fee == expected, f"reduction days {fee!r}, the model says {expected!r}"
        self.subs[sub_id], _ = self.subs[sub_id].record_fees([fee], at=self._now())
        self._add_fees([fee])
        return fee

    def _generate(self) -> None:
        before = {sub_id: self._fees_of(sub_id) for sub_id in self.subs}
        result = self._desk().generate_fees(as_of=self.today)
        self._add_fees(result.created)
        for sub_id, stored in list(self.subs.items()):
            if self.today < stored.start_date:
                assert sub_id in result.not_started, f"{sub_id} was billed before its start"
                continue
            made = [fee for fee in result.created if fee.subscription_id == sub_id]
            if made:  # a run that stores fees records them (version + 1)
                self.subs[sub_id], _ = stored.record_fees(made, at=self._now())
            self.billed_as_of[sub_id] = self.today
            if sub_id in self.cancelled:
                check_cancellation_credit(
                    self.subs[sub_id],
                    before[sub_id],
                    made,
                    self.prices,
                    as_of=self.today,
                    credited_by_fee=self.credited,
                )
                self.cancelled.discard(sub_id)
        self.changed_since_generation = False

    @rule(data=st.data())
    def generate(self, data: st.DataObject) -> None:
        """Move the date forward, and generate the fees due (``BillingDesk.generate_fees``)."""
        self._begin()
        most = self.max_step_days
        steps = st.integers(0, min(7, most)) | st.integers(0, most) | st.just(most)
        days = data.draw(steps, label="days")
        self.today += timedelta(days=days)
        self._generate()

    @rule(month_end=st.booleans())
    def generate_at_month_end(self, month_end: bool) -> None:
        """Move to the next month's last day, or to the 1st after it, and generate."""
        self._begin()
        year, month = self.today.year, self.today.month
        last = date(year, month, calendar.monthrange(year, month)[1])
        if last == self.today:
            last += timedelta(days=calendar.monthrange(*_next_month(year, month))[1])
        self.today = last if month_end else last + _DAY
        self._generate()

    @precondition(lambda self: not self.changed_since_generation)
    @rule()
    def retry_generation(self) -> None:
        """F4: the same generation run again (nothing changed since) makes nothing."""
        self._begin()
        result = self._desk().generate_fees(as_of=self.today)
        if result.created:
            raise LawViolation(
                "F4", f"a retry of the run as of {self.today} made fees", result.created
            )

    def _invoice(self) -> tuple[Invoice, ...]:
        due = {
            fee_id
            for fee_id, fee in self.fees.items()
            if fee.due_date <= self.today and fee_id not in self.invoice_of
        }
        made = self._desk().invoice_customers(due_by=self.today, invoice_date=self.today)
        billed = [line.source_id for document in made for line in document.lines]
        assert sorted(billed) == sorted(due), (
            f"I1: the run as of {self.today} invoiced {sorted(billed)}; due and not "
            f"invoiced: {sorted(due)}"
        )
        for document in made:
            self.documents.append(document)
            key = (document.customer_id, document.currency.code, document.invoice_date)
            self.first_invoice_at.setdefault(key, self.step)
            for line in document.lines:
                self.invoice_of[line.source_id] = document.id
                self.invoiced[line.source_id] = line.amount
                self.credited[line.source_id] = Money.zero(line.amount.currency)
        return made

    @rule()
    def invoice(self) -> None:
        """Invoice what is due by today (``BillingDesk.invoice_customers``)."""
        self._begin()
        self._invoice()

    @rule()
    def invoice_again(self) -> None:
        """C6: invoice, and run the job again the same day: the second run invoices nothing."""
        self._begin()
        self._invoice()
        again = self._desk().invoice_customers(due_by=self.today, invoice_date=self.today)
        if again:
            raise LawViolation("C6", f"a second run on {self.today} made {len(again)} invoices")

    def _manual_reversal_first(self, source: str) -> bool:
        """Whether a credit of ``source`` must wait for its accruals to be reversed by hand."""
        fee = self.fees.get(source)
        if fee is None:
            return False
        policy = self._group_of(fee.subscription_id).accrual_policy
        if policy is None or policy.reversal is not ReversalMode.MANUAL:
            return False
        with self.new_uow() as uow:
            periods = uow.accruals.for_source(source)
        return any(p.is_posted and not p.is_reversed and p.amount for p in periods)

    def _family(self, fee: FeeTransaction) -> list[FeeTransaction]:
        """The charge ``fee`` belongs to (or is) and every adjustment of that charge."""
        return [
            other
            for other in self._fees_of(fee.subscription_id)
            if other.charge_period == fee.charge_period
        ]

    def _credited_of(self, subscription_id: str) -> dict[str, Money]:
        """What credit notes took back of each fee of a subscription, by fee id."""
        return {
            fee.id: self.credited[fee.id]
            for fee in self._fees_of(subscription_id)
            if self.credited.get(fee.id)
        }

    def _creditable(self, source: str) -> Money:
        """What a credit note may still take back of ``source`` (F8 and F13)."""
        left = self.invoiced[source] - self.credited[source]
        fee = self.fees.get(source)
        if fee is None or left.minor_units <= 0:  # a transaction, or a credit of a credit
            return left
        family = self._family(fee)
        still_billed = sum(
            other.amount.minor_units
            - self.credited.get(other.id, Money.zero(left.currency)).minor_units
            for other in family
        )
        return Money.from_minor_units(min(left.minor_units, max(still_billed, 0)), left.currency)

    def _credit(self, source: str, units: int | None) -> Invoice | None:
        """Credit ``units`` of ``source`` (all that is creditable when None).

        Checks the refusal the model predicts; returns the credit note, or None.
        """
        available = self._creditable(source)
        amounts: dict[str, Money] | None = None
        if units is not None:
            sign = 1 if (self.invoiced[source] - self.credited[source]).minor_units > 0 else -1
            amounts = {source: Money.from_minor_units(sign * units, available.currency)}
        expected_rule = None
        if available.is_zero or (units is not None and units > abs(available.minor_units)):
            expected_rule = _NOTHING_LEFT
        elif self._manual_reversal_first(source):
            expected_rule = _MANUAL_FIRST
        self.credit_notes += 1
        refusal: BillingRuleError | None = None
        try:
            document = self._desk().credit_invoiced(
                credit_note_id=f"CN-{self.credit_notes}",
                credit_date=self.today,
                select=[source],
                amounts=amounts,
            )
        except BillingRuleError as error:
            refusal = error
        if refusal is not None:
            assert refusal.rule == expected_rule, f"credit of {source} refused: {refusal!r}"
            exceeded = isinstance(refusal, CreditExceededError)
            assert exceeded == (expected_rule == _NOTHING_LEFT), refusal
            return None
        assert expected_rule is None, f"credit of {source} accepted, expected {expected_rule}"
        (line,) = document.lines
        assert line.source_id == source, line
        assert line.credited_invoice_id == self.invoice_of[source], line
        if units is None:
            assert -line.amount == available, f"F13: {source} credited {-line.amount}"
        self.documents.append(document)
        self.credited[source] -= line.amount
        return document

    def _credit_all_or_part(self, data: st.DataObject, source: str) -> None:
        """Credit ``source``: all that is creditable, or a drawn part of it."""
        available = self._creditable(source)
        units: int | None = None
        if available.minor_units and data.draw(st.booleans(), label="partial"):
            units = data.draw(st.integers(1, abs(available.minor_units)), label="units")
        self._credit(source, units)

    @precondition(lambda self: bool(self.invoice_of))
    @rule(data=st.data())
    def credit(self, data: st.DataObject) -> None:
        """Credit an invoiced fee, all that is left or a part (``BillingDesk.credit_invoiced``).

        ``CreditExceededError`` is expected only when nothing is left to credit: of
        the invoiced line (F8), or of what its charge still bills after cancellation
        and reduction credits and earlier credit notes (F13).
        """
        self._begin()
        # Mostly a source with something left to credit (credits of credits included).
        left_over = [key for key in self.invoice_of if self.invoiced[key] != self.credited[key]]
        negative = [key for key in left_over if self.invoiced[key].amount < 0]
        pool = sorted(self.invoice_of) + sorted(left_over) * 2 + sorted(negative) * 2
        source = data.draw(st.sampled_from(pool), label="source")
        self._credit_all_or_part(data, source)

    def _invoiced_charges(self) -> list[str]:
        return sorted(
            source
            for source in self.invoice_of
            if source in self.fees and self.fees[source].kind is FeeKind.CHARGE
        )

    def _cancel_inside(self, data: st.DataObject, charge: FeeTransaction) -> bool:
        """Cancel the charge's subscription on a day of the charge (F13 sequences)."""
        sub = self.subs[charge.subscription_id]
        offset = data.draw(st.integers(0, charge.period.days - 1), label="cancel day")
        day = max(charge.period.start + timedelta(days=offset), sub.start_date + _DAY)
        last = day - _DAY  # the last day served; ``day`` is the first one not served
        if day >= charge.period.end or (sub.end_date is not None and last > sub.end_date):
            return False
        self._change(sub.id, lambda desk: desk.cancel(sub.id, last_day=last))
        self.cancelled.add(sub.id)
        return True

    @precondition(lambda self: bool(self._invoiced_charges()))
    @rule(data=st.data())
    def credit_then_cancel(self, data: st.DataObject) -> None:
        """F13: credit an invoiced charge (all or part), cancel inside it, bill and invoice.

        The cancellation credits only what the credit note left (issue 11: a full credit
        note followed by a cancellation credit used to net the period negative).
        """
        self._begin()
        source = data.draw(st.sampled_from(self._invoiced_charges()), label="charge")
        self._credit_all_or_part(data, source)
        if self._cancel_inside(data, self.fees[source]):
            self._generate()
            self._invoice()

    @precondition(lambda self: bool(self._invoiced_charges()))
    @rule(data=st.data(), invoice_first=st.booleans())
    def cancel_then_credit(self, data: st.DataObject, invoice_first: bool) -> None:
        """F13: cancel inside an invoiced charge, bill, then credit the charge in full.

        The credit note takes back only what the cancellation credit left, whether that
        credit is invoiced yet or not.
        """
        self._begin()
        source = data.draw(st.sampled_from(self._invoiced_charges()), label="charge")
        if self._cancel_inside(data, self.fees[source]):
            self._generate()
            if invoice_first:
                self._invoice()
        self._credit(source, None)

    @precondition(lambda self: bool(self._invoiced_charges()))
    @rule(data=st.data())
    def reduce_around_credits(self, data: st.DataObject) -> None:
        """F13: credit part of a charge, remove some of its days, credit the rest."""
        self._begin()
        source = data.draw(st.sampled_from(self._invoiced_charges()), label="charge")
        available = self._creditable(source)
        if available.minor_units > 0:
            units = data.draw(st.integers(1, available.minor_units), label="units")
            self._credit(source, units)
        charge = self.fees[source]
        first = charge.period.start + timedelta(
            days=data.draw(st.integers(0, charge.period.days - 1), label="first removed")
        )
        removed = DateRange(first, first + timedelta(days=data.draw(st.integers(1, 10))))
        if self._reduce(charge, removed) is not None:
            self._invoice()
        self._credit(source, None)

    @rule()
    def accrue(self) -> None:
        """Accrue the revenue through today; run again, it posts nothing."""
        self._begin()
        desk = self._desk()
        desk.accrue_revenue(through=self.today, posting_date=self.today)
        again = desk.accrue_revenue(through=self.today, posting_date=self.today)
        assert again == (), f"a second accrual run through {self.today} posted {again!r}"

    # ------------------------------------------------------------------- invariants

    @invariant()
    def P3_M5_F2_F3_fees_are_unique_and_exact(self) -> None:
        """P3, M5, F2, F3 on every fee of the history."""
        fees = list(self.fees.values())
        check_unique_keys(fees)
        check_amounts_exact(fees)
        check_whole_period_charges(fees)

    @invariant()
    def F4_F6_billed_subscriptions_keep_the_fee_laws(self) -> None:
        """F4, F6 (and the rest of check_fee_laws) for each subscription billed up to date."""
        for sub_id, as_of in self.billed_as_of.items():
            sub, fees = self.subs[sub_id], self._fees_of(sub_id)
            horizon = billing_horizon(sub, as_of)
            check_fee_laws(sub, fees, self.prices, through=horizon, as_of=as_of)

    @invariant()
    def F9_billed_periods_net_the_time_weighted_price(self) -> None:
        """F9 for each subscription billed up to date, where no days were removed.

        Only in the periods no credit note touched (a credit note caps a lower price, F13).
        """
        for sub_id in self.billed_as_of:
            fees = self._fees_of(sub_id)
            if any(fee.kind is FeeKind.REDUCTION_DAYS for fee in fees):
                continue
            credited = self._credited_of(sub_id)
            touched = {fee.billing_period for fee in fees if fee.id in credited}
            periods = {
                fee.billing_period
                for fee in fees
                if fee.kind is FeeKind.CHARGE and fee.billing_period not in touched
            }
            for period in sorted(periods, key=lambda period: period.start):
                check_time_weighted(self.subs[sub_id], fees, self.prices, period=period)

    @invariant()
    def T1_P4_the_store_holds_the_model(self) -> None:
        """T1: versions went up by one per change; P4: nothing lost, nothing extra."""
        with self.new_uow() as uow:
            stored = uow.subscriptions.list()
            assert stored == [self.subs[key] for key in sorted(self.subs)], "T1: subscriptions"
            for sub_id in self.subs:
                fees = uow.fees.for_subscription(sub_id)
                assert len(fees) == len(set(fees)), f"P3: {sub_id} has a fee twice"
                assert set(fees) == set(self._fees_of(sub_id)), f"P4: the fees of {sub_id}"
            documents = uow.invoices.list()
            assert sorted(documents, key=lambda doc: doc.id) == sorted(
                self.documents, key=lambda doc: doc.id
            ), "P4: the documents"
            items = uow.invoices.invoiced(self.fees)
        assert set(items) == set(self.invoice_of), "I1: the invoiced sources"
        for source, item in items.items():
            assert item.invoice_id == self.invoice_of[source], (source, item.invoice_id)
            assert (item.amount, item.credited) == (self.invoiced[source], self.credited[source])

    @invariant()
    def M7_I1_C6_invoices(self) -> None:
        """M7, I1, C6 on every invoice and credit note."""
        check_invoice_totals(self.documents, fees=self.fees.values())
        check_invoiced_once(self.documents)
        late: set[str] = set()
        for document in self.documents:
            key = (document.customer_id, document.currency.code, document.invoice_date)
            first = self.first_invoice_at.get(key)
            late.update(
                line.source_id
                for line in document.lines
                if first is not None and self.created_at.get(line.source_id, 0) > first
            )
        check_one_invoice_per_billing_day(self.documents, late_sources=late)

    @invariant()
    def F8_F10_credits(self) -> None:
        """F8, F10: credits only of invoiced fees, within them, at the invoiced price."""
        check_credits_within_invoiced(self.documents)
        check_credit_at_invoiced_price(self.documents)

    @invariant()
    def F13_no_billed_day_nets_below_zero(self) -> None:
        """F13: credit notes and cancellation or reduction credits never stack."""
        check_net_per_billed_day(self.documents, fees=self.fees.values())

    def _accrual_periods(self) -> dict[str, list[AccrualPeriod]]:
        with self.new_uow() as uow:
            return {source: uow.accruals.for_source(source) for source in self.invoice_of}

    @invariant()
    def F11_accruals_carry_what_stays_invoiced(self) -> None:
        """F11: each invoiced fee's periods carry invoiced - credited; the journal agrees.

        F14 too: every period has its fee's sign and is at most the fee.
        """
        by_source = self._accrual_periods()
        for source, periods in by_source.items():
            fee = self.fees[source]
            accrues = self._group_of(fee.subscription_id).accrual_policy is not None
            wanted = accrues and not self.invoiced[source].is_zero
            assert bool(periods) == wanted, f"F11: {source} has {len(periods)} accrual periods"
        everything = [period for periods in by_source.values() for period in periods]
        check_accruals_sum_to_fee(everything, self.invoiced, self.credited, fees=self.fees.values())
        check_accrual_signs(everything, self.invoiced)
        net: dict[str, int] = {}
        committed = {entry.key: entry for entry in self.watch.committed_entries(self.journal)}
        for entry in committed.values():
            sign = 1 if entry.kind is AccrualEntryKind.ACCRUE else -1
            net[entry.source_id] = net.get(entry.source_id, 0) + sign * entry.amount.minor_units
        for source, periods in by_source.items():
            held = accrued_total(periods)
            units = 0 if held is None else held.minor_units
            if net.get(source, 0) != units:
                raise LawViolation(
                    "F11",
                    f"the journal holds {net.get(source, 0)} minor units accrued for "
                    f"{source}; its posted periods hold {units}",
                )
