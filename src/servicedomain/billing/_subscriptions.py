"""Service subscriptions (AX ``SMASubscriptionTable``): the entity fees are generated for.

The rules:

* A subscription bills periods of its group's invoicing period code, anchored on its
  start date or aligned to calendar periods (the first one then a prorated stub).
* Its end date is exclusive: the first day no longer served. Cancelling sets it, never
  before the start and never after an end already set.
* The price of a day: the price table's entry for the day when one applies (it becomes
  the base price), otherwise the subscription's own base price in effect that day; with
  *Get pricing from = Indexed base price* it is base x index / 100.
* Price changes (and the four *Index subscription* moves) take effect on a date and are
  recorded in date order, each after the previous one, so the price of any past day
  stays what it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from servicedomain._checks import (
    require_instance,
    require_int,
    require_items_of,
    require_optional_instance,
    v_bool,
    v_id,
    v_str,
)
from servicedomain._enums import StrictEnum
from servicedomain.billing._checks import v_count, v_date, v_enum, v_period
from servicedomain.billing._events import (
    FeesGenerated,
    SubscriptionActivated,
    SubscriptionCanceled,
    SubscriptionCreated,
    SubscriptionDeactivated,
    SubscriptionIndexed,
    SubscriptionPriceChanged,
)
from servicedomain.billing._fees import FeeTransaction
from servicedomain.billing._pricing import (
    IndexedPrice,
    PriceTable,
    _require_index,
    _require_price,
)
from servicedomain.errors import (
    CurrencyMismatchError,
    InvalidCancellationError,
    InvalidInputError,
    InvalidPeriodError,
    TypeMismatchError,
)
from servicedomain.events import DomainEvent
from servicedomain.instants import require_date, require_instant
from servicedomain.money import Currency, Money
from servicedomain.periods import Alignment, DateRange, PeriodCode, Schedule

__all__ = ["BillingTiming", "PriceBasis", "PriceChange", "Subscription"]

Events = tuple[DomainEvent, ...]


class BillingTiming(StrictEnum):
    """When a period's fee is due: at its start (in advance) or at its end (in arrears)."""

    IN_ADVANCE = "in_advance"
    IN_ARREARS = "in_arrears"


class PriceBasis(StrictEnum):
    """AX *Get pricing from*: the base price as is, or base x index / 100."""

    BASE_PRICE = "base_price"
    INDEXED_PRICE = "indexed_price"


