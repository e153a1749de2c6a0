"""``import agreements FILE`` and ``import orders FILE``: CSV or JSON, all or nothing.

An agreement or an order has lines, so a file has one row per line: the columns of
the agreement (or order) and of the line, with a ``line`` column numbering the lines
of one id 1, 2, ... in order. The agreement's (order's) columns repeat on each of its
rows and must agree. A row with no ``transaction_type`` stands for an agreement
(order) without lines, its ``line`` empty. Amounts are decimal strings (never
floats) in the row's ``currency``.

Agreements (:meth:`~servicedomain.agreements.ServiceAgreement.create`):
``agreement_id``, ``customer_id``, ``group_id``, ``start_date``; optional
``description``, ``group_description``, ``project_id``, ``end_date`` (the last day),
``sla_id`` (a stored SLA); each line ``line``, ``transaction_type``, ``quantity``,
``line_start_date``; optional ``line_description``, ``unit``, ``cost_price``,
``sales_price``, ``currency``, ``interval_unit`` (day, week, month, year) with
``interval_frequency``, ``line_end_date``, ``item_id``, ``category_id``, ``worker_id``,
``object_id`` (the service object the line is about: the agreement relates each object
its lines name by a relation ``<agreement id>/<object id>``).

Orders (:meth:`~servicedomain.orders.ServiceOrder.create`, in the root stage of the
stored stage graph): ``order_id``, ``customer_id``; optional ``description``,
``agreement_id`` (a stored agreement), ``project_id``, ``service_address``,
``priority`` (high, normal, low), ``sla_id`` (a stored SLA: its clock starts at the
import); each line ``line``, ``transaction_type``, ``quantity``, ``cost_price``,
``sales_price``, ``currency``; optional ``line_description``, ``unit``, ``item_id``,
``category_id``, ``worker_id``, ``object_id`` (an order on an agreement carries the
agreement's object relations; an object they do not relate gets an order relation
``<order id>/<object id>``).

An id stored already with the same imported values is left as it is, so importing a
file again changes nothing; one stored with other values is a bad row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import click

from servicedomain.adapters.sql import SqlUnitOfWork
from servicedomain.agreements import (
    AgreementGroup,
    IntervalUnit,
    NewAgreementLine,
    ServiceAgreement,
    ServiceInterval,
)
from servicedomain.cli._batch import GRAPH_OPTION, stored_graph
from servicedomain.cli._import import (
    Parsed,
    cell,
    choice,
    decimal,
    differs_in,
    import_,
    import_all,
    money,
    read_rows,
)
from servicedomain.cli._rules import stored_rules
from servicedomain.cli._session import progress, session
from servicedomain.errors import InvalidInputError
from servicedomain.instants import parse_date
from servicedomain.money import Money
from servicedomain.orders import NewLine, ServiceOrder, TransactionType
from servicedomain.repairs import RelationKind, ServiceObjectRelation
from servicedomain.sla import Priority
from servicedomain.stages import StageGraph

Row = tuple[str, Mapping[str, Any]]

AGREEMENT_REQUIRED: Final = ("agreement_id", "customer_id", "group_id", "start_date")
AGREEMENT_OPTIONAL: Final = (
    "description",
    "group_description",
    "project_id",
    "end_date",
    "sla_id",
)
AGREEMENT_LINE_REQUIRED: Final = ("line", "transaction_type", "quantity", "line_start_date")
AGREEMENT_LINE_OPTIONAL: Final = (
    "line_description",
    "unit",
    "cost_price",
    "sales_price",
    "currency",
    "interval_unit",
    "interval_frequency",
    "line_end_date",
    "item_id",
    "category_id",
    "worker_id",
    "object_id",
)
ORDER_REQUIRED: Final = ("order_id", "customer_id")
ORDER_OPTIONAL: Final = (
    "description",
    "agreement_id",
    "project_id",
    "service_address",
    "priority",
    "sla_id",
)
ORDER_LINE_REQUIRED: Final = (
    "line",
    "transaction_type",
    "quantity",
    "cost_price",
    "sales_price",
    "currency",
)
ORDER_LINE_OPTIONAL: Final = (
    "line_description",
    "unit",
    "item_id",
    "category_id",
    "worker_id",
    "object_id",
)

_LINE_COMPARED: Final = (
    "transaction_type",
    "description",
    "quantity",
    "unit",
    "cost_price",
    "sales_price",
    "item_id",
    "category_id",
    "worker_id",
    "service_object_id",
)
_AGREEMENT_COMPARED: Final = (
    "customer_id",
    "group",
    "start_date",
    "end_date",
    "sla_id",
    "description",
    "project_id",
    "object_relations",
)
_AGREEMENT_LINE_COMPARED: Final = (*_LINE_COMPARED, "interval", "start_date", "end_date")
_ORDER_COMPARED: Final = (
    "customer_id",
    "description",
    "agreement_id",
    "project_id",
    "service_address",
    "priority",
    "sla_id",
    "object_relations",
)


def _known(columns: Sequence[str]) -> str:
    return ", ".join(columns)


def _problem(where: str, error: InvalidInputError) -> str:
    return f"{where}: {error}"


def _line_number(value: Any) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise InvalidInputError("line", value, "expected a line number: 1, 2, ...")


def _date(row: Mapping[str, Any], column: str) -> Any:
    value = cell(row, column)
    return None if value is None else parse_date(value, column)


def _price(row: Mapping[str, Any], column: str) -> Money:
    currency = cell(row, "currency")
    if currency is None:
        raise InvalidInputError("currency", None, f"{column} needs the row's currency")
    return money(row[column], currency, column)


def _stored(value: Any, column: str, stored: Iterable[str], what: str) -> Any:
    """``value`` if it names one of ``stored`` (or is empty), else bad input naming them."""
    known = sorted(stored)
    if value is not None and value not in known:
        raise InvalidInputError(
            column, value, f"no such {what} is stored; stored: {', '.join(known) or 'none'}"
        )
    return value


class _Kind:
    """What one kind of import (agreements, orders) reads of a row, and how it creates."""

    def __init__(
        self,
        *,
        id_column: str,
        header: tuple[Sequence[str], Sequence[str]],
        line: tuple[Sequence[str], Sequence[str]],
        read_header: Callable[[Mapping[str, Any]], dict[str, Any]],
        read_line: Callable[[Mapping[str, Any]], Any],
        create: Callable[[str, dict[str, Any], list[Any]], Any],
    ) -> None:
        self.id_column = id_column
        self.header_required, self.header_optional = header
        self.line_required, self.line_optional = line
        self.read_header = read_header
        self.read_line = read_line
        self.create = create
        self.known = (*self.header_required, *self.header_optional, *line[0], *line[1])

    def columns(self, where: str, row: Any) -> list[str]:
        """The problems of a row's columns: not an object, unknown, missing."""
        if not isinstance(row, Mapping):
            return [_problem(where, InvalidInputError("row", row, "expected an object of columns"))]
        unknown = [key for key in row if key not in self.known]
        if unknown:
            error = InvalidInputError(
                str(unknown[0]), row[unknown[0]], f"unknown column; known: {_known(self.known)}"
            )
            return [_problem(where, error)]
        lineless = cell(row, "transaction_type") is None
        required = (
            self.header_required if lineless else (*self.header_required, *self.line_required)
        )
        missing = [column for column in required if cell(row, column) is None]
        if missing:
            error = InvalidInputError(missing[0], None, "a required column is empty or missing")
            return [_problem(where, error)]
        return []

    def parse(self, rows: Iterable[Row]) -> Iterator[Parsed[Any]]:
        """One :class:`Parsed` per id of ``rows`` (its rows' problems, or the entity)."""
        groups: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
        for where, row in rows:
            problems = self.columns(where, row)
            if problems:
                yield Parsed(where, problems=tuple(problems))
                continue
            groups.setdefault(str(row[self.id_column]), []).append((where, row))
        for entity_id, group in progress(list(groups.items()), "rows", weight=_rows_of):
            yield self._entity(entity_id, group)

    def _numbering(
        self, entity_id: str, group: list[tuple[str, Mapping[str, Any]]]
    ) -> Iterator[str]:
        """The problems of the rows of one id: columns that differ, lines out of order."""
        first_where, first = group[0]
        numbered: dict[int, str] = {}
        for index, (where, row) in enumerate(group, start=1):
            for column in (*self.header_required, *self.header_optional):
                if cell(row, column) != cell(first, column):
                    yield (
                        f"{where}: {column}={cell(row, column)!r}: differs from "
                        f"{first_where} ({cell(first, column)!r})"
                    )
                    break
            if cell(row, "transaction_type") is None:
                if len(group) > 1 or cell(row, "line") is not None:
                    yield f"{where}: transaction_type=None: a line needs its transaction type"
                continue
            try:
                number = _line_number(row["line"])
            except InvalidInputError as error:
                yield _problem(where, error)
                continue
            label = f"{self.id_column}={entity_id!r} line={number}"
            if number in numbered:
                yield f"{where}: {label}: a duplicate of {numbered[number]}"
            elif number != index:
                yield (
                    f"{where}: {label}: expected line {index} "
                    "(the lines of an id are numbered 1, 2, ... in order)"
                )
            numbered.setdefault(number, where)

    def _entity(self, entity_id: str, group: list[tuple[str, Mapping[str, Any]]]) -> Parsed[Any]:
        first_where, first = group[0]
        problems = list(self._numbering(entity_id, group))
        try:
            header = self.read_header(first)
        except InvalidInputError as error:
            problems.append(_problem(first_where, error))
            header = None
        lines = []
        for where, row in group:
            if cell(row, "transaction_type") is None:
                continue
            try:
                lines.append(self.read_line(row))
            except InvalidInputError as error:
                problems.append(_problem(where, error))
        if problems or header is None:
            return Parsed(first_where, problems=tuple(problems))
        try:
            return Parsed(first_where, self.create(entity_id, header, lines))
        except InvalidInputError as error:
            return Parsed(first_where, problems=(_problem(first_where, error),))


