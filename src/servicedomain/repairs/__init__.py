"""Repair management: service objects, their warranty, the fault taxonomy, service BOMs.

The rules (AX 2012 Service management, repair management):

* A service object (:class:`ServiceObject`) is a customer's asset: an id, a
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
* A repair line (:class:`RepairLine`, AX ``SMARepairLine``) is one step of a repair on
  a service order: the order owns its repair lines and its operations add, change, move
  to a repair stage and delete them, each naming an object relation of that order and
  codes of a taxonomy. Entering a *Finished* stage stamps the finish time and freezes
  the line but for its note (law R5). :func:`repair_status` derives where the repair
  stands.
* A service BOM (:class:`ServiceBom`) is the local copy of a :class:`TemplateBom` (a
  tree of :class:`BomLine` values, made by hand or copied from another BOM, edited
  freely) that :meth:`ServiceBom.attach` makes on an object relation. Every change of
  its lines is an event with the day and the service order it happened on, in AX's
  five change actions (:data:`BomChange`): :class:`BomLineInserted`,
  :class:`BomLineDeleted`, :class:`BomLineReplaced` (which may carry a
  :class:`BillableItem` for the application to put on the order),
  :class:`BomQuantityUpdated` and :class:`BomQuantityReplaced`.
  :meth:`ServiceBom.as_of` rebuilds any day (laws R1, R2), :meth:`ServiceBom.move_to`
  moves the whole history to another relation of the object (R3), and
  :meth:`ServiceBom.to_template` makes a new template of any day's lines.
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

>>> from datetime import UTC, date, datetime
>>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
>>> template = TemplateBom(id="T-PC", lines=[
...     BomLine(line_id="1", item_id="PC", quantity=1, unit="pcs"),
...     BomLine(line_id="2", item_id="GPU-1", quantity=1, unit="pcs", parent_id="1",
...             serial_number="G-100"),
... ])
>>> relation = ServiceObjectRelation("R-1", "OBJ-1", RelationKind.ORDER, "SO-7")
>>> bom, _ = ServiceBom.attach(template, id="B-1", relation=relation, on=date(2026, 3, 1), at=at)
>>> bom, (change,) = bom.replace_item(
...     "2", new_item_id="GPU-2", new_serial_number="G-200",
...     on=date(2026, 3, 5), order_id="SO-7", at=at,
... )
>>> change.old_serial_number, change.line.item_id, change.line.quantity
('G-100', 'GPU-2', Decimal('1'))
>>> [line.item_id for line in bom.as_of(date(2026, 3, 4))]
['PC', 'GPU-1']
"""

from __future__ import annotations

from servicedomain.repairs._bom import ServiceBom, replay_bom
from servicedomain.repairs._bom_events import (
    BOM_CHANGES,
    BillableItem,
    BomChange,
    BomLineDeleted,
    BomLineInserted,
    BomLineReplaced,
    BomQuantityReplaced,
    BomQuantityUpdated,
    ServiceBomAttached,
    ServiceBomMoved,
)
from servicedomain.repairs._bom_lines import BomLine, TemplateBom
from servicedomain.repairs._events import (
    ServiceObjectCreated,
    ServiceObjectRelationAdded,
    ServiceObjectRelationRemoved,
    TemplateBomAssigned,
    WarrantyCoverageChanged,
)
from servicedomain.repairs._objects import ServiceObject, warranty_status
from servicedomain.repairs._relations import RelationKind, ServiceObjectRelation
from servicedomain.repairs._repair_lines import (
    RepairLine,
    RepairLineChanges,
    RepairStatus,
    repair_status,
)
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
    "BOM_CHANGES",
    "BillableItem",
    "BomChange",
    "BomLine",
    "BomLineDeleted",
    "BomLineInserted",
    "BomLineReplaced",
    "BomQuantityReplaced",
    "BomQuantityUpdated",
    "Condition",
    "CoverageKind",
    "CoverageStatus",
    "DiagnosisArea",
    "DiagnosisCode",
    "FaultTaxonomy",
    "PastRepair",
    "RelationKind",
    "RepairLine",
    "RepairLineChanges",
    "RepairStage",
    "RepairStatus",
    "Resolution",
    "ServiceBom",
    "ServiceBomAttached",
    "ServiceBomMoved",
    "ServiceObject",
    "ServiceObjectCreated",
    "ServiceObjectRelation",
    "ServiceObjectRelationAdded",
    "ServiceObjectRelationRemoved",
    "SuggestedResolution",
    "SuggestionCounts",
    "SymptomArea",
    "SymptomCode",
    "TemplateBom",
    "TemplateBomAssigned",
    "WarrantyCoverage",
    "WarrantyCoverageChanged",
    "WarrantyStatus",
    "repair_status",
    "replay_bom",
    "suggest_resolutions",
    "warranty_status",
]
