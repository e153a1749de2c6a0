"""Sign-off and posting of a service order (a part of :class:`ServiceOrder`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import attrs

from servicedomain._checks import check_numbers, require_id, require_instance, require_int
from servicedomain.errors import OrderRuleError, TypeMismatchError
from servicedomain.events import DomainEvent
from servicedomain.orders._events import LinesPosted, LinesSignedOff, ServiceOrderSignedOff
from servicedomain.orders._lines import LineStatus, TransactionType
from servicedomain.orders._posting import JournalEntry, PostingPlan, check_types, skip_reason
from servicedomain.periods import DateRange
from servicedomain.stages import Action, ReasonCode, StageGraph

if TYPE_CHECKING:
    from servicedomain.orders._lines import ServiceOrderLine
    from servicedomain.orders._order import ServiceOrder
    from servicedomain.sla import ServiceLevelAgreement, SlaParameters

Events = tuple[DomainEvent, ...]


class SignOffAndPosting:
    """Sign lines and the order off; plan the posting and record what was posted."""

    __slots__ = ()

    if TYPE_CHECKING:  # the fields and helpers of ServiceOrder this part uses
        id: str
        customer_id: str
        project_id: str | None
        agreement_id: str | None
        lines: tuple[ServiceOrderLine, ...]
        signed_off: bool
        signed_off_at: datetime | None

        def _next(self, at: datetime, **changes: Any) -> ServiceOrder: ...
        def _dated(self, at: object) -> datetime: ...
        def _index(self, number: object) -> int: ...
        def _require(self, graph: StageGraph, action: Action) -> None: ...
        def _require_sla_reason(
            self,
            sla: ServiceLevelAgreement | None,
            parameters: SlaParameters | None,
            action: str,
            reason: ReasonCode | None,
            at: datetime,
        ) -> None: ...

    def sign_off(
        self,
        *,
        at: datetime,
        numbers: Collection[int] | None = None,
        reason: ReasonCode | None = None,
        sla: ServiceLevelAgreement | None = None,
        sla_parameters: SlaParameters | None = None,
    ) -> tuple[ServiceOrder, Events]:
        """Sign off lines, and the order once all its work is signed off or posted.

        ``numbers`` defaults to every Created line. Lines already signed off stay as
        they are. A posted line never changes, so it is not signed off afterwards
        (sign lines off before posting them, or post with ``require_sign_off=False``);
        it counts as done for the header. The header is signed off
        (``signed_off_at = at``) when the order has at least one line that is not
        canceled and every Created line is signed off; a header signed off stays
        signed off. No stage rule is needed.

        Raises:
            UnknownLineError: a number is not on the order.
            OrderRuleError: a named line is canceled (``line.canceled``) or posted and
                not signed off (``line.posted``), or ``numbers`` is omitted and the
                order has no line that is not canceled (``order.nothing_to_sign_off``).
            InvalidInputError: ``numbers`` is empty or names a line twice.
        """
        instant = self._dated(at)
        self._require_sla_reason(sla, sla_parameters, "sign_off", reason, instant)
        if numbers is None:
            if all(line.status is LineStatus.CANCELED for line in self.lines):
                raise OrderRuleError(
                    self.id,
                    "order.nothing_to_sign_off",
                    "the order has no Created or Posted line to sign off",
                )
            targets = tuple(line.number for line in self.lines if line.status is LineStatus.CREATED)
        else:
            targets = check_numbers(numbers)
            for number in targets:
                line = self.lines[self._index(number)]
                if line.status is LineStatus.CANCELED:
                    raise OrderRuleError(
                        self.id,
                        "line.canceled",
                        f"line {number} is canceled; a canceled line is not signed off",
                    )
                if line.status is LineStatus.POSTED and not line.signed_off:
                    raise OrderRuleError(
                        self.id,
                        "line.posted",
                        f"line {number} is posted; a posted line never changes",
                    )
        wanted = set(targets)
        newly = tuple(
            line.number for line in self.lines if line.number in wanted and not line.signed_off
        )
        lines = tuple(
            attrs.evolve(line, signed_off=True) if line.number in newly else line
            for line in self.lines
        )
        open_lines = [line for line in lines if line.status is not LineStatus.CANCELED]
        header_now = (
            not self.signed_off
            and bool(open_lines)
            and all(li.signed_off for li in open_lines if li.status is LineStatus.CREATED)
        )
        events: list[DomainEvent] = []
        if newly:
            events.append(
                LinesSignedOff(entity_id=self.id, occurred_at=instant, line_numbers=newly)
            )
        if header_now:
            events.append(ServiceOrderSignedOff(entity_id=self.id, occurred_at=instant))
        if not events:
            return cast("ServiceOrder", self), ()
        order = self._next(
            instant,
            lines=lines,
            signed_off=self.signed_off or header_now,
            signed_off_at=instant if header_now else self.signed_off_at,
        )
        return order, tuple(events)

    # ------------------------------------------------------------------ posting

    def plan_posting(
        self,
        graph: StageGraph,
        *,
        period: DateRange,
        types: Collection[TransactionType],
        require_sign_off: bool = True,
    ) -> PostingPlan:
        """What posting this order for ``period`` and ``types`` would post (pure).

        A line is posted when it is Created, its type is selected, its transaction
        date lies in the half-open ``period``, and (unless ``require_sign_off`` is
        False) it is signed off. Every other line is listed in ``skipped`` with the
        first reason that applies, in this order: already posted, canceled, type not
        selected, no transaction date, not in the date range, not signed off.

        Raises:
            StageRuleError: the stage does not allow post (rule ``stage.may_post``).
            InvalidInputError: ``types`` is empty (the field is ``"types"``).
            TypeMismatchError: ``period`` is not a DateRange, or an item of ``types`` is
                not a TransactionType.
        """
        require_instance(period, DateRange, "period")
        selected = check_types(types)
        if not isinstance(require_sign_off, bool):
            raise TypeMismatchError("require_sign_off", require_sign_off, "expected a bool")
        self._require(graph, Action.POST)
        entries: list[JournalEntry] = []
        skipped: list[tuple[int, str]] = []
        for line in self.lines:
            why = skip_reason(line, period, selected, require_sign_off)
            if why is None:
                entries.append(
                    JournalEntry.for_line(
                        line,
                        order_id=self.id,
                        customer_id=self.customer_id,
                        project_id=self.project_id,
                        agreement_id=self.agreement_id,
                    )
                )
            else:
                skipped.append((line.number, why))
        return PostingPlan(order_id=self.id, entries=tuple(entries), skipped=tuple(skipped))

    def mark_posted(
        self, transaction_ids: Mapping[int, str], *, at: datetime
    ) -> tuple[ServiceOrder, Events]:
        """Record that lines were posted: each becomes Posted with its journal transaction.

        An empty mapping posts nothing and returns ``(self, ())``, so posting an order
        again once everything is posted changes nothing.

        Raises:
            UnknownLineError: a number is not on the order.
            OrderRuleError: a line is already posted (``line.posted``: a line is never
                posted twice) or canceled (``line.canceled``).
            TypeMismatchError: not a mapping of int to str.
            InvalidInputError: an empty transaction id.
        """
        instant = self._dated(at)
        if not isinstance(transaction_ids, Mapping):
            raise TypeMismatchError(
                "transaction_ids", transaction_ids, "expected a mapping of line number to id"
            )
        if not transaction_ids:
            return cast("ServiceOrder", self), ()
        pairs: list[tuple[int, str]] = []
        for number, transaction_id in transaction_ids.items():
            field = f"transaction_ids[{number!r}]"
            require_int(number, field, minimum=1)
            pairs.append((number, require_id(transaction_id, field)))
        pairs.sort()
        lines = list(self.lines)
        for number, transaction_id in pairs:
            index = self._index(number)
            line = lines[index]
            if line.status is LineStatus.POSTED:
                raise OrderRuleError(
                    self.id,
                    "line.posted",
                    f"line {number} is already posted as {line.journal_transaction_id!r}; "
                    "a line is never posted twice",
                )
            if line.status is LineStatus.CANCELED:
                raise OrderRuleError(
                    self.id, "line.canceled", f"line {number} is canceled; it is not posted"
                )
            lines[index] = attrs.evolve(
                line, status=LineStatus.POSTED, journal_transaction_id=transaction_id
            )
        return self._next(instant, lines=tuple(lines)), (
            LinesPosted(entity_id=self.id, occurred_at=instant, transaction_ids=tuple(pairs)),
        )
