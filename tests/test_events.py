"""The domain event base: frozen, aware instants, structured errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedomain.errors import (
    InvalidInputError,
    NaiveDatetimeError,
    ServiceDomainError,
    TypeMismatchError,
)
from servicedomain.events import DomainEvent

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@attrs.frozen(kw_only=True)
class StageChanged(DomainEvent):
    to_stage: str


@attrs.frozen(kw_only=True)
class OrderCanceled(DomainEvent):
    reason: str = "none given"


class NoOffset(tzinfo):
    """A tzinfo that knows no offset: datetimes with it are naive."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


def test_an_event_carries_the_entity_and_the_instant() -> None:
    event = StageChanged(entity_id="SO-1", occurred_at=T0, to_stage="IN_PROCESS")
    assert (event.entity_id, event.occurred_at, event.to_stage) == ("SO-1", T0, "IN_PROCESS")
    assert event.name == "StageChanged"
    assert DomainEvent(entity_id="SO-1", occurred_at=T0).name == "DomainEvent"


def test_events_are_frozen_values() -> None:
    event = StageChanged(entity_id="SO-1", occurred_at=T0, to_stage="DONE")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.to_stage = "OPEN"  # type: ignore[misc]
    same = StageChanged(entity_id="SO-1", occurred_at=T0, to_stage="DONE")
    assert event == same
    assert hash(event) == hash(same)
    assert event != StageChanged(entity_id="SO-1", occurred_at=T0, to_stage="OPEN")


def test_events_of_different_classes_are_not_equal() -> None:
    base = DomainEvent(entity_id="SO-1", occurred_at=T0)
    canceled = OrderCanceled(entity_id="SO-1", occurred_at=T0)
    assert base != canceled
    assert canceled.reason == "none given"


def test_the_instant_may_be_in_any_zone_and_compares_as_an_instant() -> None:
    paris = T0.astimezone(ZoneInfo("Europe/Paris"))
    assert DomainEvent(entity_id="SO-1", occurred_at=paris) == DomainEvent(
        entity_id="SO-1", occurred_at=T0
    )


def test_fields_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        DomainEvent("SO-1", T0)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "naive",
    [
        datetime(2026, 3, 2, 9, 0),  # noqa: DTZ001 (naive on purpose)
        datetime(2026, 3, 2, 9, 0, tzinfo=NoOffset()),
    ],
)
def test_a_naive_occurred_at_raises_naive_datetime_naming_the_field(naive: datetime) -> None:
    with pytest.raises(NaiveDatetimeError) as raised:
        DomainEvent(entity_id="SO-1", occurred_at=naive)
    assert raised.value.field == "occurred_at"
    assert raised.value.value is naive
    assert isinstance(raised.value, ServiceDomainError)
    assert isinstance(raised.value, TypeError)
    assert "occurred_at" in str(raised.value)


@pytest.mark.parametrize("value", [date(2026, 3, 2), "2026-03-02T09:00:00Z", 1_772_442_000.0, None])
def test_an_occurred_at_that_is_no_datetime_raises_type_mismatch(value: object) -> None:
    with pytest.raises(TypeMismatchError) as raised:
        DomainEvent(entity_id="SO-1", occurred_at=value)  # type: ignore[arg-type]
    assert raised.value.field == "occurred_at"
    assert not isinstance(raised.value, NaiveDatetimeError)


def test_the_entity_id_is_a_non_empty_str() -> None:
    with pytest.raises(TypeMismatchError) as mismatch:
        DomainEvent(entity_id=42, occurred_at=T0)  # type: ignore[arg-type]
    assert mismatch.value.field == "entity_id"
    with pytest.raises(InvalidInputError) as empty:
        DomainEvent(entity_id="", occurred_at=T0)
    assert empty.value.field == "entity_id"
    assert not isinstance(empty.value, TypeMismatchError)


@given(
    instant=st.datetimes(
        min_value=datetime(2, 1, 2),  # noqa: DTZ001 (bounds of the wall time drawn)
        max_value=datetime(9799, 12, 30),  # noqa: DTZ001
        timezones=st.timezones(),
    ),
    offset_minutes=st.integers(-23 * 60, 23 * 60),
)
def test_any_supported_aware_instant_is_accepted_and_kept(
    instant: datetime, offset_minutes: int
) -> None:
    fixed = instant.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    for occurred_at in (instant, fixed):
        event = DomainEvent(entity_id="SO-1", occurred_at=occurred_at)
        assert event.occurred_at is occurred_at
