"""The billing names of the in-memory reference adapter, where earlier releases had them.

:mod:`servicedomain.adapters.memory` has one unit of work for every aggregate, billing
included: :class:`InMemoryBillingUnitOfWork` is its
:class:`~servicedomain.adapters.memory.InMemoryUnitOfWork`, and the fee, invoice and
accrual repositories are its own. The indexed store for large data sets is
:mod:`servicedomain.adapters.indexed_memory`.
"""

from __future__ import annotations

from servicedomain.adapters.memory import (
    InMemoryAccrualRepository,
    InMemoryFeeRepository,
    InMemoryInvoiceRepository,
    InMemoryUnitOfWork,
)

__all__ = [
    "InMemoryAccrualRepository",
    "InMemoryBillingUnitOfWork",
    "InMemoryFeeRepository",
    "InMemoryInvoiceRepository",
]

InMemoryBillingUnitOfWork = InMemoryUnitOfWork
"""The in-memory unit of work of billing: the same class as ``InMemoryUnitOfWork``."""
