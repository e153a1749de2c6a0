"""Stages: the example graph, graph and dict validation, transitions, decisions, the log."""

from __future__ import annotations

import json
import pickle
import tomllib
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from servicedomain.errors import (
    InvalidInputError,
    InvalidStageGraphError,
    NaiveDatetimeError,
    ReasonRequiredError,
    RuleViolationError,
    ServiceDomainError,
    StageRuleError,
    TransitionNotAllowedError,
    TypeMismatchError,
    UnknownStageError,
)
from servicedomain.stages import (
    EXAMPLE_STAGE_GRAPH,
    Action,
    Decision,
    ReasonCode,
    ReasonLogEntry,
    ReasonType,
    Stage,
    StageGraph,
    StageRules,
    TransitionKind,
    enter_stage,
    manual_entry,
)

GRAPH = EXAMPLE_STAGE_GRAPH
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
NO_SHOW = ReasonCode("NOSHOW", "Customer not on site")
ALL = frozenset(Action)


def assert_bad_input(error: Exception, cls: type[InvalidInputError], field: str) -> None:
    """The error is exactly ``cls``, in the hierarchy, and names ``field`` in its message."""
    assert type(error) is cls
    assert isinstance(error, ServiceDomainError)
    assert isinstance(error, ValueError)
    assert isinstance(error, InvalidInputError)
    assert error.field == field
    assert field in str(error)


def graph_of(*stages: Stage) -> StageGraph:
    return StageGraph(stages)


# ------------------------------------------------------------------ the example graph


def test_the_example_graph_is_the_usual_ax_set_up() -> None:
    assert [stage.id for stage in GRAPH.stages] == [
        "CREATED",
        "PLANNED",
        "IN_PROCESS",
        "COMPLETED",
        "CANCELED",
    ]
    assert GRAPH.root.id == "CREATED"
    assert GRAPH.root.parent_id is None
    assert [s.id for s in GRAPH.children("CREATED")] == ["PLANNED"]
    assert [s.id for s in GRAPH.children("PLANNED")] == ["IN_PROCESS", "CANCELED"]
    assert [s.id for s in GRAPH.children("IN_PROCESS")] == ["COMPLETED"]
    assert GRAPH.children("COMPLETED") == ()
    assert GRAPH.children("CANCELED") == ()
    assert GRAPH.parent("CREATED") is None
    parent = GRAPH.parent("CANCELED")
    assert parent is not None
    assert parent.id == "PLANNED"
    assert [s.id for s in GRAPH.path_to("COMPLETED")] == [
        "CREATED",
        "PLANNED",
        "IN_PROCESS",
        "COMPLETED",
    ]


@pytest.mark.parametrize(
    ("stage_id", "rules"),
    [
        ("CREATED", StageRules(may_modify=True, may_delete=True, may_cancel=True)),
        ("PLANNED", StageRules(may_modify=True, may_cancel=True)),
        ("IN_PROCESS", StageRules(may_modify=True, may_cancel=True)),
        ("COMPLETED", StageRules(may_modify=False, may_post=True, stops_sla_clock=True)),
        (
            "CANCELED",
            StageRules(
                may_modify=False, may_cancel=True, requires_reason=True, stops_sla_clock=True
            ),
        ),
    ],
)
def test_the_example_stage_rules(stage_id: str, rules: StageRules) -> None:
    assert GRAPH.stage(stage_id).rules == rules


@pytest.mark.parametrize(
    ("stage_id", "allowed"),
    [
        ("CREATED", {Action.MODIFY, Action.DELETE, Action.CANCEL}),
        ("PLANNED", {Action.MODIFY, Action.CANCEL}),
        ("IN_PROCESS", {Action.MODIFY, Action.CANCEL}),
        ("COMPLETED", {Action.POST}),
        ("CANCELED", {Action.CANCEL}),
    ],
)
def test_the_decision_of_each_example_stage(stage_id: str, allowed: set[Action]) -> None:
    decision = GRAPH.decision(stage_id)
    assert decision.stage_id == stage_id
    assert decision.allowed == allowed
    refused = [action for action in Action if action not in allowed]
    assert decision.refusals == tuple(
        (action, f"stage {stage_id!r} does not allow {action.value}") for action in refused
    )
    for action in Action:
        assert decision.allows(action) is (action in allowed)
        if action in allowed:
            assert decision.why_not(action) is None
            decision.require(action, "SO-1")  # does not raise
        else:
            assert decision.why_not(action) == f"stage {stage_id!r} does not allow {action.value}"
            with pytest.raises(StageRuleError) as caught:
                decision.require(action, "SO-1")
            assert caught.value.entity_id == "SO-1"
            assert caught.value.stage_id == stage_id
            assert caught.value.action == action.value
            assert caught.value.rule == f"stage.may_{action.value}"


