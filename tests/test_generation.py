"""Generating service orders from agreements: the catalog's examples and every rule."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from servicedomain.agreements import (
    AgreementGroup,
    AgreementLine,
    GeneratedOrderKey,
    Generation,
    GroupBy,
    IntervalUnit,
    ServiceAgreement,
    ServiceInterval,
    TimeWindow,
    WindowKind,
    default_order_id,
    generate_service_orders,
)
from servicedomain.errors import (
    InvalidInputError,
    InvalidTimezoneError,
    NaiveDatetimeError,
    ServiceDomainError,
    TypeMismatchError,
)
from servicedomain.money import Money
from servicedomain.orders import (
    LineStatus,
    Origin,
    ServiceOrder,
    ServiceOrderCreated,
    ServiceTask,
    TransactionType,
)
from servicedomain.periods import DateRange
from servicedomain.repairs import RelationKind, ServiceObjectRelation
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH

AT = datetime(2007, 3, 30, 8, 0, tzinfo=UTC)
ALL = frozenset(TransactionType)
HOUR, FEE = TransactionType.HOUR, TransactionType.FEE
DAILY = ServiceInterval(IntervalUnit.DAY, 1)
WEEKLY = ServiceInterval(IntervalUnit.WEEK, 1)
BIWEEKLY = ServiceInterval(IntervalUnit.WEEK, 2)
MONTHLY = ServiceInterval(IntervalUnit.MONTH, 1)
MONTH_WINDOW = TimeWindow(WindowKind.MONTH)
WEEK_WINDOW = TimeWindow(WindowKind.WEEK)
OBJECT_IDS = ("X-1", "X-2")


def relations(agreement_id: str = "AG-1") -> tuple[ServiceObjectRelation, ...]:
    """The objects X-1 and X-2 related to the agreement ``agreement_id``."""
    return tuple(
        ServiceObjectRelation(f"R-{obj}", obj, RelationKind.AGREEMENT, agreement_id)
        for obj in OBJECT_IDS
    )


OBJECTS = relations()
TASKS = (ServiceTask("T-1", "Inspect"), ServiceTask("T-2", "Clean"))


def bad(value: object) -> Any:
    """A value of the wrong type, passed on purpose (typed Any for mypy)."""
    return value


def ln(
    number: int, start: date, interval: ServiceInterval | None = None, **kw: Any
) -> AgreementLine:
    fields: dict[str, Any] = {
        "number": number,
        "transaction_type": HOUR,
        "description": f"line {number}",
        "quantity": Decimal("1.5"),
        "unit": "h",
        "cost_price": Money(40, "EUR"),
        "sales_price": Money(85, "EUR"),
        "interval": interval,
        "start_date": start,
    }
    fields.update(kw)
    return AgreementLine(**fields)


def make(*lines: AgreementLine, **kw: Any) -> ServiceAgreement:
    fields: dict[str, Any] = {
        "id": "AG-1",
        "version": 1,
        "description": "Boiler maintenance",
        "customer_id": "C-1",
        "project_id": "P-1",
        "group": AgreementGroup("MAINT", default_sla_id="SLA-GROUP"),
        "start_date": min((line.start_date for line in lines), default=date(2000, 1, 1)),
        "responsible_worker_id": "W-RESP",
        "preferred_technician_id": "W-TECH",
        "service_tasks": TASKS,
        "lines": lines,
    }
    fields.update(kw)
    fields.setdefault("object_relations", relations(fields["id"]))
    return ServiceAgreement(**fields)


def gen(
    agreements: ServiceAgreement | list[ServiceAgreement], period: DateRange, **kw: Any
) -> Generation:
    given = [agreements] if isinstance(agreements, ServiceAgreement) else agreements
    kw.setdefault("types", ALL)
    kw.setdefault("at", AT)
    return generate_service_orders(given, GRAPH, period=period, **kw)


def days(first: date, last: date) -> DateRange:
    return DateRange.inclusive(first, last)


def service_dates(run: Generation) -> list[date]:
    dates = []
    for order in run.orders:
        assert order.lines[0].date_range is not None
        dates.append(order.lines[0].date_range.start)
    return dates


def plan(run: Generation) -> list[tuple[str, list[tuple[int, str, str]]]]:
    """Each order's id and its lines as (agreement line, calculated date, service date)."""
    out = []
    for order in run.orders:
        rows = []
        for line in order.lines:
            assert line.agreement_line is not None
            assert line.calculated_date is not None
            assert line.date_range is not None
            rows.append(
                (
                    line.agreement_line.line_number,
                    line.calculated_date.isoformat(),
                    line.date_range.start.isoformat(),
                )
            )
        out.append((order.id, rows))
    return out


class Weekends:
    def is_closed(self, day: date) -> bool:
        return day.weekday() >= 5


class Closed:
    def __init__(self, *closed: date) -> None:
        self.closed = set(closed)
        self.asked: list[date] = []

    def is_closed(self, day: date) -> bool:
        self.asked.append(day)
        return day in self.closed


# ------------------------------------------------------------- the catalog's examples


def worked_example() -> ServiceAgreement:
    start = date(2007, 4, 1)
    return make(
        ln(1, start, WEEKLY, service_object_id="X-1"),
        ln(2, start, BIWEEKLY, service_object_id="X-2"),
        ln(3, start, WEEKLY, service_object_id="X-2"),
        group_by=GroupBy.SERVICE_OBJECT,
    )


