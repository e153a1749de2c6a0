"""Template BOMs kept as entities: what lets any repository store them by id.

A :class:`~servicedomain.repairs.TemplateBom` is a value without a version; a store
keeps it wrapped in a :class:`StoredTemplateBom` (version 1, never saved again), and
:class:`StoredTemplateBoms` gives the
:class:`~servicedomain.ports.TemplateBomRepository` of templates over the
:class:`~servicedomain.ports.Repository` of those: the in-memory and the SQL unit of
work both use it, so the id is the natural key in both (an equal template added again
is a no-op, another template under a stored id is refused).
"""

from __future__ import annotations

from typing import Final

import attrs

from servicedomain._checks import instance_of
from servicedomain.adapters._stored_values import StoredValues
from servicedomain.ports import Repository
from servicedomain.repairs import TemplateBom

__all__ = ["StoredTemplateBom", "StoredTemplateBoms"]

_TEMPLATE: Final = instance_of(TemplateBom)


@attrs.frozen
class StoredTemplateBom:
    """A template BOM as a store keeps it: its id, version 1 (templates never change).

    Attributes:
        template: the template.
    """

    template: TemplateBom = attrs.field(validator=_TEMPLATE)

    @property
    def id(self) -> str:
        """The template's id."""
        return self.template.id

    @property
    def version(self) -> int:
        """Always 1: a changed template is a new template under a new id."""
        return 1


class StoredTemplateBoms(StoredValues[TemplateBom, StoredTemplateBom]):
    """The :class:`~servicedomain.ports.TemplateBomRepository` over stored templates.

    ``get(template_id)``, ``add(template)`` (an equal template again: a no-op; another
    under a stored id: :class:`~servicedomain.errors.AlreadyExistsError`) and ``list()``.

    Args:
        stored: the repository of :class:`StoredTemplateBom` of a unit of work.
    """

    def __init__(self, stored: Repository[StoredTemplateBom]) -> None:
        super().__init__(
            stored,
            noun="TemplateBom",
            id_field="template_id",
            argument="template",
            check=_TEMPLATE,
            wrap=StoredTemplateBom,
            unwrap=lambda kept: kept.template,
        )