def test_posting_is_allowed_only_in_the_last_stage() -> None:
    posting = [s.id for s in GRAPH.stages if GRAPH.decision(s.id).allows(Action.POST)]
    assert posting == ["COMPLETED"]
    assert GRAPH.children("COMPLETED") == ()
    with pytest.raises(StageRuleError, match=r"stage\.may_post"):
        GRAPH.decision("IN_PROCESS").require(Action.POST, "SO-7")


def test_only_the_end_stages_stop_the_sla_clock_and_only_cancel_needs_a_reason() -> None:
    assert [s.id for s in GRAPH.stages if s.rules.stops_sla_clock] == ["COMPLETED", "CANCELED"]
    assert [s.id for s in GRAPH.stages if s.rules.requires_reason] == ["CANCELED"]


def test_next_and_previous_along_the_example() -> None:
    assert GRAPH.next_stage("CREATED", entity_id="SO-1").id == "PLANNED"
    assert GRAPH.next_stage("IN_PROCESS", entity_id="SO-1").id == "COMPLETED"
    assert GRAPH.previous_stage("COMPLETED", entity_id="SO-1").id == "IN_PROCESS"
    assert GRAPH.previous_stage("CANCELED", entity_id="SO-1").id == "PLANNED"
    assert GRAPH.previous_stage("PLANNED", entity_id="SO-1").id == "CREATED"
    assert GRAPH.transition("CREATED", "PLANNED", entity_id="SO-1") is TransitionKind.NEXT
    assert GRAPH.transition("PLANNED", "CANCELED", entity_id="SO-1") is TransitionKind.NEXT
    assert GRAPH.transition("CANCELED", "PLANNED", entity_id="SO-1") is TransitionKind.PREVIOUS


def test_the_branch_needs_a_choice() -> None:
    with pytest.raises(TransitionNotAllowedError) as caught:
        GRAPH.next_stage("PLANNED", entity_id="SO-1")
    error = caught.value
    assert (error.entity_id, error.from_stage, error.to_stage) == ("SO-1", "PLANNED", "(next)")
    assert "'IN_PROCESS', 'CANCELED'" in error.detail
    assert GRAPH.next_stage("PLANNED", entity_id="SO-1", choice="IN_PROCESS").id == "IN_PROCESS"
    assert GRAPH.next_stage("PLANNED", entity_id="SO-1", choice="CANCELED").id == "CANCELED"


@pytest.mark.parametrize("choice", ["CREATED", "COMPLETED", "PLANNED"])
def test_a_choice_that_is_not_a_child_is_refused(choice: str) -> None:
    with pytest.raises(TransitionNotAllowedError) as caught:
        GRAPH.next_stage("PLANNED", entity_id="SO-1", choice=choice)
    assert (caught.value.from_stage, caught.value.to_stage) == ("PLANNED", choice)


def test_a_choice_with_a_single_child_must_still_be_that_child() -> None:
    assert GRAPH.next_stage("CREATED", entity_id="SO-1", choice="PLANNED").id == "PLANNED"
    with pytest.raises(TransitionNotAllowedError):
        GRAPH.next_stage("CREATED", entity_id="SO-1", choice="IN_PROCESS")


def test_the_root_has_no_previous_stage() -> None:
    with pytest.raises(TransitionNotAllowedError) as caught:
        GRAPH.previous_stage("CREATED", entity_id="SO-1")
    assert (caught.value.from_stage, caught.value.to_stage) == ("CREATED", "(previous)")
    assert "initial stage" in str(caught.value)


