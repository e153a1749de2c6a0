"""Service agreements: intervals, windows, lines, the entity's operations, templates."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from servicedomain.agreements import (
    CHANGEABLE_FIELDS,
    AgreementCreated,
    AgreementGroup,
    AgreementLine,
    AgreementLineAdded,
    AgreementLineChanged,
    AgreementLineRestarted,
    AgreementLineStopped,
    AgreementObjectRelated,
    AgreementResumed,
    AgreementSuspended,
    AgreementTaskRelated,
    IntervalUnit,
    LinesCopied,
    NewAgreementLine,
    ServiceAgreement,
    ServiceInterval,
    ServiceTemplate,
    TemplateGroup,
    TemplateGroups,
    TimeWindow,
    WindowKind,
)
from servicedomain.errors import (
    AgreementRuleError,
    CurrencyMismatchError,
    InvalidInputError,
    InvalidPeriodError,
    InvalidPriceError,
    InvalidQuantityError,
    InvalidScheduleError,
    NaiveDatetimeError,
    ServiceDomainError,
    TypeMismatchError,
    UnknownLineError,
)
from servicedomain.money import Money
from servicedomain.orders import NewLine, ServiceTask, TransactionType
from servicedomain.periods import DateRange
from servicedomain.repairs import RelationKind, ServiceObjectRelation

AT = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
START = date(2026, 1, 1)
HOUR, EXPENSE, ITEM, FEE = (
    TransactionType.HOUR,
    TransactionType.EXPENSE,
    TransactionType.ITEM,
    TransactionType.FEE,
)
EUR40, EUR85 = Money(40, "EUR"), Money(85, "EUR")
WEEKLY = ServiceInterval(IntervalUnit.WEEK, 1)
GROUP = AgreementGroup("MAINT", "Maintenance", default_sla_id="SLA-GROUP")


def rel(
    object_id: str, agreement_id: str = "AG-1", bom: str | None = None
) -> ServiceObjectRelation:
    """The relation of ``object_id`` to an agreement (the id a copy gives it)."""
    return ServiceObjectRelation(
        f"{agreement_id}/{object_id}", object_id, RelationKind.AGREEMENT, agreement_id, bom
    )


BOILER = rel("BOILER-1")
PUMP = rel("PUMP-1")
INSPECT = ServiceTask("INSPECT", "Inspection")
CLEAN = ServiceTask("CLEAN", "Cleaning")


def new_line(**overrides: Any) -> NewAgreementLine:
    fields: dict[str, Any] = {
        "transaction_type": HOUR,
        "description": "Inspection",
        "quantity": Decimal("1.5"),
        "unit": "h",
        "cost_price": EUR40,
        "sales_price": EUR85,
        "interval": WEEKLY,
        "start_date": START,
    }
    fields.update(overrides)
    return NewAgreementLine(**fields)


def line(number: int = 1, **overrides: Any) -> AgreementLine:
    fields: dict[str, Any] = {
        "number": number,
        "transaction_type": HOUR,
        "description": "Inspection",
        "quantity": Decimal("1.5"),
        "unit": "h",
        "cost_price": EUR40,
        "sales_price": EUR85,
        "interval": WEEKLY,
        "start_date": START,
    }
    fields.update(overrides)
    return AgreementLine(**fields)


def agreement(*lines: AgreementLine, **overrides: Any) -> ServiceAgreement:
    fields: dict[str, Any] = {
        "id": "AG-1",
        "version": 1,
        "customer_id": "C-1",
        "group": GROUP,
        "start_date": START,
        "object_relations": (BOILER,),
        "service_tasks": (INSPECT,),
        "lines": lines,
    }
    fields.update(overrides)
    return ServiceAgreement(**fields)


def created(**overrides: Any) -> ServiceAgreement:
    fields: dict[str, Any] = {
        "id": "AG-1",
        "customer_id": "C-1",
        "group": GROUP,
        "start_date": START,
        "at": AT,
        "object_relations": (BOILER,),
        "service_tasks": (INSPECT,),
    }
    fields.update(overrides)
    made, _ = ServiceAgreement.create(**fields)
    return made


def bad(value: object) -> Any:
    """A value of the wrong type, passed on purpose (typed Any for mypy)."""
    return value


def check_error(
    error: ServiceDomainError, cls: type[ServiceDomainError], field: str | None
) -> None:
    assert type(error) is cls
    assert isinstance(error, ServiceDomainError)
    if field is not None:
        assert isinstance(error, InvalidInputError)
        assert error.field == field
        assert field in str(error)


# ------------------------------------------------------------------ service intervals


class TestServiceInterval:
    def test_weekly_and_biweekly_from_the_start(self) -> None:
        april = DateRange.inclusive(date(2007, 4, 1), date(2007, 4, 30))
        weekly = WEEKLY.occurrences(date(2007, 4, 1), april)
        biweekly = ServiceInterval(IntervalUnit.WEEK, 2).occurrences(date(2007, 4, 1), april)
        assert [d.day for d in weekly] == [1, 8, 15, 22, 29]
        assert [d.day for d in biweekly] == [1, 15, 29]

    @pytest.mark.parametrize(
        ("month_end", "expected"),
        [
            (date(2024, 4, 30), 3),  # [S6] a 30-day month: Apr 1, 11, 21
            (date(2024, 1, 31), 4),  # a 31-day month: Jan 1, 11, 21, 31
        ],
    )
    def test_s6_every_ten_days_over_a_month(self, month_end: date, expected: int) -> None:
        first = month_end.replace(day=1)
        every_ten = ServiceInterval(IntervalUnit.DAY, 10)
        found = every_ten.occurrences(first, DateRange.inclusive(first, month_end))
        assert len(found) == expected
        assert [d.day for d in found] == [1, 11, 21, 31][:expected]

    def test_month_ends_clamp_and_come_back(self) -> None:
        monthly = ServiceInterval(IntervalUnit.MONTH, 1)
        spring = DateRange(date(2024, 1, 1), date(2024, 6, 1))
        assert monthly.occurrences(date(2024, 1, 31), spring) == [
            date(2024, 1, 31),
            date(2024, 2, 29),
            date(2024, 3, 31),
            date(2024, 4, 30),
            date(2024, 5, 31),
        ]

    def test_yearly_from_feb_29(self) -> None:
        yearly = ServiceInterval(IntervalUnit.YEAR, 1)
        span = DateRange(date(2024, 1, 1), date(2029, 1, 1))
        assert yearly.occurrences(date(2024, 2, 29), span) == [
            date(2024, 2, 29),
            date(2025, 2, 28),
            date(2026, 2, 28),
            date(2027, 2, 28),
            date(2028, 2, 29),
        ]

    @pytest.mark.parametrize(
        "interval",
        [
            ServiceInterval(IntervalUnit.DAY, 10),
            ServiceInterval(IntervalUnit.WEEK, 3),
            ServiceInterval(IntervalUnit.MONTH, 1),
            ServiceInterval(IntervalUnit.MONTH, 5),
            ServiceInterval(IntervalUnit.YEAR, 2),
        ],
    )
    @pytest.mark.parametrize("start", [date(2000, 1, 31), date(2000, 2, 29), date(2001, 8, 30)])
    def test_a_range_years_later_matches_a_walk_from_the_start(
        self, interval: ServiceInterval, start: date
    ) -> None:
        within = DateRange(date(2031, 2, 3), date(2033, 5, 17))
        walk = []
        for k in range(10_000):
            day = interval.code.step(start, k)
            if day >= within.end:
                break
            if day in within:
                walk.append(day)
        assert interval.occurrences(start, within) == walk
        assert walk

    def test_nothing_before_the_start(self) -> None:
        before = DateRange(date(2025, 1, 1), date(2026, 1, 1))
        assert WEEKLY.occurrences(START, before) == []

    def test_the_start_is_the_first_occurrence(self) -> None:
        within = DateRange(date(2025, 12, 1), date(2026, 1, 9))
        assert WEEKLY.occurrences(START, within) == [START, date(2026, 1, 8)]

    def test_code_and_text(self) -> None:
        assert ServiceInterval(IntervalUnit.DAY, 14).code.iso == "P2W"
        assert str(ServiceInterval(IntervalUnit.MONTH, 1)) == "every month"
        assert str(ServiceInterval(IntervalUnit.DAY, 10)) == "every 10 days"

    def test_past_the_end_of_the_calendar_there_is_nothing(self) -> None:
        yearly = ServiceInterval(IntervalUnit.YEAR, 1)
        tail = DateRange(date(9998, 1, 1), date.max)
        assert yearly.occurrences(date(9990, 6, 1), tail) == [date(9998, 6, 1), date(9999, 6, 1)]

    @pytest.mark.parametrize(
        ("make", "cls", "field"),
        [
            (lambda: ServiceInterval(IntervalUnit.WEEK, 0), InvalidScheduleError, "frequency"),
            (lambda: ServiceInterval(IntervalUnit.WEEK, -2), InvalidScheduleError, "frequency"),
            (lambda: ServiceInterval(IntervalUnit.WEEK, True), InvalidScheduleError, "frequency"),
            (
                lambda: ServiceInterval(IntervalUnit.WEEK, bad(1.0)),
                InvalidScheduleError,
                "frequency",
            ),
            (
                lambda: ServiceInterval(IntervalUnit.WEEK, bad("2")),
                InvalidScheduleError,
                "frequency",
            ),
            (lambda: ServiceInterval(bad("week"), 1), InvalidScheduleError, "unit"),
            (lambda: ServiceInterval(IntervalUnit.WEEK, 1, id=bad(3)), TypeMismatchError, "id"),
            (
                lambda: WEEKLY.occurrences(
                    datetime(2026, 1, 1, tzinfo=UTC), DateRange(START, date(2026, 2, 1))
                ),
                TypeMismatchError,
                "start",
            ),
            (
                lambda: WEEKLY.occurrences(START, bad((START, date(2026, 2, 1)))),
                TypeMismatchError,
                "within",
            ),
        ],
    )
    def test_bad_input(
        self, make: Callable[[], object], cls: type[ServiceDomainError], field: str
    ) -> None:
        with pytest.raises(cls) as caught:
            make()
        check_error(caught.value, cls, field)


# ------------------------------------------------------------------- recurrence rules


def iso(days: list[date]) -> list[str]:
    return [day.isoformat() for day in days]


class TestRecurrenceRule:
    """A line's ``recurrence``: an RFC 5545 RRULE value expanded from its start date."""

    def rule_line(self, rule: str, start: date = START, **overrides: Any) -> AgreementLine:
        return line(interval=None, recurrence=rule, start_date=start, **overrides)

    def test_weekly_on_two_days(self) -> None:
        monday = date(2026, 1, 5)
        twice = self.rule_line("FREQ=WEEKLY;BYDAY=MO,TH", monday)
        january = DateRange.inclusive(date(2026, 1, 1), date(2026, 1, 31))
        assert iso(twice.occurrences(january)) == [
            "2026-01-05", "2026-01-08", "2026-01-12", "2026-01-15",
            "2026-01-19", "2026-01-22", "2026-01-26", "2026-01-29",
        ]  # fmt: skip

    def test_the_start_date_occurs_only_when_the_rule_matches_it(self) -> None:
        # Jan 1 2026 is a Thursday: a Monday rule first occurs on Jan 5.
        mondays = self.rule_line("FREQ=WEEKLY;BYDAY=MO")
        assert iso(mondays.occurrences(DateRange.inclusive(START, date(2026, 1, 12)))) == [
            "2026-01-05",
            "2026-01-12",
        ]

    def test_bymonthday_minus_one_is_every_month_end(self) -> None:
        ends = self.rule_line("FREQ=MONTHLY;BYMONTHDAY=-1", date(2024, 1, 1))
        year = DateRange.inclusive(date(2024, 1, 1), date(2024, 6, 30))
        assert iso(ends.occurrences(year)) == [
            "2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31", "2024-06-30",
        ]  # fmt: skip

    def test_bymonthday_31_skips_short_months_where_the_interval_clamps(self) -> None:
        start = date(2024, 1, 31)
        spring = DateRange.inclusive(start, date(2024, 6, 30))
        skipping = self.rule_line("FREQ=MONTHLY;BYMONTHDAY=31", start)
        clamping = line(interval=ServiceInterval(IntervalUnit.MONTH, 1), start_date=start)
        assert iso(skipping.occurrences(spring)) == ["2024-01-31", "2024-03-31", "2024-05-31"]
        assert iso(clamping.occurrences(spring)) == [
            "2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31", "2024-06-30",
        ]  # fmt: skip

    def test_count_counts_from_the_start_whatever_the_range_asked(self) -> None:
        three = self.rule_line("FREQ=WEEKLY;COUNT=3")
        # Jan 1, 8 and 15 (Jan 1 2026 is a Thursday); the range asked from Jan 10 sees one.
        later = DateRange.inclusive(date(2026, 1, 10), date(2026, 12, 31))
        assert iso(three.occurrences(later)) == ["2026-01-15"]

    def test_until_and_the_end_date_both_cut_the_series(self) -> None:
        daily = self.rule_line("FREQ=DAILY;UNTIL=20260105")
        assert iso(daily.occurrences(DateRange.inclusive(START, date(2026, 1, 31)))) == [
            "2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05",
        ]  # fmt: skip
        ended = self.rule_line("FREQ=DAILY;UNTIL=20260105", end_date=date(2026, 1, 2))
        assert iso(ended.occurrences(DateRange.inclusive(START, date(2026, 1, 31)))) == [
            "2026-01-01",
            "2026-01-02",
        ]

    def test_a_line_without_interval_or_rule_occurs_once(self) -> None:
        once = line(interval=None)
        assert once.occurrences(DateRange.inclusive(START, date(2026, 12, 31))) == [START]

    def test_the_rule_is_a_str_field_kept_as_given(self) -> None:
        made = self.rule_line("FREQ=WEEKLY;BYDAY=MO,TH")
        assert made.recurrence == "FREQ=WEEKLY;BYDAY=MO,TH"
        assert attrs.fields(AgreementLine).recurrence.type in ("str | None", str | None)
        assert pickle.loads(pickle.dumps(made)) == made
        assert "recurrence" in CHANGEABLE_FIELDS

    def test_names_and_values_are_read_case_insensitively_and_kept_as_given(self) -> None:
        lower = self.rule_line("freq=weekly;byday=mo,th")
        upper = self.rule_line("FREQ=WEEKLY;BYDAY=MO,TH")
        january = DateRange.inclusive(START, date(2026, 1, 31))
        assert lower.occurrences(january) == upper.occurrences(january)
        assert lower.recurrence == "freq=weekly;byday=mo,th"

    def test_a_rule_from_the_first_or_last_days_of_the_calendar(self) -> None:
        first = self.rule_line("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", date(1, 1, 1))
        assert iso(first.occurrences(DateRange(date(1, 1, 1), date(9, 1, 1)))) == [
            "0004-02-29",
            "0008-02-29",
        ]
        last = self.rule_line("FREQ=MONTHLY;BYMONTHDAY=-1", date(9999, 11, 15))
        assert iso(last.occurrences(DateRange(date(9999, 11, 1), date.max))) == ["9999-11-30"]

    def test_a_new_line_with_a_rule_is_added(self) -> None:
        before = agreement()
        after, _ = before.add_line(
            new_line(interval=None, recurrence="FREQ=MONTHLY;BYMONTHDAY=-1"), at=AT
        )
        assert after.line(1).recurrence == "FREQ=MONTHLY;BYMONTHDAY=-1"

    def test_change_line_swaps_an_interval_for_a_rule(self) -> None:
        before = agreement(line(1))
        after, events = before.change_line(1, at=AT, interval=None, recurrence="FREQ=DAILY")
        assert after.line(1).interval is None
        assert after.line(1).recurrence == "FREQ=DAILY"
        assert isinstance(events[0], AgreementLineChanged)
        assert events[0].changed_fields == ("interval", "recurrence")

    def test_change_line_refuses_a_rule_next_to_an_interval(self) -> None:
        with pytest.raises(InvalidScheduleError) as caught:
            agreement(line(1)).change_line(1, at=AT, recurrence="FREQ=DAILY")
        check_error(caught.value, InvalidScheduleError, "recurrence")

    def test_moving_the_start_date_rechecks_the_rule(self) -> None:
        until = agreement(line(1, interval=None, recurrence="FREQ=DAILY;UNTIL=20260110"))
        with pytest.raises(InvalidScheduleError) as caught:
            until.change_line(1, at=AT, start_date=date(2026, 2, 1))
        check_error(caught.value, InvalidScheduleError, "recurrence")

    @pytest.mark.parametrize(
        ("rule", "reason"),
        [
            ("", "one RRULE value"),
            ("   ", "one RRULE value"),
            ("FOO", "NAME=VALUE"),
            ("BYDAY=MO", "FREQ is DAILY, WEEKLY, MONTHLY or YEARLY"),
            ("FREQ=YEARLY;RDATE=20260101", "RDATE is not a part"),
            ("FREQ=WEEKLY;BYDAY=XX", "BYDAY holds weekdays"),
            ("FREQ=FORTNIGHTLY", "FREQ is DAILY, WEEKLY, MONTHLY or YEARLY"),
            ("FREQ=DAILY;UNTIL=2026", "UNTIL is a date"),
            ("FREQ=DAILY;UNTIL=20261340", "not an RFC 5545 recurrence rule"),
            ("FREQ=DAILY;INTERVAL=0", "INTERVAL is an integer >= 1"),
            ("FREQ=DAILY;INTERVAL=-1", "INTERVAL is an integer >= 1"),
            ("FREQ=DAILY;INTERVAL=x", "INTERVAL is an integer >= 1"),
            ("FREQ=DAILY;COUNT=-1", "COUNT is an integer >= 1"),
            ("FREQ=DAILY;COUNT=0", "COUNT is an integer >= 1"),
            ("FREQ=DAILY;INTERVAL=2;INTERVAL=3", "INTERVAL is given twice"),
            ("FREQ=DAILY;", "NAME=VALUE"),
            ("FREQ=DAILY;INTERVAL", "NAME=VALUE"),
            ("FREQ=YEARLY;BYEASTER=0", "BYEASTER is not a part"),
            ("FREQ=YEARLY;BYMONTH=13", "BYMONTH holds integers from 1 to 12"),
            ("FREQ=YEARLY;BYMONTH=0", "BYMONTH holds integers from 1 to 12"),
            ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY holds integers from 1 to 31"),
            ("FREQ=MONTHLY;BYMONTHDAY=-32", "BYMONTHDAY holds integers from 1 to 31"),
            ("FREQ=MONTHLY;BYMONTHDAY=1,x", "BYMONTHDAY holds integers from 1 to 31"),
            ("FREQ=YEARLY;BYYEARDAY=367", "BYYEARDAY holds integers from 1 to 366"),
            ("FREQ=YEARLY;BYWEEKNO=54", "BYWEEKNO holds integers from 1 to 53"),
            ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0", "BYSETPOS holds integers from 1 to 366"),
            ("FREQ=MONTHLY;BYDAY=6MO", "a numbered BYDAY is from 1 to 5 in a MONTHLY rule"),
            ("FREQ=YEARLY;BYDAY=54MO", "a numbered BYDAY is from 1 to 53 in a YEARLY rule"),
            ("FREQ=WEEKLY;BYDAY=1MO", "a numbered BYDAY needs FREQ=MONTHLY or YEARLY"),
            ("FREQ=MONTHLY;BYDAY=0MO", "a numbered BYDAY is from 1 to 5"),
            ("FREQ=MONTHLY;BYDAY=MON", "BYDAY holds weekdays"),
            ("FREQ=WEEKLY;WKST=XX", "not an RFC 5545 recurrence rule"),
            ("RRULE:FREQ=DAILY", "one RRULE value"),
            ("DTSTART:20260101\nRRULE:FREQ=DAILY", "one RRULE value"),
            ("FREQ=DAILY;DTSTART=20260101", "DTSTART"),
            ("FREQ=HOURLY", "FREQ is DAILY, WEEKLY, MONTHLY or YEARLY"),
            ("FREQ=MINUTELY", "FREQ is DAILY, WEEKLY, MONTHLY or YEARLY"),
            ("FREQ=DAILY;BYHOUR=9", "BYHOUR"),
            ("FREQ=DAILY;BYMINUTE=30", "BYMINUTE"),
            ("FREQ=DAILY;BYSECOND=1", "BYSECOND"),
            ("FREQ=DAILY;COUNT=3;UNTIL=20261231", "not both"),
            ("FREQ=DAILY;UNTIL=20261231T000000Z", "not a UTC one"),
            ("FREQ=DAILY;UNTIL=20251231", "up to its UNTIL"),
            ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "no occurrence in the 400 years"),
            ("FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31", "no occurrence in the 400 years"),
            ("FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2,4,6", "no occurrence in the 400 years"),
        ],
    )
    def test_a_bad_rule_is_refused_naming_the_field_and_the_rule(
        self, rule: str, reason: str
    ) -> None:
        for make in (
            lambda: self.rule_line(rule),
            lambda: new_line(interval=None, recurrence=rule),
        ):
            with pytest.raises(InvalidScheduleError) as caught:
                make()
            check_error(caught.value, InvalidScheduleError, "recurrence")
            assert caught.value.value == rule
            assert reason in str(caught.value)

    def test_a_rule_that_never_occurs_is_refused_from_any_start(self) -> None:
        # The horizon check moves the rule by 400-year cycles; it holds near the
        # calendar's ends too.
        for start in (date(1, 1, 1), date(2100, 1, 1), date(9700, 3, 1), date(9999, 12, 1)):
            with pytest.raises(InvalidScheduleError, match="no occurrence"):
                self.rule_line("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", start)
        # Feb 29 recurs, but not before the calendar ends from Mar 9996.
        with pytest.raises(InvalidScheduleError, match="end of the calendar"):
            self.rule_line("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", date(9996, 3, 1))
        last = self.rule_line("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31", date(9999, 1, 1))
        assert last.occurrences(DateRange(date(9999, 1, 1), date.max)) == []  # date.max: past
        assert iso(last.occurrences(DateRange(date(9999, 1, 1), date(9999, 12, 31)))) == []

    def test_a_rare_rule_within_the_horizon_is_kept(self) -> None:
        # Feb 29 on a Monday: next in 2044 from 2026.
        rare = self.rule_line("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO")
        assert iso(rare.occurrences(DateRange(START, date(2050, 1, 1)))) == ["2044-02-29"]

    def test_a_century_leap_rule_never_on_a_leap_year_is_refused(self) -> None:
        # 2100, 2500, 2900 ... are never leap years: every 400 years from 2100 has no Feb 29.
        with pytest.raises(InvalidScheduleError, match="no occurrence"):
            self.rule_line("FREQ=YEARLY;INTERVAL=400;BYMONTH=2;BYMONTHDAY=29", date(2100, 1, 1))

    @pytest.mark.parametrize("rule", [1, b"FREQ=DAILY", ("FREQ=DAILY",), True])
    def test_a_rule_that_is_not_a_str_is_refused(self, rule: object) -> None:
        with pytest.raises(TypeMismatchError) as caught:
            self.rule_line(bad(rule))
        check_error(caught.value, TypeMismatchError, "recurrence")

    def test_a_rule_and_an_interval_together_are_refused(self) -> None:
        for make in (
            lambda: line(interval=WEEKLY, recurrence="FREQ=WEEKLY"),
            lambda: new_line(interval=WEEKLY, recurrence="FREQ=WEEKLY"),
        ):
            with pytest.raises(InvalidScheduleError, match="not both") as caught:
                make()
            check_error(caught.value, InvalidScheduleError, "recurrence")

    def test_occurrences_wants_a_date_range(self) -> None:
        with pytest.raises(TypeMismatchError) as caught:
            line().occurrences(bad((START, START)))
        check_error(caught.value, TypeMismatchError, "within")


