"""Laws T1, I1, U2 and S8 over a service order's whole life: a Hypothesis state machine.

``OrderLifecycleMachine`` builds a random valid stage graph, creates one order in its
root stage and drives random sequences of operations on it (lines, relations, cancel,
sign-off, stage changes, posting, delete). The test keeps its own model of the order
(stage, version, lines, relations, reason log) and predicts every outcome from it; after
every step it checks:

1. stage rules are never bypassed: an operation that needs a stage rule succeeds only
   when the current stage allows it, and raises ``StageRuleError`` when it does not;
2. ``progress`` equals a roll-up computed here, from the line statuses;
3. a posted line never changes (law I1);
4. nothing is posted twice, and planning the same posting again never re-selects a
   posted line (law I1);
5. every refusal is a ``ServiceDomainError``;
6. every change increments the version by exactly 1, a no-op returns the order itself
   and no events, each stage change logs one ``STAGE_CHANGE`` entry, and replaying those
   entries from the root rebuilds the current stage (law T1);
7. time moves forward (law U2): now and then an operation is dated before the last
   instant the order recorded (by one microsecond up to days of clock skew); it must be
   refused with ``InstantOutOfOrderError`` naming both instants, whatever else it would
   have been judged on, and the order stays usable;
8. the SLA clock (most orders have an SLA) follows a model of its state through stage
   changes and stops, starts and cancels by hand; once canceled, nothing more is
   recorded on it and it measures as it did at the cancel (law S8). The testing kit's
   ``check_order_laws`` runs after every step;
9. item requirements go only on open item lines of an order with a project, and block
   canceling and deleting the order and removing or canceling their line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from servicedomain.errors import (
    InstantOutOfOrderError,
    InvalidPauseError,
    ItemRequirementError,
    OrderRuleError,
    ReasonRequiredError,
    ServiceDomainError,
    StageRuleError,
    TransitionNotAllowedError,
    UnknownLineError,
    UnknownStageError,
)
from servicedomain.events import DomainEvent
from servicedomain.orders import (
    ItemRequirement,
    LineChanges,
    LineStatus,
    NewLine,
    Progress,
    ServiceOrder,
    ServiceOrderDeleted,
    ServiceOrderLine,
    ServiceTask,
    SkipReason,
    TransactionType,
    roll_up,
)
from servicedomain.periods import DateRange
from servicedomain.repairs import RelationKind, ServiceObjectRelation
from servicedomain.sla import (
    Allowance,
    ClockState,
    ServiceLevelAgreement,
    SlaMeasurement,
    SlaTargets,
)
from servicedomain.stages import Action, ReasonCode, ReasonType, StageGraph
from servicedomain.testing.invariants import check_order_laws
from servicedomain.testing.strategies import date_ranges, monies, stage_graphs

_T = TypeVar("_T")

ORDER_ID = "SO-1"
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
BASE = date(2026, 3, 1)
REASON = ReasonCode("WHY", "Because")
CREATED, POSTED, CANCELED = LineStatus.CREATED, LineStatus.POSTED, LineStatus.CANCELED
# Longer than any stage id may be (20 characters), so never a stage of the graph.
UNKNOWN_STAGE = "no such stage in graph"
OBJECT_IDS = ("OBJ-1", "OBJ-2", "OBJ-3")
TASK_IDS = ("TASK-1", "TASK-2", "TASK-3")
REQUIREMENT_IDS = ("IR-1", "IR-2", "IR-3")
LABELS = ("pump", "boiler")  # relating an id again with the other label is a conflict
DESCRIPTIONS = ("", "repair", "inspect")
SLA = ServiceLevelAgreement(id="SLA-8H", targets=SlaTargets(resolution=Allowance(hours=8)))
RUNNING, STOPPED, CANCELED_CLOCK = ClockState.RUNNING, ClockState.STOPPED, ClockState.CANCELED

THOROUGH = settings.get_current_profile_name() == "thorough"

# ------------------------------------------------------------------------ strategies

steps = st.integers(1, 240).map(lambda minutes: timedelta(minutes=minutes))
# Clock skew: how far before the last recorded instant a skewed operation is dated.
skews = st.sampled_from([timedelta(microseconds=1), timedelta(seconds=1)]) | st.integers(
    1, 3 * 24 * 3600
).map(lambda seconds: timedelta(seconds=seconds))
# An execution date in three weeks of March, or (one time in eight) none at all.
execution_dates = st.sampled_from(
    [*(BASE + timedelta(days=n) for n in range(21)), None, None, None]
)
quantities = st.decimals(min_value=0, max_value=100, places=3)
prices = monies(currency="EUR", min_value=0, max_value=1000)
# Posting periods: often the whole span of the line dates, so that lines do get posted.
periods = st.just(DateRange(BASE, BASE + timedelta(days=21))) | date_ranges(
    min_value=BASE - timedelta(days=5), max_value=BASE + timedelta(days=26), max_days=30
)
type_sets = st.just(frozenset(TransactionType)) | st.frozensets(
    st.sampled_from(TransactionType), min_size=1
)


def _relation(object_id: str, template_bom_id: str) -> ServiceObjectRelation:
    """The order's own relation of ``object_id`` (its id follows from the object)."""
    return ServiceObjectRelation(
        f"REL-{object_id}", object_id, RelationKind.ORDER, ORDER_ID, template_bom_id
    )


