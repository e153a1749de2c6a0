"""The service order entity: header, lines, relations, stage, cancel, sign-off, posting."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar, Unpack

import attrs

from servicedomain._checks import (
    check_numbers,
    first_duplicate,
    merge_related,
    require_enum,
    require_id,
    require_instance,
    require_int,
    require_str,
    require_tuple_of,
    v_bool,
    v_id,
    v_optional_id,
    v_optional_instant,
    v_optional_str,
    v_str,
)
from servicedomain._trusted import build
from servicedomain.errors import (
    InvalidInputError,
    OrderRuleError,
    ReasonRequiredError,
    TypeMismatchError,
    UnknownLineError,
)
from servicedomain.events import DomainEvent
from servicedomain.instants import require_instant
from servicedomain.orders._events import (
    CancelRevoked,
    LineAdded,
    LineCanceled,
    LineCancelRevoked,
    LineChanged,
    LineRemoved,
    LinesPosted,
    LinesSignedOff,
    ServiceObjectRelated,
    ServiceOrderCanceled,
    ServiceOrderCreated,
    ServiceOrderDeleted,
    ServiceOrderSignedOff,
    ServiceTaskRelated,
    SlaTimeRecorded,
    StageChanged,
)
from servicedomain.orders._lines import (
    DESCRIPTIVE_FIELDS,
    LineChanges,
    LineStatus,
    NewLine,
    Origin,
    Priority,
    Progress,
    ServiceObject,
    ServiceOrderLine,
    ServiceTask,
    TransactionType,
    roll_up,
)
from servicedomain.orders._posting import JournalEntry, PostingPlan, check_types, skip_reason
from servicedomain.periods import DateRange
from servicedomain.sla import (
    ServiceLevelAgreement,
    SlaEntry,
    SlaMeasurement,
    SlaParameters,
    SlaTarget,
    clock_state,
    measure,
    require_reason,
)
from servicedomain.stages import (
    Action,
    Decision,
    ReasonCode,
    ReasonLogEntry,
    ReasonType,
    StageGraph,
    enter_stage,
)

_Related = TypeVar("_Related", ServiceObject, ServiceTask)

Events = tuple[DomainEvent, ...]
"""What an operation returns besides the new snapshot."""


def _v_version(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_int(value, attribute.name, minimum=1)


def _v_priority(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_enum(value, Priority, attribute.name)


def _v_origin(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_enum(value, Origin, attribute.name)


def _v_tuple_of(cls: type[Any]) -> Any:
    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        require_tuple_of(value, cls, attribute.name)

    return validate


def _check_reason(reason: object) -> ReasonCode | None:
    if reason is None or isinstance(reason, ReasonCode):
        return reason
    raise TypeMismatchError("reason", reason, "expected a ReasonCode or None")


@attrs.frozen(kw_only=True)
class ServiceOrder:
    """A service order: one technician visit to a customer on a date, with its lines.

    An entity: a frozen snapshot with an ``id`` and a ``version``. Every operation
    returns ``(new_order, events)``: the new snapshot has ``version + 1``, and an
    operation that would change nothing (relating an object already related, signing
    off lines already signed off, posting an empty mapping, a change to the values a
    line already has) returns the order itself and no events. Operations that depend
    on the stage take the :class:`~servicedomain.stages.StageGraph` and check the
    current stage's rule first (:class:`~servicedomain.errors.StageRuleError`).

    ``stage_id`` changes only through :meth:`change_stage`. ``progress`` is derived
    from the lines, never stored. Lines are kept in line-number order.

    Raises:
        TypeMismatchError: a field of the wrong type (the field is named).
        NaiveDatetimeError: ``preferred_service_at`` or ``signed_off_at`` is naive.
        InvalidInputError: ``version`` below 1; an empty id; duplicate line numbers
            (``"lines"``), object ids or task ids; a line referencing an object or a
            task that is not related (``"lines[i].service_object_id"``); a reason log
            entry about another entity; ``signed_off_at`` without ``signed_off`` or
            the reverse.

    >>> from datetime import UTC, datetime
    >>> from servicedomain.stages import EXAMPLE_STAGE_GRAPH as graph
    >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    >>> order, events = ServiceOrder.create(graph, id="SO-1", customer_id="C-1", at=at)
    >>> order.stage_id, order.version, order.progress, [e.name for e in events]
    ('CREATED', 1, <Progress.IN_PROCESS: 'in_process'>, ['ServiceOrderCreated'])
    >>> order, _ = order.change_stage(graph, "PLANNED", at=at)
    >>> order.stage_id, order.version
    ('PLANNED', 2)
    """

    id: str = attrs.field(validator=v_id)
    version: int = attrs.field(validator=_v_version)
    description: str = attrs.field(default="", validator=v_str)
    customer_id: str = attrs.field(validator=v_id)
    agreement_id: str | None = attrs.field(default=None, validator=v_optional_id)
    project_id: str | None = attrs.field(default=None, validator=v_optional_id)
    preferred_service_at: datetime | None = attrs.field(default=None, validator=v_optional_instant)
    responsible_worker_id: str | None = attrs.field(default=None, validator=v_optional_id)
    preferred_technician_id: str | None = attrs.field(default=None, validator=v_optional_id)
    priority: Priority = attrs.field(default=Priority.NORMAL, validator=_v_priority)
    origin: Origin = attrs.field(default=Origin.USER, validator=_v_origin)
    service_address: str | None = attrs.field(default=None, validator=v_optional_str)
    stage_id: str = attrs.field(validator=v_id)
    sla_id: str | None = attrs.field(default=None, validator=v_optional_id)
    signed_off: bool = attrs.field(default=False, validator=v_bool)
    signed_off_at: datetime | None = attrs.field(default=None, validator=v_optional_instant)
    calendar_conflict: bool = attrs.field(default=False, validator=v_bool)
    service_objects: tuple[ServiceObject, ...] = attrs.field(
        default=(), validator=_v_tuple_of(ServiceObject)
    )
    service_tasks: tuple[ServiceTask, ...] = attrs.field(
        default=(), validator=_v_tuple_of(ServiceTask)
    )
    lines: tuple[ServiceOrderLine, ...] = attrs.field(
        default=(), validator=_v_tuple_of(ServiceOrderLine)
    )
    reason_log: tuple[ReasonLogEntry, ...] = attrs.field(
        default=(), validator=_v_tuple_of(ReasonLogEntry)
    )
    sla_log: tuple[SlaEntry, ...] = attrs.field(default=(), validator=_v_tuple_of(SlaEntry))

    def __attrs_post_init__(self) -> None:
        numbers = [line.number for line in self.lines]
        duplicate = first_duplicate(numbers)
        if duplicate is not None:
            raise InvalidInputError(
                "lines", duplicate, "line numbers are unique on an order; this one repeats"
            )
        for field, items in (
            ("service_objects", self.service_objects),
            ("service_tasks", self.service_tasks),
        ):
            repeated = first_duplicate(item.id for item in items)
            if repeated is not None:
                raise InvalidInputError(field, repeated, "an id is related to an order once")
        objects = {obj.id for obj in self.service_objects}
        tasks = {task.id for task in self.service_tasks}
        for index, line in enumerate(self.lines):
            if line.service_object_id is not None and line.service_object_id not in objects:
                raise InvalidInputError(
                    f"lines[{index}].service_object_id",
                    line.service_object_id,
                    "the service object is not related to the order",
                )
            if line.service_task_id is not None and line.service_task_id not in tasks:
                raise InvalidInputError(
                    f"lines[{index}].service_task_id",
                    line.service_task_id,
                    "the service task is not related to the order",
                )
        for index, entry in enumerate(self.reason_log):
            if entry.entity_id != self.id:
                raise InvalidInputError(
                    f"reason_log[{index}].entity_id",
                    entry.entity_id,
                    f"the reason log of order {self.id!r} holds only its own entries",
                )
        if self.signed_off != (self.signed_off_at is not None):
            raise InvalidInputError(
                "signed_off_at",
                self.signed_off_at,
                "an order signed off has the time it was signed off, and only then",
            )
        if numbers != sorted(numbers):
            object.__setattr__(self, "lines", tuple(sorted(self.lines, key=_number)))

    # ------------------------------------------------------------------ creation

    @classmethod
    def create(
        cls,
        graph: StageGraph,
        *,
        id: str,
        customer_id: str,
        at: datetime,
        description: str = "",
        agreement_id: str | None = None,
        project_id: str | None = None,
        preferred_service_at: datetime | None = None,
        responsible_worker_id: str | None = None,
        preferred_technician_id: str | None = None,
        priority: Priority = Priority.NORMAL,
        origin: Origin = Origin.USER,
        service_address: str | None = None,
        sla_id: str | None = None,
        calendar_conflict: bool = False,
        service_objects: tuple[ServiceObject, ...] = (),
        service_tasks: tuple[ServiceTask, ...] = (),
        lines: Iterable[NewLine] = (),
    ) -> tuple[ServiceOrder, Events]:
        """A new order (version 1) in the root stage of ``graph``.

        ``lines`` are numbered 1, 2, ... in the order given; they may reference the
        ``service_objects`` and ``service_tasks`` given here.

        Raises:
            TypeMismatchError: ``graph`` is not a StageGraph, an item of ``lines`` is
                not a :class:`NewLine`, or a field of the wrong type.
            InvalidInputError: as for the constructor.
        """
        instant = require_instant(at, "at")
        require_instance(graph, StageGraph, "graph")
        given: object = lines
        if isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
            raise TypeMismatchError("lines", lines, "expected an iterable of NewLine")
        new_lines = tuple(given)
        for index, new_line in enumerate(new_lines):
            require_instance(new_line, NewLine, f"lines[{index}]")
        order = cls(
            id=id,
            version=1,
            description=description,
            customer_id=customer_id,
            agreement_id=agreement_id,
            project_id=project_id,
            preferred_service_at=preferred_service_at,
            responsible_worker_id=responsible_worker_id,
            preferred_technician_id=preferred_technician_id,
            priority=priority,
            origin=origin,
            service_address=service_address,
            stage_id=graph.root.id,
            sla_id=sla_id,
            calendar_conflict=calendar_conflict,
            service_objects=service_objects,
            service_tasks=service_tasks,
            lines=tuple(line.numbered(index) for index, line in enumerate(new_lines, 1)),
            sla_log=() if sla_id is None else (SlaEntry.start(instant),),
        )
        event = ServiceOrderCreated(
            entity_id=order.id,
            occurred_at=instant,
            customer_id=order.customer_id,
            agreement_id=order.agreement_id,
            stage_id=order.stage_id,
            line_numbers=order.line_numbers,
        )
        return order, (event,)

    @classmethod
    def _generated(
        cls,
        *,
        id: str,
        customer_id: str,
        at: datetime,
        stage_id: str,
        description: str,
        agreement_id: str,
        project_id: str | None,
        preferred_service_at: datetime | None,
        responsible_worker_id: str | None,
        preferred_technician_id: str | None,
        sla_id: str | None,
        calendar_conflict: bool,
        service_objects: tuple[ServiceObject, ...],
        service_tasks: tuple[ServiceTask, ...],
        lines: tuple[ServiceOrderLine, ...],
    ) -> tuple[ServiceOrder, Events]:
        """A new order made by agreement generation, from values already valid (fast path).

        The same order as :meth:`create` with ``origin=SYSTEM``, built without checking
        again what the agreement and the generator have checked: ids, prices, dates,
        the relations of the lines (those of a validated agreement), the line numbers
        (1, 2, ... in order) and the aware instants. Only
        :mod:`servicedomain.agreements` calls it.
        """
        order = build(
            cls,
            id=id,
            version=1,
            description=description,
            customer_id=customer_id,
            agreement_id=agreement_id,
            project_id=project_id,
            preferred_service_at=preferred_service_at,
            responsible_worker_id=responsible_worker_id,
            preferred_technician_id=preferred_technician_id,
            origin=Origin.SYSTEM,
            stage_id=stage_id,
            sla_id=sla_id,
            calendar_conflict=calendar_conflict,
            service_objects=service_objects,
            service_tasks=service_tasks,
            lines=lines,
            sla_log=() if sla_id is None else (SlaEntry.start(at),),
        )
        event = build(
            ServiceOrderCreated,
            entity_id=id,
            occurred_at=at,
            customer_id=customer_id,
            agreement_id=agreement_id,
            stage_id=stage_id,
            line_numbers=_first_numbers(len(lines)),
        )
        return order, (event,)

    # --------------------------------------------------------------- inspection

    @property
    def progress(self) -> Progress:
        """The order's progress, rolled up from its lines' statuses (see :func:`roll_up`)."""
        return roll_up(line.status for line in self.lines)

    @property
    def line_numbers(self) -> tuple[int, ...]:
        """The numbers of the lines, ascending."""
        return tuple(line.number for line in self.lines)

    def line(self, number: int) -> ServiceOrderLine:
        """The line with this number.

        Raises:
            UnknownLineError: the order has no such line (the field is ``"number"``).
            TypeMismatchError: ``number`` is not an int.
        """
        return self.lines[self._index(number)]

    def decision(self, graph: StageGraph) -> Decision:
        """What the order's current stage allows (``graph.decision(self.stage_id)``)."""
        require_instance(graph, StageGraph, "graph")
        return graph.decision(self.stage_id)

    # ------------------------------------------------------------------ helpers

    def _index(self, number: object) -> int:
        checked = require_int(number, "number")
        for index, line in enumerate(self.lines):
            if line.number == checked:
                return index
        raise UnknownLineError("number", number, f"order {self.id!r} has no such line")

    def _next_number(self) -> int:
        return max(self.line_numbers, default=0) + 1

    def _require(self, graph: StageGraph, action: Action) -> None:
        require_instance(graph, StageGraph, "graph")
        graph.decision(self.stage_id).require(action, self.id)

    def _next(self, **changes: Any) -> ServiceOrder:
        return attrs.evolve(self, version=self.version + 1, **changes)

    def _require_open(self, line: ServiceOrderLine) -> None:
        """Refuse a Posted line (never changes) or a Canceled one (revoke it first)."""
        if line.status is LineStatus.POSTED:
            raise OrderRuleError(
                self.id, "line.posted", f"line {line.number} is posted; it never changes"
            )
        if line.status is LineStatus.CANCELED:
            raise OrderRuleError(
                self.id,
                "line.canceled",
                f"line {line.number} is canceled; revoke the cancellation first",
            )

    def _require_related(self, line: NewLine | ServiceOrderLine) -> None:
        object_id, task_id = line.service_object_id, line.service_task_id
        if object_id is not None and object_id not in {o.id for o in self.service_objects}:
            raise OrderRuleError(
                self.id,
                "line.object_not_related",
                f"service object {object_id!r} is not related to the order; relate it first",
            )
        if task_id is not None and task_id not in {t.id for t in self.service_tasks}:
            raise OrderRuleError(
                self.id,
                "line.task_not_related",
                f"service task {task_id!r} is not related to the order; relate it first",
            )

    # -------------------------------------------------------------------- lines

    def add_line(
        self, graph: StageGraph, new_line: NewLine, *, at: datetime
    ) -> tuple[ServiceOrder, Events]:
        """Add a Created line numbered one above the highest number on the order.

        Raises:
            StageRuleError: the stage does not allow modify.
            OrderRuleError: the line references an object or task not related to the
                order (``line.object_not_related`` / ``line.task_not_related``).
            TypeMismatchError: ``new_line`` is not a :class:`NewLine`.
        """
        instant = require_instant(at, "at")
        require_instance(new_line, NewLine, "new_line")
        self._require(graph, Action.MODIFY)
        self._require_related(new_line)
        line = new_line.numbered(self._next_number())
        return self._next(lines=(*self.lines, line)), (
            LineAdded(entity_id=self.id, occurred_at=instant, line=line),
        )

    def change_line(
        self,
        graph: StageGraph,
        number: int,
        *,
        at: datetime,
        **changes: Unpack[LineChanges],
    ) -> tuple[ServiceOrder, Events]:
        """Change descriptive fields of a Created line, e.g. ``quantity=Decimal("2")``.

        Only the fields of :class:`LineChanges` may change; the line is validated again
        with its new values.

        Raises:
            StageRuleError: the stage does not allow modify.
            UnknownLineError: no line ``number``.
            OrderRuleError: the line is posted (``line.posted``) or canceled
                (``line.canceled``), or now references an unrelated object or task.
            InvalidInputError: no change given, or a field that may not change this way
                (number, status, signed_off, journal_transaction_id); the field is named.
        """
        instant = require_instant(at, "at")
        if not changes:
            raise InvalidInputError("changes", changes, "name at least one field to change")
        for name, value in changes.items():
            if name not in DESCRIPTIVE_FIELDS:
                raise InvalidInputError(
                    name,
                    value,
                    "only descriptive fields of a line change here; number, status, "
                    "sign-off and journal transaction have their own operations",
                )
        self._require(graph, Action.MODIFY)
        index = self._index(number)
        old = self.lines[index]
        self._require_open(old)
        new = attrs.evolve(old, **changes)
        self._require_related(new)
        changed = tuple(n for n in DESCRIPTIVE_FIELDS if getattr(old, n) != getattr(new, n))
        if not changed:
            return self, ()
        lines = (*self.lines[:index], new, *self.lines[index + 1 :])
        return self._next(lines=lines), (
            LineChanged(entity_id=self.id, occurred_at=instant, line=new, changed_fields=changed),
        )

    def remove_line(
        self, graph: StageGraph, number: int, *, at: datetime
    ) -> tuple[ServiceOrder, Events]:
        """Remove a Created line from the order.

        Raises:
            StageRuleError: the stage does not allow modify.
            UnknownLineError: no line ``number``.
            OrderRuleError: the line is posted (``line.posted``: a posted line never
                goes away) or canceled (``line.canceled``).
        """
        instant = require_instant(at, "at")
        self._require(graph, Action.MODIFY)
        index = self._index(number)
        self._require_open(self.lines[index])
        lines = (*self.lines[:index], *self.lines[index + 1 :])
        return self._next(lines=lines), (
            LineRemoved(
                entity_id=self.id, occurred_at=instant, line_number=self.lines[index].number
            ),
        )

    # ---------------------------------------------------------------- relations

    def relate_object(
        self, graph: StageGraph, obj: ServiceObject, *, at: datetime
    ) -> tuple[ServiceOrder, Events]:
        """Relate a service object to the order, so that its lines may reference it.

        Relating an object already related with the same value changes nothing and
        returns ``(self, ())``.

        Raises:
            StageRuleError: the stage does not allow modify.
            OrderRuleError: another object with the same id is already related
                (``object.conflict``).
            TypeMismatchError: ``obj`` is not a :class:`ServiceObject`.
        """
        instant = require_instant(at, "at")
        require_instance(obj, ServiceObject, "obj")
        self._require(graph, Action.MODIFY)
        related = _merge_related(self.id, "object", self.service_objects, (obj,))
        if related == self.service_objects:
            return self, ()
        return self._next(service_objects=related), (
            ServiceObjectRelated(entity_id=self.id, occurred_at=instant, service_object=obj),
        )

    def relate_task(
        self, graph: StageGraph, task: ServiceTask, *, at: datetime
    ) -> tuple[ServiceOrder, Events]:
        """Relate a service task to the order, so that its lines may reference it.

        Relating a task already related with the same value changes nothing and
        returns ``(self, ())``.

        Raises:
            StageRuleError: the stage does not allow modify.
            OrderRuleError: another task with the same id is already related
                (``task.conflict``).
            TypeMismatchError: ``task`` is not a :class:`ServiceTask`.
        """
        instant = require_instant(at, "at")
        require_instance(task, ServiceTask, "task")
        self._require(graph, Action.MODIFY)
        related = _merge_related(self.id, "task", self.service_tasks, (task,))
        if related == self.service_tasks:
            return self, ()
        return self._next(service_tasks=related), (
            ServiceTaskRelated(entity_id=self.id, occurred_at=instant, service_task=task),
        )

    # -------------------------------------------------------------------- stage

    def change_stage(
        self,
        graph: StageGraph,
        to: str,
        *,
        at: datetime,
        reason: ReasonCode | None = None,
        note: str = "",
        sla: ServiceLevelAgreement | None = None,
        sla_parameters: SlaParameters | None = None,
    ) -> tuple[ServiceOrder, Events]:
        """Move the order to stage ``to``: the only way its stage changes.

        The transition must be declared (next = a child, previous = the parent) and a
        target stage that requires a reason needs ``reason``. The entries the change
        writes (a stage change, and a close entry when the SLA clock stops) are appended
        to ``reason_log``. No stage rule (modify, ...) is needed to change stage.

        An order with an SLA also records the stage in its SLA time recording
        (``sla_log``): entering a stage that stops time recording stops the clock, and
        going back to a stage without that rule restarts it. With ``sla`` and
        ``sla_parameters``, entering a stopping stage while the SLA is exceeded needs a
        reason when the parameters say so (*Reason code on exceeding time*).

        Raises:
            UnknownStageError: ``to`` is not in the graph.
            TransitionNotAllowedError: the transition is not declared (law T1).
            ReasonRequiredError: the target stage requires a reason and none was given,
                or the SLA parameters require one.
        """
        instant = require_instant(at, "at")
        require_instance(graph, StageGraph, "graph")
        kind, entries = enter_stage(
            graph,
            entity_id=self.id,
            from_id=self.stage_id,
            to_id=to,
            at=instant,
            reason=reason,
            note=note,
        )
        sla_log = self.sla_log
        if self.sla_id is not None and sla_log:
            stops = graph.stage(to).rules.stops_sla_clock
            if stops:
                self._require_sla_reason(sla, sla_parameters, "stage_stop", reason, instant)
            entry = SlaEntry.stage(instant, to, stops_clock=stops, reason=reason)
            sla_log = (*sla_log, entry)
        event = StageChanged(
            entity_id=self.id,
            occurred_at=instant,
            from_stage=self.stage_id,
            to_stage=to,
            kind=kind,
            reason_code=None if reason is None else reason.code,
            note=note,
        )
        changed = self._next(stage_id=to, reason_log=(*self.reason_log, *entries), sla_log=sla_log)
        return changed, (event,)

    # ---------------------------------------------------------------------- SLA

    def measure_sla(
        self, sla: ServiceLevelAgreement, *, now: datetime, target: SlaTarget = SlaTarget.RESOLUTION
    ) -> SlaMeasurement:
        """The order's SLA figures at ``now``: a fold over its SLA time recording.

        Changing the SLA or its calendar changes nothing stored: measuring again gives
        the new figures. The order's priority picks the SLA's per-priority targets.
        """
        require_instance(sla, ServiceLevelAgreement, "sla")
        return measure(sla, self.sla_log, now=now, target=target, priority=self.priority.value)

    def start_sla(self, *, at: datetime) -> tuple[ServiceOrder, Events]:
        """Start (or resume) the SLA clock by hand (AX *Start*).

        Raises:
            OrderRuleError: the order has no SLA (``order.no_sla``).
            InvalidPauseError: the clock is already running, or the SLA was canceled.
        """
        return self._record_sla(SlaEntry.start(require_instant(at, "at")))

    def stop_sla(
        self,
        *,
        at: datetime,
        reason: ReasonCode | None = None,
        sla: ServiceLevelAgreement | None = None,
        sla_parameters: SlaParameters | None = None,
    ) -> tuple[ServiceOrder, Events]:
        """Stop the SLA clock by hand (AX *Stop*), with an optional reason.

        With ``sla`` and ``sla_parameters``, stopping an exceeded SLA needs a reason
        when the parameters say so.

        Raises:
            OrderRuleError: the order has no SLA (``order.no_sla``).
            InvalidPauseError: the clock is not running ("pausing twice").
            ReasonRequiredError: the SLA parameters require a reason.
        """
        instant = require_instant(at, "at")
        self._require_sla_reason(sla, sla_parameters, "stop", reason, instant)
        return self._record_sla(SlaEntry.stop(instant, reason))

    def cancel_sla(
        self,
        *,
        at: datetime,
        reason: ReasonCode | None = None,
        sla_parameters: SlaParameters | None = None,
    ) -> tuple[ServiceOrder, Events]:
        """Cancel the SLA of this order (AX *Cancel*); nothing is recorded after it.

        Raises:
            OrderRuleError: the order has no SLA (``order.no_sla``).
            InvalidPauseError: the SLA is already canceled.
            ReasonRequiredError: *Reason code on canceling* is set and no reason is given.
        """
        instant = require_instant(at, "at")
        if sla_parameters is not None:
            require_instance(sla_parameters, SlaParameters, "sla_parameters")
            if sla_parameters.reason_on_canceling and reason is None:
                raise ReasonRequiredError(self.id, "sla.reason_on_canceling", "canceling the SLA")
        return self._record_sla(SlaEntry.cancel(instant, reason))

    def _record_sla(self, entry: SlaEntry) -> tuple[ServiceOrder, Events]:
        if self.sla_id is None:
            raise OrderRuleError(self.id, "order.no_sla", "the order has no SLA to record")
        sla_log = (*self.sla_log, entry)
        clock_state(sla_log)  # refuses a log that makes no sense (InvalidPauseError)
        event = SlaTimeRecorded(
            entity_id=self.id,
            occurred_at=entry.at,
            kind=entry.kind.value,
            reason_code=None if entry.reason is None else entry.reason.code,
        )
        return self._next(sla_log=sla_log), (event,)

    def _require_sla_reason(
        self,
        sla: ServiceLevelAgreement | None,
        parameters: SlaParameters | None,
        action: str,
        reason: ReasonCode | None,
        at: datetime,
    ) -> None:
        """Consult the SLA clock: refuse ``action`` without a reason when it is required."""
        if sla is None or parameters is None or self.sla_id is None or not self.sla_log:
            return
        require_instance(parameters, SlaParameters, "sla_parameters")
        measurement = self.measure_sla(sla, now=max(at, self.sla_log[-1].at))
        require_reason(parameters, measurement, action=action, reason=reason, entity_id=self.id)

    # ------------------------------------------------------------------- cancel

    def cancel(
        self,
        graph: StageGraph,
        *,
        at: datetime,
        reason: ReasonCode | None = None,
        note: str = "",
        reason_required: bool = False,
    ) -> tuple[ServiceOrder, Events]:
        """Cancel the order: every Created line becomes Canceled (revocable).

        A reason, when given, is logged as a ``CANCEL`` reason log entry in the current
        stage. ``reason_required=True`` is the AX parameter *Reason code on canceling*.

        Raises:
            StageRuleError: the stage does not allow cancel.
            OrderRuleError: the order is posted (``order.posted``), or has no Created
                line (``order.nothing_to_cancel``).
            ReasonRequiredError: ``reason_required`` and no reason
                (rule ``order.cancel_reason``).
        """
        instant = require_instant(at, "at")
        checked_reason = _check_reason(reason)
        require_str(note, "note")
        self._require(graph, Action.CANCEL)
        if self.progress is Progress.POSTED:
            raise OrderRuleError(self.id, "order.posted", "a posted order cannot be canceled")
        numbers = tuple(line.number for line in self.lines if line.status is LineStatus.CREATED)
        if not numbers:
            raise OrderRuleError(
                self.id, "order.nothing_to_cancel", "the order has no Created line to cancel"
            )
        if reason_required and checked_reason is None:
            raise ReasonRequiredError(self.id, "order.cancel_reason", "canceling the order")
        lines = _set_status(self.lines, numbers, LineStatus.CANCELED)
        log = self.reason_log
        if checked_reason is not None:
            entry = ReasonLogEntry(
                entity_id=self.id,
                stage_id=self.stage_id,
                type=ReasonType.CANCEL,
                at=instant,
                reason=checked_reason,
                note=note,
            )
            log = (*log, entry)
        event = ServiceOrderCanceled(
            entity_id=self.id,
            occurred_at=instant,
            line_numbers=numbers,
            reason_code=None if checked_reason is None else checked_reason.code,
        )
        return self._next(lines=lines, reason_log=log), (event,)

    def revoke_cancel(self, graph: StageGraph, *, at: datetime) -> tuple[ServiceOrder, Events]:
        """Revoke a cancellation (AX *Revoke cancel*): every Canceled line is Created again.

        Raises:
            StageRuleError: the stage does not allow cancel.
            OrderRuleError: no line is canceled (``order.nothing_canceled``).
        """
        instant = require_instant(at, "at")
        self._require(graph, Action.CANCEL)
        numbers = tuple(line.number for line in self.lines if line.status is LineStatus.CANCELED)
        if not numbers:
            raise OrderRuleError(
                self.id, "order.nothing_canceled", "no line is canceled; nothing to revoke"
            )
        lines = _set_status(self.lines, numbers, LineStatus.CREATED)
        return self._next(lines=lines), (
            CancelRevoked(entity_id=self.id, occurred_at=instant, line_numbers=numbers),
        )

    def cancel_line(
        self, graph: StageGraph, number: int, *, at: datetime
    ) -> tuple[ServiceOrder, Events]:
        """Cancel one Created line (AX *Cancel order line*).

        Raises:
            StageRuleError: the stage does not allow cancel.
            UnknownLineError: no line ``number``.
            OrderRuleError: the line is posted (``line.posted``) or already canceled
                (``line.canceled``).
        """
        instant = require_instant(at, "at")
        self._require(graph, Action.CANCEL)
        line = self.lines[self._index(number)]
        self._require_open(line)
        lines = _set_status(self.lines, (line.number,), LineStatus.CANCELED)
        return self._next(lines=lines), (
            LineCanceled(entity_id=self.id, occurred_at=instant, line_number=line.number),
        )

    def revoke_line_cancel(
        self, graph: StageGraph, number: int, *, at: datetime
    ) -> tuple[ServiceOrder, Events]:
        """Bring one Canceled line back to Created.

        Raises:
            StageRuleError: the stage does not allow cancel.
            UnknownLineError: no line ``number``.
            OrderRuleError: the line is not canceled (``line.not_canceled``).
        """
        instant = require_instant(at, "at")
        self._require(graph, Action.CANCEL)
        line = self.lines[self._index(number)]
        if line.status is not LineStatus.CANCELED:
            raise OrderRuleError(
                self.id,
                "line.not_canceled",
                f"line {line.number} is {line.status.value}, not canceled",
            )
        lines = _set_status(self.lines, (line.number,), LineStatus.CREATED)
        return self._next(lines=lines), (
            LineCancelRevoked(entity_id=self.id, occurred_at=instant, line_number=line.number),
        )

    # ------------------------------------------------------------------- delete

    def delete(self, graph: StageGraph, *, at: datetime) -> Events:
        """Check that the order may be deleted, and return the event of its deletion.

        The order itself is removed by the repository.

        Raises:
            StageRuleError: the stage does not allow delete.
            OrderRuleError: a line is posted (``order.has_posted_lines``).
        """
        instant = require_instant(at, "at")
        self._require(graph, Action.DELETE)
        posted = [line.number for line in self.lines if line.status is LineStatus.POSTED]
        if posted:
            raise OrderRuleError(
                self.id,
                "order.has_posted_lines",
                f"lines {posted} are posted; an order with posted lines is never deleted",
            )
        return (
            ServiceOrderDeleted(
                entity_id=self.id,
                occurred_at=instant,
                customer_id=self.customer_id,
                agreement_id=self.agreement_id,
            ),
        )

    # ----------------------------------------------------------------- sign-off

    def sign_off(
        self,
        *,
        at: datetime,
        numbers: Collection[int] | None = None,
        reason: ReasonCode | None = None,
        sla: ServiceLevelAgreement | None = None,
        sla_parameters: SlaParameters | None = None,
    ) -> tuple[ServiceOrder, Events]:
        """Sign off lines, and the order once all its work is signed off or posted.

        ``numbers`` defaults to every Created line. Lines already signed off stay as
        they are. A posted line never changes, so it is not signed off afterwards
        (sign lines off before posting them, or post with ``require_sign_off=False``);
        it counts as done for the header. The header is signed off
        (``signed_off_at = at``) when the order has at least one line that is not
        canceled and every Created line is signed off; a header signed off stays
        signed off. No stage rule is needed.

        Raises:
            UnknownLineError: a number is not on the order.
            OrderRuleError: a named line is canceled (``line.canceled``) or posted and
                not signed off (``line.posted``), or ``numbers`` is omitted and the
                order has no line that is not canceled (``order.nothing_to_sign_off``).
            InvalidInputError: ``numbers`` is empty or names a line twice.
        """
        instant = require_instant(at, "at")
        self._require_sla_reason(sla, sla_parameters, "sign_off", reason, instant)
        if numbers is None:
            if all(line.status is LineStatus.CANCELED for line in self.lines):
                raise OrderRuleError(
                    self.id,
                    "order.nothing_to_sign_off",
                    "the order has no Created or Posted line to sign off",
                )
            targets = tuple(line.number for line in self.lines if line.status is LineStatus.CREATED)
        else:
            targets = check_numbers(numbers)
            for number in targets:
                line = self.lines[self._index(number)]
                if line.status is LineStatus.CANCELED:
                    raise OrderRuleError(
                        self.id,
                        "line.canceled",
                        f"line {number} is canceled; a canceled line is not signed off",
                    )
                if line.status is LineStatus.POSTED and not line.signed_off:
                    raise OrderRuleError(
                        self.id,
                        "line.posted",
                        f"line {number} is posted; a posted line never changes",
                    )
        wanted = set(targets)
        newly = tuple(
            line.number for line in self.lines if line.number in wanted and not line.signed_off
        )
        lines = tuple(
            attrs.evolve(line, signed_off=True) if line.number in newly else line
            for line in self.lines
        )
        open_lines = [line for line in lines if line.status is not LineStatus.CANCELED]
        header_now = (
            not self.signed_off
            and bool(open_lines)
            and all(li.signed_off for li in open_lines if li.status is LineStatus.CREATED)
        )
        events: list[DomainEvent] = []
        if newly:
            events.append(
                LinesSignedOff(entity_id=self.id, occurred_at=instant, line_numbers=newly)
            )
        if header_now:
            events.append(ServiceOrderSignedOff(entity_id=self.id, occurred_at=instant))
        if not events:
            return self, ()
        order = self._next(
            lines=lines,
            signed_off=self.signed_off or header_now,
            signed_off_at=instant if header_now else self.signed_off_at,
        )
        return order, tuple(events)

    # ------------------------------------------------------------------ posting

    def plan_posting(
        self,
        graph: StageGraph,
        *,
        period: DateRange,
        types: Collection[TransactionType],
        require_sign_off: bool = True,
    ) -> PostingPlan:
        """What posting this order for ``period`` and ``types`` would post (pure).

        A line is posted when it is Created, its type is selected, its transaction
        date lies in the half-open ``period``, and (unless ``require_sign_off`` is
        False) it is signed off. Every other line is listed in ``skipped`` with the
        first reason that applies, in this order: already posted, canceled, type not
        selected, no transaction date, not in the date range, not signed off.

        Raises:
            StageRuleError: the stage does not allow post (rule ``stage.may_post``).
            InvalidInputError: ``types`` is empty (the field is ``"types"``).
            TypeMismatchError: ``period`` is not a DateRange, or an item of ``types`` is
                not a TransactionType.
        """
        require_instance(period, DateRange, "period")
        selected = check_types(types)
        if not isinstance(require_sign_off, bool):
            raise TypeMismatchError("require_sign_off", require_sign_off, "expected a bool")
        self._require(graph, Action.POST)
        entries: list[JournalEntry] = []
        skipped: list[tuple[int, str]] = []
        for line in self.lines:
            why = skip_reason(line, period, selected, require_sign_off)
            if why is None:
                entries.append(
                    JournalEntry.for_line(
                        line,
                        order_id=self.id,
                        customer_id=self.customer_id,
                        project_id=self.project_id,
                        agreement_id=self.agreement_id,
                    )
                )
            else:
                skipped.append((line.number, why))
        return PostingPlan(order_id=self.id, entries=tuple(entries), skipped=tuple(skipped))

    def mark_posted(
        self, transaction_ids: Mapping[int, str], *, at: datetime
    ) -> tuple[ServiceOrder, Events]:
        """Record that lines were posted: each becomes Posted with its journal transaction.

        An empty mapping posts nothing and returns ``(self, ())``, so posting an order
        again once everything is posted changes nothing.

        Raises:
            UnknownLineError: a number is not on the order.
            OrderRuleError: a line is already posted (``line.posted``: a line is never
                posted twice) or canceled (``line.canceled``).
            TypeMismatchError: not a mapping of int to str.
            InvalidInputError: an empty transaction id.
        """
        instant = require_instant(at, "at")
        if not isinstance(transaction_ids, Mapping):
            raise TypeMismatchError(
                "transaction_ids", transaction_ids, "expected a mapping of line number to id"
            )
        if not transaction_ids:
            return self, ()
        pairs: list[tuple[int, str]] = []
        for number, transaction_id in transaction_ids.items():
            field = f"transaction_ids[{number!r}]"
            require_int(number, field, minimum=1)
            pairs.append((number, require_id(transaction_id, field)))
        pairs.sort()
        lines = list(self.lines)
        for number, transaction_id in pairs:
            index = self._index(number)
            line = lines[index]
            if line.status is LineStatus.POSTED:
                raise OrderRuleError(
                    self.id,
                    "line.posted",
                    f"line {number} is already posted as {line.journal_transaction_id!r}; "
                    "a line is never posted twice",
                )
            if line.status is LineStatus.CANCELED:
                raise OrderRuleError(
                    self.id, "line.canceled", f"line {number} is canceled; it is not posted"
                )
            lines[index] = attrs.evolve(
                line, status=LineStatus.POSTED, journal_transaction_id=transaction_id
            )
        return self._next(lines=tuple(lines)), (
            LinesPosted(entity_id=self.id, occurred_at=instant, transaction_ids=tuple(pairs)),
        )


@functools.cache
def _first_numbers(count: int) -> tuple[int, ...]:
    """``(1, 2, ..., count)``, shared: generation makes it for every order."""
    return tuple(range(1, count + 1))


def _number(line: ServiceOrderLine) -> int:
    return line.number


def _set_status(
    lines: tuple[ServiceOrderLine, ...], numbers: Iterable[int], status: LineStatus
) -> tuple[ServiceOrderLine, ...]:
    chosen = set(numbers)
    return tuple(
        attrs.evolve(line, status=status) if line.number in chosen else line for line in lines
    )


def _merge_related(
    order_id: str, kind: str, related: tuple[_Related, ...], added: Iterable[_Related]
) -> tuple[_Related, ...]:
    """``related`` plus ``added``; an id already related must carry the same value."""
    return merge_related(order_id, kind, related, added, error=OrderRuleError)
