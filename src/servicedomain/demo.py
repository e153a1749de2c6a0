"""The demo scenes of ``python -m servicedomain demo``: every capability, printed.

Each scene writes one part of the demo to a text stream; :func:`run_demo` prints them
all, storing every order, agreement, subscription, fee, invoice, accrual and journal
entry in one SQLite file (the embedded default of :mod:`servicedomain.adapters.sql`).
:mod:`servicedomain.__main__` only parses the command line and calls it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any, TextIO

import attrs

from servicedomain import __version__
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.sql import SqlJournal, SqlStore, open_store
from servicedomain.adapters.sql.migrate import upgrade
from servicedomain.agreements import (
    AgreementGroup,
    IntervalUnit,
    NewAgreementLine,
    ServiceInterval,
    TimeWindow,
    WindowKind,
)
from servicedomain.app.billing_desk import BillingDesk
from servicedomain.app.dispatch_desk import DispatchDesk
from servicedomain.app.repair_desk import RepairDesk
from servicedomain.app.request_desk import RequestDesk
from servicedomain.app.service_desk import ServiceDesk
from servicedomain.billing import (
    AccrualEntry,
    AccrualMethod,
    PriceBasis,
    PriceEntry,
    PriceTable,
    SubscriptionGroup,
)
from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import (
    Absence,
    BookingStatus,
    DispatchTeam,
    Interval,
    Skill,
    auto_dispatch,
    dispatch_board,
)
from servicedomain.errors import BookingConflictError, InvalidInputError
from servicedomain.instants import LocalTimePolicy, local_datetime, resolve_local
from servicedomain.money import Money, Rounding, allocate
from servicedomain.orders import (
    JournalEntry,
    NewLine,
    TransactionType,
)
from servicedomain.periods import MONTHLY, QUARTERLY, Alignment, DateRange, Schedule
from servicedomain.repairs import (
    BomLine,
    CoverageKind,
    FaultTaxonomy,
    RelationKind,
    ServiceObject,
    ServiceObjectRelation,
    TemplateBom,
    WarrantyCoverage,
    suggest_resolutions,
)
from servicedomain.reports import (
    dispatch_board_report,
    margin_report,
    render_subscription_fee_summary_text,
    render_subscription_transactions_text,
    repair_history,
    subscription_fee_summary,
    subscription_transactions,
    work_receipt,
)
from servicedomain.requests import RequestedRepairLine, RequestWindow, SlaStart, Submission
from servicedomain.sla import Allowance, Priority, ServiceLevelAgreement, SlaTargets
from servicedomain.stages import EXAMPLE_STAGE_GRAPH, ReasonCode

__all__ = ["DEMO_PARTS", "run_demo"]


def _heading(out: TextIO, title: str) -> None:
    out.write(f"\n{title}\n{'=' * len(title)}\n")


def _demo_schedules(out: TextIO, _store: SqlStore) -> None:
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


def _demo_money(out: TextIO, _store: SqlStore) -> None:
    _heading(out, "Money: allocating 100.00 EUR into three parts")
    total = Money(Decimal("100.00"), "EUR")
    parts = allocate(total, [1, 1, 1])
    for index, part in enumerate(parts, start=1):
        out.write(f"  part {index}: {part}\n")
    out.write(f"  sum:    {Money.total(parts, 'EUR')} (exactly the total)\n")
    line = Money(Decimal("85.00"), "EUR") * Decimal("0.333")
    out.write(f"  0.333 h x 85.00 EUR = {line.amount} exact, ")
    out.write(f"{line.round()} half-up, {line.round(Rounding.HALF_EVEN)} half-even\n")


def _demo_time(out: TextIO, _store: SqlStore) -> None:
    _heading(out, "Time: a wall time in a DST gap, resolved by an explicit policy")
    wall = datetime(2024, 3, 31, 2, 30)  # noqa: DTZ001 (a wall-clock reading, naive on purpose)
    for policy in (LocalTimePolicy.EARLIER, LocalTimePolicy.LATER):
        instant = resolve_local(wall, "Europe/Paris", nonexistent=policy)
        shown = local_datetime(instant, "Europe/Paris")
        out.write(f"  02:30 in Paris on 2024-03-31, {policy.value:>7}: {instant} = {shown}\n")


def _demo_service_order(out: TextIO, store: SqlStore) -> None:
    _heading(out, "Service orders: from creation to posting, through the stage graph")
    clock = FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    graph = EXAMPLE_STAGE_GRAPH
    journals = {kind: SqlJournal(store, kind.name, JournalEntry) for kind in TransactionType}
    desk = ServiceDesk(
        unit_of_work=store.unit_of_work,
        clock=clock,
        graph=graph,
        journals=journals,
    )
    out.write("The example stage graph, as Mermaid:\n")
    out.write("".join(f"  {line}\n" for line in graph.to_mermaid().splitlines()))
    desk.create_order(
        order_id="SO-1001",
        customer_id="C-100",
        description="Annual boiler service",
        service_address="1 Rue de la Paix, 75002 Paris",
        preferred_technician_id="T-7",
        object_relations=(
            ServiceObjectRelation("REL-SO-1001-1", "BOILER-1", RelationKind.ORDER, "SO-1001"),
        ),
    )
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
        desk.add_line("SO-1001", new_line)
    completed = ReasonCode("DONE", "Work completed on site")
    for stage, reason in (("PLANNED", None), ("IN_PROCESS", None), ("COMPLETED", completed)):
        clock.advance(timedelta(hours=1))
        order = desk.change_stage("SO-1001", stage, reason=reason)
        out.write(f"  stage -> {order.stage_id:<10} (version {order.version})\n")
    desk.sign_off("SO-1001")
    march = DateRange(date(2026, 3, 1), date(2026, 4, 1))
    result = desk.post_orders(order_ids=["SO-1001"], period=march, types=set(TransactionType))
    for order_id, number, transaction_id in result.posted:
        out.write(f"  posted {order_id} line {number} -> {transaction_id}\n")
    again = desk.post_orders(order_ids=["SO-1001"], period=march, types=set(TransactionType))
    out.write(f"  posting again posts {len(again.posted)} lines\n")
    posted = desk.order("SO-1001")
    out.write(f"  progress: {posted.progress.value}; reason log:\n")
    for entry in posted.reason_log:
        code = entry.reason.code if entry.reason else "-"
        out.write(f"    {entry.type.value:<12} {entry.stage_id:<10} reason {code}\n")
    out.write("\n" + margin_report([posted]).render_text())
    boiler, _ = ServiceObject.create(
        id="BOILER-1", group_id="BOILERS", description="Gas boiler X200", at=clock.now()
    )
    out.write("\n" + work_receipt(posted, objects=[boiler]).render_text("Europe/Paris"))


def _demo_agreements(out: TextIO, store: SqlStore) -> None:
    _heading(out, "Agreements: generating a quarter of service orders, then again")
    clock = FixedClock(datetime(2026, 1, 1, 7, 0, tzinfo=UTC))
    desk = ServiceDesk(
        unit_of_work=store.unit_of_work,
        clock=clock,
        graph=EXAMPLE_STAGE_GRAPH,
    )
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
    agreement = desk.create_agreement(
        agreement_id="AG-2026-01",
        customer_id="C-100",
        group=AgreementGroup("MAINT", "Maintenance", default_sla_id="SLA-GOLD"),
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
        description="Boiler room maintenance",
        object_relations=tuple(
            ServiceObjectRelation(f"REL-AG-{obj}", obj, RelationKind.AGREEMENT, "AG-2026-01")
            for obj in ("PUMP-1", "BOILER-1")
        ),
        lines=lines,
    )
    quarter = DateRange.inclusive(date(2026, 1, 1), date(2026, 3, 31))
    out.write(f"Agreement {agreement.id}: {len(agreement.lines)} lines; period {quarter}\n")
    out.write(
        "The biweekly check has a week window: it joins the weekly visit of its week,\n"
        "except on January 7, whose week's visit (January 5) is before the line starts.\n"
    )
    every_type = set(TransactionType)
    first = desk.generate_orders(agreement_ids=[agreement.id], period=quarter, types=every_type)
    for order in first.orders:
        described = ", ".join(
            f"{line.description} (calc. {line.calculated_date})" for line in order.lines
        )
        out.write(f"  {order.id:<26} {described}\n")
    out.write(f"  created {len(first.orders)} orders with {first.lines_count} lines\n")
    again = desk.generate_orders(agreement_ids=[agreement.id], period=quarter, types=every_type)
    out.write(f"  running again created {len(again.orders)} orders\n")


def _demo_sla(out: TextIO, store: SqlStore) -> None:
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
    # Thursday 2 April 2026, 15:00 in Stockholm; Good Friday (3 April) is a holiday.
    created = datetime(2026, 4, 2, 13, 0, tzinfo=UTC)
    clock = FixedClock(created)
    desk = ServiceDesk(
        unit_of_work=store.unit_of_work,
        clock=clock,
        graph=EXAMPLE_STAGE_GRAPH,
        slas={sla.id: sla},
    )
    desk.create_order(order_id="SO-2001", customer_id="C-100", sla_id=sla.id)
    steps = (
        ("PLANNED", created + timedelta(hours=1)),
        ("IN_PROCESS", created + timedelta(days=4, hours=-5)),  # Mon 6 Apr 10:00
        ("COMPLETED", created + timedelta(days=4, hours=-2)),  # Mon 13:00: stops the clock
        ("IN_PROCESS", created + timedelta(days=5, hours=-6)),  # Tue 09:00: back, restarts
    )
    for stage, at in steps:
        clock.set(at)
        desk.change_stage("SO-2001", stage)
        out.write(f"  {at.astimezone(calendar.zone):%a %d %b %H:%M}  stage -> {stage}\n")
    now = created + timedelta(days=5, hours=-2)  # Tue 7 Apr 13:00
    figures = desk.measure_sla("SO-2001", now=now)
    out.write(
        f"  at {now.astimezone(calendar.zone):%a %d %b %H:%M}: {figures.state.value}, "
        f"elapsed {figures.elapsed}, remaining {figures.remaining}, "
        f"compliance {figures.compliance}%, {figures.status.value}\n"
    )
    if figures.deadline is not None:
        out.write(f"  deadline: {figures.deadline.astimezone(calendar.zone):%a %d %b %H:%M}\n")
    out.write("  explanation:\n")
    out.write("".join(f"    {line}\n" for line in figures.explain(calendar.zone).splitlines()))


def _per_currency(amounts: Iterable[Money]) -> str:
    """``330.00 EUR + 3000.00 SEK``: exact sums, one per currency, in order of appearance."""
    given = list(amounts)
    currencies = dict.fromkeys(amount.currency for amount in given)
    sums = (Money.total((a for a in given if a.currency == c), c) for c in currencies)
    return " + ".join(str(total) for total in sums)


def _billing_setup(
    out: TextIO, store: SqlStore, clock: FixedClock, journal: SqlJournal[AccrualEntry]
) -> BillingDesk:
    """Two groups, a price table with two levels, the desk and four subscriptions; print prices."""
    quarterly = SubscriptionGroup(
        id="QUARTERLY",
        invoicing_period_code=QUARTERLY,
        accrual_period_code=MONTHLY,
        accrue_revenue=True,
        accrual_method=AccrualMethod.PER_DAY,
    )
    monthly = SubscriptionGroup(id="MONTHLY", invoicing_period_code=MONTHLY)
    groups = {group.id: group for group in (quarterly, monthly)}

    def price(period: Any, amount: int, project: str | None, sub: str | None) -> PriceEntry:
        return PriceEntry(
            effective_date=date(2026, 1, 1),
            category_id=None,
            project_id=project,
            subscription_id=sub,
            period_code=period,
            price=Money(amount, "EUR"),
        )

    prices = PriceTable(
        (
            price(MONTHLY, 200, "P-100", None),  # level 6: the project's price
            price(QUARTERLY, 600, "P-100", None),
            price(MONTHLY, 150, None, "SUB-2"),  # level 4: one subscription's own price
        )
    )
    desk = BillingDesk(
        unit_of_work=store.unit_of_work,
        clock=clock,
        groups=groups,
        prices=prices,
        accrual_journal=journal,
    )
    zero, sek = Money(0, "EUR"), Money(3000, "SEK")  # zero: the price table prices these
    for sub_id, group, start, more in (
        ("SUB-1", monthly, date(2026, 1, 1), {}),
        ("SUB-2", monthly, date(2026, 1, 31), {}),
        (
            "SUB-3",
            quarterly,
            date(2026, 2, 15),
            {"alignment": Alignment.CALENDAR, "index": Decimal(110)},
        ),
        ("SUB-4", quarterly, date(2026, 1, 1), {"customer_id": "C-200", "base_price": sek}),
    ):
        fields: dict[str, Any] = {"customer_id": "C-100", "base_price": zero} | more
        if "index" in more:
            fields["price_basis"] = PriceBasis.INDEXED_PRICE
        sub = desk.create_subscription(
            group_id=group.id,
            id=sub_id,
            project_id="P-100",
            category_id="FEE",
            start_date=start,
            **fields,
        )
        found = prices.find(
            subscription_id=sub.id,
            project_id=sub.project_id,
            category_id=sub.category_id,
            period_code=sub.period_code,
            currency=sub.currency,
            on=start,
        )
        source = "base price" if found is None else f"price table level {found.level}"
        if sub.price_basis is PriceBasis.INDEXED_PRICE:
            source += f" x index {sub.index} / 100"
        out.write(
            f"  {sub.id} {sub.group_id:<9} from {start} {sub.alignment.value:<8} "
            f"{sub.price_on(start, prices)!s:>12} a period ({source})\n"
        )
    return desk


def _demo_billing(out: TextIO, store: SqlStore) -> None:
    _heading(out, "Billing: subscription fees, invoices, a credit note, revenue accrual")
    journal = SqlJournal(store, "ACR", AccrualEntry)
    clock = FixedClock(datetime(2026, 1, 1, 8, 0, tzinfo=UTC))
    desk = _billing_setup(out, store, clock, journal)
    for run in ("fees through 2026", "running again"):
        made = desk.generate_fees(as_of=date(2026, 12, 31)).created
        total = f", total {_per_currency(fee.amount for fee in made)}" if made else ""
        out.write(f"  {run}: {len(made)} fees created{total}\n")
    march = next(fee for fee in desk.fees("SUB-1") if fee.period.start == date(2026, 3, 1))
    removed = DateRange.inclusive(date(2026, 3, 10), date(2026, 3, 11))
    reduction = desk.reduce_days("SUB-1", charge_id=march.id, removed=removed)
    out.write(
        f"  reduction days {removed.start} to {removed.last} on the {march.amount} March fee "
        f"of SUB-1: {reduction.amount}\n"
    )
    for invoice in desk.invoice_customers(due_by=date(2026, 3, 31), invoice_date=date(2026, 3, 31)):
        count = f"{len(invoice.lines)} line" + ("s" if len(invoice.lines) > 1 else "")
        out.write(f"  {invoice.id}: {count}, total {invoice.total}\n")
        out.write("".join(f"    {ln.description:<48} {ln.amount!s:>12}\n" for ln in invoice.lines))
    accrued = desk.accrue_revenue(through=date(2026, 3, 31), posting_date=date(2026, 3, 31))
    total = _per_currency(entry.amount for entry in accrued)
    out.write(f"  accrued through 2026-03-31: {len(accrued)} entries, {total}\n")
    stub = desk.fees("SUB-3")[0]
    note = desk.credit_invoiced(
        credit_note_id="CN-2026-001",
        credit_date=date(2026, 4, 15),
        select=[stub.id],
        amounts={stub.id: Money(110, "EUR")},
    )
    out.write(f"  credit note {note.id} of {note.invoice_date}: total {note.total}\n")
    for line in note.lines:
        out.write(f"    {line.description} (on {line.credited_invoice_id}) {line.amount}\n")
    for transaction_id, entry in journal.recorded:
        if entry.reference == note.id:
            out.write(
                f"    {transaction_id} reverse period {entry.number} on {entry.posting_date}: "
                f"Dr {entry.debit_account}, Cr {entry.credit_account} {entry.amount}\n"
            )
    first_quarter = [
        fee
        for sub in desk.subscriptions()
        for fee in desk.fees(sub.id)
        if fee.billing_period.start < date(2026, 4, 1)
    ]
    invoiced = desk.invoiced(fee.id for fee in first_quarter)
    periods = [period for fee in first_quarter for period in desk.accrual_periods(fee.id)]
    out.write("The reports, for the billing periods that start in the first quarter:\n\n")
    rows = subscription_transactions(first_quarter, invoiced, periods)
    out.write(render_subscription_transactions_text(rows) + "\n")
    summary = subscription_fee_summary(first_quarter, invoiced, periods)
    out.write(render_subscription_fee_summary_text(summary))


# The fault taxonomy of the catalog's example (AX: a blue screen on a laptop).
_REPAIR_TAXONOMY = {
    "symptom_areas": [{"id": "hard drive"}, {"id": "cooling"}],
    "symptom_codes": [
        {"area": "hard drive", "id": "blue screen"},
        {"area": "cooling", "id": "noisy fan"},
    ],
    "conditions": [{"id": "fails after extended use"}],
    "diagnosis_areas": [{"id": "defective part"}],
    "diagnosis_codes": [{"area": "defective part", "id": "new video card installed"}],
    "resolutions": [{"id": "replaced"}],
    "repair_stages": [{"id": "DIAGNOSIS"}, {"id": "REPAIRED", "finished": True}],
}


def _demo_repairs(out: TextIO, store: SqlStore) -> None:
    _heading(out, "Repairs: a service object, fault codes, repair lines and a versioned BOM")
    clock = FixedClock(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    taxonomy = FaultTaxonomy.from_dict(_REPAIR_TAXONOMY)
    objects = RepairDesk(unit_of_work=store.unit_of_work, clock=clock)
    desk = ServiceDesk(
        unit_of_work=store.unit_of_work, clock=clock, graph=EXAMPLE_STAGE_GRAPH, taxonomy=taxonomy
    )
    objects.store_template(
        TemplateBom(
            id="T-LAPTOP",
            description="Laptop L14",
            lines=[
                BomLine(line_id="1", item_id="L14", quantity=1, unit="pcs"),
                BomLine(
                    line_id="2",
                    item_id="VC-1",
                    quantity=1,
                    unit="pcs",
                    parent_id="1",
                    serial_number="VC-100",
                ),
                BomLine(line_id="3", item_id="FAN-1", quantity=1, unit="pcs", parent_id="1"),
            ],
        )
    )
    objects.create_object(
        id="LAPTOP-1",
        group_id="LAPTOPS",
        description="Laptop L14",
        item_id="L14",
        serial_number="L14-0001",
        coverage=[
            WarrantyCoverage.inclusive(CoverageKind.PARTS, date(2025, 3, 1), date(2027, 2, 28)),
            WarrantyCoverage.inclusive(CoverageKind.LABOUR, date(2025, 3, 1), date(2026, 2, 28)),
        ],
    )
    for day in (date(2026, 2, 28), date(2026, 3, 9)):
        status = objects.warranty_status("LAPTOP-1", on=day)
        kinds = ", ".join(kind.value for kind in status.covered_kinds) or "nothing"
        out.write(f"  warranty of LAPTOP-1 on {day}: covers {kinds}\n")
    relation = ServiceObjectRelation(
        "REL-SO-3001-1", "LAPTOP-1", RelationKind.ORDER, "SO-3001", template_bom_id="T-LAPTOP"
    )
    desk.create_order(
        order_id="SO-3001",
        customer_id="C-100",
        description="Blue screen after an hour of use",
        object_relations=(relation,),
    )  # the order owns the relation; the same unit of work caches it on LAPTOP-1
    bom = objects.attach_template(
        "LAPTOP-1", relation.id, bom_id="BOM-LAPTOP-1", on=date(2026, 3, 9)
    )
    out.write(f"  template T-LAPTOP attached to {relation.id}: service BOM {bom.id}\n")
    desk.add_repair_line(
        "SO-3001",
        relation_id=relation.id,
        symptom_area_id="hard drive",
        symptom_code_id="blue screen",
        condition_id="fails after extended use",
        stage_id="DIAGNOSIS",
        technician_id="T-7",
        description="Find the cause of the blue screen",
    )
    try:
        desk.add_repair_line(
            "SO-3001",
            relation_id=relation.id,
            symptom_area_id="cooling",
            symptom_code_id="blue screen",
        )
    except InvalidInputError as refused:
        out.write(f"  refused: {refused}\n")
    clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    desk.change_repair_line(
        "SO-3001",
        1,
        diagnosis_area_id="defective part",
        diagnosis_code_id="new video card installed",
        resolution_id="replaced",
    )
    objects.replace_bom_item(
        "BOM-LAPTOP-1",
        "2",
        new_item_id="VC-2",
        new_serial_number="VC-200",
        on=date(2026, 3, 10),
        order_id="SO-3001",
    )
    clock.advance(timedelta(hours=2))
    order = desk.move_repair_line("SO-3001", 1, "REPAIRED")
    out.write(f"  repair line 1 finished at {order.repair_line(1).finished_at}\n")
    order = desk.add_repair_line(
        "SO-3001",
        relation_id=relation.id,
        symptom_area_id="cooling",
        symptom_code_id="noisy fan",
        stage_id="DIAGNOSIS",
        technician_id="T-7",
        description="Check the fan",
    )
    out.write(f"  repair status of SO-3001: {order.repair_status.value}\n")
    for day in (date(2026, 3, 9), date(2026, 3, 10)):
        lines = objects.bom_as_of("BOM-LAPTOP-1", day=day)
        parts = ", ".join(f"{line.item_id} ({line.serial_number or '-'})" for line in lines)
        out.write(f"  BOM-LAPTOP-1 as of {day}: {parts}\n")
    (best, *_rest) = suggest_resolutions(
        order.repair_lines,
        symptom_area_id="hard drive",
        symptom_code_id="blue screen",
        condition_id="fails after extended use",
    )
    out.write(f"  suggested: {best.explain()}\n")
    laptop = objects.service_object("LAPTOP-1")
    history = repair_history(laptop, [order], [objects.service_bom("BOM-LAPTOP-1")])
    out.write("\n" + history.render_text())


def _demo_dispatch(out: TextIO, store: SqlStore) -> None:
    _heading(out, "Dispatch: technicians, candidates with reasons, bookings and the board")
    monday = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    clock = FixedClock(monday)
    sla = ServiceLevelAgreement(id="SLA-4H", targets=SlaTargets(resolution=Allowance(hours=4)))
    desk = DispatchDesk(
        unit_of_work=store.unit_of_work,
        clock=clock,
        skills=[Skill("HVAC", max_level=3), Skill("ELEC", max_level=3)],
        slas={sla.id: sla},
    )
    service = ServiceDesk(
        unit_of_work=store.unit_of_work,
        clock=clock,
        graph=EXAMPLE_STAGE_GRAPH,
        slas={sla.id: sla},
    )
    day = WorkingCalendar.standard("Europe/Stockholm", slots=["08:00-17:00"], id="STHLM")
    desk.create_technician(id="W-ANA", name="Ana", calendar=day, skills={"HVAC": 3})
    desk.create_technician(id="W-BO", name="Bo", calendar=day, skills={"HVAC": 1, "ELEC": 3})
    desk.create_technician(id="W-CY", name="Cy", calendar=day, skills={"HVAC": 2})
    desk.add_absence(
        "W-CY",
        Absence("A-1", monday, monday + timedelta(days=1), "training"),
    )
    desk.set_teams(
        [DispatchTeam("NORTH", description="Stockholm north", members=["W-ANA", "W-BO", "W-CY"])]
    )
    window = Interval(monday, monday + timedelta(days=1))
    for order_id, priority, skills, sla_id in (
        ("SO-4001", Priority.HIGH, {"HVAC": 2}, sla.id),
        ("SO-4002", Priority.NORMAL, {"HVAC": 2}, None),
        ("SO-4003", Priority.LOW, {"ELEC": 2}, None),
    ):
        service.create_order(
            order_id=order_id, customer_id="C-100", priority=priority, sla_id=sla_id
        )
        desk.require(
            order_id,
            id=f"RQ-{order_id[3:]}",
            window=window,
            duration=timedelta(hours=3),
            skills=skills,
        )
    deadline = desk.requirement("RQ-4001").sla_deadline
    local = day.zone  # the technicians' zone: the times below are Stockholm's
    if deadline is not None:  # the order has an SLA: the requirement carries its deadline
        out.write(f"  RQ-4001 (high, SLA {sla.id}) is due {deadline.astimezone(local):%H:%M}\n")
    found = desk.candidates("RQ-4001", team_id="NORTH")
    for candidate in found.ranked:
        start = candidate.start.astimezone(local)
        out.write(f"  candidate {candidate.technician_id} from {start:%H:%M}\n")
    for exclusion in found.excluded:
        out.write(f"  left out: {exclusion}\n")
    late = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # 15:30 in Stockholm: 3 h run past 17:00
    try:
        desk.book("RQ-4001", "W-ANA", id="BK-LATE", start=late, status=BookingStatus.COMMITTED)
    except BookingConflictError as refused:
        out.write(f"  refused: {refused}\n")
    booked = desk.book(
        "RQ-4001",
        "W-ANA",
        id="BK-4001",
        start=datetime(2026, 3, 2, 7, 30, tzinfo=UTC),
        travel=timedelta(minutes=30),
        status=BookingStatus.COMMITTED,
    )
    busy = booked.busy
    out.write(
        f"  booked {booked.id}: W-ANA holds {busy.start.astimezone(local):%H:%M}-"
        f"{busy.end.astimezone(local):%H:%M} (30 min travel, then 3 h of work)\n"
    )
    technicians = [desk.technician(worker) for worker in ("W-ANA", "W-BO", "W-CY")]
    held = [b for tech in technicians for b in desk.bookings(technician_id=tech.id, window=window)]
    result = auto_dispatch(desk.undispatched(), technicians, held, at=clock.now())
    for proposal in result.proposed:
        stored = desk.book(
            proposal.requirement_id,
            proposal.technician_id,
            id=proposal.id,
            start=proposal.start,
            travel=proposal.travel,
        )
        out.write(
            f"  auto-dispatch proposes {stored.requirement_id} to {stored.technician_id} "
            f"at {stored.start.astimezone(local):%H:%M}\n"
        )
    for unplaced in result.unplaced:
        out.write(f"  not placed: {unplaced}\n")
    board = dispatch_board(
        desk.teams().team("NORTH"),
        technicians,
        [b for tech in technicians for b in desk.bookings(technician_id=tech.id, window=window)],
        [desk.requirement(f"RQ-{n}") for n in ("4001", "4002", "4003")],
        window=window,
    )
    out.write("\n" + dispatch_board_report(board, zone="Europe/Stockholm").render_text())


def _demo_requests(out: TextIO, store: SqlStore) -> None:
    _heading(out, "Customer requests: submitted, reviewed, rejected or transferred to an order")
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    day = WorkingCalendar.standard("Europe/Stockholm", slots=["08:00-17:00"], id="STHLM")
    sla = ServiceLevelAgreement(
        id="SLA-8H", targets=SlaTargets(resolution=Allowance(hours=8)), calendar=day
    )
    service = ServiceDesk(unit_of_work=store.unit_of_work, clock=clock, graph=EXAMPLE_STAGE_GRAPH)
    service.create_agreement(
        agreement_id="AG-WEB",
        customer_id="C-300",
        group=AgreementGroup("WEB", "Web customers", default_sla_id=sla.id),
        start_date=date(2026, 1, 1),
    )
    objects = RepairDesk(unit_of_work=store.unit_of_work, clock=clock)
    objects.create_object(id="PUMP-1", group_id="HEAT PUMPS", description="Heat pump HP-9")
    objects.relate("PUMP-1", relation_id="REL-AG-WEB-1", kind=RelationKind.AGREEMENT, key="AG-WEB")
    taxonomy = FaultTaxonomy.from_dict(
        {
            "symptom_areas": [{"id": "compressor"}],
            "symptom_codes": [{"area": "compressor", "id": "does not start"}],
            "conditions": [{"id": "below freezing"}],
        }
    )
    desk = RequestDesk(
        unit_of_work=store.unit_of_work,
        clock=clock,
        graph=EXAMPLE_STAGE_GRAPH,
        taxonomy=taxonomy,
        slas={sla.id: sla},
        sla_start=SlaStart.SUBMISSION,
        visit_duration=timedelta(hours=2),
    )
    local = day.zone
    tuesday = RequestWindow(
        datetime(2026, 3, 3, 8, 0, tzinfo=UTC), datetime(2026, 3, 3, 11, 0, tzinfo=UTC)
    )
    submission = Submission(
        customer_id="C-300",
        contact="Eva, 070-123 45 67",
        agreement_id="AG-WEB",
        window=tuesday,
        relation_ids=("REL-AG-WEB-1",),
        address="Sveavägen 1",
        lines=(
            RequestedRepairLine(
                number=1,
                relation_id="REL-AG-WEB-1",
                condition_id="below freezing",
                symptom_area_id="compressor",
                symptom_code_id="does not start",
                description="Silent since the cold night",
            ),
        ),
        text="The heat pump is silent",
        idempotency_key="portal-1",
    )
    request = desk.submit(submission, request_id="REQ-5001")
    out.write(f"  C-300 submits {request.id}: {request.status.value}, version {request.version}\n")
    again = desk.submit(submission, request_id="REQ-5001-RETRY")
    out.write(
        f"  the portal retries with key {submission.idempotency_key}: {again.id}, "
        f"unchanged (version {again.version})\n"
    )
    clock.advance(timedelta(minutes=30))
    desk.start_review("REQ-5001", by="DISPATCHER")
    later = RequestWindow(tuesday.start + timedelta(hours=1), tuesday.end + timedelta(hours=1))
    request = desk.edit("REQ-5001", by="DISPATCHER", address="Sveavägen 1B", window=later)
    for entry in request.review_log:
        out.write(
            f"  review log: {entry.at.astimezone(local):%H:%M} {entry.by} {entry.field}: "
            f"{entry.old} -> {entry.new}\n"
        )
    desk.add_note("REQ-5001", "A technician comes on Tuesday", by="DISPATCHER", public=True)
    other = desk.submit(
        attrs.evolve(submission, text="And the sauna heater", idempotency_key="portal-2"),
        request_id="REQ-5002",
    )
    rejected = desk.reject(other.id, "NOT-COVERED", by="DISPATCHER")
    out.write(f"  {rejected.id} {rejected.status.value}: reason {rejected.reject_reason}\n")
    clock.advance(timedelta(minutes=30))
    result = desk.transfer("REQ-5001", propose_booking=True)
    order = result.order
    out.write(
        f"  REQ-5001 transferred to {order.id}: origin {order.origin.value}, "
        f"incoming {order.incoming}, SLA {order.sla_id}\n"
    )
    for line in order.repair_lines:
        out.write(
            f"  repair line {line.number} on {line.relation_id}: {line.symptom_area_id} / "
            f"{line.symptom_code_id} when {line.condition_id} (the technician diagnoses)\n"
        )
    started = order.sla_log[0].at.astimezone(local)
    out.write(
        f"  SLA start policy {SlaStart.SUBMISSION.value}: the clock runs from "
        f"{started:%a %H:%M}, not from the transfer at {clock.now().astimezone(local):%H:%M}\n"
    )
    if result.requirement is not None and result.requirement.sla_deadline is not None:
        due = result.requirement.sla_deadline.astimezone(local)
        out.write(f"  the visit {result.requirement.id} is due {due:%a %H:%M}\n")
    best = result.proposal
    if best is not None:
        out.write(
            f"  booking proposal: {best.technician_id} from "
            f"{best.start.astimezone(local):%a %H:%M} (not booked: the dispatcher books)\n"
        )
    retry = desk.transfer("REQ-5001")
    out.write(f"  transferring again: the same order {retry.order.id}\n")
    view = desk.customer_view("REQ-5001", customer_id="C-300")
    out.write(f"  what the portal shows C-300:\n{json.dumps(view.to_json_dict(), indent=2)}\n")


def _demo_storage(out: TextIO, store: SqlStore) -> None:
    _heading(out, "Storage: everything above, in one database")
    out.write(f"  {store}\n")
    for table, count in store.row_counts().items():
        if count:
            out.write(f"  {table:<40} {count:>5} row{'' if count == 1 else 's'}\n")


DEMO_PARTS: tuple[Callable[[TextIO, SqlStore], None], ...] = (
    _demo_schedules,
    _demo_money,
    _demo_time,
    _demo_service_order,
    _demo_agreements,
    _demo_sla,
    _demo_billing,
    _demo_repairs,
    _demo_dispatch,
    _demo_requests,
    _demo_storage,
)


def run_demo(out: TextIO, database: str | Path | None = None) -> None:
    """Print the demo of every capability to ``out``, storing on a SQLite file.

    Args:
        out: where the demo is printed.
        database: the SQLite file to store on, or a database URL (``postgresql+psycopg:
            //...``): a new one, or one an earlier demo left empty of servicedomain rows
            (default: a file in a temporary folder, removed afterwards).

    Raises:
        InvalidInputError: (field ``database``) the database already holds
            servicedomain rows.
    """
    if database is None:
        with TemporaryDirectory(prefix="servicedomain-demo-") as folder:
            run_demo(out, Path(folder) / "demo.db")
        return
    given = str(database)
    url = given if isinstance(database, str) and "://" in given else f"sqlite:///{Path(database)}"
    upgrade(url)
    store = open_store(url)
    try:
        _refuse_used(store, database)
        out.write(f"servicedomain {__version__} demo\n")
        for part in DEMO_PARTS:
            part(out, store)
    finally:
        store.dispose()


def _refuse_used(store: SqlStore, database: str | Path) -> None:
    for table, count in store.row_counts().items():
        if count:
            raise InvalidInputError(
                "database", str(database), f"the demo needs a new file: {table} has rows"
            )
