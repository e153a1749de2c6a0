"""Invoice proposals, invoices and credit notes for fees and posted order transactions.

The rules:

* A proposal gathers, for one customer and one currency, the fees due by a date and
  the posted service-order transactions dated by it that are on no invoice yet.
* Posting a proposal gives an :class:`Invoice`; recording it
  (:func:`record_document`) marks each of its sources invoiced exactly once (law I1).
  An invoice has one currency and at least one line.
* A document whose total is negative is a **credit note** (:class:`DocumentKind`), in
  its own numbering series: a proposal of credits only (a cancellation credit, say)
  is posted as one. An invoice never totals below zero. A line *bills* its source
  (the source is then invoiced on that document, on an invoice or on a credit note)
  unless it names the invoice it credits (``credited_invoice_id``, credit notes only).
* A credit note credits invoiced sources, each at most what is still creditable
  (invoiced minus already credited), at the amount that was invoiced, never the
  current price (laws F8, F10), and never dated before the invoice. A source that was
  never invoiced cannot be credited. Given the subscriptions' fees, a credit of a fee
  also stays within what its charge still bills after cancellation and reduction
  credits and earlier credit notes (law F13): a credit note and a cancellation credit
  never stack.
* Lines are possible documents (law M7): a charge line has a quantity and a unit price
  >= 0; only a credit line (a negative amount, or a line crediting an invoice) may be
  negative; the amount never exceeds unit price x quantity (rounded once) and has its
  sign (the opposite sign on a line crediting an invoice); one currency per line.
* **Rounding** (law M7): every line amount is rounded once, when the fee or the order
  line is computed; an invoice's total is the exact sum of its lines, with no rounding
  of its own. There are no tax lines: tax is the host's.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import attrs

from servicedomain import _trusted
from servicedomain._checks import (
    deep_iterable,
    deep_mapping,
    in_,
    instance_of,
    is_date,
    is_id,
    is_line_number,
    is_money,
    is_str,
    is_version,
    items,
    iterable,
    optional,
    validator,
)
from servicedomain._enums import StrictEnum
from servicedomain.billing._fees import FeeKind, FeeTransaction
from servicedomain.errors import (
    AlreadyInvoicedError,
    BillingRuleError,
    CreditBeforeInvoiceError,
    CreditExceededError,
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidInputError,
    InvalidPriceError,
    InvalidQuantityError,
    TypeMismatchError,
)
from servicedomain.money import Currency, Money, check_factor
from servicedomain.periods import DateRange

if TYPE_CHECKING:
    from servicedomain.orders import JournalEntry

__all__ = [
    "BillableTransaction",
    "DocumentKind",
    "Invoice",
    "InvoiceLine",
    "InvoiceProposal",
    "InvoicedItem",
    "SourceKind",
    "credit_note",
    "next_document_id",
    "propose_invoices",
    "record_document",
]


class SourceKind(StrictEnum):
    """What an invoice line bills: a subscription fee or a posted order transaction."""

    FEE = "fee"
    ORDER_TRANSACTION = "order_transaction"


class DocumentKind(StrictEnum):
    """An invoice, or a credit note (AX invoicing method *Credit notes*)."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


def _check_quantity(value: object, field: str) -> Decimal:
    """A finite Decimal within the supported range of quantities (``money.check_factor``)."""
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        raise TypeMismatchError(field, value, "a quantity is a finite Decimal")
    return check_factor(value, field, InvalidQuantityError)


_FEE: Final = instance_of(FeeTransaction)
_FEES: Final = deep_iterable(_FEE, items("FeeTransaction values"))
_QUANTITY: Final = validator(_check_quantity, "a finite Decimal quantity")
_OPTIONAL_ID: Final = optional(is_id)
_MAPPING: Final = deep_mapping()
_AMOUNTS: Final = deep_mapping(is_str, instance_of(Money))
_ITEMS_OF_STR: Final = deep_iterable(is_str, items("str values"))


def _check_charge(quantity: Decimal, price: Money, amount: Money, price_field: str) -> None:
    """One currency; a quantity and a price >= 0 (a charge: no credit line)."""
    if price.currency != amount.currency:
        raise CurrencyMismatchError(price_field, amount.currency.code, price.currency.code)
    if quantity < 0:
        raise InvalidQuantityError(
            "quantity", quantity, "a charge has a quantity >= 0; only a credit line is negative"
        )
    if price.amount < 0:
        raise InvalidPriceError(
            price_field, price, "a charge has a price >= 0; only a credit line is negative"
        )


