"""Fee generation (AX *Create subscription fee*): pure, idempotent, catching up.

:func:`generate_fees` takes a subscription, the fees it already has and the price
table, and returns only the new fees:

* **Charges** for every day of the run's target that no charge covers yet, cut at
  invoicing-period boundaries and at the subscription's price changes. A piece of a
  period is prorated by days (:func:`~servicedomain.billing.prorate`), so the pieces of
  a period add up to its fee whatever order they are billed in.

  - ``as_of=``: catch-up. Every day due by that date: in advance, through the end of
    the period that holds it; in arrears, through the last period that ended by it.
    A late run creates every missed period; a run again creates nothing.
  - ``within=``, ``run=NON_REGULAR``: any range; only the gaps are filled (existing
    Nov 1-30, Dec 1-15, Jan 1-31 and a run Nov 1-Feb 28 create Dec 16-31 and
    Feb 1-28).
  - ``within=``, ``run=REGULAR``: the range must start and end on period boundaries.
  - ``continuous=True``: bills nothing when the range starts before the latest end
    date (AX *Continuous*: no gap filling).

* **Adjustments** the subscription's state asks for, whatever the run: a
  ``PRICE_CHANGE`` fee where a charge was billed at a price that a later price change
  replaced (the new price minus the billed one, each prorated over the changed days),
  and a ``CANCELLATION`` credit for the billed days on or after the end date (at the
  billed prices, never more than the charge still holds).

An inactive subscription gets adjustments but no new charges. Nothing here reads the
clock: the date is an argument (law F12).
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal

from servicedomain import _trusted
from servicedomain.billing._fees import FeeKind, FeeTransaction
from servicedomain.billing._pricing import PriceTable
from servicedomain.billing._proration import _share_units, prorate_units
from servicedomain.billing._subscriptions import BillingTiming, Subscription
from servicedomain.errors import (
    BillingRuleError,
    InvalidInputError,
    InvalidSubscriptionError,
    TypeMismatchError,
)
from servicedomain.instants import require_date
from servicedomain.money import Money
from servicedomain.orders._checks import require_enum
from servicedomain.periods import DateRange

__all__ = ["FeeRun", "generate_fees", "reduce_days"]

_build_fee = _trusted._builder(FeeTransaction)


class FeeRun(enum.Enum):
    """AX *Subscription type* of a run over a range: whole periods, or any range."""

    REGULAR = "regular"
    NON_REGULAR = "non_regular"


def _check_inputs(
    subscription: object, existing: object, prices: object
) -> tuple[Subscription, list[FeeTransaction]]:
    if not isinstance(subscription, Subscription):
        raise TypeMismatchError("subscription", subscription, "expected a Subscription")
    if prices is not None and not isinstance(prices, PriceTable):
        raise TypeMismatchError("prices", prices, "expected a PriceTable or None")
    if isinstance(existing, (str, bytes)) or not isinstance(existing, Iterable):
        raise TypeMismatchError("existing", existing, "expected an iterable of FeeTransaction")
    fees: list[FeeTransaction] = []
    for position, fee in enumerate(existing):
        if not isinstance(fee, FeeTransaction):
            raise TypeMismatchError(f"existing[{position}]", fee, "expected a FeeTransaction")
        if fee.subscription_id != subscription.id:
            raise InvalidInputError(
                f"existing[{position}]",
                fee.id,
                f"a fee of another subscription than {subscription.id!r}",
            )
        fees.append(fee)
    return subscription, fees


def generate_fees(
    subscription: Subscription,
    existing: Iterable[FeeTransaction] = (),
    prices: PriceTable | None = None,
    *,
    as_of: date | None = None,
    within: DateRange | None = None,
    run: FeeRun = FeeRun.NON_REGULAR,
    continuous: bool = False,
) -> tuple[FeeTransaction, ...]:
    """The new fees of ``subscription``, given the fees it already has.

    Give exactly one of ``as_of`` (catch-up) and ``within`` (a range run). The result
    is in date order, charges before the adjustments of the same day.

    Raises:
        TypeMismatchError: an argument of the wrong type.
        InvalidInputError: a fee of another subscription in ``existing``; neither or
            both of ``as_of`` and ``within``.
        InvalidSubscriptionError: ``as_of`` before the start date (field ``as_of``); a
            regular run whose range is off the period boundaries (field ``within``).

    >>> from servicedomain.periods import MONTHLY
    >>> sub = Subscription(id="S-1", group_id="G", customer_id="C", project_id="P",
    ...     category_id="FEE", period=MONTHLY, base_price=Money(310, "EUR"),
    ...     start_date=date(2024, 1, 1))
    >>> fees = generate_fees(sub, as_of=date(2024, 2, 10))
    >>> [(str(fee.period), str(fee.amount)) for fee in fees]
    [('[2024-01-01, 2024-02-01)', '310.00 EUR'), ('[2024-02-01, 2024-03-01)', '310.00 EUR')]
    >>> generate_fees(sub, fees, as_of=date(2024, 2, 28))
    ()
    """
    sub, fees = _check_inputs(subscription, existing, prices)
    target = _target(sub, fees, as_of=as_of, within=within, run=run, continuous=continuous)
    charges = [fee for fee in fees if fee.kind is FeeKind.CHARGE]
    made: list[FeeTransaction] = []
    if target is not None and sub.active:
        for gap in _gaps(target, charges):
            made.extend(_charges(sub, prices, gap))
    made.extend(_adjustments(sub, prices, charges, fees))
    made.sort(key=lambda fee: (fee.period.start, fee.kind is not FeeKind.CHARGE))
    return tuple(made)


# ------------------------------------------------------------------------ the target


def _target(
    sub: Subscription,
    fees: Sequence[FeeTransaction],
    *,
    as_of: object,
    within: object,
    run: object,
    continuous: object,
) -> DateRange | None:
    if (as_of is None) == (within is None):
        raise InvalidInputError("as_of", as_of, "give exactly one of as_of and within")
    if not isinstance(continuous, bool):
        raise TypeMismatchError("continuous", continuous, "expected a bool")
    kind = require_enum(run, FeeRun, "run")
    if as_of is not None:
        return _due_through(sub, require_date(as_of, "as_of"))
    if not isinstance(within, DateRange):
        raise TypeMismatchError("within", within, "expected a DateRange")
    if kind is FeeRun.REGULAR:
        for day in (within.start, within.end):
            if not (sub.schedule.is_boundary(day) or day == sub.end_date):
                raise InvalidSubscriptionError(
                    "within",
                    within,
                    f"a regular run covers whole periods; {day} is not on a "
                    f"{sub.period} period boundary of subscription {sub.id!r}",
                )
    if continuous:
        latest = max(
            (fee.period.end for fee in fees if fee.kind is FeeKind.CHARGE),
            default=sub.start_date,
        )
        if within.start < latest:
            return None
    return _clip(sub, within.start, within.end)


def _clip(sub: Subscription, start: date, end: date) -> DateRange | None:
    start = max(start, sub.start_date)
    if sub.end_date is not None:
        end = min(end, sub.end_date)
    return DateRange._trusted(start, end) if start < end else None


def _due_through(sub: Subscription, as_of: date) -> DateRange | None:
    """The days due by ``as_of``: ``[start, horizon)``."""
    if as_of < sub.start_date:
        raise InvalidSubscriptionError(
            "as_of", as_of, f"before subscription {sub.id!r} starts on {sub.start_date}"
        )
    period = sub.schedule.period_containing(as_of)
    if sub.timing is BillingTiming.IN_ADVANCE:
        horizon = period.end
    else:
        horizon = period.start
        if sub.end_date is not None and sub.end_date <= as_of:
            horizon = sub.end_date
    return _clip(sub, sub.start_date, horizon)


def _gaps(target: DateRange, charges: Sequence[FeeTransaction]) -> Iterator[DateRange]:
    """The parts of ``target`` that no charge covers."""
    cursor = target.start
    for start, end in sorted((fee.period.start, fee.period.end) for fee in charges):
        if end <= cursor:
            continue
        if start >= target.end:
            break
        if start > cursor:
            yield DateRange._trusted(cursor, start)
        cursor = end
        if cursor >= target.end:
            return
    if cursor < target.end:
        yield DateRange._trusted(cursor, target.end)


# --------------------------------------------------------------------------- charges


def _price_date(sub: Subscription, period: DateRange, day: date) -> date:
    """The date a segment starting on ``day`` of ``period`` is priced on.

    The period's first served day, or the latest price change on or before ``day``
    when that is later; so the pieces of one price segment share one price (F1).
    """
    priced = max(period.start, sub.start_date)
    for change in sub.price_changes:
        if change.effective_date > day:
            break
        priced = max(priced, change.effective_date)
    return priced


def _charges(
    sub: Subscription, prices: PriceTable | None, gap: DateRange
) -> Iterator[FeeTransaction]:
    change_dates = [change.effective_date for change in sub.price_changes]
    advance = sub.timing is BillingTiming.IN_ADVANCE
    currency = sub.currency
    exponent = currency.exponent
    price_cache: dict[date, tuple[Money, int]] = {}
    for scheduled in sub.schedule._periods(gap):
        period = sub.billing_period(scheduled)
        start, end = max(scheduled.start, gap.start), min(scheduled.end, gap.end)
        cuts = change_dates[
            bisect.bisect_right(change_dates, start) : bisect.bisect_left(change_dates, end)
        ]
        for piece_start, piece_end in zip((start, *cuts), (*cuts, end), strict=True):
            priced = _price_date(sub, period, piece_start)
            cached = price_cache.get(priced)
            if cached is None:
                price = sub.price_on(priced, prices)
                cached = price_cache[priced] = (price, price.minor_units)
            price, units = cached
            piece = DateRange._trusted(piece_start, piece_end)
            if piece_start == period.start and piece_end == period.end:
                amount = price
            else:
                amount = Money._exact(
                    Decimal(prorate_units(units, piece, period)).scaleb(exponent), currency
                )
            yield _build_fee(
                subscription_id=sub.id,
                kind=FeeKind.CHARGE,
                period=piece,
                billing_period=period,
                amount=amount,
                price=price,
                customer_id=sub.customer_id,
                project_id=sub.project_id,
                category_id=sub.category_id,
                due_date=piece_start if advance else piece_end,
                adjusts=None,
                revision=0,
            )


# ----------------------------------------------------------------------- adjustments


def _adjustments(
    sub: Subscription,
    prices: PriceTable | None,
    charges: Sequence[FeeTransaction],
    fees: Sequence[FeeTransaction],
) -> Iterator[FeeTransaction]:
    if not sub.price_changes and sub.end_date is None:
        return
    by_charge: dict[DateRange, list[FeeTransaction]] = {}
    for fee in fees:
        if fee.adjusts is not None:
            by_charge.setdefault(fee.adjusts, []).append(fee)
    first_change = sub.price_changes[0].effective_date if sub.price_changes else None
    for charge in charges:
        end = charge.period.end
        cancelled = sub.end_date is not None and sub.end_date < end
        repriced = first_change is not None and first_change < end
        if cancelled or repriced:
            yield from _adjust_charge(sub, prices, charge, by_charge.get(charge.period, []))


def _billed_rates(
    charge: FeeTransaction, adjustments: Sequence[FeeTransaction]
) -> tuple[list[date], list[Money], date]:
    """The billed price from each date on, and the end of the days still billed."""
    starts, rates = [charge.period.start], [charge.price]
    billed_end = charge.period.end
    for fee in sorted(adjustments, key=lambda fee: (fee.period.start, fee.revision)):
        if fee.kind is FeeKind.PRICE_CHANGE:
            position = bisect.bisect_right(starts, fee.period.start)
            if starts[position - 1] == fee.period.start:
                rates[position - 1] = fee.price
            else:
                starts.insert(position, fee.period.start)
                rates.insert(position, fee.price)
        elif fee.kind is FeeKind.CANCELLATION:
            billed_end = min(billed_end, fee.period.start)
    return starts, rates, billed_end


def _segments(
    starts: Sequence[date], rates: Sequence[Money], span: DateRange
) -> Iterator[tuple[DateRange, Money]]:
    """``span`` cut where the rate changes, with the rate of each piece."""
    position = bisect.bisect_right(starts, span.start) - 1
    cursor = span.start
    while cursor < span.end:
        following = starts[position + 1] if position + 1 < len(starts) else span.end
        piece_end = min(following, span.end)
        yield DateRange._trusted(cursor, piece_end), rates[position]
        cursor, position = piece_end, position + 1


def _adjust_charge(
    sub: Subscription,
    prices: PriceTable | None,
    charge: FeeTransaction,
    adjustments: Sequence[FeeTransaction],
) -> Iterator[FeeTransaction]:
    period = charge.billing_period
    starts, rates, billed_end = _billed_rates(charge, adjustments)
    served_end = billed_end if sub.end_date is None else min(billed_end, sub.end_date)
    served_end = max(served_end, charge.period.start)
    net = Money.total((charge.amount, *(fee.amount for fee in adjustments)), charge.currency)
    # Price changes: where the price now in effect differs from the billed one.
    if served_end > charge.period.start and sub.price_changes:
        cuts = [
            change.effective_date
            for change in sub.price_changes
            if charge.period.start < change.effective_date < served_end
        ]
        for segment_start, segment_end in zip(
            (charge.period.start, *cuts), (*cuts, served_end), strict=True
        ):
            desired = sub.price_on(_price_date(sub, period, segment_start), prices)
            span = DateRange._trusted(segment_start, segment_end)
            for piece, billed in _segments(starts, rates, span):
                if billed == desired:
                    continue
                units = prorate_units(desired.minor_units, piece, period) - prorate_units(
                    billed.minor_units, piece, period
                )
                revision = sum(
                    1
                    for fee in adjustments
                    if fee.kind is FeeKind.PRICE_CHANGE and fee.period == piece
                )
                change = _adjustment(charge, FeeKind.PRICE_CHANGE, piece, desired, units, revision)
                net = net + change.amount
                yield change
    # Cancellation: credit the billed days from the end date on (price changes above
    # touch only the days before it, so the billed rates there are the stored ones).
    if served_end < billed_end:
        span = DateRange._trusted(served_end, billed_end)
        units = sum(
            prorate_units(rate.minor_units, piece, period)
            for piece, rate in _segments(starts, rates, span)
        )
        units = _at_most(units, net.minor_units)
        price = rates[bisect.bisect_right(starts, served_end) - 1]
        yield _adjustment(charge, FeeKind.CANCELLATION, span, price, -units)


def _at_most(credit: int, remaining: int) -> int:
    """A credit never takes a charge past zero (law F7: never more than can be credited)."""
    if remaining >= 0:
        return max(0, min(credit, remaining))
    return min(0, max(credit, remaining))


def _adjustment(  # noqa: PLR0917 (one private constructor of adjustments)
    charge: FeeTransaction,
    kind: FeeKind,
    period: DateRange,
    price: Money,
    units: int,
    revision: int = 0,
) -> FeeTransaction:
    currency = charge.currency
    fee: FeeTransaction = _build_fee(
        subscription_id=charge.subscription_id,
        kind=kind,
        period=period,
        billing_period=charge.billing_period,
        amount=Money._exact(Decimal(units).scaleb(currency.exponent), currency),
        price=price,
        customer_id=charge.customer_id,
        project_id=charge.project_id,
        category_id=charge.category_id,
        due_date=charge.due_date,
        adjusts=charge.period,
        revision=revision,
    )
    return fee


# ---------------------------------------------------------------------- reduction days


def reduce_days(
    subscription: Subscription,
    existing: Iterable[FeeTransaction],
    *,
    charge: FeeTransaction,
    removed: DateRange,
) -> FeeTransaction:
    """A negative fee removing days from ``charge`` (AX *Reduction days*).

    Only the count of days matters: the fee is ``charge.amount / days of the charge x
    days removed``, rounded half-up (200.00 over 31 days, two days removed: -12.90).
    Days outside the charge's period are ignored (21 Jan to any day after 31 Jan
    removes 11 days of January). Later reductions of one charge remove further
    days; all of them together never remove more than the charge.

    Raises:
        InvalidInputError: ``charge`` is not a stored charge of the subscription, or
            ``removed`` shares no day with it (field ``removed``).
        BillingRuleError: (rule ``fee.reduction_overlaps``) these days were removed
            already.

    >>> from servicedomain.periods import MONTHLY
    >>> sub = Subscription(id="S-1", group_id="G", customer_id="C", project_id="P",
    ...     category_id="FEE", period=MONTHLY, base_price=Money(200, "EUR"),
    ...     start_date=date(2024, 3, 1))
    >>> march = generate_fees(sub, as_of=date(2024, 3, 1))
    >>> reduce_days(sub, march, charge=march[0],
    ...     removed=DateRange.inclusive(date(2024, 3, 10), date(2024, 3, 11))).amount
    Money('-12.90', 'EUR')
    """
    sub, fees = _check_inputs(subscription, existing, None)
    if not isinstance(charge, FeeTransaction):
        raise TypeMismatchError("charge", charge, "expected a FeeTransaction")
    if not isinstance(removed, DateRange):
        raise TypeMismatchError("removed", removed, "expected a DateRange")
    if charge.kind is not FeeKind.CHARGE or charge not in fees:
        raise InvalidInputError("charge", charge.id, f"not a stored charge of {sub.id!r}")
    days = removed.intersection(charge.period)
    if days is None:
        raise InvalidInputError("removed", removed, f"no day of the fee's period {charge.period}")
    earlier = [
        fee for fee in fees if fee.kind is FeeKind.REDUCTION_DAYS and fee.adjusts == charge.period
    ]
    for fee in earlier:
        if fee.period.overlaps(days):
            raise BillingRuleError(
                charge.id, "fee.reduction_overlaps", f"the days {fee.period} are removed already"
            )
    total = charge.period.days
    before = sum(fee.period.days for fee in earlier)
    units = charge.amount.minor_units
    removed_units = _share_units(units, before + days.days, total) - _share_units(
        units, before, total
    )
    return _adjustment(charge, FeeKind.REDUCTION_DAYS, days, charge.amount, -removed_units)
