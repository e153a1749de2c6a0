"""The repair tables on SQLite and PostgreSQL: what the database itself guarantees.

A relation has one service BOM: the unique key on ``servicedomain_service_boms.relation_id``
refuses a second BOM on a relation that a concurrent unit of work committed first (the
repair desk checks it too, but two desks may check at once), and the refusal is the
adapter's :class:`~servicedomain.errors.ConcurrencyConflictError`, never a driver's
error. The indexed columns follow the document on every save.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from servicedomain.adapters.sql import SqlStore, open_store
from servicedomain.errors import AlreadyExistsError, ConcurrencyConflictError
from servicedomain.ports import RepairUnitOfWork
from servicedomain.repairs import (
    BomLine,
    RelationKind,
    ServiceBom,
    ServiceObject,
    ServiceObjectRelation,
    TemplateBom,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEMPLATE = TemplateBom(id="T-1", lines=(BomLine(line_id="1", item_id="PC", quantity=1),))
ON_ORDER = ServiceObjectRelation("R-1", "OBJ-1", RelationKind.ORDER, "SO-1")
ON_AGREEMENT = ServiceObjectRelation("R-2", "OBJ-1", RelationKind.AGREEMENT, "AG-1")


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    made = open_store(database_url, create_tables=True)
    yield made
    made.dispose()


def _bom(bom_id: str, relation: ServiceObjectRelation = ON_ORDER) -> ServiceBom:
    return ServiceBom.attach(TEMPLATE, id=bom_id, relation=relation, on=date(2026, 3, 1), at=AT)[0]


def _add(store: SqlStore, *boms: ServiceBom) -> None:
    with store.unit_of_work() as uow:
        for bom in boms:
            uow.service_boms.add(bom)
        uow.commit()


def test_the_sql_unit_of_work_is_a_repair_unit_of_work(store: SqlStore) -> None:
    assert isinstance(store.unit_of_work(), RepairUnitOfWork)


def test_a_second_bom_on_a_relation_committed_concurrently_is_a_conflict(
    store: SqlStore,
) -> None:
    with store.unit_of_work() as late:
        late.service_boms.add(_bom("B-2"))
        _add(store, _bom("B-1"))
        with pytest.raises(ConcurrencyConflictError) as caught:
            late.commit()
    assert not isinstance(caught.value, AlreadyExistsError)
    with store.unit_of_work() as uow:
        assert [bom.id for bom in uow.service_boms.list()] == ["B-1"]


def test_a_move_onto_a_relation_another_bom_took_concurrently_is_a_conflict(
    store: SqlStore,
) -> None:
    first = _bom("B-1")
    _add(store, first)
    moved, _ = first.move_to(ON_AGREEMENT, at=AT)
    with store.unit_of_work() as late:
        late.service_boms.save(moved, expected_version=first.version)
        _add(store, _bom("B-2", ON_AGREEMENT))
        with pytest.raises(ConcurrencyConflictError):
            late.commit()
    with store.unit_of_work() as uow:
        assert uow.service_boms.get("B-1") == first
        assert uow.service_boms.for_relation("R-2") == _bom("B-2", ON_AGREEMENT)


def test_the_indexed_columns_follow_the_document(store: SqlStore) -> None:
    obj, _ = ServiceObject.create(
        id="OBJ-1", group_id="PCS", item_id="PC", serial_number="S-1", at=AT
    )
    with store.unit_of_work() as uow:
        uow.service_objects.add(obj)
        uow.commit()
    first = _bom("B-1")
    _add(store, first)
    moved, _ = first.move_to(ON_AGREEMENT, at=AT)
    with store.unit_of_work() as uow:
        uow.service_boms.save(moved, expected_version=first.version)
        uow.template_boms.add(TEMPLATE)
        uow.commit()
    with store.engine.connect() as connection:
        objects = connection.execute(
            sa.text(
                "SELECT id, version, group_id, item_id, serial_number "
                "FROM servicedomain_service_objects"
            )
        ).all()
        boms = connection.execute(
            sa.text(
                "SELECT id, version, relation_id, service_object_id FROM servicedomain_service_boms"
            )
        ).all()
        templates = connection.execute(
            sa.text("SELECT id, version FROM servicedomain_template_boms")
        ).all()
    assert [tuple(row) for row in objects] == [("OBJ-1", 1, "PCS", "PC", "S-1")]
    assert [tuple(row) for row in boms] == [("B-1", 2, "R-2", "OBJ-1")]
    assert [tuple(row) for row in templates] == [("T-1", 1)]
