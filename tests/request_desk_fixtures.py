"""A memory store with customer C-1's agreement, old order, objects and a technician.

The request of :mod:`requests_fixtures` names two relations: ``AG-1/PUMP-1`` (the
agreement's) and ``SO-OLD/BOILER-1`` (of C-1's older order SO-OLD); both objects are
stored and cache their relations (law R8), so the desk finds them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

import requests_fixtures as rf
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryEventPublisher, InMemoryStore, InMemoryUnitOfWork
from servicedomain.agreements import ServiceAgreement
from servicedomain.app import RequestDesk
from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import Technician
from servicedomain.orders import ServiceOrder
from servicedomain.repairs import ServiceObject, ServiceObjectRelation
from servicedomain.requests import SlaStart
from servicedomain.sla import Allowance, ServiceLevelAgreement, SlaTargets
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH
from servicedomain.testing.faults import DEFAULT_PORTS, FaultPlan

DAY = WorkingCalendar.standard("UTC", slots=["08:00-17:00"], id="DAY")
SLA = ServiceLevelAgreement(
    id="SLA-1", targets=SlaTargets(resolution=Allowance(hours=8)), calendar=DAY
)
SLAS = {"SLA-1": SLA}
PORTS = DEFAULT_PORTS | {"service_requests"}
"""The ports a fault plan counts for the request desk (its requests included)."""


def _object(relation: ServiceObjectRelation) -> ServiceObject:
    made, _ = ServiceObject.create(
        id=relation.object_id, group_id="HEAT", at=rf.SUBMITTED - timedelta(days=60)
    )
    related, _ = made.relate(
        relation_id=relation.id,
        kind=relation.kind,
        key=relation.key,
        at=rf.SUBMITTED - timedelta(days=30),
    )
    return related


def old_order(customer_id: str = "C-1") -> ServiceOrder:
    """Order SO-OLD of ``customer_id``, which relates BOILER-1 (``OTHER_RELATION``)."""
    made, _ = ServiceOrder.create(
        GRAPH,
        id="SO-OLD",
        customer_id=customer_id,
        at=rf.SUBMITTED - timedelta(days=30),
        object_relations=(rf.OTHER_RELATION,),
    )
    return made


@attrs.define
class World:
    """A store set up for customer C-1, a publisher, and a clock the tests move."""

    store: InMemoryStore = attrs.Factory(InMemoryStore)
    publisher: InMemoryEventPublisher = attrs.Factory(InMemoryEventPublisher)
    clock: FixedClock = attrs.Factory(lambda: FixedClock(rf.SUBMITTED))
    old_order_customer: str = "C-1"

    def __attrs_post_init__(self) -> None:
        self.store.repository(ServiceAgreement).add(rf.agreement())
        self.store.repository(ServiceOrder).add(old_order(self.old_order_customer))
        for relation in (rf.AGREEMENT_RELATION, rf.OTHER_RELATION):
            self.store.repository(ServiceObject).add(_object(relation))
        tech, _ = Technician.create(id="W-9", calendar=DAY, at=rf.SUBMITTED)
        self.store.repository(Technician).add(tech)

    def uow(self, plan: FaultPlan | None = None) -> InMemoryUnitOfWork:
        made = InMemoryUnitOfWork(self.store, publisher=self.publisher)
        return made if plan is None else plan.wrap(made)

    def desk(
        self,
        plan: FaultPlan | None = None,
        *,
        sla_start: SlaStart = SlaStart.SUBMISSION,
        visit_duration: timedelta = timedelta(hours=1),
    ) -> RequestDesk:
        return RequestDesk(
            unit_of_work=lambda: self.uow(plan),
            clock=self.clock,
            graph=GRAPH,
            taxonomy=rf.TAXONOMY,
            slas=SLAS,
            sla_start=sla_start,
            visit_duration=visit_duration,
        )

    def at(self, instant: datetime) -> None:
        """Move the clock to ``instant``."""
        self.clock = FixedClock(instant)

    def state(self) -> object:
        """Everything stored and published."""
        uow = InMemoryUnitOfWork(self.store)
        return (
            uow.service_requests.list(),
            uow.service_orders.list(),
            uow.agreements.list(),
            uow.service_objects.list(),
            uow.requirements.list(),
            uow.bookings.list(),
            self.publisher.published,
        )
