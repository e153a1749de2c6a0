"""Issue 15, item 1: the batch runs, over the data a host stored and the rules it loaded.

The subscriptions and the agreement are stored through the application objects on the
same SQLite file (``import`` is not built yet); the runs then go through the CLI.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_helpers import run, seed_desks
from servicedomain.adapters.clocks import FixedClock, SystemClock
from servicedomain.adapters.sql import SqlJournal, SqlStore, open_store
from servicedomain.agreements import (
    AgreementGroup,
    IntervalUnit,
    NewAgreementLine,
    ServiceInterval,
    TimeWindow,
    WindowKind,
)
from servicedomain.app import BillingDesk, ServiceDesk
from servicedomain.billing import SourceKind
from servicedomain.cli import RULE_CODEC, stored_rules
from servicedomain.money import Money
from servicedomain.orders import JournalEntry, NewLine, ServiceOrder, TransactionType

RULES = """\
[[stage_graphs.SERVICE.stages]]
id = "NEW"

[[stage_graphs.SERVICE.stages]]
id = "DONE"
parent = "NEW"
rules = {may_post = true}

[subscription_groups.MONTHLY]
invoicing_period_code = "P1M"

[subscription_groups.QUARTERLY]
invoicing_period_code = "P3M"
accrual_period_code = "P1M"
accrue_revenue = true
accrual_method = "per_day"
reversal = "manual"

[[price_tables.STANDARD.entries]]
effective_date = 2026-01-01
period_code = "P1M"
price = {amount = "150.00", currency = "EUR"}
"""


def _store(database: Path) -> SqlStore:
    return open_store(f"sqlite:///{database}", codecs=(RULE_CODEC,))


def _counts(database: Path) -> dict[str, int]:
    store = _store(database)
    try:
        return store.row_counts()
    finally:
        store.dispose()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A desk: the rules loaded, two subscriptions and an agreement with a weekly visit."""
    path = tmp_path / "desk.db"
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(RULES, encoding="utf-8")
    assert run(path, "db", "upgrade").exit_code == 0
    assert run(path, "rules", "load", str(rules_file)).exit_code == 0
    store = _store(path)
    rules = stored_rules(store)
    clock = FixedClock(datetime(2026, 1, 1, 6, 0, tzinfo=UTC))
    billing = BillingDesk(
        unit_of_work=store.unit_of_work, clock=clock, groups=dict(rules.subscription_groups)
    )
    service = ServiceDesk(
        unit_of_work=store.unit_of_work, clock=clock, graph=rules.stage_graphs["SERVICE"]
    )
    seed_desks(billing, service)
    store.dispose()
    return path


def test_the_groups_of_the_rules_file_are_what_the_runs_use(database: Path) -> None:
    store = _store(database)
    groups = stored_rules(store).subscription_groups
    store.dispose()
    assert groups["QUARTERLY"].to_dict()["reversal"] == "manual"
    assert groups["QUARTERLY"].accrual_policy is not None


def test_generate_fees_creates_the_fees_due_and_again_nothing(database: Path) -> None:
    result = run(database, "generate-fees", "--as-of", "2026-03-31")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "SUB-1: 3 fees, 450.00 EUR",
        "SUB-2: 1 fee, 300.00 EUR",
        "generate-fees as of 2026-03-31: created 4 fees for 2 subscriptions, total 750.00 EUR",
    ]
    before = _counts(database)
    again = run(database, "generate-fees", "--as-of", "2026-03-31")
    assert again.exit_code == 0
    assert again.output == (
        "generate-fees as of 2026-03-31: created nothing: every fee due is stored\n"
    )
    assert _counts(database) == before


