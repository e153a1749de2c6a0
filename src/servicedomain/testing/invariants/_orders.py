"""The service order laws: time moves forward (U2) and cancel is final (S8).

The checks take an order snapshot as a host stores it and recompute what they compare
from its logs, so a host can run them on orders read back from its own database (a
nightly job, or after every step of its own tests). They need neither pytest nor
Hypothesis.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

from servicedomain.errors import InvalidPauseError
from servicedomain.orders import ServiceOrder
from servicedomain.sla import ServiceLevelAgreement, SlaEntry, SlaEntryKind, measure
from servicedomain.stages import ReasonLogEntry
from servicedomain.testing.invariants._fees import LawViolation

__all__ = ["check_order_laws", "check_sla_log", "check_time_moves_forward"]


def _first_backwards(instants: Sequence[datetime]) -> int | None:
    """The index of the first instant earlier than the one before it, or ``None``."""
    for index, (before, after) in enumerate(pairwise(instants), start=1):
        if after < before:
            return index
    return None


def check_time_moves_forward(order: ServiceOrder) -> None:
    """U2: what the order recorded never goes back in time.

    The reason log and the SLA log are each in time order (equal instants are fine):
    every dated operation was checked against
    :attr:`~servicedomain.orders.ServiceOrder.last_recorded_at` before it recorded.

    Raises:
        LawViolation: law ``"U2"``, naming the order, the log, the entry and both
            instants.

    >>> from datetime import UTC, datetime
    >>> from servicedomain.orders import ServiceOrder
    >>> from servicedomain.stages import EXAMPLE_STAGE_GRAPH as graph
    >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    >>> order, _ = ServiceOrder.create(graph, id="SO-1", customer_id="C-1", at=at, sla_id="STD")
    >>> check_time_moves_forward(order)
    """
    _check_log_forward(order, "reason_log", order.reason_log)
    _check_log_forward(order, "sla_log", order.sla_log)


def _check_log_forward(
    order: ServiceOrder, name: str, log: Sequence[SlaEntry | ReasonLogEntry]
) -> None:
    """U2 on one log of ``order``: its instants never decrease."""
    instants = [entry.at for entry in log]
    index = _first_backwards(instants)
    if index is not None:
        raise LawViolation(
            "U2",
            f"order {order.id!r}: {name}[{index}] at {instants[index].isoformat()} is "
            f"before {name}[{index - 1}] at {instants[index - 1].isoformat()}",
        )


def _cancel_index(log: Sequence[SlaEntry]) -> int | None:
    for index, entry in enumerate(log):
        if entry.kind is SlaEntryKind.CANCEL:
            return index
    return None


def check_sla_log(
    order: ServiceOrder,
    *,
    sla: ServiceLevelAgreement | None = None,
    now: datetime | None = None,
) -> None:
    """U2 and S8 on the order's SLA time recording.

    * The SLA log's instants never decrease (U2), and only an order with an SLA has one.
    * Nothing is recorded after a cancel (S8: cancel is final).
    * With ``sla`` and ``now``: a canceled SLA measures at ``now`` exactly as it did at
      the cancel (state canceled, the time elapsed up to the cancel, the same
      compliance, status and timeline), however late ``now`` is (S8).

    Raises:
        LawViolation: law ``"U2"`` or ``"S8"``, naming the order and the entry.

    >>> from datetime import UTC, datetime, timedelta
    >>> from servicedomain.orders import ServiceOrder
    >>> from servicedomain.sla import Allowance, ServiceLevelAgreement, SlaTargets
    >>> from servicedomain.stages import EXAMPLE_STAGE_GRAPH as graph
    >>> sla = ServiceLevelAgreement(id="STD", targets=SlaTargets(resolution=Allowance(hours=8)))
    >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    >>> order, _ = ServiceOrder.create(graph, id="SO-1", customer_id="C-1", at=at, sla_id="STD")
    >>> order, _ = order.cancel_sla(at=at + timedelta(hours=1))
    >>> order, _ = order.change_stage(graph, "PLANNED", at=at + timedelta(hours=2))
    >>> check_sla_log(order, sla=sla, now=at + timedelta(days=30))
    """
    log = order.sla_log
    if log and order.sla_id is None:
        raise LawViolation("S8", f"order {order.id!r} has no SLA but an SLA log of {len(log)}")
    _check_log_forward(order, "sla_log", log)
    cancel = _cancel_index(log)
    if cancel is None:
        return
    if cancel != len(log) - 1:
        after = log[cancel + 1]
        raise LawViolation(
            "S8",
            f"order {order.id!r}: sla_log[{cancel + 1}] ({after.kind.value} at "
            f"{after.at.isoformat()}) follows the cancel at {log[cancel].at.isoformat()}; "
            "cancel is final",
        )
    if sla is None or now is None:
        return
    canceled_at = log[cancel].at
    try:
        late = measure(sla, log, now=now, priority=order.priority)
        at_cancel = measure(sla, log, now=canceled_at, priority=order.priority)
    except InvalidPauseError as error:
        detail = f"order {order.id!r}: the canceled log does not fold: {error}"
        raise LawViolation("S8", detail) from error
    if late != at_cancel:
        raise LawViolation(
            "S8",
            f"order {order.id!r}: canceled at {canceled_at.isoformat()}, it measures "
            f"{late.elapsed} ({late.state.value}) at {now.isoformat()} but "
            f"{at_cancel.elapsed} ({at_cancel.state.value}) at the cancel",
        )


def check_order_laws(
    order: ServiceOrder,
    *,
    sla: ServiceLevelAgreement | None = None,
    now: datetime | None = None,
) -> None:
    """Every order law on one order snapshot: U2 and S8.

    Runs :func:`check_time_moves_forward` (U2) and :func:`check_sla_log` (U2, S8).

    Raises:
        LawViolation: the first law that does not hold.
    """
    check_time_moves_forward(order)
    check_sla_log(order, sla=sla, now=now)
