"""Hypothesis strategies for the entities, rules, events and results of servicedomain.

Orders, agreements, fees and invoices are built the way a host builds them: through
the entities' own operations (create, add lines, change stage, stop the SLA clock,
add item requirements, sign off, post), so every value is one the library can reach.
An operation the domain refuses for the drawn state is simply not applied. Strategies
are plural nouns with keyword-only bounds; each is registered for its type, so
``st.from_type(ServiceOrder)`` works once servicedomain is installed.

>>> from hypothesis import given
>>> @given(service_orders(max_lines=3))
... def test_lines_are_numbered(order: ServiceOrder) -> None:
...     assert list(order.line_numbers) == sorted(order.line_numbers)
>>> test_lines_are_numbered()
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import attrs
from hypothesis import strategies as st

from servicedomain.agreements import (
    AgreementGroup,
    AgreementLine,
    GeneratedOrderKey,
    Generation,
    IntervalUnit,
    NewAgreementLine,
    ServiceAgreement,
    ServiceInterval,
    ServiceTemplate,
    TemplateGroup,
    TemplateGroups,
    TimeWindow,
    WindowKind,
    generate_service_orders,
)
from servicedomain.billing import (
    AccrualEntry,
    AccrualMethod,
    AccrualPeriod,
    AccrualPolicy,
    BillableTransaction,
    FeeTransaction,
    IndexedPrice,
    Invoice,
    InvoicedItem,
    InvoiceLine,
    InvoiceProposal,
    PriceChange,
    PriceEntry,
    PriceTable,
    ReversalMode,
    RoundingPeriod,
    Subscription,
    SubscriptionGroup,
    accrual_periods,
    accrue,
    allowed_accrual_period_codes,
    generate_fees,
    propose_invoices,
    record_document,
)
from servicedomain.calendars import Slot, WorkingCalendar
from servicedomain.dispatch import (
    Absence,
    AutoDispatchResult,
    BoardBar,
    BoardRow,
    Booking,
    BookingCreated,
    BookingStatus,
    Candidate,
    CandidateList,
    DispatchBoard,
    DispatchParameters,
    DispatchTeam,
    DispatchTeams,
    Exclusion,
    Interval,
    Reason,
    ReasonKind,
    Requirement,
    Skill,
    Technician,
    Unplaced,
    dispatch_board,
)
from servicedomain.dispatch.optimise import SOLVER_STATUSES, OptimisedDispatch
from servicedomain.errors import InvalidInputError, ServiceDomainError
from servicedomain.events import DomainEvent
from servicedomain.money import Currency, Money
from servicedomain.orders import (
    SERVICE_LINE_FIELDS,
    AgreementLineRef,
    ItemRequirement,
    JournalEntry,
    NewLine,
    PostingPlan,
    ServiceLine,
    ServiceOrder,
    ServiceOrderLine,
    ServiceTask,
    TransactionType,
)
from servicedomain.periods import (
    DAILY,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    Alignment,
    DateRange,
    PeriodCode,
    PeriodUnit,
    Schedule,
)
from servicedomain.repairs import (
    BillableItem,
    BomLine,
    Condition,
    CoverageKind,
    CoverageStatus,
    DiagnosisArea,
    DiagnosisCode,
    FaultTaxonomy,
    RelationKind,
    RepairLine,
    RepairStage,
    Resolution,
    ServiceBom,
    ServiceObject,
    ServiceObjectRelation,
    SuggestedResolution,
    SuggestionCounts,
    SymptomArea,
    SymptomCode,
    TemplateBom,
    WarrantyCoverage,
    WarrantyStatus,
    warranty_status,
)
from servicedomain.reports import (
    BarChart,
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
    dispatch_board_report,
    invoice_document,
    margin_report,
    repair_history,
    sla_explanation,
    subscription_fee_summary,
    subscription_transactions,
    work_description,
    work_receipt,
)
from servicedomain.requests import (
    CustomerNote,
    CustomerRepairLine,
    CustomerRequestView,
    RequestedRepairLine,
    RequestNote,
    RequestStatus,
    RequestWindow,
    ReviewEntry,
    ServiceRequest,
    Submission,
    customer_view,
)
from servicedomain.serialization import SCHEMA_VERSIONS
from servicedomain.sla import (
    Allowance,
    Priority,
    Segment,
    ServiceLevelAgreement,
    SlaEntry,
    SlaMeasurement,
    SlaParameters,
    SlaTarget,
    SlaTargets,
)
from servicedomain.stages import (
    EXAMPLE_STAGE_GRAPH,
    Decision,
    ReasonCode,
    ReasonLogEntry,
    Stage,
    StageGraph,
    StageRules,
)
from servicedomain.testing.billing_strategies import price_tables, subscriptions
from servicedomain.testing.strategies import (
    currencies,
    date_ranges,
    monies,
    period_codes,
    stage_graphs,
    stage_rules,
)

__all__ = [
    "BoardInputs",
    "absences",
    "board_bars",
    "board_rows",
    "auto_dispatch_results",
    "optimised_dispatches",
    "bookings",
    "candidate_lists",
    "dispatch_board_inputs",
    "dispatch_board_reports",
    "gantt_bars",
    "gantt_charts",
    "gantt_rows",
    "dispatch_boards",
    "dispatch_parameters",
    "dispatch_teams",
    "intervals",
    "reasons",
    "requirements",
    "skills",
    "technicians",
    "unplaced_values",
    "accrual_entries",
    "accrual_periods_of_fees",
    "agreement_events",
    "agreement_groups",
    "agreement_line_refs",
    "agreement_lines",
    "allowances",
    "coverage_statuses",
    "fault_taxonomies",
    "repair_histories",
    "repair_history_entries",
    "repair_lines",
    "suggested_resolutions",
    "suggestion_counts",
    "repair_stages",
    "service_object_events",
    "service_object_relations",
    "warranty_coverages",
    "warranty_statuses",
    "billable_items",
    "billable_transactions",
    "bom_lines",
    "decisions",
    "domain_events",
    "events_of",
    "fee_transactions",
    "generations",
    "ids",
    "invoice_lines",
    "invoice_proposals",
    "invoiced_items",
    "invoices",
    "item_requirements",
    "journal_entries",
    "margin_reports",
    "bar_charts",
    "invoice_documents",
    "report_columns",
    "report_tables",
    "report_views",
    "subscription_fee_reports",
    "subscription_transactions_reports",
    "timeline_charts",
    "timeline_markers",
    "timeline_spans",
    "new_agreement_lines",
    "new_lines",
    "order_events",
    "order_lines",
    "posting_plans",
    "reason_codes",
    "reason_log_entries",
    "service_agreements",
    "service_boms",
    "service_intervals",
    "service_level_agreements",
    "service_lines",
    "service_objects",
    "service_orders",
    "service_tasks",
    "sla_entries",
    "sla_explanations",
    "sla_measurements",
    "sla_targets",
    "schedules",
    "slots",
    "stages",
    "strategy_for",
    "subscription_fee_rows",
    "subscription_groups",
    "template_boms",
    "template_groups",
    "time_windows",
    "working_calendars",
    "work_descriptions",
    "work_receipts",
]

_T = TypeVar("_T")
_E = TypeVar("_E", bound=DomainEvent)
_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
_DAY = date(2026, 1, 5)
_GRAPH = EXAMPLE_STAGE_GRAPH
# The taxonomy the repair lines of drawn orders use: two areas of each kind, a code in
# each, and two repair stages, the second Finished.
_REPAIRS = FaultTaxonomy.from_dict(
    {
        "symptom_areas": [{"id": "SA-1"}, {"id": "SA-2"}],
        "symptom_codes": [{"area": "SA-1", "id": "SC-1"}, {"area": "SA-2", "id": "SC-2"}],
        "conditions": [{"id": "CO-1"}],
        "diagnosis_areas": [{"id": "DA-1"}, {"id": "DA-2"}],
        "diagnosis_codes": [{"area": "DA-1", "id": "DC-1"}, {"area": "DA-2", "id": "DC-2"}],
        "resolutions": [{"id": "RE-1"}, {"id": "RE-2"}],
        "repair_stages": [{"id": "RS-OPEN"}, {"id": "RS-DONE", "finished": True}],
    }
)


def ids(*, prefix: str = "") -> st.SearchStrategy[str]:
    """Short ids such as ``"SO-12"`` (``prefix`` first, when given)."""
    return st.from_regex(r"[A-Z]{1,3}-[0-9]{1,3}", fullmatch=True).map(lambda text: prefix + text)


def _texts() -> st.SearchStrategy[str]:
    return st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


def _prices() -> st.SearchStrategy[Money]:
    return st.integers(0, 50_000).map(lambda cents: Money(Decimal(cents).scaleb(-2), "EUR"))


def reason_codes() -> st.SearchStrategy[ReasonCode]:
    """Reason codes with a short description."""
    return st.builds(ReasonCode, ids(), _texts())


def service_tasks() -> st.SearchStrategy[ServiceTask]:
    """Service tasks with a short description."""
    return st.builds(ServiceTask, ids(prefix="TASK"), _texts())


def agreement_line_refs() -> st.SearchStrategy[AgreementLineRef]:
    """References to a line of an agreement."""
    return st.builds(AgreementLineRef, agreement_id=ids(prefix="SA"), line_number=st.integers(1, 9))


def item_requirements() -> st.SearchStrategy[ItemRequirement]:
    """Item requirements of a line (positive quantities)."""
    return st.builds(
        ItemRequirement,
        id=ids(prefix="IR"),
        item_id=ids(prefix="IT"),
        quantity=st.integers(1, 20).map(Decimal),
        required_date=st.none() | st.dates(date(2026, 1, 1), date(2027, 12, 31)),
        warehouse_id=st.none() | ids(prefix="WH"),
    )


def _cents(highest: int, currency: str) -> st.SearchStrategy[Money]:
    return st.integers(0, highest).map(lambda cents: Money(Decimal(cents).scaleb(-2), currency))


def new_lines(
    *, currency: str = "EUR", prices: st.SearchStrategy[Money] | None = None
) -> st.SearchStrategy[NewLine]:
    """Lines to add to an order: hours, items, expenses or fees with EUR prices.

    Args:
        currency: the currency of the default prices (cents up to 100.00 and 200.00).
        prices: the cost and sales prices instead (all in one currency: an order's
            lines share it).
    """

    def line(kind: TransactionType, quantity: int, cost: Money, sales: Money, day: date) -> NewLine:
        return NewLine(
            transaction_type=kind,
            quantity=Decimal(quantity).scaleb(-1),
            unit="h" if kind is TransactionType.HOUR else "pcs",
            cost_price=cost,
            sales_price=sales,
            execution_date=day,
        )

    return st.builds(
        line,
        st.sampled_from(TransactionType),
        st.integers(1, 100),
        _cents(10_000, currency) if prices is None else prices,
        _cents(20_000, currency) if prices is None else prices,
        st.dates(date(2026, 1, 1), date(2026, 3, 31)),
    )


def service_lines(*, currency: str = "EUR") -> st.SearchStrategy[ServiceLine]:
    """The fields order and agreement lines share (those of :func:`new_lines`)."""
    return new_lines(currency=currency).map(
        lambda line: ServiceLine(**{name: getattr(line, name) for name in SERVICE_LINE_FIELDS})
    )


def _apply(
    order: ServiceOrder, events: list[DomainEvent], operation: str, *args: Any, **kwargs: Any
) -> ServiceOrder:
    try:
        made, new_events = getattr(order, operation)(*args, **kwargs)
    except ServiceDomainError:  # refused in the drawn state: the step is not taken
        return order
    events.extend(new_events)
    result: ServiceOrder = made
    return result


@st.composite
def _order_histories(
    draw: st.DrawFn,
    *,
    max_lines: int = 4,
    max_steps: int = 6,
    prices: st.SearchStrategy[Money] | None = None,
) -> tuple[ServiceOrder, tuple[DomainEvent, ...]]:
    at = _START
    order_id = draw(ids(prefix="SO"))
    order, created = ServiceOrder.create(
        _GRAPH,
        id=order_id,
        customer_id=draw(ids(prefix="C")),
        at=at,
        description=draw(_texts()),
        object_relations=draw(_document_relations(RelationKind.ORDER, order_id)),
        service_tasks=tuple(draw(st.lists(service_tasks(), max_size=2, unique_by=_id))),
        lines=draw(st.lists(new_lines(prices=prices), max_size=max_lines)),
        sla_id=draw(st.none() | ids(prefix="SLA")),
    )
    events: list[DomainEvent] = list(created)
    stage_ids = [stage.id for stage in _GRAPH.stages]
    for _ in range(draw(st.integers(0, max_steps))):
        at += timedelta(minutes=draw(st.integers(1, 600)))
        choice = draw(st.integers(0, 9))
        if choice == 0:
            line = draw(new_lines(prices=prices))
            order = _apply(order, events, "add_line", _GRAPH, line, at=at)
        elif choice == 1:
            to, reason = draw(st.sampled_from(stage_ids)), draw(reason_codes())
            order = _apply(order, events, "change_stage", _GRAPH, to, at=at, reason=reason)
        elif choice == 2:
            order = _apply(
                order, events, "stop_sla", at=at, reason=draw(st.none() | reason_codes())
            )
        elif choice == 3:
            order = _apply(order, events, "start_sla", at=at)
        elif choice == 4 and order.lines:
            number, need = draw(st.sampled_from(order.line_numbers)), draw(item_requirements())
            order = _apply(order, events, "add_item_requirement", _GRAPH, number, need, at=at)
        elif choice == 5:
            relation = draw(service_object_relations(kind=RelationKind.ORDER, key=order.id))
            order = _apply(order, events, "relate_object", _GRAPH, relation, at=at)
        elif choice == 6:
            order = _apply(order, events, "sign_off", at=at)
        elif choice == 7 and order.object_relations:
            relation = draw(st.sampled_from(order.object_relations))
            codes = draw(_repair_codes())
            order = _apply(
                order,
                events,
                "add_repair_line",
                _GRAPH,
                _REPAIRS,
                relation_id=relation.id,
                at=at,
                technician_id=draw(st.none() | ids(prefix="W")),
                description=draw(_texts()),
                **codes,
            )
        elif choice == 8 and order.repair_lines:
            number = draw(st.sampled_from([line.number for line in order.repair_lines]))
            stage = draw(st.sampled_from(_REPAIRS.repair_stages)).id
            order = _apply(
                order, events, "move_repair_line", _GRAPH, _REPAIRS, number, stage, at=at
            )
        elif choice == 9 and order.repair_lines:
            number = draw(st.sampled_from([line.number for line in order.repair_lines]))
            order = _apply(order, events, "delete_repair_line", _GRAPH, number, at=at)
    return order, tuple(events)


def _repair_codes() -> st.SearchStrategy[dict[str, str | None]]:
    """Codes of :data:`_REPAIRS` for a repair line: each a code of its area, or none."""
    symptom = st.sampled_from([(None, None), ("SA-1", None), ("SA-1", "SC-1"), ("SA-2", "SC-2")])
    diagnosis = st.sampled_from([(None, None), ("DA-1", "DC-1"), ("DA-2", None), ("DA-2", "DC-2")])
    return st.builds(
        lambda sym, dia, condition, resolution, stage: {
            "symptom_area_id": sym[0],
            "symptom_code_id": sym[1],
            "diagnosis_area_id": dia[0],
            "diagnosis_code_id": dia[1],
            "condition_id": condition,
            "resolution_id": resolution,
            "stage_id": stage,
        },
        symptom,
        diagnosis,
        st.sampled_from([None, "CO-1"]),
        st.sampled_from([None, "RE-1", "RE-2"]),
        st.sampled_from([None, "RS-OPEN", "RS-DONE"]),
    )


@st.composite
def repair_lines(draw: st.DrawFn) -> RepairLine:
    """Repair lines with codes of one taxonomy, some finished (after they were created)."""
    created = draw(_aware())
    finished = draw(st.booleans())
    codes = draw(_repair_codes())
    # a finished line is in the Finished stage, and only then (law R5)
    codes["stage_id"] = "RS-DONE" if finished else draw(st.sampled_from([None, "RS-OPEN"]))
    return RepairLine(
        number=draw(st.integers(1, 20)),
        relation_id=draw(ids(prefix="REL")),
        technician_id=draw(st.none() | ids(prefix="W")),
        description=draw(_texts()),
        note=draw(_texts()),
        created_at=created,
        finished_at=created + timedelta(minutes=draw(st.integers(0, 10_000))) if finished else None,
        **codes,
    )


def _id(value: Any) -> Any:
    return value.id


def service_orders(
    *, max_lines: int = 4, max_steps: int = 6, prices: st.SearchStrategy[Money] | None = None
) -> st.SearchStrategy[ServiceOrder]:
    """Service orders with lines, a reason log, an SLA log and item requirements.

    Each is created on :data:`~servicedomain.stages.EXAMPLE_STAGE_GRAPH` and then goes
    through up to ``max_steps`` random operations (add a line, change stage, stop or
    start the SLA clock, add an item requirement, relate an object, sign off, add a
    repair line on one of its relations, move one to a repair stage, delete one). The
    lines' prices are EUR cents, or drawn from ``prices`` (one currency).
    """
    histories = _order_histories(max_lines=max_lines, max_steps=max_steps, prices=prices)
    return histories.map(lambda pair: pair[0])


def order_events(
    *, max_steps: int = 6, prices: st.SearchStrategy[Money] | None = None
) -> st.SearchStrategy[DomainEvent]:
    """Events a service order emits along a random history (prices as in :func:`service_orders`)."""
    return (
        _order_histories(max_steps=max_steps, prices=prices)
        .filter(lambda pair: bool(pair[1]))
        .flatmap(lambda pair: st.sampled_from(pair[1]))
    )


def order_lines() -> st.SearchStrategy[ServiceOrderLine]:
    """Lines of service orders, in any state an order's history gives them."""
    return (
        service_orders()
        .filter(lambda order: bool(order.lines))
        .flatmap(lambda order: st.sampled_from(order.lines))
    )


