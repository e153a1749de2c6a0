"""Builders shared by the tests of reports, the desks and the demo-like flows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from servicedomain.adapters.clocks import FixedClock
from servicedomain.agreements import (
    AgreementGroup,
    IntervalUnit,
    NewAgreementLine,
    ServiceAgreement,
    ServiceInterval,
)
from servicedomain.app import ServiceDesk
from servicedomain.calendars import ClosedDays
from servicedomain.money import Money
from servicedomain.orders import (
    JournalEntry,
    NewLine,
    ServiceOrder,
    ServiceTask,
    TransactionType,
)
from servicedomain.ports import AgreementUnitOfWork, Clock, Journal
from servicedomain.repairs import FaultTaxonomy, RelationKind, ServiceObject, ServiceObjectRelation
from servicedomain.sla import ServiceLevelAgreement, SlaParameters
from servicedomain.stages import EXAMPLE_STAGE_GRAPH, StageGraph

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)


def service_desk_over(
    uow: AgreementUnitOfWork,
    clock: Clock | None = None,
    *,
    graph: StageGraph = EXAMPLE_STAGE_GRAPH,
    slas: Mapping[str, ServiceLevelAgreement] | None = None,
    sla_parameters: SlaParameters | None = None,
    journals: Mapping[TransactionType, Journal[JournalEntry]] | None = None,
    closed_days: ClosedDays | None = None,
    zone: ZoneInfo | str | None = None,
) -> ServiceDesk:
    """A :class:`ServiceDesk` whose every unit of work is ``uow`` (entered again each time).

    The clock defaults to a fixed one at :data:`AT`.
    """
    return ServiceDesk(
        unit_of_work=lambda: uow,
        clock=FixedClock(AT) if clock is None else clock,
        graph=graph,
        slas=slas,
        sla_parameters=sla_parameters,
        journals=journals,
        closed_days=closed_days,
        zone=zone,
    )


def line(
    kind: TransactionType,
    quantity: str,
    cost: str,
    sales: str,
    *,
    currency: str = "EUR",
    description: str = "",
    service_object_id: str | None = None,
    service_task_id: str | None = None,
) -> NewLine:
    return NewLine(
        transaction_type=kind,
        description=description,
        quantity=Decimal(quantity),
        unit="h" if kind is TransactionType.HOUR else "pcs",
        cost_price=Money(Decimal(cost), currency),
        sales_price=Money(Decimal(sales), currency),
        execution_date=DAY,
        service_object_id=service_object_id,
        service_task_id=service_task_id,
    )


def boiler_order(order_id: str = "SO-1", *lines: NewLine) -> ServiceOrder:
    order, _ = ServiceOrder.create(
        EXAMPLE_STAGE_GRAPH,
        id=order_id,
        customer_id="C-100",
        at=AT,
        description="Annual boiler service",
        service_address="1 Rue de la Paix, Paris",
        preferred_technician_id="T-7",
        object_relations=(
            ServiceObjectRelation("REL-BOILER-1", "BOILER-1", RelationKind.ORDER, order_id),
        ),
        service_tasks=(ServiceTask("INSPECT", "Inspection & cleaning"),),
        lines=lines,
    )
    return order


def pump_agreement(agreement_id: str, *, default_sla_id: str | None = None) -> ServiceAgreement:
    """An agreement of customer C-1 from Jan 1, 2026: one hour a month on PUMP-1 from Jan 15."""
    agreement, _ = ServiceAgreement.create(
        id=agreement_id,
        customer_id="C-1",
        group=AgreementGroup("G", default_sla_id=default_sla_id),
        start_date=date(2026, 1, 1),
        at=AT,
        object_relations=(
            ServiceObjectRelation(
                f"{agreement_id}/PUMP-1", "PUMP-1", RelationKind.AGREEMENT, agreement_id
            ),
        ),
        lines=[
            NewAgreementLine(
                transaction_type=TransactionType.HOUR,
                quantity=Decimal(1),
                cost_price=Money(40, "EUR"),
                sales_price=Money(85, "EUR"),
                service_object_id="PUMP-1",
                interval=ServiceInterval(IntervalUnit.MONTH, 1),
                start_date=date(2026, 1, 15),
            )
        ],
    )
    return agreement


def boiler() -> ServiceObject:
    """The service object BOILER-1 of :func:`boiler_order`, described for work documents."""
    obj, _ = ServiceObject.create(
        id="BOILER-1", group_id="BOILERS", description="Gas boiler <X200>", at=AT
    )
    return obj


REPAIRS = FaultTaxonomy.from_dict(
    {
        "symptom_areas": [{"id": "burner"}],
        "symptom_codes": [{"area": "burner", "id": "no ignition"}],
        "diagnosis_areas": [{"id": "part"}],
        "diagnosis_codes": [{"area": "part", "id": "igniter replaced"}],
        "resolutions": [{"id": "replaced"}],
        "repair_stages": [{"id": "DIAGNOSIS"}, {"id": "REPAIRED", "finished": True}],
    }
)
"""The fault taxonomy of :func:`repaired_order`."""


def repaired_order(order_id: str) -> ServiceOrder:
    """:func:`boiler_order` with two repair lines on the boiler: one repaired, one open."""
    order = boiler_order(order_id)
    order, _ = order.add_repair_line(
        EXAMPLE_STAGE_GRAPH,
        REPAIRS,
        relation_id="REL-BOILER-1",
        at=AT,
        symptom_area_id="burner",
        symptom_code_id="no ignition",
        diagnosis_area_id="part",
        diagnosis_code_id="igniter replaced",
        resolution_id="replaced",
        technician_id="T-7",
        description="Igniter",
        note="Under warranty",
    )
    order, _ = order.move_repair_line(EXAMPLE_STAGE_GRAPH, REPAIRS, 1, "REPAIRED", at=AT)
    order, _ = order.add_repair_line(
        EXAMPLE_STAGE_GRAPH, REPAIRS, relation_id="REL-BOILER-1", at=AT, stage_id="DIAGNOSIS"
    )
    return order


def renoted(order: ServiceOrder) -> ServiceOrder:
    """``order`` (from :func:`repaired_order`) with a new note on its finished repair line."""
    changed, _ = order.change_repair_line(
        EXAMPLE_STAGE_GRAPH, REPAIRS, 1, at=AT, note=order.repair_line(1).note + "+"
    )
    return changed
