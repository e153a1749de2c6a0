"""The validator toolkit: composable checks that raise servicedomain's errors (private).

The checks of arguments and attributes are built here, in the style of attrs'
validators (``instance_of``, ``optional``, ``deep_iterable``, ``deep_mapping``, ``in_``,
``and_``) plus the domain's own (ids, money, prices, quantities, dates, instants). The
modules below this one in the layers of design.md (errors, instants, money) keep their
primitive checks, which the domain validators here use. A :class:`Validator` is both:

* an attrs validator, ``attrs.field(validator=is_id)``, which names the attribute; and
* a check of an argument, ``is_id.check(value, "customer_id")``, which returns the
  value (converted where the check converts: a quantity given as an int comes back a
  Decimal).

A refused value raises a subclass of :class:`~servicedomain.errors.InvalidInputError`
(also a ``ValueError``) or of :class:`~servicedomain.errors.TypeMismatchError` (also a
``TypeError``) naming the field and the value; items are named ``field[i]``, mapping
entries ``field[key]``. :func:`check_keys` is the one check of a rule dict's keys that
every ``from_dict`` uses: an unknown or a missing key is named with its path and the
type being read.

The fast paths (:mod:`servicedomain._trusted`) build values without running any of this.
Every package checks its arguments and fields with these validators; none writes its own.
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final, Protocol, TypeVar, cast, overload

import attrs

from servicedomain.errors import (
    InvalidAmountError,
    InvalidInputError,
    InvalidPriceError,
    InvalidQuantityError,
    RuleViolationError,
    TypeMismatchError,
)
from servicedomain.instants import require_date, require_instant
from servicedomain.money import Money, check_factor

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)
EnumT = TypeVar("EnumT", bound=enum.Enum)
Check = Callable[[object, str], _T]
"""A check of one value: ``(value, field) -> value`` (converted), or it raises."""
Types = type[Any] | tuple[type[Any], ...]


class Validator(Protocol[_T_co]):
    """One check, usable as an attrs validator and on arguments.

    A validator is a plain function (attrs calls it with the instance, the attribute
    and the value, and the error names the attribute), so a constructor pays one call
    per field, with two attributes:

    Attributes:
        check: ``(value, field) -> value``: the value (converted where the check
            converts) or a library error naming ``field``.
        description: what the check accepts, in words.
    """

    @property
    def check(self) -> Check[_T_co]:
        """The check of an argument: ``(value, field) -> value``."""

    @property
    def description(self) -> str:
        """What the check accepts, in words."""

    def __call__(self, instance: object, attribute: attrs.Attribute[Any], value: object, /) -> None:
        """Check an attrs attribute's value; the error names the attribute."""


_AttrsValidator = Callable[[object, "attrs.Attribute[Any]", object], None]


def _make(
    check: Check[_T], description: str, validate: _AttrsValidator | None = None
) -> Validator[_T]:
    """A validator from its check; ``validate`` is an inline attrs form of the same check."""
    if validate is None:

        def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
            check(value, attribute.name)

    validate.check = check  # type: ignore[attr-defined]
    validate.description = description  # type: ignore[attr-defined]
    validate.__qualname__ = validate.__name__ = f"<validator: {description}>"
    return cast("Validator[_T]", validate)


def _names(types: Types) -> str:
    return " or ".join(c.__name__ for c in (types if isinstance(types, tuple) else (types,)))


# ------------------------------------------------------------------------ combinators


@overload
def instance_of(
    types: type[_T],
    *,
    reason: str | None = ...,
    error: type[InvalidInputError] = ...,
    expected: str | None = ...,
) -> Validator[_T]: ...
@overload
def instance_of(
    types: tuple[type[Any], ...],
    *,
    reason: str | None = ...,
    error: type[InvalidInputError] = ...,
    expected: str | None = ...,
) -> Validator[Any]: ...
def instance_of(
    types: Types,
    *,
    reason: str | None = None,
    error: type[InvalidInputError] = TypeMismatchError,
    expected: str | None = None,
) -> Validator[Any]:
    """An instance of ``types`` (a class or a tuple of classes).

    The reason is ``"expected a <names>, got <type>"`` unless ``reason`` is given;
    ``expected`` words what is expected instead of ``a <names>`` (``"true or false"``
    for a flag read from a rule file), still followed by ``", got <type>"``. ``error``
    is the error raised (a type mismatch by default).
    """
    what = f"expected {expected or f'a {_names(types)}'}"

    def check(value: object, field: str) -> object:
        if not isinstance(value, types):
            raise error(field, value, reason or f"{what}, got {type(value).__name__}")
        return value

    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, types):  # inline: the commonest check of a constructor
            check(value, attribute.name)

    return _make(check, f"instance of {_names(types)}", validate)


