"""The events a service agreement's operations return (each a frozen DomainEvent)."""

from __future__ import annotations

import attrs

from servicedomain.agreements._lines import AgreementLine
from servicedomain.events import DomainEvent
from servicedomain.orders import ServiceObject, ServiceTask


@attrs.frozen(kw_only=True)
class AgreementCreated(DomainEvent):
    """A service agreement was created (version 1)."""

    customer_id: str
    group_id: str
    line_numbers: tuple[int, ...]


@attrs.frozen(kw_only=True)
class AgreementLineAdded(DomainEvent):
    """A line was added to the agreement (``line`` holds its number and fields)."""

    line: AgreementLine


@attrs.frozen(kw_only=True)
class AgreementLineChanged(DomainEvent):
    """Fields of a line changed; ``line`` is the line after the change."""

    line: AgreementLine
    changed_fields: tuple[str, ...]


@attrs.frozen(kw_only=True)
class AgreementLineStopped(DomainEvent):
    """A line was stopped: it generates no more orders and is never copied."""

    line_number: int


@attrs.frozen(kw_only=True)
class AgreementLineRestarted(DomainEvent):
    """A stopped line was restarted: it generates orders again."""

    line_number: int


@attrs.frozen(kw_only=True)
class AgreementSuspended(DomainEvent):
    """The agreement was suspended: it generates no orders, whatever its lines say."""


@attrs.frozen(kw_only=True)
class AgreementResumed(DomainEvent):
    """A suspended agreement was resumed: it generates orders again."""


@attrs.frozen(kw_only=True)
class AgreementObjectRelated(DomainEvent):
    """A service object was related to the agreement (and so to its generated orders)."""

    service_object: ServiceObject


@attrs.frozen(kw_only=True)
class AgreementTaskRelated(DomainEvent):
    """A service task was related to the agreement (and so to its generated orders)."""

    service_task: ServiceTask


@attrs.frozen(kw_only=True)
class LinesCopied(DomainEvent):
    """Lines were copied into the agreement from another agreement or a template.

    ``numbers`` pairs each source line number with its number on this agreement;
    ``service_object_ids`` and ``service_task_ids`` are the relations the copy added.
    """

    source_id: str
    source_kind: str
    numbers: tuple[tuple[int, int], ...]
    service_object_ids: tuple[str, ...]
    service_task_ids: tuple[str, ...]
