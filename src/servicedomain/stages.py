"""Service stages: the stage graph, the rules of each stage, reason codes and the reason log.

The rules (AX ``SMAStageTable``, ``SMAReasonTable``, ``SMAServiceOrderReason``):

* A :class:`StageGraph` is a **tree**; its one root is the initial stage, where new
  entities start. It is validated when built (unique ids, known parents, one root, no
  cycle, every stage reachable).
* *Next* goes to a child of the current stage (at a branch the caller picks one);
  *previous* goes back to its parent. Nothing else is declared: skipping a stage, moving
  sideways or forward out of a terminal stage raises
  :class:`~servicedomain.errors.TransitionNotAllowedError` (law T1).
* :class:`StageRules` say whether an entity in a stage may be modified, deleted,
  canceled or posted, whether entering it needs a reason code, and whether it stops SLA
  time recording. A :class:`Decision` says what a stage allows, and why not.
* :func:`enter_stage` checks a stage change and returns its :class:`ReasonLogEntry` values.

>>> EXAMPLE_STAGE_GRAPH.transition("PLANNED", "IN_PROCESS", entity_id="SO-1")
<TransitionKind.NEXT: 'next'>
>>> EXAMPLE_STAGE_GRAPH.decision("IN_PROCESS").why_not(Action.POST)
"stage 'IN_PROCESS' does not allow post"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, TypeVar, cast

import attrs

from servicedomain._checks import (
    check_keys,
    deep_iterable,
    in_,
    instance_of,
    is_id,
    is_instant,
    is_str,
    items,
    optional,
    validator,
)
from servicedomain._enums import StrictEnum
from servicedomain.errors import (
    InvalidInputError,
    InvalidStageGraphError,
    ReasonRequiredError,
    StageRuleError,
    TransitionNotAllowedError,
    TypeMismatchError,
    UnknownStageError,
)

__all__ = [
    "EXAMPLE_STAGE_GRAPH",
    "MAX_REASON_CODE_LENGTH",
    "MAX_STAGE_ID_LENGTH",
    "Action",
    "Decision",
    "ReasonCode",
    "ReasonLogEntry",
    "ReasonType",
    "Stage",
    "StageGraph",
    "StageRules",
    "TransitionKind",
    "enter_stage",
    "manual_entry",
]

MAX_STAGE_ID_LENGTH: Final = 20  # characters in a stage id
MAX_REASON_CODE_LENGTH: Final = 10  # characters in a reason code (AX SMAReasonTable)

_T = TypeVar("_T")
_NEXT: Final = "(next)"  # to_stage of a refused "next" that named no stage
_PREVIOUS: Final = "(previous)"  # to_stage of a refused "previous" from the root


def _code_problem(text: str, max_length: int) -> str | None:
    """Why ``text`` is not a valid stage id or reason code, or None if it is."""
    if not text or text != text.strip():
        return "must not be blank, nor start or end with whitespace"
    if len(text) > max_length:
        return f"has at most {max_length} characters, got {len(text)}"
    if not text.isprintable():
        return "must not contain control characters"
    return None


def _check_stage_id(value: object, field: str) -> str:
    problem = _code_problem(is_str.check(value, field), MAX_STAGE_ID_LENGTH)
    if problem is not None:
        raise InvalidStageGraphError(field, value, f"a stage id {problem}")
    return cast("str", value)


_STAGE_ID: Final = validator(_check_stage_id, "a stage id")


class Action(StrictEnum):
    """What a user does to an entity, which its stage may allow or refuse."""

    MODIFY = "modify"
    DELETE = "delete"
    CANCEL = "cancel"
    POST = "post"


_ACTION: Final = in_(Action)
_FLAG: Final = instance_of(
    bool, reason="a rule is True or False, not 1/0", error=InvalidStageGraphError
)


def _flag(default: bool) -> Any:
    return attrs.field(default=default, validator=_FLAG)


@attrs.frozen(kw_only=True)
class StageRules:
    """The rules of one stage (AX ``StageCan*``, ``StageGiveReason``, ``StageCloseTimeLog``).

    The defaults suit a working stage: the entity may be modified, nothing else. Each
    rule must be a real bool (``1`` or ``"yes"`` raises ``InvalidStageGraphError``
    naming it). The usual set-up allows ``may_post`` only in the last stage.

    Attributes:
        may_modify: the entity's fields may be edited (``StageCanModify``).
        may_delete: the entity may be deleted (``StageCanDelete``).
        may_cancel: the entity may be canceled (``StageCanCancel``).
        may_post: the entity may be posted (``StageCanTransfer``).
        requires_reason: entering the stage needs a reason code (``StageGiveReason``).
        stops_sla_clock: entering the stage stops SLA time recording; going back to a
            stage without this rule restarts it (``StageCloseTimeLog``).

    >>> rules = StageRules(may_post=True, may_modify=False)
    >>> rules.allows(Action.POST), rules.allows(Action.MODIFY)
    (True, False)
    """

    may_modify: bool = _flag(True)
    may_delete: bool = _flag(False)
    may_cancel: bool = _flag(False)
    may_post: bool = _flag(False)
    requires_reason: bool = _flag(False)
    stops_sla_clock: bool = _flag(False)

    def allows(self, action: Action) -> bool:
        """True when an entity in this stage may undergo ``action`` (an :class:`Action`)."""
        return cast("bool", getattr(self, f"may_{_ACTION.check(action, 'action').value}"))


_RULE_NAMES: Final = tuple(field.name for field in attrs.fields(StageRules))
_LABELS: Final = ("modify", "delete", "cancel", "post", "reason", "stops SLA")
_RULE_LABELS: Final = dict(zip(_RULE_NAMES, _LABELS, strict=True))  # as Mermaid shows them


def _check_parent_id(instance: Stage, _attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and _STAGE_ID.check(value, "parent_id") == instance.id:
        raise InvalidStageGraphError("parent_id", value, "a stage cannot be its own parent")


@attrs.frozen
class Stage:
    """One service stage (AX ``SMAStageTable``): an id, a parent and its rules.

    Attributes:
        id: 1 to 20 printable characters, without surrounding whitespace.
        description: what the stage means, for people.
        parent_id: the stage before this one; ``None`` for the root (the initial stage).
        rules: what an entity in this stage may do.

    Raises:
        InvalidStageGraphError: a malformed ``id`` or ``parent_id``; its own parent.
        TypeMismatchError: a field of the wrong type.

    >>> Stage("PLANNED", "Planned", parent_id="CREATED")
    Stage(id='PLANNED', description='Planned', parent_id='CREATED', rules=StageRules(...))
    """

    id: str = attrs.field(validator=_STAGE_ID)
    description: str = attrs.field(default="", validator=is_str)
    parent_id: str | None = attrs.field(default=None, validator=_check_parent_id)
    rules: StageRules = attrs.field(factory=StageRules, validator=instance_of(StageRules))


class TransitionKind(StrictEnum):
    """The two declared transitions: to a child (*next*) or to the parent (*previous*)."""

    NEXT = "next"
    PREVIOUS = "previous"


@attrs.frozen
class Decision:
    """What a stage allows, and why not, as a value rather than an exception.

    Every :class:`Action` is either in ``allowed`` or in ``refusals``, once, with the
    reason in words, in :class:`Action` order; anything else raises ``InvalidInputError``.

    >>> decision = EXAMPLE_STAGE_GRAPH.decision("COMPLETED")
    >>> decision.allows(Action.POST), decision.why_not(Action.MODIFY)
    (True, "stage 'COMPLETED' does not allow modify")
    >>> decision.require(Action.DELETE, "SO-1")
    Traceback (most recent call last):
    servicedomain.errors.StageRuleError: SO-1: rule stage.may_delete refused the operation: ...
    """

    stage_id: str = attrs.field(validator=is_str)
    allowed: frozenset[Action]
    refusals: tuple[tuple[Action, str], ...]

    def __attrs_post_init__(self) -> None:
        allowed = cast("object", self.allowed)
        if not isinstance(allowed, frozenset) or not all(isinstance(a, Action) for a in allowed):
            raise TypeMismatchError("allowed", allowed, "expected a frozenset of Action")
        refusals = cast("object", self.refusals)
        if not isinstance(refusals, tuple) or [
            p[0] if isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], str) else p
            for p in refusals
        ] != [action for action in Action if action not in allowed]:
            raise InvalidInputError(
                "refusals", refusals, "expected one (Action, str) per action not allowed"
            )

    def allows(self, action: Action) -> bool:
        """True when the stage allows ``action``."""
        return _ACTION.check(action, "action") in self.allowed

    def why_not(self, action: Action) -> str | None:
        """Why the stage refuses ``action``, or ``None`` when it allows it."""
        checked = _ACTION.check(action, "action")
        return next((why for refused, why in self.refusals if refused is checked), None)

    def require(self, action: Action, entity_id: str) -> None:
        """Raise :class:`StageRuleError` (rule ``stage.may_<action>``) if ``action`` is refused."""
        checked = _ACTION.check(action, "action")
        entity = is_id.check(entity_id, "entity_id")
        if checked not in self.allowed:
            raise StageRuleError(entity, self.stage_id, checked.value)


# ------------------------------------------------------------------------- StageGraph


def _stage_tuple(value: Iterable[Stage]) -> tuple[Stage, ...]:
    """Convert the ``stages`` argument to a tuple, checking every item is a Stage."""
    return _STAGES.check(value, "stages")


_STAGES: Final = deep_iterable(instance_of(Stage), items("Stage values"))


def _index_by_id(stages: tuple[Stage, ...]) -> dict[str, int]:
    """Each id's position; refuses duplicates and parents that are not in ``stages``."""
    index: dict[str, int] = {}
    for i, stage in enumerate(stages):
        if stage.id in index:
            why = f"duplicate id; stages[{index[stage.id]}] has it"
            raise InvalidStageGraphError(f"stages[{i}].id", stage.id, why)
        index[stage.id] = i
    for i, stage in enumerate(stages):
        if stage.parent_id is not None and stage.parent_id not in index:
            why = "no stage has this id"
            raise InvalidStageGraphError(f"stages[{i}].parent_id", stage.parent_id, why)
    return index