def test_s9_worked_example_makes_ten_orders() -> None:
    run = gen(worked_example(), days(date(2007, 4, 1), date(2007, 4, 30)))
    assert len(run.orders) == 10
    summary = [
        (o.id, [ln.agreement_line.line_number for ln in o.lines if ln.agreement_line])
        for o in run.orders
    ]
    assert summary == [
        ("AG-1/2007-04-01/X-1", [1]),
        ("AG-1/2007-04-01/X-2", [2, 3]),
        ("AG-1/2007-04-08/X-1", [1]),
        ("AG-1/2007-04-08/X-2", [3]),
        ("AG-1/2007-04-15/X-1", [1]),
        ("AG-1/2007-04-15/X-2", [2, 3]),
        ("AG-1/2007-04-22/X-1", [1]),
        ("AG-1/2007-04-22/X-2", [3]),
        ("AG-1/2007-04-29/X-1", [1]),
        ("AG-1/2007-04-29/X-2", [2, 3]),
    ]
    assert run.lines_count == 13
    assert run.keys[1] == GeneratedOrderKey("AG-1", date(2007, 4, 1), "X-2")


def test_the_to_date_is_inclusive_only_through_date_range_inclusive() -> None:
    inclusive = gen(worked_example(), days(date(2007, 4, 1), date(2007, 4, 29)))
    half_open = gen(worked_example(), DateRange(date(2007, 4, 1), date(2007, 4, 29)))
    assert date(2007, 4, 29) in service_dates(inclusive)
    assert len(inclusive.orders) == 10
    assert date(2007, 4, 29) not in service_dates(half_open)
    assert len(half_open.orders) == 8


def test_clamped_to_the_agreement_dates() -> None:
    daily = make(
        ln(1, date(2012, 1, 1), DAILY), start_date=date(2012, 1, 1), end_date=date(2012, 12, 31)
    )
    run = gen(daily, days(date(2012, 11, 1), date(2013, 2, 1)))
    dates = service_dates(run)
    assert (dates[0], dates[-1], len(dates)) == (date(2012, 11, 1), date(2012, 12, 31), 61)


def test_a_line_outside_the_period_is_skipped_and_an_open_line_runs_on() -> None:
    agreement = make(
        ln(1, date(2012, 1, 2), WEEKLY),
        ln(2, date(2012, 6, 4), WEEKLY, end_date=date(2012, 6, 30)),
    )
    november = gen(agreement, days(date(2012, 11, 1), date(2012, 11, 30)))
    assert {
        ln.agreement_line.line_number
        for o in november.orders
        for ln in o.lines
        if ln.agreement_line
    } == {1}
    assert service_dates(november) == [date(2012, 11, d) for d in (5, 12, 19, 26)]
    later = gen(agreement, days(date(2030, 1, 1), date(2030, 1, 31)))
    assert service_dates(later) == [date(2030, 1, d) for d in (7, 14, 21, 28)]


def test_line_and_agreement_end_dates_are_inclusive() -> None:
    line_end = make(ln(1, date(2007, 4, 1), WEEKLY, end_date=date(2007, 4, 15)))
    assert service_dates(gen(line_end, days(date(2007, 4, 1), date(2007, 4, 30)))) == [
        date(2007, 4, 1),
        date(2007, 4, 8),
        date(2007, 4, 15),
    ]
    agreement_end = make(ln(1, date(2007, 4, 1), WEEKLY), end_date=date(2007, 4, 8))
    assert service_dates(gen(agreement_end, days(date(2007, 4, 1), date(2007, 4, 30)))) == [
        date(2007, 4, 1),
        date(2007, 4, 8),
    ]


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (date(2007, 4, 1), date(2007, 4, 30), [1, 11, 21]),  # [S6]: "3 lines" in April
        (date(2007, 1, 1), date(2007, 1, 31), [1, 11, 21, 31]),  # a 31-day month: 4
    ],
)
def test_s6_every_ten_days_over_a_month(first: date, last: date, expected: list[int]) -> None:
    every_ten = make(ln(1, first, ServiceInterval(IntervalUnit.DAY, 10)))
    run = gen(every_ten, days(first, last))
    assert [d.day for d in service_dates(run)] == expected


def test_occurrences_count_from_the_line_start_not_the_period_or_the_agreement() -> None:
    agreement = make(ln(1, date(2012, 1, 2), WEEKLY), start_date=date(2012, 1, 5))
    run = gen(agreement, days(date(2012, 1, 1), date(2012, 1, 31)))
    assert service_dates(run) == [date(2012, 1, d) for d in (9, 16, 23, 30)]
    mid = gen(agreement, days(date(2012, 1, 10), date(2012, 1, 31)))
    assert service_dates(mid) == [date(2012, 1, d) for d in (16, 23, 30)]


def test_a_line_without_interval_occurs_once() -> None:
    once = make(ln(1, date(2012, 3, 7)))
    assert service_dates(gen(once, days(date(2012, 1, 1), date(2012, 12, 31)))) == [
        date(2012, 3, 7)
    ]
    assert gen(once, days(date(2012, 4, 1), date(2012, 12, 31))).orders == ()


def test_monthly_from_a_month_end_clamps() -> None:
    monthly = make(ln(1, date(2012, 1, 31), MONTHLY))
    run = gen(monthly, days(date(2012, 1, 1), date(2012, 5, 31)))
    assert service_dates(run) == [
        date(2012, 1, 31),
        date(2012, 2, 29),
        date(2012, 3, 31),
        date(2012, 4, 30),
        date(2012, 5, 31),
    ]


# --------------------------------------------------------------------- time windows

FEB = days(date(2012, 2, 1), date(2012, 2, 29))


def test_s8_a_month_window_moves_15_feb_to_where_other_lines_are() -> None:
    agreement = make(
        ln(1, date(2012, 1, 15), MONTHLY, time_window=MONTH_WINDOW),
        ln(2, date(2012, 2, 6), WEEKLY),
    )
    assert plan(gen(agreement, FEB)) == [
        ("AG-1/2012-02-06", [(2, "2012-02-06", "2012-02-06")]),
        ("AG-1/2012-02-13", [(1, "2012-02-15", "2012-02-13"), (2, "2012-02-13", "2012-02-13")]),
        ("AG-1/2012-02-20", [(2, "2012-02-20", "2012-02-20")]),
        ("AG-1/2012-02-27", [(2, "2012-02-27", "2012-02-27")]),
    ]


