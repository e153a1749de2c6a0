"""The request desk (issue 18): submit, review, transfer and the customer's view, stored.

Worked examples of the whole flow and of each refusal through the desk; idempotent
submit and transfer retries; law Q1 through the desk (Hypothesis, random sequences of
desk calls); law U1 for submit and transfer (a fault at every port call leaves nothing
behind, and a retry is one fault-free run); two submits and two transfers at once on the
memory store.
"""

# Tests are named after the law they check (test_Q1_..., test_U1_...), as invariants.md asks.

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import requests_fixtures as rf
from request_desk_fixtures import PORTS, SLA, World
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryUnitOfWork
from servicedomain.agreements import ServiceAgreement
from servicedomain.app import DispatchDesk, RequestDesk, TransferResult
from servicedomain.dispatch import Absence, BookingStatus
from servicedomain.errors import (
    AlreadyExistsError,
    ConcurrencyConflictError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
    RequestRuleError,
    RequestStatusError,
    ServiceDomainError,
    TypeMismatchError,
    UnknownCodeError,
)
from servicedomain.orders import Origin
from servicedomain.requests import (
    RequestedRepairLine,
    RequestStatus,
    RequestWindow,
    SlaStart,
)
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH
from servicedomain.testing.faults import FaultPlan, InjectedFault

SATURDAY = RequestWindow(datetime(2026, 3, 7, 9, tzinfo=UTC), datetime(2026, 3, 7, 12, tzinfo=UTC))


def reviewed(world: World) -> None:
    """REQ-1 submitted at SUBMITTED and under review since REVIEWED."""
    world.desk().submit(rf.submission(), request_id="REQ-1")
    world.at(rf.REVIEWED)
    world.desk().start_review("REQ-1", by="W-1")
    world.at(rf.TRANSFERRED)


def stored(world: World) -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork(world.store)


# ------------------------------------------------------------------ the whole flow


def test_the_whole_flow_submit_review_edit_transfer_and_the_customer_view() -> None:
    world = World()
    request = world.desk().submit(rf.submission(), request_id="REQ-1")
    assert (request.status, request.version, request.submitted_at) == (
        RequestStatus.SUBMITTED,
        1,
        rf.SUBMITTED,
    )
    world.at(rf.REVIEWED)
    desk = world.desk()
    desk.start_review("REQ-1", by="W-1")
    desk.edit("REQ-1", by="W-1", address="Storgatan 1B")
    desk.add_note("REQ-1", "customer called twice", by="W-1")
    desk.add_note("REQ-1", "We come on Tuesday", by="W-1", public=True)
    world.at(rf.TRANSFERRED)
    result = world.desk().transfer("REQ-1")

    assert result.request.status is RequestStatus.TRANSFERRED
    assert result.request.order_id == result.order.id == "SO-REQ-1"
    order = stored(world).service_orders.get("SO-REQ-1")
    assert order == result.order
    assert (order.origin, order.incoming, order.request_id) == (Origin.WEB, True, "REQ-1")
    assert (order.customer_id, order.agreement_id, order.sla_id) == ("C-1", "AG-1", "SLA-1")
    assert order.service_address == "Storgatan 1B"
    assert [line.description for line in order.repair_lines] == ["drips", "noisy"]
    assert [(e.field, e.old, e.new) for e in result.request.review_log] == [
        ("address", "Storgatan 1", "Storgatan 1B")
    ]
    # Law R8: the new order relation is cached on its stored object, in the same commit.
    boiler = stored(world).service_objects.get("BOILER-1")
    assert "SO-REQ-1/SO-OLD/BOILER-1" in [r.id for r in boiler.relations]
    names = [event.name for event in world.publisher.published]
    assert names[:5] == [
        "RequestSubmitted",
        "RequestReviewStarted",
        "RequestEdited",
        "RequestNoteAdded",
        "RequestNoteAdded",
    ]
    assert "RequestTransferred" in names
    assert "ServiceOrderCreated" in names

    view = world.desk().customer_view("REQ-1", customer_id="C-1")
    shown = json.loads(view.to_json())
    assert shown["status"] == "transferred"
    assert shown["order_id"] == "SO-REQ-1"
    assert [note["text"] for note in shown["notes"]] == ["We come on Tuesday"]
    assert "customer called twice" not in view.to_json()
    # No booking: the planned visit is the order's preferred service time.
    assert (view.planned_start, view.planned_end) == (rf.WINDOW.start, rf.WINDOW.start)


