"""Reports: service order margin, work description and work receipt."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders_fixtures import AT, boiler, boiler_order, line
from servicedomain.errors import TypeMismatchError
from servicedomain.money import Money
from servicedomain.orders import TransactionType
from servicedomain.reports import margin_report, work_description, work_receipt
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH

HOUR, ITEM, FEE, EXPENSE = (
    TransactionType.HOUR,
    TransactionType.ITEM,
    TransactionType.FEE,
    TransactionType.EXPENSE,
)


def eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


def test_margin_per_order_and_type_excludes_canceled_lines() -> None:
    order = boiler_order(
        "SO-1",
        line(HOUR, "2", "40.00", "85.00"),
        line(HOUR, "0.333", "40.00", "85.00"),
        line(ITEM, "1", "120.00", "180.00"),
        line(FEE, "1", "0.00", "25.00"),
    )
    order, _ = order.cancel_line(GRAPH, 4, at=AT)
    report = margin_report([order])
    rows = {row.transaction_type: row for row in report.rows}
    assert set(rows) == {HOUR, ITEM}
    # 2 x 85.00 + 0.333 x 85.00 (28.305 -> 28.31, rounded once per line)
    assert rows[HOUR].revenue == eur("198.31")
    assert rows[HOUR].cost == eur("93.32")  # 80.00 + 13.32
    assert rows[HOUR].margin == eur("104.99")
    assert rows[HOUR].margin_percent == Decimal("52.94")
    assert rows[ITEM].margin_percent == Decimal("33.33")
    (total,) = report.order_totals("SO-1")
    assert total.revenue == eur("378.31")
    assert total.cost == eur("213.32")
    assert total.margin == eur("164.99")


def test_margin_totals_across_orders_and_currencies() -> None:
    first = boiler_order("SO-1", line(HOUR, "1", "40.00", "100.00"))
    second = boiler_order("SO-2", line(HOUR, "3", "10.00", "10.00"))
    third = boiler_order("SO-3", line(EXPENSE, "1", "5.00", "7.00", currency="USD"))
    report = margin_report([first, second, third])
    assert report.order_ids == ("SO-1", "SO-2", "SO-3")
    eur_total, usd_total = report.totals
    assert (eur_total.revenue, eur_total.cost) == (eur("130.00"), eur("70.00"))
    assert eur_total.margin_percent == Decimal("46.15")
    assert usd_total.margin == Money(2, "USD")
    text = report.render_text()
    assert "SO-2" in text
    assert "60.00 EUR" in text
    assert "46.15%" in text


def test_margin_percent_without_revenue_is_not_a_number() -> None:
    report = margin_report([boiler_order("SO-1", line(EXPENSE, "1", "5.00", "0.00"))])
    (row,) = report.rows
    assert row.margin == eur("-5.00")
    assert row.margin_percent is None
    assert "n/a" in report.render_text()


def test_margin_of_nothing_is_empty() -> None:
    report = margin_report([])
    assert report.rows == ()
    assert report.totals == ()


def test_margin_refuses_what_is_not_an_order() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        margin_report(["SO-1"])  # type: ignore[list-item]
    assert caught.value.field == "orders[0]"


def test_work_description_lists_the_work_to_perform() -> None:
    order = boiler_order(
        "SO-1",
        line(HOUR, "2", "40.00", "85.00", description="Service", service_object_id="BOILER-1"),
        line(ITEM, "1", "10.00", "15.00", description="Gasket", service_task_id="INSPECT"),
    )
    order, _ = order.cancel_line(GRAPH, 2, at=AT)
    assert work_description(order).lines[0].service_object_label == "BOILER-1"
    document = work_description(order, objects=[boiler()])
    assert [each.number for each in document.lines] == [1]
    assert document.lines[0].amount is None
    text = document.render_text("Europe/Paris")
    assert "Work description: service order SO-1" in text
    assert "BOILER-1 Gas boiler <X200>" in text
    assert "Gasket" not in text
    html_text = document.render_html()
    assert "Gas boiler &lt;X200&gt;" in html_text
    assert "<X200>" not in html_text


def test_work_receipt_lists_signed_off_work_with_amounts() -> None:
    order = boiler_order(
        "SO-1",
        line(HOUR, "2", "40.00", "85.00", description="Service"),
        line(ITEM, "1", "10.00", "15.00", description="Gasket"),
        line(FEE, "1", "0.00", "25.00", description="Call-out"),
    )
    order, _ = order.cancel_line(GRAPH, 3, at=AT)
    unsigned = work_receipt(order)
    assert unsigned.lines == ()
    assert "not signed off" in unsigned.render_text()
    order, _ = order.sign_off(at=AT)
    receipt = work_receipt(order)
    assert [each.number for each in receipt.lines] == [1, 2]
    assert receipt.totals == (eur("185.00"),)
    text = receipt.render_text("Europe/Paris")
    assert "Signed off: 2026-03-02 10:00+01:00" in text
    assert text.splitlines()[-1].split() == ["Total", "185.00", "EUR"]
    assert "Call-out" not in text
    page = receipt.render_html()
    foot = page[page.index("<tfoot>") : page.index("</tfoot>")]
    assert ">Total<" in foot
    assert '<td class="num">185.00 EUR</td>' in foot


def test_work_documents_refuse_what_is_not_an_order() -> None:
    with pytest.raises(TypeMismatchError):
        work_receipt("SO-1")  # type: ignore[arg-type]
    with pytest.raises(TypeMismatchError):
        work_description(None)  # type: ignore[arg-type]
