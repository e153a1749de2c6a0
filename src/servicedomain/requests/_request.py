"""The customer service request entity: submit, review, reject, withdraw, transfer (private).

One concept, one module: every operation of :class:`ServiceRequest` is a method here.
The submit rules are in ``_rules``; the values in ``_submission``, ``_lines`` and
``_notes``; the events in ``_events``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Final

import attrs

from servicedomain._checks import (
    deep_iterable,
    in_,
    instance_of,
    is_id,
    is_instant,
    is_optional_id,
    is_str,
    is_version,
)
from servicedomain._enums import StrictEnum
from servicedomain.agreements import ServiceAgreement
from servicedomain.calendars import WorkingCalendar
from servicedomain.errors import (
    IdempotencyConflictError,
    InstantOutOfOrderError,
    InvalidInputError,
    RequestRuleError,
    RequestStatusError,
)
from servicedomain.events import DomainEvent
from servicedomain.instants import require_instant
from servicedomain.orders import Origin, ServiceOrder
from servicedomain.repairs import FaultTaxonomy, RelationKind, ServiceObjectRelation
from servicedomain.requests._events import (
    RequestEdited,
    RequestNoteAdded,
    RequestRejected,
    RequestReviewStarted,
    RequestSubmitted,
    RequestTransferred,
    RequestWithdrawn,
)
from servicedomain.requests._lines import RequestedRepairLine
from servicedomain.requests._notes import RequestNote, ReviewEntry
from servicedomain.requests._rules import (
    check_agreement,
    check_codes,
    check_relations,
    check_window,
    known_relations,
)
from servicedomain.requests._statuses import REQUEST_MOVES, RequestMove, RequestStatus
from servicedomain.requests._submission import (
    RequestWindow,
    Submission,
    check_lines,
    check_relation_ids,
)
from servicedomain.stages import StageGraph

Events = tuple[DomainEvent, ...]
"""What an operation returns besides the new snapshot."""

_SUBMISSION: Final = instance_of(Submission)
_WINDOW: Final = instance_of(RequestWindow)
_LINES: Final = deep_iterable(instance_of(RequestedRepairLine))
_IDS: Final = deep_iterable(is_id)


class SlaStart(StrictEnum):
    """When the SLA clock of a transferred request's order starts: a policy.

    ``SUBMISSION``: at the request's submission (AX starts time recording on receipt);
    ``TRANSFER``: when the dispatcher transfers it.
    """

    SUBMISSION = "submission"
    TRANSFER = "transfer"


def _v_order_id(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    is_optional_id.check(value, attribute.name)
    if (value is not None) != (instance.status is RequestStatus.TRANSFERRED):
        raise InvalidInputError(
            attribute.name, value, "a request has an order id when it is transferred, and only then"
        )


def _v_reject_reason(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    is_optional_id.check(value, attribute.name)
    if (value is not None) != (instance.status is RequestStatus.REJECTED):
        raise InvalidInputError(
            attribute.name,
            value,
            "a request has a reject reason code when it is rejected, and only then",
        )


def _v_recorded_at(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    instant = is_instant.check(value, attribute.name)
    if instant < instance.submitted_at:
        raise InvalidInputError(
            attribute.name, value, "a request records nothing before its submission"
        )


@attrs.frozen(kw_only=True)
class ServiceRequest:
    """A customer's service request (AX's web service order): nothing unverified goes on.

    An aggregate of its own, apart from :class:`~servicedomain.orders.ServiceOrder`: a
    dispatcher reviews it (edits the address, the window, the lines and the relations,
    each change logged with who and when), rejects it with a reason code (AX's *Delete*,
    kept rather than erased) or transfers it to a service order; the customer may
    withdraw it before the transfer. The moves are :data:`REQUEST_MOVES`; any other is
    refused with :class:`~servicedomain.errors.RequestStatusError` naming the status and
    the move. Every operation returns ``(new_request, events)`` with ``version + 1``.
    Time moves forward: an ``at`` before :attr:`recorded_at` is refused with
    :class:`~servicedomain.errors.InstantOutOfOrderError`.

    Attributes:
        id: the request's id.
        version: 1 when submitted, one more per change.
        submission: what the customer sent, unchanged (for idempotency; see
            :func:`resubmit`).
        address, window, lines, relation_ids: the current values, the submission's
            until the dispatcher edits them.
        status: where the request stands.
        submitted_at: when it was submitted.
        reject_reason: the reason code of a rejected request, else ``None``.
        order_id: the order of a transferred request, else ``None``.
        notes: public and internal notes, in time order.
        review_log: the dispatcher's changes, in time order.
        recorded_at: the instant of the last change.

    Raises:
        TypeMismatchError, NaiveDatetimeError, InvalidInputError: a bad field, named
            (an order id without the transferred status, a reject reason without the
            rejected status, a line on a relation the request does not name, ...).
    """

    id: str = attrs.field(validator=is_id)
    version: int = attrs.field(validator=is_version)
    submission: Submission = attrs.field(validator=_SUBMISSION)
    address: str = attrs.field(validator=is_str)
    window: RequestWindow = attrs.field(validator=_WINDOW)
    lines: tuple[RequestedRepairLine, ...] = attrs.field(validator=_LINES)
    relation_ids: tuple[str, ...] = attrs.field(validator=_IDS)
    status: RequestStatus = attrs.field(validator=in_(RequestStatus))
    submitted_at: datetime = attrs.field(validator=is_instant)
    reject_reason: str | None = attrs.field(default=None, validator=_v_reject_reason)
    order_id: str | None = attrs.field(default=None, validator=_v_order_id)
    notes: tuple[RequestNote, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(RequestNote))
    )
    review_log: tuple[ReviewEntry, ...] = attrs.field(
        default=(), validator=deep_iterable(instance_of(ReviewEntry))
    )
    recorded_at: datetime = attrs.field(validator=_v_recorded_at)

    def __attrs_post_init__(self) -> None:
        check_relation_ids(self.relation_ids)
        check_lines(self.lines, self.relation_ids)

    # ---------------------------------------------------------------- inspection

    @property
    def customer_id(self) -> str:
        """The customer who submitted the request."""
        return self.submission.customer_id

    @property
    def agreement_id(self) -> str | None:
        """The agreement the request is under, or ``None``."""
        return self.submission.agreement_id

    @property
    def idempotency_key(self) -> str:
        """The client's idempotency key of the submission."""
        return self.submission.idempotency_key

    # ------------------------------------------------------------------ creation

    @classmethod
    def submit(
        cls,
        submission: Submission,
        *,
        id: str,
        at: datetime,
        agreement: ServiceAgreement | None,
        relations: Collection[ServiceObjectRelation],
        taxonomy: FaultTaxonomy,
        calendar: WorkingCalendar | None = None,
    ) -> tuple[ServiceRequest, Events]:
        """A new request (version 1, submitted at ``at``) after the submit rules.

        The rules: the agreement named (given as ``agreement``; ``None`` without one) is
        the customer's and not suspended; each relation id is one of the agreement's or
        of ``relations`` (the customer's known relations on other documents), no service
        object twice; the lines' codes are in ``taxonomy``; the window lies in the
        agreement's dates (local days in ``calendar``'s zone, else UTC) and, with a
        ``calendar`` (the SLA's), holds some working time. A repeated submit with the
        same idempotency key goes through :func:`resubmit`, not here.

        Raises:
            RequestRuleError: ``request.agreement_customer``,
                ``request.agreement_suspended``, ``request.relation_unknown``,
                ``request.relation_object_repeated``,
                ``request.window_outside_agreement``, ``request.window_no_working_time``.
            UnknownCodeError: a code the taxonomy lacks (``"lines[i].symptom_code_id"``).
            InvalidInputError: ``agreement`` is not the one the submission names; a bad
                argument, named.
        """
        instant = require_instant(at, "at")
        checked = _SUBMISSION.check(submission, "submission")
        is_id.check(id, "id")
        check_agreement(id, checked.customer_id, checked.agreement_id, agreement)
        check_relations(id, checked.relation_ids, known_relations(agreement, relations))
        check_codes(checked.lines, taxonomy)
        check_window(id, checked.window, agreement, calendar)
        request = cls(
            id=id,
            version=1,
            submission=checked,
            address=checked.address,
            window=checked.window,
            lines=checked.lines,
            relation_ids=checked.relation_ids,
            status=RequestStatus.SUBMITTED,
            submitted_at=instant,
            recorded_at=instant,
        )
        event = RequestSubmitted(
            entity_id=id,
            occurred_at=instant,
            customer_id=checked.customer_id,
            agreement_id=checked.agreement_id,
            idempotency_key=checked.idempotency_key,
        )
        return request, (event,)

    # ------------------------------------------------------------------- helpers

    def _dated(self, at: object) -> datetime:
        instant = require_instant(at, "at")
        if instant < self.recorded_at:
            raise InstantOutOfOrderError("at", instant, self.recorded_at)
        return instant

    def _move(self, move: RequestMove) -> RequestStatus:
        target = REQUEST_MOVES[self.status].get(move)
        if target is None:
            raise RequestStatusError(self.id, self.status.value, move.value)
        return target

    def _next(self, at: datetime, **changes: Any) -> ServiceRequest:
        return attrs.evolve(self, version=self.version + 1, recorded_at=at, **changes)

    # ---------------------------------------------------------------- operations

    def start_review(self, *, at: datetime, by: str) -> tuple[ServiceRequest, Events]:
        """A dispatcher starts reviewing the submitted request.

        Raises:
            RequestStatusError: the request is not submitted (move ``start_review``).
        """
        status = self._move(RequestMove.START_REVIEW)
        instant = self._dated(at)
        is_id.check(by, "by")
        return self._next(instant, status=status), (
            RequestReviewStarted(entity_id=self.id, occurred_at=instant, by=by),
        )

    def edit(
        self,
        *,
        at: datetime,
        by: str,
        address: str | None = None,
        window: RequestWindow | None = None,
        lines: tuple[RequestedRepairLine, ...] | None = None,
        relation_ids: tuple[str, ...] | None = None,
    ) -> tuple[ServiceRequest, Events]:
        """The dispatcher changes the values given (``None``: unchanged), under review only.

        Each changed field goes in the review log with who, when, the old and the new
        value; an edit that changes nothing returns ``(self, ())``. The structure is
        checked here (every line on one of the relations); the relations and codes are
        checked again at :meth:`transfer`, against the agreement, the customer's
        relations and the taxonomy of that moment.

        Raises:
            RequestStatusError: the request is not under review (move ``edit``).
            InvalidInputError: a bad value, named; a line on a relation not named.
        """
        if self.status is not RequestStatus.UNDER_REVIEW:
            raise RequestStatusError(self.id, self.status.value, "edit")
        instant = self._dated(at)
        is_id.check(by, "by")
        given: dict[str, object] = {}
        if address is not None:
            given["address"] = is_str.check(address, "address")
        if window is not None:
            given["window"] = _WINDOW.check(window, "window")
        if lines is not None:
            given["lines"] = _LINES.check(lines, "lines")
        if relation_ids is not None:
            given["relation_ids"] = _IDS.check(relation_ids, "relation_ids")
        changes = {name: value for name, value in given.items() if getattr(self, name) != value}
        if not changes:
            return self, ()
        entries = tuple(
            ReviewEntry(
                at=instant,
                by=by,
                field=name,
                old=_as_text(getattr(self, name)),
                new=_as_text(value),
            )
            for name, value in changes.items()
        )
        new = self._next(instant, review_log=(*self.review_log, *entries), **changes)
        return new, (
            RequestEdited(entity_id=self.id, occurred_at=instant, by=by, fields=tuple(changes)),
        )

    def add_note(
        self, text: str, *, at: datetime, by: str, public: bool = False
    ) -> tuple[ServiceRequest, Events]:
        """Add a note; a ``public`` one is shown to the customer, the others stay internal.

        A note may be added in any status (a terminal request keeps its history).
        """
        instant = self._dated(at)
        note = RequestNote(text=text, at=instant, by=by, public=public)
        return self._next(instant, notes=(*self.notes, note)), (
            RequestNoteAdded(entity_id=self.id, occurred_at=instant, note=note),
        )

    def reject(self, reason_code: str, *, at: datetime, by: str) -> tuple[ServiceRequest, Events]:
        """Reject the request (AX's *Delete*): kept, with the reason code.

        Raises:
            RequestStatusError: the request is transferred, rejected or withdrawn.
            InvalidInputError: a blank ``reason_code``.
        """
        status = self._move(RequestMove.REJECT)
        instant = self._dated(at)
        is_id.check(reason_code, "reason_code")
        is_id.check(by, "by")
        return self._next(instant, status=status, reject_reason=reason_code), (
            RequestRejected(entity_id=self.id, occurred_at=instant, by=by, reason_code=reason_code),
        )

    def withdraw(self, *, at: datetime) -> tuple[ServiceRequest, Events]:
        """The customer withdraws the request, before it is transferred.

        Raises:
            RequestStatusError: the request is transferred, rejected or withdrawn.
        """
        status = self._move(RequestMove.WITHDRAW)
        instant = self._dated(at)
        return self._next(instant, status=status), (
            RequestWithdrawn(entity_id=self.id, occurred_at=instant),
        )

    def transfer(
        self,
        graph: StageGraph,
        *,
        order_id: str,
        at: datetime,
        agreement: ServiceAgreement | None,
        relations: Collection[ServiceObjectRelation],
        taxonomy: FaultTaxonomy,
        sla_start: SlaStart = SlaStart.SUBMISSION,
        calendar: WorkingCalendar | None = None,
    ) -> tuple[ServiceRequest, ServiceOrder | None, Events]:
        """Transfer the reviewed request to a new service order: ``(request, order, events)``.

        The rules of :meth:`submit` are checked again on the current values. The order
        (made by :meth:`ServiceOrder.create <servicedomain.orders.ServiceOrder.create>`)
        has origin web, ``incoming`` set and ``request_id``; the customer, the agreement
        and its project; the address; the text as description; the window's start as
        preferred service time; the agreement's effective SLA, its clock started at the
        submission or at ``at`` by ``sla_start``. A relation of the agreement is copied
        as is; a relation of another document becomes an order relation with the id
        ``f"{order_id}/{relation id}"``. The requested lines become the order's repair
        lines (created at ``at``). The events are the request's, then the order's.

        Exactly one order per request: transferring a transferred request to its own
        ``order_id`` again returns ``(self, None, ())`` (a retry: ``None`` says that no
        order is made, the host already holds it); to another order id it is refused.

        Raises:
            RequestStatusError: the request is not under review (move ``transfer``).
            RequestRuleError: ``request.transferred_once`` (already transferred to
                another order), or a rule of :meth:`submit`.
            UnknownCodeError, StageRuleError, InvalidInputError: as
                :meth:`ServiceOrder.create` and ``add_repair_line`` raise them.
        """
        if self.status is RequestStatus.TRANSFERRED:
            if order_id == self.order_id:
                return self, None, ()
            raise RequestRuleError(
                self.id,
                "request.transferred_once",
                f"the request is transferred to order {self.order_id!r}; not to {order_id!r}",
            )
        status = self._move(RequestMove.TRANSFER)
        instant = self._dated(at)
        policy = in_(SlaStart).check(sla_start, "sla_start")
        is_id.check(order_id, "order_id")
        check_agreement(self.id, self.customer_id, self.agreement_id, agreement)
        found = check_relations(self.id, self.relation_ids, known_relations(agreement, relations))
        check_codes(self.lines, taxonomy)
        check_window(self.id, self.window, agreement, calendar)
        copied: list[ServiceObjectRelation] = []
        mapped: dict[str, str] = {}
        for relation in found:
            own = (
                agreement is not None
                and relation.kind is RelationKind.AGREEMENT
                and relation.key == agreement.id
            )
            made = (
                relation
                if own
                else ServiceObjectRelation(
                    f"{order_id}/{relation.id}",
                    relation.object_id,
                    RelationKind.ORDER,
                    order_id,
                    relation.template_bom_id,
                )
            )
            copied.append(made)
            mapped[relation.id] = made.id
        order, order_events = ServiceOrder.create(
            graph,
            id=order_id,
            customer_id=self.customer_id,
            at=instant,
            description=self.submission.text,
            agreement_id=self.agreement_id,
            project_id=None if agreement is None else agreement.project_id,
            preferred_service_at=self.window.start,
            origin=Origin.WEB,
            incoming=True,
            request_id=self.id,
            service_address=self.address or None,
            sla_id=None if agreement is None else agreement.effective_sla_id,
            sla_started_at=self.submitted_at if policy is SlaStart.SUBMISSION else instant,
            object_relations=tuple(copied),
        )
        events: list[DomainEvent] = list(order_events)
        for line in self.lines:
            order, added = order.add_repair_line(
                graph,
                taxonomy,
                relation_id=mapped[line.relation_id],
                at=instant,
                symptom_area_id=line.symptom_area_id,
                symptom_code_id=line.symptom_code_id,
                condition_id=line.condition_id,
                description=line.description,
            )
            events.extend(added)
        new = self._next(instant, status=status, order_id=order_id)
        moved = RequestTransferred(entity_id=self.id, occurred_at=instant, order_id=order_id)
        return new, order, (moved, *events)


