"""The in-memory adapters check every id they are given as the domain does (issue 11).

An id goes through the shared ``servicedomain._checks.is_id``: a str that is not
blank, has no control characters and is at most 255 characters long. A collection of
ids is never one str read as its characters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import attrs
import pytest

from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork
from servicedomain.adapters.memory import InMemoryJournal, InMemoryServiceUnitOfWork, InMemoryStore
from servicedomain.errors import InvalidInputError, TypeMismatchError
from servicedomain.orders import JournalEntry

_DAY = date(2026, 3, 31)
BAD_IDS = ["", "   ", "W\x001", "W-1\n", "\t", "x" * 256, 1, None]


@attrs.frozen
class Widget:
    id: str
    version: int


def _store() -> InMemoryStore:
    store = InMemoryStore()
    store.repository(Widget).add(Widget("W-1", 1))
    return store


Repo = Any
REPOSITORY_CALLS: list[tuple[Callable[[Repo, Any], object], str]] = [
    (lambda r, bad: r.get(bad), "entity_id"),
    (lambda r, bad: r.remove(bad, expected_version=1), "entity_id"),
    (lambda r, bad: r.list(after_id=bad), "after_id"),
    (lambda r, bad: r.add(Widget(bad, 1)), "id"),
    (lambda r, bad: r.save(Widget(bad, 2), expected_version=1), "id"),
]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_the_order_query_and_a_journal_prefix_refuse_a_bad_id(bad: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        InMemoryServiceUnitOfWork(InMemoryStore()).service_orders.for_agreement(bad)  # type: ignore[arg-type]
    assert caught.value.field == "agreement_id"
    with pytest.raises(InvalidInputError) as caught:
        InMemoryJournal[JournalEntry](bad)  # type: ignore[arg-type]
    assert caught.value.field == "prefix"


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize(("call", "field"), REPOSITORY_CALLS)
def test_a_repository_refuses_a_blank_control_or_overlong_id(
    call: Callable[[Repo, Any], object], field: str, bad: object
) -> None:
    if bad is None and field == "after_id":
        return  # None is "from the start"
    store = _store()
    with pytest.raises(InvalidInputError) as caught:
        call(store.repository(Widget), bad)
    assert caught.value.field == field
    assert store.repository(Widget).list() == [Widget("W-1", 1)]


BILLING_CALLS: list[tuple[Callable[[InMemoryBillingUnitOfWork, Any], object], str]] = [
    (lambda uow, bad: uow.fees.for_subscription(bad), "subscription_id"),
    (lambda uow, bad: uow.fees.due(due_by=_DAY, customer_id=bad), "customer_id"),
    (lambda uow, bad: uow.invoices.get(bad), "invoice_id"),
    (lambda uow, bad: uow.invoices.list(customer_id=bad), "customer_id"),
    (lambda uow, bad: uow.invoices.invoiced([bad]), "source_ids[0]"),
    (lambda uow, bad: uow.accruals.for_source(bad), "source_id"),
    (lambda uow, bad: uow.subscriptions.get(bad), "entity_id"),
]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize(("call", "field"), BILLING_CALLS)
def test_the_billing_repositories_refuse_a_blank_control_or_overlong_id(
    call: Callable[[InMemoryBillingUnitOfWork, Any], object], field: str, bad: object
) -> None:
    if bad is None and field == "customer_id":
        return  # None is "every customer"
    with (
        InMemoryBillingUnitOfWork(InMemoryStore()) as uow,
        pytest.raises(InvalidInputError) as caught,
    ):
        call(uow, bad)
    assert caught.value.field == field


@pytest.mark.parametrize("bad", [None, "2026-03-31", object()])
@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda uow, bad: uow.fees.due(due_by=bad), "due_by"),
        (lambda uow, bad: uow.accruals.unposted_through(bad), "through"),
    ],
)
def test_the_billing_date_queries_refuse_what_is_not_a_date(
    call: Callable[[InMemoryBillingUnitOfWork, Any], object], field: str, bad: object
) -> None:
    with (
        InMemoryBillingUnitOfWork(InMemoryStore()) as uow,
        pytest.raises(InvalidInputError) as caught,
    ):
        call(uow, bad)
    assert caught.value.field == field


def test_invoiced_refuses_one_source_id_where_a_collection_is_expected() -> None:
    with (
        InMemoryBillingUnitOfWork(InMemoryStore()) as uow,
        pytest.raises(TypeMismatchError) as caught,
    ):
        uow.invoices.invoiced("FEE-1")  # would be read one character at a time
    assert caught.value.field == "source_ids"


def test_good_ids_still_find_nothing_or_the_stored_entity() -> None:
    store = _store()
    assert store.repository(Widget).get("W-1") == Widget("W-1", 1)
    assert store.repository(Widget).list(after_id="W-0") == [Widget("W-1", 1)]
    with InMemoryBillingUnitOfWork(InMemoryStore()) as uow:
        assert uow.fees.for_subscription("S-1") == []
        assert uow.invoices.invoiced(["FEE-1"]) == {}
        assert uow.invoices.invoiced({"FEE-1": None}) == {}  # a mapping gives its keys
        assert uow.invoices.list(customer_id="C-1") == []
        assert uow.accruals.for_source("FEE-1") == []
