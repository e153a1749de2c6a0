"""Fault injection under the SQL adapter: the connection lost at the k-th statement or commit.

:class:`SqlFaultPlan` listens to a SQLAlchemy engine (a
:class:`~servicedomain.adapters.sql.SqlStore`'s): every statement the engine sends
(``BEGIN``, ``SELECT``, ``INSERT``, ... through ``before_cursor_execute``) and every
``COMMIT`` is one step. At step ``fail_at`` the plan raises, from inside the driver call,
an exception of the driver's own ``OperationalError`` class that is also an
:class:`~servicedomain.testing.faults.InjectedFault`, and tells SQLAlchemy it is a
disconnect: SQLAlchemy wraps it (:class:`sqlalchemy.exc.OperationalError`) and
invalidates the connection as it does when a server goes away, so the database rolls the
open transaction back. With ``after=True`` the step is carried out first and its answer
is lost: a lost ``COMMIT`` reply leaves a durable commit that the caller saw fail.

The adapter turns the failure into :class:`~servicedomain.errors.StorageError`. Sweep a
run over every step: count the steps of a fault-free run, then for every ``k`` a fresh
database, the run failing at ``k``, the tables compared with :func:`table_rows`::

    with SqlFaultPlan(store.engine) as counting:
        run(store)
    for k in range(1, len(counting.steps) + 1):
        store = fresh_store()
        before = table_rows(store.engine)
        with SqlFaultPlan(store.engine, fail_at=k), pytest.raises(StorageError):
            run(store)
        assert table_rows(store.engine) == before      # nothing partial is visible
        run(store)                                      # the retry
        assert table_rows(store.engine) == one_run      # ... completes exactly once

It needs SQLAlchemy (the ``[sql]`` extra), and neither pytest nor Hypothesis.
"""

from __future__ import annotations

import contextlib
import re
import threading
import weakref
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Final, Self

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext

from servicedomain.adapters.sql import SqlStore, metadata
from servicedomain.errors import InvalidInputError, TypeMismatchError
from servicedomain.testing.faults import InjectedFault

__all__ = ["SqlFaultPlan", "injected_fault", "table_rows"]

_TABLE: Final = re.compile(r"\b(?:FROM|INTO|UPDATE|TABLE)\s+\"?([\w.]+)", re.IGNORECASE)
_FAULT_TYPES: dict[Any, type[InjectedFault]] = {}  # by DB-API module
# The plan listening to each engine (one at a time: their step counts would mix).
_ACTIVE: weakref.WeakKeyDictionary[sa.Engine, SqlFaultPlan] = weakref.WeakKeyDictionary()


def _fault_type(dbapi: Any) -> type[InjectedFault]:
    """The injected fault of a driver: its ``OperationalError`` and an :class:`InjectedFault`."""
    found = _FAULT_TYPES.get(dbapi)
    if found is None:
        found = type(
            "InjectedDriverFault",
            (InjectedFault, dbapi.OperationalError),
            {"__module__": __name__, "__doc__": "A lost connection, injected."},
        )
        _FAULT_TYPES[dbapi] = found
    return found


def _step_name(statement: str) -> str:
    """``"INSERT servicedomain_fees"``: the statement's verb and first table."""
    verb = statement.split(None, 1)[0].upper() if statement.strip() else "?"
    table = _TABLE.search(statement)
    return verb if table is None else f"{verb} {table[1]}"