def _check_within(quantity: Decimal, price: Money, amount: Money, *, crediting: bool) -> None:
    """``amount`` is within price x quantity, rounded once half-up (M7).

    It has the product's sign (the opposite when ``crediting``) and at most its
    absolute value: a discount stays possible, a line above its price does not.
    """
    product = (price * quantity).round()
    sign = -1 if crediting else 1
    if amount.amount * product.amount * sign < 0 or abs(amount.amount) > abs(product.amount):
        what = "the credit of" if crediting else "at most"
        raise InvalidAmountError(
            "amount", amount, f"{what} unit price x quantity = {price} x {quantity} = {product}"
        )


@attrs.frozen(kw_only=True)
class BillableTransaction:
    """A posted service-order line, as invoicing sees it (from the ``Journal`` port).

    ``id`` is the journal's transaction id; ``amount`` is the line's revenue: a posted
    line is a charge, so its quantity, sales price and amount are >= 0, in one
    currency, and the amount is at most quantity x sales price (rounded once).

    Raises:
        CurrencyMismatchError: (field ``sales_price``) not in the amount's currency.
        InvalidQuantityError: (field ``quantity``) a negative quantity, or one outside
            the supported range (below 10^15, at most 12 decimals).
        InvalidPriceError: (field ``sales_price``) a negative price.
        InvalidAmountError: (field ``amount``) negative, or above quantity x price.
    """

    id: str = attrs.field(validator=is_id)
    customer_id: str = attrs.field(validator=is_id)
    project_id: str | None = attrs.field(default=None, validator=_OPTIONAL_ID)
    order_id: str = attrs.field(validator=is_id)
    line_number: int = attrs.field(validator=is_line_number)
    transaction_date: date = attrs.field(validator=is_date)
    description: str = attrs.field(default="", validator=is_str)
    quantity: Decimal = attrs.field(validator=_QUANTITY)
    sales_price: Money = attrs.field(validator=is_money)
    amount: Money = attrs.field(validator=is_money)

    def __attrs_post_init__(self) -> None:
        _check_charge(self.quantity, self.sales_price, self.amount, "sales_price")
        if self.amount.amount < 0:
            raise InvalidAmountError("amount", self.amount, "a posted order line bills >= 0")
        _check_within(self.quantity, self.sales_price, self.amount, crediting=False)

    @property
    def currency(self) -> Currency:
        """The transaction's currency."""
        return self.amount.currency

    @classmethod
    def from_journal(cls, transaction_id: str, entry: JournalEntry) -> BillableTransaction:
        """The transaction a journal recorded with ``transaction_id`` for ``entry``."""
        from servicedomain.orders import JournalEntry  # noqa: PLC0415 (orders imports billing)

        instance_of(JournalEntry).check(entry, "entry")
        return cls(
            id=is_id.check(transaction_id, "transaction_id"),
            customer_id=entry.customer_id,
            project_id=entry.project_id,
            order_id=entry.order_id,
            line_number=entry.line_number,
            transaction_date=entry.transaction_date,
            description=entry.description,
            quantity=entry.quantity,
            sales_price=entry.sales_price,
            amount=entry.revenue,
        )


