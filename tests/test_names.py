"""Names mean one thing (issue 12, item 10).

``end_date`` is the last day served (inclusive) on agreements, agreement lines and
subscriptions alike; internally the days served are a half-open ``DateRange``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from servicedomain.billing import (
    FeeKind,
    Subscription,
    SubscriptionCanceled,
    generate_fees,
)
from servicedomain.errors import InvalidCancellationError, InvalidDocumentError, InvalidPeriodError
from servicedomain.money import Money
from servicedomain.periods import MONTHLY, DateRange
from servicedomain.serialization import SCHEMA_VERSIONS, from_dict, to_dict

AT = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)


def january(**fields: object) -> Subscription:
    sub, _ = Subscription.create(
        id="S-1",
        group_id="G",
        customer_id="C-1",
        project_id="P-1",
        category_id="FEE",
        period=MONTHLY,
        base_price=Money(310, "EUR"),
        start_date=date(2024, 1, 1),
        at=AT,
        **fields,  # type: ignore[arg-type]
    )
    return sub


# ------------------------------------------------------------------ end_date


def test_a_subscription_end_date_is_the_last_day_served() -> None:
    sub = january(end_date=date(2024, 1, 31))
    assert sub.served == DateRange.inclusive(date(2024, 1, 1), date(2024, 1, 31))
    (charge,) = generate_fees(sub, as_of=date(2024, 3, 1))
    assert charge.period == DateRange(date(2024, 1, 1), date(2024, 2, 1))
    assert charge.amount == Money(310, "EUR")  # the whole of January, not 30 days of it


def test_a_subscription_of_one_day_ends_on_its_start() -> None:
    sub = january(end_date=date(2024, 1, 1))
    (charge,) = generate_fees(sub, as_of=date(2024, 1, 1))
    assert charge.period == DateRange(date(2024, 1, 1), date(2024, 1, 2))
    assert charge.amount == Money(10, "EUR")


def test_an_end_date_before_the_start_or_at_date_max_is_refused() -> None:
    for day in (date(2023, 12, 31), date.max):
        with pytest.raises(InvalidPeriodError) as caught:
            january(end_date=day)
        assert caught.value.field == "end_date"


def test_cancel_names_the_last_day_served_and_that_day_stays_billed() -> None:
    sub = january()
    (charge,) = generate_fees(sub, as_of=date(2024, 1, 1))
    ended, events = sub.cancel(last_day=date(2024, 1, 10), at=AT)
    assert ended.end_date == date(2024, 1, 10)
    assert events == (
        SubscriptionCanceled(entity_id="S-1", occurred_at=AT, end_date=date(2024, 1, 10)),
    )
    (credit,) = generate_fees(ended, [charge], as_of=date(2024, 1, 11))
    assert credit.kind is FeeKind.CANCELLATION
    assert credit.period == DateRange(date(2024, 1, 11), date(2024, 2, 1))
    assert credit.amount == Money(-210, "EUR")  # Jan 1-10 stay billed: 10 of 31 days
    assert sub.cancel(last_day=date(2024, 1, 1), at=AT)[0].served == DateRange(
        date(2024, 1, 1), date(2024, 1, 2)
    )
    with pytest.raises(InvalidCancellationError) as caught:
        sub.cancel(last_day=date(2023, 12, 31), at=AT)
    assert caught.value.field == "last_day"


def test_a_subscription_document_of_version_1_is_refused() -> None:
    """Version 1 documents held an exclusive end date: reading them now would serve a
    day more, so the codec refuses them."""
    sub = january(end_date=date(2024, 1, 31))
    document = to_dict(sub)
    assert document["$version"] == SCHEMA_VERSIONS[Subscription] == 2
    assert from_dict(Subscription, document) == sub
    with pytest.raises(InvalidDocumentError) as caught:
        from_dict(Subscription, {**document, "$version": 1})
    assert caught.value.field == "$version"
