"""The invoicing-law checks of servicedomain.testing.invariants: each on a good history,
and on a crafted violation that it must name (M7, I1, F8, F10, F11, C6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeVar

import attrs
import pytest

from billing_fixtures import AT
from servicedomain.billing import (
    AccrualMethod,
    AccrualPeriod,
    AccrualPolicy,
    DocumentKind,
    FeeTransaction,
    Invoice,
    InvoicedItem,
    InvoiceLine,
    Subscription,
    accrual_periods,
    credit_note,
    generate_fees,
    propose_invoices,
    record_document,
    reduce_days,
    reverse_for_credit,
)
from servicedomain.billing import ReversalMode as Mode
from servicedomain.money import Money
from servicedomain.periods import MONTHLY, DateRange
from servicedomain.testing.invariants import (
    LawViolation,
    billing_horizon,
    check_accruals_sum_to_fee,
    check_billing_laws,
    check_credit_at_invoiced_price,
    check_credits_within_invoiced,
    check_invoice_totals,
    check_invoiced_once,
    check_no_gaps_no_overlaps,
    check_one_invoice_per_billing_day,
    invoiced_and_credited,
)

JAN_1 = date(2024, 1, 1)
FEB_1 = date(2024, 2, 1)
MAR_1 = date(2024, 3, 1)
PER_DAY = AccrualPolicy(period_code=MONTHLY, method=AccrualMethod.PER_DAY)


def subscription(sub_id: str = "S-1", currency: str = "EUR") -> Subscription:
    return Subscription(
        id=sub_id,
        group_id="G",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        period_code=MONTHLY,
        base_price=Money(310, currency),
        start_date=JAN_1,
    )


def invoice_of(fees: tuple[FeeTransaction, ...], invoice_id: str, day: date = FEB_1) -> Invoice:
    (proposal,) = propose_invoices(due_by=day, fees=fees)
    return proposal.post(invoice_id=invoice_id, invoice_date=day)


@attrs.frozen
class History:
    """Two fees invoiced on INV-1, a third on INV-2, a partial credit of the first."""

    fees: tuple[FeeTransaction, ...]
    documents: tuple[Invoice, ...]
    items: dict[str, InvoicedItem]
    periods: tuple[AccrualPeriod, ...]

    @property
    def invoice(self) -> Invoice:
        return self.documents[0]

    @property
    def credit(self) -> Invoice:
        return self.documents[2]


def history() -> History:
    sub = subscription()
    first = generate_fees(sub, as_of=FEB_1)  # January and February
    later = generate_fees(sub, first, as_of=MAR_1)  # March
    items: dict[str, InvoicedItem] = {}
    documents: list[Invoice] = []
    for document in (invoice_of(first, "INV-1"), invoice_of(later, "INV-2", MAR_1)):
        items.update(record_document(items, document))
        documents.append(document)
    january = first[0].id
    credit = credit_note(
        credit_note_id="CN-1",
        credit_date=MAR_1,
        invoiced_items=items,
        select=[january],
        amounts={january: Money(100, "EUR")},
    )
    items.update(record_document(items, credit))
    documents.append(credit)
    periods: list[AccrualPeriod] = []
    for fee in (*first, *later):
        made = accrual_periods(
            source_id=fee.id, amount=fee.amount, service_period=fee.period, policy=PER_DAY
        )
        if fee.id == january:
            made, _entries = reverse_for_credit(
                made,
                credit_id="CN-1",
                credited=Money(100, "EUR"),
                invoiced=fee.amount,
                credit_date=MAR_1,
                mode=Mode.INVOICE_DATE,
            )
        periods.extend(made)
    return History((*first, *later), tuple(documents), items, tuple(periods))


RecordT = TypeVar("RecordT", Invoice, InvoiceLine)


def forced(record: RecordT, **fields: object) -> RecordT:
    """A copy of ``record`` with fields set past the validators (a corrupt record)."""
    copy = attrs.evolve(record)
    for name, value in fields.items():
        object.__setattr__(copy, name, value)
    return copy


def violated(law: str, call: object, *args: object, **kwargs: object) -> LawViolation:
    assert callable(call)
    with pytest.raises(LawViolation) as caught:
        call(*args, **kwargs)
    assert caught.value.law == law, caught.value
    assert str(caught.value).startswith(f"law {law} violated")
    return caught.value


# --------------------------------------------------------------------------------- M7


def test_M7_holds_on_invoices_and_credit_notes() -> None:
    h = history()
    check_invoice_totals(h.documents, fees=h.fees)
    check_invoice_totals(reversed(h.documents))  # any order, fees optional


def test_M7_an_unrounded_line_is_named() -> None:
    h = history()
    unrounded = Money(Decimal("0.10"), "EUR") * Decimal("0.125")
    assert not unrounded.is_rounded
    lines = (forced(h.invoice.lines[0], amount=unrounded), *h.invoice.lines[1:])
    violation = violated("M7", check_invoice_totals, [forced(h.invoice, lines=lines)])
    assert "INV-1 line 0" in violation.detail
    assert "not rounded" in violation.detail


def test_M7_a_line_in_another_currency_is_named() -> None:
    h = history()
    usd = forced(h.invoice.lines[1], amount=Money(1, "USD"))
    violation = violated(
        "M7", check_invoice_totals, [forced(h.invoice, lines=(h.invoice.lines[0], usd))]
    )
    assert "USD" in violation.detail


class TaxRoundedInvoice(Invoice):
    """A host's invoice whose total is rounded on its own (a second rounding step)."""

    __slots__ = ()

    @property
    def total(self) -> Money:
        return Money.total((line.amount for line in self.lines), self.currency) + Money(
            Decimal("0.01"), self.currency
        )


