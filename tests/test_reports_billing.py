"""Reports: Transaction - subscription and Subscription fee transactions (catalog 5)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import attrs
import pytest

from billing_fixtures import CLOCK, billing_desk_over
from report_parsing import assert_self_contained, json_document, parse_page
from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork
from servicedomain.adapters.memory import InMemoryJournal, InMemoryStore
from servicedomain.billing import (
    AccrualEntry,
    AccrualEntryKind,
    AccrualMethod,
    AccrualPeriod,
    FeeKind,
    FeeTransaction,
    InvoicedItem,
    Subscription,
    SubscriptionGroup,
    reduce_days,
)
from servicedomain.errors import TypeMismatchError
from servicedomain.money import Money
from servicedomain.periods import MONTHLY, QUARTERLY, DateRange
from servicedomain.reports import (
    SubscriptionFeeReport,
    SubscriptionFeeRow,
    SubscriptionTransactionRow,
    SubscriptionTransactionsReport,
    render_subscription_fee_summary_csv,
    render_subscription_fee_summary_html,
    render_subscription_fee_summary_json,
    render_subscription_fee_summary_text,
    render_subscription_transactions_csv,
    render_subscription_transactions_html,
    render_subscription_transactions_json,
    render_subscription_transactions_text,
    subscription_fee_summary,
    subscription_fee_totals,
    subscription_transactions,
)
from servicedomain.testing.billing_strategies import creation_fields

CHARGE, REDUCTION = FeeKind.CHARGE, FeeKind.REDUCTION_DAYS
INV_EUR, INV_SEK = "INV-C-1-EUR-20230331-1", "INV-C-2-SEK-20230331-1"
D = date


def eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


def sek(text: str) -> Money:
    return Money(Decimal(text), "SEK")


@attrs.frozen
class Scenario:
    fees: list[FeeTransaction]
    invoiced: dict[str, InvoicedItem]
    accruals: list[AccrualPeriod]
    journal: InMemoryJournal[AccrualEntry]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """Three subscriptions through the billing desk: generate, reduce, invoice, accrue, credit.

    * SUB-A, monthly 200.00 EUR from March 2023 (no accrual): March and April billed,
      Mar 10-11 removed from March (-12.90, catalog), March invoiced.
    * SUB-B, quarterly 300.00 EUR from 2023 (accrued per day, monthly): Q1 invoiced and
      split 103.34 / 93.33 / 103.33 (catalog); January and February accrued; then
      30.00 credited (shares 10.34 / 9.33 / 10.33, the posted ones reversed).
    * SUB-C, quarterly 1200.00 SEK from 2023, another customer: Q1 invoiced, split
      413.34 / 373.33 / 413.33, January and February accrued.
    """
    store = InMemoryStore()
    monthly = SubscriptionGroup(id="M", invoicing_period_code=MONTHLY)
    quarterly = SubscriptionGroup(
        id="Q",
        invoicing_period_code=QUARTERLY,
        accrual_period_code=MONTHLY,
        accrue_revenue=True,
        accrual_method=AccrualMethod.PER_DAY,
    )
    groups = {"M": monthly, "Q": quarterly}
    for sub_id, group, customer, price, start in (
        ("SUB-A", monthly, "C-1", eur("200.00"), D(2023, 3, 1)),
        ("SUB-B", quarterly, "C-1", eur("300.00"), D(2023, 1, 1)),
        ("SUB-C", quarterly, "C-2", sek("1200.00"), D(2023, 1, 1)),
    ):
        subscription = Subscription(
            id=sub_id,
            group_id=group.id,
            customer_id=customer,
            project_id="P-1",
            category_id="FEE",
            period_code=group.invoicing_period_code,
            base_price=price,
            start_date=start,
        )
        billing_desk_over(
            InMemoryBillingUnitOfWork(store), CLOCK, groups=group
        ).create_subscription(group_id=group.id, **creation_fields(subscription))
    billing_desk_over(InMemoryBillingUnitOfWork(store), CLOCK).generate_fees(as_of=D(2023, 4, 1))
    with InMemoryBillingUnitOfWork(store) as uow:
        fees = uow.fees.for_subscription("SUB-A")
        reduction = reduce_days(
            uow.subscriptions.get("SUB-A"),
            fees,
            charge=fees[0],
            removed=DateRange.inclusive(D(2023, 3, 10), D(2023, 3, 11)),
        )
        uow.fees.add_all([reduction])
        uow.commit()
    invoices = billing_desk_over(
        InMemoryBillingUnitOfWork(store), CLOCK, groups=groups
    ).invoice_customers(due_by=D(2023, 3, 31), invoice_date=D(2023, 3, 31))
    assert [invoice.id for invoice in invoices] == [INV_EUR, INV_SEK]
    journal = InMemoryJournal[AccrualEntry]("ACR")
    billing_desk_over(InMemoryBillingUnitOfWork(store), CLOCK, journal=journal).accrue_revenue(
        through=D(2023, 2, 28), posting_date=D(2023, 3, 1)
    )
    q1 = "SUB-B:2023-01-01:2023-04-01:charge"
    billing_desk_over(
        InMemoryBillingUnitOfWork(store), CLOCK, groups=groups, journal=journal
    ).credit_invoiced(
        credit_note_id="CN-1", credit_date=D(2023, 3, 31), select=[q1], amounts={q1: eur("30.00")}
    )
    uow = InMemoryBillingUnitOfWork(store)
    every = [fee for sub in ("SUB-A", "SUB-B", "SUB-C") for fee in uow.fees.for_subscription(sub)]
    return Scenario(
        fees=every,
        invoiced=uow.invoices.invoiced(fee.id for fee in every),
        accruals=[period for fee in every for period in uow.accruals.for_source(fee.id)],
        journal=journal,
    )


def transactions(scenario: Scenario) -> tuple[SubscriptionTransactionRow, ...]:
    # Given in reverse: the report sorts.
    return subscription_transactions(
        reversed(scenario.fees), scenario.invoiced, iter(scenario.accruals)
    )


def summary(scenario: Scenario) -> tuple[SubscriptionFeeRow, ...]:
    return subscription_fee_summary(scenario.fees, scenario.invoiced, scenario.accruals)


# ---------------------------------------------------------------------- the rows


def test_the_scenario_posted_what_the_rows_rely_on(scenario: Scenario) -> None:
    entries = [entry for _id, entry in scenario.journal.recorded]
    accrued = [
        (e.source_id[:5], e.number, e.amount) for e in entries if e.kind is AccrualEntryKind.ACCRUE
    ]
    assert accrued == [
        ("SUB-B", 0, eur("103.34")),
        ("SUB-B", 1, eur("93.33")),
        ("SUB-C", 0, sek("413.34")),
        ("SUB-C", 1, sek("373.33")),
    ]
    reversed_ = [(e.number, e.amount) for e in entries if e.reference == "CN-1"]
    assert reversed_ == [(0, eur("10.34")), (1, eur("9.33"))]


def test_one_transaction_row_per_fee_with_invoice_credit_and_accrual(scenario: Scenario) -> None:
    got = [
        (
            row.subscription_id,
            row.kind,
            row.first_day,
            row.last_day,
            row.amount,
            row.due_date,
            row.invoice_id,
            row.credited,
            row.accrued,
        )
        for row in transactions(scenario)
    ]
    zero_eur, zero_sek = eur("0.00"), sek("0.00")
    a_march, a_april = (D(2023, 3, 1), D(2023, 3, 31)), (D(2023, 4, 1), D(2023, 4, 30))
    reduced = (D(2023, 3, 10), D(2023, 3, 11))
    q1, q2 = (D(2023, 1, 1), D(2023, 3, 31)), (D(2023, 4, 1), D(2023, 6, 30))
    assert got == [
        ("SUB-A", CHARGE, *a_march, eur("200.00"), D(2023, 3, 1), INV_EUR, zero_eur, zero_eur),
        ("SUB-A", REDUCTION, *reduced, eur("-12.90"), D(2023, 3, 1), INV_EUR, zero_eur, zero_eur),
        ("SUB-A", CHARGE, *a_april, eur("200.00"), D(2023, 4, 1), None, zero_eur, zero_eur),
        # 103.34 - 10.34 + 93.33 - 9.33; March (103.33 - 10.33) is not accrued yet.
        ("SUB-B", CHARGE, *q1, eur("300.00"), D(2023, 1, 1), INV_EUR, eur("30.00"), eur("177.00")),
        ("SUB-B", CHARGE, *q2, eur("300.00"), D(2023, 4, 1), None, zero_eur, zero_eur),
        ("SUB-C", CHARGE, *q1, sek("1200.00"), D(2023, 1, 1), INV_SEK, zero_sek, sek("786.67")),
        ("SUB-C", CHARGE, *q2, sek("1200.00"), D(2023, 4, 1), None, zero_sek, zero_sek),
    ]
    first = transactions(scenario)[0]
    assert first.fee_id == "SUB-A:2023-03-01:2023-04-01:charge"
    assert first.currency.code == "EUR"


def test_fee_summary_per_subscription_and_billing_period(scenario: Scenario) -> None:
    rows = summary(scenario)
    got = [
        (
            row.subscription_id,
            row.first_day,
            row.last_day,
            row.fee,
            row.invoiced,
            row.credited,
            row.accrued,
        )
        for row in rows
    ]
    z, zs = eur("0.00"), sek("0.00")
    q1 = (D(2023, 1, 1), D(2023, 3, 31))
    assert got == [
        # The reduction days count in the March billing period: 200.00 - 12.90.
        ("SUB-A", D(2023, 3, 1), D(2023, 3, 31), eur("187.10"), eur("187.10"), z, z),
        ("SUB-A", D(2023, 4, 1), D(2023, 4, 30), eur("200.00"), z, z, z),
        ("SUB-B", *q1, eur("300.00"), eur("300.00"), eur("30.00"), eur("177.00")),
        ("SUB-B", D(2023, 4, 1), D(2023, 6, 30), eur("300.00"), z, z, z),
        ("SUB-C", *q1, sek("1200.00"), sek("1200.00"), zs, sek("786.67")),
        ("SUB-C", D(2023, 4, 1), D(2023, 6, 30), sek("1200.00"), zs, zs, zs),
    ]
    assert not any(row.is_total for row in rows)


def test_totals_one_per_currency_exact(scenario: Scenario) -> None:
    rows = summary(scenario)
    totals = subscription_fee_totals(rows)
    assert totals == (
        SubscriptionFeeRow(
            subscription_id=None,
            first_day=None,
            last_day=None,
            fee=eur("987.10"),
            invoiced=eur("487.10"),
            credited=eur("30.00"),
            accrued=eur("177.00"),
        ),
        SubscriptionFeeRow(
            subscription_id=None,
            first_day=None,
            last_day=None,
            fee=sek("2400.00"),
            invoiced=sek("1200.00"),
            credited=sek("0.00"),
            accrued=sek("786.67"),
        ),
    )
    assert all(total.is_total for total in totals)
    # Total rows given back are skipped, never counted twice.
    assert subscription_fee_totals((*rows, *totals)) == totals
    assert subscription_fee_totals(()) == ()


def test_only_posted_unreversed_accrual_periods_count_as_accrued(scenario: Scenario) -> None:
    fee = scenario.fees[0]
    january = DateRange(D(2023, 1, 1), D(2023, 2, 1))

    def period(number: int, **more: date) -> AccrualPeriod:
        return AccrualPeriod(
            source_id=fee.id, number=number, period=january, amount=eur("10.00"), **more
        )

    periods = [
        period(0),
        period(1, posting_date=D(2023, 2, 1)),
        period(2, posting_date=D(2023, 2, 1), reversed_on=D(2023, 2, 2)),
        AccrualPeriod(source_id="other", number=0, period=january, amount=eur("99.00")),
    ]
    (row,) = subscription_transactions([fee], {}, periods)
    assert (row.invoice_id, row.credited, row.accrued) == (None, eur("0.00"), eur("10.00"))


def test_wrong_item_types_are_refused() -> None:
    with pytest.raises(TypeMismatchError) as fees_error:
        subscription_transactions([object()], {}, [])  # type: ignore[list-item]
    assert fees_error.value.field == "fees[0]"
    with pytest.raises(TypeMismatchError) as accruals_error:
        subscription_fee_summary([], {}, ["period"])  # type: ignore[list-item]
    assert accruals_error.value.field == "accruals[0]"


# ------------------------------------------------------------------------- CSV


def test_transactions_csv_parses_back_to_the_rows(scenario: Scenario) -> None:
    rows = transactions(scenario)
    reader = csv.DictReader(io.StringIO(render_subscription_transactions_csv(rows)))
    assert reader.fieldnames == [
        "subscription_id",
        "fee_id",
        "kind",
        "first_day",
        "last_day",
        "due_date",
        "currency",
        "amount",
        "invoice_id",
        "credited",
        "accrued",
    ]
    parsed = list(reader)
    assert len(parsed) == len(rows)
    for record, row in zip(parsed, rows, strict=True):
        currency = record["currency"]
        assert (
            SubscriptionTransactionRow(
                subscription_id=record["subscription_id"],
                fee_id=record["fee_id"],
                kind=FeeKind(record["kind"]),
                first_day=date.fromisoformat(record["first_day"]),
                last_day=date.fromisoformat(record["last_day"]),
                amount=Money.of(record["amount"], currency),
                due_date=date.fromisoformat(record["due_date"]),
                invoice_id=record["invoice_id"] or None,
                credited=Money.of(record["credited"], currency),
                accrued=Money.of(record["accrued"], currency),
            )
            == row
        )
    reduction = parsed[1]
    assert (reduction["kind"], reduction["amount"], reduction["first_day"]) == (
        "reduction_days",
        "-12.90",
        "2023-03-10",
    )


def test_fee_summary_csv_parses_back_with_totals(scenario: Scenario) -> None:
    rows = summary(scenario)
    totals = subscription_fee_totals(rows)
    text = render_subscription_fee_summary_csv((*rows, *totals))
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == [
        "subscription_id",
        "first_day",
        "last_day",
        "currency",
        "fee",
        "invoiced",
        "credited",
        "accrued",
    ]
    parsed = list(reader)
    for record, row in zip(parsed, (*rows, *totals), strict=True):
        currency = record["currency"]
        assert (
            SubscriptionFeeRow(
                subscription_id=record["subscription_id"] or None,
                first_day=date.fromisoformat(record["first_day"]) if record["first_day"] else None,
                last_day=date.fromisoformat(record["last_day"]) if record["last_day"] else None,
                fee=Money.of(record["fee"], currency),
                invoiced=Money.of(record["invoiced"], currency),
                credited=Money.of(record["credited"], currency),
                accrued=Money.of(record["accrued"], currency),
            )
            == row
        )
    assert parsed[-2] == {
        "subscription_id": "",
        "first_day": "",
        "last_day": "",
        "currency": "EUR",
        "fee": "987.10",
        "invoiced": "487.10",
        "credited": "30.00",
        "accrued": "177.00",
    }


def test_csv_of_nothing_is_the_header_row() -> None:
    assert render_subscription_transactions_csv(()) == (
        "subscription_id,fee_id,kind,first_day,last_day,due_date,currency,amount,"
        "invoice_id,credited,accrued\n"
    )
    assert render_subscription_fee_summary_csv(()) == (
        "subscription_id,first_day,last_day,currency,fee,invoiced,credited,accrued\n"
    )


# ------------------------------------------------------------------------ text


def _table(text: str) -> list[str]:
    """The lines after the title; they are all as wide (the last column is right-aligned)."""
    lines = text.splitlines()[1:]
    assert len({len(line) for line in lines}) == 1, text
    return lines


def test_transactions_text_has_the_header_the_rows_and_totals(scenario: Scenario) -> None:
    text = render_subscription_transactions_text(transactions(scenario))
    assert text.startswith("Transaction - subscription\n")
    header, *_ = lines = _table(text)
    assert " ".join(header.split()) == (
        "Subscription Kind First day Last day Due date Amount Invoice Credited Accrued"
    )
    assert len(lines) == 1 + 1 + 7 + 1 + 2  # header, rule, rows, rule, totals
    assert lines[3].split() == [
        "SUB-A",
        "reduction_days",
        "2023-03-10",
        "2023-03-11",
        "2023-03-01",
        "-12.90",
        "EUR",
        INV_EUR,
        "0.00",
        "EUR",
        "0.00",
        "EUR",
    ]
    assert lines[4].split()[7] == "-"  # SUB-A April: on no invoice
    assert lines[-2].split() == ["Total", "987.10", "EUR", "30.00", "EUR", "177.00", "EUR"]
    assert lines[-1].split() == ["Total", "2400.00", "SEK", "0.00", "SEK", "786.67", "SEK"]


def test_fee_summary_text_has_the_header_the_rows_and_totals(scenario: Scenario) -> None:
    rows = summary(scenario)
    text = render_subscription_fee_summary_text(rows)
    assert text.startswith("Subscription fee transactions\n")
    lines = _table(text)
    assert " ".join(lines[0].split()) == (
        "Subscription First day Last day Fee Invoiced Credited Accrued"
    )
    assert lines[2].split()[:5] == ["SUB-A", "2023-03-01", "2023-03-31", "187.10", "EUR"]
    assert lines[-2].split() == (
        ["Total", "987.10", "EUR", "487.10", "EUR", "30.00", "EUR", "177.00", "EUR"]
    )
    assert lines[-1].split() == (
        ["Total", "2400.00", "SEK", "1200.00", "SEK", "0.00", "SEK", "786.67", "SEK"]
    )
    # Total rows given with the rows are not printed twice.
    assert render_subscription_fee_summary_text((*rows, *subscription_fee_totals(rows))) == text


def test_text_of_nothing_is_the_title_and_the_header() -> None:
    assert render_subscription_transactions_text(()) == (
        "Transaction - subscription\n"
        "Subscription Kind First day Last day Due date Amount Invoice Credited Accrued\n"
        + "-" * 77
        + "\n"
    )
    assert render_subscription_fee_summary_text(()) == (
        "Subscription fee transactions\n"
        "Subscription First day Last day Fee Invoiced Credited Accrued\n" + "-" * 61 + "\n"
    )
    assert subscription_transactions([], {}, []) == ()
    assert subscription_fee_summary([], {}, []) == ()


# ------------------------------------------------- HTML and JSON views (issue 15, item 2)


def _transaction_cells(row: SubscriptionTransactionRow) -> list[str]:
    return [
        row.subscription_id,
        row.kind.value,
        row.first_day.isoformat(),
        row.last_day.isoformat(),
        row.due_date.isoformat(),
        str(row.amount),
        row.invoice_id or "-",
        str(row.credited),
        str(row.accrued),
    ]


def _fee_cells(row: SubscriptionFeeRow) -> list[str]:
    return [
        row.subscription_id or "Total",
        row.first_day.isoformat() if row.first_day else "",
        row.last_day.isoformat() if row.last_day else "",
        str(row.fee),
        str(row.invoiced),
        str(row.credited),
        str(row.accrued),
    ]


def test_transactions_html_table_has_exactly_the_rows_and_totals(scenario: Scenario) -> None:
    rows = transactions(scenario)
    report = SubscriptionTransactionsReport(rows)
    page_text = render_subscription_transactions_html(rows)
    assert page_text == report.render_html()
    assert_self_contained(page_text)
    (table,) = parse_page(page_text).tables.values()
    assert table.head[:3] == ["Subscription", "Kind", "First day"]
    assert table.body == [_transaction_cells(row) for row in rows]
    assert [cells[5] for cells in table.foot] == [str(amount) for amount, _c, _a in report.totals]
    assert [cells[0] for cells in table.foot] == ["Total", "Total"]  # EUR and SEK


def test_transactions_json_loads_to_the_rows(scenario: Scenario) -> None:
    rows = transactions(scenario)
    document = json_document(render_subscription_transactions_json(rows))
    table = document["tables"]["rows"]
    back = tuple(
        SubscriptionTransactionRow(
            subscription_id=each["subscription_id"],
            fee_id=each["fee_id"],
            kind=FeeKind(each["kind"]),
            first_day=date.fromisoformat(each["first_day"]),
            last_day=date.fromisoformat(each["last_day"]),
            amount=Money.of(each["amount"], each["currency"]),
            due_date=date.fromisoformat(each["due_date"]),
            invoice_id=each["invoice_id"],
            credited=Money.of(each["credited"], each["currency"]),
            accrued=Money.of(each["accrued"], each["currency"]),
        )
        for each in table["rows"]
    )
    assert back == rows
    assert [(t["currency"], t["amount"]) for t in table["totals"]] == [
        (amount.currency.code, format(amount.amount, "f"))
        for amount, _c, _a in SubscriptionTransactionsReport(rows).totals
    ]


def test_fee_summary_html_table_has_the_rows_and_a_chart_of_fees_per_period(
    scenario: Scenario,
) -> None:
    rows = summary(scenario)
    totals = subscription_fee_totals(rows)
    page_text = render_subscription_fee_summary_html((*rows, *totals))  # totals not twice
    assert_self_contained(page_text)
    page = parse_page(page_text)
    (table,) = page.tables.values()
    assert table.body == [_fee_cells(row) for row in rows]
    assert table.foot == [_fee_cells(row) for row in totals]
    # Fees, then accrued: one chart per currency, one bar per billing period.
    report = SubscriptionFeeReport(rows)
    expected = [
        len([p for p in schedule if p[2].currency.code == code])
        for schedule in (report.fees_per_period, report.accrued_per_period)
        for code in ("EUR", "SEK")
    ]
    assert [svg.count("rect") for svg in page.svgs] == expected
    assert all(svg for svg in page.svgs)
    march_eur = next(
        p for p in report.fees_per_period if p[0] == D(2023, 3, 1) and p[2].currency.code == "EUR"
    )
    assert march_eur[2] == sum(
        (row.fee for row in rows if row.first_day == D(2023, 3, 1) and row.currency.code == "EUR"),
        eur("0"),
    )
    q1_sek = next(p for p in report.accrued_per_period if p[2].currency.code == "SEK")
    assert q1_sek[2] == sum((row.accrued for row in rows if row.currency.code == "SEK"), sek("0"))
    titles = [attributes.get("aria-label") for tag, attributes in page.tags if tag == "svg"]
    assert titles == [
        "Fees per billing period (EUR)",
        "Fees per billing period (SEK)",
        "Accrued per billing period (EUR)",
        "Accrued per billing period (SEK)",
    ]


def test_fee_summary_json_loads_to_the_rows_and_totals(scenario: Scenario) -> None:
    rows = summary(scenario)
    document = json_document(render_subscription_fee_summary_json(rows))
    table = document["tables"]["rows"]

    def back(each: dict[str, str | None]) -> SubscriptionFeeRow:
        currency = each["currency"] or ""
        return SubscriptionFeeRow(
            subscription_id=each["subscription_id"],
            first_day=date.fromisoformat(each["first_day"]) if each["first_day"] else None,
            last_day=date.fromisoformat(each["last_day"]) if each["last_day"] else None,
            fee=Money.of(each["fee"] or "", currency),
            invoiced=Money.of(each["invoiced"] or "", currency),
            credited=Money.of(each["credited"] or "", currency),
            accrued=Money.of(each["accrued"] or "", currency),
        )

    assert tuple(back(each) for each in table["rows"]) == rows
    assert tuple(back(each) for each in table["totals"]) == subscription_fee_totals(rows)


def test_report_values_render_the_same_as_the_module_functions(scenario: Scenario) -> None:
    rows, fee_rows = transactions(scenario), summary(scenario)
    assert SubscriptionTransactionsReport(rows).render_text() == (
        render_subscription_transactions_text(rows)
    )
    assert SubscriptionTransactionsReport(rows).render_csv() == (
        render_subscription_transactions_csv(rows)
    )
    assert SubscriptionFeeReport(fee_rows).render_text() == (
        render_subscription_fee_summary_text(fee_rows)
    )
    assert SubscriptionFeeReport(fee_rows).render_csv() == (
        render_subscription_fee_summary_csv(fee_rows)
    )
    with pytest.raises(TypeMismatchError):
        SubscriptionTransactionsReport(fee_rows)  # type: ignore[arg-type]


def test_fee_charts_label_each_billing_period_by_its_first_and_last_day(
    scenario: Scenario,
) -> None:
    # SUB-A's April and SUB-B's second quarter both start on 2023-04-01: two bars, two labels.
    view = SubscriptionFeeReport(summary(scenario)).view()
    for chart in view.charts:
        labels = [label for label, _ in chart.bars]
        assert len(labels) == len(set(labels)), (chart.key, labels)
    eur_fees = next(
        c for c in view.charts if c.key.startswith("fees_per_period") and "EUR" in c.title
    )
    assert ("2023-04-01 .. 2023-04-30", eur("200.00")) in eur_fees.bars
    assert ("2023-04-01 .. 2023-06-30", eur("300.00")) in eur_fees.bars
