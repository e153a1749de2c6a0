"""The invoicing laws (M7, I1, F8, F10, F11, F13, F14, C6)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date
from itertools import pairwise

from servicedomain.billing import (
    AccrualPeriod,
    DocumentKind,
    FeeKind,
    FeeTransaction,
    Invoice,
    InvoiceLine,
    SourceKind,
)
from servicedomain.money import Money
from servicedomain.periods import DateRange
from servicedomain.testing.invariants._fees import LawViolation

__all__ = [
    "invoiced_and_credited",
    "check_invoice_totals",
    "check_invoiced_once",
    "check_credits_within_invoiced",
    "check_credit_at_invoiced_price",
    "check_accruals_sum_to_fee",
    "check_one_invoice_per_billing_day",
    "check_net_per_billed_day",
    "check_accrual_signs",
    "check_billing_laws",
]

# ---- invoicing laws
#
# The checks below take posted documents (invoices and credit notes, as
# ``uow.invoices.list()`` gives them, in any order) and accrual periods. They recompute
# what they compare from the lines themselves, in integer minor units, never through
# ``Invoice.total`` or the store's invoiced items, so a host can run them on documents
# read back from its own database.


def _line_label(document: Invoice, position: int, line: InvoiceLine) -> str:
    return f"{document.id} line {position} ({line.source_id})"


def _bills_exactly(line: InvoiceLine, fee: FeeTransaction) -> bool:
    """Whether ``line`` bills ``fee`` as is: quantity 1 at the fee's amount."""
    return line.quantity == 1 and line.unit_price == fee.amount == line.amount


def _invoices(documents: Iterable[Invoice]) -> list[Invoice]:
    """The documents that bill sources: invoices, and credit notes billing credits."""
    return [
        document
        for document in documents
        if document.kind is DocumentKind.INVOICE or any(line.bills for line in document.lines)
    ]


def _billing_lines(document: Invoice) -> Iterator[tuple[int, InvoiceLine]]:
    """The lines of ``document`` that bill their source (not those crediting an invoice)."""
    return ((position, line) for position, line in enumerate(document.lines) if line.bills)


def _crediting_lines(document: Invoice) -> Iterator[tuple[int, InvoiceLine]]:
    """The lines of ``document`` that credit an invoiced source."""
    return ((position, line) for position, line in enumerate(document.lines) if not line.bills)


def check_invoice_totals(
    documents: Iterable[Invoice], *, fees: Iterable[FeeTransaction] = ()
) -> None:
    """M7: a document's total is the exact sum of its lines, each rounded once.

    For every invoice and credit note: each line amount is in the document's currency
    and rounded to its minor units (JPY 0, EUR 2, KWD 3 decimals); the total is in that
    currency, rounded, and equal to the sum of the line amounts in minor units, with no
    rounding of its own. With ``fees``, the invoice line of each of those fees bills
    exactly the fee's amount (quantity 1, unit price = amount): the fee was rounded
    once, when it was made, and invoicing does not round it again. Lines of sources
    that are not among ``fees`` are not compared.

    Raises:
        LawViolation: naming the document and line.

    >>> from datetime import date
    >>> from servicedomain.billing import Subscription, generate_fees, propose_invoices
    >>> from servicedomain.money import Money
    >>> from servicedomain.periods import MONTHLY, DateRange
    >>> sub = Subscription(id="S-1", group_id="G", customer_id="C", project_id="P",
    ...     category_id="FEE", period_code=MONTHLY, base_price=Money(100, "EUR"),
    ...     start_date=date(2024, 1, 15))
    >>> fees = generate_fees(sub, within=DateRange(date(2024, 1, 20), date(2024, 3, 1)))
    >>> (proposal,) = propose_invoices(due_by=date(2024, 3, 1), fees=fees)
    >>> check_invoice_totals([proposal.post(invoice_id="INV-1",
    ...     invoice_date=date(2024, 3, 1))], fees=fees)
    """
    by_id = {fee.id: fee for fee in fees}
    for document in documents:
        currency = document.currency
        units = 0
        for position, line in enumerate(document.lines):
            label = _line_label(document, position, line)
            amount = line.amount
            if amount.currency != currency:
                raise LawViolation(
                    "M7", f"{label} is in {amount.currency.code}, the document in {currency.code}"
                )
            if not amount.is_rounded:
                raise LawViolation(
                    "M7",
                    f"{label} amount {amount.amount!r} is not rounded to the "
                    f"{currency.minor_units} decimals of {currency.code}",
                )
            units += amount.minor_units
            billed = line.bills and line.source_kind is SourceKind.FEE
            fee = by_id.get(line.source_id) if billed else None
            if fee is not None and not _bills_exactly(line, fee):
                raise LawViolation(
                    "M7",
                    f"{label} bills {line.quantity} x {line.unit_price} = {line.amount}, "
                    f"its fee is {fee.amount}",
                    [fee],
                )
        total = document.total
        if total.currency != currency or not total.is_rounded or total.minor_units != units:
            exact = Money.from_minor_units(units, currency)
            raise LawViolation(
                "M7", f"{document.id} has the total {total!r}; its lines sum to {exact!r}"
            )