def optional(validator: Validator[_T]) -> Validator[_T | None]:
    """``None``, or a value ``validator`` accepts."""
    inner = validator.check

    def check(value: object, field: str) -> _T | None:
        return None if value is None else inner(value, field)

    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            inner(value, attribute.name)

    return _make(check, f"None or {validator.description}", validate)


def and_(*validators: Validator[Any]) -> Validator[Any]:
    """A value every one of ``validators`` accepts, in order (each gets the last's result)."""
    checks = tuple(v.check for v in validators)

    def check(value: object, field: str) -> object:
        for one in checks:
            value = one(value, field)
        return value

    return _make(check, " and ".join(v.description for v in validators))


def in_(
    options: type[EnumT] | Collection[Any],
    *,
    reason: str | None = None,
    error: type[InvalidInputError] = TypeMismatchError,
) -> Validator[Any]:
    """A member of an enum class, or one of a collection of values.

    For an enum the value must be a member (its value, such as ``"high"``, is refused:
    parse it with the enum first). The reason is ``"expected a <Enum> member"`` or
    ``"expected one of ..."`` unless ``reason`` is given; ``error`` defaults to a type
    mismatch for an enum and to :class:`InvalidInputError` for a collection.
    """
    if isinstance(options, type) and issubclass(options, enum.Enum):
        cls = options

        def check_member(value: object, field: str) -> object:
            if not isinstance(value, cls):
                raise error(field, value, reason or f"expected a {cls.__name__} member")
            return value

        return _make(check_member, f"a {cls.__name__} member")
    allowed = frozenset(options)
    listed = ", ".join(sorted(repr(option) for option in allowed))
    chosen = error if error is not TypeMismatchError else InvalidInputError

    def check_in(value: object, field: str) -> object:
        try:
            found = value in allowed
        except TypeError:  # an unhashable value is none of them
            found = False
        if not found:
            raise chosen(field, value, reason or f"expected one of {listed}")
        return value

    return _make(check_in, f"one of {listed}")


def _refuse_non_iterable(value: object, field: str, what: str) -> Iterable[Any]:
    # A str or bytes would be read one character at a time, a mapping as its keys.
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        raise TypeMismatchError(
            field,
            value,
            f"expected an iterable of {what} (a list or tuple), got {type(value).__name__}",
        )
    return value


def iterable(what: str = "values") -> Validator[Iterable[Any]]:
    """An iterable argument (a list, a tuple, a generator, a view ...), not read.

    A str or bytes is refused (a single id where ids are expected would otherwise be
    read one character at a time), and so is a mapping (iterating it gives only its
    keys). ``what`` names the items in the message.
    """
    return _make(lambda v, f: _refuse_non_iterable(v, f, what), f"iterable of {what}")


def items(what: str = "values") -> Validator[tuple[Any, ...]]:
    """The items of an iterable argument (see :func:`iterable`), read into a tuple."""
    return _make(lambda v, f: tuple(_refuse_non_iterable(v, f, what)), f"items of {what}")


_TUPLE: Final = instance_of(tuple)


def deep_iterable(
    member: Validator[Any], iterable: Validator[Any] = _TUPLE
) -> Validator[tuple[Any, ...]]:
    """A collection ``iterable`` accepts (a tuple by default) of items ``member`` accepts.

    The items are checked in order and named ``field[i]``; the result is a tuple of
    the checked (converted) items. With :func:`items` as ``iterable`` any list, tuple
    or generator is read.
    """
    outer, inner = iterable.check, member.check

    def check(value: object, field: str) -> tuple[Any, ...]:
        found = outer(value, field)
        return tuple(inner(item, f"{field}[{i}]") for i, item in enumerate(found))

    return _make(check, f"{iterable.description} of {member.description}")


def fixed_tuple(*members: Validator[Any]) -> Validator[tuple[Any, ...]]:
    """A tuple of ``len(members)`` items, the i-th one accepted by ``members[i]``.

    Such as a pair ``(line number, transaction id)``; an item is named ``field[i]``, a
    tuple of another length is an :class:`InvalidInputError`.
    """
    checks = tuple(member.check for member in members)
    size = len(checks)
    what = f"({', '.join(member.description for member in members)})"

    def check(value: object, field: str) -> tuple[Any, ...]:
        if not isinstance(value, tuple):
            raise TypeMismatchError(
                field, value, f"expected a tuple {what}, got {type(value).__name__}"
            )
        if len(value) != size:
            raise InvalidInputError(field, value, f"expected {size} items {what}")
        return tuple(
            one(item, f"{field}[{i}]")
            for i, (one, item) in enumerate(zip(checks, value, strict=True))
        )

    return _make(check, f"tuple {what}")


