"""One source of truth for object relations: the document owns them, the object caches them.

AX keeps one table, ``SMAServiceObjectRelation``, keyed by the document it attaches an
object to (``RelTableId``/``RelKeyId``). Here the service order's or the agreement's
``object_relations`` is that table; a service object's ``relations`` is a cache of the
relations of the documents that name it, written in the same unit of work as the
document (all or nothing), by :meth:`~servicedomain.app.RepairDesk.relate` and
:meth:`~servicedomain.app.ServiceDesk.relate_object` alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from servicedomain.errors import NotFoundError, RepairRuleError
from servicedomain.ports import ServiceObjectRepository
from servicedomain.repairs import ServiceObject, ServiceObjectRelation


def refuse_shared_relation_id(
    objects: ServiceObjectRepository, relation: ServiceObjectRelation
) -> None:
    """Refuse ``relation`` when its id is a relation of another stored object.

    A relation id names one relation of one object (a service BOM is found by its
    relation). The check reads the stored objects in the unit of work that relates
    (one pass over them). Two units of work relating two objects by the same new id at
    the very same time may both pass it; the store refuses the second commit then (the
    SQL store's key on relation ids, migration 0004; the memory store's check at
    commit) with :class:`~servicedomain.errors.ConcurrencyConflictError`, and running
    that unit of work again meets this rule.

    Raises:
        RepairRuleError: rule ``relation.id_taken``, on the other object.
    """
    for other in objects.list():
        if other.id != relation.object_id and any(r.id == relation.id for r in other.relations):
            raise RepairRuleError(
                other.id,
                "relation.id_taken",
                f"relation id {relation.id!r} is a relation of service object {other.id!r}, "
                f"not of {relation.object_id!r}",
            )


def cache_on_object(
    uow: Any, obj: ServiceObject, relation: ServiceObjectRelation, *, at: datetime
) -> tuple[ServiceObject, bool]:
    """Write ``relation`` into the cached relations of ``obj``, loaded from ``uow``.

    Saved with the version loaded and its events collected, not committed. Returns
    the object after it and whether it changed.

    Raises:
        RepairRuleError: rules ``relation.conflict`` (the object holds another relation
            of this id) and ``relation.id_taken`` (another object holds this id).
    """
    objects: ServiceObjectRepository = uow.service_objects
    changed, events = obj.relate(
        relation_id=relation.id,
        kind=relation.kind,
        key=relation.key,
        template_bom_id=relation.template_bom_id,
        at=at,
    )
    if events:
        refuse_shared_relation_id(objects, relation)
        objects.save(changed, expected_version=obj.version)
        uow.collect(events)
    return changed, bool(events)


def stored_object(uow: Any, object_id: str) -> ServiceObject | None:
    """The stored object ``object_id`` of ``uow``, or ``None``.

    ``None`` when the unit of work has no ``service_objects`` (a host without repair
    storage) or does not hold the object: the document is then the only holder of
    the relation, and an object stored later starts with no relations.
    """
    objects: ServiceObjectRepository | None = getattr(uow, "service_objects", None)
    if objects is None:
        return None
    try:
        return objects.get(object_id)
    except NotFoundError:
        return None


def cache_where_stored(
    uow: Any, relations: tuple[ServiceObjectRelation, ...], *, at: datetime
) -> bool:
    """Cache each of a document's ``relations`` on its object, where ``uow`` stores it.

    The service desk's side (:func:`stored_object` says which objects are skipped).
    Returns whether any object changed.

    Raises:
        RepairRuleError: as :func:`cache_on_object` says.
    """
    changed_any = False
    for relation in relations:
        obj = stored_object(uow, relation.object_id)
        if obj is not None:
            changed_any = cache_on_object(uow, obj, relation, at=at)[1] or changed_any
    return changed_any
