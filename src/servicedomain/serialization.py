"""The JSON-safe codec: every entity, value, rule and event to and from plain dicts.

:func:`to_dict` turns a value of the library into a dict that :func:`json.dumps` takes
as is; :func:`from_dict` reads such a dict back through the type's validating
constructor, so a decoded document is checked like any other input. :func:`dumps` and
:func:`loads` do the same with JSON text. One `cattrs <https://catt.rs>`_ converter does
the work for every type; no class has a hand-written codec.

The encoding:

* a document is a JSON object tagged with its type and the schema version of that type,
  ``{"$type": "ServiceOrder", "$version": 1, ...}``; an object nested in it has no tag
  (the version of the root covers the whole document), except a domain event, which is
  tagged wherever it appears since a field typed :class:`~servicedomain.events.DomainEvent`
  may hold any event;
* every field is written; on the way back a missing key, a key the type lacks, a wrong
  ``$type`` or a ``$version`` other than the supported one is refused;
* decimals are strings (``"12.30"``); money is ``{"amount": "12.30", "currency":
  "EUR"}`` (a currency outside ISO 4217 is ``{"code": ..., "minor_units": ...}``);
* dates and times of day are ISO 8601 text; instants are ISO 8601 in UTC
  (``"2026-03-02T09:00:00+00:00"``; a naive or non-UTC text is refused) and come back
  aware, in UTC; durations are ``"P1DT2H3M4.000005S"``-style text;
* enums are their values, zones their IANA names, tuples JSON arrays and frozensets
  arrays in sorted order (a repeated member is refused);
* the rules that read themselves from dicts (stage graphs, schedules, calendars, SLA
  definitions, template groups) are written by their own ``to_dict`` and read by their
  own ``from_dict``: one format for a rule, whether in a rules file or a document.

Errors: every refusal raises :class:`~servicedomain.errors.InvalidDocumentError` whose
``field`` is the path of the culprit in the document (``"lines[2].quantity"``) and whose
``value`` is the value found there.

>>> from decimal import Decimal
>>> from servicedomain.money import Money
>>> document = to_dict(Money(Decimal("12.3"), "EUR"))
>>> document
{'$type': 'Money', '$version': 1, 'amount': '12.30', 'currency': 'EUR'}
>>> from_dict(Money, document) == Money(Decimal("12.30"), "EUR")
True
>>> from_dict(Money, {**document, "amount": 12.3})
Traceback (most recent call last):
servicedomain.errors.InvalidDocumentError: amount=12.3: expected a decimal string such as ...
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, Final, TypeVar, get_args, get_origin
from zoneinfo import ZoneInfo

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from servicedomain._checks import check_keys
from servicedomain.agreements import (
    AgreementCreated,
    AgreementGroup,
    AgreementLine,
    AgreementLineAdded,
    AgreementLineChanged,
    AgreementLineRestarted,
    AgreementLineStopped,
    AgreementObjectRelated,
    AgreementResumed,
    AgreementSuspended,
    AgreementTaskRelated,
    GeneratedOrderKey,
    Generation,
    LinesCopied,
    NewAgreementLine,
    ServiceAgreement,
    ServiceInterval,
    ServiceTemplate,
    TemplateGroup,
    TemplateGroups,
    TimeWindow,
)
from servicedomain.billing import (
    AccrualEntry,
    AccrualPeriod,
    AccrualPolicy,
    AccrualReversed,
    BillableTransaction,
    CreditNoteIssued,
    FeesGenerated,
    FeeTransaction,
    IndexedPrice,
    Invoice,
    InvoicedItem,
    InvoiceIssued,
    InvoiceLine,
    InvoiceProposal,
    PriceChange,
    PriceEntry,
    PriceTable,
    RevenueAccrued,
    Subscription,
    SubscriptionActivated,
    SubscriptionCanceled,
    SubscriptionCreated,
    SubscriptionDeactivated,
    SubscriptionGroup,
    SubscriptionIndexed,
    SubscriptionPriceChanged,
)
from servicedomain.calendars import Slot, WorkingCalendar
from servicedomain.dispatch import (
    BOOKING_EVENTS,
    TECHNICIAN_EVENTS,
    Absence,
    AutoDispatchResult,
    BoardBar,
    BoardRow,
    Booking,
    Candidate,
    CandidateList,
    DispatchBoard,
    DispatchParameters,
    DispatchTeam,
    DispatchTeams,
    Exclusion,
    Interval,
    Reason,
    Requirement,
    Skill,
    Technician,
    Unplaced,
)
from servicedomain.dispatch.optimise import OptimisedDispatch
from servicedomain.errors import InvalidDocumentError, InvalidInputError, ServiceDomainError
from servicedomain.events import DomainEvent
from servicedomain.instants import named_zone, parse_date, parse_instant
from servicedomain.money import ISO_4217, Currency, Money
from servicedomain.orders import (
    AgreementLineRef,
    CancelRevoked,
    ItemRequirement,
    ItemRequirementAdded,
    ItemRequirementRemoved,
    JournalEntry,
    LineAdded,
    LineCanceled,
    LineCancelRevoked,
    LineChanged,
    LineRemoved,
    LinesMoved,
    LinesPosted,
    LinesSignedOff,
    NewLine,
    PostingPlan,
    RepairLineAdded,
    RepairLineChanged,
    RepairLineDeleted,
    RepairLineStageChanged,
    ServiceLine,
    ServiceObjectRelated,
    ServiceOrder,
    ServiceOrderCanceled,
    ServiceOrderCreated,
    ServiceOrderDeleted,
    ServiceOrderLine,
    ServiceOrderSignedOff,
    ServiceTask,
    ServiceTaskRelated,
    SlaTimeRecorded,
    StageChanged,
)
from servicedomain.periods import DateRange, PeriodCode, Schedule
from servicedomain.repairs import (
    BOM_CHANGES,
    BillableItem,
    BomChange,
    BomLine,
    Condition,
    CoverageStatus,
    DiagnosisArea,
    DiagnosisCode,
    FaultTaxonomy,
    RepairLine,
    RepairStage,
    Resolution,
    ServiceBom,
    ServiceBomAttached,
    ServiceBomMoved,
    ServiceObject,
    ServiceObjectCreated,
    ServiceObjectRelation,
    ServiceObjectRelationAdded,
    ServiceObjectRelationRemoved,
    SuggestedResolution,
    SuggestionCounts,
    SymptomArea,
    SymptomCode,
    TemplateBom,
    TemplateBomAssigned,
    WarrantyCoverage,
    WarrantyCoverageChanged,
    WarrantyStatus,
)
from servicedomain.reports import (
    BarChart,
    Cell,
    DispatchBoardReport,
    GanttBar,
    GanttChart,
    GanttRow,
    InvoiceDocument,
    MarginReport,
    MarginRow,
    RepairHistory,
    RepairHistoryEntry,
    ReportColumn,
    ReportTable,
    ReportView,
    SlaExplanation,
    SubscriptionFeeReport,
    SubscriptionFeeRow,
    SubscriptionTransactionRow,
    SubscriptionTransactionsReport,
    TimelineChart,
    TimelineMarker,
    TimelineSpan,
    WorkDescription,
    WorkDocumentLine,
    WorkDocumentRepair,
    WorkReceipt,
)
from servicedomain.requests import (
    REQUEST_EVENTS,
    CustomerNote,
    CustomerRepairLine,
    CustomerRequestView,
    RequestedRepairLine,
    RequestNote,
    RequestWindow,
    ReviewEntry,
    ServiceRequest,
    Submission,
)
from servicedomain.sla import (
    Allowance,
    Segment,
    ServiceLevelAgreement,
    SlaEntry,
    SlaMeasurement,
    SlaParameters,
    SlaTargets,
)
from servicedomain.stages import (
    Decision,
    ReasonCode,
    ReasonLogEntry,
    Stage,
    StageGraph,
    StageRules,
)

__all__ = [
    "SCHEMA_VERSIONS",
    "dumps",
    "from_dict",
    "loads",
    "to_dict",
]

_T = TypeVar("_T")

TYPE_KEY: Final = "$type"
VERSION_KEY: Final = "$version"

_ENTITIES_AND_VALUES: Final[tuple[type[Any], ...]] = (
    # money, periods, calendars
    Currency,
    Money,
    DateRange,
    PeriodCode,
    Schedule,
    Slot,
    WorkingCalendar,
    # stages and SLAs
    StageRules,
    Stage,
    StageGraph,
    ReasonCode,
    ReasonLogEntry,
    Decision,
    Allowance,
    SlaTargets,
    SlaParameters,
    ServiceLevelAgreement,
    SlaEntry,
    Segment,
    SlaMeasurement,
    # orders
    AgreementLineRef,
    ServiceTask,
    ItemRequirement,
    ServiceLine,
    NewLine,
    ServiceOrderLine,
    ServiceOrder,
    JournalEntry,
    PostingPlan,
    # agreements
    AgreementGroup,
    ServiceInterval,
    TimeWindow,
    NewAgreementLine,
    AgreementLine,
    ServiceAgreement,
    TemplateGroup,
    TemplateGroups,
    ServiceTemplate,
    GeneratedOrderKey,
    Generation,
    # billing
    IndexedPrice,
    PriceChange,
    PriceEntry,
    PriceTable,
    SubscriptionGroup,
    Subscription,
    FeeTransaction,
    BillableTransaction,
    InvoiceLine,
    Invoice,
    InvoiceProposal,
    InvoicedItem,
    AccrualPolicy,
    AccrualPeriod,
    AccrualEntry,
    # repairs: service BOMs
    BomLine,
    TemplateBom,
    BillableItem,
    ServiceBom,
    # reports
    MarginRow,
    MarginReport,
    WorkDocumentLine,
    WorkDocumentRepair,
    WorkDescription,
    WorkReceipt,
    RepairHistoryEntry,
    RepairHistory,
    SubscriptionFeeRow,
    SubscriptionTransactionRow,
    SubscriptionTransactionsReport,
    SubscriptionFeeReport,
    InvoiceDocument,
    SlaExplanation,
    ReportColumn,
    ReportTable,
    BarChart,
    # the SLA explanation's timeline chart (a ReportView's timelines)
    TimelineSpan,
    TimelineMarker,
    TimelineChart,
    # the dispatch board's Gantt chart (a ReportView's gantts) and its report
    GanttBar,
    GanttRow,
    GanttChart,
    DispatchBoardReport,
    ReportView,
    # repairs: the fault taxonomy, service objects and their warranty
    SymptomArea,
    SymptomCode,
    Condition,
    DiagnosisArea,
    DiagnosisCode,
    Resolution,
    RepairStage,
    FaultTaxonomy,
    WarrantyCoverage,
    CoverageStatus,
    WarrantyStatus,
    ServiceObjectRelation,
    ServiceObject,
    RepairLine,
)

# repairs: suggested resolutions and the counts behind them (issue 16, item 7)
_SUGGESTIONS: Final[tuple[type[Any], ...]] = (SuggestionCounts, SuggestedResolution)

# dispatch: skills, technicians, teams, requirements, bookings, reasons (issue 17)
_DISPATCH: Final[tuple[type[Any], ...]] = (
    Interval,
    Skill,
    Absence,
    Technician,
    DispatchTeam,
    DispatchTeams,
    Requirement,
    Booking,
    Reason,
    Exclusion,
    Candidate,
    CandidateList,
    # the dispatch board (issue 17, item 7)
    DispatchParameters,
    BoardBar,
    BoardRow,
    DispatchBoard,
    # auto-dispatch: its result, for a host that keeps a run's proposals (issue 17 item 8)
    Unplaced,
    AutoDispatchResult,
    # the optimiser's result (issue 17 item 9; the module imports OR-Tools only when run)
    OptimisedDispatch,
)

# customer service requests (issue 18)
_REQUESTS: Final[tuple[type[Any], ...]] = (
    RequestedRepairLine,
    RequestNote,
    ReviewEntry,
    RequestWindow,
    Submission,
    ServiceRequest,
    CustomerNote,
    CustomerRepairLine,
    CustomerRequestView,
)

_EVENTS: Final[tuple[type[DomainEvent], ...]] = (
    ServiceOrderCreated,
    ServiceOrderDeleted,
    ServiceOrderCanceled,
    ServiceOrderSignedOff,
    CancelRevoked,
    StageChanged,
    SlaTimeRecorded,
    LineAdded,
    LineChanged,
    LineRemoved,
    LineCanceled,
    LineCancelRevoked,
    LinesMoved,
    LinesPosted,
    LinesSignedOff,
    ItemRequirementAdded,
    ItemRequirementRemoved,
    ServiceObjectRelated,
    ServiceTaskRelated,
    RepairLineAdded,
    RepairLineChanged,
    RepairLineStageChanged,
    RepairLineDeleted,
    AgreementCreated,
    AgreementSuspended,
    AgreementResumed,
    AgreementLineAdded,
    AgreementLineChanged,
    AgreementLineStopped,
    AgreementLineRestarted,
    AgreementObjectRelated,
    AgreementTaskRelated,
    LinesCopied,
    SubscriptionCreated,
    SubscriptionPriceChanged,
    SubscriptionIndexed,
    SubscriptionCanceled,
    SubscriptionDeactivated,
    SubscriptionActivated,
    FeesGenerated,
    InvoiceIssued,
    CreditNoteIssued,
    RevenueAccrued,
    AccrualReversed,
    # repairs: service objects
    ServiceObjectCreated,
    WarrantyCoverageChanged,
    ServiceObjectRelationAdded,
    ServiceObjectRelationRemoved,
    TemplateBomAssigned,
    # repairs: service BOMs
    *BOM_CHANGES,
    ServiceBomAttached,
    ServiceBomMoved,
    # dispatch: technicians and bookings
    *TECHNICIAN_EVENTS,
    *BOOKING_EVENTS,
    # customer service requests
    *REQUEST_EVENTS,
)

# The types whose encoded shape changed since version 1, and why.
_CHANGED: Final[Mapping[type[Any], int]] = {
    # 2: end_date is the last day served (inclusive), not the first day no longer
    # served; the period code is the field period_code (was period).
    Subscription: 2,
    SubscriptionCanceled: 2,  # its end_date: the last day served
    # 2: period codes are period_code, invoicing_period_code, accrual_period_code
    # (were period, invoicing_period, accrual_period); tables and groups write their
    # own dict form (to_dict), which leaves out blank keys.
    PriceEntry: 2,
    PriceTable: 2,
    SubscriptionGroup: 2,
    AccrualPolicy: 2,
    Schedule: 2,  # its period code is the key period_code (was code)
    # 2: a work document line's object and task are labels, service_object_label and
    # service_task_label (were service_object and service_task).
    WorkDocumentLine: 2,
    # 3: a work description and a work receipt hold the order's repair lines (repairs,
    # WorkDocumentRepair values).
    WorkDescription: 3,
    WorkReceipt: 3,
    # 2: the field timelines (timeline charts) was added; 3: the field gantts (Gantt
    # charts, the dispatch board's) was added.
    ReportView: 3,
    # 2: orders and agreements hold object relations (object_relations, repairs'
    # ServiceObjectRelation), not the old service_objects; an order holds repair lines.
    # 3: an order has the keys incoming and request_id (a transferred customer request);
    # a version 2 document still reads, without them (see _OLDER_READ).
    ServiceOrder: 3,
    ServiceAgreement: 2,
    ServiceObjectRelated: 2,  # its relation (was service_object)
    AgreementObjectRelated: 2,  # its relation (was service_object)
    ServiceTemplate: 2,  # service_object_ids (was service_objects)
    Generation: 3,  # its orders (ServiceOrder 3; a version 2 document still reads)
    # 2: the name ServiceObject is the repairs entity (was ServiceObjectEntity); the
    # old orders value of that name is gone, and its version 1 documents are refused.
    ServiceObject: 2,
}

SCHEMA_VERSIONS: Final[Mapping[type[Any], int]] = {
    **dict.fromkeys((*_ENTITIES_AND_VALUES, *_SUGGESTIONS, *_DISPATCH, *_REQUESTS, *_EVENTS), 1),
    **_CHANGED,
}
"""The schema version of every type the codec reads and writes.

