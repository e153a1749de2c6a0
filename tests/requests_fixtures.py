"""A customer service request under agreement AG-1 and its surroundings, for the tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from servicedomain.agreements import AgreementGroup, ServiceAgreement
from servicedomain.repairs import (
    Condition,
    FaultTaxonomy,
    RelationKind,
    ServiceObjectRelation,
    SymptomArea,
    SymptomCode,
)
from servicedomain.requests import (
    RequestedRepairLine,
    RequestWindow,
    ServiceRequest,
    Submission,
)

SUBMITTED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
REVIEWED = SUBMITTED + timedelta(hours=2)
TRANSFERRED = SUBMITTED + timedelta(hours=4)
WINDOW = RequestWindow(datetime(2026, 3, 3, 9, tzinfo=UTC), datetime(2026, 3, 3, 12, tzinfo=UTC))

TAXONOMY = FaultTaxonomy(
    symptom_areas=(SymptomArea("SA-1", "heating"),),
    symptom_codes=(SymptomCode("SA-1", "SC-1", "leaks"),),
    conditions=(Condition("CO-1", "always"),),
)

AGREEMENT_RELATION = ServiceObjectRelation("AG-1/PUMP-1", "PUMP-1", RelationKind.AGREEMENT, "AG-1")
"""A relation of the request's agreement: copied onto the order as is."""

OTHER_RELATION = ServiceObjectRelation("SO-OLD/BOILER-1", "BOILER-1", RelationKind.ORDER, "SO-OLD")
"""A relation of another of the customer's documents: a new order relation on transfer."""

RELATIONS = (OTHER_RELATION,)
"""The customer's known relations (besides the agreement's own)."""


def agreement(**changes: object) -> ServiceAgreement:
    """Agreement AG-1 of customer C-1, March 2026, SLA SLA-1, project PRJ-1, PUMP-1 related."""
    fields: dict[str, object] = {
        "id": "AG-1",
        "customer_id": "C-1",
        "group": AgreementGroup("G", default_sla_id="SLA-1"),
        "start_date": date(2026, 3, 1),
        "end_date": date(2026, 3, 31),
        "project_id": "PRJ-1",
        "at": SUBMITTED - timedelta(days=30),
        "object_relations": (AGREEMENT_RELATION,),
        **changes,
    }
    made, _ = ServiceAgreement.create(**fields)  # type: ignore[arg-type]
    return made


def submission(**changes: object) -> Submission:
    """Customer C-1's submission under AG-1 about PUMP-1 and BOILER-1, two lines."""
    fields: dict[str, object] = {
        "customer_id": "C-1",
        "contact": "Ann, 0701-234567",
        "agreement_id": "AG-1",
        "relation_ids": (AGREEMENT_RELATION.id, OTHER_RELATION.id),
        "window": WINDOW,
        "address": "Storgatan 1",
        "lines": (
            RequestedRepairLine(
                number=1,
                relation_id=AGREEMENT_RELATION.id,
                condition_id="CO-1",
                symptom_area_id="SA-1",
                symptom_code_id="SC-1",
                description="drips",
            ),
            RequestedRepairLine(number=2, relation_id=OTHER_RELATION.id, description="noisy"),
        ),
        "text": "The pump drips and the boiler is noisy",
        "attachments": ("file://photo-1.jpg",),
        "idempotency_key": "portal-42",
        **changes,
    }
    return Submission(**fields)  # type: ignore[arg-type]


def submitted(**changes: object) -> ServiceRequest:
    """The submission as request REQ-1, submitted at :data:`SUBMITTED`."""
    request, _ = ServiceRequest.submit(
        submission(**changes),
        id="REQ-1",
        at=SUBMITTED,
        agreement=agreement(),
        relations=RELATIONS,
        taxonomy=TAXONOMY,
    )
    return request


def under_review() -> ServiceRequest:
    """REQ-1 under review since :data:`REVIEWED`."""
    request, _ = submitted().start_review(at=REVIEWED, by="W-1")
    return request