objects = st.builds(_relation, st.sampled_from(OBJECT_IDS), st.sampled_from(LABELS))
tasks = st.builds(ServiceTask, st.sampled_from(TASK_IDS), st.sampled_from(LABELS))


@st.composite
def new_lines(draw: st.DrawFn) -> NewLine:
    """A random line to add: any type, 0..100 with 3 decimals, EUR prices, a date or none."""
    return NewLine(
        transaction_type=draw(st.sampled_from(TransactionType)),
        description=draw(st.sampled_from(DESCRIPTIONS)),
        quantity=draw(quantities),
        unit=draw(st.sampled_from(("h", "pcs", ""))),
        cost_price=draw(prices),
        sales_price=draw(prices),
        execution_date=draw(execution_dates),
        service_object_id=draw(st.none() | st.sampled_from(OBJECT_IDS)),
        service_task_id=draw(st.none() | st.sampled_from(TASK_IDS)),
    )


# -------------------------------------------------------------------- the test's oracles


def expected_progress(statuses: Sequence[LineStatus]) -> Progress:
    """The AX roll-up table, written out here independently of ``roll_up``."""
    if not statuses:
        return Progress.IN_PROCESS
    if all(status is CANCELED for status in statuses):
        return Progress.CANCELED
    if any(status is CREATED for status in statuses):
        return Progress.IN_PROCESS
    return Progress.POSTED


def selected_for_posting(
    lines: Iterable[ServiceOrderLine],
    period: DateRange,
    types: frozenset[TransactionType],
    require_sign_off: bool,
) -> tuple[int, ...]:
    """The lines a posting run must post: Created, selected type, dated in range, signed."""
    return tuple(
        line.number
        for line in lines
        if line.status is CREATED
        and line.transaction_type in types
        and line.transaction_date is not None
        and period.start <= line.transaction_date < period.end
        and (line.signed_off or not require_sign_off)
    )


@attrs.frozen
class Refusal:
    """The error an operation must raise, and the rule it must name (when it is a rule)."""

    error: type[ServiceDomainError]
    rule: str | None = None


OK: Refusal | None = None  # the prediction "it succeeds"