# ------------------------------------------------------- Stages rows of the bad-input table


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: GRAPH.stage("NOPE"), "stage_id"),
        (lambda: GRAPH.children("NOPE"), "stage_id"),
        (lambda: GRAPH.parent("created"), "stage_id"),
        (lambda: GRAPH.path_to("NOPE"), "stage_id"),
        (lambda: GRAPH.decision(""), "stage_id"),
        (lambda: GRAPH.transition("NOPE", "PLANNED", entity_id="SO-1"), "from_id"),
        (lambda: GRAPH.transition("CREATED", "NOPE", entity_id="SO-1"), "to_id"),
        (lambda: GRAPH.next_stage("NOPE", entity_id="SO-1"), "from_id"),
        (lambda: GRAPH.next_stage("PLANNED", entity_id="SO-1", choice="NOPE"), "choice"),
        (lambda: GRAPH.previous_stage("NOPE", entity_id="SO-1"), "from_id"),
    ],
)
def test_an_unknown_stage_raises_unknown_stage(call: Any, field: str) -> None:
    with pytest.raises(UnknownStageError) as caught:
        call()
    assert_bad_input(caught.value, UnknownStageError, field)
    assert "'CREATED'" in str(caught.value)  # the message lists the known stages


@pytest.mark.parametrize(
    ("from_id", "to_id", "why"),
    [
        ("CREATED", "IN_PROCESS", "cannot be skipped"),
        ("CREATED", "COMPLETED", "cannot be skipped"),
        ("COMPLETED", "PLANNED", "back one stage at a time"),
        ("IN_PROCESS", "CANCELED", "neither next to nor before"),
        ("PLANNED", "PLANNED", "already in stage"),
        ("COMPLETED", "CANCELED", "is terminal"),
        ("CANCELED", "IN_PROCESS", "is terminal"),
    ],
)
def test_an_undeclared_transition_is_not_allowed(from_id: str, to_id: str, why: str) -> None:
    with pytest.raises(TransitionNotAllowedError) as caught:
        GRAPH.transition(from_id, to_id, entity_id="SO-42")
    error = caught.value
    assert isinstance(error, RuleViolationError)
    assert (error.entity_id, error.from_stage, error.to_stage) == ("SO-42", from_id, to_id)
    assert error.rule == "stage.transition"
    assert why in error.detail
    assert f"{from_id!r}" in str(error)
    assert f"{to_id!r}" in str(error)


@pytest.mark.parametrize("terminal", ["COMPLETED", "CANCELED"])
def test_leaving_a_terminal_stage_forward_is_not_allowed(terminal: str) -> None:
    with pytest.raises(TransitionNotAllowedError) as caught:
        GRAPH.next_stage(terminal, entity_id="SO-1")
    error = caught.value
    assert (error.entity_id, error.from_stage, error.to_stage) == ("SO-1", terminal, "(next)")
    assert "terminal" in error.detail
    with pytest.raises(TransitionNotAllowedError):
        enter_stage(GRAPH, entity_id="SO-1", from_id=terminal, to_id="CREATED", at=AT)


def test_membership_and_type_checks_of_stage_ids() -> None:
    assert "CREATED" in GRAPH
    assert "NOPE" not in GRAPH
    assert 5 not in GRAPH
    with pytest.raises(TypeMismatchError) as caught:
        GRAPH.stage(5)  # type: ignore[arg-type]
    assert_bad_input(caught.value, TypeMismatchError, "stage_id")
    with pytest.raises(TypeMismatchError) as caught:
        GRAPH.transition("CREATED", "PLANNED", entity_id=7)  # type: ignore[arg-type]
    assert_bad_input(caught.value, TypeMismatchError, "entity_id")
    with pytest.raises(InvalidInputError) as caught_empty:
        GRAPH.transition("CREATED", "PLANNED", entity_id="")
    assert_bad_input(caught_empty.value, InvalidInputError, "entity_id")


# ------------------------------------------------------------------ graph validation


