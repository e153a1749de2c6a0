"""Subscription groups, the subscription price table and indexing (AX section 5).

The rules:

* A :class:`SubscriptionGroup` has an invoicing period (year, quarter, month, week or
  day) and may have an accrual period, one that the catalog allows for its invoicing
  period (:func:`allowed_accrual_periods`).
* A :class:`PriceTable` finds a subscription's price: only entries with the
  subscription's period code and currency apply; the most specific entry wins by the
  8-level priority (:attr:`PriceEntry.level`); within the best level the latest
  effective date on or before the fee's date wins.
* An :class:`IndexedPrice` is a base price and an index; the fee price taken from it is
  base x index / 100, rounded half-up to the currency.
"""

from __future__ import annotations

import bisect
import decimal
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

import attrs

from servicedomain._checks import (
    require_enum,
    require_id,
    v_bool,
    v_id,
    v_optional_id,
    v_str,
)
from servicedomain.billing._accruals import (
    AccrualMethod,
    AccrualPolicy,
    ReversalMode,
    RoundingPeriod,
)
from servicedomain.errors import (
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidInputError,
    TypeMismatchError,
)
from servicedomain.instants import require_date
from servicedomain.money import Currency, Money, Rounding, check_factor
from servicedomain.periods import DAILY, MONTHLY, QUARTERLY, WEEKLY, YEARLY, PeriodCode

__all__ = [
    "IndexedPrice",
    "PriceEntry",
    "PriceTable",
    "SubscriptionGroup",
    "allowed_accrual_periods",
]

# Index arithmetic is exact: it runs in this context, which traps Inexact.
_EXACT: Final = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)
_HUNDRED: Final = Decimal(100)

# The catalog's table of the accrual periods allowed for each invoicing period [S50].
_ACCRUAL_PERIODS: Final[Mapping[PeriodCode, tuple[PeriodCode, ...]]] = {
    YEARLY: (YEARLY, QUARTERLY, MONTHLY, DAILY),
    QUARTERLY: (QUARTERLY, MONTHLY, DAILY),
    MONTHLY: (MONTHLY, DAILY),
    WEEKLY: (DAILY,),
    DAILY: (DAILY,),
}


def _require_period(value: object, field: str) -> PeriodCode:
    if not isinstance(value, PeriodCode):
        raise TypeMismatchError(
            field, value, f"expected a PeriodCode, e.g. MONTHLY, got {type(value).__name__}"
        )
    return value


def allowed_accrual_periods(invoicing_period: PeriodCode) -> tuple[PeriodCode, ...]:
    """The accrual periods the catalog allows for an invoicing period, longest first.

    Year: year, quarter, month, day; quarter: quarter, month, day; month: month, day;
    week: day; day: day. Only these five single units are invoicing periods.

    Raises:
        TypeMismatchError: ``invoicing_period`` is not a PeriodCode.
        InvalidInputError: (field ``invoicing_period``) another code, such as ``P2M``.

    >>> print(*allowed_accrual_periods(QUARTERLY))
    P3M P1M P1D
    >>> print(*allowed_accrual_periods(WEEKLY))
    P1D
    """
    code = _require_period(invoicing_period, "invoicing_period")
    allowed = _ACCRUAL_PERIODS.get(code)
    if allowed is None:
        raise InvalidInputError(
            "invoicing_period",
            code,
            "an invoicing period is one year, quarter, month, week or day (P1Y, P3M, P1M, "
            "P1W, P1D)",
        )
    return allowed


