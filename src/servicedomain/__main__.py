"""``python -m servicedomain``: the demo and the command-line entry point.

``python -m servicedomain demo`` exercises every capability built so far and prints its
reports; ``python -m servicedomain --version`` prints the version.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TextIO

from servicedomain import __version__
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryJournal, InMemoryServiceUnitOfWork, InMemoryStore
from servicedomain.agreements import (
    AgreementGroup,
    IntervalUnit,
    NewAgreementLine,
    ServiceAgreement,
    ServiceInterval,
    TimeWindow,
    WindowKind,
)
from servicedomain.calendars import WorkingCalendar
from servicedomain.instants import LocalTimePolicy, local_datetime, resolve_local
from servicedomain.money import Money, Rounding, allocate
from servicedomain.orders import (
    JournalEntry,
    NewLine,
    ServiceObject,
    ServiceOrder,
    TransactionType,
)
from servicedomain.periods import MONTHLY, QUARTERLY, Alignment, DateRange, Schedule
from servicedomain.reports import margin_report, work_receipt
from servicedomain.services import (
    change_service_order_stage,
    create_service_order,
    generate_orders_from_agreements,
    post_service_orders,
)
from servicedomain.sla import Allowance, ServiceLevelAgreement, SlaTargets
from servicedomain.stages import EXAMPLE_STAGE_GRAPH, ReasonCode

__all__ = ["main"]


def _heading(out: TextIO, title: str) -> None:
    out.write(f"\n{title}\n{'=' * len(title)}\n")


def _demo_schedules(out: TextIO) -> None:
    _heading(out, "Periods: a monthly schedule anchored on January 31")
    schedule = Schedule(MONTHLY, date(2024, 1, 31))
    out.write("Every period is computed from the anchor, never chained from the last one.\n")
    for index in range(6):
        period = schedule.period(index)
        out.write(f"  {index}: {period.start} .. {period.last}  ({period.days:>2} days)\n")
    calendar = Schedule(QUARTERLY, date(2024, 2, 15), Alignment.CALENDAR)
    out.write("A quarterly schedule on calendar quarters, with a first stub:\n")
    for period in calendar.periods(DateRange(date(2024, 2, 15), date(2025, 1, 1))):
        out.write(f"  {period}  ({period.days:>2} days)\n")


def _demo_money(out: TextIO) -> None:
    _heading(out, "Money: allocating 100.00 EUR into three parts")
    total = Money(Decimal("100.00"), "EUR")
    parts = allocate(total, [1, 1, 1])
    for index, part in enumerate(parts, start=1):
        out.write(f"  part {index}: {part}\n")
    out.write(f"  sum:    {Money.total(parts, 'EUR')} (exactly the total)\n")
    line = Money(Decimal("85.00"), "EUR") * Decimal("0.333")
    out.write(f"  0.333 h x 85.00 EUR = {line.amount} exact, ")
    out.write(f"{line.round()} half-up, {line.round(Rounding.HALF_EVEN)} half-even\n")


def _demo_time(out: TextIO) -> None:
    _heading(out, "Time: a wall time in a DST gap, resolved by an explicit policy")
    wall = datetime(2024, 3, 31, 2, 30)  # noqa: DTZ001 (a wall-clock reading, naive on purpose)
    for policy in (LocalTimePolicy.EARLIER, LocalTimePolicy.LATER):
        instant = resolve_local(wall, "Europe/Paris", nonexistent=policy)
        shown = local_datetime(instant, "Europe/Paris")
        out.write(f"  02:30 in Paris on 2024-03-31, {policy.value:>7}: {instant} = {shown}\n")


def _demo_service_order(out: TextIO) -> None:
    _heading(out, "Service orders: from creation to posting, through the stage graph")
    store = InMemoryStore()
    clock = FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    graph = EXAMPLE_STAGE_GRAPH
    out.write("The example stage graph, as Mermaid:\n")
    out.write("".join(f"  {line}\n" for line in graph.to_mermaid().splitlines()))
    create_service_order(
        InMemoryServiceUnitOfWork(store),
        graph,
        clock,
        order_id="SO-1001",
        customer_id="C-100",
        description="Annual boiler service",
        service_address="1 Rue de la Paix, 75002 Paris",
        preferred_technician_id="T-7",
        service_objects=(ServiceObject("BOILER-1", "Gas boiler X200"),),
    )
    orders = store.repository(ServiceOrder)
    order = orders.get("SO-1001")
    day = date(2026, 3, 2)
    for new_line in (
        NewLine(
            transaction_type=TransactionType.HOUR,
            description="Inspection and cleaning",
            quantity=Decimal("2.5"),
            unit="h",
            cost_price=Money(Decimal("42.00"), "EUR"),
            sales_price=Money(Decimal("85.00"), "EUR"),
            service_object_id="BOILER-1",
            execution_date=day,
        ),
        NewLine(
            transaction_type=TransactionType.ITEM,
            description="Burner gasket",
            quantity=Decimal(1),
            unit="pcs",
            cost_price=Money(Decimal("12.40"), "EUR"),
            sales_price=Money(Decimal("19.90"), "EUR"),
            execution_date=day,
        ),
        NewLine(
            transaction_type=TransactionType.FEE,
            description="Call-out fee",
            quantity=Decimal(1),
            cost_price=Money(0, "EUR"),
            sales_price=Money(Decimal("35.00"), "EUR"),
            execution_date=day,
        ),
    ):
        changed, _ = order.add_line(graph, new_line, at=clock.now())
        orders.save(changed, expected_version=order.version)
        order = changed
    completed = ReasonCode("DONE", "Work completed on site")
    for stage, reason in (("PLANNED", None), ("IN_PROCESS", None), ("COMPLETED", completed)):
        clock.advance(timedelta(hours=1))
        order = change_service_order_stage(
            InMemoryServiceUnitOfWork(store), graph, clock, "SO-1001", stage, reason=reason
        )
        out.write(f"  stage -> {order.stage_id:<10} (version {order.version})\n")
    signed, _ = order.sign_off(at=clock.now())
    orders.save(signed, expected_version=order.version)
    journals = {kind: InMemoryJournal[JournalEntry](kind.name) for kind in TransactionType}
    result = post_service_orders(
        InMemoryServiceUnitOfWork(store),
        graph,
        journals,
        clock,
        order_ids=["SO-1001"],
        period=DateRange(date(2026, 3, 1), date(2026, 4, 1)),
        types=set(TransactionType),
    )
    for order_id, number, transaction_id in result.posted:
        out.write(f"  posted {order_id} line {number} -> {transaction_id}\n")
    again = post_service_orders(
        InMemoryServiceUnitOfWork(store),
        graph,
        journals,
        clock,
        order_ids=["SO-1001"],
        period=DateRange(date(2026, 3, 1), date(2026, 4, 1)),
        types=set(TransactionType),
    )
    out.write(f"  posting again posts {len(again.posted)} lines\n")
    posted = orders.get("SO-1001")
    out.write(f"  progress: {posted.progress.value}; reason log:\n")
    for entry in posted.reason_log:
        code = entry.reason.code if entry.reason else "-"
        out.write(f"    {entry.type.value:<12} {entry.stage_id:<10} reason {code}\n")
    out.write("\n" + margin_report([posted]).render_text())
    out.write("\n" + work_receipt(posted).render_text("Europe/Paris"))


def _demo_agreements(out: TextIO) -> None:
    _heading(out, "Agreements: generating a quarter of service orders, then again")
    store = InMemoryStore()
    clock = FixedClock(datetime(2026, 1, 1, 7, 0, tzinfo=UTC))
    price = Money(Decimal("85.00"), "EUR")
    cost = Money(Decimal("42.00"), "EUR")
    lines = [
        NewAgreementLine(
            transaction_type=TransactionType.HOUR,
            description="Weekly pump inspection",
            quantity=Decimal(1),
            unit="h",
            cost_price=cost,
            sales_price=price,
            service_object_id="PUMP-1",
            interval=ServiceInterval(IntervalUnit.WEEK, 1),
            start_date=date(2026, 1, 5),
        ),
        NewAgreementLine(
            transaction_type=TransactionType.HOUR,
            description="Biweekly boiler check",
            quantity=Decimal("0.5"),
            unit="h",
            cost_price=cost,
            sales_price=price,
            service_object_id="BOILER-1",
            interval=ServiceInterval(IntervalUnit.WEEK, 2),
            start_date=date(2026, 1, 7),
            time_window=TimeWindow(WindowKind.WEEK),
        ),
        NewAgreementLine(
            transaction_type=TransactionType.FEE,
            description="Monthly service fee",
            quantity=Decimal(1),
            cost_price=Money(0, "EUR"),
            sales_price=Money(Decimal("120.00"), "EUR"),
            interval=ServiceInterval(IntervalUnit.MONTH, 1),
            start_date=date(2026, 1, 31),
        ),
    ]
    agreement, _ = ServiceAgreement.create(
        id="AG-2026-01",
        customer_id="C-100",
        group=AgreementGroup("MAINT", "Maintenance", default_sla_id="SLA-GOLD"),
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
        at=clock.now(),
        description="Boiler room maintenance",
        service_objects=(ServiceObject("PUMP-1", "Circulation pump"), ServiceObject("BOILER-1")),
        lines=lines,
    )
    store.repository(ServiceAgreement).add(agreement)
    quarter = DateRange.inclusive(date(2026, 1, 1), date(2026, 3, 31))
    out.write(f"Agreement {agreement.id}: {len(agreement.lines)} lines; period {quarter}\n")
    out.write("The biweekly check has a week window: it joins the weekly visit of its week.\n")
    first = generate_orders_from_agreements(
        InMemoryServiceUnitOfWork(store),
        EXAMPLE_STAGE_GRAPH,
        clock,
        agreement_ids=[agreement.id],
        period=quarter,
        types=set(TransactionType),
    )
    for order in first.orders:
        described = ", ".join(
            f"{line.description} (calc. {line.calculated_date})" for line in order.lines
        )
        out.write(f"  {order.id:<26} {described}\n")
    out.write(f"  created {len(first.orders)} orders with {first.lines_count} lines\n")
    again = generate_orders_from_agreements(
        InMemoryServiceUnitOfWork(store),
        EXAMPLE_STAGE_GRAPH,
        clock,
        agreement_ids=[agreement.id],
        period=quarter,
        types=set(TransactionType),
    )
    out.write(f"  running again created {len(again.orders)} orders\n")


def _demo_sla(out: TextIO) -> None:
    _heading(out, "SLA: an order measured in business time, across a clock-stopping stage")
    calendar = WorkingCalendar.standard(
        "Europe/Stockholm", slots=("08:00-12:00", "13:00-17:00"), holidays=(date(2026, 4, 3),)
    )
    sla = ServiceLevelAgreement(
        id="SLA-GOLD",
        description="Resolution within 12 business hours",
        targets=SlaTargets(resolution=Allowance(hours=12)),
        calendar=calendar,
    )
    graph = EXAMPLE_STAGE_GRAPH
    # Thursday 2 April 2026, 15:00 in Stockholm; Good Friday (3 April) is a holiday.
    created = datetime(2026, 4, 2, 13, 0, tzinfo=UTC)
    order, _ = ServiceOrder.create(
        graph, id="SO-2001", customer_id="C-100", at=created, sla_id=sla.id
    )
    steps = (
        ("PLANNED", created + timedelta(hours=1)),
        ("IN_PROCESS", created + timedelta(days=4, hours=-5)),  # Mon 6 Apr 10:00
        ("COMPLETED", created + timedelta(days=4, hours=-2)),  # Mon 13:00: stops the clock
        ("IN_PROCESS", created + timedelta(days=5, hours=-6)),  # Tue 09:00: back, restarts
    )
    for stage, at in steps:
        order, _ = order.change_stage(graph, stage, at=at)
        out.write(f"  {at.astimezone(calendar.zone):%a %d %b %H:%M}  stage -> {stage}\n")
    now = created + timedelta(days=5, hours=-2)  # Tue 7 Apr 13:00
    figures = order.measure_sla(sla, now=now)
    out.write(
        f"  at {now.astimezone(calendar.zone):%a %d %b %H:%M}: {figures.state.value}, "
        f"elapsed {figures.elapsed}, remaining {figures.remaining}, "
        f"compliance {figures.compliance}%, {figures.status.value}\n"
    )
    if figures.deadline is not None:
        out.write(f"  deadline: {figures.deadline.astimezone(calendar.zone):%a %d %b %H:%M}\n")
    out.write("  explanation:\n")
    out.write("".join(f"    {line}\n" for line in figures.explain(calendar.zone).splitlines()))


DEMO_PARTS: tuple[Callable[[TextIO], None], ...] = (
    _demo_schedules,
    _demo_money,
    _demo_time,
    _demo_service_order,
    _demo_agreements,
    _demo_sla,
)


def run_demo(out: TextIO) -> None:
    """Print the demo of every capability to ``out``."""
    out.write(f"servicedomain {__version__} demo\n")
    for part in DEMO_PARTS:
        part(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m servicedomain",
        description="The after-sales service-management domain, as a library.",
    )
    parser.add_argument("--version", action="version", version=f"servicedomain {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="exercise every capability and print its reports")
    parser.parse_args(argv)
    run_demo(sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
