"""The older names of billing's checks, for the modules not yet on the validator toolkit.

Subscriptions (``_subscriptions.py``) and accruals (``_accruals.py``) still import these;
each name is a check of :mod:`servicedomain._checks` itself, not a copy, and the module
goes when they import the toolkit directly.
"""

from __future__ import annotations

import enum
from typing import Any, Final, TypeVar

from servicedomain._checks import Validator, in_, instance_of, is_count, is_date, is_money
from servicedomain.periods import PeriodCode

__all__ = ["require_money", "v_count", "v_date", "v_enum", "v_money", "v_period"]

_E = TypeVar("_E", bound=enum.Enum)

require_money: Final = is_money.check
v_money: Final = is_money
v_date: Final = is_date
v_count: Final = is_count
v_period: Final = instance_of(PeriodCode)


def v_enum(cls: type[_E]) -> Validator[Any]:
    """A member of ``cls`` (see :func:`servicedomain._checks.in_`)."""
    return in_(cls)
