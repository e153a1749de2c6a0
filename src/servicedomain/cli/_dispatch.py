"""``import technicians``, ``dispatch ...`` and ``report board``: dispatch from the command line.

Every command goes through :class:`~servicedomain.app.DispatchDesk` on the store's
units of work, configured with the stored rules: the ``skills`` section (levels are
checked against their scales) and the ``slas`` (a requirement of an order with an SLA
carries its deadline). Instants are ISO date-times; one without an offset is a wall
time in ``--zone`` (default UTC); durations are ISO-8601 (``PT2H``, ``PT30M``).

* ``import technicians FILE``: a CSV (or JSON) file, one technician per row: ``id``,
  ``calendar`` (a stored calendar) and optionally ``name``, ``skills``
  (``HVAC=3;ELEC=1``) and ``territories`` (``N;S``). Every row is checked first; a bad
  row, or an id stored with other values, is reported with its line and nothing is
  imported. A row stored already with the same values changes nothing.
* ``dispatch absent TECHNICIAN``: record an absence (the same one again: no change).
* ``dispatch teams set TEAM --member ...`` (a worker is in one team), ``teams show``.
* ``dispatch require ORDER``: the requirement of a stored order.
* ``dispatch candidates REQUIREMENT``: who can do it, ranked, and why the others cannot.
* ``dispatch book REQUIREMENT TECHNICIAN``: a booking; a conflict is refused (exit 1)
  with its reasons.
* ``dispatch auto --team T --from DATE --to DATE``: proposals for the team's
  undispatched work, stored in one unit of work (again: proposes nothing new).
* ``report board --team T``: the dispatch board report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import click

from servicedomain.adapters.sql import SqlStore
from servicedomain.app import DispatchDesk
from servicedomain.cli._batch import DATE, ZONE, _dry_run_option, _plural, _summary, _units
from servicedomain.cli._import import cell, import_, read_rows
from servicedomain.cli._main import BadInput, cli
from servicedomain.cli._output import emit, output_options
from servicedomain.cli._reports import report
from servicedomain.cli._rules import duration_in, instant_in, rule_named, stored_rules
from servicedomain.cli._session import say, session
from servicedomain.dispatch import (
    Absence,
    Booking,
    BookingStatus,
    DispatchParameters,
    DispatchTeam,
    Interval,
    Technician,
    dispatch_board,
)
from servicedomain.errors import AlreadyExistsError, InvalidInputError
from servicedomain.instants import resolve_local
from servicedomain.reports import dispatch_board_report
from servicedomain.rules import Rules

__all__ = ["dispatch"]

_REQUIRED: Final = ("id", "calendar")
_OPTIONAL: Final = ("name", "skills", "territories")
_COMPARED: Final = ("calendar", "name", "skills", "territories")


def _desk(store: SqlStore, *, dry_run: bool = False) -> DispatchDesk:
    """The dispatch desk on the store, with the stored skills and SLAs."""
    rules = stored_rules(store)
    return DispatchDesk(
        unit_of_work=_units(store, dry_run),
        clock=session().clock,
        skills=rules.skills,
        slas=dict(rules.slas),
    )


def _pairs(value: Any, column: str) -> dict[str, int]:
    """``HVAC=3;ELEC=1`` as ``{"HVAC": 3, "ELEC": 1}``."""
    if isinstance(value, Mapping):
        return dict(value)
    found: dict[str, int] = {}
    for part in str(value).split(";"):
        name, equals, level = part.strip().partition("=")
        if not equals or not name.strip() or not level.strip().isdigit():
            raise InvalidInputError(
                column, value, "expected SKILL=LEVEL pairs separated by ';', such as HVAC=3;ELEC=1"
            )
        if name.strip() in found:
            raise InvalidInputError(column, value, f"skill {name.strip()} is given twice")
        found[name.strip()] = int(level)
    return found


def _names(value: Any) -> list[str]:
    """``N;S`` as ``["N", "S"]`` (a JSON list as it is)."""
    if isinstance(value, list):
        return value
    return [part.strip() for part in str(value).split(";") if part.strip()]


def _technician(row: Any, rules: Rules, at: datetime) -> Technician:
    """The technician a row describes (checked against the stored calendars and skills)."""
    if not isinstance(row, Mapping):
        raise InvalidInputError("row", row, "expected an object of columns")
    unknown = [key for key in row if key not in _REQUIRED and key not in _OPTIONAL]
    if unknown:
        known = ", ".join((*_REQUIRED, *_OPTIONAL))
        raise InvalidInputError(str(unknown[0]), row[unknown[0]], f"unknown column; known: {known}")
    missing = [column for column in _REQUIRED if cell(row, column) is None]
    if missing:
        raise InvalidInputError(missing[0], None, "a required column is empty or missing")
    calendar = rules.calendars.get(row["calendar"])
    if calendar is None:
        known = ", ".join(sorted(rules.calendars)) or "none"
        raise InvalidInputError(
            "calendar", row["calendar"], f"no such calendar is stored; stored: {known}"
        )
    skills = cell(row, "skills")
    levels = None if skills is None else _pairs(skills, "skills")
    for skill_id in levels or {}:
        if skill_id not in rules.skills:
            known = ", ".join(sorted(rules.skills)) or "none"
            raise InvalidInputError(
                "skills", skills, f"{skill_id} is not a stored skill; stored: {known}"
            )
    territories = cell(row, "territories")
    made, _events = Technician.create(
        id=row["id"],
        calendar=calendar,
        at=at,
        name=cell(row, "name") or "",
        skills=levels,
        territories=() if territories is None else _names(territories),
        catalog=rules.skills,
    )
    return made


def _shown(value: object) -> str:
    """A technician's field as its column reads (a calendar by its id)."""
    if isinstance(value, Mapping):
        return ";".join(f"{key}={level}" for key, level in sorted(value.items()))
    if isinstance(value, frozenset | set | tuple):
        return ";".join(sorted(value))
    return str(getattr(value, "id", None) or value)


