"""Suggested resolutions (issue 16, item 7): the back-off ranking, its "why", bad input."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from fractions import Fraction

import attrs
import pytest

from servicedomain.errors import (
    InvalidInputError,
    ServiceDomainError,
    TypeMismatchError,
    UnknownCodeError,
)
from servicedomain.repairs import (
    Condition,
    FaultTaxonomy,
    PastRepair,
    SuggestedResolution,
    SuggestionCounts,
    SymptomArea,
    SymptomCode,
    suggest_resolutions,
)
from servicedomain.serialization import from_dict, to_dict

DONE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HD, BLUE, CLICK = "hard drive", "blue screen", "clicking"
EXTENDED, ON_START = "after extended use", "on start"
A = ("defective part", "new video card", "replaced")
B = ("software", "driver reinstalled", "repaired")
C = ("defective part", "new memory", "replaced")


@attrs.frozen
class Line:
    """A host's record of a past repair line (not a library type): the protocol suffices."""

    symptom_area_id: str
    symptom_code_id: str
    condition_id: str | None
    diagnosis_area_id: str | None
    diagnosis_code_id: str | None
    resolution_id: str | None
    finished_at: datetime | None = DONE


def lines(count: int, symptom: tuple[str, str, str | None], triple: tuple[str, ...]) -> list[Line]:
    return [Line(*symptom, *triple) for _ in range(count)]  # type: ignore[arg-type]


# The worked example. Counted (finished, diagnosed, resolved) lines in "hard drive":
#   exact (blue screen, after extended use): A 1, B 1                 N_exact = 2
#   code  (blue screen, any condition):      A 1, B 3                 N_code  = 4
#   area  (hard drive, any code):            A 2, B 3, C 3            N_area  = 8
# With w = 1:
#   area(A) = 2/8 = 1/4        area(B) = 3/8                area(C) = 3/8
#   code(A) = (1 + 1/4)/5 = 1/4  code(B) = (3 + 3/8)/5 = 27/40  code(C) = (0 + 3/8)/5 = 3/40
#   score(A) = (1 + 1/4)/3 = 5/12   score(B) = (1 + 27/40)/3 = 67/120
#   score(C) = (0 + 3/40)/3 = 1/40                       (sum: 50/120 + 67/120 + 3/120 = 1)
# A and B tie at the exact level; the code level breaks the tie for B, and C, never
# seen with this code, still gets the area's small share.
HISTORY: list[Line] = [
    *lines(1, (HD, BLUE, EXTENDED), A),
    *lines(1, (HD, BLUE, EXTENDED), B),
    *lines(2, (HD, BLUE, ON_START), B),
    *lines(1, (HD, CLICK, None), A),
    *lines(3, (HD, CLICK, None), C),
    # Not counted: open lines, lines without a diagnosis or a resolution, another area.
    *(attrs.evolve(line, finished_at=None) for line in lines(5, (HD, BLUE, EXTENDED), A)),
    Line(HD, BLUE, EXTENDED, "defective part", "new video card", None),
    Line(HD, BLUE, EXTENDED, None, None, "replaced"),
    *lines(4, ("monitor", "flicker", EXTENDED), ("software", "driver reinstalled", "replaced")),
]


def triples(suggestions: tuple[SuggestedResolution, ...]) -> list[tuple[str, str, str]]:
    return [(s.diagnosis_area_id, s.diagnosis_code_id, s.resolution_id) for s in suggestions]


def test_the_worked_example_backs_off_from_the_exact_symptom_to_its_code_and_area() -> None:
    found = suggest_resolutions(
        HISTORY, symptom_area_id=HD, symptom_code_id=BLUE, condition_id=EXTENDED
    )
    assert triples(found) == [B, A, C]
    assert [s.score for s in found] == [Fraction(67, 120), Fraction(5, 12), Fraction(1, 40)]
    assert found[0].why == SuggestionCounts(1, 2, 3, 4, 3, 8, prior_weight=1)
    assert found[1].why == SuggestionCounts(1, 2, 1, 4, 2, 8)
    assert found[2].why == SuggestionCounts(0, 2, 0, 4, 3, 8)
    assert [s.why.code_share for s in found] == [Fraction(27, 40), Fraction(1, 4), Fraction(3, 40)]
    assert sum(s.score for s in found) == 1