def check_invoiced_once(documents: Iterable[Invoice]) -> None:
    """I1: each source is billed on at most one document, once; one currency per document.

    Only billing lines count: every line of an invoice, and the lines of a credit note
    that bill a credit of their own (a cancellation credit on a negative document); a
    line that credits an invoiced source names it again (law F8). Every line is in its
    document's currency.

    Raises:
        LawViolation: naming the source and the invoices it is on.
    """
    on: dict[str, str] = {}
    for document in _invoices(documents):
        for position, line in _billing_lines(document):
            if line.amount.currency != document.currency:
                raise LawViolation(
                    "I1",
                    f"{_line_label(document, position, line)} is in "
                    f"{line.amount.currency.code}, the invoice in {document.currency.code}",
                )
            first = on.get(line.source_id)
            if first is not None:  # on another invoice, or on this one's earlier line
                raise LawViolation(
                    "I1", f"{line.source_id} is invoiced twice: on {first} and on {document.id}"
                )
            on[line.source_id] = document.id


def _invoiced_lines(documents: Sequence[Invoice]) -> dict[tuple[str, str], InvoiceLine]:
    """The invoice lines by (invoice id, source id)."""
    return {
        (document.id, line.source_id): line
        for document in _invoices(documents)
        for _position, line in _billing_lines(document)
    }


def _credited_line(
    invoiced: Mapping[tuple[str, str], InvoiceLine], document: Invoice, position: int
) -> InvoiceLine:
    """The invoice line a credit-note line credits (F8: there must be one)."""
    line = document.lines[position]
    found = (
        None
        if line.credited_invoice_id is None
        else invoiced.get((line.credited_invoice_id, line.source_id))
    )
    if found is None:
        raise LawViolation(
            "F8",
            f"{_line_label(document, position, line)} credits invoice "
            f"{line.credited_invoice_id!r}, which does not invoice {line.source_id!r}",
        )
    return found


def _credit_notes(documents: Sequence[Invoice]) -> list[Invoice]:
    return [document for document in documents if document.kind is DocumentKind.CREDIT_NOTE]


def check_credits_within_invoiced(documents: Iterable[Invoice]) -> None:
    """F8: only invoiced sources are credited, and never more than was invoiced.

    Each credit-note line must name an invoice among ``documents`` that invoices its
    source (no credit before, or without, an invoice: Lago PR #1755). Each credit has
    the opposite sign of the invoiced amount (a credit of a negative line is positive),
    and all the credits of one invoiced line together take back at most its amount
    (Lago PR #738): a second full credit, or a repeated repair, breaks this.

    Raises:
        LawViolation: naming the credit note and the source.
    """
    docs = tuple(documents)
    invoiced = _invoiced_lines(docs)
    taken: dict[tuple[str, str], int] = {}
    for document in _credit_notes(docs):
        for position, line in _crediting_lines(document):
            billed = _credited_line(invoiced, document, position)
            key = (line.credited_invoice_id or "", line.source_id)
            label = _line_label(document, position, line)
            if line.amount.currency != billed.amount.currency:
                raise LawViolation(
                    "F8",
                    f"{label} credits {line.amount}, invoiced in {billed.amount.currency.code}",
                )
            invoiced_units, credit = billed.amount.minor_units, -line.amount.minor_units
            if credit * invoiced_units < 0 or (credit and not invoiced_units):
                raise LawViolation(
                    "F8", f"{label} credits {-line.amount}, against {billed.amount} invoiced"
                )
            taken[key] = taken.get(key, 0) + credit
            if abs(taken[key]) > abs(invoiced_units):
                total = Money.from_minor_units(taken[key], billed.amount.currency)
                raise LawViolation(
                    "F8",
                    f"{line.source_id} is credited {total} in all (last by "
                    f"{document.id}), more than the {billed.amount} invoiced on {key[0]}",
                )


