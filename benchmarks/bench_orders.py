"""Benchmarks of service orders: building lines, stage changes and bulk posting.

Run: ``python benchmarks/bench_orders.py``. Prints one JSON line per workload with the
throughput and the target it must meet on a 2-core machine.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.indexed_memory import IndexedJournal, IndexedStore, IndexedUnitOfWork
from servicedomain.app import ServiceDesk
from servicedomain.money import Money
from servicedomain.orders import NewLine, ServiceOrder, TransactionType
from servicedomain.periods import DateRange
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ORDERS = 2_000
LINES = 5


def measure(name: str, units: int, unit: str, target: float, work: Callable[[], object]) -> bool:
    """Time ``work`` and print one JSON line: ``units`` per second against ``target``."""
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    rate = units / seconds
    print(
        json.dumps(
            {
                "workload": name,
                unit: units,
                "seconds": round(seconds, 4),
                f"{unit}_per_second": round(rate),
                "target_per_second": target,
                "meets_target": rate >= target,
            }
        )
    )
    return rate >= target


def new_lines() -> list[NewLine]:
    kinds = list(TransactionType)
    return [
        NewLine(
            transaction_type=kinds[number % len(kinds)],
            description=f"line {number}",
            quantity=Decimal("1.5"),
            unit="h",
            cost_price=Money(Decimal("40.00"), "EUR"),
            sales_price=Money(Decimal("85.00"), "EUR"),
            execution_date=date(2026, 3, 2),
        )
        for number in range(LINES)
    ]


def ready_orders() -> list[ServiceOrder]:
    orders = []
    lines = new_lines()
    for index in range(ORDERS):
        order, _ = ServiceOrder.create(
            GRAPH, id=f"SO-{index:05d}", customer_id="C-1", at=AT, lines=lines
        )
        for stage in ("PLANNED", "IN_PROCESS", "COMPLETED"):
            order, _ = order.change_stage(GRAPH, stage, at=AT)
        order, _ = order.sign_off(at=AT)
        orders.append(order)
    return orders


def main() -> int:
    results = [measure("create, walk 3 stages, sign off", ORDERS, "orders", 1_000, ready_orders)]
    store = IndexedStore()
    repository = store.repository(ServiceOrder)
    for order in ready_orders():
        repository.add(order)
    journals = {kind: IndexedJournal(kind.name) for kind in TransactionType}
    desk = ServiceDesk(
        unit_of_work=lambda: IndexedUnitOfWork(store),
        clock=FixedClock(AT),
        graph=GRAPH,
        journals=journals,
    )

    def post() -> None:
        result = desk.post_orders(
            order_ids=[f"SO-{index:05d}" for index in range(ORDERS)],
            period=DateRange(date(2026, 3, 1), date(2026, 4, 1)),
            types=set(TransactionType),
        )
        assert len(result.posted) == ORDERS * LINES

    # The workload keeps its name of before the desk, so that runs compare.
    results.append(measure("post_service_orders (memory)", ORDERS * LINES, "lines", 5_000, post))
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