@import_.command("technicians")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_dry_run_option
def import_technicians(file: Path, dry_run: bool) -> None:
    """Import the technicians of a CSV or JSON FILE (again: changes nothing).

    Columns: id, calendar (a stored calendar), and optionally name, skills
    (HVAC=3;ELEC=1, checked against the stored skills) and territories (N;S). Every bad
    row is reported with its line, and then nothing is imported (exit 2).
    """
    rows = read_rows(file)
    store = session().store()
    rules = stored_rules(store)
    at = session().clock.now()
    with store.unit_of_work() as uow:
        stored = {tech.id: tech for tech in uow.technicians.list()}
    problems: list[str] = []
    new: list[Technician] = []
    seen: dict[str, str] = {}
    same = 0
    for where, row in rows:
        try:
            tech = _technician(row, rules, at)
        except InvalidInputError as error:
            problems.append(f"{where}: {error}")
            continue
        if tech.id in seen:
            problems.append(f"{where}: id={tech.id!r}: a duplicate of {seen[tech.id]}")
            continue
        seen[tech.id] = where
        old = stored.get(tech.id)
        if old is None:
            new.append(tech)
            continue
        field = next(
            (name for name in _COMPARED if getattr(old, name) != getattr(tech, name)), None
        )
        if field is None:
            same += 1
            continue
        problems.append(
            f"{where}: id={tech.id!r}: stored already with other values ({field} is "
            f"{_shown(getattr(old, field))} there, {_shown(getattr(tech, field))} here)"
        )
    if problems:
        count = _plural(len(problems), "bad row")
        detail = "".join(f"\n  {problem}" for problem in problems)
        raise BadInput(
            click.get_current_context().command_path,
            f"{file.name}: {count}, nothing imported:{detail}",
        )
    desk = _desk(store, dry_run=dry_run)
    for tech in new:
        desk.create_technician(
            id=tech.id,
            calendar=tech.calendar,
            name=tech.name,
            skills=dict(tech.skills),
            territories=tech.territories,
        )
        say(f"added {tech.id}")
    command = f"import technicians {file.name}"
    if not new:
        say(f"{command}: imported nothing, {_plural(same, 'technician')} unchanged")
    else:
        verb = "(dry run) would have imported" if dry_run else "imported"
        say(f"{command}: {verb} {_plural(len(new), 'technician')}, {same} unchanged")


@cli.group()
def dispatch() -> None:
    """Dispatch technicians: absences, teams, requirements, candidates, bookings."""


_ZONE_OPTION = click.option(
    "--zone",
    type=ZONE,
    default="UTC",
    show_default=True,
    help="The IANA zone of times without an offset, and of the times shown.",
)


def _stored_other(noun: str, entity_id: str) -> BadInput:
    """Bad input (exit 2): another ``noun`` is stored under ``entity_id``."""
    return BadInput(
        click.get_current_context().command_path,
        f"--id={entity_id!r}: a {noun} of this id is stored already with other values",
    )


