"""``report ...``: the reports over the stored data, in text, CSV, JSON or HTML.

Every report builds its :class:`~servicedomain.reports.ReportView` from what the store
holds and renders it in the ``--format`` asked for, to stdout or to ``--output FILE``.
An id that is not stored is bad input (exit 2), and the message names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from servicedomain.adapters.sql import SqlUnitOfWork
from servicedomain.billing import FeeTransaction
from servicedomain.cli._main import cli
from servicedomain.cli._output import emit, output_options
from servicedomain.cli._session import session
from servicedomain.cli._sla import AT_OPTION, TARGET_OPTION, explanation
from servicedomain.reports import (
    SubscriptionFeeReport,
    SubscriptionTransactionsReport,
    invoice_document,
    margin_report,
    repair_history,
    subscription_fee_summary,
    subscription_transactions,
    work_description,
    work_receipt,
)

__all__ = ["report"]


@cli.group()
def report() -> None:
    """Render a report over the stored data, as text, CSV, JSON or HTML."""


@report.command("margin")
@click.option(
    "--order",
    "order_ids",
    metavar="ID",
    multiple=True,
    help="An order to report (repeat it; default: every stored order).",
)
@output_options
def margin(order_ids: Sequence[str], format_: str, output: Path | None) -> None:
    """Service order margin: revenue, cost and margin per order and transaction type."""
    with session().store().unit_of_work() as uow:
        if order_ids:
            orders = [uow.service_orders.get(order_id) for order_id in dict.fromkeys(order_ids)]
        else:
            orders = uow.service_orders.list()
    emit(margin_report(orders).view(), format_, output)


@report.command("work-description")
@click.argument("order_id", metavar="ORDER")
@output_options
def work_description_(order_id: str, format_: str, output: Path | None) -> None:
    """Work description of ORDER: the work to perform, for the technician."""
    with session().store().unit_of_work() as uow:
        order = uow.service_orders.get(order_id)
    emit(work_description(order).view(), format_, output)


@report.command("work-receipt")
@click.argument("order_id", metavar="ORDER")
@output_options
def work_receipt_(order_id: str, format_: str, output: Path | None) -> None:
    """Work receipt of ORDER: the work performed and signed off, for the customer."""
    with session().store().unit_of_work() as uow:
        order = uow.service_orders.get(order_id)
    emit(work_receipt(order).view(), format_, output)


@report.command("repair-history")
@click.argument("object_id", metavar="OBJECT")
@click.option(
    "--zone",
    default="UTC",
    show_default=True,
    help="The time zone of the repair steps' days and finish times.",
)
@output_options
def repair_history_(object_id: str, zone: str, format_: str, output: Path | None) -> None:
    """Repair history of service OBJECT: every repair step and BOM change, by date.

    The repair steps are the repair lines of the stored orders on a relation of the
    object; the BOM changes are those of the object's service BOMs.
    """
    with session().store().unit_of_work() as uow:
        service_object = uow.service_objects.get(object_id)
        orders = [
            order
            for order in uow.service_orders.list()
            if any(relation.object_id == object_id for relation in order.object_relations)
        ]
        boms = uow.service_boms.for_object(object_id)
    emit(repair_history(service_object, orders, boms, zone=zone).view(), format_, output)


_SUBSCRIPTION_OPTION = click.option(
    "--subscription",
    "subscription_ids",
    metavar="ID",
    multiple=True,
    help="A subscription to report (repeat it; default: every stored subscription).",
)


def _fees(uow: SqlUnitOfWork, subscription_ids: Sequence[str]) -> list[FeeTransaction]:
    """The stored fees of the subscriptions (every subscription when none is given)."""
    if subscription_ids:
        ids = [uow.subscriptions.get(sub_id).id for sub_id in dict.fromkeys(subscription_ids)]
    else:
        ids = sorted(sub.id for sub in uow.subscriptions.list())
    return [fee for sub_id in ids for fee in uow.fees.for_subscription(sub_id)]


def _subscription_data(subscription_ids: Sequence[str]) -> tuple[Any, Any, Any]:
    """The fees, their invoiced items and their accrual periods, as the reports take them."""
    with session().store().unit_of_work() as uow:
        fees = _fees(uow, subscription_ids)
        invoiced = uow.invoices.invoiced(fee.id for fee in fees)
        accruals = [period for fee in fees for period in uow.accruals.for_source(fee.id)]
    return fees, invoiced, accruals


@report.command("subscription-transactions")
@_SUBSCRIPTION_OPTION
@output_options
def subscription_transactions_(
    subscription_ids: Sequence[str], format_: str, output: Path | None
) -> None:
    """Transaction - subscription: one row per fee, its invoice, credit and accrual."""
    rows = subscription_transactions(*_subscription_data(subscription_ids))
    emit(SubscriptionTransactionsReport(rows).view(), format_, output)


@report.command("fees")
@_SUBSCRIPTION_OPTION
@output_options
def fees(subscription_ids: Sequence[str], format_: str, output: Path | None) -> None:
    """Subscription fee transactions: per subscription and billing period, with totals."""
    rows = subscription_fee_summary(*_subscription_data(subscription_ids))
    emit(SubscriptionFeeReport(rows).view(), format_, output)


@report.command("invoice")
@click.argument("invoice_id", metavar="ID")
@output_options
def invoice(invoice_id: str, format_: str, output: Path | None) -> None:
    """The invoice or credit note ID, as the customer gets it."""
    with session().store().unit_of_work() as uow:
        document = uow.invoices.get(invoice_id)
    emit(invoice_document(document).view(), format_, output)


@report.command("sla")
@click.argument("order_id", metavar="ORDER")
@AT_OPTION
@TARGET_OPTION
@output_options
def sla(order_id: str, at: str | None, target: str, format_: str, output: Path | None) -> None:
    """SLA explanation of ORDER: its figures and timeline (counting, paused, deadline)."""
    emit(explanation(order_id, at, target).view(), format_, output)