# ---------------------------------------------------------------------- time windows


class TestTimeWindow:
    def test_week_is_the_iso_week(self) -> None:
        wednesday = date(2012, 2, 15)
        bounds = TimeWindow(WindowKind.WEEK).bounds(wednesday)
        assert bounds == DateRange.inclusive(date(2012, 2, 13), date(2012, 2, 19))
        assert bounds.start.weekday() == 0
        assert TimeWindow(WindowKind.WEEK).bounds(date(2012, 2, 13)) == bounds
        assert TimeWindow(WindowKind.WEEK).bounds(date(2012, 2, 19)) == bounds

    def test_month_is_the_calendar_month(self) -> None:
        window = TimeWindow(WindowKind.MONTH)
        assert window.bounds(date(2012, 2, 15)) == DateRange.inclusive(
            date(2012, 2, 1), date(2012, 2, 29)
        )
        assert window.bounds(date(2011, 12, 31)) == DateRange.inclusive(
            date(2011, 12, 1), date(2011, 12, 31)
        )

    def test_days_before_and_after(self) -> None:
        window = TimeWindow(WindowKind.DAYS, days_before=2, days_after=3)
        assert window.bounds(date(2012, 3, 1)) == DateRange.inclusive(
            date(2012, 2, 28), date(2012, 3, 4)
        )
        assert TimeWindow(WindowKind.DAYS).bounds(date(2012, 3, 1)) == DateRange.inclusive(
            date(2012, 3, 1), date(2012, 3, 1)
        )

    def test_reach(self) -> None:
        assert TimeWindow(WindowKind.WEEK).reach == 6
        assert TimeWindow(WindowKind.MONTH).reach == 30
        assert TimeWindow(WindowKind.DAYS, days_before=4, days_after=9).reach == 9

    def test_cut_at_the_start_of_the_calendar(self) -> None:
        window = TimeWindow(WindowKind.DAYS, days_before=5, days_after=1)
        assert window.bounds(date(1, 1, 2)) == DateRange.inclusive(date(1, 1, 1), date(1, 1, 3))

    @pytest.mark.parametrize(
        ("make", "cls", "field"),
        [
            (lambda: TimeWindow(bad("week")), TypeMismatchError, "kind"),
            (lambda: TimeWindow(WindowKind.DAYS, days_before=-1), InvalidInputError, "days_before"),
            (
                lambda: TimeWindow(WindowKind.DAYS, days_after=bad(1.5)),
                TypeMismatchError,
                "days_after",
            ),
            (lambda: TimeWindow(WindowKind.DAYS, days_after=True), TypeMismatchError, "days_after"),
            (lambda: TimeWindow(WindowKind.WEEK, days_after=2), InvalidInputError, "days_after"),
            (lambda: TimeWindow(WindowKind.MONTH, days_before=1), InvalidInputError, "days_before"),
            (
                lambda: TimeWindow(WindowKind.WEEK).bounds(bad("2012-02-15")),
                TypeMismatchError,
                "calculated",
            ),
            (
                lambda: TimeWindow(WindowKind.WEEK).bounds(date.max),
                InvalidPeriodError,
                "calculated",
            ),
        ],
    )
    def test_bad_input(
        self, make: Callable[[], object], cls: type[ServiceDomainError], field: str
    ) -> None:
        with pytest.raises(cls) as caught:
            make()
        check_error(caught.value, cls, field)