def _rows_of(item: tuple[str, list[Any]]) -> int:
    return len(item[1])


def _lines_differ(names: Sequence[str], stored: Any, new: Any) -> str | None:
    if len(stored.lines) != len(new.lines):
        return f"{len(stored.lines)} lines there, {len(new.lines)} here"
    for old_line, new_line in zip(stored.lines, new.lines, strict=True):
        difference = differs_in(names, old_line, new_line)
        if difference is not None:
            return f"line {old_line.number}: {difference}"
    return None


def _common_line(row: Mapping[str, Any]) -> dict[str, Any]:
    """The columns every line has: type, description, quantity, unit, item, category, worker."""
    return {
        "transaction_type": choice(TransactionType, row["transaction_type"], "transaction_type"),
        "description": cell(row, "line_description") or "",
        "quantity": decimal(row["quantity"], "quantity"),
        "unit": cell(row, "unit") or "",
        "item_id": cell(row, "item_id"),
        "category_id": cell(row, "category_id"),
        "worker_id": cell(row, "worker_id"),
        "service_object_id": cell(row, "object_id"),
    }


def _relations(
    kind: RelationKind,
    key: str,
    lines: Iterable[Any],
    carried: tuple[ServiceObjectRelation, ...] = (),
) -> tuple[ServiceObjectRelation, ...]:
    """``carried``, then a relation ``<key>/<object id>`` of each other object the lines name."""
    related = {relation.object_id for relation in carried}
    named = dict.fromkeys(line.service_object_id for line in lines)
    own = tuple(
        ServiceObjectRelation(f"{key}/{object_id}", object_id, kind, key)
        for object_id in named
        if object_id is not None and object_id not in related
    )
    return (*carried, *own)


