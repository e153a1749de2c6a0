"""The JSON codec (servicedomain.serialization): round trips and refusals."""

from __future__ import annotations

import importlib
import json
import pkgutil
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import servicedomain
from servicedomain.agreements import GeneratedOrderKey, Generation
from servicedomain.errors import InvalidDocumentError
from servicedomain.events import DomainEvent
from servicedomain.money import Currency, Money
from servicedomain.orders import NewLine, ServiceOrder, TransactionType
from servicedomain.serialization import SCHEMA_VERSIONS, dumps, from_dict, loads, to_dict
from servicedomain.stages import EXAMPLE_STAGE_GRAPH, Decision
from servicedomain.testing.domain_strategies import strategy_for

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_SKIPPED_PACKAGES = (
    "adapters",
    "testing",
    "ports",
    "serialization",
    "rules",  # a codec too: the file format of the rules, which serialise themselves
    "__main__",
    "cli",  # the command line: its RuleDocument is kept through its own Codec (RULE_CODEC)
    "runs",  # batch runs: values read from the SQL adapter's run rows, never serialised
)


def _public_attrs_types() -> set[type[Any]]:
    """Every attrs class named in ``__all__`` of servicedomain and its public modules."""
    names = ["servicedomain"] + [
        module.name
        for module in pkgutil.iter_modules(servicedomain.__path__, "servicedomain.")
        if not module.name.rsplit(".", 1)[1].startswith("_")
        and module.name.rsplit(".", 1)[1] not in _SKIPPED_PACKAGES
    ]
    found: set[type[Any]] = set()
    for name in names:
        module = importlib.import_module(name)
        for public in getattr(module, "__all__", ()):
            value = getattr(module, public)
            if isinstance(value, type) and attrs.has(value):
                found.add(value)
    # The results the application objects return (a run's outcome) are not stored.
    return {cls for cls in found if not cls.__module__.startswith("servicedomain.app")}


def test_every_public_type_has_a_codec_and_a_strategy() -> None:
    public = _public_attrs_types() - {DomainEvent}
    assert sorted(cls.__name__ for cls in public - SCHEMA_VERSIONS.keys()) == []
    for cls in SCHEMA_VERSIONS:
        strategy_for(cls)  # raises for a type no strategy covers