class OrderLifecycleMachine(RuleBasedStateMachine):
    """Laws T1 and I1: random operations on one order over a random valid stage graph."""

    graph: StageGraph
    order: ServiceOrder

    def __init__(self) -> None:
        super().__init__()
        self.now = START
        # The model: what the order must be, kept by the test from its own predictions.
        self.stage = ""
        self.version = 0
        self.lines: dict[int, ServiceOrderLine] = {}
        self.objects: dict[str, ServiceObjectRelation] = {}
        self.tasks: dict[str, ServiceTask] = {}
        self.signed_off = False
        self.signed_off_at: datetime | None = None
        self.log_types: list[ReasonType] = []
        self.stage_changes: list[tuple[str, str]] = []
        # Law I1: each line's snapshot when it was posted, and how often it was posted.
        self.posted: dict[int, ServiceOrderLine] = {}
        self.post_count: Counter[tuple[str, int]] = Counter()
        self.transactions = 0
        # Law U2: the last instant the order recorded (the last change, or its creation).
        self.last = START
        # The SLA clock: None without an SLA; stopped by hand or by a stage (S5 rules).
        self.clock: ClockState | None = None
        self.stopped_by_stage = False
        self.at_cancel: SlaMeasurement | None = None  # law S8: what a canceled SLA measures
        self.log_at_cancel: tuple[object, ...] = ()
        self.project_id: str | None = None

    # --------------------------------------------------------------------- helpers

    def _tick(self, data: st.DataObject, *, may_skew: bool = True) -> datetime:
        """The next instant: later than the previous one, or (one time in eight) skewed.

        A skewed instant lies before the last one the order recorded (law U2).
        """
        if may_skew and data.draw(st.integers(0, 7), label="skewed?") == 0:
            return self.last - data.draw(skews, label="skew")
        self.now += data.draw(steps, label="elapsed")
        return self.now

    def _allows(self, action: Action) -> bool:
        return self.graph.decision(self.stage).allows(action)

    def _line_number(self, data: st.DataObject) -> int:
        """A line on the order, or now and then (one time in five) a number not on it."""
        unknown = max(self.lines, default=0) + 1
        return data.draw(st.sampled_from([*sorted(self.lines) * 4, unknown]), label="number")

    def _attempt(self, name: str, call: Callable[[], _T]) -> _T | ServiceDomainError:
        """Run ``call``; law 5: anything it raises must be a ServiceDomainError."""
        try:
            return call()
        except ServiceDomainError as error:
            return error
        except Exception as error:  # a refusal that is not the library's error
            raise AssertionError(
                f"{name} raised {type(error).__name__}, not a ServiceDomainError: {error}"
            ) from error

    def _check_outcome(
        self,
        name: str,
        outcome: object,
        expected: Refusal | None,
        action: Action | None,
    ) -> None:
        """The outcome is the predicted one, and (law 1) the stage rule was applied."""
        if isinstance(outcome, InstantOutOfOrderError):  # law U2: checked before the rest
            assert expected is not None, f"{name} refused {outcome!r}"
            assert expected.error is InstantOutOfOrderError, (name, outcome, expected)
            assert (outcome.field, outcome.last) == ("at", self.last), (name, outcome)
            assert outcome.last.isoformat() in str(outcome), outcome
            return
        if action is not None:
            allowed = self._allows(action)
            if isinstance(outcome, StageRuleError):
                assert not allowed, f"{name}: StageRuleError, yet {self.stage!r} allows it"
                assert outcome.action == action.value, (name, outcome.action, action)
                assert outcome.stage_id == self.stage, (name, outcome.stage_id, self.stage)
                assert outcome.rule == f"stage.may_{action.value}", (name, outcome.rule)
            elif not isinstance(outcome, ServiceDomainError):
                assert allowed, f"{name} succeeded though {self.stage!r} refuses {action.value}"
            else:
                assert allowed, f"{name}: {self.stage!r} refuses {action.value}; got {outcome!r}"
        if expected is None:
            assert not isinstance(outcome, ServiceDomainError), f"{name} refused: {outcome!r}"
        else:
            assert isinstance(outcome, expected.error), f"{name}: expected {expected}, {outcome!r}"
            if expected.rule is not None:
                assert getattr(outcome, "rule", None) == expected.rule, (name, outcome, expected)

    def _run(
        self,
        name: str,
        call: Callable[[], tuple[ServiceOrder, tuple[DomainEvent, ...]]],
        *,
        at: datetime,
        expected: Refusal | None,
        action: Action | None,
        changes: bool = True,
    ) -> bool:
        """Run an operation that returns ``(order, events)``; True when it changed the order.

        Law T1: a change gives ``version + 1`` and at least one event, all about this
        order at ``at``; a no-op gives back the order itself and no events; a refusal
        leaves the order as it was (the snapshot is frozen, so ``self.order`` stays).
        """
        before = attrs.evolve(self.order)  # a copy, to see that a refusal changes nothing
        if at < self.last:  # law U2: refused, whatever else would have been predicted
            expected = Refusal(InstantOutOfOrderError)
        outcome = self._attempt(name, call)
        self._check_outcome(name, outcome, expected, action)
        if isinstance(outcome, ServiceDomainError):
            assert self.order == before, f"{name} was refused but changed the order"
            return False
        new, events = outcome
        if not changes:
            assert new is self.order, f"{name} changed nothing but returned a new snapshot"
            assert events == (), f"{name} changed nothing but returned {events!r}"
            return False
        assert new.version == self.order.version + 1, (name, self.order.version, new.version)
        assert events, f"{name} changed the order without an event"
        for event in events:
            assert event.entity_id == ORDER_ID, (name, event)
            assert event.occurred_at == at, (name, event)
        self.order = new
        self.version += 1
        self.last = at
        return True

    # -------------------------------------------------------------------- creation

    @initialize(
        graph=stage_graphs(max_stages=6),
        data=st.data(),
        with_sla=st.booleans(),
        project_id=st.sampled_from([None, "P-1", "P-1"]),
    )
    def create(
        self, graph: StageGraph, data: st.DataObject, with_sla: bool, project_id: str | None
    ) -> None:
        related_objects = data.draw(st.sets(st.sampled_from(OBJECT_IDS)), label="objects")
        related_tasks = data.draw(st.sets(st.sampled_from(TASK_IDS)), label="tasks")
        created_objects = tuple(_relation(oid, LABELS[0]) for oid in sorted(related_objects))
        created_tasks = tuple(ServiceTask(tid, LABELS[0]) for tid in sorted(related_tasks))
        first_lines = [
            attrs.evolve(
                line,
                service_object_id=line.service_object_id
                if line.service_object_id in related_objects
                else None,
                service_task_id=line.service_task_id
                if line.service_task_id in related_tasks
                else None,
            )
            for line in data.draw(st.lists(new_lines(), min_size=1, max_size=4), label="lines")
        ]
        at = self.now
        order, events = ServiceOrder.create(
            graph,
            id=ORDER_ID,
            customer_id="C-1",
            at=at,
            object_relations=created_objects,
            service_tasks=created_tasks,
            lines=first_lines,
            sla_id=SLA.id if with_sla else None,
            project_id=project_id,
        )
        self.project_id = project_id
        self.clock = RUNNING if with_sla else None
        assert order.version == 1
        assert order.stage_id == graph.root.id
        assert [event.name for event in events] == ["ServiceOrderCreated"]
        self.graph, self.order = graph, order
        self.stage, self.version = graph.root.id, 1
        self.lines = {n: line.numbered(n) for n, line in enumerate(first_lines, start=1)}
        self.objects = {obj.object_id: obj for obj in created_objects}
        self.tasks = {task.id: task for task in created_tasks}

    # ------------------------------------------------------------- lines (modify)

    def _unrelated(self, object_id: str | None, task_id: str | None) -> Refusal | None:
        if object_id is not None and object_id not in self.objects:
            return Refusal(OrderRuleError, "line.object_not_related")
        if task_id is not None and task_id not in self.tasks:
            return Refusal(OrderRuleError, "line.task_not_related")
        return None

    def _requirements_of(self, number: int) -> tuple[ItemRequirement, ...]:
        line = self.lines.get(number)
        return () if line is None else line.item_requirements

    def _line_blocked(self, number: int) -> Refusal | None:
        """Why line ``number`` cannot be removed or canceled, or None (its requirements too)."""
        refusal = self._open_line(number)
        if refusal is None and self._requirements_of(number):
            return Refusal(ItemRequirementError, "line.has_item_requirements")
        return refusal

    def _has_requirements(self) -> bool:
        return any(line.item_requirements for line in self.lines.values())

    def _open_line(self, number: int) -> Refusal | None:
        """Why line ``number`` cannot be changed, removed or canceled, or None."""
        line = self.lines.get(number)
        if line is None:
            return Refusal(UnknownLineError)
        if line.status is POSTED:
            return Refusal(OrderRuleError, "line.posted")
        if line.status is CANCELED:
            return Refusal(OrderRuleError, "line.canceled")
        return None

    @rule(data=st.data(), new_line=new_lines())
    def add_line(self, data: st.DataObject, new_line: NewLine) -> None:
        at = self._tick(data)
        expected = (
            self._unrelated(new_line.service_object_id, new_line.service_task_id)
            if self._allows(Action.MODIFY)
            else Refusal(StageRuleError, "stage.may_modify")
        )
        number = max(self.lines, default=0) + 1
        if self._run(
            "add_line",
            lambda: self.order.add_line(self.graph, new_line, at=at),
            at=at,
            expected=expected,
            action=Action.MODIFY,
        ):
            self.lines[number] = new_line.numbered(number)

    @rule(data=st.data())
    def change_line(self, data: st.DataObject) -> None:
        at = self._tick(data)
        number = self._line_number(data)
        changes: LineChanges = {}
        fields = data.draw(
            st.sets(st.sampled_from(("description", "quantity", "object")), min_size=1),
            label="fields",
        )
        if "description" in fields:
            changes["description"] = data.draw(st.sampled_from(DESCRIPTIONS), label="text")
        if "quantity" in fields:
            changes["quantity"] = data.draw(quantities, label="quantity")
        if "object" in fields:
            changes["service_object_id"] = data.draw(
                st.none() | st.sampled_from(OBJECT_IDS), label="object"
            )
        expected = (
            self._open_line(number)
            if self._allows(Action.MODIFY)
            else Refusal(StageRuleError, "stage.may_modify")
        )
        new = self.lines.get(number)
        if expected is None and new is not None:
            new = attrs.evolve(new, **changes)
            expected = self._unrelated(new.service_object_id, new.service_task_id)
        changed = new is not None and new != self.lines[number]
        if self._run(
            "change_line",
            lambda: self.order.change_line(self.graph, number, at=at, **changes),
            at=at,
            expected=expected,
            action=Action.MODIFY,
            changes=changed,
        ):
            assert new is not None
            self.lines[number] = new

    @rule(data=st.data())
    def remove_line(self, data: st.DataObject) -> None:
        at = self._tick(data)
        number = self._line_number(data)
        expected = (
            self._line_blocked(number)
            if self._allows(Action.MODIFY)
            else Refusal(StageRuleError, "stage.may_modify")
        )
        if self._run(
            "remove_line",
            lambda: self.order.remove_line(self.graph, number, at=at),
            at=at,
            expected=expected,
            action=Action.MODIFY,
        ):
            del self.lines[number]

    # ------------------------------------------------------------ relations (modify)

    @rule(data=st.data(), obj=objects)
    def relate_object(self, data: st.DataObject, obj: ServiceObjectRelation) -> None:
        at = self._tick(data)
        existing = self.objects.get(obj.object_id)
        expected: Refusal | None = OK
        if not self._allows(Action.MODIFY):
            expected = Refusal(StageRuleError, "stage.may_modify")
        elif existing is not None and existing != obj:
            expected = Refusal(OrderRuleError, "object.conflict")
        if self._run(
            "relate_object",
            lambda: self.order.relate_object(self.graph, obj, at=at),
            at=at,
            expected=expected,
            action=Action.MODIFY,
            changes=existing is None,
        ):
            self.objects[obj.object_id] = obj

    @rule(data=st.data(), task=tasks)
    def relate_task(self, data: st.DataObject, task: ServiceTask) -> None:
        at = self._tick(data)
        existing = self.tasks.get(task.id)
        expected: Refusal | None = OK
        if not self._allows(Action.MODIFY):
            expected = Refusal(StageRuleError, "stage.may_modify")
        elif existing is not None and existing != task:
            expected = Refusal(OrderRuleError, "task.conflict")
        if self._run(
            "relate_task",
            lambda: self.order.relate_task(self.graph, task, at=at),
            at=at,
            expected=expected,
            action=Action.MODIFY,
            changes=existing is None,
        ):
            self.tasks[task.id] = task

    # ------------------------------------------------------------------ cancel

    def _set_status(self, numbers: Iterable[int], status: LineStatus) -> None:
        for number in numbers:
            self.lines[number] = attrs.evolve(self.lines[number], status=status)

    @rule(data=st.data(), with_reason=st.booleans(), reason_required=st.booleans())
    def cancel(self, data: st.DataObject, with_reason: bool, reason_required: bool) -> None:
        at = self._tick(data)
        reason = REASON if with_reason else None
        open_numbers = [n for n, line in self.lines.items() if line.status is CREATED]
        statuses = [line.status for line in self.lines.values()]
        expected: Refusal | None = OK
        if not self._allows(Action.CANCEL):
            expected = Refusal(StageRuleError, "stage.may_cancel")
        elif expected_progress(statuses) is Progress.POSTED:
            expected = Refusal(OrderRuleError, "order.posted")
        elif self._has_requirements():
            expected = Refusal(ItemRequirementError, "order.has_item_requirements")
        elif not open_numbers:
            expected = Refusal(OrderRuleError, "order.nothing_to_cancel")
        elif reason_required and reason is None:
            expected = Refusal(ReasonRequiredError, "order.cancel_reason")
        if self._run(
            "cancel",
            lambda: self.order.cancel(
                self.graph, at=at, reason=reason, reason_required=reason_required
            ),
            at=at,
            expected=expected,
            action=Action.CANCEL,
        ):
            self._set_status(open_numbers, CANCELED)
            if reason is not None:
                self.log_types.append(ReasonType.CANCEL)

    @rule(data=st.data())
    def revoke_cancel(self, data: st.DataObject) -> None:
        at = self._tick(data)
        canceled = [n for n, line in self.lines.items() if line.status is CANCELED]
        expected: Refusal | None = OK
        if not self._allows(Action.CANCEL):
            expected = Refusal(StageRuleError, "stage.may_cancel")
        elif not canceled:
            expected = Refusal(OrderRuleError, "order.nothing_canceled")
        if self._run(
            "revoke_cancel",
            lambda: self.order.revoke_cancel(self.graph, at=at),
            at=at,
            expected=expected,
            action=Action.CANCEL,
        ):
            self._set_status(canceled, CREATED)

    @rule(data=st.data())
    def cancel_line(self, data: st.DataObject) -> None:
        at = self._tick(data)
        number = self._line_number(data)
        expected = (
            self._line_blocked(number)
            if self._allows(Action.CANCEL)
            else Refusal(StageRuleError, "stage.may_cancel")
        )
        if self._run(
            "cancel_line",
            lambda: self.order.cancel_line(self.graph, number, at=at),
            at=at,
            expected=expected,
            action=Action.CANCEL,
        ):
            self._set_status([number], CANCELED)

    @rule(data=st.data())
    def revoke_line_cancel(self, data: st.DataObject) -> None:
        at = self._tick(data)
        number = self._line_number(data)
        line = self.lines.get(number)
        expected: Refusal | None = OK
        if not self._allows(Action.CANCEL):
            expected = Refusal(StageRuleError, "stage.may_cancel")
        elif line is None:
            expected = Refusal(UnknownLineError)
        elif line.status is not CANCELED:
            expected = Refusal(OrderRuleError, "line.not_canceled")
        if self._run(
            "revoke_line_cancel",
            lambda: self.order.revoke_line_cancel(self.graph, number, at=at),
            at=at,
            expected=expected,
            action=Action.CANCEL,
        ):
            self._set_status([number], CREATED)

    # ---------------------------------------------------------------- sign-off

    @rule(data=st.data())
    def sign_off(self, data: st.DataObject) -> None:
        at = self._tick(data)
        unknown = max(self.lines, default=0) + 1
        numbers: list[int] | None = data.draw(
            st.none()
            | st.lists(st.sampled_from([*sorted(self.lines), unknown]), min_size=1, unique=True),
            label="numbers",
        )
        expected: Refusal | None = OK
        if numbers is None:
            targets = [n for n, line in self.lines.items() if line.status is CREATED]
            if all(line.status is CANCELED for line in self.lines.values()):
                expected = Refusal(OrderRuleError, "order.nothing_to_sign_off")
        else:
            targets = numbers
            for number in numbers:  # the first bad number, in the order given, refuses
                if number not in self.lines:
                    expected = Refusal(UnknownLineError)
                    break
                line = self.lines[number]
                if line.status is CANCELED:
                    expected = Refusal(OrderRuleError, "line.canceled")
                    break
                if line.status is POSTED and not line.signed_off:
                    expected = Refusal(OrderRuleError, "line.posted")
                    break
        newly = [
            n
            for n in targets
            if n in self.lines and self.lines[n].status is CREATED and not self.lines[n].signed_off
        ]
        after = {n: line.signed_off or n in newly for n, line in self.lines.items()}
        open_lines = [n for n, line in self.lines.items() if line.status is not CANCELED]
        header_now = (
            not self.signed_off
            and bool(open_lines)
            and all(after[n] for n in open_lines if self.lines[n].status is CREATED)
        )
        if self._run(
            "sign_off",
            lambda: self.order.sign_off(at=at, numbers=numbers),
            at=at,
            expected=expected,
            action=None,  # sign-off needs no stage rule
            changes=bool(newly) or header_now,
        ):
            for number in newly:
                self.lines[number] = attrs.evolve(self.lines[number], signed_off=True)
            if header_now:
                self.signed_off, self.signed_off_at = True, at

    # ------------------------------------------------------------------ stages

    @rule(data=st.data(), with_reason=st.booleans())
    def change_stage(self, data: st.DataObject, with_reason: bool) -> None:
        at = self._tick(data)
        current = self.graph.stage(self.stage)
        neighbours = [child.id for child in self.graph.children(self.stage)]
        if current.parent_id is not None:
            neighbours.append(current.parent_id)
        every = [stage.id for stage in self.graph.stages]
        to = data.draw(
            st.sampled_from([*every, UNKNOWN_STAGE])
            | (st.sampled_from(neighbours) if neighbours else st.nothing()),
            label="to",
        )
        reason = REASON if with_reason else None
        expected: Refusal | None = OK
        if to not in self.graph:
            expected = Refusal(UnknownStageError)
        else:
            target = self.graph.stage(to)
            if target.parent_id != current.id and current.parent_id != to:
                expected = Refusal(TransitionNotAllowedError, "stage.transition")
            elif target.rules.requires_reason and reason is None:
                expected = Refusal(ReasonRequiredError, "stage.requires_reason")
        log_before = len(self.order.reason_log)
        if self._run(
            "change_stage",
            lambda: self.order.change_stage(self.graph, to, at=at, reason=reason),
            at=at,
            expected=expected,
            action=None,  # no stage rule is needed to change stage
        ):
            target = self.graph.stage(to)
            added = self.order.reason_log[log_before:]
            # Law T1: exactly one STAGE_CHANGE entry per transition (then maybe CLOSE).
            assert [e.type for e in added].count(ReasonType.STAGE_CHANGE) == 1, added
            assert added[0].type is ReasonType.STAGE_CHANGE, added
            assert (added[0].from_stage_id, added[0].stage_id) == (current.id, to), added[0]
            assert added[0].reason == reason, added[0]
            self.log_types.append(ReasonType.STAGE_CHANGE)
            if target.rules.stops_sla_clock and not current.rules.stops_sla_clock:
                self.log_types.append(ReasonType.CLOSE)
            self.stage_changes.append((current.id, to))
            self.stage = to
            self._clock_enters(target.rules.stops_sla_clock)

    def _clock_enters(self, stops: bool) -> None:
        """The SLA clock's model when the order enters a stage (``stops``: its rule)."""
        if self.clock is None or self.clock is CANCELED_CLOCK:
            return  # law S8: a canceled clock records nothing
        if stops:
            self.clock, self.stopped_by_stage = STOPPED, True
        elif self.clock is STOPPED and self.stopped_by_stage:
            self.clock, self.stopped_by_stage = RUNNING, False

    # ------------------------------------------------------- item requirements

    @rule(data=st.data(), requirement_id=st.sampled_from(REQUIREMENT_IDS))
    def add_item_requirement(self, data: st.DataObject, requirement_id: str) -> None:
        at = self._tick(data)
        number = self._line_number(data)
        requirement = ItemRequirement(id=requirement_id, item_id="ITEM-1", quantity=1)
        line = self.lines.get(number)
        closed = self._open_line(number)  # unknown, posted or canceled
        expected: Refusal | None = OK
        if not self._allows(Action.MODIFY):
            expected = Refusal(StageRuleError, "stage.may_modify")
        elif closed is not None or line is None:
            expected = closed or Refusal(UnknownLineError)
        elif line.transaction_type is not TransactionType.ITEM:
            expected = Refusal(ItemRequirementError, "item_requirement.not_item_line")
        elif self.project_id is None:
            expected = Refusal(ItemRequirementError, "item_requirement.no_project")
        elif any(
            held.id == requirement_id
            for other in self.lines.values()
            for held in other.item_requirements
        ):
            expected = Refusal(ItemRequirementError, "item_requirement.duplicate")
        if self._run(
            "add_item_requirement",
            lambda: self.order.add_item_requirement(self.graph, number, requirement, at=at),
            at=at,
            expected=expected,
            action=Action.MODIFY,
        ):
            assert line is not None
            self.lines[number] = attrs.evolve(
                line, item_requirements=(*line.item_requirements, requirement)
            )

    @rule(data=st.data(), requirement_id=st.sampled_from(REQUIREMENT_IDS))
    def remove_item_requirement(self, data: st.DataObject, requirement_id: str) -> None:
        at = self._tick(data)
        number = self._line_number(data)
        line = self.lines.get(number)
        expected: Refusal | None = OK
        if not self._allows(Action.MODIFY):
            expected = Refusal(StageRuleError, "stage.may_modify")
        elif line is None:
            expected = Refusal(UnknownLineError)
        elif requirement_id not in {held.id for held in line.item_requirements}:
            expected = Refusal(ItemRequirementError, "item_requirement.unknown")
        elif line.status is POSTED:
            expected = Refusal(OrderRuleError, "line.posted")
        if self._run(
            "remove_item_requirement",
            lambda: self.order.remove_item_requirement(self.graph, number, requirement_id, at=at),
            at=at,
            expected=expected,
            action=Action.MODIFY,
        ):
            assert line is not None
            kept = tuple(held for held in line.item_requirements if held.id != requirement_id)
            self.lines[number] = attrs.evolve(line, item_requirements=kept)

    # -------------------------------------------------------------- SLA clock

    def _no_sla_or_canceled(self) -> Refusal | None:
        if self.clock is None:
            return Refusal(OrderRuleError, "order.no_sla")
        if self.clock is CANCELED_CLOCK:
            return Refusal(InvalidPauseError)  # law S8: cancel is final
        return None

    @rule(data=st.data())
    def stop_sla(self, data: st.DataObject) -> None:
        at = self._tick(data)
        expected = self._no_sla_or_canceled()
        if expected is None and self.clock is not RUNNING:
            expected = Refusal(InvalidPauseError)  # pausing twice
        if self._run(
            "stop_sla", lambda: self.order.stop_sla(at=at), at=at, expected=expected, action=None
        ):
            self.clock, self.stopped_by_stage = STOPPED, False

    @rule(data=st.data())
    def start_sla(self, data: st.DataObject) -> None:
        at = self._tick(data)
        expected = self._no_sla_or_canceled()
        if expected is None and self.clock is RUNNING:
            expected = Refusal(InvalidPauseError)  # a start resumes a stop
        if self._run(
            "start_sla", lambda: self.order.start_sla(at=at), at=at, expected=expected, action=None
        ):
            self.clock, self.stopped_by_stage = RUNNING, False

    @rule(data=st.data(), with_reason=st.booleans())
    def cancel_sla(self, data: st.DataObject, with_reason: bool) -> None:
        at = self._tick(data)
        reason = REASON if with_reason else None
        if self._run(
            "cancel_sla",
            lambda: self.order.cancel_sla(at=at, reason=reason),
            at=at,
            expected=self._no_sla_or_canceled(),
            action=None,
        ):
            self.clock = CANCELED_CLOCK
            self.at_cancel = self.order.measure_sla(SLA, now=at)
            self.log_at_cancel = self.order.sla_log

    # ----------------------------------------------------------------- posting

    @rule(data=st.data(), period=periods, types=type_sets, require_sign_off=st.booleans())
    def post(
        self,
        data: st.DataObject,
        period: DateRange,
        types: frozenset[TransactionType],
        require_sign_off: bool,
    ) -> None:
        """A posting run: plan_posting, then mark_posted for part of the plan (maybe none)."""
        self._post(data, period, types, require_sign_off=require_sign_off, everything=False)

    @rule(data=st.data(), require_sign_off=st.booleans())
    def post_everything_due(self, data: st.DataObject, require_sign_off: bool) -> None:
        """The usual run (all types, every date the lines have), all of the plan posted."""
        whole = DateRange(BASE - timedelta(days=1), BASE + timedelta(days=30))
        types = frozenset(TransactionType)
        self._post(data, whole, types, require_sign_off=require_sign_off, everything=True)

    def _post(
        self,
        data: st.DataObject,
        period: DateRange,
        types: frozenset[TransactionType],
        *,
        require_sign_off: bool,
        everything: bool,
    ) -> None:
        at = self._tick(data, may_skew=False)  # planning is not dated
        plans: list[tuple[int, ...]] = []

        def plan_posting() -> tuple[ServiceOrder, tuple[DomainEvent, ...]]:
            """Plan (a pure read: it must give back the order unchanged) and check the plan."""
            plan = self.order.plan_posting(
                self.graph, period=period, types=types, require_sign_off=require_sign_off
            )
            plans.append(plan.line_numbers)
            for entry in plan.entries:  # law I1: the line's own quantity and amounts
                line = self.order.line(entry.line_number)
                assert entry.key == (ORDER_ID, line.number)
                assert (entry.quantity, entry.revenue, entry.cost) == (
                    line.quantity,
                    line.revenue,
                    line.cost,
                )
            for number, why in plan.skipped:
                assert why in set(SkipReason), (number, why)
                if self.lines[number].status is POSTED:
                    assert why == SkipReason.ALREADY_POSTED, (number, why)
            return self.order, ()

        wanted = selected_for_posting(
            (self.lines[n] for n in sorted(self.lines)), period, types, require_sign_off
        )
        allowed = self._allows(Action.POST)
        self._run(
            "plan_posting",
            plan_posting,
            at=at,
            expected=OK if allowed else Refusal(StageRuleError, "stage.may_post"),
            action=Action.POST,
            changes=False,
        )
        if not allowed:
            return
        (planned,) = plans
        assert planned == wanted, (planned, wanted)
        assert not set(planned) & set(self.posted), "law I1: a posted line was planned again"
        chosen = (
            list(planned)
            if everything or not planned
            else data.draw(st.lists(st.sampled_from(planned), unique=True), label="posted")
        )
        transaction_ids: dict[int, str] = {}
        for number in chosen:
            self.transactions += 1
            transaction_ids[number] = f"JT-{self.transactions:04d}"
        if self._run(
            "mark_posted",
            lambda: self.order.mark_posted(transaction_ids, at=at),
            at=at,
            expected=OK,
            action=None,  # the plan checked the stage; mark_posted records the journals
            changes=bool(transaction_ids),
        ):
            for number, transaction_id in transaction_ids.items():
                self.lines[number] = attrs.evolve(
                    self.lines[number], status=POSTED, journal_transaction_id=transaction_id
                )
                self.posted[number] = self.order.line(number)
                self.post_count[ORDER_ID, number] += 1
        # Law I1: the same run again re-selects none of the lines just posted.
        again = self.order.plan_posting(
            self.graph, period=period, types=types, require_sign_off=require_sign_off
        )
        assert again.line_numbers == tuple(n for n in planned if n not in transaction_ids)
        for number in self.posted:
            assert again.reason_skipped(number) == SkipReason.ALREADY_POSTED, number

    @rule(data=st.data())
    def post_again(self, data: st.DataObject) -> None:
        """Law I1: marking a posted (or canceled, or unknown) line posted is refused."""
        at = self._tick(data)
        unknown = max(self.lines, default=0) + 1
        closed = [n for n in sorted(self.lines) if self.lines[n].status is not CREATED]
        number = data.draw(st.sampled_from([*closed * 4, unknown]), label="number")
        line = self.lines.get(number)
        expected = Refusal(UnknownLineError)
        if line is not None and line.status is POSTED:
            expected = Refusal(OrderRuleError, "line.posted")
        elif line is not None:
            expected = Refusal(OrderRuleError, "line.canceled")
        self._run(
            "mark_posted",
            lambda: self.order.mark_posted({number: "JT-AGAIN"}, at=at),
            at=at,
            expected=expected,
            action=None,
        )

    # ------------------------------------------------------------------ delete

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        """Only checks: the order stays in the machine whatever ``delete`` says."""
        at = self._tick(data)
        expected: Refusal | None = OK
        if not self._allows(Action.DELETE):
            expected = Refusal(StageRuleError, "stage.may_delete")
        elif any(line.status is POSTED for line in self.lines.values()):
            expected = Refusal(OrderRuleError, "order.has_posted_lines")
        elif self._has_requirements():
            expected = Refusal(ItemRequirementError, "order.has_item_requirements")
        if at < self.last:  # law U2
            expected = Refusal(InstantOutOfOrderError)
        outcome = self._attempt("delete", lambda: self.order.delete(self.graph, at=at))
        self._check_outcome("delete", outcome, expected, Action.DELETE)
        if not isinstance(outcome, ServiceDomainError):
            assert [type(event) for event in outcome] == [ServiceOrderDeleted], outcome
            assert outcome[0].entity_id == ORDER_ID
            assert outcome[0].occurred_at == at

    # -------------------------------------------------------------- invariants

    @invariant()
    def the_model_holds(self) -> None:
        order = self.order
        assert order.stage_id == self.stage, (order.stage_id, self.stage)
        assert order.version == self.version, (order.version, self.version)
        assert order.lines == tuple(self.lines[n] for n in sorted(self.lines))
        assert order.object_relations == tuple(self.objects.values())
        assert order.service_tasks == tuple(self.tasks.values())
        assert (order.signed_off, order.signed_off_at) == (self.signed_off, self.signed_off_at)
        assert [entry.type for entry in order.reason_log] == self.log_types

    @invariant()
    def U2_S8_the_order_laws_hold(self) -> None:
        """The testing kit's checks, and the SLA clock against its model (law S8)."""
        latest = max(self.now, self.last)
        check_order_laws(self.order, sla=SLA, now=latest)
        assert self.order.last_recorded_at == self.last, (self.order.last_recorded_at, self.last)
        if self.clock is None:
            assert self.order.sla_log == ()
            return
        measured = self.order.measure_sla(SLA, now=latest)
        assert measured.state is self.clock, (measured.state, self.clock)
        if self.clock is CANCELED_CLOCK:
            assert self.order.sla_log == self.log_at_cancel, "law S8: recorded after a cancel"
            assert measured == self.at_cancel, (measured, self.at_cancel)

    @invariant()
    def progress_is_rolled_up_from_the_lines(self) -> None:
        statuses = [line.status for line in self.order.lines]
        assert self.order.progress is expected_progress(statuses), (statuses, self.order.progress)
        assert roll_up(statuses) is expected_progress(statuses)

    @invariant()
    def I1_posted_lines_never_change(self) -> None:
        for number, snapshot in self.posted.items():
            line = self.order.line(number)  # UnknownLineError if it went away
            assert line == snapshot, (number, line, snapshot)

    @invariant()
    def I1_nothing_is_posted_twice(self) -> None:
        assert all(count <= 1 for count in self.post_count.values()), self.post_count
        posted_now = {line.number for line in self.order.lines if line.status is POSTED}
        assert posted_now == set(self.posted), (posted_now, set(self.posted))
        assert all(self.post_count[ORDER_ID, n] == 1 for n in posted_now)

    @invariant()
    def T1_replaying_the_stage_changes_gives_the_stage(self) -> None:
        changes = [e for e in self.order.reason_log if e.type is ReasonType.STAGE_CHANGE]
        assert [(e.from_stage_id, e.stage_id) for e in changes] == self.stage_changes
        stage = self.graph.root.id
        for entry in changes:
            assert entry.from_stage_id == stage, (entry, stage)
            self.graph.transition(stage, entry.stage_id, entity_id=ORDER_ID)  # declared
            stage = entry.stage_id
        assert stage == self.order.stage_id, (stage, self.order.stage_id)


# Laws T1, I1, U2 and S8 (and the stage rules) over random lifecycles of one service order.
TestOrderLifecycle_T1_I1_U2_S8 = OrderLifecycleMachine.TestCase
TestOrderLifecycle_T1_I1_U2_S8.settings = settings(
    max_examples=500 if THOROUGH else 25,
    stateful_step_count=30,
    deadline=None,
)
