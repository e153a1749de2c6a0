"""The dispatch board report: a team's bars, hours and undispatched work (AX dispatch board)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import attrs

from servicedomain._checks import instance_of
from servicedomain.dispatch import BoardBar, BookingStatus, DispatchBoard
from servicedomain.instants import named_zone
from servicedomain.reports._labels import label
from servicedomain.reports._views import (
    Cell,
    GanttBar,
    GanttChart,
    GanttRow,
    Renders,
    ReportColumn,
    ReportTable,
    ReportView,
)
from servicedomain.sla import Priority

__all__ = ["DispatchBoardReport", "dispatch_board_report"]

_BOARD: Final = instance_of(DispatchBoard)


def _priority_label(priority: Priority) -> str:
    return {
        Priority.HIGH: label("High"),
        Priority.NORMAL: label("Normal"),
        Priority.LOW: label("Low"),
    }[priority]


def _status_label(status: BookingStatus) -> str:
    return {
        BookingStatus.PROPOSED: label("Proposed"),
        BookingStatus.COMMITTED: label("Committed"),
        BookingStatus.IN_PROGRESS: label("In progress"),
        BookingStatus.COMPLETED: label("Completed"),
        BookingStatus.CANCELED: label("Canceled"),
    }[status]


def _locks_label(bar: BoardBar) -> str:
    if bar.time_locked and bar.technician_locked:
        return label("Time and technician")
    if bar.time_locked:
        return label("Time")
    if bar.technician_locked:
        return label("Technician")
    return ""


def _hours(duration: timedelta) -> str:
    """``H:MM``: how long, as people read it."""
    minutes = int(duration.total_seconds()) // 60
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}"


def _seconds(duration: timedelta) -> int:
    return int(duration.total_seconds())


@attrs.frozen(kw_only=True)
class DispatchBoardReport(Renders):
    """A dispatch board (:class:`~servicedomain.dispatch.DispatchBoard`) as a report.

    The facts are the team, the window and the counts; the tables are the bars (the
    main table, the CSV: a row per bar, with its technician, booking, requirement,
    order, priority, status, times, travel and locks), the technicians' booked and
    free hours, and the undispatched requirements. The HTML draws the bars as a Gantt
    chart: a row per technician, a time axis over the window in the report's zone,
    each bar in its priority's colour with its travel before it and locked bars
    marked; the undispatched list follows as a table. Times read in ``zone``; the
    CSV and the JSON carry ISO instants with their offset and durations in seconds.

    Attributes:
        board: the board shown.
        zone: the zone the times show in (the dispatcher's).
    """

    board: DispatchBoard = attrs.field(validator=_BOARD)
    zone: ZoneInfo = attrs.field(converter=named_zone)

    def _local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def _shown(self, instant: datetime | None) -> str:
        return "-" if instant is None else f"{self._local(instant):%Y-%m-%d %H:%M}"

    def _iso(self, instant: datetime | None) -> str | None:
        return None if instant is None else self._local(instant).isoformat()

    def gantt(self) -> GanttChart:
        """The board as a Gantt chart: a row per technician, a bar per booking shown."""
        board = self.board
        return GanttChart(
            key="board",
            title=label("Bookings by technician"),
            zone=self.zone,
            start=board.window.start,
            end=board.window.end,
            rows=[
                GanttRow(
                    key=row.technician_id,
                    label=f"{row.technician_id} {row.name}".strip(),
                    note=label("Booked {booked}, free {free}").format(
                        booked=_hours(row.booked), free=_hours(row.free)
                    ),
                    bars=[
                        GanttBar(
                            key=bar.booking_id,
                            label=bar.order_id,
                            start=bar.start,
                            end=bar.end,
                            lead=bar.travel,
                            color=bar.color,
                            status=bar.status.value,
                            locked=bar.locked,
                            note=_status_label(bar.status),
                        )
                        for bar in row.bars
                    ],
                )
                for row in board.rows
            ],
        )

    def _bar_table(self) -> ReportTable:
        columns = (
            ReportColumn("technician_id", label("Technician")),
            ReportColumn("booking_id", label("Booking")),
            ReportColumn("requirement_id", label("Requirement"), shown=False),
            ReportColumn("order_id", label("Order")),
            ReportColumn("priority", label("Priority"), shown=False),
            ReportColumn("shown_priority", label("Priority")),
            ReportColumn("status", label("Status"), shown=False),
            ReportColumn("shown_status", label("Status")),
            ReportColumn("start", label("Start")),
            ReportColumn("end", label("End")),
            ReportColumn("travel", label("Travel"), "number"),
            ReportColumn("locked", label("Locked")),
            ReportColumn("start_at", label("Start"), shown=False),
            ReportColumn("end_at", label("End"), shown=False),
            ReportColumn("travel_seconds", label("Travel"), "number", shown=False),
            ReportColumn("time_locked", label("Time locked"), shown=False),
            ReportColumn("technician_locked", label("Technician locked"), shown=False),
            ReportColumn("color", label("Colour"), shown=False),
        )
        rows: list[tuple[Cell, ...]] = [
            (
                bar.technician_id,
                bar.booking_id,
                bar.requirement_id,
                bar.order_id,
                bar.priority.value,
                _priority_label(bar.priority),
                bar.status.value,
                _status_label(bar.status),
                self._shown(bar.start),
                self._shown(bar.end),
                _hours(bar.travel),
                _locks_label(bar),
                self._iso(bar.start),
                self._iso(bar.end),
                _seconds(bar.travel),
                "yes" if bar.time_locked else "no",
                "yes" if bar.technician_locked else "no",
                bar.color,
            )
            for bar in self.board.bars
        ]
        return ReportTable("bars", label("Bookings"), columns, rows)

    def _technician_table(self) -> ReportTable:
        columns = (
            ReportColumn("technician_id", label("Technician")),
            ReportColumn("name", label("Name")),
            ReportColumn("bookings", label("Bookings"), "number"),
            ReportColumn("booked", label("Booked"), "number"),
            ReportColumn("free", label("Free"), "number"),
            ReportColumn("booked_seconds", label("Booked"), "number", shown=False),
            ReportColumn("free_seconds", label("Free"), "number", shown=False),
        )
        rows: list[tuple[Cell, ...]] = [
            (
                row.technician_id,
                row.name,
                len(row.bars),
                _hours(row.booked),
                _hours(row.free),
                _seconds(row.booked),
                _seconds(row.free),
            )
            for row in self.board.rows
        ]
        return ReportTable("technicians", label("Technicians"), columns, rows)

    def _undispatched_table(self) -> ReportTable:
        columns = (
            ReportColumn("requirement_id", label("Requirement")),
            ReportColumn("order_id", label("Order")),
            ReportColumn("priority", label("Priority"), shown=False),
            ReportColumn("shown_priority", label("Priority")),
            ReportColumn("sla_deadline", label("SLA deadline")),
            ReportColumn("window_start", label("From")),
            ReportColumn("window_end", label("To")),
            ReportColumn("duration", label("Duration"), "number"),
            ReportColumn("sla_deadline_at", label("SLA deadline"), shown=False),
            ReportColumn("window_start_at", label("From"), shown=False),
            ReportColumn("window_end_at", label("To"), shown=False),
            ReportColumn("duration_seconds", label("Duration"), "number", shown=False),
        )
        rows: list[tuple[Cell, ...]] = [
            (
                need.id,
                need.order_id,
                need.priority.value,
                _priority_label(need.priority),
                self._shown(need.sla_deadline),
                self._shown(need.window.start),
                self._shown(need.window.end),
                _hours(need.duration),
                self._iso(need.sla_deadline),
                self._iso(need.window.start),
                self._iso(need.window.end),
                _seconds(need.duration),
            )
            for need in self.board.undispatched
        ]
        return ReportTable("undispatched", label("Undispatched"), columns, rows)

    def view(self) -> ReportView:
        """The board as data: facts, the bars, the hours, the undispatched; the Gantt chart.

        The chart's bars and the bar table's rows come from the same board bars, row
        by row. A board without rows has its tables and no chart.
        """
        board = self.board
        chart = self.gantt()
        closed = label("Shown") if board.show_closed else label("Hidden")
        return ReportView(
            key="dispatch_board",
            title=label("Dispatch board: team {team_id}").format(team_id=board.team_id),
            facts=(
                ("team_id", label("Team"), board.team_id),
                ("from", label("From"), self._shown(board.window.start)),
                ("to", label("To"), self._shown(board.window.end)),
                ("zone", label("Time zone"), self.zone.key),
                ("show_closed", label("Closed activities"), closed),
                ("technicians", label("Technicians"), len(board.rows)),
                ("bookings", label("Bookings"), len(board.bars)),
                ("undispatched", label("Undispatched"), len(board.undispatched)),
            ),
            tables=(self._bar_table(), self._technician_table(), self._undispatched_table()),
            gantts=(chart,) if chart.rows else (),
        )


def dispatch_board_report(
    board: DispatchBoard, *, zone: ZoneInfo | str = "UTC"
) -> DispatchBoardReport:
    """The report of ``board``, its times shown in ``zone``.

    Raises:
        TypeMismatchError: ``board`` is not a DispatchBoard.
        InvalidTimezoneError: an unknown zone.

    >>> from datetime import UTC, datetime, timedelta
    >>> from servicedomain.calendars import WorkingCalendar
    >>> from servicedomain.dispatch import (
    ...     Booking, DispatchTeam, Interval, Requirement, Technician, dispatch_board)
    >>> monday = datetime(2026, 3, 2, tzinfo=UTC)
    >>> day = WorkingCalendar.standard("UTC", slots=["09:00-17:00"])
    >>> tech, _ = Technician.create(id="W-1", name="Ada", calendar=day, at=monday)
    >>> need = Requirement(id="RQ-1", order_id="SO-1", duration=timedelta(hours=2),
    ...                    window=Interval(monday, monday + timedelta(days=1)))
    >>> held = Booking(id="B-1", version=1, requirement_id="RQ-1", technician_id="W-1",
    ...                start=monday + timedelta(hours=10), end=monday + timedelta(hours=12),
    ...                status=BookingStatus.COMMITTED, travel=timedelta(minutes=30))
    >>> board = dispatch_board(DispatchTeam("NORTH", members=["W-1"]), [tech], [held], [need],
    ...                        window=Interval(monday, monday + timedelta(days=1)))
    >>> print(dispatch_board_report(board).render_csv(), end="")  # doctest: +ELLIPSIS
    technician_id,booking_id,requirement_id,order_id,priority,shown_priority,status,...,color
    W-1,B-1,RQ-1,SO-1,normal,Normal,committed,Committed,2026-03-02 10:00,...,#f9a825
    """
    return DispatchBoardReport(board=board, zone=zone)
