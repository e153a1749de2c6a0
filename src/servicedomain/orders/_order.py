"""The service order entity: lines, relations, stage, cancel, SLA, sign-off, posting, items.

One concept, one module: every operation of :class:`ServiceOrder` is a method here, long
as the module is. Lines and their values are in ``_lines``, posting values in
``_posting``, events in ``_events`` and moving lines between two orders in ``_moves``.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any, Final, TypeVar, Unpack

import attrs

from servicedomain._checks import (
    check_numbers,
    deep_iterable,
    first_duplicate,
    in_,
    instance_of,
    integer,
    is_bool,
    is_id,
    is_instant,
    is_line_number,
    is_str,
    is_version,
    merge_related,
    optional,
)
from servicedomain._trusted import build, builder
from servicedomain.errors import (
    InstantOutOfOrderError,
    InvalidInputError,
    InvalidPauseError,
    ItemRequirementError,
    OrderRuleError,
    ReasonRequiredError,
    TypeMismatchError,
    UnknownLineError,
)
from servicedomain.events import DomainEvent
from servicedomain.instants import require_instant
from servicedomain.orders._events import (
    CancelRevoked,
    ItemRequirementAdded,
    ItemRequirementRemoved,
    LineAdded,
    LineCanceled,
    LineCancelRevoked,
    LineChanged,
    LineRemoved,
    LinesPosted,
    LinesSignedOff,
    RepairLineAdded,
    RepairLineChanged,
    RepairLineDeleted,
    RepairLineStageChanged,
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
    ItemRequirement,
    LineChanges,
    LineStatus,
    NewLine,
    Origin,
    Progress,
    ServiceOrderLine,
    ServiceTask,
    TransactionType,
    roll_up,
)
from servicedomain.orders._posting import JournalEntry, PostingPlan, check_types, skip_reason
from servicedomain.periods import DateRange
from servicedomain.repairs import (
    FaultTaxonomy,
    RelationKind,
    RepairLine,
    RepairLineChanges,
    RepairStatus,
    ServiceObjectRelation,
    repair_status,
)
from servicedomain.sla import (
    Priority,
    ServiceLevelAgreement,
    SlaEntry,
    SlaEntryKind,
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

_Related = TypeVar("_Related", ServiceObjectRelation, ServiceTask)

_REQUIRED_FIELDS = ("transaction_type", "item_id")
"""The fields of a line that its item requirements depend on."""

Events = tuple[DomainEvent, ...]
"""What an operation returns besides the new snapshot."""


_GRAPH: Final = instance_of(StageGraph)
_NEW_LINE: Final = instance_of(NewLine)
_RELATION: Final = instance_of(ServiceObjectRelation)
_TAXONOMY: Final = instance_of(FaultTaxonomy)
_REPAIR_ORDER: Final = tuple(RepairLineChanges.__annotations__)
_REPAIR_FIELDS: Final = frozenset(_REPAIR_ORDER)
_TASK: Final = instance_of(ServiceTask)
_RANGE: Final = instance_of(DateRange)
_REQUIREMENT: Final = instance_of(ItemRequirement)
_SLA_PARAMETERS: Final = instance_of(SlaParameters)
_SLA: Final = instance_of(ServiceLevelAgreement)
_OPTIONAL_SLA: Final = optional(_SLA)
_OPTIONAL_SLA_PARAMETERS: Final = optional(_SLA_PARAMETERS)
_OPTIONAL_REASON: Final = optional(instance_of(ReasonCode))
_REASON_OR_NONE: Final = optional(instance_of(ReasonCode, reason="expected a ReasonCode or None"))
_INT: Final = integer()
_BOOL: Final = instance_of(bool, reason="expected a bool")


@attrs.frozen(kw_only=True, weakref_slot=False)  # no weak references: fast builds
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
            (``"lines"``), relation ids, related objects (``"object_relations"``) or task
            ids; an order relation of another order or an agreement relation of another
            agreement (``"object_relations[i].key"``); a line referencing an object or a
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

    id: str = attrs.field(validator=is_id)
    version: int = attrs.field(validator=is_version)
    description: str = attrs.field(default="", validator=is_str)
    customer_id: str = attrs.field(validator=is_id)
    agreement_id: str | None = attrs.field(default=None, validator=optional(is_id))
    project_id: str | None = attrs.field(default=None, validator=optional(is_id))
    preferred_service_at: datetime | None = attrs.field(
        default=None, validator=optional(is_instant)
    )
    responsible_worker_id: str | None = attrs.field(default=None, validator=optional(is_id))
    preferred_technician_id: str | None = attrs.field(default=None, validator=optional(is_id))
    priority: Priority = attrs.field(default=Priority.NORMAL, validator=in_(Priority))
    origin: Origin = attrs.field(default=Origin.USER, validator=in_(Origin))
    incoming: bool = attrs.field(default=False, validator=is_bool)
    request_id: str | None = attrs.field(default=None, validator=optional(is_id))
    service_address: str | None = attrs.field(default=None, validator=optional(is_str))
    stage_id: str = attrs.field(validator=is_id)
    sla_id: str | None = attrs.field(default=None, validator=optional(is_id))
    signed_off: bool = attrs.field(default=False, validator=is_bool)
    signed_off_at: datetime | None = attrs.field(default=None, validator=optional(is_instant))
    calendar_conflict: bool = attrs.field(default=False, validator=is_bool)
    object_relations: tuple[ServiceObjectRelation, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(ServiceObjectRelation))
    )
    service_tasks: tuple[ServiceTask, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(ServiceTask))
    )
    lines: tuple[ServiceOrderLine, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(ServiceOrderLine))
    )
    repair_lines: tuple[RepairLine, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(RepairLine))
    )
    reason_log: tuple[ReasonLogEntry, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(ReasonLogEntry))
    )
    sla_log: tuple[SlaEntry, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(SlaEntry))
    )
    recorded_at: datetime | None = attrs.field(default=None, validator=optional(is_instant))

    def __attrs_post_init__(self) -> None:
        self._check_request()
        numbers = [line.number for line in self.lines]
        duplicate = first_duplicate(numbers)
        if duplicate is not None:
            raise InvalidInputError(
                "lines", duplicate, "line numbers are unique on an order; this one repeats"
            )
        for field, items in (
            ("object_relations", self.object_relations),
            ("service_tasks", self.service_tasks),
        ):
            repeated = first_duplicate(item.id for item in items)
            if repeated is not None:
                raise InvalidInputError(field, repeated, "an id is related to an order once")
        self._check_relations()
        repeated_requirement = first_duplicate(
            requirement.id for line in self.lines for requirement in line.item_requirements
        )
        if repeated_requirement is not None:
            raise InvalidInputError(
                "lines", repeated_requirement, "an item requirement id is on an order once"
            )
        objects = {relation.object_id for relation in self.object_relations}
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
        if self.repair_lines:
            self._check_repair_lines()

    def _check_request(self) -> None:
        """An order transferred from a customer request has origin web."""
        if self.request_id is not None and self.origin is not Origin.WEB:
            raise InvalidInputError(
                "request_id",
                self.request_id,
                f"an order transferred from a customer request has origin web, not "
                f"{self.origin.value}",
            )

    def _check_repair_lines(self) -> None:
        """Repair line numbers are unique; each line names a relation of the order."""
        numbers = [line.number for line in self.repair_lines]
        duplicate = first_duplicate(numbers)
        if duplicate is not None:
            raise InvalidInputError(
                "repair_lines", duplicate, "repair line numbers are unique on an order"
            )
        relations = {relation.id for relation in self.object_relations}
        for index, line in enumerate(self.repair_lines):
            if line.relation_id not in relations:
                raise InvalidInputError(
                    f"repair_lines[{index}].relation_id",
                    line.relation_id,
                    f"a repair line names an object relation of order {self.id!r}",
                )
        if numbers != sorted(numbers):
            ordered = tuple(sorted(self.repair_lines, key=lambda line: line.number))
            object.__setattr__(self, "repair_lines", ordered)

    def _check_relations(self) -> None:
        """An object is related once; each relation is the order's or its agreement's."""
        repeated = first_duplicate(relation.object_id for relation in self.object_relations)
        if repeated is not None:
            raise InvalidInputError(
                "object_relations", repeated, "a service object is related to an order once"
            )
        for index, relation in enumerate(self.object_relations):
            if relation.kind is RelationKind.ORDER and relation.key != self.id:
                raise InvalidInputError(
                    f"object_relations[{index}].key",
                    relation.key,
                    f"an order relation of order {self.id!r} has the order's id as its key",
                )
            if relation.kind is RelationKind.AGREEMENT and relation.key != self.agreement_id:
                raise InvalidInputError(
                    f"object_relations[{index}].key",
                    relation.key,
                    f"an agreement relation on order {self.id!r} is one of its agreement "
                    f"{self.agreement_id!r}",
                )

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
        incoming: bool = False,
        request_id: str | None = None,
        service_address: str | None = None,
        sla_id: str | None = None,
        sla_started_at: datetime | None = None,
        calendar_conflict: bool = False,
        object_relations: tuple[ServiceObjectRelation, ...] = (),
        service_tasks: tuple[ServiceTask, ...] = (),
        lines: Iterable[NewLine] = (),
    ) -> tuple[ServiceOrder, Events]:
        """A new order (version 1) in the root stage of ``graph``.

        ``lines`` are numbered 1, 2, ... in the order given; they may reference the
        objects of the ``object_relations`` and the ``service_tasks`` given here. An
        order's own relations have kind order and the order's id as key; an agreement's
        relations (kind agreement, key ``agreement_id``) come along unchanged.

        ``incoming`` is AX's *IncomingWebOrder* flag and ``request_id`` the customer
        request the order was transferred from (such an order has origin web). With an
        SLA, its time recording starts at ``sla_started_at`` (default ``at``; never after
        it), so that the clock of a transferred request can start at its submission.

        Raises:
            TypeMismatchError: ``graph`` is not a StageGraph, an item of ``lines`` is
                not a :class:`NewLine`, or a field of the wrong type.
            NaiveDatetimeError: ``at`` or ``sla_started_at`` is naive.
            InvalidInputError: as for the constructor; ``request_id`` with an origin
                other than web, or ``sla_started_at`` after ``at`` (both named).
        """
        instant = require_instant(at, "at")
        sla_start = instant
        if sla_started_at is not None:
            sla_start = require_instant(sla_started_at, "sla_started_at")
            if sla_start > instant:
                raise InvalidInputError(
                    "sla_started_at",
                    sla_started_at,
                    f"the SLA clock starts at or before the order's creation {instant.isoformat()}",
                )
        _GRAPH.check(graph, "graph")
        given: object = lines
        if isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
            raise TypeMismatchError("lines", lines, "expected an iterable of NewLine")
        new_lines = tuple(given)
        for index, new_line in enumerate(new_lines):
            _NEW_LINE.check(new_line, f"lines[{index}]")
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
            incoming=incoming,
            request_id=request_id,
            service_address=service_address,
            stage_id=graph.root.id,
            sla_id=sla_id,
            calendar_conflict=calendar_conflict,
            object_relations=object_relations,
            service_tasks=service_tasks,
            lines=tuple(line.numbered(index) for index, line in enumerate(new_lines, 1)),
            sla_log=() if sla_id is None else (SlaEntry.start(sla_start),),
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
    def generated(
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
        object_relations: tuple[ServiceObjectRelation, ...],
        service_tasks: tuple[ServiceTask, ...],
        lines: tuple[ServiceOrderLine, ...],
    ) -> tuple[ServiceOrder, Events]:
        """A new order (version 1) made by service order generation: the fast path.

        The same order and event as :meth:`create` with ``origin=SYSTEM`` in stage
        ``stage_id`` (the graph's root). :func:`servicedomain.agreements.generate_service_orders`
        makes its orders with it, hundreds of thousands in a run, from values it has
        checked already, so only the type of each argument is checked here (a wrong
        one raises what :meth:`create` raises, naming it). The rest is trusted, not
        checked again: the aware instant ``at`` is within the supported range, the
        related objects and tasks are unique, the relations are the agreement's, and
        ``lines`` are Created, unsigned :class:`ServiceOrderLine` values numbered 1, 2,
        ... in order that reference only
        the objects and tasks given (the lines of a validated agreement, numbered).
        A host creating an order from its own input uses :meth:`create`, which checks
        everything; with the environment variable ``SERVICEDOMAIN_CHECKED`` set, this
        one does too.

        Raises:
            TypeMismatchError: an argument of the wrong type (it is named).
            NaiveDatetimeError: ``at`` or ``preferred_service_at`` is naive.
            InvalidInputError: an empty id.

        >>> from datetime import UTC, datetime
        >>> order, events = ServiceOrder.generated(
        ...     id="SO-1", customer_id="C-1", at=datetime(2026, 3, 2, tzinfo=UTC),
        ...     stage_id="CREATED", description="", agreement_id="AGR-1", project_id=None,
        ...     preferred_service_at=None, responsible_worker_id=None,
        ...     preferred_technician_id=None, sla_id=None, calendar_conflict=False,
        ...     object_relations=(), service_tasks=(), lines=(),
        ... )
        >>> order.origin, order.version, [event.name for event in events]
        (<Origin.SYSTEM: 'system'>, 1, ['ServiceOrderCreated'])
        """
        conflict: object = calendar_conflict
        quick = (
            type(id) is str
            and id
            and type(customer_id) is str
            and customer_id
            and type(at) is datetime
            and at.tzinfo is not None
            and type(stage_id) is str
            and stage_id
            and type(description) is str
            and type(agreement_id) is str
            and agreement_id
            and (project_id is None or (type(project_id) is str and project_id))
            and (
                preferred_service_at is None
                or (type(preferred_service_at) is datetime and preferred_service_at.tzinfo)
            )
            and (responsible_worker_id is None or type(responsible_worker_id) is str)
            and (preferred_technician_id is None or type(preferred_technician_id) is str)
            and (sla_id is None or (type(sla_id) is str and sla_id))
            and type(conflict) is bool
            and type(object_relations) is tuple
            and type(service_tasks) is tuple
            and type(lines) is tuple
        )
        if not quick:
            # The slow path for an argument the quick test above does not pass: the
            # constructor's checks raise the error that names it (or accept it).
            require_instant(at, "at")
            is_id.check(agreement_id, "agreement_id")  # a generated order has an agreement
        fields: dict[str, Any] = {
            "id": id,
            "version": 1,
            "description": description,
            "customer_id": customer_id,
            "agreement_id": agreement_id,
            "project_id": project_id,
            "preferred_service_at": preferred_service_at,
            "responsible_worker_id": responsible_worker_id,
            "preferred_technician_id": preferred_technician_id,
            "origin": Origin.SYSTEM,
            "stage_id": stage_id,
            "sla_id": sla_id,
            "calendar_conflict": calendar_conflict,
            "object_relations": object_relations,
            "service_tasks": service_tasks,
            "lines": lines,
            "sla_log": () if sla_id is None else (SlaEntry.start(at),),
            "recorded_at": at,
        }
        if not quick:
            cls(**fields)
        order = _build_order(**fields) if cls is ServiceOrder else build(cls, **fields)
        event = _build_created(
            entity_id=id,
            occurred_at=at,
            customer_id=customer_id,
            agreement_id=agreement_id,
            stage_id=stage_id,
            line_numbers=_first_numbers(len(lines)),
        )
        return order, (event,)

    # ---------------------------------------------------------------- inspection

    @property
    def progress(self) -> Progress:
        """The order's progress, rolled up from its lines' statuses (see :func:`roll_up`)."""
        return roll_up(line.status for line in self.lines)

    @property
    def repair_status(self) -> RepairStatus:
        """Where the order's repair stands, derived from its repair lines, never stored."""
        return repair_status(self.repair_lines)

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
        _GRAPH.check(graph, "graph")
        return graph.decision(self.stage_id)

    # ------------------------------------------------------------------- helpers

    def _index(self, number: object) -> int:
        checked = _INT.check(number, "number")
        for index, line in enumerate(self.lines):
            if line.number == checked:
                return index
        raise UnknownLineError("number", number, f"order {self.id!r} has no such line")

    def _next_number(self) -> int:
        return max(self.line_numbers, default=0) + 1

    def _require(self, graph: StageGraph, action: Action) -> None:
        _GRAPH.check(graph, "graph")
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
        if object_id is not None and object_id not in {
            relation.object_id for relation in self.object_relations
        }:
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

    # --------------------------------------------------------------------- lines

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
        _NEW_LINE.check(new_line, "new_line")
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

    # -------------------------------------------------------------- repair lines

    def repair_line(self, number: int) -> RepairLine:
        """The repair line with this number.

        Raises:
            UnknownLineError: the order has no such repair line (field ``"number"``).
            TypeMismatchError: ``number`` is not an int.
        """
        return self.repair_lines[self._repair_index(number)]

    def _repair_index(self, number: object) -> int:
        checked = _INT.check(number, "number")
        for index, line in enumerate(self.repair_lines):
            if line.number == checked:
                return index
        raise UnknownLineError("number", number, f"order {self.id!r} has no such repair line")

    def _with_repair_line(self, index: int, line: RepairLine) -> tuple[RepairLine, ...]:
        return (*self.repair_lines[:index], line, *self.repair_lines[index + 1 :])

    def _refuse_finished(self, line: RepairLine, what: str) -> None:
        """A Finished repair line never changes again but for its note (law R5)."""
        if line.finished:
            raise OrderRuleError(
                self.id,
                "repair_line.finished",
                f"repair line {line.number} is finished (at {line.finished_at}); it is "
                f"not {what}: only its note changes",
            )

    def add_repair_line(
        self,
        graph: StageGraph,
        taxonomy: FaultTaxonomy,
        *,
        relation_id: str,
        at: datetime,
        symptom_area_id: str | None = None,
        symptom_code_id: str | None = None,
        condition_id: str | None = None,
        diagnosis_area_id: str | None = None,
        diagnosis_code_id: str | None = None,
        resolution_id: str | None = None,
        stage_id: str | None = None,
        technician_id: str | None = None,
        description: str = "",
        note: str = "",
    ) -> tuple[ServiceOrder, Events]:
        """Add a repair line (one step of a repair) on an object relation of this order.

        The line is numbered one above the highest repair line number and created at
        ``at``. Its codes must be in ``taxonomy``, a code in its area. A line added in a
        Finished repair stage is finished at ``at`` (and frozen but for its note).

        Raises:
            StageRuleError: the order's stage does not allow modify.
            OrderRuleError: ``relation_id`` is not an object relation of this order
                (``relation.not_on_order``; the relation is named).
            UnknownCodeError: a code outside its area, or unknown (area and code named).
            TypeMismatchError, InvalidInputError, NaiveDatetimeError: a bad argument,
                named.
        """
        instant = self._dated(at)
        _TAXONOMY.check(taxonomy, "taxonomy")
        line = RepairLine(
            number=max((one.number for one in self.repair_lines), default=0) + 1,
            relation_id=relation_id,
            symptom_area_id=symptom_area_id,
            symptom_code_id=symptom_code_id,
            condition_id=condition_id,
            diagnosis_area_id=diagnosis_area_id,
            diagnosis_code_id=diagnosis_code_id,
            resolution_id=resolution_id,
            stage_id=stage_id,
            technician_id=technician_id,
            description=description,
            note=note,
            created_at=instant,
        )
        self._require(graph, Action.MODIFY)
        self.relation(line.relation_id)
        line.check_codes(taxonomy)
        if line.stage_id is not None and taxonomy.repair_stage(line.stage_id).finished:
            line = attrs.evolve(line, finished_at=instant)
        return self._next(instant, repair_lines=(*self.repair_lines, line)), (
            RepairLineAdded(entity_id=self.id, occurred_at=instant, line=line),
        )

    def change_repair_line(
        self,
        graph: StageGraph,
        taxonomy: FaultTaxonomy,
        number: int,
        *,
        at: datetime,
        **changes: Unpack[RepairLineChanges],
    ) -> tuple[ServiceOrder, Events]:
        """Change fields of repair line ``number``, e.g. ``resolution_id="replaced"``.

        Only the fields of :class:`~servicedomain.repairs.RepairLineChanges` change here
        (the stage has :meth:`move_repair_line`). A Finished line changes only its note
        (law R5). The same values again change nothing and return ``(self, ())``.

        Raises:
            StageRuleError: the order's stage does not allow modify.
            UnknownLineError: no repair line ``number``.
            OrderRuleError: the line is finished and a field other than its note would
                change (``repair_line.finished``), or the new relation is not the
                order's (``relation.not_on_order``).
            UnknownCodeError: a code outside its area, or unknown.
            InvalidInputError: no change given, or a field that does not change this
                way (named); a bad value.
        """
        instant = self._dated(at)
        _TAXONOMY.check(taxonomy, "taxonomy")
        if not changes:
            raise InvalidInputError("changes", changes, "name at least one field to change")
        for name, value in changes.items():
            if name not in _REPAIR_FIELDS:
                raise InvalidInputError(
                    name,
                    value,
                    "the number, stage and time stamps of a repair line do not change here",
                )
        self._require(graph, Action.MODIFY)
        index = self._repair_index(number)
        old = self.repair_lines[index]
        new = attrs.evolve(old, **changes)
        changed = tuple(name for name in _REPAIR_ORDER if getattr(old, name) != getattr(new, name))
        if not changed:
            return self, ()
        if changed != ("note",):
            self._refuse_finished(old, "changed")
        if "relation_id" in changed:
            self.relation(new.relation_id)
        new.check_codes(taxonomy)
        return self._next(instant, repair_lines=self._with_repair_line(index, new)), (
            RepairLineChanged(
                entity_id=self.id, occurred_at=instant, line=new, changed_fields=changed
            ),
        )

    def move_repair_line(
        self,
        graph: StageGraph,
        taxonomy: FaultTaxonomy,
        number: int,
        stage_id: str,
        *,
        at: datetime,
    ) -> tuple[ServiceOrder, Events]:
        """Move repair line ``number`` to repair stage ``stage_id``.

        Entering a Finished stage stamps the finish time ``at`` and freezes the line
        (only its note changes after); a stage that is not Finished never stamps one
        (law R5). The stage the line is in already changes nothing.

        Raises:
            StageRuleError: the order's stage does not allow modify.
            UnknownLineError: no repair line ``number``.
            OrderRuleError: the line is finished (``repair_line.finished``).
            UnknownCodeError: ``taxonomy`` defines no such repair stage.
        """
        instant = self._dated(at)
        _TAXONOMY.check(taxonomy, "taxonomy")
        self._require(graph, Action.MODIFY)
        index = self._repair_index(number)
        old = self.repair_lines[index]
        self._refuse_finished(old, "moved to another stage")
        stage = taxonomy.repair_stage(stage_id)
        if stage.id == old.stage_id:
            return self, ()
        new = attrs.evolve(old, stage_id=stage.id, finished_at=instant if stage.finished else None)
        return self._next(instant, repair_lines=self._with_repair_line(index, new)), (
            RepairLineStageChanged(entity_id=self.id, occurred_at=instant, line=new),
        )

    def delete_repair_line(
        self, graph: StageGraph, number: int, *, at: datetime
    ) -> tuple[ServiceOrder, Events]:
        """Delete repair line ``number``: the repair step is canceled.

        The order is then as it was before the line was added, but for its version
        and instant (law R6): its derived statuses are the same.

        Raises:
            StageRuleError: the order's stage does not allow modify (as for order lines).
            UnknownLineError: no repair line ``number``.
            OrderRuleError: the line is finished (``repair_line.finished``).
        """
        instant = self._dated(at)
        self._require(graph, Action.MODIFY)
        index = self._repair_index(number)
        line = self.repair_lines[index]
        self._refuse_finished(line, "deleted")
        kept = (*self.repair_lines[:index], *self.repair_lines[index + 1 :])
        return self._next(instant, repair_lines=kept), (
            RepairLineDeleted(entity_id=self.id, occurred_at=instant, line_number=line.number),
        )

    # ----------------------------------------------------------------- relations

    def relate_object(
        self, graph: StageGraph, relation: ServiceObjectRelation, *, at: datetime
    ) -> tuple[ServiceOrder, Events]:
        """Relate a service object to the order by ``relation``, so that lines may name it.

        An order's own relation has kind order and the order's id as its key (AX
        ``SMAServiceObjectRelation`` with ``RelTableId`` the order); its agreement's
        relations come with the order when it is generated. An object is related to an
        order once. Relating the same relation again changes nothing and returns
        ``(self, ())``.

        Raises:
            StageRuleError: the stage does not allow modify.
            OrderRuleError: another relation with the same id is already on the order
                (``object.conflict``), or the object is related by another relation
                (``object.related``).
            InvalidInputError: ``relation`` is not an order relation of this order
                (``"relation.kind"`` / ``"relation.key"``).
            TypeMismatchError: ``relation`` is not a ServiceObjectRelation.
        """
        instant = self._dated(at)
        _RELATION.check(relation, "relation")
        self._require(graph, Action.MODIFY)
        if relation in self.object_relations:
            return self, ()
        if relation.kind is not RelationKind.ORDER:
            raise InvalidInputError(
                "relation.kind", relation.kind, "an order's own relation has kind order"
            )
        if relation.key != self.id:
            raise InvalidInputError(
                "relation.key", relation.key, f"a relation of order {self.id!r} has its id"
            )
        related = _merge_related(self.id, "object", self.object_relations, (relation,))
        if related == self.object_relations:
            return self, ()
        holder = self.relation_of(relation.object_id)
        if holder is not None:
            raise OrderRuleError(
                self.id,
                "object.related",
                f"service object {relation.object_id!r} is related to the order by "
                f"relation {holder.id!r} already",
            )
        return self._next(instant, object_relations=related), (
            ServiceObjectRelated(entity_id=self.id, occurred_at=instant, relation=relation),
        )

    def relation(self, relation_id: str) -> ServiceObjectRelation:
        """The object relation ``relation_id`` of the order (its own or its agreement's).

        Raises:
            InvalidInputError: a blank id.
            OrderRuleError: the order has no relation of this id
                (``relation.not_on_order``).
        """
        wanted = is_id.check(relation_id, "relation_id")
        for relation in self.object_relations:
            if relation.id == wanted:
                return relation
        raise OrderRuleError(
            self.id,
            "relation.not_on_order",
            f"object relation {wanted!r} is not a relation of order {self.id!r}",
        )

    def relation_of(self, object_id: str) -> ServiceObjectRelation | None:
        """The relation that relates service object ``object_id`` to the order, or ``None``."""
        wanted = is_id.check(object_id, "object_id")
        return next((r for r in self.object_relations if r.object_id == wanted), None)

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
        _TASK.check(task, "task")
        self._require(graph, Action.MODIFY)
        related = _merge_related(self.id, "task", self.service_tasks, (task,))
        if related == self.service_tasks:
            return self, ()
        return self._next(instant, service_tasks=related), (
            ServiceTaskRelated(entity_id=self.id, occurred_at=instant, service_task=task),
        )

    # --------------------------------------------------------------------- stage

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
        _OPTIONAL_SLA.check(sla, "sla")
        _OPTIONAL_SLA_PARAMETERS.check(sla_parameters, "sla_parameters")
        _GRAPH.check(graph, "graph")
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

    # -------------------------------------------------------------------- cancel

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
        checked_reason = _REASON_OR_NONE.check(reason, "reason")
        is_bool.check(reason_required, "reason_required")
        is_str.check(note, "note")
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

    # -------------------------------------------------------------------- delete

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

    # ----------------------------------------------------------------------- SLA

    # The SLA time recording (AX *Start*/*Stop*/*Cancel* and the stage entries): every
    # entry reaches ``sla_log`` through _record_sla (by hand) or _sla_log_entering (a
    # stage change); both stop at a cancel (law S8: cancel is final), and the dated
    # operations refuse an instant before the last one recorded (law U2), so the log
    # stays in time order.

    def measure_sla(
        self, sla: ServiceLevelAgreement, *, now: datetime, target: SlaTarget = SlaTarget.RESOLUTION
    ) -> SlaMeasurement:
        """The order's SLA figures at ``now``: a fold over its SLA time recording.

        Changing the SLA or its calendar changes nothing stored: measuring again gives
        the new figures. The order's priority picks the SLA's per-priority targets. An
        order without an SLA is not measured: the result has status ``NOT_MEASURED``,
        state ``NOT_STARTED`` and zero elapsed time (never ``WITHIN``). A canceled SLA
        measures as canceled, with the time elapsed up to the cancel (law S8).

        Raises:
            InvalidInputError: ``sla`` is not the order's SLA (``field`` ``"sla"``; the
                message names both ids), or it defines no ``target`` target.
            TypeMismatchError: ``sla`` is not a ServiceLevelAgreement.
        """
        _SLA.check(sla, "sla")
        if self.sla_id is None:
            # an empty log: the arguments are checked and the allowance chosen as usual
            measured = measure(sla, (), now=now, target=target, priority=self.priority)
            return SlaMeasurement.not_measured(measured.allowance)
        if sla.id != self.sla_id:
            raise InvalidInputError(
                "sla",
                sla.id,
                f"order {self.id!r} is measured by SLA {self.sla_id!r}, not {sla.id!r}",
            )
        return measure(sla, self.sla_log, now=now, target=target, priority=self.priority)

    @property
    def sla_canceled(self) -> bool:
        """Whether the order's SLA was canceled: its clock records nothing more (S8)."""
        return any(entry.kind is SlaEntryKind.CANCEL for entry in self.sla_log)

    def start_sla(self, *, at: datetime) -> tuple[ServiceOrder, Events]:
        """Start (or resume) the SLA clock by hand (AX *Start*).

        Raises:
            OrderRuleError: the order has no SLA (``order.no_sla``).
            InvalidPauseError: the clock is already running, or the SLA was canceled.
            InstantOutOfOrderError: ``at`` is before the last instant recorded (U2).
        """
        return self._record_sla(SlaEntry.start(self._dated(at)))

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
            InvalidPauseError: the clock is not running ("pausing twice"), or the SLA
                was canceled (cancel is final, law S8).
            ReasonRequiredError: the SLA parameters require a reason.
            InstantOutOfOrderError: ``at`` is before the last instant recorded (U2).
        """
        instant = self._dated(at)
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
            InstantOutOfOrderError: ``at`` is before the last instant recorded (U2).
        """
        instant = self._dated(at)
        if sla_parameters is not None:
            _SLA_PARAMETERS.check(sla_parameters, "sla_parameters")
            if sla_parameters.reason_on_canceling and reason is None:
                raise ReasonRequiredError(self.id, "sla.reason_on_canceling", "canceling the SLA")
        return self._record_sla(SlaEntry.cancel(instant, reason))

    def _record_sla(self, entry: SlaEntry) -> tuple[ServiceOrder, Events]:
        """Append an entry recorded by hand; a canceled SLA refuses it (law S8)."""
        if self.sla_id is None:
            raise OrderRuleError(self.id, "order.no_sla", "the order has no SLA to record")
        if self.sla_canceled:
            raise InvalidPauseError(
                "kind",
                entry.kind.value,
                f"the SLA of order {self.id!r} was canceled; cancel is final, so nothing "
                "is recorded on its clock after it",
            )
        sla_log = (*self.sla_log, entry)
        clock_state(sla_log)  # refuses a log that makes no sense (InvalidPauseError)
        event = SlaTimeRecorded(
            entity_id=self.id,
            occurred_at=entry.at,
            kind=entry.kind.value,
            reason_code=None if entry.reason is None else entry.reason.code,
        )
        return self._next(entry.at, sla_log=sla_log), (event,)

    def _sla_records(self) -> bool:
        """Whether the order's SLA clock takes entries: it has an SLA, not canceled."""
        return self.sla_id is not None and bool(self.sla_log) and not self.sla_canceled

    def _sla_log_entering(
        self,
        stage_id: str,
        *,
        stops_clock: bool,
        at: datetime,
        reason: ReasonCode | None,
        sla: ServiceLevelAgreement | None,
        sla_parameters: SlaParameters | None,
    ) -> tuple[SlaEntry, ...]:
        """The SLA log once the order enters ``stage_id`` at ``at``.

        One stage entry more while the clock records; the log as it is for an order
        without an SLA or with a canceled one (law S8). Entering a stage that stops the
        clock consults the reason-code parameters first.
        """
        if not self._sla_records():
            return self.sla_log
        if stops_clock:
            self._require_sla_reason(sla, sla_parameters, "stage_stop", reason, at)
        entry = SlaEntry.stage(at, stage_id, stops_clock=stops_clock, reason=reason)
        return (*self.sla_log, entry)

    def _require_sla_reason(
        self,
        sla: ServiceLevelAgreement | None,
        parameters: SlaParameters | None,
        action: str,
        reason: ReasonCode | None,
        at: datetime,
    ) -> None:
        """Consult the SLA clock: refuse ``action`` without a reason when it is required.

        A canceled SLA is not consulted: it binds nothing more (law S8).
        """
        _OPTIONAL_SLA.check(sla, "sla")
        _OPTIONAL_SLA_PARAMETERS.check(parameters, "sla_parameters")
        _OPTIONAL_REASON.check(reason, "reason")
        if sla is None or parameters is None or not self._sla_records():
            return
        _SLA_PARAMETERS.check(parameters, "sla_parameters")
        measurement = self.measure_sla(sla, now=max(at, self.sla_log[-1].at))
        require_reason(parameters, measurement, action=action, reason=reason, entity_id=self.id)

    # ------------------------------------------------------------------ sign-off

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
        instant = self._dated(at)
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
            instant,
            lines=lines,
            signed_off=self.signed_off or header_now,
            signed_off_at=instant if header_now else self.signed_off_at,
        )
        return order, tuple(events)

    # ------------------------------------------------------------------- posting

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
        _RANGE.check(period, "period")
        selected = check_types(types)
        _BOOL.check(require_sign_off, "require_sign_off")
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
        instant = self._dated(at)
        if not isinstance(transaction_ids, Mapping):
            raise TypeMismatchError(
                "transaction_ids", transaction_ids, "expected a mapping of line number to id"
            )
        if not transaction_ids:
            return self, ()
        pairs: list[tuple[int, str]] = []
        for number, transaction_id in transaction_ids.items():
            field = f"transaction_ids[{number!r}]"
            is_line_number.check(number, field)
            pairs.append((number, is_id.check(transaction_id, field)))
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
        return self._next(instant, lines=tuple(lines)), (
            LinesPosted(entity_id=self.id, occurred_at=instant, transaction_ids=tuple(pairs)),
        )

    # --------------------------------------------------------- item requirements

    # AX *Item requirements*: a requirement goes on an open (Created) item line of an
    # order that has a project, while the stage allows modify. An order with item
    # requirements is neither canceled nor deleted, a line with one is neither removed,
    # canceled nor moved, and its type and item do not change, until the requirements
    # are removed. Refusals are ItemRequirementError naming the order, the line and the
    # requirement.

    @property
    def item_requirements(self) -> tuple[tuple[int, ItemRequirement], ...]:
        """Every item requirement of the order, as ``(line number, requirement)`` pairs."""
        return tuple(
            (line.number, requirement)
            for line in self.lines
            for requirement in line.item_requirements
        )

    def add_item_requirement(
        self, graph: StageGraph, number: int, requirement: ItemRequirement, *, at: datetime
    ) -> tuple[ServiceOrder, Events]:
        """Add an item requirement to item line ``number``.

        Raises:
            StageRuleError: the stage does not allow modify.
            UnknownLineError: no line ``number``.
            OrderRuleError: the line is posted (``line.posted``) or canceled
                (``line.canceled``).
            ItemRequirementError: the line is not an item line
                (``item_requirement.not_item_line``), the order has no project
                (``item_requirement.no_project``: requirements are processed through
                it), the requirement is for another item than the line's
                (``item_requirement.other_item``), or its id is already on the order
                (``item_requirement.duplicate``).
            TypeMismatchError: ``requirement`` is not an :class:`ItemRequirement`.
            InstantOutOfOrderError: ``at`` is before the last instant recorded (U2).
        """
        instant = self._dated(at)
        _REQUIREMENT.check(requirement, "requirement")
        self._require(graph, Action.MODIFY)
        index = self._index(number)
        line = self.lines[index]
        self._require_open(line)

        def refuse(rule: str, detail: str) -> ItemRequirementError:
            return ItemRequirementError(self.id, rule, line.number, requirement.id, detail)

        if line.transaction_type is not TransactionType.ITEM:
            raise refuse(
                "item_requirement.not_item_line",
                f"only an item line carries item requirements; this one is "
                f"{line.transaction_type.value}",
            )
        if self.project_id is None:
            raise refuse(
                "item_requirement.no_project",
                "item requirements are processed through the order's project; it has none",
            )
        if line.item_id is not None and requirement.item_id != line.item_id:
            raise refuse(
                "item_requirement.other_item",
                f"the requirement is for item {requirement.item_id!r}; the line is for "
                f"{line.item_id!r}",
            )
        for held, existing in self.item_requirements:
            if existing.id == requirement.id:
                raise refuse(
                    "item_requirement.duplicate",
                    f"the order already has this requirement id (on line {held})",
                )
        new = _with_requirements(line, (*line.item_requirements, requirement))
        event = ItemRequirementAdded(
            entity_id=self.id, occurred_at=instant, line_number=line.number, requirement=requirement
        )
        return self._next(instant, lines=self._with_line(index, new)), (event,)

    def remove_item_requirement(
        self, graph: StageGraph, number: int, requirement_id: str, *, at: datetime
    ) -> tuple[ServiceOrder, Events]:
        """Remove item requirement ``requirement_id`` from line ``number``.

        Raises:
            StageRuleError: the stage does not allow modify.
            UnknownLineError: no line ``number``.
            OrderRuleError: the line is posted (``line.posted``: it never changes).
            ItemRequirementError: the line has no such requirement
                (``item_requirement.unknown``).
            InvalidInputError: an empty ``requirement_id``.
            InstantOutOfOrderError: ``at`` is before the last instant recorded (U2).
        """
        instant = self._dated(at)
        wanted = is_id.check(requirement_id, "requirement_id")
        self._require(graph, Action.MODIFY)
        index = self._index(number)
        line = self.lines[index]
        kept = tuple(r for r in line.item_requirements if r.id != wanted)
        if len(kept) == len(line.item_requirements):
            held = ", ".join(repr(r.id) for r in line.item_requirements) or "none"
            raise ItemRequirementError(
                self.id,
                "item_requirement.unknown",
                line.number,
                wanted,
                f"the line has no such requirement (it has {held})",
            )
        self._require_open(line)
        lines = self._with_line(index, _with_requirements(line, kept))
        event = ItemRequirementRemoved(
            entity_id=self.id, occurred_at=instant, line_number=line.number, requirement_id=wanted
        )
        return self._next(instant, lines=lines), (event,)

    def _refuse_item_requirements(self, rule: str, what: str) -> None:
        """Refuse ``what`` (done to the whole order) while it has an item requirement."""
        requirements = self.item_requirements
        if requirements:
            number, requirement = requirements[0]
            raise ItemRequirementError(
                self.id,
                rule,
                number,
                requirement.id,
                f"an order with item requirements is not {what}; remove them first "
                f"({len(requirements)} on the order)",
            )


# The compiled builders of ServiceOrder.generated (validating in checked mode).
_build_order: Final = builder(ServiceOrder)
_build_created: Final = builder(ServiceOrderCreated)


@functools.lru_cache(maxsize=256)
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


def refuse_line_with_requirements(order_id: str, line: ServiceOrderLine, what: str) -> None:
    """Refuse ``what`` (done to ``line``) while the line carries an item requirement.

    Raises:
        ItemRequirementError: rule ``line.has_item_requirements``.
    """
    if line.item_requirements:
        raise ItemRequirementError(
            order_id,
            "line.has_item_requirements",
            line.number,
            line.item_requirements[0].id,
            f"a line with item requirements is not {what}; remove them first",
        )


def _with_requirements(
    line: ServiceOrderLine, requirements: tuple[ItemRequirement, ...]
) -> ServiceOrderLine:
    return attrs.evolve(line, item_requirements=requirements)
