"""Reference adapters: implementations of :mod:`servicedomain.ports`.

* :mod:`servicedomain.adapters.memory`: in-memory repositories, units of work and an
  event publisher, for tests, docs and small tools.
* :mod:`servicedomain.adapters.clocks`: the system clock and a fixed clock for tests.

The domain never imports this package; a host wires adapters in. Adapters are the one
place in servicedomain where objects are mutable.
"""

from __future__ import annotations