def _single_root(stages: tuple[Stage, ...]) -> Stage:
    roots = [(i, stage) for i, stage in enumerate(stages) if stage.parent_id is None]
    if not roots:
        ids = tuple(stage.id for stage in stages)
        raise InvalidStageGraphError("stages", ids, "no root: one stage must have no parent")
    if len(roots) > 1:
        why = f"a second root: {roots[0][1].id!r} is already the initial stage"
        raise InvalidStageGraphError(f"stages[{roots[1][0]}].parent_id", None, why)
    return roots[0][1]


def _tree(stages: tuple[Stage, ...], root: Stage) -> dict[str, tuple[Stage, ...]]:
    """The children of each stage, once every stage is known to be reachable from the root.

    With one root and known parents, the parent chain of a stage the root cannot reach
    never reaches the root, so it loops: the error names that cycle.
    """
    kids: dict[str, list[Stage]] = {stage.id: [] for stage in stages}
    for stage in stages:
        if stage.parent_id is not None:
            kids[stage.parent_id].append(stage)
    children = {stage_id: tuple(them) for stage_id, them in kids.items()}
    reached, frontier = {root.id}, [root]
    while frontier:
        frontier = [kid for stage in frontier for kid in children[stage.id]]
        reached.update(kid.id for kid in frontier)
    if len(reached) == len(stages):
        return children
    parents = {stage.id: stage.parent_id for stage in stages}
    i, lost = next((i, s) for i, s in enumerate(stages) if s.id not in reached)
    chain = [lost.id]
    while (parent := cast("str", parents[chain[-1]])) not in chain:
        chain.append(parent)
    cycle = chain[chain.index(parent) :]
    loop = " -> ".join(repr(stage_id) for stage_id in [*cycle, parent])
    why = (
        f"a cycle {loop}; stages form a tree"
        if lost.id in cycle
        else f"{lost.id!r} is unreachable from the root {root.id!r}: a cycle {loop} above it"
    )
    raise InvalidStageGraphError(f"stages[{i}].parent_id", lost.parent_id, why)


