"""Time rules: instants, zones, local dates and local wall times.

The rules servicedomain keeps about time:

* An **instant** is an aware :class:`~datetime.datetime`. A naive one raises
  :class:`~servicedomain.errors.NaiveDatetimeError` naming the field. Durations
  between instants are computed on UTC, never on wall clocks.
* A **date** (a service date, a fee period) is a :class:`~datetime.date`, never a
  ``datetime`` (which is a subclass of ``date``, so it is checked explicitly).
* A **zone** is a named IANA zone (:class:`zoneinfo.ZoneInfo`). A fixed offset cannot
  know about DST and a pytz zone attached with ``replace()`` gives local mean time, so
  both are refused where a named zone is needed.
* The **supported instants** run from :data:`FIRST_INSTANT` (0002-01-01 UTC) to before
  :data:`END_INSTANT` (9800-01-01 UTC): every instant read in any zone then has a local
  date, and a deadline (an SLA allowance is at most 36,600 days) or a calendar search
  from a supported instant stays within what ``datetime`` holds. An instant outside raises
  :class:`~servicedomain.errors.InvalidInputError` naming the field (never an
  ``OverflowError``). Working calendars narrow this to the years 3 to 9997.
* A **zone name** is at most 255 characters of an IANA key (``"Europe/Paris"``); a
  directory of the zone database (``"Europe"``) or a path is not a zone.
* A **local date** of an instant is read with the zone's offset at that instant.
* A **local wall time** that does not exist (the spring-forward gap) or happens twice
  (the fall-back overlap) is resolved by an explicit :class:`LocalTimePolicy`; the
  default raises.

>>> from datetime import datetime
>>> paris = named_zone("Europe/Paris")
>>> local_date(datetime(2024, 3, 30, 23, 30, tzinfo=UTC), paris)
datetime.date(2024, 3, 31)
>>> gap = resolve_local(datetime(2024, 3, 31, 2, 30), paris, nonexistent=LocalTimePolicy.LATER)
>>> print(gap, "=", local_datetime(gap, paris))
2024-03-31 01:30:00+00:00 = 2024-03-31 03:30:00+02:00
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Final, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pendulum.parsing import parse_iso8601

from servicedomain._enums import StrictEnum
from servicedomain.errors import (
    AmbiguousLocalTimeError,
    InvalidInputError,
    InvalidTimezoneError,
    NaiveDatetimeError,
    NonexistentLocalTimeError,
    TypeMismatchError,
)

__all__ = [
    "END_INSTANT",
    "FIRST_INSTANT",
    "UTC",
    "LocalTimePolicy",
    "local_date",
    "local_datetime",
    "named_zone",
    "parse_date",
    "parse_instant",
    "require_date",
    "require_instant",
    "resolve_local",
]

_UTC_ZONE: Final = ZoneInfo("UTC")
FIRST_INSTANT: Final = datetime(2, 1, 1, tzinfo=UTC)
"""The earliest instant servicedomain accepts."""
END_INSTANT: Final = datetime(9800, 1, 1, tzinfo=UTC)
"""The first instant servicedomain refuses (the supported instants end before it)."""
_MAX_ZONE_NAME: Final = 255


def require_field_name(field: object) -> str:
    """``field`` if it is the name of an argument (a non-empty str), for messages."""
    if not isinstance(field, str) or not field:
        raise TypeMismatchError("field", field, "the name of the field is a non-empty str")
    return field


class LocalTimePolicy(StrictEnum):
    """How a local wall time that is not exactly one instant is resolved.

    A wall time is read with the UTC offset in force before the transition and with the
    one in force after it (PEP 495's ``fold=0`` and ``fold=1``); that gives two instants.

    * ``RAISE`` (the default everywhere): refuse with
      :class:`~servicedomain.errors.NonexistentLocalTimeError` or
      :class:`~servicedomain.errors.AmbiguousLocalTimeError`.
    * ``EARLIER``: the earlier of the two instants. For an ambiguous time, its first
      occurrence; for a time in a gap, the wall time shifted back by the gap (02:30 on
      a spring-forward night in Paris is 01:30 CET).
    * ``LATER``: the later instant. For an ambiguous time, its second occurrence; for a
      time in a gap, the wall time shifted forward by the gap (02:30 becomes 03:30 CEST).
    """

    RAISE = "raise"
    EARLIER = "earlier"
    LATER = "later"


def _is_pytz(zone: object) -> bool:
    # pytz zones are the only tzinfo objects with a `localize` method.
    return callable(getattr(zone, "localize", None))


def require_instant(value: object, field: str) -> datetime:
    """Return ``value`` if it is an instant (an aware datetime), else raise.

    Raises:
        NaiveDatetimeError: a naive datetime.
        TypeMismatchError: not a datetime at all (a ``date``, a string, ...).
        InvalidTimezoneError: a pytz zone attached with ``replace()``.

    Raises:
        InvalidInputError: outside the supported instants (before 0002-01-01 UTC or from
            9999-01-01 UTC on).

    >>> require_instant(datetime(2024, 1, 1), "created_at")
    Traceback (most recent call last):
    servicedomain.errors.NaiveDatetimeError: created_at=...: a naive datetime is not an instant...
    """
    require_field_name(field)
    if not isinstance(value, datetime):
        raise TypeMismatchError(field, value, f"expected an aware datetime, got {type(value)}")
    zone = value.tzinfo
    if zone is None or zone.utcoffset(value) is None:
        raise NaiveDatetimeError(
            field,
            value,
            "a naive datetime is not an instant; attach a zone (tzinfo=ZoneInfo(...) or UTC)",
        )
    if _is_pytz(zone):
        raise InvalidTimezoneError(
            field, value, "pytz zones attached with replace() give LMT offsets; use ZoneInfo"
        )
    if not _supported(value):
        raise InvalidInputError(
            field, value, "outside the supported instants, 0002-01-01 to 9799-12-31 UTC"
        )
    return value


def _supported(value: datetime) -> bool:
    # An aware comparison is made on UTC without converting (no overflow at datetime.max).
    return FIRST_INSTANT <= value < END_INSTANT


def require_date(value: object, field: str) -> date:
    """Return ``value`` if it is a ``date`` and not a ``datetime``, else raise.

    Raises:
        TypeMismatchError: a ``datetime`` (which is also a ``date``), or not a date.
    """
    require_field_name(field)
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeMismatchError(
            field, value, f"expected a date (not a datetime), got {type(value)}"
        )
    return value


def named_zone(zone: object, field: str = "zone") -> ZoneInfo:
    """A named IANA zone from a name (``"Europe/Paris"``) or a :class:`~zoneinfo.ZoneInfo`.

    ``datetime.UTC`` is accepted as ``ZoneInfo("UTC")``; any other fixed offset is refused
    because it cannot follow DST.

    Raises:
        InvalidTimezoneError: an unknown name (or a directory of the zone database, such
            as ``"Europe"``, or a name longer than 255 characters), a fixed offset, a pytz
            zone, or another type.
    """
    require_field_name(field)
    if isinstance(zone, ZoneInfo):
        return zone
    if zone is UTC:
        return _UTC_ZONE
    if isinstance(zone, str):
        if not 0 < len(zone) <= _MAX_ZONE_NAME or not zone.isprintable():
            raise InvalidTimezoneError(field, zone, "not an IANA time zone name")
        try:
            return ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            # OSError: a directory such as "Europe" (IsADirectoryError), an unreadable file.
            raise InvalidTimezoneError(field, zone, "not an IANA time zone name") from None
    if isinstance(zone, timezone):
        raise InvalidTimezoneError(
            field, zone, "a fixed UTC offset cannot follow DST; name an IANA zone"
        )
    if _is_pytz(zone):
        raise InvalidTimezoneError(field, zone, "pytz zones are not supported; use ZoneInfo")
    if isinstance(zone, tzinfo):
        raise InvalidTimezoneError(field, zone, "only zoneinfo.ZoneInfo zones are supported")
    raise InvalidTimezoneError(field, zone, "expected an IANA zone name or a ZoneInfo")


def local_datetime(instant: datetime, zone: ZoneInfo | str) -> datetime:
    """The wall-clock reading of ``instant`` in ``zone`` (an aware datetime in that zone)."""
    return require_instant(instant, "instant").astimezone(named_zone(zone))


def local_date(instant: datetime, zone: ZoneInfo | str) -> date:
    """The date the calendar in ``zone`` shows at ``instant``.

    >>> local_date(datetime(2024, 1, 1, 3, 0, tzinfo=UTC), "America/New_York")
    datetime.date(2023, 12, 31)
    """
    return local_datetime(instant, zone).date()


def resolve_local(
    wall_time: datetime,
    zone: ZoneInfo | str,
    *,
    nonexistent: LocalTimePolicy = LocalTimePolicy.RAISE,
    ambiguous: LocalTimePolicy = LocalTimePolicy.RAISE,
) -> datetime:
    """The instant at which the clock in ``zone`` shows ``wall_time`` (a naive datetime).

    Args:
        wall_time: a naive datetime: the reading of a wall clock.
        zone: the IANA zone of that clock.
        nonexistent: what to do if the time falls in a DST gap.
        ambiguous: what to do if the time occurs twice (DST fall-back).

    Returns:
        The instant, in UTC. It is returned in UTC on purpose: Python compares and
        subtracts two datetimes of the same zone by their wall clocks, and compares a
        time in a DST overlap unequal to every other zone (PEP 495), so a zone-local
        result would be a trap. Show it with :func:`local_datetime`.

    Raises:
        NonexistentLocalTimeError: a time in a gap with ``nonexistent=RAISE``.
        AmbiguousLocalTimeError: a repeated time with ``ambiguous=RAISE``.
        TypeMismatchError: ``wall_time`` is aware or not a datetime.

    >>> ny = named_zone("America/New_York")
    >>> wall = datetime(2024, 11, 3, 1, 30)
    >>> first = resolve_local(wall, ny, ambiguous=LocalTimePolicy.EARLIER)
    >>> second = resolve_local(wall, ny, ambiguous=LocalTimePolicy.LATER)
    >>> print(first, second, second - first)
    2024-11-03 05:30:00+00:00 2024-11-03 06:30:00+00:00 1:00:00
    >>> print(local_datetime(first, ny), local_datetime(second, ny))
    2024-11-03 01:30:00-04:00 2024-11-03 01:30:00-05:00
    """
    if not isinstance(cast("object", wall_time), datetime) or wall_time.tzinfo is not None:
        raise TypeMismatchError(
            "wall_time", wall_time, "expected a naive datetime (a wall-clock reading)"
        )
    named = named_zone(zone)
    for field, policy in (("nonexistent", nonexistent), ("ambiguous", ambiguous)):
        if not isinstance(policy, LocalTimePolicy):
            raise TypeMismatchError(field, policy, "expected a LocalTimePolicy")
    before = wall_time.replace(tzinfo=named, fold=0).astimezone(UTC)
    after = wall_time.replace(tzinfo=named, fold=1).astimezone(UTC)
    if before == after:
        return before
    exists = before.astimezone(named).replace(tzinfo=None) == wall_time
    if exists:
        policy = ambiguous
        if policy is LocalTimePolicy.RAISE:
            raise AmbiguousLocalTimeError(
                "wall_time",
                wall_time,
                f"occurs twice in {named.key}; choose ambiguous=EARLIER or LATER",
            )
    else:
        policy = nonexistent
        if policy is LocalTimePolicy.RAISE:
            raise NonexistentLocalTimeError(
                "wall_time",
                wall_time,
                f"does not exist in {named.key} (DST gap); choose nonexistent=EARLIER or LATER",
            )
    return min(before, after) if policy is LocalTimePolicy.EARLIER else max(before, after)


def parse_instant(text: object, field: str) -> datetime:
    """Parse an ISO-8601 date-time with an offset (``"2024-03-31T08:00:00+02:00"``).

    The offset is kept as a fixed :class:`datetime.timezone`: it names an instant, not
    a zone. A text without an offset is refused: it is a wall time, not an instant.

    >>> parse_instant("2024-03-31T08:00:00Z", "opened_at")
    datetime.datetime(2024, 3, 31, 8, 0, tzinfo=datetime.timezone.utc)
    """
    parsed = _parse(text, field)
    if not isinstance(parsed, datetime):
        raise TypeMismatchError(field, text, "expected a date-time, got a date")
    offset = parsed.utcoffset()
    if offset is None:
        raise NaiveDatetimeError(field, text, "an instant needs an offset such as Z or +02:00")
    instant = parsed.replace(tzinfo=UTC if offset == timedelta(0) else timezone(offset))
    if not _supported(instant):
        raise InvalidInputError(
            field, text, "outside the supported instants, 0002-01-01 to 9799-12-31 UTC"
        )
    return instant


def parse_date(text: object, field: str) -> date:
    """Parse an ISO-8601 calendar date (``"2024-02-29"``).

    >>> parse_date("2024-02-29", "start")
    datetime.date(2024, 2, 29)
    """
    parsed = _parse(text, field)
    if isinstance(parsed, datetime) or not isinstance(parsed, date):
        raise TypeMismatchError(field, text, "expected a date such as 2024-02-29")
    return parsed


def _parse(text: object, field: str) -> object:
    require_field_name(field)
    if not isinstance(text, str):
        raise TypeMismatchError(field, text, "expected an ISO-8601 string")
    try:
        return parse_iso8601(text)
    except (ValueError, OverflowError) as error:
        raise InvalidInputError(field, text, f"not ISO-8601: {error}") from None
