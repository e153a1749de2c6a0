"""The service agreement entity: header, lines, relations, suspension and copying."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Final, TypeVar, Unpack

import attrs

from servicedomain._checks import (
    deep_iterable,
    first_duplicate,
    in_,
    instance_of,
    integer,
    is_bool,
    is_date,
    is_id,
    is_price,
    is_str,
    is_version,
    merge_related,
    optional,
)
from servicedomain.agreements._events import (
    AgreementCreated,
    AgreementLineAdded,
    AgreementLineChanged,
    AgreementLineRestarted,
    AgreementLineStopped,
    AgreementObjectRelated,
    AgreementResumed,
    AgreementSuspended,
    AgreementTaskRelated,
    LinesCopied,
)
from servicedomain.agreements._lines import (
    CHANGEABLE_FIELDS,
    AgreementLine,
    AgreementLineChanges,
    NewAgreementLine,
    active_dates,
    check_line_set,
)
from servicedomain.agreements._templates import ServiceTemplate
from servicedomain.agreements._values import AgreementGroup, GroupBy
from servicedomain.errors import (
    AgreementRuleError,
    CurrencyMismatchError,
    InvalidInputError,
    InvalidPeriodError,
    TypeMismatchError,
    UnknownLineError,
)
from servicedomain.events import DomainEvent
from servicedomain.instants import require_instant
from servicedomain.money import Currency, Money
from servicedomain.orders import ServiceTask
from servicedomain.periods import DateRange
from servicedomain.repairs import RelationKind, ServiceObjectRelation

Events = tuple[DomainEvent, ...]
"""What an operation returns besides the new snapshot."""

_Related = TypeVar("_Related", ServiceObjectRelation, ServiceTask)


_OPTIONAL_PRICE: Final = optional(is_price)
_RELATION: Final = instance_of(ServiceObjectRelation)
_TASK: Final = instance_of(ServiceTask)
_INT: Final = integer()
_BOOL: Final = instance_of(bool, reason="expected a bool")


@attrs.frozen(kw_only=True)
class ServiceAgreement:
    """A service agreement: a customer's recurring service, to generate orders from.

    An entity: a frozen snapshot with an ``id`` and a ``version``. Every operation
    returns ``(new_agreement, events)`` with ``version + 1``; an operation that would
    change nothing (stopping a stopped line, suspending a suspended agreement, relating
    an object already related) returns the agreement itself and no events.

    The rules kept by the constructor:

    * ``end_date`` (inclusive, optional) is not before ``start_date``.
    * Line numbers and related object and task ids are unique; lines are kept in
      number order.
    * A line references only the service objects and tasks related to the agreement;
      these relations are available to every order generated from it.
    * The agreement bills in one currency (its project's): every line price and every
      default price is in the same currency.
    * Lines may run outside the agreement's dates; generation clamps to both.

    Args:
        id: the agreement id.
        version: the snapshot's version, >= 1.
        description: free text, the description of generated orders.
        customer_id: the customer the orders are for.
        project_id: the project the orders post through.
        group: the agreement group (it may carry a default SLA).
        start_date: the first day of the agreement.
        end_date: the last day, inclusive; ``None`` = open-ended.
        sla_id: the SLA of the agreement; see :attr:`effective_sla_id`.
        suspended: a suspended agreement generates no orders at all.
        group_by: how generation combines lines into orders.
        responsible_worker_id, preferred_technician_id: copied to generated orders.
        hour_cost_price, expense_cost_price, fee_sales_price: the agreement's default
            prices for lines added without one.
        object_relations: the service objects related to the agreement, each by a
            relation of kind agreement keyed by the agreement id; every order generated
            from the agreement carries them unchanged.
        service_tasks: the related tasks.
        lines: the agreement lines.
        template_group_id: set when the agreement serves as a template.

    Raises:
        TypeMismatchError: a field of the wrong type (the field is named).
        InvalidPeriodError: ``end_date`` before ``start_date`` (field ``end_date``).
        CurrencyMismatchError: a price in another currency (e.g. ``"lines[1].cost_price"``).
        InvalidInputError: ``version`` below 1; an empty id; duplicate line numbers
            (``"lines[i].number"``) or related ids; an object related twice or a
            relation of another document (``"object_relations[i].key"``); a line
            referencing an object or task that is not related
            (``"lines[i].service_object_id"``).

    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
    >>> agreement, events = ServiceAgreement.create(
    ...     id="AG-1", customer_id="C-1", group=AgreementGroup("MAINT", default_sla_id="SLA-1"),
    ...     start_date=date(2026, 1, 1), at=at)
    >>> agreement.version, agreement.effective_sla_id, [e.name for e in events]
    (1, 'SLA-1', ['AgreementCreated'])
    >>> agreement, events = agreement.suspend(at=at)
    >>> agreement.version, agreement.suspended, [e.name for e in events]
    (2, True, ['AgreementSuspended'])
    """

    id: str = attrs.field(validator=is_id)
    version: int = attrs.field(validator=is_version)
    description: str = attrs.field(default="", validator=is_str)
    customer_id: str = attrs.field(validator=is_id)
    project_id: str | None = attrs.field(default=None, validator=optional(is_id))
    group: AgreementGroup = attrs.field(validator=instance_of(AgreementGroup))
    start_date: date = attrs.field(validator=is_date)
    end_date: date | None = attrs.field(default=None, validator=optional(is_date))
    sla_id: str | None = attrs.field(default=None, validator=optional(is_id))
    suspended: bool = attrs.field(default=False, validator=is_bool)
    group_by: GroupBy = attrs.field(default=GroupBy.AGREEMENT, validator=in_(GroupBy))
    responsible_worker_id: str | None = attrs.field(default=None, validator=optional(is_id))
    preferred_technician_id: str | None = attrs.field(default=None, validator=optional(is_id))
    hour_cost_price: Money | None = attrs.field(default=None, validator=_OPTIONAL_PRICE)
    expense_cost_price: Money | None = attrs.field(default=None, validator=_OPTIONAL_PRICE)
    fee_sales_price: Money | None = attrs.field(default=None, validator=_OPTIONAL_PRICE)
    object_relations: tuple[ServiceObjectRelation, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(ServiceObjectRelation))
    )
    service_tasks: tuple[ServiceTask, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(ServiceTask))
    )
    lines: tuple[AgreementLine, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(AgreementLine))
    )
    template_group_id: str | None = attrs.field(default=None, validator=optional(is_id))

    def __attrs_post_init__(self) -> None:
        if self.end_date is not None and self.end_date < self.start_date:
            raise InvalidPeriodError(
                "end_date",
                self.end_date,
                f"the end date (inclusive) is before the start date {self.start_date}",
            )
        check_line_set(
            self.lines,
            tuple(relation.object_id for relation in self.object_relations),
            self.service_tasks,
            f"agreement {self.id!r}",
            objects_field="object_relations",
        )
        repeated = first_duplicate(relation.id for relation in self.object_relations)
        if repeated is not None:
            raise InvalidInputError(
                "object_relations", repeated, "a relation id is on an agreement once"
            )
        for index, relation in enumerate(self.object_relations):
            if relation.kind is not RelationKind.AGREEMENT or relation.key != self.id:
                raise InvalidInputError(
                    f"object_relations[{index}].key",
                    f"{relation.kind.value} {relation.key}",
                    f"a relation of agreement {self.id!r} has kind agreement and its id",
                )
        self._check_currency()
        numbers = [line.number for line in self.lines]
        if numbers != sorted(numbers):
            object.__setattr__(self, "lines", tuple(sorted(self.lines, key=_number)))

    def _check_currency(self) -> None:
        """Every price of the agreement is in one currency (the project's)."""
        first: tuple[str, Currency] | None = None
        prices: list[tuple[str, Money | None]] = [
            ("hour_cost_price", self.hour_cost_price),
            ("expense_cost_price", self.expense_cost_price),
            ("fee_sales_price", self.fee_sales_price),
        ]
        for index, line in enumerate(self.lines):
            prices.append((f"lines[{index}].cost_price", line.cost_price))
        for field, price in prices:
            if price is None:
                continue
            if first is None:
                first = (field, price.currency)
            elif price.currency != first[1]:
                raise CurrencyMismatchError(field, first[1].code, price.currency.code)

    # ------------------------------------------------------------------ creation

    @classmethod
    def create(
        cls,
        *,
        id: str,
        customer_id: str,
        group: AgreementGroup,
        start_date: date,
        at: datetime,
        description: str = "",
        project_id: str | None = None,
        end_date: date | None = None,
        sla_id: str | None = None,
        suspended: bool = False,
        group_by: GroupBy = GroupBy.AGREEMENT,
        responsible_worker_id: str | None = None,
        preferred_technician_id: str | None = None,
        hour_cost_price: Money | None = None,
        expense_cost_price: Money | None = None,
        fee_sales_price: Money | None = None,
        object_relations: tuple[ServiceObjectRelation, ...] = (),
        service_tasks: tuple[ServiceTask, ...] = (),
        lines: Iterable[NewAgreementLine] = (),
        template_group_id: str | None = None,
    ) -> tuple[ServiceAgreement, Events]:
        """A new agreement (version 1); ``lines`` are numbered 1, 2, ... in the order given.

        A line without a price takes the agreement's default (see
        :class:`NewAgreementLine`).

        Raises:
            TypeMismatchError: an item of ``lines`` is not a :class:`NewAgreementLine`,
                or a field of the wrong type.
            InvalidPriceError: a line's price is missing and has no default
                (``"lines[i].cost_price"``).
            InvalidInputError: as for the constructor.
        """
        instant = require_instant(at, "at")
        given: object = lines
        if isinstance(given, str | bytes) or not isinstance(given, Iterable):
            raise TypeMismatchError("lines", lines, "expected an iterable of NewAgreementLine")
        for name, price in (
            ("hour_cost_price", hour_cost_price),
            ("expense_cost_price", expense_cost_price),
            ("fee_sales_price", fee_sales_price),
        ):
            _OPTIONAL_PRICE.check(price, name)
        numbered = tuple(
            AgreementLine.from_new(
                new_line,
                number=number,
                hour_cost_price=hour_cost_price,
                expense_cost_price=expense_cost_price,
                fee_sales_price=fee_sales_price,
                field=f"lines[{number - 1}]",
            )
            for number, new_line in enumerate(tuple(given), 1)
        )
        agreement = cls(
            id=id,
            version=1,
            description=description,
            customer_id=customer_id,
            project_id=project_id,
            group=group,
            start_date=start_date,
            end_date=end_date,
            sla_id=sla_id,
            suspended=suspended,
            group_by=group_by,
            responsible_worker_id=responsible_worker_id,
            preferred_technician_id=preferred_technician_id,
            hour_cost_price=hour_cost_price,
            expense_cost_price=expense_cost_price,
            fee_sales_price=fee_sales_price,
            object_relations=object_relations,
            service_tasks=service_tasks,
            lines=numbered,
            template_group_id=template_group_id,
        )
        event = AgreementCreated(
            entity_id=agreement.id,
            occurred_at=instant,
            customer_id=agreement.customer_id,
            group_id=agreement.group.id,
            line_numbers=agreement.line_numbers,
        )
        return agreement, (event,)

    # --------------------------------------------------------------- inspection

    @property
    def effective_sla_id(self) -> str | None:
        """The agreement's SLA, else its group's default SLA, else ``None``."""
        return self.sla_id if self.sla_id is not None else self.group.default_sla_id

    @property
    def active_dates(self) -> DateRange:
        """The agreement's dates, half-open; an open-ended agreement runs to ``date.max``."""
        return active_dates(self.start_date, self.end_date)

    @property
    def line_numbers(self) -> tuple[int, ...]:
        """The numbers of the lines, ascending."""
        return tuple(line.number for line in self.lines)

    def line(self, number: int) -> AgreementLine:
        """The line with this number.

        Raises:
            UnknownLineError: the agreement has no such line (field ``number``).
            TypeMismatchError: ``number`` is not an int.
        """
        return self.lines[self._index(number)]

    # ------------------------------------------------------------------ helpers

    def _index(self, number: object) -> int:
        checked = _INT.check(number, "number")
        for index, line in enumerate(self.lines):
            if line.number == checked:
                return index
        raise UnknownLineError("number", number, f"agreement {self.id!r} has no such line")

    def _next_number(self) -> int:
        return max(self.line_numbers, default=0) + 1

    def _next(self, **changes: Any) -> ServiceAgreement:
        return attrs.evolve(self, version=self.version + 1, **changes)

    def _replace_line(self, index: int, line: AgreementLine) -> tuple[AgreementLine, ...]:
        return (*self.lines[:index], line, *self.lines[index + 1 :])

    # -------------------------------------------------------------------- lines

    def add_line(
        self, new_line: NewAgreementLine, *, at: datetime
    ) -> tuple[ServiceAgreement, Events]:
        """Add a line numbered one above the highest number on the agreement.

        A missing price is filled from the agreement's defaults (see
        :class:`NewAgreementLine`).

        Raises:
            TypeMismatchError: ``new_line`` is not a :class:`NewAgreementLine`.
            InvalidPriceError: a price is missing and has no default
                (``"new_line.cost_price"`` / ``"new_line.sales_price"``).
            InvalidInputError: the line references an object or task not related to
                the agreement; a price in another currency.
        """
        instant = require_instant(at, "at")
        line = AgreementLine.from_new(
            new_line,
            number=self._next_number(),
            hour_cost_price=self.hour_cost_price,
            expense_cost_price=self.expense_cost_price,
            fee_sales_price=self.fee_sales_price,
        )
        return self._next(lines=(*self.lines, line)), (
            AgreementLineAdded(entity_id=self.id, occurred_at=instant, line=line),
        )

    def change_line(
        self, number: int, /, *, at: datetime, **changes: Unpack[AgreementLineChanges]
    ) -> tuple[ServiceAgreement, Events]:
        """Change fields of a line, e.g. ``quantity=Decimal("2")``; it is validated again.

        Changing nothing (the values the line already has) returns ``(self, ())``.
        Orders generated before the change keep what they were generated with.

        Raises:
            UnknownLineError: no line ``number``.
            InvalidInputError: no change given, or a field that may not change this way
                (``number``; ``stopped`` has :meth:`stop_line` / :meth:`restart_line`);
                the line's new values are refused (the field is named).
        """
        instant = require_instant(at, "at")
        if not changes:
            raise InvalidInputError("changes", changes, "name at least one field to change")
        for name, value in changes.items():
            if name not in CHANGEABLE_FIELDS:
                raise InvalidInputError(
                    name,
                    value,
                    "only the descriptive fields of a line change here; the number never "
                    "changes and stop_line/restart_line stop and restart a line",
                )
        index = self._index(number)
        old = self.lines[index]
        new = attrs.evolve(old, **changes)
        changed = tuple(
            name for name in CHANGEABLE_FIELDS if getattr(old, name) != getattr(new, name)
        )
        if not changed:
            return self, ()
        return self._next(lines=self._replace_line(index, new)), (
            AgreementLineChanged(
                entity_id=self.id, occurred_at=instant, line=new, changed_fields=changed
            ),
        )

    def stop_line(self, number: int, *, at: datetime) -> tuple[ServiceAgreement, Events]:
        """Stop a line: it generates no orders and is never copied (AX *Stopped*).

        Stopping a stopped line returns ``(self, ())``.

        Raises:
            UnknownLineError: no line ``number``.
        """
        return self._set_stopped(number, at, stopped=True)

    def restart_line(self, number: int, *, at: datetime) -> tuple[ServiceAgreement, Events]:
        """Restart a stopped line: it generates orders again.

        Restarting a line that is not stopped returns ``(self, ())``.

        Raises:
            UnknownLineError: no line ``number``.
        """
        return self._set_stopped(number, at, stopped=False)

    def _set_stopped(
        self, number: int, at: datetime, *, stopped: bool
    ) -> tuple[ServiceAgreement, Events]:
        instant = require_instant(at, "at")
        index = self._index(number)
        line = self.lines[index]
        if line.stopped is stopped:
            return self, ()
        event_type = AgreementLineStopped if stopped else AgreementLineRestarted
        lines = self._replace_line(index, attrs.evolve(line, stopped=stopped))
        return self._next(lines=lines), (
            event_type(entity_id=self.id, occurred_at=instant, line_number=line.number),
        )

    # ------------------------------------------------------------------- header

    def suspend(self, *, at: datetime) -> tuple[ServiceAgreement, Events]:
        """Suspend the agreement: it generates no orders, whatever its lines say.

        Suspending a suspended agreement returns ``(self, ())``.
        """
        instant = require_instant(at, "at")
        if self.suspended:
            return self, ()
        return self._next(suspended=True), (
            AgreementSuspended(entity_id=self.id, occurred_at=instant),
        )

    def resume(self, *, at: datetime) -> tuple[ServiceAgreement, Events]:
        """Resume a suspended agreement; resuming one not suspended returns ``(self, ())``."""
        instant = require_instant(at, "at")
        if not self.suspended:
            return self, ()
        return self._next(suspended=False), (
            AgreementResumed(entity_id=self.id, occurred_at=instant),
        )

    # ---------------------------------------------------------------- relations

    def relate_object(
        self, relation: ServiceObjectRelation, *, at: datetime
    ) -> tuple[ServiceAgreement, Events]:
        """Relate a service object by ``relation``, so lines (and generated orders) may name it.

        An agreement relation has kind agreement and the agreement's id as its key; it
        serves every order of the agreement (generated orders carry it unchanged). An
        object is related to an agreement once. Relating the same relation again
        returns ``(self, ())``.

        Raises:
            TypeMismatchError: ``relation`` is not a ServiceObjectRelation.
            InvalidInputError: ``relation`` is not a relation of this agreement
                (``"relation.kind"`` / ``"relation.key"``).
            AgreementRuleError: another relation with the same id is on the agreement
                (rule ``object.conflict``), or the object is related by another one
                (rule ``object.related``).
        """
        instant = require_instant(at, "at")
        _RELATION.check(relation, "relation")
        if relation in self.object_relations:
            return self, ()
        if relation.kind is not RelationKind.AGREEMENT:
            raise InvalidInputError(
                "relation.kind", relation.kind, "an agreement's relation has kind agreement"
            )
        if relation.key != self.id:
            raise InvalidInputError(
                "relation.key", relation.key, f"a relation of agreement {self.id!r} has its id"
            )
        related = _merge_related(self.id, "object", self.object_relations, (relation,))
        if related == self.object_relations:
            return self, ()
        holder = self.relation_of(relation.object_id)
        if holder is not None:
            raise AgreementRuleError(
                self.id,
                "object.related",
                f"service object {relation.object_id!r} is related to the agreement by "
                f"relation {holder.id!r} already",
            )
        return self._next(object_relations=related), (
            AgreementObjectRelated(entity_id=self.id, occurred_at=instant, relation=relation),
        )

    def relation_of(self, object_id: str) -> ServiceObjectRelation | None:
        """The relation that relates service object ``object_id`` to the agreement, or ``None``."""
        wanted = is_id.check(object_id, "object_id")
        return next((r for r in self.object_relations if r.object_id == wanted), None)

    def relate_task(self, task: ServiceTask, *, at: datetime) -> tuple[ServiceAgreement, Events]:
        """Relate a service task, so that lines (and generated orders) may reference it.

        Relating a task already related with the same value returns ``(self, ())``.

        Raises:
            TypeMismatchError: ``task`` is not a :class:`ServiceTask`.
            AgreementRuleError: another task with the same id is related
                (rule ``task.conflict``).
        """
        instant = require_instant(at, "at")
        _TASK.check(task, "task")
        related = _merge_related(self.id, "task", self.service_tasks, (task,))
        if related == self.service_tasks:
            return self, ()
        return self._next(service_tasks=related), (
            AgreementTaskRelated(entity_id=self.id, occurred_at=instant, service_task=task),
        )

    # --------------------------------------------------------------------- copy

    def copy_lines_from(
        self,
        source: ServiceAgreement | ServiceTemplate,
        *,
        at: datetime,
        with_relations: bool = True,
    ) -> tuple[ServiceAgreement, Events]:
        """Copy the lines of another agreement or of a template into this agreement.

        * Stopped lines are never copied.
        * Copied lines are renumbered after this agreement's highest number, in the
          source's number order; their other fields are copied as they are.
        * With ``with_relations`` (always, from a template), the service objects and
          tasks the copied lines reference are *added* to the ones already related
          here: each object not related yet by a new agreement relation
          ``<agreement id>/<object id>`` (keeping the source relation's template BOM);
          a task id already related must carry the same value. Without it, every
          object and task the copied lines reference must already be related here.

        Copying nothing (no line that is not stopped) returns ``(self, ())``.

        Raises:
            TypeMismatchError: ``source`` is neither an agreement nor a template.
            AgreementRuleError: a related id with another value (``object.conflict`` /
                ``task.conflict``), or, without relations, a copied line referencing an
                object or task not related here (``copy.object_not_related`` /
                ``copy.task_not_related``).
        """
        instant = require_instant(at, "at")
        _SOURCE.check(source, "source")
        _BOOL.check(with_relations, "with_relations")
        kind = "agreement" if isinstance(source, ServiceAgreement) else "template"
        relations = with_relations or kind == "template"
        copied = [line for line in source.lines if not line.stopped]
        if not copied:
            return self, ()
        object_ids = {line.service_object_id for line in copied} - {None}
        task_ids = {line.service_task_id for line in copied} - {None}
        objects, tasks = self.object_relations, self.service_tasks
        if relations:
            objects = _merge_related(
                self.id, "object", objects, self._copied_relations(source, object_ids)
            )
            tasks = _merge_related(
                self.id, "task", tasks, (t for t in source.service_tasks if t.id in task_ids)
            )
        else:
            related_objects = {relation.object_id for relation in objects}
            for kind_name, wanted, related in (
                ("object", object_ids, related_objects),
                ("task", task_ids, {task.id for task in tasks}),
            ):
                missing = sorted(str(i) for i in wanted - related)
                if missing:
                    raise AgreementRuleError(
                        self.id,
                        f"copy.{kind_name}_not_related",
                        f"copied lines reference service {kind_name}s {missing} that are not "
                        "related to this agreement; copy with relations or relate them first",
                    )
        first = self._next_number()
        numbers = tuple((line.number, first + offset) for offset, line in enumerate(copied))
        new_lines = tuple(
            attrs.evolve(line, number=number)
            for line, (_, number) in zip(copied, numbers, strict=True)
        )
        agreement = self._next(
            lines=(*self.lines, *new_lines), object_relations=objects, service_tasks=tasks
        )
        event = LinesCopied(
            entity_id=self.id,
            occurred_at=instant,
            source_id=source.id,
            source_kind=kind,
            numbers=numbers,
            service_object_ids=tuple(
                relation.object_id for relation in objects[len(self.object_relations) :]
            ),
            service_task_ids=tuple(t.id for t in tasks[len(self.service_tasks) :]),
        )
        return agreement, (event,)

    def _copied_relations(
        self, source: ServiceAgreement | ServiceTemplate, object_ids: set[str | None]
    ) -> tuple[ServiceObjectRelation, ...]:
        """The relations a copy adds: one per copied object not related here yet.

        Each is a new agreement relation of this agreement with the id
        ``<agreement id>/<object id>``; from an agreement it keeps the source
        relation's template BOM.
        """
        if isinstance(source, ServiceAgreement):
            boms = {r.object_id: r.template_bom_id for r in source.object_relations}
            ordered = [r.object_id for r in source.object_relations]
        else:
            boms = {}
            ordered = list(source.service_object_ids)
        return tuple(
            ServiceObjectRelation(
                f"{self.id}/{object_id}",
                object_id,
                RelationKind.AGREEMENT,
                self.id,
                boms.get(object_id),
            )
            for object_id in ordered
            if object_id in object_ids and self.relation_of(object_id) is None
        )


def _number(line: AgreementLine) -> int:
    return line.number


def _merge_related(
    agreement_id: str, kind: str, related: tuple[_Related, ...], added: Iterable[_Related]
) -> tuple[_Related, ...]:
    """``related`` plus ``added``; an id already related must carry the same value."""
    return merge_related(agreement_id, kind, related, added, error=AgreementRuleError)


# What lines are copied from (after ServiceAgreement, which it names).
_SOURCE: Final = instance_of(
    (ServiceAgreement, ServiceTemplate), reason="expected a ServiceAgreement or a ServiceTemplate"
)
