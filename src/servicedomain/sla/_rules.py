"""SLA parameters: when a reason code is required, and which SLA an order is measured by."""

from __future__ import annotations

from typing import Final

import attrs

from servicedomain._checks import instance_of, is_bool, optional
from servicedomain.errors import InvalidInputError, ReasonRequiredError
from servicedomain.sla._clock import SlaMeasurement, SlaStatus
from servicedomain.sla._definitions import is_strict_id
from servicedomain.stages import ReasonCode

__all__ = ["SlaParameters", "effective_sla_id", "require_reason"]

_ACTIONS: Final = {
    "sign_off": "signing off the order",
    "stop": "stopping the SLA clock by hand",
    "stage_stop": "entering a stage that stops the SLA clock",
    "cancel": "canceling the SLA",
}


@attrs.frozen(kw_only=True)
class SlaParameters:
    """The SLA parameters of service management (AX ``SMAParameters``).

    Attributes:
        reason_on_exceeding: "Reason code on exceeding time": signing off an order,
            stopping its clock by hand or entering a stage that stops it needs a reason
            code while the SLA is exceeded.
        reason_on_canceling: "Reason code on canceling": canceling the SLA on an order
            always needs a reason code.

    Raises:
        TypeMismatchError: a parameter that is not a bool.
    """

    reason_on_exceeding: bool = attrs.field(default=False, validator=is_bool)
    reason_on_canceling: bool = attrs.field(default=False, validator=is_bool)


def require_reason(
    parameters: SlaParameters,
    measurement: SlaMeasurement,
    *,
    action: str,
    reason: ReasonCode | None,
    entity_id: str,
) -> None:
    """Refuse an action that the parameters say needs a reason code when none is given.

    The rules (AX parameters *Reason code on exceeding time* and *Reason code on
    canceling*):

    * ``"sign_off"``, ``"stop"`` (by hand) and ``"stage_stop"`` (entering a stage that
      stops the clock) need a reason when ``reason_on_exceeding`` is set and the
      measurement is ``EXCEEDED``.
    * ``"cancel"`` (the SLA on the order) needs a reason whenever
      ``reason_on_canceling`` is set.

    Call it with the measurement taken at the instant of the action, before recording it.

    Raises:
        ReasonRequiredError: ``rule`` is ``"sla.reason_on_exceeding"`` or
            ``"sla.reason_on_canceling"``; ``context`` says what needed the reason.
        InvalidInputError: an unknown ``action`` (``field`` ``"action"``), a blank
            ``entity_id``.
        TypeMismatchError: an argument of the wrong type.

    >>> from datetime import timedelta
    >>> from decimal import Decimal
    >>> from servicedomain.sla import ClockState
    >>> late = SlaMeasurement(
    ...     state=ClockState.RUNNING, allowance=timedelta(hours=8),
    ...     elapsed=timedelta(hours=9), remaining=timedelta(0), overdue=timedelta(hours=1),
    ...     deadline=None, compliance=Decimal("112.50"), status=SlaStatus.EXCEEDED, timeline=())
    >>> require_reason(SlaParameters(reason_on_exceeding=True), late, action="sign_off",
    ...                reason=None, entity_id="SO-1")
    Traceback (most recent call last):
    servicedomain.errors.ReasonRequiredError: SO-1: rule sla.reason_on_exceeding refused the
    operation: a reason code is required when signing off the order while the SLA is exceeded
    (compliance 112.50 %)
    """
    instance_of(SlaParameters).check(parameters, "parameters")
    instance_of(SlaMeasurement).check(measurement, "measurement")
    entity = is_strict_id.check(entity_id, "entity_id")
    if action not in _ACTIONS:
        raise InvalidInputError("action", action, f"expected one of {', '.join(_ACTIONS)}")
    if reason is not None:
        instance_of(ReasonCode).check(reason, "reason")
        return
    if action == "cancel":
        if parameters.reason_on_canceling:
            raise ReasonRequiredError(entity, "sla.reason_on_canceling", _ACTIONS[action])
        return
    if parameters.reason_on_exceeding and measurement.status is SlaStatus.EXCEEDED:
        context = (
            f"{_ACTIONS[action]} while the SLA is exceeded (compliance {measurement.compliance} %)"
        )
        raise ReasonRequiredError(entity, "sla.reason_on_exceeding", context)


_OPTIONAL_ID: Final = optional(is_strict_id)


def effective_sla_id(
    *,
    agreement_sla_id: str | None,
    group_default_sla_id: str | None,
    generated: bool,
    measure_generated: bool = False,
) -> str | None:
    """The SLA an order is measured by, or ``None`` when it is not measured.

    The rules (AX): an order takes the SLA of its service agreement, or else the default
    SLA of the agreement's group. Orders created by hand on the agreement are measured;
    orders generated from it are not, unless the host asks for it with
    ``measure_generated``.

    Raises:
        InvalidInputError: a blank SLA id (pass ``None`` for none).
        TypeMismatchError: an id that is not a str, a flag that is not a bool.

    >>> effective_sla_id(agreement_sla_id=None, group_default_sla_id="STD", generated=False)
    'STD'
    >>> print(effective_sla_id(agreement_sla_id="GOLD", group_default_sla_id=None, generated=True))
    None
    """
    own = _OPTIONAL_ID.check(agreement_sla_id, "agreement_sla_id")
    default = _OPTIONAL_ID.check(group_default_sla_id, "group_default_sla_id")
    measured = is_bool.check(measure_generated, "measure_generated")
    if is_bool.check(generated, "generated") and not measured:
        return None
    return own if own is not None else default
