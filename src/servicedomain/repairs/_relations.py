"""Service object relations: a service object attached to an agreement or an order.

AX's ``SMAServiceObjectRelation``: a relation has its own id, names the object and what
it is attached to (the kind, agreement or order, and that document's id) and may carry
the template BOM its service BOM is made from. An agreement relation serves every order
of that agreement.
"""

from __future__ import annotations

import attrs

from servicedomain._checks import in_, is_id, is_optional_id
from servicedomain._enums import StrictEnum


class RelationKind(StrictEnum):
    """What a service object relation attaches the object to (AX ``RelTableId``)."""

    AGREEMENT = "agreement"
    ORDER = "order"


@attrs.frozen
class ServiceObjectRelation:
    """A service object attached to an agreement or an order.

    Attributes:
        id: the relation's id (AX ``ServiceObjectRelationId``).
        object_id: the service object.
        kind: agreement or order.
        key: the id of the agreement or order (AX ``RelKeyId``).
        template_bom_id: the template BOM of the relation's service BOM, if any.

    >>> ServiceObjectRelation("REL-1", "OBJ-1", RelationKind.ORDER, "SO-1").kind.value
    'order'
    """

    id: str = attrs.field(validator=is_id)
    object_id: str = attrs.field(validator=is_id)
    kind: RelationKind = attrs.field(validator=in_(RelationKind))
    key: str = attrs.field(validator=is_id)
    template_bom_id: str | None = attrs.field(default=None, validator=is_optional_id)
