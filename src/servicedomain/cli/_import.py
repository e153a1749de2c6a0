"""``import subscriptions FILE``: subscriptions from CSV or JSON, all or nothing.

A CSV file has a header row naming the columns; a JSON file holds a list of objects
with the same keys. The columns are the fields of
:meth:`~servicedomain.billing.Subscription.create`: ``id``, ``group_id`` (a stored
subscription group: it gives the invoicing period), ``customer_id``, ``project_id``,
``category_id``, ``base_price`` (a decimal string, never a float), ``currency`` and
``start_date``; optional ``name``, ``end_date`` (the last day served), ``index``,
``price_basis``, ``timing``, ``alignment`` and ``active``. Every row is checked before
anything is stored: a bad row, a duplicate id or an id stored with other values is
reported with its line (its item, in JSON), and nothing is imported. A row stored
already with the same values is left as it is, so importing a file again changes
nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final, Generic, TypeVar

import attrs
import click

from servicedomain.adapters.sql import SqlUnitOfWork
from servicedomain.billing import BillingTiming, PriceBasis, Subscription
from servicedomain.cli._main import BadInput, cli
from servicedomain.cli._rules import stored_rules
from servicedomain.cli._session import progress, say, session
from servicedomain.errors import InvalidInputError, UnknownCurrencyError
from servicedomain.instants import parse_date
from servicedomain.money import Money
from servicedomain.periods import Alignment

REQUIRED: Final = (
    "id",
    "group_id",
    "customer_id",
    "project_id",
    "category_id",
    "base_price",
    "currency",
    "start_date",
)
OPTIONAL: Final = ("name", "end_date", "index", "price_basis", "timing", "alignment", "active")
_COMPARED: Final = (
    "group_id",
    "customer_id",
    "project_id",
    "category_id",
    "period_code",
    "base_price",
    "start_date",
    "end_date",
    "name",
    "index",
    "price_basis",
    "timing",
    "alignment",
    "active",
)
_BOOLS: Final = {"true": True, "false": False}
_E = TypeVar("_E")
_PLACE: Final = re.compile(r"(?:line|item) (\d+):")


def read_rows(path: Path) -> list[tuple[str, Mapping[str, Any]]]:
    """The rows of the file, each with where it is (``line 3``, ``item 2``)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInputError("FILE", path.name, f"not UTF-8 text: {error.reason}") from None
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InvalidInputError(
                "FILE", path.name, f"line {error.lineno}: not JSON: {error.msg}"
            ) from None
        if not isinstance(data, list):
            raise InvalidInputError("FILE", path.name, "a JSON import holds a list of objects")
        return [(f"item {index}", item) for index, item in enumerate(data, start=1)]
    if path.suffix != ".csv":
        raise InvalidInputError("FILE", path.name, "an import file ends in .csv or .json")
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[str, Mapping[str, Any]]] = []
    try:
        rows.extend((f"line {reader.line_num}", row) for row in reader)
    except csv.Error as error:
        raise InvalidInputError("FILE", path.name, f"line {reader.line_num}: {error}") from None
    return rows


def cell(row: Mapping[str, Any], column: str) -> Any:
    value = row.get(column)
    return None if value == "" else value


def decimal(value: Any, column: str) -> Decimal | int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise InvalidInputError(column, value, "expected a decimal string such as '100'")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise InvalidInputError(column, value, "not a decimal number") from None


def money(amount: Any, currency: Any, column: str) -> Money:
    """``amount`` in ``currency``: a plain decimal string or an int (never a float)."""
    try:
        return Money.of(amount, currency)
    except UnknownCurrencyError:
        raise
    except InvalidInputError as error:
        raise InvalidInputError(column, amount, error.reason) from None


def choice(enum: Any, value: Any, column: str) -> Any:
    try:
        return enum(value)
    except InvalidInputError as error:
        raise InvalidInputError(column, value, error.reason) from None


