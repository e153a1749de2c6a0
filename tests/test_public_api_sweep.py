"""The wrong-type sweep of the public API (issues 11 and 12).

What is swept: every name in the ``__all__`` of ``servicedomain`` and of each of its
public modules (``money``, ``instants``, ``periods``, ``calendars``, ``stages``,
``orders``, ``agreements``, ``sla``, ``billing``, ``reports``, ``events``, ``ports``,
``app`` and its submodules, ``errors``, ``serialization``: every module without a
``_private`` part except the extras ``adapters`` and ``testing``, the ``demo`` and ``cli``).
Functions are swept, and classes: their constructors and public methods, the
application objects' use cases included. Protocols, typed dicts (shapes for type
checkers), exceptions, enums (swept by the enum sweep below) and constants are not.
Domain events (subclasses of :class:`~servicedomain.events.DomainEvent`) are checked
all at once by ``test_every_domain_event_...``; their methods, if any, are swept.

How names are keyed: by the name itself (``"accrual_periods_for"``,
``"LineChanges"``, ``"ServiceDesk.order"``), whichever ``__all__`` lists it. Only when
two different objects are public under one name is each keyed by its public home, the
module it comes from below ``servicedomain`` (``"money.allocate"``,
``"billing.allocate"``); the home is the listing module the object is defined in, else
the first module listing it. So a name that leaves ``servicedomain.__all__`` (issue 12
item 8) keeps its key and its example, and stays in the sweep.

Every swept callable has one valid example call in ``EXAMPLES``. The sweep calls it
with ``None`` and with ``object()`` in each argument in turn: only a
:class:`~servicedomain.errors.ServiceDomainError` may escape, its message must name the
argument, and ``object()`` is never silently accepted (``None`` only where the argument
is optional). A public name without an example fails
``test_the_sweep_covers_every_public_callable``, so the sweep stays complete. The
examples import every name from its module, not from the facade.
"""

from __future__ import annotations

import decimal
import enum
import importlib
import inspect
import pickle
import pkgutil
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from types import ModuleType, SimpleNamespace
from typing import Any, is_typeddict

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import request_desk_fixtures
import requests_fixtures
import servicedomain
from orders_fixtures import AT, boiler_order, line, pump_agreement
from servicedomain import instants
from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import (
    InMemoryJournal,
    InMemoryServiceUnitOfWork,
    InMemoryStore,
)
from servicedomain.agreements import (
    AgreementGroup,
    AgreementLine,
    GeneratedOrderKey,
    IntervalUnit,
    NewAgreementLine,
    ServiceAgreement,
    ServiceInterval,
    ServiceTemplate,
    TemplateGroup,
    TemplateGroups,
    TimeWindow,
    WindowKind,
    default_order_id,
    generate_service_orders,
)
from servicedomain.app import FeeRunResult, PartChange, PostingResult, ServiceDesk
from servicedomain.app.billing_desk import BillingDesk
from servicedomain.app.dispatch_desk import DispatchDesk
from servicedomain.app.repair_desk import RepairDesk
from servicedomain.app.request_desk import RequestDesk, TransferResult
from servicedomain.billing import (
    AccrualPolicy,
    BillableTransaction,
    BillingTiming,
    FeeKey,
    FeeRun,
    IndexedPrice,
    InvoiceLine,
    PriceBasis,
    PriceChange,
    PriceEntry,
    PriceTable,
    ReversalMode,
    Subscription,
    SubscriptionGroup,
    accrual_periods,
    accrual_periods_for,
    accrue,
    accrued_total,
    allowed_accrual_period_codes,
    credit_note,
    days_share,
    document_issued,
    generate_fees,
    latest_end,
    new_fees,
    next_document_id,
    propose_invoices,
    prorate,
    record_document,
    reduce_days,
    revenue_accrued,
    reverse_for_credit,
    reverse_period,
)
from servicedomain.calendars import Slot, WorkingCalendar
from servicedomain.dispatch import (
    Absence,
    AutoDispatchResult,
    Booking,
    BookingStatus,
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
    auto_dispatch,
    availability,
    book,
    candidates,
    check_teams,
    confirm,
    conflicts,
    earliest_start,
    no_travel,
    reassign,
    requirement_for,
    reschedule,
    skill_catalog,
)
from servicedomain.dispatch.optimise import OptimisedDispatch, optimise_dispatch, plan_objective
from servicedomain.errors import (
    InvalidAmountError,
    InvalidDocumentError,
    InvalidInputError,
    InvalidOperationError,
    InvalidQuantityError,
    InvalidRatiosError,
    InvalidTimezoneError,
    ServiceDomainError,
    TypeMismatchError,
    UnknownEnumValueError,
)
from servicedomain.events import DomainEvent
from servicedomain.instants import (
    local_date,
    local_datetime,
    named_zone,
    parse_date,
    parse_instant,
    require_date,
    require_instant,
    resolve_local,
)
from servicedomain.money import (
    ISO_4217,
    MAX_INTEGER_DIGITS,
    Currency,
    Money,
    Rounding,
    allocate,
    check_factor,
)
from servicedomain.orders import (
    AgreementLineRef,
    ItemRequirement,
    JournalEntry,
    LineStatus,
    MovedLines,
    NewLine,
    PostingPlan,
    ServiceLine,
    ServiceOrder,
    ServiceTask,
    TransactionType,
    free_under_warranty,
    move_lines,
    no_warranty_pricing,
    priced_under_warranty,
    roll_up,
    warranty_day,
)
from servicedomain.periods import (
    MONTHLY,
    Alignment,
    DateRange,
    DateRangePool,
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
    repair_status,
    replay_bom,
    suggest_resolutions,
    warranty_status,
)
from servicedomain.reports import (
    SubscriptionFeeReport,
    SubscriptionTransactionsReport,
    WorkDocumentRepair,
    invoice_document,
    margin_report,
    render,
    render_csv,
    render_html,
    render_json,
    render_subscription_fee_summary_csv,
    render_subscription_fee_summary_html,
    render_subscription_fee_summary_json,
    render_subscription_fee_summary_text,
    render_subscription_transactions_csv,
    render_subscription_transactions_html,
    render_subscription_transactions_json,
    render_subscription_transactions_text,
    render_text,
    repair_history,
    sla_explanation,
    subscription_fee_summary,
    subscription_fee_totals,
    subscription_transactions,
    work_description,
    work_receipt,
)
from servicedomain.requests import (
    CustomerNote,
    CustomerRepairLine,
    RequestNote,
    RequestStatus,
    ReviewEntry,
    ServiceRequest,
    SlaStart,
    customer_view,
    resubmit,
)
from servicedomain.rules import (
    Rules,
    RuleType,
    RuleTypes,
    dump_rules,
    format_rules,
    load_rules,
    parse_rules,
    rules_from_dict,
)
from servicedomain.serialization import dumps, from_dict, loads, to_dict
from servicedomain.sla import (
    Allowance,
    Priority,
    ServiceLevelAgreement,
    SlaEntry,
    SlaMeasurement,
    SlaParameters,
    SlaTarget,
    SlaTargets,
    clock_state,
    effective_sla_id,
    measure,
    require_reason,
)
from servicedomain.stages import (
    EXAMPLE_STAGE_GRAPH as GRAPH,
)
from servicedomain.stages import (
    Action,
    ReasonCode,
    StageRules,
    enter_stage,
    manual_entry,
)

Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]

# ----------------------------------------------------------------------- the values

DAY = date(2026, 3, 2)
LATER = AT + timedelta(hours=2)
EUR10 = Money(Decimal("10.00"), "EUR")
MARCH = DateRange(date(2026, 3, 1), date(2026, 4, 1))
REASON = ReasonCode("DONE", "Work completed")
HOUR_LINE = line(TransactionType.HOUR, "2", "40.00", "80.00")
ORDER = boiler_order("SO-1", HOUR_LINE)
OBJECT = ServiceObjectRelation("REL-PUMP-1", "PUMP-1", RelationKind.ORDER, "SO-1")
AGREEMENT_OBJECT = ServiceObjectRelation("AG-1/PUMP-1", "PUMP-1", RelationKind.AGREEMENT, "AG-1")
TASK = ServiceTask("CLEAN", "Cleaning")
SLA = ServiceLevelAgreement(id="SLA-1", targets=SlaTargets(resolution=Allowance(hours=8)))
SLA_ORDER = attrs.evolve(ORDER, sla_id="SLA-1")
ENTRIES = (SlaEntry.start(AT),)
MEASUREMENT = measure(SLA, ENTRIES, now=LATER)
CALENDAR = WorkingCalendar.standard("Europe/Paris")
GROUP = AgreementGroup("G-1", "Maintenance")
NEW_AGREEMENT_LINE = NewAgreementLine(
    transaction_type=TransactionType.HOUR,
    quantity=1,
    cost_price=Money(40, "EUR"),
    sales_price=Money(80, "EUR"),
    interval=ServiceInterval(IntervalUnit.MONTH, 1),
    start_date=date(2026, 1, 1),
)
AGREEMENT, _ = ServiceAgreement.create(
    id="AG-1",
    customer_id="C-100",
    group=GROUP,
    start_date=date(2026, 1, 1),
    at=AT,
    lines=[NEW_AGREEMENT_LINE],
    object_relations=(
        ServiceObjectRelation("AG-1/BOILER-1", "BOILER-1", RelationKind.AGREEMENT, "AG-1"),
    ),
)
AGREEMENT_LINE = AGREEMENT.line(1)
TEMPLATE = ServiceTemplate(id="T-1", group_id="TG-1", lines=(AGREEMENT_LINE,))
TEMPLATE_GROUPS = TemplateGroups([TemplateGroup("TG-1", "Boilers")])
WINDOW = TimeWindow(WindowKind.DAYS, days_before=1, days_after=1)
SUBSCRIPTION = Subscription(
    id="S-1",
    group_id="M",
    customer_id="C-100",
    project_id="P-1",
    category_id="CAT",
    period_code=MONTHLY,
    base_price=Money(Decimal("120.00"), "EUR"),
    start_date=date(2026, 3, 1),
)
SUBSCRIPTION_GROUP = SubscriptionGroup(id="M", invoicing_period_code=MONTHLY)
FEES = generate_fees(SUBSCRIPTION, as_of=date(2026, 3, 31))
FEE = FEES[0]
PRICE_ENTRY = PriceEntry(
    effective_date=date(2026, 1, 1),
    category_id="CAT",
    project_id=None,
    subscription_id=None,
    period_code=MONTHLY,
    price=Money(Decimal("99.00"), "EUR"),
)
PRICES = PriceTable((PRICE_ENTRY,))
INVOICE_LINE = InvoiceLine.for_fee(FEE)
PROPOSAL = propose_invoices(due_by=date(2026, 3, 31), fees=FEES)[0]
INVOICE = PROPOSAL.post(invoice_id="INV-1", invoice_date=DAY)
INVOICED = record_document({}, INVOICE)
ITEM = INVOICED[FEE.id]
POLICY = AccrualPolicy(period_code=MONTHLY)
ACCRUALS = accrual_periods(
    source_id=FEE.id, amount=FEE.amount, service_period=FEE.period, policy=POLICY
)
ACCRUED, ACCRUAL_ENTRIES = accrue(
    ACCRUALS, through=date(2026, 3, 31), posting_date=date(2026, 4, 1)
)
ACCRUAL_ENTRY = ACCRUAL_ENTRIES[0]
JOURNAL_ENTRY = JournalEntry.for_line(
    ORDER.line(1), order_id="SO-1", customer_id="C-100", project_id=None, agreement_id=None
)
TRANSACTION = BillableTransaction.from_journal("TX-1", JOURNAL_ENTRY)
PLAN = PostingPlan(order_id="SO-1", entries=(JOURNAL_ENTRY,), skipped=((2, "not signed off"),))
MARGIN = margin_report([ORDER])
FEE_ROWS = subscription_fee_summary(FEES, INVOICED, ACCRUED)
TRANSACTION_ROWS = subscription_transactions(FEES, INVOICED, ACCRUED)
MARGIN_VIEW = MARGIN.view()
DOCUMENT = invoice_document(INVOICE)
FEE_REPORT = SubscriptionFeeReport(FEE_ROWS)
TRANSACTIONS_REPORT = SubscriptionTransactionsReport(TRANSACTION_ROWS)
SLA_REPORT = sla_explanation(
    order_id="SO-1", sla_id=SLA.id, measurement=MEASUREMENT, at=LATER, zone="Europe/Paris"
)
SCHEDULE = Schedule(MONTHLY, date(2026, 1, 31))
ITEM_LINE = line(TransactionType.ITEM, "2", "10.00", "25.00")
ITEM_ORDER = attrs.evolve(boiler_order("SO-3", ITEM_LINE), project_id="P-1")
REQUIREMENT = ItemRequirement(id="IR-1", item_id="FILTER-20", quantity=Decimal(2))
REQUIRED_ORDER, _ = ITEM_ORDER.add_item_requirement(GRAPH, 1, REQUIREMENT, at=LATER)
GENERATION = generate_service_orders(
    [AGREEMENT], GRAPH, period=MARCH, types={TransactionType.HOUR}, at=AT
)


class _Holidays:
    def holidays_between(self, first: date, last: date) -> list[date]:
        return [date(2026, 5, 1)]


def _fields(value: Any) -> dict[str, Any]:
    """The constructor keywords that rebuild an attrs ``value``."""
    return {a.alias: getattr(value, a.name) for a in attrs.fields(type(value)) if a.init}


def _new(value: Any) -> Call:
    return type(value), (), _fields(value)


def _completed_order(order: ServiceOrder = ORDER) -> ServiceOrder:
    for stage in ("PLANNED", "IN_PROCESS", "COMPLETED"):
        order, _ = order.change_stage(GRAPH, stage, at=LATER)
    signed, _ = order.sign_off(at=LATER)
    return signed


def _service_store() -> InMemoryStore:
    store = InMemoryStore()
    store.repository(ServiceOrder).add(_completed_order())
    store.repository(ServiceAgreement).add(AGREEMENT)
    return store


def _service_uow() -> InMemoryServiceUnitOfWork:
    return InMemoryServiceUnitOfWork(_service_store())


def _billing_uow(*, invoiced: bool = False, accrued: bool = False) -> InMemoryBillingUnitOfWork:
    store = InMemoryStore()
    with InMemoryBillingUnitOfWork(store) as uow:
        uow.subscriptions.add(SUBSCRIPTION)
        uow.fees.add_all(FEES)
        if invoiced or accrued:
            uow.invoices.add(INVOICE)
        if accrued:
            uow.accruals.save_all(ACCRUED)
        uow.commit()
    return InMemoryBillingUnitOfWork(store)


def _clock() -> FixedClock:
    return FixedClock(LATER)


def _billing_desk(
    *, invoiced: bool = False, accrued: bool = False, empty: bool = False
) -> BillingDesk:
    """A billing desk over a new store holding SUBSCRIPTION and FEES (or nothing)."""
    uow = (
        InMemoryBillingUnitOfWork(InMemoryStore())
        if empty
        else _billing_uow(invoiced=invoiced, accrued=accrued)
    )
    return BillingDesk(
        unit_of_work=lambda: uow,
        clock=_clock(),
        groups={"M": SUBSCRIPTION_GROUP},
        prices=PRICES,
        accrual_journal=InMemoryJournal[Any]("accruals"),
    )


def _policy_of(_subscription_id: str) -> tuple[AccrualPolicy | None, date]:
    return POLICY, date(2026, 3, 1)


def _journals() -> dict[TransactionType, InMemoryJournal[JournalEntry]]:
    return {kind: InMemoryJournal[JournalEntry](kind.name) for kind in TransactionType}


def _desk_store() -> InMemoryStore:
    """Orders and agreements for every ServiceDesk example."""
    store = InMemoryStore()
    orders, agreements = store.repository(ServiceOrder), store.repository(ServiceAgreement)
    canceled, _ = boiler_order("SO-C", HOUR_LINE).cancel(GRAPH, at=LATER)
    for order in (
        ORDER,
        _completed_order(boiler_order("SO-P", HOUR_LINE)),
        attrs.evolve(boiler_order("SO-S", HOUR_LINE), sla_id="SLA-1", sla_log=ENTRIES),
        attrs.evolve(boiler_order("SO-S0", HOUR_LINE), sla_id="SLA-1"),
        ITEM_ORDER,
        attrs.evolve(
            REQUIRED_ORDER,
            id="SO-4",
            object_relations=tuple(
                attrs.evolve(relation, key="SO-4") for relation in REQUIRED_ORDER.object_relations
            ),
        ),
        attrs.evolve(boiler_order("SO-M1", HOUR_LINE), agreement_id="AG-1"),
        attrs.evolve(boiler_order("SO-M2", HOUR_LINE), agreement_id="AG-1"),
        _repaired_order("SO-R"),
        canceled,
    ):
        orders.add(order)
    agreements.add(AGREEMENT)
    agreements.add(attrs.evolve(AGREEMENT, id="AG-2", object_relations=()))
    return store


def _service_desk() -> ServiceDesk:
    store = _desk_store()
    return ServiceDesk(
        unit_of_work=lambda: InMemoryServiceUnitOfWork(store),
        clock=_clock(),
        graph=GRAPH,
        slas={"SLA-1": SLA},
        sla_parameters=SlaParameters(),
        journals=_journals(),
        taxonomy=_TAXONOMY,
    )


def _moved() -> MovedLines:
    """The result of moving line 1 between two orders of agreement AG-1."""
    source = attrs.evolve(ORDER, agreement_id="AG-1")
    target = attrs.evolve(boiler_order("SO-2"), agreement_id="AG-1")
    return move_lines(GRAPH, source, target, [1], at=LATER)


# ------------------------------------------------------------------- the examples


# ---------------------------------------------------------------- repairs examples

_TAXONOMY = FaultTaxonomy(
    symptom_areas=(SymptomArea("hard drive"),),
    symptom_codes=(SymptomCode("hard drive", "blue screen"),),
    conditions=(Condition("fails after extended use"),),
    diagnosis_areas=(DiagnosisArea("defective part"),),
    diagnosis_codes=(DiagnosisCode("defective part", "new video card installed"),),
    resolutions=(Resolution("replaced"),),
    repair_stages=(RepairStage("DONE", "Repaired", finished=True),),
)
_COVERAGE = WarrantyCoverage.inclusive(CoverageKind.PARTS, date(2026, 1, 1), date(2026, 12, 31))


def _repair_line() -> RepairLine:
    return RepairLine(
        number=1,
        relation_id="REL-BOILER-1",
        symptom_area_id="hard drive",
        symptom_code_id="blue screen",
        created_at=AT,
    )


def _repaired_order(order_id: str = "SO-1") -> ServiceOrder:
    """A boiler order with one repair line (not finished) on its boiler."""
    order, _ = boiler_order(order_id, HOUR_LINE).add_repair_line(
        GRAPH,
        _TAXONOMY,
        relation_id="REL-BOILER-1",
        at=AT,
        symptom_area_id="hard drive",
        symptom_code_id="blue screen",
    )
    return order


_REPAIR_LINE_FIELDS: dict[str, Any] = {
    "symptom_area_id": "hard drive",
    "symptom_code_id": "blue screen",
    "condition_id": "fails after extended use",
    "diagnosis_area_id": "defective part",
    "diagnosis_code_id": "new video card installed",
    "resolution_id": "replaced",
    "stage_id": "DONE",
    "technician_id": "W-1",
    "description": "Video card",
    "note": "Replaced under warranty",
}


def _service_object() -> ServiceObject:
    obj, _ = ServiceObject.create(id="OBJ-1", group_id="LAPTOPS", at=AT, coverage=[_COVERAGE])
    obj, _ = obj.relate(relation_id="REL-1", kind=RelationKind.ORDER, key="SO-1", at=AT)
    return obj


