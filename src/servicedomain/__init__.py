"""servicedomain: the after-sales service-management domain as a pure Python library.

This facade holds the nouns and verbs most programs reach for: money and periods, the
stage graph, orders, agreements, SLAs, subscriptions, fees, invoices and accruals, the
two application objects (:class:`ServiceDesk`, :class:`BillingDesk`), the ports a host
implements first and the errors it catches. Every other public name lives in its module,
one concept each: ``money``, ``instants``, ``periods``, ``calendars``, ``stages``,
``orders``, ``agreements``, ``sla``, ``billing``, ``reports``, ``events``, ``ports``,
``app``, ``errors`` and ``serialization`` (``from servicedomain.billing import
FeeRun``). Adapters (``servicedomain.adapters``) and the testing kit
(``servicedomain.testing``) are imported on purpose, never by ``import servicedomain``.
"""

from __future__ import annotations

from servicedomain.agreements import (
    AgreementLine,
    NewAgreementLine,
    ServiceAgreement,
    ServiceTemplate,
    generate_service_orders,
)
from servicedomain.app import BillingDesk, ServiceDesk
from servicedomain.billing import (
    AccrualEntry,
    AccrualPolicy,
    FeeTransaction,
    Invoice,
    InvoiceLine,
    PriceTable,
    Subscription,
    SubscriptionGroup,
    accrue,
    credit_note,
    generate_fees,
    propose_invoices,
    prorate,
)
from servicedomain.calendars import WorkingCalendar
from servicedomain.errors import (
    AlreadyExistsError,
    ConcurrencyConflictError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
    ServiceDomainError,
    TransitionNotAllowedError,
)
from servicedomain.events import DomainEvent
from servicedomain.instants import local_date, parse_date, parse_instant
from servicedomain.money import Currency, Money, Rounding, allocate
from servicedomain.orders import (
    JournalEntry,
    NewLine,
    ServiceOrder,
    ServiceOrderLine,
    ServiceTask,
    TransactionType,
)
from servicedomain.periods import (
    DAILY,
    HALF_YEARLY,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    Alignment,
    DateRange,
    PeriodCode,
    Schedule,
)
from servicedomain.ports import Clock, UnitOfWork
from servicedomain.repairs import ServiceObject
from servicedomain.reports import margin_report, subscription_fee_summary
from servicedomain.sla import (
    Allowance,
    Priority,
    ServiceLevelAgreement,
    SlaMeasurement,
    SlaTargets,
    measure,
)
from servicedomain.stages import EXAMPLE_STAGE_GRAPH, Action, ReasonCode, Stage, StageGraph

__version__ = "0.1.0"

__all__ = [
    "DAILY",
    "EXAMPLE_STAGE_GRAPH",
    "HALF_YEARLY",
    "MONTHLY",
    "QUARTERLY",
    "WEEKLY",
    "YEARLY",
    "AccrualEntry",
    "AccrualPolicy",
    "Action",
    "AgreementLine",
    "Alignment",
    "Allowance",
    "AlreadyExistsError",
    "BillingDesk",
    "Clock",
    "ConcurrencyConflictError",
    "Currency",
    "DateRange",
    "DomainEvent",
    "FeeTransaction",
    "InvalidInputError",
    "Invoice",
    "InvoiceLine",
    "JournalEntry",
    "Money",
    "NewAgreementLine",
    "NewLine",
    "NotFoundError",
    "PeriodCode",
    "PriceTable",
    "Priority",
    "ReasonCode",
    "Rounding",
    "RuleViolationError",
    "Schedule",
    "ServiceAgreement",
    "ServiceDesk",
    "ServiceDomainError",
    "ServiceLevelAgreement",
    "ServiceObject",
    "ServiceOrder",
    "ServiceOrderLine",
    "ServiceTask",
    "ServiceTemplate",
    "SlaMeasurement",
    "SlaTargets",
    "Stage",
    "StageGraph",
    "Subscription",
    "SubscriptionGroup",
    "TransactionType",
    "TransitionNotAllowedError",
    "UnitOfWork",
    "WorkingCalendar",
    "__version__",
    "accrue",
    "allocate",
    "credit_note",
    "generate_fees",
    "generate_service_orders",
    "local_date",
    "margin_report",
    "measure",
    "parse_date",
    "parse_instant",
    "propose_invoices",
    "prorate",
    "subscription_fee_summary",
]
