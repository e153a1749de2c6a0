"""The dispatch board: a team's bookings in a window, and what is left to dispatch (read model).

AX's dispatch board shows the workers of one dispatch team, ordered by id, each with
the activities booked in the date range, coloured by priority; closed activities
only when asked; and the undispatched activities below. :func:`dispatch_board` builds
that view as data (:class:`DispatchBoard`), for a host's UI and for the reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Final

import attrs

from servicedomain._checks import (
    first_duplicate,
    in_,
    instance_of,
    is_bool,
    is_id,
    is_instant,
    is_str,
    items_of,
)
from servicedomain.dispatch._availability import availability, check_bookings, held_by
from servicedomain.dispatch._bookings import Booking
from servicedomain.dispatch._intervals import Interval, is_travel, merged
from servicedomain.dispatch._parameters import DispatchParameters, is_color
from servicedomain.dispatch._requirements import Requirement
from servicedomain.dispatch._statuses import BookingStatus
from servicedomain.dispatch._teams import DispatchTeam
from servicedomain.dispatch._technicians import Technician
from servicedomain.errors import InvalidInputError
from servicedomain.sla import Priority

_TEAM: Final = instance_of(DispatchTeam)
_WINDOW: Final = instance_of(Interval)
_PARAMETERS: Final = instance_of(DispatchParameters)
_TECHNICIANS: Final = items_of(Technician)
_REQUIREMENTS: Final = items_of(Requirement)
_ZERO: Final = timedelta(0)

CLOSED: Final = frozenset({BookingStatus.COMPLETED, BookingStatus.CANCELED})
"""The statuses of closed activities: on the board only with ``show_closed``."""
_PRIORITY_RANK: Final = {Priority.HIGH: 0, Priority.NORMAL: 1, Priority.LOW: 2}


def _utc(value: object, field: str) -> datetime:
    return is_instant.check(value, field).astimezone(UTC)


def _start(value: object) -> datetime:
    return _utc(value, "start")


def _end(value: object) -> datetime:
    return _utc(value, "end")


@attrs.frozen(kw_only=True)
class BoardBar:
    """One booking as the board draws it: a bar from ``start`` to ``end`` after its travel.

    Attributes:
        booking_id: the booking.
        requirement_id: the requirement it books.
        order_id: the service order of the requirement.
        technician_id: the technician (the row).
        start: when the work starts (in UTC).
        end: when it ends (in UTC).
        travel: the travel before ``start`` (drawn before the bar).
        status: the booking's status.
        priority: the requirement's priority.
        color: the priority's colour from the parameters (a CSS hex value).
        time_locked: the booking's time is locked.
        technician_locked: the booking's technician is locked.
    """

    booking_id: str = attrs.field(validator=is_id)
    requirement_id: str = attrs.field(validator=is_id)
    order_id: str = attrs.field(validator=is_id)
    technician_id: str = attrs.field(validator=is_id)
    start: datetime = attrs.field(converter=_start)
    end: datetime = attrs.field(converter=_end)
    travel: timedelta = attrs.field(default=_ZERO, validator=is_travel)
    status: BookingStatus = attrs.field(validator=in_(BookingStatus))
    priority: Priority = attrs.field(validator=in_(Priority))
    color: str = attrs.field(validator=is_color)
    time_locked: bool = attrs.field(default=False, validator=is_bool)
    technician_locked: bool = attrs.field(default=False, validator=is_bool)

    @property
    def locked(self) -> bool:
        """Whether the time or the technician is locked (the board marks the bar)."""
        return self.time_locked or self.technician_locked

    @property
    def busy(self) -> Interval:
        """``[start - travel, end)``: the technician's time the bar takes."""
        return Interval(self.start - self.travel, self.end)


def _bars(value: object) -> tuple[BoardBar, ...]:
    return items_of(BoardBar).check(value, "bars")


@attrs.frozen(kw_only=True)
class BoardRow:
    """A technician's row on the board: its bars in the window and its hours.

    Attributes:
        technician_id: the technician.
        name: its name, for people.
        bars: its bookings in the window, by start, end and booking id.
        booked: the time its committed and in-progress bookings hold in the window,
            travel included (overlaps counted once).
        free: its free working time in the window (:func:`availability`).
    """

    technician_id: str = attrs.field(validator=is_id)
    name: str = attrs.field(default="", validator=is_str)
    bars: tuple[BoardBar, ...] = attrs.field(default=(), converter=_bars)
    booked: timedelta = attrs.field(default=_ZERO, validator=is_travel)
    free: timedelta = attrs.field(default=_ZERO, validator=is_travel)


