"""Public holidays from the ``holidays`` package, as a ``HolidayCalendar``.

:class:`HolidaysCalendar` implements :class:`servicedomain.calendars.HolidayCalendar`.

The ``holidays`` package (https://pypi.org/project/holidays/) knows the public holidays
of most countries and their subdivisions. It is not a dependency of servicedomain:
install it with the ``[holidays]`` extra (``pip install servicedomain[holidays]``). It
is imported when a :class:`HolidaysCalendar` is made, not when this module is.

A working calendar reads the closed dates once, for a range, and keeps them, so the
calendar stays a plain value::

    from datetime import date
    from servicedomain.adapters.holidays import HolidaysCalendar
    from servicedomain.calendars import WorkingCalendar

    sweden = HolidaysCalendar("SE", categories=("public", "de_facto"))
    calendar = WorkingCalendar.standard("Europe/Stockholm").with_holidays(
        sweden, date(2025, 1, 1), date(2027, 12, 31)
    )

Which days a business closes is its own choice: ``categories`` picks the package's
categories (``"public"`` by default; Sweden's Midsummer Eve and Christmas Eve are
``"de_facto"`` holidays), and a host can add or remove dates on the calendar itself.
Observed days (a holiday moved off a weekend) are included, as the package gives them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from datetime import date
from types import ModuleType

from servicedomain.errors import InvalidInputError, InvalidPeriodError, TypeMismatchError
from servicedomain.instants import require_date

__all__ = ["HolidaysCalendar"]


def _holidays_package() -> ModuleType:
    try:
        return importlib.import_module("holidays")
    except ImportError as error:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "HolidaysCalendar needs the 'holidays' package: "
            "pip install 'servicedomain[holidays]' (or pip install holidays)"
        ) from error


class HolidaysCalendar:
    """The holidays of a country (and subdivision) from the ``holidays`` package.

    Implements :class:`servicedomain.calendars.HolidayCalendar`.

    Args:
        country: an ISO 3166-1 code the package supports, such as ``"SE"`` or ``"US"``.
        subdiv: a subdivision code (a state, a province), such as ``"CA"``; ``None`` for
            the country's nationwide holidays.
        categories: the package's holiday categories to include (``"public"``,
            ``"bank"``, ``"de_facto"``, ...); ``None`` for the package's default
            (public holidays).

    Raises:
        TypeMismatchError: ``country`` or ``subdiv`` is not a string.
        InvalidInputError: the package does not know the country (field ``"country"``),
            the subdivision (``"subdiv"``) or a category (``"categories"``).
        ImportError: the ``holidays`` package is not installed.
    """

    def __init__(
        self,
        country: str,
        subdiv: str | None = None,
        *,
        categories: Iterable[str] | None = None,
    ) -> None:
        if not isinstance(country, str):
            raise TypeMismatchError("country", country, "expected an ISO 3166-1 code")
        if subdiv is not None and not isinstance(subdiv, str):
            raise TypeMismatchError("subdiv", subdiv, "expected a subdivision code or None")
        chosen: tuple[str, ...] | None = None
        if categories is not None:
            if isinstance(categories, str):
                categories = (categories,)
            chosen = tuple(categories)
            if not all(isinstance(category, str) for category in chosen):
                raise TypeMismatchError("categories", categories, "expected category names")
        package = _holidays_package()
        if country not in package.list_supported_countries():
            raise InvalidInputError(
                "country", country, "not a country the holidays package supports"
            )
        self._package = package
        self.country = country
        self.subdiv = subdiv
        self.categories = chosen
        try:
            self._table(())
        except NotImplementedError as error:
            raise InvalidInputError("subdiv", subdiv, str(error)) from None
        except ValueError as error:
            raise InvalidInputError("categories", categories, str(error)) from None

    def _table(self, years: Iterable[int]) -> dict[date, str]:
        table = self._package.country_holidays(
            self.country, subdiv=self.subdiv, years=years, categories=self.categories
        )
        return dict(table.items())

    def holidays_between(self, first: date, last: date) -> list[date]:
        """The holidays from ``first`` to ``last``, both included, in order.

        Raises:
            TypeMismatchError: ``first`` or ``last`` is not a date.
            InvalidPeriodError: ``last`` is before ``first``.
        """
        return sorted(self.names_between(first, last))

    def names_between(self, first: date, last: date) -> dict[date, str]:
        """The holidays from ``first`` to ``last`` with their names, in date order.

        Raises:
            TypeMismatchError: ``first`` or ``last`` is not a date.
            InvalidPeriodError: ``last`` is before ``first``.
        """
        require_date(first, "first")
        require_date(last, "last")
        if last < first:
            raise InvalidPeriodError("last", last, f"last must not be before first {first}")
        table = self._table(range(first.year, last.year + 1))
        return {day: table[day] for day in sorted(table) if first <= day <= last}

    def __repr__(self) -> str:
        extra = f", categories={self.categories!r}" if self.categories is not None else ""
        return f"HolidaysCalendar({self.country!r}, {self.subdiv!r}{extra})"