def test_a_dry_run_of_every_writing_command_stores_nothing(database: Path) -> None:
    before = _counts(database)
    fees = run(database, "generate-fees", "--as-of", "2026-03-31", "--dry-run")
    assert fees.output.endswith(
        "(dry run) would have created 4 fees for 2 subscriptions, total 750.00 EUR\n"
    )
    orders = run(
        database, "generate-orders", "--from", "2026-01-01", "--to", "2026-01-31", "--dry-run"
    )
    assert "(dry run) would have created 4 orders" in orders.output
    assert _counts(database) == before
    assert run(database, "generate-fees", "--as-of", "2026-03-31").exit_code == 0
    fees_stored = _counts(database)
    invoices = run(database, "invoice", "--as-of", "2026-03-31", "--dry-run")
    assert "(dry run) would have posted 2 invoices" in invoices.output
    assert _counts(database) == fees_stored
    assert run(database, "invoice", "--as-of", "2026-03-31").exit_code == 0
    invoiced = _counts(database)
    accrued = run(database, "accrue", "--as-of", "2026-03-31", "--dry-run")
    assert "(dry run) would have posted 3 accrual entries" in accrued.output
    credit = run(database, "credit", "INV-C-100-EUR-20260331-1", "--on", "2026-04-02", "--dry-run")
    assert "(dry run) would have posted credit note CN-C-100-EUR-20260402-1" in credit.output
    posting = run(database, "post", "--from", "2026-01-01", "--to", "2026-01-31", "--dry-run")
    assert posting.exit_code == 0
    assert _counts(database) == invoiced


def test_invoice_accrue_and_credit_then_again_nothing(database: Path) -> None:
    assert run(database, "generate-fees", "--as-of", "2026-03-31").exit_code == 0
    invoiced = run(database, "invoice", "--as-of", "2026-03-31")
    assert invoiced.exit_code == 0, invoiced.output
    assert invoiced.output.splitlines() == [
        "INV-C-100-EUR-20260331-1: 3 lines, total 450.00 EUR",
        "INV-C-200-EUR-20260331-1: 1 line, total 300.00 EUR",
        "invoice as of 2026-03-31: posted 2 invoices and 0 credit notes, total 750.00 EUR",
    ]
    assert run(database, "invoice", "--as-of", "2026-03-31").output == (
        "invoice as of 2026-03-31: invoiced nothing: everything due is invoiced\n"
    )
    accrued = run(database, "accrue", "--as-of", "2026-03-31")
    assert accrued.exit_code == 0
    lines = accrued.output.splitlines()
    assert len(lines) == 4
    assert lines[-1] == "accrue through 2026-03-31: posted 3 accrual entries, total 300.00 EUR"
    assert run(database, "accrue", "--as-of", "2026-03-31").output == (
        "accrue through 2026-03-31: accrued nothing: every period due is posted\n"
    )
    credited = run(database, "credit", "INV-C-100-EUR-20260331-1", "--on", "2026-04-02")
    assert credited.exit_code == 0, credited.output
    assert credited.output.splitlines()[-1] == (
        "credit INV-C-100-EUR-20260331-1: posted credit note CN-C-100-EUR-20260402-1 "
        "of 2026-04-02 with 3 lines, total -450.00 EUR"
    )
    before = _counts(database)
    again = run(database, "credit", "INV-C-100-EUR-20260331-1", "--on", "2026-04-02")
    assert again.exit_code == 0
    assert again.output == (
        "credit INV-C-100-EUR-20260331-1: created nothing: the invoice is credited in full\n"
    )
    assert _counts(database) == before


