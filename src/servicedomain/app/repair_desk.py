"""The repair desk: service objects, their warranty and relations, template and service BOMs.

A :class:`RepairDesk` is configured once (how to open a unit of work, the clock, and
AX's parameter *Allow one item on multiple service objects*) and offers one typed
method per use case of AX's repair management: create a service object, change its
warranty coverage, relate it to an agreement or an order, assign its template BOM,
store a template BOM, attach a template to a relation (which makes the relation's
service BOM), record each of the five BOM change actions, move a BOM's history to
another relation, make a template of a service BOM, plus the reads (warranty status on
a day, a BOM as of a day), and the repair parts: a replacement that creates an order
line, :meth:`~RepairDesk.add_part`, :meth:`~RepairDesk.remove_part`,
:meth:`~RepairDesk.recycle_part` (each an item line on the order and a BOM event in one
unit of work) and :meth:`~RepairDesk.add_order_line`, every line naming a service
object priced by the host's warranty rule. Each method opens one unit of work
(:class:`~servicedomain.ports.RepairUnitOfWork`), loads, lets the domain
(:mod:`servicedomain.repairs`) decide, saves with the version it loaded (a concurrent
change raises :class:`~servicedomain.errors.ConcurrencyConflictError`), collects the
events and commits: all or nothing, events published only after the commit.

The parts live here, not on :class:`~servicedomain.app.ServiceDesk`: a part touches
three aggregates, and two of them (the service BOM, and the service object whose
warranty prices the line) are this desk's; the order side is one call of the order's
own operations (``ServiceOrder.add_line`` / ``remove_line`` under the stage graph the
desk is given), so no order rule is repeated. The units of work of the memory and SQL
adapters hold every repository, so one commit stores both (all or nothing).

Idempotent, on their natural key: :meth:`~RepairDesk.create_object` (the object id:
the same object again returns the stored one), :meth:`~RepairDesk.store_template` and
:meth:`~RepairDesk.template_from_bom` (the template id: an equal template again is a
no-op), :meth:`~RepairDesk.attach_template` (the relation: the same BOM id from the
same template again returns the stored BOM), and every change that changes nothing
(the same coverage, relation, template, quantity or relation to move to again). The
five BOM change actions have no natural key: each call records one more change.

>>> from datetime import UTC, date, datetime
>>> from servicedomain.adapters.clocks import FixedClock
>>> from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from servicedomain.repairs import BomLine, RelationKind, TemplateBom
>>> from servicedomain.app import ServiceDesk
>>> from servicedomain.stages import EXAMPLE_STAGE_GRAPH
>>> store = InMemoryStore()
>>> clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
>>> def unit() -> InMemoryUnitOfWork:
...     return InMemoryUnitOfWork(store)
>>> service = ServiceDesk(unit_of_work=unit, clock=clock, graph=EXAMPLE_STAGE_GRAPH)
>>> order = service.create_order(order_id="SO-7", customer_id="C-1")
>>> desk = RepairDesk(unit_of_work=unit, clock=clock, graph=EXAMPLE_STAGE_GRAPH)
>>> obj = desk.create_object(id="OBJ-1", group_id="PCS", item_id="PC", serial_number="S-1")
>>> obj = desk.relate(obj.id, relation_id="R-1", kind=RelationKind.ORDER, key="SO-7")
>>> [r.id for r in obj.relations], [r.id for r in service.order("SO-7").object_relations]
(['R-1'], ['R-1'])
>>> template = desk.store_template(TemplateBom(id="T-PC", lines=[
...     BomLine(line_id="1", item_id="PC", quantity=1)]))
>>> bom = desk.attach_template(obj.id, "R-1", bom_id="B-1", template_id="T-PC",
...     on=date(2026, 3, 1))
>>> bom = desk.replace_bom_quantity("B-1", "1", 2, on=date(2026, 3, 5), order_id="SO-7")
>>> [line.quantity for line in desk.bom_as_of("B-1", day=date(2026, 3, 4))]
[Decimal('1')]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Final, cast

import attrs

from servicedomain._checks import (
    instance_of,
    is_bool,
    is_callable,
    is_date,
    is_id,
    is_line_number,
    is_optional_id,
    is_quantity,
    is_str,
    items_of,
    optional,
    port,
)
from servicedomain.agreements import ServiceAgreement
from servicedomain.app._relations import cache_on_object
from servicedomain.app._unit import begin, change_stored
from servicedomain.errors import (
    AlreadyExistsError,
    InvalidInputError,
    InvalidQuantityError,
    NotFoundError,
    RepairRuleError,
)
from servicedomain.events import DomainEvent
from servicedomain.money import Money
from servicedomain.orders import (
    NewLine,
    ServiceOrder,
    TransactionType,
    WarrantyPricing,
    no_warranty_pricing,
    priced_under_warranty,
    warranty_day,
)
from servicedomain.periods import DateRange
from servicedomain.ports import (
    Clock,
    RepairUnitOfWork,
    Repository,
    ServiceBomRepository,
    ServiceObjectRepository,
    ServiceOrderRepository,
)
from servicedomain.repairs import (
    BillableItem,
    BomLine,
    BomLineDeleted,
    BomLineReplaced,
    CoverageKind,
    RelationKind,
    ServiceBom,
    ServiceObject,
    ServiceObjectRelation,
    TemplateBom,
    WarrantyCoverage,
    WarrantyStatus,
    replay_bom,
    warranty_status,
)
from servicedomain.stages import StageGraph

__all__ = ["PartChange", "RepairDesk"]

_CLOCK: Final = port("now")
_TEMPLATE: Final = instance_of(TemplateBom)
_COVERAGE: Final = items_of(WarrantyCoverage)
_GRAPH: Final = optional(instance_of(StageGraph))
_NEW_LINE: Final = instance_of(NewLine)
_LINE: Final = instance_of(BomLine)

ObjectChange = Callable[[ServiceObject], tuple[ServiceObject, tuple[DomainEvent, ...]]]
BomChange = Callable[[ServiceBom], tuple[ServiceBom, tuple[DomainEvent, ...]]]


def _objects(uow: RepairUnitOfWork) -> ServiceObjectRepository:
    return uow.service_objects


def _boms(uow: RepairUnitOfWork) -> ServiceBomRepository:
    return uow.service_boms


def _orders(uow: RepairUnitOfWork) -> ServiceOrderRepository:
    """The unit of work's service orders (the memory and SQL units of work have them)."""
    orders = getattr(uow, "service_orders", None)
    if orders is None:
        raise InvalidInputError(
            "unit_of_work",
            type(uow).__name__,
            "a repair desk that changes service orders opens units of work with "
            "service_orders (as the memory and SQL units of work are)",
        )
    return cast("ServiceOrderRepository", orders)


