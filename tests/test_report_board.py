"""The dispatch board report (issue 17, item 7): its data, its Gantt layout, its SVG.

The report is one view of a :class:`DispatchBoard`: a table of bars (the CSV), the
technicians' hours and the undispatched list; the HTML draws the same bars as a Gantt
chart laid out by the pure :func:`gantt_layout` (checked here on its numbers), then
loaded in headless Chromium (one bar per booking, one row per technician, a silent
console).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from report_parsing import assert_self_contained, csv_rows, json_document, parse_page
from servicedomain.dispatch import DispatchBoard
from servicedomain.errors import InvalidInputError, InvalidPeriodError, TypeMismatchError
from servicedomain.reports import (
    DispatchBoardReport,
    GanttBar,
    GanttChart,
    GanttRow,
    ReportView,
    dispatch_board_report,
    render,
)
from servicedomain.reports._gantt import (
    GANTT_AXIS_LEFT,
    GANTT_AXIS_LENGTH,
    GanttLayout,
    gantt_layout,
)
from servicedomain.reports._locales import catalog, localizer
from servicedomain.serialization import SCHEMA_VERSIONS, from_dict, to_dict
from servicedomain.testing.domain_strategies import dispatch_boards
from test_dispatch_board import BOOKINGS, PERIOD, STOCKHOLM, at, worked_board
from test_report_html_browser import _open

LEFT = Decimal(GANTT_AXIS_LEFT)
RIGHT = Decimal(GANTT_AXIS_LEFT + GANTT_AXIS_LENGTH)


def report(*, show_closed: bool = False) -> DispatchBoardReport:
    return dispatch_board_report(worked_board(show_closed=show_closed), zone=STOCKHOLM)


def _assert_well_laid_out(chart: GanttChart, layout: GanttLayout) -> None:
    """A band per row, a box per bar on its row, inside the axis, lead just before."""
    assert [band.key for band in layout.rows] == [row.key for row in chart.rows]
    ys = [band.y for band in layout.rows]
    assert ys == sorted(ys)
    assert len(set(ys)) == len(ys)
    expected = [(row.key, bar.key) for row in chart.rows for bar in row.bars]
    assert [(box.row_key, box.key) for box in layout.bars] == expected
    band_y = {band.key: band.y for band in layout.rows}
    for box in layout.bars:
        assert LEFT <= box.lead_x <= box.x <= box.x + box.width <= RIGHT
        assert box.lead_x + box.lead_width == box.x
        assert box.width >= 0
        assert box.lead_width >= 0
        assert band_y[box.row_key] < box.y < box.y + box.height < band_y[box.row_key] + 40
    for row in chart.rows:
        boxes = [box for box in layout.bars if box.row_key == row.key]
        for (bar_a, box_a), (bar_b, box_b) in itertools.combinations(
            zip(row.bars, boxes, strict=True), 2
        ):
            apart = bar_a.end <= bar_b.start - bar_b.lead or bar_b.end <= bar_a.start - bar_a.lead
            if apart:  # bookings that do not overlap (travel included) do not on the page
                assert (
                    box_a.x + box_a.width <= box_b.lead_x or box_b.x + box_b.width <= box_a.lead_x
                )
    xs = [tick.x for tick in layout.ticks]
    assert xs == sorted(xs)
    assert all(LEFT <= x <= RIGHT for x in xs)


# ------------------------------------------------------------------------ the layout


def test_the_worked_board_lays_out_bars_at_their_times_with_travel_before() -> None:
    layout = gantt_layout(report().gantt())
    assert [(b.key, b.x, b.width, b.lead_x, b.lead_width) for b in layout.bars] == [
        # 24 hours over 710 units: 09:00 is at 170 + 9/24 * 710, travel from 08:30.
        ("B-1", Decimal("436.25"), Decimal("59.17"), Decimal("421.46"), Decimal("14.79")),
        ("B-2", Decimal("554.58"), Decimal("59.17"), Decimal("547.19"), Decimal("7.39")),
        ("B-3", Decimal("406.67"), Decimal("59.16"), Decimal("406.67"), Decimal("0.00")),
    ]
    assert [(b.color, b.locked, b.status) for b in layout.bars] == [
        ("#d32f2f", True, "committed"),
        ("#f9a825", False, "proposed"),
        ("#388e3c", True, "in_progress"),
    ]
    assert [(band.label, band.note) for band in layout.rows] == [
        ("W-1 Ada", "Booked 2:30, free 5:30"),
        ("W-2 Bo", "Booked 2:00, free 6:00"),
    ]
    assert layout.bars[0].title == "SO-1: 2026-03-03 09:00 - 2026-03-03 11:00 (Committed)"
    _assert_well_laid_out(report().gantt(), layout)


def test_the_axis_ticks_every_three_hours_of_the_reports_zone() -> None:
    layout = gantt_layout(report().gantt())
    assert [(tick.time, tick.day) for tick in layout.ticks] == [
        ("00:00", "2026-03-03"),
        ("03:00", ""),
        ("06:00", ""),
        ("09:00", ""),
        ("12:00", ""),
        ("15:00", ""),
        ("18:00", ""),
        ("21:00", ""),
        ("00:00", "2026-03-04"),
    ]
    assert (layout.ticks[0].x, layout.ticks[-1].x) == (LEFT, RIGHT)


def test_a_bar_reaching_past_the_axis_is_clipped_to_it() -> None:
    chart = GanttChart(
        key="board",
        title="Board",
        zone="UTC",
        start=datetime(2026, 3, 3, tzinfo=UTC),
        end=datetime(2026, 3, 4, tzinfo=UTC),
        rows=[
            GanttRow(
                key="W-1",
                label="W-1",
                bars=[
                    GanttBar(
                        key="early",
                        label="SO-1",
                        start=datetime(2026, 3, 2, 23, tzinfo=UTC),
                        end=datetime(2026, 3, 3, 6, tzinfo=UTC),
                        lead=timedelta(hours=1),
                    ),
                    GanttBar(
                        key="late",
                        label="SO-2",
                        start=datetime(2026, 3, 4, 0, 30, tzinfo=UTC),
                        end=datetime(2026, 3, 4, 2, tzinfo=UTC),
                        lead=timedelta(hours=1),
                    ),
                ],
            )
        ],
    )
    early, late = gantt_layout(chart).bars
    assert (early.lead_x, early.lead_width, early.x) == (LEFT, Decimal(0), LEFT)
    assert early.width == Decimal(GANTT_AXIS_LENGTH) / 4  # 00:00-06:00 of 24 hours
    assert (late.x, late.width) == (RIGHT, Decimal(0))  # its work is after the window
    assert late.lead_x == Decimal("865.21")  # 23:30: 170 + 23.5 / 24 * 710, rounded
    _assert_well_laid_out(chart, gantt_layout(chart))


@given(dispatch_boards(), st.sampled_from(["UTC", "Europe/Stockholm", "America/New_York"]))
def test_any_board_lays_out_inside_the_axis_in_order_without_overlaps(
    board: DispatchBoard, zone: str
) -> None:
    chart = dispatch_board_report(board, zone=zone).gantt()
    _assert_well_laid_out(chart, gantt_layout(chart))


@pytest.mark.parametrize("locale", ["sv", "nl", "lv"])
def test_the_chart_reads_in_the_locale(locale: str) -> None:
    shown = localizer(locale)
    texts = catalog(locale)
    layout = gantt_layout(report().gantt(), shown)
    assert layout.title == texts["Bookings by technician"]
    assert layout.rows[0].note == texts["Booked {booked}, free {free}"].format(
        booked="2:30", free="5:30"
    )
    assert layout.ticks[0].day == shown.cell(at(0).date(), "date")
    assert layout.ticks[1].time == shown.time(at(3))
    assert texts["Committed"] in layout.bars[0].title


def test_gantt_values_refuse_bad_input() -> None:
    start = datetime(2026, 3, 3, tzinfo=UTC)
    with pytest.raises(InvalidInputError) as colour:
        GanttBar(key="B", label="B", start=start, end=start + timedelta(hours=1), color="red")
    assert colour.value.field == "color"
    with pytest.raises(InvalidPeriodError) as empty:
        GanttBar(key="B", label="B", start=start, end=start)
    assert empty.value.field == "end"
    with pytest.raises(InvalidInputError) as lead:
        GanttBar(
            key="B", label="B", start=start, end=start + timedelta(hours=1), lead=-timedelta(1)
        )
    assert lead.value.field == "lead"
    with pytest.raises(TypeMismatchError) as minutes:
        GanttBar(key="B", label="B", start=start, end=start + timedelta(hours=1), lead=30)  # type: ignore[arg-type]
    assert minutes.value.field == "lead"
    with pytest.raises(InvalidPeriodError):
        GanttChart(key="g", title="g", zone="UTC", start=start, end=start)
    with pytest.raises(TypeMismatchError) as board:
        dispatch_board_report("board")  # type: ignore[arg-type]
    assert board.value.field == "board"


# ------------------------------------------------------------------------- the data


def test_the_bar_table_and_the_chart_come_from_the_same_bars() -> None:
    made = report(show_closed=True)
    view = made.view()
    (chart,) = view.gantts
    assert chart == made.gantt()
    assert [bar.key for row in chart.rows for bar in row.bars] == [
        bar.booking_id for bar in made.board.bars
    ]
    records = view.tables[0].records
    assert [r["booking_id"] for r in records] == ["B-1", "B-2", "B-3", "B-5", "B-6"]
    by_id = {b.id: b for b in BOOKINGS}
    for record in records:
        booking = by_id[str(record["booking_id"])]
        assert datetime.fromisoformat(str(record["start_at"])) == booking.start
        assert datetime.fromisoformat(str(record["end_at"])) == booking.end
        assert record["travel_seconds"] == booking.travel.total_seconds()
        assert record["status"] == booking.status.value


def test_the_csv_has_a_row_per_bar_with_plain_values() -> None:
    rows = csv_rows(report().render_csv())
    head, *body = rows
    assert head[:8] == [
        "technician_id",
        "booking_id",
        "requirement_id",
        "order_id",
        "priority",
        "shown_priority",
        "status",
        "shown_status",
    ]
    assert len(body) == 3
    first = dict(zip(head, body[0], strict=True))
    assert first["start_at"] == "2026-03-03T09:00:00+01:00"
    assert (first["priority"], first["color"], first["time_locked"]) == ("high", "#d32f2f", "yes")
    assert first["travel_seconds"] == "1800"


def test_the_text_shows_the_bars_the_hours_and_the_undispatched_list() -> None:
    text = report().render_text()
    assert "W-1        B-1     SO-1  High     Committed   2026-03-03 09:00 2026-03-03 11:00" in text
    assert "W-1        Ada         2   2:30 5:30" in text
    undispatched = text.split("Undispatched\n")[-1].splitlines()[2:]
    assert [line.split()[0] for line in undispatched] == ["RQ-U2", "RQ-U1", "RQ-K", "RQ-U3"]
    assert "Closed activities: Hidden" in text
    assert "Closed activities: Shown" in report(show_closed=True).render_text()


def test_the_json_carries_every_table() -> None:
    document = json_document(render(report().view(), "json"))
    assert document["report"] == "dispatch_board"
    assert set(document["tables"]) == {"bars", "technicians", "undispatched"}
    assert document["tables"]["technicians"]["rows"][0]["booked_seconds"] == 9000
    assert document["tables"]["undispatched"]["rows"][0]["sla_deadline_at"] == (
        "2026-03-03T14:00:00+01:00"
    )
    assert document["facts"]["undispatched"] == "4"


def test_a_board_without_rows_has_its_tables_and_no_chart() -> None:
    board = worked_board()
    empty = dispatch_board_report(
        DispatchBoard(team_id="EMPTY", window=PERIOD, undispatched=board.undispatched)
    )
    assert empty.view().gantts == ()
    page = empty.render_html()
    assert "<svg" not in page
    assert "table-undispatched" in page


# ------------------------------------------------------------------------- the HTML


def _bookings(page: str) -> list[dict[str, str | None]]:
    return [
        attributes
        for tag, attributes in parse_page(page).tags
        if tag == "g" and (attributes.get("class") or "").startswith("booking ")
    ]


def _rows(page: str) -> list[str | None]:
    return [
        attributes.get("data-key")
        for tag, attributes in parse_page(page).tags
        if tag == "g" and attributes.get("class") == "gantt-row"
    ]


def _rects(page: str, kind: str) -> list[dict[str, str | None]]:
    return [
        attributes
        for tag, attributes in parse_page(page).tags
        if tag == "rect" and attributes.get("class") == kind
    ]


def test_the_html_draws_a_row_per_technician_and_a_bar_per_booking_in_its_colour() -> None:
    page = report().render_html()
    assert_self_contained(page)
    assert _rows(page) == ["W-1", "W-2"]
    bars = _bookings(page)
    assert [(b["data-key"], b["data-row"], b["class"]) for b in bars] == [
        ("B-1", "W-1", "booking committed locked"),
        ("B-2", "W-1", "booking proposed"),
        ("B-3", "W-2", "booking in_progress locked"),
    ]
    assert [r["fill"] for r in _rects(page, "work")] == ["#d32f2f", "#f9a825", "#388e3c"]
    assert [r["fill"] for r in _rects(page, "travel")] == ["#d32f2f", "#f9a825"]  # B-3: none
    assert len(_rects(page, "lock")) == 2
    # The undispatched list comes below the board.
    assert page.index('id="gantt-board"') < page.index('id="table-undispatched"')


def test_the_html_escapes_what_it_shows() -> None:
    board = worked_board()
    rows = (attrs.evolve(board.rows[0], name="<b>Ada</b>"), *board.rows[1:])
    escaped = DispatchBoard(team_id="NORTH", window=PERIOD, rows=rows)
    page = dispatch_board_report(escaped).render_html()
    assert "<b>Ada</b>" not in page
    assert "&lt;b&gt;Ada&lt;/b&gt;" in page


def test_the_board_opens_in_chromium_one_bar_per_booking_a_row_per_technician(
    tmp_path: Path,
) -> None:
    made = report()
    dom, console = _open(made.render_html(locale="sv"), tmp_path, "dispatch-board")
    assert console == []
    assert _rows(dom) == [row.technician_id for row in made.board.rows]
    bars = _bookings(dom)
    assert [b["data-key"] for b in bars] == [bar.booking_id for bar in made.board.bars]
    assert all(float(r["width"] or 0) > 0 for r in _rects(dom, "work"))
    rendered = parse_page(dom)
    assert (
        rendered.tables["undispatched"].body == made.view().tables[2]._localized(localizer("sv"))[0]
    )


def test_a_report_view_with_a_gantt_chart_round_trips_and_version_2_is_refused() -> None:
    view = report().view()
    document = to_dict(view)
    assert document["$version"] == SCHEMA_VERSIONS[ReportView] == 3
    assert from_dict(ReportView, document) == view
    assert document["gantts"][0]["rows"][0]["bars"][0]["color"] == "#d32f2f"
    old = {key: value for key, value in document.items() if key != "gantts"}
    with pytest.raises(InvalidInputError) as caught:
        from_dict(ReportView, {**old, "$version": 2})
    assert caught.value.field == "$version"
