"""Object relations have one source of truth: the document (order or agreement) owns them.

AX keeps one table, ``SMAServiceObjectRelation``, keyed by the document. A service
object's ``relations`` is a cache of the relations of the documents that name it: the
repair desk and the service desk write both in one unit of work (all or nothing; the
fault sweeps in ``test_unit_of_work_faults.py`` and ``test_sql_faults.py`` cover it).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from servicedomain.agreements import AgreementGroup, ServiceAgreement
from servicedomain.app import RepairDesk, ServiceDesk
from servicedomain.errors import NotFoundError, RepairRuleError, ServiceDomainError
from servicedomain.orders import ServiceOrder
from servicedomain.repairs import RelationKind, ServiceObjectRelation
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OBJECTS = ("OBJ-1", "OBJ-2", "OBJ-3")
ORDERS = ("SO-1", "SO-2")
AGREEMENTS = ("AG-1", "AG-2")


class World:
    """A memory store with OBJECTS, ORDERS and AGREEMENTS stored, and both desks over it."""

    def __init__(self, *, hide_objects: bool = False) -> None:
        self.store = InMemoryStore()
        self.hide_objects = False  # the objects are stored first, then hidden if asked
        clock = FixedClock(AT)
        self.repairs = RepairDesk(unit_of_work=self.open, clock=clock, graph=GRAPH)
        self.service = ServiceDesk(unit_of_work=self.open, clock=clock, graph=GRAPH)
        for object_id in OBJECTS:
            self.repairs.create_object(id=object_id, group_id="PCS")
        for order_id in ORDERS:
            self.service.create_order(order_id=order_id, customer_id="C-1")
        for agreement_id in AGREEMENTS:
            self.service.create_agreement(
                agreement_id=agreement_id,
                customer_id="C-1",
                group=AgreementGroup("G"),
                start_date=date(2026, 1, 1),
            )
        self.hide_objects = hide_objects

    def open(self) -> Any:
        uow = InMemoryUnitOfWork(self.store)
        return _WithoutRepairStorage(uow) if self.hide_objects else uow

    def object_relations(self, object_id: str) -> set[ServiceObjectRelation]:
        with InMemoryUnitOfWork(self.store) as uow:
            return set(uow.service_objects.get(object_id).relations)

    def document_relations(self, object_id: str) -> set[ServiceObjectRelation]:
        """The relations that name ``object_id`` in every stored order and agreement."""
        with InMemoryUnitOfWork(self.store) as uow:
            documents: list[ServiceOrder | ServiceAgreement] = [
                *uow.service_orders.list(),
                *uow.agreements.list(),
            ]
        return {
            relation
            for document in documents
            for relation in document.object_relations
            if relation.object_id == object_id
        }


class _WithoutRepairStorage:
    """A host's unit of work with no repair storage: no ``service_objects``."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    def __getattr__(self, name: str) -> Any:
        if name == "service_objects":
            raise AttributeError(name)
        return getattr(self._uow, name)

    def __enter__(self) -> _WithoutRepairStorage:
        self._uow.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._uow.__exit__(*exc)


# ------------------------------------------------------------------ worked examples


def test_relating_through_the_repair_desk_relates_the_order_and_the_agreement() -> None:
    w = World()
    w.repairs.relate("OBJ-1", relation_id="R-1", kind=RelationKind.ORDER, key="SO-1")
    w.repairs.relate("OBJ-1", relation_id="R-2", kind=RelationKind.AGREEMENT, key="AG-1")
    assert [r.id for r in w.service.order("SO-1").object_relations] == ["R-1"]
    assert [r.id for r in w.service.agreement("AG-1").object_relations] == ["R-2"]
    assert w.object_relations("OBJ-1") == w.document_relations("OBJ-1")


def test_relating_through_the_service_desk_updates_the_stored_object() -> None:
    w = World()
    w.service.relate_object(
        "SO-1", ServiceObjectRelation("R-1", "OBJ-1", RelationKind.ORDER, "SO-1")
    )
    w.service.relate_agreement_object(
        "AG-1", ServiceObjectRelation("R-2", "OBJ-1", RelationKind.AGREEMENT, "AG-1")
    )
    assert [r.id for r in w.repairs.service_object("OBJ-1").relations] == ["R-1", "R-2"]
    assert w.object_relations("OBJ-1") == w.document_relations("OBJ-1")


