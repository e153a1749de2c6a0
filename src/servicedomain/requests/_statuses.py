"""The status of a customer service request and the moves between statuses (private)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from servicedomain._enums import StrictEnum


class RequestStatus(StrictEnum):
    """Where a customer service request stands (AX's web service orders).

    The moves (:data:`REQUEST_MOVES`): ``submitted`` -> ``under_review`` (start the
    review); ``submitted`` or ``under_review`` -> ``rejected`` (AX's *Delete*, kept with
    a reason code) or ``withdrawn`` (by the customer); ``under_review`` ->
    ``transferred`` (only a reviewed request reaches the service orders).
    ``transferred``, ``rejected`` and ``withdrawn`` are terminal.
    """

    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    TRANSFERRED = "transferred"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def terminal(self) -> bool:
        """Whether no move leaves this status."""
        return not REQUEST_MOVES[self]


class RequestMove(StrictEnum):
    """A move of a request's status: the operation of :class:`ServiceRequest` named."""

    START_REVIEW = "start_review"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    TRANSFER = "transfer"


REQUEST_MOVES: Final[Mapping[RequestStatus, Mapping[RequestMove, RequestStatus]]] = (
    MappingProxyType(
        {
            RequestStatus.SUBMITTED: MappingProxyType(
                {
                    RequestMove.START_REVIEW: RequestStatus.UNDER_REVIEW,
                    RequestMove.REJECT: RequestStatus.REJECTED,
                    RequestMove.WITHDRAW: RequestStatus.WITHDRAWN,
                }
            ),
            RequestStatus.UNDER_REVIEW: MappingProxyType(
                {
                    RequestMove.REJECT: RequestStatus.REJECTED,
                    RequestMove.WITHDRAW: RequestStatus.WITHDRAWN,
                    RequestMove.TRANSFER: RequestStatus.TRANSFERRED,
                }
            ),
            RequestStatus.TRANSFERRED: MappingProxyType({}),
            RequestStatus.REJECTED: MappingProxyType({}),
            RequestStatus.WITHDRAWN: MappingProxyType({}),
        }
    )
)
"""The documented moves: ``{status: {move: the status it leads to}}``; nothing else."""
