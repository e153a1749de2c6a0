"""The events a service agreement's operations return (each a frozen DomainEvent)."""

from __future__ import annotations

from typing import Final

import attrs

from servicedomain._checks import (
    deep_iterable,
    fixed_tuple,
    instance_of,
    is_id,
    is_line_number,
    is_str,
)
from servicedomain.agreements._lines import AgreementLine
from servicedomain.events import DomainEvent
from servicedomain.orders import ServiceTask
from servicedomain.repairs import ServiceObjectRelation

# Each field is checked as the field of the agreement or line it records.
_LINE_NUMBERS: Final = deep_iterable(is_line_number)
_IDS: Final = deep_iterable(is_id)
_NAMES: Final = deep_iterable(is_str)
_LINE: Final = instance_of(AgreementLine)
_COPIED: Final = deep_iterable(fixed_tuple(is_line_number, is_line_number))


@attrs.frozen(kw_only=True)
class AgreementCreated(DomainEvent):
    """A service agreement was created (version 1)."""

    customer_id: str = attrs.field(validator=is_id)
    group_id: str = attrs.field(validator=is_id)
    line_numbers: tuple[int, ...] = attrs.field(validator=_LINE_NUMBERS)


@attrs.frozen(kw_only=True)
class AgreementLineAdded(DomainEvent):
    """A line was added to the agreement (``line`` holds its number and fields)."""

    line: AgreementLine = attrs.field(validator=_LINE)


@attrs.frozen(kw_only=True)
class AgreementLineChanged(DomainEvent):
    """Fields of a line changed; ``line`` is the line after the change."""

    line: AgreementLine = attrs.field(validator=_LINE)
    changed_fields: tuple[str, ...] = attrs.field(validator=_NAMES)


@attrs.frozen(kw_only=True)
class AgreementLineStopped(DomainEvent):
    """A line was stopped: it generates no more orders and is never copied."""

    line_number: int = attrs.field(validator=is_line_number)


@attrs.frozen(kw_only=True)
class AgreementLineRestarted(DomainEvent):
    """A stopped line was restarted: it generates orders again."""

    line_number: int = attrs.field(validator=is_line_number)


@attrs.frozen(kw_only=True)
class AgreementSuspended(DomainEvent):
    """The agreement was suspended: it generates no orders, whatever its lines say."""


@attrs.frozen(kw_only=True)
class AgreementResumed(DomainEvent):
    """A suspended agreement was resumed: it generates orders again."""


@attrs.frozen(kw_only=True)
class AgreementObjectRelated(DomainEvent):
    """A service object was related to the agreement by ``relation`` (kind agreement).

    Its generated orders carry the relation unchanged.
    """

    relation: ServiceObjectRelation = attrs.field(validator=instance_of(ServiceObjectRelation))


@attrs.frozen(kw_only=True)
class AgreementTaskRelated(DomainEvent):
    """A service task was related to the agreement (and so to its generated orders)."""

    service_task: ServiceTask = attrs.field(validator=instance_of(ServiceTask))


@attrs.frozen(kw_only=True)
class LinesCopied(DomainEvent):
    """Lines were copied into the agreement from another agreement or a template.

    ``numbers`` pairs each source line number with its number on this agreement;
    ``service_object_ids`` are the objects the copy related (each by a new agreement
    relation) and ``service_task_ids`` the tasks.
    """

    source_id: str = attrs.field(validator=is_id)
    source_kind: str = attrs.field(validator=is_str)
    numbers: tuple[tuple[int, int], ...] = attrs.field(validator=_COPIED)
    service_object_ids: tuple[str, ...] = attrs.field(validator=_IDS)
    service_task_ids: tuple[str, ...] = attrs.field(validator=_IDS)
