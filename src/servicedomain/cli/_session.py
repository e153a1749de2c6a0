"""What every command shares: the database URL, the store, the clock and the output."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

import attrs
import click
from rich.console import Console
from rich.progress import Progress

from servicedomain.adapters.clocks import SystemClock
from servicedomain.adapters.sql import (
    SqlStore,
    default_url,
    hide_password,
    open_store,
    sqlite_file,
)
from servicedomain.adapters.sql.migrate import current_revision, head_revision
from servicedomain.errors import InvalidInputError
from servicedomain.ports import Clock

_T = TypeVar("_T")

PROGRESS_THRESHOLD = 300
"""A run over more items than this shows a progress bar (on a terminal's stderr)."""


def database_url(given: str | None) -> str:
    """The URL of ``--db``: a URL as given, a plain path as a SQLite file; default from env."""
    if given is None:
        return default_url(os.environ)
    return given if "://" in given else f"sqlite:///{given}"


@attrs.define
class Session:
    """The state of one command line run: where the data is and what tells the time."""

    url: str
    clock: Clock = attrs.field(factory=SystemClock)
    db_given: bool = False
    """Whether the run names its database (``--db``), rather than the default."""
    show_progress: bool | None = None
    """``--progress`` (True), ``--no-progress`` (False), or a terminal's stderr (None)."""
    _store: SqlStore | None = attrs.field(default=None, init=False)

    def store(self, *, codecs: Sequence[object] = ()) -> SqlStore:
        """The store on the database, which must be upgraded to this release.

        A SQLite file that does not exist is not created here (only ``db upgrade``
        creates one): the command is bad input naming the file.

        Raises:
            BadInput: the SQLite file does not exist (run ``servicedomain db upgrade``).
            InvalidInputError: (field ``db``) the database is not at this release's
                revision (run ``servicedomain db upgrade``).
        """
        if self._store is None:
            from servicedomain.cli._main import BadInput  # noqa: PLC0415
            from servicedomain.cli._rules import RULE_CODEC  # noqa: PLC0415

            file = sqlite_file(self.url)
            if file is not None and not file.exists():
                raise BadInput(
                    click.get_current_context().command_path,
                    f"no such database file {file}: run `servicedomain db upgrade` to create it",
                )
            revision = current_revision(self.url)
            if revision != head_revision():
                found = "has no servicedomain tables" if revision is None else f"is at {revision}"
                raise InvalidInputError(
                    "db",
                    hide_password(self.url),
                    f"the database {found}, not at revision {head_revision()}: "
                    "run `servicedomain db upgrade` first",
                )
            self._store = open_store(self.url, codecs=(RULE_CODEC,))
        return self._store

    def close(self) -> None:
        """Dispose of the store's connections."""
        if self._store is not None:
            self._store.dispose()
            self._store = None


def session() -> Session:
    """The session of the running command."""
    return click.get_current_context().ensure_object(Session)


def say(text: str) -> None:
    """Print a line of a command's output."""
    click.echo(text)


def _one(_item: object) -> int:
    return 1


def _shown(total: int) -> tuple[bool, bool]:
    """Whether a run over ``total`` items shows a bar, and whether it is forced on."""
    context = click.get_current_context(silent=True)
    running = None if context is None else context.find_object(Session)
    chosen = None if running is None else running.show_progress
    if total <= PROGRESS_THRESHOLD or chosen is False:
        return False, False
    return (True, True) if chosen else (sys.stderr.isatty(), False)


def progress(
    items: Sequence[_T], label: str, *, weight: Callable[[_T], int] = _one
) -> Iterator[_T]:
    """``items``, with a progress bar on stderr when there are many and stderr is a terminal.

    ``weight`` says how many items one of ``items`` stands for (``len`` of a chunk). The
    global ``--progress`` shows the bar on any stderr (a log, a test), ``--no-progress``
    never.
    """
    total = sum(weight(item) for item in items)
    shown, forced = _shown(total)
    if not shown:
        yield from items
        return
    console = Console(stderr=True, force_terminal=True if forced else None)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        for item in items:
            yield item
            bar.advance(task, weight(item))


def chunked(items: Sequence[_T], size: int) -> Iterable[Sequence[_T]]:
    """``items`` in slices of ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
