"""The service order entity: header, lines, relations, stage, cancel, sign-off, posting."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar, Unpack

import attrs

from servicedomain._checks import (
    first_duplicate,
    merge_related,
    require_bool,
    require_enum,
    require_instance,
    require_int,
    require_optional_instance,
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
    InstantOutOfOrderError,
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
    ServiceObjectRelated,
    ServiceOrderCanceled,
    ServiceOrderCreated,
    ServiceOrderDeleted,
    ServiceTaskRelated,
    StageChanged,
)
from servicedomain.orders._lines import (
    DESCRIPTIVE_FIELDS,
    LineChanges,
    LineStatus,
    NewLine,
    Origin,
    Progress,
    ServiceObject,
    ServiceOrderLine,
    ServiceTask,
    roll_up,
)
from servicedomain.orders._order_items import ItemRequirements, refuse_line_with_requirements
from servicedomain.orders._order_sla import SlaRecording
from servicedomain.orders._order_work import SignOffAndPosting
from servicedomain.sla import (
    Priority,
    ServiceLevelAgreement,
    SlaEntry,
    SlaParameters,
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

_REQUIRED_FIELDS = ("transaction_type", "item_id")
"""The fields of a line that its item requirements depend on."""

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
class ServiceOrder(SlaRecording, SignOffAndPosting, ItemRequirements):
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

    Time moves forward (law U2): every dated operation refuses an ``at`` before
    :attr:`last_recorded_at` with :class:`~servicedomain.errors.InstantOutOfOrderError`
    naming both instants, and leaves the order as it was. ``recorded_at`` is the instant
    of the last operation that changed the order (``None`` for an order built without
    one).

    Raises:
        TypeMismatchError: a field of the wrong type (the field is named).
        NaiveDatetimeError: ``preferred_service_at``, ``signed_off_at`` or
            ``recorded_at`` is naive.
        InvalidInputError: ``version`` below 1; an empty id; duplicate line numbers
            (``"lines"``), object ids or task ids; a line referencing an object or a
            task that is not related (``"lines[i].service_object_id"``); a reason log
            entry about another entity; ``signed_off_at`` without ``signed_off`` or
            the reverse; an item requirement id on two lines (``"lines"``).

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
    recorded_at: datetime | None = attrs.field(default=None, validator=v_optional_instant)

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
        repeated_requirement = first_duplicate(
            requirement.id for line in self.lines for requirement in line.item_requirements
        )
        if repeated_requirement is not None:
            raise InvalidInputError(
                "lines", repeated_requirement, "an item requirement id is on an order once"
            )
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
            recorded_at=instant,
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
            recorded_at=at,
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

    @property
    def last_recorded_at(self) -> datetime | None:
        """The last instant the order recorded, or ``None`` when it recorded none.

        The latest of :attr:`recorded_at` (the instant of the last operation that changed
        the order), the last reason log and SLA log entries, and :attr:`signed_off_at`.
        Every dated operation refuses an instant before it (law U2, *time moves
        forward*); an equal instant is fine.
        """
        last = self.recorded_at
        for log in (self.reason_log, self.sla_log):
            if log and (last is None or log[-1].at > last):
                last = log[-1].at
        signed = self.signed_off_at
        if signed is not None and (last is None or signed > last):
            last = signed
        return last

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

    def _next(self, at: datetime, **changes: Any) -> ServiceOrder:
        """The next snapshot: ``version + 1``, ``recorded_at = at``, and ``changes``."""
        return attrs.evolve(self, version=self.version + 1, recorded_at=at, **changes)

    def _dated(self, at: object) -> datetime:
        """``at`` as an instant, refused before :attr:`last_recorded_at` (law U2).

        The one check every dated operation of the order makes first, so that an
        operation dated in the past (clock skew) leaves the order as it was, usable.

        Raises:
            NaiveDatetimeError: ``at`` is naive.
            TypeMismatchError: ``at`` is not a datetime.
            InstantOutOfOrderError: ``at`` is before the last instant the order
                recorded (``field`` ``"at"``; ``value`` and ``last`` are the two instants).
        """
        instant = require_instant(at, "at")
        last = self.last_recorded_at
        if last is not None and instant < last:
            raise InstantOutOfOrderError("at", instant, last)
        return instant

    def _with_line(self, index: int, line: ServiceOrderLine) -> tuple[ServiceOrderLine, ...]:
        """The order's lines with ``line`` in place of the one at ``index``."""
        return (*self.lines[:index], line, *self.lines[index + 1 :])

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
        instant = self._dated(at)
        require_instance(new_line, NewLine, "new_line")
        self._require(graph, Action.MODIFY)
        self._require_related(new_line)
        line = new_line.numbered(self._next_number())
        return self._next(instant, lines=(*self.lines, line)), (
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
            ItemRequirementError: the change gives a line with item requirements
                another type or item (``line.has_item_requirements``).
            InvalidInputError: no change given, or a field that may not change this way
                (number, status, signed_off, journal_transaction_id); the field is named.
        """
        instant = self._dated(at)
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
        given: dict[str, object] = dict(changes)
        if any(given[name] != getattr(old, name) for name in _REQUIRED_FIELDS if name in given):
            refuse_line_with_requirements(self.id, old, "given another type or item")
        new = attrs.evolve(old, **changes)
        self._require_related(new)
        changed = tuple(n for n in DESCRIPTIVE_FIELDS if getattr(old, n) != getattr(new, n))
        if not changed:
            return self, ()
        return self._next(instant, lines=self._with_line(index, new)), (
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
            ItemRequirementError: the line has item requirements
                (``line.has_item_requirements``): remove them first.
        """
        instant = self._dated(at)
        self._require(graph, Action.MODIFY)
        index = self._index(number)
        self._require_open(self.lines[index])
        refuse_line_with_requirements(self.id, self.lines[index], "removed")
        lines = (*self.lines[:index], *self.lines[index + 1 :])
        return self._next(instant, lines=lines), (
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
        instant = self._dated(at)
        require_instance(obj, ServiceObject, "obj")
        self._require(graph, Action.MODIFY)
        related = _merge_related(self.id, "object", self.service_objects, (obj,))
        if related == self.service_objects:
            return self, ()
        return self._next(instant, service_objects=related), (
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
        instant = self._dated(at)
        require_instance(task, ServiceTask, "task")
        self._require(graph, Action.MODIFY)
        related = _merge_related(self.id, "task", self.service_tasks, (task,))
        if related == self.service_tasks:
            return self, ()
        return self._next(instant, service_tasks=related), (
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
        reason when the parameters say so (*Reason code on exceeding time*). Once the
        SLA is canceled, stage changes record nothing on its clock (law S8).

        Raises:
            UnknownStageError: ``to`` is not in the graph.
            TransitionNotAllowedError: the transition is not declared (law T1).
            ReasonRequiredError: the target stage requires a reason and none was given,
                or the SLA parameters require one.
            InstantOutOfOrderError: ``at`` is before :attr:`last_recorded_at` (law U2).
        """
        instant = self._dated(at)
        require_optional_instance(sla, ServiceLevelAgreement, "sla")
        require_optional_instance(sla_parameters, SlaParameters, "sla_parameters")
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
        sla_log = self._sla_log_entering(
            to,
            stops_clock=graph.stage(to).rules.stops_sla_clock,
            at=instant,
            reason=reason,
            sla=sla,
            sla_parameters=sla_parameters,
        )
        event = StageChanged(
            entity_id=self.id,
            occurred_at=instant,
            from_stage=self.stage_id,
            to_stage=to,
            kind=kind,
            reason_code=None if reason is None else reason.code,
            note=note,
        )
        changed = self._next(
            instant, stage_id=to, reason_log=(*self.reason_log, *entries), sla_log=sla_log
        )
        return changed, (event,)

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
            ItemRequirementError: the order has item requirements
                (``order.has_item_requirements``): remove them first.
            ReasonRequiredError: ``reason_required`` and no reason
                (rule ``order.cancel_reason``).
        """
        instant = self._dated(at)
        checked_reason = _check_reason(reason)
        require_bool(reason_required, "reason_required")
        require_str(note, "note")
        self._require(graph, Action.CANCEL)
        if self.progress is Progress.POSTED:
            raise OrderRuleError(self.id, "order.posted", "a posted order cannot be canceled")
        self._refuse_item_requirements("order.has_item_requirements", "canceled")
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
        return self._next(instant, lines=lines, reason_log=log), (event,)

    def revoke_cancel(self, graph: StageGraph, *, at: datetime) -> tuple[ServiceOrder, Events]:
        """Revoke a cancellation (AX *Revoke cancel*): every Canceled line is Created again.

        Raises:
            StageRuleError: the stage does not allow cancel.
            OrderRuleError: no line is canceled (``order.nothing_canceled``).
        """
        instant = self._dated(at)
        self._require(graph, Action.CANCEL)
        numbers = tuple(line.number for line in self.lines if line.status is LineStatus.CANCELED)
        if not numbers:
            raise OrderRuleError(
                self.id, "order.nothing_canceled", "no line is canceled; nothing to revoke"
            )
        lines = _set_status(self.lines, numbers, LineStatus.CREATED)
        return self._next(instant, lines=lines), (
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
            ItemRequirementError: the line has item requirements
                (``line.has_item_requirements``): remove them first.
        """
        instant = self._dated(at)
        self._require(graph, Action.CANCEL)
        line = self.lines[self._index(number)]
        self._require_open(line)
        refuse_line_with_requirements(self.id, line, "canceled")
        lines = _set_status(self.lines, (line.number,), LineStatus.CANCELED)
        return self._next(instant, lines=lines), (
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
        instant = self._dated(at)
        self._require(graph, Action.CANCEL)
        line = self.lines[self._index(number)]
        if line.status is not LineStatus.CANCELED:
            raise OrderRuleError(
                self.id,
                "line.not_canceled",
                f"line {line.number} is {line.status.value}, not canceled",
            )
        lines = _set_status(self.lines, (line.number,), LineStatus.CREATED)
        return self._next(instant, lines=lines), (
            LineCancelRevoked(entity_id=self.id, occurred_at=instant, line_number=line.number),
        )

    # ------------------------------------------------------------------- delete

    def delete(self, graph: StageGraph, *, at: datetime) -> Events:
        """Check that the order may be deleted, and return the event of its deletion.

        The order itself is removed by the repository.

        Raises:
            StageRuleError: the stage does not allow delete.
            OrderRuleError: a line is posted (``order.has_posted_lines``).
            ItemRequirementError: the order has item requirements
                (``order.has_item_requirements``): remove them first.
        """
        instant = self._dated(at)
        self._require(graph, Action.DELETE)
        posted = [line.number for line in self.lines if line.status is LineStatus.POSTED]
        if posted:
            raise OrderRuleError(
                self.id,
                "order.has_posted_lines",
                f"lines {posted} are posted; an order with posted lines is never deleted",
            )
        self._refuse_item_requirements("order.has_item_requirements", "deleted")
        return (
            ServiceOrderDeleted(
                entity_id=self.id,
                occurred_at=instant,
                customer_id=self.customer_id,
                agreement_id=self.agreement_id,
            ),
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