def _agreements(uow: RepairUnitOfWork) -> Repository[ServiceAgreement]:
    """The unit of work's agreements (the memory and SQL units of work have them)."""
    agreements = getattr(uow, "agreements", None)
    if agreements is None:
        raise InvalidInputError(
            "unit_of_work",
            type(uow).__name__,
            "a repair desk that relates agreements opens units of work with "
            "agreements (as the memory and SQL units of work are)",
        )
    return cast("Repository[ServiceAgreement]", agreements)


@attrs.frozen
class PartChange:
    """What a repair-part operation stored: the order, the service BOM and the order line.

    Attributes:
        order: the service order after the operation.
        bom: the service BOM after the operation.
        line_number: the order line the operation added, or the one it removed.
    """

    order: ServiceOrder = attrs.field(validator=instance_of(ServiceOrder))
    bom: ServiceBom = attrs.field(validator=instance_of(ServiceBom))
    line_number: int = attrs.field(validator=is_line_number)


def _billed_line(change: BomLineReplaced, billed: BillableItem, object_id: str) -> NewLine:
    """The item line a replacement with an order line puts on its order (cost price zero)."""
    return NewLine(
        transaction_type=TransactionType.ITEM,
        description=f"replacement of BOM {change.entity_id} line {change.line.line_id}",
        quantity=billed.quantity,
        unit=billed.unit,
        cost_price=Money(0, billed.sales_price.currency),
        sales_price=billed.sales_price,
        item_id=billed.item_id,
        service_object_id=object_id,
        execution_date=change.on,
    )


def _last_replacement(bom: ServiceBom, line_id: str) -> tuple[int, BomLineReplaced]:
    """The index and event of line ``line_id``'s last change, which is a replacement."""
    for index in range(len(bom.changes) - 1, -1, -1):
        change = bom.changes[index]
        touched = change.lines if isinstance(change, BomLineDeleted) else (change.line,)
        if any(line.line_id == line_id for line in touched):
            if isinstance(change, BomLineReplaced):
                return index, change
            break
    raise RepairRuleError(
        bom.id,
        "replacement.none",
        f"the last change of line {line_id!r} is not a replacement: nothing to revoke",
    )


def _order_line_refused(entity_id: str, detail: str) -> RepairRuleError:
    return RepairRuleError(entity_id, "replacement.order_line", detail)


def _same_creation(stored: ServiceObject, made: ServiceObject) -> bool:
    """Whether ``stored`` is what creating ``made`` stored (its creation fields equal)."""
    fields = ("group_id", "description", "item_id", "serial_number", "template_bom_id")
    return all(getattr(stored, name) == getattr(made, name) for name in fields) and (
        stored.coverage == made.coverage
    )


