"""The in-memory adapters: the port contracts, and what is particular to them."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from servicedomain.adapters.clocks import FixedClock, SystemClock
from servicedomain.adapters.memory import (
    InMemoryEventPublisher,
    InMemoryJournal,
    InMemoryServiceUnitOfWork,
    InMemoryStore,
    InMemoryUnitOfWork,
)
from servicedomain.errors import (
    AlreadyExistsError,
    ConcurrencyConflictError,
    InvalidInputError,
    NotFoundError,
    TypeMismatchError,
)
from servicedomain.events import DomainEvent
from servicedomain.ports import (
    Clock,
    Entity,
    EventPublisher,
    Journal,
    JournalUnitOfWork,
    Repository,
    UnitOfWork,
)
from servicedomain.testing.contracts import (
    JournalContract,
    JournalUnitOfWorkContract,
    RepositoryContract,
)
from servicedomain.testing.faults import FaultPlan, InjectedFault

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@attrs.frozen
class Widget:
    id: str
    version: int
    name: str


@attrs.frozen
class Gadget:
    id: str
    version: int


@attrs.frozen(kw_only=True)
class WidgetRenamed(DomainEvent):
    name: str


def renamed(widget: Widget, name: str) -> Widget:
    return attrs.evolve(widget, version=widget.version + 1, name=name)


class TestInMemoryRepositoryContract(RepositoryContract[InMemoryStore, InMemoryUnitOfWork, Widget]):
    def make_store(self) -> InMemoryStore:
        return InMemoryStore()

    def new_unit_of_work(self, store: InMemoryStore) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(store)

    def repository(self, uow: InMemoryUnitOfWork) -> Repository[Widget]:
        return uow.repository(Widget)

    def new_entity(self, entity_id: str) -> Widget:
        return Widget(entity_id, 1, "new")

    def changed(self, entity: Widget) -> Widget:
        return renamed(entity, entity.name + "+")


@attrs.frozen
class Entry:
    number: int
    text: str

    @property
    def key(self) -> int:
        return self.number


class TestInMemoryJournalUnitOfWorkContract(
    JournalUnitOfWorkContract[InMemoryStore, InMemoryUnitOfWork, Entry]
):
    def make_store(self) -> InMemoryStore:
        return InMemoryStore()

    def new_unit_of_work(self, store: InMemoryStore) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(store)

    def new_journal(self, store: InMemoryStore) -> Journal[Entry]:
        return InMemoryJournal[Entry]("J")

    def new_entry(self, number: int) -> Entry:
        return Entry(number, "new")

    def changed_entry(self, entry: Entry) -> Entry:
        return attrs.evolve(entry, text=entry.text + "+")

    def recorded(self, store: InMemoryStore, journal: Journal[Entry]) -> dict[str, Entry]:
        assert isinstance(journal, InMemoryJournal)
        return dict(journal.recorded)


class TestInMemoryJournalContract(JournalContract[Entry]):
    def new_journal(self) -> Journal[Entry]:
        return InMemoryJournal[Entry]("J")

    def new_entry(self, number: int) -> Entry:
        return Entry(number, "new")

    def changed_entry(self, entry: Entry) -> Entry:
        return attrs.evolve(entry, text=entry.text + "+")

    def recorded(self, journal: Journal[Entry]) -> dict[str, Entry]:
        assert isinstance(journal, InMemoryJournal)
        return dict(journal.recorded)


class _PostsTwice:
    """A journal that records every post anew: what the Journal contract must catch."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def post(self, entries: Sequence[Entry]) -> list[str]:
        ids = []
        for entry in entries:
            transaction_id = f"T-{len(self.entries) + 1}"
            self.entries[transaction_id] = entry
            ids.append(transaction_id)
        return ids


@pytest.mark.parametrize(
    "test",
    [
        "test_an_entry_posted_again_gets_its_id_back_and_is_not_recorded_twice",
        "test_one_entry_twice_in_one_call_is_recorded_once",
        "test_a_call_with_a_key_recorded_under_other_content_records_nothing",
    ],
)
def test_the_journal_contract_catches_a_journal_that_posts_twice(test: str) -> None:
    class Suite(TestInMemoryJournalContract):
        def new_journal(self) -> Journal[Entry]:
            return _PostsTwice()

        def recorded(self, journal: Journal[Entry]) -> dict[str, Entry]:
            assert isinstance(journal, _PostsTwice)
            return dict(journal.entries)

    suite = Suite()
    suite.journal = suite.new_journal()
    with pytest.raises((AssertionError, pytest.fail.Exception)):
        getattr(suite, test)()