def _rows(value: object) -> tuple[BoardRow, ...]:
    return items_of(BoardRow).check(value, "rows")


def _undispatched(value: object) -> tuple[Requirement, ...]:
    return _REQUIREMENTS.check(value, "undispatched")


@attrs.frozen(kw_only=True)
class DispatchBoard:
    """A team's dispatch board over a window (AX dispatch board, a read model).

    Attributes:
        team_id: the dispatch team shown.
        window: the date range shown, ``[start, end)`` (AX's From and To dates).
        show_closed: whether completed and canceled bookings are shown.
        parameters: the parameters the bars were coloured with.
        rows: one per member of the team, ordered by technician id.
        undispatched: the requirements of the window with no booking (canceled ones
            aside), by SLA deadline (none last), priority (high first) and id.
    """

    team_id: str = attrs.field(validator=is_id)
    window: Interval = attrs.field(validator=_WINDOW)
    show_closed: bool = attrs.field(default=False, validator=is_bool)
    parameters: DispatchParameters = attrs.field(factory=DispatchParameters, validator=_PARAMETERS)
    rows: tuple[BoardRow, ...] = attrs.field(default=(), converter=_rows)
    undispatched: tuple[Requirement, ...] = attrs.field(default=(), converter=_undispatched)

    @property
    def bars(self) -> tuple[BoardBar, ...]:
        """Every bar of the board, row by row."""
        return tuple(bar for row in self.rows for bar in row.bars)

    def row(self, technician_id: str) -> BoardRow:
        """The row of ``technician_id``.

        Raises:
            InvalidInputError: the technician has no row on this board.
        """
        wanted = is_id.check(technician_id, "technician_id")
        for found in self.rows:
            if found.technician_id == wanted:
                return found
        raise InvalidInputError(
            "technician_id", wanted, f"not on the board of team {self.team_id!r}"
        )


def _by_id(requirements: tuple[Requirement, ...]) -> dict[str, Requirement]:
    repeated = first_duplicate(need.id for need in requirements)
    if repeated is not None:
        raise InvalidInputError("requirements", repeated, "a requirement id is given once")
    return {need.id: need for need in requirements}


def _members(team: DispatchTeam, technicians: tuple[Technician, ...]) -> list[Technician]:
    repeated = first_duplicate(tech.id for tech in technicians)
    if repeated is not None:
        raise InvalidInputError("technicians", repeated, "a technician id is given once")
    known = {tech.id: tech for tech in technicians}
    for member in sorted(team.members):
        if member not in known:
            raise InvalidInputError(
                "technicians", member, f"a member of team {team.id!r} without its technician"
            )
    return [known[member] for member in sorted(team.members)]


def _bar(
    booking: Booking, needs: dict[str, Requirement], parameters: DispatchParameters
) -> BoardBar:
    need = needs.get(booking.requirement_id)
    if need is None:
        raise InvalidInputError(
            "requirements",
            booking.requirement_id,
            f"booking {booking.id!r} on the board books a requirement not given",
        )
    return BoardBar(
        booking_id=booking.id,
        requirement_id=need.id,
        order_id=need.order_id,
        technician_id=booking.technician_id,
        start=booking.start,
        end=booking.end,
        travel=booking.travel,
        status=booking.status,
        priority=need.priority,
        color=parameters.color_of(need.priority),
        time_locked=booking.time_locked,
        technician_locked=booking.technician_locked,
    )


def _booked(tech: Technician, bookings: tuple[Booking, ...], window: Interval) -> timedelta:
    held = [
        (
            max(b.busy.start, window.start).astimezone(UTC),
            min(b.busy.end, window.end).astimezone(UTC),
        )
        for b in held_by(tech, bookings)
    ]
    return sum((end - start for start, end in merged(held)), _ZERO)


def _row(
    tech: Technician,
    bookings: tuple[Booking, ...],
    needs: dict[str, Requirement],
    *,
    window: Interval,
    parameters: DispatchParameters,
    show_closed: bool,
) -> BoardRow:
    shown = [
        b
        for b in bookings
        if b.technician_id == tech.id
        and b.busy.overlaps(window)
        and (show_closed or b.status not in CLOSED)
    ]
    shown.sort(key=lambda b: (b.start, b.end, b.id))
    free = sum((gap.duration for gap in availability(tech, bookings, window)), _ZERO)
    return BoardRow(
        technician_id=tech.id,
        name=tech.name,
        bars=tuple(_bar(b, needs, parameters) for b in shown),
        booked=_booked(tech, bookings, window),
        free=free,
    )


