"""Tools for testing code built on servicedomain (the ``[testing]`` extra).

* :mod:`servicedomain.testing.strategies`: Hypothesis strategies for the library's values.
* :mod:`servicedomain.testing.domain_strategies`: strategies for orders (with lines and
  logs), agreements, calendars, SLAs, fees, invoices, accruals, reports, dispatch
  (technicians, requirements, bookings) and events;
  ``st.from_type`` works for every type of :mod:`servicedomain.serialization`.
* :mod:`servicedomain.testing.contracts`, :mod:`servicedomain.testing.billing_contracts`,
  :mod:`servicedomain.testing.repair_contracts` and
  :mod:`servicedomain.testing.request_contracts`:
  pytest suites that prove a port adapter right.
* :mod:`servicedomain.testing.invariants`: the billing laws as plain checks; they need
  neither Hypothesis nor pytest, so a host may run them in production code too.
* :mod:`servicedomain.testing.faults`: a fault-injecting wrapper over a unit of work and
  its ports, to prove that every failure point and retry path converges (law U1).
* :mod:`servicedomain.testing.sql_faults`: the connection lost (or a statement refused)
  at the k-th statement or commit of a SQLAlchemy engine, under the SQL adapter (law U1
  on a real database; needs the ``[sql]`` extra).

``import servicedomain`` never imports this package. The strategies need Hypothesis and
the contract suites need pytest (both in the ``[testing]`` extra).
"""

from __future__ import annotations

try:
    import pytest
except ImportError:  # pragma: no cover - exercised in a subprocess without pytest
    pass
else:
    # The contract suites use plain asserts; let pytest rewrite them for readable
    # failures in the host's test run, as it does for the host's own test modules.
    pytest.register_assert_rewrite(
        "servicedomain.testing.contracts",
        "servicedomain.testing.billing_contracts",
        "servicedomain.testing.repair_contracts",
        "servicedomain.testing.request_contracts",
    )
