"""The base of every public enum of servicedomain (private to the package).

An enum's constructor looks a member up by its value: ``Priority("high")``. The
standard lookup raises a bare ``ValueError`` for an unknown value; an enum built on
:class:`StrictEnum` raises :class:`~servicedomain.errors.UnknownEnumValueError`
instead (also a ``ValueError``), naming the enum and the value and listing the valid
values. Members, ``str()``, ``==``, hashing and pickling are the standard ones.
"""

from __future__ import annotations

import enum
from typing import NoReturn

from servicedomain.errors import UnknownEnumValueError


class StrictEnum(enum.Enum):
    """An enum whose constructor refuses an unknown value with the library's error.

    A ``StrEnum`` takes it as its first base: ``class SkipReason(StrictEnum,
    enum.StrEnum)``.

    >>> class Colour(StrictEnum):
    ...     RED = "red"
    >>> Colour("red") is Colour.RED
    True
    >>> Colour("Red")
    Traceback (most recent call last):
    servicedomain.errors.UnknownEnumValueError: Colour='Red': not a Colour value; ... 'red'
    """

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        # Enum.__new__ calls this when no member has ``value``, and (Python 3.11+)
        # re-raises what it raises as is, since it is a ValueError.
        raise UnknownEnumValueError(cls, value)
