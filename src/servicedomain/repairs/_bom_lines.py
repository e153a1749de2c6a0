"""BOM lines and template BOMs: trees of items a service object is made of (private).

A BOM (bill of materials) is a tree of lines, each naming an item, a quantity, a unit
and the line it sits under (``None`` for a top line). The tree is checked wherever one
is built: line ids are unique, a parent is a line of the same BOM, and following the
parents never comes back to a line (no cycle).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Final

import attrs

from servicedomain._checks import (
    deep_iterable,
    instance_of,
    is_id,
    is_optional_id,
    is_quantity,
    is_str,
    items,
)
from servicedomain.errors import InvalidBomError


def _quantity(value: Decimal | int) -> Decimal:
    return is_quantity.check(value, "quantity")


@attrs.frozen(kw_only=True, weakref_slot=False)
class BomLine:
    """One line of a BOM: an item, how many of it, and the line it sits under.

    Attributes:
        line_id: the line's id, unique in its BOM (and never reused in a service BOM's
            history).
        item_id: the item the line is.
        quantity: how many, an exact quantity >= 0 with at most 6 decimals (an int is
            read as a Decimal).
        unit: the unit of the quantity (``"pcs"``), may be empty.
        parent_id: the line this one sits under, or ``None`` for a top line.
        serial_number: the serial number of the part in place, if it has one.

    Raises:
        InvalidQuantityError: a float, negative or too precise quantity.
        InvalidInputError: an id that is blank or too long.
    """

    line_id: str = attrs.field(validator=is_id)
    item_id: str = attrs.field(validator=is_id)
    quantity: Decimal = attrs.field(converter=_quantity)
    unit: str = attrs.field(default="", validator=is_str)
    parent_id: str | None = attrs.field(default=None, validator=is_optional_id)
    serial_number: str | None = attrs.field(default=None, validator=is_optional_id)


_LINES: Final = deep_iterable(instance_of(BomLine), items("BomLine values"))


def _lines(value: object) -> tuple[BomLine, ...]:
    return _LINES.check(value, "lines")


def check_tree(lines: tuple[BomLine, ...], field: str = "lines") -> dict[str, BomLine]:
    """The lines by id, once checked as a tree (ids unique, parents known, no cycle).

    Raises:
        InvalidBomError: ``field[i]`` names the culprit line.
    """
    by_id: dict[str, BomLine] = {}
    for index, line in enumerate(lines):
        if line.line_id in by_id:
            raise InvalidBomError(
                f"{field}[{index}].line_id", line.line_id, "a line id is used once in a BOM"
            )
        by_id[line.line_id] = line
    for index, line in enumerate(lines):
        if line.parent_id is not None and line.parent_id not in by_id:
            raise InvalidBomError(
                f"{field}[{index}].parent_id",
                line.parent_id,
                f"the parent of line {line.line_id!r} is not a line of the BOM",
            )
    done: set[str] = set()
    for index, line in enumerate(lines):
        path: list[str] = []
        current: BomLine | None = line
        while current is not None and current.line_id not in done:
            if current.line_id in path:
                cycle = " -> ".join([*path[path.index(current.line_id) :], current.line_id])
                raise InvalidBomError(
                    f"{field}[{index}].parent_id",
                    line.parent_id,
                    f"the parents of line {line.line_id!r} form a cycle: {cycle}",
                )
            path.append(current.line_id)
            current = None if current.parent_id is None else by_id[current.parent_id]
        done.update(path)
    return by_id


def subtree(lines: Iterable[BomLine], line_id: str) -> tuple[BomLine, ...]:
    """The line ``line_id`` and every line under it, the line first, then in BOM order."""
    ordered = tuple(lines)
    children: dict[str | None, list[str]] = {}
    for line in ordered:
        children.setdefault(line.parent_id, []).append(line.line_id)
    inside = {line_id}
    pending = [line_id]
    while pending:
        for child in children.get(pending.pop(), ()):
            inside.add(child)
            pending.append(child)
    found = [line for line in ordered if line.line_id == line_id]
    return (*found, *(line for line in ordered if line.line_id in inside - {line_id}))


def known_line(by_id: Mapping[str, BomLine], line_id: object, field: str = "line_id") -> BomLine:
    """The line ``line_id`` of ``by_id``, or InvalidBomError naming ``field``."""
    found = by_id.get(is_id.check(line_id, field))
    if found is None:
        raise InvalidBomError(field, line_id, "not a line of the BOM")
    return found


@attrs.frozen(kw_only=True, weakref_slot=False)
class TemplateBom:
    """A template BOM: the tree of lines a service object is made of (AX template BOM).

    Created by hand or copied from another BOM (:meth:`copy_of`), edited freely
    (:meth:`insert_line`, :meth:`delete_line`, :meth:`change_quantity` each return a new
    template), and attached to an object relation with
    :meth:`ServiceBom.attach <servicedomain.repairs.ServiceBom.attach>`, which copies it:
    later edits of the template never reach a service BOM made from it.

    Attributes:
        id: the template's id.
        lines: the lines, a tree (parents may come after their children).
        description: free text.

    Raises:
        InvalidBomError: a repeated line id, an unknown parent or a cycle of parents
            (``field`` is ``lines[i].line_id`` or ``lines[i].parent_id``).
    """

    id: str = attrs.field(validator=is_id)
    lines: tuple[BomLine, ...] = attrs.field(default=(), converter=_lines)
    description: str = attrs.field(default="", validator=is_str)

    def __attrs_post_init__(self) -> None:
        check_tree(self.lines)

    @classmethod
    def copy_of(cls, lines: Iterable[BomLine], *, id: str, description: str = "") -> TemplateBom:
        """A new template with the lines of another BOM.

        ``lines`` is another template's :attr:`lines`, or a service BOM's
        :attr:`~servicedomain.repairs.ServiceBom.current` or
        :meth:`~servicedomain.repairs.ServiceBom.as_of` a day.
        """
        return cls(id=id, lines=_LINES.check(lines, "lines"), description=description)

    def line(self, line_id: str) -> BomLine:
        """The line ``line_id``.

        Raises:
            InvalidBomError: no such line.
        """
        return known_line({line.line_id: line for line in self.lines}, line_id)

    def insert_line(self, line: BomLine) -> TemplateBom:
        """The template with ``line`` added at the end.

        Raises:
            InvalidBomError: its id is taken or its parent unknown (``field`` names
                ``line.line_id`` or ``line.parent_id``).
        """
        instance_of(BomLine).check(line, "line")
        ids = {existing.line_id for existing in self.lines}
        if line.line_id in ids:
            raise InvalidBomError("line.line_id", line.line_id, "the template has this line")
        if line.parent_id is not None and line.parent_id not in ids:
            raise InvalidBomError("line.parent_id", line.parent_id, "not a line of the template")
        return attrs.evolve(self, lines=(*self.lines, line))

    def delete_line(self, line_id: str) -> TemplateBom:
        """The template without the line ``line_id`` and every line under it.

        Raises:
            InvalidBomError: no such line.
        """
        self.line(line_id)
        gone = {line.line_id for line in subtree(self.lines, line_id)}
        return attrs.evolve(self, lines=tuple(x for x in self.lines if x.line_id not in gone))

    def change_quantity(self, line_id: str, quantity: Decimal | int) -> TemplateBom:
        """The template with the line ``line_id`` holding ``quantity``.

        Raises:
            InvalidBomError: no such line.
            InvalidQuantityError: a float, negative or too precise quantity.
        """
        found = self.line(line_id)
        checked = is_quantity.check(quantity, "quantity")
        changed = attrs.evolve(found, quantity=checked)
        return attrs.evolve(self, lines=tuple(changed if x is found else x for x in self.lines))
