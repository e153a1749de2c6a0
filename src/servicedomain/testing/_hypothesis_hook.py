"""Hypothesis entry point: lets ``st.from_type(ServiceOrder)`` and friends work out of the box.

Every type the codec covers (:data:`servicedomain.serialization.SCHEMA_VERSIONS`) is
registered, with :func:`servicedomain.testing.domain_strategies.strategy_for` as its
strategy. Hypothesis calls :func:`register_strategies` while it is itself being
imported, which may happen while the strategies modules are half-imported. So the
strategies are looked up lazily, when a value is first drawn.
"""

from __future__ import annotations

import importlib
from typing import Any


def _lazy(cls: type[Any]) -> Any:
    from hypothesis import strategies as st  # noqa: PLC0415 (Hypothesis is importing)

    def build() -> Any:
        module = importlib.import_module("servicedomain.testing.domain_strategies")
        return module.strategy_for(cls)

    return st.deferred(build)


def register_strategies() -> None:
    """Register servicedomain's strategies for its entities, values, rules and events."""
    from hypothesis import strategies as st  # noqa: PLC0415

    from servicedomain.serialization import SCHEMA_VERSIONS  # noqa: PLC0415

    for cls in SCHEMA_VERSIONS:
        st.register_type_strategy(cls, _lazy(cls))
