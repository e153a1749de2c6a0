"""The batch runs: fees, invoices, accruals, credit notes, order generation and posting.

Each run goes through the application objects (:class:`~servicedomain.app.BillingDesk`,
:class:`~servicedomain.app.ServiceDesk`) on the store's units of work and the rules
``rules load`` stored, is idempotent (a run again creates nothing and says so), prints
what it did and a summary line, and shows a progress bar on a terminal's stderr when
it runs over more than a few hundred items. ``--dry-run`` computes and reports the same
through units of work that never commit: nothing is stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from servicedomain.adapters.sql import SqlJournal, SqlStore, SqlUnitOfWork
from servicedomain.app import BillingDesk, ServiceDesk
from servicedomain.billing import (
    AccrualEntry,
    BillableTransaction,
    DocumentKind,
    FeeTransaction,
    PriceTable,
    next_document_id,
)
from servicedomain.calendars import WorkingCalendar
from servicedomain.cli._main import BadInput, cli
from servicedomain.cli._rules import rule_named, stored_rules
from servicedomain.cli._session import chunked, progress, say, session
from servicedomain.errors import InvalidInputError, InvalidTimezoneError
from servicedomain.instants import named_zone, parse_date
from servicedomain.money import Money
from servicedomain.orders import JournalEntry, TransactionType
from servicedomain.periods import DateRange
from servicedomain.rules import Rules
from servicedomain.stages import StageGraph

ACCRUAL_JOURNAL = "ACR"
"""The prefix of the accrual journal (``ACR-000001``, ...)."""
_CHUNK = 100
"""Subscriptions, customers, agreements or orders handled per unit of work."""


if TYPE_CHECKING:
    _ParamType = click.ParamType[date]
else:  # click's ParamType is generic for type checkers only in recent releases
    _ParamType = click.ParamType


class DateParam(_ParamType):
    """An ISO date option (``2026-03-31``); anything else is a usage error (exit 2)."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        """The date of ``value``."""
        if isinstance(value, date):
            return value
        try:
            return parse_date(value, "date")
        except InvalidInputError:
            self.fail(f"{value!r} is not a date such as 2026-03-31", param, ctx)


DATE = DateParam()


if TYPE_CHECKING:
    _ZoneParamType = click.ParamType[ZoneInfo]
else:
    _ZoneParamType = click.ParamType


class ZoneParam(_ZoneParamType):
    """A named IANA zone option (``Europe/Stockholm``); anything else is a usage error."""

    name = "ZONE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> ZoneInfo:
        """The zone named ``value``."""
        try:
            return named_zone(value)
        except InvalidTimezoneError:
            self.fail(f"{value!r} is not an IANA time zone such as Europe/Stockholm", param, ctx)


ZONE = ZoneParam()


class _DryRunUnitOfWork(SqlUnitOfWork):
    """A unit of work whose commit discards what it holds: a dry run stores nothing."""

    def commit(self) -> None:
        """Discard every held write, as a rollback does."""
        self.rollback()


def _units(store: SqlStore, dry_run: bool) -> Callable[[], SqlUnitOfWork]:
    if dry_run:
        return lambda: _DryRunUnitOfWork(store)
    return store.unit_of_work


def _dry_run_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--dry-run", is_flag=True, help="Compute and report the run; store nothing."
    )(command)


def _totals(amounts: Iterable[Money]) -> str:
    """The sum per currency: ``450.00 EUR, 3000.00 SEK``."""
    sums: dict[str, Money] = {}
    for amount in amounts:
        code = amount.currency.code
        sums[code] = sums[code] + amount if code in sums else amount
    return ", ".join(str(sums[code]) for code in sorted(sums)) or "nothing"


def _summary(command: str, dry_run: bool, done: str, nothing: str) -> None:
    """The last line of a run: what it did (``would`` on a dry run), or that it did nothing."""
    if not done:
        say(f"{command}: {nothing}")
    else:
        say(f"{command}: {'(dry run) would have ' if dry_run else ''}{done}")


def _plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


# ------------------------------------------------------------------------ billing


def _billing_desk(store: SqlStore, *, dry_run: bool, prices: str | None = None) -> BillingDesk:
    rules = stored_rules(store)
    table: PriceTable | None = None
    if prices is not None:
        table = rule_named(rules, "price_tables", prices)
    elif len(rules.price_tables) == 1:
        (table,) = rules.price_tables.values()
    elif rules.price_tables:
        known = ", ".join(sorted(rules.price_tables))
        raise BadInput(
            click.get_current_context().command_path,
            f"several price tables are stored ({known}): choose one with --prices",
        )
    return BillingDesk(
        unit_of_work=_units(store, dry_run),
        clock=session().clock,
        groups=dict(rules.subscription_groups),
        prices=table,
        accrual_journal=SqlJournal(store, ACCRUAL_JOURNAL, AccrualEntry),
    )


@cli.command("generate-fees")
@click.option("--as-of", "as_of", type=DATE, required=True, help="Bill every period due by then.")
@click.option("--prices", default=None, help="The stored price table (default: the only one).")
@_dry_run_option
def generate_fees(as_of: date, prices: str | None, dry_run: bool) -> None:
    """Generate the subscription fees due by --as-of (catch-up; again: creates nothing)."""
    store = session().store()
    desk = _billing_desk(store, dry_run=dry_run, prices=prices)
    ids = [sub.id for sub in desk.subscriptions()]
    created: list[FeeTransaction] = []
    not_started = 0
    for chunk in progress(list(chunked(ids, _CHUNK)), "fees", weight=len):
        result = desk.generate_fees(as_of=as_of, subscription_ids=chunk)
        not_started += len(result.not_started)
        by_subscription: dict[str, list[Money]] = {}
        for fee in result.created:
            by_subscription.setdefault(fee.subscription_id, []).append(fee.amount)
        for sub_id, amounts in by_subscription.items():
            say(f"{sub_id}: {_plural(len(amounts), 'fee')}, {_totals(amounts)}")
        created.extend(result.created)
    subs = len({fee.subscription_id for fee in created})
    later = f" ({not_started} not started by {as_of})" if not_started else ""
    _summary(
        f"generate-fees as of {as_of}",
        dry_run,
        (
            f"created {_plural(len(created), 'fee')} for {_plural(subs, 'subscription')}, "
            f"total {_totals(fee.amount for fee in created)}{later}"
            if created
            else ""
        ),
        f"created nothing: every fee due is stored{later}",
    )


def _order_journals(store: SqlStore) -> dict[TransactionType, SqlJournal[JournalEntry]]:
    """The journal of each transaction type that ``post`` records order lines in."""
    return {kind: SqlJournal(store, kind.name, JournalEntry) for kind in TransactionType}


def _billable(store: SqlStore, due_by: date) -> dict[str, list[BillableTransaction]]:
    """The posted order lines dated by ``due_by`` that bill something, by customer.

    A posted line with no revenue (a free part, work under warranty) bills nothing: it
    stays in its journal, for the margin report, and goes on no invoice. Whether a line
    is invoiced already is for the desk to tell (law I1).
    """
    by_customer: dict[str, list[BillableTransaction]] = {}
    for journal in _order_journals(store).values():
        for transaction_id, entry in journal.recorded:
            if entry.transaction_date <= due_by and entry.revenue.amount > 0:
                by_customer.setdefault(entry.customer_id, []).append(
                    BillableTransaction.from_journal(transaction_id, entry)
                )
    return by_customer


@cli.command("invoice")
@click.option("--as-of", "as_of", type=DATE, required=True, help="Invoice what is due by then.")
@_dry_run_option
def invoice(as_of: date, dry_run: bool) -> None:
    """Invoice what is due by --as-of, dated --as-of: one document per customer and currency.

    What is due: the fees due by --as-of and the order lines ``post`` recorded with a
    date by --as-of, each invoiced once (a line with no revenue bills nothing).
    """
    store = session().store()
    desk = _billing_desk(store, dry_run=dry_run)
    billable = _billable(store, as_of)
    customers = sorted({sub.customer_id for sub in desk.subscriptions()} | set(billable))
    documents = []
    for customer in progress(customers, "customers"):
        for document in desk.invoice_customers(
            due_by=as_of,
            invoice_date=as_of,
            transactions=billable.get(customer, ()),
            customer_id=customer,
        ):
            say(f"{document.id}: {_plural(len(document.lines), 'line')}, total {document.total}")
            documents.append(document)
    kinds = Counter(document.kind for document in documents)
    _summary(
        f"invoice as of {as_of}",
        dry_run,
        (
            f"posted {_plural(kinds[DocumentKind.INVOICE], 'invoice')} and "
            f"{_plural(kinds[DocumentKind.CREDIT_NOTE], 'credit note')}, "
            f"total {_totals(document.total for document in documents)}"
            if documents
            else ""
        ),
        "invoiced nothing: everything due is invoiced",
    )


@cli.command("accrue")
@click.option(
    "--as-of", "as_of", type=DATE, required=True, help="Accrue the periods ending by then."
)
@_dry_run_option
def accrue(as_of: date, dry_run: bool) -> None:
    """Post the revenue accrual of every period that ends by --as-of, on --as-of."""
    store = session().store()
    entries = _billing_desk(store, dry_run=dry_run).accrue_revenue(
        through=as_of, posting_date=as_of
    )
    for entry in entries:
        say(
            f"{entry.source_id} period {entry.number}: Dr {entry.debit_account}, "
            f"Cr {entry.credit_account} {entry.amount}"
        )
    _summary(
        f"accrue through {as_of}",
        dry_run,
        (
            f"posted {_plural(len(entries), 'accrual entry', 'accrual entries')}, "
            f"total {_totals(entry.amount for entry in entries)}"
            if entries
            else ""
        ),
        "accrued nothing: every period due is posted",
    )


@cli.command("credit")
@click.argument("invoice_id", metavar="INVOICE")
@click.option("--on", "on", type=DATE, default=None, help="The credit date (default: today).")
@_dry_run_option
def credit(invoice_id: str, on: date | None, dry_run: bool) -> None:
    """Credit what is left to credit of INVOICE, in a credit note (again: creates nothing)."""
    store = session().store()
    day = on if on is not None else session().clock.now().astimezone(UTC).date()
    with store.unit_of_work() as uow:
        document = uow.invoices.get(invoice_id)
        if document.kind is not DocumentKind.INVOICE:
            raise BadInput(
                click.get_current_context().command_path,
                f"{invoice_id}: a credit note is not credited; give an invoice",
            )
        items = uow.invoices.invoiced(line.source_id for line in document.lines)
        left = [source for source, item in sorted(items.items()) if item.creditable.amount]
        taken = [doc.id for doc in uow.invoices.list(customer_id=document.customer_id)]
    if not left:
        say(f"credit {invoice_id}: created nothing: the invoice is credited in full")
        return
    note_id = next_document_id(
        prefix="CN",
        customer_id=document.customer_id,
        currency=document.currency,
        on=day,
        taken=taken,
    )
    note = _billing_desk(store, dry_run=dry_run).credit_invoiced(
        credit_note_id=note_id, credit_date=day, select=left
    )
    for line in note.lines:
        say(f"{note.id} credits {line.source_id}: {line.amount}")
    _summary(
        f"credit {invoice_id}",
        dry_run,
        f"posted credit note {note.id} of {day} with {_plural(len(note.lines), 'line')}, "
        f"total {note.total}",
        "",
    )


# ------------------------------------------------------------------------ service


def stored_graph(rules: Rules, graph: str | None) -> StageGraph:
    """The stored stage graph ``graph``, or the only one stored (bad input otherwise)."""
    chosen: StageGraph
    if graph is not None:
        chosen = rule_named(rules, "stage_graphs", graph)
    elif len(rules.stage_graphs) == 1:
        (chosen,) = rules.stage_graphs.values()
    else:
        known = ", ".join(sorted(rules.stage_graphs))
        raise BadInput(
            click.get_current_context().command_path,
            f"several stage graphs are stored ({known}): choose one with --graph"
            if known
            else "no stage graph is stored: load one with `servicedomain rules load FILE`",
        )
    return chosen


def _service_desk(
    store: SqlStore,
    *,
    dry_run: bool,
    graph: str | None,
    calendar: str | None = None,
    zone: ZoneInfo | None = None,
) -> ServiceDesk:
    """The desk of the service runs, on the stored rules.

    ``calendar`` (a stored calendar) gives the closed days of order generation, and its
    zone is the zone of preferred service times unless ``zone`` is given.
    """
    rules = stored_rules(store)
    chosen = stored_graph(rules, graph)
    closed: WorkingCalendar | None = (
        None if calendar is None else rule_named(rules, "calendars", calendar)
    )
    if zone is None and closed is not None:
        zone = closed.zone
    return ServiceDesk(
        unit_of_work=_units(store, dry_run),
        clock=session().clock,
        graph=chosen,
        slas=dict(rules.slas),
        journals=_order_journals(store),
        closed_days=closed,
        zone=zone,
    )


def _period(start: date, last: date) -> DateRange:
    if last < start:
        raise InvalidInputError("--to", last.isoformat(), f"before --from {start.isoformat()}")
    return DateRange.inclusive(start, last)


def _ids(store: SqlStore, of: str) -> list[str]:
    with store.unit_of_work() as uow:
        repository = uow.agreements if of == "agreements" else uow.service_orders
        return [entity.id for entity in repository.list()]


GRAPH_OPTION = click.option(
    "--graph", default=None, help="The stored stage graph (default: the only one)."
)


@cli.command("generate-orders")
@click.option("--from", "start", type=DATE, required=True, help="The first day of the period.")
@click.option("--to", "last", type=DATE, required=True, help="The last day (inclusive).")
@GRAPH_OPTION
@click.option(
    "--calendar",
    metavar="NAME",
    default=None,
    help="The stored working calendar whose closed days (holidays, days without "
    "working hours) flag an order with a calendar conflict; its zone is the default --zone.",
)
@click.option(
    "--zone",
    type=ZONE,
    default=None,
    help="The IANA zone of the agreement lines' preferred service times "
    "(default: the --calendar's zone, else none is set).",
)
@_dry_run_option
def generate_orders(  # click passes the options by name
    *,
    start: date,
    last: date,
    graph: str | None,
    calendar: str | None,
    zone: ZoneInfo | None,
    dry_run: bool,
) -> None:
    """Generate the service orders the agreements call for from --from to --to (inclusive).

    With --calendar, an order that falls on a closed day of that calendar is still
    created, flagged with a calendar conflict (AX CalendarConflict), and a line with
    a time window moves only to open days.
    """
    period = _period(start, last)
    store = session().store()
    desk = _service_desk(store, dry_run=dry_run, graph=graph, calendar=calendar, zone=zone)
    agreements = _ids(store, "agreements")
    orders = lines = conflicts = 0
    for chunk in progress(list(chunked(agreements, _CHUNK)), "agreements", weight=len):
        generation = desk.generate_orders(
            agreement_ids=chunk, period=period, types=set(TransactionType)
        )
        for order in generation.orders:
            closed = f", on a closed day of calendar {calendar}" if order.calendar_conflict else ""
            say(f"{order.id}: {_plural(len(order.lines), 'line')}{closed}")
        orders += len(generation.orders)
        lines += generation.lines_count
        conflicts += len(generation.conflicts)
    flagged = f" ({conflicts} on a closed day)" if conflicts else ""
    _summary(
        f"generate-orders {start} to {last}",
        dry_run,
        (
            f"created {_plural(orders, 'order')} with {_plural(lines, 'line')} "
            f"from {_plural(len(agreements), 'agreement')}{flagged}"
            if orders
            else ""
        ),
        "created nothing: every order due is generated",
    )


@cli.command("post")
@click.option("--from", "start", type=DATE, required=True, help="The first day of the period.")
@click.option("--to", "last", type=DATE, required=True, help="The last day (inclusive).")
@GRAPH_OPTION
@_dry_run_option
def post(start: date, last: date, graph: str | None, dry_run: bool) -> None:
    """Post the signed-off lines of every order whose stage allows it, dated in the period."""
    period = _period(start, last)
    store = session().store()
    desk = _service_desk(store, dry_run=dry_run, graph=graph)
    posted: list[tuple[str, int, str]] = []
    refused: list[tuple[str, str]] = []
    skipped = 0
    for chunk in progress(list(chunked(_ids(store, "orders"), _CHUNK)), "orders", weight=len):
        result = desk.post_orders(order_ids=chunk, period=period, types=set(TransactionType))
        for order_id, number, transaction_id in result.posted:
            say(f"{order_id} line {number} -> {transaction_id}")
        posted.extend(result.posted)
        refused.extend(result.refused)
        skipped += len(result.skipped)
    for order_id, why in refused:
        say(f"{order_id}: not posted: {why}")
    held = (
        f" ({_plural(len(refused), 'order')} not posted, {_plural(skipped, 'line')} skipped)"
        if refused or skipped
        else ""
    )
    _summary(
        f"post {start} to {last}",
        dry_run,
        (
            f"posted {_plural(len(posted), 'line')} of "
            f"{_plural(len({order for order, _, _ in posted}), 'order')}{held}"
            if posted
            else ""
        ),
        f"posted nothing{held}",
    )
