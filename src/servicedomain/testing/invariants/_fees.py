"""The fee and proration laws (F1-F7, F9, F12, M5, P3) and the checks' shared parts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from itertools import pairwise
from typing import Final

from servicedomain.billing import (
    BillingTiming,
    FeeKind,
    FeeRun,
    FeeTransaction,
    PriceTable,
    Subscription,
    generate_fees,
    new_fees,
    prorate,
)
from servicedomain.errors import IdempotencyConflictError, InvalidInputError
from servicedomain.money import Currency, Money
from servicedomain.periods import Alignment, DateRange, Schedule

__all__ = [
    "LawViolation",
    "billing_horizon",
    "invoicing_period",
    "check_split_additivity",
    "check_whole_period",
    "check_proration_bounds",
    "check_whole_period_charges",
    "check_idempotent",
    "check_catch_up",
    "check_no_gaps_no_overlaps",
    "check_cancellation_credit",
    "check_time_weighted",
    "check_same_net",
    "check_purity",
    "check_amounts_exact",
    "check_unique_keys",
    "check_fee_laws",
]

# Day 1 of year 1 is a Monday and a January 1st: a boundary of every calendar grid.
_CALENDAR_ORIGIN: Final = date(1, 1, 1)
_MAX_LISTED: Final = 6


class LawViolation(AssertionError):  # noqa: N818 (a failed law reads better than "Error")
    """A law does not hold.

    Attributes:
        law: the law's name in ``invariants.md`` (``"F4"``, ``"M5"``, ``"P3"``...).
        detail: what is wrong, in words.
        fees: the offending fees (possibly empty).
    """

    def __init__(self, law: str, detail: str, fees: Iterable[FeeTransaction] = ()) -> None:
        self.law = law
        self.detail = detail
        self.fees = tuple(fees)
        lines = [f"law {law} violated: {detail}"]
        lines.extend(f"  {fee.id} amount={fee.amount} price={fee.price}" for fee in self.fees)
        super().__init__("\n".join(lines))


def _show(fees: Iterable[FeeTransaction]) -> list[FeeTransaction]:
    """At most a few fees, for a readable message."""
    return list(fees)[:_MAX_LISTED]


# ----------------------------------------------------------------------------- oracles


def invoicing_period(subscription: Subscription, day: date) -> DateRange:
    """The whole invoicing period of ``subscription`` that holds ``day``.

    Anchored subscriptions: the schedule's period. Calendar-aligned ones: the calendar
    period (month, quarter, year, ISO week, day), also for the days of the first stub
    period, which is a prorated part of its calendar period. This is the period a
    charge is prorated over.

    Raises:
        InvalidPeriodError: ``day`` is before the subscription's start.

    >>> from servicedomain.money import Money
    >>> from servicedomain.periods import QUARTERLY
    >>> sub = Subscription(id="S", group_id="G", customer_id="C", project_id="P",
    ...     category_id="F", period_code=QUARTERLY, base_price=Money(300, "EUR"),
    ...     start_date=date(2024, 2, 15), alignment=Alignment.CALENDAR)
    >>> print(invoicing_period(sub, date(2024, 2, 15)))
    [2024-01-01, 2024-04-01)
    """
    period = subscription.schedule.period_containing(day)
    if subscription.alignment is Alignment.CALENDAR:
        grid = Schedule(subscription.period_code, _CALENDAR_ORIGIN, Alignment.CALENDAR)
        return grid.period_containing(day)
    return period


_ONE_DAY = timedelta(days=1)


def billing_horizon(subscription: Subscription, as_of: date) -> date:
    """The last day (inclusive) a run ``as_of`` bills: it bills ``[start, horizon]``.

    In advance: through the last day of the period that holds ``as_of``. In arrears:
    through the day before that period, or through the end date once it is passed.
    Never after the end date; the day before the start date when nothing is due. Pass
    it as ``through`` to :func:`check_fee_laws` and :func:`check_no_gaps_no_overlaps`.

    Raises:
        InvalidPeriodError: ``as_of`` is before the subscription's start.

    >>> from servicedomain.money import Money
    >>> from servicedomain.periods import MONTHLY
    >>> sub = Subscription(id="S", group_id="G", customer_id="C", project_id="P",
    ...     category_id="F", period_code=MONTHLY, base_price=Money(10, "EUR"),
    ...     start_date=date(2024, 1, 31))
    >>> billing_horizon(sub, date(2024, 3, 1))
    datetime.date(2024, 3, 30)
    """
    period = subscription.schedule.period_containing(as_of)
    end = _served_end(subscription)
    if subscription.timing is BillingTiming.IN_ADVANCE:
        horizon = period.end
    else:
        horizon = period.start
        if end is not None and end <= as_of:
            horizon = end
    if end is not None:
        horizon = min(horizon, end)
    return max(horizon, subscription.start_date) - _ONE_DAY


def _served(subscription: Subscription) -> DateRange:
    served = subscription.served
    return DateRange(subscription.start_date, date.max) if served is None else served


def _served_end(subscription: Subscription) -> date | None:
    """The first day no longer served (``end_date`` is the last one), or None."""
    served = subscription.served
    return None if served is None else served.end


def _total(amounts: Iterable[Money], currency: Currency) -> Money:
    return Money.total(amounts, currency)


# --------------------------------------------------------------------------- proration


def check_split_additivity(price: Money, period: DateRange, split_points: Iterable[date]) -> None:
    """F1: the pieces of any split of ``period`` cost ``price`` together, to the cent.

    Args:
        price: the price of the whole period (rounded to minor units).
        period: the period.
        split_points: days inside ``[period.start, period.end]``; ends and repeats cut
            nothing.

    Raises:
        LawViolation: the prorated pieces do not add up to ``price``.
    """
    pieces = period.split_at(*split_points)
    shares = [prorate(price, piece, period) for piece in pieces]
    total = _total(shares, price.currency)
    if total != price:
        detail = ", ".join(f"{piece}={share}" for piece, share in zip(pieces, shares, strict=True))
        raise LawViolation("F1", f"{price} over {period} split into {detail} sums to {total}")


def check_whole_period(price: Money, period: DateRange) -> None:
    """F2: billing exactly one whole period costs exactly its price.

    Raises:
        LawViolation: ``prorate(price, period, period) != price``.
    """
    whole = prorate(price, period, period)
    if whole != price:
        raise LawViolation("F2", f"the whole period {period} at {price} costs {whole}")


def check_proration_bounds(
    price: Money, period: DateRange, pieces: Iterable[DateRange] | None = None
) -> None:
    """F3: a piece costs between 0 and ``price``, and more days never cost less.

    For a negative price (a credit) the bounds are mirrored: between ``price`` and 0, and
    more days never credit less. Without ``pieces``, every prefix, every suffix and
    every single day of ``period`` is checked (linear in its days); given pieces are
    checked too, each against the piece one day longer on either side.

    Raises:
        LawViolation: a piece is out of bounds, or a longer piece costs less.
    """
    sign = -1 if price.amount < 0 else 1
    zero = Money.zero(price.currency)
    one_day = timedelta(days=1)

    def cost(piece: DateRange) -> Money:
        share = prorate(price, piece, period)
        low, high = (zero, price) if sign > 0 else (price, zero)
        if not low <= share <= high:
            raise LawViolation("F3", f"{piece} of {period} at {price} costs {share}")
        return share

    def grows(smaller: DateRange, larger: DateRange) -> None:
        small, large = cost(smaller), cost(larger)
        if (large.amount - small.amount) * sign < 0:
            raise LawViolation(
                "F3", f"{larger} costs {large}, less than {smaller} inside it ({small})"
            )

    days = [period.start + timedelta(days=k) for k in range(period.days + 1)]
    previous: Money | None = None
    for end in days[1:]:
        share = cost(DateRange(period.start, end))
        if previous is not None and (share.amount - previous.amount) * sign < 0:
            raise LawViolation("F3", f"the prefix of {period} ending {end} costs less")
        previous = share
    previous = None
    for start in reversed(days[:-1]):
        share = cost(DateRange(start, period.end))
        if previous is not None and (share.amount - previous.amount) * sign < 0:
            raise LawViolation("F3", f"the suffix of {period} from {start} costs less")
        previous = share
    for start in days[:-1]:
        cost(DateRange(start, start + one_day))
    for piece in pieces or ():
        if piece.start > period.start:
            grows(piece, DateRange(piece.start - one_day, piece.end))
        if piece.end < period.end:
            grows(piece, DateRange(piece.start, piece.end + one_day))
        cost(piece)


# ---------------------------------------------------------------------- generated fees


def check_whole_period_charges(fees: Iterable[FeeTransaction]) -> None:
    """F2 on generated fees: a charge of its whole billing period costs its price.

    Also F3 on them: a charge of a part of its period costs between 0 and its price.

    Raises:
        LawViolation: a charge breaks either rule.
    """
    for fee in fees:
        if fee.kind is not FeeKind.CHARGE:
            continue
        if fee.period == fee.billing_period and fee.amount != fee.price:
            raise LawViolation("F2", "a whole-period charge does not cost its price", [fee])
        low, high = sorted((Money.zero(fee.currency), fee.price), key=lambda money: money.amount)
        if not low <= fee.amount <= high:
            raise LawViolation("F3", "a charge costs more than its period's price", [fee])


def check_unique_keys(fees: Iterable[FeeTransaction]) -> None:
    """P3: no two fees share a natural key (subscription, period, kind).

    Raises:
        LawViolation: naming the fees that share a key.
    """
    by_key: dict[object, list[FeeTransaction]] = {}
    for fee in fees:
        by_key.setdefault(fee.key, []).append(fee)
    for key, same in by_key.items():
        if len(same) > 1:
            raise LawViolation("P3", f"{len(same)} fees share the key {key}", same)


def check_amounts_exact(fees: Iterable[FeeTransaction]) -> None:
    """M5: every amount and price is a whole number of minor units of the fee's currency.

    The Decimal exponent must equal the currency's (JPY 0, EUR 2, KWD 3), and the
    amount and the price share one currency.

    Raises:
        LawViolation: naming the fee.
    """
    for fee in fees:
        for name, money in (("amount", fee.amount), ("price", fee.price)):
            exponent = money.amount.as_tuple().exponent
            if exponent != money.currency.exponent:
                raise LawViolation(
                    "M5",
                    f"the {name} {money.amount!r} has exponent {exponent}, "
                    f"{money.currency.code} has {money.currency.exponent}",
                    [fee],
                )
        if fee.price.currency != fee.amount.currency:
            raise LawViolation("M5", "the price and the amount differ in currency", [fee])


def _adjusted(fees: Sequence[FeeTransaction]) -> dict[DateRange, list[FeeTransaction]]:
    by_charge: dict[DateRange, list[FeeTransaction]] = {}
    for fee in fees:
        if fee.adjusts is not None:
            by_charge.setdefault(fee.adjusts, []).append(fee)
    return by_charge


def _subtract(span: DateRange, holes: Iterable[DateRange]) -> list[DateRange]:
    pieces = [span]
    for hole in holes:
        kept: list[DateRange] = []
        for piece in pieces:
            if not piece.overlaps(hole):
                kept.append(piece)
                continue
            if piece.start < hole.start:
                kept.append(DateRange(piece.start, hole.start))
            if hole.end < piece.end:
                kept.append(DateRange(hole.end, piece.end))
        pieces = kept
    return pieces


def check_no_gaps_no_overlaps(
    subscription: Subscription, fees: Iterable[FeeTransaction], *, through: date
) -> None:
    """F6: the net billed days tile ``[start, min(end_date, through)]`` exactly.

    The net billed intervals are the charges' periods minus the ranges their
    cancellation credits took back, and minus days removed by reduction days on or
    after the end date (a cancellation credits only the days still billed; days
    removed before the end are served at a reduced fee and stay in). They must be
    pairwise disjoint, and their union must be exactly the days from ``start_date`` to
    ``min(end_date, through)``, both included (``end_date`` is the last day served).
    Every adjustment must name a charge among ``fees`` and lie inside it, and no day of
    a charge is credited twice.

    Args:
        subscription: the subscription, in its current state (active through the runs).
        fees: all of its fees.
        through: the last day (inclusive) of the billed horizon, e.g.
            :func:`billing_horizon` of the last run's ``as_of``.

    Raises:
        LawViolation: naming the fees around the gap or overlap.
    """
    all_fees = tuple(fees)
    charges = [fee for fee in all_fees if fee.kind is FeeKind.CHARGE]
    by_charge = _adjusted(all_fees)
    _check_adjustments_inside(charges, by_charge)
    net: list[tuple[DateRange, FeeTransaction]] = []
    ended = _served_end(subscription)
    for charge in charges:
        holes = []
        for fee in by_charge.get(charge.period, ()):
            if fee.kind is FeeKind.CANCELLATION:
                holes.append(fee.period)
            elif fee.kind is FeeKind.REDUCTION_DAYS and ended is not None:
                after_end = fee.period.intersection(DateRange(ended, date.max))
                if after_end is not None:
                    holes.append(after_end)
        net.extend((piece, charge) for piece in _subtract(charge.period, holes))
    net.sort(key=lambda item: (item[0].start, item[0].end))
    # ``end``: the first day past the horizon (exclusive), as the ranges are.
    horizon = date.max if through == date.max else through + _ONE_DAY
    end = horizon if ended is None else min(ended, horizon)
    cursor = subscription.start_date
    previous: FeeTransaction | None = None
    for piece, charge in net:
        around = [fee for fee in (previous, charge) if fee is not None]
        if piece.start < cursor:
            raise LawViolation("F6", f"{piece} overlaps days billed before {cursor}", around)
        if piece.start > cursor:
            raise LawViolation("F6", f"no charge bills [{cursor}, {piece.start})", around)
        cursor, previous = piece.end, charge
    if cursor < end:
        raise LawViolation(
            "F6", f"no charge bills [{cursor}, {end})", _show(filter(None, [previous]))
        )
    if net and cursor > max(end, subscription.start_date):
        raise LawViolation(
            "F6",
            f"days billed before {cursor}, after the horizon {through}",
            _show(filter(None, [previous])),
        )


def _check_adjustments_inside(
    charges: Sequence[FeeTransaction], by_charge: dict[DateRange, list[FeeTransaction]]
) -> None:
    """Every adjustment lies inside a charge among the fees; no day is credited twice."""
    periods = {charge.period: charge for charge in charges}
    for adjusts, adjustments in by_charge.items():
        charge = periods.get(adjusts)
        if charge is None:
            raise LawViolation(
                "F6", f"adjustments of a charge {adjusts} that is not billed", _show(adjustments)
            )
        outside = [fee for fee in adjustments if not adjusts.covers(fee.period)]
        if outside:
            raise LawViolation("F6", f"adjustments outside their charge {adjusts}", outside)
        credits = sorted(
            (fee for fee in adjustments if fee.kind is FeeKind.CANCELLATION),
            key=lambda fee: fee.period.start,
        )
        for first, second in pairwise(credits):
            if first.period.overlaps(second.period):
                raise LawViolation("F6", "days credited twice", [charge, first, second])


def check_idempotent(
    subscription: Subscription,
    fees: Iterable[FeeTransaction],
    prices: PriceTable | None = None,
    *,
    as_of: date,
) -> None:
    """F4: a run whose output is stored, run again, creates nothing.

    ``generate(s, fees + generate(s, fees, as_of), as_of)`` must be empty, and the
    first run's fees must be new to the store (:func:`~servicedomain.billing.new_fees`
    keeps them all, raising no conflict).

    Raises:
        LawViolation: naming the fees the second run made again.
    """
    stored = tuple(fees)
    made = generate_fees(subscription, stored, prices, as_of=as_of)
    _check_new("F4", stored, made)
    again = generate_fees(subscription, (*stored, *made), prices, as_of=as_of)
    if again:
        raise LawViolation("F4", f"a second run as of {as_of} made {len(again)} fees", _show(again))


def _check_new(law: str, stored: Sequence[FeeTransaction], made: Sequence[FeeTransaction]) -> None:
    try:
        fresh = new_fees(stored, made)
    except IdempotencyConflictError as conflict:
        raise LawViolation(
            law, f"a generated fee conflicts with a stored one: {conflict}"
        ) from None
    if len(fresh) != len(made):
        known = [fee for fee in made if fee not in fresh]
        raise LawViolation(law, "the run made fees that are stored already", _show(known))


def check_catch_up(
    subscription: Subscription,
    prices: PriceTable | None,
    as_of_dates: Iterable[date],
) -> None:
    """F5: runs at several dates, each fed the fees before it, equal one run at the last.

    The dates may come in any order and repeat (a scheduler that runs late, twice, or
    after a restart); the fees of all the runs must be exactly those of a single run
    at the latest date, with the same sum. Each run's fees must also be new to the
    store (P3).

    Raises:
        LawViolation: naming the fees only one side has.
    """
    dates = list(as_of_dates)
    if not dates:
        raise InvalidInputError("as_of_dates", dates, "give at least one date")
    stored: list[FeeTransaction] = []
    for day in dates:
        made = generate_fees(subscription, stored, prices, as_of=day)
        _check_new("F5", stored, made)
        stored.extend(made)
    single = generate_fees(subscription, (), prices, as_of=max(dates))
    runs, once = Counter(stored), Counter(single)
    if runs != once:
        extra = list((runs - once).elements())
        missing = list((once - runs).elements())
        raise LawViolation(
            "F5",
            f"runs as of {[str(day) for day in dates]} made {len(extra)} fees a single run "
            f"as of {max(dates)} does not, and miss {len(missing)} of its fees",
            _show([*extra, *missing]),
        )


def check_same_net(expected: Iterable[FeeTransaction], actual: Iterable[FeeTransaction]) -> None:
    """F5/F9: two fee histories bill the same net amount for every billing period.

    For a subscription that changed between runs (a price change, a cancellation), the
    fees of the history differ from those of one run with the final state (charges
    at the old price plus adjustments, against charges at the new price), but each
    billing period must net to the same amount.

    Raises:
        LawViolation: naming the fees of the first period whose nets differ.
    """
    nets: list[dict[DateRange, list[FeeTransaction]]] = [{}, {}]
    for side, fees in zip(nets, (expected, actual), strict=True):
        for fee in fees:
            side.setdefault(fee.billing_period, []).append(fee)
    for period in sorted(set(nets[0]) | set(nets[1]), key=lambda p: p.start):
        left, right = nets[0].get(period, []), nets[1].get(period, [])
        currency = (left or right)[0].currency
        one = _total((fee.amount for fee in left), currency)
        two = _total((fee.amount for fee in right), currency)
        if one != two:
            raise LawViolation(
                "F5",
                f"the period {period} nets {one} on one side and {two} on the other",
                _show([*left, *right]),
            )


def check_purity(
    subscription: Subscription,
    fees: Iterable[FeeTransaction],
    prices: PriceTable | None = None,
    *,
    as_of: date | None = None,
    within: DateRange | None = None,
    run: FeeRun = FeeRun.NON_REGULAR,
    continuous: bool = False,
) -> None:
    """F12: generation depends only on its inputs.

    Two runs with equal inputs give equal outputs, and so does a run given the same
    existing fees in reverse order (they are a set, not a sequence). Arguments as
    :func:`~servicedomain.billing.generate_fees`.

    Raises:
        LawViolation: naming the first fees that differ.
    """
    stored = tuple(fees)

    def once(existing: Sequence[FeeTransaction]) -> tuple[FeeTransaction, ...]:
        return generate_fees(
            subscription,
            existing,
            prices,
            as_of=as_of,
            within=within,
            run=run,
            continuous=continuous,
        )

    first, second, reordered = once(stored), once(stored), once(stored[::-1])
    for label, other in (("a second run", second), ("a run on reordered fees", reordered)):
        if other != first:
            differ = [fee for fee in (*first, *other) if (fee in first) != (fee in other)]
            raise LawViolation("F12", f"{label} gave other fees", _show(differ or other))


def check_cancellation_credit(
    subscription: Subscription,
    fees_before: Iterable[FeeTransaction],
    made: Iterable[FeeTransaction],
    prices: PriceTable | None = None,
    *,
    as_of: date,
    credited_by_fee: Mapping[str, Money] | None = None,
) -> None:
    """F7: a cancellation credits exactly the billed days it ends, and nothing more.

    ``subscription`` is the cancelled one (``t``, the first day no longer served, is
    the day after its ``end_date``), ``fees_before`` the fees billed before, and
    ``made`` what the first run after the cancellation returned. For every charge:

    * its net (charge plus every adjustment) never goes below zero: a credit never
      exceeds what can still be credited;
    * when no price change or reduction days touch it, its net is
      ``prorate(charge.price, [charge.start, t), period)`` over its whole invoicing
      period (:func:`invoicing_period`), or zero when it starts on or after ``t``
      (the billed price, not today's, law F10); when credit notes took back ``c`` of
      the charge and its adjustments (``credited_by_fee``, by fee id, in each fee's
      sign), the cancellation credits only what they left (F13), so the net is ``max(kept, c)``;
    * when a credit note took back part of an adjustment (a credit note of a
      cancellation credit bills its amount again), the net depends on the order of
      the credit notes and the cancellations, which the fees do not record: then the
      credit ``made`` adds to the charge is checked instead, the prorated price of its
      days still billed from ``t`` on (not cancelled before), capped at what the
      charge still bills after its credit notes (F13);
    * ``made`` bills no day on or after ``t``, and a run on the result as of
      ``max(as_of, t)`` makes no charge on or after ``t`` and no second credit.

    Raises:
        InvalidInputError: (field ``subscription``) it has no end date.
        LawViolation: naming the charge and its adjustments.
    """
    end = _served_end(subscription)
    if end is None:
        raise InvalidInputError("subscription", subscription.id, "it is not cancelled (no end)")
    taken_of = {key: value for key, value in (credited_by_fee or {}).items() if not value.is_zero}
    new = tuple(made)
    everything = (*tuple(fees_before), *new)
    late = [fee for fee in new if fee.kind is FeeKind.CHARGE and fee.period.end > end]
    if late:
        raise LawViolation("F7", f"charges for days from the end {end} on", late)
    by_charge = _adjusted(everything)
    for charge in (fee for fee in everything if fee.kind is FeeKind.CHARGE):
        adjustments = by_charge.get(charge.period, [])
        currency = charge.currency
        net = _total((charge.amount, *(fee.amount for fee in adjustments)), currency)
        if charge.amount.amount >= 0 and net.amount < 0:
            raise LawViolation(
                "F7", f"the charge nets {net}: more credited than billed", [charge, *adjustments]
            )
        if any(fee.kind in (FeeKind.PRICE_CHANGE, FeeKind.REDUCTION_DAYS) for fee in adjustments):
            continue
        family = (charge, *adjustments)
        taken = _total((taken_of[fee.id] for fee in family if fee.id in taken_of), currency)
        if any(fee.id in taken_of for fee in adjustments):
            _check_credit_of_the_run(subscription, charge, adjustments, new, taken, end)
            continue
        if end <= charge.period.start:
            kept = Money.zero(currency)
        else:
            served = DateRange(charge.period.start, min(end, charge.period.end))
            kept = prorate(charge.price, served, invoicing_period(subscription, served.start))
        kept = max(kept, taken)
        if net != kept:
            raise LawViolation(
                "F7",
                f"the charge nets {net} after a cancellation on {end}; the days it still "
                f"serves cost {kept}",
                [charge, *adjustments],
            )
    again = generate_fees(subscription, everything, prices, as_of=max(as_of, end))
    beyond = [
        fee
        for fee in again
        if (fee.kind is FeeKind.CHARGE and fee.period.end > end) or fee.kind is FeeKind.CANCELLATION
    ]
    if beyond:
        raise LawViolation("F7", f"a later run bills past the end {end} or credits again", beyond)


def _check_credit_of_the_run(  # noqa: PLR0917 (a step of check_cancellation_credit)
    subscription: Subscription,
    charge: FeeTransaction,
    adjustments: Sequence[FeeTransaction],
    made: Sequence[FeeTransaction],
    taken: Money,
    end: date,
) -> None:
    """F7 for a charge whose adjustments were credited: what this run credits it.

    The days of ``charge`` from ``end`` on that no earlier cancellation took, at the
    charge's prorated price, capped at what the charge and its earlier adjustments
    still bill after what credit notes took back (``taken``), and never below zero.
    """
    currency = charge.currency
    new_ids = {fee.id for fee in made}
    earlier = [fee for fee in adjustments if fee.id not in new_ids]
    now = [fee for fee in adjustments if fee.id in new_ids]
    cancelled = [fee.period for fee in earlier if fee.kind is FeeKind.CANCELLATION]
    billed = (
        _subtract(DateRange(max(end, charge.period.start), charge.period.end), cancelled)
        if end < charge.period.end
        else []
    )
    whole = invoicing_period(subscription, charge.period.start)
    worth = _total((prorate(charge.price, piece, whole) for piece in billed), currency)
    still = _total((charge.amount, *(fee.amount for fee in earlier)), currency) - taken
    expected = max(Money.zero(currency), min(worth, still))
    credit = -_total((fee.amount for fee in now), currency)
    if credit != expected:
        raise LawViolation(
            "F7",
            f"the run credits {credit} after a cancellation on {end}; the days still billed "
            f"from then cost {worth} and credit notes left {still} open",
            [charge, *adjustments],
        )


def check_time_weighted(
    subscription: Subscription,
    fees: Iterable[FeeTransaction],
    prices: PriceTable | None = None,
    *,
    period: DateRange,
) -> None:
    """F9: after price changes inside ``period``, it nets the time-weighted price.

    The net of the charges of ``period`` and of their price-change and cancellation
    fees must equal ``Σ prorate(priceᵢ, segmentᵢ, period)``: the days the charges
    bill, up to the end date, cut at the subscription's price changes, each segment
    at the price of its first day (the period's first day for the first segment,
    the change's day for the others).

    Args:
        subscription: the subscription in its current state (all its price changes).
        fees: its fees (those of other periods are ignored).
        prices: the price table generation used.
        period: a whole invoicing period (:func:`invoicing_period`).

    A lower price after a credit note of the period credits only what its charge
    still bills (F13), so check periods that no credit note touched.

    Raises:
        InvalidInputError: (field ``fees``) reduction days in the period: they remove
            days by count, so the law does not apply.
        LawViolation: naming the period's fees.
    """
    mine = [
        fee
        for fee in fees
        if period.covers(fee.charge_period) and fee.kind is not FeeKind.REDUCTION_DAYS
    ]
    reductions = [
        fee
        for fee in fees
        if fee.kind is FeeKind.REDUCTION_DAYS
        and fee.adjusts is not None
        and period.covers(fee.adjusts)
    ]
    if reductions:
        raise InvalidInputError("fees", reductions[0].id, "F9 needs a period without reductions")
    if not mine:
        return
    currency = mine[0].currency
    served = _served(subscription)
    first = max(period.start, subscription.start_date)
    starts = [first] + [
        change.effective_date
        for change in subscription.price_changes
        if first < change.effective_date < period.end
    ]
    segments = [
        (DateRange(start, end), subscription.price_on(start, prices))
        for start, end in zip(starts, [*starts[1:], period.end], strict=True)
    ]
    expected: list[Money] = []
    for charge in (fee for fee in mine if fee.kind is FeeKind.CHARGE):
        for segment, price in segments:
            days = charge.period.intersection(segment)
            days = None if days is None else days.intersection(served)
            if days is not None:
                expected.append(prorate(price, days, period))
    want = _total(expected, currency)
    net = _total((fee.amount for fee in mine), currency)
    if net != want:
        detail = ", ".join(f"{segment}@{price}" for segment, price in segments)
        raise LawViolation(
            "F9",
            f"the period {period} nets {net}; its price segments {detail} give {want}",
            _show(mine),
        )


def check_fee_laws(
    subscription: Subscription,
    fees: Iterable[FeeTransaction],
    prices: PriceTable | None = None,
    *,
    through: date,
    as_of: date | None = None,
) -> None:
    """F2, F4, F6, M5 and P3 together, on the fees of one subscription.

    F4 is checked with a range run over the days from ``start`` to ``through``, both
    included (every due day is billed, so it creates nothing), and with a run
    ``as_of`` when given.

    Args:
        subscription: the subscription in its current state.
        fees: all of its fees.
        prices: the price table generation used.
        through: the last day (inclusive) of the billed horizon (:func:`billing_horizon`).
        as_of: the date of the last run, if known.

    Raises:
        LawViolation: from the first check that fails.
    """
    stored = tuple(fees)
    check_unique_keys(stored)
    check_amounts_exact(stored)
    check_whole_period_charges(stored)
    check_no_gaps_no_overlaps(subscription, stored, through=through)
    if through >= subscription.start_date:
        within = DateRange.inclusive(subscription.start_date, through)
        again = generate_fees(subscription, stored, prices, within=within)
        if again:
            raise LawViolation("F4", f"a run over [start, {through}] made fees again", _show(again))
    if as_of is not None:
        check_idempotent(subscription, stored, prices, as_of=as_of)
