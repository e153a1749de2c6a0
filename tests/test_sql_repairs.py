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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# ---------------------------------------------------------- law R8: the relation keys

OBJECT_IDS = ("OBJ-1", "OBJ-2", "OBJ-3")
RELATION_IDS = ("R-1", "R-2", "R-3")
#: One unit of work: (object index, relate or unrelate, relation index); a few steps may
#: share one unit of work (a relation given up and taken in one commit).
STEPS = st.lists(
    st.lists(
        st.tuples(st.integers(0, 2), st.booleans(), st.integers(0, 2)), min_size=1, max_size=3
    ),
    max_size=8,
)


def _keys(store: SqlStore) -> set[tuple[str, str]]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT relation_id, object_id FROM servicedomain_service_object_relations")
        ).all()
    return {(row.relation_id, row.object_id) for row in rows}


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(units=STEPS)
def test_R8_the_relation_keys_are_the_stored_objects_relations_after_any_writes(
    store: SqlStore, units: list[list[tuple[int, bool, int]]]
) -> None:
    """Any units of work relating and unrelating objects through the port: a commit that
    would put a relation id on two objects conflicts and writes nothing; the key rows are
    always exactly the stored objects' relations, each relation id on one object."""
    with store.engine.begin() as connection:
        for table in ("servicedomain_service_object_relations", "servicedomain_service_objects"):
            connection.execute(sa.text(f"DELETE FROM {table}"))
    with store.unit_of_work() as uow:
        for object_id in OBJECT_IDS:
            uow.service_objects.add(ServiceObject.create(id=object_id, group_id="G", at=AT)[0])
        uow.commit()
    owners: dict[str, str] = {}  # the model: relation id -> the object holding it
    for unit in units:
        holds = {
            object_id: {r for r, o in owners.items() if o == object_id} for object_id in OBJECT_IDS
        }
        with store.unit_of_work() as uow:
            for object_index, relate, relation_index in unit:
                object_id, relation_id = OBJECT_IDS[object_index], RELATION_IDS[relation_index]
                obj = uow.service_objects.get(object_id)
                if relate:
                    changed, _ = obj.relate(
                        relation_id=relation_id,
                        kind=RelationKind.ORDER,
                        key=f"SO-{relation_id}",
                        at=AT,
                    )
                    holds[object_id].add(relation_id)
                elif relation_id in holds[object_id]:
                    changed, _ = obj.unrelate(relation_id, at=AT)
                    holds[object_id].discard(relation_id)
                else:
                    continue
                if changed is not obj:
                    uow.service_objects.save(changed, expected_version=obj.version)
            claims = [(r, object_id) for object_id, held in holds.items() for r in held]
            if len({r for r, _ in claims}) < len(claims):  # an id on two objects
                with pytest.raises(ConcurrencyConflictError):
                    uow.commit()
            else:
                uow.commit()
                owners = dict(claims)
        with store.unit_of_work() as uow:
            cached = {
                (relation.id, obj.id)
                for obj in uow.service_objects.list()
                for relation in obj.relations
            }
        assert _keys(store) == cached == set(owners.items())