@attrs.frozen(kw_only=True, weakref_slot=False)  # no weak references: fast builds
class InvoiceLine:
    """One line of an invoice or credit note.

    Attributes:
        source_kind: fee or order transaction.
        source_id: the fee's id or the journal transaction id.
        description: text for the customer.
        service_date: the first day the line is for (a fee's period start, a
            transaction's date).
        quantity: 1 for a fee; the order line's quantity.
        unit_price: the fee's amount or the order line's sales price.
        amount: the line amount, rounded (negative on a credit note).
        credited_invoice_id: on a line that credits an invoiced source (credit notes
            only), the invoice the source was invoiced on; ``None`` on a line that
            bills its source.
        subscription_id: the subscription of a fee line (None for an order transaction).

    Raises:
        CurrencyMismatchError: (field ``unit_price``) not in the amount's currency.
        InvalidQuantityError: (field ``quantity``) negative on a charge line, or outside
            the supported range (below 10^15, at most 12 decimals).
        InvalidPriceError: (field ``unit_price``) negative on a charge line.
        InvalidAmountError: (field ``amount``) above unit price x quantity, or of the
            wrong sign.
    """

    source_kind: SourceKind = attrs.field(validator=in_(SourceKind))
    source_id: str = attrs.field(validator=is_id)
    description: str = attrs.field(default="", validator=is_str)
    service_date: date = attrs.field(validator=is_date)
    quantity: Decimal = attrs.field(validator=_QUANTITY)
    unit_price: Money = attrs.field(validator=is_money)
    amount: Money = attrs.field(validator=is_money)
    credited_invoice_id: str | None = attrs.field(default=None, validator=_OPTIONAL_ID)
    subscription_id: str | None = attrs.field(default=None, validator=_OPTIONAL_ID)

    def __attrs_post_init__(self) -> None:
        crediting = self.credited_invoice_id is not None
        if not (crediting or self.amount.amount < 0):
            _check_charge(self.quantity, self.unit_price, self.amount, "unit_price")
        elif self.unit_price.currency != self.amount.currency:
            raise CurrencyMismatchError(
                "unit_price", self.amount.currency.code, self.unit_price.currency.code
            )
        _check_within(self.quantity, self.unit_price, self.amount, crediting=crediting)

    @property
    def bills(self) -> bool:
        """True when the line bills its source; False when it credits an invoiced one."""
        return self.credited_invoice_id is None

    @classmethod
    def for_fee(cls, fee: FeeTransaction) -> InvoiceLine:
        """The line that invoices ``fee``."""
        _FEE.check(fee, "fee")
        period, amount = fee.period, fee.amount
        description = (
            f"{_FEE_LABELS[fee.kind]} {fee.subscription_id} {period.start} to {period.last}"
        )
        if cls is InvoiceLine and type(fee) is FeeTransaction:
            # Every field comes from a checked fee: no validators (the fast path).
            return _fee_line(
                SourceKind.FEE,
                fee.id,
                description,
                period.start,
                _ONE,
                amount,
                amount,
                None,
                fee.subscription_id,
            )
        return cls(
            source_kind=SourceKind.FEE,
            source_id=fee.id,
            description=description,
            service_date=period.start,
            quantity=_ONE,
            unit_price=amount,
            amount=amount,
            subscription_id=fee.subscription_id,
        )

    @classmethod
    def for_transaction(cls, transaction: BillableTransaction) -> InvoiceLine:
        """The line that invoices a posted order transaction."""
        instance_of(BillableTransaction).check(transaction, "transaction")
        return cls(
            source_kind=SourceKind.ORDER_TRANSACTION,
            source_id=transaction.id,
            description=transaction.description
            or f"Service order {transaction.order_id} line {transaction.line_number}",
            service_date=transaction.transaction_date,
            quantity=transaction.quantity,
            unit_price=transaction.sales_price,
            amount=transaction.amount,
        )


_FEE_LABELS: Final = {
    FeeKind.CHARGE: "Subscription fee",
    FeeKind.REDUCTION_DAYS: "Reduction days",
    FeeKind.PRICE_CHANGE: "Price change",
    FeeKind.CANCELLATION: "Cancellation credit",
}
_ONE: Final = Decimal(1)
_fee_line: Final = _trusted.positional_builder(InvoiceLine)


def _v_lines(instance: Invoice, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple):
        raise TypeMismatchError(attribute.name, value, "expected a tuple of InvoiceLine")
    if not value:
        raise BillingRuleError(instance.id, "invoice.not_empty", "an invoice has at least one line")
    seen: set[str] = set()
    for position, line in enumerate(value):
        field = f"lines[{position}]"
        if not isinstance(line, InvoiceLine):
            raise TypeMismatchError(field, line, "expected an InvoiceLine")
        if line.amount.currency != instance.currency:
            raise CurrencyMismatchError(field, instance.currency.code, line.amount.currency.code)
        if line.source_id in seen:
            raise InvalidInputError(field, line.source_id, "a source is on one line only")
        seen.add(line.source_id)
        if instance.kind is DocumentKind.INVOICE and line.credited_invoice_id is not None:
            raise InvalidInputError(
                field,
                line.credited_invoice_id,
                "only a credit note's lines name the invoice they credit",
            )
    if instance.kind is DocumentKind.INVOICE:
        total = sum(line.amount.amount for line in value)
        if total < 0:
            raise InvalidAmountError(
                "lines",
                Money.total((line.amount for line in value), instance.currency),
                "a document with a negative total is a credit note, not an invoice",
            )