# --------------------------------------------------------------------- agreement lines


class TestAgreementLine:
    def test_active_dates_are_half_open_from_the_inclusive_end(self) -> None:
        closed = line(start_date=date(2026, 1, 5), end_date=date(2026, 3, 31))
        assert closed.active_dates == DateRange(date(2026, 1, 5), date(2026, 4, 1))
        assert line(start_date=date(2026, 1, 5)).active_dates == DateRange(
            date(2026, 1, 5), date.max
        )
        one_day = line(start_date=date(2026, 1, 5), end_date=date(2026, 1, 5))
        assert one_day.active_dates.days == 1

    def test_quantity_is_exact(self) -> None:
        assert line(quantity=2).quantity == Decimal(2)
        assert line(quantity=Decimal("0.000001")).quantity == Decimal("0.000001")

    def test_lines_are_values(self) -> None:
        assert line() == line()
        assert hash(line()) == hash(line())
        assert pickle.loads(pickle.dumps(line())) == line()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            line().stopped = True  # type: ignore[misc]

    def test_from_new_fills_prices_from_the_defaults(self) -> None:
        hour = AgreementLine.from_new(
            new_line(cost_price=None), number=4, hour_cost_price=Money(30, "EUR")
        )
        assert (hour.number, hour.cost_price, hour.sales_price) == (4, Money(30, "EUR"), EUR85)
        expense = AgreementLine.from_new(
            new_line(transaction_type=EXPENSE, cost_price=None),
            number=1,
            hour_cost_price=Money(30, "EUR"),
            expense_cost_price=Money(12, "EUR"),
        )
        assert expense.cost_price == Money(12, "EUR")
        fee = AgreementLine.from_new(
            new_line(transaction_type=FEE, cost_price=None, sales_price=None),
            number=1,
            fee_sales_price=Money(99, "EUR"),
        )
        assert (fee.cost_price, fee.sales_price) == (Money(0, "EUR"), Money(99, "EUR"))

    def test_a_given_price_wins_over_the_default(self) -> None:
        hour = AgreementLine.from_new(new_line(), number=1, hour_cost_price=Money(30, "EUR"))
        assert hour.cost_price == EUR40

    @pytest.mark.parametrize(
        ("make", "cls", "field"),
        [
            (lambda: line(end_date=START - timedelta(days=1)), InvalidPeriodError, "end_date"),
            (lambda: line(transaction_type="hour"), TypeMismatchError, "transaction_type"),
            (lambda: line(quantity=1.5), InvalidQuantityError, "quantity"),
            (lambda: line(quantity=-1), InvalidQuantityError, "quantity"),
            (lambda: line(quantity=Decimal("NaN")), InvalidQuantityError, "quantity"),
            (lambda: line(quantity=Decimal("0.0000001")), InvalidQuantityError, "quantity"),
            (lambda: line(cost_price=Money(-1, "EUR")), InvalidPriceError, "cost_price"),
            (lambda: line(sales_price=Money(85, "USD")), CurrencyMismatchError, "sales_price"),
            (lambda: line(sales_price=Decimal(85)), TypeMismatchError, "sales_price"),
            (lambda: line(number=0), InvalidInputError, "number"),
            (lambda: line(number=bad("1")), TypeMismatchError, "number"),
            (
                lambda: line(start_date=datetime(2026, 1, 1, tzinfo=UTC)),
                TypeMismatchError,
                "start_date",
            ),
            (lambda: line(end_date="2026-12-31"), TypeMismatchError, "end_date"),
            (lambda: line(interval=WindowKind.WEEK), TypeMismatchError, "interval"),
            (lambda: line(time_window=WEEKLY), TypeMismatchError, "time_window"),
            (lambda: line(preferred_time="08:00"), TypeMismatchError, "preferred_time"),
            (
                lambda: line(preferred_time=time(8, tzinfo=ZoneInfo("Europe/Paris"))),
                InvalidInputError,
                "preferred_time",
            ),
            (lambda: line(stopped=1), TypeMismatchError, "stopped"),
            (lambda: line(service_object_id=""), InvalidInputError, "service_object_id"),
            (lambda: line(description=None), TypeMismatchError, "description"),
            (lambda: new_line(quantity=0.5), InvalidQuantityError, "quantity"),
            (lambda: new_line(end_date=date(2025, 1, 1)), InvalidPeriodError, "end_date"),
            (lambda: new_line(cost_price=Money(1, "USD")), CurrencyMismatchError, "sales_price"),
            (
                lambda: AgreementLine.from_new(new_line(cost_price=None), number=1),
                InvalidPriceError,
                "new_line.cost_price",
            ),
            (
                lambda: AgreementLine.from_new(
                    new_line(transaction_type=ITEM, sales_price=None),
                    number=1,
                    fee_sales_price=EUR85,
                ),
                InvalidPriceError,
                "new_line.sales_price",
            ),
            (
                lambda: AgreementLine.from_new(
                    new_line(cost_price=None), number=1, hour_cost_price=Money(1, "USD")
                ),
                CurrencyMismatchError,
                "new_line.sales_price",
            ),
        ],
    )
    def test_bad_input(
        self, make: Callable[[], object], cls: type[ServiceDomainError], field: str
    ) -> None:
        with pytest.raises(cls) as caught:
            make()
        check_error(caught.value, cls, field)