def _v_price(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _require_price(value, attribute.name)


def _v_index(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _require_index(value, attribute.name)


@attrs.frozen(kw_only=True)
class PriceChange:
    """A new base price and index, in effect from ``effective_date`` on."""

    effective_date: date = attrs.field(validator=v_date)
    base_price: Money = attrs.field(validator=_v_price)
    index: Decimal = attrs.field(validator=_v_index)


def _v_version(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_int(value, attribute.name, minimum=1)


def _v_end(instance: Subscription, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    end = require_date(value, attribute.name)
    if end <= instance.start_date:
        raise InvalidPeriodError(
            attribute.name,
            end,
            f"the end (exclusive) must be after the start {instance.start_date}",
        )


def _v_changes(instance: Subscription, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple):
        raise TypeMismatchError(attribute.name, value, "expected a tuple of PriceChange")
    previous = instance.start_date
    for position, change in enumerate(value):
        field = f"{attribute.name}[{position}]"
        if not isinstance(change, PriceChange):
            raise TypeMismatchError(field, change, "expected a PriceChange")
        if change.effective_date <= previous:
            raise InvalidPeriodError(
                field,
                change.effective_date,
                f"a price change takes effect after the previous one ({previous})",
            )
        if change.base_price.currency != instance.base_price.currency:
            raise CurrencyMismatchError(
                field, instance.base_price.currency.code, change.base_price.currency.code
            )
        previous = change.effective_date


@attrs.frozen(kw_only=True)
class Subscription:
    """A service subscription: who is billed, how often, from when, at which price.

    An entity: a frozen snapshot with an ``id`` and a ``version``. A new subscription
    comes from :meth:`create` (version 1); every operation returns ``(new_subscription,
    events)`` with ``version + 1``. The constructor rebuilds a stored snapshot.

    Args:
        id: the subscription id.
        group_id: its subscription group.
        customer_id, project_id: who is invoiced and the project the fees post to.
        category_id: the fee category.
        period: the invoicing period code (the group's).
        base_price: the base price at the start; its currency is the subscription's.
        index: the subscription index at the start (100 = the base price as is).
        price_basis: AX *Get pricing from*.
        start_date: the first day served.
        end_date: the first day no longer served (exclusive), or None (open-ended).
        active: an inactive subscription gets no new fees.
        timing: in advance or in arrears.
        alignment: periods anchored on the start date, or on calendar periods.
        price_changes: later prices, in date order.
        fee_count: how many fee transactions were stored for it (see :meth:`record_fees`).
        version: the snapshot version (optimistic concurrency), 1 when created.

    Raises:
        TypeMismatchError, InvalidInputError and subclasses naming the field.

    >>> from datetime import UTC, datetime
    >>> from servicedomain.periods import MONTHLY
    >>> at = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
    >>> sub, events = Subscription.create(id="S-1", group_id="G", customer_id="C",
    ...     project_id="P", category_id="FEE", period=MONTHLY,
    ...     base_price=Money(100, "EUR"), start_date=date(2024, 1, 31), at=at)
    >>> print(sub.schedule.period(1))
    [2024-02-29, 2024-03-31)
    >>> ended, events = sub.cancel(on=date(2024, 6, 1), at=at)
    >>> sub.version, ended.version, [event.name for event in events]
    (1, 2, ['SubscriptionCanceled'])
    """

    id: str = attrs.field(validator=v_id)
    name: str = attrs.field(default="", validator=v_str)
    group_id: str = attrs.field(validator=v_id)
    customer_id: str = attrs.field(validator=v_id)
    project_id: str = attrs.field(validator=v_id)
    category_id: str = attrs.field(validator=v_id)
    period: PeriodCode = attrs.field(validator=v_period)
    base_price: Money = attrs.field(validator=_v_price)
    index: Decimal = attrs.field(default=Decimal(100), validator=_v_index)
    price_basis: PriceBasis = attrs.field(
        default=PriceBasis.BASE_PRICE, validator=v_enum(PriceBasis)
    )
    start_date: date = attrs.field(validator=v_date)
    end_date: date | None = attrs.field(default=None, validator=_v_end)
    active: bool = attrs.field(default=True, validator=v_bool)
    timing: BillingTiming = attrs.field(
        default=BillingTiming.IN_ADVANCE, validator=v_enum(BillingTiming)
    )
    alignment: Alignment = attrs.field(default=Alignment.ANCHORED, validator=v_enum(Alignment))
    price_changes: tuple[PriceChange, ...] = attrs.field(default=(), validator=_v_changes)
    fee_count: int = attrs.field(default=0, validator=v_count)
    version: int = attrs.field(default=1, validator=_v_version)
    _schedule: Schedule = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(
            self, "_schedule", Schedule(self.period, self.start_date, self.alignment)
        )

    # ------------------------------------------------------------------ creation

    @classmethod
    def create(
        cls,
        *,
        id: str,
        group_id: str,
        customer_id: str,
        project_id: str,
        category_id: str,
        period: PeriodCode,
        base_price: Money,
        start_date: date,
        at: datetime,
        name: str = "",
        index: Decimal | int = Decimal(100),
        price_basis: PriceBasis = PriceBasis.BASE_PRICE,
        end_date: date | None = None,
        active: bool = True,
        timing: BillingTiming = BillingTiming.IN_ADVANCE,
        alignment: Alignment = Alignment.ANCHORED,
    ) -> tuple[Subscription, Events]:
        """A new subscription (version 1, no price change, no fee yet).

        The event is :class:`~servicedomain.billing.SubscriptionCreated`.

        Raises:
            TypeMismatchError, InvalidInputError and subclasses naming the field, as the
            constructor does.
        """
        instant = require_instant(at, "at")
        subscription = cls(
            id=id,
            name=name,
            group_id=group_id,
            customer_id=customer_id,
            project_id=project_id,
            category_id=category_id,
            period=period,
            base_price=base_price,
            index=_require_index(index, "index"),
            price_basis=price_basis,
            start_date=start_date,
            end_date=end_date,
            active=active,
            timing=timing,
            alignment=alignment,
        )
        return subscription, (
            SubscriptionCreated(
                entity_id=subscription.id,
                occurred_at=instant,
                group_id=subscription.group_id,
                customer_id=subscription.customer_id,
                start_date=subscription.start_date,
                base_price=subscription.base_price,
                index=subscription.index,
            ),
        )

    # ------------------------------------------------------------------ queries

    @property
    def currency(self) -> Currency:
        """The subscription's currency (its base price's)."""
        return self.base_price.currency

    @property
    def schedule(self) -> Schedule:
        """The invoicing periods, numbered from the one that holds the start date."""
        return self._schedule

    @property
    def served(self) -> DateRange | None:
        """``[start_date, end_date)``, or None while the subscription is open-ended."""
        if self.end_date is None:
            return None
        return DateRange(self.start_date, self.end_date)

    def billing_period(self, period: DateRange) -> DateRange:
        """The whole invoicing period a period of :attr:`schedule` is part of.

        The same period, except the first stub of a calendar-aligned subscription that
        starts between boundaries: Feb 15 on calendar quarters is part of Jan 1-Mar 31,
        and its fee is that quarter's fee prorated over Feb 15-Mar 31.
        """
        require_instance(period, DateRange, "period")
        schedule = self._schedule
        if schedule.has_stub and period.start == self.start_date:
            return schedule.whole_period(0)
        return period

    def indexed_price_on(self, day: date) -> IndexedPrice:
        """The subscription's own base price and index in effect on ``day``."""
        require_date(day, "day")
        base, index = self.base_price, self.index
        for change in self.price_changes:
            if change.effective_date > day:
                break
            base, index = change.base_price, change.index
        return IndexedPrice(base, index)

    def price_on(self, day: date, prices: PriceTable | None = None) -> Money:
        """The price of a whole period whose fee is priced on ``day``.

        The price table's entry for the day, when one applies, replaces the base price;
        the index is the subscription's.
        """
        checked = require_date(day, "day")
        require_optional_instance(prices, PriceTable, "prices")
        own = self.indexed_price_on(checked)
        base = own.base_price
        if prices is not None:
            entry = prices.find(
                subscription_id=self.id,
                project_id=self.project_id,
                category_id=self.category_id,
                period=self.period,
                currency=self.currency,
                on=checked,
            )
            if entry is not None:
                base = entry.price
        if self.price_basis is PriceBasis.BASE_PRICE:
            return base
        return IndexedPrice(base, own.index).indexed_price

    # ---------------------------------------------------------------- operations

    def _evolve(self, **changes: Any) -> Subscription:
        return attrs.evolve(self, version=self.version + 1, **changes)

    def change_price(
        self,
        *,
        effective: date,
        at: datetime,
        base_price: Money | None = None,
        index: Decimal | int | None = None,
    ) -> tuple[Subscription, Events]:
        """A new base price and/or index from ``effective`` on (AX *Price reduction*).

        Fees already generated for days from ``effective`` on are adjusted by the next
        generation run (a price-change fee for the difference over the rest of each
        period). The event is :class:`~servicedomain.billing.SubscriptionPriceChanged`.

        Raises:
            InvalidPeriodError: ``effective`` is not after the start and after every
                earlier price change.
            CurrencyMismatchError: ``base_price`` in another currency.
        """
        day = require_date(effective, "effective")
        instant = require_instant(at, "at")
        if index is not None:
            _require_index(index, "index")
        current = self.indexed_price_on(day)
        moved = current
        if base_price is not None:
            moved = moved.base_to(base_price)
        if index is not None:
            moved = moved.index_to(index)
        changed, change = self._with_change(day, moved)
        return changed, (
            SubscriptionPriceChanged(
                entity_id=self.id,
                occurred_at=instant,
                effective_date=day,
                base_price=change.base_price,
                index=change.index,
            ),
        )

    def index_by_percent(
        self, pct: Decimal | int, *, effective: date, at: datetime
    ) -> tuple[Subscription, Events]:
        """*Index subscription*, index by a percentage (110 + 10% -> 121)."""
        day = require_date(effective, "effective")
        return self._indexed(
            "index_by_percent", day, at, self.indexed_price_on(day).index_by_percent(pct)
        )

    def index_to(
        self, value: Decimal | int, *, effective: date, at: datetime
    ) -> tuple[Subscription, Events]:
        """*Index subscription*, index to a value."""
        day = require_date(effective, "effective")
        return self._indexed("index_to", day, at, self.indexed_price_on(day).index_to(value))

    def base_by_percent(
        self, pct: Decimal | int, *, effective: date, at: datetime
    ) -> tuple[Subscription, Events]:
        """*Index subscription*, base price by a percentage (120 + 10% -> 132)."""
        day = require_date(effective, "effective")
        return self._indexed(
            "base_by_percent", day, at, self.indexed_price_on(day).base_by_percent(pct)
        )

    def base_to(
        self, base_price: Money, *, effective: date, at: datetime
    ) -> tuple[Subscription, Events]:
        """*Index subscription*, base price to a value (same currency)."""
        day = require_date(effective, "effective")
        return self._indexed("base_to", day, at, self.indexed_price_on(day).base_to(base_price))

    def _indexed(
        self, move: str, day: date, at: datetime, moved: IndexedPrice
    ) -> tuple[Subscription, Events]:
        """The *Index subscription* ``move`` to ``moved``, with its event."""
        instant = require_instant(at, "at")
        changed, change = self._with_change(day, moved)
        return changed, (
            SubscriptionIndexed(
                entity_id=self.id,
                occurred_at=instant,
                move=move,
                effective_date=day,
                base_price=change.base_price,
                index=change.index,
            ),
        )

    def _with_change(self, day: date, moved: IndexedPrice) -> tuple[Subscription, PriceChange]:
        latest = self.price_changes[-1].effective_date if self.price_changes else self.start_date
        if day <= latest:
            raise InvalidPeriodError(
                "effective",
                day,
                f"a price change takes effect after the start and the latest change ({latest})",
            )
        change = PriceChange(effective_date=day, base_price=moved.base_price, index=moved.index)
        return self._evolve(price_changes=(*self.price_changes, change)), change

    def cancel(self, *, on: date, at: datetime) -> tuple[Subscription, Events]:
        """End the subscription: ``on`` is the first day no longer served.

        The next generation run credits what was billed for days from ``on`` on, and
        bills nothing beyond it. The event is
        :class:`~servicedomain.billing.SubscriptionCanceled`.

        Raises:
            InvalidCancellationError: ``on`` is not after the start date, or is after an
                end date already set.
        """
        day = require_date(on, "on")
        instant = require_instant(at, "at")
        if day <= self.start_date:
            raise InvalidCancellationError(
                "on", day, f"a cancellation is after the start date {self.start_date}"
            )
        if self.end_date is not None and day > self.end_date:
            raise InvalidCancellationError(
                "on", day, f"the subscription already ends on {self.end_date}"
            )
        return self._evolve(end_date=day), (
            SubscriptionCanceled(entity_id=self.id, occurred_at=instant, end_date=day),
        )

    def deactivate(self, *, at: datetime) -> tuple[Subscription, Events]:
        """Clear the *Active* flag: no new fees are generated."""
        instant = require_instant(at, "at")
        return self._evolve(active=False), (
            SubscriptionDeactivated(entity_id=self.id, occurred_at=instant),
        )

    def activate(self, *, at: datetime) -> tuple[Subscription, Events]:
        """Set the *Active* flag again."""
        instant = require_instant(at, "at")
        return self._evolve(active=True), (
            SubscriptionActivated(entity_id=self.id, occurred_at=instant),
        )

    def record_fees(
        self, fees: Sequence[FeeTransaction], *, at: datetime
    ) -> tuple[Subscription, Events]:
        """Take note of new fees stored for it (a generation run's, or reduction days).

        :attr:`fee_count` grows by their number. A store saves the new snapshot with
        the fees, so two concurrent runs over one subscription cannot both store fees:
        the second one's save conflicts. The event is
        :class:`~servicedomain.billing.FeesGenerated`.

        Raises:
            InvalidInputError: ``fees`` is empty (field ``fees``), or a fee of another
                subscription (field ``fees[i]``).
            TypeMismatchError: an item is not a FeeTransaction.
        """
        instant = require_instant(at, "at")
        given: tuple[FeeTransaction, ...] = require_items_of(fees, FeeTransaction, "fees")
        if not given:
            raise InvalidInputError("fees", given, "a fee run that stored no fee records nothing")
        for position, fee in enumerate(given):
            if fee.subscription_id != self.id:
                raise InvalidInputError(
                    f"fees[{position}]", fee.subscription_id, f"not a fee of {self.id!r}"
                )
        amount = sum((fee.amount for fee in given[1:]), given[0].amount)
        return self._evolve(fee_count=self.fee_count + len(given)), (
            FeesGenerated(
                entity_id=self.id,
                occurred_at=instant,
                fee_ids=tuple(fee.id for fee in given),
                amount=amount,
            ),
        )