TYPES = sorted(SCHEMA_VERSIONS, key=lambda cls: cls.__name__)
# A fifth of the profile's examples per type (91 types): 10 by default, more under CI.
EXAMPLES_PER_TYPE = max(10, settings().max_examples // 5)


@pytest.mark.parametrize("cls", TYPES, ids=[cls.__name__ for cls in TYPES])
def test_every_public_type_round_trips_through_json(cls: type[Any]) -> None:
    @settings(
        max_examples=EXAMPLES_PER_TYPE, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(st.from_type(cls))
    def round_trip(value: Any) -> None:
        text = json.dumps(to_dict(value))
        assert from_dict(type(value), json.loads(text)) == value
        assert loads(type(value), dumps(value)) == value

    round_trip()


@given(st.from_type(DomainEvent))
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_event_reads_back_as_a_domain_event(event: DomainEvent) -> None:
    assert from_dict(DomainEvent, json.loads(json.dumps(to_dict(event)))) == event


def _order() -> dict[str, Any]:
    lines = [
        NewLine(
            transaction_type=TransactionType.HOUR,
            quantity=Decimal(2),
            cost_price=Money(40, "EUR"),
            sales_price=Money(85, "EUR"),
        )
        for _ in range(3)
    ]
    order, _ = ServiceOrder.create(
        EXAMPLE_STAGE_GRAPH, id="SO-1", customer_id="C-1", at=AT, lines=lines
    )
    return to_dict(order)


def _refused(document: object) -> InvalidDocumentError:
    with pytest.raises(InvalidDocumentError) as caught:
        from_dict(ServiceOrder, document)
    return caught.value


def test_the_encoding_is_strings_iso_and_utc() -> None:
    document = _order()
    assert document["$type"] == "ServiceOrder"
    assert document["$version"] == 3  # 3: incoming and request_id
    assert document["recorded_at"] == "2026-03-02T09:00:00+00:00"
    assert document["lines"][0]["sales_price"] == {"amount": "85.00", "currency": "EUR"}
    assert document["lines"][0]["quantity"] == "2"
    assert document["priority"] == "normal"


def test_an_unknown_key_is_refused_with_its_path() -> None:
    document = _order()
    document["lines"][2]["colour"] = "red"
    error = _refused(document)
    assert (error.field, error.value) == ("lines[2].colour", "red")


def test_a_missing_key_is_refused_with_its_path() -> None:
    document = _order()
    del document["lines"][1]["quantity"]
    assert _refused(document).field == "lines[1].quantity"


def test_a_wrong_type_tag_is_refused() -> None:
    error = _refused({**_order(), "$type": "ServiceAgreement"})
    assert (error.field, error.value) == ("$type", "ServiceAgreement")


def test_a_future_version_is_refused() -> None:
    error = _refused({**_order(), "$version": 4})
    assert (error.field, error.value) == ("$version", 4)


def test_a_version_2_order_without_incoming_and_request_id_still_reads() -> None:
    document = _order()
    old = {key: value for key, value in document.items() if key not in NEW_ORDER_KEYS}
    read = from_dict(ServiceOrder, {**old, "$version": 2})
    assert (read.incoming, read.request_id) == (False, None)
    assert to_dict(read) == document


def test_a_current_order_without_its_new_keys_is_refused() -> None:
    document = _order()
    del document["incoming"]
    assert _refused(document).field == "incoming"


def test_a_version_2_generation_reads_its_orders_without_the_new_keys() -> None:
    order = from_dict(ServiceOrder, _order())
    key = GeneratedOrderKey("AG-1", date(2026, 3, 2))
    generation = Generation(orders=(order,), keys=(key,), events=(), conflicts=())
    document = to_dict(generation)
    assert document["$version"] == 3
    for nested in document["orders"]:
        for name in NEW_ORDER_KEYS:
            del nested[name]
    assert from_dict(Generation, {**document, "$version": 2}) == generation
    with pytest.raises(InvalidDocumentError) as caught:
        from_dict(Generation, document)  # a version 3 document lacking them is refused
    assert caught.value.field == "orders[0].incoming"


NEW_ORDER_KEYS = ("incoming", "request_id")


def test_a_missing_version_is_refused() -> None:
    document = _order()
    del document["$version"]
    assert _refused(document).field == "$version"


@pytest.mark.parametrize(
    "text", ["2026-03-02T09:00:00", "2026-03-02T10:00:00+01:00"], ids=["naive", "not-utc"]
)
def test_an_instant_not_in_utc_is_refused(text: str) -> None:
    document = {**_order(), "recorded_at": text}
    error = _refused(document)
    assert (error.field, error.value) == ("recorded_at", text)


def test_a_float_amount_is_refused_with_its_path() -> None:
    document = _order()
    document["lines"][2]["sales_price"]["amount"] = 85.0
    error = _refused(document)
    assert (error.field, error.value) == ("lines[2].sales_price.amount", 85.0)


def test_a_value_the_constructor_refuses_names_its_path() -> None:
    document = _order()
    document["lines"][2]["quantity"] = "-1"
    error = _refused(document)
    assert error.field == "lines[2].quantity"


def test_a_string_is_not_an_array() -> None:
    assert _refused({**_order(), "lines": "abc"}).field == "lines"


def test_a_type_outside_the_codec_is_refused() -> None:
    with pytest.raises(InvalidDocumentError):
        to_dict(date(2026, 1, 1))
    with pytest.raises(InvalidDocumentError):
        loads(ServiceOrder, "not json")


def test_a_currency_outside_iso_4217_keeps_its_minor_units() -> None:
    satoshi = Money(Decimal("0.00000001"), Currency("XBT", 8))
    document = to_dict(satoshi)
    assert document["currency"] == {"code": "XBT", "minor_units": 8}
    assert from_dict(Money, json.loads(json.dumps(document))) == satoshi


def test_a_set_is_a_sorted_array_and_a_repeated_member_is_refused() -> None:
    order, _ = ServiceOrder.create(EXAMPLE_STAGE_GRAPH, id="SO-1", customer_id="C-1", at=AT)
    document = to_dict(order.decision(EXAMPLE_STAGE_GRAPH))
    allowed = document["allowed"]
    assert allowed == sorted(allowed)
    assert len(allowed) > 1
    with pytest.raises(InvalidDocumentError) as caught:
        from_dict(Decision, {**document, "allowed": [allowed[0], *allowed]})
    assert caught.value.field == "allowed"
