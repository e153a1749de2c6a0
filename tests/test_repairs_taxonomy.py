"""The fault taxonomy (issue 16, item 2): codes by area, lookups, rules files."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from servicedomain.errors import (
    InvalidInputError,
    InvalidRulesError,
    TypeMismatchError,
    UnknownCodeError,
)
from servicedomain.repairs import (
    Condition,
    DiagnosisArea,
    DiagnosisCode,
    FaultTaxonomy,
    RepairStage,
    Resolution,
    SymptomArea,
    SymptomCode,
)
from servicedomain.rules import dump_rules, format_rules, load_rules, parse_rules, rules_from_dict
from servicedomain.testing.domain_strategies import fault_taxonomies

# The catalog's worked example (ax-service-management.md, section 8), with a second
# symptom area so that a code can be looked up in the wrong one.
CATALOG_TOML = """
[fault_taxonomies.MAIN]
symptom_areas = [{id = "hard drive"}, {id = "monitor", description = "Screen"}]
symptom_codes = [
    {area = "hard drive", id = "blue screen", description = "Blue screen on start"},
    {area = "monitor", id = "flicker"},
]
conditions = [{id = "fails after extended use"}]
diagnosis_areas = [{id = "defective part"}]
diagnosis_codes = [{area = "defective part", id = "new video card installed"}]
resolutions = [{id = "repaired"}, {id = "replaced"}, {id = "canceled by customer"}]
repair_stages = [
    {id = "DIAGNOSIS", name = "Diagnosis"},
    {id = "REPAIRED", name = "Repaired", finished = true},
]
"""


def catalog() -> FaultTaxonomy:
    rules = parse_rules(CATALOG_TOML, format="toml", source="repairs.toml")
    return rules.fault_taxonomies["MAIN"]


def refused_file(text: str, tmp_path: Path) -> InvalidRulesError:
    path = tmp_path / "repairs.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(InvalidRulesError) as caught:
        load_rules(path)
    return caught.value


# ------------------------------------------------------------------ worked examples


def test_the_catalog_example_reads_from_a_rules_file() -> None:
    taxonomy = catalog()
    assert taxonomy.symptom_code("hard drive", "blue screen") == SymptomCode(
        "hard drive", "blue screen", "Blue screen on start"
    )
    assert taxonomy.condition("fails after extended use") == Condition("fails after extended use")
    assert taxonomy.diagnosis_code("defective part", "new video card installed") == (
        DiagnosisCode("defective part", "new video card installed")
    )
    assert taxonomy.resolution("replaced") == Resolution("replaced")
    assert taxonomy.symptom_area("monitor") == SymptomArea("monitor", "Screen")
    assert taxonomy.diagnosis_area("defective part") == DiagnosisArea("defective part")
    assert [code.id for code in taxonomy.symptom_codes_in("monitor")] == ["flicker"]
    assert [code.id for code in taxonomy.diagnosis_codes_in("defective part")] == [
        "new video card installed"
    ]


def test_a_finished_stage_is_flagged_and_another_is_not() -> None:
    taxonomy = catalog()
    assert taxonomy.repair_stage("REPAIRED") == RepairStage("REPAIRED", "Repaired", finished=True)
    assert not taxonomy.repair_stage("DIAGNOSIS").finished
    assert RepairStage("NEW").finished is False  # not Finished unless said


def test_a_symptom_code_outside_its_area_is_refused_naming_the_area_and_the_code() -> None:
    with pytest.raises(UnknownCodeError) as caught:
        catalog().symptom_code("monitor", "blue screen")
    error = caught.value
    assert (error.field, error.value, error.kind, error.area_id, error.known) == (
        "code_id",
        "blue screen",
        "symptom code",
        "monitor",
        ("flicker",),
    )
    assert str(error) == (
        "code_id='blue screen': no symptom code 'blue screen' in symptom area 'monitor'; "
        "known: 'flicker'"
    )
    assert isinstance(error, InvalidInputError)
    assert isinstance(error, ValueError)


def test_a_diagnosis_code_outside_its_area_or_in_an_unknown_area_is_refused() -> None:
    taxonomy = catalog()
    with pytest.raises(UnknownCodeError, match="no diagnosis code 'blue screen' in diagnosis"):
        taxonomy.diagnosis_code("defective part", "blue screen")
    with pytest.raises(UnknownCodeError) as caught:
        taxonomy.diagnosis_code("hard drive", "new video card installed")
    assert (caught.value.field, caught.value.kind) == ("area_id", "diagnosis area")


def test_an_unknown_area_is_refused_before_its_code() -> None:
    with pytest.raises(UnknownCodeError) as caught:
        catalog().symptom_code("keyboard", "blue screen")
    assert (caught.value.field, caught.value.value, caught.value.kind) == (
        "area_id",
        "keyboard",
        "symptom area",
    )
    assert "known: 'hard drive', 'monitor'" in str(caught.value)
    with pytest.raises(UnknownCodeError, match="no symptom area 'keyboard'"):
        catalog().symptom_codes_in("keyboard")


@pytest.mark.parametrize(
    ("lookup", "field", "kind"),
    [
        ("condition", "condition_id", "condition"),
        ("resolution", "resolution_id", "resolution"),
        ("repair_stage", "stage_id", "repair stage"),
        ("symptom_area", "area_id", "symptom area"),
        ("diagnosis_area", "area_id", "diagnosis area"),
    ],
)
def test_an_unknown_id_is_refused_naming_it(lookup: str, field: str, kind: str) -> None:
    with pytest.raises(UnknownCodeError) as caught:
        getattr(catalog(), lookup)("nothing like it")
    assert (caught.value.field, caught.value.value, caught.value.kind) == (
        field,
        "nothing like it",
        kind,
    )


def test_a_taxonomy_with_a_code_of_an_undefined_area_is_refused() -> None:
    with pytest.raises(UnknownCodeError) as caught:
        FaultTaxonomy(symptom_codes=(SymptomCode("hard drive", "blue screen"),))
    assert (caught.value.field, caught.value.value) == ("symptom_codes[0].area_id", "hard drive")
    with pytest.raises(UnknownCodeError) as caught:
        FaultTaxonomy.from_dict(
            {
                "diagnosis_areas": [{"id": "defective part"}],
                "diagnosis_codes": [
                    {"area": "defective part", "id": "A"},
                    {"area": "x", "id": "B"},
                ],
            }
        )
    assert (caught.value.field, caught.value.value) == ("diagnosis_codes[1].area", "x")


def test_a_rules_file_names_the_file_the_key_and_the_value_of_a_code_outside_any_area(
    tmp_path: Path,
) -> None:
    text = CATALOG_TOML.replace('{area = "monitor", id = "flicker"}', '{area = "mouse", id = "x"}')
    error = refused_file(text, tmp_path)
    assert str(error) == (
        "repairs.toml: fault_taxonomies.MAIN.symptom_codes[1].area='mouse': "
        "no symptom area 'mouse'; known: 'hard drive', 'monitor'"
    )


def test_unknown_code_errors_pickle() -> None:
    with pytest.raises(UnknownCodeError) as caught:
        catalog().symptom_code("monitor", "blue screen")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.field, copy.kind, copy.area_id, copy.known, str(copy)) == (
        "code_id",
        "symptom code",
        "monitor",
        ("flicker",),
        str(caught.value),
    )


# ------------------------------------------------------------------ round trips


def test_a_taxonomy_round_trips_through_toml_and_json_files(tmp_path: Path) -> None:
    rules = parse_rules(CATALOG_TOML, format="toml", source="repairs.toml")
    text = format_rules(rules, format="toml")
    assert "[[fault_taxonomies.MAIN.repair_stages]]" in text
    assert parse_rules(text, format="toml") == rules
    for suffix in (".toml", ".json"):
        path = tmp_path / f"rules{suffix}"
        dump_rules(rules, path)
        loaded = load_rules(path)
        assert loaded == rules
        assert loaded.fault_taxonomies["MAIN"].repair_stage("REPAIRED").finished


def test_to_dict_leaves_out_what_from_dict_defaults() -> None:
    data = FaultTaxonomy(
        symptom_areas=(SymptomArea("hard drive"),),
        repair_stages=(RepairStage("NEW"), RepairStage("DONE", finished=True)),
    ).to_dict()
    assert data == {
        "symptom_areas": [{"id": "hard drive"}],
        "repair_stages": [{"id": "NEW"}, {"id": "DONE", "finished": True}],
    }
    assert FaultTaxonomy.from_dict({}) == FaultTaxonomy()


@given(fault_taxonomies())
def test_a_taxonomy_round_trips_through_its_dict_and_a_toml_rules_file(
    taxonomy: FaultTaxonomy,
) -> None:
    assert FaultTaxonomy.from_dict(taxonomy.to_dict()) == taxonomy
    rules = rules_from_dict({"fault_taxonomies": {"T": taxonomy.to_dict()}})
    again = parse_rules(format_rules(rules, format="toml"), format="toml")
    assert again.fault_taxonomies["T"] == taxonomy


@given(fault_taxonomies())
def test_a_code_belongs_to_its_area_and_to_no_other(taxonomy: FaultTaxonomy) -> None:
    kinds: list[tuple[Any, tuple[Any, ...], tuple[Any, ...]]] = [
        (taxonomy.symptom_code, taxonomy.symptom_areas, taxonomy.symptom_codes),
        (taxonomy.diagnosis_code, taxonomy.diagnosis_areas, taxonomy.diagnosis_codes),
    ]
    for lookup, areas, codes in kinds:
        keys = {(code.area_id, code.id) for code in codes}
        for code in codes:
            assert lookup(code.area_id, code.id) == code
            for area in areas:
                if (area.id, code.id) in keys:
                    assert lookup(area.id, code.id).area_id == area.id
                else:
                    with pytest.raises(UnknownCodeError) as caught:
                        lookup(area.id, code.id)
                    assert (caught.value.area_id, caught.value.value) == (area.id, code.id)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("blank", ["", "   ", "a\nb"])
def test_blank_ids_are_refused_naming_the_field(blank: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        SymptomCode("hard drive", blank)
    assert caught.value.field == "id"
    with pytest.raises(InvalidInputError) as caught:
        SymptomArea(blank)
    assert caught.value.field == "id"
    with pytest.raises(InvalidInputError) as caught:
        catalog().symptom_code(blank, "blue screen")
    assert caught.value.field == "area_id"


def test_an_id_defined_twice_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="a symptom area is defined once") as caught:
        FaultTaxonomy(symptom_areas=(SymptomArea("hard drive"), SymptomArea("hard drive", "x")))
    assert (caught.value.field, caught.value.value) == ("symptom_areas", "hard drive")
    with pytest.raises(InvalidInputError, match="a symptom code of an area is defined once"):
        FaultTaxonomy(
            symptom_areas=(SymptomArea("A"),),
            symptom_codes=(SymptomCode("A", "X"), SymptomCode("A", "X", "again")),
        )
    # the same code in two areas is two codes
    FaultTaxonomy(
        symptom_areas=(SymptomArea("A"), SymptomArea("B")),
        symptom_codes=(SymptomCode("A", "X"), SymptomCode("B", "X")),
    )


def test_a_list_where_a_tuple_is_expected_is_refused() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        FaultTaxonomy(conditions=[Condition("x")])  # type: ignore[arg-type]
    assert caught.value.field == "conditions"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'name = "Repaired", finished = true',
            'name = "Repaired", finished = 1.5',
            (
                "repairs.toml: fault_taxonomies.MAIN.repair_stages[1].finished=1.5: "
                "expected true or false, got float"
            ),
        ),
        (
            '{id = "replaced"}',
            "{id = 2.5}",
            "repairs.toml: fault_taxonomies.MAIN.resolutions[1].id=2.5: expected a str, got float",
        ),
        (
            '{id = "replaced"}',
            '{id = "  "}',
            (
                "repairs.toml: fault_taxonomies.MAIN.resolutions[1].id='  ': "
                "an id is not empty or blank"
            ),
        ),
        (
            'description = "Screen"',
            'colour = "Screen"',
            (
                "repairs.toml: fault_taxonomies.MAIN.symptom_areas[1].colour='Screen': "
                "unknown key of SymptomArea; expected id, description"
            ),
        ),
        (
            '{area = "monitor", id = "flicker"}',
            '{id = "flicker"}',
            (
                "repairs.toml: fault_taxonomies.MAIN.symptom_codes[1].area=None: "
                "this key of SymptomCode is required"
            ),
        ),
        (
            'conditions = [{id = "fails after extended use"}]',
            'conditions = "fails after extended use"',
            (
                "repairs.toml: fault_taxonomies.MAIN.conditions='fails after extended use': "
                "expected a list of tables, got str"
            ),
        ),
        (
            'conditions = [{id = "fails after extended use"}]',
            'condition = [{id = "fails after extended use"}]',
            (
                "repairs.toml: fault_taxonomies.MAIN.condition="
                "[{'id': 'fails after extended use'}]: "
                "unknown key of FaultTaxonomy; expected symptom_areas, symptom_codes, conditions, "
                "diagnosis_areas, diagnosis_codes, resolutions, repair_stages"
            ),
        ),
        (
            '{id = "repaired"}, {id = "replaced"}',
            '{id = "replaced"}, {id = "replaced"}',
            (
                "repairs.toml: fault_taxonomies.MAIN.resolutions='replaced': "
                "a resolution is defined once in a taxonomy"
            ),
        ),
    ],
)
def test_a_bad_taxonomy_file_names_the_file_the_key_and_the_value(
    old: str, new: str, message: str, tmp_path: Path
) -> None:
    assert old in CATALOG_TOML
    assert str(refused_file(CATALOG_TOML.replace(old, new, 1), tmp_path)) == message
