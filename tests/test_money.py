"""Money: pinned examples and every Money / Allocation row of the bad-input table."""

from __future__ import annotations

import decimal
import pickle
from decimal import Decimal
from typing import Any

import pytest

from servicedomain import Currency, Money, Rounding, ServiceDomainError, allocate
from servicedomain.errors import (
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidFormatSpecError,
    InvalidOperationError,
    InvalidRatiosError,
    UnknownCurrencyError,
)
from servicedomain.money import ISO_4217

EUR = Currency.of("EUR")


def eur(text: str) -> Money:
    return Money(Decimal(text), EUR)


def assert_names_field(error: ServiceDomainError, field: str) -> None:
    assert isinstance(error, ServiceDomainError)
    assert getattr(error, "field", None) == field
    assert field in str(error)


# --------------------------------------------------------------------------- currencies


def test_iso_table_has_the_minor_units_of_iso_4217() -> None:
    assert Currency.of("EUR").minor_units == 2
    assert Currency.of("USD").minor_units == 2
    assert Currency.of("JPY").minor_units == 0
    assert Currency.of("KWD").minor_units == 3
    assert Currency.of("CLF").minor_units == 4
    assert len(ISO_4217) > 150
    assert "XAU" not in ISO_4217  # metals have no minor units: not money here


def test_a_host_table_adds_its_own_currency_without_changing_iso() -> None:
    table = ISO_4217.with_currencies(Currency("XBT", 8), Currency("HUF", 0))
    assert table.get("XBT") == Currency("XBT", 8)
    assert table.get("HUF").minor_units == 0
    assert ISO_4217.get("HUF").minor_units == 2
    assert Money(Decimal("0.00000001"), table.get("XBT")).minor_units == 1


@pytest.mark.parametrize("code", ["usd", "XYZ", "EUR ", " EUR", "EU", "EURO", "", 978, None])
def test_bad_currency_codes_raise_unknown_currency(code: Any) -> None:
    with pytest.raises(UnknownCurrencyError) as caught:
        Money(1, code)
    assert_names_field(caught.value, "currency")
    assert isinstance(caught.value, ValueError)


def test_malformed_code_for_a_host_currency_names_code() -> None:
    with pytest.raises(UnknownCurrencyError) as caught:
        Currency("xbt", 8)
    assert_names_field(caught.value, "code")


@pytest.mark.parametrize("units", [-1, 19, True, 2.0])
def test_bad_minor_units_are_refused(units: Any) -> None:
    with pytest.raises(UnknownCurrencyError) as caught:
        Currency("XBT", units)
    assert_names_field(caught.value, "minor_units")


# ------------------------------------------------------------------------- construction


def test_amounts_are_normalised_to_the_currency_scale() -> None:
    assert Money(Decimal("1.5"), "EUR").amount.as_tuple().exponent == -2
    assert str(Money(10, "EUR")) == "10.00 EUR"
    assert str(Money(Decimal("500"), "JPY")) == "500 JPY"
    assert str(Money(Decimal("1.5"), "KWD")) == "1.500 KWD"
    assert Money(Decimal("1.50"), "EUR") == Money(Decimal("1.5"), "EUR")
    assert hash(Money(Decimal("1.50"), "EUR")) == hash(Money(Decimal("1.5"), "EUR"))


def test_money_of_parses_plain_decimal_strings_only() -> None:
    assert Money.of("1234.50", "EUR") == eur("1234.50")
    assert Money.of("-0.01", "EUR") == eur("-0.01")
    assert Money.of(7, "JPY") == Money(7, "JPY")


def test_minor_units_round_trip() -> None:
    assert Money.from_minor_units(1234, "EUR") == eur("12.34")
    assert eur("-12.34").minor_units == -1234
    assert Money.from_minor_units(5, "KWD") == Money(Decimal("0.005"), "KWD")


