"""Issue 15, item 1: ``report ...`` and ``sla measure`` over the stored data.

One desk is built for the module (the reports only read): the rules loaded, two
subscriptions and an agreement stored through the application objects, then the
night's runs through the CLI (orders generated, two signed off and posted, fees,
invoices, accruals), and one order created by hand under an SLA whose clock was
stopped for an hour.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cli_helpers import run, seed_desks
from report_parsing import assert_self_contained, parse_page, timeline_bands, timeline_markers
from servicedomain.adapters.clocks import FixedClock, SystemClock
from servicedomain.adapters.sql import SqlStore, open_store
from servicedomain.app import BillingDesk, ServiceDesk
from servicedomain.cli import RULE_CODEC, stored_rules
from servicedomain.orders import ServiceOrder
from servicedomain.reports import (
    ReportView,
    SubscriptionFeeReport,
    SubscriptionTransactionsReport,
    invoice_document,
    margin_report,
    render,
    sla_explanation,
    subscription_fee_summary,
    subscription_transactions,
    work_description,
    work_receipt,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
RULES = """\
[calendars.MAIN]
zone = "Europe/Stockholm"

[calendars.MAIN.weekly]
mon = ["08:00-17:00"]
tue = ["08:00-17:00"]
wed = ["08:00-17:00"]
thu = ["08:00-17:00"]
fri = ["08:00-17:00"]

[slas.STANDARD]
resolution = "PT8H"
calendar = "MAIN"

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

[[price_tables.STANDARD.entries]]
effective_date = 2026-01-01
period_code = "P1M"
price = {amount = "150.00", currency = "EUR"}
"""
FRIDAY_16 = datetime(2026, 3, 6, 16, 0, tzinfo=STOCKHOLM)
MONDAY_12 = datetime(2026, 3, 9, 12, 0, tzinfo=STOCKHOLM)
FORMATS = ("text", "csv", "json", "html")


def _store(database: Path) -> SqlStore:
    return open_store(f"sqlite:///{database}", codecs=(RULE_CODEC,))


def _seed(path: Path) -> None:
    store = _store(path)
    rules = stored_rules(store)
    clock = FixedClock(datetime(2026, 1, 1, 6, 0, tzinfo=ZoneInfo("UTC")))
    billing = BillingDesk(
        unit_of_work=store.unit_of_work, clock=clock, groups=dict(rules.subscription_groups)
    )
    service = ServiceDesk(
        unit_of_work=store.unit_of_work,
        clock=clock,
        graph=rules.stage_graphs["SERVICE"],
        slas=dict(rules.slas),
    )
    seed_desks(billing, service)
    clock.set(FRIDAY_16)
    service.create_order(
        order_id="SO-1", customer_id="C-300", description="Pump leaks", sla_id="STANDARD"
    )
    clock.set(datetime(2026, 3, 9, 9, 0, tzinfo=STOCKHOLM))
    service.stop_sla("SO-1")
    clock.set(datetime(2026, 3, 9, 10, 0, tzinfo=STOCKHOLM))
    service.start_sla("SO-1")
    store.dispose()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The desk after a night's runs (see the module's docstring)."""
    folder = tmp_path_factory.mktemp("report")
    path = folder / "desk.db"
    rules_file = folder / "rules.toml"
    rules_file.write_text(RULES, encoding="utf-8")
    assert run(path, "db", "upgrade").exit_code == 0
    assert run(path, "rules", "load", str(rules_file)).exit_code == 0
    _seed(path)
    for command in (
        ("generate-orders", "--from", "2026-01-01", "--to", "2026-01-31"),
        ("generate-fees", "--as-of", "2026-01-31"),
        ("invoice", "--as-of", "2026-01-31"),
        ("accrue", "--as-of", "2026-01-31"),
    ):
        result = run(path, *command)
        assert result.exit_code == 0, result.output
    store = _store(path)
    rules = stored_rules(store)
    service = ServiceDesk(
        unit_of_work=store.unit_of_work,
        clock=SystemClock(),
        graph=rules.stage_graphs["SERVICE"],
    )
    for order_id in ("AG-1/2026-01-05", "AG-1/2026-01-12"):
        service.change_stage(order_id, "DONE")
        service.sign_off(order_id)
    store.dispose()
    posted = run(path, "post", "--from", "2026-01-01", "--to", "2026-01-31")
    assert posted.exit_code == 0, posted.output
    return path


