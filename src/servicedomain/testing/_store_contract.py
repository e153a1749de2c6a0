"""The scaffolding the store contract suites share: the store and unit-of-work hooks.

:class:`~servicedomain.testing.billing_contracts.BillingStoreContract`,
:class:`~servicedomain.testing.repair_contracts.RepairStoreContract`,
:class:`~servicedomain.testing.dispatch_contracts.DispatchStoreContract` and
:class:`~servicedomain.testing.request_contracts.RequestStoreContract` derive from
:class:`StoreContract`: a host implements ``make_store``, ``new_unit_of_work`` and
``publishing_unit_of_work`` (and ``dispose_store`` where a store holds something), and
every store a test makes through ``_new_store`` is disposed when the test ends,
whatever its outcome. Each test runs under the deadline of
:class:`~servicedomain.testing._deadline.TimedContract`.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

import pytest

from servicedomain.ports import EventPublisher, UnitOfWork
from servicedomain.testing._deadline import TimedContract

__all__ = ["StoreContract"]

StoreT = TypeVar("StoreT")
UnitOfWorkT = TypeVar("UnitOfWorkT", bound=UnitOfWork)


class StoreContract(TimedContract, abc.ABC, Generic[StoreT, UnitOfWorkT]):
    """The hooks of a store contract suite, and the stores its tests make, disposed."""

    @abc.abstractmethod
    def make_store(self) -> StoreT:
        """A new, empty store."""

    def dispose_store(self, store: StoreT) -> None:
        """Release a store made by :meth:`make_store` (a file, a connection, a schema).

        Called after each test for every store the test made, whatever its outcome; by
        default nothing is done.
        """

    @abc.abstractmethod
    def new_unit_of_work(self, store: StoreT) -> UnitOfWorkT:
        """A unit of work over ``store``."""

    @abc.abstractmethod
    def publishing_unit_of_work(self, store: StoreT, publisher: EventPublisher) -> UnitOfWorkT:
        """A unit of work over ``store`` that publishes what it collects to ``publisher``.

        A host that relays events through an outbox wires the relay to ``publisher``
        and lets it run before returning from ``commit``.
        """

    # ------------------------------------------------------------------------- helpers

    @pytest.fixture(autouse=True)
    def _disposed_stores(self) -> Iterator[None]:
        """Every store a test makes through :meth:`_new_store`, disposed after it."""
        self._made: list[StoreT] = []
        yield
        made, self._made = self._made, []
        for store in made:
            self.dispose_store(store)

    def _new_store(self) -> StoreT:
        """A store from :meth:`make_store`, disposed when the test ends."""
        store = self.make_store()
        self._made.append(store)
        return store

    def _save(self, store: StoreT, write: Callable[[UnitOfWorkT], object]) -> None:
        """One unit of work: ``write``, then commit."""
        with self.new_unit_of_work(store) as uow:
            write(uow)
            uow.commit()
