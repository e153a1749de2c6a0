"""Every report in text, CSV, JSON and HTML from one data model (issue 15, item 2).

Each format is read back with the standard library (``html.parser``, ``csv``,
``json``) and compared with the report's own values, not with another rendering.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from orders_fixtures import AT, boiler, boiler_order, line
from report_parsing import assert_self_contained, csv_rows, json_document, parse_page
from servicedomain.billing import DocumentKind, Invoice, InvoiceLine, SourceKind
from servicedomain.errors import InvalidInputError, MissingExtraError, TypeMismatchError
from servicedomain.money import Money
from servicedomain.orders import ServiceOrder, TransactionType
from servicedomain.reports import (
    MarginReport,
    MarginRow,
    ReportColumn,
    ReportTable,
    ReportView,
    invoice_document,
    margin_report,
    render,
    render_text,
    work_description,
    work_receipt,
)
from servicedomain.reports import _html as html_module
from servicedomain.serialization import dumps, loads
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH

HOUR, ITEM, FEE, EXPENSE = (
    TransactionType.HOUR,
    TransactionType.ITEM,
    TransactionType.FEE,
    TransactionType.EXPENSE,
)
GENERATED_ID = "AG-1/2026-01-05"


def plain(money: Money) -> str:
    return format(money.amount, "f")


def percent(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value}%"


def orders() -> list[ServiceOrder]:
    """A generated order with a loss-making item, and a plain one in two currencies."""
    first = boiler_order(
        GENERATED_ID,
        line(HOUR, "2", "40.00", "85.00", description="Service", service_object_id="BOILER-1"),
        line(ITEM, "1", "30.00", "15.00", description="Gasket <b>", service_task_id="INSPECT"),
    )
    second = boiler_order(
        "SO-2",
        line(HOUR, "1", "40.00", "100.00"),
        line(EXPENSE, "1", "5.00", "7.00", currency="USD"),
    )
    return [first, second]


def signed_order() -> ServiceOrder:
    order = boiler_order(
        GENERATED_ID,
        line(HOUR, "2.5", "40.00", "85.00", description="Service", service_object_id="BOILER-1"),
        line(ITEM, "1", "10.00", "15.00", description="Gasket <b>", service_task_id="INSPECT"),
        line(FEE, "1", "0.00", "25.00", description="Call-out"),
    )
    order, _ = order.cancel_line(GRAPH, 3, at=AT)
    order, _ = order.sign_off(at=AT)
    return order


# --------------------------------------------------------------- margin: text widths


def test_margin_text_sizes_the_order_column_to_a_long_generated_id() -> None:
    # Regression: the Order column was 12 characters and AG-1/2026-01-05 pushed its row
    # out of line with the header.
    report = margin_report(orders()[:1])
    lines = report.render_text().splitlines()
    start = lines.index("By order and type")
    header, rule = lines[start + 1], lines[start + 2]
    rows = lines[start + 3 : lines.index("", start)]
    assert len(rows) == 2
    for row in rows:
        assert len(row) <= len(rule)
        assert row.startswith(GENERATED_ID + " ")
        assert row[header.index("Type") :].split()[0] in {"hour", "item"}
        # the right-aligned % column ends where the header ends
        assert len(row) == len(header)
        assert row.endswith("%")


def test_every_text_table_line_fits_its_rule() -> None:
    order = signed_order()
    for text in (
        margin_report(orders()).render_text(),
        work_description(order).render_text(),
        work_receipt(order).render_text(),
    ):
        lines = text.splitlines()
        for position, rule in enumerate(lines):
            if rule and set(rule) == {"-"}:
                neighbours = [lines[position - 1]]
                if position + 1 < len(lines):
                    neighbours.append(lines[position + 1])
                assert all(len(each) <= len(rule) for each in neighbours), text


# ----------------------------------------------------------------- margin: all views


def margin_cells(row: MarginRow, *, with_type: bool = True) -> list[str]:
    cells = [row.order_id or "Total"]
    if with_type:
        cells.append(row.transaction_type.value if row.transaction_type else "")
    cells += [str(row.revenue), str(row.cost), str(row.margin), percent(row.margin_percent)]
    return cells


def test_margin_html_tables_have_exactly_the_rows_of_the_model() -> None:
    report = margin_report(orders())
    page = parse_page(report.render_html())
    assert set(page.tables) == {"rows", "orders", "types"}
    rows = page.tables["rows"]
    assert rows.head == ["Order", "Type", "Revenue", "Cost", "Margin", "%"]
    assert rows.body == [margin_cells(row) for row in report.rows]
    assert rows.foot == []
    by_order = page.tables["orders"]
    expected = [t for order_id in report.order_ids for t in report.order_totals(order_id)]
    assert by_order.body == [margin_cells(row, with_type=False) for row in expected]
    assert by_order.foot == [margin_cells(row, with_type=False) for row in report.totals]
    types = page.tables["types"]
    assert [cells[0] for cells in types.body] == [
        kind.value for kind in TransactionType if kind in (HOUR, ITEM, EXPENSE)
    ]
    hour_eur = next(t for t in report.type_totals if t.transaction_type is HOUR)
    assert types.body[0][1:] == margin_cells(hour_eur)[2:]
    assert hour_eur.revenue == Money(Decimal("270.00"), "EUR")  # 170.00 + 100.00


def test_margin_html_charts_margin_by_order_and_by_type_as_svg_bars() -> None:
    report = margin_report(orders())
    page_text = report.render_html()
    page = parse_page(page_text)
    # EUR and USD each get their own chart, for orders and for types.
    assert [figure.get("id") for tag, figure in page.tags if tag == "figure"] == [
        "chart-margin_by_order_EUR",
        "chart-margin_by_order_USD",
        "chart-margin_by_type_EUR",
        "chart-margin_by_type_USD",
    ]
    bars_per_svg = [svg.count("rect") for svg in page.svgs]
    assert bars_per_svg == [2, 1, 2, 1]
    widths = [
        Decimal(attributes["width"] or "0")
        for tag, attributes in page.tags
        if tag == "rect" and "bar" in (attributes.get("class") or "")
    ]
    assert all(width >= 0 for width in widths)
    assert any(width > 0 for width in widths)
    negative = [a for tag, a in page.tags if tag == "rect" and "negative" in (a.get("class") or "")]
    assert len(negative) == 1  # the gasket sold below cost
    assert_self_contained(page_text)


def test_margin_csv_round_trips_to_the_rows() -> None:
    report = margin_report(orders())
    head, *body = csv_rows(report.render_csv())
    assert head == [
        "order_id",
        "transaction_type",
        "currency",
        "revenue",
        "cost",
        "margin",
        "margin_percent",
    ]
    back = [
        MarginRow(
            cells[0],
            TransactionType(cells[1]),
            Money(Decimal(cells[3]), cells[2]),
            Money(Decimal(cells[4]), cells[2]),
        )
        for cells in body
    ]
    assert tuple(back) == report.rows
    assert [cells[5] for cells in body] == [plain(row.margin) for row in report.rows]
    assert [cells[6] for cells in body] == [str(row.margin_percent) for row in report.rows]


def test_margin_json_loads_to_the_rows_and_totals() -> None:
    report = margin_report(orders())
    document = json_document(report.render_json())
    assert document["report"] == "margin"
    rows = document["tables"]["rows"]["rows"]
    back = MarginReport(
        tuple(
            MarginRow(
                each["order_id"],
                TransactionType(each["transaction_type"]),
                Money(Decimal(each["revenue"]), each["currency"]),
                Money(Decimal(each["cost"]), each["currency"]),
            )
            for each in rows
        )
    )
    assert back == report
    totals = document["tables"]["orders"]["totals"]
    assert [(t["order_id"], t["currency"], t["margin"]) for t in totals] == [
        (None, row.currency.code, plain(row.margin)) for row in report.totals
    ]


def test_margin_of_nothing_renders_headers_and_no_chart() -> None:
    report = margin_report([])
    assert csv_rows(report.render_csv())[1:] == []
    assert json_document(report.render_json())["tables"]["rows"]["rows"] == []
    page = parse_page(report.render_html())
    assert all(table.body == [] for table in page.tables.values())
    assert page.svgs == []


# ---------------------------------------------------------------------- work documents


def line_cells(report_line: Any, *, priced: bool) -> list[str]:
    cells = [
        str(report_line.number),
        report_line.transaction_type.value,
        report_line.description,
        str(report_line.quantity),
        report_line.unit,
        report_line.service_object_label or "",
        report_line.service_task_label or "",
    ]
    if priced:
        cells.append(str(report_line.amount))
    return cells


def test_work_description_in_every_format_has_the_lines_of_the_model() -> None:
    order = boiler_order(
        GENERATED_ID,
        line(HOUR, "2", "40.00", "85.00", description="Service", service_object_id="BOILER-1"),
        line(ITEM, "1", "10.00", "15.00", description="Gasket <b>", service_task_id="INSPECT"),
    )
    document = work_description(order, objects=[boiler()])
    page_text = document.render_html("Europe/Paris")
    page = parse_page(page_text)
    table = page.tables["lines"]
    assert table.body == [line_cells(each, priced=False) for each in document.lines]
    assert table.foot == []
    assert "Gasket &lt;b&gt;" in page_text
    assert "Gas boiler &lt;X200&gt;" in page_text
    assert_self_contained(page_text)
    head, *body = csv_rows(document.render_csv())
    assert head[:3] == ["number", "transaction_type", "description"]
    assert [cells[:7] for cells in body] == [
        [
            *line_cells(each, priced=False)[:5],
            each.service_object_label or "",
            each.service_task_label or "",
        ]
        for each in document.lines
    ]
    assert [cells[8] for cells in body] == [str(each.transaction_date) for each in document.lines]
    loaded = json_document(document.render_json("Europe/Paris"))
    assert loaded["facts"]["customer_id"] == "C-100"
    assert [row["description"] for row in loaded["tables"]["lines"]["rows"]] == [
        each.description for each in document.lines
    ]
    assert [row["number"] for row in loaded["tables"]["lines"]["rows"]] == [1, 2]


def test_work_receipt_in_every_format_has_the_lines_and_the_total() -> None:
    receipt = work_receipt(signed_order())
    page = parse_page(receipt.render_html("Europe/Paris"))
    table = page.tables["lines"]
    assert table.body == [line_cells(each, priced=True) for each in receipt.lines]
    (total,) = receipt.totals
    assert table.foot == [["", "", "Total", "", "", "", "", str(total)]]
    head, *body = csv_rows(receipt.render_csv())
    assert head[-2:] == ["currency", "amount"]
    assert [Money(Decimal(cells[-1]), cells[-2]) for cells in body] == [
        each.amount for each in receipt.lines
    ]
    loaded = json_document(receipt.render_json())
    (total_row,) = loaded["tables"]["lines"]["totals"]
    assert Money(Decimal(total_row["amount"]), total_row["currency"]) == total
    assert loaded["facts"]["signed_off_at"].startswith("2026-")


# ---------------------------------------------------------------------------- invoices


def invoice() -> Invoice:
    return Invoice(
        id="INV-1",
        customer_id="C-1",
        currency=Money.zero("EUR").currency,
        invoice_date=date(2026, 3, 31),
        lines=(
            InvoiceLine(
                source_kind=SourceKind.FEE,
                source_id="S-1:2026-03-01:2026-04-01:charge",
                description="Monthly <fee>",
                service_date=date(2026, 3, 1),
                quantity=Decimal(1),
                unit_price=Money(200, "EUR"),
                amount=Money(200, "EUR"),
                subscription_id="S-1",
            ),
            InvoiceLine(
                source_kind=SourceKind.ORDER_TRANSACTION,
                source_id="JT-7",
                description="Filter",
                service_date=date(2026, 3, 5),
                quantity=Decimal(2),
                unit_price=Money.of("16.50", "EUR"),
                amount=Money(33, "EUR"),
            ),
        ),
    )


def credit() -> Invoice:
    return Invoice(
        id="CN-1",
        kind=DocumentKind.CREDIT_NOTE,
        customer_id="C-1",
        currency=Money.zero("EUR").currency,
        invoice_date=date(2026, 4, 2),
        lines=(
            InvoiceLine(
                source_kind=SourceKind.FEE,
                source_id="S-1:2026-03-01:2026-04-01:charge",
                description="Monthly fee",
                service_date=date(2026, 3, 1),
                quantity=Decimal(1),
                unit_price=Money(200, "EUR"),
                amount=Money(-50, "EUR"),
                credited_invoice_id="INV-1",
                subscription_id="S-1",
            ),
        ),
    )


@pytest.mark.parametrize("build", [invoice, credit])
def test_invoice_documents_in_every_format_have_the_lines_and_the_total(build: Any) -> None:
    posted: Invoice = build()
    document = invoice_document(posted)
    text = document.render_text()
    title = "Credit note CN-1" if posted.kind is DocumentKind.CREDIT_NOTE else "Invoice INV-1"
    assert text.splitlines()[0] == title
    assert text.splitlines()[-1].split()[-2:] == str(posted.total).split()
    page_text = document.render_html()
    assert_self_contained(page_text)
    page = parse_page(page_text)
    table = page.tables["lines"]
    crediting = posted.kind is DocumentKind.CREDIT_NOTE
    assert table.body == [
        [
            str(number),
            each.description,
            each.service_date.isoformat(),
            str(each.quantity),
            str(each.unit_price),
            str(each.amount),
            *([each.credited_invoice_id or ""] if crediting else []),
        ]
        for number, each in enumerate(posted.lines, start=1)
    ]
    assert table.foot == [
        ["", "Total", "", "", "", str(posted.total), *([""] if crediting else [])]
    ]
    head, *body = csv_rows(document.render_csv())
    records = [dict(zip(head, cells, strict=True)) for cells in body]
    assert [
        InvoiceLine(
            source_kind=SourceKind(each["source_kind"]),
            source_id=each["source_id"],
            description=each["description"],
            service_date=date.fromisoformat(each["service_date"]),
            quantity=Decimal(each["quantity"]),
            unit_price=Money(Decimal(each["unit_price"]), each["currency"]),
            amount=Money(Decimal(each["amount"]), each["currency"]),
            credited_invoice_id=each["credited_invoice_id"] or None,
            subscription_id=each["subscription_id"] or None,
        )
        for each in records
    ] == list(posted.lines)
    loaded = json_document(document.render_json())
    assert loaded["report"] == posted.kind.value
    assert loaded["facts"]["id"] == posted.id
    assert loaded["facts"]["total"] == str(posted.total)
    assert [row["source_id"] for row in loaded["tables"]["lines"]["rows"]] == [
        each.source_id for each in posted.lines
    ]
    assert "&lt;fee&gt;" in page_text or "<fee>" not in text


def test_invoice_document_refuses_what_is_not_an_invoice() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        invoice_document("INV-1")  # type: ignore[arg-type]
    assert caught.value.field == "invoice"


# ---------------------------------------------------------------- the shared machinery


def test_render_picks_the_format_by_name_and_refuses_an_unknown_one() -> None:
    view = margin_report(orders()).view()
    assert render(view, "csv") == margin_report(orders()).render_csv()
    assert render(view, "text").startswith("Service order margin\n")
    with pytest.raises(InvalidInputError) as caught:
        render(view, "xml")
    assert (caught.value.field, caught.value.value) == ("format", "xml")
    assert "text, csv, json, html" in str(caught.value)
    with pytest.raises(TypeMismatchError):
        render(view, 1)  # type: ignore[arg-type]


def test_a_table_row_without_one_cell_per_column_is_refused() -> None:
    with pytest.raises(ValueError, match="rows=") as caught:
        ReportTable("t", "", [ReportColumn("a", "A")], [("x", "y")])
    assert type(caught.value).__module__ == "servicedomain.errors"


def test_html_escapes_every_value() -> None:
    view = ReportView(
        key="k",
        title="<script>alert(1)</script>",
        description='"quoted" & <b>',
        facts=[("f", "<i>label</i>", "<img src=x onerror=alert(1)>")],
        tables=[ReportTable("t", "<t>", [ReportColumn("a", "<a>")], [("<td>",)])],
    )
    page_text = render(view, "html")
    assert "<script>" not in page_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page_text
    assert "<img" not in page_text
    assert_self_contained(page_text)
    assert parse_page(page_text).tables["t"].body == [["<td>"]]


def test_html_without_jinja2_names_the_extra_and_other_formats_still_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)  # import jinja2 raises ImportError
    html_module._environment.cache_clear()
    report = margin_report(orders())
    try:
        with pytest.raises(MissingExtraError) as caught:
            report.render_html()
        assert isinstance(caught.value, ImportError)
        assert (caught.value.package, caught.value.extra) == ("jinja2", "reports")
        assert "pip install 'servicedomain[reports]'" in str(caught.value)
        assert report.render_text().startswith("Service order margin")
        assert csv_rows(report.render_csv())[0][0] == "order_id"
        assert json_document(report.render_json())["report"] == "margin"
    finally:
        html_module._environment.cache_clear()


def test_the_package_imports_and_renders_text_csv_json_without_jinja2() -> None:
    script = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "jinja2" or name.startswith("jinja2."):
            raise ModuleNotFoundError(name)
import sys; sys.meta_path.insert(0, Block())
import servicedomain, servicedomain.reports as reports
from servicedomain.errors import MissingExtraError
report = reports.margin_report([])
print(report.render_text().splitlines()[0], report.render_csv().split(",")[0])
print(reports.render_json(report.view()).count("margin") > 0)
try:
    report.render_html()
except MissingExtraError as error:
    print(error.extra)
print("jinja2" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.splitlines() == [
        "Service order margin order_id",
        "True",
        "reports",
        "False",
    ]


def test_a_report_view_with_an_instant_fact_round_trips_through_json() -> None:
    # A datetime is a date too: the cell codec tagged it "date" and read back a date.
    view = work_receipt(signed_order()).view()
    signed = {key: value for key, _label, value in view.facts}["signed_off_at"]
    assert type(signed) is datetime
    assert loads(ReportView, dumps(view)) == view


@pytest.mark.parametrize("breaks", ["\n", "\r\n", "\x1e", "\u2028"])
def test_a_text_report_keeps_a_cell_with_a_line_break_on_its_row(breaks: str) -> None:
    # A description typed on two lines (or holding a separator a reader splits lines on)
    # broke the row over two lines and misaligned the columns after it.
    view = ReportView(
        key="r",
        title="R",
        tables=[
            ReportTable(
                "t",
                "",
                [ReportColumn("what", "What"), ReportColumn("n", "N", "number")],
                [(f"first{breaks}second", 1), ("other", 22)],
            )
        ],
    )
    lines = render_text(view).splitlines()
    assert lines == ["R", "What          N", "-" * 15, "first second  1", "other        22"]
