"""Laws Q1 to Q4 (issue 18): customer service requests over drawn requests and moves.

* Q1: a request is transferred at most once, and a transferred request's order exists
  with origin web (incoming, its request id);
* Q2: a submit with the same key and payload is idempotent (a different payload is
  refused, naming the field); the state machine accepts exactly the moves of
  :data:`~servicedomain.requests.REQUEST_MOVES`;
* Q3: the customer view of any request contains no internal field: no internal note,
  review entry, editor or idempotency key reaches its JSON, and its field names hold
  none of a deny-list;
* Q4: the SLA measured on the transferred order counts from the policy's start instant
  (the submission or the transfer).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import requests_fixtures as fx
from servicedomain.calendars import WorkingCalendar
from servicedomain.errors import (
    IdempotencyConflictError,
    RequestRuleError,
    RequestStatusError,
    ServiceDomainError,
)
from servicedomain.orders import Origin, ServiceOrder
from servicedomain.requests import (
    REQUEST_MOVES,
    CustomerNote,
    CustomerRepairLine,
    CustomerRequestView,
    RequestMove,
    RequestStatus,
    ServiceRequest,
    SlaStart,
    customer_view,
    resubmit,
)
from servicedomain.sla import Allowance, ServiceLevelAgreement, SlaTargets
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH
from servicedomain.testing.domain_strategies import (
    REQUEST_TAXONOMY,
    request_relations,
    service_requests,
)

_OPEN = (RequestStatus.SUBMITTED, RequestStatus.UNDER_REVIEW)


def _apply(
    request: ServiceRequest, move: RequestMove, order_id: str
) -> tuple[ServiceRequest, ServiceOrder | None]:
    """Apply ``move`` at the request's last instant; the transfer goes to ``order_id``."""
    at = request.recorded_at
    if move is RequestMove.START_REVIEW:
        return request.start_review(at=at, by="W-1")[0], None
    if move is RequestMove.REJECT:
        return request.reject("RC-1", at=at, by="W-1")[0], None
    if move is RequestMove.WITHDRAW:
        return request.withdraw(at=at)[0], None
    new, order, _ = request.transfer(
        GRAPH,
        order_id=order_id,
        at=at,
        agreement=None,
        relations=request_relations(request.submission.relation_ids),
        taxonomy=REQUEST_TAXONOMY,
    )
    return new, order


@given(
    request=service_requests(statuses=_OPEN),
    moves=st.lists(
        st.tuples(st.sampled_from(RequestMove), st.sampled_from(["SO-1", "SO-2"])), max_size=8
    ),
)
def test_Q1_a_request_is_transferred_at_most_once_and_its_order_has_origin_web(
    request: ServiceRequest, moves: list[tuple[RequestMove, str]]
) -> None:
    orders: list[ServiceOrder] = []
    for move, order_id in moves:
        try:
            request, order = _apply(request, move, order_id)
        except RequestRuleError:  # a refused move (RequestStatusError included)
            continue
        if order is not None:
            orders.append(order)
    assert len(orders) <= 1
    assert (request.status is RequestStatus.TRANSFERRED) == (len(orders) == 1)
    for order in orders:
        assert order.id == request.order_id
        assert (order.origin, order.incoming, order.request_id) == (Origin.WEB, True, request.id)
        assert order.customer_id == request.customer_id
        assert len(order.repair_lines) == len(request.lines)


@given(request=service_requests(), field=st.sampled_from(["contact", "address", "text"]))
def test_Q2_submit_with_the_same_key_and_payload_is_idempotent(
    request: ServiceRequest, field: str
) -> None:
    same = attrs.evolve(request.submission)  # an equal payload, another object
    assert resubmit(request, same) is request
    changed = attrs.evolve(
        request.submission, **{field: getattr(request.submission, field) + " (changed)"}
    )
    with pytest.raises(IdempotencyConflictError) as caught:
        resubmit(request, changed)
    assert (caught.value.key, caught.value.field) == (request.idempotency_key, field)


