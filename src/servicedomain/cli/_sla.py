"""``sla measure ORDER``: an order's SLA figures over the stored SLA rules.

The order's SLA is the one ``rules load`` stored under its id; the measurement is
:meth:`~servicedomain.orders.ServiceOrder.measure_sla` at ``--at`` (default: now), and
its explanation the :class:`~servicedomain.reports.SlaExplanation` report: ``--explain``
prints it (the figures and the timeline table), or renders it in ``--format`` (HTML: a
page with the timeline chart), as ``report sla ORDER`` does. Times show in the zone of
the SLA's calendar (UTC without one).
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import click

from servicedomain.cli._main import BadInput, cli
from servicedomain.cli._output import emit, locale_given, output_options
from servicedomain.cli._rules import instant_in, rule_named, stored_rules
from servicedomain.cli._session import say, session
from servicedomain.errors import OrderRuleError
from servicedomain.reports import ReportFormat, SlaExplanation, sla_explanation
from servicedomain.sla import ServiceLevelAgreement, SlaTarget

__all__ = ["AT_OPTION", "TARGET_OPTION", "explanation"]


def explanation(order_id: str, at: str | None, target: str) -> SlaExplanation:
    """The SLA explanation of the stored order ``order_id`` at ``at`` (default: now).

    Raises:
        NotFoundError: no order ``order_id`` is stored (exit 2).
        OrderRuleError: the order has no SLA (``order.no_sla``; exit 1).
        BadInput: the order's SLA is not stored (exit 2).
    """
    store = session().store()
    with store.unit_of_work() as uow:
        order = uow.service_orders.get(order_id)
    if order.sla_id is None:
        raise OrderRuleError(order.id, "order.no_sla", "the order has no SLA to measure")
    sla: ServiceLevelAgreement = rule_named(stored_rules(store), "slas", order.sla_id)
    zone = sla.calendar.zone if sla.calendar is not None else ZoneInfo("UTC")
    now = session().clock.now() if at is None else instant_in(at, zone, "--at")
    chosen = SlaTarget(target)
    measured = order.measure_sla(sla, now=now, target=chosen)
    return sla_explanation(
        order_id=order.id,
        sla_id=sla.id,
        measurement=measured,
        at=now,
        zone=zone,
        target=chosen,
    )


AT_OPTION = click.option(
    "--at",
    "at",
    metavar="INSTANT",
    default=None,
    help="Measure at this ISO date-time (no offset: a wall time in the SLA calendar's "
    "zone; default: now).",
)
TARGET_OPTION = click.option(
    "--target",
    type=click.Choice([member.value for member in SlaTarget]),
    default=SlaTarget.RESOLUTION.value,
    show_default=True,
    help="The target to measure against.",
)


@cli.group()
def sla() -> None:
    """Measure service orders against their stored SLAs."""


@sla.command("measure")
@click.argument("order_id", metavar="ORDER")
@AT_OPTION
@TARGET_OPTION
@click.option(
    "--explain",
    is_flag=True,
    help="Print the explanation: the timeline as a table (and, in HTML, as a chart).",
)
@output_options
def sla_measure(
    order_id: str,
    *,
    at: str | None,
    target: str,
    explain: bool,
    format_: str,
    output: Path | None,
) -> None:
    """The SLA figures of ORDER: elapsed business time, status, deadline.

    With --explain, the explanation report in --format (the text by default).
    """
    if not explain and (
        format_ != ReportFormat.TEXT.value or output is not None or locale_given() != "en"
    ):
        raise BadInput(
            click.get_current_context().command_path,
            "--format, --output and --locale render the explanation: add --explain",
        )
    report = explanation(order_id, at, target)
    if explain:
        emit(report.view(), format_, output)
        return
    for _key, name, value in report.view().facts:
        say(f"{name}: {value}")
