"""Service templates and their groups: ready-made lines to copy into agreements."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, cast

import attrs

from servicedomain._checks import check_keys, deep_iterable, instance_of, is_id, is_str
from servicedomain.agreements._lines import AgreementLine, check_line_set
from servicedomain.errors import InvalidInputError, TypeMismatchError
from servicedomain.orders import ServiceTask

_GROUP_REQUIRED: Final = ("id",)
_GROUP_OPTIONAL: Final = ("description", "parent")


def _v_parent(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    # None, or the id of another group (a check across two fields).
    if value is None:
        return
    is_id.check(value, attribute.name)
    if value == instance.id:
        raise InvalidInputError(attribute.name, value, "a template group cannot be its own parent")


@attrs.frozen
class TemplateGroup:
    """A group of service templates; groups form a hierarchy through ``parent_id``.

    Raises:
        TypeMismatchError: a field of the wrong type.
        InvalidInputError: an empty id, or a group that is its own parent.
    """

    id: str = attrs.field(validator=is_id)
    description: str = attrs.field(default="", validator=is_str)
    parent_id: str | None = attrs.field(default=None, validator=_v_parent)


_GROUPS: Final = deep_iterable(instance_of(TemplateGroup))


def _group_tuple(value: Iterable[TemplateGroup]) -> tuple[TemplateGroup, ...]:
    given = cast("object", value)
    if isinstance(given, str | bytes | Mapping) or not isinstance(given, Iterable):
        raise TypeMismatchError("groups", given, "expected an iterable of TemplateGroup")
    return cast("tuple[TemplateGroup, ...]", _GROUPS.check(tuple(given), "groups"))


@attrs.frozen
class TemplateGroups:
    """The template group hierarchy: a forest (several roots are allowed).

    Ids are unique, every parent is a group of the hierarchy, and no chain of parents
    loops. Children keep the order the groups are given in.

    Raises:
        TypeMismatchError: not an iterable of :class:`TemplateGroup`.
        InvalidInputError: a duplicate id (``"groups[i].id"``), an unknown parent or a
            cycle (``"groups[i].parent_id"``).

    >>> groups = TemplateGroups([
    ...     TemplateGroup("HEAT", "Heating"),
    ...     TemplateGroup("BOILER", "Boilers", parent_id="HEAT"),
    ...     TemplateGroup("GAS", "Gas boilers", parent_id="BOILER"),
    ...     TemplateGroup("COOL", "Cooling"),
    ... ])
    >>> [g.id for g in groups.roots], [g.id for g in groups.path_to("GAS")]
    (['HEAT', 'COOL'], ['HEAT', 'BOILER', 'GAS'])
    """

    groups: tuple[TemplateGroup, ...] = attrs.field(converter=_group_tuple)
    _index: dict[str, int] = attrs.field(init=False, eq=False, repr=False)
    _children: dict[str, tuple[TemplateGroup, ...]] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        index: dict[str, int] = {}
        for i, group in enumerate(self.groups):
            if group.id in index:
                raise InvalidInputError(
                    f"groups[{i}].id", group.id, f"duplicate id; groups[{index[group.id]}] has it"
                )
            index[group.id] = i
        kids: dict[str, list[TemplateGroup]] = {group.id: [] for group in self.groups}
        for i, group in enumerate(self.groups):
            if group.parent_id is None:
                continue
            if group.parent_id not in index:
                raise InvalidInputError(
                    f"groups[{i}].parent_id", group.parent_id, "no template group has this id"
                )
            kids[group.parent_id].append(group)
        self._refuse_cycles(index)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in kids.items()})

    def _refuse_cycles(self, index: dict[str, int]) -> None:
        rooted: set[str] = set()
        for i, group in enumerate(self.groups):
            chain: list[str] = []
            current: TemplateGroup | None = group
            while current is not None and current.id not in rooted:
                if current.id in chain:
                    loop = " -> ".join(
                        repr(g) for g in [*chain[chain.index(current.id) :], current.id]
                    )
                    raise InvalidInputError(
                        f"groups[{i}].parent_id",
                        group.parent_id,
                        f"a cycle {loop}; template groups form a tree",
                    )
                chain.append(current.id)
                parent = current.parent_id
                current = None if parent is None else self.groups[index[parent]]
            rooted.update(chain)

    def _get(self, group_id: object, field: str = "group_id") -> TemplateGroup:
        if not isinstance(group_id, str):
            raise TypeMismatchError(field, group_id, "expected a template group id (str)")
        position = self._index.get(group_id)
        if position is None:
            raise InvalidInputError(field, group_id, "not a template group of this hierarchy")
        return self.groups[position]

    def __contains__(self, group_id: object) -> bool:
        return isinstance(group_id, str) and group_id in self._index

    def __iter__(self) -> Iterator[TemplateGroup]:
        return iter(self.groups)

    def __len__(self) -> int:
        return len(self.groups)

    def group(self, group_id: str) -> TemplateGroup:
        """The group with this id.

        Raises:
            InvalidInputError: no such group (field ``group_id``).
        """
        return self._get(group_id)

    @property
    def roots(self) -> tuple[TemplateGroup, ...]:
        """The groups without a parent, in the order given."""
        return tuple(group for group in self.groups if group.parent_id is None)

    def children(self, group_id: str) -> tuple[TemplateGroup, ...]:
        """The groups whose parent is ``group_id``, in the order given."""
        return self._children[self._get(group_id).id]

    def parent(self, group_id: str) -> TemplateGroup | None:
        """The parent of ``group_id``; ``None`` for a root."""
        parent_id = self._get(group_id).parent_id
        return None if parent_id is None else self.groups[self._index[parent_id]]

    def path_to(self, group_id: str) -> tuple[TemplateGroup, ...]:
        """The groups from the root down to ``group_id``, both included."""
        path = [self._get(group_id)]
        while (parent_id := path[-1].parent_id) is not None:
            path.append(self.groups[self._index[parent_id]])
        return tuple(reversed(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> TemplateGroups:
        """Build from a dict such as JSON or TOML gives.

        The shape is ``{"groups": [{"id", "description", "parent"}]}``; ``description``
        and ``parent`` may be omitted. A missing key, or one not listed, is refused
        (the reason names ``TemplateGroups`` or ``TemplateGroup``).

        Raises:
            InvalidInputError: ``field`` is the culprit's path, e.g. ``"groups[1].parent"``.
            TypeMismatchError: ``data`` or an entry is not a mapping (``"data"``,
                ``"groups[i]"``).

        >>> data = {"groups": [{"id": "HEAT"}, {"id": "GAS", "parent": "HEAT"}]}
        >>> TemplateGroups.from_dict(data).to_dict()
        {'groups': [{'id': 'HEAT', 'description': ''},
                    {'id': 'GAS', 'description': '', 'parent': 'HEAT'}]}
        """
        entries = check_keys(data, kind="TemplateGroups", required=("groups",))["groups"]
        if isinstance(entries, str | bytes) or not isinstance(entries, Sequence):
            raise InvalidInputError("groups", entries, "expected a list of template groups")
        groups: list[TemplateGroup] = []
        for i, entry in enumerate(entries):
            path = f"groups[{i}]"
            check_keys(
                entry,
                kind="TemplateGroup",
                required=_GROUP_REQUIRED,
                optional=_GROUP_OPTIONAL,
                path=f"{path}.",
            )
            try:
                groups.append(
                    TemplateGroup(entry["id"], entry.get("description", ""), entry.get("parent"))
                )
            except InvalidInputError as error:
                name = "parent" if error.field == "parent_id" else error.field
                raise type(error)(f"{path}.{name}", error.value, error.reason) from None
        try:
            return cls(groups)
        except InvalidInputError as error:
            raise InvalidInputError(
                error.field.replace(".parent_id", ".parent"), error.value, error.reason
            ) from None

    def to_dict(self) -> dict[str, object]:
        """The hierarchy as plain data; :meth:`from_dict` reads it back to an equal value.

        A root has no ``parent`` key (TOML has no null).
        """
        entries: list[dict[str, str]] = []
        for group in self.groups:
            entry = {"id": group.id, "description": group.description}
            if group.parent_id is not None:
                entry["parent"] = group.parent_id
            entries.append(entry)
        return {"groups": entries}


@attrs.frozen(kw_only=True)
class ServiceTemplate:
    """A service template: lines (with the objects and tasks they name) to copy.

    Copying a template into an agreement (``ServiceAgreement.copy_lines_from``) copies
    its lines that are not stopped, renumbered, and relates the objects and tasks they
    reference. A template is no agreement or order, so it holds no object relations:
    ``service_object_ids`` are the objects its lines may name.

    Raises:
        TypeMismatchError: a field of the wrong type.
        InvalidInputError: an empty id; duplicate line numbers or related ids; a line
            referencing an object or task the template does not relate
            (``"lines[i].service_object_id"``).
    """

    id: str = attrs.field(validator=is_id)
    description: str = attrs.field(default="", validator=is_str)
    group_id: str = attrs.field(validator=is_id)
    lines: tuple[AgreementLine, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(AgreementLine))
    )
    service_object_ids: tuple[str, ...] = attrs.field(default=(), validator=deep_iterable(is_id))
    service_tasks: tuple[ServiceTask, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(ServiceTask))
    )

    def __attrs_post_init__(self) -> None:
        check_line_set(
            self.lines,
            self.service_object_ids,
            self.service_tasks,
            f"template {self.id!r}",
            objects_field="service_object_ids",
        )
        if [line.number for line in self.lines] != sorted(line.number for line in self.lines):
            object.__setattr__(
                self, "lines", tuple(sorted(self.lines, key=lambda line: line.number))
            )
