"""Fault injection over the ports: fail a unit of work at its k-th port call (law U1).

A :class:`FaultPlan` wraps a host's unit of work, the repositories it exposes and the
journals enlisted in it (:meth:`~servicedomain.ports.JournalUnitOfWork.enlist`). Every
call made through the wrappers (a ``get``, a ``save``, a journal ``post``, ``collect``,
``commit``) is one step; at step ``fail_at`` the plan raises :class:`InjectedFault`
instead of making the call, as a lost connection or a crash would. A fault at
``commit`` is a lost commit: nothing of the unit of work was written. Law U1 asks that
for every ``k`` and every retry path the end state equals one fault-free run::

    plan = FaultPlan()
    run(plan.wrap(uow))                  # count the steps of a fault-free run
    for k in range(1, len(plan.calls) + 1):
        ...                              # a fresh store
        with contextlib.suppress(InjectedFault):
            run(FaultPlan(fail_at=k).wrap(uow))
        retry(uow)                       # same input, a new id, the next day, ...
        assert state() == state_of_one_fault_free_retry

The plan also remembers what was posted through enlisted journals by the units of
work that committed (:meth:`FaultPlan.committed_entries`): what a journal must hold.
It needs neither pytest nor Hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, TypeVar, cast

from servicedomain.errors import InvalidInputError, TypeMismatchError
from servicedomain.events import DomainEvent
from servicedomain.ports import Journal, KeyedEntry, UnitOfWork

__all__ = ["DEFAULT_PORTS", "FaultPlan", "InjectedFault"]

UnitOfWorkT = TypeVar("UnitOfWorkT", bound=UnitOfWork)
EntryT = TypeVar("EntryT", bound=KeyedEntry)

DEFAULT_PORTS: frozenset[str] = frozenset(
    {
        "service_orders",
        "agreements",
        "subscriptions",
        "fees",
        "invoices",
        "accruals",
        "service_objects",
        "service_boms",
        "template_boms",
        "technicians",
        "dispatch_teams",
        "requirements",
        "bookings",
    }
)
"""The unit-of-work attributes the plan wraps as ports (the desks' repositories)."""


class InjectedFault(Exception):  # noqa: N818 (a fault, not an error of the library)
    """The failure a :class:`FaultPlan` injects: infrastructure failing, not bad input.

    It is deliberately not a :class:`~servicedomain.errors.ServiceDomainError`: no
    desk may mistake it for a refused business rule.

    Attributes:
        step: the number of the call that failed (1 is the first).
        call: what was called, e.g. ``"service_orders.save"`` or ``"commit"``.
    """

    def __init__(self, step: int, call: str) -> None:
        self.step = step
        self.call = call
        super().__init__(f"fault injected at step {step} ({call})")


class FaultPlan:
    """Counts the port calls made through the units of work it wraps; fails one of them.

    Args:
        fail_at: the step that raises :class:`InjectedFault` (1 is the first call);
            ``None`` never fails, and only counts and records.
        ports: the attributes of a wrapped unit of work that are ports whose calls
            are steps (default :data:`DEFAULT_PORTS`); other attributes pass through.

    Attributes:
        calls: every call made so far, in order (the failed one included).

    Raises:
        TypeMismatchError: ``fail_at`` is not an int.
        InvalidInputError: ``fail_at`` is below 1.
    """

    def __init__(self, *, fail_at: int | None = None, ports: Iterable[str] = DEFAULT_PORTS) -> None:
        if fail_at is not None:
            if isinstance(fail_at, bool) or not isinstance(fail_at, int):
                raise TypeMismatchError("fail_at", fail_at, "a step is an int")
            if fail_at < 1:
                raise InvalidInputError("fail_at", fail_at, "the first step is 1")
        self.fail_at = fail_at
        self.ports = frozenset(ports)
        self.calls: list[str] = []
        self._committed: list[tuple[object, KeyedEntry]] = []

    @property
    def failed(self) -> bool:
        """True once the fault was injected."""
        return self.fail_at is not None and len(self.calls) >= self.fail_at

    def wrap(self, uow: UnitOfWorkT) -> UnitOfWorkT:
        """``uow`` with every port call counted, and failing at step ``fail_at``."""
        return cast("UnitOfWorkT", _FaultyUnitOfWork(uow, self))

    def committed_entries(self, journal: Journal[EntryT]) -> list[EntryT]:
        """The entries posted to ``journal`` through wrapped units of work that committed."""
        return [cast("EntryT", entry) for book, entry in self._committed if book is journal]

    def step(self, call: str) -> None:
        """Count one call; raise :class:`InjectedFault` if it is step ``fail_at``."""
        self.calls.append(call)
        if len(self.calls) == self.fail_at:
            raise InjectedFault(len(self.calls), call)


class _FaultyUnitOfWork:
    """A unit of work whose port calls go through a :class:`FaultPlan`."""

    def __init__(self, inner: Any, plan: FaultPlan) -> None:
        self._inner = inner
        self._plan = plan
        self._posted: list[tuple[object, KeyedEntry]] = []

    def __enter__(self) -> _FaultyUnitOfWork:
        self._inner.__enter__()
        self._posted = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._posted = []
        self._inner.__exit__(exc_type, exc, traceback)

    def commit(self) -> None:
        self._plan.step("commit")
        posted, self._posted = self._posted, []
        self._inner.commit()
        self._plan._committed.extend(posted)

    def rollback(self) -> None:
        self._posted = []
        self._inner.rollback()

    def collect(self, events: Iterable[DomainEvent]) -> None:
        self._plan.step("collect")
        self._inner.collect(events)

    def enlist(self, journal: Journal[EntryT]) -> Journal[EntryT]:
        self._plan.step("enlist")
        return cast("Journal[EntryT]", _FaultyJournal(self._inner.enlist(journal), journal, self))

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name in self._plan.ports:
            return _FaultyPort(value, name, self._plan)
        return value


class _FaultyPort:
    """A repository whose method calls are steps of a plan."""

    def __init__(self, inner: object, name: str, plan: FaultPlan) -> None:
        self._inner = inner
        self._name = name
        self._plan = plan

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value):
            return value
        call, plan = f"{self._name}.{name}", self._plan

        def counted(*args: Any, **kwargs: Any) -> Any:
            plan.step(call)
            return cast("Callable[..., Any]", value)(*args, **kwargs)

        return counted


class _FaultyJournal:
    """An enlisted journal whose posts are steps of a plan and are remembered."""

    def __init__(self, inner: Journal[Any], journal: object, uow: _FaultyUnitOfWork) -> None:
        self._inner = inner
        self._journal = journal
        self._uow = uow

    def post(self, entries: Sequence[KeyedEntry]) -> list[str]:
        self._uow._plan.step("journal.post")
        given = list(entries)
        ids = self._inner.post(given)
        self._uow._posted.extend((self._journal, entry) for entry in given)
        return ids
