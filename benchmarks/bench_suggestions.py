"""Benchmark of suggested resolutions over 100,000 past repair lines, against a naive peer.

Run: ``python benchmarks/bench_suggestions.py`` (``--quick`` for a smoke run). Prints one
JSON line per workload and exits non-zero when a target is missed (never in quick mode).

The history (issue 16): 100,000 past repair lines drawn from a fixed seed, host records
with every attribute of a repair line (frozen attrs classes with slots, as a host's
rows would be), 85% of them finished, 5% without a resolution. Symptoms: 20 areas (the
queried one holds a fifth of the lines), 10 codes per area, 6 conditions or none;
diagnoses: 8 areas x 6 codes, 4 resolutions, weighted so that a few dominate.

* ``suggest_resolutions``: one ranking for (area, code, condition) on that history;
* ``suggest_resolutions_one_area``: every line in the queried area (the counting's
  worst case: every line passes the area filter).

Each line times ``suggest_resolutions(history, ...)`` through the public API, the
garbage collector on, the result kept, best of the repeats; the reference is a naive
implementation of the same formula, a ``collections.Counter`` per level over the whole
history and ``Fraction`` scores, whose ranking must equal ours (``agrees``). Target:
under 200 ms a ranking (``target_seconds``).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import attrs
from _collector import CollectorTime

from servicedomain.repairs import SuggestedResolution, suggest_resolutions

SEED = 16_007
LINES = 100_000
QUICK_LINES = 5_000
REPEATS = 5
TARGET_SECONDS = 0.2
START = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
AREA, CODE, CONDITION = "SA-00", "SC-00-1", "CO-2"


@attrs.frozen
class PastLine:
    """A host's repair line: the attributes of a repair line, the ranking reads seven."""

    number: int
    relation_id: str
    symptom_area_id: str
    symptom_code_id: str
    condition_id: str | None
    diagnosis_area_id: str | None
    diagnosis_code_id: str | None
    resolution_id: str | None
    stage_id: str
    technician_id: str
    description: str
    note: str
    created_at: datetime
    finished_at: datetime | None


def history(count: int, rng: random.Random, *, one_area: bool) -> list[PastLine]:
    areas = [f"SA-{i:02d}" for i in range(20)]
    area_weights = [5.0] + [1.0] * 19  # the queried area: 5 of 24 parts, about a fifth
    conditions: list[str | None] = [None] + [f"CO-{i}" for i in range(6)]
    diagnoses = [(f"DA-{a}", f"DC-{a}-{c}") for a in range(8) for c in range(6)]
    diagnosis_weights = [1.0 / (rank + 1) for rank in range(len(diagnoses))]
    resolutions = ["repaired", "replaced", "adjusted", "canceled by customer"]
    made = []
    for number in range(count):
        area = AREA if one_area else rng.choices(areas, area_weights)[0]
        code = f"SC-{area[3:]}-{min(int(rng.expovariate(0.4)), 9)}"
        diagnosis_area, diagnosis_code = rng.choices(diagnoses, diagnosis_weights)[0]
        finished = rng.random() < 0.85
        created = START + timedelta(minutes=7 * number)
        made.append(
            PastLine(
                number=number + 1,
                relation_id=f"REL-{number % 5000}",
                symptom_area_id=area,
                symptom_code_id=code,
                condition_id=rng.choice(conditions),
                diagnosis_area_id=diagnosis_area,
                diagnosis_code_id=diagnosis_code,
                resolution_id=None if rng.random() < 0.05 else rng.choice(resolutions),
                stage_id="REPAIRED" if finished else "DIAGNOSIS",
                technician_id=f"T-{number % 40}",
                description="",
                note="",
                created_at=created,
                finished_at=created + timedelta(hours=3) if finished else None,
            )
        )
    return made


# ------------------------------------------------------------------------ contenders

Ranked = list[tuple[tuple[str, str, str], Fraction]]