def test_credit_refused_by_the_manual_reversal_rule_exits_1_naming_the_rule(
    database: Path,
) -> None:
    """A group that reverses accruals by hand: crediting posted accruals is refused."""
    for command in (
        ("generate-fees", "--as-of", "2026-03-31"),
        ("invoice", "--as-of", "2026-03-31"),
        ("accrue", "--as-of", "2026-03-31"),
    ):
        assert run(database, *command).exit_code == 0
    before = _counts(database)
    result = run(database, "credit", "INV-C-200-EUR-20260331-1", "--on", "2026-04-02")
    assert result.exit_code == 1, result.output
    assert result.output.startswith(
        "servicedomain credit: refused by rule accrual.reverse_manually_first: "
    )
    # the rule is named once (it was "refused by rule X: ...: rule X refused ...")
    assert result.output.count("accrual.reverse_manually_first") == 1, result.output
    assert result.output.count("refused") == 1, result.output
    assert "Traceback" not in result.output
    assert _counts(database) == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("credit", "INV-NOPE"), "servicedomain credit: "),
        (("generate-fees", "--as-of", "31.03.2026"), "Invalid value for '--as-of'"),
        (("invoice",), "Missing option '--as-of'"),
        (("post", "--from", "2026-02-01", "--to", "2026-01-01"), "servicedomain post: --to="),
        (
            ("generate-orders", "--from", "2026-01-01", "--to", "2026-01-31", "--graph", "X"),
            "servicedomain generate-orders: stage_graphs.X: no such rule is stored",
        ),
    ],
)
def test_bad_input_to_a_run_exits_2_and_writes_nothing(
    database: Path, args: tuple[str, ...], expected: str
) -> None:
    before = _counts(database)
    result = run(database, *args)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert _counts(database) == before


def test_generate_orders_then_post_the_signed_off_ones_and_again_nothing(database: Path) -> None:
    generated = run(database, "generate-orders", "--from", "2026-01-01", "--to", "2026-01-31")
    assert generated.exit_code == 0, generated.output
    assert generated.output.splitlines()[-1] == (
        "generate-orders 2026-01-01 to 2026-01-31: created 4 orders with 4 lines from 1 agreement"
    )
    before = _counts(database)
    again = run(database, "generate-orders", "--from", "2026-01-01", "--to", "2026-01-31")
    assert again.output == (
        "generate-orders 2026-01-01 to 2026-01-31: created nothing: every order due is generated\n"
    )
    assert _counts(database) == before
    refused = run(database, "post", "--from", "2026-01-01", "--to", "2026-01-31")
    assert refused.exit_code == 0
    assert refused.output.splitlines()[-1] == (
        "post 2026-01-01 to 2026-01-31: posted nothing (4 orders not posted, 0 lines skipped)"
    )
    store = _store(database)
    rules = stored_rules(store)
    desk = ServiceDesk(
        unit_of_work=store.unit_of_work,
        clock=SystemClock(),
        graph=rules.stage_graphs["SERVICE"],
    )
    with store.unit_of_work() as uow:
        first = uow.service_orders.list()[0].id
    desk.change_stage(first, "DONE")
    desk.sign_off(first)
    store.dispose()
    posted = run(database, "post", "--from", "2026-01-01", "--to", "2026-01-31")
    assert posted.exit_code == 0, posted.output
    assert posted.output.splitlines()[0] == f"{first} line 1 -> HOUR-000001"
    assert posted.output.splitlines()[-1] == (
        "post 2026-01-01 to 2026-01-31: posted 1 line of 1 order "
        "(3 orders not posted, 0 lines skipped)"
    )
    after = _counts(database)
    assert (
        "posted nothing"
        in run(database, "post", "--from", "2026-01-01", "--to", "2026-01-31").output
    )
    assert _counts(database) == after


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_run_over_many_items_shows_a_progress_bar_on_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from servicedomain.cli._session import PROGRESS_THRESHOLD, progress

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    chunks = [list(range(100))] * 4
    assert list(progress(chunks, "fees", weight=len)) == chunks
    assert "fees" in terminal.getvalue()
    few = _Terminal()
    monkeypatch.setattr(sys, "stderr", few)
    assert list(progress(list(range(PROGRESS_THRESHOLD)), "fees")) == list(range(300))
    assert few.getvalue() == ""
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    assert len(list(progress(chunks, "fees", weight=len))) == 4
    assert piped.getvalue() == ""


