"""Domain events: frozen records of what happened to an entity, and when.

An operation on an entity returns the new snapshot and the events it caused; an
application service hands the events to the unit of work, which publishes them once the
new state is committed (see :class:`servicedomain.ports.EventPublisher`).

Every event subclasses :class:`DomainEvent`, which carries the id of the entity and the
instant it happened (an aware datetime). Subclasses are ``@attrs.frozen(kw_only=True)``
and add their own fields; the library's events check each of them as the field it
records is checked (an id, a line number, Money ...), so an event never carries a value
of the wrong type:

>>> from datetime import UTC, datetime
>>> @attrs.frozen(kw_only=True)
... class StageChanged(DomainEvent):
...     to_stage: str
>>> event = StageChanged(
...     entity_id="SO-1", occurred_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), to_stage="DONE"
... )
>>> event.name, event.entity_id, event.to_stage
('StageChanged', 'SO-1', 'DONE')
"""

from __future__ import annotations

from datetime import datetime

import attrs

from servicedomain._checks import is_id, is_instant

__all__ = ["DomainEvent"]


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Something that happened to an entity: the base of every domain event.

    Events are values: frozen, compared by class and fields, and hashable.

    Attributes:
        entity_id: the id of the entity the event happened to.
        occurred_at: when it happened, an aware datetime.

    Raises:
        TypeMismatchError: ``entity_id`` is not a str, or ``occurred_at`` is not a
            datetime (a ``date`` included).
        NaiveDatetimeError: ``occurred_at`` is a naive datetime.
        InvalidTimezoneError: ``occurred_at`` has a pytz zone attached with ``replace()``.
        InvalidInputError: ``entity_id`` is empty.
    """

    entity_id: str = attrs.field(validator=is_id)
    occurred_at: datetime = attrs.field(validator=is_instant)

    @property
    def name(self) -> str:
        """The event's class name (``"StageChanged"``), e.g. for a message topic."""
        return type(self).__name__
