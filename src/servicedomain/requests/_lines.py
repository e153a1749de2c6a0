"""A repair line as the customer enters it: condition and symptom, no diagnosis (private)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import attrs

from servicedomain._checks import instance_of, is_id, is_line_number, is_optional_id, is_str
from servicedomain.errors import InvalidInputError
from servicedomain.repairs import FaultTaxonomy, RepairLine

_TAXONOMY: Final = instance_of(FaultTaxonomy)


def _v_symptom_code(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    is_optional_id.check(value, attribute.name)
    if value is not None and instance.symptom_area_id is None:
        raise InvalidInputError(
            attribute.name, value, "a code belongs to its area; give symptom_area_id too"
        )


@attrs.frozen(kw_only=True)
class RequestedRepairLine:
    """A repair line the customer enters on a request (AX ``EPServiceRepairLineCreate``).

    Customers do not diagnose: a requested line has a condition and a symptom only;
    the diagnosis and the resolution come on the service order.

    Attributes:
        number: the line's number on the request (1, 2, ...).
        relation_id: the object relation the fault is on; one of the request's.
        condition_id: the condition in which the fault occurs, or ``None``.
        symptom_area_id, symptom_code_id: the symptom, a code of its area.
        description: the customer's words.

    Raises:
        TypeMismatchError: a field of the wrong type (named).
        InvalidInputError: a number below 1, a blank id, a code without its area.
    """

    number: int = attrs.field(validator=is_line_number)
    relation_id: str = attrs.field(validator=is_id)
    condition_id: str | None = attrs.field(default=None, validator=is_optional_id)
    symptom_area_id: str | None = attrs.field(default=None, validator=is_optional_id)
    symptom_code_id: str | None = attrs.field(default=None, validator=_v_symptom_code)
    description: str = attrs.field(default="", validator=is_str)

    def check_codes(self, taxonomy: FaultTaxonomy) -> None:
        """Check the line's codes against ``taxonomy``, as a repair line's are checked.

        Raises:
            UnknownCodeError: a code the taxonomy does not define there; its field is the
                line's (``"symptom_code_id"``, ...), the area and the code named.
            TypeMismatchError: ``taxonomy`` is not a FaultTaxonomy.
        """
        checked = _TAXONOMY.check(taxonomy, "taxonomy")
        self.repair_line(relation_id=self.relation_id, created_at=_ANY_INSTANT).check_codes(checked)

    def repair_line(
        self, *, relation_id: str, created_at: datetime, number: int | None = None
    ) -> RepairLine:
        """The order's repair line for this one: its codes and description, on ``relation_id``.

        ``number`` ``None`` (the default) keeps the request line's number.
        """
        return RepairLine(
            number=self.number if number is None else number,
            relation_id=relation_id,
            symptom_area_id=self.symptom_area_id,
            symptom_code_id=self.symptom_code_id,
            condition_id=self.condition_id,
            description=self.description,
            created_at=created_at,
        )


_ANY_INSTANT: Final = datetime.fromisoformat("2026-01-01T00:00:00+00:00")
"""A creation instant for checking codes only (a repair line needs one)."""
