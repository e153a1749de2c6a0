"""Contract suites: the pytest tests that prove a port adapter right.

A host that implements :class:`~servicedomain.ports.Repository` and
:class:`~servicedomain.ports.UnitOfWork` over its own database subclasses
:class:`RepositoryContract`, implements its few hooks, and runs pytest. The suite checks
the laws of ``reference/invariants.md``: round trips, compare-and-set saves and N
concurrent writers (P1), atomic batches (P2), nothing lost after a failure and a retry
(P4), keyset pagination, and a Hypothesis state machine that runs random histories
against the adapter and a dict model. The in-memory adapter passes the same suite::

    import attrs
    from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    from servicedomain.ports import Repository
    from servicedomain.testing.contracts import RepositoryContract

    @attrs.frozen
    class Widget:
        id: str
        version: int
        name: str

    class TestWidgetRepository(
        RepositoryContract[InMemoryStore, InMemoryUnitOfWork, Widget]
    ):
        def make_store(self) -> InMemoryStore:
            return InMemoryStore()

        def new_unit_of_work(self, store: InMemoryStore) -> InMemoryUnitOfWork:
            return InMemoryUnitOfWork(store)

        def repository(self, uow: InMemoryUnitOfWork) -> Repository[Widget]:
            return uow.repository(Widget)

        def new_entity(self, entity_id: str) -> Widget:
            return Widget(entity_id, 1, "new")

        def changed(self, entity: Widget) -> Widget:
            return attrs.evolve(entity, version=entity.version + 1, name=entity.name + "+")

Entities must compare by value (``@attrs.frozen`` classes do). The suite opens several
units of work on one store at a time: from several threads, and in one thread, one
that has only read while another commits. An adapter whose reads block another unit of
work's commit would stall there (on SQLite, use WAL mode); each suite's docstring says
what it requires of an adapter.

Every suite has the hooks ``make_store`` and ``dispose_store`` (:class:`JournalContract`:
``new_journal`` and ``dispose_store``, the journal being its store), and every test of a
suite fails once it runs past the suite's ``timeout_seconds`` (300 by default; override
it in the subclass) with a message that names the test and the limit, instead of
hanging: an adapter that blocks where the suite expects it not to is a failed test, not
a stalled run. The test body runs in a worker thread for that (the fixtures do not).

:class:`JournalUnitOfWorkContract` holds a unit of work and the journals it enlists
(:class:`~servicedomain.ports.JournalUnitOfWork`) to law U1: entries posted through an
enlisted journal are recorded when, and only if, the unit of work commits, with the
transaction ids ``post`` returned, and a retry after a failure gets the ids of one
fault-free run.

This module needs pytest and Hypothesis (the ``[testing]`` extra).
"""

# Tests are named after the law they check (test_P1_...), as invariants.md asks.
# ruff: noqa: N802

from __future__ import annotations

import abc
import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, ClassVar, Generic, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from servicedomain.errors import (
    AlreadyExistsError,
    ConcurrencyConflictError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
    ServiceDomainError,
)
from servicedomain.ports import (
    Entity,
    Journal,
    JournalUnitOfWork,
    KeyedEntry,
    Repository,
    UnitOfWork,
)
from servicedomain.testing._deadline import TimedContract

__all__ = ["JournalContract", "JournalUnitOfWorkContract", "RepositoryContract"]

StoreT = TypeVar("StoreT")
UnitOfWorkT = TypeVar("UnitOfWorkT", bound=UnitOfWork)
EntityT = TypeVar("EntityT", bound=Entity)
JournalUnitOfWorkT = TypeVar("JournalUnitOfWorkT", bound=JournalUnitOfWork)
EntryT = TypeVar("EntryT", bound=KeyedEntry)

# How long a thread waits for another to reach a point before the test fails, in seconds.
_WAIT = 30.0

# A write in a batch: (entity, None) adds the entity; (entity, v) saves it with
# expected_version=v.
_Write = tuple[EntityT, int | None]


