"""The subscription price table and indexing (AX section 5).

The rules:

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

from servicedomain._checks import is_date, is_id, optional, validator
from servicedomain.billing import _dicts
from servicedomain.errors import (
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidInputError,
    TypeMismatchError,
)
from servicedomain.instants import require_date
from servicedomain.money import MAX_FACTOR_DECIMALS, Currency, Money, Rounding, check_factor
from servicedomain.periods import PeriodCode

__all__ = ["IndexedPrice", "PriceEntry", "PriceTable"]

# Index arithmetic is exact: it runs in this context, which traps Inexact.
_EXACT: Final = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)
_HUNDRED: Final = Decimal(100)
# An index from a percentage move: rounded half-up to the supported decimals.
_INDEX_STEP: Final = Decimal(1).scaleb(-MAX_FACTOR_DECIMALS)
_INDEX_ROUNDING: Final = decimal.Context(prec=60, traps=[decimal.InvalidOperation])

# ------------------------------------------------------------------------- price table


def _check_period(value: object, field: str) -> PeriodCode:
    if not isinstance(value, PeriodCode):
        raise TypeMismatchError(
            field, value, f"expected a PeriodCode, e.g. MONTHLY, got {type(value).__name__}"
        )
    return value


_PERIOD: Final = validator(_check_period, "a PeriodCode")
"""A period code (billing's message gives an example)."""
_OPTIONAL_ID: Final = optional(is_id)


def _check_price(value: object, field: str) -> Money:
    if not isinstance(value, Money):
        raise TypeMismatchError(field, value, f"expected Money, got {type(value).__name__}")
    if not value.is_rounded:
        raise InvalidAmountError(field, value, "a price is rounded to the currency's decimals")
    if value.amount < 0:
        raise InvalidAmountError(field, value, "a price is >= 0")
    return value


_PRICE: Final = validator(_check_price, "a price: Money >= 0, rounded")
"""A subscription price: rounded Money >= 0 (an :class:`InvalidAmountError` otherwise)."""


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
        period_code: the period code the price is for.
        price: the price, rounded, >= 0.

    Raises:
        TypeMismatchError: a field has the wrong type (a float price is not Money).
        InvalidInputError: an empty id string.
        InvalidAmountError: (field ``price``) a negative or unrounded price.

    >>> from servicedomain.periods import MONTHLY
    >>> entry = PriceEntry(effective_date=date(2024, 1, 1), category_id=None,
    ...     project_id="P-1", subscription_id=None, period_code=MONTHLY,
    ...     price=Money(500, "EUR"))
    >>> entry.level
    6
    >>> PriceEntry.from_dict(entry.to_dict()) == entry
    True
    """

    effective_date: date = attrs.field(validator=is_date)
    category_id: str | None = attrs.field(validator=_OPTIONAL_ID)
    project_id: str | None = attrs.field(validator=_OPTIONAL_ID)
    subscription_id: str | None = attrs.field(validator=_OPTIONAL_ID)
    period_code: PeriodCode = attrs.field(validator=_PERIOD)
    price: Money = attrs.field(validator=_PRICE)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PriceEntry:
        """Build from a dict such as JSON or TOML gives (the form :meth:`to_dict` writes).

        Keys: ``effective_date`` (ISO date), ``period_code`` (ISO-8601, ``"P1M"``),
        ``price`` (``{"amount": "500.00", "currency": "EUR"}``), and the optional
        ``category_id``, ``project_id``, ``subscription_id`` (omitted or None: any).

        Raises:
            InvalidInputError: naming the missing, unknown or bad key (``field`` is its
                path, e.g. ``"price.amount"``), or as the constructor does.
        """
        return _entry_from_dict(data, "")

    def to_dict(self) -> dict[str, object]:
        """The entry as plain data; a blank key is left out (TOML has no null)."""
        data: dict[str, object] = {"effective_date": self.effective_date.isoformat()}
        for name in _ENTRY_KEYS:
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        data["period_code"] = self.period_code.iso
        data["price"] = _dicts.money_dict(self.price)
        return data

    @property
    def currency(self) -> Currency:
        """The currency of the price."""
        return self.price.currency

    @property
    def level(self) -> int:
        """The catalog's priority, 1 (most specific) to 8 (no key set).

        1 category+project+subscription, 2 project+subscription, 3 category+subscription,
        4 subscription, 5 category+project, 6 project, 7 category, 8 none.

        >>> from servicedomain.periods import MONTHLY
        >>> PriceEntry(effective_date=date(2024, 1, 1), category_id="C", project_id=None,
        ...     subscription_id="S", period_code=MONTHLY, price=Money(1, "EUR")).level
        3
        """
        return _level(self.category_id, self.project_id, self.subscription_id)

    def matches(self, *, subscription_id: str, project_id: str, category_id: str) -> bool:
        """Whether every key set on this entry equals the fee's key."""
        is_id.check(subscription_id, "subscription_id")
        is_id.check(project_id, "project_id")
        is_id.check(category_id, "category_id")
        return (
            (self.category_id is None or self.category_id == category_id)
            and (self.project_id is None or self.project_id == project_id)
            and (self.subscription_id is None or self.subscription_id == subscription_id)
        )


_ENTRY_KEYS: Final = ("category_id", "project_id", "subscription_id")


def _entry_from_dict(data: object, path: str) -> PriceEntry:
    """:meth:`PriceEntry.from_dict`, naming keys under ``path`` (``"entries[2]"``)."""
    given = _dicts.mapping(data, path, "a price entry")
    _dicts.check_keys(
        given,
        kind="PriceEntry",
        required=("effective_date", "period_code", "price"),
        optional=_ENTRY_KEYS,
        path=path,
    )

    def key(name: str) -> str:
        return _dicts.at(path, name)

    return _dicts.located(
        path,
        lambda: PriceEntry(
            effective_date=_dicts.day(given["effective_date"], key("effective_date")),
            category_id=_dicts.optional_text(given.get("category_id"), key("category_id")),
            project_id=_dicts.optional_text(given.get("project_id"), key("project_id")),
            subscription_id=_dicts.optional_text(
                given.get("subscription_id"), key("subscription_id")
            ),
            period_code=_dicts.period_code(given["period_code"], key("period_code")),
            price=_dicts.money(given["price"], key("price")),
        ),
    )


def _level(category_id: str | None, project_id: str | None, subscription_id: str | None) -> int:
    return 1 + (category_id is None) + 2 * (project_id is None) + 4 * (subscription_id is None)


_Key = tuple[PeriodCode, str, str | None, str | None, str | None]


def _key(entry: PriceEntry) -> _Key:
    return (
        entry.period_code,
        entry.currency.code,
        entry.category_id,
        entry.project_id,
        entry.subscription_id,
    )


def _check_entries(value: object, _field: str) -> tuple[PriceEntry, ...]:
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


_ENTRIES: Final = validator(_check_entries, "a tuple of PriceEntry, no two for one slot")


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

    >>> from servicedomain.periods import MONTHLY
    >>> def entry(day, category, price):
    ...     return PriceEntry(effective_date=date(2024, day, 1), category_id=category,
    ...         project_id="P-1", subscription_id=None, period_code=MONTHLY,
    ...         price=Money(price, "EUR"))
    >>> table = PriceTable((entry(1, None, 500), entry(6, "SubCat1", 550)))
    >>> def fee(category, on):
    ...     return table.price(subscription_id="S-1", project_id="P-1",
    ...         category_id=category, period_code=MONTHLY, currency="EUR", on=on)
    >>> fee("SubCat1", date(2024, 6, 1)), fee("SubCat2", date(2024, 6, 1))
    (Money('550.00', 'EUR'), Money('500.00', 'EUR'))
    >>> fee("SubCat1", date(2024, 5, 31))
    Money('500.00', 'EUR')
    >>> PriceTable.from_dict(table.to_dict()) == table
    True
    """

    entries: tuple[PriceEntry, ...] = attrs.field(validator=_ENTRIES)
    _by_key: dict[_Key, tuple[list[date], list[PriceEntry]]] = attrs.field(
        init=False, eq=False, repr=False
    )
    # The subscriptions some entry names; the others need only levels 5 to 8.
    _named: frozenset[str] = attrs.field(init=False, eq=False, repr=False)
    # The levels 5 to 8 of a (period, currency, category, project), found once each.
    _shared: dict[tuple[Any, ...], list[tuple[list[date], list[PriceEntry]]]] = attrs.field(
        init=False, eq=False, repr=False
    )

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PriceTable:
        """Build from a dict such as JSON or TOML gives: ``{"entries": [...]}``.

        Each entry is the form :meth:`PriceEntry.from_dict` reads. Unknown and missing
        keys are refused.

        Raises:
            InvalidInputError: ``field`` is the culprit's path, such as
                ``"entries[2].period_code"`` or ``"entries[1]"`` (an overlap).

        >>> PriceTable.from_dict({"entries": [{"effective_date": "2024-01-01",
        ...     "project_id": "P-1", "period_code": "P1M",
        ...     "price": {"amount": "500.00", "currency": "EUR"}}]}).entries[0].level
        6
        """
        given = _dicts.mapping(data, "", "a price table")
        _dicts.check_keys(given, kind="PriceTable", required=("entries",), optional=(), path="")
        listed = _dicts.items(given["entries"], "entries")
        entries = tuple(
            _entry_from_dict(entry, f"entries[{index}]") for index, entry in enumerate(listed)
        )
        return cls(entries)

    def to_dict(self) -> dict[str, object]:
        """The table as plain data; :meth:`from_dict` reads it back to an equal table."""
        return {"entries": [entry.to_dict() for entry in self.entries]}

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
        period_code: PeriodCode,
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
            subscription_id=is_id.check(subscription_id, "subscription_id"),
            project_id=is_id.check(project_id, "project_id"),
            category_id=is_id.check(category_id, "category_id"),
            period_code=period_code,
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
        period_code: PeriodCode,
        currency: Currency | str,
    ) -> list[date]:
        """Every date on which :meth:`find` may answer differently for this query, sorted.

        The effective dates of all entries under the query's 8 candidate keys: between
        two of them (and before the first) the entry found stays the same, so a billing
        run looks a price up once per step, not once per period.
        """
        candidates = self._candidates(
            subscription_id=is_id.check(subscription_id, "subscription_id"),
            project_id=is_id.check(project_id, "project_id"),
            category_id=is_id.check(category_id, "category_id"),
            period_code=period_code,
            currency=currency,
        )
        return sorted({day for dates, _entries in candidates for day in dates})

    def _candidates(
        self,
        *,
        subscription_id: str,
        project_id: str,
        category_id: str,
        period_code: PeriodCode,
        currency: Currency | str,
    ) -> list[tuple[list[date], list[PriceEntry]]]:
        """The entries (by effective date) under the query's keys, most specific first.

        :meth:`find` is: the first of these with an entry on or before the date.
        """
        code = _PERIOD.check(period_code, "period_code")
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
        period_code: PeriodCode,
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
            period_code=period_code,
            currency=currency,
            on=on,
        )
        if entry is None:
            raise InvalidInputError(
                "price",
                None,
                f"no price entry for subscription {subscription_id!r}, project "
                f"{project_id!r}, category {category_id!r}, period code {period_code}, currency "
                f"{_currency_code(currency)} on {on}",
            )
        return entry.price


# ---------------------------------------------------------------------------- indexing


def _check_number(value: object, field: str) -> Decimal:
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


_NUMBER: Final = validator(_check_number, "an exact number: a Decimal or an int")
"""An exact number in the supported range of factors (an int comes back a Decimal)."""


def _check_index(value: object, field: str) -> Decimal:
    index = _NUMBER.check(value, field)
    if index <= 0:
        raise InvalidAmountError(field, value, "an index is > 0")
    return index


_INDEX: Final = validator(_check_index, "an index: an exact number > 0")
"""A price index: a Decimal or an int > 0 (as a Decimal)."""


def _index(value: Decimal | int) -> Decimal:
    return _INDEX.check(value, "index")


def _factor(pct: object) -> Decimal:
    """``1 + pct / 100``, exactly."""
    percent = _NUMBER.check(pct, "pct")
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

    base_price: Money = attrs.field(validator=_PRICE)
    index: Decimal = attrs.field(default=_HUNDRED, converter=_index)

    @property
    def indexed_price(self) -> Money:
        """Base x index / 100, rounded half-up to the currency (1,000 x 110 -> 1,100)."""
        exact = _EXACT.multiply(self.base_price.amount, self.index.scaleb(-2, _EXACT))
        return Money.rounded(exact, self.base_price.currency, Rounding.HALF_UP)

    def index_by_percent(self, pct: Decimal | int) -> IndexedPrice:
        """Raise the index by ``pct`` percent (110 + 10% -> 121); the base stays.

        The new index is exact, rounded half-up to ``MAX_FACTOR_DECIMALS`` (12)
        decimals when it has more, so that moves can be repeated (each exact move adds
        two decimals).

        Raises:
            InvalidAmountError: (field ``pct``) a float, a result index that rounds
                to <= 0, or one outside the supported range (below 10^15).
        """
        factor = _factor(pct)
        exact = _multiply(self.index, factor, "pct", pct)
        new_index = exact
        exponent = exact.as_tuple().exponent
        assert isinstance(exponent, int)  # finite Decimals have an int exponent
        if exponent < -MAX_FACTOR_DECIMALS:
            new_index = exact.quantize(_INDEX_STEP, decimal.ROUND_HALF_UP, _INDEX_ROUNDING)
        if new_index <= 0:
            raise InvalidAmountError("pct", pct, "the index would not stay > 0")
        try:
            check_factor(new_index, "index", InvalidAmountError)
        except InvalidAmountError:
            raise InvalidAmountError(
                "pct", pct, f"the index {exact} would leave the supported range"
            ) from None
        return IndexedPrice(self.base_price, new_index)

    def index_to(self, value: Decimal | int) -> IndexedPrice:
        """Set the index to ``value`` (> 0); the base stays.

        >>> IndexedPrice(Money(100, "EUR")).index_to(105).indexed_price
        Money('105.00', 'EUR')

        Raises:
            InvalidAmountError: (field ``value``) a float or a value <= 0.
        """
        return IndexedPrice(self.base_price, _INDEX.check(value, "value"))

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
        new_base = _PRICE.check(base_price, "base_price")
        if new_base.currency != self.base_price.currency:
            raise CurrencyMismatchError(
                "base_price", self.base_price.currency.code, new_base.currency.code
            )
        return IndexedPrice(new_base, self.index)
