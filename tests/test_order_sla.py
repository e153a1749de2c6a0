"""Service orders and their SLA time recording: the clock follows stages and actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from orders_fixtures import service_desk_over
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryServiceUnitOfWork, InMemoryStore
from servicedomain.agreements import AgreementGroup, ServiceAgreement
from servicedomain.calendars import WorkingCalendar
from servicedomain.errors import (
    InstantOutOfOrderError,
    InvalidInputError,
    InvalidPauseError,
    NotFoundError,
    OrderRuleError,
    ReasonRequiredError,
    ServiceDomainError,
)
from servicedomain.money import Money
from servicedomain.orders import (
    ItemRequirement,
    NewLine,
    Priority,
    ServiceOrder,
    ServiceTask,
    SlaTimeRecorded,
    TransactionType,
    move_lines,
)
from servicedomain.repairs import RelationKind, ServiceObjectRelation
from servicedomain.sla import (
    Allowance,
    ClockState,
    ServiceLevelAgreement,
    SlaEntryKind,
    SlaParameters,
    SlaStatus,
    SlaTargets,
)
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH
from servicedomain.stages import ReasonCode

# Monday 2 March 2026, 09:00 in Stockholm (08:00 UTC)
MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CALENDAR = WorkingCalendar.standard("Europe/Stockholm", id="STO")
SLA = ServiceLevelAgreement(
    id="SLA-8H", targets=SlaTargets(resolution=Allowance(hours=8)), calendar=CALENDAR
)
STRICT = SlaParameters(reason_on_exceeding=True, reason_on_canceling=True)
LATE = ReasonCode("LATE", "Parts arrived late")


def order_with_sla(*lines: NewLine) -> ServiceOrder:
    order, _ = ServiceOrder.create(
        GRAPH, id="SO-1", customer_id="C-1", at=MONDAY_9, sla_id="SLA-8H", lines=lines
    )
    return order


def an_hour() -> NewLine:
    return NewLine(
        transaction_type=TransactionType.HOUR,
        quantity=Decimal(1),
        cost_price=Money(40, "EUR"),
        sales_price=Money(85, "EUR"),
    )


def test_an_order_with_an_sla_starts_its_clock_when_created() -> None:
    order = order_with_sla()
    assert [entry.kind for entry in order.sla_log] == [SlaEntryKind.START]
    figures = order.measure_sla(SLA, now=MONDAY_9 + timedelta(hours=2))
    assert figures.state is ClockState.RUNNING
    assert figures.elapsed == timedelta(hours=2)
    assert figures.deadline == MONDAY_9 + timedelta(hours=8)
    plain, _ = ServiceOrder.create(GRAPH, id="SO-2", customer_id="C-1", at=MONDAY_9)
    assert plain.sla_log == ()


def test_a_stage_that_stops_time_recording_stops_the_clock_and_going_back_restarts_it() -> None:
    order = order_with_sla()
    for hours, stage in ((1, "PLANNED"), (2, "IN_PROCESS"), (3, "COMPLETED")):
        order, _ = order.change_stage(GRAPH, stage, at=MONDAY_9 + timedelta(hours=hours))
    stopped = order.measure_sla(SLA, now=MONDAY_9 + timedelta(hours=6))
    assert stopped.state is ClockState.STOPPED
    assert stopped.elapsed == timedelta(hours=3)
    order, _ = order.change_stage(GRAPH, "IN_PROCESS", at=MONDAY_9 + timedelta(hours=5))
    running = order.measure_sla(SLA, now=MONDAY_9 + timedelta(hours=6))
    assert running.state is ClockState.RUNNING
    assert running.elapsed == timedelta(hours=4)  # the 2 stopped hours do not count
    kinds = [entry.kind for entry in order.sla_log]
    assert kinds == [SlaEntryKind.START] + [SlaEntryKind.STAGE] * 4


def test_manual_stop_start_and_cancel_are_recorded_and_checked() -> None:
    order = order_with_sla()
    order, events = order.stop_sla(at=MONDAY_9 + timedelta(hours=1), reason=LATE)
    assert events == (
        SlaTimeRecorded(
            entity_id="SO-1",
            occurred_at=MONDAY_9 + timedelta(hours=1),
            kind="stop",
            reason_code="LATE",
        ),
    )
    with pytest.raises(InvalidPauseError) as caught:
        order.stop_sla(at=MONDAY_9 + timedelta(hours=2))
    assert "pausing twice" in str(caught.value)
    order, _ = order.start_sla(at=MONDAY_9 + timedelta(hours=3))
    with pytest.raises(InvalidPauseError):
        order.start_sla(at=MONDAY_9 + timedelta(hours=4))
    figures = order.measure_sla(SLA, now=MONDAY_9 + timedelta(hours=4))
    assert figures.elapsed == timedelta(hours=2)
    order, _ = order.cancel_sla(at=MONDAY_9 + timedelta(hours=5))
    assert order.measure_sla(SLA, now=MONDAY_9 + timedelta(hours=6)).state is ClockState.CANCELED
    with pytest.raises(InvalidPauseError):
        order.start_sla(at=MONDAY_9 + timedelta(hours=7))


def test_an_order_without_an_sla_records_no_time() -> None:
    plain, _ = ServiceOrder.create(GRAPH, id="SO-2", customer_id="C-1", at=MONDAY_9)
    with pytest.raises(OrderRuleError) as caught:
        plain.stop_sla(at=MONDAY_9)
    assert caught.value.rule == "order.no_sla"
    moved, _ = plain.change_stage(GRAPH, "PLANNED", at=MONDAY_9)
    assert moved.sla_log == ()


def test_signing_off_an_exceeded_sla_needs_a_reason_when_the_parameters_say_so() -> None:
    order = order_with_sla(an_hour())
    tuesday = MONDAY_9 + timedelta(days=1, hours=2)  # 8 h Monday + 2 h Tuesday: exceeded
    assert order.measure_sla(SLA, now=tuesday).status is SlaStatus.EXCEEDED
    with pytest.raises(ReasonRequiredError) as caught:
        order.sign_off(at=tuesday, sla=SLA, sla_parameters=STRICT)
    assert caught.value.rule == "sla.reason_on_exceeding"
    assert isinstance(caught.value, ServiceDomainError)
    signed, _ = order.sign_off(at=tuesday, sla=SLA, sla_parameters=STRICT, reason=LATE)
    assert signed.signed_off
    assert signed.signed_off_at == tuesday
    # within the allowance no reason is needed
    early = MONDAY_9 + timedelta(hours=1)
    order.sign_off(at=early, sla=SLA, sla_parameters=STRICT)
    # without parameters the clock is not consulted
    order.sign_off(at=tuesday)


def test_stopping_an_exceeded_sla_or_entering_a_stopping_stage_needs_a_reason() -> None:
    order = order_with_sla()
    for stage in ("PLANNED", "IN_PROCESS"):
        order, _ = order.change_stage(GRAPH, stage, at=MONDAY_9 + timedelta(minutes=5))
    tuesday = MONDAY_9 + timedelta(days=1, hours=2)
    with pytest.raises(ReasonRequiredError):
        order.stop_sla(at=tuesday, sla=SLA, sla_parameters=STRICT)
    with pytest.raises(ReasonRequiredError):
        order.change_stage(GRAPH, "COMPLETED", at=tuesday, sla=SLA, sla_parameters=STRICT)
    done, _ = order.change_stage(
        GRAPH, "COMPLETED", at=tuesday, reason=LATE, sla=SLA, sla_parameters=STRICT
    )
    assert done.sla_log[-1].reason == LATE


def test_canceling_the_sla_needs_a_reason_when_the_parameters_say_so() -> None:
    order = order_with_sla()
    with pytest.raises(ReasonRequiredError) as caught:
        order.cancel_sla(at=MONDAY_9, sla_parameters=STRICT)
    assert caught.value.rule == "sla.reason_on_canceling"
    canceled, _ = order.cancel_sla(at=MONDAY_9, sla_parameters=STRICT, reason=LATE)
    assert canceled.sla_log[-1].kind is SlaEntryKind.CANCEL


def test_changing_the_sla_changes_nothing_stored_and_new_figures_follow() -> None:
    order = order_with_sla()
    now = MONDAY_9 + timedelta(hours=7)  # 7 of 8 hours: past the 0.8 share
    tighter = attrs.evolve(SLA, targets=SlaTargets(resolution=Allowance(hours=4)))
    assert order.measure_sla(SLA, now=now).status is SlaStatus.AT_RISK
    assert order.measure_sla(tighter, now=now).status is SlaStatus.EXCEEDED
    assert order.sla_log == order_with_sla().sla_log


def test_the_sign_off_service_consults_the_stored_orders_sla() -> None:
    store = InMemoryStore()
    store.repository(ServiceOrder).add(order_with_sla(an_hour()))
    tuesday = MONDAY_9 + timedelta(days=1, hours=2)
    with pytest.raises(ReasonRequiredError):
        service_desk_over(
            InMemoryServiceUnitOfWork(store),
            FixedClock(tuesday),
            slas={"SLA-8H": SLA},
            sla_parameters=STRICT,
        ).sign_off("SO-1")
    assert not store.repository(ServiceOrder).get("SO-1").signed_off
    signed = service_desk_over(
        InMemoryServiceUnitOfWork(store),
        FixedClock(tuesday),
        slas={"SLA-8H": SLA},
        sla_parameters=STRICT,
    ).sign_off("SO-1", reason=LATE)
    assert store.repository(ServiceOrder).get("SO-1") == signed
    assert signed.signed_off_at == tuesday


def test_an_order_created_by_hand_on_an_agreement_gets_its_sla_and_is_measured() -> None:
    store = InMemoryStore()
    with_own, _ = ServiceAgreement.create(
        id="AG-1",
        customer_id="C-1",
        group=AgreementGroup("G", default_sla_id="SLA-GROUP"),
        start_date=date(2026, 1, 1),
        at=MONDAY_9,
        sla_id="SLA-8H",
    )
    group_only, _ = ServiceAgreement.create(
        id="AG-2",
        customer_id="C-1",
        group=AgreementGroup("G", default_sla_id="SLA-GROUP"),
        start_date=date(2026, 1, 1),
        at=MONDAY_9,
    )
    for agreement in (with_own, group_only):
        store.repository(ServiceAgreement).add(agreement)
    clock = FixedClock(MONDAY_9)
    first = service_desk_over(InMemoryServiceUnitOfWork(store), clock, graph=GRAPH).create_order(
        order_id="SO-1", customer_id="C-1", agreement_id="AG-1"
    )
    second = service_desk_over(InMemoryServiceUnitOfWork(store), clock, graph=GRAPH).create_order(
        order_id="SO-2", customer_id="C-1", agreement_id="AG-2"
    )
    chosen = service_desk_over(InMemoryServiceUnitOfWork(store), clock, graph=GRAPH).create_order(
        order_id="SO-3", customer_id="C-1", agreement_id="AG-2", sla_id="SLA-8H"
    )
    assert (first.sla_id, second.sla_id, chosen.sla_id) == ("SLA-8H", "SLA-GROUP", "SLA-8H")
    assert [entry.kind for entry in first.sla_log] == [SlaEntryKind.START]
    with pytest.raises(NotFoundError):
        service_desk_over(InMemoryServiceUnitOfWork(store), clock, graph=GRAPH).create_order(
            order_id="SO-4", customer_id="C-1", agreement_id="AG-404"
        )


# ------------------------------------------------------------ law S8: cancel is final


def test_S8_a_canceled_sla_records_nothing_on_later_stage_changes() -> None:
    """Regression: a stage change after cancel_sla appended an entry after the cancel."""
    order = order_with_sla(an_hour())
    canceled_at = MONDAY_9 + timedelta(hours=2)
    order, _ = order.cancel_sla(at=canceled_at, reason=LATE)
    log = order.sla_log
    order, _ = order.change_stage(GRAPH, "PLANNED", at=canceled_at + timedelta(hours=1))
    order, _ = order.change_stage(GRAPH, "IN_PROCESS", at=canceled_at + timedelta(hours=2))
    order, _ = order.change_stage(
        GRAPH,
        "COMPLETED",  # a clock-stopping stage, with the SLA parameters consulted
        at=canceled_at + timedelta(days=2),
        sla=SLA,
        sla_parameters=STRICT,
    )
    assert order.sla_log == log
    assert order.stage_id == "COMPLETED"
    figures = order.measure_sla(SLA, now=canceled_at + timedelta(days=3))
    assert figures.state is ClockState.CANCELED
    assert figures.elapsed == timedelta(hours=2)
    assert figures == order.measure_sla(SLA, now=canceled_at)
    signed, _ = order.sign_off(at=canceled_at + timedelta(days=3), sla=SLA, sla_parameters=STRICT)
    assert signed.signed_off
    assert signed.sla_log == log


def test_S8_a_canceled_sla_is_not_stopped_or_started_again() -> None:
    order = order_with_sla()
    order, _ = order.cancel_sla(at=MONDAY_9 + timedelta(hours=1))
    for operation in (order.stop_sla, order.start_sla, order.cancel_sla):
        with pytest.raises(InvalidPauseError) as caught:
            operation(at=MONDAY_9 + timedelta(hours=2))
        assert "canceled" in str(caught.value)
    assert order.measure_sla(SLA, now=MONDAY_9 + timedelta(hours=5)).elapsed == timedelta(hours=1)


# ---------------------------------------------------------- law U2: time moves forward


def test_U2_a_stage_change_dated_before_the_last_sla_entry_is_refused() -> None:
    """Regression: 1 us of clock skew corrupted the SLA log for good."""
    order = order_with_sla()
    last = MONDAY_9 + timedelta(hours=1)
    order, _ = order.change_stage(GRAPH, "PLANNED", at=last)
    skewed = last - timedelta(microseconds=1)
    with pytest.raises(InstantOutOfOrderError) as caught:
        order.change_stage(GRAPH, "IN_PROCESS", at=skewed)
    error = caught.value
    assert isinstance(error, InvalidInputError)
    assert (error.field, error.value, error.last) == ("at", skewed, last)
    assert skewed.isoformat() in str(error)
    assert last.isoformat() in str(error)
    # the order stays usable: measuring, stopping and stage changes all work
    later = last + timedelta(hours=1)
    assert order.measure_sla(SLA, now=later).elapsed == timedelta(hours=2)
    order, _ = order.change_stage(GRAPH, "IN_PROCESS", at=last)  # an equal instant is fine
    order, _ = order.stop_sla(at=later, sla=SLA, sla_parameters=STRICT)
    assert order.measure_sla(SLA, now=later + timedelta(hours=1)).elapsed == timedelta(hours=2)


@pytest.mark.parametrize(
    "operation",
    [
        "stop_sla",
        "start_sla",
        "cancel_sla",
        "sign_off",
        "change_stage",
        "add_line",
        "change_line",
        "remove_line",
        "cancel",
        "cancel_line",
        "mark_posted",
        "delete",
        "relate_object",
        "relate_task",
        "revoke_cancel",
        "revoke_line_cancel",
        "add_item_requirement",
        "remove_item_requirement",
        "move_lines_source",
        "move_lines_target",
    ],
)
def test_U2_every_dated_operation_refuses_an_instant_before_the_last_one(operation: str) -> None:
    order, _ = ServiceOrder.create(
        GRAPH,
        id="SO-1",
        customer_id="C-1",
        at=MONDAY_9,
        sla_id="SLA-8H",
        agreement_id="AG-1",
        lines=[an_hour()],
    )
    last = MONDAY_9 + timedelta(hours=3)
    order, _ = order.change_stage(GRAPH, "PLANNED", at=last)
    early = last - timedelta(seconds=1)
    fresh, _ = ServiceOrder.create(
        GRAPH, id="SO-9", customer_id="C-1", at=early, lines=[an_hour()], agreement_id="AG-1"
    )
    calls: dict[str, Callable[[], object]] = {
        "stop_sla": lambda: order.stop_sla(at=early),
        "start_sla": lambda: order.start_sla(at=early),
        "cancel_sla": lambda: order.cancel_sla(at=early),
        "sign_off": lambda: order.sign_off(at=early),
        "change_stage": lambda: order.change_stage(GRAPH, "CREATED", at=early),
        "add_line": lambda: order.add_line(GRAPH, an_hour(), at=early),
        "change_line": lambda: order.change_line(GRAPH, 1, at=early, description="x"),
        "remove_line": lambda: order.remove_line(GRAPH, 1, at=early),
        "cancel": lambda: order.cancel(GRAPH, at=early),
        "cancel_line": lambda: order.cancel_line(GRAPH, 1, at=early),
        "mark_posted": lambda: order.mark_posted({}, at=early),
        "delete": lambda: order.delete(GRAPH, at=early),
        "relate_object": lambda: order.relate_object(
            GRAPH, ServiceObjectRelation("R-1", "OBJ-1", RelationKind.ORDER, order.id), at=early
        ),
        "relate_task": lambda: order.relate_task(GRAPH, ServiceTask("T-1"), at=early),
        "revoke_cancel": lambda: order.revoke_cancel(GRAPH, at=early),
        "revoke_line_cancel": lambda: order.revoke_line_cancel(GRAPH, 1, at=early),
        "add_item_requirement": lambda: order.add_item_requirement(
            GRAPH, 1, ItemRequirement(id="IR-1", item_id="I-1", quantity=1), at=early
        ),
        "remove_item_requirement": lambda: order.remove_item_requirement(
            GRAPH, 1, "IR-1", at=early
        ),
        "move_lines_source": lambda: move_lines(GRAPH, order, fresh, [1], at=early),
        "move_lines_target": lambda: move_lines(GRAPH, fresh, order, [1], at=early),
    }
    with pytest.raises(InstantOutOfOrderError) as caught:
        calls[operation]()
    assert (caught.value.value, caught.value.last) == (early, last)


# ----------------------------------------------------------------- measuring footguns


def test_measuring_an_order_with_another_sla_is_refused_naming_both_ids() -> None:
    """Regression: measure_sla never checked that the SLA is the order's."""
    order = order_with_sla()
    other = attrs.evolve(SLA, id="SLA-OTHER")
    with pytest.raises(InvalidInputError) as caught:
        order.measure_sla(other, now=MONDAY_9 + timedelta(hours=1))
    assert caught.value.field == "sla"
    assert "'SLA-8H'" in str(caught.value)
    assert "'SLA-OTHER'" in str(caught.value)
    assert "'SO-1'" in str(caught.value)


def test_an_order_without_an_sla_is_not_measured() -> None:
    """Regression: an order with no SLA measured as within."""
    plain, _ = ServiceOrder.create(GRAPH, id="SO-2", customer_id="C-1", at=MONDAY_9)
    figures = plain.measure_sla(SLA, now=MONDAY_9 + timedelta(days=3))
    assert figures.status is SlaStatus.NOT_MEASURED
    assert figures.state is ClockState.NOT_STARTED
    assert (figures.elapsed, figures.deadline, figures.timeline) == (timedelta(0), None, ())
    assert figures.remaining == figures.allowance == timedelta(hours=8)


def test_the_orders_priority_picks_the_per_priority_target() -> None:
    urgent = attrs.evolve(
        SLA, per_priority={Priority.HIGH: SlaTargets(resolution=Allowance(hours=2))}
    )
    order, _ = ServiceOrder.create(
        GRAPH, id="SO-3", customer_id="C-1", at=MONDAY_9, sla_id="SLA-8H", priority=Priority.HIGH
    )
    figures = order.measure_sla(urgent, now=MONDAY_9 + timedelta(hours=3))
    assert (figures.allowance, figures.status) == (timedelta(hours=2), SlaStatus.EXCEEDED)
