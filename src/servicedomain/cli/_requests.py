"""``requests ...``: customer service requests from the command line, on the store's desk.

Every command goes through :class:`~servicedomain.app.RequestDesk` on the store's units
of work, configured with the stored rules: the stage graph of the orders a transfer
makes (``requests --graph NAME``, default: the only one stored; only ``transfer`` needs
one), the fault taxonomy the
requested repair lines are checked against (``requests --taxonomy NAME``, default: the
only one stored, else an empty taxonomy: a line with a code is refused) and the
``slas`` (an agreement's SLA gives its calendar and the order's SLA). Instants are ISO
date-times; one without an offset is a wall time in ``--zone`` (default UTC), the zone
the times are shown in too.

* ``requests submit FILE``: a JSON submission (what a portal sends): ``customer``,
  ``window`` (``start`` and ``end``) and ``idempotency_key`` are required; ``contact``,
  ``agreement``, ``relations`` (a list of relation ids), ``address``, ``lines`` (each
  ``number``, ``relation`` and optionally ``condition``, ``symptom_area``,
  ``symptom_code``, ``description``), ``text`` and ``attachments`` are optional.
  ``--id`` defaults to ``<customer>/<idempotency key>``. The same file again prints the
  stored request, "unchanged" (also when another run with the file won the race).
* ``requests list [--status S ...]``: a table (or CSV, JSON, HTML with ``--format``).
* ``requests show ID [--customer C]``: the request with its notes and review log; with
  ``--customer``, the customer's view as JSON (what a portal gets; another customer's
  request is "not found").
* ``requests review ID --by W``: the dispatcher W starts the review.
* ``requests edit ID --by W [--address A] [--from I --to I]``: edit, each change logged.
* ``requests note ID TEXT --by W [--public]``: a note (a public one the customer sees).
* ``requests reject ID --reason CODE --by W``: reject it with a reason code.
* ``requests withdraw ID --customer C``: the customer withdraws the request.
* ``requests transfer ID [--order ORDER] [--propose-booking] [--sla-start WHEN]
  [--visit PT1H]``: transfer it to a service order (origin web, incoming; ``ORDER``
  defaults to ``SO-<id>``); a retry, or the loser of two transfers at once, prints the
  stored order and says the request was transferred already.

A rule's refusal exits with 1 (``refused by rule <rule>: ...``), bad input with 2
naming the argument or the file's field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

import click

from servicedomain.adapters.sql import SqlStore
from servicedomain.app import RequestDesk, TransferResult
from servicedomain.cli._batch import ZONE, stored_graph
from servicedomain.cli._main import BadInput, Group, cli
from servicedomain.cli._output import emit, output_options
from servicedomain.cli._rules import duration_in, instant_in, rule_named, stored_rules
from servicedomain.cli._session import say, session
from servicedomain.errors import InvalidInputError
from servicedomain.ports import RequestUnitOfWork
from servicedomain.repairs import FaultTaxonomy
from servicedomain.reports import ReportColumn, ReportTable, ReportView
from servicedomain.requests import (
    RequestedRepairLine,
    RequestStatus,
    RequestWindow,
    ServiceRequest,
    SlaStart,
    Submission,
)
from servicedomain.rules import Rules
from servicedomain.stages import EXAMPLE_STAGE_GRAPH, StageGraph

__all__ = ["requests"]

_FIELDS: Final = (
    "customer",
    "contact",
    "agreement",
    "relations",
    "window",
    "address",
    "lines",
    "text",
    "attachments",
    "idempotency_key",
)
_LINE_FIELDS: Final = (
    "number",
    "relation",
    "condition",
    "symptom_area",
    "symptom_code",
    "description",
)
_LIST_COLUMNS: Final = (
    ReportColumn("id", "Request"),
    ReportColumn("status", "Status"),
    ReportColumn("customer_id", "Customer"),
    ReportColumn("agreement_id", "Agreement", missing="-"),
    ReportColumn("start", "From"),
    ReportColumn("end", "To"),
    ReportColumn("order_id", "Order", missing="-"),
)


# ------------------------------------------------------------------ the desk


def _taxonomy(rules: Rules, name: str | None) -> FaultTaxonomy:
    """The stored fault taxonomy ``name``, the only one stored, or an empty one."""
    stored = rules.fault_taxonomies
    if name is not None:
        chosen: FaultTaxonomy = rule_named(rules, "fault_taxonomies", name)
        return chosen
    if len(stored) > 1:
        known = ", ".join(sorted(stored))
        raise BadInput(
            click.get_current_context().command_path,
            f"several fault taxonomies are stored ({known}): choose one with "
            "`servicedomain requests --taxonomy NAME`",
        )
    return next(iter(stored.values()), FaultTaxonomy())


def _graph(rules: Rules, name: str | None, *, needed: bool) -> StageGraph:
    """The stored stage graph; only a transfer needs one (the others take any)."""
    if needed or name is not None:
        return stored_graph(rules, name)
    return next(iter(rules.stage_graphs.values()), EXAMPLE_STAGE_GRAPH)


class _Commits:
    """The store's units of work for one desk, counting the commits that stored something.

    The desk commits only when it stores: a submit or a transfer that found its request
    stored (a retry, or the loser of a race) commits nothing, so a count of 0 after it
    says "unchanged" whatever the clocks of the racers say.
    """

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self.count = 0

    def __call__(self) -> RequestUnitOfWork:
        return cast("RequestUnitOfWork", _Counted(self._store.unit_of_work(), self))


class _Counted:
    """A unit of work of :class:`_Commits`: a commit that returns is counted."""

    def __init__(self, inner: Any, commits: _Commits) -> None:
        self._inner = inner
        self._commits = commits

    def __enter__(self) -> _Counted:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._inner.__exit__(*exc_info)

    def commit(self) -> None:
        self._inner.commit()
        self._commits.count += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _desk(
    commits: _Commits | None = None,
    *,
    transfer: bool = False,
    sla_start: SlaStart = SlaStart.SUBMISSION,
    visit: timedelta = timedelta(hours=1),
) -> RequestDesk:
    """The request desk on the store and the stored rules (``commits``: counting them)."""
    store: SqlStore = session().store()
    rules = stored_rules(store)
    options = click.get_current_context().meta.get(_OPTIONS) or _Options()
    return RequestDesk(
        unit_of_work=store.unit_of_work if commits is None else commits,
        clock=session().clock,
        graph=_graph(rules, options.graph, needed=transfer),
        taxonomy=_taxonomy(rules, options.taxonomy),
        slas=dict(rules.slas),
        sla_start=sla_start,
        visit_duration=visit,
    )


_OPTIONS: Final = "servicedomain.requests"  # where the group keeps _Options (click's ctx.meta)


class _Options:
    """The group's options (``requests --graph --taxonomy``), kept on its context."""

    def __init__(self, graph: str | None = None, taxonomy: str | None = None) -> None:
        self.graph = graph
        self.taxonomy = taxonomy