_REPAIR_EXAMPLES: dict[str, Callable[[], Call]] = {
    "SymptomArea": lambda: (SymptomArea, ("hard drive", "Hard drive"), {}),
    "SymptomCode": lambda: (SymptomCode, ("hard drive", "blue screen", ""), {}),
    "Condition": lambda: (Condition, ("fails after extended use", ""), {}),
    "DiagnosisArea": lambda: (DiagnosisArea, ("defective part", ""), {}),
    "DiagnosisCode": lambda: (DiagnosisCode, ("defective part", "new video card", ""), {}),
    "Resolution": lambda: (Resolution, ("replaced", ""), {}),
    "RepairStage": lambda: (RepairStage, ("DONE", "Repaired", True), {}),
    "FaultTaxonomy": lambda: (
        FaultTaxonomy,
        (),
        {
            "symptom_areas": _TAXONOMY.symptom_areas,
            "symptom_codes": _TAXONOMY.symptom_codes,
            "conditions": _TAXONOMY.conditions,
            "diagnosis_areas": _TAXONOMY.diagnosis_areas,
            "diagnosis_codes": _TAXONOMY.diagnosis_codes,
            "resolutions": _TAXONOMY.resolutions,
            "repair_stages": _TAXONOMY.repair_stages,
        },
    ),
    "FaultTaxonomy.from_dict": lambda: (FaultTaxonomy.from_dict, (_TAXONOMY.to_dict(),), {}),
    "FaultTaxonomy.to_dict": lambda: (_TAXONOMY.to_dict, (), {}),
    "FaultTaxonomy.symptom_area": lambda: (_TAXONOMY.symptom_area, ("hard drive",), {}),
    "FaultTaxonomy.symptom_code": lambda: (
        _TAXONOMY.symptom_code,
        ("hard drive", "blue screen"),
        {},
    ),
    "FaultTaxonomy.symptom_codes_in": lambda: (_TAXONOMY.symptom_codes_in, ("hard drive",), {}),
    "FaultTaxonomy.condition": lambda: (_TAXONOMY.condition, ("fails after extended use",), {}),
    "FaultTaxonomy.diagnosis_area": lambda: (_TAXONOMY.diagnosis_area, ("defective part",), {}),
    "FaultTaxonomy.diagnosis_code": lambda: (
        _TAXONOMY.diagnosis_code,
        ("defective part", "new video card installed"),
        {},
    ),
    "FaultTaxonomy.diagnosis_codes_in": lambda: (
        _TAXONOMY.diagnosis_codes_in,
        ("defective part",),
        {},
    ),
    "FaultTaxonomy.resolution": lambda: (_TAXONOMY.resolution, ("replaced",), {}),
    "FaultTaxonomy.repair_stage": lambda: (_TAXONOMY.repair_stage, ("DONE",), {}),
    "WarrantyCoverage": lambda: (WarrantyCoverage, (CoverageKind.LABOUR, _COVERAGE.period), {}),
    "WarrantyCoverage.inclusive": lambda: (
        WarrantyCoverage.inclusive,
        (CoverageKind.PARTS, date(2026, 1, 1), date(2026, 12, 31)),
        {},
    ),
    "CoverageStatus": lambda: (CoverageStatus, (CoverageKind.PARTS, True, DAY), {}),
    "WarrantyStatus": lambda: (
        WarrantyStatus,
        (DAY, warranty_status(_service_object(), on=DAY).coverage),
        {},
    ),
    "WarrantyStatus.of": lambda: (
        warranty_status(_service_object(), on=DAY).of,
        (CoverageKind.PARTS,),
        {},
    ),
    "WarrantyStatus.covered": lambda: (
        warranty_status(_service_object(), on=DAY).covered,
        (CoverageKind.LABOUR,),
        {},
    ),
    "warranty_status": lambda: (warranty_status, (_service_object(),), {"on": DAY}),
    "ServiceObjectRelation": lambda: (
        ServiceObjectRelation,
        ("REL-1", "OBJ-1", RelationKind.AGREEMENT, "AG-1"),
        {"template_bom_id": "BOM-1"},
    ),
    "ServiceObject": lambda: (
        ServiceObject,
        (),
        {
            "id": "OBJ-1",
            "version": 1,
            "group_id": "LAPTOPS",
            "description": "Laptop",
            "item_id": "IT-1",
            "serial_number": "SN-1",
            "template_bom_id": "BOM-1",
            "coverage": (_COVERAGE,),
            "relations": (),
            "recorded_at": AT,
        },
    ),
    "ServiceObject.create": lambda: (
        ServiceObject.create,
        (),
        {
            "id": "OBJ-1",
            "group_id": "LAPTOPS",
            "at": AT,
            "description": "Laptop",
            "item_id": "IT-1",
            "serial_number": "SN-1",
            "template_bom_id": "BOM-1",
            "coverage": [_COVERAGE],
        },
    ),
    "ServiceObject.coverage_of": lambda: (
        _service_object().coverage_of,
        (CoverageKind.PARTS,),
        {},
    ),
    "ServiceObject.relation": lambda: (_service_object().relation, ("REL-1",), {}),
    "ServiceObject.change_coverage": lambda: (
        _service_object().change_coverage,
        (CoverageKind.LABOUR, _COVERAGE.period),
        {"at": LATER},
    ),
    "ServiceObject.relate": lambda: (
        _service_object().relate,
        (),
        {
            "relation_id": "REL-2",
            "kind": RelationKind.AGREEMENT,
            "key": "AG-1",
            "at": LATER,
            "template_bom_id": "BOM-1",
        },
    ),
    "ServiceObject.unrelate": lambda: (_service_object().unrelate, ("REL-1",), {"at": LATER}),
    "RepairLine": lambda: (
        RepairLine,
        (),
        {
            "number": 1,
            "relation_id": "REL-BOILER-1",
            **_REPAIR_LINE_FIELDS,
            "created_at": AT,
            "finished_at": LATER,
        },
    ),
    "RepairLine.check_codes": lambda: (_repair_line().check_codes, (_TAXONOMY,), {}),
    "repair_status": lambda: (repair_status, ([_repair_line()],), {}),
    "ServiceOrder.repair_line": lambda: (_repaired_order().repair_line, (1,), {}),
    "ServiceOrder.add_repair_line": lambda: (
        ORDER.add_repair_line,
        (GRAPH, _TAXONOMY),
        {"relation_id": "REL-BOILER-1", "at": LATER, **_REPAIR_LINE_FIELDS},
    ),
    "ServiceOrder.change_repair_line": lambda: (
        _repaired_order().change_repair_line,
        (GRAPH, _TAXONOMY, 1),
        {"at": LATER, "description": "Video card", "note": "Done"},
    ),
    "ServiceOrder.move_repair_line": lambda: (
        _repaired_order().move_repair_line,
        (GRAPH, _TAXONOMY, 1, "DONE"),
        {"at": LATER},
    ),
    "ServiceOrder.delete_repair_line": lambda: (
        _repaired_order().delete_repair_line,
        (GRAPH, 1),
        {"at": LATER},
    ),
    "ServiceDesk.add_repair_line": lambda: (
        _service_desk().add_repair_line,
        ("SO-1",),
        {"relation_id": "REL-BOILER-1", **_REPAIR_LINE_FIELDS},
    ),
    "ServiceDesk.change_repair_line": lambda: (
        _service_desk().change_repair_line,
        ("SO-R", 1),
        {"note": "Done"},
    ),
    "ServiceDesk.move_repair_line": lambda: (
        _service_desk().move_repair_line,
        ("SO-R", 1, "DONE"),
        {},
    ),
    "ServiceDesk.delete_repair_line": lambda: (
        _service_desk().delete_repair_line,
        ("SO-R", 1),
        {},
    ),
    "ServiceObject.assign_template_bom": lambda: (
        _service_object().assign_template_bom,
        ("BOM-2",),
        {"at": LATER},
    ),
}


# ------------------------------------------------------- suggested resolutions examples

_SUGGESTION_COUNTS = SuggestionCounts(1, 2, 3, 4, 5, 8)
_PAST_REPAIR = SimpleNamespace(
    symptom_area_id="hard drive",
    symptom_code_id="blue screen",
    condition_id=None,
    diagnosis_area_id="defective part",
    diagnosis_code_id="new video card installed",
    resolution_id="replaced",
    finished_at=AT,
)
_SUGGESTION_EXAMPLES: dict[str, Callable[[], Call]] = {
    "SuggestionCounts": lambda: (SuggestionCounts, (1, 2, 3, 4, 5, 8), {"prior_weight": 1}),
    "SuggestionCounts.text": lambda: (_SUGGESTION_COUNTS.text, (), {}),
    "SuggestedResolution": lambda: (
        SuggestedResolution,
        ("defective part", "new video card installed", "replaced", _SUGGESTION_COUNTS),
        {},
    ),
    "SuggestedResolution.explain": lambda: (
        SuggestedResolution("d", "c", "r", _SUGGESTION_COUNTS).explain,
        (),
        {},
    ),
    "suggest_resolutions": lambda: (
        suggest_resolutions,
        ([_PAST_REPAIR],),
        {
            "symptom_area_id": "hard drive",
            "symptom_code_id": "blue screen",
            "condition_id": "fails after extended use",
            "limit": 3,
            "prior_weight": 1,
            "taxonomy": _TAXONOMY,
        },
    ),
}


# ------------------------------------------------------------------ rules examples

_RULES_DATA = {"slas": {"STD": {"resolution": "PT8H"}}}
_RULES = rules_from_dict(_RULES_DATA)


def _read_prices(data: Any, _loaded: Any) -> PriceTable:
    return PriceTable.from_dict(data)


def _write_prices(table: PriceTable) -> dict[str, Any]:
    return table.to_dict()


_PRICES_TYPE = RuleType("price_tables", PriceTable, _read_prices, _write_prices)


def _rules_file() -> str:
    """A rules file in a fresh temporary folder (``dump_rules`` may write it again)."""
    import tempfile

    folder = tempfile.mkdtemp(prefix="sweep-rules-")
    path = f"{folder}/rules.json"
    dump_rules(_RULES, path)
    return path