class RepairDesk:
    """Repair management over the ports: one method per use case, one unit of work each.

    Args:
        unit_of_work: opens a new :class:`~servicedomain.ports.RepairUnitOfWork` on
            the host's store (called once per method call).
        clock: where the instant of each event comes from.
        allow_item_on_multiple_objects: AX's parameter *Allow one item on multiple
            service objects*. ``False`` (AX's default): :meth:`create_object` refuses
            an object whose item and serial number (both, ``None`` serial included)
            another stored object has, with :class:`~servicedomain.errors.RepairRuleError`
            rule ``object.item_taken``. The check reads the stored objects in the
            unit of work that adds the new one; two units of work creating such
            objects at the very same time may both pass it (the store keeps no unique
            key, since the rule is a parameter). ``True``: no check.
        graph: the stage graph of the service orders; the methods that put lines on
            an order (a replacement with an order line, :meth:`add_part`,
            :meth:`remove_part`, :meth:`recycle_part`, :meth:`add_order_line`) obey
            the order's stage through it. A desk without one changes no orders.
        pricing: the host's warranty pricing rule
            (:data:`~servicedomain.orders.WarrantyPricing`), applied to every line
            this desk adds that names a service object, with the object's warranty
            status on the line's day; the default changes no price.
            :func:`~servicedomain.orders.free_under_warranty` prices covered parts and
            labour at zero.

    Raises:
        TypeMismatchError: an argument, named.
    """

    def __init__(
        self,
        *,
        unit_of_work: Callable[[], RepairUnitOfWork],
        clock: Clock,
        allow_item_on_multiple_objects: bool = False,
        graph: StageGraph | None = None,
        pricing: WarrantyPricing = no_warranty_pricing,
    ) -> None:
        is_callable.check(unit_of_work, "unit_of_work")
        self._unit_of_work: Callable[[], RepairUnitOfWork] = unit_of_work
        _CLOCK.check(clock, "clock")
        self._clock = clock
        self._allow_shared_items = is_bool.check(
            allow_item_on_multiple_objects, "allow_item_on_multiple_objects"
        )
        self._graph: StageGraph | None = _GRAPH.check(graph, "graph")
        is_callable.check(pricing, "pricing")
        self._pricing: WarrantyPricing = pricing

    # ------------------------------------------------------------------ plumbing

    def _open(self) -> RepairUnitOfWork:
        return begin(self._unit_of_work, "uow")

    def _change_object(self, object_id: str, decide: ObjectChange) -> ServiceObject:
        is_id.check(object_id, "object_id")
        return change_stored(self._open(), _objects, object_id, decide)

    def _change_bom(self, bom_id: str, order_id: str, decide: BomChange) -> ServiceBom:
        """Change a service BOM on order ``order_id``: a stored order of the BOM's relation."""
        is_id.check(bom_id, "bom_id")
        is_id.check(order_id, "order_id")
        return change_stored(
            self._open(),
            _boms,
            bom_id,
            decide,
            also=lambda uow, before, _after: self._order_of(uow, order_id, before),
        )

    @staticmethod
    def _require_template(uow: RepairUnitOfWork, template_id: str | None) -> None:
        if template_id is not None:
            uow.template_boms.get(template_id)

    # ------------------------------------------------------------------ service objects

    def create_object(
        self,
        *,
        id: str,
        group_id: str,
        description: str = "",
        item_id: str | None = None,
        serial_number: str | None = None,
        template_bom_id: str | None = None,
        coverage: Iterable[WarrantyCoverage] = (),
    ) -> ServiceObject:
        """Create and store a service object (version 1); its events publish on commit.

        Idempotent on the id: if the stored object of this id has the same group,
        description, item, serial number, template BOM and coverage, it is returned
        and nothing is written (a retry after a lost reply).

        Raises:
            AlreadyExistsError: another object of this id is stored.
            RepairRuleError: rule ``object.item_taken``: another object has this item
                and serial number, and the desk does not allow one item on multiple
                service objects.
            NotFoundError: ``template_bom_id`` names no stored template BOM.
            TypeMismatchError, InvalidInputError: a field, as
                :meth:`ServiceObject.create
                <servicedomain.repairs.ServiceObject.create>` says.
        """
        made, events = ServiceObject.create(
            id=id,
            group_id=group_id,
            at=self._clock.now(),
            description=description,
            item_id=item_id,
            serial_number=serial_number,
            template_bom_id=template_bom_id,
            coverage=_COVERAGE.check(coverage, "coverage"),
        )
        with self._open() as uow:
            try:
                stored = uow.service_objects.get(made.id)
            except NotFoundError:
                pass
            else:
                if _same_creation(stored, made):
                    return stored
                raise AlreadyExistsError(type(stored).__name__, made.id, stored.version)
            self._require_template(uow, made.template_bom_id)
            if made.item_id is not None and not self._allow_shared_items:
                sharing = [
                    other.id
                    for other in uow.service_objects.for_item(made.item_id)
                    if other.serial_number == made.serial_number
                ]
                if sharing:
                    raise RepairRuleError(
                        made.id,
                        "object.item_taken",
                        f"item {made.item_id!r} serial number {made.serial_number!r} is on "
                        f"service object {sharing[0]!r}; one item is on one service object",
                    )
            uow.service_objects.add(made)
            uow.collect(events)
            uow.commit()
        return made

    def change_warranty(
        self, object_id: str, kind: CoverageKind, period: DateRange | None
    ) -> ServiceObject:
        """Set the object's warranty coverage of ``kind`` to ``period`` (``None``: remove).

        The same coverage again changes nothing (nothing is written).

        Raises:
            NotFoundError: no such object.
            TypeMismatchError: ``kind`` is not a CoverageKind, ``period`` not a DateRange.
        """
        return self._change_object(
            object_id, lambda obj: obj.change_coverage(kind, period, at=self._clock.now())
        )

    def relate(
        self,
        object_id: str,
        *,
        relation_id: str,
        kind: RelationKind,
        key: str,
        template_bom_id: str | None = None,
    ) -> ServiceObject:
        """Relate the object to a stored agreement or order (``kind``, its id ``key``).

        The document owns the relation (AX ``SMAServiceObjectRelation`` is keyed by
        it): one unit of work relates the order (``ServiceOrder.relate_object``, under
        the desk's stage graph) or the agreement (``ServiceAgreement.relate_object``)
        and writes the relation into the object's ``relations``, a cache of its
        documents' relations; all or nothing. A relation id names one relation of one
        object. The same relation again changes nothing.

        Raises:
            NotFoundError: no such object, no stored order or agreement ``key``, or
                ``template_bom_id`` names no stored template BOM.
            RepairRuleError: rule ``relation.conflict`` (another relation of this id is
                on the object) or ``relation.id_taken`` (another object has a relation
                of this id).
            InvalidInputError: an order relation on a desk without a stage graph.
            OrderRuleError, AgreementRuleError, StageRuleError: as the document's
                ``relate_object`` says (the object is related to it by another
                relation, the order's stage does not allow modify).
        """
        is_id.check(object_id, "object_id")
        is_optional_id.check(template_bom_id, "template_bom_id")
        relation = ServiceObjectRelation(
            is_id.check(relation_id, "relation_id"), object_id, kind, key, template_bom_id
        )
        at = self._clock.now()
        with self._open() as uow:
            self._require_template(uow, template_bom_id)
            obj = uow.service_objects.get(object_id)
            changed_document = self._relate_document(uow, relation, at)
            obj, changed_object = cache_on_object(uow, obj, relation, at=at)
            if changed_document or changed_object:
                uow.commit()
        return obj

    def _relate_document(
        self, uow: RepairUnitOfWork, relation: ServiceObjectRelation, at: datetime
    ) -> bool:
        """Relate ``relation``'s order or agreement in ``uow``; whether it changed."""
        if relation.kind is RelationKind.ORDER:
            orders = _orders(uow)
            order = orders.get(relation.key)
            changed, events = order.relate_object(self._stages(), relation, at=at)
            if events:
                orders.save(changed, expected_version=order.version)
        else:
            agreements = _agreements(uow)
            agreement = agreements.get(relation.key)
            changed_agreement, events = agreement.relate_object(relation, at=at)
            if events:
                agreements.save(changed_agreement, expected_version=agreement.version)
        if events:
            uow.collect(events)
        return bool(events)

    def assign_template_bom(self, object_id: str, template_bom_id: str | None) -> ServiceObject:
        """Make ``template_bom_id`` the object's one template BOM (``None``: none).

        Raises:
            NotFoundError: no such object, or no stored template BOM of this id.
        """
        is_id.check(object_id, "object_id")
        is_optional_id.check(template_bom_id, "template_bom_id")
        with self._open() as uow:
            self._require_template(uow, template_bom_id)
            objects = uow.service_objects
            current = objects.get(object_id)
            changed, events = current.assign_template_bom(template_bom_id, at=self._clock.now())
            if events:
                objects.save(changed, expected_version=current.version)
                uow.collect(events)
                uow.commit()
        return changed

    # ------------------------------------------------------------------ templates

    def store_template(self, template: TemplateBom) -> TemplateBom:
        """Store a template BOM under its id; an equal template stored already is a no-op.

        A template is a value: to change one, store the changed copy under a new id
        (service BOMs made from the old one keep the lines they copied).

        Raises:
            AlreadyExistsError: another template is stored under this id.
            TypeMismatchError: ``template`` is not a TemplateBom.
        """
        checked = _TEMPLATE.check(template, "template")
        with self._open() as uow:
            uow.template_boms.add(checked)
            uow.commit()
        return checked

    def attach_template(
        self,
        object_id: str,
        relation_id: str,
        *,
        bom_id: str,
        on: date,
        template_id: str | None = None,
    ) -> ServiceBom:
        """Attach a stored template to an object relation: the relation's service BOM.

        The template is ``template_id``, else the relation's template BOM, else the
        object's. A relation has one service BOM: the same BOM id from the same
        template again returns the stored BOM (idempotent).

        Raises:
            NotFoundError: no such object or template BOM.
            InvalidInputError: the object has no relation ``relation_id``.
            RepairRuleError: rule ``bom.no_template`` (none given, none on the relation
                or the object), ``bom.template_of_relation`` (the relation names
                another template), ``bom.relation_taken`` (the relation has another
                service BOM already).
            AlreadyExistsError: a service BOM of this id is stored on another relation.
        """
        is_id.check(object_id, "object_id")
        checked_bom = is_id.check(bom_id, "bom_id")
        is_optional_id.check(template_id, "template_id")
        day = is_date.check(on, "on")
        with self._open() as uow:
            obj = uow.service_objects.get(object_id)
            relation = obj.relation(relation_id)
            chosen = template_id or relation.template_bom_id or obj.template_bom_id
            if chosen is None:
                raise RepairRuleError(
                    relation.id,
                    "bom.no_template",
                    "no template_id given, and neither the relation nor the service object "
                    "names a template BOM",
                )
            template = uow.template_boms.get(chosen)
            existing = uow.service_boms.for_relation(relation.id)
            if existing is not None:
                if existing.id == checked_bom and existing.template_id == template.id:
                    return existing
                raise RepairRuleError(
                    relation.id,
                    "bom.relation_taken",
                    f"relation {relation.id!r} has service BOM {existing.id!r} already",
                )
            bom, events = ServiceBom.attach(
                template, id=checked_bom, relation=relation, on=day, at=self._clock.now()
            )
            uow.service_boms.add(bom)
            uow.collect(events)
            uow.commit()
        return bom

    def template_from_bom(
        self,
        bom_id: str,
        *,
        template_id: str,
        as_of: date | None = None,
        description: str = "",
    ) -> TemplateBom:
        """Make and store a new template of a service BOM's lines (now, or as of a day).

        Idempotent on ``template_id``: an equal template stored already is a no-op.

        Raises:
            NotFoundError: no such service BOM or order.
            RepairRuleError: rule ``bom.relation_not_on_order`` (the BOM's relation is
                not a relation of order ``order_id``).
            AlreadyExistsError: another template is stored under ``template_id``.
            InvalidBomError: ``as_of`` is before the BOM was attached.
        """
        is_id.check(bom_id, "bom_id")
        is_id.check(template_id, "template_id")
        with self._open() as uow:
            bom = uow.service_boms.get(bom_id)
            template = bom.to_template(template_id, as_of=as_of, description=description)
            uow.template_boms.add(template)
            uow.commit()
        return template

    # ------------------------------------------------------------------ BOM changes

    def insert_bom_line(self, bom_id: str, line: BomLine, *, on: date, order_id: str) -> ServiceBom:
        """AX *Inserted*: a new line in the service BOM, done on order ``order_id``.

        Raises:
            NotFoundError: no such service BOM or order.
            RepairRuleError: rule ``bom.relation_not_on_order`` (the BOM's relation is
                not a relation of order ``order_id``).
            InvalidBomError: the line id was used in this BOM, its parent is unknown,
                or ``on`` is before the last change.
        """
        return self._change_bom(
            bom_id,
            order_id,
            lambda bom: bom.insert_line(line, on=on, order_id=order_id, at=self._clock.now()),
        )

    def delete_bom_line(self, bom_id: str, line_id: str, *, on: date, order_id: str) -> ServiceBom:
        """AX *Deleted sub-line*: the line and every line under it, on order ``order_id``.

        Raises:
            NotFoundError: no such service BOM or order.
            RepairRuleError: rule ``bom.relation_not_on_order`` (the BOM's relation is
                not a relation of order ``order_id``).
            InvalidBomError: no such line now, or ``on`` is before the last change.
        """
        return self._change_bom(
            bom_id,
            order_id,
            lambda bom: bom.delete_line(line_id, on=on, order_id=order_id, at=self._clock.now()),
        )

    def replace_bom_item(
        self,
        bom_id: str,
        line_id: str,
        *,
        new_serial_number: str | None,
        on: date,
        order_id: str,
        new_item_id: str | None = None,
        quantity: Decimal | int | None = None,
        order_line: BillableItem | None = None,
    ) -> ServiceBom:
        """AX *Replaced*: the part of a line replaced, both serial numbers recorded.

        With ``order_line`` (AX *Create service order line*) the replacement is
        invoiced: in the same unit of work (all or nothing) the desk puts an item line
        of it on order ``order_id`` (which exists, has the BOM's relation among its
        relations and is in a stage that allows modify): the item, quantity,
        unit and sales price of the :class:`~servicedomain.repairs.BillableItem`, a
        cost price of zero in its currency (a billable item carries what is billed;
        the part's cost reaches the order when its inventory is posted), the BOM's
        service object, executed on ``on``, priced by the desk's warranty rule.
        Without it the replacement is history only and the order is only checked.

        Raises:
            NotFoundError: no such service BOM or order.
            InvalidBomError: no such line now, or ``on`` is before the last change.
            InvalidQuantityError: a bad ``quantity``.
            RepairRuleError: rule ``bom.relation_not_on_order`` (the BOM's relation is
                not a relation of the order).
            InvalidInputError: with ``order_line``: the desk has no stage graph.
            StageRuleError, OrderRuleError: with ``order_line``: as
                ``ServiceOrder.add_line`` says (the stage does not allow modify).
        """
        is_id.check(bom_id, "bom_id")
        at = self._clock.now()
        with self._open() as uow:
            current = uow.service_boms.get(bom_id)
            changed, events = current.replace_item(
                line_id,
                new_serial_number=new_serial_number,
                new_item_id=new_item_id,
                quantity=quantity,
                order_line=order_line,
                on=on,
                order_id=order_id,
                at=at,
            )
            (change,) = events
            order_events: tuple[DomainEvent, ...] = ()
            if change.order_line is not None:
                line = _billed_line(change, change.order_line, current.service_object_id)
                _, order_events = self._put_on_order(uow, change.order_id, current, line, at)
            else:
                self._order_of(uow, change.order_id, current)
            uow.service_boms.save(changed, expected_version=current.version)
            uow.collect((*events, *order_events))
            uow.commit()
        return changed

    def revoke_replacement(
        self,
        order_id: str,
        bom_id: str,
        line_id: str,
        *,
        on: date,
        order_line: int | None = None,
    ) -> ServiceBom:
        """Undo the last replacement of a BOM line: the old part back, its order line gone.

        One unit of work, all or nothing. The line's last change must be a replacement
        (a later change builds on it). The BOM records *Replaced* back to the item,
        serial number and quantity the line had before it (the history keeps both
        changes), on order ``order_id``, a stored order of the BOM's relation. When the
        replacement put an item line on its order (``order_line`` given to
        :meth:`replace_bom_item`), ``order_line`` names that line (the number the
        order gave it); it is removed under the order's stage rules (a posted line
        never goes away: credit it through billing), so ``order_id`` is the
        replacement's order. Replacing then revoking restores the order's lines and
        the BOM's lines exactly (law R6).

        Raises:
            NotFoundError: no such order or service BOM.
            InvalidBomError: no line ``line_id`` now, or ``on`` is before the last change.
            UnknownLineError: no order line ``order_line``.
            RepairRuleError: rule ``bom.relation_not_on_order``; ``replacement.none``
                (the line's last change is not a replacement); ``replacement.order_line``
                (``order_line`` missing, given for a replacement without one, not the
                replacement's item line, or on another order than the replacement's).
            InvalidInputError: the desk has no stage graph.
            StageRuleError, OrderRuleError, ItemRequirementError: as
                ``ServiceOrder.remove_line`` says.
        """
        is_id.check(bom_id, "bom_id")
        is_id.check(order_id, "order_id")
        number = None if order_line is None else is_line_number.check(order_line, "order_line")
        at = self._clock.now()
        with self._open() as uow:
            current = uow.service_boms.get(bom_id)
            current.line(line_id)
            index, replaced = _last_replacement(current, line_id)
            old = {
                line.line_id: line
                for line in replay_bom(current.template_lines, current.changes[:index])
            }[line_id]
            changed, events = current.replace_item(
                line_id,
                new_serial_number=old.serial_number,
                new_item_id=old.item_id,
                quantity=old.quantity,
                on=on,
                order_id=order_id,
                at=at,
            )
            orders, order = self._order_of(uow, order_id, current)
            uow.service_boms.save(changed, expected_version=current.version)
            if replaced.order_line is None:
                if number is not None:
                    raise _order_line_refused(
                        current.id, f"the replacement put no line on an order; got {number}"
                    )
                uow.collect(events)
                uow.commit()
                return changed
            if number is None or order_id != replaced.order_id:
                raise _order_line_refused(
                    current.id,
                    f"the replacement put a line on order {replaced.order_id!r}: revoke it "
                    "there, naming that line (order_line)",
                )
            billed = _billed_line(replaced, replaced.order_line, current.service_object_id)
            item = order.line(number)
            if (item.transaction_type, item.item_id, item.description, item.quantity) != (
                billed.transaction_type,
                billed.item_id,
                billed.description,
                billed.quantity,
            ):
                raise _order_line_refused(
                    order.id, f"order line {number} is not the line of the replacement"
                )
            removed, order_events = order.remove_line(self._stages(), number, at=at)
            orders.save(removed, expected_version=order.version)
            uow.collect((*events, *order_events))
            uow.commit()
        return changed

    # ------------------------------------------------------------------ repair parts

    def _stages(self) -> StageGraph:
        """The desk's stage graph; a desk without one changes no service orders."""
        if self._graph is None:
            raise InvalidInputError(
                "graph", None, "a repair desk that puts lines on orders is given the stage graph"
            )
        return self._graph

    def _order_of(
        self, uow: RepairUnitOfWork, order_id: str, bom: ServiceBom
    ) -> tuple[ServiceOrderRepository, ServiceOrder]:
        """The stored order ``order_id``, refused unless the BOM's relation is one of its own."""
        orders = _orders(uow)
        order = orders.get(order_id)
        if bom.relation_id not in {relation.id for relation in order.object_relations}:
            raise RepairRuleError(
                bom.id,
                "bom.relation_not_on_order",
                f"service BOM {bom.id!r} is on relation {bom.relation_id!r}, which is not a "
                f"relation of order {order.id!r}",
            )
        return orders, order

    def _priced(self, uow: RepairUnitOfWork, line: NewLine, default_day: date) -> NewLine:
        """``line`` priced by the warranty rule, if it names a service object."""
        if line.service_object_id is None:
            return line
        obj = uow.service_objects.get(line.service_object_id)
        status = warranty_status(obj, on=warranty_day(line, default_day))
        return priced_under_warranty(self._pricing, line, status)

    def _put_on_order(
        self,
        uow: RepairUnitOfWork,
        order_id: str,
        bom: ServiceBom,
        line: NewLine,
        at: datetime,
    ) -> tuple[ServiceOrder, tuple[DomainEvent, ...]]:
        """Add ``line``, priced under warranty, to order ``order_id`` of ``bom``'s relation.

        The order is checked (it exists, the BOM's relation is one of its relations),
        the line added under the order's stage rules and the order saved with the
        version loaded; the caller collects the events and commits.
        """
        graph = self._stages()
        orders, order = self._order_of(uow, order_id, bom)
        day = at.date() if line.execution_date is None else line.execution_date
        priced = self._priced(uow, line, day)
        changed, events = order.add_line(graph, priced, at=at)
        orders.save(changed, expected_version=order.version)
        return changed, events

    def add_part(
        self,
        order_id: str,
        bom_id: str,
        line: BomLine,
        *,
        on: date,
        cost_price: Money,
        sales_price: Money,
        description: str = "",
    ) -> PartChange:
        """Put a repair part into the object: an item line on the order + a BOM line inserted.

        One unit of work: the BOM records *Inserted* (``line``, on order ``order_id``)
        and the order gets an item line of the part (its item, quantity and unit, these
        prices, the BOM's service object, executed on ``on``), priced by the desk's
        warranty rule. Either both are stored or nothing is.

        Raises:
            NotFoundError: no such order or service BOM.
            InvalidQuantityError: the part's quantity is zero (``line.quantity``).
            InvalidBomError: the line id was used in this BOM, its parent is unknown,
                or ``on`` is before the last change.
            RepairRuleError: rule ``bom.relation_not_on_order``.
            InvalidInputError: the desk has no stage graph; a bad argument.
            InvalidPriceError, CurrencyMismatchError: bad prices.
            StageRuleError, OrderRuleError: as ``ServiceOrder.add_line`` says.
        """
        is_id.check(bom_id, "bom_id")
        is_str.check(description, "description")
        part = _LINE.check(line, "line")
        if part.quantity == 0:
            raise InvalidQuantityError("line.quantity", part.quantity, "a part is at least some")
        at = self._clock.now()
        with self._open() as uow:
            current = uow.service_boms.get(bom_id)
            changed, events = current.insert_line(part, on=on, order_id=order_id, at=at)
            item = NewLine(
                transaction_type=TransactionType.ITEM,
                description=description
                or f"part {part.item_id} (BOM {current.id} line {part.line_id})",
                quantity=part.quantity,
                unit=part.unit,
                cost_price=cost_price,
                sales_price=sales_price,
                item_id=part.item_id,
                service_object_id=current.service_object_id,
                execution_date=on,
            )
            order, order_events = self._put_on_order(uow, order_id, current, item, at)
            uow.service_boms.save(changed, expected_version=current.version)
            uow.collect((*events, *order_events))
            uow.commit()
        return PartChange(order=order, bom=changed, line_number=order.lines[-1].number)

    def remove_part(
        self, order_id: str, bom_id: str, line_id: str, *, order_line: int, on: date
    ) -> PartChange:
        """Take a repair part out: its item line removed from the order + the BOM line deleted.

        One unit of work, all or nothing. Order line ``order_line`` is the part's item
        line: an item line of the BOM line's item and of the BOM's service object. It
        is removed under the order's stage rules (a Created line on a stage that allows
        modify; a posted line never goes away, so a posted part is refused: credit it
        through billing). The BOM records *Deleted sub-line* of ``line_id``, which has
        no lines under it (remove those parts first). Adding a part then removing it
        restores the order's lines and the BOM's lines exactly (law R6).

        Raises:
            NotFoundError: no such order or service BOM.
            InvalidBomError: no line ``line_id`` now, or ``on`` is before the last change.
            UnknownLineError: no order line ``order_line``.
            RepairRuleError: rule ``bom.relation_not_on_order``; ``part.other_line``
                (the order line is not an item line of this part);
                ``part.has_sub_lines`` (lines sit under the part).
            InvalidInputError: the desk has no stage graph.
            StageRuleError, OrderRuleError, ItemRequirementError: as
                ``ServiceOrder.remove_line`` says.
        """
        is_id.check(bom_id, "bom_id")
        number = is_line_number.check(order_line, "order_line")
        at = self._clock.now()
        with self._open() as uow:
            current = uow.service_boms.get(bom_id)
            part = current.line(line_id)
            changed, events = current.delete_line(part.line_id, on=on, order_id=order_id, at=at)
            (deleted,) = events
            if len(deleted.lines) > 1:
                raise RepairRuleError(
                    current.id,
                    "part.has_sub_lines",
                    f"lines {[sub.line_id for sub in deleted.lines[1:]]!r} sit under part "
                    f"{part.line_id!r}; remove those parts first",
                )
            graph = self._stages()
            orders, order = self._order_of(uow, order_id, current)
            item = order.line(number)
            if (item.transaction_type, item.item_id, item.service_object_id) != (
                TransactionType.ITEM,
                part.item_id,
                current.service_object_id,
            ):
                raise RepairRuleError(
                    order.id,
                    "part.other_line",
                    f"order line {number} is not an item line of item {part.item_id!r} on "
                    f"service object {current.service_object_id!r}",
                )
            removed, order_events = order.remove_line(graph, number, at=at)
            orders.save(removed, expected_version=order.version)
            uow.service_boms.save(changed, expected_version=current.version)
            uow.collect((*events, *order_events))
            uow.commit()
        return PartChange(order=removed, bom=changed, line_number=number)

    def recycle_part(
        self,
        order_id: str,
        bom_id: str,
        line_id: str,
        quantity: Decimal | int,
        *,
        on: date,
        category_id: str,
        cost_price: Money,
        sales_price: Money | None = None,
        description: str = "",
    ) -> PartChange:
        """A part comes back from the object: the BOM quantity goes down + a recycle line.

        One unit of work, all or nothing. The BOM records *Quantity updated* by
        ``-quantity`` on ``line_id`` (the line stays, at zero if all of it came back).
        The order gets an item line of its own kind: the part's item and unit, this
        ``quantity``, in project category ``category_id`` (the host's recycle
        category, which its posting maps to a return to inventory), at ``cost_price``
        (what the part is worth back) and ``sales_price`` (default zero: taking a part
        back charges nothing). Why not a negative quantity: an order line's quantity
        is never negative (the orders' rule every total and posting relies on), and a
        new transaction type would need a journal of its own.

        Raises:
            NotFoundError: no such order or service BOM.
            InvalidQuantityError: ``quantity`` is zero, negative, a float, too precise or
                more than the line holds (``delta``).
            InvalidBomError: no line ``line_id`` now, or ``on`` is before the last change.
            RepairRuleError: rule ``bom.relation_not_on_order``.
            InvalidInputError: the desk has no stage graph; a bad argument.
            StageRuleError, OrderRuleError: as ``ServiceOrder.add_line`` says.
        """
        is_id.check(bom_id, "bom_id")
        amount = is_quantity.check(quantity, "quantity")
        if amount == 0:
            raise InvalidQuantityError("quantity", quantity, "a part recycled is at least some")
        is_id.check(category_id, "category_id")
        is_str.check(description, "description")
        price = Money(0, instance_of(Money).check(cost_price, "cost_price").currency)
        at = self._clock.now()
        with self._open() as uow:
            current = uow.service_boms.get(bom_id)
            part = current.line(line_id)
            changed, events = current.update_quantity(
                part.line_id, -amount, on=on, order_id=order_id, at=at
            )
            back = NewLine(
                transaction_type=TransactionType.ITEM,
                description=description
                or f"recycled {part.item_id} (BOM {current.id} line {part.line_id})",
                quantity=amount,
                unit=part.unit,
                cost_price=cost_price,
                sales_price=price if sales_price is None else sales_price,
                item_id=part.item_id,
                category_id=category_id,
                service_object_id=current.service_object_id,
                execution_date=on,
            )
            order, order_events = self._put_on_order(uow, order_id, current, back, at)
            uow.service_boms.save(changed, expected_version=current.version)
            uow.collect((*events, *order_events))
            uow.commit()
        return PartChange(order=order, bom=changed, line_number=order.lines[-1].number)

    def add_order_line(self, order_id: str, new_line: NewLine) -> ServiceOrder:
        """Add a line to an order, priced by the desk's warranty rule when it names an object.

        The object's warranty status is taken on the line's day (its execution date,
        else the start of its date range, else its calculated date, else today by the
        clock); a line naming no object is added as it is. One unit of work.

        Raises:
            NotFoundError: no such order, or no such service object.
            InvalidInputError: the desk has no stage graph.
            StageRuleError, OrderRuleError: as ``ServiceOrder.add_line`` says.
        """
        is_id.check(order_id, "order_id")
        line = _NEW_LINE.check(new_line, "new_line")
        graph = self._stages()
        at = self._clock.now()
        with self._open() as uow:
            orders = _orders(uow)
            order = orders.get(order_id)
            priced = self._priced(uow, line, at.date())
            changed, events = order.add_line(graph, priced, at=at)
            orders.save(changed, expected_version=order.version)
            uow.collect(events)
            uow.commit()
        return changed

    def update_bom_quantity(
        self, bom_id: str, line_id: str, delta: Decimal | int, *, on: date, order_id: str
    ) -> ServiceBom:
        """AX *Quantity updated*: ``delta`` added to a line's quantity (zero: no change).

        Raises:
            NotFoundError: no such service BOM or order.
            RepairRuleError: rule ``bom.relation_not_on_order`` (the BOM's relation is
                not a relation of order ``order_id``).
            InvalidBomError: no such line now, or ``on`` is before the last change.
            InvalidQuantityError: the quantity would go below zero (law R4).
        """
        return self._change_bom(
            bom_id,
            order_id,
            lambda bom: bom.update_quantity(
                line_id, delta, on=on, order_id=order_id, at=self._clock.now()
            ),
        )

    def replace_bom_quantity(
        self, bom_id: str, line_id: str, quantity: Decimal | int, *, on: date, order_id: str
    ) -> ServiceBom:
        """AX *Quantity replaced*: a line's quantity set (the same quantity: no change).

        Raises:
            NotFoundError: no such service BOM or order.
            RepairRuleError: rule ``bom.relation_not_on_order`` (the BOM's relation is
                not a relation of order ``order_id``).
            InvalidBomError: no such line now, or ``on`` is before the last change.
            InvalidQuantityError: a float, negative or too precise ``quantity``.
        """
        return self._change_bom(
            bom_id,
            order_id,
            lambda bom: bom.replace_quantity(
                line_id, quantity, on=on, order_id=order_id, at=self._clock.now()
            ),
        )

    def move_bom(self, bom_id: str, relation_id: str) -> ServiceBom:
        """AX *Move service BOM*: the BOM and its whole history to another relation (R3).

        The relation is one of the BOM's service object; moving to the relation the
        BOM is on changes nothing.

        Raises:
            NotFoundError: no such service BOM (or its service object).
            InvalidInputError: the object has no relation ``relation_id``.
            RepairRuleError: rule ``bom.relation_taken``: another service BOM is on
                that relation.
        """
        is_id.check(bom_id, "bom_id")
        with self._open() as uow:
            boms = uow.service_boms
            current = boms.get(bom_id)
            relation = uow.service_objects.get(current.service_object_id).relation(relation_id)
            there = boms.for_relation(relation.id)
            if there is not None and there.id != current.id:
                raise RepairRuleError(
                    relation.id,
                    "bom.relation_taken",
                    f"relation {relation.id!r} has service BOM {there.id!r} already",
                )
            moved, events = current.move_to(relation, at=self._clock.now())
            if events:
                boms.save(moved, expected_version=current.version)
                uow.collect(events)
                uow.commit()
        return moved

    # ------------------------------------------------------------------ reads

    def service_object(self, object_id: str) -> ServiceObject:
        """The stored service object.

        Raises:
            NotFoundError: no such object.
        """
        is_id.check(object_id, "object_id")
        with self._open() as uow:
            return uow.service_objects.get(object_id)

    def service_bom(self, bom_id: str) -> ServiceBom:
        """The stored service BOM, with its history.

        Raises:
            NotFoundError: no such service BOM.
        """
        is_id.check(bom_id, "bom_id")
        with self._open() as uow:
            return uow.service_boms.get(bom_id)

    def warranty_status(self, object_id: str, *, on: date) -> WarrantyStatus:
        """The object's warranty on day ``on``, derived from its coverage dates.

        Raises:
            NotFoundError: no such object.
            TypeMismatchError: ``on`` is not a date.
        """
        day = is_date.check(on, "on")
        return warranty_status(self.service_object(object_id), on=day)

    def bom_as_of(self, bom_id: str, *, day: date) -> tuple[BomLine, ...]:
        """The service BOM's lines as they were at the end of ``day`` (laws R1, R2).

        Raises:
            NotFoundError: no such service BOM.
            InvalidBomError: ``day`` is before the BOM was attached.
        """
        return self.service_bom(bom_id).as_of(day)
