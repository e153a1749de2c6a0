"""Posting service orders: the plan (filters, skips, grouping, amounts) and mark_posted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest

from servicedomain.errors import (
    InvalidInputError,
    OrderRuleError,
    ServiceDomainError,
    StageRuleError,
    TypeMismatchError,
    UnknownLineError,
)
from servicedomain.money import Money
from servicedomain.orders import (
    JournalEntry,
    LinesPosted,
    LineStatus,
    PostingPlan,
    Progress,
    ServiceOrder,
    ServiceOrderLine,
    SkipReason,
    TransactionType,
)
from servicedomain.periods import DateRange
from servicedomain.stages import EXAMPLE_STAGE_GRAPH

GRAPH = EXAMPLE_STAGE_GRAPH
AT = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
MARCH = DateRange(date(2026, 3, 1), date(2026, 4, 1))
ALL_TYPES = frozenset(TransactionType)
HOUR, EXPENSE, ITEM, FEE = (
    TransactionType.HOUR,
    TransactionType.EXPENSE,
    TransactionType.ITEM,
    TransactionType.FEE,
)


def eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


def make_line(
    number: int,
    kind: TransactionType = HOUR,
    *,
    signed_off: bool = True,
    status: LineStatus = LineStatus.CREATED,
    **fields: Any,
) -> ServiceOrderLine:
    values: dict[str, Any] = {
        "quantity": Decimal("2"),
        "unit": "h",
        "cost_price": eur("50.00"),
        "sales_price": eur("85.00"),
        "execution_date": date(2026, 3, 15),
        "category_id": f"CAT-{kind.value}",
        "worker_id": "W-7",
        "description": f"line {number}",
    }
    values.update(fields)
    return ServiceOrderLine(
        number=number, transaction_type=kind, signed_off=signed_off, status=status, **values
    )


def make_order(*lines: ServiceOrderLine, stage: str = "COMPLETED") -> ServiceOrder:
    return ServiceOrder(
        id="SO-1",
        version=4,
        customer_id="C-100",
        agreement_id="AGR-1",
        project_id="PRJ-7",
        stage_id=stage,
        lines=lines,
    )


def march_order() -> ServiceOrder:
    """One line for every case a March posting run must tell apart."""
    return make_order(
        make_line(1, HOUR, execution_date=date(2026, 3, 1)),  # first day: in
        make_line(
            2,
            EXPENSE,
            execution_date=None,
            date_range=DateRange(date(2026, 3, 31), date(2026, 4, 2)),
            quantity=1,
            unit="",
        ),  # range starts on the last day: in
        make_line(3, ITEM, execution_date=None, calculated_date=date(2026, 4, 1)),  # end: out
        make_line(4, FEE, execution_date=date(2026, 2, 28)),  # before: out
        make_line(5, HOUR, signed_off=False),  # not signed off
        make_line(6, HOUR, status=LineStatus.CANCELED),
        make_line(7, HOUR, status=LineStatus.POSTED, journal_transaction_id="JT-7"),
        make_line(8, HOUR, execution_date=None),  # no date at all
        make_line(9, FEE, quantity=1, unit="", cost_price=eur("0"), sales_price=eur("120.00")),
    )


def test_plan_posting_selects_created_signed_off_lines_in_the_half_open_range() -> None:
    plan = march_order().plan_posting(GRAPH, period=MARCH, types=ALL_TYPES)
    assert isinstance(plan, PostingPlan)
    assert plan.order_id == "SO-1"
    assert plan.line_numbers == (1, 2, 9)
    assert dict(plan.skipped) == {
        3: "not in the date range",
        4: "not in the date range",
        5: "not signed off",
        6: "canceled",
        7: "already posted",
        8: "no transaction date",
    }
    assert [number for number, _ in plan.skipped] == [3, 4, 5, 6, 7, 8]
    assert plan.reason_skipped(5) is SkipReason.NOT_SIGNED_OFF
    assert plan.reason_skipped(1) is None
    assert not plan.is_empty


def test_relaxing_the_sign_off_requirement_posts_unsigned_lines() -> None:
    plan = march_order().plan_posting(GRAPH, period=MARCH, types=ALL_TYPES, require_sign_off=False)
    assert plan.line_numbers == (1, 2, 5, 9)
    assert 5 not in dict(plan.skipped)


def test_unselected_types_are_not_posted() -> None:
    plan = march_order().plan_posting(GRAPH, period=MARCH, types=[HOUR])
    assert plan.line_numbers == (1,)
    skipped = dict(plan.skipped)
    assert skipped[2] == skipped[9] == "type not selected"
    assert skipped[3] == "type not selected"  # the type is checked before the date
    assert skipped[5] == "not signed off"
    assert skipped[7] == "already posted"


def test_the_period_is_half_open() -> None:
    order = make_order(
        make_line(1, execution_date=date(2026, 2, 28)),
        make_line(2, execution_date=date(2026, 3, 1)),
        make_line(3, execution_date=date(2026, 3, 31)),
        make_line(4, execution_date=date(2026, 4, 1)),
    )
    plan = order.plan_posting(GRAPH, period=MARCH, types={HOUR})
    assert plan.line_numbers == (2, 3)
    one_day = order.plan_posting(
        GRAPH, period=DateRange.inclusive(date(2026, 4, 1), date(2026, 4, 1)), types={HOUR}
    )
    assert one_day.line_numbers == (4,)


@pytest.mark.parametrize("stage", ["CREATED", "PLANNED", "IN_PROCESS", "CANCELED"])
def test_posting_needs_a_stage_that_allows_post(stage: str) -> None:
    with pytest.raises(StageRuleError) as caught:
        make_order(make_line(1), stage=stage).plan_posting(GRAPH, period=MARCH, types=ALL_TYPES)
    error = caught.value
    assert isinstance(error, ServiceDomainError)
    assert error.rule == "stage.may_post"
    assert error.stage_id == stage
    assert "stage.may_post" in str(error)


def test_plan_posting_refuses_bad_arguments_naming_them() -> None:
    order = march_order()
    with pytest.raises(InvalidInputError) as caught:
        order.plan_posting(GRAPH, period=MARCH, types=set())
    assert caught.value.field == "types"
    assert "types" in str(caught.value)
    with pytest.raises(TypeMismatchError) as mismatch:
        order.plan_posting(GRAPH, period=MARCH, types=["hour"])  # type: ignore[list-item]
    assert mismatch.value.field == "types[0]"
    with pytest.raises(TypeMismatchError) as mismatch:
        order.plan_posting(GRAPH, period=MARCH, types="hour")  # type: ignore[arg-type]
    assert mismatch.value.field == "types"
    with pytest.raises(TypeMismatchError) as mismatch:
        order.plan_posting(GRAPH, period=(date(2026, 3, 1), date(2026, 4, 1)), types={HOUR})  # type: ignore[arg-type]
    assert mismatch.value.field == "period"
    with pytest.raises(TypeMismatchError) as mismatch:
        order.plan_posting(GRAPH, period=MARCH, types={HOUR}, require_sign_off=1)  # type: ignore[arg-type]
    assert mismatch.value.field == "require_sign_off"


def test_journal_entries_carry_the_line_and_the_header() -> None:
    plan = march_order().plan_posting(GRAPH, period=MARCH, types=ALL_TYPES)
    first, second, fee = plan.entries
    assert first == JournalEntry(
        order_id="SO-1",
        line_number=1,
        transaction_type=HOUR,
        transaction_date=date(2026, 3, 1),
        quantity=Decimal("2"),
        unit="h",
        cost_price=eur("50.00"),
        sales_price=eur("85.00"),
        cost=eur("100.00"),
        revenue=eur("170.00"),
        customer_id="C-100",
        project_id="PRJ-7",
        agreement_id="AGR-1",
        category_id="CAT-hour",
        item_id=None,
        worker_id="W-7",
        description="line 1",
    )
    assert first.key == ("SO-1", 1)
    assert second.transaction_date == date(2026, 3, 31)  # the start of its date range
    assert (fee.cost, fee.revenue) == (eur("0.00"), eur("120.00"))


def test_by_type_groups_the_entries_for_their_journals() -> None:
    order = make_order(
        make_line(1, HOUR),
        make_line(2, FEE),
        make_line(3, HOUR),
        make_line(4, ITEM),
    )
    grouped = order.plan_posting(GRAPH, period=MARCH, types=ALL_TYPES).by_type()
    assert list(grouped) == [HOUR, ITEM, FEE]
    assert [e.line_number for e in grouped[HOUR]] == [1, 3]
    assert [e.line_number for e in grouped[ITEM]] == [4]
    assert [e.line_number for e in grouped[FEE]] == [2]
    assert EXPENSE not in grouped
    empty = make_order().plan_posting(GRAPH, period=MARCH, types=ALL_TYPES)
    assert empty.by_type() == {}
    assert empty.is_empty


def test_mark_posted_records_the_journal_transactions() -> None:
    order = march_order()
    plan = order.plan_posting(GRAPH, period=MARCH, types=ALL_TYPES)
    ids = {entry.line_number: f"JT-{entry.line_number}" for entry in plan.entries}
    posted, events = order.mark_posted(ids, at=AT)
    assert posted.version == order.version + 1
    for number in (1, 2, 9):
        line = posted.line(number)
        assert line.status is LineStatus.POSTED
        assert line.journal_transaction_id == f"JT-{number}"
        assert attrs.evolve(line, status=LineStatus.CREATED, journal_transaction_id=None) == (
            order.line(number)
        )
    assert events == (
        LinesPosted(
            entity_id="SO-1",
            occurred_at=AT,
            transaction_ids=((1, "JT-1"), (2, "JT-2"), (9, "JT-9")),
        ),
    )
    assert posted.progress is Progress.IN_PROCESS  # lines 3, 4, 5, 8 are still open


def test_posting_twice_posts_nothing() -> None:
    order = march_order()
    plan = order.plan_posting(GRAPH, period=MARCH, types=ALL_TYPES)
    posted, _ = order.mark_posted(
        {e.line_number: f"JT-{e.line_number}" for e in plan.entries}, at=AT
    )
    again = posted.plan_posting(GRAPH, period=MARCH, types=ALL_TYPES)
    assert again.entries == ()
    assert {n: why for n, why in again.skipped if n in (1, 2, 9)} == {
        1: "already posted",
        2: "already posted",
        9: "already posted",
    }
    assert posted.mark_posted({}, at=AT) == (posted, ())
    with pytest.raises(OrderRuleError) as caught:
        posted.mark_posted({1: "JT-99"}, at=AT)
    assert caught.value.rule == "line.posted"
    assert "never posted twice" in str(caught.value)
    assert posted.line(1).journal_transaction_id == "JT-1"


def test_a_fully_posted_order_has_posted_progress() -> None:
    order = make_order(make_line(1), make_line(2, status=LineStatus.CANCELED))
    posted, _ = order.mark_posted({1: "JT-1"}, at=AT)
    assert posted.progress is Progress.POSTED


def test_mark_posted_refuses_canceled_unknown_and_malformed_input() -> None:
    order = march_order()
    with pytest.raises(OrderRuleError) as caught:
        order.mark_posted({6: "JT-6"}, at=AT)
    assert caught.value.rule == "line.canceled"
    with pytest.raises(UnknownLineError) as unknown:
        order.mark_posted({42: "JT-42"}, at=AT)
    assert unknown.value.field == "number"
    with pytest.raises(TypeMismatchError) as mismatch:
        order.mark_posted([(1, "JT-1")], at=AT)  # type: ignore[arg-type]
    assert mismatch.value.field == "transaction_ids"
    with pytest.raises(InvalidInputError) as empty:
        order.mark_posted({1: ""}, at=AT)
    assert empty.value.field == "transaction_ids[1]"
    with pytest.raises(TypeMismatchError):
        order.mark_posted({"1": "JT-1"}, at=AT)  # type: ignore[dict-item]


def test_a_refused_mark_posted_posts_no_line_of_the_batch() -> None:
    order = march_order()
    with pytest.raises(OrderRuleError):
        order.mark_posted({1: "JT-1", 7: "JT-7b"}, at=AT)
    assert order.line(1).status is LineStatus.CREATED


@pytest.mark.parametrize(
    ("quantity", "price", "amount"),
    [
        ("0.333", "85.00", "28.31"),  # 28.305 rounds half up
        ("1.5", "85.00", "127.50"),
        ("0.125", "0.10", "0.01"),  # 0.0125
        ("0.005", "1.00", "0.01"),  # 0.005 rounds half up, not to even
        ("0.004999", "1.00", "0.00"),
        ("3", "0.33", "0.99"),
        ("0", "85.00", "0.00"),
    ],
)
def test_line_amounts_are_rounded_once_per_line(quantity: str, price: str, amount: str) -> None:
    line = make_line(1, quantity=Decimal(quantity), cost_price=eur(price), sales_price=eur(price))
    assert line.revenue == line.cost == eur(amount)
    assert line.revenue.is_rounded
    (entry,) = make_order(line).plan_posting(GRAPH, period=MARCH, types={HOUR}).entries
    assert entry.revenue == entry.cost == eur(amount)


def test_amounts_round_to_the_currency_minor_units() -> None:
    kwd = make_line(
        1,
        quantity=Decimal("0.3335"),
        cost_price=Money(Decimal("1.000"), "KWD"),
        sales_price=Money(Decimal("1.000"), "KWD"),
    )
    assert kwd.revenue == Money(Decimal("0.334"), "KWD")  # 0.3335 -> 0.334
    jpy = make_line(
        1, quantity=Decimal("0.5"), cost_price=Money(1, "JPY"), sales_price=Money(3, "JPY")
    )
    assert jpy.revenue == Money(2, "JPY")  # 1.5 -> 2
    assert jpy.cost == Money(1, "JPY")  # 0.5 -> 1


def test_journal_entries_are_validated() -> None:
    (entry,) = make_order(make_line(1)).plan_posting(GRAPH, period=MARCH, types={HOUR}).entries
    with pytest.raises(InvalidInputError) as caught:
        attrs.evolve(entry, line_number=0)
    assert caught.value.field == "line_number"
    with pytest.raises(InvalidInputError):
        attrs.evolve(entry, revenue=eur("1.00") * Decimal("0.333"))
    with pytest.raises(TypeMismatchError):
        attrs.evolve(entry, transaction_date=AT)
    with pytest.raises(InvalidInputError) as mixed:
        PostingPlan(order_id="SO-2", entries=(entry,))
    assert mixed.value.field == "entries[0].order_id"
