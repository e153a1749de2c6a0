"""The memory adapter's unique keys: a stored entity keeps its key, whatever the ids.

A relational unique index refuses the second insert, not the row stored first; the
memory adapter refused the entity whose id sorted last instead, so an entity with a
smaller id than the stored owner took the key over and both were stored.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from servicedomain.errors import ConcurrencyConflictError
from servicedomain.repairs import FaultTaxonomy, RelationKind, ServiceObject
from servicedomain.requests import RequestWindow, ServiceRequest, Submission

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
