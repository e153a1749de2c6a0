"""Fee transactions: what a subscription has billed, each with its natural key.

A fee is one of four kinds:

* ``CHARGE``: the price of its days, prorated by days when it covers part of an
  invoicing period (:func:`~servicedomain.billing.prorate`).
* ``REDUCTION_DAYS``: a negative fee removing days from a charge (AX *Reduction days*).
* ``PRICE_CHANGE``: the difference a price change makes to a charge over the rest of its
  period (AX *Price reduction*; positive when the price rises).
* ``CANCELLATION``: a negative fee crediting the days of a charge after the
  subscription's end.

Adjustments (the last three) name the charge they adjust by its period (``adjusts``).
The natural key is (subscription, period, kind), with a revision that tells repeated
price changes of the same days apart (:class:`FeeKey`): a store keeps one fee per key, and a
fee given again with the same key is a no-op when it is equal, an
:class:`~servicedomain.errors.IdempotencyConflictError` when it is not
(:func:`new_fees`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date
from typing import Final, NamedTuple

import attrs

from servicedomain import _trusted
from servicedomain._checks import (
    deep_iterable,
    in_,
    instance_of,
    is_count,
    is_date,
    is_id,
    is_money,
    items,
    iterable,
    optional,
)
from servicedomain._enums import StrictEnum
from servicedomain.errors import (
    CurrencyMismatchError,
    IdempotencyConflictError,
    InvalidAmountError,
    InvalidInputError,
    InvalidPriceError,
    TypeMismatchError,
)
from servicedomain.money import Currency, Money
from servicedomain.periods import DateRange

__all__ = ["FeeKey", "FeeKind", "FeeTransaction", "latest_end", "new_fees"]


class FeeKind(StrictEnum):
    """What a fee transaction is; part of its natural key."""

    CHARGE = "charge"
    REDUCTION_DAYS = "reduction_days"
    PRICE_CHANGE = "price_change"
    CANCELLATION = "cancellation"


class _FeeKeyFields(NamedTuple):
    subscription_id: str
    period: DateRange
    kind: FeeKind
    revision: int = 0


_RANGE: Final = instance_of(DateRange)
_KIND: Final = in_(FeeKind)


class FeeKey(_FeeKeyFields):
    """The natural key of a fee: (subscription, period, kind) and a revision.

    The revision numbers the adjustments of one charge in the order they were made
    (0 for a charge): prices changed twice over days already billed give two fees,
    revisions 0 and 1, each made once however often generation runs.
    """

    __slots__ = ()

    def __new__(
        cls, subscription_id: str, period: DateRange, kind: FeeKind, revision: int = 0
    ) -> FeeKey:
        is_id.check(subscription_id, "subscription_id")
        _RANGE.check(period, "period")
        _KIND.check(kind, "kind")
        is_count.check(revision, "revision")
        return super().__new__(cls, subscription_id, period, kind, revision)

    def __str__(self) -> str:
        text = (
            f"{self.subscription_id}:{self.period.start.isoformat()}:"
            f"{self.period.end.isoformat()}:{self.kind.value}"
        )
        return f"{text}:{self.revision}" if self.revision else text


def _check(fee: FeeTransaction) -> None:
    if fee.price.currency != fee.amount.currency:
        raise CurrencyMismatchError("price", fee.currency.code, fee.price.currency.code)
    if fee.price.amount < 0:
        raise InvalidPriceError("price", fee.price, "a price is >= 0")
    _check_amount(fee)
    if fee.kind is FeeKind.CHARGE:
        if fee.adjusts is not None:
            raise InvalidInputError("adjusts", fee.adjusts, "a charge adjusts no other fee")
        if not fee.billing_period.covers(fee.period):
            raise InvalidInputError(
                "period", fee.period, f"not inside its billing period {fee.billing_period}"
            )
    elif fee.adjusts is None:
        raise InvalidInputError("adjusts", None, f"a {fee.kind.value} fee adjusts a charge")
    if fee.revision and fee.kind is FeeKind.CHARGE:
        raise InvalidInputError("revision", fee.revision, "only adjustments have revisions")


def _check_amount(fee: FeeTransaction) -> None:
    """A charge bills 0 to its price, a cancellation credits 0 to its price (F3, F7).

    Reduction days credit (their amount counts days of the charge at its amount).
    """
    amount, price = fee.amount.amount, fee.price.amount
    if fee.kind is FeeKind.CHARGE:
        if not 0 <= amount <= price:
            raise InvalidAmountError(
                "amount", fee.amount, f"a charge bills between 0 and its price {fee.price}"
            )
    elif fee.kind is FeeKind.CANCELLATION:
        if not -price <= amount <= 0:
            raise InvalidAmountError(
                "amount", fee.amount, f"a cancellation credits between 0 and its price {fee.price}"
            )
    elif fee.kind is FeeKind.REDUCTION_DAYS and amount > 0:
        raise InvalidAmountError("amount", fee.amount, "reduction days credit (amount <= 0)")


# A FeeKey from fields already checked; FeeKey(*fields), which checks them, in checked mode.
_new_key: Callable[[tuple[str, DateRange, FeeKind, int]], FeeKey] = (
    (lambda fields: FeeKey(*fields))
    if _trusted.CHECKED
    else functools.partial(tuple.__new__, FeeKey)
)


@attrs.frozen(kw_only=True, weakref_slot=False)  # no weak references: fast builds
class FeeTransaction:
    """One fee transaction of a subscription (AX subscription fee transaction).

    Attributes:
        subscription_id: the subscription billed.
        kind: charge, reduction days, price change or cancellation.
        period: the days the fee is for (for reduction days: the days removed).
        billing_period: the invoicing period the days belong to.
        amount: the fee, rounded to minor units: a charge between 0 and its price, a
            cancellation between minus its price and 0, reduction days <= 0, a price
            change of either sign.
        price: the price of the whole billing period the amount was computed from
            (the price snapshot credits use), >= 0, in the amount's currency.
        customer_id, project_id, category_id: copied from the subscription.
        due_date: the date from which the fee may be invoiced.
        adjusts: for an adjustment, the period of the charge it adjusts.
        revision: for an adjustment, the number of earlier adjustments of its charge.

    Raises:
        CurrencyMismatchError: (field ``price``) not in the amount's currency.
        InvalidPriceError: (field ``price``) a negative price.
        InvalidAmountError: (field ``amount``) an amount its kind cannot have (above
            the price, or of the wrong sign).
        InvalidInputError: ``adjusts``, ``period`` or ``revision`` do not fit the kind.
    """

    subscription_id: str = attrs.field(validator=is_id)
    kind: FeeKind = attrs.field(validator=_KIND)
    period: DateRange = attrs.field(validator=_RANGE)
    billing_period: DateRange = attrs.field(validator=_RANGE)
    amount: Money = attrs.field(validator=is_money)
    price: Money = attrs.field(validator=is_money)
    customer_id: str = attrs.field(validator=is_id)
    project_id: str = attrs.field(validator=is_id)
    category_id: str = attrs.field(validator=is_id)
    due_date: date = attrs.field(validator=is_date)
    adjusts: DateRange | None = attrs.field(default=None, validator=optional(_RANGE))
    revision: int = attrs.field(default=0, validator=is_count)

    def __attrs_post_init__(self) -> None:
        _check(self)

    @property
    def key(self) -> FeeKey:
        """The natural key (subscription, period, kind)."""
        # The fields of a checked fee: the tuple is built without the checks again
        # (through them in checked mode).
        return _new_key((self.subscription_id, self.period, self.kind, self.revision))

    @functools.cached_property
    def id(self) -> str:
        """The key as text, ``S-1:2024-01-01:2024-02-01:charge``: the fee's id on invoices.

        Computed once per fee (attrs keeps it in a slot of its own, not a field: it takes
        no part in equality, hashing or ``repr``, and fees built on the fast path compute
        it on first use too).
        """
        return str(self.key)

    @property
    def currency(self) -> Currency:
        """The fee's currency."""
        return self.amount.currency

    @property
    def is_adjustment(self) -> bool:
        """True for reduction days, price changes and cancellations."""
        return self.kind is not FeeKind.CHARGE

    @property
    def charge_period(self) -> DateRange:
        """The days of the charge this fee belongs to: a charge's own, an adjustment's ``adjusts``.

        A charge and its adjustments share it (with the subscription, it names the family
        whose sum is what the charge bills).
        """
        return self.period if self.adjusts is None else self.adjusts


