"""Agreement lines: what an agreement promises to do, how often, and at which prices."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any, Final, TypedDict

import attrs

from servicedomain._checks import (
    first_duplicate,
    in_,
    instance_of,
    is_bool,
    is_date,
    is_id,
    is_line_number,
    is_price,
    is_quantity,
    is_str,
    optional,
)
from servicedomain.agreements._recurrence import check_recurrence, recurrence_ordinals
from servicedomain.agreements._values import ServiceInterval, TimeWindow, occurrence_ordinals
from servicedomain.errors import (
    CurrencyMismatchError,
    InvalidInputError,
    InvalidPeriodError,
    InvalidPriceError,
    InvalidScheduleError,
    TypeMismatchError,
)
from servicedomain.instants import require_field_name
from servicedomain.money import Money
from servicedomain.orders import ServiceLine, ServiceTask, TransactionType
from servicedomain.periods import DateRange

_ONE_DAY: Final = timedelta(days=1)


_TRANSACTION_TYPE: Final = in_(TransactionType)
_OPTIONAL_PRICE: Final = optional(is_price)
_OPTIONAL_INTERVAL: Final = optional(instance_of(ServiceInterval))
_OPTIONAL_WINDOW: Final = optional(instance_of(TimeWindow))
_RANGE: Final = instance_of(DateRange)
_OPTIONAL_MONEY: Final = optional(instance_of(Money))


def _quantity(value: Decimal | int) -> Decimal:
    return is_quantity.check(value, "quantity")


def _v_sales_price(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    # None, or a price in the currency of the cost price (a check across two fields).
    if value is None:
        return
    price = is_price.check(value, attribute.name)
    cost: Money | None = instance.cost_price
    if cost is not None and price.currency != cost.currency:
        raise CurrencyMismatchError(attribute.name, cost.currency.code, price.currency.code)


def _v_recurrence(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if instance.interval is not None:
        raise InvalidScheduleError(
            attribute.name,
            value,
            "a line recurs by its interval or by its recurrence rule, not both; set interval=None",
        )
    check_recurrence(value, instance.start_date, attribute.name)


def _v_end_date(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    end = is_date.check(value, attribute.name)
    if end < instance.start_date:
        raise InvalidPeriodError(
            attribute.name,
            end,
            f"the end date (inclusive) is before the start date {instance.start_date}",
        )


def _v_preferred_time(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, time):
        raise TypeMismatchError(
            attribute.name, value, f"expected a datetime.time, got {type(value).__name__}"
        )
    if value.tzinfo is not None:
        raise InvalidInputError(
            attribute.name,
            value,
            "a preferred time is a wall-clock time without a zone; generation resolves it "
            "in the zone it is given",
        )


def active_dates(start: date, end: date | None) -> DateRange:
    """``[start, end]`` (inclusive end) as a half-open range; an open end runs to ``date.max``."""
    if end is None or end >= date.max - _ONE_DAY:
        return DateRange(start, date.max)
    return DateRange(start, end + _ONE_DAY)


@attrs.frozen(kw_only=True)
class NewAgreementLine:
    """The fields of a line to add to an agreement (see ``ServiceAgreement.add_line``).

    The agreement assigns the number (the highest number on the agreement + 1) and
    fills a missing price from its defaults: an hour line's cost price from
    ``hour_cost_price``, an expense line's from ``expense_cost_price``, a fee line's
    sales price from ``fee_sales_price``; a fee line without a cost price costs zero.
    Any other missing price is refused when the line is added. The other fields and
    their rules are those of :class:`AgreementLine`.

    >>> from servicedomain.money import Money
    >>> line = NewAgreementLine(
    ...     transaction_type=TransactionType.HOUR, quantity=2, unit="h",
    ...     sales_price=Money(85, "EUR"), start_date=date(2026, 1, 5),
    ... )
    >>> line.cost_price is None, line.quantity
    (True, Decimal('2'))
    """

    transaction_type: TransactionType = attrs.field(validator=_TRANSACTION_TYPE)
    description: str = attrs.field(default="", validator=is_str)
    quantity: Decimal = attrs.field(converter=_quantity)
    unit: str = attrs.field(default="", validator=is_str)
    cost_price: Money | None = attrs.field(default=None, validator=_OPTIONAL_PRICE)
    sales_price: Money | None = attrs.field(default=None, validator=_v_sales_price)
    item_id: str | None = attrs.field(default=None, validator=optional(is_id))
    category_id: str | None = attrs.field(default=None, validator=optional(is_id))
    worker_id: str | None = attrs.field(default=None, validator=optional(is_id))
    service_object_id: str | None = attrs.field(default=None, validator=optional(is_id))
    service_task_id: str | None = attrs.field(default=None, validator=optional(is_id))
    interval: ServiceInterval | None = attrs.field(default=None, validator=_OPTIONAL_INTERVAL)
    time_window: TimeWindow | None = attrs.field(default=None, validator=_OPTIONAL_WINDOW)
    start_date: date = attrs.field(validator=is_date)
    end_date: date | None = attrs.field(default=None, validator=_v_end_date)
    recurrence: str | None = attrs.field(default=None, validator=_v_recurrence)
    preferred_time: time | None = attrs.field(default=None, validator=_v_preferred_time)


_NEW_LINE: Final = instance_of(NewAgreementLine)


@attrs.frozen(kw_only=True)
class AgreementLine(ServiceLine):
    """One line of a service agreement: recurring work to generate orders from.

    A :class:`~servicedomain.orders.ServiceLine`: the fields it shares with order lines
    (type, quantity, unit, prices, item, category, worker, object, task) are declared
    there, with their rules, once.

    Args:
        number: the line number, unique on the agreement, >= 1.
        transaction_type: hour, expense, item or fee.
        description: free text, copied to the generated order lines.
        quantity: a Decimal or an int, >= 0, with at most 6 decimals (as on orders).
        unit: the unit of the quantity.
        cost_price: the cost per unit, >= 0, in minor units.
        sales_price: the sales price per unit, >= 0, in minor units, in the currency
            of ``cost_price``.
        item_id, category_id, worker_id: references to the host's item, project
            category and worker.
        service_object_id, service_task_id: the object and task the line is about;
            they must be related to the agreement.
        interval: how often the line recurs from ``start_date``; ``None`` (and no
            ``recurrence``) = once.
        time_window: how far a generated line may move from its calculated date;
            ``None`` = it stays on it.
        start_date: the first day of the line, and its first occurrence (for a
            ``recurrence``, only when the rule matches it).
        end_date: the last day of the line, **inclusive** (as people type it);
            ``None`` = open-ended.
        recurrence: instead of ``interval``, an RFC 5545 ``RRULE`` value such as
            ``"FREQ=WEEKLY;BYDAY=MO,TH"``, expanded with ``dateutil.rrule`` from
            ``start_date`` (its DTSTART; the start date occurs only if the rule matches
            it). Dates only (``FREQ`` DAILY to YEARLY, no BYHOUR); ``COUNT`` counts
            from ``start_date``, ``UNTIL`` is a date and cuts like ``end_date``. Month
            ends skip: ``BYMONTHDAY=31`` has no February date, ``BYMONTHDAY=-1`` is
            every month end (the how-to page *Generate service orders* shows both).
        preferred_time: the wall-clock time of day the customer prefers (naive).
        stopped: a stopped line generates nothing and is never copied.

    Raises:
        InvalidQuantityError: a float, bool, NaN, negative or too precise quantity.
        InvalidPriceError: a negative price, or one not in minor units.
        CurrencyMismatchError: the prices are in two currencies (field ``sales_price``).
        InvalidPeriodError: ``end_date`` is before ``start_date`` (field ``end_date``).
        TypeMismatchError: a field of the wrong type (e.g. a str transaction type).
        InvalidInputError: a number below 1, an empty id, an aware preferred time.
        InvalidScheduleError: a ``recurrence`` that does not parse, is not a single
            date-based rule, has both UNTIL and COUNT, yields nothing in the 400 years
            from ``start_date``, or comes with an ``interval`` (field ``recurrence``).

    >>> from servicedomain.agreements import IntervalUnit
    >>> from servicedomain.money import Money
    >>> line = AgreementLine(
    ...     number=1, transaction_type=TransactionType.HOUR, quantity=1, unit="h",
    ...     cost_price=Money(40, "EUR"), sales_price=Money(85, "EUR"),
    ...     interval=ServiceInterval(IntervalUnit.WEEK, 1),
    ...     start_date=date(2026, 1, 5), end_date=date(2026, 3, 31),
    ... )
    >>> print(line.active_dates)
    [2026-01-05, 2026-04-01)
    """

    number: int = attrs.field(validator=is_line_number)
    interval: ServiceInterval | None = attrs.field(default=None, validator=_OPTIONAL_INTERVAL)
    time_window: TimeWindow | None = attrs.field(default=None, validator=_OPTIONAL_WINDOW)
    start_date: date = attrs.field(validator=is_date)
    end_date: date | None = attrs.field(default=None, validator=_v_end_date)
    recurrence: str | None = attrs.field(default=None, validator=_v_recurrence)
    preferred_time: time | None = attrs.field(default=None, validator=_v_preferred_time)
    stopped: bool = attrs.field(default=False, validator=is_bool)

    @property
    def active_dates(self) -> DateRange:
        """The line's dates, half-open: ``[start_date, end_date + 1 day)``.

        An open-ended line (no ``end_date``) runs to ``date.max``.
        """
        return active_dates(self.start_date, self.end_date)

    def occurrences(self, within: DateRange) -> list[date]:
        """The line's calculated dates in ``within``, cut to the line's own dates.

        They come from the interval (``start_date + k x interval``), the recurrence rule
        (its dates from ``start_date``), or the start date alone. Stopped or not, the
        dates are the same; the agreement's dates are not applied.

        Raises:
            TypeMismatchError: ``within`` is not a DateRange.

        >>> from servicedomain.money import Money
        >>> month_ends = AgreementLine(
        ...     number=1, transaction_type=TransactionType.FEE, quantity=1,
        ...     cost_price=Money(0, "EUR"), sales_price=Money(30, "EUR"),
        ...     recurrence="FREQ=MONTHLY;BYMONTHDAY=-1", start_date=date(2024, 1, 1))
        >>> [str(d) for d in month_ends.occurrences(DateRange(date(2024, 1, 1), date(2024, 4, 1)))]
        ['2024-01-31', '2024-02-29', '2024-03-31']
        """
        _RANGE.check(within, "within")
        span = self.active_dates
        low = max(within.start, span.start).toordinal()
        high = min(within.end, span.end).toordinal()
        return [date.fromordinal(day) for day in line_ordinals(self, low, high)]

    @classmethod
    def from_new(
        cls,
        new_line: NewAgreementLine,
        *,
        number: int,
        hour_cost_price: Money | None = None,
        expense_cost_price: Money | None = None,
        fee_sales_price: Money | None = None,
        field: str = "new_line",
    ) -> AgreementLine:
        """The line numbered ``number``, its missing prices filled from the defaults given.

        Raises:
            TypeMismatchError: ``new_line`` is not a :class:`NewAgreementLine`.
            InvalidPriceError: a price is still missing (``"<field>.cost_price"`` or
                ``"<field>.sales_price"``).
        """
        require_field_name(field)
        _NEW_LINE.check(new_line, field)
        for name, default in (
            ("hour_cost_price", hour_cost_price),
            ("expense_cost_price", expense_cost_price),
            ("fee_sales_price", fee_sales_price),
        ):
            _OPTIONAL_MONEY.check(default, name)
        fields = attrs.asdict(new_line, recurse=False)
        kind = new_line.transaction_type
        if fields["cost_price"] is None:
            if kind is TransactionType.HOUR:
                fields["cost_price"] = hour_cost_price
            elif kind is TransactionType.EXPENSE:
                fields["cost_price"] = expense_cost_price
        if fields["sales_price"] is None and kind is TransactionType.FEE:
            fields["sales_price"] = fee_sales_price
        if fields["cost_price"] is None and kind is TransactionType.FEE:
            sales: Money | None = fields["sales_price"]
            if sales is not None:
                fields["cost_price"] = Money.zero(sales.currency)
        for name in ("cost_price", "sales_price"):
            if fields[name] is None:
                raise InvalidPriceError(
                    f"{field}.{name}",
                    None,
                    f"a {kind.value} line needs a {name.replace('_', ' ')} and the agreement "
                    "has no default for it",
                )
        try:
            return cls(number=number, **fields)
        except CurrencyMismatchError as error:
            raise CurrencyMismatchError(f"{field}.sales_price", error.left, error.right) from None


def line_ordinals(line: AgreementLine, low: int, high: int) -> list[int]:
    """The ordinals of the calculated dates of ``line`` in ``[low, high)``, ascending.

    The line's own dates are not applied (the caller cuts ``[low, high)`` to them).
    """
    if line.recurrence is not None:
        return recurrence_ordinals(line.recurrence, line.start_date, low, high)
    return occurrence_ordinals(line.interval, line.start_date, low, high)


CHANGEABLE_FIELDS: Final = tuple(
    field.name for field in attrs.fields(AgreementLine) if field.name not in ("number", "stopped")
)
"""The fields of an agreement line that ``change_line`` may change."""


class AgreementLineChanges(TypedDict, total=False):
    """The fields ``ServiceAgreement.change_line`` may change (all optional).

    The number never changes; ``stopped`` has its own operations (``stop_line``,
    ``restart_line``).
    """

    transaction_type: TransactionType
    description: str
    quantity: Decimal | int
    unit: str
    cost_price: Money
    sales_price: Money
    item_id: str | None
    category_id: str | None
    worker_id: str | None
    service_object_id: str | None
    service_task_id: str | None
    interval: ServiceInterval | None
    time_window: TimeWindow | None
    start_date: date
    end_date: date | None
    recurrence: str | None
    preferred_time: time | None


def check_line_set(
    lines: tuple[AgreementLine, ...],
    object_ids: tuple[str, ...],
    service_tasks: tuple[ServiceTask, ...],
    owner: str,
    *,
    objects_field: str,
) -> None:
    """Check the lines and relations of an agreement or a template (``owner`` names it).

    Line numbers, related objects (``object_ids``, the field ``objects_field``) and
    task ids are unique, and every line references only related service objects and
    tasks.

    Raises:
        InvalidInputError: naming the culprit, e.g. ``"lines[2].service_object_id"``.
    """
    seen: dict[int, int] = {}
    for index, line in enumerate(lines):
        if line.number in seen:
            raise InvalidInputError(
                f"lines[{index}].number",
                line.number,
                f"line numbers are unique on {owner}; lines[{seen[line.number]}] has it",
            )
        seen[line.number] = index
    for field, ids in (
        (objects_field, object_ids),
        ("service_tasks", tuple(task.id for task in service_tasks)),
    ):
        repeated = first_duplicate(ids)
        if repeated is not None:
            raise InvalidInputError(field, repeated, f"an id is related to {owner} once")
    objects = set(object_ids)
    tasks = {task.id for task in service_tasks}
    for index, line in enumerate(lines):
        if line.service_object_id is not None and line.service_object_id not in objects:
            raise InvalidInputError(
                f"lines[{index}].service_object_id",
                line.service_object_id,
                f"the service object is not related to {owner}; relate it first",
            )
        if line.service_task_id is not None and line.service_task_id not in tasks:
            raise InvalidInputError(
                f"lines[{index}].service_task_id",
                line.service_task_id,
                f"the service task is not related to {owner}; relate it first",
            )
