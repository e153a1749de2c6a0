"""Test configuration: Hypothesis profiles.

* ``quick`` (the default): few examples, for a fast local loop.
* ``thorough``: many examples, derandomized, no deadline; loaded automatically when the
  ``CI`` environment variable is set, or with ``HYPOTHESIS_PROFILE=thorough``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

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
