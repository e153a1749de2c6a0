"""Exact money: currencies, amounts, explicit rounding and allocation.

The rules:

* An amount is a :class:`~decimal.Decimal` (or an ``int``); a ``float``, a ``bool``, NaN,
  an infinity or a string is refused with :class:`~servicedomain.errors.InvalidAmountError`.
* A :class:`Money` you build is always in the currency's minor units (2 decimals for EUR,
  0 for JPY, 3 for KWD). ``Money(Decimal("1.005"), "USD")`` is refused: say how to round
  with :meth:`Money.rounded`.
* Arithmetic is exact. Adding or subtracting amounts of one currency keeps the scale;
  multiplying by a quantity may give more decimals than the currency has (1.5 h x 85.00
  is 127.500, 0.333 x 10.00 is 3.33000) and such a result stays unrounded until you call
  :meth:`Money.round` at a named rounding point (a line total, a fee, an accrual).
* Rounding is explicit, with a :class:`Rounding` mode; the default is
  ``Rounding.HALF_UP`` (half away from zero), as in AX and most ERPs.
* :func:`allocate` splits an amount by weights so that the parts add up to the total
  exactly; proration, accruals and credits are built on it.
* The **supported range**: an amount, a quantity, a factor, a divisor or a weight is
  below 10^15 in magnitude (:data:`MAX_INTEGER_DIGITS` digits before the point); a
  quantity, factor, divisor or weight has at most :data:`MAX_FACTOR_DECIMALS` (12)
  decimals, an amount at most its currency's (at most 18). Within it every product of
  an amount and a factor fits the 60 digits arithmetic keeps exactly; a value outside
  it raises :class:`~servicedomain.errors.InvalidAmountError` (an amount) or
  :class:`~servicedomain.errors.InvalidQuantityError` (a quantity, factor or weight)
  naming the argument, never a bare :mod:`decimal` error.
* ``//`` and ``%`` are refused with :class:`~servicedomain.errors.InvalidOperationError`:
  they would drop or keep a remainder silently. Use :meth:`Money.divide` (rounded) or
  :func:`allocate` (parts that add up).

>>> price = Money(Decimal("85.00"), "EUR")
>>> line = price * Decimal("1.5")
>>> line
Money('127.50', 'EUR')
>>> (price * Decimal("0.333")).round()
Money('28.31', 'EUR')
>>> allocate(Money(Decimal("100.00"), "EUR"), [1, 1, 1])
(Money('33.34', 'EUR'), Money('33.33', 'EUR'), Money('33.33', 'EUR'))
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Final, cast

import attrs

from servicedomain._enums import StrictEnum
from servicedomain.errors import (
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidFormatSpecError,
    InvalidInputError,
    InvalidOperationError,
    InvalidQuantityError,
    InvalidRatiosError,
    TypeMismatchError,
    UnknownCurrencyError,
)
from servicedomain.instants import require_field_name

__all__ = [
    "ISO_4217",
    "MAX_FACTOR_DECIMALS",
    "MAX_INTEGER_DIGITS",
    "Currency",
    "CurrencyTable",
    "Money",
    "Rounding",
    "allocate",
    "check_factor",
]

MAX_INTEGER_DIGITS: Final = 15
"""Amounts, quantities, factors and weights are below ``10 ** MAX_INTEGER_DIGITS``."""
MAX_FACTOR_DECIMALS: Final = 12
"""A quantity, factor, divisor or weight has at most this many decimals."""
_MAX_RESULT_DIGITS: Final = 2 * MAX_INTEGER_DIGITS
_INT_LIMIT: Final = 10**MAX_INTEGER_DIGITS

# Arithmetic on amounts runs in this context, never in the caller's ambient one, and
# traps Inexact: a result that 100 digits cannot hold exactly raises instead of rounding.
# Within the supported range a product takes at most 15 + 18 + 15 + 12 = 60 digits, so
# sums of many products stay exact too.
_EXACT: Final = decimal.Context(
    prec=100,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)
# Division is the one operation that may be inexact; it is always rounded right after.
_DIVISION: Final = decimal.Context(prec=100, rounding=decimal.ROUND_HALF_EVEN)
# Format specs with a precision round in this context (half-up, as amounts do by default).
_FORMATTING: Final = decimal.Context(prec=100, rounding=decimal.ROUND_HALF_UP)

_CODE = re.compile(r"[A-Z]{3}")
# ASCII digits only: str.isdigit() and \d also match Arabic-Indic or full-width digits.
_PLAIN_DECIMAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_MAX_MINOR_UNITS = 18


class Rounding(StrictEnum):
    """How an amount is rounded to the currency's minor units.

    ``HALF_UP`` rounds a half away from zero (1.005 -> 1.01, -1.005 -> -1.01): the ERP
    convention and the default everywhere in servicedomain. ``HALF_EVEN`` is banker's
    rounding. ``DOWN`` truncates toward zero and ``UP`` rounds away from zero.
    """

    HALF_UP = decimal.ROUND_HALF_UP
    HALF_EVEN = decimal.ROUND_HALF_EVEN
    DOWN = decimal.ROUND_DOWN
    UP = decimal.ROUND_UP


def _check_code(code: object, field: str) -> str:
    if not isinstance(code, str) or _CODE.fullmatch(code) is None:
        raise UnknownCurrencyError(
            field, code, "a currency code is three upper-case letters (ISO 4217), e.g. 'EUR'"
        )
    return code


def _check_minor_units(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_MINOR_UNITS:
        raise UnknownCurrencyError(
            "minor_units", value, f"minor units are an int from 0 to {_MAX_MINOR_UNITS}"
        )
    return value


@attrs.frozen(repr=False)
class Currency:
    """A currency: its ISO 4217 code and the number of decimals of its minor unit.

    Build the active ISO currencies with :meth:`Currency.of`; build a host's own
    currency (or an override of an ISO one) directly: ``Currency("XBT", 8)``. Two
    currencies are equal when code and minor units are equal.

    >>> Currency.of("JPY")
    Currency('JPY', 0)
    >>> Currency("XBT", 8).exponent
    -8
    """

    code: str = attrs.field(validator=lambda _i, _a, v: _check_code(v, "code"))
    minor_units: int = attrs.field(validator=lambda _i, _a, v: _check_minor_units(v))
    quantum: Decimal = attrs.field(init=False, eq=False, repr=False)
    """One minor unit as a Decimal (``Decimal('0.01')`` for EUR)."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "quantum", Decimal(1).scaleb(-self.minor_units, _EXACT))

    @classmethod
    def of(cls, code: str, table: CurrencyTable | None = None) -> Currency:
        """Look a currency up by code in ``table`` (default: :data:`ISO_4217`).

        Raises:
            UnknownCurrencyError: the code is malformed (``"usd"``, ``"EUR "``) or not
                in the table.
        """
        if table is not None and not isinstance(table, CurrencyTable):
            raise UnknownCurrencyError("table", table, "expected a CurrencyTable or None")
        return (ISO_4217 if table is None else table).get(code)

    @property
    def exponent(self) -> int:
        """The Decimal exponent of one minor unit (-2 for EUR, 0 for JPY)."""
        return -self.minor_units

    def __repr__(self) -> str:
        return f"Currency({self.code!r}, {self.minor_units})"

    def __str__(self) -> str:
        return self.code


