"""How values become rows and documents, and come back: explicit, one function per table.

Documents (aggregates, invoices, invoiced items, accrual periods, journal entries,
events) go through :mod:`servicedomain.serialization` unless a :class:`Codec` says
otherwise; fees, the ledger that grows fastest, are plain columns written and read by
hand.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from servicedomain import serialization
from servicedomain._checks import instance_of
from servicedomain.billing import FeeKind, FeeTransaction
from servicedomain.errors import InvalidDocumentError, TypeMismatchError
from servicedomain.money import ISO_4217, Currency, Money
from servicedomain.periods import DateRange

_T = TypeVar("_T")


def _is_type(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, type):
        raise TypeMismatchError(attribute.name, value, "expected a class")


def _is_callable(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not callable(value):
        raise TypeMismatchError(attribute.name, value, "expected a callable")


@attrs.frozen
class Codec(Generic[_T]):
    """How the SQL adapter writes one type as a JSON document and reads it back.

    The library's own types need none (:func:`codec_of` builds theirs from
    :mod:`servicedomain.serialization`); give one for each entity type of your own that
    a store keeps, and for the entries of a journal of your own.

    >>> import attrs
    >>> @attrs.frozen
    ... class Widget:
    ...     id: str
    ...     version: int
    ...     name: str
    >>> codec = Codec(Widget, attrs.asdict, lambda data: Widget(**data))
    >>> codec.decode(codec.encode(Widget("W-1", 1, "pump")))
    Widget(id='W-1', version=1, name='pump')

    Attributes:
        type: the class whose instances it writes and reads.
        encode: the value as a JSON-safe dict.
        decode: the value back from such a dict.
        schema_version: the version of the document layout, stored beside it.
    """

    type: builtins.type[_T] = attrs.field(validator=_is_type)  # the field shadows the builtin
    encode: Callable[[_T], dict[str, Any]] = attrs.field(validator=_is_callable)
    decode: Callable[[Mapping[str, Any]], _T] = attrs.field(validator=_is_callable)
    schema_version: int = attrs.field(default=1, validator=instance_of(int))

    @property
    def name(self) -> str:
        """The type's name, as stored in rows that name their type."""
        return self.type.__name__


def codec_of(cls: type[_T]) -> Codec[_T]:
    """The codec of a library type, from :mod:`servicedomain.serialization`.

    Raises:
        InvalidDocumentError: the serialization does not know ``cls``.
    """
    version = serialization.SCHEMA_VERSIONS.get(cls)
    if version is None:
        raise InvalidDocumentError(
            "cls", cls, "not a type servicedomain.serialization reads and writes: give a Codec"
        )
    return Codec(
        cls, serialization.to_dict, lambda data: serialization.from_dict(cls, data), version
    )


# ---------------------------------------------------------------------------- fees

_FEE_KINDS = {kind.value: kind for kind in FeeKind}


def fee_row(fee: FeeTransaction) -> dict[str, Any]:
    """A fee as a row of ``servicedomain_fees``."""
    period, billing, adjusts, amount = fee.period, fee.billing_period, fee.adjusts, fee.amount
    currency = amount.currency
    return {
        "subscription_id": fee.subscription_id,
        "kind": fee.kind.value,
        "period_start": period.start,
        "period_end": period.end,
        "revision": fee.revision,
        "id": fee.id,
        "billing_start": billing.start,
        "billing_end": billing.end,
        "amount": amount.amount,
        "price": fee.price.amount,
        "currency": currency.code,
        "minor_units": currency.minor_units,
        "customer_id": fee.customer_id,
        "project_id": fee.project_id,
        "category_id": fee.category_id,
        "due_date": fee.due_date,
        "adjusts_start": None if adjusts is None else adjusts.start,
        "adjusts_end": None if adjusts is None else adjusts.end,
    }


def fee_from_row(row: Mapping[Any, Any]) -> FeeTransaction:
    """A fee back from its row, through the validating constructors.

    Raises:
        InvalidDocumentError: the row holds what no fee can be (a hand-edited table).
    """
    try:
        currency = _currency(row["currency"], row["minor_units"])
        adjusts = (
            None
            if row["adjusts_start"] is None
            else DateRange(row["adjusts_start"], row["adjusts_end"])
        )
        return FeeTransaction(
            subscription_id=row["subscription_id"],
            kind=_FEE_KINDS[row["kind"]],
            period=DateRange(row["period_start"], row["period_end"]),
            billing_period=DateRange(row["billing_start"], row["billing_end"]),
            amount=Money(row["amount"], currency),
            price=Money(row["price"], currency),
            customer_id=row["customer_id"],
            project_id=row["project_id"],
            category_id=row["category_id"],
            due_date=row["due_date"],
            adjusts=adjusts,
            revision=row["revision"],
        )
    except (KeyError, ValueError, TypeError) as error:
        raise InvalidDocumentError(
            "servicedomain_fees", dict(row), f"not a fee row: {error}"
        ) from None


def _currency(code: str, minor_units: int) -> Currency:
    if code in ISO_4217:
        known = ISO_4217.get(code)
        if known.minor_units == minor_units:
            return known
    return Currency(code, minor_units)
