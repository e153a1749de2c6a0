"""servicedomain: the after-sales service-management domain as a pure Python library."""

from __future__ import annotations

from servicedomain.errors import ServiceDomainError
from servicedomain.money import ISO_4217, Currency, CurrencyTable, Money, Rounding, allocate

__version__ = "0.1.0"

__all__ = [
    "ISO_4217",
    "Currency",
    "CurrencyTable",
    "Money",
    "Rounding",
    "ServiceDomainError",
    "__version__",
    "allocate",
]
