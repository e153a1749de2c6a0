"""Dispatch parameters: the board's priority colours and default date range (rule data).

AX's service management parameters give the dispatch board a colour per priority
(``DispatchColorHigh``, ``DispatchColorNormal``, ``DispatchColorLow``: red, yellow and
green by default) and the days it shows before and after the day it opens on
(``DispatchDaysBefore``, ``DispatchDaysAfter``). A rules file holds them in its
``dispatch_parameters`` section, named by the file's key (they have no id).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import attrs

from servicedomain._checks import check_keys, instance_of, integer, validator
from servicedomain.dispatch._intervals import Interval
from servicedomain.errors import InvalidInputError, TypeMismatchError
from servicedomain.instants import END_INSTANT, FIRST_INSTANT, named_zone, require_date
from servicedomain.sla import Priority

_HEX: Final = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_DAYS: Final = integer(minimum=0, maximum=366)
_PRIORITY: Final = instance_of(Priority)

DEFAULT_HIGH_COLOR: Final = "#d32f2f"
"""Red: the colour of a high-priority bar unless the parameters say otherwise."""
DEFAULT_NORMAL_COLOR: Final = "#f9a825"
"""Yellow: the colour of a normal-priority bar."""
DEFAULT_LOW_COLOR: Final = "#388e3c"
"""Green: the colour of a low-priority bar."""


def _check_color(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise TypeMismatchError(field, value, f"expected a str, got {type(value).__name__}")
    if _HEX.fullmatch(value) is None:
        raise InvalidInputError(field, value, "a colour is a CSS hex value: #rgb or #rrggbb")
    return value


is_color: Final = validator(_check_color, "a CSS hex colour")
"""A CSS hex colour, ``#rgb`` or ``#rrggbb`` (either case), kept as written."""


def _midnights(
    day: date, before: int, after: int, zone: ZoneInfo
) -> tuple[datetime, datetime] | None:
    """The board's bounds in UTC: local midnights around ``day`` (None if unsupported)."""
    try:
        first = day - timedelta(days=before)
        last = day + timedelta(days=after + 1)
        start = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(last, time(), tzinfo=zone).astimezone(UTC)
    except OverflowError:
        return None
    if start < FIRST_INSTANT or end >= END_INSTANT:
        return None
    return start, end


@attrs.frozen(kw_only=True)
class DispatchParameters:
    """The dispatch board's parameters: a colour per priority, the default date range.

    Attributes:
        high_color: the bar colour of a high-priority requirement (AX
            ``DispatchColorHigh``; red by default).
        normal_color: the colour of a normal one (``DispatchColorNormal``; yellow).
        low_color: the colour of a low one (``DispatchColorLow``; green).
        days_before: the days the board shows before the day it opens on (AX
            ``DispatchDaysBefore``), 0..366.
        days_after: the days it shows after that day (``DispatchDaysAfter``), 0..366.

    Raises:
        TypeMismatchError: a colour that is not a str, a count of days not an int.
        InvalidInputError: a colour that is not ``#rgb`` or ``#rrggbb``; days out of
            0..366.

    >>> from servicedomain.sla import Priority
    >>> parameters = DispatchParameters(high_color="#ff0000")
    >>> parameters.color_of(Priority.HIGH), parameters.color_of(Priority.LOW)
    ('#ff0000', '#388e3c')
    >>> DispatchParameters(low_color="green")
    Traceback (most recent call last):
    servicedomain.errors.InvalidInputError: low_color='green': a colour is a CSS hex value: ...
    """

    high_color: str = attrs.field(default=DEFAULT_HIGH_COLOR, validator=is_color)
    normal_color: str = attrs.field(default=DEFAULT_NORMAL_COLOR, validator=is_color)
    low_color: str = attrs.field(default=DEFAULT_LOW_COLOR, validator=is_color)
    days_before: int = attrs.field(default=0, validator=_DAYS)
    days_after: int = attrs.field(default=6, validator=_DAYS)

    def color_of(self, priority: Priority) -> str:
        """The bar colour of ``priority``.

        Raises:
            TypeMismatchError: ``priority`` is not a Priority.
        """
        checked = _PRIORITY.check(priority, "priority")
        return {
            Priority.HIGH: self.high_color,
            Priority.NORMAL: self.normal_color,
            Priority.LOW: self.low_color,
        }[checked]

    def period_around(self, day: date, zone: ZoneInfo | str) -> Interval:
        """The board's default period opened on ``day``: whole local days in ``zone``.

        From midnight ``days_before`` days before ``day`` to the midnight ending the day
        ``days_after`` days after it, as UTC instants; the host passes today (the
        domain reads no clock).

        Raises:
            TypeMismatchError: ``day`` is not a date (a datetime is refused).
            InvalidInputError: the period falls outside the supported instants (field
                ``day``).
            InvalidTimezoneError: an unknown zone.

        >>> from datetime import date
        >>> period = DispatchParameters(days_before=1, days_after=2).period_around(
        ...     date(2026, 3, 9), "Europe/Stockholm")
        >>> print(period)
        [2026-03-07T23:00:00+00:00, 2026-03-11T23:00:00+00:00)
        """
        checked = require_date(day, "day")
        where = named_zone(zone)
        bounds = _midnights(checked, self.days_before, self.days_after, where)
        if bounds is None:
            raise InvalidInputError(
                "day", checked, "the period around it falls outside the supported instants"
            )
        start, end = bounds
        return Interval(start, end)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> DispatchParameters:
        """Build from a dict (a rules file's ``[dispatch_parameters.NAME]`` table).

        Keys, all optional: ``high_color``, ``normal_color``, ``low_color``,
        ``days_before``, ``days_after``.

        Raises:
            InvalidInputError: a key it does not read, or what the constructor refuses.
        """
        fields = ("high_color", "normal_color", "low_color", "days_before", "days_after")
        check_keys(data, kind="DispatchParameters", optional=fields)
        return cls(**{key: data[key] for key in fields if key in data})  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        """The parameters as plain data; :meth:`from_dict` reads it back to equal ones."""
        return {
            "high_color": self.high_color,
            "normal_color": self.normal_color,
            "low_color": self.low_color,
            "days_before": self.days_before,
            "days_after": self.days_after,
        }
