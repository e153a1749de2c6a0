"""Test configuration: Hypothesis profiles, the database fixtures, and the skip policy.

* ``quick`` (the default): few examples, for a fast local loop.
* ``thorough``: many examples, derandomized, no deadline; loaded automatically when the
  ``CI`` environment variable is set, or with ``HYPOTHESIS_PROFILE=thorough``.

The SQLite and PostgreSQL fixtures (``database_url``, ``new_postgresql_url``,
``postgresql_server``) come from the plugin ``tests/sql_databases.py``.

A run that skips a test fails, except for the PostgreSQL tests where no PostgreSQL is
installed, outside CI (``sql_databases.skip_is_tolerated``).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# sql_databases is imported as a plugin (so pytest rewrites its asserts), not from here.
pytest_plugins = ["pytester", "sql_databases"]

settings.register_profile("quick", max_examples=50, deadline=None)
# The thorough profile (CI) draws 300 examples per property: six times the quick profile,
# within CI's 30-minute budget now that dispatch brought many more properties.
settings.register_profile(
    "thorough",
    max_examples=300,
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
    """Fail a run that skipped a test: the README's test command installs all they need.

    The one exception: the PostgreSQL tests skip where no PostgreSQL is installed (and CI
    makes those fail at setup instead).
    """
    from sql_databases import in_ci, skip_is_tolerated, skip_reason

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = reporter.stats.get("skipped", [])
    ci = in_ci()
    refused = [report for report in skipped if not skip_is_tolerated(skip_reason(report), ci=ci)]
    tolerated = len(skipped) - len(refused)
    if tolerated:
        reporter.write_line(
            f"{tolerated} PostgreSQL test(s) skipped: no PostgreSQL installed here "
            "(install postgresql to run them; under CI they fail)",
            yellow=True,
        )
    if refused and exitstatus == pytest.ExitCode.OK:
        reporter.write_line(f"{len(refused)} test(s) skipped: every test must run", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