def test_another_condition_changes_the_exact_level_only() -> None:
    # exact (blue screen, on start): B 2 of 2. score(B) = (2 + 27/40)/3 = 107/120,
    # score(A) = (0 + 1/4)/3 = 1/12, score(C) = 1/40.
    found = suggest_resolutions(
        HISTORY, symptom_area_id=HD, symptom_code_id=BLUE, condition_id=ON_START
    )
    assert triples(found) == [B, A, C]
    assert [s.score for s in found] == [Fraction(107, 120), Fraction(1, 12), Fraction(1, 40)]


def test_a_query_without_a_condition_matches_the_lines_recorded_without_one() -> None:
    # exact (clicking, no condition): A 1, C 3 of 4; code: the same; area as above.
    # code(C) = (3 + 3/8)/5 = 27/40, score(C) = (3 + 27/40)/5 = 147/200;
    # code(A) = (1 + 1/4)/5 = 1/4, score(A) = (1 + 1/4)/5 = 1/4;
    # code(B) = (0 + 3/8)/5 = 3/40, score(B) = (0 + 3/40)/5 = 3/200.
    found = suggest_resolutions(HISTORY, symptom_area_id=HD, symptom_code_id=CLICK)
    assert triples(found) == [C, A, B]
    assert [s.score for s in found] == [Fraction(147, 200), Fraction(1, 4), Fraction(3, 200)]


def test_the_prior_weight_gives_the_broader_levels_more_say() -> None:
    # w = 2: code(A) = (1 + 2/4)/6 = 1/4, code(B) = (3 + 6/8)/6 = 5/8, code(C) = (6/8)/6 = 1/8;
    # score(A) = (1 + 2/4)/4 = 3/8, score(B) = (1 + 10/8)/4 = 9/16, score(C) = (2/8)/4 = 1/16.
    found = suggest_resolutions(
        HISTORY, symptom_area_id=HD, symptom_code_id=BLUE, condition_id=EXTENDED, prior_weight=2
    )
    assert [s.score for s in found] == [Fraction(9, 16), Fraction(3, 8), Fraction(1, 16)]
    assert found[0].why.prior_weight == 2


def test_limit_keeps_the_best_and_none_keeps_every_one() -> None:
    def query(limit: int | None) -> tuple[SuggestedResolution, ...]:
        return suggest_resolutions(
            HISTORY, symptom_area_id=HD, symptom_code_id=BLUE, condition_id=EXTENDED, limit=limit
        )

    assert triples(query(1)) == [B]
    assert len(query(None)) == 3
    assert len(query(10)) == 3


def test_an_area_without_finished_lines_suggests_nothing() -> None:
    assert suggest_resolutions(HISTORY, symptom_area_id="keyboard", symptom_code_id="x") == ()
    assert suggest_resolutions([], symptom_area_id=HD, symptom_code_id=BLUE) == ()


def test_equal_counts_rank_by_the_ids_ascending() -> None:
    history = [*lines(1, (HD, BLUE, None), B), *lines(1, (HD, BLUE, None), C)]
    found = suggest_resolutions(history, symptom_area_id=HD, symptom_code_id=BLUE)
    assert found[0].score == found[1].score
    assert triples(found) == [C, B]  # "defective part" < "software"


def test_any_iterable_of_host_records_is_read_once() -> None:
    once = iter(HISTORY)
    found = suggest_resolutions(
        once, symptom_area_id=HD, symptom_code_id=BLUE, condition_id=EXTENDED
    )
    assert triples(found) == [B, A, C]
    protocol_typed: list[PastRepair] = list(HISTORY)  # mypy: Line satisfies the protocol
    assert suggest_resolutions(protocol_typed, symptom_area_id=HD, symptom_code_id=BLUE)


