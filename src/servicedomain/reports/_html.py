"""The HTML view of a report: a Jinja2 template, charts as inline SVG.

The charts are laid out here by pure functions with typed results (:func:`chart_bars`
for bar charts, :func:`timeline_layout` for timelines); the template only draws them.

Only this module needs Jinja2 (extra ``[reports]``); it imports it when a page is
rendered, so the text, CSV and JSON views work without it. The page is
self-contained: inline CSS, no scripts, fonts or images from outside, every value
escaped (the template environment autoescapes).
"""

from __future__ import annotations

import functools
import importlib
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from servicedomain.errors import MissingExtraError
from servicedomain.reports._locales import ENGLISH, Localizer
from servicedomain.reports._views import (
    BarChart,
    ReportView,
    TimelineChart,
    _check_view,
    show_fact,
)
from servicedomain.sla import SegmentKind

__all__ = [
    "ChartBar",
    "TimelineBand",
    "TimelineLayout",
    "TimelineLegendEntry",
    "TimelineMarkerLine",
    "TimelineTick",
    "chart_bars",
    "render_page",
    "timeline_layout",
]

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


# The timeline's geometry, in SVG user units.
TIMELINE_WIDTH: Final = 720
AXIS_LEFT: Final = 40
AXIS_LENGTH: Final = 640
_MARKER_ROW = 14  # a marker's label row above the band
_BAND_HEIGHT = 28
_TICK_LENGTH = 4
_TICK_ROW = 14  # a tick's time row, then its date row
_LEGEND_SLOT = 160
_SWATCH = 12
_CENT: Final = Decimal("0.01")
_TICK_STEPS: Final = (
    *(timedelta(minutes=minutes) for minutes in (1, 5, 15, 30)),
    *(timedelta(hours=hours) for hours in (1, 2, 3, 6, 12)),
    *(timedelta(days=days) for days in (1, 2, 7, 14, 28, 91, 182, 364)),
)
_MAX_TICKS: Final = 8


@attrs.frozen
class TimelineBand:
    """One span as drawn: its kind (the CSS class), texts and rectangle's x and width."""

    kind: str
    label: str
    note: str
    start: str
    end: str
    x: Decimal
    width: Decimal


@attrs.frozen
class TimelineTick:
    """A tick of the time axis: its x, the time of day, and the date where it changes.

    ``time`` is empty when the ticks are whole days apart; ``day`` is empty when the
    tick falls on the same local date as the tick before it.
    """

    x: Decimal
    time: str
    day: str


@attrs.frozen
class TimelineMarkerLine:
    """A marked instant as drawn: a vertical line at ``x`` and its label at row ``y``."""

    key: str
    label: str
    at: str
    x: Decimal
    y: int
    anchor: str  # the label's text-anchor: "start" left of the middle, "end" right of it


@attrs.frozen
class TimelineLegendEntry:
    """One kind of span in the legend: its CSS class, its label and the swatch's x."""

    kind: str
    label: str
    x: int


@attrs.frozen
class TimelineLayout:
    """A timeline chart laid out: bands on one axis, ticks, marker lines and a legend."""

    key: str
    title: str
    width: int
    band_top: int
    band_height: int
    bands: tuple[TimelineBand, ...]
    ticks: tuple[TimelineTick, ...]
    markers: tuple[TimelineMarkerLine, ...]
    legend: tuple[TimelineLegendEntry, ...]

    @property
    def band_bottom(self) -> int:
        """Where the bands end and the axis runs."""
        return self.band_top + self.band_height

    @property
    def legend_y(self) -> int:
        """The top of the legend's swatches."""
        return self.band_bottom + _TICK_LENGTH + 2 * _TICK_ROW + 8

    @property
    def height(self) -> int:
        """The chart's height: marker rows, the bands, the ticks and the legend."""
        return self.legend_y + _SWATCH + 6

    @property
    def axis_left(self) -> int:
        """The x of the axis's first instant."""
        return AXIS_LEFT

    @property
    def axis_right(self) -> int:
        """The x of the axis's last instant."""
        return AXIS_LEFT + AXIS_LENGTH


def _bounds(chart: TimelineChart) -> tuple[datetime, datetime]:
    """The axis's first and last instants: the spans' and the markers' extremes."""
    instants = [instant for span in chart.spans for instant in (span.start, span.end)]
    instants += [marker.at for marker in chart.markers]
    return min(instants), max(instants)