# ------------------------------------------------------------------ reading a file


def _text(data: Mapping[str, Any], key: str, field: str, *, required: bool = False) -> Any:
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidInputError(field, None, "a required field is missing")
        return None
    if not isinstance(value, str):
        raise InvalidInputError(field, value, "expected a string")
    return value


def _texts(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidInputError(key, value, "expected a list of strings")
    return tuple(value)


def _known(data: Any, fields: Sequence[str], where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise InvalidInputError(where, data, "expected a JSON object")
    for key in data:
        if key not in fields:
            raise InvalidInputError(
                f"{where}.{key}" if where != "FILE" else key,
                data[key],
                f"unknown field; known: {', '.join(fields)}",
            )
    return data


def _line(data: Any, index: int) -> RequestedRepairLine:
    where = f"lines[{index}]"
    row = _known(data, _LINE_FIELDS, where)
    number = row.get("number")
    if not isinstance(number, int) or isinstance(number, bool):
        raise InvalidInputError(f"{where}.number", number, "expected a line number (1, 2, ...)")
    return RequestedRepairLine(
        number=number,
        relation_id=_text(row, "relation", f"{where}.relation", required=True),
        condition_id=_text(row, "condition", f"{where}.condition"),
        symptom_area_id=_text(row, "symptom_area", f"{where}.symptom_area"),
        symptom_code_id=_text(row, "symptom_code", f"{where}.symptom_code"),
        description=_text(row, "description", f"{where}.description") or "",
    )


def read_submission(file: Path, zone: ZoneInfo) -> Submission:
    """The submission a JSON ``file`` holds; bad input names the file and the field.

    Raises:
        InvalidInputError: the file is not JSON, a field is unknown, missing or of the
            wrong type (named ``window.start``, ``lines[0].number``, ...).
    """
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InvalidInputError("FILE", file.name, f"not JSON: {error}") from None
    found = _known(data, _FIELDS, "FILE")
    window = _known(found.get("window"), ("start", "end"), "window")
    lines = found.get("lines", [])
    if not isinstance(lines, list):
        raise InvalidInputError("lines", lines, "expected a list of lines")
    return Submission(
        customer_id=_text(found, "customer", "customer", required=True),
        contact=_text(found, "contact", "contact") or "",
        agreement_id=_text(found, "agreement", "agreement"),
        relation_ids=_texts(found, "relations"),
        window=RequestWindow(
            instant_in(_text(window, "start", "window.start", required=True), zone, "window.start"),
            instant_in(_text(window, "end", "window.end", required=True), zone, "window.end"),
        ),
        address=_text(found, "address", "address") or "",
        lines=tuple(_line(line, index) for index, line in enumerate(lines)),
        text=_text(found, "text", "text") or "",
        attachments=_texts(found, "attachments"),
        idempotency_key=_text(found, "idempotency_key", "idempotency_key", required=True),
    )


def default_request_id(submission: Submission) -> str:
    """The id of a submitted request without ``--id``: ``<customer>/<idempotency key>``."""
    return f"{submission.customer_id}/{submission.idempotency_key}"


# ------------------------------------------------------------------ output


def _when(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).isoformat()


def _window(window: RequestWindow, zone: ZoneInfo) -> str:
    return f"{_when(window.start, zone)} to {_when(window.end, zone)}"


def _show(request: ServiceRequest, zone: ZoneInfo) -> None:
    """Print a request as the dispatcher reads it: status, window, lines, notes, log."""
    under = f", agreement {request.agreement_id}" if request.agreement_id else ""
    say(
        f"{request.id}: {request.status.value}, customer {request.customer_id}{under} "
        f"(version {request.version})"
    )
    say(f"  window: {_window(request.window, zone)}")
    if request.address:
        say(f"  address: {request.address}")
    if request.submission.text:
        say(f"  text: {request.submission.text}")
    for line in request.lines:
        code = "/".join(part for part in (line.symptom_area_id, line.symptom_code_id) if part)
        parts = (line.relation_id, code, line.condition_id or "", line.description)
        say(f"  line {line.number}: {' '.join(part for part in parts if part)}")
    for note in request.notes:
        kind = "public" if note.public else "internal"
        say(f"  note ({kind}) by {note.by} at {_when(note.at, zone)}: {note.text}")
    for entry in request.review_log:
        say(
            f"  log: {_when(entry.at, zone)} {entry.by} {entry.field}: "
            f"{entry.old!r} -> {entry.new!r}"
        )
    if request.reject_reason is not None:
        say(f"  rejected: {request.reject_reason}")
    if request.order_id is not None:
        say(f"  order: {request.order_id}")


_ZONE_OPTION = click.option(
    "--zone",
    type=ZONE,
    default="UTC",
    show_default=True,
    help="The IANA zone of times without an offset, and of the times shown.",
)
_BY_OPTION = click.option("--by", "by", required=True, metavar="WORKER", help="Who does it.")


# ------------------------------------------------------------------ commands


@cli.group(cls=Group)
@click.option("--graph", default=None, help="The stored stage graph of transferred orders.")
@click.option(
    "--taxonomy",
    default=None,
    help="The stored fault taxonomy of the repair lines (default: the only one, else none).",
)
@click.pass_context
def requests(ctx: click.Context, graph: str | None, taxonomy: str | None) -> None:
    """Customer service requests: submit, review, reject, transfer to service orders."""
    ctx.meta[_OPTIONS] = _Options(graph, taxonomy)


@requests.command("submit")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "request_id", default=None, help="The request's id (default: CUSTOMER/KEY).")
@_ZONE_OPTION
def submit(file: Path, request_id: str | None, zone: ZoneInfo) -> None:
    """Submit the JSON submission of FILE (the same file again: the same request, unchanged)."""
    submission = read_submission(file, zone)
    chosen = default_request_id(submission) if request_id is None else request_id
    commits = _Commits(session().store())
    request = _desk(commits).submit(submission, request_id=chosen)
    _show(request, zone)
    if not commits.count:
        say(f"requests submit {file.name}: unchanged, submitted before as {request.id}")
    else:
        say(f"requests submit {file.name}: submitted {request.id}")


@requests.command("list")
@click.option(
    "--status",
    "statuses",
    type=click.Choice([status.value for status in RequestStatus]),
    multiple=True,
    help="Only requests in this status (repeat it; default: every request).",
)
@_ZONE_OPTION
@output_options
def list_(statuses: Sequence[str], zone: ZoneInfo, format_: str, output: Path | None) -> None:
    """The stored requests, in id order: a table, or CSV, JSON, HTML with --format."""
    found = _desk().requests(*(RequestStatus(status) for status in statuses))
    rows = [
        (
            request.id,
            request.status.value,
            request.customer_id,
            request.agreement_id,
            _when(request.window.start, zone),
            _when(request.window.end, zone),
            request.order_id,
        )
        for request in found
    ]
    table = ReportTable(key="requests", title="", columns=_LIST_COLUMNS, rows=rows)
    emit(ReportView(key="requests", title="Service requests", tables=(table,)), format_, output)


@requests.command("show")
@click.argument("request_id", metavar="ID")
@click.option(
    "--customer", "customer_id", default=None,
    help="Show the customer's view as JSON (what a portal gets), as this customer.",
)  # fmt: skip
@_ZONE_OPTION
def show(request_id: str, customer_id: str | None, zone: ZoneInfo) -> None:
    """Show request ID with its notes and review log, or the customer's view (--customer)."""
    desk = _desk()
    if customer_id is not None:
        view = desk.customer_view(request_id, customer_id=customer_id)
        say(json.dumps(view.to_json_dict(), indent=2))
        return
    _show(desk.request(request_id), zone)


@requests.command("review")
@click.argument("request_id", metavar="ID")
@_BY_OPTION
@_ZONE_OPTION
def review(request_id: str, by: str, zone: ZoneInfo) -> None:
    """The dispatcher --by starts reviewing the submitted request ID."""
    _show(_desk().start_review(request_id, by=by), zone)


@requests.command("edit")
@click.argument("request_id", metavar="ID")
@_BY_OPTION
@click.option("--address", default=None, help="The new service address.")
@click.option("--from", "start", metavar="INSTANT", default=None, help="The new window's start.")
@click.option("--to", "end", metavar="INSTANT", default=None, help="The new window's end.")
@_ZONE_OPTION
def edit(
    request_id: str,
    *,
    by: str,
    address: str | None,
    start: str | None,
    end: str | None,
    zone: ZoneInfo,
) -> None:
    """Edit request ID under review: each changed value is logged (old, new, who, when)."""
    if (start is None) != (end is None):
        raise BadInput(click.get_current_context().command_path, "give --from and --to together")
    window = (
        None
        if start is None or end is None
        else RequestWindow(instant_in(start, zone, "--from"), instant_in(end, zone, "--to"))
    )
    _show(_desk().edit(request_id, by=by, address=address, window=window), zone)


@requests.command("note")
@click.argument("request_id", metavar="ID")
@click.argument("text")
@_BY_OPTION
@click.option("--public", is_flag=True, help="Show the note to the customer (default: internal).")
@_ZONE_OPTION
def note(request_id: str, text: str, by: str, public: bool, zone: ZoneInfo) -> None:
    """Add the note TEXT to request ID."""
    _show(_desk().add_note(request_id, text, by=by, public=public), zone)


@requests.command("reject")
@click.argument("request_id", metavar="ID")
@click.option("--reason", "reason", required=True, metavar="CODE", help="The reason code.")
@_BY_OPTION
@_ZONE_OPTION
def reject(request_id: str, reason: str, by: str, zone: ZoneInfo) -> None:
    """Reject request ID with a reason code (it is kept)."""
    _show(_desk().reject(request_id, reason, by=by), zone)


@requests.command("withdraw")
@click.argument("request_id", metavar="ID")
@click.option("--customer", "customer_id", required=True, help="The customer withdrawing it.")
@_ZONE_OPTION
def withdraw(request_id: str, customer_id: str, zone: ZoneInfo) -> None:
    """The customer --customer withdraws request ID (another's is "not found")."""
    _show(_desk().withdraw(request_id, customer_id=customer_id), zone)


def _transferred(result: TransferResult, zone: ZoneInfo) -> None:
    order = result.order
    sla = (
        f", SLA {order.sla_id} from {_when(order.sla_log[0].at, zone)}"
        if order.sla_id and order.sla_log
        else ""
    )
    say(
        f"order {order.id}: origin {order.origin.value}, "
        f"{'incoming' if order.incoming else 'not incoming'}{sla}"
    )
    if result.requirement is not None and result.candidates is not None:
        need = result.requirement
        say(f"requirement {need.id}: {need.duration} in [{_when(need.window.start, zone)}, "
            f"{_when(need.window.end, zone)})")  # fmt: skip
        best = result.proposal
        if best is None:
            say("proposal: nobody fits")
            for exclusion in result.candidates.excluded:
                say(f"  {exclusion}")
        else:
            say(f"proposal: {best.technician_id} from {_when(best.start, zone)}")


@requests.command("transfer")
@click.argument("request_id", metavar="ID")
@click.option("--order", "order_id", default=None, help="The order's id (default: SO-ID).")
@click.option(
    "--propose-booking", is_flag=True,
    help="Also store the visit's requirement and propose the best technician (not booked).",
)  # fmt: skip
@click.option(
    "--sla-start", type=click.Choice([start.value for start in SlaStart]),
    default=SlaStart.SUBMISSION.value, show_default=True,
    help="When the order's SLA clock starts: the submission or the transfer.",
)  # fmt: skip
@click.option(
    "--visit", default="PT1H", show_default=True,
    help="The duration of the proposed visit (ISO-8601).",
)  # fmt: skip
@_ZONE_OPTION
def transfer(
    request_id: str,
    *,
    order_id: str | None,
    propose_booking: bool,
    sla_start: str,
    visit: str,
    zone: ZoneInfo,
) -> None:
    """Transfer request ID under review to a service order (a retry: the same order)."""
    commits = _Commits(session().store())
    desk = _desk(
        commits, transfer=True, sla_start=SlaStart(sla_start), visit=duration_in(visit, "--visit")
    )
    result = desk.transfer(request_id, order_id=order_id, propose_booking=propose_booking)
    _transferred(result, zone)
    if not commits.count:
        say(f"requests transfer {request_id}: already transferred to {result.order.id}")
    else:
        say(f"requests transfer {request_id}: transferred to {result.order.id}")
