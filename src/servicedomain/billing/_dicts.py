"""Reading billing rules (price tables, subscription groups) from plain dicts.

The dict forms are what JSON or TOML give: period codes as ISO-8601 strings (``"P1M"``),
dates as ISO strings (or ``date`` values, as TOML gives them), money as
``{"amount": "500.00", "currency": "EUR"}``, enums by value. A missing required key,
a key not expected or a value of the wrong shape raises an
:class:`~servicedomain.errors.InvalidInputError` whose ``field`` is the key's path
(``"entries[2].price"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final, TypeVar

from servicedomain._checks import check_keys as _check_keys
from servicedomain._checks import instance_of, optional, validator
from servicedomain.errors import InvalidInputError, TypeMismatchError
from servicedomain.money import Money
from servicedomain.periods import PeriodCode

_T = TypeVar("_T")
_E = TypeVar("_E")

_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def at(path: str, key: str) -> str:
    """The path of ``key`` inside ``path`` (``"entries[0]"`` + ``"price"``)."""
    return f"{path}.{key}" if path else key


def mapping(value: object, path: str, what: str) -> Mapping[str, object]:
    """``value`` if it is a mapping with str keys."""
    if not isinstance(value, Mapping):
        raise TypeMismatchError(path or "data", value, f"expected a mapping for {what}")
    for key in value:
        if not isinstance(key, str):
            raise TypeMismatchError(path or "data", key, "expected str keys")
    return value


def check_keys(
    data: Mapping[str, object],
    *,
    kind: str,
    required: Collection[str],
    optional: Collection[str],
    path: str,
) -> None:
    """Refuse a missing required key and any key not listed, naming it (the shared check)."""
    _check_keys(
        data,
        kind=kind,
        required=tuple(required),
        optional=tuple(optional),
        path=f"{path}." if path else "",
    )


_TEXT: Final = instance_of(str, expected="a string")
text: Final = _TEXT.check
"""A str value: ``text(value, field) -> str``."""
optional_text: Final = optional(_TEXT).check
"""A str value, or None."""
flag: Final = instance_of(bool, expected="true or false").check
"""A bool value."""


def period_code(value: object, field: str) -> PeriodCode:
    """A period code, or its ISO-8601 text (``"P3M"``)."""
    if isinstance(value, PeriodCode):
        return value
    try:
        return PeriodCode.parse(text(value, field))
    except InvalidInputError as error:
        if error.field == field:
            raise
        cls: Any = type(error)
        if cls.__init__ is not InvalidInputError.__init__:
            cls = InvalidInputError
        raise cls(field, value, error.reason) from None


def day(value: object, field: str) -> date:
    """A date, or its ISO text (``"2024-01-31"``)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or _ISO_DATE.fullmatch(value) is None:
        raise InvalidInputError(field, value, "expected an ISO date such as '2024-01-31'")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(field, value, "no such date in the calendar") from None


def money(value: object, field: str) -> Money:
    """Money from ``{"amount": "500.00", "currency": "EUR"}``."""
    data = mapping(value, field, "an amount of money")
    check_keys(data, kind="Money", required=("amount", "currency"), optional=(), path=field)
    amount = text(data["amount"], at(field, "amount"))
    currency = text(data["currency"], at(field, "currency"))
    return located(field, lambda: Money.of(amount, currency))


def money_dict(value: Money) -> dict[str, str]:
    """The dict form :func:`money` reads back."""
    return {"amount": format(value.amount, "f"), "currency": value.currency.code}


def choice(value: object, cls: type[_E], field: str) -> _E:
    """The member of the enum ``cls`` whose value is ``value``."""
    for member in cls:  # type: ignore[attr-defined]
        if value == member.value:
            return member  # type: ignore[no-any-return]
    allowed = ", ".join(repr(member.value) for member in cls)  # type: ignore[attr-defined]
    raise InvalidInputError(field, value, f"expected one of {allowed}")


def _check_list(value: object, field: str) -> Sequence[object]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise TypeMismatchError(field, value, f"expected a list, got {type(value).__name__}")
    return value


items: Final = validator(_check_list, "a list (not a string)").check
"""A list (not a string) of items: ``items(value, field) -> Sequence``."""


def located(path: str, build: Callable[[], _T]) -> _T:
    """``build()``, with a refused value's field moved under ``path``.

    A constructor names its own argument (``price``); read from a dict, the error names
    the key's path (``entries[2].price``).
    """
    try:
        return build()
    except InvalidInputError as error:
        if not path or error.field == path or error.field.startswith(path + "."):
            raise
        cls: Any = type(error)
        if cls.__init__ is not InvalidInputError.__init__:
            raise
        raise cls(at(path, error.field), error.value, error.reason) from None
