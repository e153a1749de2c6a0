"""Proration of a period's fee by days, so that the pieces of any split add up to it.

The rule: the share of the first ``x`` days of a period of ``n`` days is the fee
allocated between ``x`` days and the ``n - x`` others, i.e.
``allocate(fee, [x, n - x])[0]``, which is ``fee x x / n`` rounded half-up (away from
zero) to the currency's minor units. A piece ``[a, b)`` of the period costs the share
of its end minus the share of its start. So:

* the pieces of any split of a period add up to the fee exactly (F1), and a whole
  period costs the whole fee (F2), whatever the length of the month;
* a piece is within one minor unit of its exact share, never negative for a
  non-negative fee, and never smaller than a piece inside it (F3);
* a piece costs the same whichever other pieces were billed before it, so a gap that
  is filled later (Dec 16-31 after Dec 1-15) completes the month to the cent.

Rounding each piece on its own (what Kill Bill and ERPNext do) breaks the first point:
100.00 over 31 days split into 1, 15 and 15 days rounds to 3.23 + 48.39 + 48.39 =
100.01; here the pieces are 3.23, 48.38 and 48.39.
"""

from __future__ import annotations

from servicedomain.errors import InvalidAmountError, InvalidPeriodError, TypeMismatchError
from servicedomain.money import Money
from servicedomain.periods import DateRange

__all__ = ["days_share", "prorate", "prorate_units"]


def _share_units(units: int, days: int, total_days: int) -> int:
    """``units x days / total_days`` rounded half away from zero, in integers."""
    if units >= 0:
        return (2 * units * days + total_days) // (2 * total_days)
    return -((2 * -units * days + total_days) // (2 * total_days))


def _units(amount: Money, field: str) -> int:
    if not isinstance(amount, Money):
        raise TypeMismatchError(field, amount, "expected Money")
    if not amount.is_rounded:
        raise InvalidAmountError(
            field, amount, "a fee is prorated from an amount rounded to minor units"
        )
    return amount.minor_units


def _money(units: int, like: Money) -> Money:
    currency = like.currency
    return Money.from_minor_units(units, currency)


def days_share(amount: Money, days: int, total_days: int) -> Money:
    """The share of ``days`` out of ``total_days`` of ``amount``: ``amount x days / total``.

    Rounded half-up to minor units; equal to ``allocate(amount, [days, total_days -
    days])[0]``. This is AX's reduction-days rule (only the count of days matters).

    Raises:
        TypeMismatchError: ``amount`` is not Money or a count is not an int.
        InvalidAmountError: ``amount`` is not rounded to minor units.
        InvalidPeriodError: ``total_days`` < 1 or ``days`` outside ``0..total_days``.

    >>> days_share(Money(200, "EUR"), 2, 31)
    Money('12.90', 'EUR')
    """
    units = _units(amount, "amount")
    for field, value in (("days", days), ("total_days", total_days)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeMismatchError(field, value, "a count of days is an int")
    if total_days < 1:
        raise InvalidPeriodError("total_days", total_days, "a period has at least one day")
    if not 0 <= days <= total_days:
        raise InvalidPeriodError("days", days, f"must be between 0 and {total_days}")
    return _money(_share_units(units, days, total_days), amount)


def prorate(price: Money, piece: DateRange, period: DateRange) -> Money:
    """The part of ``price`` (the price of the whole ``period``) that ``piece`` costs.

    Raises:
        TypeMismatchError: ``price`` is not Money, or a range is not a DateRange.
        InvalidAmountError: ``price`` is not rounded to minor units.
        InvalidPeriodError: ``piece`` is not inside ``period``.

    >>> from datetime import date
    >>> december = DateRange.inclusive(date(2024, 12, 1), date(2024, 12, 31))
    >>> first = prorate(Money(100, "EUR"), DateRange.inclusive(date(2024, 12, 1),
    ...     date(2024, 12, 15)), december)
    >>> rest = prorate(Money(100, "EUR"), DateRange.inclusive(date(2024, 12, 16),
    ...     date(2024, 12, 31)), december)
    >>> first, rest, first + rest
    (Money('48.39', 'EUR'), Money('51.61', 'EUR'), Money('100.00', 'EUR'))
    """
    units = _units(price, "price")
    for field, value in (("piece", piece), ("period", period)):
        if not isinstance(value, DateRange):
            raise TypeMismatchError(field, value, "expected a DateRange")
    if not period.covers(piece):
        raise InvalidPeriodError("piece", piece, f"is not inside the period {period}")
    return _money(prorate_units(units, piece, period), price)


def prorate_units(units: int, piece: DateRange, period: DateRange) -> int:
    """:func:`prorate` in minor units, without checks (for loops over checked values)."""
    total = (period.end - period.start).days
    if piece.start == period.start and piece.end == period.end:
        return units
    before = (piece.start - period.start).days
    through = (piece.end - period.start).days
    return _share_units(units, through, total) - _share_units(units, before, total)
