"""Laws U2 (time moves forward) and S8 (cancel is final) on service orders, as properties.

Each property drives one order with an SLA through a random history of dated
operations (stage changes over the example graph, stops and starts by hand, sign-off,
line edits, the SLA's cancel) and checks the laws with the testing kit's own checks
(``servicedomain.testing.invariants.check_order_laws``), so the kit is tested too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from servicedomain.calendars import WorkingCalendar
from servicedomain.errors import (
    InstantOutOfOrderError,
    InvalidPauseError,
    ServiceDomainError,
)
from servicedomain.events import DomainEvent
from servicedomain.money import Money
from servicedomain.orders import NewLine, ServiceOrder, TransactionType
from servicedomain.sla import (
    Allowance,
    ClockState,
    ServiceLevelAgreement,
    SlaEntry,
    SlaParameters,
    SlaTargets,
)
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH
from servicedomain.stages import ReasonCode
from servicedomain.testing.invariants import (
    LawViolation,
    check_order_laws,
    check_sla_log,
    check_time_moves_forward,
)

START = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
REASON = ReasonCode("WHY", "Because")
STRICT = SlaParameters(reason_on_exceeding=True, reason_on_canceling=True)
WALL_CLOCK = ServiceLevelAgreement(id="SLA", targets=SlaTargets(resolution=Allowance(hours=8)))
BUSINESS = attrs.evolve(WALL_CLOCK, calendar=WorkingCalendar.standard("Europe/Stockholm"))
HOUR = NewLine(
    transaction_type=TransactionType.HOUR,
    quantity=Decimal(1),
    cost_price=Money(40, "EUR"),
    sales_price=Money(85, "EUR"),
)
ACTIONS = ("stage", "stop", "start", "sign_off", "add_line", "change_line")

Outcome = tuple[ServiceOrder, tuple[DomainEvent, ...]]

steps = st.integers(0, 26 * 60).map(lambda minutes: timedelta(minutes=minutes))
skews = st.sampled_from([timedelta(microseconds=1), timedelta(seconds=1)]) | st.integers(
    1, 3 * 24 * 3600
).map(lambda seconds: timedelta(seconds=seconds))
histories = st.lists(st.tuples(st.sampled_from(ACTIONS), steps, st.integers(0, 5)), max_size=12)
slas = st.sampled_from([WALL_CLOCK, BUSINESS])


def operation(
    order: ServiceOrder, action: str, choice: int, at: datetime, sla: ServiceLevelAgreement
) -> Callable[[], Outcome]:
    """The call ``action`` makes on ``order`` at ``at`` (``choice`` picks a stage)."""
    if action == "stage":
        current = GRAPH.stage(order.stage_id)
        near = [child.id for child in GRAPH.children(order.stage_id)]
        if current.parent_id is not None:
            near.append(current.parent_id)
        to = near[choice % len(near)]
        return lambda: order.change_stage(
            GRAPH, to, at=at, reason=REASON, sla=sla, sla_parameters=STRICT
        )
    if action == "stop":
        return lambda: order.stop_sla(at=at, reason=REASON, sla=sla, sla_parameters=STRICT)
    if action == "start":
        return lambda: order.start_sla(at=at)
    if action == "sign_off":
        return lambda: order.sign_off(at=at, reason=REASON, sla=sla, sla_parameters=STRICT)
    if action == "add_line":
        return lambda: order.add_line(GRAPH, HOUR, at=at)
    return lambda: order.change_line(GRAPH, 1, at=at, quantity=Decimal(choice + 2))


def apply(order: ServiceOrder, call: Callable[[], Outcome]) -> ServiceOrder:
    """The order after ``call``; a refusal (a stage rule, pausing twice) keeps it as it was."""
    try:
        new, _ = call()
    except InstantOutOfOrderError:
        raise
    except ServiceDomainError:
        return order
    return new


def run(
    history: list[tuple[str, timedelta, int]], sla: ServiceLevelAgreement
) -> tuple[ServiceOrder, datetime]:
    """An order with an SLA after ``history``, every step dated after the previous one."""
    order, _ = ServiceOrder.create(
        GRAPH, id="SO-1", customer_id="C-1", at=START, sla_id=sla.id, lines=[HOUR]
    )
    now = START
    for action, step, choice in history:
        now += step
        order = apply(order, operation(order, action, choice, now, sla))
        check_order_laws(order, sla=sla, now=now)
    return order, now


# ------------------------------------------------------------------------------ S8


@given(before=histories, after=histories, sla=slas, late=steps)
@example(  # the reported case: cancel, then PLANNED, then measure
    before=[], after=[("stage", timedelta(hours=1), 0)], sla=WALL_CLOCK, late=timedelta(hours=1)
)
def test_S8_cancel_is_final(
    before: list[tuple[str, timedelta, int]],
    after: list[tuple[str, timedelta, int]],
    sla: ServiceLevelAgreement,
    late: timedelta,
) -> None:
    order, now = run(before, sla)
    order, _ = order.cancel_sla(at=now, reason=REASON, sla_parameters=STRICT)
    log, canceled_at = order.sla_log, now
    at_cancel = order.measure_sla(sla, now=canceled_at)
    for action, step, choice in after:
        now += step
        order = apply(order, operation(order, action, choice, now, sla))
        assert order.sla_log == log, "law S8: an entry was recorded after the cancel"
        check_order_laws(order, sla=sla, now=now)
    for by_hand in (order.stop_sla, order.start_sla, order.cancel_sla):
        with pytest.raises(InvalidPauseError):
            by_hand(at=now)
    measured = order.measure_sla(sla, now=now + late)
    assert measured == at_cancel
    assert measured.state is ClockState.CANCELED
    assert measured.elapsed == order.measure_sla(sla, now=canceled_at).elapsed


# ------------------------------------------------------------------------------ U2


@given(
    history=histories,
    action=st.sampled_from((*ACTIONS, "cancel_sla")),
    choice=st.integers(0, 5),
    skew=skews,
    sla=slas,
)
@example(  # the reported case: 1 us of clock skew on a stage change
    history=[("stage", timedelta(hours=1), 0)],
    action="stage",
    choice=0,
    skew=timedelta(microseconds=1),
    sla=WALL_CLOCK,
)
def test_U2_time_moves_forward(
    history: list[tuple[str, timedelta, int]],
    action: str,
    choice: int,
    skew: timedelta,
    sla: ServiceLevelAgreement,
) -> None:
    order, _ = run(history, sla)
    last = order.last_recorded_at
    assert last is not None
    early = last - skew
    call: Callable[[], Outcome] = (
        (lambda: order.cancel_sla(at=early))
        if action == "cancel_sla"
        else operation(order, action, choice, early, sla)
    )
    with pytest.raises(InstantOutOfOrderError) as caught:
        call()
    error = caught.value
    assert (error.field, error.value, error.last) == ("at", early, last)
    assert early.isoformat() in str(error)
    assert last.isoformat() in str(error)
    # the order stays usable: measured, and the same operation at the last instant is
    # judged on its own merits (never as out of order)
    order.measure_sla(sla, now=last)
    same: Callable[[], Outcome] = (
        (lambda: order.cancel_sla(at=last))
        if action == "cancel_sla"
        else operation(order, action, choice, last, sla)
    )
    check_order_laws(apply(order, same), sla=sla, now=last)


# ------------------------------------------------------------- the kit's own checks


def corrupt(order: ServiceOrder, *entries: SlaEntry) -> ServiceOrder:
    """The order with ``entries`` appended to its SLA log, as a buggy host might store it."""
    return attrs.evolve(order, sla_log=(*order.sla_log, *entries))


def test_the_checks_catch_an_sla_log_that_goes_back_in_time() -> None:
    order, _ = run([("stage", timedelta(hours=2), 0)], WALL_CLOCK)
    bad = corrupt(order, SlaEntry.stop(START + timedelta(hours=1)))
    for check in (check_time_moves_forward, check_sla_log, check_order_laws):
        with pytest.raises(LawViolation) as caught:
            check(bad)
        assert caught.value.law == "U2"
        assert "sla_log[2]" in str(caught.value)


def test_the_checks_catch_an_entry_after_a_cancel() -> None:
    order, now = run([], WALL_CLOCK)
    order, _ = order.cancel_sla(at=now + timedelta(hours=1))
    bad = corrupt(order, SlaEntry.stage(now + timedelta(hours=2), "PLANNED", stops_clock=False))
    with pytest.raises(LawViolation) as caught:
        check_sla_log(bad)
    assert caught.value.law == "S8"
    assert "follows the cancel" in str(caught.value)
    check_sla_log(order, sla=WALL_CLOCK, now=now + timedelta(days=400))


def test_the_last_recorded_instant_follows_every_operation() -> None:
    history = [("stage", timedelta(hours=2), 0), ("change_line", timedelta(hours=1), 0)]
    order, now = run(history, WALL_CLOCK)
    assert order.sla_log[-1].at == now - timedelta(hours=1)
    assert order.last_recorded_at == order.recorded_at == now  # the line edit counts
