"""The validator toolkit (servicedomain._checks): each check as an attrs validator and on
arguments, the errors it raises (type, field, value, reason), and the one check of a rule
dict's keys."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from servicedomain import _checks as v
from servicedomain.errors import (
    InvalidAmountError,
    InvalidCalendarError,
    InvalidInputError,
    InvalidPriceError,
    InvalidQuantityError,
    InvalidStageGraphError,
    NaiveDatetimeError,
    TypeMismatchError,
)
from servicedomain.money import Money
from servicedomain.stages import Action


def refused(validator: v.Validator[Any], value: object, field: str = "x") -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        validator.check(value, field)
    return caught.value


def test_an_attrs_validator_names_the_attribute() -> None:
    @attrs.frozen
    class Line:
        customer_id: str = attrs.field(validator=v.is_id)
        note: str | None = attrs.field(default=None, validator=v.optional(v.is_str))

    assert Line("C-1").customer_id == "C-1"
    with pytest.raises(TypeMismatchError) as caught:
        Line(7)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("customer_id", 7)
    assert str(caught.value) == "customer_id=7: expected a str, got int"
    with pytest.raises(TypeMismatchError, match=r"^note=3: expected a str, got int$"):
        Line("C-1", 3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "an id is not empty or blank"),
        ("  ", "an id is not empty or blank"),
        ("a\nb", "an id has no control characters (NUL, newline, ...)"),
        ("x" * 256, "an id has at most 255 characters"),
    ],
)
def test_an_id_is_printable_text_of_at_most_255_characters(value: str, reason: str) -> None:
    error = refused(v.is_id, value, "order_id")
    assert type(error) is InvalidInputError
    assert (error.field, error.value, error.reason) == ("order_id", value, reason)
    assert v.is_id.check("x" * 255, "order_id") == "x" * 255


def test_instance_of_names_the_types_and_takes_a_reason_and_an_error() -> None:
    both = v.instance_of((int, str))
    assert both.check(3, "n") == 3
    assert refused(both, 1.5).reason == "expected a int or str, got float"
    own = v.instance_of(date, reason="a date please", error=InvalidCalendarError)
    error = refused(own, "2024-01-01", "day")
    assert type(error) is InvalidCalendarError
    assert str(error) == "day='2024-01-01': a date please"


def test_instance_of_can_word_what_it_expects_and_still_says_what_it_got() -> None:
    flag = v.instance_of(bool, expected="true or false")
    assert flag.check(True, "may_post") is True
    error = refused(flag, 1, "may_post")
    assert type(error) is TypeMismatchError
    assert str(error) == "may_post=1: expected true or false, got int"


def test_ids_are_a_collection_read_into_a_tuple_each_named_by_position() -> None:
    assert v.is_ids.check(["A", "B"], "ids") == ("A", "B")
    assert v.is_ids.check(iter(("A",)), "ids") == ("A",)
    assert refused(v.is_ids, "AB", "ids").field == "ids"  # never one id read as characters
    assert (refused(v.is_ids, ["A", " "], "ids").field, v.is_optional_id.check(None, "x")) == (
        "ids[1]",
        None,
    )
    assert refused(v.is_optional_id, "", "agreement_id").reason == "an id is not empty or blank"


def test_optional_takes_none_and_otherwise_the_inner_check() -> None:
    assert v.optional(v.is_id).check(None, "x") is None
    assert refused(v.optional(v.is_id), "").reason == "an id is not empty or blank"


def test_and_runs_each_check_on_the_last_ones_result() -> None:
    positive = v.and_(v.is_quantity, v.predicate(lambda q: q > 0, "a quantity above 0"))
    assert positive.check(2, "quantity") == Decimal(2)  # converted by the first check
    error = refused(positive, 0, "quantity")
    assert (type(error), error.reason) == (InvalidInputError, "a quantity above 0")


def test_in_takes_enum_members_but_not_their_values() -> None:
    members = v.in_(Action)
    assert members.check(Action.POST, "action") is Action.POST
    error = refused(members, "post", "action")
    assert (type(error), error.reason) == (TypeMismatchError, "expected a Action member")


def test_in_a_collection_lists_the_values() -> None:
    days = v.in_(("mon", "tue"))
    assert days.check("mon", "day") == "mon"
    error = refused(days, "sun", "day")
    assert (type(error), error.reason) == (InvalidInputError, "expected one of 'mon', 'tue'")
    assert refused(days, ["mon"], "day").field == "day"  # unhashable: none of them


def test_deep_iterable_names_the_item_and_returns_a_tuple() -> None:
    ids = v.deep_iterable(v.is_id)
    assert ids.check(("a", "b"), "ids") == ("a", "b")
    assert refused(ids, ["a"], "ids").reason == "expected a tuple, got list"
    error = refused(ids, ("a", ""), "ids")
    assert (error.field, error.value) == ("ids[1]", "")
    any_iterable = v.deep_iterable(v.is_quantity, v.items("quantities"))
    assert any_iterable.check(iter([1, 2]), "q") == (Decimal(1), Decimal(2))


def test_fixed_tuple_checks_each_position_and_the_length() -> None:
    pair = v.fixed_tuple(v.is_line_number, v.is_id)
    assert pair.check((1, "T-1"), "posted") == (1, "T-1")
    assert refused(pair, (0, "T-1"), "posted").field == "posted[0]"
    assert refused(pair, (1, ""), "posted").field == "posted[1]"
    assert (
        str(refused(pair, (1,), "posted"))
        == "posted=(1,): expected 2 items (int in [1, None], an id)"
    )
    assert type(refused(pair, [1, "T-1"], "posted")) is TypeMismatchError


@pytest.mark.parametrize("value", ["abc", b"abc", {"a": 1}, 3])
def test_items_refuse_a_str_a_mapping_and_a_non_iterable(value: object) -> None:
    error = refused(v.items("ids"), value, "ids")
    assert type(error) is TypeMismatchError
    assert error.reason.startswith("expected an iterable of ids (a list or tuple), got ")


def test_deep_mapping_names_the_entry() -> None:
    prices = v.deep_mapping(v.is_str, v.is_price)
    eur = Money.of("1.00", "EUR")
    assert prices.check({"a": eur}, "prices") == {"a": eur}
    assert refused(prices, [], "prices").reason == "expected a mapping, got list"
    error = refused(prices, {"a": Money.of("-1.00", "EUR")}, "prices")
    assert (type(error), error.field) == (InvalidPriceError, "prices['a']")
    assert refused(prices, {1: eur}, "prices").field == "prices[1]"


def test_integer_refuses_a_bool_and_a_value_out_of_range() -> None:
    hours = v.integer(minimum=0, maximum=23)
    assert hours.check(23, "hour") == 23
    assert refused(hours, True).reason == "expected an int, got bool"
    assert refused(hours, -1).reason == "must be >= 0"
    assert refused(hours, 24).reason == "must be <= 23"
    assert refused(v.is_line_number, 0).reason == "must be >= 1"


def test_a_quantity_is_exact_non_negative_and_has_at_most_six_decimals() -> None:
    assert v.is_quantity.check(Decimal("1.000001"), "quantity") == Decimal("1.000001")
    for value, reason in [
        (1.5, "a float is not an exact quantity; pass a Decimal or an int"),
        (True, "a bool is not a quantity"),
        (Decimal("NaN"), "NaN and infinities are not quantities"),
        (Decimal(-1), "a quantity is >= 0"),
        (Decimal("0.0000001"), "a quantity has at most 6 decimals"),
    ]:
        error = refused(v.is_quantity, value, "quantity")
        assert (type(error), error.reason) == (InvalidQuantityError, reason)


def test_money_and_prices_are_rounded_and_a_price_is_not_negative() -> None:
    assert v.is_money.check(Money.of("-1.50", "EUR"), "fee") == Money.of("-1.50", "EUR")
    unrounded = Money.of("1.01", "EUR") * Decimal("0.5")  # 0.505: kept exact
    assert type(refused(v.is_money, unrounded)) is InvalidAmountError
    assert refused(v.is_money, Decimal(1)).reason == "expected Money, got Decimal"
    assert refused(v.is_price, Money.of("-1", "EUR")).reason == "a price is >= 0"
    assert type(refused(v.is_price, unrounded)) is InvalidPriceError


def test_dates_and_instants_are_checked_by_the_instants_module() -> None:
    assert v.is_date.check(date(2024, 1, 1), "day") == date(2024, 1, 1)
    assert type(refused(v.is_date, datetime(2024, 1, 1, tzinfo=UTC))) is TypeMismatchError
    assert type(refused(v.is_instant, datetime(2024, 1, 1))) is NaiveDatetimeError  # noqa: DTZ001


def test_a_port_is_checked_by_its_methods() -> None:
    error = refused(v.port("get", "save"), object(), "repository")
    assert error.reason == "expected an object with get, save (a port), got object"


def test_the_description_says_what_a_validator_accepts() -> None:
    assert v.optional(v.is_id).description == "None or an id"
    assert v.deep_iterable(v.instance_of(int)).description == "instance of tuple of instance of int"


# ------------------------------------------------------------------------- check_keys


def test_check_keys_refuses_an_unknown_key_naming_its_path_and_the_kind() -> None:
    with pytest.raises(InvalidStageGraphError) as caught:
        v.check_keys(
            {"id": "A", "parnet": "B"},
            kind="Stage",
            required=("id",),
            optional=("parent",),
            path="stages[1].",
            error=InvalidStageGraphError,
        )
    assert str(caught.value) == "stages[1].parnet='B': unknown key of Stage; expected id, parent"


def test_check_keys_refuses_a_missing_key() -> None:
    with pytest.raises(InvalidInputError) as caught:
        v.check_keys({"b": 1}, kind="SLA", required=("a", "b"))
    assert (caught.value.field, caught.value.value) == ("a", None)
    assert caught.value.reason == "this key of SLA is required"


def test_check_keys_refuses_a_non_mapping() -> None:
    with pytest.raises(TypeMismatchError, match=r"^data=\[\]: expected a mapping for SLA"):
        v.check_keys([], kind="SLA")
    with pytest.raises(InvalidCalendarError) as caught:
        v.check_keys(
            "x", kind="WorkingCalendar", path="calendars.MAIN.", error=InvalidCalendarError
        )
    assert caught.value.field == "calendars.MAIN"


def test_check_keys_returns_the_mapping() -> None:
    data = {"a": 1}
    assert v.check_keys(data, kind="T", required=("a",)) is data


# Modules that still refuse unknown keys on their own, until their owners move them to
# check_keys: the JSON codec, whose documents carry "$type" and "$version" keys of their
# own.
NOT_YET_ON_CHECK_KEYS: frozenset[str] = frozenset()


def test_only_check_keys_refuses_unknown_keys_of_a_rule_dict() -> None:
    source = Path(v.__file__).parent
    own = sorted(
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if "unknown key" in path.read_text(encoding="utf-8")
        and path.name != "_checks.py"
        and not str(path.relative_to(source)).startswith("testing/")
    )
    assert own == sorted(NOT_YET_ON_CHECK_KEYS)


# The modules that still call the older names at the end of _checks.py (require_*, v_*,
# check_quantity, check_price), until their owners move them to the toolkit.
NOT_YET_ON_THE_TOOLKIT: frozenset[str] = frozenset()
_OLDER_NAME = re.compile(
    r"\b(require_(?!date\b|instant\b)[a-z_]+|v_[a-z_]+|check_quantity|check_price)\b"
)


def test_only_the_packages_not_yet_converted_import_the_older_names() -> None:
    source = Path(v.__file__).parent
    using = set()
    for path in source.rglob("*.py"):
        if path.name == "_checks.py" and path.parent == source:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "servicedomain._checks"
                and any(_OLDER_NAME.fullmatch(alias.name) for alias in node.names)
            ):
                using.add(path.relative_to(source).parts[0])
    assert using <= NOT_YET_ON_THE_TOOLKIT, sorted(using - NOT_YET_ON_THE_TOOLKIT)
    assert not (source / "billing" / "_checks.py").exists()
