"""Argument checks shared by the domain packages: orders, agreements, billing (private)."""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from typing import Any, Protocol, TypeVar

import attrs

from servicedomain.errors import InvalidInputError, RuleViolationError, TypeMismatchError
from servicedomain.instants import require_date, require_instant

EnumT = TypeVar("EnumT", bound=enum.Enum)


def require_str(value: object, field: str) -> str:
    """``value`` if it is a str (empty allowed)."""
    if not isinstance(value, str):
        raise TypeMismatchError(field, value, f"expected a str, got {type(value).__name__}")
    return value


def require_id(value: object, field: str) -> str:
    """``value`` if it is a non-empty str."""
    text = require_str(value, field)
    if not text:
        raise InvalidInputError(field, value, "an id is not empty")
    return text


def require_int(value: object, field: str, *, minimum: int | None = None) -> int:
    """``value`` if it is an int (not a bool), of at least ``minimum`` when one is given."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeMismatchError(field, value, f"expected an int, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise InvalidInputError(field, value, f"must be >= {minimum}")
    return value


def require_enum(value: object, cls: type[EnumT], field: str) -> EnumT:
    """``value`` if it is a member of ``cls``."""
    if not isinstance(value, cls):
        raise TypeMismatchError(field, value, f"expected a {cls.__name__} member")
    return value


def require_instance(value: object, cls: type[Any], field: str) -> None:
    """Raise unless ``value`` is an instance of ``cls``."""
    if not isinstance(value, cls):
        raise TypeMismatchError(
            field, value, f"expected a {cls.__name__}, got {type(value).__name__}"
        )


def require_tuple_of(value: object, cls: type[Any], field: str) -> tuple[Any, ...]:
    """``value`` if it is a tuple whose items are all instances of ``cls``."""
    if not isinstance(value, tuple):
        raise TypeMismatchError(field, value, f"expected a tuple, got {type(value).__name__}")
    for index, item in enumerate(value):
        require_instance(item, cls, f"{field}[{index}]")
    return value


# attrs validators: (instance, attribute, value) -> None; the field is the attribute name.


def v_str(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: a str."""
    require_str(value, attribute.name)


def v_id(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: a non-empty str."""
    require_id(value, attribute.name)


def v_optional_id(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: ``None`` or a non-empty str."""
    if value is not None:
        require_id(value, attribute.name)


def v_bool(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: a bool."""
    if not isinstance(value, bool):
        raise TypeMismatchError(
            attribute.name, value, f"expected a bool, got {type(value).__name__}"
        )


def v_optional_date(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: ``None`` or a date (not a datetime)."""
    if value is not None:
        require_date(value, attribute.name)


def v_optional_instant(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: ``None`` or an aware datetime."""
    if value is not None:
        require_instant(value, attribute.name)


def v_optional_str(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: ``None`` or a str."""
    if value is not None:
        require_str(value, attribute.name)


def v_line_number(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: a line number, an int >= 1."""
    require_int(value, attribute.name, minimum=1)


def first_duplicate(values: Iterable[Any]) -> Any:
    """The first value seen twice in ``values``, or ``None``."""
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


def check_numbers(numbers: object, field: str = "numbers") -> tuple[int, ...]:
    """A non-empty collection of distinct line numbers, as a tuple."""
    if isinstance(numbers, (str, bytes)) or not isinstance(numbers, Collection):
        raise TypeMismatchError(field, numbers, "expected a collection of line numbers")
    checked = tuple(
        require_int(number, f"{field}[{index}]", minimum=1) for index, number in enumerate(numbers)
    )
    if not checked:
        raise InvalidInputError(field, numbers, "name at least one line")
    duplicate = first_duplicate(checked)
    if duplicate is not None:
        raise InvalidInputError(field, numbers, f"line {duplicate} is named twice")
    return checked


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


_Related = TypeVar("_Related", bound=_Identified)


def merge_related(
    entity_id: str,
    kind: str,
    related: tuple[_Related, ...],
    added: Iterable[_Related],
    *,
    error: type[RuleViolationError],
) -> tuple[_Related, ...]:
    """``related`` plus ``added``; an id already related must carry the same value.

    Shared by service orders and agreements, which relate service objects and tasks
    the same way; ``error`` is the rule error of the caller (rule ``<kind>.conflict``).
    """
    by_id = {item.id: item for item in related}
    merged = list(related)
    for item in added:
        existing = by_id.get(item.id)
        if existing is None:
            by_id[item.id] = item
            merged.append(item)
        elif existing != item:
            raise error(
                entity_id,
                f"{kind}.conflict",
                f"service {kind} {item.id!r} is already related as {existing!r}, not {item!r}",
            )
    return tuple(merged)
