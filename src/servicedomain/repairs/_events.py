"""The events a service object's operations return (each a frozen DomainEvent)."""

from __future__ import annotations

from typing import Final

import attrs

from servicedomain._checks import in_, instance_of, is_id, is_optional_id, optional
from servicedomain.events import DomainEvent
from servicedomain.periods import DateRange
from servicedomain.repairs._relations import ServiceObjectRelation
from servicedomain.repairs._warranty import CoverageKind

_PERIOD: Final = optional(instance_of(DateRange))


@attrs.frozen(kw_only=True)
class ServiceObjectCreated(DomainEvent):
    """A service object was created (version 1)."""

    group_id: str = attrs.field(validator=is_id)
    item_id: str | None = attrs.field(validator=is_optional_id)
    serial_number: str | None = attrs.field(validator=is_optional_id)
    template_bom_id: str | None = attrs.field(validator=is_optional_id)


@attrs.frozen(kw_only=True)
class WarrantyCoverageChanged(DomainEvent):
    """The coverage of one kind changed; ``period`` is the new one (``None``: removed)."""

    kind: CoverageKind = attrs.field(validator=in_(CoverageKind))
    period: DateRange | None = attrs.field(validator=_PERIOD)


@attrs.frozen(kw_only=True)
class ServiceObjectRelationAdded(DomainEvent):
    """The object was attached to an agreement or an order by ``relation``."""

    relation: ServiceObjectRelation = attrs.field(validator=instance_of(ServiceObjectRelation))


@attrs.frozen(kw_only=True)
class ServiceObjectRelationRemoved(DomainEvent):
    """The relation ``relation_id`` was removed from the object."""

    relation_id: str = attrs.field(validator=is_id)


@attrs.frozen(kw_only=True)
class TemplateBomAssigned(DomainEvent):
    """The object's template BOM changed (``None``: it has none any more)."""

    template_bom_id: str | None = attrs.field(validator=is_optional_id)
