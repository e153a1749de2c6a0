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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from itertools import pairwise
from typing import Final

from servicedomain import _trusted
from servicedomain._checks import deep_mapping, in_, is_date, is_money, is_str
from servicedomain._enums import StrictEnum
from servicedomain.billing._adjustments import (
    DayState,
    adjust,
    billed_days,
    credit_within,
    credited_units,
    make_adjustment,
    next_revision,
    open_units,
)
from servicedomain.billing._fees import FeeKind, FeeTransaction
from servicedomain.billing._pricing import IndexedPrice, PriceTable
from servicedomain.billing._proration import _share_units, prorate_units
from servicedomain.billing._subscriptions import BillingTiming, PriceBasis, Subscription
from servicedomain.errors import (
    BillingRuleError,
    CurrencyMismatchError,
    InvalidInputError,
    InvalidSubscriptionError,
    TypeMismatchError,
)
from servicedomain.money import Money
from servicedomain.periods import DateRange, DateRangePool

__all__ = ["FeeRun", "generate_fees", "reduce_days"]

_build_fee = _trusted.builder(FeeTransaction)
_range = _trusted.positional_builder(DateRange)  # start < end, checked
_NEVER = date.max
# Fields in declaration order: subscription_id, kind, period, billing_period, amount,
# price, customer_id, project_id, category_id, due_date, adjusts, revision.
_charge_fee = _trusted.positional_builder(FeeTransaction)


class FeeRun(StrictEnum):
    """AX *Subscription type* of a run over a range: whole periods, or any range."""

    REGULAR = "regular"
    NON_REGULAR = "non_regular"


_RUN: Final = in_(FeeRun)
_CREDITED: Final = deep_mapping(is_str)


def _check_inputs(
    subscription: object, existing: object, prices: object
) -> tuple[Subscription, list[FeeTransaction]]:
    if not isinstance(subscription, Subscription):
        raise TypeMismatchError("subscription", subscription, "expected a Subscription")
    if prices is not None and not isinstance(prices, PriceTable):
        raise TypeMismatchError("prices", prices, "expected a PriceTable or None")
    if type(existing) not in {tuple, list} and (  # the common cases, checked fast
        isinstance(existing, (str, bytes)) or not isinstance(existing, Iterable)
    ):
        raise TypeMismatchError("existing", existing, "expected an iterable of FeeTransaction")
    given: Iterable[object] = existing  # type: ignore[assignment]  # checked above
    fees: list[FeeTransaction] = []
    for position, fee in enumerate(given):
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
    credited_by_fee: Mapping[str, Money] | None = None,
    pool: DateRangePool | None = None,
) -> tuple[FeeTransaction, ...]:
    """The new fees of ``subscription``, given the fees it already has.

    Give exactly one of ``as_of`` (catch-up) and ``within`` (a range run). The result
    is in date order, charges before the adjustments of the same day.

    A run over many subscriptions passes one ``pool`` to every call: the charges'
    periods (and their dates) then come from it, so fees with equal periods share one
    :class:`~servicedomain.periods.DateRange` instead of one each (the fees are equal
    either way; ``BillingDesk.generate_fees`` does this).

    ``credited_by_fee`` says what credit notes already took back of each stored fee, by fee
    id, in the fee's sign (:attr:`~servicedomain.billing.InvoicedItem.credited` of
    the invoiced-item register; ``BillingDesk.generate_fees`` passes it). A
    cancellation, or a lower price, then credits at most what the charge still bills
    after its adjustments and those credits (law F13): a credit note and a
    cancellation credit never stack.

    Raises:
        TypeMismatchError: an argument of the wrong type (``pool`` not a
            :class:`~servicedomain.periods.DateRangePool`).
        InvalidInputError: a fee of another subscription in ``existing``; neither or
            both of ``as_of`` and ``within``.
        CurrencyMismatchError: (field ``credited_by_fee[id]``) a credit in another currency
            than its fee's.
        InvalidSubscriptionError: ``as_of`` before the start date (field ``as_of``); a
            regular run whose range is off the period boundaries (field ``within``).

    >>> from servicedomain.periods import MONTHLY
    >>> sub = Subscription(id="S-1", group_id="G", customer_id="C", project_id="P",
    ...     category_id="FEE", period_code=MONTHLY, base_price=Money(310, "EUR"),
    ...     start_date=date(2024, 1, 1))
    >>> fees = generate_fees(sub, as_of=date(2024, 2, 10))
    >>> [(str(fee.period), str(fee.amount)) for fee in fees]
    [('[2024-01-01, 2024-02-01)', '310.00 EUR'), ('[2024-02-01, 2024-03-01)', '310.00 EUR')]
    >>> generate_fees(sub, fees, as_of=date(2024, 2, 28))
    ()
    """
    sub, fees = _check_inputs(subscription, existing, prices)
    if pool is not None and not isinstance(pool, DateRangePool):
        raise TypeMismatchError("pool", pool, "expected a DateRangePool or None")
    taken = _check_credited(credited_by_fee, fees)
    target = _target(sub, fees, as_of=as_of, within=within, run=run, continuous=continuous)
    made: list[FeeTransaction] = []
    if not fees:  # the first run: one gap, no adjustments, already in order
        if target is not None and sub.active:
            _charges(sub, _Prices(sub, prices), target, made, pool)
        return tuple(made)
    charges = [fee for fee in fees if fee.kind is FeeKind.CHARGE]
    if target is not None and sub.active:
        lookup = _Prices(sub, prices)
        for gap in _gaps(target, charges):
            _charges(sub, lookup, gap, made, pool)
    made.extend(_adjustments(sub, prices, charges, fees, taken))
    made.sort(key=lambda fee: (fee.period.start, fee.kind is not FeeKind.CHARGE))
    return tuple(made)


