"""The SLA time recording of a service order (a part of :class:`ServiceOrder`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from servicedomain._checks import require_instance, require_optional_instance
from servicedomain.errors import OrderRuleError, ReasonRequiredError
from servicedomain.events import DomainEvent
from servicedomain.instants import require_instant
from servicedomain.orders._events import SlaTimeRecorded
from servicedomain.sla import (
    ServiceLevelAgreement,
    SlaEntry,
    SlaMeasurement,
    SlaParameters,
    SlaTarget,
    clock_state,
    measure,
    require_reason,
)
from servicedomain.stages import ReasonCode

if TYPE_CHECKING:
    from servicedomain.orders._lines import Priority
    from servicedomain.orders._order import ServiceOrder

Events = tuple[DomainEvent, ...]


class SlaRecording:
    """Measure the order's SLA and record its clock by hand (start, stop, cancel)."""

    __slots__ = ()

    if TYPE_CHECKING:  # the fields and helpers of ServiceOrder this part uses
        id: str
        priority: Priority
        sla_id: str | None
        sla_log: tuple[SlaEntry, ...]

        def _next(self, **changes: Any) -> ServiceOrder: ...

    def measure_sla(
        self, sla: ServiceLevelAgreement, *, now: datetime, target: SlaTarget = SlaTarget.RESOLUTION
    ) -> SlaMeasurement:
        """The order's SLA figures at ``now``: a fold over its SLA time recording.

        Changing the SLA or its calendar changes nothing stored: measuring again gives
        the new figures. The order's priority picks the SLA's per-priority targets.
        """
        require_instance(sla, ServiceLevelAgreement, "sla")
        return measure(sla, self.sla_log, now=now, target=target, priority=self.priority.value)

    def start_sla(self, *, at: datetime) -> tuple[ServiceOrder, Events]:
        """Start (or resume) the SLA clock by hand (AX *Start*).

        Raises:
            OrderRuleError: the order has no SLA (``order.no_sla``).
            InvalidPauseError: the clock is already running, or the SLA was canceled.
        """
        return self._record_sla(SlaEntry.start(require_instant(at, "at")))

    def stop_sla(
        self,
        *,
        at: datetime,
        reason: ReasonCode | None = None,
        sla: ServiceLevelAgreement | None = None,
        sla_parameters: SlaParameters | None = None,
    ) -> tuple[ServiceOrder, Events]:
        """Stop the SLA clock by hand (AX *Stop*), with an optional reason.

        With ``sla`` and ``sla_parameters``, stopping an exceeded SLA needs a reason
        when the parameters say so.

        Raises:
            OrderRuleError: the order has no SLA (``order.no_sla``).
            InvalidPauseError: the clock is not running ("pausing twice").
            ReasonRequiredError: the SLA parameters require a reason.
        """
        instant = require_instant(at, "at")
        self._require_sla_reason(sla, sla_parameters, "stop", reason, instant)
        return self._record_sla(SlaEntry.stop(instant, reason))

    def cancel_sla(
        self,
        *,
        at: datetime,
        reason: ReasonCode | None = None,
        sla_parameters: SlaParameters | None = None,
    ) -> tuple[ServiceOrder, Events]:
        """Cancel the SLA of this order (AX *Cancel*); nothing is recorded after it.

        Raises:
            OrderRuleError: the order has no SLA (``order.no_sla``).
            InvalidPauseError: the SLA is already canceled.
            ReasonRequiredError: *Reason code on canceling* is set and no reason is given.
        """
        instant = require_instant(at, "at")
        if sla_parameters is not None:
            require_instance(sla_parameters, SlaParameters, "sla_parameters")
            if sla_parameters.reason_on_canceling and reason is None:
                raise ReasonRequiredError(self.id, "sla.reason_on_canceling", "canceling the SLA")
        return self._record_sla(SlaEntry.cancel(instant, reason))

    def _record_sla(self, entry: SlaEntry) -> tuple[ServiceOrder, Events]:
        if self.sla_id is None:
            raise OrderRuleError(self.id, "order.no_sla", "the order has no SLA to record")
        sla_log = (*self.sla_log, entry)
        clock_state(sla_log)  # refuses a log that makes no sense (InvalidPauseError)
        event = SlaTimeRecorded(
            entity_id=self.id,
            occurred_at=entry.at,
            kind=entry.kind.value,
            reason_code=None if entry.reason is None else entry.reason.code,
        )
        return self._next(sla_log=sla_log), (event,)

    def _require_sla_reason(
        self,
        sla: ServiceLevelAgreement | None,
        parameters: SlaParameters | None,
        action: str,
        reason: ReasonCode | None,
        at: datetime,
    ) -> None:
        """Consult the SLA clock: refuse ``action`` without a reason when it is required."""
        require_optional_instance(sla, ServiceLevelAgreement, "sla")
        require_optional_instance(parameters, SlaParameters, "sla_parameters")
        require_optional_instance(reason, ReasonCode, "reason")
        if sla is None or parameters is None or self.sla_id is None or not self.sla_log:
            return
        require_instance(parameters, SlaParameters, "sla_parameters")
        measurement = self.measure_sla(sla, now=max(at, self.sla_log[-1].at))
        require_reason(parameters, measurement, action=action, reason=reason, entity_id=self.id)
