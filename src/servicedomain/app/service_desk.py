"""The service desk: every service-side use case, configured once, one typed method each.

A :class:`ServiceDesk` is built once with the ports (a factory of units of work, the
clock, the journals) and the configuration (the stage graph, the SLAs and their
parameters, the closed days and zone of order generation). Each method is one unit of
work: it loads through the repositories, decides in the domain, saves with the version
it loaded (a concurrent change raises
:class:`~servicedomain.errors.ConcurrencyConflictError` and nothing is saved), collects
the events and commits; the events reach the unit of work's publisher only once
committed. A method that changes nothing (relating an object already related, say)
commits nothing and returns the snapshot as it is.

>>> from datetime import UTC, datetime
>>> from servicedomain.adapters.clocks import FixedClock
>>> from servicedomain.adapters.memory import InMemoryServiceUnitOfWork, InMemoryStore
>>> from servicedomain.stages import EXAMPLE_STAGE_GRAPH
>>> store = InMemoryStore()
>>> desk = ServiceDesk(
...     unit_of_work=lambda: InMemoryServiceUnitOfWork(store),
...     clock=FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
...     graph=EXAMPLE_STAGE_GRAPH,
... )
>>> desk.create_order(order_id="SO-1", customer_id="C-100", description="Boiler").version
1
>>> desk.change_stage("SO-1", "PLANNED").stage_id
'PLANNED'
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime
from typing import Any, Final, TypeVar, Unpack
from zoneinfo import ZoneInfo

import attrs

from servicedomain._checks import (
    deep_iterable,
    deep_mapping,
    instance_of,
    is_bool,
    is_callable,
    is_id,
    is_ids,
    is_optional_id,
    items,
    optional,
    port,
)
from servicedomain.agreements import (
    AgreementGroup,
    AgreementLineChanges,
    Generation,
    GroupBy,
    NewAgreementLine,
    ServiceAgreement,
    ServiceTemplate,
    generate_service_orders,
)
from servicedomain.app._relations import cache_where_stored
from servicedomain.app._unit import begin, change_stored
from servicedomain.calendars import ClosedDays
from servicedomain.errors import InvalidInputError, OrderRuleError
from servicedomain.events import DomainEvent
from servicedomain.instants import named_zone, require_instant
from servicedomain.money import Money
from servicedomain.orders import (
    ItemRequirement,
    JournalEntry,
    LineChanges,
    MovedLines,
    NewLine,
    Priority,
    ServiceOrder,
    ServiceTask,
    TransactionType,
    move_lines,
)
from servicedomain.periods import DateRange
from servicedomain.ports import AgreementUnitOfWork, Clock, Journal
from servicedomain.repairs import FaultTaxonomy, RepairLineChanges, ServiceObjectRelation
from servicedomain.sla import (
    ServiceLevelAgreement,
    SlaMeasurement,
    SlaParameters,
    SlaTarget,
    effective_sla_id,
)
from servicedomain.stages import Action, ReasonCode, StageGraph

__all__ = ["PostingResult", "ServiceDesk"]

_Snapshot = TypeVar("_Snapshot", ServiceOrder, ServiceAgreement)
_Decision = Callable[[_Snapshot, datetime], tuple[_Snapshot, tuple[DomainEvent, ...]]]
_Document = ServiceOrder | ServiceAgreement

_CLOCK: Final = port("now")
_JOURNAL: Final = port("post")
_CLOSED_DAYS: Final = port("is_closed")
_GRAPH: Final = instance_of(StageGraph)
_TAXONOMY: Final = optional(instance_of(FaultTaxonomy))
_SLAS: Final = deep_mapping(instance_of(str), instance_of(ServiceLevelAgreement))
_SLA_PARAMETERS: Final = optional(instance_of(SlaParameters))
_JOURNAL_KINDS: Final = deep_mapping(instance_of(TransactionType))
_DATE_RANGE: Final = instance_of(DateRange)
_TYPES: Final = items("TransactionType members")
_TEMPLATE: Final = instance_of(ServiceTemplate)
_TUPLES: Final = deep_iterable(instance_of(tuple))


@attrs.frozen
class PostingResult:
    """What a posting run did.

    Attributes:
        posted: (order id, line number, journal transaction id) of every posted line.
        skipped: (order id, line number, why) of every line left unposted.
        refused: (order id, why) of every order whose stage does not allow posting.
    """

    posted: tuple[tuple[str, int, str], ...] = attrs.field(default=(), validator=_TUPLES)
    skipped: tuple[tuple[str, int, str], ...] = attrs.field(default=(), validator=_TUPLES)
    refused: tuple[tuple[str, str], ...] = attrs.field(default=(), validator=_TUPLES)


def _new_relations(at: datetime) -> Callable[[Any, _Document, _Document], object]:
    """What a document change also writes: its new relations, cached on their objects."""

    def cache(uow: Any, before: _Document, after: _Document) -> object:
        new = tuple(r for r in after.object_relations if r not in before.object_relations)
        return cache_where_stored(uow, new, at=at)

    return cache


class ServiceDesk:
    """The service-side use cases of service orders and agreements (AX Service management).

    Args:
        unit_of_work: makes the unit of work of each use case (over service orders and
            agreements); called once per unit of work. A factory returning the same
            unit of work each time is fine: a unit of work can be entered again.
        clock: the source of every instant the use cases record.
        graph: the stage graph; it decides what each stage allows.
        slas: the SLAs by id; an order's SLA is looked up here when it changes stage,
            is signed off, stops its SLA clock or is measured.
        sla_parameters: the SLA parameters (AX *Reason code on exceeding time*, *on
            canceling*); none: no reason is required by the SLA.
        journals: the journal of each transaction type that orders post to.
        closed_days: the closed days order generation flags conflicts on.
        zone: the zone of the agreement lines' preferred service times.
        taxonomy: the fault taxonomy repair lines are checked against (their symptom,
            condition, diagnosis and resolution codes and their repair stages); a desk
            without one records no repair lines.

    Raises:
        TypeMismatchError: an argument of the wrong type (named).
        InvalidTimezoneError: ``zone`` is not a named IANA zone.
    """

    def __init__(
        self,
        *,
        unit_of_work: Callable[[], AgreementUnitOfWork],
        clock: Clock,
        graph: StageGraph,
        slas: Mapping[str, ServiceLevelAgreement] | None = None,
        sla_parameters: SlaParameters | None = None,
        journals: Mapping[TransactionType, Journal[JournalEntry]] | None = None,
        closed_days: ClosedDays | None = None,
        zone: ZoneInfo | str | None = None,
        taxonomy: FaultTaxonomy | None = None,
    ) -> None:
        is_callable.check(unit_of_work, "unit_of_work")
        self._unit_of_work = unit_of_work
        _CLOCK.check(clock, "clock")
        _GRAPH.check(graph, "graph")
        if slas is not None:
            _SLAS.check(slas, "slas")
        _SLA_PARAMETERS.check(sla_parameters, "sla_parameters")
        if journals is not None:
            _JOURNAL_KINDS.check(journals, "journals")
            for kind, journal in journals.items():
                _JOURNAL.check(journal, f"journals[{kind.value}]")
        if closed_days is not None:
            _CLOSED_DAYS.check(closed_days, "closed_days")
        self._clock = clock
        self._graph = graph
        self._slas: dict[str, ServiceLevelAgreement] = dict(slas or {})
        self._sla_parameters = sla_parameters
        self._journals: dict[TransactionType, Journal[JournalEntry]] = dict(journals or {})
        self._closed_days = closed_days
        self._zone = None if zone is None else named_zone(zone)
        self._taxonomy = _TAXONOMY.check(taxonomy, "taxonomy")

    # ---------------------------------------------------------------- plumbing

    def _begin(self) -> AgreementUnitOfWork:
        return begin(self._unit_of_work, "unit_of_work()")

    def _sla_of(self, order: ServiceOrder) -> ServiceLevelAgreement | None:
        return None if order.sla_id is None else self._slas.get(order.sla_id)

    def _change_order(self, order_id: str, decide: _Decision[ServiceOrder]) -> ServiceOrder:
        """One unit of work: load the order, decide, save it if anything changed, commit."""
        is_id.check(order_id, "order_id")

        at = self._clock.now()

        def decided(order: ServiceOrder) -> tuple[ServiceOrder, tuple[DomainEvent, ...]]:
            return decide(order, at)

        return change_stored(
            self._begin(), lambda uow: uow.service_orders, order_id, decided, _new_relations(at)
        )

    def _change_agreement(
        self, agreement_id: str, decide: _Decision[ServiceAgreement]
    ) -> ServiceAgreement:
        """One unit of work: load the agreement, decide, save it if it changed, commit."""
        is_id.check(agreement_id, "agreement_id")
        at = self._clock.now()

        def decided(
            agreement: ServiceAgreement,
        ) -> tuple[ServiceAgreement, tuple[DomainEvent, ...]]:
            return decide(agreement, at)

        return change_stored(
            self._begin(), lambda uow: uow.agreements, agreement_id, decided, _new_relations(at)
        )

    # ------------------------------------------------------------------- reads

    def order(self, order_id: str) -> ServiceOrder:
        """The stored order ``order_id``.

        Raises:
            NotFoundError: no order with this id.
        """
        is_id.check(order_id, "order_id")
        uow = self._begin()
        with uow:
            return uow.service_orders.get(order_id)

    def agreement(self, agreement_id: str) -> ServiceAgreement:
        """The stored agreement ``agreement_id``.

        Raises:
            NotFoundError: no agreement with this id.
        """
        is_id.check(agreement_id, "agreement_id")
        uow = self._begin()
        with uow:
            return uow.agreements.get(agreement_id)

    def measure_sla(
        self,
        order_id: str,
        *,
        now: datetime | None = None,
        target: SlaTarget = SlaTarget.RESOLUTION,
    ) -> SlaMeasurement:
        """The SLA figures of order ``order_id`` at ``now`` (default: the clock's now).

        Raises:
            NotFoundError: no order with this id.
            OrderRuleError: the order has no SLA (``order.no_sla``).
            InvalidInputError: the order's SLA is not among the configured ``slas``.
        """
        at = self._clock.now() if now is None else require_instant(now, "now")
        order = self.order(order_id)
        if order.sla_id is None:
            raise OrderRuleError(order.id, "order.no_sla", "the order has no SLA to measure")
        sla = self._slas.get(order.sla_id)
        if sla is None:
            raise InvalidInputError("slas", order.sla_id, "the order's SLA is not configured")
        return order.measure_sla(sla, now=at, target=target)

    # ------------------------------------------------------------ order header

    def create_order(
        self,
        *,
        order_id: str,
        customer_id: str,
        description: str = "",
        agreement_id: str | None = None,
        project_id: str | None = None,
        preferred_service_at: datetime | None = None,
        responsible_worker_id: str | None = None,
        preferred_technician_id: str | None = None,
        priority: Priority = Priority.NORMAL,
        service_address: str | None = None,
        sla_id: str | None = None,
        object_relations: tuple[ServiceObjectRelation, ...] = (),
        service_tasks: tuple[ServiceTask, ...] = (),
        lines: Iterable[NewLine] = (),
    ) -> ServiceOrder:
        """Create an order by hand in the graph's root stage, and store it.

        An order created by hand on an agreement is measured: unless ``sla_id`` is
        given, it gets the agreement's SLA, or else the agreement group's default (AX),
        and its SLA clock starts now. It carries the agreement's object relations
        (an agreement relation serves every order of the agreement), before its own
        ``object_relations``. Each relation is written into its stored object's
        ``relations`` in the same unit of work, as :meth:`relate_object` says.

        Raises:
            AlreadyExistsError: an order with this id exists.
            NotFoundError: ``agreement_id`` names no stored agreement.
            InvalidInputError, TypeMismatchError: a field, as ``ServiceOrder.create`` says.
        """
        is_id.check(order_id, "order_id")
        is_id.check(customer_id, "customer_id")
        is_optional_id.check(agreement_id, "agreement_id")
        uow = self._begin()
        with uow:
            relations = object_relations
            if agreement_id is not None:
                agreements = getattr(uow, "agreements", None)
                if agreements is None:
                    raise InvalidInputError(
                        "uow", uow, "an order on an agreement needs a unit of work with agreements"
                    )
                agreement = agreements.get(agreement_id)
                if sla_id is None:
                    sla_id = effective_sla_id(
                        agreement_sla_id=agreement.sla_id,
                        group_default_sla_id=agreement.group.default_sla_id,
                        generated=False,
                    )
                given: object = object_relations
                if isinstance(given, tuple):  # else ServiceOrder.create names the bad value
                    carried = agreement.object_relations
                    relations = (*carried, *(r for r in object_relations if r not in carried))
            at = self._clock.now()
            order, events = ServiceOrder.create(
                self._graph,
                id=order_id,
                customer_id=customer_id,
                at=at,
                description=description,
                agreement_id=agreement_id,
                project_id=project_id,
                preferred_service_at=preferred_service_at,
                responsible_worker_id=responsible_worker_id,
                preferred_technician_id=preferred_technician_id,
                priority=priority,
                service_address=service_address,
                sla_id=sla_id,
                object_relations=relations,
                service_tasks=service_tasks,
                lines=lines,
            )
            uow.service_orders.add(order)
            uow.collect(events)
            cache_where_stored(uow, order.object_relations, at=at)
            uow.commit()
        return order

    def change_stage(
        self, order_id: str, to: str, *, reason: ReasonCode | None = None, note: str = ""
    ) -> ServiceOrder:
        """Move the order to stage ``to`` (a child or the parent of its stage).

        The order's configured SLA and the SLA parameters decide whether entering a
        stage that stops the SLA clock late needs ``reason``.

        Raises:
            NotFoundError: no order with this id.
            TransitionNotAllowedError: the graph declares no such move.
            ReasonRequiredError: the stage or the SLA parameters require a reason.
            ConcurrencyConflictError: the order changed since it was loaded.
        """
        return self._change_order(
            order_id,
            lambda order, at: order.change_stage(
                self._graph,
                to,
                at=at,
                reason=reason,
                note=note,
                sla=self._sla_of(order),
                sla_parameters=self._sla_parameters,
            ),
        )

    def sign_off(
        self,
        order_id: str,
        *,
        numbers: Collection[int] | None = None,
        reason: ReasonCode | None = None,
    ) -> ServiceOrder:
        """Sign off lines (default: every Created line), and the order once all are.

        An exceeded SLA needs ``reason`` when the SLA parameters say so.

        Raises:
            NotFoundError: no order with this id.
            UnknownLineError, OrderRuleError: as ``ServiceOrder.sign_off`` says.
            ReasonRequiredError: the SLA parameters require a reason.
            ConcurrencyConflictError: the order changed since it was loaded.
        """
        return self._change_order(
            order_id,
            lambda order, at: order.sign_off(
                at=at,
                numbers=numbers,
                reason=reason,
                sla=self._sla_of(order),
                sla_parameters=self._sla_parameters,
            ),
        )

    def cancel_order(
        self,
        order_id: str,
        *,
        reason: ReasonCode | None = None,
        note: str = "",
        reason_required: bool = False,
    ) -> ServiceOrder:
        """Cancel the order: every Created line becomes Canceled (revocable).

        Raises:
            StageRuleError, OrderRuleError, ItemRequirementError, ReasonRequiredError:
                as ``ServiceOrder.cancel`` says.
        """
        return self._change_order(
            order_id,
            lambda order, at: order.cancel(
                self._graph, at=at, reason=reason, note=note, reason_required=reason_required
            ),
        )

    def revoke_cancel(self, order_id: str) -> ServiceOrder:
        """Revoke a cancellation: every Canceled line is Created again.

        Raises:
            StageRuleError, OrderRuleError: as ``ServiceOrder.revoke_cancel`` says.
        """
        return self._change_order(
            order_id, lambda order, at: order.revoke_cancel(self._graph, at=at)
        )

    def delete_order(self, order_id: str) -> None:
        """Delete the order (its stage must allow it; no line may be posted).

        Raises:
            NotFoundError: no order with this id.
            StageRuleError, OrderRuleError, ItemRequirementError: as
                ``ServiceOrder.delete`` says.
            ConcurrencyConflictError: the order changed since it was loaded.
        """
        is_id.check(order_id, "order_id")
        uow = self._begin()
        with uow:
            order = uow.service_orders.get(order_id)
            events = order.delete(self._graph, at=self._clock.now())
            uow.service_orders.remove(order_id, expected_version=order.version)
            uow.collect(events)
            uow.commit()

    # ------------------------------------------------------------------- lines

    def add_line(self, order_id: str, new_line: NewLine) -> ServiceOrder:
        """Record work on the order: hours, an expense, an item or a fee, as a new line.

        Raises:
            StageRuleError, OrderRuleError: as ``ServiceOrder.add_line`` says.
        """
        return self._change_order(
            order_id, lambda order, at: order.add_line(self._graph, new_line, at=at)
        )

    def change_line(
        self, order_id: str, number: int, **changes: Unpack[LineChanges]
    ) -> ServiceOrder:
        """Change descriptive fields of a Created line, e.g. ``quantity=Decimal("2")``.

        Raises:
            InvalidInputError: no change, or a field that may not change (named).
            StageRuleError, UnknownLineError, OrderRuleError: as
                ``ServiceOrder.change_line`` says.
        """
        return self._change_order(
            order_id,
            lambda order, at: order.change_line(self._graph, number, at=at, **changes),
        )

    def remove_line(self, order_id: str, number: int) -> ServiceOrder:
        """Remove a Created line.

        Raises:
            StageRuleError, UnknownLineError, OrderRuleError, ItemRequirementError: as
                ``ServiceOrder.remove_line`` says.
        """
        return self._change_order(
            order_id, lambda order, at: order.remove_line(self._graph, number, at=at)
        )

    def cancel_line(self, order_id: str, number: int) -> ServiceOrder:
        """Cancel one Created line (AX *Cancel order line*)."""
        return self._change_order(
            order_id, lambda order, at: order.cancel_line(self._graph, number, at=at)
        )

    def revoke_line_cancel(self, order_id: str, number: int) -> ServiceOrder:
        """Bring one Canceled line back to Created."""
        return self._change_order(
            order_id, lambda order, at: order.revoke_line_cancel(self._graph, number, at=at)
        )

    def relate_object(self, order_id: str, relation: ServiceObjectRelation) -> ServiceOrder:
        """Relate a service object to the order by an order ``relation`` (its lines may name it).

        The order owns the relation. Where the unit of work stores service objects
        (``service_objects``, as the memory and SQL units of work do) and holds the
        object, the same unit of work writes the relation into the object's
        ``relations``, their cache (all or nothing), as every change of this desk that
        gives a document new relations does. A host without repair storage, or an
        object not stored, leaves the order the only holder.

        Raises:
            NotFoundError: no order with this id.
            StageRuleError, OrderRuleError, InvalidInputError, TypeMismatchError: as
                ``ServiceOrder.relate_object`` says.
            RepairRuleError: the stored object has another relation of this id
                (``relation.conflict``), or another object has one
                (``relation.id_taken``).
        """
        return self._change_order(
            order_id, lambda order, at: order.relate_object(self._graph, relation, at=at)
        )

    # ------------------------------------------------------------- repair lines

    def _repairs(self) -> FaultTaxonomy:
        """The desk's fault taxonomy; a desk without one records no repair lines."""
        if self._taxonomy is None:
            raise InvalidInputError(
                "taxonomy", None, "a desk that records repair lines is given a fault taxonomy"
            )
        return self._taxonomy

    def add_repair_line(
        self,
        order_id: str,
        *,
        relation_id: str,
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
    ) -> ServiceOrder:
        """Add a repair line (a step of the repair) on object relation ``relation_id``.

        The line is created now (the clock's instant); a Finished ``stage_id`` finishes
        it at once. One unit of work.

        Raises:
            NotFoundError: no order with this id.
            InvalidInputError: the desk has no fault taxonomy; a bad argument.
            OrderRuleError, UnknownCodeError, StageRuleError: as
                ``ServiceOrder.add_repair_line`` says.
        """
        taxonomy = self._repairs()
        return self._change_order(
            order_id,
            lambda order, at: order.add_repair_line(
                self._graph,
                taxonomy,
                relation_id=relation_id,
                at=at,
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
            ),
        )

    def change_repair_line(
        self, order_id: str, number: int, **changes: Unpack[RepairLineChanges]
    ) -> ServiceOrder:
        """Change fields of repair line ``number``; a Finished one changes only its note.

        Raises:
            NotFoundError: no order with this id.
            UnknownLineError, OrderRuleError, UnknownCodeError, StageRuleError,
                InvalidInputError: as ``ServiceOrder.change_repair_line`` says.
        """
        taxonomy = self._repairs()
        return self._change_order(
            order_id,
            lambda order, at: order.change_repair_line(
                self._graph, taxonomy, number, at=at, **changes
            ),
        )

    def move_repair_line(self, order_id: str, number: int, stage_id: str) -> ServiceOrder:
        """Move repair line ``number`` to repair stage ``stage_id``.

        A Finished stage stamps the finish time (now) and freezes the line.

        Raises:
            NotFoundError: no order with this id.
            UnknownLineError, OrderRuleError, UnknownCodeError, StageRuleError: as
                ``ServiceOrder.move_repair_line`` says.
        """
        taxonomy = self._repairs()
        return self._change_order(
            order_id,
            lambda order, at: order.move_repair_line(
                self._graph, taxonomy, number, stage_id, at=at
            ),
        )

    def delete_repair_line(self, order_id: str, number: int) -> ServiceOrder:
        """Delete repair line ``number`` (cancel a repair step that is not finished).

        Raises:
            NotFoundError: no order with this id.
            UnknownLineError, OrderRuleError, StageRuleError: as
                ``ServiceOrder.delete_repair_line`` says.
        """
        return self._change_order(
            order_id, lambda order, at: order.delete_repair_line(self._graph, number, at=at)
        )

    def relate_task(self, order_id: str, task: ServiceTask) -> ServiceOrder:
        """Relate a service task to the order, so that its lines may reference it."""
        return self._change_order(
            order_id, lambda order, at: order.relate_task(self._graph, task, at=at)
        )

    def add_item_requirement(
        self, order_id: str, number: int, requirement: ItemRequirement
    ) -> ServiceOrder:
        """Add an item requirement to item line ``number``.

        Raises:
            ItemRequirementError, OrderRuleError, StageRuleError: as
                ``ServiceOrder.add_item_requirement`` says.
        """
        return self._change_order(
            order_id,
            lambda order, at: order.add_item_requirement(self._graph, number, requirement, at=at),
        )

    def remove_item_requirement(
        self, order_id: str, number: int, requirement_id: str
    ) -> ServiceOrder:
        """Remove item requirement ``requirement_id`` from line ``number``."""
        return self._change_order(
            order_id,
            lambda order, at: order.remove_item_requirement(
                self._graph, number, requirement_id, at=at
            ),
        )

    def move_lines(
        self,
        source_id: str,
        target_id: str,
        numbers: Collection[int],
        *,
        drop_empty_source: bool = False,
    ) -> MovedLines:
        """Move Created lines between two orders of one agreement, in one unit of work.

        With ``drop_empty_source`` a source left without lines is deleted.

        Raises:
            NotFoundError: an order id is unknown.
            OrderRuleError, StageRuleError, UnknownLineError: as
                :func:`~servicedomain.orders.move_lines` says.
            ConcurrencyConflictError: an order changed since it was loaded.
        """
        is_id.check(source_id, "source_id")
        is_id.check(target_id, "target_id")
        uow = self._begin()
        with uow:
            source = uow.service_orders.get(source_id)
            target = uow.service_orders.get(target_id)
            moved = move_lines(
                self._graph,
                source,
                target,
                numbers,
                at=self._clock.now(),
                drop_empty_source=drop_empty_source,
            )
            uow.service_orders.save(moved.target, expected_version=target.version)
            if moved.source is None:
                uow.service_orders.remove(source_id, expected_version=source.version)
            else:
                uow.service_orders.save(moved.source, expected_version=source.version)
            uow.collect(moved.events)
            uow.commit()
        return moved

    # --------------------------------------------------------------------- SLA

    def start_sla(self, order_id: str) -> ServiceOrder:
        """Start (or resume) the order's SLA clock by hand (AX *Start*)."""
        return self._change_order(order_id, lambda order, at: order.start_sla(at=at))

    def stop_sla(self, order_id: str, *, reason: ReasonCode | None = None) -> ServiceOrder:
        """Stop the order's SLA clock by hand (AX *Stop*); late, it may need a reason."""
        return self._change_order(
            order_id,
            lambda order, at: order.stop_sla(
                at=at, reason=reason, sla=self._sla_of(order), sla_parameters=self._sla_parameters
            ),
        )

    def cancel_sla(self, order_id: str, *, reason: ReasonCode | None = None) -> ServiceOrder:
        """Cancel the order's SLA (AX *Cancel*): its clock records nothing more (law S8)."""
        return self._change_order(
            order_id,
            lambda order, at: order.cancel_sla(
                at=at, reason=reason, sla_parameters=self._sla_parameters
            ),
        )

    # ----------------------------------------------------------------- posting

    def post_orders(
        self,
        *,
        order_ids: Iterable[str],
        period: DateRange,
        types: Collection[TransactionType],
        require_sign_off: bool = True,
    ) -> PostingResult:
        """Post the lines of many orders, each order in its own unit of work.

        Each order's selected lines go to the journal of their type, enlisted in the
        order's unit of work, and the order is saved with the lines Posted and linked
        to the reserved transaction ids: the entries are recorded only if that unit of
        work commits (law U1). An order whose stage does not allow posting is reported
        in :attr:`PostingResult.refused` and the run goes on. Posting again posts
        nothing; a failed run can simply be repeated.

        Raises:
            InvalidInputError: a selected type has no journal (field ``journals``).
            NotFoundError: an order id is unknown (the orders before it stay posted).
            ConcurrencyConflictError: an order changed while it was being posted;
                nothing of that order is saved or recorded.
        """
        order_ids = is_ids.check(order_ids, "order_ids")
        _DATE_RANGE.check(period, "period")
        types = _TYPES.check(types, "types")
        is_bool.check(require_sign_off, "require_sign_off")
        journals = self._journals
        missing = [kind.value for kind in types if kind not in journals]
        if missing:
            raise InvalidInputError("journals", sorted(missing), "no journal for these types")
        posted: list[tuple[str, int, str]] = []
        skipped: list[tuple[str, int, str]] = []
        refused: list[tuple[str, str]] = []
        graph = self._graph
        for order_id in order_ids:
            uow = self._begin()
            with uow:
                order = uow.service_orders.get(order_id)
                decision = graph.decision(order.stage_id)
                if not decision.allows(Action.POST):
                    refused.append((order_id, decision.why_not(Action.POST) or "posting refused"))
                    continue
                plan = order.plan_posting(
                    graph, period=period, types=types, require_sign_off=require_sign_off
                )
                skipped.extend((order_id, number, str(why)) for number, why in plan.skipped)
                transaction_ids: dict[int, str] = {}
                for kind, entries in plan.by_type().items():
                    ids = uow.enlist(journals[kind]).post(entries)
                    transaction_ids.update(
                        (entry.line_number, transaction_id)
                        for entry, transaction_id in zip(entries, ids, strict=True)
                    )
                if not transaction_ids:
                    continue
                changed, events = order.mark_posted(transaction_ids, at=self._clock.now())
                uow.service_orders.save(changed, expected_version=order.version)
                uow.collect(events)
                uow.commit()
                posted.extend(
                    (order_id, number, transaction_id)
                    for number, transaction_id in sorted(transaction_ids.items())
                )
        return PostingResult(tuple(posted), tuple(skipped), tuple(refused))

    # -------------------------------------------------------------- agreements

    def create_agreement(
        self,
        *,
        agreement_id: str,
        customer_id: str,
        group: AgreementGroup,
        start_date: date,
        description: str = "",
        project_id: str | None = None,
        end_date: date | None = None,
        sla_id: str | None = None,
        suspended: bool = False,
        group_by: GroupBy = GroupBy.AGREEMENT,
        responsible_worker_id: str | None = None,
        preferred_technician_id: str | None = None,
        hour_cost_price: Money | None = None,
        expense_cost_price: Money | None = None,
        fee_sales_price: Money | None = None,
        object_relations: tuple[ServiceObjectRelation, ...] = (),
        service_tasks: tuple[ServiceTask, ...] = (),
        lines: Iterable[NewAgreementLine] = (),
        template_group_id: str | None = None,
    ) -> ServiceAgreement:
        """Create and store an agreement (version 1); its lines are numbered 1, 2, ...

        ``end_date`` is the agreement's last day (inclusive), or None (open-ended).

        Raises:
            AlreadyExistsError: an agreement with this id exists.
            InvalidInputError, TypeMismatchError, InvalidPriceError: a field, as
                ``ServiceAgreement.create`` says.
        """
        is_id.check(agreement_id, "agreement_id")
        uow = self._begin()
        with uow:
            agreement, events = ServiceAgreement.create(
                id=agreement_id,
                customer_id=customer_id,
                group=group,
                start_date=start_date,
                at=self._clock.now(),
                description=description,
                project_id=project_id,
                end_date=end_date,
                sla_id=sla_id,
                suspended=suspended,
                group_by=group_by,
                responsible_worker_id=responsible_worker_id,
                preferred_technician_id=preferred_technician_id,
                hour_cost_price=hour_cost_price,
                expense_cost_price=expense_cost_price,
                fee_sales_price=fee_sales_price,
                object_relations=object_relations,
                service_tasks=service_tasks,
                lines=lines,
                template_group_id=template_group_id,
            )
            uow.agreements.add(agreement)
            uow.collect(events)
            cache_where_stored(uow, agreement.object_relations, at=self._clock.now())
            uow.commit()
        return agreement

    def add_agreement_line(self, agreement_id: str, new_line: NewAgreementLine) -> ServiceAgreement:
        """Add a line to the agreement; a missing price takes the agreement's default."""
        return self._change_agreement(
            agreement_id, lambda agreement, at: agreement.add_line(new_line, at=at)
        )

    def change_agreement_line(
        self, agreement_id: str, number: int, **changes: Unpack[AgreementLineChanges]
    ) -> ServiceAgreement:
        """Change fields of an agreement line; orders generated before keep theirs.

        Raises:
            InvalidInputError: no change, or a field that may not change (named).
            UnknownLineError: no line ``number``.
        """
        return self._change_agreement(
            agreement_id, lambda agreement, at: agreement.change_line(number, at=at, **changes)
        )

    def stop_agreement_line(self, agreement_id: str, number: int) -> ServiceAgreement:
        """Stop an agreement line: it generates no orders and is never copied."""
        return self._change_agreement(
            agreement_id, lambda agreement, at: agreement.stop_line(number, at=at)
        )

    def restart_agreement_line(self, agreement_id: str, number: int) -> ServiceAgreement:
        """Restart a stopped agreement line: it generates orders again."""
        return self._change_agreement(
            agreement_id, lambda agreement, at: agreement.restart_line(number, at=at)
        )

    def suspend_agreement(self, agreement_id: str) -> ServiceAgreement:
        """Suspend the agreement: it generates no orders, whatever its lines say."""
        return self._change_agreement(agreement_id, lambda agreement, at: agreement.suspend(at=at))

    def resume_agreement(self, agreement_id: str) -> ServiceAgreement:
        """Resume a suspended agreement."""
        return self._change_agreement(agreement_id, lambda agreement, at: agreement.resume(at=at))

    def relate_agreement_object(
        self, agreement_id: str, relation: ServiceObjectRelation
    ) -> ServiceAgreement:
        """Relate a service object to the agreement by an agreement ``relation``.

        Its lines, and the orders generated from it, may name the object. The agreement
        owns the relation; a stored object caches it in the same unit of work, as
        :meth:`relate_object` says.
        """
        return self._change_agreement(
            agreement_id, lambda agreement, at: agreement.relate_object(relation, at=at)
        )

    def relate_agreement_task(self, agreement_id: str, task: ServiceTask) -> ServiceAgreement:
        """Relate a service task to the agreement (its lines and orders may use it)."""
        return self._change_agreement(
            agreement_id, lambda agreement, at: agreement.relate_task(task, at=at)
        )

    def copy_template_lines(self, agreement_id: str, source: ServiceTemplate) -> ServiceAgreement:
        """Copy the lines of a service template (not stopped) into the agreement.

        The objects and tasks the copied lines reference are related as well.

        Raises:
            TypeMismatchError: ``source`` is not a ServiceTemplate.
            AgreementRuleError: as ``ServiceAgreement.copy_lines_from`` says.
        """
        _TEMPLATE.check(source, "source")
        return self._change_agreement(
            agreement_id, lambda agreement, at: agreement.copy_lines_from(source, at=at)
        )

    def copy_agreement_lines(
        self, agreement_id: str, source_id: str, *, with_relations: bool = True
    ) -> ServiceAgreement:
        """Copy the lines (not stopped) of stored agreement ``source_id`` into the agreement.

        Raises:
            NotFoundError: an agreement id is unknown.
            AgreementRuleError: as ``ServiceAgreement.copy_lines_from`` says.
        """
        is_id.check(source_id, "source_id")
        is_bool.check(with_relations, "with_relations")
        is_id.check(agreement_id, "agreement_id")
        uow = self._begin()
        with uow:
            agreement = uow.agreements.get(agreement_id)
            source = uow.agreements.get(source_id)
            changed, events = agreement.copy_lines_from(
                source, at=self._clock.now(), with_relations=with_relations
            )
            if events:
                uow.agreements.save(changed, expected_version=agreement.version)
                uow.collect(events)
                uow.commit()
        return changed

    def generate_orders(
        self,
        *,
        agreement_ids: Iterable[str],
        period: DateRange,
        types: Collection[TransactionType],
        continuous: bool = False,
        attach_sla: bool = False,
    ) -> Generation:
        """Generate the service orders of many agreements and store them, all or nothing.

        Runs :func:`~servicedomain.agreements.generate_service_orders` over the
        agreements and the orders already generated from them (with the configured
        closed days and zone) and adds every new order in one unit of work. Running it
        again for the same period creates nothing; a failed run stores nothing.

        Raises:
            NotFoundError: an agreement id is unknown (nothing is stored).
            AlreadyExistsError: a new order's id was stored concurrently (nothing stored).
        """
        agreement_ids = is_ids.check(agreement_ids, "agreement_ids")
        ids = list(dict.fromkeys(agreement_ids))
        uow = self._begin()
        with uow:
            agreements = [uow.agreements.get(agreement_id) for agreement_id in ids]
            existing = [
                order
                for agreement_id in ids
                for order in uow.service_orders.for_agreement(agreement_id)
            ]
            generation = generate_service_orders(
                agreements,
                self._graph,
                period=period,
                types=types,
                at=self._clock.now(),
                existing=existing,
                continuous=continuous,
                closed_days=self._closed_days,
                attach_sla=attach_sla,
                zone=self._zone,
            )
            for order in generation.orders:
                uow.service_orders.add(order)
            uow.collect(generation.events)
            for order in generation.orders:  # the agreement's relations: cached already
                cache_where_stored(uow, order.object_relations, at=self._clock.now())
            uow.commit()
        return generation