def test_U1_the_memory_unit_of_work_enlists_only_memory_journals() -> None:
    uow = InMemoryServiceUnitOfWork(InMemoryStore())
    assert isinstance(uow, JournalUnitOfWork)

    class Elsewhere:
        def post(self, entries: Sequence[Entry]) -> list[str]:
            return ["X-1" for _ in entries]

    with pytest.raises(TypeMismatchError) as caught:
        uow.enlist(Elsewhere())
    assert caught.value.field == "journal"


def test_U1_a_direct_post_that_takes_a_reserved_id_fails_the_commit_and_a_retry_lands() -> None:
    """A post outside the unit of work takes the id it reserved: conflict, nothing recorded."""
    store, journal = InMemoryStore(), InMemoryJournal[Entry]("J")
    seed(store, "w-1")
    with InMemoryUnitOfWork(store) as uow:
        widgets = uow.repository(Widget)
        widgets.save(renamed(widgets.get("w-1"), "staged"), expected_version=1)
        assert uow.enlist(journal).post([Entry(1, "mine")]) == ["J-000001"]
        assert journal.post([Entry(2, "theirs")]) == ["J-000001"]
        with pytest.raises(ConcurrencyConflictError) as caught:
            uow.commit()
    assert caught.value.entity_id == "J-000001"
    assert journal.recorded == (("J-000001", Entry(2, "theirs")),)
    assert store.repository(Widget).get("w-1").name == "new"
    with InMemoryUnitOfWork(store) as uow:
        assert uow.enlist(journal).post([Entry(1, "mine")]) == ["J-000002"]
        uow.commit()
    assert [transaction_id for transaction_id, _ in journal.recorded] == ["J-000001", "J-000002"]


def test_a_fault_plan_counts_fails_once_and_checks_its_step() -> None:
    store = InMemoryStore()
    seed(store, "w-1")
    plan = FaultPlan(fail_at=2, ports={"widgets"})

    class WidgetUnitOfWork(InMemoryUnitOfWork):
        @property
        def widgets(self) -> Repository[Widget]:
            return self.repository(Widget)

    uow = plan.wrap(WidgetUnitOfWork(store))

    def save(name: str) -> None:
        with uow:
            widget = uow.widgets.get("w-1")
            uow.widgets.save(renamed(widget, name), expected_version=1)
            uow.commit()

    with pytest.raises(InjectedFault) as caught:
        save("lost")
    assert (caught.value.step, caught.value.call) == (2, "widgets.save")
    assert plan.failed
    save("kept")
    assert plan.calls == ["widgets.get", "widgets.save", "widgets.get", "widgets.save", "commit"]
    assert store.repository(Widget).get("w-1").name == "kept"
    with pytest.raises(TypeMismatchError):
        FaultPlan(fail_at="1")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        FaultPlan(fail_at=0)


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


def seed(store: InMemoryStore, *ids: str) -> list[Widget]:
    widgets = [Widget(entity_id, 1, "new") for entity_id in ids]
    repository = store.repository(Widget)
    for widget in widgets:
        repository.add(widget)
    return widgets


# ------------------------------------------------------------------------- protocols


def test_the_adapters_match_the_ports(store: InMemoryStore) -> None:
    # Static: mypy checks these assignments structurally.
    repository: Repository[Widget] = store.repository(Widget)
    staged: Repository[Widget] = InMemoryUnitOfWork(store).repository(Widget)
    uow: UnitOfWork = InMemoryUnitOfWork(store)
    publisher: EventPublisher = InMemoryEventPublisher()
    clocks: list[Clock] = [SystemClock(), FixedClock(T0)]
    # At run time, through runtime_checkable.
    assert isinstance(repository, Repository)
    assert isinstance(staged, Repository)
    assert isinstance(uow, UnitOfWork)
    assert isinstance(publisher, EventPublisher)
    assert all(isinstance(clock, Clock) for clock in clocks)
    assert isinstance(Widget("w", 1, "x"), Entity)


def test_objects_without_the_methods_do_not_match_the_ports() -> None:
    assert not isinstance(object(), Repository)
    assert not isinstance(InMemoryEventPublisher(), UnitOfWork)
    assert not isinstance(InMemoryStore(), Repository)
    assert not isinstance(attrs.make_class("Unversioned", ["id"])("u"), Entity)


# ------------------------------------------------------------------ the repository