# ------------------------------------------------------------------ the agreement


class TestServiceAgreementModel:
    def test_effective_sla(self) -> None:
        assert agreement().effective_sla_id == "SLA-GROUP"
        assert agreement(sla_id="SLA-OWN").effective_sla_id == "SLA-OWN"
        assert agreement(group=AgreementGroup("PLAIN")).effective_sla_id is None

    def test_lines_are_kept_in_number_order(self) -> None:
        made = agreement(line(5), line(2), line(9))
        assert made.line_numbers == (2, 5, 9)
        assert made.line(5).number == 5

    def test_lines_may_run_outside_the_agreement_dates(self) -> None:
        made = agreement(
            line(1, start_date=date(2025, 6, 1), end_date=date(2030, 1, 1)),
            end_date=date(2026, 12, 31),
        )
        assert made.lines[0].start_date < made.start_date

    def test_active_dates(self) -> None:
        assert agreement(end_date=date(2026, 12, 31)).active_dates == DateRange(
            START, date(2027, 1, 1)
        )

    def test_lines_reference_related_objects_and_tasks(self) -> None:
        made = agreement(line(1, service_object_id="BOILER-1", service_task_id="INSPECT"))
        assert made.lines[0].service_object_id == "BOILER-1"

    def test_unknown_line(self) -> None:
        with pytest.raises(UnknownLineError) as caught:
            agreement(line(1)).line(2)
        check_error(caught.value, UnknownLineError, "number")

    @pytest.mark.parametrize(
        ("make", "cls", "field"),
        [
            (
                lambda: agreement(line(1), line(2, service_object_id="PUMP-1")),
                InvalidInputError,
                "lines[1].service_object_id",
            ),
            (
                lambda: agreement(line(1, service_task_id="CLEAN")),
                InvalidInputError,
                "lines[0].service_task_id",
            ),
            (lambda: agreement(line(1), line(1)), InvalidInputError, "lines[1].number"),
            (
                lambda: agreement(object_relations=(BOILER, BOILER)),
                InvalidInputError,
                "object_relations",
            ),
            (
                lambda: agreement(object_relations=(BOILER, attrs.evolve(BOILER, id="R-2"))),
                InvalidInputError,
                "object_relations",
            ),
            (
                lambda: agreement(object_relations=(rel("BOILER-1", "AG-2"),)),
                InvalidInputError,
                "object_relations[0].key",
            ),
            (
                lambda: agreement(
                    object_relations=(attrs.evolve(BOILER, kind=RelationKind.ORDER),)
                ),
                InvalidInputError,
                "object_relations[0].key",
            ),
            (
                lambda: agreement(service_tasks=(INSPECT, INSPECT)),
                InvalidInputError,
                "service_tasks",
            ),
            (lambda: agreement(end_date=date(2025, 12, 31)), InvalidPeriodError, "end_date"),
            (lambda: agreement(version=0), InvalidInputError, "version"),
            (lambda: agreement(version=True), TypeMismatchError, "version"),
            (lambda: agreement(id=""), InvalidInputError, "id"),
            (lambda: agreement(customer_id=None), TypeMismatchError, "customer_id"),
            (lambda: agreement(group="MAINT"), TypeMismatchError, "group"),
            (lambda: agreement(group_by="agreement"), TypeMismatchError, "group_by"),
            (lambda: agreement(suspended="no"), TypeMismatchError, "suspended"),
            (lambda: agreement(start_date=None), TypeMismatchError, "start_date"),
            (lambda: agreement(lines=[line(1)]), TypeMismatchError, "lines"),
            (
                lambda: agreement(object_relations=("BOILER-1",)),
                TypeMismatchError,
                "object_relations[0]",
            ),
            (
                lambda: agreement(hour_cost_price=Money(-5, "EUR")),
                InvalidPriceError,
                "hour_cost_price",
            ),
            (
                lambda: agreement(
                    line(1), line(2, cost_price=Money(1, "USD"), sales_price=Money(2, "USD"))
                ),
                CurrencyMismatchError,
                "lines[1].cost_price",
            ),
            (
                lambda: agreement(line(1), fee_sales_price=Money(1, "USD")),
                CurrencyMismatchError,
                "lines[0].cost_price",
            ),
            (lambda: agreement(project_id=""), InvalidInputError, "project_id"),
        ],
    )
    def test_bad_input(
        self, make: Callable[[], object], cls: type[ServiceDomainError], field: str
    ) -> None:
        with pytest.raises(cls) as caught:
            make()
        check_error(caught.value, cls, field)


