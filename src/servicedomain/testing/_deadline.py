"""A per-test deadline for the contract suites: a test that hangs fails instead.

Every ``test_*`` method of a class that derives from :class:`TimedContract` (the suite
and the host's subclass, overrides included) runs in a worker thread; the test's thread
waits ``timeout_seconds`` for it and then fails the test with a message that names the
test and the limit. Threads work alike on every platform and in any thread (a
``SIGALRM`` timer does not work on Windows, nor outside the main thread), and the kit
needs no pytest plugin (pytest-timeout is not a dependency).

A Python thread cannot be killed: a test that timed out leaves its worker (a daemon
thread) blocked where the adapter blocked it, and the process exits without waiting for
it. Fixtures (``make_store``, ``dispose_store``) run in the test's thread, outside the
deadline.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

__all__ = ["TimedContract"]

_TIMED = "_servicedomain_deadline"


def _with_deadline(test: Callable[..., Any]) -> Callable[..., Any]:
    """``test`` run in a worker thread that must finish within ``self.timeout_seconds``."""

    @functools.wraps(test)
    def timed(self: TimedContract, *args: Any, **kwargs: Any) -> None:
        limit = self.timeout_seconds
        failure: list[BaseException] = []

        def run() -> None:
            try:
                test(self, *args, **kwargs)
            except BaseException as error:  # pytest's outcomes included: re-raised below
                failure.append(error)

        name = f"{type(self).__name__}.{test.__name__}"
        worker = threading.Thread(target=run, name=f"contract {name}", daemon=True)
        worker.start()
        worker.join(limit)
        if worker.is_alive():
            pytest.fail(
                f"{name} did not finish within timeout_seconds={limit:g} s: the adapter "
                f"blocks or is too slow (a read or a write that waits for another unit of "
                f"work's commit blocks for good; see the suite's docstring)",
                pytrace=False,
            )
        if failure:
            raise failure[0]

    setattr(timed, _TIMED, True)
    return timed


class TimedContract:
    """A contract suite whose every test fails once it runs past ``timeout_seconds``.

    Attributes:
        timeout_seconds: how long one test may run, in seconds; override it in the
            subclass (a slow database, Hypothesis' thorough profile).
    """

    timeout_seconds: ClassVar[float] = 300.0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if name.startswith("test") and callable(value) and not hasattr(value, _TIMED):
                setattr(cls, name, _with_deadline(value))