def test_the_reads_list_requests_by_status() -> None:
    world = World()
    reviewed(world)
    world.desk().submit(rf.submission(idempotency_key="portal-43"), request_id="REQ-2")
    desk = world.desk()
    assert [r.id for r in desk.requests()] == ["REQ-1", "REQ-2"]
    assert [r.id for r in desk.requests(RequestStatus.SUBMITTED)] == ["REQ-2"]
    assert desk.request("REQ-1").status is RequestStatus.UNDER_REVIEW


@pytest.mark.parametrize("policy", list(SlaStart))
def test_Q4_the_order_sla_starts_by_the_desk_policy(policy: SlaStart) -> None:
    world = World()
    reviewed(world)
    order = world.desk(sla_start=policy).transfer("REQ-1").order
    expected = rf.SUBMITTED if policy is SlaStart.SUBMISSION else rf.TRANSFERRED
    assert [entry.at for entry in order.sla_log] == [expected]
    later = rf.TRANSFERRED + timedelta(hours=1)
    assert order.measure_sla(SLA, now=later).elapsed == SLA.calendar.elapsed(  # type: ignore[union-attr]
        expected, later
    )


def test_customer_view_shows_the_booked_visit_and_nothing_before_transfer() -> None:
    world = World()
    reviewed(world)
    assert world.desk().customer_view("REQ-1", customer_id="C-1").planned_start is None
    result = world.desk().transfer("REQ-1", propose_booking=True)
    assert result.proposal is not None
    assert result.requirement is not None
    dispatch = DispatchDesk(unit_of_work=world.uow, clock=world.clock)
    start = result.proposal.start + timedelta(hours=1)
    booking = dispatch.book(
        result.requirement.id,
        result.proposal.technician_id,
        id="B-1",
        start=start,
        status=BookingStatus.COMMITTED,
    )
    view = world.desk().customer_view("REQ-1", customer_id="C-1")
    assert (view.planned_start, view.planned_end) == (booking.start, booking.end)
    dispatch.cancel("B-1")
    view = world.desk().customer_view("REQ-1", customer_id="C-1")
    assert view.planned_start == rf.WINDOW.start  # back to the preferred time


# ------------------------------------------------------------------ booking proposal


def test_a_transfer_proposes_the_best_technician_and_stores_the_requirement() -> None:
    world = World()
    reviewed(world)
    result = world.desk().transfer("REQ-1", propose_booking=True)
    assert result.requirement is not None
    assert result.proposal is not None
    assert result.proposal.technician_id == "W-9"
    assert result.proposal.start == rf.WINDOW.start
    need = stored(world).requirements.get("SO-REQ-1/visit")
    assert need == result.requirement
    assert (need.window.start, need.window.end) == (rf.WINDOW.start, rf.WINDOW.end)
    assert need.sla_deadline is not None  # the desk has the SLA
    assert stored(world).bookings.list() == []  # proposed, not booked


def test_a_transfer_with_nobody_free_proposes_none_with_the_reasons() -> None:
    world = World()
    reviewed(world)
    uow = stored(world)
    with uow:
        tech = uow.technicians.get("W-9")
        away, _ = tech.add_absence(
            Absence("A-1", rf.WINDOW.start, rf.WINDOW.end), at=rf.TRANSFERRED
        )
        uow.technicians.save(away, expected_version=tech.version)
        uow.commit()
    result = world.desk().transfer("REQ-1", propose_booking=True)
    assert result.proposal is None
    assert result.candidates is not None
    assert result.candidates.reasons_for("W-9")
    assert stored(world).requirements.get("SO-REQ-1/visit") == result.requirement


def test_a_visit_longer_than_the_window_refuses_the_whole_transfer() -> None:
    world = World()
    reviewed(world)
    before = world.state()
    with pytest.raises(InvalidInputError):
        world.desk(visit_duration=timedelta(hours=4)).transfer("REQ-1", propose_booking=True)
    assert world.state() == before


# ------------------------------------------------------------------ refusals