def boolean(value: Any, column: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _BOOLS:
        return _BOOLS[value.lower()]
    raise InvalidInputError(column, value, "expected true or false")


def _subscription(row: Mapping[str, Any], groups: Mapping[str, Any]) -> Subscription:
    """The subscription a row describes (created now, version 1)."""
    if not isinstance(row, Mapping):
        raise InvalidInputError("row", row, "expected an object of columns")
    unknown = [key for key in row if key not in REQUIRED and key not in OPTIONAL]
    if unknown:
        known = ", ".join((*REQUIRED, *OPTIONAL))
        raise InvalidInputError(str(unknown[0]), row[unknown[0]], f"unknown column; known: {known}")
    missing = [column for column in REQUIRED if cell(row, column) is None]
    if missing:
        raise InvalidInputError(missing[0], None, "a required column is empty or missing")
    group = groups.get(row["group_id"])
    if group is None:
        known = ", ".join(sorted(groups)) or "none"
        raise InvalidInputError(
            "group_id", row["group_id"], f"no such subscription group is stored; stored: {known}"
        )
    fields: dict[str, Any] = {}
    for column, read in (
        ("name", lambda value, _column: value),
        ("end_date", parse_date),
        ("index", decimal),
        ("price_basis", lambda value, column: choice(PriceBasis, value, column)),
        ("timing", lambda value, column: choice(BillingTiming, value, column)),
        ("alignment", lambda value, column: choice(Alignment, value, column)),
        ("active", boolean),
    ):
        value = cell(row, column)
        if value is not None:
            fields[column] = read(value, column)
    subscription, _events = Subscription.create(
        id=row["id"],
        group_id=group.id,
        customer_id=row["customer_id"],
        project_id=row["project_id"],
        category_id=row["category_id"],
        period_code=group.invoicing_period_code,
        base_price=money(row["base_price"], row["currency"], "base_price"),
        start_date=parse_date(row["start_date"], "start_date"),
        at=session().clock.now(),
        **fields,
    )
    return subscription


@cli.group("import")
def import_() -> None:
    """Import a host's data from CSV or JSON files, all or nothing."""


@attrs.frozen
class Parsed(Generic[_E]):
    """An entity a file describes, where it is (``line 2``), or the problems of its rows."""

    where: str
    entity: _E | None = None
    problems: tuple[str, ...] = ()


def import_all(
    file: Path,
    noun: str,
    parsed: Iterable[Parsed[_E]],
    *,
    repository: Callable[[SqlUnitOfWork], Any],
    differs: Callable[[_E, _E], str | None],
    add: Callable[[SqlUnitOfWork, _E], None],
    dry_run: bool,
) -> None:
    """Store the new entities of ``parsed`` in one unit of work, or none of them.

    Every problem (a bad row, a duplicate id, an id stored with other values) is
    reported with its place, and then nothing is stored (:class:`BadInput`, exit 2).
    An entity stored already with the same values is left as it is.
    """
    store = session().store()
    problems: list[str] = []
    new: list[Any] = []
    same = 0
    with store.unit_of_work() as uow:
        stored = {entity.id: entity for entity in repository(uow).list()}
        seen: dict[str, str] = {}
        for item in parsed:
            problems.extend(item.problems)
            entity: Any = item.entity
            if entity is None:
                continue
            if entity.id in seen:
                problems.append(f"{item.where}: id={entity.id!r}: a duplicate of {seen[entity.id]}")
                continue
            seen[entity.id] = item.where
            old = stored.get(entity.id)
            if old is None:
                new.append(entity)
                continue
            difference = differs(old, entity)
            if difference is not None:
                problems.append(
                    f"{item.where}: id={entity.id!r}: stored already with other values "
                    f"({difference})"
                )
            else:
                same += 1
        if problems:
            problems.sort(key=_place)
            count = f"{len(problems)} bad row" + ("s" if len(problems) > 1 else "")
            detail = "".join(f"\n  {problem}" for problem in problems)
            raise BadInput(
                click.get_current_context().command_path,
                f"{file.name}: {count}, nothing imported:{detail}",
            )
        for entity in new:
            add(uow, entity)
            say(f"added {entity.id}")
        if not dry_run:
            uow.commit()
    command = f"import {noun} {file.name}"
    if not new:
        say(f"{command}: imported nothing, {_count(same, noun)} unchanged")
    else:
        verb = "(dry run) would have imported" if dry_run else "imported"
        say(f"{command}: {verb} {_count(len(new), noun)}, {same} unchanged")


def _count(count: int, nouns: str) -> str:
    """``1 agreement``, ``2 agreements`` (``nouns`` is the plural)."""
    return f"{count} {nouns.removesuffix('s') if count == 1 else nouns}"


def _place(problem: str) -> int:
    """The line (item) number a problem starts with: problems are reported in file order."""
    found = _PLACE.match(problem)
    return int(found.group(1)) if found else 0


def differs_in(names: Iterable[str], stored: object, new: object) -> str | None:
    """The first of ``names`` whose value differs: ``name is A there, B here``."""
    for name in names:
        if getattr(stored, name) != getattr(new, name):
            return f"{name} is {getattr(stored, name)!s} there, {getattr(new, name)!s} here"
    return None


def _parsed_subscriptions(
    rows: Iterable[tuple[str, Mapping[str, Any]]], groups: Mapping[str, Any]
) -> Iterator[Parsed[Subscription]]:
    for where, row in progress(list(rows), "rows"):
        try:
            yield Parsed(where, _subscription(row, groups))
        except InvalidInputError as error:
            yield Parsed(where, problems=(f"{where}: {error}",))


def _add_subscription(uow: SqlUnitOfWork, subscription: Subscription) -> None:
    uow.subscriptions.add(subscription)


@import_.command("subscriptions")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; store nothing.")
def import_subscriptions(file: Path, dry_run: bool) -> None:
    """Import the subscriptions of a CSV or JSON FILE (again: changes nothing).

    Every bad row is reported with its line, and then nothing is imported (exit 2).
    """
    rows = read_rows(file)
    groups = stored_rules(session().store()).subscription_groups
    import_all(
        file,
        "subscriptions",
        _parsed_subscriptions(rows, groups),
        repository=lambda uow: uow.subscriptions,
        differs=lambda stored, new: differs_in(_COMPARED, stored, new),
        add=_add_subscription,
        dry_run=dry_run,
    )
