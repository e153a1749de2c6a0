"""Price tables and subscription groups load from dicts like the other rules.

``to_dict`` writes plain JSON/TOML data (period codes as ISO-8601 text, dates ISO,
money as amount and currency, enums by value, blank keys left out); ``from_dict``
reads it back to an equal value and refuses unknown and missing keys, naming them.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import servicedomain.billing
from servicedomain.billing import (
    AccrualMethod,
    PriceEntry,
    PriceTable,
    ReversalMode,
    RoundingPeriod,
    SubscriptionGroup,
)
from servicedomain.billing._subscriptions import SubscriptionGroup as GroupInItsModule
from servicedomain.errors import (
    InvalidAmountError,
    InvalidInputError,
    InvalidScheduleError,
    TypeMismatchError,
)
from servicedomain.money import Money
from servicedomain.periods import MONTHLY, QUARTERLY
from servicedomain.testing.billing_strategies import price_tables
from servicedomain.testing.domain_strategies import subscription_groups

ENTRY: dict[str, Any] = {
    "effective_date": "2024-01-01",
    "project_id": "P-1",
    "period_code": "P1M",
    "price": {"amount": "500.00", "currency": "EUR"},
}
GROUP: dict[str, Any] = {"id": "Q", "invoicing_period_code": "P3M"}


def refused(load: Any, data: object) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        load(data)
    return caught.value


def test_subscription_group_lives_with_subscriptions() -> None:
    assert servicedomain.billing.SubscriptionGroup is GroupInItsModule
    assert SubscriptionGroup.__module__ == "servicedomain.billing._subscriptions"


# ----------------------------------------------------------------------- price table


def test_a_price_table_reads_its_dict_form() -> None:
    table = PriceTable.from_dict({"entries": [ENTRY, {**ENTRY, "category_id": "SubCat1"}]})
    first, second = table.entries
    assert first == PriceEntry(
        effective_date=date(2024, 1, 1),
        category_id=None,
        project_id="P-1",
        subscription_id=None,
        period_code=MONTHLY,
        price=Money(500, "EUR"),
    )
    assert (first.level, second.level) == (6, 5)
    assert table.to_dict() == {"entries": [ENTRY, {**ENTRY, "category_id": "SubCat1"}]}


def test_a_price_table_reads_toml() -> None:
    text = """
    [[entries]]
    effective_date = 2024-06-01
    category_id = "SubCat1"
    project_id = "P-1"
    period_code = "P3M"
    price = { amount = "550.00", currency = "EUR" }
    """
    (entry,) = PriceTable.from_dict(tomllib.loads(text)).entries
    assert (entry.effective_date, entry.period_code, entry.price) == (
        date(2024, 6, 1),
        QUARTERLY,
        Money(550, "EUR"),
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "entries"),
        ({"entries": [], "extra": 1}, "extra"),
        ({"entries": "x"}, "entries"),
        ({"entries": [1]}, "entries[0]"),
        ({"entries": [{**ENTRY, "period": "P1M"}]}, "entries[0].period"),
        ({"entries": [{k: v for k, v in ENTRY.items() if k != "price"}]}, "entries[0].price"),
        ({"entries": [ENTRY, {**ENTRY, "effective_date": None}]}, "entries[1].effective_date"),
        ({"entries": [{**ENTRY, "effective_date": "2024-02-30"}]}, "entries[0].effective_date"),
        ({"entries": [{**ENTRY, "project_id": ""}]}, "entries[0].project_id"),
        ({"entries": [{**ENTRY, "project_id": 7}]}, "entries[0].project_id"),
        ({"entries": [{**ENTRY, "period_code": "P1X"}]}, "entries[0].period_code"),
        ({"entries": [{**ENTRY, "price": {"amount": "1"}}]}, "entries[0].price.currency"),
        ({"entries": [{**ENTRY, "price": {**ENTRY["price"], "x": 1}}]}, "entries[0].price.x"),
        ({"entries": [{**ENTRY, "price": "500 EUR"}]}, "entries[0].price"),
        (
            {"entries": [{**ENTRY, "price": {"amount": 5, "currency": "EUR"}}]},
            "entries[0].price.amount",
        ),
        ({"entries": [ENTRY, ENTRY]}, "entries[1]"),
    ],
)
def test_a_bad_price_table_dict_is_refused_naming_the_key(data: object, field: str) -> None:
    assert refused(PriceTable.from_dict, data).field == field


def test_refusals_keep_their_kind() -> None:
    unrounded = {**ENTRY, "price": {"amount": "1.005", "currency": "EUR"}}
    error = refused(PriceTable.from_dict, {"entries": [unrounded]})
    assert isinstance(error, InvalidAmountError)
    assert error.field == "entries[0].price.amount"
    assert isinstance(refused(PriceTable.from_dict, [ENTRY]), TypeMismatchError)
    bad_code = refused(PriceTable.from_dict, {"entries": [{**ENTRY, "period_code": "P0M"}]})
    assert isinstance(bad_code, InvalidScheduleError)


def test_a_price_entry_reads_its_dict_form_on_its_own() -> None:
    entry = PriceEntry.from_dict(ENTRY)
    assert (entry.level, entry.to_dict()) == (6, ENTRY)
    assert refused(PriceEntry.from_dict, {**ENTRY, "price": {}}).field == "price.amount"
    assert refused(PriceEntry.from_dict, {**ENTRY, "on": "x"}).field == "on"


@given(price_tables())
def test_a_price_table_round_trips_through_json(table: PriceTable) -> None:
    assert PriceTable.from_dict(json.loads(json.dumps(table.to_dict()))) == table


# ------------------------------------------------------------------ subscription group


def test_a_subscription_group_reads_its_dict_form() -> None:
    group = SubscriptionGroup.from_dict(
        {
            **GROUP,
            "name": "Quarterly support",
            "accrual_period_code": "P1M",
            "accrue_revenue": True,
            "accrual_method": "per_day",
            "rounding_period": "last",
            "reversal": "original_posting_date",
        }
    )
    assert group == SubscriptionGroup(
        id="Q",
        name="Quarterly support",
        invoicing_period_code=QUARTERLY,
        accrual_period_code=MONTHLY,
        accrue_revenue=True,
        accrual_method=AccrualMethod.PER_DAY,
        rounding_period=RoundingPeriod.LAST,
        reversal=ReversalMode.ORIGINAL_POSTING_DATE,
    )
    plain = SubscriptionGroup.from_dict({**GROUP, "accrual_period_code": None})
    assert plain == SubscriptionGroup(id="Q", invoicing_period_code=QUARTERLY)
    assert "accrual_period_code" not in plain.to_dict()  # TOML has no null


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"id": "Q"}, "invoicing_period_code"),
        ({"invoicing_period_code": "P3M"}, "id"),
        ({**GROUP, "invoicing_period": "P3M"}, "invoicing_period"),
        ({**GROUP, "accrual_period_code": "P1W"}, "accrual_period_code"),
        ({**GROUP, "invoicing_period_code": "P2M"}, "invoicing_period_code"),
        ({**GROUP, "invoicing_period_code": 3}, "invoicing_period_code"),
        ({**GROUP, "accrue_revenue": "yes"}, "accrue_revenue"),
        ({**GROUP, "accrual_method": "weighted"}, "accrual_method"),
        ({**GROUP, "rounding_period": None}, "rounding_period"),
        ({**GROUP, "reversal": 1}, "reversal"),
        ({**GROUP, "name": 1}, "name"),
        ({**GROUP, "id": ""}, "id"),
        ("Q", "data"),
    ],
)
def test_a_bad_group_dict_is_refused_naming_the_key(data: object, field: str) -> None:
    assert refused(SubscriptionGroup.from_dict, data).field == field


@given(subscription_groups())
def test_a_subscription_group_round_trips_through_json(group: SubscriptionGroup) -> None:
    assert SubscriptionGroup.from_dict(json.loads(json.dumps(group.to_dict()))) == group


@given(st.from_type(SubscriptionGroup))
def test_from_type_draws_groups_that_round_trip(group: SubscriptionGroup) -> None:
    assert SubscriptionGroup.from_dict(group.to_dict()) == group
