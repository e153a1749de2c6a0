"""Service subscriptions (AX ``SMASubscriptionTable``) and their groups.

The rules:

* A :class:`SubscriptionGroup` has an invoicing period code (year, quarter, month,
  week or day) and may have an accrual period code, one that the catalog allows for
  the invoicing one (:func:`allowed_accrual_period_codes`).

* A subscription bills periods of its group's invoicing period code, anchored on its
  start date or aligned to calendar periods (the first one then a prorated stub).
* Its end date is the last day served (inclusive, as on agreements). Cancelling sets
  it, never before the start and never after an end already set; internally the days
  served are the half-open range :attr:`Subscription.served`.
* The price of a day: the price table's entry for the day when one applies (it becomes
  the base price), otherwise the subscription's own base price in effect that day; with
  *Get pricing from = Indexed base price* it is base x index / 100.
* Price changes (and the four *Index subscription* moves) take effect on a date and are
  recorded in date order, each after the previous one, so the price of any past day
  stays what it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import attrs

from servicedomain._checks import (
    in_,
    instance_of,
    is_bool,
    is_count,
    is_date,
    is_id,
    is_str,
    is_version,
    items_of,
    optional,
)
from servicedomain._enums import StrictEnum
from servicedomain.billing import _dicts
from servicedomain.billing._accruals import (
    AccrualMethod,
    AccrualPolicy,
    ReversalMode,
    RoundingPeriod,
)
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
    _INDEX,
    _PERIOD,
    _PRICE,
    IndexedPrice,
    PriceTable,
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
from servicedomain.periods import (
    DAILY,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    Alignment,
    DateRange,
    PeriodCode,
    Schedule,
)

__all__ = [
    "BillingTiming",
    "PriceBasis",
    "PriceChange",
    "Subscription",
    "SubscriptionGroup",
    "allowed_accrual_period_codes",
]

Events = tuple[DomainEvent, ...]

_ONE_DAY = timedelta(days=1)


class BillingTiming(StrictEnum):
    """When a period's fee is due: at its start (in advance) or at its end (in arrears)."""

    IN_ADVANCE = "in_advance"
    IN_ARREARS = "in_arrears"


class PriceBasis(StrictEnum):
    """AX *Get pricing from*: the base price as is, or base x index / 100."""

    BASE_PRICE = "base_price"
    INDEXED_PRICE = "indexed_price"


_PERIOD_CODE: Final = instance_of(PeriodCode)
_DATE_RANGE: Final = instance_of(DateRange)
_OPTIONAL_PRICES: Final = optional(instance_of(PriceTable))
_FEES: Final = items_of(FeeTransaction)


@attrs.frozen(kw_only=True)
class PriceChange:
    """A new base price and index, in effect from ``effective_date`` on."""

    effective_date: date = attrs.field(validator=is_date)
    base_price: Money = attrs.field(validator=_PRICE)
    index: Decimal = attrs.field(validator=_INDEX)


