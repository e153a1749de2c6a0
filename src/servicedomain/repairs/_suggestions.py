"""Suggested resolutions: what fixed this symptom before, ranked, with the counts behind it.

Given a symptom (area, code) and a condition, :func:`suggest_resolutions` ranks the
(diagnosis area, diagnosis code, resolution) triples of past *finished* repair lines
by how often they ended such a repair. Evidence is counted at three levels, from the
most specific to the broadest:

* **exact**: lines with the same symptom area, symptom code and condition (a query
  without a condition matches the lines recorded without one);
* **code**: lines with the same symptom area and code, any condition;
* **area**: lines with the same symptom area, any code and condition.

The smoothing is a recursive additive (Dirichlet) back-off with prior weight ``w``
(an int >= 1, 1 by default). For a triple ``p``, with ``n(p)`` the lines of a level
that ended with ``p`` and ``N`` all the lines of that level::

    area(p)  = n_area(p) / N_area
    code(p)  = (n_code(p)  + w * area(p)) / (N_code  + w)
    score(p) = (n_exact(p) + w * code(p)) / (N_exact + w)

Each level is shrunk towards the broader one by ``w`` pseudo-lines: with no exact
line the score is the code level's share, and with no code line that share is the
area's; the more lines a level has, the less the broader levels count. The scores of
all the triples seen in the area are in [0, 1] and sum to exactly 1; a triple never
seen in the area is never suggested. The arithmetic is exact (:class:`~fractions.Fraction`), and the
ranking is a total order (score, then exact, code and area count descending, then the
ids ascending), so it does not depend on the order of the history (law R7).

The ranking reads any host record with the attributes of :class:`PastRepair` (a
service order's repair lines have them). A line counts only when it is
finished (``finished_at`` is not ``None``) and has a diagnosis area, a diagnosis code
and a resolution.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Any, Final, NoReturn, Protocol

import attrs

from servicedomain._checks import (
    instance_of,
    integer,
    is_count,
    is_id,
    is_optional_id,
    iterable,
    optional,
)
from servicedomain.errors import InvalidInputError, TypeMismatchError, UnknownCodeError
from servicedomain.repairs._taxonomy import FaultTaxonomy

DEFAULT_LIMIT: Final = 10
"""How many suggestions :func:`suggest_resolutions` returns unless told."""

_is_positive = integer(minimum=1)
_is_limit = optional(_is_positive)
_is_taxonomy = optional(instance_of(FaultTaxonomy))
_ATTRIBUTES: Final = (
    "symptom_area_id",
    "symptom_code_id",
    "condition_id",
    "diagnosis_area_id",
    "diagnosis_code_id",
    "resolution_id",
    "finished_at",
)


class PastRepair(Protocol):
    """A past repair line as the ranking reads it (a repair line, or a host's record).

    Only these attributes are read; any object that has them will do.
    """

    @property
    def symptom_area_id(self) -> str | None:
        """The symptom area of the line."""

    @property
    def symptom_code_id(self) -> str | None:
        """The symptom code (of that area)."""

    @property
    def condition_id(self) -> str | None:
        """The condition the fault occurred in, if recorded."""

    @property
    def diagnosis_area_id(self) -> str | None:
        """The diagnosis area, once diagnosed."""

    @property
    def diagnosis_code_id(self) -> str | None:
        """The diagnosis code (of that area), once diagnosed."""

    @property
    def resolution_id(self) -> str | None:
        """How the repair ended, once it did."""

    @property
    def finished_at(self) -> datetime | None:
        """When the line entered a Finished repair stage; ``None`` while open."""


def _share(count: int, total: int, broader: Fraction, weight: int) -> Fraction:
    return (count + weight * broader) / (total + weight)


@attrs.frozen
class SuggestionCounts:
    """The counts behind a suggestion (its "why"), and the terms of the formula.

    Attributes:
        exact_count: finished lines with this symptom and condition that ended with the
            suggested diagnosis and resolution.
        exact_total: finished lines with this symptom and condition.
        code_count: lines with this symptom (area and code), any condition, that ended so.
        code_total: lines with this symptom, any condition.
        area_count: lines in this symptom area, any code, that ended so (at least 1).
        area_total: lines in this symptom area.
        prior_weight: ``w``, the pseudo-lines each level borrows from the broader one.

    Each level's lines are among the broader level's, so the counts (and the lines
    that ended otherwise, ``total - count``) never grow from area to code to exact.

    >>> why = SuggestionCounts(1, 2, 3, 4, 5, 8)
    >>> why.area_share, why.code_share, why.score
    (Fraction(5, 8), Fraction(29, 40), Fraction(23, 40))
    """

    exact_count: int = attrs.field(validator=is_count)
    exact_total: int = attrs.field(validator=is_count)
    code_count: int = attrs.field(validator=is_count)
    code_total: int = attrs.field(validator=is_count)
    area_count: int = attrs.field(validator=_is_positive)
    area_total: int = attrs.field(validator=_is_positive)
    prior_weight: int = attrs.field(default=1, validator=_is_positive)

    def __attrs_post_init__(self) -> None:
        levels = (
            ("exact", self.exact_count, self.exact_total),
            ("code", self.code_count, self.code_total),
            ("area", self.area_count, self.area_total),
        )
        for name, count, total in levels:
            if count > total:
                raise InvalidInputError(
                    f"{name}_count", count, f"more than the {name}_total of {total} lines"
                )
        for (name, count, total), (broader, wider_count, wider_total) in pairwise(levels):
            if count > wider_count:
                raise InvalidInputError(
                    f"{name}_count",
                    count,
                    f"more than the {broader}_count of {wider_count}: "
                    f"the {name} lines are among the {broader} lines",
                )
            if total - count > wider_total - wider_count:
                raise InvalidInputError(
                    f"{name}_total",
                    total,
                    f"more lines ending otherwise ({total - count}) than at the {broader} "
                    f"level ({wider_total - wider_count})",
                )

    @property
    def area_share(self) -> Fraction:
        """``n_area / N_area``: the share of the symptom area's lines that ended so."""
        return Fraction(self.area_count, self.area_total)

    @property
    def code_share(self) -> Fraction:
        """``(n_code + w * area_share) / (N_code + w)``: the smoothed symptom code share."""
        return _share(self.code_count, self.code_total, self.area_share, self.prior_weight)

    @property
    def score(self) -> Fraction:
        """``(n_exact + w * code_share) / (N_exact + w)``: the suggestion's score, in [0, 1]."""
        return _share(self.exact_count, self.exact_total, self.code_share, self.prior_weight)

    def text(self) -> str:
        """The counts and the formula in one line, for people.

        >>> print(SuggestionCounts(1, 2, 3, 4, 5, 8).text())
        1 of 2 lines with this symptom and condition, 3 of 4 with this symptom code, \
5 of 8 in this symptom area; score = (1 + 1*29/40) / (2 + 1) = 23/40 (w = 1)
        """
        w = self.prior_weight
        return (
            f"{self.exact_count} of {self.exact_total} lines with this symptom and condition, "
            f"{self.code_count} of {self.code_total} with this symptom code, "
            f"{self.area_count} of {self.area_total} in this symptom area; "
            f"score = ({self.exact_count} + {w}*{self.code_share}) / ({self.exact_total} + {w})"
            f" = {self.score} (w = {w})"
        )


@attrs.frozen
class SuggestedResolution:
    """A diagnosis and resolution that ended repairs of this symptom, with its score.

    Attributes:
        diagnosis_area_id: the diagnosis area of the suggestion.
        diagnosis_code_id: the diagnosis code (of that area).
        resolution_id: the resolution.
        why: the counts behind the score (:class:`SuggestionCounts`).

    >>> suggestion = SuggestedResolution(
    ...     "defective part", "new video card", "replaced", SuggestionCounts(1, 2, 3, 4, 5, 8)
    ... )
    >>> suggestion.score
    Fraction(23, 40)
    >>> print(suggestion.explain())
    defective part / new video card -> replaced: score 23/40 (0.575); 1 of 2 lines ...
    """

    diagnosis_area_id: str = attrs.field(validator=is_id)
    diagnosis_code_id: str = attrs.field(validator=is_id)
    resolution_id: str = attrs.field(validator=is_id)
    why: SuggestionCounts = attrs.field(validator=instance_of(SuggestionCounts))

    @property
    def score(self) -> Fraction:
        """The score of the suggestion (see :attr:`SuggestionCounts.score`)."""
        return self.why.score

    def explain(self) -> str:
        """The suggestion, its score (exact, and to three decimals) and why, in one line."""
        score = self.score
        return (
            f"{self.diagnosis_area_id} / {self.diagnosis_code_id} -> {self.resolution_id}: "
            f"score {score} ({Decimal(score.numerator) / score.denominator:.3f}); {self.why.text()}"
        )


# ------------------------------------------------------------------------ the ranking

_Triple = tuple[Any, Any, Any]


def suggest_resolutions(
    history: Iterable[PastRepair],
    *,
    symptom_area_id: str,
    symptom_code_id: str,
    condition_id: str | None = None,
    limit: int | None = DEFAULT_LIMIT,
    prior_weight: int = 1,
    taxonomy: FaultTaxonomy | None = None,
) -> tuple[SuggestedResolution, ...]:
    """The diagnoses and resolutions that ended repairs of this symptom, best first.

    Counts the finished lines of ``history`` that have a diagnosis and a resolution, at
    the exact level (this symptom and condition), the code level (this symptom) and the
    area level (this symptom area), and scores each (diagnosis area, diagnosis code,
    resolution) seen in the area by the back-off of the module's docstring::

        score = (n_exact + w * (n_code + w * n_area / N_area) / (N_code + w)) / (N_exact + w)

    The order is total: score descending, then the exact, code and area counts
    descending, then the diagnosis area, diagnosis code and resolution ids ascending;
    the same history in any order gives the same tuple (law R7).

    Args:
        history: the past repair lines (any iterable of :class:`PastRepair`).
        symptom_area_id: the symptom area of the repair to suggest for.
        symptom_code_id: its symptom code.
        condition_id: its condition; ``None`` matches the lines recorded without one.
        limit: at most this many suggestions (an int >= 1); ``None`` for every one.
        prior_weight: ``w``, an int >= 1: how many pseudo-lines each level borrows from
            the broader one.
        taxonomy: when given, the symptom and the condition must be in it.

    Returns:
        The suggestions, best first; empty when no finished line is in the area.

    Raises:
        TypeMismatchError: an argument of the wrong type, ``history`` not an iterable
            (or a str, a mapping), or a line without the attributes of
            :class:`PastRepair` (``field`` ``"history[i]"``).
        InvalidInputError: a blank id, ``limit`` or ``prior_weight`` below 1, or a
            counted line whose diagnosis or resolution is not an id (``field``
            ``"history[i].resolution_id"``).
        UnknownCodeError: ``taxonomy`` is given and lacks the symptom area
            (``field`` ``"symptom_area_id"``), the code in that area
            (``"symptom_code_id"``) or the condition (``"condition_id"``).

    >>> from types import SimpleNamespace as Line
    >>> from datetime import UTC, datetime
    >>> done = datetime(2026, 3, 2, tzinfo=UTC)
    >>> history = [
    ...     Line(symptom_area_id="hard drive", symptom_code_id="blue screen",
    ...          condition_id=None, diagnosis_area_id="defective part",
    ...          diagnosis_code_id="new video card", resolution_id="replaced",
    ...          finished_at=done),
    ... ]
    >>> [s.resolution_id for s in suggest_resolutions(
    ...     history, symptom_area_id="hard drive", symptom_code_id="blue screen")]
    ['replaced']
    """
    lines = tuple(iterable("past repair lines").check(history, "history"))
    area = is_id.check(symptom_area_id, "symptom_area_id")
    code = is_id.check(symptom_code_id, "symptom_code_id")
    condition = is_optional_id.check(condition_id, "condition_id")
    most = _is_limit.check(limit, "limit")
    weight = _is_positive.check(prior_weight, "prior_weight")
    known = _is_taxonomy.check(taxonomy, "taxonomy")
    if known is not None:
        _check_in_taxonomy(known, area, code, condition)
    try:
        by_area, by_code, by_exact = _count(lines, area, code, condition)
    except (AttributeError, TypeError):
        _locate_bad_line(lines, area)
    for triple in by_area:
        if not all(_is_good_id(part) for part in triple):
            _locate_bad_line(lines, area)
    return _ranked(by_area, by_code, by_exact, weight, most)


def _is_good_id(value: object) -> bool:
    try:
        is_id.check(value, "id")
    except InvalidInputError:
        return False
    return True


def _count(
    lines: tuple[Any, ...], area: str, code: str, condition: str | None
) -> tuple[dict[_Triple, int], dict[_Triple, int], dict[_Triple, int]]:
    """The lines ending with each triple, at the area, code and exact levels (hot loop)."""
    by_area: dict[_Triple, int] = {}
    by_code: dict[_Triple, int] = {}
    by_exact: dict[_Triple, int] = {}
    for line in lines:
        if line.symptom_area_id != area or line.finished_at is None:
            continue
        resolution = line.resolution_id
        diagnosis_area = line.diagnosis_area_id
        diagnosis_code = line.diagnosis_code_id
        if resolution is None or diagnosis_area is None or diagnosis_code is None:
            continue
        triple = (diagnosis_area, diagnosis_code, resolution)
        by_area[triple] = by_area.get(triple, 0) + 1
        if line.symptom_code_id == code:
            by_code[triple] = by_code.get(triple, 0) + 1
            if line.condition_id == condition:
                by_exact[triple] = by_exact.get(triple, 0) + 1
    return by_area, by_code, by_exact


def _ranked(
    by_area: dict[_Triple, int],
    by_code: dict[_Triple, int],
    by_exact: dict[_Triple, int],
    weight: int,
    most: int | None,
) -> tuple[SuggestedResolution, ...]:
    """The triples in rank order, as suggestions (at most ``most``)."""
    area_total = sum(by_area.values())
    code_total = sum(by_code.values())
    exact_total = sum(by_exact.values())
    # score * N_area * (N_code + w) * (N_exact + w): one positive denominator for every
    # triple, so integers rank exactly as the fractions do.
    code_scale = area_total * (code_total + weight)
    keyed = []
    for triple, area_count in by_area.items():
        code_count = by_code.get(triple, 0)
        exact_count = by_exact.get(triple, 0)
        numerator = exact_count * code_scale + weight * (
            code_count * area_total + weight * area_count
        )
        keyed.append((-numerator, -exact_count, -code_count, -area_count, triple))
    keyed.sort()
    chosen = keyed if most is None else keyed[:most]
    return tuple(
        SuggestedResolution(
            triple[0],
            triple[1],
            triple[2],
            SuggestionCounts(
                -exact, exact_total, -code, code_total, -area, area_total, prior_weight=weight
            ),
        )
        for _, exact, code, area, triple in chosen
    )


def _check_in_taxonomy(
    taxonomy: FaultTaxonomy, area: str, code: str, condition: str | None
) -> None:
    """The symptom and the condition are in ``taxonomy``, the error naming the argument."""
    try:
        taxonomy.symptom_code(area, code)
        if condition is not None:
            taxonomy.condition(condition)
    except UnknownCodeError as error:
        field = {
            "area_id": "symptom_area_id",
            "code_id": "symptom_code_id",
        }.get(error.field, error.field)
        raise UnknownCodeError(field, error.value, error.kind, error.area_id, error.known) from None


def _locate_bad_line(lines: tuple[Any, ...], area: str) -> NoReturn:
    """Raise the error of the first line the ranking cannot read, naming it ``history[i]``."""
    for i, line in enumerate(lines):
        missing = [name for name in _ATTRIBUTES if not hasattr(line, name)]
        if missing:
            raise TypeMismatchError(
                f"history[{i}]",
                line,
                f"expected a past repair line, got {type(line).__name__} without "
                + ", ".join(missing),
            )
        if line.symptom_area_id != area or line.finished_at is None:
            continue
        parts = (line.diagnosis_area_id, line.diagnosis_code_id, line.resolution_id)
        if any(part is None for part in parts):
            continue
        for name, part in zip(_ATTRIBUTES[3:6], parts, strict=True):
            is_id.check(part, f"history[{i}].{name}")
    raise TypeMismatchError(  # pragma: no cover (a line above raised)
        "history", lines, "a past repair line could not be read"
    )