def test_a_run_over_hundreds_of_subscriptions_finishes_and_again_creates_nothing(
    database: Path,
) -> None:
    store = _store(database)
    billing = BillingDesk(
        unit_of_work=store.unit_of_work,
        clock=SystemClock(),
        groups=dict(stored_rules(store).subscription_groups),
    )
    with store.unit_of_work() as uow:
        for number in range(3, 353):
            template = uow.subscriptions.get("SUB-1")
            uow.subscriptions.add(attrs.evolve(template, id=f"SUB-{number:03d}"))
        uow.commit()
    assert len(billing.subscriptions()) == 352
    store.dispose()
    result = run(database, "generate-fees", "--as-of", "2026-01-31")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        # 351 monthly subscriptions at 150.00 EUR, one quarterly at 300.00 EUR
        "generate-fees as of 2026-01-31: created 352 fees for 352 subscriptions, total 52950.00 EUR"
    )
    again = run(database, "generate-fees", "--as-of", "2026-01-31")
    assert again.output.endswith("created nothing: every fee due is stored\n")


def test_rules_and_a_run_on_sqlite_and_postgresql(database_url: str, tmp_path: Path) -> None:
    """The rule documents and the runs need nothing of SQLite: the same on PostgreSQL."""
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(RULES, encoding="utf-8")
    assert run(database_url, "db", "upgrade").exit_code == 0
    assert run(database_url, "rules", "load", str(rules_file)).exit_code == 0
    again = run(database_url, "rules", "load", str(rules_file))
    assert again.output == "rules load rules.toml: nothing to store, 4 rules unchanged\n"
    store = open_store(database_url, codecs=(RULE_CODEC,))
    try:
        billing = BillingDesk(
            unit_of_work=store.unit_of_work,
            clock=SystemClock(),
            groups=dict(stored_rules(store).subscription_groups),
        )
        billing.create_subscription(
            group_id="MONTHLY",
            id="SUB-1",
            customer_id="C-100",
            project_id="P-1",
            category_id="FEE",
            base_price=Money(0, "EUR"),
            start_date=date(2026, 1, 1),
        )
        result = run(database_url, "generate-fees", "--as-of", "2026-02-28")
        assert result.output.splitlines()[-1] == (
            "generate-fees as of 2026-02-28: created 2 fees for 1 subscription, total 300.00 EUR"
        )
        before = store.row_counts()
        again = run(database_url, "generate-fees", "--as-of", "2026-02-28")
        assert "created nothing" in again.output
        assert store.row_counts() == before
    finally:
        store.dispose()


@pytest.mark.parametrize(
    ("chosen", "terminal", "shown"),
    [(True, False, True), (False, True, False), (None, True, True), (None, False, False)],
)
def test_the_global_progress_option_forces_the_bar_on_or_off(
    monkeypatch: pytest.MonkeyPatch, chosen: bool | None, terminal: bool, shown: bool
) -> None:
    import click

    from servicedomain.cli import cli
    from servicedomain.cli._session import Session, progress

    stderr = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    chunks = [list(range(100))] * 4
    with click.Context(cli, obj=Session("sqlite://", show_progress=chosen)):
        assert list(progress(chunks, "fees", weight=len)) == chunks
    assert ("fees" in stderr.getvalue()) is shown


def _desk(store: SqlStore) -> ServiceDesk:
    return ServiceDesk(
        unit_of_work=store.unit_of_work,
        clock=SystemClock(),
        graph=stored_rules(store).stage_graphs["SERVICE"],
    )


def _complete(database: Path, *order_ids: str) -> None:
    """The host completes and signs off these orders (stage DONE allows posting)."""
    store = _store(database)
    desk = _desk(store)
    for order_id in order_ids:
        desk.change_stage(order_id, "DONE")
        desk.sign_off(order_id)
    store.dispose()