def test_M7_a_total_that_is_not_the_exact_sum_of_the_lines_is_named() -> None:
    h = history()
    fields = {field.name: getattr(h.invoice, field.name) for field in attrs.fields(Invoice)}
    own = TaxRoundedInvoice(**fields)
    violation = violated("M7", check_invoice_totals, [own])
    assert "620.00" in violation.detail  # what the lines sum to
    assert "620.01" in violation.detail


def test_M7_a_fee_line_that_does_not_bill_its_fee_as_is_is_named() -> None:
    h = history()
    changed = attrs.evolve(
        h.invoice.lines[0], amount=Money(Decimal("309.99"), "EUR"), unit_price=Money(310, "EUR")
    )
    document = attrs.evolve(h.invoice, lines=(changed, *h.invoice.lines[1:]))
    check_invoice_totals([document])  # without fees, only the sums are checked
    violation = violated("M7", check_invoice_totals, [document], fees=h.fees)
    assert violation.fees == (h.fees[0],)


# --------------------------------------------------------------------------------- I1


def test_I1_holds_and_ignores_credit_notes() -> None:
    h = history()
    check_invoiced_once(h.documents)
    check_invoiced_once([])


def test_I1_a_source_on_two_invoices_is_named() -> None:
    h = history()
    again = attrs.evolve(h.invoice, id="INV-3", lines=h.invoice.lines[:1])
    violation = violated("I1", check_invoiced_once, [*h.documents, again])
    assert h.invoice.lines[0].source_id in violation.detail
    assert "INV-1" in violation.detail
    assert "INV-3" in violation.detail


def test_I1_a_source_twice_on_one_invoice_is_named() -> None:
    h = history()
    twice = forced(h.invoice, lines=(*h.invoice.lines, h.invoice.lines[0]))
    violated("I1", check_invoiced_once, [twice])


def test_I1_an_invoice_in_two_currencies_is_named() -> None:
    h = history()
    jpy = forced(h.invoice.lines[1], amount=Money(500, "JPY"))
    violation = violated(
        "I1", check_invoiced_once, [forced(h.invoice, lines=(h.invoice.lines[0], jpy))]
    )
    assert "JPY" in violation.detail


# --------------------------------------------------------------------------------- F8


def test_F8_holds_for_partial_and_full_credits_in_any_order() -> None:
    h = history()
    rest = credit_note(
        credit_note_id="CN-2",
        credit_date=MAR_1,
        invoiced_items=h.items,
        select=[h.invoice.lines[0].source_id],
    )
    check_credits_within_invoiced([*h.documents, rest])
    check_credits_within_invoiced([rest, *reversed(h.documents)])  # ids sort CN before INV


def test_F8_a_second_full_credit_is_named() -> None:
    h = history()
    source = h.invoice.lines[0].source_id
    full = credit_note(
        credit_note_id="CN-2", credit_date=MAR_1, invoiced_items=h.items, select=[source]
    )
    twice = attrs.evolve(full, id="CN-3")  # recorded by a store that does not check
    violation = violated("F8", check_credits_within_invoiced, [*h.documents, full, twice])
    assert "310.00" in violation.detail  # more than invoiced


