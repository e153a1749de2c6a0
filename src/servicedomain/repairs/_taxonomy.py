"""The fault taxonomy: symptoms, conditions, diagnoses, resolutions and repair stages.

Rule data, as AX's repair setup (``SMASymptomCode``, ``SMADiagnosisCode``,
``SMARepairStage``): a symptom code belongs to a symptom area and a diagnosis code to a
diagnosis area, both keyed by (area, code); conditions, resolutions and repair stages
stand alone, and a repair stage may be *Finished* (a repair line entering it is done).
A :class:`FaultTaxonomy` holds them all, refuses a code of an area it does not define,
and looks codes up, refusing an unknown one with the area and the code named
(:class:`~servicedomain.errors.UnknownCodeError`). It reads itself from a dict (a TOML
or JSON rules file's ``[fault_taxonomies.NAME]`` table) and writes itself back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, TypeVar

import attrs

from servicedomain._checks import (
    check_keys,
    deep_iterable,
    first_duplicate,
    instance_of,
    is_bool,
    is_id,
    is_str,
)
from servicedomain.errors import InvalidInputError, TypeMismatchError, UnknownCodeError

_T = TypeVar("_T")


@attrs.frozen
class SymptomArea:
    """An area symptoms are grouped in (``"hard drive"``), AX's symptom area."""

    id: str = attrs.field(validator=is_id)
    description: str = attrs.field(default="", validator=is_str)


@attrs.frozen
class SymptomCode:
    """A symptom, the customer's description of the fault, keyed by (area, code).

    >>> SymptomCode("hard drive", "blue screen")
    SymptomCode(area_id='hard drive', id='blue screen', description='')
    """

    area_id: str = attrs.field(validator=is_id)
    id: str = attrs.field(validator=is_id)
    description: str = attrs.field(default="", validator=is_str)


@attrs.frozen
class Condition:
    """The situation in which a fault occurs (``"fails after extended use"``)."""

    id: str = attrs.field(validator=is_id)
    description: str = attrs.field(default="", validator=is_str)


@attrs.frozen
class DiagnosisArea:
    """An area diagnoses are grouped in (``"defective part"``)."""

    id: str = attrs.field(validator=is_id)
    description: str = attrs.field(default="", validator=is_str)


@attrs.frozen
class DiagnosisCode:
    """A diagnosis (the operation needed, how it was handled), keyed by (area, code)."""

    area_id: str = attrs.field(validator=is_id)
    id: str = attrs.field(validator=is_id)
    description: str = attrs.field(default="", validator=is_str)


@attrs.frozen
class Resolution:
    """How a repair ended (``"repaired"``, ``"replaced"``, ``"canceled by customer"``)."""

    id: str = attrs.field(validator=is_id)
    description: str = attrs.field(default="", validator=is_str)


@attrs.frozen
class RepairStage:
    """A stage of a repair line; a *Finished* stage closes the line (AX ``SMARepairStage``).

    Attributes:
        id: the stage id.
        name: its name, for people.
        finished: a repair line entering this stage is finished.
    """

    id: str = attrs.field(validator=is_id)
    name: str = attrs.field(default="", validator=is_str)
    finished: bool = attrs.field(default=False, validator=is_bool)


def _items_of(cls: type[Any]) -> Any:
    return deep_iterable(instance_of(cls))


_Keyed = Callable[[Any], object]


def _check_unique(field: str, items: Sequence[Any], key: _Keyed, what: str) -> None:
    repeated = first_duplicate(key(item) for item in items)
    if repeated is not None:
        raise InvalidInputError(field, repeated, f"{what} is defined once in a taxonomy")


def _sorted_ids(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(ids))


def _find(table: Mapping[str, _T], value: object, field: str, kind: str) -> _T:
    key = is_id.check(value, field)
    found = table.get(key)
    if found is None:
        raise UnknownCodeError(field, key, kind, known=_sorted_ids(table))
    return found


