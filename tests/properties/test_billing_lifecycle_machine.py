"""Laws F4, F6, F7, F8, F9, F10, F11, M5, M7, I1, C6, P3, P4 and T1 over whole billing lives.

:class:`~servicedomain.testing.billing_machine.BillingLifecycleMachine` drives random
histories (create, change price, index, reduce days, cancel, generate up to T, retry,
invoice, invoice again, credit, accrue) through a billing desk over the
in-memory billing store, and checks the laws after every step. It runs here as it
comes, and as a host would run it: subclassed with another configuration (in-arrears
subscriptions in KWD and JPY, yearly, weekly and monthly groups, one reversing accruals
by hand, no price table, long steps).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st

from servicedomain import billing
from servicedomain.adapters.billing_memory import InMemoryBillingUnitOfWork, InMemoryFeeRepository
from servicedomain.adapters.memory import InMemoryStore
from servicedomain.app import billing_desk
from servicedomain.billing import (
    AccrualMethod,
    BillingTiming,
    FeeKind,
    FeeTransaction,
    PriceTable,
    ReversalMode,
    RoundingPeriod,
    Subscription,
    SubscriptionGroup,
)
from servicedomain.periods import MONTHLY, QUARTERLY, WEEKLY, YEARLY
from servicedomain.ports import BillingUnitOfWork
from servicedomain.testing.billing_machine import (
    BillingLifecycleMachine,
    billing_machine_settings,
    run_billing_machine,
)
from servicedomain.testing.billing_strategies import subscriptions
from servicedomain.testing.invariants import LawViolation

THOROUGH = settings.get_current_profile_name() == "thorough"


class InArrearsHostMachine(BillingLifecycleMachine):
    """A host's configuration: in arrears, 3-decimal and 0-decimal currencies, long steps."""

    groups: ClassVar[Mapping[str, SubscriptionGroup]] = {
        "ANNUAL": SubscriptionGroup(
            id="ANNUAL",
            invoicing_period_code=YEARLY,
            accrual_period_code=QUARTERLY,
            accrue_revenue=True,
            rounding_period=RoundingPeriod.LAST,
            reversal=ReversalMode.ORIGINAL_POSTING_DATE,
        ),
        "WEEKLY": SubscriptionGroup(id="WEEKLY", invoicing_period_code=WEEKLY),
        "MANUAL": SubscriptionGroup(
            id="MANUAL",
            invoicing_period_code=MONTHLY,
            accrue_revenue=True,  # no accrual period: accrues by the invoicing period
            accrual_method=AccrualMethod.PER_DAY,
            reversal=ReversalMode.MANUAL,
        ),
    }
    prices: ClassVar[PriceTable | None] = None
    first_day: ClassVar[date] = date(2023, 12, 31)
    customers: ClassVar[tuple[str, ...]] = ("HOST-1",)
    currencies: ClassVar[tuple[str, ...]] = ("KWD", "JPY")
    max_step_days: ClassVar[int] = 120

    def subscriptions_of(
        self, group: SubscriptionGroup, today: date
    ) -> st.SearchStrategy[Subscription]:
        return subscriptions(
            currencies=self.currencies,
            period_codes=(group.invoicing_period_code,),
            start_dates=st.dates(
                min_value=today - timedelta(days=30), max_value=today + timedelta(days=30)
            ),
            timings=(BillingTiming.IN_ARREARS,),
            max_price=Decimal(100_000),
        ).map(lambda sub: attrs.evolve(sub, customer_id="HOST-1", project_id="HOST-P"))


# The default machine: a monthly and a quarterly group accruing per day, a price table.
TestBillingLifecycle_laws = BillingLifecycleMachine.TestCase
TestBillingLifecycle_laws.settings = billing_machine_settings(max_examples=800 if THOROUGH else 25)

# The same machine on a host's configuration.
TestInArrearsHostBilling_laws = InArrearsHostMachine.TestCase
TestInArrearsHostBilling_laws.settings = billing_machine_settings(
    max_examples=400 if THOROUGH else 15
)


def test_run_billing_machine_runs_a_host_configuration() -> None:
    run_billing_machine(
        InArrearsHostMachine,
        settings=billing_machine_settings(max_examples=3, stateful_step_count=10, database=None),
    )


class _DroppingFees(InMemoryFeeRepository):
    def add_all(self, fees: Sequence[FeeTransaction]) -> list[FeeTransaction]:
        return super().add_all([fee for fee in fees if fee.kind is not FeeKind.CANCELLATION])


class _DroppingUnitOfWork(InMemoryBillingUnitOfWork):
    """A broken adapter: it silently drops cancellation credits."""

    @property
    def fees(self) -> InMemoryFeeRepository:
        return _DroppingFees(self)


class DroppingHostMachine(BillingLifecycleMachine):
    def unit_of_work_factory(self) -> Callable[[], BillingUnitOfWork]:
        store = InMemoryStore()
        return lambda: _DroppingUnitOfWork(store)


def test_F7_the_machine_catches_a_store_that_drops_cancellation_credits() -> None:
    broken = billing_machine_settings(
        max_examples=1_000,
        phases=[Phase.generate],  # finding it is enough; no shrinking
        report_multiple_bugs=False,
        derandomize=True,
        database=None,
    )
    with pytest.raises(LawViolation) as caught:
        run_billing_machine(DroppingHostMachine, settings=broken)
    assert caught.value.law in {"F4", "F6", "F7"}


def test_F13_the_machine_catches_generation_blind_to_credit_notes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 11: generation that ignores what credit notes took back stacks a
    cancellation credit on a full credit note; the machine's F13/F7 checks find it."""
    blind = billing.generate_fees

    def ignoring_credits(*args: Any, credited_by_fee: object = None, **kwargs: Any) -> Any:
        return blind(*args, **kwargs)

    monkeypatch.setattr(billing_desk, "generate_fees", ignoring_credits)
    broken = billing_machine_settings(
        max_examples=1_000,
        phases=[Phase.generate],
        report_multiple_bugs=False,
        derandomize=True,
        database=None,
    )
    with pytest.raises(LawViolation) as caught:
        run_billing_machine(settings=broken)
    assert caught.value.law in {"F7", "F13"}
