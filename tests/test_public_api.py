"""The public surface: what `import servicedomain` gives, and what it must not import."""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import subprocess
import sys
from datetime import date
from decimal import Decimal
from typing import assert_type

import servicedomain
from servicedomain import errors


def test_every_name_in_all_imports() -> None:
    for name in servicedomain.__all__:
        assert getattr(servicedomain, name) is not None, name


FACADE = [
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
"""The facade, pinned: a name joins or leaves ``import servicedomain`` on purpose only."""


def test_the_facade_exports_exactly_the_pinned_names() -> None:
    assert list(servicedomain.__all__) == FACADE


def test_the_facade_is_small() -> None:
    # The nouns and verbs a program reaches for; everything else lives in its module.
    assert 50 <= len(servicedomain.__all__) <= 80


def test_every_name_of_the_facade_is_the_same_object_as_in_its_module() -> None:
    modules = [
        importlib.import_module(f"servicedomain.{name}")
        for name in (
            "money",
            "instants",
            "periods",
            "calendars",
            "stages",
            "orders",
            "agreements",
            "sla",
            "billing",
            "repairs",
            "reports",
            "events",
            "ports",
            "app",
            "errors",
        )
    ]
    for name in servicedomain.__all__:
        if name == "__version__":
            continue
        homes = [m for m in modules if name in m.__all__]
        assert homes, f"{name} has no public module"
        assert all(getattr(m, name) is getattr(servicedomain, name) for m in homes), name


def test_all_is_sorted_and_unique() -> None:
    names = list(servicedomain.__all__)
    assert len(names) == len(set(names))
    constants = [n for n in names if n.isupper()]
    assert names[: len(constants)] == sorted(constants)
    others = names[len(constants) :]
    assert others == sorted(others, key=lambda n: (n[0].islower() or n.startswith("_"), n))


def test_version_matches_the_installed_metadata() -> None:
    assert servicedomain.__version__ == importlib.metadata.version("servicedomain") == "0.1.0"


def test_import_servicedomain_imports_no_adapter_and_no_testing_kit() -> None:
    code = (
        "import sys, servicedomain; "
        "print(sorted(m for m in sys.modules if m.startswith(('servicedomain.adapters', "
        "'servicedomain.testing', 'hypothesis', 'pytest', 'sqlalchemy'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_law_checks_import_without_pytest_or_hypothesis() -> None:
    # A host may run servicedomain.testing.invariants in production code, where neither
    # test tool is installed: block both and the checks must still import and run.
    code = (
        "import sys; sys.modules['pytest'] = None; sys.modules['hypothesis'] = None; "
        "from servicedomain.testing.invariants import check_fee_laws; "
        "print(check_fee_laws.__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "check_fee_laws"


def test_every_submodule_all_imports() -> None:
    for module_name in (
        "errors",
        "money",
        "periods",
        "instants",
        "events",
        "ports",
        "stages",
        "orders",
        "agreements",
        "calendars",
        "sla",
        "billing",
        "reports",
        "app",
    ):
        module = importlib.import_module(f"servicedomain.{module_name}")
        for name in module.__all__:
            assert hasattr(module, name), f"{module_name}.{name}"


def test_every_error_subclasses_the_root_and_bad_input_a_builtin() -> None:
    classes = [
        obj
        for _, obj in inspect.getmembers(errors, inspect.isclass)
        if obj.__module__ == errors.__name__
    ]
    assert len(classes) >= 20
    for cls in classes:
        assert issubclass(cls, errors.ServiceDomainError), cls
        if issubclass(cls, errors.InvalidInputError):
            assert issubclass(cls, ValueError), cls
        if issubclass(cls, errors.TypeMismatchError):
            assert issubclass(cls, TypeError), cls


def test_public_types_are_precise_for_type_checkers() -> None:
    money = servicedomain.Money(Decimal("1.00"), "EUR")
    assert_type(money + money, servicedomain.Money)
    assert_type(money * 3, servicedomain.Money)
    assert_type(servicedomain.allocate(money, [1, 2]), tuple[servicedomain.Money, ...])
    period = servicedomain.DateRange(date(2024, 1, 1), date(2024, 2, 1))
    assert_type(period.days, int)
    assert_type(period.intersection(period), servicedomain.DateRange | None)
    schedule = servicedomain.Schedule(servicedomain.MONTHLY, date(2024, 1, 31))
    assert_type(schedule.period(1), servicedomain.DateRange)
    assert period.days == 31