def test_the_date_with_most_other_lines_wins_over_the_nearest() -> None:
    agreement = make(
        ln(1, date(2012, 1, 15), MONTHLY, time_window=MONTH_WINDOW),
        ln(2, date(2012, 2, 6), WEEKLY),
        ln(3, date(2012, 2, 27)),
        ln(4, date(2012, 2, 27)),
    )
    run = gen(agreement, FEB)
    assert plan(run)[-1] == (
        "AG-1/2012-02-27",
        [
            (1, "2012-02-15", "2012-02-27"),
            (2, "2012-02-27", "2012-02-27"),
            (3, "2012-02-27", "2012-02-27"),
            (4, "2012-02-27", "2012-02-27"),
        ],
    )
    assert len(run.orders) == 4


def test_ties_go_to_the_nearest_then_the_earliest() -> None:
    nearest = make(
        ln(1, date(2012, 1, 15), MONTHLY, time_window=MONTH_WINDOW, end_date=date(2012, 2, 29)),
        ln(2, date(2012, 2, 10)),
        ln(3, date(2012, 2, 17)),
    )
    assert service_dates(gen(nearest, FEB)) == [date(2012, 2, 10), date(2012, 2, 17)]
    assert plan(gen(nearest, FEB))[1][1][0] == (1, "2012-02-15", "2012-02-17")
    earliest = make(
        ln(1, date(2012, 1, 15), MONTHLY, time_window=MONTH_WINDOW, end_date=date(2012, 2, 29)),
        ln(2, date(2012, 2, 13)),
        ln(3, date(2012, 2, 17)),
    )
    assert plan(gen(earliest, FEB))[0] == (
        "AG-1/2012-02-13",
        [(1, "2012-02-15", "2012-02-13"), (2, "2012-02-13", "2012-02-13")],
    )


def test_the_calculated_date_stays_when_other_lines_are_on_it() -> None:
    agreement = make(
        ln(1, date(2012, 1, 15), MONTHLY, time_window=MONTH_WINDOW, end_date=date(2012, 2, 29)),
        ln(2, date(2012, 2, 15)),
        ln(3, date(2012, 2, 14)),
    )
    assert plan(gen(agreement, FEB))[1] == (
        "AG-1/2012-02-15",
        [(1, "2012-02-15", "2012-02-15"), (2, "2012-02-15", "2012-02-15")],
    )


def test_a_week_window_stays_in_the_iso_week() -> None:
    agreement = make(
        ln(1, date(2012, 1, 15), MONTHLY, time_window=WEEK_WINDOW),  # Feb 15 is a Wednesday
        ln(2, date(2012, 2, 12)),  # Sunday of the week before
        ln(3, date(2012, 2, 20)),  # Monday of the week after
        ln(4, date(2012, 2, 19)),  # Sunday of the same week
    )
    assert plan(gen(agreement, FEB))[1] == (
        "AG-1/2012-02-19",
        [(1, "2012-02-15", "2012-02-19"), (4, "2012-02-19", "2012-02-19")],
    )


def test_a_days_window_reaches_its_days_only() -> None:
    window = TimeWindow(WindowKind.DAYS, days_before=1, days_after=3)
    agreement = make(
        ln(1, date(2012, 1, 15), MONTHLY, time_window=window, end_date=date(2012, 2, 29)),
        ln(2, date(2012, 2, 13)),  # two days before: out of reach
        ln(3, date(2012, 2, 18)),  # three days after: in reach
    )
    assert plan(gen(agreement, FEB)) == [
        ("AG-1/2012-02-13", [(2, "2012-02-13", "2012-02-13")]),
        ("AG-1/2012-02-18", [(1, "2012-02-15", "2012-02-18"), (3, "2012-02-18", "2012-02-18")]),
    ]


def test_without_a_window_a_line_stays_on_its_date() -> None:
    agreement = make(ln(1, date(2012, 2, 15)), ln(2, date(2012, 2, 14)))
    assert service_dates(gen(agreement, FEB)) == [date(2012, 2, 14), date(2012, 2, 15)]


def test_occurrences_of_one_line_do_not_attract_each_other() -> None:
    alone = make(ln(1, date(2012, 2, 6), WEEKLY, time_window=MONTH_WINDOW))
    assert plan(gen(alone, FEB)) == [
        (f"AG-1/2012-02-{d:02}", [(1, f"2012-02-{d:02}", f"2012-02-{d:02}")])
        for d in (6, 13, 20, 27)
    ]


def test_a_window_never_moves_onto_a_closed_day() -> None:
    agreement = make(
        ln(1, date(2012, 2, 15), time_window=MONTH_WINDOW),
        ln(2, date(2012, 2, 18)),  # a Saturday, closed
        ln(3, date(2012, 2, 23)),
    )
    run = gen(agreement, FEB, closed_days=Weekends())
    assert plan(run) == [
        ("AG-1/2012-02-18", [(2, "2012-02-18", "2012-02-18")]),
        ("AG-1/2012-02-23", [(1, "2012-02-15", "2012-02-23"), (3, "2012-02-23", "2012-02-23")]),
    ]
    assert run.conflicts == (GeneratedOrderKey("AG-1", date(2012, 2, 18)),)
    open_weekends = gen(agreement, FEB)
    assert plan(open_weekends)[0][0] == "AG-1/2012-02-18"
    assert len(open_weekends.orders[0].lines) == 2


