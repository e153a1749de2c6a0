"""Moving lines between two service orders of one agreement (AX *Move service order lines*)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Final, NamedTuple

import attrs

from servicedomain._checks import check_numbers, deep_iterable, instance_of, optional
from servicedomain.errors import OrderRuleError
from servicedomain.events import DomainEvent
from servicedomain.orders._events import (
    LinesMoved,
    ServiceObjectRelated,
    ServiceOrderDeleted,
    ServiceTaskRelated,
)
from servicedomain.orders._lines import LineStatus
from servicedomain.orders._order import (
    Events,
    ServiceOrder,
    _merge_related,
    _number,
    refuse_line_with_requirements,
)
from servicedomain.repairs import RelationKind
from servicedomain.stages import Action, StageGraph

_ORDER: Final = instance_of(ServiceOrder)
_OPTIONAL_ORDER: Final = optional(_ORDER)
_EVENTS: Final = deep_iterable(instance_of(DomainEvent))
_GRAPH: Final = instance_of(StageGraph)
_BOOL: Final = instance_of(bool, reason="expected a bool")


class _MovedLinesFields(NamedTuple):
    target: ServiceOrder
    source: ServiceOrder | None
    events: Events


class MovedLines(_MovedLinesFields):
    """The result of :func:`move_lines`: a tuple ``(target, source, events)``.

    Attributes:
        target: the order the lines moved to (``version + 1``).
        source: the order they came from (``version + 1``), or ``None`` when it was
            left empty and deleted (``drop_empty_source``).
        events: the events of both orders, in order.

    Raises:
        TypeMismatchError: a field of the wrong type (named).
    """

    __slots__ = ()

    def __new__(
        cls, target: ServiceOrder, source: ServiceOrder | None, events: Events
    ) -> MovedLines:
        _ORDER.check(target, "target")
        _OPTIONAL_ORDER.check(source, "source")
        _EVENTS.check(events, "events")
        return super().__new__(cls, target, source, events)


def move_lines(
    graph: StageGraph,
    source: ServiceOrder,
    target: ServiceOrder,
    numbers: Collection[int],
    *,
    at: datetime,
    drop_empty_source: bool = False,
) -> MovedLines:
    """Move Created lines from ``source`` to ``target``, two orders of one agreement.

    The moved lines are numbered in ``target`` from its highest number + 1, in the
    order of their source numbers, and keep every other field. The tasks they
    reference, and the agreement relations of the objects they name, are related to
    ``target`` as well (unchanged: an agreement relation serves every order of the
    agreement); an object related to the source by an order relation only must be
    related to ``target`` first. With
    ``drop_empty_source`` (AX *Delete empty service order*), a source left without
    lines is deleted: ``None`` comes back in its place, with a ``ServiceOrderDeleted``
    event. Both orders get ``version + 1``.

    Returns:
        ``(target, source, events)`` as a :class:`MovedLines`: the new target, the new
        source (or ``None`` when it was dropped), and the events of both orders
        (``LinesMoved`` for the source, ``ServiceOrderDeleted`` when it was dropped, the
        relations the target gained, ``LinesMoved`` for the target).

    Raises:
        OrderRuleError: the orders are the same (``move.same_order``) or not on one
            agreement (``move.same_agreement``); a line is not Created
            (``move.line_not_created``); a line names an object related to the source
            by an order relation only (``move.object_not_related``); a relation or task
            id is related to the target with another value (``object.conflict`` /
            ``task.conflict``).
        ItemRequirementError: a line has item requirements
            (``line.has_item_requirements``): remove them first.
        StageRuleError: a stage does not allow modify, or the source's stage does not
            allow delete when it would be dropped.
        UnknownLineError: a number is not on the source.
        InvalidInputError: ``numbers`` is empty or names a line twice.
        InstantOutOfOrderError: ``at`` is before the last instant either order
            recorded (law U2).
    """
    _GRAPH.check(graph, "graph")
    _ORDER.check(source, "source")
    _ORDER.check(target, "target")
    instant = source._dated(at)
    target._dated(instant)
    wanted = check_numbers(numbers)
    _BOOL.check(drop_empty_source, "drop_empty_source")
    if source.id == target.id:
        raise OrderRuleError(source.id, "move.same_order", "lines move between two orders")
    if source.agreement_id is None or source.agreement_id != target.agreement_id:
        raise OrderRuleError(
            source.id,
            "move.same_agreement",
            f"lines move only between orders of one agreement; source agreement "
            f"{source.agreement_id!r}, target {target.id!r} agreement {target.agreement_id!r}",
        )
    source._require(graph, Action.MODIFY)
    target._require(graph, Action.MODIFY)
    moving = sorted((source.lines[source._index(n)] for n in wanted), key=_number)
    for line in moving:
        if line.status is not LineStatus.CREATED:
            raise OrderRuleError(
                source.id,
                "move.line_not_created",
                f"line {line.number} is {line.status.value}; only Created lines move",
            )
        refuse_line_with_requirements(source.id, line, "moved")
    moved_numbers = {line.number for line in moving}
    remaining = tuple(line for line in source.lines if line.number not in moved_numbers)
    dropping = drop_empty_source and not remaining
    if dropping:
        source._require(graph, Action.DELETE)
    object_ids = {line.service_object_id for line in moving} - {None}
    carried = []
    for relation in source.object_relations:
        if relation.object_id not in object_ids or target.relation_of(relation.object_id):
            continue
        if relation.kind is not RelationKind.AGREEMENT:
            raise OrderRuleError(
                source.id,
                "move.object_not_related",
                f"a moving line names service object {relation.object_id!r}, related to "
                f"order {source.id!r} only (relation {relation.id!r}); relate it to "
                f"{target.id!r} first",
            )
        carried.append(relation)
    task_ids = {line.service_task_id for line in moving}
    objects = _merge_related(target.id, "object", target.object_relations, carried)
    tasks = _merge_related(
        target.id,
        "task",
        target.service_tasks,
        (task for task in source.service_tasks if task.id in task_ids),
    )
    first = target._next_number()
    renumbered = tuple(
        attrs.evolve(line, number=first + offset) for offset, line in enumerate(moving)
    )
    pairs = tuple((old.number, new.number) for old, new in zip(moving, renumbered, strict=True))
    new_target = target._next(
        instant, object_relations=objects, service_tasks=tasks, lines=(*target.lines, *renumbered)
    )
    events: list[DomainEvent] = [
        LinesMoved(
            entity_id=source.id,
            occurred_at=instant,
            source_order_id=source.id,
            target_order_id=target.id,
            moved=pairs,
        )
    ]
    if dropping:
        events.append(
            ServiceOrderDeleted(
                entity_id=source.id,
                occurred_at=instant,
                customer_id=source.customer_id,
                agreement_id=source.agreement_id,
            )
        )
    events.extend(
        ServiceObjectRelated(entity_id=target.id, occurred_at=instant, relation=relation)
        for relation in objects[len(target.object_relations) :]
    )
    events.extend(
        ServiceTaskRelated(entity_id=target.id, occurred_at=instant, service_task=task)
        for task in tasks[len(target.service_tasks) :]
    )
    events.append(
        LinesMoved(
            entity_id=target.id,
            occurred_at=instant,
            source_order_id=source.id,
            target_order_id=target.id,
            moved=pairs,
        )
    )
    new_source = None if dropping else source._next(instant, lines=remaining)
    return MovedLines(new_target, new_source, tuple(events))