@attrs.frozen
class StageGraph:
    """The stages of one kind of entity, as a tree rooted at the initial stage.

    ``stages`` keep their order (children are listed in it). A method given a stage id
    not in the graph raises :class:`~servicedomain.errors.UnknownStageError` whose
    ``field`` is the parameter's name.

    Raises:
        InvalidStageGraphError: no stage; a duplicate id; an unknown parent; no root or
            a second root; a cycle; an unreachable stage. ``field`` names the culprit,
            e.g. ``"stages[3].parent_id"``.

    >>> graph = StageGraph([Stage("OPEN"), Stage("DONE", parent_id="OPEN")])
    >>> graph.root.id, graph.next_stage("OPEN", entity_id="SO-1").id
    ('OPEN', 'DONE')
    >>> StageGraph([Stage("OPEN"), Stage("DONE")])
    Traceback (most recent call last):
    servicedomain.errors.InvalidStageGraphError: stages[1].parent_id=None: a second root: ...
    """

    stages: tuple[Stage, ...] = attrs.field(converter=_stage_tuple)
    _index: dict[str, int] = attrs.field(init=False, eq=False, repr=False)
    _children: dict[str, tuple[Stage, ...]] = attrs.field(init=False, eq=False, repr=False)
    _root: Stage = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        stages = self.stages
        if not stages:
            raise InvalidStageGraphError("stages", stages, "a graph needs at least one stage")
        index = _index_by_id(stages)
        root = _single_root(stages)
        object.__setattr__(self, "_children", _tree(stages, root))
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_root", root)

    def _get(self, stage_id: object, field: str) -> Stage:
        position = self._index.get(is_str.check(stage_id, field))
        if position is None:
            known = ", ".join(repr(stage.id) for stage in self.stages)
            raise UnknownStageError(field, stage_id, f"not a stage of this graph ({known})")
        return self.stages[position]

    @property
    def root(self) -> Stage:
        """The initial stage: the only stage without a parent."""
        return self._root

    def stage(self, stage_id: str) -> Stage:
        """The stage with this id."""
        return self._get(stage_id, "stage_id")

    def __contains__(self, stage_id: object) -> bool:
        return isinstance(stage_id, str) and stage_id in self._index

    def children(self, stage_id: str) -> tuple[Stage, ...]:
        """The stages *next* may go to from ``stage_id``, in declaration order."""
        return self._children[self._get(stage_id, "stage_id").id]

    def parent(self, stage_id: str) -> Stage | None:
        """The stage *previous* goes to from ``stage_id``; ``None`` for the root."""
        parent_id = self._get(stage_id, "stage_id").parent_id
        return None if parent_id is None else self.stages[self._index[parent_id]]

    def path_to(self, stage_id: str) -> tuple[Stage, ...]:
        """The stages from the root down to ``stage_id``, both included.

        >>> [s.id for s in EXAMPLE_STAGE_GRAPH.path_to("CANCELED")]
        ['CREATED', 'PLANNED', 'CANCELED']
        """
        path = [self._get(stage_id, "stage_id")]
        while (parent_id := path[-1].parent_id) is not None:
            path.append(self.stages[self._index[parent_id]])
        return tuple(reversed(path))

    def _refusal(self, source: Stage, target: Stage) -> str:
        """Why ``source -> target`` is not declared, and which moves are."""
        if source.id == target.id:
            lead = f"the entity is already in stage {source.id!r}"
        elif target.id == source.parent_id:
            lead = f"{target.id!r} is the previous stage, not a next one"
        elif target in self.path_to(source.id):
            lead = "previous goes back one stage at a time"
        elif source in self.path_to(target.id):
            lead = "next goes forward one stage at a time; stages cannot be skipped"
        elif not self._children[source.id]:
            lead = f"stage {source.id!r} is terminal: it has no next stage"
        else:
            lead = f"{target.id!r} is neither next to nor before {source.id!r}"
        following = " or ".join(repr(c.id) for c in self._children[source.id]) or "none"
        previous = "none" if source.parent_id is None else repr(source.parent_id)
        return f"{lead} (next: {following}; previous: {previous})"

    def transition(self, from_id: str, to_id: str, *, entity_id: str) -> TransitionKind:
        """Which declared transition goes from ``from_id`` to ``to_id`` (law T1).

        Raises:
            TransitionNotAllowedError: the move is neither to a child (*next*) nor to
                the parent (*previous*): the same stage, a skipped stage, a sibling, or
                forward out of a terminal stage. The detail says which moves exist.

        >>> EXAMPLE_STAGE_GRAPH.transition("COMPLETED", "IN_PROCESS", entity_id="SO-1")
        <TransitionKind.PREVIOUS: 'previous'>
        """
        entity = is_id.check(entity_id, "entity_id")
        source, target = self._get(from_id, "from_id"), self._get(to_id, "to_id")
        if target.parent_id == source.id:
            return TransitionKind.NEXT
        if source.parent_id == target.id:
            return TransitionKind.PREVIOUS
        raise TransitionNotAllowedError(entity, source.id, target.id, self._refusal(source, target))

    def next_stage(self, from_id: str, *, entity_id: str, choice: str | None = None) -> Stage:
        """The stage *next* goes to from ``from_id``.

        A stage with one child goes there; at a branch (several children) the caller
        names the child it picks with ``choice``.

        Raises:
            TransitionNotAllowedError: ``from_id`` is terminal, or branches and no
                ``choice`` names a child (the detail lists them); ``to_stage`` is the
                choice, or ``"(next)"``.

        >>> EXAMPLE_STAGE_GRAPH.next_stage("PLANNED", entity_id="SO-1")
        Traceback (most recent call last):
        servicedomain.errors.TransitionNotAllowedError: SO-1: ... choose one of 'IN_PROCESS', ...
        >>> EXAMPLE_STAGE_GRAPH.next_stage("PLANNED", entity_id="SO-1", choice="CANCELED").id
        'CANCELED'
        """
        entity = is_id.check(entity_id, "entity_id")
        source = self._get(from_id, "from_id")
        if choice is not None:
            target = self._get(choice, "choice")
            if target.parent_id == source.id:
                return target
            detail = self._refusal(source, target)
            raise TransitionNotAllowedError(entity, source.id, target.id, detail)
        children = self._children[source.id]
        if len(children) == 1:
            return children[0]
        detail = (
            f"stage {source.id!r} branches; choose one of {', '.join(repr(c.id) for c in children)}"
            if children
            else f"stage {source.id!r} is terminal: it has no next stage"
        )
        raise TransitionNotAllowedError(entity, source.id, _NEXT, detail)

    def previous_stage(self, from_id: str, *, entity_id: str) -> Stage:
        """The stage *previous* goes to from ``from_id``: its parent.

        Raises:
            TransitionNotAllowedError: ``from_id`` is the root; ``to_stage`` is ``"(previous)"``.
        """
        entity = is_id.check(entity_id, "entity_id")
        source = self._get(from_id, "from_id")
        if source.parent_id is None:
            detail = f"stage {source.id!r} is the initial stage: it has no previous stage"
            raise TransitionNotAllowedError(entity, source.id, _PREVIOUS, detail)
        return self.stages[self._index[source.parent_id]]

    def decision(self, stage_id: str) -> Decision:
        """What an entity in ``stage_id`` may do, and why not.

        >>> EXAMPLE_STAGE_GRAPH.decision("PLANNED").refusals
        ((<Action.DELETE: 'delete'>, "stage 'PLANNED' does not allow delete"), ...)
        """
        stage = self._get(stage_id, "stage_id")
        allowed = frozenset(a for a in Action if stage.rules.allows(a))
        refusals = tuple(
            (a, f"stage {stage.id!r} does not allow {a.value}") for a in Action if a not in allowed
        )
        return Decision(stage.id, allowed, refusals)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> StageGraph:
        """Build from a dict such as JSON or TOML gives.

        The shape is ``{"stages": [{"id", "description", "parent", "rules": {...}}]}``:
        ``parent`` is omitted (or ``None``) for the root; ``description`` and ``rules``
        (or any rule) may be omitted for the defaults. Unknown keys are refused.

        Raises:
            InvalidStageGraphError: ``field`` is the culprit's path, such as
                ``"stages[2].rules.may_psot"`` or ``"stages[3].parent"``.

        >>> data = {"stages": [{"id": "OPEN"}, {"id": "DONE", "parent": "OPEN"}]}
        >>> StageGraph.from_dict(data).stage("DONE").parent_id
        'OPEN'
        """
        check_keys(data, kind="StageGraph", required=("stages",), error=InvalidStageGraphError)
        entries = data["stages"]
        if isinstance(entries, str | bytes) or not isinstance(entries, Sequence):
            raise InvalidStageGraphError("stages", entries, "expected a list of stages")
        stages = [_stage_from(entry, f"stages[{i}]") for i, entry in enumerate(entries)]
        try:
            return cls(stages)
        except InvalidStageGraphError as error:  # name the dict's key "parent"
            field = error.field.replace(".parent_id", ".parent")
            raise InvalidStageGraphError(field, error.value, error.reason) from None

    def to_dict(self) -> dict[str, object]:
        """The graph as plain data; :meth:`from_dict` reads it back to an equal graph.

        Every rule is written out. The root has no ``parent`` key (TOML has no null).
        """
        return {"stages": [_stage_to_dict(stage) for stage in self.stages]}

    def to_mermaid(self) -> str:
        """The graph as a Mermaid flowchart, top down, for docs and reviews.

        A node per stage (the root a stadium) labelled with its id, description and the
        rules set; an arrow per parent and child. Nodes are named ``s0``, ``s1``, ... in
        declaration order and labels are quoted and escaped, so any stage id is safe.

        >>> print(StageGraph([Stage("OPEN"), Stage("DONE", "Done", "OPEN")]).to_mermaid())
        flowchart TD
            s0(["OPEN<br/>modify"])
            s1["DONE<br/>Done<br/>modify"]
            s0 --> s1
        """
        lines = ["flowchart TD"]
        for i, stage in enumerate(self.stages):
            shape = '(["{}"])' if stage.parent_id is None else '["{}"]'
            lines.append(f"    s{i}" + shape.format(_mermaid_label(stage)))
        lines.extend(
            f"    s{self._index[stage.parent_id]} --> s{i}"
            for i, stage in enumerate(self.stages)
            if stage.parent_id is not None
        )
        return "\n".join(lines)


