"""servicedomain: the after-sales service-management domain as a pure Python library.

The names below are the public API. Submodules group them by concept: ``money``,
``periods``, ``instants``, ``errors``, ``events`` and ``ports``. Adapters
(``servicedomain.adapters``) and the testing kit (``servicedomain.testing``) are imported
on purpose, never by ``import servicedomain``.
"""

from __future__ import annotations

from servicedomain.errors import (
    AlreadyExistsError,
    AmbiguousLocalTimeError,
    ConcurrencyConflictError,
    CurrencyMismatchError,
    IdempotencyConflictError,
    InvalidAmountError,
    InvalidCalendarError,
    InvalidInputError,
    InvalidOperationError,
    InvalidPeriodError,
    InvalidRatiosError,
    InvalidScheduleError,
    InvalidTimezoneError,
    NaiveDatetimeError,
    NonexistentLocalTimeError,
    NotFoundError,
    RuleViolationError,
    ServiceDomainError,
    TypeMismatchError,
    UnknownCurrencyError,
)
from servicedomain.events import DomainEvent
from servicedomain.instants import (
    LocalTimePolicy,
    local_date,
    local_datetime,
    named_zone,
    parse_date,
    parse_instant,
    require_date,
    require_instant,
    resolve_local,
)
from servicedomain.money import ISO_4217, Currency, CurrencyTable, Money, Rounding, allocate
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
    PeriodUnit,
    Schedule,
)
from servicedomain.ports import Clock, Entity, EventPublisher, Repository, UnitOfWork

__version__ = "0.1.0"

__all__ = [
    "DAILY",
    "HALF_YEARLY",
    "ISO_4217",
    "MONTHLY",
    "QUARTERLY",
    "WEEKLY",
    "YEARLY",
    "Alignment",
    "AlreadyExistsError",
    "AmbiguousLocalTimeError",
    "Clock",
    "ConcurrencyConflictError",
    "Currency",
    "CurrencyMismatchError",
    "CurrencyTable",
    "DateRange",
    "DomainEvent",
    "Entity",
    "EventPublisher",
    "IdempotencyConflictError",
    "InvalidAmountError",
    "InvalidCalendarError",
    "InvalidInputError",
    "InvalidOperationError",
    "InvalidPeriodError",
    "InvalidRatiosError",
    "InvalidScheduleError",
    "InvalidTimezoneError",
    "LocalTimePolicy",
    "Money",
    "NaiveDatetimeError",
    "NonexistentLocalTimeError",
    "NotFoundError",
    "PeriodCode",
    "PeriodUnit",
    "Repository",
    "Rounding",
    "RuleViolationError",
    "Schedule",
    "ServiceDomainError",
    "TypeMismatchError",
    "UnitOfWork",
    "UnknownCurrencyError",
    "__version__",
    "allocate",
    "local_date",
    "local_datetime",
    "named_zone",
    "parse_date",
    "parse_instant",
    "require_date",
    "require_instant",
    "resolve_local",
]