@pytest.mark.parametrize(
    ("stages", "field", "reason"),
    [
        pytest.param((), "stages", "at least one stage", id="empty"),
        pytest.param(
            (Stage("A", parent_id="B"), Stage("B", parent_id="A")),
            "stages",
            "no root",
            id="0-roots",
        ),
        pytest.param(
            (Stage("R"), Stage("A", parent_id="R"), Stage("S")),
            "stages[2].parent_id",
            "second root",
            id="2-roots",
        ),
        pytest.param(
            (Stage("R"), Stage("A", parent_id="R"), Stage("A", parent_id="R")),
            "stages[2].id",
            "duplicate id; stages[1]",
            id="duplicate-id",
        ),
        pytest.param(
            (Stage("R"), Stage("A", parent_id="Q")),
            "stages[1].parent_id",
            "no stage has this id",
            id="unknown-parent",
        ),
        pytest.param(
            (Stage("R"), Stage("A", parent_id="B"), Stage("B", parent_id="A")),
            "stages[1].parent_id",
            "a cycle 'A' -> 'B' -> 'A'",
            id="cycle",
        ),
        pytest.param(
            (
                Stage("R"),
                Stage("C", parent_id="A"),
                Stage("A", parent_id="B"),
                Stage("B", parent_id="A"),
            ),
            "stages[1].parent_id",
            "'C' is unreachable from the root 'R'",
            id="unreachable",
        ),
    ],
)
def test_a_malformed_graph_is_refused(stages: tuple[Stage, ...], field: str, reason: str) -> None:
    with pytest.raises(InvalidStageGraphError) as caught:
        StageGraph(stages)
    assert_bad_input(caught.value, InvalidStageGraphError, field)
    assert reason in caught.value.reason


def test_a_stage_that_is_its_own_parent_is_refused() -> None:
    with pytest.raises(InvalidStageGraphError) as caught:
        Stage("A", parent_id="A")
    assert_bad_input(caught.value, InvalidStageGraphError, "parent_id")


def test_children_follow_declaration_order_not_the_parent_position() -> None:
    graph = graph_of(
        Stage("Z", parent_id="R"), Stage("R"), Stage("A", parent_id="R"), Stage("M", parent_id="A")
    )
    assert graph.root.id == "R"
    assert [s.id for s in graph.children("R")] == ["Z", "A"]
    assert [s.id for s in graph.path_to("M")] == ["R", "A", "M"]


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("RA", "stages"),
        (None, "stages"),
        ({"R": Stage("R")}, "stages"),
        ([Stage("R"), "A"], "stages[1]"),
    ],
)
def test_stages_must_be_an_iterable_of_stage(value: Any, field: str) -> None:
    with pytest.raises(TypeMismatchError) as caught:
        StageGraph(value)
    assert_bad_input(caught.value, TypeMismatchError, field)


@pytest.mark.parametrize(
    ("stage_id", "reason"),
    [
        ("", "blank"),
        ("   ", "blank"),
        (" A", "whitespace"),
        ("A ", "whitespace"),
        ("A" * 21, "at most 20 characters, got 21"),
        ("A\nB", "control characters"),
    ],
)
def test_a_malformed_stage_id_is_refused(stage_id: str, reason: str) -> None:
    with pytest.raises(InvalidStageGraphError) as caught:
        Stage(stage_id)
    assert_bad_input(caught.value, InvalidStageGraphError, "id")
    assert reason in caught.value.reason
    with pytest.raises(InvalidStageGraphError) as caught:
        Stage("OK", parent_id=stage_id)
    assert_bad_input(caught.value, InvalidStageGraphError, "parent_id")


