"""The contract suite of the request ports: customer service requests and their orders.

A host that implements :class:`~servicedomain.ports.RequestUnitOfWork` over its own
database subclasses :class:`RequestStoreContract`, implements its hooks and runs
pytest::

    from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    from servicedomain.testing.request_contracts import RequestStoreContract

    class TestInMemoryRequests(RequestStoreContract[InMemoryStore, InMemoryUnitOfWork]):
        def make_store(self) -> InMemoryStore:
            return InMemoryStore()

        def new_unit_of_work(self, store: InMemoryStore) -> InMemoryUnitOfWork:
            return InMemoryUnitOfWork(store)

        def publishing_unit_of_work(
            self, store: InMemoryStore, publisher: EventPublisher
        ) -> InMemoryUnitOfWork:
            return InMemoryUnitOfWork(store, publisher=publisher)

What it checks: a request in any status (drawn by Hypothesis) comes back equal, by id,
by its idempotency key and by its status; of two units of work saving one request at
once exactly one commits; a customer's idempotency key names one request (a second
request under it conflicts, at once or on commit, also when two units of work add them
at once), while another customer may use the same key; an order holds its request id
alone (law Q1: a second order for one request conflicts and its unit of work stores
nothing; orders made from no request are many); ``with_status`` and
``by_idempotency_key`` answer with the unit of work's own writes on top, and refuse bad
input; a unit of work whose commit fails half-way stores nothing and publishes nothing
(U1).

Every store a test makes is released through ``dispose_store``, and every test fails
once it runs past ``timeout_seconds`` (300 by default). This module needs pytest (the
``[testing]`` extra).
"""

# Tests are named after the law they check (test_Q1_...), as invariants.md asks.
# ruff: noqa: N802, D102

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import attrs
import pytest
from hypothesis import given, settings

from servicedomain.adapters.memory import InMemoryEventPublisher
from servicedomain.errors import (
    ConcurrencyConflictError,
    InvalidInputError,
    NotFoundError,
    TypeMismatchError,
)
from servicedomain.orders import ServiceOrder
from servicedomain.ports import RequestUnitOfWork
from servicedomain.requests import RequestStatus, RequestWindow, ServiceRequest, Submission
from servicedomain.stages import EXAMPLE_STAGE_GRAPH
from servicedomain.testing import _store_contract
from servicedomain.testing.domain_strategies import REQUEST_TAXONOMY, service_requests

__all__ = ["RequestStoreContract"]

StoreT = TypeVar("StoreT")
UnitOfWorkT = TypeVar("UnitOfWorkT", bound=RequestUnitOfWork)

_AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
_LATER = _AT + timedelta(hours=3)  # after every change the helpers make
_WINDOW = RequestWindow(_AT + timedelta(days=1), _AT + timedelta(days=1, hours=3))


def _submitted(request_id: str, *, customer_id: str = "C-1", key: str = "K-1") -> ServiceRequest:
    """A request of ``customer_id`` under ``key``, submitted at 08:00 (no agreement)."""
    submission = Submission(
        customer_id=customer_id,
        contact="Ann, 0701-234567",
        agreement_id=None,
        relation_ids=(),
        window=_WINDOW,
        address="Storgatan 1",
        lines=(),
        text="The pump drips",
        attachments=(),
        idempotency_key=key,
    )
    request, _ = ServiceRequest.submit(
        submission, id=request_id, at=_AT, agreement=None, relations=(), taxonomy=REQUEST_TAXONOMY
    )
    return request


def _reviewed(request_id: str, **keys: str) -> ServiceRequest:
    request, _ = _submitted(request_id, **keys).start_review(at=_AT + timedelta(hours=1), by="W-1")
    return request


def _transferred(request: ServiceRequest, order_id: str) -> tuple[ServiceRequest, ServiceOrder]:
    """The reviewed ``request`` transferred to a new order ``order_id``."""
    moved, order, _ = request.transfer(
        EXAMPLE_STAGE_GRAPH,
        order_id=order_id,
        at=_AT + timedelta(hours=2),
        agreement=None,
        relations=(),
        taxonomy=REQUEST_TAXONOMY,
    )
    assert order is not None
    return moved, order