def test_a_window_stays_inside_the_line_and_agreement_dates() -> None:
    line_end = make(
        ln(1, date(2012, 2, 15), MONTHLY, time_window=MONTH_WINDOW, end_date=date(2012, 2, 16)),
        ln(2, date(2012, 2, 17)),
    )
    assert service_dates(gen(line_end, FEB)) == [date(2012, 2, 15), date(2012, 2, 17)]
    one_time = make(ln(1, date(2012, 2, 15), time_window=MONTH_WINDOW), ln(2, date(2012, 2, 13)))
    assert service_dates(gen(one_time, FEB)) == [date(2012, 2, 13), date(2012, 2, 15)]
    agreement_start = make(
        ln(1, date(2012, 1, 15), MONTHLY, time_window=MONTH_WINDOW),
        ln(2, date(2012, 2, 6), WEEKLY),
        start_date=date(2012, 2, 14),
    )
    assert plan(gen(agreement_start, FEB)) == [
        ("AG-1/2012-02-20", [(1, "2012-02-15", "2012-02-20"), (2, "2012-02-20", "2012-02-20")]),
        ("AG-1/2012-02-27", [(2, "2012-02-27", "2012-02-27")]),
    ]


def test_lines_of_types_not_generated_still_attract() -> None:
    agreement = make(
        ln(1, date(2012, 1, 15), MONTHLY, time_window=MONTH_WINDOW, end_date=date(2012, 2, 29)),
        ln(2, date(2012, 2, 13), transaction_type=FEE, cost_price=Money(0, "EUR")),
    )
    hours = gen(agreement, FEB, types={HOUR})
    assert plan(hours) == [("AG-1/2012-02-13", [(1, "2012-02-15", "2012-02-13")])]
    fees = gen(agreement, FEB, types={FEE})
    assert plan(fees) == [("AG-1/2012-02-13", [(2, "2012-02-13", "2012-02-13")])]


def test_windows_attract_only_within_the_order_group() -> None:
    agreement = make(
        ln(1, date(2012, 1, 15), MONTHLY, time_window=MONTH_WINDOW, service_object_id="X-1"),
        ln(2, date(2012, 2, 14), service_object_id="X-2"),
        ln(3, date(2012, 2, 20), service_object_id="X-1"),
        group_by=GroupBy.SERVICE_OBJECT,
    )
    assert plan(gen(agreement, FEB)) == [
        ("AG-1/2012-02-14/X-2", [(2, "2012-02-14", "2012-02-14")]),
        ("AG-1/2012-02-20/X-1", [(1, "2012-02-15", "2012-02-20"), (3, "2012-02-20", "2012-02-20")]),
    ]


def test_a_window_moving_across_a_split_gives_the_same_orders() -> None:
    window = TimeWindow(WindowKind.DAYS, days_after=3)
    agreement = make(ln(1, date(2012, 1, 30), time_window=window), ln(2, date(2012, 2, 2)))
    january = gen(agreement, days(date(2012, 1, 1), date(2012, 1, 31)))
    assert january.orders == ()
    february = gen(agreement, FEB, existing=january.orders)
    both = gen(agreement, days(date(2012, 1, 1), date(2012, 2, 29)))
    assert february.orders == both.orders
    assert plan(both) == [
        ("AG-1/2012-02-02", [(1, "2012-01-30", "2012-02-02"), (2, "2012-02-02", "2012-02-02")])
    ]


def test_a_window_can_move_a_line_back_into_the_period() -> None:
    window = TimeWindow(WindowKind.DAYS, days_before=3)
    agreement = make(
        ln(1, date(2012, 1, 2), MONTHLY, time_window=window, end_date=date(2012, 3, 31)),
        ln(2, date(2012, 2, 28)),
    )
    run = gen(agreement, FEB)
    assert plan(run) == [
        ("AG-1/2012-02-02", [(1, "2012-02-02", "2012-02-02")]),
        ("AG-1/2012-02-28", [(1, "2012-03-02", "2012-02-28"), (2, "2012-02-28", "2012-02-28")]),
    ]
    assert gen(agreement, days(date(2012, 3, 1), date(2012, 3, 31))).orders == ()


def test_a_line_never_counts_its_own_occurrences_before_the_period() -> None:
    # Jan 27 and 28 are occurrences of line 1 itself: they attract nothing, even though
    # they lie before the first occurrence that can land in February.
    window = TimeWindow(WindowKind.DAYS, days_before=3, days_after=3)
    agreement = make(ln(1, date(2012, 1, 1), DAILY, time_window=window), ln(2, date(2012, 2, 1)))
    run = gen(agreement, days(date(2012, 2, 1), date(2012, 2, 1)))
    assert plan(run) == [
        (
            "AG-1/2012-02-01",
            [(1, f"2012-{md}", "2012-02-01") for md in ("01-29", "01-30", "01-31", "02-01")]
            + [(1, f"2012-02-0{d}", "2012-02-01") for d in (2, 3, 4)]
            + [(2, "2012-02-01", "2012-02-01")],
        )
    ]


def test_a_zero_day_window_keeps_the_date() -> None:
    # Found by test_G2: a DAYS window of 0/0 reaches nothing and must not break the run.
    still = TimeWindow(WindowKind.DAYS)
    agreement = make(ln(1, date(2012, 2, 6), WEEKLY, time_window=still), ln(2, date(2012, 2, 6)))
    assert plan(gen(agreement, days(date(2012, 2, 1), date(2012, 2, 13)))) == [
        ("AG-1/2012-02-06", [(1, "2012-02-06", "2012-02-06"), (2, "2012-02-06", "2012-02-06")]),
        ("AG-1/2012-02-13", [(1, "2012-02-13", "2012-02-13")]),
    ]


# ---------------------------------------------------------------------- continuous


def test_continuous_fills_the_series_from_the_line_start() -> None:
    agreement = make(ln(1, date(2012, 1, 2), WEEKLY), start_date=date(2012, 1, 1))
    june = days(date(2012, 6, 1), date(2012, 6, 30))
    plain = gen(agreement, june)
    assert service_dates(plain) == [date(2012, 6, d) for d in (4, 11, 18, 25)]
    filled = gen(agreement, june, continuous=True)
    dates = service_dates(filled)
    assert (dates[0], dates[-1], len(dates)) == (date(2012, 1, 2), date(2012, 6, 25), 26)
    assert {b - a for a, b in itertools.pairwise(dates)} == {timedelta(days=7)}


