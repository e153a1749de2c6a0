"""What the customer sees of a request: a separate read model for a portal (private).

:class:`CustomerRequestView` has no field for internal notes, cost prices, margins, the
review log, who edited or the idempotency key, so a host cannot leak them by accident.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final

import attrs

from servicedomain._checks import (
    deep_iterable,
    fixed_tuple,
    in_,
    instance_of,
    is_id,
    is_instant,
    is_line_number,
    is_optional_id,
    is_str,
    optional,
)
from servicedomain.errors import InvalidInputError
from servicedomain.requests._request import ServiceRequest
from servicedomain.requests._statuses import RequestStatus

_OPTIONAL_INSTANT: Final = optional(is_instant)
_PLANNED: Final = optional(fixed_tuple(is_instant, is_instant))


@attrs.frozen(kw_only=True)
class CustomerNote:
    """A public note as the customer sees it: its text and when it was written."""

    text: str = attrs.field(validator=is_str)
    at: datetime = attrs.field(validator=is_instant)


@attrs.frozen(kw_only=True)
class CustomerRepairLine:
    """A requested repair line as the customer sees it: condition, symptom, description."""

    number: int = attrs.field(validator=is_line_number)
    condition_id: str | None = attrs.field(default=None, validator=is_optional_id)
    symptom_area_id: str | None = attrs.field(default=None, validator=is_optional_id)
    symptom_code_id: str | None = attrs.field(default=None, validator=is_optional_id)
    description: str = attrs.field(default="", validator=is_str)


@attrs.frozen(kw_only=True)
class CustomerRequestView:
    """The customer's view of a request (AX's *TradeCustomer* portal duty).

    Attributes:
        request_id: the request.
        status: where it stands.
        submitted_at: when it was submitted.
        requested_start, requested_end: the requested window (the current one).
        planned_start, planned_end: the planned visit, when known (else ``None``).
        notes: the public notes only.
        lines: the requested repair lines.
        order_id: the service order of a transferred request.
        reject_reason_code: the reason code of a rejected request.
    """

    request_id: str = attrs.field(validator=is_id)
    status: RequestStatus = attrs.field(validator=in_(RequestStatus))
    submitted_at: datetime = attrs.field(validator=is_instant)
    requested_start: datetime = attrs.field(validator=is_instant)
    requested_end: datetime = attrs.field(validator=is_instant)
    planned_start: datetime | None = attrs.field(default=None, validator=_OPTIONAL_INSTANT)
    planned_end: datetime | None = attrs.field(default=None, validator=_OPTIONAL_INSTANT)
    notes: tuple[CustomerNote, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(CustomerNote))
    )
    lines: tuple[CustomerRepairLine, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(CustomerRepairLine))
    )
    order_id: str | None = attrs.field(default=None, validator=is_optional_id)
    reject_reason_code: str | None = attrs.field(default=None, validator=is_optional_id)

    def to_json_dict(self) -> dict[str, Any]:
        """The view as a JSON-safe dict for a portal: ISO 8601 instants, keys in field order.

        >>> from datetime import UTC, datetime
        >>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
        >>> view = CustomerRequestView(request_id="REQ-1", status=RequestStatus.SUBMITTED,
        ...     submitted_at=at, requested_start=at, requested_end=at)
        >>> list(view.to_json_dict())[:3]
        ['request_id', 'status', 'submitted_at']
        """
        return {
            "request_id": self.request_id,
            "status": self.status.value,
            "submitted_at": _iso(self.submitted_at),
            "requested_start": _iso(self.requested_start),
            "requested_end": _iso(self.requested_end),
            "planned_start": _iso(self.planned_start),
            "planned_end": _iso(self.planned_end),
            "notes": [{"text": note.text, "at": _iso(note.at)} for note in self.notes],
            "lines": [
                {
                    "number": line.number,
                    "condition_id": line.condition_id,
                    "symptom_area_id": line.symptom_area_id,
                    "symptom_code_id": line.symptom_code_id,
                    "description": line.description,
                }
                for line in self.lines
            ],
            "order_id": self.order_id,
            "reject_reason_code": self.reject_reason_code,
        }

    def to_json(self) -> str:
        """The view as JSON text (:meth:`to_json_dict`, keys in that stable order)."""
        return json.dumps(self.to_json_dict(), ensure_ascii=False)


def customer_view(
    request: ServiceRequest, *, planned: tuple[datetime, datetime] | None = None
) -> CustomerRequestView:
    """The customer's view of ``request``: only what the customer may see.

    ``planned`` is the planned visit ``(start, end)`` when the host knows it (a
    booking's start and end, or the order's preferred time).

    Raises:
        TypeMismatchError: ``request`` is not a ServiceRequest, or ``planned`` is not a
            tuple of instants.
        InvalidInputError: ``planned`` is not two instants, the end not before the start.
    """
    checked = instance_of(ServiceRequest).check(request, "request")
    pair = _PLANNED.check(planned, "planned")
    if pair is not None and pair[1] < pair[0]:
        raise InvalidInputError("planned", planned, "a planned visit ends at or after its start")
    return CustomerRequestView(
        request_id=checked.id,
        status=checked.status,
        submitted_at=checked.submitted_at,
        requested_start=checked.window.start,
        requested_end=checked.window.end,
        planned_start=None if pair is None else pair[0],
        planned_end=None if pair is None else pair[1],
        notes=tuple(CustomerNote(text=n.text, at=n.at) for n in checked.notes if n.public),
        lines=tuple(
            CustomerRepairLine(
                number=line.number,
                condition_id=line.condition_id,
                symptom_area_id=line.symptom_area_id,
                symptom_code_id=line.symptom_code_id,
                description=line.description,
            )
            for line in checked.lines
        ),
        order_id=checked.order_id,
        reject_reason_code=checked.reject_reason,
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