class RequestStoreContract(_store_contract.StoreContract[StoreT, UnitOfWorkT]):
    """The tests every :class:`~servicedomain.ports.RequestUnitOfWork` must pass.

    Attributes:
        timeout_seconds: how long one test may run before it fails (300 by default).
    """

    def hypothesis_settings(self) -> settings:
        """The Hypothesis settings of the property tests (override to tune them)."""
        return settings(deadline=None)

    # ------------------------------------------------------------------------- helpers

    def _ids(self, store: StoreT, *statuses: RequestStatus) -> list[str]:
        with self.new_unit_of_work(store) as uow:
            return [request.id for request in uow.service_requests.with_status(*statuses)]

    def _order_ids(self, store: StoreT) -> list[str]:
        with self.new_unit_of_work(store) as uow:
            return [order.id for order in uow.service_orders.list()]

    # ------------------------------------------------------------------ round trips

    def test_a_request_in_any_status_round_trips_by_id_key_and_status(self) -> None:
        store = self._new_store()
        numbers = itertools.count(1)

        @self.hypothesis_settings()
        @given(drawn=service_requests())
        def round_trip(drawn: ServiceRequest) -> None:
            number = next(numbers)  # ids and keys of their own in the one store
            submission = attrs.evolve(drawn.submission, idempotency_key=f"K-{number}")
            request = attrs.evolve(drawn, id=f"REQ-{number:06d}", submission=submission)
            self._save(store, lambda uow: uow.service_requests.add(request))
            with self.new_unit_of_work(store) as uow:
                requests = uow.service_requests
                assert requests.get(request.id) == request
                assert requests.by_idempotency_key(request.customer_id, f"K-{number}") == request
                assert request in requests.with_status(request.status)
                assert requests.list(after_id=f"REQ-{number - 1:06d}", limit=1) == [request]

        round_trip()

    def test_a_request_is_saved_removed_and_missing_as_any_entity(self) -> None:
        store, request = self._new_store(), _submitted("REQ-1")
        self._save(store, lambda uow: uow.service_requests.add(request))
        reviewed = _reviewed("REQ-1")
        self._save(store, lambda uow: uow.service_requests.save(reviewed, expected_version=1))
        with self.new_unit_of_work(store) as uow:
            assert uow.service_requests.get("REQ-1") == reviewed
            with pytest.raises(NotFoundError):
                uow.service_requests.get("REQ-9")
        self._save(store, lambda uow: uow.service_requests.remove("REQ-1", expected_version=2))
        assert self._ids(store) == []

    def test_P1_of_two_units_of_work_saving_one_request_exactly_one_commits(self) -> None:
        store = self._new_store()
        self._save(store, lambda uow: uow.service_requests.add(_submitted("REQ-1")))
        first, second = self.new_unit_of_work(store), self.new_unit_of_work(store)
        with first, second:
            for uow, by in ((first, "W-1"), (second, "W-2")):
                request = uow.service_requests.get("REQ-1")
                reviewed, _ = request.start_review(at=_AT + timedelta(hours=1), by=by)
                uow.service_requests.save(reviewed, expected_version=request.version)
            first.commit()
            with pytest.raises(ConcurrencyConflictError):
                second.commit()
        with self.new_unit_of_work(store) as uow:
            stored = uow.service_requests.get("REQ-1")
            assert stored.version == 2
            assert stored.status is RequestStatus.UNDER_REVIEW
        assert self._ids(store, RequestStatus.SUBMITTED) == []

    # ------------------------------------------------------------ the idempotency key

    def test_Q2_a_customers_idempotency_key_names_one_request(self) -> None:
        store = self._new_store()
        self._save(store, lambda uow: uow.service_requests.add(_submitted("REQ-1")))
        with pytest.raises(ConcurrencyConflictError):  # at once, or on commit
            self._save(store, lambda uow: uow.service_requests.add(_submitted("REQ-2")))
        # Another customer's request under the same key is another key.
        other = _submitted("REQ-3", customer_id="C-2")
        self._save(store, lambda uow: uow.service_requests.add(other))
        assert self._ids(store) == ["REQ-1", "REQ-3"]
        with self.new_unit_of_work(store) as uow:
            assert uow.service_requests.by_idempotency_key("C-1", "K-1") == _submitted("REQ-1")
            assert uow.service_requests.by_idempotency_key("C-2", "K-1") == other

    def test_Q2_two_requests_under_one_key_in_one_unit_of_work_store_nothing(self) -> None:
        store = self._new_store()

        def both(uow: UnitOfWorkT) -> None:
            uow.service_requests.add(_submitted("REQ-1"))
            uow.service_requests.add(_submitted("REQ-2"))

        with pytest.raises(ConcurrencyConflictError):
            self._save(store, both)
        assert self._ids(store) == []

    def test_Q2_of_two_units_of_work_adding_one_key_at_once_exactly_one_commits(self) -> None:
        store = self._new_store()
        first, second = self.new_unit_of_work(store), self.new_unit_of_work(store)
        with first, second:
            first.service_requests.add(_submitted("REQ-1"))
            second.service_requests.add(_submitted("REQ-2"))
            first.commit()
            with pytest.raises(ConcurrencyConflictError):
                second.commit()
        assert self._ids(store) == ["REQ-1"]

    def test_Q2_a_request_saved_with_another_requests_key_conflicts(self) -> None:
        # A key is the submission's, unchanged; a store still refuses a saved clash.
        store = self._new_store()

        def seed(uow: UnitOfWorkT) -> None:
            uow.service_requests.add(_submitted("REQ-1"))
            uow.service_requests.add(_submitted("REQ-2", key="K-2"))

        self._save(store, seed)
        clash = attrs.evolve(_submitted("REQ-2", key="K-1"), version=2)
        with pytest.raises(ConcurrencyConflictError):
            self._save(store, lambda uow: uow.service_requests.save(clash, expected_version=1))
        with self.new_unit_of_work(store) as uow:
            assert uow.service_requests.get("REQ-2").idempotency_key == "K-2"

    def test_Q2_a_key_freed_in_a_unit_of_work_may_be_taken_in_it(self) -> None:
        # A removed request's key, and a request's saved key, are free for the unit of
        # work's own new request: the keys are compared as the commit leaves the rows.
        store = self._new_store()

        def seed(uow: UnitOfWorkT) -> None:
            uow.service_requests.add(_submitted("REQ-1"))
            uow.service_requests.add(_submitted("REQ-2", key="K-2"))

        self._save(store, seed)

        def move(uow: UnitOfWorkT) -> None:
            uow.service_requests.remove("REQ-1", expected_version=1)
            uow.service_requests.add(_submitted("REQ-3"))  # K-1, freed above
            freed = attrs.evolve(_submitted("REQ-2", key="K-4"), version=2)
            uow.service_requests.save(freed, expected_version=1)
            uow.service_requests.add(_submitted("REQ-5", key="K-2"))  # K-2, freed above

        self._save(store, move)
        with self.new_unit_of_work(store) as uow:
            requests = uow.service_requests
            assert [r.id for r in requests.list()] == ["REQ-2", "REQ-3", "REQ-5"]
            assert requests.by_idempotency_key("C-1", "K-1") == _submitted("REQ-3")
            assert requests.by_idempotency_key("C-1", "K-2") == _submitted("REQ-5", key="K-2")

    # ------------------------------------------------------------------ one order each

    def test_Q1_a_second_order_for_one_request_conflicts_and_stores_nothing(self) -> None:
        store, request = self._new_store(), _reviewed("REQ-1")
        self._save(store, lambda uow: uow.service_requests.add(request))
        moved, order = _transferred(request, "SO-1")

        def transfer(uow: UnitOfWorkT) -> None:
            uow.service_requests.save(moved, expected_version=request.version)
            uow.service_orders.add(order)

        self._save(store, transfer)
        _, second = _transferred(request, "SO-2")  # a rival's transfer of the same request
        assert second.request_id == "REQ-1"

        def rival(uow: UnitOfWorkT) -> None:
            uow.service_requests.add(_submitted("REQ-2", key="K-2"))
            uow.service_orders.add(second)

        with pytest.raises(ConcurrencyConflictError):
            self._save(store, rival)
        assert self._order_ids(store) == ["SO-1"]
        assert self._ids(store) == ["REQ-1"]
        with self.new_unit_of_work(store) as uow:
            assert uow.service_orders.get("SO-1").request_id == "REQ-1"
            assert uow.service_requests.get("REQ-1") == moved

    def test_Q1_an_order_saved_with_another_orders_request_conflicts(self) -> None:
        store = self._new_store()
        _, one = _transferred(_reviewed("REQ-1"), "SO-1")
        _, two = _transferred(_reviewed("REQ-2", key="K-2"), "SO-2")

        def seed(uow: UnitOfWorkT) -> None:
            uow.service_orders.add(one)
            uow.service_orders.add(two)

        self._save(store, seed)
        clash = attrs.evolve(two, version=two.version + 1, request_id="REQ-1")
        with pytest.raises(ConcurrencyConflictError):
            self._save(store, lambda uow: uow.service_orders.save(clash, expected_version=1))
        with self.new_unit_of_work(store) as uow:
            assert uow.service_orders.get("SO-2") == two

    def test_Q1_of_two_units_of_work_transferring_one_request_exactly_one_commits(self) -> None:
        # Neither saves the request (as a desk that adds the order on its own would not):
        # the key on the orders' request id alone decides.
        store, request = self._new_store(), _reviewed("REQ-1")
        self._save(store, lambda uow: uow.service_requests.add(request))
        first, second = self.new_unit_of_work(store), self.new_unit_of_work(store)
        with first, second:
            for uow, order_id in ((first, "SO-1"), (second, "SO-2")):
                _, order = _transferred(uow.service_requests.get("REQ-1"), order_id)
                uow.service_orders.add(order)
            first.commit()
            with pytest.raises(ConcurrencyConflictError):
                second.commit()
        assert self._order_ids(store) == ["SO-1"]

    def test_orders_made_from_no_request_are_many(self) -> None:
        store = self._new_store()
        orders = []
        for number in (1, 2, 3):
            made, _ = ServiceOrder.create(
                EXAMPLE_STAGE_GRAPH, id=f"SO-{number}", customer_id="C-1", at=_AT
            )
            orders.append(made)

        def seed(uow: UnitOfWorkT) -> None:
            for order in orders:
                uow.service_orders.add(order)

        self._save(store, seed)
        assert self._order_ids(store) == ["SO-1", "SO-2", "SO-3"]

    # ------------------------------------------------------------------------- queries

    def test_with_status_and_by_idempotency_key_answer_with_the_own_writes_on_top(self) -> None:
        store = self._new_store()
        transferred, order = _transferred(_reviewed("REQ-3", key="K-3"), "SO-3")
        rejected, _ = _reviewed("REQ-4", key="K-4").reject("RC-1", at=_LATER, by="W-1")

        def seed(uow: UnitOfWorkT) -> None:
            uow.service_requests.add(_submitted("REQ-1"))
            uow.service_requests.add(_reviewed("REQ-2", key="K-2"))
            uow.service_requests.add(transferred)
            uow.service_orders.add(order)
            uow.service_requests.add(rejected)
            uow.service_requests.add(_submitted("REQ-5", customer_id="C-2"))

        self._save(store, seed)
        assert self._ids(store) == ["REQ-1", "REQ-2", "REQ-3", "REQ-4", "REQ-5"]
        assert self._ids(store, RequestStatus.SUBMITTED) == ["REQ-1", "REQ-5"]
        assert self._ids(store, RequestStatus.UNDER_REVIEW, RequestStatus.REJECTED) == [
            "REQ-2",
            "REQ-4",
        ]
        assert self._ids(store, RequestStatus.WITHDRAWN) == []
        with self.new_unit_of_work(store) as uow:
            requests = uow.service_requests
            assert requests.by_idempotency_key("C-1", "K-3") == transferred
            assert requests.by_idempotency_key("C-2", "K-3") is None
            assert requests.by_idempotency_key("C-1", "K-9") is None
            # The unit of work's own writes: a review started, a request added.
            reviewed, _ = requests.get("REQ-1").start_review(at=_LATER, by="W-1")
            requests.save(reviewed, expected_version=1)
            requests.add(_submitted("REQ-0", key="K-0"))
            assert [r.id for r in requests.with_status(RequestStatus.SUBMITTED)] == [
                "REQ-0",
                "REQ-5",
            ]
            assert [r.id for r in requests.with_status(RequestStatus.UNDER_REVIEW)] == [
                "REQ-1",
                "REQ-2",
            ]
            assert requests.by_idempotency_key("C-1", "K-0") == _submitted("REQ-0", key="K-0")
            requests.remove("REQ-2", expected_version=2)
            assert requests.by_idempotency_key("C-1", "K-2") is None
            assert [r.id for r in requests.with_status()][:2] == ["REQ-0", "REQ-1"]
        # Nothing of it was committed.
        assert self._ids(store, RequestStatus.SUBMITTED) == ["REQ-1", "REQ-5"]

    def test_the_queries_refuse_bad_input_naming_it(self) -> None:
        store = self._new_store()
        with self.new_unit_of_work(store) as uow:
            requests = uow.service_requests
            with pytest.raises(TypeMismatchError, match=r"statuses\[1\]"):
                requests.with_status(RequestStatus.SUBMITTED, "rejected")  # type: ignore[arg-type]
            with pytest.raises(InvalidInputError, match="customer_id"):
                requests.by_idempotency_key(" ", "K-1")
            with pytest.raises(TypeMismatchError, match="key"):
                requests.by_idempotency_key("C-1", 7)  # type: ignore[arg-type]

    # ----------------------------------------------------------------- all or nothing

    def test_U1_a_unit_of_work_failing_half_way_stores_and_publishes_nothing(self) -> None:
        store, request, other = self._new_store(), _reviewed("REQ-1"), _reviewed("REQ-9", key="K-9")

        def seed(uow: UnitOfWorkT) -> None:
            uow.service_requests.add(request)
            uow.service_requests.add(other)

        self._save(store, seed)
        publisher = InMemoryEventPublisher()
        moved, order, events = request.transfer(
            EXAMPLE_STAGE_GRAPH,
            order_id="SO-1",
            at=_AT + timedelta(hours=2),
            agreement=None,
            relations=(),
            taxonomy=REQUEST_TAXONOMY,
        )
        assert order is not None
        with self.publishing_unit_of_work(store, publisher) as uow:
            uow.service_requests.save(moved, expected_version=request.version)
            uow.service_orders.add(order)
            uow.service_requests.add(_submitted("REQ-2", key="K-2"))
            uow.collect(events)
            withdrawn, _ = other.withdraw(at=_LATER)
            uow.service_requests.save(withdrawn, expected_version=other.version)
            rejected, _ = other.reject("RC-1", at=_LATER, by="W-2")  # a rival, first
            self._save(
                store,
                lambda rival: rival.service_requests.save(rejected, expected_version=other.version),
            )
            with pytest.raises(ConcurrencyConflictError):
                uow.commit()
        assert publisher.published == ()
        assert self._order_ids(store) == []
        assert self._ids(store) == ["REQ-1", "REQ-9"]
        with self.new_unit_of_work(store) as uow:
            assert uow.service_requests.get("REQ-1") == request
            assert uow.service_requests.get("REQ-9") == rejected