def _repair_order(database: Path) -> None:
    """SO-9 of C-900 (a customer without a subscription): 2 h on Jan 8, a free gasket."""
    store = _store(database)
    desk = _desk(store)
    lines = [
        NewLine(
            transaction_type=TransactionType.HOUR,
            description="Repair",
            quantity=Decimal(2),
            unit="h",
            cost_price=Money(42, "EUR"),
            sales_price=Money(85, "EUR"),
            execution_date=date(2026, 1, 8),
        ),
        NewLine(
            transaction_type=TransactionType.ITEM,
            description="Gasket (warranty)",
            quantity=Decimal(1),
            unit="pcs",
            cost_price=Money(Decimal("3.50"), "EUR"),
            sales_price=Money(0, "EUR"),
            execution_date=date(2026, 1, 8),
        ),
    ]
    desk.create_order(order_id="SO-9", customer_id="C-900", lines=lines)
    store.dispose()
    _complete(database, "SO-9")


def test_invoice_bills_the_posted_order_lines_due_by_as_of_once(database: Path) -> None:
    """Issue 15: `invoice` left the posted hours, items, expenses and fees of orders out."""
    assert (
        run(database, "generate-orders", "--from", "2026-01-01", "--to", "2026-01-31").exit_code
        == 0
    )
    _complete(database, "AG-1/2026-01-05", "AG-1/2026-01-12", "AG-1/2026-01-26")
    _repair_order(database)
    posted = run(database, "post", "--from", "2026-01-01", "--to", "2026-01-31")
    assert posted.exit_code == 0, posted.output
    early = run(database, "invoice", "--as-of", "2026-01-20")
    assert early.exit_code == 0, early.output
    # the line posted on Jan 26 is not due by Jan 20; the free gasket bills nothing
    assert early.output.splitlines() == [
        "INV-C-100-EUR-20260120-1: 2 lines, total 170.00 EUR",
        "INV-C-900-EUR-20260120-1: 1 line, total 170.00 EUR",
        "invoice as of 2026-01-20: posted 2 invoices and 0 credit notes, total 340.00 EUR",
    ]
    before = _counts(database)
    again = run(database, "invoice", "--as-of", "2026-01-20")
    assert again.output == (
        "invoice as of 2026-01-20: invoiced nothing: everything due is invoiced\n"
    )
    assert _counts(database) == before
    later = run(database, "invoice", "--as-of", "2026-01-31")
    assert later.output.splitlines() == [
        "INV-C-100-EUR-20260131-1: 1 line, total 85.00 EUR",
        "invoice as of 2026-01-31: posted 1 invoice and 0 credit notes, total 85.00 EUR",
    ]
    report = run(database, "report", "invoice", "INV-C-100-EUR-20260120-1", "--format", "json")
    assert report.exit_code == 0, report.output
    assert report.output.count("Weekly pump inspection") == 2
    assert "HOUR-000001" in report.output
    repair = run(database, "report", "invoice", "INV-C-900-EUR-20260120-1")
    assert "Repair" in repair.output
    assert "Gasket" not in repair.output


CALENDAR = """\
[calendars.MAIN]
zone = "Europe/Stockholm"
holidays = [2026-01-12]

[calendars.MAIN.weekly]
mon = ["08:00-17:00"]
tue = ["08:00-17:00"]
wed = ["08:00-17:00"]
thu = ["08:00-17:00"]
fri = ["08:00-17:00"]
"""


def _calendar(database: Path, tmp_path: Path) -> None:
    rules_file = tmp_path / "calendar.toml"
    rules_file.write_text(CALENDAR, encoding="utf-8")
    assert run(database, "rules", "load", str(rules_file)).exit_code == 0


def _orders(database: Path) -> dict[str, ServiceOrder]:
    store = _store(database)
    try:
        with store.unit_of_work() as uow:
            return {order.id: order for order in uow.service_orders.list()}
    finally:
        store.dispose()


