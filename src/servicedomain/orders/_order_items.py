"""The item requirements of a service order's item lines (a part of :class:`ServiceOrder`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from servicedomain._checks import require_id, require_instance
from servicedomain.errors import ItemRequirementError
from servicedomain.events import DomainEvent
from servicedomain.orders._events import ItemRequirementAdded, ItemRequirementRemoved
from servicedomain.orders._lines import ItemRequirement, ServiceOrderLine, TransactionType
from servicedomain.stages import Action, StageGraph

if TYPE_CHECKING:
    from servicedomain.orders._order import ServiceOrder

Events = tuple[DomainEvent, ...]


class ItemRequirements:
    """Add and remove the item requirements of item lines; guard what they block.

    The rules (AX *Item requirements*): a requirement goes on an open (Created) item
    line of an order that has a project, while the stage allows modify. An order with
    item requirements is neither canceled nor deleted, a line with one is neither
    removed, canceled nor moved, and its type and item do not change, until the
    requirements are removed. Refusals are :class:`~servicedomain.errors.ItemRequirementError`
    naming the order, the line and the requirement.
    """

    __slots__ = ()

    if TYPE_CHECKING:  # the fields and helpers of ServiceOrder this part uses
        id: str
        project_id: str | None
        lines: tuple[ServiceOrderLine, ...]

        def _next(self, at: datetime, **changes: Any) -> ServiceOrder: ...
        def _dated(self, at: object) -> datetime: ...
        def _index(self, number: object) -> int: ...
        def _require(self, graph: StageGraph, action: Action) -> None: ...
        def _require_open(self, line: ServiceOrderLine) -> None: ...
        def _with_line(
            self, index: int, line: ServiceOrderLine
        ) -> tuple[ServiceOrderLine, ...]: ...

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
        require_instance(requirement, ItemRequirement, "requirement")
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
        wanted = require_id(requirement_id, "requirement_id")
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