def _scale(first: datetime, last: datetime) -> Any:
    """The x of an instant: linear in time, ``first`` at the axis's left end."""
    total = Decimal((last - first) // timedelta(microseconds=1)) or Decimal(1)

    def x(instant: datetime) -> Decimal:
        offset = Decimal((instant - first) // timedelta(microseconds=1))
        return (AXIS_LEFT + offset / total * AXIS_LENGTH).quantize(_CENT)

    return x


def _tick_step(length: timedelta) -> timedelta:
    """The first step of :data:`_TICK_STEPS` giving at most :data:`_MAX_TICKS` ticks."""
    for step in _TICK_STEPS:
        if length / step <= _MAX_TICKS:
            return step
    return timedelta(days=math.ceil(length / timedelta(days=1) / _MAX_TICKS))


def _tick_instants(first: datetime, last: datetime, zone: ZoneInfo) -> tuple[list[datetime], bool]:
    """The ticks' instants: round wall-clock times in ``zone``; and whether whole days."""
    if last == first:
        return [first], False
    step = _tick_step(last - first)
    local = first.astimezone(zone)
    wall = datetime(local.year, local.month, local.day)  # noqa: DTZ001 (a wall time, zoned below)
    found: set[datetime] = set()
    while (instant := wall.replace(tzinfo=zone).astimezone(UTC)) <= last:
        if instant >= first:
            found.add(instant)
        wall += step
    return sorted(found), step >= timedelta(days=1)


def _moment(instant: datetime, zone: ZoneInfo, shown: Localizer) -> str:
    """An instant as people read it in ``zone``: its date and time of day."""
    local = instant.astimezone(zone)
    return f"{shown.cell(local.date(), 'date')} {shown.time(local)}"


def _axis_ticks(
    first: datetime,
    last: datetime,
    zone: ZoneInfo,
    shown: Localizer,
    x: Callable[[datetime], Decimal],
) -> tuple[TimelineTick, ...]:
    """The ticks of an axis from ``first`` to ``last``, placed by ``x``, read in ``zone``."""
    instants, whole_days = _tick_instants(first, last, zone)
    ticks = []
    previous = None
    for instant in instants:
        local = instant.astimezone(zone)
        day = local.date()
        ticks.append(
            TimelineTick(
                x=x(instant),
                time="" if whole_days else shown.time(local),
                day="" if day == previous else shown.cell(day, "date"),
            )
        )
        previous = day
    return tuple(ticks)


def timeline_layout(chart: TimelineChart, shown: Localizer = ENGLISH) -> TimelineLayout:
    """``chart`` laid out on one horizontal time axis (SVG user units).

    The axis runs from the earliest span start or marker to the latest span end or
    marker; an instant's x is linear in time, so a band's width is proportional to its
    span's duration and the bands follow each other as the spans do (a zero-length
    span has no width). Each marker is a vertical line at its instant, its label on a
    row of its own above the bands. The ticks fall on round wall-clock times in the
    chart's zone (eight intervals at most), their time and date read as in ``shown``'s locale;
    the legend has one entry per kind of span present, in the order of the kinds.
    A chart without spans or markers has an axis of one instant and no bands.
    """
    zone = chart.zone
    if chart.spans or chart.markers:
        first, last = _bounds(chart)
    else:
        first = last = datetime(2000, 1, 1, tzinfo=UTC)
    x = _scale(first, last)
    band_top = 8 + _MARKER_ROW * len(chart.markers)
    bands = tuple(
        TimelineBand(
            kind=span.kind.value,
            label=shown.text(span.label),
            note=shown.text(span.note),
            start=_moment(span.start, zone, shown),
            end=_moment(span.end, zone, shown),
            x=x(span.start),
            width=x(span.end) - x(span.start),
        )
        for span in chart.spans
    )
    middle = AXIS_LEFT + AXIS_LENGTH // 2
    markers = tuple(
        TimelineMarkerLine(
            key=marker.key,
            label=shown.text(marker.label),
            at=_moment(marker.at, zone, shown),
            x=x(marker.at),
            y=_MARKER_ROW * (row + 1),
            anchor="start" if x(marker.at) <= middle else "end",
        )
        for row, marker in enumerate(chart.markers)
    )
    ticks = _axis_ticks(first, last, zone, shown, x)
    kinds = {span.kind: span.label for span in reversed(chart.spans)}  # the first label wins
    legend = tuple(
        TimelineLegendEntry(kind.value, shown.text(kinds[kind]), AXIS_LEFT + slot * _LEGEND_SLOT)
        for slot, kind in enumerate(kind for kind in SegmentKind if kind in kinds)
    )
    return TimelineLayout(
        key=chart.key,
        title=shown.text(chart.title),
        width=TIMELINE_WIDTH,
        band_top=band_top,
        band_height=_BAND_HEIGHT,
        bands=bands,
        ticks=ticks,
        markers=markers,
        legend=legend,
    )


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

    The title, description and facts, then each bar chart, each timeline chart
    (:func:`timeline_layout`) and each Gantt chart (``gantt_layout``) as inline SVG,
    then each table
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
    timelines = [timeline_layout(chart, shown) for chart in view.timelines if chart.spans]
    from servicedomain.reports._gantt import gantt_layout  # noqa: PLC0415 (it imports this module)

    gantts = [gantt_layout(chart, shown) for chart in view.gantts if chart.rows]
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
        timelines=timelines,
        gantts=gantts,
        tick_length=_TICK_LENGTH,
        tick_row=_TICK_ROW,
        swatch=_SWATCH,
        width=CHART_WIDTH,
        label_width=_LABEL_WIDTH,
        value_x=_LABEL_WIDTH + _BAR_AREA + 6,
        bar_height=_BAR_HEIGHT,
        row_height=_ROW_HEIGHT,
    )
    return text
