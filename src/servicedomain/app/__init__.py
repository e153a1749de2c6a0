"""Application objects: one per area, configured once, one typed method per use case.

Each method is one unit of work: it loads through the ports, decides in the domain,
saves with the version it loaded, collects the events and commits. There is no path
on which a change is decided but not committed.
"""

from __future__ import annotations

from servicedomain.app.billing_desk import BillingDesk, FeeRunResult
from servicedomain.app.dispatch_desk import DispatchDesk
from servicedomain.app.repair_desk import PartChange, RepairDesk
from servicedomain.app.request_desk import RequestDesk, TransferResult
from servicedomain.app.service_desk import PostingResult, ServiceDesk

__all__ = [
    "BillingDesk",
    "DispatchDesk",
    "FeeRunResult",
    "PartChange",
    "PostingResult",
    "RepairDesk",
    "RequestDesk",
    "ServiceDesk",
    "TransferResult",
]
