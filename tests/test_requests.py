"""Customer service requests: the whole flow and a worked example of each refusal."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from requests_fixtures import (
    AGREEMENT_RELATION,
    OTHER_RELATION,
    RELATIONS,
    REVIEWED,
    SUBMITTED,
    TAXONOMY,
    TRANSFERRED,
    WINDOW,
    agreement,
    submission,
    submitted,
    under_review,
)
from servicedomain.calendars import WorkingCalendar
from servicedomain.errors import (
    IdempotencyConflictError,
    InstantOutOfOrderError,
    InvalidInputError,
    NaiveDatetimeError,
    RequestRuleError,
    RequestStatusError,
    RuleViolationError,
    TypeMismatchError,
    UnknownCodeError,
)
from servicedomain.events import DomainEvent
from servicedomain.orders import Origin, ServiceOrder
from servicedomain.repairs import RelationKind, ServiceObjectRelation
from servicedomain.requests import (
    RequestEdited,
    RequestedRepairLine,
    RequestStatus,
    RequestTransferred,
    RequestWindow,
    ServiceRequest,
    SlaStart,
    customer_view,
    resubmit,
)
from servicedomain.serialization import from_dict, to_dict
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH


def _transfer(
    request: ServiceRequest, **changes: object
) -> tuple[ServiceRequest, ServiceOrder | None, tuple[DomainEvent, ...]]:
    fields: dict[str, object] = {
        "order_id": "SO-9",
        "at": TRANSFERRED,
        "agreement": agreement(),
        "relations": RELATIONS,
        "taxonomy": TAXONOMY,
        **changes,
    }
    return request.transfer(GRAPH, **fields)  # type: ignore[arg-type]


def _rule(error: pytest.ExceptionInfo[RequestRuleError]) -> str:
    return error.value.rule


# ------------------------------------------------------------------- the whole flow


def test_the_whole_flow_submit_review_edit_transfer() -> None:
    request, events = ServiceRequest.submit(
        submission(),
        id="REQ-1",
        at=SUBMITTED,
        agreement=agreement(),
        relations=RELATIONS,
        taxonomy=TAXONOMY,
    )
    assert (request.status, request.version, request.customer_id) == (
        RequestStatus.SUBMITTED,
        1,
        "C-1",
    )
    assert [event.name for event in events] == ["RequestSubmitted"]
    request, _ = request.start_review(at=REVIEWED, by="W-1")
    moved = RequestWindow(WINDOW.start + timedelta(hours=1), WINDOW.end + timedelta(hours=1))
    request, events = request.edit(at=REVIEWED, by="W-1", address="Storgatan 3", window=moved)
    assert events == (
        RequestEdited(
            entity_id="REQ-1", occurred_at=REVIEWED, by="W-1", fields=("address", "window")
        ),
    )
    assert [(e.field, e.old, e.new, e.by) for e in request.review_log] == [
        ("address", "Storgatan 1", "Storgatan 3", "W-1"),
        ("window", str(WINDOW), str(moved), "W-1"),
    ]
    request, _ = request.add_note("customer called", at=REVIEWED, by="W-1")
    request, order, events = _transfer(request)
    assert order is not None
    assert (request.status, request.order_id) == (RequestStatus.TRANSFERRED, "SO-9")
    assert isinstance(events[0], RequestTransferred)
    assert [event.name for event in events[1:]] == [
        "ServiceOrderCreated",
        "RepairLineAdded",
        "RepairLineAdded",
    ]
    assert (order.origin, order.incoming, order.request_id) == (Origin.WEB, True, "REQ-1")
    assert (order.customer_id, order.agreement_id, order.project_id) == ("C-1", "AG-1", "PRJ-1")
    assert order.service_address == "Storgatan 3"
    assert order.preferred_service_at == moved.start
    assert order.description == "The pump drips and the boiler is noisy"
    assert order.sla_id == "SLA-1"
    assert [entry.at for entry in order.sla_log] == [SUBMITTED]
    assert order.object_relations == (
        AGREEMENT_RELATION,
        ServiceObjectRelation("SO-9/SO-OLD/BOILER-1", "BOILER-1", RelationKind.ORDER, "SO-9"),
    )
    lines = [
        (line.number, line.relation_id, line.condition_id, line.symptom_code_id, line.description)
        for line in order.repair_lines
    ]
    assert lines == [
        (1, "AG-1/PUMP-1", "CO-1", "SC-1", "drips"),
        (2, "SO-9/SO-OLD/BOILER-1", None, None, "noisy"),
    ]
    assert all(line.created_at == TRANSFERRED for line in order.repair_lines)
    assert all(line.diagnosis_code_id is None for line in order.repair_lines)


def test_the_sla_clock_starts_at_the_transfer_by_policy() -> None:
    _, order, _ = _transfer(under_review(), sla_start=SlaStart.TRANSFER)
    assert order is not None
    assert [entry.at for entry in order.sla_log] == [TRANSFERRED]


def test_a_request_without_agreement_makes_an_order_without_sla() -> None:
    request, _ = ServiceRequest.submit(
        submission(agreement_id=None, relation_ids=(OTHER_RELATION.id,), lines=()),
        id="REQ-2",
        at=SUBMITTED,
        agreement=None,
        relations=RELATIONS,
        taxonomy=TAXONOMY,
    )
    request, _ = request.start_review(at=REVIEWED, by="W-1")
    _, order, _ = _transfer(request, agreement=None)
    assert order is not None
    assert (order.agreement_id, order.sla_id, order.sla_log) == (None, None, ())


def test_a_retried_transfer_to_the_same_order_returns_the_request_and_no_order() -> None:
    request, _, _ = _transfer(under_review())
    again, order, events = _transfer(request, at=TRANSFERRED + timedelta(hours=1))
    assert (again, order, events) == (request, None, ())


def test_a_transfer_to_another_order_is_refused() -> None:
    request, _, _ = _transfer(under_review())
    with pytest.raises(RequestRuleError) as caught:
        _transfer(request, order_id="SO-10")
    assert _rule(caught) == "request.transferred_once"


def test_reject_keeps_the_request_with_its_reason_code() -> None:
    request, events = under_review().reject("DUPLICATE", at=REVIEWED, by="W-1")
    assert (request.status, request.reject_reason) == (RequestStatus.REJECTED, "DUPLICATE")
    assert [event.name for event in events] == ["RequestRejected"]
    assert customer_view(request).reject_reason_code == "DUPLICATE"
    with pytest.raises(InvalidInputError) as caught:
        under_review().reject("", at=REVIEWED, by="W-1")
    assert caught.value.field == "reason_code"


def test_the_customer_withdraws_before_the_transfer() -> None:
    request, events = submitted().withdraw(at=REVIEWED)
    assert request.status is RequestStatus.WITHDRAWN
    assert [event.name for event in events] == ["RequestWithdrawn"]
    transferred, _, _ = _transfer(under_review())
    with pytest.raises(RequestStatusError) as caught:
        transferred.withdraw(at=TRANSFERRED)
    assert (caught.value.status, caught.value.move) == ("transferred", "withdraw")


# ----------------------------------------------------------------- the refusals


def test_illegal_moves_name_the_status_and_the_move() -> None:
    with pytest.raises(RequestStatusError) as caught:
        _transfer(submitted())  # only a reviewed request reaches the orders
    assert (caught.value.status, caught.value.move, caught.value.rule) == (
        "submitted",
        "transfer",
        "request.status",
    )
    assert isinstance(caught.value, RuleViolationError)
    assert "a submitted request does not allow the move 'transfer'" in str(caught.value)
    with pytest.raises(RequestStatusError) as review:
        under_review().start_review(at=REVIEWED, by="W-1")
    assert review.value.move == "start_review"
    with pytest.raises(RequestStatusError) as edit:
        submitted().edit(at=REVIEWED, by="W-1", address="elsewhere")
    assert (edit.value.status, edit.value.move) == ("submitted", "edit")


def test_another_customers_agreement_is_refused() -> None:
    with pytest.raises(RequestRuleError) as caught:
        submitted(customer_id="C-2")
    assert _rule(caught) == "request.agreement_customer"


def test_a_suspended_agreement_is_refused() -> None:
    with pytest.raises(RequestRuleError) as caught:
        ServiceRequest.submit(
            submission(),
            id="REQ-1",
            at=SUBMITTED,
            agreement=agreement(suspended=True),
            relations=RELATIONS,
            taxonomy=TAXONOMY,
        )
    assert _rule(caught) == "request.agreement_suspended"


def test_the_agreement_must_be_the_one_named() -> None:
    with pytest.raises(InvalidInputError) as caught:
        ServiceRequest.submit(
            submission(),
            id="REQ-1",
            at=SUBMITTED,
            agreement=None,
            relations=RELATIONS,
            taxonomy=TAXONOMY,
        )
    assert caught.value.field == "agreement"


def test_an_unknown_relation_is_refused() -> None:
    with pytest.raises(RequestRuleError) as caught:
        ServiceRequest.submit(
            submission(),
            id="REQ-1",
            at=SUBMITTED,
            agreement=agreement(),
            relations=(),  # BOILER-1's relation is not one of the customer's known ones
            taxonomy=TAXONOMY,
        )
    assert _rule(caught) == "request.relation_unknown"
    assert "SO-OLD/BOILER-1" in str(caught.value)


def test_two_relations_of_one_object_are_refused() -> None:
    twin = ServiceObjectRelation("SO-X/PUMP-1", "PUMP-1", RelationKind.ORDER, "SO-X")
    with pytest.raises(RequestRuleError) as caught:
        ServiceRequest.submit(
            submission(relation_ids=(AGREEMENT_RELATION.id, twin.id), lines=()),
            id="REQ-1",
            at=SUBMITTED,
            agreement=agreement(),
            relations=(twin,),
            taxonomy=TAXONOMY,
        )
    assert _rule(caught) == "request.relation_object_repeated"


def test_an_unknown_code_is_refused_like_a_repair_lines() -> None:
    bad = RequestedRepairLine(
        number=1, relation_id=AGREEMENT_RELATION.id, symptom_area_id="SA-1", symptom_code_id="SC-9"
    )
    with pytest.raises(UnknownCodeError) as caught:
        submitted(lines=(bad,))
    assert (caught.value.field, caught.value.value, caught.value.area_id) == (
        "lines[0].symptom_code_id",
        "SC-9",
        "SA-1",
    )
    with pytest.raises(UnknownCodeError) as condition:
        submitted(
            lines=(RequestedRepairLine(number=1, relation_id="AG-1/PUMP-1", condition_id="X"),)
        )
    assert condition.value.field == "lines[0].condition_id"


def test_a_code_needs_its_area() -> None:
    with pytest.raises(InvalidInputError) as caught:
        RequestedRepairLine(number=1, relation_id="REL-1", symptom_code_id="SC-1")
    assert caught.value.field == "symptom_code_id"


def test_a_line_on_a_relation_the_request_does_not_name_is_refused() -> None:
    with pytest.raises(InvalidInputError) as caught:
        submission(relation_ids=(AGREEMENT_RELATION.id,))
    assert (caught.value.field, caught.value.value) == ("lines[1].relation_id", OTHER_RELATION.id)
    with pytest.raises(InvalidInputError) as edited:
        under_review().edit(at=REVIEWED, by="W-1", relation_ids=(AGREEMENT_RELATION.id,))
    assert edited.value.field == "lines[1].relation_id"


@pytest.mark.parametrize(
    "window",
    [
        RequestWindow(datetime(2026, 2, 28, 22, tzinfo=UTC), datetime(2026, 3, 1, 2, tzinfo=UTC)),
        RequestWindow(
            datetime(2026, 3, 31, 22, tzinfo=UTC), datetime(2026, 4, 1, 0, 1, tzinfo=UTC)
        ),
    ],
)
def test_a_window_outside_the_agreement_is_refused(window: RequestWindow) -> None:
    with pytest.raises(RequestRuleError) as caught:
        submitted(window=window)
    assert _rule(caught) == "request.window_outside_agreement"


def test_the_agreement_days_are_inclusive_and_the_window_half_open() -> None:
    last = RequestWindow(datetime(2026, 3, 31, 22, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert submitted(window=last).window == last


def test_the_agreement_days_are_local_days_of_the_calendar() -> None:
    calendar = WorkingCalendar.standard("Europe/Stockholm")
    # 23:30 UTC on March 31 is April 1 in Stockholm: outside the agreement there
    late = RequestWindow(
        datetime(2026, 3, 31, 7, tzinfo=UTC), datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    )
    assert submitted(window=late).window == late  # UTC days without a calendar
    with pytest.raises(RequestRuleError) as caught:
        ServiceRequest.submit(
            submission(window=late),
            id="REQ-1",
            at=SUBMITTED,
            agreement=agreement(),
            relations=RELATIONS,
            taxonomy=TAXONOMY,
            calendar=calendar,
        )
    assert _rule(caught) == "request.window_outside_agreement"


def test_a_window_without_working_time_is_refused() -> None:
    calendar = WorkingCalendar.standard("Europe/Stockholm")
    sunday = RequestWindow(
        datetime(2026, 3, 8, 9, tzinfo=UTC), datetime(2026, 3, 8, 12, tzinfo=UTC)
    )
    with pytest.raises(RequestRuleError) as caught:
        ServiceRequest.submit(
            submission(window=sunday),
            id="REQ-1",
            at=SUBMITTED,
            agreement=agreement(),
            relations=RELATIONS,
            taxonomy=TAXONOMY,
            calendar=calendar,
        )
    assert _rule(caught) == "request.window_no_working_time"


def test_a_window_ends_after_it_starts_and_is_aware() -> None:
    with pytest.raises(InvalidInputError) as caught:
        RequestWindow(WINDOW.start, WINDOW.start)
    assert caught.value.field == "end"
    with pytest.raises(NaiveDatetimeError) as naive:
        RequestWindow(datetime(2026, 3, 3, 9), WINDOW.end)  # noqa: DTZ001
    assert naive.value.field == "start"


def test_time_moves_forward() -> None:
    with pytest.raises(InstantOutOfOrderError) as caught:
        submitted().start_review(at=SUBMITTED - timedelta(seconds=1), by="W-1")
    assert caught.value.last == SUBMITTED


def test_an_idempotency_key_is_not_blank() -> None:
    with pytest.raises(InvalidInputError) as caught:
        submission(idempotency_key="")
    assert caught.value.field == "idempotency_key"


def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        ServiceRequest.submit(
            "not a submission",  # type: ignore[arg-type]
            id="REQ-1",
            at=SUBMITTED,
            agreement=None,
            relations=(),
            taxonomy=TAXONOMY,
        )
    assert caught.value.field == "submission"
    with pytest.raises(TypeMismatchError) as relations:
        _transfer(under_review(), relations=[object()])
    assert relations.value.field == "relations[0]"
    with pytest.raises(TypeMismatchError) as window:
        under_review().edit(at=REVIEWED, by="W-1", window="tomorrow")  # type: ignore[arg-type]
    assert window.value.field == "window"


# --------------------------------------------------------------- idempotency, edits


def test_a_resubmit_with_the_same_payload_returns_the_stored_request() -> None:
    request, _ = under_review().edit(at=REVIEWED, by="W-1", address="Storgatan 3")
    assert resubmit(request, submission()) is request


def test_a_resubmit_with_another_payload_names_the_first_field_that_differs() -> None:
    with pytest.raises(IdempotencyConflictError) as caught:
        resubmit(submitted(), submission(address="elsewhere", text="other"))
    assert (caught.value.key, caught.value.field) == ("portal-42", "address")
    assert (caught.value.stored, caught.value.given) == ("Storgatan 1", "elsewhere")
    with pytest.raises(InvalidInputError) as key:
        resubmit(submitted(), submission(idempotency_key="portal-43"))
    assert key.value.field == "submission.idempotency_key"


def test_an_edit_that_changes_nothing_is_a_no_op() -> None:
    request = under_review()
    assert request.edit(at=REVIEWED, by="W-1", address="Storgatan 1", window=WINDOW) == (
        request,
        (),
    )


# ------------------------------------------------------------------ the view, codec


def test_the_customer_view_shows_public_notes_only_in_a_stable_json_form() -> None:
    request, _ = under_review().add_note("internal: cheap fix", at=REVIEWED, by="W-1")
    request, _ = request.add_note("We come on Tuesday", at=REVIEWED, by="W-1", public=True)
    planned = (WINDOW.start, WINDOW.start + timedelta(hours=2))
    view = customer_view(request, planned=planned)
    document = view.to_json_dict()
    assert list(document) == [
        "request_id",
        "status",
        "submitted_at",
        "requested_start",
        "requested_end",
        "planned_start",
        "planned_end",
        "notes",
        "lines",
        "order_id",
        "reject_reason_code",
    ]
    assert document["notes"] == [{"text": "We come on Tuesday", "at": REVIEWED.isoformat()}]
    assert document["planned_start"] == "2026-03-03T09:00:00+00:00"
    assert document["lines"][0] == {
        "number": 1,
        "condition_id": "CO-1",
        "symptom_area_id": "SA-1",
        "symptom_code_id": "SC-1",
        "description": "drips",
    }
    assert json.loads(view.to_json()) == document
    assert "cheap" not in view.to_json()
    with pytest.raises(InvalidInputError) as caught:
        customer_view(request, planned=(WINDOW.start,))  # type: ignore[arg-type]
    assert caught.value.field == "planned"
    with pytest.raises(InvalidInputError) as backwards:
        customer_view(request, planned=(WINDOW.end, WINDOW.start))
    assert backwards.value.field == "planned"


def test_requests_round_trip_through_the_codec_and_pickle() -> None:
    request, _ = under_review().add_note("n", at=REVIEWED, by="W-1", public=True)
    request, _ = request.edit(at=REVIEWED, by="W-1", address="x")
    transferred, _, events = _transfer(request)
    for value in (transferred, customer_view(transferred), *events, submission()):
        assert from_dict(type(value), to_dict(value)) == value
        assert pickle.loads(pickle.dumps(value)) == value


def test_a_request_document_with_an_unknown_key_is_refused() -> None:
    from servicedomain.errors import InvalidDocumentError

    document = {**to_dict(submitted()), "internal_cost": "12.00"}
    with pytest.raises(InvalidDocumentError):
        from_dict(ServiceRequest, document)


def test_the_request_keeps_its_invariants() -> None:
    request = submitted()
    with pytest.raises(InvalidInputError) as caught:
        ServiceRequest(**{**_fields(request), "order_id": "SO-1"})
    assert caught.value.field == "order_id"
    with pytest.raises(InvalidInputError) as reason:
        ServiceRequest(**{**_fields(request), "reject_reason": "DUP"})
    assert reason.value.field == "reject_reason"
    with pytest.raises(InvalidInputError) as recorded:
        ServiceRequest(**{**_fields(request), "recorded_at": SUBMITTED - timedelta(1)})
    assert recorded.value.field == "recorded_at"
    assert date(2026, 3, 1) <= request.window.start.date()


def _fields(request: ServiceRequest) -> dict[str, Any]:
    import attrs

    return attrs.asdict(request, recurse=False)
