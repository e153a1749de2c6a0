"""The request desk: customer service requests from a portal, reviewed and transferred.

A :class:`RequestDesk` is configured once (how to open a unit of work, the clock, the
stage graph and the fault taxonomy of the orders it makes, optionally the SLAs by id
and the SLA start policy) and offers one typed method per use case of AX's web service
orders: :meth:`~RequestDesk.submit` (what a portal calls), the dispatcher's
:meth:`~RequestDesk.start_review`, :meth:`~RequestDesk.edit`,
:meth:`~RequestDesk.add_note` and :meth:`~RequestDesk.reject`, the customer's
:meth:`~RequestDesk.withdraw`, :meth:`~RequestDesk.transfer` to a service order
(optionally proposing a technician), plus the reads (:meth:`~RequestDesk.request`,
:meth:`~RequestDesk.requests`, and :meth:`~RequestDesk.customer_view`, what the portal
shows).

Each method opens one unit of work (:class:`~servicedomain.ports.RequestUnitOfWork`),
loads what the domain (:mod:`servicedomain.requests`) needs, lets it decide, saves with
the version it loaded, collects the events and commits: all or nothing, events
published only after the commit.

Idempotent, on their natural key: :meth:`~RequestDesk.submit` (the customer's
idempotency key: the same payload again returns the stored request, even when a
concurrent submit won the race) and :meth:`~RequestDesk.transfer` (one order per
request: a retry, or the loser of a race, gets the stored order and stores nothing).

>>> from datetime import UTC, datetime
>>> from servicedomain.adapters.clocks import FixedClock
>>> from servicedomain.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from servicedomain.repairs import FaultTaxonomy
>>> from servicedomain.requests import RequestWindow, Submission
>>> from servicedomain.stages import EXAMPLE_STAGE_GRAPH
>>> store = InMemoryStore()
>>> desk = RequestDesk(unit_of_work=lambda: InMemoryUnitOfWork(store),
...     clock=FixedClock(datetime(2026, 3, 2, 8, tzinfo=UTC)), graph=EXAMPLE_STAGE_GRAPH,
...     taxonomy=FaultTaxonomy())
>>> window = RequestWindow(datetime(2026, 3, 3, 9, tzinfo=UTC),
...     datetime(2026, 3, 3, 12, tzinfo=UTC))
>>> request = desk.submit(Submission(customer_id="C-1", window=window, text="It leaks",
...     idempotency_key="portal-1"), request_id="REQ-1")
>>> request = desk.start_review("REQ-1", by="W-1")
>>> result = desk.transfer("REQ-1")
>>> result.order.id, result.order.origin.value, result.order.incoming
('SO-REQ-1', 'web', True)
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final, cast

import attrs

from servicedomain._checks import (
    deep_mapping,
    in_,
    instance_of,
    is_bool,
    is_callable,
    is_id,
    is_optional_id,
    is_str,
    optional,
    port,
)
from servicedomain.agreements import ServiceAgreement
from servicedomain.app._relations import cache_where_stored
from servicedomain.app._unit import begin, change_stored
from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import (
    BookingStatus,
    Candidate,
    CandidateList,
    Interval,
    Requirement,
    candidates,
    requirement_for,
)
from servicedomain.errors import ConcurrencyConflictError, InvalidInputError, NotFoundError
from servicedomain.events import DomainEvent
from servicedomain.orders import ServiceOrder
from servicedomain.ports import Clock, RequestUnitOfWork, ServiceObjectRepository
from servicedomain.repairs import FaultTaxonomy, RelationKind, ServiceObjectRelation
from servicedomain.requests import (
    CustomerRequestView,
    RequestedRepairLine,
    RequestStatus,
    RequestWindow,
    ServiceRequest,
    SlaStart,
    Submission,
    customer_view,
    resubmit,
)
from servicedomain.sla import ServiceLevelAgreement
from servicedomain.stages import StageGraph

__all__ = ["RequestDesk", "TransferResult"]

_CLOCK: Final = port("now")
_GRAPH: Final = instance_of(StageGraph)
_TAXONOMY: Final = instance_of(FaultTaxonomy)
_SLAS: Final = deep_mapping(instance_of(str), instance_of(ServiceLevelAgreement))
_SUBMISSION: Final = instance_of(Submission)
_STATUS: Final = in_(RequestStatus)
_DURATION: Final = instance_of(timedelta)
_PLANNED: Final = frozenset(
    {BookingStatus.COMMITTED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED}
)

RequestChange = Callable[[ServiceRequest], tuple[ServiceRequest, tuple[DomainEvent, ...]]]


def _default_order_id(request_id: str) -> str:
    """The id of the order a request is transferred to when none is given: ``SO-<id>``."""
    return f"SO-{request_id}"


def _visit_requirement_id(order_id: str) -> str:
    """The id of the requirement a transfer with a booking proposal stores: ``<order>/visit``."""
    return f"{order_id}/visit"


@attrs.frozen(kw_only=True)
class TransferResult:
    """What :meth:`RequestDesk.transfer` stored, or found stored on a retry.

    Attributes:
        request: the transferred request.
        order: its service order (origin web, incoming, ``request_id`` set).
        requirement: the visit's requirement when a booking was proposed, else ``None``.
        candidates: who can do that requirement, ranked, with the reasons the others
            cannot (``None`` when no booking was proposed).
    """

    request: ServiceRequest = attrs.field(validator=instance_of(ServiceRequest))
    order: ServiceOrder = attrs.field(validator=instance_of(ServiceOrder))
    requirement: Requirement | None = attrs.field(
        default=None, validator=optional(instance_of(Requirement))
    )
    candidates: CandidateList | None = attrs.field(
        default=None, validator=optional(instance_of(CandidateList))
    )

    @property
    def proposal(self) -> Candidate | None:
        """The best candidate (a proposal, not a booking), or ``None`` when none fits."""
        return None if self.candidates is None else self.candidates.best


def _port(uow: Any, name: str, why: str) -> Any:
    """The unit of work's repository ``name``, or a clear refusal naming what needs it."""
    found = getattr(uow, name, None)
    if found is None:
        raise InvalidInputError(
            "unit_of_work",
            type(uow).__name__,
            f"a request desk that {why} opens units of work with {name} "
            "(as the memory and SQL units of work are)",
        )
    return found


