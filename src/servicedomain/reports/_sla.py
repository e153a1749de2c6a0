"""The SLA explanation of a service order: its measurement and the timeline behind it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import attrs

from servicedomain._checks import in_, instance_of, is_id
from servicedomain.instants import named_zone, require_instant
from servicedomain.reports._labels import label
from servicedomain.reports._views import Cell, Renders, ReportColumn, ReportTable, ReportView
from servicedomain.sla import SegmentKind, SlaMeasurement, SlaTarget

__all__ = ["SlaExplanation", "sla_explanation"]

DEADLINE: Final = "deadline"
"""The ``kind`` of the timeline table's last row when the measurement has a deadline."""


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
    offset and each duration in whole seconds.

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

    def view(self) -> ReportView:
        """The explanation as data: the figures as facts, the timeline as the table."""
        measured = self.measurement
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
                segment.kind.value,
                _kind_label(segment.kind),
                self._shown(segment.start),
                self._shown(segment.end),
                self._local(segment.start).isoformat(),
                self._local(segment.end).isoformat(),
                _hours(segment.duration),
                int(segment.duration.total_seconds()),
                segment.note,
            )
            for segment in measured.timeline
        ]
        if measured.deadline is not None:
            rows.append(
                (
                    DEADLINE,
                    label("Deadline"),
                    self._shown(measured.deadline),
                    None,
                    self._local(measured.deadline).isoformat(),
                    None,
                    None,
                    None,
                    "",
                )
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
