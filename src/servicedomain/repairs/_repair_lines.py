"""Repair lines: the steps of a repair, on a service order (AX ``SMARepairLine``).

A repair line names the object relation of the order it is about, the fault (symptom
area and code, condition), the diagnosis (area and code), the resolution, the repair
stage, the technician, a description and a note. It is created at a given instant;
entering a *Finished* repair stage stamps the finish time and freezes the line: only its
note changes after (law R5). The order owns its repair lines
(:meth:`servicedomain.orders.ServiceOrder.add_repair_line` and the operations after it);
this module holds the value, its codes' check against a :class:`FaultTaxonomy` and the
status derived from an order's repair lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final, TypedDict

import attrs

from servicedomain._checks import (
    instance_of,
    is_id,
    is_instant,
    is_line_number,
    is_optional_id,
    is_str,
    items_of,
    optional,
)
from servicedomain._enums import StrictEnum
from servicedomain.errors import InvalidInputError, UnknownCodeError
from servicedomain.repairs._taxonomy import FaultTaxonomy

_TAXONOMY: Final = instance_of(FaultTaxonomy)


class RepairLineChanges(TypedDict, total=False):
    """The fields ``ServiceOrder.change_repair_line`` may change (all optional).

    The number, the stage and the two time stamps never change this way: the stage has
    its own operation (``move_repair_line``), which stamps the finish time.
    """

    relation_id: str
    symptom_area_id: str | None
    symptom_code_id: str | None
    condition_id: str | None
    diagnosis_area_id: str | None
    diagnosis_code_id: str | None
    resolution_id: str | None
    technician_id: str | None
    description: str
    note: str


def _v_code(area_field: str) -> Any:
    """A code id that needs its area: a code without an area is refused."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        is_optional_id.check(value, attribute.name)
        if value is not None and getattr(instance, area_field) is None:
            raise InvalidInputError(
                attribute.name, value, f"a code belongs to its area; give {area_field} too"
            )

    return check


_OPTIONAL_INSTANT: Final = optional(is_instant)


