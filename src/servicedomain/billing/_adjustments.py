"""Adjustments of a billed charge: what each of its days is billed at, replayed from its fees.

A charge bills every day of its period at its price. Each later adjustment of the
charge has a revision (0, 1, 2, ... in the order they were made) and changes some of
its days:

* a ``PRICE_CHANGE`` bills its days at its price instead;
* a ``CANCELLATION`` credits its days (no longer served);
* a ``REDUCTION_DAYS`` removes its days (AX's amount depends on the count only).

Replaying them in revision order gives, for every day, the price it is billed at and
whether it is still billed (:func:`billed_days`). From that, generation makes the next
adjustments: price changes where the price now in effect differs, a cancellation
credit for billed days on or after the end date; ``reduce_days`` removes only billed
days. Each amount is a difference of prorated shares of the charge's billing period,
so a charge and its adjustments net the time-weighted sum of its prices (F9) and a
cancellation leaves exactly the served days billed (F7).

**Credit notes** (law F13). A credit note takes back an amount of an invoiced fee, not
days. What a charge still bills is its *open* amount: the charge and its adjustments,
less what credit notes took back of any of them (``credited``, by fee id, in each
fee's sign, from the invoiced-item register). A credit, from generation (a
cancellation, reduction days, a lower price) or from a credit note, never takes the
open amount past zero (:func:`credit_within`): so a cancellation after a full credit
note credits nothing more (a zero cancellation fee that only marks the days
cancelled), after a partial one at most what is left open, and a credit note after a
cancellation at most what the cancellation left (:func:`open_units`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date

import attrs

from servicedomain import _trusted
from servicedomain._enums import StrictEnum
from servicedomain.billing._fees import FeeKind, FeeTransaction
from servicedomain.billing._proration import prorate_units
from servicedomain.money import Money
from servicedomain.periods import DateRange

__all__ = [
    "DayState",
    "Stretch",
    "adjust",
    "billed_days",
    "credit_within",
    "credited_units",
    "make_adjustment",
    "net_units",
    "next_revision",
    "open_units",
]

_build_fee = _trusted.builder(FeeTransaction)
_range = _trusted.positional_builder(DateRange)


class DayState(StrictEnum):
    """What happened to a day of a charge."""

    BILLED = "billed"
    CANCELLED = "cancelled"
    REMOVED = "removed"


@attrs.frozen
class Stretch:
    """Consecutive days of a charge with one state and one billed price."""

    start: date
    end: date
    price: Money
    state: DayState


_STATE_OF = {
    FeeKind.CANCELLATION: DayState.CANCELLED,
    FeeKind.REDUCTION_DAYS: DayState.REMOVED,
}


def _order(fee: FeeTransaction) -> tuple[int, date]:
    return (fee.revision, fee.period.start)


def billed_days(charge: FeeTransaction, adjustments: Iterable[FeeTransaction]) -> list[Stretch]:
    """The charge's days as stretches, after replaying its adjustments in revision order."""
    stretches = [Stretch(charge.period.start, charge.period.end, charge.price, DayState.BILLED)]
    for fee in sorted(adjustments, key=_order):
        changed: list[Stretch] = []
        low, high = fee.period.start, fee.period.end
        for stretch in stretches:
            if stretch.end <= low or stretch.start >= high or stretch.state is not DayState.BILLED:
                changed.append(stretch)
                continue
            if stretch.start < low:
                changed.append(attrs.evolve(stretch, end=low))
            inner = attrs.evolve(stretch, start=max(stretch.start, low), end=min(stretch.end, high))
            if fee.kind is FeeKind.PRICE_CHANGE:
                changed.append(attrs.evolve(inner, price=fee.price))
            else:
                changed.append(attrs.evolve(inner, state=_STATE_OF[fee.kind]))
            if stretch.end > high:
                changed.append(attrs.evolve(stretch, start=high))
        stretches = changed
    return stretches


def next_revision(adjustments: Iterable[FeeTransaction]) -> int:
    """The revision the next adjustment of a charge gets."""
    return max((fee.revision for fee in adjustments), default=-1) + 1