def ours(lines: Sequence[PastLine]) -> Ranked:
    found: tuple[SuggestedResolution, ...] = suggest_resolutions(
        lines, symptom_area_id=AREA, symptom_code_id=CODE, condition_id=CONDITION, limit=None
    )
    return [((s.diagnosis_area_id, s.diagnosis_code_id, s.resolution_id), s.score) for s in found]


def naive(lines: Sequence[PastLine]) -> Ranked:
    """The formula as written: a Counter per level over the whole history, fractions."""

    def counted(line: PastLine) -> bool:
        return (
            line.symptom_area_id == AREA
            and line.finished_at is not None
            and line.diagnosis_area_id is not None
            and line.diagnosis_code_id is not None
            and line.resolution_id is not None
        )

    def triple(line: PastLine) -> tuple[str, str, str]:
        return (line.diagnosis_area_id, line.diagnosis_code_id, line.resolution_id)  # type: ignore[return-value]

    by_area = Counter(triple(line) for line in lines if counted(line))
    by_code = Counter(
        triple(line) for line in lines if counted(line) and line.symptom_code_id == CODE
    )
    by_exact = Counter(
        triple(line)
        for line in lines
        if counted(line) and line.symptom_code_id == CODE and line.condition_id == CONDITION
    )
    n_area, n_code, n_exact = by_area.total(), by_code.total(), by_exact.total()
    keyed = []
    for key, count in by_area.items():
        code_share = (by_code[key] + Fraction(count, n_area)) / (n_code + 1)
        score = (by_exact[key] + code_share) / (n_exact + 1)
        keyed.append(((-score, -by_exact[key], -by_code[key], -count, key), key, score))
    keyed.sort()
    return [(key, score) for _, key, score in keyed]


# ------------------------------------------------------------------------ measurements


def timed(work: Callable[[], Ranked], repeats: int) -> tuple[float, Ranked, dict[str, Any]]:
    """The best wall time of ``repeats`` runs (collector on), the result and its collections."""
    best = float("inf")
    result: Ranked = []
    spent = CollectorTime()
    for _ in range(repeats):
        gc.collect()
        with spent:
            began = time.perf_counter()
            result = work()
            best = min(best, time.perf_counter() - began)
    return best, result, spent.report()


def measure(name: str, lines: list[PastLine], repeats: int, quick: bool) -> dict[str, Any]:
    ours_seconds, mine, collector = timed(lambda: ours(lines), repeats)
    naive_seconds, theirs, _ = timed(lambda: naive(lines), repeats)
    return {
        "workload": name,
        "operation": "suggest_resolutions(history, symptom_area_id, symptom_code_id, "
        "condition_id, limit=None)",
        "lines": len(lines),
        "lines_in_area": sum(line.symptom_area_id == AREA for line in lines),
        "suggestions": len(mine),
        "repeats": repeats,
        "collector": "on",
        "what": "best of the repeats, the collector on, the result kept",
        "ours_seconds": round(ours_seconds, 6),
        "naive_seconds": round(naive_seconds, 6),
        "ratio_to_naive": round(naive_seconds / ours_seconds, 2),
        "agrees": mine == theirs,
        "target_seconds": TARGET_SECONDS,
        "meets_target": ours_seconds < TARGET_SECONDS,
        "quick": quick,
        **{f"ours_{key}": value for key, value in collector.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer lines, once")
    parser.add_argument("--lines", type=int, default=None)
    arguments = parser.parse_args()
    quick = bool(arguments.quick)
    count = arguments.lines or (QUICK_LINES if quick else LINES)
    repeats = 1 if quick else REPEATS
    results = []
    for name, one_area in (
        ("suggest_resolutions", False),
        ("suggest_resolutions_one_area", True),
    ):
        lines = history(count, random.Random(SEED), one_area=one_area)
        line = measure(name, lines, repeats, quick)
        print(json.dumps(line), flush=True)
        results.append(line)
    if not all(line["agrees"] for line in results):
        return 2
    return 0 if quick or all(line["meets_target"] for line in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