def test_a_stage_id_of_20_characters_and_inner_spaces_is_fine() -> None:
    assert Stage("A" * 20).id == "A" * 20
    assert Stage("WAITING FOR PARTS").id == "WAITING FOR PARTS"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"id": 5}, "id"),
        ({"id": "A", "description": None}, "description"),
        ({"id": "A", "parent_id": 3}, "parent_id"),
        ({"id": "A", "rules": {"may_post": True}}, "rules"),
    ],
)
def test_stage_fields_of_the_wrong_type_are_refused(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(TypeMismatchError) as caught:
        Stage(**kwargs)
    assert_bad_input(caught.value, TypeMismatchError, field)


@pytest.mark.parametrize("value", [1, 0, "yes", None])
def test_stage_rules_must_be_real_bools(value: Any) -> None:
    with pytest.raises(InvalidStageGraphError) as caught:
        StageRules(may_post=value)
    assert_bad_input(caught.value, InvalidStageGraphError, "may_post")


def test_stage_rules_defaults_and_allows() -> None:
    rules = StageRules()
    assert [rules.allows(action) for action in Action] == [True, False, False, False]
    assert not rules.requires_reason
    assert not rules.stops_sla_clock
    with pytest.raises(TypeMismatchError) as caught:
        rules.allows("post")  # type: ignore[arg-type]
    assert_bad_input(caught.value, TypeMismatchError, "action")


def test_values_are_frozen_hashable_and_picklable() -> None:
    copy = StageGraph.from_dict(GRAPH.to_dict())
    assert copy == GRAPH
    assert hash(copy) == hash(GRAPH)
    assert pickle.loads(pickle.dumps(GRAPH)) == GRAPH
    assert pickle.loads(pickle.dumps(GRAPH)).children("PLANNED") == GRAPH.children("PLANNED")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        GRAPH.stages = ()  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        GRAPH.root.rules.may_post = True  # type: ignore[misc]


# ------------------------------------------------------------------------ Decision


def test_a_decision_must_cover_every_action_once() -> None:
    refusals = tuple((a, "no") for a in Action if a is not Action.POST)
    assert Decision("X", frozenset({Action.POST}), refusals).allows(Action.POST)
    for bad in [refusals[:-1], (*refusals, (Action.POST, "no")), tuple(reversed(refusals))]:
        with pytest.raises(InvalidInputError) as caught:
            Decision("X", frozenset({Action.POST}), bad)
        assert_bad_input(caught.value, InvalidInputError, "refusals")
    with pytest.raises(InvalidInputError):
        Decision("X", ALL, (("post", "no"),))  # type: ignore[arg-type]
    with pytest.raises(TypeMismatchError) as caught_type:
        Decision("X", {Action.POST}, refusals)  # type: ignore[arg-type]
    assert_bad_input(caught_type.value, TypeMismatchError, "allowed")


def test_decision_checks_its_arguments() -> None:
    decision = GRAPH.decision("COMPLETED")
    for call in (
        lambda: decision.allows("post"),  # type: ignore[arg-type]
        lambda: decision.why_not(None),  # type: ignore[arg-type]
        lambda: decision.require("post", "SO-1"),  # type: ignore[arg-type]
    ):
        with pytest.raises(TypeMismatchError) as caught:
            call()
        assert_bad_input(caught.value, TypeMismatchError, "action")
    with pytest.raises(InvalidInputError) as caught_id:
        decision.require(Action.MODIFY, "")
    assert_bad_input(caught_id.value, InvalidInputError, "entity_id")


# ------------------------------------------------------------------------------ dicts

SMALL: dict[str, Any] = {
    "stages": [
        {"id": "OPEN", "description": "Open"},
        {"id": "WORK", "parent": "OPEN", "rules": {"may_cancel": True}},
        {"id": "DONE", "parent": "WORK", "rules": {"may_modify": False, "may_post": True}},
    ]
}


def test_from_dict_fills_the_defaults() -> None:
    graph = StageGraph.from_dict(SMALL)
    assert graph == graph_of(
        Stage("OPEN", "Open"),
        Stage("WORK", "", "OPEN", StageRules(may_cancel=True)),
        Stage("DONE", "", "WORK", StageRules(may_modify=False, may_post=True)),
    )
    with_null = {
        "stages": [{"id": "OPEN", "parent": None, "description": "Open"}, *SMALL["stages"][1:]]
    }
    assert StageGraph.from_dict(with_null) == graph


def test_to_dict_writes_every_rule_and_no_null_parent() -> None:
    data = GRAPH.to_dict()
    stages: list[dict[str, Any]] = data["stages"]  # type: ignore[assignment]
    assert stages[0] == {
        "id": "CREATED",
        "description": "Order created",
        "rules": {
            "may_modify": True,
            "may_delete": True,
            "may_cancel": True,
            "may_post": False,
            "requires_reason": False,
            "stops_sla_clock": False,
        },
    }
    assert stages[4]["parent"] == "PLANNED"
    assert all(len(stage["rules"]) == 6 for stage in stages)


def test_the_dict_round_trips_through_json() -> None:
    for graph in (GRAPH, StageGraph.from_dict(SMALL)):
        assert StageGraph.from_dict(graph.to_dict()) == graph
        assert StageGraph.from_dict(json.loads(json.dumps(graph.to_dict()))) == graph


def test_a_graph_loads_from_toml() -> None:
    text = """
    [[stages]]
    id = "CREATED"
    description = "Order created"
    rules = { may_delete = true, may_cancel = true }

    [[stages]]
    id = "DONE"
    parent = "CREATED"
    rules = { may_modify = false, may_post = true, stops_sla_clock = true }
    """
    graph = StageGraph.from_dict(tomllib.loads(text))
    assert graph.root.rules == StageRules(may_delete=True, may_cancel=True)
    assert graph.decision("DONE").allowed == {Action.POST}


def _with(index: int, **changes: object) -> dict[str, object]:
    stages = [dict(stage) for stage in SMALL["stages"]]
    stages[index].update(changes)
    return {"stages": [{k: v for k, v in s.items() if v is not _DROP} for s in stages]}


_DROP = object()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param([], "data", id="not-a-mapping"),
        pytest.param({}, "stages", id="no-stages"),
        pytest.param({"stages": "OPEN"}, "stages", id="stages-a-string"),
        pytest.param({"stages": {"id": "OPEN"}}, "stages", id="stages-a-mapping"),
        pytest.param({"stages": []}, "stages", id="stages-empty"),
        pytest.param({**SMALL, "version": 2}, "version", id="unknown-top-key"),
        pytest.param({"stages": ["OPEN"]}, "stages[0]", id="stage-not-a-mapping"),
        pytest.param(_with(1, parnet="OPEN"), "stages[1].parnet", id="unknown-stage-key"),
        pytest.param(_with(2, rules={"may_psot": True}), "stages[2].rules.may_psot", id="typo"),
        pytest.param(_with(0, rules=["may_post"]), "stages[0].rules", id="rules-a-list"),
        pytest.param(_with(0, rules={"may_post": "yes"}), "stages[0].rules.may_post", id="yes"),
        pytest.param(_with(0, rules={"may_post": 1}), "stages[0].rules.may_post", id="one"),
        pytest.param(_with(1, id=_DROP), "stages[1].id", id="missing-id"),
        pytest.param(_with(0, id=5), "stages[0].id", id="id-an-int"),
        pytest.param(_with(0, id="X" * 21), "stages[0].id", id="id-too-long"),
        pytest.param(_with(0, id=" OPEN"), "stages[0].id", id="id-padded"),
        pytest.param(_with(0, description=3), "stages[0].description", id="description-int"),
        pytest.param(_with(1, parent=3), "stages[1].parent", id="parent-an-int"),
        pytest.param(_with(1, parent="NOPE"), "stages[1].parent", id="unknown-parent"),
        pytest.param(_with(1, parent="WORK"), "stages[1].parent", id="own-parent"),
        pytest.param(_with(1, parent=_DROP), "stages[1].parent", id="second-root"),
        pytest.param(_with(2, id="WORK", parent="OPEN"), "stages[2].id", id="duplicate-id"),
        pytest.param(_with(0, parent="DONE"), "stages", id="no-root"),
    ],
)
def test_a_bad_dict_is_refused_naming_the_path(data: Any, field: str) -> None:
    with pytest.raises(InvalidStageGraphError) as caught:
        StageGraph.from_dict(data)
    assert_bad_input(caught.value, InvalidStageGraphError, field)


