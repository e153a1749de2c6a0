"""Names mean one thing (issue 12, item 10).

``end_date`` is the last day served (inclusive) on agreements, agreement lines and
subscriptions alike; internally the days served are a half-open ``DateRange``. ``through``
is the last day a run covers (inclusive) wherever it appears.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime as datetime_module
import decimal
import importlib
import inspect
import pkgutil
import re
import types
import typing
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import attrs
import hypothesis.strategies
import pytest

import servicedomain
from servicedomain.billing import (
    FeeKind,
    FeeTransaction,
    Subscription,
    SubscriptionCanceled,
    generate_fees,
)
from servicedomain.errors import InvalidCancellationError, InvalidDocumentError, InvalidPeriodError
from servicedomain.money import Money
from servicedomain.orders import ServiceTask
from servicedomain.periods import MONTHLY, DateRange, PeriodCode
from servicedomain.repairs import ServiceObjectRelation
from servicedomain.serialization import SCHEMA_VERSIONS, from_dict, to_dict

AT = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)


def january(**fields: object) -> Subscription:
    sub, _ = Subscription.create(
        id="S-1",
        group_id="G",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        period_code=MONTHLY,
        base_price=Money(310, "EUR"),
        start_date=date(2024, 1, 1),
        at=AT,
        **fields,  # type: ignore[arg-type]
    )
    return sub


# ------------------------------------------------------------------ end_date


def test_a_subscription_end_date_is_the_last_day_served() -> None:
    sub = january(end_date=date(2024, 1, 31))
    assert sub.served == DateRange.inclusive(date(2024, 1, 1), date(2024, 1, 31))
    (charge,) = generate_fees(sub, as_of=date(2024, 3, 1))
    assert charge.period == DateRange(date(2024, 1, 1), date(2024, 2, 1))
    assert charge.amount == Money(310, "EUR")  # the whole of January, not 30 days of it


def test_a_subscription_of_one_day_ends_on_its_start() -> None:
    sub = january(end_date=date(2024, 1, 1))
    (charge,) = generate_fees(sub, as_of=date(2024, 1, 1))
    assert charge.period == DateRange(date(2024, 1, 1), date(2024, 1, 2))
    assert charge.amount == Money(10, "EUR")


def test_an_end_date_before_the_start_or_at_date_max_is_refused() -> None:
    for day in (date(2023, 12, 31), date.max):
        with pytest.raises(InvalidPeriodError) as caught:
            january(end_date=day)
        assert caught.value.field == "end_date"


def test_cancel_names_the_last_day_served_and_that_day_stays_billed() -> None:
    sub = january()
    (charge,) = generate_fees(sub, as_of=date(2024, 1, 1))
    ended, events = sub.cancel(last_day=date(2024, 1, 10), at=AT)
    assert ended.end_date == date(2024, 1, 10)
    assert events == (
        SubscriptionCanceled(entity_id="S-1", occurred_at=AT, end_date=date(2024, 1, 10)),
    )
    (credit,) = generate_fees(ended, [charge], as_of=date(2024, 1, 11))
    assert credit.kind is FeeKind.CANCELLATION
    assert credit.period == DateRange(date(2024, 1, 11), date(2024, 2, 1))
    assert credit.amount == Money(-210, "EUR")  # Jan 1-10 stay billed: 10 of 31 days
    assert sub.cancel(last_day=date(2024, 1, 1), at=AT)[0].served == DateRange(
        date(2024, 1, 1), date(2024, 1, 2)
    )
    with pytest.raises(InvalidCancellationError) as caught:
        sub.cancel(last_day=date(2023, 12, 31), at=AT)
    assert caught.value.field == "last_day"


def test_a_subscription_document_of_version_1_is_refused() -> None:
    """Version 1 documents held an exclusive end date: reading them now would serve a
    day more, so the codec refuses them."""
    sub = january(end_date=date(2024, 1, 31))
    document = to_dict(sub)
    assert document["$version"] == SCHEMA_VERSIONS[Subscription] == 2
    assert from_dict(Subscription, document) == sub
    with pytest.raises(InvalidDocumentError) as caught:
        from_dict(Subscription, {**document, "$version": 1})
    assert caught.value.field == "$version"


# ------------------------------------------------------------ names across the API
#
# Every public callable and attrs class of every public module (its ``__all__``): each
# parameter or field name means one thing. ``period`` is a DateRange, a period code is a
# ``period_code`` (``invoicing_period_code``, ``accrual_period_code``), ``end_date`` is
# the last day served and says so, and instants, run dates and change dates keep one
# type each.


@dataclasses.dataclass(frozen=True)
class Name:
    """A parameter or field of the public API, with what documents it."""

    where: str
    name: str
    annotation: object
    docs: str


def _public_modules() -> list[types.ModuleType]:
    found = [servicedomain]
    for info in pkgutil.walk_packages(servicedomain.__path__, "servicedomain."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        found.append(importlib.import_module(info.name))
    return found


def _every_public_name() -> dict[str, object]:
    known: dict[str, object] = {}
    for helper in (collections.abc, typing, datetime_module, decimal):
        known.update(vars(helper))
    known["st"] = hypothesis.strategies
    for module in _public_modules():
        known.update((name, getattr(module, name)) for name in getattr(module, "__all__", ()))
    return known


def _hints(obj: object) -> dict[str, object]:
    """The resolved annotations; names imported only for type checking are looked up
    among the public names."""
    try:
        return typing.get_type_hints(obj)
    except NameError:
        return typing.get_type_hints(obj, localns=_EVERY_PUBLIC_NAME)


def _signature_names(where: str, fn: Any, docs: str) -> Iterator[Name]:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin without a signature
        return
    hints = _hints(fn)
    for parameter in signature.parameters.values():
        if parameter.name in ("self", "cls"):
            continue
        annotation = hints.get(parameter.name, parameter.annotation)
        yield Name(where, parameter.name, annotation, docs)


def _own_callables(cls: type[Any]) -> Iterator[tuple[str, Any]]:
    for name, member in inspect.getmembers(cls):
        if name.startswith("_"):
            continue
        if inspect.isfunction(member) or inspect.ismethod(member):
            module = getattr(member, "__module__", "") or ""
            if module.startswith("servicedomain"):
                yield name, member


def _public_names() -> list[Name]:
    names: list[Name] = []
    seen: set[int] = set()
    for module in _public_modules():
        for attribute in getattr(module, "__all__", ()):
            obj = getattr(module, attribute)
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if inspect.isclass(obj):
                class_docs = obj.__doc__ or ""
                if attrs.has(obj):
                    hints = _hints(obj)
                    for field in attrs.fields(obj):
                        if field.init:
                            annotation = hints.get(field.name, field.type)
                            names.append(Name(obj.__name__, field.name, annotation, class_docs))
                for method_name, method in _own_callables(obj):
                    docs = (method.__doc__ or "") + class_docs
                    where = f"{obj.__name__}.{method_name}"
                    names.extend(_signature_names(where, method, docs))
            elif inspect.isfunction(obj):
                names.extend(_signature_names(attribute, obj, obj.__doc__ or ""))
    return names


_EVERY_PUBLIC_NAME = _every_public_name()
NAMES = _public_names()


def _is(annotation: object, expected: type[Any], *, optional: bool = True) -> bool:
    """``annotation`` is ``expected``, or (when allowed) ``expected | None``."""
    if annotation is expected:
        return True
    members = typing.get_args(annotation)
    return optional and set(members) == {expected, type(None)}


def _named(name: str) -> list[Name]:
    return [found for found in NAMES if found.name == name]


def test_the_walk_sees_the_whole_api() -> None:
    owners = {found.where for found in _named("end_date")}
    assert {
        "Subscription",
        "Subscription.create",
        "BillingDesk.create_subscription",
        "ServiceAgreement",
        "AgreementLine",
        "NewAgreementLine",
        "SubscriptionCanceled",
    } <= owners
    assert {"PriceEntry", "PriceTable.find", "AccrualPolicy", "Subscription"} <= {
        found.where for found in _named("period_code")
    }
    assert len(NAMES) > 1000


def test_period_is_a_date_range_everywhere() -> None:
    periods = _named("period")
    assert [f"{n.where}: {n.annotation}" for n in periods if not _is(n.annotation, DateRange)] == []
    assert len(periods) >= 10


def test_a_period_code_is_named_period_code() -> None:
    """``period_code`` and ``<role>_period_code`` hold a PeriodCode; and whatever holds a
    PeriodCode says so in its name (``period_code``, ``period_codes``), so neither a
    ``period``, an ``invoicing_period`` nor a ``code`` (a currency's or reason's text)
    holds one."""
    codes = [n for n in NAMES if n.name == "period_code" or n.name.endswith("_period_code")]
    assert {n.name for n in codes} >= {
        "period_code",
        "invoicing_period_code",
        "accrual_period_code",
    }
    assert [f"{n.where}.{n.name}" for n in codes if not _is(n.annotation, PeriodCode)] == []
    holding = [n for n in NAMES if "PeriodCode" in str(n.annotation) or n.annotation is PeriodCode]
    named = ("period_code", "period_codes")
    assert [f"{n.where}.{n.name}" for n in holding if not n.name.endswith(named)] == []
    assert "Schedule" in {n.where for n in NAMES if n.name == "period_code"}


def test_collections_of_period_codes_are_named_period_codes() -> None:
    """A public constant holding period codes is ``..._PERIOD_CODES``, and a function
    returning them is ``..._period_codes`` (``allowed_accrual_period_codes``)."""
    constants, functions = [], []
    for module in _public_modules():
        for attribute in getattr(module, "__all__", ()):
            obj = getattr(module, attribute)
            if isinstance(obj, tuple) and obj and all(isinstance(x, PeriodCode) for x in obj):
                constants.append(attribute)
            elif inspect.isfunction(obj) and "PeriodCode" in str(_hints(obj).get("return")):
                functions.append(attribute)
    assert "INVOICING_PERIOD_CODES" in constants
    assert "allowed_accrual_period_codes" in functions
    assert [name for name in constants if not name.endswith("PERIOD_CODES")] == []
    assert [name for name in functions if not name.endswith("period_codes")] == []


def _with_references(docs: str) -> str:
    """``docs`` and the docstrings of the classes it refers to (``:class:`AgreementLine```)."""
    referred = re.findall(r":class:`~?(?:[\w.]+\.)?(\w+)`", docs)
    found = [_EVERY_PUBLIC_NAME.get(name) for name in referred]
    return docs + "".join(obj.__doc__ or "" for obj in found if inspect.isclass(obj))


def test_end_date_is_a_date_and_its_owner_says_it_is_the_last_day() -> None:
    """The owner (the class, or the function, or a class it refers to) says it."""
    ends = _named("end_date")
    assert [f"{n.where}: {n.annotation}" for n in ends if not _is(n.annotation, date)] == []
    undocumented = [n.where for n in ends if "last day" not in _with_references(n.docs).lower()]
    assert undocumented == []


def test_through_is_a_date_and_its_owner_says_it_is_inclusive() -> None:
    """``through`` is the last day a run covers, included (AX's *to date*): accruing
    through 2024-01-31 posts January."""
    found = _named("through")
    assert {
        "accrue",
        "BillingDesk.accrue_revenue",
        "AccrualRepository.unposted_through",
        "check_fee_laws",
        "check_no_gaps_no_overlaps",
    } <= {n.where for n in found}
    assert [f"{n.where}: {n.annotation}" for n in found if not _is(n.annotation, date)] == []
    assert [n.where for n in found if "inclusive" not in n.docs.lower()] == []


def test_the_first_day_a_price_applies_is_an_effective_date() -> None:
    """``PriceEntry``, ``PriceChange`` and the price events hold an ``effective_date``;
    the price changes of a subscription and the desk take one by the same name."""
    assert _named("effective") == []
    assert {
        "PriceEntry",
        "PriceChange",
        "Subscription.change_price",
        "Subscription.index_to",
        "BillingDesk.change_price",
        "BillingDesk.base_to",
    } <= {n.where for n in _named("effective_date")}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("at", datetime),  # an instant, everywhere
        ("as_of", date),  # the day a run is for
        ("on", date),  # the day something is priced, numbered or reversed on
        ("day", date),
        ("effective_date", date),  # the first day a price change applies
        ("through", date),  # the last day included (see below)
        ("start_date", date),
        ("last_day", date),
        ("code", str),  # a currency's or a reason's code; a period code is a period_code
        ("relation", ServiceObjectRelation),  # an object relation; its id is relation_id
        ("service_task", ServiceTask),  # the task; its id is service_task_id
        ("days", int),  # a count of days; weekdays are weekdays, split days are cuts
        ("calculated", date),  # a line's calculated date; as an ordinal, calculated_ordinal
    ],
)
def test_each_of_these_names_has_one_type(name: str, expected: type[Any]) -> None:
    found = _named(name)
    assert found
    assert [f"{n.where}: {n.annotation}" for n in found if not _is(n.annotation, expected)] == []


def test_fee_names_a_fee_transaction_and_a_price_is_money() -> None:
    """``prorate(price, ...)`` and the F1-F3 checks take the price of a whole period; a
    ``fee`` is a FeeTransaction. The one exception left is the report column
    ``SubscriptionFeeRow.fee`` (AX's *Fee* column, an amount)."""
    fees = [n for n in _named("fee") if n.where != "SubscriptionFeeRow"]
    assert fees
    assert [
        f"{n.where}: {n.annotation}" for n in fees if not _is(n.annotation, FeeTransaction)
    ] == []
    for where in ("prorate", "check_split_additivity", "check_whole_period"):
        (first,) = [n for n in NAMES if n.where == where and n.annotation is Money]
        assert first.name == "price"


def test_invoiced_ids_are_named_so() -> None:
    """``invoiced`` is an amount, ``invoiced_items`` the items by source id; the ids of sources
    already invoiced, which ``propose_invoices`` leaves out, are ``invoiced_ids``."""
    proposing = {n.name: n.annotation for n in NAMES if n.where == "propose_invoices"}
    assert "invoiced" not in proposing
    assert proposing["invoiced_ids"] == collections.abc.Container[str]


def test_credited_is_money_and_the_credits_by_fee_are_credited_by_fee() -> None:
    """``credited`` is an amount (``reverse_for_credit``, ``InvoicedItem``, report rows);
    what credit notes took back of each fee, by fee id, is ``credited_by_fee``."""
    credited = _named("credited")
    assert {"reverse_for_credit", "InvoicedItem"} <= {n.where for n in credited}
    assert [f"{n.where}: {n.annotation}" for n in credited if not _is(n.annotation, Money)] == []
    by_fee = _named("credited_by_fee")
    assert {"generate_fees", "reduce_days", "check_cancellation_credit"} <= {
        n.where for n in by_fee
    }
    assert [
        n.where
        for n in by_fee
        if "Mapping[str, servicedomain.money.Money]" not in str(n.annotation)
    ] == []


def test_invoiced_is_money_and_the_invoiced_items_are_invoiced_items() -> None:
    """``invoiced`` is an amount (``reverse_for_credit``, report rows); the invoiced-item
    register by source id (``InvoicedItem``) is ``invoiced_items``."""
    invoiced = _named("invoiced")
    assert "reverse_for_credit" in {n.where for n in invoiced}
    assert [f"{n.where}: {n.annotation}" for n in invoiced if not _is(n.annotation, Money)] == []
    items = _named("invoiced_items")
    assert {
        "credit_note",
        "record_document",
        "subscription_transactions",
        "subscription_fee_summary",
    } <= {n.where for n in items}
    assert [n.where for n in items if "InvoicedItem" not in str(n.annotation)] == []
