"""Revenue accrual of invoiced subscription fees (AX section 5, *Accrue subscription revenue*).

:func:`accrual_periods` cuts an invoiced fee into accrual periods whose amounts add up
to the fee exactly (law F11); :func:`accrue` posts the ended ones (Dr *WIP*, Cr *Accrued
revenue*), idempotently; :func:`reverse_period` reverses one by hand and
:func:`reverse_for_credit` reverses a credit note's share as the :class:`ReversalMode`
(AX ``SMAReverseAccruedOnCredit``) says.

:attr:`AccrualPeriod.amount` is the period's share of the fee net of credits: what it
will accrue while unposted, what stays accrued once posted. Credits lower it; a manual
reversal does not (it takes revenue back to WIP and credits nothing). So, for one fee:
Σ amounts = invoiced - credited, and Σ ACCRUE entries - Σ REVERSE entries = Σ amounts
of the posted, unreversed periods.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Final, cast

import attrs

from servicedomain import _trusted
from servicedomain._checks import (
    in_,
    instance_of,
    integer,
    is_callable,
    is_count,
    is_date,
    is_id,
    is_money,
    is_str,
    optional,
    validator,
)
from servicedomain._enums import StrictEnum
from servicedomain.billing._fees import FeeTransaction
from servicedomain.billing._invoicing import Invoice
from servicedomain.errors import (
    BillingRuleError,
    CreditExceededError,
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidInputError,
    InvalidPeriodError,
    InvalidScheduleError,
    TypeMismatchError,
)
from servicedomain.instants import require_date
from servicedomain.money import Currency, Money, allocate
from servicedomain.periods import DAILY, MONTHLY, QUARTERLY, YEARLY, DateRange, PeriodCode, Schedule

__all__ = [
    "ACCRUED_REVENUE_ACCOUNT",
    "WIP_ACCOUNT",
    "AccrualEntry",
    "AccrualEntryKind",
    "AccrualMethod",
    "AccrualPeriod",
    "AccrualPolicy",
    "ReversalMode",
    "RoundingPeriod",
    "accrual_periods",
    "accrual_periods_for",
    "accrue",
    "accrued_total",
    "reverse_for_credit",
    "reverse_period",
]

WIP_ACCOUNT: Final = "WIP - subscription"
"""The account an accrual debits (project ledger posting setup)."""
ACCRUED_REVENUE_ACCOUNT: Final = "Accrued revenue - subscription"
"""The account an accrual credits."""

# The accrual periods the catalog knows: year, quarter, month, day [S50].
_ACCRUAL_CODES: Final = (YEARLY, QUARTERLY, MONTHLY, DAILY)


class AccrualMethod(StrictEnum):
    """How a fee is divided: ``EQUAL`` by the number of periods, ``PER_DAY`` by days.

    ``PER_DAY`` is AX *Calculate accrued revenue per day*: fee / total days x the days.
    """

    EQUAL = "equal"
    PER_DAY = "per_day"


class RoundingPeriod(StrictEnum):
    """Which period takes the rounding difference (AX *Rounding-off period*)."""

    FIRST = "first"
    LAST = "last"


class ReversalMode(StrictEnum):
    """How accruals are reversed when a fee is credited (AX ``SMAReverseAccruedOnCredit``).

    ``MANUAL`` (0): by hand, before the credit note. ``INVOICE_DATE`` (1): on the credit
    note's date. ``ORIGINAL_POSTING_DATE`` (2): on each accrual's own posting date, or on
    the credit note's date when that date's ledger period is closed.
    """

    MANUAL = "manual"
    INVOICE_DATE = "invoice_date"
    ORIGINAL_POSTING_DATE = "original_posting_date"


class AccrualEntryKind(StrictEnum):
    """An accrual (Dr WIP, Cr accrued revenue) or its reversal (the accounts swapped)."""

    ACCRUE = "accrue"
    REVERSE = "reverse"


_METHOD: Final = in_(AccrualMethod)
_FIRST: Final = in_(RoundingPeriod)
_MODE: Final = in_(ReversalMode)
_PERIOD_CODE: Final = instance_of(PeriodCode)
_DATE_RANGE: Final = instance_of(DateRange)
_OPTIONAL_DATE: Final = optional(is_date)
_PERIOD_NUMBER: Final = integer(minimum=0)


def _v_accrual_code(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    _PERIOD_CODE.check(value, "period_code")
    if value not in _ACCRUAL_CODES:
        raise InvalidInputError(
            "period_code",
            value,
            "an accrual period is a year, quarter, month or day (P1Y/P3M/P1M/P1D)",
        )


@attrs.frozen(kw_only=True)
class AccrualPolicy:
    """How a subscription group accrues its fees.

    Args:
        period_code: the accrual period code: YEARLY, QUARTERLY, MONTHLY or DAILY.
        method: equal parts (the default) or per day.
        rounding_period: the period that takes the rounding difference (default first).
        reversal: how accruals are reversed on a credit (default on the credit's date).

    Raises:
        TypeMismatchError: a field has the wrong type.
        InvalidInputError: (field ``period_code``) another code, such as WEEKLY.
    """

    period_code: PeriodCode = attrs.field(validator=_v_accrual_code)
    method: AccrualMethod = attrs.field(default=AccrualMethod.EQUAL, validator=_METHOD)
    rounding_period: RoundingPeriod = attrs.field(default=RoundingPeriod.FIRST, validator=_FIRST)
    reversal: ReversalMode = attrs.field(default=ReversalMode.INVOICE_DATE, validator=_MODE)


def _v_reversed_on(instance: AccrualPeriod, attribute: attrs.Attribute[Any], value: object) -> None:
    _OPTIONAL_DATE(instance, attribute, value)
    if value is None:
        return
    if instance.posting_date is None:
        raise InvalidInputError("reversed_on", value, "only a posted period can be reversed")
    if value < instance.posting_date:  # type: ignore[operator]
        raise InvalidPeriodError(
            "reversed_on", value, f"before the posting date {instance.posting_date}"
        )


@attrs.frozen(kw_only=True, weakref_slot=False)  # no weak references: fast builds
class AccrualPeriod:
    """One accrual period of a fee (AX ``SMAAccruePeriodLine``).

    Args:
        source_id: the fee's id.
        number: the period's number within the fee, from 0.
        period: the days it covers.
        amount: its share of the fee net of credits (see the module docstring), rounded.
        posting_date: when it was accrued; ``None`` until then.
        reversed_on: when its accrual was reversed; ``None`` unless it was.

    Raises:
        TypeMismatchError: a field has the wrong type (a float amount is not Money).
        InvalidInputError: an empty id, a negative number; ``reversed_on`` without a
            posting date.
        InvalidAmountError: (field ``amount``) an unrounded amount.
        InvalidPeriodError: (field ``reversed_on``) before the posting date.
    """

    source_id: str = attrs.field(validator=is_id)
    number: int = attrs.field(validator=is_count)
    period: DateRange = attrs.field(validator=_DATE_RANGE)
    amount: Money = attrs.field(validator=is_money)
    posting_date: date | None = attrs.field(default=None, validator=_OPTIONAL_DATE)
    reversed_on: date | None = attrs.field(default=None, validator=_v_reversed_on)

    @property
    def key(self) -> tuple[str, int]:
        """``(source_id, number)``, unique among accrual periods."""
        return (self.source_id, self.number)

    @property
    def is_posted(self) -> bool:
        """True once the period is accrued."""
        return self.posting_date is not None

    @property
    def is_reversed(self) -> bool:
        """True once its accrual is reversed (by hand, or by a credit that took it all)."""
        return self.reversed_on is not None


@attrs.frozen(kw_only=True, weakref_slot=False)  # no weak references: fast builds
class AccrualEntry:
    """A ledger entry for the Journal port: an accrual or a reversal of one period.

    ``source_id`` and ``number`` name the period. An ACCRUE entry debits
    :data:`WIP_ACCOUNT` and credits :data:`ACCRUED_REVENUE_ACCOUNT`; a REVERSE entry
    swaps them. ``amount`` is signed as the fee (a negative fee gives negative entries);
    ``reference`` is the credit note's id for a reversal on a credit, else ``""``.
    """

    source_id: str = attrs.field(validator=is_id)
    number: int = attrs.field(validator=is_count)
    kind: AccrualEntryKind = attrs.field(validator=in_(AccrualEntryKind))
    posting_date: date = attrs.field(validator=is_date)
    debit_account: str = attrs.field(validator=is_id)
    credit_account: str = attrs.field(validator=is_id)
    amount: Money = attrs.field(validator=is_money)
    reference: str = attrs.field(default="", validator=is_str)

    @property
    def key(self) -> tuple[str, int, str, str]:
        """``(source_id, number, kind, reference)``: a journal books each key once."""
        return (self.source_id, self.number, self.kind.value, self.reference)


_build_period: Final = _trusted.positional_builder(AccrualPeriod)
_range: Final = _trusted.positional_builder(DateRange)
_posted: Final = _trusted.replacer(AccrualPeriod)
_accrual_entry: Final = _trusted.positional_builder(AccrualEntry)


def _entry(
    period: AccrualPeriod, kind: AccrualEntryKind, day: date, amount: Money, reference: str = ""
) -> AccrualEntry:
    accounts = (WIP_ACCOUNT, ACCRUED_REVENUE_ACCOUNT)
    debit, credit = accounts if kind is AccrualEntryKind.ACCRUE else accounts[::-1]
    return AccrualEntry(
        source_id=period.source_id,
        number=period.number,
        kind=kind,
        posting_date=day,
        debit_account=debit,
        credit_account=credit,
        amount=amount,
        reference=reference,
    )


_POLICY: Final = instance_of(AccrualPolicy)
_ACCRUAL_PERIOD: Final = instance_of(AccrualPeriod)
_INVOICE: Final = instance_of(Invoice)
_MAPPING: Final = instance_of(cast("type[Mapping[Any, Any]]", Mapping))
_FEE: Final = instance_of(FeeTransaction)


def _check_periods(value: object, _field: str) -> tuple[AccrualPeriod, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeMismatchError(
            "periods", value, f"expected a sequence of AccrualPeriod, got {type(value).__name__}"
        )
    seen: set[tuple[str, int]] = set()
    for index, period in enumerate(value):
        _ACCRUAL_PERIOD.check(period, f"periods[{index}]")
        if period.key in seen:
            raise InvalidInputError(f"periods[{index}]", period, f"period {period.key} twice")
        seen.add(period.key)
    return tuple(value)


_PERIODS: Final = validator(_check_periods, "a sequence of AccrualPeriod, each key once")


def _one_fee(periods: tuple[AccrualPeriod, ...]) -> str:
    if not periods:
        raise InvalidInputError("periods", periods, "no accrual periods")
    fees = {period.source_id for period in periods}
    if len(fees) > 1:
        raise InvalidInputError("periods", periods, f"periods of several fees: {sorted(fees)}")
    return periods[0].source_id


def _one_currency(periods: tuple[AccrualPeriod, ...], currency: Currency) -> None:
    for index, period in enumerate(periods):
        if period.amount.currency != currency:
            raise CurrencyMismatchError(
                f"periods[{index}]", currency.code, period.amount.currency.code
            )


@functools.lru_cache(maxsize=1024)
def _schedule(code: PeriodCode, anchor: date) -> Schedule:
    """The accrual schedule of an anchor (a pure function, memoised: one per subscription)."""
    return Schedule(code, anchor)


def accrual_periods(
    *,
    source_id: str,
    amount: Money,
    service_period: DateRange,
    policy: AccrualPolicy,
    anchor: date | None = None,
) -> tuple[AccrualPeriod, ...]:
    """Cut an invoiced fee into unposted accrual periods (created at invoicing).

    The periods are ``Schedule(policy.period_code, anchor)``'s, clipped to the fee's
    ``service_period``. ``anchor`` is where the subscription's periods are counted
    from (its start date, or the start of its first calendar period); it defaults to
    the fee's start. Give it for subscriptions anchored on a month end: the fee of
    Feb 28-Mar 30 of a Jan 31 subscription is then one monthly accrual period, not
    Feb 28-Mar 27 and a 3-day stub. Each amount is rounded half-up on its own (EQUAL:
    fee / n; PER_DAY: fee x days / total days); the difference to the fee goes to the
    first or last period (AX *Rounding-off period*), so the amounts sum to the fee
    exactly (F11). Where that period would get the wrong sign (a small fee over many
    periods: 0.14 EUR over 28 days rounds to 0.01 a day, which would leave -0.13 on
    the first), the fee is split by largest remainder instead
    (:func:`~servicedomain.money.allocate`, by days or equally): every part then has
    the fee's sign and is at most the fee (F14). A negative fee gives the mirror
    image; a zero fee, zero periods.

    Raises:
        TypeMismatchError: an argument has the wrong type.
        InvalidInputError: an empty ``source_id``.
        InvalidAmountError: (field ``amount``) an unrounded amount.

    >>> from servicedomain.periods import MONTHLY
    >>> q1 = DateRange(date(2023, 1, 1), date(2023, 4, 1))  # 31 + 28 + 31 days
    >>> policy = AccrualPolicy(period_code=MONTHLY, method=AccrualMethod.PER_DAY)
    >>> parts = accrual_periods(source_id="FEE-1", amount=Money(300, "EUR"),
    ...     service_period=q1, policy=policy)
    >>> [str(part.amount) for part in parts]
    ['103.34 EUR', '93.33 EUR', '103.33 EUR']
    """
    fee = is_id.check(source_id, "source_id")
    total = is_money.check(amount, "amount")
    _DATE_RANGE.check(service_period, "service_period")
    _POLICY.check(policy, "policy")
    start, end = service_period.start, service_period.end
    origin = start if anchor is None else require_date(anchor, "anchor")
    if origin > start:
        raise InvalidPeriodError("anchor", origin, f"after the fee's start {start}")
    schedule = _schedule(policy.period_code, origin)
    try:
        bounds = schedule.boundaries(service_period)
    except InvalidScheduleError:  # a period past year 9999: raise what periods() raises
        list(schedule.periods(service_period))
        raise
    if len(bounds) == 2:  # one period: the common case
        # The whole fee over its whole service period (what the division by one and the
        # rounding difference of zero give), from checked values: the fast path.
        return (_build_period(fee, 0, service_period, total, None, None),)
    ranges = [
        _range(max(first, start), min(last, end)) for first, last in itertools.pairwise(bounds)
    ]
    weights = (
        [1] * len(ranges) if policy.method is AccrualMethod.EQUAL else [r.days for r in ranges]
    )
    parts = _split(total, weights, policy.rounding_period)
    return tuple(
        AccrualPeriod(source_id=fee, number=number, period=days, amount=part)
        for number, (days, part) in enumerate(zip(ranges, parts, strict=True))
    )


def _split(total: Money, weights: Sequence[int], rounding_period: RoundingPeriod) -> list[Money]:
    """``total`` split by ``weights``: AX's rounding-off period, or largest remainder (F14).

    AX rounds each part on its own (``total x weight / Σ weights``, half up) and puts
    the difference to the total on the rounding-off period. When that period would
    get the wrong sign (0.14 EUR over 28 days: each day 0.01, the first -0.13), the
    parts are :func:`~servicedomain.money.allocate`'s instead: the largest-remainder
    split, where every part has the fee's sign and is within one minor unit of its
    exact share. Either way the parts sum to the fee exactly (F11).
    """
    whole = sum(weights)
    parts = [(total * weight).divide(whole) for weight in weights]
    index = 0 if rounding_period is RoundingPeriod.FIRST else -1
    parts[index] += total - Money.total(parts, total.currency)
    if parts[index].amount * total.amount < 0:
        return list(allocate(total, weights))
    return parts


def accrue(
    periods: Sequence[AccrualPeriod], *, through: date, posting_date: date
) -> tuple[tuple[AccrualPeriod, ...], tuple[AccrualEntry, ...]]:
    """The *Accrue subscription revenue* job: post every ended, unposted period.

    ``through`` is inclusive, the last day the run covers, as AX's *to date*: a period
    has ended when its last day is on or before it (``through`` 2024-01-31 accrues
    January; 2024-01-30 does not). Each posted period gets ``posting_date`` and one
    ACCRUE entry. A period with a zero amount (a zero fee, or one a credit cancelled) has no
    revenue to book and is never posted. Running the job again posts nothing.

    Returns:
        All the ``periods`` (of any fees), in the same order, and the new entries.

    Raises:
        TypeMismatchError: an argument has the wrong type.
        InvalidInputError: (field ``periods[i]``) a period given twice.
    """
    checked = _PERIODS.check(periods, "periods")
    limit = require_date(through, "through")
    day = require_date(posting_date, "posting_date")
    updated: list[AccrualPeriod] = []
    entries: list[AccrualEntry] = []
    # Checked periods and a checked day: an unposted period stays valid posted on any
    # day (it has no reversal date), so both values skip the validators (fast paths).
    posted, accrued = _posted, _accrual_entry
    for period in checked:
        if period.posting_date is None and period.period.last <= limit and period.amount:
            updated.append(posted(period, posting_date=day))
            entries.append(
                accrued(
                    period.source_id,
                    period.number,
                    AccrualEntryKind.ACCRUE,
                    day,
                    WIP_ACCOUNT,
                    ACCRUED_REVENUE_ACCOUNT,
                    period.amount,
                    "",
                )
            )
        else:
            updated.append(period)
    return tuple(updated), tuple(entries)


def reverse_period(
    periods: Sequence[AccrualPeriod], number: int, *, on: date
) -> tuple[tuple[AccrualPeriod, ...], AccrualEntry]:
    """Reverse one posted period by hand (AX *Subscription accrue period* form).

    The REVERSE entry is of the period's current amount (net of earlier credits) and
    its reference is ``""``. The period keeps its amount: a reversal credits nothing.

    ``periods`` are one fee's; ``on`` is on or after the period's posting date.

    Raises:
        TypeMismatchError: an argument has the wrong type.
        InvalidInputError: periods of several fees or none; (field ``number``) no such
            period.
        BillingRuleError: rule ``accrual.not_posted`` or ``accrual.already_reversed``.
        InvalidPeriodError: (field ``on``) before the posting date.
    """
    checked = _PERIODS.check(periods, "periods")
    fee = _one_fee(checked)
    wanted = _PERIOD_NUMBER.check(number, "number")
    day = require_date(on, "on")
    position = next((i for i, p in enumerate(checked) if p.number == wanted), None)
    if position is None:
        raise InvalidInputError("number", number, f"fee {fee!r} has no accrual period {number}")
    period = checked[position]
    if period.posting_date is None:
        raise BillingRuleError(fee, "accrual.not_posted", f"period {wanted} is not accrued")
    if period.reversed_on is not None:
        raise BillingRuleError(
            fee, "accrual.already_reversed", f"period {wanted} was reversed on {period.reversed_on}"
        )
    if day < period.posting_date:
        raise InvalidPeriodError("on", day, f"before the posting date {period.posting_date}")
    entry = _entry(period, AccrualEntryKind.REVERSE, day, period.amount)
    updated = list(checked)
    updated[position] = attrs.evolve(period, reversed_on=day)
    return tuple(updated), entry


def _never_closed(_day: date) -> bool:
    return False


def _reversal_date(
    period: AccrualPeriod, mode: ReversalMode, credit_date: date, closed: Callable[[date], bool]
) -> date:
    posted = period.posting_date
    assert posted is not None  # only posted periods are reversed
    day = credit_date
    if mode is ReversalMode.ORIGINAL_POSTING_DATE:
        is_closed = closed(posted)
        if not isinstance(is_closed, bool):
            raise TypeMismatchError("closed", is_closed, "closed(date) must return a bool")
        day = credit_date if is_closed else posted
    if day < posted:
        raise InvalidPeriodError(
            "credit_date", credit_date, f"before period {period.number}'s posting date {posted}"
        )
    return day


def reverse_for_credit(
    periods: Sequence[AccrualPeriod],
    *,
    credit_id: str,
    credited: Money,
    invoiced: Money,
    credit_date: date,
    mode: ReversalMode,
    closed: Callable[[date], bool] = _never_closed,
) -> tuple[tuple[AccrualPeriod, ...], tuple[AccrualEntry, ...]]:
    """Take a credit note's share out of a fee's accrual periods.

    What can still be credited is what the periods carry (Σ amounts: ``invoiced`` less
    earlier credits). A credit of all of it takes each period's whole amount: posted
    periods are reversed, unposted ones cancelled (amount zero; never posted). A smaller
    credit is split by :func:`~servicedomain.money.allocate` with the periods' absolute
    minor units as weights. Each share lowers its period's amount; for a posted,
    unreversed period it is also a REVERSE entry (reference ``credit_id``), and the
    period is reversed when nothing stays accrued. Entry dates follow ``mode``:
    INVOICE_DATE ``credit_date``; ORIGINAL_POSTING_DATE the period's posting date, or
    ``credit_date`` when ``closed(posting date)``; MANUAL needs every accrual reversed by
    hand first. A credit has the fee's sign (a negative fee is credited negatively).

    Raises:
        TypeMismatchError: an argument has the wrong type.
        InvalidInputError: periods of several fees or none; (field ``invoiced``) the
            periods carry more than invoiced.
        CurrencyMismatchError: (field ``credited`` or ``periods[i]``) not ``invoiced``'s.
        InvalidAmountError: (field ``credited``) zero, unrounded or of the wrong sign.
        CreditExceededError: the credit is more than the periods still carry.
        BillingRuleError: rule ``accrual.reverse_manually_first`` in MANUAL mode.
        InvalidPeriodError: (field ``credit_date``) a reversal before a posting date.
    """
    checked = _PERIODS.check(periods, "periods")
    fee = _one_fee(checked)
    reference = is_id.check(credit_id, "credit_id")
    credit = is_money.check(credited, "credited")
    total = is_money.check(invoiced, "invoiced")
    day = require_date(credit_date, "credit_date")
    chosen = _MODE.check(mode, "mode")
    if not callable(closed):
        raise TypeMismatchError("closed", closed, "expected a callable (date) -> bool")
    currency = total.currency
    if credit.currency != currency:
        raise CurrencyMismatchError("credited", currency.code, credit.currency.code)
    _one_currency(checked, currency)
    available = Money.total((period.amount for period in checked), currency)
    if available.amount * total.amount < 0 or abs(available.amount) > abs(total.amount):
        raise InvalidInputError("invoiced", total, f"the periods of {fee!r} carry {available}")
    if credit.is_zero:
        raise InvalidAmountError("credited", credit, "a credit is not zero")
    if credit.amount * total.amount < 0:
        raise InvalidAmountError("credited", credit, f"a credit has the sign of {total}")
    if abs(credit.amount) > abs(available.amount):
        raise CreditExceededError(fee, credit, available)
    accrued = [p.number for p in checked if p.is_posted and not p.is_reversed and p.amount]
    if chosen is ReversalMode.MANUAL and accrued:
        raise BillingRuleError(
            fee, "accrual.reverse_manually_first", f"reverse the accrued periods {accrued} first"
        )
    if credit == available:
        shares = tuple(period.amount for period in checked)
    else:
        shares = allocate(credit, [abs(period.amount.minor_units) for period in checked])
    updated: list[AccrualPeriod] = []
    entries: list[AccrualEntry] = []
    for period, share in zip(checked, shares, strict=True):
        rest = period.amount - share
        if not share or not period.is_posted or period.is_reversed:
            updated.append(attrs.evolve(period, amount=rest) if share else period)
            continue
        on = _reversal_date(period, chosen, day, closed)
        entries.append(_entry(period, AccrualEntryKind.REVERSE, on, share, reference))
        updated.append(attrs.evolve(period, amount=rest, reversed_on=None if rest else on))
    return tuple(updated), tuple(entries)


def accrued_total(periods: Sequence[AccrualPeriod]) -> Money | None:
    """The revenue the periods hold accrued: Σ amounts of the posted, unreversed ones.

    ``None`` when there are no periods (no currency to give a zero in).

    Raises:
        TypeMismatchError: ``periods`` is not a sequence of AccrualPeriod.
        CurrencyMismatchError: (field ``periods[i]``) periods in several currencies.
    """
    checked = _PERIODS.check(periods, "periods")
    if not checked:
        return None
    currency = checked[0].amount.currency
    _one_currency(checked, currency)
    held = (p.amount for p in checked if p.is_posted and not p.is_reversed)
    return Money.total(held, currency)


def accrual_periods_for(
    invoice: Invoice,
    fees: Mapping[str, FeeTransaction],
    policy_of: Callable[[str], tuple[AccrualPolicy | None, date]],
) -> tuple[AccrualPeriod, ...]:
    """The accrual periods a posted document creates: one set per invoiced fee that accrues.

    AX creates the accrual periods of a fee when it is invoiced. A line of ``invoice``
    billing a fee of ``fees`` (by fee id) is cut into periods
    (:func:`accrual_periods`) when ``policy_of(subscription_id)`` gives an accrual
    policy, from the anchor it gives too (where the subscription's periods are counted
    from); lines of order transactions, of zero fees, and of subscriptions whose group
    does not accrue give none.

    Raises:
        TypeMismatchError: ``invoice`` is not an Invoice, ``fees`` not a mapping (or
            a fee the document bills not a FeeTransaction), ``policy_of`` not callable.
    """
    _INVOICE.check(invoice, "invoice")
    _MAPPING.check(fees, "fees")
    is_callable.check(policy_of, "policy_of")
    periods: list[AccrualPeriod] = []
    for line in invoice.lines:
        fee = fees.get(line.source_id)
        if fee is None:
            continue
        # Only the fees the document bills are checked: ``fees`` may be a whole run's.
        _FEE.check(fee, f"fees[{line.source_id!r}]")
        if fee.amount.is_zero:
            continue
        policy, anchor = policy_of(fee.subscription_id)
        if policy is not None:
            periods.extend(
                accrual_periods(
                    source_id=line.source_id,
                    amount=fee.amount,
                    service_period=fee.period,
                    policy=policy,
                    anchor=anchor,
                )
            )
    return tuple(periods)