class RepositoryContract(TimedContract, abc.ABC, Generic[StoreT, UnitOfWorkT, EntityT]):
    """The contract of a repository and its unit of work; subclass it to test yours.

    Name the subclass ``Test...`` so pytest collects it, and implement the hooks:
    :meth:`make_store`, :meth:`new_unit_of_work`, :meth:`repository`,
    :meth:`new_entity` and :meth:`changed` (and :meth:`dispose_store` if a store holds
    resources). Every test gets a fresh store from :meth:`make_store`, and every unit
    of work of a test is opened on that one store.

    What it requires of an adapter:

    * entities compare by value, and ``get`` returns what was stored;
    * a save is compare-and-set on the version, a batch commits all or none;
    * several units of work can be open on one store at once: one that has only read
      does not block another's commit in the same thread; one that holds an
      uncommitted save may make a rival in another thread wait (an adapter that locks
      at save), up to ``rival_wait_seconds``, until it commits;
    * the store is safe to use from ``writers`` threads at once.

    A conflict may surface when a write is made or when its unit of work commits; the
    suite accepts either, and checks that nothing of the unit of work was written.
    Writes may go to the database at once or be held until the commit.

    Attributes:
        writers: how many threads race in the concurrency tests.
        batch_size: how many entities a batch of the fault-injection test writes.
        rival_wait_seconds: how long a test lets a rival writer try to commit while
            another unit of work holds a save (an adapter that locks makes it wait).
        store: the store of the running test.
        timeout_seconds: how long one test may run before it fails (300 by default).
    """

    writers: ClassVar[int] = 8
    batch_size: ClassVar[int] = 4
    rival_wait_seconds: ClassVar[float] = 0.5
    store: StoreT

    # ------------------------------------------------------------------------ hooks

    @abc.abstractmethod
    def make_store(self) -> StoreT:
        """A new, empty store (a database, an engine, a session factory) for one test."""

    def dispose_store(self, store: StoreT) -> None:
        """Release a store made by :meth:`make_store`; by default nothing is done."""

    @abc.abstractmethod
    def new_unit_of_work(self, store: StoreT) -> UnitOfWorkT:
        """A new unit of work on ``store``. Called from several threads at once."""

    @abc.abstractmethod
    def repository(self, uow: UnitOfWorkT) -> Repository[EntityT]:
        """The repository under test, as ``uow`` exposes it."""

    @abc.abstractmethod
    def new_entity(self, entity_id: str) -> EntityT:
        """A new entity with this id, as the domain creates it (version 0 or 1)."""

    @abc.abstractmethod
    def changed(self, entity: EntityT) -> EntityT:
        """A new snapshot of ``entity``: version + 1 and some other field changed.

        It must be a pure function of ``entity``, so the suite can predict states.
        """

    def state_machine_settings(self) -> settings:
        """The Hypothesis settings of the state-machine test (override to tune them).

        The default keeps the active profile's ``max_examples`` and lifts the deadline,
        since a database may be slow now and then.
        """
        return settings(deadline=None, stateful_step_count=20)

    # ---------------------------------------------------------------------- fixture

    @pytest.fixture(autouse=True)
    def _store_per_test(self) -> Iterator[None]:
        self.store = self.make_store()
        try:
            yield
        finally:
            self.dispose_store(self.store)

    @property
    def _driver(self) -> _Driver[StoreT, UnitOfWorkT, EntityT]:
        return _Driver(self, self.store)

    # --------------------------------------------------------------- single writes

    def test_add_then_get_round_trips(self) -> None:
        """An added entity reads back equal, in a later unit of work."""
        driver = self._driver
        (entity,) = driver.seed("round-trip")
        assert driver.load("round-trip") == entity

    def test_get_of_an_unknown_id_raises_not_found(self) -> None:
        """``get`` of an id never added raises NotFoundError, a ServiceDomainError."""
        driver = self._driver
        driver.seed("known")
        with pytest.raises(NotFoundError) as raised:
            driver.load("unknown")
        assert isinstance(raised.value, ServiceDomainError)
        assert raised.value.entity_id == "unknown"

    def test_add_of_an_existing_id_raises_already_exists(self) -> None:
        """A second ``add`` of an id raises AlreadyExistsError and keeps the first."""
        driver = self._driver
        (first,) = driver.seed("twice")
        duplicate = driver.change(first)
        with pytest.raises(AlreadyExistsError) as raised:
            driver.commit([(duplicate, None)])
        assert raised.value.entity_id == "twice"
        assert driver.load("twice") == first

    def test_P1_save_at_the_expected_version_stores_the_next_version(self) -> None:
        """P1: ``save(e, expected_version=v)`` succeeds when the store holds ``v``."""
        driver = self._driver
        (entity,) = driver.seed("cas")
        new = driver.change(entity)
        driver.commit([(new, entity.version)])
        stored = driver.load("cas")
        assert stored == new
        assert stored.version == entity.version + 1

    def test_P1_save_at_a_stale_version_conflicts_and_changes_nothing(self) -> None:
        """P1: a save from a version the store no longer holds raises, changing nothing."""
        driver = self._driver
        (entity,) = driver.seed("stale")
        winner = driver.change(entity)
        driver.commit([(winner, entity.version)])
        loser = driver.change(driver.change(entity))
        with pytest.raises(ConcurrencyConflictError) as raised:
            driver.commit([(loser, entity.version)])
        assert raised.value.entity_id == "stale"
        assert raised.value.expected_version == entity.version
        assert driver.load_all() == [winner]

    def test_save_of_an_unknown_id_raises_not_found(self) -> None:
        """``save`` of an id never added raises NotFoundError and adds nothing."""
        driver = self._driver
        ghost = driver.contract.new_entity("ghost")
        with pytest.raises(NotFoundError) as raised:
            driver.commit([(driver.change(ghost), ghost.version)])
        assert raised.value.entity_id == "ghost"
        assert driver.load_all() == []

    def test_save_that_does_not_raise_the_version_is_refused(self) -> None:
        """The domain bumps versions: saving version <= expected raises, naming it."""
        driver = self._driver
        (entity,) = driver.seed("no-bump")
        with pytest.raises(InvalidInputError) as raised:
            driver.commit([(entity, entity.version)])
        assert raised.value.field == "version"
        assert driver.load_all() == [entity]

    def test_P1_remove_at_the_expected_version_removes(self) -> None:
        """``remove(id, expected_version=v)`` deletes the entity when the store holds v."""
        driver = self._driver
        kept, gone = driver.seed("kept", "gone")
        driver.remove("gone", gone.version)
        with pytest.raises(NotFoundError):
            driver.load("gone")
        assert driver.load_all() == [kept]

    def test_P1_remove_at_a_stale_version_conflicts_and_keeps_the_entity(self) -> None:
        """A remove from a version the store no longer holds raises and removes nothing."""
        driver = self._driver
        (entity,) = driver.seed("stale-remove")
        newer = driver.change(entity)
        driver.commit([(newer, entity.version)])
        with pytest.raises(ConcurrencyConflictError):
            driver.remove("stale-remove", entity.version)
        assert driver.load_all() == [newer]

    def test_remove_of_an_unknown_id_raises_not_found(self) -> None:
        """``remove`` of an id never added raises NotFoundError."""
        driver = self._driver
        driver.seed("present")
        with pytest.raises(NotFoundError):
            driver.remove("absent", 1)

    def test_P2_a_remove_that_is_not_committed_removes_nothing(self) -> None:
        """A remove inside a unit of work left without commit leaves the entity."""
        driver = self._driver
        (entity,) = driver.seed("stays")
        with driver.unit_of_work() as uow:
            repository = driver.contract.repository(uow)
            repository.remove("stays", expected_version=entity.version)
            with pytest.raises(NotFoundError):
                repository.get("stays")
        assert driver.load("stays") == entity

    # ---------------------------------------------------------------- concurrency

    def test_P1_of_n_concurrent_writers_from_one_version_exactly_one_wins(self) -> None:
        """P1: N threads save from the same version; one wins, the rest conflict."""
        driver = self._driver
        (entity,) = driver.seed("contended")
        barrier = threading.Barrier(self.writers)

        def write_once() -> bool:
            return driver.try_change(entity.id, after_read=lambda: barrier.wait(_WAIT))

        outcomes = _run_in_threads(write_once, self.writers)
        assert outcomes.count(True) == 1, f"winners: {outcomes.count(True)} of {self.writers}"
        assert driver.load(entity.id) == driver.change(entity)

    def test_P1_a_rival_commit_between_save_and_commit_leaves_one_winner(self) -> None:
        """P1: a rival commits after this unit of work saved, before it commits.

        Both read the same version. An adapter that checks at commit lets the rival win
        and this commit raise; one that locks at save holds the rival (for up to
        ``rival_wait_seconds``) until this commit, and then the rival loses. Either way
        exactly one wins.
        """
        driver = self._driver
        (entity,) = driver.seed("rival")
        rival_read = threading.Event()
        with ThreadPoolExecutor(max_workers=1) as pool, driver.unit_of_work() as uow:
            repository = self.repository(uow)
            loaded = repository.get(entity.id)
            repository.save(driver.change(loaded), expected_version=loaded.version)
            rival = pool.submit(driver.try_change, entity.id, after_read=rival_read.set)
            assert rival_read.wait(_WAIT), "the rival could not read"
            wait([rival], timeout=self.rival_wait_seconds)
            try:
                uow.commit()
            except ConcurrencyConflictError:
                won = False
            else:
                won = True
        assert [won, rival.result()].count(True) == 1, f"this won: {won}, the rival too"
        assert driver.load(entity.id) == driver.change(entity)

    def test_P1_P4_concurrent_writers_that_reload_and_retry_lose_nothing(self) -> None:
        """P1, P4: N threads each retry until their change lands; all N changes land."""
        driver = self._driver
        (entity,) = driver.seed("retried")
        barrier = threading.Barrier(self.writers)
        attempts_allowed = 20 * self.writers

        def write_until_saved() -> int:
            barrier.wait(_WAIT)
            for attempt in range(1, attempts_allowed + 1):
                try:
                    driver.save_changes([entity.id])
                except ConcurrencyConflictError:
                    continue
                return attempt
            pytest.fail(f"no save landed in {attempts_allowed} attempts")

        _run_in_threads(write_until_saved, self.writers)
        expected = entity
        for _ in range(self.writers):
            expected = driver.change(expected)
        assert driver.load(entity.id) == expected

    # -------------------------------------------------------------- units of work

    def test_a_unit_of_work_commits_adds_and_saves_together(self) -> None:
        """Adds and saves made in one unit of work are all visible after its commit."""
        driver = self._driver
        first, second = driver.seed("uow-1", "uow-2")
        added = driver.contract.new_entity("uow-3")
        driver.commit(
            [
                (driver.change(first), first.version),
                (added, None),
                (driver.change(second), second.version),
            ]
        )
        assert driver.load_all() == [driver.change(first), driver.change(second), added]

    def test_P2_a_batch_with_one_failing_item_writes_nothing(self) -> None:
        """P2: a duplicate add amid adds and saves fails the batch; nothing is written."""
        driver = self._driver
        first, second = driver.seed("p2-1", "p2-2")
        before = driver.load_all()
        with pytest.raises(AlreadyExistsError) as raised:
            driver.commit(
                [
                    (driver.contract.new_entity("p2-new"), None),
                    (driver.change(first), first.version),
                    (driver.contract.new_entity("p2-2"), None),
                    (driver.change(second), second.version),
                ]
            )
        assert raised.value.entity_id == "p2-2"
        assert driver.load_all() == before

    def test_P4_a_conflict_at_item_k_of_n_writes_nothing_and_a_retry_is_one_run(
        self,
    ) -> None:
        """P4: for every k, a batch whose item k is stale writes nothing; a retry lands.

        Another unit of work changes item k after the batch read it. The batch fails
        with a ConcurrencyConflictError naming item k, the store is as it was, and
        reloading and running the batch again gives the store one successful run gives.
        """
        driver = self._driver
        size = self.batch_size
        for k in range(size):
            batch = driver.seed(*[f"p4-{k}-{i}" for i in range(size)])
            ids = [entity.id for entity in batch]
            driver.commit([(driver.change(batch[k]), batch[k].version)])
            before = driver.load_all()
            with pytest.raises(ConcurrencyConflictError) as raised:
                driver.commit([(driver.change(entity), entity.version) for entity in batch])
            assert raised.value.entity_id == batch[k].id, f"k={k}"
            assert driver.load_all() == before, f"k={k}: a failed batch wrote"
            driver.save_changes(ids)
            one_run = [driver.change(e) if e.id in ids else e for e in before]
            assert driver.load_all() == one_run, f"k={k}: the retry differs from one run"

    def test_a_rival_commit_between_read_and_save_fails_the_whole_unit(self) -> None:
        """Another unit of work commits between this one's reads and saves: no write."""
        driver = self._driver
        first, second = driver.seed("late-1", "late-2")

        def save_both_after_a_rival() -> None:
            with driver.unit_of_work() as uow:
                repository = self.repository(uow)
                loaded = [repository.get(first.id), repository.get(second.id)]
                driver.save_changes([second.id])
                for entity in loaded:
                    repository.save(driver.change(entity), expected_version=entity.version)
                uow.commit()

        with pytest.raises(ConcurrencyConflictError) as raised:
            save_both_after_a_rival()
        assert raised.value.entity_id == second.id
        assert driver.load_all() == [first, driver.change(second)]

    def test_rollback_discards_the_writes_made_before_it(self) -> None:
        """Writes made before ``rollback()`` are gone; a later commit writes nothing."""
        driver = self._driver
        (entity,) = driver.seed("rolled-back")
        with driver.unit_of_work() as uow:
            repository = self.repository(uow)
            repository.add(driver.contract.new_entity("never-added"))
            repository.save(driver.change(entity), expected_version=entity.version)
            uow.rollback()
            uow.commit()
        assert driver.load_all() == [entity]

    def test_leaving_a_unit_of_work_without_commit_writes_nothing(self) -> None:
        """A ``with`` block left without ``commit()`` writes nothing, even on re-entry.

        The same unit of work entered again starts afresh: committing it then writes
        nothing of the block that was left.
        """
        driver = self._driver
        (entity,) = driver.seed("abandoned")
        uow = driver.unit_of_work()
        with uow:
            repository = self.repository(uow)
            repository.add(driver.contract.new_entity("never-added"))
            repository.save(driver.change(entity), expected_version=entity.version)
        assert driver.load_all() == [entity]
        with uow:
            uow.commit()
        assert driver.load_all() == [entity]

    def test_an_exception_in_a_unit_of_work_rolls_back_and_propagates(self) -> None:
        """An exception raised in the ``with`` block propagates; nothing is written."""
        driver = self._driver
        (entity,) = driver.seed("failing")

        class InjectedError(Exception):
            pass

        def fail_half_way() -> None:
            with driver.unit_of_work() as uow:
                repository = self.repository(uow)
                repository.save(driver.change(entity), expected_version=entity.version)
                raise InjectedError

        with pytest.raises(InjectedError):
            fail_half_way()
        assert driver.load_all() == [entity]

    # ------------------------------------------------------------------ queries

    def test_list_pages_through_entities_in_id_order(self) -> None:
        """``list`` is keyset pagination in id order: ids after ``after_id``, ``limit``."""
        driver = self._driver
        driver.seed("l-c", "l-a", "l-e", "l-b", "l-d")
        with driver.unit_of_work() as uow:
            repository = self.repository(uow)
            assert [e.id for e in repository.list()] == ["l-a", "l-b", "l-c", "l-d", "l-e"]
            assert [e.id for e in repository.list(limit=2)] == ["l-a", "l-b"]
            assert [e.id for e in repository.list(after_id="l-b", limit=2)] == ["l-c", "l-d"]
            assert [e.id for e in repository.list(after_id="l-bb")] == ["l-c", "l-d", "l-e"]
            assert repository.list(after_id="l-e") == []
            pages: list[list[str]] = []
            after: str | None = None
            while page := repository.list(after_id=after, limit=2):
                pages.append([e.id for e in page])
                after = page[-1].id
        assert pages == [["l-a", "l-b"], ["l-c", "l-d"], ["l-e"]]

    @pytest.mark.parametrize("limit", [0, -1])
    def test_list_refuses_a_limit_below_one(self, limit: int) -> None:
        """A ``limit`` below 1 raises InvalidInputError naming ``limit``."""
        driver = self._driver
        with pytest.raises(InvalidInputError) as raised:
            driver.page(limit=limit)
        assert raised.value.field == "limit"

    def test_list_of_an_empty_store_is_empty(self) -> None:
        """An empty store lists nothing."""
        assert self._driver.load_all() == []

    # ------------------------------------------------------------- state machine

    def test_P1_P2_random_histories_agree_with_a_dict_model(self) -> None:
        """P1, P2: random histories agree, step by step, with a dict of the entities.

        The steps are adds, gets, saves, stale saves, batches (committed, conflicting,
        abandoned, rolled back) and pages; every history runs on a fresh store.
        """
        hooks = self

        class Machine(_RepositoryMachine):
            contract = hooks

        Machine.__name__ = Machine.__qualname__ = f"{type(self).__name__}Machine"
        run_state_machine_as_test(Machine, settings=self.state_machine_settings())