def _v_finished_at(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    # an instant or None, not before the creation (a check across two fields)
    _OPTIONAL_INSTANT.check(value, attribute.name)
    if isinstance(value, datetime) and value < instance.created_at:
        raise InvalidInputError(
            attribute.name,
            value,
            f"a repair line finishes after it is created, {instance.created_at}",
        )


@attrs.frozen(kw_only=True)
class RepairLine:
    """One step of a repair on a service order (AX ``SMARepairLine``).

    Attributes:
        number: the line's number on its order (1, 2, ...; AX ``RepairLineId``).
        relation_id: the object relation of the order the repair is on (AX
            ``ServiceObjectRelationId``); it names the service object.
        symptom_area_id, symptom_code_id: the symptom, a code of its area.
        condition_id: the condition in which the fault occurs.
        diagnosis_area_id, diagnosis_code_id: the diagnosis, a code of its area.
        resolution_id: how the repair was resolved.
        stage_id: the repair stage (AX ``RepairStageId``), or ``None``.
        technician_id: the worker who does the step (AX ``Worker``).
        description: what the step is, for people.
        note: a note; the one field a Finished line may still change.
        created_at: when the line was created (the given instant, never now()).
        finished_at: when it entered a Finished stage, or ``None`` (law R5).

    Raises:
        TypeMismatchError: a field of the wrong type (the field is named).
        NaiveDatetimeError: ``created_at`` or ``finished_at`` is naive.
        InvalidInputError: a blank id, a number below 1, a code without its area, a
            finish before the creation.

    >>> from datetime import UTC, datetime
    >>> line = RepairLine(
    ...     number=1, relation_id="REL-1", symptom_area_id="hard drive",
    ...     symptom_code_id="blue screen", created_at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    >>> line.finished, line.finished_at
    (False, None)
    """

    number: int = attrs.field(validator=is_line_number)
    relation_id: str = attrs.field(validator=is_id)
    symptom_area_id: str | None = attrs.field(default=None, validator=is_optional_id)
    symptom_code_id: str | None = attrs.field(default=None, validator=_v_code("symptom_area_id"))
    condition_id: str | None = attrs.field(default=None, validator=is_optional_id)
    diagnosis_area_id: str | None = attrs.field(default=None, validator=is_optional_id)
    diagnosis_code_id: str | None = attrs.field(
        default=None, validator=_v_code("diagnosis_area_id")
    )
    resolution_id: str | None = attrs.field(default=None, validator=is_optional_id)
    stage_id: str | None = attrs.field(default=None, validator=is_optional_id)
    technician_id: str | None = attrs.field(default=None, validator=is_optional_id)
    description: str = attrs.field(default="", validator=is_str)
    note: str = attrs.field(default="", validator=is_str)
    created_at: datetime = attrs.field(validator=is_instant)
    finished_at: datetime | None = attrs.field(default=None, validator=_v_finished_at)

    @property
    def finished(self) -> bool:
        """Whether the line entered a Finished stage (then only its note changes)."""
        return self.finished_at is not None

    def check_codes(self, taxonomy: FaultTaxonomy) -> None:
        """Check every code of the line against ``taxonomy``.

        A symptom or diagnosis code must be one of its area; the condition, the
        resolution and the stage must be defined.

        Raises:
            UnknownCodeError: a code the taxonomy does not define there; the field is
                the line's (``"symptom_code_id"``, ...) and the message names the area
                and the code.
            TypeMismatchError: ``taxonomy`` is not a FaultTaxonomy.
        """
        checked = _TAXONOMY.check(taxonomy, "taxonomy")
        _renamed(
            "symptom_area_id",
            lambda: self.symptom_area_id is None or checked.symptom_area(self.symptom_area_id),
        )
        if self.symptom_area_id is not None and self.symptom_code_id is not None:
            _renamed(
                "symptom_code_id",
                lambda: checked.symptom_code(str(self.symptom_area_id), str(self.symptom_code_id)),
            )
        _renamed(
            "condition_id",
            lambda: self.condition_id is None or checked.condition(self.condition_id),
        )
        _renamed(
            "diagnosis_area_id",
            lambda: (
                self.diagnosis_area_id is None or checked.diagnosis_area(self.diagnosis_area_id)
            ),
        )
        if self.diagnosis_area_id is not None and self.diagnosis_code_id is not None:
            _renamed(
                "diagnosis_code_id",
                lambda: checked.diagnosis_code(
                    str(self.diagnosis_area_id), str(self.diagnosis_code_id)
                ),
            )
        _renamed(
            "resolution_id",
            lambda: self.resolution_id is None or checked.resolution(self.resolution_id),
        )
        _renamed("stage_id", lambda: self.stage_id is None or checked.repair_stage(self.stage_id))


def _renamed(field: str, look_up: Any) -> None:
    """Run ``look_up``; an UnknownCodeError it raises names the repair line's ``field``."""
    try:
        look_up()
    except UnknownCodeError as error:
        raise UnknownCodeError(field, error.value, error.kind, error.area_id, error.known) from None


_LINES: Final = items_of(RepairLine)


class RepairStatus(StrictEnum):
    """Where an order's repair stands, derived from its repair lines (never stored)."""

    NONE = "none"
    """No repair line."""
    IN_REPAIR = "in_repair"
    """At least one repair line is not finished."""
    REPAIRED = "repaired"
    """Every repair line is finished."""


def repair_status(lines: Iterable[RepairLine]) -> RepairStatus:
    """The status of a repair from its lines: none, in repair, or repaired.

    Raises:
        TypeMismatchError: ``lines`` is not an iterable of RepairLine values.

    >>> repair_status(())
    <RepairStatus.NONE: 'none'>
    """
    finished = [line.finished for line in _LINES.check(lines, "lines")]
    if not finished:
        return RepairStatus.NONE
    return RepairStatus.REPAIRED if all(finished) else RepairStatus.IN_REPAIR