@pytest.mark.parametrize(
    "units",
    [10**17, -(10**17), 10**200 + 1, -(10**200) - 1],
    ids=["1e17", "-1e17", "1e200+1", "-1e200-1"],
)
def test_minor_units_outside_the_supported_range_are_refused(units: int) -> None:
    # 10**200 + 1 cents used to escape as a bare decimal.Inexact (more digits than the
    # exact context holds) before the range was checked.
    with pytest.raises(InvalidAmountError) as caught:
        Money.from_minor_units(units, "EUR")
    assert_names_field(caught.value, "amount")


def test_the_largest_minor_units_in_range_make_the_largest_amount() -> None:
    assert Money.from_minor_units(10**17 - 1, "EUR") == eur("999999999999999.99")
    assert Money.from_minor_units(-(10**15) + 1, "JPY") == Money(-(10**15) + 1, "JPY")


@pytest.mark.parametrize(
    "amount",
    [
        0.1,
        1.0,
        True,
        False,
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        "10.25",
        None,
    ],
)
def test_non_money_amounts_raise_invalid_amount(amount: Any) -> None:
    with pytest.raises(InvalidAmountError) as caught:
        Money(amount, "EUR")
    assert_names_field(caught.value, "amount")


@pytest.mark.parametrize(("amount", "code"), [("1.005", "USD"), ("5.5", "JPY"), ("0.0001", "KWD")])
def test_too_many_decimals_without_a_rounding_mode_raise(amount: str, code: str) -> None:
    with pytest.raises(InvalidAmountError) as caught:
        Money(Decimal(amount), code)
    assert_names_field(caught.value, "amount")
    assert "round" in str(caught.value)


@pytest.mark.parametrize("text", ["10,25", "1e3", " 5", "5 ", "1.2.3", "", "+-1", "€5"])
def test_locale_and_odd_strings_raise_invalid_amount(text: str) -> None:
    with pytest.raises(InvalidAmountError) as caught:
        Money.of(text, "EUR")
    assert_names_field(caught.value, "amount")


def test_huge_amounts_are_refused_cleanly() -> None:
    with pytest.raises(InvalidAmountError):
        Money(Decimal("1" * 80), "EUR")


# ---------------------------------------------------------------------------- arithmetic


def test_arithmetic_within_one_currency() -> None:
    assert eur("10.00") + eur("0.05") == eur("10.05")
    assert eur("10.00") - eur("10.05") == eur("-0.05")
    assert -eur("3.10") == eur("-3.10")
    assert abs(eur("-3.10")) == eur("3.10")
    assert eur("3.10") * 3 == eur("9.30")
    assert 3 * eur("3.10") == eur("9.30")
    assert sum([eur("1.10"), eur("2.20")]) == eur("3.30")
    assert Money.total([], "EUR") == Money.zero("EUR")
    assert eur("0.00").is_zero
    assert not eur("0.00")
    assert eur("0.01")


def test_multiplication_is_exact_until_rounded() -> None:
    line = eur("85.00") * Decimal("0.333")
    assert line.amount == Decimal("28.30500")
    assert not line.is_rounded
    assert line.round() == eur("28.31")
    assert line.round(Rounding.HALF_EVEN) == eur("28.30")
    assert line.round(Rounding.DOWN) == eur("28.30")
    assert line.round(Rounding.UP) == eur("28.31")
    # an exactly representable product comes back at the currency's scale
    assert (eur("85.00") * Decimal("1.5")).is_rounded


def test_half_up_rounds_half_away_from_zero_and_half_even_to_even() -> None:
    assert Money.rounded(Decimal("1.005"), "USD") == Money(Decimal("1.01"), "USD")
    assert Money.rounded(Decimal("-1.005"), "USD") == Money(Decimal("-1.01"), "USD")
    assert Money.rounded(Decimal("1.005"), "USD", Rounding.HALF_EVEN) == Money(
        Decimal("1.00"), "USD"
    )
    assert Money.rounded(Decimal("1.015"), "USD", Rounding.HALF_EVEN) == Money(
        Decimal("1.02"), "USD"
    )