def test_a_repository_of_the_store_commits_each_write_at_once(store: InMemoryStore) -> None:
    writer, reader = store.repository(Widget), store.repository(Widget)
    writer.add(Widget("a", 1, "new"))
    assert reader.get("a") == Widget("a", 1, "new")
    writer.save(Widget("a", 2, "renamed"), expected_version=1)
    assert reader.get("a") == Widget("a", 2, "renamed")
    with pytest.raises(ConcurrencyConflictError) as raised:
        writer.save(Widget("a", 2, "late"), expected_version=1)
    assert (raised.value.expected_version, raised.value.actual_version) == (1, 2)
    assert reader.list() == [Widget("a", 2, "renamed")]


def test_each_entity_type_has_its_own_table(store: InMemoryStore) -> None:
    store.repository(Widget).add(Widget("a", 1, "w"))
    store.repository(Gadget).add(Gadget("a", 7))
    assert store.repository(Gadget).get("a") == Gadget("a", 7)
    assert store.repository(Widget).list() == [Widget("a", 1, "w")]


def test_two_classes_with_one_name_do_not_share_a_table(store: InMemoryStore) -> None:
    @attrs.frozen
    class Widget:  # shadows the module's Widget on purpose
        id: str
        version: int

    store.repository(Widget).add(Widget("a", 1))
    with pytest.raises(NotFoundError) as raised:
        store.repository(globals()["Widget"]).get("a")
    assert raised.value.entity_type == "Widget"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda r: r.add(Gadget("g", 1)), "entity"),
        (lambda r: r.add(Widget(1, 1, "x")), "id"),  # type: ignore[arg-type]
        (lambda r: r.add(Widget("w", True, "x")), "version"),
        (lambda r: r.add(Widget("w", "1", "x")), "version"),  # type: ignore[arg-type]
        (lambda r: r.save(Widget("a", 2, "x"), expected_version="1"), "expected_version"),
        (lambda r: r.save(Widget("a", 2, "x"), expected_version=True), "expected_version"),
        (lambda r: r.get(1), "entity_id"),
        (lambda r: r.list(after_id=1), "after_id"),
        (lambda r: r.list(limit=True), "limit"),
        (lambda r: r.list(limit=1.5), "limit"),
    ],
)
def test_bad_arguments_raise_type_mismatch_naming_the_field(
    store: InMemoryStore, call: Any, field: str
) -> None:
    seed(store, "a")
    with pytest.raises(TypeMismatchError) as raised:
        call(store.repository(Widget))
    assert raised.value.field == field
    assert store.repository(Widget).list() == [Widget("a", 1, "new")]


def test_save_refuses_a_version_that_is_not_raised(store: InMemoryStore) -> None:
    seed(store, "a")
    with pytest.raises(InvalidInputError) as raised:
        store.repository(Widget).save(Widget("a", 0, "older"), expected_version=1)
    assert (raised.value.field, raised.value.value) == ("version", 0)


def test_a_repository_shows_its_type_and_mode(store: InMemoryStore) -> None:
    assert repr(store.repository(Widget)) == "InMemoryRepository(Widget, autocommit)"
    staged = InMemoryUnitOfWork(store).repository(Widget)
    assert repr(staged) == "InMemoryRepository(Widget, staged)"
    assert staged.entity_type is Widget


# ------------------------------------------------------------------ units of work


def test_a_unit_of_work_reads_its_own_staged_writes_and_others_do_not(
    store: InMemoryStore,
) -> None:
    (a,) = seed(store, "a")
    with InMemoryUnitOfWork(store) as uow:
        widgets = uow.repository(Widget)
        widgets.add(Widget("b", 1, "new"))
        widgets.save(renamed(a, "staged"), expected_version=1)
        assert widgets.get("a").name == "staged"
        assert [w.id for w in widgets.list()] == ["a", "b"]
        assert store.repository(Widget).list() == [a]
        uow.commit()
    assert [w.name for w in store.repository(Widget).list()] == ["staged", "new"]


def test_a_staged_write_is_checked_when_it_is_made(store: InMemoryStore) -> None:
    (a,) = seed(store, "a")
    store.repository(Widget).save(renamed(a, "rival"), expected_version=1)
    widgets = InMemoryUnitOfWork(store).repository(Widget)
    with pytest.raises(ConcurrencyConflictError):
        widgets.save(renamed(a, "stale"), expected_version=1)
    with pytest.raises(AlreadyExistsError):
        widgets.add(Widget("a", 1, "again"))
    with pytest.raises(NotFoundError):
        widgets.save(Widget("b", 2, "unknown"), expected_version=1)