def test_the_why_in_words_shows_the_counts_and_the_formula() -> None:
    best = suggest_resolutions(
        HISTORY, symptom_area_id=HD, symptom_code_id=BLUE, condition_id=EXTENDED
    )[0]
    assert best.why.text() == (
        "1 of 2 lines with this symptom and condition, 3 of 4 with this symptom code, "
        "3 of 8 in this symptom area; score = (1 + 1*27/40) / (2 + 1) = 67/120 (w = 1)"
    )
    assert best.explain().startswith(
        "software / driver reinstalled -> repaired: score 67/120 (0.558); 1 of 2 lines"
    )


def test_suggestions_round_trip_through_the_codec_and_pickle() -> None:
    for suggestion in suggest_resolutions(HISTORY, symptom_area_id=HD, symptom_code_id=BLUE):
        assert from_dict(SuggestedResolution, to_dict(suggestion)) == suggestion
        assert pickle.loads(pickle.dumps(suggestion)) == suggestion
    document = to_dict(SuggestionCounts(1, 2, 3, 4, 3, 8))
    assert document == {
        "$type": "SuggestionCounts",
        "$version": 1,
        "exact_count": 1,
        "exact_total": 2,
        "code_count": 3,
        "code_total": 4,
        "area_count": 3,
        "area_total": 8,
        "prior_weight": 1,
    }


# ------------------------------------------------------------------------- the taxonomy

TAXONOMY = FaultTaxonomy(
    symptom_areas=(SymptomArea(HD), SymptomArea("monitor")),
    symptom_codes=(SymptomCode(HD, BLUE), SymptomCode(HD, CLICK), SymptomCode("monitor", "x")),
    conditions=(Condition(EXTENDED),),
)