def _rules_from(value: object, path: str) -> StageRules:
    value = check_keys(
        value,
        kind="StageRules",
        optional=_RULE_NAMES,
        path=f"{path}.",
        error=InvalidStageGraphError,
    )
    for name, flag in value.items():
        if not isinstance(flag, bool):
            raise InvalidStageGraphError(f"{path}.{name}", flag, "expected true or false")
    return StageRules(**cast("Mapping[str, bool]", value))


def _stage_from(entry: object, path: str) -> Stage:
    entry = check_keys(
        entry,
        kind="Stage",
        required=("id",),
        optional=("description", "parent", "rules"),
        path=f"{path}.",
        error=InvalidStageGraphError,
    )
    rules = _rules_from(entry["rules"], f"{path}.rules") if "rules" in entry else StageRules()
    texts = (entry["id"], entry.get("description", ""), entry.get("parent"))
    try:
        return Stage(*cast("tuple[str, str, str | None]", texts), rules)
    except InvalidInputError as error:  # also TypeMismatchError: a value that is not a str
        key = "parent" if error.field == "parent_id" else error.field
        raise InvalidStageGraphError(f"{path}.{key}", error.value, error.reason) from None


def _stage_to_dict(stage: Stage) -> dict[str, object]:
    data: dict[str, object] = {"id": stage.id, "description": stage.description}
    if stage.parent_id is not None:
        data["parent"] = stage.parent_id
    data["rules"] = {name: getattr(stage.rules, name) for name in _RULE_NAMES}
    return data


