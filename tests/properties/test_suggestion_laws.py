"""The law of suggested resolutions (R7) and the ranking's properties, as properties.

Histories are drawn from small alphabets (two symptom areas and codes, two conditions or
none, two diagnoses, two resolutions or none, finished or open), so that the levels of
the back-off overlap and ties are common.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from fractions import Fraction

import attrs
from hypothesis import given
from hypothesis import strategies as st

from servicedomain.repairs import SuggestedResolution, SuggestionCounts, suggest_resolutions
from servicedomain.testing.domain_strategies import suggestion_counts

DONE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@attrs.frozen
class Line:
    """A host's record of a past repair line."""

    symptom_area_id: str
    symptom_code_id: str
    condition_id: str | None
    diagnosis_area_id: str | None
    diagnosis_code_id: str | None
    resolution_id: str | None
    finished_at: datetime | None


AREAS, CODES, CONDITIONS = ("SA-1", "SA-2"), ("SC-1", "SC-2"), (None, "CO-1", "CO-2")
DIAGNOSIS_AREAS, DIAGNOSIS_CODES = ("DA-1", "DA-2"), ("DC-1", "DC-2")
RESOLUTIONS = ("RE-1", "RE-2")

past_lines = st.builds(
    Line,
    st.sampled_from(AREAS),
    st.sampled_from(CODES),
    st.sampled_from(CONDITIONS),
    st.none() | st.sampled_from(DIAGNOSIS_AREAS),
    st.sampled_from(DIAGNOSIS_CODES),
    st.none() | st.sampled_from(RESOLUTIONS),
    st.none() | st.just(DONE),
)
histories = st.lists(past_lines, max_size=40)
Triple = tuple[str, str, str]


@attrs.frozen
class Query:
    """What to suggest for: a symptom, a condition, a prior weight."""

    area: str
    code: str
    condition: str | None
    weight: int

    def run(
        self, history: Iterable[Line], limit: int | None = None
    ) -> tuple[SuggestedResolution, ...]:
        return suggest_resolutions(
            history,
            symptom_area_id=self.area,
            symptom_code_id=self.code,
            condition_id=self.condition,
            limit=limit,
            prior_weight=self.weight,
        )


queries = st.builds(
    Query,
    st.sampled_from(AREAS),
    st.sampled_from(CODES),
    st.sampled_from(CONDITIONS),
    st.integers(1, 4),
)


def triple_of(suggestion: SuggestedResolution) -> Triple:
    return (suggestion.diagnosis_area_id, suggestion.diagnosis_code_id, suggestion.resolution_id)


def counted(line: Line, area: str) -> Triple | None:
    """The triple a line counts for in ``area``, or None when it does not count."""
    if line.symptom_area_id != area or line.finished_at is None:
        return None
    if line.diagnosis_area_id is None or line.diagnosis_code_id is None:
        return None
    if line.resolution_id is None:
        return None
    return (line.diagnosis_area_id, line.diagnosis_code_id, line.resolution_id)


def reference(history: list[Line], query: Query) -> list[tuple[Triple, Fraction]]:
    """The back-off as the docs state it: Counters per level and fractions, sorted."""
    area, code, condition, w = query.area, query.code, query.condition, query.weight
    rows = [(line, counted(line, area)) for line in history]
    by_area = Counter(t for _, t in rows if t is not None)
    by_code = Counter(t for line, t in rows if t is not None and line.symptom_code_id == code)
    by_exact = Counter(
        t
        for line, t in rows
        if t is not None and line.symptom_code_id == code and line.condition_id == condition
    )
    n_area, n_code, n_exact = by_area.total(), by_code.total(), by_exact.total()
    scored = []
    for triple, count in by_area.items():
        share = Fraction(count, n_area)
        code_share = (by_code[triple] + w * share) / (n_code + w)
        score = (by_exact[triple] + w * code_share) / (n_exact + w)
        key = (-score, -by_exact[triple], -by_code[triple], -count, triple)
        scored.append((key, triple, score))
    return [(triple, score) for _, triple, score in sorted(scored)]


@given(histories, queries, st.data())
def test_R7_the_ranking_is_independent_of_the_order_of_the_history(
    history: list[Line], query: Query, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(history))
    limit = data.draw(st.none() | st.integers(1, 5))
    ranked = query.run(history, limit)
    assert query.run(shuffled, limit) == ranked
    assert query.run(iter(shuffled), limit) == ranked


@given(histories, queries)
def test_the_ranking_is_the_documented_back_off_in_its_total_order(
    history: list[Line], query: Query
) -> None:
    ranked = query.run(history)
    assert [(triple_of(s), s.score) for s in ranked] == reference(history, query)


@given(histories, queries)
def test_scores_are_in_0_1_and_sum_to_1_over_every_triple_seen_in_the_area(
    history: list[Line], query: Query
) -> None:
    ranked = query.run(history)
    assert all(0 <= s.score <= 1 for s in ranked)
    assert sum(s.score for s in ranked) == (1 if ranked else 0)
    top = query.run(history, 2)
    assert top == ranked[:2]
    assert sum(s.score for s in top) <= 1


@given(histories, queries)
def test_a_triple_never_seen_in_the_symptom_area_is_not_suggested(
    history: list[Line], query: Query
) -> None:
    seen = {triple for line in history if (triple := counted(line, query.area)) is not None}
    ranked = query.run(history)
    assert {triple_of(s) for s in ranked} == seen
    assert all(s.why.area_count >= 1 for s in ranked)


@given(histories, queries, st.data())
def test_an_exact_match_line_never_lowers_a_triples_rank_against_the_others(
    history: list[Line], query: Query, data: st.DataObject
) -> None:
    triple = data.draw(
        st.tuples(
            st.sampled_from(DIAGNOSIS_AREAS),
            st.sampled_from(DIAGNOSIS_CODES),
            st.sampled_from(RESOLUTIONS),
        )
    )
    exact = Line(query.area, query.code, query.condition, *triple, finished_at=DONE)
    where = data.draw(st.integers(0, len(history)))
    old = {triple_of(s): s.score for s in query.run(history)}
    before = list(old)
    grown = [*history[:where], exact, *history[where:]]
    new = {triple_of(s): s.score for s in query.run(grown)}
    after = list(new)
    assert triple in after
    # Its score never falls, and no other triple's score rises.
    assert new[triple] >= old.get(triple, 0)
    assert all(new[other] <= old[other] for other in before if other != triple)
    for other in before:
        if other != triple and triple in before and before.index(triple) < before.index(other):
            assert after.index(triple) < after.index(other)


@given(suggestion_counts())
def test_any_consistent_counts_score_in_0_1_by_the_documented_formula(
    why: SuggestionCounts,
) -> None:
    w = why.prior_weight
    area = Fraction(why.area_count, why.area_total)
    code = (why.code_count + w * area) / (why.code_total + w)
    assert why.score == (why.exact_count + w * code) / (why.exact_total + w)
    assert 0 < why.score <= 1
    assert why.text().endswith(f" = {why.score} (w = {w})")
