"""Tools for testing code built on servicedomain (the ``[testing]`` extra).

* :mod:`servicedomain.testing.strategies`: Hypothesis strategies for the library's values.
* :mod:`servicedomain.testing.contracts`: pytest suites that prove a port adapter right.

``import servicedomain`` never imports this package; it needs Hypothesis and pytest.
"""

from __future__ import annotations

import pytest

# The contract suites use plain asserts; let pytest rewrite them for readable failures
# in the host's test run, as it does for the host's own test modules.
pytest.register_assert_rewrite("servicedomain.testing.contracts")
