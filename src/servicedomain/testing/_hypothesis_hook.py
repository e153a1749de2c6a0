"""Hypothesis entry point: lets ``st.from_type(Money)`` and friends work out of the box."""

from __future__ import annotations


def register_strategies() -> None:
    """Register servicedomain's strategies for its value types with Hypothesis."""
    from servicedomain.testing import strategies  # noqa: PLC0415 (Hypothesis loads us early)

    strategies.register_type_strategies()
