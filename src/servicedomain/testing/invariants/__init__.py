"""Law checks for billing: run the laws of ``invariants.md`` on your own data.

Each ``check_*`` function states one law as a plain function: fees and proration
(F1-F7, F9, F12), exact amounts (M5), unique fee keys (P3), and invoicing (M7, I1, F8,
F10, F11, F13, F14, C6). It returns ``None`` when the law holds and raises :class:`LawViolation`
(an ``AssertionError``) when it does not, with a message that names the law and the
offending fees or documents. The checks need
neither pytest nor Hypothesis, so a host can run them on its own subscriptions and
price tables in any test framework, or in a nightly job over production data.

The oracles are stated independently of the generator: the billed horizon
(:func:`billing_horizon`) and the whole invoicing period a day belongs to
(:func:`invoicing_period`) are recomputed here from the subscription's documented
rules, and amounts are recomputed with :func:`~servicedomain.billing.prorate`.

>>> from datetime import date
>>> from servicedomain.billing import Subscription, generate_fees
>>> from servicedomain.money import Money
>>> from servicedomain.periods import MONTHLY
>>> sub = Subscription(id="S-1", group_id="G", customer_id="C", project_id="P",
...     category_id="FEE", period_code=MONTHLY, base_price=Money(100, "EUR"),
...     start_date=date(2024, 1, 31))
>>> fees = generate_fees(sub, as_of=date(2024, 4, 30))
>>> check_fee_laws(sub, fees, through=billing_horizon(sub, date(2024, 4, 30)))
>>> try:
...     check_unique_keys([*fees, fees[0]])
... except LawViolation as violation:
...     print(violation.law)
P3
"""

from __future__ import annotations

from servicedomain.testing.invariants._fees import (
    LawViolation,
    billing_horizon,
    check_amounts_exact,
    check_cancellation_credit,
    check_catch_up,
    check_fee_laws,
    check_idempotent,
    check_no_gaps_no_overlaps,
    check_proration_bounds,
    check_purity,
    check_same_net,
    check_split_additivity,
    check_time_weighted,
    check_unique_keys,
    check_whole_period,
    check_whole_period_charges,
    invoicing_period,
)
from servicedomain.testing.invariants._invoicing import (
    check_accrual_signs,
    check_accruals_sum_to_fee,
    check_billing_laws,
    check_credit_at_invoiced_price,
    check_credits_within_invoiced,
    check_invoice_totals,
    check_invoiced_once,
    check_net_per_billed_day,
    check_one_invoice_per_billing_day,
    invoiced_and_credited,
)
from servicedomain.testing.invariants._orders import (
    check_order_laws,
    check_sla_log,
    check_time_moves_forward,
)

__all__ = [
    "LawViolation",
    "billing_horizon",
    "invoicing_period",
    "check_split_additivity",
    "check_whole_period",
    "check_proration_bounds",
    "check_whole_period_charges",
    "check_idempotent",
    "check_catch_up",
    "check_no_gaps_no_overlaps",
    "check_cancellation_credit",
    "check_time_weighted",
    "check_same_net",
    "check_purity",
    "check_amounts_exact",
    "check_unique_keys",
    "check_fee_laws",
    "invoiced_and_credited",
    "check_invoice_totals",
    "check_invoiced_once",
    "check_credits_within_invoiced",
    "check_credit_at_invoiced_price",
    "check_accruals_sum_to_fee",
    "check_one_invoice_per_billing_day",
    "check_net_per_billed_day",
    "check_accrual_signs",
    "check_billing_laws",
    "check_time_moves_forward",
    "check_sla_log",
    "check_order_laws",
]