@pytest.mark.parametrize("k", range(4))
def test_P2_commit_rechecks_every_expected_version_under_the_lock(
    store: InMemoryStore, k: int
) -> None:
    widgets = seed(store, *[f"w{i}" for i in range(4)])
    uow = InMemoryUnitOfWork(store)
    for widget in widgets:  # every save passes its check when it is made
        uow.repository(Widget).save(renamed(widget, "batch"), expected_version=1)
    store.repository(Widget).save(renamed(widgets[k], "rival"), expected_version=1)
    before = store.repository(Widget).list()

    with pytest.raises(ConcurrencyConflictError) as raised:
        uow.commit()
    assert (raised.value.entity_id, raised.value.actual_version) == (widgets[k].id, 2)
    assert store.repository(Widget).list() == before
    uow.commit()  # the failed commit left nothing staged
    assert store.repository(Widget).list() == before


def test_commit_rechecks_that_an_added_id_is_still_free(store: InMemoryStore) -> None:
    uow = InMemoryUnitOfWork(store)
    uow.repository(Widget).add(Widget("x", 1, "mine"))
    store.repository(Widget).add(Widget("x", 1, "theirs"))
    with pytest.raises(AlreadyExistsError):
        uow.commit()
    assert store.repository(Widget).list() == [Widget("x", 1, "theirs")]


def test_an_add_then_saves_in_one_unit_commit_as_one_add(store: InMemoryStore) -> None:
    uow = InMemoryUnitOfWork(store)
    widgets = uow.repository(Widget)
    widgets.add(Widget("x", 1, "new"))
    widgets.save(Widget("x", 2, "renamed"), expected_version=1)
    store.repository(Widget).add(Widget("x", 1, "rival"))
    with pytest.raises(AlreadyExistsError):
        uow.commit()

    widgets.add(Widget("y", 1, "new"))
    widgets.save(Widget("y", 2, "renamed"), expected_version=1)
    uow.commit()
    assert store.repository(Widget).get("y") == Widget("y", 2, "renamed")


def test_repeated_saves_in_one_unit_are_checked_from_the_first_version(
    store: InMemoryStore,
) -> None:
    (a,) = seed(store, "a")
    uow = InMemoryUnitOfWork(store)
    widgets = uow.repository(Widget)
    widgets.save(renamed(a, "once"), expected_version=1)
    widgets.save(renamed(widgets.get("a"), "twice"), expected_version=2)
    store.repository(Widget).save(renamed(a, "rival"), expected_version=1)
    with pytest.raises(ConcurrencyConflictError) as raised:
        uow.commit()
    assert raised.value.expected_version == 1
    assert store.repository(Widget).get("a") == renamed(a, "rival")


def test_a_unit_of_work_can_be_used_again_after_commit_and_rollback(
    store: InMemoryStore,
) -> None:
    uow = InMemoryUnitOfWork(store)
    uow.repository(Widget).add(Widget("a", 1, "first"))
    uow.commit()
    uow.repository(Widget).add(Widget("b", 1, "rolled back"))
    uow.rollback()
    uow.repository(Widget).add(Widget("c", 1, "second"))
    uow.commit()
    assert [w.id for w in store.repository(Widget).list()] == ["a", "c"]


# ------------------------------------------------------------------------ events


def events(*names: str) -> list[DomainEvent]:
    return [WidgetRenamed(entity_id="a", occurred_at=T0, name=name) for name in names]


def test_events_are_published_only_when_the_unit_commits(store: InMemoryStore) -> None:
    publisher = InMemoryEventPublisher()
    with InMemoryUnitOfWork(store, publisher=publisher) as uow:
        uow.repository(Widget).add(Widget("a", 1, "new"))
        uow.collect(events("one", "two"))
        uow.collect(events("three"))
        assert publisher.published == ()
        uow.commit()
        assert publisher.published == tuple(events("one", "two", "three"))
        assert uow.published == publisher.published
        uow.commit()  # nothing new collected: nothing new published
    assert len(publisher.published) == 3


def test_nothing_is_published_on_rollback_or_without_commit(store: InMemoryStore) -> None:
    publisher = InMemoryEventPublisher()
    uow = InMemoryUnitOfWork(store, publisher=publisher)
    uow.collect(events("rolled back"))
    uow.rollback()
    with uow:
        uow.collect(events("abandoned"))
    uow.commit()
    assert publisher.published == ()
    assert uow.published == ()