def test_a_taxonomy_checks_the_symptom_and_the_condition() -> None:
    found = suggest_resolutions(
        HISTORY,
        symptom_area_id=HD,
        symptom_code_id=BLUE,
        condition_id=EXTENDED,
        taxonomy=TAXONOMY,
    )
    assert triples(found) == [B, A, C]
    with pytest.raises(UnknownCodeError) as area:
        suggest_resolutions(
            HISTORY, symptom_area_id="mouse", symptom_code_id=BLUE, taxonomy=TAXONOMY
        )
    assert area.value.field == "symptom_area_id"
    assert area.value.known == ("hard drive", "monitor")
    with pytest.raises(UnknownCodeError) as code:
        suggest_resolutions(
            HISTORY, symptom_area_id="monitor", symptom_code_id=BLUE, taxonomy=TAXONOMY
        )
    assert (code.value.field, code.value.value, code.value.area_id) == (
        "symptom_code_id",
        BLUE,
        "monitor",
    )
    assert "no symptom code 'blue screen' in symptom area 'monitor'" in str(code.value)
    with pytest.raises(UnknownCodeError) as condition:
        suggest_resolutions(
            HISTORY,
            symptom_area_id=HD,
            symptom_code_id=BLUE,
            condition_id=ON_START,
            taxonomy=TAXONOMY,
        )
    assert (condition.value.field, condition.value.value) == ("condition_id", ON_START)


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"symptom_area_id": ""}, InvalidInputError, "symptom_area_id"),
        ({"symptom_area_id": "  "}, InvalidInputError, "symptom_area_id"),
        ({"symptom_area_id": 7}, TypeMismatchError, "symptom_area_id"),
        ({"symptom_code_id": None}, TypeMismatchError, "symptom_code_id"),
        ({"condition_id": ""}, InvalidInputError, "condition_id"),
        ({"condition_id": 3}, TypeMismatchError, "condition_id"),
        ({"limit": 0}, InvalidInputError, "limit"),
        ({"limit": -2}, InvalidInputError, "limit"),
        ({"limit": 2.0}, TypeMismatchError, "limit"),
        ({"limit": True}, TypeMismatchError, "limit"),
        ({"prior_weight": 0}, InvalidInputError, "prior_weight"),
        ({"prior_weight": Fraction(1, 2)}, TypeMismatchError, "prior_weight"),
        ({"taxonomy": {"symptom_areas": []}}, TypeMismatchError, "taxonomy"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument_and_the_value(
    changes: dict[str, object], error: type[ServiceDomainError], field: str
) -> None:
    arguments: dict[str, object] = {"symptom_area_id": HD, "symptom_code_id": BLUE, **changes}
    with pytest.raises(error) as raised:
        suggest_resolutions(HISTORY, **arguments)  # type: ignore[arg-type]
    assert isinstance(raised.value, InvalidInputError)
    assert raised.value.field == field
    assert raised.value.value == changes[field]
    assert str(raised.value).startswith(f"{field}=")


@pytest.mark.parametrize("history", [None, "lines", {"a": 1}, 7])
def test_a_history_that_is_not_an_iterable_of_lines_is_refused(history: object) -> None:
    with pytest.raises(TypeMismatchError) as raised:
        suggest_resolutions(history, symptom_area_id=HD, symptom_code_id=BLUE)  # type: ignore[arg-type]
    assert raised.value.field == "history"


def test_a_line_without_the_attributes_is_named_by_its_index() -> None:
    not_a_line: list[object] = [*HISTORY[:3], object()]
    with pytest.raises(TypeMismatchError) as raised:
        suggest_resolutions(not_a_line, symptom_area_id=HD, symptom_code_id=BLUE)  # type: ignore[arg-type]
    assert raised.value.field == "history[3]"
    assert "without symptom_area_id" in raised.value.reason


@pytest.mark.parametrize(
    ("triple", "error", "field"),
    [
        (("", "x", "r"), InvalidInputError, "diagnosis_area_id"),
        (("d", ["x"], "r"), TypeMismatchError, "diagnosis_code_id"),
        (("d", "x", 5), TypeMismatchError, "resolution_id"),
    ],
)
def test_a_counted_line_with_a_bad_id_is_named_with_its_attribute(
    triple: tuple[object, object, object], error: type[InvalidInputError], field: str
) -> None:
    bad = Line(HD, BLUE, None, *triple)  # type: ignore[arg-type]
    with pytest.raises(error) as raised:
        suggest_resolutions([*HISTORY, bad], symptom_area_id=HD, symptom_code_id=BLUE)
    assert raised.value.field == f"history[{len(HISTORY)}].{field}"


def test_a_bad_line_outside_the_area_or_still_open_is_not_read() -> None:
    ignored = [
        Line("monitor", BLUE, None, "", "", ""),
        attrs.evolve(Line(HD, BLUE, None, "d", "x", "r"), diagnosis_area_id="", finished_at=None),
    ]
    found = suggest_resolutions([*HISTORY, *ignored], symptom_area_id=HD, symptom_code_id=BLUE)
    assert triples(found) == triples(
        suggest_resolutions(HISTORY, symptom_area_id=HD, symptom_code_id=BLUE)
    )


@pytest.mark.parametrize(
    ("counts", "field"),
    [
        ((3, 2, 3, 4, 3, 8), "exact_count"),  # more than its total
        ((1, 2, 3, 4, 2, 8), "code_count"),  # more code lines than area lines
        ((0, 2, 0, 4, 0, 8), "area_count"),  # a suggestion is seen in the area
        ((0, 5, 0, 4, 1, 8), "exact_total"),  # 5 exact lines ending otherwise, 4 at the code level
        ((0, 0, 0, 0, 1, 0), "area_total"),
        ((-1, 2, 3, 4, 3, 8), "exact_count"),
    ],
)
def test_inconsistent_counts_are_refused(counts: tuple[int, ...], field: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        SuggestionCounts(*counts)
    assert raised.value.field == field


def test_a_suggestion_is_built_of_ids_and_counts() -> None:
    why = SuggestionCounts(1, 2, 3, 4, 3, 8)
    with pytest.raises(InvalidInputError) as blank:
        SuggestedResolution(" ", "x", "r", why)
    assert blank.value.field == "diagnosis_area_id"
    with pytest.raises(TypeMismatchError) as counts:
        SuggestedResolution("d", "x", "r", (1, 2, 3, 4, 3, 8))  # type: ignore[arg-type]
    assert counts.value.field == "why"