EXAMPLES: dict[str, Callable[[], Call]] = {
    # money
    "Currency": lambda: (Currency, ("XBT", 8), {}),
    "Currency.of": lambda: (Currency.of, ("EUR",), {"table": ISO_4217}),
    "CurrencyTable": lambda: (type(ISO_4217), ([Currency("XBT", 8)],), {}),
    "CurrencyTable.get": lambda: (ISO_4217.get, ("EUR",), {}),
    "CurrencyTable.with_currencies": lambda: (ISO_4217.with_currencies, (Currency("XBT", 8),), {}),
    "Money": lambda: (Money, (Decimal("1.50"), "EUR"), {}),
    "Money.of": lambda: (Money.of, ("1.50", "EUR"), {}),
    "Money.rounded": lambda: (
        Money.rounded,
        (Decimal("1.005"), "EUR"),
        {"rounding": Rounding.HALF_UP},
    ),
    "Money.zero": lambda: (Money.zero, ("EUR",), {}),
    "Money.from_minor_units": lambda: (Money.from_minor_units, (150, "EUR"), {}),
    "Money.total": lambda: (Money.total, ([EUR10, EUR10], "EUR"), {}),
    "Money.round": lambda: ((EUR10 * Decimal("0.333")).round, (), {}),
    "Money.divide": lambda: (EUR10.divide, (3,), {}),
    "Money.allocate": lambda: (EUR10.allocate, ([1, 2],), {}),
    "allocate": lambda: (allocate, (EUR10, [1, 2]), {}),
    "check_factor": lambda: (check_factor, (Decimal("1.5"), "value"), {}),
    # instants
    "local_date": lambda: (local_date, (AT, "Europe/Paris"), {}),
    "local_datetime": lambda: (local_datetime, (AT, "Europe/Paris"), {}),
    "named_zone": lambda: (named_zone, ("Europe/Paris",), {"field": "zone"}),
    "parse_date": lambda: (parse_date, ("2026-03-02", "text"), {}),
    "parse_instant": lambda: (parse_instant, ("2026-03-02T09:00:00Z", "text"), {}),
    "require_date": lambda: (require_date, (DAY, "value"), {}),
    "require_instant": lambda: (require_instant, (AT, "value"), {}),
    "resolve_local": lambda: (
        resolve_local,
        (datetime(2026, 3, 2, 9, 0), "Europe/Paris"),  # noqa: DTZ001 (a wall time)
        {},
    ),
    # periods
    "DateRange": lambda: (DateRange, (date(2026, 3, 1), date(2026, 4, 1)), {}),
    "DateRange.inclusive": lambda: (DateRange.inclusive, (date(2026, 3, 1), date(2026, 3, 31)), {}),
    "DateRange.covers": lambda: (MARCH.covers, (DateRange(DAY, date(2026, 3, 5)),), {}),
    "DateRange.overlaps": lambda: (MARCH.overlaps, (DateRange(DAY, date(2026, 5, 5)),), {}),
    "DateRange.intersection": lambda: (MARCH.intersection, (DateRange(DAY, date(2026, 5, 5)),), {}),
    "DateRange.split_at": lambda: (MARCH.split_at, (date(2026, 3, 15),), {}),
    "DateRange.check_tiled_by": lambda: (MARCH.check_tiled_by, (list(MARCH.split_at(DAY)),), {}),
    "DateRange.is_tiled_by": lambda: (MARCH.is_tiled_by, (list(MARCH.split_at(DAY)),), {}),
    "DateRangePool": lambda: (DateRangePool, (), {}),
    "DateRangePool.get": lambda: (DateRangePool().get, (MARCH.start, MARCH.end), {}),
    "DateRangePool.consecutive": lambda: (
        DateRangePool().consecutive,
        ([MARCH.start, DAY, MARCH.end],),
        {},
    ),
    "PeriodCode": lambda: (PeriodCode, (PeriodUnit.MONTH, 3), {}),
    "PeriodCode.parse": lambda: (PeriodCode.parse, ("P3M",), {}),
    "PeriodCode.step": lambda: (MONTHLY.step, (date(2026, 1, 31), 1), {}),
    "Schedule": lambda: (Schedule, (MONTHLY, date(2026, 1, 31)), {}),
    "Schedule.from_dict": lambda: (Schedule.from_dict, (SCHEDULE.to_dict(),), {}),
    "Schedule.to_dict": lambda: (SCHEDULE.to_dict, (), {}),
    "Schedule.index_of": lambda: (SCHEDULE.index_of, (DAY,), {}),
    "Schedule.is_boundary": lambda: (SCHEDULE.is_boundary, (DAY,), {}),
    "Schedule.period": lambda: (SCHEDULE.period, (2,), {}),
    "Schedule.period_containing": lambda: (SCHEDULE.period_containing, (DAY,), {}),
    "Schedule.periods": lambda: (SCHEDULE.periods, (MARCH,), {}),
    "Schedule.boundaries": lambda: (SCHEDULE.boundaries, (MARCH,), {}),
    "Schedule.starts": lambda: (SCHEDULE.starts, (MARCH,), {}),
    "Schedule.starts_for": lambda: (
        Schedule.starts_for,
        (MONTHLY, [date(2026, 1, 31)], MARCH),
        {"alignment": Alignment.ANCHORED},
    ),
    "Schedule.whole_period": lambda: (SCHEDULE.whole_period, (0,), {}),
    # calendars
    "Slot": lambda: (Slot, (time(8), time(12)), {}),
    "Slot.parse": lambda: (Slot.parse, ("08:00-12:00",), {}),
    "WorkingCalendar": lambda: (WorkingCalendar, (), _fields(CALENDAR)),
    "WorkingCalendar.standard": lambda: (WorkingCalendar.standard, ("Europe/Paris",), {}),
    "WorkingCalendar.from_dict": lambda: (WorkingCalendar.from_dict, (CALENDAR.to_dict(),), {}),
    "WorkingCalendar.to_dict": lambda: (CALENDAR.to_dict, (), {}),
    "WorkingCalendar.with_holidays": lambda: (
        CALENDAR.with_holidays,
        (_Holidays(), date(2026, 1, 1), date(2026, 12, 31)),
        {},
    ),
    "WorkingCalendar.slots_on": lambda: (CALENDAR.slots_on, (DAY,), {}),
    "WorkingCalendar.is_closed": lambda: (CALENDAR.is_closed, (DAY,), {}),
    "WorkingCalendar.closures": lambda: (CALENDAR.closures, (AT, AT + timedelta(days=9)), {}),
    "WorkingCalendar.is_working": lambda: (CALENDAR.is_working, (AT,), {}),
    "WorkingCalendar.next_working_instant": lambda: (CALENDAR.next_working_instant, (AT,), {}),
    "WorkingCalendar.deadline": lambda: (CALENDAR.deadline, (AT, timedelta(hours=8)), {}),
    "WorkingCalendar.deadlines": lambda: (CALENDAR.deadlines, ([AT], timedelta(hours=8)), {}),
    "WorkingCalendar.elapsed": lambda: (CALENDAR.elapsed, (AT, LATER), {}),
    "WorkingCalendar.working_intervals": lambda: (CALENDAR.working_intervals, (AT, LATER), {}),
    # stages
    "Decision": lambda: _new(GRAPH.decision("CREATED")),
    "Decision.allows": lambda: (GRAPH.decision("CREATED").allows, (Action.MODIFY,), {}),
    "Decision.why_not": lambda: (GRAPH.decision("CREATED").why_not, (Action.POST,), {}),
    "Decision.require": lambda: (GRAPH.decision("CREATED").require, (Action.MODIFY, "SO-1"), {}),
    "ReasonCode": lambda: (ReasonCode, ("DONE", "Done"), {}),
    "ReasonLogEntry": lambda: _new(
        ORDER.change_stage(GRAPH, "PLANNED", at=LATER)[0].reason_log[-1]
    ),
    "Stage": lambda: _new(GRAPH.stage("PLANNED")),
    "StageGraph": lambda: (type(GRAPH), (list(GRAPH.path_to("COMPLETED")),), {}),
    "StageGraph.stage": lambda: (GRAPH.stage, ("PLANNED",), {}),
    "StageGraph.children": lambda: (GRAPH.children, ("PLANNED",), {}),
    "StageGraph.parent": lambda: (GRAPH.parent, ("PLANNED",), {}),
    "StageGraph.path_to": lambda: (GRAPH.path_to, ("PLANNED",), {}),
    "StageGraph.transition": lambda: (
        GRAPH.transition,
        ("CREATED", "PLANNED"),
        {"entity_id": "SO-1"},
    ),
    "StageGraph.next_stage": lambda: (
        GRAPH.next_stage,
        ("CREATED",),
        {"entity_id": "SO-1", "choice": "PLANNED"},
    ),
    "StageGraph.previous_stage": lambda: (
        GRAPH.previous_stage,
        ("PLANNED",),
        {"entity_id": "SO-1"},
    ),
    "StageGraph.decision": lambda: (GRAPH.decision, ("PLANNED",), {}),
    "StageGraph.from_dict": lambda: (type(GRAPH).from_dict, (GRAPH.to_dict(),), {}),
    "StageGraph.to_dict": lambda: (GRAPH.to_dict, (), {}),
    "StageGraph.to_mermaid": lambda: (GRAPH.to_mermaid, (), {}),
    "StageRules": lambda: (StageRules, (), {"may_post": True}),
    "StageRules.allows": lambda: (StageRules().allows, (Action.MODIFY,), {}),
    "enter_stage": lambda: (
        enter_stage,
        (GRAPH,),
        {
            "entity_id": "SO-1",
            "from_id": "CREATED",
            "to_id": "PLANNED",
            "at": LATER,
            "reason": REASON,
            "note": "planned",
        },
    ),
    "manual_entry": lambda: (
        manual_entry,
        (),
        {"entity_id": "SO-1", "stage_id": "PLANNED", "at": LATER, "reason": REASON, "note": "x"},
    ),
    # sla
    "Allowance": lambda: (Allowance, (), {"days": 1, "hours": 2, "minutes": 3}),
    "Allowance.parse": lambda: (Allowance.parse, ("PT8H",), {}),
    "ServiceLevelAgreement": lambda: _new(SLA),
    "ServiceLevelAgreement.allowance": lambda: (SLA.allowance, (SlaTarget.RESOLUTION,), {}),
    "ServiceLevelAgreement.from_dict": lambda: (
        ServiceLevelAgreement.from_dict,
        (SLA.to_dict(),),
        {"calendars": {}},
    ),
    "ServiceLevelAgreement.to_dict": lambda: (SLA.to_dict, (), {}),
    "Segment": lambda: _new(MEASUREMENT.timeline[0]),
    "SlaEntry": lambda: _new(ENTRIES[0]),
    "SlaEntry.start": lambda: (SlaEntry.start, (AT,), {}),
    "SlaEntry.stop": lambda: (SlaEntry.stop, (AT,), {"reason": REASON}),
    "SlaEntry.cancel": lambda: (SlaEntry.cancel, (AT,), {"reason": REASON}),
    "SlaEntry.stage": lambda: (
        SlaEntry.stage,
        (AT, "PLANNED"),
        {"stops_clock": False, "reason": REASON},
    ),
    "SlaMeasurement": lambda: _new(MEASUREMENT),
    "SlaMeasurement.explain": lambda: (MEASUREMENT.explain, ("Europe/Paris",), {}),
    "SlaMeasurement.not_measured": lambda: (
        SlaMeasurement.not_measured,
        (timedelta(hours=8),),
        {},
    ),
    "SlaParameters": lambda: (SlaParameters, (), {"reason_on_exceeding": True}),
    "SlaTargets": lambda: (SlaTargets, (), {"resolution": Allowance(hours=8)}),
    "SlaTargets.get": lambda: (SLA.targets.get, (SlaTarget.RESOLUTION,), {}),
    "clock_state": lambda: (clock_state, (ENTRIES,), {}),
    "effective_sla_id": lambda: (
        effective_sla_id,
        (),
        {"agreement_sla_id": "SLA-1", "group_default_sla_id": None, "generated": True},
    ),
    "measure": lambda: (measure, (SLA, ENTRIES), {"now": LATER}),
    "require_reason": lambda: (
        require_reason,
        (SlaParameters(), MEASUREMENT),
        {"action": "stop", "reason": REASON, "entity_id": "SO-1"},
    ),
    # agreements
    "AgreementGroup": lambda: (AgreementGroup, ("G-2", "Other"), {}),
    "AgreementLine": lambda: _new(AGREEMENT_LINE),
    "AgreementLine.occurrences": lambda: (AGREEMENT_LINE.occurrences, (MARCH,), {}),
    "AgreementLine.from_new": lambda: (
        AgreementLine.from_new,
        (NEW_AGREEMENT_LINE,),
        {"number": 2},
    ),
    "NewAgreementLine": lambda: _new(NEW_AGREEMENT_LINE),
    "ServiceAgreement": lambda: _new(AGREEMENT),
    "ServiceAgreement.create": lambda: (
        ServiceAgreement.create,
        (),
        {
            "id": "AG-2",
            "customer_id": "C-100",
            "group": GROUP,
            "start_date": date(2026, 1, 1),
            "at": AT,
        },
    ),
    "ServiceAgreement.line": lambda: (AGREEMENT.line, (1,), {}),
    "ServiceAgreement.add_line": lambda: (AGREEMENT.add_line, (NEW_AGREEMENT_LINE,), {"at": LATER}),
    "ServiceAgreement.change_line": lambda: (
        AGREEMENT.change_line,
        (1,),
        {"at": LATER, "description": "Monthly visit"},
    ),
    "ServiceAgreement.stop_line": lambda: (AGREEMENT.stop_line, (1,), {"at": LATER}),
    "ServiceAgreement.restart_line": lambda: (
        AGREEMENT.stop_line(1, at=LATER)[0].restart_line,
        (1,),
        {"at": LATER},
    ),
    "ServiceAgreement.suspend": lambda: (AGREEMENT.suspend, (), {"at": LATER}),
    "ServiceAgreement.resume": lambda: (
        AGREEMENT.suspend(at=LATER)[0].resume,
        (),
        {"at": LATER},
    ),
    "ServiceAgreement.relate_object": lambda: (
        AGREEMENT.relate_object,
        (AGREEMENT_OBJECT,),
        {"at": LATER},
    ),
    "ServiceAgreement.relation_of": lambda: (AGREEMENT.relation_of, ("BOILER-1",), {}),
    "ServiceAgreement.relate_task": lambda: (AGREEMENT.relate_task, (TASK,), {"at": LATER}),
    "ServiceAgreement.copy_lines_from": lambda: (
        AGREEMENT.copy_lines_from,
        (TEMPLATE,),
        {"at": LATER, "with_relations": True},
    ),
    "ServiceInterval": lambda: (ServiceInterval, (IntervalUnit.WEEK, 2), {}),
    "ServiceInterval.occurrences": lambda: (
        ServiceInterval(IntervalUnit.WEEK, 2).occurrences,
        (date(2026, 1, 5), MARCH),
        {},
    ),
    "ServiceTemplate": lambda: _new(TEMPLATE),
    "TemplateGroup": lambda: (TemplateGroup, ("TG-2", "Pumps", "TG-1"), {}),
    "TemplateGroups": lambda: (TemplateGroups, ([TemplateGroup("TG-1")],), {}),
    "TemplateGroups.group": lambda: (TEMPLATE_GROUPS.group, ("TG-1",), {}),
    "TemplateGroups.children": lambda: (TEMPLATE_GROUPS.children, ("TG-1",), {}),
    "TemplateGroups.parent": lambda: (TEMPLATE_GROUPS.parent, ("TG-1",), {}),
    "TemplateGroups.path_to": lambda: (TEMPLATE_GROUPS.path_to, ("TG-1",), {}),
    "TemplateGroups.from_dict": lambda: (
        TemplateGroups.from_dict,
        (TEMPLATE_GROUPS.to_dict(),),
        {},
    ),
    "TemplateGroups.to_dict": lambda: (TEMPLATE_GROUPS.to_dict, (), {}),
    "TimeWindow": lambda: (TimeWindow, (WindowKind.DAYS, 1, 1), {}),
    "TimeWindow.bounds": lambda: (WINDOW.bounds, (DAY,), {}),
    "TimeWindow.ordinal_bounds": lambda: (WINDOW.ordinal_bounds, (DAY.toordinal(),), {}),
    "GeneratedOrderKey": lambda: (GeneratedOrderKey, ("AG-1", DAY), {"group_key": None}),
    "default_order_id": lambda: (default_order_id, (GeneratedOrderKey("AG-1", DAY),), {}),
    "Generation": lambda: _new(GENERATION),
    "generate_service_orders": lambda: (
        generate_service_orders,
        ([AGREEMENT], GRAPH),
        {"period": MARCH, "types": {TransactionType.HOUR}, "at": AT},
    ),
    # orders
    "AgreementLineRef": lambda: (AgreementLineRef, ("AG-1", 1), {}),
    "JournalEntry": lambda: _new(JOURNAL_ENTRY),
    "JournalEntry.for_line": lambda: (
        JournalEntry.for_line,
        (ORDER.line(1),),
        {"order_id": "SO-1", "customer_id": "C-100", "project_id": None, "agreement_id": None},
    ),
    "NewLine": lambda: _new(HOUR_LINE),
    "NewLine.numbered": lambda: (HOUR_LINE.numbered, (3,), {}),
    "ServiceLine": lambda: (
        ServiceLine,
        (),
        {
            "transaction_type": TransactionType.HOUR,
            "description": "Repair",
            "quantity": Decimal(1),
            "unit": "h",
            "cost_price": Money(40, "EUR"),
            "sales_price": Money(85, "EUR"),
        },
    ),
    "PostingPlan": lambda: _new(PLAN),
    "PostingPlan.by_type": lambda: (PLAN.by_type, (), {}),
    "PostingPlan.reason_skipped": lambda: (PLAN.reason_skipped, (2,), {}),
    "ServiceOrderLine": lambda: _new(ORDER.line(1)),
    "ServiceTask": lambda: (ServiceTask, ("CLEAN", "Cleaning"), {}),
    "ServiceOrder": lambda: _new(ORDER),
    "ServiceOrder.create": lambda: (
        ServiceOrder.create,
        (GRAPH,),
        {"id": "SO-2", "customer_id": "C-100", "at": AT},
    ),
    "ServiceOrder.generated": lambda: (
        ServiceOrder.generated,
        (),
        {
            "id": "SO-9",
            "customer_id": "C-100",
            "at": AT,
            "stage_id": GRAPH.root.id,
            "description": "",
            "agreement_id": "AGR-1",
            "project_id": None,
            "preferred_service_at": None,
            "responsible_worker_id": None,
            "preferred_technician_id": None,
            "sla_id": None,
            "calendar_conflict": False,
            "object_relations": (),
            "service_tasks": ORDER.service_tasks,
            "lines": ORDER.lines,
        },
    ),
    "ServiceOrder.line": lambda: (ORDER.line, (1,), {}),
    "ServiceOrder.decision": lambda: (ORDER.decision, (GRAPH,), {}),
    "ServiceOrder.add_line": lambda: (ORDER.add_line, (GRAPH, HOUR_LINE), {"at": LATER}),
    "ServiceOrder.change_line": lambda: (
        ORDER.change_line,
        (GRAPH, 1),
        {"at": LATER, "description": "Inspection"},
    ),
    "ServiceOrder.remove_line": lambda: (ORDER.remove_line, (GRAPH, 1), {"at": LATER}),
    "ItemRequirement": lambda: _new(REQUIREMENT),
    "ServiceOrder.add_item_requirement": lambda: (
        ITEM_ORDER.add_item_requirement,
        (GRAPH, 1, REQUIREMENT),
        {"at": LATER},
    ),
    "ServiceOrder.remove_item_requirement": lambda: (
        REQUIRED_ORDER.remove_item_requirement,
        (GRAPH, 1, "IR-1"),
        {"at": LATER},
    ),
    "ServiceOrder.relate_object": lambda: (ORDER.relate_object, (GRAPH, OBJECT), {"at": LATER}),
    "ServiceOrder.relation": lambda: (ORDER.relation, ("REL-BOILER-1",), {}),
    "ServiceOrder.relation_of": lambda: (ORDER.relation_of, ("BOILER-1",), {}),
    "ServiceOrder.relate_task": lambda: (ORDER.relate_task, (GRAPH, TASK), {"at": LATER}),
    "ServiceOrder.change_stage": lambda: (
        ORDER.change_stage,
        (GRAPH, "PLANNED"),
        {"at": LATER, "reason": REASON, "note": "planned"},
    ),
    "ServiceOrder.cancel": lambda: (ORDER.cancel, (GRAPH,), {"at": LATER, "reason": REASON}),
    "ServiceOrder.revoke_cancel": lambda: (
        ORDER.cancel(GRAPH, at=LATER, reason=REASON)[0].revoke_cancel,
        (GRAPH,),
        {"at": LATER},
    ),
    "ServiceOrder.cancel_line": lambda: (ORDER.cancel_line, (GRAPH, 1), {"at": LATER}),
    "ServiceOrder.revoke_line_cancel": lambda: (
        ORDER.cancel_line(GRAPH, 1, at=LATER)[0].revoke_line_cancel,
        (GRAPH, 1),
        {"at": LATER},
    ),
    "ServiceOrder.delete": lambda: (ORDER.delete, (GRAPH,), {"at": LATER}),
    "ServiceOrder.sign_off": lambda: (ORDER.sign_off, (), {"at": LATER, "numbers": [1]}),
    "ServiceOrder.plan_posting": lambda: (
        _completed_order().plan_posting,
        (GRAPH,),
        {"period": MARCH, "types": {TransactionType.HOUR}},
    ),
    "ServiceOrder.mark_posted": lambda: (
        _completed_order().mark_posted,
        ({1: "TX-1"},),
        {"at": LATER},
    ),
    "ServiceOrder.start_sla": lambda: (SLA_ORDER.start_sla, (), {"at": LATER}),
    "ServiceOrder.stop_sla": lambda: (
        SLA_ORDER.start_sla(at=AT)[0].stop_sla,
        (),
        {"at": LATER, "reason": REASON},
    ),
    "ServiceOrder.cancel_sla": lambda: (
        SLA_ORDER.start_sla(at=AT)[0].cancel_sla,
        (),
        {"at": LATER, "reason": REASON},
    ),
    "ServiceOrder.measure_sla": lambda: (
        SLA_ORDER.start_sla(at=AT)[0].measure_sla,
        (SLA,),
        {"now": LATER},
    ),
    "move_lines": lambda: (
        move_lines,
        (
            GRAPH,
            attrs.evolve(ORDER, agreement_id="AG-1"),
            attrs.evolve(boiler_order("SO-2"), agreement_id="AG-1"),
        ),
        {"numbers": [1], "at": LATER},
    ),
    "roll_up": lambda: (roll_up, ([LineStatus.CREATED],), {}),
    "MovedLines": lambda: (MovedLines, tuple(_moved()), {}),
    # billing
    "AccrualEntry": lambda: _new(ACCRUAL_ENTRY),
    "AccrualPeriod": lambda: _new(ACCRUALS[0]),
    "AccrualPolicy": lambda: _new(POLICY),
    "BillableTransaction": lambda: _new(TRANSACTION),
    "BillableTransaction.from_journal": lambda: (
        BillableTransaction.from_journal,
        ("TX-1", JOURNAL_ENTRY),
        {},
    ),
    "FeeKey": lambda: (FeeKey, ("S-1", MARCH, FEE.kind), {"revision": 0}),
    "FeeTransaction": lambda: _new(FEE),
    "IndexedPrice": lambda: (IndexedPrice, (EUR10, Decimal(105)), {}),
    "IndexedPrice.index_by_percent": lambda: (IndexedPrice(EUR10).index_by_percent, (3,), {}),
    "IndexedPrice.index_to": lambda: (IndexedPrice(EUR10).index_to, (103,), {}),
    "IndexedPrice.base_by_percent": lambda: (IndexedPrice(EUR10).base_by_percent, (3,), {}),
    "IndexedPrice.base_to": lambda: (IndexedPrice(EUR10).base_to, (Money(11, "EUR"),), {}),
    "Invoice": lambda: _new(INVOICE),
    "InvoiceLine": lambda: _new(INVOICE_LINE),
    "InvoiceLine.for_fee": lambda: (InvoiceLine.for_fee, (FEE,), {}),
    "InvoiceLine.for_transaction": lambda: (InvoiceLine.for_transaction, (TRANSACTION,), {}),
    "InvoiceProposal": lambda: _new(PROPOSAL),
    "InvoiceProposal.post": lambda: (
        PROPOSAL.post,
        (),
        {"invoice_id": "INV-2", "invoice_date": DAY},
    ),
    "InvoicedItem": lambda: _new(ITEM),
    "PriceChange": lambda: (
        PriceChange,
        (),
        {"effective_date": DAY, "base_price": EUR10, "index": Decimal(100)},
    ),
    "PriceEntry": lambda: _new(PRICE_ENTRY),
    "PriceEntry.matches": lambda: (
        PRICE_ENTRY.matches,
        (),
        {"subscription_id": "S-1", "project_id": "P-1", "category_id": "CAT"},
    ),
    "PriceTable": lambda: (PriceTable, ((PRICE_ENTRY,),), {}),
    "PriceTable.find": lambda: (PRICES.find, (), _price_query(on=DAY)),
    "PriceTable.from_dict": lambda: (PriceTable.from_dict, (PRICES.to_dict(),), {}),
    "PriceTable.to_dict": lambda: (PRICES.to_dict, (), {}),
    "PriceEntry.from_dict": lambda: (PriceEntry.from_dict, (PRICE_ENTRY.to_dict(),), {}),
    "PriceEntry.to_dict": lambda: (PRICE_ENTRY.to_dict, (), {}),
    "SubscriptionGroup.from_dict": lambda: (
        SubscriptionGroup.from_dict,
        (SUBSCRIPTION_GROUP.to_dict(),),
        {},
    ),
    "SubscriptionGroup.to_dict": lambda: (SUBSCRIPTION_GROUP.to_dict, (), {}),
    "PriceTable.effective_dates": lambda: (PRICES.effective_dates, (), _price_query()),
    "PriceTable.price": lambda: (PRICES.price, (), _price_query(on=DAY)),
    "Subscription": lambda: _new(SUBSCRIPTION),
    "Subscription.create": lambda: (
        Subscription.create,
        (),
        {
            "id": "S-2",
            "group_id": "M",
            "customer_id": "C-100",
            "project_id": "P-1",
            "category_id": "CAT",
            "period_code": MONTHLY,
            "base_price": Money(Decimal("120.00"), "EUR"),
            "start_date": date(2026, 3, 1),
            "at": LATER,
        },
    ),
    "Subscription.record_fees": lambda: (SUBSCRIPTION.record_fees, (FEES,), {"at": LATER}),
    "Subscription.billing_period": lambda: (SUBSCRIPTION.billing_period, (FEE.period,), {}),
    "Subscription.indexed_price_on": lambda: (SUBSCRIPTION.indexed_price_on, (DAY,), {}),
    "Subscription.price_on": lambda: (SUBSCRIPTION.price_on, (DAY,), {"prices": PRICES}),
    "Subscription.change_price": lambda: (
        SUBSCRIPTION.change_price,
        (),
        {"effective_date": date(2026, 6, 1), "base_price": EUR10, "index": 101, "at": LATER},
    ),
    "Subscription.index_by_percent": lambda: (
        SUBSCRIPTION.index_by_percent,
        (3,),
        {"effective_date": date(2026, 6, 1), "at": LATER},
    ),
    "Subscription.index_to": lambda: (
        SUBSCRIPTION.index_to,
        (103,),
        {"effective_date": date(2026, 6, 1), "at": LATER},
    ),
    "Subscription.base_by_percent": lambda: (
        SUBSCRIPTION.base_by_percent,
        (3,),
        {"effective_date": date(2026, 6, 1), "at": LATER},
    ),
    "Subscription.base_to": lambda: (
        SUBSCRIPTION.base_to,
        (EUR10,),
        {"effective_date": date(2026, 6, 1), "at": LATER},
    ),
    "Subscription.cancel": lambda: (
        SUBSCRIPTION.cancel,
        (),
        {"last_day": date(2026, 5, 31), "at": LATER},
    ),
    "Subscription.deactivate": lambda: (SUBSCRIPTION.deactivate, (), {"at": LATER}),
    "Subscription.activate": lambda: (
        SUBSCRIPTION.deactivate(at=LATER)[0].activate,
        (),
        {"at": LATER},
    ),
    "SubscriptionGroup": lambda: _new(SUBSCRIPTION_GROUP),
    "accrual_periods": lambda: (
        accrual_periods,
        (),
        {
            "source_id": FEE.id,
            "amount": FEE.amount,
            "service_period": FEE.period,
            "policy": POLICY,
            "anchor": None,
        },
    ),
    "accrual_periods_for": lambda: (
        accrual_periods_for,
        (INVOICE, {FEE.id: FEE}, _policy_of),
        {},
    ),
    "next_document_id": lambda: (
        next_document_id,
        (),
        {
            "prefix": "INV",
            "customer_id": "C-100",
            "currency": Currency.of("EUR"),
            "on": DAY,
            "taken": ["INV-C-100-EUR-20260302-1"],
        },
    ),
    "BillingDesk": lambda: (
        BillingDesk,
        (),
        {
            "unit_of_work": lambda: InMemoryBillingUnitOfWork(InMemoryStore()),
            "clock": _clock(),
            "groups": {"M": SUBSCRIPTION_GROUP},
            "prices": PRICES,
            "accrual_journal": InMemoryJournal[Any]("accruals"),
            "invoice_prefix": "INV",
            "credit_note_prefix": "CN",
            "closed": lambda day: False,
        },
    ),
    "BillingDesk.create_subscription": lambda: (
        _billing_desk(empty=True).create_subscription,
        (),
        {
            "group_id": "M",
            "id": "S-1",
            "customer_id": "C-100",
            "project_id": "P-1",
            "category_id": "CAT",
            "base_price": Money(Decimal("120.00"), "EUR"),
            "start_date": date(2026, 3, 1),
            "name": "",
            "index": 100,
            "price_basis": PriceBasis.BASE_PRICE,
            "end_date": None,
            "active": True,
            "timing": BillingTiming.IN_ADVANCE,
            "alignment": Alignment.ANCHORED,
        },
    ),
    "BillingDesk.change_price": lambda: (
        _billing_desk().change_price,
        ("S-1",),
        {"effective_date": date(2026, 4, 1), "base_price": Money(130, "EUR"), "index": None},
    ),
    "BillingDesk.index_by_percent": lambda: (
        _billing_desk().index_by_percent,
        ("S-1",),
        {"pct": 10, "effective_date": date(2026, 4, 1)},
    ),
    "BillingDesk.index_to": lambda: (
        _billing_desk().index_to,
        ("S-1",),
        {"value": 110, "effective_date": date(2026, 4, 1)},
    ),
    "BillingDesk.base_by_percent": lambda: (
        _billing_desk().base_by_percent,
        ("S-1",),
        {"pct": 10, "effective_date": date(2026, 4, 1)},
    ),
    "BillingDesk.base_to": lambda: (
        _billing_desk().base_to,
        ("S-1",),
        {"base_price": Money(130, "EUR"), "effective_date": date(2026, 4, 1)},
    ),
    "BillingDesk.cancel": lambda: (
        _billing_desk().cancel,
        ("S-1",),
        {"last_day": date(2026, 5, 31)},
    ),
    "BillingDesk.deactivate": lambda: (_billing_desk().deactivate, ("S-1",), {}),
    "BillingDesk.activate": lambda: (_billing_desk().activate, ("S-1",), {}),
    "BillingDesk.reduce_days": lambda: (
        _billing_desk().reduce_days,
        ("S-1",),
        {"charge_id": FEE.id, "removed": DateRange.inclusive(date(2026, 3, 10), date(2026, 3, 11))},
    ),
    "BillingDesk.generate_fees": lambda: (
        _billing_desk().generate_fees,
        (),
        {"as_of": date(2026, 4, 30), "group_id": "M", "subscription_ids": ["S-1"]},
    ),
    "BillingDesk.generate_fees_within": lambda: (
        _billing_desk().generate_fees_within,
        (),
        {
            "within": DateRange(date(2026, 3, 1), date(2026, 5, 1)),
            "run": FeeRun.REGULAR,
            "continuous": False,
            "group_id": "M",
            "subscription_ids": ["S-1"],
        },
    ),
    "BillingDesk.reverse_accrual": lambda: (
        _billing_desk(accrued=True).reverse_accrual,
        (FEE.id, 0),
        {"on": date(2026, 4, 1)},
    ),
    "BillingDesk.invoice_customers": lambda: (
        _billing_desk().invoice_customers,
        (),
        {
            "due_by": date(2026, 3, 31),
            "invoice_date": DAY,
            "transactions": [TRANSACTION],
            "customer_id": "C-100",
        },
    ),
    "BillingDesk.credit_invoiced": lambda: (
        _billing_desk(invoiced=True).credit_invoiced,
        (),
        {
            "credit_note_id": "CN-1",
            "credit_date": date(2026, 3, 5),
            "select": [FEE.id],
            "amounts": None,
        },
    ),
    "BillingDesk.accrue_revenue": lambda: (
        _billing_desk(invoiced=True).accrue_revenue,
        (),
        {"through": date(2026, 4, 1), "posting_date": date(2026, 4, 1)},
    ),
    "BillingDesk.subscription": lambda: (_billing_desk().subscription, ("S-1",), {}),
    "BillingDesk.fees": lambda: (_billing_desk().fees, ("S-1",), {}),
    "BillingDesk.subscriptions": lambda: (_billing_desk().subscriptions, (), {"group_id": "M"}),
    "BillingDesk.invoiced": lambda: (_billing_desk(invoiced=True).invoiced, ([FEE.id],), {}),
    "BillingDesk.accrual_periods": lambda: (
        _billing_desk(accrued=True).accrual_periods,
        (FEE.id,),
        {},
    ),
    "BillingDesk.documents": lambda: (_billing_desk(invoiced=True).documents, ("C-100",), {}),
    "accrue": lambda: (accrue, (ACCRUALS,), {"through": date(2026, 4, 1), "posting_date": DAY}),
    "accrued_total": lambda: (accrued_total, (ACCRUED,), {}),
    "allowed_accrual_period_codes": lambda: (allowed_accrual_period_codes, (MONTHLY,), {}),
    "credit_note": lambda: (
        credit_note,
        (),
        {
            "credit_note_id": "CN-1",
            "credit_date": DAY,
            "invoiced_items": INVOICED,
            "select": [FEE.id],
            "amounts": None,
        },
    ),
    "days_share": lambda: (days_share, (EUR10, 3, 31), {}),
    "document_issued": lambda: (document_issued, (INVOICE,), {"at": LATER}),
    "generate_fees": lambda: (
        generate_fees,
        (SUBSCRIPTION, (), PRICES),
        {"as_of": date(2026, 3, 31), "within": None, "pool": DateRangePool()},
    ),
    "latest_end": lambda: (latest_end, (FEES,), {}),
    "new_fees": lambda: (new_fees, (FEES, FEES), {}),
    "propose_invoices": lambda: (
        propose_invoices,
        (),
        {
            "due_by": date(2026, 3, 31),
            "fees": FEES,
            "transactions": [TRANSACTION],
            "invoiced_ids": frozenset(),
            "customer_id": "C-100",
        },
    ),
    "prorate": lambda: (
        prorate,
        (EUR10, DateRange(date(2026, 3, 1), date(2026, 3, 11)), MARCH),
        {},
    ),
    "record_document": lambda: (record_document, ({}, INVOICE), {}),
    "revenue_accrued": lambda: (revenue_accrued, (ACCRUAL_ENTRIES,), {"at": LATER}),
    "reduce_days": lambda: (
        reduce_days,
        (SUBSCRIPTION, FEES),
        {"charge": FEE, "removed": DateRange(date(2026, 3, 10), date(2026, 3, 12))},
    ),
    "reverse_for_credit": lambda: (
        reverse_for_credit,
        (ACCRUED,),
        {
            "credit_id": "CN-1",
            "credited": FEE.amount,
            "invoiced": FEE.amount,
            "credit_date": date(2026, 4, 2),
            "mode": ReversalMode.INVOICE_DATE,
        },
    ),
    "reverse_period": lambda: (
        reverse_period,
        (ACCRUED, 0),
        {"on": date(2026, 4, 2)},
    ),
    # reports
    "MarginReport": lambda: _new(MARGIN),
    "MarginReport.order_totals": lambda: (MARGIN.order_totals, ("SO-1",), {}),
    "MarginReport.render_text": lambda: (MARGIN.render_text, (), {}),
    "MarginReport.render_csv": lambda: (MARGIN.render_csv, (), {}),
    "MarginReport.render_json": lambda: (MARGIN.render_json, (), {}),
    "MarginReport.render_html": lambda: (MARGIN.render_html, (), {}),
    "MarginReport.view": lambda: (MARGIN.view, (), {}),
    "BarChart": lambda: _new(MARGIN_VIEW.charts[0]),
    "ReportColumn": lambda: _new(MARGIN_VIEW.tables[0].columns[0]),
    "ReportTable": lambda: _new(MARGIN_VIEW.tables[0]),
    "ReportView": lambda: _new(MARGIN_VIEW),
    "render": lambda: (render, (MARGIN_VIEW, "csv"), {}),
    "render_csv": lambda: (render_csv, (MARGIN_VIEW,), {}),
    "render_html": lambda: (render_html, (MARGIN_VIEW,), {}),
    "render_json": lambda: (render_json, (MARGIN_VIEW,), {}),
    "render_text": lambda: (render_text, (MARGIN_VIEW,), {}),
    "InvoiceDocument": lambda: _new(DOCUMENT),
    "InvoiceDocument.render_csv": lambda: (DOCUMENT.render_csv, (), {}),
    "InvoiceDocument.render_html": lambda: (DOCUMENT.render_html, (), {}),
    "InvoiceDocument.render_json": lambda: (DOCUMENT.render_json, (), {}),
    "InvoiceDocument.render_text": lambda: (DOCUMENT.render_text, (), {}),
    "InvoiceDocument.view": lambda: (DOCUMENT.view, (), {}),
    "invoice_document": lambda: (invoice_document, (INVOICE,), {}),
    "SlaExplanation": lambda: _new(SLA_REPORT),
    "SlaExplanation.render_csv": lambda: (SLA_REPORT.render_csv, (), {}),
    "SlaExplanation.render_html": lambda: (SLA_REPORT.render_html, (), {}),
    "SlaExplanation.render_json": lambda: (SLA_REPORT.render_json, (), {}),
    "SlaExplanation.render_text": lambda: (SLA_REPORT.render_text, (), {}),
    "SlaExplanation.view": lambda: (SLA_REPORT.view, (), {}),
    "SlaExplanation.timeline": lambda: (SLA_REPORT.timeline, (), {}),
    "TimelineChart": lambda: _new(SLA_REPORT.timeline()),
    "TimelineMarker": lambda: _new(SLA_REPORT.timeline().markers[0]),
    "TimelineSpan": lambda: _new(SLA_REPORT.timeline().spans[0]),
    "sla_explanation": lambda: (
        sla_explanation,
        (),
        {"order_id": "SO-1", "sla_id": SLA.id, "measurement": MEASUREMENT, "at": LATER},
    ),
    "SubscriptionFeeReport": lambda: _new(FEE_REPORT),
    "SubscriptionFeeReport.render_csv": lambda: (FEE_REPORT.render_csv, (), {}),
    "SubscriptionFeeReport.render_html": lambda: (FEE_REPORT.render_html, (), {}),
    "SubscriptionFeeReport.render_json": lambda: (FEE_REPORT.render_json, (), {}),
    "SubscriptionFeeReport.render_text": lambda: (FEE_REPORT.render_text, (), {}),
    "SubscriptionFeeReport.view": lambda: (FEE_REPORT.view, (), {}),
    "SubscriptionTransactionsReport": lambda: _new(TRANSACTIONS_REPORT),
    "SubscriptionTransactionsReport.render_csv": lambda: (TRANSACTIONS_REPORT.render_csv, (), {}),
    "SubscriptionTransactionsReport.render_html": lambda: (
        TRANSACTIONS_REPORT.render_html,
        (),
        {},
    ),
    "SubscriptionTransactionsReport.render_json": lambda: (
        TRANSACTIONS_REPORT.render_json,
        (),
        {},
    ),
    "SubscriptionTransactionsReport.render_text": lambda: (
        TRANSACTIONS_REPORT.render_text,
        (),
        {},
    ),
    "SubscriptionTransactionsReport.view": lambda: (TRANSACTIONS_REPORT.view, (), {}),
    "render_subscription_fee_summary_html": lambda: (
        render_subscription_fee_summary_html,
        (FEE_ROWS,),
        {},
    ),
    "render_subscription_fee_summary_json": lambda: (
        render_subscription_fee_summary_json,
        (FEE_ROWS,),
        {},
    ),
    "render_subscription_transactions_html": lambda: (
        render_subscription_transactions_html,
        (TRANSACTION_ROWS,),
        {},
    ),
    "render_subscription_transactions_json": lambda: (
        render_subscription_transactions_json,
        (TRANSACTION_ROWS,),
        {},
    ),
    "MarginRow": lambda: _new(MARGIN.rows[0]),
    "SubscriptionFeeRow": lambda: _new(FEE_ROWS[0]),
    "SubscriptionTransactionRow": lambda: _new(TRANSACTION_ROWS[0]),
    "WorkDescription": lambda: _new(work_description(ORDER)),
    "WorkDescription.render_text": lambda: (work_description(ORDER).render_text, ("UTC",), {}),
    "WorkDescription.render_html": lambda: (work_description(ORDER).render_html, ("UTC",), {}),
    "WorkDescription.render_csv": lambda: (work_description(ORDER).render_csv, ("UTC",), {}),
    "WorkDescription.render_json": lambda: (work_description(ORDER).render_json, ("UTC",), {}),
    "WorkDescription.view": lambda: (work_description(ORDER).view, ("UTC",), {}),
    "WorkDocumentLine": lambda: _new(work_description(ORDER).lines[0]),
    "WorkReceipt": lambda: _new(work_receipt(ORDER)),
    "WorkReceipt.render_text": lambda: (work_receipt(ORDER).render_text, ("UTC",), {}),
    "WorkReceipt.render_html": lambda: (work_receipt(ORDER).render_html, ("UTC",), {}),
    "WorkReceipt.render_csv": lambda: (work_receipt(ORDER).render_csv, ("UTC",), {}),
    "WorkReceipt.render_json": lambda: (work_receipt(ORDER).render_json, ("UTC",), {}),
    "WorkReceipt.view": lambda: (work_receipt(ORDER).view, ("UTC",), {}),
    "margin_report": lambda: (margin_report, ([ORDER],), {}),
    "render_subscription_fee_summary_csv": lambda: (
        render_subscription_fee_summary_csv,
        (FEE_ROWS,),
        {},
    ),
    "render_subscription_fee_summary_text": lambda: (
        render_subscription_fee_summary_text,
        (FEE_ROWS,),
        {},
    ),
    "render_subscription_transactions_csv": lambda: (
        render_subscription_transactions_csv,
        (TRANSACTION_ROWS,),
        {},
    ),
    "render_subscription_transactions_text": lambda: (
        render_subscription_transactions_text,
        (TRANSACTION_ROWS,),
        {},
    ),
    "subscription_fee_summary": lambda: (subscription_fee_summary, (FEES, INVOICED, ACCRUED), {}),
    "subscription_fee_totals": lambda: (subscription_fee_totals, (FEE_ROWS,), {}),
    "subscription_transactions": lambda: (
        subscription_transactions,
        (FEES, INVOICED, ACCRUED),
        {},
    ),
    "work_description": lambda: (work_description, (ORDER,), {}),
    "work_receipt": lambda: (work_receipt, (ORDER,), {}),
    # the service desk
    "ServiceDesk": lambda: (
        ServiceDesk,
        (),
        {
            "unit_of_work": _service_uow,
            "clock": _clock(),
            "graph": GRAPH,
            "slas": {"SLA-1": SLA},
            "sla_parameters": SlaParameters(),
            "journals": _journals(),
            "closed_days": CALENDAR,
            "zone": "Europe/Paris",
        },
    ),
    "ServiceDesk.order": lambda: (_service_desk().order, ("SO-1",), {}),
    "ServiceDesk.agreement": lambda: (_service_desk().agreement, ("AG-1",), {}),
    "ServiceDesk.measure_sla": lambda: (
        _service_desk().measure_sla,
        ("SO-S",),
        {"now": LATER, "target": SlaTarget.RESOLUTION},
    ),
    "ServiceDesk.create_order": lambda: (
        _service_desk().create_order,
        (),
        {"order_id": "SO-9", "customer_id": "C-100", "agreement_id": "AG-1", "lines": [HOUR_LINE]},
    ),
    "ServiceDesk.change_stage": lambda: (
        _service_desk().change_stage,
        ("SO-1", "PLANNED"),
        {"reason": REASON, "note": ""},
    ),
    "ServiceDesk.sign_off": lambda: (
        _service_desk().sign_off,
        ("SO-1",),
        {"numbers": [1], "reason": REASON},
    ),
    "ServiceDesk.cancel_order": lambda: (
        _service_desk().cancel_order,
        ("SO-1",),
        {"reason": REASON, "note": "", "reason_required": False},
    ),
    "ServiceDesk.revoke_cancel": lambda: (_service_desk().revoke_cancel, ("SO-C",), {}),
    "ServiceDesk.delete_order": lambda: (_service_desk().delete_order, ("SO-1",), {}),
    "ServiceDesk.add_line": lambda: (_service_desk().add_line, ("SO-1", HOUR_LINE), {}),
    "ServiceDesk.change_line": lambda: (
        _service_desk().change_line,
        ("SO-1", 1),
        {"description": "Inspection"},
    ),
    "ServiceDesk.remove_line": lambda: (_service_desk().remove_line, ("SO-1", 1), {}),
    "ServiceDesk.cancel_line": lambda: (_service_desk().cancel_line, ("SO-1", 1), {}),
    "ServiceDesk.revoke_line_cancel": lambda: (_service_desk().revoke_line_cancel, ("SO-C", 1), {}),
    "ServiceDesk.relate_object": lambda: (_service_desk().relate_object, ("SO-1", OBJECT), {}),
    "ServiceDesk.relate_task": lambda: (_service_desk().relate_task, ("SO-1", TASK), {}),
    "ServiceDesk.add_item_requirement": lambda: (
        _service_desk().add_item_requirement,
        ("SO-3", 1, REQUIREMENT),
        {},
    ),
    "ServiceDesk.remove_item_requirement": lambda: (
        _service_desk().remove_item_requirement,
        ("SO-4", 1, "IR-1"),
        {},
    ),
    "ServiceDesk.move_lines": lambda: (
        _service_desk().move_lines,
        ("SO-M1", "SO-M2", [1]),
        {"drop_empty_source": True},
    ),
    "ServiceDesk.start_sla": lambda: (_service_desk().start_sla, ("SO-S0",), {}),
    "ServiceDesk.stop_sla": lambda: (_service_desk().stop_sla, ("SO-S",), {"reason": REASON}),
    "ServiceDesk.cancel_sla": lambda: (_service_desk().cancel_sla, ("SO-S",), {"reason": REASON}),
    "ServiceDesk.post_orders": lambda: (
        _service_desk().post_orders,
        (),
        {"order_ids": ["SO-P"], "period": MARCH, "types": set(TransactionType)},
    ),
    "ServiceDesk.create_agreement": lambda: (
        _service_desk().create_agreement,
        (),
        {
            "agreement_id": "AG-9",
            "customer_id": "C-100",
            "group": GROUP,
            "start_date": date(2026, 1, 1),
            "lines": [NEW_AGREEMENT_LINE],
        },
    ),
    "ServiceDesk.add_agreement_line": lambda: (
        _service_desk().add_agreement_line,
        ("AG-1", NEW_AGREEMENT_LINE),
        {},
    ),
    "ServiceDesk.change_agreement_line": lambda: (
        _service_desk().change_agreement_line,
        ("AG-1", 1),
        {"quantity": Decimal(2)},
    ),
    "ServiceDesk.stop_agreement_line": lambda: (
        _service_desk().stop_agreement_line,
        ("AG-1", 1),
        {},
    ),
    "ServiceDesk.restart_agreement_line": lambda: (
        _service_desk().restart_agreement_line,
        ("AG-1", 1),
        {},
    ),
    "ServiceDesk.suspend_agreement": lambda: (_service_desk().suspend_agreement, ("AG-1",), {}),
    "ServiceDesk.resume_agreement": lambda: (_service_desk().resume_agreement, ("AG-1",), {}),
    "ServiceDesk.relate_agreement_object": lambda: (
        _service_desk().relate_agreement_object,
        ("AG-1", AGREEMENT_OBJECT),
        {},
    ),
    "ServiceDesk.relate_agreement_task": lambda: (
        _service_desk().relate_agreement_task,
        ("AG-1", TASK),
        {},
    ),
    "ServiceDesk.copy_template_lines": lambda: (
        _service_desk().copy_template_lines,
        ("AG-1", TEMPLATE),
        {},
    ),
    "ServiceDesk.copy_agreement_lines": lambda: (
        _service_desk().copy_agreement_lines,
        ("AG-1", "AG-2"),
        {"with_relations": True},
    ),
    "ServiceDesk.generate_orders": lambda: (
        _service_desk().generate_orders,
        (),
        {
            "agreement_ids": ["AG-1"],
            "period": MARCH,
            "types": {TransactionType.HOUR},
            "continuous": False,
            "attach_sla": False,
        },
    ),
    # the desks' results
    "FeeRunResult": lambda: (FeeRunResult, (FEES, ("S-2",)), {}),
    "PostingResult": lambda: (PostingResult, ((("SO-1", 1, "TX-1"),),), {}),
    # serialization
    "to_dict": lambda: (to_dict, (ORDER,), {}),
    # rules
    "RuleType": lambda: (
        RuleType,
        ("price_tables", PriceTable, _read_prices, _write_prices),
        {"named_by_id": False},
    ),
    "RuleTypes": lambda: (RuleTypes, ((),), {}),
    "RuleTypes.with_type": lambda: (RuleTypes().with_type, (_PRICES_TYPE,), {}),
    "RuleTypes.default": lambda: (RuleTypes.default, (), {}),
    "RuleTypes.with_rule": lambda: (RuleTypes().with_rule, ("price_tables", PriceTable), {}),
    "RuleTypes.sections": lambda: (RuleTypes.default().sections, (), {}),
    "Rules": lambda: (Rules, ({"slas": {}},), {}),
    "Rules.section": lambda: (_RULES.section, ("slas",), {}),
    "Rules.to_dict": lambda: (_RULES.to_dict, (), {"types": RuleTypes.default()}),
    "rules_from_dict": lambda: (rules_from_dict, (_RULES_DATA,), {"source": "rules.toml"}),
    "parse_rules": lambda: (
        parse_rules,
        ('[slas.STD]\nresolution = "PT8H"\n',),
        {"format": "toml", "source": "rules.toml"},
    ),
    "format_rules": lambda: (format_rules, (_RULES,), {"format": "json"}),
    "load_rules": lambda: (load_rules, (_rules_file(),), {}),
    "dump_rules": lambda: (dump_rules, (_RULES, _rules_file()), {}),
    "from_dict": lambda: (from_dict, (ServiceOrder, to_dict(ORDER)), {}),
    "dumps": lambda: (dumps, (ORDER,), {}),
    "loads": lambda: (loads, (ServiceOrder, dumps(ORDER)), {}),
    **_REPAIR_EXAMPLES,
    **_SUGGESTION_EXAMPLES,
}


