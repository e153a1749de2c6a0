"""Warranty: the coverage of a service object and the status derived from it.

A service object carries at most one :class:`WarrantyCoverage` per
:class:`CoverageKind` (parts, labour): the days it covers, a half-open
:class:`~servicedomain.periods.DateRange` ``[start, end)`` like every range of the
library, built from the inclusive dates people type with
:meth:`WarrantyCoverage.inclusive`. Whether an object is under warranty is never a
stored flag that goes stale: :func:`~servicedomain.repairs.warranty_status` computes it
from the coverage and the day asked about, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Final

import attrs

from servicedomain._checks import deep_iterable, in_, instance_of, is_bool, is_date, optional
from servicedomain._enums import StrictEnum
from servicedomain.errors import InvalidInputError
from servicedomain.instants import require_date
from servicedomain.periods import DateRange


class CoverageKind(StrictEnum):
    """What a warranty coverage pays for."""

    PARTS = "parts"
    LABOUR = "labour"


@attrs.frozen
class WarrantyCoverage:
    """The days a warranty of one kind covers: ``period`` is ``[start, end)``.

    ``period.start`` is the first day covered and ``period.end`` the first day no longer
    covered; :attr:`last_day` is the last day covered (inclusive), as a warranty card
    prints it.

    >>> card = WarrantyCoverage.inclusive(CoverageKind.PARTS, date(2026, 1, 1), date(2026, 12, 31))
    >>> print(card.period, card.last_day)
    [2026-01-01, 2027-01-01) 2026-12-31
    """

    kind: CoverageKind = attrs.field(validator=in_(CoverageKind))
    period: DateRange = attrs.field(validator=instance_of(DateRange))

    @classmethod
    def inclusive(cls, kind: CoverageKind, first: date, last: date) -> WarrantyCoverage:
        """The coverage of ``kind`` from ``first`` to ``last``, both days covered.

        Raises:
            TypeMismatchError: ``kind`` is not a CoverageKind, or a date is not a date.
            InvalidPeriodError: ``last`` is before ``first`` (``field`` ``"last"``).
        """
        in_(CoverageKind).check(kind, "kind")
        return cls(kind, DateRange.inclusive(first, last))

    @property
    def first_day(self) -> date:
        """The first day covered."""
        return self.period.start

    @property
    def last_day(self) -> date:
        """The last day covered (inclusive)."""
        return self.period.last


@attrs.frozen
class CoverageStatus:
    """Whether one kind of warranty covers a day, and until when.

    Attributes:
        kind: the kind of coverage.
        covered: the day is within the coverage.
        until: the last day covered (inclusive) when ``covered``, else ``None``.

    Raises:
        InvalidInputError: ``until`` given when not covered, or missing when covered.
    """

    kind: CoverageKind = attrs.field(validator=in_(CoverageKind))
    covered: bool = attrs.field(validator=is_bool)
    until: date | None = attrs.field(validator=optional(is_date))

    def __attrs_post_init__(self) -> None:
        if self.covered != (self.until is not None):
            raise InvalidInputError(
                "until", self.until, "a covered status has the last day covered, and only then"
            )


def _check_kinds(
    _instance: object, _attribute: object, statuses: tuple[CoverageStatus, ...]
) -> None:
    kinds = tuple(status.kind for status in statuses)
    if kinds != tuple(CoverageKind):
        raise InvalidInputError(
            "coverage",
            kinds,
            "a warranty status has one status per coverage kind, in CoverageKind order",
        )


_STATUSES: Final = deep_iterable(instance_of(CoverageStatus))


@attrs.frozen
class WarrantyStatus:
    """The warranty of a service object on one day: a status per coverage kind.

    Derived by :func:`~servicedomain.repairs.warranty_status`, never stored.

    Attributes:
        on: the day the status is of.
        coverage: one :class:`CoverageStatus` per :class:`CoverageKind`, in its order.

    Raises:
        InvalidInputError: a coverage kind missing, repeated or out of order; an
            ``until`` before ``on``.
    """

    on: date = attrs.field(validator=is_date)
    coverage: tuple[CoverageStatus, ...] = attrs.field(validator=[_STATUSES, _check_kinds])

    def __attrs_post_init__(self) -> None:
        for index, status in enumerate(self.coverage):
            if status.until is not None and status.until < self.on:
                raise InvalidInputError(
                    f"coverage[{index}].until",
                    status.until,
                    f"a day covered is not before {self.on}",
                )

    def of(self, kind: CoverageKind) -> CoverageStatus:
        """The status of ``kind``."""
        checked = in_(CoverageKind).check(kind, "kind")
        return self.coverage[tuple(CoverageKind).index(checked)]

    def covered(self, kind: CoverageKind) -> bool:
        """True when the coverage of ``kind`` covers the day."""
        return self.of(kind).covered

    @property
    def covered_kinds(self) -> tuple[CoverageKind, ...]:
        """The kinds that cover the day, in CoverageKind order."""
        return tuple(status.kind for status in self.coverage if status.covered)


def status_on(coverage: Iterable[WarrantyCoverage], day: object) -> WarrantyStatus:
    """The status of ``coverage`` (one per kind at most) on ``day`` (package-private)."""
    on = require_date(day, "on")
    by_kind = {item.kind: item for item in coverage}
    statuses = []
    for kind in CoverageKind:
        item = by_kind.get(kind)
        covered = item is not None and on in item.period
        statuses.append(
            CoverageStatus(kind, covered, item.last_day if covered and item is not None else None)
        )
    return WarrantyStatus(on, tuple(statuses))