def resubmit(stored: ServiceRequest, submission: Submission) -> ServiceRequest:
    """The stored request for a repeated submit with the same idempotency key.

    Stripe-style idempotency: the same payload returns ``stored`` unchanged (even after
    the dispatcher's edits, which the kept :attr:`ServiceRequest.submission` does not
    see); a different payload under the same key is refused.

    Raises:
        IdempotencyConflictError: the payload differs; ``field`` is the first field of
            :class:`Submission` that differs, with the stored and the given values.
        InvalidInputError: ``submission`` has another idempotency key than ``stored``.
    """
    checked = instance_of(ServiceRequest).check(stored, "stored")
    given = _SUBMISSION.check(submission, "submission")
    kept = checked.submission
    if given.idempotency_key != kept.idempotency_key:
        raise InvalidInputError(
            "submission.idempotency_key",
            given.idempotency_key,
            f"request {checked.id!r} was submitted with key {kept.idempotency_key!r}",
        )
    for field in attrs.fields(Submission):
        old, new = getattr(kept, field.name), getattr(given, field.name)
        if old != new:
            raise IdempotencyConflictError(kept.idempotency_key, field.name, old, new)
    return checked


def _as_text(value: object) -> str:
    """A review log value as text: a str as is, relation ids joined, lines one per line."""
    if isinstance(value, str):
        return value
    if isinstance(value, RequestWindow):
        return str(value)
    if isinstance(value, tuple):
        return "; ".join(_line_text(item) for item in value)
    return repr(value)


def _line_text(item: object) -> str:
    if isinstance(item, RequestedRepairLine):
        symptom = f"{item.symptom_area_id or ''}/{item.symptom_code_id or ''}"
        return (
            f"{item.number} {item.relation_id} condition={item.condition_id or ''} "
            f"symptom={symptom} {item.description}"
        ).rstrip()
    return str(item)