class CurrencyTable:
    """An immutable table of currencies by code.

    :data:`ISO_4217` is the built-in table of active ISO 4217 currencies. A host that
    has its own currencies, or wants other minor units for an ISO one, builds a new
    table; nothing global is changed.

    >>> table = ISO_4217.with_currencies(Currency("XBT", 8))
    >>> table.get("XBT"), "XBT" in ISO_4217
    (Currency('XBT', 8), False)
    """

    __slots__ = ("_by_code",)

    def __init__(self, currencies: Iterable[Currency]) -> None:
        by_code: dict[str, Currency] = {}
        given: object = currencies
        if isinstance(given, str | bytes) or not isinstance(given, Iterable):
            raise UnknownCurrencyError(
                "currencies", currencies, "a currency table is built from Currency values"
            )
        for currency in currencies:
            if not isinstance(currency, Currency):
                raise UnknownCurrencyError(
                    "currencies", currency, "a currency table holds Currency values"
                )
            by_code[currency.code] = currency
        self._by_code = by_code

    def get(self, code: str) -> Currency:
        """The currency with this code.

        Raises:
            UnknownCurrencyError: the code is malformed or not in this table.
        """
        currency = self._by_code.get(_check_code(code, "currency"))
        if currency is None:
            raise UnknownCurrencyError(
                "currency", code, "not an active ISO 4217 code nor a currency of this table"
            )
        return currency

    def with_currencies(self, *currencies: Currency) -> CurrencyTable:
        """A new table with these currencies added (or replacing those with their code)."""
        return CurrencyTable([*self._by_code.values(), *currencies])

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_code)

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __repr__(self) -> str:
        return f"CurrencyTable(<{len(self)} currencies>)"


