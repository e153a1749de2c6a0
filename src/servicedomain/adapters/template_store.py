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

import builtins
from typing import Final

import attrs

from servicedomain._checks import instance_of, is_id
from servicedomain.errors import AlreadyExistsError, NotFoundError
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


class StoredTemplateBoms:
    """The :class:`~servicedomain.ports.TemplateBomRepository` over stored templates.

    Args:
        stored: the repository of :class:`StoredTemplateBom` of a unit of work.
    """

    def __init__(self, stored: Repository[StoredTemplateBom]) -> None:
        self._stored = stored

    def get(self, template_id: str) -> TemplateBom:
        """The template with this id.

        Raises:
            NotFoundError: no template with this id (the type named is ``TemplateBom``).
            InvalidInputError: ``template_id`` is not an id.
        """
        checked = is_id.check(template_id, "template_id")
        try:
            return self._stored.get(checked).template
        except NotFoundError:
            raise NotFoundError("TemplateBom", checked) from None

    def add(self, template: TemplateBom) -> None:
        """Store ``template``; an equal template already stored is a no-op.

        Raises:
            AlreadyExistsError: another template is stored under this id (here, or on
                commit when a concurrent unit of work stored one first).
            TypeMismatchError: ``template`` is not a TemplateBom.
        """
        checked = _TEMPLATE.check(template, "template")
        try:
            stored = self._stored.get(checked.id).template
        except NotFoundError:
            self._stored.add(StoredTemplateBom(checked))
            return
        if stored != checked:
            raise AlreadyExistsError("TemplateBom", checked.id, 1)

    def list(self) -> builtins.list[TemplateBom]:
        """Every stored template, in id order."""
        return [stored.template for stored in self._stored.list()]

    def __repr__(self) -> str:
        return f"StoredTemplateBoms({self._stored!r})"
