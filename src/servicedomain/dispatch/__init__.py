"""Dispatch: technicians, their skills and teams, requirements and bookings.

The rules (AX 2012 dispatch board and worker setup, D365 Universal Resource Scheduling):

* A :class:`Skill` is rule data with a rating scale, levels ``1..max_level``; a rules
  file holds skills in its ``skills`` section, named by id.
* A :class:`Technician` (a worker record, an entity) has a
  :class:`~servicedomain.calendars.WorkingCalendar` in its own zone, skills as
  ``{skill id: level}``, territories and :class:`Absence` values ``[start, end)``. Its
  operations return the new snapshot and its events.
* A :class:`DispatchTeam` groups workers; in :class:`DispatchTeams` (or
  :func:`check_teams`) a worker is in at most one team.
* A :class:`Requirement` is the work of an order (or a line) to dispatch: a window
  ``[start, end)``, a duration, skills with minimum levels, a territory, the order's
  priority and preferred technician, restricted technicians and the SLA deadline.
  :func:`requirement_for` builds one from a service order.
* A :class:`Booking` (an entity) reserves a technician over ``[start, end)`` after a
  travel time; the time it holds is ``[start - travel, end)``. Its
  :class:`BookingStatus` moves along :data:`BOOKING_MOVES`; only committed and
  in-progress bookings hold time. Its time lock and technician lock keep its time and
  technician.
* Why a technician cannot do a requirement is data: :class:`Reason` values of a
  :class:`ReasonKind`, gathered per technician in an :class:`Exclusion`.
* :func:`availability` is a technician's free time in a window: working time minus
  committed and in-progress bookings (travel included) minus absences; with the
  held bookings it tiles the working time (law D3).
* :func:`candidates` ranks who can do a requirement (preferred, earliest start, load,
  id) and says why every other technician cannot, every reason true (law D5).
* :func:`dispatch_board` is a team's board over a period (:class:`DispatchBoard`):
  one row per member with its bars (:class:`BoardBar`, coloured by priority from
  :class:`DispatchParameters`, rule data), its booked and free hours, and the
  undispatched requirements.
* :func:`book` checks the whole interval, travel included, not only its start, so
  no two held bookings overlap (law D1) and every booking fits (law D2);
  :func:`reschedule`, :func:`reassign` and :func:`confirm` check again, and a locked
  time or technician is kept.
* :func:`auto_dispatch` proposes bookings for many requirements at once: a
  deterministic greedy heuristic in EDF order over :func:`candidates`, each placement
  made by :func:`book` (laws D1, D2, D4); what it cannot place comes back with the
  reasons.
* :mod:`servicedomain.dispatch.optimise` (the ``[optimize]`` extra, OR-Tools; not
  imported here) has ``optimise_dispatch``: the same inputs and result, the placements
  chosen at once by a CP-SAT model, never worse than the greedy plan.

All instants are aware; intervals are half-open (:class:`Interval`); durations are
``timedelta`` values (a float is refused).

>>> from datetime import UTC, datetime, timedelta
>>> from servicedomain.calendars import WorkingCalendar
>>> calendar = WorkingCalendar.standard("UTC", slots=["09:00-17:00"], id="DAY")
>>> at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
>>> tech, _ = Technician.create(id="W-1", calendar=calendar, skills={"HVAC": 3}, at=at)
>>> need = Requirement(
...     id="RQ-1", order_id="SO-1", duration=timedelta(hours=2), skills={"HVAC": 2},
...     window=Interval(at, at + timedelta(days=1)))
>>> booking = Booking(id="B-1", version=1, requirement_id=need.id, technician_id=tech.id,
...                   start=at + timedelta(hours=2), end=at + timedelta(hours=4),
...                   travel=timedelta(minutes=30), status=BookingStatus.COMMITTED)
>>> print(booking.busy)
[2026-03-02T09:30:00+00:00, 2026-03-02T12:00:00+00:00)
>>> other, _ = Technician.create(id="W-2", calendar=calendar, skills={"HVAC": 1}, at=at)
>>> found = candidates(need, [other, tech], [booking])
>>> [(c.technician_id, f"{c.start:%H:%M}") for c in found.ranked]
[('W-1', '12:00')]
>>> print(found.excluded[0])
W-2: missing skill HVAC >= 2 (has 1)
>>> late, _ = book(need, tech, [booking], start=at + timedelta(hours=8), id="B-2", at=at)
Traceback (most recent call last):
servicedomain.errors.BookingConflictError: B-2: ... is not wholly in working time
"""

from __future__ import annotations

from servicedomain.dispatch._auto_dispatch import (
    AutoDispatchResult,
    TravelEstimate,
    Unplaced,
    auto_dispatch,
    no_travel,
)
from servicedomain.dispatch._availability import availability
from servicedomain.dispatch._board import BoardBar, BoardRow, DispatchBoard, dispatch_board
from servicedomain.dispatch._booking import book, confirm, conflicts, reassign, reschedule
from servicedomain.dispatch._bookings import Booking
from servicedomain.dispatch._candidates import candidates, earliest_start
from servicedomain.dispatch._events import (
    BOOKING_EVENTS,
    TECHNICIAN_EVENTS,
    BookingCreated,
    BookingLocksChanged,
    BookingReassigned,
    BookingRescheduled,
    BookingStatusChanged,
    TechnicianAbsenceAdded,
    TechnicianAbsenceRemoved,
    TechnicianCreated,
    TechnicianSkillAdded,
    TechnicianSkillLevelChanged,
    TechnicianSkillRemoved,
    TechnicianTerritoriesChanged,
)
from servicedomain.dispatch._intervals import Interval
from servicedomain.dispatch._parameters import DispatchParameters
from servicedomain.dispatch._reasons import (
    Candidate,
    CandidateList,
    Exclusion,
    Reason,
    ReasonKind,
)
from servicedomain.dispatch._requirements import Requirement, requirement_for
from servicedomain.dispatch._skills import MAX_LEVELS, Skill, skill_catalog
from servicedomain.dispatch._statuses import BOOKING_MOVES, BookingStatus
from servicedomain.dispatch._teams import DispatchTeam, DispatchTeams, check_teams
from servicedomain.dispatch._technicians import Absence, Technician

__all__ = [
    "BOOKING_EVENTS",
    "BOOKING_MOVES",
    "MAX_LEVELS",
    "TECHNICIAN_EVENTS",
    "Absence",
    "BoardBar",
    "BoardRow",
    "AutoDispatchResult",
    "Booking",
    "BookingCreated",
    "BookingLocksChanged",
    "BookingReassigned",
    "BookingRescheduled",
    "BookingStatus",
    "BookingStatusChanged",
    "Candidate",
    "CandidateList",
    "DispatchBoard",
    "DispatchParameters",
    "DispatchTeam",
    "DispatchTeams",
    "Exclusion",
    "Interval",
    "Reason",
    "ReasonKind",
    "Requirement",
    "Skill",
    "Technician",
    "TechnicianAbsenceAdded",
    "TechnicianAbsenceRemoved",
    "TechnicianCreated",
    "TechnicianSkillAdded",
    "TechnicianSkillLevelChanged",
    "TechnicianSkillRemoved",
    "TechnicianTerritoriesChanged",
    "TravelEstimate",
    "Unplaced",
    "auto_dispatch",
    "availability",
    "book",
    "candidates",
    "check_teams",
    "confirm",
    "conflicts",
    "dispatch_board",
    "earliest_start",
    "no_travel",
    "reassign",
    "reschedule",
    "requirement_for",
    "skill_catalog",
]
