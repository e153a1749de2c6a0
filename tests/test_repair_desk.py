"""The repair desk: every use case on its happy path and its refusals, on memory and SQLite.

A refusal stores nothing and publishes nothing; a concurrent change between a method's
read and its commit is refused by compare-and-set
(:class:`~servicedomain.errors.ConcurrencyConflictError`) and leaves the rival's change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

import desk_adapters
from desk_adapters import Stores
from orders_fixtures import boiler_order, pump_agreement
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryEventPublisher
from servicedomain.app import RepairDesk
from servicedomain.errors import (
    AlreadyExistsError,
    ConcurrencyConflictError,
    InvalidBomError,
    InvalidInputError,
    InvalidQuantityError,
    NotFoundError,
    RepairRuleError,
    TypeMismatchError,
)
from servicedomain.periods import DateRange
from servicedomain.repairs import (
    BomLine,
    BomLineReplaced,
    CoverageKind,
    RelationKind,
    ServiceBomAttached,
    ServiceBomMoved,
    ServiceObjectCreated,
    TemplateBom,
    WarrantyCoverage,
    replay_bom,
)
from servicedomain.stages import EXAMPLE_STAGE_GRAPH

stores = desk_adapters.stores  # the fixture: each test on the memory and SQLite adapters

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MARCH = date(2026, 3, 1)
TEMPLATE = TemplateBom(
    id="T-PC",
    lines=(
        BomLine(line_id="1", item_id="PC", quantity=1, unit="pcs"),
        BomLine(line_id="2", item_id="GPU-1", quantity=1, parent_id="1", serial_number="G-100"),
    ),
)
#: The stored orders the tests relate objects to (the order owns the relation).
DOCUMENT_ORDERS = ("SO-1", "SO-2", "SO-7", "SO-8", "SO-9")
PARTS = WarrantyCoverage.inclusive(CoverageKind.PARTS, date(2026, 1, 1), date(2026, 12, 31))


class World:
    """A store, a publisher and a desk over them (AX's default: one item, one object)."""

    def __init__(self, stores: Stores, *, allow_shared_items: bool = False) -> None:
        self.stores = stores
        self.store = stores.new()
        self.publisher = InMemoryEventPublisher()
        self.clock = FixedClock(AT)
        self.desk = self.new_desk(allow_shared_items=allow_shared_items)
        with self.stores.unit_of_work(self.store) as uow:  # the documents own relations
            for order_id in DOCUMENT_ORDERS:
                uow.service_orders.add(boiler_order(order_id))
            uow.agreements.add(pump_agreement("AG-1"))
            uow.commit()

    def new_desk(self, *, allow_shared_items: bool = False, wrap: Any = None) -> RepairDesk:
        def open_unit() -> Any:
            uow = self.stores.unit_of_work(self.store, publisher=self.publisher)
            return uow if wrap is None else wrap(uow)

        return RepairDesk(
            unit_of_work=open_unit,
            clock=self.clock,
            allow_item_on_multiple_objects=allow_shared_items,
            graph=EXAMPLE_STAGE_GRAPH,
        )

    def names(self) -> list[str]:
        return [event.name for event in self.publisher.published]

    def rows(self) -> tuple[Any, ...]:
        """Everything the store holds of repairs, and the documents objects relate to."""
        with self.stores.unit_of_work(self.store) as uow:
            return (
                uow.service_orders.list(),
                uow.agreements.list(),
                uow.service_objects.list(),
                uow.service_boms.list(),
                uow.template_boms.list(),
            )

    def with_bom(self) -> World:
        """OBJ-1 (item PC, S-1) related to SO-7 (R-1) and AG-1 (R-2), T-PC, B-1 on R-1."""
        self.desk.store_template(TEMPLATE)
        self.desk.create_object(
            id="OBJ-1", group_id="PCS", item_id="PC", serial_number="S-1", coverage=[PARTS]
        )
        self.desk.relate("OBJ-1", relation_id="R-1", kind=RelationKind.ORDER, key="SO-7")
        self.desk.relate("OBJ-1", relation_id="R-2", kind=RelationKind.AGREEMENT, key="AG-1")
        self.desk.attach_template("OBJ-1", "R-1", bom_id="B-1", template_id="T-PC", on=MARCH)
        return self


def world(stores: Stores) -> World:
    return World(stores).with_bom()


# ------------------------------------------------------------------ worked examples


def test_a_repair_from_object_to_moved_bom_history_step_by_step(stores: Stores) -> None:
    w = world(stores)
    desk = w.desk
    assert w.names() == [
        "ServiceObjectCreated",
        "WarrantyCoverageChanged",
        "ServiceObjectRelated",  # the order's relation, then its cache on the object
        "ServiceObjectRelationAdded",
        "AgreementObjectRelated",
        "ServiceObjectRelationAdded",
        "ServiceBomAttached",
    ]
    where: dict[str, Any] = {"order_id": "SO-7"}
    desk.insert_bom_line(
        "B-1", BomLine(line_id="3", item_id="FAN", quantity=2, parent_id="1"), on=MARCH, **where
    )
    desk.update_bom_quantity("B-1", "3", -1, on=date(2026, 3, 3), **where)
    desk.replace_bom_item(
        "B-1",
        "2",
        new_serial_number="G-200",
        new_item_id="GPU-2",
        on=date(2026, 3, 4),
        **where,
    )
    desk.replace_bom_quantity("B-1", "1", 2, on=date(2026, 3, 5), **where)
    bom = desk.delete_bom_line("B-1", "3", on=date(2026, 3, 6), **where)
    assert [change.name for change in bom.changes] == [
        "BomLineInserted",
        "BomQuantityUpdated",
        "BomLineReplaced",
        "BomQuantityReplaced",
        "BomLineDeleted",
    ]
    assert {change.order_id for change in bom.changes} == {"SO-7"}
    replaced = bom.changes[2]
    assert isinstance(replaced, BomLineReplaced)
    assert (replaced.old_serial_number, replaced.new_serial_number) == ("G-100", "G-200")
    assert not replaced.creates_order_line  # history only (with an order line: test_repair_parts)
    # As of a day (R1, R2): each day's lines, and today's are the current ones.
    assert [
        (line.item_id, line.quantity) for line in desk.bom_as_of("B-1", day=date(2026, 3, 3))
    ] == [
        ("PC", Decimal(1)),
        ("GPU-1", Decimal(1)),
        ("FAN", Decimal(1)),
    ]
    assert desk.bom_as_of("B-1", day=date(2026, 3, 9)) == bom.current
    assert replay_bom(TEMPLATE.lines, bom.changes) == bom.current
    # Move the history to the agreement relation (R3), then make a template of it.
    moved = desk.move_bom("B-1", "R-2")
    assert (moved.relation_id, moved.changes) == ("R-2", bom.changes)
    assert w.names()[-1] == "ServiceBomMoved"
    made = desk.template_from_bom("B-1", template_id="T-PC-2", as_of=date(2026, 3, 4))
    assert [line.item_id for line in made.lines] == ["PC", "GPU-2", "FAN"]
    with stores.unit_of_work(w.store) as uow:
        assert uow.template_boms.get("T-PC-2") == made
        assert uow.service_boms.for_relation("R-2") == moved
        assert uow.service_boms.for_relation("R-1") is None


def test_warranty_status_follows_the_coverage_dates(stores: Stores) -> None:
    w = world(stores)
    assert w.desk.warranty_status("OBJ-1", on=date(2026, 12, 31)).covered(CoverageKind.PARTS)
    assert w.desk.warranty_status("OBJ-1", on=date(2027, 1, 1)).covered_kinds == ()
    labour = DateRange(date(2026, 3, 1), date(2026, 4, 1))
    obj = w.desk.change_warranty("OBJ-1", CoverageKind.LABOUR, labour)
    assert obj.coverage_of(CoverageKind.LABOUR) == WarrantyCoverage(CoverageKind.LABOUR, labour)
    status = w.desk.warranty_status("OBJ-1", on=date(2026, 3, 31))
    assert status.covered_kinds == (CoverageKind.PARTS, CoverageKind.LABOUR)
    assert w.desk.warranty_status("OBJ-1", on=date(2026, 4, 1)).covered_kinds == (
        CoverageKind.PARTS,
    )
    removed = w.desk.change_warranty("OBJ-1", CoverageKind.PARTS, None)
    assert removed.coverage_of(CoverageKind.PARTS) is None
    assert w.desk.service_object("OBJ-1") == removed


def test_attach_takes_the_relations_template_else_the_objects(stores: Stores) -> None:
    w = World(stores)
    desk = w.desk
    desk.store_template(TEMPLATE)
    other = desk.store_template(TemplateBom(id="T-SMALL", lines=TEMPLATE.lines[:1]))
    desk.create_object(id="OBJ-1", group_id="PCS")
    desk.assign_template_bom("OBJ-1", "T-PC")
    desk.relate("OBJ-1", relation_id="R-1", kind=RelationKind.ORDER, key="SO-1")
    desk.relate(
        "OBJ-1", relation_id="R-2", kind=RelationKind.ORDER, key="SO-2", template_bom_id=other.id
    )
    assert desk.attach_template("OBJ-1", "R-1", bom_id="B-1", on=MARCH).template_id == "T-PC"
    assert desk.attach_template("OBJ-1", "R-2", bom_id="B-2", on=MARCH).template_id == "T-SMALL"
    with stores.unit_of_work(w.store) as uow:
        assert [bom.id for bom in uow.service_boms.for_object("OBJ-1")] == ["B-1", "B-2"]
    assert desk.assign_template_bom("OBJ-1", None).template_bom_id is None


# ------------------------------------------------------------------ idempotence


def test_the_methods_with_a_natural_key_are_idempotent(stores: Stores) -> None:
    w = world(stores)
    desk = w.desk
    before, published = w.rows(), w.names()
    again = desk.create_object(
        id="OBJ-1", group_id="PCS", item_id="PC", serial_number="S-1", coverage=[PARTS]
    )
    assert again == desk.service_object("OBJ-1")
    assert desk.store_template(TEMPLATE) == TEMPLATE
    bom = desk.attach_template("OBJ-1", "R-1", bom_id="B-1", template_id="T-PC", on=MARCH)
    assert bom == desk.service_bom("B-1")
    desk.relate("OBJ-1", relation_id="R-1", kind=RelationKind.ORDER, key="SO-7")
    desk.change_warranty("OBJ-1", CoverageKind.PARTS, PARTS.period)
    desk.assign_template_bom("OBJ-1", None)
    desk.move_bom("B-1", "R-1")
    desk.update_bom_quantity("B-1", "1", 0, on=MARCH, order_id="SO-7")
    desk.replace_bom_quantity("B-1", "1", 1, on=MARCH, order_id="SO-7")
    assert (w.rows(), w.names()) == (before, published)
    made = desk.template_from_bom("B-1", template_id="T-COPY")
    assert desk.template_from_bom("B-1", template_id="T-COPY") == made


# ------------------------------------------------------------------ refusals


def _refused(
    w: World, error: type[Exception], call: Callable[[], object], match: str | None = None
) -> pytest.ExceptionInfo[Exception]:
    """``call`` raises ``error``, and the store and the publisher are as they were."""
    before, published = w.rows(), w.names()
    with pytest.raises(error, match=match) as caught:
        call()
    assert (w.rows(), w.names()) == (before, published)
    return caught


def test_an_item_and_serial_number_are_on_one_service_object_unless_allowed(
    stores: Stores,
) -> None:
    w = world(stores)
    caught = _refused(
        w,
        RepairRuleError,
        lambda: w.desk.create_object(id="OBJ-2", group_id="PCS", item_id="PC", serial_number="S-1"),
        "object.item_taken",
    )
    assert caught.value.entity_id == "OBJ-2"  # type: ignore[attr-defined]
    # Another serial number of the item, or an object without an item, is fine.
    w.desk.create_object(id="OBJ-2", group_id="PCS", item_id="PC", serial_number="S-2")
    w.desk.create_object(id="OBJ-3", group_id="PCS")
    w.desk.create_object(id="OBJ-4", group_id="PCS", item_id="PC")
    _refused(
        w,
        RepairRuleError,
        lambda: w.desk.create_object(id="OBJ-5", group_id="PCS", item_id="PC"),
        "item_taken",
    )
    # With AX's parameter "Allow one item on multiple service objects" set.
    shared = w.new_desk(allow_shared_items=True)
    shared.create_object(id="OBJ-6", group_id="PCS", item_id="PC", serial_number="S-1")
    with stores.unit_of_work(w.store) as uow:
        assert [obj.id for obj in uow.service_objects.for_item("PC", serial_number="S-1")] == [
            "OBJ-1",
            "OBJ-6",
        ]


def test_refusals_name_the_rule_or_the_argument_and_store_nothing(stores: Stores) -> None:
    w = world(stores)
    desk = w.desk
    where: dict[str, Any] = {"on": MARCH, "order_id": "SO-7"}
    _refused(w, AlreadyExistsError, lambda: desk.create_object(id="OBJ-1", group_id="OTHER"))
    _refused(
        w,
        NotFoundError,
        lambda: desk.create_object(id="OBJ-9", group_id="PCS", template_bom_id="T-NONE"),
        "T-NONE",
    )
    _refused(w, NotFoundError, lambda: desk.assign_template_bom("OBJ-1", "T-NONE"), "T-NONE")
    _refused(w, NotFoundError, lambda: desk.change_warranty("OBJ-9", CoverageKind.PARTS, None))
    _refused(
        w,
        RepairRuleError,
        lambda: desk.relate("OBJ-1", relation_id="R-1", kind=RelationKind.ORDER, key="SO-8"),
        "relation.conflict",
    )
    _refused(
        w,
        AlreadyExistsError,
        lambda: desk.store_template(TemplateBom(id="T-PC", lines=TEMPLATE.lines[:1])),
    )
    _refused(
        w,
        RepairRuleError,
        lambda: desk.attach_template("OBJ-1", "R-1", bom_id="B-9", template_id="T-PC", on=MARCH),
        "bom.relation_taken",
    )
    desk.create_object(id="OBJ-2", group_id="PCS")
    desk.relate("OBJ-2", relation_id="R-3", kind=RelationKind.ORDER, key="SO-9")
    _refused(
        w,
        RepairRuleError,
        lambda: desk.attach_template("OBJ-2", "R-3", bom_id="B-3", on=MARCH),
        "template_id",
    )
    _refused(
        w,
        AlreadyExistsError,
        lambda: desk.attach_template("OBJ-2", "R-3", bom_id="B-1", template_id="T-PC", on=MARCH),
    )
    _refused(
        w,
        InvalidInputError,
        lambda: desk.attach_template("OBJ-1", "R-9", bom_id="B-9", template_id="T-PC", on=MARCH),
        "relation_id",
    )
    _refused(w, InvalidBomError, lambda: desk.delete_bom_line("B-1", "9", **where))
    _refused(w, InvalidQuantityError, lambda: desk.update_bom_quantity("B-1", "1", -2, **where))
    _refused(
        w,
        InvalidBomError,
        lambda: desk.insert_bom_line("B-1", BomLine(line_id="1", item_id="X", quantity=1), **where),
        "line_id",
    )
    _refused(
        w,
        InvalidBomError,
        lambda: desk.replace_bom_quantity(
            "B-1", "1", 3, on=MARCH - timedelta(days=1), order_id="SO-7"
        ),
        "on",
    )
    _refused(w, NotFoundError, lambda: desk.replace_bom_quantity("B-9", "1", 3, **where))
    _refused(w, InvalidInputError, lambda: desk.move_bom("B-1", "R-3"), "relation_id")
    _refused(w, InvalidBomError, lambda: desk.bom_as_of("B-1", day=date(2026, 2, 28)), "day")
    _refused(w, NotFoundError, lambda: desk.warranty_status("OBJ-9", on=MARCH))
    _refused(w, TypeMismatchError, lambda: desk.warranty_status("OBJ-1", on=AT), "on")


def test_every_bom_change_happens_on_a_stored_order_of_the_boms_relation(
    stores: Stores,
) -> None:
    """B-1 is on R-1, a relation of SO-7: SO-8 (another order) and SO-404 (none) are refused."""
    w = world(stores)
    desk = w.desk
    changes: list[Callable[[str], object]] = [
        lambda order: desk.insert_bom_line(
            "B-1", BomLine(line_id="9", item_id="X", quantity=1), on=MARCH, order_id=order
        ),
        lambda order: desk.update_bom_quantity("B-1", "1", 1, on=MARCH, order_id=order),
        lambda order: desk.replace_bom_quantity("B-1", "1", 3, on=MARCH, order_id=order),
        lambda order: desk.replace_bom_item(
            "B-1", "2", new_serial_number="G-9", on=MARCH, order_id=order
        ),
        lambda order: desk.delete_bom_line("B-1", "2", on=MARCH, order_id=order),
    ]
    for change in changes:
        caught = _refused(
            w, RepairRuleError, functools.partial(change, "SO-8"), "relation_not_on_order"
        )
        assert caught.value.rule == "bom.relation_not_on_order"  # type: ignore[attr-defined]
        _refused(w, NotFoundError, functools.partial(change, "SO-404"), "SO-404")
    for change in changes:  # on SO-7 each one is recorded
        change("SO-7")
    assert [change.order_id for change in desk.service_bom("B-1").changes] == ["SO-7"] * 5


def test_a_bom_moves_only_to_a_free_relation_of_its_object(stores: Stores) -> None:
    w = world(stores)
    w.desk.attach_template("OBJ-1", "R-2", bom_id="B-2", template_id="T-PC", on=MARCH)
    _refused(w, RepairRuleError, lambda: w.desk.move_bom("B-1", "R-2"), "bom.relation_taken")


def test_a_bad_configuration_is_refused_naming_the_argument() -> None:
    with pytest.raises(TypeMismatchError, match="unit_of_work"):
        RepairDesk(unit_of_work=object(), clock=FixedClock(AT))  # type: ignore[arg-type]
    with pytest.raises(TypeMismatchError, match="clock"):
        RepairDesk(unit_of_work=lambda: None, clock=object())  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeMismatchError, match="allow_item_on_multiple_objects"):
        RepairDesk(
            unit_of_work=lambda: None,  # type: ignore[arg-type, return-value]
            clock=FixedClock(AT),
            allow_item_on_multiple_objects=1,  # type: ignore[arg-type]
        )


