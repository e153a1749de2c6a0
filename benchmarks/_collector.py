"""The garbage collector's share of a run: its young and full collections, and their seconds.

CPython's collector is generational: young collections walk the objects made since the
last one, a full collection walks every tracked object alive (one is due when the
survivors since the last one reach a quarter of the long-lived objects). A run that
keeps a Python object per result pays the full collections in proportion to what it
keeps; a loop that keeps tuples of numbers and dates does not (the collector stops
tracking those). The benchmarks report both, so a ratio says where its time goes.
"""

from __future__ import annotations

import gc
import time
from types import TracebackType
from typing import Any

__all__ = ["CollectorTime"]


class CollectorTime:
    """A ``with`` block that counts the collections run inside it and times them.

    >>> with CollectorTime() as spent:
    ...     kept = [[n] for n in range(100_000)]
    >>> spent.report()["young_collections"] > 0
    True
    """

    def __init__(self) -> None:
        self.collections = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self._began = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
            return
        generation = info["generation"]
        self.collections[generation] += 1
        self.seconds[generation] += time.perf_counter() - self._began

    def __enter__(self) -> CollectorTime:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        gc.callbacks.remove(self._callback)

    def report(self) -> dict[str, Any]:
        """Collections and seconds: young (generations 0 and 1) and full (generation 2)."""
        return {
            "young_collections": self.collections[0] + self.collections[1],
            "young_seconds": round(self.seconds[0] + self.seconds[1], 6),
            "full_collections": self.collections[2],
            "full_seconds": round(self.seconds[2], 6),
        }