# ------------------------------------------------------- repairs: service BOMs

_BOM_LINE = BomLine(line_id="1", item_id="PC", quantity=1, unit="pcs", serial_number="S-1")
_BOM_TEMPLATE = TemplateBom(id="T-1", lines=(_BOM_LINE,))
_BOM_RELATION = ServiceObjectRelation("R-1", "O-1", RelationKind.ORDER, "SO-1")
_BOM = ServiceBom.attach(_BOM_TEMPLATE, id="B-1", relation=_BOM_RELATION, on=DAY, at=AT)[0]
_BOM_WHERE: dict[str, Any] = {"on": DAY, "order_id": "SO-1", "at": AT}
_BOM_EXAMPLES: dict[str, Callable[[], Call]] = {
    "BomLine": lambda: _new(_BOM_LINE),
    "BillableItem": lambda: (
        BillableItem,
        (),
        {"item_id": "PC", "quantity": 1, "sales_price": Money(5, "EUR"), "unit": "pcs"},
    ),
    "TemplateBom": lambda: _new(_BOM_TEMPLATE),
    "TemplateBom.copy_of": lambda: (TemplateBom.copy_of, ((_BOM_LINE,),), {"id": "T-2"}),
    "TemplateBom.line": lambda: (_BOM_TEMPLATE.line, ("1",), {}),
    "TemplateBom.insert_line": lambda: (
        _BOM_TEMPLATE.insert_line,
        (BomLine(line_id="2", item_id="FAN", quantity=1, parent_id="1"),),
        {},
    ),
    "TemplateBom.delete_line": lambda: (_BOM_TEMPLATE.delete_line, ("1",), {}),
    "TemplateBom.change_quantity": lambda: (_BOM_TEMPLATE.change_quantity, ("1", 2), {}),
    "ServiceBom": lambda: _new(_BOM),
    "ServiceBom.attach": lambda: (
        ServiceBom.attach,
        (_BOM_TEMPLATE,),
        {"id": "B-2", "relation": _BOM_RELATION, "on": DAY, "at": AT},
    ),
    "ServiceBom.line": lambda: (_BOM.line, ("1",), {}),
    "ServiceBom.as_of": lambda: (_BOM.as_of, (DAY,), {}),
    "ServiceBom.to_template": lambda: (_BOM.to_template, ("T-2",), {"as_of": DAY}),
    "ServiceBom.insert_line": lambda: (
        _BOM.insert_line,
        (BomLine(line_id="2", item_id="FAN", quantity=1, parent_id="1"),),
        _BOM_WHERE,
    ),
    "ServiceBom.delete_line": lambda: (_BOM.delete_line, ("1",), _BOM_WHERE),
    "ServiceBom.replace_item": lambda: (
        _BOM.replace_item,
        ("1",),
        {"new_serial_number": "S-2", "new_item_id": "PC-2", "quantity": 1, **_BOM_WHERE},
    ),
    "ServiceBom.update_quantity": lambda: (_BOM.update_quantity, ("1", 1), _BOM_WHERE),
    "ServiceBom.replace_quantity": lambda: (_BOM.replace_quantity, ("1", 3), _BOM_WHERE),
    "ServiceBom.move_to": lambda: (
        _BOM.move_to,
        (ServiceObjectRelation("R-2", "O-1", RelationKind.AGREEMENT, "AG-1"),),
        {"at": AT},
    ),
    "replay_bom": lambda: (replay_bom, ((_BOM_LINE,), ()), {"through": DAY}),
}
EXAMPLES.update(_BOM_EXAMPLES)