def test_nothing_is_published_when_the_commit_conflicts(store: InMemoryStore) -> None:
    (a,) = seed(store, "a")
    publisher = InMemoryEventPublisher()
    uow = InMemoryUnitOfWork(store, publisher=publisher)
    uow.repository(Widget).save(renamed(a, "mine"), expected_version=1)
    uow.collect(events("mine"))
    store.repository(Widget).save(renamed(a, "rival"), expected_version=1)
    with pytest.raises(ConcurrencyConflictError):
        uow.commit()
    uow.commit()  # the events went with the failed commit
    assert publisher.published == ()


def test_a_unit_of_work_without_publisher_keeps_what_it_committed(
    store: InMemoryStore,
) -> None:
    uow = InMemoryUnitOfWork(store)
    uow.collect(events("kept"))
    uow.commit()
    assert uow.published == tuple(events("kept"))


def test_a_failing_publisher_propagates_after_the_writes_are_committed(
    store: InMemoryStore,
) -> None:
    class BrokenPublisher:
        def publish(self, events: Sequence[DomainEvent]) -> None:
            raise ConnectionError("broker down")

    uow = InMemoryUnitOfWork(store, publisher=BrokenPublisher())
    uow.repository(Widget).add(Widget("a", 1, "new"))
    uow.collect(events("lost"))
    with pytest.raises(ConnectionError):
        uow.commit()
    assert store.repository(Widget).get("a") == Widget("a", 1, "new")


def test_collect_refuses_what_is_not_an_event(store: InMemoryStore) -> None:
    uow = InMemoryUnitOfWork(store)
    with pytest.raises(TypeMismatchError) as raised:
        uow.collect([*events("fine"), "not an event"])  # type: ignore[list-item]
    assert raised.value.field == "events[1]"
    uow.commit()
    assert uow.published == ()


# ----------------------------------------------------------------------- threads


@pytest.fixture
def fast_thread_switching() -> Iterator[None]:
    """Let threads switch every microsecond, so races show up within a short test."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def run_threads(count: int, work: Any) -> None:
    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()


@attrs.frozen
class SlowWidget:
    """A widget whose version takes a while to read: threads switch in mid-commit."""

    id: str
    _version: int

    @property
    def version(self) -> int:
        time.sleep(0.0001)
        return self._version


def test_P1_concurrent_increments_with_retry_lose_nothing(store: InMemoryStore) -> None:
    threads, increments = 8, 20
    errors: list[BaseException] = []
    repository = store.repository(SlowWidget)
    repository.add(SlowWidget("counter", 1))

    def increment(_n: int) -> None:
        try:
            for _ in range(increments):
                while True:
                    current = repository.get("counter")
                    new = SlowWidget("counter", current.version + 1)
                    try:
                        repository.save(new, expected_version=current.version)
                        break
                    except ConcurrencyConflictError:
                        continue
        except BaseException as error:  # report it in the main thread
            errors.append(error)

    run_threads(threads, increment)
    assert errors == []
    assert repository.get("counter").version == 1 + threads * increments


@pytest.mark.usefixtures("fast_thread_switching")
def test_concurrent_adds_of_distinct_ids_all_land(store: InMemoryStore) -> None:
    def add_many(n: int) -> None:
        for i in range(50):
            with InMemoryUnitOfWork(store) as uow:
                uow.repository(Widget).add(Widget(f"t{n}-{i:02}", 1, "new"))
                uow.commit()

    run_threads(8, add_many)
    assert len(store.repository(Widget).list()) == 8 * 50


@pytest.mark.usefixtures("fast_thread_switching")
def test_P2_a_reader_never_sees_half_of_a_commit(store: InMemoryStore) -> None:
    seed(store, "left", "right")
    done = threading.Event()
    torn: list[tuple[str, str]] = []
    reads = 0

    def read_pairs() -> None:
        nonlocal reads
        while not done.is_set():
            left, right = store.repository(Widget).list()
            reads += 1
            if left.name != right.name:
                torn.append((left.name, right.name))

    reader = threading.Thread(target=read_pairs)
    reader.start()
    steps = 0
    try:  # write pairs (both widgets get the same name) until the reader has read enough
        while reads < 300 and steps < 100_000:
            steps += 1
            with InMemoryUnitOfWork(store) as uow:
                widgets = uow.repository(Widget)
                for entity_id in ("left", "right"):
                    current = widgets.get(entity_id)
                    widgets.save(renamed(current, str(steps)), expected_version=current.version)
                uow.commit()
    finally:
        done.set()
        reader.join(timeout=30)
    assert reads >= 300
    assert torn == []
    assert [w.version for w in store.repository(Widget).list()] == [1 + steps] * 2
