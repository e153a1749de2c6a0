"""Test configuration: Hypothesis profiles.

* ``quick`` (the default): few examples, for a fast local loop.
* ``thorough``: many examples, derandomized, no deadline; loaded automatically when the
  ``CI`` environment variable is set, or with ``HYPOTHESIS_PROFILE=thorough``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from sql_databases import database_url, new_postgresql_url

__all__ = ["database_url", "new_postgresql_url"]

settings.register_profile("quick", max_examples=50, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=600,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)

_default = "thorough" if os.environ.get("CI") else "quick"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))


def thorough() -> bool:
    """True when the thorough profile is loaded (CI)."""
    return settings.get_current_profile_name() == "thorough"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail a run that skipped a test: the README's test command installs all they need."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = reporter.stats.get("skipped", [])
    if skipped and exitstatus == pytest.ExitCode.OK:
        reporter.write_line(f"{len(skipped)} test(s) skipped: every test must run", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
