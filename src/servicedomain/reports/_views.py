"""The data model every report renders from, and its text, CSV and JSON views.

A report builds one :class:`ReportView`: a title, facts (label and value), tables of
typed cells, bar charts and timeline charts. Every format is a view of that one model:
the text and the HTML show the same rows with the same display strings, the CSV and
the JSON carry the same rows as plain values (ISO dates, plain decimal amounts in the
currency of the ``currency`` column), so what a person reads and what a program loads
agree.

The view is language-neutral: its labels are English msgids (:func:`label`), its
cells typed. The text and the HTML translate the labels and format the cells for
their ``locale`` (see ``_locales``); the CSV and the JSON are for programs and read
the same whatever the locale: column keys, plain values, ISO dates, the English
title and the facts as the English text shows them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

import attrs

from servicedomain._checks import (
    deep_iterable,
    fixed_tuple,
    in_,
    instance_of,
    is_bool,
    is_str,
    items,
    items_of,
    optional,
)
from servicedomain._enums import StrictEnum
from servicedomain.errors import (
    InvalidInputError,
    InvalidPeriodError,
    TypeMismatchError,
    UnknownEnumValueError,
)
from servicedomain.instants import named_zone, require_instant
from servicedomain.money import Money
from servicedomain.reports._labels import label
from servicedomain.reports._locales import (
    DEFAULT_LOCALE,
    ENGLISH,
    Localizer,
    check_locale,
    localizer,
)
from servicedomain.sla import SegmentKind

__all__ = [
    "BarChart",
    "Cell",
    "GanttBar",
    "GanttChart",
    "GanttRow",
    "ReportColumn",
    "ReportFormat",
    "ReportTable",
    "ReportView",
    "TimelineChart",
    "TimelineMarker",
    "TimelineSpan",
    "render",
    "render_csv",
    "render_html",
    "render_json",
    "render_text",
]

Cell = str | int | Decimal | date | Money | None
"""A typed cell: text, a count, a decimal (quantity, percent), a date or an amount."""

Kind = Literal["text", "number", "money", "date", "percent"]
Row = tuple[Cell, ...]


_KINDS: Final = ("text", "number", "money", "date", "percent")
_CELL: Final = optional(instance_of((str, int, Decimal, date, Money)))
_ROWS: Final = deep_iterable(deep_iterable(_CELL, items("cells")), items("rows"))
_FACTS: Final = deep_iterable(fixed_tuple(is_str, is_str, _CELL), items("facts"))
_BARS: Final = deep_iterable(fixed_tuple(is_str, instance_of(Money)), items("bars"))


def _columns(value: Iterable[ReportColumn]) -> tuple[ReportColumn, ...]:
    return items_of(ReportColumn).check(value, "columns")


def _rows(value: Iterable[Sequence[Cell]]) -> tuple[Row, ...]:
    return _ROWS.check(value, "rows")


def _totals(value: Iterable[Sequence[Cell]]) -> tuple[Row, ...]:
    return _ROWS.check(value, "totals")


Fact = tuple[str, str, Cell]


def _facts(value: Iterable[Fact]) -> tuple[Fact, ...]:
    return _FACTS.check(value, "facts")


def _tables(value: Iterable[ReportTable]) -> tuple[ReportTable, ...]:
    return items_of(ReportTable).check(value, "tables")


def _chart_list(value: Iterable[BarChart]) -> tuple[BarChart, ...]:
    return items_of(BarChart).check(value, "charts")


def _bars(value: Iterable[tuple[str, Money]]) -> tuple[tuple[str, Money], ...]:
    return _BARS.check(value, "bars")


def _timeline_list(value: Iterable[TimelineChart]) -> tuple[TimelineChart, ...]:
    return items_of(TimelineChart).check(value, "timelines")


def _spans(value: Iterable[TimelineSpan]) -> tuple[TimelineSpan, ...]:
    return items_of(TimelineSpan).check(value, "spans")


def _markers(value: Iterable[TimelineMarker]) -> tuple[TimelineMarker, ...]:
    return items_of(TimelineMarker).check(value, "markers")


def _span_start(value: object) -> datetime:
    return require_instant(value, "start").astimezone(UTC)


def _span_end(value: object) -> datetime:
    return require_instant(value, "end").astimezone(UTC)


def _marker_at(value: object) -> datetime:
    return require_instant(value, "at").astimezone(UTC)


def _gantt_list(value: Iterable[GanttChart]) -> tuple[GanttChart, ...]:
    return items_of(GanttChart).check(value, "gantts")


def _gantt_rows(value: Iterable[GanttRow]) -> tuple[GanttRow, ...]:
    return items_of(GanttRow).check(value, "rows")


def _gantt_bars(value: Iterable[GanttBar]) -> tuple[GanttBar, ...]:
    return items_of(GanttBar).check(value, "bars")


def _axis_start(value: object) -> datetime:
    return require_instant(value, "start").astimezone(UTC)


def _axis_end(value: object) -> datetime:
    return require_instant(value, "end").astimezone(UTC)


_COLOR: Final = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def _check_color(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise TypeMismatchError("color", value, "expected a CSS hex colour as a str")
    if _COLOR.fullmatch(value) is None:
        raise InvalidInputError("color", value, "a colour is a CSS hex value: #rgb or #rrggbb")


def _check_lead(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta):
        raise TypeMismatchError("lead", value, "expected a timedelta")
    if value < timedelta(0):
        raise InvalidInputError("lead", value, "a lead time (travel) is >= 0")


def _check_span_end(
    instance: TimelineSpan, _attribute: attrs.Attribute[Any], end: datetime
) -> None:
    if end < instance.start:
        raise InvalidPeriodError("end", end, f"a span ends at or after its start {instance.start}")


class ReportFormat(StrictEnum):
    """The formats every report renders as."""

    TEXT = "text"
    CSV = "csv"
    JSON = "json"
    HTML = "html"


@attrs.frozen
class ReportColumn:
    """A column of a report table.

    Attributes:
        key: the machine name: the CSV header and the JSON key (``"revenue"``).
        label: what people read (``"Revenue"``), through the report's labels.
        kind: how a cell shows: ``money`` as ``200.00 EUR`` to people and ``200.00`` to
            programs, ``percent`` as ``52.63%`` (``n/a`` when missing), ``date`` ISO
            (in English; per the locale's CLDR formats in another locale).
        missing: what people read for a missing value (``""``, ``"-"``); programs get an
            empty CSV cell and a JSON ``null``.
        shown: False for a column only programs need (the currency, next to plain
            amounts; a long id); the text and the HTML leave it out.
    """

    key: str = attrs.field(validator=is_str)
    label: str = attrs.field(validator=is_str)
    kind: Kind = attrs.field(default="text", validator=in_(_KINDS))
    missing: str = attrs.field(default="", validator=is_str)
    shown: bool = attrs.field(default=True, validator=is_bool)

    @property
    def right_aligned(self) -> bool:
        """Numbers, amounts and percents align right."""
        return self.kind in ("number", "money", "percent")


@attrs.frozen
class ReportTable:
    """A table of a report: columns, body rows and total rows (the foot).

    Raises:
        InvalidInputError: (field ``rows``) a row without one cell per column.
    """

    key: str = attrs.field(validator=is_str)
    title: str = attrs.field(validator=is_str)
    columns: tuple[ReportColumn, ...] = attrs.field(converter=_columns)
    rows: tuple[Row, ...] = attrs.field(converter=_rows)
    totals: tuple[Row, ...] = attrs.field(default=(), converter=_totals)

    def __attrs_post_init__(self) -> None:
        for field, rows in (("rows", self.rows), ("totals", self.totals)):
            for row in rows:
                if len(row) != len(self.columns):
                    raise InvalidInputError(
                        field, row, f"expected {len(self.columns)} cells, one per column"
                    )

    @property
    def shown_columns(self) -> tuple[ReportColumn, ...]:
        """The columns people read."""
        return tuple(column for column in self.columns if column.shown)

    def _shown(
        self, rows: Sequence[tuple[Cell, ...]], shown: Localizer = ENGLISH
    ) -> list[list[str]]:
        return [
            [
                show(cell, column, shown)
                for cell, column in zip(row, self.columns, strict=True)
                if column.shown
            ]
            for row in rows
        ]

    @property
    def shown_rows(self) -> list[list[str]]:
        """The body as people read it (the text and the HTML show exactly these)."""
        return self._shown(self.rows)

    @property
    def shown_totals(self) -> list[list[str]]:
        """The total rows as people read them."""
        return self._shown(self.totals)

    def _localized(self, shown: Localizer) -> tuple[list[list[str]], list[list[str]]]:
        """The body and the total rows as people read them in a locale."""
        return self._shown(self.rows, shown), self._shown(self.totals, shown)

    @property
    def records(self) -> list[dict[str, str | int | None]]:
        """The body as plain values by column key (the JSON rows)."""
        return [_record(row, self.columns) for row in self.rows]

    @property
    def total_records(self) -> list[dict[str, str | int | None]]:
        """The total rows as plain values by column key."""
        return [_record(row, self.columns) for row in self.totals]


@attrs.frozen
class BarChart:
    """A bar chart of amounts in one currency (one bar per label).

    Attributes:
        key: a machine name (``"margin_by_order"``).
        title: what people read above it.
        bars: ``(label, amount)`` pairs, in the order shown; amounts may be negative.
    """

    key: str = attrs.field(validator=is_str)
    title: str = attrs.field(validator=is_str)
    bars: tuple[tuple[str, Money], ...] = attrs.field(converter=_bars)


@attrs.frozen
class TimelineSpan:
    """One stretch of a timeline chart: ``[start, end)`` in UTC and what it was.

    Attributes:
        kind: what the stretch was (counting, paused, outside working hours, holiday):
            its colour and its legend entry.
        start: the first instant, in UTC.
        end: the instant after the last, in UTC; not before ``start`` (a zero-length
            span is drawn with no width).
        label: what people read for the kind (``"Counting"``), through the labels.
        note: why, in words (the stage or reason that stopped the clock); may be empty.

    Raises:
        InvalidPeriodError: (field ``end``) ``end`` before ``start``.
    """

    kind: SegmentKind = attrs.field(validator=in_(SegmentKind))
    start: datetime = attrs.field(converter=_span_start)
    end: datetime = attrs.field(converter=_span_end, validator=_check_span_end)
    label: str = attrs.field(validator=is_str)
    note: str = attrs.field(default="", validator=is_str)


@attrs.frozen
class TimelineMarker:
    """An instant marked on a timeline chart by a vertical line (the deadline).

    Attributes:
        key: a machine name (``"deadline"``, ``"measured_at"``): its style.
        label: what people read next to the line.
        at: the instant, in UTC.
    """

    key: str = attrs.field(validator=is_str)
    label: str = attrs.field(validator=is_str)
    at: datetime = attrs.field(converter=_marker_at)


@attrs.frozen(kw_only=True)
class TimelineChart:
    """A timeline of spans on one time axis, with marked instants (the HTML draws it).

    The instants are UTC; ``zone`` is where the axis's ticks read (the report's zone).
    The axis runs from the first span's start (or marker) to the last span's end (or
    marker), so a deadline after the last span stretches it.

    Attributes:
        key: a machine name (``"timeline"``).
        title: what people read above it.
        zone: the zone the ticks show in.
        spans: the stretches, in time order, none overlapping the one before.
        markers: the marked instants (may lie outside the spans).

    Raises:
        InvalidInputError: (field ``spans``) a span starting before the previous ends.
    """

    key: str = attrs.field(validator=is_str)
    title: str = attrs.field(validator=is_str)
    zone: ZoneInfo = attrs.field(converter=named_zone)
    spans: tuple[TimelineSpan, ...] = attrs.field(converter=_spans)
    markers: tuple[TimelineMarker, ...] = attrs.field(default=(), converter=_markers)

    def __attrs_post_init__(self) -> None:
        for before, after in zip(self.spans, self.spans[1:], strict=False):
            if after.start < before.end:
                raise InvalidInputError(
                    "spans", after, f"a span starts at or after the previous end {before.end}"
                )


@attrs.frozen(kw_only=True)
class GanttBar:
    """A bar of a Gantt chart: ``[start, end)`` in UTC after a lead time (travel).

    Attributes:
        key: a machine name (the booking id).
        label: what people read on it (the order id).
        start: the bar's first instant, in UTC.
        end: the instant after its last, after ``start``.
        lead: time drawn before the bar (the travel), >= 0.
        color: its fill, a CSS hex colour (``#d32f2f``).
        status: a machine name for its style (``committed``).
        locked: the bar is marked as locked.
        note: what people read when they point at it (may be empty).

    Raises:
        InvalidPeriodError: (field ``end``) ``end`` not after ``start``.
        InvalidInputError: a colour that is not ``#rgb`` or ``#rrggbb``; a negative lead.
    """

    key: str = attrs.field(validator=is_str)
    label: str = attrs.field(validator=is_str)
    start: datetime = attrs.field(converter=_axis_start)
    end: datetime = attrs.field(converter=_axis_end)
    lead: timedelta = attrs.field(default=timedelta(0), validator=_check_lead)
    color: str = attrs.field(default="#3b6fb6", validator=_check_color)
    status: str = attrs.field(default="", validator=is_str)
    locked: bool = attrs.field(default=False, validator=is_bool)
    note: str = attrs.field(default="", validator=is_str)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidPeriodError("end", self.end, f"a bar ends after its start {self.start}")


@attrs.frozen(kw_only=True)
class GanttRow:
    """A row of a Gantt chart (a technician): its label, a note and its bars.

    Attributes:
        key: a machine name (the technician id).
        label: what people read at the row's left.
        note: a second line under the label (booked and free hours); may be empty.
        bars: the row's bars, by start.
    """

    key: str = attrs.field(validator=is_str)
    label: str = attrs.field(validator=is_str)
    note: str = attrs.field(default="", validator=is_str)
    bars: tuple[GanttBar, ...] = attrs.field(default=(), converter=_gantt_bars)


@attrs.frozen(kw_only=True)
class GanttChart:
    """Rows of bars on one time axis ``[start, end)`` (a dispatch board); the HTML draws it.

    The instants are UTC; ``zone`` is where the axis's ticks read. A bar, or its
    lead, outside the axis is drawn clipped to it.

    Attributes:
        key: a machine name (``"board"``).
        title: what people read above it.
        zone: the zone the ticks show in.
        start: the axis's first instant.
        end: its last (after ``start``).
        rows: the rows, top to bottom.

    Raises:
        InvalidPeriodError: (field ``end``) ``end`` not after ``start``.
    """

    key: str = attrs.field(validator=is_str)
    title: str = attrs.field(validator=is_str)
    zone: ZoneInfo = attrs.field(converter=named_zone)
    start: datetime = attrs.field(converter=_axis_start)
    end: datetime = attrs.field(converter=_axis_end)
    rows: tuple[GanttRow, ...] = attrs.field(default=(), converter=_gantt_rows)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidPeriodError("end", self.end, f"an axis ends after its start {self.start}")


@attrs.frozen(kw_only=True)
class ReportView:
    """One report as data: every format renders from it.

    Attributes:
        key: the report's machine name (``"margin"``), in the JSON.
        title: the heading.
        description: a paragraph under the title (may be empty).
        facts: ``(key, label, value)`` triples shown as ``Label: value``; the value is a
            typed cell (an amount, a date) or text.
        tables: the tables; the first is the report's main table (the CSV).
        charts: bar charts the HTML draws (as inline SVG).
        timelines: timeline charts the HTML draws (as inline SVG); the text, CSV and
            JSON leave them out: a report with a timeline chart has a table of the
            same spans (one data model), which those formats carry.
        gantts: Gantt charts (rows of bars on a time axis) the HTML draws; as with
            timelines, a table of the same bars carries them in the other formats.
    """

    key: str = attrs.field(validator=is_str)
    title: str = attrs.field(validator=is_str)
    description: str = attrs.field(default="", validator=is_str)
    facts: tuple[Fact, ...] = attrs.field(default=(), converter=_facts)
    tables: tuple[ReportTable, ...] = attrs.field(converter=_tables)
    charts: tuple[BarChart, ...] = attrs.field(default=(), converter=_chart_list)
    timelines: tuple[TimelineChart, ...] = attrs.field(default=(), converter=_timeline_list)
    gantts: tuple[GanttChart, ...] = attrs.field(default=(), converter=_gantt_list)


def show(cell: Cell, column: ReportColumn, shown: Localizer = ENGLISH) -> str:
    """A cell as people read it in ``column`` (in the locale of ``shown``)."""
    if cell is None:
        return shown.text(label("n/a") if column.kind == "percent" else column.missing)
    return shown.cell(cell, column.kind)


def show_fact(value: Cell, shown: Localizer = ENGLISH) -> str:
    """A fact's value as people read it: text translated when a label, cells formatted."""
    return "" if value is None else shown.cell(value, "fact")


def plain(cell: Cell) -> str | int | None:
    """A cell as programs read it: plain decimals without currency, ISO dates."""
    if cell is None or isinstance(cell, int | str):
        return cell
    if isinstance(cell, Money):
        return format(cell.amount, "f")
    if isinstance(cell, Decimal):
        return format(cell, "f")
    return cell.isoformat()


def _record(row: tuple[Cell, ...], columns: Sequence[ReportColumn]) -> dict[str, str | int | None]:
    return {column.key: plain(cell) for cell, column in zip(row, columns, strict=True)}


def _check_view(view: object) -> ReportView:
    return instance_of(ReportView).check(view, "view")


def _one_line(text: str) -> str:
    """``text`` on one line: each line break (any that ``str.splitlines`` splits on) a space."""
    return " ".join(text.splitlines())


def _text_table(table: ReportTable, shown: Localizer) -> list[str]:
    columns = table.shown_columns
    head = [_one_line(shown.text(column.label)) for column in columns]
    localized_body, localized_foot = table._localized(shown)
    body = [[_one_line(cell) for cell in row] for row in localized_body]
    foot = [[_one_line(cell) for cell in row] for row in localized_foot]
    widths = [max(len(row[i]) for row in (head, *body, *foot)) for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        return " ".join(
            cell.rjust(width) if column.right_aligned else cell.ljust(width)
            for cell, width, column in zip(cells, widths, columns, strict=True)
        ).rstrip()

    rule = "-" * (sum(widths) + len(widths) - 1)
    lines = [shown.text(table.title)] if table.title else []
    lines.extend([line(head), rule, *(line(row) for row in body)])
    if foot:
        lines.extend([rule, *(line(row) for row in foot)])
    return lines


def render_text(view: ReportView, *, locale: str = DEFAULT_LOCALE) -> str:
    """The report as plain text in ``locale``: every column sized to its content.

    The title (underlined when the report has facts), the description, the facts as
    ``Label: value``, then each table: its title, the header, a rule, the rows and,
    after a rule, the totals. An empty line separates the tables. Labels are
    translated and amounts, numbers and dates formatted for ``locale`` (``en``,
    ``sv``, ``nl``, ``lv``, optionally with a region: ``sv_SE``).

    Raises:
        UnknownLocaleError: (field ``locale``) a locale the reports do not speak.
        MissingExtraError: a locale other than ``en`` without Babel (``[reports]``).
    """
    view = _check_view(view)
    shown = localizer(locale)
    title = shown.text(view.title)
    out = [title]
    if view.facts:
        out.append("=" * len(title))
    if view.description:
        out.append(shown.text(view.description))
    out.extend(f"{shown.text(name)}: {show_fact(value, shown)}" for _key, name, value in view.facts)
    for number, table in enumerate(view.tables):
        if number:
            out.append("")
        out.extend(_text_table(table, shown))
    return "\n".join(out) + "\n"


def render_csv(view: ReportView, *, locale: str = DEFAULT_LOCALE) -> str:
    """The report's main table (its first) as CSV: a header of column keys, the rows.

    Amounts are plain decimals (``-12.90``) in the currency of the ``currency``
    column, dates ISO, a missing value empty. No totals; each line ends in a newline
    (a row with a carriage return in a cell has every field quoted, so it reads back
    whole). The CSV is for programs: it is the same whatever the ``locale`` (which is checked).

    Raises:
        UnknownLocaleError: (field ``locale``) a locale the reports do not speak.
    """
    view = _check_view(view)
    check_locale(locale)
    table = view.tables[0]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # The writer quotes a field holding the line terminator, not one holding a carriage
    # return: a row with one is written with every field quoted, so it reads back whole.
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(column.key for column in table.columns)
    for record in table.records:
        cells = ["" if value is None else value for value in record.values()]
        returns = any(isinstance(cell, str) and "\r" in cell for cell in cells)
        (quoted if returns else writer).writerow(cells)
    return buffer.getvalue()


def render_json(view: ReportView, *, locale: str = DEFAULT_LOCALE) -> str:
    """The report as JSON: title, facts by key, and every table's rows and totals.

    ``{"report": key, "title": ..., "facts": {key: value}, "tables": {key: {"title":
    ..., "columns": [keys], "rows": [{key: value}], "totals": [...]}}}``; values as in
    the CSV (amounts and decimals as strings, so nothing is lost), missing ones
    ``null``, counts as numbers; the title and the facts as the English text shows
    them. The JSON is for programs: it is the same whatever the ``locale`` (checked).
    The charts are left out (drawings for people): a timeline chart's spans are the
    rows of its table already, with ISO instants and durations in seconds.

    Raises:
        UnknownLocaleError: (field ``locale``) a locale the reports do not speak.
    """
    view = _check_view(view)
    check_locale(locale)
    document = {
        "report": view.key,
        "title": view.title,
        "description": view.description,
        "facts": {key: show_fact(value) for key, _label, value in view.facts},
        "tables": {
            table.key: {
                "title": table.title,
                "columns": [column.key for column in table.columns],
                "rows": table.records,
                "totals": table.total_records,
            }
            for table in view.tables
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_html(view: ReportView, *, locale: str = DEFAULT_LOCALE) -> str:
    """The report as a self-contained HTML page (Jinja2 template, inline SVG charts).

    Translated and formatted for ``locale`` as :func:`render_text` is; the page's
    ``lang`` attribute names it (``sv-SE``). Jinja2 is imported only here, so the other
    formats work without it.

    Raises:
        UnknownLocaleError: (field ``locale``) a locale the reports do not speak.
        MissingExtraError: Jinja2 is not installed (``pip install
            'servicedomain[reports]'``), or Babel for a locale other than ``en``.
    """
    from servicedomain.reports._html import render_page  # noqa: PLC0415

    return render_page(view, localizer(locale))


def render(view: ReportView, format: ReportFormat | str, *, locale: str = DEFAULT_LOCALE) -> str:
    """The report in ``format`` (``text``, ``csv``, ``json`` or ``html``) for ``locale``.

    The text and the HTML are translated and formatted for ``locale`` (default
    ``en``); the CSV and the JSON read the same in every locale.

    Raises:
        InvalidInputError: (field ``format``) an unknown format (it names the valid
            ones); a :class:`TypeMismatchError` when it is not a str.
        UnknownLocaleError: (field ``locale``) a locale the reports do not speak.
        MissingExtraError: ``html`` without Jinja2, or a locale other than ``en``
            without Babel (install ``servicedomain[reports]``).
    """
    renderer = {
        ReportFormat.TEXT: render_text,
        ReportFormat.CSV: render_csv,
        ReportFormat.JSON: render_json,
        ReportFormat.HTML: render_html,
    }[_format(format)]
    return renderer(view, locale=locale)


def _format(value: object) -> ReportFormat:
    if isinstance(value, ReportFormat):
        return value
    if not isinstance(value, str):
        raise TypeMismatchError("format", value, "expected a ReportFormat or its name")
    try:
        return ReportFormat(value)
    except UnknownEnumValueError:
        names = ", ".join(member.value for member in ReportFormat)
        raise InvalidInputError("format", value, f"expected one of {names}") from None


class Renders(ABC):
    """The render methods of a report value that builds its :class:`ReportView`."""

    @abstractmethod
    def view(self) -> ReportView:
        """The report as data (every format renders from it)."""

    def render_text(self, *, locale: str = DEFAULT_LOCALE) -> str:
        """The report as plain text in ``locale``, every column sized to its content."""
        return render_text(self.view(), locale=locale)

    def render_csv(self, *, locale: str = DEFAULT_LOCALE) -> str:
        """The report's main table as CSV, the same in every locale (:func:`render_csv`)."""
        return render_csv(self.view(), locale=locale)

    def render_json(self, *, locale: str = DEFAULT_LOCALE) -> str:
        """The report as JSON, the same in every locale (see :func:`render_json`)."""
        return render_json(self.view(), locale=locale)

    def render_html(self, *, locale: str = DEFAULT_LOCALE) -> str:
        """The report as a self-contained HTML page in ``locale`` (``[reports]`` extra)."""
        return render_html(self.view(), locale=locale)