def test_generate_orders_flags_an_order_on_a_closed_day_of_the_calendar(
    database: Path, tmp_path: Path
) -> None:
    """Issue 15: generate-orders had no way to give the closed days (AX CalendarConflict)."""
    _calendar(database, tmp_path)
    result = run(
        database, "generate-orders", "--from", "2026-01-01", "--to", "2026-01-31",
        "--calendar", "MAIN",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "AG-1/2026-01-05: 1 line",
        "AG-1/2026-01-12: 1 line, on a closed day of calendar MAIN",
        "AG-1/2026-01-19: 1 line",
        "AG-1/2026-01-26: 1 line",
        (
            "generate-orders 2026-01-01 to 2026-01-31: created 4 orders with 4 lines "
            "from 1 agreement (1 on a closed day)"
        ),
    ]
    orders = _orders(database)
    assert [order_id for order_id, order in orders.items() if order.calendar_conflict] == [
        "AG-1/2026-01-12"
    ]


def _morning_agreement(database: Path) -> None:
    """AG-2 of C-200: a weekly visit from Monday 2026-01-05, preferably at 09:00."""
    store = _store(database)
    _desk(store).create_agreement(
        agreement_id="AG-2",
        customer_id="C-200",
        group=AgreementGroup("MAINT", "Maintenance"),
        start_date=date(2026, 1, 1),
        lines=[
            NewAgreementLine(
                transaction_type=TransactionType.HOUR,
                description="Morning visit",
                quantity=Decimal(1),
                unit="h",
                cost_price=Money(42, "EUR"),
                sales_price=Money(85, "EUR"),
                interval=ServiceInterval(IntervalUnit.WEEK, 1),
                start_date=date(2026, 1, 5),
                preferred_time=time(9, 0),
            )
        ],
    )
    store.dispose()


@pytest.mark.parametrize(
    ("options", "zone"),
    [
        (("--zone", "Europe/Riga"), "Europe/Riga"),
        (("--calendar", "MAIN"), "Europe/Stockholm"),
        (("--calendar", "MAIN", "--zone", "Europe/Riga"), "Europe/Riga"),
        ((), None),
    ],
)
def test_generate_orders_places_the_preferred_time_in_the_zone(
    database: Path, tmp_path: Path, options: tuple[str, ...], zone: str | None
) -> None:
    """--zone, else the --calendar's zone: the preferred service time is a wall time there."""
    _calendar(database, tmp_path)
    _morning_agreement(database)
    result = run(
        database, "generate-orders", "--from", "2026-01-05", "--to", "2026-01-05", *options
    )
    assert result.exit_code == 0, result.output
    order = _orders(database)["AG-2/2026-01-05"]
    expected = None if zone is None else datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo(zone))
    assert order.preferred_service_at == expected


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (("--zone", "Mars/Olympus"), "Invalid value for '--zone': 'Mars/Olympus'"),
        (("--zone", "+02:00"), "Invalid value for '--zone': '+02:00'"),
        (("--calendar", "NOPE"), "calendars.NOPE: no such rule is stored; stored: MAIN"),
    ],
)
def test_generate_orders_with_a_bad_zone_or_calendar_exits_2_and_writes_nothing(
    database: Path, tmp_path: Path, options: tuple[str, ...], expected: str
) -> None:
    _calendar(database, tmp_path)
    before = _counts(database)
    result = run(
        database, "generate-orders", "--from", "2026-01-01", "--to", "2026-01-31", *options
    )
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert _counts(database) == before


def _grouped_agreement(database: Path) -> None:
    """AG-3: an inspection every Monday; a filter every Wednesday that may move 2 days back."""
    store = _store(database)
    inspection = NewAgreementLine(
        transaction_type=TransactionType.HOUR,
        description="Inspection",
        quantity=Decimal(1),
        unit="h",
        cost_price=Money(10, "EUR"),
        sales_price=Money(20, "EUR"),
        interval=ServiceInterval(IntervalUnit.WEEK, 1),
        start_date=date(2026, 1, 5),
    )
    filter_line = attrs.evolve(
        inspection,
        transaction_type=TransactionType.EXPENSE,
        description="Filter",
        unit="pcs",
        start_date=date(2026, 1, 7),
        time_window=TimeWindow(WindowKind.DAYS, days_before=2),
    )
    _desk(store).create_agreement(
        agreement_id="AG-3",
        customer_id="C-300",
        group=AgreementGroup("MAINT", "Maintenance"),
        start_date=date(2026, 1, 1),
        lines=[inspection, filter_line],
    )
    store.dispose()


