"""Service BOMs: the local, versioned copy of a template BOM on an object relation (private).

A :class:`ServiceBom` is an entity whose state is its history: the template lines copied
when it was attached, then its change events in order. Its constructor replays them all
(so a stored BOM whose history does not add up is refused); an operation checks its
one change, applies it to the current lines and appends it.

:meth:`ServiceBom.as_of` answers "what did the BOM look like at the end of this day"
without a replay: each line ever in the BOM keeps the days of its changes (sorted, since
changes never go back in time) and its state after each, so a day is one bisection per
line. The index is built on the first :meth:`~ServiceBom.as_of`, then extended change by
change and shared by the snapshots that follow.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, TypeVar

import attrs

from servicedomain import _trusted
from servicedomain._checks import (
    deep_iterable,
    instance_of,
    is_date,
    is_id,
    is_instant,
    is_optional_id,
    is_quantity,
    is_version,
    items,
    optional,
)
from servicedomain.errors import InvalidBomError, InvalidQuantityError, RepairRuleError
from servicedomain.repairs._bom_events import (
    BOM_CHANGES,
    BillableItem,
    BomChange,
    BomLineDeleted,
    BomLineInserted,
    BomLineReplaced,
    BomQuantityReplaced,
    BomQuantityUpdated,
    ServiceBomAttached,
    ServiceBomMoved,
    is_delta,
)
from servicedomain.repairs._bom_lines import BomLine, TemplateBom, check_tree, known_line, subtree
from servicedomain.repairs._relations import ServiceObjectRelation

_LINES: Final = deep_iterable(instance_of(BomLine))
_CHANGES: Final = deep_iterable(instance_of(BOM_CHANGES))
_BILLABLE: Final = optional(instance_of(BillableItem))
_RELATION: Final = instance_of(ServiceObjectRelation)

_C = TypeVar(
    "_C", BomLineInserted, BomLineDeleted, BomLineReplaced, BomQuantityUpdated, BomQuantityReplaced
)


# ------------------------------------------------------------------------- replay


def _apply(current: dict[str, BomLine], used: set[str], change: BomChange, field: str) -> None:
    """Apply one change to ``current`` (lines by id) and ``used`` (ids ever used), checked.

    The one step of every replay: the constructor's, an operation's and :func:`replay_bom`'s.

    Raises:
        InvalidBomError: the change does not fit the lines (``field`` names it).
    """
    prefix = f"{field}." if field else ""
    if isinstance(change, BomLineInserted):
        _insert(current, used, change.line, prefix)
    elif isinstance(change, BomLineDeleted):
        known_line(current, change.line_id, f"{prefix}lines[0].line_id")
        removed = subtree(current.values(), change.line_id)
        if removed != change.lines:
            raise InvalidBomError(
                f"{prefix}lines", change.lines, "not the line and its sub-lines as they were"
            )
        for gone in removed:
            del current[gone.line_id]
    else:
        line = change.line
        before = known_line(current, line.line_id, f"{prefix}line.line_id")
        if _following(before, change, prefix) != line:
            raise InvalidBomError(f"{prefix}line", line, f"does not follow from {before!r}")
        current[line.line_id] = line


def _insert(current: dict[str, BomLine], used: set[str], line: BomLine, prefix: str) -> None:
    if line.line_id in used:
        raise InvalidBomError(
            f"{prefix}line.line_id", line.line_id, "a line id is never used twice in a BOM"
        )
    if line.parent_id is not None and line.parent_id not in current:
        raise InvalidBomError(f"{prefix}line.parent_id", line.parent_id, "not a line of the BOM")
    current[line.line_id] = line
    used.add(line.line_id)


def _following(
    before: BomLine,
    change: BomLineReplaced | BomQuantityUpdated | BomQuantityReplaced,
    prefix: str,
) -> BomLine:
    """The line ``change`` makes of ``before`` (its ``line`` must be that)."""
    line = change.line
    if isinstance(change, BomLineReplaced):
        expected = (change.old_item_id, change.old_serial_number)
        if (before.item_id, before.serial_number) != expected:
            raise InvalidBomError(
                f"{prefix}old_item_id", expected, "not the item and serial number in place"
            )
        if line.serial_number != change.new_serial_number:
            raise InvalidBomError(
                f"{prefix}new_serial_number", change.new_serial_number, "not the line's"
            )
        return attrs.evolve(
            before, item_id=line.item_id, quantity=line.quantity, serial_number=line.serial_number
        )
    if isinstance(change, BomQuantityUpdated):
        return attrs.evolve(before, quantity=before.quantity + change.delta)
    if change.previous != before.quantity:
        raise InvalidBomError(f"{prefix}previous", change.previous, "not the line's quantity")
    return attrs.evolve(before, quantity=line.quantity)


def _template_lines(value: object) -> tuple[BomLine, ...]:
    return _LINES.check(items("BomLine values").check(value, "template_lines"), "template_lines")


def _changes(value: object) -> tuple[BomChange, ...]:
    return _CHANGES.check(items("BOM changes").check(value, "changes"), "changes")


def replay_bom(
    template_lines: Iterable[BomLine], changes: Iterable[BomChange], *, through: date | None = None
) -> tuple[BomLine, ...]:
    """The lines of a BOM: the template's, with every change (up to ``through``) applied.

    The full replay, change by change; :meth:`ServiceBom.as_of` gives the same lines
    (law R1) without it. ``changes`` are in the order they happened (as
    :attr:`ServiceBom.changes` holds them); ``through`` is the last day replayed,
    inclusive (``None``: every change).

    Raises:
        InvalidBomError: the template lines are not a tree or a change does not fit.
    """
    current = dict(check_tree(_template_lines(template_lines), "template_lines"))
    used = set(current)
    checked = _changes(changes)
    last = None if through is None else is_date.check(through, "through")
    for index, change in enumerate(checked):
        if last is not None and change.on > last:
            break
        _apply(current, used, change, f"changes[{index}]")
    return tuple(current.values())


_Row = tuple[BomLine | None, list[int], list[BomLine | None]]


class _DayIndex:
    """Per line ever in a BOM, first seen first: its template state, change days and states.

    Append-only and shared along a lineage of snapshots: a snapshot at the tip (whose
    changes are all the index holds) extends it with its next change, and the new
    snapshot shares it. An older snapshot still reads it right, since everything added
    after it is dated on or after its last change day, which :meth:`ServiceBom.as_of`
    answers from the current lines without the index. A second branch from one
    snapshot finds the index already extended and builds its own when asked.
    """

    __slots__ = ("by_id", "covered", "lock", "rows")

    def __init__(self, template_lines: tuple[BomLine, ...]) -> None:
        self.rows: list[_Row] = []
        self.by_id: dict[str, _Row] = {}
        for line in template_lines:
            row: _Row = (line, [], [])
            self.rows.append(row)
            self.by_id[line.line_id] = row
        self.covered = 0
        self.lock = threading.Lock()

    @classmethod
    def of(cls, template_lines: tuple[BomLine, ...], changes: tuple[BomChange, ...]) -> _DayIndex:
        made = cls(template_lines)
        for change in changes:
            made.add(change)
        return made

    def add(self, change: BomChange) -> None:
        """Append one change (the caller holds the lock, or owns the index)."""
        day = change.on.toordinal()
        if isinstance(change, BomLineDeleted):
            for gone in change.lines:
                _, days, states = self.by_id[gone.line_id]
                days.append(day)
                states.append(None)
        else:
            line = change.line
            row = self.by_id.get(line.line_id)
            if row is None:
                row = self.by_id[line.line_id] = (None, [], [])
                self.rows.append(row)
            row[1].append(day)
            row[2].append(line)
        self.covered += 1

    def extended(self, covered: int, change: BomChange) -> _DayIndex | None:
        """The index with ``change`` added, if it holds exactly ``covered`` changes."""
        with self.lock:
            if self.covered != covered:
                return None
            self.add(change)
            return self


class _State:
    """What a snapshot derives from its history (its current lines never change once built)."""

    __slots__ = ("current", "index", "last_on", "lines", "used")

    def __init__(
        self,
        current: dict[str, BomLine],
        used: set[str],
        last_on: date | None,
        index: _DayIndex | None = None,
    ) -> None:
        self.current = current
        self.used = used
        self.last_on = last_on
        self.lines: tuple[BomLine, ...] | None = None
        self.index = index


# ------------------------------------------------------------------------- the entity


@attrs.frozen(kw_only=True, weakref_slot=False)
class ServiceBom:
    """A service BOM: the local copy of a template BOM on an object relation, with history.

    Made by :meth:`attach`. Only the service BOM changes after that, through AX's five
    change actions, each dated (``on``) and done on a service order (``order_id``):
    :meth:`insert_line`, :meth:`delete_line` (with its sub-lines), :meth:`replace_item`,
    :meth:`update_quantity` (add or subtract) and :meth:`replace_quantity` (set). Each
    returns ``(new_bom, (change,))`` with ``version + 1``; the change is appended to
    :attr:`changes`. Rules:

    * a quantity never goes below zero, and a replacement keeps the quantity unless it
      sets one (law R4);
    * changes never go back in time: ``on`` is not before the last change's day nor the
      attachment day, so :meth:`as_of` can rebuild any day (laws R1, R2);
    * a line id is used once in a BOM's whole history; a line's parent is a line of it;
    * the history moves whole to another relation of the same object (:meth:`move_to`,
      law R3), and a template can be made of any day's lines (:meth:`to_template`).

    Attributes:
        id: the service BOM's id.
        version: 1 when attached, + 1 per change or move.
        service_object_id: the service object the BOM describes.
        relation_id: the object relation (of an agreement or an order) it belongs to.
        template_id: the template it was copied from.
        attached_on: the day it was attached; its history starts then.
        template_lines: the template's lines as copied on attachment.
        changes: the change events, in order; ``changes[i].number == i + 1``.

    Raises:
        InvalidBomError: the template lines are not a tree, or a change does not fit
            (``field`` is ``changes[i]...``); a change of another BOM, out of number
            or dated before the one it follows.
    """

    id: str = attrs.field(validator=is_id)
    version: int = attrs.field(validator=is_version)
    service_object_id: str = attrs.field(validator=is_id)
    relation_id: str = attrs.field(validator=is_id)
    template_id: str = attrs.field(validator=is_id)
    attached_on: date = attrs.field(validator=is_date)
    template_lines: tuple[BomLine, ...] = attrs.field(converter=_template_lines)
    changes: tuple[BomChange, ...] = attrs.field(default=(), converter=_changes)
    _state: _State = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        current = dict(check_tree(self.template_lines, "template_lines"))
        used = set(current)
        last = self.attached_on
        for index, change in enumerate(self.changes):
            field = f"changes[{index}]"
            if change.entity_id != self.id:
                raise InvalidBomError(f"{field}.entity_id", change.entity_id, "another BOM's")
            if change.number != index + 1:
                raise InvalidBomError(f"{field}.number", change.number, f"expected {index + 1}")
            if change.on < last:
                raise InvalidBomError(f"{field}.on", change.on, f"before {last.isoformat()}")
            last = change.on
            _apply(current, used, change, field)
        last_on = self.changes[-1].on if self.changes else None
        object.__setattr__(self, "_state", _State(current, used, last_on))

    @classmethod
    def attach(
        cls,
        template: TemplateBom,
        *,
        id: str,
        relation: ServiceObjectRelation,
        on: date,
        at: datetime,
    ) -> tuple[ServiceBom, tuple[ServiceBomAttached]]:
        """Attach ``template`` to an object relation: a new service BOM with its lines.

        The lines are copied: editing the template later (a new :class:`TemplateBom`)
        never changes the service BOM. A relation that names its template BOM
        (``relation.template_bom_id``) takes only that one.

        Args:
            template: the template BOM.
            id: the service BOM's id.
            relation: the object relation (of an agreement or an order); the BOM
                describes its service object.
            on: the day of the attachment; no change is dated before it.
            at: when it was recorded.

        Raises:
            RepairRuleError: the relation names another template BOM (rule
                ``bom.template_of_relation``).
        """
        instance_of(TemplateBom).check(template, "template")
        _RELATION.check(relation, "relation")
        if relation.template_bom_id not in (None, template.id):
            raise RepairRuleError(
                relation.id,
                "bom.template_of_relation",
                f"the relation's template BOM is {relation.template_bom_id!r}, not {template.id!r}",
            )
        bom = cls(
            id=id,
            version=1,
            service_object_id=relation.object_id,
            relation_id=relation.id,
            template_id=template.id,
            attached_on=on,
            template_lines=template.lines,
        )
        event = ServiceBomAttached(
            entity_id=bom.id,
            occurred_at=at,
            template_id=template.id,
            relation_id=relation.id,
            service_object_id=relation.object_id,
            on=on,
        )
        return bom, (event,)

    # ---------------------------------------------------------------- reading

    @property
    def current(self) -> tuple[BomLine, ...]:
        """The lines now, in the order they first appeared (template lines first)."""
        state = self._state
        if state.lines is None:
            state.lines = tuple(state.current.values())
        return state.lines

    @property
    def last_change_on(self) -> date | None:
        """The day of the last change, or ``None`` when there is none."""
        return self._state.last_on

    def line(self, line_id: str) -> BomLine:
        """The current line ``line_id``.

        Raises:
            InvalidBomError: no such line now.
        """
        return known_line(self._state.current, line_id)

    def as_of(self, day: date) -> tuple[BomLine, ...]:
        """The lines as they were at the end of ``day``: every change of that day applied.

        Equals :func:`replay_bom` of the template lines through ``day`` (law R1) and, on
        the last change's day or later, :attr:`current`. Costs one bisection per line
        ever in the BOM, whatever the length of the history.

        Raises:
            InvalidBomError: ``day`` is before the attachment day.
        """
        is_date.check(day, "day")
        if day < self.attached_on:
            raise InvalidBomError(
                "day", day, f"before the BOM was attached on {self.attached_on.isoformat()}"
            )
        state = self._state
        if state.last_on is None or day >= state.last_on:
            return self.current
        index = state.index
        if index is None:
            index = state.index = _DayIndex.of(self.template_lines, self.changes)
        rows = index.rows
        ordinal = day.toordinal()
        found = []
        for initial, days, states in rows:
            if not days or days[0] > ordinal:
                line = initial
            else:
                line = states[bisect_right(days, ordinal) - 1]
            if line is not None:
                found.append(line)
        return tuple(found)

    def to_template(
        self, id: str, *, as_of: date | None = None, description: str = ""
    ) -> TemplateBom:
        """A new template BOM of the lines now, or as they were at the end of ``as_of``."""
        day = optional(is_date).check(as_of, "as_of")
        lines = self.current if day is None else self.as_of(day)
        return TemplateBom.copy_of(lines, id=id, description=description)

    # ---------------------------------------------------------------- changes

    def _checked_day(self, on: object) -> date:
        day = is_date.check(on, "on")
        last = self._state.last_on or self.attached_on
        if day < last:
            raise InvalidBomError(
                "on", day, f"before {last.isoformat()}, the last day recorded; changes go forward"
            )
        return day

    def _common(self, on: object, order_id: object, at: object) -> dict[str, Any]:
        return {
            "entity_id": self.id,
            "occurred_at": is_instant.check(at, "at"),
            "on": self._checked_day(on),
            "order_id": is_id.check(order_id, "order_id"),
            "number": len(self.changes) + 1,
        }

    def _record(self, change: _C, field: str = "change") -> tuple[ServiceBom, tuple[_C, ...]]:
        state = self._state
        current = dict(state.current)
        used = state.used
        if isinstance(change, BomLineInserted):
            used = set(used)
        _apply(current, used, change, field)
        index = state.index
        if index is not None:
            index = index.extended(len(self.changes), change)
        derived = {"_state": _State(current, used, change.on, index)}
        changes = (*self.changes, change)
        return _REPLACE(self, derived, version=self.version + 1, changes=changes), (change,)

    def insert_line(
        self, line: BomLine, *, on: date, order_id: str, at: datetime
    ) -> tuple[ServiceBom, tuple[BomLineInserted, ...]]:
        """Insert ``line`` (AX *Inserted*); its parent, if any, is a current line.

        Raises:
            InvalidBomError: the line id was used in this BOM, or the parent is unknown.
        """
        instance_of(BomLine).check(line, "line")
        common = self._common(on, order_id, at)
        return self._record(BomLineInserted(line=line, **common), "")

    def delete_line(
        self, line_id: str, *, on: date, order_id: str, at: datetime
    ) -> tuple[ServiceBom, tuple[BomLineDeleted, ...]]:
        """Delete the line ``line_id`` and every line under it (AX *Deleted sub-line*).

        Raises:
            InvalidBomError: no such line now.
        """
        self.line(line_id)
        common = self._common(on, order_id, at)
        removed = subtree(self._state.current.values(), line_id)
        return self._record(BomLineDeleted(lines=removed, **common))

    def replace_item(
        self,
        line_id: str,
        *,
        new_serial_number: str | None,
        new_item_id: str | None = None,
        quantity: Decimal | int | None = None,
        order_line: BillableItem | None = None,
        on: date,
        order_id: str,
        at: datetime,
    ) -> tuple[ServiceBom, tuple[BomLineReplaced, ...]]:
        """Replace the part of line ``line_id`` (AX *Replaced*), recording both serial numbers.

        The line keeps its item unless ``new_item_id`` is given and its quantity unless
        ``quantity`` is (law R4). ``order_line``, when given, is the billable item line
        the application puts on the order ``order_id`` (AX *Create service order
        line*); without it the replacement is history only.

        Raises:
            InvalidBomError: no such line now.
            InvalidQuantityError: a float, negative or too precise ``quantity``.
        """
        before = self.line(line_id)
        new_serial = is_optional_id.check(new_serial_number, "new_serial_number")
        item = before.item_id if new_item_id is None else is_id.check(new_item_id, "new_item_id")
        amount = before.quantity if quantity is None else is_quantity.check(quantity, "quantity")
        common = self._common(on, order_id, at)
        after = attrs.evolve(before, item_id=item, quantity=amount, serial_number=new_serial)
        change = BomLineReplaced(
            line=after,
            old_item_id=before.item_id,
            old_serial_number=before.serial_number,
            new_serial_number=new_serial,
            order_line=_BILLABLE.check(order_line, "order_line"),
            **common,
        )
        return self._record(change)

    def update_quantity(
        self, line_id: str, delta: Decimal | int, *, on: date, order_id: str, at: datetime
    ) -> tuple[ServiceBom, tuple[BomQuantityUpdated, ...]]:
        """Add ``delta`` to the quantity of line ``line_id`` (subtract when negative).

        AX *Quantity updated*. A delta of zero changes nothing: ``(self, ())``.

        Raises:
            InvalidBomError: no such line now.
            InvalidQuantityError: a float or too precise ``delta``, or one that takes the
                quantity below zero (law R4).
        """
        before = self.line(line_id)
        amount = is_delta.check(delta, "delta")
        common = self._common(on, order_id, at)
        if amount == 0:
            return self, ()
        if before.quantity + amount < 0:
            raise InvalidQuantityError(
                "delta",
                delta,
                f"line {line_id!r} holds {before.quantity}; a quantity never goes below zero",
            )
        after = attrs.evolve(before, quantity=before.quantity + amount)
        return self._record(BomQuantityUpdated(line=after, delta=amount, **common))

    def replace_quantity(
        self, line_id: str, quantity: Decimal | int, *, on: date, order_id: str, at: datetime
    ) -> tuple[ServiceBom, tuple[BomQuantityReplaced, ...]]:
        """Set the quantity of line ``line_id`` (AX *Quantity replaced*).

        The same quantity changes nothing: ``(self, ())``.

        Raises:
            InvalidBomError: no such line now.
            InvalidQuantityError: a float, negative or too precise ``quantity``.
        """
        before = self.line(line_id)
        amount = is_quantity.check(quantity, "quantity")
        common = self._common(on, order_id, at)
        if amount == before.quantity:
            return self, ()
        after = attrs.evolve(before, quantity=amount)
        change = BomQuantityReplaced(line=after, previous=before.quantity, **common)
        return self._record(change)

    def move_to(
        self, relation: ServiceObjectRelation, *, at: datetime
    ) -> tuple[ServiceBom, tuple[ServiceBomMoved, ...]]:
        """Move the BOM and its whole history to another relation of its service object.

        AX *Move service BOM*. Every change is kept as it was, so the moved BOM rebuilds
        every day as before (law R3). Moving to the relation it is on changes nothing.

        Args:
            relation: the relation to move to, of this BOM's service object.
            at: when it was recorded.

        Raises:
            RepairRuleError: the relation is of another service object (rule
                ``bom.same_object``).
        """
        _RELATION.check(relation, "relation")
        instant = is_instant.check(at, "at")
        if relation.object_id != self.service_object_id:
            raise RepairRuleError(
                self.id,
                "bom.same_object",
                f"relation {relation.id!r} is of service object {relation.object_id!r}, "
                f"not {self.service_object_id!r}",
            )
        if relation.id == self.relation_id:
            return self, ()
        moved = attrs.evolve(self, version=self.version + 1, relation_id=relation.id)
        event = ServiceBomMoved(
            entity_id=self.id,
            occurred_at=instant,
            from_relation_id=self.relation_id,
            to_relation_id=relation.id,
        )
        return moved, (event,)


# A change is checked and applied to the current lines once (in _record), so the new
# snapshot is made without replaying its history (checked mode: through the constructor).
_REPLACE: Final = _trusted.derived_replacer(ServiceBom)
