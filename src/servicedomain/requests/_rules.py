"""The rules a request is checked by at submit, and again at transfer (private).

Pure: the agreement, the customer's known object relations, the fault taxonomy and the
SLA calendar are arguments.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import timedelta
from typing import Final
from zoneinfo import ZoneInfo

from servicedomain._checks import first_duplicate, instance_of, optional
from servicedomain.agreements import ServiceAgreement
from servicedomain.calendars import WorkingCalendar
from servicedomain.errors import (
    InvalidInputError,
    RequestRuleError,
    TypeMismatchError,
    UnknownCodeError,
)
from servicedomain.instants import local_date
from servicedomain.repairs import FaultTaxonomy, ServiceObjectRelation
from servicedomain.requests._lines import RequestedRepairLine
from servicedomain.requests._submission import RequestWindow

_AGREEMENT: Final = optional(instance_of(ServiceAgreement))
_CALENDAR: Final = optional(instance_of(WorkingCalendar))
_RELATION: Final = instance_of(ServiceObjectRelation)
_TAXONOMY: Final = instance_of(FaultTaxonomy)
_TICK: Final = timedelta(microseconds=1)
_UTC: Final = ZoneInfo("UTC")


def check_agreement(
    request_id: str,
    customer_id: str,
    agreement_id: str | None,
    agreement: ServiceAgreement | None,
) -> None:
    """The agreement named is the one given, the customer's, and not suspended.

    Raises:
        InvalidInputError: ``agreement`` is not the agreement the request names (or
            one is given for a request without an agreement).
        RequestRuleError: ``request.agreement_customer`` (another customer's) or
            ``request.agreement_suspended``.
    """
    checked = _AGREEMENT.check(agreement, "agreement")
    given = None if checked is None else checked.id
    if given != agreement_id:
        raise InvalidInputError(
            "agreement", given, f"request {request_id!r} is under agreement {agreement_id!r}"
        )
    if checked is None:
        return
    if checked.customer_id != customer_id:
        raise RequestRuleError(
            request_id,
            "request.agreement_customer",
            f"agreement {checked.id!r} is customer {checked.customer_id!r}'s, "
            f"not {customer_id!r}'s",
        )
    if checked.suspended:
        raise RequestRuleError(
            request_id,
            "request.agreement_suspended",
            f"agreement {checked.id!r} is suspended; it takes no request",
        )


def known_relations(
    agreement: ServiceAgreement | None, relations: Collection[ServiceObjectRelation]
) -> Mapping[str, ServiceObjectRelation]:
    """The relations a request may name: the agreement's and the customer's, by id.

    Raises:
        TypeMismatchError: an item of ``relations`` is not a ServiceObjectRelation.
    """
    given: object = relations
    if isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
        raise TypeMismatchError("relations", relations, "expected ServiceObjectRelation values")
    known = {
        _RELATION.check(relation, f"relations[{index}]").id: relation
        for index, relation in enumerate(relations)
    }
    if agreement is not None:
        known.update({relation.id: relation for relation in agreement.object_relations})
    return known


def check_relations(
    request_id: str,
    relation_ids: Iterable[str],
    known: Mapping[str, ServiceObjectRelation],
) -> tuple[ServiceObjectRelation, ...]:
    """The relations named, each a known one, no object twice.

    Raises:
        RequestRuleError: ``request.relation_unknown`` (neither the agreement's nor the
            customer's) or ``request.relation_object_repeated`` (two relations of one
            service object).
    """
    found: list[ServiceObjectRelation] = []
    for relation_id in relation_ids:
        relation = known.get(relation_id)
        if relation is None:
            raise RequestRuleError(
                request_id,
                "request.relation_unknown",
                f"object relation {relation_id!r} is neither the agreement's nor one of "
                "the customer's",
            )
        found.append(relation)
    repeated = first_duplicate(relation.object_id for relation in found)
    if repeated is not None:
        raise RequestRuleError(
            request_id,
            "request.relation_object_repeated",
            f"service object {repeated!r} is named by two relations of the request",
        )
    return tuple(found)


def check_codes(lines: Iterable[RequestedRepairLine], taxonomy: FaultTaxonomy) -> None:
    """Every line's codes are in ``taxonomy`` (as a repair line's).

    Raises:
        UnknownCodeError: field ``"lines[i].symptom_code_id"`` and so on.
    """
    checked = _TAXONOMY.check(taxonomy, "taxonomy")
    for index, line in enumerate(lines):
        try:
            line.check_codes(checked)
        except UnknownCodeError as error:
            raise UnknownCodeError(
                f"lines[{index}].{error.field}", error.value, error.kind, error.area_id, error.known
            ) from None


def check_window(
    request_id: str,
    window: RequestWindow,
    agreement: ServiceAgreement | None,
    calendar: WorkingCalendar | None,
) -> None:
    """The window lies in the agreement's dates and, with a calendar, holds working time.

    The agreement's ``start_date`` to ``end_date`` (inclusive) are local days in the
    calendar's zone (UTC without a calendar); the window is half-open, so its last day
    is the day of the instant just before its end.

    Raises:
        RequestRuleError: ``request.window_outside_agreement`` or
            ``request.window_no_working_time``.
    """
    checked = _CALENDAR.check(calendar, "calendar")
    if agreement is not None:
        zone = _UTC if checked is None else checked.zone
        first = local_date(window.start, zone)
        last = local_date(window.end - _TICK, zone)
        end = agreement.end_date
        if first < agreement.start_date or (end is not None and last > end):
            raise RequestRuleError(
                request_id,
                "request.window_outside_agreement",
                f"the window {window} runs on {first} to {last}, outside agreement "
                f"{agreement.id!r} ({agreement.start_date} to {end or 'open'})",
            )
    if checked is not None and checked.elapsed(window.start, window.end) <= timedelta(0):
        raise RequestRuleError(
            request_id,
            "request.window_no_working_time",
            f"the window {window} holds no working time of calendar {checked.id!r}",
        )