def _check_credited(credited_by_fee: object, fees: Sequence[FeeTransaction]) -> Mapping[str, Money]:
    """``credited_by_fee`` checked: a mapping of fee ids to rounded Money in the fee's currency."""
    if credited_by_fee is None:
        return {}
    checked: Mapping[str, Money] = _CREDITED.check(credited_by_fee, "credited_by_fee")
    if not checked:
        return checked
    currencies = {fee.id: fee.currency for fee in fees}
    for source, amount in checked.items():
        field = f"credited_by_fee[{source!r}]"
        is_money.check(amount, field)
        currency = currencies.get(source)
        if currency is not None and amount.currency != currency:
            raise CurrencyMismatchError(field, currency.code, amount.currency.code)
    return checked


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
    kind = _RUN.check(run, "run")
    if as_of is not None:
        return _due_through(sub, is_date.check(as_of, "as_of"))
    if not isinstance(within, DateRange):
        raise TypeMismatchError("within", within, "expected a DateRange")
    if kind is FeeRun.REGULAR:
        for day in (within.start, within.end):
            if not (sub.schedule.is_boundary(day) or day == sub._served_end):
                raise InvalidSubscriptionError(
                    "within",
                    within,
                    f"a regular run covers whole periods; {day} is not on a "
                    f"{sub.period_code} period boundary of subscription {sub.id!r}",
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
    if sub._served_end is not None:
        end = min(end, sub._served_end)
    return _range(start, end) if start < end else None


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
        served_end = sub._served_end
        if served_end is not None and served_end <= as_of:
            horizon = served_end
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
            yield _range(cursor, start)
        cursor = end
        if cursor >= target.end:
            return
    if cursor < target.end:
        yield _range(cursor, target.end)


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


class _Prices:
    """The price of a subscription's days, looked up once per step of its price function.

    The price on a date changes only on an effective date of the price table (under the
    subscription's keys) or of the subscription's own price changes; between two such
    dates one lookup serves every period.
    """

    def __init__(self, sub: Subscription, prices: PriceTable | None) -> None:
        self._sub = sub
        self._candidates = (
            []
            if prices is None
            else prices._candidates(
                subscription_id=sub.id,
                project_id=sub.project_id,
                category_id=sub.category_id,
                period_code=sub.period_code,
                currency=sub.currency,
            )
        )
        steps = {change.effective_date for change in sub.price_changes}
        for dates, _entries in self._candidates:
            steps.update(dates)
        self.steps = sorted(steps)
        self._cache: dict[int, Money] = {}

    def step_of(self, day: date) -> int:
        """The number of the step of the price function that holds ``day``."""
        return bisect.bisect_right(self.steps, day)

    def at_step(self, step: int, day: date) -> Money:
        """The price of step ``step``, which holds ``day``."""
        price = self._cache.get(step)
        if price is None:
            price = self._cache[step] = self._price_on(day)
        return price

    def _price_on(self, day: date) -> Money:
        """:meth:`Subscription.price_on`, with the table's keys looked up once."""
        sub = self._sub
        base, index = sub.base_price, sub.index
        for change in sub.price_changes:
            if change.effective_date > day:
                break
            base, index = change.base_price, change.index
        for dates, entries in self._candidates:
            position = bisect.bisect_right(dates, day)
            if position:
                base = entries[position - 1].price
                break
        if sub.price_basis is PriceBasis.BASE_PRICE:
            return base
        return IndexedPrice(base, index).indexed_price

    def on(self, day: date) -> Money:
        """The price on ``day``."""
        return self.at_step(self.step_of(day), day)


def _charges(
    sub: Subscription,
    prices: _Prices,
    gap: DateRange,
    made: list[FeeTransaction],
    pool: DateRangePool | None,
) -> None:
    """Append the charges of ``gap`` to ``made``, in date order.

    The hot path of generation. Periods inside the gap are whole and are built in one
    comprehension per step of the price function; the first and the last period (a
    stub, or clipped by the gap) go through :func:`_charge`.
    """
    if sub.price_changes:
        _charges_with_changes(sub, prices, gap, made)
        return
    bounds = sub.schedule.boundaries(gap)
    count = len(bounds) - 1
    if count < 1:
        return
    first_served = sub.start_date
    first = 1 if bounds[0] < gap.start or bounds[0] == first_served else 0
    stop = count - 1 if bounds[count] > gap.end else count
    if first:
        made.append(_charge(sub, prices, gap, (bounds[0], bounds[1]), pool))
    if first < stop:
        whole = bounds[first : stop + 1]
        periods = (
            [_range(start, end) for start, end in pairwise(whole)]
            if pool is None
            else pool.consecutive(whole)
        )
        _whole_periods(sub, prices, periods, made)
    if stop < count and stop >= first:
        made.append(_charge(sub, prices, gap, (bounds[stop], bounds[stop + 1]), pool))


def _whole_periods(
    sub: Subscription, prices: _Prices, periods: list[DateRange], made: list[FeeTransaction]
) -> None:
    """Append the charges of the whole ``periods`` (consecutive) to ``made``: each costs its price.

    One pass (this loop makes most fees); the due date is the period's own date, so a
    shared period shares its dates too.
    """
    build, charge = _charge_fee, FeeKind.CHARGE
    sub_id, customer, project, category = (
        sub.id,
        sub.customer_id,
        sub.project_id,
        sub.category_id,
    )
    advance = sub.timing is BillingTiming.IN_ADVANCE
    steps = prices.steps
    first = periods[0].start
    step = prices.step_of(first)
    price = prices.at_step(step, first)
    next_step = steps[step] if step < len(steps) else _NEVER
    append = made.append
    for period in periods:
        if period.start >= next_step:
            step = prices.step_of(period.start)
            price = prices.at_step(step, period.start)
            next_step = steps[step] if step < len(steps) else _NEVER
        append(
            build(
                sub_id,
                charge,
                period,
                period,
                price,
                price,
                customer,
                project,
                category,
                period.start if advance else period.end,
                None,
                0,
            )
        )


def _charge(
    sub: Subscription,
    prices: _Prices,
    gap: DateRange,
    bounds: tuple[date, date],
    pool: DateRangePool | None,
) -> FeeTransaction:
    """The charge of the period ``[start, end)`` (``bounds``) within ``gap``: a stub or a piece."""
    first_served = sub.start_date
    start, end = bounds
    period = _range(start, end) if pool is None else pool.get(start, end)
    if start == first_served:
        period = sub.billing_period(period)
    price = prices.on(max(period.start, first_served))
    piece_start, piece_end = max(start, gap.start), min(end, gap.end)
    if piece_start == period.start and piece_end == period.end:
        piece, amount = period, price
    else:
        piece = _range(piece_start, piece_end) if pool is None else pool.get(piece_start, piece_end)
        currency = sub.currency
        units = prorate_units(price.minor_units, piece, period)
        amount = Money.from_minor_units(units, currency)
    advance = sub.timing is BillingTiming.IN_ADVANCE
    fee: FeeTransaction = _charge_fee(
        sub.id,
        FeeKind.CHARGE,
        piece,
        period,
        amount,
        price,
        sub.customer_id,
        sub.project_id,
        sub.category_id,
        piece.start if advance else piece.end,  # the (shared) piece's own dates
        None,
        0,
    )
    return fee


def _charges_with_changes(
    sub: Subscription, prices: _Prices, gap: DateRange, made: list[FeeTransaction]
) -> None:
    """:func:`_charges` for a subscription with price changes: pieces cut at each change."""
    change_dates = [change.effective_date for change in sub.price_changes]
    advance = sub.timing is BillingTiming.IN_ADVANCE
    currency = sub.currency
    for scheduled in sub.schedule.periods(gap):
        period = sub.billing_period(scheduled)
        start, end = max(scheduled.start, gap.start), min(scheduled.end, gap.end)
        cuts = change_dates[
            bisect.bisect_right(change_dates, start) : bisect.bisect_left(change_dates, end)
        ]
        for piece_start, piece_end in zip((start, *cuts), (*cuts, end), strict=True):
            price = prices.on(_price_date(sub, period, piece_start))
            if piece_start == period.start and piece_end == period.end:
                piece, amount = period, price
            else:
                piece = _range(piece_start, piece_end)
                units = prorate_units(price.minor_units, piece, period)
                amount = Money.from_minor_units(units, currency)
            made.append(
                _build_fee(
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
            )


# ----------------------------------------------------------------------- adjustments


def _adjustments(
    sub: Subscription,
    prices: PriceTable | None,
    charges: Sequence[FeeTransaction],
    fees: Sequence[FeeTransaction],
    credited: Mapping[str, Money],
) -> Iterator[FeeTransaction]:
    if not sub.price_changes and sub.end_date is None:
        return
    by_charge: dict[DateRange, list[FeeTransaction]] = {}
    for fee in fees:
        if fee.adjusts is not None:
            by_charge.setdefault(fee.adjusts, []).append(fee)
    change_dates = [change.effective_date for change in sub.price_changes]
    first_change = change_dates[0] if change_dates else None
    for charge in charges:
        end = charge.period.end
        cancelled = sub._served_end is not None and sub._served_end < end
        repriced = first_change is not None and first_change < end
        if not (cancelled or repriced):
            continue
        period = charge.billing_period

        def price_from(day: date, period: DateRange = period) -> Money:
            return sub.price_on(_price_date(sub, period, day), prices)

        served_end = end if sub._served_end is None else min(end, sub._served_end)
        adjustments = by_charge.get(charge.period, [])
        yield from adjust(
            charge,
            adjustments,
            served_end=served_end,
            change_dates=change_dates,
            price_from=price_from,
            credited=credited_units([charge, *adjustments], credited) if credited else 0,
        )


# ---------------------------------------------------------------------- reduction days


def reduce_days(
    subscription: Subscription,
    existing: Iterable[FeeTransaction],
    *,
    charge: FeeTransaction,
    removed: DateRange,
    credited_by_fee: Mapping[str, Money] | None = None,
) -> FeeTransaction:
    """A negative fee removing days from ``charge`` (AX *Reduction days*).

    Only the count of days matters: the fee is ``charge.amount / days of the charge x
    days removed``, rounded half-up (200.00 over 31 days, two days removed: -12.90).
    Days outside the charge's period are ignored (21 Jan to any day after 31 Jan
    removes 11 days of January), and so are days already cancelled; days a price
    change re-priced are removed at their billed price, prorated. Later reductions of
    one charge remove further days; all of them together never remove more than the
    charge still bills. With ``credited_by_fee`` (what credit notes took back of each fee, as
    for :func:`generate_fees`), never more than the charge still bills after those
    credits either (law F13): after a full credit note, the days are removed at 0.00.

    Raises:
        InvalidInputError: ``charge`` is not a stored charge of the subscription, or
            ``removed`` shares no day with it (field ``removed``).
        BillingRuleError: (rule ``fee.reduction_overlaps``) some of these days were
            removed already; (rule ``fee.nothing_to_remove``) none of them is billed.

    >>> from servicedomain.periods import MONTHLY
    >>> sub = Subscription(id="S-1", group_id="G", customer_id="C", project_id="P",
    ...     category_id="FEE", period_code=MONTHLY, base_price=Money(200, "EUR"),
    ...     start_date=date(2024, 3, 1))
    >>> march = generate_fees(sub, as_of=date(2024, 3, 1))
    >>> reduce_days(sub, march, charge=march[0],
    ...     removed=DateRange.inclusive(date(2024, 3, 10), date(2024, 3, 11))).amount
    Money('-12.90', 'EUR')
    """
    sub, fees = _check_inputs(subscription, existing, None)
    taken = _check_credited(credited_by_fee, fees)
    if not isinstance(charge, FeeTransaction):
        raise TypeMismatchError("charge", charge, "expected a FeeTransaction")
    if not isinstance(removed, DateRange):
        raise TypeMismatchError("removed", removed, "expected a DateRange")
    if charge.kind is not FeeKind.CHARGE or charge not in fees:
        raise InvalidInputError("charge", charge.id, f"not a stored charge of {sub.id!r}")
    days = removed.intersection(charge.period)
    if days is None:
        raise InvalidInputError("removed", removed, f"no day of the fee's period {charge.period}")
    adjustments = [fee for fee in fees if fee.adjusts == charge.period]
    stretches = billed_days(charge, adjustments)
    count = before = repriced = billed = 0
    for stretch in stretches:
        low, high = max(stretch.start, days.start), min(stretch.end, days.end)
        inside = max((high - low).days, 0)
        if stretch.state is DayState.REMOVED:
            before += (stretch.end - stretch.start).days
            if inside:
                raise BillingRuleError(
                    charge.id, "fee.reduction_overlaps", f"days from {low} are removed already"
                )
        elif stretch.state is DayState.BILLED and inside:
            billed += inside
            if stretch.price == charge.price:
                count += inside
            else:  # days a price change re-priced: their value at the billed price
                piece = _range(low, high)
                repriced += prorate_units(stretch.price.minor_units, piece, charge.billing_period)
    if not billed:
        raise BillingRuleError(
            charge.id, "fee.nothing_to_remove", f"no billed day in {days} (cancelled already)"
        )
    total = charge.period.days
    units = charge.amount.minor_units
    removed_units = _share_units(units, before + count, total) - _share_units(units, before, total)
    removed_units = credit_within(removed_units + repriced, open_units(charge, adjustments, taken))
    return make_adjustment(
        charge,
        FeeKind.REDUCTION_DAYS,
        days,
        charge.amount,
        -removed_units,
        next_revision(adjustments),
    )