_FEES: Final = deep_iterable(instance_of(FeeTransaction), items("FeeTransaction values"))
_ITERABLE_FEES: Final = iterable("FeeTransaction values")


def latest_end(fees: Iterable[FeeTransaction]) -> date | None:
    """The end (exclusive) of the latest charge, or None without one (AX *Latest end date*)."""
    checked = _FEES.check(fees, "fees")
    ends = [fee.period.end for fee in checked if fee.kind is FeeKind.CHARGE]
    return max(ends) if ends else None


def new_fees(
    stored: Iterable[FeeTransaction], given: Iterable[FeeTransaction]
) -> tuple[FeeTransaction, ...]:
    """The fees of ``given`` whose key is not stored yet (a store's idempotent add).

    A given fee equal to the stored one with its key is already done and left out.

    Raises:
        TypeMismatchError: an item is not a FeeTransaction.
        IdempotencyConflictError: a given fee has a stored key with another payload
            (``field`` names the first field that differs), or two given fees share a
            key with different payloads.
    """
    _ITERABLE_FEES.check(stored, "stored")
    _ITERABLE_FEES.check(given, "given")
    # By id: the key as text, one to one with it, computed once per fee and hashed as a str.
    by_id: dict[str, FeeTransaction] = {}
    for position, fee in enumerate(stored):
        if not isinstance(fee, FeeTransaction):
            raise TypeMismatchError(f"stored[{position}]", fee, "expected a FeeTransaction")
        by_id[fee.id] = fee
    fresh: list[FeeTransaction] = []
    for position, fee in enumerate(given):
        if not isinstance(fee, FeeTransaction):
            raise TypeMismatchError(f"given[{position}]", fee, "expected a FeeTransaction")
        known = by_id.get(fee.id)
        if known is None:
            by_id[fee.id] = fee
            fresh.append(fee)
        elif known != fee:
            raise _conflict(known, fee)
    return tuple(fresh)


def _conflict(stored: FeeTransaction, given: FeeTransaction) -> IdempotencyConflictError:
    for field in attrs.fields(FeeTransaction):
        before, after = getattr(stored, field.name), getattr(given, field.name)
        if before != after:
            return IdempotencyConflictError(str(stored.key), field.name, before, after)
    raise AssertionError("unreachable: unequal fees differ in a field")  # pragma: no cover