def _run_in_threads(work: Callable[[], Any], count: int) -> list[Any]:
    """Run ``work`` in ``count`` threads at once; their results, or the first error."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(work) for _ in range(count)]
        return [future.result() for future in futures]


class _Driver(Generic[StoreT, UnitOfWorkT, EntityT]):
    """Drives a contract's hooks on one store: open, read, write, commit."""

    def __init__(
        self, contract: RepositoryContract[StoreT, UnitOfWorkT, EntityT], store: StoreT
    ) -> None:
        self.contract = contract
        self.store = store

    def unit_of_work(self) -> UnitOfWorkT:
        return self.contract.new_unit_of_work(self.store)

    def load(self, entity_id: str) -> EntityT:
        with self.unit_of_work() as uow:
            return self.contract.repository(uow).get(entity_id)

    def page(self, *, after_id: str | None = None, limit: int | None = None) -> list[EntityT]:
        with self.unit_of_work() as uow:
            return self.contract.repository(uow).list(after_id=after_id, limit=limit)

    def load_all(self) -> list[EntityT]:
        return self.page()

    def write(self, uow: UnitOfWorkT, writes: Iterable[_Write[EntityT]]) -> None:
        """Make the writes through ``uow``, in order, without committing."""
        repository = self.contract.repository(uow)
        for entity, expected_version in writes:
            if expected_version is None:
                repository.add(entity)
            else:
                repository.save(entity, expected_version=expected_version)

    def commit(self, writes: Iterable[_Write[EntityT]]) -> None:
        """Make the writes in one unit of work, in order, and commit it."""
        with self.unit_of_work() as uow:
            self.write(uow, writes)
            uow.commit()

    def remove(self, entity_id: str, expected_version: int) -> None:
        """Remove an entity in one unit of work and commit it."""
        with self.unit_of_work() as uow:
            self.contract.repository(uow).remove(entity_id, expected_version=expected_version)
            uow.commit()

    def seed(self, *entity_ids: str) -> list[EntityT]:
        """Add new entities with these ids in one unit of work; return them."""
        entities = [self.contract.new_entity(entity_id) for entity_id in entity_ids]
        for entity, entity_id in zip(entities, entity_ids, strict=True):
            assert entity.id == entity_id, f"new_entity({entity_id!r}) has id {entity.id!r}"
        self.commit([(entity, None) for entity in entities])
        return entities

    def try_change(self, entity_id: str, *, after_read: Callable[[], object]) -> bool:
        """Load, call ``after_read``, save changed and commit: True, or False on conflict."""
        with self.unit_of_work() as uow:
            repository = self.contract.repository(uow)
            loaded = repository.get(entity_id)
            after_read()
            try:
                repository.save(self.change(loaded), expected_version=loaded.version)
                uow.commit()
            except ConcurrencyConflictError:
                return False
            return True

    def save_changes(self, entity_ids: Sequence[str]) -> None:
        """In one unit of work, reload these entities and save them changed."""
        with self.unit_of_work() as uow:
            repository = self.contract.repository(uow)
            for entity_id in entity_ids:
                entity = repository.get(entity_id)
                repository.save(self.change(entity), expected_version=entity.version)
            uow.commit()

    def change(self, entity: EntityT) -> EntityT:
        """``contract.changed(entity)``, checked: same id, version + 1, another value."""
        new = self.contract.changed(entity)
        assert new.id == entity.id, f"changed() changed the id: {new!r}"
        assert new.version == entity.version + 1, f"changed() must add 1 to the version: {new!r}"
        assert new != entity, f"changed() changed nothing: {new!r}"
        return new