# Active ISO 4217 currency codes and their minor units (list one, 2026). Codes without
# minor units (precious metals, XDR, test codes) are not money here and are left out.
_ISO_MINOR_UNITS: Final[dict[int, str]] = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
    2: (
        "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN "
        "BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN "
        "ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD "
        "KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR "
        "MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON "
        "RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT "
        "TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
    ),
}

ISO_4217: Final = CurrencyTable(
    Currency(code, units)
    for units, codes in sorted(_ISO_MINOR_UNITS.items())
    for code in codes.split()
)
"""The active ISO 4217 currencies with their minor units."""


def _to_currency(value: Currency | str) -> Currency:
    if isinstance(value, Currency):
        return value
    return ISO_4217.get(value)


def _in_range(value: Decimal) -> bool:
    return value.is_zero() or value.adjusted() < MAX_INTEGER_DIGITS


def _check_amount(value: object, field: str) -> Decimal:
    """An exact, finite Decimal from a Decimal or an int; anything else is refused.

    The magnitude is within the supported range (below 10^15).
    """
    if isinstance(value, bool):
        raise InvalidAmountError(field, value, "a bool is not an amount")
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidAmountError(field, value, "NaN and infinities are not amounts")
        if not _in_range(value):
            raise InvalidAmountError(
                field, value, f"outside the supported range: below 10^{MAX_INTEGER_DIGITS}"
            )
        return value
    if isinstance(value, float):
        raise InvalidAmountError(field, value, "a float is not money; pass a Decimal or an int")
    if isinstance(value, str):
        raise InvalidAmountError(
            field, value, "a string is not an amount; use Money.of() to parse '12.34'"
        )
    raise InvalidAmountError(field, value, f"expected a Decimal or an int, got {type(value)}")


def _amount(value: Decimal | int) -> Decimal:
    return _check_amount(value, "amount")


def check_factor(
    value: object, field: str, error: type[InvalidInputError] = InvalidQuantityError
) -> Decimal:
    """A quantity, factor, divisor or weight as a Decimal within the supported range.

    An int or a finite Decimal below 10^15 in magnitude with at most 12 decimals
    (``MAX_FACTOR_DECIMALS``); ``error`` is the library error raised otherwise.

    Raises:
        InvalidInputError: ``value`` is no such number (as ``error``, naming ``field``).
        TypeMismatchError: ``field`` is not a non-empty str, or ``error`` is not a
            subclass of :class:`~servicedomain.errors.InvalidInputError`.
    """
    require_field_name(field)
    given: object = error  # typed as an error class, yet maybe anything at run time
    if not (isinstance(given, type) and issubclass(given, InvalidInputError)):
        raise TypeMismatchError("error", error, "expected a subclass of InvalidInputError")
    return _factor(value, field, error)