def test_rounding_does_not_depend_on_the_ambient_decimal_context() -> None:
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_FLOOR
        assert eur("123456.78") + eur("0.01") == eur("123456.79")
        assert Money.rounded(Decimal("2.345"), "EUR") == eur("2.35")


def test_minor_units_of_an_unrounded_amount_is_refused() -> None:
    with pytest.raises(InvalidAmountError):
        _ = (eur("1.00") * Decimal("0.001")).minor_units


def test_divide_rounds_explicitly() -> None:
    # The catalog's reduction-days example: 200.00 / 31 days x 2 days removed = 12.90.
    assert Money.rounded(eur("200.00").amount * 2 / 31, EUR) == eur("12.90")
    assert eur("200.00").divide(3) == eur("66.67")
    assert eur("200.00").divide(3, Rounding.DOWN) == eur("66.66")


def test_mixing_currencies_raises_currency_mismatch() -> None:
    usd = Money(1, "USD")
    for operation in (
        lambda: eur("1.00") + usd,
        lambda: eur("1.00") - usd,
        lambda: eur("1.00") < usd,
        lambda: eur("1.00") <= usd,
        lambda: eur("1.00") > usd,
        lambda: eur("1.00") >= usd,
        lambda: Money.total([eur("1.00"), usd], "EUR"),
    ):
        with pytest.raises(CurrencyMismatchError) as caught:
            operation()
        assert isinstance(caught.value, ServiceDomainError)
        assert "USD" in str(caught.value)
        assert "EUR" in str(caught.value)
    assert eur("1.00") != usd  # equality is defined: different currencies are not equal


def test_money_times_money_and_division_raise_invalid_operation() -> None:
    with pytest.raises(InvalidOperationError) as caught:
        eur("1.00") * eur("2.00")  # type: ignore[operator]
    assert_names_field(caught.value, "quantity")
    with pytest.raises(InvalidOperationError) as caught:
        eur("1.00").divide(0)
    assert_names_field(caught.value, "divisor")
    with pytest.raises(InvalidOperationError) as caught:
        eur("1.00") / 2
    assert_names_field(caught.value, "divisor")
    with pytest.raises(InvalidOperationError):
        eur("1.00") + 1  # type: ignore[operator]
    with pytest.raises(InvalidOperationError):
        eur("1.00") < 1  # type: ignore[operator]  # noqa: B015


@pytest.mark.parametrize("quantity", [0.5, True, Decimal("NaN"), "2"])
def test_float_or_odd_multipliers_raise_invalid_amount(quantity: Any) -> None:
    with pytest.raises(InvalidAmountError) as caught:
        eur("1.00") * quantity
    assert_names_field(caught.value, "quantity")


def test_rounding_mode_must_be_a_rounding_member() -> None:
    with pytest.raises(InvalidOperationError) as caught:
        eur("1.00").round(decimal.ROUND_HALF_UP)  # type: ignore[arg-type]
    assert_names_field(caught.value, "rounding")


def test_money_and_errors_pickle() -> None:
    money = eur("12.34")
    assert pickle.loads(pickle.dumps(money)) == money
    error = InvalidAmountError("amount", 0.1, "a float is not money")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.field, copy.value, str(copy)) == ("amount", 0.1, str(error))


# ---------------------------------------------------------------------------- allocation