# --------------------------------------------------------------------- agreements


def _agreement_kind(slas: Iterable[str], at: datetime, events: dict[str, Any]) -> _Kind:
    stored_slas = list(slas)

    def header(row: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "customer_id": row["customer_id"],
            "group": AgreementGroup(row["group_id"], cell(row, "group_description") or ""),
            "start_date": parse_date(row["start_date"], "start_date"),
            "description": cell(row, "description") or "",
            "project_id": cell(row, "project_id"),
            "end_date": _date(row, "end_date"),
            "sla_id": _stored(cell(row, "sla_id"), "sla_id", stored_slas, "SLA"),
        }

    def line(row: Mapping[str, Any]) -> NewAgreementLine:
        fields = _common_line(row)
        for column in ("cost_price", "sales_price"):
            if cell(row, column) is not None:
                fields[column] = _price(row, column)
        unit = cell(row, "interval_unit")
        if unit is not None:
            frequency = cell(row, "interval_frequency")
            fields["interval"] = ServiceInterval(
                choice(IntervalUnit, unit, "interval_unit"),
                1 if frequency is None else _count(frequency, "interval_frequency"),
            )
        return NewAgreementLine(
            **fields,
            start_date=parse_date(row["line_start_date"], "line_start_date"),
            end_date=_date(row, "line_end_date"),
        )

    def create(agreement_id: str, fields: dict[str, Any], lines: list[Any]) -> ServiceAgreement:
        relations = _relations(RelationKind.AGREEMENT, agreement_id, lines)
        agreement, created = ServiceAgreement.create(
            id=agreement_id, at=at, lines=lines, object_relations=relations, **fields
        )
        events[agreement.id] = created
        return agreement

    return _Kind(
        id_column="agreement_id",
        header=(AGREEMENT_REQUIRED, AGREEMENT_OPTIONAL),
        line=(AGREEMENT_LINE_REQUIRED, AGREEMENT_LINE_OPTIONAL),
        read_header=header,
        read_line=line,
        create=create,
    )