def test_a_cycle_in_a_dict_names_the_parent_key() -> None:
    data = {
        "stages": [
            {"id": "R"},
            {"id": "A", "parent": "B"},
            {"id": "B", "parent": "A"},
        ]
    }
    with pytest.raises(InvalidStageGraphError) as caught:
        StageGraph.from_dict(data)
    assert_bad_input(caught.value, InvalidStageGraphError, "stages[1].parent")
    assert "cycle" in caught.value.reason


# ---------------------------------------------------------------------------- Mermaid

EXAMPLE_MERMAID = """\
flowchart TD
    s0(["CREATED<br/>Order created<br/>modify, delete, cancel"])
    s1["PLANNED<br/>Planned<br/>modify, cancel"]
    s2["IN_PROCESS<br/>Work in process<br/>modify, cancel"]
    s3["COMPLETED<br/>Work completed<br/>post, stops SLA"]
    s4["CANCELED<br/>Canceled<br/>cancel, reason, stops SLA"]
    s0 --> s1
    s1 --> s2
    s2 --> s3
    s1 --> s4"""


def test_the_example_mermaid_diagram_is_pinned() -> None:
    assert GRAPH.to_mermaid() == EXAMPLE_MERMAID
    assert StageGraph.from_dict(GRAPH.to_dict()).to_mermaid() == EXAMPLE_MERMAID


def test_mermaid_labels_are_escaped() -> None:
    graph = graph_of(
        Stage('SAY "HI"', "a <b>bold</b> #1\nnext line", rules=StageRules(may_modify=False)),
        Stage("end", parent_id='SAY "HI"'),
    )
    assert graph.to_mermaid() == (
        "flowchart TD\n"
        '    s0(["SAY #quot;HI#quot;<br/>a #lt;b#gt;bold#lt;/b#gt; #35;1 next line"])\n'
        '    s1["end<br/>modify"]\n'
        "    s0 --> s1"
    )