_MERMAID_ESCAPES: Final = str.maketrans({"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;"})


def _mermaid_label(stage: Stage) -> str:
    texts = [stage.id, stage.description] if stage.description else [stage.id]
    parts = ["".join(c if c.isprintable() else " " for c in t) for t in texts]
    parts = [part.translate(_MERMAID_ESCAPES) for part in parts]
    flags = [label for name, label in _RULE_LABELS.items() if getattr(stage.rules, name)]
    return "<br/>".join([*parts, ", ".join(flags)] if flags else parts)


EXAMPLE_STAGE_GRAPH: Final[StageGraph] = StageGraph(
    [
        Stage("CREATED", "Order created", None, StageRules(may_delete=True, may_cancel=True)),
        Stage("PLANNED", "Planned", "CREATED", StageRules(may_cancel=True)),
        Stage("IN_PROCESS", "Work in process", "PLANNED", StageRules(may_cancel=True)),
        Stage(
            "COMPLETED",
            "Work completed",
            "IN_PROCESS",
            StageRules(may_modify=False, may_post=True, stops_sla_clock=True),
        ),
        Stage(
            "CANCELED",
            "Canceled",
            "PLANNED",
            StageRules(
                may_modify=False, may_cancel=True, requires_reason=True, stops_sla_clock=True
            ),
        ),
    ]
)
"""The usual AX set-up: CREATED -> PLANNED -> IN_PROCESS -> COMPLETED, and a branch
PLANNED -> CANCELED. Orders may be modified until COMPLETED or CANCELED, deleted only in
CREATED, canceled before COMPLETED, and posted only in COMPLETED. COMPLETED and CANCELED
stop the SLA clock; entering CANCELED requires a reason code."""