def reason_log_entries() -> st.SearchStrategy[ReasonLogEntry]:
    """Entries of an order's reason log."""
    return (
        service_orders(max_steps=8)
        .filter(lambda order: bool(order.reason_log))
        .flatmap(lambda order: st.sampled_from(order.reason_log))
    )


def sla_entries() -> st.SearchStrategy[SlaEntry]:
    """Entries of an order's SLA log (stage changes, stops, starts)."""
    return st.one_of(
        st.builds(SlaEntry.stop, _aware(), st.none() | reason_codes()),
        st.builds(SlaEntry.cancel, _aware(), st.none() | reason_codes()),
        st.builds(SlaEntry.stage, _aware(), ids(), stops_clock=st.booleans()),
    )


def _aware() -> st.SearchStrategy[datetime]:
    return st.integers(0, 10**8).map(lambda seconds: _START + timedelta(seconds=seconds))


def decisions() -> st.SearchStrategy[Decision]:
    """What the stage graph allows an order in its stage."""
    return service_orders().map(lambda order: order.decision(_GRAPH))


@st.composite
def posting_plans(
    draw: st.DrawFn, *, max_lines: int = 4, prices: st.SearchStrategy[Money] | None = None
) -> PostingPlan:
    """Posting plans of completed, signed-off orders over the first quarter of 2026.

    The lines' prices as in :func:`service_orders`.
    """
    order = draw(service_orders(max_lines=max_lines, max_steps=0, prices=prices))
    at = _START
    for stage in ("PLANNED", "IN_PROCESS", "COMPLETED"):
        at += timedelta(hours=1)
        order, _ = order.change_stage(_GRAPH, stage, at=at)
    if len(order.lines) > 0 and draw(st.booleans()):
        order, _ = order.sign_off(at=at + timedelta(hours=1))
    period = DateRange(date(2026, 1, 1), date(2026, 4, 1))
    return order.plan_posting(_GRAPH, period=period, types=set(TransactionType))


def journal_entries(
    *, prices: st.SearchStrategy[Money] | None = None
) -> st.SearchStrategy[JournalEntry]:
    """Journal entries of posting plans (prices as in :func:`service_orders`)."""
    return (
        posting_plans(prices=prices)
        .filter(lambda plan: bool(plan.entries))
        .flatmap(lambda plan: st.sampled_from(plan.entries))
    )


# --------------------------------------------------------------------------- calendars, SLAs


def slots() -> st.SearchStrategy[Slot]:
    """Opening slots within a day, on whole quarter hours."""
    return (
        st.tuples(st.integers(0, 94), st.integers(1, 96))
        .filter(lambda pair: pair[0] < pair[1])
        .map(lambda pair: Slot(_quarter(pair[0]), _quarter(pair[1])))
    )


