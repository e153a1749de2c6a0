"""Posting values: the journal entries a posting run makes, and the plan that lists them."""

from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Final

import attrs

from servicedomain._checks import (
    and_,
    deep_iterable,
    instance_of,
    is_date,
    is_id,
    is_line_number,
    is_price,
    is_str,
    optional,
    predicate,
)
from servicedomain._enums import StrictEnum
from servicedomain.errors import InvalidInputError, TypeMismatchError
from servicedomain.money import Money
from servicedomain.orders._lines import (
    _TRANSACTION_TYPE,
    LineStatus,
    ServiceOrderLine,
    TransactionType,
    _quantity,
    _v_sales_price,
)
from servicedomain.periods import DateRange


class SkipReason(StrictEnum, enum.StrEnum):
    """Why a posting run leaves a line out (a ``str``, so it compares to plain text)."""

    ALREADY_POSTED = "already posted"
    CANCELED = "canceled"
    TYPE_NOT_SELECTED = "type not selected"
    NO_TRANSACTION_DATE = "no transaction date"
    NOT_IN_RANGE = "not in the date range"
    NOT_SIGNED_OFF = "not signed off"


def check_types(types: object) -> frozenset[TransactionType]:
    """A non-empty collection of transaction types, as a frozenset."""
    if isinstance(types, (str, bytes)) or not isinstance(types, Collection):
        raise TypeMismatchError("types", types, "expected a collection of TransactionType")
    checked = frozenset(
        _TRANSACTION_TYPE.check(kind, f"types[{index}]") for index, kind in enumerate(types)
    )
    if not checked:
        raise InvalidInputError("types", types, "select at least one transaction type to post")
    return checked


def skip_reason(
    line: ServiceOrderLine,
    period: DateRange,
    types: frozenset[TransactionType],
    require_sign_off: bool,
) -> SkipReason | None:
    """Why a posting run leaves ``line`` out, or ``None`` when it posts it.

    The first reason that applies wins, in the order of :class:`SkipReason`.
    """
    day = line.transaction_date
    reasons = (
        (line.status is LineStatus.POSTED, SkipReason.ALREADY_POSTED),
        (line.status is LineStatus.CANCELED, SkipReason.CANCELED),
        (line.transaction_type not in types, SkipReason.TYPE_NOT_SELECTED),
        (day is None, SkipReason.NO_TRANSACTION_DATE),
        (day is not None and day not in period, SkipReason.NOT_IN_RANGE),
        (require_sign_off and not line.signed_off, SkipReason.NOT_SIGNED_OFF),
    )
    return next((reason for applies, reason in reasons if applies), None)


_LINE: Final = instance_of(ServiceOrderLine)


@attrs.frozen(kw_only=True)
class JournalEntry:
    """One posted line, as the ``Journal`` port receives it.

    ``key`` (``(order_id, line_number)``) is the natural key: a line is posted at most
    once, so a journal adapter can refuse a second entry with the same key. ``cost``
    and ``revenue`` are the line's amounts, rounded once per line.
    """

    order_id: str = attrs.field(validator=is_id)
    line_number: int = attrs.field(validator=is_line_number)
    transaction_type: TransactionType = attrs.field(validator=_TRANSACTION_TYPE)
    transaction_date: date = attrs.field(validator=is_date)
    quantity: Decimal = attrs.field(converter=_quantity)
    unit: str = attrs.field(validator=is_str)
    cost_price: Money = attrs.field(validator=is_price)
    sales_price: Money = attrs.field(validator=_v_sales_price)
    cost: Money = attrs.field(validator=is_price)
    revenue: Money = attrs.field(validator=is_price)
    customer_id: str = attrs.field(validator=is_id)
    project_id: str | None = attrs.field(validator=optional(is_id))
    agreement_id: str | None = attrs.field(validator=optional(is_id))
    category_id: str | None = attrs.field(validator=optional(is_id))
    item_id: str | None = attrs.field(validator=optional(is_id))
    worker_id: str | None = attrs.field(validator=optional(is_id))
    description: str = attrs.field(validator=is_str)

    @property
    def key(self) -> tuple[str, int]:
        """The natural key ``(order_id, line_number)``: a line is posted at most once."""
        return (self.order_id, self.line_number)

    @classmethod
    def for_line(
        cls,
        line: ServiceOrderLine,
        *,
        order_id: str,
        customer_id: str,
        project_id: str | None,
        agreement_id: str | None,
    ) -> JournalEntry:
        """The entry that posts ``line`` of an order with these header fields.

        Raises:
            InvalidInputError: the line has no transaction date (the field is
                ``"transaction_date"``).
        """
        _LINE.check(line, "line")
        transaction_date = line.transaction_date
        if transaction_date is None:
            raise InvalidInputError(
                "transaction_date", None, f"line {line.number} has no date to post on"
            )
        return cls(
            order_id=order_id,
            line_number=line.number,
            transaction_type=line.transaction_type,
            transaction_date=transaction_date,
            quantity=line.quantity,
            unit=line.unit,
            cost_price=line.cost_price,
            sales_price=line.sales_price,
            cost=line.cost,
            revenue=line.revenue,
            customer_id=customer_id,
            project_id=project_id,
            agreement_id=agreement_id,
            category_id=line.category_id,
            item_id=line.item_id,
            worker_id=line.worker_id,
            description=line.description,
        )


def _is_skip_pair(item: tuple[object, ...]) -> bool:
    return (
        len(item) == 2
        and not isinstance(item[0], bool)
        and isinstance(item[0], int)
        and isinstance(item[1], str)
    )


_ENTRIES: Final = deep_iterable(instance_of(JournalEntry))
_SKIPPED: Final = deep_iterable(
    and_(instance_of(tuple), predicate(_is_skip_pair, "expected a (line number, reason) pair"))
)


@attrs.frozen(kw_only=True)
class PostingPlan:
    """What a posting run of one order would post, and what it leaves out and why.

    Attributes:
        order_id: the order.
        entries: the journal entries, in line-number order.
        skipped: ``(line number, reason)`` for every line left out, in line order; the
            reasons are :class:`SkipReason` members.
    """

    order_id: str = attrs.field(validator=is_id)
    entries: tuple[JournalEntry, ...] = attrs.field(validator=_ENTRIES)
    skipped: tuple[tuple[int, str], ...] = attrs.field(default=(), validator=_SKIPPED)

    def __attrs_post_init__(self) -> None:
        for index, entry in enumerate(self.entries):
            if entry.order_id != self.order_id:
                raise InvalidInputError(
                    f"entries[{index}].order_id", entry.order_id, f"not order {self.order_id!r}"
                )

    @property
    def is_empty(self) -> bool:
        """True when the run would post nothing."""
        return not self.entries

    @property
    def line_numbers(self) -> tuple[int, ...]:
        """The numbers of the lines the run posts."""
        return tuple(entry.line_number for entry in self.entries)

    def by_type(self) -> dict[TransactionType, tuple[JournalEntry, ...]]:
        """The entries grouped by transaction type (each type posts to its own journal).

        Only types with at least one entry are keys, in :class:`TransactionType` order;
        within a type the entries keep line order.
        """
        grouped: dict[TransactionType, tuple[JournalEntry, ...]] = {}
        for kind in TransactionType:
            entries = tuple(e for e in self.entries if e.transaction_type is kind)
            if entries:
                grouped[kind] = entries
        return grouped

    def reason_skipped(self, number: int) -> str | None:
        """Why line ``number`` is left out, or ``None`` when it is not."""
        is_line_number.check(number, "number")
        for skipped_number, reason in self.skipped:
            if skipped_number == number:
                return reason
        return None
