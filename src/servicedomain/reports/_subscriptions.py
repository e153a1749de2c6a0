"""Reports on subscriptions: fee transactions and the fee summary, in every format."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date

import attrs

from servicedomain._checks import (
    deep_mapping,
    instance_of,
    is_id,
    is_str,
    items_of,
    optional,
)
from servicedomain.billing import AccrualPeriod, FeeKind, FeeTransaction, InvoicedItem
from servicedomain.money import Currency, Money
from servicedomain.reports._charts import charts
from servicedomain.reports._labels import label
from servicedomain.reports._locales import DEFAULT_LOCALE
from servicedomain.reports._views import (
    Cell,
    Renders,
    ReportColumn,
    ReportTable,
    ReportView,
    render_csv,
)

__all__ = [
    "SubscriptionFeeReport",
    "SubscriptionFeeRow",
    "SubscriptionTransactionRow",
    "SubscriptionTransactionsReport",
    "render_subscription_fee_summary_csv",
    "render_subscription_fee_summary_html",
    "render_subscription_fee_summary_json",
    "render_subscription_fee_summary_text",
    "render_subscription_transactions_csv",
    "render_subscription_transactions_html",
    "render_subscription_transactions_json",
    "render_subscription_transactions_text",
    "subscription_fee_summary",
    "subscription_fee_totals",
    "subscription_transactions",
]

# ----------------------------------------------------------------------- subscriptions

_KIND_ORDER = {kind: position for position, kind in enumerate(FeeKind)}
# What the text and the HTML call each kind (the CSV and the JSON carry the value).
_KIND_LABELS = {
    FeeKind.CHARGE: label("charge"),
    FeeKind.REDUCTION_DAYS: label("reduction_days"),
    FeeKind.PRICE_CHANGE: label("price_change"),
    FeeKind.CANCELLATION: label("cancellation"),
}


@attrs.frozen(kw_only=True)
class SubscriptionTransactionRow:
    """One fee transaction of a subscription (a row of AX *Transaction - subscription*).

    Attributes:
        subscription_id: the subscription billed.
        fee_id: the fee's id, as on invoice lines (``S-1:2024-03-01:2024-04-01:charge``).
        kind: charge, reduction days, price change or cancellation.
        first_day: the first day the fee is for.
        last_day: the last day the fee is for (included).
        amount: the fee (negative for reduction days and cancellations).
        due_date: the date from which the fee may be invoiced.
        invoice_id: the invoice the fee is on; ``None`` while it is on none.
        credited: what credit notes took back, in the fee's sign; zero when nothing.
        accrued: the revenue its posted, unreversed accrual periods hold; zero when none.
    """

    subscription_id: str = attrs.field(validator=is_id)
    fee_id: str = attrs.field(validator=is_id)
    kind: FeeKind = attrs.field(validator=instance_of(FeeKind))
    first_day: date = attrs.field(validator=instance_of(date))
    last_day: date = attrs.field(validator=instance_of(date))
    amount: Money = attrs.field(validator=instance_of(Money))
    due_date: date = attrs.field(validator=instance_of(date))
    invoice_id: str | None = attrs.field(validator=optional(is_id))
    credited: Money = attrs.field(validator=instance_of(Money))
    accrued: Money = attrs.field(validator=instance_of(Money))

    @property
    def currency(self) -> Currency:
        """The currency of the amounts."""
        return self.amount.currency


@attrs.frozen(kw_only=True)
class SubscriptionFeeRow:
    """The fees of one subscription for one billing period, or a total per currency.

    A row of AX *Subscription fee transactions*. On a total row (see
    :func:`subscription_fee_totals`) ``subscription_id``, ``first_day`` and
    ``last_day`` are ``None``.

    Attributes:
        subscription_id: the subscription.
        first_day: the first day of the billing period (the invoicing period).
        last_day: its last day (included).
        fee: the net sum of the period's fees of every kind.
        invoiced: the sum of those fees that are on an invoice.
        credited: what credit notes took back of them.
        accrued: the revenue their accrual periods hold accrued.
    """

    subscription_id: str | None = attrs.field(validator=optional(is_id))
    first_day: date | None = attrs.field(validator=optional(instance_of(date)))
    last_day: date | None = attrs.field(validator=optional(instance_of(date)))
    fee: Money = attrs.field(validator=instance_of(Money))
    invoiced: Money = attrs.field(validator=instance_of(Money))
    credited: Money = attrs.field(validator=instance_of(Money))
    accrued: Money = attrs.field(validator=instance_of(Money))

    @property
    def currency(self) -> Currency:
        """The currency of the amounts."""
        return self.fee.currency

    @property
    def is_total(self) -> bool:
        """True on a total row."""
        return self.subscription_id is None


def _accrued_by_fee(accruals: Iterable[AccrualPeriod]) -> dict[str, list[Money]]:
    """The amounts of the posted, unreversed accrual periods, per fee id."""
    held: dict[str, list[Money]] = {}
    for period in items_of(AccrualPeriod).check(accruals, "accruals"):
        if period.is_posted and not period.is_reversed:
            held.setdefault(period.source_id, []).append(period.amount)
    return held


def _transaction_rows(
    fees: Iterable[FeeTransaction],
    invoiced_items: Mapping[str, InvoicedItem],
    accruals: Iterable[AccrualPeriod],
) -> list[tuple[FeeTransaction, SubscriptionTransactionRow]]:
    checked = items_of(FeeTransaction).check(fees, "fees")
    deep_mapping(is_str, instance_of(InvoicedItem)).check(invoiced_items, "invoiced_items")
    held = _accrued_by_fee(accruals)
    rows = []
    for fee in checked:
        item = invoiced_items.get(fee.id)
        row = SubscriptionTransactionRow(
            subscription_id=fee.subscription_id,
            fee_id=fee.id,
            kind=fee.kind,
            first_day=fee.period.start,
            last_day=fee.period.last,
            amount=fee.amount,
            due_date=fee.due_date,
            invoice_id=None if item is None else item.invoice_id,
            credited=Money.zero(fee.currency) if item is None else item.credited,
            accrued=Money.total(held.get(fee.id, ()), fee.currency),
        )
        rows.append((fee, row))
    return rows


def subscription_transactions(
    fees: Iterable[FeeTransaction],
    invoiced_items: Mapping[str, InvoicedItem],
    accruals: Iterable[AccrualPeriod],
) -> tuple[SubscriptionTransactionRow, ...]:
    """One row per fee transaction (AX *Transaction - subscription*).

    Args:
        fees: the fee transactions to report, each once (of any subscriptions).
        invoiced_items: the invoiced items by source id (``uow.invoices.invoiced(...)``); a
            fee missing from it is not invoiced.
        accruals: accrual periods (of any fees; those of other fees are ignored).

    Returns:
        The rows in subscription id, first day and kind order (charges first).

    Raises:
        TypeMismatchError: an item of ``fees`` or ``accruals`` has the wrong type.
        CurrencyMismatchError: an accrual period in another currency than its fee.

    >>> from servicedomain.billing import Subscription, generate_fees
    >>> from servicedomain.periods import MONTHLY
    >>> sub = Subscription(id="S-1", group_id="G", customer_id="C", project_id="P",
    ...     category_id="FEE", period_code=MONTHLY, base_price=Money(200, "EUR"),
    ...     start_date=date(2024, 3, 1))
    >>> row, = subscription_transactions(generate_fees(sub, as_of=date(2024, 3, 1)), {}, [])
    >>> print(row.kind.value, row.first_day, row.last_day, row.amount, row.invoice_id)
    charge 2024-03-01 2024-03-31 200.00 EUR None
    """
    rows = [row for _fee, row in _transaction_rows(fees, invoiced_items, accruals)]
    rows.sort(key=lambda r: (r.subscription_id, r.first_day, _KIND_ORDER[r.kind], r.last_day))
    return tuple(rows)


def subscription_fee_summary(
    fees: Iterable[FeeTransaction],
    invoiced_items: Mapping[str, InvoicedItem],
    accruals: Iterable[AccrualPeriod],
) -> tuple[SubscriptionFeeRow, ...]:
    """Per subscription and billing period: fee, invoiced, credited, accrued.

    AX *Subscription fee transactions*. Every fee counts in its ``billing_period``
    (reduction days and other adjustments in the period of the charge they adjust);
    the sums are exact. The arguments are as for :func:`subscription_transactions`;
    :func:`subscription_fee_totals` gives the totals.

    Returns:
        The rows in subscription id and billing period order.

    Raises:
        TypeMismatchError: an item of ``fees`` or ``accruals`` has the wrong type.
        CurrencyMismatchError: an accrual period in another currency than its fee.

    >>> from servicedomain.billing import Subscription, generate_fees
    >>> from servicedomain.periods import MONTHLY
    >>> sub = Subscription(id="S-1", group_id="G", customer_id="C", project_id="P",
    ...     category_id="FEE", period_code=MONTHLY, base_price=Money(200, "EUR"),
    ...     start_date=date(2024, 3, 1))
    >>> rows = subscription_fee_summary(generate_fees(sub, as_of=date(2024, 4, 1)), {}, [])
    >>> print(render_subscription_fee_summary_text(rows), end="")
    Subscription fee transactions
    Subscription First day  Last day          Fee Invoiced Credited  Accrued
    ------------------------------------------------------------------------
    S-1          2024-03-01 2024-03-31 200.00 EUR 0.00 EUR 0.00 EUR 0.00 EUR
    S-1          2024-04-01 2024-04-30 200.00 EUR 0.00 EUR 0.00 EUR 0.00 EUR
    ------------------------------------------------------------------------
    Total                              400.00 EUR 0.00 EUR 0.00 EUR 0.00 EUR
    """
    groups: dict[tuple[str, date, date, str], list[SubscriptionTransactionRow]] = {}
    periods: dict[tuple[str, date, date, str], FeeTransaction] = {}
    for fee, row in _transaction_rows(fees, invoiced_items, accruals):
        period = fee.billing_period
        key = (fee.subscription_id, period.start, period.end, fee.currency.code)
        groups.setdefault(key, []).append(row)
        periods.setdefault(key, fee)
    summary = []
    for key in sorted(groups):
        group = groups[key]
        first = periods[key]
        currency = first.currency
        summary.append(
            SubscriptionFeeRow(
                subscription_id=first.subscription_id,
                first_day=first.billing_period.start,
                last_day=first.billing_period.last,
                fee=Money.total((row.amount for row in group), currency),
                invoiced=Money.total(
                    (row.amount for row in group if row.invoice_id is not None), currency
                ),
                credited=Money.total((row.credited for row in group), currency),
                accrued=Money.total((row.accrued for row in group), currency),
            )
        )
    return tuple(summary)


def subscription_fee_totals(rows: Iterable[SubscriptionFeeRow]) -> tuple[SubscriptionFeeRow, ...]:
    """One total row per currency, in the order the currencies first appear.

    Total rows among ``rows`` are skipped, so they are never counted twice.
    """
    rows = items_of(SubscriptionFeeRow).check(rows, "rows")
    chosen = [row for row in rows if not row.is_total]
    currencies = dict.fromkeys(row.currency for row in chosen)
    totals = []
    for currency in currencies:
        mine = [row for row in chosen if row.currency == currency]
        totals.append(
            SubscriptionFeeRow(
                subscription_id=None,
                first_day=None,
                last_day=None,
                fee=Money.total((row.fee for row in mine), currency),
                invoiced=Money.total((row.invoiced for row in mine), currency),
                credited=Money.total((row.credited for row in mine), currency),
                accrued=Money.total((row.accrued for row in mine), currency),
            )
        )
    return tuple(totals)


def _transaction_columns() -> tuple[ReportColumn, ...]:
    return (
        ReportColumn("subscription_id", label("Subscription"), missing=label("Total")),
        ReportColumn("fee_id", label("Fee"), shown=False),
        ReportColumn("kind", label("Kind")),
        ReportColumn("first_day", label("First day"), "date"),
        ReportColumn("last_day", label("Last day"), "date"),
        ReportColumn("due_date", label("Due date"), "date"),
        ReportColumn("currency", label("Currency"), shown=False),
        ReportColumn("amount", label("Amount"), "money"),
        ReportColumn("invoice_id", label("Invoice"), missing="-"),
        ReportColumn("credited", label("Credited"), "money"),
        ReportColumn("accrued", label("Accrued"), "money"),
    )


def _transaction_rows_of(
    rows: Iterable[SubscriptionTransactionRow],
) -> tuple[SubscriptionTransactionRow, ...]:
    return tuple(items_of(SubscriptionTransactionRow).check(rows, "rows"))


@attrs.frozen
class SubscriptionTransactionsReport(Renders):
    """*Transaction - subscription* as a report: the rows and a total per currency.

    Renders as text, CSV, JSON and HTML from :meth:`view`. The CSV has one line per
    row (no totals), the fee id and the currency included.

    Raises:
        TypeMismatchError: (field ``rows``) an item that is not a
            SubscriptionTransactionRow.
    """

    rows: tuple[SubscriptionTransactionRow, ...] = attrs.field(converter=_transaction_rows_of)

    @property
    def totals(self) -> tuple[tuple[Money, Money, Money], ...]:
        """Per currency (first-appearance order): amount, credited and accrued, exact."""
        totals = []
        for currency in dict.fromkeys(row.currency for row in self.rows):
            mine = [row for row in self.rows if row.currency == currency]
            totals.append(
                (
                    Money.total((row.amount for row in mine), currency),
                    Money.total((row.credited for row in mine), currency),
                    Money.total((row.accrued for row in mine), currency),
                )
            )
        return tuple(totals)

    def view(self) -> ReportView:
        """The report as data: one table, its totals one row per currency."""
        body: list[tuple[Cell, ...]] = [
            (
                row.subscription_id,
                row.fee_id,
                _KIND_LABELS[row.kind],
                row.first_day,
                row.last_day,
                row.due_date,
                row.currency.code,
                row.amount,
                row.invoice_id,
                row.credited,
                row.accrued,
            )
            for row in self.rows
        ]
        foot: list[tuple[Cell, ...]] = [
            (*([None] * 6), amount.currency.code, amount, "", credited, accrued)
            for amount, credited, accrued in self.totals
        ]
        return ReportView(
            key="subscription_transactions",
            title=label("Transaction - subscription"),
            tables=(ReportTable("rows", "", _transaction_columns(), body, foot),),
        )


def _fee_columns() -> tuple[ReportColumn, ...]:
    return (
        ReportColumn("subscription_id", label("Subscription"), missing=label("Total")),
        ReportColumn("first_day", label("First day"), "date"),
        ReportColumn("last_day", label("Last day"), "date"),
        ReportColumn("currency", label("Currency"), shown=False),
        ReportColumn("fee", label("Fee"), "money"),
        ReportColumn("invoiced", label("Invoiced"), "money"),
        ReportColumn("credited", label("Credited"), "money"),
        ReportColumn("accrued", label("Accrued"), "money"),
    )


def _fee_cells(row: SubscriptionFeeRow) -> tuple[Cell, ...]:
    return (
        row.subscription_id,
        row.first_day,
        row.last_day,
        row.currency.code,
        row.fee,
        row.invoiced,
        row.credited,
        row.accrued,
    )


_PerPeriod = tuple[tuple[date, date, Money], ...]


def _without_totals(rows: Iterable[SubscriptionFeeRow]) -> tuple[SubscriptionFeeRow, ...]:
    checked = items_of(SubscriptionFeeRow).check(rows, "rows")
    return tuple(row for row in checked if not row.is_total)


def _period_label(first: date, last: date) -> str:
    """A bar's label: the billing period's first and last day (two periods may share a start)."""
    return label("{first} .. {last}").format(first=first, last=last)


@attrs.frozen
class SubscriptionFeeReport(Renders):
    """*Subscription fee transactions* as a report: the rows, totals and a fee chart.

    Total rows among ``rows`` are left out (the report adds
    :func:`subscription_fee_totals`). The HTML charts the fee and the accrual schedule:
    the fees and the accrued revenue per billing period (all subscriptions summed),
    one chart per currency.

    Raises:
        TypeMismatchError: (field ``rows``) an item that is not a SubscriptionFeeRow.
    """

    rows: tuple[SubscriptionFeeRow, ...] = attrs.field(converter=_without_totals)

    @property
    def totals(self) -> tuple[SubscriptionFeeRow, ...]:
        """One total row per currency (:func:`subscription_fee_totals`)."""
        return subscription_fee_totals(self.rows)

    def _per_period(self, amount: Callable[[SubscriptionFeeRow], Money]) -> _PerPeriod:
        # Per (first day, last day): a month and a quarter may start on the same day.
        sums: dict[tuple[date, date, str], list[Money]] = {}
        for row in self.rows:
            if row.first_day is not None and row.last_day is not None:
                key = (row.first_day, row.last_day, row.currency.code)
                sums.setdefault(key, []).append(amount(row))
        return tuple(
            (first, last, Money.total(amounts, amounts[0].currency))
            for (first, last, _code), amounts in sorted(sums.items())
        )

    @property
    def fees_per_period(self) -> _PerPeriod:
        """Per billing period and currency, in date order: first day, last day, fees."""
        return self._per_period(lambda row: row.fee)

    @property
    def accrued_per_period(self) -> _PerPeriod:
        """Per billing period and currency, in date order: first day, last day, accrued."""
        return self._per_period(lambda row: row.accrued)

    def view(self) -> ReportView:
        """The report as data: the rows, the totals and the fees per billing period."""
        return ReportView(
            key="subscription_fees",
            title=label("Subscription fee transactions"),
            tables=(
                ReportTable(
                    "rows",
                    "",
                    _fee_columns(),
                    [_fee_cells(row) for row in self.rows],
                    [_fee_cells(row) for row in self.totals],
                ),
            ),
            charts=(
                *charts(
                    "fees_per_period",
                    label("Fees per billing period"),
                    [
                        (_period_label(first, last), fee)
                        for first, last, fee in self.fees_per_period
                    ],
                ),
                *charts(
                    "accrued_per_period",
                    label("Accrued per billing period"),
                    [
                        (_period_label(first, last), held)
                        for first, last, held in self.accrued_per_period
                    ],
                ),
            ),
        )


def render_subscription_transactions_text(
    rows: Sequence[SubscriptionTransactionRow], *, locale: str = DEFAULT_LOCALE
) -> str:
    """The subscription transactions as a plain-text table, with totals per currency.

    The totals sum amount, credited and accrued exactly; without rows there is only the
    title and the header.
    """
    return SubscriptionTransactionsReport(
        items_of(SubscriptionTransactionRow).check(rows, "rows")
    ).render_text(locale=locale)


def render_subscription_transactions_json(
    rows: Sequence[SubscriptionTransactionRow], *, locale: str = DEFAULT_LOCALE
) -> str:
    """The subscription transactions and their totals as JSON (see ``render_json``)."""
    return SubscriptionTransactionsReport(
        items_of(SubscriptionTransactionRow).check(rows, "rows")
    ).render_json(locale=locale)


def render_subscription_transactions_html(
    rows: Sequence[SubscriptionTransactionRow], *, locale: str = DEFAULT_LOCALE
) -> str:
    """The subscription transactions as a self-contained HTML page.

    Raises:
        MissingExtraError: Jinja2 is not installed (``servicedomain[reports]``).
    """
    return SubscriptionTransactionsReport(
        items_of(SubscriptionTransactionRow).check(rows, "rows")
    ).render_html(locale=locale)


def render_subscription_fee_summary_text(
    rows: Sequence[SubscriptionFeeRow], *, locale: str = DEFAULT_LOCALE
) -> str:
    """The fee summary as a plain-text table, with :func:`subscription_fee_totals`.

    Total rows given in ``rows`` are left out of the body; without rows there is only
    the title and the header.
    """
    return SubscriptionFeeReport(rows).render_text(locale=locale)


def render_subscription_fee_summary_json(
    rows: Sequence[SubscriptionFeeRow], *, locale: str = DEFAULT_LOCALE
) -> str:
    """The fee summary, its totals and nothing else as JSON (see ``render_json``)."""
    return SubscriptionFeeReport(rows).render_json(locale=locale)


def render_subscription_fee_summary_html(
    rows: Sequence[SubscriptionFeeRow], *, locale: str = DEFAULT_LOCALE
) -> str:
    """The fee summary as a self-contained HTML page, with the fees per period charted.

    Raises:
        MissingExtraError: Jinja2 is not installed (``servicedomain[reports]``).
    """
    return SubscriptionFeeReport(rows).render_html(locale=locale)


def render_subscription_transactions_csv(
    rows: Iterable[SubscriptionTransactionRow], *, locale: str = DEFAULT_LOCALE
) -> str:
    """The subscription transactions as CSV: a header row, then one line per row.

    Columns: ``subscription_id, fee_id, kind, first_day, last_day, due_date, currency,
    amount, invoice_id, credited, accrued``. Dates are ISO (``2024-03-31``), amounts
    plain decimals (``-12.90``) in the ``currency`` column's currency, the kind its
    value (``reduction_days``), a missing invoice empty. No totals; each line ends in a newline.
    """
    return SubscriptionTransactionsReport(
        items_of(SubscriptionTransactionRow).check(rows, "rows")
    ).render_csv(locale=locale)


def render_subscription_fee_summary_csv(
    rows: Iterable[SubscriptionFeeRow], *, locale: str = DEFAULT_LOCALE
) -> str:
    """The fee summary as CSV: a header row, then one line per row given.

    Columns: ``subscription_id, first_day, last_day, currency, fee, invoiced, credited,
    accrued``; ISO dates, plain decimal amounts. Rows are written as given: add
    :func:`subscription_fee_totals` to write totals (their id and dates are empty).
    Each line ends in a newline.
    """
    rows = items_of(SubscriptionFeeRow).check(rows, "rows")
    table = ReportTable("rows", "", _fee_columns(), [_fee_cells(row) for row in rows])
    return render_csv(ReportView(key="subscription_fees", title="", tables=(table,)), locale=locale)
