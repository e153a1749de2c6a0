"""Bar charts of amounts for the reports' HTML views."""

from __future__ import annotations

from collections.abc import Sequence

from servicedomain.money import Money
from servicedomain.reports._labels import label
from servicedomain.reports._views import BarChart

__all__ = ["charts"]


def charts(key: str, title: str, bars: Sequence[tuple[str, Money]]) -> tuple[BarChart, ...]:
    """One bar chart per currency of ``bars`` (amounts of two currencies do not compare).

    With one currency the chart keeps ``key`` and ``title``; with more, each chart adds
    the currency code to both. No bars, no chart.
    """
    currencies = list(dict.fromkeys(money.currency for _label, money in bars))
    if len(currencies) == 1:
        return (BarChart(key, title, bars),)
    return tuple(
        BarChart(
            f"{key}_{currency.code}",
            label("{title} ({currency})").format(title=title, currency=currency.code),
            [(name, money) for name, money in bars if money.currency == currency],
        )
        for currency in currencies
    )
