"""The SLA explanation of a service order: its measurement and the timeline behind it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import attrs

from servicedomain._checks import in_, instance_of, is_id
from servicedomain.instants import named_zone, require_instant
from servicedomain.reports._labels import label
from servicedomain.reports._views import (
    Cell,
    Renders,
    ReportColumn,
    ReportTable,
    ReportView,
    TimelineChart,
    TimelineMarker,
    TimelineSpan,
)
from servicedomain.sla import SegmentKind, SlaMeasurement, SlaTarget

__all__ = ["SlaExplanation", "sla_explanation"]

DEADLINE: Final = "deadline"
"""The ``kind`` of the timeline table's last row when the measurement has a deadline.

Also the key of the timeline chart's deadline marker."""
MEASURED_AT: Final = "measured_at"
"""The key of the timeline chart's marker at the instant of the measurement."""


def _at(value: object) -> datetime:
    return require_instant(value, "at")


def _hours(duration: timedelta) -> str:
    """``H:MM`` (``:SS`` when there are seconds): how long, as people read it."""
    minutes, seconds = divmod(int(duration.total_seconds()), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


def _kind_label(kind: SegmentKind) -> str:
    return {
        SegmentKind.COUNTING: label("Counting"),
        SegmentKind.PAUSED: label("Paused"),
        SegmentKind.OUTSIDE_WORKING_HOURS: label("Outside working hours"),
        SegmentKind.HOLIDAY: label("Holiday"),
    }[kind]


@attrs.frozen(kw_only=True)
class SlaExplanation(Renders):
    """An order's SLA measurement at one instant, with its explanation timeline.

    The facts are the figures (state, status, elapsed and allowed time, compliance,
    the deadline); the one table is the timeline: one row per segment (counting,
    paused, outside working hours, holiday) with its start, end and real duration in
    the report's zone, then, while the clock runs, a ``deadline`` row at the instant
    the allowance is used up. The CSV and the JSON carry ISO instants with their
    offset and each duration in whole seconds. The HTML draws the same segments as a
    timeline chart (:meth:`timeline`), with lines at the deadline and at the instant
    measured.

    Attributes:
        order_id: the order measured.
        sla_id: the SLA it is measured by.
        target: the target measured against (resolution or first response).
        at: the instant of the measurement.
        measurement: what ``ServiceOrder.measure_sla`` returned.
        zone: the zone the times show in (the SLA calendar's, as a rule).
    """

    order_id: str = attrs.field(validator=is_id)
    sla_id: str = attrs.field(validator=is_id)
    target: SlaTarget = attrs.field(validator=in_(SlaTarget))
    at: datetime = attrs.field(converter=_at)
    measurement: SlaMeasurement = attrs.field(validator=instance_of(SlaMeasurement))
    zone: ZoneInfo = attrs.field(converter=named_zone)

    def _local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def _shown(self, instant: datetime | None) -> str:
        return "-" if instant is None else f"{self._local(instant):%a %Y-%m-%d %H:%M}"

    def timeline(self) -> TimelineChart:
        """The measurement's timeline as a chart: one span per segment, two markers.

        The spans are the segments (counting, paused, outside working hours, holiday)
        with their kind's label and note; the markers are the instant of the
        measurement (``measured_at``) and, while the clock runs, the deadline
        (``deadline``). The ticks read in the report's zone.
        """
        measured = self.measurement
        markers = [TimelineMarker(MEASURED_AT, label("Measured at"), self.at)]
        if measured.deadline is not None:
            markers.append(TimelineMarker(DEADLINE, label("Deadline"), measured.deadline))
        return TimelineChart(
            key="timeline",
            title=label("Clock over time"),
            zone=self.zone,
            spans=[
                TimelineSpan(
                    segment.kind,
                    segment.start,
                    segment.end,
                    _kind_label(segment.kind),
                    segment.note,
                )
                for segment in measured.timeline
            ],
            markers=markers,
        )

    def view(self) -> ReportView:
        """The explanation as data: the figures as facts, the timeline as table and chart.

        The table's rows and the chart's spans come from one :meth:`timeline`: a row
        per span, then the deadline marker's row. A measurement without segments (the
        clock never started) has the table and no chart.
        """
        measured = self.measurement
        chart = self.timeline()
        columns = (
            ReportColumn("kind", label("Kind"), shown=False),
            ReportColumn("what", label("What")),
            ReportColumn("start", label("Start")),
            ReportColumn("end", label("End"), missing="-"),
            ReportColumn("start_at", label("Start"), shown=False),
            ReportColumn("end_at", label("End"), shown=False),
            ReportColumn("duration", label("Duration"), "number", missing="-"),
            ReportColumn("seconds", label("Seconds"), "number", shown=False),
            ReportColumn("note", label("Note")),
        )
        rows: list[tuple[Cell, ...]] = [
            (
                span.kind.value,
                span.label,
                self._shown(span.start),
                self._shown(span.end),
                self._local(span.start).isoformat(),
                self._local(span.end).isoformat(),
                _hours(span.end - span.start),
                int((span.end - span.start).total_seconds()),
                span.note,
            )
            for span in chart.spans
        ]
        rows.extend(
            (
                DEADLINE,
                marker.label,
                self._shown(marker.at),
                None,
                self._local(marker.at).isoformat(),
                None,
                None,
                None,
                "",
            )
            for marker in chart.markers
            if marker.key == DEADLINE
        )
        return ReportView(
            key="sla_explanation",
            title=label("SLA explanation: service order {order_id}").format(order_id=self.order_id),
            facts=(
                ("sla_id", label("SLA"), self.sla_id),
                ("target", label("Target"), self.target.value),
                ("at", label("Measured at"), self._shown(self.at)),
                ("zone", label("Time zone"), self.zone.key),
                ("state", label("Clock"), measured.state.value),
                ("status", label("Status"), measured.status.value),
                ("elapsed", label("Elapsed"), _hours(measured.elapsed)),
                ("allowance", label("Allowance"), _hours(measured.allowance)),
                ("remaining", label("Remaining"), _hours(measured.remaining)),
                ("overdue", label("Overdue"), _hours(measured.overdue)),
                ("compliance", label("Compliance"), f"{measured.compliance}%"),
                ("deadline", label("Deadline"), self._shown(measured.deadline)),
            ),
            tables=(ReportTable("timeline", label("Timeline"), columns, rows),),
            timelines=(chart,) if chart.spans else (),
        )


def sla_explanation(
    *,
    order_id: str,
    sla_id: str,
    measurement: SlaMeasurement,
    at: datetime,
    zone: ZoneInfo | str = "UTC",
    target: SlaTarget = SlaTarget.RESOLUTION,
) -> SlaExplanation:
    """The SLA explanation of order ``order_id``, measured by ``sla_id`` at ``at``.

    Raises:
        InvalidInputError, TypeMismatchError: an argument of the wrong kind (an empty
            id, a naive ``at``, an unknown zone).

    >>> from datetime import UTC
    >>> from servicedomain.sla import (
    ...     Allowance, ServiceLevelAgreement, SlaEntry, SlaTargets, measure)
    >>> sla = ServiceLevelAgreement(id="STD", targets=SlaTargets(resolution=Allowance(hours=8)))
    >>> start = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    >>> now = datetime(2026, 3, 9, 10, 30, tzinfo=UTC)
    >>> measured = measure(sla, [SlaEntry.start(start)], now=now)
    >>> report = sla_explanation(order_id="SO-1", sla_id="STD", measurement=measured, at=now)
    >>> print(report.render_text(), end="")
    SLA explanation: service order SO-1
    ===================================
    SLA: STD
    Target: resolution
    Measured at: Mon 2026-03-09 10:30
    Time zone: UTC
    Clock: running
    Status: within
    Elapsed: 2:30
    Allowance: 8:00
    Remaining: 5:30
    Overdue: 0:00
    Compliance: 31.25%
    Deadline: Mon 2026-03-09 16:00
    Timeline
    What     Start                End                  Duration Note
    ----------------------------------------------------------------
    Counting Mon 2026-03-09 08:00 Mon 2026-03-09 10:30     2:30
    Deadline Mon 2026-03-09 16:00 -                           -
    """
    return SlaExplanation(
        order_id=order_id,
        sla_id=sla_id,
        target=target,
        at=at,
        measurement=measurement,
        zone=zone,
    )