def items_of(types: Types) -> Validator[tuple[Any, ...]]:
    """The items of an iterable argument (see :func:`items`), each an instance of ``types``.

    The items are named ``field[i]``; the result is a tuple.
    """
    return deep_iterable(instance_of(types), items(f"{_names(types)} values"))


def deep_mapping(
    key: Validator[Any] | None = None,
    value: Validator[Any] | None = None,
    *,
    reason: str = "expected a mapping",
) -> Validator[Mapping[Any, Any]]:
    """A mapping whose keys ``key`` and values ``value`` accept (``None``: any).

    An entry is named ``field[key]``; the mapping itself is returned (not copied).
    """
    key_check = key.check if key is not None else None
    value_check = value.check if value is not None else None

    def check(found: object, field: str) -> Mapping[Any, Any]:
        if not isinstance(found, Mapping):
            raise TypeMismatchError(field, found, f"{reason}, got {type(found).__name__}")
        for k, v in found.items():
            if key_check is not None:
                key_check(k, f"{field}[{k!r}]")
            if value_check is not None:
                value_check(v, f"{field}[{k!r}]")
        return found

    return _make(check, "mapping")


def predicate(
    test: Callable[[Any], bool], reason: str, *, error: type[InvalidInputError] = InvalidInputError
) -> Validator[Any]:
    """A value for which ``test`` is true; ``reason`` says why another one is refused."""

    def check(value: object, field: str) -> object:
        if not test(value):
            raise error(field, value, reason)
        return value

    return _make(check, reason)


def validator(check: Check[_T], description: str = "custom check") -> Validator[_T]:
    """A :class:`Validator` from a ``(value, field) -> value`` function of a module's own."""
    return _make(check, description)


# ---------------------------------------------------------------------- plain values