class RequestDesk:
    """Customer service requests over the ports: one method per use case, one unit of work.

    Args:
        unit_of_work: opens a new :class:`~servicedomain.ports.RequestUnitOfWork` on the
            host's store (called once per unit of work). A request under an agreement
            also needs its ``agreements``; the customer's relations are found through
            its ``service_objects``; a booking proposal needs ``technicians``,
            ``requirements`` and ``bookings`` (the memory and SQL units of work have
            them all).
        clock: where the instant of each operation comes from.
        graph: the stage graph of the orders a transfer makes.
        taxonomy: the fault taxonomy the requested repair lines' codes are checked
            against (at submit and again at transfer).
        slas: the SLAs by id. The agreement's effective SLA is the order's SLA, and its
            calendar is the calendar the requested window must hold working time in.
            ``None``: no calendar check; an agreement whose SLA is not among ``slas``
            (when given) is refused.
        sla_start: when the SLA clock of a transferred order starts (the submission,
            as AX starts recording on receipt, or the transfer).
        visit_duration: the duration of the visit a booking proposal plans (inside the
            requested window).

    Raises:
        TypeMismatchError, InvalidInputError: an argument, named.
    """

    def __init__(
        self,
        *,
        unit_of_work: Callable[[], RequestUnitOfWork],
        clock: Clock,
        graph: StageGraph,
        taxonomy: FaultTaxonomy,
        slas: Mapping[str, ServiceLevelAgreement] | None = None,
        sla_start: SlaStart = SlaStart.SUBMISSION,
        visit_duration: timedelta = timedelta(hours=1),
    ) -> None:
        is_callable.check(unit_of_work, "unit_of_work")
        self._unit_of_work: Callable[[], RequestUnitOfWork] = unit_of_work
        _CLOCK.check(clock, "clock")
        self._clock = clock
        self._graph: StageGraph = _GRAPH.check(graph, "graph")
        self._taxonomy: FaultTaxonomy = _TAXONOMY.check(taxonomy, "taxonomy")
        if slas is not None:
            _SLAS.check(slas, "slas")
        self._slas: dict[str, ServiceLevelAgreement] | None = None if slas is None else dict(slas)
        self._sla_start: SlaStart = in_(SlaStart).check(sla_start, "sla_start")
        duration = _DURATION.check(visit_duration, "visit_duration")
        if duration <= timedelta(0):
            raise InvalidInputError("visit_duration", duration, "a visit takes some time")
        self._visit_duration = duration

    # ------------------------------------------------------------------ plumbing

    def _open(self) -> RequestUnitOfWork:
        return begin(self._unit_of_work, "unit_of_work()")

    def _change(self, request_id: str, decide: RequestChange) -> ServiceRequest:
        is_id.check(request_id, "request_id")
        return change_stored(self._open(), lambda uow: uow.service_requests, request_id, decide)

    def _agreement(
        self, uow: RequestUnitOfWork, agreement_id: str | None
    ) -> ServiceAgreement | None:
        if agreement_id is None:
            return None
        agreements = _port(uow, "agreements", "takes requests under agreements")
        return cast("ServiceAgreement", agreements.get(agreement_id))

    def _sla(self, agreement: ServiceAgreement | None) -> ServiceLevelAgreement | None:
        """The agreement's effective SLA among the desk's ``slas`` (``None`` without them)."""
        if agreement is None or self._slas is None or agreement.effective_sla_id is None:
            return None
        sla = self._slas.get(agreement.effective_sla_id)
        if sla is None:
            raise InvalidInputError(
                "slas",
                agreement.effective_sla_id,
                f"the SLA of agreement {agreement.id!r} is not among the desk's slas",
            )
        return sla

    def _calendar(self, agreement: ServiceAgreement | None) -> WorkingCalendar | None:
        sla = self._sla(agreement)
        return None if sla is None else sla.calendar

    @staticmethod
    def _relations(
        uow: RequestUnitOfWork,
        customer_id: str,
        agreement: ServiceAgreement | None,
        relation_ids: Iterable[str],
    ) -> tuple[ServiceObjectRelation, ...]:
        """The customer's known relations among ``relation_ids`` (besides the agreement's).

        Law R8 makes this one pass: each stored service object caches the relations of
        the documents that name it, so the objects holding a wanted relation id say
        which order or agreement owns it. The owner is the truth: a relation counts
        when its document is stored, is the customer's and still holds it. A unit of
        work without service objects finds none (only the agreement's count then).
        """
        own = set() if agreement is None else {r.id for r in agreement.object_relations}
        wanted = {relation_id for relation_id in relation_ids if relation_id not in own}
        objects: ServiceObjectRepository | None = getattr(uow, "service_objects", None)
        if not wanted or objects is None:
            return ()
        found: dict[str, ServiceObjectRelation] = {}
        for obj in objects.list():
            for cached in obj.relations:
                if cached.id not in wanted or cached.id in found:
                    continue
                document = RequestDesk._document(uow, cached)
                if document is None or document.customer_id != customer_id:
                    continue
                for relation in document.object_relations:
                    if relation.id == cached.id:
                        found[relation.id] = relation
        return tuple(found[relation_id] for relation_id in sorted(found))

    @staticmethod
    def _document(
        uow: RequestUnitOfWork, relation: ServiceObjectRelation
    ) -> ServiceOrder | ServiceAgreement | None:
        try:
            if relation.kind is RelationKind.ORDER:
                return uow.service_orders.get(relation.key)
            agreements = getattr(uow, "agreements", None)
            return (
                None
                if agreements is None
                else cast("ServiceAgreement", agreements.get(relation.key))
            )
        except NotFoundError:
            return None

    @staticmethod
    def _load(uow: RequestUnitOfWork, request_id: str) -> ServiceRequest:
        return uow.service_requests.get(request_id)

    # ------------------------------------------------------------------ submit

    def submit(self, submission: Submission, *, request_id: str) -> ServiceRequest:
        """Store a customer's submission as request ``request_id`` (what a portal calls).

        The submit rules (:meth:`ServiceRequest.submit
        <servicedomain.requests.ServiceRequest.submit>`) run on stored data: the
        agreement named, the customer's known relations (the agreement's and those of
        the customer's stored orders and agreements), the desk's taxonomy and the
        calendar of the agreement's SLA. Idempotent on the customer's idempotency key:
        a request stored under it is returned unchanged (:func:`~servicedomain.requests.resubmit`),
        whatever ``request_id`` says; when a concurrent submit with the same key wins
        the commit, the winner's request is returned.

        Raises:
            IdempotencyConflictError: a request is stored under the key with another
                payload (the first field that differs is named).
            RequestRuleError, UnknownCodeError: a submit rule refuses it.
            NotFoundError: the agreement named is not stored.
            AlreadyExistsError: another request is stored under ``request_id``.
            InvalidInputError, TypeMismatchError: a bad argument, named.
        """
        checked = _SUBMISSION.check(submission, "submission")
        is_id.check(request_id, "request_id")
        try:
            return self._submit_once(checked, request_id)
        except ConcurrencyConflictError:
            with self._open() as uow:
                winner = uow.service_requests.by_idempotency_key(
                    checked.customer_id, checked.idempotency_key
                )
            if winner is None:
                raise
            return resubmit(winner, checked)

    def _submit_once(self, submission: Submission, request_id: str) -> ServiceRequest:
        with self._open() as uow:
            stored = uow.service_requests.by_idempotency_key(
                submission.customer_id, submission.idempotency_key
            )
            if stored is not None:
                return resubmit(stored, submission)
            agreement = self._agreement(uow, submission.agreement_id)
            request, events = ServiceRequest.submit(
                submission,
                id=request_id,
                at=self._clock.now(),
                agreement=agreement,
                relations=self._relations(
                    uow, submission.customer_id, agreement, submission.relation_ids
                ),
                taxonomy=self._taxonomy,
                calendar=self._calendar(agreement),
            )
            uow.service_requests.add(request)
            uow.collect(events)
            uow.commit()
        return request

    # ------------------------------------------------------------------ review

    def start_review(self, request_id: str, *, by: str) -> ServiceRequest:
        """The dispatcher ``by`` starts reviewing the submitted request.

        Raises:
            NotFoundError: no such request.
            RequestStatusError: the request is not submitted.
        """
        at = self._clock.now()
        return self._change(request_id, lambda request: request.start_review(at=at, by=by))

    def edit(
        self,
        request_id: str,
        *,
        by: str,
        address: str | None = None,
        window: RequestWindow | None = None,
        lines: tuple[RequestedRepairLine, ...] | None = None,
        relation_ids: tuple[str, ...] | None = None,
    ) -> ServiceRequest:
        """The dispatcher ``by`` changes the values given (``None``: unchanged), logged.

        Each changed field goes into the review log with who, when, the old and the new
        value; an edit that changes nothing stores nothing. The relations and codes are
        checked again on stored data at :meth:`transfer`.

        Raises:
            NotFoundError: no such request.
            RequestStatusError: the request is not under review.
            InvalidInputError: a bad value, named; a line on a relation not named.
        """
        at = self._clock.now()
        return self._change(
            request_id,
            lambda request: request.edit(
                at=at,
                by=by,
                address=address,
                window=window,
                lines=lines,
                relation_ids=relation_ids,
            ),
        )

    def add_note(
        self, request_id: str, text: str, *, by: str, public: bool = False
    ) -> ServiceRequest:
        """Add a note by ``by``; a ``public`` one is shown to the customer, others stay internal.

        Raises:
            NotFoundError: no such request.
            TypeMismatchError, InvalidInputError: a bad argument, named.
        """
        is_str.check(text, "text")
        is_bool.check(public, "public")
        at = self._clock.now()
        return self._change(
            request_id, lambda request: request.add_note(text, at=at, by=by, public=public)
        )

    def reject(self, request_id: str, reason_code: str, *, by: str) -> ServiceRequest:
        """Reject the request (AX's *Delete*): it is kept, with the reason code.

        Raises:
            NotFoundError: no such request.
            RequestStatusError: the request is transferred, rejected or withdrawn.
            InvalidInputError: a blank ``reason_code``.
        """
        at = self._clock.now()
        return self._change(request_id, lambda request: request.reject(reason_code, at=at, by=by))

    def withdraw(self, request_id: str, *, customer_id: str) -> ServiceRequest:
        """The customer ``customer_id`` (a portal's logged-in customer) withdraws the request.

        Another customer's request is refused as if it did not exist, so a portal
        leaks no request ids.

        Raises:
            NotFoundError: no such request, or not ``customer_id``'s.
            RequestStatusError: the request is transferred, rejected or withdrawn.
        """
        is_id.check(customer_id, "customer_id")
        at = self._clock.now()

        def decide(request: ServiceRequest) -> tuple[ServiceRequest, tuple[DomainEvent, ...]]:
            if request.customer_id != customer_id:
                raise NotFoundError("ServiceRequest", request.id)
            return request.withdraw(at=at)

        return self._change(request_id, decide)

    # ------------------------------------------------------------------ transfer

    def transfer(
        self,
        request_id: str,
        *,
        order_id: str | None = None,
        propose_booking: bool = False,
    ) -> TransferResult:
        """Transfer the reviewed request to a new service order, in one unit of work.

        The submit rules run again on stored data (the agreement, the customer's
        relations, the taxonomy, the SLA's calendar); the order
        (:meth:`ServiceRequest.transfer <servicedomain.requests.ServiceRequest.transfer>`)
        has origin web, ``incoming`` and ``request_id``, the agreement's effective SLA
        started by the desk's ``sla_start`` policy; its new order relations are cached
        on their stored service objects (law R8). ``order_id`` defaults to
        ``SO-<request id>``.

        With ``propose_booking``, the same unit of work stores the visit's requirement
        (id ``<order id>/visit``, the requested window, the desk's ``visit_duration``,
        the SLA's deadline when the desk has ``slas``) and ranks every stored
        technician for it: :attr:`TransferResult.proposal` is the best one (nothing is
        booked: the dispatcher books it), ``None`` with the reasons in
        :attr:`TransferResult.candidates` when nobody fits.

        Exactly one order per request (law Q1): a retry after a transfer, or the loser
        of two transfers at once, gets the stored order (and the stored requirement's
        candidates, when one was proposed) and stores nothing.

        Raises:
            NotFoundError: no such request; the agreement is not stored.
            RequestStatusError: the request is not under review.
            RequestRuleError: ``request.transferred_once`` (transferred to another
                order id), or a submit rule.
            AlreadyExistsError: an order of ``order_id`` exists already.
            InvalidInputError, TypeMismatchError: a bad argument, named; the requested
                window is shorter than the visit (``propose_booking``).
        """
        is_id.check(request_id, "request_id")
        is_optional_id.check(order_id, "order_id")
        is_bool.check(propose_booking, "propose_booking")
        try:
            return self._transfer_once(request_id, order_id, propose_booking)
        except ConcurrencyConflictError:
            with self._open() as uow:
                request = self._load(uow, request_id)
                if request.status is not RequestStatus.TRANSFERRED:
                    raise
                return self._stored_transfer(uow, request, order_id, propose_booking)

    def _transfer_once(
        self, request_id: str, order_id: str | None, propose_booking: bool
    ) -> TransferResult:
        with self._open() as uow:
            request = self._load(uow, request_id)
            if request.status is RequestStatus.TRANSFERRED:
                return self._stored_transfer(uow, request, order_id, propose_booking)
            target = _default_order_id(request.id) if order_id is None else order_id
            at = self._clock.now()
            agreement = self._agreement(uow, request.agreement_id)
            sla = self._sla(agreement)
            moved, order, events = request.transfer(
                self._graph,
                order_id=target,
                at=at,
                agreement=agreement,
                relations=self._relations(
                    uow, request.customer_id, agreement, request.relation_ids
                ),
                taxonomy=self._taxonomy,
                sla_start=self._sla_start,
                calendar=None if sla is None else sla.calendar,
            )
            if order is None:  # the domain's retry answer; the status check above came first
                raise InvalidInputError("request_id", request_id, "the request is transferred")
            uow.service_requests.save(moved, expected_version=request.version)
            uow.service_orders.add(order)
            uow.collect(events)
            cache_where_stored(uow, order.object_relations, at=at)
            need: Requirement | None = None
            ranked: CandidateList | None = None
            if propose_booking:
                need, ranked = self._propose(uow, moved, order, sla, at)
            uow.commit()
        return TransferResult(request=moved, order=order, requirement=need, candidates=ranked)

    def _stored_transfer(
        self,
        uow: RequestUnitOfWork,
        request: ServiceRequest,
        order_id: str | None,
        propose_booking: bool,
    ) -> TransferResult:
        """What a transfer of the transferred ``request`` returns: the stored order."""
        target = request.order_id if order_id is None else order_id
        request.transfer(  # a retry to its own order: the domain makes nothing
            self._graph,
            order_id=cast("str", target),
            at=request.recorded_at,
            agreement=None,
            relations=(),
            taxonomy=self._taxonomy,
        )
        order = uow.service_orders.get(cast("str", request.order_id))
        need: Requirement | None = None
        ranked: CandidateList | None = None
        if propose_booking:
            requirements = _port(uow, "requirements", "proposes bookings")
            for stored in requirements.for_order(order.id):
                if stored.id == _visit_requirement_id(order.id):
                    need = cast("Requirement", stored)
                    ranked = self._rank(uow, need)
        return TransferResult(request=request, order=order, requirement=need, candidates=ranked)

    def _propose(
        self,
        uow: RequestUnitOfWork,
        request: ServiceRequest,
        order: ServiceOrder,
        sla: ServiceLevelAgreement | None,
        at: datetime,
    ) -> tuple[Requirement, CandidateList]:
        """Store the visit's requirement in ``uow`` and rank the stored technicians."""
        requirements = _port(uow, "requirements", "proposes bookings")
        deadline = None if sla is None else order.measure_sla(sla, now=at).deadline
        need = requirement_for(
            order,
            id=_visit_requirement_id(order.id),
            duration=self._visit_duration,
            window=Interval(request.window.start, request.window.end),
            sla_deadline=deadline,
        )
        requirements.add(need)
        return need, self._rank(uow, need)

    @staticmethod
    def _rank(uow: RequestUnitOfWork, need: Requirement) -> CandidateList:
        technicians = _port(uow, "technicians", "proposes bookings").list()
        bookings = _port(uow, "bookings", "proposes bookings")
        known = [b for t in technicians for b in bookings.for_technician(t.id, need.window)]
        return candidates(need, technicians, known)

    # ------------------------------------------------------------------ reads

    def request(self, request_id: str) -> ServiceRequest:
        """The stored request ``request_id`` (the internal view: notes and log included).

        Raises:
            NotFoundError: no such request.
        """
        is_id.check(request_id, "request_id")
        with self._open() as uow:
            return self._load(uow, request_id)

    def requests(self, *statuses: RequestStatus) -> builtins.list[ServiceRequest]:
        """The stored requests in any of ``statuses`` (none: every request), in id order.

        Raises:
            InvalidInputError: a status that is not a RequestStatus, named ``statuses[i]``.
        """
        for index, status in enumerate(statuses):
            _STATUS.check(status, f"statuses[{index}]")
        with self._open() as uow:
            return uow.service_requests.with_status(*statuses)

    def customer_view(self, request_id: str, *, customer_id: str) -> CustomerRequestView:
        """What the customer ``customer_id`` sees of the request (for a portal, as JSON).

        The planned visit: the order's booked visit (a committed, in-progress or
        completed booking of one of its requirements; the earliest when there are
        several; a proposal or a canceled booking is no plan), else the order's
        preferred service time (start and end that instant), else ``None``.

        Raises:
            NotFoundError: no such request, or not ``customer_id``'s (its existence is
                not leaked).
        """
        is_id.check(request_id, "request_id")
        is_id.check(customer_id, "customer_id")
        with self._open() as uow:
            request = self._load(uow, request_id)
            if request.customer_id != customer_id:
                raise NotFoundError("ServiceRequest", request_id)
            planned = None if request.order_id is None else self._planned(uow, request.order_id)
        return customer_view(request, planned=planned)

    @staticmethod
    def _planned(uow: RequestUnitOfWork, order_id: str) -> tuple[datetime, datetime] | None:
        requirements = getattr(uow, "requirements", None)
        bookings = getattr(uow, "bookings", None)
        if requirements is not None and bookings is not None:
            booked = [
                booking
                for need in requirements.for_order(order_id)
                for booking in bookings.for_requirement(need.id)
                if booking.status in _PLANNED
            ]
            if booked:
                first = min(booked, key=lambda booking: (booking.start, booking.id))
                return first.start, first.end
        preferred = uow.service_orders.get(order_id).preferred_service_at
        return None if preferred is None else (preferred, preferred)
