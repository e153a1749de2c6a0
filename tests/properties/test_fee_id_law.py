"""P3 by id: ``new_fees`` and the SQL store find fees by id, so an id names one key."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from servicedomain.billing import FeeKey, FeeKind
from servicedomain.periods import DateRange

# Ids with the separators of the key's text (":", "-", digits), to look for a collision.
_IDS = st.text(alphabet="S:-0123456789charge", min_size=1, max_size=40).filter(str.strip)


@st.composite
def _keys(draw: st.DrawFn) -> FeeKey:
    start = draw(st.dates(min_value=date(1, 1, 1), max_value=date(9998, 12, 1)))
    days = draw(st.integers(min_value=1, max_value=400))
    return FeeKey(
        draw(_IDS),
        DateRange(start, min(start + timedelta(days=days), date(9999, 12, 31))),
        draw(st.sampled_from(FeeKind)),
        draw(st.integers(min_value=0, max_value=10_000)),
    )


def _parsed(text: str) -> FeeKey:
    """The key back from its text, read from the right (the fixed-form parts come last)."""
    rest, last = text.rsplit(":", 1)
    revision = 0
    if last.isdigit():
        revision, text = int(last), rest
    subscription_id, start, end, kind = text.rsplit(":", 3)
    period = DateRange(date.fromisoformat(start), date.fromisoformat(end))
    return FeeKey(subscription_id, period, FeeKind(kind), revision)


@given(key=_keys())
@example(
    key=FeeKey(
        "S:2024-01-01:2024-02-01:charge",
        DateRange(date(2024, 2, 1), date(2024, 3, 1)),
        FeeKind.CHARGE,
        1,
    )
)
def test_P3_a_fee_id_names_one_key(key: FeeKey) -> None:
    """The id (the key as text) reads back as the key: two keys never share an id."""
    assert _parsed(str(key)) == key


@given(first=_keys(), second=_keys())
def test_P3_two_keys_share_an_id_only_when_equal(first: FeeKey, second: FeeKey) -> None:
    assert (str(first) == str(second)) == (first == second)
