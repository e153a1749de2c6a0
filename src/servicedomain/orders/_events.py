"""The events a service order's operations return (each a frozen DomainEvent)."""

from __future__ import annotations

from typing import Final

import attrs

from servicedomain._checks import (
    deep_iterable,
    fixed_tuple,
    in_,
    instance_of,
    is_id,
    is_line_number,
    is_optional_id,
    is_str,
)
from servicedomain.events import DomainEvent
from servicedomain.orders._lines import (
    ItemRequirement,
    ServiceOrderLine,
    ServiceTask,
)
from servicedomain.repairs import RepairLine, ServiceObjectRelation
from servicedomain.stages import TransitionKind

# Each field is checked as the field of the order or line it records.
_LINE_NUMBERS: Final = deep_iterable(is_line_number)
_NAMES: Final = deep_iterable(is_str)
_LINE: Final = instance_of(ServiceOrderLine)
_MOVED: Final = deep_iterable(fixed_tuple(is_line_number, is_line_number))
_POSTED: Final = deep_iterable(fixed_tuple(is_line_number, is_id))


@attrs.frozen(kw_only=True, weakref_slot=False)  # no weak references: fast builds
class ServiceOrderCreated(DomainEvent):
    """A service order was created in the root stage of its stage graph."""

    customer_id: str = attrs.field(validator=is_id)
    agreement_id: str | None = attrs.field(validator=is_optional_id)
    stage_id: str = attrs.field(validator=is_id)
    line_numbers: tuple[int, ...] = attrs.field(validator=_LINE_NUMBERS)


@attrs.frozen(kw_only=True)
class LineAdded(DomainEvent):
    """A line was added to the order (``line`` holds its number and fields)."""

    line: ServiceOrderLine = attrs.field(validator=_LINE)


@attrs.frozen(kw_only=True)
class LineChanged(DomainEvent):
    """Descriptive fields of a line changed; ``line`` is the line after the change."""

    line: ServiceOrderLine = attrs.field(validator=_LINE)
    changed_fields: tuple[str, ...] = attrs.field(validator=_NAMES)


@attrs.frozen(kw_only=True)
class LineRemoved(DomainEvent):
    """A line was removed from the order."""

    line_number: int = attrs.field(validator=is_line_number)


@attrs.frozen(kw_only=True)
class ServiceObjectRelated(DomainEvent):
    """A service object was related to the order by ``relation``; its lines may name it."""

    relation: ServiceObjectRelation = attrs.field(validator=instance_of(ServiceObjectRelation))


@attrs.frozen(kw_only=True)
class ServiceTaskRelated(DomainEvent):
    """A service task was related to the order; its lines may now reference it."""

    service_task: ServiceTask = attrs.field(validator=instance_of(ServiceTask))


@attrs.frozen(kw_only=True)
class StageChanged(DomainEvent):
    """The order moved from one stage to another (the reason log has the details)."""

    from_stage: str = attrs.field(validator=is_id)
    to_stage: str = attrs.field(validator=is_id)
    kind: TransitionKind = attrs.field(validator=in_(TransitionKind))
    reason_code: str | None = attrs.field(validator=is_optional_id)
    note: str = attrs.field(validator=is_str)


@attrs.frozen(kw_only=True)
class ServiceOrderCanceled(DomainEvent):
    """The order was canceled: these lines went from Created to Canceled."""

    line_numbers: tuple[int, ...] = attrs.field(validator=_LINE_NUMBERS)
    reason_code: str | None = attrs.field(validator=is_optional_id)


@attrs.frozen(kw_only=True)
class CancelRevoked(DomainEvent):
    """A cancellation was revoked: these lines went from Canceled back to Created."""

    line_numbers: tuple[int, ...] = attrs.field(validator=_LINE_NUMBERS)


@attrs.frozen(kw_only=True)
class LineCanceled(DomainEvent):
    """One line went from Created to Canceled."""

    line_number: int = attrs.field(validator=is_line_number)


@attrs.frozen(kw_only=True)
class LineCancelRevoked(DomainEvent):
    """One line went from Canceled back to Created."""

    line_number: int = attrs.field(validator=is_line_number)


@attrs.frozen(kw_only=True)
class ServiceOrderDeleted(DomainEvent):
    """The order was deleted; the repository removes it."""

    customer_id: str = attrs.field(validator=is_id)
    agreement_id: str | None = attrs.field(validator=is_optional_id)


@attrs.frozen(kw_only=True)
class LinesSignedOff(DomainEvent):
    """These lines were signed off by the customer."""

    line_numbers: tuple[int, ...] = attrs.field(validator=_LINE_NUMBERS)


@attrs.frozen(kw_only=True)
class ServiceOrderSignedOff(DomainEvent):
    """The order header was signed off (at ``occurred_at``): every open line is."""


@attrs.frozen(kw_only=True)
class LinesMoved(DomainEvent):
    """Lines moved from one order to another of the same agreement.

    The event is returned once for each of the two orders (``entity_id`` is the source,
    then the target); ``moved`` pairs each source line number with its new number.
    """

    source_order_id: str = attrs.field(validator=is_id)
    target_order_id: str = attrs.field(validator=is_id)
    moved: tuple[tuple[int, int], ...] = attrs.field(validator=_MOVED)


@attrs.frozen(kw_only=True)
class LinesPosted(DomainEvent):
    """These lines were posted: ``(line number, journal transaction id)`` pairs."""

    transaction_ids: tuple[tuple[int, str], ...] = attrs.field(validator=_POSTED)


@attrs.frozen(kw_only=True)
class SlaTimeRecorded(DomainEvent):
    """An entry was added to the order's SLA time recording (start, stop or cancel)."""

    kind: str = attrs.field(validator=is_str)
    reason_code: str | None = attrs.field(validator=is_optional_id)


@attrs.frozen(kw_only=True)
class ItemRequirementAdded(DomainEvent):
    """An item requirement was added to an item line of the order."""

    line_number: int = attrs.field(validator=is_line_number)
    requirement: ItemRequirement = attrs.field(validator=instance_of(ItemRequirement))


@attrs.frozen(kw_only=True)
class ItemRequirementRemoved(DomainEvent):
    """An item requirement was removed from a line of the order."""

    line_number: int = attrs.field(validator=is_line_number)
    requirement_id: str = attrs.field(validator=is_id)


@attrs.frozen(kw_only=True)
class RepairLineAdded(DomainEvent):
    """A repair line (one step of a repair) was added to the order."""

    line: RepairLine = attrs.field(validator=instance_of(RepairLine))


@attrs.frozen(kw_only=True)
class RepairLineChanged(DomainEvent):
    """Fields of a repair line changed; ``line`` is the new line."""

    line: RepairLine = attrs.field(validator=instance_of(RepairLine))
    changed_fields: tuple[str, ...] = attrs.field(validator=_NAMES)


@attrs.frozen(kw_only=True)
class RepairLineStageChanged(DomainEvent):
    """A repair line moved to another repair stage; a Finished one stamps ``finished_at``."""

    line: RepairLine = attrs.field(validator=instance_of(RepairLine))


@attrs.frozen(kw_only=True)
class RepairLineDeleted(DomainEvent):
    """A repair line was deleted from the order (a repair step canceled)."""

    line_number: int = attrs.field(validator=is_line_number)
