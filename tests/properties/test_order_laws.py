"""The service order laws of invariants.md (T1, I1, M5) and the progress roll-up, as properties."""

from __future__ import annotations

import decimal
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from servicedomain.errors import (
    OrderRuleError,
    ReasonRequiredError,
    ServiceDomainError,
    TransitionNotAllowedError,
)
from servicedomain.events import DomainEvent
from servicedomain.money import Currency, Money
from servicedomain.orders import (
    LineStatus,
    NewLine,
    Progress,
    ServiceOrder,
    ServiceOrderLine,
    ServiceTask,
    TransactionType,
    roll_up,
)
from servicedomain.periods import DateRange
from servicedomain.repairs import RelationKind, ServiceObjectRelation
from servicedomain.stages import EXAMPLE_STAGE_GRAPH, ReasonCode, ReasonType
from servicedomain.testing.strategies import date_ranges, monies

GRAPH = EXAMPLE_STAGE_GRAPH
AT = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
BASE = date(2026, 3, 1)
KINDS = list(TransactionType)
CREATED, POSTED, CANCELED = LineStatus.CREATED, LineStatus.POSTED, LineStatus.CANCELED
REASON = ReasonCode("WHY", "Because")
PRICE = Money(Decimal("85.00"), "EUR")
COST = Money(Decimal("50.00"), "EUR")

# ------------------------------------------------------------------------ strategies

days = st.integers(-40, 70).map(lambda offset: BASE + timedelta(days=offset))
periods = date_ranges(min_value=BASE - timedelta(days=45), max_value=BASE + timedelta(days=75))
type_sets = st.sets(st.sampled_from(KINDS), min_size=1)


@st.composite
def order_lines(draw: st.DrawFn, *, statuses: bool = True) -> tuple[ServiceOrderLine, ...]:
    """Lines with distinct (not consecutive) numbers, random dates, sign-offs and statuses."""
    numbers = draw(st.lists(st.integers(1, 40), unique=True, max_size=8))
    lines = []
    for number in numbers:
        status = draw(st.sampled_from(LineStatus)) if statuses else CREATED
        day = draw(st.none() | days)
        where = draw(st.sampled_from(["execution_date", "date_range", "calculated_date"]))
        dated: dict[str, Any] = {}
        if day is not None:
            dated[where] = DateRange(day, day + timedelta(days=3)) if where == "date_range" else day
        lines.append(
            ServiceOrderLine(
                number=number,
                transaction_type=draw(st.sampled_from(KINDS)),
                quantity=draw(st.decimals(0, 100, places=3)),
                cost_price=COST,
                sales_price=PRICE,
                status=status,
                signed_off=draw(st.booleans()),
                journal_transaction_id=f"OLD-{number}" if status is POSTED else None,
                **dated,
            )
        )
    return tuple(lines)


def make_order(lines: tuple[ServiceOrderLine, ...], stage: str = "COMPLETED") -> ServiceOrder:
    return ServiceOrder(
        id="SO-1", version=1, customer_id="C-1", agreement_id="AGR-1", stage_id=stage, lines=lines
    )


# ------------------------------------------------------------------------------- I1


@given(
    lines=order_lines(),
    runs=st.lists(st.tuples(periods, type_sets, st.booleans()), min_size=1, max_size=4),
)
def test_I1_no_line_is_posted_twice(
    lines: tuple[ServiceOrderLine, ...],
    runs: list[tuple[DateRange, set[TransactionType], bool]],
) -> None:
    order = make_order(lines)
    posted_before = {line.number for line in lines if line.status is POSTED}
    posted_count: Counter[int] = Counter()
    for run, (period, types, require_sign_off) in enumerate(runs):
        plan = order.plan_posting(
            GRAPH, period=period, types=types, require_sign_off=require_sign_off
        )
        planned = [entry.line_number for entry in plan.entries]
        skipped = [number for number, _ in plan.skipped]
        assert sorted(planned + skipped) == sorted(order.line_numbers)  # each line once
        for entry in plan.entries:
            line = order.line(entry.line_number)
            assert line.status is CREATED
            assert entry.transaction_type in types
            assert entry.transaction_date in period
            assert line.signed_off or not require_sign_off
            posted_count[entry.line_number] += 1
        ids = {number: f"JT-{run}-{number}" for number in planned}
        order, _ = order.mark_posted(ids, at=AT)
        again = order.plan_posting(
            GRAPH, period=period, types=types, require_sign_off=require_sign_off
        )
        assert again.entries == ()
        if ids:
            with pytest.raises(OrderRuleError):
                order.mark_posted(ids, at=AT)
    assert all(count <= 1 for count in posted_count.values())
    assert not posted_before & set(posted_count)
    for line in order.lines:
        if line.number in posted_count:
            assert line.status is POSTED
            assert line.journal_transaction_id is not None
            assert line.journal_transaction_id.startswith("JT-")
        elif line.number in posted_before:
            assert line.journal_transaction_id == f"OLD-{line.number}"


