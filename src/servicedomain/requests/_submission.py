"""What a customer sends: the submission of a service request, and its time window (private)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

import attrs

from servicedomain._checks import (
    deep_iterable,
    first_duplicate,
    instance_of,
    is_id,
    is_instant,
    is_optional_id,
    is_str,
)
from servicedomain.errors import InvalidInputError
from servicedomain.requests._lines import RequestedRepairLine


def _v_end(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    end = is_instant.check(value, attribute.name)
    if end <= instance.start:
        raise InvalidInputError(
            attribute.name, value, f"a window ends after it starts, {instance.start.isoformat()}"
        )


@attrs.frozen
class RequestWindow:
    """The time the customer asks the service for: the half-open ``[start, end)``.

    Raises:
        NaiveDatetimeError: a naive instant.
        InvalidInputError: ``end`` not after ``start``.

    >>> from datetime import UTC, datetime
    >>> RequestWindow(datetime(2026, 3, 2, 8, tzinfo=UTC), datetime(2026, 3, 2, 8, tzinfo=UTC))
    Traceback (most recent call last):
    servicedomain.errors.InvalidInputError: end=...: a window ends after it starts, ...
    """

    start: datetime = attrs.field(validator=is_instant)
    end: datetime = attrs.field(validator=_v_end)

    def __str__(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


def check_lines(lines: Iterable[RequestedRepairLine], relation_ids: Iterable[str]) -> None:
    """Line numbers are unique and each line is on one of the request's relations.

    Raises:
        InvalidInputError: a repeated number (``"lines"``) or a line's relation that is
            not among ``relation_ids`` (``"lines[i].relation_id"``).
    """
    listed = tuple(lines)
    repeated = first_duplicate(line.number for line in listed)
    if repeated is not None:
        raise InvalidInputError("lines", repeated, "line numbers are unique on a request")
    known = frozenset(relation_ids)
    for index, line in enumerate(listed):
        if line.relation_id not in known:
            raise InvalidInputError(
                f"lines[{index}].relation_id",
                line.relation_id,
                "a requested repair line is on one of the request's object relations",
            )


def check_relation_ids(relation_ids: tuple[str, ...], field: str = "relation_ids") -> None:
    """An object relation is named once on a request."""
    repeated = first_duplicate(relation_ids)
    if repeated is not None:
        raise InvalidInputError(field, repeated, "an object relation is named once on a request")


_LINES: Final = deep_iterable(instance_of(RequestedRepairLine))


@attrs.frozen(kw_only=True)
class Submission:
    """What the customer sends through the portal; kept unchanged on the request.

    Attributes:
        customer_id: the customer.
        contact: who to contact (name, phone or e-mail, as the portal gives it).
        agreement_id: the service agreement the request is under, or ``None``.
        relation_ids: the ids of the object relations (of the agreement or of another
            of the customer's documents) the request is about.
        window: the requested time window.
        address: the service address.
        lines: the requested repair lines (condition and symptom only).
        text: the customer's description of the request.
        attachments: references to attached files (the host stores them).
        idempotency_key: the client's key: the same key and payload submit once.

    Raises:
        TypeMismatchError: a field of the wrong type (named).
        InvalidInputError: a blank id or key, a relation named twice, repeated line
            numbers, a line on a relation the submission does not name.
    """

    customer_id: str = attrs.field(validator=is_id)
    contact: str = attrs.field(default="", validator=is_str)
    agreement_id: str | None = attrs.field(default=None, validator=is_optional_id)
    relation_ids: tuple[str, ...] = attrs.field(default=(), validator=deep_iterable(is_id))
    window: RequestWindow = attrs.field(validator=instance_of(RequestWindow))
    address: str = attrs.field(default="", validator=is_str)
    lines: tuple[RequestedRepairLine, ...] = attrs.field(default=(), validator=_LINES)
    text: str = attrs.field(default="", validator=is_str)
    attachments: tuple[str, ...] = attrs.field(default=(), validator=deep_iterable(is_str))
    idempotency_key: str = attrs.field(validator=is_id)

    def __attrs_post_init__(self) -> None:
        check_relation_ids(self.relation_ids)
        check_lines(self.lines, self.relation_ids)