def _deadline_key(need: Requirement) -> tuple[object, ...]:
    deadline = need.sla_deadline
    return (deadline is None, deadline or need.window.start, _PRIORITY_RANK[need.priority], need.id)


def dispatch_board(
    team: DispatchTeam,
    technicians: Iterable[Technician],
    bookings: Iterable[Booking],
    requirements: Iterable[Requirement],
    *,
    window: Interval,
    parameters: DispatchParameters | None = None,
    show_closed: bool = False,
) -> DispatchBoard:
    """The dispatch board of ``team`` over ``window``.

    * One row per member of the team, ordered by technician id; technicians given
      that are not members are not on the board (AX shows the team's workers only).
    * A row's bars are its technician's bookings whose time, travel included
      (``[start - travel, end)``), overlaps the window: proposed, committed and in
      progress ones, and completed and canceled ones only with ``show_closed``; by
      start, end and id. A bar carries its requirement's order and priority, and the
      priority's colour from ``parameters``.
    * ``booked`` is the time the row's committed and in-progress bookings hold in the
      window (travel included, overlaps once); ``free`` the free working time of
      :func:`availability` over the window.
    * The undispatched requirements are those whose window overlaps the board's window and
      that have no booking but canceled ones (of any technician: a requirement
      booked outside the team is dispatched); by SLA deadline (none last), priority
      (high first), then id. A requirement with a completed booking is done, not
      undispatched.

    Args:
        team: the dispatch team.
        technicians: the technicians (every member's; others are ignored).
        bookings: the bookings known (any technician's).
        requirements: the requirements to consider (every one a bar books, and those
            that may be undispatched: the team's work, as the host selects it).
        window: the date range shown (:meth:`DispatchParameters.period_around` gives
            the default one).
        parameters: the colours (:class:`DispatchParameters` defaults when ``None``).
        show_closed: show completed and canceled bookings too.

    Raises:
        TypeMismatchError: an argument of the wrong type.
        InvalidInputError: a member of the team without its technician, a technician
            or requirement id twice (field ``technicians``, ``requirements``), a
            booking on the board whose requirement is not given (``requirements``).

    >>> from datetime import UTC, datetime
    >>> from servicedomain.calendars import WorkingCalendar
    >>> day = WorkingCalendar.standard("UTC", slots=["09:00-17:00"])
    >>> monday = datetime(2026, 3, 2, tzinfo=UTC)
    >>> tech, _ = Technician.create(id="W-1", calendar=day, at=monday)
    >>> need = Requirement(id="RQ-1", order_id="SO-1", duration=timedelta(hours=2),
    ...                    window=Interval(monday, monday + timedelta(days=1)))
    >>> board = dispatch_board(DispatchTeam("NORTH", members=["W-1"]), [tech], [], [need],
    ...                        window=Interval(monday, monday + timedelta(days=1)))
    >>> [row.technician_id for row in board.rows], [n.id for n in board.undispatched]
    (['W-1'], ['RQ-1'])
    >>> board.rows[0].free
    datetime.timedelta(seconds=28800)
    """
    checked_team = _TEAM.check(team, "team")
    span = _WINDOW.check(window, "window")
    chosen = (
        DispatchParameters() if parameters is None else _PARAMETERS.check(parameters, "parameters")
    )
    closed = is_bool.check(show_closed, "show_closed")
    members = _members(checked_team, _TECHNICIANS.check(technicians, "technicians"))
    given = check_bookings(bookings)
    needs = _by_id(_REQUIREMENTS.check(requirements, "requirements"))
    rows = tuple(
        _row(tech, given, needs, window=span, parameters=chosen, show_closed=closed)
        for tech in members
    )
    booked = {b.requirement_id for b in given if b.status is not BookingStatus.CANCELED}
    waiting = sorted(
        (need for need in needs.values() if need.window.overlaps(span) and need.id not in booked),
        key=_deadline_key,
    )
    return DispatchBoard(
        team_id=checked_team.id,
        window=span,
        show_closed=closed,
        parameters=chosen,
        rows=rows,
        undispatched=tuple(waiting),
    )