def _orders(database: Path) -> list[ServiceOrder]:
    store = _store(database)
    try:
        with store.unit_of_work() as uow:
            return list(uow.service_orders.list())
    finally:
        store.dispose()


def _expected(database: Path, name: str, *args: str) -> ReportView:
    """The report view the library builds from the same stored data."""
    store = _store(database)
    try:
        with store.unit_of_work() as uow:
            if name == "margin":
                orders = [uow.service_orders.get(i) for i in args] or uow.service_orders.list()
                return margin_report(orders).view()
            if name == "work-description":
                return work_description(uow.service_orders.get(args[0])).view()
            if name == "work-receipt":
                return work_receipt(uow.service_orders.get(args[0])).view()
            if name == "invoice":
                return invoice_document(uow.invoices.get(args[0])).view()
            ids = list(args) or sorted(sub.id for sub in uow.subscriptions.list())
            fees = [fee for sub_id in ids for fee in uow.fees.for_subscription(sub_id)]
            invoiced = uow.invoices.invoiced(fee.id for fee in fees)
            accruals = [p for fee in fees for p in uow.accruals.for_source(fee.id)]
            if name == "fees":
                return SubscriptionFeeReport(
                    subscription_fee_summary(fees, invoiced, accruals)
                ).view()
            return SubscriptionTransactionsReport(
                subscription_transactions(fees, invoiced, accruals)
            ).view()
    finally:
        store.dispose()


REPORTS = (
    ("margin",),
    ("work-description", "AG-1/2026-01-19"),
    ("work-receipt", "AG-1/2026-01-05"),
    ("subscription-transactions",),
    ("fees",),
    ("invoice", "INV-C-200-EUR-20260131-1"),
)


@pytest.mark.parametrize("format_", FORMATS)
@pytest.mark.parametrize("report", REPORTS, ids=lambda report: report[0])
def test_each_report_in_each_format_is_the_library_view_of_the_stored_data(
    database: Path, report: tuple[str, ...], format_: str
) -> None:
    name, *ids = report
    result = run(database, "report", name, *ids, "--format", format_)
    assert result.exit_code == 0, result.output
    view = _expected(database, name, *ids)
    assert result.output == render(view, format_)
    assert view.tables[0].rows


def test_the_margin_report_covers_the_posted_orders(database: Path) -> None:
    result = run(database, "report", "margin", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    by_order = {row["order_id"] for row in rows if row.get("order_id")}
    assert {"AG-1/2026-01-05", "AG-1/2026-01-12"} <= by_order


def test_margin_of_chosen_orders_and_subscription_reports_of_chosen_subscriptions(
    database: Path,
) -> None:
    one = run(database, "report", "margin", "--order", "AG-1/2026-01-05", "--format", "json")
    assert one.exit_code == 0, one.output
    assert one.output == render(_expected(database, "margin", "AG-1/2026-01-05"), "json")
    assert "AG-1/2026-01-12" not in one.output
    fees = run(database, "report", "fees", "--subscription", "SUB-2", "--format", "json")
    assert fees.exit_code == 0, fees.output
    document = json.loads(fees.output)
    rows = document["tables"][next(iter(document["tables"]))]["rows"]
    assert rows
    assert {row["subscription_id"] for row in rows} == {"SUB-2"}
    transactions = run(database, "report", "subscription-transactions", "--subscription", "SUB-1")
    assert transactions.exit_code == 0
    assert "SUB-1" in transactions.output
    assert "SUB-2" not in transactions.output


def test_the_html_report_has_every_row_of_the_data_model(database: Path) -> None:
    result = run(database, "report", "invoice", "INV-C-200-EUR-20260131-1", "--format", "html")
    view = _expected(database, "invoice", "INV-C-200-EUR-20260131-1")
    assert_self_contained(result.output)
    (table,) = parse_page(result.output).tables.values()
    assert table.body == view.tables[0].shown_rows


def test_output_writes_the_report_to_a_file(database: Path, tmp_path: Path) -> None:
    target = tmp_path / "margin.html"
    result = run(database, "report", "margin", "--format", "html", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.output == f"report margin: wrote {target}\n"
    assert target.read_text(encoding="utf-8") == render(_expected(database, "margin"), "html")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("margin", "--order", "AG-1/2026-01-05", "--order", "NOPE"), "NOPE"),
        (("work-description", "SO-404"), "SO-404"),
        (("work-receipt", "SO-404"), "SO-404"),
        (("subscription-transactions", "--subscription", "SUB-404"), "SUB-404"),
        (("fees", "--subscription", "SUB-404"), "SUB-404"),
        (("invoice", "INV-404"), "INV-404"),
        (("repair-history", "OBJ-404"), "OBJ-404"),
    ],
)
def test_an_unknown_id_exits_2_naming_it(database: Path, args: tuple[str, ...], named: str) -> None:
    result = run(database, "report", *args)
    assert result.exit_code == 2
    assert f"id='{named}': not found" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_format_is_a_usage_error(database: Path) -> None:
    result = run(database, "report", "margin", "--format", "pdf")
    assert result.exit_code == 2
    assert "'pdf' is not one of" in result.output