# ------------------------------------------------------------------ concurrency


class _RivalFirst:
    """A unit of work whose first read of ``port`` lets ``rival`` commit first (once)."""

    def __init__(self, uow: Any, port: str, rival: Callable[[], object]) -> None:
        self._uow, self._port, self._rival = uow, port, rival

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._uow, name)
        if name != self._port:
            return found
        rival, self._rival = self._rival, lambda: None
        return _RivalRepository(found, rival)

    def __enter__(self) -> _RivalFirst:
        self._uow.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._uow.__exit__(*exc)


class _RivalRepository:
    def __init__(self, repository: Any, rival: Callable[[], object]) -> None:
        self._repository, self._rival = repository, rival

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repository, name)

    def get(self, entity_id: str) -> Any:
        found = self._repository.get(entity_id)
        self._rival()
        return found


def test_a_concurrent_bom_change_is_refused_by_compare_and_set(stores: Stores) -> None:
    w = world(stores)
    rival = w.desk

    def rival_first() -> None:
        rival.replace_bom_quantity("B-1", "1", 5, on=MARCH, order_id="SO-7")

    racing = w.new_desk(wrap=lambda uow: _RivalFirst(uow, "service_boms", rival_first))
    published = len(w.names())
    with pytest.raises(ConcurrencyConflictError):
        racing.update_bom_quantity("B-1", "1", 1, on=MARCH, order_id="SO-7")
    bom = w.desk.service_bom("B-1")
    assert bom.line("1").quantity == Decimal(5)
    assert [change.order_id for change in bom.changes] == ["SO-7"]
    assert len(w.names()) == published + 1  # the rival's change only


