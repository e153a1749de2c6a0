"""Billing, first step: subscription groups, the price table and indexing (catalog 5)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedomain.billing import (
    IndexedPrice,
    PriceEntry,
    PriceTable,
    Subscription,
    SubscriptionGroup,
    allowed_accrual_period_codes,
)
from servicedomain.errors import (
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidInputError,
    ServiceDomainError,
    TypeMismatchError,
)
from servicedomain.money import Money
from servicedomain.periods import (
    DAILY,
    HALF_YEARLY,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    PeriodCode,
    PeriodUnit,
)


def eur(amount: int | str) -> Money:
    return Money(Decimal(amount), "EUR")


def assert_names_field(error: ServiceDomainError, field: str) -> None:
    assert isinstance(error, ServiceDomainError)
    assert getattr(error, "field", None) == field
    assert field in str(error)


# ------------------------------------------------------------------ subscription groups

FIVE = {"Year": YEARLY, "Quarter": QUARTERLY, "Month": MONTHLY, "Week": WEEKLY, "Day": DAILY}
ALLOWED = {
    "Year": {"Year", "Quarter", "Month", "Day"},
    "Quarter": {"Quarter", "Month", "Day"},
    "Month": {"Month", "Day"},
    "Week": {"Day"},
    "Day": {"Day"},
}
PAIRS = [(inv, acc) for inv in FIVE for acc in FIVE]


@pytest.mark.parametrize(("invoicing", "accrual"), [p for p in PAIRS if p[1] in ALLOWED[p[0]]])
def test_the_accrual_table_allows(invoicing: str, accrual: str) -> None:
    group = SubscriptionGroup(
        id="G", invoicing_period_code=FIVE[invoicing], accrual_period_code=FIVE[accrual]
    )
    assert group.accrual_period_code == FIVE[accrual]
    assert FIVE[accrual] in allowed_accrual_period_codes(FIVE[invoicing])


@pytest.mark.parametrize(("invoicing", "accrual"), [p for p in PAIRS if p[1] not in ALLOWED[p[0]]])
def test_the_accrual_table_refuses(invoicing: str, accrual: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        SubscriptionGroup(
            id="G", invoicing_period_code=FIVE[invoicing], accrual_period_code=FIVE[accrual]
        )
    assert_names_field(caught.value, "accrual_period_code")
    assert FIVE[accrual] not in allowed_accrual_period_codes(FIVE[invoicing])


def test_the_accrual_table_has_exactly_the_catalog_pairs() -> None:
    allowed = sum(len(v) for v in ALLOWED.values())
    assert allowed == 11
    assert len([p for p in PAIRS if p[1] not in ALLOWED[p[0]]]) == 25 - 11


@pytest.mark.parametrize("invoicing", list(FIVE.values()))
def test_accrue_revenue_without_an_accrual_period_is_fine(invoicing: PeriodCode) -> None:
    group = SubscriptionGroup(
        id="G", name="Fees", invoicing_period_code=invoicing, accrue_revenue=True
    )
    assert group.accrual_period_code is None
    assert group.accrue_revenue


@pytest.mark.parametrize(
    "code", [PeriodCode(PeriodUnit.MONTH, 2), HALF_YEARLY, PeriodCode(PeriodUnit.DAY, 3)]
)
def test_other_codes_are_not_invoicing_periods(code: PeriodCode) -> None:
    with pytest.raises(InvalidInputError) as caught:
        SubscriptionGroup(id="G", invoicing_period_code=code)
    assert_names_field(caught.value, "invoicing_period_code")


def test_an_accrual_period_outside_the_five_units_is_refused() -> None:
    with pytest.raises(InvalidInputError) as caught:
        SubscriptionGroup(
            id="G",
            invoicing_period_code=YEARLY,
            accrual_period_code=PeriodCode(PeriodUnit.MONTH, 2),
        )
    assert_names_field(caught.value, "accrual_period_code")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"id": "", "invoicing_period_code": MONTHLY}, "id"),
        ({"id": 1, "invoicing_period_code": MONTHLY}, "id"),
        ({"id": "G", "name": None, "invoicing_period_code": MONTHLY}, "name"),
        ({"id": "G", "invoicing_period_code": "P1M"}, "invoicing_period_code"),
        (
            {"id": "G", "invoicing_period_code": MONTHLY, "accrual_period_code": "P1D"},
            "accrual_period_code",
        ),
        ({"id": "G", "invoicing_period_code": MONTHLY, "accrue_revenue": 1}, "accrue_revenue"),
    ],
)
def test_bad_group_inputs(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        SubscriptionGroup(**kwargs)
    assert_names_field(caught.value, field)


# -------------------------------------------------------------------------- price table

JAN = date(2024, 1, 1)


def entry(
    *,
    category: str | None = None,
    project: str | None = None,
    subscription: str | None = None,
    on: date = JAN,
    price: Money | None = None,
    period: PeriodCode = MONTHLY,
) -> PriceEntry:
    return PriceEntry(
        effective_date=on,
        category_id=category,
        project_id=project,
        subscription_id=subscription,
        period_code=period,
        price=eur(100) if price is None else price,
    )


def lookup(
    table: PriceTable,
    *,
    category: str = "CAT",
    project: str = "PRJ",
    subscription: str = "SUB",
    on: date = date(2024, 6, 15),
    period: PeriodCode = MONTHLY,
    currency: str = "EUR",
) -> PriceEntry | None:
    return table.find(
        subscription_id=subscription,
        project_id=project,
        category_id=category,
        period_code=period,
        currency=currency,
        on=on,
    )


def test_the_catalog_example_subcat1_gets_550_from_its_date() -> None:
    later = date(2024, 6, 1)
    table = PriceTable(
        (
            entry(project="PRJ", price=eur(500)),
            entry(project="PRJ", category="SubCat1", on=later, price=eur(550)),
        )
    )

    def fee(category: str, on: date) -> Money:
        return table.price(
            subscription_id="SUB",
            project_id="PRJ",
            category_id=category,
            period_code=MONTHLY,
            currency="EUR",
            on=on,
        )

    assert fee("SubCat1", later) == eur(550)
    assert fee("SubCat1", date(2024, 12, 31)) == eur(550)
    assert fee("SubCat2", later) == eur(500)
    assert fee("SubCat2", date(2024, 12, 31)) == eur(500)
    assert fee("SubCat1", date(2024, 5, 31)) == eur(500)
    assert fee("SubCat1", JAN) == eur(500)


LEVEL_KEYS = {
    1: ("CAT", "PRJ", "SUB"),
    2: (None, "PRJ", "SUB"),
    3: ("CAT", None, "SUB"),
    4: (None, None, "SUB"),
    5: ("CAT", "PRJ", None),
    6: (None, "PRJ", None),
    7: ("CAT", None, None),
    8: (None, None, None),
}


def level_entry(level: int, price: int, on: date = JAN) -> PriceEntry:
    category, project, subscription = LEVEL_KEYS[level]
    return entry(
        category=category, project=project, subscription=subscription, on=on, price=eur(price)
    )


@pytest.mark.parametrize("level", range(1, 9))
def test_each_priority_level_beats_every_lower_level(level: int) -> None:
    winner = level_entry(level, 1000 + level, on=JAN)
    # lower levels are dated later, so only the priority can explain the winner
    losers = tuple(level_entry(lower, lower, on=date(2024, 3, 1)) for lower in range(level + 1, 9))
    assert winner.level == level
    table = PriceTable((*losers, winner))
    assert lookup(table) is winner
    assert table.price(
        subscription_id="SUB",
        project_id="PRJ",
        category_id="CAT",
        period_code=MONTHLY,
        currency="EUR",
        on=date(2024, 6, 15),
    ) == eur(1000 + level)


@pytest.mark.parametrize("level", range(1, 8))
def test_a_level_with_a_differing_key_does_not_apply(level: int) -> None:
    table = PriceTable((level_entry(level, 1), level_entry(8, 8)))
    category, project, subscription = LEVEL_KEYS[level]
    found = lookup(
        table,
        category="OTHER" if category else "CAT",
        project="OTHER" if project else "PRJ",
        subscription="OTHER" if subscription else "SUB",
    )
    assert found is not None
    assert found.level == 8


def test_period_and_currency_mismatches_never_apply() -> None:
    table = PriceTable(
        (
            entry(category="CAT", project="PRJ", subscription="SUB", period=QUARTERLY),
            entry(category="CAT", project="PRJ", subscription="SUB", price=Money(100, "USD")),
        )
    )
    assert lookup(table) is None
    assert lookup(table, period=QUARTERLY) is table.entries[0]
    assert lookup(table, currency="USD") is table.entries[1]
    with pytest.raises(InvalidInputError) as caught:
        table.price(
            subscription_id="SUB",
            project_id="PRJ",
            category_id="CAT",
            period_code=MONTHLY,
            currency="EUR",
            on=date(2024, 6, 15),
        )
    assert_names_field(caught.value, "price")


def test_future_dated_entries_are_ignored() -> None:
    early = entry(project="PRJ", on=JAN, price=eur(10))
    future = entry(category="CAT", project="PRJ", subscription="SUB", on=date(2024, 7, 1))
    table = PriceTable((future, early))
    assert lookup(table, on=date(2024, 6, 30)) is early
    assert lookup(table, on=date(2024, 7, 1)) is future
    assert lookup(table, on=date(2023, 12, 31)) is None


def test_the_latest_date_on_or_before_wins_within_a_level() -> None:
    entries = tuple(entry(project="PRJ", on=date(2024, m, 1), price=eur(m)) for m in (5, 1, 3))
    table = PriceTable(entries)
    assert lookup(table, on=date(2024, 4, 30)) is entries[2]
    assert lookup(table, on=date(2024, 5, 1)) is entries[0]
    assert lookup(table, on=date(2024, 2, 1)) is entries[1]


def test_overlapping_entries_are_refused() -> None:
    first = entry(project="PRJ", price=eur(500))
    again = entry(project="PRJ", price=eur(510))
    with pytest.raises(InvalidInputError) as caught:
        PriceTable((first, entry(category="C"), again))
    assert_names_field(caught.value, "entries[2]")
    assert "overlapping price periods" in str(caught.value)
    # another date, period or currency is no overlap
    PriceTable(
        (
            first,
            entry(project="PRJ", on=date(2024, 2, 1)),
            entry(project="PRJ", period=QUARTERLY),
            entry(project="PRJ", price=Money(1, "USD")),
        )
    )


@pytest.mark.parametrize(
    ("kwargs", "field", "error"),
    [
        ({"effective_date": datetime(2024, 1, 1)}, "effective_date", TypeMismatchError),  # noqa: DTZ001
        ({"category_id": ""}, "category_id", InvalidInputError),
        ({"project_id": 7}, "project_id", TypeMismatchError),
        ({"subscription_id": ""}, "subscription_id", InvalidInputError),
        ({"period_code": "P1M"}, "period_code", TypeMismatchError),
        ({"price": 10.5}, "price", TypeMismatchError),
        ({"price": Decimal(10)}, "price", TypeMismatchError),
        ({"price": eur(-1)}, "price", InvalidAmountError),
        ({"price": eur("10.01") * Decimal("0.333")}, "price", InvalidAmountError),
    ],
)
def test_bad_price_entries(kwargs: dict[str, Any], field: str, error: type[Exception]) -> None:
    base: dict[str, Any] = {
        "effective_date": JAN,
        "category_id": None,
        "project_id": None,
        "subscription_id": None,
        "period_code": MONTHLY,
        "price": eur(1),
    }
    with pytest.raises(error) as caught:
        PriceEntry(**(base | kwargs))
    assert isinstance(caught.value, ServiceDomainError)
    assert_names_field(caught.value, field)


@pytest.mark.parametrize(
    ("entries", "field"), [([entry()], "entries"), ((entry(), "x"), "entries[1]")]
)
def test_bad_price_tables(entries: Any, field: str) -> None:
    with pytest.raises(TypeMismatchError) as caught:
        PriceTable(entries)
    assert_names_field(caught.value, field)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"subscription": ""}, "subscription_id"),
        ({"project": None}, "project_id"),
        ({"category": 3}, "category_id"),
        ({"period": "P1M"}, "period_code"),
        ({"currency": "eur"}, "currency"),
        ({"on": datetime(2024, 1, 1)}, "on"),  # noqa: DTZ001
    ],
)
def test_bad_lookups(kwargs: dict[str, Any], field: str) -> None:
    table = PriceTable((entry(),))
    with pytest.raises(InvalidInputError) as caught:
        lookup(table, **kwargs)
    assert_names_field(caught.value, field)


# ---------------------------------------------------------------------- hypothesis oracle

KEYS = st.sampled_from([None, "A", "B"])
entries_strategy = st.lists(
    st.builds(
        entry,
        category=KEYS,
        project=KEYS,
        subscription=KEYS,
        on=st.dates(date(2024, 1, 1), date(2024, 3, 31)),
        price=st.sampled_from([eur(1), Money(1, "USD")]),
        period=st.sampled_from([MONTHLY, QUARTERLY]),
    ),
    max_size=25,
    unique_by=lambda e: (
        e.effective_date,
        e.category_id,
        e.project_id,
        e.subscription_id,
        e.period_code,
        e.currency,
    ),
)


@given(
    entries=entries_strategy,
    query=st.tuples(
        st.sampled_from(["A", "B"]), st.sampled_from(["A", "B"]), st.sampled_from(["A", "B"])
    ),
    on=st.dates(date(2023, 12, 25), date(2024, 4, 5)),
    period=st.sampled_from([MONTHLY, QUARTERLY]),
    currency=st.sampled_from(["EUR", "USD"]),
)
def test_find_agrees_with_a_brute_force_oracle(
    entries: list[PriceEntry],
    query: tuple[str, str, str],
    on: date,
    period: PeriodCode,
    currency: str,
) -> None:
    category, project, subscription = query
    table = PriceTable(tuple(entries))
    found = lookup(
        table,
        category=category,
        project=project,
        subscription=subscription,
        on=on,
        period=period,
        currency=currency,
    )
    applicable = [
        e
        for e in entries
        if e.period_code == period
        and e.currency.code == currency
        and e.effective_date <= on
        and e.category_id in (None, category)
        and e.project_id in (None, project)
        and e.subscription_id in (None, subscription)
    ]
    if not applicable:
        assert found is None
        return
    assert found is not None
    assert found in applicable
    best_level = min(e.level for e in applicable)
    assert found.level == best_level
    latest = max(e.effective_date for e in applicable if e.level == best_level)
    assert found.effective_date == latest


# ----------------------------------------------------------------------------- indexing


def test_indexed_price_is_base_times_index_over_100() -> None:
    assert IndexedPrice(eur(1000), Decimal(110)).indexed_price == eur(1100)
    assert IndexedPrice(eur(1000)).indexed_price == eur(1000)
    assert IndexedPrice(eur("10.01"), Decimal("105.5")).indexed_price == eur("10.56")  # 10.56055


def test_indexed_price_of_an_index_with_twelve_decimals() -> None:
    """Any index the constructor accepts prices (index / 100 used to need <= 10 decimals)."""
    indexed = IndexedPrice(eur(1000), Decimal("100.123456789012"))
    assert indexed.indexed_price == eur("1001.23")


def test_indexed_price_rounds_half_up() -> None:
    assert IndexedPrice(eur("0.05"), Decimal(110)).indexed_price == eur("0.06")  # 0.055


def test_index_by_a_percentage() -> None:
    indexed = IndexedPrice(eur(1000), Decimal(110)).index_by_percent(Decimal(10))
    assert indexed.index == Decimal(121)
    assert indexed.base_price == eur(1000)
    assert indexed.indexed_price == eur(1210)


def test_repeated_percentage_moves_keep_a_supported_index() -> None:
    """Eight yearly -23% indexations: every index stays one the constructor accepts.

    Exact arithmetic adds two decimals a move (100 x 0.77^8 has 16); the index is
    rounded half-up to ``MAX_FACTOR_DECIMALS`` where the percentage is given, so no
    move makes an index ``IndexedPrice`` refuses (it used to raise naming ``index``).
    """
    indexed = IndexedPrice(eur(10))
    for _ in range(8):
        indexed = indexed.index_by_percent(-23)
        assert IndexedPrice(indexed.base_price, indexed.index) == indexed
    assert indexed.index == Decimal("12.357362915477")  # 12.35736291547681 exactly
    assert indexed.indexed_price == eur("1.24")


@given(
    moves=st.lists(
        st.integers(-99, 500)
        | st.decimals(min_value=-99, max_value=500, places=12, allow_nan=False),
        max_size=20,
    )
)
def test_index_by_percent_moves_always_give_a_supported_index(moves: list[Decimal]) -> None:
    """Any run of percentage moves gives an index the constructor accepts, or names ``pct``."""
    indexed = IndexedPrice(eur("1234.56"))
    for pct in moves:
        try:
            indexed = indexed.index_by_percent(pct)
        except InvalidAmountError as error:
            assert_names_field(error, "pct")
            continue
        assert IndexedPrice(indexed.base_price, indexed.index) == indexed
        assert indexed.indexed_price.currency == indexed.base_price.currency


def test_an_index_by_percent_out_of_range_names_pct() -> None:
    """A move past the supported range, or to an index that rounds to 0, names ``pct``."""
    for pct, start in ((Decimal(10) ** 14, Decimal(1000)), (Decimal(-99), Decimal("1E-11"))):
        with pytest.raises(InvalidAmountError) as caught:
            IndexedPrice(eur(1), start).index_by_percent(pct)
        assert_names_field(caught.value, "pct")


def test_subscription_indexed_yearly_by_integer_percentages() -> None:
    """*Index subscription* by 3% a year for ten years: every move is accepted."""
    sub = Subscription(
        id="S-1",
        group_id="G",
        customer_id="C",
        project_id="P",
        category_id="F",
        period_code=MONTHLY,
        base_price=eur(100),
        start_date=date(2020, 1, 1),
    )
    at = datetime(2031, 1, 1, tzinfo=UTC)
    for year in range(2021, 2031):
        sub, _ = sub.index_by_percent(3, effective_date=date(year, 1, 1), at=at)
    assert sub.indexed_price_on(date(2030, 6, 1)).indexed_price == eur("134.39")


def test_index_to_a_value() -> None:
    indexed = IndexedPrice(eur(1000), Decimal(110)).index_to(Decimal(125))
    assert indexed.index == Decimal(125)
    assert indexed.indexed_price == eur(1250)


def test_base_price_by_a_percentage() -> None:
    indexed = IndexedPrice(eur(120), Decimal(110)).base_by_percent(Decimal(10))
    assert indexed.base_price == eur(132)
    assert indexed.index == Decimal(110)
    assert IndexedPrice(eur("0.05")).base_by_percent(Decimal(10)).base_price == eur("0.06")


def test_base_price_to_a_value_keeps_the_currency() -> None:
    assert IndexedPrice(eur(120)).base_to(eur(200)).base_price == eur(200)
    with pytest.raises(CurrencyMismatchError) as caught:
        IndexedPrice(eur(120)).base_to(Money(200, "USD"))
    assert_names_field(caught.value, "base_price")


@pytest.mark.parametrize(
    ("build", "error", "field"),
    [
        (lambda: IndexedPrice(eur(1), 110.0), InvalidAmountError, "index"),  # type: ignore[arg-type]
        (lambda: IndexedPrice(eur(1), Decimal(0)), InvalidAmountError, "index"),
        (lambda: IndexedPrice(eur(1), Decimal("NaN")), InvalidAmountError, "index"),
        (lambda: IndexedPrice(eur(1), True), InvalidAmountError, "index"),
        (lambda: IndexedPrice(eur(1), "110"), TypeMismatchError, "index"),  # type: ignore[arg-type]
        (lambda: IndexedPrice(1000.0), TypeMismatchError, "base_price"),  # type: ignore[arg-type]
        (lambda: IndexedPrice(eur(-1)), InvalidAmountError, "base_price"),
        (lambda: IndexedPrice(eur(1)).index_by_percent(10.0), InvalidAmountError, "pct"),  # type: ignore[arg-type]
        (lambda: IndexedPrice(eur(1)).index_by_percent(-100), InvalidAmountError, "pct"),
        (lambda: IndexedPrice(eur(1)).base_by_percent(0.1), InvalidAmountError, "pct"),  # type: ignore[arg-type]
        (lambda: IndexedPrice(eur(1)).base_by_percent(-101), InvalidAmountError, "pct"),
        (lambda: IndexedPrice(eur(1)).index_to(1.5), InvalidAmountError, "value"),  # type: ignore[arg-type]
        (lambda: IndexedPrice(eur(1)).index_to(0), InvalidAmountError, "value"),
        (lambda: IndexedPrice(eur(1)).base_to(1.5), TypeMismatchError, "base_price"),  # type: ignore[arg-type]
    ],
)
def test_bad_indexing_inputs(build: Any, error: type[Exception], field: str) -> None:
    with pytest.raises(error) as caught:
        build()
    assert isinstance(caught.value, ServiceDomainError)
    assert_names_field(caught.value, field)
