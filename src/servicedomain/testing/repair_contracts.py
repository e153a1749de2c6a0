"""The contract suite of the repair ports: service objects, service BOMs, template BOMs.

A host that implements :class:`~servicedomain.ports.RepairUnitOfWork` over its own
database subclasses :class:`RepairStoreContract`, implements three hooks and runs
pytest::

    from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    from servicedomain.testing.repair_contracts import RepairStoreContract

    class TestInMemoryRepairs(RepairStoreContract[InMemoryStore, InMemoryUnitOfWork]):
        def make_store(self) -> InMemoryStore:
            return InMemoryStore()

        def new_unit_of_work(self, store: InMemoryStore) -> InMemoryUnitOfWork:
            return InMemoryUnitOfWork(store)

        def publishing_unit_of_work(
            self, store: InMemoryStore, publisher: EventPublisher
        ) -> InMemoryUnitOfWork:
            return InMemoryUnitOfWork(store, publisher=publisher)

What it checks, besides the generic
:class:`~servicedomain.testing.contracts.RepositoryContract` (run that one too, on
``service_objects`` and ``service_boms``): a service object (relations, coverage) and a
service BOM (its whole history) come back equal; a relation has one service BOM, even
when two units of work add one at once (the second commit conflicts); the queries (by
item and serial number, by group, by relation, by object) see the committed rows with
the unit of work's own writes on top; a template BOM is stored once under its id (an equal one
again is a no-op, another one is refused, also when a rival committed it first); a
stale save conflicts and changes nothing (P1); a unit of work whose commit fails, or
that rolls back, stores nothing of any of the three and publishes none of its events
(P2, U1); a committed one publishes them.

Every store a test makes is released through ``dispose_store``, and every test fails
once it runs past ``timeout_seconds`` (300 by default). This module needs pytest (the
``[testing]`` extra).
"""

# Tests are named after the law they check (test_P1_...), as invariants.md asks.
# ruff: noqa: N802, D102

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings

from servicedomain.adapters.memory import InMemoryEventPublisher
from servicedomain.errors import AlreadyExistsError, ConcurrencyConflictError, NotFoundError
from servicedomain.events import DomainEvent
from servicedomain.periods import DateRange
from servicedomain.ports import RepairUnitOfWork
from servicedomain.repairs import (
    BomLine,
    CoverageKind,
    RelationKind,
    ServiceBom,
    ServiceObject,
    TemplateBom,
    WarrantyCoverage,
)
from servicedomain.testing import _store_contract
from servicedomain.testing.domain_strategies import service_boms, service_objects

__all__ = ["RepairStoreContract"]

StoreT = TypeVar("StoreT")
UnitOfWorkT = TypeVar("UnitOfWorkT", bound=RepairUnitOfWork)

_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_DAY = date(2026, 3, 2)
_TEMPLATE = TemplateBom(
    id="T-PC",
    lines=(
        BomLine(line_id="1", item_id="PC", quantity=1, unit="pcs"),
        BomLine(line_id="2", item_id="GPU-1", quantity=1, parent_id="1", serial_number="G-1"),
    ),
    description="a PC",
)


def _object(
    object_id: str = "OBJ-1",
    *,
    item_id: str | None = "PC",
    serial_number: str | None = "S-1",
    group_id: str = "PCS",
) -> tuple[ServiceObject, tuple[DomainEvent, ...]]:
    """An object with a parts coverage and two relations (R-<id>-O on an order, -A)."""
    coverage = WarrantyCoverage.inclusive(CoverageKind.PARTS, date(2026, 1, 1), date(2026, 12, 31))
    obj, created = ServiceObject.create(
        id=object_id,
        group_id=group_id,
        item_id=item_id,
        serial_number=serial_number,
        description="the customer's PC \u00e9",
        coverage=[coverage],
        at=_AT,
    )
    obj, on_order = obj.relate(
        relation_id=f"R-{object_id}-O", kind=RelationKind.ORDER, key="SO-1", at=_AT
    )
    obj, on_agreement = obj.relate(
        relation_id=f"R-{object_id}-A", kind=RelationKind.AGREEMENT, key="AG-1", at=_AT
    )
    return obj, (*created, *on_order, *on_agreement)