def _count(value: Any, column: str) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise InvalidInputError(column, value, "expected a whole number such as 2")


def _agreements_differ(stored: ServiceAgreement, new: ServiceAgreement) -> str | None:
    return differs_in(_AGREEMENT_COMPARED, stored, new) or _lines_differ(
        _AGREEMENT_LINE_COMPARED, stored, new
    )


def _adder(events: dict[str, Any], repository: str) -> Callable[[SqlUnitOfWork, Any], None]:
    def add(uow: SqlUnitOfWork, entity: Any) -> None:
        getattr(uow, repository).add(entity)
        uow.collect(events[entity.id])

    return add


_DRY_RUN = click.option(
    "--dry-run", is_flag=True, help="Check every row and report; store nothing."
)


@import_.command("agreements")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_DRY_RUN
def import_agreements(file: Path, dry_run: bool) -> None:
    """Import the service agreements of a CSV or JSON FILE, a row per line (again: nothing).

    Every bad row is reported with its line, and then nothing is imported (exit 2).
    """
    rows = read_rows(file)
    rules = stored_rules(session().store())
    events: dict[str, Any] = {}
    kind = _agreement_kind(rules.slas, session().clock.now(), events)
    import_all(
        file,
        "agreements",
        kind.parse(rows),
        repository=lambda uow: uow.agreements,
        differs=_agreements_differ,
        add=_adder(events, "agreements"),
        dry_run=dry_run,
    )


# ------------------------------------------------------------------------- orders


def _order_kind(
    graph: StageGraph,
    slas: Iterable[str],
    agreements: Mapping[str, tuple[ServiceObjectRelation, ...]],
    at: datetime,
    events: dict[str, Any],
) -> _Kind:
    stored_slas, stored_agreements = list(slas), list(agreements)

    def header(row: Mapping[str, Any]) -> dict[str, Any]:
        priority = cell(row, "priority")
        return {
            "customer_id": row["customer_id"],
            "description": cell(row, "description") or "",
            "agreement_id": _stored(
                cell(row, "agreement_id"), "agreement_id", stored_agreements, "agreement"
            ),
            "project_id": cell(row, "project_id"),
            "service_address": cell(row, "service_address"),
            "priority": Priority.NORMAL
            if priority is None
            else choice(Priority, priority, "priority"),
            "sla_id": _stored(cell(row, "sla_id"), "sla_id", stored_slas, "SLA"),
        }

    def line(row: Mapping[str, Any]) -> NewLine:
        return NewLine(
            **_common_line(row),
            cost_price=_price(row, "cost_price"),
            sales_price=_price(row, "sales_price"),
        )

    def create(order_id: str, fields: dict[str, Any], lines: list[Any]) -> ServiceOrder:
        agreement_id = fields["agreement_id"]
        carried = () if agreement_id is None else agreements[agreement_id]
        relations = _relations(RelationKind.ORDER, order_id, lines, carried)
        order, created = ServiceOrder.create(
            graph, id=order_id, at=at, lines=lines, object_relations=relations, **fields
        )
        events[order.id] = created
        return order

    return _Kind(
        id_column="order_id",
        header=(ORDER_REQUIRED, ORDER_OPTIONAL),
        line=(ORDER_LINE_REQUIRED, ORDER_LINE_OPTIONAL),
        read_header=header,
        read_line=line,
        create=create,
    )


def _orders_differ(stored: ServiceOrder, new: ServiceOrder) -> str | None:
    return differs_in(_ORDER_COMPARED, stored, new) or _lines_differ(_LINE_COMPARED, stored, new)


@import_.command("orders")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@GRAPH_OPTION
@_DRY_RUN
def import_orders(file: Path, graph: str | None, dry_run: bool) -> None:
    """Import the service orders of a CSV or JSON FILE, a row per line (again: nothing).

    The orders start in the root stage of the stored stage graph. Every bad row is
    reported with its line, and then nothing is imported (exit 2).
    """
    rows = read_rows(file)
    store = session().store()
    rules = stored_rules(store)
    chosen = stored_graph(rules, graph)
    with store.unit_of_work() as uow:
        agreements = {
            agreement.id: agreement.object_relations for agreement in uow.agreements.list()
        }
    events: dict[str, Any] = {}
    kind = _order_kind(chosen, rules.slas, agreements, session().clock.now(), events)
    import_all(
        file,
        "orders",
        kind.parse(rows),
        repository=lambda uow: uow.service_orders,
        differs=_orders_differ,
        add=_adder(events, "service_orders"),
        dry_run=dry_run,
    )
