"""Running the ``servicedomain`` command line in tests, through click's runner."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner, Result

from servicedomain.agreements import AgreementGroup, IntervalUnit, NewAgreementLine, ServiceInterval
from servicedomain.app import BillingDesk, ServiceDesk
from servicedomain.cli import cli
from servicedomain.money import Money
from servicedomain.orders import TransactionType


def run(db: Path | str | None, *args: str) -> Result:
    """Run ``servicedomain [--db db] args``; the result has the exit code and the output."""
    argv = ([] if db is None else ["--db", str(db)]) + list(args)
    return CliRunner().invoke(cli, argv, catch_exceptions=False)


def seed_desks(billing: BillingDesk, service: ServiceDesk) -> None:
    """The data the CLI tests start from, through the desks given (their clocks and rules).

    SUB-1 (MONTHLY, 0.00 EUR, customer C-100) and SUB-2 (QUARTERLY, 300.00 EUR, C-200),
    both from 2026-01-01; agreement AG-1 of C-100 with a weekly pump inspection (1 h,
    cost 42.00, price 85.00 EUR) from 2026-01-05.
    """
    for sub_id, group, customer, price in (
        ("SUB-1", "MONTHLY", "C-100", Money(0, "EUR")),
        ("SUB-2", "QUARTERLY", "C-200", Money(300, "EUR")),
    ):
        billing.create_subscription(
            group_id=group,
            id=sub_id,
            customer_id=customer,
            project_id="P-1",
            category_id="FEE",
            base_price=price,
            start_date=date(2026, 1, 1),
        )
    service.create_agreement(
        agreement_id="AG-1",
        customer_id="C-100",
        group=AgreementGroup("MAINT", "Maintenance"),
        start_date=date(2026, 1, 1),
        lines=[
            NewAgreementLine(
                transaction_type=TransactionType.HOUR,
                description="Weekly pump inspection",
                quantity=Decimal(1),
                unit="h",
                cost_price=Money(42, "EUR"),
                sales_price=Money(85, "EUR"),
                interval=ServiceInterval(IntervalUnit.WEEK, 1),
                start_date=date(2026, 1, 5),
            )
        ],
    )