def _store_agreement(world: World, **changes: Any) -> None:
    uow = stored(world)
    with uow:
        current = uow.agreements.get("AG-1")
        uow.agreements.save(
            attrs.evolve(current, version=current.version + 1, **changes),
            expected_version=current.version,
        )
        uow.commit()


@pytest.mark.parametrize(
    ("prepare", "changes", "rule"),
    [
        (lambda w: _store_agreement(w, customer_id="C-2"), {}, "request.agreement_customer"),
        (lambda w: _store_agreement(w, suspended=True), {}, "request.agreement_suspended"),
        (
            lambda w: None,
            {
                "window": RequestWindow(
                    datetime(2026, 4, 2, 9, tzinfo=UTC), rf.WINDOW.end.replace(month=4, day=2)
                )
            },
            "request.window_outside_agreement",
        ),
        (lambda w: None, {"window": SATURDAY}, "request.window_no_working_time"),
    ],
)
def test_submit_refuses_a_broken_rule_and_stores_nothing(
    prepare: Callable[[World], None], changes: dict[str, Any], rule: str
) -> None:
    world = World()
    prepare(world)
    before = world.state()
    with pytest.raises(RequestRuleError, match=rule):
        world.desk().submit(rf.submission(**changes), request_id="REQ-1")
    assert world.state() == before


def test_submit_refuses_a_relation_of_another_customers_order() -> None:
    world = World(old_order_customer="C-2")
    with pytest.raises(RequestRuleError, match=r"request\.relation_unknown"):
        world.desk().submit(rf.submission(), request_id="REQ-1")


def test_submit_refuses_an_unknown_code_naming_the_line() -> None:
    line = RequestedRepairLine(
        number=1, relation_id=rf.AGREEMENT_RELATION.id, symptom_area_id="SA-1",
        symptom_code_id="SC-9",
    )  # fmt: skip
    with pytest.raises(UnknownCodeError, match=r"lines\[0\]\.symptom_code_id"):
        World().desk().submit(rf.submission(lines=(line,)), request_id="REQ-1")


def test_submit_refuses_an_agreement_that_is_not_stored() -> None:
    world = World()
    uow = stored(world)
    with uow:
        uow.agreements.remove("AG-1", expected_version=1)
        uow.commit()
    with pytest.raises(NotFoundError, match="AG-1"):
        world.desk().submit(rf.submission(), request_id="REQ-1")


def test_submit_refuses_an_agreement_whose_sla_the_desk_lacks() -> None:
    world = World()
    desk = RequestDesk(
        unit_of_work=world.uow, clock=world.clock, graph=GRAPH, taxonomy=rf.TAXONOMY, slas={}
    )
    with pytest.raises(InvalidInputError, match="slas"):
        desk.submit(rf.submission(), request_id="REQ-1")


def test_submit_refuses_a_request_id_taken_by_another_submission() -> None:
    world = World()
    world.desk().submit(rf.submission(), request_id="REQ-1")
    with pytest.raises(AlreadyExistsError):
        world.desk().submit(rf.submission(idempotency_key="portal-43"), request_id="REQ-1")


def test_the_state_machine_refuses_moves_through_the_desk_naming_status_and_move() -> None:
    world = World()
    desk = world.desk()
    desk.submit(rf.submission(), request_id="REQ-1")
    with pytest.raises(RequestStatusError, match="edit"):
        desk.edit("REQ-1", by="W-1", address="x")
    with pytest.raises(RequestStatusError, match="transfer"):
        desk.transfer("REQ-1")
    desk.start_review("REQ-1", by="W-1")
    with pytest.raises(RequestStatusError, match="start_review"):
        desk.start_review("REQ-1", by="W-1")
    desk.reject("REQ-1", "DUPLICATE", by="W-1")
    with pytest.raises(RequestStatusError, match="rejected"):
        desk.withdraw("REQ-1", customer_id="C-1")
    with pytest.raises(RequestStatusError, match="rejected"):
        desk.reject("REQ-1", "DUPLICATE", by="W-1")
    assert desk.request("REQ-1").reject_reason == "DUPLICATE"


