"""The repair desk: service objects, their warranty and relations, template and service BOMs.

A :class:`RepairDesk` is configured once (how to open a unit of work, the clock, and
AX's parameter *Allow one item on multiple service objects*) and offers one typed
method per use case of AX's repair management: create a service object, change its
warranty coverage, relate it to an agreement or an order, assign its template BOM,
store a template BOM, attach a template to a relation (which makes the relation's
service BOM), record each of the five BOM change actions, move a BOM's history to
another relation, make a template of a service BOM, plus the reads (warranty status on
a day, a BOM as of a day). Each method opens one unit of work
(:class:`~servicedomain.ports.RepairUnitOfWork`), loads, lets the domain
(:mod:`servicedomain.repairs`) decide, saves with the version it loaded (a concurrent
change raises :class:`~servicedomain.errors.ConcurrencyConflictError`), collects the
events and commits: all or nothing, events published only after the commit.

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
>>> store = InMemoryStore()
>>> desk = RepairDesk(unit_of_work=lambda: InMemoryUnitOfWork(store),
...     clock=FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
>>> obj = desk.create_object(id="OBJ-1", group_id="PCS", item_id="PC", serial_number="S-1")
>>> obj = desk.relate(obj.id, relation_id="R-1", kind=RelationKind.ORDER, key="SO-7")
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
from datetime import date
from decimal import Decimal
from typing import Final

from servicedomain._checks import (
    instance_of,
    is_bool,
    is_callable,
    is_date,
    is_id,
    is_optional_id,
    items_of,
    port,
)
from servicedomain.app._unit import begin, change_stored
from servicedomain.errors import AlreadyExistsError, NotFoundError, RepairRuleError
from servicedomain.events import DomainEvent
from servicedomain.periods import DateRange
from servicedomain.ports import (
    Clock,
    RepairUnitOfWork,
    ServiceBomRepository,
    ServiceObjectRepository,
)
from servicedomain.repairs import (
    BillableItem,
    BomLine,
    CoverageKind,
    RelationKind,
    ServiceBom,
    ServiceObject,
    TemplateBom,
    WarrantyCoverage,
    WarrantyStatus,
    warranty_status,
)

__all__ = ["RepairDesk"]

_CLOCK: Final = port("now")
_TEMPLATE: Final = instance_of(TemplateBom)
_COVERAGE: Final = items_of(WarrantyCoverage)

ObjectChange = Callable[[ServiceObject], tuple[ServiceObject, tuple[DomainEvent, ...]]]
BomChange = Callable[[ServiceBom], tuple[ServiceBom, tuple[DomainEvent, ...]]]


def _objects(uow: RepairUnitOfWork) -> ServiceObjectRepository:
    return uow.service_objects


def _boms(uow: RepairUnitOfWork) -> ServiceBomRepository:
    return uow.service_boms


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

    Raises:
        TypeMismatchError: an argument, named.
    """

    def __init__(
        self,
        *,
        unit_of_work: Callable[[], RepairUnitOfWork],
        clock: Clock,
        allow_item_on_multiple_objects: bool = False,
    ) -> None:
        is_callable.check(unit_of_work, "unit_of_work")
        self._unit_of_work: Callable[[], RepairUnitOfWork] = unit_of_work
        _CLOCK.check(clock, "clock")
        self._clock = clock
        self._allow_shared_items = is_bool.check(
            allow_item_on_multiple_objects, "allow_item_on_multiple_objects"
        )

    # ------------------------------------------------------------------ plumbing

    def _open(self) -> RepairUnitOfWork:
        return begin(self._unit_of_work, "uow")

    def _change_object(self, object_id: str, decide: ObjectChange) -> ServiceObject:
        is_id.check(object_id, "object_id")
        return change_stored(self._open(), _objects, object_id, decide)

    def _change_bom(self, bom_id: str, decide: BomChange) -> ServiceBom:
        is_id.check(bom_id, "bom_id")
        return change_stored(self._open(), _boms, bom_id, decide)

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
        """Relate the object to an agreement or an order (``kind``, its id ``key``).

        The same relation again changes nothing.

        Raises:
            NotFoundError: no such object, or ``template_bom_id`` names no stored
                template BOM.
            RepairRuleError: rule ``relation.conflict``: another relation of this id
                is on the object.
        """
        is_id.check(object_id, "object_id")
        is_optional_id.check(template_bom_id, "template_bom_id")
        with self._open() as uow:
            self._require_template(uow, template_bom_id)
            objects = uow.service_objects
            current = objects.get(object_id)
            changed, events = current.relate(
                relation_id=relation_id,
                kind=kind,
                key=key,
                template_bom_id=template_bom_id,
                at=self._clock.now(),
            )
            if events:
                objects.save(changed, expected_version=current.version)
                uow.collect(events)
                uow.commit()
        return changed

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
            NotFoundError: no such service BOM.
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
            NotFoundError: no such service BOM.
            InvalidBomError: the line id was used in this BOM, its parent is unknown,
                or ``on`` is before the last change.
        """
        return self._change_bom(
            bom_id,
            lambda bom: bom.insert_line(line, on=on, order_id=order_id, at=self._clock.now()),
        )

    def delete_bom_line(self, bom_id: str, line_id: str, *, on: date, order_id: str) -> ServiceBom:
        """AX *Deleted sub-line*: the line and every line under it, on order ``order_id``.

        Raises:
            NotFoundError: no such service BOM.
            InvalidBomError: no such line now, or ``on`` is before the last change.
        """
        return self._change_bom(
            bom_id,
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

        ``order_line`` (AX *Create service order line*) is carried on the
        :class:`~servicedomain.repairs.BomLineReplaced` event for the host to put on
        the order; this desk does not change orders.

        Raises:
            NotFoundError: no such service BOM.
            InvalidBomError: no such line now, or ``on`` is before the last change.
            InvalidQuantityError: a bad ``quantity``.
        """
        return self._change_bom(
            bom_id,
            lambda bom: bom.replace_item(
                line_id,
                new_serial_number=new_serial_number,
                new_item_id=new_item_id,
                quantity=quantity,
                order_line=order_line,
                on=on,
                order_id=order_id,
                at=self._clock.now(),
            ),
        )

    def update_bom_quantity(
        self, bom_id: str, line_id: str, delta: Decimal | int, *, on: date, order_id: str
    ) -> ServiceBom:
        """AX *Quantity updated*: ``delta`` added to a line's quantity (zero: no change).

        Raises:
            NotFoundError: no such service BOM.
            InvalidBomError: no such line now, or ``on`` is before the last change.
            InvalidQuantityError: the quantity would go below zero (law R4).
        """
        return self._change_bom(
            bom_id,
            lambda bom: bom.update_quantity(
                line_id, delta, on=on, order_id=order_id, at=self._clock.now()
            ),
        )

    def replace_bom_quantity(
        self, bom_id: str, line_id: str, quantity: Decimal | int, *, on: date, order_id: str
    ) -> ServiceBom:
        """AX *Quantity replaced*: a line's quantity set (the same quantity: no change).

        Raises:
            NotFoundError: no such service BOM.
            InvalidBomError: no such line now, or ``on`` is before the last change.
            InvalidQuantityError: a float, negative or too precise ``quantity``.
        """
        return self._change_bom(
            bom_id,
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
