"""The layout of a Gantt chart (the dispatch board) for the HTML view: a pure function.

:func:`gantt_layout` places each row of a :class:`GanttChart` on a band of its own and
each bar on one horizontal time axis, the travel (the bar's lead) drawn just before
the bar; the template only draws what it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

import attrs

from servicedomain.reports._html import TimelineTick, _axis_ticks, _moment
from servicedomain.reports._locales import ENGLISH, Localizer
from servicedomain.reports._views import GanttChart

__all__ = ["GanttBarBox", "GanttLayout", "GanttRowBand", "gantt_layout"]

# The chart's geometry, in SVG user units (the page scales the SVG to its width).
GANTT_WIDTH: Final = 900
GANTT_AXIS_LEFT: Final = 170
GANTT_AXIS_LENGTH: Final = 710
_TOP = 8
ROW_HEIGHT: Final = 40
BAR_HEIGHT: Final = 22
_BAR_OFFSET = (ROW_HEIGHT - BAR_HEIGHT) // 2
_TICK_LENGTH = 4
_TICK_ROW = 14
_CENT: Final = Decimal("0.01")
_LABEL_ROOM: Final = Decimal(48)  # a bar this wide or wider shows its label inside


@attrs.frozen
class GanttRowBand:
    """A row as drawn: its label and note at the left, its band from ``y``."""

    key: str
    label: str
    note: str
    y: int


@attrs.frozen
class GanttBarBox:
    """A bar as drawn: the work's rectangle, the lead (travel) before it, its texts."""

    key: str
    row_key: str
    label: str
    title: str
    status: str
    color: str
    locked: bool
    x: Decimal
    width: Decimal
    lead_x: Decimal
    lead_width: Decimal
    y: int
    height: int

    @property
    def labelled(self) -> bool:
        """Whether the bar is wide enough to show its label inside."""
        return self.width >= _LABEL_ROOM


@attrs.frozen
class GanttLayout:
    """A Gantt chart laid out: row bands, bars on one time axis, ticks."""

    key: str
    title: str
    width: int
    rows: tuple[GanttRowBand, ...]
    bars: tuple[GanttBarBox, ...]
    ticks: tuple[TimelineTick, ...]
    row_height: int

    @property
    def axis_left(self) -> int:
        """The x of the axis's first instant."""
        return GANTT_AXIS_LEFT

    @property
    def axis_right(self) -> int:
        """The x of the axis's last instant."""
        return GANTT_AXIS_LEFT + GANTT_AXIS_LENGTH

    @property
    def axis_y(self) -> int:
        """Where the rows end and the axis runs."""
        return _TOP + self.row_height * len(self.rows)

    @property
    def height(self) -> int:
        """The chart's height: the rows, then the ticks' time and date rows."""
        return self.axis_y + _TICK_LENGTH + 2 * _TICK_ROW + 6


def _scale(first: datetime, last: datetime) -> Callable[[datetime], Decimal]:
    """The x of an instant, clipped to the axis: linear in time, ``first`` at its left."""
    total = Decimal((last - first) // timedelta(microseconds=1))

    def x(instant: datetime) -> Decimal:
        clipped = min(max(instant, first), last)
        offset = Decimal((clipped - first) // timedelta(microseconds=1))
        return (GANTT_AXIS_LEFT + offset / total * GANTT_AXIS_LENGTH).quantize(_CENT)

    return x


def gantt_layout(chart: GanttChart, shown: Localizer = ENGLISH) -> GanttLayout:
    """``chart`` laid out: one band per row, top to bottom, bars on one time axis.

    The axis runs over ``[chart.start, chart.end]``; an instant's x is linear in time,
    so bars of a row that do not overlap in time do not overlap on the page, and they
    keep their order. A bar, or its lead (travel, drawn just before it, from
    ``start - lead`` to ``start``), reaching outside the axis is clipped to it (a bar
    wholly outside has no width, at the axis's end). The ticks fall on round
    wall-clock times in the chart's zone, read as in ``shown``'s locale, as the
    timeline's do; labels and notes are translated.
    """
    zone = chart.zone
    x = _scale(chart.start, chart.end)
    rows = tuple(
        GanttRowBand(
            key=row.key,
            label=shown.text(row.label),
            note=shown.text(row.note),
            y=_TOP + index * ROW_HEIGHT,
        )
        for index, row in enumerate(chart.rows)
    )
    bars = []
    for band, row in zip(rows, chart.rows, strict=True):
        for bar in row.bars:
            left, right = x(bar.start), x(bar.end)
            lead = x(bar.start - bar.lead)
            span = f"{_moment(bar.start, zone, shown)} - {_moment(bar.end, zone, shown)}"
            note = shown.text(bar.note)
            bars.append(
                GanttBarBox(
                    key=bar.key,
                    row_key=row.key,
                    label=shown.text(bar.label),
                    title=f"{shown.text(bar.label)}: {span}" + (f" ({note})" if note else ""),
                    status=bar.status,
                    color=bar.color,
                    locked=bar.locked,
                    x=left,
                    width=right - left,
                    lead_x=lead,
                    lead_width=left - lead,
                    y=band.y + _BAR_OFFSET,
                    height=BAR_HEIGHT,
                )
            )
    return GanttLayout(
        key=chart.key,
        title=shown.text(chart.title),
        width=GANTT_WIDTH,
        rows=rows,
        bars=tuple(bars),
        ticks=_axis_ticks(chart.start, chart.end, zone, shown, x),
        row_height=ROW_HEIGHT,
    )