def test_a_transferred_request_is_not_rejected_withdrawn_or_moved_to_another_order() -> None:
    world = World()
    reviewed(world)
    desk = world.desk()
    desk.transfer("REQ-1")
    with pytest.raises(RequestStatusError):
        desk.reject("REQ-1", "LATE", by="W-1")
    with pytest.raises(RequestStatusError):
        desk.withdraw("REQ-1", customer_id="C-1")
    with pytest.raises(RequestRuleError, match=r"request\.transferred_once"):
        desk.transfer("REQ-1", order_id="SO-OTHER")


def test_withdraw_and_customer_view_refuse_another_customer_as_not_found() -> None:
    world = World()
    desk = world.desk()
    desk.submit(rf.submission(), request_id="REQ-1")
    with pytest.raises(NotFoundError) as other:
        desk.withdraw("REQ-1", customer_id="C-2")
    with pytest.raises(NotFoundError) as missing:
        desk.customer_view("REQ-9", customer_id="C-2")
    with pytest.raises(NotFoundError) as not_theirs:
        desk.customer_view("REQ-1", customer_id="C-2")
    assert str(not_theirs.value) == str(missing.value).replace("REQ-9", "REQ-1")
    assert str(other.value) == str(not_theirs.value)
    assert desk.withdraw("REQ-1", customer_id="C-1").status is RequestStatus.WITHDRAWN


def test_transfer_to_a_stored_order_id_is_refused_and_stores_nothing() -> None:
    world = World()
    reviewed(world)
    before = world.state()
    with pytest.raises(AlreadyExistsError):
        world.desk().transfer("REQ-1", order_id="SO-OLD")
    assert world.state() == before


# ------------------------------------------------------------------ idempotency (Q2)


def test_Q2_a_repeated_submit_returns_the_stored_request_and_stores_nothing() -> None:
    world = World()
    first = world.desk().submit(rf.submission(), request_id="REQ-1")
    world.at(rf.REVIEWED)
    world.desk().start_review("REQ-1", by="W-1")
    before = world.state()
    again = world.desk().submit(rf.submission(), request_id="REQ-2")
    assert again.id == first.id
    assert again.status is RequestStatus.UNDER_REVIEW
    assert world.state() == before


def test_Q2_a_different_payload_under_the_same_key_is_refused_naming_the_field() -> None:
    world = World()
    world.desk().submit(rf.submission(), request_id="REQ-1")
    with pytest.raises(IdempotencyConflictError) as refused:
        world.desk().submit(rf.submission(text="Other"), request_id="REQ-2")
    assert refused.value.field == "text"


def test_Q1_a_transfer_retry_returns_the_same_order_and_stores_nothing() -> None:
    world = World()
    reviewed(world)
    first = world.desk().transfer("REQ-1", propose_booking=True)
    before = world.state()
    world.at(rf.TRANSFERRED + timedelta(hours=1))
    again = world.desk().transfer("REQ-1", propose_booking=True)
    assert (again.order, again.request, again.requirement) == (
        first.order,
        first.request,
        first.requirement,
    )
    assert world.desk().transfer("REQ-1", order_id="SO-REQ-1").order == first.order
    assert world.state() == before


# ------------------------------------------------------------------ concurrency


@attrs.define
class RacingUnitOfWork:
    """A unit of work whose commit first lets a rival run to its own commit."""

    inner: InMemoryUnitOfWork
    rival: Callable[[], object] | None

    def __enter__(self) -> RacingUnitOfWork:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.__exit__(*exc)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def commit(self) -> None:
        if self.rival is not None:
            rival, self.rival = self.rival, None
            rival()
        self.inner.commit()


def _racing_desk(world: World, rival: Callable[[], object]) -> RequestDesk:
    """A desk whose first unit of work commits only after ``rival`` committed."""
    pending: list[Callable[[], object]] = [rival]

    def unit() -> Any:
        return RacingUnitOfWork(world.uow(), pending.pop() if pending else None)

    return RequestDesk(
        unit_of_work=unit, clock=world.clock, graph=GRAPH, taxonomy=rf.TAXONOMY, slas={"SLA-1": SLA}
    )


