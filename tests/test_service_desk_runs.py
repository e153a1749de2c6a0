"""The service desk's runs (one unit of work re-entered) and the journals, on the
in-memory adapter and on the SQL adapter (SQLite)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar, cast

import attrs
import pytest

import desk_adapters
from desk_adapters import (
    RecordingJournal,
    Store,
    Stores,
    UnitOfWork,
    Wrapped,
    journal,
    unit_of_work,
)
from orders_fixtures import AT, boiler_order, line, pump_agreement, service_desk_over
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryEventPublisher
from servicedomain.agreements import (
    ServiceAgreement,
    generate_service_orders,
)
from servicedomain.errors import (
    AlreadyExistsError,
    ConcurrencyConflictError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
    ReasonRequiredError,
    TransitionNotAllowedError,
)
from servicedomain.orders import (
    JournalEntry,
    LineStatus,
    Progress,
    ServiceOrder,
    TransactionType,
)
from servicedomain.periods import DateRange
from servicedomain.ports import AgreementUnitOfWork, Journal, KeyedEntry, ServiceOrderUnitOfWork
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH
from servicedomain.stages import ReasonCode

MARCH = DateRange(date(2026, 3, 1), date(2026, 4, 1))
ALL_TYPES = frozenset(TransactionType)
KeyedT = TypeVar("KeyedT", bound=KeyedEntry)

stores = desk_adapters.stores  # the fixture: each test on the memory and SQLite adapters


def journals(store: Store) -> dict[TransactionType, RecordingJournal[JournalEntry]]:
    return {kind: journal(store, kind.name, JournalEntry) for kind in TransactionType}


def stored(store: Store, order_id: str) -> ServiceOrder:
    return store.repository(ServiceOrder).get(order_id)


def ready_to_post(store: Store, order_id: str, *, sign_off: bool = True) -> None:
    """Store an order with an hour and an item line, walked to COMPLETED."""
    order = boiler_order(
        order_id,
        line(TransactionType.HOUR, "2", "40.00", "85.00"),
        line(TransactionType.ITEM, "1", "10.00", "15.00"),
    )
    for stage in ("PLANNED", "IN_PROCESS", "COMPLETED"):
        order, _ = order.change_stage(GRAPH, stage, at=AT)
    if sign_off:
        order, _ = order.sign_off(at=AT)
    store.repository(ServiceOrder).add(order)


def test_the_unit_of_work_implements_the_service_port(stores: Stores) -> None:
    store = stores.new()
    assert isinstance(unit_of_work(store), ServiceOrderUnitOfWork)
    assert isinstance(journal(store, "HOUR", JournalEntry), Journal)


def test_create_then_change_stage_publishes_events_on_commit(stores: Stores) -> None:
    store, publisher = stores.new(), InMemoryEventPublisher()
    clock = FixedClock(AT)
    uow = unit_of_work(store, publisher=publisher)
    order = service_desk_over(uow, clock, graph=GRAPH).create_order(
        order_id="SO-1", customer_id="C-1"
    )
    assert stored(store, "SO-1") == order
    clock.advance(timedelta(hours=1))
    moved = service_desk_over(uow, clock, graph=GRAPH).change_stage("SO-1", "PLANNED")
    assert stored(store, "SO-1") == moved
    assert moved.version == order.version + 1
    assert [event.name for event in publisher.published] == ["ServiceOrderCreated", "StageChanged"]
    assert publisher.published[-1].occurred_at == AT + timedelta(hours=1)


def test_create_refuses_a_taken_id(stores: Stores) -> None:
    store = stores.new()
    clock = FixedClock(AT)
    service_desk_over(unit_of_work(store), clock, graph=GRAPH).create_order(
        order_id="SO-1", customer_id="C-1"
    )
    with pytest.raises(AlreadyExistsError):
        service_desk_over(unit_of_work(store), clock, graph=GRAPH).create_order(
            order_id="SO-1", customer_id="C-2"
        )
    assert stored(store, "SO-1").customer_id == "C-1"


def test_a_refused_stage_change_saves_nothing(stores: Stores) -> None:
    store, publisher = stores.new(), InMemoryEventPublisher()
    clock = FixedClock(AT)
    uow = unit_of_work(store, publisher=publisher)
    created = service_desk_over(uow, clock, graph=GRAPH).create_order(
        order_id="SO-1", customer_id="C-1"
    )
    with pytest.raises(TransitionNotAllowedError):
        service_desk_over(uow, clock, graph=GRAPH).change_stage("SO-1", "COMPLETED")
    service_desk_over(uow, clock, graph=GRAPH).change_stage("SO-1", "PLANNED")
    with pytest.raises(ReasonRequiredError):
        service_desk_over(uow, clock, graph=GRAPH).change_stage("SO-1", "CANCELED")
    canceled = service_desk_over(uow, clock, graph=GRAPH).change_stage(
        "SO-1", "CANCELED", reason=ReasonCode("NOACCESS", "No access")
    )
    assert canceled.version == created.version + 2
    assert [event.name for event in publisher.published] == [
        "ServiceOrderCreated",
        "StageChanged",
        "StageChanged",
    ]
    with pytest.raises(NotFoundError):
        service_desk_over(uow, clock, graph=GRAPH).change_stage("SO-9", "PLANNED")


def test_post_orders_posts_each_type_to_its_journal(stores: Stores) -> None:
    store = stores.new()
    ready_to_post(store, "SO-1")
    ready_to_post(store, "SO-2")
    books = journals(store)
    result = service_desk_over(
        unit_of_work(store), FixedClock(AT), journals=books, graph=GRAPH
    ).post_orders(order_ids=["SO-1", "SO-2"], period=MARCH, types=ALL_TYPES)
    assert result.posted == (
        ("SO-1", 1, "HOUR-000001"),
        ("SO-1", 2, "ITEM-000001"),
        ("SO-2", 1, "HOUR-000002"),
        ("SO-2", 2, "ITEM-000002"),
    )
    assert [entry.key for _, entry in books[TransactionType.HOUR].recorded] == [
        ("SO-1", 1),
        ("SO-2", 1),
    ]
    assert books[TransactionType.FEE].recorded == ()
    for order_id in ("SO-1", "SO-2"):
        order = stored(store, order_id)
        assert order.progress is Progress.POSTED
        assert all(each.journal_transaction_id for each in order.lines)


def test_posting_again_posts_nothing(stores: Stores) -> None:
    store = stores.new()
    ready_to_post(store, "SO-1")
    books = journals(store)
    desk = service_desk_over(unit_of_work(store), journals=books, graph=GRAPH)
    first = desk.post_orders(order_ids=["SO-1"], period=MARCH, types=ALL_TYPES)
    again = desk.post_orders(order_ids=["SO-1"], period=MARCH, types=ALL_TYPES)
    assert len(first.posted) == 2
    assert again.posted == ()
    assert {why for _, _, why in again.skipped} == {"already posted"}
    assert len(books[TransactionType.HOUR].recorded) == 1


def test_unselected_types_and_unsigned_lines_are_not_posted(stores: Stores) -> None:
    store = stores.new()
    ready_to_post(store, "SO-1", sign_off=False)
    books = journals(store)
    uow = unit_of_work(store)
    result = service_desk_over(uow, FixedClock(AT), journals=books, graph=GRAPH).post_orders(
        order_ids=["SO-1"], period=MARCH, types={TransactionType.HOUR}
    )
    assert result.posted == ()
    assert sorted(result.skipped) == [
        ("SO-1", 1, "not signed off"),
        ("SO-1", 2, "type not selected"),
    ]
    relaxed = service_desk_over(uow, FixedClock(AT), journals=books, graph=GRAPH).post_orders(
        order_ids=["SO-1"], period=MARCH, types={TransactionType.HOUR}, require_sign_off=False
    )
    assert relaxed.posted == (("SO-1", 1, "HOUR-000001"),)
    order = stored(store, "SO-1")
    assert [each.status for each in order.lines] == [LineStatus.POSTED, LineStatus.CREATED]
    assert order.progress is Progress.IN_PROCESS


def test_an_order_whose_stage_does_not_allow_posting_is_refused_and_the_run_goes_on(
    stores: Stores,
) -> None:
    store = stores.new()
    ready_to_post(store, "SO-2")
    store.repository(ServiceOrder).add(
        boiler_order("SO-1", line(TransactionType.FEE, "1", "0", "9"))
    )
    result = service_desk_over(
        unit_of_work(store), FixedClock(AT), journals=journals(store), graph=GRAPH
    ).post_orders(order_ids=["SO-1", "SO-2"], period=MARCH, types=ALL_TYPES)
    assert [order_id for order_id, _ in result.refused] == ["SO-1"]
    assert "post" in result.refused[0][1]
    assert [order_id for order_id, _, _ in result.posted] == ["SO-2", "SO-2"]


def test_a_type_without_a_journal_is_refused_before_anything_is_posted(stores: Stores) -> None:
    store = stores.new()
    ready_to_post(store, "SO-1")
    books = journals(store)
    del books[TransactionType.ITEM]
    with pytest.raises(InvalidInputError) as caught:
        service_desk_over(
            unit_of_work(store), FixedClock(AT), journals=books, graph=GRAPH
        ).post_orders(order_ids=["SO-1"], period=MARCH, types=ALL_TYPES)
    assert caught.value.field == "journals"
    assert books[TransactionType.HOUR].recorded == ()


def test_U1_a_conflict_after_posting_records_nothing_and_a_rerun_posts_once(stores: Stores) -> None:
    """P4, U1: the order changed while being posted; no entry is left, a rerun posts once."""
    store = stores.new()
    ready_to_post(store, "SO-1")
    books = journals(store)

    class RivalUnitOfWork(Wrapped[UnitOfWork]):
        """Once the first journal took the entries, a rival saves the order."""

        rival_done = False

        def enlist(self, journal: Journal[KeyedT]) -> Journal[KeyedT]:
            view = self.inner.enlist(journal)
            outer = self

            class Rival:
                def post(self, entries: Sequence[KeyedT]) -> list[str]:
                    ids = view.post(entries)
                    if not outer.rival_done:
                        outer.rival_done = True
                        order = stored(store, "SO-1")
                        bumped = attrs.evolve(order, version=order.version + 1, description="rival")
                        store.repository(ServiceOrder).save(bumped, expected_version=order.version)
                    return ids

            return Rival()

    with pytest.raises(ConcurrencyConflictError):
        service_desk_over(
            cast("AgreementUnitOfWork", RivalUnitOfWork(unit_of_work(store))),
            journals=books,
            graph=GRAPH,
        ).post_orders(order_ids=["SO-1"], period=MARCH, types=ALL_TYPES)
    assert stored(store, "SO-1").progress is Progress.IN_PROCESS
    assert all(book.recorded == () for book in books.values())
    result = service_desk_over(unit_of_work(store), journals=books, graph=GRAPH).post_orders(
        order_ids=["SO-1"], period=MARCH, types=ALL_TYPES
    )
    assert result.posted == (("SO-1", 1, "HOUR-000001"), ("SO-1", 2, "ITEM-000001"))
    assert len(books[TransactionType.HOUR].recorded) == 1
    assert stored(store, "SO-1").description == "rival"


def test_the_journal_is_idempotent_per_key(stores: Stores) -> None:
    order = boiler_order("SO-1", line(TransactionType.HOUR, "1", "40.00", "85.00"))
    for stage in ("PLANNED", "IN_PROCESS", "COMPLETED"):
        order, _ = order.change_stage(GRAPH, stage, at=AT)
    plan = order.plan_posting(GRAPH, period=MARCH, types=ALL_TYPES, require_sign_off=False)
    store = stores.new()
    book = journal(store, "HOUR", JournalEntry)
    assert book.post(plan.entries) == ["HOUR-000001"]
    assert book.post(plan.entries) == ["HOUR-000001"]
    assert book.post([plan.entries[0], plan.entries[0]]) == ["HOUR-000001", "HOUR-000001"]
    changed = attrs.evolve(plan.entries[0], description="something else")
    with pytest.raises(IdempotencyConflictError) as caught:
        book.post([changed])
    assert caught.value.field == "description"
    assert caught.value.key == ("SO-1", 1)
    assert len(book.recorded) == 1
    with pytest.raises(InvalidInputError):
        journal(store, "", JournalEntry)


def test_fixed_clock_time_is_what_the_events_carry(stores: Stores) -> None:
    store, publisher = stores.new(), InMemoryEventPublisher()
    at = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    service_desk_over(
        unit_of_work(store, publisher=publisher), FixedClock(at), graph=GRAPH
    ).create_order(order_id="SO-1", customer_id="C-1")
    assert publisher.published[0].occurred_at == at


# ------------------------------------------------------------- generation from agreements


def gold_agreement(agreement_id: str) -> ServiceAgreement:
    return pump_agreement(agreement_id, default_sla_id="SLA-GOLD")


def test_generate_orders_stores_all_and_reruns_create_nothing(stores: Stores) -> None:
    store, publisher = stores.new(), InMemoryEventPublisher()
    for agreement_id in ("AG-1", "AG-2"):
        store.repository(ServiceAgreement).add(gold_agreement(agreement_id))
    quarter = DateRange.inclusive(date(2026, 1, 1), date(2026, 3, 31))
    uow = unit_of_work(store, publisher=publisher)
    first = service_desk_over(uow, FixedClock(AT), graph=GRAPH).generate_orders(
        agreement_ids=["AG-1", "AG-2"], period=quarter, types=ALL_TYPES
    )
    assert len(first.orders) == 6
    stored_orders = store.repository(ServiceOrder).list()
    assert [order.id for order in stored_orders] == sorted(order.id for order in first.orders)
    assert all(order.sla_id is None for order in stored_orders)  # generated: not measured
    assert len(publisher.published) == 6
    again = service_desk_over(uow, FixedClock(AT), graph=GRAPH).generate_orders(
        agreement_ids=["AG-1", "AG-2"], period=quarter, types=ALL_TYPES
    )
    assert again.orders == ()
    assert len(store.repository(ServiceOrder).list()) == 6
    assert unit_of_work(store).service_orders.for_agreement("AG-2") == [
        order for order in stored_orders if order.agreement_id == "AG-2"
    ]


def test_generation_with_an_unknown_agreement_stores_nothing(stores: Stores) -> None:
    store = stores.new()
    store.repository(ServiceAgreement).add(gold_agreement("AG-1"))
    with pytest.raises(NotFoundError):
        service_desk_over(unit_of_work(store), FixedClock(AT), graph=GRAPH).generate_orders(
            agreement_ids=["AG-1", "AG-404"], period=MARCH, types=ALL_TYPES
        )
    assert store.repository(ServiceOrder).list() == []


def test_generation_that_collides_with_a_concurrent_run_stores_nothing(stores: Stores) -> None:
    store = stores.new()
    store.repository(ServiceAgreement).add(gold_agreement("AG-1"))
    quarter = DateRange.inclusive(date(2026, 1, 1), date(2026, 3, 31))
    rival = generate_service_orders(
        [gold_agreement("AG-1")], GRAPH, period=MARCH, types=ALL_TYPES, at=AT
    )
    uow = unit_of_work(store)

    class RivalFirst(Wrapped[UnitOfWork]):
        def commit(self) -> None:
            store.repository(ServiceOrder).add(rival.orders[0])  # stored meanwhile
            self.inner.commit()

    with pytest.raises(AlreadyExistsError):
        service_desk_over(
            cast("AgreementUnitOfWork", RivalFirst(unit_of_work(store))),
            FixedClock(AT),
            graph=GRAPH,
        ).generate_orders(agreement_ids=["AG-1"], period=quarter, types=ALL_TYPES)
    assert store.repository(ServiceOrder).list() == [rival.orders[0]]
    retry = service_desk_over(uow, FixedClock(AT), graph=GRAPH).generate_orders(
        agreement_ids=["AG-1"], period=quarter, types=ALL_TYPES
    )
    assert len(retry.orders) == 2
    assert len(store.repository(ServiceOrder).list()) == 3
