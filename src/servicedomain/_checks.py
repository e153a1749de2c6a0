"""Argument checks shared by the domain packages: orders, agreements, billing (private)."""

from __future__ import annotations

import decimal
import enum
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final, Protocol, TypeVar

import attrs

from servicedomain.errors import (
    InvalidInputError,
    InvalidPriceError,
    InvalidQuantityError,
    RuleViolationError,
    TypeMismatchError,
)
from servicedomain.instants import require_date, require_instant
from servicedomain.money import Money, check_factor

EnumT = TypeVar("EnumT", bound=enum.Enum)


def require_str(value: object, field: str) -> str:
    """``value`` if it is a str (empty allowed)."""
    if not isinstance(value, str):
        raise TypeMismatchError(field, value, f"expected a str, got {type(value).__name__}")
    return value


MAX_ID_LENGTH: Final = 255
"""The longest id servicedomain accepts (a database key column holds it)."""


def require_id(value: object, field: str) -> str:
    """``value`` if it is an id: a str that is not blank, at most 255 characters long.

    An id names an entity in a host's database and in documents people read, so it has
    no control characters (NUL, newline, tab, ...) and is not only white space. Every id
    of the library goes through this check.
    """
    text = require_str(value, field)
    if not text.strip():
        raise InvalidInputError(field, value, "an id is not empty or blank")
    if len(text) > MAX_ID_LENGTH:
        raise InvalidInputError(field, value, f"an id has at most {MAX_ID_LENGTH} characters")
    if not text.isprintable():
        raise InvalidInputError(field, value, "an id has no control characters (NUL, newline, ...)")
    return text


def require_optional_id(value: object, field: str) -> str | None:
    """``None`` or an id (see :func:`require_id`)."""
    return None if value is None else require_id(value, field)


def require_bool(value: object, field: str) -> bool:
    """``value`` if it is a bool (not an int, not ``None``)."""
    if not isinstance(value, bool):
        raise TypeMismatchError(field, value, f"expected a bool, got {type(value).__name__}")
    return value


def require_iterable(value: object, field: str, what: str = "values") -> Iterable[Any]:
    """``value`` if it is an iterable argument (a list, a tuple, a generator, a view ...).

    A str or bytes is refused: a single id where a list of ids is expected would
    otherwise be read one character at a time. A mapping is refused too (iterating it
    gives only its keys). The items are not read: see :func:`require_items`.
    """
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        raise TypeMismatchError(
            field,
            value,
            f"expected an iterable of {what} (a list or tuple), got {type(value).__name__}",
        )
    return value


def require_items(value: object, field: str, what: str = "values") -> tuple[Any, ...]:
    """The items of an iterable argument (a list, a tuple, a generator ...), as a tuple.

    A str or bytes is refused: a single id where a list of ids is expected would
    otherwise be read one character at a time. A mapping is refused too (iterating it
    gives only its keys).
    """
    return tuple(require_iterable(value, field, what))


def require_items_of(
    value: object, cls: type[Any] | tuple[type[Any], ...], field: str
) -> tuple[Any, ...]:
    """The items of an iterable argument, each an instance of ``cls`` (``field[i]`` named)."""
    names = " or ".join(c.__name__ for c in (cls if isinstance(cls, tuple) else (cls,)))
    items = require_items(value, field, f"{names} values")
    for index, item in enumerate(items):
        if not isinstance(item, cls):
            raise TypeMismatchError(
                f"{field}[{index}]", item, f"expected a {names}, got {type(item).__name__}"
            )
    return items


def _as_tuple(cls: type[Any] | tuple[type[Any], ...]) -> tuple[type[Any], ...]:
    return cls if isinstance(cls, tuple) else (cls,)


def require_ids(value: object, field: str) -> tuple[str, ...]:
    """A collection of ids (never one str read as its characters), each checked as an id."""
    items = require_items(value, field, "ids")
    return tuple(require_id(item, f"{field}[{index}]") for index, item in enumerate(items))


def require_mapping(
    value: object,
    field: str,
    keys: type[Any] | tuple[type[Any], ...] | None = None,
    values: type[Any] | tuple[type[Any], ...] | None = None,
) -> Mapping[Any, Any]:
    """``value`` if it is a mapping whose keys and values are instances of the given types."""
    if not isinstance(value, Mapping):
        raise TypeMismatchError(field, value, f"expected a mapping, got {type(value).__name__}")
    for key, item in value.items():
        if keys is not None and not isinstance(key, keys):
            raise TypeMismatchError(f"{field}[{key!r}]", key, "a key of the wrong type")
        if values is not None and not isinstance(item, values):
            raise TypeMismatchError(
                f"{field}[{key!r}]", item, f"a value of the wrong type: {type(item).__name__}"
            )
    return value


