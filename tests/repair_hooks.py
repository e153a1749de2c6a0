"""Hooks that run the generic repository contract on service objects and service BOMs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import attrs

from servicedomain.ports import RepairUnitOfWork, Repository
from servicedomain.repairs import (
    BomLine,
    RelationKind,
    ServiceBom,
    ServiceObject,
    ServiceObjectRelation,
    TemplateBom,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEMPLATE = TemplateBom(id="T-1", lines=(BomLine(line_id="1", item_id="PC", quantity=1),))


class ServiceObjectHooks:
    def repository(self, uow: RepairUnitOfWork) -> Repository[ServiceObject]:
        return uow.service_objects

    def new_entity(self, entity_id: str) -> ServiceObject:
        return ServiceObject.create(
            id=entity_id, group_id="PCS", item_id="PC", serial_number=entity_id, at=AT
        )[0]

    def changed(self, entity: ServiceObject) -> ServiceObject:
        return attrs.evolve(
            entity, version=entity.version + 1, description=entity.description + "+"
        )


class ServiceBomHooks:
    def repository(self, uow: RepairUnitOfWork) -> Repository[ServiceBom]:
        return uow.service_boms

    def new_entity(self, entity_id: str) -> ServiceBom:
        relation = ServiceObjectRelation(f"R-{entity_id}", "OBJ-1", RelationKind.ORDER, "SO-1")
        return ServiceBom.attach(
            TEMPLATE, id=entity_id, relation=relation, on=date(2026, 3, 2), at=AT
        )[0]

    def changed(self, entity: ServiceBom) -> ServiceBom:
        quantity = entity.line("1").quantity + 1
        return entity.replace_quantity("1", quantity, on=date(2026, 3, 2), order_id="SO-1", at=AT)[
            0
        ]
