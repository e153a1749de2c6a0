"""The money laws M1-M7 of invariants.md, as Hypothesis properties."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

from servicedomain import Currency, Money, Rounding, allocate
from servicedomain.errors import CurrencyMismatchError, InvalidOperationError
from servicedomain.testing.strategies import currencies, monies

weights_lists = st.lists(st.integers(0, 10_000), min_size=1, max_size=12).filter(any)
decimal_weights = st.lists(
    st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=8,
).filter(any)


def exact_share(total: Money, weights: list[int] | list[Decimal], index: int) -> Fraction:
    units = Fraction(total.minor_units)
    return units * Fraction(weights[index]) / sum(Fraction(w) for w in weights)


@given(monies(), weights_lists)
@example(Money(Decimal("100.00"), "EUR"), [1, 1, 1])
@example(Money(Decimal("-0.01"), "EUR"), [1, 1, 1])
@example(Money(0, "JPY"), [0, 5])
def test_M1_allocation_conserves_money(total: Money, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert Money.total(parts, total.currency) == total
    assert sum(part.minor_units for part in parts) == total.minor_units


@given(monies(), st.one_of(weights_lists, decimal_weights))
@example(Money(Decimal("0.02"), "EUR"), [1, 1, 1])
def test_M2_fair_share(total: Money, weights: list[int] | list[Decimal]) -> None:
    parts = allocate(total, weights)
    for index, part in enumerate(parts):
        share = exact_share(total, weights, index)
        assert abs(Fraction(part.minor_units) - share) < 1
        if weights[index] == 0:
            assert part.is_zero


@given(monies(), weights_lists, st.integers(1, 1000))
def test_M3_allocation_is_stable(total: Money, weights: list[int], factor: int) -> None:
    parts = allocate(total, weights)
    assert allocate(total, weights) == parts
    assert allocate(total, [w * factor for w in weights]) == parts
    assert allocate(total, [Decimal(w) / 1000 for w in weights]) == parts


@given(monies(), weights_lists)
def test_M4_allocation_is_symmetric_under_negation(total: Money, weights: list[int]) -> None:
    assert allocate(-total, weights) == tuple(-part for part in allocate(total, weights))


@given(currencies(), st.lists(st.integers(-(10**14), 10**14), min_size=1, max_size=20))
def test_M5_amounts_are_exact(currency: Currency, units: list[int]) -> None:
    amounts = [Money.from_minor_units(u, currency) for u in units]
    for amount in amounts:
        assert amount.amount.as_tuple().exponent == currency.exponent
    total = Money.total(amounts, currency)
    assert total.amount.as_tuple().exponent == currency.exponent
    assert total.minor_units == sum(units)
    difference = amounts[0] - amounts[-1]
    assert difference.amount.as_tuple().exponent == currency.exponent
    for part in allocate(abs(total), [1, 2, 3]):
        assert part.is_rounded


@given(monies(currency="EUR"), monies(currency="USD"))
def test_M6_currency_closure(euros: Money, dollars: Money) -> None:
    assert (euros + euros).currency == euros.currency
    assert (euros - euros).currency == euros.currency
    assert (euros * 3).currency == euros.currency
    assert euros != dollars
    for operation in ("+", "-", "<", ">="):
        try:
            if operation == "+":
                euros + dollars
            elif operation == "-":
                euros - dollars
            elif operation == "<":
                euros < dollars  # noqa: B015
            else:
                euros >= dollars  # noqa: B015
        except CurrencyMismatchError:
            continue
        raise AssertionError(f"{operation} across currencies did not raise")
    try:
        euros + 1  # type: ignore[operator]
    except InvalidOperationError:
        pass
    else:
        raise AssertionError("Money + int did not raise")


line_inputs = st.lists(
    st.tuples(
        st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False),
        monies(currency="EUR", min_value=0, max_value=10_000),
    ),
    min_size=1,
    max_size=15,
)


@given(line_inputs, st.sampled_from(list(Rounding)))
def test_M7_totals_are_the_exact_sum_of_once_rounded_lines(
    lines: list[tuple[Decimal, Money]], rounding: Rounding
) -> None:
    # The documented rounding point is the line: quantity x price is rounded once per
    # line; the total is the exact sum of the rounded lines and needs no second rounding.
    line_totals = [(price * quantity).round(rounding) for quantity, price in lines]
    total = Money.total(line_totals, "EUR")
    assert total.is_rounded
    assert total.round(rounding) == total
    assert total.minor_units == sum(line.minor_units for line in line_totals)
    for (quantity, price), line in zip(lines, line_totals, strict=True):
        exact = Fraction(price.amount) * Fraction(quantity)
        assert abs(Fraction(line.amount) - exact) <= Fraction(1, 100)


def test_M1_a_large_random_sample_of_allocations_has_zero_drift() -> None:
    rng = random.Random(20261122)
    count = 1_000_000 if settings.get_current_profile_name() == "thorough" else 20_000
    currency = Currency.of("EUR")
    worst = 0
    for _ in range(count):
        units = rng.randint(-(10**9), 10**9)
        weights = [rng.randint(0, 500) for _ in range(rng.randint(1, 6))]
        if not any(weights):
            weights[0] = 1
        parts = allocate(Money.from_minor_units(units, currency), weights)
        worst = max(worst, abs(sum(part.minor_units for part in parts) - units))
    assert worst == 0


@given(monies())
def test_M5_format_with_an_empty_spec_is_str(money: Money) -> None:
    assert f"{money}" == format(money, "") == str(money)


@given(monies())
@example(Money(Decimal("-1234567.89"), "EUR"))
@example(Money(Decimal("0.125"), "KWD"))
def test_M5_format_with_grouping_and_the_currency_decimals_parses_back(money: Money) -> None:
    places = money.currency.minor_units
    text = format(money, f",.{places}f")
    amount, code = text.rsplit(" ", 1)
    assert code == money.currency.code
    assert Money(Decimal(amount.replace(",", "")), money.currency) == money
    if places <= 2:  # two decimals hold every amount of JPY, EUR, USD ... exactly
        two, _code = format(money, ",.2f").rsplit(" ", 1)
        assert Money(Decimal(two.replace(",", "")), money.currency) == money