def _at(text: str, zone: ZoneInfo, field: str) -> datetime:
    return instant_in(text, zone, field)


def _when(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).isoformat()


@dispatch.command("absent")
@click.argument("technician_id", metavar="TECHNICIAN")
@click.option("--id", "absence_id", required=True, help="The absence's id.")
@click.option("--from", "start", required=True, metavar="INSTANT", help="Its start.")
@click.option("--to", "end", required=True, metavar="INSTANT", help="Its end (excluded).")
@click.option("--reason", default="", help="Why (vacation, training, ...).")
@_ZONE_OPTION
def absent(  # click passes the options by name
    technician_id: str, *, absence_id: str, start: str, end: str, reason: str, zone: ZoneInfo
) -> None:
    """Record an absence of TECHNICIAN over [--from, --to) (again: no change)."""
    absence = Absence(absence_id, _at(start, zone, "--from"), _at(end, zone, "--to"), reason)
    _desk(session().store()).add_absence(technician_id, absence)
    say(f"{technician_id}: absent {_when(absence.start, zone)} to {_when(absence.end, zone)}")


@dispatch.group()
def teams() -> None:
    """The dispatch teams: a worker is in at most one."""


@teams.command("set")
@click.argument("team_id", metavar="TEAM")
@click.option(
    "--member", "members", metavar="TECHNICIAN", multiple=True, required=True,
    help="A stored technician of the team (repeat it).",
)  # fmt: skip
@click.option("--description", default="", help="What the team is.")
def teams_set(team_id: str, members: Sequence[str], description: str) -> None:
    """Make TEAM's members the --member technicians (the other teams are kept).

    A worker in another team is refused (exit 2), naming the worker and the teams.
    """
    desk = _desk(session().store())
    others = [team for team in desk.teams().teams if team.id != team_id]
    team = DispatchTeam(team_id, description=description, members=members)
    desk.set_teams([*others, team])
    say(f"team {team_id}: {', '.join(sorted(team.members))}")


@teams.command("show")
def teams_show() -> None:
    """Print the stored dispatch teams, one line each."""
    stored = _desk(session().store()).teams().teams
    for team in sorted(stored, key=lambda one: one.id):
        say(f"{team.id}: {', '.join(sorted(team.members))}")
    if not stored:
        say("no dispatch teams are stored")


