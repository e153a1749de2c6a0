"""Reference adapters: implementations of :mod:`servicedomain.ports`.

* :mod:`servicedomain.adapters.memory`: the reference adapter, in plain dicts: one unit
  of work for every aggregate, journals and an event publisher, for tests, docs and
  small tools, and to read before writing an adapter of your own.
* :mod:`servicedomain.adapters.indexed_memory`: the same ports with indexes, for large
  in-memory stores (benchmarks).
* :mod:`servicedomain.adapters.clocks`: the system clock and a fixed clock for tests.

The domain never imports this package; a host wires adapters in. Adapters are the one
place in servicedomain where objects are mutable.
"""

from __future__ import annotations
