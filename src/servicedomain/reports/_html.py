"""The HTML view of a report: a Jinja2 template, charts as inline SVG.

Only this module needs Jinja2 (extra ``[reports]``); it imports it when a page is
rendered, so the text, CSV and JSON views work without it. The page is
self-contained: inline CSS, no scripts, fonts or images from outside, every value
escaped (the template environment autoescapes).
"""

from __future__ import annotations

import functools
import importlib
from decimal import Decimal
from typing import Any

import attrs

from servicedomain.errors import MissingExtraError
from servicedomain.reports._locales import ENGLISH, Localizer
from servicedomain.reports._views import BarChart, ReportView, _check_view, show_fact

__all__ = ["ChartBar", "chart_bars", "render_page"]

# The chart's geometry, in SVG user units (the page scales the SVG to its width).
_LABEL_WIDTH = 180
_BAR_AREA = 400
_VALUE_WIDTH = 140
_ROW_HEIGHT = 24
_BAR_HEIGHT = 16
CHART_WIDTH = _LABEL_WIDTH + _BAR_AREA + _VALUE_WIDTH


@attrs.frozen
class ChartBar:
    """One bar as drawn: its label, value text and rectangle (SVG user units)."""

    label: str
    value: str
    x: Decimal
    y: int
    width: Decimal
    negative: bool


def _axis(chart: BarChart) -> tuple[Decimal, Decimal]:
    """Where zero is on the x axis, and the user units per unit of amount."""
    amounts = [money.amount for _label, money in chart.bars]
    high = max([Decimal(0), *amounts])
    low = min([Decimal(0), *amounts])
    scale = Decimal(_BAR_AREA) / (high - low or Decimal(1))
    return _LABEL_WIDTH + (-low) * scale, scale


def chart_bars(chart: BarChart, shown: Localizer = ENGLISH) -> tuple[ChartBar, ...]:
    """The bars of ``chart`` laid out on one axis: zero where the values need it.

    A bar's length is its amount over the span of the amounts (the largest positive
    minus the most negative, zero included), so bars compare by length; negative bars
    extend left of the zero line. Labels and amounts read as in ``shown``'s locale.
    """
    zero, scale = _axis(chart)
    bars = []
    for row, (label, money) in enumerate(chart.bars):
        length = abs(money.amount) * scale
        left = zero - length if money.amount < 0 else zero
        bars.append(
            ChartBar(
                label=shown.text(label),
                value=shown.cell(money, "money"),
                x=left.quantize(Decimal("0.01")),
                y=row * _ROW_HEIGHT,
                width=length.quantize(Decimal("0.01")),
                negative=money.amount < 0,
            )
        )
    return tuple(bars)


@functools.cache
def _environment() -> Any:
    """The Jinja2 environment over the package's templates (built once)."""
    try:
        jinja2 = importlib.import_module("jinja2")
    except ImportError:
        raise MissingExtraError("HTML reports", "jinja2", "reports") from None
    return jinja2.Environment(
        loader=jinja2.PackageLoader("servicedomain.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_page(view: ReportView, shown: Localizer = ENGLISH) -> str:
    """The report as a self-contained HTML page.

    The title, description and facts, then each chart as inline SVG, then each table
    (``<table>`` with a ``<thead>``, the rows in ``<tbody>``, the totals in
    ``<tfoot>``), with the same display strings as the text, translated and formatted
    for ``shown``'s locale (the ``lang`` attribute of the page).

    Raises:
        MissingExtraError: Jinja2 is not installed (``pip install
            'servicedomain[reports]'``).
    """
    view = _check_view(view)
    template = _environment().get_template("report.html.j2")
    charts = [
        {
            "key": chart.key,
            "title": shown.text(chart.title),
            "bars": chart_bars(chart, shown),
            "zero": _axis(chart)[0].quantize(Decimal("0.01")),
            "height": len(chart.bars) * _ROW_HEIGHT,
        }
        for chart in view.charts
        if chart.bars
    ]
    tables = []
    for table in view.tables:
        rows, totals = table._localized(shown)
        tables.append(
            {
                "key": table.key,
                "title": shown.text(table.title),
                "columns": [
                    {"label": shown.text(column.label), "right_aligned": column.right_aligned}
                    for column in table.shown_columns
                ],
                "rows": rows,
                "totals": totals,
            }
        )
    page = {
        "lang": shown.tag,
        "key": view.key,
        "title": shown.text(view.title),
        "description": shown.text(view.description),
        "facts": [
            (key, shown.text(name), show_fact(value, shown)) for key, name, value in view.facts
        ],
    }
    text: str = template.render(
        view=page,
        tables=tables,
        charts=charts,
        width=CHART_WIDTH,
        label_width=_LABEL_WIDTH,
        value_x=_LABEL_WIDTH + _BAR_AREA + 6,
        bar_height=_BAR_HEIGHT,
        row_height=_ROW_HEIGHT,
    )
    return text
