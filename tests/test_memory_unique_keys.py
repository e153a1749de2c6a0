"""The in-memory adapters' unique keys: a stored entity keeps its key, whatever the ids.

A relational unique index refuses the second insert, not the row stored first; the
memory adapter refused the entity whose id sorted last instead, so an entity with a
smaller id than the stored owner took the key over and both were stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest

from servicedomain.adapters.indexed_memory import IndexedStore, IndexedUnitOfWork
from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from servicedomain.errors import ConcurrencyConflictError
from servicedomain.orders import Origin, ServiceOrder
from servicedomain.repairs import FaultTaxonomy, RelationKind, ServiceObject
from servicedomain.requests import RequestWindow, ServiceRequest, Submission
from servicedomain.stages import EXAMPLE_STAGE_GRAPH

_AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
_SUBMISSION = Submission(
    customer_id="C-1",
    window=RequestWindow(_AT, datetime(2026, 3, 2, 12, tzinfo=UTC)),
    text="The boiler leaks",
    idempotency_key="portal-1",
)


def _request(request_id: str) -> ServiceRequest:
    request, _ = ServiceRequest.submit(
        _SUBMISSION, id=request_id, at=_AT, agreement=None, relations=(), taxonomy=FaultTaxonomy()
    )
    return request


def _object(object_id: str) -> ServiceObject:
    obj, _ = ServiceObject.create(id=object_id, group_id="PCS", at=_AT)
    related, _ = obj.relate(relation_id="R-1", kind=RelationKind.ORDER, key="SO-1", at=_AT)
    return related


@pytest.mark.parametrize("later", ["REQ-A", "REQ-C"])
def test_a_stored_request_keeps_its_idempotency_key_against_any_later_id(later: str) -> None:
    store = InMemoryStore()
    with InMemoryUnitOfWork(store) as uow:
        uow.service_requests.add(_request("REQ-B"))
        uow.commit()
    with InMemoryUnitOfWork(store) as uow:
        uow.service_requests.add(_request(later))
        with pytest.raises(ConcurrencyConflictError):
            uow.commit()
    with InMemoryUnitOfWork(store) as uow:
        assert [request.id for request in uow.service_requests.list()] == ["REQ-B"]


@pytest.mark.parametrize("later", ["OBJ-A", "OBJ-C"])
def test_a_stored_object_keeps_its_relation_id_against_any_later_id(later: str) -> None:
    store = InMemoryStore()
    with InMemoryUnitOfWork(store) as uow:
        uow.service_objects.add(_object("OBJ-B"))
        uow.commit()
    with InMemoryUnitOfWork(store) as uow:
        uow.service_objects.add(_object(later))
        with pytest.raises(ConcurrencyConflictError):
            uow.commit()
    with InMemoryUnitOfWork(store) as uow:
        assert [obj.id for obj in uow.service_objects.list()] == ["OBJ-B"]


def _web_order(order_id: str, request_id: str = "REQ-1") -> ServiceOrder:
    order, _ = ServiceOrder.create(
        EXAMPLE_STAGE_GRAPH,
        id=order_id,
        customer_id="C-1",
        at=_AT,
        origin=Origin.WEB,
        incoming=True,
        request_id=request_id,
    )
    return order


_ADAPTERS: dict[str, Callable[[], Callable[[], Any]]] = {
    "memory": lambda: partial(InMemoryUnitOfWork, InMemoryStore()),
    "indexed": lambda: partial(IndexedUnitOfWork, IndexedStore()),
}


@pytest.fixture(params=sorted(_ADAPTERS))
def unit(request: pytest.FixtureRequest) -> Callable[[], Any]:
    """A factory of units of work over one fresh store of each in-memory adapter."""
    return _ADAPTERS[request.param]()


def _order_ids(unit: Callable[[], Any]) -> list[str]:
    with unit() as uow:
        return [order.id for order in uow.service_orders.list()]


@pytest.mark.parametrize("later", ["SO-A", "SO-C"])
def test_Q1_a_stored_order_keeps_its_request_against_a_second_order(
    unit: Callable[[], Any], later: str
) -> None:
    with unit() as uow:
        uow.service_orders.add(_web_order("SO-B"))
        uow.commit()
    with unit() as uow:
        uow.service_orders.add(_web_order(later))
        with pytest.raises(ConcurrencyConflictError):
            uow.commit()
    assert _order_ids(unit) == ["SO-B"]


def test_Q1_two_orders_of_one_request_in_one_unit_of_work_store_nothing(
    unit: Callable[[], Any],
) -> None:
    with unit() as uow:
        uow.service_orders.add(_web_order("SO-1"))
        uow.service_orders.add(_web_order("SO-2"))
        with pytest.raises(ConcurrencyConflictError):
            uow.commit()
    assert _order_ids(unit) == []


def test_Q1_a_request_an_order_gives_up_is_free_for_another_order(
    unit: Callable[[], Any],
) -> None:
    with unit() as uow:
        uow.service_orders.add(_web_order("SO-1"))
        uow.service_orders.add(_web_order("SO-9", request_id="REQ-9"))
        uow.commit()
    with unit() as uow:
        uow.service_orders.remove("SO-1", expected_version=1)
        uow.service_orders.add(_web_order("SO-2"))
        uow.commit()
    with unit() as uow:
        uow.service_orders.add(_web_order("SO-3", request_id="REQ-9"))
        with pytest.raises(ConcurrencyConflictError):
            uow.commit()
    with unit() as uow:
        assert {o.id: o.request_id for o in uow.service_orders.list()} == {
            "SO-2": "REQ-1",
            "SO-9": "REQ-9",
        }


def test_orders_of_no_request_are_many(unit: Callable[[], Any]) -> None:
    with unit() as uow:
        for order_id in ("SO-1", "SO-2"):
            order, _ = ServiceOrder.create(
                EXAMPLE_STAGE_GRAPH, id=order_id, customer_id="C-1", at=_AT
            )
            uow.service_orders.add(order)
        uow.commit()
    assert _order_ids(unit) == ["SO-1", "SO-2"]