def _v_currency(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Currency):
        raise TypeMismatchError(attribute.name, value, "expected a Currency")


@attrs.frozen(kw_only=True)
class Invoice:
    """A posted invoice or credit note: one customer, one currency, at least one line.

    ``total`` is the exact sum of the line amounts (law M7; lines are rounded once each).
    An invoice's total is >= 0; a credit note may credit invoiced sources (lines naming
    ``credited_invoice_id``) and bill credits of its own (lines that don't).
    """

    id: str = attrs.field(validator=is_id)
    kind: DocumentKind = attrs.field(default=DocumentKind.INVOICE, validator=in_(DocumentKind))
    customer_id: str = attrs.field(validator=is_id)
    currency: Currency = attrs.field(validator=_v_currency)
    invoice_date: date = attrs.field(validator=is_date)
    lines: tuple[InvoiceLine, ...] = attrs.field(validator=_v_lines)
    version: int = attrs.field(default=1, validator=is_version)

    @property
    def total(self) -> Money:
        """The exact sum of the lines."""
        return Money.total((line.amount for line in self.lines), self.currency)


@attrs.frozen(kw_only=True)
class InvoiceProposal:
    """What is ready to invoice for one customer in one currency (AX *Invoice proposal*)."""

    customer_id: str = attrs.field(validator=is_id)
    currency: Currency = attrs.field(validator=_v_currency)
    due_by: date = attrs.field(validator=is_date)
    lines: tuple[InvoiceLine, ...] = attrs.field(validator=deep_iterable(instance_of(InvoiceLine)))

    @property
    def total(self) -> Money:
        """The exact sum of the lines."""
        return Money.total((line.amount for line in self.lines), self.currency)

    @property
    def kind(self) -> DocumentKind:
        """What posting gives: a credit note when the total is negative, else an invoice."""
        if sum(line.amount.amount for line in self.lines) < 0:
            return DocumentKind.CREDIT_NOTE
        return DocumentKind.INVOICE

    def post(self, *, invoice_id: str, invoice_date: date) -> Invoice:
        """The document of this proposal (record it with :func:`record_document`).

        An invoice, or a credit note when the total is negative (:attr:`kind`): its
        lines bill their sources either way.
        """
        is_id.check(invoice_id, "invoice_id")
        return Invoice(
            id=invoice_id,
            kind=self.kind,
            customer_id=self.customer_id,
            currency=self.currency,
            invoice_date=invoice_date,
            lines=self.lines,
        )