# ------------------------------------------------------------------- operations


class TestOperations:
    def test_create_numbers_lines_and_fills_prices(self) -> None:
        made, events = ServiceAgreement.create(
            id="AG-1",
            customer_id="C-1",
            group=GROUP,
            start_date=START,
            at=AT,
            hour_cost_price=Money(30, "EUR"),
            fee_sales_price=Money(120, "EUR"),
            lines=[
                new_line(cost_price=None),
                new_line(transaction_type=FEE, cost_price=None, sales_price=None),
            ],
        )
        assert made.version == 1
        assert made.line_numbers == (1, 2)
        assert made.lines[0].cost_price == Money(30, "EUR")
        assert (made.lines[1].cost_price, made.lines[1].sales_price) == (
            Money(0, "EUR"),
            Money(120, "EUR"),
        )
        assert events == (
            AgreementCreated(
                entity_id="AG-1",
                occurred_at=AT,
                customer_id="C-1",
                group_id="MAINT",
                line_numbers=(1, 2),
            ),
        )

    def test_add_line_numbers_after_the_highest(self) -> None:
        before = agreement(line(1), line(5))
        after, events = before.add_line(new_line(description="Filter"), at=AT)
        assert after.line_numbers == (1, 5, 6)
        assert after.version == before.version + 1
        assert events == (AgreementLineAdded(entity_id="AG-1", occurred_at=AT, line=after.line(6)),)
        assert after.line(6).description == "Filter"
        assert before.line_numbers == (1, 5)

    def test_add_line_takes_the_header_defaults(self) -> None:
        before = agreement(expense_cost_price=Money(7, "EUR"))
        after, _ = before.add_line(new_line(transaction_type=EXPENSE, cost_price=None), at=AT)
        assert after.line(1).cost_price == Money(7, "EUR")

    def test_change_line(self) -> None:
        before = agreement(line(1), line(2))
        after, events = before.change_line(
            2, at=AT, quantity=Decimal(3), service_object_id="BOILER-1"
        )
        assert after.version == 2
        assert after.line(2).quantity == Decimal(3)
        assert after.line(1) == before.line(1)
        assert events == (
            AgreementLineChanged(
                entity_id="AG-1",
                occurred_at=AT,
                line=after.line(2),
                changed_fields=("quantity", "service_object_id"),
            ),
        )

    def test_changing_nothing_returns_the_same_agreement(self) -> None:
        before = agreement(line(1))
        assert before.change_line(1, at=AT, quantity=Decimal("1.5")) == (before, ())

    def test_stop_and_restart_a_line(self) -> None:
        before = agreement(line(1), line(2))
        stopped, events = before.stop_line(2, at=AT)
        assert stopped.line(2).stopped
        assert not stopped.line(1).stopped
        assert stopped.version == 2
        assert events == (AgreementLineStopped(entity_id="AG-1", occurred_at=AT, line_number=2),)
        assert stopped.stop_line(2, at=AT) == (stopped, ())
        restarted, events = stopped.restart_line(2, at=AT)
        assert not restarted.line(2).stopped
        assert restarted.version == 3
        assert events == (AgreementLineRestarted(entity_id="AG-1", occurred_at=AT, line_number=2),)
        assert restarted.restart_line(2, at=AT) == (restarted, ())

    def test_suspend_and_resume(self) -> None:
        before = agreement()
        suspended, events = before.suspend(at=AT)
        assert (suspended.suspended, suspended.version) == (True, 2)
        assert events == (AgreementSuspended(entity_id="AG-1", occurred_at=AT),)
        assert suspended.suspend(at=AT) == (suspended, ())
        resumed, events = suspended.resume(at=AT)
        assert (resumed.suspended, resumed.version) == (False, 3)
        assert events == (AgreementResumed(entity_id="AG-1", occurred_at=AT),)
        assert resumed.resume(at=AT) == (resumed, ())

    def test_relate_object_and_task(self) -> None:
        before = agreement()
        after, events = before.relate_object(PUMP, at=AT)
        assert after.object_relations == (BOILER, PUMP)
        assert after.relation_of("PUMP-1") == PUMP
        assert events == (AgreementObjectRelated(entity_id="AG-1", occurred_at=AT, relation=PUMP),)
        assert after.relate_object(PUMP, at=AT) == (after, ())
        after, events = after.relate_task(CLEAN, at=AT)
        assert after.service_tasks == (INSPECT, CLEAN)
        assert after.version == 3
        assert events == (
            AgreementTaskRelated(entity_id="AG-1", occurred_at=AT, service_task=CLEAN),
        )
        assert after.relate_task(CLEAN, at=AT) == (after, ())

    def test_relating_another_value_under_a_related_id_is_refused(self) -> None:
        with pytest.raises(AgreementRuleError) as caught:
            agreement().relate_object(attrs.evolve(BOILER, object_id="OTHER"), at=AT)
        assert caught.value.rule == "object.conflict"
        assert caught.value.entity_id == "AG-1"
        with pytest.raises(AgreementRuleError) as caught:
            agreement().relate_object(attrs.evolve(BOILER, id="R-2"), at=AT)
        assert caught.value.rule == "object.related"
        for bad, field in (
            (rel("PUMP-1", "AG-2"), "relation.key"),
            (attrs.evolve(PUMP, kind=RelationKind.ORDER), "relation.kind"),
        ):
            with pytest.raises(InvalidInputError) as refused:
                agreement().relate_object(bad, at=AT)
            assert refused.value.field == field
        with pytest.raises(AgreementRuleError) as caught:
            agreement().relate_task(ServiceTask("INSPECT", "Other"), at=AT)
        assert caught.value.rule == "task.conflict"

    @pytest.mark.parametrize(
        ("make", "cls", "field"),
        [
            (
                lambda: agreement().add_line(
                    bad(
                        NewLine(
                            transaction_type=HOUR, quantity=1, cost_price=EUR40, sales_price=EUR85
                        )
                    ),
                    at=AT,
                ),
                TypeMismatchError,
                "new_line",
            ),
            (
                lambda: agreement().add_line(new_line(service_object_id="PUMP-1"), at=AT),
                InvalidInputError,
                "lines[0].service_object_id",
            ),
            (
                lambda: agreement().add_line(new_line(cost_price=None), at=AT),
                InvalidPriceError,
                "new_line.cost_price",
            ),
            (
                lambda: agreement().add_line(new_line(), at=datetime(2026, 1, 2)),  # noqa: DTZ001
                NaiveDatetimeError,
                "at",
            ),
            (
                lambda: agreement(line(1)).change_line(2, at=AT, unit="pcs"),
                UnknownLineError,
                "number",
            ),
            (lambda: agreement(line(1)).change_line(1, at=AT), InvalidInputError, "changes"),
            (
                lambda: agreement(line(1)).change_line(1, at=AT, **bad({"number": 3})),
                InvalidInputError,
                "number",
            ),
            (
                lambda: agreement(line(1)).change_line(1, at=AT, **bad({"stopped": True})),
                InvalidInputError,
                "stopped",
            ),
            (
                lambda: agreement(line(1)).change_line(1, at=AT, quantity=bad(2.0)),
                InvalidQuantityError,
                "quantity",
            ),
            (
                lambda: agreement(line(1)).change_line(1, at=AT, service_object_id="PUMP-1"),
                InvalidInputError,
                "lines[0].service_object_id",
            ),
            (
                lambda: agreement(line(1)).change_line(1, at=AT, end_date=date(2025, 1, 1)),
                InvalidPeriodError,
                "end_date",
            ),
            (lambda: agreement(line(1)).stop_line(7, at=AT), UnknownLineError, "number"),
            (lambda: agreement(line(1)).stop_line(bad("1"), at=AT), TypeMismatchError, "number"),
            (lambda: agreement().suspend(at=bad(None)), TypeMismatchError, "at"),
            (
                lambda: agreement().relate_object(bad("PUMP-1"), at=AT),
                TypeMismatchError,
                "relation",
            ),
            (lambda: agreement().relate_task(bad(BOILER), at=AT), TypeMismatchError, "task"),
            (lambda: agreement().copy_lines_from(bad("AG-2"), at=AT), TypeMismatchError, "source"),
            (
                lambda: agreement().copy_lines_from(agreement(), at=AT, with_relations=bad(1)),
                TypeMismatchError,
                "with_relations",
            ),
            (
                lambda: ServiceAgreement.create(
                    id="AG-1",
                    customer_id="C-1",
                    group=GROUP,
                    start_date=START,
                    at=AT,
                    lines=[new_line(cost_price=None)],
                ),
                InvalidPriceError,
                "lines[0].cost_price",
            ),
            (
                lambda: ServiceAgreement.create(
                    id="AG-1",
                    customer_id="C-1",
                    group=GROUP,
                    start_date=START,
                    at=AT,
                    lines=[new_line(), new_line(transaction_type=ITEM, sales_price=None)],
                ),
                InvalidPriceError,
                "lines[1].sales_price",
            ),
            (
                lambda: ServiceAgreement.create(
                    id="AG-1",
                    customer_id="C-1",
                    group=GROUP,
                    start_date=START,
                    at=AT,
                    lines=[bad(line(1))],
                ),
                TypeMismatchError,
                "lines[0]",
            ),
            (
                lambda: ServiceAgreement.create(
                    id="AG-1",
                    customer_id="C-1",
                    group=GROUP,
                    start_date=START,
                    at=AT,
                    lines=bad("L1"),
                ),
                TypeMismatchError,
                "lines",
            ),
            (
                lambda: ServiceAgreement.create(
                    id="AG-1",
                    customer_id="C-1",
                    group=GROUP,
                    start_date=START,
                    at=AT,
                    fee_sales_price=Money(-1, "EUR"),
                ),
                InvalidPriceError,
                "fee_sales_price",
            ),
        ],
    )
    def test_bad_input(
        self, make: Callable[[], object], cls: type[ServiceDomainError], field: str
    ) -> None:
        with pytest.raises(cls) as caught:
            make()
        check_error(caught.value, cls, field)

    def test_changeable_fields(self) -> None:
        assert "number" not in CHANGEABLE_FIELDS
        assert "stopped" not in CHANGEABLE_FIELDS
        assert {"quantity", "interval", "time_window", "end_date"} <= set(CHANGEABLE_FIELDS)