# -------------------------------------------------------------------------- roll-up

# The catalog's table, written out for every set of statuses that can be present.
ROLL_UP_TABLE = {
    frozenset(): Progress.IN_PROCESS,
    frozenset({CREATED}): Progress.IN_PROCESS,
    frozenset({CREATED, POSTED}): Progress.IN_PROCESS,
    frozenset({CREATED, CANCELED}): Progress.IN_PROCESS,
    frozenset({CREATED, POSTED, CANCELED}): Progress.IN_PROCESS,
    frozenset({CANCELED}): Progress.CANCELED,
    frozenset({POSTED}): Progress.POSTED,
    frozenset({POSTED, CANCELED}): Progress.POSTED,
}


@given(st.lists(st.sampled_from(LineStatus), max_size=12))
@example([])
@example([POSTED, CANCELED, CANCELED])
def test_progress_is_the_roll_up_of_line_statuses(statuses: list[LineStatus]) -> None:
    expected = ROLL_UP_TABLE[frozenset(statuses)]
    assert roll_up(statuses) is expected
    lines = tuple(
        ServiceOrderLine(
            number=number,
            transaction_type=TransactionType.FEE,
            quantity=1,
            cost_price=COST,
            sales_price=PRICE,
            status=status,
        )
        for number, status in enumerate(statuses, 1)
    )
    assert make_order(lines).progress is expected


# ------------------------------------------------------------------------------- T1

OPERATIONS = [
    "add_line",
    "change_line",
    "remove_line",
    "relate_object",
    "relate_task",
    "change_stage",
    "change_stage",
    "cancel",
    "revoke_cancel",
    "cancel_line",
    "revoke_line_cancel",
    "sign_off",
    "post",
    "delete",
]
STAGE_IDS = [stage.id for stage in GRAPH.path_to("COMPLETED")] + ["CANCELED"]


def _declared(stage_id: str) -> set[str]:
    parent = GRAPH.parent(stage_id)
    return {child.id for child in GRAPH.children(stage_id)} | (
        set() if parent is None else {parent.id}
    )


def _new_line(data: st.DataObject) -> NewLine:
    return NewLine(
        transaction_type=data.draw(st.sampled_from(KINDS)),
        quantity=data.draw(st.decimals(0, 10, places=2)),
        cost_price=COST,
        sales_price=PRICE,
        execution_date=BASE,
        service_object_id=data.draw(st.sampled_from([None, "OBJ-1"])),
    )


def _post(order: ServiceOrder) -> tuple[ServiceOrder, tuple[DomainEvent, ...]]:
    period = DateRange(BASE, BASE + timedelta(days=1))
    plan = order.plan_posting(GRAPH, period=period, types=KINDS, require_sign_off=False)
    return order.mark_posted({e.line_number: f"JT-{e.line_number}" for e in plan.entries}, at=AT)


def _apply(operation: str, order: ServiceOrder, data: st.DataObject) -> Any:
    """Run one operation with drawn arguments; it may be refused."""
    number = data.draw(st.integers(1, max(order.line_numbers, default=0) + 1), label="number")
    operations: dict[str, Callable[[], Any]] = {
        "add_line": lambda: order.add_line(GRAPH, _new_line(data), at=AT),
        "change_line": lambda: order.change_line(
            GRAPH, number, at=AT, quantity=data.draw(st.integers(0, 5))
        ),
        "remove_line": lambda: order.remove_line(GRAPH, number, at=AT),
        "relate_object": lambda: order.relate_object(
            GRAPH,
            ServiceObjectRelation(
                "REL-1",
                "OBJ-1",
                RelationKind.ORDER,
                order.id,
                data.draw(st.sampled_from(["BOM-1", "BOM-2"])),
            ),
            at=AT,
        ),
        "relate_task": lambda: order.relate_task(GRAPH, ServiceTask("TASK-1"), at=AT),
        "cancel": lambda: order.cancel(
            GRAPH, at=AT, reason=data.draw(st.sampled_from([None, REASON]))
        ),
        "revoke_cancel": lambda: order.revoke_cancel(GRAPH, at=AT),
        "cancel_line": lambda: order.cancel_line(GRAPH, number, at=AT),
        "revoke_line_cancel": lambda: order.revoke_line_cancel(GRAPH, number, at=AT),
        "sign_off": lambda: order.sign_off(
            at=AT, numbers=data.draw(st.sampled_from([None, [number]]))
        ),
        "post": lambda: _post(order),
        "delete": lambda: order.delete(GRAPH, at=AT),
    }
    return operations[operation]()


