"""Repair management: service objects, their warranty, and the fault taxonomy.

The rules (AX 2012 Service management, repair management):

* A service object (:class:`ServiceObjectEntity`) is a customer's asset: an id, a
  description, a service object group (required), optionally an item and a serial
  number, at most one template BOM, the warranty coverage of each
  :class:`CoverageKind`, and :class:`ServiceObjectRelation` values that attach it to an
  agreement or an order. Its operations return the new snapshot and its events.
* Warranty is derived, never stored: :func:`warranty_status` tells, for a day, which
  kinds cover it and until when. A coverage is a half-open ``[start, end)`` range of
  days, built from the inclusive dates people type with
  :meth:`WarrantyCoverage.inclusive`.
* The fault taxonomy (:class:`FaultTaxonomy`) is rule data: symptom areas and codes,
  conditions, diagnosis areas and codes, resolutions and repair stages (a *Finished*
  stage closes a repair line). A code belongs to its area; an unknown code, or one
  looked up in another area, raises :class:`~servicedomain.errors.UnknownCodeError`
  naming both. A rules file holds taxonomies in its ``fault_taxonomies`` section.
* :func:`suggest_resolutions` ranks the diagnoses and resolutions of past finished
  repair lines (any :class:`PastRepair`) for a symptom and condition, by frequency
  with a documented back-off from the exact symptom to its code and area; each
  :class:`SuggestedResolution` carries the :class:`SuggestionCounts` behind its score.

>>> taxonomy = FaultTaxonomy.from_dict({
...     "symptom_areas": [{"id": "hard drive"}],
...     "symptom_codes": [{"area": "hard drive", "id": "blue screen"}],
... })
>>> taxonomy.symptom_code("hard drive", "blue screen").area_id
'hard drive'
"""

from __future__ import annotations

from servicedomain.repairs._events import (
    ServiceObjectCreated,
    ServiceObjectRelationAdded,
    ServiceObjectRelationRemoved,
    TemplateBomAssigned,
    WarrantyCoverageChanged,
)
from servicedomain.repairs._objects import ServiceObjectEntity, warranty_status
from servicedomain.repairs._relations import RelationKind, ServiceObjectRelation
from servicedomain.repairs._suggestions import (
    PastRepair,
    SuggestedResolution,
    SuggestionCounts,
    suggest_resolutions,
)
from servicedomain.repairs._taxonomy import (
    Condition,
    DiagnosisArea,
    DiagnosisCode,
    FaultTaxonomy,
    RepairStage,
    Resolution,
    SymptomArea,
    SymptomCode,
)
from servicedomain.repairs._warranty import (
    CoverageKind,
    CoverageStatus,
    WarrantyCoverage,
    WarrantyStatus,
)

__all__ = [
    "Condition",
    "CoverageKind",
    "CoverageStatus",
    "DiagnosisArea",
    "DiagnosisCode",
    "FaultTaxonomy",
    "PastRepair",
    "RelationKind",
    "RepairStage",
    "Resolution",
    "ServiceObjectCreated",
    "ServiceObjectEntity",
    "ServiceObjectRelation",
    "ServiceObjectRelationAdded",
    "ServiceObjectRelationRemoved",
    "SuggestedResolution",
    "SuggestionCounts",
    "SymptomArea",
    "SymptomCode",
    "TemplateBomAssigned",
    "WarrantyCoverage",
    "WarrantyCoverageChanged",
    "WarrantyStatus",
    "suggest_resolutions",
    "warranty_status",
]
