"""``rules load``, ``stages show`` and ``calendar deadline``: rules kept in the database.

A rules file (:mod:`servicedomain.rules`) is validated as a whole, then each rule is
kept as one :class:`RuleDocument` (its section, name and the plain data of its
``to_dict``) in the store's table of host entities, through ``repository(RuleDocument)``
and :data:`RULE_CODEC`: no table of its own. Loading keeps every rule of the file in
one unit of work (all or nothing); a rule stored with equal data is left as it is, so
loading a file again changes nothing. The later commands read the stored rules back
with :func:`stored_rules`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import attrs
import click

from servicedomain._checks import instance_of, is_id, is_version
from servicedomain.adapters.sql import Codec, SqlStore
from servicedomain.cli._main import BadInput, cli
from servicedomain.cli._session import say, session
from servicedomain.errors import InvalidDurationError, InvalidInputError, NaiveDatetimeError
from servicedomain.instants import local_datetime, parse_instant, resolve_local
from servicedomain.rules import Rules, format_rules, load_rules, rules_from_dict
from servicedomain.sla import Allowance

__all__ = ["RULE_CODEC", "RuleDocument", "stored_rules"]


_MAPPING: Final = instance_of(Mapping)  # type: ignore[type-abstract]


@attrs.frozen
class RuleDocument:
    """One stored rule: ``data`` is what its ``to_dict`` gave, as JSON.

    Attributes:
        id: ``"<section>:<name>"``.
        version: the stored version (it grows when a load changes the rule).
        section: the section of the rules file (``"calendars"``, ...).
        name: the rule's name in its section.
        data: the rule's plain data, as its ``from_dict`` reads it.
    """

    id: str = attrs.field(validator=is_id)
    version: int = attrs.field(validator=is_version)
    section: str = attrs.field(validator=is_id)
    name: str = attrs.field(validator=is_id)
    data: Mapping[str, Any] = attrs.field(validator=_MAPPING)

    def __attrs_post_init__(self) -> None:
        if self.id != f"{self.section}:{self.name}":
            raise InvalidInputError("id", self.id, f"expected {self.section}:{self.name}")


def _encode(document: RuleDocument) -> dict[str, Any]:
    return {
        "id": document.id,
        "version": document.version,
        "section": document.section,
        "name": document.name,
        "data": dict(document.data),
    }


def _decode(data: Mapping[str, Any]) -> RuleDocument:
    return RuleDocument(data["id"], data["version"], data["section"], data["name"], data["data"])


RULE_CODEC: Final = Codec(RuleDocument, _encode, _decode)
"""How the store keeps a :class:`RuleDocument` (in its table of host entities)."""


def _plain(rules: Rules) -> dict[str, dict[str, Any]]:
    """The rules as JSON data: ``{section: {name: data}}`` (what a JSON rules file holds)."""
    data: dict[str, dict[str, Any]] = json.loads(format_rules(rules, format="json"))
    return data


def stored_rules(store: SqlStore) -> Rules:
    """Every rule the database holds, read back as one :class:`~servicedomain.rules.Rules`."""
    sections: dict[str, dict[str, Any]] = {}
    for document in store.repository(RuleDocument).list():
        sections.setdefault(document.section, {})[document.name] = dict(document.data)
    return rules_from_dict(sections, source="the stored rules")


def rule_named(rules: Rules, section: str, name: str) -> Any:
    """The stored rule ``name`` of ``section``; bad input (exit 2) naming the known ones."""
    found = rules.section(section)
    if name not in found:
        known = ", ".join(sorted(found)) or "none"
        path = click.get_current_context().command_path
        raise BadInput(path, f"{section}.{name}: no such rule is stored; stored: {known}")
    return found[name]


@cli.group()
def rules() -> None:
    """Keep rules (stage graphs, calendars, SLAs, groups, price tables) in the database."""


@rules.command("load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and report; store nothing.")
def rules_load(file: Path, dry_run: bool) -> None:
    """Validate a TOML or JSON rules FILE and store its rules (again: changes nothing).

    A bad file is refused as a whole (exit 2): the message names the file, the key path
    and the value; nothing is stored.
    """
    loaded = _plain(load_rules(file))
    store = session().store()
    added = changed = same = 0
    with store.unit_of_work() as uow:
        repository = uow.repository(RuleDocument)
        stored = {document.id: document for document in repository.list()}
        for section, named in loaded.items():
            for name, data in named.items():
                key = f"{section}:{name}"
                old = stored.get(key)
                if old is None:
                    repository.add(RuleDocument(key, 1, section, name, data))
                    added += 1
                    say(f"added {section}.{name}")
                elif dict(old.data) != data:
                    new = RuleDocument(key, old.version + 1, section, name, data)
                    repository.save(new, expected_version=old.version)
                    changed += 1
                    say(f"changed {section}.{name}")
                else:
                    same += 1
        if not dry_run:
            uow.commit()
    if not added and not changed:
        say(f"rules load {file.name}: nothing to store, {same} rules unchanged")
        return
    verb = "would store" if dry_run else "stored"
    say(f"rules load {file.name}: {verb} {added} new and {changed} changed rules, {same} unchanged")


@cli.group()
def stages() -> None:
    """Show the stored stage graphs."""


@stages.command("show")
@click.argument("graph")
@click.option("--mermaid", is_flag=True, help="Print a Mermaid flowchart.")
def stages_show(graph: str, mermaid: bool) -> None:
    """Show the stored stage graph GRAPH: its stages and what each allows."""
    found = rule_named(stored_rules(session().store()), "stage_graphs", graph)
    if mermaid:
        say(found.to_mermaid())
        return
    for stage in found.stages:
        depth = len(found.path_to(stage.id)) - 1
        allowed = sorted(
            name.removeprefix("may_")
            for name, value in attrs.asdict(stage.rules).items()
            if value is True
        )
        description = f"  {stage.description}" if stage.description else ""
        say(f"{'  ' * depth}{stage.id}{description}  [{', '.join(allowed)}]")


@cli.group()
def calendar() -> None:
    """Work with the stored working calendars."""


def duration_in(text: str, field: str) -> timedelta:
    """An ISO-8601 duration (``PT2H``) as a timedelta; bad input names ``field``."""
    try:
        return Allowance.parse(text).duration
    except InvalidDurationError as error:
        raise InvalidDurationError(field, text, error.reason) from None


def instant_in(text: str, zone: Any, field: str) -> datetime:
    """An ISO instant with an offset, or a wall time (no offset) in ``zone``."""
    try:
        return parse_instant(text, field)
    except NaiveDatetimeError:
        try:
            wall_time = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInputError(field, text, "expected an ISO date-time") from None
        return resolve_local(wall_time, zone)


@calendar.command("deadline")
@click.argument("calendar_id", metavar="CALENDAR")
@click.argument("start")
@click.argument("duration")
def calendar_deadline(calendar_id: str, start: str, duration: str) -> None:
    """When DURATION of working time after START has elapsed on CALENDAR.

    START is an ISO date-time (without an offset: a wall time in the calendar's zone);
    DURATION an ISO-8601 duration such as PT8H or P1DT4H.
    """
    found = rule_named(stored_rules(session().store()), "calendars", calendar_id)
    begin = instant_in(start, found.zone, "START")
    try:
        allowance = Allowance.parse(duration)
    except InvalidDurationError as error:
        raise InvalidDurationError("DURATION", duration, error.reason) from None
    deadline = local_datetime(found.deadline(begin, allowance.duration), found.zone)
    say(f"deadline: {deadline.isoformat()} ({deadline:%a %d %b %H:%M} {found.zone.key})")
