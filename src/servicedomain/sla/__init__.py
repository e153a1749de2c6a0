"""Service-level agreements: definitions, the SLA clock of an order, compliance and reasons.

The rules (AX ``SMAServiceLevelAgreementTable``, ``SMAServiceLevelAgreementLog``; laws
S1-S7):

* An :class:`ServiceLevelAgreement` gives an :class:`Allowance` (days, hours, minutes;
  a day is 24 hours of measured time) for resolution and optionally for first response,
  per :class:`Priority` where the host wants it, and an optional working calendar.
* The clock of an order is a log of :class:`SlaEntry` values (start, stop, cancel, stage
  entered) that the host keeps with the order. :func:`measure` folds the log at an
  instant ``now``: elapsed time counts only while the clock runs, in business time on
  the calendar by default (:class:`MeasurementMode`). Pausing moves the deadline out by
  exactly the business time the pause covers (S5).
* Compliance is ``elapsed / allowance x 100`` (over 100: exceeded), and the status is
  within, at risk (past a share of the allowance) or exceeded. Every measurement comes
  with an explanation timeline of counting, paused, outside-working-hours and holiday
  segments.
* Nothing is stored but the entries: a changed SLA or calendar gives new figures when
  measured again.
* :func:`require_reason` applies the reason-code parameters, and
  :func:`effective_sla_id` decides which SLA, if any, measures an order.

>>> from datetime import UTC, datetime, timedelta
>>> from servicedomain.calendars import WorkingCalendar
>>> stockholm = WorkingCalendar.standard("Europe/Stockholm")
>>> sla = ServiceLevelAgreement(
...     id="STD", targets=SlaTargets(resolution=Allowance(hours=8)), calendar=stockholm)
>>> friday = datetime(2025, 3, 7, 16, 0, tzinfo=stockholm.zone)
>>> monday = datetime(2025, 3, 10, 10, 0, tzinfo=stockholm.zone)
>>> result = measure(sla, [SlaEntry.start(friday)], now=monday)
>>> print(result.elapsed, result.compliance, result.status.value)
3:00:00 37.50 within
>>> print(result.deadline.astimezone(stockholm.zone))
2025-03-10 15:00:00+01:00
>>> print(result.explain(stockholm.zone))
Fri 2025-03-07 16:00 - 17:00  counting                 1:00
Fri 2025-03-07 17:00 - Mon 2025-03-10 08:00  outside_working_hours   63:00
Mon 2025-03-10 08:00 - 10:00  counting                 2:00
"""

from __future__ import annotations

from servicedomain.sla._clock import (
    ClockState,
    Segment,
    SegmentKind,
    SlaEntry,
    SlaEntryKind,
    SlaMeasurement,
    SlaStatus,
    clock_state,
    measure,
)
from servicedomain.sla._definitions import (
    Allowance,
    MeasurementMode,
    Priority,
    ServiceLevelAgreement,
    SlaTarget,
    SlaTargets,
)
from servicedomain.sla._rules import SlaParameters, effective_sla_id, require_reason

__all__ = [
    # definitions
    "Allowance",
    "MeasurementMode",
    "Priority",
    "ServiceLevelAgreement",
    "SlaTarget",
    "SlaTargets",
    # the clock
    "ClockState",
    "Segment",
    "SegmentKind",
    "SlaEntry",
    "SlaEntryKind",
    "SlaMeasurement",
    "SlaStatus",
    "clock_state",
    "measure",
    # parameters and assignment
    "SlaParameters",
    "effective_sla_id",
    "require_reason",
]