def _change_stage(order: ServiceOrder, data: st.DataObject) -> ServiceOrder:
    """A stage change to any stage: only declared transitions succeed (law T1)."""
    declared = sorted(_declared(order.stage_id))
    target = data.draw(st.sampled_from(declared) | st.sampled_from(STAGE_IDS), label="to")
    reason = data.draw(st.sampled_from([None, REASON]), label="reason")
    if target not in _declared(order.stage_id):
        with pytest.raises(TransitionNotAllowedError):
            order.change_stage(GRAPH, target, at=AT, reason=reason)
        return order
    if reason is None and GRAPH.stage(target).rules.requires_reason:
        with pytest.raises(ReasonRequiredError):
            order.change_stage(GRAPH, target, at=AT, reason=reason)
        return order
    changed, events = order.change_stage(GRAPH, target, at=AT, reason=reason)
    assert changed.stage_id == target
    assert changed.version == order.version + 1
    assert len(events) == 1
    added = changed.reason_log[len(order.reason_log) :]
    assert [entry.type for entry in added].count(ReasonType.STAGE_CHANGE) == 1
    return changed


@given(st.data())
def test_T1_every_operation_increments_the_version_by_one(data: st.DataObject) -> None:
    order, events = ServiceOrder.create(
        GRAPH,
        id="SO-1",
        customer_id="C-1",
        agreement_id="AGR-1",
        at=AT,
        lines=[
            NewLine(
                transaction_type=kind,
                quantity=1,
                cost_price=COST,
                sales_price=PRICE,
                execution_date=BASE,
            )
            for kind in KINDS[:2]
        ],
    )
    assert order.version == 1
    assert len(events) == 1
    for stage_id in STAGE_IDS[1 : 1 + data.draw(st.integers(0, 3), label="head start")]:
        changed, _ = order.change_stage(GRAPH, stage_id, at=AT)
        assert changed.version == order.version + 1
        order = changed
    for _ in range(data.draw(st.integers(1, 20), label="steps")):
        operation = data.draw(st.sampled_from(OPERATIONS), label="operation")
        if operation == "change_stage":
            order = _change_stage(order, data)
            event(f"stage: {order.stage_id}")
            continue
        try:
            result = _apply(operation, order, data)
        except ServiceDomainError:
            event(f"{operation}: refused")
            continue  # refused: the snapshot it was called on is unchanged by design
        event(f"{operation}: done")
        if operation == "delete":
            assert [event.name for event in result] == ["ServiceOrderDeleted"]
            continue
        changed, events = result
        if events:
            assert changed.version == order.version + 1
            assert all(event.entity_id == order.id for event in events)
        else:
            assert changed is order  # an operation that changes nothing returns the order
        assert changed.stage_id == order.stage_id or operation == "change_stage"
        order = changed
    # Replaying the stage history rebuilds the stage (law T1).
    stage = GRAPH.root.id
    for entry in order.reason_log:
        if entry.type is ReasonType.STAGE_CHANGE:
            assert entry.from_stage_id == stage
            assert entry.stage_id in _declared(stage)
            stage = entry.stage_id
    assert stage == order.stage_id


# ------------------------------------------------------------------------------- M5

CURRENCIES = ["EUR", "JPY", "KWD", "USD"]


def _exact_round(amount: Decimal, currency: Currency) -> Decimal:
    context = decimal.Context(prec=80)
    return context.multiply(amount, 1).quantize(
        Decimal(1).scaleb(-currency.minor_units), rounding=decimal.ROUND_HALF_UP, context=context
    )


@given(
    quantity=st.one_of(
        st.integers(0, 10_000),
        st.decimals(0, 10_000, places=6, allow_nan=False, allow_infinity=False),
    ),
    prices=st.sampled_from(CURRENCIES).flatmap(
        lambda code: st.tuples(
            monies(currency=code, min_value=0, max_value=100_000),
            monies(currency=code, min_value=0, max_value=100_000),
        )
    ),
)
@example(quantity=Decimal("0.333"), prices=(Money(Decimal("50.00"), "EUR"), PRICE))
@example(quantity=Decimal("0.5"), prices=(Money(1, "JPY"), Money(3, "JPY")))
def test_M5_line_amounts_are_rounded_once(
    quantity: Decimal | int, prices: tuple[Money, Money]
) -> None:
    cost_price, sales_price = prices
    line = ServiceOrderLine(
        number=1,
        transaction_type=TransactionType.HOUR,
        quantity=quantity,
        cost_price=cost_price,
        sales_price=sales_price,
        execution_date=BASE,
        signed_off=True,
    )
    currency = sales_price.currency
    for amount, price in ((line.revenue, sales_price), (line.cost, cost_price)):
        assert amount.currency == currency
        assert amount.is_rounded
        assert amount.amount.as_tuple().exponent == currency.exponent
        exact = Decimal(quantity) * price.amount
        assert amount.amount == _exact_round(exact, currency)
        assert abs(amount.amount - exact) <= currency.quantum / 2
    (entry,) = (
        make_order((line,))
        .plan_posting(GRAPH, period=DateRange(BASE, BASE + timedelta(days=1)), types=KINDS)
        .entries
    )
    assert (entry.revenue, entry.cost) == (line.revenue, line.cost)