# ------------------------------------------------------- reports: the repair history

_CHANGED_BOM = _BOM.update_quantity("1", 1, **_BOM_WHERE)[0]
_HISTORY_OBJECT = ServiceObject.create(id="O-1", group_id="G", at=AT)[0]
_HISTORY = repair_history(_HISTORY_OBJECT, [ORDER], [_CHANGED_BOM])
_HISTORY_EXAMPLES: dict[str, Callable[[], Call]] = {
    "repair_history": lambda: (
        repair_history,
        (_HISTORY_OBJECT, [ORDER], [_CHANGED_BOM]),
        {"zone": "Europe/Paris"},
    ),
    "RepairHistory": lambda: _new(_HISTORY),
    "RepairHistory.view": lambda: (_HISTORY.view, (), {}),
    "RepairHistory.render_text": lambda: (_HISTORY.render_text, (), {}),
    "RepairHistory.render_csv": lambda: (_HISTORY.render_csv, (), {}),
    "RepairHistory.render_json": lambda: (_HISTORY.render_json, (), {}),
    "RepairHistory.render_html": lambda: (_HISTORY.render_html, (), {}),
    "RepairHistoryEntry": lambda: _new(_HISTORY.entries[0]),
    "WorkDocumentRepair": lambda: (
        WorkDocumentRepair,
        (),
        {"number": 1, "service_object_label": "BOILER-1", "symptom_area_id": "hard drive"},
    ),
}
EXAMPLES.update(_HISTORY_EXAMPLES)


# ------------------------------------------------------- repairs: the repair desk


def _replaced_repair_desk() -> RepairDesk:
    """The repair desk of :func:`_repair_desk` after a replacement of B-1's line 1 on SO-1."""
    desk = _repair_desk()
    desk.replace_bom_item("B-1", "1", new_serial_number="S-2", on=DAY, order_id="SO-1")
    return desk


def _repair_desk(*, empty: bool = False) -> RepairDesk:
    """A repair desk over a new store: OBJ-1 (REL-1 on SO-1, REL-2 on AG-1), T-1, B-1 on REL-1."""
    store = InMemoryStore()
    desk = RepairDesk(
        unit_of_work=lambda: InMemoryServiceUnitOfWork(store), clock=_clock(), graph=GRAPH
    )
    if not empty:
        desk.store_template(_BOM_TEMPLATE)
        desk.create_object(
            id="OBJ-1",
            group_id="LAPTOPS",
            item_id="PC",
            serial_number="S-1",
            coverage=[_COVERAGE],
        )
        orders = ServiceDesk(
            unit_of_work=lambda: InMemoryServiceUnitOfWork(store), clock=_clock(), graph=GRAPH
        )
        orders.create_order(order_id="SO-1", customer_id="C-1")
        orders.create_order(order_id="SO-3", customer_id="C-1")
        with InMemoryServiceUnitOfWork(store) as uow:
            uow.agreements.add(pump_agreement("AG-1"))
            uow.commit()
        # The order and the agreement own the relations; the object caches them.
        desk.relate("OBJ-1", relation_id="REL-1", kind=RelationKind.ORDER, key="SO-1")
        desk.relate("OBJ-1", relation_id="REL-2", kind=RelationKind.AGREEMENT, key="AG-1")
        desk.attach_template("OBJ-1", "REL-1", bom_id="B-1", template_id="T-1", on=DAY)
        desk.add_part(
            "SO-1",
            "B-1",
            BomLine(line_id="P-1", item_id="FAN", quantity=1, parent_id="1"),
            on=DAY,
            cost_price=Money(4, "EUR"),
            sales_price=Money(9, "EUR"),
        )
    return desk


def _part_change() -> PartChange:
    """What adding a second part (P-2, an SSD) to B-1 on SO-1 returns."""
    return _repair_desk().add_part(
        "SO-1",
        "B-1",
        BomLine(line_id="P-2", item_id="SSD", quantity=1, parent_id="1"),
        on=DAY,
        cost_price=Money(30, "EUR"),
        sales_price=Money(50, "EUR"),
    )


_PART_LINE = NewLine(
    transaction_type=TransactionType.ITEM,
    quantity=1,
    cost_price=Money(4, "EUR"),
    sales_price=Money(9, "EUR"),
    item_id="FAN",
    service_object_id="OBJ-1",
    execution_date=DAY,
)


_DESK_BOM: dict[str, Any] = {"on": DAY, "order_id": "SO-1"}
_REPAIR_DESK_EXAMPLES: dict[str, Callable[[], Call]] = {
    "RepairDesk": lambda: (
        RepairDesk,
        (),
        {
            "unit_of_work": lambda: InMemoryServiceUnitOfWork(InMemoryStore()),
            "clock": _clock(),
            "allow_item_on_multiple_objects": False,
            "graph": GRAPH,
            "pricing": free_under_warranty(),
        },
    ),
    "PartChange": lambda: (
        PartChange,
        (),
        {
            "order": _part_change().order,
            "bom": _part_change().bom,
            "line_number": 1,
        },
    ),
    "RepairDesk.add_part": lambda: (
        _repair_desk().add_part,
        ("SO-1", "B-1", BomLine(line_id="P-2", item_id="SSD", quantity=1, parent_id="1")),
        {
            "on": DAY,
            "cost_price": Money(30, "EUR"),
            "sales_price": Money(50, "EUR"),
            "description": "",
        },
    ),
    "RepairDesk.remove_part": lambda: (
        _repair_desk().remove_part,
        ("SO-1", "B-1", "P-1"),
        {"order_line": 1, "on": DAY},
    ),
    "RepairDesk.recycle_part": lambda: (
        _repair_desk().recycle_part,
        ("SO-1", "B-1", "P-1", 1),
        {
            "on": DAY,
            "category_id": "RECYCLE",
            "cost_price": Money(1, "EUR"),
            "sales_price": Money(0, "EUR"),
            "description": "",
        },
    ),
    "RepairDesk.add_order_line": lambda: (_repair_desk().add_order_line, ("SO-1", _PART_LINE), {}),
    "free_under_warranty": lambda: (free_under_warranty, (), {"parts": True, "labour": False}),
    "no_warranty_pricing": lambda: (
        no_warranty_pricing,
        (_PART_LINE, warranty_status(_service_object(), on=DAY)),
        {},
    ),
    "priced_under_warranty": lambda: (
        priced_under_warranty,
        (free_under_warranty(), _PART_LINE, warranty_status(_service_object(), on=DAY)),
        {},
    ),
    "warranty_day": lambda: (warranty_day, (_PART_LINE, DAY), {}),
    "RepairDesk.create_object": lambda: (
        _repair_desk(empty=True).create_object,
        (),
        {
            "id": "OBJ-9",
            "group_id": "LAPTOPS",
            "description": "",
            "item_id": "PC",
            "serial_number": "S-9",
            "template_bom_id": None,
            "coverage": [_COVERAGE],
        },
    ),
    "RepairDesk.change_warranty": lambda: (
        _repair_desk().change_warranty,
        ("OBJ-1", CoverageKind.PARTS, _COVERAGE.period),
        {},
    ),
    "RepairDesk.relate": lambda: (
        _repair_desk().relate,
        ("OBJ-1",),
        {
            "relation_id": "REL-3",
            "kind": RelationKind.ORDER,
            "key": "SO-3",
            "template_bom_id": "T-1",
        },
    ),
    "RepairDesk.assign_template_bom": lambda: (
        _repair_desk().assign_template_bom,
        ("OBJ-1", "T-1"),
        {},
    ),
    "RepairDesk.store_template": lambda: (
        _repair_desk(empty=True).store_template,
        (_BOM_TEMPLATE,),
        {},
    ),
    "RepairDesk.attach_template": lambda: (
        _repair_desk().attach_template,
        ("OBJ-1", "REL-2"),
        {"bom_id": "B-2", "on": DAY, "template_id": "T-1"},
    ),
    "RepairDesk.template_from_bom": lambda: (
        _repair_desk().template_from_bom,
        ("B-1",),
        {"template_id": "T-2", "as_of": DAY, "description": ""},
    ),
    "RepairDesk.insert_bom_line": lambda: (
        _repair_desk().insert_bom_line,
        ("B-1", BomLine(line_id="2", item_id="FAN", quantity=1, parent_id="1")),
        _DESK_BOM,
    ),
    "RepairDesk.delete_bom_line": lambda: (_repair_desk().delete_bom_line, ("B-1", "1"), _DESK_BOM),
    "RepairDesk.replace_bom_item": lambda: (
        _repair_desk().replace_bom_item,
        ("B-1", "1"),
        {
            "new_serial_number": "S-2",
            "new_item_id": "PC-2",
            "quantity": 1,
            "order_line": BillableItem(item_id="PC-2", quantity=1, sales_price=Money(5, "EUR")),
            **_DESK_BOM,
        },
    ),
    "RepairDesk.revoke_replacement": lambda: (
        _replaced_repair_desk().revoke_replacement,
        ("SO-1", "B-1", "1"),
        {"on": DAY, "order_line": None},
    ),
    "RepairDesk.update_bom_quantity": lambda: (
        _repair_desk().update_bom_quantity,
        ("B-1", "1", 1),
        _DESK_BOM,
    ),
    "RepairDesk.replace_bom_quantity": lambda: (
        _repair_desk().replace_bom_quantity,
        ("B-1", "1", 3),
        _DESK_BOM,
    ),
    "RepairDesk.move_bom": lambda: (_repair_desk().move_bom, ("B-1", "REL-2"), {}),
    "RepairDesk.service_object": lambda: (_repair_desk().service_object, ("OBJ-1",), {}),
    "RepairDesk.service_bom": lambda: (_repair_desk().service_bom, ("B-1",), {}),
    "RepairDesk.warranty_status": lambda: (
        _repair_desk().warranty_status,
        ("OBJ-1",),
        {"on": DAY},
    ),
    "RepairDesk.bom_as_of": lambda: (_repair_desk().bom_as_of, ("B-1",), {"day": DAY}),
}
EXAMPLES.update(_REPAIR_DESK_EXAMPLES)


# ------------------------------------------------------------------ dispatch (issue 17)

_DAY_CAL = WorkingCalendar.standard("UTC", slots=["00:00-23:59"], weekdays=range(7), id="DAY")
_WINDOW = Interval(AT, AT + timedelta(days=1))
_SKILL = Skill("HVAC", max_level=3)
_TECH = Technician.create(id="W-1", calendar=_DAY_CAL, at=AT, skills={"HVAC": 2})[0]
_TECH_2 = Technician.create(id="W-2", calendar=_DAY_CAL, at=AT, skills={"HVAC": 3})[0]
_ABSENT = Absence("AB-1", AT + timedelta(hours=20), AT + timedelta(hours=21), "sick")
_AWAY = _TECH.add_absence(_ABSENT, at=AT)[0]
_NEED = Requirement(
    id="RQ-1", order_id="SO-1", window=_WINDOW, duration=timedelta(hours=1), skills={"HVAC": 1}
)
_BOOKED = Booking(
    id="BK-1",
    version=1,
    requirement_id="RQ-1",
    technician_id="W-1",
    start=AT + timedelta(hours=2),
    end=AT + timedelta(hours=3),
    travel=timedelta(minutes=15),
    status=BookingStatus.PROPOSED,
    recorded_at=AT,
)
_TEAM = DispatchTeam("NORTH", members=["W-1"])
_TEAMS = DispatchTeams([_TEAM])
_REASON = Reason(kind=ReasonKind.RESTRICTED)
_CANDIDATES = candidates(_NEED, [_TECH, _TECH_2], [])
_START = AT + timedelta(hours=5)