def check_credit_at_invoiced_price(documents: Iterable[Invoice]) -> None:
    """F10: a credit repeats the price that was invoiced, not today's price.

    Each credit-note line has the unit price of the invoice line it credits (Lago PR
    #1776: a price changed before the termination must not change the credit).

    Raises:
        LawViolation: F10 naming the line whose price differs; F8 when a credit line
            names no invoiced line to compare with.
    """
    docs = tuple(documents)
    invoiced = _invoiced_lines(docs)
    for document in _credit_notes(docs):
        for position, line in _crediting_lines(document):
            billed = _credited_line(invoiced, document, position)
            if line.unit_price != billed.unit_price:
                raise LawViolation(
                    "F10",
                    f"{_line_label(document, position, line)} credits at "
                    f"{line.unit_price}; {line.credited_invoice_id} invoiced it at "
                    f"{billed.unit_price}",
                )


def invoiced_and_credited(
    documents: Iterable[Invoice],
) -> tuple[dict[str, Money], dict[str, Money]]:
    """What each source was invoiced, and what was credited of it, from the documents.

    Returns:
        ``(invoiced, credited)``: the invoice line amount of each invoiced source, and
        for each credited source the sum of its credits, with the invoiced sign (a
        credit of 30.00 against 100.00 invoiced is ``Money('30.00', ...)``). Sources
        are keyed by id, as law I1 has each on one invoice at most.
    """
    invoiced: dict[str, Money] = {}
    credited: dict[str, Money] = {}
    for document in documents:
        for line in document.lines:
            if line.bills:
                invoiced[line.source_id] = line.amount
            elif line.source_id in credited:
                credited[line.source_id] -= line.amount
            else:
                credited[line.source_id] = -line.amount
    return invoiced, credited