_IDS = ("m-a", "m-b", "m-c", "m-d", "m-e")


def _subsets(ids: Sequence[str]) -> st.SearchStrategy[list[str]]:
    """Lists of distinct items of ``ids``, in any order (only ``[]`` if it is empty)."""
    return st.lists(st.sampled_from(ids), unique=True) if ids else st.just([])


class _RepositoryMachine(RuleBasedStateMachine):
    """Random histories against a repository and a dict of what it should hold."""

    contract: ClassVar[RepositoryContract[Any, Any, Any]]

    def __init__(self) -> None:
        super().__init__()
        self.store = self.contract.make_store()
        self.driver: _Driver[Any, Any, Any] = _Driver(self.contract, self.store)
        self.model: dict[str, Any] = {}

    def teardown(self) -> None:
        self.contract.dispose_store(self.store)

    @rule(entity_id=st.sampled_from(_IDS))
    def add(self, entity_id: str) -> None:
        entity = self.contract.new_entity(entity_id)
        if entity_id in self.model:
            with pytest.raises(AlreadyExistsError):
                self.driver.commit([(entity, None)])
        else:
            self.driver.commit([(entity, None)])
            self.model[entity_id] = entity

    @rule(entity_id=st.sampled_from(_IDS))
    def get(self, entity_id: str) -> None:
        if entity_id in self.model:
            assert self.driver.load(entity_id) == self.model[entity_id]
        else:
            with pytest.raises(NotFoundError):
                self.driver.load(entity_id)

    @rule(entity_id=st.sampled_from(_IDS))
    def save(self, entity_id: str) -> None:
        current = self.model.get(entity_id, self.contract.new_entity(entity_id))
        new = self.driver.change(current)
        if entity_id in self.model:
            self.driver.commit([(new, current.version)])
            self.model[entity_id] = new
        else:
            with pytest.raises(NotFoundError):
                self.driver.commit([(new, current.version)])

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), offset=st.sampled_from([-2, -1, 1]))
    def stale_save(self, data: st.DataObject, offset: int) -> None:
        current = self.model[data.draw(st.sampled_from(sorted(self.model)), label="id")]
        new = self.driver.change(self.driver.change(current))
        with pytest.raises(ConcurrencyConflictError):
            self.driver.commit([(new, current.version + offset)])

    @rule(
        data=st.data(),
        outcome=st.sampled_from(["commit", "conflict", "abandon", "rollback"]),
    )
    def batch(self, data: st.DataObject, outcome: str) -> None:
        saved = data.draw(_subsets(sorted(self.model)), "saved")
        added = data.draw(_subsets([i for i in _IDS if i not in self.model]), "added")
        # In the "conflict" outcome, one save expects the version before the stored one.
        stale = (
            data.draw(st.sampled_from(saved), "stale") if outcome == "conflict" and saved else None
        )
        writes: list[_Write[Any]] = []
        for i in saved:
            current = self.model[i]
            expected = current.version - 1 if i == stale else current.version
            writes.append((self.driver.change(current), expected))
        writes += [(self.contract.new_entity(i), None) for i in added]
        writes = data.draw(st.permutations(writes), "order")
        if stale is not None:
            with pytest.raises(ConcurrencyConflictError):
                self.driver.commit(writes)
        elif outcome in {"abandon", "rollback"}:
            with self.driver.unit_of_work() as uow:
                self.driver.write(uow, writes)
                if outcome == "rollback":
                    uow.rollback()
                    uow.commit()
        else:
            self.driver.commit(writes)
            self.model.update((entity.id, entity) for entity, _ in writes)

    @rule(
        after_id=st.none() | st.sampled_from(_IDS),
        limit=st.none() | st.integers(1, len(_IDS) + 1),
    )
    def list_page(self, after_id: str | None, limit: int | None) -> None:
        expected = [self.model[i] for i in sorted(self.model) if after_id is None or i > after_id]
        assert self.driver.page(after_id=after_id, limit=limit) == expected[:limit]

    @invariant()
    def store_equals_model(self) -> None:
        assert self.driver.load_all() == [self.model[i] for i in sorted(self.model)]