@pytest.mark.parametrize("rival_id", ["REQ-0", "REQ-B"])  # the rival sorts first or last
def test_Q2_two_submits_with_one_key_at_once_store_one_request_and_both_get_it(
    rival_id: str,
) -> None:
    world = World()
    won: list[object] = []
    rival = world.desk()
    desk = _racing_desk(
        world, lambda: won.append(rival.submit(rf.submission(), request_id=rival_id))
    )
    got = desk.submit(rf.submission(), request_id="REQ-A")
    assert [request.id for request in stored(world).service_requests.list()] == [rival_id]
    assert won == [got]
    names = [event.name for event in world.publisher.published]
    assert names.count("RequestSubmitted") == 1


def test_two_submits_with_one_key_at_once_and_other_payloads_refuse_the_loser() -> None:
    world = World()
    rival = world.desk()
    desk = _racing_desk(
        world, lambda: rival.submit(rf.submission(text="other"), request_id="REQ-0")
    )
    with pytest.raises(IdempotencyConflictError):
        desk.submit(rf.submission(), request_id="REQ-A")
    assert [request.id for request in stored(world).service_requests.list()] == ["REQ-0"]


def test_Q1_two_transfers_at_once_make_one_order_and_both_return_it() -> None:
    world = World()
    reviewed(world)
    won: list[TransferResult] = []
    rival = world.desk()
    desk = _racing_desk(world, lambda: won.append(rival.transfer("REQ-1")))
    got = desk.transfer("REQ-1")
    assert got.order == won[0].order
    orders = [o for o in stored(world).service_orders.list() if o.request_id == "REQ-1"]
    assert [o.id for o in orders] == ["SO-REQ-1"]


def test_a_lost_race_with_a_rejection_is_a_conflict() -> None:
    world = World()
    reviewed(world)
    rival = world.desk()
    desk = _racing_desk(world, lambda: rival.reject("REQ-1", "SPAM", by="W-2"))
    with pytest.raises(ConcurrencyConflictError):
        desk.transfer("REQ-1")
    assert stored(world).service_orders.list() == [stored(world).service_orders.get("SO-OLD")]


# ------------------------------------------------------------------ law Q1, random


def _call(desk: RequestDesk, action: str, request_id: str, key: str, step: int) -> object:
    """One desk call of the random sequence."""
    run: dict[str, Callable[[], object]] = {
        "submit": lambda: desk.submit(rf.submission(idempotency_key=key), request_id=request_id),
        "review": lambda: desk.start_review(request_id, by="W-1"),
        "edit": lambda: desk.edit(request_id, by="W-1", address=f"street {step}"),
        "note": lambda: desk.add_note(request_id, "n", by="W-1", public=step % 2 == 0),
        "reject": lambda: desk.reject(request_id, "R", by="W-1"),
        "withdraw": lambda: desk.withdraw(request_id, customer_id="C-1"),
        "transfer": lambda: desk.transfer(request_id),
        "transfer_other": lambda: desk.transfer(request_id, order_id=f"SO-{key}"),
    }
    return run[action]()


_ACTIONS = st.sampled_from(
    ["submit", "review", "edit", "note", "reject", "withdraw", "transfer", "transfer_other"]
)


@given(
    st.lists(
        st.tuples(_ACTIONS, st.sampled_from(["REQ-1", "REQ-2"]), st.sampled_from(["k1", "k2"])),
        max_size=14,
    )
)
def test_Q1_random_desk_calls_transfer_each_request_at_most_once_to_a_web_order(
    calls: list[tuple[str, str, str]],
) -> None:
    world = World()
    for step, (action, request_id, key) in enumerate(calls, start=1):
        world.at(rf.SUBMITTED + timedelta(minutes=step))
        with contextlib.suppress(ServiceDomainError):
            _call(world.desk(), action, request_id, key, step)
        uow = stored(world)
        orders = [order for order in uow.service_orders.list() if order.request_id is not None]
        made_for = [order.request_id for order in orders]
        assert len(made_for) == len(set(made_for)), made_for
        for request in uow.service_requests.list():
            mine = [order for order in orders if order.request_id == request.id]
            if request.status is RequestStatus.TRANSFERRED:
                assert [order.id for order in mine] == [request.order_id]
                assert (mine[0].origin, mine[0].incoming) == (Origin.WEB, True)
            else:
                assert mine == []


# ------------------------------------------------------------------ law U1