# ---------------------------------------------------------------------- copy lines


class TestCopyLines:
    def source(self) -> ServiceAgreement:
        return agreement(
            line(1, service_object_id="PUMP-1", description="pump"),
            line(2, stopped=True, service_object_id="PUMP-1", description="stopped"),
            line(4, service_task_id="CLEAN", description="clean"),
            id="AG-2",
            object_relations=(rel("PUMP-1", "AG-2", bom="BOM-P"), rel("UNUSED", "AG-2")),
            service_tasks=(CLEAN,),
        )

    def test_from_an_agreement_renumbers_and_adds_relations(self) -> None:
        target = agreement(line(3, service_object_id="BOILER-1"))
        after, events = target.copy_lines_from(self.source(), at=AT)
        assert after.version == 2
        assert after.line_numbers == (3, 4, 5)
        assert [ln.description for ln in after.lines] == ["Inspection", "pump", "clean"]
        # A new relation of this agreement, keeping the source relation's template BOM.
        assert after.object_relations == (BOILER, rel("PUMP-1", bom="BOM-P"))
        assert after.service_tasks == (INSPECT, CLEAN)
        assert events == (
            LinesCopied(
                entity_id="AG-1",
                occurred_at=AT,
                source_id="AG-2",
                source_kind="agreement",
                numbers=((1, 4), (4, 5)),
                service_object_ids=("PUMP-1",),
                service_task_ids=("CLEAN",),
            ),
        )

    def test_stopped_lines_are_never_copied(self) -> None:
        after, _ = agreement().copy_lines_from(self.source(), at=AT)
        assert "stopped" not in [ln.description for ln in after.lines]
        assert not any(ln.stopped for ln in after.lines)

    def test_relations_already_there_are_kept_and_not_repeated(self) -> None:
        target = agreement(object_relations=(PUMP, BOILER))
        after, events = target.copy_lines_from(self.source(), at=AT)
        assert after.object_relations == (PUMP, BOILER)
        assert isinstance(events[0], LinesCopied)
        assert events[0].service_object_ids == ()

    def test_without_relations_the_references_must_be_related_already(self) -> None:
        with pytest.raises(AgreementRuleError) as caught:
            agreement().copy_lines_from(self.source(), at=AT, with_relations=False)
        assert caught.value.rule == "copy.object_not_related"
        with pytest.raises(AgreementRuleError) as caught:
            agreement(object_relations=(PUMP,)).copy_lines_from(
                self.source(), at=AT, with_relations=False
            )
        assert caught.value.rule == "copy.task_not_related"
        ready = agreement(object_relations=(PUMP,), service_tasks=(CLEAN,))
        after, _ = ready.copy_lines_from(self.source(), at=AT, with_relations=False)
        assert after.object_relations == (PUMP,)
        assert after.line_numbers == (1, 2)

    def test_a_conflicting_relation_is_refused(self) -> None:
        # the id a copy would give PUMP-1's relation is taken by another object's
        target = agreement(object_relations=(attrs.evolve(PUMP, object_id="OTHER"),))
        with pytest.raises(AgreementRuleError) as caught:
            target.copy_lines_from(self.source(), at=AT)
        assert caught.value.rule == "object.conflict"

    def test_from_a_template_relations_always_come_along(self) -> None:
        template = ServiceTemplate(
            id="TPL-1",
            group_id="HEAT",
            lines=(line(7, service_object_id="PUMP-1"), line(8, stopped=True)),
            service_object_ids=("PUMP-1",),
        )
        after, events = agreement().copy_lines_from(template, at=AT, with_relations=False)
        assert after.line_numbers == (1,)
        assert after.line(1).service_object_id == "PUMP-1"
        assert after.object_relations == (BOILER, PUMP)
        assert isinstance(events[0], LinesCopied)
        assert (events[0].source_kind, events[0].numbers) == ("template", ((7, 1),))

    def test_nothing_to_copy_changes_nothing(self) -> None:
        target = agreement(line(1))
        only_stopped = agreement(line(1, stopped=True), id="AG-2", object_relations=())
        assert target.copy_lines_from(only_stopped, at=AT) == (target, ())