def test_F8_a_credit_of_a_source_never_invoiced_is_named() -> None:
    h = history()
    line = attrs.evolve(h.credit.lines[0], credited_invoice_id="INV-2")  # not on INV-2
    violation = violated(
        "F8",
        check_credits_within_invoiced,
        [*h.documents[:2], attrs.evolve(h.credit, lines=(line,))],
    )
    assert "INV-2" in violation.detail
    # Lago PR #1755: a credit note whose invoice is not there (yet).
    violated("F8", check_credits_within_invoiced, [h.credit])


def test_F8_a_credit_with_the_invoiced_sign_is_named() -> None:
    h = history()
    line = forced(h.credit.lines[0], amount=Money(100, "EUR"))  # adds, not credits
    violated(
        "F8",
        check_credits_within_invoiced,
        [*h.documents[:2], attrs.evolve(h.credit, lines=(line,))],
    )


# -------------------------------------------------------------------------------- F10


def test_F10_holds_when_credits_repeat_the_invoiced_price() -> None:
    check_credit_at_invoiced_price(history().documents)


def test_F10_a_credit_at_todays_price_is_named() -> None:
    h = history()
    line = attrs.evolve(h.credit.lines[0], unit_price=Money(350, "EUR"))  # a new price
    violation = violated(
        "F10",
        check_credit_at_invoiced_price,
        [*h.documents[:2], attrs.evolve(h.credit, lines=(line,))],
    )
    assert "350.00" in violation.detail
    assert "310.00" in violation.detail


def test_F10_a_credit_with_no_invoiced_line_to_compare_is_an_F8_violation() -> None:
    h = history()
    violated("F8", check_credit_at_invoiced_price, [h.credit])


# -------------------------------------------------------------------------------- F11


def test_invoiced_and_credited_reads_the_documents() -> None:
    h = history()
    invoiced, credited = invoiced_and_credited(h.documents)
    assert invoiced == {fee.id: fee.amount for fee in h.fees}
    assert credited == {h.fees[0].id: Money(100, "EUR")}


def test_F11_holds_after_a_partial_credit() -> None:
    h = history()
    invoiced, credited = invoiced_and_credited(h.documents)
    check_accruals_sum_to_fee(h.periods, invoiced, credited, fees=h.fees)
    check_accruals_sum_to_fee((), invoiced)  # nothing accrued: nothing to check


def test_F11_periods_that_ignore_a_credit_are_named() -> None:
    h = history()
    invoiced, _credited = invoiced_and_credited(h.documents)
    violation = violated("F11", check_accruals_sum_to_fee, h.periods, invoiced)
    assert h.fees[0].id in violation.detail


def test_F11_periods_of_a_fee_never_invoiced_are_named() -> None:
    h = history()
    violated("F11", check_accruals_sum_to_fee, h.periods, {})


def test_F11_a_gap_between_periods_is_named() -> None:
    h = history()
    invoiced, credited = invoiced_and_credited(h.documents)
    march = [p for p in h.periods if p.source_id == h.fees[2].id]
    assert len(march) == 1
    split = [
        attrs.evolve(march[0], period=DateRange(MAR_1, date(2024, 3, 16))),
        attrs.evolve(march[0], number=1, period=DateRange(date(2024, 3, 17), date(2024, 4, 1))),
    ]
    violation = violated("F11", check_accruals_sum_to_fee, split, invoiced, credited)
    assert "gap or overlap" in violation.detail


def test_F11_periods_numbered_with_a_hole_are_named() -> None:
    h = history()
    invoiced, credited = invoiced_and_credited(h.documents)
    march = [p for p in h.periods if p.source_id == h.fees[2].id]
    violated(
        "F11",
        check_accruals_sum_to_fee,
        [attrs.evolve(march[0], number=1)],
        invoiced,
        credited,
    )


def test_F11_periods_in_another_currency_are_named() -> None:
    h = history()
    invoiced, credited = invoiced_and_credited(h.documents)
    march = next(p for p in h.periods if p.source_id == h.fees[2].id)
    violated(
        "F11",
        check_accruals_sum_to_fee,
        [attrs.evolve(march, amount=Money(310, "USD"))],
        invoiced,
        credited,
    )