def test_continuous_fills_only_what_is_missing() -> None:
    agreement = make(ln(1, date(2012, 1, 2), WEEKLY))
    first_quarter = gen(agreement, days(date(2012, 1, 1), date(2012, 3, 31)))
    june = days(date(2012, 6, 1), date(2012, 6, 30))
    filled = gen(agreement, june, continuous=True, existing=first_quarter.orders)
    dates = service_dates(filled)
    assert (dates[0], dates[-1], len(dates)) == (date(2012, 4, 2), date(2012, 6, 25), 13)


def test_continuous_starts_no_earlier_than_the_agreement() -> None:
    agreement = make(ln(1, date(2012, 1, 2), WEEKLY), start_date=date(2012, 3, 1))
    filled = gen(agreement, days(date(2012, 3, 10), date(2012, 3, 31)), continuous=True)
    assert service_dates(filled) == [date(2012, 3, d) for d in (5, 12, 19, 26)]


# -------------------------------------------------------------- recurrence rules


def rr(number: int, start: date, rule: str, **kw: Any) -> AgreementLine:
    """A line recurring by an RFC 5545 rule from ``start``."""
    return ln(number, start, None, recurrence=rule, **kw)


MARCH = days(date(2012, 3, 1), date(2012, 3, 31))


def test_a_weekly_rule_on_two_days_makes_an_order_on_each() -> None:
    # Mar 1 2012 is a Thursday.
    agreement = make(rr(1, date(2012, 3, 1), "FREQ=WEEKLY;BYDAY=MO,TH"))
    run = gen(agreement, MARCH)
    assert [d.day for d in service_dates(run)] == [1, 5, 8, 12, 15, 19, 22, 26, 29]
    assert all(
        line.calculated_date == line.date_range.start
        for order in run.orders
        for line in order.lines
        if line.date_range is not None
    )
    assert gen(agreement, MARCH, existing=run.orders).orders == ()


def test_a_rule_is_counted_from_the_line_start_not_the_period() -> None:
    # Every second Monday from Jan 2 2012 (a Monday): Mar 12 and 26, not Mar 5 and 19.
    agreement = make(rr(1, date(2012, 1, 2), "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"))
    assert [d.day for d in service_dates(gen(agreement, MARCH))] == [12, 26]


def test_count_is_counted_from_the_line_start_across_runs() -> None:
    agreement = make(rr(1, date(2012, 2, 27), "FREQ=DAILY;COUNT=5"))
    february = gen(agreement, FEB)
    march = gen(agreement, MARCH, existing=february.orders)
    assert [str(d) for d in service_dates(february)] == ["2012-02-27", "2012-02-28", "2012-02-29"]
    assert [str(d) for d in service_dates(march)] == ["2012-03-01", "2012-03-02"]
    both = gen(agreement, days(date(2012, 2, 1), date(2012, 3, 31)))
    assert february.orders + march.orders == both.orders


def test_a_monthly_rule_on_day_31_skips_short_months_where_an_interval_clamps() -> None:
    half_year = days(date(2012, 1, 1), date(2012, 6, 30))
    skipping = make(rr(1, date(2012, 1, 31), "FREQ=MONTHLY;BYMONTHDAY=31"))
    clamping = make(ln(1, date(2012, 1, 31), MONTHLY))
    assert [str(d) for d in service_dates(gen(skipping, half_year))] == [
        "2012-01-31", "2012-03-31", "2012-05-31",
    ]  # fmt: skip
    assert [str(d) for d in service_dates(gen(clamping, half_year))] == [
        "2012-01-31", "2012-02-29", "2012-03-31", "2012-04-30", "2012-05-31", "2012-06-30",
    ]  # fmt: skip


def test_bymonthday_minus_one_gives_every_month_end() -> None:
    agreement = make(rr(1, date(2011, 11, 15), "FREQ=MONTHLY;BYMONTHDAY=-1"))
    run = gen(agreement, days(date(2011, 11, 1), date(2012, 4, 30)))
    assert [str(d) for d in service_dates(run)] == [
        "2011-11-30", "2011-12-31", "2012-01-31", "2012-02-29", "2012-03-31", "2012-04-30",
    ]  # fmt: skip


def test_until_the_line_end_and_the_agreement_end_all_cut_a_rule() -> None:
    daily = "FREQ=DAILY;UNTIL=20120310"
    assert service_dates(gen(make(rr(1, date(2012, 3, 8), daily)), MARCH)) == [
        date(2012, 3, d) for d in (8, 9, 10)
    ]
    ended = make(rr(1, date(2012, 3, 8), daily, end_date=date(2012, 3, 9)))
    assert service_dates(gen(ended, MARCH)) == [date(2012, 3, 8), date(2012, 3, 9)]
    short = make(rr(1, date(2012, 3, 8), daily), end_date=date(2012, 3, 8))
    assert service_dates(gen(short, MARCH)) == [date(2012, 3, 8)]


def test_an_interval_and_its_rule_make_the_same_orders() -> None:
    for interval, rule in (
        (BIWEEKLY, "FREQ=WEEKLY;INTERVAL=2"),
        (ServiceInterval(IntervalUnit.DAY, 10), "FREQ=DAILY;INTERVAL=10"),
        (MONTHLY, "FREQ=MONTHLY"),
        (ServiceInterval(IntervalUnit.YEAR, 1), "FREQ=YEARLY"),
    ):
        by_interval = make(ln(1, date(2012, 1, 12), interval))
        by_rule = make(rr(1, date(2012, 1, 12), rule))
        year = days(date(2012, 1, 1), date(2013, 12, 31))
        assert gen(by_rule, year) == gen(by_interval, year)