@pytest.mark.parametrize(("status", "move"), list(itertools.product(RequestStatus, RequestMove)))
@given(data=st.data())
def test_Q2_the_state_machine_accepts_exactly_the_documented_moves(
    status: RequestStatus, move: RequestMove, data: st.DataObject
) -> None:
    request = data.draw(service_requests(statuses=(status,)))
    assert request.status is status
    allowed = REQUEST_MOVES[status]
    # a transferred request's retry to its own order is not a move: ask for another order
    order_id = "SO-OTHER"
    if move in allowed:
        new, order = _apply(request, move, order_id)
        assert new.status is allowed[move]
        assert new.version == request.version + 1
        assert (order is not None) == (move is RequestMove.TRANSFER)
    else:
        refused: type[ServiceDomainError] = (
            RequestRuleError if status is RequestStatus.TRANSFERRED else RequestStatusError
        )
        with pytest.raises(refused) as caught:
            _apply(request, move, order_id)
        if isinstance(caught.value, RequestStatusError):
            assert (caught.value.status, caught.value.move) == (status.value, move.value)
    if status is RequestStatus.UNDER_REVIEW:
        edited, _ = request.edit(at=request.recorded_at, by="W-1", address=request.address + "!")
        assert edited.version == request.version + 1
    else:
        with pytest.raises(RequestStatusError) as edit:
            request.edit(at=request.recorded_at, by="W-1", address=request.address + "!")
        assert (edit.value.status, edit.value.move) == (status.value, "edit")


_DENIED = ("internal", "cost", "price", "margin", "review", "by", "edit", "idempotency", "key")


def _field_names(cls: type[Any]) -> set[str]:
    names = {field.name for field in attrs.fields(cls)}
    for nested in (CustomerNote, CustomerRepairLine):
        if cls is CustomerRequestView:
            names |= _field_names(nested)
    return names


_MARKERS = st.integers(0, 10**9).map(lambda n: f"zzsecret{n}qq")


@given(
    request=service_requests(),
    markers=st.lists(_MARKERS, min_size=3, max_size=6, unique=True),
    planned=st.booleans(),
)
def test_Q3_the_customer_view_contains_no_internal_field(
    request: ServiceRequest, markers: list[str], planned: bool
) -> None:
    internal, editor, *notes = markers
    for text in notes:
        request, _ = request.add_note(text, at=request.recorded_at, by="W-1", public=False)
    if request.status is RequestStatus.SUBMITTED:
        request, _ = request.start_review(at=request.recorded_at, by=editor)
    if request.status is RequestStatus.UNDER_REVIEW:
        request, _ = request.edit(at=request.recorded_at, by=editor, address=internal)
    window = (request.window.start, request.window.end) if planned else None
    document = customer_view(request, planned=window).to_json()
    # the markers are unique random texts: an internal note, the editor, an edited address
    # (drawn values such as a short key or an earlier editor may equal public content)
    for secret in markers:
        assert secret not in document
    public = [note.text for note in request.notes if note.public]
    assert [note.text for note in customer_view(request).notes] == public
    names = _field_names(CustomerRequestView)
    assert not [name for name in names for word in _DENIED if word in name]


_CALENDAR = WorkingCalendar.standard("UTC")
_SLA = ServiceLevelAgreement(
    id="SLA-1", targets=SlaTargets(resolution=Allowance(hours=16)), calendar=_CALENDAR
)
_FIRST = datetime(2026, 3, 1, tzinfo=UTC)


def _minutes(most: int) -> st.SearchStrategy[timedelta]:
    return st.integers(0, most).map(lambda n: timedelta(minutes=n))


@given(
    submitted=_minutes(2 * 24 * 60 - 1).map(lambda d: _FIRST + d),
    waited=_minutes(2 * 24 * 60),
    later=_minutes(3 * 24 * 60),
    policy=st.sampled_from(SlaStart),
)
def test_Q4_the_sla_measured_on_the_order_counts_from_the_policys_start_instant(
    submitted: datetime, waited: timedelta, later: timedelta, policy: SlaStart
) -> None:
    request, _ = ServiceRequest.submit(
        fx.submission(),
        id="REQ-1",
        at=submitted,
        agreement=fx.agreement(),
        relations=fx.RELATIONS,
        taxonomy=fx.TAXONOMY,
    )
    request, _ = request.start_review(at=submitted, by="W-1")
    transferred_at = submitted + waited
    request, order, _ = request.transfer(
        GRAPH,
        order_id="SO-1",
        at=transferred_at,
        agreement=fx.agreement(),
        relations=fx.RELATIONS,
        taxonomy=fx.TAXONOMY,
        sla_start=policy,
    )
    assert order is not None
    now = transferred_at + later
    start = submitted if policy is SlaStart.SUBMISSION else transferred_at
    measured = order.measure_sla(_SLA, now=now)
    assert measured.elapsed == _CALENDAR.elapsed(start, now)
    counted: Callable[[datetime], timedelta] = lambda at: _CALENDAR.elapsed(at, now)  # noqa: E731
    assert counted(submitted) - counted(transferred_at) == _CALENDAR.elapsed(
        submitted, transferred_at
    )