# ---------------------------------------------------------------------------- SLA

AT = ("--at", "2026-03-09T12:00")  # a wall time in the SLA calendar's zone


def test_sla_measure_prints_the_figures_of_the_stored_order_over_the_stored_sla(
    database: Path,
) -> None:
    result = run(database, "sla", "measure", "SO-1", *AT)
    assert result.exit_code == 0, result.output
    # Fri 16-17 counts, the weekend is outside working hours, Mon 8-9 counts, 9-10 the
    # clock was stopped, 10-12 counts: 4 of 8 hours, due Mon 16:00.
    assert result.output.splitlines() == [
        "SLA: STANDARD",
        "Target: resolution",
        "Measured at: Mon 2026-03-09 12:00",
        "Time zone: Europe/Stockholm",
        "Clock: running",
        "Status: within",
        "Elapsed: 4:00",
        "Allowance: 8:00",
        "Remaining: 4:00",
        "Overdue: 0:00",
        "Compliance: 50.00%",
        "Deadline: Mon 2026-03-09 16:00",
    ]


def test_sla_measure_explain_prints_the_timeline_as_a_table(database: Path) -> None:
    result = run(database, "sla", "measure", "SO-1", "--explain", "--at", "2026-03-09T11:00:00Z")
    assert result.exit_code == 0, result.output
    table = result.output.split("Timeline\n", 1)[1].splitlines()
    assert [line.rstrip() for line in table] == [
        "What                  Start                End                  Duration Note",
        "-" * 88,
        "Counting              Fri 2026-03-06 16:00 Fri 2026-03-06 17:00     1:00",
        "Outside working hours Fri 2026-03-06 17:00 Mon 2026-03-09 08:00    63:00",
        "Counting              Mon 2026-03-09 08:00 Mon 2026-03-09 09:00     1:00",
        "Paused                Mon 2026-03-09 09:00 Mon 2026-03-09 10:00     1:00 stopped by hand",
        "Counting              Mon 2026-03-09 10:00 Mon 2026-03-09 12:00     2:00",
        "Deadline              Mon 2026-03-09 16:00 -                           -",
    ]


def _sla_view(database: Path) -> ReportView:
    store = _store(database)
    try:
        with store.unit_of_work() as uow:
            order = uow.service_orders.get("SO-1")
        sla = stored_rules(store).slas["STANDARD"]
    finally:
        store.dispose()
    measured = order.measure_sla(sla, now=MONDAY_12)
    return sla_explanation(
        order_id="SO-1", sla_id="STANDARD", measurement=measured, at=MONDAY_12, zone=STOCKHOLM
    ).view()


@pytest.mark.parametrize("format_", FORMATS)
def test_report_sla_in_each_format_is_the_explanation_of_the_measurement(
    database: Path, format_: str
) -> None:
    result = run(database, "report", "sla", "SO-1", *AT, "--format", format_)
    assert result.exit_code == 0, result.output
    assert result.output == render(_sla_view(database), format_)


def test_report_sla_html_has_the_timeline_rows_and_the_deadline(database: Path) -> None:
    result = run(database, "report", "sla", "SO-1", *AT, "--format", "html")
    assert_self_contained(result.output)
    (table,) = parse_page(result.output).tables.values()
    assert [row[0] for row in table.body] == [
        "Counting",
        "Outside working hours",
        "Counting",
        "Paused",
        "Counting",
        "Deadline",
    ]
    assert table.body == _sla_view(database).tables[0].shown_rows