Bump a type's version when its encoded shape changes (a field added, renamed or
re-encoded, in the type or in a value it embeds), so old documents are refused rather
than misread.
"""

_OLDER_READ: Final[Mapping[type[Any], tuple[int, Mapping[type[Any], Mapping[str, Any]]]]] = {
    ServiceOrder: (2, {ServiceOrder: {"incoming": False, "request_id": None}}),
    Generation: (2, {ServiceOrder: {"incoming": False, "request_id": None}}),
}
"""The older versions still read: ``{root type: (oldest version, {type: added keys})}``.

A document of such a root type at a version from the oldest one up reads as the current
version, and the objects of each listed type in it (the root or nested) that lack a key
added since get its value (the type's default). Only in such an older document: a
current document lacking a key is refused as usual.
"""

_READING_OLDER: Final[ContextVar[Mapping[type[Any], Mapping[str, Any]] | None]] = ContextVar(
    "_READING_OLDER", default=None
)
"""The keys added since the version of the document being read (empty: the current one)."""

_BY_NAME: Final[Mapping[str, type[Any]]] = {cls.__name__: cls for cls in SCHEMA_VERSIONS}
_EVENT_NAMES: Final[Mapping[str, type[DomainEvent]]] = {cls.__name__: cls for cls in _EVENTS}

# Rules that read and write themselves: the codec uses their own dict form.
_SELF_CODED: Final[tuple[type[Any], ...]] = (
    StageGraph,
    Schedule,
    WorkingCalendar,
    TemplateGroups,
    PriceEntry,
    PriceTable,
    SubscriptionGroup,
    FaultTaxonomy,
    Skill,
    DispatchParameters,
)


class _Refused(Exception):  # noqa: N818 (an internal signal, turned into the library's error)
    """A value at the current path is refused (the path is added by the caller)."""

    def __init__(self, value: object, reason: str, key: str = "") -> None:
        super().__init__(reason)
        self.value = value
        self.reason = reason
        self.key = key


# --------------------------------------------------------------------------- scalars

_DECIMAL_TEXT: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DURATION_TEXT: Final = re.compile(r"(-?)P(\d+)DT(\d+)(?:\.(\d{6}))?S")


def _structure_str(value: object, _: object) -> str:
    if not isinstance(value, str):
        raise _Refused(value, f"expected a string, got {type(value).__name__}")
    return value


def _structure_int(value: object, _: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Refused(value, f"expected an integer, got {type(value).__name__}")
    return value


def _structure_bool(value: object, _: object) -> bool:
    if not isinstance(value, bool):
        raise _Refused(value, f"expected true or false, got {type(value).__name__}")
    return value


def _structure_decimal(value: object, _: object) -> Decimal:
    if not isinstance(value, str) or not _DECIMAL_TEXT.fullmatch(value):
        raise _Refused(
            value, f"expected a decimal string such as '12.30', got {type(value).__name__}"
        )
    return Decimal(value)


def _structure_date(value: object, _: object) -> date:
    try:
        return parse_date(value, "value")
    except InvalidInputError as error:
        raise _Refused(value, error.reason) from None


def _unstructure_instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _structure_instant(value: object, _: object) -> datetime:
    try:
        instant = parse_instant(value, "value")
    except InvalidInputError as error:
        raise _Refused(value, error.reason) from None
    if instant.tzinfo is not UTC:
        raise _Refused(value, "an instant is stored in UTC, with the offset +00:00 or Z")
    return instant


def _structure_time(value: object, _: object) -> time:
    if not isinstance(value, str):
        raise _Refused(value, f"expected a time of day such as '08:30', got {type(value)}")
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise _Refused(value, "not an ISO-8601 time of day such as '08:30'") from None
    if parsed.tzinfo is not None:
        raise _Refused(value, "a time of day has no offset")
    return parsed


def _unstructure_duration(value: timedelta) -> str:
    micro = abs(value) // timedelta(microseconds=1)
    seconds, micro = divmod(micro, 1_000_000)
    days, seconds = divmod(seconds, 86_400)
    sign = "-" if value < timedelta(0) else ""
    return f"{sign}P{days}DT{seconds}.{micro:06d}S"


def _structure_duration(value: object, _: object) -> timedelta:
    found = _DURATION_TEXT.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        raise _Refused(value, "expected a duration such as 'P1DT3600.000000S'")
    sign, days, seconds, micro = found.groups()
    duration = timedelta(days=int(days), seconds=int(seconds), microseconds=int(micro or 0))
    return -duration if sign else duration


def _structure_zone(value: object, _: object) -> ZoneInfo:
    if not isinstance(value, str):
        raise _Refused(value, f"expected an IANA zone name, got {type(value).__name__}")
    try:
        return named_zone(value, "value")
    except InvalidInputError as error:
        raise _Refused(value, error.reason) from None


def _unstructure_currency(value: Currency) -> object:
    if value.code in ISO_4217 and ISO_4217.get(value.code) == value:
        return value.code
    return {"code": value.code, "minor_units": value.minor_units}


def _structure_currency(value: object, _: object) -> Currency:
    if isinstance(value, str):
        if value not in ISO_4217:
            raise _Refused(value, "not an ISO 4217 code; write {code, minor_units}")
        return ISO_4217.get(value)
    if isinstance(value, Mapping):
        fields = _converter.structure(value, _CurrencyFields)
        return Currency(fields.code, fields.minor_units)
    raise _Refused(value, "expected an ISO 4217 code or {code, minor_units}")


def _structure_enum(cls: type[Enum]) -> Callable[[object, object], Enum]:
    by_value = {member.value: member for member in cls}

    def structure(value: object, _: object) -> Enum:
        found = by_value.get(value) if isinstance(value, str | int) else None
        if found is None or isinstance(value, bool):
            known = ", ".join(repr(key) for key in by_value)
            raise _Refused(value, f"not a {cls.__name__} value; the valid values are {known}")
        return found

    return structure


# A report cell is text, a count, null, or a tagged decimal, instant, date or amount (a
# decimal and a date are strings in JSON, so without the tag they would read back as
# text). Instants come before dates: a datetime is a date too.
_CELL_TAGS: Final[Mapping[str, type[Any]]] = {
    "instant": datetime,
    "decimal": Decimal,
    "date": date,
    "money": Money,
}


def _unstructure_cell(value: Cell) -> object:
    if value is None or isinstance(value, str | int):
        return value
    for tag, kind in _CELL_TAGS.items():
        if isinstance(value, kind):
            return {tag: _converter.unstructure(value, kind)}
    raise _Refused(
        value, "a report cell is a str, an int, a Decimal, an instant, a date, Money or None"
    )


def _structure_cell(value: object, _: object) -> Cell:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        ((tag, inner),) = value.items()
        kind = _CELL_TAGS.get(tag)
        if kind is not None:
            cell: Cell = _converter.structure(inner, kind)
            return cell
    raise _Refused(
        value, "expected a string, an integer, null or one of {instant|decimal|date|money: ...}"
    )


# --------------------------------------------------------------------------- collections


def _is_tuple(cls: object) -> bool:
    return get_origin(cls) is tuple


def _structure_tuple(cls: Any) -> Callable[[object, object], tuple[Any, ...]]:
    members = get_args(cls)
    homogeneous = len(members) == 2 and members[1] is ...

    def structure(value: object, _: object) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise _Refused(value, f"expected an array, got {type(value).__name__}")
        if homogeneous:
            kinds: tuple[Any, ...] = (members[0],) * len(value)
        elif len(value) != len(members):
            raise _Refused(value, f"expected an array of {len(members)} items")
        else:
            kinds = members
        items = []
        for index, (item, kind) in enumerate(zip(value, kinds, strict=True)):
            try:
                items.append(_converter.structure(item, kind))
            except Exception as error:
                error.add_note(IterableValidationNote(f"@ index {index}", index, kind))
                raise IterableValidationError("in an array", [error], cls) from None
        return tuple(items)

    return structure


def _is_frozenset(cls: object) -> bool:
    return get_origin(cls) is frozenset


def _unstructure_frozenset(cls: Any) -> Callable[[frozenset[Any]], list[Any]]:
    (member,) = get_args(cls)
    unstructure = _converter.get_unstructure_hook(member)

    def unstructured(value: frozenset[Any]) -> list[Any]:
        return sorted(unstructure(item) for item in value)

    return unstructured


def _structure_frozenset(cls: Any) -> Callable[[object, object], frozenset[Any]]:
    (member,) = get_args(cls)
    as_tuple = _converter.get_structure_hook(tuple[member, ...])  # type: ignore[valid-type]

    def structure(value: object, _: object) -> frozenset[Any]:
        items = as_tuple(value, None)
        made = frozenset(items)
        if len(made) != len(items):
            raise _Refused(value, "a set lists each member once")
        return made

    return structure


# --------------------------------------------------------------------------- attrs classes


def _keys(cls: type[Any]) -> frozenset[str]:
    return frozenset(field.alias for field in attrs.fields(cls) if field.init)


def _unstructure_attrs(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
    if cls is DomainEvent:  # a field that may hold any event: write the event's own type
        return _unstructure_any_event
    if cls in _SELF_CODED:
        return lambda value: dict(value.to_dict())
    if cls is ServiceLevelAgreement:
        return _unstructure_sla
    generated = make_dict_unstructure_fn(cls, _converter)
    if not issubclass(cls, DomainEvent):
        return generated
    if cls not in _EVENTS:
        msg = f"{cls.__name__} is not an event the codec knows"
        raise InvalidDocumentError("$type", cls.__name__, msg)
    version = SCHEMA_VERSIONS[cls]

    def unstructure_event(value: DomainEvent) -> dict[str, Any]:
        return {TYPE_KEY: cls.__name__, VERSION_KEY: version, **generated(value)}

    return unstructure_event


def _structure_attrs(cls: type[Any]) -> Callable[[object, object], Any]:
    if cls is DomainEvent:
        return _structure_any_event
    if cls in _SELF_CODED or cls is ServiceLevelAgreement:
        return _structure_self_coded(cls)
    keys = tuple(sorted(_keys(cls)))
    generated = make_dict_structure_fn(cls, _converter, _cattrs_forbid_extra_keys=True)
    tagged = issubclass(cls, DomainEvent)
    kind = cls.__name__

    def structure(value: object, _: object) -> Any:
        if not isinstance(value, Mapping):
            raise _Refused(value, f"expected an object for {kind}")
        if tagged:
            value = _untag(value, cls)
        older = _READING_OLDER.get()
        added = None if older is None else older.get(cls)
        if added:
            value = {**added, **value}
        check_keys(value, kind=kind, required=keys, error=InvalidDocumentError)
        return generated(value, cls)

    return structure


def _structure_self_coded(cls: type[Any]) -> Callable[[object, object], Any]:
    def structure(value: object, _: object) -> Any:
        if not isinstance(value, Mapping):
            raise _Refused(value, f"expected an object for {cls.__name__}")
        return cls.from_dict(value)

    return structure


def _unstructure_sla(value: ServiceLevelAgreement) -> dict[str, Any]:
    data = value.to_dict()
    if value.calendar is not None:  # inline, so that the document stands alone
        data["calendar"] = value.calendar.to_dict()
    return data


def _unstructure_any_event(value: DomainEvent) -> dict[str, Any]:
    cls = type(value)
    if cls is DomainEvent:
        msg = "DomainEvent itself is not an event the codec knows"
        raise InvalidDocumentError("$type", cls.__name__, msg)
    body: dict[str, Any] = _converter.unstructure(value, cls)
    return body


def _untag(value: Mapping[str, Any], cls: type[Any]) -> dict[str, Any]:
    _check_tag(value, cls)
    return {key: item for key, item in value.items() if key not in (TYPE_KEY, VERSION_KEY)}


def _check_tag(value: Mapping[str, Any], cls: type[Any]) -> None:
    if TYPE_KEY not in value:
        raise _Refused(None, "this key is required", key=TYPE_KEY)
    if value[TYPE_KEY] != cls.__name__:
        raise _Refused(value[TYPE_KEY], f"expected {cls.__name__!r}", key=TYPE_KEY)
    if VERSION_KEY not in value:
        raise _Refused(None, "this key is required", key=VERSION_KEY)
    version = value[VERSION_KEY]
    if isinstance(version, bool) or version != SCHEMA_VERSIONS[cls]:
        supported = SCHEMA_VERSIONS[cls]
        if cls in _OLDER_READ and type(version) is int:
            oldest, _ = _OLDER_READ[cls]
            if oldest <= version < supported:
                return
            supported_text = f"versions {oldest} to {supported}"
            raise _Refused(version, f"{cls.__name__} supports {supported_text}", key=VERSION_KEY)
        raise _Refused(version, f"{cls.__name__} supports version {supported}", key=VERSION_KEY)


def _structure_bom_change(value: object, _: object) -> BomChange:
    """A change of a service BOM: one of the five classes of ``BomChange``, by its ``$type``."""
    event = _structure_any_event(value, None)
    if not isinstance(event, BOM_CHANGES):
        raise _Refused(type(event).__name__, "not a change of a service BOM", key=TYPE_KEY)
    return event


def _structure_any_event(value: object, _: object) -> DomainEvent:
    if not isinstance(value, Mapping):
        raise _Refused(value, "expected an event object")
    name = value.get(TYPE_KEY)
    cls = _EVENT_NAMES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise _Refused(name, "not an event type the codec knows", key=TYPE_KEY)
    event: DomainEvent = _converter.structure(value, cls)
    return event


@attrs.frozen
class _CurrencyFields:
    """The explicit form of a currency outside ISO 4217."""

    code: str
    minor_units: int


def _build_converter() -> cattrs.Converter:
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(date, _structure_date)
    converter.register_unstructure_hook(datetime, _unstructure_instant)
    converter.register_structure_hook(datetime, _structure_instant)
    converter.register_unstructure_hook(time, time.isoformat)
    converter.register_structure_hook(time, _structure_time)
    converter.register_unstructure_hook(timedelta, _unstructure_duration)
    converter.register_structure_hook(timedelta, _structure_duration)
    converter.register_unstructure_hook(ZoneInfo, lambda zone: zone.key)
    converter.register_structure_hook(ZoneInfo, _structure_zone)
    converter.register_unstructure_hook(Currency, _unstructure_currency)
    converter.register_structure_hook(Currency, _structure_currency)
    converter.register_unstructure_hook(Enum, lambda member: member.value)
    converter.register_unstructure_hook(Cell, _unstructure_cell)
    converter.register_structure_hook(Cell, _structure_cell)
    converter.register_structure_hook(BomChange, _structure_bom_change)
    converter.register_structure_hook_factory(
        lambda cls: isinstance(cls, type) and issubclass(cls, Enum), _structure_enum
    )
    converter.register_unstructure_hook_factory(
        _is_tuple, lambda cls: _tuple_unstructure(converter, cls)
    )
    converter.register_structure_hook_factory(_is_tuple, _structure_tuple)
    converter.register_unstructure_hook_factory(_is_frozenset, _unstructure_frozenset)
    converter.register_structure_hook_factory(_is_frozenset, _structure_frozenset)
    converter.register_unstructure_hook_factory(
        lambda cls: attrs.has(cls) and cls is not _CurrencyFields, _unstructure_attrs
    )
    converter.register_structure_hook_factory(
        lambda cls: attrs.has(cls) and cls is not _CurrencyFields, _structure_attrs
    )
    return converter


def _tuple_unstructure(converter: cattrs.Converter, cls: Any) -> Callable[[Any], list[Any]]:
    members = get_args(cls)
    if len(members) == 2 and members[1] is ...:
        hook = converter.get_unstructure_hook(members[0])
        return lambda value: [hook(item) for item in value]
    hooks = [converter.get_unstructure_hook(member) for member in members]
    return lambda value: [hook(item) for hook, item in zip(hooks, value, strict=True)]


_converter: Final = _build_converter()


# --------------------------------------------------------------------------- errors


def _path_of(error: BaseException) -> str:
    for note in getattr(error, "__notes__", ()):
        if isinstance(note, AttributeValidationNote):
            return f".{note.name}"
        if isinstance(note, IterableValidationNote):
            return f"[{note.index}]"
    return ""


def _document_error(  # noqa: PLR0911 (one case per kind of error)
    error: BaseException, path: str = ""
) -> InvalidDocumentError:
    """The library's error for what cattrs raised, naming the path of the culprit."""
    if isinstance(error, ForbiddenExtraKeysError):
        key = sorted(error.extra_fields)[0]
        return InvalidDocumentError(_join(path, f".{key}"), None, "not a key of this type")
    if isinstance(error, BaseExceptionGroup):
        inner = error.exceptions[0]
        return _document_error(inner, path + _path_of(inner))
    if isinstance(error, _Refused):
        key = f".{error.key}" if error.key else ""
        return InvalidDocumentError(_join(path, key), error.value, error.reason)
    if isinstance(error, InvalidDocumentError):
        return InvalidDocumentError(_join(path, f".{error.field}"), error.value, error.reason)
    if isinstance(error, InvalidInputError):  # a constructor refused a field
        field = error.field
        inner = f".{field}" if field and not field.startswith("[") else field
        return InvalidDocumentError(_join(path, inner), error.value, error.reason)
    if isinstance(error, KeyError):
        return InvalidDocumentError(_join(path, f".{error.args[0]}"), None, "this key is required")
    reason = f"{type(error).__name__}: {error}"
    return InvalidDocumentError(_join(path, ""), None, reason)


def _join(path: str, tail: str) -> str:
    joined = (path + tail).removeprefix(".")
    return joined or "$"


# --------------------------------------------------------------------------- public API


def to_dict(value: object) -> dict[str, Any]:
    """The value as a JSON-safe dict tagged with its ``$type`` and ``$version``.

    Raises:
        InvalidDocumentError: ``value`` is not of a type in :data:`SCHEMA_VERSIONS`.

    >>> from servicedomain.periods import DateRange
    >>> from datetime import date
    >>> to_dict(DateRange(date(2026, 1, 1), date(2026, 2, 1)))
    {'$type': 'DateRange', '$version': 1, 'start': '2026-01-01', 'end': '2026-02-01'}
    """
    cls = type(value)
    if cls not in SCHEMA_VERSIONS:
        raise InvalidDocumentError(
            "value", value, f"{cls.__name__} is not a type the codec reads and writes"
        )
    body = _converter.unstructure(value, cls)
    if issubclass(cls, DomainEvent):
        return dict(body)
    if cls is Currency:
        body = {"code": value.code, "minor_units": value.minor_units}  # type: ignore[attr-defined]
    return {TYPE_KEY: cls.__name__, VERSION_KEY: SCHEMA_VERSIONS[cls], **body}


def from_dict(cls: type[_T], data: object) -> _T:
    """Read back a document that :func:`to_dict` wrote, through ``cls``'s constructor.

    ``cls`` may be :class:`~servicedomain.events.DomainEvent` to read any event.

    Raises:
        InvalidDocumentError: ``field`` is the path of the culprit (``"$type"``,
            ``"lines[2].quantity"``): a missing key or one the type lacks, a wrong ``$type``, an
            unsupported ``$version``, a value of the wrong kind, or one the constructor
            refuses; ``"data"`` when ``data`` is not a mapping, ``"cls"`` when the
            codec does not know ``cls``.
    """
    if cls is not DomainEvent and cls not in SCHEMA_VERSIONS:
        msg = "not a type the codec reads and writes"
        raise InvalidDocumentError("cls", cls, msg)
    if not isinstance(data, Mapping):
        raise InvalidDocumentError("data", data, "expected a JSON object (a mapping)")
    try:
        if cls is DomainEvent:
            event: _T = _converter.structure(data, cls)
            return event
        body = data if issubclass(cls, DomainEvent) else _untag(data, cls)
        if cls is Currency:
            fields = _converter.structure(body, _CurrencyFields)
            return Currency(fields.code, fields.minor_units)  # type: ignore[return-value]
        if cls in _OLDER_READ and data.get(VERSION_KEY) != SCHEMA_VERSIONS[cls]:
            token = _READING_OLDER.set(_OLDER_READ[cls][1])
            try:
                older: _T = _converter.structure(body, cls)
            finally:
                _READING_OLDER.reset(token)
            return older
        made: _T = _converter.structure(body, cls)
    except (ServiceDomainError, _Refused, cattrs.BaseValidationError, KeyError) as error:
        raise _document_error(error) from error
    return made


def dumps(value: object) -> str:
    """The value as JSON text (:func:`to_dict`, then :func:`json.dumps`)."""
    return json.dumps(to_dict(value), ensure_ascii=False, sort_keys=True)


def loads(cls: type[_T], text: str | bytes) -> _T:
    """Read back JSON text that :func:`dumps` wrote.

    Raises:
        InvalidDocumentError: ``text`` is not JSON (a str or bytes), or as :func:`from_dict`.
    """
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as error:
        raise InvalidDocumentError("text", text, f"not JSON: {error}") from None
    return from_dict(cls, data)
