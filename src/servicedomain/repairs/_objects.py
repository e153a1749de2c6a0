"""The service object entity: a customer's asset that service is performed on.

AX's ``SMAServiceObjectTable``: an id, a description, a service object group
(required), optionally the item and serial number it is, at most one template BOM,
the warranty coverage of each kind, and its relations to agreements and orders. Every
operation returns the new snapshot (version + 1) and the events it caused; an
operation dated before the last one recorded is refused (law U2).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Final

import attrs

from servicedomain._checks import (
    deep_iterable,
    first_duplicate,
    in_,
    instance_of,
    is_id,
    is_instant,
    is_optional_id,
    is_str,
    is_version,
    items_of,
    optional,
)
from servicedomain.errors import InstantOutOfOrderError, InvalidInputError, RepairRuleError
from servicedomain.events import DomainEvent
from servicedomain.instants import require_instant
from servicedomain.periods import DateRange
from servicedomain.repairs._events import (
    ServiceObjectCreated,
    ServiceObjectRelationAdded,
    ServiceObjectRelationRemoved,
    TemplateBomAssigned,
    WarrantyCoverageChanged,
)
from servicedomain.repairs._relations import RelationKind, ServiceObjectRelation
from servicedomain.repairs._warranty import (
    CoverageKind,
    WarrantyCoverage,
    WarrantyStatus,
    status_on,
)

Events = tuple[DomainEvent, ...]

_KIND_ORDER: Final = {kind: index for index, kind in enumerate(CoverageKind)}
_COVERAGE: Final = items_of(WarrantyCoverage)
_PERIOD: Final = optional(instance_of(DateRange))


def _coverage(value: Iterable[WarrantyCoverage]) -> tuple[WarrantyCoverage, ...]:
    """The coverage as a tuple in CoverageKind order (one per kind is checked after)."""
    given = _COVERAGE.check(value, "coverage")
    return tuple(sorted(given, key=lambda item: _KIND_ORDER.get(item.kind, 0)))


@attrs.frozen
class ServiceObject:
    """A service object: a machine, an installation, a product a customer owns.

    Build one with :meth:`create`; each operation returns ``(new snapshot, events)``.
    The agreement or order owns each :class:`ServiceObjectRelation`, in its
    ``object_relations`` (AX's one table ``SMAServiceObjectRelation``, keyed by the
    document; an agreement relation serves every order of the agreement). The object's
    ``relations`` is a cache of the relations of the documents that name it: the
    application desks write it in the same unit of work as the document, so change
    relations through them (``RepairDesk.relate``, ``ServiceDesk.relate_object``), not
    with :meth:`relate` / :meth:`unrelate` alone.

    Attributes:
        id: the object's id (AX ``ServiceObjectId``).
        version: 1 when created, one more per change.
        group_id: the service object group (required).
        description: what the object is, for people.
        item_id: the item the object is, if any.
        serial_number: its serial number, if any.
        template_bom_id: its template BOM, at most one.
        coverage: its warranty coverage, at most one per kind, in CoverageKind order.
        relations: its relations to agreements and orders, each naming this object
            (the cache of its documents' relations).
        recorded_at: the instant of the last operation.

    Raises:
        TypeMismatchError: a field of the wrong type (the field is named).
        InvalidInputError: a blank id; two coverages of one kind (``"coverage"``); two
            relations of one id (``"relations"``); a relation of another object
            (``"relations[i].object_id"``).

    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    >>> obj, events = ServiceObject.create(id="OBJ-1", group_id="LAPTOPS", at=at)
    >>> obj.version, [event.name for event in events]
    (1, ['ServiceObjectCreated'])
    """

    id: str = attrs.field(validator=is_id)
    version: int = attrs.field(validator=is_version)
    group_id: str = attrs.field(validator=is_id)
    description: str = attrs.field(default="", validator=is_str)
    item_id: str | None = attrs.field(default=None, validator=is_optional_id)
    serial_number: str | None = attrs.field(default=None, validator=is_optional_id)
    template_bom_id: str | None = attrs.field(default=None, validator=is_optional_id)
    coverage: tuple[WarrantyCoverage, ...] = attrs.field(default=(), converter=_coverage)
    relations: tuple[ServiceObjectRelation, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(ServiceObjectRelation))
    )
    recorded_at: datetime | None = attrs.field(default=None, validator=optional(is_instant))

    def __attrs_post_init__(self) -> None:
        kind = first_duplicate(item.kind for item in self.coverage)
        if kind is not None:
            raise InvalidInputError("coverage", kind, "an object has one coverage per kind")
        repeated = first_duplicate(relation.id for relation in self.relations)
        if repeated is not None:
            raise InvalidInputError("relations", repeated, "a relation id is on an object once")
        for index, relation in enumerate(self.relations):
            if relation.object_id != self.id:
                raise InvalidInputError(
                    f"relations[{index}].object_id",
                    relation.object_id,
                    f"a relation of object {self.id!r} names it",
                )

    # ------------------------------------------------------------------ creation

    @classmethod
    def create(
        cls,
        *,
        id: str,
        group_id: str,
        at: datetime,
        description: str = "",
        item_id: str | None = None,
        serial_number: str | None = None,
        template_bom_id: str | None = None,
        coverage: Iterable[WarrantyCoverage] = (),
    ) -> tuple[ServiceObject, Events]:
        """A new service object (version 1), with no relations yet.

        Raises:
            NaiveDatetimeError: ``at`` is naive.
            TypeMismatchError, InvalidInputError: as for the constructor.
        """
        instant = require_instant(at, "at")
        obj = cls(
            id=id,
            version=1,
            group_id=group_id,
            description=description,
            item_id=item_id,
            serial_number=serial_number,
            template_bom_id=template_bom_id,
            coverage=coverage,
            recorded_at=instant,
        )
        event = ServiceObjectCreated(
            entity_id=obj.id,
            occurred_at=instant,
            group_id=obj.group_id,
            item_id=obj.item_id,
            serial_number=obj.serial_number,
            template_bom_id=obj.template_bom_id,
        )
        events: list[DomainEvent] = [event]
        events.extend(
            WarrantyCoverageChanged(
                entity_id=obj.id, occurred_at=instant, kind=item.kind, period=item.period
            )
            for item in obj.coverage
        )
        return obj, tuple(events)

    # ------------------------------------------------------------------ helpers

    def _dated(self, at: object) -> datetime:
        """``at`` as an instant, refused before :attr:`recorded_at` (law U2)."""
        instant = require_instant(at, "at")
        if self.recorded_at is not None and instant < self.recorded_at:
            raise InstantOutOfOrderError("at", instant, self.recorded_at)
        return instant

    def _next(self, at: datetime, **changes: Any) -> ServiceObject:
        return attrs.evolve(self, version=self.version + 1, recorded_at=at, **changes)

    def coverage_of(self, kind: CoverageKind) -> WarrantyCoverage | None:
        """The coverage of ``kind``, or ``None``."""
        checked = in_(CoverageKind).check(kind, "kind")
        return next((item for item in self.coverage if item.kind is checked), None)

    def relation(self, relation_id: str) -> ServiceObjectRelation:
        """The relation ``relation_id``.

        Raises:
            InvalidInputError: the object has no relation of this id.
        """
        wanted = is_id.check(relation_id, "relation_id")
        for relation in self.relations:
            if relation.id == wanted:
                return relation
        raise InvalidInputError("relation_id", wanted, f"no relation of this id on {self.id!r}")

    # ------------------------------------------------------------------ operations

    def change_coverage(
        self, kind: CoverageKind, period: DateRange | None, *, at: datetime
    ) -> tuple[ServiceObject, Events]:
        """Set the coverage of ``kind`` to ``period`` (``[start, end)``), or remove it (None).

        The same coverage again changes nothing and returns ``(self, ())``.

        Raises:
            TypeMismatchError: ``kind`` is not a CoverageKind, ``period`` not a DateRange.
            InstantOutOfOrderError: ``at`` is before :attr:`recorded_at` (law U2).
        """
        instant = self._dated(at)
        checked = in_(CoverageKind).check(kind, "kind")
        new_period = _PERIOD.check(period, "period")
        current = self.coverage_of(checked)
        if (current.period if current is not None else None) == new_period:
            return self, ()
        others = tuple(item for item in self.coverage if item.kind is not checked)
        added = () if new_period is None else (WarrantyCoverage(checked, new_period),)
        event = WarrantyCoverageChanged(
            entity_id=self.id, occurred_at=instant, kind=checked, period=new_period
        )
        return self._next(instant, coverage=(*others, *added)), (event,)

    def relate(
        self,
        *,
        relation_id: str,
        kind: RelationKind,
        key: str,
        at: datetime,
        template_bom_id: str | None = None,
    ) -> tuple[ServiceObject, Events]:
        """Attach the object to an agreement or an order (``kind`` and its id ``key``).

        Relating the same relation again changes nothing and returns ``(self, ())``.

        Raises:
            RepairRuleError: another relation of the same id is on the object
                (rule ``relation.conflict``).
            TypeMismatchError, InvalidInputError: a bad argument, named.
            InstantOutOfOrderError: ``at`` is before :attr:`recorded_at` (law U2).
        """
        instant = self._dated(at)
        checked = is_id.check(relation_id, "relation_id")
        relation = ServiceObjectRelation(checked, self.id, kind, key, template_bom_id)
        existing = next((one for one in self.relations if one.id == relation.id), None)
        if existing == relation:
            return self, ()
        if existing is not None:
            raise RepairRuleError(
                self.id,
                "relation.conflict",
                f"relation {relation.id!r} is already {existing!r}, not {relation!r}",
            )
        event = ServiceObjectRelationAdded(
            entity_id=self.id, occurred_at=instant, relation=relation
        )
        return self._next(instant, relations=(*self.relations, relation)), (event,)

    def unrelate(self, relation_id: str, *, at: datetime) -> tuple[ServiceObject, Events]:
        """Remove the relation ``relation_id``.

        Raises:
            InvalidInputError: the object has no relation of this id.
            InstantOutOfOrderError: ``at`` is before :attr:`recorded_at` (law U2).
        """
        instant = self._dated(at)
        removed = self.relation(relation_id)
        kept = tuple(one for one in self.relations if one.id != removed.id)
        event = ServiceObjectRelationRemoved(
            entity_id=self.id, occurred_at=instant, relation_id=removed.id
        )
        return self._next(instant, relations=kept), (event,)

    def assign_template_bom(
        self, template_bom_id: str | None, *, at: datetime
    ) -> tuple[ServiceObject, Events]:
        """Make ``template_bom_id`` the object's one template BOM (``None``: none).

        An object has at most one template BOM; assigning another replaces it. The same
        one again changes nothing and returns ``(self, ())``.

        Raises:
            InvalidInputError: a blank id.
            InstantOutOfOrderError: ``at`` is before :attr:`recorded_at` (law U2).
        """
        instant = self._dated(at)
        checked = is_optional_id.check(template_bom_id, "template_bom_id")
        if checked == self.template_bom_id:
            return self, ()
        event = TemplateBomAssigned(entity_id=self.id, occurred_at=instant, template_bom_id=checked)
        return self._next(instant, template_bom_id=checked), (event,)


_OBJECT: Final = instance_of(ServiceObject)


def warranty_status(obj: ServiceObject, *, on: date) -> WarrantyStatus:
    """The warranty of ``obj`` on day ``on``, derived from its coverage dates.

    A kind covers ``on`` when ``on`` is in its coverage's ``[start, end)`` range: the
    first day covered included, the first day after the last day covered excluded.
    The status depends on the coverage and the day only, never on a stored flag.

    Raises:
        TypeMismatchError: ``obj`` is not a ServiceObject, ``on`` not a date.

    >>> from datetime import UTC, datetime
    >>> card = WarrantyCoverage.inclusive(CoverageKind.PARTS, date(2026, 1, 1), date(2026, 12, 31))
    >>> obj, _ = ServiceObject.create(
    ...     id="OBJ-1", group_id="LAPTOPS", coverage=[card],
    ...     at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    ... )
    >>> status = warranty_status(obj, on=date(2026, 12, 31))
    >>> status.covered(CoverageKind.PARTS), status.of(CoverageKind.PARTS).until
    (True, datetime.date(2026, 12, 31))
    >>> warranty_status(obj, on=date(2027, 1, 1)).covered_kinds
    ()
    """
    checked = _OBJECT.check(obj, "obj")
    return status_on(checked.coverage, on)
