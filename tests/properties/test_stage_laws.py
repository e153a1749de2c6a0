"""Law T1 of invariants.md (stage transitions), as Hypothesis properties over random graphs.

Only declared transitions succeed (next to a child, previous to the parent); anything
else, leaving a terminal stage included, raises. Every transition adds one history entry,
and replaying the history rebuilds the state.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import pairwise

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from servicedomain.errors import (
    InvalidStageGraphError,
    ReasonRequiredError,
    TransitionNotAllowedError,
)
from servicedomain.stages import (
    EXAMPLE_STAGE_GRAPH,
    Action,
    ReasonCode,
    ReasonLogEntry,
    ReasonType,
    StageGraph,
    TransitionKind,
    enter_stage,
)
from servicedomain.testing import strategies

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REASON = ReasonCode("WALK")

stage_ids = strategies.stage_ids()
stage_rules = strategies.stage_rules()
stage_graphs = strategies.stage_graphs


def stage_of(graph: StageGraph) -> st.SearchStrategy[str]:
    return st.sampled_from([stage.id for stage in graph.stages])


@given(stage_graphs(), st.data())
def test_T1_only_declared_transitions_succeed(graph: StageGraph, data: st.DataObject) -> None:
    source = data.draw(stage_of(graph), label="from")
    target = data.draw(stage_of(graph), label="to")
    is_child = graph.stage(target).parent_id == source
    is_parent = graph.stage(source).parent_id == target
    if is_child:
        assert graph.next_stage(source, entity_id="E-1", choice=target).id == target
    else:
        with pytest.raises(TransitionNotAllowedError):
            graph.next_stage(source, entity_id="E-1", choice=target)
    if is_child or is_parent:
        expected = TransitionKind.NEXT if is_child else TransitionKind.PREVIOUS
        assert graph.transition(source, target, entity_id="E-1") is expected
        return
    with pytest.raises(TransitionNotAllowedError) as caught:
        graph.transition(source, target, entity_id="E-1")
    error = caught.value
    assert (error.entity_id, error.from_stage, error.to_stage) == ("E-1", source, target)


@given(stage_graphs())
def test_T1_leaving_a_terminal_stage_forward_raises(graph: StageGraph) -> None:
    for stage in graph.stages:
        if graph.children(stage.id):
            continue
        with pytest.raises(TransitionNotAllowedError):
            graph.next_stage(stage.id, entity_id="E-1")
        for other in graph.stages:
            if other.id != stage.parent_id:
                with pytest.raises(TransitionNotAllowedError):
                    graph.transition(stage.id, other.id, entity_id="E-1")


@given(stage_graphs())
def test_T1_walks_are_reversible(graph: StageGraph) -> None:
    for stage in graph.stages:
        children = graph.children(stage.id)
        for child in children:
            assert graph.next_stage(stage.id, entity_id="E-1", choice=child.id) == child
            assert graph.transition(stage.id, child.id, entity_id="E-1") is TransitionKind.NEXT
            assert graph.previous_stage(child.id, entity_id="E-1") == stage
            back = graph.transition(child.id, stage.id, entity_id="E-1")
            assert back is TransitionKind.PREVIOUS
        if len(children) == 1:
            assert graph.next_stage(stage.id, entity_id="E-1") == children[0]
        elif len(children) > 1:
            with pytest.raises(TransitionNotAllowedError):
                graph.next_stage(stage.id, entity_id="E-1")


@given(stage_graphs(), st.lists(st.integers(0, 1_000), max_size=30))
def test_T1_every_transition_logs_one_stage_change_and_the_log_replays(
    graph: StageGraph, moves: list[int]
) -> None:
    """A random walk (k-th move: back if k is odd and possible, else to a child)."""
    current = graph.root.id
    log: list[ReasonLogEntry] = []
    transitions = 0
    for move in moves:
        children = graph.children(current)
        parent = graph.parent(current)
        if move % 2 and parent is not None:
            target = parent.id
        elif children:
            target = children[move // 2 % len(children)].id
        else:
            continue
        source = graph.stage(current)
        if graph.stage(target).rules.requires_reason:
            with pytest.raises(ReasonRequiredError):
                enter_stage(graph, entity_id="E-1", from_id=current, to_id=target, at=AT)
        _, entries = enter_stage(
            graph, entity_id="E-1", from_id=current, to_id=target, at=AT, reason=REASON
        )
        stage_changes = [e for e in entries if e.type is ReasonType.STAGE_CHANGE]
        assert len(stage_changes) == 1
        closes = [e for e in entries if e.type is ReasonType.CLOSE]
        stops = graph.stage(target).rules.stops_sla_clock
        assert len(closes) == (1 if stops and not source.rules.stops_sla_clock else 0)
        log.extend(entries)
        transitions += 1
        current = target
    changes = [entry for entry in log if entry.type is ReasonType.STAGE_CHANGE]
    assert len(changes) == transitions
    replayed = graph.root.id
    for entry in changes:
        assert entry.from_stage_id == replayed
        graph.transition(replayed, entry.stage_id, entity_id="E-1")  # each step is declared
        replayed = entry.stage_id
    assert replayed == current


@given(stage_graphs())
@example(EXAMPLE_STAGE_GRAPH)
def test_T1_the_dict_form_round_trips(graph: StageGraph) -> None:
    assert StageGraph.from_dict(graph.to_dict()) == graph
    assert StageGraph.from_dict(json.loads(json.dumps(graph.to_dict()))) == graph


@given(stage_graphs())
def test_T1_every_stage_is_reachable_from_the_root_via_path_to(graph: StageGraph) -> None:
    for stage in graph.stages:
        path = graph.path_to(stage.id)
        assert path[0] == graph.root
        assert path[-1] == stage
        assert len({s.id for s in path}) == len(path)
        for parent, child in pairwise(path):
            assert graph.transition(parent.id, child.id, entity_id="E-1") is TransitionKind.NEXT
    assert sum(1 for stage in graph.stages if stage.parent_id is None) == 1


@given(stage_graphs())
@example(EXAMPLE_STAGE_GRAPH)
def test_T1_mermaid_has_one_node_per_stage_and_one_edge_per_non_root_stage(
    graph: StageGraph,
) -> None:
    text = graph.to_mermaid()
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    edges = [line for line in lines if " --> " in line]
    assert len(edges) == len(graph.stages) - 1
    assert len(lines) == 1 + len(graph.stages) + len(edges)
    # an id is never written raw into the diagram's structure: labels hide quotes and <>
    for line in lines[1 : 1 + len(graph.stages)]:
        label = line.split('"', 1)[1].rsplit('"', 1)[0]
        assert '"' not in label
        assert "<" not in label.replace("<br/>", "")
    assert StageGraph.from_dict(graph.to_dict()).to_mermaid() == text


@given(stage_graphs())
def test_T1_decisions_follow_the_rules(graph: StageGraph) -> None:
    for stage in graph.stages:
        decision = graph.decision(stage.id)
        assert decision.allowed == {a for a in Action if stage.rules.allows(a)}
        assert [a for a, _ in decision.refusals] == [a for a in Action if a not in decision.allowed]


@given(stage_graphs(max_stages=8), st.data())
def test_T1_a_parent_pointing_into_its_own_subtree_is_refused(
    graph: StageGraph, data: st.DataObject
) -> None:
    inner = [s for s in graph.stages if s.parent_id is not None and graph.children(s.id)]
    if not inner:
        return
    stage = data.draw(st.sampled_from(inner))
    below = [s for s in graph.stages if stage in graph.path_to(s.id) and s != stage]
    loop_to = data.draw(st.sampled_from(below))
    stages = [attrs.evolve(s, parent_id=loop_to.id) if s == stage else s for s in graph.stages]
    with pytest.raises(InvalidStageGraphError) as caught:
        StageGraph(stages)
    assert caught.value.field.endswith(".parent_id")
    assert "cycle" in caught.value.reason