def make_adjustment(  # noqa: PLR0917 (the one constructor of adjustments)
    charge: FeeTransaction,
    kind: FeeKind,
    period: DateRange,
    price: Money,
    units: int,
    revision: int,
) -> FeeTransaction:
    """An adjustment of ``charge`` from fields derived from validated values."""
    currency = charge.currency
    fee: FeeTransaction = _build_fee(
        subscription_id=charge.subscription_id,
        kind=kind,
        period=period,
        billing_period=charge.billing_period,
        amount=Money.from_minor_units(units, currency),
        price=price,
        customer_id=charge.customer_id,
        project_id=charge.project_id,
        category_id=charge.category_id,
        due_date=charge.due_date,
        adjusts=charge.period,
        revision=revision,
    )
    return fee


def _cut(stretches: Sequence[Stretch], at: Sequence[date]) -> Iterator[Stretch]:
    """The stretches, also cut at the dates ``at``."""
    for stretch in stretches:
        start = stretch.start
        for day in at:
            if start < day < stretch.end:
                yield attrs.evolve(stretch, start=start, end=day)
                start = day
        yield attrs.evolve(stretch, start=start)


def adjust(
    charge: FeeTransaction,
    adjustments: Sequence[FeeTransaction],
    *,
    served_end: date,
    change_dates: Sequence[date],
    price_from: Callable[[date], Money],
    credited: int = 0,
) -> list[FeeTransaction]:
    """The adjustments ``charge`` needs now, with the next revisions.

    Args:
        charge: a stored charge.
        adjustments: its stored adjustments.
        served_end: the first day no longer served (the day after the subscription's
            end date, or the charge's end).
        change_dates: the dates the subscription's own price changes.
        price_from: the price now in effect for days from a date on (to the next
            change date).
        credited: what credit notes took back of the charge and its adjustments, in
            minor units (see :func:`open_units`); no credit made here goes past it.
    """
    period = charge.billing_period
    stretches = billed_days(charge, adjustments)
    revision = next_revision(adjustments)
    made: list[FeeTransaction] = []
    net = net_units(charge, adjustments) - credited
    for stretch in _cut(stretches, change_dates):
        if stretch.state is not DayState.BILLED or stretch.start >= served_end:
            continue
        piece = _range(stretch.start, min(stretch.end, served_end))
        wanted = price_from(piece.start)
        if wanted == stretch.price:
            continue
        units = prorate_units(wanted.minor_units, piece, period) - prorate_units(
            stretch.price.minor_units, piece, period
        )
        if units < 0:  # a lower price credits at most what is still open
            units = -credit_within(-units, net)
        made.append(make_adjustment(charge, FeeKind.PRICE_CHANGE, piece, wanted, units, revision))
        net += units
        revision += 1
    for stretch in stretches:
        if stretch.state is not DayState.BILLED or stretch.end <= served_end:
            continue
        piece = _range(max(stretch.start, served_end), stretch.end)
        units = prorate_units(stretch.price.minor_units, piece, period)
        units = credit_within(units, net)
        made.append(
            make_adjustment(charge, FeeKind.CANCELLATION, piece, stretch.price, -units, revision)
        )
        net -= units
        revision += 1
    return made


def net_units(charge: FeeTransaction, adjustments: Iterable[FeeTransaction]) -> int:
    """What ``charge`` still bills after its ``adjustments``, in minor units."""
    return charge.amount.minor_units + sum(fee.amount.minor_units for fee in adjustments)


def open_units(
    charge: FeeTransaction,
    adjustments: Iterable[FeeTransaction],
    credited: Mapping[str, Money] | None,
) -> int:
    """What ``charge`` still bills after its adjustments and credit notes, in minor units.

    ``credited`` maps fee ids to what credit notes took back of them (in each fee's
    sign, :attr:`~servicedomain.billing.InvoicedItem.credited`); fees not in it had
    nothing credited.
    """
    family = [charge, *adjustments]
    net = sum(fee.amount.minor_units for fee in family)
    if credited:
        net -= credited_units(family, credited)
    return net


def credited_units(fees: Iterable[FeeTransaction], credited: Mapping[str, Money]) -> int:
    """What credit notes took back of ``fees``, in minor units (each in its fee's sign)."""
    total = 0
    for fee in fees:
        taken = credited.get(fee.id)
        if taken is not None:
            total += taken.minor_units
    return total


def credit_within(credit: int, remaining: int) -> int:
    """A credit never takes a charge past zero (never more than can be credited)."""
    if remaining >= 0:
        return max(0, min(credit, remaining))
    return min(0, max(credit, remaining))
