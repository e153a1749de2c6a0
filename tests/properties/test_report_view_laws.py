"""Every format of a report carries the rows of its one data model (issue 15, item 2)."""

from __future__ import annotations

from hypothesis import given

from report_parsing import csv_rows, json_document, parse_page
from servicedomain.reports import (
    InvoiceDocument,
    ReportView,
    render_csv,
    render_html,
    render_json,
    render_text,
)
from servicedomain.reports._views import plain
from servicedomain.testing.domain_strategies import invoice_documents, report_views


@given(report_views())
def test_every_format_of_a_report_shows_the_rows_of_its_view(view: ReportView) -> None:
    page = parse_page(render_html(view))
    assert list(page.tables) == [table.key for table in view.tables]
    for table in view.tables:
        parsed = page.tables[table.key]
        assert parsed.head == [column.label for column in table.shown_columns]
        assert parsed.body == table.shown_rows
        assert parsed.foot == table.shown_totals
    main = view.tables[0]
    head, *body = csv_rows(render_csv(view))
    assert head == [column.key for column in main.columns]
    assert body == [["" if cell is None else str(plain(cell)) for cell in row] for row in main.rows]
    loaded = json_document(render_json(view))
    for table in view.tables:
        assert loaded["tables"][table.key]["rows"] == table.records
        assert loaded["tables"][table.key]["totals"] == table.total_records
    text = render_text(view).splitlines()
    for table in view.tables:
        for shown in table.shown_rows:
            assert any(line.split() == " ".join(shown).split() for line in text), shown


@given(invoice_documents())
def test_M7_an_invoice_document_totals_its_lines(document: InvoiceDocument) -> None:
    view = document.view()
    (lines,) = view.tables
    amounts = [row[[c.key for c in lines.columns].index("amount")] for row in lines.rows]
    assert amounts == [line.amount for line in document.invoice.lines]
    ((*_, total, _credited),) = lines.totals
    assert total == document.invoice.total