def _bom(obj: ServiceObject, bom_id: str = "B-1", *, changed: bool = True) -> ServiceBom:
    """A service BOM on the object's order relation, with one change of each action."""
    bom, _ = ServiceBom.attach(
        _TEMPLATE, id=bom_id, relation=obj.relation(f"R-{obj.id}-O"), on=_DAY, at=_AT
    )
    if not changed:
        return bom
    where: dict[str, Any] = {"order_id": "SO-1", "at": _AT}
    bom, _ = bom.insert_line(
        BomLine(line_id="3", item_id="FAN", quantity=2, parent_id="1"), on=_DAY, **where
    )
    bom, _ = bom.update_quantity("3", -1, on=date(2026, 3, 3), **where)
    bom, _ = bom.replace_item("2", new_serial_number="G-2", on=date(2026, 3, 4), **where)
    bom, _ = bom.replace_quantity("1", 2, on=date(2026, 3, 5), **where)
    bom, _ = bom.delete_line("3", on=date(2026, 3, 6), **where)
    return bom


class RepairStoreContract(_store_contract.StoreContract[StoreT, UnitOfWorkT]):
    """The tests every :class:`~servicedomain.ports.RepairUnitOfWork` must pass.

    Attributes:
        timeout_seconds: how long one test may run before it fails (300 by default).
    """

    def hypothesis_settings(self) -> settings:
        """The Hypothesis settings of the property tests (override to tune them).

        The default keeps the active profile's ``max_examples`` and lifts the deadline,
        since a database may be slow now and then.
        """
        return settings(deadline=None)

    # ------------------------------------------------------------------------- helpers

    def _stored(self, store: StoreT, *objects: ServiceObject) -> None:
        with self.new_unit_of_work(store) as uow:
            for obj in objects:
                uow.service_objects.add(obj)
            uow.commit()

    def _nothing_stored(self, store: StoreT) -> None:
        with self.new_unit_of_work(store) as uow:
            assert uow.service_objects.list() == []
            assert uow.service_boms.list() == []
            assert uow.template_boms.list() == []

    # ------------------------------------------------------------------ service objects

    def test_a_service_object_round_trips_with_its_relations_and_coverage(self) -> None:
        store, (obj, _) = self._new_store(), _object()
        self._stored(store, obj)
        with self.new_unit_of_work(store) as uow:
            assert uow.service_objects.get(obj.id) == obj

    def test_objects_are_found_by_item_and_serial_number_and_by_group(self) -> None:
        store = self._new_store()
        one, _ = _object("OBJ-1", serial_number="S-1")
        two, _ = _object("OBJ-2", serial_number="S-2")
        bare, _ = _object("OBJ-3", item_id=None, serial_number=None, group_id="OTHER")
        self._stored(store, two, one, bare)
        with self.new_unit_of_work(store) as uow:
            objects = uow.service_objects
            assert objects.for_item("PC") == [one, two]
            assert objects.for_item("PC", serial_number="S-2") == [two]
            assert objects.for_item("PC", serial_number="S-9") == []
            assert objects.for_item("NONE") == []
            assert objects.for_group("PCS") == [one, two]
            assert objects.for_group("OTHER") == [bare]

    def test_the_queries_see_the_unit_of_works_own_writes(self) -> None:
        store = self._new_store()
        one, _ = _object("OBJ-1")
        two, _ = _object("OBJ-2", serial_number="S-2")
        self._stored(store, one)
        with self.new_unit_of_work(store) as uow:
            uow.service_objects.add(two)
            uow.service_objects.remove(one.id, expected_version=one.version)
            assert uow.service_objects.for_item("PC") == [two]
            assert uow.service_objects.for_group("PCS") == [two]
            bom = _bom(two, changed=False)
            uow.service_boms.add(bom)
            assert uow.service_boms.for_relation("R-OBJ-2-O") == bom
            assert uow.service_boms.for_object("OBJ-2") == [bom]
        with self.new_unit_of_work(store) as uow:
            assert uow.service_objects.for_item("PC") == [one]
            assert uow.service_boms.for_relation("R-OBJ-2-O") is None

    def test_P1_a_stale_save_of_an_object_conflicts_and_changes_nothing(self) -> None:
        store, (obj, _) = self._new_store(), _object()
        self._stored(store, obj)
        first, _ = obj.assign_template_bom("T-PC", at=_AT)
        second, _ = obj.unrelate("R-OBJ-1-A", at=_AT)
        with self.new_unit_of_work(store) as uow:
            uow.service_objects.save(first, expected_version=obj.version)
            uow.commit()
        with pytest.raises(ConcurrencyConflictError):  # on save or on commit
            self._save(store, lambda uow: uow.service_objects.save(second, expected_version=1))
        with self.new_unit_of_work(store) as uow:
            assert uow.service_objects.get(obj.id) == first

    def test_an_object_id_is_taken_once(self) -> None:
        store, (obj, _) = self._new_store(), _object()
        self._stored(store, obj)
        other, _ = _object(serial_number="S-OTHER")
        with pytest.raises(AlreadyExistsError):  # on add or on commit
            self._save(store, lambda uow: uow.service_objects.add(other))
        with self.new_unit_of_work(store) as uow:
            assert uow.service_objects.get(obj.id) == obj

    # ------------------------------------------------- relation ids (law R8, the key)

    def _related(self, obj: ServiceObject, relation_id: str) -> ServiceObject:
        return obj.relate(relation_id=relation_id, kind=RelationKind.ORDER, key="SO-9", at=_AT)[0]

    def _holders(self, store: StoreT, relation_id: str) -> list[str]:
        with self.new_unit_of_work(store) as uow:
            return [
                obj.id
                for obj in uow.service_objects.list()
                if any(relation.id == relation_id for relation in obj.relations)
            ]

    def test_R8_a_relation_id_another_object_holds_is_refused_and_changes_nothing(
        self,
    ) -> None:
        store = self._new_store()
        one, _ = _object("OBJ-1")
        two, _ = _object("OBJ-2", serial_number="S-2")
        self._stored(store, one, two)
        taken = self._related(two, "R-OBJ-1-O")
        with pytest.raises(ConcurrencyConflictError):  # on save or on commit
            self._save(
                store, lambda uow: uow.service_objects.save(taken, expected_version=two.version)
            )
        third = self._related(_object("OBJ-3", serial_number="S-3")[0], "R-OBJ-1-A")
        with pytest.raises(ConcurrencyConflictError):  # on add or on commit
            self._save(store, lambda uow: uow.service_objects.add(third))
        with self.new_unit_of_work(store) as uow:
            assert uow.service_objects.list() == [one, two]

    def test_R8_a_relation_id_claimed_by_a_concurrent_commit_conflicts_on_commit(
        self,
    ) -> None:
        store = self._new_store()
        one, _ = _object("OBJ-1")
        two, _ = _object("OBJ-2", serial_number="S-2")
        self._stored(store, one, two)
        winner, late = self._related(one, "R-NEW"), self._related(two, "R-NEW")
        with self.new_unit_of_work(store) as uow:
            uow.service_objects.save(late, expected_version=two.version)
            self._save(
                store,
                lambda rival: rival.service_objects.save(winner, expected_version=one.version),
            )
            with pytest.raises(ConcurrencyConflictError):
                uow.commit()
        assert self._holders(store, "R-NEW") == ["OBJ-1"]
        with self.new_unit_of_work(store) as uow:
            assert uow.service_objects.get("OBJ-2") == two

    def test_R8_two_objects_of_one_unit_of_work_cannot_share_a_relation_id(self) -> None:
        store = self._new_store()
        one, _ = _object("OBJ-1")
        two, _ = _object("OBJ-2", serial_number="S-2")

        def share(uow: UnitOfWorkT) -> None:
            uow.service_objects.add(self._related(one, "R-SHARED"))
            uow.service_objects.add(self._related(two, "R-SHARED"))

        with pytest.raises(ConcurrencyConflictError):  # on add or on commit
            self._save(store, share)
        self._nothing_stored(store)

    def test_R8_a_relation_id_given_up_or_removed_is_free_for_another_object(self) -> None:
        store = self._new_store()
        one, _ = _object("OBJ-1")
        two, _ = _object("OBJ-2", serial_number="S-2")
        self._stored(store, one, two)
        given_up, _ = one.unrelate("R-OBJ-1-A", at=_AT)
        moved = self._related(two, "R-OBJ-1-A")

        def move(uow: UnitOfWorkT) -> None:  # one unit of work: given up, then taken
            uow.service_objects.save(given_up, expected_version=one.version)
            uow.service_objects.save(moved, expected_version=two.version)

        self._save(store, move)
        assert self._holders(store, "R-OBJ-1-A") == ["OBJ-2"]
        self._save(
            store, lambda uow: uow.service_objects.remove("OBJ-2", expected_version=moved.version)
        )
        third = self._related(_object("OBJ-3", serial_number="S-3")[0], "R-OBJ-1-A")
        self._save(store, lambda uow: uow.service_objects.add(third))
        assert self._holders(store, "R-OBJ-1-A") == ["OBJ-3"]
        assert self._holders(store, "R-OBJ-2-O") == []

    # ------------------------------------------------------------------ service BOMs

    def test_a_service_bom_round_trips_with_its_whole_history(self) -> None:
        store, (obj, _) = self._new_store(), _object()
        bom = _bom(obj)
        with self.new_unit_of_work(store) as uow:
            uow.service_boms.add(bom)
            uow.commit()
        with self.new_unit_of_work(store) as uow:
            loaded = uow.service_boms.get(bom.id)
        assert loaded == bom
        assert loaded.changes == bom.changes
        for day in (_DAY, date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 6)):
            assert loaded.as_of(day) == bom.as_of(day)

    def test_boms_are_found_by_relation_and_by_object_and_follow_a_move(self) -> None:
        store = self._new_store()
        one, _ = _object("OBJ-1")
        two, _ = _object("OBJ-2", serial_number="S-2")
        first, second = _bom(one, "B-1"), _bom(two, "B-2", changed=False)
        with self.new_unit_of_work(store) as uow:
            uow.service_boms.add(second)
            uow.service_boms.add(first)
            uow.commit()
        with self.new_unit_of_work(store) as uow:
            assert uow.service_boms.for_relation("R-OBJ-1-O") == first
            assert uow.service_boms.for_relation("R-OBJ-1-A") is None
            assert uow.service_boms.for_object("OBJ-2") == [second]
            moved, _ = first.move_to(one.relation("R-OBJ-1-A"), at=_AT)
            uow.service_boms.save(moved, expected_version=first.version)
            uow.commit()
        with self.new_unit_of_work(store) as uow:
            assert uow.service_boms.for_relation("R-OBJ-1-O") is None
            assert uow.service_boms.for_relation("R-OBJ-1-A") == moved
            assert uow.service_boms.for_object("OBJ-1") == [moved]

    def test_P1_a_stale_bom_change_conflicts_and_changes_nothing(self) -> None:
        store, (obj, _) = self._new_store(), _object()
        bom = _bom(obj, changed=False)
        with self.new_unit_of_work(store) as uow:
            uow.service_boms.add(bom)
            uow.commit()
        where: dict[str, Any] = {"on": _DAY, "order_id": "SO-1", "at": _AT}
        winner, _ = bom.replace_quantity("1", 5, **where)
        loser, _ = bom.update_quantity("1", 1, **where)
        with self.new_unit_of_work(store) as uow:
            uow.service_boms.save(winner, expected_version=bom.version)
            uow.commit()
        with pytest.raises(ConcurrencyConflictError):  # on save or on commit
            self._save(store, lambda uow: uow.service_boms.save(loser, expected_version=1))
        with self.new_unit_of_work(store) as uow:
            assert uow.service_boms.get(bom.id) == winner

    def test_P1_a_second_bom_on_a_relation_committed_concurrently_conflicts(self) -> None:
        store, (obj, _) = self._new_store(), _object()
        winner, late = _bom(obj, "B-1", changed=False), _bom(obj, "B-2", changed=False)
        with self.new_unit_of_work(store) as uow:
            uow.service_boms.add(late)
            self._save(store, lambda rival: rival.service_boms.add(winner))
            with pytest.raises(ConcurrencyConflictError):
                uow.commit()
        with self.new_unit_of_work(store) as uow:
            assert uow.service_boms.list() == [winner]

    def test_R1_R2_a_stored_service_bom_rebuilds_every_day_as_it_did(self) -> None:
        """Any BOM history, stored and read back: equal, and ``as_of`` every day equal."""
        store = self._new_store()

        @self.hypothesis_settings()
        @given(bom=service_boms())
        def round_trip(bom: ServiceBom) -> None:
            self._save(store, lambda uow: uow.service_boms.add(bom))
            with self.new_unit_of_work(store) as uow:
                loaded = uow.service_boms.get(bom.id)
                assert uow.service_boms.for_relation(bom.relation_id) == bom
            assert loaded == bom
            assert loaded.changes == bom.changes
            last = bom.changes[-1].on if bom.changes else bom.attached_on
            day = bom.attached_on
            while day <= last:
                assert loaded.as_of(day) == bom.as_of(day), day
                day = date.fromordinal(day.toordinal() + 1)
            self._save(
                store, lambda uow: uow.service_boms.remove(bom.id, expected_version=bom.version)
            )

        round_trip()

    def test_any_service_object_round_trips_and_is_found_by_its_item(self) -> None:
        store = self._new_store()

        @self.hypothesis_settings()
        @given(obj=service_objects())
        def round_trip(obj: ServiceObject) -> None:
            self._save(store, lambda uow: uow.service_objects.add(obj))
            with self.new_unit_of_work(store) as uow:
                assert uow.service_objects.get(obj.id) == obj
                assert uow.service_objects.for_group(obj.group_id) == [obj]
                if obj.item_id is not None:
                    found = uow.service_objects.for_item(
                        obj.item_id, serial_number=obj.serial_number
                    )
                    assert found == [obj]
            self._save(
                store, lambda uow: uow.service_objects.remove(obj.id, expected_version=obj.version)
            )

        round_trip()

    # ------------------------------------------------------------------ template BOMs

    def test_a_template_is_stored_once_under_its_id(self) -> None:
        store = self._new_store()
        other = TemplateBom(id="T-OTHER", lines=_TEMPLATE.lines[:1])
        with self.new_unit_of_work(store) as uow:
            uow.template_boms.add(_TEMPLATE)
            uow.template_boms.add(other)
            uow.template_boms.add(_TEMPLATE)  # equal: a no-op
            uow.commit()
        with self.new_unit_of_work(store) as uow:
            assert uow.template_boms.get("T-PC") == _TEMPLATE
            assert uow.template_boms.list() == [other, _TEMPLATE]  # in id order
            uow.template_boms.add(_TEMPLATE)
            with pytest.raises(AlreadyExistsError):
                uow.template_boms.add(TemplateBom(id="T-PC", lines=_TEMPLATE.lines[:1]))
            with pytest.raises(NotFoundError):
                uow.template_boms.get("T-NONE")

    def test_a_template_a_rival_stored_first_is_refused_on_commit(self) -> None:
        store = self._new_store()
        with self.new_unit_of_work(store) as uow:
            uow.template_boms.add(TemplateBom(id="T-PC", lines=_TEMPLATE.lines[:1]))
            with self.new_unit_of_work(store) as rival:
                rival.template_boms.add(_TEMPLATE)
                rival.commit()
            with pytest.raises(AlreadyExistsError):
                uow.commit()
        with self.new_unit_of_work(store) as uow:
            assert uow.template_boms.list() == [_TEMPLATE]

    # ------------------------------------------------------------------ all or nothing

    def _stage_everything(self, uow: UnitOfWorkT) -> tuple[DomainEvent, ...]:
        obj, events = _object("OBJ-9", serial_number="S-9")
        bom, attached = ServiceBom.attach(
            _TEMPLATE, id="B-9", relation=obj.relation("R-OBJ-9-O"), on=_DAY, at=_AT
        )
        uow.service_objects.add(obj)
        uow.template_boms.add(_TEMPLATE)
        uow.service_boms.add(bom)
        uow.collect((*events, *attached))
        return (*events, *attached)

    def test_P2_U1_a_failed_commit_stores_nothing_and_publishes_nothing(self) -> None:
        store, publisher = self._new_store(), InMemoryEventPublisher()
        obj, _ = _object()
        self._stored(store, obj)
        with self.publishing_unit_of_work(store, publisher) as uow:
            self._stage_everything(uow)
            changed, _ = obj.assign_template_bom("T-PC", at=_AT)
            uow.service_objects.save(changed, expected_version=obj.version)
            with self.new_unit_of_work(store) as rival:
                rival.service_objects.save(changed, expected_version=obj.version)
                rival.commit()
            with pytest.raises(ConcurrencyConflictError):
                uow.commit()
        assert publisher.published == ()
        with self.new_unit_of_work(store) as uow:
            assert [one.id for one in uow.service_objects.list()] == [obj.id]
            assert uow.service_boms.list() == []
            assert uow.template_boms.list() == []

    def test_P2_U1_a_rolled_back_or_uncommitted_unit_of_work_stores_nothing(self) -> None:
        store, publisher = self._new_store(), InMemoryEventPublisher()
        with self.publishing_unit_of_work(store, publisher) as uow:
            self._stage_everything(uow)
            uow.rollback()
            uow.commit()
        with self.publishing_unit_of_work(store, publisher) as uow:
            self._stage_everything(uow)
        assert publisher.published == ()
        self._nothing_stored(store)

    def test_U1_a_committed_unit_of_work_stores_all_and_publishes_its_events(self) -> None:
        store, publisher = self._new_store(), InMemoryEventPublisher()
        with self.publishing_unit_of_work(store, publisher) as uow:
            events = self._stage_everything(uow)
            assert publisher.published == ()
            uow.commit()
        assert publisher.published == events
        with self.new_unit_of_work(store) as uow:
            assert [one.id for one in uow.service_objects.list()] == ["OBJ-9"]
            assert [one.id for one in uow.service_boms.list()] == ["B-9"]
            assert uow.template_boms.list() == [_TEMPLATE]

    def test_a_coverage_change_is_kept_exactly(self) -> None:
        store, (obj, _) = self._new_store(), _object()
        self._stored(store, obj)
        changed, _ = obj.change_coverage(
            CoverageKind.LABOUR, DateRange(date(2026, 2, 1), date(2026, 3, 1)), at=_AT
        )
        with self.new_unit_of_work(store) as uow:
            uow.service_objects.save(changed, expected_version=obj.version)
            uow.commit()
        with self.new_unit_of_work(store) as uow:
            assert uow.service_objects.get(obj.id).coverage == changed.coverage