_DISPATCH_EXAMPLES: dict[str, Callable[[], Call]] = {
    "Interval": lambda: (Interval, (AT, AT + timedelta(hours=1)), {}),
    "Interval.contains": lambda: (_WINDOW.contains, (Interval(AT, AT + timedelta(hours=1)),), {}),
    "Interval.overlaps": lambda: (_WINDOW.overlaps, (Interval(AT, AT + timedelta(hours=1)),), {}),
    "Skill": lambda: (
        Skill,
        ("HVAC",),
        {"description": "heating", "max_level": 2, "level_names": ("a", "b")},
    ),
    "Skill.check_level": lambda: (_SKILL.check_level, (2, "level"), {}),
    "Skill.level_name": lambda: (_SKILL.level_name, (2,), {}),
    "Skill.from_dict": lambda: (Skill.from_dict, ({"id": "HVAC", "max_level": 3},), {}),
    "Skill.to_dict": lambda: (_SKILL.to_dict, (), {}),
    "skill_catalog": lambda: (skill_catalog, ([_SKILL],), {}),
    "Absence": lambda: (Absence, ("AB-1", AT, AT + timedelta(hours=1), "sick"), {}),
    "Technician": lambda: _new(_AWAY),
    "Technician.create": lambda: (
        Technician.create,
        (),
        {
            "id": "W-1",
            "calendar": _DAY_CAL,
            "at": AT,
            "name": "Ada",
            "skills": {"HVAC": 2},
            "territories": ["N"],
            "catalog": [_SKILL],
        },
    ),
    "Technician.absence": lambda: (_AWAY.absence, ("AB-1",), {}),
    "Technician.level_of": lambda: (_TECH.level_of, ("HVAC",), {}),
    "Technician.add_skill": lambda: (_TECH.add_skill, ("ELEC", 1), {"at": LATER}),
    "Technician.set_level": lambda: (
        _TECH.set_level,
        ("HVAC", 3),
        {"at": LATER, "skill": _SKILL},
    ),
    "Technician.remove_skill": lambda: (_TECH.remove_skill, ("HVAC",), {"at": LATER}),
    "Technician.set_territories": lambda: (_TECH.set_territories, (["N"],), {"at": LATER}),
    "Technician.add_absence": lambda: (_TECH.add_absence, (_ABSENT,), {"at": LATER}),
    "Technician.remove_absence": lambda: (_AWAY.remove_absence, ("AB-1",), {"at": LATER}),
    "DispatchTeam": lambda: (DispatchTeam, ("NORTH",), {"description": "", "members": ["W-1"]}),
    "DispatchTeams": lambda: (DispatchTeams, ([_TEAM],), {}),
    "DispatchTeams.team": lambda: (_TEAMS.team, ("NORTH",), {}),
    "DispatchTeams.team_of": lambda: (_TEAMS.team_of, ("W-1",), {}),
    "check_teams": lambda: (check_teams, ([_TEAM],), {}),
    "Requirement": lambda: _new(_NEED),
    "requirement_for": lambda: (
        requirement_for,
        (ORDER,),
        {
            "id": "RQ-1",
            "duration": timedelta(hours=1),
            "window": _WINDOW,
            "line_number": 1,
            "skills": {"HVAC": 1},
            "territory": "N",
            "restricted_technician_ids": ["W-9"],
            "sla_deadline": LATER,
        },
    ),
    "Booking": lambda: _new(_BOOKED),
    "Booking.change_status": lambda: (
        _BOOKED.change_status,
        (BookingStatus.COMMITTED,),
        {"at": LATER},
    ),
    "Booking.lock": lambda: (_BOOKED.lock, (), {"time": True, "technician": True, "at": LATER}),
    "Reason": lambda: _new(
        Reason(kind=ReasonKind.MISSING_SKILL, skill_id="HVAC", needed=3, held=1)
    ),
    "Exclusion": lambda: (Exclusion, (), {"technician_id": "W-1", "reasons": (_REASON,)}),
    "Candidate": lambda: _new(_CANDIDATES.ranked[0]),
    "CandidateList": lambda: _new(_CANDIDATES),
    "CandidateList.reasons_for": lambda: (_CANDIDATES.reasons_for, ("W-1",), {}),
    "availability": lambda: (availability, (_TECH, [_BOOKED], _WINDOW), {}),
    "earliest_start": lambda: (
        earliest_start,
        (_NEED, _TECH, [_BOOKED]),
        {"travel": timedelta(minutes=15)},
    ),
    "candidates": lambda: (
        candidates,
        (_NEED, [_TECH, _TECH_2], [_BOOKED]),
        {"skills": [_SKILL], "travel": timedelta(0)},
    ),
    "conflicts": lambda: (
        conflicts,
        (_NEED, _TECH, [_BOOKED]),
        {"start": _START, "travel": timedelta(0), "skills": [_SKILL], "ignore": "BK-9"},
    ),
    "book": lambda: (
        book,
        (_NEED, _TECH, [_BOOKED]),
        {
            "start": _START,
            "id": "BK-2",
            "at": LATER,
            "travel": timedelta(minutes=15),
            "status": BookingStatus.COMMITTED,
            "skills": [_SKILL],
            "time_locked": False,
            "technician_locked": False,
        },
    ),
    "reschedule": lambda: (
        reschedule,
        (_BOOKED, _NEED, _TECH, [_BOOKED]),
        {"start": _START, "at": LATER, "travel": timedelta(0), "skills": [_SKILL]},
    ),
    "reassign": lambda: (
        reassign,
        (_BOOKED, _NEED, _TECH_2, [_BOOKED]),
        {"at": LATER, "start": _START, "travel": timedelta(0), "skills": [_SKILL]},
    ),
    "confirm": lambda: (
        confirm,
        (_BOOKED, _NEED, _TECH, [_BOOKED]),
        {"at": LATER, "skills": [_SKILL]},
    ),
}
EXAMPLES.update(_DISPATCH_EXAMPLES)


# ------------------------------------------------------- dispatch: the dispatch desk

_DISPATCH_AT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
_DISPATCH_DAY = WorkingCalendar.standard("UTC", slots=["08:00-17:00"], id="DAY")
_DISPATCH_WINDOW = Interval(_DISPATCH_AT, _DISPATCH_AT + timedelta(days=1))


def _dispatch_desk() -> DispatchDesk:
    """A dispatch desk over a new store: W-1 and W-2 (HVAC), SO-1 with RQ-1 and RQ-2,
    B-1 a proposal of W-1 at 09:00, B-2 committed for W-2 at 15:00, team N of W-1."""
    store = InMemoryStore()
    clock = FixedClock(_DISPATCH_AT)
    ServiceDesk(
        unit_of_work=lambda: InMemoryServiceUnitOfWork(store), clock=clock, graph=GRAPH
    ).create_order(order_id="SO-1", customer_id="C-1")
    desk = DispatchDesk(unit_of_work=lambda: InMemoryServiceUnitOfWork(store), clock=clock)
    desk.create_technician(id="W-1", calendar=_DISPATCH_DAY, skills={"HVAC": 2})
    desk.create_technician(id="W-2", calendar=_DISPATCH_DAY, skills={"HVAC": 2})
    hour = timedelta(hours=1)
    desk.require("SO-1", id="RQ-1", window=_DISPATCH_WINDOW, duration=hour)
    desk.require("SO-1", id="RQ-2", window=_DISPATCH_WINDOW, duration=hour)
    nine = _DISPATCH_AT.replace(hour=9)
    desk.book("RQ-1", "W-1", id="B-1", start=nine)
    three = _DISPATCH_AT.replace(hour=15)
    desk.book("RQ-2", "W-2", id="B-2", start=three, status=BookingStatus.COMMITTED)
    desk.set_teams([DispatchTeam("N", members=["W-1"])])
    return desk


def _absent_desk() -> DispatchDesk:
    """:func:`_dispatch_desk` with absence A-1 of W-1."""
    desk = _dispatch_desk()
    desk.add_absence("W-1", Absence("A-1", _DISPATCH_AT, _DISPATCH_AT + timedelta(hours=2)))
    return desk


def _started_desk() -> DispatchDesk:
    """:func:`_dispatch_desk` with B-2 in progress."""
    desk = _dispatch_desk()
    desk.start_work("B-2")
    return desk


_DISPATCH_DESK_EXAMPLES: dict[str, Callable[[], Call]] = {
    "DispatchDesk": lambda: (
        DispatchDesk,
        (),
        {
            "unit_of_work": lambda: InMemoryServiceUnitOfWork(InMemoryStore()),
            "clock": _clock(),
            "skills": [Skill("HVAC", max_level=3)],
            "slas": {},
        },
    ),
    "DispatchDesk.create_technician": lambda: (
        _dispatch_desk().create_technician,
        (),
        {
            "id": "W-3",
            "calendar": _DISPATCH_DAY,
            "name": "Ana",
            "skills": {"HVAC": 1},
            "territories": ["NORTH"],
        },
    ),
    "DispatchDesk.add_skill": lambda: (_dispatch_desk().add_skill, ("W-1", "ELEC", 1), {}),
    "DispatchDesk.set_level": lambda: (_dispatch_desk().set_level, ("W-1", "HVAC", 3), {}),
    "DispatchDesk.remove_skill": lambda: (_dispatch_desk().remove_skill, ("W-1", "HVAC"), {}),
    "DispatchDesk.set_territories": lambda: (
        _dispatch_desk().set_territories,
        ("W-1", ["NORTH"]),
        {},
    ),
    "DispatchDesk.add_absence": lambda: (
        _dispatch_desk().add_absence,
        ("W-1", Absence("A-1", _DISPATCH_AT, _DISPATCH_AT + timedelta(hours=2))),
        {},
    ),
    "DispatchDesk.remove_absence": lambda: (_absent_desk().remove_absence, ("W-1", "A-1"), {}),
    "DispatchDesk.technician": lambda: (_dispatch_desk().technician, ("W-1",), {}),
    "DispatchDesk.set_teams": lambda: (
        _dispatch_desk().set_teams,
        ([DispatchTeam("N", members=["W-1", "W-2"])],),
        {},
    ),
    "DispatchDesk.teams": lambda: (_dispatch_desk().teams, (), {}),
    "DispatchDesk.require": lambda: (
        _dispatch_desk().require,
        ("SO-1",),
        {
            "id": "RQ-3",
            "duration": timedelta(hours=1),
            "window": _DISPATCH_WINDOW,
            "line_number": 1,
            "skills": {"HVAC": 1},
            "territory": "NORTH",
            "restricted_technician_ids": ["W-2"],
        },
    ),
    "DispatchDesk.requirement": lambda: (_dispatch_desk().requirement, ("RQ-1",), {}),
    "DispatchDesk.undispatched": lambda: (_dispatch_desk().undispatched, (), {}),
    "DispatchDesk.book": lambda: (
        _dispatch_desk().book,
        ("RQ-1", "W-2"),
        {
            "id": "B-3",
            "start": _DISPATCH_AT.replace(hour=13),
            "travel": timedelta(minutes=15),
            "status": BookingStatus.COMMITTED,
            "time_locked": False,
            "technician_locked": False,
        },
    ),
    "DispatchDesk.reschedule": lambda: (
        _dispatch_desk().reschedule,
        ("B-1",),
        {"start": _DISPATCH_AT.replace(hour=11), "travel": timedelta(minutes=15)},
    ),
    "DispatchDesk.reassign": lambda: (
        _dispatch_desk().reassign,
        ("B-1", "W-2"),
        {"start": _DISPATCH_AT.replace(hour=11), "travel": timedelta(minutes=15)},
    ),
    "DispatchDesk.confirm": lambda: (_dispatch_desk().confirm, ("B-1",), {}),
    "DispatchDesk.lock": lambda: (
        _dispatch_desk().lock,
        ("B-1",),
        {"time": True, "technician": True},
    ),
    "DispatchDesk.start_work": lambda: (_dispatch_desk().start_work, ("B-2",), {}),
    "DispatchDesk.complete": lambda: (_started_desk().complete, ("B-2",), {}),
    "DispatchDesk.cancel": lambda: (_dispatch_desk().cancel, ("B-2",), {}),
    "DispatchDesk.booking": lambda: (_dispatch_desk().booking, ("B-1",), {}),
    "DispatchDesk.bookings": lambda: (
        _dispatch_desk().bookings,
        (),
        {"technician_id": "W-1", "window": _DISPATCH_WINDOW},
    ),
    "DispatchDesk.availability": lambda: (
        _dispatch_desk().availability,
        ("W-1", _DISPATCH_WINDOW),
        {},
    ),
    "DispatchDesk.candidates": lambda: (
        _dispatch_desk().candidates,
        ("RQ-1",),
        {"team_id": "N"},
    ),
    "DispatchDesk.auto_dispatch": lambda: (
        _dispatch_desk().auto_dispatch,
        (),
        {"team_id": "N", "window": _DISPATCH_WINDOW},
    ),
}
EXAMPLES.update(_DISPATCH_DESK_EXAMPLES)


# The dispatch board (issue 17, item 7): its parameters, its data and its report.
def _board() -> Any:
    from test_dispatch_board import worked_board

    return worked_board(show_closed=True)


def _board_inputs() -> tuple[Any, ...]:
    from test_dispatch_board import BOOKINGS, REQUIREMENTS, TEAM, TECHNICIANS

    return TEAM, TECHNICIANS, BOOKINGS, REQUIREMENTS


def _board_report() -> Any:
    from servicedomain.reports import dispatch_board_report

    return dispatch_board_report(_board(), zone="Europe/Stockholm")


def _board_examples() -> dict[str, Callable[[], Call]]:
    from servicedomain.dispatch import DispatchParameters, dispatch_board
    from servicedomain.reports import dispatch_board_report
    from servicedomain.sla import Priority

    parameters = DispatchParameters()
    return {
        "DispatchParameters": lambda: _new(DispatchParameters(high_color="#f00")),
        "DispatchParameters.color_of": lambda: (parameters.color_of, (Priority.HIGH,), {}),
        "DispatchParameters.period_around": lambda: (
            parameters.period_around,
            (DAY, "Europe/Stockholm"),
            {},
        ),
        "DispatchParameters.from_dict": lambda: (
            DispatchParameters.from_dict,
            ({"days_after": 3},),
            {},
        ),
        "DispatchParameters.to_dict": lambda: (parameters.to_dict, (), {}),
        "BoardBar": lambda: _new(_board().bars[0]),
        "BoardRow": lambda: _new(_board().rows[0]),
        "DispatchBoard": lambda: _new(_board()),
        "DispatchBoard.row": lambda: (_board().row, ("W-1",), {}),
        "dispatch_board": lambda: (
            dispatch_board,
            _board_inputs(),
            {"window": _board().window, "parameters": parameters, "show_closed": True},
        ),
        "DispatchBoardReport": lambda: _new(_board_report()),
        "DispatchBoardReport.render_csv": lambda: (_board_report().render_csv, (), {}),
        "DispatchBoardReport.render_html": lambda: (_board_report().render_html, (), {}),
        "DispatchBoardReport.render_json": lambda: (_board_report().render_json, (), {}),
        "DispatchBoardReport.render_text": lambda: (_board_report().render_text, (), {}),
        "DispatchBoardReport.view": lambda: (_board_report().view, (), {}),
        "DispatchBoardReport.gantt": lambda: (_board_report().gantt, (), {}),
        "GanttChart": lambda: _new(_board_report().gantt()),
        "GanttRow": lambda: _new(_board_report().gantt().rows[0]),
        "GanttBar": lambda: _new(_board_report().gantt().rows[0].bars[0]),
        "dispatch_board_report": lambda: (
            dispatch_board_report,
            (_board(),),
            {"zone": "Europe/Stockholm"},
        ),
    }


EXAMPLES.update(_board_examples())
# ------------------------------------------------------------------ auto-dispatch examples

_AUTO_AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
_AUTO_TECH = Technician.create(
    id="W-1", calendar=WorkingCalendar.standard("UTC", id="DAY"), at=_AUTO_AT
)[0]
_AUTO_NEED = Requirement(
    id="RQ-1",
    order_id="SO-1",
    window=Interval(_AUTO_AT, _AUTO_AT + timedelta(days=1)),
    duration=timedelta(hours=2),
)
_AUTO_EXCLUSION = Exclusion(technician_id="W-2", reasons=(Reason(kind=ReasonKind.RESTRICTED),))

_AUTO_DISPATCH_EXAMPLES: dict[str, Callable[[], Call]] = {
    "Unplaced": lambda: (
        Unplaced,
        (),
        {"requirement_id": "RQ-1", "exclusions": (_AUTO_EXCLUSION,)},
    ),
    "AutoDispatchResult": lambda: (
        AutoDispatchResult,
        (),
        {
            "proposed": (),
            "events": (),
            "unplaced": (Unplaced(requirement_id="RQ-1", exclusions=(_AUTO_EXCLUSION,)),),
            "already_booked": ("RQ-2",),
        },
    ),
    "auto_dispatch": lambda: (
        auto_dispatch,
        ([_AUTO_NEED], [_AUTO_TECH], []),
        {
            "at": _AUTO_AT,
            "travel": no_travel,
            "skills": [Skill("HVAC", max_level=3)],
            "ids": lambda need: f"B-{need.id}",
        },
    ),
    "no_travel": lambda: (no_travel, (_AUTO_TECH, _AUTO_NEED), {}),
}
EXAMPLES.update(_AUTO_DISPATCH_EXAMPLES)

_EMPTY_PLAN = AutoDispatchResult(proposed=(), events=(), unplaced=(), already_booked=())
_OPTIMISE_EXAMPLES: dict[str, Callable[[], Call]] = {
    "OptimisedDispatch": lambda: (
        OptimisedDispatch,
        (),
        {
            "result": _EMPTY_PLAN,
            "objective": 0,
            "greedy_objective": 0,
            "status": "OPTIMAL",
            "optimised": False,
        },
    ),
    "optimise_dispatch": lambda: (
        optimise_dispatch,
        ([_AUTO_NEED], [_AUTO_TECH], []),
        {
            "at": _AUTO_AT,
            "travel": no_travel,
            "skills": [Skill("HVAC", max_level=3)],
            "ids": lambda need: f"B-{need.id}",
            "time_limit": timedelta(seconds=1),
            "hint": True,
            "seed": 0,
        },
    ),
    "plan_objective": lambda: (plan_objective, ([_AUTO_NEED], _EMPTY_PLAN), {}),
}
EXAMPLES.update(_OPTIMISE_EXAMPLES)


# customer service requests (issue 18)
_REQUEST = requests_fixtures.under_review()
_REQUEST_NOTE = RequestNote(text="n", at=requests_fixtures.REVIEWED, by="W-1", public=True)
_REQUEST_VIEW = customer_view(_REQUEST)
_REQUEST_LINE = requests_fixtures.submission().lines[0]
_REQUEST_EXAMPLES: dict[str, Callable[[], Call]] = {
    "RequestWindow": lambda: _new(requests_fixtures.WINDOW),
    "RequestedRepairLine": lambda: _new(_REQUEST_LINE),
    "RequestedRepairLine.check_codes": lambda: (
        _REQUEST_LINE.check_codes,
        (requests_fixtures.TAXONOMY,),
        {},
    ),
    "RequestedRepairLine.repair_line": lambda: (
        _REQUEST_LINE.repair_line,
        (),
        {"relation_id": "REL-1", "created_at": AT, "number": 3},
    ),
    "RequestNote": lambda: _new(_REQUEST_NOTE),
    "ReviewEntry": lambda: (
        ReviewEntry,
        (),
        {"at": AT, "by": "W-1", "field": "address", "old": "a", "new": "b"},
    ),
    "Submission": lambda: _new(requests_fixtures.submission()),
    "ServiceRequest": lambda: _new(_REQUEST),
    "ServiceRequest.submit": lambda: (
        ServiceRequest.submit,
        (requests_fixtures.submission(),),
        {
            "id": "REQ-1",
            "at": requests_fixtures.SUBMITTED,
            "agreement": requests_fixtures.agreement(),
            "relations": requests_fixtures.RELATIONS,
            "taxonomy": requests_fixtures.TAXONOMY,
            "calendar": WorkingCalendar.standard("UTC"),
        },
    ),
    "ServiceRequest.start_review": lambda: (
        requests_fixtures.submitted().start_review,
        (),
        {"at": requests_fixtures.REVIEWED, "by": "W-1"},
    ),
    "ServiceRequest.edit": lambda: (
        _REQUEST.edit,
        (),
        {
            "at": requests_fixtures.REVIEWED,
            "by": "W-1",
            "address": "Storgatan 3",
            "window": requests_fixtures.WINDOW,
            "lines": (_REQUEST_LINE,),
            "relation_ids": (_REQUEST_LINE.relation_id,),
        },
    ),
    "ServiceRequest.add_note": lambda: (
        _REQUEST.add_note,
        ("text",),
        {"at": requests_fixtures.REVIEWED, "by": "W-1", "public": True},
    ),
    "ServiceRequest.reject": lambda: (
        _REQUEST.reject,
        ("DUPLICATE",),
        {"at": requests_fixtures.REVIEWED, "by": "W-1"},
    ),
    "ServiceRequest.withdraw": lambda: (_REQUEST.withdraw, (), {"at": requests_fixtures.REVIEWED}),
    "ServiceRequest.transfer": lambda: (
        _REQUEST.transfer,
        (GRAPH,),
        {
            "order_id": "SO-9",
            "at": requests_fixtures.TRANSFERRED,
            "agreement": requests_fixtures.agreement(),
            "relations": requests_fixtures.RELATIONS,
            "taxonomy": requests_fixtures.TAXONOMY,
            "sla_start": SlaStart.TRANSFER,
            "calendar": WorkingCalendar.standard("UTC"),
        },
    ),
    "resubmit": lambda: (resubmit, (_REQUEST, requests_fixtures.submission()), {}),
    "customer_view": lambda: (
        customer_view,
        (_REQUEST,),
        {"planned": (requests_fixtures.WINDOW.start, requests_fixtures.WINDOW.end)},
    ),
    "CustomerRequestView": lambda: _new(_REQUEST_VIEW),
    "CustomerRequestView.to_json": lambda: (_REQUEST_VIEW.to_json, (), {}),
    "CustomerRequestView.to_json_dict": lambda: (_REQUEST_VIEW.to_json_dict, (), {}),
    "CustomerNote": lambda: (CustomerNote, (), {"text": "t", "at": AT}),
    "CustomerRepairLine": lambda: (
        CustomerRepairLine,
        (),
        {"number": 1, "condition_id": "CO-1", "description": "d"},
    ),
}
EXAMPLES.update(_REQUEST_EXAMPLES)