def test_F11_periods_that_do_not_cover_their_fee_are_named() -> None:
    h = history()
    invoiced, credited = invoiced_and_credited(h.documents)
    march = next(p for p in h.periods if p.source_id == h.fees[2].id)
    short = attrs.evolve(march, period=DateRange(MAR_1, date(2024, 3, 31)))
    check_accruals_sum_to_fee([short], invoiced, credited)  # without fees: not compared
    violation = violated("F11", check_accruals_sum_to_fee, [short], invoiced, credited, fees=h.fees)
    assert violation.fees == (h.fees[2],)


# --------------------------------------------------------------------------------- C6


def test_C6_holds_with_one_invoice_per_customer_currency_and_day() -> None:
    h = history()
    other_currency = invoice_of(generate_fees(subscription("S-2", "JPY"), as_of=JAN_1), "INV-J")
    check_one_invoice_per_billing_day([*h.documents, other_currency])


def test_C6_a_second_invoice_of_the_day_is_named() -> None:
    h = history()
    january, february = (
        attrs.evolve(h.invoice, id=f"INV-1-{n}", lines=(line,))
        for n, line in enumerate(h.invoice.lines)
    )
    violation = violated("C6", check_one_invoice_per_billing_day, [january, february])
    assert "C-1" in violation.detail
    assert str(FEB_1) in violation.detail


def test_C6_a_later_invoice_of_only_late_sources_is_allowed() -> None:
    h = history()
    january, february = (
        attrs.evolve(h.invoice, id=f"INV-1-{n}", lines=(line,))
        for n, line in enumerate(h.invoice.lines)
    )
    late = {february.lines[0].source_id}
    check_one_invoice_per_billing_day([january, february], late_sources=late)
    # Naming a source late does not excuse another invoice with an early one.
    third = attrs.evolve(january, id="INV-1-2")
    violated("C6", check_one_invoice_per_billing_day, [january, february, third], late_sources=late)


def test_C6_credit_notes_do_not_count() -> None:
    h = history()
    same_day = attrs.evolve(h.credit, id="CN-9", invoice_date=h.invoice.invoice_date)
    assert same_day.kind is DocumentKind.CREDIT_NOTE
    check_one_invoice_per_billing_day([h.invoice, h.credit, same_day])


# ----------------------------------------------------------------------------- bundle


def test_check_billing_laws_holds_on_a_consistent_history() -> None:
    h = history()
    check_billing_laws(h.documents, fees=h.fees, accruals=h.periods)


@pytest.mark.parametrize(
    ("law", "corrupt"),
    [
        ("I1", lambda h: [*h.documents, attrs.evolve(h.invoice, id="INV-9")]),
        (
            "F10",
            lambda h: [
                *h.documents[:2],
                attrs.evolve(
                    h.credit,
                    lines=(forced(h.credit.lines[0], unit_price=Money(1, "EUR")),),
                ),
            ],
        ),
        ("F8", lambda h: [h.documents[1], h.credit]),
    ],
)
def test_check_billing_laws_names_the_first_law_broken(law: str, corrupt: object) -> None:
    h = history()
    assert callable(corrupt)
    violated(law, check_billing_laws, corrupt(h), fees=h.fees)


def test_F11_check_billing_laws_compares_accruals_with_the_documents() -> None:
    h = history()
    violated("F11", check_billing_laws, h.documents[:2], fees=h.fees, accruals=h.periods)


# ------------------------------------------------------------- F6 and reduction days


def test_F6_days_removed_then_cancelled_are_not_billed_after_the_end() -> None:
    sub = subscription()
    fees = list(generate_fees(sub, as_of=JAN_1))
    removed = DateRange(date(2024, 1, 20), date(2024, 1, 22))
    fees.append(reduce_days(sub, fees, charge=fees[0], removed=removed))
    ended, _ = sub.cancel(last_day=date(2024, 1, 14), at=AT)
    fees.extend(generate_fees(ended, fees, as_of=JAN_1))
    # The domain is right: 14 days served at 10.00 a day, nothing credited twice.
    assert sum(fee.amount.minor_units for fee in fees) == 14_000
    check_no_gaps_no_overlaps(ended, fees, through=billing_horizon(ended, JAN_1))