@attrs.frozen
class FaultTaxonomy:
    """The repair setup: fault codes by area, conditions, resolutions and repair stages.

    Every symptom code names a symptom area of the taxonomy and every diagnosis code a
    diagnosis area of it; ids are unique within their kind, codes within their area.
    The lookups refuse an unknown id with an
    :class:`~servicedomain.errors.UnknownCodeError` naming the area and the code.

    Raises:
        TypeMismatchError: a field that is not a tuple of its kind of value.
        InvalidInputError: an id defined twice (``field`` names the kind).
        UnknownCodeError: a code whose area is not defined (``field`` is
            ``"symptom_codes[i].area_id"`` or ``"diagnosis_codes[i].area_id"``).

    >>> taxonomy = FaultTaxonomy(
    ...     symptom_areas=(SymptomArea("hard drive"),),
    ...     symptom_codes=(SymptomCode("hard drive", "blue screen"),),
    ... )
    >>> taxonomy.symptom_code("hard drive", "blue screen").id
    'blue screen'
    >>> taxonomy.symptom_code("hard drive", "no power")
    Traceback (most recent call last):
    servicedomain.errors.UnknownCodeError: code_id='no power': no symptom code 'no power' \
in symptom area 'hard drive'; known: 'blue screen'
    """

    symptom_areas: tuple[SymptomArea, ...] = attrs.field(
        default=(), validator=_items_of(SymptomArea)
    )
    symptom_codes: tuple[SymptomCode, ...] = attrs.field(
        default=(), validator=_items_of(SymptomCode)
    )
    conditions: tuple[Condition, ...] = attrs.field(default=(), validator=_items_of(Condition))
    diagnosis_areas: tuple[DiagnosisArea, ...] = attrs.field(
        default=(), validator=_items_of(DiagnosisArea)
    )
    diagnosis_codes: tuple[DiagnosisCode, ...] = attrs.field(
        default=(), validator=_items_of(DiagnosisCode)
    )
    resolutions: tuple[Resolution, ...] = attrs.field(default=(), validator=_items_of(Resolution))
    repair_stages: tuple[RepairStage, ...] = attrs.field(
        default=(), validator=_items_of(RepairStage)
    )
    _index: dict[str, Any] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        def by_id(item: Any) -> object:
            return item.id

        def by_code(item: Any) -> object:
            return (item.area_id, item.id)

        _check_unique("symptom_areas", self.symptom_areas, by_id, "a symptom area")
        _check_unique("symptom_codes", self.symptom_codes, by_code, "a symptom code of an area")
        _check_unique("conditions", self.conditions, by_id, "a condition")
        _check_unique("diagnosis_areas", self.diagnosis_areas, by_id, "a diagnosis area")
        _check_unique(
            "diagnosis_codes", self.diagnosis_codes, by_code, "a diagnosis code of an area"
        )
        _check_unique("resolutions", self.resolutions, by_id, "a resolution")
        _check_unique("repair_stages", self.repair_stages, by_id, "a repair stage")
        index: dict[str, Any] = {
            "symptom areas": {area.id: area for area in self.symptom_areas},
            "diagnosis areas": {area.id: area for area in self.diagnosis_areas},
            "conditions": {item.id: item for item in self.conditions},
            "resolutions": {item.id: item for item in self.resolutions},
            "repair stages": {item.id: item for item in self.repair_stages},
        }
        coded: tuple[tuple[str, tuple[SymptomCode | DiagnosisCode, ...], str], ...] = (
            ("symptom_codes", self.symptom_codes, "symptom"),
            ("diagnosis_codes", self.diagnosis_codes, "diagnosis"),
        )
        for field, codes, kind in coded:
            areas = index[f"{kind} areas"]
            by_area: dict[str, dict[str, Any]] = {area_id: {} for area_id in areas}
            for i, code in enumerate(codes):
                if code.area_id not in areas:
                    raise UnknownCodeError(
                        f"{field}[{i}].area_id",
                        code.area_id,
                        f"{kind} area",
                        known=_sorted_ids(areas),
                    )
                by_area[code.area_id][code.id] = code
            index[f"{kind} codes"] = by_area
        object.__setattr__(self, "_index", index)

    # ------------------------------------------------------------------ lookups

    def symptom_area(self, area_id: str) -> SymptomArea:
        """The symptom area ``area_id``.

        Raises:
            UnknownCodeError: the taxonomy defines no such area (``field`` ``"area_id"``).
        """
        found: SymptomArea = _find(self._index["symptom areas"], area_id, "area_id", "symptom area")
        return found

    def symptom_code(self, area_id: str, code_id: str) -> SymptomCode:
        """The symptom code ``code_id`` of symptom area ``area_id``.

        Raises:
            UnknownCodeError: no such area (``field`` ``"area_id"``), or no such code in
                it (``field`` ``"code_id"``; ``area_id`` is the area).
        """
        found: SymptomCode = self._code("symptom", area_id, code_id)
        return found

    def symptom_codes_in(self, area_id: str) -> tuple[SymptomCode, ...]:
        """The symptom codes of area ``area_id``, in the order the taxonomy lists them.

        Raises:
            UnknownCodeError: no such area.
        """
        self.symptom_area(area_id)
        return tuple(self._index["symptom codes"][area_id].values())

    def condition(self, condition_id: str) -> Condition:
        """The condition ``condition_id``.

        Raises:
            UnknownCodeError: the taxonomy defines no such condition.
        """
        found: Condition = _find(
            self._index["conditions"], condition_id, "condition_id", "condition"
        )
        return found

    def diagnosis_area(self, area_id: str) -> DiagnosisArea:
        """The diagnosis area ``area_id``.

        Raises:
            UnknownCodeError: the taxonomy defines no such area (``field`` ``"area_id"``).
        """
        found: DiagnosisArea = _find(
            self._index["diagnosis areas"], area_id, "area_id", "diagnosis area"
        )
        return found

    def diagnosis_code(self, area_id: str, code_id: str) -> DiagnosisCode:
        """The diagnosis code ``code_id`` of diagnosis area ``area_id``.

        Raises:
            UnknownCodeError: no such area (``field`` ``"area_id"``), or no such code in
                it (``field`` ``"code_id"``; ``area_id`` is the area).
        """
        found: DiagnosisCode = self._code("diagnosis", area_id, code_id)
        return found

    def diagnosis_codes_in(self, area_id: str) -> tuple[DiagnosisCode, ...]:
        """The diagnosis codes of area ``area_id``, in the order the taxonomy lists them.

        Raises:
            UnknownCodeError: no such area.
        """
        self.diagnosis_area(area_id)
        return tuple(self._index["diagnosis codes"][area_id].values())

    def resolution(self, resolution_id: str) -> Resolution:
        """The resolution ``resolution_id``.

        Raises:
            UnknownCodeError: the taxonomy defines no such resolution.
        """
        found: Resolution = _find(
            self._index["resolutions"], resolution_id, "resolution_id", "resolution"
        )
        return found

    def repair_stage(self, stage_id: str) -> RepairStage:
        """The repair stage ``stage_id`` (its ``finished`` flag says whether it closes a line).

        Raises:
            UnknownCodeError: the taxonomy defines no such stage.
        """
        found: RepairStage = _find(
            self._index["repair stages"], stage_id, "stage_id", "repair stage"
        )
        return found

    def _code(self, kind: str, area_id: object, code_id: object) -> Any:
        area = is_id.check(area_id, "area_id")
        code = is_id.check(code_id, "code_id")
        _find(self._index[f"{kind} areas"], area, "area_id", f"{kind} area")
        codes = self._index[f"{kind} codes"][area]
        found = codes.get(code)
        if found is None:
            raise UnknownCodeError("code_id", code, f"{kind} code", area, _sorted_ids(codes))
        return found

    # ------------------------------------------------------------------ rule dicts

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> FaultTaxonomy:
        """Build from a dict such as a TOML or JSON rules file gives.

        Every key is optional; each holds a list of tables::

            symptom_areas = [{id = "hard drive", description = "..."}]
            symptom_codes = [{area = "hard drive", id = "blue screen"}]
            conditions = [{id = "fails after extended use"}]
            diagnosis_areas = [{id = "defective part"}]
            diagnosis_codes = [{area = "defective part", id = "new video card installed"}]
            resolutions = [{id = "replaced"}]
            repair_stages = [{id = "DONE", name = "Repaired", finished = true}]

        ``description`` and ``name`` default to ``""``, ``finished`` to false.

        Raises:
            InvalidInputError: ``field`` is the culprit's path (``"symptom_codes[1].area"``):
                an unknown or missing key, a value of the wrong type, an id defined twice.
            UnknownCodeError: a code whose area is not defined (``"symptom_codes[i].area"``).

        >>> FaultTaxonomy.from_dict({"repair_stages": [{"id": "DONE", "finished": True}]})
        ... # doctest: +ELLIPSIS
        FaultTaxonomy(..., repair_stages=(RepairStage(id='DONE', name='', finished=True),))
        """
        check_keys(data, kind="FaultTaxonomy", optional=_SECTIONS)
        made: dict[str, tuple[Any, ...]] = {}
        for key, (reader, _writer) in _SECTIONS.items():
            entries = data.get(key, [])
            if isinstance(entries, str | bytes) or not isinstance(entries, Sequence):
                raise TypeMismatchError(
                    key, entries, f"expected a list of tables, got {type(entries).__name__}"
                )
            made[key] = tuple(reader(entry, f"{key}[{i}]") for i, entry in enumerate(entries))
        try:
            return cls(**made)
        except InvalidInputError as error:  # name the dict's key "area"
            field = error.field.replace(".area_id", ".area")
            if isinstance(error, UnknownCodeError):
                raise UnknownCodeError(
                    field, error.value, error.kind, error.area_id, error.known
                ) from None
            raise InvalidInputError(field, error.value, error.reason) from None

    def to_dict(self) -> dict[str, object]:
        """The taxonomy as plain data; :meth:`from_dict` reads it back to an equal one.

        Empty lists, empty descriptions and names, and ``finished = false`` are left out.
        """
        data: dict[str, object] = {}
        for key, (_reader, writer) in _SECTIONS.items():
            items = getattr(self, key)
            if items:
                data[key] = [writer(item) for item in items]
        return data