def test_a_rule_line_moves_within_its_window_to_where_other_lines_are() -> None:
    # A Thursday visit moves, within its ISO week, to the second Monday of the month
    # (line 2); the other Thursdays have nothing to join and stay.
    agreement = make(
        rr(1, date(2012, 3, 1), "FREQ=WEEKLY;BYDAY=TH", time_window=WEEK_WINDOW),
        rr(2, date(2012, 3, 1), "FREQ=MONTHLY;BYDAY=2MO"),
    )
    assert plan(gen(agreement, MARCH)) == [
        ("AG-1/2012-03-01", [(1, "2012-03-01", "2012-03-01")]),
        ("AG-1/2012-03-08", [(1, "2012-03-08", "2012-03-08")]),
        ("AG-1/2012-03-12", [(1, "2012-03-15", "2012-03-12"), (2, "2012-03-12", "2012-03-12")]),
        ("AG-1/2012-03-22", [(1, "2012-03-22", "2012-03-22")]),
        ("AG-1/2012-03-29", [(1, "2012-03-29", "2012-03-29")]),
    ]


def test_a_rule_line_moved_across_a_split_gives_the_same_orders() -> None:
    window = TimeWindow(WindowKind.DAYS, days_after=3)
    agreement = make(
        rr(1, date(2012, 2, 27), "FREQ=WEEKLY;BYDAY=MO", time_window=window),
        ln(2, date(2012, 3, 1)),
    )
    february = gen(agreement, FEB)
    march = gen(agreement, MARCH, existing=february.orders)
    both = gen(agreement, days(date(2012, 2, 1), date(2012, 3, 31)))
    assert february.orders == ()
    assert march.orders == both.orders
    assert plan(both)[0] == (
        "AG-1/2012-03-01",
        [(1, "2012-02-27", "2012-03-01"), (2, "2012-03-01", "2012-03-01")],
    )


def test_continuous_fills_the_gaps_of_a_rule_line() -> None:
    agreement = make(rr(1, date(2012, 1, 1), "FREQ=MONTHLY;BYMONTHDAY=-1"))
    february = gen(agreement, FEB)
    filled = gen(agreement, MARCH, continuous=True, existing=february.orders)
    assert service_dates(february) == [date(2012, 2, 29)]
    assert service_dates(filled) == [date(2012, 1, 31), date(2012, 3, 31)]


# ------------------------------------------------------------- calendar, SLA, time


def test_closed_days_flag_a_conflict_but_the_order_is_created() -> None:
    agreement = make(ln(1, date(2012, 2, 2), ServiceInterval(IntervalUnit.DAY, 2)))
    closed = Closed(date(2012, 2, 4), date(2012, 2, 5))
    run = gen(agreement, days(date(2012, 2, 1), date(2012, 2, 8)), closed_days=closed)
    assert service_dates(run) == [date(2012, 2, d) for d in (2, 4, 6, 8)]
    assert [o.calendar_conflict for o in run.orders] == [False, True, False, False]
    assert run.conflicts == (GeneratedOrderKey("AG-1", date(2012, 2, 4)),)
    assert len(closed.asked) == len(set(closed.asked))
    without = gen(agreement, days(date(2012, 2, 1), date(2012, 2, 8)))
    assert not any(o.calendar_conflict for o in without.orders)
    assert without.conflicts == ()


def test_generated_orders_carry_no_sla_unless_asked() -> None:
    own = make(ln(1, date(2012, 2, 2)), sla_id="SLA-OWN")
    from_group = make(ln(1, date(2012, 2, 2)), id="AG-2")
    none = make(ln(1, date(2012, 2, 2)), id="AG-3", group=AgreementGroup("PLAIN"))
    plain = gen([own, from_group, none], FEB)
    assert [o.sla_id for o in plain.orders] == [None, None, None]
    attached = gen([own, from_group, none], FEB, attach_sla=True)
    assert [o.sla_id for o in attached.orders] == ["SLA-OWN", "SLA-GROUP", None]


def test_preferred_service_time_is_the_earliest_line_time_in_the_zone() -> None:
    agreement = make(
        ln(1, date(2024, 1, 15), preferred_time=time(10, 0)),
        ln(2, date(2024, 1, 15), preferred_time=time(8, 30)),
        ln(3, date(2024, 1, 15)),
        ln(4, date(2024, 1, 16)),
    )
    january = days(date(2024, 1, 1), date(2024, 1, 31))
    run = gen(agreement, january, zone="Europe/Paris")
    assert run.orders[0].preferred_service_at == datetime(2024, 1, 15, 7, 30, tzinfo=UTC)
    assert run.orders[1].preferred_service_at is None
    assert gen(agreement, january).orders[0].preferred_service_at is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 3, 31), datetime(2024, 3, 31, 1, 30, tzinfo=UTC)),  # gap: 03:30 CEST
        (date(2024, 10, 27), datetime(2024, 10, 27, 0, 30, tzinfo=UTC)),  # twice: 02:30 CEST
    ],
)
def test_preferred_time_across_dst(day: date, expected: datetime) -> None:
    agreement = make(ln(1, day, preferred_time=time(2, 30)))
    run = gen(agreement, days(day, day), zone="Europe/Paris")
    assert run.orders[0].preferred_service_at == expected


# ------------------------------------------------------------------------ grouping


