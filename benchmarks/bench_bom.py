"""Benchmark of a versioned service BOM's ``as_of`` through the public API.

Run: ``python benchmarks/bench_bom.py`` (``--quick`` for a smoke run). Prints one JSON
line per workload and exits non-zero when a target is missed (never in quick mode).

The BOM of issue 16: a template of 1,000 lines (100 top lines of 9 sub-lines each)
attached to a relation, then 10,000 changes drawn from a fixed seed over about 1,000
days (ten a day), recorded through the public change actions: quantity updates (add and
subtract) and replacements of quantities, part replacements (new serial number, some
with a new item or a billable order line), leaf lines inserted and deleted (so the BOM
keeps about 1,000 lines; 1,000 or so more come and go over its history).

* ``as_of``: ``bom.as_of(day)`` for days drawn uniformly over the history, every result
  kept until the timing ends, garbage collector on; the first call, which builds the
  per-line index, is timed on its own (``first_call_seconds``). The reference is the
  naive full replay ``replay_bom(bom.template_lines, bom.changes, through=day)`` for
  (fewer of) the same days; every result is checked against it (``mismatched_days``).
  Target: under 5 ms per call.
* ``as_of_collector_off``: the same, the collector off (for reference).
* ``as_of_after_each_change``: 200 more changes, each followed by ``as_of`` of a random
  day on the new snapshot (the day index is extended and shared along the snapshots,
  not rebuilt); the reference is the naive full replay. Target: under 5 ms per call.
* ``record_changes``: the 10,000 changes recorded one by one through the change actions
  (``insert_line``, ``update_quantity``, ...; each checks its change and returns a new
  snapshot), against the validating constructor reading the same history at once.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _collector import CollectorTime

from servicedomain.money import Money
from servicedomain.repairs import (
    BillableItem,
    BomLine,
    BomLineInserted,
    RelationKind,
    ServiceBom,
    ServiceObjectRelation,
    TemplateBom,
    replay_bom,
)

SEED = 20260302
TOPS, CHILDREN, CHANGES, PER_DAY = 100, 9, 10_000, 10
QUICK = (20, 9, 2_000, 10)
CALLS, REFERENCE_CALLS, INTERLEAVED = 500, 20, 200
TARGET_SECONDS_PER_CALL = 0.005
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
START = date(2024, 1, 1)


def template(tops: int, children: int) -> TemplateBom:
    """``tops`` top lines of ``children`` sub-lines each."""
    lines = []
    for top in range(tops):
        lines.append(BomLine(line_id=f"T{top}", item_id=f"ASSY-{top % 7}", quantity=1))
        lines.extend(
            BomLine(
                line_id=f"T{top}.{child}",
                item_id=f"PART-{child}",
                quantity=2,
                unit="pcs",
                parent_id=f"T{top}",
                serial_number=f"SN-{top}-{child}",
            )
            for child in range(children)
        )
    return TemplateBom(id="T-BENCH", lines=lines)


def history(rng: random.Random, tops: int, children: int, changes: int) -> ServiceBom:
    """The benchmark's BOM: ``changes`` changes, ``PER_DAY`` a day, through the API.

    A drawn change that changes nothing (a quantity set to what it is) records
    nothing; the loop runs until ``changes`` are recorded.
    """
    bom, _ = ServiceBom.attach(
        template(tops, children),
        id="B-BENCH",
        relation=ServiceObjectRelation("R-1", "OBJ-1", RelationKind.ORDER, "SO-1"),
        on=START,
        at=AT,
    )
    price = Money(25, "EUR")
    inserted: list[str] = []
    while len(bom.changes) < changes:  # a change that changes nothing records nothing
        number = len(bom.changes)
        where: dict[str, Any] = {
            "on": START + timedelta(days=number // PER_DAY),
            "order_id": f"SO-{number // 50}",
            "at": AT,
        }
        roll = rng.random()
        if roll < 0.1 or (roll < 0.2 and not inserted):
            parent = f"T{rng.randrange(tops)}"
            line = BomLine(line_id=f"N{number}", item_id="SPARE", quantity=1, parent_id=parent)
            bom, _ = bom.insert_line(line, **where)
            inserted.append(line.line_id)
            continue
        if roll < 0.2:
            bom, _ = bom.delete_line(inserted.pop(rng.randrange(len(inserted))), **where)
            continue
        line_id = f"T{rng.randrange(tops)}.{rng.randrange(children)}"
        held = bom.line(line_id).quantity
        if roll < 0.5:
            delta = rng.choice((1, 2, -1)) if held >= 1 else 1
            bom, _ = bom.update_quantity(line_id, delta, **where)
        elif roll < 0.7:
            bom, _ = bom.replace_quantity(line_id, rng.randrange(1, 5), **where)
        else:
            billable = (
                BillableItem(item_id="PART-X", quantity=held, sales_price=price)
                if rng.random() < 0.3
                else None
            )
            bom, _ = bom.replace_item(
                line_id,
                new_serial_number=f"SN-{number}",
                new_item_id="PART-X" if rng.random() < 0.2 else None,
                order_line=billable,
                **where,
            )
    return bom


def per_call(work: Callable[[date], object], days: list[date]) -> tuple[float, list[object]]:
    """Seconds per call of ``work`` over ``days``, and the results (kept while timed)."""
    start = time.perf_counter()
    kept = [work(day) for day in days]
    return (time.perf_counter() - start) / len(days), kept


def measure_as_of(bom: ServiceBom, rng: random.Random, *, quick: bool) -> list[dict[str, Any]]:
    last = bom.last_change_on or bom.attached_on
    span = (last - bom.attached_on).days
    days = [bom.attached_on + timedelta(days=rng.randrange(span)) for _ in range(CALLS)]
    reference_days = days[:REFERENCE_CALLS]
    lines: list[dict[str, Any]] = []
    for collector in ("on", "off"):
        fresh = ServiceBom(  # a fresh snapshot: its index is not built yet
            id=bom.id,
            version=bom.version,
            service_object_id=bom.service_object_id,
            relation_id=bom.relation_id,
            template_id=bom.template_id,
            attached_on=bom.attached_on,
            template_lines=bom.template_lines,
            changes=bom.changes,
        )
        gc.collect()
        if collector == "off":
            gc.disable()
        try:
            with CollectorTime() as spent:
                first, _ = per_call(fresh.as_of, days[:1])
                ours, kept = per_call(fresh.as_of, days)
                naive, expected = per_call(
                    lambda day: replay_bom(bom.template_lines, bom.changes, through=day),
                    reference_days,
                )
        finally:
            gc.enable()
        line: dict[str, Any] = {
            "workload": "as_of" if collector == "on" else "as_of_collector_off",
            "collector": collector,
            "quick": quick,
            "what": "as_of(day) over random days of the history, results kept",
            "lines_now": len(bom.current),
            "lines_ever": len({x.line_id for x in bom.template_lines})
            + sum(1 for c in bom.changes if isinstance(c, BomLineInserted)),
            "changes": len(bom.changes),
            "days": span + 1,
            "calls": len(days),
            "first_call_seconds": round(first, 6),
            "seconds_per_call": round(ours, 6),
            "naive_replay_seconds_per_call": round(naive, 6),
            "ratio_to_naive_replay": round(naive / ours, 2),
            "mismatched_days": sum(1 for a, b in zip(kept, expected, strict=False) if a != b),
            "collector_time": spent.report(),
        }
        if collector == "on":
            line["target_seconds_per_call"] = TARGET_SECONDS_PER_CALL
            line["meets_target"] = ours < TARGET_SECONDS_PER_CALL and line["mismatched_days"] == 0
        lines.append(line)
    return lines


def measure_interleaved(bom: ServiceBom, rng: random.Random, *, quick: bool) -> dict[str, Any]:
    """``as_of`` right after each of ``INTERLEAVED`` more changes: each a new snapshot."""
    bom.as_of(bom.attached_on)  # the index of the snapshot we start from
    last = bom.last_change_on or bom.attached_on
    span = (last - bom.attached_on).days
    lines = [x.line_id for x in bom.current if x.parent_id is not None and x.quantity > 0]
    as_of_seconds, kept = 0.0, []
    gc.collect()
    with CollectorTime() as spent:
        for number in range(INTERLEAVED):
            bom, _ = bom.update_quantity(
                rng.choice(lines), 1, on=last, order_id=f"SO-X{number}", at=AT
            )
            day = bom.attached_on + timedelta(days=rng.randrange(span))
            start = time.perf_counter()
            kept.append(bom.as_of(day))
            as_of_seconds += time.perf_counter() - start
    checked = kept[-REFERENCE_CALLS:]
    days = [bom.attached_on + timedelta(days=rng.randrange(span)) for _ in checked]
    start = time.perf_counter()
    for day in days:
        replay_bom(bom.template_lines, bom.changes, through=day)
    naive = (time.perf_counter() - start) / len(days)
    ours = as_of_seconds / INTERLEAVED
    return {
        "workload": "as_of_after_each_change",
        "collector": "on",
        "quick": quick,
        "what": "a change, then as_of(day) on the new snapshot, results kept",
        "changes": len(bom.changes),
        "calls": INTERLEAVED,
        "seconds_per_call": round(ours, 6),
        "naive_replay_seconds_per_call": round(naive, 6),
        "ratio_to_naive_replay": round(naive / ours, 2),
        "target_seconds_per_call": TARGET_SECONDS_PER_CALL,
        "meets_target": ours < TARGET_SECONDS_PER_CALL,
        "collector_time": spent.report(),
    }


def measure_recording(sizes: tuple[int, int, int], *, quick: bool) -> dict[str, Any]:
    tops, children, changes = sizes
    gc.collect()
    with CollectorTime() as spent:
        start = time.perf_counter()
        bom = history(random.Random(SEED), tops, children, changes)
        recorded = time.perf_counter() - start
        start = time.perf_counter()
        read = ServiceBom(
            id=bom.id,
            version=bom.version,
            service_object_id=bom.service_object_id,
            relation_id=bom.relation_id,
            template_id=bom.template_id,
            attached_on=bom.attached_on,
            template_lines=bom.template_lines,
            changes=bom.changes,
        )
        constructed = time.perf_counter() - start
    assert read == bom
    return {
        "workload": "record_changes",
        "collector": "on",
        "quick": quick,
        "what": "the changes recorded one by one through the change actions",
        "changes": len(bom.changes),
        "seconds": round(recorded, 4),
        "seconds_per_change": round(recorded / len(bom.changes), 7),
        "constructor_seconds": round(constructed, 4),
        "ratio_to_constructor": round(constructed / recorded, 3),
        "collector_time": spent.report(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    quick = parser.parse_args(argv).quick
    tops, children, changes, _ = QUICK if quick else (TOPS, CHILDREN, CHANGES, PER_DAY)
    bom = history(random.Random(SEED), tops, children, changes)
    lines = measure_as_of(bom, random.Random(SEED + 1), quick=quick)
    lines.append(measure_interleaved(bom, random.Random(SEED + 2), quick=quick))
    lines.append(measure_recording((tops, children, changes), quick=quick))
    for line in lines:
        print(json.dumps(line))
    missed = [line["workload"] for line in lines if line.get("meets_target") is False]
    return 1 if missed and not quick else 0


if __name__ == "__main__":
    raise SystemExit(main())