def _v_invoicing_period(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    allowed_accrual_periods(value)  # type: ignore[arg-type]


def _v_accrual_period(
    instance: SubscriptionGroup, _attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is None:
        return
    code = _require_period(value, "accrual_period")
    allowed = allowed_accrual_periods(instance.invoicing_period)
    if code not in allowed:
        raise InvalidInputError(
            "accrual_period",
            code,
            f"invoicing period {instance.invoicing_period} allows only the accrual periods "
            + ", ".join(str(period) for period in allowed),
        )


@attrs.frozen(kw_only=True)
class SubscriptionGroup:
    """A subscription group (AX ``SMASubscriptionGroup``): its periods and accrual flag.

    The accrual period must be one the catalog allows for the invoicing period (see
    :func:`allowed_accrual_periods`). It is optional, also when ``accrue_revenue`` is
    set: AX only suggests it in the *Accrue subscription revenue* job, which then needs
    a period code of its own.

    Args:
        id: the group id, a non-empty str.
        name: free text.
        invoicing_period: one year, quarter, month, week or day.
        accrual_period: ``None`` or an accrual period allowed for the invoicing period.
        accrue_revenue: whether invoiced fees of the group are accrued.
        accrual_method: equal parts, or per day (AX *Calculate accrued revenue per day*).
        rounding_period: the accrual period that takes the rounding difference.
        reversal: how accruals are reversed on a credit note
            (``SMAReverseAccruedOnCredit``).

    Raises:
        InvalidInputError: ``id`` is empty; ``invoicing_period`` is not one of the five
            single units (field ``invoicing_period``); ``accrual_period`` is not allowed
            for it (field ``accrual_period``).
        TypeMismatchError: a field has the wrong type.

    >>> SubscriptionGroup(id="Q", invoicing_period=QUARTERLY, accrual_period=MONTHLY)
    ... # doctest: +ELLIPSIS
    SubscriptionGroup(id='Q', name='', invoicing_period=PeriodCode(...), ...)
    >>> try:
    ...     SubscriptionGroup(id="M", invoicing_period=MONTHLY, accrual_period=QUARTERLY)
    ... except InvalidInputError as error:
    ...     print(error.field)
    accrual_period
    """

    id: str = attrs.field(validator=v_id)
    name: str = attrs.field(default="", validator=v_str)
    invoicing_period: PeriodCode = attrs.field(validator=_v_invoicing_period)
    accrual_period: PeriodCode | None = attrs.field(default=None, validator=_v_accrual_period)
    accrue_revenue: bool = attrs.field(default=False, validator=v_bool)
    accrual_method: AccrualMethod = attrs.field(
        default=AccrualMethod.EQUAL,
        validator=lambda _i, a, v: require_enum(v, AccrualMethod, a.name),
    )
    rounding_period: RoundingPeriod = attrs.field(
        default=RoundingPeriod.FIRST,
        validator=lambda _i, a, v: require_enum(v, RoundingPeriod, a.name),
    )
    reversal: ReversalMode = attrs.field(
        default=ReversalMode.INVOICE_DATE,
        validator=lambda _i, a, v: require_enum(v, ReversalMode, a.name),
    )

    @property
    def accrual_policy(self) -> AccrualPolicy | None:
        """How invoiced fees of the group are accrued; None when the group does not accrue.

        Without an accrual period the invoicing period is used.
        """
        if not self.accrue_revenue:
            return None
        return AccrualPolicy(
            period=self.accrual_period or self.invoicing_period,
            method=self.accrual_method,
            rounding_period=self.rounding_period,
            reversal=self.reversal,
        )


# ------------------------------------------------------------------------- price table


def _v_period(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _require_period(value, attribute.name)


def _v_date(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_date(value, attribute.name)


def _require_price(value: object, field: str) -> Money:
    if not isinstance(value, Money):
        raise TypeMismatchError(field, value, f"expected Money, got {type(value).__name__}")
    if not value.is_rounded:
        raise InvalidAmountError(field, value, "a price is rounded to the currency's decimals")
    if value.amount < 0:
        raise InvalidAmountError(field, value, "a price is >= 0")
    return value


def _v_price(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _require_price(value, attribute.name)


@attrs.frozen(kw_only=True)
class PriceEntry:
    """One row of the subscription price setup (AX ``SMASalesPriceSubscription``).

    A key set to a value (category, project, subscription) must equal the fee's; a
    blank key (``None``) matches any. Its currency is the price's.

    Args:
        effective_date: the first day the price applies (AX *Effective date*).
        category_id: the fee category, or ``None`` for any.
        project_id: the project, or ``None`` for any.
        subscription_id: the subscription, or ``None`` for any.
        period: the period code the price is for.
        price: the price, rounded, >= 0.

    Raises:
        TypeMismatchError: a field has the wrong type (a float price is not Money).
        InvalidInputError: an empty id string.
        InvalidAmountError: (field ``price``) a negative or unrounded price.

    >>> entry = PriceEntry(effective_date=date(2024, 1, 1), category_id=None,
    ...     project_id="P-1", subscription_id=None, period=MONTHLY, price=Money(500, "EUR"))
    >>> entry.level
    6
    """

    effective_date: date = attrs.field(validator=_v_date)
    category_id: str | None = attrs.field(validator=v_optional_id)
    project_id: str | None = attrs.field(validator=v_optional_id)
    subscription_id: str | None = attrs.field(validator=v_optional_id)
    period: PeriodCode = attrs.field(validator=_v_period)
    price: Money = attrs.field(validator=_v_price)

    @property
    def currency(self) -> Currency:
        """The currency of the price."""
        return self.price.currency

    @property
    def level(self) -> int:
        """The catalog's priority, 1 (most specific) to 8 (no key set).

        1 category+project+subscription, 2 project+subscription, 3 category+subscription,
        4 subscription, 5 category+project, 6 project, 7 category, 8 none.

        >>> PriceEntry(effective_date=date(2024, 1, 1), category_id="C", project_id=None,
        ...     subscription_id="S", period=MONTHLY, price=Money(1, "EUR")).level
        3
        """
        return _level(self.category_id, self.project_id, self.subscription_id)

    def matches(self, *, subscription_id: str, project_id: str, category_id: str) -> bool:
        """Whether every key set on this entry equals the fee's key."""
        require_id(subscription_id, "subscription_id")
        require_id(project_id, "project_id")
        require_id(category_id, "category_id")
        return (
            (self.category_id is None or self.category_id == category_id)
            and (self.project_id is None or self.project_id == project_id)
            and (self.subscription_id is None or self.subscription_id == subscription_id)
        )


def _level(category_id: str | None, project_id: str | None, subscription_id: str | None) -> int:
    return 1 + (category_id is None) + 2 * (project_id is None) + 4 * (subscription_id is None)


_Key = tuple[PeriodCode, str, str | None, str | None, str | None]


def _key(entry: PriceEntry) -> _Key:
    return (
        entry.period,
        entry.currency.code,
        entry.category_id,
        entry.project_id,
        entry.subscription_id,
    )


def _check_entries(value: object) -> tuple[PriceEntry, ...]:
    if not isinstance(value, tuple):
        raise TypeMismatchError(
            "entries", value, f"expected a tuple of PriceEntry, got {type(value).__name__}"
        )
    seen: dict[tuple[_Key, date], int] = {}
    for index, entry in enumerate(value):
        if not isinstance(entry, PriceEntry):
            raise TypeMismatchError(
                f"entries[{index}]", entry, f"expected a PriceEntry, got {type(entry).__name__}"
            )
        slot = (_key(entry), entry.effective_date)
        first = seen.setdefault(slot, index)
        if first != index:
            raise InvalidInputError(
                f"entries[{index}]",
                entry,
                f"overlapping price periods: entries[{first}] has the same effective date, "
                "keys, period and currency",
            )
    return value


def _v_entries(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    _check_entries(value)


def _currency_code(value: object) -> str:
    if isinstance(value, Currency):
        return value.code
    if isinstance(value, str):
        return Currency.of(value).code
    raise TypeMismatchError(
        "currency", value, f"expected a Currency or a code, got {type(value).__name__}"
    )


@attrs.frozen
class PriceTable:
    """The subscription price setup: entries found by the catalog's priority.

    :meth:`find` applies only entries with the query's period code and currency, whose
    set keys equal the query's and whose effective date is on or before ``on``. The
    lowest :attr:`PriceEntry.level` wins; within it, the latest effective date. As
    entries of one level that match one query have the same keys, two entries with the
    same keys, period, currency and effective date are refused: the choice between
    them would be arbitrary.

    Args:
        entries: a tuple of :class:`PriceEntry`.

    Raises:
        TypeMismatchError: ``entries`` is not a tuple of PriceEntry.
        InvalidInputError: (field ``entries[i]``) an entry overlaps an earlier one.

    >>> def entry(day, category, price):
    ...     return PriceEntry(effective_date=date(2024, day, 1), category_id=category,
    ...         project_id="P-1", subscription_id=None, period=MONTHLY,
    ...         price=Money(price, "EUR"))
    >>> table = PriceTable((entry(1, None, 500), entry(6, "SubCat1", 550)))
    >>> def fee(category, on):
    ...     return table.price(subscription_id="S-1", project_id="P-1",
    ...         category_id=category, period=MONTHLY, currency="EUR", on=on)
    >>> fee("SubCat1", date(2024, 6, 1)), fee("SubCat2", date(2024, 6, 1))
    (Money('550.00', 'EUR'), Money('500.00', 'EUR'))
    >>> fee("SubCat1", date(2024, 5, 31))
    Money('500.00', 'EUR')
    """

    entries: tuple[PriceEntry, ...] = attrs.field(validator=_v_entries)
    _by_key: dict[_Key, tuple[list[date], list[PriceEntry]]] = attrs.field(
        init=False, eq=False, repr=False
    )
    # The subscriptions some entry names; the others need only levels 5 to 8.
    _named: frozenset[str] = attrs.field(init=False, eq=False, repr=False)
    # The levels 5 to 8 of a (period, currency, category, project), found once each.
    _shared: dict[tuple[Any, ...], list[tuple[list[date], list[PriceEntry]]]] = attrs.field(
        init=False, eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        by_key: dict[_Key, list[PriceEntry]] = {}
        for entry in self.entries:
            by_key.setdefault(_key(entry), []).append(entry)
        index: dict[_Key, tuple[list[date], list[PriceEntry]]] = {}
        for key, found in by_key.items():
            found.sort(key=lambda entry: entry.effective_date)
            index[key] = ([entry.effective_date for entry in found], found)
        object.__setattr__(self, "_by_key", index)
        named = frozenset(e.subscription_id for e in self.entries if e.subscription_id)
        object.__setattr__(self, "_named", named)
        object.__setattr__(self, "_shared", {})

    def find(
        self,
        *,
        subscription_id: str,
        project_id: str,
        category_id: str,
        period: PeriodCode,
        currency: Currency | str,
        on: date,
    ) -> PriceEntry | None:
        """The entry that prices a fee, or ``None`` when no entry applies.

        Raises:
            TypeMismatchError: an argument has the wrong type.
            InvalidInputError: an empty id.
            UnknownCurrencyError: a malformed or unknown currency code.
        """
        candidates = self._candidates(
            subscription_id=require_id(subscription_id, "subscription_id"),
            project_id=require_id(project_id, "project_id"),
            category_id=require_id(category_id, "category_id"),
            period=period,
            currency=currency,
        )
        day = require_date(on, "on")
        for dates, entries in candidates:
            position = bisect.bisect_right(dates, day)
            if position:
                return entries[position - 1]
        return None

    def effective_dates(
        self,
        *,
        subscription_id: str,
        project_id: str,
        category_id: str,
        period: PeriodCode,
        currency: Currency | str,
    ) -> list[date]:
        """Every date on which :meth:`find` may answer differently for this query, sorted.

        The effective dates of all entries under the query's 8 candidate keys: between
        two of them (and before the first) the entry found stays the same, so a billing
        run looks a price up once per step, not once per period.
        """
        candidates = self._candidates(
            subscription_id=require_id(subscription_id, "subscription_id"),
            project_id=require_id(project_id, "project_id"),
            category_id=require_id(category_id, "category_id"),
            period=period,
            currency=currency,
        )
        return sorted({day for dates, _entries in candidates for day in dates})

    def _candidates(
        self,
        *,
        subscription_id: str,
        project_id: str,
        category_id: str,
        period: PeriodCode,
        currency: Currency | str,
    ) -> list[tuple[list[date], list[PriceEntry]]]:
        """The entries (by effective date) under the query's keys, most specific first.

        :meth:`find` is: the first of these with an entry on or before the date.
        """
        code = _require_period(period, "period")
        currency_code = _currency_code(currency)
        shared_key = (code, currency_code, category_id, project_id)
        shared = self._shared.get(shared_key)
        if shared is None:
            shared = self._shared[shared_key] = self._levels(
                code, currency_code, category_id, project_id, None, range(4, 8)
            )
        if subscription_id not in self._named:
            return shared
        own = self._levels(code, currency_code, category_id, project_id, subscription_id, range(4))
        return own + shared

    def _levels(  # noqa: PLR0917 (a private step of _candidates)
        self,
        code: PeriodCode,
        currency_code: str,
        category_id: str,
        project_id: str,
        subscription_id: str | None,
        levels: range,
    ) -> list[tuple[list[date], list[PriceEntry]]]:
        found = []
        for level in levels:
            key: _Key = (
                code,
                currency_code,
                None if level & 1 else category_id,
                None if level & 2 else project_id,
                None if level & 4 else subscription_id,
            )
            entries = self._by_key.get(key)
            if entries is not None:
                found.append(entries)
        return found

    def price(
        self,
        *,
        subscription_id: str,
        project_id: str,
        category_id: str,
        period: PeriodCode,
        currency: Currency | str,
        on: date,
    ) -> Money:
        """The price of the entry :meth:`find` returns.

        Raises:
            InvalidInputError: (field ``price``) no entry applies; and as :meth:`find`.
        """
        entry = self.find(
            subscription_id=subscription_id,
            project_id=project_id,
            category_id=category_id,
            period=period,
            currency=currency,
            on=on,
        )
        if entry is None:
            raise InvalidInputError(
                "price",
                None,
                f"no price entry for subscription {subscription_id!r}, project "
                f"{project_id!r}, category {category_id!r}, period {period}, currency "
                f"{_currency_code(currency)} on {on}",
            )
        return entry.price


# ---------------------------------------------------------------------------- indexing


def _require_decimal(value: object, field: str) -> Decimal:
    if isinstance(value, bool):
        raise InvalidAmountError(field, value, "a bool is not a number")
    if isinstance(value, int):
        return check_factor(value, field, InvalidAmountError)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidAmountError(field, value, "NaN and infinities are not numbers")
        # The supported range of factors (below 10^15, at most 12 decimals).
        return check_factor(value, field, InvalidAmountError)
    if isinstance(value, float):
        raise InvalidAmountError(field, value, "a float is not exact; pass a Decimal or an int")
    raise TypeMismatchError(
        field, value, f"expected a Decimal or an int, got {type(value).__name__}"
    )


def _require_index(value: object, field: str) -> Decimal:
    index = _require_decimal(value, field)
    if index <= 0:
        raise InvalidAmountError(field, value, "an index is > 0")
    return index


def _index(value: Decimal | int) -> Decimal:
    return _require_index(value, "index")


def _factor(pct: object) -> Decimal:
    """``1 + pct / 100``, exactly."""
    percent = _require_decimal(pct, "pct")
    try:
        return _EXACT.add(1, percent.scaleb(-2, _EXACT))
    except decimal.DecimalException:
        raise InvalidAmountError("pct", pct, "too large to compute exactly") from None


def _multiply(left: Decimal, right: Decimal, field: str, value: object) -> Decimal:
    try:
        return _EXACT.multiply(left, right)
    except decimal.DecimalException:
        raise InvalidAmountError(field, value, "too large to compute exactly") from None


@attrs.frozen
class IndexedPrice:
    """A subscription's base price and index (AX *Base price*, *Subscription index*).

    The fee price *from the indexed base price* is base x index / 100, rounded half-up
    to the currency (:attr:`indexed_price`). The four *Index subscription* moves return
    a new value; none changes the currency. Index arithmetic is exact.

    Args:
        base_price: the base price, rounded, >= 0.
        index: a Decimal or an int > 0; 100 means the base price as is.

    Raises:
        TypeMismatchError: (field ``base_price``) not Money; (field ``index``) not a
            number.
        InvalidAmountError: a float, bool, NaN, or an index <= 0 (field ``index``); a
            negative or unrounded base price (field ``base_price``).

    >>> IndexedPrice(Money(1000, "EUR"), Decimal(110)).indexed_price
    Money('1100.00', 'EUR')
    >>> IndexedPrice(Money(1000, "EUR"), Decimal(110)).index_by_percent(Decimal(10)).index
    Decimal('121.00')
    >>> IndexedPrice(Money(120, "EUR")).base_by_percent(Decimal(10)).base_price
    Money('132.00', 'EUR')
    """

    base_price: Money = attrs.field(validator=lambda _i, a, v: _require_price(v, a.name))
    index: Decimal = attrs.field(default=_HUNDRED, converter=_index)

    @property
    def indexed_price(self) -> Money:
        """Base x index / 100, rounded half-up to the currency (1,000 x 110 -> 1,100)."""
        factor = self.index.scaleb(-2, _EXACT)
        return (self.base_price * factor).round(Rounding.HALF_UP)

    def index_by_percent(self, pct: Decimal | int) -> IndexedPrice:
        """Raise the index by ``pct`` percent (110 + 10% -> 121); the base stays.

        Raises:
            InvalidAmountError: (field ``pct``) a float, or a result index <= 0.
        """
        factor = _factor(pct)
        new_index = _multiply(self.index, factor, "pct", pct)
        if new_index <= 0:
            raise InvalidAmountError("pct", pct, "the index would not stay > 0")
        return IndexedPrice(self.base_price, new_index)

    def index_to(self, value: Decimal | int) -> IndexedPrice:
        """Set the index to ``value`` (> 0); the base stays.

        >>> IndexedPrice(Money(100, "EUR")).index_to(105).indexed_price
        Money('105.00', 'EUR')

        Raises:
            InvalidAmountError: (field ``value``) a float or a value <= 0.
        """
        return IndexedPrice(self.base_price, _require_index(value, "value"))

    def base_by_percent(self, pct: Decimal | int) -> IndexedPrice:
        """Raise the base price by ``pct`` percent, rounded half-up (120 + 10% -> 132).

        Raises:
            InvalidAmountError: (field ``pct``) a float, or a negative result base.
        """
        factor = _factor(pct)
        amount = _multiply(self.base_price.amount, factor, "pct", pct)
        if amount < 0:
            raise InvalidAmountError("pct", pct, "the base price would be negative")
        new_base = Money.rounded(amount, self.base_price.currency, Rounding.HALF_UP)
        return IndexedPrice(new_base, self.index)

    def base_to(self, base_price: Money) -> IndexedPrice:
        """Set the base price; the currency cannot change.

        Raises:
            TypeMismatchError: (field ``base_price``) not Money.
            CurrencyMismatchError: (field ``base_price``) another currency.
            InvalidAmountError: (field ``base_price``) negative or unrounded.
        """
        new_base = _require_price(base_price, "base_price")
        if new_base.currency != self.base_price.currency:
            raise CurrencyMismatchError(
                "base_price", self.base_price.currency.code, new_base.currency.code
            )
        return IndexedPrice(new_base, self.index)