# ------------------------------------------------------------------- reasons and the log


def test_reason_codes_have_at_most_10_characters() -> None:
    assert ReasonCode("X" * 10).code == "X" * 10
    with pytest.raises(InvalidInputError) as caught:
        ReasonCode("X" * 11)
    assert_bad_input(caught.value, InvalidInputError, "code")
    assert "at most 10 characters, got 11" in str(caught.value)


@pytest.mark.parametrize("code", ["", "  ", " NOSHOW", "NOSHOW ", "NO\tSHOW"])
def test_a_blank_or_padded_reason_code_is_refused(code: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        ReasonCode(code)
    assert_bad_input(caught.value, InvalidInputError, "code")


def test_reason_code_types() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        ReasonCode(42)  # type: ignore[arg-type]
    assert_bad_input(caught.value, TypeMismatchError, "code")
    with pytest.raises(TypeMismatchError) as caught:
        ReasonCode("OK", None)  # type: ignore[arg-type]
    assert_bad_input(caught.value, TypeMismatchError, "description")


def test_entering_a_stage_that_requires_a_reason_needs_one() -> None:
    with pytest.raises(ReasonRequiredError) as caught:
        enter_stage(GRAPH, entity_id="SO-9", from_id="PLANNED", to_id="CANCELED", at=AT)
    error = caught.value
    assert isinstance(error, RuleViolationError)
    assert error.entity_id == "SO-9"
    assert error.rule == "stage.requires_reason"
    assert error.context == "entering stage 'CANCELED'"
    kind, log = enter_stage(
        GRAPH, entity_id="SO-9", from_id="PLANNED", to_id="CANCELED", at=AT, reason=NO_SHOW
    )
    assert kind is TransitionKind.NEXT
    assert log[0].reason == NO_SHOW


def test_a_stage_change_logs_one_stage_change_entry() -> None:
    kind, log = enter_stage(
        GRAPH, entity_id="SO-1", from_id="CREATED", to_id="PLANNED", at=AT, note="booked"
    )
    assert kind is TransitionKind.NEXT
    assert log == (
        ReasonLogEntry(
            entity_id="SO-1",
            stage_id="PLANNED",
            type=ReasonType.STAGE_CHANGE,
            at=AT,
            note="booked",
            from_stage_id="CREATED",
        ),
    )


def test_entering_a_clock_stopping_stage_also_logs_close() -> None:
    reason = ReasonCode("FIXED")
    kind, log = enter_stage(
        GRAPH,
        entity_id="SO-1",
        from_id="IN_PROCESS",
        to_id="COMPLETED",
        at=AT,
        reason=reason,
        note="done",
    )
    assert kind is TransitionKind.NEXT
    assert [entry.type for entry in log] == [ReasonType.STAGE_CHANGE, ReasonType.CLOSE]
    close = log[1]
    assert (close.entity_id, close.stage_id, close.from_stage_id) == (
        "SO-1",
        "COMPLETED",
        "IN_PROCESS",
    )
    assert close.at == AT
    assert close.reason == reason
    assert close.note == ""


def test_going_back_from_a_clock_stopping_stage_logs_only_the_stage_change() -> None:
    kind, log = enter_stage(GRAPH, entity_id="SO-1", from_id="COMPLETED", to_id="IN_PROCESS", at=AT)
    assert kind is TransitionKind.PREVIOUS
    assert [entry.type for entry in log] == [ReasonType.STAGE_CHANGE]
    assert (log[0].stage_id, log[0].from_stage_id) == ("IN_PROCESS", "COMPLETED")


def test_moving_between_two_clock_stopping_stages_logs_no_close() -> None:
    stopped = StageRules(stops_sla_clock=True)
    graph = graph_of(
        Stage("OPEN"), Stage("HOLD", "", "OPEN", stopped), Stage("DONE", "", "HOLD", stopped)
    )
    for source, target, expected in [
        ("HOLD", "DONE", TransitionKind.NEXT),
        ("DONE", "HOLD", TransitionKind.PREVIOUS),
    ]:
        kind, log = enter_stage(graph, entity_id="SO-1", from_id=source, to_id=target, at=AT)
        assert kind is expected
        assert [entry.type for entry in log] == [ReasonType.STAGE_CHANGE]
    _, log = enter_stage(graph, entity_id="SO-1", from_id="OPEN", to_id="HOLD", at=AT)
    assert [entry.type for entry in log] == [ReasonType.STAGE_CHANGE, ReasonType.CLOSE]


def test_going_back_to_a_stage_that_requires_a_reason_needs_one() -> None:
    graph = graph_of(
        Stage("OPEN", rules=StageRules(requires_reason=True)), Stage("WORK", parent_id="OPEN")
    )
    with pytest.raises(ReasonRequiredError):
        enter_stage(graph, entity_id="SO-1", from_id="WORK", to_id="OPEN", at=AT)
    kind, _ = enter_stage(
        graph, entity_id="SO-1", from_id="WORK", to_id="OPEN", at=AT, reason=NO_SHOW
    )
    assert kind is TransitionKind.PREVIOUS


@pytest.mark.parametrize(
    ("changes", "cls", "field"),
    [
        ({"graph": GRAPH.to_dict()}, TypeMismatchError, "graph"),
        ({"entity_id": ""}, InvalidInputError, "entity_id"),
        ({"entity_id": None}, TypeMismatchError, "entity_id"),
        ({"from_id": "NOPE"}, UnknownStageError, "from_id"),
        ({"to_id": 3}, TypeMismatchError, "to_id"),
        ({"at": datetime(2026, 3, 2, 9, 30)}, NaiveDatetimeError, "at"),  # noqa: DTZ001
        ({"at": "2026-03-02T09:30:00Z"}, TypeMismatchError, "at"),
        ({"reason": "NOSHOW"}, TypeMismatchError, "reason"),
        ({"note": None}, TypeMismatchError, "note"),
    ],
)
def test_enter_stage_checks_its_arguments(
    changes: dict[str, Any], cls: type[InvalidInputError], field: str
) -> None:
    arguments: dict[str, Any] = {
        "graph": GRAPH,
        "entity_id": "SO-1",
        "from_id": "CREATED",
        "to_id": "PLANNED",
        "at": AT,
    }
    arguments.update(changes)
    graph = arguments.pop("graph")
    with pytest.raises(cls) as caught:
        enter_stage(graph, **arguments)
    assert_bad_input(caught.value, cls, field)


def test_a_manual_entry_needs_a_reason() -> None:
    entry = manual_entry(entity_id="SO-1", stage_id="PLANNED", at=AT, reason=NO_SHOW, note="call")
    assert entry.type is ReasonType.MANUAL
    assert (entry.entity_id, entry.stage_id, entry.reason, entry.note) == (
        "SO-1",
        "PLANNED",
        NO_SHOW,
        "call",
    )
    assert entry.from_stage_id is None
    with pytest.raises(InvalidInputError) as caught:
        manual_entry(entity_id="SO-1", stage_id="PLANNED", at=AT, reason=None)  # type: ignore[arg-type]
    assert_bad_input(caught.value, InvalidInputError, "reason")
    with pytest.raises(NaiveDatetimeError) as caught_time:
        manual_entry(
            entity_id="SO-1",
            stage_id="PLANNED",
            at=datetime(2026, 3, 2),  # noqa: DTZ001
            reason=NO_SHOW,
        )
    assert_bad_input(caught_time.value, NaiveDatetimeError, "at")


@pytest.mark.parametrize(
    ("changes", "cls", "field"),
    [
        ({"stage_id": ""}, InvalidInputError, "stage_id"),
        ({"type": "manual"}, TypeMismatchError, "type"),
        ({"reason": "X"}, TypeMismatchError, "reason"),
        ({"from_stage_id": ""}, InvalidInputError, "from_stage_id"),
        ({"from_stage_id": 1}, TypeMismatchError, "from_stage_id"),
    ],
)
def test_a_log_entry_checks_its_fields(
    changes: dict[str, Any], cls: type[InvalidInputError], field: str
) -> None:
    fields: dict[str, Any] = {
        "entity_id": "SO-1",
        "stage_id": "PLANNED",
        "type": ReasonType.STAGE_CHANGE,
        "at": AT,
    }
    fields.update(changes)
    with pytest.raises(cls) as caught:
        ReasonLogEntry(**fields)
    assert_bad_input(caught.value, cls, field)