class SqlFaultPlan:
    """Counts the statements and commits of an engine; loses the connection at one of them.

    A context manager: it listens while the ``with`` block runs (one plan per engine at a
    time). Use it in tests of runs over a :class:`~servicedomain.adapters.sql.SqlStore`
    (how-to: *Test your runs against lost connections*). On an in-memory SQLite database
    (one connection) a lost connection loses the database with it: sweep on a file, or
    with ``disconnect=False``.

    >>> from servicedomain.adapters.sql import open_store
    >>> from servicedomain.errors import StorageError
    >>> store = open_store("sqlite://", create_tables=True)
    >>> with SqlFaultPlan(store.engine) as counting, store.unit_of_work() as uow:
    ...     documents = uow.invoices.list()
    >>> counting.steps
    ['BEGIN', 'SELECT servicedomain_invoices']
    >>> with SqlFaultPlan(store.engine, fail_at=2) as plan, store.unit_of_work() as uow:
    ...     try:
    ...         uow.invoices.list()
    ...     except StorageError as error:
    ...         print(error.reason)
    ...         print(injected_fault(error) is plan.fault)
    fault injected at step 2 (SELECT servicedomain_invoices)
    True

    Args:
        engine: the engine (or the store) to listen to.
        fail_at: the step that fails (1 is the first); ``None`` only counts.
        after: carry step ``fail_at`` out, then lose its answer (a ``COMMIT`` that is
            durable although the caller sees it fail); by default it fails before
            reaching the database.
        disconnect: the fault loses the connection (SQLAlchemy discards it, the
            database rolls its transaction back); ``False``: the database refused the
            step and the connection lives on (a statement timeout, a full disk), so it
            goes back to the pool after the adapter's rollback.

    Attributes:
        steps: every step so far, in order, the failed one included: ``"BEGIN"``,
            ``"SELECT servicedomain_fees"``, ``"INSERT servicedomain_outbox"``,
            ``"COMMIT"``, ...
        fault: the fault raised, once raised (else ``None``).

    Raises:
        TypeMismatchError: ``engine`` is not an engine or a store, ``fail_at`` not an
            int, ``after`` not a bool.
        InvalidInputError: ``fail_at`` is below 1; (on entering) another plan listens
            to the engine.
    """

    def __init__(
        self,
        engine: sa.Engine | SqlStore,
        *,
        fail_at: int | None = None,
        after: bool = False,
        disconnect: bool = True,
    ) -> None:
        if isinstance(engine, SqlStore):
            engine = engine.engine
        if not isinstance(engine, sa.Engine):
            raise TypeMismatchError("engine", engine, "expected a SQLAlchemy Engine or a SqlStore")
        if fail_at is not None:
            if isinstance(fail_at, bool) or not isinstance(fail_at, int):
                raise TypeMismatchError("fail_at", fail_at, "a step is an int")
            if fail_at < 1:
                raise InvalidInputError("fail_at", fail_at, "the first step is 1")
        if not isinstance(after, bool):
            raise TypeMismatchError("after", after, "expected a bool")
        if not isinstance(disconnect, bool):
            raise TypeMismatchError("disconnect", disconnect, "expected a bool")
        self.engine = engine
        self.fail_at = fail_at
        self.after = after
        self.disconnect = disconnect
        self.steps: list[str] = []
        self.fault: InjectedFault | None = None
        self._lock = threading.Lock()

    @property
    def failed(self) -> bool:
        """True once the fault was raised."""
        return self.fault is not None

    @property
    def commits(self) -> int:
        """How many ``COMMIT`` steps reached the database (a lost reply's included)."""
        done = self.steps.count("COMMIT")
        if self.fault is not None and self.fault.call == "COMMIT" and not self.after:
            done -= 1
        return done

    # ------------------------------------------------------------------ listening

    def __enter__(self) -> Self:
        engine = self.engine
        if _ACTIVE.get(engine) is not None:
            raise InvalidInputError("engine", repr(engine), "another SqlFaultPlan listens to it")
        _ACTIVE[engine] = self
        event.listen(engine, "before_cursor_execute", self._before_statement)
        event.listen(engine, "after_cursor_execute", self._after_statement)
        event.listen(engine, "handle_error", self._disconnect)
        dialect = engine.dialect
        original = dialect.do_commit

        def do_commit(dbapi_connection: Any) -> None:
            self._step("COMMIT", ran=False)
            original(dbapi_connection)
            self._step("COMMIT", ran=True)

        # The dialect's commit is the one driver call no event runs inside: wrap it on
        # this engine's dialect (each engine has its own), so the fault is the driver's.
        setattr(dialect, "do_commit", do_commit)  # noqa: B010 (mypy: no method assignment)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        engine = self.engine
        vars(engine.dialect).pop("do_commit", None)
        event.remove(engine, "handle_error", self._disconnect)
        event.remove(engine, "after_cursor_execute", self._after_statement)
        event.remove(engine, "before_cursor_execute", self._before_statement)
        _ACTIVE.pop(engine, None)

    def _before_statement(
        self, _connection: Any, _cursor: Any, statement: str, *_rest: Any
    ) -> None:
        self._step(_step_name(statement), ran=False)

    def _after_statement(self, _connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        self._step(_step_name(statement), ran=True)

    def _step(self, name: str, *, ran: bool) -> None:
        """Count a step before it runs; raise at ``fail_at`` (after it ran, if ``after``)."""
        with self._lock:
            if not ran:
                self.steps.append(name)
            at = len(self.steps)
            if at != self.fail_at or ran != self.after or self.fault is not None:
                return
            self.fault = _fault_type(self.engine.dialect.loaded_dbapi)(at, name)
        raise self.fault

    def _disconnect(self, context: ExceptionContext) -> None:
        """SQLAlchemy asks whether an error lost the connection: ours did."""
        if self.disconnect and self.fault is not None and context.original_exception is self.fault:
            context.is_disconnect = True
            # This connection is lost, not the server: the pool keeps the others.
            context.invalidate_pool_on_disconnect = False
            # SQLAlchemy leaves a lost connection's cursor open; a SQLite connection closed
            # with a statement still prepared stays open (holding its write lock) until
            # the cursor is collected. A lost connection holds nothing: close it.
            cursor = getattr(context.execution_context, "cursor", None)
            if cursor is not None:
                with contextlib.suppress(Exception):
                    cursor.close()

    def __repr__(self) -> str:
        return (
            f"SqlFaultPlan(fail_at={self.fail_at}, after={self.after}, "
            f"disconnect={self.disconnect}, steps={len(self.steps)})"
        )


def injected_fault(error: BaseException) -> InjectedFault | None:
    """The :class:`InjectedFault` behind ``error`` (its causes, and a driver error's origin)."""
    seen: set[int] = set()
    found: BaseException | None = error
    while found is not None and id(found) not in seen:
        if isinstance(found, InjectedFault):
            return found
        seen.add(id(found))
        orig = getattr(found, "orig", None)
        if isinstance(orig, InjectedFault):
            return orig
        found = found.__cause__ or found.__context__
    return None


def table_rows(
    engine: sa.Engine | SqlStore,
    *,
    tables: Iterable[sa.Table] = metadata.sorted_tables,
    renumber: bool = True,
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of ``tables`` (default: the adapter's), by table name, in primary-key order.

    What two databases must hold equally after a run and its retry. With ``renumber``
    the values of an autoincrement key (the outbox ``position``) become their rank
    (1, 2, ...): PostgreSQL spends sequence values in transactions that roll back, so
    after a failure the positions may skip numbers; their order (the commit order the
    relay follows) is kept and compared.

    Raises:
        TypeMismatchError: ``engine`` is not an engine or a store.
    """
    if isinstance(engine, SqlStore):
        engine = engine.engine
    if not isinstance(engine, sa.Engine):
        raise TypeMismatchError("engine", engine, "expected a SQLAlchemy Engine or a SqlStore")
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in tables:
            keys = list(table.primary_key.columns) or list(table.columns)
            rows = [tuple(row) for row in connection.execute(sa.select(table).order_by(*keys))]
            identity = table.autoincrement_column
            if renumber and identity is not None:
                index = list(table.columns).index(identity)
                rows = [
                    (*row[:index], rank, *row[index + 1 :])
                    for rank, row in enumerate(rows, start=1)
                ]
            dump[table.name] = rows
    return dump