def test_allocation_examples() -> None:
    assert allocate(eur("100.00"), [1, 1, 1]) == (eur("33.34"), eur("33.33"), eur("33.33"))
    assert allocate(eur("0.05"), [1, 1]) == (eur("0.03"), eur("0.02"))
    assert allocate(eur("-0.05"), [1, 1]) == (eur("-0.03"), eur("-0.02"))
    assert allocate(eur("10.00"), [0, 1]) == (eur("0.00"), eur("10.00"))
    assert allocate(eur("0.00"), [1, 2]) == (eur("0.00"), eur("0.00"))
    # the catalog's per-day accrual of a quarterly 300.00 over Jan 31, Feb 29 and Mar 31
    # days of 2024: the rounding unit goes to the largest remainder
    assert allocate(eur("300.00"), [31, 29, 31]) == (eur("102.20"), eur("95.60"), eur("102.20"))


def test_allocation_tie_break_serves_the_earlier_part_first() -> None:
    assert allocate(eur("0.02"), [1, 1, 1]) == (eur("0.01"), eur("0.01"), eur("0.00"))
    # larger remainders beat position: 0.10 by [1, 2] is 3.33.., 6.66.. cents
    assert allocate(eur("0.10"), [1, 2]) == (eur("0.03"), eur("0.07"))


def test_allocation_with_decimal_weights() -> None:
    assert allocate(Money(100, "JPY"), [Decimal("0.5"), 0, Decimal("0.25")]) == (
        Money(67, "JPY"),
        Money(0, "JPY"),
        Money(33, "JPY"),
    )
    assert eur("1.00").allocate([Decimal("1.5"), 3]) == (eur("0.33"), eur("0.67"))


@pytest.mark.parametrize(
    ("weights", "field"),
    [
        ([], "weights"),
        ([1, -1], "weights[1]"),
        ([0, 0], "weights"),
        ([0.5, 0.5], "weights[0]"),
        ([1, True], "weights[1]"),
        ([Decimal("NaN")], "weights[0]"),
        ("12", "weights"),
        ([1, "2"], "weights[1]"),
    ],
)
def test_bad_weights_raise_invalid_ratios(weights: Any, field: str) -> None:
    with pytest.raises(InvalidRatiosError) as caught:
        allocate(eur("1.00"), weights)
    assert_names_field(caught.value, field)


def test_allocating_an_unrounded_total_is_refused() -> None:
    with pytest.raises(InvalidAmountError) as caught:
        allocate(eur("1.00") * Decimal("0.333"), [1, 1])
    assert_names_field(caught.value, "total")


# ------------------------------------------------------------------ format specs


def test_format_with_an_empty_spec_is_str() -> None:
    money = Money.of("-1234.5", "EUR")
    assert f"{money}" == str(money) == format(money, "") == "-1234.50 EUR"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (",", "1,234,567.89 EUR"),
        (".2f", "1234567.89 EUR"),
        (".1f", "1234567.9 EUR"),
        (">16,.2f", "    1,234,567.89 EUR"),
        ("<14", "1234567.89     EUR"),
        ("+,.0f", "+1,234,568 EUR"),
    ],
)
def test_format_spec_formats_the_amount_as_decimal_does_and_appends_the_code(
    spec: str, expected: str
) -> None:
    money = Money.of("1234567.89", "EUR")
    assert format(money, spec) == expected
    assert format(money, spec) == f"{format(money.amount, spec)} EUR"


def test_format_precision_rounds_half_up_whatever_the_ambient_context() -> None:
    money = Money.of("2.125", "BHD")
    with decimal.localcontext(decimal.Context(rounding=decimal.ROUND_DOWN)):
        assert f"{money:.2f}" == "2.13 BHD"


@pytest.mark.parametrize("spec", ["d", "x", "Q", ",,", "%", ".2%", "10.2.f"])
def test_a_bad_format_spec_raises_a_domain_error_naming_format_spec(spec: str) -> None:
    money = Money(5, "EUR")
    with pytest.raises(InvalidFormatSpecError) as caught:
        format(money, spec)
    assert isinstance(caught.value, ValueError)
    assert caught.value.field == "format_spec"
    assert caught.value.value == spec
    assert str(caught.value).startswith(f"format_spec={spec!r}: ")
