"""A repository of values kept once under their id (private to the adapters).

A value with an id and no version (a template BOM, a requirement) is stored wrapped in an
entity of version 1 that is never saved again; the id is its natural key: an equal value
added again is a no-op, another value under a stored id is refused.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Generic, TypeVar

from servicedomain._checks import Validator, is_id
from servicedomain.errors import AlreadyExistsError, NotFoundError
from servicedomain.ports import Entity, Repository

ValueT = TypeVar("ValueT")
StoredT = TypeVar("StoredT", bound=Entity)


class StoredValues(Generic[ValueT, StoredT]):
    """Values over a :class:`~servicedomain.ports.Repository` of their stored wrappers.

    Args:
        stored: the repository of the wrappers, of a unit of work.
        noun: the value's type name, as errors name it (``"TemplateBom"``).
        id_field: the name of an id argument (``"template_id"``).
        argument: the name of a value argument (``"template"``).
        check: the check of a value argument.
        wrap: the stored wrapper of a value.
        unwrap: the value of a stored wrapper.
    """

    def __init__(
        self,
        stored: Repository[StoredT],
        *,
        noun: str,
        id_field: str,
        argument: str,
        check: Validator[ValueT],
        wrap: Callable[[ValueT], StoredT],
        unwrap: Callable[[StoredT], ValueT],
    ) -> None:
        self._stored = stored
        self._noun, self._id_field, self._argument = noun, id_field, argument
        self._check, self._wrap, self._unwrap = check, wrap, unwrap

    def get(self, value_id: str) -> ValueT:
        """The value with this id.

        Raises:
            NotFoundError: no value with this id (the value's type is named).
            InvalidInputError: the id is not an id.
        """
        checked = is_id.check(value_id, self._id_field)
        try:
            return self._unwrap(self._stored.get(checked))
        except NotFoundError:
            raise NotFoundError(self._noun, checked) from None

    def add(self, value: ValueT) -> None:
        """Store ``value``; an equal value already stored is a no-op.

        Raises:
            AlreadyExistsError: another value is stored under this id (here, or on
                commit when a concurrent unit of work stored one first).
            TypeMismatchError: ``value`` is not of the value's type.
        """
        checked = self._check.check(value, self._argument)
        wrapped = self._wrap(checked)
        try:
            stored = self._unwrap(self._stored.get(wrapped.id))
        except NotFoundError:
            self._stored.add(wrapped)
            return
        if stored != checked:
            raise AlreadyExistsError(self._noun, wrapped.id, 1)

    def list(self) -> builtins.list[ValueT]:
        """Every stored value, in id order."""
        return [self._unwrap(stored) for stored in self._stored.list()]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._stored!r})"