class JournalUnitOfWorkContract(
    TimedContract, abc.ABC, Generic[StoreT, JournalUnitOfWorkT, EntryT]
):
    """Law U1 for a unit of work and the journals it enlists; subclass it to test yours.

    Name the subclass ``Test...`` and implement the hooks: :meth:`make_store`,
    :meth:`new_unit_of_work`, :meth:`new_journal`, :meth:`new_entry`,
    :meth:`changed_entry` and :meth:`recorded` (and :meth:`dispose_store`). Every test
    gets a fresh store and a fresh journal on it.

    What it requires of an adapter:

    * entries posted through an enlisted journal are held until the unit of work
      commits: ``recorded`` shows none of them before, and none after a rollback or a
      failed commit;
    * ``post`` answers at once with the transaction ids the entries will have, and
      those are the ids they are recorded under;
    * two units of work on one store, in one thread, can both post before either
      commits (posting holds no lock that the other's commit waits for);
    * a journal posted on its own (not enlisted) records at once.

    A key conflict may surface when an entry is posted or when its unit of work
    commits; the suite accepts either, and checks that nothing of the unit of work
    was recorded.

    Attributes:
        store: the store of the running test.
        timeout_seconds: how long one test may run before it fails (300 by default).
    """

    store: StoreT

    # ------------------------------------------------------------------------ hooks

    @abc.abstractmethod
    def make_store(self) -> StoreT:
        """A new, empty store for one test."""

    def dispose_store(self, store: StoreT) -> None:
        """Release a store made by :meth:`make_store`; by default nothing is done."""

    @abc.abstractmethod
    def new_unit_of_work(self, store: StoreT) -> JournalUnitOfWorkT:
        """A new unit of work on ``store``."""

    @abc.abstractmethod
    def new_journal(self, store: StoreT) -> Journal[EntryT]:
        """A new, empty journal that units of work on ``store`` can enlist."""

    @abc.abstractmethod
    def new_entry(self, number: int) -> EntryT:
        """A journal entry; different numbers give different keys."""

    @abc.abstractmethod
    def changed_entry(self, entry: EntryT) -> EntryT:
        """An entry with ``entry``'s key and some other content."""

    @abc.abstractmethod
    def recorded(self, store: StoreT, journal: Journal[EntryT]) -> Mapping[str, EntryT]:
        """What ``journal`` holds: each recorded entry by its transaction id."""

    # ---------------------------------------------------------------------- fixture

    @pytest.fixture(autouse=True)
    def _store_per_test(self) -> Iterator[None]:
        self.store = self.make_store()
        try:
            yield
        finally:
            self.dispose_store(self.store)

    def _post(self, journal: Journal[EntryT], *entries: EntryT) -> list[str]:
        """Post in one unit of work and commit it; the transaction ids."""
        with self.new_unit_of_work(self.store) as uow:
            ids = uow.enlist(journal).post(entries)
            uow.commit()
        return ids

    def _recorded(self, journal: Journal[EntryT]) -> dict[str, EntryT]:
        return dict(self.recorded(self.store, journal))

    # ------------------------------------------------------------------------ tests

    def test_U1_entries_of_a_committed_unit_of_work_are_recorded_with_their_ids(self) -> None:
        """U1: after the commit, the journal holds the entries under the ids ``post`` gave."""
        journal = self.new_journal(self.store)
        entries = [self.new_entry(number) for number in range(3)]
        ids = self._post(journal, *entries)
        assert len(set(ids)) == len(entries), f"ids are not distinct: {ids}"
        assert self._recorded(journal) == dict(zip(ids, entries, strict=True))

    def test_U1_nothing_is_recorded_before_the_commit(self) -> None:
        """U1: an entry posted through an enlisted journal waits for the commit."""
        journal = self.new_journal(self.store)
        with self.new_unit_of_work(self.store) as uow:
            uow.enlist(journal).post([self.new_entry(1)])
            assert self._recorded(journal) == {}, "recorded before the commit"
            uow.commit()
        assert list(self._recorded(journal).values()) == [self.new_entry(1)]

    def test_U1_entries_of_a_rolled_back_unit_of_work_are_not_recorded(self) -> None:
        """U1: rollback, leaving without a commit, or an exception: no entry is recorded."""
        journal = self.new_journal(self.store)
        uow = self.new_unit_of_work(self.store)
        with uow:
            uow.enlist(journal).post([self.new_entry(1)])
            uow.rollback()
            uow.commit()
        with uow:
            uow.enlist(journal).post([self.new_entry(2)])

        class InjectedError(Exception):
            pass

        def fail_half_way() -> None:
            with uow:
                uow.enlist(journal).post([self.new_entry(3)])
                raise InjectedError

        with pytest.raises(InjectedError):
            fail_half_way()
        assert self._recorded(journal) == {}

    def test_U1_entries_of_a_failed_commit_are_not_recorded(self) -> None:
        """U1: a commit that fails (its key taken with other content) records nothing.

        Two units of work post the same key with different content, each with an entry
        of its own; the first commits. The second's commit fails, and none of its
        entries is recorded.
        """
        journal = self.new_journal(self.store)
        first, second = self.new_unit_of_work(self.store), self.new_unit_of_work(self.store)
        shared = self.new_entry(1)
        with first, second:
            second.enlist(journal).post([self.new_entry(2), self.changed_entry(shared)])
            ids = first.enlist(journal).post([shared, self.new_entry(3)])
            first.commit()
            with pytest.raises((IdempotencyConflictError, ConcurrencyConflictError)):
                second.commit()
        assert self._recorded(journal) == dict(zip(ids, [shared, self.new_entry(3)], strict=True))

    def test_U1_a_retry_after_a_failure_gets_the_ids_of_one_fault_free_run(self) -> None:
        """U1: posted, rolled back, posted again: the ids and entries of one run."""
        entries = [self.new_entry(number) for number in range(4)]
        retried = self.new_journal(self.store)
        self._post(retried, entries[0])
        with self.new_unit_of_work(self.store) as uow:
            uow.enlist(retried).post(entries[1:])
        ids = self._post(retried, *entries[1:])
        once = self.new_journal(self.store)
        self._post(once, entries[0])
        assert ids == self._post(once, *entries[1:])
        assert self._recorded(retried) == self._recorded(once)

    def test_U1_posting_is_idempotent_per_key_in_and_across_units_of_work(self) -> None:
        """An entry posted again gets its id back; other content under its key is refused."""
        journal = self.new_journal(self.store)
        entry = self.new_entry(1)
        with self.new_unit_of_work(self.store) as uow:
            view = uow.enlist(journal)
            (first,) = view.post([entry])
            assert view.post([entry, entry]) == [first, first]
            uow.commit()
        assert self._post(journal, entry) == [first]
        with pytest.raises(IdempotencyConflictError):
            self._post(journal, self.new_entry(2), self.changed_entry(entry))
        assert self._recorded(journal) == {first: entry}

    def test_U1_concurrent_units_of_work_record_each_entry_under_the_id_it_was_given(
        self,
    ) -> None:
        """Two units of work post new keys at once; whatever commits keeps its given ids."""
        journal = self.new_journal(self.store)
        first, second = self.new_unit_of_work(self.store), self.new_unit_of_work(self.store)
        with first, second:
            ids_first = first.enlist(journal).post([self.new_entry(1)])
            ids_second = second.enlist(journal).post([self.new_entry(2)])
            first.commit()
            try:
                second.commit()
            except ConcurrencyConflictError:
                ids_second = []
        assert not set(ids_first) & set(ids_second), f"one id for two keys: {ids_first}"
        expected = dict(zip(ids_first, [self.new_entry(1)], strict=True))
        expected.update(zip(ids_second, [self.new_entry(2)], strict=False))
        assert self._recorded(journal) == expected
        if not ids_second:  # the loser retries and gets recorded
            ids_second = self._post(journal, self.new_entry(2))
            assert self._recorded(journal)[ids_second[0]] == self.new_entry(2)

    def test_a_journal_posted_on_its_own_records_at_once(self) -> None:
        """Outside any unit of work, ``post`` records at once, idempotent per key."""
        journal = self.new_journal(self.store)
        ids = journal.post([self.new_entry(1)])
        assert journal.post([self.new_entry(1)]) == ids
        assert self._recorded(journal) == dict(zip(ids, [self.new_entry(1)], strict=True))

    def hypothesis_settings(self) -> settings:
        """The Hypothesis settings of the random test (override to tune them).

        The default keeps the active profile's ``max_examples`` and lifts the deadline,
        since a database may be slow now and then.
        """
        return settings(deadline=None)

    def test_U1_random_units_of_work_agree_with_a_model_of_committed_entries(self) -> None:
        """U1: two units of work and direct posts, interleaved at random, against a model.

        Steps: post through one of the units of work (a new key, a known one, or a
        known key with other content), commit or roll one back, post directly. After
        every step the journal holds exactly the entries of the commits that succeeded
        and of the direct posts, each under the id its ``post`` returned, one per key.
        """

        @self.hypothesis_settings()
        @given(data=st.data())
        def interleaved(data: st.DataObject) -> None:
            self._interleave_at_random(data)

        interleaved()

    def _interleave_at_random(self, data: st.DataObject) -> None:
        journal = self.new_journal(self.store)
        uows = [self.new_unit_of_work(self.store) for _ in range(2)]
        model: dict[str, EntryT] = {}
        staged: list[list[tuple[str, EntryT]]] = [[], []]
        with contextlib.ExitStack() as stack:
            for uow in uows:
                stack.enter_context(uow)
            for _ in range(data.draw(st.integers(1, 12), label="steps")):
                action = data.draw(
                    st.sampled_from(["post", "post", "commit", "rollback", "direct"]), "action"
                )
                side = data.draw(st.integers(0, 1), label="unit of work")
                entry = self.new_entry(data.draw(st.integers(0, 3), label="entry"))
                if data.draw(st.booleans(), label="other content"):
                    entry = self.changed_entry(entry)
                if action == "post":
                    try:
                        (given_id,) = uows[side].enlist(journal).post([entry])
                    except IdempotencyConflictError:
                        continue
                    staged[side].append((given_id, entry))
                elif action == "commit":
                    try:
                        uows[side].commit()
                    except (ConcurrencyConflictError, IdempotencyConflictError):
                        pass
                    else:
                        model.update(staged[side])
                    staged[side] = []
                elif action == "rollback":
                    uows[side].rollback()
                    staged[side] = []
                else:
                    try:
                        (given_id,) = journal.post([entry])
                    except IdempotencyConflictError:
                        continue
                    model[given_id] = entry
                recorded = self._recorded(journal)
                assert recorded == model, f"after {action} on {side}"
                keys = [entry.key for entry in recorded.values()]
                assert len(set(keys)) == len(keys), f"a key recorded twice: {keys}"