def integer(
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    reason: str | None = None,
    error: type[InvalidInputError] = InvalidInputError,
) -> Validator[int]:
    """An int (never a bool) within ``minimum`` and ``maximum`` (both included).

    A non-int is a :class:`TypeMismatchError` (``"expected an int, got <type>"``); an int
    out of range is ``error`` with ``reason`` (``"must be >= <minimum>"`` by default).
    """

    def check(value: object, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeMismatchError(field, value, f"expected an int, got {type(value).__name__}")
        if minimum is not None and value < minimum:
            raise error(field, value, reason or f"must be >= {minimum}")
        if maximum is not None and value > maximum:
            raise error(field, value, reason or f"must be <= {maximum}")
        return value

    return _make(check, f"int in [{minimum}, {maximum}]")


MAX_ID_LENGTH: Final = 255
"""The longest id servicedomain accepts (a database key column holds it)."""


def _check_id(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise TypeMismatchError(field, value, f"expected a str, got {type(value).__name__}")
    if not value.strip():
        raise InvalidInputError(field, value, "an id is not empty or blank")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidInputError(field, value, f"an id has at most {MAX_ID_LENGTH} characters")
    if not value.isprintable():
        raise InvalidInputError(field, value, "an id has no control characters (NUL, newline, ...)")
    return value


is_str: Final[Validator[str]] = instance_of(str)
"""A str (empty allowed)."""
is_bool: Final[Validator[bool]] = instance_of(bool)
"""A bool (not an int, not ``None``)."""
is_id: Final = _make(_check_id, "an id")
"""An id: a str that is not blank, at most 255 characters, with no control characters.

An id names an entity in a host's database and in documents people read. Every id of
the library goes through this check.
"""
is_optional_id: Final = optional(is_id)
"""``None`` or an id."""
is_ids: Final = deep_iterable(is_id, items("ids"))
"""A collection of ids (a list, a tuple, a generator; never one str read as its
characters), each checked as an id, read into a tuple."""
is_count: Final = integer(minimum=0)
"""An int >= 0 (a revision, a number of something)."""
is_line_number: Final = integer(minimum=1)
"""A line number: an int >= 1."""
is_version: Final = integer(minimum=1)
"""An entity version: an int >= 1."""


def _check_callable(value: object, field: str) -> Callable[..., Any]:
    if not callable(value):
        raise TypeMismatchError(field, value, f"expected a callable, got {type(value).__name__}")
    return value


is_callable: Final = _make(_check_callable, "a callable")
"""Something that can be called."""


def port(*methods: str) -> Validator[Any]:
    """An object with each of ``methods`` (a port implemented by a host).

    Ports are protocols a host's own classes implement without inheriting, so the
    check is structural: the named methods (or attributes) must be there.
    """

    def check(value: object, field: str) -> object:
        missing = [name for name in methods if getattr(value, name, None) is None]
        if missing:
            raise TypeMismatchError(
                field,
                value,
                f"expected an object with {', '.join(missing)} (a port), "
                f"got {type(value).__name__}",
            )
        return value

    return _make(check, f"port with {', '.join(methods)}")


# --------------------------------------------------------------------- domain values
# Dates, instants and amounts are defined by the modules below this one (instants.py,
# money.py: the layers of design.md section 1), whose own checks these validators use.

is_date: Final = _make(require_date, "a date (not a datetime)")
"""A ``datetime.date`` that is not a ``datetime``."""
is_instant: Final = _make(require_instant, "an instant")
"""An instant: an aware datetime within the supported years (see instants.py)."""


def _check_money(value: object, field: str) -> Money:
    if not isinstance(value, Money):
        raise TypeMismatchError(field, value, f"expected Money, got {type(value).__name__}")
    if not value.is_rounded:
        raise InvalidAmountError(field, value, "an amount is rounded to the currency's decimals")
    return value


is_money: Final = _make(_check_money, "Money rounded to minor units")
"""Money rounded to its currency's minor units (any sign)."""


def _check_price(value: object, field: str) -> Money:
    if not isinstance(value, Money):
        raise TypeMismatchError(field, value, f"expected Money, got {type(value).__name__}")
    if value.amount < 0:
        raise InvalidPriceError(field, value, "a price is >= 0")
    if not value.is_rounded:
        raise InvalidPriceError(
            field, value, "a price is a whole number of minor units; round() it first"
        )
    return value


is_price: Final = _make(_check_price, "a price")
"""A price: non-negative Money rounded to its currency's minor units.

Raises :class:`TypeMismatchError` for a non-Money, :class:`InvalidPriceError` for a
negative or unrounded one.
"""

QUANTITY_PLACES: Final = 6
"""A quantity has at most this many decimals (0.000001 h is far below any real use)."""

_QUANTITY_QUANTUM: Final = Decimal(1).scaleb(-QUANTITY_PLACES)
_WIDE: Final = decimal.Context(prec=60, Emin=-999_999, Emax=999_999)


def _check_quantity(value: object, field: str) -> Decimal:
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
    check_factor(value, field, InvalidQuantityError)  # the supported range
    try:
        exact = value.quantize(_QUANTITY_QUANTUM, context=_WIDE) == value
    except decimal.InvalidOperation:
        raise InvalidQuantityError(field, value, "the quantity is too large") from None
    if not exact:
        raise InvalidQuantityError(
            field, value, f"a quantity has at most {QUANTITY_PLACES} decimals"
        )
    return value


is_quantity: Final = _make(_check_quantity, "a quantity")
"""A line quantity: an exact, finite Decimal (or int, returned as a Decimal) >= 0 with at
most 6 decimals; a charge line never has a negative quantity (a credit is a line of its
own kind). Anything else is an :class:`InvalidQuantityError`.
"""


# ------------------------------------------------------------------------- rule dicts


def check_keys(
    data: object,
    *,
    kind: str,
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
    path: str = "",
    error: type[InvalidInputError] = InvalidInputError,
) -> Mapping[str, object]:
    """``data`` if it is a mapping with every ``required`` key and no key not listed.

    The one check of the keys of a dict that a rule's ``from_dict`` reads (a stage
    graph, a working calendar, an SLA, a schedule, ...), so a typo is never silently
    ignored. ``kind`` names the type being read and ``path`` where ``data`` sits (empty
    at the top, else ending in a dot, such as ``"stages[2].rules."``); the error's
    field is the path of the culprit key and the reason names the kind.

    Raises:
        TypeMismatchError: ``data`` is not a mapping (``field`` is the path, or
            ``"data"`` at the top); ``error`` instead when it is a subclass of
            :class:`InvalidInputError` (such as ``InvalidCalendarError``).
        error: an unknown key (reason ``"unknown key of <kind>; expected ..."``) or a
            missing one (``"this key of <kind> is required"``), first in the order the
            data gives its keys (for unknown keys) and ``required`` lists them.
    """
    needed = required if type(required) is tuple else tuple(required)
    allowed = optional if type(optional) is tuple else tuple(optional)
    if type(data) is not dict and not isinstance(data, Mapping):
        field = path.removesuffix(".") or "data"
        refused = TypeMismatchError if error is InvalidInputError else error
        raise refused(field, data, f"expected a mapping for {kind}, got {type(data).__name__}")
    for key in data:
        if key not in needed and key not in allowed:
            known = ", ".join((*needed, *allowed))
            raise error(f"{path}{key}", data[key], f"unknown key of {kind}; expected {known}")
    for key in needed:
        if key not in data:
            raise error(f"{path}{key}", None, f"this key of {kind} is required")
    return data


# ------------------------------------------------------------- shared helpers


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
        is_line_number.check(number, f"{field}[{index}]") for index, number in enumerate(numbers)
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