# ------------------------------------------------------------------ reasons and the log


def _check_reason_code(value: object, field: str) -> str:
    problem = _code_problem(is_str.check(value, field), MAX_REASON_CODE_LENGTH)
    if problem is not None:
        raise InvalidInputError(field, value, f"a reason code {problem}")
    return cast("str", value)


@attrs.frozen
class ReasonCode:
    """A stage reason code (AX ``SMAReasonTable``): 1 to 10 characters and a description.

    Raises:
        InvalidInputError: ``code`` is blank, padded, too long or has control characters.
        TypeMismatchError: ``code`` or ``description`` is not a str.

    >>> ReasonCode("CUST-REQ", "Customer request").code
    'CUST-REQ'
    """

    code: str = attrs.field(validator=validator(_check_reason_code, "a reason code"))
    description: str = attrs.field(default="", validator=is_str)


class ReasonType(StrictEnum):
    """The kind of a reason log entry (AX ``SMAReasonType``).

    ``STAGE_CHANGE``: the stage changed; ``CLOSE``: SLA time recording stopped;
    ``CANCEL``: the SLA was canceled; ``MANUAL``: entered by hand.
    """

    STAGE_CHANGE = "stage change"
    CLOSE = "close"
    CANCEL = "cancel"
    MANUAL = "manual"


