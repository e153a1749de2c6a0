"""Hypothesis strategies for servicedomain's values (plural nouns, keyword-only bounds)."""

from __future__ import annotations

from hypothesis import strategies as st

from servicedomain.money import Currency, Money

__all__ = ["register_type_strategies"]


def register_type_strategies() -> None:
    """Make ``st.from_type`` build servicedomain's value types."""
    st.register_type_strategy(Currency, st.just(Currency.of("EUR")))
    st.register_type_strategy(Money, st.just(Money.zero("EUR")))