def propose_invoices(
    *,
    due_by: date,
    fees: Iterable[FeeTransaction] = (),
    transactions: Iterable[BillableTransaction] = (),
    invoiced_ids: Container[str] = frozenset(),
    customer_id: str | None = None,
) -> tuple[InvoiceProposal, ...]:
    """One proposal per customer and currency with what is due by ``due_by`` and not invoiced.

    Fees are due on their ``due_date``; transactions on their date. Sources whose id is
    in ``invoiced_ids`` (sources already invoiced) are left out. ``customer_id`` limits
    the proposals to one customer. Lines are in service-date order; proposals in
    (customer, currency) order; a customer with nothing due gets no proposal.

    Raises:
        TypeMismatchError: an item of the wrong type.
    """
    day = is_date.check(due_by, "due_by")
    groups: dict[tuple[str, str], tuple[Currency, list[InvoiceLine]]] = {}

    def add(customer: str, currency: Currency, line: InvoiceLine) -> None:
        key = (customer, currency.code)
        group = groups.get(key)
        if group is None:
            group = groups[key] = (currency, [])
        group[1].append(line)

    iterable("FeeTransaction values").check(fees, "fees")
    iterable("BillableTransaction values").check(transactions, "transactions")
    given_invoiced: object = invoiced_ids
    if isinstance(given_invoiced, str) or not isinstance(given_invoiced, Container):
        raise TypeMismatchError("invoiced_ids", invoiced_ids, "expected a container of source ids")
    if customer_id is not None:
        is_id.check(customer_id, "customer_id")
    for position, fee in enumerate(fees):
        if not isinstance(fee, FeeTransaction):
            raise TypeMismatchError(f"fees[{position}]", fee, "expected a FeeTransaction")
        if fee.due_date > day or fee.id in invoiced_ids:
            continue
        if customer_id is None or fee.customer_id == customer_id:
            add(fee.customer_id, fee.currency, InvoiceLine.for_fee(fee))
    for position, transaction in enumerate(transactions):
        if not isinstance(transaction, BillableTransaction):
            raise TypeMismatchError(
                f"transactions[{position}]", transaction, "expected a BillableTransaction"
            )
        if transaction.transaction_date > day or transaction.id in invoiced_ids:
            continue
        if customer_id is None or transaction.customer_id == customer_id:
            add(
                transaction.customer_id,
                transaction.currency,
                InvoiceLine.for_transaction(transaction),
            )
    proposals = []
    for (customer, _code), (currency, lines) in sorted(groups.items()):
        lines.sort(key=lambda line: (line.service_date, line.source_id))
        proposals.append(
            InvoiceProposal(customer_id=customer, currency=currency, due_by=day, lines=tuple(lines))
        )
    return tuple(proposals)


@attrs.frozen(kw_only=True, weakref_slot=False)  # no weak references: fast builds
class InvoicedItem:
    """What happened to one invoiced source: its invoice line and what was credited."""

    line: InvoiceLine = attrs.field(validator=instance_of(InvoiceLine))
    invoice_id: str = attrs.field(validator=is_id)
    customer_id: str = attrs.field(validator=is_id)
    invoice_date: date = attrs.field(validator=is_date)
    credited: Money = attrs.field(validator=is_money)
    credit_note_ids: tuple[str, ...] = attrs.field(default=(), validator=deep_iterable(is_str))

    @property
    def source_id(self) -> str:
        """The fee or transaction id."""
        return self.line.source_id

    @property
    def amount(self) -> Money:
        """The amount invoiced."""
        return self.line.amount

    @property
    def creditable(self) -> Money:
        """What can still be credited: invoiced minus credited."""
        return self.line.amount - self.credited


_build_item: Final = _trusted.positional_builder(InvoicedItem)