# --------------------------------------------------------------------- dict forms

_TEXT: Final = instance_of(str, expected="a string")
_FLAG: Final = instance_of(bool, expected="true or false")


def _record(value: object, path: str, kind: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    required = tuple(key for key in keys if key in ("id", "area"))
    optional = tuple(key for key in keys if key not in required)
    return check_keys(value, kind=kind, required=required, optional=optional, path=f"{path}.")


def _plain(cls: type[Any]) -> tuple[Callable[[object, str], Any], Callable[[Any], object]]:
    kind = cls.__name__

    def read(value: object, path: str) -> Any:
        entry = _record(value, path, kind, ("id", "description"))
        return cls(
            is_id.check(entry["id"], f"{path}.id"),
            _TEXT.check(entry.get("description", ""), f"{path}.description"),
        )

    def write(item: Any) -> object:
        return {"id": item.id, **({"description": item.description} if item.description else {})}

    return read, write


def _coded(cls: type[Any]) -> tuple[Callable[[object, str], Any], Callable[[Any], object]]:
    kind = cls.__name__

    def read(value: object, path: str) -> Any:
        entry = _record(value, path, kind, ("area", "id", "description"))
        return cls(
            is_id.check(entry["area"], f"{path}.area"),
            is_id.check(entry["id"], f"{path}.id"),
            _TEXT.check(entry.get("description", ""), f"{path}.description"),
        )

    def write(item: Any) -> object:
        described = {"description": item.description} if item.description else {}
        return {"area": item.area_id, "id": item.id, **described}

    return read, write


def _read_stage(value: object, path: str) -> RepairStage:
    entry = _record(value, path, "RepairStage", ("id", "name", "finished"))
    return RepairStage(
        is_id.check(entry["id"], f"{path}.id"),
        _TEXT.check(entry.get("name", ""), f"{path}.name"),
        _FLAG.check(entry.get("finished", False), f"{path}.finished"),
    )


def _write_stage(stage: RepairStage) -> object:
    return {
        "id": stage.id,
        **({"name": stage.name} if stage.name else {}),
        **({"finished": True} if stage.finished else {}),
    }


_SECTIONS: Final[Mapping[str, tuple[Callable[[object, str], Any], Callable[[Any], object]]]] = {
    "symptom_areas": _plain(SymptomArea),
    "symptom_codes": _coded(SymptomCode),
    "conditions": _plain(Condition),
    "diagnosis_areas": _plain(DiagnosisArea),
    "diagnosis_codes": _coded(DiagnosisCode),
    "resolutions": _plain(Resolution),
    "repair_stages": (_read_stage, _write_stage),
}