def _skill_options(given: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for text in given:
        found.update(_pairs(text, "--skill"))
    return found


@dispatch.command("require")
@click.argument("order_id", metavar="ORDER")
@click.option("--id", "requirement_id", required=True, help="The requirement's id.")
@click.option("--duration", required=True, help="The work's duration (ISO-8601: PT2H).")
@click.option("--from", "start", metavar="INSTANT", default=None, help="The window's start.")
@click.option("--to", "end", metavar="INSTANT", default=None, help="The window's end.")
@click.option(
    "--skill", "skills", metavar="SKILL=LEVEL", multiple=True,
    help="A skill with its minimum level (repeat it).",
)  # fmt: skip
@click.option("--territory", default=None, help="The territory of the work.")
@_ZONE_OPTION
def require(
    order_id: str,
    *,
    requirement_id: str,
    duration: str,
    start: str | None,
    end: str | None,
    skills: Sequence[str],
    territory: str | None,
    zone: ZoneInfo,
) -> None:
    """Make the requirement --id of ORDER (again, equal: no change).

    The window is [--from, --to), or the order's preferred service time without them;
    an order with an SLA gives the requirement the SLA's deadline measured now.
    """
    if (start is None) != (end is None):
        raise BadInput(click.get_current_context().command_path, "give --from and --to together")
    window = (
        None
        if start is None or end is None
        else Interval(_at(start, zone, "--from"), _at(end, zone, "--to"))
    )
    try:
        need = _desk(session().store()).require(
            order_id,
            id=requirement_id,
            duration=duration_in(duration, "--duration"),
            window=window,
            skills=_skill_options(skills),
            territory=territory,
        )
    except AlreadyExistsError:
        raise _stored_other("requirement", requirement_id) from None
    deadline = (
        "" if need.sla_deadline is None else f", SLA deadline {_when(need.sla_deadline, zone)}"
    )
    say(
        f"requirement {need.id} of {need.order_id}: {need.duration} in "
        f"[{_when(need.window.start, zone)}, {_when(need.window.end, zone)}){deadline}"
    )


@dispatch.command("candidates")
@click.argument("requirement_id", metavar="REQUIREMENT")
@click.option("--team", "team_id", default=None, help="Only the members of this team.")
@click.option(
    "--format", "format_", type=click.Choice(["text", "json"]), default="text",
    show_default=True, help="Text for people, JSON for programs.",
)  # fmt: skip
@_ZONE_OPTION
def candidates_(requirement_id: str, team_id: str | None, format_: str, zone: ZoneInfo) -> None:
    """Who can do REQUIREMENT, ranked with the earliest start, and why the others cannot."""
    found = _desk(session().store()).candidates(requirement_id, team_id=team_id)
    if format_ == "json":
        data = {
            "requirement_id": found.requirement_id,
            "ranked": [
                {
                    "technician_id": one.technician_id,
                    "start": _when(one.start, zone),
                    "preferred": one.preferred,
                    "load_minutes": int(one.load.total_seconds() // 60),
                }
                for one in found.ranked
            ],
            "excluded": [
                {
                    "technician_id": one.technician_id,
                    "reasons": [
                        {"kind": reason.kind.value, "text": str(reason)} for reason in one.reasons
                    ],
                }
                for one in found.excluded
            ],
        }
        say(json.dumps(data, indent=2))
        return
    say(f"candidates for {found.requirement_id}:")
    for rank, one in enumerate(found.ranked, start=1):
        preferred = ", preferred" if one.preferred else ""
        say(
            f"  {rank}. {one.technician_id} from {_when(one.start, zone)} "
            f"(load {one.load}{preferred})"
        )
    if not found.ranked:
        say("  none")
    if found.excluded:
        say("excluded:")
        for exclusion in found.excluded:
            say(f"  {exclusion}")


def _booking_line(booking: Booking, zone: ZoneInfo) -> str:
    travel = f", travel {booking.travel}" if booking.travel else ""
    return (
        f"{booking.id}: {booking.requirement_id} -> {booking.technician_id} "
        f"{_when(booking.start, zone)} to {_when(booking.end, zone)}{travel} "
        f"({booking.status.value})"
    )


def _free_id(desk: DispatchDesk, requirement_id: str) -> str:
    """``<requirement>-1``, or the first number no booking of the requirement has."""
    taken = {booking.id for booking in desk.bookings(requirement_id=requirement_id)}
    number = 1
    while f"{requirement_id}-{number}" in taken:
        number += 1
    return f"{requirement_id}-{number}"


@dispatch.command("book")
@click.argument("requirement_id", metavar="REQUIREMENT")
@click.argument("technician_id", metavar="TECHNICIAN")
@click.option("--start", required=True, metavar="INSTANT", help="When the work starts.")
@click.option("--travel", default=None, help="The travel before it (ISO-8601: PT30M).")
@click.option("--id", "booking_id", default=None, help="The booking id (default: REQUIREMENT-1).")
@click.option("--commit", is_flag=True, help="Book it committed (default: proposed).")
@_ZONE_OPTION
def book_(
    requirement_id: str,
    technician_id: str,
    *,
    start: str,
    travel: str | None,
    booking_id: str | None,
    commit: bool,
    zone: ZoneInfo,
) -> None:
    """Book TECHNICIAN for REQUIREMENT from --start (the same booking again: no change).

    The whole interval, travel included, is checked against the technician's calendar,
    absences and bookings: a conflict is refused (exit 1) with its reasons.
    """
    desk = _desk(session().store())
    begin = _at(start, zone, "--start")
    chosen = booking_id or _free_id(desk, requirement_id)
    try:
        made = desk.book(
            requirement_id,
            technician_id,
            id=chosen,
            start=begin,
            travel=timedelta(0) if travel is None else duration_in(travel, "--travel"),
            status=BookingStatus.COMMITTED if commit else BookingStatus.PROPOSED,
        )
    except AlreadyExistsError:
        raise _stored_other("booking", chosen) from None
    say(_booking_line(made, zone))


def _days(start: date, last: date, zone: ZoneInfo) -> Interval:
    """The whole local days ``start`` to ``last`` (included) in ``zone``."""
    if last < start:
        raise InvalidInputError("--to", last.isoformat(), f"before --from {start.isoformat()}")
    begin = resolve_local(datetime.combine(start, time()), zone)
    end = resolve_local(datetime.combine(last + timedelta(days=1), time()), zone)
    return Interval(begin, end)


@dispatch.command("auto")
@click.option("--team", "team_id", required=True, help="The dispatch team whose members book.")
@click.option("--from", "start", type=DATE, required=True, help="The first day.")
@click.option("--to", "last", type=DATE, required=True, help="The last day (inclusive).")
@_ZONE_OPTION
@_dry_run_option
def auto(team_id: str, start: date, last: date, zone: ZoneInfo, dry_run: bool) -> None:
    """Propose bookings for the undispatched requirements of the days, among TEAM.

    The proposals are stored in one unit of work (all or nothing); a run again proposes
    nothing new. What cannot be placed is listed with every technician's reasons.
    """
    window = _days(start, last, zone)
    result = _desk(session().store(), dry_run=dry_run).auto_dispatch(team_id=team_id, window=window)
    for booking in result.proposed:
        say(_booking_line(booking, zone))
    for left in result.unplaced:
        say(f"unplaced {left}")
    unplaced = f"{len(result.unplaced)} unplaced" if result.unplaced else ""
    command = f"dispatch auto {team_id} {start.isoformat()} to {last.isoformat()}"
    if not result.proposed:
        say(f"{command}: proposed nothing{': ' + unplaced if unplaced else ''}")
        return
    done = f"proposed {_plural(len(result.proposed), 'booking')}"
    _summary(command, dry_run, ", ".join(part for part in (done, unplaced) if part), "")


def _parameters(rules: Rules, name: str | None) -> DispatchParameters:
    """The stored dispatch parameters ``name``, the only ones stored, or the defaults."""
    if name is not None:
        chosen: DispatchParameters = rule_named(rules, "dispatch_parameters", name)
        return chosen
    stored = rules.dispatch_parameters
    if len(stored) > 1:
        known = ", ".join(sorted(stored))
        raise BadInput(
            click.get_current_context().command_path,
            f"several dispatch parameters are stored ({known}): choose one with --parameters",
        )
    return next(iter(stored.values()), DispatchParameters())


def _board_window(
    parameters: DispatchParameters, start: date | None, last: date | None, zone: ZoneInfo
) -> Interval:
    if start is None and last is None:
        today = session().clock.now().astimezone(zone).date()
        return parameters.period_around(today, zone)
    first = start or last or date.min  # one of them is given
    return _days(first, last or first, zone)


@report.command("board")
@click.option("--team", "team_id", required=True, help="The dispatch team.")
@click.option("--from", "start", type=DATE, default=None, help="The first day shown.")
@click.option("--to", "last", type=DATE, default=None, help="The last day shown (inclusive).")
@click.option("--show-closed", is_flag=True, help="Show completed and canceled bookings too.")
@click.option(
    "--parameters", "parameters_name", metavar="NAME", default=None,
    help="The stored dispatch parameters (default: the only ones stored, else the defaults).",
)  # fmt: skip
@click.option(
    "--zone", type=ZONE, default="UTC", show_default=True,
    help="The zone of the days and of the times shown.",
)  # fmt: skip
@output_options
def board(
    *,
    team_id: str,
    start: date | None,
    last: date | None,
    show_closed: bool,
    parameters_name: str | None,
    zone: ZoneInfo,
    format_: str,
    output: Path | None,
) -> None:
    """The dispatch board of TEAM: a row per technician with its bookings, and the open work.

    The days are --from to --to (one alone: that day); without them, the stored
    parameters' days before and after today.
    """
    store = session().store()
    parameters = _parameters(stored_rules(store), parameters_name)
    window = _board_window(parameters, start, last, zone)
    with store.unit_of_work() as uow:
        team = uow.dispatch_teams.get().team(team_id)
        techs = [uow.technicians.get(worker) for worker in sorted(team.members)]
        bookings = [b for t in techs for b in uow.bookings.for_technician(t.id, window)]
        needs = {need.id: need for need in uow.requirements.undispatched()}
        for booking in bookings:
            if booking.requirement_id not in needs:
                needs[booking.requirement_id] = uow.requirements.get(booking.requirement_id)
    made = dispatch_board(
        team,
        techs,
        bookings,
        needs.values(),
        window=window,
        parameters=parameters,
        show_closed=show_closed,
    )
    emit(dispatch_board_report(made, zone=zone).view(), format_, output)


# The same command under the dispatch group (`dispatch board`), where a dispatcher looks.
dispatch.add_command(board, "board")
