"""A run's fees share equal periods through one DateRangePool, and stay equal to unshared ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from servicedomain.app import BillingDesk
from servicedomain.billing import Subscription, generate_fees
from servicedomain.errors import InvalidPeriodError, TypeMismatchError
from servicedomain.money import Money
from servicedomain.periods import MONTHLY, DateRange, DateRangePool


def _sub(number: int, price: int, start: date = date(2024, 1, 31)) -> Subscription:
    return Subscription(
        id=f"S-{number}",
        group_id="G",
        customer_id=f"C-{number}",
        project_id="P",
        category_id="FEE",
        period_code=MONTHLY,
        base_price=Money(price, "EUR"),
        start_date=start,
    )


def test_subscriptions_with_one_anchor_share_their_periods_through_one_pool() -> None:
    pool = DateRangePool()
    first = generate_fees(_sub(1, 100), as_of=date(2024, 12, 31), pool=pool)
    second = generate_fees(_sub(2, 250), as_of=date(2024, 12, 31), pool=pool)
    assert len(first) == len(second) == 12
    assert len(pool) == 12
    for mine, theirs in zip(first, second, strict=True):
        assert mine.period is theirs.period  # one DateRange for both
        assert mine.billing_period is mine.period
        assert mine.due_date is mine.period.start  # the shared period's date
        assert mine.amount is mine.price  # a whole period bills its price, one Money


def test_without_a_pool_each_call_makes_its_own_periods() -> None:
    first = generate_fees(_sub(1, 100), as_of=date(2024, 3, 31))
    second = generate_fees(_sub(2, 100), as_of=date(2024, 3, 31))
    assert [fee.period for fee in first] == [fee.period for fee in second]
    assert all(a.period is not b.period for a, b in zip(first, second, strict=True))


@given(
    st.dates(date(2020, 1, 1), date(2026, 12, 31)),
    st.dates(date(2020, 1, 1), date(2028, 12, 31)),
)
def test_fees_from_a_shared_pool_equal_the_fees_without_one(start: date, as_of: date) -> None:
    # Law: sharing values changes no result (issue 14: no result changes).
    if as_of < start:
        return
    sub = _sub(3, 310, start)
    pool = DateRangePool()
    generate_fees(_sub(4, 99, start), as_of=as_of, pool=pool)  # fills the pool first
    assert generate_fees(sub, as_of=as_of, pool=pool) == generate_fees(sub, as_of=as_of)
    within = DateRange(start, as_of + timedelta(days=1))
    assert generate_fees(sub, within=within, pool=pool) == generate_fees(sub, within=within)


def test_the_desk_run_shares_periods_between_subscriptions() -> None:
    store = InMemoryStore()
    with InMemoryUnitOfWork(store) as uow:
        uow.subscriptions.add(_sub(1, 100))
        uow.subscriptions.add(_sub(2, 200))
        uow.commit()
    desk = BillingDesk(
        unit_of_work=lambda: InMemoryUnitOfWork(store),
        clock=FixedClock(datetime(2025, 1, 1, tzinfo=UTC)),
        groups={},
    )
    made = desk.generate_fees(as_of=date(2024, 6, 30)).created
    by_sub: dict[str, list[DateRange]] = {}
    for fee in made:
        by_sub.setdefault(fee.subscription_id, []).append(fee.period)
    assert len(by_sub["S-1"]) == len(by_sub["S-2"]) == 6
    assert all(a is b for a, b in zip(by_sub["S-1"], by_sub["S-2"], strict=True))


def test_a_pool_refuses_bad_bounds_by_name() -> None:
    pool = DateRangePool()
    with pytest.raises(InvalidPeriodError):
        pool.get(date(2024, 2, 1), date(2024, 1, 1))
    with pytest.raises(InvalidPeriodError):
        pool.consecutive([date(2024, 1, 1), date(2024, 2, 1), date(2024, 2, 1)])
    with pytest.raises(TypeMismatchError, match="start"):
        pool.get(datetime(2024, 1, 1, tzinfo=UTC), date(2024, 2, 1))
    with pytest.raises(TypeMismatchError, match="end"):
        pool.consecutive([date(2024, 1, 1), []])  # type: ignore[list-item]
    with pytest.raises(TypeMismatchError, match="bounds"):
        pool.consecutive(None)  # type: ignore[arg-type]
    with pytest.raises(TypeMismatchError, match="pool"):
        generate_fees(_sub(1, 1), as_of=date(2024, 3, 1), pool={})  # type: ignore[arg-type]
    assert len(pool) == 1  # [2024-01-01, 2024-02-01) from the refused consecutive call
    assert pool.consecutive([date(2024, 1, 1)]) == []


def test_a_pool_gives_one_object_per_distinct_range() -> None:
    pool = DateRangePool()
    bounds = [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]
    first, second = pool.consecutive(bounds), pool.consecutive(tuple(bounds))
    assert first == [DateRange(bounds[0], bounds[1]), DateRange(bounds[1], bounds[2])]
    assert all(a is b for a, b in zip(first, second, strict=True))
    assert pool.get(bounds[0], bounds[1]) is first[0]
    assert len(pool) == 2
    assert repr(pool) == "DateRangePool(2 ranges)"