@attrs.frozen(kw_only=True)
class ReasonLogEntry:
    """One line of the reason log (AX ``SMAServiceOrderReason``, the "Stage reasons" form).

    Attributes:
        entity_id: the entity (e.g. a service order) the entry is about.
        stage_id: the stage the entity is in (after the change, for a stage change).
        type: what happened.
        at: when, an aware datetime.
        reason: the reason code given, if any; a ``MANUAL`` entry needs one.
        note: free text.
        from_stage_id: the stage left, for a stage change.

    A field of the wrong type raises ``TypeMismatchError`` (``NaiveDatetimeError`` for a
    naive ``at``); an empty id, or a ``MANUAL`` entry without a reason, ``InvalidInputError``.
    """

    entity_id: str = attrs.field(validator=is_id)
    stage_id: str = attrs.field(validator=is_id)
    type: ReasonType = attrs.field(validator=in_(ReasonType))
    at: datetime = attrs.field(validator=is_instant)
    reason: ReasonCode | None = attrs.field(
        default=None, validator=optional(instance_of(ReasonCode))
    )
    note: str = attrs.field(default="", validator=is_str)
    from_stage_id: str | None = attrs.field(default=None, validator=optional(is_id))

    def __attrs_post_init__(self) -> None:
        if self.reason is None and self.type is ReasonType.MANUAL:
            raise InvalidInputError("reason", None, "a manual entry needs a reason code")


