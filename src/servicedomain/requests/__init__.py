"""Customer service requests: submit, review, transfer to service orders, the customer's view.

AX's web service orders (Enterprise Portal): a customer submits a request, a dispatcher
reviews it (edits the address, the window and the repair lines the customer entered),
rejects it with a reason code or transfers it to a service order with origin web and
the incoming flag. :class:`ServiceRequest` is an aggregate of its own, so that nothing
unverified reaches dispatch or posting; :func:`customer_view` is what a portal shows.

>>> from datetime import UTC, datetime
>>> from servicedomain.repairs import FaultTaxonomy
>>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
>>> submission = Submission(
...     customer_id="C-1", window=RequestWindow(at, datetime(2026, 3, 2, 12, tzinfo=UTC)),
...     text="The boiler leaks", idempotency_key="portal-42")
>>> request, events = ServiceRequest.submit(
...     submission, id="REQ-1", at=at, agreement=None, relations=(), taxonomy=FaultTaxonomy())
>>> request.status.value, [event.name for event in events]
('submitted', ['RequestSubmitted'])
>>> resubmit(request, submission) is request
True
"""

from __future__ import annotations

from servicedomain.requests._events import (
    RequestEdited,
    RequestNoteAdded,
    RequestRejected,
    RequestReviewStarted,
    RequestSubmitted,
    RequestTransferred,
    RequestWithdrawn,
)
from servicedomain.requests._lines import RequestedRepairLine
from servicedomain.requests._notes import RequestNote, ReviewEntry
from servicedomain.requests._request import ServiceRequest, SlaStart, resubmit
from servicedomain.requests._statuses import REQUEST_MOVES, RequestMove, RequestStatus
from servicedomain.requests._submission import RequestWindow, Submission
from servicedomain.requests._view import (
    CustomerNote,
    CustomerRepairLine,
    CustomerRequestView,
    customer_view,
)

REQUEST_EVENTS = (
    RequestSubmitted,
    RequestReviewStarted,
    RequestEdited,
    RequestNoteAdded,
    RequestRejected,
    RequestWithdrawn,
    RequestTransferred,
)
"""Every event class of customer service requests."""

__all__ = [
    "REQUEST_EVENTS",
    "REQUEST_MOVES",
    "CustomerNote",
    "CustomerRepairLine",
    "CustomerRequestView",
    "RequestEdited",
    "RequestMove",
    "RequestNote",
    "RequestNoteAdded",
    "RequestRejected",
    "RequestReviewStarted",
    "RequestStatus",
    "RequestSubmitted",
    "RequestTransferred",
    "RequestWindow",
    "RequestWithdrawn",
    "RequestedRepairLine",
    "ReviewEntry",
    "ServiceRequest",
    "SlaStart",
    "Submission",
    "customer_view",
    "resubmit",
]