def _request_desk(*, reviewed: bool = True) -> RequestDesk:
    """A request desk over a memory store where REQ-1 is under review (or only submitted)."""
    world = request_desk_fixtures.World()
    world.desk().submit(requests_fixtures.submission(), request_id="REQ-1")
    if reviewed:
        world.at(requests_fixtures.REVIEWED)
        world.desk().start_review("REQ-1", by="W-1")
    world.at(requests_fixtures.TRANSFERRED)
    return world.desk()


def _transfer_result() -> TransferResult:
    return _request_desk().transfer("REQ-1", propose_booking=True)


_REQUEST_DESK_EXAMPLES: dict[str, Callable[[], Call]] = {
    "RequestDesk": lambda: (
        RequestDesk,
        (),
        {
            "unit_of_work": request_desk_fixtures.World().uow,
            "clock": FixedClock(AT),
            "graph": GRAPH,
            "taxonomy": requests_fixtures.TAXONOMY,
            "slas": request_desk_fixtures.SLAS,
            "sla_start": SlaStart.TRANSFER,
            "visit_duration": timedelta(hours=2),
        },
    ),
    "RequestDesk.submit": lambda: (
        _request_desk().submit,
        (requests_fixtures.submission(idempotency_key="portal-9"),),
        {"request_id": "REQ-9"},
    ),
    "RequestDesk.start_review": lambda: (
        _request_desk(reviewed=False).start_review,
        ("REQ-1",),
        {"by": "W-1"},
    ),
    "RequestDesk.edit": lambda: (
        _request_desk().edit,
        ("REQ-1",),
        {
            "by": "W-1",
            "address": "Storgatan 3",
            "window": requests_fixtures.WINDOW,
            "lines": (_REQUEST_LINE,),
            "relation_ids": (_REQUEST_LINE.relation_id,),
        },
    ),
    "RequestDesk.add_note": lambda: (
        _request_desk().add_note,
        ("REQ-1", "text"),
        {"by": "W-1", "public": True},
    ),
    "RequestDesk.reject": lambda: (_request_desk().reject, ("REQ-1", "SPAM"), {"by": "W-1"}),
    "RequestDesk.withdraw": lambda: (_request_desk().withdraw, ("REQ-1",), {"customer_id": "C-1"}),
    "RequestDesk.transfer": lambda: (
        _request_desk().transfer,
        ("REQ-1",),
        {"order_id": "SO-9", "propose_booking": True},
    ),
    "RequestDesk.request": lambda: (_request_desk().request, ("REQ-1",), {}),
    "RequestDesk.requests": lambda: (_request_desk().requests, (RequestStatus.UNDER_REVIEW,), {}),
    "RequestDesk.customer_view": lambda: (
        _request_desk().customer_view,
        ("REQ-1",),
        {"customer_id": "C-1"},
    ),
    "TransferResult": lambda: _new(_transfer_result()),
}
EXAMPLES.update(_REQUEST_DESK_EXAMPLES)


def _price_query(**extra: Any) -> dict[str, Any]:
    return {
        "subscription_id": "S-1",
        "project_id": "P-1",
        "category_id": "CAT",
        "period_code": MONTHLY,
        "currency": "EUR",
        **extra,
    }


def _order_store() -> InMemoryStore:
    store = InMemoryStore()
    store.repository(ServiceOrder).add(ORDER)
    return store


# ------------------------------------------------------------------------ the sweep


def _public_modules() -> list[ModuleType]:
    """``servicedomain`` and each of its public modules (no ``_private`` part)."""
    infos = pkgutil.walk_packages(servicedomain.__path__, "servicedomain.")
    public = [info.name for info in infos if "._" not in info.name]
    return [servicedomain, *(importlib.import_module(name) for name in public)]


# Not walked by the callable sweep: the adapters and the testing kit (extras with their
# own contract suites), the demo and the command line (programs, the [cli] extra, with
# their own tests: tests/test_cli_*.py); ``__main__`` is private by its name. The batch
# runs work on the SQL adapter (its tables, the [sql] extra) and are not swept yet: their
# bad input is tested in tests/test_runs.py.
_NOT_SWEPT = (
    "servicedomain.adapters",
    "servicedomain.runs",
    "servicedomain.testing",
    "servicedomain.demo",
    "servicedomain.cli",
)
# The public modules of issue 12 (the walk finds any new one as well).
_SWEPT_AT_LEAST = {
    *("money", "instants", "periods", "calendars", "stages", "orders", "agreements", "sla"),
    *("billing", "reports", "events", "ports", "app", "errors", "serialization"),
}


def swept_modules() -> list[ModuleType]:
    """The modules whose ``__all__`` the sweep walks: the facade and every public module."""
    return [m for m in _public_modules() if not m.__name__.startswith(_NOT_SWEPT)]


def _home(value: object, modules: list[str]) -> str:
    """The public home of ``value``: the listing module it is defined in, else the first.

    ``modules`` are the swept modules whose ``__all__`` lists ``value``; the facade
    ``servicedomain`` is its home only when no other module lists it.
    """
    defined = getattr(value, "__module__", "") or ""
    inside = [m for m in modules if defined == m or defined.startswith(f"{m}.")]
    outside = [m for m in modules if m != "servicedomain"]
    home = max(inside, key=len) if inside else (outside or modules)[0]
    return home.removeprefix("servicedomain.")


def public_names() -> dict[str, object]:
    """Every name in a swept ``__all__``, keyed as the module docstring says, to its value."""
    found: dict[str, dict[int, tuple[object, list[str]]]] = {}
    for module in swept_modules():
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            listed = found.setdefault(name, {}).setdefault(id(value), (value, []))
            listed[1].append(module.__name__)
    names: dict[str, object] = {}
    for name, values in found.items():
        for value, modules in values.values():
            names[name if len(values) == 1 else f"{_home(value, modules)}.{name}"] = value
    return names


def _is_event_class(value: object) -> bool:
    return inspect.isclass(value) and issubclass(value, DomainEvent)


def _is_swept_class(value: object) -> bool:
    return (
        inspect.isclass(value)
        and not issubclass(value, BaseException)
        and not issubclass(value, enum.Enum)
        and not getattr(value, "_is_protocol", False)
        and not is_typeddict(value)
        and not _is_event_class(value)
    )


def public_callables() -> set[str]:
    """Every name the sweep must cover: functions, constructors and public methods."""
    names: set[str] = set()
    for name, value in public_names().items():
        if _is_swept_class(value) or _is_event_class(value):
            assert inspect.isclass(value)
            if not _is_event_class(value):  # events: test_every_domain_event_...
                names.add(name)
            for member in dir(value):
                static = inspect.getattr_static(value, member)
                if not member.startswith("_") and (
                    inspect.isfunction(static) or isinstance(static, classmethod | staticmethod)
                ):
                    names.add(f"{name}.{member}")
        elif inspect.isfunction(value):
            names.add(name)
    return names


def public_events() -> dict[str, type[DomainEvent]]:
    """Every domain event class in a swept ``__all__`` (``DomainEvent`` included)."""
    return {
        name: value
        for name, value in public_names().items()
        if inspect.isclass(value) and issubclass(value, DomainEvent)
    }


def test_the_sweep_covers_every_public_callable() -> None:
    missing = public_callables() - EXAMPLES.keys()
    stale = EXAMPLES.keys() - public_callables()
    assert not missing, f"add an example call for: {sorted(missing)}"
    assert not stale, f"examples for names that are not public: {sorted(stale)}"


def _optional(param: inspect.Parameter) -> bool:
    annotation = param.annotation if isinstance(param.annotation, str) else repr(param.annotation)
    return param.default is None or "None" in annotation


def _arguments(name: str) -> list[tuple[str, str | None, bool]]:
    """(parameter, key inside ``**kwargs`` or None, may it be None) for each argument."""
    fn, args, kwargs = EXAMPLES[name]()
    signature = inspect.signature(fn)
    bound = signature.bind(*args, **kwargs)
    swept: list[tuple[str, str | None, bool]] = []
    for parameter, param in signature.parameters.items():
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            swept.extend((parameter, key, False) for key in bound.arguments.get(parameter, {}))
        else:
            swept.append((parameter, None, _optional(param)))
    return swept


def call_with(name: str, parameter: str, key: str | None, bad: object) -> Any:
    """Call a fresh example of ``name`` with one argument replaced by ``bad``."""
    fn, args, kwargs = EXAMPLES[name]()
    signature = inspect.signature(fn)
    arguments = dict(signature.bind(*args, **kwargs).arguments)
    kind = signature.parameters[parameter].kind
    if kind is inspect.Parameter.VAR_POSITIONAL:
        arguments[parameter] = (bad,)
    elif kind is inspect.Parameter.VAR_KEYWORD:
        arguments[parameter] = {**arguments[parameter], key: bad}
    else:
        arguments[parameter] = bad
    replaced = inspect.BoundArguments(signature, arguments)
    result = fn(*replaced.args, **replaced.kwargs)
    return list(result) if inspect.isgenerator(result) else result


def sweep(name: str) -> tuple[int, list[str]]:
    """Run the sweep of one callable: (arguments swept, problems found)."""
    problems: list[str] = []
    swept = _arguments(name)
    for parameter, key, optional in swept:
        argument = key or parameter
        for bad in (None, object()):
            label = f"{name}({argument}={'None' if bad is None else 'object()'})"
            try:
                call_with(name, parameter, key, bad)
            except ServiceDomainError as error:
                if argument not in str(error):
                    problems.append(f"{label}: message does not name it: {error}")
            except Exception as error:
                problems.append(f"{label}: bare {type(error).__name__}: {error}")
            else:
                if bad is not None or not optional:
                    problems.append(f"{label}: silently accepted")
    return len(swept), problems


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_example_is_a_valid_call(name: str) -> None:
    fn, args, kwargs = EXAMPLES[name]()
    result = fn(*args, **kwargs)
    if inspect.isgenerator(result):
        list(result)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_none_and_a_wrong_type_raise_a_library_error_naming_the_argument(name: str) -> None:
    _count, problems = sweep(name)
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------- the domain events

_BAD_EVENT_FIELDS: dict[str, tuple[object, ...]] = {
    "entity_id": (None, object(), "", "   ", 42, DAY),
    "occurred_at": (None, object(), "2026-03-02T09:00:00Z", DAY, datetime(2026, 3, 2, 9)),  # noqa: DTZ001
}


def test_the_event_sweep_finds_the_events_of_every_package() -> None:
    names = set(public_events())
    assert {"DomainEvent", "StageChanged", "AgreementCreated", "InvoiceIssued"} <= names
    assert len(names) >= 40


@pytest.mark.parametrize("name", sorted(public_events()))
@settings(max_examples=5)  # drawing an order line is slow; the checked fields are shared
@given(data=st.data())
def test_every_domain_event_refuses_a_wrong_entity_id_or_instant_by_name(
    name: str, data: st.DataObject
) -> None:
    # The fields of DomainEvent; the fields a subclass adds are checked below.
    cls = public_events()[name]
    event = data.draw(st.from_type(cls))
    assert isinstance(event, cls)
    assert event.name == type(event).__name__
    for field, bad_values in _BAD_EVENT_FIELDS.items():
        for bad in bad_values:
            with pytest.raises(InvalidInputError) as caught:
                attrs.evolve(event, **{field: bad})  # type: ignore[arg-type]
            assert caught.value.field == field, (field, bad)


_BASE_EVENT_FIELDS = frozenset(a.name for a in attrs.fields(DomainEvent))


@pytest.mark.parametrize("name", sorted(public_events()))
@settings(max_examples=5)
@given(data=st.data())
def test_every_field_of_every_domain_event_refuses_a_wrong_type_by_name(
    name: str, data: st.DataObject
) -> None:
    # The fields a subclass adds: an object() is refused naming the field, None too
    # unless the field is optional, and a tuple's wrong item naming its position.
    cls = public_events()[name]
    event = data.draw(st.from_type(cls))
    for attribute in attrs.fields(cls):
        field = attribute.name
        if field in _BASE_EVENT_FIELDS:
            continue
        assert attribute.validator is not None, f"{name}.{field} has no validator"
        value = getattr(event, field)
        bad_values: list[tuple[object, str]] = [(object(), field)]
        if value is not None and "None" not in str(attribute.type):
            bad_values.append((None, field))
        if isinstance(value, tuple) and str(attribute.type).startswith("tuple["):
            bad_values.append(((object(),), f"{field}[0]"))
        for bad, named in bad_values:
            with pytest.raises(InvalidInputError) as caught:
                attrs.evolve(event, **{field: bad})  # type: ignore[arg-type]
            assert caught.value.field == named, (name, field, bad)
            assert str(caught.value).startswith(f"{named}="), str(caught.value)


# ------------------------------------------------------------ the unusual values

# The largest amount and factor of the supported range, and values far outside it.
_TOP_AMOUNT = Decimal("999999999999999.99")
_TOP_FACTOR = Decimal("999999999999999.999999999999")
_UNUSUAL_DECIMALS = (
    Decimal("9" * 60),
    Decimal("-" + "9" * 60),
    Decimal("1E+999999"),
    Decimal("1E-999999"),
    Decimal("0E-999999"),
    _TOP_FACTOR,
)
_UNUSUAL_MONEY = (Money(_TOP_AMOUNT, "EUR"), Money(-_TOP_AMOUNT, "EUR"))
_UNUSUAL_INSTANTS = (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
_UNUSUAL_DATES = (date.min, date.max)


def _unusual(example: object) -> tuple[object, ...]:
    if isinstance(example, Money):
        return tuple(
            Money.rounded(m.amount, example.currency, Rounding.DOWN) for m in _UNUSUAL_MONEY
        )
    if isinstance(example, Decimal):
        return _UNUSUAL_DECIMALS
    if isinstance(example, datetime):
        return _UNUSUAL_INSTANTS
    if isinstance(example, date):
        return _UNUSUAL_DATES
    return ()


def unusual_sweep(name: str) -> tuple[int, list[str]]:
    """Call ``name`` with extreme amounts, quantities, instants and dates in each argument."""
    fn, args, kwargs = EXAMPLES[name]()
    signature = inspect.signature(fn)
    bound = signature.bind(*args, **kwargs)
    problems: list[str] = []
    count = 0
    for parameter, value in bound.arguments.items():
        kind = signature.parameters[parameter].kind
        if kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        for bad in _unusual(value):
            count += 1
            try:
                call_with(name, parameter, None, bad)
            except ServiceDomainError:
                pass
            except Exception as error:
                problems.append(
                    f"{name}({parameter}={bad!r}): bare {type(error).__name__}: {error}"
                )
    return count, problems


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_extreme_amounts_quantities_instants_and_dates_raise_only_library_errors(
    name: str,
) -> None:
    _count, problems = unusual_sweep(name)
    assert not problems, "\n".join(problems)


# ------------------------------------------- pinned unusual values (issue 11)


@pytest.mark.parametrize(
    "amount",
    [Decimal("9" * 60), Decimal("9" * 58), Decimal("1E+999999"), Decimal("-1E+15"), 10**15],
)
def test_amounts_outside_the_supported_range_are_refused(amount: Decimal | int) -> None:
    with pytest.raises(InvalidAmountError) as caught:
        Money(amount, "EUR")
    assert caught.value.field == "amount"
    with pytest.raises(InvalidAmountError):
        Money.rounded(amount, "EUR")


@pytest.mark.parametrize(
    "factor", [Decimal("9" * 60), Decimal("1E+999999"), Decimal("1E-999999"), Decimal("1E-13")]
)
def test_factors_outside_the_supported_range_are_refused(factor: Decimal) -> None:
    with pytest.raises(InvalidAmountError) as caught:
        EUR10 * factor
    assert caught.value.field == "quantity"
    with pytest.raises(InvalidAmountError) as caught:
        EUR10.divide(factor)
    assert caught.value.field == "divisor"


def test_the_largest_amounts_and_factors_multiply_and_add_exactly() -> None:
    top = Money(_TOP_AMOUNT, "EUR")
    product = top * _TOP_FACTOR
    exact = decimal.Context(prec=200).multiply(_TOP_AMOUNT, _TOP_FACTOR)
    assert product.amount == exact
    assert Money.total([product, product, -top * _TOP_FACTOR], "EUR") == product
    wide = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_UP)
    assert product.round().amount == wide.quantize(exact, Decimal("0.01"))


def test_a_top_of_range_price_reaches_fees_and_the_margin_report_exactly() -> None:
    price = Money(_TOP_AMOUNT, "EUR")
    sub = attrs.evolve(SUBSCRIPTION, base_price=price, index=Decimal("999.999999"))
    fees = generate_fees(sub, as_of=date(2027, 3, 31))
    assert len(fees) == 13
    big = line(TransactionType.HOUR, str(10**9 - 1) + ".5", str(_TOP_AMOUNT), str(_TOP_AMOUNT))
    order = boiler_order("SO-BIG", big, big)
    report = margin_report([order])
    wide = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_UP)
    per_line = wide.quantize(
        wide.multiply(Decimal(10**9) - Decimal("0.5"), _TOP_AMOUNT), EUR10.amount
    )
    assert report.totals[0].revenue.amount == 2 * per_line


@given(
    units=st.integers(-(10**17) + 1, 10**17 - 1),
    factor=st.decimals(
        min_value=Decimal("-999999999999999.999999999999"),
        max_value=Decimal("999999999999999.999999999999"),
        places=12,
        allow_nan=False,
        allow_infinity=False,
    ),
)
@example(units=10**17 - 1, factor=Decimal("999999999999999.999999999999"))  # sum beyond
def test_M5_products_and_sums_within_the_supported_range_are_exact(
    units: int, factor: Decimal
) -> None:
    wide = decimal.Context(prec=200)
    money = Money.from_minor_units(units, "EUR")
    product = money * factor
    assert product.amount == wide.multiply(money.amount, factor)
    exact = wide.multiply(wide.multiply(money.amount, factor), 2)
    if abs(exact) >= 10 ** (2 * MAX_INTEGER_DIGITS):  # two products near the top: beyond
        with pytest.raises(InvalidAmountError):
            Money.total([product, product], "EUR")
        return
    twice = Money.total([product, product], "EUR")
    assert twice.amount == exact