def test_report_sla_json_durations_tile_the_measured_span(database: Path) -> None:
    result = run(database, "report", "sla", "SO-1", *AT, "--format", "json")
    rows = json.loads(result.output)["tables"]["timeline"]["rows"]
    segments = [row for row in rows if row["kind"] != "deadline"]
    assert sum(row["seconds"] for row in segments) == (MONDAY_12 - FRIDAY_16).total_seconds()
    assert all(
        before["end_at"] == after["start_at"] for before, after in itertools.pairwise(segments)
    )
    assert rows[-1]["start_at"] == "2026-03-09T16:00:00+01:00"


def test_sla_measure_explain_as_html_is_the_page_with_the_timeline_chart(database: Path) -> None:
    result = run(database, "sla", "measure", "SO-1", "--explain", *AT, "--format", "html")
    assert result.exit_code == 0, result.output
    assert result.output == render(_sla_view(database), "html")
    assert result.output == run(database, "report", "sla", "SO-1", *AT, "--format", "html").output
    assert_self_contained(result.output)
    page = parse_page(result.output)
    assert [band["class"] for band in timeline_bands(page)] == [
        "band counting",
        "band outside_working_hours",
        "band counting",
        "band paused",
        "band counting",
    ]
    assert set(timeline_markers(page)) == {"marker measured_at", "marker deadline"}


def test_sla_measure_explain_writes_the_page_in_a_locale_to_a_file(
    database: Path, tmp_path: Path
) -> None:
    target = tmp_path / "sla.html"
    result = run(
        database,
        "sla",
        "measure",
        "SO-1",
        "--explain",
        *AT,
        "--format",
        "html",
        "--locale",
        "sv",
        "--output",
        str(target),
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"sla measure: wrote {target}\n"
    assert target.read_text(encoding="utf-8") == render(_sla_view(database), "html", locale="sv")
    assert "Klockan över tid" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "option", [("--format", "html"), ("--locale", "sv"), ("--output", "sla.html")]
)
def test_sla_measure_without_explain_refuses_the_report_options(
    database: Path, option: tuple[str, str]
) -> None:
    result = run(database, "sla", "measure", "SO-1", *AT, *option)
    assert result.exit_code == 2
    assert result.output == (
        "servicedomain sla measure: --format, --output and --locale render the "
        "explanation: add --explain\n"
    )


def test_sla_measure_of_an_order_without_an_sla_is_refused_naming_the_rule(
    database: Path,
) -> None:
    result = run(database, "sla", "measure", "AG-1/2026-01-19")
    assert result.exit_code == 1
    assert result.output == (
        "servicedomain sla measure: refused by rule order.no_sla: "
        "AG-1/2026-01-19: the order has no SLA to measure\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sla", "measure", "SO-404"), "ServiceOrder id='SO-404': not found"),
        (("report", "sla", "SO-404"), "ServiceOrder id='SO-404': not found"),
        (("sla", "measure", "SO-1", "--at", "yesterday"), "--at='yesterday'"),
    ],
)
def test_sla_bad_input_exits_2(database: Path, args: tuple[str, ...], message: str) -> None:
    result = run(database, *args)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("locale", ["sv", "nl", "lv", "sv_SE"])
@pytest.mark.parametrize("format_", ["text", "html", "csv"])
def test_report_locale_renders_the_library_view_in_that_language(
    database: Path, locale: str, format_: str
) -> None:
    result = run(
        database,
        "report",
        "work-description",
        "AG-1/2026-01-05",
        "--format",
        format_,
        "--locale",
        locale,
    )
    assert result.exit_code == 0, result.output
    view = _expected(database, "work-description", "AG-1/2026-01-05")
    assert result.output == render(view, format_, locale=locale)
    if format_ == "csv":  # machine-readable: the same in every locale
        assert result.output == render(view, "csv")
    else:
        assert result.output != render(view, format_)


def test_an_unknown_report_locale_exits_2_naming_it(database: Path) -> None:
    result = run(database, "report", "margin", "--locale", "de")
    assert result.exit_code == 2, result.output
    assert "locale='de'" in result.output
    assert "Traceback" not in result.output