def _quarter(index: int) -> time:
    return time(23, 59, 59, 999_999) if index == 96 else time(index // 4, index % 4 * 15)


@st.composite
def working_calendars(draw: st.DrawFn, *, max_holidays: int = 4) -> WorkingCalendar:
    """Working calendars: a zone, weekly slots, holidays and exception days."""

    def day_slots() -> st.SearchStrategy[tuple[Slot, ...]]:
        return st.sampled_from(
            [(), (Slot(time(8), time(12)), Slot(time(13), time(17))), (Slot(time(9), time(18)),)]
        )

    days = st.dates(date(2026, 1, 1), date(2026, 12, 31))
    return WorkingCalendar(
        id=draw(st.sampled_from(["", "FR", "SE"])),
        zone=draw(st.sampled_from(["UTC", "Europe/Paris", "America/New_York"])),
        weekly=[(Slot(time(8), time(16)),), *(draw(day_slots()) for _ in range(6))],
        holidays=frozenset(draw(st.lists(days, max_size=max_holidays))),
        exceptions={day: draw(day_slots()) for day in draw(st.lists(days, max_size=2))},
    )


def allowances() -> st.SearchStrategy[Allowance]:
    """Non-zero SLA allowances in days, hours and minutes."""
    return (
        st.tuples(st.integers(0, 5), st.integers(0, 23), st.integers(0, 59))
        .filter(any)
        .map(lambda parts: Allowance(days=parts[0], hours=parts[1], minutes=parts[2]))
    )


def sla_targets() -> st.SearchStrategy[SlaTargets]:
    """A resolution target and maybe a response target."""
    return st.builds(SlaTargets, response=st.none() | allowances(), resolution=allowances())


def service_level_agreements() -> st.SearchStrategy[ServiceLevelAgreement]:
    """SLA definitions, with or without a calendar and per-priority targets."""
    from servicedomain.sla import MeasurementMode  # noqa: PLC0415

    return st.builds(
        ServiceLevelAgreement,
        id=ids(prefix="SLA"),
        description=_texts(),
        targets=sla_targets(),
        per_priority=st.dictionaries(st.sampled_from(Priority), sla_targets(), max_size=2),
        calendar=st.none() | working_calendars(),
        suspended=st.booleans(),
        mode=st.sampled_from(MeasurementMode),
        at_risk_share=st.integers(1, 99).map(lambda n: Decimal(n).scaleb(-2)),
    )


@st.composite
def sla_measurements(draw: st.DrawFn, *, max_minutes: int = 10_000) -> SlaMeasurement:
    """Measurements of orders' SLA logs against their SLA, up to ``max_minutes`` later."""
    order = draw(service_orders(max_steps=8).filter(lambda made: made.sla_id is not None))
    sla = attrs.evolve(draw(service_level_agreements()), id=order.sla_id or "SLA")
    target = SlaTarget.RESOLUTION
    if sla.targets.response is not None and draw(st.booleans()):
        target = SlaTarget.RESPONSE
    last = order.last_recorded_at or _START
    later = last + timedelta(minutes=draw(st.integers(0, max_minutes)))
    return order.measure_sla(sla, now=later, target=target)


def segments() -> st.SearchStrategy[Segment]:
    """Segments of SLA timelines."""
    return (
        sla_measurements()
        .filter(lambda found: bool(found.timeline))
        .flatmap(lambda found: st.sampled_from(found.timeline))
    )


def sla_parameters() -> st.SearchStrategy[SlaParameters]:
    """Whether exceeding or canceling an SLA needs a reason."""
    return st.builds(
        SlaParameters, reason_on_exceeding=st.booleans(), reason_on_canceling=st.booleans()
    )


# --------------------------------------------------------------------------- agreements


def agreement_groups() -> st.SearchStrategy[AgreementGroup]:
    """Agreement groups, some with a default SLA."""
    return st.builds(AgreementGroup, ids(prefix="G"), _texts(), st.none() | ids(prefix="SLA"))


def service_intervals() -> st.SearchStrategy[ServiceInterval]:
    """Service intervals: every 1 to 4 days, weeks, months or years."""
    return st.builds(ServiceInterval, st.sampled_from(IntervalUnit), st.integers(1, 4))


def time_windows() -> st.SearchStrategy[TimeWindow]:
    """Time windows around a service date."""
    days = st.builds(TimeWindow, st.just(WindowKind.DAYS), st.integers(0, 5), st.integers(0, 5))
    return days | st.sampled_from(WindowKind).map(TimeWindow)


def new_agreement_lines(
    *, prices: st.SearchStrategy[Money] | None = None
) -> st.SearchStrategy[NewAgreementLine]:
    """Agreement lines to add: a transaction every interval from a start date.

    Their prices are EUR cents up to 500.00, or drawn from ``prices`` (one currency).
    """
    return st.builds(
        NewAgreementLine,
        transaction_type=st.sampled_from(TransactionType),
        quantity=st.integers(1, 8).map(Decimal),
        cost_price=_prices() if prices is None else prices,
        sales_price=_prices() if prices is None else prices,
        interval=st.none() | service_intervals(),
        time_window=st.none() | time_windows(),
        start_date=st.dates(date(2026, 1, 1), date(2026, 3, 31)),
        end_date=st.none() | st.dates(date(2026, 4, 1), date(2027, 3, 31)),
        preferred_time=st.none() | st.sampled_from([time(8), time(13, 30)]),
    )


@st.composite
def _agreement_histories(
    draw: st.DrawFn, *, max_lines: int = 3, prices: st.SearchStrategy[Money] | None = None
) -> tuple[ServiceAgreement, tuple[DomainEvent, ...]]:
    agreement_id = draw(ids(prefix="SA"))
    agreement, events = ServiceAgreement.create(
        id=agreement_id,
        customer_id=draw(ids(prefix="C")),
        group=draw(agreement_groups()),
        start_date=date(2026, 1, 1),
        at=_START,
        description=draw(_texts()),
        end_date=draw(st.none() | st.dates(date(2026, 6, 1), date(2027, 12, 31))),
        suspended=draw(st.booleans()),
        object_relations=draw(_document_relations(RelationKind.AGREEMENT, agreement_id)),
        lines=draw(st.lists(new_agreement_lines(prices=prices), max_size=max_lines)),
    )
    history = list(events)
    if len(agreement.lines) > 0 and draw(st.booleans()):
        number = draw(st.sampled_from([line.number for line in agreement.lines]))
        try:
            agreement, stopped = agreement.stop_line(number, at=_START + timedelta(hours=1))
        except ServiceDomainError:
            stopped = ()
        history.extend(stopped)
    return agreement, tuple(history)


def service_agreements(
    *, max_lines: int = 3, prices: st.SearchStrategy[Money] | None = None
) -> st.SearchStrategy[ServiceAgreement]:
    """Service agreements with lines, objects and maybe a stopped line.

    The lines' prices are EUR cents, or drawn from ``prices`` (one currency).
    """
    return _agreement_histories(max_lines=max_lines, prices=prices).map(lambda pair: pair[0])


def agreement_lines() -> st.SearchStrategy[AgreementLine]:
    """Lines of service agreements."""
    return (
        service_agreements()
        .filter(lambda agreement: bool(agreement.lines))
        .flatmap(lambda agreement: st.sampled_from(agreement.lines))
    )


def agreement_events(
    *, prices: st.SearchStrategy[Money] | None = None
) -> st.SearchStrategy[DomainEvent]:
    """Events an agreement emits when created and changed.

    The lines' prices as in :func:`service_agreements`.
    """
    return _agreement_histories(prices=prices).flatmap(lambda pair: st.sampled_from(pair[1]))


def domain_events() -> st.SearchStrategy[DomainEvent]:
    """Events of orders and agreements: from random histories, or any event class."""
    return order_events() | agreement_events() | st.sampled_from(_EVENT_CLASSES).flatmap(events_of)


def events_of(cls: type[_E]) -> st.SearchStrategy[_E]:
    """Events of one class, each field drawn from its type (ids for ids)."""
    hints = typing.get_type_hints(cls)
    fields = {
        field.name: _field_values(hints[field.name]) for field in attrs.fields(cls) if field.init
    }
    return (
        st.fixed_dictionaries(fields)
        .map(lambda values: _build_or_reject(cls, **values))
        .filter(lambda made: made is not None)  # type: ignore[return-value]
    )


def _build_or_reject(cls: Callable[..., _T], *args: Any, **values: Any) -> _T | None:
    try:
        return cls(*args, **values)
    except ServiceDomainError:  # a combination the constructor refuses
        return None


def _field_values(hint: Any) -> st.SearchStrategy[Any]:  # noqa: PLR0911 (one per kind)
    if hint is str:
        return ids()
    if hint is datetime:
        return _aware()
    if hint is int:
        return st.integers(1, 9)
    if hint is timedelta:  # a travel time, a duration: whole minutes, >= 0
        return st.integers(0, 600).map(lambda minutes: timedelta(minutes=minutes))
    if typing.get_origin(hint) is frozenset:  # a set of ids (territories, members)
        return st.frozensets(_field_values(typing.get_args(hint)[0]), max_size=3)
    if hint is Decimal:  # what the domain puts in an event: finite, in the supported range
        return st.integers(-(10**8), 10**8).map(lambda n: Decimal(n).scaleb(-4))
    if typing.get_origin(hint) is tuple:
        members = typing.get_args(hint)
        if len(members) != 2 or members[1] is not ...:
            return st.tuples(*(_field_values(member) for member in members))
        return st.lists(_field_values(members[0]), max_size=3, unique=True).map(
            lambda items: tuple(sorted(items)) if members[0] in (int, str) else tuple(items)
        )
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        return st.one_of([_field_values(member) for member in typing.get_args(hint)])
    if hint is type(None):
        return st.none()
    return st.from_type(hint)


def generations() -> st.SearchStrategy[Generation]:
    """Service orders generated from agreements over the first quarter of 2026."""
    period = DateRange(date(2026, 1, 1), date(2026, 4, 1))
    return st.lists(service_agreements(), max_size=2, unique_by=_id).map(
        lambda agreements: generate_service_orders(
            agreements, _GRAPH, period=period, types=set(TransactionType), at=_START
        )
    )


def generated_order_keys() -> st.SearchStrategy[GeneratedOrderKey]:
    """The keys of generated orders."""
    return (
        generations()
        .filter(lambda made: bool(made.keys))
        .flatmap(lambda made: st.sampled_from(made.keys))
    )


def template_groups() -> st.SearchStrategy[TemplateGroups]:
    """Template group trees of one root and up to three children."""
    return st.integers(0, 3).map(
        lambda count: TemplateGroups(
            (
                TemplateGroup("ROOT"),
                *(TemplateGroup(f"G{k}", parent_id="ROOT") for k in range(count)),
            )
        )
    )


def template_group_values() -> st.SearchStrategy[TemplateGroup]:
    """Template groups."""
    fields = st.tuples(ids(prefix="TG"), _texts(), st.none() | ids(prefix="TG"))
    return fields.filter(lambda drawn: drawn[2] != drawn[0]).map(
        lambda drawn: TemplateGroup(*drawn)  # never its own parent
    )


def service_templates() -> st.SearchStrategy[ServiceTemplate]:
    """Service templates with lines, objects and tasks."""
    return st.builds(
        ServiceTemplate,
        id=ids(prefix="TPL"),
        description=_texts(),
        group_id=ids(prefix="TG"),
        lines=service_agreements(max_lines=2).map(lambda agreement: agreement.lines),
        service_object_ids=st.lists(ids(prefix="OBJ"), max_size=2, unique=True).map(tuple),
    )


# --------------------------------------------------------------------------- billing


@st.composite
def subscription_groups(draw: st.DrawFn) -> SubscriptionGroup:
    """Subscription groups of any of the five invoicing period codes.

    Maybe an allowed accrual period code; any accrual method, rounding period, reversal.
    """
    invoicing = draw(st.sampled_from([YEARLY, QUARTERLY, MONTHLY, WEEKLY, DAILY]))
    allowed = allowed_accrual_period_codes(invoicing)
    return SubscriptionGroup(
        id=draw(ids(prefix="SG")),
        name=draw(_texts()),
        invoicing_period_code=invoicing,
        accrual_period_code=draw(st.none() | st.sampled_from(allowed)),
        accrue_revenue=draw(st.booleans()),
        accrual_method=draw(st.sampled_from(AccrualMethod)),
        rounding_period=draw(st.sampled_from(RoundingPeriod)),
        reversal=draw(st.sampled_from(ReversalMode)),
    )


def indexed_prices() -> st.SearchStrategy[IndexedPrice]:
    """A base price with an index factor."""
    return st.builds(IndexedPrice, _prices(), st.integers(50, 200).map(lambda n: Decimal(n) / 100))


def price_changes() -> st.SearchStrategy[PriceChange]:
    """Price changes of a subscription."""
    return st.builds(
        PriceChange,
        effective_date=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
        base_price=_prices(),
        index=st.integers(50, 200).map(lambda n: Decimal(n) / 100),
    )


def price_entries() -> st.SearchStrategy[PriceEntry]:
    """Entries of a price table."""
    return st.builds(
        PriceEntry,
        effective_date=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
        category_id=st.none() | ids(prefix="CAT"),
        project_id=st.none() | ids(prefix="P"),
        subscription_id=st.none() | ids(prefix="SUB"),
        period_code=st.sampled_from(
            [PeriodCode(PeriodUnit.MONTH, 1), PeriodCode(PeriodUnit.YEAR, 1)]
        ),
        price=_prices(),
    )


def fee_transactions() -> st.SearchStrategy[FeeTransaction]:
    """Fees that generate_fees gives for random subscriptions."""
    return _fees().filter(bool).flatmap(st.sampled_from)


def _fees() -> st.SearchStrategy[tuple[FeeTransaction, ...]]:
    return subscriptions().map(
        lambda subscription: generate_fees(
            subscription, as_of=subscription.start_date + timedelta(days=90)
        )
    )


def billable_transactions() -> st.SearchStrategy[BillableTransaction]:
    """Posted service-order transactions to invoice."""
    return st.builds(
        lambda quantity, price, **fields: BillableTransaction(
            quantity=Decimal(quantity),
            sales_price=price,
            amount=Money(price.amount * quantity, price.currency),
            **fields,
        ),
        st.integers(1, 10),
        _prices(),
        id=ids(prefix="TX"),
        customer_id=ids(prefix="C"),
        order_id=ids(prefix="SO"),
        line_number=st.integers(1, 9),
        transaction_date=st.dates(date(2026, 1, 1), date(2026, 12, 31)),
    )


def invoice_proposals() -> st.SearchStrategy[InvoiceProposal]:
    """Invoice proposals of fees and service-order transactions."""
    return (
        st.builds(
            lambda fees, transactions: propose_invoices(
                due_by=date(2030, 1, 1), fees=fees, transactions=transactions
            ),
            _fees(),
            st.lists(billable_transactions(), max_size=3, unique_by=_id),
        )
        .filter(bool)
        .flatmap(st.sampled_from)
    )


def invoices() -> st.SearchStrategy[Invoice]:
    """Invoices (and credit notes, for negative totals) posted from proposals."""
    return st.builds(
        lambda proposal, number: proposal.post(invoice_id=f"INV-{number}", invoice_date=_DAY),
        invoice_proposals(),
        st.integers(1, 999),
    )


def invoice_lines() -> st.SearchStrategy[InvoiceLine]:
    """Lines of invoices."""
    return invoices().flatmap(lambda invoice: st.sampled_from(invoice.lines))


def invoiced_items() -> st.SearchStrategy[InvoicedItem]:
    """What recording an invoice says of each source it billed."""
    return (
        invoices()
        .map(lambda invoice: record_document({}, invoice))
        .flatmap(
            lambda recorded: st.sampled_from(
                sorted(recorded.values(), key=lambda item: item.line.source_id)
            )
        )
    )


def accrual_policies() -> st.SearchStrategy[AccrualPolicy]:
    """Monthly or quarterly accrual policies."""
    return st.builds(
        AccrualPolicy,
        period_code=st.sampled_from(
            [PeriodCode(PeriodUnit.MONTH, 1), PeriodCode(PeriodUnit.MONTH, 3)]
        ),
    )


def accrual_periods_of_fees() -> st.SearchStrategy[tuple[AccrualPeriod, ...]]:
    """The accrual periods of a fee under an accrual policy."""
    return st.builds(
        lambda fee, policy: accrual_periods(
            source_id=fee.id, amount=fee.amount, service_period=fee.period, policy=policy
        ),
        fee_transactions(),
        accrual_policies(),
    )


def accrual_period_values() -> st.SearchStrategy[AccrualPeriod]:
    """Accrual periods, some already accrued."""
    return _accrued().flatmap(lambda pair: st.sampled_from(pair[0]))


def _accrued() -> st.SearchStrategy[tuple[tuple[AccrualPeriod, ...], tuple[AccrualEntry, ...]]]:
    return (
        accrual_periods_of_fees()
        .filter(bool)
        .map(
            lambda periods: accrue(
                periods, through=periods[-1].period.last, posting_date=periods[-1].period.end
            )
        )
    )


def accrual_entries() -> st.SearchStrategy[AccrualEntry]:
    """Accrual journal entries."""
    return (
        _accrued().filter(lambda pair: bool(pair[1])).flatmap(lambda pair: st.sampled_from(pair[1]))
    )


# --------------------------------------------------------------------------- reports


def margin_reports() -> st.SearchStrategy[MarginReport]:
    """Margin reports of a few orders."""
    return st.lists(service_orders(), max_size=3, unique_by=_id).map(margin_report)


def margin_rows() -> st.SearchStrategy[MarginRow]:
    """Rows of margin reports."""
    return (
        margin_reports()
        .filter(lambda report: bool(report.rows))
        .flatmap(lambda report: st.sampled_from(report.rows))
    )


def work_descriptions() -> st.SearchStrategy[WorkDescription]:
    """Work descriptions of orders."""
    return service_orders().map(work_description)


def work_receipts() -> st.SearchStrategy[WorkReceipt]:
    """Work receipts of orders."""
    return service_orders().map(work_receipt)


def work_document_lines() -> st.SearchStrategy[WorkDocumentLine]:
    """Lines of work descriptions."""
    return (
        work_descriptions()
        .filter(lambda found: bool(found.lines))
        .flatmap(lambda found: st.sampled_from(found.lines))
    )


def work_document_repairs() -> st.SearchStrategy[WorkDocumentRepair]:
    """Repair lines of work descriptions and receipts (of orders with repair lines)."""
    return (
        st.one_of(work_descriptions(), work_receipts())
        .filter(lambda found: bool(found.repairs))
        .flatmap(lambda found: st.sampled_from(found.repairs))
    )


@st.composite
def repair_histories(draw: st.DrawFn) -> RepairHistory:
    """Repair histories: an object, a few orders (relating it), a service BOM of it.

    The object is the object of a repair line's relation when the orders have one (so
    its repair lines are repair steps), else of a relation; the BOM's history is a
    drawn service BOM's, put on the object.
    """
    orders = draw(st.lists(service_orders(max_steps=12), min_size=1, max_size=3, unique_by=_id))
    repaired = [
        order.relation(line.relation_id).object_id
        for order in orders
        for line in order.repair_lines
    ]
    related = [relation.object_id for order in orders for relation in order.object_relations]
    known = repaired or related
    object_id = draw(st.sampled_from(known)) if known else draw(ids(prefix="OBJ"))
    obj, _ = ServiceObject.create(
        id=object_id,
        group_id=draw(ids(prefix="GRP")),
        at=_START,
        description=draw(_texts()),
        item_id=draw(st.none() | ids(prefix="IT")),
        serial_number=draw(st.none() | ids(prefix="SN")),
    )
    boms = [
        attrs.evolve(bom, service_object_id=object_id)
        for bom in draw(st.lists(service_boms(max_changes=6), max_size=1))
    ]
    zone = draw(st.sampled_from(("UTC", "Europe/Stockholm")))
    return repair_history(obj, orders, boms, zone=zone)


def repair_history_entries() -> st.SearchStrategy[RepairHistoryEntry]:
    """Entries of repair histories: repair steps and BOM changes."""
    return (
        repair_histories()
        .filter(lambda found: bool(found.entries))
        .flatmap(lambda found: st.sampled_from(found.entries))
    )


def _fee_reports(report: Callable[..., tuple[_T, ...]]) -> st.SearchStrategy[_T]:
    return (
        _fees()
        .filter(bool)
        .map(lambda fees: report(fees, {}, ()))
        .filter(bool)
        .flatmap(st.sampled_from)
    )


def subscription_fee_rows() -> st.SearchStrategy[SubscriptionFeeRow]:
    """Rows of the subscription fee summary."""
    return _fee_reports(subscription_fee_summary)


def subscription_transaction_rows() -> st.SearchStrategy[SubscriptionTransactionRow]:
    """Rows of the subscription transactions report."""
    return _fee_reports(subscription_transactions)


def subscription_fee_reports() -> st.SearchStrategy[SubscriptionFeeReport]:
    """Fee summary reports of a subscription's fees."""
    return _fees().map(lambda fees: SubscriptionFeeReport(subscription_fee_summary(fees, {}, ())))


def subscription_transactions_reports() -> st.SearchStrategy[SubscriptionTransactionsReport]:
    """Transaction reports of a subscription's fees."""
    return _fees().map(
        lambda fees: SubscriptionTransactionsReport(subscription_transactions(fees, {}, ()))
    )


def invoice_documents() -> st.SearchStrategy[InvoiceDocument]:
    """Documents of posted invoices and credit notes."""
    return invoices().map(invoice_document)


@st.composite
def sla_explanations(draw: st.DrawFn) -> SlaExplanation:
    """SLA explanation reports of measurements, shown in a zone."""
    measured = draw(sla_measurements())
    last = measured.timeline[-1].end if measured.timeline else _START
    return sla_explanation(
        order_id=draw(ids(prefix="SO-")),
        sla_id=draw(ids(prefix="SLA-")),
        measurement=measured,
        at=last,
        zone=draw(st.sampled_from(("UTC", "Europe/Stockholm", "America/New_York"))),
        target=draw(st.sampled_from(SlaTarget)),
    )


@st.composite
def dispatch_board_reports(draw: st.DrawFn) -> DispatchBoardReport:
    """Dispatch board reports of drawn boards, shown in a zone."""
    return dispatch_board_report(
        draw(dispatch_boards()),
        zone=draw(st.sampled_from(("UTC", "Europe/Stockholm", "America/New_York"))),
    )


def gantt_charts() -> st.SearchStrategy[GanttChart]:
    """Gantt charts of dispatch board reports (a row per technician, a bar per booking)."""
    return dispatch_board_reports().map(DispatchBoardReport.gantt)


def gantt_rows() -> st.SearchStrategy[GanttRow]:
    """Rows of Gantt charts (a technician with its bars)."""
    return st.builds(
        lambda bars, key: GanttRow(key=key, label=key, note="", bars=bars),
        st.lists(gantt_bars(), max_size=3),
        st.sampled_from(_TECHNICIANS),
    )


def gantt_bars() -> st.SearchStrategy[GanttBar]:
    """Bars of Gantt charts: a board bar's times, colour, status and locks."""
    return board_bars().map(
        lambda bar: GanttBar(
            key=bar.booking_id,
            label=bar.order_id,
            start=bar.start,
            end=bar.end,
            lead=bar.travel,
            color=bar.color,
            status=bar.status.value,
            locked=bar.locked,
        )
    )


def report_views() -> st.SearchStrategy[ReportView]:
    """The data models of every kind of report."""
    return st.one_of(
        margin_reports().map(MarginReport.view),
        work_descriptions().map(lambda found: found.view()),
        work_receipts().map(lambda found: found.view()),
        subscription_fee_reports().map(SubscriptionFeeReport.view),
        subscription_transactions_reports().map(SubscriptionTransactionsReport.view),
        invoice_documents().map(InvoiceDocument.view),
        sla_explanations().map(SlaExplanation.view),
        dispatch_board_reports().map(DispatchBoardReport.view),
    )


def report_tables() -> st.SearchStrategy[ReportTable]:
    """Tables of reports."""
    return report_views().flatmap(lambda view: st.sampled_from(view.tables))


def report_columns() -> st.SearchStrategy[ReportColumn]:
    """Columns of report tables."""
    return report_tables().flatmap(lambda table: st.sampled_from(table.columns))


def bar_charts() -> st.SearchStrategy[BarChart]:
    """Bar charts of margin reports (one per currency and grouping)."""
    return (
        margin_reports()
        .map(MarginReport.view)
        .filter(lambda view: bool(view.charts))
        .flatmap(lambda view: st.sampled_from(view.charts))
    )


# ------------------------------------------------------------- timeline charts
def timeline_charts() -> st.SearchStrategy[TimelineChart]:
    """Timeline charts of SLA explanations (their segments, deadline, instant measured)."""
    return (
        sla_explanations()
        .map(SlaExplanation.view)
        .filter(lambda view: bool(view.timelines))
        .map(lambda view: view.timelines[0])
    )


def timeline_spans() -> st.SearchStrategy[TimelineSpan]:
    """Spans of SLA timeline charts."""
    return timeline_charts().flatmap(lambda chart: st.sampled_from(chart.spans))


def timeline_markers() -> st.SearchStrategy[TimelineMarker]:
    """Markers of SLA timeline charts (the instant measured, the deadline)."""
    return timeline_charts().flatmap(lambda chart: st.sampled_from(chart.markers))


# ------------------------------------------------------------- (end of timeline charts)


def schedules() -> st.SearchStrategy[Schedule]:
    """Billing schedules: a period code, an anchor date and an alignment."""
    return st.builds(
        _build_or_reject,
        st.just(Schedule),
        period_codes(),
        st.dates(date(2020, 1, 1), date(2030, 12, 31)),
        st.sampled_from(Alignment),
    ).filter(lambda made: made is not None)  # type: ignore[return-value]


def stages() -> st.SearchStrategy[Stage]:
    """Stages of random stage graphs."""
    return stage_graphs().flatmap(lambda graph: st.sampled_from(graph.stages))


# --------------------------------------------------------------------------- repairs
# The fault taxonomy, service objects and their warranty (issue 16).


def _described(cls: Callable[..., _T], prefix: str) -> st.SearchStrategy[_T]:
    return st.builds(cls, ids(prefix=prefix), _texts())


def _coded(cls: Callable[..., _T], areas: list[str]) -> st.SearchStrategy[list[_T]]:
    if not areas:
        return st.just([])
    pairs = st.tuples(st.sampled_from(areas), ids(prefix="C"))
    return (
        st.lists(pairs, max_size=4, unique=True)
        .flatmap(
            lambda keys: st.tuples(
                *(st.builds(cls, st.just(a), st.just(c), _texts()) for a, c in keys)
            )
        )
        .map(list)
    )


def repair_stages() -> st.SearchStrategy[RepairStage]:
    """Repair stages, some of them Finished."""
    return st.builds(RepairStage, ids(prefix="RS"), _texts(), st.booleans())


@st.composite
def fault_taxonomies(draw: st.DrawFn, *, max_items: int = 3) -> FaultTaxonomy:
    """Fault taxonomies: every code in an area of the taxonomy, every id once."""

    def some(cls: Callable[..., _T], prefix: str) -> list[_T]:
        return draw(st.lists(_described(cls, prefix), max_size=max_items, unique_by=_id))

    symptom_areas = some(SymptomArea, "SA")
    diagnosis_areas = some(DiagnosisArea, "DA")
    return FaultTaxonomy(
        symptom_areas=tuple(symptom_areas),
        symptom_codes=tuple(draw(_coded(SymptomCode, [a.id for a in symptom_areas]))),
        conditions=tuple(some(Condition, "CO")),
        diagnosis_areas=tuple(diagnosis_areas),
        diagnosis_codes=tuple(draw(_coded(DiagnosisCode, [a.id for a in diagnosis_areas]))),
        resolutions=tuple(some(Resolution, "RE")),
        repair_stages=tuple(draw(st.lists(repair_stages(), max_size=max_items, unique_by=_id))),
    )


def _taxonomy_items(name: str) -> st.SearchStrategy[Any]:
    return (
        fault_taxonomies()
        .filter(lambda t: bool(getattr(t, name)))
        .flatmap(lambda t: st.sampled_from(getattr(t, name)))
    )


def warranty_coverages() -> st.SearchStrategy[WarrantyCoverage]:
    """Warranty coverages of any kind over a range of up to two years."""
    days = date_ranges(min_value=date(2020, 1, 1), max_value=date(2031, 1, 1), max_days=730)
    return st.builds(WarrantyCoverage, st.sampled_from(CoverageKind), days)


def service_object_relations(
    *,
    object_id: str | None = None,
    kind: RelationKind | None = None,
    key: str | None = None,
) -> st.SearchStrategy[ServiceObjectRelation]:
    """Relations of an object (``object_id``, else any) to an agreement or an order.

    ``kind`` and ``key`` fix what the relations attach the object to (else any).
    """
    return st.builds(
        ServiceObjectRelation,
        ids(prefix="REL"),
        st.just(object_id) if object_id is not None else ids(prefix="OBJ"),
        st.just(kind) if kind is not None else st.sampled_from(RelationKind),
        st.just(key) if key is not None else ids(),
        st.none() | ids(prefix="BOM"),
    )


def _document_relations(
    kind: RelationKind, key: str
) -> st.SearchStrategy[tuple[ServiceObjectRelation, ...]]:
    """Relations of one agreement or order: unique ids, one per object."""
    return st.lists(
        service_object_relations(kind=kind, key=key),
        max_size=2,
        unique_by=(_id, lambda relation: relation.object_id),
    ).map(tuple)


@st.composite
def _service_object_histories(
    draw: st.DrawFn, *, max_steps: int = 4
) -> tuple[ServiceObject, tuple[DomainEvent, ...]]:
    coverage = draw(st.lists(warranty_coverages(), max_size=2, unique_by=lambda c: c.kind))
    obj, events = ServiceObject.create(
        id=draw(ids(prefix="OBJ")),
        group_id=draw(ids(prefix="GRP")),
        at=_START,
        description=draw(_texts()),
        item_id=draw(st.none() | ids(prefix="IT")),
        serial_number=draw(st.none() | ids(prefix="SN")),
        template_bom_id=draw(st.none() | ids(prefix="BOM")),
        coverage=coverage,
    )
    history = list(events)
    at = _START
    for _ in range(draw(st.integers(0, max_steps))):
        at += timedelta(minutes=draw(st.integers(0, 600)))
        step = draw(st.sampled_from(("relate", "unrelate", "coverage", "template")))
        try:
            if step == "relate":
                relation = draw(service_object_relations(object_id=obj.id))
                obj, made = obj.relate(
                    relation_id=relation.id,
                    kind=relation.kind,
                    key=relation.key,
                    template_bom_id=relation.template_bom_id,
                    at=at,
                )
            elif step == "unrelate" and obj.relations:
                relation_id = draw(st.sampled_from(obj.relations)).id
                obj, made = obj.unrelate(relation_id, at=at)
            elif step == "coverage":
                kind = draw(st.sampled_from(CoverageKind))
                period = draw(st.none() | warranty_coverages().map(lambda c: c.period))
                obj, made = obj.change_coverage(kind, period, at=at)
            else:
                obj, made = obj.assign_template_bom(draw(st.none() | ids(prefix="BOM")), at=at)
        except ServiceDomainError:  # refused for this state (a relation id reused)
            continue
        history.extend(made)
    return obj, tuple(history)


def service_objects() -> st.SearchStrategy[ServiceObject]:
    """Service objects built by their operations: coverage, relations, template BOM."""
    return _service_object_histories().map(lambda pair: pair[0])


def service_object_events() -> st.SearchStrategy[DomainEvent]:
    """Events a service object emits when created and changed."""
    return _service_object_histories().flatmap(lambda pair: st.sampled_from(pair[1]))


def warranty_statuses() -> st.SearchStrategy[WarrantyStatus]:
    """The warranty of a service object on a day in or around its coverage."""
    days = st.dates(date(2019, 6, 1), date(2031, 6, 1))
    return st.builds(lambda obj, on: warranty_status(obj, on=on), service_objects(), days)


def coverage_statuses() -> st.SearchStrategy[CoverageStatus]:
    """The status of one coverage kind of a warranty."""
    return warranty_statuses().flatmap(lambda status: st.sampled_from(status.coverage))


_REPAIR_STRATEGIES: dict[type[Any], Callable[[], st.SearchStrategy[Any]]] = {
    SymptomArea: lambda: _taxonomy_items("symptom_areas"),
    SymptomCode: lambda: _taxonomy_items("symptom_codes"),
    Condition: lambda: _taxonomy_items("conditions"),
    DiagnosisArea: lambda: _taxonomy_items("diagnosis_areas"),
    DiagnosisCode: lambda: _taxonomy_items("diagnosis_codes"),
    Resolution: lambda: _taxonomy_items("resolutions"),
    RepairStage: repair_stages,
    FaultTaxonomy: fault_taxonomies,
    WarrantyCoverage: warranty_coverages,
    CoverageStatus: coverage_statuses,
    WarrantyStatus: warranty_statuses,
    ServiceObjectRelation: service_object_relations,
    ServiceObject: service_objects,
    RepairLine: repair_lines,
}


# ------------------------------------------------------------- repairs: service BOMs


def _bom_quantities() -> st.SearchStrategy[Decimal]:
    return st.integers(0, 10_000).map(lambda hundredths: Decimal(hundredths).scaleb(-2))


def bom_lines() -> st.SearchStrategy[BomLine]:
    """Top BOM lines: an item, a quantity (two decimals), a unit, maybe a serial number."""
    return st.builds(
        BomLine,
        line_id=ids(prefix="L"),
        item_id=ids(prefix="I"),
        quantity=_bom_quantities(),
        unit=st.sampled_from(("", "pcs", "m")),
        serial_number=st.none() | ids(prefix="SN"),
    )


def billable_items() -> st.SearchStrategy[BillableItem]:
    """Billable item lines a replacement may ask for."""
    return st.builds(
        BillableItem,
        item_id=ids(prefix="I"),
        quantity=_bom_quantities(),
        sales_price=_prices(),
        unit=st.sampled_from(("", "pcs")),
    )


@st.composite
def template_boms(draw: st.DrawFn, *, max_lines: int = 6) -> TemplateBom:
    """Template BOMs: trees of up to ``max_lines`` lines ``L1``, ``L2``, ..., in any order."""
    lines: list[BomLine] = []
    for number in range(1, draw(st.integers(0, max_lines)) + 1):
        parents = [line.line_id for line in lines]
        parent = draw(st.none() | st.sampled_from(parents)) if parents else None
        lines.append(attrs.evolve(draw(bom_lines()), line_id=f"L{number}", parent_id=parent))
    return TemplateBom(id=draw(ids(prefix="T")), lines=draw(st.permutations(lines)))


_BOM_ACTIONS = ("insert", "delete", "replace", "update", "set")


def _bom_change(draw: st.DrawFn, bom: ServiceBom, on: date, number: int) -> ServiceBom:
    """``bom`` with one drawn change on ``on`` (or as it was, when the draw is refused)."""
    action = draw(st.sampled_from(_BOM_ACTIONS))
    where: dict[str, Any] = {"on": on, "order_id": draw(st.sampled_from(("SO-1", "SO-2")))}
    where["at"] = _START
    lines = [line.line_id for line in bom.current]
    try:
        if action == "insert" or not lines:
            parent = draw(st.none() | st.sampled_from(lines)) if lines else None
            line = attrs.evolve(draw(bom_lines()), line_id=f"N{number}", parent_id=parent)
            bom, _ = bom.insert_line(line, **where)
            return bom
        line_id = draw(st.sampled_from(lines))
        if action == "delete":
            bom, _ = bom.delete_line(line_id, **where)
        elif action == "replace":
            bom, _ = bom.replace_item(
                line_id,
                new_serial_number=draw(st.none() | ids(prefix="SN")),
                new_item_id=draw(st.none() | ids(prefix="I")),
                quantity=draw(st.none() | _bom_quantities()),
                order_line=draw(st.none() | billable_items()),
                **where,
            )
        elif action == "update":
            delta = draw(st.integers(-500, 500).map(lambda n: Decimal(n).scaleb(-2)))
            bom, _ = bom.update_quantity(line_id, delta, **where)
        else:
            bom, _ = bom.replace_quantity(line_id, draw(_bom_quantities()), **where)
    except ServiceDomainError:  # a quantity below zero: not applied
        pass
    return bom


@st.composite
def service_boms(
    draw: st.DrawFn, *, max_lines: int = 6, max_changes: int = 12, max_gap_days: int = 3
) -> ServiceBom:
    """Service BOMs with histories: a template attached, then up to ``max_changes`` changes.

    The BOM is on the relation ``R-1`` of its object. The changes are drawn among AX's
    five actions, ``max_gap_days`` days apart at most
    (several on one day too), on the orders ``SO-1`` and ``SO-2``; a change the BOM
    refuses (a quantity below zero) is not applied.
    """
    template = draw(template_boms(max_lines=max_lines))
    bom, _ = ServiceBom.attach(
        template,
        id=draw(ids(prefix="B")),
        relation=ServiceObjectRelation(
            "R-1", draw(ids(prefix="OBJ")), draw(st.sampled_from(RelationKind)), "SO-1"
        ),
        on=_DAY,
        at=_START,
    )
    on = _DAY
    for number in range(1, draw(st.integers(0, max_changes)) + 1):
        on += timedelta(days=draw(st.integers(0, max_gap_days)))
        bom = _bom_change(draw, bom, on, number)
    return bom


_BOM_STRATEGIES: dict[type[Any], Callable[[], st.SearchStrategy[Any]]] = {
    BomLine: bom_lines,
    TemplateBom: template_boms,
    BillableItem: billable_items,
    ServiceBom: service_boms,
}


# --------------------------------------------------------------------------- suggestions
# Suggested resolutions and the counts behind them (issue 16, item 7).


@st.composite
def suggestion_counts(draw: st.DrawFn, *, max_lines: int = 50) -> SuggestionCounts:
    """Consistent counts: each level's lines, of the suggestion and others, nest in the broader."""
    area_count = draw(st.integers(1, max_lines))
    area_other = draw(st.integers(0, max_lines))
    code_count = draw(st.integers(0, area_count))
    code_other = draw(st.integers(0, area_other))
    exact_count = draw(st.integers(0, code_count))
    exact_other = draw(st.integers(0, code_other))
    return SuggestionCounts(
        exact_count,
        exact_count + exact_other,
        code_count,
        code_count + code_other,
        area_count,
        area_count + area_other,
        prior_weight=draw(st.integers(1, 5)),
    )


def suggested_resolutions() -> st.SearchStrategy[SuggestedResolution]:
    """Suggestions: a diagnosis, a resolution and consistent counts."""
    return st.builds(
        SuggestedResolution,
        ids(prefix="DA"),
        ids(prefix="DC"),
        ids(prefix="RE"),
        suggestion_counts(),
    )


_SUGGESTION_STRATEGIES: dict[type[Any], Callable[[], st.SearchStrategy[Any]]] = {
    SuggestionCounts: suggestion_counts,
    SuggestedResolution: suggested_resolutions,
}


# --------------------------------------------------------------------------- dispatch
# Skills, technicians, teams, requirements and bookings (issue 17). Instants fall on
# quarter hours of the two weeks from Monday 2026-01-05 08:00 UTC.

_QUARTER = timedelta(minutes=15)
_DISPATCH_SKILLS = ("S-1", "S-2", "S-3")
_TERRITORIES = ("T-1", "T-2")
_TECHNICIANS = ("W-1", "W-2", "W-3")


def _quarters(*, max_days: int = 14) -> st.SearchStrategy[datetime]:
    return st.integers(-8, max_days * 96).map(lambda n: _START + n * _QUARTER)


def intervals(*, max_days: int = 14, max_hours: int = 72) -> st.SearchStrategy[Interval]:
    """Intervals ``[start, end)`` on quarter hours, up to ``max_hours`` long."""
    return st.builds(
        lambda start, quarters: Interval(start, start + quarters * _QUARTER),
        _quarters(max_days=max_days),
        st.integers(1, max_hours * 4),
    )


@st.composite
def skills(
    draw: st.DrawFn, *, skill_ids: tuple[str, ...] = _DISPATCH_SKILLS, max_level: int = 5
) -> Skill:
    """Skills of ``skill_ids``, with scales up to ``max_level``, some with level names."""
    top = draw(st.integers(1, max_level))
    names = draw(st.none() | st.just(tuple(f"level {n}" for n in range(1, top + 1))))
    return Skill(
        draw(st.sampled_from(skill_ids)),
        description=draw(_texts()),
        max_level=top,
        level_names=names or (),
    )


@st.composite
def absences(draw: st.DrawFn, *, max_hours: int = 48) -> Absence:
    """Absences of up to ``max_hours`` on quarter hours, with a reason."""
    interval = draw(intervals(max_hours=max_hours))
    return Absence(
        draw(ids(prefix="AB")),
        interval.start,
        interval.end,
        draw(st.sampled_from(("", "vacation", "sick", "training"))),
    )


def _dispatch_calendars() -> st.SearchStrategy[WorkingCalendar]:
    simple = st.sampled_from(
        [
            WorkingCalendar.standard("UTC", slots=["09:00-17:00"], id="DAY"),
            WorkingCalendar.standard("Europe/Stockholm", slots=["08:00-12:00", "13:00-17:00"]),
            WorkingCalendar.standard("America/New_York", weekdays=range(7), slots=["06:00-22:00"]),
        ]
    )
    return simple | working_calendars()


@st.composite
def technicians(
    draw: st.DrawFn,
    *,
    technician_ids: tuple[str, ...] = _TECHNICIANS,
    skill_ids: tuple[str, ...] = _DISPATCH_SKILLS,
    max_level: int = 5,
    territories: tuple[str, ...] = _TERRITORIES,
    max_absences: int = 2,
) -> Technician:
    """Technicians built by their operations: a calendar, skills, territories, absences.

    The id is one of ``technician_ids``; skills are among ``skill_ids`` at levels up to
    ``max_level``; up to ``max_absences`` absences.
    """
    levels = draw(
        st.dictionaries(st.sampled_from(skill_ids), st.integers(1, max_level), max_size=3)
    )
    tech, _ = Technician.create(
        id=draw(st.sampled_from(technician_ids)),
        calendar=draw(_dispatch_calendars()),
        at=_START,
        name=draw(_texts()),
        skills=levels,
        territories=draw(st.frozensets(st.sampled_from(territories))),
    )
    for absence in draw(st.lists(absences(), max_size=max_absences, unique_by=_id)):
        tech, _ = tech.add_absence(absence, at=_START)
    return tech


@st.composite
def requirements(
    draw: st.DrawFn,
    *,
    skill_ids: tuple[str, ...] = _DISPATCH_SKILLS,
    max_level: int = 5,
    territories: tuple[str, ...] = _TERRITORIES,
    technician_ids: tuple[str, ...] = _TECHNICIANS,
    max_hours: int = 72,
) -> Requirement:
    """Requirements: a window up to ``max_hours`` and a duration on quarter hours that fits.

    Skills among ``skill_ids`` (levels up to ``max_level``), a territory among
    ``territories`` or none, a preferred technician and restricted ones among
    ``technician_ids``, maybe an SLA deadline.
    """
    window = draw(intervals(max_hours=max_hours))
    quarters = window.duration // _QUARTER
    return Requirement(
        id=draw(ids(prefix="RQ")),
        order_id=draw(ids(prefix="SO")),
        window=window,
        duration=draw(st.integers(1, min(quarters, 16))) * _QUARTER,
        line_number=draw(st.none() | st.integers(1, 9)),
        skills=draw(
            st.dictionaries(st.sampled_from(skill_ids), st.integers(1, max_level), max_size=2)
        ),
        territory=draw(st.none() | st.sampled_from(territories)),
        priority=draw(st.sampled_from(Priority)),
        preferred_technician_id=draw(st.none() | st.sampled_from(technician_ids)),
        restricted_technician_ids=draw(st.frozensets(st.sampled_from(technician_ids), max_size=1)),
        sla_deadline=draw(st.none() | _quarters()),
    )


@st.composite
def bookings(
    draw: st.DrawFn,
    *,
    technician_ids: tuple[str, ...] = _TECHNICIANS,
    statuses: tuple[BookingStatus, ...] = tuple(BookingStatus),
    max_hours: int = 6,
    max_travel_minutes: int = 60,
) -> Booking:
    """Bookings of ``technician_ids`` in one of ``statuses``, on quarter hours.

    Up to ``max_hours`` of work after up to ``max_travel_minutes`` of travel, locks drawn.
    """
    work = draw(intervals(max_hours=max_hours))
    return Booking(
        id=draw(ids(prefix="B")),
        version=1,
        requirement_id=draw(ids(prefix="RQ")),
        technician_id=draw(st.sampled_from(technician_ids)),
        start=work.start,
        end=work.end,
        travel=draw(st.integers(0, max_travel_minutes // 15)) * _QUARTER,
        status=draw(st.sampled_from(statuses)),
        time_locked=draw(st.booleans()),
        technician_locked=draw(st.booleans()),
        recorded_at=_START,
    )


def dispatch_teams() -> st.SearchStrategy[DispatchTeam]:
    """Dispatch teams of up to three workers."""
    return st.builds(
        lambda team_id, text, members: DispatchTeam(team_id, description=text, members=members),
        ids(prefix="TM"),
        _texts(),
        st.frozensets(ids(prefix="W"), max_size=3),
    )


@st.composite
def _dispatch_team_sets(draw: st.DrawFn) -> DispatchTeams:
    """Collections of teams in which each worker is in one team at most."""
    teams: list[DispatchTeam] = []
    seen: set[str] = set()
    for team in draw(st.lists(dispatch_teams(), max_size=3, unique_by=_id)):
        teams.append(attrs.evolve(team, members=team.members - seen))
        seen |= team.members
    return DispatchTeams(teams)


def reasons() -> st.SearchStrategy[Reason]:
    """Reasons of every kind, with the data each kind carries."""
    return st.one_of(
        st.builds(
            lambda skill, needed, held: Reason(
                kind=ReasonKind.MISSING_SKILL, skill_id=skill, needed=needed, held=held
            ),
            st.sampled_from(_DISPATCH_SKILLS),
            st.integers(1, 5),
            st.none() | st.integers(1, 5),
        ),
        st.sampled_from(_TERRITORIES).map(
            lambda t: Reason(kind=ReasonKind.OUTSIDE_TERRITORY, territory=t)
        ),
        st.just(Reason(kind=ReasonKind.RESTRICTED)),
        st.builds(
            lambda kind, interval, minutes: Reason(
                kind=kind, interval=interval, duration=timedelta(minutes=minutes)
            ),
            st.sampled_from(
                (
                    ReasonKind.ABSENT,
                    ReasonKind.NO_FREE_SLOT,
                    ReasonKind.OUTSIDE_WINDOW,
                    ReasonKind.OUTSIDE_WORKING_TIME,
                )
            ),
            intervals(),
            st.integers(15, 600),
        ),
        st.builds(
            lambda kind, ref: Reason(kind=kind, ref_id=ref),
            st.sampled_from((ReasonKind.BOOKING_OVERLAP, ReasonKind.ABSENCE_OVERLAP)),
            ids(),
        ),
    )


def exclusions() -> st.SearchStrategy[Exclusion]:
    """Technicians left out, each with one to three reasons."""
    return st.builds(
        lambda tech, found: Exclusion(technician_id=tech, reasons=tuple(found)),
        st.sampled_from(_TECHNICIANS),
        st.lists(reasons(), min_size=1, max_size=3),
    )


def candidate_values() -> st.SearchStrategy[Candidate]:
    """Candidates: a technician, a start, preferred or not, a load in quarter hours."""
    return st.builds(
        lambda tech, start, preferred, load: Candidate(
            technician_id=tech, start=start, preferred=preferred, load=load * _QUARTER
        ),
        st.sampled_from(_TECHNICIANS),
        _quarters(),
        st.booleans(),
        st.integers(0, 64),
    )


@st.composite
def candidate_lists(draw: st.DrawFn) -> CandidateList:
    """Candidate lists: ranked candidates and excluded technicians, each technician once."""
    chosen = draw(st.lists(st.sampled_from(_TECHNICIANS), unique=True))
    split = draw(st.integers(0, len(chosen)))
    ranked = [attrs.evolve(draw(candidate_values()), technician_id=t) for t in chosen[:split]]
    excluded = [attrs.evolve(draw(exclusions()), technician_id=t) for t in chosen[split:]]
    return CandidateList(
        requirement_id=draw(ids(prefix="RQ")),
        ranked=tuple(sorted(ranked, key=lambda c: c.rank_key)),
        excluded=tuple(sorted(excluded, key=lambda e: e.technician_id)),
    )


# ------------------------------------------------------------- the dispatch board

_COLORS = ("#d32f2f", "#F9A825", "#388e3c", "#abc", "#000000")


def dispatch_parameters() -> st.SearchStrategy[DispatchParameters]:
    """Dispatch parameters: CSS hex colours (either case, 3 or 6 digits), days 0..14."""
    return st.builds(
        DispatchParameters,
        high_color=st.sampled_from(_COLORS),
        normal_color=st.sampled_from(_COLORS),
        low_color=st.sampled_from(_COLORS),
        days_before=st.integers(0, 14),
        days_after=st.integers(0, 14),
    )


BoardInputs = tuple[
    DispatchTeam,
    tuple[Technician, ...],
    tuple[Booking, ...],
    tuple[Requirement, ...],
    Interval,
    DispatchParameters,
    bool,
]


@st.composite
def dispatch_board_inputs(draw: st.DrawFn, *, max_bookings: int = 8) -> BoardInputs:
    """What :func:`~servicedomain.dispatch.dispatch_board` reads, consistent.

    A team of some of the technicians W-1..W-3 (every member has its technician; a
    technician may be outside the team), requirements with distinct ids, up to
    ``max_bookings`` bookings of those requirements and technicians (distinct ids), a
    window of up to four days, parameters and ``show_closed``.
    """
    techs = tuple(draw(st.lists(technicians(), min_size=1, max_size=3, unique_by=_id)))
    members = draw(st.frozensets(st.sampled_from([tech.id for tech in techs])))
    team = DispatchTeam(draw(ids(prefix="TM")), members=members)
    needs = tuple(draw(st.lists(requirements(), min_size=1, max_size=6, unique_by=_id)))
    made = draw(
        st.lists(
            bookings(technician_ids=tuple(tech.id for tech in techs)),
            max_size=max_bookings,
            unique_by=_id,
        )
    )
    booked = tuple(
        attrs.evolve(booking, requirement_id=draw(st.sampled_from([n.id for n in needs])))
        for booking in made
    )
    window = draw(intervals(max_hours=96))
    return team, techs, booked, needs, window, draw(dispatch_parameters()), draw(st.booleans())


def dispatch_boards() -> st.SearchStrategy[DispatchBoard]:
    """Dispatch boards built by :func:`~servicedomain.dispatch.dispatch_board`."""
    return dispatch_board_inputs().map(
        lambda given: dispatch_board(
            given[0],
            given[1],
            given[2],
            given[3],
            window=given[4],
            parameters=given[5],
            show_closed=given[6],
        )
    )


@st.composite
def board_bars(draw: st.DrawFn) -> BoardBar:
    """Bars of a board: a booking's times, status and locks with a priority and a colour."""
    booking = draw(bookings())
    return BoardBar(
        booking_id=booking.id,
        requirement_id=booking.requirement_id,
        order_id=draw(ids(prefix="SO")),
        technician_id=booking.technician_id,
        start=booking.start,
        end=booking.end,
        travel=booking.travel,
        status=booking.status,
        priority=draw(st.sampled_from(Priority)),
        color=draw(st.sampled_from(_COLORS)),
        time_locked=booking.time_locked,
        technician_locked=booking.technician_locked,
    )


def board_rows() -> st.SearchStrategy[BoardRow]:
    """Rows of a board: a technician, bars, booked and free time on quarter hours."""
    return st.builds(
        lambda tech, name, bars, booked, free: BoardRow(
            technician_id=tech,
            name=name,
            bars=tuple(attrs.evolve(bar, technician_id=tech) for bar in bars),
            booked=booked * _QUARTER,
            free=free * _QUARTER,
        ),
        st.sampled_from(_TECHNICIANS),
        _texts(),
        st.lists(board_bars(), max_size=3),
        st.integers(0, 400),
        st.integers(0, 400),
    )


@st.composite
def unplaced_values(draw: st.DrawFn) -> Unplaced:
    """Unplaced requirements: an exclusion for each of some technicians, in id order."""
    chosen = draw(st.lists(st.sampled_from(_TECHNICIANS), unique=True, max_size=3))
    return Unplaced(
        requirement_id=draw(ids(prefix="RQ")),
        exclusions=tuple(
            attrs.evolve(draw(exclusions()), technician_id=tech) for tech in sorted(chosen)
        ),
    )


@st.composite
def auto_dispatch_results(draw: st.DrawFn) -> AutoDispatchResult:
    """Results of an auto-dispatch run: proposals with their events, unplaced, booked."""
    proposed = draw(
        st.lists(bookings(statuses=(BookingStatus.PROPOSED,)), max_size=3, unique_by=_id)
    )
    return AutoDispatchResult(
        proposed=tuple(proposed),
        events=tuple(draw(events_of(BookingCreated)) for _ in proposed),
        unplaced=tuple(draw(st.lists(unplaced_values(), max_size=2))),
        already_booked=tuple(sorted(draw(st.sets(ids(prefix="RQ"), max_size=2)))),
    )


@st.composite
def optimised_dispatches(draw: st.DrawFn) -> OptimisedDispatch:
    """Results of the optimiser: a plan, its objective and the greedy's (never below)."""
    objective = draw(st.integers(0, 10**15))
    better = draw(st.booleans())
    return OptimisedDispatch(
        result=draw(auto_dispatch_results()),
        objective=objective,
        greedy_objective=objective + (draw(st.integers(1, 10**14)) if better else 0),
        status=draw(st.sampled_from(SOLVER_STATUSES)),
        optimised=better,
    )


_DISPATCH_STRATEGIES: dict[type[Any], Callable[[], st.SearchStrategy[Any]]] = {
    Interval: intervals,
    Skill: skills,
    Absence: absences,
    Technician: technicians,
    DispatchTeam: dispatch_teams,
    DispatchTeams: _dispatch_team_sets,
    Requirement: requirements,
    Booking: bookings,
    Reason: reasons,
    Exclusion: exclusions,
    Candidate: candidate_values,
    CandidateList: candidate_lists,
    DispatchParameters: dispatch_parameters,
    BoardBar: board_bars,
    BoardRow: board_rows,
    DispatchBoard: dispatch_boards,
    Unplaced: unplaced_values,
    AutoDispatchResult: auto_dispatch_results,
    OptimisedDispatch: optimised_dispatches,
}


# ------------------------------------------------------- customer service requests

_REQUEST_START = datetime(2026, 3, 2, 8, tzinfo=UTC)
REQUEST_TAXONOMY: typing.Final = FaultTaxonomy(
    symptom_areas=(SymptomArea("SA-1", "heating"),),
    symptom_codes=(SymptomCode("SA-1", "SC-1", "leaks"), SymptomCode("SA-1", "SC-2", "cold")),
    conditions=(Condition("CO-1", "always"),),
)
"""The fault taxonomy the requests of :func:`service_requests` are checked against."""


def request_windows(
    *, start: datetime = _REQUEST_START, max_days: int = 30
) -> st.SearchStrategy[RequestWindow]:
    """Requested windows from ``start`` to ``max_days`` later, one to ten hours long."""
    offsets = st.integers(0, max_days * 24 * 4).map(lambda n: start + timedelta(minutes=15 * n))
    lengths = st.integers(1, 10).map(lambda h: timedelta(hours=h))
    return st.builds(lambda at, length: RequestWindow(at, at + length), offsets, lengths)


@st.composite
def requested_repair_lines(
    draw: st.DrawFn, *, number: int | None = None, relation_ids: tuple[str, ...] = ()
) -> RequestedRepairLine:
    """Requested lines (codes of :data:`REQUEST_TAXONOMY` or none), on one of ``relation_ids``."""
    relation_id = draw(st.sampled_from(relation_ids) if relation_ids else ids(prefix="REL"))
    area = draw(st.sampled_from([None, "SA-1"]))
    code = None if area is None else draw(st.sampled_from([None, "SC-1", "SC-2"]))
    return RequestedRepairLine(
        number=draw(st.integers(1, 99)) if number is None else number,
        relation_id=relation_id,
        condition_id=draw(st.sampled_from([None, "CO-1"])),
        symptom_area_id=area,
        symptom_code_id=code,
        description=draw(_texts()),
    )


@st.composite
def submissions(
    draw: st.DrawFn,
    *,
    customer_id: str | None = None,
    agreement_id: str | None = None,
    relation_ids: tuple[str, ...] | None = None,
    max_lines: int = 3,
    idempotency_key: str | None = None,
) -> Submission:
    """Submissions with up to three relations (``REL-1``... unless given) and lines on them."""
    relations = (
        tuple(f"REL-{n}" for n in range(1, draw(st.integers(0, 3)) + 1))
        if relation_ids is None
        else relation_ids
    )
    count = draw(st.integers(0, max_lines)) if relations else 0
    return Submission(
        customer_id=customer_id or draw(ids(prefix="C")),
        contact=draw(_texts()),
        agreement_id=agreement_id,
        relation_ids=relations,
        window=draw(request_windows()),
        address=draw(_texts()),
        lines=tuple(
            draw(requested_repair_lines(number=n, relation_ids=relations))
            for n in range(1, count + 1)
        ),
        text=draw(_texts()),
        attachments=tuple(draw(st.lists(ids(prefix="ATT"), max_size=2))),
        idempotency_key=idempotency_key or draw(ids(prefix="K")),
    )


def request_notes() -> st.SearchStrategy[RequestNote]:
    """Public and internal notes."""
    return st.builds(
        RequestNote,
        text=_texts(),
        at=st.just(_REQUEST_START),
        by=ids(prefix="W"),
        public=st.booleans(),
    )


def review_entries() -> st.SearchStrategy[ReviewEntry]:
    """Entries of a review log."""
    fields = st.sampled_from(["address", "window", "lines", "relation_ids"])
    return st.builds(
        ReviewEntry,
        at=st.just(_REQUEST_START),
        by=ids(prefix="W"),
        field=fields,
        old=_texts(),
        new=_texts(),
    )


def request_relations(relation_ids: tuple[str, ...]) -> tuple[ServiceObjectRelation, ...]:
    """The customer's known relations for the ids (relations of other orders, one object each)."""
    return tuple(
        ServiceObjectRelation(relation_id, f"OBJ-{index}", RelationKind.ORDER, f"SO-OLD-{index}")
        for index, relation_id in enumerate(relation_ids, 1)
    )


@st.composite
def service_requests(
    draw: st.DrawFn,
    *,
    statuses: tuple[RequestStatus, ...] = tuple(RequestStatus),
    max_notes: int = 3,
    note_texts: st.SearchStrategy[str] | None = None,
) -> ServiceRequest:
    """Requests in one of ``statuses``, reached through the entity's own operations.

    Each is submitted (no agreement, the relations of :func:`request_relations`,
    :data:`REQUEST_TAXONOMY`), then reviewed, edited, noted, rejected, withdrawn or
    transferred (to order ``"SO-" + id``) as its status needs; notes (public or
    internal, texts from ``note_texts``) and edits come in between.
    """
    texts = _texts() if note_texts is None else note_texts
    submission = draw(submissions())
    request_id = draw(ids(prefix="REQ"))
    at = _REQUEST_START
    relations = request_relations(submission.relation_ids)
    request, _ = ServiceRequest.submit(
        submission,
        id=request_id,
        at=at,
        agreement=None,
        relations=relations,
        taxonomy=REQUEST_TAXONOMY,
    )
    target = draw(st.sampled_from(statuses))

    def later() -> datetime:
        return request.recorded_at + timedelta(minutes=draw(st.integers(0, 600)))

    def notes() -> None:
        nonlocal request
        for _ in range(draw(st.integers(0, max_notes))):
            request, _ = request.add_note(
                draw(texts), at=later(), by=draw(ids(prefix="W")), public=draw(st.booleans())
            )

    notes()
    if target is RequestStatus.SUBMITTED:
        return request
    if target in (RequestStatus.UNDER_REVIEW, RequestStatus.TRANSFERRED) or draw(st.booleans()):
        request, _ = request.start_review(at=later(), by=draw(ids(prefix="W")))
        if draw(st.booleans()):
            request, _ = request.edit(
                at=later(),
                by=draw(ids(prefix="W")),
                address=draw(_texts()),
                window=draw(request_windows()),
            )
        notes()
    if target is RequestStatus.REJECTED:
        request, _ = request.reject(draw(ids(prefix="RC")), at=later(), by=draw(ids(prefix="W")))
    elif target is RequestStatus.WITHDRAWN:
        request, _ = request.withdraw(at=later())
    elif target is RequestStatus.TRANSFERRED:
        request, _, _ = request.transfer(
            EXAMPLE_STAGE_GRAPH,
            order_id=f"SO-{request.id}",
            at=later(),
            agreement=None,
            relations=relations,
            taxonomy=REQUEST_TAXONOMY,
        )
    return request


def customer_request_views() -> st.SearchStrategy[CustomerRequestView]:
    """The customer's views of requests of every status, with or without a planned visit."""
    planned = st.one_of(st.none(), request_windows().map(lambda window: (window.start, window.end)))
    return st.builds(lambda r, p: customer_view(r, planned=p), service_requests(), planned)


def _customer_notes() -> st.SearchStrategy[CustomerNote]:
    return st.builds(CustomerNote, text=_texts(), at=st.just(_REQUEST_START))


def _customer_lines() -> st.SearchStrategy[CustomerRepairLine]:
    return requested_repair_lines().map(
        lambda line: CustomerRepairLine(
            number=line.number,
            condition_id=line.condition_id,
            symptom_area_id=line.symptom_area_id,
            symptom_code_id=line.symptom_code_id,
            description=line.description,
        )
    )


_REQUEST_STRATEGIES: dict[type[Any], Callable[[], st.SearchStrategy[Any]]] = {
    RequestWindow: request_windows,
    RequestedRepairLine: requested_repair_lines,
    Submission: submissions,
    RequestNote: request_notes,
    ReviewEntry: review_entries,
    ServiceRequest: service_requests,
    CustomerNote: _customer_notes,
    CustomerRepairLine: _customer_lines,
    CustomerRequestView: customer_request_views,
}


STRATEGIES: dict[type[Any], Callable[[], st.SearchStrategy[Any]]] = {
    Currency: currencies,
    Money: monies,
    DateRange: date_ranges,
    PeriodCode: period_codes,
    Schedule: schedules,
    StageRules: stage_rules,
    Stage: stages,
    StageGraph: stage_graphs,
    Subscription: subscriptions,
    PriceTable: price_tables,
    ReasonCode: reason_codes,
    ReasonLogEntry: reason_log_entries,
    Decision: decisions,
    ServiceTask: service_tasks,
    AgreementLineRef: agreement_line_refs,
    ItemRequirement: item_requirements,
    ServiceLine: service_lines,
    NewLine: new_lines,
    ServiceOrderLine: order_lines,
    ServiceOrder: service_orders,
    PostingPlan: posting_plans,
    JournalEntry: journal_entries,
    Slot: slots,
    WorkingCalendar: working_calendars,
    Allowance: allowances,
    SlaTargets: sla_targets,
    SlaParameters: sla_parameters,
    ServiceLevelAgreement: service_level_agreements,
    SlaEntry: sla_entries,
    SlaMeasurement: sla_measurements,
    Segment: segments,
    AgreementGroup: agreement_groups,
    ServiceInterval: service_intervals,
    TimeWindow: time_windows,
    NewAgreementLine: new_agreement_lines,
    AgreementLine: agreement_lines,
    ServiceAgreement: service_agreements,
    Generation: generations,
    GeneratedOrderKey: generated_order_keys,
    TemplateGroup: template_group_values,
    TemplateGroups: template_groups,
    ServiceTemplate: service_templates,
    SubscriptionGroup: subscription_groups,
    IndexedPrice: indexed_prices,
    PriceChange: price_changes,
    PriceEntry: price_entries,
    FeeTransaction: fee_transactions,
    BillableTransaction: billable_transactions,
    InvoiceProposal: invoice_proposals,
    Invoice: invoices,
    InvoiceLine: invoice_lines,
    InvoicedItem: invoiced_items,
    AccrualPolicy: accrual_policies,
    AccrualPeriod: accrual_period_values,
    AccrualEntry: accrual_entries,
    MarginReport: margin_reports,
    MarginRow: margin_rows,
    WorkDescription: work_descriptions,
    WorkReceipt: work_receipts,
    WorkDocumentLine: work_document_lines,
    WorkDocumentRepair: work_document_repairs,
    RepairHistory: repair_histories,
    RepairHistoryEntry: repair_history_entries,
    SubscriptionFeeRow: subscription_fee_rows,
    SubscriptionTransactionRow: subscription_transaction_rows,
    SubscriptionFeeReport: subscription_fee_reports,
    SubscriptionTransactionsReport: subscription_transactions_reports,
    InvoiceDocument: invoice_documents,
    SlaExplanation: sla_explanations,
    DispatchBoardReport: dispatch_board_reports,
    GanttChart: gantt_charts,
    GanttRow: gantt_rows,
    GanttBar: gantt_bars,
    ReportView: report_views,
    ReportTable: report_tables,
    ReportColumn: report_columns,
    BarChart: bar_charts,
    TimelineChart: timeline_charts,
    TimelineSpan: timeline_spans,
    TimelineMarker: timeline_markers,
    DomainEvent: domain_events,
    **_REPAIR_STRATEGIES,
    **_BOM_STRATEGIES,
    **_SUGGESTION_STRATEGIES,
    **_DISPATCH_STRATEGIES,
    **_REQUEST_STRATEGIES,
}
"""The strategy of every type but the events (the Hypothesis hook registers them)."""

_EVENT_CLASSES: tuple[type[DomainEvent], ...] = tuple(
    cls for cls in SCHEMA_VERSIONS if issubclass(cls, DomainEvent)
)


def strategy_for(cls: type[_T]) -> st.SearchStrategy[_T]:
    """The strategy of a type the codec covers (what ``st.from_type(cls)`` gives).

    Raises:
        InvalidInputError: no strategy covers ``cls``.
    """
    if cls in STRATEGIES:
        return STRATEGIES[cls]()
    if cls in _EVENT_CLASSES:
        return events_of(cls)  # type: ignore[type-var]
    raise InvalidInputError("cls", cls, "no strategy of servicedomain covers this type")