def test_a_concurrent_object_change_is_refused_by_compare_and_set(stores: Stores) -> None:
    w = world(stores)
    rival = w.desk

    def rival_first() -> None:
        rival.relate("OBJ-1", relation_id="R-8", kind=RelationKind.ORDER, key="SO-8")

    racing = w.new_desk(wrap=lambda uow: _RivalFirst(uow, "service_objects", rival_first))
    with pytest.raises(ConcurrencyConflictError):
        racing.change_warranty("OBJ-1", CoverageKind.PARTS, None)
    obj = w.desk.service_object("OBJ-1")
    assert [relation.id for relation in obj.relations] == ["R-1", "R-2", "R-8"]
    assert obj.coverage_of(CoverageKind.PARTS) == PARTS


def test_events_are_published_only_after_the_commit(stores: Stores) -> None:
    w = World(stores)
    w.desk.store_template(TEMPLATE)
    assert w.names() == []
    obj = w.desk.create_object(id="OBJ-1", group_id="PCS", template_bom_id="T-PC")
    (created,) = w.publisher.published
    assert isinstance(created, ServiceObjectCreated)
    assert (created.entity_id, created.template_bom_id) == (obj.id, "T-PC")
    w.desk.relate("OBJ-1", relation_id="R-1", kind=RelationKind.ORDER, key="SO-1")
    w.desk.relate("OBJ-1", relation_id="R-2", kind=RelationKind.ORDER, key="SO-2")
    w.desk.attach_template("OBJ-1", "R-1", bom_id="B-1", on=MARCH)
    attached = w.publisher.published[-1]
    assert isinstance(attached, ServiceBomAttached)
    assert (attached.relation_id, attached.template_id) == ("R-1", "T-PC")
    w.desk.move_bom("B-1", "R-2")
    moved = w.publisher.published[-1]
    assert isinstance(moved, ServiceBomMoved)
    assert (moved.from_relation_id, moved.to_relation_id) == ("R-1", "R-2")