class JournalContract(TimedContract, abc.ABC, Generic[EntryT]):
    """The :class:`~servicedomain.ports.Journal` port on its own; subclass it to test yours.

    Name the subclass ``Test...`` and implement the hooks: :meth:`new_journal`,
    :meth:`new_entry`, :meth:`changed_entry` and :meth:`recorded` (and
    :meth:`dispose_store`: the journal is this suite's store). Every test gets a fresh,
    empty journal. What it requires of a journal: ``post`` returns one transaction id
    per entry, in order; it never records an entry twice (an entry posted again, in the
    same call or a later one, gets its first id back); and a call with a key already
    recorded under other content raises
    :class:`~servicedomain.errors.IdempotencyConflictError` and records nothing of that
    call.

    Attributes:
        journal: the journal of the running test.
        timeout_seconds: how long one test may run before it fails (300 by default).
    """

    journal: Journal[EntryT]

    # ------------------------------------------------------------------------ hooks

    @abc.abstractmethod
    def new_journal(self) -> Journal[EntryT]:
        """A new, empty journal for one test."""

    def dispose_store(self, journal: Journal[EntryT]) -> None:
        """Release a journal made by :meth:`new_journal`; by default nothing is done."""

    @abc.abstractmethod
    def new_entry(self, number: int) -> EntryT:
        """A journal entry; different numbers give different keys."""

    @abc.abstractmethod
    def changed_entry(self, entry: EntryT) -> EntryT:
        """An entry with ``entry``'s key and some other content."""

    @abc.abstractmethod
    def recorded(self, journal: Journal[EntryT]) -> Mapping[str, EntryT]:
        """What ``journal`` holds: each recorded entry by its transaction id."""

    # ---------------------------------------------------------------------- fixture

    @pytest.fixture(autouse=True)
    def _journal_per_test(self) -> Iterator[None]:
        self.journal = self.new_journal()
        try:
            yield
        finally:
            self.dispose_store(self.journal)

    # ------------------------------------------------------------------------ tests

    def test_post_returns_one_distinct_id_per_entry_in_order(self) -> None:
        """``post`` gives one transaction id per entry, in order, and records each entry."""
        entries = [self.new_entry(number) for number in range(5)]
        ids = self.journal.post(entries)
        assert len(ids) == len(entries)
        assert len(set(ids)) == len(entries), f"ids are not distinct: {ids}"
        assert dict(self.recorded(self.journal)) == dict(zip(ids, entries, strict=True))

    def test_an_entry_posted_again_gets_its_id_back_and_is_not_recorded_twice(self) -> None:
        """A retry posts nothing twice: each entry gets the id it was first recorded under."""
        entries = [self.new_entry(number) for number in range(3)]
        ids = self.journal.post(entries)
        assert self.journal.post(list(reversed(entries))) == list(reversed(ids))
        assert self.journal.post([entries[0], entries[0]]) == [ids[0], ids[0]]
        assert dict(self.recorded(self.journal)) == dict(zip(ids, entries, strict=True))

    def test_one_entry_twice_in_one_call_is_recorded_once(self) -> None:
        """The same entry twice in one call is one transaction."""
        entry = self.new_entry(1)
        first, second = self.journal.post([entry, entry])
        assert first == second
        assert dict(self.recorded(self.journal)) == {first: entry}

    def test_a_call_with_a_key_recorded_under_other_content_records_nothing(self) -> None:
        """Other content under a recorded key is refused, and nothing of the call is recorded."""
        entry = self.new_entry(1)
        (first,) = self.journal.post([entry])
        with pytest.raises(IdempotencyConflictError):
            self.journal.post([self.new_entry(2), self.changed_entry(entry), self.new_entry(3)])
        assert dict(self.recorded(self.journal)) == {first: entry}

    def test_a_call_that_gives_one_key_two_contents_records_nothing(self) -> None:
        """One key with two contents in one call is refused, and nothing is recorded."""
        entry = self.new_entry(1)
        with pytest.raises(IdempotencyConflictError):
            self.journal.post([entry, self.new_entry(2), self.changed_entry(entry)])
        assert dict(self.recorded(self.journal)) == {}