_GRAPH: Final = instance_of(StageGraph)


def enter_stage(
    graph: StageGraph,
    *,
    entity_id: str,
    from_id: str,
    to_id: str,
    at: datetime,
    reason: ReasonCode | None = None,
    note: str = "",
) -> tuple[TransitionKind, tuple[ReasonLogEntry, ...]]:
    """Check a stage change and return the reason log entries it writes.

    The pure core of every stage change: the transition must be declared (law T1), and
    a target stage that ``requires_reason`` needs ``reason``, whichever way the entity
    moves. The log gets one ``STAGE_CHANGE`` entry, then a ``CLOSE`` entry (with the
    same reason) when the target stage stops the SLA clock and the source stage did not.
    Going back to a stage without ``stops_sla_clock`` restarts the clock; the SLA reads
    that off the ``STAGE_CHANGE`` entry.

    Returns:
        The kind of transition and the new log entries, in order.

    Raises:
        UnknownStageError, TransitionNotAllowedError: as :meth:`StageGraph.transition`.
        ReasonRequiredError: the target stage requires a reason and none was given.
        TypeMismatchError: a bad argument, naming it (``NaiveDatetimeError`` for ``at``).

    >>> from datetime import UTC
    >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    >>> kind, log = enter_stage(EXAMPLE_STAGE_GRAPH, entity_id="SO-1", from_id="PLANNED",
    ...                         to_id="CANCELED", at=at, reason=ReasonCode("NOSHOW"))
    >>> kind, [entry.type.value for entry in log]
    (<TransitionKind.NEXT: 'next'>, ['stage change', 'close'])
    """
    checked = _GRAPH.check(graph, "graph")
    kind = checked.transition(from_id, to_id, entity_id=entity_id)
    source, target = checked.stage(from_id), checked.stage(to_id)
    change = ReasonLogEntry(
        entity_id=entity_id,
        stage_id=target.id,
        type=ReasonType.STAGE_CHANGE,
        at=at,
        reason=reason,
        note=note,
        from_stage_id=source.id,
    )
    if target.rules.requires_reason and reason is None:
        raise ReasonRequiredError(entity_id, "stage.requires_reason", f"entering stage {to_id!r}")
    if target.rules.stops_sla_clock and not source.rules.stops_sla_clock:
        return kind, (change, attrs.evolve(change, type=ReasonType.CLOSE, note=""))
    return kind, (change,)


def manual_entry(
    *, entity_id: str, stage_id: str, at: datetime, reason: ReasonCode, note: str = ""
) -> ReasonLogEntry:
    """A reason log entry entered by hand (type ``MANUAL``); it needs a reason code."""
    return ReasonLogEntry(
        entity_id=entity_id,
        stage_id=stage_id,
        type=ReasonType.MANUAL,
        at=at,
        reason=reason,
        note=note,
    )