def grouping_agreement(group_by: GroupBy) -> ServiceAgreement:
    day = date(2012, 2, 6)
    return make(
        ln(1, day, service_task_id="T-1", worker_id="W-1", service_object_id="X-1"),
        ln(2, day, service_task_id="T-1", worker_id="W-2", service_object_id="X-2"),
        ln(3, day, service_task_id="T-2", worker_id="W-1", service_object_id="X-1"),
        ln(4, day),
        group_by=group_by,
    )


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        (GroupBy.AGREEMENT, [("AG-1/2012-02-06", [1, 2, 3, 4])]),
        (
            GroupBy.SERVICE_TASK,
            [
                ("AG-1/2012-02-06", [4]),
                ("AG-1/2012-02-06/T-1", [1, 2]),
                ("AG-1/2012-02-06/T-2", [3]),
            ],
        ),
        (
            GroupBy.WORKER,
            [
                ("AG-1/2012-02-06", [4]),
                ("AG-1/2012-02-06/W-1", [1, 3]),
                ("AG-1/2012-02-06/W-2", [2]),
            ],
        ),
        (
            GroupBy.SERVICE_OBJECT,
            [
                ("AG-1/2012-02-06", [4]),
                ("AG-1/2012-02-06/X-1", [1, 3]),
                ("AG-1/2012-02-06/X-2", [2]),
            ],
        ),
    ],
)
def test_grouping(group_by: GroupBy, expected: list[tuple[str, list[int]]]) -> None:
    run = gen(grouping_agreement(group_by), FEB)
    assert [(order_id, [row[0] for row in rows]) for order_id, rows in plan(run)] == expected
    assert [key.group_key for key in run.keys] == [
        None if order_id.count("/") == 1 else order_id.rsplit("/", 1)[1] for order_id, _ in expected
    ]


def test_orders_are_sorted_by_date_then_agreement() -> None:
    second = make(ln(1, date(2012, 2, 6), WEEKLY), id="AG-2")
    first = make(ln(1, date(2012, 2, 13), WEEKLY), id="AG-1")
    run = gen([second, first], FEB)
    assert [o.id for o in run.orders] == [
        "AG-2/2012-02-06",
        "AG-1/2012-02-13",
        "AG-2/2012-02-13",
        "AG-1/2012-02-20",
        "AG-2/2012-02-20",
        "AG-1/2012-02-27",
        "AG-2/2012-02-27",
    ]


def test_lines_are_in_agreement_line_then_calculated_date_order() -> None:
    agreement = make(
        ln(3, date(2012, 2, 13)),
        ln(1, date(2012, 1, 15), MONTHLY, time_window=MONTH_WINDOW),
        ln(2, date(2012, 1, 14), MONTHLY, time_window=MONTH_WINDOW),
        ln(5, date(2012, 1, 16), MONTHLY, time_window=MONTH_WINDOW),
        ln(4, date(2012, 2, 13)),
    )
    run = gen(agreement, FEB)
    assert plan(run) == [
        (
            "AG-1/2012-02-13",
            [
                (1, "2012-02-15", "2012-02-13"),
                (2, "2012-02-14", "2012-02-13"),
                (3, "2012-02-13", "2012-02-13"),
                (4, "2012-02-13", "2012-02-13"),
                (5, "2012-02-16", "2012-02-13"),
            ],
        )
    ]
    assert run.orders[0].line_numbers == (1, 2, 3, 4, 5)


# ------------------------------------------------------------------- what is made


def test_the_orders_and_lines_carry_the_agreement() -> None:
    agreement = make(
        ln(
            7,
            date(2012, 2, 6),
            item_id="FILTER",
            category_id="CAT-1",
            worker_id="W-9",
            service_object_id="X-2",
            service_task_id="T-2",
        )
    )
    run = gen(agreement, FEB)
    (order,) = run.orders
    assert order.id == "AG-1/2012-02-06"
    assert (order.version, order.stage_id, order.origin) == (1, GRAPH.root.id, Origin.SYSTEM)
    assert (order.customer_id, order.project_id, order.agreement_id) == ("C-1", "P-1", "AG-1")
    assert order.description == "Boiler maintenance"
    assert (order.responsible_worker_id, order.preferred_technician_id) == ("W-RESP", "W-TECH")
    # a generated order carries its agreement's relations unchanged
    assert (order.object_relations, order.service_tasks) == (OBJECTS, TASKS)
    assert (order.sla_id, order.calendar_conflict, order.preferred_service_at) == (
        None,
        False,
        None,
    )
    (line,) = order.lines
    source = agreement.line(7)
    assert line.number == 1
    assert line.status is LineStatus.CREATED
    assert (line.transaction_type, line.description, line.quantity, line.unit) == (
        source.transaction_type,
        source.description,
        source.quantity,
        source.unit,
    )
    assert (line.cost_price, line.sales_price) == (source.cost_price, source.sales_price)
    assert (line.item_id, line.category_id, line.worker_id) == ("FILTER", "CAT-1", "W-9")
    assert (line.service_object_id, line.service_task_id) == ("X-2", "T-2")
    assert line.date_range == days(date(2012, 2, 6), date(2012, 2, 6))
    assert line.calculated_date == date(2012, 2, 6)
    assert line.execution_date is None
    assert line.agreement_line is not None
    assert (line.agreement_line.agreement_id, line.agreement_line.line_number) == ("AG-1", 7)
    assert run.events == (
        ServiceOrderCreated(
            entity_id=order.id,
            occurred_at=AT,
            customer_id="C-1",
            agreement_id="AG-1",
            stage_id=GRAPH.root.id,
            line_numbers=(1,),
        ),
    )


def test_only_the_selected_types_generate() -> None:
    agreement = make(
        ln(1, date(2012, 2, 6)),
        ln(2, date(2012, 2, 6), transaction_type=FEE, cost_price=Money(0, "EUR")),
    )
    fees = gen(agreement, FEB, types=[FEE])
    assert [row[0] for row in plan(fees)[0][1]] == [2]


def test_suspended_agreements_and_stopped_lines_yield_nothing() -> None:
    agreement = make(ln(1, date(2012, 2, 6), WEEKLY), ln(2, date(2012, 2, 6), WEEKLY, stopped=True))
    assert {row[0] for _, rows in plan(gen(agreement, FEB)) for row in rows} == {1}
    suspended = make(ln(1, date(2012, 2, 6), WEEKLY), suspended=True)
    assert gen(suspended, FEB, continuous=True) == Generation(
        orders=(), keys=(), events=(), conflicts=()
    )


def test_events_follow_the_orders() -> None:
    run = gen(worked_example(), days(date(2007, 4, 1), date(2007, 4, 30)))
    assert [e.entity_id for e in run.events] == [o.id for o in run.orders]
    assert all(isinstance(e, ServiceOrderCreated) for e in run.events)


