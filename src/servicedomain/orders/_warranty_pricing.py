"""Warranty pricing: how a line on a service object under warranty is priced (the host's rule).

A :data:`WarrantyPricing` is any callable that takes a line to add (a
:class:`~servicedomain.orders.NewLine` naming a service object) and the object's
:class:`~servicedomain.repairs.WarrantyStatus` on the line's day, and returns the line
as priced. The host chooses the rule; :func:`no_warranty_pricing` (the default) prices
nothing differently and :func:`free_under_warranty` is the usual one: an item line is a
part, free while the parts coverage holds; an hour line is labour, free while the
labour coverage holds. A rule may lower a sales price, never raise it, and never
changes the cost: the work still costs what it costs (:func:`priced_under_warranty`
checks both for every rule).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Final, TypeAlias

import attrs

from servicedomain._checks import instance_of, is_bool, is_callable, is_date
from servicedomain.errors import InvalidPriceError, TypeMismatchError
from servicedomain.money import Money
from servicedomain.orders._lines import NewLine, TransactionType
from servicedomain.repairs import CoverageKind, WarrantyStatus

WarrantyPricing: TypeAlias = Callable[[NewLine, WarrantyStatus], NewLine]
"""A pricing rule: ``rule(line, status) -> line as priced`` (price lowered, cost kept)."""

_LINE: Final = instance_of(NewLine)
_STATUS: Final = instance_of(WarrantyStatus)

_COVERED_BY: Final = {
    TransactionType.ITEM: CoverageKind.PARTS,
    TransactionType.HOUR: CoverageKind.LABOUR,
}


def no_warranty_pricing(line: NewLine, status: WarrantyStatus) -> NewLine:
    """The default rule: a line is priced the same under warranty or not."""
    _STATUS.check(status, "status")
    return _LINE.check(line, "line")


def free_under_warranty(*, parts: bool = True, labour: bool = True) -> WarrantyPricing:
    """The rule that prices covered work at zero: sales price zero, cost price kept.

    An item line is a part (free when ``parts`` and the parts coverage holds on the
    line's day), an hour line is labour (free when ``labour`` and the labour coverage
    holds); expense and fee lines are never covered.

    Raises:
        TypeMismatchError: ``parts`` or ``labour`` is not a bool.

    >>> from datetime import date
    >>> from servicedomain.money import Money
    >>> from servicedomain.repairs import WarrantyCoverage
    >>> from servicedomain.repairs._warranty import status_on
    >>> card = WarrantyCoverage.inclusive(CoverageKind.PARTS, date(2026, 1, 1), date(2026, 12, 31))
    >>> part = NewLine(transaction_type=TransactionType.ITEM, quantity=1, item_id="GPU",
    ...     cost_price=Money(60, "EUR"), sales_price=Money(80, "EUR"))
    >>> priced = free_under_warranty()(part, status_on([card], date(2026, 3, 2)))
    >>> priced.sales_price, priced.cost_price
    (Money('0.00', 'EUR'), Money('60.00', 'EUR'))
    """
    by_kind = {
        CoverageKind.PARTS: is_bool.check(parts, "parts"),
        CoverageKind.LABOUR: is_bool.check(labour, "labour"),
    }

    def price(line: NewLine, status: WarrantyStatus) -> NewLine:
        _LINE.check(line, "line")
        _STATUS.check(status, "status")
        kind = _COVERED_BY.get(line.transaction_type)
        if kind is None or not by_kind[kind] or not status.covered(kind):
            return line
        return attrs.evolve(line, sales_price=Money(0, line.sales_price.currency))

    return price


def warranty_day(line: NewLine, default: date) -> date:
    """The day a line's warranty is judged on: its transaction date, else ``default``.

    The execution date, else the start of the date range, else the calculated date
    (the date the line posts on), else ``default``.

    Raises:
        TypeMismatchError: ``line`` is not a NewLine, ``default`` not a date.
    """
    _LINE.check(line, "line")
    is_date.check(default, "default")
    for day in (
        line.execution_date,
        None if line.date_range is None else line.date_range.start,
        line.calculated_date,
    ):
        if day is not None:
            return day
    return default


def priced_under_warranty(rule: WarrantyPricing, line: NewLine, status: WarrantyStatus) -> NewLine:
    """``rule(line, status)``, checked: a line, the same but for a sales price not higher.

    Raises:
        TypeMismatchError: the rule returned something other than a NewLine
            (``field`` ``"pricing"``).
        InvalidPriceError: the rule raised the sales price, changed the cost price or
            changed any other field (``field`` ``"pricing"``).
        TypeMismatchError: ``rule`` is not callable, ``line`` not a NewLine,
            ``status`` not a WarrantyStatus.
    """
    is_callable.check(rule, "rule")
    _LINE.check(line, "line")
    _STATUS.check(status, "status")
    priced = rule(line, status)
    if not isinstance(priced, NewLine):
        raise TypeMismatchError("pricing", priced, "a NewLine")
    if attrs.evolve(priced, sales_price=line.sales_price) != line:
        raise InvalidPriceError(
            "pricing", priced, "a warranty pricing rule changes the sales price only"
        )
    if priced.sales_price.currency != line.sales_price.currency or (
        priced.sales_price > line.sales_price
    ):
        raise InvalidPriceError(
            "pricing",
            priced.sales_price,
            f"a warranty pricing rule never raises the price {line.sales_price}",
        )
    return priced