def test_creating_an_order_with_relations_caches_them_on_the_objects() -> None:
    w = World()
    relation = ServiceObjectRelation("R-9", "OBJ-2", RelationKind.ORDER, "SO-9")
    w.service.create_order(order_id="SO-9", customer_id="C-1", object_relations=(relation,))
    assert w.repairs.service_object("OBJ-2").relations == (relation,)


def test_a_relation_to_a_document_that_is_not_stored_is_refused_and_stores_nothing() -> None:
    w = World()
    before = w.repairs.service_object("OBJ-1")
    with pytest.raises(NotFoundError, match="SO-404"):
        w.repairs.relate("OBJ-1", relation_id="R-1", kind=RelationKind.ORDER, key="SO-404")
    with pytest.raises(NotFoundError, match="AG-404"):
        w.repairs.relate("OBJ-1", relation_id="R-1", kind=RelationKind.AGREEMENT, key="AG-404")
    assert w.repairs.service_object("OBJ-1") == before


def test_a_relation_id_names_one_relation_of_one_object_on_both_desks() -> None:
    w = World()
    w.repairs.relate("OBJ-1", relation_id="R-1", kind=RelationKind.ORDER, key="SO-1")
    with pytest.raises(RepairRuleError, match=r"relation\.id_taken"):
        w.repairs.relate("OBJ-2", relation_id="R-1", kind=RelationKind.ORDER, key="SO-2")
    with pytest.raises(RepairRuleError, match=r"relation\.id_taken"):
        w.service.relate_object(
            "SO-2", ServiceObjectRelation("R-1", "OBJ-2", RelationKind.ORDER, "SO-2")
        )
    assert w.service.order("SO-2").object_relations == ()  # the refusal stored nothing
    assert w.object_relations("OBJ-2") == set()


def test_a_conflict_on_the_object_leaves_the_document_unrelated() -> None:
    w = World()
    w.repairs.relate("OBJ-1", relation_id="R-1", kind=RelationKind.ORDER, key="SO-1")
    with pytest.raises(RepairRuleError, match=r"relation\.conflict"):
        w.service.relate_agreement_object(
            "AG-1", ServiceObjectRelation("R-1", "OBJ-1", RelationKind.AGREEMENT, "AG-1")
        )
    assert w.service.agreement("AG-1").object_relations == ()


def test_a_host_without_repair_storage_keeps_the_relation_on_the_document_only() -> None:
    w = World(hide_objects=True)
    relation = ServiceObjectRelation("R-1", "OBJ-1", RelationKind.ORDER, "SO-1")
    assert w.service.relate_object("SO-1", relation).object_relations == (relation,)
    assert w.object_relations("OBJ-1") == set()


def test_an_object_that_is_not_stored_leaves_the_document_the_only_holder() -> None:
    w = World()
    relation = ServiceObjectRelation("R-1", "OBJ-404", RelationKind.ORDER, "SO-1")
    assert w.service.relate_object("SO-1", relation).object_relations == (relation,)


# ------------------------------------------------------------------ the property

_CALLS = st.tuples(
    st.sampled_from(["repair desk", "service desk"]),
    st.sampled_from(OBJECTS),
    st.sampled_from([*ORDERS, *AGREEMENTS, "SO-404"]),
    st.sampled_from(["R-1", "R-2", "R-3", "R-4"]),
)


def _relate(w: World, call: tuple[str, str, str, str]) -> None:
    desk, object_id, key, relation_id = call
    kind = RelationKind.AGREEMENT if key.startswith("AG") else RelationKind.ORDER
    if desk == "repair desk":
        w.repairs.relate(object_id, relation_id=relation_id, kind=kind, key=key)
        return
    relation = ServiceObjectRelation(relation_id, object_id, kind, key)
    if kind is RelationKind.AGREEMENT:
        w.service.relate_agreement_object(key, relation)
    else:
        w.service.relate_object(key, relation)


@given(calls=st.lists(_CALLS, max_size=12))
def test_R8_relations_have_one_source_of_truth_after_any_sequence_of_desk_calls(
    calls: list[tuple[str, str, str, str]],
) -> None:
    """After any relate calls through either desk (refused ones included), each object's
    relations equal the relations of the stored documents that name it, and a relation id
    is on one object.

    No desk or document offers an unrelate, so the sequences are of relate calls.
    """
    w = World()
    for call in calls:
        with contextlib.suppress(ServiceDomainError):  # a refusal stores nothing
            _relate(w, call)
    owners: dict[str, str] = {}
    for object_id in OBJECTS:
        assert w.object_relations(object_id) == w.document_relations(object_id)
        for relation in w.object_relations(object_id):
            assert owners.setdefault(relation.id, object_id) == object_id