@pytest.mark.parametrize("calendar", [False, True])
def test_generate_orders_moves_a_line_in_its_window_only_to_an_open_day(
    database: Path, tmp_path: Path, calendar: bool
) -> None:
    """The Wednesday filter joins Monday's inspection, except on the closed Monday Jan 12."""
    _calendar(database, tmp_path)
    _grouped_agreement(database)
    options = ("--calendar", "MAIN") if calendar else ()
    result = run(
        database, "generate-orders", "--from", "2026-01-01", "--to", "2026-01-20", *options
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("AG-3/")]
    if calendar:
        assert lines == [
            "AG-3/2026-01-05: 1 line",
            "AG-3/2026-01-07: 1 line",  # not before the filter line's start date
            "AG-3/2026-01-12: 1 line, on a closed day of calendar MAIN",
            "AG-3/2026-01-14: 1 line",
            "AG-3/2026-01-19: 2 lines",
        ]
    else:
        assert lines == [
            "AG-3/2026-01-05: 1 line",
            "AG-3/2026-01-07: 1 line",
            "AG-3/2026-01-12: 2 lines",
            "AG-3/2026-01-19: 2 lines",
        ]


@pytest.fixture(scope="module")
def posted_january(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The desk after January's orders (AG-1's four, SO-9 with a free part) are posted."""
    folder = tmp_path_factory.mktemp("posted")
    path = folder / "desk.db"
    rules_file = folder / "rules.toml"
    rules_file.write_text(RULES, encoding="utf-8")
    assert run(path, "db", "upgrade").exit_code == 0
    assert run(path, "rules", "load", str(rules_file)).exit_code == 0
    store = _store(path)
    rules = stored_rules(store)
    clock = FixedClock(datetime(2026, 1, 1, 6, 0, tzinfo=UTC))
    seed_desks(
        BillingDesk(
            unit_of_work=store.unit_of_work, clock=clock, groups=dict(rules.subscription_groups)
        ),
        ServiceDesk(
            unit_of_work=store.unit_of_work, clock=clock, graph=rules.stage_graphs["SERVICE"]
        ),
    )
    store.dispose()
    assert run(path, "generate-orders", "--from", "2026-01-01", "--to", "2026-01-31").exit_code == 0
    _complete(path, *(f"AG-1/2026-01-{day:02d}" for day in (5, 12, 19, 26)))
    _repair_order(path)
    assert run(path, "post", "--from", "2026-01-01", "--to", "2026-01-31").exit_code == 0
    return path


@settings(max_examples=15)  # each example runs the command line on a SQLite file
@given(
    days=st.lists(
        st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 2, 10)), min_size=1, max_size=4
    )
)
def test_I1_invoice_runs_bill_each_posted_order_line_due_once(
    posted_january: Path, days: list[date]
) -> None:
    """I1 through the CLI: whatever the --as-of dates of the runs, in any order, each
    posted line with revenue is invoiced once, when a run's --as-of reaches its date."""
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "desk.db"
        shutil.copy(posted_january, database)
        for day in days:
            assert run(database, "invoice", "--as-of", day.isoformat()).exit_code == 0
        store = _store(database)
        try:
            with store.unit_of_work() as uow:
                sources = [
                    line.source_id
                    for document in uow.invoices.list()
                    for line in document.lines
                    if line.source_kind is SourceKind.ORDER_TRANSACTION
                ]
            due = {
                transaction_id
                for kind in TransactionType
                for transaction_id, entry in SqlJournal(store, kind.name, JournalEntry).recorded
                if entry.revenue.amount > 0 and entry.transaction_date <= max(days)
            }
        finally:
            store.dispose()
    assert sorted(sources) == sorted(due)