def _sweep(setup: Callable[[], World], run: Callable[[World, FaultPlan], object]) -> int:
    """Fail ``run`` at each port call: nothing is left behind, a retry is one clean run."""
    reference = setup()
    run(reference, FaultPlan(ports=PORTS))
    expected = reference.state()
    counting, plan = setup(), FaultPlan(ports=PORTS)
    run(counting, plan)
    assert plan.calls[-1] == "commit", plan.calls
    for k in range(1, len(plan.calls) + 1):
        world = setup()
        before = world.state()
        with pytest.raises(InjectedFault):
            run(world, FaultPlan(fail_at=k, ports=PORTS))
        assert world.state() == before, f"fault at step {k}: something was left behind"
        run(world, FaultPlan(ports=PORTS))
        assert world.state() == expected, f"fault at step {k}: the retry is not one run"
    return len(plan.calls)


def _reviewed_world() -> World:
    world = World()
    reviewed(world)
    return world


def test_U1_a_submit_fails_at_any_step_and_a_retry_is_one_run() -> None:
    steps = _sweep(
        World, lambda world, plan: world.desk(plan).submit(rf.submission(), request_id="REQ-1")
    )
    assert steps >= 3


@pytest.mark.parametrize("propose", [False, True])
def test_U1_a_transfer_fails_at_any_step_and_a_retry_is_one_run(propose: bool) -> None:
    steps = _sweep(
        _reviewed_world,
        lambda world, plan: world.desk(plan).transfer("REQ-1", propose_booking=propose),
    )
    assert steps >= 6


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("unit_of_work", None),
        ("clock", object()),
        ("graph", None),
        ("taxonomy", "T"),
        ("slas", {"SLA-1": "x"}),
        ("sla_start", "submission"),
        ("visit_duration", timedelta(0)),
        ("visit_duration", 60),
    ],
)
def test_the_desk_refuses_a_bad_argument_naming_it(field: str, value: object) -> None:
    world = World()
    arguments: dict[str, Any] = {
        "unit_of_work": world.uow,
        "clock": FixedClock(rf.SUBMITTED),
        "graph": GRAPH,
        "taxonomy": rf.TAXONOMY,
        field: value,
    }
    with pytest.raises((InvalidInputError, TypeMismatchError), match=field):
        RequestDesk(**arguments)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda d: d.submit("payload", request_id="REQ-1"), "submission"),
        (lambda d: d.submit(rf.submission(), request_id=" "), "request_id"),
        (lambda d: d.start_review("", by="W-1"), "request_id"),
        (lambda d: d.transfer("REQ-1", propose_booking="yes"), "propose_booking"),
        (lambda d: d.transfer("REQ-1", order_id=7), "order_id"),
        (lambda d: d.requests("submitted"), r"statuses\[0\]"),
        (lambda d: d.add_note("REQ-1", None, by="W-1"), "text"),
        (lambda d: d.withdraw("REQ-1", customer_id=""), "customer_id"),
        (lambda d: d.customer_view("REQ-1", customer_id=None), "customer_id"),
    ],
)
def test_the_desk_methods_refuse_bad_input_naming_the_argument(
    call: Callable[[RequestDesk], object], field: str
) -> None:
    with pytest.raises((InvalidInputError, TypeMismatchError), match=field):
        call(World().desk())


def test_a_unit_of_work_without_agreements_is_refused_clearly() -> None:
    world = World()

    @attrs.define
    class Bare:
        inner: InMemoryUnitOfWork

        def __enter__(self) -> Bare:
            return self

        def __exit__(self, *exc: object) -> None:
            self.inner.rollback()

        def commit(self) -> None:
            self.inner.commit()

        def collect(self, events: object) -> None:
            self.inner.collect(events)  # type: ignore[arg-type]

        @property
        def service_requests(self) -> object:
            return self.inner.service_requests

    desk = RequestDesk(
        unit_of_work=lambda: Bare(world.uow()),  # type: ignore[arg-type, return-value]
        clock=world.clock,
        graph=GRAPH,
        taxonomy=rf.TAXONOMY,
    )
    with pytest.raises(InvalidInputError, match="agreements"):
        desk.submit(rf.submission(), request_id="REQ-1")
    assert isinstance(stored(world).agreements.get("AG-1"), ServiceAgreement)