def credit_note(
    *,
    credit_note_id: str,
    credit_date: date,
    invoiced_items: Mapping[str, InvoicedItem],
    select: Sequence[str],
    amounts: Mapping[str, Money] | None = None,
    fees: Iterable[FeeTransaction] = (),
) -> Invoice:
    """A credit note for the selected invoiced sources (AX *Select for credit note*).

    Each selected source is credited what can still be credited, or the amount in
    ``amounts`` (same sign as the invoiced amount, at most what is creditable). The
    credit line repeats the invoiced line's price: the price billed, not the current one.
    All sources must belong to one customer and currency, and the credit note is not
    dated before any of their invoices.

    ``fees`` are the stored fees of the selected fees' subscriptions (``invoiced_items``
    then also holds their items, when invoiced). With them, a credit of a fee also
    stays within what its charge still bills: the charge and its adjustments
    (cancellation and reduction credits included, invoiced or not) less what credit
    notes took back of any of them (law F13). After a cancellation of half a month,
    crediting the month's charge in full credits the half the cancellation left.
    ``credit_invoiced`` passes them.

    Raises:
        BillingRuleError: (rule ``credit.not_invoiced``) a source is on no invoice.
        CreditExceededError: a credit above what is still creditable (a second full
            credit of the same source included), or above what its charge still bills.
        CreditBeforeInvoiceError: (field ``credit_date``) before a source's invoice.
        CurrencyMismatchError: sources in two currencies.
        InvalidInputError: sources of two customers, or nothing selected.
    """
    is_id.check(credit_note_id, "credit_note_id")
    day = is_date.check(credit_date, "credit_date")
    _MAPPING.check(invoiced_items, "invoiced_items")
    if amounts is not None:
        _AMOUNTS.check(amounts, "amounts")
    given: object = select
    if not isinstance(given, Sequence) or isinstance(given, str) or not given:
        raise InvalidInputError("select", select, "select at least one invoiced source id")
    requested = dict(amounts or {})
    families = _Families(fees, invoiced_items)
    lines: list[InvoiceLine] = []
    customer: str | None = None
    currency: Currency | None = None
    for source_id in select:
        item = invoiced_items.get(source_id)
        if item is None:
            raise BillingRuleError(
                str(source_id), "credit.not_invoiced", "only an invoiced source can be credited"
            )
        if customer is not None and item.customer_id != customer:
            raise InvalidInputError("select", source_id, f"not a source of customer {customer!r}")
        if currency is not None and item.amount.currency != currency:
            raise CurrencyMismatchError("select", currency.code, item.amount.currency.code)
        if day < item.invoice_date:
            raise CreditBeforeInvoiceError(
                "credit_date",
                day,
                f"before invoice {item.invoice_id!r} of {source_id} dated {item.invoice_date}",
            )
        customer, currency = item.customer_id, item.amount.currency
        available = families.creditable(item)
        credit = requested.pop(source_id, available)
        if source_id not in (amounts or {}) and credit.is_zero:
            raise CreditExceededError(source_id, item.amount, available)
        _check_credit(item, credit)
        if abs(credit.amount) > abs(available.amount):  # beyond what its charge bills
            raise CreditExceededError(source_id, credit, available)
        families.take(source_id, credit)
        lines.append(
            attrs.evolve(
                item.line,
                amount=-credit,
                credited_invoice_id=item.invoice_id,
            )
        )
    if requested:
        raise InvalidInputError("amounts", sorted(requested), "amounts for sources not selected")
    assert customer is not None  # select is not empty
    assert currency is not None
    return Invoice(
        id=credit_note_id,
        kind=DocumentKind.CREDIT_NOTE,
        customer_id=customer,
        currency=currency,
        invoice_date=day,
        lines=tuple(lines),
    )


class _Families:
    """What each charge still bills, for the credits of one credit note (law F13).

    A charge's *family* is the charge and its adjustments. Its open amount is the sum
    of their amounts less what credit notes took back of them (the register's
    ``credited``, then the credits of this note as they are added). A credit of a fee
    with the charge's sign may take the open amount to zero, not past it; a credit of
    a fee of the other sign (a cancellation credit credited back) adds to it.
    """

    def __init__(
        self, fees: Iterable[FeeTransaction], invoiced: Mapping[str, InvoicedItem]
    ) -> None:
        self._family: dict[str, tuple[str, DateRange]] = {}
        self._open: dict[tuple[str, DateRange], int] = {}
        self._sign: dict[tuple[str, DateRange], int] = {}
        for fee in _FEES.check(fees, "fees"):
            key = (fee.subscription_id, fee.charge_period)
            self._family[fee.id] = key
            item = invoiced.get(fee.id)
            taken = 0 if item is None else item.credited.minor_units
            self._open[key] = self._open.get(key, 0) + fee.amount.minor_units - taken
            if fee.kind is FeeKind.CHARGE:
                self._sign[key] = -1 if fee.amount.amount < 0 else 1

    def creditable(self, item: InvoicedItem) -> Money:
        """What may still be credited of ``item``: its creditable amount, within its charge."""
        available = item.creditable
        key = self._family.get(item.source_id)
        if key is None:
            return available
        sign = self._sign.get(key, 1)
        units = available.minor_units
        if units * sign <= 0:  # a credit back of a credit: it only adds to the charge
            return available
        room = max(self._open[key] * sign, 0)
        return Money.from_minor_units(sign * min(units * sign, room), available.currency)

    def take(self, source_id: str, credit: Money) -> None:
        """Record ``credit`` (in the fee's sign) of ``source_id`` on this note."""
        key = self._family.get(source_id)
        if key is not None:
            self._open[key] -= credit.minor_units


