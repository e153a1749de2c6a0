"""Working slots: a span of wall-clock time on a local date, and the checks on a day's slots."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import time
from typing import Any, Final

import attrs

from servicedomain.errors import InvalidCalendarError, TypeMismatchError

__all__ = [
    "DAY_NAMES",
    "DAY_US",
    "Slot",
    "check_day",
    "check_spill",
    "slot_tuple",
    "spans_of",
    "time_us",
]

DAY_US: Final = 86_400_000_000
"""Microseconds in a day of 24 hours (a wall-clock day, not a real one)."""

DAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""The weekday keys of :meth:`WorkingCalendar.from_dict`, Monday first."""

_TIME: Final = r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
_SLOT_TEXT: Final = re.compile(rf"\s*{_TIME}\s*-\s*{_TIME}\s*", re.ASCII)


def time_us(moment: time) -> int:
    """Microseconds since midnight of a wall-clock time."""
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1_000_000 + (
        moment.microsecond
    )


def _time_parts(groups: Sequence[str | None]) -> tuple[int, int, int, int]:
    hour, minute, second, fraction = groups
    return (
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        int((fraction or "0").ljust(6, "0")),
    )


def _format_time(moment: time, *, end: bool) -> str:
    if end and moment == time(0):
        return "24:00"
    if moment.microsecond:
        return moment.strftime("%H:%M:%S.%f")
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


def _check_time(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, time):
        raise TypeMismatchError(
            attribute.name, value, f"expected a datetime.time, got {type(value).__name__}"
        )
    if value.tzinfo is not None:
        raise TypeMismatchError(
            attribute.name,
            value,
            "a slot is a wall-clock time without a zone; the calendar has the zone",
        )


def _check_end(instance: Slot, attribute: attrs.Attribute[Any], value: time) -> None:
    _check_time(instance, attribute, value)
    if value == instance.start:
        raise InvalidCalendarError(
            "end",
            value,
            f"a slot needs end != start ({instance.start}); an end before the start runs "
            "past midnight",
        )


@attrs.frozen
class Slot:
    """A working slot: wall-clock time from ``start`` to ``end`` on a local date.

    An ``end`` before the ``start`` runs past midnight into the next day, and
    ``end=time(0)`` means until midnight. A slot belongs to the date it starts on: an
    overnight slot of a holiday's eve still runs into the holiday's morning.

    Args:
        start: the wall-clock time the slot opens, a naive :class:`datetime.time`.
        end: the wall-clock time it closes; it must differ from ``start``.

    Raises:
        TypeMismatchError: ``start`` or ``end`` is not a ``time``, or has a ``tzinfo``.
        InvalidCalendarError: ``end == start`` (field ``"end"``).

    >>> Slot(time(22), time(6)).overnight, str(Slot(time(22), time(0)))
    (True, '22:00-24:00')
    """

    start: time = attrs.field(validator=_check_time)
    end: time = attrs.field(validator=_check_end)

    @classmethod
    def parse(cls, text: str) -> Slot:
        """Read a slot from text such as ``"08:00-12:00"`` or ``"22:00-06:00"``.

        Times are ``HH:MM``, ``HH:MM:SS`` or ``HH:MM:SS.ffffff``; the end may be
        ``24:00`` (midnight, the same as ``00:00`` for an end).

        Raises:
            InvalidCalendarError: the text is not a slot (field ``"slot"``).

        >>> slot = Slot.parse("13:00-17:30")
        >>> slot.start.isoformat(), slot.end.isoformat()
        ('13:00:00', '17:30:00')
        >>> Slot.parse("8-12")
        Traceback (most recent call last):
        servicedomain.errors.InvalidCalendarError: slot='8-12': expected HH:MM-HH:MM ...
        """
        if not isinstance(text, str):
            raise InvalidCalendarError("slot", text, "expected text such as '08:00-17:00'")
        match = _SLOT_TEXT.fullmatch(text)
        if match is None:
            raise InvalidCalendarError(
                "slot", text, "expected HH:MM-HH:MM such as '08:00-17:00' or '22:00-06:00'"
            )
        groups = match.groups()
        start, end = _time_parts(groups[:4]), _time_parts(groups[4:])
        if end == (24, 0, 0, 0):
            end = (0, 0, 0, 0)
        try:
            return cls(time(*start), time(*end))
        except ValueError as error:  # an hour of 25, a minute of 60, end == start
            reason = error.reason if isinstance(error, InvalidCalendarError) else str(error)
            raise InvalidCalendarError("slot", text, reason) from None

    @property
    def overnight(self) -> bool:
        """True when the slot runs past midnight (its end is before its start)."""
        return self.end < self.start

    def __str__(self) -> str:
        return f"{_format_time(self.start, end=False)}-{_format_time(self.end, end=True)}"


def slot_tuple(value: object, field: str) -> tuple[Slot, ...]:
    """The slots of one day, sorted by start, from Slots or slot texts.

    Raises:
        InvalidCalendarError: not a sequence of slots, a bad text, or overlapping slots;
            ``field`` names the day, and the slot (``"weekly[0][1]"``) for a bad one.
    """
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidCalendarError(
            field, value, "expected a list of slots such as ['08:00-12:00', '13:00-17:00']"
        )
    slots = []
    for i, item in enumerate(value):
        if isinstance(item, Slot):
            slots.append(item)
        elif isinstance(item, str):
            try:
                slots.append(Slot.parse(item))
            except InvalidCalendarError as error:
                raise InvalidCalendarError(f"{field}[{i}]", item, error.reason) from None
        else:
            raise InvalidCalendarError(
                f"{field}[{i}]", item, "expected a Slot or a text such as '08:00-17:00'"
            )
    ordered = tuple(sorted(slots, key=_slot_key))
    check_day(ordered, field)
    return ordered


def _slot_key(slot: Slot) -> tuple[time, time]:
    return (slot.start, slot.end)


def spans_of(slots: Sequence[Slot]) -> tuple[tuple[int, int], ...]:
    """Each slot as wall-clock microseconds from its date's midnight: ``(start, end)``.

    An overnight slot ends after ``DAY_US`` (on the next date's wall clock).
    """
    spans = []
    for slot in slots:
        start, end = time_us(slot.start), time_us(slot.end)
        spans.append((start, end if end > start else end + DAY_US))
    return tuple(spans)


def check_day(slots: Sequence[Slot], field: str) -> None:
    """Refuse slots of one day (sorted by start) that overlap; touching is allowed."""
    spans = spans_of(slots)
    for i in range(1, len(slots)):
        if spans[i][0] < spans[i - 1][1]:
            before, after = slots[i - 1], slots[i]
            raise InvalidCalendarError(
                field, tuple(str(slot) for slot in slots), f"slots {before} and {after} overlap"
            )


def check_spill(day: Sequence[Slot], next_day: Sequence[Slot], field: str) -> None:
    """Refuse an overnight slot of ``day`` that runs into a slot of ``next_day``."""
    if not day or not next_day or not day[-1].overnight:
        return
    spill = time_us(day[-1].end)
    if time_us(next_day[0].start) < spill:
        raise InvalidCalendarError(
            field,
            str(day[-1]),
            f"the overnight slot {day[-1]} runs into the next day's slot {next_day[0]}",
        )
