"""The events of customer service requests (each a frozen DomainEvent)."""

from __future__ import annotations

import attrs

from servicedomain._checks import deep_iterable, instance_of, is_id, is_optional_id
from servicedomain.events import DomainEvent
from servicedomain.requests._notes import RequestNote


@attrs.frozen(kw_only=True)
class RequestSubmitted(DomainEvent):
    """A customer submitted a request (version 1, status submitted)."""

    customer_id: str = attrs.field(validator=is_id)
    agreement_id: str | None = attrs.field(validator=is_optional_id)
    idempotency_key: str = attrs.field(validator=is_id)


@attrs.frozen(kw_only=True)
class RequestReviewStarted(DomainEvent):
    """A dispatcher started reviewing the request."""

    by: str = attrs.field(validator=is_id)


@attrs.frozen(kw_only=True)
class RequestEdited(DomainEvent):
    """The dispatcher changed these fields in review (each one is in the review log)."""

    by: str = attrs.field(validator=is_id)
    fields: tuple[str, ...] = attrs.field(validator=deep_iterable(is_id))


@attrs.frozen(kw_only=True)
class RequestNoteAdded(DomainEvent):
    """A note was added to the request (public or internal)."""

    note: RequestNote = attrs.field(validator=instance_of(RequestNote))


@attrs.frozen(kw_only=True)
class RequestRejected(DomainEvent):
    """The request was rejected (AX's *Delete*), kept with its reason code."""

    by: str = attrs.field(validator=is_id)
    reason_code: str = attrs.field(validator=is_id)


@attrs.frozen(kw_only=True)
class RequestWithdrawn(DomainEvent):
    """The customer withdrew the request before it was transferred."""


@attrs.frozen(kw_only=True)
class RequestTransferred(DomainEvent):
    """The request was transferred to the service order ``order_id``."""

    order_id: str = attrs.field(validator=is_id)
