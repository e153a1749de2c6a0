"""The attrs validators billing's values share: each names the field it refuses."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from servicedomain._checks import require_enum, require_int
from servicedomain.errors import InvalidAmountError, TypeMismatchError
from servicedomain.instants import require_date
from servicedomain.money import Money
from servicedomain.periods import DateRange, PeriodCode

__all__ = [
    "require_money",
    "v_count",
    "v_date",
    "v_enum",
    "v_money",
    "v_optional_range",
    "v_period",
    "v_range",
]

_E = TypeVar("_E", bound=enum.Enum)
Validator = Callable[[Any, "attrs.Attribute[Any]", object], None]


def require_money(value: object, field: str) -> Money:
    """``value`` if it is Money rounded to its currency's minor units."""
    if not isinstance(value, Money):
        raise TypeMismatchError(field, value, f"expected Money, got {type(value).__name__}")
    if not value.is_rounded:
        raise InvalidAmountError(field, value, "an amount is rounded to the currency's decimals")
    return value


def v_money(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A rounded amount."""
    require_money(value, attribute.name)


def v_date(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A date (not a datetime)."""
    require_date(value, attribute.name)


def v_enum(cls: type[_E]) -> Validator:
    """A member of ``cls``."""

    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        require_enum(value, cls, attribute.name)

    return check


def v_count(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An int >= 0 (a version, a revision, a number)."""
    require_int(value, attribute.name, minimum=0)


def v_range(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A DateRange."""
    if not isinstance(value, DateRange):
        raise TypeMismatchError(attribute.name, value, "expected a DateRange")


def v_optional_range(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """None or a DateRange."""
    if value is not None:
        v_range(instance, attribute, value)


def v_period(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A PeriodCode."""
    if not isinstance(value, PeriodCode):
        raise TypeMismatchError(attribute.name, value, "expected a PeriodCode")