# ------------------------------------------------------------------------ templates


class TestTemplates:
    def groups(self) -> TemplateGroups:
        return TemplateGroups(
            [
                TemplateGroup("HEAT", "Heating"),
                TemplateGroup("BOILER", "Boilers", "HEAT"),
                TemplateGroup("COOL", "Cooling"),
                TemplateGroup("GAS", "Gas boilers", "BOILER"),
                TemplateGroup("OIL", "Oil boilers", "BOILER"),
            ]
        )

    def test_a_forest(self) -> None:
        groups = self.groups()
        assert [g.id for g in groups.roots] == ["HEAT", "COOL"]
        assert [g.id for g in groups.children("BOILER")] == ["GAS", "OIL"]
        assert groups.children("COOL") == ()
        assert [g.id for g in groups.path_to("OIL")] == ["HEAT", "BOILER", "OIL"]
        assert groups.parent("GAS") == groups.group("BOILER")
        assert groups.parent("HEAT") is None
        assert "GAS" in groups
        assert "STEAM" not in groups
        assert 3 not in groups
        assert len(groups) == 5
        assert [g.id for g in groups] == ["HEAT", "BOILER", "COOL", "GAS", "OIL"]

    def test_dict_round_trip(self) -> None:
        groups = self.groups()
        data = groups.to_dict()
        assert data["groups"] == [
            {"id": "HEAT", "description": "Heating"},
            {"id": "BOILER", "description": "Boilers", "parent": "HEAT"},
            {"id": "COOL", "description": "Cooling"},
            {"id": "GAS", "description": "Gas boilers", "parent": "BOILER"},
            {"id": "OIL", "description": "Oil boilers", "parent": "BOILER"},
        ]
        assert TemplateGroups.from_dict(data) == groups

    def test_an_empty_hierarchy_is_allowed(self) -> None:
        assert TemplateGroups([]).roots == ()

    def test_template_lines_are_kept_in_number_order(self) -> None:
        template = ServiceTemplate(id="T", group_id="HEAT", lines=(line(3), line(1)))
        assert [ln.number for ln in template.lines] == [1, 3]

    @pytest.mark.parametrize(
        ("make", "cls", "field"),
        [
            (lambda: TemplateGroup("A", parent_id="A"), InvalidInputError, "parent_id"),
            (lambda: TemplateGroup(""), InvalidInputError, "id"),
            (
                lambda: TemplateGroups([TemplateGroup("A"), TemplateGroup("A")]),
                InvalidInputError,
                "groups[1].id",
            ),
            (
                lambda: TemplateGroups([TemplateGroup("A"), TemplateGroup("B", parent_id="X")]),
                InvalidInputError,
                "groups[1].parent_id",
            ),
            (
                lambda: TemplateGroups(
                    [
                        TemplateGroup("R"),
                        TemplateGroup("A", parent_id="B"),
                        TemplateGroup("B", parent_id="A"),
                    ]
                ),
                InvalidInputError,
                "groups[1].parent_id",
            ),
            (lambda: TemplateGroups([bad("A")]), TypeMismatchError, "groups[0]"),
            (lambda: TemplateGroups(bad("AB")), TypeMismatchError, "groups"),
            (
                lambda: TemplateGroups([TemplateGroup("A")]).children("B"),
                InvalidInputError,
                "group_id",
            ),
            (
                lambda: TemplateGroups([TemplateGroup("A")]).path_to(bad(1)),
                TypeMismatchError,
                "group_id",
            ),
            (
                lambda: TemplateGroups.from_dict(
                    {"groups": [{"id": "A"}, {"id": "B", "parent": "C"}]}
                ),
                InvalidInputError,
                "groups[1].parent",
            ),
            (
                lambda: TemplateGroups.from_dict({"groups": [{"id": "A", "parnet": "B"}]}),
                InvalidInputError,
                "groups[0].parnet",
            ),
            (
                lambda: TemplateGroups.from_dict({"groups": [{"id": "A", "parent": "A"}]}),
                InvalidInputError,
                "groups[0].parent",
            ),
            (
                lambda: TemplateGroups.from_dict({"groups": [{"description": "x"}]}),
                InvalidInputError,
                "groups[0].id",
            ),
            (
                lambda: TemplateGroups.from_dict({"groups": [{"id": 5}]}),
                TypeMismatchError,
                "groups[0].id",
            ),
            (lambda: TemplateGroups.from_dict({"groups": "A"}), InvalidInputError, "groups"),
            (lambda: TemplateGroups.from_dict({"grups": []}), InvalidInputError, "grups"),
            (lambda: TemplateGroups.from_dict(bad(["A"])), TypeMismatchError, "data"),
            (lambda: TemplateGroups.from_dict({"groups": ["A"]}), TypeMismatchError, "groups[0]"),
            (
                lambda: ServiceTemplate(
                    id="T", group_id="G", lines=(line(1, service_object_id="PUMP-1"),)
                ),
                InvalidInputError,
                "lines[0].service_object_id",
            ),
            (
                lambda: ServiceTemplate(id="T", group_id="G", lines=(line(1), line(1))),
                InvalidInputError,
                "lines[1].number",
            ),
            (lambda: ServiceTemplate(id="T", group_id=""), InvalidInputError, "group_id"),
        ],
    )
    def test_bad_input(
        self, make: Callable[[], object], cls: type[ServiceDomainError], field: str
    ) -> None:
        with pytest.raises(cls) as caught:
            make()
        check_error(caught.value, cls, field)

    @pytest.mark.parametrize(
        ("data", "error", "message"),
        [
            (
                {"groups": [{"id": "A", "parnet": "B"}]},
                InvalidInputError,
                (
                    "groups[0].parnet='B': unknown key of TemplateGroup; "
                    "expected id, description, parent"
                ),
            ),
            (
                {"grups": []},
                InvalidInputError,
                "grups=[]: unknown key of TemplateGroups; expected groups",
            ),
            (
                {"groups": [{"description": "x"}]},
                InvalidInputError,
                "groups[0].id=None: this key of TemplateGroup is required",
            ),
            ({}, InvalidInputError, "groups=None: this key of TemplateGroups is required"),
            (
                {"groups": ["A"]},
                TypeMismatchError,
                "groups[0]='A': expected a mapping for TemplateGroup, got str",
            ),
            (
                ["A"],
                TypeMismatchError,
                "data=['A']: expected a mapping for TemplateGroups, got list",
            ),
        ],
    )
    def test_from_dict_reads_keys_through_the_shared_key_check(
        self, data: object, error: type[InvalidInputError], message: str
    ) -> None:
        # The one key check of rule dicts (servicedomain._checks.check_keys): the reason
        # names the type read, as for stage graphs, calendars and SLAs.
        with pytest.raises(error) as caught:
            TemplateGroups.from_dict(data)  # type: ignore[arg-type]
        assert type(caught.value) is error
        assert str(caught.value) == message

    def test_a_cycle_names_its_members(self) -> None:
        with pytest.raises(InvalidInputError) as caught:
            TemplateGroups(
                [
                    TemplateGroup("A", parent_id="C"),
                    TemplateGroup("B", parent_id="A"),
                    TemplateGroup("C", parent_id="B"),
                ]
            )
        assert "'A' -> 'C' -> 'B' -> 'A'" in caught.value.reason


def test_events_are_domain_events_with_names() -> None:
    _, events = agreement(line(1)).stop_line(1, at=AT)
    assert events[0].name == "AgreementLineStopped"
    assert events[0].entity_id == "AG-1"