def check_accruals_sum_to_fee(
    periods: Iterable[AccrualPeriod],
    invoiced_amounts: Mapping[str, Money],
    credited_amounts: Mapping[str, Money] | None = None,
    *,
    fees: Iterable[FeeTransaction] = (),
) -> None:
    """F11: the accrual periods of each invoiced fee carry exactly what stays invoiced.

    For each source among ``periods``: it is invoiced; its periods are numbered 0, 1,
    2, ... and follow each other with no gap or overlap; they are in the invoiced
    currency; and their amounts sum exactly to ``invoiced - credited`` (the fee when
    nothing was credited). With ``fees``, the periods of each of those fees cover
    exactly its days. Sources without periods are not checked (a group that does not
    accrue has none, nor has a zero fee).

    Args:
        periods: accrual periods, of any fees.
        invoiced_amounts: what each source was invoiced (see
            :func:`invoiced_and_credited`).
        credited_amounts: what was credited of each, with the invoiced sign (default:
            nothing).
        fees: the fees, to check that their periods cover their days.

    Raises:
        LawViolation: naming the fee and its periods.

    >>> from datetime import date
    >>> from servicedomain.billing import AccrualMethod, AccrualPolicy, accrual_periods
    >>> from servicedomain.periods import MONTHLY, DateRange
    >>> q1 = DateRange(date(2024, 1, 1), date(2024, 4, 1))
    >>> parts = accrual_periods(source_id="F-1", amount=Money(100, "EUR"), service_period=q1,
    ...     policy=AccrualPolicy(period_code=MONTHLY, method=AccrualMethod.PER_DAY))
    >>> check_accruals_sum_to_fee(parts, {"F-1": Money(100, "EUR")})
    >>> try:
    ...     check_accruals_sum_to_fee(parts, {"F-1": Money(100, "EUR")}, {"F-1": Money(1, "EUR")})
    ... except LawViolation as violation:
    ...     print(violation.law)
    F11
    """
    credited = credited_amounts or {}
    by_fee = {fee.id: fee for fee in fees}
    by_source: dict[str, list[AccrualPeriod]] = {}
    for period in periods:
        by_source.setdefault(period.source_id, []).append(period)
    for source, parts in by_source.items():
        parts.sort(key=lambda part: part.number)
        invoiced = invoiced_amounts.get(source)
        if invoiced is None:
            raise LawViolation("F11", f"{source} has accrual periods but is not invoiced")
        currency = invoiced.currency
        numbers = [part.number for part in parts]
        if numbers != list(range(len(parts))):
            raise LawViolation("F11", f"the accrual periods of {source} are numbered {numbers}")
        for first, second in pairwise(parts):
            if first.period.end != second.period.start:
                raise LawViolation(
                    "F11",
                    f"the accrual periods {first.number} {first.period} and {second.number} "
                    f"{second.period} of {source} leave a gap or overlap",
                )
        foreign = [part for part in parts if part.amount.currency != currency]
        if foreign:
            raise LawViolation(
                "F11",
                f"accrual period {foreign[0].number} of {source} is in "
                f"{foreign[0].amount.currency.code}, the fee in {currency.code}",
            )
        fee = by_fee.get(source)
        if fee is not None:
            covered = DateRange(parts[0].period.start, parts[-1].period.end)
            if covered != fee.period:
                raise LawViolation("F11", f"the accrual periods of {source} cover {covered}", [fee])
        less = credited.get(source, Money.zero(currency))
        carried = sum(part.amount.minor_units for part in parts)
        wanted = invoiced.minor_units - less.minor_units
        if carried != wanted:
            raise LawViolation(
                "F11",
                f"the accrual periods of {source} carry "
                f"{Money.from_minor_units(carried, currency)}; invoiced {invoiced} less "
                f"credited {less} is {Money.from_minor_units(wanted, currency)}",
                [fee] if fee is not None else [],
            )


def check_one_invoice_per_billing_day(
    documents: Iterable[Invoice], *, late_sources: Collection[str] = frozenset()
) -> None:
    """C6: at most one invoice per customer, currency and invoice date.

    A billing job run at every hour across the customer's local midnight must make
    one invoice for the day, not one per run (Lago PRs #879, #1074).

    The check assumes that every source a day's invoice bills existed when the day's
    first billing run started. A fee made between two runs of the same day (a
    cancellation credit, a price-change fee, the first fee of a subscription created
    that day) is rightly billed by the next run, on a second invoice dated that day:
    pass the ids of such sources as ``late_sources``. An invoice that bills only late
    sources is allowed; at most one invoice per (customer, currency, date) may bill
    any other source. Credit notes are not counted.

    Raises:
        LawViolation: naming the customer, the day and the invoices.
    """
    holders: dict[tuple[str, str, date], list[str]] = {}
    for document in _invoices(documents):
        if all(line.source_id in late_sources for line in document.lines):
            continue
        key = (document.customer_id, document.currency.code, document.invoice_date)
        holders.setdefault(key, []).append(document.id)
    for (customer, code, day), ids in holders.items():
        if len(ids) > 1:
            raise LawViolation(
                "C6",
                f"customer {customer!r} has {len(ids)} {code} invoices dated {day}: "
                f"{', '.join(sorted(ids))}",
            )


