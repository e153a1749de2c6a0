"""The repair repositories of the in-memory reference adapter.

:class:`~servicedomain.adapters.memory.InMemoryUnitOfWork` exposes them as
:attr:`~servicedomain.adapters.memory.InMemoryUnitOfWork.service_objects`,
:attr:`~servicedomain.adapters.memory.InMemoryUnitOfWork.service_boms` and
:attr:`~servicedomain.adapters.memory.InMemoryUnitOfWork.template_boms`, so it
implements :class:`~servicedomain.ports.RepairUnitOfWork` besides the other ports.
The queries filter the rows the unit of work sees (committed, with its own writes on
top).
"""

from __future__ import annotations

import builtins

from servicedomain._checks import is_id, is_optional_id
from servicedomain.adapters.memory import InMemoryRepository
from servicedomain.repairs import ServiceBom, ServiceObject

__all__ = [
    "InMemoryServiceBomRepository",
    "InMemoryServiceObjectRepository",
]


class InMemoryServiceObjectRepository(InMemoryRepository[ServiceObject]):
    """The in-memory repository of service objects, with the item and group queries."""

    def for_item(
        self, item_id: str, *, serial_number: str | None = None
    ) -> builtins.list[ServiceObject]:
        """The objects of ``item_id`` (with ``serial_number``, if given), in id order.

        Raises:
            InvalidInputError: an argument is not an id.
        """
        is_id.check(item_id, "item_id")
        is_optional_id.check(serial_number, "serial_number")
        return [
            obj
            for obj in self.list()
            if obj.item_id == item_id
            and (serial_number is None or obj.serial_number == serial_number)
        ]

    def for_group(self, group_id: str) -> builtins.list[ServiceObject]:
        """The objects of the service object group ``group_id``, in id order.

        Raises:
            InvalidInputError: ``group_id`` is not an id.
        """
        is_id.check(group_id, "group_id")
        return [obj for obj in self.list() if obj.group_id == group_id]


class InMemoryServiceBomRepository(InMemoryRepository[ServiceBom]):
    """The in-memory repository of service BOMs, by relation and by service object."""

    def for_relation(self, relation_id: str) -> ServiceBom | None:
        """The service BOM on ``relation_id``, or ``None`` (the first in id order).

        Raises:
            InvalidInputError: ``relation_id`` is not an id.
        """
        is_id.check(relation_id, "relation_id")
        return next((bom for bom in self.list() if bom.relation_id == relation_id), None)

    def for_object(self, service_object_id: str) -> builtins.list[ServiceBom]:
        """Every service BOM of ``service_object_id``, in id order.

        Raises:
            InvalidInputError: ``service_object_id`` is not an id.
        """
        is_id.check(service_object_id, "service_object_id")
        return [bom for bom in self.list() if bom.service_object_id == service_object_id]