# ------------------------------------------------------------------ nothing twice


def test_regenerating_creates_nothing() -> None:
    april = days(date(2007, 4, 1), date(2007, 4, 30))
    first = gen(worked_example(), april)
    again = gen(worked_example(), april, existing=first.orders)
    assert again == Generation(orders=(), keys=(), events=(), conflicts=())
    wider = gen(worked_example(), days(date(2007, 4, 1), date(2007, 5, 6)), existing=first.orders)
    assert service_dates(wider) == [date(2007, 5, 6), date(2007, 5, 6)]


def test_only_the_missing_lines_are_generated() -> None:
    april_1 = days(date(2007, 4, 1), date(2007, 4, 1))
    first = gen(worked_example(), april_1)
    x2 = first.orders[1]
    assert x2.id == "AG-1/2007-04-01/X-2"
    partial, _ = x2.remove_line(GRAPH, 2, at=AT)  # the line of agreement line 3 is gone
    again = gen(worked_example(), april_1, existing=[first.orders[0], partial])
    assert plan(again) == [("AG-1/2007-04-01/X-2-2", [(3, "2007-04-01", "2007-04-01")])]


def test_a_canceled_generated_line_is_not_generated_again() -> None:
    april_1 = days(date(2007, 4, 1), date(2007, 4, 1))
    first = gen(worked_example(), april_1)
    canceled, _ = first.orders[0].cancel(GRAPH, at=AT)
    again = gen(worked_example(), april_1, existing=[canceled, first.orders[1]])
    assert again.orders == ()


def test_order_ids_are_made_unique() -> None:
    april_1 = days(date(2007, 4, 1), date(2007, 4, 1))
    same = gen(worked_example(), april_1, order_id=lambda key: f"SO-{key.service_date:%Y%m%d}")
    assert [o.id for o in same.orders] == ["SO-20070401", "SO-20070401-2"]
    taken, _ = ServiceOrder.create(GRAPH, id="AG-1/2007-04-01/X-1", customer_id="C-9", at=AT)
    other, _ = ServiceOrder.create(GRAPH, id="AG-1/2007-04-01/X-1-2", customer_id="C-9", at=AT)
    run = gen(worked_example(), april_1, existing=[taken, other])
    assert [o.id for o in run.orders] == ["AG-1/2007-04-01/X-1-3", "AG-1/2007-04-01/X-2"]


def test_default_order_id() -> None:
    key = GeneratedOrderKey("AG-1", date(2026, 3, 2), "OBJ-1")
    assert default_order_id(key) == "AG-1/2026-03-02/OBJ-1"
    assert default_order_id(GeneratedOrderKey("AG-1", date(2026, 3, 2))) == "AG-1/2026-03-02"


# ----------------------------------------------------------------------- bad input


AGREEMENT = make(ln(1, date(2012, 2, 6), WEEKLY))


@pytest.mark.parametrize(
    ("call", "cls", "field"),
    [
        (lambda: gen(AGREEMENT, FEB, types=set()), InvalidInputError, "types"),
        (lambda: gen(AGREEMENT, FEB, types=["hour"]), TypeMismatchError, "types[0]"),
        (lambda: gen(AGREEMENT, FEB, types="hour"), TypeMismatchError, "types"),
        (
            lambda: gen(AGREEMENT, bad((date(2012, 2, 1), date(2012, 3, 1)))),
            TypeMismatchError,
            "period",
        ),
        (lambda: gen([AGREEMENT, AGREEMENT], FEB), InvalidInputError, "agreements[1].id"),
        (lambda: gen(bad(["AG-1"]), FEB), TypeMismatchError, "agreements[0]"),
        (
            lambda: generate_service_orders(bad("AG-1"), GRAPH, period=FEB, types=ALL, at=AT),
            TypeMismatchError,
            "agreements",
        ),
        (
            lambda: generate_service_orders(
                [AGREEMENT], bad("graph"), period=FEB, types=ALL, at=AT
            ),
            TypeMismatchError,
            "graph",
        ),
        (lambda: gen(AGREEMENT, FEB, existing=["SO-1"]), TypeMismatchError, "existing[0]"),
        (lambda: gen(AGREEMENT, FEB, existing=bad(5)), TypeMismatchError, "existing"),
        (
            lambda: gen(AGREEMENT, FEB, closed_days=bad({date(2012, 2, 6)})),
            TypeMismatchError,
            "closed_days",
        ),
        (lambda: gen(AGREEMENT, FEB, zone="Mars/Olympus"), InvalidTimezoneError, "zone"),
        (lambda: gen(AGREEMENT, FEB, continuous=bad("yes")), TypeMismatchError, "continuous"),
        (lambda: gen(AGREEMENT, FEB, attach_sla=bad(1)), TypeMismatchError, "attach_sla"),
        (lambda: gen(AGREEMENT, FEB, order_id=lambda key: ""), InvalidInputError, "order_id"),
        (lambda: gen(AGREEMENT, FEB, order_id=bad("SO")), TypeMismatchError, "order_id"),
        (lambda: gen(AGREEMENT, FEB, at=datetime(2012, 1, 1)), NaiveDatetimeError, "at"),  # noqa: DTZ001
        (
            lambda: GeneratedOrderKey("AG-1", bad(datetime(2012, 1, 1, tzinfo=UTC))),
            TypeMismatchError,
            "service_date",
        ),
        (lambda: GeneratedOrderKey("", date(2012, 1, 1)), InvalidInputError, "agreement_id"),
    ],
)
def test_bad_input(call: Callable[[], object], cls: type[ServiceDomainError], field: str) -> None:
    with pytest.raises(cls) as caught:
        call()
    error = caught.value
    assert type(error) is cls
    assert isinstance(error, ServiceDomainError)
    assert isinstance(error, InvalidInputError)
    assert error.field == field
    assert field in str(error)
