"""Billing: invoice proposals, invoices and credit notes, pure domain (catalog 5).

Laws: I1 (no source invoiced twice, one currency per invoice), M7 (invoice totals),
F8 (credits at most once, never for what was not invoiced), F10 (credits at the billed
price). Regressions: Lago PRs #738 (credit above what remains), #1776 (price changed
before the credit), #1755 (credit before the invoice exists).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest

from billing_fixtures import AT
from servicedomain.billing import (
    BillableTransaction,
    BillingTiming,
    DocumentKind,
    FeeKind,
    FeeTransaction,
    Invoice,
    InvoicedItem,
    InvoiceLine,
    SourceKind,
    Subscription,
    credit_note,
    generate_fees,
    next_document_id,
    propose_invoices,
    prorate,
    record_document,
    reduce_days,
)
from servicedomain.errors import (
    AlreadyInvoicedError,
    BillingRuleError,
    CreditExceededError,
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidInputError,
    ServiceDomainError,
    TypeMismatchError,
)
from servicedomain.money import Currency, Money
from servicedomain.periods import MONTHLY, QUARTERLY, Alignment, DateRange, PeriodCode

JAN = DateRange(date(2024, 1, 1), date(2024, 2, 1))
MARCH = DateRange(date(2024, 3, 1), date(2024, 4, 1))
JUNE = DateRange(date(2024, 6, 1), date(2024, 7, 1))  # 30 days


def money(amount: str | int, currency: str = "EUR") -> Money:
    return Money(Decimal(amount), currency)


def subscription(
    sub_id: str = "S-1",
    *,
    customer: str = "C-1",
    price: str = "100.00",
    currency: str = "EUR",
    start: date = date(2024, 1, 1),
    **changes: Any,
) -> Subscription:
    fields: dict[str, Any] = {
        "id": sub_id,
        "group_id": "M",
        "customer_id": customer,
        "project_id": "P-1",
        "category_id": "FEE",
        "period_code": MONTHLY,
        "base_price": money(price, currency),
        "start_date": start,
        **changes,
    }
    return Subscription(**fields)


def charges(sub: Subscription, as_of: date) -> tuple[FeeTransaction, ...]:
    return generate_fees(sub, as_of=as_of)


def transaction(
    transaction_id: str,
    *,
    customer: str = "C-1",
    day: date = date(2024, 1, 15),
    quantity: str = "2",
    price: str = "42.50",
    currency: str = "EUR",
) -> BillableTransaction:
    unit = money(price, currency)
    return BillableTransaction(
        id=transaction_id,
        customer_id=customer,
        project_id="P-1",
        order_id="SO-1",
        line_number=1,
        transaction_date=day,
        quantity=Decimal(quantity),
        sales_price=unit,
        amount=(unit * Decimal(quantity)).round(),
    )


def invoice_of(
    *sources: FeeTransaction | BillableTransaction,
    invoice_id: str = "INV-1",
    due_by: date = date(2099, 1, 1),
) -> Invoice:
    """The single invoice of ``sources`` (one customer and currency)."""
    fees = [source for source in sources if isinstance(source, FeeTransaction)]
    transactions = [source for source in sources if isinstance(source, BillableTransaction)]
    (proposal,) = propose_invoices(due_by=due_by, fees=fees, transactions=transactions)
    return proposal.post(invoice_id=invoice_id, invoice_date=due_by)


def recorded(*documents: Invoice) -> dict[str, InvoicedItem]:
    """The invoiced items after recording ``documents`` in order."""
    items: dict[str, InvoicedItem] = {}
    for document in documents:
        items.update(record_document(items, document))
    return items


def credit(
    items: Mapping[str, InvoicedItem],
    select: Sequence[str],
    *,
    credit_note_id: str = "CN-1",
    amounts: Mapping[str, Money] | None = None,
) -> Invoice:
    return credit_note(
        credit_note_id=credit_note_id,
        credit_date=date(2099, 1, 1),  # the day invoice_of() invoices on
        invoiced_items=items,
        select=select,
        amounts=amounts,
    )


def line(source_id: str, amount: Money, **changes: Any) -> InvoiceLine:
    fields: dict[str, Any] = {
        "source_kind": SourceKind.FEE,
        "source_id": source_id,
        "service_date": date(2024, 1, 1),
        "quantity": Decimal(1),
        "unit_price": amount,
        "amount": amount,
        **changes,
    }
    return InvoiceLine(**fields)


def invoice(*lines: InvoiceLine, currency: str = "EUR", **changes: Any) -> Invoice:
    fields: dict[str, Any] = {
        "id": "INV-1",
        "customer_id": "C-1",
        "currency": Currency.of(currency),
        "invoice_date": date(2024, 1, 1),
        "lines": lines,
        **changes,
    }
    return Invoice(**fields)


# ------------------------------------------------------------------------ proposals


def test_propose_invoices_gives_one_proposal_per_customer_and_currency() -> None:
    fees = [
        *charges(subscription("S-2", customer="C-2"), date(2024, 1, 1)),
        *charges(subscription("S-1", currency="USD"), date(2024, 1, 1)),
        *charges(subscription("S-3"), date(2024, 1, 1)),
    ]
    transactions = [transaction("T-1", day=date(2024, 1, 1), currency="USD")]
    proposals = propose_invoices(due_by=date(2024, 1, 1), fees=fees, transactions=transactions)
    assert [(p.customer_id, p.currency.code) for p in proposals] == [
        ("C-1", "EUR"),
        ("C-1", "USD"),
        ("C-2", "EUR"),
    ]
    assert [[line.source_id for line in p.lines] for p in proposals] == [
        ["S-3:2024-01-01:2024-02-01:charge"],
        ["S-1:2024-01-01:2024-02-01:charge", "T-1"],
        ["S-2:2024-01-01:2024-02-01:charge"],
    ]
    for proposal in proposals:
        assert {line.amount.currency for line in proposal.lines} == {proposal.currency}
        assert proposal.due_by == date(2024, 1, 1)


def test_propose_invoices_takes_only_what_is_due_by_the_date() -> None:
    fees = charges(subscription(), date(2024, 3, 1))  # due Jan 1, Feb 1, Mar 1
    transactions = [
        transaction("T-ON", day=date(2024, 2, 15)),
        transaction("T-AFTER", day=date(2024, 2, 16)),
    ]
    (proposal,) = propose_invoices(due_by=date(2024, 2, 15), fees=fees, transactions=transactions)
    assert [line.source_id for line in proposal.lines] == [
        "S-1:2024-01-01:2024-02-01:charge",
        "S-1:2024-02-01:2024-03-01:charge",
        "T-ON",
    ]
    # Due on the day itself: the date is inclusive.
    (on_the_day,) = propose_invoices(due_by=date(2024, 3, 1), fees=fees)
    assert len(on_the_day.lines) == 3
    assert propose_invoices(due_by=date(2023, 12, 31), fees=fees, transactions=transactions) == ()


def test_propose_invoices_bills_in_arrears_fees_once_their_period_ended() -> None:
    fees = charges(subscription(timing=BillingTiming.IN_ARREARS), date(2024, 3, 15))
    assert [fee.due_date for fee in fees] == [date(2024, 2, 1), date(2024, 3, 1)]
    assert propose_invoices(due_by=date(2024, 1, 31), fees=fees) == ()
    (proposal,) = propose_invoices(due_by=date(2024, 2, 1), fees=fees)
    assert [line.service_date for line in proposal.lines] == [date(2024, 1, 1)]


def test_propose_invoices_leaves_out_invoiced_sources() -> None:
    fees = charges(subscription(), date(2024, 2, 1))
    transactions = [transaction("T-1"), transaction("T-2")]
    invoiced = frozenset({fees[0].id, "T-1"})
    (proposal,) = propose_invoices(
        due_by=date(2024, 2, 1), fees=fees, transactions=transactions, invoiced_ids=invoiced
    )
    assert [line.source_id for line in proposal.lines] == ["T-2", fees[1].id]
    everything = frozenset({fee.id for fee in fees} | {"T-1", "T-2"})
    assert (
        propose_invoices(
            due_by=date(2024, 2, 1), fees=fees, transactions=transactions, invoiced_ids=everything
        )
        == ()
    )


def test_propose_invoices_for_one_customer_only() -> None:
    fees = [
        *charges(subscription("S-1"), date(2024, 1, 1)),
        *charges(subscription("S-2", customer="C-2"), date(2024, 1, 1)),
    ]
    transactions = [transaction("T-1", customer="C-2"), transaction("T-2")]
    (proposal,) = propose_invoices(
        due_by=date(2024, 1, 31), fees=fees, transactions=transactions, customer_id="C-2"
    )
    assert proposal.customer_id == "C-2"
    assert [line.source_id for line in proposal.lines] == [
        "S-2:2024-01-01:2024-02-01:charge",
        "T-1",
    ]
    assert propose_invoices(due_by=date(2024, 1, 31), fees=fees, customer_id="C-9") == ()


def test_propose_invoices_puts_fees_and_order_lines_together_in_service_date_order() -> None:
    fees = charges(subscription(), date(2024, 2, 1))
    transactions = [
        transaction("T-B", day=date(2024, 1, 20)),
        transaction("T-A", day=date(2024, 1, 20)),
        transaction("T-0", day=date(2024, 1, 1)),
    ]
    (proposal,) = propose_invoices(due_by=date(2024, 2, 1), fees=fees, transactions=transactions)
    assert [(line.service_date, line.source_id) for line in proposal.lines] == [
        (date(2024, 1, 1), "S-1:2024-01-01:2024-02-01:charge"),
        (date(2024, 1, 1), "T-0"),
        (date(2024, 1, 20), "T-A"),
        (date(2024, 1, 20), "T-B"),
        (date(2024, 2, 1), "S-1:2024-02-01:2024-03-01:charge"),
    ]
    fee_line, order_line = proposal.lines[0], proposal.lines[1]
    assert fee_line.source_kind is SourceKind.FEE
    assert (fee_line.quantity, fee_line.unit_price, fee_line.amount) == (
        Decimal(1),
        money("100.00"),
        money("100.00"),
    )
    assert order_line.source_kind is SourceKind.ORDER_TRANSACTION
    assert (order_line.quantity, order_line.unit_price, order_line.amount) == (
        Decimal(2),
        money("42.50"),
        money("85.00"),
    )
    assert order_line.description == "Service order SO-1 line 1"
    assert proposal.total == money("455.00")  # 2 x 100.00 + 3 x 85.00
    posted = proposal.post(invoice_id="INV-1", invoice_date=date(2024, 2, 2))
    assert posted.kind is DocumentKind.INVOICE
    assert (posted.customer_id, posted.currency, posted.invoice_date) == (
        "C-1",
        Currency.of("EUR"),
        date(2024, 2, 2),
    )
    assert posted.lines == proposal.lines
    assert posted.total == proposal.total


def test_propose_invoices_refuses_items_of_the_wrong_type() -> None:
    with pytest.raises(TypeMismatchError) as fee_error:
        propose_invoices(due_by=date(2024, 1, 1), fees=[transaction("T-1")])  # type: ignore[list-item]
    assert fee_error.value.field == "fees[0]"
    fees = charges(subscription(), date(2024, 1, 1))
    with pytest.raises(TypeMismatchError) as transaction_error:
        propose_invoices(due_by=date(2024, 1, 1), transactions=[*fees])  # type: ignore[list-item]
    assert transaction_error.value.field == "transactions[0]"


# -------------------------------------------------------------------------- invoices


def test_an_empty_invoice_is_refused() -> None:
    with pytest.raises(BillingRuleError) as error:
        invoice()
    assert error.value.rule == "invoice.not_empty"
    assert isinstance(error.value, ServiceDomainError)


def test_an_invoice_in_mixed_currencies_is_refused() -> None:
    with pytest.raises(CurrencyMismatchError) as error:
        invoice(line("A", money("1.00")), line("B", money("1.00", "USD")))
    assert error.value.field == "lines[1]"
    assert (error.value.left, error.value.right) == ("EUR", "USD")
    with pytest.raises(CurrencyMismatchError):
        invoice(line("A", money("1.00")), currency="USD")


def test_a_source_is_on_one_line_of_an_invoice_only() -> None:
    with pytest.raises(InvalidInputError) as error:
        invoice(line("A", money("1.00")), line("A", money("2.00")))
    assert error.value.field == "lines[1]"
    assert error.value.value == "A"


def test_only_credit_note_lines_name_the_invoice_they_credit() -> None:
    crediting = attrs.evolve(
        line("A", money("1.00")), amount=money("-1.00"), credited_invoice_id="INV-0"
    )
    with pytest.raises(InvalidInputError) as on_invoice:
        invoice(crediting, line("B", money("5.00")))
    assert on_invoice.value.field == "lines[0]"
    assert invoice(crediting, kind=DocumentKind.CREDIT_NOTE).total == money("-1.00")
    # A credit note may also bill a credit of its own (a cancellation credit).
    billed = invoice(line("A", money("-1.00")), kind=DocumentKind.CREDIT_NOTE)
    assert billed.lines[0].bills


def test_an_invoice_never_totals_below_zero() -> None:
    with pytest.raises(InvalidAmountError) as negative:
        invoice(line("A", money("1.00")), line("B", money("-2.00")))
    assert negative.value.field == "lines"


# ------------------------------------------------------------------ record_document


def test_I1_a_source_is_invoiced_once() -> None:
    fees = charges(subscription(), date(2024, 1, 1))
    first = invoice_of(*fees, transaction("T-1"), invoice_id="INV-1")
    items = recorded(first)
    assert set(items) == {fees[0].id, "T-1"}
    item = items["T-1"]
    assert (item.invoice_id, item.customer_id, item.amount) == ("INV-1", "C-1", money("85.00"))
    assert item.credited == money(0)
    assert item.creditable == money("85.00")
    again = invoice_of(transaction("T-1"), invoice_id="INV-2")
    with pytest.raises(AlreadyInvoicedError) as error:
        record_document(items, again)
    assert (error.value.source_id, error.value.invoice_id) == ("T-1", "INV-1")
    # record_document only reads: the refused invoice changed nothing.
    assert items["T-1"] == item


def test_F8_lago_1755_a_source_never_invoiced_cannot_be_credited() -> None:
    fees = charges(subscription(), date(2024, 2, 1))
    items = recorded(invoice_of(fees[0]))
    with pytest.raises(BillingRuleError) as error:
        credit(items, [fees[1].id])
    assert error.value.rule == "credit.not_invoiced"
    assert error.value.entity_id == fees[1].id
    # A credit note built by hand for it is refused when it is recorded, too.
    forged = invoice(
        attrs.evolve(
            InvoiceLine.for_fee(fees[1]), amount=-fees[1].amount, credited_invoice_id="INV-1"
        ),
        id="CN-X",
        kind=DocumentKind.CREDIT_NOTE,
    )
    with pytest.raises(BillingRuleError) as recorded_error:
        record_document(items, forged)
    assert recorded_error.value.rule == "credit.not_invoiced"
    # So is one that names the wrong invoice for an invoiced source.
    wrong_invoice = invoice(
        attrs.evolve(
            InvoiceLine.for_fee(fees[0]), amount=-fees[0].amount, credited_invoice_id="INV-9"
        ),
        id="CN-Y",
        kind=DocumentKind.CREDIT_NOTE,
    )
    with pytest.raises(BillingRuleError) as wrong_error:
        record_document(items, wrong_invoice)
    assert wrong_error.value.rule == "credit.not_invoiced"


def test_F8_lago_738_a_credit_above_what_can_still_be_credited_is_refused() -> None:
    (fee,) = charges(subscription(), date(2024, 1, 1))
    items = recorded(invoice_of(fee))
    with pytest.raises(CreditExceededError) as error:
        credit(items, [fee.id], amounts={fee.id: money("100.01")})
    assert error.value.source_id == fee.id
    assert error.value.requested == money("100.01")
    assert error.value.available == money("100.00")
    # A credit line above its own price x quantity cannot even be made (issue 11)...
    with pytest.raises(InvalidAmountError):
        attrs.evolve(InvoiceLine.for_fee(fee), amount=money("-150.00"), credited_invoice_id="X")
    # ... and a hand-made credit note above the invoiced amount is refused when recorded.
    forged = invoice(
        attrs.evolve(
            InvoiceLine.for_fee(fee),
            unit_price=money("150.00"),
            amount=money("-150.00"),
            credited_invoice_id="INV-1",
        ),
        id="CN-X",
        kind=DocumentKind.CREDIT_NOTE,
        invoice_date=date(2099, 1, 1),
    )
    with pytest.raises(CreditExceededError):
        record_document(items, forged)
    # Zero, or a credit of the wrong sign, is no credit either.
    for amount in (money("0.00"), money("-5.00")):
        with pytest.raises(CreditExceededError):
            credit(items, [fee.id], amounts={fee.id: amount})


def test_F8_a_second_full_credit_is_refused() -> None:
    (fee,) = charges(subscription(), date(2024, 1, 1))
    items = recorded(invoice_of(fee))
    first = credit(items, [fee.id], credit_note_id="CN-1")
    assert first.kind is DocumentKind.CREDIT_NOTE
    assert first.total == money("-100.00")
    items.update(record_document(items, first))
    assert items[fee.id].credited == money("100.00")
    assert items[fee.id].creditable == money(0)
    assert items[fee.id].credit_note_ids == ("CN-1",)
    with pytest.raises(CreditExceededError):
        credit(items, [fee.id], credit_note_id="CN-2")
    # Recording the same credit note again (a re-run under another id) is refused too.
    with pytest.raises(CreditExceededError):
        record_document(items, attrs.evolve(first, id="CN-2"))


def test_F8_partial_credits_add_up_to_the_invoiced_amount_and_no_more() -> None:
    (fee,) = charges(subscription(), date(2024, 1, 1))
    items = recorded(invoice_of(fee))
    items.update(record_document(items, credit(items, [fee.id], amounts={fee.id: money("30.00")})))
    assert items[fee.id].creditable == money("70.00")
    # Without an amount, a credit takes what is left.
    rest = credit(items, [fee.id], credit_note_id="CN-2")
    assert rest.total == money("-70.00")
    items.update(record_document(items, rest))
    item = items[fee.id]
    assert (item.credited, item.creditable) == (money("100.00"), money(0))
    assert item.credit_note_ids == ("CN-1", "CN-2")
    for amounts in (None, {fee.id: money("0.01")}):
        with pytest.raises(CreditExceededError):
            credit(items, [fee.id], credit_note_id="CN-3", amounts=amounts)


def test_a_credit_note_is_for_one_customer_and_currency() -> None:
    eur = charges(subscription("S-1"), date(2024, 1, 1))
    usd = charges(subscription("S-2", currency="USD"), date(2024, 1, 1))
    other = charges(subscription("S-3", customer="C-2"), date(2024, 1, 1))
    items = recorded(
        invoice_of(*eur, invoice_id="INV-1"),
        invoice_of(*usd, invoice_id="INV-2"),
        invoice_of(*other, invoice_id="INV-3"),
    )
    with pytest.raises(CurrencyMismatchError):
        credit(items, [eur[0].id, usd[0].id])
    with pytest.raises(InvalidInputError) as customers:
        credit(items, [eur[0].id, other[0].id])
    assert customers.value.field == "select"
    with pytest.raises(CurrencyMismatchError):
        credit(items, [eur[0].id], amounts={eur[0].id: money("1.00", "USD")})
    with pytest.raises(InvalidInputError) as nothing:
        credit(items, [])
    assert nothing.value.field == "select"
    with pytest.raises(InvalidInputError) as unselected:
        credit(items, [eur[0].id], amounts={usd[0].id: money("1.00", "USD")})
    assert unselected.value.field == "amounts"


def test_F10_lago_1776_a_credit_uses_the_invoiced_price_after_a_price_change() -> None:
    sub = subscription(start=date(2024, 1, 1))
    fees = charges(sub, date(2024, 3, 1))
    march = fees[2]
    items = recorded(invoice_of(*fees))
    repriced, _ = sub.change_price(
        effective_date=date(2024, 2, 1), base_price=money("150.00"), at=AT
    )
    assert repriced.price_on(date(2024, 3, 1)) == money("150.00")
    note = credit(items, [march.id])
    (credit_line,) = note.lines
    invoiced_line = items[march.id].line
    assert credit_line == attrs.evolve(
        invoiced_line, amount=money("-100.00"), credited_invoice_id="INV-1"
    )
    assert credit_line.unit_price == money("100.00")  # the billed price, not 150.00
    # A partial credit repeats the billed price too.
    partial = credit(items, [march.id], amounts={march.id: money("25.00")})
    assert partial.lines[0].unit_price == money("100.00")
    assert partial.lines[0].amount == money("-25.00")


def test_F10_lago_1776_a_cancellation_credit_uses_the_billed_price() -> None:
    """The price rose (from April) before the cancellation in March: the credit of the
    March days still uses the 100.00 that March was billed at."""
    sub = subscription()
    fees = charges(sub, date(2024, 3, 1))
    items = recorded(invoice_of(*fees))
    ended, _ = sub.change_price(effective_date=date(2024, 4, 1), base_price=money("150.00"), at=AT)[
        0
    ].cancel(last_day=date(2024, 3, 16), at=AT)
    (cancellation,) = generate_fees(ended, fees, as_of=date(2024, 3, 17))
    assert cancellation.kind is FeeKind.CANCELLATION
    assert cancellation.price == money("100.00")
    assert cancellation.amount == -prorate(
        money("100.00"), DateRange(date(2024, 3, 17), date(2024, 4, 1)), MARCH
    )
    assert cancellation.amount == money("-48.39")
    second = invoice_of(cancellation, invoice_id="INV-2")
    (negative,) = second.lines
    assert negative.amount == money("-48.39")
    assert negative.description.startswith("Cancellation credit")
    items.update(record_document(items, second))
    net = Money.total((items[fee.id].amount for fee in (*fees, cancellation)), "EUR")
    assert net == money("251.61")  # 2 x 100.00 + 16 of March's 31 days


def test_negative_fees_are_invoiced_as_negative_lines() -> None:
    """The catalog's reduction days: a March fee of 200.00 minus Mar 10-11 -> -12.90,
    both invoiced, total 187.10."""
    sub = subscription(price="200.00", start=date(2024, 3, 1))
    march = charges(sub, date(2024, 3, 1))
    reduction = reduce_days(
        sub,
        march,
        charge=march[0],
        removed=DateRange.inclusive(date(2024, 3, 10), date(2024, 3, 11)),
    )
    assert reduction.kind is FeeKind.REDUCTION_DAYS
    document = invoice_of(*march, reduction)
    assert [(line.description.split()[0], line.amount) for line in document.lines] == [
        ("Subscription", money("200.00")),
        ("Reduction", money("-12.90")),
    ]
    assert document.total == money("187.10")
    # A negative line alone (a credit billed later on its own) is a credit note that
    # bills it (issue 11: a negative document is a credit note).
    alone = invoice_of(reduction, invoice_id="INV-2")
    assert alone.total == money("-12.90")
    assert alone.kind is DocumentKind.CREDIT_NOTE
    assert alone.lines[0].bills
    items = recorded(invoice_of(*march), alone)
    # Crediting a negative line gives it back: the credit note line is positive.
    back = credit(items, [reduction.id])
    assert back.lines[0].amount == money("12.90")
    items.update(record_document(items, back))
    assert items[reduction.id].creditable == money(0)
    with pytest.raises(CreditExceededError):
        credit(items, [reduction.id], credit_note_id="CN-2")


# ------------------------------------------------------------------------------- M7


def test_M7_the_total_is_the_exact_sum_of_the_lines_rounded_once_per_line() -> None:
    """The rounding position (law M7), pinned: each line is rounded once, when its fee or
    order line is computed; the invoice total is the exact sum of the rounded lines and
    is never rounded again. There are no tax lines (tax is the host's).

    Lago's rounding case: three customers' subscriptions each bill 10 of June's 30 days
    at 100.00. Each exact share is 33.333...; rounded per line, 33.33 each, so the
    invoice says 99.99. Rounding once at the invoice level would give
    round(3 x 33.333...) = 100.00, a total no line adds up to.
    """
    ten_days = DateRange(date(2024, 6, 1), date(2024, 6, 11))
    fees = [
        fee
        for index in (1, 2, 3)
        for fee in generate_fees(
            subscription(f"S-{index}", start=date(2024, 6, 1)), within=ten_days
        )
    ]
    document = invoice_of(*fees)
    assert [line.amount for line in document.lines] == [money("33.33")] * 3
    exact = [Decimal(100) * line_days / 30 for line_days in (10, 10, 10)]
    assert round(sum(exact), 2) == Decimal("100.00")  # what invoice-level rounding says
    assert document.total == money("99.99")
    assert document.total.minor_units == sum(line.amount.minor_units for line in document.lines)
    assert document.total.is_rounded
    # Each line's one rounding step is the proration of its own days.
    for fee in fees:
        assert fee.amount == prorate(money("100.00"), ten_days, JUNE)


def test_M7_lines_of_fees_and_order_lines_are_summed_exactly() -> None:
    """Order lines are rounded once each (quantity x price, half-up) before invoicing:
    1.5 h x 10.25 = 15.375 -> 15.38; three of them make 46.14, not round(46.125) = 46.13."""
    transactions = [transaction(f"T-{index}", quantity="1.5", price="10.25") for index in (1, 2, 3)]
    fees = charges(subscription(), date(2024, 1, 1))
    document = invoice_of(*fees, *transactions)
    assert [line.amount for line in document.lines] == [
        money("100.00"),
        money("15.38"),
        money("15.38"),
        money("15.38"),
    ]
    assert document.total == money("146.14")
    assert document.total == Money.total((line.amount for line in document.lines), "EUR")


@pytest.mark.parametrize(
    ("period", "start", "price", "expected"),
    [
        # Feb 10-29, 2024: 20 of February's 29 days of 100.00 -> 68.97, not 100.00.
        (MONTHLY, date(2024, 2, 10), "100.00", "68.97"),
        # Feb 15 - Mar 31, 2024: 46 of Q1's 91 days of 300.00 -> 151.65, not 300.00.
        (QUARTERLY, date(2024, 2, 15), "300.00", "151.65"),
    ],
)
def test_a_calendar_aligned_first_stub_is_invoiced_at_its_prorated_share(
    period: PeriodCode, start: date, price: str, expected: str
) -> None:
    """The stub from the start to the first calendar boundary costs its days' share of
    the whole calendar period (the Subscription docstring, the how-to page)."""
    sub = subscription(price=price, start=start, period_code=period, alignment=Alignment.CALENDAR)
    stub = generate_fees(sub, as_of=start)[0]
    assert stub.period.start == start
    (first_line,) = invoice_of(stub).lines
    assert first_line.amount == money(expected)


def test_next_document_id_takes_the_lowest_free_number_of_its_series() -> None:
    eur = Currency.of("EUR")
    day = date(2026, 3, 31)
    stem = "INV-C-1-EUR-20260331"

    def next_id(prefix: str, taken: Sequence[str]) -> str:
        return next_document_id(prefix=prefix, customer_id="C-1", currency=eur, on=day, taken=taken)

    assert next_id("INV", []) == f"{stem}-1"
    assert next_id("INV", [f"{stem}-1", f"{stem}-2"]) == f"{stem}-3"
    assert next_id("INV", [f"{stem}-2"]) == f"{stem}-1"  # a gap is filled
    assert next_id("CN", [f"{stem}-1"]) == "CN-C-1-EUR-20260331-1"  # its own series
    other_day = next_document_id(
        prefix="INV", customer_id="C-1", currency=eur, on=date(2026, 4, 1), taken=[f"{stem}-1"]
    )
    assert other_day == "INV-C-1-EUR-20260401-1"


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("prefix", {"prefix": " "}),
        ("customer_id", {"customer_id": ""}),
        ("currency", {"currency": "EUR"}),
        ("on", {"on": "2026-03-31"}),
        ("taken", {"taken": "INV-1"}),
        ("taken[0]", {"taken": [1]}),
    ],
)
def test_next_document_id_refuses_bad_input_naming_it(field: str, changes: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "prefix": "INV",
        "customer_id": "C-1",
        "currency": Currency.of("EUR"),
        "on": date(2026, 3, 31),
        "taken": (),
        **changes,
    }
    with pytest.raises((InvalidInputError, TypeMismatchError)) as error:
        next_document_id(**arguments)
    assert error.value.field == field