def test_M1_allocation_refuses_a_weight_beyond_12_decimals_and_ignores_trailing_zeros() -> None:
    with pytest.raises(InvalidRatiosError) as caught:
        allocate(EUR10, [1, Decimal("1E-999999")])
    assert caught.value.field == "weights[1]"
    many = [Decimal("0E-999999")] * 100 + [Decimal("1.000000000000000000000000")]
    parts = allocate(EUR10, many)
    assert parts[-1] == EUR10
    assert Money.total(parts, "EUR") == EUR10


@pytest.mark.parametrize(
    "text",
    ["\u0661\u0662\u0663", "\uff11\uff12.\uff15\uff10", "\u0663.\u0660\u0660", "12.5\uff10"],
)
def test_money_of_refuses_digits_that_are_not_ascii(text: str) -> None:
    with pytest.raises(InvalidAmountError) as caught:
        Money.of(text, "EUR")
    assert caught.value.field == "amount"


@pytest.mark.parametrize(
    "operation",
    [
        lambda m: m // 2,
        lambda m: m % 2,
        lambda m: divmod(m, 2),
        lambda m: 2 / m,
        lambda m: 2 // m,
        lambda m: m**2,
    ],
)
def test_floor_division_modulo_and_powers_of_money_are_refused(
    operation: Callable[[Money], object],
) -> None:
    with pytest.raises(InvalidOperationError):
        operation(EUR10)


@pytest.mark.parametrize(
    "instant",
    [
        datetime.min.replace(tzinfo=UTC),
        datetime.max.replace(tzinfo=UTC),
        datetime(9999, 1, 1, tzinfo=UTC),
        datetime(1, 12, 31, 23, tzinfo=UTC),
        datetime(9998, 12, 31, 23, tzinfo=timezone(timedelta(hours=-2))),
    ],
)
def test_instants_outside_the_supported_range_are_refused_everywhere(instant: datetime) -> None:
    for call in (
        lambda: require_instant(instant, "at"),
        lambda: local_date(instant, "Pacific/Kiritimati"),
        lambda: local_datetime(instant, "America/Adak"),
        lambda: measure(SLA, [SlaEntry.start(AT)], now=instant),
        lambda: SlaEntry.start(instant),
        lambda: CALENDAR.is_working(instant),
        lambda: ORDER.change_stage(GRAPH, "PLANNED", at=instant),
    ):
        with pytest.raises(InvalidInputError):
            call()


def test_the_first_and_last_supported_instants_measure_without_overflow() -> None:
    last = instants.END_INSTANT - timedelta(microseconds=1)
    first = instants.FIRST_INSTANT
    assert local_date(last, "Pacific/Kiritimati") == date(9800, 1, 1)
    assert local_date(first, "Pacific/Niue") == date(1, 12, 31)
    longest = Allowance(minutes=52_704_000)  # the longest allowance an SLA takes
    sla = ServiceLevelAgreement(id="SLA-L", targets=SlaTargets(resolution=longest))
    near_end = last - timedelta(hours=1)
    measured = measure(sla, [SlaEntry.start(near_end)], now=last)
    assert measured.elapsed == timedelta(hours=1)
    assert measured.deadline == near_end + timedelta(minutes=52_704_000)


@pytest.mark.parametrize(
    "name", ["Europe", "America/", "", "x" * 5000, "Europe/Paris\x00", "../UTC"]
)
def test_zone_names_that_are_no_zone_raise_invalid_timezone(name: str) -> None:
    with pytest.raises(InvalidTimezoneError) as caught:
        named_zone(name)
    assert caught.value.field == "zone"


@pytest.mark.parametrize(
    ("name", "argument"),
    [
        ("ServiceDesk.post_orders", "order_ids"),
        ("ServiceDesk.generate_orders", "agreement_ids"),
        ("BillingDesk.credit_invoiced", "select"),
        ("BillingDesk.generate_fees", "subscription_ids"),
        ("ServiceDesk.post_orders", "types"),
        ("BillingDesk.invoice_customers", "transactions"),
        ("propose_invoices", "fees"),
        ("new_fees", "stored"),
        ("latest_end", "fees"),
        ("roll_up", "statuses"),
        ("clock_state", "entries"),
        ("margin_report", "orders"),
    ],
)
def test_a_single_string_where_a_collection_is_expected_is_refused(
    name: str, argument: str
) -> None:
    with pytest.raises(TypeMismatchError) as caught:
        call_with(name, argument, None, "SO-1")
    assert caught.value.field == argument


_BAD_IDS = ["", "   ", "SO\x001", "SO-1\n", "\t", "x" * 256]


@pytest.mark.parametrize("bad", _BAD_IDS)
@pytest.mark.parametrize(
    ("name", "argument"),
    [
        ("ServiceOrder.create", "id"),
        ("ServiceOrder.create", "customer_id"),
        ("AgreementGroup", "id"),
        ("Subscription", "id"),
        ("Subscription", "customer_id"),
        ("ReasonCode", "code"),
        ("InvoiceProposal.post", "invoice_id"),
        ("BillingDesk", "invoice_prefix"),
        ("ServiceDesk.create_order", "order_id"),
    ],
)
def test_blank_ids_ids_with_control_characters_and_overlong_ids_are_refused(
    name: str, argument: str, bad: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        call_with(name, argument, None, bad)
    assert argument in str(caught.value)


@pytest.mark.parametrize("version", [0, -1, "1", 1.0, True, None])
def test_an_invoice_version_is_an_int_of_at_least_1(version: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        attrs.evolve(INVOICE, version=version)  # type: ignore[arg-type]
    assert caught.value.field == "version"


@pytest.mark.parametrize("quantity", [Decimal("1E+50"), Decimal(10**15), 10**20])
def test_line_quantities_outside_the_supported_range_are_refused(quantity: Decimal | int) -> None:
    with pytest.raises(InvalidQuantityError) as caught:
        attrs.evolve(HOUR_LINE, quantity=quantity)
    assert caught.value.field == "quantity"


@pytest.mark.parametrize(
    "quantity",
    [
        Decimal("9" * 60),
        Decimal("-" + "9" * 60),
        Decimal("1E+999999"),
        Decimal("-1E+999999"),
        Decimal("1E-999999"),
        Decimal(10**15),
    ],
)
@pytest.mark.parametrize("crediting", [False, True])
def test_invoice_and_billable_line_quantities_outside_the_supported_range_are_refused(
    quantity: Decimal, crediting: bool
) -> None:
    # A zero price and amount make every quantity pass the charge and amount checks:
    # only the quantity's own range check can refuse it, as InvalidQuantityError.
    zero = Money(Decimal("0.00"), "EUR")
    credited = "INV-1" if crediting else None
    with pytest.raises(InvalidQuantityError) as caught:
        attrs.evolve(
            INVOICE_LINE,
            quantity=quantity,
            unit_price=zero,
            amount=zero,
            credited_invoice_id=credited,
        )
    assert caught.value.field == "quantity"
    with pytest.raises(InvalidQuantityError) as caught:
        attrs.evolve(TRANSACTION, quantity=quantity, sales_price=zero, amount=zero)
    assert caught.value.field == "quantity"


def test_invoice_line_quantities_within_the_supported_range_are_kept() -> None:
    zero = Money(Decimal("0.00"), "EUR")
    top = Decimal("999999999999999.999999999999")
    line = attrs.evolve(INVOICE_LINE, quantity=top, unit_price=zero, amount=zero)
    assert line.quantity == top
    credit = attrs.evolve(
        INVOICE_LINE,
        quantity=Decimal("0.5"),
        credited_invoice_id="INV-1",
        amount=-INVOICE_LINE.unit_price.divide(2).round(),
    )
    assert credit.quantity == Decimal("0.5")


@pytest.mark.parametrize("value", [Decimal("1E+50"), Decimal("1E-50"), Decimal("1E+999999")])
def test_indexes_and_percentages_outside_the_supported_range_are_refused_where_given(
    value: Decimal,
) -> None:
    effective_date = date(2026, 6, 1)
    with pytest.raises(InvalidAmountError) as caught:
        SUBSCRIPTION.index_to(value, effective_date=effective_date, at=LATER)
    assert caught.value.field == "value"
    with pytest.raises(InvalidAmountError) as caught:
        SUBSCRIPTION.index_by_percent(value, effective_date=effective_date, at=LATER)
    assert caught.value.field == "pct"


# ------------------------- found once the sweep walked every module's __all__ (issue 12)


@pytest.mark.parametrize(
    ("name", "argument", "error"),
    [
        ("default_order_id", "key", TypeMismatchError),
        ("document_issued", "document", TypeMismatchError),
        ("revenue_accrued", "entries", TypeMismatchError),
        ("MovedLines", "target", TypeMismatchError),
        ("MovedLines", "events", TypeMismatchError),
        ("WorkDocumentLine", "quantity", TypeMismatchError),
        ("check_factor", "field", TypeMismatchError),
        ("check_factor", "error", TypeMismatchError),
        ("from_dict", "data", InvalidDocumentError),
        ("loads", "text", InvalidDocumentError),
    ],
)
def test_a_wrong_type_in_a_name_only_its_module_exports_is_refused_by_name(
    name: str, argument: str, error: type[InvalidInputError]
) -> None:
    with pytest.raises(error) as caught:
        call_with(name, argument, None, object())
    assert caught.value.field == argument


def test_revenue_accrued_names_a_wrong_entry_by_its_position() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        revenue_accrued([ACCRUAL_ENTRY, "AE-1"], at=LATER)  # type: ignore[list-item]
    assert caught.value.field == "entries[1]"


def test_a_moved_lines_result_may_have_no_source_but_always_a_target() -> None:
    target, _source, events = _moved()
    assert MovedLines(target, None, events).source is None
    with pytest.raises(TypeMismatchError) as caught:
        MovedLines(None, target, events)  # type: ignore[arg-type]
    assert caught.value.field == "target"


def test_json_text_that_is_not_json_names_the_text_argument() -> None:
    with pytest.raises(InvalidDocumentError) as caught:
        loads(ServiceOrder, "{not json")
    assert caught.value.field == "text"


# ------------------------------------------------------- the sweep sweeps


# The facade, a module and a submodule: a name new in any of their ``__all__`` is swept.
_EXPORTING_MODULES = ["servicedomain", "servicedomain.billing", "servicedomain.app.service_desk"]


def _export(monkeypatch: pytest.MonkeyPatch, module_name: str, name: str, value: object) -> None:
    """Make ``value`` public as ``name`` in ``module_name``'s ``__all__`` for one test."""
    module = importlib.import_module(module_name)
    monkeypatch.setattr(module, name, value, raising=False)
    monkeypatch.setattr(module, "__all__", [*module.__all__, name])


@pytest.mark.parametrize("module_name", _EXPORTING_MODULES)
def test_a_new_public_name_without_an_example_is_reported(
    monkeypatch: pytest.MonkeyPatch, module_name: str
) -> None:
    def brand_new(day: date) -> date:
        return day

    _export(monkeypatch, module_name, "brand_new", brand_new)
    assert public_callables() - EXAMPLES.keys() == {"brand_new"}


@pytest.mark.parametrize("module_name", _EXPORTING_MODULES)
def test_a_new_public_class_reports_its_constructor_and_its_methods(
    monkeypatch: pytest.MonkeyPatch, module_name: str
) -> None:
    class BrandNew:
        def __init__(self, day: date) -> None:
            self.day = day

        def later(self, days: int) -> date:
            return self.day + timedelta(days=days)

        @classmethod
        def today_in(cls, zone: str) -> BrandNew:
            return cls(date(2026, 3, 2))

        def _private(self) -> None:
            pass

    _export(monkeypatch, module_name, "BrandNew", BrandNew)
    missing = public_callables() - EXAMPLES.keys()
    assert missing == {"BrandNew", "BrandNew.later", "BrandNew.today_in"}


def test_a_method_new_on_a_domain_event_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    @attrs.frozen(kw_only=True)
    class SomethingHappened(DomainEvent):
        def describe(self) -> str:
            return self.entity_id

    _export(monkeypatch, "servicedomain.orders", "SomethingHappened", SomethingHappened)
    assert "SomethingHappened" in public_events()
    assert public_callables() - EXAMPLES.keys() == {"SomethingHappened.describe"}


def test_two_public_names_alike_are_keyed_by_their_public_homes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def allocate(weights: list[int]) -> list[int]:  # not money.allocate
        return weights

    allocate.__module__ = "servicedomain.billing._accruals"
    _export(monkeypatch, "servicedomain.billing", "allocate", allocate)
    swept = public_callables()
    assert {"money.allocate", "billing.allocate"} <= swept
    assert "allocate" not in swept


def test_a_name_the_facade_stops_exporting_stays_in_the_sweep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    everything = public_callables()
    enums, events = set(public_enums()), set(public_events())
    monkeypatch.setattr(servicedomain, "__all__", ["__version__"])
    assert public_callables() == everything
    assert set(public_enums()) == enums
    assert set(public_events()) == events


def test_every_swept_module_declares_its_public_names() -> None:
    # A public module without ``__all__`` would be invisible to the sweep.
    names = {module.__name__ for module in swept_modules()}
    assert {f"servicedomain.{name}" for name in _SWEPT_AT_LEAST} <= names
    assert not {name for name in names if name.startswith(_NOT_SWEPT)}
    undeclared = [m.__name__ for m in swept_modules() if "__all__" not in vars(m)]
    assert not undeclared, f"give these modules an __all__: {undeclared}"


def test_every_name_of_the_facade_has_a_public_home() -> None:
    # So that the facade can shrink (issue 12, item 8): what it stops exporting stays
    # importable from a module, and swept there.
    homes = {
        id(getattr(module, name))
        for module in swept_modules()
        if module is not servicedomain
        for name in module.__all__
    }
    homeless = [
        name
        for name in servicedomain.__all__
        if not name.startswith("__") and id(getattr(servicedomain, name)) not in homes
    ]
    assert not homeless, f"export these from their module's __all__ too: {homeless}"


def test_the_sweep_reports_bare_errors_silent_acceptance_and_unnamed_arguments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def careless(amount: int, note: str = "") -> str:
        if note is None:
            raise InvalidInputError("text", note, "no name of the argument")
        return str(amount + 1)

    monkeypatch.setitem(EXAMPLES, "careless", lambda: (careless, (1,), {}))
    count, problems = sweep("careless")
    assert count == 2
    operand = "bare TypeError: unsupported operand type(s) for +:"
    assert problems == [
        f"careless(amount=None): {operand} 'NoneType' and 'int'",
        f"careless(amount=object()): {operand} 'object' and 'int'",
        "careless(note=None): message does not name it: text=None: no name of the argument",
        "careless(note=object()): silently accepted",
    ]


@pytest.mark.parametrize(
    ("name", "argument"),
    [
        ("latest_end", "fees"),
        ("new_fees", "stored"),
        ("new_fees", "given"),
        ("propose_invoices", "fees"),
        ("propose_invoices", "transactions"),
        ("roll_up", "statuses"),
        ("clock_state", "entries"),
        ("margin_report", "orders"),
        ("Money.total", "items"),
        ("WorkingCalendar.deadlines", "starts"),
        ("subscription_fee_summary", "accruals"),
        ("render_subscription_fee_summary_csv", "rows"),
        ("ServiceDesk.post_orders", "order_ids"),
        ("BillingDesk.credit_invoiced", "select"),
    ],
)
def test_a_wrong_item_in_a_collection_is_named_by_its_position(name: str, argument: str) -> None:
    with pytest.raises(ServiceDomainError) as caught:
        call_with(name, argument, None, [object()])
    assert f"{argument}[0]" in str(caught.value)


# ------------------------------------------------------------------------ the enums


def public_enums() -> dict[str, type[enum.Enum]]:
    """Every enum the library exports, in ``servicedomain.__all__`` or a module's."""
    enums: dict[str, type[enum.Enum]] = {}
    for module in _public_modules():
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if inspect.isclass(value) and issubclass(value, enum.Enum):
                enums[f"{value.__module__}.{value.__qualname__}"] = value
    return enums


_NO_MEMBER_VALUES: tuple[object, ...] = ("no such value", None, object(), [1])


def enum_problems(cls: type[enum.Enum]) -> list[str]:
    """What goes wrong when ``cls`` is called with values none of its members has."""
    problems: list[str] = []
    for bad in _NO_MEMBER_VALUES:
        label = f"{cls.__name__}({bad!r})"
        try:
            cls(bad)
        except ServiceDomainError as error:
            text = str(error)
            if not isinstance(error, UnknownEnumValueError) or error.enum is not cls:
                problems.append(f"{label}: {type(error).__name__}, not UnknownEnumValueError")
            elif cls.__name__ not in text or error.value is not bad:
                problems.append(f"{label}: the message names neither the enum nor the value")
            elif any(repr(member.value) not in text for member in cls):
                problems.append(f"{label}: the message does not list the valid values: {text}")
        except Exception as error:
            problems.append(f"{label}: bare {type(error).__name__}: {error}")
        else:
            problems.append(f"{label}: silently accepted")
    return problems


def test_the_enum_sweep_finds_the_enums_of_every_package() -> None:
    names = {cls.__name__ for cls in public_enums().values()}
    assert {"Priority", "TransactionType", "GroupBy", "SkipReason", "Rounding"} <= names
    assert len(names) >= 30


@pytest.mark.parametrize("name", sorted(public_enums()))
def test_an_unknown_value_of_a_public_enum_raises_a_library_error_naming_the_enum(
    name: str,
) -> None:
    cls = public_enums()[name]
    assert not enum_problems(cls)
    with pytest.raises(ValueError, match=cls.__name__):  # existing ``except ValueError``
        cls("no such value")


@pytest.mark.parametrize("name", sorted(public_enums()))
def test_public_enum_members_look_up_print_compare_and_pickle_as_before(name: str) -> None:
    cls = public_enums()[name]
    for member in cls:
        assert cls(member.value) is member
        assert cls(member) is member
        assert cls[member.name] is member
        assert pickle.loads(pickle.dumps(member)) is member
        if isinstance(member, enum.StrEnum):  # a str: equal to its value, printed as it
            assert member == member.value
            assert str(member) == member.value
        else:
            assert member != member.value
            assert str(member) == f"{cls.__name__}.{member.name}"


def test_priority_high_with_a_capital_names_the_enum_and_the_valid_values() -> None:
    with pytest.raises(UnknownEnumValueError) as caught:
        Priority("High")
    error = caught.value
    assert (error.field, error.value, error.valid) == (
        "Priority",
        "High",
        ("high", "normal", "low"),
    )
    assert str(error) == (
        "Priority='High': not a Priority value; the valid values are 'high', 'normal', 'low'"
    )
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.enum) == (UnknownEnumValueError, str(error), error.enum)


@pytest.mark.parametrize("module_name", _EXPORTING_MODULES)
def test_a_new_public_enum_without_the_shared_lookup_is_reported(
    monkeypatch: pytest.MonkeyPatch, module_name: str
) -> None:
    class Careless(enum.Enum):
        ONE = "one"

    _export(monkeypatch, module_name, "Careless", Careless)
    assert Careless in public_enums().values()
    problems = enum_problems(Careless)
    assert len(problems) == len(_NO_MEMBER_VALUES)
    assert all(": bare ValueError: " in problem for problem in problems)
    assert problems[0].startswith("Careless('no such value'): bare ValueError: 'no such value'")