def require_callable(value: object, field: str) -> Callable[..., Any]:
    """``value`` if it can be called."""
    if not callable(value):
        raise TypeMismatchError(field, value, f"expected a callable, got {type(value).__name__}")
    return value


def require_port(value: object, field: str, *methods: str) -> None:
    """Raise unless ``value`` has each of ``methods`` (a port implemented by a host).

    Ports are protocols a host's own classes implement without inheriting, so the
    check is structural: the named methods (or attributes) must be there.
    """
    missing = [name for name in methods if getattr(value, name, None) is None]
    if missing:
        raise TypeMismatchError(
            field,
            value,
            f"expected an object with {', '.join(missing)} (a port), got {type(value).__name__}",
        )


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


def require_instance(value: object, cls: type[Any] | tuple[type[Any], ...], field: str) -> None:
    """Raise unless ``value`` is an instance of ``cls``."""
    if not isinstance(value, cls):
        names = " or ".join(c.__name__ for c in _as_tuple(cls))
        raise TypeMismatchError(field, value, f"expected a {names}, got {type(value).__name__}")


def require_optional_instance(
    value: object, cls: type[Any] | tuple[type[Any], ...], field: str
) -> None:
    """Raise unless ``value`` is ``None`` or an instance of ``cls``."""
    if value is not None:
        require_instance(value, cls, field)


def require_tuple_of(
    value: object, cls: type[Any] | tuple[type[Any], ...], field: str
) -> tuple[Any, ...]:
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


def v_instance(cls: type[Any] | tuple[type[Any], ...]) -> Any:
    """Validator: an instance of ``cls``."""

    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        require_instance(value, cls, attribute.name)

    return validate


def v_optional_instance(cls: type[Any] | tuple[type[Any], ...]) -> Any:
    """Validator: ``None`` or an instance of ``cls``."""

    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        require_optional_instance(value, cls, attribute.name)

    return validate


def v_tuple_of(cls: type[Any] | tuple[type[Any], ...]) -> Any:
    """Validator: a tuple whose items are instances of ``cls``."""

    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        require_tuple_of(value, cls, attribute.name)

    return validate


def v_optional_str(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: ``None`` or a str."""
    if value is not None:
        require_str(value, attribute.name)


def v_line_number(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: a line number, an int >= 1."""
    require_int(value, attribute.name, minimum=1)


def v_version(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: an entity version, an int >= 1."""
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


# ------------------------------------------------------------- line quantities and prices
# Shared by service order lines (orders) and agreement lines (agreements).

QUANTITY_PLACES: Final = 6
"""A quantity has at most this many decimals (0.000001 h is far below any real use)."""

_QUANTITY_QUANTUM: Final = Decimal(1).scaleb(-QUANTITY_PLACES)
_WIDE: Final = decimal.Context(prec=60, Emin=-999_999, Emax=999_999)


def check_quantity(value: object, field: str = "quantity") -> Decimal:
    """``value`` as an exact, finite, non-negative Decimal with at most 6 decimals.

    A charge line never has a negative quantity: a credit is a line of its own kind.

    Raises:
        InvalidQuantityError: a float, bool, string, NaN, infinity, a negative value,
            or more than 6 decimals.
    """
    if isinstance(value, bool):
        raise InvalidQuantityError(field, value, "a bool is not a quantity")
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, float):
        raise InvalidQuantityError(
            field, value, "a float is not an exact quantity; pass a Decimal or an int"
        )
    elif not isinstance(value, Decimal):
        raise InvalidQuantityError(
            field, value, f"expected a Decimal or an int, got {type(value).__name__}"
        )
    if not value.is_finite():
        raise InvalidQuantityError(field, value, "NaN and infinities are not quantities")
    if value < 0:
        raise InvalidQuantityError(field, value, "a quantity is >= 0")
    check_factor(value, field, InvalidQuantityError)  # the supported range (money.py)
    try:
        exact = value.quantize(_QUANTITY_QUANTUM, context=_WIDE) == value
    except decimal.InvalidOperation:
        raise InvalidQuantityError(field, value, "the quantity is too large") from None
    if not exact:
        raise InvalidQuantityError(
            field, value, f"a quantity has at most {QUANTITY_PLACES} decimals"
        )
    return value


def check_price(value: object, field: str) -> Money:
    """``value`` if it is a non-negative Money rounded to its currency's minor units.

    Raises:
        TypeMismatchError: not a :class:`~servicedomain.money.Money`.
        InvalidPriceError: negative, or not rounded to minor units.
    """
    if not isinstance(value, Money):
        raise TypeMismatchError(field, value, f"expected Money, got {type(value).__name__}")
    if value.amount < 0:
        raise InvalidPriceError(field, value, "a price is >= 0")
    if not value.is_rounded:
        raise InvalidPriceError(
            field, value, "a price is a whole number of minor units; round() it first"
        )
    return value