def _v_end(instance: Subscription, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    last = require_date(value, attribute.name)
    if last < instance.start_date:
        raise InvalidPeriodError(
            attribute.name,
            last,
            f"the last day served must not be before the start {instance.start_date}",
        )
    if last == date.max:
        raise InvalidPeriodError(attribute.name, last, "the day after it is past date.max")


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
        period_code: the invoicing period code (the group's).
        base_price: the base price at the start; its currency is the subscription's.
        index: the subscription index at the start (100 = the base price as is).
        price_basis: AX *Get pricing from*.
        start_date: the first day served.
        end_date: the last day served (inclusive), or None (open-ended).
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
    ...     project_id="P", category_id="FEE", period_code=MONTHLY,
    ...     base_price=Money(100, "EUR"), start_date=date(2024, 1, 31), at=at)
    >>> print(sub.schedule.period(1))
    [2024-02-29, 2024-03-31)
    >>> ended, events = sub.cancel(last_day=date(2024, 5, 31), at=at)
    >>> print(ended.end_date, ended.served)
    2024-05-31 [2024-01-31, 2024-06-01)
    >>> sub.version, ended.version, [event.name for event in events]
    (1, 2, ['SubscriptionCanceled'])
    """

    id: str = attrs.field(validator=is_id)
    name: str = attrs.field(default="", validator=is_str)
    group_id: str = attrs.field(validator=is_id)
    customer_id: str = attrs.field(validator=is_id)
    project_id: str = attrs.field(validator=is_id)
    category_id: str = attrs.field(validator=is_id)
    period_code: PeriodCode = attrs.field(validator=_PERIOD_CODE)
    base_price: Money = attrs.field(validator=_PRICE)
    index: Decimal = attrs.field(default=Decimal(100), validator=_INDEX)
    price_basis: PriceBasis = attrs.field(default=PriceBasis.BASE_PRICE, validator=in_(PriceBasis))
    start_date: date = attrs.field(validator=is_date)
    end_date: date | None = attrs.field(default=None, validator=_v_end)
    active: bool = attrs.field(default=True, validator=is_bool)
    timing: BillingTiming = attrs.field(
        default=BillingTiming.IN_ADVANCE, validator=in_(BillingTiming)
    )
    alignment: Alignment = attrs.field(default=Alignment.ANCHORED, validator=in_(Alignment))
    price_changes: tuple[PriceChange, ...] = attrs.field(default=(), validator=_v_changes)
    fee_count: int = attrs.field(default=0, validator=is_count)
    version: int = attrs.field(default=1, validator=is_version)
    _schedule: Schedule = attrs.field(init=False, eq=False, repr=False)
    # The first day no longer served (the end of :attr:`served`), or None: billing's
    # half-open arithmetic reads this, people read ``end_date``.
    _served_end: date | None = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(
            self, "_schedule", Schedule(self.period_code, self.start_date, self.alignment)
        )
        end = None if self.end_date is None else self.end_date + _ONE_DAY
        object.__setattr__(self, "_served_end", end)

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
        period_code: PeriodCode,
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

        ``end_date`` is the last day served (inclusive), or None (open-ended).

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
            period_code=period_code,
            base_price=base_price,
            index=_INDEX.check(index, "index"),
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
        """The days served, half-open: ``[start_date, end_date + 1 day)``.

        None while the subscription is open-ended.
        """
        if self._served_end is None:
            return None
        return DateRange(self.start_date, self._served_end)

    def billing_period(self, period: DateRange) -> DateRange:
        """The whole invoicing period a period of :attr:`schedule` is part of.

        The same period, except the first stub of a calendar-aligned subscription that
        starts between boundaries: Feb 15 on calendar quarters is part of Jan 1-Mar 31,
        and its fee is that quarter's fee prorated over Feb 15-Mar 31.
        """
        _DATE_RANGE.check(period, "period")
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
        _OPTIONAL_PRICES.check(prices, "prices")
        own = self.indexed_price_on(checked)
        base = own.base_price
        if prices is not None:
            entry = prices.find(
                subscription_id=self.id,
                project_id=self.project_id,
                category_id=self.category_id,
                period_code=self.period_code,
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
        effective_date: date,
        at: datetime,
        base_price: Money | None = None,
        index: Decimal | int | None = None,
    ) -> tuple[Subscription, Events]:
        """A new base price and/or index from ``effective_date`` on (AX *Price reduction*).

        Fees already generated for days from ``effective_date`` on are adjusted by the next
        generation run (a price-change fee for the difference over the rest of each
        period). The event is :class:`~servicedomain.billing.SubscriptionPriceChanged`.

        Raises:
            InvalidPeriodError: ``effective_date`` is not after the start and after every
                earlier price change.
            CurrencyMismatchError: ``base_price`` in another currency.
        """
        day = require_date(effective_date, "effective_date")
        instant = require_instant(at, "at")
        if index is not None:
            _INDEX.check(index, "index")
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
        self, pct: Decimal | int, *, effective_date: date, at: datetime
    ) -> tuple[Subscription, Events]:
        """*Index subscription*, index by a percentage (110 + 10% -> 121)."""
        day = require_date(effective_date, "effective_date")
        return self._indexed(
            "index_by_percent", day, at, self.indexed_price_on(day).index_by_percent(pct)
        )

    def index_to(
        self, value: Decimal | int, *, effective_date: date, at: datetime
    ) -> tuple[Subscription, Events]:
        """*Index subscription*, index to a value."""
        day = require_date(effective_date, "effective_date")
        return self._indexed("index_to", day, at, self.indexed_price_on(day).index_to(value))

    def base_by_percent(
        self, pct: Decimal | int, *, effective_date: date, at: datetime
    ) -> tuple[Subscription, Events]:
        """*Index subscription*, base price by a percentage (120 + 10% -> 132)."""
        day = require_date(effective_date, "effective_date")
        return self._indexed(
            "base_by_percent", day, at, self.indexed_price_on(day).base_by_percent(pct)
        )

    def base_to(
        self, base_price: Money, *, effective_date: date, at: datetime
    ) -> tuple[Subscription, Events]:
        """*Index subscription*, base price to a value (same currency)."""
        day = require_date(effective_date, "effective_date")
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
                "effective_date",
                day,
                f"a price change takes effect after the start and the latest change ({latest})",
            )
        change = PriceChange(effective_date=day, base_price=moved.base_price, index=moved.index)
        return self._evolve(price_changes=(*self.price_changes, change)), change

    def cancel(self, *, last_day: date, at: datetime) -> tuple[Subscription, Events]:
        """End the subscription: ``last_day`` is the last day served (inclusive).

        The next generation run credits what was billed for the days after
        ``last_day``, and bills nothing beyond it. The event is
        :class:`~servicedomain.billing.SubscriptionCanceled`.

        Raises:
            InvalidCancellationError: ``last_day`` is before the start date, or after an
                end date already set.
        """
        day = require_date(last_day, "last_day")
        instant = require_instant(at, "at")
        if day < self.start_date:
            raise InvalidCancellationError(
                "last_day", day, f"the last day served is on or after the start {self.start_date}"
            )
        if self.end_date is not None and day > self.end_date:
            raise InvalidCancellationError(
                "last_day", day, f"the subscription already ends on {self.end_date}"
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
        given: tuple[FeeTransaction, ...] = _FEES.check(fees, "fees")
        if not given:
            raise InvalidInputError("fees", given, "a fee run that stored no fee records nothing")
        for position, fee in enumerate(given):
            if fee.subscription_id != self.id:
                raise InvalidInputError(
                    f"fees[{position}]", fee.subscription_id, f"not a fee of {self.id!r}"
                )
        amount = Money.total([fee.amount for fee in given], given[0].amount.currency)
        return self._evolve(fee_count=self.fee_count + len(given)), (
            FeesGenerated(
                entity_id=self.id,
                occurred_at=instant,
                fee_ids=tuple(fee.id for fee in given),
                amount=amount,
            ),
        )


# -------------------------------------------------------------------------- groups

# The catalog's table of the accrual periods allowed for each invoicing period [S50].
_ACCRUAL_PERIODS: Final[Mapping[PeriodCode, tuple[PeriodCode, ...]]] = {
    YEARLY: (YEARLY, QUARTERLY, MONTHLY, DAILY),
    QUARTERLY: (QUARTERLY, MONTHLY, DAILY),
    MONTHLY: (MONTHLY, DAILY),
    WEEKLY: (DAILY,),
    DAILY: (DAILY,),
}


def allowed_accrual_period_codes(invoicing_period_code: PeriodCode) -> tuple[PeriodCode, ...]:
    """The accrual period codes the catalog allows for an invoicing one, longest first.

    Year: year, quarter, month, day; quarter: quarter, month, day; month: month, day;
    week: day; day: day. Only these five single units are invoicing period codes.

    Raises:
        TypeMismatchError: ``invoicing_period_code`` is not a PeriodCode.
        InvalidInputError: (field ``invoicing_period_code``) another code, such as
            ``P2M``.

    >>> print(*allowed_accrual_period_codes(QUARTERLY))
    P3M P1M P1D
    >>> print(*allowed_accrual_period_codes(WEEKLY))
    P1D
    """
    code = _PERIOD.check(invoicing_period_code, "invoicing_period_code")
    allowed = _ACCRUAL_PERIODS.get(code)
    if allowed is None:
        raise InvalidInputError(
            "invoicing_period_code",
            code,
            "an invoicing period is one year, quarter, month, week or day (P1Y, P3M, P1M, "
            "P1W, P1D)",
        )
    return allowed


def _v_invoicing_code(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    allowed_accrual_period_codes(value)  # type: ignore[arg-type]


def _v_accrual_code(
    instance: SubscriptionGroup, _attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is None:
        return
    code = _PERIOD.check(value, "accrual_period_code")
    allowed = allowed_accrual_period_codes(instance.invoicing_period_code)
    if code not in allowed:
        raise InvalidInputError(
            "accrual_period_code",
            code,
            f"invoicing period code {instance.invoicing_period_code} allows only the accrual "
            "period codes " + ", ".join(str(period_code) for period_code in allowed),
        )


_GROUP_OPTIONAL: Final = (
    "name",
    "accrual_period_code",
    "accrue_revenue",
    "accrual_method",
    "rounding_period",
    "reversal",
)


@attrs.frozen(kw_only=True)
class SubscriptionGroup:
    """A subscription group (AX ``SMASubscriptionGroup``): its period codes and accruals.

    The accrual period code must be one the catalog allows for the invoicing one (see
    :func:`allowed_accrual_period_codes`). It is optional, also when ``accrue_revenue`` is
    set: AX only suggests it in the *Accrue subscription revenue* job, which then needs
    a period code of its own.

    Args:
        id: the group id, a non-empty str.
        name: free text.
        invoicing_period_code: one year, quarter, month, week or day.
        accrual_period_code: ``None`` or an accrual period code allowed for the
            invoicing one.
        accrue_revenue: whether invoiced fees of the group are accrued.
        accrual_method: equal parts, or per day (AX *Calculate accrued revenue per day*).
        rounding_period: the accrual period that takes the rounding difference.
        reversal: how accruals are reversed on a credit note
            (``SMAReverseAccruedOnCredit``).

    Raises:
        InvalidInputError: ``id`` is empty; ``invoicing_period_code`` is not one of the
            five single units (field ``invoicing_period_code``); ``accrual_period_code``
            is not allowed for it (field ``accrual_period_code``).
        TypeMismatchError: a field has the wrong type.

    >>> SubscriptionGroup(id="Q", invoicing_period_code=QUARTERLY,
    ...     accrual_period_code=MONTHLY)  # doctest: +ELLIPSIS
    SubscriptionGroup(id='Q', name='', invoicing_period_code=PeriodCode(...), ...)
    >>> try:
    ...     SubscriptionGroup(id="M", invoicing_period_code=MONTHLY,
    ...         accrual_period_code=QUARTERLY)
    ... except InvalidInputError as error:
    ...     print(error.field)
    accrual_period_code
    """

    id: str = attrs.field(validator=is_id)
    name: str = attrs.field(default="", validator=is_str)
    invoicing_period_code: PeriodCode = attrs.field(validator=_v_invoicing_code)
    accrual_period_code: PeriodCode | None = attrs.field(default=None, validator=_v_accrual_code)
    accrue_revenue: bool = attrs.field(default=False, validator=is_bool)
    accrual_method: AccrualMethod = attrs.field(
        default=AccrualMethod.EQUAL, validator=in_(AccrualMethod)
    )
    rounding_period: RoundingPeriod = attrs.field(
        default=RoundingPeriod.FIRST, validator=in_(RoundingPeriod)
    )
    reversal: ReversalMode = attrs.field(
        default=ReversalMode.INVOICE_DATE, validator=in_(ReversalMode)
    )

    @property
    def accrual_policy(self) -> AccrualPolicy | None:
        """How invoiced fees of the group are accrued; None when the group does not accrue.

        Without an accrual period code the invoicing one is used.
        """
        if not self.accrue_revenue:
            return None
        return AccrualPolicy(
            period_code=self.accrual_period_code or self.invoicing_period_code,
            method=self.accrual_method,
            rounding_period=self.rounding_period,
            reversal=self.reversal,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SubscriptionGroup:
        """Build from a dict such as JSON or TOML gives (the form :meth:`to_dict` writes).

        Keys: ``id`` and ``invoicing_period_code`` (ISO-8601, ``"P3M"``); optional
        ``name``, ``accrual_period_code`` (omitted or None: none), ``accrue_revenue``
        (true/false), and ``accrual_method``, ``rounding_period``, ``reversal`` by
        value (``"per_day"``, ``"last"``, ``"original_posting_date"`` ...). Unknown keys
        are refused, so a typo is not silently ignored.

        Raises:
            InvalidInputError: naming the missing, unknown or bad key, or as the
                constructor does.

        >>> group = SubscriptionGroup.from_dict({"id": "Q", "invoicing_period_code": "P3M",
        ...     "accrual_period_code": "P1M", "accrue_revenue": True})
        >>> print(group.accrual_policy.period_code)
        P1M
        >>> SubscriptionGroup.from_dict(group.to_dict()) == group
        True
        """
        given = _dicts.mapping(data, "", "a subscription group")
        _dicts.check_keys(
            given,
            kind="SubscriptionGroup",
            required=("id", "invoicing_period_code"),
            optional=_GROUP_OPTIONAL,
            path="",
        )
        fields: dict[str, Any] = {
            "id": _dicts.text(given["id"], "id"),
            "invoicing_period_code": _dicts.period_code(
                given["invoicing_period_code"], "invoicing_period_code"
            ),
        }
        if "name" in given:
            fields["name"] = _dicts.text(given["name"], "name")
        if given.get("accrual_period_code") is not None:
            fields["accrual_period_code"] = _dicts.period_code(
                given["accrual_period_code"], "accrual_period_code"
            )
        if "accrue_revenue" in given:
            fields["accrue_revenue"] = _dicts.flag(given["accrue_revenue"], "accrue_revenue")
        for key, enum in (
            ("accrual_method", AccrualMethod),
            ("rounding_period", RoundingPeriod),
            ("reversal", ReversalMode),
        ):
            if key in given:
                fields[key] = _dicts.choice(given[key], enum, key)
        return cls(**fields)

    def to_dict(self) -> dict[str, object]:
        """The group as plain data; no accrual period code is left out (TOML has no null)."""
        data: dict[str, object] = {
            "id": self.id,
            "name": self.name,
            "invoicing_period_code": self.invoicing_period_code.iso,
        }
        if self.accrual_period_code is not None:
            data["accrual_period_code"] = self.accrual_period_code.iso
        data["accrue_revenue"] = self.accrue_revenue
        data["accrual_method"] = self.accrual_method.value
        data["rounding_period"] = self.rounding_period.value
        data["reversal"] = self.reversal.value
        return data
