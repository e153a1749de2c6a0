"""The SLA explanation's timeline chart (issue 15): its data, its layout, its SVG.

The chart is data on the report's view (:class:`TimelineChart` in ``timelines``), built
from the same segments as the timeline table; the HTML lays it out with the pure
:func:`timeline_layout` (checked here on its numbers) and draws it as inline SVG
(checked here through the standard library's HTML parser). The text, CSV and JSON
leave the chart out: the table carries the same spans.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from report_parsing import parse_page, timeline_bands, timeline_markers
from servicedomain.calendars import WorkingCalendar
from servicedomain.errors import InvalidInputError, InvalidPeriodError, NaiveDatetimeError
from servicedomain.reports import (
    ReportView,
    SlaExplanation,
    TimelineChart,
    TimelineMarker,
    TimelineSpan,
    render_csv,
    render_json,
    render_text,
    sla_explanation,
)
from servicedomain.reports._html import AXIS_LEFT, AXIS_LENGTH, TimelineLayout, timeline_layout
from servicedomain.reports._locales import ENGLISH, catalog, localizer
from servicedomain.serialization import SCHEMA_VERSIONS, from_dict, to_dict
from servicedomain.sla import (
    Allowance,
    SegmentKind,
    ServiceLevelAgreement,
    SlaEntry,
    SlaTargets,
    measure,
)
from servicedomain.testing.domain_strategies import sla_explanations, timeline_charts

STOCKHOLM = ZoneInfo("Europe/Stockholm")
FRIDAY_16 = datetime(2026, 3, 6, 16, 0, tzinfo=STOCKHOLM)
MONDAY = datetime(2026, 3, 9, 0, 0, tzinfo=STOCKHOLM)
MONDAY_12 = MONDAY + timedelta(hours=12)
RIGHT = Decimal(AXIS_LEFT + AXIS_LENGTH)


def _explanation(log: list[SlaEntry], now: datetime = MONDAY_12) -> SlaExplanation:
    """Order SO-1 on an 8-hour SLA, Monday to Friday 08:00-17:00 in Stockholm."""
    calendar = WorkingCalendar.standard("Europe/Stockholm", id="MAIN")
    sla = ServiceLevelAgreement(
        id="STANDARD", targets=SlaTargets(resolution=Allowance(hours=8)), calendar=calendar
    )
    measured = measure(sla, log, now=now)
    return sla_explanation(
        order_id="SO-1", sla_id="STANDARD", measurement=measured, at=now, zone=STOCKHOLM
    )


def paused_over_the_weekend() -> SlaExplanation:
    """Started Friday 16:00, stopped by hand Monday 09:00-10:00, measured Monday 12:00."""
    return _explanation(
        [
            SlaEntry.start(FRIDAY_16),
            SlaEntry.stop(MONDAY + timedelta(hours=9)),
            SlaEntry.start(MONDAY + timedelta(hours=10)),
        ]
    )


def _chart(
    *spans: tuple[SegmentKind, datetime, datetime], markers: tuple[TimelineMarker, ...] = ()
) -> TimelineChart:
    return TimelineChart(
        key="timeline",
        title="Timeline",
        zone="UTC",
        spans=[TimelineSpan(kind, start, end, kind.value) for kind, start, end in spans],
        markers=markers,
    )


def _at(hour: float) -> datetime:
    return datetime(2026, 3, 9, tzinfo=UTC) + timedelta(hours=hour)


def _assert_well_laid_out(chart: TimelineChart, layout: TimelineLayout) -> None:
    """Bands in span order, none overlapping the next, inside the axis, widths ~ durations."""
    assert len(layout.bands) == len(chart.spans)
    assert [band.kind for band in layout.bands] == [span.kind.value for span in chart.spans]
    for band in layout.bands:
        assert band.width >= 0
        assert AXIS_LEFT <= band.x <= band.x + band.width <= RIGHT
    for before, after in itertools.pairwise(layout.bands):
        assert before.x + before.width <= after.x
    first = min([*(s.start for s in chart.spans), *(m.at for m in chart.markers)])
    last = max([*(s.end for s in chart.spans), *(m.at for m in chart.markers)])
    total = Decimal((last - first) // timedelta(microseconds=1)) or Decimal(1)
    for span, band in zip(chart.spans, layout.bands, strict=True):
        expected = Decimal((span.end - span.start) // timedelta(microseconds=1)) / total
        # each end is rounded to a hundredth of a unit: the width is off by 0.01 at most
        assert abs(band.width - expected * AXIS_LENGTH) <= Decimal("0.011")
    for marker, line in zip(chart.markers, layout.markers, strict=True):
        assert AXIS_LEFT <= line.x <= RIGHT
        assert line.key == marker.key


# ------------------------------------------------------------------------ the layout


def test_band_widths_are_proportional_to_the_durations_and_follow_each_other() -> None:
    chart = _chart(
        (SegmentKind.COUNTING, _at(0), _at(1)),
        (SegmentKind.PAUSED, _at(1), _at(4)),
        (SegmentKind.OUTSIDE_WORKING_HOURS, _at(4), _at(8)),
    )
    layout = timeline_layout(chart)
    assert [(band.x, band.width) for band in layout.bands] == [
        (Decimal("40.00"), Decimal("80.00")),
        (Decimal("120.00"), Decimal("240.00")),
        (Decimal("360.00"), Decimal("320.00")),
    ]
    _assert_well_laid_out(chart, layout)


def test_a_deadline_after_the_spans_stretches_the_axis_and_its_line_is_at_its_instant() -> None:
    chart = _chart(
        (SegmentKind.COUNTING, _at(8), _at(10)),
        markers=(
            TimelineMarker("measured_at", "Measured at", _at(10)),
            TimelineMarker("deadline", "Deadline", _at(16)),
        ),
    )
    layout = timeline_layout(chart)
    measured, deadline = layout.markers
    assert (measured.key, measured.x, measured.anchor) == (
        "measured_at",
        Decimal("200.00"),
        "start",
    )
    assert (deadline.key, deadline.x, deadline.anchor) == ("deadline", RIGHT, "end")
    assert deadline.at == "2026-03-09 16:00"
    assert layout.bands[0].width == Decimal("160.00")  # 2 of the axis's 8 hours
    assert measured.y < deadline.y < layout.band_top  # each label on its own row, above
    _assert_well_laid_out(chart, layout)


def test_a_deadline_already_passed_lies_inside_the_spans() -> None:
    chart = _chart(
        (SegmentKind.COUNTING, _at(0), _at(10)),
        markers=(TimelineMarker("deadline", "Deadline", _at(8)),),
    )
    (deadline,) = timeline_layout(chart).markers
    assert deadline.x == Decimal(AXIS_LEFT) + Decimal(AXIS_LENGTH) * 8 / 10


def test_a_zero_length_span_has_no_width_and_keeps_its_place() -> None:
    chart = _chart(
        (SegmentKind.COUNTING, _at(0), _at(2)),
        (SegmentKind.PAUSED, _at(2), _at(2)),
        (SegmentKind.COUNTING, _at(2), _at(4)),
    )
    layout = timeline_layout(chart)
    assert [(band.x, band.width) for band in layout.bands] == [
        (Decimal("40.00"), Decimal("320.00")),
        (Decimal("360.00"), Decimal("0.00")),
        (Decimal("360.00"), Decimal("320.00")),
    ]
    _assert_well_laid_out(chart, layout)


def test_a_chart_of_one_instant_puts_everything_at_the_axis_start() -> None:
    chart = _chart(
        (SegmentKind.COUNTING, _at(3), _at(3)),
        markers=(TimelineMarker("measured_at", "Measured at", _at(3)),),
    )
    layout = timeline_layout(chart)
    assert [(band.x, band.width) for band in layout.bands] == [(Decimal(40), Decimal(0))]
    assert [marker.x for marker in layout.markers] == [Decimal(40)]
    assert [(tick.x, tick.time) for tick in layout.ticks] == [(Decimal(40), "03:00")]


def test_a_measurement_without_a_deadline_has_only_the_measured_at_marker() -> None:
    # Stopped by hand at 09:00 Monday: no deadline while the clock stands still.
    report = _explanation([SlaEntry.start(FRIDAY_16), SlaEntry.stop(MONDAY + timedelta(hours=9))])
    assert report.measurement.deadline is None
    (chart,) = report.view().timelines
    assert [marker.key for marker in chart.markers] == ["measured_at"]
    layout = timeline_layout(chart)
    assert [marker.key for marker in layout.markers] == ["measured_at"]
    assert layout.markers[0].x == RIGHT  # measured at 12:00, the end of the last span
    _assert_well_laid_out(chart, layout)
    page = parse_page(report.render_html())
    assert timeline_markers(page) == ["marker measured_at", "marker measured_at"]  # line, text


def test_the_ticks_fall_on_round_hours_of_the_zone_and_show_the_date_where_it_changes() -> None:
    layout = timeline_layout(paused_over_the_weekend().timeline())
    ticks = [(tick.time, tick.day) for tick in layout.ticks]
    # Friday 16:00 to Monday 16:00 (the deadline), Stockholm time: every 12 hours.
    assert ticks == [
        ("00:00", "2026-03-07"),
        ("12:00", ""),
        ("00:00", "2026-03-08"),
        ("12:00", ""),
        ("00:00", "2026-03-09"),
        ("12:00", ""),
    ]
    assert [tick.x for tick in layout.ticks] == sorted(tick.x for tick in layout.ticks)
    assert all(AXIS_LEFT <= tick.x <= RIGHT for tick in layout.ticks)


def test_whole_day_ticks_show_only_the_date() -> None:
    chart = _chart((SegmentKind.COUNTING, _at(0), _at(24 * 20)))
    ticks = timeline_layout(chart).ticks
    assert all(tick.time == "" and tick.day for tick in ticks)
    assert len(ticks) <= 9


@pytest.mark.parametrize("locale", ["sv", "nl", "lv", "nl_BE"])
def test_the_ticks_legend_and_markers_read_in_the_locale(locale: str) -> None:
    shown = localizer(locale)
    texts = catalog(locale[:2])
    layout = timeline_layout(paused_over_the_weekend().timeline(), shown)
    assert [entry.label for entry in layout.legend] == [
        texts["Counting"],
        texts["Paused"],
        texts["Outside working hours"],
    ]
    assert [marker.label for marker in layout.markers] == [texts["Measured at"], texts["Deadline"]]
    assert layout.title == texts["Clock over time"]
    monday = MONDAY.date()
    assert layout.ticks[4].day == shown.cell(monday, "date")
    assert layout.ticks[5].time == shown.time(MONDAY + timedelta(hours=12))
    deadline = layout.markers[1].at
    assert deadline == f"{shown.cell(monday, 'date')} {shown.time(MONDAY + timedelta(hours=16))}"


def test_the_legend_lists_each_kind_present_once_in_the_order_of_the_kinds() -> None:
    chart = _chart(
        (SegmentKind.PAUSED, _at(0), _at(1)),
        (SegmentKind.COUNTING, _at(1), _at(2)),
        (SegmentKind.PAUSED, _at(2), _at(3)),
    )
    legend = timeline_layout(chart).legend
    assert [entry.kind for entry in legend] == ["counting", "paused"]
    assert legend[0].x < legend[1].x


@given(timeline_charts(), st.sampled_from(["en", "sv", "lv"]))
def test_every_sla_timeline_lays_out_in_order_inside_the_axis(
    chart: TimelineChart, locale: str
) -> None:
    _assert_well_laid_out(chart, timeline_layout(chart, localizer(locale)))


_HOURS = st.lists(st.integers(0, 48), min_size=1, max_size=6)


@given(_HOURS, st.integers(0, 100), st.sampled_from(["UTC", "Europe/Riga", "America/New_York"]))
def test_any_chart_of_consecutive_spans_lays_out_in_order_inside_the_axis(
    lengths: list[int], deadline: int, zone: str
) -> None:
    edges = [_at(0), *(_at(hours) for hours in itertools.accumulate(lengths))]
    chart = attrs.evolve(
        _chart(*((SegmentKind.COUNTING, a, b) for a, b in itertools.pairwise(edges))),
        zone=ZoneInfo(zone),
        markers=(TimelineMarker("deadline", "Deadline", _at(deadline)),),
    )
    layout = timeline_layout(chart)
    _assert_well_laid_out(chart, layout)
    assert 1 <= len(layout.ticks) <= 9


# ------------------------------------------------------------------------- the data


def test_the_chart_and_the_table_come_from_the_same_segments() -> None:
    report = paused_over_the_weekend()
    view = report.view()
    (chart,) = view.timelines
    assert chart == report.timeline()
    assert [(span.kind, span.start, span.end, span.note) for span in chart.spans] == [
        (segment.kind, segment.start, segment.end, segment.note)
        for segment in report.measurement.timeline
    ]
    rows = view.tables[0].records
    assert [row["kind"] for row in rows] == [span.kind.value for span in chart.spans] + ["deadline"]
    for row, span in zip(rows, chart.spans, strict=False):
        assert datetime.fromisoformat(str(row["start_at"])) == span.start
        assert datetime.fromisoformat(str(row["end_at"])) == span.end
    assert [marker.key for marker in chart.markers] == ["measured_at", "deadline"]
    assert chart.markers[0].at == MONDAY_12
    assert datetime.fromisoformat(str(rows[-1]["start_at"])) == chart.markers[1].at
    assert chart.zone == STOCKHOLM


def test_a_clock_never_started_has_its_table_and_no_chart() -> None:
    report = _explanation([])
    assert report.measurement.timeline == ()
    assert report.view().timelines == ()
    page = report.render_html()
    assert "<svg" not in page
    assert "table-timeline" in page


@given(sla_explanations())
def test_text_csv_and_json_leave_the_chart_out_the_table_carries_its_spans(
    report: SlaExplanation,
) -> None:
    view = report.view()
    bare = attrs.evolve(view, timelines=())
    for render in (render_text, render_csv, render_json):
        assert render(view) == render(bare)


@given(sla_explanations())
def test_the_html_draws_one_band_per_segment_and_a_line_per_marker(
    report: SlaExplanation,
) -> None:
    page = parse_page(report.render_html())
    bands = timeline_bands(page)
    assert [band["class"] for band in bands] == [
        f"band {segment.kind.value}" for segment in report.measurement.timeline
    ]
    expected = ["measured_at"] if report.measurement.timeline else []
    if report.measurement.timeline and report.measurement.deadline is not None:
        expected.append("deadline")
    assert timeline_markers(page) == [f"marker {key}" for key in expected * 2]


def test_the_page_draws_the_bands_ticks_legend_and_markers_as_svg() -> None:
    page = parse_page(paused_over_the_weekend().render_html(locale="sv"))
    assert [band["class"] for band in timeline_bands(page)] == [
        "band counting",
        "band outside_working_hours",
        "band counting",
        "band paused",
        "band counting",
    ]
    (names,) = page.svgs
    assert names.count("rect") == 5 + 3  # the bands and the legend's three swatches
    assert "title" in names  # each band names its kind, start and end on hover


# ------------------------------------------------------------------ bad input, codec


def test_a_span_ending_before_its_start_is_refused_naming_the_end() -> None:
    with pytest.raises(InvalidPeriodError) as caught:
        TimelineSpan(SegmentKind.COUNTING, _at(2), _at(1), "Counting")
    assert caught.value.field == "end"


def test_overlapping_spans_are_refused_naming_the_spans() -> None:
    with pytest.raises(InvalidInputError) as caught:
        _chart((SegmentKind.COUNTING, _at(0), _at(2)), (SegmentKind.PAUSED, _at(1), _at(3)))
    assert caught.value.field == "spans"


def test_a_naive_marker_instant_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError) as caught:
        TimelineMarker("deadline", "Deadline", datetime(2026, 3, 9, 16, 0))  # noqa: DTZ001
    assert caught.value.field == "at"


def test_a_span_and_a_marker_keep_their_instant_in_utc() -> None:
    span = TimelineSpan(SegmentKind.COUNTING, FRIDAY_16, MONDAY_12, "Counting")
    assert span.start.tzinfo is UTC
    assert span.start == FRIDAY_16
    assert TimelineMarker("deadline", "Deadline", MONDAY_12).at.tzinfo is UTC


def test_a_report_view_with_a_timeline_round_trips_and_version_1_is_refused() -> None:
    view = paused_over_the_weekend().view()
    document = to_dict(view)
    assert document["$version"] == SCHEMA_VERSIONS[ReportView] == 3  # 3: gantts added
    assert from_dict(ReportView, document) == view
    old = {key: value for key, value in document.items() if key != "timelines"}
    with pytest.raises(InvalidInputError) as caught:
        from_dict(ReportView, {**old, "$version": 1})
    assert caught.value.field == "$version"


def test_the_english_localizer_shows_a_time_of_day_as_hours_and_minutes() -> None:
    assert ENGLISH.time(datetime(2026, 3, 9, 7, 5, tzinfo=STOCKHOLM)) == "07:05"