def _factor(value: object, field: str, error: type[InvalidInputError]) -> Decimal:
    """:func:`check_factor` for this module's own calls, whose field and error are known."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise error(field, value, f"expected a Decimal or an int, got {type(value).__name__}")
    number = Decimal(value) if isinstance(value, int) else value
    if not number.is_finite():
        raise error(field, value, "NaN and infinities are not numbers here")
    if not _in_range(number):
        raise error(field, value, f"outside the supported range: below 10^{MAX_INTEGER_DIGITS}")
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite Decimals have an int exponent
    if exponent < -MAX_FACTOR_DECIMALS and number != number.quantize(
        Decimal(1).scaleb(-MAX_FACTOR_DECIMALS), context=_DIVISION
    ):
        raise error(field, value, f"at most {MAX_FACTOR_DECIMALS} decimals are supported")
    return number


def _check_rounding(value: object) -> Rounding:
    if not isinstance(value, Rounding):
        raise InvalidOperationError(
            "rounding", value, "pass a Rounding member, e.g. Rounding.HALF_UP"
        )
    return value


@attrs.frozen(repr=False, eq=True, order=False)
class Money:
    """An exact amount of one currency.

    Args:
        amount: a :class:`~decimal.Decimal` or an ``int``, with no more decimals than
            the currency has (trailing zeros are fine: ``Decimal("1.5")`` EUR is 1.50).
        currency: a :class:`Currency`, or an ISO 4217 code looked up in :data:`ISO_4217`.

    Raises:
        InvalidAmountError: a float, bool, string, NaN or infinity, or too many decimals.
        UnknownCurrencyError: a malformed or unknown code.

    ``==`` between different currencies is ``False``; ``<``, ``+`` and ``-`` between them
    raise :class:`~servicedomain.errors.CurrencyMismatchError`.

    >>> Money(Decimal("10.5"), "EUR") + Money(2, "EUR")
    Money('12.50', 'EUR')
    >>> str(Money(500, "JPY"))
    '500 JPY'
    """

    amount: Decimal = attrs.field(converter=_amount)
    currency: Currency = attrs.field(converter=_to_currency)

    def __attrs_post_init__(self) -> None:
        amount = self.amount
        quantized = amount.quantize(self.currency.quantum, context=_DIVISION)
        if quantized != amount:
            raise InvalidAmountError(
                "amount",
                amount,
                f"{self.currency.code} has {self.currency.minor_units} decimals; "
                "round explicitly with Money.rounded(amount, currency, rounding)",
            )
        object.__setattr__(self, "amount", quantized)

    # ------------------------------------------------------------------ construction

    @classmethod
    def _exact(cls, amount: Decimal, currency: Currency) -> Money:
        """Build from an exact arithmetic result, which may carry extra decimals."""
        if not amount.is_zero() and amount.adjusted() >= _MAX_RESULT_DIGITS:
            raise InvalidAmountError(
                "result",
                amount,
                f"a result beyond 10^{_MAX_RESULT_DIGITS} is outside the supported range",
            )
        money = object.__new__(cls)
        try:
            quantized = amount.quantize(currency.quantum, context=_EXACT)
        except decimal.Inexact:
            quantized = amount
        object.__setattr__(money, "amount", quantized)
        object.__setattr__(money, "currency", currency)
        return money

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: Currency | str) -> Money:
        """Build from a plain decimal string (``"1234.50"``), an int or a Decimal.

        Only a plain ``[-]digits[.digits]`` string is accepted: ``"10,25"``,
        ``"1e3"`` and ``" 5"`` are refused, since their meaning depends on a locale.

        >>> Money.of("19.99", "USD")
        Money('19.99', 'USD')
        """
        if isinstance(amount, str):
            if _PLAIN_DECIMAL.fullmatch(amount) is None:
                raise InvalidAmountError(
                    "amount", amount, "expected a plain decimal string such as '1234.50'"
                )
            return cls(Decimal(amount), currency)
        return cls(amount, currency)

    @classmethod
    def rounded(
        cls,
        amount: Decimal | int,
        currency: Currency | str,
        rounding: Rounding = Rounding.HALF_UP,
    ) -> Money:
        """Build from an amount with any number of decimals, rounding it explicitly.

        >>> Money.rounded(Decimal("1.005"), "USD")
        Money('1.01', 'USD')
        >>> Money.rounded(Decimal("1.005"), "USD", Rounding.HALF_EVEN)
        Money('1.00', 'USD')
        """
        return cls._exact(_check_amount(amount, "amount"), _to_currency(currency)).round(rounding)

    @classmethod
    def zero(cls, currency: Currency | str) -> Money:
        """Zero in this currency."""
        return cls(0, currency)

    @classmethod
    def from_minor_units(cls, units: int, currency: Currency | str) -> Money:
        """Build from an integer count of minor units (cents): 1234 EUR cents is 12.34.

        Exact by construction, so it is also the fast way to make an amount computed in
        minor units (fee proration works in them).

        Raises:
            InvalidAmountError: ``units`` is not an int (a bool is refused), or the
                amount is outside the supported range (below 10^15).
            UnknownCurrencyError: a malformed or unknown currency code.

        >>> Money.from_minor_units(1234, "EUR"), Money.from_minor_units(-5, "KWD")
        (Money('12.34', 'EUR'), Money('-0.005', 'KWD'))
        """
        if isinstance(units, bool) or not isinstance(units, int):
            raise InvalidAmountError("units", units, "minor units are an int")
        resolved = _to_currency(currency)
        if abs(units) >= _INT_LIMIT * 10**resolved.minor_units:
            raise InvalidAmountError(
                "amount", units, f"outside the supported range: below 10^{MAX_INTEGER_DIGITS}"
            )
        return cls._exact(Decimal(units).scaleb(resolved.exponent, _EXACT), resolved)

    @classmethod
    def total(cls, items: Iterable[Money], currency: Currency | str) -> Money:
        """The exact sum of ``items``, all in ``currency``; zero when there are none.

        >>> Money.total([Money(1, "EUR"), Money(Decimal("2.5"), "EUR")], "EUR")
        Money('3.50', 'EUR')
        """
        resolved = _to_currency(currency)
        amount = Decimal(0)
        given: object = items
        if isinstance(given, str | bytes | Money) or not isinstance(given, Iterable):
            raise InvalidOperationError("items", items, "expected an iterable of Money")
        for index, item in enumerate(items):
            if not isinstance(item, Money):
                raise InvalidOperationError(f"items[{index}]", item, "only Money can be summed")
            if item.currency != resolved:
                raise CurrencyMismatchError(f"items[{index}]", resolved.code, item.currency.code)
            amount = _EXACT.add(amount, item.amount)
        return cls._exact(amount, resolved)

    # ---------------------------------------------------------------- inspection

    @property
    def is_rounded(self) -> bool:
        """True when the amount is a whole number of minor units."""
        return self.amount.as_tuple().exponent == self.currency.exponent

    @property
    def minor_units(self) -> int:
        """The amount as an integer count of minor units (requires a rounded amount)."""
        self._require_rounded("minor_units")
        return int(self.amount.scaleb(self.currency.minor_units, context=_EXACT))

    @property
    def is_zero(self) -> bool:
        """True when the amount is zero."""
        return self.amount == 0

    def _require_rounded(self, field: str) -> None:
        if not self.is_rounded:
            raise InvalidAmountError(
                field, self, "the amount has more decimals than its currency; round() it first"
            )

    # ------------------------------------------------------------------ rounding

    def round(self, rounding: Rounding = Rounding.HALF_UP) -> Money:
        """This amount rounded to the currency's minor units with an explicit mode.

        >>> (Money(Decimal("0.10"), "EUR") * Decimal("0.125")).round(Rounding.HALF_UP)
        Money('0.01', 'EUR')
        """
        mode = _check_rounding(rounding)
        quantized = self.amount.quantize(
            self.currency.quantum, rounding=mode.value, context=_DIVISION
        )
        return Money._exact(quantized, self.currency)

    # ---------------------------------------------------------------- arithmetic

    def _same_currency(self, other: object, operation: str) -> Money:
        if not isinstance(other, Money):
            raise InvalidOperationError(
                "other", other, f"{operation} is defined between two Money values only"
            )
        if other.currency != self.currency:
            raise CurrencyMismatchError("other", self.currency.code, other.currency.code)
        return other

    def __add__(self, other: Money) -> Money:
        other = self._same_currency(other, "+")
        return Money._exact(_EXACT.add(self.amount, other.amount), self.currency)

    def __radd__(self, other: object) -> Money:
        # Only so that the builtin sum() works: it starts from the int 0.
        if type(other) is int and other == 0:
            return self
        return self._same_currency(other, "+")

    def __sub__(self, other: Money) -> Money:
        other = self._same_currency(other, "-")
        return Money._exact(_EXACT.subtract(self.amount, other.amount), self.currency)

    def __neg__(self) -> Money:
        return Money._exact(_EXACT.minus(self.amount), self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money._exact(_EXACT.abs(self.amount), self.currency)

    def __mul__(self, quantity: int | Decimal) -> Money:
        if isinstance(cast("object", quantity), Money):
            raise InvalidOperationError(
                "quantity", quantity, "Money x Money has no meaning; multiply by a quantity"
            )
        factor = _factor(quantity, "quantity", InvalidAmountError)
        return Money._exact(_EXACT.multiply(self.amount, factor), self.currency)

    __rmul__ = __mul__

    def __truediv__(self, divisor: object) -> Money:
        raise InvalidOperationError(
            "divisor",
            divisor,
            "division is not exact; use Money.divide(divisor, rounding=...) or allocate()",
        )

    def __floordiv__(self, other: object) -> Money:
        raise InvalidOperationError(
            "divisor", other, "// drops the remainder; use Money.divide(...) or allocate()"
        )

    def __mod__(self, other: object) -> Money:
        raise InvalidOperationError(
            "divisor", other, "% has no meaning for money; use allocate() to split exactly"
        )

    def __divmod__(self, other: object) -> tuple[Money, Money]:
        raise InvalidOperationError(
            "divisor", other, "divmod() has no meaning for money; use allocate()"
        )

    def __rtruediv__(self, other: object) -> Money:
        raise InvalidOperationError("divisor", self, "dividing by money has no meaning")

    __rfloordiv__ = __rtruediv__
    __rmod__ = __rtruediv__

    def __pow__(self, other: object) -> Money:
        raise InvalidOperationError("exponent", other, "a power of money has no meaning")

    def divide(self, divisor: int | Decimal, rounding: Rounding = Rounding.HALF_UP) -> Money:
        """This amount divided by ``divisor``, rounded to minor units with ``rounding``.

        To split an amount into parts that must add up to it, use :func:`allocate`.

        >>> Money(200, "EUR").divide(31) * 2
        Money('12.90', 'EUR')
        """
        value = _factor(divisor, "divisor", InvalidAmountError)
        if value == 0:
            raise InvalidOperationError("divisor", divisor, "division by zero")
        mode = _check_rounding(rounding)
        quotient = _DIVISION.divide(self.amount, value)
        return Money._exact(
            quotient.quantize(self.currency.quantum, rounding=mode.value, context=_DIVISION),
            self.currency,
        )

    def allocate(self, weights: Sequence[int | Decimal]) -> tuple[Money, ...]:
        """Split this amount by ``weights``; see :func:`allocate`."""
        return allocate(self, weights)

    # --------------------------------------------------------------- comparisons

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same_currency(other, "<").amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same_currency(other, "<=").amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same_currency(other, ">").amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same_currency(other, ">=").amount

    def __bool__(self) -> bool:
        return self.amount != 0

    # ----------------------------------------------------------------- rendering

    def __repr__(self) -> str:
        code = self.currency.code
        if code in ISO_4217 and ISO_4217.get(code) == self.currency:
            return f"Money({str(self.amount)!r}, {code!r})"
        return f"Money({str(self.amount)!r}, {self.currency!r})"

    def __str__(self) -> str:
        return f"{self.amount} {self.currency.code}"

    def __format__(self, format_spec: str) -> str:
        """The amount formatted as :class:`~decimal.Decimal` formats it, then the code.

        An empty spec gives ``str(money)``. Any other spec applies to the amount only
        (fill, alignment and width included); the currency code follows after a space,
        as in ``str()``. A precision shorter than the currency's rounds half-up, in a
        fixed context, never the caller's.

        Raises:
            InvalidFormatSpecError: a spec a Decimal cannot be formatted with
                (``"d"``, ``"x"``), or a percentage (``"%"``), which money is not.

        >>> m = Money.of("1234567.5", "EUR")
        >>> f"{m}", f"{m:,}", f"{m:.1f}", f"{m:>14,.2f}"
        ('1234567.50 EUR', '1,234,567.50 EUR', '1234567.5 EUR', '  1,234,567.50 EUR')
        """
        if not isinstance(format_spec, str):
            raise InvalidFormatSpecError("format_spec", format_spec, "expected a str")
        if not format_spec:
            return str(self)
        if format_spec.endswith("%"):
            raise InvalidFormatSpecError(
                "format_spec", format_spec, "money is not a percentage; drop the '%'"
            )
        try:
            with decimal.localcontext(_FORMATTING):
                text = format(self.amount, format_spec)
        except (ValueError, TypeError, decimal.DecimalException) as error:
            raise InvalidFormatSpecError(
                "format_spec", format_spec, f"not a Decimal format spec ({error})"
            ) from None
        return f"{text} {self.currency.code}"


def _integer_weights(weights: Sequence[int | Decimal]) -> list[int]:
    """The weights as integers in the same proportions (Decimals scaled to a common exponent)."""
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence):
        raise InvalidRatiosError("weights", weights, "weights are a sequence of ints or Decimals")
    if len(weights) == 0:
        raise InvalidRatiosError("weights", weights, "at least one weight is needed")
    exponents: list[int] = []
    for index, weight in enumerate(weights):
        if type(weight) is int and 0 <= weight < _INT_LIMIT:
            continue  # the common case, checked in one comparison
        field = f"weights[{index}]"
        if isinstance(weight, bool) or not isinstance(weight, (int, Decimal)):
            raise InvalidRatiosError(field, weight, "a weight is an int or a Decimal")
        _factor(weight, field, InvalidRatiosError)
        if weight < 0:
            raise InvalidRatiosError(field, weight, "a weight is >= 0")
        if isinstance(weight, Decimal):
            # Normalised, so trailing zeros (0E-999999) do not scale the weights up.
            exponent = weight.normalize(_EXACT).as_tuple().exponent
            assert isinstance(exponent, int)  # finite Decimals have an int exponent
            exponents.append(exponent)
    shift = -min([0, *exponents])
    integers = [
        int(weight) * 10**shift if isinstance(weight, int) else int(weight.scaleb(shift, _EXACT))
        for weight in weights
    ]
    if sum(integers) == 0:
        raise InvalidRatiosError("weights", weights, "the weights add up to zero")
    return integers


def allocate(total: Money, weights: Sequence[int | Decimal]) -> tuple[Money, ...]:
    """Split ``total`` into parts proportional to ``weights`` that add up to it exactly.

    The largest-remainder method: each part first gets the whole minor units of its
    exact share (rounded toward zero); the minor units left over go, one each, to the
    parts with the largest fractional remainders. **Tie-break**: among equal remainders
    the part that comes first in ``weights`` is served first. So:

    * the parts sum to ``total`` exactly (no cent lost or created);
    * each part is within one minor unit of its exact share, and a zero weight gets 0;
    * the result depends only on the proportions (``[1, 2]`` and ``[10, 20]`` agree);
    * a negative total is split as its absolute value and negated part by part, so
      ``allocate(-m, w) == [-p for p in allocate(m, w)]``.

    Args:
        total: the amount to split; it must be rounded to minor units.
        weights: ints or Decimals, each >= 0, not all zero.

    Raises:
        InvalidRatiosError: empty, negative, all-zero, float or NaN weights.
        InvalidAmountError: ``total`` is not rounded to minor units.

    >>> allocate(Money(Decimal("-0.05"), "EUR"), [1, 1])
    (Money('-0.03', 'EUR'), Money('-0.02', 'EUR'))
    >>> allocate(Money(100, "JPY"), [Decimal("0.5"), 0, Decimal("0.25")])
    (Money('67', 'JPY'), Money('0', 'JPY'), Money('33', 'JPY'))
    """
    if not isinstance(total, Money):
        raise InvalidAmountError("total", total, "allocate() splits a Money")
    total._require_rounded("total")
    integers = _integer_weights(weights)
    units = total.minor_units
    sign = -1 if units < 0 else 1
    units = abs(units)
    weight_sum = sum(integers)
    parts: list[int] = []
    remainders: list[int] = []
    for weight in integers:
        share, remainder = divmod(units * weight, weight_sum)
        parts.append(share)
        remainders.append(remainder)
    left_over = units - sum(parts)
    if left_over:
        order = sorted(range(len(parts)), key=lambda i: (-remainders[i], i))
        for index in order[:left_over]:
            parts[index] += 1
    currency = total.currency
    exponent = currency.exponent
    return tuple(
        Money._exact(Decimal(sign * part).scaleb(exponent, _EXACT), currency) for part in parts
    )