def _check_credit(item: InvoicedItem, credit: object) -> None:
    if not isinstance(credit, Money):
        raise TypeMismatchError(f"amounts[{item.source_id!r}]", credit, "expected Money")
    if credit.currency != item.amount.currency:
        raise CurrencyMismatchError(
            f"amounts[{item.source_id!r}]", item.amount.currency.code, credit.currency.code
        )
    available = item.creditable
    sign = -1 if item.amount.amount < 0 else 1
    if (
        credit.is_zero
        or (credit.amount * sign < 0)
        or (credit.amount * sign > available.amount * sign)
    ):
        raise CreditExceededError(item.source_id, credit, available)


def record_document(
    invoiced_items: Mapping[str, InvoicedItem], document: Invoice
) -> dict[str, InvoicedItem]:
    """The invoiced items ``document`` changes, after checking it may be recorded.

    Each line that bills its source (every line of an invoice, and a credit note's
    lines that name no credited invoice) adds one item; a line that credits an
    invoiced source adds its credit to that item. A store applies the returned items
    together with the document, all or none.

    Raises:
        AlreadyInvoicedError: a billed line's source is invoiced already.
        BillingRuleError: (``credit.not_invoiced``) a credited source is not invoiced.
        CreditExceededError: a credit above what is still creditable.
        CreditBeforeInvoiceError: (field ``invoice_date``) a credit note dated before
            the invoice it credits.
    """
    _MAPPING.check(invoiced_items, "invoiced_items")
    if not isinstance(document, Invoice):
        raise TypeMismatchError("document", document, "expected an Invoice")
    changed: dict[str, InvoicedItem] = {}
    is_invoice = document.kind is DocumentKind.INVOICE
    # Every field of an invoice's items comes from the checked document: one zero for
    # all of them, and no constructor checks (InvoicedItem has none).
    zero: Money | None = Money.zero(document.currency) if is_invoice else None
    for line in document.lines:
        known = invoiced_items.get(line.source_id)
        if is_invoice or line.credited_invoice_id is None:
            if known is not None:
                raise AlreadyInvoicedError(line.source_id, known.invoice_id)
            if zero is None:
                zero = Money.zero(document.currency)
            changed[line.source_id] = _build_item(
                line, document.id, document.customer_id, document.invoice_date, zero, ()
            )
            continue
        if known is None or known.invoice_id != line.credited_invoice_id:
            raise BillingRuleError(
                line.source_id,
                "credit.not_invoiced",
                f"not invoiced on {line.credited_invoice_id!r}",
            )
        if document.invoice_date < known.invoice_date:
            raise CreditBeforeInvoiceError(
                "invoice_date",
                document.invoice_date,
                f"credit note {document.id!r} is dated before invoice {known.invoice_id!r} "
                f"of {line.source_id} dated {known.invoice_date}",
            )
        _check_credit(known, -line.amount)
        changed[line.source_id] = attrs.evolve(
            known,
            credited=known.credited - line.amount,
            credit_note_ids=(*known.credit_note_ids, document.id),
        )
    return changed


def next_document_id(
    *, prefix: str, customer_id: str, currency: Currency, on: date, taken: Iterable[str]
) -> str:
    """The id of a new document: ``<prefix>-<customer>-<currency>-<yyyymmdd>-<n>``.

    ``n`` is the lowest number from 1 up whose id is not ``taken`` (the ids of the
    customer's documents already posted), so each series (invoices, credit notes: one
    prefix each) numbers a customer's documents of a currency and a day 1, 2, 3, ...

    Raises:
        InvalidInputError: (field ``prefix`` or ``customer_id``) not a non-blank id.
        TypeMismatchError: ``currency`` is not a Currency, ``on`` not a date, ``taken``
            not a collection of str.

    >>> next_document_id(prefix="INV", customer_id="C-1", currency=Currency.of("EUR"),
    ...     on=date(2026, 3, 31), taken={"INV-C-1-EUR-20260331-1"})
    'INV-C-1-EUR-20260331-2'
    """
    is_id.check(prefix, "prefix")
    is_id.check(customer_id, "customer_id")
    instance_of(Currency).check(currency, "currency")
    day = is_date.check(on, "on")
    used = set(_ITEMS_OF_STR.check(taken, "taken"))
    stem = f"{prefix}-{customer_id}-{currency.code}-{day:%Y%m%d}"
    number = 1
    while f"{stem}-{number}" in used:
        number += 1
    return f"{stem}-{number}"