def check_net_per_billed_day(
    documents: Iterable[Invoice], *, fees: Iterable[FeeTransaction]
) -> None:
    """F13: every billed day nets between 0 and its price; credits never stack.

    The days of a charge are billed by the charge and its adjustments (price changes,
    cancellation and reduction credits); credit notes take back amounts of those
    fees, not days. Given that the fees bill each day between 0 and its price (F3,
    F6, F7, F9), every day can net between 0 and its price exactly when, for every
    charge, what its fees bill less what credit notes took back of them stays between
    0 and what the fees bill gross (the charge and the adjustments of its sign): a
    credit note after a cancellation credit, or a cancellation credit after a credit
    note, never takes a charge's days below zero. A cancellation credit stored but not
    yet invoiced counts: it is on the next invoice. Fees of negative charges are
    mirrored.

    Args:
        documents: every invoice and credit note (any order).
        fees: the fees of the subscriptions to check (all of each one's fees).

    Raises:
        LawViolation: naming the charge, its adjustments and the credits.
    """
    _invoiced, taken = invoiced_and_credited(documents)
    families: dict[tuple[str, DateRange], list[FeeTransaction]] = {}
    for fee in fees:
        families.setdefault((fee.subscription_id, fee.charge_period), []).append(fee)
    for family in families.values():
        charge = next((fee for fee in family if fee.kind is FeeKind.CHARGE), None)
        if charge is None:
            continue  # adjustments of a charge not given: F6's to report
        sign = -1 if charge.amount.amount < 0 else 1
        billed = sum(fee.amount.minor_units for fee in family)
        gross = sum(max(fee.amount.minor_units * sign, 0) for fee in family)
        credited = sum(taken[fee.id].minor_units for fee in family if fee.id in taken)
        net = (billed - credited) * sign
        if not 0 <= net <= gross:
            currency = charge.currency
            raise LawViolation(
                "F13",
                f"the days of {charge.id} net {Money.from_minor_units(sign * net, currency)}: "
                f"fees bill {Money.from_minor_units(billed, currency)}, credit notes took "
                f"back {Money.from_minor_units(credited, currency)} (at most "
                f"{Money.from_minor_units(sign * gross, currency)} billed gross)",
                _show_fees(family),
            )


def _show_fees(fees: Sequence[FeeTransaction]) -> list[FeeTransaction]:
    return sorted(fees, key=lambda fee: fee.revision)[:6]


def check_accrual_signs(
    periods: Iterable[AccrualPeriod], invoiced_amounts: Mapping[str, Money]
) -> None:
    """F14: every accrual part has the sign of its fee and is at most the fee.

    A positive fee never books negative revenue in any period (nor a negative fee
    positive revenue), and no period carries more than the whole fee. Together with
    F11 (the parts sum to the fee) this bounds every part. Periods of sources not in
    ``invoiced_amounts`` are not checked.

    Args:
        periods: accrual periods, of any fees.
        invoiced_amounts: what each source was invoiced (see
            :func:`invoiced_and_credited`).

    Raises:
        LawViolation: naming the fee and the period.
    """
    for period in periods:
        fee = invoiced_amounts.get(period.source_id)
        if fee is None:
            continue
        part = period.amount
        if part.currency != fee.currency:
            continue  # F11's to report
        if part.amount * fee.amount < 0 or abs(part.amount) > abs(fee.amount):
            raise LawViolation(
                "F14",
                f"accrual period {period.number} {period.period} of {period.source_id} "
                f"carries {part}, against the fee's {fee}",
            )


def check_billing_laws(
    documents: Iterable[Invoice],
    *,
    fees: Iterable[FeeTransaction] = (),
    accruals: Iterable[AccrualPeriod] = (),
    late_sources: Collection[str] = frozenset(),
) -> None:
    """M7, I1, F8, F10, C6, F11, F13 and F14 together, on a store's documents and accruals.

    The fee laws of each subscription are :func:`check_fee_laws`'s.

    Args:
        documents: every invoice and credit note (any order).
        fees: the fees, to compare with their invoice lines (M7) and accrual periods,
            and whose charges' days must net between 0 and their price (F13; give all
            the fees of each subscription).
        accruals: the accrual periods of the invoiced fees (F11, against what the
            documents invoiced and credited; F14, the sign of each part).
        late_sources: as :func:`check_one_invoice_per_billing_day`.

    Raises:
        LawViolation: from the first check that fails.
    """
    docs = tuple(documents)
    known = tuple(fees)
    check_invoice_totals(docs, fees=known)
    check_invoiced_once(docs)
    check_credits_within_invoiced(docs)
    check_credit_at_invoiced_price(docs)
    check_one_invoice_per_billing_day(docs, late_sources=late_sources)
    invoiced, credited = invoiced_and_credited(docs)
    periods = tuple(accruals)
    check_accruals_sum_to_fee(periods, invoiced, credited, fees=known)
    check_accrual_signs(periods, invoiced)
    check_net_per_billed_day(docs, fees=known)
