"""``python -m servicedomain``: the demo and the command-line entry point.

``python -m servicedomain demo`` exercises every capability built so far and prints its
reports; ``python -m servicedomain --version`` prints the version.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TextIO

from servicedomain import __version__
from servicedomain.instants import LocalTimePolicy, local_datetime, resolve_local
from servicedomain.money import Money, Rounding, allocate
from servicedomain.periods import MONTHLY, QUARTERLY, Alignment, DateRange, Schedule

__all__ = ["main"]


def _heading(out: TextIO, title: str) -> None:
    out.write(f"\n{title}\n{'=' * len(title)}\n")


def _demo_schedules(out: TextIO) -> None:
    _heading(out, "Periods: a monthly schedule anchored on January 31")
    schedule = Schedule(MONTHLY, date(2024, 1, 31))
    out.write("Every period is computed from the anchor, never chained from the last one.\n")
    for index in range(6):
        period = schedule.period(index)
        out.write(f"  {index}: {period.start} .. {period.last}  ({period.days:>2} days)\n")
    calendar = Schedule(QUARTERLY, date(2024, 2, 15), Alignment.CALENDAR)
    out.write("A quarterly schedule on calendar quarters, with a first stub:\n")
    for period in calendar.periods(DateRange(date(2024, 2, 15), date(2025, 1, 1))):
        out.write(f"  {period}  ({period.days:>2} days)\n")


def _demo_money(out: TextIO) -> None:
    _heading(out, "Money: allocating 100.00 EUR into three parts")
    total = Money(Decimal("100.00"), "EUR")
    parts = allocate(total, [1, 1, 1])
    for index, part in enumerate(parts, start=1):
        out.write(f"  part {index}: {part}\n")
    out.write(f"  sum:    {Money.total(parts, 'EUR')} (exactly the total)\n")
    line = Money(Decimal("85.00"), "EUR") * Decimal("0.333")
    out.write(f"  0.333 h x 85.00 EUR = {line.amount} exact, ")
    out.write(f"{line.round()} half-up, {line.round(Rounding.HALF_EVEN)} half-even\n")


def _demo_time(out: TextIO) -> None:
    _heading(out, "Time: a wall time in a DST gap, resolved by an explicit policy")
    wall = datetime(2024, 3, 31, 2, 30)  # noqa: DTZ001 (a wall-clock reading, naive on purpose)
    for policy in (LocalTimePolicy.EARLIER, LocalTimePolicy.LATER):
        instant = resolve_local(wall, "Europe/Paris", nonexistent=policy)
        shown = local_datetime(instant, "Europe/Paris")
        out.write(f"  02:30 in Paris on 2024-03-31, {policy.value:>7}: {instant} = {shown}\n")


DEMO_PARTS: tuple[Callable[[TextIO], None], ...] = (_demo_schedules, _demo_money, _demo_time)


def run_demo(out: TextIO) -> None:
    """Print the demo of every capability to ``out``."""
    out.write(f"servicedomain {__version__} demo\n")
    for part in DEMO_PARTS:
        part(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m servicedomain",
        description="The after-sales service-management domain, as a library.",
    )
    parser.add_argument("--version", action="version", version=f"servicedomain {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="exercise every capability and print its reports")
    parser.parse_args(argv)
    run_demo(sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
