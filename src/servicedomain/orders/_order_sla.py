"""The SLA time recording of a service order (a part of :class:`ServiceOrder`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from servicedomain._checks import require_instance, require_optional_instance
from servicedomain.errors import (
    InvalidInputError,
    InvalidPauseError,
    OrderRuleError,
    ReasonRequiredError,
)
from servicedomain.events import DomainEvent
from servicedomain.orders._events import SlaTimeRecorded
from servicedomain.sla import (
    ServiceLevelAgreement,
    SlaEntry,
    SlaEntryKind,
    SlaMeasurement,
    SlaParameters,
    SlaTarget,
    clock_state,
    measure,
    require_reason,
)
from servicedomain.stages import ReasonCode

if TYPE_CHECKING:
    from servicedomain.orders._order import ServiceOrder
    from servicedomain.sla import Priority

Events = tuple[DomainEvent, ...]


class SlaRecording:
    """Measure the order's SLA and record its clock (start, stop, cancel, stages).

    Every entry reaches ``sla_log`` through :meth:`_record_sla` (by hand) or
    :meth:`_sla_log_entering` (a stage change); both stop at a cancel (law S8: cancel
    is final), and the order's dated operations refuse an instant before the last one
    recorded (law U2), so the log stays in time order.
    """

    __slots__ = ()

    if TYPE_CHECKING:  # the fields and helpers of ServiceOrder this part uses
        id: str
        priority: Priority
        sla_id: str | None
        sla_log: tuple[SlaEntry, ...]

        def _next(self, at: datetime, **changes: Any) -> ServiceOrder: ...
        def _dated(self, at: object) -> datetime: ...

    def measure_sla(
        self, sla: ServiceLevelAgreement, *, now: datetime, target: SlaTarget = SlaTarget.RESOLUTION
    ) -> SlaMeasurement:
        """The order's SLA figures at ``now``: a fold over its SLA time recording.

        Changing the SLA or its calendar changes nothing stored: measuring again gives
        the new figures. The order's priority picks the SLA's per-priority targets. An
        order without an SLA is not measured: the result has status ``NOT_MEASURED``,
        state ``NOT_STARTED`` and zero elapsed time (never ``WITHIN``). A canceled SLA
        measures as canceled, with the time elapsed up to the cancel (law S8).

        Raises:
            InvalidInputError: ``sla`` is not the order's SLA (``field`` ``"sla"``; the
                message names both ids), or it defines no ``target`` target.
            TypeMismatchError: ``sla`` is not a ServiceLevelAgreement.
        """
        require_instance(sla, ServiceLevelAgreement, "sla")
        if self.sla_id is None:
            # an empty log: the arguments are checked and the allowance chosen as usual
            measured = measure(sla, (), now=now, target=target, priority=self.priority)
            return SlaMeasurement.not_measured(measured.allowance)
        if sla.id != self.sla_id:
            raise InvalidInputError(
                "sla",
                sla.id,
                f"order {self.id!r} is measured by SLA {self.sla_id!r}, not {sla.id!r}",
            )
        return measure(sla, self.sla_log, now=now, target=target, priority=self.priority)

    @property
    def sla_canceled(self) -> bool:
        """Whether the order's SLA was canceled: its clock records nothing more (S8)."""
        return any(entry.kind is SlaEntryKind.CANCEL for entry in self.sla_log)

    def start_sla(self, *, at: datetime) -> tuple[ServiceOrder, Events]:
        """Start (or resume) the SLA clock by hand (AX *Start*).

        Raises:
            OrderRuleError: the order has no SLA (``order.no_sla``).
            InvalidPauseError: the clock is already running, or the SLA was canceled.
            InstantOutOfOrderError: ``at`` is before the last instant recorded (U2).
        """
        return self._record_sla(SlaEntry.start(self._dated(at)))

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
            InvalidPauseError: the clock is not running ("pausing twice"), or the SLA
                was canceled (cancel is final, law S8).
            ReasonRequiredError: the SLA parameters require a reason.
            InstantOutOfOrderError: ``at`` is before the last instant recorded (U2).
        """
        instant = self._dated(at)
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
            InstantOutOfOrderError: ``at`` is before the last instant recorded (U2).
        """
        instant = self._dated(at)
        if sla_parameters is not None:
            require_instance(sla_parameters, SlaParameters, "sla_parameters")
            if sla_parameters.reason_on_canceling and reason is None:
                raise ReasonRequiredError(self.id, "sla.reason_on_canceling", "canceling the SLA")
        return self._record_sla(SlaEntry.cancel(instant, reason))

    def _record_sla(self, entry: SlaEntry) -> tuple[ServiceOrder, Events]:
        """Append an entry recorded by hand; a canceled SLA refuses it (law S8)."""
        if self.sla_id is None:
            raise OrderRuleError(self.id, "order.no_sla", "the order has no SLA to record")
        if self.sla_canceled:
            raise InvalidPauseError(
                "kind",
                entry.kind.value,
                f"the SLA of order {self.id!r} was canceled; cancel is final, so nothing "
                "is recorded on its clock after it",
            )
        sla_log = (*self.sla_log, entry)
        clock_state(sla_log)  # refuses a log that makes no sense (InvalidPauseError)
        event = SlaTimeRecorded(
            entity_id=self.id,
            occurred_at=entry.at,
            kind=entry.kind.value,
            reason_code=None if entry.reason is None else entry.reason.code,
        )
        return self._next(entry.at, sla_log=sla_log), (event,)

    def _sla_records(self) -> bool:
        """Whether the order's SLA clock takes entries: it has an SLA, not canceled."""
        return self.sla_id is not None and bool(self.sla_log) and not self.sla_canceled

    def _sla_log_entering(
        self,
        stage_id: str,
        *,
        stops_clock: bool,
        at: datetime,
        reason: ReasonCode | None,
        sla: ServiceLevelAgreement | None,
        sla_parameters: SlaParameters | None,
    ) -> tuple[SlaEntry, ...]:
        """The SLA log once the order enters ``stage_id`` at ``at``.

        One stage entry more while the clock records; the log as it is for an order
        without an SLA or with a canceled one (law S8). Entering a stage that stops the
        clock consults the reason-code parameters first.
        """
        if not self._sla_records():
            return self.sla_log
        if stops_clock:
            self._require_sla_reason(sla, sla_parameters, "stage_stop", reason, at)
        entry = SlaEntry.stage(at, stage_id, stops_clock=stops_clock, reason=reason)
        return (*self.sla_log, entry)

    def _require_sla_reason(
        self,
        sla: ServiceLevelAgreement | None,
        parameters: SlaParameters | None,
        action: str,
        reason: ReasonCode | None,
        at: datetime,
    ) -> None:
        """Consult the SLA clock: refuse ``action`` without a reason when it is required.

        A canceled SLA is not consulted: it binds nothing more (law S8).
        """
        require_optional_instance(sla, ServiceLevelAgreement, "sla")
        require_optional_instance(parameters, SlaParameters, "sla_parameters")
        require_optional_instance(reason, ReasonCode, "reason")
        if sla is None or parameters is None or not self._sla_records():
            return
        require_instance(parameters, SlaParameters, "sla_parameters")
        measurement = self.measure_sla(sla, now=max(at, self.sla_log[-1].at))
        require_reason(parameters, measurement, action=action, reason=reason, entity_id=self.id)
