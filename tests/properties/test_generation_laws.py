"""The laws of service order generation from agreements (G1-G7), as properties.

The agreement lines drawn recur by a :class:`ServiceInterval`, by an RFC 5545 rule
(``recurrence``) or once, so every law holds for the three kinds of schedule; the
series a line is expected to have comes from dateutil itself (:func:`series`), not
from the generator.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from dateutil.rrule import rrulestr
from hypothesis import example, given
from hypothesis import strategies as st

from servicedomain.agreements import (
    AgreementGroup,
    AgreementLine,
    Generation,
    GroupBy,
    IntervalUnit,
    ServiceAgreement,
    ServiceInterval,
    TimeWindow,
    WindowKind,
    generate_service_orders,
)
from servicedomain.money import Money
from servicedomain.orders import ServiceOrderLine, ServiceTask, TransactionType
from servicedomain.periods import DateRange
from servicedomain.repairs import RelationKind, ServiceObjectRelation
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH

AT = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)
BASE = date(2024, 1, 1)
ALL = frozenset(TransactionType)
TASKS = (ServiceTask("T-1"), ServiceTask("T-2"))
GROUP_FIELD = {
    GroupBy.AGREEMENT: None,
    GroupBy.SERVICE_TASK: "service_task_id",
    GroupBy.WORKER: "worker_id",
    GroupBy.SERVICE_OBJECT: "service_object_id",
}
FREQUENCIES = {
    IntervalUnit.DAY: (1, 20),
    IntervalUnit.WEEK: (1, 4),
    IntervalUnit.MONTH: (1, 3),
    IntervalUnit.YEAR: (1, 1),
}


class Weekends:
    def is_closed(self, day: date) -> bool:
        return day.weekday() >= 5


# ------------------------------------------------------------------------ strategies


def offsets(low: int, high: int) -> st.SearchStrategy[date]:
    return st.integers(low, high).map(lambda days: BASE + timedelta(days=days))


intervals = st.none() | st.sampled_from(list(IntervalUnit)).flatmap(
    lambda unit: st.integers(*FREQUENCIES[unit]).map(lambda n: ServiceInterval(unit, n))
)
windows = st.one_of(
    st.just(TimeWindow(WindowKind.WEEK)),
    st.just(TimeWindow(WindowKind.MONTH)),
    st.builds(
        TimeWindow,
        st.just(WindowKind.DAYS),
        days_before=st.integers(0, 6),
        days_after=st.integers(0, 6),
    ),
)


WEEKDAY_SETS = st.lists(
    st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1, max_size=3, unique=True
).map(",".join)


# RRULE values on dates (a rule with UNTIL is drawn in agreement_lines, after its start).
rules = st.one_of(
    st.integers(1, 20).map(lambda n: f"FREQ=DAILY;INTERVAL={n}"),
    WEEKDAY_SETS.map(lambda days: f"FREQ=WEEKLY;BYDAY={days}"),
    st.tuples(st.integers(1, 3), WEEKDAY_SETS).map(
        lambda drawn: f"FREQ=WEEKLY;INTERVAL={drawn[0]};BYDAY={drawn[1]}"
    ),
    st.sampled_from([1, 15, 28, 29, 30, 31, -1, -2]).map(
        lambda day: f"FREQ=MONTHLY;BYMONTHDAY={day}"
    ),
    st.sampled_from(["1MO", "2TU", "-1FR", "3SA"]).map(lambda day: f"FREQ=MONTHLY;BYDAY={day}"),
    st.just("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
    st.just("FREQ=YEARLY"),
    st.tuples(st.integers(1, 4), st.integers(1, 12)).map(
        lambda drawn: f"FREQ=WEEKLY;INTERVAL={drawn[0]};COUNT={drawn[1]}"
    ),
)


# Dense agreements: short intervals and two-sided day windows on lines close together,
# where windows interact most (and where the edges of a period matter).
dense_intervals = st.builds(ServiceInterval, st.just(IntervalUnit.DAY), st.integers(1, 4))
dense_rules = st.one_of(
    st.integers(1, 4).map(lambda n: f"FREQ=DAILY;INTERVAL={n}"),
    WEEKDAY_SETS.map(lambda days: f"FREQ=WEEKLY;BYDAY={days}"),
    st.integers(1, 9).map(lambda n: f"FREQ=DAILY;COUNT={n}"),
)
dense_windows = st.builds(
    TimeWindow,
    st.just(WindowKind.DAYS),
    days_before=st.integers(0, 5),
    days_after=st.integers(0, 5),
)


@st.composite
def agreement_lines(
    draw: st.DrawFn, *, start: date, with_windows: bool, dense: bool = False
) -> AgreementLine:
    first = start + timedelta(days=draw(st.integers(0, 20) if dense else st.integers(-40, 120)))
    last = draw(st.none() | st.integers(0, 200).map(lambda days: first + timedelta(days=days)))
    interval, rule = None, None
    if draw(st.booleans()):
        interval = draw(st.none() | dense_intervals if dense else intervals)
    else:
        rule = draw(dense_rules if dense else rules)
        if draw(st.booleans()):  # a rule cut by its own UNTIL, on or after its start
            until = first + timedelta(days=draw(st.integers(0, 120)))
            rule = f"FREQ=DAILY;INTERVAL={draw(st.integers(1, 9))};UNTIL={until:%Y%m%d}"
    window = draw(st.none() | (dense_windows if dense else windows)) if with_windows else None
    return AgreementLine(
        number=1,  # renumbered by the agreement strategy
        transaction_type=draw(st.sampled_from(list(TransactionType))),
        quantity=Decimal(draw(st.integers(0, 8))),
        unit="h",
        cost_price=Money(40, "EUR"),
        sales_price=Money(85, "EUR"),
        worker_id=draw(st.sampled_from([None, "W-1", "W-2"])),
        service_object_id=draw(st.sampled_from([None, "X-1", "X-2"])),
        service_task_id=draw(st.sampled_from([None, "T-1", "T-2"])),
        interval=interval,
        recurrence=rule,
        time_window=window,
        start_date=first,
        end_date=last,
    )


@st.composite
def agreements(
    draw: st.DrawFn, *, agreement_id: str = "AG-1", with_windows: bool = True, dense: bool = False
) -> ServiceAgreement:
    start = draw(offsets(0, 60))
    end = draw(st.none() | st.integers(0, 300).map(lambda days: start + timedelta(days=days)))
    drawn = draw(
        st.lists(
            agreement_lines(start=start, with_windows=with_windows, dense=dense),
            min_size=1,
            max_size=5,
        )
    )
    numbers = draw(
        st.lists(st.integers(1, 30), min_size=len(drawn), max_size=len(drawn), unique=True)
    )
    lines = tuple(attrs.evolve(line, number=n) for line, n in zip(drawn, numbers, strict=True))
    return ServiceAgreement(
        id=agreement_id,
        version=1,
        customer_id="C-1",
        group=AgreementGroup("G"),
        start_date=start,
        end_date=end,
        group_by=draw(st.sampled_from(list(GroupBy))),
        object_relations=tuple(
            ServiceObjectRelation(f"R-{obj}", obj, RelationKind.AGREEMENT, agreement_id)
            for obj in ("X-1", "X-2")
        ),
        service_tasks=TASKS,
        lines=lines,
    )


@st.composite
def agreement_sets(
    draw: st.DrawFn, *, with_windows: bool = True, dense: bool = False
) -> list[ServiceAgreement]:
    count = draw(st.integers(1, 2))
    return [
        draw(agreements(agreement_id=f"AG-{index}", with_windows=with_windows, dense=dense))
        for index in range(1, count + 1)
    ]


periods = offsets(-20, 160).flatmap(
    lambda start: st.integers(1, 150).map(
        lambda days: DateRange(start, start + timedelta(days=days))
    )
)
type_sets = st.sets(st.sampled_from(list(TransactionType)), min_size=1).map(frozenset)
closed_days = st.sampled_from([None, Weekends()])


def generate(given: list[ServiceAgreement], period: DateRange, **options: Any) -> Generation:
    options.setdefault("types", ALL)
    return generate_service_orders(given, GRAPH, period=period, at=AT, **options)


def generated_lines(run: Generation) -> list[tuple[str, ServiceOrderLine]]:
    return [(order.id, line) for order in run.orders for line in order.lines]


def service_day(line: ServiceOrderLine) -> date:
    assert line.date_range is not None
    assert line.date_range.days == 1
    return line.date_range.start


def series(line: AgreementLine, within: DateRange) -> list[date]:
    """The line's calculated dates in ``within`` by the book: its interval, or dateutil's
    expansion of its rule from its start date, or its start date alone (not cut to the
    line's end date)."""
    if line.recurrence is not None:
        dtstart = datetime.combine(line.start_date, time())
        rule = rrulestr(line.recurrence, dtstart=dtstart)
        first = datetime.combine(max(within.start, line.start_date), time())
        last = datetime.combine(within.end - timedelta(days=1), time())
        return [moment.date() for moment in rule.between(first, last, inc=True)]
    if line.interval is not None:
        return line.interval.occurrences(line.start_date, within)
    return [line.start_date] if line.start_date in within else []


def source_of(
    given: list[ServiceAgreement], line: ServiceOrderLine
) -> tuple[ServiceAgreement, AgreementLine]:
    ref = line.agreement_line
    assert ref is not None
    agreement = next(a for a in given if a.id == ref.agreement_id)
    return agreement, agreement.line(ref.line_number)


# ----------------------------------------------------------------------------- laws


@given(agreement_sets(), periods, type_sets, closed_days, st.booleans())
def test_G1_regenerating_creates_nothing(
    given: list[ServiceAgreement],
    period: DateRange,
    types: frozenset[TransactionType],
    closed: Weekends | None,
    continuous: bool,
) -> None:
    options: dict[str, Any] = {"types": types, "closed_days": closed, "continuous": continuous}
    first = generate(given, period, **options)
    again = generate(given, period, existing=first.orders, **options)
    assert again == Generation(orders=(), keys=(), events=(), conflicts=())


@pytest.mark.parametrize(("with_windows", "dense"), [(False, False), (True, False), (True, True)])
@given(data=st.data(), period=periods, closed=closed_days)
@example(data=None, period=DateRange(BASE, BASE + timedelta(days=60)), closed=None)
def test_G2_split_ranges_equal_one_range(
    with_windows: bool,
    dense: bool,
    data: st.DataObject | None,
    period: DateRange,
    closed: Weekends | None,
) -> None:
    if data is None:  # pinned: a days window moving a line across the split point
        window = TimeWindow(WindowKind.DAYS, days_after=3)
        line = AgreementLine(
            number=1, transaction_type=TransactionType.HOUR, quantity=1,
            cost_price=Money(1, "EUR"), sales_price=Money(2, "EUR"),
            interval=ServiceInterval(IntervalUnit.WEEK, 1),
            time_window=window if with_windows else None, start_date=BASE + timedelta(days=1),
        )  # fmt: skip
        other = attrs.evolve(line, number=2, interval=None, time_window=None,
                             start_date=BASE + timedelta(days=31))  # fmt: skip
        given = [
            ServiceAgreement(
                id="AG-1", version=1, customer_id="C", group=AgreementGroup("G"),
                start_date=BASE, lines=(line, other),
            )
        ]  # fmt: skip
        split = BASE + timedelta(days=30)
    else:
        given = data.draw(agreement_sets(with_windows=with_windows, dense=dense))
        split = period.start + timedelta(days=data.draw(st.integers(1, max(1, period.days - 1))))
    whole = generate(given, period, closed_days=closed)
    if not period.start < split < period.end:
        return
    first = generate(given, DateRange(period.start, split), closed_days=closed)
    second = generate(
        given, DateRange(split, period.end), closed_days=closed, existing=first.orders
    )
    assert first.orders + second.orders == whole.orders
    assert first.keys + second.keys == whole.keys
    assert first.events + second.events == whole.events
    assert first.conflicts + second.conflicts == whole.conflicts


@given(agreement_sets(), periods, type_sets, st.booleans())
def test_G3_generated_lines_lie_inside_agreement_and_line_dates(
    given: list[ServiceAgreement],
    period: DateRange,
    types: frozenset[TransactionType],
    continuous: bool,
) -> None:
    run = generate(given, period, types=types, continuous=continuous)
    for _, line in generated_lines(run):
        agreement, source = source_of(given, line)
        calculated, service = line.calculated_date, service_day(line)
        assert calculated is not None
        for day in (calculated, service):
            assert day in agreement.active_dates
            assert day in source.active_dates
        assert service < period.end
        assert continuous or period.start <= service
        assert line.transaction_type in types
        assert series(source, DateRange.inclusive(calculated, calculated)) == [calculated]


@given(agreement_sets(), periods, closed_days)
def test_G4_no_order_mixes_grouping_keys_or_dates(
    given: list[ServiceAgreement], period: DateRange, closed: Weekends | None
) -> None:
    run = generate(given, period, closed_days=closed)
    assert len({order.id for order in run.orders}) == len(run.orders)
    assert len(set(run.keys)) == len(run.keys)
    assert sorted(
        run.keys, key=lambda k: (k.service_date, k.agreement_id, k.group_key or "")
    ) == list(run.keys)
    for order, key in zip(run.orders, run.keys, strict=True):
        assert order.lines
        agreement = next(a for a in given if a.id == key.agreement_id)
        assert order.agreement_id == key.agreement_id
        field = GROUP_FIELD[agreement.group_by]
        for line in order.lines:
            assert line.agreement_line is not None
            assert line.agreement_line.agreement_id == key.agreement_id
            assert service_day(line) == key.service_date
            assert (None if field is None else getattr(line, field)) == key.group_key
        refs = [
            (ln.agreement_line.line_number, ln.calculated_date)
            for ln in order.lines
            if ln.agreement_line
        ]
        assert refs == sorted(refs)
        assert order.calendar_conflict == (
            closed is not None and closed.is_closed(key.service_date)
        )
    assert run.conflicts == tuple(
        k for k, o in zip(run.keys, run.orders, strict=True) if o.calendar_conflict
    )


@given(agreement_sets(), periods, st.booleans(), st.data())
def test_G5_suspended_agreements_and_stopped_lines_yield_nothing(
    given: list[ServiceAgreement], period: DateRange, continuous: bool, data: st.DataObject
) -> None:
    suspended = [attrs.evolve(a, suspended=True) for a in given]
    assert generate(suspended, period, continuous=continuous).orders == ()
    stopped: set[tuple[str, int]] = set()
    partly = []
    for agreement in given:
        chosen = data.draw(st.sets(st.sampled_from(agreement.line_numbers)))
        stopped |= {(agreement.id, number) for number in chosen}
        lines = tuple(attrs.evolve(ln, stopped=ln.number in chosen) for ln in agreement.lines)
        partly.append(attrs.evolve(agreement, lines=lines))
    run = generate(partly, period, continuous=continuous)
    for _, line in generated_lines(run):
        assert line.agreement_line is not None
        assert (line.agreement_line.agreement_id, line.agreement_line.line_number) not in stopped
    all_stopped = [
        attrs.evolve(a, lines=tuple(attrs.evolve(ln, stopped=True) for ln in a.lines))
        for a in given
    ]
    assert generate(all_stopped, period, continuous=continuous).orders == ()


@given(agreement_sets(), periods, closed_days)
def test_G6_time_windows_never_move_a_line_outside_its_window(
    given: list[ServiceAgreement], period: DateRange, closed: Weekends | None
) -> None:
    run = generate(given, period, closed_days=closed)
    for _, line in generated_lines(run):
        _, source = source_of(given, line)
        calculated, service = line.calculated_date, service_day(line)
        assert calculated is not None
        if source.time_window is None:
            assert service == calculated
        else:
            assert service in source.time_window.bounds(calculated)
            if service != calculated and closed is not None:
                assert not closed.is_closed(service)


def brute_force(
    given: list[ServiceAgreement],
    period: DateRange,
    types: frozenset[TransactionType],
    closed: Weekends | None,
) -> set[tuple[str, int, date, date]]:
    """Rules 1-4 read literally, day by day: (agreement, line, calculated, service)."""
    found: set[tuple[str, int, date, date]] = set()
    wide = DateRange(period.start - timedelta(days=70), period.end + timedelta(days=70))
    for agreement in given:
        if agreement.suspended:
            continue
        field = GROUP_FIELD[agreement.group_by]
        live = [ln for ln in agreement.lines if not ln.stopped]
        calculated_on: dict[int, set[date]] = {}
        for ln in live:
            calculated_on[ln.number] = {
                d for d in series(ln, wide) if d in agreement.active_dates and d in ln.active_dates
            }
        for ln in live:
            if ln.transaction_type not in types:
                continue
            others = [
                o for o in live
                if o.number != ln.number
                and (field is None or getattr(o, field) == getattr(ln, field))
            ]  # fmt: skip
            for c in sorted(calculated_on[ln.number]):
                target = c
                if ln.time_window is not None:
                    window = ln.time_window.bounds(c)
                    best: tuple[int, int, date] | None = None
                    day = window.start
                    while day < window.end:
                        count = sum(day in calculated_on[o.number] for o in others)
                        allowed = day in ln.active_dates and day in agreement.active_dates
                        if count and allowed and not (closed and closed.is_closed(day)):
                            rank = (-count, abs((day - c).days), day)
                            if best is None or rank < best:
                                best, target = rank, day
                        day += timedelta(days=1)
                if target in period:
                    found.add((agreement.id, ln.number, c, target))
    return found


def _pinned_edge() -> list[ServiceAgreement]:
    """A daily line with a two-sided days window next to a line on the period's start."""
    window = TimeWindow(WindowKind.DAYS, days_before=3, days_after=3)
    daily = AgreementLine(
        number=1, transaction_type=TransactionType.HOUR, quantity=1,
        cost_price=Money(1, "EUR"), sales_price=Money(2, "EUR"),
        interval=ServiceInterval(IntervalUnit.DAY, 1), time_window=window, start_date=BASE,
    )  # fmt: skip
    once = attrs.evolve(daily, number=2, interval=None, time_window=None,
                        start_date=BASE + timedelta(days=31))  # fmt: skip
    return [
        ServiceAgreement(
            id="AG-1", version=1, customer_id="C", group=AgreementGroup("G"), start_date=BASE,
            lines=(daily, once),
        )
    ]  # fmt: skip


def check_against_brute_force(
    given: list[ServiceAgreement],
    period: DateRange,
    types: frozenset[TransactionType],
    closed: Weekends | None,
) -> None:
    run = generate(given, period, types=types, closed_days=closed)
    made = set()
    for _, line in generated_lines(run):
        assert line.agreement_line is not None
        assert line.calculated_date is not None
        ref = line.agreement_line
        made.add((ref.agreement_id, ref.line_number, line.calculated_date, service_day(line)))
    assert len(made) == run.lines_count
    assert made == brute_force(given, period, types, closed)


@given(agreement_sets(), periods, type_sets, closed_days)
@example(_pinned_edge(), DateRange(BASE + timedelta(days=31), BASE + timedelta(days=32)), ALL, None)
def test_G6_targets_are_what_a_day_by_day_search_finds(
    given: list[ServiceAgreement],
    period: DateRange,
    types: frozenset[TransactionType],
    closed: Weekends | None,
) -> None:
    check_against_brute_force(given, period, types, closed)


@given(agreement_sets(dense=True), periods, type_sets, closed_days)
def test_G6_targets_in_dense_agreements_are_what_a_day_by_day_search_finds(
    given: list[ServiceAgreement],
    period: DateRange,
    types: frozenset[TransactionType],
    closed: Weekends | None,
) -> None:
    check_against_brute_force(given, period, types, closed)


# ------------------------------------------------------------- G7: rules and intervals

RULE_OF_UNIT = {
    IntervalUnit.DAY: "DAILY",
    IntervalUnit.WEEK: "WEEKLY",
    IntervalUnit.MONTH: "MONTHLY",
    IntervalUnit.YEAR: "YEARLY",
}


def as_rule(line: AgreementLine) -> AgreementLine:
    """The line with its interval written as an RRULE, where the two agree (no clamping)."""
    interval = line.interval
    if interval is None:
        return line
    clamps = (interval.unit is IntervalUnit.MONTH and line.start_date.day > 28) or (
        interval.unit is IntervalUnit.YEAR
        and (line.start_date.month, line.start_date.day) == (2, 29)
    )
    if clamps:
        return line
    rule = f"FREQ={RULE_OF_UNIT[interval.unit]};INTERVAL={interval.frequency}"
    return attrs.evolve(line, interval=None, recurrence=rule)


@given(agreement_sets(), periods, type_sets, closed_days, st.booleans())
def test_G7_an_interval_and_its_rule_generate_the_same_orders(
    given: list[ServiceAgreement],
    period: DateRange,
    types: frozenset[TransactionType],
    closed: Weekends | None,
    continuous: bool,
) -> None:
    options: dict[str, Any] = {"types": types, "closed_days": closed, "continuous": continuous}
    rewritten = [
        attrs.evolve(agreement, lines=tuple(as_rule(line) for line in agreement.lines))
        for agreement in given
    ]
    assert generate(rewritten, period, **options) == generate(given, period, **options)


month_end_starts = (
    st.tuples(st.integers(2000, 2030), st.integers(1, 12), st.integers(29, 31))
    .filter(lambda ymd: ymd[2] <= monthrange(ymd[0], ymd[1])[1])
    .map(lambda ymd: date(*ymd))
)


def fee_line(start: date, **schedule: Any) -> AgreementLine:
    return AgreementLine(
        number=1, transaction_type=TransactionType.FEE, quantity=1,
        cost_price=Money(0, "EUR"), sales_price=Money(30, "EUR"), start_date=start, **schedule,
    )  # fmt: skip


@given(month_end_starts, st.integers(1, 4))
def test_G7_month_end_rules_skip_where_intervals_clamp(start: date, months: int) -> None:
    within = DateRange(start, date(start.year + 6, 1, 1))
    clamping = fee_line(start, interval=ServiceInterval(IntervalUnit.MONTH, months))
    skipping = fee_line(start, recurrence=f"FREQ=MONTHLY;INTERVAL={months}")
    clamped = clamping.occurrences(within)
    assert skipping.occurrences(within) == [day for day in clamped if day.day == start.day]
    if start.day == monthrange(start.year, start.month)[1] == 31:
        month_ends = fee_line(start, recurrence=f"FREQ=MONTHLY;INTERVAL={months};BYMONTHDAY=-1")
        assert month_ends.occurrences(within) == clamped
