"""Hypothesis entry point: lets ``st.from_type(Money)`` and friends work out of the box.

Hypothesis calls :func:`register_strategies` while it is itself being imported, which
may happen while :mod:`servicedomain.testing.strategies` is half-imported. So the
strategies are looked up lazily, when a value is first drawn.
"""

from __future__ import annotations

import importlib
from typing import Any


def _lazy(name: str) -> Any:
    from hypothesis import strategies as st  # noqa: PLC0415 (Hypothesis is importing)

    def build() -> Any:
        module = importlib.import_module("servicedomain.testing.strategies")
        return getattr(module, name)()

    return st.deferred(build)


def register_strategies() -> None:
    """Register servicedomain's strategies for its value types with Hypothesis."""
    from hypothesis import strategies as st  # noqa: PLC0415

    from servicedomain.billing import Subscription  # noqa: PLC0415
    from servicedomain.money import Currency, Money  # noqa: PLC0415
    from servicedomain.periods import DateRange, PeriodCode  # noqa: PLC0415
    from servicedomain.stages import StageGraph  # noqa: PLC0415

    st.register_type_strategy(Currency, _lazy("currencies"))
    st.register_type_strategy(Money, _lazy("monies"))
    st.register_type_strategy(DateRange, _lazy("date_ranges"))
    st.register_type_strategy(PeriodCode, _lazy("period_codes"))
    st.register_type_strategy(StageGraph, _lazy("stage_graphs"))
    st.register_type_strategy(Subscription, _lazy("subscriptions"))
